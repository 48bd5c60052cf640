"""Lifecycle stages, transitions, balance, cohorts, survival and action lists."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from custlib.data.cleaning import clean_transactions
from custlib.data.loading import load_table, load_transactions
from custlib.data.tables import prepare_customers
from custlib.errors import DataError, ParameterError
from custlib.lifecycle import actions, cohorts, transitions
from custlib.lifecycle import stages as lifecycle
from custlib.plots import lifecycle as lifecycleplots


def _days(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    tx = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    return lifecycle.purchase_days(tx)


@pytest.fixture
def hand() -> pd.DataFrame:
    """Hand-made histories; the stages on 2024-06-30 are known (active 30, churn 90 days)."""
    return _days([
        ("churn", "2024-01-01", 10), ("churn", "2024-02-01", 10),           # silent 150 days
        ("dorm", "2024-03-01", 10), ("dorm", "2024-03-20", 10),             # 102 > 90: churned
        ("dorm2", "2024-05-01", 10), ("dorm2", "2024-05-15", 10),           # silent 46 > 30
        ("new", "2024-06-20", 10),                                          # first 10 days ago
        ("react", "2024-01-05", 10), ("react", "2024-06-25", 10),           # back after 172 days
        ("risk", "2024-05-01", 10), ("risk", "2024-05-06", 10),
        ("risk", "2024-05-11", 10), ("risk", "2024-06-06", 10),             # 24 > 1.5 x 11.7
        ("loyal", "2024-05-20", 10), ("loyal", "2024-06-01", 10),
        ("loyal", "2024-06-15", 10), ("loyal", "2024-06-28", 10),           # 4 days, on rhythm
        ("act", "2024-05-25", 10), ("act", "2024-06-22", 10),               # 2 days, 8 < 1.5 x 28
        ("act", "2024-06-22", 5),                                           # same day: one day
    ])


@pytest.fixture
def hand_stager(hand) -> lifecycle.LifecycleStager:
    return lifecycle.LifecycleStager(active_days=30, churn_days=90, loyal_purchases=3).fit(hand)


def test_stages_on_hand_made_histories(hand, hand_stager):
    registered = pd.Series(pd.to_datetime(["2024-01-01", "2024-07-15", "2023-05-01"]),
                           index=["pot", "later", "churn"])
    state = hand_stager.state_at(hand, "2024-06-30", registered=registered)
    expected = {"churn": "churned", "dorm": "churned", "dorm2": "dormant", "new": "new",
                "react": "reactivated", "risk": "at_risk", "loyal": "loyal", "act": "active",
                "pot": "potential"}
    assert state["stage"].astype(str).to_dict() == expected  # "later" registered after
    assert state.loc["act", "purchase_days"] == 2 and state.loc["act", "revenue"] == 25
    assert state.loc["react", "previous_gap"] == 172
    assert state.loc["risk", "mean_gap"] == pytest.approx(36 / 3)


def test_reactivation_is_a_stage_then_a_flow(hand, hand_stager):
    snaps = hand_stager.snapshots(hand, start="2024-01-31", end="2024-06-30")
    react = snaps[snaps["customer_id"] == "react"].set_index("snapshot")["stage"].astype(str)
    assert react[pd.Timestamp("2024-01-31")] == "new"
    assert react[pd.Timestamp("2024-04-30")] == "churned"
    assert react[pd.Timestamp("2024-06-30")] == "reactivated"
    moves = transitions.transition_matrix(snaps, between=("2024-05-31", "2024-06-30"))
    assert moves.loc["Churned", "Reactivated"] >= 1


def test_p_alive_marks_at_risk(hand, hand_stager):
    p = pd.Series({"loyal": 0.1, "act": 0.9})
    state = hand_stager.state_at(hand, "2024-06-30", p_alive=p)
    assert state.loc["loyal", "stage"] == "at_risk" and state.loc["act", "stage"] == "active"


def test_thresholds_from_the_data(hand):
    st = lifecycle.LifecycleStager().fit(hand)
    gaps = lifecycle._gaps(hand)
    assert sorted(gaps.tolist())[:3] == [5.0, 5.0, 12.0]
    assert st.active_days_ == np.ceil(gaps.quantile(0.8))
    assert st.churn_days_ == max(np.ceil(gaps.quantile(0.95)), 2 * st.active_days_)
    assert st.new_days_ == st.active_days_ and st.loyal_purchases_ >= 3
    table = st.thresholds_table()
    assert "80%" in table.loc["active_days", "how it was chosen"]
    assert "由数据确定" in st.thresholds_table("zh").iloc[0, 1]


def test_stager_clones_and_round_trips_its_parameters(hand):
    from sklearn.base import clone

    stager = lifecycle.LifecycleStager(active_days=30, churn_days=90, risk_factor=2.0)
    params = stager.get_params()
    assert params["active_days"] == 30 and params["risk_factor"] == 2.0
    assert params["loyal_purchases"] is None
    assert clone(stager).get_params() == params
    assert lifecycle.LifecycleStager().set_params(**params).get_params() == params
    fitted = stager.fit(hand)
    assert fitted is stager and fitted.active_days_ == 30.0
    assert not hasattr(clone(fitted), "active_days_")  # a clone is unfitted


def test_moved_names_stay_importable_from_stages():
    from custlib.lifecycle.actions import action_lists, pseudonymise
    from custlib.lifecycle.transitions import new_vs_returning

    assert pseudonymise is actions.pseudonymise and action_lists is actions.action_lists
    assert new_vs_returning is transitions.new_vs_returning
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        lifecycle.nothing  # noqa: B018


def test_stager_errors(hand):
    with pytest.raises(ParameterError, match="risk_factor"):
        lifecycle.LifecycleStager(risk_factor=0.5).fit(hand)
    with pytest.raises(ParameterError, match="'active_days' is -3"):
        lifecycle.LifecycleStager(active_days=-3).fit(hand)
    with pytest.raises(ParameterError, match="must be longer"):
        lifecycle.LifecycleStager(active_days=60, churn_days=30).fit(hand)
    once = _days([("a", "2024-01-01", 1.0), ("b", "2024-02-01", 2.0)])
    # no repeat purchase: the stated convention, not an error (tests/test_degenerate.py)
    assert lifecycle.LifecycleStager().fit(once).churn_days_ == 365.0
    with pytest.raises(ParameterError, match="not fitted"):
        lifecycle.LifecycleStager().state_at(hand, "2024-06-30")
    with pytest.raises(ParameterError, match="'date' is 'someday'"):
        lifecycle.LifecycleStager(active_days=30, churn_days=90).fit(hand).state_at(hand, "someday")


# --- on the demo data ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo():
    tx = clean_transactions(load_transactions("demo"), observation_start="2022-01-01",
                            observation_end="2024-12-31").transactions
    customers, _ = prepare_customers(load_table("customers", "demo"), "en")
    days = lifecycle.purchase_days(tx)
    stager = lifecycle.LifecycleStager().fit(days)
    registered = customers.set_index("customer_id")["signup_date"]
    snaps = stager.snapshots(days, registered=registered)
    state = stager.state_at(days, "2024-12-31", registered=registered)
    return tx, customers, days, stager, registered, snaps, state


def test_stages_partition_the_customers_at_every_snapshot(demo):
    tx, customers, days, stager, registered, snaps, _ = demo
    assert not snaps.duplicated(["snapshot", "customer_id"]).any()
    assert snaps["stage"].notna().all()
    for at, part in list(snaps.groupby("snapshot"))[::7]:
        buyers = days.loc[days["day"] <= at, "customer_id"].unique()
        reg = set(registered.index[registered <= at].astype(str))
        assert set(part["customer_id"]) == set(buyers) | reg
        assert (part["stage"] == "potential").sum() == len(reg - set(buyers))
    counts = transitions.stage_counts(snaps)
    assert (counts.sum(axis=1) == snaps.groupby("snapshot").size()).all()


def test_transition_counts_add_up(demo):
    snaps = demo[5]
    dates = sorted(snaps["snapshot"].unique())
    a, b = dates[10], dates[11]
    moves = transitions.transition_matrix(snaps, between=(a, b))
    both = set(snaps.loc[snaps["snapshot"] == a, "customer_id"]) & \
        set(snaps.loc[snaps["snapshot"] == b, "customer_id"])
    assert moves.to_numpy().sum() == len(both)
    pooled = transitions.transition_matrix(snaps)
    present = sum(len(set(snaps.loc[snaps["snapshot"] == x, "customer_id"]) &
                      set(snaps.loc[snaps["snapshot"] == y, "customer_id"]))
                  for x, y in zip(dates[:-1], dates[1:], strict=True))
    assert pooled.to_numpy().sum() == present
    shares = transitions.transition_matrix(snaps, normalize=True)
    rows = shares.sum(axis=1).dropna()
    assert np.allclose(rows, 1.0)
    # nobody un-buys: nothing moves back to potential, churned never goes to new
    assert (pooled["Potential"].drop("Potential") == 0).all()
    assert pooled.loc["Churned", "New"] == 0
    with pytest.raises(ParameterError, match="not a snapshot date"):
        transitions.transition_matrix(snaps, between=("2023-01-15", b))


def test_new_vs_returning_accounts_for_all_revenue(demo):
    tx, _, days, stager, *_ = demo
    table = transitions.new_vs_returning(days, active_days=stager.active_days_)
    assert table["revenue"].to_numpy().sum() == pytest.approx(tx["amount"].sum())
    firsts = days.groupby("customer_id")["day"].min().dt.to_period("M").value_counts()
    new = table[("customers", "new")]
    assert new.sum() == days["customer_id"].nunique()
    assert new[pd.Timestamp("2023-03-01")] == firsts[pd.Period("2023-03", "M")]
    zh = transitions.new_vs_returning(days, active_days=stager.active_days_, lang="zh")
    assert ("收入", "回流客户") in zh.columns


def test_cohort_retention_and_revenue(demo):
    _, _, days, *_ = demo
    ret = cohorts.cohort_retention(days)
    assert (ret[0] == 1.0).all()
    assert ret.iloc[-1, 1:].isna().all()  # the last cohort has no later month yet
    assert ret.attrs["size"].sum() == days["customer_id"].nunique()
    counts = cohorts.cohort_retention(days, counts=True)
    assert (counts[0] == ret.attrs["size"]).all()
    rev = cohorts.cohort_revenue(days)
    assert rev.to_numpy().sum() == pytest.approx(days["revenue"].sum())
    cum = cohorts.cohort_cumulative_revenue(days)
    first = cum.index[0]
    cohort_ids = days.groupby("customer_id")["day"].min().dt.to_period("M") == \
        pd.Period(first, "M")
    members = cohort_ids[cohort_ids].index
    total = days.loc[days["customer_id"].isin(members), "revenue"].sum()
    assert cum.loc[first].dropna().iloc[-1] * len(members) == pytest.approx(total)
    assert cum.loc[first].dropna().is_monotonic_increasing


def test_cohort_clv_matches_by_id(demo):
    _, _, days, *_ = demo
    ids = days["customer_id"].unique()
    clv = pd.Series(1.0, index=ids)
    table = cohorts.cohort_clv(days, clv)
    assert table["customers"].sum() == len(ids) and (table["mean_clv"] == 1.0).all()
    with pytest.raises(DataError, match="no customer id"):
        cohorts.cohort_clv(days, pd.Series(1.0, index=["nobody"]))


def test_action_lists_on_the_demo(demo):
    tx, _, days, stager, _, _, state = demo
    seg = pd.Series(np.where(state["revenue"] > 500, "big", "small"), index=state.index)
    p_alive = pd.Series(0.4, index=state.index)
    lists = actions.action_lists(state, tx, stager=stager, p_alive=p_alive, segment=seg)
    assert set(lists) == {"win_back", "retention", "growth", "onboarding"}
    for name, table in lists.items():
        assert len(table) > 0, name
        assert table["reason"].str.len().min() > 20, name
        assert list(table["priority"]) == list(range(1, len(table) + 1))
    w = lists["win_back"]
    assert set(w["stage"]) <= {"at_risk", "dormant", "churned"}
    assert w["value_at_stake"].is_monotonic_decreasing
    assert np.allclose(w["value_at_stake"], w["revenue"] * 0.6)
    assert (lists["onboarding"]["purchase_days"] == 1).all()
    assert set(lists["onboarding"]["stage"]) == {"new"}
    r = lists["retention"]
    assert (r["days_since_last"] > r["mean_gap"]).all()
    g = lists["growth"]
    assert ((g["spend_per_order"] < g["segment_median_spend"]) |
            (g["categories"] < g["segment_median_categories"])).all()
    zh = actions.action_lists(state, tx, stager=stager, top_n=5, lang="zh")
    assert all(len(t) <= 5 for t in zh.values())
    assert "天" in zh["win_back"]["reason"].iloc[0]


def test_pseudonyms_are_stable_salted_and_need_a_salt():
    ids = pd.Index(["1001", "1002", "1001"])
    a = actions.pseudonymise(ids, "s3cret")
    assert a.iloc[0] == a.iloc[2] != a.iloc[1] and a.str.len().eq(12).all()
    assert a.iloc[0] != actions.pseudonymise(ids, "other").iloc[0]
    assert "1001" not in set(a)
    with pytest.raises(ParameterError, match="pseudonym_salt"):
        actions.pseudonymise(ids, "")


def test_stage_table(demo):
    *_, snaps, state = demo
    dates = sorted(snaps["snapshot"].unique())
    prev = snaps[snaps["snapshot"] == dates[-2]]
    table = lifecycle.stage_table(state, prev, clv=pd.Series(2.0, index=state.index))
    assert table["customers"].sum() == len(state)
    assert table["share of revenue"].sum() == pytest.approx(1.0)
    assert table["change vs previous snapshot"].sum() == len(state) - len(prev)
    assert table["recommended action"].str.len().min() > 10
    zh = lifecycle.stage_table(state, lang="zh")
    assert "流失客户" in zh.index and "建议行动" in zh.columns


# --- survival -----------------------------------------------------------------------------

def test_kaplan_meier_on_the_6mp_leukemia_data():
    """Freireich et al. (1963), 6-MP arm: the textbook Kaplan-Meier example."""
    times = [6, 6, 6, 7, 10, 13, 16, 22, 23, 6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35]
    events = [True] * 9 + [False] * 12
    km = cohorts.kaplan_meier(times, events)
    expected = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
    for t, s in expected.items():
        assert km.loc[t, "survival"] == pytest.approx(s, abs=5e-4)
    assert km.loc[0, "survival"] == 1.0 and km.loc[6, "at_risk"] == 21
    # Greenwood variance with the log-log interval, as lifelines reports it
    assert km.loc[6, "ci_low"] == pytest.approx(0.6197, abs=1e-4)
    assert km.loc[6, "ci_high"] == pytest.approx(0.9516, abs=1e-4)
    assert cohorts.median_survival(km) == 23
    with pytest.raises(DataError, match="negative"):
        cohorts.kaplan_meier([1, -2], [True, False])


def test_churn_durations_and_groups(demo):
    *_, stager, _, _, state = demo[:4] + demo[4:]
    durations = cohorts.churn_durations(state, churn_days=stager.churn_days_)
    buyers = state[state["stage"] != "potential"]
    assert len(durations) == len(buyers)
    assert durations["churned"].sum() == (buyers["stage"] == "churned").sum()
    assert (durations["duration_days"] >= 0).all()
    groups = pd.Series(np.where(np.arange(len(buyers)) % 2, "odd", "even"), index=buyers.index)
    curves = cohorts.survival_by(durations, groups)
    assert set(curves) == {"odd", "even"}
    assert sum(c.attrs["customers"] for c in curves.values()) == len(buyers)


# --- figures ------------------------------------------------------------------------------

def test_plots_take_and_return_ax(demo):
    tx, _, days, stager, _, snaps, state = demo
    dates = sorted(snaps["snapshot"].unique())
    durations = cohorts.churn_durations(state, churn_days=stager.churn_days_)
    calls = [
        lambda ax: lifecycleplots.plot_gaps(stager.gaps_, active_days=stager.active_days_,
                                            churn_days=stager.churn_days_, ax=ax),
        lambda ax: lifecycleplots.plot_stage_counts(transitions.stage_counts(snaps), ax=ax),
        lambda ax: lifecycleplots.plot_transitions(
            transitions.transition_matrix(snaps, normalize=True, lang="zh"), ax=ax, lang="zh"),
        lambda ax: lifecycleplots.plot_flow(snaps, dates[-4], dates[-1], ax=ax),
        lambda ax: lifecycleplots.plot_new_vs_returning(
            transitions.new_vs_returning(days, active_days=30), ax=ax, currency="GBP"),
        lambda ax: lifecycleplots.plot_retention(cohorts.cohort_retention(days), ax=ax),
        lambda ax: lifecycleplots.plot_cohort_revenue(cohorts.cohort_revenue(days), ax=ax),
        lambda ax: lifecycleplots.plot_cumulative_revenue(
            cohorts.cohort_cumulative_revenue(days), ax=ax),
        lambda ax: lifecycleplots.plot_survival(
            cohorts.kaplan_meier(durations["duration_days"], durations["churned"]), ax=ax),
        lambda ax: lifecycleplots.plot_cohort_clv(
            cohorts.cohort_clv(days, pd.Series(1.0, index=days["customer_id"].unique())),
            ax=ax),
    ]
    for call in calls:
        fig, ax = plt.subplots()
        assert call(ax) is ax
        assert ax.get_title()
        plt.close(fig)


def test_save_lifecycle_pseudonymises_the_lists(demo, tmp_path):
    from custlib.run import config, workflow

    tx, _, days, stager, _, snaps, state = demo
    lists = actions.action_lists(state, tx, stager=stager)
    run = config.run_folder("t", tmp_path)
    moves = transitions.transition_matrix(snaps)
    stages = lifecycle.stage_table(state)
    with pytest.raises(ParameterError, match="pseudonym_salt"):
        workflow.save_lifecycle(run, state, snaps, moves, stages, lists, pseudonymise=True)
    assert not (run.data / "customer_lifecycle.parquet").exists()  # nothing written
    workflow.save_lifecycle(run, state, snaps, moves, stages, lists, pseudonymise=True,
                            salt="s3cret")
    saved = pd.read_csv(run.tables / "actions_win_back.csv", dtype=str)
    assert len(saved) == len(lists["win_back"])
    assert saved["customer"].tolist() == actions.pseudonymise(
        lists["win_back"].index, "s3cret").tolist()
    assert not set(saved["customer"]) & set(state.index)
    assert (run.data / "customer_lifecycle.parquet").exists()
