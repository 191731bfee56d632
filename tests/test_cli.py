"""The command line: python -m journey ingest / funnel / action / export / demo, as a scheduler would run it."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

from journey.cli import main
from journey.config import DEMO_DIR
from journey.store import connection
from tests.conftest import FIXTURES, ROOT, held_by_another_process


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


def test_demo_goes_into_its_own_database(db_path, tmp_path, monkeypatch):
    demo_db = tmp_path / "own-demo.duckdb"
    monkeypatch.setenv("JOURNEY_DEMO_DB", str(demo_db))
    assert main(["demo", "--json"]) == 0
    from journey.store import connection, overview

    with connection.Database(demo_db).connect() as con:
        assert overview.counts(con)["imports"] == 3
    assert not db_path.exists()  # the owner's database is never touched
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


# --- a busy database, a full disk, a path that cannot be used: one translated line, never a traceback ----

import errno  # noqa: E402
import os  # noqa: E402

import pytest  # noqa: E402

from journey import exporting  # noqa: E402

COMMANDS = {
    "ingest": ["ingest", str(FIXTURES / "semicolon_eu.csv")],
    "export": ["export", "--out", "{tmp}/out.csv"],
    "report": ["report", "--out", "{tmp}/weekly"],
    "tag": ["tag", "--embedder", "hashing"],
    "demo": ["demo", "--if-empty"],
}


@pytest.fixture
def held_database(db_path, monkeypatch):
    """The database held by another process for longer than the CLI waits (two short tries here)."""
    assert main(["ingest", str(FIXTURES / "google_maps_reviews_en.csv"), "--db", str(db_path)]) == 0
    with held_by_another_process(db_path, monkeypatch):
        yield db_path


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text and "PID" not in text and "_duckdb" not in text and "IO Error" not in text, text
    return lines[0]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_says_in_one_line_that_the_database_is_busy(held_database, command, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in COMMANDS[command]] + ["--db", str(held_database)]
    assert main(argv) == 1
    line = one_line(capsys.readouterr().err)
    assert "journey.duckdb is in use by another program" in line and "Try again" in line
    assert str(held_database.parent) not in line  # the file's name, not where it lives
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "weekly").exists()


def test_the_busy_line_is_in_japanese_for_a_japanese_locale(held_database, monkeypatch, capsys):
    monkeypatch.setenv("JOURNEY_LANG", "ja")
    assert main(["tag", "--embedder", "hashing", "--db", str(held_database)]) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith("エラー: データベース journey.duckdb を別のプログラム") and "もう一度" in line


def file_size_limit(limit: int):
    """For a subprocess: the OS refuses to write any file beyond `limit` bytes (EFBIG), as a full disk does
    (ENOSPC); SIGXFSZ ignored so the write fails instead of killing the process."""
    def apply() -> None:
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("command", ["export", "report"])
def test_a_full_disk_leaves_the_previous_output_or_none_and_says_so(db_path, tmp_path, command):
    """export and report on a full disk left 0-byte files behind that a scheduler could send out."""
    assert main(["demo", "--db", str(db_path)]) == 0
    out = tmp_path / ("comments.csv" if command == "export" else "weekly")
    if command == "export":
        out.write_bytes(b"last week's export")
    done = subprocess.run([sys.executable, "-m", "journey", command, "--out", str(out), "--db", str(db_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, preexec_fn=file_size_limit(8000),
                          env={**os.environ, "JOURNEY_LANG": "en"})
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert "The disk is full" in line and "nothing was half-written" in line
    if command == "export":
        assert "comments.csv" in line and out.read_bytes() == b"last week's export"
        assert not list(tmp_path.glob(".*.part"))
    else:
        assert [p for p in out.rglob("*") if p.is_file()] == []


def test_report_writes_all_its_files_or_none(db_path, tmp_path, monkeypatch):
    """The PDF failing after the HTML was written used to leave the HTML (and, on a full disk, 0-byte files)."""
    assert main(["demo", "--db", str(db_path)]) == 0
    real = exporting._write_temporary

    def fail_on_the_pdf(path, data):
        if path.suffix == ".pdf":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(exporting, "_write_temporary", fail_on_the_pdf)
    out = tmp_path / "weekly"
    assert main(["report", "--out", str(out), "--db", str(db_path)]) == 1
    assert [p for p in out.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("where, words", [
    ("folder", "is a folder"),          # --out names an existing folder
    ("under-a-file", "is a file, not a folder"),  # --out goes through a file
])
def test_export_to_a_path_that_cannot_be_used_says_what_to_do(db_path, tmp_path, where, words, capsys):
    assert main(["ingest", str(FIXTURES / "semicolon_eu.csv"), "--db", str(db_path)]) == 0
    (tmp_path / "folder").mkdir()
    (tmp_path / "a-file").write_text("x")
    out = tmp_path / "folder" if where == "folder" else tmp_path / "a-file" / "comments.csv"
    assert main(["export", "--out", str(out), "--db", str(db_path)]) == 1
    assert words in one_line(capsys.readouterr().err)


def test_a_database_path_under_a_file_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "a-file").write_text("x")
    assert main(["export", "--out", str(tmp_path / "out.csv"), "--db", str(tmp_path / "a-file" / "j.duckdb")]) == 1
    assert "is a file, not a folder" in one_line(capsys.readouterr().err)


# --- hash-password never takes the password on the command line ------------------------------------


def test_hash_password_reads_the_password_from_stdin():
    from journey import auth

    done = subprocess.run([sys.executable, "-m", "journey", "hash-password"], cwd=ROOT, input="s3cret-pass\n",
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    stored = done.stdout.strip()
    assert auth.verify_password("s3cret-pass", stored) and "s3cret-pass" not in done.stdout + done.stderr


def test_hash_password_asks_twice_at_a_terminal(monkeypatch, capsys):
    import getpass

    from journey import auth

    answers = iter(["s3cret-pass", "s3cret-pass", "s3cret-pass", "typo-pass!"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    assert main(["hash-password"]) == 0
    assert auth.verify_password("s3cret-pass", capsys.readouterr().out.strip())
    assert main(["hash-password"]) == 2
    assert "differ" in capsys.readouterr().err


def test_hash_password_refuses_a_password_on_the_command_line(capsys):
    """`--password X` showed the password in the process list."""
    assert main(["hash-password", "--password", "s3cret-pass"]) == 2
    out = capsys.readouterr()
    assert out.out == "" and "process" in out.err and "s3cret-pass" not in out.err
