"""Improvement actions (改善アクション) and their measured effect: what the owner changed, when, at which stage
and/or touchpoint; and, for each, a before/after read of that scope with the existing tests, an honest
"too early to tell" below n = 30, and one plain sentence. Pure functions over the dashboard facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from journey import funnel
from journey.errors import BadAction
from journey.i18n import t
from journey.metrics import SMALL_N, Comparison, compare_means, compare_nps, compare_shares
from journey.taxonomy import Taxonomy

WINDOW_DAYS = 90
# The sentence and the headline verdict use one metric declared before looking (so that reading five
# tests per action does not manufacture a finding): the pain point's share of all comments, whose n is
# every comment of the window, so it can be read even when few comments touch the scope.
PRIMARY = "pain_share"
METRICS = ("pain_share", "negative_share", "satisfaction", "nps", "funnel_in", "funnel_out")
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)
MAX_TITLE = 300


@dataclass(frozen=True)
class Action:
    """One improvement action; `number` is its place in date order (①, ② on charts)."""

    acted_on: date
    title: str
    stage: str | None = None
    touchpoint: str | None = None
    owner: str | None = None
    note: str | None = None
    id: int | None = None
    number: int = 0


def check_action(acted_on: object, title: str, stage: str | None, touchpoint: str | None, taxonomy: Taxonomy,
                 owner: str | None = None, note: str | None = None) -> Action:
    """A valid Action from what the owner typed. Raises BadAction (with the field as column) when the date
    is unreadable or out of range, nothing says what changed, neither a stage nor a touchpoint is given,
    or the stage/touchpoint is not in the active taxonomy."""
    if isinstance(acted_on, str):
        try:
            acted_on = date.fromisoformat(acted_on.strip())
        except ValueError as err:
            raise BadAction(f"'{acted_on}' is not a date (YYYY-MM-DD).", column="date") from err
    if not isinstance(acted_on, date) or not EARLIEST <= acted_on <= LATEST:
        raise BadAction(f"'{acted_on}' is not a date between {EARLIEST} and {LATEST}.", column="date")
    title = (title or "").strip()
    if not title:
        raise BadAction("say what was changed (e.g. 'checkout redesigned: guest checkout, PayPay').",
                        column="what")
    if len(title) > MAX_TITLE:
        raise BadAction(f"what was changed is {len(title)} characters; keep it under {MAX_TITLE} and put the "
                        "rest in the note.", column="what")
    stage, touchpoint = (stage or None), (touchpoint or None)
    if stage is None and touchpoint is None:
        raise BadAction("name the stage and/or the touchpoint the change was made at.", column="stage",
                        hint="e.g. --stage purchase, --touchpoint app, or both.")
    if stage is not None and stage not in taxonomy.stage_keys():
        raise BadAction(f"'{stage}' is not a stage of the active taxonomy.", column="stage",
                        hint=f"Stages: {', '.join(taxonomy.stage_keys())}.")
    if touchpoint is not None and touchpoint not in taxonomy.touchpoint_keys():
        raise BadAction(f"'{touchpoint}' is not a touchpoint of the active taxonomy.", column="touchpoint",
                        hint=f"Touchpoints: {', '.join(taxonomy.touchpoint_keys())}.")
    return Action(acted_on, title, stage, touchpoint, (owner or "").strip() or None, (note or "").strip() or None)


def from_frame(frame: pd.DataFrame) -> list[Action]:
    """Actions as the store lists them, numbered 1, 2, … in date order."""
    out = []
    for number, row in enumerate(frame.itertuples(index=False), start=1):
        out.append(Action(pd.Timestamp(row.acted_on).date(), row.title, _text(row.stage), _text(row.touchpoint),
                          _text(row.owner), _text(row.note), int(row.id), number))
    return out


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def scope_label(action: Action, stage_labels: dict[str, str], touch_labels: dict[str, str]) -> str:
    """"購入 × Web", "購入" or "アプリ": what the action touched, in the owner's labels."""
    parts = [stage_labels.get(action.stage, action.stage) if action.stage else None,
             touch_labels.get(action.touchpoint, action.touchpoint) if action.touchpoint else None]
    return " × ".join(p for p in parts if p)


