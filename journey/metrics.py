"""Customer metrics with honest uncertainty: NPS, CSAT top-two-box, means; pure functions over numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

Z95 = 1.959963984540054
SMALL_N = 30


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95% interval and sample size; `kind` says whether it is a share, mean or NPS."""

    value: float
    low: float
    high: float
    n: int
    kind: str

    @property
    def indicative(self) -> bool:
        """Below n = 30 a figure is shown as indicative only."""
        return self.n < SMALL_N


@dataclass(frozen=True)
class NpsEstimate(Estimate):
    """A net score (NPS, net sentiment) with its counts: promoters/positive, passives/neutral, detractors/negative."""

    promoters: int = 0
    passives: int = 0
    detractors: int = 0


def net_score(positive: int, negative: int, n: int, kind: str = "net") -> Estimate | None:
    """100 × (share positive − share negative) with the adjusted-Wald 95% interval (Rocks 2016: add 3
    pseudo-answers, ¾ positive, ¾ negative, 1.5 neutral), which keeps a width for tiny or one-sided
    samples where the plain Wald interval collapses to a point. None when n = 0."""
    if n == 0:
        return None
    value = 100.0 * (positive - negative) / n
    n_adj = n + 3
    p_pos, p_neg = (positive + 0.75) / n_adj, (negative + 0.75) / n_adj
    centre = p_pos - p_neg
    half = Z95 * math.sqrt(max(p_pos + p_neg - centre**2, 0.0) / n_adj)
    return Estimate(value, 100 * max(-1.0, centre - half), 100 * min(1.0, centre + half), n, kind)


def nps(scores: pd.Series | np.ndarray | list) -> NpsEstimate | None:
    """NPS = %promoters (9–10) − %detractors (0–6), passives counted in n; None without scores."""
    values = pd.Series(scores, dtype="float64").dropna()
    n = len(values)
    if n == 0:
        return None
    promoters = int((values >= 9).sum())
    detractors = int((values <= 6).sum())
    base = net_score(promoters, detractors, n, "nps")
    return NpsEstimate(base.value, base.low, base.high, n, "nps", promoters, n - promoters - detractors, detractors)


def net_sentiment(sentiments: pd.Series | list) -> Estimate | None:
    """Net sentiment of comments: %positive − %negative (neutral counted in n), with its interval."""
    values = pd.Series(sentiments, dtype=object).dropna()
    values = values[values.isin(["positive", "neutral", "negative"])]
    pos, neg = int((values == "positive").sum()), int((values == "negative").sum())
    base = net_score(pos, neg, len(values))
    if base is None:
        return None
    return NpsEstimate(base.value, base.low, base.high, base.n, "net", pos, len(values) - pos - neg, neg)


