"""Background jobs: tagging as a job that outlives the page that started it, survives a restart, and shows
its progress everywhere (every page of the app, the CLI).

The app runs the job in a thread of the server process; the CLI (`python -m journey tag`) runs the very
same job in the foreground. Either way its state lives in a small JSON file beside the database
(`<db>.job.json`, replaced atomically), so a page reads the progress without opening the database and a
run in another process shows too. While the job runs it refreshes a heartbeat every few seconds; a job
recorded as running whose heartbeat has gone stale was interrupted (the app, the CLI or the computer
stopped), and `resume_interrupted` starts it again: finished batches are in the embedding cache, so only
what is left is embedded.

The job holds the database only for short reads and writes (journey.tagging.tag_database with a
Database): pages keep reading while it embeds.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from journey.errors import JobAlreadyRunning

HEARTBEAT_S = 2.0        # how often a running job says it is alive
STALE_AFTER_S = 20.0     # a running job silent this long was interrupted
WRITE_EVERY_S = 0.5      # progress is written at most this often (phase changes always)

RUNNING, DONE, FAILED, STOPPED = "running", "done", "failed", "stopped"


@dataclass
class JobState:
    """What a tagging job is doing or did. `done`/`total` count texts while embedding, units after."""

    id: str
    status: str                     # running | done | failed | stopped
    phase: str                      # journey.tagging.PHASES, or "" before the first report
    done: int
    total: int
    started_at: float               # epoch seconds
    heartbeat: float
    embedder: str | None            # the embedder's name (as get_embedder takes it), for a resume
    preset: str | None
    origin: str                     # "app" or "cli"
    phase_started: float = 0.0
    finished_at: float | None = None
    summary: dict | None = None     # TagSummary.to_dict() once done
    error: str | None = None
    resumed_from: str | None = None
    history: dict = field(default_factory=dict)  # phase → seconds it took

    @property
    def stale(self) -> bool:
        return time.time() - self.heartbeat > STALE_AFTER_S

    @property
    def running(self) -> bool:
        """Running now (its heartbeat is fresh)."""
        return self.status == RUNNING and not self.stale

    @property
    def interrupted(self) -> bool:
        """Recorded as running, but its process stopped without finishing."""
        return self.status == RUNNING and self.stale

    @property
    def fraction(self) -> float | None:
        """Share of the current phase done, or None where the phase has no count (scoring)."""
        if self.phase == "embedding" and self.total:
            return min(self.done / self.total, 1.0)
        return None

    def seconds_left(self) -> float | None:
        """Time left in the embedding phase at its measured rate (None until a batch is done)."""
        elapsed = time.time() - self.phase_started
        if self.phase != "embedding" or not self.done or elapsed <= 0:
            return None
        return (self.total - self.done) / (self.done / elapsed)

    def elapsed(self) -> float:
        return (self.finished_at or time.time()) - self.started_at


def state_path(db_path: Path | str) -> Path:
    """Where a database's job state lives: beside it."""
    path = Path(db_path)
    return path.with_name(path.name + ".job.json")


def read_state(db_path: Path | str) -> JobState | None:
    """The last job's state, or None when no job ever ran on this database (or the file is unreadable)."""
    try:
        data = json.loads(state_path(db_path).read_text(encoding="utf-8"))
        return JobState(**data)
    except (OSError, ValueError, TypeError):
        return None


def write_state(db_path: Path | str, state: JobState) -> None:
    """Replace the state file atomically (a reader never sees half a file)."""
    path = state_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_text(json.dumps(asdict(state), ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)


_CLAIM = threading.Lock()
_THREADS: dict[str, threading.Thread] = {}


def _claim(db_path: Path, embedder: str | None, preset: str | None, origin: str,
           resumed_from: str | None = None) -> JobState:
    """Record a new running job, unless one is running already (JobAlreadyRunning)."""
    with _CLAIM:
        current = read_state(db_path)
        if current is not None and current.running:
            raise JobAlreadyRunning(current)
        now = time.time()
        embedder = embedder or os.environ.get("JOURNEY_EMBEDDER") or "e5"
        state = JobState(uuid.uuid4().hex[:12], RUNNING, "", 0, 0, now, now, embedder, preset, origin,
                         phase_started=now, resumed_from=resumed_from)
        write_state(db_path, state)
        return state


class _Tracker:
    """Keeps one job's state and writes it: on every phase change, at most every WRITE_EVERY_S otherwise,
    and from a heartbeat thread while the job runs."""

    def __init__(self, db_path: Path, state: JobState, echo: Callable[[JobState], None] | None):
        self.db_path, self.state, self.echo = db_path, state, echo
        self._lock = threading.Lock()
        self._written = 0.0
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._heartbeat, name=f"journey-job-heartbeat-{state.id}", daemon=True)
        self._beat.start()

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            with self._lock:
                self.state.heartbeat = time.time()
                write_state(self.db_path, self.state)

    def progress(self, done: int, total: int, phase: str) -> None:
        with self._lock:
            now = time.time()
            changed = phase != self.state.phase
            if changed:
                if self.state.phase:
                    self.state.history[self.state.phase] = round(now - self.state.phase_started, 2)
                self.state.phase_started = now
            self.state.phase, self.state.done, self.state.total, self.state.heartbeat = phase, done, total, now
            if changed or done >= total or now - self._written >= WRITE_EVERY_S:
                write_state(self.db_path, self.state)
                self._written = now
                if self.echo:
                    self.echo(replace(self.state))

    def finish(self, status: str, summary: dict | None = None, error: str | None = None) -> None:
        self._stop.set()
        self._beat.join()
        with self._lock:
            now = time.time()
            if self.state.phase:
                self.state.history[self.state.phase] = round(now - self.state.phase_started, 2)
            self.state.status, self.state.summary, self.state.error = status, summary, error
            self.state.finished_at = self.state.heartbeat = now
            write_state(self.db_path, self.state)


