"""The report's "How sure are we" panel and the words beside a low P(alive)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from custlib.report import certainty, priorities
from custlib.report import document as report
from custlib.report.narrative import format_money_range
from custlib.value.feasibility import Estimability


def _tx(early: int = 10) -> pd.DataFrame:
    """Customers' first purchases over 14 months: ``early`` a month in the first 3, else 10."""
    rows = []
    for month in range(14):
        start = pd.Timestamp("2023-01-01") + pd.DateOffset(months=month)
        for i in range(early if month < 3 else 10):
            rows.append((f"m{month}c{i}", start + pd.Timedelta(days=i)))
    return pd.DataFrame(rows, columns=["customer_id", "order_date"])


CLEANING = {"kept_rows": 900, "kept_revenue": 9000.0, "kept_customers": 140,
            "set_aside_rows": 100, "set_aside_revenue": 500.0, "settings": {}}
BTYD = {"settings": {"horizon_months": 12},
        "holdout": {"model": "MBG/NBD", "calibration_end": "2023-12-31",
                    "observation_end": "2024-02-29", "error_pct": -12.4},
        "gamma_gamma": {"repeat_customers": 60},
        "bootstrap": {"refits": 198, "failed": 2, "level": 0.9}}
INTERVALS = pd.DataFrame({"scope": ["total", "segment", "segment"],
                          "segment": ["", "Champions", "Lost"], "customers": [140, 40, 100],
                          "low": [51923.4, 40100.0, 387.2], "mid": [65000.0, 52000.0, 480.0],
                          "high": [78505.2, 61900.0, 577.9]})


def _panel(lang: str = "en", **kw) -> list[tuple]:
    rep = report.Report("R", lang=lang)
    args = {"transactions": _tx(), "cleaning": CLEANING, "observation_end": "2024-02-29",
            "btyd": BTYD, "intervals": INTERVALS, "currency": "GBP", **kw}
    certainty.add_certainty(rep, **args)
    assert rep.sections[0]["key"] == "certainty"
    return rep.sections[0]["blocks"]


def test_left_censored_start_is_found_only_when_first_purchases_pile_up():
    assert certainty.left_censored(_tx(10)) is None
    found = certainty.left_censored(_tx(30))
    assert (found.months, round(found.share, 3), found.ratio) == (3, 90 / 200, 3.0)
    assert found.sentence().startswith("**The log starts after the business did**: 45% of "
                                       "the customers first appear in its first 3 months, "
                                       "3.0 times the usual monthly pace")
    assert certainty.left_censored(_tx(30).iloc[:150]) is None  # 9 months: under 12


def test_money_ranges_round_outwards():
    assert format_money_range(51923.4, 78505.2, "GBP") == "£51,000–£79,000"
    assert format_money_range(387.2, 577.9, "GBP") == "£380–£580"
    assert format_money_range(np.nan, 5.0, "GBP") == "–"


def test_the_panel_says_coverage_error_ranges_and_caveats():
    blocks = _panel()
    texts = [c for kind, c, _ in blocks if kind == "text"]
    assert texts[0] == ("The figures cover **2023-01-01 to 2024-02-29**: **140** customers "
                        "with a customer id. Lines without one (anonymous sales, 10% of the "
                        "lines, 5% of the revenue) count in no customer figure.")
    assert texts[1] == ("The purchase model (MBG/NBD) was tested on a period it had not seen, "
                        "2024-01-01 to 2024-02-29: it predicted **12% fewer** repeat purchases "
                        "than customers made. Read the value below with that error in mind; "
                        "the ranges do not include it.")
    assert texts[2].startswith("Today's customers are predicted to bring a margin of "
                               "**£51,000–£79,000** over the next 12 months (90% range, from "
                               "198 refits")
    table = [c for kind, c, _ in blocks if kind == "table"][0][0]
    assert table.index.tolist() == ["Champions", "Lost"]
    assert table.iloc[:, 1].tolist() == ["£40,000–£62,000", "£380–£580"]
    assert table["customers"].tolist() == [40, 100]
    assert ("heading", "What to keep in mind", "") in blocks
    assert texts[3].startswith("**Few repeat buyers**: only 60 customers bought more than once "
                               "(fewer than 100).")
    assert texts[4] == ("2 of 200 refits of the models did not converge and are left out of "
                        "the ranges.")
    assert len(texts) == 5


