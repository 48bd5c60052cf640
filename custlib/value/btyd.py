"""Buy-till-you-die purchase models: BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma.

The story (Fader, Hardie & Lee 2005): while "alive", a customer buys at their own steady
rate (a Poisson process whose rate varies across customers as a gamma distribution);
after each purchase they may "die", leaving for good with their own probability (beta
distributed across customers). From each customer's ``frequency`` (repeat purchases),
``recency`` (age at the last purchase) and ``T`` (age now), the model says how many
purchases to expect next and how likely the customer is still to be alive. Spend per
purchase comes from the Gamma-Gamma model, fitted on repeat buyers only.

What custlib adds to ``lifetimes`` (archived in 2020), which stays underneath for the
predictions:

* BG/NBD and MBG/NBD are fitted by custlib's own log-likelihoods with analytic gradients
  on the distinct (frequency, recency, T) triples weighted by their counts: the same
  objective, start and optimiser as lifetimes, so the same parameters (tested to 4
  decimals), many times faster on large data (``benchmarks/bench_fit.py``). Pareto/NBD
  is fitted, and predicted, with custlib's own log-space likelihood, expectation and
  P(alive) (Fader & Hardie 2005's formulas, the hypergeometric function as a series of
  positive terms), finite for every customer and equal to mpmath to 1e-8.
* Same input, same numbers: every attempt starts from a point fixed by ``random_state``.
* Convergence is checked; failed fits are retried from other starting points, then with a
  small penalizer, and every attempt is recorded in ``attempts_``. Every fit is bounded in
  iterations and wall time (``max_seconds``) and says so when it stops early.
* The log-likelihood is reported on the data's own time scale (comparable with the
  published figures), with AIC and BIC.
* lifetimes is imported, and its fitters run, without changing the session's warning
  filters (lifetimes silences every FutureWarning otherwise).
* The calibration/holdout split, tracking of repeat transactions, the P(alive) history
  and the period-transactions counts, which lifetimes cannot compute on pandas 3, are
  computed here.

References
----------
Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting your customers" the easy
way: An alternative to the Pareto/NBD model. *Marketing Science*, 24(2), 275-284.
Schmittlein, D. C., Morrison, D. G., & Colombo, R. (1987). Counting your customers: Who
are they and what will they do next? *Management Science*, 33(1), 1-24.
Batislam, E. P., Denizel, M., & Filiztekin, A. (2007). Empirical validation and
comparison of models for customer base analysis. *International Journal of Research in
Marketing*, 24(3), 201-209.
Fader, P. S., & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
http://brucehardie.com/notes/025/
"""

from __future__ import annotations

import contextlib
import io
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import OptimizeResult, minimize

from custlib._compat import quiet_import
from custlib.data.contract import require_columns
from custlib.errors import (
    CustlibError,
    DataError,
    EmptyResultError,
    ParameterError,
    check_choice,
    format_list,
)
from custlib.value.formulas import (  # noqa: F401 (tests reach some as btyd._name)
    _OBJECTIVES,
    _OWN_LL,
    _bg_expected,
    _bg_p_alive,
    _pareto_expected,
    _pareto_expected_new,
    _pareto_ll,
    _pareto_log_a0,
    _pareto_p_alive,
    _Patterns,
)
from custlib.value.summary import customer_summary, period_index

__all__ = [
    "MODELS", "TIME_UNITS", "BTYDModel", "GammaGammaModel", "ModelComparison",
    "calibration_holdout", "calibration_vs_holdout", "compare_models", "holdout_errors",
    "matrix", "model_summary", "p_alive_history",
    "period_transactions", "simulate", "time_unit", "tracking",
]

#: model key -> (lifetimes fitter, parameter names, name for people)
MODELS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "bgnbd": ("BetaGeoFitter", ("r", "alpha", "a", "b"), "BG/NBD"),
    "pareto": ("ParetoNBDFitter", ("r", "alpha", "s", "beta"), "Pareto/NBD"),
    "mbgnbd": ("ModifiedBetaGeoFitter", ("r", "alpha", "a", "b"), "MBG/NBD"),
}

#: time unit -> (period of the summary, divisor of days, periods per year)
TIME_UNITS: dict[str, tuple[str, float, float]] = {
    "days": ("D", 1.0, 365.25),
    "weeks": ("D", 7.0, 365.25 / 7),
    "months": ("D", 365.25 / 12, 12.0),
}


def time_unit(unit: str) -> tuple[str, float, float]:
    """The summary settings and periods per year of a model time unit.

    Weeks and months are measured continuously from daily purchase dates (days / 7 and
    days / 30.44), as in Fader, Hardie & Lee (2005): repeat purchases are distinct days.

    Parameters
    ----------
    unit : {'days', 'weeks', 'months'}

    Returns
    -------
    tuple
        ``(freq, freq_multiplier, periods_per_year)`` for
        :func:`custlib.value.summary.customer_summary`.
    """
    check_choice("time_unit", unit, tuple(TIME_UNITS))
    return TIME_UNITS[unit]


def model_summary(transactions: pd.DataFrame, observation_end: str | pd.Timestamp | None = None,
                  *, unit: str = "weeks", customer_id_col: str = "customer_id",
                  datetime_col: str = "order_date", monetary_col: str | None = "amount",
                  order_id_col: str | None = "order_id") -> pd.DataFrame:
    """The customer summary the models take, in a model time unit.

    :func:`custlib.value.summary.customer_summary` with the settings of :func:`time_unit`:
    repeat purchases are distinct days; ``recency`` and ``T`` are in ``unit``.

    Parameters
    ----------
    transactions : pandas.DataFrame
    observation_end : str or Timestamp, optional
        Default the last transaction date.
    unit : {'days', 'weeks', 'months'}, default 'weeks'
    customer_id_col, datetime_col, monetary_col, order_id_col : str

    Returns
    -------
    pandas.DataFrame
        One row per customer.
    """
    freq, mult, _ = time_unit(unit)
    out = customer_summary(transactions, observation_end=observation_end or None, freq=freq,
                           freq_multiplier=mult, customer_id_col=customer_id_col,
                           datetime_col=datetime_col, monetary_col=monetary_col,
                           order_id_col=order_id_col)
    out.attrs = {**out.attrs, "unit": unit}
    return out


def _lifetimes() -> Any:
    return quiet_import("lifetimes")


