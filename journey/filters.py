"""Dashboard filters: one dataclass, read from and written to URL query parameters."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta


@dataclass(frozen=True)
class Filters:
    """What the owner is looking at. Empty lists mean "all"."""

    start: date | None = None
    end: date | None = None            # inclusive
    sources: tuple[str, ...] = ()      # import file names
    questions: tuple[str, ...] = ()
    segment: str | None = None         # a segment column name ...
    segment_values: tuple[str, ...] = ()  # ... and the values kept
    stages: tuple[str, ...] = ()
    touchpoints: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()
    undated: bool = False              # with a date range: also responses that have no date
    persona: str | None = None         # a saved persona's name (shown) ...
    persona_rules: tuple[tuple[str, tuple[str, ...]], ...] = ()  # ... and its segment filters (applied)

    def previous(self) -> "Filters | None":
        """The same filters over the equally long period just before this one (None without dates); undated
        responses belong to no period, so never to the previous one."""
        if not self.start or not self.end:
            return None
        length = (self.end - self.start).days + 1
        return replace(self, start=self.start - timedelta(days=length), end=self.start - timedelta(days=1),
                       undated=False)

    def has_comment_filters(self) -> bool:
        return bool(self.questions or self.stages or self.touchpoints or self.sentiments)

    def describe(self) -> str:
        """One line naming every active filter (written under exported charts)."""
        parts = []
        if self.start or self.end:
            parts.append(f"{self.start or '…'} – {self.end or '…'}" + (" + undated" if self.undated else ""))
        for name, values in (("source", self.sources), ("question", self.questions), ("stage", self.stages),
                             ("touchpoint", self.touchpoints), ("sentiment", self.sentiments)):
            if values:
                parts.append(f"{name}: {', '.join(values)}")
        if self.segment and self.segment_values:
            parts.append(f"{self.segment}: {', '.join(self.segment_values)}")
        if self.persona:
            parts.append(f"persona: {self.persona}")
        return "; ".join(parts) or "all data"


@dataclass(frozen=True)
class Window:
    """The dates the data covers."""

    first: date | None
    last: date | None

    def default_range(self, days: int = 30) -> tuple[date, date] | tuple[None, None]:
        """The last `days` days of data (the weekly-review default), or the whole span when shorter."""
        if not self.first or not self.last:
            return (None, None)
        return (max(self.first, self.last - timedelta(days=days - 1)), self.last)


def clamp_day(window: Window, day: date) -> date:
    """`day` moved inside the window's dates (unchanged when the window has none)."""
    if window.first and day < window.first:
        return window.first
    if window.last and day > window.last:
        return window.last
    return day


def clamp_range(window: Window, dates: tuple[date, ...] | list[date]) -> tuple[date, ...] | None:
    """A (start, end) or (start,) choice moved inside the window: a reversed range is turned round, a range
    that overlaps the data is cut to it, and one wholly outside it gives None (use the default range)."""
    dates = tuple(sorted(dates))[:2]
    if not dates or not window.first or not window.last:
        return dates
    if dates[-1] < window.first or dates[0] > window.last:
        return None
    return tuple(clamp_day(window, day) for day in dates)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


__all__ = ["Filters", "Window", "clamp_day", "clamp_range", "field", "week_start"]
