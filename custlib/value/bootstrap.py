"""How sure are we: bootstrap intervals for the predicted value, in total and per segment.

The kit's 12-month value (CLV) of a customer base is one number from one fit. To say how far
to trust it, :class:`ValueBootstrap` resamples the customers with replacement, refits the
purchase model and the Gamma-Gamma spend model on each resample, and sums the resampled
customers' predicted value under the refitted models. The spread of those sums over a few
hundred refits is the interval.

Resampling is cheap because the fits run on distinct customer histories: the customers are
grouped once into distinct (frequency, recency, T, average spend, segment) rows, and a
resample is a multinomial draw of how many customers each row stands for; every refit then
runs on the same few thousand rows with new weights (``sample_weight`` of
:meth:`BTYDModel.fit <custlib.value.purchase.BTYDModel.fit>`), starting from the parameters
fitted on all customers (``start``), which a resample's maximum is close to.

References
----------
Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall,
chapters 6 (the bootstrap estimate of standard error) and 13 (percentile intervals).
Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting your customers" the easy
way: An alternative to the Pareto/NBD model. *Marketing Science*, 24(2), 275-284.
Fader, P. S., & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
http://www.brucehardie.com/notes/025/
"""

from __future__ import annotations

import numbers
import os
import sys
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator
from threadpoolctl import threadpool_limits

from custlib.data.contract import require_columns
from custlib.errors import CustlibError, ParameterError
from custlib.value.clv import clv
from custlib.value.fitting import FitWarning, require_fitted
from custlib.value.pareto import quadrature_threads, usable_cores
from custlib.value.purchase import MODELS, BTYDModel
from custlib.value.spend import GammaGammaModel
from custlib.value.split import check_btyd_summary

__all__ = ["ValueBootstrap"]

#: the ``scope`` of the total row of :attr:`ValueBootstrap.intervals_`
TOTAL = "total"


