"""Themes: Japanese tokenised with SudachiPy, c-TF-IDF names, clusters with representative quotes."""

import numpy as np
import pandas as pd

from journey.themes import class_tfidf, find_themes, keywords_of


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


def test_two_sessions_can_name_themes_at_the_same_time():
    """A Sudachi tokenizer refuses a second thread ("Tokenizer is already in use"): two sessions drawing
    the Stage page at once got that traceback."""
    import threading

    failures, text = [], "駐車場が狭くて停めにくかった。ログインの不具合が直らない。" * 20
    barrier = threading.Barrier(4)

    def session() -> None:
        barrier.wait()
        for _ in range(30):
            try:
                assert "駐車場" in keywords_of(text)
            except Exception as err:  # noqa: BLE001  (every failure is the finding)
                failures.append(f"{type(err).__name__}: {err}")

    threads = [threading.Thread(target=session) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
