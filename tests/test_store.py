"""Store: migrations, short-lived connections with lock retry, delete of an import with its rows, and a
database made before the store became a package."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import textwrap
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from journey import exporting, tagging
from journey.embed import HashingEmbedder
from journey.errors import DatabaseBusy
from journey.ingest import import_file
from journey.store import connection, dashboard, imports, migrations, overview, tags
from journey.taxonomy import load_preset
from tests.conftest import FIXTURES, ROOT, failures_at_once, held_by_another_process


def test_migrations_are_recorded_and_applied_once(db_path):
    with connection.Database(db_path).connect() as con:
        versions = [r[0] for r in con.execute("SELECT version FROM _journey_migrations ORDER BY 1").fetchall()]
        assert versions == [m[0] for m in migrations.MIGRATIONS]
        assert migrations.migrate(con) == []
    assert set(overview.counts(connection.open_connection(db_path))) >= {"imports", "responses", "comments"}


def test_migration_versions_are_numbered_in_order():
    versions = [m[0] for m in migrations.MIGRATIONS]
    assert versions == list(range(1, len(versions) + 1))


def test_delete_import_removes_its_rows_only(db_path):
    first = import_file(FIXTURES / "google_forms_ja_cp932.csv", db_path)
    second = import_file(FIXTURES / "broken_rows.csv", db_path)
    with connection.Database(db_path).connect() as con:
        assert imports.delete_import(con, second.import_id)
        counts = overview.counts(con)
        assert counts["imports"] == 1 and counts["responses"] == first.loaded
        assert counts["rejected_rows"] == 0
        assert connection.scalar(con, "SELECT count(*) FROM row_notes") == 0
        assert connection.scalar(con, "SELECT count(*) FROM comments c LEFT JOIN responses r ON r.id = c.response_id "
                                 "WHERE r.id IS NULL") == 0
        assert not imports.delete_import(con, 999)


def test_deleted_rows_can_be_imported_again(db_path):
    result = import_file(FIXTURES / "semicolon_eu.csv", db_path)
    with connection.Database(db_path).connect() as con:
        imports.delete_import(con, result.import_id)
    assert import_file(FIXTURES / "semicolon_eu.csv", db_path).loaded == 5


def test_import_history_and_rejected_rows(db_path):
    import_file(FIXTURES / "broken_rows.csv", db_path)
    with connection.Database(db_path).connect() as con:
        history = imports.list_imports(con)
        assert history.loc[0, "file_name"] == "broken_rows.csv"
        assert tuple(history.loc[0, ["rows", "loaded", "skipped", "rejected"]]) == (11, 9, 0, 2)
        rejected = imports.rejected_rows(con, int(history.loc[0, "id"]))
        assert rejected["line_no"].tolist() == [5, 8]
        left_empty = imports.row_notes(con, int(history.loc[0, "id"]), "value_left_empty")
        assert left_empty[["line_no", "code", "value"]].values.tolist() == [[11, "bad_score", "9"]]
        record = imports.get_import(con, int(history.loc[0, "id"]))
        assert any(c["role"] == "comment" for c in record["mapping"])


def test_connection_waits_for_another_process_then_opens(db_path):
    connection.open_connection(db_path).close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, time
        con = duckdb.connect({str(db_path)!r})
        print("locked", flush=True)
        time.sleep(0.6)
        con.close()
    """)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    with connection.Database(db_path).connect() as con:   # retries until the other process lets go
        assert connection.scalar(con, "SELECT 1") == 1
    holder.wait(timeout=10)


def test_connection_gives_up_with_a_clear_error(db_path, monkeypatch):
    connection.open_connection(db_path).close()
    with held_by_another_process(db_path, monkeypatch), pytest.raises(DatabaseBusy, match="in use by another program"):
        connection.open_connection(db_path)


