"""BTYD numerics: Pareto/NBD in log space against mpmath, finite predictions on extreme
patterns, identical fits on identical data, bounded fits that say when they stop early."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import pytest

from custlib._compat import import_lifetimes
from custlib.data.cleaning import clean_transactions
from custlib.data.loading import load_transactions
from custlib.errors import CustlibError, ParameterError
from custlib.value import btyd, formulas, purchase

mp = pytest.importorskip("mpmath")

CDNOW_PARETO = (0.55, 10.58, 0.61, 11.67)
PARETO_PARAMS = [CDNOW_PARETO, (2.0, 1.0, 0.1, 50.0), (10.0, 0.01, 0.02, 100.0),
                 (0.2, 80.0, 3.0, 0.05), (0.55, 10.58, 1.0, 11.67)]  # s = 1 exactly
PATTERNS = [(221, 103.43, 103.57), (161, 94.71, 98.00),  # NaN in reference implementations
            (0, 0.0, 50.0), (5, 50.0, 50.0), (3, 1.0, 1e5), (2000, 100.0, 100.5),
            (0, 0.0, 1e6), (50, 1e-3, 1e4), (2, 30.43, 38.86)]


def _pareto_reference(params, x, tx, T, t=10.0):
    """Log-likelihood, P(alive) and E[purchases in t] from Fader & Hardie (2005), eqs.
    18-20, 36 and 41, with mpmath at 60 digits."""
    with mp.workdps(60):
        r, alpha, s, beta = (mp.mpf(v) for v in params)
        x, tx, T, t = mp.mpf(x), mp.mpf(tx), mp.mpf(T), mp.mpf(t)
        m, d, b = (alpha, alpha - beta, s + 1) if alpha >= beta else (beta, beta - alpha, r + x)
        a = r + s + x

        def f(y):
            return mp.hyp2f1(a, b, a + 1, d / (m + y)) / (m + y) ** a

        a0 = f(tx) - f(T)
        first = 1 / ((alpha + T) ** (r + x) * (beta + T) ** s)
        ll = (mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(alpha) + s * mp.log(beta)
              + mp.log(first + s / (r + s + x) * a0))
        alive = 1 / (1 + s / (r + s + x) * (alpha + T) ** (r + x) * (beta + T) ** s * a0)
        k = s - 1
        gap = mp.log((beta + T + t) / (beta + T)) if k == 0 else \
            (1 - ((beta + T) / (beta + T + t)) ** k) / k
        expected = alive * (r + x) * (beta + T) / (alpha + T) * gap
        return float(ll), float(alive), float(expected)


@pytest.mark.parametrize("params", PARETO_PARAMS)
@pytest.mark.parametrize("x,tx,T", PATTERNS)
def test_pareto_log_space_equals_mpmath(params, x, tx, T):
    ref = _pareto_reference(params, x, tx, T)
    args = (np.array([float(x)]), np.array([tx]), np.array([T]))
    mine = (formulas._pareto_ll(params, *args)[0], formulas._pareto_p_alive(params, *args)[0],
            formulas._pareto_expected(params, 10.0, *args)[0])
    assert np.all(np.isfinite(mine))
    np.testing.assert_allclose(mine, ref, rtol=1e-8, atol=0)


def test_pareto_named_patterns_with_cdnow_parameters():
    args = (np.array([221.0, 161.0]), np.array([103.43, 94.71]), np.array([103.57, 98.0]))
    alive = formulas._pareto_p_alive(CDNOW_PARETO, *args)
    np.testing.assert_allclose(alive, [0.9991482868817988, 0.6480862784960247], rtol=1e-9)


def test_pareto_recency_equal_to_age_has_no_a0_term():
    a0 = formulas._pareto_log_a0(CDNOW_PARETO, np.array([4.0]), np.array([30.0]),
                             np.array([30.0]))
    assert a0[0] == -np.inf
    assert formulas._pareto_p_alive(CDNOW_PARETO, np.array([4.0]), np.array([30.0]),
                                np.array([30.0]))[0] == 1.0


def _bg_reference(model, params, t, x, tx, T):
    with mp.workdps(300):  # eq. 10 cancels badly: many digits
        r, alpha, a, b = (mp.mpf(v) for v in params)
        x, tx, T, t = mp.mpf(x), mp.mpf(tx), mp.mpf(T), mp.mpf(t)
        z = t / (alpha + T + t)
        q = ((alpha + T) / (alpha + T + t)) ** (r + x)
        if model == "bgnbd":
            num = (a + b + x - 1) / (a - 1) * (1 - q * mp.hyp2f1(r + x, b + x, a + b + x - 1, z))
            den = 1 + (a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x) if x > 0 else 0)
        else:
            num = (a + b + x) / (a - 1) * (1 - q * mp.hyp2f1(r + x, b + x + 1, a + b + x, z))
            den = 1 + a / (b + x) * ((alpha + T) / (alpha + tx)) ** (r + x)
        return float(num / den)


BG_CASES = [("bgnbd", (0.243, 4.414, 0.793, 2.426)), ("bgnbd", (5.0, 0.01, 0.01, 50.0)),
            ("mbgnbd", (0.525, 6.183, 0.891, 1.614)), ("mbgnbd", (0.05, 100.0, 20.0, 0.1))]


@pytest.mark.parametrize("model,params", BG_CASES)
@pytest.mark.parametrize("x,tx,T", PATTERNS[:6] + [(5000, 9999.0, 1e4)])
def test_bg_expected_equals_mpmath(model, params, x, tx, T):
    mine = formulas._bg_expected(model, params, 39.0, float(x), tx, T)
    assert float(np.ravel(mine)[0]) == pytest.approx(_bg_reference(model, params, 39.0, x, tx, T),
                                        rel=1e-8)


@pytest.mark.parametrize("model,params", [("bgnbd", (0.5, 10.0, 0.8, 5e4)),
                                          ("mbgnbd", (2.0, 30.0, 0.05, 3e6))])
@pytest.mark.parametrize("x,tx,T", [(0, 0.0, 40.0), (3, 20.0, 52.0), (40, 90.0, 100.0)])
def test_bg_expected_with_a_huge_b_is_exact_without_adaptive_quadrature(
        model, params, x, tx, T, monkeypatch):
    """A refit whose drop-out is nearly nil (b in the millions: the bootstrap meets it on a
    log with a 1e12 line) is valued by the Laguerre rule, to mpmath's figure, and never by
    the adaptive quadrature, which took minutes over a bootstrap's refits."""
    def refuse(*args):
        raise AssertionError("adaptive quadrature used")

    monkeypatch.setattr(formulas, "_beta_mean_quad", refuse)
    mine = formulas._bg_expected(model, params, 39.0, float(x), tx, T)
    assert float(np.ravel(mine)[0]) == pytest.approx(_bg_reference(model, params, 39.0, x, tx, T),
                                                     rel=1e-8)


