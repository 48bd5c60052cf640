"""Cleaning rules: each rule alone, switched off, netting, reconciliation, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custlib.data.cleaning import RULES, clean_transactions
from custlib.data.loading import load_transactions
from custlib.errors import DataError, EmptyResultError, ParameterError

ALL_OFF = {r: False for r in RULES if r != "parse_types"}


def frame(rows: list[tuple]) -> pd.DataFrame:
    """Raw (text) contract frame from (customer, order, date, qty, price, product)."""
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "quantity",
                                     "unit_price", "product_id"]).astype(str)
    df["source_row"] = np.arange(len(df), dtype="int64")
    return df


def only(rule: str) -> dict[str, bool]:
    return {**ALL_OFF, rule: True}


BASE = [
    ("1", "100", "2022-01-05 10:00", "2", "5.00", "A"),
    ("1", "101", "2022-02-05 10:00", "1", "8.00", "K"),
    ("2", "102", "2022-03-01 09:00", "3", "2.50", "A"),
]


def test_clean_log_has_every_rule_and_balances():
    res = clean_transactions(frame(BASE))
    assert list(res.log["rule"]) == ["parse_types", "duplicates", "impossible_dates", "window",
                                     "non_product", "invalid_prices", "missing_customer",
                                     "cancellations", "cancellations_unmatched", "extremes",
                                     "kept", "reconciliation"]
    s = res.reconcile()
    assert (s["raw_rows"], s["kept_rows"], s["raw_revenue"], s["kept_revenue"]) == \
        (3, 3, 25.5, 25.5)
    assert res.transactions["order_date"].dtype == "datetime64[ns]"
    assert res.transactions["amount"].tolist() == [10.0, 8.0, 7.5]


def test_duplicates_rule_alone_and_off():
    rows = BASE + [BASE[0]]
    res = clean_transactions(frame(rows), rules=only("duplicates"))
    assert len(res.transactions) == 3
    assert res.removed["source_row"].tolist() == [3]
    assert res.removed["revenue"].tolist() == [10.0]
    off = clean_transactions(frame(rows), rules=ALL_OFF)
    assert len(off.transactions) == 4 and off.removed.empty


def test_impossible_dates_and_window():
    rows = BASE + [("3", "103", "1970-01-01 00:00", "1", "4", "A"),
                   ("3", "104", "2099-01-01 00:00", "1", "4", "A"),
                   ("3", "105", "2021-12-31 23:59", "1", "4", "A"),
                   ("3", "106", "2022-03-01 23:30", "1", "4", "A")]
    res = clean_transactions(frame(rows), rules=only("impossible_dates"))
    assert sorted(res.removed["order_id"]) == ["103", "104"]
    res = clean_transactions(frame(rows), rules={**only("window"), "impossible_dates": True},
                             observation_start="2022-01-01", observation_end="2022-03-01")
    by_rule = res.removed.groupby("rule")["order_id"].apply(sorted).to_dict()
    assert by_rule == {"impossible_dates": ["103", "104"], "window": ["105"]}
    assert "106" in set(res.transactions["order_id"])  # the end day counts in full


def test_non_product_codes_and_prices():
    rows = BASE + [("1", "100", "2022-01-05 10:00", "1", "12.00", "POST"),
                   ("1", "107", "2022-01-06 10:00", "1", "0", "A"),
                   ("2", "108", "2022-01-07 10:00", "1", "-50", "Z"),
                   ("2", "109", "2022-01-08 10:00", "0", "5", "A")]
    res = clean_transactions(frame(rows), rules=only("non_product"))
    assert res.removed["product_id"].tolist() == ["POST"]
    assert res.removed["revenue"].sum() == 12.0
    res = clean_transactions(frame(rows), rules=only("invalid_prices"))
    assert sorted(res.removed["order_id"]) == ["107", "108", "109"]
    assert res.removed["revenue"].sum() == -50.0
    custom = clean_transactions(frame(rows), rules=only("non_product"),
                                non_product_codes=["Z"])
    assert custom.removed["product_id"].tolist() == ["Z"]


def test_missing_customer_is_set_aside_with_its_revenue():
    rows = BASE + [("", "110", "2022-01-09 10:00", "4", "2.5", "A"),
                   ("nan", "111", "2022-01-09 11:00", "1", "1", "K")]
    res = clean_transactions(frame(rows), rules=only("missing_customer"))
    assert len(res.anonymous) == 2 and res.anonymous["amount"].sum() == 11.0
    assert res.removed.empty
    s = res.reconcile()
    assert s["set_aside_revenue"] == 11.0 and s["kept_revenue"] == 25.5
    row = res.log.set_index("rule").loc["missing_customer"]
    assert (row["action"], row["rows"], row["revenue"]) == ("set aside", 2, 11.0)


def test_full_cancellation_nets_both_lines():
    rows = BASE + [("1", "C200", "2022-01-10 10:00", "-2", "5.00", "A")]
    res = clean_transactions(frame(rows), rules=only("cancellations"))
    assert sorted(res.removed["order_id"]) == ["100", "C200"]
    assert res.removed["revenue"].sum() == 0.0
    assert res.reconcile()["kept_revenue"] == 15.5


def test_partial_cancellation_across_two_lines_most_recent_first():
    rows = [("1", "100", "2022-01-01 10:00", "2", "5", "A"),
            ("1", "101", "2022-01-03 10:00", "3", "5", "A"),
            ("1", "C102", "2022-01-05 10:00", "-4", "5", "A")]
    res = clean_transactions(frame(rows), rules=only("cancellations"))
    kept = res.transactions.set_index("order_id")
    # LIFO: the 3 units of order 101 go first, then 1 of the 2 units of order 100
    assert list(kept.index) == ["100"] and kept.loc["100", "quantity"] == 1.0
    assert kept.loc["100", "amount"] == 5.0
    assert res.adjustments[["source_row", "quantity_removed", "revenue"]].values.tolist() == \
        [[0, 1.0, 5.0]]
    assert sorted(res.removed["order_id"]) == ["101", "C102"]
    res.reconcile()


def test_cancellation_never_nets_a_later_order_or_another_customer():
    rows = [("1", "C100", "2022-01-01 10:00", "-1", "5", "A"),
            ("1", "101", "2022-01-03 10:00", "1", "5", "A"),
            ("2", "102", "2021-12-20 10:00", "1", "5", "A")]
    res = clean_transactions(frame(rows), rules=only("cancellations"))
    assert sorted(res.transactions["order_id"]) == ["101", "102"]
    assert res.removed["rule"].tolist() == ["cancellations_unmatched"]
    kept = clean_transactions(frame(rows), rules=only("cancellations"),
                              unmatched_cancellations="keep")
    assert sorted(kept.transactions["order_id"]) == ["101", "102", "C100"]
    assert kept.transactions["amount"].sum() == 5.0


def test_unmatched_remainder_of_a_partial_cancellation():
    rows = [("1", "100", "2022-01-01 10:00", "2", "5", "A"),
            ("1", "C101", "2022-01-02 10:00", "-3", "5", "A"),
            ("2", "102", "2022-01-02 10:00", "1", "4", "A")]
    res = clean_transactions(frame(rows), rules=only("cancellations"))
    assert res.transactions["order_id"].tolist() == ["102"]
    removed = res.removed.set_index("order_id")
    assert removed.loc["100", "rule"] == "cancellations" and removed.loc["100", "revenue"] == 10
    assert removed.loc["C101", "rule"] == "cancellations_unmatched"
    assert removed.loc["C101", "revenue"] == -5.0  # the unmatched unit only
    assert res.adjustments["revenue"].tolist() == [-10.0]  # the netted part of C101
    assert res.reconcile()["raw_revenue"] == -1.0


def test_return_on_a_normal_invoice_is_netted():
    rows = BASE + [("2", "300", "2022-03-10 10:00", "-1", "2.50", "A")]
    res = clean_transactions(frame(rows), rules=only("cancellations"))
    kept = res.transactions.set_index("order_id")
    assert kept.loc["102", "quantity"] == 2.0
    assert "1 returns" in res.log.set_index("rule").loc["cancellations", "describe"]


def test_netting_without_product_id_uses_the_unit_price():
    rows = frame([("1", "100", "2022-01-01", "2", "5", ""),
                  ("1", "101", "2022-01-01", "1", "7", ""),
                  ("1", "C1", "2022-01-02", "-1", "7", "")]).drop(columns="product_id")
    res = clean_transactions(rows, rules=only("cancellations"))
    assert sorted(res.transactions["order_id"]) == ["100"]


def test_extremes_are_flagged_not_dropped():
    rng = np.random.default_rng(1)
    rows = [(str(i % 30), str(1000 + i), "2022-02-01", str(int(q)), "3", "A")
            for i, q in enumerate(rng.integers(1, 6, 200))]
    rows.append(("5", "9999", "2022-02-02", "5000", "3", "A"))
    res = clean_transactions(frame(rows), rules=only("extremes"))
    assert len(res.transactions) == 201
    flagged = res.transactions[res.transactions["is_extreme"]]
    assert flagged["order_id"].tolist() == ["9999"]
    assert "quantity above" in flagged["extreme_reason"].iloc[0]


def test_parse_errors_name_column_and_rows_or_are_counted():
    rows = BASE + [("3", "400", "31/31/2022", "1", "2", "A"),
                   ("3", "401", "2022-01-01", "1", "two", "A")]
    with pytest.raises(DataError) as err:
        clean_transactions(frame(rows))
    assert "'order_date'" in str(err.value) and "row 3: '31/31/2022'" in str(err.value)
    res = clean_transactions(frame(rows), drop_invalid=True)
    assert sorted(res.removed["order_id"]) == ["400", "401"]
    assert set(res.removed["reason"]) == {"unparsable order_date", "unparsable unit_price"}
    res.reconcile()
    with pytest.raises(DataError, match="'unit_price'.*'two'"):
        clean_transactions(frame(BASE + [rows[-1]]))


def test_empty_result_names_the_rule():
    with pytest.raises(EmptyResultError, match="'window'.*observation_start"):
        clean_transactions(frame(BASE), observation_start="2023-01-01")


def test_bad_parameters():
    with pytest.raises(ParameterError, match="'dedupe'"):
        clean_transactions(frame(BASE), rules={"dedupe": False})
    with pytest.raises(ParameterError, match="cannot be switched off"):
        clean_transactions(frame(BASE), rules={"parse_types": False})
    with pytest.raises(ParameterError, match="unmatched_cancellations"):
        clean_transactions(frame(BASE), unmatched_cancellations="ignore")
    with pytest.raises(ParameterError, match="before 'observation_start'"):
        clean_transactions(frame(BASE), observation_start="2022-05-01",
                           observation_end="2022-01-01")
    with pytest.raises(ParameterError, match="'observation_end' is 'soon'"):
        clean_transactions(frame(BASE), observation_end="soon")


def test_input_is_never_modified():
    raw = frame(BASE + [BASE[0], ("1", "C9", "2022-03-01", "-1", "8", "K")])
    before = raw.copy()
    clean_transactions(raw)
    pd.testing.assert_frame_equal(raw, before)


def test_amount_only_logs_get_quantity_one_and_derived_order_ids():
    raw = pd.DataFrame({"customer_id": ["1", "1"], "order_date": ["2022-01-01", "2022-01-01"],
                        "amount": ["10", "5"], "source_row": [0, 1]})
    res = clean_transactions(raw, rules={"duplicates": False})
    t = res.transactions
    assert t["quantity"].tolist() == [1.0, 1.0] and t["unit_price"].tolist() == [10.0, 5.0]
    assert t["order_id"].nunique() == 1


@pytest.mark.parametrize("preset", ["cdnow_sample", "cdnow_master"])
def test_cdnow_reconciles(preset):
    raw = load_transactions(preset)
    res = clean_transactions(raw, rules={"duplicates": False, "invalid_prices": False})
    s = res.reconcile()
    assert s["kept_rows"] == len(raw) and s["raw_rows"] == len(raw)
    assert s["kept_revenue"] == pytest.approx(
        pd.to_numeric(raw["amount"]).sum(), rel=1e-12)
    assert s["kept_customers"] == raw["customer_id"].nunique()


def test_demo_data_reconciles_and_every_kind_of_dirt_is_caught():
    raw = load_transactions("demo")
    res = clean_transactions(raw, observation_start="2022-01-01", observation_end="2024-12-31")
    s = res.reconcile()
    assert s["raw_rows"] == len(raw)
    log = res.log.set_index("rule")
    for rule in ("duplicates", "impossible_dates", "non_product", "invalid_prices",
                 "missing_customer", "cancellations", "cancellations_unmatched", "extremes"):
        assert log.loc[rule, "rows"] > 0, rule
    assert log.loc["impossible_dates", "rows"] == 6
    assert not res.transactions["customer_id"].isna().any()
    assert (res.transactions["quantity"] > 0).all()
    assert res.transactions["order_date"].between("2022-01-01", "2025-01-01").all()


def test_amount_only_refunds_become_negative_lines_and_net():
    raw = pd.DataFrame({"customer_id": ["1", "1", "2"],
                        "order_date": ["2022-01-01", "2022-01-05", "2022-01-02"],
                        "amount": ["10", "-10", "7"], "source_row": [0, 1, 2]})
    res = clean_transactions(raw)
    assert res.transactions["customer_id"].tolist() == ["2"]
    assert sorted(res.removed["revenue"]) == [-10.0, 10.0]
    assert res.reconcile()["kept_revenue"] == 7.0