def _check_btyd(summary: pd.DataFrame, where: str) -> pd.DataFrame:
    require_columns(summary, ["frequency", "recency", "T"], where)
    data = summary[["frequency", "recency", "T"]].astype(float)
    if len(data) == 0:
        raise EmptyResultError(f"{where}: no customers")
    if data.isna().any().any():
        raise DataError(f"{where}: frequency, recency and T must not be missing "
                        f"({int(data.isna().any(axis=1).sum())} customer(s) have gaps)")
    bad = (data["frequency"] < 0) | (data["recency"] < 0) | \
        (data["recency"] > data["T"] + 1e-9) | \
        ((data["frequency"] == 0) & (data["recency"] != 0))
    if bad.any():
        rows = list(data.index[bad][:5])
        raise DataError(f"{where}: {int(bad.sum())} customer(s) have inconsistent BTYD values "
                        f"(e.g. {rows}); expected frequency >= 0, 0 <= recency <= T and "
                        "recency 0 for one-time buyers (use "
                        "custlib.value.summary.customer_summary)")
    return data


class FitWarning(UserWarning):
    """A purchase model's fit stopped early (time limit) and its parameters are the best
    found so far, not a converged maximum.
    """


class _OutOfTime(Exception):
    """Raised inside an objective when the fit's time budget is spent."""