@pytest.mark.parametrize("a,b_post", [(0.05, 5e4), (3.0, 1.09e6), (300.0, 5e4),
                                      (4.9e5, 1.09e6), (4.9e5, 1e7)])
def test_beta_mean_rules_for_overflowing_jacobi_equal_adaptive_quadrature(a, b_post):
    """Both rules past the Jacobi rule's range (Laguerre for a small mean drop-out
    probability, Hermite for a narrow one) give the adaptive quadrature's figure; the
    second case's a, b, r and alpha are a bootstrap refit's on a log with a 1e12 line."""
    k, tau = np.array([1.0, 5.0, 40.0, 3.4e7]), np.array([0.5, 2.0, 30.0, 2e-8])
    mine = formulas._beta_mean_of_purchases(a, np.full(4, b_post), k, tau)
    ref = [formulas._beta_mean_quad(a, b_post, kk, tt) for kk, tt in zip(k, tau, strict=True)]
    assert mine == pytest.approx(ref, rel=1e-7)


def _model(key, params):
    m = btyd.BTYDModel(key)
    m.params_ = pd.Series(params, index=list(btyd.MODELS[key][1]))
    return m


def _lifetimes_model(key, params):
    """lifetimes' fitter of the same model holding ``params`` (the reference)."""
    ref = getattr(import_lifetimes(), btyd.MODELS[key][0])()
    ref.params_ = pd.Series(params, index=list(btyd.MODELS[key][1]))
    return ref


EXTREME = pd.DataFrame(PATTERNS + [(5000, 1.0, 1e4), (10_000, 500.0, 500.0)],
                       columns=["frequency", "recency", "T"]).astype(float)


@pytest.mark.parametrize("key,params", BG_CASES + [("pareto", p) for p in PARETO_PARAMS])
def test_predictions_finite_on_extreme_patterns(key, params):
    m = _model(key, params)
    expected = m.expected_purchases(EXTREME, 52.0)
    alive = m.p_alive(EXTREME)
    assert np.isfinite(expected).all() and (expected >= 0).all()
    assert np.isfinite(alive).all() and alive.between(0, 1).all()
    assert np.isfinite(m.expected_purchases_new(np.array([0.5, 1e6]))).all()


