"""Every view reflects the data it reads: re-tags, taxonomy versions, imports; the default dates follow the
newest data, undated rows are reachable, and the demo stays in its own database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from journey import jobs, tagging
from journey.cli import main as cli
from journey.embed import HashingEmbedder
from journey.filters import Filters
from journey.ingest import import_file
from journey.store import connection, dashboard, overview, tags
from journey.taxonomy import Taxonomy, load_preset
from tests.conftest import FIXTURES, ROOT

APP = str(ROOT / "app.py")
EVERY_DATE = {"dates": ["2026-05-01", "2026-10-31"]}


def app(lang: str = "en", **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    for key, value in query.items():
        at.query_params[key] = value
    return at


def metric(at: AppTest, label: str) -> str:
    return {m.label: m.value for m in at.metric}[label]


@pytest.fixture
def tagged_db(db_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("JOURNEY_EMBEDDER", "hashing")
    assert cli(["demo", "--db", str(db_path)]) == 0
    assert cli(["tag", "--db", str(db_path), "--embedder", "hashing", "--preset", "restaurant"]) == 0
    return db_path


def test_the_journey_map_shows_a_retag_that_replaced_the_tags_row_for_row(tagged_db):
    at = app(stage="loyalty", **EVERY_DATE)
    at.run()
    assert not at.exception, at.exception
    shown_before = metric(at, "Comments")
    with connection.Database(tagged_db).connect() as con:
        question = dashboard.question_counts(con)["question"].iloc[0]
        taxonomy = Taxonomy.from_json(tags.active_taxonomy(con)[2])
        taxonomy.question_stages = {question: "loyalty"}
        tags.save_taxonomy(con, taxonomy.key, taxonomy.to_json())
    at.run()  # the page sees the new taxonomy version before the re-tag
    with connection.Database(tagged_db).connect() as con:
        rows = connection.scalar(con, "SELECT count(*) FROM comment_tags")
        tagging.tag_database(con, HashingEmbedder())
        assert connection.scalar(con, "SELECT count(*) FROM comment_tags") == rows
        expected = len(dashboard.comment_facts(con, Filters(start=date(2026, 5, 1), end=date(2026, 10, 31),
                                                            stages=("loyalty",))))
    at.run()
    assert not at.exception, at.exception
    assert expected != int(shown_before.replace(",", ""))
    assert metric(at, "Comments") == f"{expected:,}"


def test_tags_from_an_older_taxonomy_are_flagged_and_one_click_retags(tagged_db):
    with connection.Database(tagged_db).connect() as con:
        tags.save_taxonomy(con, "hotel", load_preset("hotel").to_json())
    at = app(**EVERY_DATE)
    at.run()
    warning = [w.value for w in at.warning if "taxonomy version 1" in w.value]
    assert warning and "version 2 (Hotel, ryokan & tourism) is now active" in warning[0], [w.value for w in at.warning]
    # Until the re-tag, the tags keep the names of the taxonomy they were made with.
    restaurant = load_preset("restaurant")
    assert at.multiselect(key="stage").format_func("purchase") == restaurant.stage_label("purchase", "en")
    at.button(key="retag-now").click().run()
    assert not at.exception, at.exception
    assert jobs.wait(tagged_db, timeout_s=180).status == jobs.DONE
    at.run()
    assert not [w.value for w in at.warning if "taxonomy version" in w.value]
    assert at.multiselect(key="stage").format_func("purchase") == load_preset("hotel").stage_label("purchase", "en")
    with connection.Database(tagged_db).connect() as con:
        assert tags.tagged_version(con) == 2


def test_every_page_shows_the_progress_of_a_running_job(tagged_db):
    import time

    jobs.write_state(tagged_db, jobs.JobState("cli-run", jobs.RUNNING, "embedding", 120, 1000, time.time(),
                                              time.time(), "hashing", None, "cli", phase_started=time.time() - 30))
    for page in ("pages/1_journey.py", "pages/5_overview.py", "pages/4_weekly.py"):
        at = app(**EVERY_DATE)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, at.exception
        bars = [p for p in at.sidebar.get("progress")]
        assert bars and "Tagging: reading new sentences 120 / 1,000" in bars[0].proto.text, page


def write_export(path: Path, days: list[str], undated: bool = False) -> Path:
    lines = ["id,comment"] if undated else ["id,date,comment,rating"]
    for n, day in enumerate(days):
        lines.append(f"{path.stem}-{n},comment number {n} from {path.stem}" if undated
                     else f"{path.stem}-{n},{day},comment number {n} from {path.stem},{1 + n % 5}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_default_date_range_follows_newer_data_in_the_same_session(db_path, tmp_path):
    import_file(write_export(tmp_path / "may.csv", [f"2026-05-{d:02d}" for d in range(1, 29)]), db_path)
    at = app()
    at.run()
    assert tuple(at.session_state["dates"]) == (date(2026, 5, 1), date(2026, 5, 28))
    import_file(write_export(tmp_path / "june.csv", [f"2026-06-{d:02d}" for d in range(1, 29)]), db_path)
    at.run()
    assert not at.exception, at.exception
    assert tuple(at.session_state["dates"]) == (date(2026, 5, 30), date(2026, 6, 28))


def test_a_range_the_owner_chose_stays_when_data_is_added(db_path, tmp_path):
    import_file(write_export(tmp_path / "may.csv", [f"2026-05-{d:02d}" for d in range(1, 29)]), db_path)
    at = app(dates=["2026-05-03", "2026-05-10"])
    at.run()
    import_file(write_export(tmp_path / "june.csv", ["2026-06-02"]), db_path)
    at.run()
    assert tuple(at.session_state["dates"]) == (date(2026, 5, 3), date(2026, 5, 10))


def test_responses_stored_without_a_date_can_be_shown_beside_a_date_range(db_path, tmp_path):
    import_file(write_export(tmp_path / "april.csv", [f"2026-04-{d:02d}" for d in range(1, 11)]), db_path)
    old = import_file(write_export(tmp_path / "reviews.csv", ["" for _ in range(7)], undated=True), db_path)
    with connection.Database(db_path).connect() as con:  # as versions before dates were filled in stored it
        con.execute("UPDATE responses SET responded_at = NULL WHERE import_id = ?", [old.import_id])
    at = app()
    at.run()
    assert metric(at, "Comments") == "10"
    box = at.checkbox(key="undated")
    assert box.label == "Also show the 7 responses without a date"
    box.check().run()
    assert not at.exception, at.exception
    assert metric(at, "Comments") == "17"
    assert at.query_params["undated"] in ("True", ["True"])


def last_30_days_responses(path: Path) -> str:
    with connection.Database(path).connect() as con:
        start, end = dashboard.data_window(con).default_range(30)
        return f"{len(dashboard.response_facts(con, Filters(start=start, end=end))):,}"


def test_the_demo_lives_in_its_own_database_and_never_sets_the_owners_view(db_path, tmp_path):
    from journey.config import load_settings

    assert cli(["demo"]) == 0  # builds the demo's own database (JOURNEY_DEMO_DB)
    demo_db = load_settings().demo_db_path
    assert demo_db.exists() and not db_path.exists()
    at = app()
    at.run()
    assert not at.exception, at.exception
    assert any("sample data" in i.value for i in at.sidebar.info)
    assert tuple(at.session_state["dates"]) == (date(2026, 10, 2), date(2026, 10, 31))
    demo_responses = last_30_days_responses(demo_db)
    assert metric(at, "Responses") == demo_responses
    import_file(write_export(tmp_path / "april.csv", [f"2026-04-{d:02d}" for d in range(1, 21)]), db_path)
    at.run()
    assert not at.exception, at.exception
    assert not any("sample data" in i.value for i in at.sidebar.info)
    assert tuple(at.session_state["dates"]) == (date(2026, 4, 1), date(2026, 4, 20))
    assert metric(at, "Responses") == "20"
    with connection.Database(db_path).connect() as con:
        assert overview.counts(con)["imports"] == 1 and tags.active_taxonomy(con) is None
    at.button(key="demo-show").click().run()  # the sample is still one click away
    assert metric(at, "Responses") == demo_responses
    at.button(key="demo-back").click().run()
    assert metric(at, "Responses") == "20"


def test_one_click_removes_the_demo_from_a_database_an_older_version_loaded_it_into(db_path, tmp_path):
    assert cli(["demo", "--db", str(db_path)]) == 0
    own = import_file(write_export(tmp_path / "april.csv", ["2026-04-01", "2026-04-02"]), db_path)
    at = app()
    at.run()
    assert any("still holds the sample data (3 files, 578 responses)" in w.value for w in at.sidebar.warning)
    at.button(key="demo-remove").click().run()
    assert not at.exception, at.exception
    with connection.Database(db_path).connect() as con:
        assert connection.scalar(con, "SELECT list(id) FROM imports") == [own.import_id]
    assert any("Removed the sample data (3 files)" in s.value for s in at.sidebar.success)
    assert metric(at, "Responses") == "2"


def test_the_first_import_suggests_a_preset_from_the_files_words(db_path):
    at = app()
    at.run()
    at.switch_page("pages/8_import.py").run()
    name = "google_play_reviews_utf16.tsv"
    at.file_uploader(key="uploads").set_value([(name, (FIXTURES / name).read_bytes(), "text/tab-separated-values")])
    at.run()
    at.button(key=f"go-{name}-{(FIXTURES / name).stat().st_size}").click().run()
    assert not at.exception, at.exception
    suggestion = [i.value for i in at.info if "Software, app & SaaS" in i.value]
    assert suggestion and "app" in suggestion[0], [i.value for i in at.info]
    at.button(key="suggest-use").click().run()
    assert any("Using the “Software, app & SaaS” preset" in s.value for s in at.success)
    with connection.Database(db_path).connect() as con:
        assert tags.active_taxonomy(con)[1] == "software"
    assert not [i.value for i in at.info if "Software, app & SaaS" in i.value]  # asked once


def test_pages_keep_reading_while_the_cli_tags(db_path, tmp_path):
    import time

    from tests.conftest import slow_cli_tag

    rows = ["id,date,comment"] + [f"{i},2026-05-{1 + i % 28:02d},お店の感想その{i}番。良かった点と気になった点が{i % 97}個"
                                 for i in range(20000)]
    (tmp_path / "many.csv").write_text("\n".join(rows), encoding="utf-8")
    import_file(tmp_path / "many.csv", db_path)
    at = app()
    at.run()
    proc = slow_cli_tag(db_path)
    runs = 0
    try:
        deadline = time.monotonic() + 240
        while proc.poll() is None and time.monotonic() < deadline:
            state = jobs.read_state(db_path)
            if state is not None and state.status == jobs.RUNNING and state.phase == "embedding":
                at.run()
                assert not at.exception, at.exception
                assert any(p.proto.text.startswith("Tagging: reading new sentences") for p in at.sidebar.get("progress"))
                runs += 1
            time.sleep(0.2)
    finally:
        proc.wait(timeout=300)
    assert proc.returncode == 0 and runs >= 2, runs
