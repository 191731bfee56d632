"""Text: language guess, normalisation, sentence units (masking: tests/test_masking.py)."""

import pytest

from journey.text import detect_lang, normalise


@pytest.mark.parametrize("text, lang", [("とても美味しかった", "ja"), ("カフェ", "ja"), ("Great coffee", "en"),
                                        ("★★★", "und"), ("Wi-Fiが遅い", "ja")])
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang


def test_normalise_unifies_width_and_line_breaks():
    assert normalise(" ＡＢＣ１２３\r\n次の行 ") == "ABC123\n次の行"


@pytest.mark.parametrize("text, units", [
    ("スタッフがとても親切でした。コーヒーも美味しかった！でも席が狭い。",
     ["スタッフがとても親切でした。", "コーヒーも美味しかった！", "でも席が狭い。"]),
    ("豆が届くまで1週間かかりました。\n梱包は丁寧でした。", ["豆が届くまで1週間かかりました。", "梱包は丁寧でした。"]),
    ("The fabric is lovely. But it runs small, so size up.", ["The fabric is lovely.", "But it runs small, so size up."]),
    ("Great. Fast. Friendly staff and nice music.", ["Great. Fast. Friendly staff and nice music."]),
    ("良い。", ["良い。"]),
])
def test_split_units(text, units):
    from journey.text import split_units
    assert split_units(text) == units
