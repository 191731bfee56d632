"""AppTest over every page: no exception, key widgets work, the empty database has a friendly path."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from journey import jobs
from journey.cli import main as cli
from journey.store import connection, dashboard, overview, tags
from journey.taxonomy import Taxonomy
from tests.conftest import FIXTURES, ROOT

APP = str(ROOT / "app.py")


def open_app(page: str | None = None, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = lang
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def demo_db(db_path: Path) -> Path:
    assert cli(["demo", "--db", str(db_path)]) == 0
    return db_path


def test_overview_with_empty_database_points_to_import(db_path):
    at = open_app()
    assert any("No data yet" in info.value for info in at.info)


@pytest.mark.parametrize("lang, label", [("en", "Responses"), ("ja", "回答数")])
def test_overview_with_demo_data_shows_kpis(demo_db, lang, label):
    at = open_app("pages/5_overview.py", lang=lang)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[label] == "578"
    assert "NPS" in metrics and metrics["NPS"].startswith(("+", "-"))
    assert len(at.get("vega_lite_chart")) == 1


def test_csat_is_shown_per_question_never_pooled(demo_db):
    # The demo survey asks two satisfaction questions: 総合的な満足度 (342 answers) and the staff question (220).
    at = open_app("pages/5_overview.py", lang="ja")
    assert {m.label: m.value for m in at.metric}["CSAT"] == "58%"
    assert any("n = 342" in c.value and "回答の最も多い設問" in c.value for c in at.caption)
    table = at.dataframe[0].value
    assert list(table["設問"]) == ["総合的な満足度", "スタッフの対応はいかがでしたか？"]
    assert list(table["n"]) == [342, 220] and list(table["CSAT"]) == ["58%", "83%"]


def test_import_page_with_empty_history(db_path):
    at = open_app("pages/8_import.py")
    assert any("Nothing imported yet" in c.value for c in at.caption)


def test_import_page_lists_history_and_deletes_an_import(demo_db):
    at = open_app("pages/8_import.py")
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 3
    at.button(key="delete-go").click().run()
    assert not at.exception
    with connection.Database(demo_db).connect() as con:
        assert overview.counts(con)["imports"] == 2


def test_language_switch_changes_the_ui(db_path):
    at = open_app(lang="en")
    at.session_state["lang"] = "ja"
    at.run()
    assert at.title[0].value == "ジャーニーマップ"


def upload(at: AppTest, *names: str) -> AppTest:
    files = [(name, (FIXTURES / name).read_bytes(), "text/csv") for name in names]
    at.file_uploader(key="uploads").set_value(files).run()
    assert not at.exception, at.exception
    return at


def test_upload_page_imports_a_fixture_end_to_end(db_path):
    at = upload(open_app("pages/8_import.py"), "broken_rows.csv")
    assert len(at.dataframe) >= 1  # the preview (the role editor is a data_editor beside it)
    at.button(key="go-broken_rows.csv-" + str((FIXTURES / "broken_rows.csv").stat().st_size)).click().run()
    assert not at.exception, at.exception
    assert any("9 loaded" in s.value and "0 skipped" in s.value and "2 rejected" in s.value for s in at.success)
    assert any("1 unreadable value(s) were left empty" in i.value for i in at.info)
    with connection.Database(db_path).connect() as con:
        assert overview.counts(con)["responses"] == 9
        assert overview.counts(con)["rejected_rows"] == 2
    labels = [button.label for button in at.get("download_button")]
    assert "Download rejected rows (CSV)" in labels and "Download values left empty (CSV)" in labels


def go(at: AppTest, name: str) -> AppTest:
    at.button(key=f"go-{name}-{(FIXTURES / name).stat().st_size}").click().run()
    assert not at.exception, at.exception
    return at


def test_upload_page_shows_header_rows_skipped_rows_and_partial_sessions(db_path):
    at = upload(open_app("pages/8_import.py", lang="ja"), "qualtrics_current.csv")
    assert any("見出しが 3 行ありました" in w.value for w in at.warning)
    roles = at.dataframe[0].value.set_index("column")   # the role editor, reasons in Japanese
    assert roles.loc["Finished", "role"] == "回答状況（完了・途中）"
    assert roles.loc["IP Address", "reason"] == "IPアドレス（管理用の列）"
    partial = at.toggle(key=f"partial-qualtrics_current.csv-{(FIXTURES / 'qualtrics_current.csv').stat().st_size}")
    assert partial.value is True
    partial.set_value(False).run()
    go(at, "qualtrics_current.csv")
    assert any("7 件を取り込みました" in s.value and "スキップ 3" in s.value for s in at.success)
    labels = [button.label for button in at.get("download_button")]
    assert "スキップした行をダウンロード（CSV）" in labels
    with connection.Database(db_path).connect() as con:
        assert connection.scalar(con, "SELECT count(*) FROM responses WHERE partial") == 0
        assert connection.scalar(con, "SELECT count(*) FROM row_notes WHERE code = 'partial_left_out'") == 2


def test_upload_page_asks_for_a_date_when_the_export_has_none(db_path):
    at = upload(open_app("pages/8_import.py"), "undated_reviews.csv")
    assert any("No column holds the date of each answer" in w.value for w in at.warning)
    choice = at.radio(key=f"undated-undated_reviews.csv-{(FIXTURES / 'undated_reviews.csv').stat().st_size}")
    assert choice.options[0].startswith("The import date")   # no date in the file's name or contents
    choice.set_value("chosen").run()
    at.date_input(key=f"undated-day-undated_reviews.csv-{(FIXTURES / 'undated_reviews.csv').stat().st_size}") \
        .set_value(date(2026, 4, 30)).run()
    go(at, "undated_reviews.csv")
    assert any("all 6 rows were dated 2026-04-30 (the chosen date)" in i.value for i in at.info)
    with connection.Database(db_path).connect() as con:
        assert connection.scalar(con, "SELECT count(*) FROM responses WHERE responded_at = DATE '2026-04-30' "
                                      "AND date_assumed") == 6
        assert connection.scalar(con, "SELECT undated_source FROM imports") == "chosen"


def test_upload_page_reads_a_review_feed_that_is_not_a_table(db_path):
    at = upload(open_app("pages/8_import.py"), "appstore_reviews.xml")
    assert any("describes the app itself" in w.value for w in at.warning)
    go(at, "appstore_reviews.xml")
    assert any("5 loaded" in s.value for s in at.success)


def test_upload_page_reports_a_bad_file_without_touching_the_database(db_path):
    at = upload(open_app("pages/8_import.py"), "report_renamed.csv")
    assert any("PDF document" in e.value for e in at.error)
    with connection.Database(db_path).connect() as con:
        assert overview.counts(con)["imports"] == 0


def test_upload_page_imports_several_files_at_once(db_path):
    at = upload(open_app("pages/8_import.py", lang="ja"), "google_forms_ja_cp932.csv", "amazon_reviews_ja.csv")
    buttons = [b for b in at.button if b.label.startswith("すべて取り込む")]
    buttons[0].click().run()
    assert not at.exception, at.exception
    assert len(at.success) == 2
    with connection.Database(db_path).connect() as con:
        assert overview.counts(con)["responses"] == 20


@pytest.fixture
def tagged_db(demo_db: Path, monkeypatch) -> Path:
    monkeypatch.setenv("JOURNEY_EMBEDDER", "hashing")
    assert cli(["tag", "--db", str(demo_db), "--embedder", "hashing", "--preset", "restaurant"]) == 0
    return demo_db


def test_review_page_untagged_offers_tagging_and_tags(demo_db, monkeypatch):
    monkeypatch.setenv("JOURNEY_EMBEDDER", "hashing")
    at = open_app("pages/6_review.py")
    assert any("not tagged yet" in w.value for w in at.warning)
    at.button(key="tag-now").click().run()
    assert not at.exception, at.exception
    # Tagging runs as a background job: the page comes back at once, showing its progress.
    assert jobs.wait(demo_db, timeout_s=120).status == "done"
    with connection.Database(demo_db).connect() as con:
        assert connection.scalar(con, "SELECT count(*) FROM comment_tags") == 619
    at.run()
    assert any("Tagged 929 sentences" in s.value for s in at.success), [s.value for s in at.success]


def test_review_page_saves_a_correction(tagged_db):
    at = open_app("pages/6_review.py")
    assert any("Labelled 0" in c.value for c in at.caption)
    assert len(at.dataframe) == 1  # the queue, shown as an editable table
    assert len(at.dataframe[0].value) == 12
    with connection.Database(tagged_db).connect() as con:
        first = tagging_queue_first(con)
        tags.save_human_tag(con, first, stage="support")
        assert tags.comment_tags(con).set_index("comment_id").loc[first, "stage"] == "support"


def tagging_queue_first(con) -> int:
    from journey import tagging
    return int(tagging.review_queue(con, limit=1)["comment_id"].iloc[0])


def test_taxonomy_page_switches_preset_and_saves_a_version(tagged_db):
    at = open_app("pages/7_taxonomy.py")
    assert any("version 1" in c.value for c in at.caption)
    at.selectbox(key="preset").set_value("hotel").run()
    at.button(key="use-preset").click().run()
    assert not at.exception, at.exception
    with connection.Database(tagged_db).connect() as con:
        version, preset, _ = tags.active_taxonomy(con)
    assert (version, preset) == (2, "hotel")


def test_taxonomy_page_ties_a_question_to_a_stage(tagged_db):
    from journey import tagging
    from journey.embed import HashingEmbedder

    at = open_app("pages/7_taxonomy.py")
    with connection.Database(tagged_db).connect() as con:
        question = dashboard.question_counts(con)["question"].iloc[0]
    box = next(s for s in at.selectbox if s.label.startswith(question))
    assert box.value == ""  # decided from the text until the owner picks a stage
    box.set_value("loyalty").run()
    at.button(key="save-taxonomy").click().run()
    assert not at.exception, at.exception
    with connection.Database(tagged_db).connect() as con:
        assert Taxonomy.from_json(tags.active_taxonomy(con)[2]).question_stages == {question: "loyalty"}
        tagging.tag_database(con, HashingEmbedder())
        stages = con.execute("""SELECT DISTINCT t.stage FROM comment_tags t JOIN comments c ON c.id = t.comment_id
                                WHERE c.question = ?""", [question]).fetchall()
    assert stages == [("loyalty",)]


DASHBOARDS = ["pages/1_journey.py", "pages/2_stage.py", "pages/3_trends.py", "pages/5_overview.py"]


@pytest.mark.parametrize("page", DASHBOARDS + ["pages/6_review.py"])
def test_every_page_with_an_empty_database_says_import_first(db_path, page):
    at = open_app(page)
    assert any("No data yet" in info.value for info in at.info)


@pytest.mark.parametrize("page", DASHBOARDS)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_dashboard_renders_the_tagged_demo(tagged_db, page, lang):
    at = open_app(page, lang=lang)
    assert not at.error, [e.value for e in at.error]
    assert at.title


def test_journey_map_kpis_charts_and_verbatims(tagged_db):
    at = open_app()
    metrics = {m.label: m.value for m in at.metric}
    assert set(metrics) >= {"Responses", "Comments", "NPS", "CSAT", "Negative share"}
    assert len(at.get("vega_lite_chart")) >= 3  # heatmap, emotion curve, NPS impact
    assert [d.key for d in at.dataframe] == [None, "map-verbatims"]  # CSAT per question, the verbatims
    assert list(at.dataframe[0].value["Question"]) == ["総合的な満足度", "スタッフの対応はいかがでしたか？"]


def test_untagged_demo_says_to_tag_first(demo_db):
    at = open_app()
    assert any("not tagged yet" in w.value for w in at.warning)


def test_url_filters_reproduce_the_filtered_view(tagged_db):
    url = {"dates": ["2026-05-01", "2026-07-31"], "stage": "purchase", "measure": "volume"}
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = "en"
    for key, value in url.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["stage"] == ["purchase"] and at.session_state["measure"] == "volume"
    assert [str(d) for d in at.session_state["dates"]] == url["dates"]
    with connection.Database(tagged_db).connect() as con:
        from datetime import date

        from journey.filters import Filters
        expected = dashboard.comment_facts(con, Filters(start=date(2026, 5, 1), end=date(2026, 7, 31),
                                                        stages=("purchase",)))
    assert {m.label: m.value for m in at.metric}["Comments"] == f"{len(expected):,}"
    assert at.query_params["stage"] in ("purchase", ["purchase"]) and at.query_params["measure"] in ("volume", ["volume"])


def open_with_link(page: str | None, params: dict, lang: str = "en", state: dict | None = None) -> AppTest:
    """The app opened on `page` from a link carrying `params` (and a session already holding `state`)."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = lang
    for key, value in (state or {}).items():
        at.session_state[key] = value
    if page is None:
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        return at
    at.run()  # the landing page rewrites the URL, so the link's parameters are set for the page itself
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page).run()
    return at


