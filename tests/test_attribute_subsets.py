"""Any subset of customer attributes, including none: charts of what exists, words for
what is skipped."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from custlib.errors import ParameterError
from custlib.lifecycle import cohorts
from custlib.plots.segments import plot_traits
from custlib.run.workflow import CleanTables, customer_column
from custlib.segments.profiles import (
    attribute_columns,
    attributes_note,
    customer_table,
)


def _summary() -> pd.DataFrame:
    return pd.DataFrame({
        "n_orders": [5, 1, 2, 8], "total_revenue": [500.0, 20.0, 80.0, 400.0],
        "avg_order_value": [100.0, 20.0, 40.0, 50.0],
        "days_since_last_purchase": [10.0, 300.0, 60.0, 5.0],
        "first_purchase": pd.to_datetime(["2023-01-01"] * 4),
    }, index=pd.Index(["a", "b", "c", "d"], name="customer_id"))


def _table(customers: pd.DataFrame) -> pd.DataFrame:
    seg = pd.Series({"a": "Champions", "b": "Lost", "c": "Lost", "d": "Champions"})
    return customer_table(_summary(), customers, rfm_segment=seg, value_tier=seg, cluster=seg)


@pytest.fixture
def region_city() -> pd.DataFrame:
    return _table(pd.DataFrame({"customer_id": list("abcd"), "region": ["N", "S", "N", "N"],
                                "city": ["York", "Bath", "York", None]}))


@pytest.fixture
def id_only() -> pd.DataFrame:
    return _table(pd.DataFrame({"customer_id": list("abcd")}))


def test_attribute_columns_are_what_the_data_has(region_city, id_only):
    assert attribute_columns(region_city) == ["region", "city"]
    assert attribute_columns(id_only) == []
    full = _table(pd.DataFrame({"customer_id": list("abcd"), "age": [20, 30, 40, 50],
                                "gender": ["f", "m", "f", None], "loyalty_club": ["y"] * 4,
                                "signup_date": pd.to_datetime(["2022-01-01"] * 4),
                                "occupation": [None] * 4}))
    # age as bands, not the raw number; unknown text columns kept; all-empty columns left out
    assert attribute_columns(full) == ["age_band", "gender", "loyalty_club"]


def test_plot_traits_charts_geography_when_no_traits(region_city):
    axes = plot_traits(region_city, lang="zh")
    assert [ax.get_title() for ax in axes] == ["地区", "城市"]
    assert sorted(p.get_height() for p in axes[0].patches) == [1, 3]
    plt.close("all")


def test_plot_traits_keeps_top_values_and_other(region_city):
    axes = plot_traits(region_city, ["city"], max_categories=2)  # two cities: none pooled
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["York", "Bath"]
    assert [p.get_height() for p in axes[0].patches] == [2, 1]
    with pytest.raises(ParameterError, match="max_categories must be a whole number of 2 or "
                                             "more .*got 1"):
        plot_traits(region_city, max_categories=1)
    plt.close("all")


def test_no_attributes_no_figure_and_words(id_only):
    n_figs = len(plt.get_fignums())
    axes = plot_traits(id_only)
    assert len(axes) == 0 and len(plt.get_fignums()) == n_figs
    assert attributes_note(id_only) == (
        "*The customers table has no attribute besides the customer id (no region, type, age, "
        "gender, ...): the charts of customers by attribute are skipped.*")
    assert "除客户编号外没有任何属性" in attributes_note(id_only, "zh")


def test_note_names_the_missing_traits(region_city):
    assert attributes_note(region_city) == (
        "*The customers table has no age band, gender, occupation or income band: those charts "
        "are skipped; charted instead: region, city.*")
    assert attributes_note(region_city, "zh") == (
        "*客户属性表中没有年龄段、性别、职业和收入水平,相应图表跳过;以下按现有属性作图:地区、城市。*")
    full = _table(pd.DataFrame({"customer_id": list("abcd"), "age": [20, 30, 40, 50],
                                "gender": list("fmfm"), "occupation": list("xyxy"),
                                "income_band": list("hlhl")}))
    assert attributes_note(full) == ""


def _clean(customers: pd.DataFrame | None) -> CleanTables:
    tx = pd.DataFrame({"customer_id": ["a"], "order_date": pd.to_datetime(["2023-01-01"]),
                       "amount": [1.0]})
    return CleanTables(tx, customers, None, {})


def test_customer_column_missing_none():
    clean = _clean(pd.DataFrame({"customer_id": ["a", "b"], "region": ["N", "S"]}))
    assert customer_column(clean, None, "acquisition_channel", missing="none") is None
    assert customer_column(clean, None, "region", missing="none").to_dict() == {"a": "N", "b": "S"}
    with pytest.raises(ParameterError, match="'acquisition_channel' is not in the customer tables"):
        customer_column(clean, None, "acquisition_channel")
    with pytest.raises(ParameterError, match="missing"):
        customer_column(clean, None, "region", missing="skip")


def _durations(n: int) -> pd.DataFrame:
    ids = [f"c{i}" for i in range(n)]
    return pd.DataFrame({"duration_days": np.arange(1, n + 1, dtype=float) * 10,
                         "churned": [i % 2 == 0 for i in range(n)]}, index=pd.Index(ids))


def test_survival_curves_skip_in_words():
    d = _durations(50)
    groups = pd.Series(["x" if i < 30 else "y" for i in range(50)], index=d.index)
    curves, note = cohorts.survival_curves(d, groups, "acquisition_channel")
    assert list(curves) == ["x", "y"] and note == ""
    assert curves["x"].attrs["customers"] == 30 and curves["y"].attrs["customers"] == 20
    curves, note = cohorts.survival_curves(d, None, "acquisition_channel")
    assert curves == {} and note == (
        "*The customer data of this run has no column `acquisition_channel`: survival curves by "
        "it are skipped and only the curve of all customers is shown (parameter survival_by).*")
    assert "没有列 `acquisition_channel`" in cohorts.survival_curves(d, None, "acquisition_channel",
                                                                    lang="zh")[1]
    small = pd.Series(["x" if i < 15 else "y" for i in range(30)], index=d.index[:30])
    curves, note = cohorts.survival_curves(d.iloc[:30], small, "region")
    assert curves == {} and note == (
        "*No group of `region` has 20 or more customers: survival curves by it are skipped and "
        "only the curve of all customers is shown.*")
    assert cohorts.survival_curves(d, None, "") == ({}, "")


def test_signup_dates_only_when_the_column_exists():
    from custlib.run.workflow import signup_dates

    assert signup_dates(_clean(None)) is None
    assert signup_dates(_clean(pd.DataFrame({"customer_id": ["a"], "region": ["N"]}))) is None
    signups = pd.DataFrame({"customer_id": ["a", "b"],
                            "signup_date": pd.to_datetime(["2022-01-05", None])})
    dated = signup_dates(_clean(signups))
    assert str(dated["a"].date()) == "2022-01-05" and dated.isna().sum() == 1


def test_segment_report_traits_from_cards_without_attributes(tmp_path):
    from custlib.report import segment_report as report
    from custlib.segments.profiles import profile_cards
    from custlib.segments.schemes import segment_guide

    tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
                       "order_date": pd.to_datetime(["2024-03-01", "2024-09-01", "2024-10-01"]),
                       "amount": [100.0, 150.0, 20.0]})
    table = _table(pd.DataFrame({"customer_id": list("abcd")}))  # id only: no typical member
    cards = profile_cards(table, "rfm_segment", transactions=tx, guide=segment_guide("rfm11"))
    assert "typical member" not in cards.columns and "top categories" not in cards.columns
    cards.to_csv(tmp_path / "cards.csv", encoding="utf-8-sig")
    recs = pd.DataFrame({"segment": ["Champions"], "why": ["w"], "action": ["act"]},
                        index=pd.Index([1], name="priority"))
    text = report.segment_report(recs, table, "rfm_segment", tx, cards_file=tmp_path / "cards.csv",
                                 currency="GBP", observation_end="2024-12-31").html()
    assert "average order value: £69.23<" in text and "orders per customer: 6.5" in text
    assert "recommended action: reward" not in text  # the action is not shown as a trait


def test_signup_note_says_potential_customers_are_left_out():
    from custlib.run.workflow import signup_note

    assert signup_note(_clean(None)) == ""
    assert signup_note(_clean(pd.DataFrame({"customer_id": ["a"], "signup_date": [None]}))) == ""
    geo = _clean(pd.DataFrame({"customer_id": ["a"], "region": ["N"]}))
    assert signup_note(geo) == ("*The customers table has no signup_date: registered customers "
                                "who never bought cannot be dated and are not counted in the "
                                "Potential stage.*")
    assert "无法计入“潜在客户”阶段" in signup_note(geo, "zh")


def test_the_report_traits_are_charted_when_some_exist_else_every_attribute():
    from custlib.segments import profiles

    some = pd.DataFrame({"customer_id": ["1", "2", "3"], "gender": ["f", "m", None],
                         "region": ["N", "S", "S"], "ownership": [None, "private", None]})
    assert profiles.charted_attributes(some) == ["gender"]
    axes = plot_traits(some)
    assert len(axes) == 1 and axes[0].get_title() != ""
    note = profiles.attributes_note(some)
    assert note.startswith("*The customers table has no age band") and "instead" not in note
    assert profiles.charted_attributes(some.drop(columns="gender")) == ["ownership", "region"]
    plt.close("all")