def wilson(successes: int, n: int) -> tuple[float, float]:
    """Wilson score 95% interval for a proportion, as shares in 0..1."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = successes / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def share(hits: int, n: int) -> Estimate | None:
    """A share in % with its Wilson 95% interval; None when n = 0."""
    if n == 0:
        return None
    low, high = wilson(hits, n)
    return Estimate(100.0 * hits / n, 100 * low, 100 * high, n, "share")


def top_two_box(scores: pd.Series | list, top: int = 5) -> Estimate | None:
    """CSAT as the share (%) of answers in the top two boxes (4–5 of 5), with a Wilson interval."""
    values = pd.Series(scores, dtype="float64").dropna()
    return share(int((values >= top - 1).sum()), len(values))


def mean(scores: pd.Series | list) -> Estimate | None:
    """Mean with a t-based 95% interval (a normal one above 30 answers)."""
    values = pd.Series(scores, dtype="float64").dropna()
    n = len(values)
    if n == 0:
        return None
    m = float(values.mean())
    if n == 1:
        return Estimate(m, float("nan"), float("nan"), 1, "mean")
    from scipy import stats  # scipy comes with scikit-learn

    half = float(stats.t.ppf(0.975, n - 1)) * float(values.std(ddof=1)) / math.sqrt(n)
    return Estimate(m, m - half, m + half, n, "mean")


def negative_share(sentiments: pd.Series | list) -> Estimate | None:
    """Share (%) of comments that are negative, with a Wilson interval."""
    values = pd.Series(sentiments, dtype=object).dropna()
    values = values[values.isin(["positive", "neutral", "negative"])]
    return share(int((values == "negative").sum()), len(values))


# Per-question CSAT answers in a response frame: one column per question, "csat::" + the question, most
# answered question first (dashboard.response_facts). Questions are never pooled: "overall satisfaction",
# "staff" and "transport" are three different figures, each with its own n.
CSAT_PREFIX = "csat::"


def csat_questions(responses: pd.DataFrame) -> list[str]:
    """The CSAT questions of a response frame, most answered (in all the data) first."""
    return [c[len(CSAT_PREFIX):] for c in responses.columns if isinstance(c, str) and c.startswith(CSAT_PREFIX)]


def csat_counts(responses: pd.DataFrame, question: str | None = None) -> tuple[int, int]:
    """(top-two-box answers, answers) to one CSAT question: `question`, or the headline (most answered) one."""
    questions = csat_questions(responses)
    column = CSAT_PREFIX + (question or (questions[0] if questions else ""))
    if responses.empty or column not in responses:
        return 0, 0
    values = responses[column].dropna()
    return int((values >= 4).sum()), len(values)


def csat_share(responses: pd.DataFrame, question: str | None = None) -> Estimate | None:
    """CSAT top-two-box share of one question (default: the headline one), with a Wilson interval."""
    return share(*csat_counts(responses, question))


def csat_by_question(answers: dict[str, pd.Series] | pd.DataFrame) -> list[tuple[str, Estimate]]:
    """Top-two-box share per CSAT question, in the given order (a response frame's csat:: columns, or
    question → 1–5 answers); questions nobody answered are left out."""
    if isinstance(answers, pd.DataFrame):
        answers = {q: answers[CSAT_PREFIX + q] for q in csat_questions(answers)}
    out = []
    for question, values in answers.items():
        estimate = top_two_box(values)
        if estimate is not None:
            out.append((question, estimate))
    return out


# --- comparisons ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """A change between two samples with a two-sided test; `verdict` is improved / worsened /
    no_change / too_small (too few answers on a side to call it)."""

    before: Estimate | None
    after: Estimate | None
    change: float | None
    p_value: float | None
    verdict: str
    test: str


def _verdict(change: float, p_value: float, higher_is_better: bool, alpha: float = 0.05) -> str:
    if p_value >= alpha:
        return "no_change"
    return "improved" if (change > 0) == higher_is_better else "worsened"


def _normal_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm–Bonferroni adjusted p-values over the tests actually run (None, a test not run, stays None):
    with a dozen checks at once, one of them comes out "significant" by chance far more often than 5%."""
    ran = sorted((p, i) for i, p in enumerate(p_values) if p is not None and not math.isnan(p))
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(ran):
        running = max(running, min(1.0, (len(ran) - rank) * p))
        adjusted[i] = running
    return adjusted


def compare_nps(before: pd.Series, after: pd.Series, min_n: int = SMALL_N) -> Comparison:
    """NPS change with a z-test on the difference (variance of an NPS: p+ + p− − (p+ − p−)²)."""
    a, b = nps(before), nps(after)
    return _compare_net(a, b, "z-test on NPS difference", min_n)


def _compare_net(a: NpsEstimate | None, b: NpsEstimate | None, test: str, min_n: int) -> Comparison:
    if a is None or b is None or min(a.n, b.n) < min_n:
        return Comparison(a, b, None if a is None or b is None else b.value - a.value, None, "too_small", test)

    def variance(e: NpsEstimate) -> float:
        pp, pn = e.promoters / e.n, e.detractors / e.n
        return max(pp + pn - (pp - pn) ** 2, 1e-9) / e.n

    se = math.sqrt(variance(a) + variance(b))
    change = b.value - a.value
    p = _normal_p(change / 100 / se)
    return Comparison(a, b, change, p, _verdict(change, p, True), test)


