"""Themes inside a stage: sentences clustered by embedding, each named by its key words (c-TF-IDF over
Japanese tokens from SudachiPy and English words), with size, trend and representative quotes."""

from __future__ import annotations

import functools
import html
import math
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

_JA_KEEP = {"名詞", "形容詞", "動詞"}
_JA_STOP = {"こと", "もの", "よう", "ところ", "の", "する", "ある", "いる", "なる", "ない", "思う", "できる",
            "いう", "ほしい", "欲しい", "良い", "いい", "よい", "とても", "また", "今回", "感じ", "さん", "方",
            "時", "事", "物", "為", "中", "所", "的", "行く", "来る", "見る", "出来る", "ちょっと", "少し", "言う",
            "くれる", "もらう", "しまう", "おく", "みる", "前", "後", "今", "毎回", "本当", "結局"}
_EN_STOP = set("""a an the and or but if of to in on at for from by with without about as is are was were be been
being it its this that these those i me my we our you your he she they them their there here so too very
really just not no nor can could would should will shall do does did done have has had get got also than then
when what which who whom how all any some more most much many one two only even still again back out up down
over under after before because while though although into onto s t don didn isn wasn aren weren would've
i'm it's i've i'd you're we're they're can't couldn't won't wouldn't doesn't isn't wasn't aren't don't didn't
haven't hasn't dress top fit""".split())
_EN_WORD = re.compile(r"[a-z][a-z'-]{2,}")
# What masking leaves in the text ([name], [email], …) names no theme.
_MASK_TOKEN = re.compile(r"\[[a-z_]+\]")

# Answers that say nothing ("特になし", "n/a"): never a theme, whatever sentiment the tagger gave them.
_NON_ANSWER_JA = re.compile(
    r"(?:特に|とくに)?(?:は|も)?(?:何も|なにも|問題)?"
    r"(?:なし|無し|ナシ|ない|無い|ありません|ございません|なかった|無かった|ありませんでした|ございませんでした"
    r"|思いつかない|思いつきません|思い当たらない|わからない|分からない|わかりません|分かりません|不明)"
    r"(?:です|でした|。)*")
_NON_ANSWER_EN = re.compile(
    r"(?:n/?a|none|nil|nope|no|nothing|not applicable|nothing (?:else|really|to add|to say|to report|special)"
    r"|no (?:comments?|problems?|issues?|complaints?)|none really|not really)")
_THANKS = re.compile(r"(?:(?:どうも)?ありがとう(?:ございます|ございました)?|thanks?(?: you)?(?: very much| so much)?)")
_NOISE_CHARS = re.compile(r"[\s。、．，.,!！?？・…‥~〜ー\-_/\\()（）「」『』\"'*]+")


def is_non_answer(text: str) -> bool:
    """True for answers with nothing to say: 特になし, なし, ありません, n/a, none, a bare thank-you, or
    punctuation alone."""
    core = unicodedata.normalize("NFKC", html.unescape(text or "")).lower()
    core = _NOISE_CHARS.sub(" ", core).strip()
    if not core:
        return True
    squeezed = core.replace(" ", "")
    return any(pattern.fullmatch(form) for pattern in (_NON_ANSWER_JA, _NON_ANSWER_EN, _THANKS)
               for form in (core, squeezed))


@functools.lru_cache(maxsize=1)
def _dictionary():
    from sudachipy import Dictionary

    return Dictionary(dict="core")


_per_thread = threading.local()


def _tokenizer():
    """This thread's tokenizer: a Sudachi tokenizer cannot be used by two threads at once (two sessions of
    the app drawing themes), while the dictionary behind it is loaded once and shared."""
    if not hasattr(_per_thread, "tokenizer"):
        _per_thread.tokenizer = _dictionary().tokenizer()
    return _per_thread.tokenizer


def keywords_of(text: str) -> list[str]:
    """Content words of a text: Sudachi-normalised nouns, verbs and adjectives for Japanese, lower-cased
    words minus stop words for English."""
    # Entities left by an HTML export (&hellip;) and mask tokens are no words of the customer's.
    text = _MASK_TOKEN.sub(" ", html.unescape(text))
    words: list[str] = []
    if re.search(r"[\u3040-\u30ff\u3400-\u9fff]", text):
        from sudachipy import SplitMode

        for m in _tokenizer().tokenize(text, SplitMode.C):
            pos = m.part_of_speech()
            form = m.normalized_form()
            if form.isascii():
                continue  # Latin words are the English pass's (else "Google" and "google" both)
            if pos[0] in _JA_KEEP and pos[1] not in {"非自立可能", "数詞"} and form not in _JA_STOP and len(form) > 1:
                words.append(form)
    # NFKC first, so full-width Latin (ＰａｙＰａｙ) is read here too.
    words.extend(w for w in _EN_WORD.findall(unicodedata.normalize("NFKC", text).lower()) if w not in _EN_STOP)
    return words


QUOTES = 3


