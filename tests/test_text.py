"""Text: language guess, normalisation, personal-data masking (what must and must not be masked)."""

import pytest

from journey.text import detect_lang, mask_pii, normalise


@pytest.mark.parametrize("text, lang", [("とても美味しかった", "ja"), ("カフェ", "ja"), ("Great coffee", "en"),
                                        ("★★★", "und"), ("Wi-Fiが遅い", "ja")])
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang


def test_normalise_unifies_width_and_line_breaks():
    assert normalise(" ＡＢＣ１２３\r\n次の行 ") == "ABC123\n次の行"


@pytest.mark.parametrize("text, expected", [
    ("連絡は tanaka.k@example.co.jp まで", "連絡は [email] まで"),
    ("電話 090-1234-5678 にください", "電話 [phone] にください"),
    ("電話 03-1234-5678 にください", "電話 [phone] にください"),
    ("call +81 90 1234 5678 please", "call [phone] please"),
    ("call (415) 555-0134 please", "call [phone] please"),
    ("〒910-0005 福井市大手", "[postal] 福井市大手"),
    ("詳しくは https://example.jp/a?b=1 を見て", "詳しくは [url] を見て"),
    ("田中様にお礼を", "[name]様にお礼を"),
    ("スタッフの佐藤さんが親切", "スタッフの[name]さんが親切"),
    ("Thanks to Mr. Smith and Yuki-san", "Thanks to [name] and [name]-san"),
])
def test_mask_pii_masks_personal_data(text, expected):
    assert mask_pii(text) == expected


@pytest.mark.parametrize("text", [
    "価格は1,280円でした", "2026/03/01に購入", "型番AB-1234を注文", "3,500円のコース",
    "店員さんが親切でした", "お客様対応が良い", "10時から18時まで営業", "ver 3.3.0 でログインできない",
    "Order #12345 arrived", "It cost $45.99 on 03/14/2026",
])
def test_mask_pii_leaves_prices_dates_and_codes(text):
    assert mask_pii(text) == text


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
