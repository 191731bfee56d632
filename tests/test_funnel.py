"""Funnel counts: reading count tables like feedback exports (encodings, mapping to the active taxonomy's
stages, rejected rows with line/column/reason, all-or-nothing), and the funnel figures checked by hand."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from journey import funnel
from journey.errors import BadMapping, NoDataRows, NoPeriodColumn, NoStageColumns
from journey.filters import Filters
from journey.ingest import funnel as counts_in
from journey.ingest.read import read_export
from journey.store import connection
from journey.store import funnel as funnel_store
from journey.taxonomy import load_preset
from tests.conftest import FIXTURES

DEFAULT, FIVE = load_preset("default"), load_preset("five_stage")
Z = 1.959963984540054


def wilson_by_hand(hits: int, n: int) -> tuple[float, float]:
    """The Wilson score interval written out from its textbook formula, in %."""
    p = hits / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return 100 * (centre - half), 100 * (centre + half)


def roles(name: str, taxonomy=DEFAULT) -> dict[str, str | None]:
    table = read_export(FIXTURES / name)
    return {r.column: (r.stage if r.role == "stage" else r.role) for r in counts_in.suggest_columns(table, taxonomy)}


def test_the_issue_header_maps_to_the_default_stages():
    assert roles("funnel_month_cp932.csv") == {"月": "period", "訪問者": "awareness", "問い合わせ": "consideration",
                                              "予約": "purchase", "来店": "usage", "再来店": "loyalty"}


def test_the_five_stage_preset_gets_its_own_keys_and_leaves_a_visit_count_to_the_owner():
    mapped = roles("funnel_month_cp932.csv", FIVE)
    assert mapped == {"月": "period", "訪問者": "awareness", "問い合わせ": "consideration", "予約": "purchase",
                      "来店": "ignore", "再来店": "retention"}
    table = read_export(FIXTURES / "funnel_month_cp932.csv")
    suggested = {r.column: r for r in counts_in.suggest_columns(table, FIVE)}
    assert "usage" in suggested["来店"].why("en") and "ステージ" not in suggested["来店"].why("ja")


def test_a_taxonomy_label_names_a_column():
    restaurant = load_preset("restaurant")  # purchase is 予約・注文 there
    table = counts_in.typed_table([{"月": "2026-05", "注文数": "10"}], {"注文数": "purchase"})
    suggested = counts_in.suggest_columns(table, restaurant)
    assert [(r.role, r.stage, r.reason) for r in suggested][1] == ("stage", "purchase", "funnel.reason.label")


@pytest.mark.parametrize("values, granularity, first", [
    (["2026年5月", "2026年6月"], "month", [(date(2026, 5, 1), date(2026, 5, 31)), (date(2026, 6, 1), date(2026, 6, 30))]),
    (["202605", "2026/06"], "month", [(date(2026, 5, 1), date(2026, 5, 31)), (date(2026, 6, 1), date(2026, 6, 30))]),
    (["May 2026", "June 2026"], "month", [(date(2026, 5, 1), date(2026, 5, 31)), (date(2026, 6, 1), date(2026, 6, 30))]),
    (["2026-05-01", "2026-06-01"], "month", [(date(2026, 5, 1), date(2026, 5, 31)), (date(2026, 6, 1), date(2026, 6, 30))]),
    (["2026-05-04", "2026-05-11"], "week", [(date(2026, 5, 4), date(2026, 5, 10)), (date(2026, 5, 11), date(2026, 5, 17))]),
    (["2026-W19", "2026-W20"], "week", [(date(2026, 5, 4), date(2026, 5, 10)), (date(2026, 5, 11), date(2026, 5, 17))]),
    (["2026/05/04", "2026/05/05"], "day", [(date(2026, 5, 4), date(2026, 5, 4)), (date(2026, 5, 5), date(2026, 5, 5))]),
])
def test_periods_as_exports_write_them(values, granularity, first):
    periods, found = counts_in.parse_periods(values, "月")
    assert (periods, found) == (first, granularity)


def test_unreadable_periods_are_none():
    periods, _ = counts_in.parse_periods(["2026-13", "0001-01", "来月", ""], "月")
    assert periods == [None, None, None, None]


@pytest.mark.parametrize("text, number", [("4,210", 4210), ("４２１０", 4210), ("4210人", 4210), ("4210.0", 4210),
                                          (" 12 件", 12), ("", None), ("-", None)])
def test_counts_as_exports_write_them(text, number):
    assert counts_in.parse_count(text) == number


@pytest.mark.parametrize("text", ["約50", "-3", "1.5", "12a"])
def test_not_counts(text):
    with pytest.raises(ValueError):
        counts_in.parse_count(text)


def test_bad_rows_are_kept_with_line_column_and_reason(db_path):
    result = counts_in.import_funnel(FIXTURES / "funnel_bad_rows.csv", db_path, DEFAULT)
    assert (result.rows, result.loaded, result.rejected) == (6, 2, 4)
    with connection.Database(db_path).connect() as con:
        rejected = funnel_store.rejected_rows(con, result.import_id)
        kept = funnel_store.counts(con)
    assert rejected["line_no"].tolist() == [3, 4, 6, 7]
    assert rejected["column_name"].tolist() == ["月", "予約", "月", "訪問者"]
    assert rejected["reason"].iloc[0] == ("line 3: column '月': '2026-13' is not a month, week or date we can read "
                                         "(e.g. 2026-05, 2026年5月, 2026-05-01).")
    assert "'約50' is not a count" in rejected["reason"].iloc[1]
    assert "already came on line 5" in rejected["reason"].iloc[2]
    # "1,410" on line 5 is a count; the memo column is ignored.
    july = kept[(kept["period_start"] == pd.Timestamp("2026-07-01")) & (kept["stage"] == "awareness")]
    assert july["count"].tolist() == [1410] and set(kept["stage"]) == {"awareness", "consideration", "purchase",
                                                                        "usage", "loyalty"}


def test_a_file_with_no_readable_row_is_refused_and_nothing_is_saved(db_path, tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text("月,訪問者,予約\n2026-13,10,2\n来月,5,1\n", encoding="utf-8")
    with pytest.raises(NoDataRows, match=r"counts.csv: no row could be read \(line 2: column '月'"):
        counts_in.import_funnel(path, db_path, DEFAULT)
    with connection.Database(db_path).connect() as con:
        assert connection.scalar(con, "SELECT count(*) FROM funnel_imports") == 0


def test_import_is_all_or_nothing(db_path, monkeypatch):
    from journey.store import connection as store_connection

    real = store_connection.insert_frame

    def fail_on_rejected(con, table, frame):
        if table == "funnel_rejected":
            raise OSError("disk full")
        real(con, table, frame)

    monkeypatch.setattr(funnel_store, "insert_frame", fail_on_rejected)
    with pytest.raises(OSError):
        counts_in.import_funnel(FIXTURES / "funnel_bad_rows.csv", db_path, DEFAULT)
    with connection.Database(db_path).connect() as con:
        assert connection.scalar(con, "SELECT count(*) FROM funnel_imports") == 0
        assert connection.scalar(con, "SELECT count(*) FROM funnel_counts") == 0


def test_mapping_errors_name_the_file_and_column(tmp_path):
    table = read_export(FIXTURES / "funnel_month_cp932.csv")
    suggested = counts_in.suggest_columns(table, DEFAULT)
    with pytest.raises(NoPeriodColumn, match="funnel_month_cp932.csv"):
        counts_in.build_funnel(table, [r for r in suggested if r.role != "period"], DEFAULT)
    with pytest.raises(NoStageColumns):
        counts_in.build_funnel(table, [r for r in suggested if r.role == "period"], DEFAULT)
    twice = counts_in.apply_overrides(suggested, ["purchase=来店"], table, DEFAULT)
    assert {r.column: r.stage for r in twice}["予約"] is None  # the stage moved, it is never mapped twice
    with pytest.raises(BadMapping, match="'retention' is neither"):
        counts_in.apply_overrides(suggested, ["retention=来店"], table, DEFAULT)
    with pytest.raises(BadMapping, match="no column named 'Visits'"):
        counts_in.apply_overrides(suggested, ["usage=Visits"], table, DEFAULT)


def test_utf16_and_xlsx_count_tables_read_like_feedback(db_path, tmp_path):
    import openpyxl

    text = "月\t訪問者\t予約\r\n2026-05\t100\t20\r\n2026-06\t120\t30\r\n"
    (tmp_path / "ga.tsv").write_bytes(text.encode("utf-16"))
    book = openpyxl.Workbook()
    book.active.append(["Month", "Sessions", "Orders"])
    book.active.append(["2026-07", 90, 9])
    book.save(tmp_path / "shop.xlsx")
    first = counts_in.import_funnel(tmp_path / "ga.tsv", db_path, DEFAULT)
    second = counts_in.import_funnel(tmp_path / "shop.xlsx", db_path, DEFAULT)
    assert first.stages == {"awareness": "訪問者", "purchase": "予約"} and first.loaded == 2
    assert second.stages == {"awareness": "Sessions", "purchase": "Orders"} and second.loaded == 1


def test_a_newer_import_of_a_period_wins_and_deleting_it_brings_the_older_back(db_path, tmp_path):
    (tmp_path / "a.csv").write_text("月,訪問者,予約\n2026-05,100,20\n2026-06,120,30\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("月,訪問者,予約\n2026-06,125,31\n", encoding="utf-8")
    counts_in.import_funnel(tmp_path / "a.csv", db_path, DEFAULT)
    newer = counts_in.import_funnel(tmp_path / "b.csv", db_path, DEFAULT)
    with connection.Database(db_path).connect() as con:
        june = funnel_store.counts(con, date(2026, 6, 1), date(2026, 6, 30))
        assert sorted(june["count"]) == [31, 125]
        assert funnel_store.delete_funnel(con, newer.import_id)
        june = funnel_store.counts(con, date(2026, 6, 15), date(2026, 6, 15))
        assert sorted(june["count"]) == [30, 120]
        assert not funnel_store.delete_funnel(con, 99)


def counts_frame(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    out = []
    for month, stage, count in rows:
        start = pd.Timestamp(month)
        out.append({"period_start": start.date(), "period_end": (start + pd.offsets.MonthEnd(0)).date(),
                    "stage": stage, "count": count})
    return pd.DataFrame(out)


def test_conversion_and_drop_off_by_hand_on_the_fixture(db_path):
    result = counts_in.import_funnel(FIXTURES / "funnel_month_cp932.csv", db_path, DEFAULT)
    with connection.Database(db_path).connect() as con:
        steps = funnel.steps(funnel_store.counts(con), DEFAULT.stage_keys()).set_index("stage")
    assert result.loaded == 4
    visitors, inquiries = 1200 + 1350 + 980 + 1410, 96 + 104 + 88 + 121
    first = steps.loc["awareness"]
    assert (first["count"], first["next_stage"], first["n"], first["next_count"]) == (visitors, "consideration",
                                                                                     visitors, inquiries)
    low, high = wilson_by_hand(inquiries, visitors)
    assert first["conversion"] == pytest.approx(100 * inquiries / visitors)        # 8.28%
    assert (first["conv_low"], first["conv_high"]) == (pytest.approx(low), pytest.approx(high))
    drop_low, drop_high = wilson_by_hand(visitors - inquiries, visitors)
    assert first["drop_off"] == pytest.approx(100 - 100 * inquiries / visitors)
    assert (first["drop_low"], first["drop_high"]) == (pytest.approx(drop_low), pytest.approx(drop_high))
    assert pd.isna(steps.loc["loyalty", "next_stage"]) and pd.isna(steps.loc["loyalty", "conversion"])
    assert list(steps.index) == ["awareness", "consideration", "purchase", "usage", "loyalty"]


def test_small_steps_are_indicative_and_a_larger_next_stage_has_no_interval():
    counts = counts_frame([("2026-05-01", "awareness", 20), ("2026-05-01", "purchase", 8),
                           ("2026-05-01", "loyalty", 12)])
    steps = funnel.steps(counts, DEFAULT.stage_keys()).set_index("stage")
    assert bool(steps.loc["awareness", "small"]) and steps.loc["awareness", "conversion"] == pytest.approx(40.0)
    assert not steps.loc["purchase", "nested"] and steps.loc["purchase", "conversion"] == pytest.approx(150.0)
    assert pd.isna(steps.loc["purchase", "conv_low"]) and pd.isna(steps.loc["purchase", "drop_off"])


def test_a_step_only_uses_periods_where_both_stages_were_counted():
    counts = counts_frame([("2026-05-01", "awareness", 100), ("2026-05-01", "purchase", 10),
                           ("2026-06-01", "awareness", 300)])  # June: no purchase count
    step = funnel.steps(counts, DEFAULT.stage_keys()).set_index("stage").loc["awareness"]
    assert (step["count"], step["n"], step["next_count"]) == (400, 100, 10)


def test_compare_step_puts_each_month_on_one_side_of_the_date():
    counts = counts_frame([("2026-06-01", "consideration", 600), ("2026-06-01", "purchase", 210),
                           ("2026-07-01", "consideration", 700), ("2026-07-01", "purchase", 240),
                           ("2026-08-01", "consideration", 750), ("2026-08-01", "purchase", 450)])
    result = funnel.compare_step(counts, "consideration", "purchase", (date(2026, 6, 1), date(2026, 7, 31)),
                                 (date(2026, 8, 1), date(2026, 9, 30)))
    assert (result.before.n, result.after.n) == (1300, 750)
    assert result.before.value == pytest.approx(100 * 450 / 1300) and result.after.value == pytest.approx(60.0)
    pooled = (450 + 450) / (1300 + 750)
    z = (0.6 - 450 / 1300) / math.sqrt(pooled * (1 - pooled) * (1 / 1300 + 1 / 750))
    assert result.p_value == pytest.approx(math.erfc(abs(z) / math.sqrt(2))) and result.verdict == "improved"


def test_step_series_per_period():
    counts = counts_frame([("2026-05-01", "awareness", 200), ("2026-05-01", "interest", 50),
                           ("2026-06-01", "awareness", 100), ("2026-06-01", "interest", 40)])
    series = funnel.step_series(counts, DEFAULT.stage_keys())
    assert series["conversion"].tolist() == [25.0, 40.0] and series["n"].tolist() == [200, 100]


def test_repeat_rate_by_hand():
    rate = funnel.repeat_rate(pd.Series(["a", "a", "b", "c", "c", "c", "d", None]))
    low, high = wilson_by_hand(2, 4)
    assert (rate.value, rate.n) == (50.0, 4) and (rate.low, rate.high) == (pytest.approx(low), pytest.approx(high))
    assert rate.indicative
    assert funnel.repeat_rate(pd.Series([], dtype=object)) is None


def test_customer_keys_never_carry_the_customer_value(db_path):
    from journey.ingest import import_file

    import_file(FIXTURES / "surveymonkey_en_bom.csv", db_path)
    with connection.Database(db_path).connect() as con:
        keys = funnel_store.customer_keys(con, Filters())
    assert len(keys) and not keys["customer_key"].str.contains("@").any()


def test_typed_in_counts_take_the_same_checks(db_path):
    table = counts_in.typed_table([{"月": "2026-05", "訪問者": 100, "予約": 12.0}, {"月": "2026年6月", "訪問者": "x"},
                                   {"月": None, "訪問者": None}], {"訪問者": "awareness", "予約": "purchase"})
    columns = [counts_in.FunnelColumn("月", "period"), counts_in.FunnelColumn("訪問者", "stage", "awareness"),
               counts_in.FunnelColumn("予約", "stage", "purchase")]
    result = counts_in.import_funnel(None, db_path, DEFAULT, table=table, roles=columns)
    assert (result.loaded, result.rejected, result.rows) == (1, 1, 2)


def test_the_display_table_reads_like_the_owner_needs_it():
    counts = counts_frame([("2026-05-01", "awareness", 1000), ("2026-05-01", "purchase", 20),
                           ("2026-05-01", "loyalty", 25)])
    steps = funnel.steps(counts, DEFAULT.stage_keys())
    satisfaction = pd.DataFrame({"value": [4.1, None, 3.0], "n": [12, 0, 40]},
                                index=["awareness", "purchase", "loyalty"])
    labels = {k: DEFAULT.stage_label(k, "ja") for k in DEFAULT.stage_keys()}
    table = funnel.display_table(steps, satisfaction, {"purchase": "決済・エラー"}, labels, "ja")
    low, high = wilson_by_hand(20, 1000)
    assert table["転換率（95%区間）"].tolist() == [f"2.0%（{low:.1f}〜{high:.1f}）", "125%", ""]
    assert table["満足度（平均1〜5、n）"].tolist() == ["4.10 (n = 12)*", "", "3.00 (n = 40)"]
    assert table["注記"].tolist() == ["", "n < 30 のため参考値; 次の段階のほうが多い（部分集合ではないため区間なし）",
                                      "n < 30 のため参考値"]
    assert table["主な不満"].tolist() == ["", "決済・エラー", ""]
