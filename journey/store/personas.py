"""Personas: a name, a description and a set of segment filters (segment column → values kept)."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from journey.store.connection import next_id


def save_persona(con: duckdb.DuckDBPyConnection, name: str, description: str, rules: dict[str, list[str]],
                 persona_id: int | None = None) -> int:
    """Insert a persona, or replace persona `persona_id`; returns its id (checked by journey.personas
    beforehand)."""
    data = json.dumps(rules, ensure_ascii=False)
    if persona_id is None:
        persona_id = next_id(con, "personas")
        con.execute("INSERT INTO personas (id, name, description, rules) VALUES (?, ?, ?, ?)",
                    [persona_id, name, description, data])
    else:
        con.execute("UPDATE personas SET name = ?, description = ?, rules = ? WHERE id = ?",
                    [name, description, data, persona_id])
    return persona_id


def list_personas(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every persona in the order made: id, name, description, rules (dict)."""
    frame = con.execute("SELECT id, name, description, rules FROM personas ORDER BY id").fetchdf()
    frame["rules"] = frame["rules"].map(json.loads)
    return frame


def delete_persona(con: duckdb.DuckDBPyConnection, persona_id: int) -> bool:
    """Delete one persona; False when there is no such persona."""
    found = con.execute("SELECT count(*) FROM personas WHERE id = ?", [persona_id]).fetchall()[0][0]
    con.execute("DELETE FROM personas WHERE id = ?", [persona_id])
    return bool(found)