def compare_shares(before_hits: int, before_n: int, after_hits: int, after_n: int, higher_is_better: bool,
                   min_n: int = SMALL_N) -> Comparison:
    """Change of a share (%) with a pooled two-proportion z-test."""
    a, b = share(before_hits, before_n), share(after_hits, after_n)
    test = "two-proportion z-test"
    if a is None or b is None or min(before_n, after_n) < min_n:
        return Comparison(a, b, None if a is None or b is None else b.value - a.value, None, "too_small", test)
    pooled = (before_hits + after_hits) / (before_n + after_n)
    se = math.sqrt(max(pooled * (1 - pooled) * (1 / before_n + 1 / after_n), 1e-12))
    change = b.value - a.value
    p = _normal_p((change / 100) / se)
    return Comparison(a, b, change, p, _verdict(change, p, higher_is_better), test)


def compare_means(before: pd.Series, after: pd.Series, higher_is_better: bool = True,
                  min_n: int = SMALL_N) -> Comparison:
    """Change of a mean with Welch's t-test."""
    a_values, b_values = pd.Series(before, dtype="float64").dropna(), pd.Series(after, dtype="float64").dropna()
    a, b = mean(a_values), mean(b_values)
    test = "Welch's t-test"
    if a is None or b is None or min(a.n, b.n) < min_n:
        return Comparison(a, b, None if a is None or b is None else b.value - a.value, None, "too_small", test)
    from scipy import stats

    p = float(stats.ttest_ind(b_values, a_values, equal_var=False).pvalue)
    change = b.value - a.value
    return Comparison(a, b, change, p if not math.isnan(p) else 1.0,
                      _verdict(change, p if not math.isnan(p) else 1.0, higher_is_better), test)


# --- the journey: figures per stage and touchpoint -------------------------------------------------

MIN_CELL_N = 5
CELL_METRICS = ("volume", "satisfaction", "negative_share")


def explode_stages(comments: pd.DataFrame) -> pd.DataFrame:
    """One row per (comment, stage it speaks about); unclassified and untagged comments drop out.

    Pages ask for this several times per frame, so the result is kept on the frame (`attrs`)."""
    cached = comments.attrs.get("_exploded")
    # attrs are copied to derived frames, so the cache is keyed to this very frame.
    if cached is not None and cached[0] == (id(comments), len(comments)):
        return cached[1]
    if comments.empty:
        out = comments.assign(stage_key=pd.Series(dtype=object))
    else:
        stages = comments["stages"].fillna("").astype(object).str.split("|")
        out = comments.assign(stage_key=stages).explode("stage_key")
        out = out[out["stage_key"].fillna("") != ""]
    out.attrs = {}
    comments.attrs["_exploded"] = ((id(comments), len(comments)), out)
    return out


def stage_curve(comments: pd.DataFrame, stage_keys: list[str], measure: str = "net_sentiment") -> pd.DataFrame:
    """Per stage in journey order: n, value, low, high for net sentiment (−100…100) or mean satisfaction
    (1–5, from the response's rating)."""
    rows = explode_stages(comments)
    out = []
    for key in stage_keys:
        part = rows[rows["stage_key"] == key]
        estimate = net_sentiment(part["sentiment"]) if measure == "net_sentiment" else mean(part["rating"])
        out.append({"stage": key, "order": stage_keys.index(key), "n": 0 if estimate is None else estimate.n,
                    "value": None if estimate is None else estimate.value,
                    "low": None if estimate is None else estimate.low,
                    "high": None if estimate is None else estimate.high})
    return pd.DataFrame(out)


def heatmap(comments: pd.DataFrame, stage_keys: list[str], touchpoint_keys: list[str],
            measure: str = "negative_share", min_n: int = MIN_CELL_N) -> pd.DataFrame:
    """Stage × touchpoint cells: n, value of `measure` (volume, satisfaction = mean 1–5 rating,
    negative_share = % negative comments) and `small` when n < min_n (value then shown as indicative)."""
    rows = explode_stages(comments)
    rows = rows[rows["touchpoint"].isin(touchpoint_keys)]
    rows = rows.assign(negative=(rows["sentiment"] == "negative").astype(int))
    grouped = rows.groupby(["stage_key", "touchpoint"], observed=True)
    table = grouped.agg(n=("comment_id", "size"), satisfaction=("rating", "mean"),
                        negatives=("negative", "sum")).reset_index()
    table["negative_share"] = 100.0 * table["negatives"] / table["n"]
    table["volume"] = table["n"].astype(float)
    table["value"] = table[measure]
    table["small"] = table["n"] < min_n
    table = table.rename(columns={"stage_key": "stage"})
    table["stage_order"] = table["stage"].map({k: i for i, k in enumerate(stage_keys)})
    return table[["stage", "touchpoint", "n", "value", "small", "stage_order", "satisfaction", "negative_share"]]