def test_mbgnbd_long_history_was_nan_in_lifetimes_and_is_finite_now():
    m = _model("mbgnbd", (0.525, 6.183, 0.891, 1.614))
    one = pd.DataFrame({"frequency": [2000.0], "recency": [100.0], "T": [100.5]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = _lifetimes_model("mbgnbd", m.params_).\
            conditional_expected_number_of_purchases_up_to_time(52.0, 2000.0, 100.0, 100.5)
    assert not np.isfinite(raw)
    value = m.expected_purchases(one, 52.0).iloc[0]
    assert value == pytest.approx(_bg_reference("mbgnbd", m.params_, 52.0, 2000, 100.0, 100.5),
                                  rel=1e-8)


# --- same input, same numbers -------------------------------------------------------------

@pytest.fixture(scope="module")
def ch() -> pd.DataFrame:
    raw = load_transactions("cdnow_sample")
    tx = clean_transactions(raw, rules={"duplicates": False, "invalid_prices": False},
                            non_product_codes=[]).transactions
    return btyd.calibration_holdout(tx, "1997-09-30", "1998-06-30", unit="weeks")


def _awkward(seed: int = 5) -> pd.DataFrame:
    """Many one-time buyers and a few customers of huge frequency (the 'mixed ids' log)."""
    rng = np.random.default_rng(seed)
    heavy = pd.DataFrame({"frequency": [221.0, 161.0, 400.0, 350.0],
                          "recency": [103.43, 94.71, 103.9, 100.0],
                          "T": [103.57, 98.0, 104.0, 104.0]})
    some = pd.DataFrame({"frequency": rng.integers(1, 4, 200).astype(float),
                         "T": rng.uniform(20, 104, 200)})
    some["recency"] = some["T"] * rng.uniform(0, 1, 200)
    once = pd.DataFrame({"frequency": 0.0, "recency": 0.0,
                         "T": np.round(rng.uniform(1, 104, 3000) * 7) / 7})
    return pd.concat([once, heavy, some], ignore_index=True)


@pytest.mark.parametrize("key", list(btyd.MODELS))
def test_same_data_same_parameters_bit_for_bit(ch, key):
    first, second = btyd.BTYDModel(key).fit(ch), btyd.BTYDModel(key).fit(ch)
    assert first.params_.tolist() == second.params_.tolist()
    assert first.log_likelihood_ == second.log_likelihood_


def test_pareto_published_maximum_reached_deterministically(ch):
    m = btyd.BTYDModel("pareto").fit(ch)
    assert m.params_.round(3).tolist() == [0.553, 10.578, 0.606, 11.669]
    assert m.converged_ and m.stop_reason_ == "converged"
    assert m.attempts_["start"].tolist() == ["default"]


def test_awkward_log_fits_quickly_and_identically():
    data = _awkward()
    began = time.monotonic()
    first = btyd.BTYDModel("pareto").fit(data)
    assert time.monotonic() - began < 30  # lifetimes' fitter: minutes with maxiter=20000
    second = btyd.BTYDModel("pareto").fit(data)
    assert first.converged_ and first.params_.tolist() == second.params_.tolist()
    # the maximum lifetimes' own fitter reaches (log-likelihood -2388.611)
    assert first.params_.round(3).tolist() == [0.034, 3.167, 0.738, 21.012]
    assert round(first.log_likelihood_, 3) == -2388.611


def test_retry_starts_come_from_random_state(ch, monkeypatch):
    real = purchase._own_fit
    starts = []

    def spy(model, x, tx, T, w, pen, x0, *a, **k):
        starts.append(np.round(np.exp(x0), 6).tolist())
        return TestFailed() if len(starts) < 3 else real(model, x, tx, T, w, pen, x0, *a, **k)

    monkeypatch.setattr(purchase, "_own_fit", spy)
    btyd.BTYDModel("pareto", random_state=7).fit(ch)
    again = list(starts)
    starts.clear()
    btyd.BTYDModel("pareto", random_state=7).fit(ch)
    assert starts == again and len(starts) == 3
    assert starts[0] == [1.0] * 4
    expected = np.round(np.random.default_rng(7).uniform(0.1, 3.0, 4), 6).tolist()
    assert starts[1] == expected


class TestFailed:
    success = False
    status = 1
    message = "Maximum number of iterations has been exceeded."
    x = np.zeros(4)


# --- bounded fits -------------------------------------------------------------------------

def test_time_limit_stops_the_fit_and_says_so():
    data = _awkward()
    began = time.monotonic()
    with pytest.warns(btyd.FitWarning, match=r"Pareto/NBD: stopped at the time limit of "
                                             r"0.05 s \(max_seconds\)"):
        m = btyd.BTYDModel("pareto", max_seconds=0.05).fit(data)
    assert time.monotonic() - began < 2
    assert m.converged_ is False
    assert m.stop_reason_ == "stopped at the time limit of 0.05 s (max_seconds)"
    assert m.attempts_["outcome"].tolist() == [m.stop_reason_]
    assert np.isfinite(m.params_).all() and np.isfinite(m.p_alive(data)).all()


def test_comparison_marks_a_model_stopped_early(ch, monkeypatch):
    """A clock that ticks 1 ms per reading: Pareto/NBD converges within 0.027 s of it (23
    readings, with its analytic gradient), BG/NBD does not (30), whatever the machine's
    load."""
    import itertools

    from custlib.value import fitting

    ticks = itertools.count()
    monkeypatch.setattr(fitting, "_clock", lambda: next(ticks) * 0.001)
    with pytest.warns(btyd.FitWarning):
        comp = btyd.ModelComparison(models=("bgnbd", "pareto"), max_seconds=0.027).fit(ch)
    assert comp.table_.loc["pareto", "converged"]
    assert not comp.table_.loc["bgnbd", "converged"]
    assert list(comp.stopped_) == ["bgnbd"] and "max_seconds" in comp.stopped_["bgnbd"]


def test_iteration_limit_then_clear_error_naming_real_parameters(ch):
    with pytest.raises(CustlibError, match="did not converge after 2 attempts") as info:
        btyd.BTYDModel("bgnbd", max_iterations=1, max_retries=1).fit(ch)
    message = str(info.value)
    assert "penalizer=0.01" in message and "'calibration_end'" in message
    assert "'holdout_share'" in message and "notebook 03's 'model'" in message


@pytest.mark.parametrize("name,value", [("max_seconds", 0), ("max_seconds", "60"),
                                        ("max_iterations", 0), ("max_iterations", 2.5)])
def test_bad_limits_are_named(ch, name, value):
    with pytest.raises(ParameterError, match=f"parameter '{name}' is {value!r}"):
        btyd.BTYDModel("bgnbd", **{name: value}).fit(ch)


# --- near z = 1: quadrature instead of the series ----------------------------------------

def _a0_reference(params, x, tx, T):
    with mp.workdps(40):
        r, alpha, s, beta = (mp.mpf(v) for v in params)
        x, tx, T = mp.mpf(x), mp.mpf(tx), mp.mpf(T)
        m, d, b = (alpha, alpha - beta, s + 1) if alpha >= beta else (beta, beta - alpha, r + x)
        a = r + s + x

        def f(y):
            return mp.hyp2f1(a, b, a + 1, d / (m + y)) / (m + y) ** a

        return float(mp.log(f(tx) - f(T)))


@pytest.mark.parametrize("one_minus_z", [0.1, 1e-3, 1e-5, 1e-8])
@pytest.mark.parametrize("r,s,lo,x,tx,T", [(0.5, 0.6, 2.0, 3, 5.0, 40.0),
                                           (40.0, 30.0, 5.0, 12, 1.0, 10.0),
                                           (0.05, 0.02, 0.01, 0, 0.0, 300.0)])
@pytest.mark.parametrize("alpha_high", [True, False])
def test_pareto_a0_near_z_one_equals_mpmath(one_minus_z, r, s, lo, x, tx, T, alpha_high):
    hi = (lo + (1 - one_minus_z) * tx) / one_minus_z  # so that d / (hi + t_x) = z
    params = (r, hi, s, lo) if alpha_high else (r, lo, s, hi)
    mine = formulas._pareto_log_a0(params, np.array([float(x)]), np.array([tx]), np.array([T]))
    assert (hi - lo) / (hi + tx) == pytest.approx(1 - one_minus_z, rel=1e-12)
    assert mine[0] == pytest.approx(_a0_reference(params, x, tx, T), rel=1e-9)


def test_series_and_quadrature_agree_across_the_switch():
    # the same A_0 just below and above z = 0.9, where the method changes
    x, tx, T = np.array([2.0, 2.0]), np.array([3.0, 3.0]), np.array([30.0, 30.0])
    lo = 1.0
    values = []
    for z in (0.9 - 1e-12, 0.9 + 1e-12):
        hi = (lo + z * 3.0) / (1 - z)
        values.append(formulas._pareto_log_a0((0.7, hi, 0.4, lo), x, tx, T)[0])
    assert values[0] == pytest.approx(values[1], rel=1e-10)


def _degenerate(seed: int = 11, n: int = 800) -> pd.DataFrame:
    """Poisson buyers who never leave, all with the same rate (no heterogeneity)."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(10, 70, n)
    rows = []
    for age in T:
        times = np.cumsum(rng.exponential(1 / 0.3, 200))
        times = times[times <= age]
        rows.append((len(times), times[-1] if len(times) else 0.0, age))
    return pd.DataFrame(rows, columns=["frequency", "recency", "T"])


@pytest.mark.fullrun  # 6 s of fitting: in make test-full, to keep make test under two minutes
def test_degenerate_log_converges_within_its_budget():
    data = _degenerate()
    with warnings.catch_warnings():
        warnings.simplefilter("error", btyd.FitWarning)  # no stop at the time limit
        first = btyd.BTYDModel("pareto").fit(data)
    second = btyd.BTYDModel("pareto").fit(data)
    assert first.converged_ and first.stop_reason_ == "converged"
    assert first.params_.tolist() == second.params_.tolist()
    p = first.params_
    assert p["r"] > 1e3 and p["r"] / p["alpha"] == pytest.approx(0.3, rel=0.05)  # one rate
    assert p["s"] / p["beta"] < 1e-3  # nobody leaves
    assert np.isfinite(first.p_alive(data)).all()
    assert np.isfinite(first.expected_purchases(data, 10.0)).all()


@pytest.mark.parametrize("start", [[1, 2, 3], [0.5, -1, 1, 1], [0.5, np.nan, 1, 1],
                                   "0.5", [True, 1, 1, 1]])
def test_a_bad_start_is_named(ch, start):
    with pytest.raises(ParameterError, match=r"parameter 'start' is .*expected 4 numbers > 0 "
                                             r"\(r, alpha, a, b\)"):
        btyd.BTYDModel("bgnbd", start=start).fit(ch)


def test_a_start_at_the_maximum_converges_in_a_few_evaluations(ch, monkeypatch):
    import itertools

    from custlib.value import fitting

    cold = btyd.BTYDModel("pareto").fit(ch)
    ticks = itertools.count()
    monkeypatch.setattr(fitting, "_clock", lambda: next(ticks))
    warm = btyd.BTYDModel("pareto", start=cold.params_.tolist()).fit(ch)
    assert next(ticks) < 12  # readings of the clock: one per evaluation, plus a few
    np.testing.assert_allclose(warm.params_, cold.params_, rtol=1e-5)


def test_the_quadrature_in_blocks_equals_one_block_bit_for_bit(monkeypatch):
    from custlib.value import pareto

    rng = np.random.default_rng(2)
    n = 700
    A, B = rng.uniform(0.3, 40, n), rng.uniform(1.0, 30, n)
    t0 = rng.uniform(0, 5, n)
    t1 = t0 + rng.uniform(0.01, 50, n)
    whole = (pareto._log_power_integral(A, B, 30.0, 2.0, t0, t1),
             *pareto._power_moments(A, B, 30.0, 2.0, t0, t1))
    monkeypatch.setattr(pareto, "_BLOCK_ROWS", 64)  # 11 blocks, the last one short
    blocks = (pareto._log_power_integral(A, B, 30.0, 2.0, t0, t1),
              *pareto._power_moments(A, B, 30.0, 2.0, t0, t1))
    for a, b in zip(whole, blocks, strict=True):
        assert a.shape == (n,) and np.array_equal(a, b)


@pytest.mark.fullrun  # 60,000 patterns fitted twice: about 10 s
def test_the_same_parameters_whatever_the_number_of_blas_threads():
    # a multi-threaded BLAS sums a dot product of 50,000+ terms in another order; on this
    # flat likelihood that moved BG/NBD's b by 1.6e6 before fits ran on one thread
    from threadpoolctl import threadpool_limits

    from tests.test_bootstrap import _many_patterns

    many = _many_patterns()
    w = np.random.default_rng(0).multinomial(len(many), np.full(len(many), 1 / len(many)))
    fits = []
    for threads in (2, 1):
        with threadpool_limits(limits=threads, user_api="blas"):
            fits.append(btyd.BTYDModel("bgnbd").fit(many, sample_weight=w.astype(float)))
    assert fits[0].params_.tolist() == fits[1].params_.tolist()
