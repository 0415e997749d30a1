"""A workspace's settings, ``HOME/settings.toml``: optional; every setting has a default.

```toml
strict_landing = true         # any file under landing/ that no source reads stops a close
approvers = ["li.wei", "mo"]  # only these user ids may approve or reject a version
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields

from orchestration.lib.workspace import Workspace


@dataclass(frozen=True)
class Settings:
    strict_landing: bool = False
    # user ids allowed to sign off a version (docs/operations.md); empty: anyone but its closer
    approvers: tuple[str, ...] = ()


class SettingsError(ValueError):
    """A settings file that cannot be used; the message names the file and the setting."""


def load_settings(workspace: Workspace) -> Settings:
    path = workspace.settings_file
    if not path.is_file():
        return Settings()
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: not valid TOML ({error})") from None
    known = {field.name for field in fields(Settings)}
    for name, value in values.items():
        if name not in known:
            raise SettingsError(
                f"{path}: unknown setting {name!r}; settings are {', '.join(sorted(known))}"
            )
        _check_type(path, name, value)
    if "approvers" in values:
        values["approvers"] = tuple(user.strip() for user in values["approvers"])
    return Settings(**values)


def _check_type(path, name: str, value: object) -> None:
    if name == "approvers":
        if not isinstance(value, list) or not all(
            isinstance(user, str) and user.strip() for user in value
        ):
            raise SettingsError(
                f'{path}: approvers must be a list of user ids, e.g. ["li.wei", "mo"], '
                f"not {value!r}"
            )
    elif not isinstance(value, bool):
        raise SettingsError(f"{path}: {name} must be true or false, not {value!r}")
