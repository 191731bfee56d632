"""Reads behind the dashboards, the weekly review and the data export: every filter applied in SQL with
parameters only, tags as the owner sees them (a correction wins)."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from journey.masking import mask_pii
from journey.store import keys
from journey.store.tags import EFFECTIVE_STAGES


def data_window(con: duckdb.DuckDBPyConnection):
    """First and last response dates."""
    from journey.filters import Window

    row = con.execute("SELECT min(responded_at)::DATE, max(responded_at)::DATE FROM responses").fetchall()[0]
    return Window(row[0], row[1])


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Values the filter widgets offer: sources, questions, segment names and their values."""
    segments = con.execute("""SELECT name, list(DISTINCT value ORDER BY value) FROM segments
                              GROUP BY name HAVING count(DISTINCT value) BETWEEN 2 AND 200 ORDER BY name""").fetchall()
    return {
        "sources": [r[0] for r in con.execute("SELECT DISTINCT file_name FROM imports ORDER BY 1").fetchall()],
        "questions": [r[0] for r in con.execute("SELECT DISTINCT question FROM comments ORDER BY 1").fetchall()],
        "segments": {name: values for name, values in segments},
    }


def question_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every free-text question with its number of comments, most answered first."""
    return con.execute("""SELECT question, count(*) AS comments FROM comments
                          GROUP BY question ORDER BY comments DESC, question""").fetchdf()


def data_version(con: duckdb.DuckDBPyConnection) -> tuple:
    """Changes whenever what the dashboards read changes: a cache key for their reads.

    Counts alone miss a re-tag, which replaces every tag row for row, so tags and corrections enter by
    a checksum of their content; imports by their ids (a delete plus a new import keeps the count), the
    taxonomy by its newest version."""
    return tuple(con.execute("""SELECT (SELECT count(*) FROM imports), (SELECT coalesce(sum(hash(id, sha256, created_at)), 0) FROM imports),
                                       (SELECT count(*) FROM responses), (SELECT count(*) FROM comments),
                                       (SELECT coalesce(max(version), 0) FROM taxonomy),
                                       (SELECT count(*) FROM comment_tags),
                                       (SELECT coalesce(sum(hash(comment_id, taxonomy_version, model_id, stage, stages,
                                                                 touchpoint, sentiment, sentiment_score, stage_margin)), 0)
                                        FROM comment_tags),
                                       (SELECT count(*) FROM human_tags),
                                       (SELECT coalesce(sum(hash(comment_id, stage, touchpoint, sentiment)), 0)
                                        FROM human_tags)
                             """).fetchall()[0])


def undated_responses(con: duckdb.DuckDBPyConnection) -> int:
    """How many responses have no date (an export without a date column): no date range ever holds them."""
    return int(con.execute("SELECT count(*) FROM responses WHERE responded_at IS NULL").fetchall()[0][0])


def _response_where(filters, alias: str = "r") -> tuple[str, list]:
    clauses, params = ["TRUE"], []
    dated = []
    if filters.start:
        dated.append(f"{alias}.responded_at >= ?")
        params.append(filters.start)
    if filters.end:
        dated.append(f"{alias}.responded_at < ? + INTERVAL 1 DAY")
        params.append(filters.end)
    if dated:
        within = " AND ".join(dated)
        clauses.append(f"(({within}) OR {alias}.responded_at IS NULL)" if getattr(filters, "undated", False)
                       else within)
    if filters.sources:
        clauses.append(f"{alias}.import_id IN (SELECT id FROM imports WHERE list_contains(?, file_name))")
        params.append(list(filters.sources))
    if filters.segment and filters.segment_values:
        clauses.append(f"{alias}.id IN (SELECT response_id FROM segments WHERE name = ? AND list_contains(?, value))")
        params.extend([filters.segment, list(filters.segment_values)])
    # A persona: every one of its segment columns must hold one of the values listed for it.
    for name, values in filters.persona_rules:
        clauses.append(f"{alias}.id IN (SELECT response_id FROM segments WHERE name = ? AND list_contains(?, value))")
        params.extend([name, list(values)])
    return " AND ".join(clauses), params


def _comment_where(filters) -> tuple[str, list]:
    """WHERE clause over comments c / responses r / tags t / human tags h for all the filters."""
    where, params = _response_where(filters)
    clauses = [where]
    for column, values in (("c.question", filters.questions),
                           ("coalesce(h.touchpoint, t.touchpoint)", filters.touchpoints),
                           ("coalesce(h.sentiment, t.sentiment)", filters.sentiments)):
        if values:
            clauses.append(f"list_contains(?, {column})")
            params.append(list(values))
    if filters.stages:
        clauses.append("(list_has_any(?, string_split(coalesce(t.stages, ''), '|')) "
                       "OR list_contains(?, coalesce(h.stage, t.stage)))")
        params.extend([list(filters.stages), list(filters.stages)])
    return " AND ".join(clauses), params


_COMMENT_JOINS = """FROM comments c JOIN responses r ON r.id = c.response_id JOIN imports i ON i.id = r.import_id
            LEFT JOIN comment_tags t ON t.comment_id = c.id LEFT JOIN human_tags h ON h.comment_id = c.id"""


def comment_facts(con: duckdb.DuckDBPyConnection, filters) -> pd.DataFrame:
    """One row per comment matching `filters`, with its effective tags and its response's scores:
    comment_id, response_id, responded_at, source, question, lang, stage, stages, touchpoint, sentiment,
    sentiment_score, stage_margin, corrected, nps, rating (mean 1–5 of CSAT/stars answers).

    The text is left out (it is the heavy column); `comment_texts` fetches it for what is shown.
    """
    where, params = _comment_where(filters)
    return con.execute(
        f"""WITH nps AS (SELECT response_id, max(value) AS nps FROM scores WHERE scale = 'nps_0_10' GROUP BY 1),
                 rating AS (SELECT response_id, avg(value) AS rating FROM scores
                            WHERE scale IN ('csat_1_5', 'stars_1_5') GROUP BY 1)
            SELECT c.id AS comment_id, r.id AS response_id, r.responded_at, i.file_name AS source, c.question,
                   c.lang, coalesce(h.stage, t.stage) AS stage,
                   {EFFECTIVE_STAGES},
                   coalesce(h.touchpoint, t.touchpoint) AS touchpoint,
                   coalesce(h.sentiment, t.sentiment) AS sentiment, t.sentiment_score, t.stage_margin,
                   (h.comment_id IS NOT NULL) AS corrected, nps.nps, rating.rating
            {_COMMENT_JOINS}
            LEFT JOIN nps ON nps.response_id = r.id LEFT JOIN rating ON rating.response_id = r.id
            WHERE {where}""", params).fetchdf()


def comment_texts(con: duckdb.DuckDBPyConnection, comment_ids: list[int]) -> pd.DataFrame:
    """comment_id → masked text, for the comments a page shows."""
    frame = pd.DataFrame({"comment_id": [int(i) for i in comment_ids]})
    con.register("_ids", frame)
    try:
        return con.execute("SELECT c.id AS comment_id, c.masked_text AS text FROM comments c "
                           "JOIN _ids i ON i.comment_id = c.id").fetchdf()
    finally:
        con.unregister("_ids")


# A comment question that gives the reason for a score question ("満足度" → "満足度の理由",
# "Overall rating - reason") is answered under that score: the score says which way the answer leans.
REASON_SUFFIX = r"^[\s:：\-–—・(（]*(の)?\s*(理由|わけ|コメント|reason|why|comment)"


def theme_units(con: duckdb.DuckDBPyConnection, filters, stage: str, sentiment: str) -> pd.DataFrame:
    """Sentences for themes: units of the filtered comments in `stage` whose own sentiment is `sentiment`,
    preferring units tagged with that stage (all of a comment's units when none is); with vectors and
    `strength` (how clearly the sentence has that sentiment; an owner's correction counts as certain).

    A unit's sentiment is its automatic tag, except where the owner corrected a one-sentence comment (the
    correction is that sentence's sentiment). A unit answering the reason for a score question is left out
    when that score sits in the opposite end box (a reason given with とても満足 or 10 is no pain point, one
    given with とても不満 or 0 no praise): on the Fukui survey 17 of 19 "negative" reasons given with とても満足
    were praise the tagger misread, while with 満足 (4) about half were real complaints, so only the end
    boxes overrule the text.
    """
    where, params = _comment_where(filters)
    opposite = {"negative": 1, "positive": -1}.get(sentiment, 99)
    return con.execute(
        f"""WITH chosen AS (
                SELECT c.id AS comment_id, c.response_id, c.question, r.responded_at, h.sentiment AS corrected
                {_COMMENT_JOINS}
                WHERE {where} AND (list_contains(string_split(coalesce(t.stages, ''), '|'), ?)
                                   OR coalesce(h.stage, t.stage) = ?)),
                paired AS (
                SELECT ch.comment_id,
                       arg_max(CASE WHEN s.scale IN ('csat_1_5', 'stars_1_5')
                                    THEN CASE WHEN s.value >= 5 THEN 1 WHEN s.value <= 1 THEN -1 ELSE 0 END
                                    WHEN s.scale = 'nps_0_10'
                                    THEN CASE WHEN s.value >= 10 THEN 1 WHEN s.value <= 0 THEN -1 ELSE 0 END
                                    ELSE 0 END, length(s.question)) AS score_says
                FROM chosen ch JOIN scores s ON s.response_id = ch.response_id
                WHERE length(ch.question) > length(s.question) AND starts_with(ch.question, s.question)
                      AND regexp_matches(substr(ch.question, length(s.question) + 1), ?)
                GROUP BY ch.comment_id),
                units_in AS (
                SELECT u.id AS unit_id, u.comment_id, u.text, ut.stage, ch.responded_at, e.vector,
                       CASE WHEN ch.corrected IS NOT NULL AND count(*) OVER (PARTITION BY u.comment_id) = 1
                            THEN ch.corrected ELSE ut.sentiment END AS sentiment,
                       CASE WHEN ch.corrected IS NOT NULL AND count(*) OVER (PARTITION BY u.comment_id) = 1
                            THEN 100.0 ELSE ut.sentiment_score * ? END AS strength,
                       bool_or(ut.stage = ?) OVER (PARTITION BY u.comment_id) AS comment_has_stage,
                       coalesce(p.score_says, 0) AS score_says
                FROM chosen ch JOIN units u ON u.comment_id = ch.comment_id
                JOIN tags ut ON ut.unit_id = u.id
                JOIN embeddings e ON e.text_hash = u.text_hash AND e.model_id = ut.model_id
                LEFT JOIN paired p ON p.comment_id = ch.comment_id)
            SELECT unit_id, comment_id, text, responded_at, strength, vector FROM units_in
            WHERE sentiment = ? AND (stage = ? OR NOT comment_has_stage) AND score_says <> ?
            ORDER BY unit_id""",
        params + [stage, stage, REASON_SUFFIX, -1.0 if sentiment == "negative" else 1.0, stage, sentiment, stage,
                  opposite]).fetchdf()


def csat_questions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every CSAT (1–5) question, most answered first: the first is the headline CSAT."""
    return [r[0] for r in con.execute("""SELECT question FROM scores WHERE scale = 'csat_1_5'
                                         GROUP BY question ORDER BY count(*) DESC, question""").fetchall()]


def response_facts(con: duckdb.DuckDBPyConnection, filters) -> pd.DataFrame:
    """One row per response matching the response-level filters: response_id, responded_at, nps, stars,
    and one column per CSAT question ("csat::" + question, its 1–5 answer; most answered question first)."""
    from journey.metrics import CSAT_PREFIX

    where, params = _response_where(filters)
    questions = csat_questions(con)
    per_question = "".join(f", max(s.value) FILTER (WHERE s.scale = 'csat_1_5' AND s.question = ?) AS csat_{i}"
                           for i in range(len(questions)))
    frame = con.execute(
        f"""SELECT r.id AS response_id, r.responded_at,
                   max(s.value) FILTER (WHERE s.scale = 'nps_0_10') AS nps,
                   avg(s.value) FILTER (WHERE s.scale = 'stars_1_5') AS stars{per_question}
            FROM responses r LEFT JOIN scores s ON s.response_id = r.id
            WHERE {where} GROUP BY r.id, r.responded_at""", questions + params).fetchdf()
    return frame.rename(columns={f"csat_{i}": CSAT_PREFIX + q for i, q in enumerate(questions)})


def segment_of(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """response_id → value of one segment column."""
    return con.execute("SELECT response_id, value AS segment FROM segments WHERE name = ?", [name]).fetchdf()


def comment_detail(con: duckdb.DuckDBPyConnection, comment_id: int) -> dict[str, Any] | None:
    """Everything about one comment for its detail view: text, question, date, source, scores, tags."""
    cur = con.execute(
        """SELECT c.id AS comment_id, c.masked_text AS text, c.question, r.responded_at, i.file_name AS source,
                  r.external_id, r.line_no, coalesce(h.stage, t.stage) AS stage, t.stages,
                  coalesce(h.touchpoint, t.touchpoint) AS touchpoint, coalesce(h.sentiment, t.sentiment) AS sentiment,
                  (SELECT list(s.question || ': ' || s.raw) FROM scores s WHERE s.response_id = r.id) AS scores
           FROM comments c JOIN responses r ON r.id = c.response_id JOIN imports i ON i.id = r.import_id
           LEFT JOIN comment_tags t ON t.comment_id = c.id LEFT JOIN human_tags h ON h.comment_id = c.id
           WHERE c.id = ?""", [comment_id])
    rows = cur.fetchall()
    return dict(zip([d[0] for d in cur.description], rows[0])) if rows else None


def export_comments(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per comment: response fields, masked text, tags (a human correction wins; empty before
    tagging), scores (one column per question) and segments."""
    base = con.execute(
        f"""SELECT c.id AS comment_id, r.import_id, i.file_name AS source_file, r.external_id,
                  r.responded_at, r.customer, r.touchpoint AS touchpoint_column, c.question,
                  c.masked_text AS text, c.lang,
                  coalesce(h.stage, t.stage) AS stage, t.stage_score,
                  {EFFECTIVE_STAGES},
                  coalesce(h.touchpoint, t.touchpoint) AS touchpoint, t.touchpoint_score,
                  coalesce(h.sentiment, t.sentiment) AS sentiment, t.sentiment_score,
                  r.id AS response_id
           FROM comments c JOIN responses r ON r.id = c.response_id JOIN imports i ON i.id = r.import_id
           LEFT JOIN comment_tags t ON t.comment_id = c.id LEFT JOIN human_tags h ON h.comment_id = c.id
           ORDER BY r.import_id, r.line_no, c.id""").fetchdf()
    # The customer column can hold e-mail addresses or names: exports carry a pseudonym keyed by this
    # database's secret instead (hashing a guessed address finds nothing), which still groups one
    # customer's comments. An import whose raw text was purged already stores the pseudonym.
    key = keys.secret(con, keys.PSEUDONYM_KEY)
    purged = set(r[0] for r in con.execute("SELECT id FROM imports WHERE raw_purged_at IS NOT NULL").fetchall())
    base["customer"] = [None if not isinstance(c, str) or not c else c if i in purged else keys.pseudonym(key, c)
                        for c, i in zip(base["customer"], base["import_id"])]
    base = base.rename(columns={"customer": "customer_ref"})
    if base.empty:
        return base.drop(columns=["response_id"])
    scores = con.execute(
        """SELECT response_id, 'score: ' || question || ' (' || scale || ')' AS key, value
           FROM scores WHERE response_id IN (SELECT response_id FROM comments)""").fetchdf()
    segments = con.execute(
        """SELECT s.response_id, 'segment: ' || s.name AS key, s.value, i.mask_pii
           FROM segments s JOIN responses r ON r.id = s.response_id JOIN imports i ON i.id = r.import_id
           WHERE s.response_id IN (SELECT response_id FROM comments)""").fetchdf()
    # A segment column can hold personal data too (a staff member's e-mail): masked like the comments.
    segments["value"] = [mask_pii(v) if masks else v for v, masks in zip(segments["value"], segments["mask_pii"])]
    segments = segments.drop(columns=["mask_pii"])
    for frame in (scores, segments):
        if not frame.empty:
            wide = frame.pivot_table(index="response_id", columns="key", values="value", aggfunc="first")
            base = base.merge(wide, left_on="response_id", right_index=True, how="left")
    return base.drop(columns=["response_id"])
