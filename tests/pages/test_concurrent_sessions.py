"""Several sessions against one `streamlit run` server at once, as when two or three people in the office
look at the dashboards together. Every page run must finish without a traceback or an error box.

Before the connection discipline in journey/store/connection.py, a run like this showed DuckDB's
"Unique file handle conflict: Cannot attach ... already attached" in some pages (and SudachiPy's
"Tokenizer is already in use" on the Stage page).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from journey.cli import main as cli
from journey.embed import HashingEmbedder
from journey.store import connection
from journey.tagging import tag_database
from tests.browser.conftest import streamlit_server
from tests.streamlit_sessions import sessions_at_once

PAGES = ["", "stage", "trends", "overview", "weekly"]  # "" is the default page, the journey map


@pytest.fixture
def tagged_demo(db_path: Path) -> Path:
    assert cli(["demo", "--db", str(db_path)]) == 0
    with connection.Database(db_path).connect() as con:
        tag_database(con, HashingEmbedder(), preset="restaurant")
    return db_path


def test_several_sessions_at_once_see_no_errors(tagged_demo):
    with streamlit_server(tagged_demo) as url:
        everyone = sessions_at_once(url, count=6, pages=PAGES, rounds=2, timeout=240)
    runs = [run for one in everyone for run in one]
    assert len(runs) == 6 * len(PAGES) * 2
    assert [run.page for run in runs if not run.finished] == []
    assert [(run.page, problem) for run in runs for problem in run.exceptions + run.errors] == []


def test_a_page_leaves_no_data_frames_behind_after_its_run(tagged_demo):
    """A page's module and the functions defined in it (lambdas for widgets) refer to each other, so the
    module, with every frame the page made, outlives the run until Python's cycle collector comes round;
    with many sessions these piled up (10 sessions on Trends at 100k comments: 1.0 GB; 0.6 GB without).
    With the collector held off, as it is between its rare full passes, the modules must hold no frames."""
    import gc
    import types

    import pandas as pd
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["lang"] = "en"
    gc.collect()
    gc.disable()
    try:
        at.run()
        for page in ("pages/1_journey.py", "pages/3_trends.py", "pages/5_overview.py"):
            at.switch_page(page).run()
            assert not at.exception, at.exception
        pages = [m for m in gc.get_objects() if isinstance(m, types.ModuleType)
                 and str(getattr(m, "__file__", "")).startswith(str(ROOT / "pages"))]
        kept = {(m.__file__.rsplit("/", 1)[-1], name) for m in pages for name, value in vars(m).items()
                if isinstance(value, (pd.DataFrame, pd.Series))}
    finally:
        gc.enable()
    assert len(pages) >= 3  # the finished runs' modules are still there, waiting for the collector...
    assert kept == set()    # ...but without their frames


def test_only_as_many_dashboard_runs_as_turns_compute_at_once(monkeypatch):
    """Twenty sessions computing dashboards at once held 3.7 GB at 100k comments; they now take turns
    (editor pages are not held back: an import or a tagging run keeps its own pace)."""
    import threading
    import time

    from journey import ui

    monkeypatch.setattr(ui, "_DASHBOARD_TURNS", threading.BoundedSemaphore(2))
    lock, running, most = threading.Lock(), {"dashboard": 0, "editor": 0}, {"dashboard": 0, "editor": 0}

    def run(url_path: str, kind: str) -> None:
        with ui._dashboard_turn(url_path, "en"):
            with lock:
                running[kind] += 1
                most[kind] = max(most[kind], running[kind])
            time.sleep(0.1)
            with lock:
                running[kind] -= 1

    threads = [threading.Thread(target=run, args=(path, "dashboard")) for path in ("journey", "stage", "trends") * 2]
    threads += [threading.Thread(target=run, args=(path, "editor")) for path in ("import", "review", "taxonomy")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == {"dashboard": 2, "editor": 3}