@dataclass
class Theme:
    """A group of similar sentences: key words, size, monthly counts, representative quotes."""

    keywords: list[str]
    size: int
    comments: int
    quotes: list[dict] = field(default_factory=list)     # text, comment_id, responded_at
    monthly: dict[str, int] = field(default_factory=dict)
    trend: float = 0.0                                    # last month's share of this theme minus the one before

    @property
    def name(self) -> str:
        return " · ".join(self.keywords[:3]) or "—"


def class_tfidf(docs: list[list[str]], top: int = 5) -> list[list[str]]:
    """Top words per cluster by class-based TF-IDF (each cluster's words as one document)."""
    counts = [Counter(d) for d in docs]
    totals = Counter()
    for c in counts:
        totals.update(c)
    average = sum(sum(c.values()) for c in counts) / max(len(counts), 1)
    out = []
    for c in counts:
        size = max(sum(c.values()), 1)
        scored = {w: (n / size) * math.log(1 + average / totals[w]) for w, n in c.items() if n >= 1}
        out.append([w for w, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:top]])
    return out


def find_themes(units: pd.DataFrame, x: np.ndarray, max_themes: int = 8, seed: int = 0,
                sample: int = 2000) -> list[Theme]:
    """Cluster sentences (units: text, comment_id, responded_at; x: their vectors) into themes, largest first.

    Above `sample` sentences the clusters and key words come from a random sample and every sentence
    is then assigned to its nearest cluster, so sizes and trends still count them all. With a `strength`
    column (how clearly a sentence carries the theme's sentiment), the quotes are the clearest of the
    most typical sentences.
    """
    n = len(units)
    if n == 0:
        return []
    k = int(min(max_themes, max(1, round(math.sqrt(min(n, sample) / 2)))))
    rng = np.random.default_rng(seed)
    picked = np.sort(rng.choice(n, size=sample, replace=False)) if n > sample else np.arange(n)
    if k > 1:
        from sklearn.cluster import KMeans

        model = KMeans(n_clusters=k, n_init=2, max_iter=60, random_state=seed).fit(x[picked])
        labels, centres = model.predict(x), model.cluster_centers_
    else:
        labels, centres = np.zeros(n, int), x.mean(axis=0, keepdims=True)
    # Key words from up to 150 sentences per theme: enough to name it, and tokenising is the slow part.
    named = np.concatenate([rng.permutation(picked[labels[picked] == c])[:150] for c in range(k)])
    texts = units["text"].tolist()
    strength = units["strength"].to_numpy(dtype="float64") if "strength" in units else None
    words = {i: keywords_of(texts[i]) for i in named}
    names = class_tfidf([[w for i in named if labels[i] == c for w in words[i]] for c in range(k)])
    months = pd.to_datetime(units["responded_at"]).dt.strftime("%Y-%m")
    all_months = sorted(months.dropna().unique())
    per_month_total = months.value_counts()
    themes = []
    for c in range(k):
        members = np.where(labels == c)[0]
        if len(members) == 0:
            continue
        closeness = x[members] @ (centres[c] / max(np.linalg.norm(centres[c]), 1e-9))
        best = members[np.argsort(-closeness)]
        candidates, seen, seen_text = [], set(), set()
        for i in best:
            comment = int(units["comment_id"].iloc[i])
            if comment not in seen and texts[i] not in seen_text:
                seen.add(comment)
                seen_text.add(texts[i])
                candidates.append(i)
            if len(candidates) == 2 * QUOTES:
                break
        if strength is not None:  # of the most typical sentences, quote those that say it most clearly
            candidates = sorted(candidates, key=lambda i: -strength[i])
        quotes = [{"text": texts[i], "comment_id": int(units["comment_id"].iloc[i]),
                   "responded_at": units["responded_at"].iloc[i]} for i in candidates[:QUOTES]]
        monthly = months.iloc[members].value_counts().reindex(all_months, fill_value=0)
        trend = 0.0
        if len(all_months) >= 2:
            last, before = all_months[-1], all_months[-2]
            trend = 100 * (monthly[last] / max(per_month_total.get(last, 0), 1)
                           - monthly[before] / max(per_month_total.get(before, 0), 1))
        themes.append(Theme(names[c], len(members), int(units["comment_id"].iloc[members].nunique()), quotes,
                            {m: int(v) for m, v in monthly.items()}, trend))
    return sorted(themes, key=lambda th: -th.size)


def themes_for_stage(con, filters, stage: str, sentiment: str = "negative", max_themes: int = 8) -> list[Theme]:
    """Pain-point (negative) or delight (positive) themes among the filtered comments of one stage.

    Only sentences of that sentiment count (see dashboard.theme_units for what overrules the tagger),
    and never an answer that says nothing (is_non_answer)."""
    from journey.store import dashboard

    units = dashboard.theme_units(con, filters, stage, sentiment)
    units = units[~units["text"].map(is_non_answer)] if len(units) else units
    if units.empty:
        return []
    units = units.reset_index(drop=True)
    x = np.frombuffer(b"".join(units["vector"]), dtype=np.float32).reshape(len(units), -1)
    return find_themes(units.drop(columns=["vector"]), x, max_themes)


__all__ = ["Theme", "class_tfidf", "find_themes", "is_non_answer", "keywords_of", "themes_for_stage"]
