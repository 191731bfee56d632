"""Reads behind the Review page: one page of comments at a time (search, stage and corrected filters in SQL,
so 100k comments cost no more than 50), and the counts it shows."""

from __future__ import annotations

import duckdb
import pandas as pd

from journey.store.tags import EFFECTIVE_STAGES

_FROM = """FROM comments c JOIN responses r ON r.id = c.response_id JOIN imports i ON i.id = r.import_id
           LEFT JOIN comment_tags t ON t.comment_id = c.id LEFT JOIN human_tags h ON h.comment_id = c.id"""

COLUMNS = f"""c.id AS comment_id, c.masked_text AS text, c.question, r.responded_at, i.file_name AS source,
              coalesce(h.stage, t.stage) AS stage, {EFFECTIVE_STAGES},
              coalesce(h.touchpoint, t.touchpoint) AS touchpoint, coalesce(h.sentiment, t.sentiment) AS sentiment,
              t.stage AS auto_stage, t.touchpoint AS auto_touchpoint, t.sentiment AS auto_sentiment,
              t.stage_score, t.stage_margin, (h.comment_id IS NOT NULL) AS corrected"""


def _where(search: str = "", stage: str | None = None, corrected: bool | None = None) -> tuple[str, list]:
    clauses, params = ["t.comment_id IS NOT NULL"], []
    if search.strip():
        clauses.append("contains(lower(c.masked_text), lower(?))")
        params.append(search.strip())
    if stage:
        clauses.append("coalesce(h.stage, t.stage) = ?")
        params.append(stage)
    if corrected is not None:
        clauses.append("(h.comment_id IS NOT NULL) = ?")
        params.append(corrected)
    return " AND ".join(clauses), params


def comments_page(con: duckdb.DuckDBPyConnection, search: str = "", stage: str | None = None,
                  corrected: bool | None = None, offset: int = 0, limit: int = 50) -> tuple[pd.DataFrame, int]:
    """(one page of tagged comments matching the search text, effective stage and corrected filter, in import
    order; how many match in all). Each row has the effective tags, the automatic ones, and the scores."""
    where, params = _where(search, stage, corrected)
    total = int(con.execute(f"SELECT count(*) {_FROM} WHERE {where}", params).fetchall()[0][0])
    frame = con.execute(f"SELECT {COLUMNS} {_FROM} WHERE {where} ORDER BY c.id LIMIT ? OFFSET ?",
                        params + [int(limit), int(offset)]).fetchdf()
    return frame, total


def comments_by_id(con: duckdb.DuckDBPyConnection, comment_ids: list[int]) -> pd.DataFrame:
    """The same columns for chosen comments (the review queue), in the order given."""
    if not comment_ids:
        return con.execute(f"SELECT {COLUMNS} {_FROM} WHERE FALSE").fetchdf()
    frame = con.execute(f"SELECT {COLUMNS} {_FROM} WHERE list_contains(?, c.id)",
                        [[int(i) for i in comment_ids]]).fetchdf()
    order = {int(c): n for n, c in enumerate(comment_ids)}
    return frame.sort_values("comment_id", key=lambda s: s.map(order)).reset_index(drop=True)


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """comments, tagged (have automatic tags), untagged, corrected."""
    row = con.execute("""SELECT (SELECT count(*) FROM comments),
                                (SELECT count(*) FROM comments c WHERE EXISTS
                                    (SELECT 1 FROM comment_tags t WHERE t.comment_id = c.id)),
                                (SELECT count(*) FROM human_tags h WHERE EXISTS
                                    (SELECT 1 FROM comments c WHERE c.id = h.comment_id))""").fetchall()[0]
    return {"comments": int(row[0]), "tagged": int(row[1]), "untagged": int(row[0] - row[1]),
            "corrected": int(row[2])}


def tags_version(con: duckdb.DuckDBPyConnection) -> tuple:
    """Changes when the automatic tags change (not with corrections): the review queue's cache key."""
    return tuple(con.execute("""SELECT count(*), coalesce(sum(hash(comment_id, taxonomy_version, model_id, stage,
                                                                   stage_margin)), 0) FROM comment_tags""").fetchall()[0])