class _Budget:
    """The wall-time budget of one model fit, shared by its attempts; keeps the best point
    evaluated so far so that a fit stopped at the limit can still report it.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = float(seconds)
        self.deadline = time.monotonic() + self.seconds
        self.best_value = np.inf
        self.best_x: np.ndarray | None = None
        self.evaluations = 0

    def expired(self) -> bool:
        return time.monotonic() > self.deadline

    def seen(self, logp: np.ndarray, value: float) -> None:
        self.evaluations += 1
        if np.isfinite(value) and value < self.best_value:
            self.best_value, self.best_x = value, np.array(logp, dtype=float)
        if self.expired():
            raise _OutOfTime


#: Pareto/NBD parameters are kept within [1e-6, 1e6] on the fit's time scale (the longest
#: T is 10): beyond it the likelihood is flat (a Poisson process without heterogeneity,
#: or lifetimes without it), and the fit says which parameter stopped there (``at_bound_``).
_LOG_CAP = float(np.log(1e6))


def _own_fit(model: str, x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray,
             penalizer: float, x0: np.ndarray, tol: float = 1e-7, *,
             budget: _Budget | None = None, max_iterations: int = 2000) -> Any:
    """Minimise the mean negative log-likelihood plus an L2 penalty on the parameters
    (lifetimes' objective, time scaled so the longest ``T`` is 10) over log-parameters.

    BG/NBD and MBG/NBD: BFGS from lifetimes' start with the analytic gradient. Pareto/NBD:
    L-BFGS-B with central-difference gradients of custlib's log-space likelihood, the
    log-parameters kept within ``+-log(1e6)`` (``_LOG_CAP``; a stop for precision loss
    counts as converged when the gradient that can still move is below 1e-4: the
    likelihood's flat ridges; the maximum is the published one to 3 decimals).
    Bounded by ``max_iterations`` and by
    ``budget``: when its time is spent, the result has ``success=False``,
    ``timed_out=True`` and the best point evaluated so far as ``x``.
    """
    budget = budget or _Budget(np.inf)
    budget.best_value, budget.best_x = np.inf, None  # the best point of this attempt
    if model in _OBJECTIVES:
        total = _OBJECTIVES[model]
        data = _Patterns(x, tx, T, w)

        def objective(logp: np.ndarray) -> tuple[float, np.ndarray]:
            p = np.exp(logp)
            ll, g = total(logp, data)
            value = float(-ll / data.wsum + penalizer * (p ** 2).sum())
            budget.seen(logp, value)
            return value, -g / data.wsum + penalizer * 2 * p ** 2

        method, jac = "BFGS", True
        options: dict[str, Any] = {"maxiter": max_iterations}
        bounds = None
    else:
        ll_rows = _OWN_LL[model]
        wsum = float(w.sum())

        def objective(logp: np.ndarray) -> float:  # type: ignore[misc]
            p = np.exp(logp)
            value = float(-(w @ ll_rows(p, x, tx, T)) / wsum + penalizer * (p ** 2).sum())
            value = value if np.isfinite(value) else np.inf
            budget.seen(logp, value)
            return value

        method, jac, tol = "L-BFGS-B", "3-point", None  # type: ignore[assignment]
        options = {"maxiter": max_iterations, "gtol": 1e-8, "ftol": 1e-11}
        bounds = [(-_LOG_CAP, _LOG_CAP)] * len(x0)
    with np.errstate(all="ignore"):
        try:
            res = minimize(objective, x0=np.clip(x0, *bounds[0]) if bounds else x0,
                           jac=jac, method=method, tol=tol, options=options, bounds=bounds)
            grad = np.asarray(res.jac, dtype=float)
            if bounds is not None:  # the gradient that can still move: not out of a bound
                xs = np.asarray(res.x, dtype=float)
                grad = np.where(((xs >= _LOG_CAP - 1e-9) & (grad < 0))
                                | ((xs <= -_LOG_CAP + 1e-9) & (grad > 0)), 0.0, grad)
            limit = 1e-5 if bounds is None else 1e-4  # flat ridges of Pareto/NBD
            if not res.success and res.status == 2 and \
                    np.all(np.isfinite(grad)) and np.max(np.abs(grad)) < limit:
                res.success = True  # precision loss at the optimum: converged
            return res
        except _OutOfTime:
            best = budget.best_x if budget.best_x is not None else np.asarray(x0, float)
            return OptimizeResult(x=best, success=False, timed_out=True,
                                  nfev=budget.evaluations,
                                  message=f"stopped at the time limit of "
                                          f"{budget.seconds:g} s (max_seconds)")


class BTYDModel:
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
    fitter_ : lifetimes fitter
        Holds ``params_`` for lifetimes' prediction formulas.

    Examples
    --------
    Fader, Hardie & Lee (2005)'s BG/NBD fit of CDNOW, from the raw file:

    >>> from custlib.data import loading as io
    >>> from custlib.data.cleaning import clean_transactions
    >>> raw = io.load_transactions("cdnow_sample")
    >>> tx = clean_transactions(raw, rules={"duplicates": False, "invalid_prices": False},
    ...                         non_product_codes=[]).transactions
    >>> cal = calibration_holdout(tx, "1997-09-30", "1998-06-30", unit="weeks")
    >>> [round(float(v), 3) for v in BTYDModel("bgnbd").fit(cal).params_]
    [0.243, 4.414, 0.793, 2.426]
    """

    def __init__(self, model: str = "bgnbd", penalizer: float = 0.0, weighted: bool = True,
                 max_retries: int = 3, random_state: int = 0, max_seconds: float = 60.0,
                 max_iterations: int = 2000) -> None:
        self.model = model
        self.penalizer = penalizer
        self.weighted = weighted
        self.max_retries = max_retries
        self.random_state = random_state
        self.max_seconds = max_seconds
        self.max_iterations = max_iterations

    @property
    def name(self) -> str:
        """The model's name for people ('BG/NBD', ...)."""
        return MODELS[self.model][2] if self.model in MODELS else str(self.model)

    def fit(self, summary: pd.DataFrame, y: object = None) -> BTYDModel:
        """Fit on a customer summary (``frequency``, ``recency``, ``T``).

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer, from :func:`custlib.value.summary.customer_summary`.
        y : ignored

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
        data = _check_btyd(summary, f"BTYDModel({self.model!r}).fit")
        x, tx, T, w = _distinct(data) if self.weighted else (
            *(data[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")),
            np.ones(len(data)))
        if T.max() <= 0:
            raise DataError(f"BTYDModel({self.model!r}).fit: every customer has T = 0 (all "
                            "bought on the last day observed); nothing to model")
        x = np.floor(x)  # lifetimes casts frequency to int
        cls_name, names, _ = MODELS[self.model]
        # every start is fixed by random_state: the default one, then draws from a seeded
        # Generator (lifetimes would draw unseeded ones for Pareto/NBD)
        rng = np.random.default_rng(self.random_state)
        plan: list[tuple[np.ndarray | None, float]] = [(None, float(self.penalizer))]
        for i in range(self.max_retries):
            start = np.log(rng.uniform(0.1, 3.0, len(names)))
            pen = float(self.penalizer) if i == 0 else max(float(self.penalizer), 10.0 ** (i - 4))
            plan.append((start, pen))
        scale = 10.0 / T.max()  # as lifetimes: the longest T becomes 10
        budget = _Budget(float(self.max_seconds))
        attempts, params, converged = [], None, False
        for start, pen in plan:
            began = time.monotonic()
            try:
                params, note, converged = self._fit_once(x, tx, T, w, scale, start, pen,
                                                         budget)
            except Exception as exc:  # numerical failures of an attempt
                first_line = str(exc).strip().splitlines()[0][:80] if str(exc).strip() else ""
                params, note, converged = None, f"{type(exc).__name__}: {first_line}", False
            attempts.append({"start": "default" if start is None else
                             np.round(np.exp(start), 2).tolist(), "penalizer": pen,
                             "outcome": note,
                             "seconds": round(time.monotonic() - began, 3)})
            if params is not None or budget.expired():
                break
        self.attempts_ = pd.DataFrame(attempts)
        if params is None:
            raise CustlibError(
                f"the {self.name} model did not converge after {len(attempts)} attempts:\n"
                f"{self.attempts_.to_string()}\nTry another model (notebook 03's 'model' "
                "parameter), a larger penalizer (BTYDModel(..., penalizer=0.01)), a longer "
                "calibration period ('calibration_end' or a smaller 'holdout_share'), or "
                "check the data (very short histories or a handful of customers)")
        self.params_ = pd.Series(params, index=list(names), name=self.name)
        fit_scale = np.array([1.0, scale, 1.0, scale]) if self.model == "pareto" else None
        self.at_bound_ = tuple(
            n for n, v in zip(names, np.log(params * fit_scale))
            if abs(v) >= _LOG_CAP - 1e-9) if fit_scale is not None and params is not None \
            else ()
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
                          "not a converged fit (raise max_seconds to let it finish)",
                          FitWarning, stacklevel=2)
        self.penalizer_used_ = float(attempts[-1]["penalizer"])
        lifetimes = _lifetimes()
        self.fitter_ = getattr(lifetimes, cls_name)(penalizer_coef=self.penalizer_used_)
        self.fitter_.params_ = pd.Series(params, index=_fitter_names(cls_name))
        self.n_customers_ = int(w.sum())
        self.n_patterns_ = int(len(w))
        with np.errstate(all="ignore"):
            self.log_likelihood_ = float((w * _OWN_LL[self.model](params, x, tx, T)).sum())
        k = len(names)
        self.aic_ = 2 * k - 2 * self.log_likelihood_
        self.bic_ = k * np.log(self.n_customers_) - 2 * self.log_likelihood_
        return self

    def _fit_once(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray,
                  scale: float, start: np.ndarray | None, pen: float,
                  budget: _Budget) -> tuple[np.ndarray | None, str, bool]:
        """One attempt: (parameters or None, outcome, converged). Parameters without
        convergence come back only when the time budget ran out.
        """
        default = np.zeros(4) if self.model == "pareto" else np.full(4, 0.1)
        x0 = default if start is None else start
        res = _own_fit(self.model, x, tx * scale, T * scale, w, pen, x0, budget=budget,
                       max_iterations=self.max_iterations)
        params = np.exp(np.asarray(res.x, dtype=float))
        params[1] /= scale  # alpha
        if self.model == "pareto":
            params[3] /= scale  # beta
        finite = bool(np.all(np.isfinite(params)))
        if bool(res.success) and finite:
            return params, "converged", True
        if getattr(res, "timed_out", False) and finite:
            return params, str(res.message), False
        return None, f"not converged: {res.message}", False

    def _fitted(self) -> Any:
        if not hasattr(self, "fitter_"):
            raise ParameterError("BTYDModel is not fitted yet: call fit(summary) first")
        return self.fitter_

    def _per_pattern(self, summary: pd.DataFrame, where: str, fn: Any,
                     t: Any = None) -> np.ndarray:
        """Evaluate ``fn(f, r, T[, t])`` once per distinct row and spread the results."""
        data = _check_btyd(summary, where)
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
        fitter = self._fitted()
        params = self.params_.to_numpy(dtype=float)

        def fn(f: np.ndarray, r: np.ndarray, T: np.ndarray, tt: np.ndarray) -> np.ndarray:
            if self.model == "pareto":  # custlib's log-space formula, finite everywhere
                return _pareto_expected(params, tt, f, r, T)
            out = np.asarray(fitter.conditional_expected_number_of_purchases_up_to_time(
                tt, f, r, T), dtype=float)
            bad = ~np.isfinite(out)  # lifetimes' 2F1 overflows on very long histories
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
        """
        fitter = self._fitted()
        params = self.params_.to_numpy(dtype=float)

        def fn(f: np.ndarray, r: np.ndarray, T: np.ndarray) -> np.ndarray:
            if self.model == "pareto":  # custlib's log-space formula, finite everywhere
                return _pareto_p_alive(params, f, r, T)
            out = np.asarray(fitter.conditional_probability_alive(f, r, T), dtype=float)
            bad = ~np.isfinite(out)
            if bad.any():  # P(alive) is the ratio _bg_expected starts from
                out = out.copy()
                out[bad] = _bg_p_alive(self.model, params, f[bad], r[bad], T[bad])
            return out

        values = self._per_pattern(summary, "BTYDModel.p_alive", fn)
        return pd.Series(np.clip(values, 0.0, 1.0), index=summary.index, name="p_alive")

    def expected_purchases_new(self, t: float | np.ndarray) -> np.ndarray | float:
        """Expected repeat purchases within ``t`` periods of a customer's first purchase,
        for a customer not yet observed (the population curve).
        """
        fitter = self._fitted()
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.model == "pareto":  # finite at s = 1, where lifetimes divides by 0
                out = np.asarray(_pareto_expected_new(self.params_.to_numpy(dtype=float),
                                                      np.asarray(t, dtype=float)))
            else:
                out = np.asarray(fitter.expected_number_of_purchases_up_to_time(
                    np.asarray(t, dtype=float)), dtype=float)
        return float(out) if out.ndim == 0 else out

    def summary_table(self, lang: str = "en") -> pd.DataFrame:
        """The fitted parameters with what each means, for people.

        Parameters
        ----------
        lang : {'en', 'zh'}
        """
        check_choice("lang", lang, ("en", "zh"))
        self._fitted()
        meaning = {
            "r": ("shape of the purchase-rate distribution (gamma)",
                  "购买率分布(伽马分布)的形状参数"),
            "alpha": ("scale of the purchase-rate distribution: r/alpha is the mean rate",
                      "购买率分布的尺度参数:r/alpha 为平均购买率"),
            "a": ("shape 1 of the drop-out probability distribution (beta)",
                  "流失概率分布(贝塔分布)的参数 a"),
            "b": ("shape 2 of the drop-out probability: a/(a+b) is the mean drop-out chance",
                  "流失概率分布的参数 b:a/(a+b) 为平均流失概率"),
            "s": ("shape of the lifetime (drop-out rate) distribution (gamma)",
                  "流失率分布(伽马分布)的形状参数"),
            "beta": ("scale of the drop-out rate distribution: s/beta is the mean rate",
                     "流失率分布的尺度参数:s/beta 为平均流失率"),
        }
        i = 0 if lang == "en" else 1
        heads = ("value", "meaning") if lang == "en" else ("取值", "含义")
        return pd.DataFrame({heads[0]: self.params_,
                             heads[1]: [meaning[k][i] for k in self.params_.index]})


def _row_key(cols: list[np.ndarray]) -> np.ndarray:
    """One int64 per row, equal for equal rows (re-factorised column by column so it
    cannot overflow).
    """
    key = np.zeros(len(cols[0]), dtype=np.int64)
    for col in cols:
        codes, uniq = pd.factorize(col)
        key = pd.factorize(key * len(uniq) + codes)[0].astype(np.int64)
    return key


def _distinct(data: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """Distinct (frequency, recency, T) rows and how many customers share each."""
    cols = [data[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")]
    _, first, counts = np.unique(_row_key(cols), return_index=True, return_counts=True)
    return (*(data[c].to_numpy(dtype=float)[first] for c in ("frequency", "recency", "T")),
            counts.astype(float))


def _fitter_names(cls_name: str) -> list[str]:
    return ["r", "alpha", "s", "beta"] if cls_name == "ParetoNBDFitter" else \
        ["r", "alpha", "a", "b"]


class GammaGammaModel:
    """The Gamma-Gamma model of average spend per purchase, for repeat buyers.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the log-parameters (lifetimes' ``penalizer_coef``).
    retry_penalizers : tuple of float, default (0.001, 0.01, 0.1)
        Larger penalties tried, in order, when the fit does not converge.

    Attributes
    ----------
    penalizer_used_ : float
        The penalty of the fit kept (``penalizer`` unless a retry was needed).
    params_ : pandas.Series
        ``p``, ``q``, ``v`` (lifetimes calls ``v`` gamma): spend per purchase is gamma with
        shape p and a rate that varies across customers as gamma(q, v).
    n_customers_ : int
        Repeat buyers used.
    correlation_ : float
        Pearson correlation of frequency and average spend among them. The model assumes
        the two are independent; a magnitude above about 0.3 is a warning sign.
    population_mean_ : float
        Expected spend per purchase of a customer with no repeat purchase yet.

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). RFM and CLV: Using iso-value
    curves for customer base analysis. *Journal of Marketing Research*, 42(4), 415-430.
    """

    def __init__(self, penalizer: float = 0.0,
                 retry_penalizers: tuple[float, ...] = (0.001, 0.01, 0.1)) -> None:
        self.penalizer = penalizer
        self.retry_penalizers = retry_penalizers

    def fit(self, summary: pd.DataFrame, y: object = None) -> GammaGammaModel:
        """Fit on the repeat buyers of ``summary`` (``frequency`` > 0).

        Raises
        ------
        EmptyResultError
            No repeat buyer.
        DataError
            A repeat buyer with zero or negative average spend.
        """
        require_columns(summary, ["frequency", "monetary_value"], "GammaGammaModel.fit")
        rep = summary[summary["frequency"] > 0]
        if rep.empty:
            raise EmptyResultError("GammaGammaModel: no repeat buyers (frequency > 0); spend "
                                   "per purchase cannot be modelled")
        bad = ~(rep["monetary_value"] > 0)
        if bad.any():
            raise DataError(f"GammaGammaModel: {int(bad.sum())} repeat buyer(s) have zero, "
                            f"negative or missing average spend (e.g. "
                            f"{format_list(rep.index[bad], 5)}); the model needs positive "
                            "amounts. Clean the data (invalid_prices, cancellations) or drop "
                            "them")
        lifetimes = _lifetimes()
        grouped = rep.groupby(["frequency", "monetary_value"]).size().reset_index(name="w")
        # lifetimes' fitter can fail to converge (few repeat buyers, a handful of distinct
        # prices); a small penalty then keeps the parameters finite. Said in penalizer_used_.
        tried = [self.penalizer] + [p for p in self.retry_penalizers if p > self.penalizer]
        fitter, errors = None, []
        for penalizer in tried:
            candidate = lifetimes.GammaGammaFitter(penalizer_coef=penalizer)
            try:
                # lifetimes prints the optimiser's state when it gives up: not for people
                with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                    warnings.simplefilter("ignore")
                    candidate.fit(grouped["frequency"].to_numpy(dtype=int),
                                  grouped["monetary_value"].to_numpy(dtype=float),
                                  weights=grouped["w"].to_numpy())
            except (lifetimes.utils.ConvergenceError, ValueError, FloatingPointError) as exc:
                errors.append(f"penalizer {penalizer:g}: {str(exc).splitlines()[0][:80]}")
                continue
            if np.all(np.isfinite(candidate.params_.to_numpy(dtype=float))):
                fitter, self.penalizer_used_ = candidate, float(penalizer)
                break
            errors.append(f"penalizer {penalizer:g}: non-finite parameters")
        if fitter is None:
            raise DataError(
                f"GammaGammaModel: the spend model did not converge on {len(rep):,} repeat "
                f"buyers ({'; '.join(errors)}). Their average spends may be too few or too "
                "alike to fit (e.g. one price for everybody); pass a larger penalty, "
                "GammaGammaModel(penalizer=1.0), or value customers by revenue without a "
                "spend model")
        self.fitter_ = fitter
        self.params_ = fitter.params_.rename({"gamma": "v"}).rename("Gamma-Gamma")
        self.n_customers_ = int(len(rep))
        self.correlation_ = float(rep["frequency"].corr(rep["monetary_value"]))
        p, q, v = self.params_[["p", "q", "v"]]
        self.population_mean_ = float(p * v / (q - 1)) if q > 1 else float("nan")
        return self

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Expected average spend per purchase of each customer.

        Repeat buyers get a weighted average of their own mean and the population mean;
        one-time buyers get the population mean.
        """
        if not hasattr(self, "fitter_"):
            raise ParameterError("GammaGammaModel is not fitted yet: call fit(summary) first")
        require_columns(summary, ["frequency", "monetary_value"],
                        "GammaGammaModel.expected_spend")
        p, q, v = self.params_[["p", "q", "v"]].to_numpy(dtype=float)
        x = summary["frequency"].to_numpy(dtype=float)
        m = np.where(x > 0, summary["monetary_value"].to_numpy(dtype=float), 0.0)
        values = (p * (v + x * m)) / (p * x + q - 1)
        return pd.Series(values, index=summary.index, name="expected_spend")


# --- calibration / holdout ----------------------------------------------------------------

def calibration_holdout(transactions: pd.DataFrame, calibration_end: str | pd.Timestamp,
                        observation_end: str | pd.Timestamp | None = None, *,
                        unit: str = "weeks", customer_id_col: str = "customer_id",
                        datetime_col: str = "order_date", monetary_col: str | None = "amount",
                        order_id_col: str | None = "order_id") -> pd.DataFrame:
    """Split a transaction log by date into a calibration summary and holdout counts.

    The replacement for lifetimes' ``calibration_and_holdout_data`` (broken on pandas 3),
    with the same definitions: customers are those who bought by ``calibration_end``;
    their calibration ``frequency``, ``recency``, ``T`` and ``monetary_value`` come from
    :func:`custlib.value.summary.customer_summary`; ``frequency_holdout`` counts the days with a
    purchase after ``calibration_end`` up to ``observation_end``; ``monetary_value_holdout``
    is their mean daily spend; ``duration_holdout`` is the holdout length in ``unit``.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean transactions.
    calibration_end : str or Timestamp
        Last day of the calibration period.
    observation_end : str or Timestamp, optional
        Last day of the holdout period; default the last transaction date.
    unit : {'days', 'weeks', 'months'}, default 'weeks'
    customer_id_col, datetime_col, monetary_col, order_id_col : str

    Returns
    -------
    pandas.DataFrame
        The calibration summary plus ``frequency_holdout``, ``monetary_value_holdout``,
        ``duration_holdout``.

    Raises
    ------
    ParameterError
        Unparsable dates, or ``calibration_end`` not before ``observation_end``.
    EmptyResultError
        No customer bought by ``calibration_end``.
    """
    freq, mult, _ = time_unit(unit)
    require_columns(transactions, [customer_id_col, datetime_col], "calibration_holdout")
    cal_end, obs_end, day, cal_day, end_day = _window(transactions, datetime_col,
                                                      calibration_end, observation_end)
    cal = customer_summary(transactions, observation_end=cal_end, freq=freq,
                           freq_multiplier=mult, customer_id_col=customer_id_col,
                           datetime_col=datetime_col, monetary_col=monetary_col,
                           order_id_col=order_id_col)
    inside = (day > cal_day) & (day <= end_day)
    hold = pd.DataFrame({"c": transactions[customer_id_col].to_numpy()[inside],
                         "d": day[inside]})
    hold["m"] = transactions[monetary_col].to_numpy(dtype=float)[inside] if monetary_col else 0.0
    per_day = hold.groupby(["c", "d"], sort=False)["m"].sum().reset_index()
    agg = per_day.groupby("c")["m"].agg(["size", "mean"])
    agg.index = agg.index.astype(cal.index.dtype) if len(agg) else agg.index
    out = cal.copy()
    out["frequency_holdout"] = agg["size"].reindex(out.index).fillna(0).astype(float)
    out["monetary_value_holdout"] = agg["mean"].reindex(out.index).fillna(0.0)
    out["duration_holdout"] = (end_day - cal_day) / mult
    out.attrs = {**cal.attrs, "calibration_end": str(cal_end.date()),
                 "observation_end": str(obs_end.date()), "unit": unit}
    return out


def _window(transactions: pd.DataFrame, datetime_col: str, calibration_end: Any,
            observation_end: Any) -> tuple[pd.Timestamp, pd.Timestamp, np.ndarray, int, int]:
    """Parse the split dates; return them, each line's day number and the two day numbers.

    Raises
    ------
    ParameterError
        Unparsable dates, or ``calibration_end`` not before ``observation_end``.
    """
    cal_end = _date("calibration_end", calibration_end)
    dates = transactions[datetime_col]
    obs_end = _date("observation_end", observation_end) if observation_end not in (None, "") \
        else pd.Timestamp(dates.max()).normalize()
    if cal_end >= obs_end:
        raise ParameterError(f"parameter 'calibration_end' ({cal_end:%Y-%m-%d}) must be before "
                             f"the end of observation ({obs_end:%Y-%m-%d}): the holdout period "
                             "after it is what the models are tested on")
    day = period_index(dates.to_numpy(dtype="datetime64[ns]"), "D")
    cal_day = int(period_index(np.array([cal_end.to_datetime64()]), "D")[0])
    end_day = int(period_index(np.array([obs_end.to_datetime64()]), "D")[0])
    return cal_end, obs_end, day, cal_day, end_day


def _date(name: str, value: Any) -> pd.Timestamp:
    try:
        out = pd.Timestamp(value)
    except (ValueError, TypeError):
        out = pd.NaT
    if pd.isna(out):
        raise ParameterError(f"parameter {name!r} is {value!r}; expected a date such as "
                             "'1997-09-30'")
    return out.normalize()


def holdout_errors(model: BTYDModel, cal_holdout: pd.DataFrame) -> dict[str, float]:
    """How well a model fitted on the calibration period predicts the holdout period.

    Parameters
    ----------
    model : BTYDModel
        Fitted on the calibration columns of ``cal_holdout``.
    cal_holdout : pandas.DataFrame
        From :func:`calibration_holdout`.

    Returns
    -------
    dict
        ``actual`` and ``predicted`` total holdout repeat purchases, ``error_pct`` (total
        predicted minus actual, in % of actual), per-customer ``mae`` and ``rmse``.
    """
    require_columns(cal_holdout, ["frequency_holdout", "duration_holdout"], "holdout_errors")
    pred = model.expected_purchases(cal_holdout, cal_holdout["duration_holdout"].to_numpy())
    actual = cal_holdout["frequency_holdout"].to_numpy(dtype=float)
    diff = pred.to_numpy() - actual
    total = float(actual.sum())
    return {"actual": total, "predicted": float(pred.sum()),
            "error_pct": float(100 * diff.sum() / total) if total else float("nan"),
            "mae": float(np.abs(diff).mean()), "rmse": float(np.sqrt((diff ** 2).mean()))}


def calibration_vs_holdout(model: BTYDModel, cal_holdout: pd.DataFrame, *,
                           max_frequency: int = 7) -> pd.DataFrame:
    """Mean actual and predicted holdout purchases by calibration frequency.

    The classic check of Fader, Hardie & Lee (2005, figure 3): customers are grouped by
    their repeat purchases in the calibration period (the last group is "that many or
    more"); a good model's predictions follow the actual means across the groups.

    Returns
    -------
    pandas.DataFrame
        Index ``frequency_calibration``; columns ``customers``, ``actual``, ``predicted``.
    """
    require_columns(cal_holdout, ["frequency_holdout", "duration_holdout"],
                    "calibration_vs_holdout")
    pred = model.expected_purchases(cal_holdout, cal_holdout["duration_holdout"].to_numpy())
    group = np.minimum(cal_holdout["frequency"].to_numpy(dtype=int), max_frequency)
    frame = pd.DataFrame({"frequency_calibration": group,
                          "actual": cal_holdout["frequency_holdout"].to_numpy(dtype=float),
                          "predicted": pred.to_numpy()})
    g = frame.groupby("frequency_calibration")
    return pd.DataFrame({"customers": g.size(), "actual": g["actual"].mean(),
                         "predicted": g["predicted"].mean()})


class ModelComparison:
    """BG/NBD, Pareto/NBD and MBG/NBD fitted on one calibration period and compared.

    Parameters
    ----------
    models : sequence of str, default all three
    rule : {'holdout_mae', 'bic', 'aic', 'holdout_error'}, default 'holdout_mae'
        How the model used downstream is chosen: the lowest per-customer mean absolute
        error in the holdout period (the forecast is what the model is used for), the
        lowest BIC or AIC (fit penalised for parameters, no holdout needed), or the
        smallest absolute error of the total holdout purchases.
    choice : str, default 'auto'
        A model key overrides the rule.
    penalizer : float, default 0.0
    random_state : int, default 0
        Seed of every model's alternative starting points.
    max_seconds : float, default 60
        Wall-time limit of each model's fit (see :class:`BTYDModel`).
    max_iterations : int, default 2000

    Attributes
    ----------
    models_ : dict of str to BTYDModel
        The models that were fitted; a model stopped at ``max_seconds`` is kept with
        ``converged`` False in ``table_`` and its reason in ``stopped_``.
    table_ : pandas.DataFrame
        One row per model: parameters, log-likelihood, AIC, BIC, holdout errors, chosen.
    selected_ : str
    reason_ : str
        Why it was chosen, in a sentence.
    failed_ : dict of str to str
        Models that did not converge, with the reason.
    stopped_ : dict of str to str
        Models stopped early at the time limit, with the reason.
    """

    RULES = ("holdout_mae", "bic", "aic", "holdout_error")

    def __init__(self, models: tuple[str, ...] = ("bgnbd", "pareto", "mbgnbd"),
                 rule: str = "holdout_mae", choice: str = "auto", penalizer: float = 0.0,
                 random_state: int = 0, max_seconds: float = 60.0,
                 max_iterations: int = 2000) -> None:
        self.models = models
        self.rule = rule
        self.choice = choice
        self.penalizer = penalizer
        self.random_state = random_state
        self.max_seconds = max_seconds
        self.max_iterations = max_iterations

    def fit(self, cal_holdout: pd.DataFrame, y: object = None) -> ModelComparison:
        """Fit every model on the calibration columns and score it on the holdout.

        Parameters
        ----------
        cal_holdout : pandas.DataFrame
            From :func:`calibration_holdout`.
        """
        check_choice("rule", self.rule, self.RULES)
        check_choice("model", self.choice, ("auto",) + tuple(MODELS))
        for m in self.models:
            check_choice("models", m, tuple(MODELS))
        self.models_: dict[str, BTYDModel] = {}
        self.failed_: dict[str, str] = {}
        self.stopped_: dict[str, str] = {}
        rows = []
        for key in self.models:
            try:
                fitted = BTYDModel(key, penalizer=self.penalizer,
                                   random_state=self.random_state,
                                   max_seconds=self.max_seconds,
                                   max_iterations=self.max_iterations).fit(cal_holdout)
            except CustlibError as exc:
                self.failed_[key] = str(exc).splitlines()[0]
                continue
            self.models_[key] = fitted
            if not fitted.converged_:
                self.stopped_[key] = fitted.stop_reason_
            err = holdout_errors(fitted, cal_holdout)
            rows.append({"model": fitted.name, "key": key,
                         "parameters": ", ".join(f"{k} {v:.3f}" for k, v in
                                                 fitted.params_.items()),
                         "log_likelihood": fitted.log_likelihood_, "aic": fitted.aic_,
                         "bic": fitted.bic_, "holdout_actual": err["actual"],
                         "holdout_predicted": err["predicted"],
                         "holdout_error_pct": err["error_pct"], "holdout_mae": err["mae"],
                         "holdout_rmse": err["rmse"],
                         "attempts": len(fitted.attempts_),
                         "converged": fitted.converged_})
        if not rows:
            raise CustlibError("no model converged: " + "; ".join(
                f"{k}: {v}" for k, v in self.failed_.items()))
        table = pd.DataFrame(rows).set_index("key")
        score = {"holdout_mae": table["holdout_mae"], "bic": table["bic"],
                 "aic": table["aic"], "holdout_error": table["holdout_error_pct"].abs()}[self.rule]
        best = str(score.idxmin())
        if self.choice != "auto":
            if self.choice not in self.models_:
                raise CustlibError(f"model {self.choice!r} was asked for but did not "
                                   f"converge: {self.failed_.get(self.choice, 'not fitted')}")
            self.selected_ = self.choice
            self.reason_ = (f"{MODELS[self.choice][2]} was chosen by the 'model' parameter "
                            f"(the rule '{self.rule}' would pick {MODELS[best][2]})")
        else:
            self.selected_ = best
            what = {"holdout_mae": "the lowest mean absolute error per customer in the "
                                   "holdout period",
                    "bic": "the lowest BIC", "aic": "the lowest AIC",
                    "holdout_error": "the smallest error in total holdout purchases"}[self.rule]
            self.reason_ = f"{MODELS[best][2]} has {what} ({score[best]:.4g})"
        table["chosen"] = table.index == self.selected_
        self.table_ = table
        return self

    @property
    def best_(self) -> BTYDModel:
        """The chosen model."""
        return self.models_[self.selected_]


def compare_models(cal_holdout: pd.DataFrame, **kwargs: Any) -> ModelComparison:
    """Shortcut for ``ModelComparison(**kwargs).fit(cal_holdout)``."""
    return ModelComparison(**kwargs).fit(cal_holdout)


# --- tracking, period transactions, P(alive) history -------------------------------------

def tracking(model: BTYDModel, transactions: pd.DataFrame,
             calibration_end: str | pd.Timestamp,
             observation_end: str | pd.Timestamp | None = None, *, unit: str = "weeks",
             customer_id_col: str = "customer_id",
             datetime_col: str = "order_date") -> pd.DataFrame:
    """Repeat transactions period by period: actual against the model's expectation.

    The cohort is the customers who bought by ``calibration_end``. For each customer the
    model expects ``E[X(t - first purchase)]`` repeat purchases by time ``t`` (the
    unconditional curve); summed over the cohort and differenced by period, this is the
    expected number of repeat transactions in each period, over calibration and holdout.

    Parameters
    ----------
    model : BTYDModel
        Fitted in ``unit``.
    transactions : pandas.DataFrame
    calibration_end, observation_end : str or Timestamp
    unit : {'days', 'weeks', 'months'}, default 'weeks'
        Length of one tracking period (and the model's time unit).

    Returns
    -------
    pandas.DataFrame
        Index ``period`` (1, 2, ...); columns ``start`` (first day), ``actual``,
        ``expected``, ``cumulative_actual``, ``cumulative_expected``, ``holdout`` (bool).
    """
    _, mult, _ = time_unit(unit)
    require_columns(transactions, [customer_id_col, datetime_col], "tracking")
    cal_end, _, day, cal_day, end_day = _window(transactions, datetime_col, calibration_end,
                                                observation_end)
    visits = pd.DataFrame({"c": transactions[customer_id_col].to_numpy(), "d": day})
    visits = visits[visits["d"] <= end_day].drop_duplicates()
    first = visits.groupby("c")["d"].transform("min")
    visits = visits[first <= cal_day].assign(first=first[first <= cal_day])
    if visits.empty:
        raise EmptyResultError(f"tracking: no customer bought by {cal_end:%Y-%m-%d}")
    origin = int(visits["d"].min())
    n_periods = int(np.floor((end_day + 1 - origin) / mult))
    edges = origin + np.arange(n_periods + 1) * mult  # in days since 1970
    repeat = visits[visits["d"] > visits["first"]]
    actual = np.histogram(repeat["d"].to_numpy() + 0.5, bins=edges)[0].astype(float)
    firsts = visits.drop_duplicates("c")["first"].value_counts()
    ages = (edges[1:, None] - (firsts.index.to_numpy()[None, :] + 1)) / mult
    curve = model.expected_purchases_new(np.clip(ages, 0, None).ravel())
    cumulative = (np.asarray(curve).reshape(ages.shape) * firsts.to_numpy()[None, :]).sum(axis=1)
    expected = np.diff(np.concatenate([[0.0], cumulative]))
    start = pd.to_datetime(np.floor(edges[:-1]).astype("int64"), unit="D")
    out = pd.DataFrame({"start": start, "actual": actual, "expected": expected,
                        "cumulative_actual": actual.cumsum(),
                        "cumulative_expected": cumulative,
                        "holdout": edges[:-1] > cal_day},
                       index=pd.RangeIndex(1, n_periods + 1, name="period"))
    out.attrs = {"calibration_end": str(cal_end.date()), "unit": unit,
                 "calibration_periods": int(np.sum(edges[1:] <= cal_day + 1))}
    return out


def simulate(model: str, params: dict[str, float] | pd.Series, T: np.ndarray, *,
             random_state: int | np.random.Generator = 0) -> np.ndarray:
    """Simulate the number of repeat purchases of customers observed for ``T`` periods.

    Parameters
    ----------
    model : {'bgnbd', 'pareto', 'mbgnbd'}
    params : mapping
        The model's parameters (``r, alpha, a, b`` or ``r, alpha, s, beta``).
    T : array
        Each customer's age at the end of observation.
    random_state : int or numpy Generator

    Returns
    -------
    numpy.ndarray of int
        Repeat purchases of each simulated customer.
    """
    frequency, _ = _simulate_paths(model, params, np.asarray(T, dtype=float), random_state)
    return frequency


def _simulate_paths(model: str, params: Any, T: np.ndarray,
                    random_state: int | np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    check_choice("model", model, tuple(MODELS))
    rng = random_state if isinstance(random_state, np.random.Generator) else \
        np.random.default_rng(random_state)
    p = dict(params)
    n = len(T)
    lam = rng.gamma(p["r"], 1.0 / p["alpha"], n)
    count = np.zeros(n, dtype=np.int64)
    last = np.zeros(n)
    if model == "pareto":  # leaves at an exponential time; no drop-out at purchases
        death = rng.exponential(1.0, n) / rng.gamma(p["s"], 1.0 / p["beta"], n)
        horizon, drop = np.minimum(death, T), np.zeros(n)
        alive = np.ones(n, dtype=bool)
    else:  # may leave after each purchase; MBG/NBD also right after the first
        horizon, drop = T, rng.beta(p["a"], p["b"], n)
        alive = np.ones(n, dtype=bool) if model == "bgnbd" else rng.random(n) >= drop
    now = np.zeros(n)
    while alive.any():
        idx = np.flatnonzero(alive)
        nxt = now[idx] + rng.exponential(1.0, len(idx)) / lam[idx]
        ok = nxt <= horizon[idx]
        count[idx[ok]] += 1
        last[idx[ok]] = nxt[ok]
        now[idx] = nxt
        alive[idx[~ok]] = False
        kept = idx[ok]
        alive[kept[rng.random(len(kept)) < drop[kept]]] = False
    return count, last


def period_transactions(model: BTYDModel, summary: pd.DataFrame, *, max_frequency: int = 7,
                        n_draws: int = 20, random_state: int = 0) -> pd.DataFrame:
    """Customers by number of repeat purchases: actual against the fitted model.

    The model's counts are the average of ``n_draws`` simulations of the same customers
    (their own ``T``) with the fitted parameters, as lifetimes'
    ``plot_period_transactions`` does.

    Returns
    -------
    pandas.DataFrame
        Index 0 ... ``max_frequency`` (the last is "that many or more"); columns
        ``actual`` and ``model``.
    """
    model._fitted()
    data = _check_btyd(summary, "period_transactions")
    rng = np.random.default_rng(random_state)
    T = data["T"].to_numpy()
    bins = np.arange(max_frequency + 1)
    sims = np.zeros(max_frequency + 1)
    for _ in range(n_draws):
        counts = np.minimum(simulate(model.model, model.params_, T, random_state=rng),
                            max_frequency)
        sims += np.bincount(counts, minlength=max_frequency + 1)
    actual = np.bincount(np.minimum(data["frequency"].to_numpy(dtype=int), max_frequency),
                         minlength=max_frequency + 1)
    return pd.DataFrame({"actual": actual, "model": sims / n_draws},
                        index=pd.Index(bins, name="repeat_purchases"))


def p_alive_history(model: BTYDModel, transactions: pd.DataFrame, customer: Any, *,
                    unit: str = "weeks", observation_end: str | pd.Timestamp | None = None,
                    customer_id_col: str = "customer_id",
                    datetime_col: str = "order_date") -> pd.DataFrame:
    """P(alive) of one customer day by day, from the first purchase to ``observation_end``.

    The replacement for lifetimes' ``calculate_alive_path`` (broken on pandas 3). Each
    day the customer's frequency, recency and age are those known on that day.

    Returns
    -------
    pandas.DataFrame
        Index ``date``; columns ``p_alive``, ``purchase`` (bool).

    Raises
    ------
    DataError
        ``customer`` has no transaction.
    """
    _, mult, _ = time_unit(unit)
    require_columns(transactions, [customer_id_col, datetime_col], "p_alive_history")
    ids = transactions[customer_id_col]
    mine = transactions.loc[ids.astype(str) == str(customer), datetime_col]
    if mine.empty:
        raise DataError(f"p_alive_history: customer {customer!r} has no transaction in column "
                        f"{customer_id_col!r}")
    days = np.unique(period_index(mine.to_numpy(dtype="datetime64[ns]"), "D"))
    end = _date("observation_end", observation_end) if observation_end not in (None, "") \
        else pd.Timestamp(transactions[datetime_col].max()).normalize()
    end_day = int(period_index(np.array([end.to_datetime64()]), "D")[0])
    days = days[days <= end_day]
    grid = np.arange(days[0], end_day + 1)
    n_before = np.searchsorted(days, grid, side="right")  # purchases up to each day
    state = pd.DataFrame({"frequency": (n_before - 1).astype(float),
                          "recency": (days[n_before - 1] - days[0]) / mult,
                          "T": (grid - days[0]) / mult})
    p = model.p_alive(state).to_numpy()
    return pd.DataFrame({"p_alive": p, "purchase": np.isin(grid, days)},
                        index=pd.Index(pd.to_datetime(grid, unit="D"), name="date"))


def matrix(model: BTYDModel, kind: str = "expected", *, T: float | None = None,
           max_frequency: int | None = None, max_recency: float | None = None,
           horizon: float = 1.0, summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Expected purchases (or P(alive)) for every frequency and recency, at age ``T``.

    Parameters
    ----------
    model : BTYDModel
    kind : {'expected', 'p_alive'}
    T : float, optional
        The customers' age; default the largest ``T`` in ``summary``.
    max_frequency, max_recency : optional
        Grid ranges; default from ``summary`` (99th percentile of frequency).
    horizon : float, default 1
        Periods ahead, for ``kind='expected'``.
    summary : pandas.DataFrame, optional
        Supplies the defaults.

    Returns
    -------
    pandas.DataFrame
        Rows frequency 0 ... max, columns recency 0 ... max (whole periods).
    """
    check_choice("kind", kind, ("expected", "p_alive"))
    if summary is not None:
        data = _check_btyd(summary, "matrix")
        T = float(data["T"].max()) if T is None else T
        if max_frequency is None:
            max_frequency = int(max(np.ceil(data["frequency"].quantile(0.99)), 1))
    if T is None or max_frequency is None:
        raise ParameterError("matrix: give 'summary', or both 'T' and 'max_frequency'")
    max_recency = T if max_recency is None else max_recency
    f = np.arange(max_frequency + 1, dtype=float)
    r = np.arange(int(np.floor(max_recency)) + 1, dtype=float)
    ff, rr = np.meshgrid(f, r, indexing="ij")
    valid = (ff > 0) | (rr == 0)
    grid = pd.DataFrame({"frequency": ff.ravel(), "recency": np.where(valid, rr, 0).ravel(),
                         "T": np.full(ff.size, float(T))})
    values = (model.p_alive(grid) if kind == "p_alive"
              else model.expected_purchases(grid, horizon)).to_numpy()
    values = np.where(valid.ravel(), values, np.nan).reshape(ff.shape)
    out = pd.DataFrame(values, index=pd.Index(f.astype(int), name="frequency"),
                       columns=pd.Index(r.astype(int), name="recency"))
    out.attrs = {"kind": kind, "T": float(T), "horizon": float(horizon)}
    return out
