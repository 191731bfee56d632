"""Ingest: decoding, sniffing, column roles, scales, dates, rejected rows, de-duplication, atomicity.

Expected values come from tests/fixtures/MANIFEST.md (checked by re-reading the files by hand).
"""

from __future__ import annotations

from datetime import date

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
    assert (result.rows, result.loaded, result.skipped, result.rejected) == (11, 9, 0, 2)
    rows = stored(db_path, "SELECT line_no, code, column_name, value, reason FROM rejected_rows ORDER BY line_no")
    assert [(r[0], r[1]) for r in rows] == [(5, "field_count"), (8, "bad_date")]
    assert rows[0][4].startswith("line 5: has 5 fields but the header has 4")
    assert rows[1][2:4] == ("Review Date", "2026-13-45")
    # A star rating of 9 is a bad value in a readable row: the row and its comment load, the score is empty.
    assert result.values_left_empty == 1
    note = stored(db_path, "SELECT line_no, outcome, column_name, value, reason FROM row_notes")
    assert note[0][:4] == (11, "value_left_empty", "Star Rating", "9")
    assert "'9' is not a score from 1 to 5; the row is kept without it" in note[0][4]
    ids = [r[0] for r in stored(db_path, "SELECT external_id FROM responses ORDER BY line_no")]
    assert ids == ["R-1001", "R-1002", "R-1003", "R-1005", "R-1006", "R-1008", "R-1009", "R-1010", "R-1011"]
    assert stored(db_path, """SELECT count(*) FROM scores s JOIN responses r ON r.id = s.response_id
                              WHERE r.external_id = 'R-1010'""")[0][0] == 0


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
        if path.suffix not in {".csv", ".tsv", ".xlsx", ".json", ".xml"}:
            continue
        try:
            result = import_file(path, db_path)
        except (UnreadableFile, NoDataRows, NoTextColumn):
            continue
        assert result.loaded + result.duplicates + result.skipped + result.rejected == result.rows, path.name


# --- issue 14: nothing lost --------------------------------------------------------------------------

def test_an_unclosed_quote_rejects_its_row_and_keeps_every_row_after_it(db_path):
    result = import_file(FIXTURES / "unclosed_quote.csv", db_path)
    assert (result.rows, result.loaded, result.rejected) == (20, 19, 1)
    line, code, reason, raw = stored(db_path, "SELECT line_no, code, reason, raw FROM rejected_rows")[0]
    assert (line, code) == (6, "unclosed_quote")
    assert "swallowed lines 7–21" in reason and "Fix the quote in line 6" in reason
    assert raw == 'R-2005,3,2026-03-05,"The latte was fine but the music was too loud'
    ids = [r[0] for r in stored(db_path, "SELECT external_id FROM responses ORDER BY line_no")]
    assert ids == [f"R-{n}" for n in range(2001, 2021) if n != 2005]
    texts = [r[0] for r in stored(db_path, "SELECT text FROM comments")]
    assert not any("\n" in text for text in texts)


