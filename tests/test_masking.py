"""Masking: what must be masked (in full-width and Japanese forms, whole names only) and what must stay
(shops, trades, roles, お〜さん, historical clans, prices, dates, codes)."""

from __future__ import annotations

import re

import pytest

from journey.masking import mask_pii, pii_spans
from tests.conftest import ROOT


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
def test_masks_personal_data(text, expected):
    assert mask_pii(text) == expected


@pytest.mark.parametrize("text, expected", [
    # Full-width and Japanese forms that went through (issue 14).
    ("０９０－１２３４－５６７８に連絡ください", "[phone]に連絡ください"),
    ("090ー1234ー5678に連絡ください", "[phone]に連絡ください"),
    ("〒１２３－４５６７ 京都市", "[postal] 京都市"),
    ("hanako＠example.jp まで", "[email] まで"),
    ("やまだ様、ありがとう", "[name]様、ありがとう"),
    # Phone numbers written against Japanese text (the old pattern wanted a non-letter before them).
    ("連絡先は090-1234-5678です", "連絡先は[phone]です"),
    ("代表は０３（１２３４）５６７８です", "代表は[phone]です"),
    ("075‐123‐4567（‐ is U+2010）", "[phone]（‐ is U+2010）"),
    ("郵便番号600-8001へ", "[postal]へ"),
    ("ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｊｐを見た", "[url]を見た"),
    ("詳しくはhttps://example.jp/campaignをご覧ください", "詳しくは[url]をご覧ください"),
])
def test_masks_full_width_and_japanese_forms(text, expected):
    assert mask_pii(text) == expected


@pytest.mark.parametrize("text", [
    "佐々木様", "長谷川太郎様", "ヤマダタロウ様", "高橋 健一様", "高橋　健一様", "髙橋さん", "渡邉さん", "ﾔﾏﾀﾞ様",
    "まりこさん", "けんたくん", "さくらちゃん", "山田様宛", "伊藤先生", "木村氏",
])
def test_a_name_is_masked_whole(text):
    """佐々[name]様, 長[name]様, ヤマ[name]様 and 高橋 [name]様 left part of the name showing."""
    masked = mask_pii(text)
    assert masked.startswith("[name]") and not re.search(r"[\u3041-\u30ff\u4e00-\u9fff々]\[name\]", masked)


@pytest.mark.parametrize("text", [
    # Shops, trades and roles (issue 13: お蕎麦屋さん → お[name]さん and the like)
    "お蕎麦屋さんの天ぷら", "パン屋さんより安い", "お坊さんのお話", "八百屋さん", "うどん屋さん", "こもれび珈琲さんの豆",
    "松葉堂さんの和菓子", "永平寺さんは立派", "ヤマト運輸さんの配達", "店員さんが親切", "運転手さん", "看護師さん",
    "添乗員さん", "スタッフさん", "バスガイドさん", "作家さんの器", "農家さんから", "職人さん", "女将さん", "大家さん",
    # お〜さん, お〜様 and relations
    "お客様", "お客さん", "お医者さん", "お巡りさん", "お隣さん", "お寺さん", "お母さん", "ご主人様", "お子様", "奥様",
    "旦那さん", "娘さん", "子供さん", "おばあちゃん", "ひいおばあちゃん", "ワンちゃん", "皆さん", "皆様", "みなさん",
    # Historical clans and words with 様/氏/さん inside
    "朝倉氏の館跡", "一乗谷朝倉氏遺跡", "徳川氏ゆかりの寺", "織田氏の城下町", "氏名欄", "彼氏と", "同氏の作品",
    "様々なメニュー", "前回と同様に", "アプリの仕様", "多種多様", "上記同様", "お疲れ様", "ごちそうさま", "おかげさまで",
    "たくさん買った", "もっとたくさんの人", "盛りだくさん", "ちゃんと説明してくれた", "少ない様に感じる", "高さまで上がった",
    # Prices, dates, times, numbers and codes
    "価格は1,280円でした", "2026/03/01に購入", "型番AB-1234を注文", "3,500円のコース", "10時から18時まで営業",
    "ver 3.3.0 でログインできない", "Order #12345 arrived", "It cost $45.99 on 03/14/2026", "注文番号 20261001234",
    "会員番号 1234-5678-9012", "JANコード4901234567890", "1203号室", "朝食は7:00-9:30", "Awww... so cute",
])
def test_words_that_must_stay(text):
    assert mask_pii(text) == text


def test_spans_point_into_the_text_as_written():
    text = "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐか０９０－１２３４－５６７８へ"
    spans = pii_spans(text)
    assert [(text[s.start:s.end], s.kind) for s in spans] == [("ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ", "email"),
                                                              ("０９０－１２３４－５６７８", "phone")]


def _labelled(path) -> list[tuple[str, list[tuple[int, int]], list[str]]]:
    """(text, spans of personal data, what is there) of each comment in a labelled masking file."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, spans, last = "", [], 0
        for match in re.finditer(r"\{\{(\w+):(.+?)\}\}", line):
            text += line[last:match.start()]
            spans.append((len(text), len(text) + len(match.group(2))))
            text += match.group(2)
            last = match.end()
        out.append((text + line[last:], spans))
    return out


def test_the_labelled_dev_set_is_masked_exactly():
    """The 125 comments the masker was tuned on (bench/masking.py scores it and the held-out half): every
    item masked in full, nothing else masked."""
    comments = _labelled(ROOT / "bench" / "labels" / "masking_dev.txt")
    assert len(comments) >= 100
    wrong = [(text, spans, [(s.start, s.end) for s in pii_spans(text)]) for text, spans in comments
             if not _covers(pii_spans(text), spans)]
    assert wrong == []


def _covers(found, spans) -> bool:
    """Every labelled span inside a found one, and every found span on a labelled one."""
    inside = all(any(f.start <= s and e <= f.end for f in found) for s, e in spans)
    on_labels = all(any(f.start < e and s < f.end for s, e in spans) for f in found)
    return inside and on_labels
