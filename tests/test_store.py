"""Store: migrations, short-lived connections with lock retry, delete of an import with its rows."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from journey.errors import DatabaseBusy
from journey.ingest import import_file
from journey.store import connection, dashboard, imports, migrations, overview
from tests.conftest import FIXTURES


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
        assert tuple(history.loc[0, ["rows", "loaded", "rejected"]]) == (11, 8, 3)
        rejected = imports.rejected_rows(con, int(history.loc[0, "id"]))
        assert rejected["line_no"].tolist() == [5, 8, 11]
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
    monkeypatch.setattr(connection, "LOCK_RETRIES", 2)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys
        con = duckdb.connect({str(db_path)!r})
        print("locked", flush=True)
        sys.stdin.readline()
    """)], stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(DatabaseBusy, match="in use by another program"):
            connection.open_connection(db_path)
    finally:
        holder.communicate("\n", timeout=10)


def test_export_has_one_row_per_comment_with_scores_and_segments(db_path):
    import_file(FIXTURES / "google_forms_ja_cp932.csv", db_path)
    with connection.Database(db_path).connect() as con:
        frame = dashboard.export_comments(con)
    assert len(frame) == 19
    for column in ("import_id", "external_id", "responded_at", "question", "text",
                   "score: おすすめ度（0～10） (nps_0_10)", "segment: 年代"):
        assert column in frame.columns


def test_migration_3_keeps_tags_and_drops_their_key_indexes(db_path):
    import duckdb

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
