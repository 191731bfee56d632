"""The Review page: the whole comment being corrected, confidence in words, search and paging over every
comment, undo and back to automatic, messages that survive a rerun, counts that follow, honest agreement."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from journey.cli import main as cli
from journey.store import connection, review as review_store, tags
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
LONG = ("I ordered the seasonal blend online and it arrived two days late, which was a pity because I had planned "
        "to bring it to my parents for the weekend. The beans themselves were wonderful once they came: bright, a "
        "little floral, with none of the bitterness I get from supermarket coffee. The paper bag tore at the seam "
        "though, and some beans spilled into the box. Next time I will pick the beans up in the shop instead, "
        "and ask the staff about the grind, since they were so helpful when I visited in spring. ZEBRAWORD")


@pytest.fixture
def tagged_db(db_path: Path, tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("JOURNEY_EMBEDDER", "hashing")
    assert cli(["demo", "--db", str(db_path)]) == 0
    extra = tmp_path / "long.csv"
    extra.write_text(f'id,date,comment\nL1,2026-10-30,"{LONG}"\n', encoding="utf-8")
    assert cli(["ingest", str(extra), "--db", str(db_path)]) == 0
    assert cli(["tag", "--db", str(db_path), "--embedder", "hashing", "--preset", "restaurant"]) == 0
    return db_path


def review_page(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("pages/6_review.py").run()
    assert not at.exception, at.exception
    return at


def all_comments(at: AppTest, search: str = "") -> AppTest:
    at.segmented_control(key="review-mode").set_value("all").run()
    if search:
        at.text_input(key="review-search").input(search).run()
    assert not at.exception, at.exception
    return at


def test_the_comment_being_corrected_is_shown_whole(tagged_db):
    at = all_comments(review_page(), "zebraword")
    assert any("1–1 of 1 matching" in c.value for c in at.caption)
    assert LONG in [t.value for t in at.text]


def test_confidence_is_said_in_words(tagged_db):
    at = review_page()
    table = at.dataframe[0].value
    assert set(table["Certainty"]) <= {"sure", "likely", "unsure"}
    assert set(table["Corrected"]) == {False}


def test_search_and_paging_reach_every_comment(tagged_db):
    at = all_comments(review_page())
    with connection.Database(tagged_db).connect() as con:
        total = review_store.counts(con)["tagged"]
    assert total == 620
    assert any(f"1–50 of {total} matching" in c.value for c in at.caption)
    box = at.number_input(key="review-page")
    assert box.max == 13
    box.set_value(13).run()
    assert len(at.dataframe[0].value) == total - 12 * 50
    assert any(f"601–620 of {total} matching" in c.value for c in at.caption)
    at.number_input(key="review-page").set_value(1).run()
    at.text_input(key="review-search").input("LATTE").run()
    texts = at.dataframe[0].value["Comment"]
    assert len(texts) > 0 and all("latte" in t.lower() for t in texts)


def test_a_correction_updates_the_count_keeps_its_message_and_can_be_undone(tagged_db):
    at = review_page()
    assert any("Labelled 0" in c.value for c in at.caption)
    first = at.dataframe[0].value["Comment"].iloc[0]
    with connection.Database(tagged_db).connect() as con:
        comment_id = int(con.execute("SELECT id FROM comments WHERE masked_text = ?", [first]).fetchall()[0][0])
    at.selectbox(key=f"fix-stage-{comment_id}").set_value("support")
    at.selectbox(key=f"fix-sentiment-{comment_id}").set_value("negative")
    at.button(key=f"FormSubmitter:fix-{comment_id}-Save these tags").click().run()
    assert not at.exception, at.exception
    assert any("Labelled 1" in c.value for c in at.caption)
    assert any(s.value.startswith("Saved “") and "Support & follow-up" in s.value for s in at.success)
    at.run()  # an unrelated rerun keeps the message
    assert any(s.value.startswith("Saved “") for s in at.success)
    with connection.Database(tagged_db).connect() as con:
        assert tags.human_tag(con, comment_id) == {"stage": "support", "touchpoint": tags.human_tag(con, comment_id)
                                                   ["touchpoint"], "sentiment": "negative"}
    at.button(key="review-undo").click().run()
    assert any(s.value.startswith("Undone") for s in at.success)
    assert any("Labelled 0" in c.value for c in at.caption)
    with connection.Database(tagged_db).connect() as con:
        assert tags.human_tag(con, comment_id) is None


def test_back_to_automatic_drops_a_correction(tagged_db):
    with connection.Database(tagged_db).connect() as con:
        comment_id = int(con.execute("SELECT id FROM comments WHERE masked_text LIKE '%ZEBRAWORD'").fetchall()[0][0])
        tags.save_human_tag(con, comment_id, stage="purchase")
    at = all_comments(review_page(), "zebraword")
    at.button(key=f"auto-{comment_id}").click().run()
    assert not at.exception, at.exception
    assert any("back to its automatic tags" in s.value for s in at.success)
    with connection.Database(tagged_db).connect() as con:
        assert tags.human_tag(con, comment_id) is None
    at.button(key="review-undo").click().run()  # and that, too, can be undone
    with connection.Database(tagged_db).connect() as con:
        assert tags.human_tag(con, comment_id)["stage"] == "purchase"


def test_agreement_with_the_owner_is_shown_with_the_before_and_its_uncertainty(tagged_db):
    with connection.Database(tagged_db).connect() as con:
        ids = [int(r[0]) for r in con.execute("SELECT id FROM comments ORDER BY id LIMIT 15").fetchall()]
        for n, comment_id in enumerate(ids):
            tags.save_human_tag(con, comment_id, stage=["usage", "purchase", "loyalty"][n % 3])
    at = review_page()
    info = [i.value for i in at.info if i.value.startswith("Labelled 15.")]
    assert info, [i.value for i in at.info]
    assert "agrees with" in info[0] and "95% interval" in info[0] and "before learning from them" in info[0]


def test_the_review_page_in_japanese(tagged_db):
    at = review_page("ja")
    assert at.title[0].value == "確認・修正"
    assert set(at.dataframe[0].value["確からしさ"]) <= {"確か", "おそらく", "自信なし"}
