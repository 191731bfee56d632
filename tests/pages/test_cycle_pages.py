"""AppTest over the improvement cycle: the funnel page (figures, import of a count table), the journey map's
funnel strip and action marks, trends with actions, the actions page (record, read, delete), the personas
page (compare, create) and a persona picked through the URL; viewers see the figures and no editing."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from journey import personas
from journey.cli import main as cli
from journey.filters import Filters
from journey.store import connection, dashboard
from journey.store import funnel as funnel_store
from journey.store import personas as persona_store
from tests.conftest import FIXTURES, ROOT
from tests.test_auth import PASSWORD_SECRETS, app_with, sign_in

APP = str(ROOT / "app.py")


def open_page(page: str, lang: str = "en", **query: str | list[str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


@pytest.fixture(scope="module")
def tagged_demo(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("cycle") / "journey.duckdb"
    assert cli(["demo", "--db", str(db)]) == 0
    assert cli(["tag", "--db", str(db), "--embedder", "hashing", "--preset", "restaurant"]) == 0
    return db


@pytest.fixture
def demo_db(tagged_demo: Path, tmp_path: Path, monkeypatch) -> Path:
    """A copy of the tagged demo per test, so one test's edits never reach another."""
    copy = tmp_path / "demo.duckdb"
    copy.write_bytes(tagged_demo.read_bytes())
    monkeypatch.setenv("JOURNEY_DB", str(copy))
    return copy


@pytest.mark.parametrize("lang, reached, conversion", [("en", "Reached", "Conversion (95% interval)"),
                                                      ("ja", "到達数", "転換率（95%区間）")])
def test_funnel_page_shows_conversion_with_intervals_satisfaction_and_pain(demo_db, lang, reached, conversion):
    at = open_page("pages/9_funnel.py", lang, dates=["2026-05-01", "2026-10-31"])
    table = at.dataframe[0].value
    assert table[reached].tolist() == [29130, 17450, 4254, 1947, 505]
    assert table[conversion].iloc[0] in ("59.9% (59.3–60.5)", "59.9%（59.3〜60.5）")
    assert len(specs(at)) >= 2  # the funnel and its conversion over time
    assert any("Repeat rate" in m.label or "リピート率" in m.label for m in at.metric)


def test_funnel_page_without_counts_says_so_and_imports_a_count_table(db_path):
    from journey.ingest import import_file

    import_file(FIXTURES / "google_forms_ja_cp932.csv", db_path)
    at = open_page("pages/9_funnel.py")
    assert any("No funnel counts yet" in i.value for i in at.info)
    data = (FIXTURES / "funnel_month_cp932.csv").read_bytes()
    at.file_uploader(key="funnel-upload").set_value([("funnel_month_cp932.csv", data, "text/csv")]).run()
    assert not at.exception, at.exception
    at.button(key="funnel-import").click().run()
    assert not at.exception, at.exception
    assert any("4 periods loaded" in s.value for s in at.success)
    with connection.Database(db_path).connect() as con:
        assert set(funnel_store.counts(con)["stage"]) == {"awareness", "consideration", "purchase", "usage", "loyalty"}


def test_funnel_page_refuses_a_table_without_periods_and_changes_nothing(db_path, tmp_path):
    from journey.ingest import import_file

    import_file(FIXTURES / "google_forms_ja_cp932.csv", db_path)
    at = open_page("pages/9_funnel.py")
    at.file_uploader(key="funnel-upload").set_value([("x.csv", "店舗,訪問者\n本店,10\n".encode(), "text/csv")]).run()
    at.button(key="funnel-import").click().run()
    assert any("no column holds the months" in e.value for e in at.error)
    with connection.Database(db_path).connect() as con:
        assert connection.scalar(con, "SELECT count(*) FROM funnel_imports") == 0


def test_journey_map_aligns_the_funnel_and_marks_actions_on_the_curve(demo_db):
    at = open_page("pages/1_journey.py", dates=["2026-09-01", "2026-10-31"])
    heatmap, curve = specs(at)[:2]
    assert "vconcat" in heatmap and len(heatmap["vconcat"]) == 2
    marks = [layer for layer in curve["layer"] if layer.get("mark", {}).get("type") == "text"]
    assert marks  # ① is over the purchase stage (the checkout fix is in the previous period)
    assert any("① 2026-08-01" in t.value for t in at.text) and any("② 2026-09-05" in t.value for t in at.text)


