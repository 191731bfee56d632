"""Page loads as the owner meets them: each page run whole (Streamlit's AppTest runs the real script, SQL,
metrics, charts and all, without a browser), cold (first visit, empty caches) and warm (the next visit),
plus the Review page's own actions. Goal (issue 13): the Review page under 2 s at 100k comments.

    python bench/page_loads.py --comments 100000        # builds a survey database from real Fukui rows
    python bench/page_loads.py --db /path/to/tagged.duckdb [--embedder e5]

A built database is tagged by the real shipped heads of the E5 model over random unit vectors (tag
quality is irrelevant here; the rows, tags, corrections and the model's work are the real ones), with 40
owner corrections so the agreement figure is computed as in use.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from timing import timed  # noqa: E402  (bench/timing.py)

PAGES = ["pages/1_journey.py", "pages/2_stage.py", "pages/3_trends.py", "pages/4_weekly.py", "pages/5_overview.py",
         "pages/6_review.py", "pages/7_taxonomy.py", "pages/8_import.py", "pages/9_funnel.py", "pages/10_actions.py",
         "pages/11_personas.py"]


def build(comments: int, folder: Path) -> Path:
    """A survey database of about `comments` comments, tagged by the E5 heads over random vectors."""
    from ingest import make_export  # bench/ingest.py

    from journey import tagging
    from journey.embed import get_embedder
    from journey.ingest import import_file
    from journey.store import connection, embeddings, tags

    export, db = folder / "survey.csv", folder / "review.duckdb"
    make_export(int(comments / 1.21), export)   # the Fukui survey has ~1.21 comments per response
    import_file(export, db)
    embedder = get_embedder("e5")
    rng = np.random.default_rng(0)
    with connection.Database(db).connect() as con:
        tagging.split_new_comments(con)
        todo = embeddings.texts_to_embed(con, embedder.model_id)
        x = rng.normal(size=(len(todo), embedder.dim)).astype(np.float32)
        embeddings.save_embeddings(con, embedder.model_id, todo["text_hash"].tolist(),
                                   x / np.linalg.norm(x, axis=1, keepdims=True))
    tagging.tag_database(connection.Database(db), embedder, preset="hotel")
    with connection.Database(db).connect() as con:
        ids = [int(r[0]) for r in con.execute("SELECT id FROM comments ORDER BY random() LIMIT 40").fetchall()]
        for n, comment_id in enumerate(ids):
            tags.save_human_tag(con, comment_id, stage=["usage", "purchase", "loyalty", "support"][n % 4])
    return db



def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="time an existing (tagged) database instead of building one")
    parser.add_argument("--embedder", default="e5")
    args = parser.parse_args()
    db = args.db or build(args.comments, Path(tempfile.mkdtemp()))
    os.environ.update({"JOURNEY_DB": str(db), "JOURNEY_EMBEDDER": args.embedder,
                       "JOURNEY_DEMO_DB": str(Path(tempfile.mkdtemp()) / "no-demo.duckdb")})
    from streamlit.testing.v1 import AppTest

    from journey.store import connection, overview

    with connection.Database(db).connect() as con:
        n = overview.counts(con)["comments"]
    print(f"{n:,} comments ({db.name}), {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")

    def visit(page: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.session_state["lang"] = "ja"
        at.switch_page(page)
        return at

    started = time.perf_counter()
    import scipy.optimize  # noqa: F401  (libraries a running app has loaded once, whichever page loaded them)
    import sklearn.cluster  # noqa: F401
    import sudachipy  # noqa: F401
    AppTest.from_file(str(ROOT / "app.py"), default_timeout=600).run()
    print(f"  once per app process: imports and first run {time.perf_counter() - started:.1f} s")
    for page in PAGES:
        at = visit(page)
        cold = timed(at.run)
        assert not at.exception, (page, at.exception)
        warm = timed(at.run)
        print(f"  {page:22s} first visit {cold:6.2f} s   next {warm:6.2f} s")
        if page == "pages/6_review.py":
            review = at
    at = review
    at.segmented_control(key="review-mode").set_value("all")
    steps = {"all comments, page 1": lambda: at.run(),
             "search 'トイレ'": lambda: at.text_input(key="review-search").input("トイレ").run(),
             "clear the search": lambda: at.text_input(key="review-search").input("").run(),
             "jump to the last page": lambda: at.number_input(key="review-page").set_value(
                 at.number_input(key="review-page").max).run()}
    for name, step in steps.items():
        print(f"  review: {name:24s} {timed(step):6.2f} s")
    at.number_input(key="review-page").set_value(1).run()
    first = at.dataframe[0].value.iloc[0]
    with connection.Database(db).connect() as con:
        comment_id = int(con.execute("SELECT id FROM comments WHERE masked_text = ? LIMIT 1",
                                     [first.iloc[0]]).fetchall()[0][0])
    at.selectbox(key=f"fix-stage-{comment_id}").set_value("support")
    save = at.button(key=f"FormSubmitter:fix-{comment_id}-この分類で保存")
    print(f"  review: {'save a correction':24s} {timed(lambda: save.click().run()):6.2f} s")
    print(f"  review: {'undo it':24s} {timed(lambda: at.button(key='review-undo').click().run()):6.2f} s")
    at.segmented_control(key="review-mode").set_value("queue")
    print(f"  review: {'back to the queue':24s} {timed(at.run):6.2f} s")


if __name__ == "__main__":
    main()