def test_the_panel_in_chinese():
    blocks = _panel("zh")
    texts = [c for kind, c, _ in blocks if kind == "text"]
    assert texts[0] == ("本报告的数字覆盖 **2023-01-01 至 2024-02-29**:"
                        "共 **140** 位有客户编号的客户。"
                        "没有客户编号的行(匿名销售,占行数的 10%、收入的 5%)不计入任何客户指标。")
    assert "预测的重复购买次数比实际**少 12%**" in texts[1]
    assert texts[2].startswith("现有客户预计在未来 12 个月带来 **£51,000–£79,000** 的毛利")
    assert ("heading", "需要注意的问题", "") in blocks
    assert not re.search(r"[A-Za-z]{5,}", "".join(texts[1:]).replace("MBG/NBD", ""))


def test_the_panel_says_why_there_is_no_value():
    reason = Estimability(ok=False, customers=120, repeat_buyers=4, minimum=10, period="full")
    blocks = _panel(btyd={"settings": {}}, not_estimated=reason, intervals=None)
    texts = [c for kind, c, _ in blocks if kind == "text"]
    assert texts[1] == "No value is predicted in this report: " + reason.reason("en")
    assert not any(kind == "table" for kind, _, _ in blocks)
    off = _panel(btyd={k: v for k, v in BTYD.items() if k != "bootstrap"}, intervals=None)
    assert [c for kind, c, _ in off if kind == "text"][2].startswith(
        "The 12-month value is shown without a range: notebook 03 ran with `bootstrap_refits:")


def test_the_panel_says_when_no_refit_converged():
    failed = INTERVALS.assign(low=np.nan, high=np.nan)
    btyd = {**BTYD, "bootstrap": {"refits": 0, "failed": 200, "level": 0.9}}
    texts = [c for kind, c, _ in _panel(btyd=btyd, intervals=failed) if kind == "text"]
    assert texts[2] == ("The 12-month value is shown without a range: no refit of the models "
                        "converged on the customers drawn again (see below).")
    assert texts[-1] == ("200 of 200 refits of the models did not converge and are left out "
                         "of the ranges.")


@pytest.mark.parametrize("calibration,final,expected", [
    (True, True, ""),
    (False, True, "**The Pareto/NBD fit on the calibration period stopped at the time limit "),
    (True, False, "**The Pareto/NBD fit on all customers stopped at the time limit "),
    (False, False, "**The Pareto/NBD fits on the calibration period and on all customers "
                   "stopped at the time limit ")])
def test_a_fit_stopped_at_its_time_limit_is_a_caveat(calibration, final, expected):
    btyd = {**BTYD, "selected_model": "pareto",
            "calibration_models": {"pareto": {"model": "Pareto/NBD", "converged": calibration},
                                   "bgnbd": {"model": "BG/NBD", "converged": False}},
            "final_model": {"model": "Pareto/NBD", "converged": final}}
    texts = [c for kind, c, _ in _panel(btyd=btyd) if kind == "text"]
    stopped = [x for x in texts if "time limit" in x]
    if not expected:  # a model that was not chosen stopping says nothing about the value
        assert stopped == [] and certainty.fits_stopped(btyd) == ""
        return
    assert stopped == [expected + "before converging**: the parameters are the best found by "
                       "then, so they and every value computed from them depend on how fast "
                       "the machine was. Raise `fit_max_seconds` in notebook 03's parameters "
                       "and run again."]
    zh = [c for kind, c, _ in _panel("zh", btyd=btyd) if kind == "text"]
    assert any("`fit_max_seconds`" in x and "时间上限" in x for x in zh)


