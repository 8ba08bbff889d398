"""A large import of deliveries or payments in two processes, on SQLite: this one reads, checks, allocates and
seals the rows (the importer's own code, reading a snapshot of the ledger), a child process writes them, in the
file's order, in the one transaction of the import. SQLite's half of an import (inserting rows, building
indexes) then runs beside the Python half on a second core instead of after it.

The child (the writer) begins the write transaction first and sends the ids it numbers on from; only then does
this process (the planner) take its snapshot, which is therefore the state the writer started from (the writer
holds the write lock: nobody else commits meanwhile). The planner's reads must not depend on what the import
wrote, and the importer sees to it: a row that takes the full path (a payment naming items, a delivery of a
customer with on-account credit, …) is posted by the writer, with all of its customer's later rows. What the
planner cannot see coming (a ref the file gives again in a later batch, which the ledger's unique index refuses
in the writer) ends the attempt: the writer rolls back and the file is imported the one-process way, which
finds such rows itself. Either way the file is imported all or nothing.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from arcli.domain.errors import ArError, Conflict
from arcli.i18n import _
from arcli.services.context import Context, unit_of_work


class Again(Exception):
    """The writer refused what the planner could not foresee: import the file the one-process way."""


class _Stopped(Exception):
    """The writer stopped before the end (its message is the argument)."""


def available(url: str) -> bool:
    """A SQLite ledger, on a system that can fork (the child starts with everything this process loaded), with
    two cores or more for this process (on one, the two would take turns: one process is faster; `taskset -c 0
    ar import …` runs an import that way on purpose)."""
    if not url.startswith("sqlite:") or "fork" not in multiprocessing.get_all_start_methods():
        return False
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    return len(cores) >= 2


class _Writer:
    """The planner's end of the pipe: what :meth:`Tx.plan_for` and the importer send to the writer."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def run(self, sql: str, params: Any, sealing: Any = None) -> None:
        self.send(("run", sql, params, sealing))

    def call(self, name: str, *args: Any) -> None:
        self.send(("call", name, args))

    def row(self, row: Any) -> None:
        self.send(("row", row))

    def send(self, message: tuple[Any, ...]) -> None:
        if self.conn.poll():  # the writer has stopped: it said why
            raise _Stopped(self._receive())
        try:
            self.conn.send(message)
        except OSError:  # its end is closed
            raise _Stopped(self._receive()) from None

    def _receive(self) -> tuple[Any, ...]:
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            return ("failed", False, _("the import's writer process stopped unexpectedly"))


class Pipeline:
    """The writer process, forked at once (before the file is read: it shares nothing it does not need) and
    waiting; :meth:`run` imports the file's rows through it. :meth:`close` ends it whatever happened."""

    def __init__(self, ctx: Context, kind: str) -> None:
        self.ctx = ctx
        mp = multiprocessing.get_context("fork")
        self.conn, there = mp.Pipe()
        self.proc = mp.Process(target=_write, args=(there, self.conn, ctx, kind), daemon=True)
        self.proc.start()
        there.close()

    def run(
        self,
        body: Iterator[tuple[int, list[str]]],
        total: int,
        result: Any,
        dry_run: bool,
        feed: Callable[..., None],
        progress: Callable[..., None] | None = None,
    ) -> None:
        """Import ``body`` into ``result``; raises :class:`Again` if the file must be imported the one-process
        way (nothing is written then), ArError if the import cannot be done."""
        from arcli.services.importer import _Poster

        writer = _Writer(self.conn)
        try:
            writer.send(("start", total))
            said = writer._receive()
            if said[0] == "ready":
                with unit_of_work(self.ctx, write=False) as tx:
                    tx.plan_for(writer, said[1])
                    feed(_Poster(tx, self.ctx, result, False, writer), body, total)
                    stale = sorted(tx.promises_stale)  # the writer brings them up to date
                    tx.promises_stale.clear()
                if progress is not None:
                    progress(result.read, result.read, _("committing"))
                writer.send(("end", not result.errors and not dry_run, stale))
                said = writer._receive()
        except _Stopped as stop:
            said = stop.args[0]
        if said[0] == "failed":
            if said[1]:
                raise Again
            raise ArError(said[2])
        added, unchanged, errors = said[1:]
        result.added += added
        result.unchanged += unchanged
        result.errors.extend(errors)

    def close(self) -> None:
        self.conn.close()  # a writer still waiting sees the end of its input and rolls back
        self.proc.join(timeout=10)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join()


#: How many of the planner's messages (a batch's statements each) the writer holds received and not yet done:
#: enough to cover the writer's longer statements (settling 50,000 paid-off items) without the planner waiting
#: (1M payments: 64 against 16 was 0.7–2.8 s shorter in each of four rounds, no more memory at the peak)
INBOX = 64


class _Inbox:
    """The writer's messages, received by a thread of their own as soon as the planner sends them: the planner
    never waits for the writer to finish a statement (the pipe holds a few hundred kilobytes, a batch's rows
    about as much) unless :data:`INBOX` messages are waiting, and unpickling runs while SQLite writes (it lets
    go of the GIL meanwhile)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=INBOX)
        threading.Thread(target=self._receive, daemon=True).start()

    def _receive(self) -> None:
        try:
            while True:
                message = self.conn.recv()
                self.queue.put(message)
                if message[0] == "end":
                    return
        except BaseException as e:  # the planner is gone (EOF), or the pipe broke
            self.queue.put(("gone", e))

    def get(self) -> tuple[Any, ...]:
        message = self.queue.get()
        if message[0] == "gone":
            raise EOFError from message[1]
        return message


def _write(conn: Any, planners_end: Any, ctx: Context, kind: str) -> None:
    """The writer process: told how many rows the file has, one write transaction, the statements and rows the
    planner sends, then commit (or roll back: a dry run, a bad row anywhere, a failure, the planner gone)."""
    from arcli.services.importer import ImportResult, _Poster, _RollBack, references_at_end

    planners_end.close()  # inherited: only the planner's own copy may keep the pipe open (if it dies: EOF here)

    result = ImportResult(kind, "", "", [])
    try:
        try:
            total = conn.recv()[1]
            at_end = references_at_end(kind, total)
            with unit_of_work(ctx, write=True, references_at_end=at_end) as tx, tx.bulk(kind, total):
                conn.send(("ready", tx.last_ids()))
                poster = _Poster(tx, ctx, result, False)
                inbox = _Inbox(conn)
                while True:
                    message = inbox.get()
                    what = message[0]
                    if what == "run":
                        tx.run_planned(message[1], message[2], message[3])
                    elif what == "call":
                        getattr(tx, message[1])(*message[2])
                    elif what == "row":
                        poster._one(message[1])
                    else:  # "end"
                        commit, stale = message[1], message[2]
                        tx.promises_stale.update(stale)
                        break
                if not commit or result.errors:
                    raise _RollBack
        except _RollBack:
            pass
    except Conflict as e:  # the ledger refused a row the planner took for new: a ref the file repeats
        conn.send(("failed", True, str(e)))
        return
    except ArError as e:
        conn.send(("failed", False, str(e)))
        return
    except (EOFError, KeyboardInterrupt):  # the planner is gone: rolled back
        return
    except Exception as e:  # reported by the planner, in one line
        conn.send(("failed", False, f"{type(e).__name__}: {e}"))
        return
    conn.send(("done", result.added, result.unchanged, result.errors))
    conn.close()
