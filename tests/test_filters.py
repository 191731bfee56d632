"""Filters: previous period and description."""

from datetime import date

from journey.filters import Filters, Window, clamp_day, clamp_range


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


def test_a_range_is_kept_inside_the_data():
    window = Window(date(2026, 5, 1), date(2026, 10, 31))
    assert clamp_range(window, (date(2026, 6, 1), date(2026, 6, 30))) == (date(2026, 6, 1), date(2026, 6, 30))
    assert clamp_range(window, (date(2026, 10, 1), date(2027, 2, 1))) == (date(2026, 10, 1), date(2026, 10, 31))
    assert clamp_range(window, (date(2026, 4, 1), date(2026, 5, 1))) == (date(2026, 5, 1), date(2026, 5, 1))
    assert clamp_range(window, (date(2026, 9, 10), date(2026, 9, 1))) == (date(2026, 9, 1), date(2026, 9, 10))
    assert clamp_range(window, (date(2027, 1, 1),)) is None
    assert clamp_range(window, (date(2025, 1, 1), date(2025, 2, 1))) is None  # wholly outside: the default
    assert clamp_range(Window(None, None), (date(2025, 1, 1),)) == (date(2025, 1, 1),)


def test_a_day_is_kept_inside_the_data():
    window = Window(date(2026, 5, 1), date(2026, 10, 31))
    assert clamp_day(window, date(2027, 1, 1)) == date(2026, 10, 31)
    assert clamp_day(window, date(2026, 1, 1)) == date(2026, 5, 1)
    assert clamp_day(window, date(2026, 10, 28)) == date(2026, 10, 28)
