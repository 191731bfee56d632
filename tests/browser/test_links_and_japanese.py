"""Real browser, Japanese UI: a link that does not fit the data opens with a notice, and the uploader's
built-in English is replaced by the page's words."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_an_out_of_range_link_and_the_uploader_in_japanese(server, browser, db_path):
    from journey.cli import main as cli

    assert cli(["demo", "--db", str(db_path)]) == 0
    assert cli(["tag", "--db", str(db_path), "--embedder", "hashing", "--preset", "restaurant"]) == 0
    page = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1400}).new_page()
    page.goto(f"{server}/trends?change=2027-03-01&dates=2025-01-01&dates=2025-02-01", wait_until="networkidle")
    page.get_by_text("このデータに合わないものを調整しました").first.wait_for(timeout=60_000)
    page.get_by_text("判定").first.wait_for(timeout=60_000)  # the before/after table around the last day
    assert page.locator("[data-testid=stException]").count() == 0
    change = page.locator("[data-testid=stMain] [data-testid=stDateInput]").first.inner_text()
    assert "".join(ch for ch in change if ch.isdigit()) == "20261031"  # the link's date, fitted to the data

    page.goto(f"{server}/import", wait_until="networkidle")
    dropzone = page.locator("[data-testid=stFileUploaderDropzone]")
    dropzone.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    label = dropzone.locator("button [data-testid=stMarkdownContainer] p")
    shown = label.evaluate("p => [getComputedStyle(p).fontSize, getComputedStyle(p, '::after').content]")
    assert shown == ["0px", '"ファイルを選ぶ"']  # "Upload" is hidden, our words are shown
    limits = dropzone.locator("[data-testid=stFileUploaderDropzoneInstructions] span").first.evaluate(
        "s => getComputedStyle(s, '::after').content")
    assert "1ファイル200MBまで" in limits
