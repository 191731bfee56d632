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
