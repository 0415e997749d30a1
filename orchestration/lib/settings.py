"""A workspace's settings, ``HOME/settings.toml``: optional; every setting has a default.

```toml
strict_landing = true   # any file under landing/ that no source reads stops a close
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields

from orchestration.lib.workspace import Workspace


@dataclass(frozen=True)
class Settings:
    strict_landing: bool = False


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
    known = {field.name: field.type for field in fields(Settings)}
    for name, value in values.items():
        if name not in known:
            raise SettingsError(
                f"{path}: unknown setting {name!r}; settings are {', '.join(known)}"
            )
        if not isinstance(value, bool):
            raise SettingsError(f"{path}: {name} must be true or false, not {value!r}")
    return Settings(**values)
