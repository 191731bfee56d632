"""Screenshot every page over the demo data in headless Debian chromium: python docs/take_screenshots.py.

Loads and tags the demo (real e5 model) into a fresh demo database, starts `streamlit run` on a free port
with an empty owner database (so the app shows the demo, as on a first `make run`), visits each page in
Japanese and English, and writes docs/<page>-<lang>.png.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = {"journey-map": "", "stage": "stage?focus=purchase", "trends": "trends?change=2026-08-01",
         "weekly": "weekly", "review": "review", "taxonomy": "taxonomy", "import": "import", "overview": "overview",
         "funnel": "funnel", "actions": "actions", "personas": "personas"}
# The demo's whole half-year, so the August checkout fix and the September app update both show.
RANGE = "dates=2026-05-01&dates=2026-10-31"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main(pages: list[str] | None = None, langs: tuple[str, ...] = ("ja", "en")) -> None:
    from playwright.sync_api import sync_playwright

    db = Path(tempfile.mkdtemp()) / "demo.duckdb"
    for command in (["demo"], ["tag", "--preset", "restaurant"]):
        subprocess.run([sys.executable, "-m", "journey", *command, "--db", str(db)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "JOURNEY_DB": str(db.with_name("owner.duckdb")), "JOURNEY_DEMO_DB": str(db)}
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                               "--server.address", "127.0.0.1"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=FLAGS)
            for lang in langs:
                context = browser.new_context(locale={"ja": "ja-JP", "en": "en-US"}[lang],
                                              viewport={"width": 1400, "height": 2200})
                page = context.new_page()
                for name in pages or PAGES:
                    target = PAGES[name]
                    joiner = "&" if "?" in target else "?"
                    page.goto(f"{url}/{target}{joiner}{RANGE}", wait_until="networkidle")
                    page.wait_for_timeout(1500)
                    for selector in (".vega-embed canvas, .vega-embed svg", "[data-testid=stDataFrame] canvas"):
                        try:
                            page.wait_for_selector(selector, timeout=5000)
                        except Exception:  # pages without a chart or table
                            pass
                    page.wait_for_timeout(1500)
                    out = ROOT / "docs" / f"{name}-{lang}.png"
                    page.screenshot(path=str(out), full_page=True)
                    print(out)
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    main(sys.argv[1:] or None)
