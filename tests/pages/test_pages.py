"""AppTest over every page: no exception, key widgets work, the empty database has a friendly path."""

from __future__ import annotations

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


@pytest.mark.parametrize("lang, label", [("en", "Responses"), ("ja", "回答・レビュー数")])
def test_overview_with_demo_data_shows_kpis(demo_db, lang, label):
    at = open_app("pages/5_overview.py", lang=lang)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[label] == "578"
    assert "NPS" in metrics and metrics["NPS"].startswith(("+", "-"))
    assert len(at.get("vega_lite_chart")) == 1


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
    assert any("8 loaded" in s.value and "3 rejected" in s.value for s in at.success)
    with connection.Database(db_path).connect() as con:
        assert overview.counts(con)["responses"] == 8
        assert overview.counts(con)["rejected_rows"] == 3
    assert any(button.label == "Download rejected rows (CSV)" for button in at.get("download_button"))


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
    assert set(metrics) >= {"Responses", "Comments", "NPS", "CSAT (top-two-box share)", "Negative comments"}
    assert len(at.get("vega_lite_chart")) >= 3  # heatmap, emotion curve, NPS impact
    assert len(at.dataframe) == 1  # the verbatims


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


def test_trends_before_after_table(tagged_db):
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = "en"
    at.query_params["change"] = "2026-08-01"
    at.run()
    at.switch_page("pages/3_trends.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert {"Before", "After", "Verdict"} <= set(table.columns)
    assert set(table["Verdict"]) <= {"Improved (significant)", "Worse (significant)", "No significant change",
                                     "Too few answers to tell"}
