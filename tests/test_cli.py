"""The command line: python -m journey ingest / funnel / action / export / demo, as a scheduler would run it."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

from journey.cli import main
from journey.config import DEMO_DIR
from journey.store import connection
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
    assert {k: broken[k] for k in ("rows", "loaded", "duplicates", "skipped", "rejected", "values_left_empty",
                                   "encoding")} == \
        {"rows": 11, "loaded": 9, "duplicates": 0, "skipped": 0, "rejected": 2, "values_left_empty": 1,
         "encoding": "utf-8"}
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
    feedback = [r for r in records if "granularity" not in r]
    assert len(feedback) == 3 and all(r["rejected"] == 0 and r["loaded"] > 50 for r in feedback)
    assert sum(r["loaded"] for r in feedback) >= 300
    # The rest of the improvement cycle: six months of funnel counts, two actions, two personas.
    (counts,) = [r for r in records if "granularity" in r]
    assert (counts["file"], counts["loaded"], counts["rejected"], counts["granularity"]) == (
        "komorebi_funnel.csv", 6, 0, "month")
    with connection.Database(db_path).connect() as con:
        assert con.execute("SELECT acted_on::VARCHAR, stage, touchpoint FROM improvement_actions ORDER BY 1").fetchall() \
            == [("2026-08-01", "purchase", None), ("2026-09-05", None, "app")]
        assert connection.scalar(con, "SELECT count(*) FROM personas") == 2


def test_funnel_command_imports_a_count_table(db_path, capsys):
    assert main(["funnel", str(FIXTURES / "funnel_bad_rows.csv"), "--db", str(db_path), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert (record["loaded"], record["rejected"], record["stages"]["purchase"]) == (2, 4, "予約")
    assert main(["funnel", str(FIXTURES / "funnel_month_cp932.csv"), "--db", str(db_path), "--map", "support=問い合わせ"]) == 0
    out = capsys.readouterr().out
    assert "4 month periods loaded" in out and "support: 問い合わせ" in out
    assert main(["funnel", str(FIXTURES / "funnel_month_cp932.csv"), "--db", str(db_path), "--map", "stage9=予約"]) == 1
    assert "'stage9' is neither period, ignore nor a stage" in capsys.readouterr().err


def test_action_commands_record_list_and_delete(db_path, capsys):
    assert main(["demo", "--db", str(db_path)]) == 0
    capsys.readouterr()
    assert main(["action", "add", "--db", str(db_path), "--date", "2026-10-10", "--what", "席を増やした",
                 "--stage", "usage", "--touchpoint", "store_facility", "--json"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["stage"] == "usage" and added["date"] == "2026-10-10"
    assert main(["action", "add", "--db", str(db_path), "--date", "2026-10-10", "--what", "x"]) == 2
    assert "name the stage and/or the touchpoint" in capsys.readouterr().err
    assert main(["action", "list", "--db", str(db_path), "--json", "--lang", "en"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["date"] for r in listed] == ["2026-08-01", "2026-09-05", "2026-10-10"]
    assert all(r["status"] == "untagged" for r in listed)  # the demo is not tagged here
    assert main(["action", "delete", str(added["id"]), "--db", str(db_path)]) == 0
    assert main(["action", "delete", "999", "--db", str(db_path)]) == 1


def test_demo_if_empty_loads_once(db_path, capsys):
    assert main(["demo", "--if-empty", "--db", str(db_path), "--json"]) == 0
    first = capsys.readouterr().out
    assert main(["demo", "--if-empty", "--db", str(db_path), "--json"]) == 0
    assert first.strip() and capsys.readouterr().out.strip() == ""


def test_ingest_reports_skipped_partial_and_warnings(db_path, capsys):
    status = main(["ingest", str(FIXTURES / "qualtrics_current.csv"), "--db", str(db_path), "--json"])
    record = json.loads(capsys.readouterr().out)
    assert status == 0
    assert {k: record[k] for k in ("rows", "loaded", "partial", "skipped", "rejected", "layout", "header_lines")} == \
        {"rows": 10, "loaded": 9, "partial": 2, "skipped": 1, "rejected": 0, "layout": "qualtrics",
         "header_lines": [1, 2, 3]}
    assert [w["code"] for w in record["warnings"]] == ["header_rows"]


def test_ingest_skip_partial_and_undated_flags(db_path, capsys):
    assert main(["ingest", str(FIXTURES / "alchemer_surveygizmo.csv"), "--db", str(db_path), "--skip-partial"]) == 0
    assert "8 loaded, 0 duplicates, 6 skipped, 0 rejected of 14 rows" in capsys.readouterr().out
    assert main(["ingest", str(FIXTURES / "undated_reviews.csv"), "--db", str(db_path), "--json",
                 "--undated", "2026-04-30"]) == 0
    captured = capsys.readouterr()
    record = json.loads(captured.out)
    assert (record["undated"], record["undated_date"], record["undated_source"]) == (6, "2026-04-30", "chosen")
    assert "warning: undated_reviews.csv: no column holds the date of each answer" in captured.err


def test_ingest_undated_file_date_uses_the_file(db_path, tmp_path, capsys):
    import os
    from datetime import datetime

    path = tmp_path / "reviews.csv"
    path.write_bytes((FIXTURES / "undated_reviews.csv").read_bytes())
    stamp = datetime(2026, 4, 15, 12, 0).timestamp()
    os.utime(path, (stamp, stamp))
    assert main(["ingest", str(path), "--db", str(db_path), "--json", "--undated", "file"]) == 0
    assert json.loads(capsys.readouterr().out)["undated_date"] == "2026-04-15"


def test_ingest_an_unclosed_quote_is_never_a_silent_success(db_path, capsys):
    assert main(["ingest", str(FIXTURES / "unclosed_quote.csv"), "--db", str(db_path)]) == 0
    assert "19 loaded, 0 duplicates, 0 skipped, 1 rejected of 20 rows" in capsys.readouterr().out


def test_demo_twice_adds_no_second_funnel_actions_or_personas(db_path, capsys):
    assert main(["demo", "--db", str(db_path)]) == 0
    assert main(["demo", "--db", str(db_path)]) == 0
    with connection.Database(db_path).connect() as con:
        assert [connection.scalar(con, f"SELECT count(*) FROM {table}")
                for table in ("funnel_imports", "improvement_actions", "personas")] == [1, 2, 2]