def test_sessions_in_one_process_share_the_file_without_attach_or_catalog_errors(db_path):
    """Streamlit runs each session in a thread of one process: units of work opening and closing the file
    at once failed now and then with "Unique file handle conflict ... already attached" and "Table Function
    with name pandas_scan does not exist" (how often depends on timing; the test of several sessions
    against one server, tests/pages/test_concurrent_sessions.py, shows it every run)."""
    from journey.filters import Filters

    # Imported by another process, as the app finds a file the CLI filled (nothing of it lingers in this one).
    subprocess.run([sys.executable, "-m", "journey", "ingest", str(FIXTURES / "google_forms_ja_cp932.csv"),
                    "--db", str(db_path)], cwd=ROOT, check=True, capture_output=True, timeout=120)

    def unit_of_work_pair() -> None:
        with connection.Database(db_path).connect() as con:
            responses = dashboard.response_facts(con, Filters())
        with connection.Database(db_path).connect() as con:
            texts = dashboard.comment_texts(con, responses["response_id"].head(3).tolist())  # registers a frame
        assert len(responses) == 12 and len(texts) == 3

    failures = failures_at_once(unit_of_work_pair, threads=8, repeats=30)
    assert failures == []
    # Between units of work the file is free for another process (the CLI).
    other = subprocess.run([sys.executable, "-c", f"import duckdb; duckdb.connect({str(db_path)!r}).close()"],
                           capture_output=True, text=True, timeout=60)
    assert other.returncode == 0, other.stderr


@pytest.mark.parametrize("error, transient", [
    (duckdb.IOException('Could not set lock on file "x.duckdb": Conflicting lock is held in python (PID 7)'), True),
    (duckdb.ResourceInUseException('Unique file handle conflict: Cannot attach "x" - already attached'), True),
    (duckdb.CatalogException("Table Function with name pandas_scan does not exist!"), True),
    (duckdb.TransactionException("TransactionContext Error: Catalog write-write conflict on create"), True),
    (duckdb.IOException('Could not write file "x.duckdb": No space left on device'), False),
    (duckdb.TransactionException("cannot rollback - no transaction is active"), False),
    (duckdb.CatalogException("Table with name nope does not exist!"), False),
    (ValueError("not DuckDB"), False),
])
def test_transient_errors_are_the_ones_that_pass(error, transient):
    assert connection.is_transient(error) is transient


def test_a_unit_of_work_is_tried_again_after_any_transient_error(db_path, monkeypatch):
    monkeypatch.setattr(connection, "LOCK_FIRST_WAIT_S", 0.001)
    passing = [duckdb.TransactionException("Conflict on tuple deletion"),
               duckdb.CatalogException("Table Function with name arrow_scan does not exist!")]

    def work(con):
        if passing:
            raise passing.pop(0)
        return connection.scalar(con, "SELECT 42")

    assert connection.Database(db_path).run(work) == 42
    monkeypatch.setattr(connection, "LOCK_RETRIES", 3)

    def always_conflicting(con):
        raise duckdb.TransactionException("Conflict on update")

    with pytest.raises(DatabaseBusy):
        connection.Database(db_path).run(always_conflicting)


def test_a_transaction_raises_the_error_that_stopped_it_not_the_failed_rollback(db_path):
    """A full disk makes DuckDB abort the transaction itself; the ROLLBACK that follows used to fail with
    "cannot rollback - no transaction is active" and hide the cause."""
    with connection.Database(db_path).connect() as con:
        with pytest.raises(duckdb.IOException, match="No space left"):
            with connection.transaction(con):
                con.execute("CREATE TABLE half (id INTEGER)")
                con.execute("ROLLBACK")  # as DuckDB does on a failed write
                raise duckdb.IOException('Could not write file "x.duckdb": No space left on device')
        assert connection.scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'half'") == 0


