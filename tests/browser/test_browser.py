"""Real browser: `streamlit run` driven by Playwright in Debian's chromium (never a downloaded browser)."""

from __future__ import annotations

import pytest

from journey.store import connection, overview
from tests.conftest import FIXTURES

pytestmark = pytest.mark.browser


def test_app_loads_and_imports_a_file(server, browser, db_path, tmp_path):
    page = browser.new_page(locale="ja-JP", viewport={"width": 1400, "height": 1000})
    page.goto(server, wait_until="networkidle")
    page.get_by_text("まだデータがありません").wait_for(timeout=30_000)

    # A deep link gets the shared layout too (here the language switch in the sidebar).
    page.goto(f"{server}/import", wait_until="networkidle")
    page.get_by_role("heading", name="取り込み").first.wait_for(timeout=30_000)
    page.get_by_text("表示言語").wait_for(timeout=30_000)
    page.locator("input[type=file]").set_input_files(str(FIXTURES / "google_forms_ja_cp932.csv"))
    page.get_by_text("列の役割").wait_for(timeout=30_000)
    page.get_by_role("button", name="取り込む", exact=True).click()
    page.get_by_text("12 件を取り込みました").wait_for(timeout=30_000)
    page.screenshot(path=str(tmp_path / "import.png"), full_page=True)

    with connection.Database(db_path).connect() as con:
        assert overview.counts(con)["responses"] == 12

    page.goto(server, wait_until="networkidle")
    page.get_by_text("回答数", exact=True).wait_for(timeout=30_000)
    assert page.get_by_text("NPS").count() >= 1


def test_weekly_pack_downloads_from_the_app(server, browser, db_path, tmp_path):
    from journey.cli import main as cli

    assert cli(["demo", "--db", str(db_path)]) == 0
    assert cli(["tag", "--db", str(db_path), "--embedder", "hashing"]) == 0
    context = browser.new_context(locale="en-US", accept_downloads=True, viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    page.goto(f"{server}/weekly", wait_until="networkidle")
    page.get_by_role("button", name="Build the weekly review").click()
    page.get_by_text("Weekly review for").wait_for(timeout=120_000)
    with page.expect_download(timeout=60_000) as pdf_download:
        page.get_by_role("button", name="Download PDF").click()
    pdf = tmp_path / "weekly.pdf"
    pdf_download.value.save_as(pdf)
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Weekly review" in text and "Headline figures" in text
    with page.expect_download(timeout=60_000) as html_download:
        page.get_by_role("button", name="Download HTML").click()
    html = tmp_path / "weekly.html"
    html_download.value.save_as(html)
    assert html.read_text(encoding="utf-8").startswith("<!doctype html>")
    page.screenshot(path=str(tmp_path / "weekly.png"), full_page=True)
    context.close()


def test_clicking_a_heatmap_cell_opens_its_comments(server, browser, db_path):
    from journey.cli import main as cli

    assert cli(["demo", "--db", str(db_path)]) == 0
    assert cli(["tag", "--db", str(db_path), "--embedder", "hashing", "--preset", "restaurant"]) == 0
    page = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1400}).new_page()
    page.goto(f"{server}/?dates=2026-05-01&dates=2026-10-31&measure=volume", wait_until="networkidle")
    chart = page.locator("[data-testid=stVegaLiteChart]").first
    chart.wait_for(timeout=30_000)
    page.wait_for_timeout(2000)
    box = chart.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.62, box["y"] + 92)  # first row, 'Booking & ordering' column
    page.get_by_text("Selected:").wait_for(timeout=30_000)
    assert " × " in page.get_by_text("Selected:").first.inner_text()


def test_import_page_reads_survey_tool_layouts_and_review_feeds(server, browser, db_path, tmp_path):
    """Issue 10 in the browser: Qualtrics' header rows are not responses, partial sessions are marked, a
    respondent who answered nothing is skipped (and downloadable), an App Store feed is read."""
    page = browser.new_page(locale="ja-JP", viewport={"width": 1400, "height": 1200})
    page.goto(f"{server}/import", wait_until="networkidle")
    page.get_by_role("heading", name="取り込み").first.wait_for(timeout=30_000)
    page.locator("input[type=file]").set_input_files(str(FIXTURES / "qualtrics_current.csv"))
    page.get_by_text("見出しが 3 行ありました").wait_for(timeout=30_000)
    page.get_by_text("途中で終わった回答（Partial・未完了）も取り込む").wait_for(timeout=30_000)
    page.get_by_role("button", name="取り込む", exact=True).click()
    page.get_by_text("9 件を取り込みました（重複 0・スキップ 1・除外 0、全 10 行）").wait_for(timeout=30_000)
    page.get_by_text("取り込んだうち 2 件は途中で終わった回答です").wait_for(timeout=30_000)
    page.get_by_text("スキップした行（分析する内容がない回答・除いた途中の回答）").first.click()
    page.get_by_role("button", name="スキップした行をダウンロード（CSV）").wait_for(timeout=30_000)
    page.screenshot(path=str(tmp_path / "import-qualtrics.png"), full_page=True)

    page.goto(f"{server}/import", wait_until="networkidle")
    page.locator("input[type=file]").set_input_files(str(FIXTURES / "appstore_reviews.xml"))
    page.get_by_text("アプリ自体の情報でレビューではないため除きました").wait_for(timeout=30_000)
    page.get_by_role("button", name="取り込む", exact=True).click()
    page.get_by_text("5 件を取り込みました").wait_for(timeout=30_000)
    with connection.Database(db_path).connect() as con:
        assert overview.counts(con)["responses"] == 14
        assert connection.scalar(con, "SELECT count(*) FROM responses WHERE partial") == 2
