"""Ingest: decoding, sniffing, column roles, scales, dates, rejected rows, de-duplication, atomicity.

Expected values come from tests/fixtures/MANIFEST.md (checked by re-reading the files by hand).
"""

from __future__ import annotations

import pandas as pd
import pytest

from journey.errors import BadMapping, FileTooLarge, NoDataRows, NoTextColumn, UnreadableFile
from journey.ingest import apply_overrides, build_batch, import_file, read_export, suggest_mapping
from journey.ingest.dates import parse_dates
from journey.ingest.scales import detect_scale, normalise_scores
from journey.store import connection, overview
from tests.conftest import FIXTURES


def roles_of(name: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for col in suggest_mapping(read_export(FIXTURES / name)):
        out.setdefault(col.role, []).append(col.column if col.role != "score" else f"{col.column}|{col.scale}")
    return out


def stored(db_path, sql: str, params: list | None = None) -> list[tuple]:
    with connection.Database(db_path).connect() as con:
        return con.execute(sql, params or []).fetchall()


# --- reading ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name, encoding, delimiter, records", [
    ("google_forms_ja_cp932.csv", "cp932", ",", 12),
    ("surveymonkey_en_bom.csv", "utf-8-sig", ",", 10),
    ("google_play_reviews_utf16.tsv", "utf-16", "\t", 10),
    ("amazon_reviews_ja.csv", "utf-8", ",", 8),
    ("rakuten_reviews_cp932.csv", "cp932", ",", 8),
    ("google_maps_reviews_en.csv", "utf-8-sig", ",", 8),
    ("semicolon_eu.csv", "utf-8", ";", 5),
    ("broken_rows.csv", "utf-8", ",", 11),
])
def test_read_detects_encoding_delimiter_and_counts_records(name, encoding, delimiter, records):
    table = read_export(FIXTURES / name)
    assert (table.encoding, table.delimiter, table.records) == (encoding, delimiter, records)


def test_cp932_keeps_windows_only_characters_and_newlines_in_cells():
    table = read_export(FIXTURES / "google_forms_ja_cp932.csv")
    comments = table.column(table.header.index("ご意見・ご感想"))
    assert comments[0] == "髙橋さんの対応が①番良かったです。また来ます！"
    assert comments[3] == "豆が届くまで1週間かかりました。\n梱包は丁寧でした。"
    assert table.line_nos == [2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14]


def test_surveymonkey_second_header_row_is_merged_not_loaded():
    table = read_export(FIXTURES / "surveymonkey_en_bom.csv")
    assert table.records == 10
    assert table.line_nos[0] == 3
    assert "Response" not in table.rows[0]


def test_xlsx_reads_real_datetimes_and_numbers():
    table = read_export(FIXTURES / "typeform_en.xlsx")
    assert table.file_format == "xlsx" and table.records == 8
    submit = table.column(table.header.index("Submit Date (UTC)"))
    assert submit[0].startswith("2026-03-02 09:15:41")
    rating = table.column(table.header.index("How would you rate your delivery experience? (1-5)"))
    assert list(rating) == ["5", "4", "2", "5", "3", "1", "4", "5"]


@pytest.mark.parametrize("name, error, words", [
    ("empty.csv", UnreadableFile, "empty"),
    ("binary.csv", UnreadableFile, "binary"),
    ("report_renamed.csv", UnreadableFile, "PDF"),
    ("photo.csv", UnreadableFile, "PNG"),
    ("header_only.csv", NoDataRows, "no data rows"),
])
def test_bad_files_fail_with_a_message_naming_the_file_and_what_to_do(name, error, words):
    with pytest.raises(error) as caught:
        read_export(FIXTURES / name)
    message = str(caught.value)
    assert message.startswith(name) and words in message
    assert caught.value.hint  # says what to do


