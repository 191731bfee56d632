"""Exports from other tools, dropped in with no hints (issue 10): each layout's counts and roles are what a careful
person reading the file would say. Fixtures are described in tests/fixtures/MANIFEST.md."""

from __future__ import annotations

import pytest

from journey.ingest import import_file, read_export, suggest_mapping
from journey.store import connection
from tests.conftest import FIXTURES

# file: (rows, loaded, partial, skipped, rejected)
COUNTS = {
    "qualtrics_current.csv": (10, 9, 2, 1, 0),
    "qualtrics_legacy.csv": (8, 7, 0, 1, 0),
    "alchemer_surveygizmo.csv": (14, 10, 2, 4, 0),
    "google_forms_course.csv": (12, 11, 0, 1, 0),
    "google_forms_long_answers.csv": (10, 5, 0, 5, 0),
    "typeform_excel.csv": (10, 8, 0, 2, 0),
    "prefecture_tourism_ja.csv": (12, 12, 0, 0, 0),
    "appstore_reviews.json": (6, 6, 0, 0, 0),
    "takeout_reviews_old.json": (5, 5, 0, 0, 0),
    "takeout_reviews_new.json": (6, 6, 0, 0, 0),
    "appstore_reviews.xml": (5, 5, 0, 0, 0),
    "business_profile_reviews.json": (7, 7, 0, 0, 0),
}

# file: role → columns (scores as "column|scale"); roles not listed must not appear.
ROLES = {
    "qualtrics_current.csv": {
        "date": ["End Date"], "id": ["Response ID"], "status": ["Finished"], "customer": ["Recipient Email"],
        "score": ["How likely are you to recommend Komorebi Coffee to a friend or colleague?|nps_0_10",
                  "How satisfied were you with each of the following? - Coffee and food|csat_1_5",
                  "How satisfied were you with each of the following? - Staff|csat_1_5",
                  "How satisfied were you with each of the following? - Waiting time|csat_1_5"],
        "comment": ["What is the main reason for your score?", "Is there anything else you would like to tell us?"],
        "segment": ["User Language", "How did you first hear about us? - Selected Choice"]},
    "qualtrics_legacy.csv": {
        "id": ["ResponseID"], "date": ["EndDate"], "status": ["Finished"],
        "score": ["Overall, how satisfied are you with your stay?|csat_1_5",
                  "How likely is it that you would recommend our guesthouse to a friend?|nps_0_10"],
        "comment": ["Please tell us about your stay."], "segment": ["Which room did you stay in?"]},
    "alchemer_surveygizmo.csv": {
        "id": ["Response ID"], "date": ["Date Submitted"], "status": ["Status"],
        "score": ["How likely is it that you would recommend Komorebi Coffee to a friend?|nps_0_10",
                  "How satisfied were you with your order?|csat_1_5"],
        "comment": ["What brought you in today?:Other - Write In", "Why did you give that score?"],
        "segment": ["Language", "Country", "City", "State/Region", "Postal", "What brought you in today?",
                    "Which café did you visit?"]},
    "google_forms_course.csv": {
        "date": ["Timestamp"], "customer": ["Email Address"],
        "score": ["How would you rate the course overall?|csat_1_5"],
        "comment": ["What did you like most about the course?", "What could be improved?"],
        "segment": ["What is the official name of your course?", "What are the names of the course instructors?",
                    "Would you recommend this course to a colleague?"]},
    "google_forms_long_answers.csv": {
        "date": ["Timestamp"],
        "comment": ["Q1: What information would you like us to know about your experience at the Saturday market "
                    "pilot?", "Q2: Do you have a personal connection to any of the stallholders? If so, please "
                              "describe."],
        "segment": ["I agree that my answers may be shared with the market's organising committee"]},
    "typeform_excel.csv": {
        "id": ["#"], "date": ["Submit Date (UTC)"],
        "score": ["How likely are you to recommend Komorebi Coffee to a friend?|nps_0_10",
                  "How would you rate our customer service?|csat_1_5"],
        "comment": ["What’s the main reason for your score?", "Anything else?", "Anything else? (2)"],
        "segment": ["Which café do you usually visit?", "Are you a new or returning customer?"]},
    "prefecture_tourism_ja.csv": {
        "date": ["回答日時"],
        "score": ["おすすめ度|nps_0_10", "満足度（宿泊）|csat_1_5", "満足度（食事）|csat_1_5", "満足度（観光施設）|csat_1_5",
                  "満足度（交通）|csat_1_5", "満足度（観光案内）|csat_1_5"],
        "comment": ["満足度理由", "不便に感じたこと・困ったこと", "自由意見"],
        "segment": ["性別", "年代", "お住まい（都道府県）", "同行者"]},
    "appstore_reviews.json": {
        "id": ["Review ID"], "date": ["Updated"], "score": ["Rating|stars_1_5"], "title": ["Title"],
        "comment": ["Review"], "customer": ["Reviewer"], "segment": ["App Version"]},
    "takeout_reviews_old.json": {
        "date": ["Published"], "score": ["Star Rating|stars_1_5"], "comment": ["Review Comment"],
        "segment": ["Place"]},
    "takeout_reviews_new.json": {
        "date": ["Published"], "comment": ["Review Comment"],
        "score": ["Star Rating|stars_1_5", "Food rating|stars_1_5", "Service rating|stars_1_5",
                  "Atmosphere rating|stars_1_5"],
        "segment": ["Place", "Service", "Meal type", "Price per person", "Recommended dishes"]},
    "business_profile_reviews.json": {
        "id": ["Review ID"], "date": ["Created"], "score": ["Star Rating|stars_1_5"], "comment": ["Comment"],
        "customer": ["Reviewer"]},
}
ROLES["appstore_reviews.xml"] = ROLES["appstore_reviews.json"]