def test_trends_before_after_table(tagged_db):
    at = open_with_link("pages/3_trends.py", {"change": "2026-08-01"})
    assert not at.exception, at.exception
    assert str(at.session_state["change"]) == "2026-08-01"
    table = at.dataframe[0].value
    assert {"Before", "After", "Verdict"} <= set(table.columns)
    assert set(table["Verdict"]) <= {"Improved (significant)", "Worse (significant)", "No significant change",
                                     "Too few answers to tell"}


def test_trends_asks_for_the_change_date_instead_of_picking_one(tagged_db):
    at = open_app("pages/3_trends.py")
    assert at.session_state["change"] is None and not at.dataframe
    assert any("Pick the day something changed" in c.value for c in at.caption)


@pytest.mark.parametrize("change", ["2026-05-01", "2026-05-02", "2026-10-28", "2026-10-31"])
def test_trends_compares_around_a_change_at_either_edge_of_the_data(tagged_db, change):
    at = open_with_link("pages/3_trends.py", {"change": change})
    assert not at.exception, at.exception
    assert str(at.session_state["change"]) == change
    table = at.dataframe[0].value
    too_small = table[table["Verdict"] == "Too few answers to tell"]
    assert len(too_small) and set(too_small["p"]) == {"—"}  # no test, no p-value: a dash, never None


