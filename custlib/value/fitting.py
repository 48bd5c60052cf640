"""How the value models are fitted: the optimiser, its time budget, the fitted check.

A BTYD fit maximises the likelihood of :mod:`custlib.value.formulas` over log-parameters
(:func:`_own_fit`): lifetimes' objective (mean negative log-likelihood plus an L2 penalty,
time scaled so that the longest ``T`` is 10), start and optimiser for BG/NBD and MBG/NBD,
bounded L-BFGS-B for Pareto/NBD. Every fit is bounded in iterations and in wall time
(:class:`_Budget`) and keeps the best point seen, so a fit stopped at the limit can still
report it. Customers sharing a (frequency, recency, T) triple are fitted once, weighted by
their count (:func:`_distinct`).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import OptimizeResult, minimize
from threadpoolctl import threadpool_limits

from custlib import errors
from custlib.value.formulas import _OBJECTIVES, _Patterns

__all__ = ["FitWarning", "require_fitted"]


class FitWarning(UserWarning):
    """A purchase model's fit stopped early (time limit).

    Its parameters are the best found so far, not a converged maximum.
    """


def require_fitted(estimator: Any, attribute: str = "params_") -> None:
    """Raise :class:`ParameterError` unless ``estimator`` has been fitted.

    Parameters
    ----------
    estimator : BTYDModel, GammaGammaModel or ModelComparison
    attribute : str, default 'params_'
        A learned attribute that ``fit`` sets.

    Raises
    ------
    ParameterError
        ``"<Class> is not fitted yet: call fit(summary) first"``.
    """
    errors.require_fitted(estimator, attribute, "fit(summary)")


class _OutOfTime(Exception):
    """Raised inside an objective when the fit's time budget is spent."""


#: the clock of the time budgets (a test replaces it with one that ticks per reading)
_clock = time.monotonic


class _Budget:
    """The wall-time budget of one model fit, shared by its attempts.

    It keeps the best point evaluated so far, so that a fit stopped at the limit can still
    report it.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = float(seconds)
        self.deadline = _clock() + self.seconds
        self.best_value = np.inf
        self.best_x: np.ndarray | None = None
        self.evaluations = 0

    def expired(self) -> bool:
        return _clock() > self.deadline

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


def one_blas_thread() -> Any:
    """A context in which BLAS runs on one thread.

    A multi-threaded BLAS adds up a long dot product (here from about 50,000 terms) in
    another order than one thread does; on a flat likelihood those last bits can move the
    optimum a long way (BG/NBD's ``a`` and ``b`` by 1e5 on 60,000 patterns). Fits run on one
    thread give the same parameters on a machine of any number of cores, and the
    bootstrap's refits the same in any number of processes.
    """
    return threadpool_limits(limits=1, user_api="blas")


def _own_fit(model: str, x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray,
             penalizer: float, x0: np.ndarray, tol: float = 1e-7, *,
             budget: _Budget | None = None, max_iterations: int = 2000) -> Any:
    """Minimise the mean negative log-likelihood plus an L2 penalty over log-parameters.

    lifetimes' objective, time scaled so the longest ``T`` is 10.
    BG/NBD and MBG/NBD: BFGS from lifetimes' start with the analytic gradient. Pareto/NBD:
    L-BFGS-B with the analytic gradient of custlib's log-space likelihood (one quadrature
    per evaluation, :func:`custlib.value.pareto._objective_pareto`), the
    log-parameters kept within ``+-log(1e6)`` (``_LOG_CAP``; a stop for precision loss
    counts as converged when the gradient that can still move is below 1e-4: the
    likelihood's flat ridges; the maximum is the published one to 3 decimals).
    Bounded by ``max_iterations`` and by
    ``budget``: when its time is spent, the result has ``success=False``,
    ``timed_out=True`` and the best point evaluated so far as ``x``.
    """
    budget = budget or _Budget(np.inf)
    budget.best_value, budget.best_x = np.inf, None  # the best point of this attempt
    total = _OBJECTIVES[model]
    data = _Patterns(x, tx, T, w)

    def objective(logp: np.ndarray) -> tuple[float, np.ndarray]:
        p = np.exp(logp)
        ll, g = total(logp, data)
        value = float(-ll / data.wsum + penalizer * (p ** 2).sum())
        grad = -g / data.wsum + penalizer * 2 * p ** 2
        if bounds is not None and not (np.isfinite(value) and np.all(np.isfinite(grad))):
            value, grad = np.inf, np.zeros_like(grad)  # L-BFGS-B: step back from here
        budget.seen(logp, value)
        return value, grad

    method, bounds = "BFGS", None
    options: dict[str, Any] = {"maxiter": max_iterations}
    if model == "pareto":
        method, tol = "L-BFGS-B", None  # type: ignore[assignment]
        options = {"maxiter": max_iterations, "gtol": 1e-8, "ftol": 1e-11}
        bounds = [(-_LOG_CAP, _LOG_CAP)] * len(x0)
    with np.errstate(all="ignore"):
        try:
            with one_blas_thread():
                res = minimize(objective, x0=np.clip(x0, *bounds[0]) if bounds else x0,
                               jac=True, method=method, tol=tol, options=options,
                               bounds=bounds)
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


def _check_weights(sample_weight: Any, n_rows: int, weighted: bool = True) -> np.ndarray:
    """``sample_weight`` as floats, checked: one finite value >= 0 per row, not all 0."""
    w = np.asarray(sample_weight, dtype=float).ravel()
    if not weighted:
        raise errors.ParameterError("sample_weight needs weighted=True (the weighted fit)")
    if len(w) != n_rows or not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise errors.ParameterError(f"sample_weight has {len(w)} value(s) for {n_rows} "
                                    "row(s); expected one finite weight >= 0 per row, not all 0")
    return w


def _row_key(cols: list[np.ndarray]) -> np.ndarray:
    """One int64 per row, equal for equal rows.

    Re-factorised column by column, so it cannot overflow.
    """
    key = np.zeros(len(cols[0]), dtype=np.int64)
    for col in cols:
        codes, uniq = pd.factorize(col)
        key = pd.factorize(key * len(uniq) + codes)[0].astype(np.int64)
    return key


def _distinct(data: pd.DataFrame,
              sample_weight: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Distinct (frequency, recency, T) rows and how many customers share each.

    With ``sample_weight``, each row counts as that many customers (rows of weight 0 are
    dropped): a bootstrap's multinomial counts over the distinct rows, for instance.
    """
    cols = [data[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")]
    if sample_weight is not None:
        keep = np.asarray(sample_weight, dtype=float) > 0
        cols = [col[keep] for col in cols]
        weight = np.asarray(sample_weight, dtype=float)[keep]
    _, first, codes, counts = np.unique(_row_key(cols), return_index=True,
                                        return_inverse=True, return_counts=True)
    w = counts.astype(float) if sample_weight is None else \
        np.bincount(codes.ravel(), weights=weight, minlength=len(first))
    return (*(col[first] for col in cols), w)
