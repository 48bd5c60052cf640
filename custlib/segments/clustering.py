"""k-means segmentation of customers on RFM features (and optional attributes).

:class:`RFMClusterer` is a scikit-learn style estimator: a pipeline of a log transform
(spend and counts are heavily skewed), standard scaling and one-hot encoding of
categorical attributes, then :class:`sklearn.cluster.KMeans`. When ``n_clusters`` is not
given it tries every k in ``k_range``, records the inertia (for the elbow plot) and the
silhouette score (on a sample of at most ``sample_size`` customers, on which the candidates
are fitted too when there are more customers), and keeps the k with the best silhouette.
Clusters are then renumbered in a stable order, most valuable first (by median total
revenue), and named from their centres ("recent, frequent, high spend"). The figures
(elbow and silhouette, snake plot) are in :mod:`custlib.plots.segments`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin

from custlib.data.contract import require_columns
from custlib.errors import EmptyResultError, ParameterError, require_fitted
from custlib.i18n import check_lang, t

__all__ = ["MIN_CUSTOMERS_PER_CLUSTER", "RFM_FEATURES", "RFMClusterer", "signed_log1p",
           "silhouette_scores", "skip_reason"]

RFM_FEATURES: tuple[str, ...] = ("days_since_last_purchase", "n_orders", "total_revenue")

#: Customers per cluster below which k-means is not run (:func:`skip_reason`): a cluster of
#: one customer is that customer, not a segment.
MIN_CUSTOMERS_PER_CLUSTER = 2

#: feature -> catalog words (``segments.cluster.word.*``) for a centre better / worse than
#: the overall median
NAME_WORDS: dict[str, tuple[str, str]] = {
    "days_since_last_purchase": ("recent", "lapsed"),
    "n_orders": ("frequent", "occasional"),
    "total_revenue": ("high_spend", "low_spend"),
}


class RFMClusterer(ClusterMixin, BaseEstimator):
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
        Customers used for each silhouette score. With more customers than this and k to
        choose, the candidate k are also fitted on this sample (their ``inertia`` in
        ``scores_`` is the sample's) and the chosen k is then fitted on every customer.
    random_state : int, default 0
    n_init : int, default 10

    Attributes
    ----------
    n_clusters_ : int
    labels_ : pandas.Series
        Cluster number (1 = most valuable) per customer of the fitted data.
    scores_ : pandas.DataFrame
        k, inertia and silhouette for each k tried (on the sample when there are more than
        ``sample_size`` customers).
    centers_ : pandas.DataFrame
        Median of each feature per cluster, in original units.
    names_ : dict of int to str
        Descriptive English name per cluster (see :meth:`names`).
    medians_ : pandas.Series
        Median of each feature over all customers (the names compare centres with it).
    relabel_ : dict of int to int
        k-means' cluster number -> ours.
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

        parts = [("rfm", make_pipeline(FunctionTransformer(signed_log1p),
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
        # on many customers, the candidate k are fitted on the sample the silhouette uses,
        # and only the chosen k on everyone: k-means' cost grows with customers x k x n_init
        trial = data.iloc[sample] if len(ks) > 1 and len(sample) < len(data) else data
        fitted, labels = {}, []
        for k in ks:
            pipe = self._pipeline(k).fit(trial)
            # the same points for every k (the preparation is fitted on the same rows)
            Z = pipe.named_steps["prepare"].transform(data.iloc[sample])
            labels.append(pipe.named_steps["kmeans"].predict(Z))
            fitted[k] = pipe
        sils = silhouette_scores(Z, labels)
        self.scores_ = pd.DataFrame([
            {"k": k, "inertia": float(fitted[k].named_steps["kmeans"].inertia_),
             "silhouette": sil} for k, sil in zip(ks, sils, strict=True)])
        best = int(self.scores_.loc[self.scores_["silhouette"].idxmax(), "k"]) \
            if self.n_clusters is None else self.n_clusters
        self.n_clusters_ = best
        self.pipeline_ = fitted[best] if trial is data else self._pipeline(best).fit(data)
        raw = self.pipeline_.predict(data)
        value_col = "total_revenue" if "total_revenue" in X.columns else self.features[-1]
        med = pd.Series(X[value_col].to_numpy()).groupby(raw).median()
        rank = med.rank(ascending=False, method="first").astype(int)
        self.relabel_ = {int(old): int(new) for old, new in rank.items()}
        self.labels_ = pd.Series(_renumbered(raw, self.relabel_), index=X.index, name="cluster")
        self.centers_ = X[list(self.features)].groupby(self.labels_.to_numpy()).median()
        self.centers_.index.name = "cluster"
        self.medians_ = X[list(self.features)].median()
        self.names_ = self.names("en")
        return self

    def _check_fitted(self) -> None:
        require_fitted(self, "pipeline_", "fit(X)")

    def predict(self, X: pd.DataFrame) -> pd.Series:
        """Cluster numbers (1 = most valuable) for new customers."""
        self._check_fitted()
        raw = self.pipeline_.predict(self._check(X))
        return pd.Series(_renumbered(raw, self.relabel_), index=X.index, name="cluster")

    def names(self, lang: str = "en") -> dict[int, str]:
        """Descriptive names from the cluster centres against the overall medians.

        Each RFM feature in the model contributes a word (:data:`NAME_WORDS`): recent/lapsed
        (days since last purchase below/above the median), frequent/occasional (orders),
        high/low spend (revenue). Clusters that would share a name get their number appended.

        Parameters
        ----------
        lang : {'en', 'zh'}, default 'en'

        Returns
        -------
        dict of int to str
        """
        self._check_fitted()
        check_lang(lang)
        sep = t("segments.cluster.name_sep", lang)
        out: dict[int, str] = {}
        for k, centre in self.centers_.iterrows():
            parts = []
            for f, (good, bad) in NAME_WORDS.items():
                if f not in centre.index:
                    continue
                better = centre[f] < self.medians_[f] if f == "days_since_last_purchase" \
                    else centre[f] > self.medians_[f]
                parts.append(t(f"segments.cluster.word.{good if better else bad}", lang))
            out[int(k)] = sep.join(parts) or t("segments.cluster.unnamed", lang, k=str(k))
        counts = pd.Series(out).value_counts()
        return {k: (t("segments.cluster.numbered", lang, name=v, k=str(k)) if counts[v] > 1
                    else v) for k, v in out.items()}

    def profile(self, X: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
        """Per cluster: name, customers, share, revenue share, feature medians."""
        self._check_fitted()
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


def _renumbered(raw: np.ndarray, relabel: dict[int, int]) -> np.ndarray:
    """k-means' cluster numbers ``raw`` as ours (``relabel``), looked up once per cluster.

    Examples
    --------
    >>> _renumbered(np.array([0, 2, 2, 1]), {0: 3, 1: 1, 2: 2}).tolist()
    [3, 2, 2, 1]
    """
    raw = np.asarray(raw)
    if not len(raw):
        return np.zeros(0, dtype=np.int64)
    lookup = np.full(max(max(relabel, default=0), int(raw.max())) + 1, -1, dtype=np.int64)
    lookup[list(relabel)] = list(relabel.values())
    out = lookup[raw]
    if (out < 0).any():  # a number k-means did not give when fitted
        missing = int(raw[out < 0][0])
        raise KeyError(missing)
    return out


def skip_reason(X: pd.DataFrame, *, n_clusters: int | None = None,
                k_range: tuple[int, int] = (2, 8), features: Sequence[str] = RFM_FEATURES,
                lang: str = "en") -> str:
    """Why k-means should not run on these customers, in words; '' when it can.

    k-means is skipped when there are fewer than :data:`MIN_CUSTOMERS_PER_CLUSTER` customers
    per cluster for the smallest k asked (``n_clusters``, else the low end of ``k_range``),
    or when every customer has the same features.

    Parameters
    ----------
    X : pandas.DataFrame
        One row per customer with the ``features`` columns.
    n_clusters : int, optional
    k_range : tuple of int, default (2, 8)
    features : sequence of str, default RFM_FEATURES
    lang : {'en', 'zh'}

    Returns
    -------
    str
        Markdown (in italics) for the notebook, or ''.

    Examples
    --------
    >>> two = pd.DataFrame({"days_since_last_purchase": [1, 9], "n_orders": [1, 3],
    ...                     "total_revenue": [5.0, 80.0]})
    >>> skip_reason(two)[:40]
    '*k-means is skipped: 2 customer(s), and '
    """
    check_lang(lang)
    require_columns(X, list(features), "skip_reason")
    k = int(n_clusters or k_range[0])
    need = MIN_CUSTOMERS_PER_CLUSTER * k
    n = len(X)
    if n < need:
        return t("segments.cluster.skip.few", lang, n=f"{n:,}", k=k, need=need)
    if len(X[list(features)].drop_duplicates()) < 2:
        return t("segments.cluster.skip.identical", lang, n=f"{n:,}")
    return ""


def signed_log1p(x: Any) -> Any:
    """``sign(x) * log(1 + |x|)``: the log scale the clusters are found on, for any sign."""
    x = np.asarray(x, dtype=float)
    return np.sign(x) * np.log1p(np.abs(x))


def silhouette_scores(X: np.ndarray, labellings: Sequence[np.ndarray], *,
                      working_memory: int = 64) -> list[float]:
    """The mean silhouette of each labelling of the same points, distances computed once.

    :func:`sklearn.metrics.silhouette_score` computes the distances between all the points
    for every labelling; the candidate k of :class:`RFMClusterer` label the same points. Here
    each block of distances is computed once and every labelling's sums are taken from it,
    in the same blocks and with the same arithmetic as scikit-learn's, so each score equals
    ``silhouette_score(X, labels)`` (Euclidean) bit for bit.

    Parameters
    ----------
    X : ndarray of shape (n_points, n_features)
    labellings : sequence of ndarray of shape (n_points,)
        Cluster labels of the points, one array per labelling.
    working_memory : int, default 64
        MiB per block of distances (scikit-learn's default is 1 GiB).

    Returns
    -------
    list of float
        One score per labelling; NaN for a labelling with a single cluster.

    Raises
    ------
    ValueError
        A labelling with as many clusters as points (as scikit-learn raises).

    Examples
    --------
    >>> X = np.array([[0.0], [0.1], [5.0], [5.2]])
    >>> [round(s, 3) for s in silhouette_scores(X, [np.array([0, 0, 1, 1]), np.zeros(4, int)])]
    [0.97, nan]
    """
    from sklearn import config_context
    from sklearn.metrics import pairwise_distances_chunked
    from sklearn.utils import check_array

    X = check_array(X)
    n = X.shape[0]
    coded: list[tuple[np.ndarray, np.ndarray] | None] = []
    for labels in labellings:
        classes, codes = np.unique(np.asarray(labels), return_inverse=True)
        if len(classes) < 2:
            coded.append(None)
            continue
        if len(classes) >= n:
            raise ValueError(f"Number of labels is {len(classes)}. Valid values are 2 to "
                             "n_samples - 1 (inclusive)")
        coded.append((codes.reshape(-1), np.bincount(codes.reshape(-1))))
    intra: list[list[np.ndarray]] = [[] for _ in coded]
    inter: list[list[np.ndarray]] = [[] for _ in coded]
    start = 0
    if any(c is not None for c in coded):
        with config_context(working_memory=working_memory):
            for block in pairwise_distances_chunked(X):
                for j, c in enumerate(coded):
                    if c is not None:
                        a, b = _silhouette_block(block, start, *c)
                        intra[j].append(a)
                        inter[j].append(b)
                start += block.shape[0]
    scores = []
    for c, a_parts, b_parts in zip(coded, intra, inter, strict=True):
        if c is None:
            scores.append(float("nan"))
            continue
        codes, freqs = c
        a, b = np.concatenate(a_parts), np.concatenate(b_parts)
        with np.errstate(divide="ignore", invalid="ignore"):
            a /= (freqs - 1).take(codes, mode="clip")
        sil = b - a
        with np.errstate(divide="ignore", invalid="ignore"):
            sil /= np.maximum(a, b)
        scores.append(float(np.mean(np.nan_to_num(sil))))  # one-point clusters score 0
    return scores


def _silhouette_block(distances: np.ndarray, start: int, codes: np.ndarray,
                      freqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Summed distance to the own cluster and mean distance to the nearest other cluster.

    For the points ``start`` to ``start + len(distances)``, as scikit-learn's
    ``_silhouette_reduce`` (the same sums in the same order).
    """
    rows = distances.shape[0]
    per_cluster = np.zeros((rows, len(freqs)), dtype=distances.dtype)
    for i in range(rows):
        per_cluster[i] += np.bincount(codes, weights=distances[i], minlength=len(freqs))
    own = (np.arange(rows), codes[start:start + rows])
    intra = per_cluster[own]
    per_cluster[own] = np.inf
    per_cluster /= freqs
    return intra, per_cluster.min(axis=1)
