"""Where the ledger lives, how it is opened, and its schema version.

SQLite is the default: one file in the platform's user-data directory, ``--db PATH`` / ``AR_DB`` elsewhere.
Every connection gets WAL, foreign keys, ``synchronous=FULL`` and a busy timeout; writes begin with
``BEGIN IMMEDIATE`` so two writers queue instead of failing half way. Any SQLAlchemy URL works through
``AR_DATABASE_URL``.

The schema is versioned by Alembic (``migrations/versions``). Checking the version costs one query; Alembic
itself is imported only when a ledger must be created or upgraded.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from arcli.domain.errors import ArError, InputError
from arcli.i18n import _

#: Every schema revision this arcli knows, oldest first. The last is the one it writes.
REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010")
HEAD = REVISIONS[-1]
BUSY_TIMEOUT_MS = 15_000
#: How long a command that finds an older ledger waits for another one upgrading it (see :func:`migrate`).
UPGRADE_WAIT_MS = 600_000


class LedgerMissing(ArError):
    pass


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("arcli", appauthor=False) / "ledger.db"


def resolve_url(db_path: str | None, database_url: str | None) -> str:
    """``--db``/``AR_DB`` (a file) wins over ``AR_DATABASE_URL``; else the default file."""
    if db_path:
        if "://" in db_path:  # a URL given where a file was meant: never create a file named after it
            raise InputError(
                _("--db/AR_DB take a file path; give a database URL with --database-url or AR_DATABASE_URL")
            )
        return "sqlite:///" + str(Path(db_path).expanduser().absolute())
    if database_url:
        return database_url
    return "sqlite:///" + str(default_db_path())


def describe(url: str) -> str:
    """The URL as it may be shown to a person: a path for SQLite, never a password."""
    try:
        u = make_url(url)
    except (ArgumentError, ValueError):
        return "(unparseable database URL)"
    if u.get_backend_name() == "sqlite":
        return u.database or ":memory:"
    return u.render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


class NewLedger:
    """A command that may start a SQLite ledger (an import that brings customers) and may fail: while the file
    is missing, the command works on a new file beside it (:attr:`url`), which takes the ledger's name only if
    the command keeps it (:meth:`keep`), so a failed first import leaves no empty ledger behind. The name is
    taken with a hard link, which fails if a ledger appeared there meanwhile (another command started one): the
    command then fails too, and neither ledger is lost. An existing ledger, or a server's, is used as it is.

    Use as a context manager around the command's transaction, which must be closed before it exits."""

    def __init__(self, url: str) -> None:
        self.url, self.path, self.stage = url, sqlite_path(url), None
        self.kept = False
        if self.path is not None and not self.path.exists():
            self.stage = self.path.with_name(f".{self.path.name}.{os.getpid()}.new")
            self.url = "sqlite:///" + str(self.stage)

    def keep(self) -> None:
        self.kept = True

    def __enter__(self) -> NewLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.stage is None:
            return
        stage, path = self.stage, self.path
        assert path is not None
        taken = ArError(
            _("a ledger was started at {path} while this command ran: nothing written; run it again").format(path=path)
        )
        parts = [stage, *(stage.with_name(stage.name + end) for end in ("-wal", "-shm", "-journal"))]
        try:
            if self.kept and exc[0] is None:
                if any(p.exists() and p.stat().st_size for p in parts[1:]):  # its last connection not closed
                    raise ArError(_("the new ledger {path} was not closed: nothing written").format(path=path))
                try:
                    os.link(stage, path)
                except FileExistsError:
                    raise taken from None
                except OSError:  # a file system without hard links: the name, unless taken meanwhile
                    if path.exists():
                        raise taken from None
                    os.replace(stage, path)
        finally:
            for p in parts:
                p.unlink(missing_ok=True)


def _cannot_create(path: Path, reason: object) -> ArError:
    return ArError(_("cannot create the ledger at {path}: {value}").format(path=path, value=reason))


