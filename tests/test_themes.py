"""Themes: Japanese tokenised with SudachiPy, c-TF-IDF names, clusters with representative quotes; pain
themes from negative sentences only, never a non-answer or a mask token."""

import csv

import numpy as np
import pandas as pd
import pytest

from journey.embed import HashingEmbedder
from journey.filters import Filters
from journey.ingest import import_file
from journey.store import connection, tags
from journey.tagging import tag_database
from journey.themes import class_tfidf, find_themes, is_non_answer, keywords_of, themes_for_stage
from tests.conftest import failures_at_once


def test_japanese_is_tokenised_not_split_on_spaces():
    words = keywords_of("駐車場が狭くて停めにくかった。ログインの不具合が直らない")
    assert {"駐車場", "狭い", "ログイン", "不具合"} <= set(words)
    assert "が" not in words and "の" not in words


def test_english_words_without_stop_words():
    assert keywords_of("The checkout page crashed twice") == ["checkout", "page", "crashed", "twice"]


def test_class_tfidf_prefers_words_distinctive_of_a_cluster():
    names = class_tfidf([["駐車場", "狭い", "駐車場", "店"], ["ログイン", "エラー", "店"]], top=2)
    assert names[0][0] == "駐車場" and names[1][0] in {"ログイン", "エラー"}
    assert "店" not in names[0][:1]


def test_find_themes_groups_similar_sentences_and_quotes_the_closest():
    rng = np.random.default_rng(0)
    a, b = np.eye(8)[0], np.eye(8)[1]
    x = np.vstack([a + 0.05 * rng.normal(size=8) for _ in range(10)] + [b + 0.05 * rng.normal(size=8) for _ in range(6)])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    texts = [f"駐車場が狭い{i}回目" for i in range(10)] + [f"ログインできない{i}" for i in range(6)]
    units = pd.DataFrame({"text": texts, "comment_id": range(16),
                          "responded_at": pd.to_datetime(["2026-05-01"] * 8 + ["2026-06-01"] * 8)})
    themes = find_themes(units, x.astype(np.float32), max_themes=2)
    assert [t.size for t in themes] == [10, 6]
    assert "駐車場" in themes[0].keywords and "ログイン" in themes[1].keywords
    assert len(themes[0].quotes) == 3 and all("駐車場" in q["text"] for q in themes[0].quotes)
    assert len({q["text"] for q in themes[0].quotes}) == 3  # no quote twice
    assert themes[0].monthly == {"2026-05": 8, "2026-06": 2}


# --- honest themes: the right sentiment, no non-answers, no mask tokens -------------------------


@pytest.mark.parametrize("text", ["特になし", "特になし。", "なし", "特に無し", "特にありません", "特にないです",
                                  "特に問題なし", "n/a", "N/A", "None.", "nothing", "No comment", "-", "…",
                                  "ありがとうございました！", "Thanks!"])
def test_non_answers_are_recognised(text):
    assert is_non_answer(text)


@pytest.mark.parametrize("text", ["駐車場がない", "ない物が多い", "特に接客が良かった", "ナシゴレンが美味しい",
                                  "Nothing beats this coffee", "No parking at all", "ありがとうの一言が欲しい"])
def test_answers_with_content_are_not_non_answers(text):
    assert not is_non_answer(text)


def test_mask_tokens_and_html_entities_are_never_key_words():
    words = keywords_of("[name]さんの対応が丁寧だった。[email]に連絡&hellip;")
    assert "対応" in words
    assert not {"name", "ネーム", "email", "hellip", "メール"} & set(words)
    assert keywords_of("Ask [name] at the counter&hellip; great") == ["ask", "counter", "great"]


def test_quotes_are_the_clearest_of_the_most_typical_sentences():
    x = np.tile(np.eye(4)[0], (6, 1)).astype(np.float32)
    x[:, 1] = np.linspace(0.0, 0.05, 6)  # the first sentence is the most typical
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    units = pd.DataFrame({"text": [f"駐車場が狭い{i}" for i in range(6)], "comment_id": range(6),
                          "responded_at": pd.to_datetime(["2026-05-01"] * 6),
                          "strength": [0.1, 0.2, 3.0, 0.3, 2.0, 1.0]})
    quotes = [q["text"] for q in find_themes(units, x, max_themes=1)[0].quotes]
    assert quotes == ["駐車場が狭い2", "駐車場が狭い4", "駐車場が狭い5"]