@pytest.mark.parametrize("page, params, key, expected", [
    (None, {"dates": ["2026-10-01", "2027-02-01"]}, "dates", ("2026-10-01", "2026-10-31")),
    (None, {"dates": ["2025-01-01", "2025-02-01"]}, "dates", ("2026-10-02", "2026-10-31")),  # the default
    (None, {"dates": ["2026-09-10", "2026-09-01"]}, "dates", ("2026-09-01", "2026-09-10")),
    (None, {"dates": "not-a-date"}, "dates", ("2026-10-02", "2026-10-31")),
    (None, {"stage": ["nowhere", "purchase"]}, "stage", ["purchase"]),
    (None, {"seg": "no such column"}, "seg", ""),
    (None, {"seg": "性別", "segv": ["宇宙人"]}, "segv", []),
    ("pages/3_trends.py", {"change": "2027-01-01"}, "change", "2026-10-31"),
    ("pages/3_trends.py", {"change": "2020-01-01"}, "change", "2026-05-01"),
    ("pages/2_stage.py", {"focus": "nowhere"}, "focus", "awareness"),
])
def test_a_link_that_does_not_fit_the_data_is_adjusted_with_a_notice(tagged_db, page, params, key, expected):
    at = open_with_link(page, params)
    assert not at.exception, at.exception
    value = at.session_state[key]
    shown = tuple(str(d) for d in value) if isinstance(value, tuple) else (str(value) if hasattr(value, "isoformat")
                                                                          else value)
    assert shown == expected
    notices = [i.value for i in at.info if "did not fit this data" in i.value]
    assert len(notices) == 1
    if key in ("dates", "change"):
        assert "The data covers 2026-05-01 to 2026-10-31" in notices[0]


