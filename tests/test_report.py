"""Weekly review pack and exports: PDF parsed back, Japanese present, HTML escaped, PNGs, CSV/Parquet."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from pypdf import PdfReader

from journey import charts, exporting, metrics, report
from journey.cli import main as cli
from journey.embed import HashingEmbedder
from journey.ingest import import_file
from journey.store import connection, imports
from journey.tagging import tag_database
from tests.conftest import FIXTURES

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    db = tmp_path_factory.mktemp("report") / "journey.duckdb"
    assert cli(["demo", "--db", str(db)]) == 0
    with connection.Database(db).connect() as con:
        tag_database(con, HashingEmbedder(), preset="restaurant")
    return db


def test_pack_pdf_is_a4_with_japanese_text(tagged):
    with connection.Database(tagged).connect() as con:
        pack = report.build_pack(con, date(2026, 7, 1), date(2026, 7, 31), "ja")
    reader = PdfReader(io.BytesIO(pack.pdf))
    assert 1 <= len(reader.pages) <= 8
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "")
    for words in ("週次レビュー", "2026-07-01", "主要指標", "段階×タッチポイント", "感情曲線"):
        assert words in text
    fonts = {str(f) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert fonts  # the font is embedded (fpdf2 subsets it), not left to the viewer
    assert set(pack.pngs) >= {"journey-map", "emotion-curve"}
    assert all(png.startswith(PNG) for png in pack.pngs.values())


def test_pack_html_is_self_contained_and_escapes_customer_text(tagged, tmp_path):
    with connection.Database(tagged).connect() as con:
        con.execute("UPDATE comments SET masked_text = '<script>alert(1)</script>予約が取れない' "
                    "WHERE id = (SELECT min(id) FROM comments)")
        pack = report.build_pack(con, date(2026, 5, 1), date(2026, 10, 31), "en")
    assert "<script>alert(1)" not in pack.html
    assert "http://" not in pack.html and "https://" not in pack.html  # nothing to fetch: works offline
    assert "data:image/png;base64," in pack.html
    paths = pack.write(tmp_path / "out")
    assert (tmp_path / "out" / "weekly-review.pdf").exists() and any(p.suffix == ".png" for p in paths)


def test_cli_report_writes_the_pack(tagged, tmp_path, capsys):
    assert cli(["report", "--db", str(tagged), "--out", str(tmp_path), "--since", "2026-10-01",
                "--until", "2026-10-31", "--json"]) == 0
    assert (tmp_path / "weekly-review.html").exists() and (tmp_path / "weekly-review.pdf").exists()
    assert cli(["report", "--db", str(tagged), "--out", str(tmp_path), "--since", "2026-10-31",
                "--until", "2026-10-01"]) == 2


def test_pack_has_the_funnel_the_actions_and_what_moved(tagged):
    with connection.Database(tagged).connect() as con:
        pack = report.build_pack(con, date(2026, 10, 1), date(2026, 10, 31), "ja")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pack.pdf)).pages).replace(" ", "")
    for words in ("ステージ別ファネル", "改善アクションとその効果", "前回のレポートからの有意な動き", "決済画面を刷新",
                  "比較の基準:2026-08-31〜2026-09-30"):
        assert words in text
    assert "funnel" in pack.pngs and pack.pngs["funnel"].startswith(PNG)
    assert "①" in pack.html and "②" in pack.html  # both actions, numbered as on the charts
    assert pack.monitor["baseline"] == {"since": "2026-08-31", "until": "2026-09-30", "source": "previous"}
    assert pack.monitor["checks"] >= 7 + 16


def test_cli_report_records_runs_and_writes_flags_beside_the_pack(tagged, tmp_path, capsys):
    import json

    from journey.store import reports

    out = tmp_path / "week1"
    assert cli(["report", "--db", str(tagged), "--out", str(out), "--since", "2026-09-01", "--until", "2026-09-30",
                "--flags", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    flags = json.loads((out / "flags.json").read_text(encoding="utf-8"))
    assert printed["flags"] == len(flags["flags"]) and str(out / "flags.json") in printed["files"]
    assert flags["baseline"]["source"] == "previous" and flags["period"] == {"since": "2026-09-01",
                                                                           "until": "2026-09-30"}
    assert all({"kind", "key", "before", "after", "q_value", "verdict"} <= set(f) for f in flags["flags"])
    # The next scheduled run compares with the last report's period, not merely the one before it.
    assert cli(["report", "--db", str(tagged), "--out", str(tmp_path / "week2"), "--since", "2026-10-15",
                "--until", "2026-10-31", "--flags"]) == 0
    second = json.loads((tmp_path / "week2" / "flags.json").read_text(encoding="utf-8"))
    assert second["baseline"] == {"since": "2026-09-01", "until": "2026-09-30", "source": "report"}
    with connection.Database(tagged).connect() as con:
        assert reports.last_run_before(con, date(2026, 11, 1)) == (date(2026, 10, 15), date(2026, 10, 31))
        runs = connection.scalar(con, "SELECT count(*) FROM report_runs")
    assert cli(["report", "--db", str(tagged), "--out", str(tmp_path / "week3"), "--since", "2026-10-01",
                "--until", "2026-10-07", "--no-record"]) == 0
    with connection.Database(tagged).connect() as con:
        assert connection.scalar(con, "SELECT count(*) FROM report_runs") == runs


def test_cli_report_on_an_empty_database_is_a_clear_error(db_path, tmp_path, capsys):
    assert cli(["report", "--db", str(db_path), "--out", str(tmp_path)]) == 1
    assert "import exports first" in capsys.readouterr().err


def test_chart_png_and_svg_render_japanese_with_the_bundled_font():
    assert exporting.font_path().exists() and exporting.font_path().suffix == ".ttf"
    comments = pd.DataFrame({"stages": ["purchase", "usage"], "sentiment": ["negative", "positive"],
                             "rating": [1, 5]})
    labels = {"purchase": "予約・注文", "usage": "食事・体験"}
    chart = charts.emotion_curve_chart(metrics.stage_curve(comments, list(labels)), list(labels), labels,
                                       "net_sentiment", "ja")
    svg = exporting.chart_svg(chart, "期間: 2026-05-01 – 2026-05-31; stage: purchase")
    assert "予約・注文" in svg and "IPAexGothic" in svg and "期間: 2026-05-01" in svg
    assert exporting.chart_png(chart, "期間").startswith(PNG)
    html = exporting.chart_html(chart, "期間")
    assert "<script" in html and "cdn.jsdelivr" not in html  # Vega bundled: works offline
    assert '"vconcat"' in exporting.chart_json(chart, "期間")


def test_chart_html_keeps_data_inside_its_json_block():
    """A segment value "</script><script>…" closed vl_convert's script block and ran in the exported page."""
    import json
    import re

    import altair as alt

    attack = "</script><script>document.title='pwned'</script><!--"
    frame = pd.DataFrame({"segment": [attack, "東京 & <b>大阪</b>"], "n": [3, 5]})
    html = exporting.chart_html(alt.Chart(frame).mark_bar().encode(x="segment", y="n"), f"期間; {attack}")
    assert attack not in html and "<b>大阪" not in html
    assert html.count("</script>") == 3  # the Vega bundle, the spec, the call; none from the data
    block = re.search(r'<script type="application/json" id="vega-spec">(.*?)</script>', html, re.S).group(1)
    spec = json.loads(block)  # the escapes are plain JSON: the chart still gets the values as written
    values = [row["segment"] for rows in spec["datasets"].values() for row in rows]
    assert values == [attack, "東京 & <b>大阪</b>"]
    assert spec["vconcat"][1]["data"]["values"][0]["note"] == f"期間; {attack}"


