"""The lifecycle's fast paths equal the obvious computations by text ids.

Stages, snapshots, transitions, cohorts and the action lists group millions of rows; they
factorise the customer ids once and work on integer codes (grouping by text ids hashed
every string again per ``groupby``). Each test here computes the same table the plain way,
by the ids, on logs made to trip an order-dependent shortcut: ids whose text order differs
from their number order, Chinese and spaced ids, one-day customers, purchases given out of
order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custlib.errors import DataError, EmptyResultError
from custlib.lifecycle import actions, cohorts, stages, transitions
from custlib.lifecycle.stages import STAGES

IDS = ["10", "9", "100", "a b", "客户7", "x", "2", "Z", "09", "b"]


def _log(seed: int, n: int = 400) -> pd.DataFrame:
    """Order lines of a few customers over two years, shuffled."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(IDS, size=n, p=np.r_[0.3, 0.2, [0.5 / 8] * 8])
    when = pd.Timestamp("2022-01-03") + pd.to_timedelta(rng.integers(0, 700, n), unit="D") \
        + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s")
    return pd.DataFrame({"customer_id": pd.array(ids, dtype="str"), "order_date": when,
                         "order_id": [f"o{i // 2}" for i in range(n)],
                         "category": rng.choice(["toys", "food", None], size=n),
                         "amount": rng.gamma(2.0, 30.0, n).round(2)})