@pytest.mark.parametrize("page, key, held", [
    (None, "dates", ("2026-10-20", "2026-11-15")),
    ("pages/4_weekly.py", "weekly-dates", ("2026-11-01", "2026-11-07")),
    ("pages/3_trends.py", "change", "2026-12-01"),
])
def test_date_widgets_survive_a_session_that_holds_dates_the_data_no_longer_has(tagged_db, page, key, held):
    from datetime import date

    value = tuple(date.fromisoformat(d) for d in held) if isinstance(held, tuple) else date.fromisoformat(held)
    at = open_with_link(page, {}, state={key: value})
    assert not at.exception, at.exception
    kept = at.session_state[key]
    days = kept if isinstance(kept, tuple) else (kept,)
    assert all(date(2026, 5, 1) <= d <= date(2026, 10, 31) for d in days)


def test_weekly_date_widget_works_on_data_shorter_than_a_week(db_path, tmp_path):
    from journey.ingest import import_file

    path = tmp_path / "three_days.csv"
    path.write_text("Review ID,Star Rating,Review Date,Review Text\n"
                    "A1,5,2026-03-01,Lovely coffee and friendly staff\n"
                    "A2,2,2026-03-03,The queue was far too long today\n", encoding="utf-8")
    import_file(path, db_path)
    at = open_app("pages/4_weekly.py")
    assert [str(d) for d in at.session_state["weekly-dates"]] == ["2026-03-01", "2026-03-03"]