def nps_impact(comments: pd.DataFrame, responses: pd.DataFrame, by: str, keys: list[str],
               min_n: int = 3) -> pd.DataFrame:
    """What each pain point costs in NPS: for every stage (by='stage') or touchpoint, NPS of all
    respondents minus NPS of the respondents who did NOT raise a negative comment there.
    Negative impact = the pain point drags NPS down. Keys raised by fewer than `min_n` respondents are left out."""
    scored = responses.dropna(subset=["nps"])
    overall = nps(scored["nps"])
    empty = pd.DataFrame(columns=["key", "raised", "impact", "nps_without"])
    if overall is None:
        return empty
    negatives = comments[comments["sentiment"] == "negative"]
    if by == "stage":
        negatives = explode_stages(negatives).assign(key=lambda f: f["stage_key"])
    else:
        negatives = negatives.assign(key=negatives["touchpoint"])
    category = pd.Series(np.where(scored["nps"] >= 9, 1, np.where(scored["nps"] <= 6, -1, 0)),
                         index=scored["response_id"].to_numpy())
    pairs = negatives.loc[negatives["key"].isin(keys), ["key", "response_id"]].drop_duplicates()
    pairs = pairs[pairs["response_id"].isin(category.index)]
    if pairs.empty:
        return empty
    pairs = pairs.assign(category=category.reindex(pairs["response_id"]).to_numpy())
    raised = pairs.groupby("key").agg(raised=("response_id", "size"),
                                      promoters=("category", lambda c: int((c == 1).sum())),
                                      detractors=("category", lambda c: int((c == -1).sum())))
    raised = raised[raised["raised"] >= min_n]
    n_left = overall.n - raised["raised"]
    raised = raised[n_left > 0]
    n_left = n_left[n_left > 0]
    without = 100.0 * ((overall.promoters - raised["promoters"]) - (overall.detractors - raised["detractors"])) / n_left
    out = pd.DataFrame({"key": raised.index, "raised": raised["raised"].to_numpy(),
                        "impact": (overall.value - without).to_numpy(), "nps_without": without.to_numpy()})
    return out.sort_values("impact").reset_index(drop=True)


