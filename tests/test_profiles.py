"""Attribute breakdowns, profile cards and the segmentation figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from custlib.plots.segments import plot_breakdown, plot_pareto, plot_segment_sizes, plot_traits
from custlib.segments.profiles import (
    age_bands,
    attribute_breakdown,
    customer_table,
    profile_cards,
)
from custlib.segments.schemes import segment_guide


@pytest.fixture
def table():
    summary = pd.DataFrame({
        "n_orders": [5, 1, 2, 8], "total_revenue": [500.0, 20.0, 80.0, 400.0],
        "avg_order_value": [100.0, 20.0, 40.0, 50.0],
        "days_since_last_purchase": [10.0, 300.0, 60.0, 5.0],
    }, index=pd.Index(["a", "b", "c", "d"], name="customer_id"))
    customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"],
                              "region": ["North", "South", "North", None, "East"],
                              "age": [23, 41, 67, 35, 50],
                              "customer_type": ["individual"] * 3 + ["organisation"] * 2})
    seg = pd.Series({"a": "Champions", "b": "Lost", "c": "Lost", "d": "Champions"})
    return customer_table(summary, customers, rfm_segment=seg)


def test_customer_table_joins_attributes_and_bands(table):
    assert list(table.index) == ["a", "b", "c", "d"]  # buyers only
    assert table.loc["a", "age_band"] == "<25" and table.loc["c", "age_band"] == "65+"
    assert table.loc["d", "rfm_segment"] == "Champions"
    assert age_bands(pd.Series([25, 34.9, 35])).astype(str).tolist() == ["25-34", "25-34",
                                                                          "35-44"]


def test_attribute_breakdown(table):
    out = attribute_breakdown(table, "region", segment="rfm_segment")
    assert out.loc["North", "customers"] == 2 and out.loc["North", "revenue"] == 580.0
    assert out.loc["(unknown)", "customers"] == 1
    assert out.loc["North", "Lost"] == 0.5
    assert out["share of revenue"].sum() == pytest.approx(1.0)
    zh = attribute_breakdown(table, "region", lang="zh")
    assert "客户数" in zh.columns


def test_profile_cards(table):
    tx = pd.DataFrame({"customer_id": ["a", "a", "b", "d"], "amount": [300.0, 200.0, 20.0, 400.0],
                       "category": ["Kitchen", "Decor", "Decor", "Office"],
                       "channel": ["web", "web", "store", "phone"]})
    cards = profile_cards(table, "rfm_segment", transactions=tx, guide=segment_guide("rfm11"))
    assert list(cards.index) == ["Champions", "Lost"]
    champ = cards.loc["Champions"]
    assert champ["customers"] == 2 and champ["share of revenue"] == pytest.approx(0.9)
    assert champ["average order value"] == pytest.approx(900 / 13)
    assert champ["top categories"].startswith("Kitchen 33%") or "Office 44%" in champ[
        "top categories"]
    assert "individual" in champ["typical member"] or "organisation" in champ["typical member"]
    assert champ["recommended action"].startswith("reward")


def test_figures_return_axes(table):
    fig, ax = plt.subplots()
    assert plot_segment_sizes(table, "rfm_segment", ax=ax) is ax
    ax = plot_pareto(table["total_revenue"], mark=0.25)
    assert "top 25% of customers make 50% of revenue" in ax.texts[0].get_text()
    ax = plot_breakdown(table, "region", currency="GBP")
    assert ax.right_ax.get_ylabel() == "revenue per customer (GBP)"
    plt.close("all")


def test_trait_charts(table):
    axes = plot_traits(table, ("age_band", "customer_type", "not_there"), lang="zh")
    assert len(axes) == 2
    assert axes[0].get_title() == "年龄段" and axes[1].get_title() == "客户类型"
    heights = [p.get_height() for p in axes[1].patches]
    assert sorted(heights) == [1, 3]
    plt.close("all")
