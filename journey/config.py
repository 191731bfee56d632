"""Settings read from the environment (and Streamlit secrets via journey.ui)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "journey.duckdb"
DEMO_DIR = PROJECT_ROOT / "data" / "demo"
# The demo lives in a database of its own, so it never mixes with the owner's data.
DEFAULT_DEMO_DB = PROJECT_ROOT / "data" / "demo.duckdb"


@dataclass(frozen=True)
class Settings:
    """Runtime settings; build with `load_settings()` so the environment is read at call time."""

    db_path: Path
    embedder: str
    max_upload_mb: int
    mask_pii: bool
    demo_db_path: Path = DEFAULT_DEMO_DB
    max_rows: int = 1_000_000
    concurrent_pages: int = 2   # dashboard page runs computing at once in the app (the rest wait their turn)


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Return settings from `env` (default: os.environ)."""
    env = dict(os.environ if env is None else env)
    return Settings(
        db_path=Path(env.get("JOURNEY_DB") or DEFAULT_DB),
        embedder=env.get("JOURNEY_EMBEDDER") or "e5",
        max_upload_mb=int(env.get("JOURNEY_MAX_UPLOAD_MB") or 200),
        mask_pii=_flag(env.get("JOURNEY_MASK_PII"), True),
        demo_db_path=Path(env.get("JOURNEY_DEMO_DB") or DEFAULT_DEMO_DB),
        max_rows=int(env.get("JOURNEY_MAX_ROWS") or 1_000_000),
        concurrent_pages=max(1, int(env.get("JOURNEY_CONCURRENT_PAGES") or os.cpu_count() or 2)),
    )
