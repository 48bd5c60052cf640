"""BTYD models: the published CDNOW figures from the raw file, parity with lifetimes,
validation tools, convergence handling and errors."""

from __future__ import annotations

import warnings
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from custlib._compat import import_lifetimes
from custlib.data.cleaning import clean_transactions
from custlib.data.loading import load_transactions
from custlib.errors import (
    ColumnError,
    CustlibError,
    DataError,
    EmptyResultError,
    ParameterError,
)
from custlib.value import btyd, choice, fitting, formulas, purchase
from custlib.value.summary import customer_summary

CAL_END, OBS_END = "1997-09-30", "1998-06-30"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """The raw CDNOW sample through the kit's cleaning, with params/cdnow.yaml's rules."""
    raw = load_transactions("cdnow_sample")
    result = clean_transactions(raw, rules={"duplicates": False, "invalid_prices": False},
                                non_product_codes=[])
    return result.transactions


@pytest.fixture(scope="module")
def ch(cdnow) -> pd.DataFrame:
    return btyd.calibration_holdout(cdnow, CAL_END, OBS_END, unit="weeks")


@pytest.fixture(scope="module")
def fitted(ch) -> dict[str, btyd.BTYDModel]:
    return {m: btyd.BTYDModel(m).fit(ch) for m in btyd.MODELS}


@pytest.fixture(scope="module")
def lifetimes():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes as lt
    return lt


# --- the published figures, from the raw transaction file -------------------------------

def test_calibration_summary_equals_lifetimes_cdnow_summary(ch):
    path = resources.files("lifetimes") / "datasets" / \
        "cdnow_customers_summary_with_transactions.csv"
    ref = pd.read_csv(str(path))
    assert len(ch) == len(ref) == 2357
    mine = ch.sort_index()
    np.testing.assert_array_equal(mine["frequency"].to_numpy(), ref["x"].to_numpy())
    np.testing.assert_allclose(mine["recency"], ref["t_x"], atol=0.005 + 1e-9, rtol=0)
    np.testing.assert_allclose(mine["T"], ref["T"], atol=0.005 + 1e-9, rtol=0)
    rep = ref["x"].to_numpy() > 0
    np.testing.assert_allclose(mine["monetary_value"].to_numpy()[rep], ref["zbar"][rep],
                               atol=0.005 + 1e-9, rtol=0)


def test_holdout_counts_and_duration(ch):
    assert ch["frequency_holdout"].sum() == 1882
    assert ch["duration_holdout"].iloc[0] == pytest.approx(39.0)
    assert ch.attrs["calibration_end"] == CAL_END and ch.attrs["unit"] == "weeks"
    assert (ch["frequency_holdout"] == 0).sum() > 1500  # most customers do not come back


def test_bgnbd_published(fitted):
    m = fitted["bgnbd"]
    assert m.params_.round(3).tolist() == [0.243, 4.414, 0.793, 2.426]
    assert round(m.log_likelihood_, 1) == -9582.4
    assert m.n_customers_ == 2357 and m.converged_
    assert m.aic_ == pytest.approx(2 * 4 + 2 * 9582.43, abs=0.01)


def test_pareto_published(fitted):
    assert fitted["pareto"].params_.round(3).tolist() == [0.553, 10.578, 0.606, 11.669]
    assert round(fitted["pareto"].log_likelihood_, 0) == -9595


def test_mbgnbd_published(fitted):
    assert fitted["mbgnbd"].params_.round(3).tolist() == [0.525, 6.183, 0.891, 1.614]


def test_gamma_gamma_published(ch):
    gg = btyd.GammaGammaModel().fit(ch)
    assert gg.n_customers_ == 946
    assert gg.params_.round(2).tolist() == [6.25, 3.74, 15.44]
    assert abs(gg.correlation_) < 0.3  # the independence check passes on CDNOW
    assert gg.population_mean_ == pytest.approx(6.25 * 15.44 / 2.74, rel=1e-2)
    spend = gg.expected_spend(ch)
    one_time = ch["frequency"] == 0
    assert np.allclose(spend[one_time], gg.population_mean_)
    # repeat buyers shrink towards the population mean
    rep = ch[~one_time]
    lo = np.minimum(rep["monetary_value"], gg.population_mean_)
    hi = np.maximum(rep["monetary_value"], gg.population_mean_)
    assert ((spend[~one_time] >= lo - 1e-9) & (spend[~one_time] <= hi + 1e-9)).all()


