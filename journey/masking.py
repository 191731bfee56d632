"""Personal-data masking: e-mail addresses, URLs, 〒 postal codes, phone numbers and names marked by an
honorific (様, さん, 氏, くん, ちゃん, 先生; Mr/Ms/Dr, -san) become [email], [url], [postal], [phone], [name].

Patterns run on a width-folded copy of the text (full-width Ｌｅｔｔｅｒｓ, ０-９, ＠, －, （ and the
ideographic space read as ASCII; same length, so what is found maps back to the text as written), and
phone numbers and postal codes accept every dash Japanese text uses (- ‐ − － ー ｰ).

A name is the whole run of kanji, katakana or hiragana before the honorific (with a space inside for
"高橋 健一様"), so no part of it is left showing. It stays when the run is a word for a role or a
relation (店員さん, 運転手さん, お客様, 皆さん, たくさん), a shop or trade (パン屋さん, お蕎麦屋さん,
こもれび珈琲さん, 作家さん), a word with お/ご in front (お坊さん, お疲れ様, ご主人様), a word ending in
様 (様々, 同様, 仕様, 多種多様) or a historical clan before 氏 (朝倉氏, 徳川氏). Measured with
bench/masking.py on 250 labelled comments (README: Privacy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDERS = {"email": "[email]", "url": "[url]", "postal": "[postal]", "phone": "[phone]", "name": "[name]"}

# Full-width ASCII (U+FF01–FF5E) and the ideographic space, folded to ASCII one character for one.
_WIDTH_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_DASH = r"[-\u2010-\u2015\u2212\u30fc\uff70]"   # - ‐ ‑ ‒ – — ― − ー ｰ
_DIGITS = re.compile(r"\d\d\d")
_NOT_DIGIT_BEFORE = r"(?<![0-9A-Za-z.+-])"
_NOT_DIGIT_AFTER = r"(?![0-9A-Za-z])"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_URL = re.compile(r"(?:https?://|(?<![A-Za-z0-9])www\.)[A-Za-z0-9][A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]*",
                  re.IGNORECASE)
_POSTAL = re.compile(rf"(?:〒\s?|郵便番号[:：]?\s?)\d{{3}}{_DASH}?\d{{4}}{_NOT_DIGIT_AFTER}")
_PHONE = re.compile(
    _NOT_DIGIT_BEFORE + r"(?:"
    rf"\+\d{{1,3}}[\s.]?(?:\(\d{{1,4}}\)|\d{{1,4}})(?:[\s.]?{_DASH}?[\s.]?\d{{2,4}}){{2,3}}"   # +81 90 1234 5678
    rf"|\(0\d{{1,4}}\)\s?\d{{1,4}}{_DASH}\d{{3,4}}"                                          # (03)1234-5678
    rf"|0\d{{1,4}}(?:{_DASH}|\s)\d{{1,4}}(?:{_DASH}|\s)\d{{3,4}}"                           # 090-1234-5678
    rf"|0\d{{1,4}}\(\d{{1,4}}\)\d{{3,4}}"                                                    # 03(1234)5678
    r"|0[5789]0\d{8}|0120\d{6}"                                                               # 09012345678
    rf"|\(\d{{3}}\)\s?\d{{3}}{_DASH}\d{{4}}|\d{{3}}{_DASH}\d{{3}}{_DASH}\d{{4}}"              # (415) 555-0100
    r")" + _NOT_DIGIT_AFTER)

# --- names -----------------------------------------------------------------------------------------
_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶヵ"
_KATAKANA = "\u30a1-\u30fa\u30fc\u30fb\uff66-\uff9f"   # ァ-ヺ, ー, ・, half-width ｦ-ﾟ
_HIRAGANA = "\u3041-\u3096"
_NAME_CHAR = re.compile(f"[{_KANJI}{_KATAKANA}]")
_KANA_CHAR = re.compile(f"[{_HIRAGANA}]")
# 様 before 々 or a kanji is 様々, 様子, 様式 (but 様宛, 様方 follow a name); 氏 before a kanji is 氏名,
# 氏族, 朝倉氏遺跡.
_HONORIFIC = re.compile(f"様(?=宛|方|[^{_KANJI}]|$)|さま|さん|くん|ちゃん|氏(?![{_KANJI}])|先生")
_MAX_NAME = 8          # longer runs are compound words, not names
_PARTICLES = set("のはがをにへとでも")
# After a hiragana name, the honorific ends the word: followed by a particle, punctuation or nothing
# (やまださんが), not by more of a word (さんぽ, さんかく).
_AFTER_KANA_NAME = set("のはがをにへとでもやねよかちた")

# Words (kanji/katakana) that take an honorific but are not names: roles, relations, trades, animals.
# A run ending in one of these is not a name either (バスガイドさん, 日本人皆さん), except for the single
# kanji that also end given names (花子, 和夫, 修平), which must be the whole run.
_NOT_NAMES = set("""
皆 客 常連 店員 職員 駅員 社員 係員 店長 社長 部長 課長 会長 院長 園長 所長 館長 局長 署長 支配人 女将 大将 板前 仲居
番頭 先生 先輩 後輩 師匠 親方 運転手 大工 職人 料理人 管理人 主人 友人 恋人 住人 商人 芸人 蔵元 杜氏 漁師 医師 庭師 酒蔵
息子 祖父 祖母 叔父 叔母 伯父 伯母 旦那 彼女 彼氏 友達 仲間 家族 親御 子供 王子 天神 観音 地蔵 稲荷 大家
スタッフ ドライバー ガイド シェフ コック パティシエ オーナー マスター ママ パパ バリスタ ソムリエ トレーナー
インストラクター セラピスト スタイリスト ナース ホスト ゲスト ファン ユーザー メーカー カフェ ホテル ショップ サンタ
ベーカリー レストラン サロン クリニック ストア マート パート バイト アルバイト オペレーター コンシェルジュ
アテンダント ワン ニャン ネコ イヌ
""".split())
_WHOLE_RUN_ONLY = set("子 娘 孫 母 父 兄 姉 弟 妹 嫁 婿 夫 妻 奥 彼 親 赤 王 姫 殿 神 仏 婆 爺 係 同 両 各 諸 某 源 平 伊勢".split())
# A run that ends in one of these names a shop, a company, a temple or a trade: パン屋さん, 松葉堂さん,
# 永平寺さん, ヤマト運輸さん, 作家さん.
_NOT_NAME_ENDINGS = tuple("""
屋 店 堂 亭 庵 舗 館 園 荘 社 局 所 院 家 者 員 師 工 宿 寺 商店 珈琲 食堂 酒造 醸造 旅館 工房 農園 牧場 運輸 急便
銀行 役所 病院 医院 薬局 書店 放送 新聞 鉄道 電鉄 交通 観光 協会 組合 商会 会社 製菓 物産 水産 工業 産業 商事
""".split())
_SURNAMES_WITH_THOSE_ENDINGS = {"小野寺"}  # a surname that ends like a temple's name
# Roles written straight before a name: 受付中村さん → 受付 stays.
_ROLE_PREFIXES = ("受付", "担当", "店員", "店長", "社長", "部長", "課長", "主任", "係", "看護師", "薬剤師", "医師",
                  "院長", "担任", "講師", "運転手", "支配人", "女将", "ガイド", "スタッフ", "シェフ", "オーナー",
                  "ドライバー", "レジ", "フロント")
# Words ending in 様 (同様, 仕様, 模様, 多種多様), less the 様. Those in _SAMA_ENDINGS cannot end a name,
# so any run ending in them is such a word (上記同様); the others must be the whole run (健一様 is a name).
_SAMA_ENDINGS = ("同", "仕", "模", "異", "多種多")
_SAMA_WORDS = set("一多各文紋今図両別態有")
# Historical clans, as in 一乗谷朝倉氏遺跡 and 徳川氏ゆかりの寺: 氏 names the family, not a person today.
_CLANS = tuple("""
朝倉 徳川 織田 豊臣 武田 上杉 北条 足利 源 平 藤原 前田 伊達 毛利 島津 松平 真田 今川 浅井 柴田 明智 細川 黒田 井伊
尼子 大内 長宗我部 蘇我 物部 大友 最上 佐竹 里見 斯波 畠山 京極 六角 山名 赤松 一色 小早川 宇喜多 蜂須賀 丹羽 結城
""".split())
# Hiragana words before さん/さま that are not names: たくさん, 盛りだくさん, みなさん, おばさん.
_KANA_WORD_ENDINGS = ("たく", "だく", "みな", "みんな", "おじ", "おば", "おじい", "おばあ", "ばあ", "じい", "おねえ",
                      "おにい", "おかあ", "おとう", "おかみ", "こども")
# (3 kana or more ending in や is a shop written in kana: べにやさん, はんぺんやさん.)
_KANA_WORDS = {"ねえ", "にい", "かあ", "とう", "ねぇ", "ちい", "ぼっ", "ぼう", "あか", "いぬ", "ねこ", "わん"}
_CLOSING = set("」』）)】]")
_TITLE_EN = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?")
_SAN_EN = re.compile(r"\b[A-Z][a-z]+(?=[- ]san\b)")


@dataclass(frozen=True)
class Span:
    """A stretch of personal data in a text: [start, end) and its kind (a PLACEHOLDERS key)."""

    start: int
    end: int
    kind: str


def pii_spans(text: str) -> list[Span]:
    """Where personal data sits in `text`, in order, never overlapping; positions are in `text` as written."""
    view = text.translate(_WIDTH_FOLD)
    found: list[Span] = []

    def add(start: int, end: int, kind: str) -> None:
        if end > start and not any(start < other.end and other.start < end for other in found):
            found.append(Span(start, end, kind))

    # Cheap checks first: most comments hold none of these.
    if "@" in view:
        for match in _EMAIL.finditer(view):
            add(*match.span(), "email")
    lowered = view.lower()
    if "http" in lowered or "www." in lowered:
        for match in _URL.finditer(view):
            url = match.group().rstrip(".,;:!?)'")  # the sentence's punctuation is not part of the address
            add(match.start(), match.start() + len(url), "url")
    if _DIGITS.search(view):
        if "〒" in view or "郵便番号" in view:
            for match in _POSTAL.finditer(view):
                add(*match.span(), "postal")
        for match in _PHONE.finditer(view):
            add(*match.span(), "phone")
    for match in _HONORIFIC.finditer(view):
        name = _name_before(view, match.start(), match.group(), match.end())
        if name:
            add(*name, "name")
    if "san" in lowered or "mr" in lowered or "ms" in lowered or "dr" in lowered:
        for pattern in (_TITLE_EN, _SAN_EN):
            for match in pattern.finditer(view):
                add(*match.span(), "name")
    return sorted(found, key=lambda span: span.start)


def mask_pii(text: str) -> str:
    """`text` with every stretch of personal data replaced by its placeholder ([name], [phone], …).

    Prices, dates, times, order numbers and product codes stay as written.
    """
    spans = pii_spans(text)
    if not spans:
        return text
    parts, last = [], 0
    for span in spans:
        parts += [text[last:span.start], PLACEHOLDERS[span.kind]]
        last = span.end
    parts.append(text[last:])
    return "".join(parts)


def _name_before(view: str, at: int, honorific: str, after: int) -> tuple[int, int] | None:
    """The name an honorific at `at` follows, as (start, end), or None when the word before it is not a name."""
    if honorific == "ちゃん" and view[after:after + 1] == "と":
        return None  # ちゃんと ("properly"), far more common than a name followed by ちゃん and と
    if honorific == "さま" and view[after:after + 1] in ("で", "ざ"):
        return None  # 高さまで, さまざま
    end = at
    if end > 1 and view[end - 1] == " " and _NAME_CHAR.match(view[end - 2]):
        end -= 1  # "山田 様"
    if end == 0:
        return None
    if _NAME_CHAR.match(view[end - 1]):
        return _written_name(view, end, honorific)
    if _KANA_CHAR.match(view[end - 1]):
        return _kana_name(view, end, honorific, after)
    return None


def _run_start(view: str, end: int, char: re.Pattern) -> int:
    start = end
    while start > 0 and char.match(view[start - 1]):
        start -= 1
    return start


def _is_word(run: str) -> bool:
    """True when a kanji/katakana run before an honorific is a role, relation, shop or trade, not a name."""
    last = run.split(" ")[-1]
    if last in _WHOLE_RUN_ONLY or run in _SURNAMES_WITH_THOSE_ENDINGS:
        return last in _WHOLE_RUN_ONLY
    return any(last.endswith(word) for word in _NOT_NAMES) or last.endswith(_NOT_NAME_ENDINGS)


def _written_name(view: str, end: int, honorific: str) -> tuple[int, int] | None:
    """A name in kanji or katakana: the whole run before the honorific, with its given name after a space."""
    start = _run_start(view, end, _NAME_CHAR)
    if start >= 2 and view[start - 1] == " " and _NAME_CHAR.match(view[start - 2]):
        family = _run_start(view, start - 1, _NAME_CHAR)
        if start - 1 - family <= 4 and end - start <= 4:
            start = family  # 高橋 健一様: family name and given name
    if start > 0 and view[start - 1] in "おご":
        return None  # お坊さん, お寺さん, お客様, ご主人様, お疲れ様
    run = view[start:end]
    for prefix in _ROLE_PREFIXES:
        if run.startswith(prefix) and len(run) > len(prefix):
            start, run = start + len(prefix), run[len(prefix):]
            break
    if _is_word(run):
        return None
    if honorific == "様" and (run.endswith(_SAMA_ENDINGS) or run in _SAMA_WORDS):
        return None  # 同様, 仕様, 多種多様, 上記同様
    if honorific == "氏" and run.endswith(_CLANS):
        return None  # 朝倉氏, 一乗谷朝倉氏
    if len(run.replace(" ", "")) > _MAX_NAME:
        return None
    return start, end


def _kana_name(view: str, end: int, honorific: str, after: int) -> tuple[int, int] | None:
    """A name in hiragana (やまだ様, まりこさん): a hiragana word standing on its own before the honorific,
    not the ending of a verb or adjective (少ない様に, 着ぐるみさん) and not a common word (たくさん)."""
    following = view[after:after + 1]
    if honorific != "様" and _KANA_CHAR.match(following or "x") and following not in _AFTER_KANA_NAME:
        return None  # さんぽ, さんかく: the honorific is part of a word
    if honorific == "様" and following in ("な", "に", "だ", "で"):
        return None  # 様な, 様に: よう ("like"), after a verb
    start = _run_start(view, end, _KANA_CHAR)
    before = view[start - 1] if start > 0 else ""
    if before and (_NAME_CHAR.match(before) or before in _CLOSING):
        if view[start] in _PARTICLES and end - start > 2:
            start += 1  # 店員のやまださん → やまだ
        elif _NAME_CHAR.match(before):
            return None  # the kana ending of a word in kanji: 少ない様, 着ぐるみさん
    if view[start] in "おご" or _is_kana_word(view[start:end]):
        return None  # ごはんやさん, おばあちゃん
    for i in range(end - 3, start, -1):
        if view[i] in _PARTICLES:
            start = i + 1  # 車でお迎えの方からみなさん: the word after the last particle
            break
    run = view[start:end]
    if len(run) < 2 or len(run) > 6 or run[0] in "おごんっゃゅょぁぃぅぇぉゎ" or _is_kana_word(run):
        return None
    if run[-1] in "がをにへでは" or any(h in run for h in ("さん", "さま", "くん", "ちゃん")):
        return None  # 店員さんがちゃんと: the run is the end of another word
    return start, end


def _is_kana_word(run: str) -> bool:
    """True for hiragana runs that are common words or shops, not names: たくさん, おばさん, べにやさん."""
    return run in _KANA_WORDS or run.endswith(_KANA_WORD_ENDINGS) or (len(run) >= 3 and run.endswith("や"))
