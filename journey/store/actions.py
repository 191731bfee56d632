"""Improvement actions: what the owner changed, when, at which stage and/or touchpoint."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from journey.store.connection import next_id

COLUMNS = ["id", "acted_on", "stage", "touchpoint", "title", "owner", "note", "created_at"]


def add_action(con: duckdb.DuckDBPyConnection, acted_on: date, title: str, stage: str | None = None,
               touchpoint: str | None = None, owner: str | None = None, note: str | None = None) -> int:
    """Record one action (checked by journey.actions.check_action beforehand); returns its id."""
    action_id = next_id(con, "improvement_actions")
    con.execute("""INSERT INTO improvement_actions (id, acted_on, stage, touchpoint, title, owner, note)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""", [action_id, acted_on, stage, touchpoint, title, owner, note])
    return action_id


def list_actions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every action, oldest first (by date, then by when it was recorded)."""
    return con.execute(f"SELECT {', '.join(COLUMNS)} FROM improvement_actions ORDER BY acted_on, id").fetchdf()


def delete_action(con: duckdb.DuckDBPyConnection, action_id: int) -> bool:
    """Delete one action; False when there is no such action."""
    found = con.execute("SELECT count(*) FROM improvement_actions WHERE id = ?", [action_id]).fetchall()[0][0]
    con.execute("DELETE FROM improvement_actions WHERE id = ?", [action_id])
    return bool(found)