def _create_file(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except FileExistsError:  # a plain file where the directory should be
        raise _cannot_create(path, os.strerror(errno.ENOTDIR)) from None
    except OSError as exc:
        raise _cannot_create(path, exc.strerror or exc) from None
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return  # another writer created it first
    except OSError as exc:
        raise _cannot_create(path, exc.strerror or exc) from None
    os.close(fd)


def _on_connect(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # arcli issues BEGIN itself (see _on_begin)
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _on_begin(conn) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get("ar_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


#: PostgreSQL: every write transaction first takes this advisory lock (released at commit or rollback), so
#: writers queue as they do on SQLite and allocation never races; readers are not blocked.
WRITE_LOCK = 0x61726C69  # "arli"


def _pg_on_begin(conn) -> None:
    if conn.get_execution_options().get("ar_write"):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")


def where(url: str) -> str:
    """host:port of a server URL (for messages; never the password)."""
    try:
        u = make_url(url)
    except (ArgumentError, ValueError):
        return "(unparseable database URL)"
    return f"{u.host or 'localhost'}:{u.port or 5432}"


def connection_error(url: str, exc: BaseException) -> ArError:
    """One line for a server that cannot be reached or refuses the login, without the password."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    reason = reason.removeprefix("connection failed: ")
    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        password = None
    if password:
        reason = reason.replace(str(password), "***")
    return ArError(_("cannot reach the ledger database at {url}: {reason}").format(url=where(url), reason=reason))


def open_engine(url: str, *, create: bool) -> Engine:
    """An engine on the ledger. ``create``: make a missing SQLite file (mode 0600) instead of refusing."""
    try:
        u = make_url(url)
    except (ArgumentError, ValueError):
        raise ArError(_("the database URL cannot be parsed (check AR_DATABASE_URL)")) from None
    path = sqlite_path(url)
    if path is not None:
        try:
            exists, is_dir = path.exists(), path.is_dir()
        except OSError as exc:  # a name too long for the file system, a path through a file
            raise _cannot_create(path, exc.strerror or exc) from None
        if not exists:
            if not create:
                raise LedgerMissing(
                    _(
                        "no ledger at {path}: create one with `ar init` (or `ar customer add …`), or point --db / "
                        "AR_DB at an existing one"
                    ).format(path=path)
                )
            _create_file(path)
        elif is_dir:
            raise ArError(_("{path} is a directory, not a ledger file").format(path=path))
    try:
        engine = create_engine(u)
    except ModuleNotFoundError as exc:
        hint = " (pip install 'arcli[postgres]')" if u.get_backend_name() == "postgresql" else ""
        raise ArError(
            _("cannot open the ledger database {url}: its driver {name} is not installed{hint}").format(
                url=describe(url), name=exc.name, hint=hint
            )
        ) from None
    except Exception as exc:  # a bad option: say which kind without echoing the URL
        raise ArError(
            _("cannot open the ledger database {url}: {name}").format(url=describe(url), name=type(exc).__name__)
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_connect)
        event.listen(engine, "begin", _on_begin)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "begin", _pg_on_begin)
    return engine


def schema_revision(engine: Engine) -> str | None:
    """The ledger's schema revision, or None for an empty database."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return row[0] if row else None


def ensure_schema(engine: Engine, *, create: bool = True, notice: Callable[[str], None] | None = None) -> None:
    """Create or upgrade the schema to HEAD; refuse a ledger written by a newer arcli. Without ``create``, an
    empty server database is no ledger (as a missing file is not)."""
    try:
        current = schema_revision(engine)
    except DBAPIError as exc:
        url = engine.url.render_as_string(hide_password=False)
        if engine.dialect.name != "sqlite" and isinstance(exc, OperationalError):
            raise connection_error(url, exc.orig) from None
        raise ArError(
            _("cannot read the ledger {url}: {value}").format(url=describe(url), value=str(exc.orig).splitlines()[0])
        ) from None
    if current == HEAD:
        return
    if current is None and not create and engine.dialect.name != "sqlite":
        raise LedgerMissing(
            _("no ledger in the database {value}: create one with `ar init`").format(
                value=describe(engine.url.render_as_string(hide_password=False))
            )
        )
    if current is not None and current not in REVISIONS:
        raise ArError(
            _(
                "this ledger was written by a newer arcli (schema {current}; this arcli knows up to {HEAD}): upgrade "
                "arcli to open it"
            ).format(current=current, HEAD=HEAD)
        )
    if current is not None and notice is not None:  # an upgrade builds tables again: say so before it starts
        notice(
            _("upgrading the ledger from schema {current} to {HEAD} (once; a ledger of millions of entries takes "
              "a minute)").format(current=current, HEAD=HEAD)
        )  # fmt: skip
    migrate(engine, HEAD)


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    """Upgrade (or with ``down``, downgrade) the ledger's schema to ``revision``, in one transaction.

    On SQLite a migration may build a table again (0010 does ``entry``): the old table is dropped, which with
    foreign keys enforced would count every row that points at it as a violation. So, as SQLite's own procedure
    has it, enforcement is off for the migration's connection (the pragma takes effect only outside a
    transaction: before it begins), ``PRAGMA foreign_key_check`` must find nothing before it commits, and
    enforcement is back on before the connection returns to the pool.

    Two commands that open an older ledger at once both set out to upgrade it: the second waits for the first
    (up to :data:`UPGRADE_WAIT_MS`, not the writers' usual timeout: an upgrade that builds a table again takes
    a while), then finds the schema current and does nothing."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.connect().execution_options(ar_write=True) as conn:
        raw = conn.connection.driver_connection if engine.dialect.name == "sqlite" else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys = OFF")
            raw.execute(f"PRAGMA busy_timeout = {UPGRADE_WAIT_MS}")
        try:
            cfg.attributes["connection"] = conn
            try:
                (command.downgrade if down else command.upgrade)(cfg, revision)
            except OperationalError as exc:
                if "locked" in str(exc.orig) or "busy" in str(exc.orig):
                    raise ArError(_("the ledger is busy: another arcli kept it locked too long; try again")) from None
                raise
            if raw is not None:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
                if broken is not None:
                    raise ArError(
                        _("cannot upgrade the ledger: a {table} row points at a missing {parent} row").format(
                            table=broken[0], parent=broken[2]
                        )
                    )
            conn.commit()
        finally:
            if raw is not None:
                conn.rollback()
                raw.execute("PRAGMA foreign_keys = ON")
                raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
