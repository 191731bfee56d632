"""Real browser: the owner records an improvement action and sees it marked on the charts."""

from __future__ import annotations

import pytest

from journey.store import connection

pytestmark = pytest.mark.browser


def chart_texts(page, index: int = 0) -> list[str]:
    """The text marks Vega drew in one chart (Streamlit renders Vega-Lite as SVG)."""
    chart = page.locator("[data-testid=stVegaLiteChart]").nth(index)
    chart.locator("svg").first.wait_for(timeout=30_000)
    return chart.locator("svg text").evaluate_all("nodes => nodes.map(n => n.textContent)")


def test_recording_an_action_marks_it_on_the_trend_chart(server, browser, db_path, tmp_path):
    from journey.cli import main as cli

    assert cli(["demo", "--db", str(db_path)]) == 0
    assert cli(["tag", "--db", str(db_path), "--embedder", "hashing", "--preset", "restaurant"]) == 0
    page = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1600}).new_page()
    page.goto(f"{server}/actions", wait_until="networkidle")
    page.get_by_text("Record an action").click()
    for segment, value in (("year", "2026"), ("month", "10"), ("day", "15")):  # the date input's spin fields
        field = page.get_by_test_id("stForm").get_by_role("spinbutton", name=f"{segment}, Date", exact=True)
        field.click()
        field.press_sequentially(value)
    form = page.get_by_test_id("stForm")
    form.get_by_label("What was changed").fill("More seats at weekends")
    form.get_by_role("combobox", name="Stage").click()
    page.get_by_role("option", name="Dining experience").click()
    page.get_by_role("button", name="Record").click()
    page.get_by_text("Action recorded").wait_for(timeout=30_000)
    with connection.Database(db_path).connect() as con:
        rows = con.execute("SELECT acted_on::VARCHAR, stage, title FROM improvement_actions ORDER BY acted_on").fetchall()
    assert rows[-1] == ("2026-10-15", "usage", "More seats at weekends")
    page.get_by_text("“More seats at weekends” on 2026-10-15").first.wait_for(timeout=30_000)

    page.goto(f"{server}/trends", wait_until="networkidle")
    page.wait_for_timeout(1500)
    texts = chart_texts(page)
    assert {"①", "②", "③"} <= set(texts)  # the new action's number is drawn on the chart, beside the demo's two
    page.get_by_text("③ 2026-10-15 More seats at weekends (Dining experience)").wait_for(timeout=30_000)
    page.screenshot(path=str(tmp_path / "trends-with-actions.png"), full_page=True)
