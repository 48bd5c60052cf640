"""customer_summary: identical to lifetimes on CDNOW and the demo, monthly units, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from custlib.data.cleaning import clean_transactions
from custlib.data.loading import load_transactions
from custlib.errors import ColumnError, EmptyResultError, ParameterError
from custlib.value.summary import customer_summary, period_index


@pytest.fixture(scope="module")
def lifetimes_summary():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes.utils import summary_data_from_transaction_data
    return summary_data_from_transaction_data


@pytest.fixture(scope="module")
def cdnow():
    raw = load_transactions("cdnow_sample")
    return clean_transactions(raw, rules={"duplicates": False,
                                          "invalid_prices": False}).transactions


@pytest.fixture(scope="module")
def demo():
    return clean_transactions(load_transactions("demo"), observation_start="2022-01-01",
                              observation_end="2024-12-31").transactions


def _assert_same(mine: pd.DataFrame, ref: pd.DataFrame) -> None:
    ref = ref.sort_index()
    assert list(mine.index) == list(ref.index)
    for col in ("frequency", "recency", "T"):
        np.testing.assert_array_equal(mine[col].to_numpy(), ref[col].to_numpy(), err_msg=col)
    np.testing.assert_allclose(mine["monetary_value"], ref["monetary_value"], rtol=0,
                               atol=1e-9)


@pytest.mark.parametrize("freq", ["D", "W"])
@pytest.mark.parametrize("end", ["1997-09-30", "1998-06-30"])
def test_identical_to_lifetimes_on_cdnow(cdnow, lifetimes_summary, freq, end):
    mine = customer_summary(cdnow, observation_end=end, freq=freq)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = lifetimes_summary(cdnow, "customer_id", "order_date", monetary_value_col="amount",
                                observation_period_end=end, freq=freq)
    _assert_same(mine, ref)


@pytest.mark.parametrize("freq", ["D", "W"])
@pytest.mark.parametrize("end", ["2024-12-31", "2023-06-15"])
def test_identical_to_lifetimes_on_demo(demo, lifetimes_summary, freq, end):
    mine = customer_summary(demo, observation_end=end, freq=freq)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = lifetimes_summary(demo, "customer_id", "order_date", monetary_value_col="amount",
                                observation_period_end=end, freq=freq)
    _assert_same(mine, ref)


def test_cdnow_published_figures(cdnow):
    s = customer_summary(cdnow, observation_end="1997-09-30", freq="W")
    assert len(s) == 2357
    daily = customer_summary(cdnow, observation_end="1997-09-30", freq="D")
    # Gamma-Gamma on CDNOW is fitted on the 946 repeat buyers of the calibration period
    assert int((daily["frequency"] > 0).sum()) == 946
    # customer 0001 (first lines of the file): 1997-01-01, 01-18 and 08-02
    assert daily.loc["0001", ["frequency", "recency", "T"]].tolist() == [2.0, 213.0, 272.0]


def test_monthly_units_by_hand():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "a", "a", "b"],
        "order_id": ["1", "2", "3", "4", "5"],
        "order_date": pd.to_datetime(["2024-01-31", "2024-01-02", "2024-03-01", "2024-06-15",
                                      "2024-05-20"]),
        "amount": [10.0, 20.0, 40.0, 60.0, 5.0],
    })
    s = customer_summary(tx, observation_end="2024-06-10", freq="M")
    # a: months Jan (10+20), Mar (40), Jun (60, in the end month, so observed)
    assert s.loc["a", ["frequency", "recency", "T", "monetary_value"]].tolist() == \
        [2.0, 5.0, 5.0, 50.0]
    assert s.loc["b", ["frequency", "recency", "T", "monetary_value"]].tolist() == \
        [0.0, 0.0, 1.0, 0.0]
    assert s.attrs["period_end"] == "2024-06-01"
    # the RFM columns stop at the exact day: the 15 June purchase is not counted there
    assert s.loc["a", "n_orders"] == 3 and s.loc["a", "days_since_last_purchase"] == 101


def test_rfm_columns_and_names():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "a", "b"], "order_id": ["1", "1", "2", "3"],
        "order_date": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:00",
                                      "2024-01-05 00:00", "2024-01-03 00:00"]),
        "amount": [10.0, 5.0, 30.0, 8.0],
    })
    s = customer_summary(tx, observation_end="2024-01-10")
    a = s.loc["a"]
    assert (a["n_orders"], a["n_lines"], a["total_revenue"], a["avg_order_value"]) == \
        (2, 3, 45.0, 22.5)
    assert a["days_since_last_purchase"] == 5 and a["recency"] == 4
    assert s.loc["b", "days_since_last_purchase"] == 7
    assert "recency" in s.columns and "days_since_last_purchase" in s.columns


def test_weeks_start_on_monday():
    days = pd.to_datetime(["2024-01-07", "2024-01-08"])  # Sunday, Monday
    w = period_index(days.to_numpy(), "W")
    assert w[1] - w[0] == 1


def test_errors():
    tx = pd.DataFrame({"customer_id": ["a"], "order_id": ["1"],
                       "order_date": pd.to_datetime(["2024-01-01"]), "amount": [1.0]})
    with pytest.raises(ParameterError, match="'freq'"):
        customer_summary(tx, freq="Q")
    with pytest.raises(ColumnError, match="'value'"):
        customer_summary(tx, monetary_col="value")
    with pytest.raises(EmptyResultError, match="observation_end"):
        customer_summary(tx, observation_end="2023-01-01")
    with pytest.raises(ParameterError, match="observation_end"):
        customer_summary(tx, observation_end="later")
    with pytest.raises(ParameterError, match="datetimes"):
        customer_summary(tx.assign(order_date="2024-01-01"))


def test_customers_after_the_end_are_left_out(demo):
    s = customer_summary(demo, observation_end="2022-03-31")
    assert s["first_purchase"].max() <= pd.Timestamp("2022-04-01")
    assert len(s) == demo.loc[demo["order_date"] < "2022-04-01", "customer_id"].nunique()


@pytest.mark.parametrize("freq", ["D", "W", "M"])
@pytest.mark.parametrize("end", ["2023-06-15", "2024-12-31"])
def test_duckdb_engine_gives_the_same_table(demo, freq, end):
    pytest.importorskip("duckdb")
    a = customer_summary(demo, observation_end=end, freq=freq)
    b = customer_summary(demo, observation_end=end, freq=freq, engine="duckdb")
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=0, atol=1e-9)


def test_duckdb_engine_on_cdnow_matches_lifetimes(cdnow, lifetimes_summary):
    pytest.importorskip("duckdb")
    mine = customer_summary(cdnow, observation_end="1997-09-30", freq="W", engine="duckdb")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = lifetimes_summary(cdnow, "customer_id", "order_date", monetary_value_col="amount",
                                observation_period_end="1997-09-30", freq="W")
    _assert_same(mine, ref)


def test_unknown_engine():
    tx = pd.DataFrame({"customer_id": ["a"], "order_id": ["1"],
                       "order_date": pd.to_datetime(["2024-01-01"]), "amount": [1.0]})
    with pytest.raises(ParameterError, match="'engine'"):
        customer_summary(tx, engine="spark")


def test_without_order_ids_an_order_is_a_customers_second():
    """No order id: a customer's lines in the same second are one order, whatever their
    fractions of a second; a second later, or another customer, is another order."""
    stamps = pd.to_datetime(["2024-03-01 10:00:00.2", "2024-03-01 10:00:00.7",
                             "2024-03-01 10:00:01", "2024-03-02 09:00:00",
                             "2024-03-01 10:00:00.5", "2024-03-05 23:59:59.9",
                             "2024-03-05 23:59:59.1"], format="ISO8601")
    tx = pd.DataFrame({"customer_id": ["a", "a", "a", "a", "b", "b", "b"],
                       "order_date": stamps, "amount": [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]})
    out = customer_summary(tx, observation_end="2024-03-10", order_id_col=None)
    assert out["n_orders"].to_dict() == {"a": 3, "b": 2}
    assert out["n_lines"].to_dict() == {"a": 4, "b": 3}
    assert out["avg_order_value"].to_dict() == {"a": 5.0, "b": 56.0}
    # the same counts as order ids made of the second
    ids = tx.assign(order_id=tx["customer_id"] + tx["order_date"].dt.floor("s").astype(str))
    pd.testing.assert_frame_equal(customer_summary(ids, observation_end="2024-03-10"), out)
