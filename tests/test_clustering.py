"""k-means segmentation: k by silhouette, stable value order, names, plots."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from custlib.errors import ParameterError
from custlib.plots.segments import plot_k_selection, plot_snake
from custlib.segments.clustering import RFMClusterer, _renumbered, silhouette_scores


@pytest.fixture(scope="module")
def three_groups():
    """Three well-separated groups of customers on the RFM features."""
    rng = np.random.default_rng(0)
    parts = []
    for days, orders, revenue, n in [(10, 20, 5000, 60), (300, 2, 80, 200), (60, 6, 600, 120)]:
        parts.append(pd.DataFrame({
            "days_since_last_purchase": rng.normal(days, days * 0.1, n).clip(0),
            "n_orders": rng.poisson(orders, n).clip(1),
            "total_revenue": rng.normal(revenue, revenue * 0.1, n).clip(1),
            "age": rng.integers(20, 70, n),
            "customer_type": rng.choice(["individual", "organisation"], n),
        }))
    df = pd.concat(parts, ignore_index=True)
    df.index = [f"c{i}" for i in range(len(df))]
    return df


def test_finds_the_three_groups_and_orders_them_by_value(three_groups):
    model = RFMClusterer(random_state=1)
    assert model.fit(three_groups) is model
    assert model.n_clusters_ == 3
    assert list(model.scores_["k"]) == list(range(2, 9))
    # cluster 1 is the most valuable: the first 60 customers
    assert (model.labels_.iloc[:60] == 1).all()
    assert (model.labels_.iloc[60:260] == 3).all() and (model.labels_.iloc[260:] == 2).all()
    # clusters 1 and 2 both beat the medians: same words, told apart by their number
    assert model.names_[1] == "recent, frequent, high spend (1)"
    assert model.names_[3] == "lapsed, occasional, low spend"
    assert model.names("zh")[3] == "久未购买、低频、低消费"
    assert len(set(model.names_.values())) == 3
    medians = model.centers_["total_revenue"]
    assert medians.is_monotonic_decreasing


def test_same_random_state_same_labels(three_groups):
    a = RFMClusterer(n_clusters=4, random_state=3).fit(three_groups).labels_
    b = RFMClusterer(n_clusters=4, random_state=3).fit(three_groups).labels_
    pd.testing.assert_series_equal(a, b)


def test_predict_and_attributes(three_groups):
    model = RFMClusterer(n_clusters=3, numeric_attributes=["age"],
                         categorical_attributes=["customer_type"]).fit(three_groups)
    new = three_groups.iloc[[0, 100]]
    assert model.predict(new).tolist() == model.labels_.iloc[[0, 100]].tolist()
    prof = model.profile(three_groups)
    assert prof["customers"].sum() == len(three_groups)
    assert prof["share"].sum() == pytest.approx(1.0)


def test_bad_parameters(three_groups):
    with pytest.raises(ParameterError, match="k_range"):
        RFMClusterer(k_range=(1, 5)).fit(three_groups)
    with pytest.raises(ParameterError, match="n_clusters"):
        RFMClusterer(n_clusters=1).fit(three_groups)
    with pytest.raises(ParameterError, match="not fitted"):
        RFMClusterer().predict(three_groups)


def test_plots_return_their_axes(three_groups):
    model = RFMClusterer(n_clusters=3).fit(three_groups)
    fig, ax = plt.subplots()
    assert plot_k_selection(model.scores_, chosen=3, ax=ax) is ax
    assert ax.get_xlabel() == "number of clusters k"
    ax2 = plot_snake(three_groups, model.labels_, names=model.names_)
    assert len(ax2.get_lines()) == 4  # three clusters and the zero line
    plt.close("all")


def test_too_few_customers_for_k():
    tiny = pd.DataFrame({"days_since_last_purchase": [1, 50, 300, 20],
                         "n_orders": [9, 2, 1, 4], "total_revenue": [900.0, 50.0, 10.0, 200.0]})
    model = RFMClusterer().fit(tiny)  # k_range is capped at customers - 1
    assert model.scores_["k"].max() == 3
    with pytest.raises(ParameterError, match="n_clusters.*4 customers"):
        RFMClusterer(n_clusters=4).fit(tiny)
    with pytest.raises(Exception, match="at least 3 customers"):
        RFMClusterer().fit(tiny.iloc[:2])


def test_identical_customers_give_a_clear_message():
    same = pd.DataFrame({"days_since_last_purchase": [5] * 20, "n_orders": [2] * 20,
                         "total_revenue": [40.0] * 20})
    with pytest.raises(ParameterError, match="identical"):
        RFMClusterer().fit(same)


def test_clusterer_clones_and_round_trips_its_parameters(three_groups):
    from sklearn.base import clone

    model = RFMClusterer(n_clusters=3, k_range=(2, 4), categorical_attributes=["customer_type"],
                         random_state=5)
    params = model.get_params()
    assert params["n_clusters"] == 3 and params["k_range"] == (2, 4)
    copy = clone(model)
    assert copy.get_params() == params
    assert RFMClusterer().set_params(**params).get_params() == params
    fitted = model.fit(three_groups)
    assert not hasattr(clone(fitted), "labels_")  # a clone is unfitted
    assert fitted.fit_predict(three_groups).tolist() == fitted.labels_.tolist()
    with pytest.raises(ParameterError, match="not fitted"):
        RFMClusterer().names()


def test_many_customers_choose_k_on_the_sample_and_fit_it_on_everyone(three_groups):
    from sklearn.base import clone

    model = RFMClusterer(random_state=1, sample_size=150, k_range=(2, 4)).fit(three_groups)
    sample = np.random.default_rng(1).choice(len(three_groups), 150, replace=False)
    on_sample = clone(model)._pipeline(3).fit(three_groups.iloc[sample])
    assert model.scores_.loc[model.scores_["k"] == 3, "inertia"].item() == pytest.approx(
        on_sample.named_steps["kmeans"].inertia_)
    assert model.n_clusters_ == 3 and len(model.labels_) == len(three_groups)
    everyone = clone(model)._pipeline(3).fit(model._check(three_groups))
    assert model.pipeline_.named_steps["kmeans"].inertia_ == pytest.approx(
        everyone.named_steps["kmeans"].inertia_)
    # the same groups as when every candidate is fitted on everyone
    full = RFMClusterer(random_state=1, k_range=(2, 4)).fit(three_groups)
    assert (model.labels_ == full.labels_).all()


def test_silhouette_works_in_small_blocks_of_distances(three_groups, monkeypatch):
    # scikit-learn's default block is 1 GiB of distances: on 10,000 customers a notebook's
    # peak memory doubled for it (1.2 GiB on a 1M-line log; 0.58 GiB with 64 MiB blocks)
    import sklearn
    import sklearn.metrics

    seen = []
    real = sklearn.metrics.pairwise_distances_chunked

    def recording(*args, **kwargs):
        seen.append(sklearn.get_config()["working_memory"])
        return real(*args, **kwargs)

    monkeypatch.setattr(sklearn.metrics, "pairwise_distances_chunked", recording)
    model = RFMClusterer(random_state=1, k_range=(2, 4)).fit(three_groups)
    assert seen == [64]  # the distances once, for the three k
    assert model.scores_["silhouette"].notna().all()


def test_silhouette_scores_equal_scikit_learns_bit_for_bit():
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(3)
    X = np.r_[rng.normal(0, 1, (300, 3)), rng.normal(4, 1, (250, 3))]
    labellings = [rng.integers(0, k, len(X)) for k in (2, 3, 5)]
    labellings.append(np.r_[np.zeros(549, int), [7]])  # a cluster of one point: it scores 0
    labellings.append((X[:, 0] > 2).astype(int) * 10 + 3)  # labels that are not 0..k-1
    # 1 MiB blocks: 238 rows of 550 distances, so three blocks
    got = silhouette_scores(X, labellings, working_memory=1)
    want = [silhouette_score(X, labels) for labels in labellings]
    assert got == want
    assert got[-1] > 0.5 > got[0]


def test_silhouette_scores_of_one_cluster_and_of_too_many():
    X = np.array([[0.0], [0.1], [5.0], [5.2]])
    assert np.isnan(silhouette_scores(X, [np.zeros(4, int)])).all()
    assert silhouette_scores(X, []) == []
    with pytest.raises(ValueError, match="Number of labels is 4"):
        silhouette_scores(X, [np.arange(4)])


def test_renumbered_maps_each_cluster_number():
    raw = np.array([2, 0, 0, 1, 2], dtype=np.int32)
    out = _renumbered(raw, {0: 2, 1: 3, 2: 1})
    assert out.tolist() == [1, 2, 2, 3, 1] and out.dtype == np.int64
    assert _renumbered(np.zeros(0, dtype=int), {0: 1}).tolist() == []
    with pytest.raises(KeyError):
        _renumbered(np.array([0, 3]), {0: 1, 1: 2})
