"""Text from data in a real browser: a column header, a file name and segment values written as Markdown
and HTML show as the characters they are (no image fetched, no link made), and an exported chart page
never runs script carried in a segment value."""

from __future__ import annotations

import pandas as pd
import pytest

from journey import exporting
from journey.cli import main as cli

pytestmark = pytest.mark.browser

TRAP = "127.0.0.1:9"  # nothing listens there: any request to it is an image or link made from data
HEADER = f"![x](http://{TRAP}/header.png) ご意見"
REGIONS = ["**東京**", f"[link](http://{TRAP}/segment)", ":red[大阪] <b>京都</b>"]


@pytest.fixture
def hostile_data(db_path, tmp_path):
    export = tmp_path / f"**bold** ![f](http:⁄⁄{TRAP}⁄file.png).csv"
    rows = [f"2026-05-{d:02d},{REGIONS[d % 3]},とても美味しかったです。また来ます {d}" for d in range(1, 13)]
    export.write_text("Date,Region,\"" + HEADER + "\"\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert cli(["ingest", str(export), "--db", str(db_path), "--map", f"comment={HEADER}",
                "--map", "segment=Region"]) == 0
    return export.name


def test_header_file_name_and_segment_values_show_as_written(hostile_data, server, browser, tmp_path):
    page = browser.new_page(locale="en-US", viewport={"width": 1400, "height": 1200})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path in ("taxonomy", "import", "?seg=Region&segv=**東京**&dates=2026-05-01&dates=2026-05-12"):
        page.goto(f"{server}/{path}", wait_until="networkidle")
        page.locator("[data-testid=stSidebar]").wait_for(timeout=60_000)
        page.wait_for_timeout(2500)
        if path == "taxonomy":
            page.get_by_role("tab", name="Questions").click()
            page.wait_for_timeout(1000)
            assert HEADER in page.locator("body").inner_text().replace("\u2060", "")  # characters, not an image
        page.screenshot(path=str(tmp_path / f"{path[:8].strip('?')}.png"), full_page=True)
        if path == "import":
            page.get_by_text("Delete this import").first.click()
            page.wait_for_timeout(1000)
            assert hostile_data in page.locator("body").inner_text().replace("\u2060", "")
        made = page.evaluate("""() => [...document.querySelectorAll('img[src], a[href]')]
                                .map(e => e.getAttribute('src') || e.getAttribute('href'))""")
        assert not [m for m in made if TRAP in m or m.startswith("mailto:")], (path, made)
    assert not [url for url in requested if TRAP in url], requested


def test_an_exported_chart_page_does_not_run_script_from_the_data(browser, tmp_path):
    import altair as alt

    frame = pd.DataFrame({"segment": ["</script><script>document.title='pwned'</script>", "東京"], "n": [3, 5]})
    chart = alt.Chart(frame).mark_bar().encode(x="segment", y="n")
    page_file = tmp_path / "chart.html"
    page_file.write_text(exporting.chart_html(chart, "期間: 2026-05"), encoding="utf-8")
    page = browser.new_page()
    page.goto(page_file.as_uri())
    page.locator("#vega-chart svg").first.wait_for(timeout=30_000)  # the chart is drawn, offline
    assert page.title() == "Chart"
    assert "東京" in page.locator("#vega-chart").inner_text() or page.locator("#vega-chart text").count() > 3