def _days_by_text(tx: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame({"customer_id": tx["customer_id"].astype(str).to_numpy(dtype=object),
                          "day": tx["order_date"].dt.normalize().to_numpy(),
                          "revenue": tx["amount"].to_numpy(dtype=float)})
    out = frame.groupby(["customer_id", "day"], sort=True)["revenue"].sum().reset_index()
    out["customer_id"] = out["customer_id"].astype("str")
    return out


def _state_by_text(days: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
    d = days[days["day"] <= at]
    g = d.groupby("customer_id", sort=True)
    first, last, n = g["day"].min(), g["day"].max(), g.size()
    prev_day = d["day"].where(d["customer_id"].eq(d["customer_id"].shift(-1)))
    second_last = prev_day.groupby(d["customer_id"]).max()
    return pd.DataFrame({"first_purchase": first, "last_purchase": last, "purchase_days": n,
                         "revenue": g["revenue"].sum(),
                         "previous_gap": (last - second_last).dt.days.astype(float)})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_purchase_days_and_states_equal_grouping_by_text(seed):
    tx = _log(seed)
    days = stages.purchase_days(tx)
    pd.testing.assert_frame_equal(days, _days_by_text(tx), check_exact=True)
    assert list(days["customer_id"].unique()) == sorted(set(tx["customer_id"]))
    stager = stages.LifecycleStager().fit(days)
    for at in ("2022-03-31", "2023-01-15", "2023-12-31"):
        got = stager.state_at(days, at)
        want = _state_by_text(days, pd.Timestamp(at))
        assert list(got.index) == list(want.index)
        pd.testing.assert_frame_equal(got[want.columns], want, check_exact=True,
                                      check_names=False)
        # days in another order: the same customers, sorted, and the same spans
        mixed = stager.state_at(days.sample(frac=1.0, random_state=seed), at)
        assert list(mixed.index) == list(want.index)
        pd.testing.assert_frame_equal(mixed[["first_purchase", "last_purchase", "purchase_days"]],
                                      want[["first_purchase", "last_purchase", "purchase_days"]],
                                      check_names=False)


def test_purchase_days_of_odd_logs_equal_grouping_by_text():
    """Missing ids and dates left out, days before 1970, timestamps in microseconds or with
    a time zone, and no amounts: the days grouping by the two columns gives."""
    tx = _log(4, n=300)
    tx.loc[[3, 50, 51], "customer_id"] = None
    tx.loc[[7, 80], "order_date"] = pd.NaT
    tx.loc[[10, 11, 12], "order_date"] = pd.to_datetime(["1969-12-31 23:59:59", "1969-12-31",
                                                         "1901-05-06 12:00"], format="ISO8601")

    def by_text(log, money=True):
        kept = log.dropna(subset=["customer_id", "order_date"])
        frame = pd.DataFrame({"customer_id": kept["customer_id"].to_numpy(dtype=object),
                              "day": kept["order_date"].dt.normalize(),
                              "revenue": kept["amount"].to_numpy(dtype=float) if money else 0.0})
        out = frame.groupby(["customer_id", "day"], sort=True)["revenue"].sum().reset_index()
        out["customer_id"] = out["customer_id"].astype("str")
        return out

    days = stages.purchase_days(tx)
    pd.testing.assert_frame_equal(days, by_text(tx), check_exact=True)
    assert days["day"].min() == pd.Timestamp("1901-05-06") and len(days) < len(tx) - 5
    micro = tx.assign(order_date=tx["order_date"].astype("datetime64[us]"))
    got = stages.purchase_days(micro)
    assert got["day"].dtype == "datetime64[us]"
    pd.testing.assert_frame_equal(got, by_text(micro), check_exact=True)
    pd.testing.assert_frame_equal(stages.purchase_days(tx, monetary_col=None),
                                  by_text(tx, money=False), check_exact=True)
    zoned = tx.assign(order_date=tx["order_date"].dt.tz_localize("Asia/Shanghai"))
    pd.testing.assert_frame_equal(stages.purchase_days(zoned), by_text(zoned), check_exact=True)
    with pytest.raises(EmptyResultError, match="empty"):
        stages.purchase_days(tx.assign(customer_id=pd.Series([None] * len(tx), dtype="str")))


def test_snapshots_are_the_states_at_each_date():
    days = stages.purchase_days(_log(3))
    stager = stages.LifecycleStager().fit(days)
    registered = pd.Series(pd.to_datetime(["2022-01-01", "2023-06-01"]), index=["new1", "x"])
    snaps = stager.snapshots(days, end="2023-12-31", registered=registered)
    assert isinstance(snaps["stage"].dtype, pd.CategoricalDtype)
    for at, rows in snaps.groupby("snapshot"):
        state = stager.state_at(days, at, registered=registered)
        assert list(rows["customer_id"]) == list(state.index)
        assert list(rows["stage"].astype(str)) == list(state["stage"].astype(str))
        assert np.array_equal(rows["revenue"].to_numpy(), state["revenue"].fillna(0).to_numpy())
    assert "new1" in set(snaps["customer_id"])  # registered, never bought: potential


def _moves_by_join(snaps: pd.DataFrame, pairs: list[tuple]) -> pd.DataFrame:
    by_date = {k: v.set_index("customer_id")["stage"] for k, v in snaps.groupby("snapshot")}
    moves = pd.concat([by_date[a].to_frame("from").join(by_date[b].rename("to"), how="inner")
                       for a, b in pairs])
    table = pd.crosstab(pd.Categorical(moves["from"], categories=list(STAGES)),
                        pd.Categorical(moves["to"], categories=list(STAGES)), dropna=False)
    return table.reindex(index=list(STAGES), columns=list(STAGES), fill_value=0)


@pytest.mark.parametrize("shape", ["shuffled", "as_made", "as_text"])
def test_transition_matrix_equals_joining_snapshots_by_id(shape):
    """Rows in any order, or each snapshot's together (read in slices), ids and stages as
    categoricals (as snapshots are made) or as text (as a file reads them)."""
    days = stages.purchase_days(_log(4))
    snaps = stages.LifecycleStager().fit(days).snapshots(days, end="2023-12-31")
    if shape == "shuffled":
        snaps = snaps.sample(frac=1.0, random_state=0)  # rows in any order
    elif shape == "as_text":
        snaps = snaps.astype({"customer_id": "str", "stage": "str"})
    dates = sorted(snaps["snapshot"].unique())
    got = transitions.transition_matrix(snaps)
    want = _moves_by_join(snaps, list(zip(dates[:-1], dates[1:], strict=True)))
    assert got.to_numpy().sum() > 50
    assert np.array_equal(got.to_numpy(), want.to_numpy())
    for a, b in [(dates[2], dates[-1]), (dates[-1], dates[2]), (dates[5], dates[5])]:
        got = transitions.transition_matrix(snaps, between=(a, b))
        assert np.array_equal(got.to_numpy(), _moves_by_join(snaps, [(a, b)]).to_numpy())


def test_transition_matrix_refuses_a_customer_twice_in_a_snapshot():
    days = stages.purchase_days(_log(5))
    snaps = stages.LifecycleStager().fit(days).snapshots(days, end="2023-12-31")
    twice = pd.concat([snaps, snaps.iloc[[7]]], ignore_index=True)
    who = snaps["customer_id"].iloc[7]
    with pytest.raises(DataError, match=f"customer '{who}' appears more than once in the snap"):
        transitions.transition_matrix(twice)
    with pytest.raises(DataError, match=f"customer '{who}' appears more than once in the snap"):
        transitions.transition_matrix(twice.sort_values("snapshot", kind="stable"))


@pytest.mark.parametrize("freq", ["M", "Q", "W"])
def test_cohort_ages_are_periods_since_the_first(freq):
    days = stages.purchase_days(_log(6))
    got = cohorts.cohort_revenue(days, freq=freq)
    d = days.assign(period=days["day"].dt.to_period(freq))
    d["cohort"] = d.groupby("customer_id")["period"].transform("min")
    d["age"] = (d["period"] - d["cohort"]).map(lambda off: off.n)
    want = d.groupby(["period", "cohort"])["revenue"].sum().unstack(fill_value=0.0)
    assert np.allclose(got.to_numpy(), want.to_numpy(), rtol=0, atol=1e-9)
    retention = cohorts.cohort_retention(days, freq=freq, counts=True)
    active = d.drop_duplicates(["customer_id", "period"]).groupby(["cohort", "age"]).size()
    shown = [retention.loc[cohort.to_timestamp(), age] for cohort, age in active.index]
    assert [n for n in shown if not np.isnan(n)] == \
        [n for n, s in zip(active, shown, strict=True) if not np.isnan(s)]
    assert np.isfinite(shown).sum() >= len(shown) - len(retention)  # only the last period hidden


def test_cohorts_refuse_days_without_a_customer():
    days = stages.purchase_days(_log(7))
    days.loc[3, "customer_id"] = None
    with pytest.raises(DataError, match="1 purchase days have no customer_id"):
        cohorts.cohort_retention(days)


def test_time_to_second_leaves_out_days_without_a_customer():
    days = pd.DataFrame({"customer_id": pd.array([None, "a", None, "a", "b"], dtype="str"),
                         "day": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03",
                                                "2024-01-09", "2024-01-05"])})
    got = actions._time_to_second(days, pd.Index(["a", "b"]))
    assert got.to_dict() == {"a": 7.0}


