"""Charts stay readable on real data: at most N categories and an 'other', scales that
show low retention (issue 14, points 5 and 6)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from custlib.errors import ParameterError
from custlib.plots import report as report_plots
from custlib.plots.categories import keep_top, lump, ranked
from custlib.plots.data import plot_revenue_by_country
from custlib.plots.lifecycle import plot_retention, retention_limits
from custlib.plots.segments import plot_breakdown
from custlib.segments.profiles import attribute_breakdown, breakdown

# --- keep_top and lump ----------------------------------------------------------------------


def test_ties_are_broken_by_name_whatever_the_row_order():
    s = pd.Series({"pears": 3, "apples": 3, "figs": 7, "kiwis": 1, "dates": 1})
    assert ranked(s) == ["figs", "apples", "pears", "dates", "kiwis"]
    for order in (s, s.iloc[::-1], s.sample(frac=1, random_state=3)):
        out = keep_top(order, 3, lang="zh")
        assert out.to_dict() == {"figs": 7, "apples": 3, "其他(3 项)": 5}
        assert out.attrs["pooled"] == 3


def test_nothing_is_pooled_up_to_n_and_bands_keep_their_order():
    bands = pd.Series([5, 9, 2, 1], index=pd.CategoricalIndex(
        ["<25", "25-34", "35-44", "45+"], ordered=True))
    assert keep_top(bands, 4).to_dict() == {"25-34": 9, "<25": 5, "35-44": 2, "45+": 1}
    kept = keep_top(bands, 4, keep_order=True)
    assert list(kept.index) == ["<25", "25-34", "35-44", "45+"] and kept.attrs["pooled"] == 0
    assert keep_top(bands, 3, keep_order=True).to_dict() == {"<25": 5, "25-34": 9,
                                                             "other (2)": 3}


def test_columns_of_shares_pool_into_one_column_that_keeps_rows_summing_to_one():
    shares = pd.DataFrame({"tea": [0.5, 0.1], "jam": [0.1, 0.2], "cake": [0.3, 0.1],
                           "bread": [0.1, 0.6]}, index=pd.Index(["A", "B"], name="segment"))
    shares.columns.name = "category"
    out = keep_top(shares, 3, axis=1)
    # mean shares: bread 0.35, tea 0.3, cake 0.2, jam 0.15
    assert list(out.columns) == ["bread", "tea", "other (2)"]
    assert out["other (2)"].tolist() == pytest.approx([0.4, 0.3])
    assert out.sum(axis=1).tolist() == pytest.approx([1.0, 1.0])
    assert out.columns.name == "category" and out.index.name == "segment"


def test_max_categories_below_two_stops_with_the_parameter_named():
    with pytest.raises(ParameterError, match="max_categories must be a whole number of 2"):
        keep_top(pd.Series({"a": 1}), 1)
    with pytest.raises(ParameterError, match="max_categories"):
        lump(pd.Series(["a"]), 0)


def test_lump_ranks_by_weight_and_keeps_missing_labels():
    labels = pd.Series(["web", "web", "store", "app", None, "fax"])
    amounts = pd.Series([1.0, 1.0, 10.0, 0.5, 3.0, 0.1])
    out = lump(labels, 3, weights=amounts)
    assert out.tolist()[:4] == ["web", "web", "store", "other (2)"]
    assert pd.isna(out.iloc[4]) and out.iloc[5] == "other (2)"


# --- 70 categories through the charts ---------------------------------------------------------

@pytest.fixture
def seventy() -> pd.DataFrame:
    """70 categories (cat00 biggest), 3 segments, one customer per line."""
    cats = np.repeat([f"cat{i:02d}" for i in range(70)], np.arange(70, 0, -1))
    n = len(cats)
    tx = pd.DataFrame({"customer_id": [str(i) for i in range(n)], "category": cats,
                       "amount": np.random.default_rng(7).gamma(2.0, 20.0, n)})
    tx["segment"] = np.where(np.arange(n) % 3 == 0, "New", "Champions")
    return tx


def test_category_heat_map_has_at_most_n_columns_other_last(seventy):
    from custlib.report.needs import preferences

    seg = seventy.set_index("customer_id")["segment"]
    prefs = preferences(seventy, seg)
    assert prefs.shape[1] == 70
    ax = report_plots.plot_preferences(prefs, max_categories=12, lang="zh")
    assert ax.get_title() == "各细分群体收入的品类构成(%)"
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert len(ticks) == 12 and ticks[-1] == "其他(59 项)"
    assert ticks[:11] == [str(c) for c in keep_top(prefs, 12, axis=1).columns[:11]]
    values = np.ma.filled(ax.images[0].get_array(), np.nan)
    assert values.shape == (2, 12) and np.isnan(values[:, -1]).all()   # other: grey
    shown = keep_top(prefs, 12, axis=1).to_numpy() * 100
    assert ax.images[0].get_clim() == (0.0, pytest.approx(shown[:, :-1].max()))
    assert [float(t.get_text()) for t in ax.texts[11::12]] == pytest.approx(
        shown[:, -1].round(0))
    plt.close("all")


def test_breakdown_pools_the_small_groups_and_computes_other_from_its_customers():
    table = pd.DataFrame({"city": ["York"] * 4 + ["Bath"] * 3 + ["Ely", "Wye", None],
                          "total_revenue": [10.0] * 4 + [20.0] * 3 + [5.0, 15.0, 40.0],
                          "tier": ["hi", "lo", "lo", "lo", "hi", "hi", "lo", "lo", "hi", "hi"]})
    out = breakdown(table, "city", segment="tier", max_categories=3)
    assert list(out.index) == ["York", "Bath", "other (3)"]
    other = out.loc["other (3)"]
    assert other["customers"] == 3 and other["revenue"] == 60.0
    assert other["avg_value"] == 20.0 and other["hi"] == pytest.approx(2 / 3)
    assert out["customer_share"].sum() == pytest.approx(1.0)
    zh = attribute_breakdown(table, "city", max_categories=3, lang="zh")
    assert list(zh.index) == ["York", "Bath", "其他(3 项)"]
    ax = plot_breakdown(table, "city", max_categories=2)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["York", "other (4)"]
    assert [p.get_height() for p in ax.patches] == [4, 6]
    plt.close("all")


def test_needs_beyond_n_pool_into_one_point():
    needs = pd.DataFrame({"respondents": [6, 2, 1, 1], "importance": [0.6, 0.2, 0.1, 0.1],
                          "urgency": [0.5, 1.0, 0.0, 1.0]},
                         index=pd.Index(["price", "speed", "taste", "colour"], name="need"))
    needs.insert(3, "priority", needs["importance"] * needs["urgency"])
    ax = report_plots.plot_needs(needs, max_categories=3)
    assert [a.get_text() for a in ax.texts] == ["price", "speed", "other (2)"]
    pooled = keep_top(needs, 3, by="priority", combine=report_plots.pool_needs)
    assert pooled.loc["other (2)"].to_dict() == pytest.approx(
        {"respondents": 2, "importance": 0.2, "urgency": 0.5, "priority": 0.1})
    plt.close("all")


def test_market_share_keeps_our_company_however_small():
    table = pd.DataFrame({"market_share": [0.3, 0.2, 0.1, 0.05, 0.01],
                          "us": [False, False, False, False, True]},
                         index=["Big", "Mid", "Small", "Tiny", "Us"])
    ax = report_plots.plot_market_share(table, max_categories=3)
    assert sorted(t.get_text() for t in ax.get_yticklabels()) == ["Big", "Mid", "Us"]
    assert ax.get_title() == "Market share (others: 49%)"  # the rest + the 2 not drawn
    plt.close("all")


def test_country_chart_pools_beyond_n():
    tx = pd.DataFrame({"customer_id": list("abcdef"), "order_id": list("123456"),
                       "order_date": ["2022-01-05"] * 6, "quantity": ["1"] * 6,
                       "unit_price": ["9", "8", "7", "1", "1", "1"],
                       "country": ["UK", "FR", "ES", "DE", "IT", "PT"]})
    ax = plot_revenue_by_country(tx, max_categories=4, lang="zh")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["其他(3 项)", "ES", "FR", "UK"]
    plt.close("all")


# --- the retention scale ----------------------------------------------------------------------

def test_retention_colours_scale_on_month_one_not_month_zero():
    """A log with 1-3% repeat buyers: the scale runs to about 3%, not 100%."""
    cohorts = pd.date_range("2023-01-01", periods=12, freq="MS")
    rng = np.random.default_rng(0)
    table = pd.DataFrame(rng.uniform(0.01, 0.03, (12, 12)), index=cohorts)
    table[0] = 1.0
    table.iloc[11, 1] = 0.5  # one tiny cohort where one customer in two came back
    table = table[sorted(table.columns)]
    low, high = retention_limits(table)
    assert low == 0.0 and 2.5 < high < 3.1
    ax = plot_retention(table)
    assert ax.images[0].get_clim() == (low, high)
    assert ax.get_xticklabels()[0].get_text() == "0\n(100%)"
    assert np.isnan(np.asarray(ax.images[0].get_array(), dtype=float)[:, 0]).all()
    plt.close("all")


def test_retention_without_repeat_buyers_keeps_a_scale():
    table = pd.DataFrame({0: [1.0, 1.0], 1: [0.0, np.nan]},
                         index=pd.date_range("2024-01-01", periods=2, freq="MS"))
    assert retention_limits(table) == (0.0, 0.1)


def test_traits_pool_beyond_n_with_the_count_in_the_label():
    from custlib.plots.segments import plot_traits

    table = pd.DataFrame({"city": ["York"] * 3 + ["Bath"] * 2 + ["Ely", "Wye"],
                          "total_revenue": 1.0})
    axes = plot_traits(table, ["city"], max_categories=3, lang="zh")
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["York", "Bath", "其他(2 项)"]
    assert [p.get_height() for p in axes[0].patches] == [3, 2, 2]
    plt.close("all")


def test_segment_overview_of_a_many_valued_column_keeps_the_largest_and_other():
    from custlib.report.sections import segment_overview

    table = pd.DataFrame({"city": ["York"] * 3 + ["Bath"] * 2 + ["Ely", "Wye", "Rye"],
                          "total_revenue": [10.0] * 8, "clv": [1.0, 1, 1, 2, 2, 3, 3, 6]})
    out = segment_overview(table, "city", max_categories=3)
    assert list(out.index) == ["York", "Bath", "other (3)"]
    assert out.loc["other (3)"].tolist() == pytest.approx([3, 0.375, 0.375, 12 / 19, 4.0])
    assert list(segment_overview(table, "city").index)[:2] == ["York", "Bath"]


def test_tables_by_a_pooled_segment_put_other_after_the_segments():
    from custlib.report.needs import loyalty_by_segment

    ids = [f"c{i}" for i in range(8)]
    seg = lump(pd.Series(["York"] * 3 + ["Bath", "Ely", "Wye", "Rye", "Hay"], index=ids), 2)
    assert seg.attrs == {"pooled": 5, "other": "other (5)"}
    summary = pd.DataFrame({"n_orders": [1, 2, 3, 1, 1, 2, 1, 1],
                            "first_purchase": pd.Timestamp("2024-01-01"),
                            "last_purchase": pd.Timestamp("2024-03-01")}, index=ids)
    out = loyalty_by_segment(summary, seg)
    assert list(out.index) == ["York", "other (5)"]         # other is larger, but last
    assert out["customers"].tolist() == [3, 5]
