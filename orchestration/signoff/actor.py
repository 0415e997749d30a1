"""Who is acting: ``--by``, else ``JIFEN_USER``, else the operating-system user.

Users are ids (``li.wei``, ``u1042``), never personal names: they go into hashed, published
records, and an id stays the same when a person's displayed name changes.
"""

from __future__ import annotations

import getpass
import os
import re

from orchestration.signoff.refusal import SignoffRefused

USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


def acting_user(by: str | None = None) -> str:
    """The user id of whoever runs the command; refused when it is not an id."""
    user = (by or os.environ.get("JIFEN_USER") or _os_user()).strip()
    if not USER_ID.fullmatch(user):
        where = "--by" if by else ("JIFEN_USER" if os.environ.get("JIFEN_USER") else "OS user")
        raise SignoffRefused(
            f"{user!r} ({where}) is not a user id: use letters, digits and . _ @ - "
            "(at most 64, no spaces), e.g. --by li.wei"
        )
    return user


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return ""