def markers(actions: list[Action], stage_labels: dict[str, str], touch_labels: dict[str, str],
            start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Actions dated in [start, end] as chart markers: number, when, stage, label ("① 8/1 …")."""
    rows = [{"number": a.number, "when": pd.Timestamp(a.acted_on), "stage": a.stage, "touchpoint": a.touchpoint,
             "label": f"{circled(a.number)} {a.acted_on:%Y-%m-%d} {a.title} ({scope_label(a, stage_labels, touch_labels)})",
             "mark": circled(a.number)}
            for a in actions if (start is None or a.acted_on >= start) and (end is None or a.acted_on <= end)]
    return pd.DataFrame(rows, columns=["number", "when", "stage", "touchpoint", "label", "mark"])


def circled(number: int) -> str:
    """①…⑳ for 1–20, then (21), (22), …"""
    return chr(0x2460 + number - 1) if 1 <= number <= 20 else f"({number})"


# --- the measured effect ------------------------------------------------------------------------------


@dataclass
class ActionEffect:
    """Before/after of one action's scope: the windows compared and one Comparison per metric (the funnel
    steps into and out of the action's stage only where they are counted); `tagged` is False when no
    comment has tags yet (nothing can be read)."""

    action: Action
    before: tuple[date, date]
    after: tuple[date, date]
    results: dict[str, Comparison] = field(default_factory=dict)
    previous_stage: str | None = None
    next_stage: str | None = None
    tagged: bool = True

    @property
    def primary(self) -> Comparison:
        return self.results[PRIMARY]

    @property
    def status(self) -> str:
        """improved / worsened / no_change, or too_early (fewer than 30 comments since the action) /
        too_small (fewer than 30 before it) / untagged (comments not tagged yet)."""
        if not self.tagged:
            return "untagged"
        verdict = self.primary.verdict
        if verdict != "too_small":
            return verdict
        after_n = self.primary.after.n if self.primary.after else 0
        return "too_early" if after_n < SMALL_N else "too_small"


def windows(acted_on: date, data_end: date | None, days: int = WINDOW_DAYS,
            others: list[date] = ()) -> tuple[tuple[date, date], tuple[date, date]]:
    """(before, after) date windows of equal length around an action: after runs from the action for up to
    `days` days, to the last day with data, and not into the next other action; before is as long, ends
    the day before and does not reach back past the previous action (so one change's read is not another's)."""
    end = data_end if data_end is not None else acted_on
    length = min(days, (end - acted_on).days + 1)
    later = [d for d in others if d > acted_on]
    earlier = [d for d in others if d < acted_on]
    if later:
        length = min(length, (min(later) - acted_on).days)
    if earlier:
        length = min(length, (acted_on - max(earlier)).days)
    length = max(1, length)
    return (acted_on - timedelta(days=length), acted_on - timedelta(days=1)), \
        (acted_on, acted_on + timedelta(days=length - 1))


def in_scope(comments: pd.DataFrame, action: Action) -> pd.Series:
    """Which comments speak about the action's stage (among their stages) and/or its touchpoint."""
    mask = pd.Series(True, index=comments.index)
    if action.stage:
        mask &= ("|" + comments["stages"].fillna("") + "|").str.contains(f"|{action.stage}|", regex=False)
    if action.touchpoint:
        mask &= comments["touchpoint"] == action.touchpoint
    return mask


def _within(frame: pd.DataFrame, window: tuple[date, date]) -> pd.Series:
    """Which rows were answered inside the window (both days included)."""
    when = frame["responded_at"]
    return (when >= pd.Timestamp(window[0])) & (when < pd.Timestamp(window[1]) + pd.Timedelta(days=1))


def measure(action: Action, comments: pd.DataFrame, counts: pd.DataFrame, stage_keys: list[str],
            others: list[Action] = (), days: int = WINDOW_DAYS, min_n: int = SMALL_N) -> ActionEffect:
    """The before/after read of one action over `comments` (every date; dashboard facts) and the funnel
    `counts`: pain-point share of all comments (primary), negative share within the scope, mean
    satisfaction and NPS of the respondents who speak about it, and the funnel steps into and out of its
    stage. The windows stop at the `others` actions' dates (see `windows`)."""
    last = comments["responded_at"].max()
    before, after = windows(action.acted_on, None if pd.isna(last) else pd.Timestamp(last).date(), days,
                            [o.acted_on for o in others if o is not action])
    # Plain arrays: boolean indexing of the whole frame (Arrow strings) cost ~10x more at 100k comments.
    scope = in_scope(comments, action).to_numpy(dtype=bool)
    negative = (comments["sentiment"] == "negative").to_numpy(dtype=bool)
    in_before, in_after = _within(comments, before).to_numpy(dtype=bool), _within(comments, after).to_numpy(dtype=bool)
    responses = comments["response_id"].to_numpy()

    def per_response(column: str, mask: np.ndarray) -> pd.Series:
        """`column` once per response (a response's comments share its scores)."""
        _, first = np.unique(responses[mask], return_index=True)
        return pd.Series(comments[column].to_numpy(dtype="float64", na_value=np.nan)[mask][first])

    sb, sa = scope & in_before, scope & in_after
    results = {
        "pain_share": compare_shares(int((negative & sb).sum()), int(in_before.sum()), int((negative & sa).sum()),
                                     int(in_after.sum()), False, min_n),
        "negative_share": compare_shares(int((negative & sb).sum()), int(sb.sum()), int((negative & sa).sum()),
                                         int(sa.sum()), False, min_n),
        "satisfaction": compare_means(per_response("rating", sb), per_response("rating", sa), True, min_n),
        "nps": compare_nps(per_response("nps", sb), per_response("nps", sa), min_n),
    }
    effect = ActionEffect(action, before, after, results, tagged=bool(comments["stage"].notna().any()))
    keys = funnel.funnel_stages(counts, stage_keys)
    if action.stage in keys:
        at = keys.index(action.stage)
        # Into the stage (a checkout fix should turn more carts into orders) and out of it (a better visit
        # should bring more repeat visits).
        if at > 0:
            effect.previous_stage = keys[at - 1]
            results["funnel_in"] = funnel.compare_step(counts, keys[at - 1], action.stage, before, after, min_n)
        if at + 1 < len(keys):
            effect.next_stage = keys[at + 1]
            results["funnel_out"] = funnel.compare_step(counts, action.stage, keys[at + 1], before, after, min_n)
    return effect


def sentence(effect: ActionEffect, stage_labels: dict[str, str], touch_labels: dict[str, str], lang: str) -> str:
    """One plain sentence on the primary metric: "Since «…» on 2026-08-01, complaints about 購入 went from
    18% to 7% of all comments: a significant fall (p = 0.001)", or too early / too small / no change."""
    action, result = effect.action, effect.primary
    values = {"what": action.title, "when": f"{action.acted_on:%Y-%m-%d}",
              "scope": scope_label(action, stage_labels, touch_labels),
              "before": result.before.value if result.before else 0.0,
              "after": result.after.value if result.after else 0.0,
              "n_after": result.after.n if result.after else 0, "n_before": result.before.n if result.before else 0,
              "p": p_text(result.p_value), "min_n": SMALL_N}
    return t(f"actions.sentence.{effect.status}", lang, **values)


def p_text(p_value: float | None) -> str:
    """"= 0.037" or "< 0.001" (a p-value is never shown as 0)."""
    if p_value is None:
        return "= –"
    return "< 0.001" if p_value < 0.001 else f"= {p_value:.3f}"


def pain_series(comments: pd.DataFrame, action: Action, freq: str = "W") -> pd.DataFrame:
    """Per week ('W') or month ('M'): the action's pain point as a share (%) of all comments, with n (all
    comments of the period) and the pain-point count."""
    dated = comments[comments["responded_at"].notna()]
    if dated.empty:
        return pd.DataFrame(columns=["period", "pain_share", "n", "pain"])
    when = pd.to_datetime(dated["responded_at"]).dt.normalize()
    period = (when - pd.to_timedelta(when.dt.day_of_week, unit="D")) if freq == "W" else \
        (when - pd.to_timedelta(when.dt.day - 1, unit="D"))  # the Monday, or the 1st of the month
    codes, starts = pd.factorize(period, sort=True)
    pain = (in_scope(dated, action) & (dated["sentiment"] == "negative")).to_numpy()
    n, hits = np.bincount(codes), np.bincount(codes, weights=pain)
    return pd.DataFrame({"period": starts, "pain_share": 100.0 * hits / n, "n": n, "pain": hits.astype(int)})


def effect_table(effect: ActionEffect, lang: str, stage_labels: dict[str, str]) -> pd.DataFrame:
    """Every metric of one action's read as rows: metric, before, n before, after, n after, change, p,
    verdict (translated), the primary marked."""
    rows = []
    for metric in METRICS:
        result = effect.results.get(metric)
        if result is None:
            continue
        name = t(f"actions.metric.{metric}", lang)
        if metric in ("funnel_in", "funnel_out"):
            start, end = ((effect.previous_stage, effect.action.stage) if metric == "funnel_in"
                          else (effect.action.stage, effect.next_stage))
            name = t("actions.metric.funnel_step_to", lang, stage=stage_labels.get(start, start),
                     next=stage_labels.get(end, end))
        rows.append({"metric": metric, "name": name + (" ★" if metric == PRIMARY else ""),
                     "before": None if result.before is None else round(result.before.value, 1),
                     "n_before": 0 if result.before is None else result.before.n,
                     "after": None if result.after is None else round(result.after.value, 1),
                     "n_after": 0 if result.after is None else result.after.n,
                     "change": None if result.change is None else round(result.change, 1),
                     "p": "–" if result.p_value is None else p_text(result.p_value).lstrip("= "),
                     "verdict": t(f"verdict.{result.verdict}", lang)})
    return pd.DataFrame(rows)
