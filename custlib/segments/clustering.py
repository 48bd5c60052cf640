"""k-means segmentation of customers on RFM features (and optional attributes).

:class:`RFMClusterer` is a scikit-learn style estimator: a pipeline of a log transform
(spend and counts are heavily skewed), standard scaling and one-hot encoding of
categorical attributes, then :class:`sklearn.cluster.KMeans`. When ``n_clusters`` is not
given it tries every k in ``k_range``, records the inertia (for the elbow plot) and the
silhouette score (on a sample of at most ``sample_size`` customers), and keeps the k with
the best silhouette. Clusters are then renumbered in a stable order, most valuable first
(by median total revenue), and named from their centres ("recent, frequent, high spend").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.errors import EmptyResultError, ParameterError
from custlib.i18n import check_lang, label

__all__ = ["RFMClusterer", "plot_k_selection", "plot_snake"]

RFM_FEATURES: tuple[str, ...] = ("days_since_last_purchase", "n_orders", "total_revenue")

LABELS: dict[str, dict[str, str]] = {
    "k": {"en": "number of clusters k", "zh": "聚类数 k"},
    "inertia": {"en": "inertia (within-cluster sum of squares)", "zh": "簇内平方和"},
    "silhouette": {"en": "silhouette score", "zh": "轮廓系数"},
    "k_title": {"en": "Choosing k: elbow and silhouette", "zh": "选择 k:肘部法与轮廓系数"},
    "snake_title": {"en": "Cluster profiles (snake plot)", "zh": "各簇特征(蛇形图)"},
    "z": {"en": "standardised mean (z-score)", "zh": "标准化均值(z 分数)"},
    "days_since_last_purchase": {"en": "days since last purchase", "zh": "距上次购买天数"},
    "n_orders": {"en": "orders", "zh": "订单数"},
    "total_revenue": {"en": "revenue", "zh": "消费金额"},
    "avg_order_value": {"en": "average order value", "zh": "平均客单价"},
    "cluster": {"en": "cluster", "zh": "簇"},
    "recent": {"en": "recent", "zh": "近期活跃"}, "lapsed": {"en": "lapsed", "zh": "久未购买"},
    "frequent": {"en": "frequent", "zh": "高频"}, "occasional": {"en": "occasional",
                                                                 "zh": "低频"},
    "high spend": {"en": "high spend", "zh": "高消费"}, "low spend": {"en": "low spend",
                                                                    "zh": "低消费"},
}


class RFMClusterer:
    """k-means on log-scaled RFM features, k chosen by silhouette.

    Parameters
    ----------
    n_clusters : int, optional
        Fix k; by default chosen from ``k_range`` by the best silhouette score.
    k_range : tuple of int, default (2, 8)
        Smallest and largest k to try (inclusive).
    features : sequence of str
        Numeric behaviour columns of the customer summary (log1p-transformed).
    numeric_attributes, categorical_attributes : sequence of str, optional
        Extra columns (for example ``age``; ``customer_type``), scaled or one-hot encoded.
    sample_size : int, default 10000
        Customers used for each silhouette score.
    random_state : int, default 0
    n_init : int, default 10

    Attributes
    ----------
    n_clusters_ : int
    labels_ : pandas.Series
        Cluster number (1 = most valuable) per customer of the fitted data.
    scores_ : pandas.DataFrame
        k, inertia and silhouette for each k tried.
    centers_ : pandas.DataFrame
        Median of each feature per cluster, in original units.
    names_ : dict of int to str
        Descriptive English name per cluster (see :meth:`names`).
    pipeline_ : sklearn.pipeline.Pipeline

    References
    ----------
    Rousseeuw, P. J. (1987). Silhouettes: a graphical aid to the interpretation and
    validation of cluster analysis. *J. Comput. Appl. Math.*, 20, 53-65.
    """

    def __init__(self, n_clusters: int | None = None, k_range: tuple[int, int] = (2, 8),
                 features: Sequence[str] = RFM_FEATURES,
                 numeric_attributes: Sequence[str] = (),
                 categorical_attributes: Sequence[str] = (),
                 sample_size: int = 10_000, random_state: int = 0, n_init: int = 10) -> None:
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.features = features
        self.numeric_attributes = numeric_attributes
        self.categorical_attributes = categorical_attributes
        self.sample_size = sample_size
        self.random_state = random_state
        self.n_init = n_init

    def _pipeline(self, k: int) -> Any:
        from sklearn.cluster import KMeans
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import Pipeline, make_pipeline
        from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

        parts = [("rfm", make_pipeline(FunctionTransformer(_signed_log1p),
                                       StandardScaler()), list(self.features))]
        if self.numeric_attributes:
            parts.append(("num", make_pipeline(SimpleImputer(strategy="median"),
                                               StandardScaler()),
                          list(self.numeric_attributes)))
        if self.categorical_attributes:
            parts.append(("cat", make_pipeline(
                SimpleImputer(strategy="constant", fill_value="(missing)"),
                OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                list(self.categorical_attributes)))
        return Pipeline([("prepare", ColumnTransformer(parts)),
                         ("kmeans", KMeans(n_clusters=k, n_init=self.n_init,
                                           random_state=self.random_state))])

    def _check(self, X: pd.DataFrame) -> pd.DataFrame:
        cols = [*self.features, *self.numeric_attributes, *self.categorical_attributes]
        require_columns(X, cols, "RFMClusterer")
        lo, hi = self.k_range
        if not (isinstance(lo, int) and isinstance(hi, int) and 2 <= lo <= hi):
            raise ParameterError(f"parameter 'k_range' is {self.k_range!r}; expected two "
                                 "integers 2 <= low <= high")
        if self.n_clusters is not None and not (isinstance(self.n_clusters, int)
                                                and self.n_clusters >= 2):
            raise ParameterError(f"parameter 'n_clusters' is {self.n_clusters!r}; expected "
                                 "an integer of at least 2, or None to choose k")
        data = X[cols].copy()
        for c in self.categorical_attributes:
            data[c] = data[c].astype(object)
        return data

    def fit(self, X: pd.DataFrame, y: object = None) -> RFMClusterer:
        """Choose k (unless fixed), fit k-means, renumber and name the clusters.

        Parameters
        ----------
        X : pandas.DataFrame
            One row per customer with the feature columns.

        Returns
        -------
        RFMClusterer
            self
        """
        from sklearn.metrics import silhouette_score

        data = self._check(X)
        if len(data) < 3:
            raise EmptyResultError(f"RFMClusterer needs at least 3 customers; got {len(data)}")
        distinct = len(data.drop_duplicates())
        if distinct < 2:
            raise ParameterError("RFMClusterer: all customers have identical feature values; "
                                 "there is nothing to cluster")
        cap = min(len(data) - 1, distinct)
        if self.n_clusters is not None and self.n_clusters > cap:
            raise ParameterError(
                f"parameter 'n_clusters' is {self.n_clusters} but there are {len(data)} "
                f"customers ({distinct} distinct); k can be at most {cap}")
        lo, hi = self.k_range
        hi = min(hi, cap)
        lo = min(lo, hi)
        ks = [self.n_clusters] if self.n_clusters else list(range(lo, hi + 1))
        rng = np.random.default_rng(self.random_state)
        sample = (rng.choice(len(data), self.sample_size, replace=False)
                  if len(data) > self.sample_size else np.arange(len(data)))
        rows, fitted = [], {}
        for k in ks:
            pipe = self._pipeline(k).fit(data)
            Z = pipe.named_steps["prepare"].transform(data.iloc[sample])
            labels = pipe.named_steps["kmeans"].predict(Z)
            sil = silhouette_score(Z, labels) if len(set(labels)) > 1 else float("nan")
            rows.append({"k": k, "inertia": float(pipe.named_steps["kmeans"].inertia_),
                         "silhouette": float(sil)})
            fitted[k] = pipe
        self.scores_ = pd.DataFrame(rows)
        best = int(self.scores_.loc[self.scores_["silhouette"].idxmax(), "k"]) \
            if self.n_clusters is None else self.n_clusters
        self.n_clusters_ = best
        self.pipeline_ = fitted[best]
        raw = self.pipeline_.predict(data)
        value_col = "total_revenue" if "total_revenue" in X.columns else self.features[-1]
        med = pd.Series(X[value_col].to_numpy()).groupby(raw).median()
        rank = med.rank(ascending=False, method="first").astype(int)
        self._relabel = {int(old): int(new) for old, new in rank.items()}
        self.labels_ = pd.Series([self._relabel[int(v)] for v in raw], index=X.index,
                                 name="cluster")
        self.centers_ = X[list(self.features)].groupby(self.labels_.to_numpy()).median()
        self.centers_.index.name = "cluster"
        self._overall = X[list(self.features)].median()
        self.names_ = self.names("en")
        return self

    def predict(self, X: pd.DataFrame) -> pd.Series:
        """Cluster numbers (1 = most valuable) for new customers."""
        if not hasattr(self, "pipeline_"):
            raise ParameterError("RFMClusterer is not fitted yet: call fit(X) first")
        raw = self.pipeline_.predict(self._check(X))
        return pd.Series([self._relabel[int(v)] for v in raw], index=X.index, name="cluster")

    def names(self, lang: str = "en") -> dict[int, str]:
        """Descriptive names from the cluster centres against the overall medians.

        Each RFM feature in the model contributes a word: recent/lapsed (days since last
        purchase below/above the median), frequent/occasional (orders), high/low spend
        (revenue). Clusters that would share a name get their number appended.
        """
        check_lang(lang)
        words = {"days_since_last_purchase": ("recent", "lapsed"),
                 "n_orders": ("frequent", "occasional"),
                 "total_revenue": ("high spend", "low spend")}
        sep = ", " if lang == "en" else "、"
        out: dict[int, str] = {}
        for k, centre in self.centers_.iterrows():
            parts = []
            for f, (good, bad) in words.items():
                if f not in centre.index:
                    continue
                better = centre[f] < self._overall[f] if f == "days_since_last_purchase" \
                    else centre[f] > self._overall[f]
                parts.append(label(LABELS, good if better else bad, lang))
            out[int(k)] = sep.join(parts) or f"{label(LABELS, 'cluster', lang)} {k}"
        counts = pd.Series(out).value_counts()
        return {k: (f"{v} ({k})" if counts[v] > 1 else v) for k, v in out.items()}

    def profile(self, X: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
        """Per cluster: name, customers, share, revenue share, feature medians."""
        if not hasattr(self, "labels_"):
            raise ParameterError("RFMClusterer is not fitted yet: call fit(X) first")
        labels = self.labels_.reindex(X.index)
        g = X.groupby(labels.to_numpy())
        table = pd.DataFrame({
            "name": pd.Series(self.names(lang)),
            "customers": g.size(),
        })
        table["share"] = table["customers"] / table["customers"].sum()
        if "total_revenue" in X.columns:
            rev = g["total_revenue"].sum()
            table["revenue_share"] = rev / rev.sum()
        for f in self.features:
            table[f] = g[f].median()
        table.index.name = "cluster"
        return table


def _signed_log1p(x: Any) -> Any:
    x = np.asarray(x, dtype=float)
    return np.sign(x) * np.log1p(np.abs(x))


def plot_k_selection(scores: pd.DataFrame, *, chosen: int | None = None, lang: str = "en",
                     ax: Any = None) -> Any:
    """Elbow (inertia) and silhouette against k, on twin axes.

    Parameters
    ----------
    scores : pandas.DataFrame
        :attr:`RFMClusterer.scores_`.
    chosen : int, optional
        Marks the chosen k.
    lang : {'en', 'zh'}
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The inertia axes (the silhouette is on ``ax.right_ax``).
    """
    from custlib.plots.theme import new_ax

    ax = new_ax(ax, (7, 3.8))
    ax.plot(scores["k"], scores["inertia"], "o-", color="#4C72B0")
    ax.set_xlabel(label(LABELS, "k", lang))
    ax.set_ylabel(label(LABELS, "inertia", lang), color="#4C72B0")
    right = ax.twinx()
    right.plot(scores["k"], scores["silhouette"], "s--", color="#C44E52")
    right.set_ylabel(label(LABELS, "silhouette", lang), color="#C44E52")
    right.spines["right"].set_visible(True)
    if chosen is not None:
        ax.axvline(chosen, color="0.6", lw=1, ls=":")
    ax.set_title(label(LABELS, "k_title", lang))
    ax.right_ax = right
    return ax


def plot_snake(X: pd.DataFrame, labels: pd.Series, *,
               features: Sequence[str] = RFM_FEATURES, names: dict[int, str] | None = None,
               lang: str = "en", ax: Any = None) -> Any:
    """Snake plot: each cluster's mean of each (log, standardised) feature.

    Parameters
    ----------
    X : pandas.DataFrame
        Customer features.
    labels : pandas.Series
        Cluster per customer.
    features : sequence of str
    names : dict, optional
        Legend names per cluster.
    lang : {'en', 'zh'}
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from custlib.plots.theme import new_ax

    ax = new_ax(ax, (7, 3.8))
    z = pd.DataFrame(_signed_log1p(X[list(features)]), index=X.index, columns=list(features))
    z = (z - z.mean()) / z.std(ddof=0).replace(0, 1)
    means = z.groupby(labels.reindex(X.index).to_numpy()).mean()
    xs = [label(LABELS, f, lang) for f in features]
    for k, row in means.iterrows():
        ax.plot(xs, row.to_numpy(), "o-", label=(names or {}).get(int(k), str(k)))
    ax.axhline(0, color="0.7", lw=1)
    ax.set_ylabel(label(LABELS, "z", lang))
    ax.set_title(label(LABELS, "snake_title", lang))
    ax.legend(fontsize=8, loc="best")
    return ax
