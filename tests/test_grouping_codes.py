"""The fast paths that group on integer customer codes against plain pandas references.

customer_summary, calibration_holdout, tracking and profile_cards group a log by customer
on codes factorised once instead of on the (arrow-backed) id strings. Each is compared
here with a straightforward pandas computation on a small random log: awkward ids (empty,
spaces, accents, CJK, digits that sort as text, quotes), several lines at one timestamp,
one-purchase customers, an order id shared by two customers, unsorted lines. Amounts are
multiples of 1/4, so every sum is exact in any order and the comparisons can be exact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custlib.data.ids import line_labels
from custlib.errors import ParameterError
from custlib.i18n import label
from custlib.segments.profiles import _top, profile_cards
from custlib.value.diagnostics import tracking
from custlib.value.purchase import BTYDModel
from custlib.value.split import calibration_holdout
from custlib.value.summary import customer_codes, customer_summary

AWKWARD = ["", " a", "a ", "a", "A", "é", "e", "中文", "10", "9", "09", 'q"uote', "c,omma",
           "x\ny", "🙂", "zz", "b", "one-off-1", "one-off-2"]


def _log(seed: int = 0, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    repeat = AWKWARD[:-2]
    ids = rng.choice(repeat, n)
    days = rng.integers(0, 400, n)
    secs = rng.choice([0, 3600, 3600, 43200], n)  # repeated timestamps: ties
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(days, unit="D") + \
        pd.to_timedelta(secs, unit="s")
    amounts = rng.integers(-4, 400, n) / 4
    orders = [f"o{i // 2}" for i in range(n)]  # two lines per order id...
    tx = pd.DataFrame({"customer_id": ids, "order_id": orders, "order_date": dates,
                       "amount": amounts, "category": rng.choice(["x", "y", "z"], n),
                       "channel": rng.choice(["web", "shop"], n)})
    extra = pd.DataFrame({"customer_id": ["one-off-1", "one-off-2", "b"],
                          "order_id": ["o1", "p2", "p3"],  # ...and o1 shared by two customers
                          "order_date": pd.to_datetime(["2023-03-01", "2024-01-20",
                                                        "2024-02-03"]),
                          "amount": [2.5, 7.0, 1.25], "category": ["x", "y", "z"],
                          "channel": ["web", "web", "shop"]})
    tx = pd.concat([tx, extra], ignore_index=True)
    tx = tx.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # unsorted
    return tx.astype({"customer_id": "str", "order_id": "str", "category": "str",
                      "order_date": "datetime64[ns]",
                      "channel": "str"})


def _reference_summary(tx: pd.DataFrame, end: str, mult: float) -> pd.DataFrame:
    """customer_summary in daily units, written the plain way."""
    end_ts = pd.Timestamp(end)
    kept = tx[tx["order_date"] < end_ts + pd.Timedelta(days=1)]
    g = kept.groupby("customer_id")
    out = pd.DataFrame({"first_purchase": g["order_date"].min(),
                        "last_purchase": g["order_date"].max(),
                        "n_orders": g["order_id"].nunique(dropna=False),
                        "n_lines": g.size(),
                        "total_revenue": g["amount"].sum()})
    out["avg_order_value"] = out["total_revenue"] / out["n_orders"]
    out["days_since_last_purchase"] = (
        end_ts.normalize() - out["last_purchase"].dt.normalize()).dt.days.astype(float)
    day = kept["order_date"].dt.normalize()
    per_day = kept.assign(day=day).groupby(["customer_id", "day"])["amount"].sum()
    days = per_day.reset_index().groupby("customer_id")
    first, last = days["day"].min(), days["day"].max()
    n_days = days.size()
    out["frequency"] = (n_days - 1).astype(float)
    out["recency"] = (last - first).dt.days / mult
    out["T"] = (end_ts.normalize() - first).dt.days / mult
    first_spend = days["amount"].first()  # per_day is sorted by day within a customer
    repeat = days["amount"].sum() - first_spend
    out["monetary_value"] = np.where(n_days > 1, repeat / (n_days - 1).clip(lower=1), 0.0)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("end, mult", [("2024-02-04", 1.0), ("2023-08-15", 7.0)])
def test_customer_summary_matches_a_plain_pandas_summary(seed, end, mult):
    tx = _log(seed)
    mine = customer_summary(tx, observation_end=end, freq="D", freq_multiplier=mult)
    ref = _reference_summary(tx, end, mult)
    assert list(mine.index) == sorted(set(tx.loc[tx["order_date"] < pd.Timestamp(end)
                                                 + pd.Timedelta(days=1), "customer_id"]))
    pd.testing.assert_frame_equal(mine, ref.loc[mine.index], check_exact=True,
                                  check_names=False)


def test_customer_codes_sort_as_groupby_and_flag_missing_ids():
    tx = _log(3)
    codes = customer_codes(tx)
    assert list(codes.uniques) == list(tx.groupby("customer_id").size().index)
    assert (codes.uniques[codes.codes] == tx["customer_id"]).all()
    gap = tx.assign(customer_id=tx["customer_id"].where(tx.index != 5))
    assert customer_codes(gap).codes[5] == -1
    with pytest.raises(ParameterError, match="missing ids"):
        customer_summary(gap)


@pytest.mark.parametrize("seed", [0, 4])
def test_calibration_holdout_matches_plain_pandas_holdout_counts(seed):
    tx = _log(seed)
    out = calibration_holdout(tx, "2023-09-30", "2024-01-31", unit="weeks")
    cal = customer_summary(tx, observation_end="2023-09-30", freq="D", freq_multiplier=7.0)
    pd.testing.assert_frame_equal(out[cal.columns], cal, check_exact=True)
    day = tx["order_date"].dt.normalize()
    hold = tx[(day > "2023-09-30") & (day <= "2024-01-31")].assign(day=day)
    per_day = hold.groupby(["customer_id", "day"])["amount"].sum().groupby("customer_id")
    count = per_day.size().reindex(cal.index, fill_value=0).astype(float)
    mean = per_day.mean().reindex(cal.index, fill_value=0.0)
    np.testing.assert_array_equal(out["frequency_holdout"], count)
    np.testing.assert_array_equal(out["monetary_value_holdout"], mean)
    assert (out["frequency_holdout"] > 0).any() and (out["frequency_holdout"] == 0).any()


def _bgnbd() -> BTYDModel:
    model = BTYDModel("bgnbd")
    model.params_ = pd.Series({"r": 0.8, "alpha": 30.0, "a": 0.6, "b": 2.5})
    return model


def test_tracking_matches_a_customer_by_customer_count():
    tx = _log(5)
    model = _bgnbd()
    out = tracking(model, tx, "2023-09-30", "2024-01-31", unit="weeks")
    day = (tx["order_date"].astype("int64") // 86_400_000_000_000).to_numpy()
    end_day = int(pd.Timestamp("2024-01-31").value // 86_400_000_000_000)
    cal_day = int(pd.Timestamp("2023-09-30").value // 86_400_000_000_000)
    visits = {c: sorted({d for d in day[(tx["customer_id"] == c).to_numpy()] if d <= end_day})
              for c in tx["customer_id"].unique()}
    cohort = {c: v for c, v in visits.items() if v and v[0] <= cal_day}
    origin = min(v[0] for v in cohort.values())
    edges = origin + np.arange(len(out) + 1) * 7.0
    repeats = [d for v in cohort.values() for d in v[1:]]
    actual = np.histogram(np.array(repeats) + 0.5, bins=edges)[0].astype(float)
    np.testing.assert_array_equal(out["actual"].to_numpy(), actual)
    cumulative = sum(np.asarray(model.expected_purchases_new(
        np.clip((edges[1:] - (v[0] + 1)) / 7.0, 0, None))) for v in cohort.values())
    np.testing.assert_allclose(out["cumulative_expected"].to_numpy(), cumulative,
                               rtol=1e-12, atol=0)


def test_tracking_leaves_lines_without_a_customer_out():
    tx = _log(6)
    gap = pd.concat([tx, tx.iloc[:3].assign(customer_id=np.nan)], ignore_index=True)
    gap["customer_id"] = gap["customer_id"].astype("str")
    model = _bgnbd()
    pd.testing.assert_frame_equal(
        tracking(model, gap, "2023-09-30", "2024-01-31", unit="weeks"),
        tracking(model, tx, "2023-09-30", "2024-01-31", unit="weeks"), check_exact=True)


@pytest.mark.parametrize("dtype", ["category", "str", "int64", "float64"])
def test_line_labels_equal_series_map(dtype):
    tx = _log(7)
    ids = sorted(set(tx["customer_id"]))[:-3]  # some customers without a label
    rng = np.random.default_rng(7)
    values = pd.Series(rng.integers(1, 4, len(ids)), index=pd.Index(ids, dtype="str"))
    labels = values.astype(str).astype(dtype) if dtype in ("category", "str") \
        else values.astype(dtype)
    pd.testing.assert_series_equal(line_labels(tx["customer_id"], labels),
                                   tx["customer_id"].map(labels), check_exact=True)


def test_profile_cards_top_categories_match_a_merge():
    tx = _log(8)
    cust = customer_summary(tx)
    seg = pd.Series(np.where(cust["n_orders"] > 20, "many", "few"), index=cust.index)
    table = cust.assign(seg=pd.Categorical(seg))
    cards = profile_cards(table, "seg", transactions=tx)
    merged = tx.merge(table[["seg"]], left_on="customer_id", right_index=True)
    for name, d in merged.groupby("seg", observed=True):
        for col, key in (("category", "top_categories"), ("channel", "top_channels")):
            assert cards.loc[name, label("segments.column", key, "en")] == \
                _top(d[col], d["amount"])


@pytest.mark.parametrize("labels", ["text", "numbers"])
def test_needs_by_segment_equal_mapping_every_line(labels):
    """price_sensitivity and preferences label each line by its customer's segment once per
    distinct customer; the same tables as mapping every line, with customers outside the
    segments and a line without a customer pooled as "(not segmented)"."""
    from custlib.report import needs

    tx = _log(3)
    tx = tx.assign(quantity=np.arange(len(tx)) % 5 + 1.0, unit_price=tx["amount"].abs() + 1,
                   product_id=[f"p{i % 7}" for i in range(len(tx))])
    tx.loc[5, "customer_id"] = None
    ids = sorted(set(tx["customer_id"].dropna()))
    seg = pd.Series([("big", "small")[i % 2] if labels == "text" else i % 3
                     for i in range(len(ids) - 3)], index=ids[:-3])  # 3 customers unsegmented
    # (segments as objects: numbers stay whole, "1" not "1.0", next to the unsegmented)
    of = dict(zip(seg.index.astype(str), seg.tolist(), strict=True))
    plain = pd.Series([of.get(c, needs.UNMATCHED) for c in tx["customer_id"].astype(str)],
                      index=tx.index, dtype=object)
    assert (plain == needs.UNMATCHED).sum() > 1
    got = needs.price_sensitivity(tx, seg)
    g = tx.assign(seg=plain).groupby("seg")
    assert got.loc[needs.UNMATCHED, "spend_per_order"] == pytest.approx(
        g["amount"].sum()[needs.UNMATCHED] / g["order_id"].nunique()[needs.UNMATCHED])
    shares = needs.preferences(tx, seg)
    by_hand = tx.groupby([plain, tx["category"]])["amount"].sum().unstack(fill_value=0.0)
    by_hand = by_hand.div(by_hand.sum(axis=1), axis=0)
    by_hand.index = by_hand.index.astype(str)
    pd.testing.assert_frame_equal(shares.sort_index()[sorted(shares.columns)],
                                  by_hand.sort_index()[sorted(by_hand.columns)],
                                  check_names=False, check_exact=True, check_index_type=False)
