"""Buy-till-you-die purchase models: BG/NBD, Pareto/NBD and MBG/NBD.

The story (Fader, Hardie & Lee 2005): while "alive", a customer buys at their own steady
rate (a Poisson process whose rate varies across customers as a gamma distribution);
after each purchase they may "die", leaving for good with their own probability (beta
distributed across customers). From each customer's ``frequency`` (repeat purchases),
``recency`` (age at the last purchase) and ``T`` (age now), the model says how many
purchases to expect next and how likely the customer is still to be alive. Spend per
purchase comes from the Gamma-Gamma model (:mod:`custlib.value.spend`).

:class:`BTYDModel` fits and predicts with the kit's own formulas
(:mod:`custlib.value.formulas`, scipy underneath); lifetimes (archived in 2020) is the
reference the tests compare with, not a dependency of the models:

* BG/NBD and MBG/NBD are fitted by their log-likelihoods with analytic gradients on the
  distinct (frequency, recency, T) triples weighted by their counts: lifetimes' objective,
  start and optimiser, so the same parameters (tested to 4 decimals), many times faster
  on large data (``benchmarks/bench_fit.py``). Their predictions are the published closed
  forms, equal to lifetimes' to the last bit, with finite fallbacks where ``2F1``
  overflows on very long histories.
* Pareto/NBD is fitted, and predicted, with a log-space likelihood, expectation and
  P(alive) (Fader & Hardie 2005's formulas, the hypergeometric function as a series of
  positive terms), finite for every customer and equal to mpmath to 1e-8.
* Same input, same numbers: every attempt starts from a point fixed by ``random_state``.
* Convergence is checked; failed fits are retried from other starting points, then with a
  small penalizer, and every attempt is recorded in ``attempts_``. Every fit is bounded in
  iterations and wall time (``max_seconds``) and says so when it stops early.
* The log-likelihood is reported on the data's own time scale (comparable with the
  published figures), with AIC and BIC.

References
----------
Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting your customers" the easy
way: An alternative to the Pareto/NBD model. *Marketing Science*, 24(2), 275-284.
Schmittlein, D. C., Morrison, D. G., & Colombo, R. (1987). Counting your customers: Who
are they and what will they do next? *Management Science*, 33(1), 1-24.
Batislam, E. P., Denizel, M., & Filiztekin, A. (2007). Empirical validation and
comparison of models for customer base analysis. *International Journal of Research in
Marketing*, 24(3), 201-209.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from custlib.errors import CustlibError, DataError, ParameterError, check_choice
from custlib.i18n import check_lang, t
from custlib.value.fitting import (
    _LOG_CAP,
    FitWarning,
    _Budget,
    _check_weights,
    _distinct,
    _own_fit,
    _row_key,
    require_fitted,
)
from custlib.value.formulas import (
    _OWN_LL,
    _bg_closed_expected,
    _bg_closed_p_alive,
    _bg_expected,
    _bg_expected_new,
    _bg_p_alive,
    _pareto_expected,
    _pareto_expected_new,
    _pareto_p_alive,
)
from custlib.value.split import check_btyd_summary

__all__ = ["MODELS", "BTYDModel", "FitWarning"]


#: model key -> (the lifetimes fitter it is tested against, parameter names, name for people)
MODELS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "bgnbd": ("BetaGeoFitter", ("r", "alpha", "a", "b"), "BG/NBD"),
    "pareto": ("ParetoNBDFitter", ("r", "alpha", "s", "beta"), "Pareto/NBD"),
    "mbgnbd": ("ModifiedBetaGeoFitter", ("r", "alpha", "a", "b"), "MBG/NBD"),
}


class BTYDModel(BaseEstimator):
    """A buy-till-you-die purchase model (BG/NBD, Pareto/NBD or MBG/NBD).

    Parameters
    ----------
    model : {'bgnbd', 'pareto', 'mbgnbd'}, default 'bgnbd'
    penalizer : float, default 0.0
        L2 penalty on the parameters (lifetimes' ``penalizer_coef``).
    weighted : bool, default True
        Fit on distinct (frequency, recency, T) triples weighted by their counts (the same
        maximum, much faster). False fits one row per customer.
    max_retries : int, default 3
        Attempts after a failed fit: other starting points, then penalizers 0.001, 0.01.
    random_state : int, default 0
        Seed of the alternative starting points (a numpy Generator): every attempt starts
        from a point fixed by it, so the same data give the same parameters, bit for bit.
    max_seconds : float, default 60
        Wall-time limit of the whole fit, all attempts together. A fit stopped at the limit
        keeps the best parameters found so far, sets ``converged_`` to False, says why in
        ``attempts_`` and warns (:class:`FitWarning`).
    max_iterations : int, default 2000
        Iteration limit of the optimiser in each attempt.
    start : sequence of 4 floats, optional
        Parameters the first attempt starts from, on the data's time scale (as
        ``params_``): a fit of nearly the same data makes a refit several times faster (the
        bootstrap starts every refit from the point estimate). None: the default start.

    Attributes
    ----------
    params_ : pandas.Series
        Fitted parameters, on the data's time scale.
    log_likelihood_ : float
        Total log-likelihood of the data at ``params_`` (without the penalty).
    aic_, bic_ : float
    n_customers_ : int
    n_patterns_ : int
        Distinct (frequency, recency, T) triples the fit ran on.
    converged_ : bool
        False when the fit stopped at ``max_seconds`` before converging.
    stop_reason_ : str
        'converged', or why the fit stopped early.
    at_bound_ : tuple of str
        Pareto/NBD parameters that stopped at the cap of the fit, 1e6 (or 1e-6) on its
        time scale (the longest ``T`` is 10): the likelihood is flat there (e.g. purchase
        rates without heterogeneity, ``r`` and ``alpha`` running away together), so the
        cap changes the likelihood by rounding only. Said in ``attempts_`` too; empty
        otherwise.
    attempts_ : pandas.DataFrame
        One row per attempt: starting point, penalizer, outcome, seconds.
    penalizer_used_ : float
        The penalty of the attempt kept.

    Examples
    --------
    Fader, Hardie & Lee (2005)'s BG/NBD fit of CDNOW, from the raw file:

    >>> from custlib.data import loading as io
    >>> from custlib.data.cleaning import clean_transactions
    >>> raw = io.load_transactions("cdnow_sample")
    >>> tx = clean_transactions(raw, rules={"duplicates": False, "invalid_prices": False},
    ...                         non_product_codes=[]).transactions
    >>> from custlib.value.split import calibration_holdout
    >>> cal = calibration_holdout(tx, "1997-09-30", "1998-06-30", unit="weeks")
    >>> [round(float(v), 3) for v in BTYDModel("bgnbd").fit(cal).params_]
    [0.243, 4.414, 0.793, 2.426]
    """

    def __init__(self, model: str = "bgnbd", penalizer: float = 0.0, weighted: bool = True,
                 max_retries: int = 3, random_state: int = 0, max_seconds: float = 60.0,
                 max_iterations: int = 2000, start: Sequence[float] | None = None) -> None:
        self.model = model
        self.penalizer = penalizer
        self.weighted = weighted
        self.max_retries = max_retries
        self.random_state = random_state
        self.max_seconds = max_seconds
        self.max_iterations = max_iterations
        self.start = start

    @property
    def name(self) -> str:
        """The model's name for people ('BG/NBD', ...)."""
        return MODELS[self.model][2] if self.model in MODELS else str(self.model)

    # --- fitting ------------------------------------------------------------------------

    def fit(self, summary: pd.DataFrame, y: object = None, *,
            sample_weight: np.ndarray | None = None) -> BTYDModel:
        """Fit on a customer summary (``frequency``, ``recency``, ``T``).

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer, from :func:`custlib.value.summary.customer_summary`.
        y : ignored
        sample_weight : array of float >= 0, optional
            How many customers each row stands for (default 1 each); rows of weight 0 are
            left out. :mod:`custlib.value.bootstrap` fits on distinct rows weighted by
            resampled counts. Needs ``weighted=True``.

        Returns
        -------
        BTYDModel
            self

        Raises
        ------
        DataError
            Missing or inconsistent BTYD values.
        CustlibError
            No attempt converged (the attempts are listed).
        """
        self._check_settings()
        data = check_btyd_summary(summary, f"BTYDModel({self.model!r}).fit")
        if sample_weight is not None:
            sample_weight = _check_weights(sample_weight, len(data), self.weighted)
        x, tx, T, w = _distinct(data, sample_weight) if self.weighted else (
            *(data[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")),
            np.ones(len(data)))
        if T.max() <= 0:
            raise DataError(f"BTYDModel({self.model!r}).fit: every customer has T = 0 (all "
                            "bought on the last day observed); nothing to model")
        x = np.floor(x)  # lifetimes casts frequency to int
        scale = 10.0 / T.max()  # as lifetimes: the longest T becomes 10
        attempts, params, converged, note = self._attempts(x, tx, T, w, scale)
        self.attempts_ = pd.DataFrame(attempts)
        if params is None:
            raise CustlibError(
                f"the {self.name} model did not converge after {len(attempts)} attempts:\n"
                f"{self.attempts_.to_string()}\nTry another model (notebook 03's 'model' "
                "parameter), a larger penalizer (BTYDModel(..., penalizer=0.01)), a longer "
                "calibration period ('calibration_end' or a smaller 'holdout_share'), or "
                "check the data (very short histories or a handful of customers)")
        names = MODELS[self.model][1]
        self.params_ = pd.Series(params, index=list(names), name=self.name)
        self.at_bound_ = self._at_bound(params, scale)
        if self.at_bound_ and converged:
            note = (f"converged with {', '.join(self.at_bound_)} at the cap "
                    f"(1e6 or 1e-6 on the fit's time scale, longest T = 10), where the "
                    "likelihood is flat")
            attempts[-1]["outcome"] = note
            self.attempts_ = pd.DataFrame(attempts)
        self.converged_ = bool(converged)
        self.stop_reason_ = "converged" if converged else note
        if not converged:
            warnings.warn(f"{self.name}: {note}; the parameters are the best found so far, "
                          "not a converged fit (raise max_seconds, notebook 03's "
                          "fit_max_seconds, to let it finish)",
                          FitWarning, stacklevel=2)
        self.penalizer_used_ = float(attempts[-1]["penalizer"])
        self.n_customers_ = int(w.sum())
        self.n_patterns_ = int(len(w))
        with np.errstate(all="ignore"):
            self.log_likelihood_ = float((w * _OWN_LL[self.model](params, x, tx, T)).sum())
        k = len(names)
        self.aic_ = 2 * k - 2 * self.log_likelihood_
        self.bic_ = k * np.log(self.n_customers_) - 2 * self.log_likelihood_
        return self

    def _check_settings(self) -> None:
        """Raise :class:`ParameterError` on a parameter of the model out of range."""
        check_choice("model", self.model, tuple(MODELS))
        if isinstance(self.penalizer, bool) or not (
                isinstance(self.penalizer, (int, float)) and self.penalizer >= 0):
            raise ParameterError(f"parameter 'penalizer' is {self.penalizer!r}; expected a "
                                 "number >= 0, such as 0.001")
        if isinstance(self.max_retries, bool) or not (
                isinstance(self.max_retries, int) and self.max_retries >= 0):
            raise ParameterError(f"parameter 'max_retries' is {self.max_retries!r}; expected "
                                 "a whole number >= 0")
        if isinstance(self.max_seconds, bool) or not (
                isinstance(self.max_seconds, (int, float)) and self.max_seconds > 0):
            raise ParameterError(f"parameter 'max_seconds' is {self.max_seconds!r}; expected "
                                 "a number of seconds > 0, such as 60")
        if isinstance(self.max_iterations, bool) or not (
                isinstance(self.max_iterations, int) and self.max_iterations >= 1):
            raise ParameterError(f"parameter 'max_iterations' is {self.max_iterations!r}; "
                                 "expected a whole number >= 1, such as 2000")
        if self.start is not None:
            values = np.asarray(self.start, dtype=object).ravel()
            if len(values) != 4 or not all(
                    isinstance(v, (int, float, np.floating, np.integer))
                    and not isinstance(v, bool) and np.isfinite(v) and v > 0 for v in values):
                raise ParameterError(f"parameter 'start' is {self.start!r}; expected 4 "
                                     f"numbers > 0 ({', '.join(MODELS[self.model][1])}), "
                                     "such as the params_ of an earlier fit, or None")

    def _fit_scale(self, scale: float) -> np.ndarray:
        """Factors from the data's time scale to the fit's (the longest ``T`` is 10)."""
        return np.array([1.0, scale, 1.0, scale if self.model == "pareto" else 1.0])

    def _attempts(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray,
                  scale: float) -> tuple[list[dict[str, Any]], np.ndarray | None, bool, str]:
        """Fit from the default start, then from other starts; stop at the first success.

        Every start is fixed by ``random_state``: the default one, then draws from a seeded
        Generator (lifetimes would draw unseeded ones for Pareto/NBD); after the first
        retry, the penalizer grows to 0.001, then 0.01.

        Returns
        -------
        tuple
            ``(attempts, parameters or None, converged, outcome of the last attempt)``.
        """
        rng = np.random.default_rng(self.random_state)
        n_params = len(MODELS[self.model][1])
        first = None if self.start is None else np.log(
            np.asarray(self.start, dtype=float) * self._fit_scale(scale))
        plan: list[tuple[np.ndarray | None, float]] = [(first, float(self.penalizer))]
        for i in range(self.max_retries):
            draw = np.log(rng.uniform(0.1, 3.0, n_params))
            pen = float(self.penalizer) if i == 0 else max(float(self.penalizer), 10.0 ** (i - 4))
            plan.append((draw, pen))
        budget = _Budget(float(self.max_seconds))
        attempts: list[dict[str, Any]] = []
        params, converged, note = None, False, ""
        for i, (start, pen) in enumerate(plan):
            began = time.monotonic()
            try:
                params, note, converged = self._fit_once(x, tx, T, w, scale, start, pen,
                                                         budget)
            except Exception as exc:  # numerical failures of an attempt
                first_line = str(exc).strip().splitlines()[0][:80] if str(exc).strip() else ""
                params, note, converged = None, f"{type(exc).__name__}: {first_line}", False
            attempts.append({"start": "default" if start is None else "given" if i == 0 else
                             np.round(np.exp(start), 2).tolist(), "penalizer": pen,
                             "outcome": note,
                             "seconds": round(time.monotonic() - began, 3)})
            if params is not None or budget.expired():
                break
        return attempts, params, converged, note

    def _fit_once(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray,
                  scale: float, start: np.ndarray | None, pen: float,
                  budget: _Budget) -> tuple[np.ndarray | None, str, bool]:
        """One attempt: (parameters or None, outcome, converged).

        Parameters without convergence come back only when the time budget ran out.
        """
        default = np.zeros(4) if self.model == "pareto" else np.full(4, 0.1)
        x0 = default if start is None else start
        res = _own_fit(self.model, x, tx * scale, T * scale, w, pen, x0, budget=budget,
                       max_iterations=self.max_iterations)
        params = np.exp(np.asarray(res.x, dtype=float)) / self._fit_scale(scale)
        finite = bool(np.all(np.isfinite(params)))
        if bool(res.success) and finite:
            return params, "converged", True
        if getattr(res, "timed_out", False) and finite:
            return params, str(res.message), False
        return None, f"not converged: {res.message}", False

    def _at_bound(self, params: np.ndarray, scale: float) -> tuple[str, ...]:
        """Pareto/NBD parameters at the cap of the fit's time scale (see ``at_bound_``)."""
        if self.model != "pareto":
            return ()
        return tuple(n for n, v in zip(MODELS[self.model][1],
                                       np.log(params * self._fit_scale(scale)))
                     if abs(v) >= _LOG_CAP - 1e-9)

    # --- predictions --------------------------------------------------------------------

    def _per_pattern(self, summary: pd.DataFrame, where: str, fn: Any,
                     t: Any = None) -> np.ndarray:
        """Evaluate ``fn(f, r, T[, t])`` once per distinct row and spread the results."""
        data = check_btyd_summary(summary, where)
        cols = [data[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")]
        if t is not None:
            cols.append(np.broadcast_to(np.asarray(t, dtype=float), len(data)))
        _, first, codes = np.unique(_row_key(cols), return_index=True, return_inverse=True)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.asarray(fn(*(col[first] for col in cols)), dtype=float)
        return values[codes]

    def expected_purchases(self, summary: pd.DataFrame, t: float | np.ndarray) -> pd.Series:
        """Expected repeat purchases of each customer in the next ``t`` periods.

        Parameters
        ----------
        summary : pandas.DataFrame
            ``frequency``, ``recency``, ``T`` per customer, in the model's time unit.
        t : float or array
            Horizon in the same unit, one for all or one per customer.

        Returns
        -------
        pandas.Series
            Named ``expected_purchases``, indexed like ``summary``.
        """
        require_fitted(self)
        params = self.params_.to_numpy(dtype=float)

        def fn(f: np.ndarray, r: np.ndarray, T: np.ndarray, tt: np.ndarray) -> np.ndarray:
            if self.model == "pareto":  # log-space formula, finite everywhere
                return _pareto_expected(params, tt, f, r, T)
            out = np.asarray(_bg_closed_expected(self.model, params, tt, f, r, T), dtype=float)
            bad = ~np.isfinite(out)  # 2F1 overflows on very long histories
            if bad.any():
                out = out.copy()
                out[bad] = _bg_expected(self.model, params, tt[bad], f[bad], r[bad], T[bad])
            return out

        values = self._per_pattern(summary, "BTYDModel.expected_purchases", fn, t)
        return pd.Series(values, index=summary.index, name="expected_purchases")

    def p_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still "alive" (has not left for good).

        It is a statement about the model's hidden state, not a forecast of a purchase: a
        customer who buys rarely may be alive with high probability and still not buy
        for months.

        Parameters
        ----------
        summary : pandas.DataFrame
            ``frequency``, ``recency``, ``T`` per customer, in the model's time unit.

        Returns
        -------
        pandas.Series
            Named ``p_alive``, indexed like ``summary``.
        """
        require_fitted(self)
        params = self.params_.to_numpy(dtype=float)

        def fn(f: np.ndarray, r: np.ndarray, T: np.ndarray) -> np.ndarray:
            if self.model == "pareto":  # log-space formula, finite everywhere
                return _pareto_p_alive(params, f, r, T)
            out = np.asarray(_bg_closed_p_alive(self.model, params, f, r, T), dtype=float)
            bad = ~np.isfinite(out)
            if bad.any():  # P(alive) is the ratio _bg_expected starts from
                out = out.copy()
                out[bad] = _bg_p_alive(self.model, params, f[bad], r[bad], T[bad])
            return out

        values = self._per_pattern(summary, "BTYDModel.p_alive", fn)
        return pd.Series(np.clip(values, 0.0, 1.0), index=summary.index, name="p_alive")

    def expected_purchases_new(self, t: float | np.ndarray) -> np.ndarray | float:
        """Expected repeat purchases within ``t`` periods of a customer's first purchase.

        For a customer not yet observed: the population curve.

        Parameters
        ----------
        t : float or array
            Periods since the first purchase.

        Returns
        -------
        float or numpy.ndarray
            Shaped like ``t``.
        """
        require_fitted(self)
        params = self.params_.to_numpy(dtype=float)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.model == "pareto":  # finite at s = 1, where lifetimes divides by 0
                out = np.asarray(_pareto_expected_new(params, np.asarray(t, dtype=float)))
            else:
                out = np.asarray(_bg_expected_new(self.model, params,
                                                  np.asarray(t, dtype=float)), dtype=float)
        return float(out) if out.ndim == 0 else out

    def summary_table(self, lang: str = "en") -> pd.DataFrame:
        """The fitted parameters with what each means, for people.

        Parameters
        ----------
        lang : {'en', 'zh'}

        Returns
        -------
        pandas.DataFrame
            Index the parameter names; columns value and meaning, named in ``lang``.
        """
        check_lang(lang)
        require_fitted(self)
        return pd.DataFrame({
            t("value.heading.value", lang): self.params_,
            t("value.heading.meaning", lang): [t(f"value.parameters.{k}", lang)
                                                  for k in self.params_.index]})

