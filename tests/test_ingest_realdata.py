"""Ingest over the real exports in ../shared/real-data (skipped with a message when absent)."""

from __future__ import annotations

import csv

import pytest

from journey.ingest import import_file, read_export, suggest_mapping
from journey.store import connection
from tests.conftest import CLOTHING, FUKUI, require_real_data

pytestmark = pytest.mark.realdata

FUKUI_TEXT_QUESTIONS = {"満足度の理由", "満足度(商品・サービス)の理由", "不便さの内容", "推奨項目",
                        "施設に求めるもの", "福井県に求めるもの", "福井県内での交通手段の満足度の理由"}
MONTHS = ["202603.csv", "202604.csv", "202605.csv", "202606.csv"]


def csv_records(path, encoding: str) -> list[dict[str, str]]:
    """The file's records as the csv module reads them: the independent count to compare against."""
    with open(path, encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("month", MONTHS)
def test_fukui_month_loads_every_record_with_all_text_questions(month, db_path):
    require_real_data()
    path = FUKUI / month
    roles = {c.column: c for c in suggest_mapping(read_export(path))}
    assert {name for name, c in roles.items() if c.role == "comment"} == FUKUI_TEXT_QUESTIONS
    assert roles["NPS"].role == "score" and roles["NPS"].scale == "nps_0_10"
    assert roles["満足度"].role == "score" and roles["満足度"].scale == "csat_1_5"
    assert roles["満足度(商品・サービス)"].scale == "csat_1_5"
    assert roles["回答日時"].role == "date"

    records = csv_records(path, "utf-8-sig")
    result = import_file(path, db_path)
    assert result.rows == len(records)
    assert (result.loaded, result.rejected, result.duplicates) == (len(records), 0, 0)
    expected_comments = sum(1 for r in records for q in FUKUI_TEXT_QUESTIONS if r[q].strip())
    with connection.Database(db_path).connect() as con:
        assert connection.scalar(con, "SELECT count(*) FROM comments") == expected_comments
        assert connection.scalar(con, "SELECT count(*) FROM responses WHERE responded_at IS NULL") == 0
        nps = connection.scalar(con, "SELECT count(*) FROM scores WHERE scale = 'nps_0_10'")
        assert nps == sum(1 for r in records if r["NPS"].strip())
        top = connection.scalar(con, """SELECT count(*) FROM scores WHERE question = '満足度' AND value = 5""")
        assert top == sum(1 for r in records if r["満足度"] == "とても満足")


def test_fukui_months_together_have_no_false_duplicates(db_path):
    require_real_data()
    total = 0
    for month in MONTHS:
        result = import_file(FUKUI / month, db_path)
        total += result.rows
        assert result.duplicates == 0
    again = import_file(FUKUI / MONTHS[0], db_path)
    assert again.loaded == 0 and again.duplicates == again.rows
    with connection.Database(db_path).connect() as con:
        assert connection.scalar(con, "SELECT count(*) FROM responses") == total


def test_clothing_reviews_title_text_and_stars(db_path):
    require_real_data()
    roles = {c.column: c for c in suggest_mapping(read_export(CLOTHING))}
    assert roles["Title"].role == "title"
    assert roles["Review Text"].role == "comment"
    assert roles["Rating"].role == "score" and roles["Rating"].scale == "stars_1_5"
    assert roles["column_1"].role == "id"          # the unnamed index column
    assert roles["Recommended IND"].role != "score"

    records = csv_records(CLOTHING, "utf-8")
    result = import_file(CLOTHING, db_path)
    assert (result.rows, result.loaded, result.rejected) == (len(records), len(records), 0)
    with_text = sum(1 for r in records if r["Review Text"].strip() or r["Title"].strip())
    with connection.Database(db_path).connect() as con:
        assert connection.scalar(con, "SELECT count(*) FROM comments") == with_text
        # A review with both: the title leads, then the text.
        row = next(r for r in records if r["Title"].strip() and r["Review Text"].strip())
        text = connection.scalar(con, "SELECT c.text FROM comments c JOIN responses r ON r.id = c.response_id "
                                 "WHERE r.external_id = ?", [row[""]])
        assert text == f"{row['Title'].strip()}\n{row['Review Text'].strip()}"
        assert connection.scalar(con, "SELECT min(value) FROM scores") == 1
        assert connection.scalar(con, "SELECT max(value) FROM scores") == 5
