"""Which industry preset a file's comments speak: trade words counted over the comments, for the owner to
confirm after their first import (never applied silently).

Each trade has words its customers use and other trades' rarely do (温泉, 客室, check-in for a hotel;
試着, サイズ, fit, fabric for clothing): never words every trade's customers use (美味しい, 便利, staff). A preset is suggested when enough comments use its words and clearly more
than any other trade's; otherwise the generic preset is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

GENERIC = "default"
MIN_SHARE = 0.04       # at least this share of the comments must use the trade's words
MIN_LEAD = 1.5         # and this many times as many comments as the runner-up trade
SAMPLE = 5000          # comments looked at (the first ones; enough to tell a trade)

# Words a trade's customers use. Japanese is matched as a substring, English as whole words (lower case).
TRADE_WORDS: dict[str, dict[str, list[str]]] = {
    "restaurant": {
        "ja": ["料理", "ランチ", "ディナー", "メニュー", "コーヒー", "珈琲", "ラーメン", "定食", "居酒屋", "注文",
               "スイーツ", "ケーキ", "パン屋", "テイクアウト", "カフェ", "飲食店", "店内", "味付け", "ドリンク"],
        "en": ["food", "meal", "menu", "dish", "dishes", "lunch", "dinner", "waiter", "waitress", "coffee",
               "latte", "espresso", "barista", "restaurant", "cafe", "café", "dessert", "takeout", "chef",
               "flavor", "flavour", "pastry"],
    },
    "retail": {
        "ja": ["サイズ", "試着", "生地", "着心地", "色味", "品揃え", "在庫", "返品", "通販", "発送", "梱包", "レジ",
               "入荷", "品切れ", "買い物"],
        "en": ["size", "sizes", "fit", "fits", "fabric", "dress", "dresses", "shirt", "sweater", "jeans", "skirt",
               "tops", "petite", "material", "wear", "wore", "ordered", "returned", "shipping", "purchased",
               "bought", "checkout"],
    },
    "hotel": {
        "ja": ["観光", "旅館", "ホテル", "温泉", "客室", "朝食", "夕食", "チェックイン", "景色", "景観", "名所",
               "旅行", "土産", "道の駅", "宿泊", "旅先", "散策", "名物", "絶景"],
        "en": ["hotel", "room", "rooms", "stay", "stayed", "check-in", "checkin", "front desk", "ryokan",
               "onsen", "sightseeing", "tourist", "tourists", "scenery", "resort", "souvenir", "souvenirs",
               "trip", "travel"],
    },
    "beauty": {
        "ja": ["美容室", "美容院", "パーマ", "ネイル", "まつげ", "エステ", "施術", "スタイリスト", "サロン", "ジム",
               "トレーナー", "マッサージ", "脱毛", "ヘアカット", "カラーリング"],
        "en": ["haircut", "hair", "salon", "stylist", "nail", "nails", "manicure", "facial", "massage", "spa",
               "gym", "trainer", "workout", "lashes", "waxing"],
    },
    "clinic": {
        "ja": ["診察", "医師", "看護師", "治療", "歯科", "歯医者", "病院", "クリニック", "処方", "症状", "検査",
               "診療", "受診", "患者"],
        "en": ["doctor", "nurse", "clinic", "patient", "patients", "dentist", "dental", "diagnosis",
               "prescription", "medical", "receptionist", "symptoms", "waiting room", "hospital"],
    },
    "software": {
        "ja": ["アプリ", "ログイン", "アップデート", "バグ", "不具合", "画面", "ダウンロード", "インストール", "課金",
               "サブスク", "エラー", "機能", "操作性"],
        "en": ["app", "apps", "login", "log in", "update", "feature", "features", "bug", "bugs", "crash",
               "crashes", "download", "install", "subscription", "interface", "error", "sync", "software"],
    },
    "transport": {
        "ja": ["新幹線", "飛行機", "航空", "座席", "遅延", "運賃", "乗務員", "空港", "乗り換え", "運転手", "フェリー",
               "搭乗", "乗車", "車内", "路線"],
        "en": ["flight", "flights", "airline", "plane", "seat", "seats", "delayed", "crew", "boarding",
               "baggage", "luggage", "train", "bus", "driver", "airport", "fare", "cabin", "taxi"],
    },
}

_ENGLISH = {trade: re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(words["en"], key=len, reverse=True))
                              + r")\b", re.IGNORECASE)
            for trade, words in TRADE_WORDS.items()}


@dataclass
class Suggestion:
    """The preset to suggest, the share of comments that speak its trade, and the words that decided."""

    preset: str
    share: float
    words: list[tuple[str, int]] = field(default_factory=list)   # (word, comments using it), most first
    shares: dict[str, float] = field(default_factory=dict)       # every trade's share, for the record


def trade_hits(text: str) -> dict[str, set[str]]:
    """Trade → the trade words one comment uses."""
    lowered = text.lower()
    hits: dict[str, set[str]] = {}
    for trade, words in TRADE_WORDS.items():
        found = {w for w in words["ja"] if w in text}
        found |= {m.group(1).lower() for m in _ENGLISH[trade].finditer(lowered)}
        if found:
            hits[trade] = found
    return hits


def suggest_preset(texts: Iterable[str]) -> Suggestion:
    """The preset whose trade words the comments use most, when enough of them do and clearly more than
    another trade's; the generic preset otherwise."""
    comments = 0
    per_trade: Counter[str] = Counter()
    per_word: dict[str, Counter[str]] = {trade: Counter() for trade in TRADE_WORDS}
    for text in texts:
        if comments >= SAMPLE:
            break
        if not isinstance(text, str) or not text.strip():
            continue
        comments += 1
        for trade, words in trade_hits(text).items():
            per_trade[trade] += 1
            per_word[trade].update(words)
    if not comments:
        return Suggestion(GENERIC, 0.0)
    shares = {trade: per_trade[trade] / comments for trade in TRADE_WORDS}
    ranked = sorted(shares, key=shares.get, reverse=True)
    best, runner_up = ranked[0], shares[ranked[1]]
    if shares[best] < MIN_SHARE or shares[best] < MIN_LEAD * runner_up:
        return Suggestion(GENERIC, shares[best], shares=shares)
    return Suggestion(best, shares[best], per_word[best].most_common(5), shares)
