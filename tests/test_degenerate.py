"""Degenerate customer bases (issue 14, point 7): every customer buying once, one or two
customers, one line with a price of 1e12. The kit runs as far as it can and says in words
what it could not estimate, why, and what data would allow it."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from custlib.errors import DataError, ParameterError
from custlib.lifecycle.stages import LifecycleStager, purchase_days
from custlib.report.extremes import extreme_caveats, log_caveats
from custlib.segments.clustering import RFMClusterer, skip_reason
from custlib.segments.profiles import customer_table
from custlib.value.feasibility import Estimability, purchase_models, spend_model
from custlib.value.spend import GammaGammaModel


def _summary(frequencies: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"frequency": frequencies},
                        index=[f"C{i:03d}" for i in range(len(frequencies))])


# --- too few repeat buyers ------------------------------------------------------------------

def test_whole_log_without_repeat_buyers_is_not_estimated():
    full = _summary([0.0] * 118 + [1.0, 3.0])
    check = purchase_models(full)
    assert check == Estimability(False, 120, 2, 10, "whole", "")
    assert check.reason() == (
        "**The purchase models and CLV are not estimated.** Only 2 of 120 customers (1.7%) "
        "came back on a second day in the whole log; the models learn how often customers come "
        "back and when they leave from those who came back, and need at least 10 of them. "
        "P(alive), expected purchases, spend per purchase and CLV are therefore not computed, "
        "rather than made up: rank customers by their past revenue (notebook 02) instead. What "
        "would allow them: a longer log, so that customers have time to come back (or a later "
        "`calibration_end`), or a log that keeps one customer id across all of a customer's "
        "orders (check that the id is not a per-order or per-session id).")
    assert check.summary() == check.reason()
    assert check.reason("zh").startswith(
        "**购买模型与 CLV 未估计。** 在整个日志中,120 位客户中只有 2 位(1.7%)")
    assert check.lifecycle_note() == (
        "*Notebook 03 could not estimate P(alive) or CLV (2 of 120 customers came back on a "
        "second day; the models need at least 10): \"at risk\" is decided by each customer's "
        "silence alone, and the win-back list is ranked by past revenue.*")


def test_calibration_period_is_checked_once_the_whole_log_passes():
    full = _summary([0.0] * 80 + [2.0] * 12)
    calibration = _summary([0.0] * 55 + [1.0] * 5)
    check = purchase_models(full, calibration, calibration_end="2024-06-30")
    assert check == Estimability(False, 60, 5, 10, "calibration", "2024-06-30")
    assert "Only 5 of 60 customers (8.3%) came back on a second day in the calibration " \
        "period (to 2024-06-30);" in check.reason()
    ok = purchase_models(full, _summary([0.0] * 40 + [1.0] * 10), calibration_end="2024-06-30")
    assert ok.ok and (ok.customers, ok.repeat_buyers, ok.period) == (92, 12, "whole")
    assert ok.reason() == "" and ok.lifecycle_note() == ""
    assert ok.summary() == ("12 of 92 customers (13.0%) came back on a second day in the whole "
                            "log: at least 10, enough to fit the models.")
    # the record saved in btyd_params.json comes back as it was
    assert Estimability.from_dict(json.loads(json.dumps(check.to_dict()))) == check
    with pytest.raises(ParameterError, match="min_repeat_buyers is 0; expected a whole number"):
        purchase_models(full, min_repeat_buyers=0)


def test_lifecycle_stager_without_repeat_purchases_uses_the_stated_convention():
    days = purchase_days(pd.DataFrame({
        "customer_id": ["a", "b", "c"], "amount": [10.0, 20.0, 5.0],
        "order_date": pd.to_datetime(["2023-05-01", "2024-03-01", "2024-06-01"])}))
    stager = LifecycleStager().fit(days)
    assert (stager.active_days_, stager.churn_days_, stager.new_days_) == (90.0, 365.0, 90.0)
    assert stager.fallback_ and stager.loyal_purchases_ == 3
    how = stager.thresholds_table().iloc[:2, -1].tolist()
    assert how[0] == "convention, 90/365 days: no customer bought twice"
    assert how[1].startswith(how[0])
    given = LifecycleStager(active_days=200).fit(days)
    assert (given.active_days_, given.churn_days_) == (200.0, 400.0)
    state = stager.state_at(days, "2024-06-30")
    assert state["stage"].astype(str).to_dict() == {"a": "churned", "b": "dormant", "c": "new"}


# --- tiny bases: clustering ---------------------------------------------------------------

def _customers(n: int, same: bool = False) -> pd.DataFrame:
    return pd.DataFrame({"days_since_last_purchase": [30.0] * n if same else np.arange(n) * 40.0,
                         "n_orders": [1] * n if same else list(range(1, n + 1)),
                         "total_revenue": [50.0] * n if same else np.arange(1, n + 1) * 30.0},
                        index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"))


def test_kmeans_is_skipped_below_two_customers_per_cluster():
    assert skip_reason(_customers(2)) == (
        "*k-means is skipped: 2 customer(s), and 2 clusters need at least 4 (two per cluster). "
        "The RFM segments above still describe every customer; clusters need a larger customer "
        "base (a longer log, or more shops or channels in one run).*")
    assert skip_reason(_customers(5), n_clusters=3).startswith(
        "*k-means is skipped: 5 customer(s), and 3 clusters need at least 6")
    assert skip_reason(_customers(4, same=True)) == (
        "*k-means is skipped: all 4 customers have the same recency, orders and revenue, so "
        "there is nothing to separate. The RFM segments above still describe them.*")
    assert skip_reason(_customers(1), lang="zh").startswith("*跳过 k-means 聚类:只有 1 位客户")
    four = _customers(4)
    assert skip_reason(four) == ""
    assert RFMClusterer(random_state=0).fit(four).n_clusters_ == 2


def test_rfm_scores_on_a_tiny_base_say_what_they_are():
    from custlib.segments.rfm import RFMScorer

    one = _customers(1).assign(avg_order_value=30.0)
    scorer = RFMScorer().fit(one)
    assert scorer.transform(one)[["R", "F", "M"]].iloc[0].tolist() == [1, 1, 1]
    assert scorer.tiny_base_note() == (
        "*R, F and M are scores of 5 steps that rank customers against each other; with 1 "
        "customer(s) a score compares each with at most 0 other(s), so the segments below rank "
        "these few rather than judge each one (a single customer scores 1 on every measure). A "
        "larger customer base (a longer log, or more shops or channels in one run) makes them "
        "meaningful.*")
    assert RFMScorer().fit(_customers(9).assign(avg_order_value=1.0)).tiny_base_note("zh") \
        .startswith("*R、F、M 是把客户相互比较的 5 级分数;只有 9 位客户时")
    assert RFMScorer().fit(_customers(10).assign(avg_order_value=1.0)).tiny_base_note() == ""


def test_customer_table_leaves_out_a_scheme_not_computed():
    cust = _customers(2)
    table = customer_table(cust, rfm_segment=pd.Series({"c0": "Lost", "c1": "Champions"}),
                           cluster=None)
    assert "cluster" not in table and table["rfm_segment"].tolist() == ["Lost", "Champions"]


# --- extreme lines ---------------------------------------------------------------------------

def test_spend_model_refuses_a_fit_without_a_finite_mean_spend():
    summary = pd.DataFrame({"frequency": [2.0] * 6,
                            "monetary_value": [20.0, 25.0, 30.0, 22.0, 18.0, 1e12]},
                           index=[f"C{i}" for i in range(6)])
    with pytest.raises(DataError, match=re.escape(
            "the fitted mean spend is infinite (q = 0.185, needs q > 1), so no customer's spend "
            "can be forecast. The largest are C5: 1,000,000,000,000, C2: 30, C1: 25 against a "
            "median of 23.50. Check the lines flagged as extreme in notebook 01")):
        GammaGammaModel().fit(summary)
    summary.loc["C5", "monetary_value"] = 40.0
    fitted = GammaGammaModel().fit(summary)
    assert fitted.params_["q"] > 1 and np.isfinite(fitted.population_mean_)


def test_spend_model_without_a_finite_mean_leaves_clv_unestimated():
    full = pd.DataFrame({"frequency": [2.0] * 12 + [0.0] * 5,
                         "monetary_value": [20.0] * 10 + [1e12] * 2 + [0.0] * 5},
                        index=[f"C{i}" for i in range(17)])
    checked = purchase_models(full)
    assert checked.ok
    model, check = spend_model(full, checked)
    assert model is None and (check.ok, check.cause, round(check.q, 3)) == \
        (False, "spend_tail", 0.185)
    assert check.reason() == (
        "**CLV is not estimated.** The spend model finds the average spends of the 12 repeat "
        "buyers so heavy-tailed that a customer's expected spend is infinite (q = 0.185; it "
        "needs q > 1). The largest are C11 (1,000,000,000,000), C10 (1,000,000,000,000), C0 "
        "(20), against a median of 20.00: usually a mistyped price or quantity. Check the lines "
        "flagged as extreme in notebook 01 (`is_extreme`) and correct or remove the errors in "
        "the source; then P(alive), spend per purchase and CLV can be estimated.")
    assert check.lifecycle_note().startswith("*Notebook 03 could not estimate CLV (the spends")
    assert Estimability.from_dict(json.loads(json.dumps(check.to_dict()))) == check
    full.loc[["C10", "C11"], "monetary_value"] = 25.0
    fitted, same = spend_model(full, checked)
    assert same is checked and fitted is not None and fitted.params_["q"] > 1


def _lines() -> pd.DataFrame:
    return pd.DataFrame({
        "order_id": ["O1", "O2", "O3", "O4", "O5"],
        "customer_id": ["a", "b", "b", "c", "a"],
        "order_date": pd.to_datetime(["2023-03-01", "2024-02-01", "2024-05-01", "2024-06-01",
                                      "2024-09-01"]),
        "amount": [40.0, 30.0, 20.0, 1e12, 50.0],
        "is_extreme": [False, False, False, True, False]})


def test_extreme_lines_dominating_revenue_and_clv_are_named():
    caveats = extreme_caveats(_lines(), "2024-12-31", clv=pd.Series({"a": 5.0, "b": 4.0,
                                                                      "c": 9e9}),
                              currency="GBP")
    assert caveats == [
        "**Caution:** 100% of the revenue of the last period comes from 1 line(s) flagged as "
        "extreme in cleaning: order O4 of customer c on 2024-06-01 (£1,000,000,000,000). The "
        "revenue figure describes those lines more than the business; check them in the source "
        "and correct or remove them if they are errors.",
        "**Caution:** customers with lines flagged as extreme in cleaning (c) hold 100% of the "
        "total predicted CLV: the CLV figures describe them more than the customer base; check "
        "their lines in the source."]
    # the previous period holds the line: the change in revenue is named instead
    previous = extreme_caveats(_lines(), "2025-12-31", lang="zh")
    assert previous == ["**注意:** 上一期收入的 100% 来自清洗时标记为极端值的 1 行:客户 c 于 "
                        "2024-06-01 的订单 O4(1,000,000,000,000)。"
                        "收入变化是与这些行相比;请在源数据中核对。"]


def test_extreme_lines_below_half_a_figure_or_unflagged_say_nothing():
    small = _lines().assign(amount=[40.0, 30.0, 20.0, 60.0, 50.0])
    assert extreme_caveats(small, "2024-12-31", clv=pd.Series({"a": 5.0, "c": 4.0})) == []
    assert extreme_caveats(_lines().drop(columns="is_extreme"), "2024-12-31") == []
    assert log_caveats(small) == [] and log_caveats(_lines().drop(columns="is_extreme")) == []


def test_extreme_lines_dominating_the_whole_log_are_named_in_section_2():
    # section 2 (revenue in total and per order, the concentration curve) adds the whole log
    assert log_caveats(_lines(), currency="GBP") == [
        "**Caution:** 100% of all the revenue in the log comes from 1 line(s) flagged as extreme "
        "in cleaning: order O4 of customer c on 2024-06-01 (£1,000,000,000,000). Revenue in "
        "total and per order, the concentration curve and the segments' shares of revenue "
        "describe those lines more than the business; check them in the source and correct or "
        "remove them if they are errors."]
    zh = log_caveats(_lines(), lang="zh")
    assert zh[0].startswith("**注意:** 日志全部收入的 100% 来自清洗时标记为极端值的 1 行")


def test_caveats_are_printed_under_the_kpi_cards():
    from custlib.report import document as report
    from custlib.report.kpis import kpis

    table = kpis(_lines(), "2024-12-31")
    table.attrs["caveats"] = extreme_caveats(_lines(), "2024-12-31")
    rep = report.Report("R")
    rep.kpis(table, "GBP")
    rep.standard_section("summary").text("text")
    html = rep.html()
    caveat = re.search(r'<div class="note caveat">(.*?)</div>', html, re.S)
    assert caveat is not None and html.index('class="kpis"') < caveat.start()
    assert "<strong>Caution:</strong> 100% of the revenue of the last period" in caveat.group(1)


# --- end to end ------------------------------------------------------------------------------

def _log(n: int, *, once: bool = False, seed: int = 3) -> pd.DataFrame:
    """A small log: ``n`` customers, one to seven purchase days each (one when ``once``)."""
    rng = np.random.default_rng(seed)
    rows, order = [], 0
    for k in range(n):
        first = int(rng.integers(0, 600))
        extra = 0 if once or k % 3 == 0 else int(rng.integers(0, 7))
        days = sorted({first, *(first + int(d) for d in rng.integers(5, 200, extra))})
        for day in days:
            order += 1
            when = pd.Timestamp("2023-01-01") + pd.Timedelta(days=min(day, 729))
            for _ in range(int(rng.integers(1, 3))):
                rows.append({"order_id": f"O{order}", "customer_id": f"C{k:03d}",
                             "order_date": f"{when:%Y-%m-%d}",
                             "product": f"P{int(rng.integers(1, 6))}",
                             "category": f"K{int(rng.integers(1, 4))}",
                             "quantity": int(rng.integers(1, 4)),
                             "price": round(float(rng.gamma(4, 5)), 2)})
    return pd.DataFrame(rows)


def _run(tmp_path, name: str, log: pd.DataFrame):
    from custlib.run.runner import run

    path = tmp_path / f"{name}.csv"
    log.to_csv(path, index=False)
    params = {"run_name": name, "transactions": str(path), "customers": "", "survey": "",
              "context": "", "pdf": False}
    result = run(params, reports_dir=tmp_path / "reports", progress=False, html_output=False)
    assert [nb.status for nb in result.notebooks] == ["ok"] * 5
    return result.folder


def _report_text(root) -> str:
    html = (root / "report.html").read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", html)))


def _no_nonfinite(root, names) -> None:
    for name in names:
        table = pd.read_parquet(root / "data" / f"{name}.parquet")
        numbers = table.select_dtypes("number")
        assert np.isfinite(numbers.to_numpy(dtype=float)).all(), name


@pytest.mark.notebooks
@pytest.mark.fullrun
def test_a_price_of_1e12_is_named_beside_the_kpis(tmp_path):
    log = _log(120)
    log.loc[5, "price"] = 1e12
    root = _run(tmp_path, "extreme", log).root
    _no_nonfinite(root, ["customer_summary", "customer_clv"])
    text = _report_text(root)
    who = log.loc[5, "customer_id"]
    assert re.search(r"Caution: 100% of the revenue of the last period comes from 1 line\(s\) "
                     rf"flagged as extreme in cleaning: order O\d+ of customer {who} on ", text)
    assert f"customers with lines flagged as extreme in cleaning ({who}) hold 100% of the " \
        "total predicted CLV" in text
    assert re.search(r"Caution: 100% of all the revenue in the log comes from 1 line\(s\) "
                     rf"flagged as extreme in cleaning: order O\d+ of customer {who} on ", text)


@pytest.mark.notebooks
@pytest.mark.fullrun
def test_mistyped_prices_on_repeat_purchases_leave_clv_unestimated(tmp_path):
    """Three repeat purchases at 1e12: the spend model's q falls below 1 (before, expected
    spends were negative or infinite); CLV is not estimated and the reason names them."""
    log = _log(60)
    days = log.groupby("customer_id")["order_date"].nunique()
    repeat = days[days > 1].index[:3]
    rows = log[log["customer_id"].isin(repeat)].drop_duplicates("customer_id", keep="last").index
    log.loc[rows, "price"] = 1e12
    root = _run(tmp_path, "tail", log).root
    params = json.loads((root / "data" / "btyd_params.json").read_text())
    assert params["not_estimated"]["cause"] == "spend_tail"
    assert params["not_estimated"]["q"] < 1
    assert {c for c, _ in params["not_estimated"]["largest"]} == set(repeat)
    assert "customer_clv" not in json.loads((root / "manifest.json").read_text())
    text = _report_text(root)
    assert "CLV is not estimated. The spend model finds the average spends of the" in text
    assert "Caution:" in text and "line(s) flagged as extreme in cleaning" in text
    _no_nonfinite(root, ["customer_summary", "customer_value"])
