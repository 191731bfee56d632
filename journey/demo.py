"""The demo: the bundled exports of こもれび珈琲, a fictional Kyoto coffee roaster (data/demo), kept in a
database of its own (JOURNEY_DEMO_DB, data/demo.duckdb) so that its dates, its restaurant preset and its
comments never mix with the owner's. A database that already holds the demo's files (loaded there by an
older version) can drop them in one go.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import pandas as pd

from journey.config import DEMO_DIR
from journey.store import imports

DEMO_PRESET = "restaurant"


def demo_files() -> list[Path]:
    """The bundled demo exports, in load order."""
    return sorted(p for p in DEMO_DIR.iterdir() if p.suffix.lower() in {".csv", ".tsv", ".xlsx"})


@lru_cache(maxsize=1)
def demo_hashes() -> frozenset[str]:
    """SHA-256 of each demo file, as an import records it."""
    return frozenset(hashlib.sha256(p.read_bytes()).hexdigest() for p in demo_files())


def demo_imports(con) -> pd.DataFrame:
    """The imports of a database that are the demo's files: id, file_name, loaded."""
    history = con.execute("SELECT id, file_name, sha256, loaded FROM imports ORDER BY id").fetchdf()
    return history[history["sha256"].isin(demo_hashes())][["id", "file_name", "loaded"]].reset_index(drop=True)


def remove_demo(con) -> int:
    """Delete every demo import (with its responses, comments, tags and corrections); how many."""
    found = demo_imports(con)
    for import_id in found["id"]:
        imports.delete_import(con, int(import_id))
    return len(found)
