"""RFM scores: recency, frequency and monetary value on a 1-5 scale.

* **R** comes from ``days_since_last_purchase``: the more recent, the higher the score;
* **F** from ``n_orders``;
* **M** from ``total_revenue`` (or ``avg_order_value`` with ``monetary="average"``).

Binning. :class:`RFMScorer` learns the quintile edges of each measure (the values at
20%, 40%, 60% and 80% of the customers, ``edges_``) and scores a customer as one plus the
number of edges their value is *better than*. Equal values therefore always share a
score, every customer gets one, and when many customers share a value (most have one
order) the bins are uneven rather than arbitrary: all one-order customers get F = 1.
The edges learned on one period can score another (``fit`` on last year, ``transform``
this year): :class:`RFMScorer` is a scikit-learn transformer. The RFM heat map is
:func:`custlib.plots.segments.plot_rfm_heatmap`.

References
----------
Hughes, A. M. (1994). *Strategic Database Marketing*. Probus.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from custlib.data.contract import require_columns
from custlib.errors import EmptyResultError, ParameterError, require_fitted
from custlib.i18n import check_lang, t

__all__ = ["MIN_CUSTOMERS_PER_STEP", "RFMScorer", "rfm_scores"]

#: Customers per score step below which the scores get a note (:meth:`RFMScorer.tiny_base_note`).
MIN_CUSTOMERS_PER_STEP = 2

MEASURES = {"R": "days_since_last_purchase", "F": "n_orders", "M": "total_revenue"}


class RFMScorer(TransformerMixin, BaseEstimator):
    """Learn RFM bin edges from customer summaries and score customers 1..``bins``.

    Parameters
    ----------
    bins : int, default 5
        Number of score levels (5 gives quintiles).
    monetary : {'total', 'average'}, default 'total'
        M from total revenue or from average order value.

    Attributes
    ----------
    edges_ : dict of str to ndarray
        ``bins - 1`` edges per measure (R, F, M), in the measure's own units (R in days,
        decreasing).
    n_customers_ : int
        Customers seen by :meth:`fit`.

    Examples
    --------
    >>> s = pd.DataFrame({"days_since_last_purchase": [1, 10, 100, 200, 300],
    ...                   "n_orders": [9, 5, 3, 1, 1], "total_revenue": [900, 50, 30, 20, 10]})
    >>> RFMScorer().fit(s).transform(s)["rfm_code"].tolist()
    ['555', '444', '333', '212', '111']
    """

    def __init__(self, bins: int = 5, monetary: str = "total") -> None:
        self.bins = bins
        self.monetary = monetary

    def _columns(self) -> dict[str, str]:
        if self.monetary not in ("total", "average"):
            raise ParameterError(f"parameter 'monetary' is {self.monetary!r}; expected "
                                 "'total' or 'average'")
        m = "total_revenue" if self.monetary == "total" else "avg_order_value"
        return {"R": MEASURES["R"], "F": MEASURES["F"], "M": m}

    def _check_fitted(self) -> None:
        require_fitted(self, "edges_", "fit(summary)")

    def fit(self, summary: pd.DataFrame, y: object = None) -> RFMScorer:
        """Learn the edges from ``summary`` (see :func:`custlib.value.summary.customer_summary`).

        Returns
        -------
        RFMScorer
            self
        """
        if not isinstance(self.bins, int) or not 2 <= self.bins <= 10:
            raise ParameterError(f"parameter 'bins' is {self.bins!r}; expected an integer "
                                 "from 2 to 10")
        cols = self._columns()
        require_columns(summary, list(cols.values()), "RFMScorer.fit")
        data = summary[list(cols.values())].dropna()
        if data.empty:
            raise EmptyResultError("RFMScorer.fit: no customer with R, F and M values")
        qs = np.arange(1, self.bins) / self.bins
        self.edges_ = {}
        for k, c in cols.items():
            x = data[c].to_numpy(dtype=float)
            if k == "R":  # fewer days is better: bin the negated values, report in days
                self.edges_[k] = -np.quantile(-x, qs, method="lower")
            else:
                self.edges_[k] = np.quantile(x, qs, method="lower")
        self.n_customers_ = int(len(data))
        return self

    def transform(self, summary: pd.DataFrame) -> pd.DataFrame:
        """Score customers with the learned edges.

        Returns
        -------
        pandas.DataFrame
            Columns ``R``, ``F``, ``M`` (int 1..bins), ``rfm_code`` ('545') and
            ``rfm_score`` (R+F+M), on ``summary``'s index.
        """
        self._check_fitted()
        cols = self._columns()
        require_columns(summary, list(cols.values()), "RFMScorer.transform")
        out = pd.DataFrame(index=summary.index)
        for k, c in cols.items():
            x = summary[c].to_numpy(dtype=float)
            e = self.edges_[k]
            if k == "R":  # fewer days since the last purchase is better
                better = np.searchsorted(-e, -x, side="left")
            else:
                better = np.searchsorted(e, x, side="left")
            out[k] = (1 + better).astype("int64")
        out["rfm_code"] = (out["R"].astype(str) + out["F"].astype(str)
                           + out["M"].astype(str)).astype("str")
        out["rfm_score"] = out["R"] + out["F"] + out["M"]
        return out

    def tiny_base_note(self, lang: str = "en") -> str:
        """Words for scores learnt on fewer than two customers per step; '' otherwise.

        Parameters
        ----------
        lang : {'en', 'zh'}

        Returns
        -------
        str
            Markdown (in italics).
        """
        self._check_fitted()
        check_lang(lang)
        n = self.n_customers_
        if n >= MIN_CUSTOMERS_PER_STEP * self.bins:
            return ""
        return t("segments.rfm_tiny", lang, bins=self.bins, n=f"{n:,}", others=f"{n - 1:,}")

    def edges_table(self) -> pd.DataFrame:
        """The learned edges as a table: one row per measure, one column per edge."""
        self._check_fitted()
        cols = self._columns()
        return pd.DataFrame({f"edge {i + 1}": [self.edges_[k][i] for k in cols]
                             for i in range(self.bins - 1)},
                            index=[f"{k} ({c})" for k, c in cols.items()])


def rfm_scores(summary: pd.DataFrame, *, bins: int = 5, monetary: str = "total") -> pd.DataFrame:
    """Score every customer of ``summary`` on R, F and M (see :class:`RFMScorer`).

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`custlib.value.summary.customer_summary`.
    bins : int, default 5
    monetary : {'total', 'average'}, default 'total'

    Returns
    -------
    pandas.DataFrame
        ``R``, ``F``, ``M``, ``rfm_code``, ``rfm_score``; the edges used are in
        ``attrs['edges']``.
    """
    scorer = RFMScorer(bins=bins, monetary=monetary).fit(summary)
    out = scorer.transform(summary)
    out.attrs["edges"] = {k: v.tolist() for k, v in scorer.edges_.items()}
    return out