def series(comments: pd.DataFrame, freq: str, by: str, keys: list[str]) -> pd.DataFrame:
    """Per period ('W' weekly, 'M' monthly) and key (stage or touchpoint): volume, mean satisfaction and
    negative share, with n."""
    rows = explode_stages(comments).assign(key=lambda f: f["stage_key"]) if by == "stage" else \
        comments.assign(key=comments["touchpoint"])
    rows = rows[rows["key"].isin(keys) & rows["responded_at"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=["period", "key", "volume", "satisfaction", "negative_share"])
    period = pd.to_datetime(rows["responded_at"]).dt.to_period("W-SUN" if freq == "W" else "M").dt.start_time
    grouped = rows.assign(period=period, negative=(rows["sentiment"] == "negative").astype(int)).groupby(
        ["period", "key"])
    out = grouped.agg(volume=("comment_id", "size"), satisfaction=("rating", "mean"),
                      negatives=("negative", "sum")).reset_index()
    out["negative_share"] = 100.0 * out["negatives"] / out["volume"]
    return out.drop(columns=["negatives"])


HIGHER_IS_BETTER = {"nps": True, "csat": True, "negative_share": False, "satisfaction": True}


def before_after(comments: pd.DataFrame, responses: pd.DataFrame, when, stage_keys: list[str],
                 min_n: int = SMALL_N) -> pd.DataFrame:
    """Each headline metric before vs from `when` on, overall and per stage: see compare_periods."""
    cut = pd.Timestamp(when)
    return compare_periods(comments[comments["responded_at"] < cut], responses[responses["responded_at"] < cut],
                           comments[comments["responded_at"] >= cut], responses[responses["responded_at"] >= cut],
                           stage_keys, min_n)


def compare_periods(old_comments: pd.DataFrame, old_responses: pd.DataFrame, comments: pd.DataFrame,
                    responses: pd.DataFrame, stage_keys: list[str], min_n: int = SMALL_N) -> pd.DataFrame:
    """NPS, CSAT, negative share and mean satisfaction overall, and the negative share per stage, compared
    between two samples: scope, metric, before, n_before, after, n_after, change, p_value, p_adjusted,
    verdict, test.

    The verdicts hold for the whole family of tests: p_value is each test's own, p_adjusted its Holm
    correction over every test run here, and improved/worsened need p_adjusted < 0.05. CSAT is the
    headline (most answered) question's, the same question on both sides."""
    rows = []

    def add(scope: str, metric: str, result: Comparison) -> None:
        rows.append({"scope": scope, "metric": metric,
                     "before": None if result.before is None else result.before.value,
                     "n_before": 0 if result.before is None else result.before.n,
                     "after": None if result.after is None else result.after.value,
                     "n_after": 0 if result.after is None else result.after.n,
                     "change": result.change, "p_value": result.p_value, "verdict": result.verdict,
                     "test": result.test})

    add("all", "nps", compare_nps(old_responses["nps"], responses["nps"], min_n))
    question = (csat_questions(responses) or csat_questions(old_responses) or [None])[0]
    (hits_a, n_a), (hits_b, n_b) = csat_counts(old_responses, question), csat_counts(responses, question)
    add("all", "csat", compare_shares(hits_a, n_a, hits_b, n_b, True, min_n))
    add("all", "negative_share", _negative_compare(old_comments, comments, min_n))
    add("all", "satisfaction", compare_means(old_comments.drop_duplicates("response_id")["rating"],
                                             comments.drop_duplicates("response_id")["rating"], True, min_n))
    old_x, now_x = explode_stages(old_comments), explode_stages(comments)
    for key in stage_keys:
        add(key, "negative_share", _negative_compare(old_x[old_x["stage_key"] == key],
                                                     now_x[now_x["stage_key"] == key], min_n))
    return with_holm(pd.DataFrame(rows))


def with_holm(table: pd.DataFrame) -> pd.DataFrame:
    """A comparison table (scope, metric, change, p_value, verdict) with p_adjusted (Holm) and verdicts
    recomputed from it. Numbers stay numbers (NaN where a side is empty), so a change date at the edge
    of the data works."""
    table = table.astype({"before": float, "after": float, "change": float, "p_value": float})
    table["p_adjusted"] = pd.Series(holm([None if pd.isna(p) else p for p in table["p_value"]]), dtype=float,
                                    index=table.index)
    tested = table["p_adjusted"].notna()
    table.loc[tested, "verdict"] = [_verdict(change, p, HIGHER_IS_BETTER[metric]) for change, p, metric in
                                    zip(table.loc[tested, "change"], table.loc[tested, "p_adjusted"],
                                        table.loc[tested, "metric"])]
    return table


def _negative_compare(before: pd.DataFrame, after: pd.DataFrame, min_n: int) -> Comparison:
    return compare_shares(int((before["sentiment"] == "negative").sum()), len(before),
                          int((after["sentiment"] == "negative").sum()), len(after), False, min_n)


def kpis(comments: pd.DataFrame, responses: pd.DataFrame) -> dict[str, Estimate | None]:
    """Headline figures: responses, comments, NPS, CSAT top-two-box, negative share."""
    return {
        "responses": Estimate(float(len(responses)), float("nan"), float("nan"), len(responses), "count"),
        "comments": Estimate(float(len(comments)), float("nan"), float("nan"), len(comments), "count"),
        "nps": nps(responses["nps"]),
        "csat": csat_share(responses),
        "negative_share": negative_share(comments["sentiment"]),
    }


def segment_curves(comments: pd.DataFrame, segments: pd.DataFrame, stage_keys: list[str], measure: str,
                   top: int = 5) -> pd.DataFrame:
    """Stage curves for the `top` largest values of one segment column (segments: response_id, segment)."""
    joined = comments.merge(segments, on="response_id", how="inner")
    biggest = joined["segment"].value_counts().head(top).index
    parts = [stage_curve(joined[joined["segment"] == value], stage_keys, measure).assign(segment=value)
             for value in biggest]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["stage", "order", "n", "value", "low", "high", "segment"])
