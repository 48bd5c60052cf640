"""CLV: discounting in explicit units, margin, deciles, segments, plots, saving."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from custlib.data.cleaning import clean_transactions
from custlib.data.loading import load_transactions
from custlib.errors import ColumnError, ParameterError
from custlib.plots import clv as clvplots
from custlib.run import config, workflow
from custlib.value import btyd, clv
from custlib.value.summary import customer_summary


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    raw = load_transactions("cdnow_sample")
    return clean_transactions(raw, rules={"duplicates": False, "invalid_prices": False},
                              non_product_codes=[]).transactions


@pytest.fixture(scope="module")
def cal(cdnow) -> pd.DataFrame:
    return customer_summary(cdnow, observation_end="1997-09-30", freq="D", freq_multiplier=7)


@pytest.fixture(scope="module")
def models(cal):
    return btyd.BTYDModel("bgnbd").fit(cal), btyd.GammaGammaModel().fit(cal)


def test_period_discount_rate_is_compounded_from_the_annual_rate():
    assert clv.period_discount_rate(0.10, "months") == pytest.approx(1.1 ** (1 / 12) - 1)
    assert (1 + clv.period_discount_rate(0.10, "weeks")) ** (365.25 / 7) == pytest.approx(1.1)
    assert clv.period_discount_rate(0.0, "days") == 0.0
    for bad in (10, -0.1, True, "10%"):
        with pytest.raises(ParameterError, match="annual_discount_rate.*0.10 for 10% a year"):
            clv.period_discount_rate(bad)


def test_clv_without_discount_is_purchases_times_spend_times_margin(models, cal):
    bg, gg = models
    out = clv.clv(bg, gg, cal, horizon_months=12, margin=0.3, annual_discount_rate=0.0)
    purchases = bg.expected_purchases(cal, 12 * 365.25 / 12 / 7)
    np.testing.assert_allclose(out["expected_purchases"], purchases, rtol=1e-10)
    np.testing.assert_allclose(out["clv"], purchases * gg.expected_spend(cal) * 0.3,
                               rtol=1e-10)
    assert out.attrs["monthly_discount_rate"] == 0.0 and out.attrs["model"] == "BG/NBD"


def test_margin_is_linear_and_discounting_lowers_value(models, cal):
    bg, gg = models
    full = clv.clv(bg, gg, cal, margin=1.0, annual_discount_rate=0.10)
    half = clv.clv(bg, gg, cal, margin=0.5, annual_discount_rate=0.10)
    np.testing.assert_allclose(half["clv"], full["clv"] / 2, rtol=1e-12)
    flat = clv.clv(bg, gg, cal, margin=1.0, annual_discount_rate=0.0)
    assert (full["clv"] < flat["clv"]).all()
    # over a year at 10%, the discount is between the first month's and the last month's
    ratio = full["clv"].sum() / flat["clv"].sum()
    assert 1 / 1.1 < ratio < 1 / 1.1 ** (1 / 12)


def test_a_steady_customer_is_worth_what_the_textbook_says():
    """A customer buying once a month at 100 with a 30% margin, 10% a year, 12 months."""

    class Steady:  # exactly one purchase per month, forever alive
        name = "steady"

        def expected_purchases(self, summary, t):
            return pd.Series(np.full(len(summary), t / (365.25 / 12 / 7)), index=summary.index)

        def p_alive(self, summary):
            return pd.Series(1.0, index=summary.index)

    class Spend:
        def expected_spend(self, summary):
            return pd.Series(100.0, index=summary.index)

    one = pd.DataFrame({"frequency": [5.0], "recency": [20.0], "T": [30.0],
                        "monetary_value": [100.0]})
    value = clv.clv(Steady(), Spend(), one, horizon_months=12, margin=0.3,
                    annual_discount_rate=0.10)["clv"].iloc[0]
    d = 1.1 ** (1 / 12) - 1
    assert value == pytest.approx(sum(30 / (1 + d) ** m for m in range(1, 13)))
    assert 340 < value < 360


def test_clv_bad_parameters(models, cal):
    bg, gg = models
    with pytest.raises(ParameterError, match="horizon_months"):
        clv.clv(bg, gg, cal, horizon_months=0)
    with pytest.raises(ParameterError, match="margin.*0.3 for a 30% margin"):
        clv.clv(bg, gg, cal, margin=30)
    with pytest.raises(ColumnError, match="monetary_value"):
        clv.clv(bg, gg, cal.drop(columns="monetary_value"))


@pytest.fixture(scope="module")
def values(models, cal):
    bg, gg = models
    return clv.clv(bg, gg, cal, horizon_months=12, margin=0.3)


def test_deciles_are_equal_sized_and_ordered(values):
    counts = values["clv_decile"].value_counts().sort_index()
    assert list(counts.index) == list(range(1, 11))
    assert counts.max() - counts.min() <= 1
    means = values.groupby("clv_decile")["clv"].mean()
    assert means.is_monotonic_decreasing
    table = clv.clv_deciles(values)
    assert table["total CLV"].sum() == pytest.approx(values["clv"].sum())
    assert table["cumulative share"].iloc[-1] == pytest.approx(1.0)
    assert table["share of CLV"].iloc[0] == pytest.approx(clv.top_decile_share(values))
    zh = clv.clv_deciles(values, lang="zh")
    assert "CLV 占比" in zh.columns and zh.index.name == "十分位"


def test_top_decile_share_by_hand():
    table = pd.DataFrame({"clv": [100.0] + [1.0] * 19})
    assert clv.top_decile_share(table) == pytest.approx(101 / 119)


def test_top_customers_in_order(values):
    top = clv.top_customers(values, 5)
    assert list(top["rank"]) == [1, 2, 3, 4, 5]
    assert top["clv"].is_monotonic_decreasing
    assert top["clv"].iloc[0] == values["clv"].max()
    with pytest.raises(ParameterError, match="top_n"):
        clv.top_customers(values, 0)


def test_clv_by_segment_sums(values):
    table = values.assign(seg=np.where(values["p_alive"] > 0.5, "alive", "fading"),
                          total_revenue=1.0)
    out = clv.clv_by_segment(table, "seg")
    assert out["customers"].sum() == len(values)
    assert out["total CLV"].sum() == pytest.approx(values["clv"].sum())
    assert out["share of CLV"].sum() == pytest.approx(1.0)
    assert out["total CLV"].is_monotonic_decreasing
    assert out.loc["alive", "mean P(alive)"] > 0.5
    with pytest.raises(ColumnError, match="segment"):
        clv.clv_by_segment(table, "segment")


def test_settings_table_states_units():
    table = clv.settings_table("weeks", 12, 0.3, 0.10)
    assert table.loc["annual discount rate", "value"] == "10.0%"
    assert table.loc["monthly discount rate (applied)", "value"] == "0.7974%"
    assert table.loc["per-week equivalent", "value"] == "0.1828%"


# --- plots --------------------------------------------------------------------------------

def test_plots_take_and_return_ax(models, cal, cdnow, values):
    bg, _ = models
    ch = btyd.calibration_holdout(cdnow, "1997-09-30", "1998-06-30")
    calls = [
        lambda ax: clvplots.plot_calibration_holdout(btyd.calibration_vs_holdout(bg, ch), ax=ax),
        lambda ax: clvplots.plot_tracking(btyd.tracking(bg, cdnow, "1997-09-30", "1998-06-30"),
                                          ax=ax),
        lambda ax: clvplots.plot_period_transactions(
            btyd.period_transactions(bg, cal, n_draws=2), ax=ax),
        lambda ax: clvplots.plot_matrix(btyd.matrix(bg, "p_alive", summary=cal),
                                        kind="p_alive", ax=ax),
        lambda ax: clvplots.plot_p_alive_history(btyd.p_alive_history(bg, cdnow, "0001"), ax=ax),
        lambda ax: clvplots.plot_clv_deciles(clv.clv_deciles(values), ax=ax),
        lambda ax: clvplots.plot_clv_deciles(clv.clv_deciles(values, lang="zh"), ax=ax,
                                             lang="zh"),
    ]
    for call in calls:
        fig, ax = plt.subplots()
        assert call(ax) is ax
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
        plt.close(fig)
    new = clvplots.plot_matrix(btyd.matrix(bg, "expected", summary=cal))
    assert new.figure is not None
    plt.close("all")


# --- workflow: what notebook 03 writes ----------------------------------------------------

def test_default_calibration_end_halves_the_period(cdnow):
    assert workflow.default_calibration_end(cdnow, "1998-06-30", holdout_share=0.5) == \
        "1997-09-30"
    with pytest.raises(ParameterError, match="holdout_share"):
        workflow.default_calibration_end(cdnow, "1998-06-30", holdout_share=1.5)


def test_automatic_split_holds_out_a_year_or_a_third(cdnow):
    # CDNOW's 545 days: the last third (182 days) is held out
    assert workflow.default_calibration_end(cdnow, "1998-06-30") == "1997-12-30"
    auto = btyd.default_calibration_end
    # 30 months (913 days) or more: the last 12 months, whatever the length
    assert auto("2022-01-01", "2024-12-31") == "2023-12-31"
    assert auto("2019-03-15", "2024-12-31") == "2023-12-31"
    assert auto("2022-07-02", "2024-12-31") == "2023-12-31"      # 913 days
    assert auto("2022-07-03", "2024-12-31") == "2024-03-02"      # 912 days: a third (304)
    assert auto("2024-01-01", "2024-12-31", holdout_share=0.25) == "2024-10-01"
    for bad in (1, -0.5, 1.5, True, "0.5"):
        with pytest.raises(ParameterError, match="'holdout_share' is .*expected 0 \\(automatic"):
            auto("2024-01-01", "2024-12-31", holdout_share=bad)
    with pytest.raises(ParameterError, match="too short to hold out"):
        auto("2024-01-01", "2024-01-02")


def test_the_split_is_described_with_its_reason(cdnow):
    ch = btyd.calibration_holdout(cdnow, "1997-12-30", "1998-06-30", unit="weeks")
    text = btyd.describe_split(ch, "1997-01-01", 0.0, "en")
    assert text.startswith("The models learn from **1997-01-01 to 1997-12-30** (11.9 months, "
                           f"{len(ch):,} customers who had bought by then)")
    assert "tested on **1997-12-31 to 1998-06-30** (6.0 months)" in text
    assert "less than 30 months, so its last third is held out" in text
    assert "last 25% of the observed days" in btyd.describe_split(ch, "1997-01-01", 0.25)
    assert "the `calibration_end` parameter" in btyd.describe_split(ch, "1997-01-01", None)
    zh = btyd.describe_split(ch, "1997-01-01", 0.0, "zh")
    assert "1997-01-01 至 1997-12-30" in zh and "最后三分之一" in zh


def test_save_clv_writes_tables_and_parameters(cdnow, tmp_path):
    run = config.run_folder("t", tmp_path)
    ch = btyd.calibration_holdout(cdnow, "1997-09-30", "1998-06-30")
    comp = btyd.ModelComparison(models=("bgnbd", "mbgnbd")).fit(ch)
    full = customer_summary(cdnow, observation_end="1998-06-30", freq="D", freq_multiplier=7)
    final = btyd.BTYDModel(comp.selected_).fit(full)
    gg = btyd.GammaGammaModel().fit(full)
    values = clv.clv(final, gg, full)
    labels = pd.DataFrame({"rfm_segment": "x", "total_revenue": 1.0}, index=full.index)
    workflow.save_clv(run, comp, final, gg, values, labels, settings={"margin": 1.0})
    saved = json.loads((run.data / "btyd_params.json").read_text())
    assert saved["selected_model"] == comp.selected_
    assert saved["calibration_models"]["bgnbd"]["params"]["r"] == pytest.approx(0.2426, abs=1e-4)
    assert saved["gamma_gamma"]["repeat_customers"] == gg.n_customers_
    table = pd.read_csv(run.data / "customer_value.csv", index_col=0)
    assert len(table) == 2357 and {"rfm_segment", "clv", "p_alive"} <= set(table.columns)
    assert (run.tables / "model_comparison.csv").exists()


# --- words for people ---------------------------------------------------------------------

def test_narratives_state_the_numbers(cdnow, values):
    from custlib.report import narrative

    ch = btyd.calibration_holdout(cdnow, "1997-09-30", "1998-06-30")
    comp = btyd.ModelComparison(models=("bgnbd",)).fit(ch)
    text = narrative.model_choice_summary(comp, "en")
    assert "**BG/NBD**" in text and "**1,882** actual" in text and "-12.1%" in text
    assert "above 20%" not in text  # CDNOW's BG/NBD is within 20% of the holdout total
    assert "1,882" in narrative.model_choice_summary(comp, "zh")
    gg = btyd.GammaGammaModel().fit(ch)
    assert "**946** repeat buyers" in narrative.spend_check(gg, "en", "USD")
    assert "独立" in narrative.spend_check(gg, "zh")
    seg = values.assign(seg=np.where(values["clv_decile"] <= 2, "top", "rest"))
    by = clv.clv_by_segment(seg, "seg")
    text = narrative.clv_summary(seg, by, horizon_months=12, currency="USD")
    assert f"**{len(values):,}** customers" in text
    assert f"**{clv.top_decile_share(values):.0%}**" in text and "**top**" in text
    comp.table_.loc["bgnbd", "holdout_error_pct"] = -40.0
    under = narrative.model_choice_summary(comp, "en")
    assert "under-predicts, so the expected purchases and\nthe CLV figures" not in under
    assert "the model under-predicts, so the expected purchases and the CLV figures built on " \
        "them are likely too low" in " ".join(under.split())
    assert "What to try: a `calibration_end` that leaves a whole year" in " ".join(under.split())
    assert "误差超过 20%" in narrative.model_choice_summary(comp, "zh")
    assert "可以尝试" in narrative.model_choice_summary(comp, "zh")
    comp.table_.loc["bgnbd", "holdout_error_pct"] = 35.0
    assert "likely too high" in " ".join(narrative.model_choice_summary(comp, "en").split())


def test_the_report_states_the_holdout_error_of_the_chosen_model():
    from custlib.report import narrative

    params = {"holdout": {"model": "MBG/NBD", "calibration_end": "2023-12-31",
                          "observation_end": "2024-12-31", "actual": 2000.0,
                          "predicted": 1060.0, "error_pct": -47.0, "mae": 0.86}}
    text = " ".join(narrative.forecast_accuracy(params, "en").split())
    assert text.startswith("The value figures rest on **MBG/NBD**. Fitted on the purchases up "
                           "to 2023-12-31, it predicted **1,060** repeat purchases from "
                           "2024-01-01 to 2024-12-31 against **2,000** actual: a total error "
                           "of **-47.0%**.")
    assert "likely too low" in text and "What to try" in text
    zh = narrative.forecast_accuracy(params, "zh")
    assert "总量误差 **-47.0%**" in zh and "偏低" in zh
    params["holdout"]["error_pct"] = 8.0
    assert "above 20%" not in narrative.forecast_accuracy(params, "en")
    assert "says little" not in narrative.forecast_accuracy(params, "en")
    params["holdout"].update(actual=9.0, predicted=9.54, error_pct=6.0)  # a marketplace log
    few = " ".join(narrative.forecast_accuracy(params, "en").split())
    assert few.endswith("a total error of **+6.0%**. Only 9 repeat purchases fell in the holdout "
                        "period: an error on so few says little either way, so read the forecasts "
                        "with care; the calibration-vs-holdout and tracking plots of notebook 03 "
                        "show more.")
    assert "仅有 9 次重复购买" in narrative.forecast_accuracy(params, "zh")
    params["holdout"]["error_pct"] = None  # no repeat purchase in the holdout
    assert "a total error of **–**" in " ".join(narrative.forecast_accuracy(params).split())
    assert narrative.forecast_accuracy(None) == narrative.forecast_accuracy({}) == ""


def test_the_report_section_shows_the_value_figure_with_its_error_or_why_not(tmp_path):
    from types import SimpleNamespace

    from custlib.report import document, sections
    from custlib.value import feasibility

    fig, ax = plt.subplots()
    ax.bar([0, 1], [1, 2])
    fig.savefig(tmp_path / "clv_segments.png")
    plt.close(fig)
    params = {"holdout": {"model": "BG/NBD", "calibration_end": "2023-12-31",
                          "observation_end": "2024-12-31", "actual": 100.0,
                          "predicted": 91.0, "error_pct": -9.0, "mae": 0.5}}
    rep = document.Report("t").standard_section("segmentation")
    sections.add_value_figures(rep, tmp_path, SimpleNamespace(not_estimated=None, btyd=params))
    html = rep.html()
    assert "data:image/png;base64," in html and "a total error of <strong>-9.0%</strong>" in html
    once = feasibility.purchase_models(pd.DataFrame({"frequency": [0.0] * 5,
                                                     "recency": [0.0] * 5, "T": [10.0] * 5}))
    assert not once.ok
    rep = document.Report("t").standard_section("segmentation")
    sections.add_value_figures(rep, tmp_path, SimpleNamespace(not_estimated=once, btyd=None))
    html = rep.html()
    assert "data:image/png;base64," not in html and "total error" not in html
    assert once.reason("en").split("**")[0].strip()[:40] in html


def test_narratives_say_when_a_fit_stopped_early_or_needed_a_penalty(cdnow):
    from custlib.report import narrative

    ch = btyd.calibration_holdout(cdnow, "1997-09-30", "1998-06-30")
    with pytest.warns(btyd.FitWarning):
        comp = btyd.ModelComparison(models=("bgnbd",), max_seconds=1e-6).fit(ch)
    assert comp.stopped_ and "bgnbd" in comp.stopped_
    assert "**BG/NBD stopped early at its time or iteration limit**" in \
        narrative.model_choice_summary(comp, "en")
    assert "提前停止" in narrative.model_choice_summary(comp, "zh")
    rng = np.random.default_rng(0)
    alike = pd.DataFrame({"frequency": rng.integers(1, 6, 200), "monetary_value": 10.0})
    gg = btyd.GammaGammaModel().fit(alike)
    assert "converged only with a penalty of 0.001" in narrative.spend_check(gg, "en", "USD")
    assert "惩罚系数 0.001" in narrative.spend_check(gg, "zh")


@pytest.mark.parametrize("kind", ["bgnbd", "pareto"])
def test_monthly_expectations_equal_every_customer_stacked(cal, kind):
    model = btyd.BTYDModel(kind).fit(cal)
    summary = cal.sample(frac=1.0, random_state=1)  # unsorted; many customers share a row
    assert summary[["frequency", "recency", "T"]].duplicated().sum() > 100
    horizons = np.arange(1, 7) * 365.25 / 12 / 7
    n = len(summary)
    stacked = summary[["frequency", "recency", "T"]].iloc[np.tile(np.arange(n), 6)]
    every = model.expected_purchases(stacked, np.repeat(horizons, n)).to_numpy()
    np.testing.assert_array_equal(clv._monthly_expectations(model, summary, horizons),
                                  every.reshape(6, n))
