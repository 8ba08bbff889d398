"""The user's config file: defaults for which ledger to open and who is writing.

``$AR_CONFIG``, else ``config.toml`` in the platform's user config directory (``~/.config/arcli/`` on
Linux)::

    db = "~/ledgers/north.db"                       # a SQLite ledger file
    database_url = "postgresql+psycopg://rep@db/ar"  # or a server (password: use ~/.pgpass)
    rep = "wang"                                    # the rep recorded on each entry

Options and environment variables (``--db``/``AR_DB``, ``AR_DATABASE_URL``, ``AR_REP``) win over the file.
A file that holds a database password must be private (mode 0600): one that others can read is refused.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from arcli.domain.errors import ArError
from arcli.i18n import _, ngettext

KEYS = ("db", "database_url", "rep")


@dataclass(frozen=True)
class UserConfig:
    path: Path | None = None
    db: str | None = None
    database_url: str | None = None
    rep: str | None = None


def config_path() -> Path:
    explicit = os.environ.get("AR_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_config_path

    return user_config_path("arcli", appauthor=False) / "config.toml"


def _has_password(url: str) -> bool:
    try:
        return bool(urlsplit(url).password)
    except ValueError:  # unparseable: assume the worst
        return True


def load() -> UserConfig:
    """The config file's settings; none if there is no file. Errors name the file, never a value."""
    path = config_path()
    try:
        raw = path.read_bytes()
        mode = path.stat().st_mode
    except FileNotFoundError:
        if os.environ.get("AR_CONFIG"):
            raise ArError(_("AR_CONFIG names {path}, which does not exist").format(path=path)) from None
        return UserConfig()
    except OSError as exc:
        raise ArError(
            _("cannot read the config file {path}: {value}").format(path=path, value=exc.strerror or exc)
        ) from None
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ArError(_("the config file {path} is not valid TOML: {exc}").format(path=path, exc=exc)) from None
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ArError(
            ngettext(
                "the config file {path} has an unknown key {value}; known: {value2}",
                "the config file {path} has unknown keys {value}; known: {value2}",
                len(unknown),
            ).format(path=path, value=", ".join(unknown), value2=", ".join(KEYS))
        )
    for key in KEYS:
        if key in data and not isinstance(data[key], str):
            raise ArError(_("the config file {path}: {key} must be a string").format(path=path, key=key))
    url = data.get("database_url")
    if url and _has_password(url) and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ArError(
            _(
                "refusing the config file {path}: it holds a database password and others can read it (mode "
                "{value:o}); run `chmod 600 {path}`, or keep the password in ~/.pgpass"
            ).format(path=path, value=stat.S_IMODE(mode))
        )
    return UserConfig(path=path, db=data.get("db"), database_url=url, rep=data.get("rep"))
