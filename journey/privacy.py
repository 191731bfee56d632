"""Purging an import's raw text: what the customer wrote as written (and the customer column, and the
raw lines of rejected rows) leaves the database file, keeping only the masked text everything shows.

The update runs in one transaction; the file is then rewritten so the old bytes, which DuckDB leaves in
the file's freed blocks, are gone too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from journey.store import connection, imports


@dataclass
class Purged:
    """What a purge changed in one import."""

    import_id: int
    file_name: str
    comments: int      # comments now holding only their masked text
    remasked: int      # of them, masked differently than before (their sentences are tagged again)
    customers: int     # customer values replaced by their pseudonym
    rejected: int      # rejected rows without their raw line


def purge_raw_text(db_path: Path | str, import_ids: list[int]) -> list[Purged]:
    """Purge the raw text of these imports, then rewrite the file; an id with no import is skipped.

    Raises DatabaseBusy when another program holds the database (nothing is changed then) or when it
    stays busy for the rewrite (the text is purged; the old bytes go at the next purge).
    """
    database = connection.Database(Path(db_path))
    done = []
    with database.connect() as con:
        for import_id in import_ids:
            record = imports.get_import(con, import_id)
            counts = imports.purge_raw(con, import_id) if record else None
            if counts is not None:
                done.append(Purged(import_id, record["file_name"], **counts))
    if done:
        database.rewrite()
    return done
