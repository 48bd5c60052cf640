"""Spend per purchase: the Gamma-Gamma model, for repeat buyers.

Each customer's purchases vary around their own mean spend, and the means vary across
customers; the forecast for a customer is a weighted average of their own average spend
and the population's, the more purchases seen, the more their own counts. Fitted by
maximum likelihood with scipy (:func:`custlib.value.formulas._gg_objective`: lifetimes'
objective, start and optimiser, so the same parameters).

References
----------
Fader, P. S., & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
http://brucehardie.com/notes/025/
Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). RFM and CLV: Using iso-value curves
for customer base analysis. *Journal of Marketing Research*, 42(4), 415-430.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from sklearn.base import BaseEstimator

from custlib.data.contract import require_columns
from custlib.errors import DataError, EmptyResultError, format_list
from custlib.value.fitting import _check_weights, one_blas_thread, require_fitted
from custlib.value.formulas import _gg_expected_spend, _gg_objective

__all__ = ["GammaGammaModel", "SpendTailError"]


class SpendTailError(DataError):
    """The spend model's fit has ``q`` <= 1: average spends with no finite mean.

    Usually a mistyped price or quantity. Notebook 03 catches it
    (:func:`custlib.value.feasibility.spend_model`) and leaves CLV unestimated, with the reason.

    Attributes
    ----------
    q : float
        The fitted ``q``.
    repeat_buyers : int
    largest : list of (str, float)
        The three largest average spends, by customer id.
    median : float
        The median average spend of the repeat buyers.
    """

    def __init__(self, q: float, repeat_buyers: int, largest: list[tuple[str, float]],
                 median: float) -> None:
        self.q, self.repeat_buyers, self.largest, self.median = q, repeat_buyers, largest, median
        super().__init__(
            f"GammaGammaModel: the average spends of the {repeat_buyers:,} repeat buyers have so "
            f"heavy a tail that the fitted mean spend is infinite (q = {q:.3f}, needs q > 1), "
            "so no customer's spend can be forecast. The largest are "
            f"{', '.join(f'{c}: {m:,.0f}' for c, m in largest)} against a median of "
            f"{median:,.2f}. Check the lines flagged as extreme in notebook 01 (is_extreme; "
            "parameter extreme_factor) and correct or remove the errors in the source file")

class GammaGammaModel(BaseEstimator):
    """The Gamma-Gamma model of average spend per purchase, for repeat buyers.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters (lifetimes' ``penalizer_coef``).
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
    """

    def __init__(self, penalizer: float = 0.0,
                 retry_penalizers: tuple[float, ...] = (0.001, 0.01, 0.1)) -> None:
        self.penalizer = penalizer
        self.retry_penalizers = retry_penalizers

    def fit(self, summary: pd.DataFrame, y: object = None, *,
            sample_weight: np.ndarray | None = None) -> GammaGammaModel:
        """Fit on the repeat buyers of ``summary`` (``frequency`` > 0).

        Parameters
        ----------
        summary : pandas.DataFrame
            ``frequency`` and ``monetary_value`` per customer.
        y : ignored
        sample_weight : array of float >= 0, optional
            How many customers each row stands for (default 1 each); rows of weight 0 are
            left out (:mod:`custlib.value.bootstrap`).

        Returns
        -------
        GammaGammaModel
            self

        Raises
        ------
        EmptyResultError
            No repeat buyer.
        DataError
            A repeat buyer with zero or negative average spend, or no penalty lets the fit
            converge.
        SpendTailError
            The fit has q <= 1: spends so heavy-tailed that the mean spend is infinite and
            expected spends would be infinite or negative.
        """
        require_columns(summary, ["frequency", "monetary_value"], "GammaGammaModel.fit")
        if sample_weight is not None:
            weight = _check_weights(sample_weight, len(summary))
            summary = summary.assign(_w=weight)[weight > 0]
        else:
            summary = summary.assign(_w=1.0)
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
        grouped = rep.groupby(["frequency", "monetary_value"])["_w"].sum().reset_index(name="w")
        x = grouped["frequency"].to_numpy(dtype=int).astype(float)  # as lifetimes: whole
        m = grouped["monetary_value"].to_numpy(dtype=float)
        w = grouped["w"].to_numpy()
        # the fit can fail to converge (few repeat buyers, a handful of distinct prices); a
        # small penalty then keeps the parameters finite. Said in penalizer_used_.
        tried = [self.penalizer] + [p for p in self.retry_penalizers if p > self.penalizer]
        params, errors = None, []
        for penalizer in tried:
            outcome = _fit_once(x, m, w, float(penalizer))
            if isinstance(outcome, str):
                errors.append(f"penalizer {penalizer:g}: {outcome}")
                continue
            params, self.penalizer_used_ = outcome, float(penalizer)
            break
        if params is None:
            raise DataError(
                f"GammaGammaModel: the spend model did not converge on {len(rep):,} repeat "
                f"buyers ({'; '.join(errors)}). Their average spends may be too few or too "
                "alike to fit (e.g. one price for everybody); pass a larger penalty, "
                "GammaGammaModel(penalizer=1.0), or value customers by revenue without a "
                "spend model")
        if params[1] <= 1:
            # q <= 1: the fitted spends have no finite mean; the expected spend of a customer
            # p (v + x m) / (p x + q - 1) is then infinite or negative for one-time buyers
            top = rep["monetary_value"].sort_values(ascending=False).head(3)
            raise SpendTailError(float(params[1]), len(rep),
                                 [(str(c), float(m)) for c, m in top.items()],
                                 float(rep["monetary_value"].median()))
        self.params_ = pd.Series(params, index=["p", "q", "v"], name="Gamma-Gamma")
        self.n_customers_ = int(round(float(rep["_w"].sum())))
        self.correlation_ = _weighted_correlation(rep["frequency"].to_numpy(dtype=float),
                                                  rep["monetary_value"].to_numpy(dtype=float),
                                                  rep["_w"].to_numpy(dtype=float))
        p, q, v = self.params_[["p", "q", "v"]]
        self.population_mean_ = float(p * v / (q - 1))
        return self

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Expected average spend per purchase of each customer.

        Repeat buyers get a weighted average of their own mean and the population mean;
        one-time buyers get the population mean.

        Parameters
        ----------
        summary : pandas.DataFrame
            ``frequency`` and ``monetary_value`` per customer.

        Returns
        -------
        pandas.Series
            Named ``expected_spend``, indexed like ``summary``.
        """
        require_fitted(self)
        require_columns(summary, ["frequency", "monetary_value"],
                        "GammaGammaModel.expected_spend")
        x = summary["frequency"].to_numpy(dtype=float)
        m = np.where(x > 0, summary["monetary_value"].to_numpy(dtype=float), 0.0)
        values = _gg_expected_spend(self.params_[["p", "q", "v"]].to_numpy(dtype=float), x, m)
        return pd.Series(values, index=summary.index, name="expected_spend")


def _weighted_correlation(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    """Pearson correlation of ``a`` and ``b``, each row counted ``w`` times (nan if flat)."""
    da, db = a - np.average(a, weights=w), b - np.average(b, weights=w)
    var = np.average(da ** 2, weights=w) * np.average(db ** 2, weights=w)
    return float(np.average(da * db, weights=w) / np.sqrt(var)) if var > 0 else float("nan")


def _fit_once(x: np.ndarray, m: np.ndarray, w: np.ndarray,
              penalizer: float) -> np.ndarray | str:
    """Fit from lifetimes' start (0.1 for every log-parameter) with its optimiser.

    Returns
    -------
    numpy.ndarray or str
        ``p, q, v``, or why the attempt failed.
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the optimiser's line-search notes: not for people
        try:
            with one_blas_thread():  # the same sums on any machine (see one_blas_thread)
                res = minimize(_gg_objective, x0=0.1 * np.ones(3), args=(x, m, w, penalizer),
                               jac=True, method=None, tol=1e-7)
        except (ValueError, FloatingPointError) as exc:
            return str(exc).splitlines()[0][:80]
    if not res.success:
        return f"did not converge ({str(res.message)[:80]})"
    params = np.exp(np.asarray(res.x, dtype=float))
    return params if np.all(np.isfinite(params)) else "non-finite parameters"