def run_tagging(db_path: Path | str, embedder: str | None = None, preset: str | None = None,
                echo: Callable[[JobState], None] | None = None, origin: str = "cli",
                state: JobState | None = None):
    """Run the tagging job here, in the calling thread, and return its TagSummary.

    The CLI calls this; the app calls it in a background thread (start_tagging). `echo` gets a copy of the
    state whenever it is written (the CLI prints it). Raises JobAlreadyRunning when a live job already
    tags this database; whatever tag_database raises is recorded in the state and raised again.
    """
    from journey import tagging
    from journey.embed import get_embedder
    from journey.store import connection

    db_path = Path(db_path)
    state = state or _claim(db_path, embedder, preset, origin)
    tracker = _Tracker(db_path, state, echo)
    try:
        summary = tagging.tag_database(connection.Database(db_path), get_embedder(state.embedder), preset=preset,
                                       progress=tracker.progress)
    except BaseException as err:
        # Ctrl+C in the CLI is the owner's choice, never resumed by itself; an error is reported.
        stopped = isinstance(err, (KeyboardInterrupt, SystemExit))
        tracker.finish(STOPPED if stopped else FAILED, error=None if stopped else str(err) or type(err).__name__)
        raise
    tracker.finish(DONE, summary=summary.to_dict())
    return summary


def start_tagging(db_path: Path | str, embedder: str | None = None, preset: str | None = None,
                  resumed_from: str | None = None, after: Callable[[], None] | None = None) -> JobState:
    """Start the tagging job in a background thread of this process and return its first state; the job
    goes on whatever the page that started it does. `after` runs in that thread once the tags are saved
    (the app warms what its pages read). Raises JobAlreadyRunning when one is running."""
    db_path = Path(db_path)
    state = _claim(db_path, embedder, preset, "app", resumed_from)

    def work() -> None:
        try:
            run_tagging(db_path, embedder, preset, origin="app", state=state)
            if after is not None:
                after()
        except Exception:  # noqa: BLE001 - recorded in the state file, which every page shows
            pass
        finally:
            _THREADS.pop(str(db_path), None)

    thread = threading.Thread(target=work, name=f"journey-tagging-{state.id}", daemon=True)
    _THREADS[str(db_path)] = thread
    thread.start()
    return state


def resume_interrupted(db_path: Path | str, after: Callable[[], None] | None = None) -> JobState | None:
    """Start again a job that was interrupted (recorded as running, heartbeat stale); its new state, or
    None when there was nothing to resume."""
    state = read_state(db_path)
    if state is None or not state.interrupted:
        return None
    try:
        return start_tagging(db_path, state.embedder, None, resumed_from=state.id, after=after)
    except JobAlreadyRunning:
        return None


def wait(db_path: Path | str, timeout_s: float = 60.0, poll_s: float = 0.05) -> JobState | None:
    """Block until no job runs on this database (tests and scripts); the last state."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        thread = _THREADS.get(str(Path(db_path)))
        state = read_state(db_path)
        if (thread is None or not thread.is_alive()) and (state is None or not state.running):
            return state
        time.sleep(poll_s)
    return read_state(db_path)


def wait_all(timeout_s: float = 120.0) -> None:
    """Block until every job this process started has finished (tests, and a clean interpreter exit)."""
    deadline = time.monotonic() + timeout_s
    for thread in list(_THREADS.values()):
        thread.join(max(deadline - time.monotonic(), 0))