def test_over_the_size_limit_is_refused_before_reading():
    with pytest.raises(FileTooLarge, match="over the 0 MB limit"):
        read_export(FIXTURES / "broken_rows.csv", max_bytes=100)


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    import zipfile
    path = tmp_path / "export.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", "hello")
    with pytest.raises(UnreadableFile, match="ZIP archive"):
        read_export(path)


# --- column roles ----------------------------------------------------------------------------

def test_google_forms_roles():
    roles = roles_of("google_forms_ja_cp932.csv")
    assert roles["date"] == ["タイムスタンプ"]
    assert roles["comment"] == ["ご意見・ご感想", "改善してほしい点"]
    assert set(roles["score"]) == {"総合満足度|csat_1_5", "おすすめ度（0～10）|nps_0_10"}
    assert "年代" in roles["segment"]


def test_surveymonkey_roles_use_end_date_and_three_scales():
    roles = roles_of("surveymonkey_en_bom.csv")
    assert roles["id"] == ["Respondent ID"] and roles["date"] == ["End Date"]
    assert {s.split("|")[1] for s in roles["score"]} == {"nps_0_10", "csat_1_5", "ces_1_7"}
    assert len(roles["comment"]) == 2
    assert "IP Address" in roles["ignore"]


def test_google_play_roles_ignore_replies_and_update_dates():
    roles = roles_of("google_play_reviews_utf16.tsv")
    assert roles["date"] == ["Review Submit Date and Time"]
    assert roles["comment"] == ["Review Text"]
    assert roles["score"] == ["Star Rating|stars_1_5"]
    for column in ("Developer Reply Text", "Review Last Update Date and Time", "Review Link"):
        assert column in roles["ignore"]


def test_amazon_roles_read_star_labels_and_review_dates():
    roles = roles_of("amazon_reviews_ja.csv")
    assert roles["id"] == ["レビューID"] and roles["title"] == ["タイトル"] and roles["comment"] == ["本文"]
    assert roles["score"] == ["評価|stars_1_5"] and roles["date"] == ["投稿日"]


def test_typeform_prefers_submit_date_and_keeps_choice_answers_out_of_comments():
    roles = roles_of("typeform_en.xlsx")
    assert roles["date"] == ["Submit Date (UTC)"]
    assert roles["comment"] == ["Tell us more about your order"]
    assert "How did you first hear about us?" not in roles.get("comment", [])


def test_overrides_change_roles_and_demote_the_old_single_role():
    table = read_export(FIXTURES / "surveymonkey_en_bom.csv")
    roles = apply_overrides(suggest_mapping(table), ["date=Start Date", "ignore=Anything else you would like "
                                                     "to tell us?"], table)
    by_column = {c.column: c.role for c in roles}
    assert by_column["Start Date"] == "date" and by_column["End Date"] == "ignore"
    assert by_column["Anything else you would like to tell us?"] == "ignore"


@pytest.mark.parametrize("override, words", [
    (["comment=No such column"], "no column named 'No such column'"),
    (["feelings=Comment"], "unknown role 'feelings'"),
    (["comment"], "is not ROLE=COLUMN"),
])
def test_bad_overrides_say_what_is_wrong(override, words):
    table = read_export(FIXTURES / "semicolon_eu.csv")
    with pytest.raises(BadMapping, match=words):
        apply_overrides(suggest_mapping(table), override, table)


def test_no_text_column_needs_a_choice():
    table = read_export(FIXTURES / "scores_only.csv")
    with pytest.raises(NoTextColumn, match="scores_only.csv: no column holds free-text comments"):
        build_batch(table, suggest_mapping(table))


# --- scales and dates --------------------------------------------------------------------------