def test_a_full_disk_during_import_keeps_the_database_unchanged_and_says_so(db_path, monkeypatch):
    from journey import failures

    import_file(FIXTURES / "semicolon_eu.csv", db_path)
    real_insert = imports.insert_frame

    def insert_then_fill_the_disk(con, table, frame):
        real_insert(con, table, frame)
        if table == "scores":
            con.execute("ROLLBACK")
            raise duckdb.IOException('Could not write file "journey.duckdb": No space left on device')

    monkeypatch.setattr(imports, "insert_frame", insert_then_fill_the_disk)
    with pytest.raises(duckdb.IOException) as raised:
        import_file(FIXTURES / "google_forms_ja_cp932.csv", db_path)
    failure = failures.classify(raised.value, db_path)
    assert type(failure).__name__ == "DiskFull"
    assert "disk is full" in failures.user_line(failure, "en") and "空き" in failures.user_line(failure, "ja")
    with connection.Database(db_path).connect() as con:
        assert overview.counts(con)["imports"] == 1 and overview.counts(con)["responses"] == 5


def test_export_has_one_row_per_comment_with_scores_and_segments(db_path):
    import_file(FIXTURES / "google_forms_ja_cp932.csv", db_path)
    with connection.Database(db_path).connect() as con:
        frame = dashboard.export_comments(con)
    assert len(frame) == 19
    for column in ("import_id", "external_id", "responded_at", "question", "text",
                   "score: おすすめ度（0～10） (nps_0_10)", "segment: 年代"):
        assert column in frame.columns


def test_migration_3_keeps_tags_and_drops_their_key_indexes(db_path):
    con = duckdb.connect(str(db_path))
    con.execute("CREATE TABLE _journey_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
                "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")
    for version, name, sql in migrations.MIGRATIONS[:2]:
        con.execute(sql)
        con.execute("INSERT INTO _journey_migrations (version, name) VALUES (?, ?)", [version, name])
    con.execute("INSERT INTO tags VALUES (1, 1, 'm', 'usage', 0.9, 0.2, 'store', 0.8, 0.1, 'positive', 1.2)")
    con.execute("INSERT INTO comment_tags VALUES (7, 1, 'm', 'usage', 0.9, 0.2, 'usage', 'store', 0.8, "
                "'positive', 1.2)")
    assert migrations.migrate(con) == [v for v, _, _ in migrations.MIGRATIONS[2:]]
    assert con.execute("SELECT unit_id, stage FROM tags").fetchall() == [(1, "usage")]
    assert con.execute("SELECT comment_id, stages FROM comment_tags").fetchall() == [(7, "usage")]
    kinds = {r[0] for r in con.execute("""SELECT constraint_type FROM duckdb_constraints()
                                          WHERE table_name IN ('tags', 'comment_tags')""").fetchall()}
    assert kinds == {"NOT NULL"}
    con.close()


# --- a database made before the store became a package opens unchanged ----------------------------

# The last commit with journey/store.py as one module. Its code builds the database in a subprocess, so
# the test reads a file exactly as users' copies of that version wrote it.
SINGLE_MODULE_COMMIT = "7e5ccce4d78c396ac3a1356e35afed71bc4b78b5"
_OLD_CODE = """
import json, sys
from dataclasses import replace
from pathlib import Path

import journey
from journey import exporting, store
from journey.cli import main
from journey.embed import HashingEmbedder
from journey.tagging import tag_database

assert Path(journey.__file__).is_relative_to(Path.cwd()), journey.__file__  # the old code, not this checkout
db, export = Path(sys.argv[1]), Path(sys.argv[2])
assert main(["demo", "--db", str(db)]) == 0
with store.Database(db).connect() as con:
    tag_database(con, HashingEmbedder(), preset="restaurant")
    corrected = int(store.comment_tags(con)["comment_id"].iloc[0])
    store.save_human_tag(con, corrected, stage="support", sentiment="negative")
    exporting.write_csv(store.export_comments(con), export)
    print(json.dumps({"counts": store.counts(con), "corrected": corrected,
                      "migrations": con.execute("SELECT version, name FROM _journey_migrations ORDER BY 1").fetchall(),
                      "embeddings": store.scalar(con, "SELECT count(*) FROM embeddings"),
                      "taxonomy": store.active_taxonomy(con)[:2]}))
"""