def test_parquet_and_csv_exports_carry_masked_text(db_path, tmp_path):
    source = tmp_path / "reviews.csv"
    source.write_text("Review ID,Star Rating,Review Date,Review Text\n"
                      "A1,1,2026-03-01,Call me at 090-1234-5678 or mail me@example.com\n", encoding="utf-8")
    import_file(source, db_path)
    assert cli(["export", "--db", str(db_path), "--out", str(tmp_path / "out.parquet")]) == 0
    frame = pd.read_parquet(tmp_path / "out.parquet")
    assert frame.loc[0, "text"] == "Call me at [phone] or mail [email]"
    assert cli(["export", "--db", str(db_path), "--out", str(tmp_path / "out.csv")]) == 0
    assert "090-1234-5678" not in (tmp_path / "out.csv").read_text(encoding="utf-8-sig")


def test_exports_pseudonymise_the_customer_column(db_path, tmp_path):
    import_file(FIXTURES / "surveymonkey_en_bom.csv", db_path)  # Email Address is the customer column
    assert cli(["export", "--db", str(db_path), "--out", str(tmp_path / "out.csv")]) == 0
    text = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert "j.morgan@example.com" not in text and "customer_ref" in text


def test_masking_is_switchable_per_import(db_path):
    unmasked = import_file(FIXTURES / "google_forms_ja_cp932.csv", db_path, mask=False)
    with connection.Database(db_path).connect() as con:
        text, masked = con.execute("SELECT text, masked_text FROM comments ORDER BY id LIMIT 1").fetchall()[0]
        assert text == masked and text.startswith("髙橋さん")
        assert imports.get_import(con, unmasked.import_id)["mask_pii"] is False


