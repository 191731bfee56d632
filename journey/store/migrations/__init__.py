"""Schema migrations: the numbered SQL files in this folder, applied in order, each recorded once.

A file is named `NNNN_words.sql`; NNNN is its version and its first line, `-- name: ...`, the name
recorded in `_journey_migrations`. Append only: never edit or renumber a file once it has shipped, as
databases made by earlier versions know their migrations by number.
"""

from __future__ import annotations

import re
from importlib import resources

import duckdb

_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_NAME = re.compile(r"^-- name: (.+)$")


def _load() -> list[tuple[int, str, str]]:
    """(version, name, SQL) of every migration file, in version order; versions run 1, 2, 3, … without
    gaps (a missing or doubled number is a packaging mistake, raised here rather than half-applied)."""
    found = []
    for entry in resources.files(__name__).iterdir():
        match = _FILE.match(entry.name)
        if not match:
            continue
        sql = entry.read_text(encoding="utf-8")
        name = _NAME.match(sql.splitlines()[0]) if sql else None
        if name is None:
            raise ValueError(f"migration {entry.name} must start with a '-- name: ...' line")
        found.append((int(match.group(1)), name.group(1).strip(), sql))
    found.sort()
    versions = [version for version, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise ValueError(f"migration versions must run 1..n without gaps, found {versions}")
    return found


# (version, name, SQL), oldest first.
MIGRATIONS: list[tuple[int, str, str]] = _load()


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations, each in its own transaction; return the versions applied."""
    con.execute("""CREATE TABLE IF NOT EXISTS _journey_migrations (
        version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,
        applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)""")
    done = {row[0] for row in con.execute("SELECT version FROM _journey_migrations").fetchall()}
    applied = []
    for version, name, sql in MIGRATIONS:
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO _journey_migrations (version, name) VALUES (?, ?)", [version, name])
            con.execute("COMMIT")
        except Exception:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass  # DuckDB already aborted it (a full disk): raise the error that did
            raise
        applied.append(version)
    return applied
