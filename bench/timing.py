"""What the speed benchmarks share for measuring."""

from __future__ import annotations

import time
from collections.abc import Callable


def timed(run: Callable[[], object]) -> float:
    """Seconds `run()` takes (wall clock)."""
    started = time.perf_counter()
    run()
    return time.perf_counter() - started
