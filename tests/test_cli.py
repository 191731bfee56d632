"""The command line: python -m journey ingest / export / demo, as a scheduler would run it."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

from journey.cli import main
from journey.config import DEMO_DIR
from tests.conftest import FIXTURES, ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "journey", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_ingest_json_reports_each_file(db_path):
    done = run_cli("ingest", str(FIXTURES / "broken_rows.csv"), str(FIXTURES / "google_forms_ja_cp932.csv"),
                   "--db", str(db_path), "--json")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["file"] for r in records] == ["broken_rows.csv", "google_forms_ja_cp932.csv"]
    broken = records[0]
    assert {k: broken[k] for k in ("rows", "loaded", "duplicates", "rejected", "encoding")} == \
        {"rows": 11, "loaded": 8, "duplicates": 0, "rejected": 3, "encoding": "utf-8"}
    assert broken["mapping"]["comment"] == ["Review Text"]
    assert isinstance(broken["import_id"], int)


def test_ingest_failure_exits_non_zero_with_the_message(db_path, capsys):
    status = main(["ingest", str(FIXTURES / "report_renamed.csv"), "--db", str(db_path)])
    assert status == 1
    assert "report_renamed.csv: this is a PDF document" in capsys.readouterr().err


def test_ingest_continues_after_a_bad_file_but_reports_failure(db_path, capsys):
    status = main(["ingest", str(FIXTURES / "empty.csv"), str(FIXTURES / "semicolon_eu.csv"),
                   "--db", str(db_path), "--json"])
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1
    assert out[0]["error_type"] == "UnreadableFile" and out[1]["loaded"] == 5


def test_ingest_map_option(db_path, capsys):
    status = main(["ingest", str(FIXTURES / "scores_only.csv"), "--db", str(db_path), "--json",
                   "--map", "comment=Rating"])
    assert status == 0
    assert json.loads(capsys.readouterr().out)["loaded"] == 6


def test_missing_file_is_a_clear_error(db_path, capsys):
    assert main(["ingest", "nope.csv", "--db", str(db_path)]) == 1
    assert "nope.csv" in capsys.readouterr().err


def test_export_writes_bom_csv_with_formula_safe_cells(db_path, tmp_path):
    source = tmp_path / "reviews.csv"
    source.write_text("Review ID,Star Rating,Review Date,Review Text\n"
                      "A1,1,2026-03-01,=HYPERLINK(\"http://evil\")\n"
                      "A2,5,2026-03-02,-great value\n"
                      "A3,4,2026-03-03,Lovely café\n", encoding="utf-8")
    assert main(["ingest", str(source), "--db", str(db_path)]) == 0
    out = tmp_path / "out" / "comments.csv"
    assert main(["export", "--out", str(out), "--db", str(db_path)]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["text"] for r in rows][1:] == ["'-great value", "Lovely café"]
    assert rows[0]["text"].startswith("'=")
    for column in ("import_id", "external_id", "responded_at", "question", "text",
                   "score: Star Rating (stars_1_5)"):
        assert column in rows[0]
    assert rows[2]["external_id"] == "A3" and rows[2]["score: Star Rating (stars_1_5)"] == "4.0"


def test_demo_loads_the_bundled_exports(db_path):
    done = run_cli("demo", "--db", str(db_path), "--json")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == len([p for p in DEMO_DIR.iterdir() if p.suffix in {".csv", ".tsv", ".xlsx"}])
    assert all(r["rejected"] == 0 and r["loaded"] > 50 for r in records)
    assert sum(r["loaded"] for r in records) >= 300


def test_demo_if_empty_loads_once(db_path, capsys):
    assert main(["demo", "--if-empty", "--db", str(db_path), "--json"]) == 0
    first = capsys.readouterr().out
    assert main(["demo", "--if-empty", "--db", str(db_path), "--json"]) == 0
    assert first.strip() and capsys.readouterr().out.strip() == ""


def test_demo_goes_into_its_own_database(db_path, tmp_path, monkeypatch):
    demo_db = tmp_path / "own-demo.duckdb"
    monkeypatch.setenv("JOURNEY_DEMO_DB", str(demo_db))
    assert main(["demo", "--json"]) == 0
    from journey.store import connection, overview

    with connection.Database(demo_db).connect() as con:
        assert overview.counts(con)["imports"] == 3
    assert not db_path.exists()  # the owner's database is never touched
