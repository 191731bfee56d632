"""Stage funnel figures, pure functions over counts (period_start, period_end, stage, count): customers
reached per stage, conversion to the next stage and drop-off (離脱率) with Wilson 95% intervals and n, per
period, before/after a date; and the repeat rate read from the feedback's customer ids."""

from __future__ import annotations

from datetime import date

import pandas as pd

from journey.i18n import t
from journey.metrics import SMALL_N, Comparison, Estimate, compare_shares, share

STEP_COLUMNS = ["stage", "order", "count", "periods", "next_stage", "next_count", "n", "conversion", "conv_low",
                "conv_high", "drop_off", "drop_low", "drop_high", "nested", "small"]


def funnel_stages(counts: pd.DataFrame, stage_keys: list[str]) -> list[str]:
    """The stages that have counts, in journey order (counts for stages not in `stage_keys` are left out)."""
    present = set(counts["stage"]) if not counts.empty else set()
    return [k for k in stage_keys if k in present]


def steps(counts: pd.DataFrame, stage_keys: list[str]) -> pd.DataFrame:
    """One row per stage with counts, in journey order: customers reached (summed over periods), and the step
    to the next stage with counts: conversion and drop-off in % with their 95% intervals, over the periods
    where both stages were counted (n = this stage's count there).

    A next stage counted larger than this one is not a subset of it (bookings made without an inquiry):
    `nested` is False, conversion is the plain ratio without an interval, and there is no drop-off.
    `small` marks a step whose n is under 30 (indicative)."""
    keys = funnel_stages(counts, stage_keys)
    rows = []
    for order, key in enumerate(keys):
        mine = counts[counts["stage"] == key]
        row = {"stage": key, "order": order, "count": int(mine["count"].sum()), "periods": len(mine),
               "next_stage": None, "next_count": None, "n": None, "conversion": None, "conv_low": None,
               "conv_high": None, "drop_off": None, "drop_low": None, "drop_high": None, "nested": True,
               "small": int(mine["count"].sum()) < SMALL_N}
        if order + 1 < len(keys):
            base, hits = _paired(counts, key, keys[order + 1])
            row.update(next_stage=keys[order + 1], next_count=hits, n=base, small=base < SMALL_N)
            if base and hits <= base:
                conversion, drop = share(hits, base), share(base - hits, base)
                row.update(conversion=conversion.value, conv_low=conversion.low, conv_high=conversion.high,
                           drop_off=drop.value, drop_low=drop.low, drop_high=drop.high)
            elif base:
                row.update(conversion=100.0 * hits / base, nested=False)
        rows.append(row)
    return pd.DataFrame(rows, columns=STEP_COLUMNS)


def _paired(counts: pd.DataFrame, stage: str, next_stage: str) -> tuple[int, int]:
    """(count of `stage`, count of `next_stage`) summed over the periods where both were counted. Count
    tables are small (a row per period and stage), so plain dicts beat a pivot here."""
    mine: dict = {}
    theirs: dict = {}
    for period, key, count in zip(counts["period_start"], counts["stage"], counts["count"]):
        if key == stage:
            mine[period] = mine.get(period, 0) + int(count)
        elif key == next_stage:
            theirs[period] = theirs.get(period, 0) + int(count)
    both = mine.keys() & theirs.keys()
    return sum(mine[p] for p in both), sum(theirs[p] for p in both)


def step_series(counts: pd.DataFrame, stage_keys: list[str]) -> pd.DataFrame:
    """Conversion per period and step: period, stage, next_stage, n, conversion, low, high, nested."""
    keys = funnel_stages(counts, stage_keys)
    rows = []
    if keys:
        wide = counts.pivot_table(index="period_start", columns="stage", values="count", aggfunc="sum")
        for stage, next_stage in zip(keys, keys[1:]):
            both = wide[[stage, next_stage]].dropna()
            for period, base, hits in zip(both.index, both[stage].astype(int), both[next_stage].astype(int)):
                if not base:
                    continue
                estimate = share(hits, base) if hits <= base else None
                rows.append({"period": pd.Timestamp(period), "stage": stage, "next_stage": next_stage, "n": base,
                             "conversion": 100.0 * hits / base, "low": estimate.low if estimate else None,
                             "high": estimate.high if estimate else None, "nested": hits <= base})
    return pd.DataFrame(rows, columns=["period", "stage", "next_stage", "n", "conversion", "low", "high", "nested"])


