"""Real browser: tagging as a background job. Switch preset, re-tag from the map's notice and watch the map
change; start tagging on the Review page, leave it, and find the run finished."""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path

import pytest

from journey import jobs
from journey.cli import main as cli
from journey.filters import Filters
from journey.ingest import import_file
from journey.store import connection, dashboard, tags
from tests.browser.conftest import streamlit_server

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent.parent.parent / "out" / "browser"


def kpi(page, label: str) -> str:
    card = page.locator("[data-testid=stMetric]").filter(has=page.get_by_text(label, exact=True)).first
    return card.locator("[data-testid=stMetricValue]").inner_text().strip()


def consideration_count(db_path: Path) -> int:
    with connection.Database(db_path).connect() as con:
        return len(dashboard.comment_facts(con, Filters(start=date(2026, 5, 1), end=date(2026, 10, 31),
                                                        stages=("consideration",))))


@pytest.fixture
def hashing_server(db_path, monkeypatch):
    """A streamlit server whose tagging job uses the hashing embedder (the job is the same with E5)."""
    monkeypatch.setenv("JOURNEY_EMBEDDER", "hashing")
    with streamlit_server(db_path) as url:
        yield url


def test_switch_preset_retag_and_see_the_map_change(hashing_server, browser, db_path):
    server = hashing_server
    assert cli(["demo", "--db", str(db_path)]) == 0
    assert cli(["tag", "--db", str(db_path), "--embedder", "hashing", "--preset", "restaurant"]) == 0
    before = consideration_count(db_path)
    page = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1400}).new_page()
    view = f"{server}/?dates=2026-05-01&dates=2026-10-31&stage=consideration"
    page.goto(view, wait_until="networkidle")
    page.get_by_text("Comments", exact=True).wait_for(timeout=60_000)
    assert kpi(page, "Comments") == f"{before:,}"

    page.goto(f"{server}/taxonomy", wait_until="networkidle")
    page.get_by_text("Industry preset").wait_for(timeout=60_000)
    page.locator(".st-key-preset").click()
    page.get_by_role("option", name="5-stage journey (generic)").click()
    page.get_by_role("button", name="Use this preset").click()
    page.get_by_text("Saved version 2").wait_for(timeout=60_000)

    page.goto(view, wait_until="networkidle")
    notice = page.get_by_text(re.compile(r"These tags were made with taxonomy version 1"))
    notice.wait_for(timeout=60_000)
    assert kpi(page, "Comments") == f"{before:,}"  # the old tags, said to be old
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "map-stale-tags.png"), full_page=True)
    previous = jobs.read_state(db_path).id  # the CLI's run
    page.get_by_role("button", name="Re-tag now").click()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        state = jobs.read_state(db_path)
        if state.id != previous and state.status != jobs.RUNNING:
            break
        time.sleep(0.3)
    assert state.id != previous and state.origin == "app", "the button started no job"
    assert state.status == jobs.DONE, f"the re-tag ended {state.status}: {state.error}"
    with connection.Database(db_path).connect() as con:
        assert tags.tagged_version(con) == 2
    after = consideration_count(db_path)
    # The page redraws itself when the job is done (nobody touches it): no notice, the five-stage tags.
    notice.wait_for(state="detached", timeout=60_000)
    assert after != before  # interest and consideration are one stage in the five-stage journey
    page.get_by_text("Comments", exact=True).wait_for(timeout=60_000)
    page.wait_for_function("""n => [...document.querySelectorAll('[data-testid=stMetric]')]
        .some(m => m.innerText.startsWith('Comments') && m.innerText.includes(n))""", arg=f"{after:,}",
                           timeout=60_000)
    assert kpi(page, "Comments") == f"{after:,}"
    page.screenshot(path=str(SHOTS / "map-after-retag.png"), full_page=True)


def test_leave_the_review_page_mid_tagging_and_find_the_run_finished(hashing_server, browser, db_path, tmp_path):
    server = hashing_server
    export = tmp_path / "reviews.csv"
    rows = ["id,date,rating,comment"] + [f"r{i},2026-04-{1 + i % 28:02d},{1 + i % 5},レビューその{i}。店員さんの対応が"
                                         f"{'良かった' if i % 2 else 'いまいち'}、商品番号{i * 7}の在庫も確認しました"
                                         for i in range(6000)]
    export.write_text("\n".join(rows), encoding="utf-8")
    import_file(export, db_path)
    page = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1100}).new_page()
    page.goto(f"{server}/review", wait_until="networkidle")
    page.get_by_role("button", name=re.compile("分類する")).click()
    page.get_by_text("このページを離れても分類は続きます").wait_for(timeout=60_000)
    assert jobs.read_state(db_path).status == jobs.RUNNING

    page.goto(server, wait_until="networkidle")  # leave for the journey map while it runs
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_text(re.compile("^分類: ")).wait_for(timeout=60_000)
    assert jobs.read_state(db_path).status == jobs.RUNNING
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "map-while-tagging.png"), full_page=True)

    sidebar.get_by_text(re.compile("^分類: ")).wait_for(state="detached", timeout=300_000)
    state = jobs.read_state(db_path)
    assert state.status == jobs.DONE and state.origin == "app"
    page.goto(f"{server}/review", wait_until="networkidle")
    page.get_by_text(re.compile(r"件の文を.*で分類しました")).wait_for(timeout=60_000)
    with connection.Database(db_path).connect() as con:
        assert connection.scalar(con, "SELECT count(*) FROM comment_tags") == 6000
    page.screenshot(path=str(SHOTS / "review-after-tagging.png"), full_page=True)