def test_action_lists_take_purchase_days_in_any_order():
    tx = _log(8, n=600)
    days = stages.purchase_days(tx)
    stager = stages.LifecycleStager(new_days=400).fit(days)
    state = stager.state_at(days, "2023-12-31")
    plain = actions.action_lists(state, tx, stager=stager)
    shuffled = actions.action_lists(state, tx, stager=stager,
                                    days=days.sample(frac=1.0, random_state=1))
    for key in plain:
        pd.testing.assert_frame_equal(plain[key], shuffled[key], check_exact=True)
    # the onboarding list's wait: the median days from a repeat buyer's first to second day
    second = days.groupby("customer_id")["day"].apply(
        lambda s: (s.iloc[1] - s.iloc[0]).days if len(s) > 1 else np.nan).dropna()
    repeat = state.index[state["purchase_days"] > 1]
    assert actions._time_to_second(days, repeat).median() == second.reindex(repeat).median()


def test_growth_counts_distinct_orders_and_known_categories():
    tx = _log(9)
    got = actions._breadth(tx, customer_id_col="customer_id", category_col="category",
                           order_id_col="order_id")
    assert list(got["orders"]) == list(tx.groupby("customer_id")["order_id"].nunique())
    assert list(got["categories"]) == list(tx.groupby("customer_id")["category"].nunique())
    assert list(got.index) == sorted(set(tx["customer_id"]))


