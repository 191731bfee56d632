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
    promoters: int = 0
    passives: int = 0
    detractors: int = 0


def nps(scores: pd.Series | np.ndarray | list) -> NpsEstimate | None:
    """NPS = %promoters (9–10) − %detractors (0–6), passives counted in n; None without scores.

    The interval is the adjusted-Wald interval for a difference of proportions (Rocks 2016: add 3
    pseudo-responses, ¾ promoter, ¾ detractor, 1.5 passive), which keeps a width for tiny or one-sided
    samples where the plain Wald interval collapses to a point.
    """
    values = pd.Series(scores, dtype="float64").dropna()
    n = len(values)
    if n == 0:
        return None
    promoters = int((values >= 9).sum())
    detractors = int((values <= 6).sum())
    passives = n - promoters - detractors
    value = 100.0 * (promoters - detractors) / n
    n_adj = n + 3
    p_pro, p_det = (promoters + 0.75) / n_adj, (detractors + 0.75) / n_adj
    centre = p_pro - p_det
    half = Z95 * math.sqrt(max(p_pro + p_det - centre**2, 0.0) / n_adj)
    low, high = max(-1.0, centre - half), min(1.0, centre + half)
    return NpsEstimate(value, 100 * low, 100 * high, n, "nps", promoters, passives, detractors)


def wilson(successes: int, n: int) -> tuple[float, float]:
    """Wilson score 95% interval for a proportion, as shares in 0..1."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = successes / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def top_two_box(scores: pd.Series | list, top: int = 5) -> Estimate | None:
    """CSAT as the share (%) of answers in the top two boxes (4–5 of 5), with a Wilson interval."""
    values = pd.Series(scores, dtype="float64").dropna()
    n = len(values)
    if n == 0:
        return None
    hits = int((values >= top - 1).sum())
    low, high = wilson(hits, n)
    return Estimate(100.0 * hits / n, 100 * low, 100 * high, n, "share")


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