@pytest.fixture(scope="module")
def single_module_database(tmp_path_factory) -> tuple[Path, Path, dict]:
    """(database, its CSV export, facts) made by the code of SINGLE_MODULE_COMMIT; skipped in a clone
    without that commit (a shallow one)."""
    archive = subprocess.run(["git", "archive", "--format=tar", SINGLE_MODULE_COMMIT, "journey", "data/demo"],
                             cwd=ROOT, capture_output=True)
    if archive.returncode != 0:
        pytest.skip(f"commit {SINGLE_MODULE_COMMIT[:7]} is not in this clone: {archive.stderr.decode().strip()}")
    old = tmp_path_factory.mktemp("single-module-store")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(old, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))  # 3.11.4+
    db, export = old / "old.duckdb", old / "old-export.csv"
    env = {**os.environ, "PYTHONPATH": str(old), "JOURNEY_DB": str(db)}
    run = subprocess.run([sys.executable, "-c", _OLD_CODE, str(db), str(export)], cwd=old, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return db, export, json.loads(run.stdout.strip().splitlines()[-1])


def test_a_database_from_the_single_module_store_is_up_to_date_and_intact(single_module_database, tmp_path):
    made, export, facts = single_module_database
    db = tmp_path / "copy.duckdb"
    shutil.copy(made, db)
    with connection.Database(db).connect() as con:
        assert migrations.migrate(con) == []  # every migration recognised by its number
        recorded = con.execute("SELECT version, name FROM _journey_migrations ORDER BY 1").fetchall()
        # The old code's migrations keep their numbers; the ones added since were applied on open.
        assert [list(r) for r in recorded] == [[v, n] for v, n, _ in migrations.MIGRATIONS]
        assert facts["migrations"] == [list(r) for r in recorded][:len(facts["migrations"])]
        assert overview.counts(con) == facts["counts"]
        assert connection.scalar(con, "SELECT count(*) FROM embeddings") == facts["embeddings"]
        assert list(tags.active_taxonomy(con)[:2]) == facts["taxonomy"]
        row = tags.comment_tags(con).set_index("comment_id").loc[facts["corrected"]]
        assert (row["stage"], row["sentiment"], row["corrected"]) == ("support", "negative", True)
        # The export is unchanged but for customer_ref, a keyed pseudonym since migration 9 (was a bare hash).
        old_export = pd.read_csv(export, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        new_export = pd.read_csv(io.BytesIO(exporting.to_csv_bytes(dashboard.export_comments(con))),
                                 encoding="utf-8-sig", dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(old_export.drop(columns="customer_ref"), new_export.drop(columns="customer_ref"))
        assert (old_export["customer_ref"] == "").equals(new_export["customer_ref"] == "")


def test_the_new_code_keeps_working_on_a_database_from_the_single_module_store(single_module_database, tmp_path,
                                                                              monkeypatch):
    made, _, facts = single_module_database
    db = tmp_path / "copy.duckdb"
    shutil.copy(made, db)
    added = import_file(FIXTURES / "broken_rows.csv", db)
    assert added.loaded == 9
    with connection.Database(db).connect() as con:
        summary = tagging.tag_database(con, HashingEmbedder())
        assert 0 < summary.embedded <= summary.new_units  # the old sentences come from the cache
        assert tags.comment_tags(con).set_index("comment_id").loc[facts["corrected"], "stage"] == "support"
        assert imports.delete_import(con, added.import_id)
        assert overview.counts(con) == facts["counts"]
    # A migration added later still applies to the old file, once.
    later = (len(migrations.MIGRATIONS) + 1, "a later table", "CREATE TABLE later_table (id INTEGER);")
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS + [later])
    with connection.Database(db).connect() as con:
        assert connection.scalar(con, "SELECT max(version) FROM _journey_migrations") == later[0]
        assert migrations.migrate(con) == []
        assert connection.scalar(con, "SELECT count(*) FROM later_table") == 0


def test_migrations_build_the_schema_the_single_module_store_built(single_module_database, db_path, tmp_path,
                                                                  monkeypatch):
    """The SQL moved into numbered files unchanged: a fresh database built by the migrations the old code had
    has the same tables, columns, constraints and indexes as one made by the old code; and the old database,
    brought up to date, has the schema a fresh one gets from every migration."""
    def schema(path: Path) -> dict:
        con = duckdb.connect(str(path), read_only=True)
        try:
            return {
                "columns": con.execute("""SELECT table_name, column_index, column_name, data_type, is_nullable,
                                                 column_default FROM duckdb_columns() ORDER BY 1, 2""").fetchall(),
                "constraints": con.execute("""SELECT table_name, constraint_type, constraint_column_names
                                              FROM duckdb_constraints() ORDER BY ALL""").fetchall(),
                "indexes": con.execute("SELECT table_name, index_name, sql FROM duckdb_indexes() ORDER BY ALL").fetchall(),
            }
        finally:
            con.close()

    made, _, facts = single_module_database
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:len(facts["migrations"])])
        connection.open_connection(db_path).close()
    assert schema(db_path) == schema(made)
    fresh, upgraded = tmp_path / "fresh.duckdb", tmp_path / "upgraded.duckdb"
    shutil.copy(made, upgraded)
    connection.open_connection(fresh).close()
    connection.open_connection(upgraded).close()
    assert schema(upgraded) == schema(fresh)