def test_conditional_expectation_of_the_paper(fitted):
    one = pd.DataFrame({"frequency": [2.0], "recency": [30.43], "T": [38.86]})
    assert fitted["bgnbd"].expected_purchases(one, 39).iloc[0] == pytest.approx(1.226, abs=1e-3)


def test_holdout_total_of_the_paper(fitted, ch):
    err = btyd.holdout_errors(fitted["bgnbd"], ch)
    assert err["actual"] == 1882
    assert err["predicted"] == pytest.approx(1653.4, rel=0.01)
    assert err["error_pct"] == pytest.approx(100 * (err["predicted"] - 1882) / 1882)
    pred = fitted["bgnbd"].expected_purchases(ch, 39.0)
    diff = pred - ch["frequency_holdout"]
    assert err["mae"] == pytest.approx(diff.abs().mean())
    assert err["rmse"] == pytest.approx(np.sqrt((diff ** 2).mean()))


def test_calibration_vs_holdout_follows_the_paper(fitted, ch):
    table = btyd.calibration_vs_holdout(fitted["bgnbd"], ch)
    assert table["customers"].sum() == 2357 and list(table.index) == list(range(8))
    assert table.loc[0, "customers"] == 1411
    # Fader, Hardie & Lee (2005), figure 3: actual means rise with calibration frequency
    assert table["actual"].is_monotonic_increasing
    assert table.loc[0, "predicted"] == pytest.approx(0.23, abs=0.02)
    assert (table["predicted"] - table["actual"]).abs().max() < 1.5


# --- parity with lifetimes ----------------------------------------------------------------

@pytest.mark.parametrize("key,cls", [("bgnbd", "BetaGeoFitter"),
                                     ("mbgnbd", "ModifiedBetaGeoFitter")])
def test_same_parameters_as_plain_lifetimes(ch, fitted, lifetimes, key, cls):
    ref = getattr(lifetimes, cls)()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(ch["frequency"], ch["recency"], ch["T"])
    np.testing.assert_allclose(fitted[key].params_.to_numpy(), ref.params_.to_numpy(),
                               atol=5e-5, rtol=0)
    unweighted = btyd.BTYDModel(key, weighted=False).fit(ch)
    np.testing.assert_allclose(unweighted.params_, fitted[key].params_, atol=5e-5, rtol=0)


@pytest.mark.parametrize("key,cls", [("bgnbd", "BetaGeoFitter"),
                                     ("mbgnbd", "ModifiedBetaGeoFitter")])