def test_trends_chart_marks_every_action(demo_db):
    at = open_page("pages/3_trends.py")
    (trend,) = specs(at)
    marks = [layer for layer in trend["layer"] if layer["mark"]["type"] in ("rule", "text")
             and layer["encoding"]["x"]["field"] == "when"]
    assert {layer["mark"]["type"] for layer in marks} == {"rule", "text"}  # dashed rules, circled numbers
    (listed,) = [t.value for t in at.text if t.value.startswith("Circled numbers")]
    assert "① 2026-08-01" in listed and "② 2026-09-05" in listed


def test_actions_page_reads_each_action_and_records_a_new_one(demo_db):
    at = open_page("pages/10_actions.py")
    sentences = [t.value for t in at.text if t.value.startswith("Since") or "too early" in t.value]
    assert len(sentences) == 2 and len(at.dataframe) == 2
    assert set(at.dataframe[0].value["Verdict"]) <= {"Improved (significant)", "Worse (significant)",
                                                     "No significant change", "Too few answers to tell"}
    at.date_input(key="action-date").set_value(date(2026, 10, 29))
    at.selectbox(key="action-stage").set_value("usage")
    at.selectbox(key="action-touchpoint").set_value("store_facility")
    at.text_input(key="action-what").input("席を増やした <b>**太字**</b>")
    at.get("form_submit_button")[0].click().run()
    assert not at.exception, at.exception
    assert any("Action recorded" in s.value for s in at.success)
    with connection.Database(demo_db).connect() as con:
        rows = con.execute("SELECT acted_on, stage, touchpoint, title FROM improvement_actions ORDER BY id").fetchall()
    assert rows[-1] == (date(2026, 10, 29), "usage", "store_facility", "席を増やした <b>**太字**</b>")
    # The owner's words are shown as plain text, and the new action is too recent to read.
    assert any(t.value == "席を増やした <b>**太字**</b>" for t in at.text)
    assert any("too early to tell" in t.value for t in at.text)
    at.button(key=f"action-delete-{3}").click().run()
    with connection.Database(demo_db).connect() as con:
        assert connection.scalar(con, "SELECT count(*) FROM improvement_actions") == 2


def test_actions_page_says_what_is_missing(demo_db):
    at = open_page("pages/10_actions.py", "ja")
    at.text_input(key="action-what").input("席を増やした")
    at.get("form_submit_button")[0].click().run()
    assert any("name the stage and/or the touchpoint" in re.sub(r"\\(.)", r"\1", e.value) for e in at.error)


def test_personas_page_compares_the_demo_personas_and_creates_one(demo_db):
    at = open_page("pages/11_personas.py")
    assert at.session_state["compare"] == ["1", "2"]
    curve = specs(at)[0]
    persona_lines = [layer for layer in curve["layer"] if layer.get("encoding", {}).get("color", {}).get("field") == "segment"]
    assert persona_lines and curve["layer"]
    assert any("Instagramで知った20〜30代:" in t.value for t in at.text)
    at.text_input(key="persona-name-new").input("女性の常連")
    at.multiselect(key="persona-columns-new").set_value(["性別"]).run()
    at.multiselect(key="persona-values-new-性別").set_value(["女性"]).run()
    at.button(key="persona-save").click().run()
    assert not at.exception, at.exception
    with connection.Database(demo_db).connect() as con:
        saved = personas.from_frame(persona_store.list_personas(con))
    assert saved[-1].name == "女性の常連" and saved[-1].rules == (("性別", ("女性",)),)


def test_a_persona_in_the_url_filters_every_dashboard(demo_db):
    at = open_page("pages/1_journey.py", persona="1", dates=["2026-05-01", "2026-10-31"])
    assert at.session_state["persona"] == "1"
    with connection.Database(demo_db).connect() as con:
        persona = personas.from_frame(persona_store.list_personas(con))[0]
        expected = dashboard.comment_facts(con, personas.with_persona(
            Filters(start=date(2026, 5, 1), end=date(2026, 10, 31)), persona))
    assert {m.label: m.value for m in at.metric}["Comments"] == f"{len(expected):,}"
    assert at.query_params["persona"] in ("1", ["1"])


def test_a_viewer_sees_the_cycle_but_records_nothing(demo_db):
    at = sign_in(app_with(PASSWORD_SECRETS), "taro", "viewer password 1")
    for page, words in (("pages/9_funnel.py", None), ("pages/10_actions.py", "Only editors record"),
                        ("pages/11_personas.py", "Only editors create")):
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert not at.get("form_submit_button") and not at.file_uploader
        assert not [b for b in at.button if b.key and b.key.startswith(("action-delete", "persona-save",
                                                                         "funnel-import"))]
        if words:
            assert any(words in c.value for c in at.caption)