def test_the_data_version_changes_when_a_retag_replaces_the_tags_row_for_row(db_path):
    import_file(FIXTURES / "google_forms_ja_cp932.csv", db_path)
    with connection.Database(db_path).connect() as con:
        tagging.tag_database(con, HashingEmbedder(), preset="restaurant")
        tags.save_taxonomy(con, "hotel", load_preset("hotel").to_json())
        before, rows = dashboard.data_version(con), connection.scalar(con, "SELECT count(*) FROM comment_tags")
        tagging.tag_database(con, HashingEmbedder())
        assert connection.scalar(con, "SELECT count(*) FROM comment_tags") == rows  # replaced row for row
        assert tags.tagged_version(con) == 2
        assert dashboard.data_version(con) != before


def test_the_data_version_changes_when_an_import_takes_a_deleted_ones_place(db_path):
    first = import_file(FIXTURES / "google_forms_ja_cp932.csv", db_path)
    second = import_file(FIXTURES / "broken_rows.csv", db_path)
    with connection.Database(db_path).connect() as con:
        before = dashboard.data_version(con)
        imports.delete_import(con, second.import_id)
    third = import_file(FIXTURES / "semicolon_eu.csv", db_path)
    assert third.import_id == second.import_id != first.import_id  # the same count and the same newest id
    with connection.Database(db_path).connect() as con:
        assert dashboard.data_version(con) != before


def test_responses_without_a_date_are_in_a_date_range_only_when_asked_for(db_path, tmp_path):
    from datetime import date

    from journey.filters import Filters

    dated, undated = tmp_path / "dated.csv", tmp_path / "undated.csv"
    dated.write_text("id,date,comment\n1,2026-04-02,good coffee\n2,2026-04-20,slow service\n", encoding="utf-8")
    undated.write_text("id,comment\n1,lovely staff\n2,too loud\n3,nice view\n", encoding="utf-8")
    import_file(dated, db_path)
    old = import_file(undated, db_path)
    with connection.Database(db_path).connect() as con:  # as an older version stored an export without dates
        con.execute("UPDATE responses SET responded_at = NULL WHERE import_id = ?", [old.import_id])
    april = Filters(start=date(2026, 4, 1), end=date(2026, 4, 30))
    with connection.Database(db_path).connect() as con:
        assert dashboard.undated_responses(con) == 3
        assert len(dashboard.comment_facts(con, april)) == 2
        assert len(dashboard.comment_facts(con, replace(april, undated=True))) == 5
        assert len(dashboard.response_facts(con, replace(april, undated=True))) == 5
        assert len(dashboard.comment_facts(con, replace(april, undated=True).previous())) == 0
