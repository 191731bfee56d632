"""Shared test helpers: fixture paths, a fresh database per test, the real-data folder."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REAL_DATA = ROOT.parent / "shared" / "real-data"
FUKUI = REAL_DATA / "fukui_tourism_survey_ja"
CLOTHING = REAL_DATA / "womens_ecommerce_clothing_reviews_en" / "womens_clothing_ecommerce_reviews.csv"


@pytest.fixture(autouse=True)
def _never_the_real_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may touch data/journey.duckdb or data/demo.duckdb: a stray empty file there would hide the demo
    from make run, and a demo built there would show in every page test."""
    monkeypatch.setenv("JOURNEY_DB", str(tmp_path / "default.duckdb"))
    monkeypatch.setenv("JOURNEY_DEMO_DB", str(tmp_path / "demo.duckdb"))


@pytest.fixture(autouse=True)
def _no_job_outlives_its_test():
    """A background tagging job a test started finishes before the test's files go away."""
    yield
    from journey import jobs

    jobs.wait_all()


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh DuckDB file, also set as JOURNEY_DB for code that reads the settings."""
    path = tmp_path / "journey.duckdb"
    monkeypatch.setenv("JOURNEY_DB", str(path))
    return path


@pytest.fixture
def fixture() -> callable:
    return lambda name: FIXTURES / name


def require_real_data() -> None:
    """Skip the calling test with a clear message when ../shared/real-data is not beside the checkout."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real data not found at {REAL_DATA} (it sits beside the repository in CI)")


@contextmanager
def held_by_another_process(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """`db_path` held read-write by another process until the block ends, for longer than this process
    waits (two short tries here)."""
    from journey.store import connection

    monkeypatch.setattr(connection, "LOCK_RETRIES", 2)
    monkeypatch.setattr(connection, "LOCK_FIRST_WAIT_S", 0.01)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys
        con = duckdb.connect({str(db_path)!r})
        print("locked", flush=True)
        sys.stdin.readline()
    """)], stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield db_path
    finally:
        holder.communicate("\n", timeout=30)


def slow_cli_tag(db_path: Path) -> subprocess.Popen:
    """`python -m journey tag --embedder hashing` in another process, with the hashing embedder slowed to
    about a real one's pace per batch (it embeds 20k texts in a second, too fast to be caught half-way)."""
    script = ("import sys, time\n"
              "from journey import embed\n"
              "fast = embed.HashingEmbedder.embed\n"
              "embed.HashingEmbedder.embed = lambda self, texts: (time.sleep(0.05), fast(self, texts))[1]\n"
              "from journey.cli import main\n"
              "sys.exit(main(sys.argv[1:]))")
    return subprocess.Popen([sys.executable, "-c", script, "tag", "--db", str(db_path), "--embedder", "hashing"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def failures_at_once(step, threads: int, repeats: int) -> list[str]:
    """Run `step()` `repeats` times in each of `threads` threads started together (as Streamlit runs
    sessions), and return every failure as "Type: message" (an empty list is the pass)."""
    import threading

    failures: list[str] = []
    barrier = threading.Barrier(threads)

    def session() -> None:
        barrier.wait()
        for _ in range(repeats):
            try:
                step()
            except Exception as err:  # noqa: BLE001  (every failure is the finding)
                failures.append(f"{type(err).__name__}: {err}")

    workers = [threading.Thread(target=session) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return failures