@pytest.mark.parametrize("header, values, scale", [
    ("NPS", ["10", "0", "7", "9"], "nps_0_10"),
    ("おすすめ度", ["8", "3", "10"], "nps_0_10"),
    ("満足度", ["とても満足", "満足", "不満", "どちらでもない"], "csat_1_5"),
    ("Q1", ["Very satisfied", "Dissatisfied", "Neutral"], "csat_1_5"),
    ("Star Rating", ["5", "4", "1", "2"], "stars_1_5"),
    ("評価", ["5つ星のうち4.0", "5つ星のうち1.0"], "stars_1_5"),
    ("How easy was it?", ["1", "7", "4"], "ces_1_7"),
    ("Rate us (1-5)", ["1", "2", "3"], "csat_1_5"),
])
def test_detect_scale(header, values, scale):
    assert detect_scale(header, pd.Series(values, dtype="str")).scale == scale


@pytest.mark.parametrize("header, values", [
    ("Recommended IND", ["1", "0", "1"]),      # a yes/no flag is not a score
    ("Age", ["34", "60", "41"]),
    ("Comment", ["great", "bad", "ok"]),
])
def test_detect_scale_refuses_non_scores(header, values):
    assert detect_scale(header, pd.Series(values, dtype="str")) is None


def test_label_scale_reads_satisfied_as_five_next_to_somewhat():
    values, invalid = normalise_scores(pd.Series(["満足", "やや満足", "不満", "やや不満"]), "csat_1_5")
    assert values.tolist() == [5, 4, 1, 2] and not invalid.any()
    values, _ = normalise_scores(pd.Series(["とても満足", "満足", "不満"]), "csat_1_5")
    assert values.tolist() == [5, 4, 2]


def test_out_of_range_scores_are_invalid_and_blanks_are_missing():
    values, invalid = normalise_scores(pd.Series(["9", "", "3", "x"]), "stars_1_5")
    assert invalid.tolist() == [True, False, False, True]
    assert pd.isna(values[1]) and values[2] == 3


@pytest.mark.parametrize("raw, expected", [
    ("2026/03/01 21:28:49", "2026-03-01 21:28:49"),
    ("2026-03-01 21:28:49", "2026-03-01 21:28:49"),
    ("2026年3月1日", "2026-03-01 00:00:00"),
    ("2026年3月1日 21時28分", "2026-03-01 21:28:00"),
    ("2026年3月1日に日本でレビュー済み", "2026-03-01 00:00:00"),
    ("Reviewed in Japan on March 1, 2026", "2026-03-01 00:00:00"),
    ("03/14/2026 09:12:44 AM", "2026-03-14 09:12:44"),
    ("03/14/2026 09:12:44 PM", "2026-03-14 21:12:44"),
    ("3/1/2026", "2026-03-01 00:00:00"),
    ("2026/3/1 午後 9:28", "2026-03-01 21:28:00"),
])
def test_parse_dates_japanese_and_us_forms(raw, expected):
    parsed, invalid = parse_dates(pd.Series([raw]))
    assert not invalid.any()
    assert str(parsed[0]) == expected


def test_day_first_column_is_read_day_first_throughout():
    parsed, _ = parse_dates(pd.Series(["14.03.2026", "03.04.2026", "05.04.2026"]))
    assert [d.strftime("%Y-%m-%d") for d in parsed] == ["2026-03-14", "2026-04-03", "2026-04-05"]


def test_utc_timestamps_are_converted_to_local_time():
    from datetime import timedelta, timezone
    parsed, _ = parse_dates(pd.Series(["2026-04-02T10:15:30Z"]), tz=timezone(timedelta(hours=9)))
    assert str(parsed[0]) == "2026-04-02 19:15:30"


def test_impossible_dates_are_invalid():
    _, invalid = parse_dates(pd.Series(["2026-13-45", "2026-03-01", ""]))
    assert invalid.tolist() == [True, False, False]


# --- importing ---------------------------------------------------------------------------------