def test_a_pack_for_a_period_without_responses_is_refused(tagged):
    from journey.errors import EmptyPeriod

    with connection.Database(tagged).connect() as con, pytest.raises(EmptyPeriod) as refused:
        report.build_pack(con, date(2025, 1, 1), date(2025, 1, 7), "ja")
    assert "no responses between 2025-01-01 and 2025-01-07" in str(refused.value)
    assert "2026-05-01 – 2026-10-31" in str(refused.value)


def test_cli_report_for_an_empty_period_exits_non_zero_and_writes_nothing(tagged, tmp_path, capsys):
    out = tmp_path / "weekly"
    assert cli(["report", "--db", str(tagged), "--out", str(out), "--since", "2025-01-01", "--until",
                "2025-01-07"]) == 1
    assert "error: no responses between 2025-01-01 and 2025-01-07" in capsys.readouterr().err
    assert not out.exists()


def test_the_weekly_page_says_when_a_period_is_empty(db_path, tmp_path):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    export = tmp_path / "april.csv"
    export.write_text("id,date,comment\n1,2026-04-01,good coffee\n2,2026-04-30,slow service\n", encoding="utf-8")
    import_file(export, db_path)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lang"] = "ja"
    at.run()
    at.switch_page("pages/4_weekly.py").run()
    at.date_input(key="weekly-dates").set_value((date(2026, 4, 10), date(2026, 4, 16))).run()
    at.button(key="weekly-build").click().run()
    assert not at.exception, at.exception
    assert any("2026-04-10 〜 2026-04-16 には回答がないため" in w.value for w in at.warning)
    assert not at.get("download_button") or all("HTML" not in b.label for b in at.get("download_button"))


def test_the_pack_names_the_tags_with_the_taxonomy_they_were_made_with(tagged):
    from journey.store import tags
    from journey.taxonomy import load_preset

    with connection.Database(tagged).connect() as con:
        tags.save_taxonomy(con, "hotel", load_preset("hotel").to_json())  # saved, not yet applied
        try:
            pack = report.build_pack(con, date(2026, 5, 1), date(2026, 10, 31), "en")
        finally:
            con.execute("DELETE FROM taxonomy WHERE version = 2")
    assert "Dining experience" in pack.html and "Stay &amp; visit" not in pack.html
@pytest.mark.parametrize("lang, words", [("ja", ("クリック", "選ぶ", "選択")), ("en", ("click", "select"))])
def test_the_pack_never_asks_paper_to_be_clicked(tagged, monkeypatch, lang, words):
    drawn = []
    original = exporting.chart_png
    monkeypatch.setattr(exporting, "chart_png", lambda chart, footer="": drawn.append(chart.to_json()) or
                        original(chart, footer))
    with connection.Database(tagged).connect() as con:
        pack = report.build_pack(con, date(2026, 7, 1), date(2026, 7, 31), lang)
    assert len(drawn) == len(pack.pngs) >= 2
    text = " ".join(drawn).lower() + pack.html.lower()
    assert not [word for word in words if word in text]
    assert '"select"' not in text.replace(" ", "")  # no selection parameter left in a static image


def test_pack_gives_csat_per_question_and_corrects_for_multiple_testing(tagged):
    with connection.Database(tagged).connect() as con:
        pack = report.build_pack(con, date(2026, 8, 1), date(2026, 10, 31), "en")
        overall = con.execute("""SELECT count(*) FROM scores s JOIN responses r ON r.id = s.response_id
                                 WHERE s.question = '総合的な満足度' AND r.responded_at >= '2026-08-01'""").fetchone()[0]
    assert "CSAT (top-two-box share), 総合的な満足度: " in pack.html
    assert "CSAT (top-two-box share), スタッフの対応はいかがでしたか？: " in pack.html
    assert f"n = {overall}]" in pack.html  # the headline question's own n, not every CSAT answer pooled
    assert "Holm-corrected" in pack.html or "No significant change" in pack.html