def periods_within(counts: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """The counts of periods whose middle day falls in [start, end]: each period belongs to one side of a
    date, so before and after never share a month."""
    if counts.empty:
        return counts
    first, last = pd.to_datetime(counts["period_start"]), pd.to_datetime(counts["period_end"])
    middle = first + (last - first) / 2
    return counts[(middle >= pd.Timestamp(start)) & (middle < pd.Timestamp(end) + pd.Timedelta(days=1))]


def compare_step(counts: pd.DataFrame, stage: str, next_stage: str, before: tuple[date, date],
                 after: tuple[date, date], min_n: int = SMALL_N) -> Comparison:
    """Conversion from `stage` to `next_stage` in the periods before vs after (by their middle day), with the
    two-proportion z-test; too_small when either side has fewer than `min_n` at `stage`."""
    base_b, hits_b = _paired(periods_within(counts, *before), stage, next_stage)
    base_a, hits_a = _paired(periods_within(counts, *after), stage, next_stage)
    if hits_b > base_b or hits_a > base_a:  # not a subset: a share test would mean nothing
        return Comparison(None, None, None, None, "too_small", "two-proportion z-test")
    return compare_shares(hits_b, base_b, hits_a, base_a, True, min_n)


def repeat_rate(customer_keys: pd.Series) -> Estimate | None:
    """Share (%) of customers with two or more responses among those identified by a customer id, with
    its Wilson interval (n = customers); None without customer ids."""
    visits = pd.Series(customer_keys).dropna().value_counts()
    return share(int((visits >= 2).sum()), len(visits))


# --- tables for display ---------------------------------------------------------------------------


def display_table(steps: pd.DataFrame, satisfaction: pd.DataFrame, pains: dict[str, str],
                  stage_labels: dict[str, str], lang: str) -> pd.DataFrame:
    """The funnel as the owner reads it, headers in `lang`: stage, reached, next stage, conversion and
    drop-off with their intervals, n, the stage's mean satisfaction with its n (* below 30), its top pain
    point, and a note (indicative, or a next stage that is not a subset). `satisfaction` is
    metrics.stage_curve(..., "satisfaction") indexed by stage."""
    def interval(value, low, high) -> str:
        return "" if pd.isna(value) else t("funnel.share", lang, value=value, low=low, high=high)

    def rating(key: str) -> str:
        if key not in satisfaction.index or pd.isna(satisfaction.loc[key, "value"]):
            return ""
        n = int(satisfaction.loc[key, "n"])
        return f"{satisfaction.loc[key, 'value']:.2f} (n = {n})" + ("*" if n < SMALL_N else "")

    return pd.DataFrame({
        t("col.stage", lang): steps["stage"].map(stage_labels),
        t("funnel.col.reached", lang): steps["count"],
        t("funnel.col.next", lang): steps["next_stage"].map(lambda k: stage_labels.get(k, "") if isinstance(k, str) else ""),
        t("funnel.col.conversion", lang): [interval(r.conversion, r.conv_low, r.conv_high) if r.nested
                                           else f"{r.conversion:.0f}%" for r in steps.itertuples()],
        t("funnel.col.drop_off", lang): [interval(r.drop_off, r.drop_low, r.drop_high) for r in steps.itertuples()],
        "n": steps["n"].map(lambda n: "" if pd.isna(n) else f"{int(n):,}"),
        t("funnel.col.satisfaction", lang): [rating(k) for k in steps["stage"]],
        t("funnel.col.pain", lang): [pains.get(k, "") for k in steps["stage"]],
        t("funnel.col.note", lang): ["; ".join(x for x in (t("funnel.small", lang) if r.small else "",
                                                           "" if r.nested else t("funnel.not_nested", lang)) if x)
                                     for r in steps.itertuples()],
    })


def history_table(history: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The funnel import history (journey.store.funnel.history) with dates as days and headers in `lang`."""
    return history.assign(
        granularity=history["granularity"].map(lambda g: t(f"funnel.granularity.{g}", lang)),
        first_period=pd.to_datetime(history["first_period"]).dt.strftime("%Y-%m-%d"),
        last_period=pd.to_datetime(history["last_period"]).dt.strftime("%Y-%m-%d")).drop(columns=["id"]).rename(columns={
            "file_name": t("col.file", lang), "granularity": t("funnel.col.granularity", lang),
            "rows": t("col.rows", lang), "loaded": t("col.loaded", lang), "rejected": t("col.rejected", lang),
            "first_period": t("funnel.col.first", lang), "last_period": t("funnel.col.last", lang),
            "created_at": t("col.when", lang)})