@pytest.mark.parametrize("dtype", ["str", "category", "Int64"])
def test_lines_without_a_customer_belong_to_no_one(dtype):
    """A line without a customer id is nobody's purchase day (its code, -1, must not index
    the last customer), in any id dtype; a log of such lines alone has no purchase day."""
    tx = _log(10, n=200)
    if dtype == "Int64":
        tx["customer_id"] = pd.array(np.arange(len(tx)) % 7, dtype="Int64")
    tx["customer_id"] = tx["customer_id"].astype(dtype)
    tx.loc[tx.index[::9], "customer_id"] = None
    days = stages.purchase_days(tx)
    known = tx[tx["customer_id"].notna()]
    pd.testing.assert_frame_equal(days, _days_by_text(known), check_exact=True)
    empty = tx.assign(customer_id=pd.array([None] * len(tx), dtype="str"))
    with pytest.raises(EmptyResultError):
        stages.purchase_days(empty)


def test_text_ids_stay_text_whatever_their_dtype():
    days = stages.purchase_days(_log(11))
    stager = stages.LifecycleStager().fit(days)
    as_objects = days.astype({"customer_id": object})
    assert stager.state_at(as_objects, "2023-12-31").index.dtype == "str"
    snaps = stager.snapshots(as_objects, end="2023-12-31")
    assert snaps["customer_id"].cat.categories.dtype == "str"  # a code per row, text ids


def test_breadth_counts_no_missing_order_or_customer():
    tx = _log(12)
    tx.loc[tx.index[:60], "order_id"] = None
    tx.loc[tx.index[60:80], "customer_id"] = None
    got = actions._breadth(tx, customer_id_col="customer_id", category_col="category",
                           order_id_col="order_id")
    known = tx[tx["customer_id"].notna()]
    assert got.index.is_unique and list(got.index) == sorted(set(known["customer_id"]))
    assert list(got["orders"]) == list(known.groupby("customer_id")["order_id"].nunique())


def test_snapshot_rows_without_a_customer_and_undated_days_stop():
    days = stages.purchase_days(_log(13))
    snaps = stages.LifecycleStager().fit(days).snapshots(days, end="2023-12-31")
    snaps.loc[4, "customer_id"] = None
    with pytest.raises(DataError, match="1 snapshot rows have no customer_id"):
        transitions.transition_matrix(snaps)
    days.loc[2, "day"] = pd.NaT
    with pytest.raises(DataError, match="1 purchase days have no date"):
        cohorts.cohort_revenue(days)


def test_a_segment_whose_lines_have_no_order_id_spends_without_orders():
    from custlib.report import needs

    tx = _log(14).assign(quantity=1.0, unit_price=5.0)
    seg = pd.Series({c: ("loud" if c == "10" else "quiet") for c in set(tx["customer_id"])})
    tx.loc[tx["customer_id"] == "10", "order_id"] = None
    got = needs.price_sensitivity(tx, seg)
    assert got.loc["loud", "spend_per_order"] == np.inf  # revenue over no known order
    quiet = tx[tx["customer_id"] != "10"]
    assert got.loc["quiet", "spend_per_order"] == pytest.approx(
        quiet["amount"].sum() / quiet["order_id"].nunique())


def test_distinct_per_code_counts_as_nunique_by_group():
    assert actions.distinct_per_code(np.array([1, 1, 0, 1, 2, -1]), np.array([3, 3, 4, -1, -1, 5]),
                                     4).tolist() == [1, 1, 0, 0]
    rng = np.random.default_rng(5)
    group = rng.integers(-1, 50, 5_000)
    value = rng.integers(-1, 30, 5_000)
    got = actions.distinct_per_code(group, value, 50)
    known = group >= 0
    want = pd.Series(value[known]).where(value[known] >= 0).groupby(group[known]).nunique()
    assert got.dtype == np.int64 and got.tolist() == want.reindex(range(50), fill_value=0).tolist()
    assert actions.distinct_per_code(np.zeros(0, int), np.zeros(0, int), 2).tolist() == [0, 0]
