"""Filters: previous period and description."""

from datetime import date

from journey.filters import Filters, Window


def test_previous_period_has_the_same_length_just_before():
    f = Filters(start=date(2026, 10, 1), end=date(2026, 10, 31), stages=("purchase",))
    prev = f.previous()
    assert (prev.start, prev.end, prev.stages) == (date(2026, 8, 31), date(2026, 9, 30), ("purchase",))
    assert Filters().previous() is None


def test_default_range_is_the_last_30_days_of_data():
    assert Window(date(2026, 5, 1), date(2026, 10, 31)).default_range() == (date(2026, 10, 2), date(2026, 10, 31))
    assert Window(date(2026, 10, 20), date(2026, 10, 31)).default_range() == (date(2026, 10, 20), date(2026, 10, 31))


def test_describe_names_every_filter():
    text = Filters(start=date(2026, 5, 1), end=date(2026, 5, 31), stages=("usage",), segment="年代",
                   segment_values=("20代",)).describe()
    assert "2026-05-01" in text and "stage: usage" in text and "年代: 20代" in text