def test_a_low_p_alive_is_explained_in_words():
    table = pd.DataFrame({"rfm_segment": ["Champions"] * 2 + ["Lost"] * 2,
                          "clv": [50.0, 30.0, 1.0, 1.0], "p_alive": [0.4, 0.44, 0.9, 0.9]},
                         index=["a", "b", "c", "d"])
    days = {"a": ["2024-01-01", "2024-01-11", "2024-01-21"],  # every 10 days, silent 41
            "b": ["2024-01-01", "2024-01-31"],                # every 30 days, silent 31
            "c": ["2024-02-01"], "d": ["2024-02-20"]}
    tx = pd.DataFrame([(c, pd.Timestamp(d)) for c, ds in days.items() for d in ds],
                      columns=["customer_id", "order_date"])
    out = priorities.segment_priorities(table, "rfm_segment", transactions=tx,
                                        observation_end="2024-03-02")
    assert out.loc["Champions", ["silent_days", "usual_gap"]].tolist() == [36.0, 20.0]
    guide = pd.DataFrame({"segment": ["Champions", "Lost"], "action": ["a", "b"]})
    recs = priorities.recommendations(out, guide, currency="GBP")
    assert recs.loc[1, "why"] == (
        "50% of customers; 98% of the predicted margin: £80, £40 per customer; 42% likely on "
        "average to still be customers, 58% likely to have left: in the median, they bought "
        "every 20 days and have not bought for 36 days now")
    assert recs.loc[2, "why"].endswith("P(alive) 90% on average")
    zh = priorities.recommendations(out, guide, lang="zh")
    assert zh.loc[1, "why"].endswith("平均 42% 的可能仍是我们的客户,58% 的可能已流失:按中位数,"
                                     "他们过去每 20 天购买一次,现已 36 天没有购买")
    btyd = {"final_model": {"model": "MBG/NBD"}, "holdout": {"error_pct": -9.2}}
    note = priorities.p_alive_note(out, btyd)
    assert note.startswith('**What "likely to have left" means.** P(alive) is the purchase '
                           "model's (MBG/NBD) chance that a customer has not left for good")
    assert note.endswith("The model's forecast of repeat purchases was off by -9% on a period "
                         "it had not seen (the holdout): read the percentages as estimates of "
                         "that precision.")
    zh_note = priorities.p_alive_note(out, btyd, lang="zh")
    assert "留出期内,对重复购买次数的预测误差为 -9%" in zh_note
    assert priorities.p_alive_note(out[out.index == "Lost"], btyd) == ""


def test_a_silence_shorter_than_the_usual_gap_is_not_explained_by_it():
    row = pd.Series({"size": 0.5, "value_at_stake": np.nan, "stake_share": np.nan,
                     "value": np.nan, "p_alive": 0.3, "growth": np.nan, "usual_gap": 40.0,
                     "silent_days": 20.0})
    assert priorities._why(row, "clv", lang="en", currency="") == \
        "50% of customers; P(alive) 30% on average"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_panel_renders(lang):
    rep = report.Report("R", lang=lang)
    certainty.add_certainty(rep, transactions=_tx(30), cleaning=CLEANING,
                            observation_end="2024-02-29", btyd=BTYD, intervals=INTERVALS,
                            currency="GBP")
    html = rep.html()
    assert '<section id="certainty">' in html and "£40,000–£62,000" in html
    shown = re.sub(r"data:[a-z/]+;base64,[A-Za-z0-9+/=]+", "", html)  # the embedded font
    assert "None" not in shown and "nan" not in shown


def test_the_bootstraps_estimate_stopped_at_its_time_limit_is_the_same_caveat():
    btyd = {**BTYD, "selected_model": "bgnbd", "final_model": {"model": "BG/NBD",
                                                               "converged": True},
            "bootstrap": {**BTYD["bootstrap"], "estimate_converged": False}}
    assert certainty.fits_stopped(btyd) == "The BG/NBD fit on all customers"
    assert certainty.fits_stopped({**btyd, "bootstrap": BTYD["bootstrap"]}) == ""