def test_own_likelihood_equals_lifetimes(ch, lifetimes, key, cls):
    x, tx, T = (ch[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    logp = np.log([0.3, 5.0, 0.8, 2.5])
    own = formulas._OWN_LL[key](np.exp(logp), x, tx, T)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = getattr(lifetimes, cls)._negative_log_likelihood(logp, x, tx, T,
                                                               np.ones(len(x)), 0.0)
    assert -own.mean() == pytest.approx(ref, rel=1e-10)
    # the factored objective (used for fitting) gives the same total
    kx, ktx, kT, w = fitting._distinct(ch)
    total, _ = formulas._OBJECTIVES[key](logp, formulas._Patterns(np.floor(kx), ktx, kT, w))
    assert total == pytest.approx(own.sum(), rel=1e-10)


@pytest.mark.parametrize("params", [(0.55, 10.6, 0.61, 11.7), (0.4, 3.0, 0.9, 3.0),
                                    (0.47, 0.2, 7.5e-5, 300.0), (2.0, 40.0, 0.3, 0.05)],
                         ids=["cdnow", "alpha=beta", "beta>>alpha", "alpha>>beta"])
def test_pareto_objective_equals_per_customer_likelihood(ch, params):
    # the fit's objective integrates A_0 for every pattern; the per-customer likelihood
    # sums its series where z <= 0.9: the same total either way
    kx, ktx, kT, w = fitting._distinct(ch)
    total, _ = formulas._OBJECTIVES["pareto"](np.log(params),
                                              formulas._Patterns(np.floor(kx), ktx, kT, w))
    own = formulas._OWN_LL["pareto"](np.asarray(params), np.floor(kx), ktx, kT)
    assert total == pytest.approx(float(w @ own), rel=1e-12)


@pytest.mark.parametrize("key,logp", [("bgnbd", [0.4, 6.0, 0.7, 2.0]),
                                      ("mbgnbd", [0.4, 6.0, 0.7, 2.0]),
                                      ("pareto", [0.55, 10.6, 0.61, 11.7]),
                                      ("pareto", [0.47, 0.2, 7.5e-5, 300.0]),
                                      ("pareto", [2.0, 40.0, 0.3, 0.05])])
def test_analytic_gradient_matches_finite_differences(ch, key, logp):
    kx, ktx, kT, w = fitting._distinct(ch)
    data = formulas._Patterns(np.floor(kx), ktx, kT, w)
    logp = np.log(logp)
    _, grad = formulas._OBJECTIVES[key](logp, data)
    h = 1e-6
    numeric = [(formulas._OBJECTIVES[key](logp + h * e, data)[0] -
                formulas._OBJECTIVES[key](logp - h * e, data)[0]) / (2 * h) for e in np.eye(4)]
    np.testing.assert_allclose(grad, numeric, rtol=1e-5)


@pytest.mark.parametrize("key,cls", [("bgnbd", "BetaGeoFitter"),
                                     ("mbgnbd", "ModifiedBetaGeoFitter")])
def test_predictions_equal_lifetimes(fitted, ch, lifetimes, key, cls):
    m = fitted[key]
    ref_model = getattr(lifetimes, cls)()
    ref_model.params_ = m.params_.copy()  # lifetimes' formulas with the kit's parameters
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ref_model.conditional_expected_number_of_purchases_up_to_time(
            10, ch["frequency"], ch["recency"], ch["T"])
        alive = ref_model.conditional_probability_alive(ch["frequency"], ch["recency"],
                                                        ch["T"])
        new = ref_model.expected_number_of_purchases_up_to_time(np.array([0.5, 10.0, 39.0]))
    np.testing.assert_allclose(m.expected_purchases(ch, 10), ref, rtol=1e-12)
    np.testing.assert_allclose(m.p_alive(ch), np.clip(alive, 0, 1), rtol=1e-12)
    np.testing.assert_allclose(m.expected_purchases_new(np.array([0.5, 10.0, 39.0])), new,
                               rtol=1e-12)
    if key == "bgnbd":
        assert m.p_alive(ch[ch["frequency"] == 0]).eq(1.0).all()  # BG/NBD: no repeat, alive


def test_gamma_gamma_equals_lifetimes(ch, lifetimes):
    rep = ch[ch["frequency"] > 0]
    ref = lifetimes.GammaGammaFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(rep["frequency"], rep["monetary_value"])
        spend = ref.conditional_expected_average_profit(ch["frequency"], ch["monetary_value"])
    gg = btyd.GammaGammaModel().fit(ch)
    np.testing.assert_allclose(gg.params_.to_numpy(), ref.params_.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(gg.expected_spend(ch), spend, rtol=1e-6)


def test_warning_filters_unchanged_by_import_and_fit(ch):
    before = list(warnings.filters)
    import_lifetimes()
    btyd.BTYDModel("pareto").fit(ch.head(300))
    btyd.GammaGammaModel().fit(ch)
    assert warnings.filters == before
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        warnings.warn("still visible", FutureWarning, stacklevel=1)
    assert any("still visible" in str(w.message) for w in caught)


def test_summary_table_explains_parameters(fitted):
    table = fitted["pareto"].summary_table()
    assert list(table.index) == ["r", "alpha", "s", "beta"]
    assert table["meaning"].str.len().min() > 20


# --- convergence --------------------------------------------------------------------------

class _Failed:
    success = False
    message = "Desired error not necessarily achieved"
    x = np.zeros(4)


def test_retries_from_other_starts_then_succeeds(ch, monkeypatch):
    real = purchase._own_fit
    calls = []

    def flaky(*args, **kwargs):
        calls.append(args)
        return _Failed() if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(purchase, "_own_fit", flaky)
    m = btyd.BTYDModel("bgnbd", random_state=3).fit(ch)
    assert len(m.attempts_) == 2
    assert m.attempts_["outcome"].tolist()[0].startswith("not converged")
    assert m.attempts_["outcome"].tolist()[1] == "converged"
    assert m.attempts_["start"].iloc[0] == "default"
    assert m.params_.round(2).tolist() == [0.24, 4.41, 0.79, 2.43]


def test_all_attempts_fail_with_a_clear_error(ch, monkeypatch):
    monkeypatch.setattr(purchase, "_own_fit", lambda *a, **k: _Failed())
    with pytest.raises(CustlibError, match="did not converge after 3 attempts") as info:
        btyd.BTYDModel("bgnbd", max_retries=2).fit(ch)
    assert "penalizer" in str(info.value) and "Try another model" in str(info.value)


def test_comparison_reports_a_failed_model_and_goes_on(ch, monkeypatch):
    real = purchase._own_fit
    monkeypatch.setattr(purchase, "_own_fit", lambda model, *a, **k:
                        _Failed() if model == "bgnbd" else real(model, *a, **k))
    comp = btyd.ModelComparison(models=("bgnbd", "pareto"), rule="bic").fit(ch)
    assert list(comp.models_) == ["pareto"] and "bgnbd" in comp.failed_
    assert comp.selected_ == "pareto"


# --- model comparison ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def comparison(ch):
    return btyd.ModelComparison().fit(ch)


def test_comparison_table_and_rule(comparison, fitted, ch):
    t = comparison.table_
    assert list(t.index) == ["bgnbd", "pareto", "mbgnbd"]
    assert t.loc["bgnbd", "log_likelihood"] == pytest.approx(fitted["bgnbd"].log_likelihood_)
    assert t["chosen"].sum() == 1
    # the default rule: the closest total among the models within 5 % of the best MAE
    close = t[t["holdout_mae"] <= 1.05 * t["holdout_mae"].min()]
    assert comparison.rule == "holdout_balanced"
    assert comparison.selected_ == close["holdout_error_pct"].abs().idxmin()
    err = t.loc[comparison.selected_, "holdout_error_pct"]
    assert f"closest on total holdout purchases (error {err:+.1f}%)" in comparison.reason_
    assert "within 5% of the best" in comparison.reason_
    assert comparison.best_ is comparison.models_[comparison.selected_]
    mae = btyd.ModelComparison(rule="holdout_mae").fit(ch)
    assert mae.selected_ == t["holdout_mae"].idxmin()
    assert "mean absolute error" in mae.reason_


def test_balanced_rule_prefers_the_close_total_when_mae_is_nearly_tied():
    # issue 14: on a marketplace log MAE picked the model 42 % under the holdout total while
    # another, 2.7 % worse per customer, was 24 % under
    table = pd.DataFrame({"holdout_mae": [0.1090, 0.1119, 0.1300],
                          "holdout_error_pct": [-42.0, -24.0, -3.0],
                          "aic": [10.0, 11.0, 12.0], "bic": [10.0, 11.0, 12.0]},
                         index=["pareto", "bgnbd", "mbgnbd"])
    scores = choice.rule_scores(table)
    assert scores.idxmin() == "bgnbd"
    assert scores["mbgnbd"] == np.inf  # 19 % worse per customer: not a candidate
    assert choice.rule_scores(table, "holdout_mae").idxmin() == "pareto"
    assert choice.rule_scores(table, "holdout_error").idxmin() == "mbgnbd"
    assert choice.rule_scores(table, tolerance=0.25).idxmin() == "mbgnbd"
    # no purchase in the holdout: every total error is undefined and the MAE decides
    empty = table.assign(holdout_error_pct=np.nan)
    assert choice.rule_scores(empty).idxmin() == "pareto"
    with pytest.raises(ParameterError, match="'rule' is 'best'"):
        choice.rule_scores(table, "best")


def test_comparison_by_bic_and_override(ch):
    bic = btyd.ModelComparison(rule="bic").fit(ch)
    assert bic.selected_ == bic.table_["bic"].idxmin()
    forced = btyd.ModelComparison(rule="bic", choice="pareto").fit(ch)
    assert forced.selected_ == "pareto"
    assert "chosen by the 'model' parameter" in forced.reason_
    assert btyd.MODELS[bic.selected_][2] in forced.reason_


def test_comparison_bad_parameters(ch):
    with pytest.raises(ParameterError, match="rule"):
        btyd.ModelComparison(rule="r2").fit(ch)
    with pytest.raises(ParameterError, match="model"):
        btyd.ModelComparison(choice="bgbd").fit(ch)


# --- tracking, simulation, history, matrices ----------------------------------------------

def test_tracking_totals(fitted, cdnow, ch):
    tr = btyd.tracking(fitted["bgnbd"], cdnow, CAL_END, OBS_END, unit="weeks")
    assert len(tr) == 78 and tr.attrs["calibration_periods"] == 39
    hold = tr[tr["holdout"]]
    assert hold["actual"].sum() == 1882
    assert tr["actual"].sum() == ch["frequency"].sum() + 1882
    assert tr["cumulative_actual"].iloc[-1] == tr["actual"].sum()
    # the unconditional expectation over weeks 40-78 (about 1,666 in the paper's figure)
    assert hold["expected"].sum() == pytest.approx(1666, rel=0.01)
    assert tr["cumulative_expected"].is_monotonic_increasing


def test_period_transactions_counts(fitted, ch):
    table = btyd.period_transactions(fitted["bgnbd"], ch, max_frequency=7, n_draws=10)
    assert table["actual"].sum() == 2357 and table["actual"].iloc[0] == 1411
    assert table["model"].sum() == pytest.approx(2357)
    assert table["model"].iloc[0] == pytest.approx(1411, rel=0.05)


@pytest.mark.parametrize("model", list(btyd.MODELS))
def test_simulation_mean_matches_the_model(fitted, model):
    m = fitted[model]
    sims = btyd.simulate(model, m.params_, np.full(60_000, 39.0), random_state=1)
    assert sims.mean() == pytest.approx(m.expected_purchases_new(39.0), rel=0.03)


def test_p_alive_history_equals_p_alive_at_each_date(fitted, cdnow):
    m = fitted["bgnbd"]
    hist = btyd.p_alive_history(m, cdnow, "0001", unit="weeks", observation_end=CAL_END)
    assert hist.index[0] == pd.Timestamp("1997-01-01") and hist.index[-1] == pd.Timestamp(CAL_END)
    assert hist["purchase"].sum() == 3  # 1997-01-01, 01-18, 08-02
    for day in ("1997-05-01", CAL_END):
        mine = cdnow[cdnow["order_date"] <= day]
        summ = customer_summary(mine, observation_end=day, freq="D", freq_multiplier=7)
        assert hist.loc[day, "p_alive"] == pytest.approx(m.p_alive(summ.loc[["0001"]]).iloc[0])
    with pytest.raises(DataError, match="'nobody' has no transaction"):
        btyd.p_alive_history(m, cdnow, "nobody")


def test_matrix_shape_and_invalid_cells(fitted, ch):
    mx = btyd.matrix(fitted["bgnbd"], "p_alive", summary=ch)
    assert mx.index[0] == 0 and mx.columns[0] == 0
    assert mx.loc[0, 0] == 1.0 and mx.loc[0].iloc[1:].isna().all()
    assert mx.loc[5, 38] > mx.loc[5, 5]  # recent buyers are more likely alive
    ex = btyd.matrix(fitted["bgnbd"], "expected", T=38.86, max_frequency=4, horizon=39)
    assert ex.shape == (5, 39)
    one = pd.DataFrame({"frequency": [2.0], "recency": [30.0], "T": [38.86]})
    assert ex.loc[2, 30] == pytest.approx(fitted["bgnbd"].expected_purchases(one, 39).iloc[0])
    with pytest.raises(ParameterError, match="give 'summary'"):
        btyd.matrix(fitted["bgnbd"])


# --- bad input ----------------------------------------------------------------------------

def test_missing_column_is_named(ch):
    with pytest.raises(ColumnError, match="recency"):
        btyd.BTYDModel().fit(ch.drop(columns="recency"))


def test_inconsistent_rows_are_named():
    bad = pd.DataFrame({"frequency": [1.0, 0.0, 2.0], "recency": [5.0, 3.0, 4.0],
                        "T": [10.0, 10.0, 3.0]}, index=["a", "b", "c"])
    with pytest.raises(DataError, match=r"2 customer\(s\).*'b', 'c'"):
        btyd.BTYDModel().fit(bad)


def test_empty_and_bad_parameters(ch):
    with pytest.raises(EmptyResultError):
        btyd.BTYDModel().fit(ch.iloc[:0])
    with pytest.raises(ParameterError, match="penalizer"):
        btyd.BTYDModel(penalizer=-1).fit(ch)
    with pytest.raises(ParameterError, match="model"):
        btyd.BTYDModel("bgnb").fit(ch)
    with pytest.raises(ParameterError, match="not fitted"):
        btyd.BTYDModel().p_alive(ch)
    with pytest.raises(ParameterError, match="time_unit"):
        btyd.time_unit("fortnights")


def test_gamma_gamma_rejects_non_positive_spend(ch):
    bad = ch.copy()
    rep = bad.index[bad["frequency"] > 0][:2]
    bad.loc[rep, "monetary_value"] = [0.0, -3.0]
    with pytest.raises(DataError, match=r"2 repeat buyer\(s\).*positive"):
        btyd.GammaGammaModel().fit(bad)
    with pytest.raises(EmptyResultError, match="no repeat buyers"):
        btyd.GammaGammaModel().fit(ch[ch["frequency"] == 0])


def test_split_errors(cdnow):
    with pytest.raises(ParameterError, match="calibration_end.*must be before"):
        btyd.calibration_holdout(cdnow, OBS_END, CAL_END)
    with pytest.raises(ParameterError, match="'calibration_end' is 'soon'"):
        btyd.calibration_holdout(cdnow, "soon", OBS_END)
    with pytest.raises(ColumnError, match="order_date"):
        btyd.calibration_holdout(cdnow.rename(columns={"order_date": "date"}), CAL_END)


def test_split_with_own_column_names_and_monthly_units(cdnow):
    mine = cdnow.rename(columns={"customer_id": "cust", "order_date": "when",
                                 "amount": "paid"})
    out = btyd.calibration_holdout(mine, CAL_END, OBS_END, unit="months",
                                   customer_id_col="cust", datetime_col="when",
                                   monetary_col="paid", order_id_col=None)
    assert out["frequency_holdout"].sum() == 1882
    assert out["duration_holdout"].iloc[0] == pytest.approx(273 / (365.25 / 12))
    weekly = btyd.calibration_holdout(cdnow, CAL_END, OBS_END)
    np.testing.assert_allclose(out["T"] * 365.25 / 12, weekly["T"] * 7)


def test_gamma_gamma_retries_with_a_penalty_when_spends_are_alike(capsys):
    """One price for everybody: lifetimes' fitter gives up; a small penalty is tried, said,
    and nothing is printed."""
    rng = np.random.default_rng(0)
    summary = pd.DataFrame({"frequency": rng.integers(1, 6, 200),
                            "monetary_value": np.full(200, 10.0)})
    model = btyd.GammaGammaModel().fit(summary)
    assert model.penalizer_used_ == 0.001
    assert np.isfinite(model.params_.to_numpy()).all()
    assert capsys.readouterr().out == ""
    with pytest.raises(DataError, match=r"did not converge on 200 repeat buyers.*"
                       r"GammaGammaModel\(penalizer=1.0\)"):
        btyd.GammaGammaModel(retry_penalizers=()).fit(summary)