class ValueBootstrap(BaseEstimator):
    """Intervals for the predicted value (CLV) of the customers, in total and per segment.

    Each refit draws ``len(summary)`` customers with replacement, refits the purchase model
    (``model``) and the Gamma-Gamma spend model on them, and sums the drawn customers'
    CLV under the refitted models, in total and per segment. The interval is the
    ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of those sums (percentile
    bootstrap, Efron & Tibshirani 1993, ch. 13).

    **What the interval covers.** Two sources of uncertainty, together: the models'
    parameters (estimated from a finite number of customers), and which customers happen to
    be in the data (a segment of 40 customers may hold one big spender or two). It does
    **not** cover the model being wrong for this business (seasons, campaigns, a log that
    starts after the business did): the holdout error says that, and it is often larger.
    Nor the margin and the discount rate, which are settings, not estimates.

    Parameters
    ----------
    model : {'bgnbd', 'pareto', 'mbgnbd'}, default 'bgnbd'
        The purchase model, the one notebook 03 chose.
    n_refits : int, default 200
        Bootstrap refits; 0 computes the estimate only (no interval).
    level : float, default 0.9
        Coverage of the interval (0.9: from the 5th to the 95th percentile).
    horizon_months, unit, margin, annual_discount_rate
        As :func:`custlib.value.clv.clv`.
    random_state : int, default 0
        Seed of the resampling (a numpy Generator): the same data give the same interval.
    progress : bool, default True
        Show a progress bar (tqdm, on standard error).
    n_jobs : int, optional
        Processes that run the refits (-1: one per CPU). None: one per CPU (at most 4) when
        there are at least ``PARALLEL_FROM`` distinct customer rows and 8 refits or more,
        else 1. The interval is the same, bit for bit, for any ``n_jobs``: the draws come
        from one generator in order, each refit depends on its draw alone, and every refit
        runs its linear algebra on one thread (a multi-threaded BLAS adds up long vectors
        in another order with more threads).
    max_seconds : float, default 60
        Time limit of each fit of the purchase model (notebook 03's ``fit_max_seconds``):
        the estimate's fit warns when it stops there (``estimate_converged_`` False); a
        refit that stops there counts as failed.

    Attributes
    ----------
    intervals_ : pandas.DataFrame
        Tidy, one row for the total (``scope`` 'total', ``segment`` empty) then one per
        segment, largest value first: ``scope``, ``segment``, ``customers``, ``low``,
        ``mid`` (the estimate: all customers, the models fitted on all of them, the
        number the kit shows elsewhere), ``high``. ``low`` and ``high`` are missing when
        no refit succeeded or ``n_refits`` is 0.
    replicates_ : pandas.DataFrame
        One row per successful refit, one column per row of ``intervals_`` (total first).
    failed_ : int
        Refits that did not converge (purchase model stopped early or gave up, or the
        spend model failed on the resample); they are left out of the interval.
    failures_ : list of str
        Why, one line per failed refit.
    seconds_ : float
        Wall time of the refits.
    purchase_ : BTYDModel
        The purchase model fitted on all customers; every refit starts from its parameters.
    n_jobs_ : int
        Processes the refits ran in.
    estimate_converged_ : bool
        Whether the purchase model's fit on all customers converged within ``max_seconds``.
    n_patterns_ : int
        Distinct customer rows the refits ran on.
    """

    #: distinct customer rows from which ``n_jobs=None`` runs the refits in parallel
    PARALLEL_FROM = 2_000

    def __init__(self, model: str = "bgnbd", n_refits: int = 200, level: float = 0.9, *,
                 horizon_months: int = 12, unit: str = "weeks", margin: float = 1.0,
                 annual_discount_rate: float = 0.10, random_state: int = 0,
                 progress: bool = True, n_jobs: int | None = None,
                 max_seconds: float = 60.0) -> None:
        self.model = model
        self.n_refits = n_refits
        self.level = level
        self.horizon_months = horizon_months
        self.unit = unit
        self.margin = margin
        self.annual_discount_rate = annual_discount_rate
        self.random_state = random_state
        self.progress = progress
        self.n_jobs = n_jobs
        self.max_seconds = max_seconds

    def fit(self, summary: pd.DataFrame, segments: pd.Series | None = None) -> ValueBootstrap:
        """Estimate the value and resample it.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer: ``frequency``, ``recency``, ``T``, ``monetary_value``
            (notebook 03's whole-history summary, in time unit ``unit``).
        segments : pandas.Series, optional
            Segment label per customer, indexed like ``summary``; customers without one
            count in the total only.

        Returns
        -------
        ValueBootstrap
            self

        Raises
        ------
        ParameterError
            A setting out of range.
        CustlibError, DataError
            The models cannot be fitted on all customers (the estimate itself).
        """
        self._check_settings()
        require_columns(summary, ["frequency", "recency", "T", "monetary_value"],
                        "ValueBootstrap.fit")
        check_btyd_summary(summary, "ValueBootstrap.fit")
        patterns, counts, seg_codes, names = _patterns(summary, segments)
        self.n_patterns_ = len(patterns)
        point = self._value(patterns, counts, estimate=True)  # every customer; errors raise
        mid = _sums(point * counts, seg_codes, len(names))
        rng = np.random.default_rng(self.random_state)
        n = int(counts.sum())
        rows: list[np.ndarray] = []
        self.failures_: list[str] = []
        self.n_jobs_ = self._jobs(len(patterns))
        # the processes share the cores: each one's Pareto/NBD quadrature runs on its share
        threads = max(1, usable_cores() // self.n_jobs_) if self.n_jobs_ > 1 else None
        batch = 4 * self.n_jobs_
        began = time.monotonic()
        with _progress(self.n_refits, self.progress, MODELS[self.model][2]) as bar, \
                Parallel(n_jobs=self.n_jobs_) as parallel:
            for start in range(0, self.n_refits, batch):
                # the draws in order from one generator: the same interval for any n_jobs
                draws = [rng.multinomial(n, counts / n).astype(float)
                         for _ in range(min(batch, self.n_refits - start))]
                tasks = [delayed(self._refit)(patterns, d, seg_codes, len(names), threads)
                         for d in draws]
                results = parallel(tasks) if self.n_jobs_ > 1 else [
                    fn(*args, **kwargs) for fn, args, kwargs in tasks]
                for result in results:
                    (self.failures_ if isinstance(result, str) else rows).append(result)
                bar.update(len(draws))
        self.seconds_ = time.monotonic() - began
        self.failed_ = len(self.failures_)
        labels = [TOTAL, *names]
        self.replicates_ = pd.DataFrame(rows, columns=labels) if rows else \
            pd.DataFrame(columns=labels, dtype=float)
        tail = (1 - self.level) / 2
        low = self.replicates_.quantile(tail) if rows else pd.Series(np.nan, index=labels)
        high = self.replicates_.quantile(1 - tail) if rows else pd.Series(np.nan, index=labels)
        customers = np.bincount(seg_codes[seg_codes >= 0],
                                weights=counts[seg_codes >= 0], minlength=len(names))
        table = pd.DataFrame({
            "scope": [TOTAL] + ["segment"] * len(names),
            "segment": ["", *names],
            "customers": np.r_[n, customers].astype(int),
            "low": low.to_numpy(dtype=float), "mid": mid,
            "high": high.to_numpy(dtype=float)})
        order = [0, *(1 + np.argsort(-mid[1:], kind="stable"))]
        self.intervals_ = table.iloc[order].reset_index(drop=True)
        return self

    def _refit(self, patterns: pd.DataFrame, draw: np.ndarray, seg_codes: np.ndarray,
               n_segments: int, threads: int | None = None) -> np.ndarray | str:
        """One refit's sums (total, then per segment), or why it failed.

        On one BLAS thread, in this process or a worker: the same sums whatever ``n_jobs``.
        ``threads`` limits the threads of the Pareto/NBD quadrature
        (:func:`custlib.value.pareto.quadrature_threads`; None: the usable cores), which
        give the same sums on any number.
        """
        try:
            with threadpool_limits(limits=1, user_api="blas"), quadrature_threads(threads):
                value = self._value(patterns, draw)
        except _RefitFailed as exc:
            return str(exc)
        return _sums(value * draw, seg_codes, n_segments)

    def _jobs(self, n_patterns: int) -> int:
        """Processes for the refits: ``n_jobs``, or by the size of the work when None."""
        if self.n_jobs is not None:
            return int(self.n_jobs) if self.n_jobs > 0 else max(1, os.cpu_count() or 1)
        if n_patterns < self.PARALLEL_FROM or self.n_refits < 8:
            return 1  # starting processes would cost more than it saves
        return max(1, min(os.cpu_count() or 1, 4))

    def _check_settings(self) -> None:
        """Raise :class:`ParameterError` on a setting out of range."""
        if self.model not in MODELS:
            raise ParameterError(f"parameter 'model' is {self.model!r}; expected one of "
                                 f"{', '.join(MODELS)}")
        if isinstance(self.n_refits, bool) or not (isinstance(self.n_refits, int)
                                                   and 0 <= self.n_refits <= 10_000):
            raise ParameterError(f"parameter 'bootstrap_refits' is {self.n_refits!r}; "
                                 "expected a whole number from 0 (off) to 10000, such as 200")
        if self.n_jobs is not None and (isinstance(self.n_jobs, bool) or not (
                isinstance(self.n_jobs, numbers.Integral)
                and (self.n_jobs >= 1 or self.n_jobs == -1))):
            raise ParameterError(f"parameter 'n_jobs' is {self.n_jobs!r}; expected a number "
                                 "of processes >= 1, -1 for one per CPU, or None (by size)")
        if isinstance(self.level, bool) or not (isinstance(self.level, (int, float))
                                                and 0.5 <= self.level < 1):
            raise ParameterError(f"parameter 'level' is {self.level!r}; expected a coverage "
                                 "from 0.5 to below 1, such as 0.9 for a 90% interval")

    def _value(self, patterns: pd.DataFrame, weight: np.ndarray, *,
               estimate: bool = False) -> np.ndarray:
        """CLV of each distinct row under the models fitted with these weights.

        A refit raises :class:`_RefitFailed` when either model fails (or stops early) on
        them; the ``estimate`` raises the models' own errors (the data cannot be valued).
        """
        if estimate:
            purchase = BTYDModel(self.model, max_seconds=self.max_seconds).fit(
                patterns, sample_weight=weight)
            spend = GammaGammaModel().fit(patterns, sample_weight=weight)
            self.purchase_ = purchase
            self.estimate_converged_ = bool(purchase.converged_)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("error", FitWarning)
                try:
                    start = self.purchase_.params_.to_numpy()  # the estimate's parameters
                    purchase = BTYDModel(self.model, start=start,
                                         max_seconds=self.max_seconds).fit(
                        patterns, sample_weight=weight)
                    spend = GammaGammaModel().fit(patterns, sample_weight=weight)
                except (CustlibError, FitWarning) as exc:
                    first = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ""
                    raise _RefitFailed(f"{type(exc).__name__}: {first}") from exc
        return clv(purchase, spend, patterns, horizon_months=self.horizon_months,
                   unit=self.unit, margin=self.margin,
                   annual_discount_rate=self.annual_discount_rate)["clv"].to_numpy()

    def interval(self, scope: str = TOTAL) -> tuple[float, float, float]:
        """``(low, mid, high)`` of the total (default) or of one segment."""
        require_fitted(self, "intervals_")
        table = self.intervals_
        row = table[table["scope"] == TOTAL] if scope == TOTAL else \
            table[(table["scope"] == "segment") & (table["segment"] == scope)]
        if row.empty:
            raise ParameterError(f"no segment {scope!r}; expected one of "
                                 f"{', '.join(table['segment'][1:])} or {TOTAL!r}")
        low, mid, high = row.iloc[0][["low", "mid", "high"]]
        return float(low), float(mid), float(high)


class _RefitFailed(Exception):
    """One bootstrap refit failed; the message says why."""


def _patterns(summary: pd.DataFrame, segments: pd.Series | None
              ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, list[str]]:
    """Distinct (frequency, recency, T, monetary_value, segment) rows and their counts.

    Returns the rows (a summary of one row per pattern), how many customers each stands
    for, each row's segment code (-1: none) and the segment names.
    """
    data = summary[["frequency", "recency", "T", "monetary_value"]].astype(float)
    data = data.assign(monetary_value=np.where(data["frequency"] > 0,
                                               data["monetary_value"], 0.0))
    if segments is None:
        seg = pd.Series(pd.NA, index=summary.index, dtype="object")
    else:
        seg = segments.reindex(summary.index)
    # codes in order of first appearance, not of the labels: the same customers give the
    # same draws whatever the language of the segment names
    codes, names = pd.factorize(seg.astype("object"), sort=False)
    grouped = data.assign(_seg=codes).groupby(list(data.columns) + ["_seg"], sort=True).size()
    rows = grouped.index.to_frame(index=False)
    patterns = rows[list(data.columns)]
    return (patterns, grouped.to_numpy(dtype=float), rows["_seg"].to_numpy(dtype=int),
            [str(n) for n in names])


def _sums(values: np.ndarray, seg_codes: np.ndarray, n_segments: int) -> np.ndarray:
    """Total, then the sum per segment."""
    ok = seg_codes >= 0
    per = np.bincount(seg_codes[ok], weights=values[ok], minlength=n_segments)
    return np.r_[values.sum(), per]


def _progress(total: int, show: bool, name: str) -> Any:
    """A tqdm progress bar on standard error when ``show``, else one that shows nothing."""
    from tqdm import tqdm
    return tqdm(total=total, desc=f"bootstrap {name}", unit="refit", file=sys.stderr,
                mininterval=1.0, disable=not show or total == 0)
