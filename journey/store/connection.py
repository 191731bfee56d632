"""Connections: short-lived, retried while another process holds the file, migrated on open; and the
small helpers every store module shares.

Connections are short-lived (one per unit of work) so the Streamlit app and the CLI can take turns on
the same file; DuckDB lets one process hold a file read-write, so opening retries on the lock error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from journey.errors import DatabaseBusy
from journey.store.migrations import migrate

T = TypeVar("T")
LOCK_RETRIES = 12
LOCK_FIRST_WAIT_S = 0.05


@dataclass
class Database:
    """A DuckDB file; `connect()` opens a short-lived connection with migrations applied."""

    path: Path

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = open_connection(self.path)
        try:
            yield con
        finally:
            con.close()


def open_connection(path: Path | str) -> duckdb.DuckDBPyConnection:
    """Open `path` read-write, retrying while another process holds the lock; apply migrations.

    Raises DatabaseBusy when the file stays locked.
    """
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    wait = LOCK_FIRST_WAIT_S
    for attempt in range(LOCK_RETRIES):
        try:
            con = duckdb.connect(str(path), config={"autoinstall_known_extensions": False})
            break
        except duckdb.IOException as err:
            if "lock" not in str(err).lower() or attempt == LOCK_RETRIES - 1:
                if "lock" in str(err).lower():
                    raise DatabaseBusy(
                        "the database is in use by another program.", file=str(path),
                        hint="Close the other Journey Lens process (app or CLI) or try again in a moment.",
                    ) from err
                raise
            time.sleep(wait)
            wait = min(wait * 2, 1.0)
    migrate(con)
    return con


def is_live(target: object) -> bool:
    """True for an open connection (as opposed to a Database or a path)."""
    return isinstance(target, duckdb.DuckDBPyConnection)


@contextmanager
def step(target: "Database | Path | str | duckdb.DuckDBPyConnection") -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for one step of a long job: `target` itself when it is a live connection (tests,
    scripts), else a short-lived one on the Database (or path), closed when the step ends, so the job holds
    the file only for its short reads and writes and pages (or another process) get their turn between."""
    if is_live(target):
        yield target
        return
    database = target if isinstance(target, Database) else Database(Path(target))
    with database.connect() as con:
        yield con


# Errors that say "not now" rather than "wrong": another thread of this process opening or closing the same
# file at that instant (DuckDB's instance cache), or another process holding it.
_TRANSIENT = ("unique file handle conflict", "already attached", "pandas_scan", "lock")
STEP_ATTEMPTS = 6


def in_step(target: "Database | Path | str | duckdb.DuckDBPyConnection", work: Callable[[duckdb.DuckDBPyConnection], T],
            attempts: int = STEP_ATTEMPTS) -> T:
    """work(con) on a step's connection (see `step`); a transient error is retried with backoff on a fresh
    connection, so a long job survives a page opening the file at the same instant. `work` must be safe
    to run again (reads, and writes in one transaction or skipping what is there)."""
    wait = LOCK_FIRST_WAIT_S
    for attempt in range(attempts):
        try:
            with step(target) as con:
                return work(con)
        except (duckdb.Error, DatabaseBusy) as err:
            transient = any(words in str(err).lower() for words in _TRANSIENT)
            if is_live(target) or not transient or attempt == attempts - 1:
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