# --- the Japanese UI speaks Japanese ---------------------------------------------------------------

# Words that stay as they are in Japanese UIs (names, formats, test names) and the DuckDB file's name.
KEPT_WORDS = {"NPS", "CSAT", "CES", "CSV", "TSV", "TXT", "XLSX", "HTML", "PDF", "PNG", "SVG", "JSON", "ZIP",
              "Parquet", "UTF", "BOM", "Vega", "Lite", "Journey", "Lens", "Shift_JIS", "JIS", "Shift", "cp932",
              "Google", "SurveyMonkey", "Typeform", "App", "Store", "Play", "Amazon", "Welch", "Holm", "python",
              "journey", "report", "out", "DIR", "duckdb", "English", "yyyy", "Qualtrics", "Alchemer",
              "SurveyGizmo", "Excel", "Takeout", "XML", "Atom", "Business", "Profile", "Maps", "flags", "POS",
              "Wilson"}


def visible_texts(node, out: list[str]) -> list[str]:
    """Labels, help, captions, messages and option labels of an AppTest tree (tables left out: data)."""
    kind = type(node).__name__
    if kind in ("Dataframe", "Json"):
        return out
    out += [v for v in (getattr(node, a, None) for a in ("label", "help", "placeholder")) if isinstance(v, str)]
    if kind in ("Title", "Caption", "Markdown", "Subheader", "Header", "Info", "Warning", "Success", "Error",
                "Text", "Alert", "Toast"):
        out.append(node.value)
    if kind == "ButtonGroup":
        out += [str(o) for o in node.options]
    for child in getattr(node, "children", {}).values():
        visible_texts(child, out)
    return out


def data_words(db_path: Path) -> set[str]:
    """Every Latin word in the data itself (comments, questions, file names, segments): not UI text."""
    import re

    with connection.Database(db_path).connect() as con:
        texts = con.execute("""SELECT masked_text FROM comments UNION ALL SELECT question FROM comments
                               UNION ALL SELECT file_name FROM imports UNION ALL SELECT question FROM scores
                               UNION ALL SELECT name FROM segments UNION ALL SELECT value FROM segments""").fetchall()
    return {w.lower() for (text,) in texts for w in re.findall(r"[A-Za-z][A-Za-z_]+", text or "")}


