"""The demo: the bundled exports of こもれび珈琲, a fictional Kyoto coffee roaster (data/demo), kept in a
database of its own (JOURNEY_DEMO_DB, data/demo.duckdb) so that its dates, its restaurant preset and its
comments never mix with the owner's. A database that already holds the demo's files (loaded there by an
older version) can drop them in one go.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from journey.config import DEMO_DIR
from journey.store import actions as action_store
from journey.store import funnel as funnel_store
from journey.store import imports
from journey.store import personas as persona_store

DEMO_PRESET = "restaurant"
DEMO_FUNNEL = "komorebi_funnel.csv"   # the demo's monthly funnel counts (python -m journey funnel)
DEMO_CYCLE = "komorebi_cycle.json"    # its improvement actions and personas


def demo_files() -> list[Path]:
    """The bundled demo's feedback exports, in load order (its funnel count table is not feedback)."""
    return sorted(p for p in DEMO_DIR.iterdir() if p.suffix.lower() in {".csv", ".tsv", ".xlsx"}
                  and p.name != DEMO_FUNNEL)


@lru_cache(maxsize=1)
def demo_hashes() -> frozenset[str]:
    """SHA-256 of each demo file, as an import records it."""
    return frozenset(hashlib.sha256(p.read_bytes()).hexdigest() for p in demo_files())


def demo_imports(con) -> pd.DataFrame:
    """The imports of a database that are the demo's files: id, file_name, loaded."""
    history = con.execute("SELECT id, file_name, sha256, loaded FROM imports ORDER BY id").fetchdf()
    return history[history["sha256"].isin(demo_hashes())][["id", "file_name", "loaded"]].reset_index(drop=True)


def remove_demo(con) -> int:
    """Delete every demo import (with its responses, comments, tags and corrections), and the rest of the
    demo's cycle an older version loaded with it: its funnel count table, its two actions and its two
    personas (matched by file hash, date and title, name). Returns how many feedback imports went."""
    found = demo_imports(con)
    for import_id in found["id"]:
        imports.delete_import(con, int(import_id))
    counts_hash = hashlib.sha256((DEMO_DIR / DEMO_FUNNEL).read_bytes()).hexdigest()
    if len(found):
        demo_counts = con.execute("SELECT id FROM funnel_imports WHERE sha256 = ?", [counts_hash]).fetchall()
        for (import_id,) in demo_counts:
            funnel_store.delete_funnel(con, int(import_id))
        cycle = json.loads((DEMO_DIR / DEMO_CYCLE).read_text(encoding="utf-8"))
        demo_actions = {(item["date"], item["what"]) for item in cycle["actions"]}
        for action in action_store.list_actions(con).itertuples():
            if (str(action.acted_on)[:10], action.title) in demo_actions:
                action_store.delete_action(con, int(action.id))
        demo_personas = {item["name"] for item in cycle["personas"]}
        for persona in persona_store.list_personas(con).itertuples():
            if persona.name in demo_personas:
                persona_store.delete_persona(con, int(persona.id))
    return len(found)