def test_broken_rows_are_rejected_with_line_column_and_reason(db_path):
    result = import_file(FIXTURES / "broken_rows.csv", db_path)
    assert (result.rows, result.loaded, result.rejected) == (11, 8, 3)
    rows = stored(db_path, "SELECT line_no, code, column_name, value, reason FROM rejected_rows ORDER BY line_no")
    assert [(r[0], r[1]) for r in rows] == [(5, "field_count"), (8, "bad_date"), (11, "bad_score")]
    assert rows[0][4].startswith("line 5: has 5 fields but the header has 4")
    assert rows[1][2:4] == ("Review Date", "2026-13-45")
    assert "'9' is not a score from 1 to 5" in rows[2][4]
    ids = [r[0] for r in stored(db_path, "SELECT external_id FROM responses ORDER BY line_no")]
    assert ids == ["R-1001", "R-1002", "R-1003", "R-1005", "R-1006", "R-1008", "R-1009", "R-1011"]


def test_google_forms_import_stores_scores_comments_and_segments(db_path):
    result = import_file(FIXTURES / "google_forms_ja_cp932.csv", db_path)
    assert (result.loaded, result.rejected, result.encoding) == (12, 0, "cp932")
    nps = [r[0] for r in stored(db_path, """SELECT s.value FROM scores s JOIN responses r ON r.id = s.response_id
                                            WHERE s.scale = 'nps_0_10' ORDER BY r.line_no""")]
    assert nps == [10, 8, 6, 3, 9, 7, 0, 8, 10, 5, 4, 9]
    labels = dict(stored(db_path, "SELECT value, count(*) FROM scores WHERE scale = 'csat_1_5' GROUP BY 1"))
    assert labels == {5: 3, 4: 4, 3: 2, 2: 2, 1: 1}
    questions = dict(stored(db_path, "SELECT question, count(*) FROM comments GROUP BY 1"))
    assert questions == {"ご意見・ご感想": 11, "改善してほしい点": 8}
    first = stored(db_path, "SELECT responded_at, customer FROM responses ORDER BY line_no LIMIT 1")[0]
    assert str(first[0]) == "2026-03-01 21:28:49"
    assert stored(db_path, "SELECT count(DISTINCT value) FROM segments WHERE name = '年代'")[0][0] >= 4


def test_comment_language_and_masked_text(db_path):
    import_file(FIXTURES / "google_forms_ja_cp932.csv", db_path)
    text, masked, lang = stored(db_path, "SELECT text, masked_text, lang FROM comments ORDER BY id LIMIT 1")[0]
    assert lang == "ja"
    assert text.startswith("髙橋さん") and masked.startswith("[name]さん")


def test_title_is_joined_to_the_review_text(db_path):
    import_file(FIXTURES / "amazon_reviews_ja.csv", db_path)
    table = read_export(FIXTURES / "amazon_reviews_ja.csv")
    title = table.column(table.header.index("タイトル"))[0]
    body = table.column(table.header.index("本文"))[0]
    assert stored(db_path, "SELECT text FROM comments ORDER BY id LIMIT 1")[0][0] == f"{title}\n{body}"


def test_reimporting_the_same_file_adds_nothing(db_path):
    first = import_file(FIXTURES / "google_forms_ja_cp932.csv", db_path)
    second = import_file(FIXTURES / "google_forms_ja_cp932.csv", db_path)
    assert (first.loaded, second.loaded, second.duplicates) == (12, 0, 12)
    assert stored(db_path, "SELECT count(*) FROM responses")[0][0] == 12


def test_overlapping_exports_dedupe_by_review_id(db_path):
    week1 = import_file(FIXTURES / "google_maps_reviews_en.csv", db_path)
    week2 = import_file(FIXTURES / "google_maps_reviews_en_next.csv", db_path)
    assert (week1.loaded, week1.duplicates) == (7, 1)
    assert (week2.loaded, week2.duplicates) == (3, 3)
    assert stored(db_path, "SELECT count(*) FROM responses")[0][0] == 10