def test_an_unclosed_quote_in_a_middle_column_or_the_last_row_but_one(tmp_path):
    path = tmp_path / "reviews.csv"
    rows = [f"R-{n},{n % 5 + 1},2026-03-{n % 28 + 1:02d},Comment number {n}" for n in range(1, 11)]
    rows[8] = 'R-9,"4,2026-03-09,Comment number 9'          # the quote opens in the second field
    path.write_text("Review ID,Star Rating,Review Date,Review Text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    table = read_export(path)
    assert [(r.line_no, r.code) for r in table.rejected] == [(10, "unclosed_quote")]
    assert table.records == 10 and table.column(0)[-1] == "R-10"


def test_a_multi_line_comment_with_commas_is_not_taken_for_swallowed_rows(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text('Date,Rating,Comment\n2026-03-01,4,"Good coffee, nice staff\nbut slow, sadly, today"\n'
                    '2026-03-02,5,Lovely\n', encoding="utf-8")
    table = read_export(path)
    assert not table.rejected and table.column(2)[0] == "Good coffee, nice staff\nbut slow, sadly, today"


def test_a_field_longer_than_any_cell_is_rejected_and_the_rest_read(tmp_path):
    path = tmp_path / "reviews.csv"
    runaway = "\n".join(["blah blah " * 8] * 900)          # ~73k characters of lines that are not rows
    path.write_text(f'Date,Rating,Comment\n2026-03-01,4,Fine\n2026-03-02,3,"{runaway}"\n2026-03-03,5,Great\n',
                    encoding="utf-8")
    table = read_export(path)
    assert [(r.line_no, r.code) for r in table.rejected] == [(3, "overlong_field")]
    assert list(table.column(2)) == ["Fine", "Great"]


def test_a_score_column_keeps_its_role_when_some_values_are_bad(db_path):
    roles = {c.column: c for c in suggest_mapping(read_export(FIXTURES / "nps_bad_values.csv"))}
    assert (roles["NPS"].role, roles["NPS"].scale) == ("score", "nps_0_10")
    assert "5 value(s) are not on the scale and will be left empty" in roles["NPS"].reason
    result = import_file(FIXTURES / "nps_bad_values.csv", db_path)
    assert (result.loaded, result.rejected, result.values_left_empty) == (12, 0, 5)
    notes = stored(db_path, "SELECT line_no, value FROM row_notes WHERE outcome = 'value_left_empty' ORDER BY 1")
    assert notes == [(3, "11"), (5, "-1"), (7, "ten"), (9, "7.5"), (11, "1e1")]
    scores = stored(db_path, """SELECT r.line_no, s.value FROM scores s JOIN responses r ON r.id = s.response_id
                                ORDER BY 1""")
    assert scores == [(2, 9), (4, 10), (6, 8), (8, 7), (10, 6), (12, 10), (13, 3)]   # full-width １０ read as 10
    assert stored(db_path, "SELECT count(*) FROM comments")[0][0] == 12


def test_dates_outside_a_sane_window_are_rejected_with_the_reason(db_path):
    result = import_file(FIXTURES / "dates_out_of_range.csv", db_path)
    assert (result.loaded, result.rejected) == (3, 3)
    rows = stored(db_path, "SELECT line_no, code, value, reason FROM rejected_rows ORDER BY 1")
    assert [(r[0], r[1], r[2]) for r in rows] == [(3, "date_out_of_range", "0001-01-01"),
                                                  (5, "date_out_of_range", "9999-12-31"),
                                                  (6, "date_out_of_range", "1899-12-30")]
    assert "outside the dates an answer can have (1980-01-01 to" in rows[0][3]
    assert stored(db_path, "SELECT min(responded_at) >= TIMESTAMP '2026-03-01' FROM responses")[0][0]


def test_a_utf8_file_with_stray_bytes_in_its_header_imports_with_a_warning(db_path):
    table = read_export(FIXTURES / "stray_bytes_header.csv")
    assert table.encoding == "utf-8" and table.header[3] == "Comment (r\ufffdsum\ufffd)"
    assert [(n.code, n.params["lines"]) for n in table.notices] == [("stray_bytes", "1")]
    assert table.column(3)[0] == "ハンドドリップがとても美味しかったです。"
    assert import_file(FIXTURES / "stray_bytes_header.csv", db_path).loaded == 5


def test_a_decode_that_leaves_mojibake_is_passed_over(tmp_path):
    from journey.ingest.decoding import decode, mojibake_share

    comments = ["静か店員さんですケーキ", "のにがとてもケーキに", "店員さん美味しいの"]
    raw = b"Date,Rating,Comment (caf\xe9s)\n" + "".join(
        f"2026-03-0{i + 1},{5 - i},{c}\n" for i, c in enumerate(comments)).encode("utf-8")
    assert raw.decode("cp932")   # cp932 reads these bytes without an error: as mojibake
    decoded = decode(raw, "survey.csv")
    assert decoded.encoding == "utf-8" and decoded.stray_lines == [1]
    assert all(c in decoded.text for c in comments)
    assert mojibake_share(raw.decode("cp932"), "cp932") > 0.15
    assert mojibake_share((FIXTURES / "google_forms_ja_cp932.csv").read_bytes().decode("cp932"), "cp932") < 0.05


def test_an_excel_re_saved_csv_is_read_as_windows_1252():
    table = read_export(FIXTURES / "typeform_excel.csv")
    assert table.encoding == "cp1252"
    assert "What’s the main reason for your score?" in table.header
    assert "Always a warm welcome and the café au lait is perfect." in table.column(2)


def test_padding_rows_above_the_table_are_skipped_with_a_notice(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Customer survey results,,\nExported 2026-04-30,,\n,,\nDate,Rating,Comment\n"
                    "2026-03-01,5,Great coffee\n2026-03-02,2,Slow service\n", encoding="utf-8")
    table = read_export(path)
    assert table.header == ["Date", "Rating", "Comment"] and table.line_nos == [5, 6]
    assert [(n.code, n.params["header"]) for n in table.notices] == [("padding_rows", 4)]


def test_xlsx_declaring_the_whole_sheet_reads_only_the_cells_that_exist():
    """The old reader walked 16,384 columns × a million rows (killed after 120 s); run apart so a hang fails."""
    import subprocess
    import sys

    code = ("from journey.ingest import read_export; t = read_export('tests/fixtures/xlsx_declared_huge.xlsx'); "
            "print(t.records, t.header)")
    done = subprocess.run([sys.executable, "-c", code], cwd=FIXTURES.parent.parent, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "3 ['Submitted', 'Rating', 'Comment']"


def test_xlsx_over_the_row_limit_is_refused_before_openpyxl_opens_it(monkeypatch):
    import openpyxl

    def never(*args, **kwargs):
        raise AssertionError("openpyxl was asked to open a workbook over the row limit")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    with pytest.raises(FileTooLarge, match="more than 5 rows, over the 5-row limit") as caught:
        read_export(FIXTURES / "typeform_en.xlsx", max_rows=5)
    assert caught.value.hint.startswith("Split the export")


def test_csv_over_the_row_limit_is_refused():
    with pytest.raises(FileTooLarge, match="over the 3-row limit"):
        read_export(FIXTURES / "google_forms_ja_cp932.csv", max_rows=3)


# --- issue 13: undated exports, HTML entities ------------------------------------------------------------

def test_an_export_without_dates_is_dated_so_date_filters_show_it(db_path):
    result = import_file(FIXTURES / "undated_reviews.csv", db_path)
    assert result.undated == 6 and result.undated_source == "import"
    assert [n.code for n in result.notices] == ["no_date_column"]
    rows = stored(db_path, "SELECT count(*), min(responded_at), bool_and(date_assumed) FROM responses")[0]
    assert rows[0] == 6 and rows[1].date() == date.today() and rows[2]
    record = stored(db_path, "SELECT undated, undated_source, undated_date, warnings FROM imports")[0]
    assert record[:3] == (6, "import", date.today()) and "no_date_column" in record[3]


def test_undated_rows_can_take_the_file_date_or_a_chosen_one(db_path, tmp_path):
    named = tmp_path / "reviews_2026-04-30.csv"
    named.write_bytes((FIXTURES / "undated_reviews.csv").read_bytes())
    assert import_file(named, db_path, undated="file").undated_date == "2026-04-30"
    chosen = import_file(FIXTURES / "undated_reviews.csv", tmp_path / "b.duckdb", undated=date(2026, 5, 1))
    assert (chosen.undated_date, chosen.undated_source) == ("2026-05-01", "chosen")
    with pytest.raises(BadMapping, match="carries no date of its own"):
        import_file("upload.csv", tmp_path / "c.duckdb", data=(FIXTURES / "undated_reviews.csv").read_bytes(),
                    undated="file")


def test_blank_dates_in_a_dated_export_get_the_fallback_date(db_path, tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("Date,Rating,Comment\n2026-03-01,5,Great\n,4,Nice\n2026-03-03,2,Slow\n", encoding="utf-8")
    result = import_file(path, db_path, undated="2026-03-31")
    assert result.undated == 1 and [n.code for n in result.notices] == ["blank_dates"]
    assert stored(db_path, "SELECT responded_at FROM responses WHERE date_assumed")[0][0].date() == date(2026, 3, 31)


def test_html_entities_in_comments_are_decoded(db_path):
    import_file(FIXTURES / "undated_reviews.csv", db_path)
    texts = [r[0] for r in stored(db_path, "SELECT text FROM comments ORDER BY id")]
    assert texts[0] == "Love it\nSoft fabric & true to size. I'll buy another colour…"
    assert texts[3] == 'Returned\nColour was nothing like the photo. "Navy" is actually black.'
    assert not any("&" in t and ";" in t for t in texts)


# --- issue 10: rules ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("header, values, scale", [
    ("満足度（宿泊）", ["大いに満足", "満足", "普通", "不満", "大いに不満"], "csat_1_5"),
    ("Q4", ["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree"], "csat_1_5"),
    ("Q7", ["Extremely likely", "Somewhat likely", "Not at all likely"], "csat_1_5"),
    ("推奨度", ["１０", "８", "３", "０"], "nps_0_10"),
    ("How likely are you to recommend us?", ["10 - Extremely likely", "7", "0 - Not at all likely"], "nps_0_10"),
])
def test_detect_scale_reads_more_wordings(header, values, scale):
    assert detect_scale(header, pd.Series(values, dtype="str")).scale == scale


def test_label_values_follow_their_scale():
    values, invalid = normalise_scores(pd.Series(["大いに満足", "満足", "普通", "不満", "大いに不満", "１"]), "csat_1_5")
    assert values.tolist() == [5, 4, 3, 2, 1, 1] and not invalid.any()
    values, _ = normalise_scores(pd.Series(["10 - Extremely likely", "0 - Not at all likely"]), "nps_0_10")
    assert values.tolist() == [10, 0]


def test_json_and_xml_that_are_not_review_files_are_refused_with_what_to_export(tmp_path):
    cases = {"config.json": '{"theme": "dark", "fontSize": 12}',
             "feed.xml": '<?xml version="1.0"?><rss><channel><title>News</title></channel></rss>',
             "page.xml": '<!DOCTYPE html><html><body>Reviews</body></html>',
             "bomb.xml": '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><feed>&lol;</feed>'}
    for name, text in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(UnreadableFile) as caught:
            read_export(tmp_path / name)
        message = str(caught.value)
        assert message.startswith(name) and "Export the reviews as CSV or Excel" in message


def test_a_failure_after_the_notes_are_written_leaves_no_notes_behind(db_path):
    import_file(FIXTURES / "semicolon_eu.csv", db_path)
    before = _snapshot(db_path)

    def explode(fraction: float, stage: str) -> None:
        if stage == "commit":
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        import_file(FIXTURES / "alchemer_surveygizmo.csv", db_path, progress=explode)
    assert _snapshot(db_path) == before
    assert stored(db_path, "SELECT count(*) FROM row_notes")[0][0] == 0
    with pytest.raises(UnreadableFile, match="not a review export we know"):
        import_file("settings.json", db_path, data=b'{"theme": "dark"}')
    assert _snapshot(db_path) == before


def test_progress_chosen_as_the_status_marks_sessions_under_100_as_partial(db_path):
    result = import_file(FIXTURES / "qualtrics_current.csv", db_path, overrides=["status=Progress"])
    assert result.partial == 2   # Progress 40 and 62 (the Progress 5 session answered nothing: skipped)
    assert result.skipped == 1
