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


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


__all__ = ["Filters", "Window", "field", "week_start"]