SURVEY = [("回答日時", "交通手段の満足度", "交通手段の満足度の理由", "ご意見")] + [
    (f"2026-05-{day:02d} 10:00", score, reason, opinion) for day, (score, reason, opinion) in enumerate([
        ("とても満足", "道も空いていて運転しやすかった。", "特になし"),
        ("とても不満", "駐車場が狭くて停められなかった。", "駐車場をもっと広くしてほしいです。"),
        ("不満", "駐車場の入口が分かりにくかった。", "特になし"),
        ("とても満足", "駐車場が広くて停めやすかった。", "なし"),
        ("どちらでもない", "駐車場の案内が少なかった。", "n/a"),
        ("不満", "駐車場までの道が混んでいた。", "特にありません"),
        ("とても不満", "駐車場の料金が高すぎる。", "[name]さんの駐車場の誘導が遅かった。"),
    ], start=1)]


@pytest.fixture
def misread_survey(db_path, tmp_path):
    """A survey whose every sentence the tagger read as a negative remark about usage: the misreading the
    weekly pack quoted as a pain point (「道も空いていて運転しやすかった」 under 不満)."""
    path = tmp_path / "survey.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(SURVEY)
    import_file(path, db_path, overrides=["comment=交通手段の満足度の理由", "comment=ご意見",
                                          "score:csat_1_5=交通手段の満足度"])
    with connection.Database(db_path).connect() as con:
        tag_database(con, HashingEmbedder())
        con.execute("UPDATE tags SET stage = 'usage', sentiment = 'negative', sentiment_score = -1.0")
        con.execute("UPDATE comment_tags SET stage = 'usage', stages = 'usage', sentiment = 'negative'")
    return db_path


COMPLAINTS = {"駐車場が狭くて停められなかった。", "駐車場の入口が分かりにくかった。", "駐車場の案内が少なかった。",
              "駐車場までの道が混んでいた。", "駐車場の料金が高すぎる。", "駐車場をもっと広くしてほしいです。",
              "[name]さんの駐車場の誘導が遅かった。"}


def theme_texts(db_path, sentiment: str = "negative") -> tuple[set[str], list]:
    """(every sentence the themes are built from, the themes)."""
    from journey.store import dashboard

    with connection.Database(db_path).connect() as con:
        units = dashboard.theme_units(con, Filters(), "usage", sentiment)
        found = themes_for_stage(con, Filters(), "usage", sentiment)
    return set(units["text"]), found


def test_praise_given_with_the_top_score_is_never_a_pain_point(misread_survey):
    texts, found = theme_texts(misread_survey)
    assert "道も空いていて運転しやすかった。" not in texts and "駐車場が広くて停めやすかった。" not in texts
    assert COMPLAINTS <= texts  # a reason given with 不満 or どちらでもない stays, and so do other answers
    assert sum(theme.size for theme in found) == len(COMPLAINTS)


def test_non_answers_and_mask_tokens_never_become_themes(misread_survey):
    _, found = theme_texts(misread_survey)
    quotes = {q["text"] for theme in found for q in theme.quotes}
    words = {w for theme in found for w in theme.keywords}
    assert quotes and quotes <= COMPLAINTS  # 特になし, なし, n/a, 特にありません are never quoted
    assert not {"name", "ネーム", "なし", "特に"} & words


def test_an_owner_correction_of_a_one_sentence_comment_decides_its_sentiment(misread_survey):
    with connection.Database(misread_survey).connect() as con:
        comment = con.execute("SELECT comment_id FROM units WHERE text = ?", ["駐車場の案内が少なかった。"]).fetchone()[0]
        tags.save_human_tag(con, comment, sentiment="positive")
    pains, _ = theme_texts(misread_survey)
    _, praise = theme_texts(misread_survey, "positive")
    assert {t for t in pains if not is_non_answer(t)} == COMPLAINTS - {"駐車場の案内が少なかった。"}
    assert [q["text"] for theme in praise for q in theme.quotes] == ["駐車場の案内が少なかった。"]


def test_two_sessions_can_name_themes_at_the_same_time():
    """A Sudachi tokenizer refuses a second thread ("Tokenizer is already in use"): two sessions drawing
    the Stage page at once got that traceback."""
    text = "駐車場が狭くて停めにくかった。ログインの不具合が直らない。" * 20

    def name_themes() -> None:
        assert "駐車場" in keywords_of(text)

    failures = failures_at_once(name_themes, threads=4, repeats=30)
    assert failures == []


def test_a_latin_word_in_japanese_text_is_one_key_word():
    """The funnel's top pain point read 「アプリ · Google · google」: Sudachi's noun and the English pass's word."""
    words = keywords_of("Googleでログインできない。Google連携が切れる。ＰａｙＰａｙが使えない")
    assert words.count("google") == 2 and "Google" not in words and "paypay" in words
