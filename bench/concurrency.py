"""Load test: many sessions at once against one `streamlit run` server on this computer.

    python bench/concurrency.py [--sessions 20] [--comments 100000] [--rounds 2] [--keep DB] [--db DB]

Builds a survey database of real Fukui rows repeated to --comments comments, with tags from random
vectors (tag quality does not matter here; counts, shapes and SQL are the real ones), starts the app on
a free 127.0.0.1 port, and opens --sessions sessions at the same moment. Each session opens the
dashboards (journey map, stage detail, trends, overview, weekly review) --rounds times over one
connection, as a browser tab does, speaking Streamlit's own WebSocket protocol (no browser: the 2 cores
serve the app, not 20 browsers).

Prints every error a page showed (goal: 0), page times (median and worst per page) and the server's peak
resident memory (goal: under 1 GB). Traffic goes to 127.0.0.1 only; the run stops by itself after
--limit seconds at most.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from synthetic import tagged_survey  # noqa: E402  (bench/synthetic.py)

from journey.store import connection, overview  # noqa: E402
from journey.taxonomy import load_preset  # noqa: E402
from tests.browser.conftest import free_port  # noqa: E402
from tests.streamlit_sessions import sessions_at_once  # noqa: E402

PAGES = ["", "stage", "trends", "overview", "weekly"]
NAMES = {"": "journey map", "stage": "stage detail", "trends": "trends", "overview": "overview", "weekly": "weekly"}
GOAL_RSS_MB = 1024


def build(comments: int, db: Path) -> int:
    """A tagged survey database with about `comments` comments; returns how many it holds."""
    tagged_survey(comments, db, load_preset("hotel"))
    with connection.Database(db).connect() as con:
        return overview.counts(con)["comments"]


class Memory:
    """The server's resident memory, sampled every 0.2 s, and the kernel's own peak (VmHWM)."""

    def __init__(self, pid: int):
        self.pid, self.peak_mb, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _field(self, name: str) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1]) / 1024
        return 0.0

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak_mb = max(self.peak_mb, self._field("VmRSS"))
            except OSError:
                return
            time.sleep(0.2)

    def stop(self) -> float:
        """The peak in MB (the larger of the samples and VmHWM)."""
        high_water = self._field("VmHWM")
        self._stop.set()
        self._thread.join()
        return max(self.peak_mb, high_water)


def serve(db: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "JOURNEY_DB": str(db), "JOURNEY_EMBEDDER": "hashing"}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
                             str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import urllib.request
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the app did not start within 90 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pages", nargs="+", default=PAGES, choices=PAGES, metavar="PAGE",
                        help="url paths of the pages to open ('' is the journey map); default: the five dashboards")
    parser.add_argument("--limit", type=float, default=1800, help="seconds before the run gives up")
    parser.add_argument("--db", type=Path, help="use this database (made by an earlier --keep) instead of building")
    parser.add_argument("--keep", type=Path, help="keep the database built here for later runs")
    args = parser.parse_args()

    if args.db:
        db = args.db
        with connection.Database(db).connect() as con:
            n = overview.counts(con)["comments"]
    else:
        db = args.keep or Path(tempfile.mkdtemp()) / "load.duckdb"
        started = time.perf_counter()
        n = build(args.comments, db)
        print(f"built {n:,} comments in {time.perf_counter() - started:.0f} s: {db}")

    port = free_port()
    proc = serve(db, port)
    memory = Memory(proc.pid)
    idle_mb = memory._field("VmRSS")
    timer = threading.Timer(args.limit, proc.kill)   # the run stops by itself
    timer.start()
    started = time.perf_counter()
    try:
        everyone = sessions_at_once(f"http://127.0.0.1:{port}", args.sessions, args.pages, args.rounds,
                                    timeout=args.limit)
    finally:
        wall = time.perf_counter() - started
        peak_mb = memory.stop()
        timer.cancel()
        proc.terminate()
        proc.wait(timeout=30)

    runs = [run for one in everyone for run in one]
    problems = Counter(problem.splitlines()[0][:160] for run in runs for problem in run.exceptions + run.errors)
    unfinished = sum(not run.finished for run in runs)
    by_page = defaultdict(list)
    for run in runs:
        by_page[run.page].append(run.seconds)
    first = defaultdict(list)
    for one in everyone:
        seen = set()
        for run in one:
            if run.page not in seen:
                seen.add(run.page)
                first[run.page].append(run.seconds)

    print(f"\n{args.sessions} sessions × {len(args.pages)} pages × {args.rounds} rounds at {n:,} comments, "
          f"{len(runs)} page runs in {wall:.0f} s on {os.cpu_count()} cores")
    print(f"errors: {sum(problems.values())} (goal 0), unfinished runs: {unfinished}")
    for problem, count in problems.most_common():
        print(f"  {count:4} × {problem}")
    print(f"{'page':14} {'median s':>9} {'worst s':>8} {'first view median s':>20}")
    for page in args.pages:
        times = by_page[page]
        print(f"{NAMES[page]:14} {statistics.median(times):>9.1f} {max(times):>8.1f} "
              f"{statistics.median(first[page]):>20.1f}")
    print(f"server memory: {idle_mb:.0f} MB idle, peak {peak_mb:.0f} MB resident "
          f"(goal < {GOAL_RSS_MB} MB: {'met' if peak_mb < GOAL_RSS_MB else 'NOT met'})")


if __name__ == "__main__":
    main()
