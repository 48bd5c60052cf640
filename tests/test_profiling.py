"""Profiles of a log (custlib.data.profiling) and their figures (custlib.plots.data), on a
small log whose figures are known."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from custlib.data import profiling  # noqa: E402
from custlib.data.cleaning import clean_transactions  # noqa: E402
from custlib.errors import ColumnError  # noqa: E402
from custlib.plots import data as figures  # noqa: E402


@pytest.fixture
def raw() -> pd.DataFrame:
    """Text as loaded: 6 lines, 3 customers (one line anonymous, undated), 5 orders."""
    return pd.DataFrame({
        "customer_id": ["1", "1", "2", "2", "3", ""],
        "order_id": ["100", "100", "101", "102", "103", "104"],
        "order_date": ["2022-01-05", "2022-01-05", "2022-01-20", "2022-03-02",
                       "2022-03-15", "not a date"],
        "quantity": ["2", "1", "3", "1", "4", "1"],
        "unit_price": ["5.00", "8.00", "2.50", "10.00", "1.00", "3.00"],
        "country": ["United Kingdom", "United Kingdom", "France", "France", "Spain", ""],
        "source_row": np.arange(6),
    })


def test_overview_counts_rows_customers_orders_dates_and_revenue(raw):
    o = profiling.overview(raw)
    assert o["rows"] == 6 and o["customers"] == 3 and o["orders"] == 5
    assert o["first_date"] == pd.Timestamp("2022-01-05")
    assert o["last_date"] == pd.Timestamp("2022-03-15")
    assert o["revenue"] == pytest.approx(10 + 8 + 7.5 + 10 + 4 + 3)
    assert o["rows_without_customer"] == 1


def test_overview_needs_customer_and_date(raw):
    with pytest.raises(ColumnError, match="order_date"):
        profiling.overview(raw.drop(columns="order_date"))


def test_compare_overviews_in_both_languages(raw):
    clean = clean_transactions(raw.iloc[:5], max_date="2030-01-01").transactions
    en = profiling.compare_overviews(raw, clean, "en")
    assert list(en.columns) == ["before cleaning", "after cleaning", "change"]
    assert en.loc["rows", "before cleaning"] == 6 and en.loc["rows", "change"] == -1
    assert en.loc["rows without customer id", "change"] == -1
    assert en.loc["first date", "change"] == ""
    zh = profiling.compare_overviews(raw, clean, "zh")
    assert list(zh.columns) == ["清洗前", "清洗后", "变化"]
    assert list(zh.index) == ["行数", "客户数", "订单数", "最早日期", "最晚日期", "收入",
                              "缺少客户编号的行"]


def test_missing_values_counts_blanks_as_missing(raw):
    en = profiling.missing_values(raw)
    assert list(en.columns) == ["missing", "missing share"]
    assert "source_row" not in en.index
    assert en.loc["customer_id", "missing"] == 1 and en.loc["quantity", "missing"] == 0
    assert en.loc["country", "missing share"] == pytest.approx(1 / 6)
    assert list(profiling.missing_values(raw, "zh").columns) == ["缺失数", "缺失占比"]


def test_orders_per_customer_pools_the_last_bin(raw):
    counts = profiling.orders_per_customer(raw, cap=2)
    assert counts.to_dict() == {"1": 3, "2+": 1}  # raw: the blank id is one more buyer
    assert profiling.orders_per_customer(raw.drop(columns="order_id"), cap=3).to_dict() == \
        {"1": 2, "2": 2, "3+": 0}  # without order ids, lines are orders


def test_revenue_by_month_fills_empty_months(raw):
    s = profiling.revenue_by_month(raw)
    assert list(s.index) == list(pd.to_datetime(["2022-01-01", "2022-02-01", "2022-03-01"]))
    assert s.tolist() == pytest.approx([25.5, 0.0, 14.0])


def test_revenue_by_country_keeps_the_top_and_pools_the_rest(raw):
    s = profiling.revenue_by_country(raw, top=1)
    assert s.to_dict() == pytest.approx({"United Kingdom": 18.0, "other": 24.5})


def test_revenue_by_country_of_coded_lines_with_a_missing_country(raw):
    # the later notebooks hold the country as a category, which takes no new value
    lines = raw.assign(country=raw["country"].where(raw.index != 0))
    coded = lines.assign(country=lines["country"].astype("category"))
    expected = profiling.revenue_by_country(lines, top=5)
    assert "(unknown)" in expected.index
    pd.testing.assert_series_equal(profiling.revenue_by_country(coded, top=5), expected,
                                   check_names=False, check_index_type=False)


def test_figures_say_what_they_show(raw):
    clean = clean_transactions(raw.iloc[:5], max_date="2030-01-01")
    ax = figures.plot_revenue_by_month(raw, clean.transactions, lang="zh", currency="GBP")
    assert ax.get_title(loc="left") == "月度收入" and ax.get_ylabel() == "收入(英镑)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["清洗前", "清洗后"]
    ax = figures.plot_revenue_by_country(raw, max_categories=2, lang="en")
    assert ax.get_title() == "Revenue by country (top 1)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["other (3)", "United Kingdom"]
    ax = figures.plot_missing_values(raw, clean.transactions, lang="en")
    assert ax.get_title() == "Missing values per column"
    ax = figures.plot_orders_per_customer(clean.transactions, lang="zh")
    assert ax.get_xlabel() == "每位客户的订单数"
    ax = figures.plot_cleaning_waterfall(clean.log, measure="rows", lang="zh")
    assert ax.get_title() == "原始行的去向"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["原始数据", "保留用于分析"]
    plt.close("all")


def test_waterfall_steps_follow_the_log():
    clean = clean_transactions(pd.DataFrame({
        "customer_id": ["1", "1", "2"], "order_date": ["2022-01-05"] * 3,
        "quantity": ["1", "1", "2"], "unit_price": ["5", "5", "0"],
        "source_row": [0, 1, 2]}), max_date="2030-01-01")
    steps = figures.waterfall_steps(clean.log, "rows")
    assert steps[["rule", "start", "end", "kind"]].values.tolist() == [
        ["raw", 0.0, 3.0, "total"], ["duplicates", 3.0, 2.0, "step"],
        ["invalid_prices", 2.0, 1.0, "step"], ["kept", 0.0, 1.0, "total"]]


def _parses(monkeypatch) -> list[int]:
    """Count the parses of a raw log (``profiling.typed`` on text)."""
    calls: list[int] = []
    real = profiling.coerce_transactions

    def counting(tx, *args, **kwargs):
        calls.append(len(tx))
        return real(tx, *args, **kwargs)

    monkeypatch.setattr(profiling, "coerce_transactions", counting)
    return calls


def test_a_raw_profile_parses_once_and_gives_the_raw_logs_numbers(raw, monkeypatch):
    clean = clean_transactions(raw, rules={"duplicates": False}, drop_invalid=True).transactions
    expected = {"overview": profiling.overview(raw),
                "compare": profiling.compare_overviews(raw, clean, "zh"),
                "month": profiling.revenue_by_month(raw),
                "missing": profiling.missing_values(raw),
                "outside": profiling.lines_dated_outside(raw, pd.Timestamp("2022-01-10"),
                                                         pd.Timestamp("2022-03-15"))}
    parses = _parses(monkeypatch)
    before = profiling.raw_profile(raw)
    assert isinstance(before, profiling.RawProfile) and len(before) == 6
    pd.testing.assert_series_equal(profiling.overview(before), expected["overview"])
    pd.testing.assert_frame_equal(profiling.compare_overviews(before, clean, "zh"),
                                  expected["compare"])
    pd.testing.assert_series_equal(profiling.revenue_by_month(before), expected["month"])
    pd.testing.assert_frame_equal(profiling.missing_values(before), expected["missing"])
    assert profiling.lines_dated_outside(before, pd.Timestamp("2022-01-10"),
                                         pd.Timestamp("2022-03-15")) == expected["outside"] == 3
    ax = figures.plot_revenue_by_month(before, clean)
    assert parses == [6]  # one parse of the raw log for everything above
    plt.close(ax.figure)
    # the raw log is untouched and a profile's results cannot be changed through it
    assert raw["order_date"].iloc[-1] == "not a date"
    shown = profiling.overview(before)
    shown["rows"] = 0
    assert profiling.overview(before)["rows"] == 6


def test_a_staged_log_is_its_own_profile(raw, tmp_path):
    pytest.importorskip("duckdb")
    from custlib.data.loading import load_transactions

    raw.drop(columns="source_row").to_csv(tmp_path / "log.csv", index=False)
    staged = load_transactions(tmp_path / "log.csv", engine="duckdb")
    try:
        assert profiling.raw_profile(staged) is staged
    finally:
        staged.close()