def test_without_ids_identical_rows_in_one_file_are_both_kept_but_not_reimported(db_path, tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("Date,Rating,Comment\n2026-03-01,5,Great\n2026-03-01,5,Great\n2026-03-02,2,Slow\n")
    assert import_file(path, db_path).loaded == 3
    again = import_file(path, db_path)
    assert (again.loaded, again.duplicates) == (0, 3)


def test_import_is_all_or_nothing_when_it_fails_midway(db_path):
    import_file(FIXTURES / "google_forms_ja_cp932.csv", db_path)
    before = _snapshot(db_path)

    def explode(fraction: float, stage: str) -> None:
        if fraction >= 0.5:
            raise RuntimeError("disk unplugged")

    with pytest.raises(RuntimeError, match="disk unplugged"):
        import_file(FIXTURES / "broken_rows.csv", db_path, progress=explode)
    assert _snapshot(db_path) == before


def _snapshot(db_path) -> dict:
    with connection.Database(db_path).connect() as con:
        return overview.counts(con)


def test_bad_file_leaves_the_database_as_it_was(db_path):
    import_file(FIXTURES / "semicolon_eu.csv", db_path)
    before = _snapshot(db_path)
    for name in ("binary.csv", "empty.csv", "scores_only.csv", "report_renamed.csv"):
        with pytest.raises((UnreadableFile, NoTextColumn)):
            import_file(FIXTURES / name, db_path)
    assert _snapshot(db_path) == before


def test_scores_only_file_loads_once_a_comment_column_is_chosen(db_path):
    result = import_file(FIXTURES / "scores_only.csv", db_path, overrides=["comment=Rating"])
    assert result.loaded == 6


def test_every_fixture_either_imports_or_fails_cleanly(db_path):
    for path in sorted(FIXTURES.iterdir()):
        if path.suffix not in {".csv", ".tsv", ".xlsx"}:
            continue
        try:
            result = import_file(path, db_path)
        except (UnreadableFile, NoDataRows, NoTextColumn):
            continue
        assert result.loaded + result.duplicates + result.rejected == result.rows, path.name


def _reason_wordings() -> list[str]:
    """Every reason wording mapping.py and scales.py can give, with sample values in its {fields}."""
    import re
    from pathlib import Path

    from journey.ingest import mapping as mapping_module
    from journey.ingest import scales as scales_module

    found = []
    for module in (mapping_module, scales_module):
        source = Path(module.__file__).read_text(encoding="utf-8")
        for line in source.splitlines():  # the last string on a line that sets a reason is the reason
            if re.search(r"reason\s*=(?!\s*[\w.]+\))", line) and not line.lstrip().startswith(("def ", '"""', "#")):
                found += re.findall(r'f?"([^"]+)"', line)[-1:]
        found += re.findall(r'ScaleGuess\([^,]+,\s*f?"([^"]+)"\)', source)
    samples = {"st.distinct": "12", "bounds[0]": "0", "bounds[1]": "10", "chosen[col.role].column": "回答日時",
               "col.role": "date", "column": "Q3"}
    return [re.sub(r"\{([^}]+)\}", lambda m: samples[m.group(1)], text) for text in found]


def test_every_mapping_reason_reads_in_japanese():
    import re

    from journey.ingest.mapping import reason_text

    wordings = _reason_wordings()
    assert len(wordings) >= 25
    untranslated = [w for w in wordings if not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", reason_text(w, "ja"))]
    assert untranslated == []
    assert reason_text("'回答日時' is the date column", "ja") == "日時の列は「回答日時」です"
    assert reason_text("12 categories", "en") == "12 categories"


def test_suggested_roles_on_a_real_looking_export_explain_themselves_in_japanese():
    import re

    from journey.ingest.mapping import reason_text

    table = read_export(FIXTURES / "google_forms_ja_cp932.csv")
    reasons = [reason_text(role.reason, "ja") for role in suggest_mapping(table)]
    assert reasons and all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", r) for r in reasons)
