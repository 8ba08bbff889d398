"""Backup and restore of a SQLite ledger with SQLite's online backup API: a consistent copy while others write.

A backup is written to a temporary file beside the target (mode 0600), switched out of WAL so it is one
self-contained file, verified, synced, and only then renamed into place. A restore verifies the backup on a
private copy first (SQLite's integrity check, a schema this arcli knows, every invariant of ``ar check``),
then copies it into the ledger through the same API, which takes the ledger's write lock like any writer.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from arcli.domain.errors import ArError, Conflict
from arcli.i18n import _
from arcli.storage.engine import BUSY_TIMEOUT_MS, HEAD, REVISIONS, ensure_schema, open_engine, sqlite_path

if TYPE_CHECKING:
    from arcli.storage.integrity import Steps


def _sqlite_only(url: str) -> Path:
    path = sqlite_path(url)
    if path is None:
        raise ArError(_("backup and restore work on a SQLite ledger; back up a PostgreSQL ledger with pg_dump"))
    return path


def _connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    uri = f"{path.absolute().as_uri()}?mode={'ro' if readonly else 'rw'}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _private_file(directory: Path, stem: str) -> Path:
    """A new empty file, mode 0600, in ``directory``."""
    for n in range(1000):
        candidate = directory / f".{stem}.{os.getpid()}.{n}.tmp"
        try:
            fd = os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            continue
        os.close(fd)
        return candidate
    raise ArError(_("cannot create a temporary file in {directory}").format(directory=directory))


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def _copy(src: sqlite3.Connection, dest: Path) -> None:
    out = sqlite3.connect(dest, isolation_level=None)
    try:
        src.backup(out)
        out.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        problems = [r[0] for r in out.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise ArError(_("the copy failed SQLite's integrity check: {value}").format(value=problems[0]))
    finally:
        out.close()


def backup(url: str, target: Path, *, force: bool) -> Path:
    """Copy the ledger to ``target`` (refused if it exists, unless ``force``). Returns the target's path."""
    source = _sqlite_only(url)
    if not source.exists():
        raise ArError(_("no ledger at {source} to back up").format(source=source))
    target = target.expanduser().absolute()
    if target.exists() or target.is_symlink():
        if target.is_dir():
            raise ArError(_("{target} is a directory: name the backup file").format(target=target))
        if target.resolve() == source.resolve():
            raise ArError(_("the backup cannot be the ledger itself"))
        if not force:
            raise Conflict(_("{target} exists: pass --force to replace it").format(target=target))
    if not target.parent.is_dir():
        raise ArError(_("no directory {parent} for the backup").format(parent=target.parent))
    tmp = _private_file(target.parent, target.name)
    try:
        src = _connect(source)
        try:
            _copy(src, tmp)
        finally:
            src.close()
        _fsync(tmp)
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        _remove(tmp)
        raise ArError(_("backup failed: {exc}").format(exc=exc)) from None
    except BaseException:
        _remove(tmp)
        raise
    return target


def verify_copy(path: Path) -> None:
    """Refuse a file that is not a sound arcli ledger (before anything is written to the ledger)."""
    try:
        conn = _connect(path, readonly=True)
    except sqlite3.Error as exc:
        raise ArError(_("{path} cannot be opened as a ledger: {exc}").format(path=path, exc=exc)) from None
    try:
        try:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as exc:
            raise ArError(_("{path} is not a ledger backup: {exc}").format(path=path, exc=exc)) from None
        if problems != ["ok"]:
            raise ArError(_("{path} is damaged: {value}").format(path=path, value=problems[0]))
        try:
            (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except (sqlite3.Error, TypeError):
            raise ArError(_("{path} is not an arcli ledger (it has no schema version)").format(path=path)) from None
        if revision not in REVISIONS:
            raise ArError(
                _("{path} was written by a newer arcli (schema {revision}; this arcli knows up to {HEAD})").format(
                    path=path, revision=revision, HEAD=HEAD
                )
            )
    finally:
        conn.close()


def _check(engine, progress: Steps | None) -> None:
    from arcli.storage.integrity import every_check

    with engine.connect() as conn:
        for fault in every_check(conn, progress):
            raise ArError(
                _("the backup fails `ar check` ({check}: {message}); nothing restored").format(
                    check=fault.check, message=fault.message
                )
            )


def restore(url: str, source: Path, *, force: bool, progress: Steps | None = None) -> Path:
    """Replace the ledger with the backup at ``source``, after every invariant of ``ar check`` passed on a
    private copy of it (upgraded to this arcli's schema if it is older; progress: of the checks, see
    ``integrity.every_check``)."""
    ledger = _sqlite_only(url)
    source = source.expanduser().absolute()
    if not source.is_file():
        raise ArError(_("no backup file at {source}").format(source=source))
    if ledger.exists() and source.resolve() == ledger.resolve():
        raise ArError(_("the backup is the ledger itself"))
    if ledger.exists() and not force:
        raise Conflict(
            _("a ledger exists at {ledger}: pass --force to replace it with the backup").format(ledger=ledger)
        )
    verify_copy(source)
    ledger.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    work = _private_file(ledger.parent, ledger.name + ".restore")
    try:
        src = _connect(source, readonly=True)
        try:
            _copy(src, work)
        finally:
            src.close()
        engine = open_engine("sqlite:///" + str(work), create=False)
        try:
            ensure_schema(engine)  # an older backup is upgraded on the copy, never in place
            _check(engine, progress)
        finally:
            engine.dispose()
        if not ledger.exists():
            fd = os.open(ledger, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        src = _connect(work)
        dest = _connect(ledger)
        try:
            dest.execute("PRAGMA journal_mode = WAL")
            src.backup(dest)
        finally:
            dest.close()
            src.close()
    except sqlite3.Error as exc:
        raise ArError(_("restore failed: {exc}").format(exc=exc)) from None
    finally:
        _remove(work)
    return ledger