def roles_of(name: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for col in suggest_mapping(read_export(FIXTURES / name)):
        if col.role != "ignore":
            out.setdefault(col.role, []).append(col.column if col.role != "score" else f"{col.column}|{col.scale}")
    return out


@pytest.mark.parametrize("name", sorted(ROLES))
def test_roles_found_with_no_hints(name):
    assert roles_of(name) == ROLES[name]


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_counts_with_no_hints(name, db_path):
    result = import_file(FIXTURES / name, db_path)
    assert (result.rows, result.loaded, result.partial, result.skipped, result.rejected) == COUNTS[name]
    assert result.loaded + result.duplicates + result.skipped + result.rejected == result.rows


def test_qualtrics_label_and_import_id_rows_are_the_header_not_responses():
    table = read_export(FIXTURES / "qualtrics_current.csv")
    assert table.layout == "qualtrics" and table.header_lines == [1, 2, 3] and table.line_nos[0] == 4
    assert not any(cell.startswith('{"ImportId"') for row in table.rows for cell in row)
    assert table.aliases["Q2"] == "What is the main reason for your score?"
    legacy = read_export(FIXTURES / "qualtrics_legacy.csv")
    assert legacy.layout == "qualtrics-legacy" and legacy.header_lines == [1, 2]
    assert legacy.aliases["V10"] == "Finished" and "V1" not in legacy.header


def test_survey_metadata_is_never_a_comment():
    for name in ("qualtrics_current.csv", "qualtrics_legacy.csv", "alchemer_surveygizmo.csv", "typeform_excel.csv"):
        roles = {c.column: c.role for c in suggest_mapping(read_export(FIXTURES / name))}
        for column in ("Start Date", "StartDate", "Time Started", "IP Address", "IPAddress", "Progress",
                       "Duration (in seconds)", "Recorded Date", "Recipient First Name", "Recipient Last Name",
                       "Location Latitude", "Distribution Channel", "Network ID", "User Agent", "SessionID",
                       "Referer", "Response Type", "Status", "Name", "ResponseSet"):
            if column in roles:
                assert roles[column] not in ("comment", "score"), (name, column)


def test_partial_sessions_are_marked_and_can_be_left_out(db_path, tmp_path):
    kept = import_file(FIXTURES / "alchemer_surveygizmo.csv", db_path)
    with connection.Database(db_path).connect() as con:
        marked = con.execute("SELECT external_id FROM responses WHERE partial ORDER BY 1").fetchall()
        assert [r[0] for r in marked] == ["104", "110"]
        skipped = con.execute("SELECT line_no, code FROM row_notes WHERE outcome = 'skipped' ORDER BY 1").fetchall()
        assert skipped == [(3, "no_answer_partial"), (7, "no_answer_partial"), (9, "no_answer_partial"),
                           (13, "no_answer_partial")]
    left_out = import_file(FIXTURES / "alchemer_surveygizmo.csv", tmp_path / "other.duckdb", include_partial=False)
    assert (kept.loaded, kept.skipped) == (10, 4) and (left_out.loaded, left_out.skipped, left_out.partial) == (8, 6, 0)


def test_a_review_with_google_translation_keeps_the_original_text(db_path):
    import_file(FIXTURES / "business_profile_reviews.json", db_path)
    with connection.Database(db_path).connect() as con:
        texts = [r[0] for r in con.execute("SELECT text FROM comments").fetchall()]
        stars = sorted(r[0] for r in con.execute("SELECT value FROM scores").fetchall())
    assert "ケーキは美味しかったけど、席が少し狭かったです。" in texts
    assert not any("Translated by Google" in t for t in texts)
    assert not any("Thank you, Emma" in t for t in texts)   # the owner's reply is not feedback
    assert stars == [1, 2, 3, 4, 4, 5, 5]


def test_takeout_aspect_ratings_are_kept_as_their_own_scores(db_path):
    import_file(FIXTURES / "takeout_reviews_new.json", db_path)
    with connection.Database(db_path).connect() as con:
        per_question = dict(con.execute("SELECT question, count(*) FROM scores GROUP BY 1").fetchall())
        segments = dict(con.execute("SELECT value, count(*) FROM segments WHERE name = 'Meal type' GROUP BY 1")
                        .fetchall())
    assert per_question == {"Star Rating": 6, "Food rating": 4, "Service rating": 4, "Atmosphere rating": 4}
    assert segments == {"Breakfast": 1, "Lunch": 1, "Brunch": 1}


def test_app_store_feed_leaves_the_app_entry_out(db_path):
    for name in ("appstore_reviews.json", "appstore_reviews.xml"):
        table = read_export(FIXTURES / name)
        assert [n.code for n in table.notices] == ["app_entry"]
        assert "こもれび珈琲" not in {row[table.header.index("Title")] for row in table.rows}
        assert table.unit == "entry" and table.line_nos[0] == 2


def test_a_qualtrics_code_works_in_map(db_path):
    result = import_file(FIXTURES / "qualtrics_current.csv", db_path, overrides=["comment=Q5_4_TEXT"])
    assert "How did you first hear about us? - Other - Text" in result.mapping["comment"]
