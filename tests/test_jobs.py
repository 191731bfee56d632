"""Tagging as a background job: it outlives the page that started it, resumes after an interruption, embeds
only what is new, holds the database only for short writes, and is the job the CLI runs."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from journey import jobs, tagging
from journey.embed import HashingEmbedder
from journey.errors import JobAlreadyRunning
from journey.ingest import import_file
from journey.store import connection, embeddings
from tests.conftest import FIXTURES, ROOT, slow_cli_tag


def load(db_path, *names: str) -> None:
    for name in names:
        import_file(FIXTURES / name, db_path)


def test_a_started_job_runs_in_the_background_and_records_its_phases(db_path):
    load(db_path, "google_forms_ja_cp932.csv", "surveymonkey_en_bom.csv")
    state = jobs.start_tagging(db_path, "hashing", "restaurant")
    assert state.status == jobs.RUNNING and jobs.read_state(db_path).id == state.id
    done = jobs.wait(db_path, timeout_s=120)
    assert done.status == jobs.DONE and done.origin == "app" and done.preset == "restaurant"
    assert done.summary["units"] >= 19 and done.summary["embedded"] == done.summary["units"]
    assert set(done.history) == set(tagging.PHASES)
    with connection.Database(db_path).connect() as con:
        assert connection.scalar(con, "SELECT count(*) FROM comment_tags") == \
            connection.scalar(con, "SELECT count(*) FROM comments")


def test_a_second_job_on_the_same_database_is_refused_while_one_runs(db_path):
    load(db_path, "google_forms_ja_cp932.csv")
    jobs.start_tagging(db_path, "hashing")
    with pytest.raises(JobAlreadyRunning):
        jobs.start_tagging(db_path, "hashing")
    jobs.wait(db_path, timeout_s=120)


class FailingAfter(HashingEmbedder):
    """The hashing embedder, failing on its n-th call: a run stopped in the middle of embedding."""

    def __init__(self, calls: int):
        super().__init__()
        self.calls = calls

    def embed(self, texts):
        self.calls -= 1
        if self.calls < 0:
            raise RuntimeError("stopped")
        return super().embed(texts)


def test_an_interrupted_job_resumes_where_it_stopped(db_path):
    load(db_path, "google_forms_ja_cp932.csv", "surveymonkey_en_bom.csv", "amazon_reviews_ja.csv")
    with pytest.raises(RuntimeError):
        tagging.tag_database(connection.Database(db_path), FailingAfter(2), batch_size=8, write_every_s=0)
    with connection.Database(db_path).connect() as con:
        cached = connection.scalar(con, "SELECT count(*) FROM embeddings")
        left = len(embeddings.texts_to_embed(con, "hashing-256"))
    assert cached == 16 and left > 0  # the two finished batches were kept
    # The process died: the state still says running, but its heartbeat has gone quiet.
    stale = jobs.JobState("dead", jobs.RUNNING, "embedding", 16, 16 + left, time.time() - 600,
                          time.time() - jobs.STALE_AFTER_S - 5, "hashing", None, "app")
    jobs.write_state(db_path, stale)
    assert jobs.read_state(db_path).interrupted
    resumed = jobs.resume_interrupted(db_path)
    assert resumed is not None and resumed.resumed_from == "dead"
    finished = jobs.wait(db_path, timeout_s=120)
    assert finished.status == jobs.DONE and finished.summary["embedded"] == left


def test_a_job_whose_heartbeat_is_fresh_is_not_resumed(db_path):
    jobs.write_state(db_path, jobs.JobState("cli", jobs.RUNNING, "embedding", 5, 50, time.time(), time.time(),
                                            "hashing", None, "cli"))
    assert jobs.resume_interrupted(db_path) is None


def test_a_failed_job_says_why(db_path):
    load(db_path, "google_forms_ja_cp932.csv")
    with pytest.raises(ValueError):
        jobs.run_tagging(db_path, "no-such-embedder")
    state = jobs.read_state(db_path)
    assert state.status == jobs.FAILED and "no-such-embedder" in state.error


def test_retagging_embeds_only_what_is_new(db_path):
    load(db_path, "google_forms_ja_cp932.csv")
    first = jobs.run_tagging(db_path, "hashing")
    again = jobs.run_tagging(db_path, "hashing")
    assert first.embedded > 0 and again.embedded == 0 and again.new_units == 0
    import_file(FIXTURES / "surveymonkey_en_bom.csv", db_path)
    with connection.Database(db_path).connect() as con:
        tagging.split_new_comments(con)
        new_texts = len(embeddings.texts_to_embed(con, "hashing-256"))
    third = jobs.run_tagging(db_path, "hashing")
    assert third.embedded == new_texts > 0


class OtherProcessOpens(HashingEmbedder):
    """While a batch is being embedded, another process opens the database for writing (as the CLI or a
    second app would): it can only when the job holds no connection during the slow part."""

    def __init__(self, db_path):
        super().__init__()
        self.db_path, self.results = db_path, []

    def embed(self, texts):
        code = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
                "con.execute('SELECT count(*) FROM comments').fetchall(); con.close()")
        done = subprocess.run([sys.executable, "-c", code, str(self.db_path)], capture_output=True, timeout=60)
        self.results.append(done.returncode)
        return super().embed(texts)


def test_the_database_is_free_while_a_batch_is_embedded(db_path):
    load(db_path, "google_forms_ja_cp932.csv")
    embedder = OtherProcessOpens(db_path)
    tagging.tag_database(connection.Database(db_path), embedder, batch_size=8, write_every_s=0)
    assert embedder.results and set(embedder.results) == {0}, embedder.results


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "journey", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_cli_tag_is_the_same_job_and_prints_progress_lines_to_a_log(db_path):
    load(db_path, "google_forms_ja_cp932.csv", "surveymonkey_en_bom.csv")
    done = run_cli("tag", "--db", str(db_path), "--embedder", "hashing", "--json")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert any(line.startswith("embedding: 0/") for line in lines)
    total = json.loads(done.stdout)["embedded"]
    assert f"embedding: {total}/{total} new texts (100%)" in "\n".join(lines)
    assert any(line.startswith("scoring: ") for line in lines) and "\r" not in done.stderr
    state = jobs.read_state(db_path)
    assert state.origin == "cli" and state.status == jobs.DONE and state.summary["embedded"] == total


def test_cli_tag_refuses_while_another_job_runs(db_path, capsys):
    from journey.cli import main

    load(db_path, "google_forms_ja_cp932.csv")
    jobs.write_state(db_path, jobs.JobState("app-job", jobs.RUNNING, "embedding", 5, 50, time.time(), time.time(),
                                            "hashing", None, "app"))
    assert main(["tag", "--db", str(db_path), "--embedder", "hashing"]) == 1
    assert "already running" in capsys.readouterr().err


def test_a_killed_cli_run_is_resumed_without_embedding_again_what_it_finished(db_path, tmp_path):
    rows = ["id,date,comment"] + [f"{i},2026-05-{1 + i % 28:02d},お店の感想その{i}番。とても良かった点と気になった点が{i % 97}個ありました"
                                 for i in range(20000)]
    export = tmp_path / "many.csv"
    export.write_text("\n".join(rows), encoding="utf-8")
    import_file(export, db_path)
    proc = slow_cli_tag(db_path)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = jobs.read_state(db_path)
            if state and state.phase == "embedding" and 0 < state.done < state.total:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the CLI run never got into embedding")
    finally:
        proc.kill()
        proc.wait()
    with connection.Database(db_path).connect() as con:
        kept = connection.scalar(con, "SELECT count(*) FROM embeddings")
        left = len(embeddings.texts_to_embed(con, "hashing-256"))
    assert kept > 0 and left > 0
    state = jobs.read_state(db_path)
    assert state.status == jobs.RUNNING  # nobody said it stopped: its heartbeat goes quiet instead
    jobs.write_state(db_path, jobs.JobState(**{**state.__dict__, "heartbeat": time.time() - jobs.STALE_AFTER_S - 1}))
    assert jobs.resume_interrupted(db_path) is not None
    finished = jobs.wait(db_path, timeout_s=300)
    assert finished.status == jobs.DONE and finished.summary["embedded"] == left
