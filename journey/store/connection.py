"""Connections: one DuckDB instance per database file in this process, shared by every unit of work
through a cursor of its own; retried on every transient error; migrated on open. And the small helpers
every store module shares.

DuckDB lets one process hold a file read-write. Inside a process, connecting to a file that another
thread is closing fails ("Unique file handle conflict: Cannot attach ... already attached", "Table
Function with name pandas_scan does not exist"), which is what several Streamlit sessions did when each
opened and closed its own connection. So the process keeps one connection per file while any unit of
work uses it and hands each unit a cursor (a connection of its own to the same instance, safe in its own
thread); the last unit to finish closes it, so between units of work the file is free for the CLI or
the app in another process, as before.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from journey.errors import DatabaseBusy
from journey.store.migrations import migrate

LOCK_RETRIES = 12
LOCK_FIRST_WAIT_S = 0.05
LOCK_MAX_WAIT_S = 1.0
# DuckDB's own setting: never fetch an extension from the internet (the app runs offline).
CONFIG = {"autoinstall_known_extensions": False}

T = TypeVar("T")


def is_transient(err: BaseException) -> bool:
    """True for DuckDB errors that go away on their own when the unit of work is tried again: another
    process holds the file, a file handle or catalog race inside this process, a write-write conflict
    between two transactions."""
    if not isinstance(err, duckdb.Error):
        return False
    text = str(err).lower()
    if isinstance(err, duckdb.IOException):
        return "lock" in text and "no space" not in text
    if isinstance(err, duckdb.ResourceInUseException):
        return True
    if "unique file handle conflict" in text or "already attached" in text:
        return True
    if isinstance(err, duckdb.TransactionException):
        return "conflict" in text
    if isinstance(err, duckdb.CatalogException):
        # A registered frame's scan function missing: a connection caught mid-teardown by another thread.
        return "table function with name" in text and "_scan does not exist" in text
    return False


def _busy(path: Path, err: BaseException) -> DatabaseBusy:
    other_process = isinstance(err, duckdb.IOException)
    return DatabaseBusy(
        "the database is in use by another program." if other_process else "the database stayed busy.",
        file=path.name, hint="Close the other Journey Lens process (app or CLI) or try again in a moment.")


def with_retries(path: Path, attempt: Callable[[], T]) -> T:
    """`attempt()` again after each transient error, waiting a little longer each time (0.05 s doubling up
    to 1 s, ~9 s in all); raises DatabaseBusy when it never succeeds and passes other errors on."""
    wait = LOCK_FIRST_WAIT_S
    for number in range(LOCK_RETRIES):
        try:
            return attempt()
        except duckdb.Error as err:
            if not is_transient(err):
                raise
            if number == LOCK_RETRIES - 1:
                raise _busy(path, err) from err
            time.sleep(wait)
            wait = min(wait * 2, LOCK_MAX_WAIT_S)
    raise AssertionError("unreachable")  # pragma: no cover


def open_connection(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A connection of its own to `path` (read-write), opened with retries while another process holds
    the lock, migrations applied. The caller closes it; the app and the CLI use Database.connect().

    Raises DatabaseBusy when the file stays locked.
    """
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    con = with_retries(path, lambda: duckdb.connect(str(path), config=CONFIG))
    try:
        migrate(con)
    except BaseException:
        con.close()
        raise
    return con


@dataclass
class _Shared:
    """The process's connection to one file and how many units of work hold a cursor on it."""

    lock: threading.Condition = field(default_factory=threading.Condition)
    con: duckdb.DuckDBPyConnection | None = None
    users: int = 0


_SHARED: dict[str, _Shared] = {}
_SHARED_LOCK = threading.Lock()


def _shared(path: Path) -> _Shared:
    key = str(path.resolve())
    with _SHARED_LOCK:
        return _SHARED.setdefault(key, _Shared())


def _lease(path: Path) -> tuple[_Shared, duckdb.DuckDBPyConnection]:
    """A cursor on the process's connection to `path`, opening it for the first user."""
    shared = _shared(path)
    with shared.lock:
        if shared.con is None:
            shared.con = open_connection(path)
        cursor = shared.con.cursor()
        shared.users += 1
        return shared, cursor


def _release(shared: _Shared, cursor: duckdb.DuckDBPyConnection) -> None:
    """Close a unit's cursor; the last user closes the connection so the file is free for others."""
    try:
        cursor.close()
    finally:
        with shared.lock:
            shared.users -= 1
            if shared.users == 0 and shared.con is not None:
                con, shared.con = shared.con, None
                con.close()
            shared.lock.notify_all()