@pytest.mark.parametrize("page", DASHBOARDS + ["pages/4_weekly.py", "pages/6_review.py", "pages/7_taxonomy.py",
                                  "pages/8_import.py", "pages/9_funnel.py", "pages/10_actions.py",
                                  "pages/11_personas.py"])
def test_the_japanese_ui_has_no_english_leftovers(tagged_db, page):
    import re

    at = open_with_link(page if page != "pages/1_journey.py" else None, {"change": "2026-08-01"}, lang="ja")
    assert not at.exception, at.exception
    known = data_words(tagged_db) | {w.lower() for w in KEPT_WORDS}
    # Markdown escapes undone, Streamlit's colour and badge directives (:gray-badge[…]) read as their text.
    shown = [re.sub(r":[a-z]+(?:-badge|-background)?\[", "[", re.sub(r"\\(.)", r"\1", text))
             for text in visible_texts(at._tree, [])]
    leftovers = {w for text in shown for w in re.findall(r"[A-Za-z][A-Za-z_]{2,}", text) if w.lower() not in known}
    assert leftovers == set()


def html_elements(node, out: list) -> list:
    """Every st.html element of an AppTest tree (style-only ones sit outside the main block)."""
    if type(node).__name__ == "Html":
        out.append(node)
    for child in getattr(node, "children", {}).values():
        html_elements(child, out)
    return out


def test_the_import_page_explains_a_file_in_japanese(db_path):
    import re

    at = upload(open_app("pages/8_import.py", lang="ja"), "google_forms_ja_cp932.csv")
    assert any("区切り カンマ" in c.value for c in at.caption)
    reasons = at.dataframe[0].value["reason"]  # the role editor
    assert len(reasons) and all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", r) for r in reasons)
    styles = [h.proto.body for h in html_elements(at._tree, [])]
    assert any("ファイルを選ぶ" in s and "1ファイル200MBまで" in s for s in styles)  # the uploader's own words
    button = next(b for b in at.button if b.label == "取り込む")
    button.click().run()
    assert not at.exception, at.exception
    with connection.Database(db_path).connect() as con:
        stored = con.execute("SELECT mapping FROM imports").fetchone()[0]
    assert "comment header" in stored or "free text" in stored  # the stored mapping keeps the English reasons


def test_the_comment_dialog_shows_labels_not_keys_or_raw_json(tagged_db):
    at = open_with_link("pages/2_stage.py", {"focus": "purchase"}, lang="ja")
    next(b for b in at.button if b.label == "全文").click().run()
    assert not at.exception, at.exception
    assert not at.json  # the scores and tags were a raw JSON block
    detail = at.dataframe[-1].value
    assert list(detail.columns) == ["項目", "内容"]
    fields = dict(zip(detail["項目"], detail["内容"]))
    assert fields["段階"] in {"認知", "興味・関心", "比較・検討", "予約・注文", "食事・体験", "サポート・アフターケア",
                            "再来店・推奨", "未分類"}
    assert fields["感情"] in {"ポジティブ", "中立", "ネガティブ（不満）"}
    assert any(t.value == "コメント" for t in at.caption) and at.text
def test_import_page_purges_the_raw_text_of_an_import(db_path, tmp_path):
    source = tmp_path / "reviews.csv"
    source.write_text("Review ID,Star Rating,Review Date,Review Text\n" + "".join(
        f"A{n},5,2026-03-0{n},連絡は 090-1234-567{n} まで\n" for n in range(1, 6)), encoding="utf-8")
    assert cli(["ingest", str(source), "--db", str(db_path), "--no-mask"]) == 0
    at = open_app("pages/8_import.py")
    at.button(key="purge-go").click().run()
    assert not at.exception, at.exception
    assert any("raw text purged from 5 comments" in s.value for s in at.success)
    with connection.Database(db_path).connect() as con:
        assert connection.scalar(con, "SELECT count(*) FROM comments WHERE contains(text, '090-')") == 0
    assert b"090-1234-567" not in db_path.read_bytes()
