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