@dataclass
class Database:
    """A DuckDB file; `connect()` gives a unit of work its cursor, `run()` retries a unit of work."""

    path: Path

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one unit of work, on the connection this process shares for the file."""
        path = Path(self.path)
        if str(path) == ":memory:":
            con = open_connection(path)
            try:
                yield con
            finally:
                con.close()
            return
        shared, cursor = _lease(path)
        try:
            yield cursor
        finally:
            _release(shared, cursor)

    def rewrite(self, wait_s: float = 10.0) -> None:
        """Copy every table into a new file and put it in this file's place. DuckDB leaves the old bytes of
        updated and deleted rows in freed blocks of the file; after this they are gone (the purge of raw
        text relies on it). All or nothing: on any failure the file is left as it was.

        Needs the file to itself: waits up to `wait_s` for this process's units of work to end (none
        starts meanwhile) and raises DatabaseBusy when they do not, or when another process holds it.
        """
        path = Path(self.path)
        shared = _shared(path)
        with shared.lock:
            if not shared.lock.wait_for(lambda: shared.users == 0, timeout=wait_s):
                raise _busy(path, RuntimeError("units of work still running"))
            fresh = path.with_name(f".{path.name}.{secrets.token_hex(4)}.rewrite")
            con = open_connection(path)
            try:
                name = scalar(con, "SELECT current_database()")
                con.execute(f"ATTACH '{_sql_string(fresh)}' AS _fresh")
                con.execute(f'COPY FROM DATABASE "{name.replace(chr(34), chr(34) * 2)}" TO _fresh')
                con.execute("DETACH _fresh")
            except BaseException:
                con.close()
                for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
                    leftover.unlink(missing_ok=True)
                raise
            con.close()
            os.replace(fresh, path)

    def run(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """`work(con)` in a unit of work of its own, tried again after a transient error; for reads and for
        writes that commit all at once (a failed try leaves nothing behind)."""
        def attempt() -> T:
            with self.connect() as con:
                return work(con)
        return with_retries(Path(self.path), attempt)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, rolled back on any error. The error that stopped the work is the one raised: when
    DuckDB has already aborted the transaction (a full disk), the failed ROLLBACK must not hide it."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # already rolled back by DuckDB; the original error follows
        raise


def _sql_string(path: Path) -> str:
    """A path inside a single-quoted SQL string (ATTACH takes no parameters); the path is the app's own."""
    return str(path).replace("'", "''")
def is_live(target: object) -> bool:
    """True for an open connection (as opposed to a Database or a path)."""
    return isinstance(target, duckdb.DuckDBPyConnection)


STEP_ATTEMPTS = 6


def in_step(target: "Database | Path | str | duckdb.DuckDBPyConnection", work: Callable[[duckdb.DuckDBPyConnection], T],
            attempts: int = STEP_ATTEMPTS) -> T:
    """work(con) as one step of a long job. On a live connection (tests, scripts) it simply runs there;
    on a Database (or a path) it is a unit of work of its own (Database.run: transient errors retried), so
    the job holds the file only for its short reads and writes; a file that stays busy (another program
    holding it) is waited for again, `attempts` times in all. `work` must be safe to run again (reads, and
    writes in one transaction or skipping what is there)."""
    if is_live(target):
        return work(target)
    database = target if isinstance(target, Database) else Database(Path(target))
    wait = LOCK_FIRST_WAIT_S
    for attempt in range(attempts):
        try:
            return database.run(work)
        except DatabaseBusy:
            if attempt == attempts - 1:
                raise
            time.sleep(wait)
            wait = min(wait * 2, 2.0)
    raise AssertionError("unreachable")


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> Any:
    """First value of a query's only row. fetchall, not fetchone: DuckDB 2 keeps a result open until
    a fetch returns nothing, and an open result blocks register() on the same connection."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


# For the store's own modules: table names passed here come from their code, never from input.


def next_id(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """The next free integer id of `table`."""
    return int(scalar(con, f"SELECT coalesce(max(id), 0) + 1 FROM {table}"))


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Insert the rows of `frame` into `table`, matching columns by name; nothing for an empty frame."""
    if frame.empty:
        return
    con.register("_frame", frame)
    try:
        columns = ", ".join(frame.columns)
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _frame")
    finally:
        con.unregister("_frame")

