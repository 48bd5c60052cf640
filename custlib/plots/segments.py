"""Figures of notebook 02, segmentation.

The RFM map, choosing k, cluster profiles, segment sizes, revenue concentration and
customers by attribute. Every function takes an optional ``ax`` (or ``axes``) and returns
it; titles and axes are in the language asked for, from the catalog ``segments.yaml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.errors import ParameterError
from custlib.i18n import check_lang, label, t
from custlib.i18n import labels as messages
from custlib.plots.categories import check_max_categories, keep_top
from custlib.plots.theme import BLUE, ORANGE, RED, new_ax, percent, with_unit
from custlib.segments.clustering import RFM_FEATURES, signed_log1p
from custlib.segments.profiles import attribute_name, breakdown, charted_attributes

__all__ = ["plot_breakdown", "plot_k_selection", "plot_pareto", "plot_rfm_heatmap",
           "plot_segment_sizes", "plot_snake", "plot_traits"]




def plot_rfm_heatmap(scores: pd.DataFrame, summary: pd.DataFrame, *, lang: str = "en",
                     currency: str = "", ax: Any = None) -> Any:
    """Heat map of R (rows) by F (columns), coloured by mean revenue, with customer counts.

    Parameters
    ----------
    scores : pandas.DataFrame
        ``R`` and ``F`` from :func:`custlib.segments.rfm.rfm_scores`.
    summary : pandas.DataFrame
        ``total_revenue`` per customer (same index).
    lang : {'en', 'zh'}
    currency : str
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import seaborn as sns

    check_lang(lang)
    require_columns(scores, ["R", "F"], "plot_rfm_heatmap")
    require_columns(summary, ["total_revenue"], "plot_rfm_heatmap")
    data = scores[["R", "F"]].assign(M=summary["total_revenue"].reindex(scores.index))
    mean = data.pivot_table(index="R", columns="F", values="M", aggfunc="mean")
    count = data.pivot_table(index="R", columns="F", values="M", aggfunc="size")
    mean = mean.sort_index(ascending=False)
    count = count.reindex_like(mean)
    ax = new_ax(ax, (6.5, 4.5))
    annot = count.map(lambda v: "" if pd.isna(v) else f"{int(v)}")
    sns.heatmap(mean, annot=annot, fmt="", cmap="YlGnBu", ax=ax,
                cbar_kws={"label": with_unit(t("segments.rfm_map.colorbar", lang), currency, lang)})
    ax.set_ylabel(t("segments.rfm_map.r_axis", lang))
    ax.set_xlabel(t("segments.rfm_map.f_axis", lang))
    ax.set_title(t("segments.rfm_map.title", lang))
    return ax


def plot_k_selection(scores: pd.DataFrame, *, chosen: int | None = None, lang: str = "en",
                     ax: Any = None) -> Any:
    """Elbow (inertia) and silhouette against k, on twin axes.

    Parameters
    ----------
    scores : pandas.DataFrame
        :attr:`custlib.segments.clustering.RFMClusterer.scores_`.
    chosen : int, optional
        Marks the chosen k.
    lang : {'en', 'zh'}
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The inertia axes (the silhouette is on ``ax.right_ax``).
    """
    check_lang(lang)
    ax = new_ax(ax, (7, 3.8))
    ax.plot(scores["k"], scores["inertia"], "o-", color=BLUE)
    ax.set_xlabel(t("segments.cluster.k_axis", lang))
    ax.set_ylabel(t("segments.cluster.inertia", lang), color=BLUE)
    right = ax.twinx()
    right.plot(scores["k"], scores["silhouette"], "s--", color=RED)
    right.set_ylabel(t("segments.cluster.silhouette", lang), color=RED)
    right.spines["right"].set_visible(True)
    if chosen is not None:
        ax.axvline(chosen, color="0.6", lw=1, ls=":")
    ax.set_title(t("segments.cluster.k_title", lang))
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
    check_lang(lang)
    ax = new_ax(ax, (7, 3.8))
    z = pd.DataFrame(signed_log1p(X[list(features)]), index=X.index, columns=list(features))
    z = (z - z.mean()) / z.std(ddof=0).replace(0, 1)
    means = z.groupby(labels.reindex(X.index).to_numpy()).mean()
    xs = [label("segments.feature", f, lang) for f in features]
    for k, row in means.iterrows():
        ax.plot(xs, row.to_numpy(), "o-", label=(names or {}).get(int(k), str(k)))
    ax.axhline(0, color="0.7", lw=1)
    ax.set_ylabel(t("segments.cluster.z", lang))
    ax.set_title(t("segments.cluster.snake_title", lang))
    ax.legend(loc="best")
    return ax


def plot_segment_sizes(table: pd.DataFrame, segment: str, *, lang: str = "en",
                       ax: Any = None) -> Any:
    """Paired horizontal bars: each segment's share of customers and of revenue.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`custlib.segments.profiles.customer_table`.
    segment : str
        The segment column (categorical order is kept).
    lang : {'en', 'zh'}
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_lang(lang)
    require_columns(table, [segment, "total_revenue"], "plot_segment_sizes")
    g = table.groupby(segment, observed=True)
    data = pd.DataFrame({t("segments.column.customer_share", lang): g.size() / len(table),
                         t("segments.column.revenue_share", lang):
                             g["total_revenue"].sum() / table["total_revenue"].sum()})
    ax = new_ax(ax, (7, 0.3 * len(data) + 1.4))
    data.iloc[::-1].plot.barh(ax=ax, color=[BLUE, ORANGE], width=0.8)
    ax.xaxis.set_major_formatter(percent())
    ax.set_ylabel("")
    ax.set_title(t("segments.figure.sizes_title", lang))
    ax.legend(loc="lower right")
    return ax


def plot_pareto(revenue: pd.Series, *, mark: float = 0.2, lang: str = "en",
                ax: Any = None) -> Any:
    """Cumulative share of revenue against share of customers, biggest first.

    Parameters
    ----------
    revenue : pandas.Series
        Revenue per customer.
    mark : float, default 0.2
        Share of customers to annotate ("top 20% make N% of revenue").
    lang : {'en', 'zh'}
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_lang(lang)
    r = np.sort(revenue.clip(lower=0).to_numpy(dtype=float))[::-1]
    if r.sum() <= 0:
        raise ParameterError("plot_pareto: revenue is zero for every customer")
    x = np.arange(1, len(r) + 1) / len(r)
    y = np.cumsum(r) / r.sum()
    ax = new_ax(ax, (5.5, 4))
    ax.plot(np.r_[0, x], np.r_[0, y], color=BLUE)
    ax.plot([0, 1], [0, 1], color="0.7", ls="--", lw=1)
    at = float(np.interp(mark, x, y))
    ax.plot([mark], [at], "o", color=RED)
    ax.annotate(t("segments.figure.pareto_note", lang, p=f"{mark:.0%}", r=f"{at:.0%}"),
                (mark, at), xytext=(10, -18), textcoords="offset points")
    ax.xaxis.set_major_formatter(percent())
    ax.yaxis.set_major_formatter(percent())
    ax.set_xlabel(t("segments.figure.pareto_x", lang))
    ax.set_ylabel(t("segments.figure.pareto_y", lang))
    ax.set_title(t("segments.figure.pareto_title", lang))
    return ax


def plot_breakdown(table: pd.DataFrame, by: str, *, lang: str = "en", currency: str = "",
                   max_categories: int = 12, ax: Any = None) -> Any:
    """Bars of customers by an attribute, with revenue per customer as dots.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`custlib.segments.profiles.customer_table`.
    by : str
    lang : {'en', 'zh'}
    currency : str
    max_categories : int, default 12
        Most bars: the largest groups by customers and one 'other' pooling the rest
        (:func:`custlib.plots.categories.keep_top`), its revenue per customer over all
        of them.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_lang(lang)
    data = breakdown(table, by, max_categories=max_categories, lang=lang)
    ax = new_ax(ax, (8, 3.8))
    names = [str(i) for i in data.index]
    ax.bar(names, data["customers"], color=BLUE)
    ax.set_ylabel(t("segments.column.customers", lang))
    ax.tick_params(axis="x", rotation=30)
    right = ax.twinx()
    right.plot(names, data["avg_value"], "o", color=RED)
    right.set_ylabel(with_unit(t("segments.column.avg_value", lang), currency, lang), color=RED)
    right.set_ylim(bottom=0)
    right.spines["right"].set_visible(True)
    col = messages("segments.column", lang).get(by, by)
    ax.set_title(t("segments.figure.by", lang, col=col))
    ax.right_ax = right
    return ax


def plot_traits(table: pd.DataFrame, traits: tuple[str, ...] | list[str] | None = None, *,
                lang: str = "en", max_categories: int = 12, axes: Any = None) -> Any:
    """Customer attributes (charts the customer analysis report asks for): a bar chart each.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`custlib.segments.profiles.customer_table`.
    traits : sequence of str, optional
        Attributes to chart; those missing from ``table`` are skipped. Default: the
        individual traits of the customer analysis report
        (:data:`custlib.segments.profiles.TRAITS`: age band, gender, occupation, income
        band) that the table has; when it has none of them, every attribute it has
        (:func:`custlib.segments.profiles.attribute_columns`: region, city, ...).
    lang : {'en', 'zh'}
    max_categories : int, default 12
        Most bars per attribute: the values with most customers and one 'other' pooling
        the rest (:func:`custlib.plots.categories.keep_top`; ordered bands keep their order).
    axes : array of matplotlib.axes.Axes, optional
        At least as many axes as traits present.

    Returns
    -------
    ndarray of matplotlib.axes.Axes
        One per attribute charted; empty (and no figure) when the table has none of them
        (:func:`custlib.segments.profiles.attributes_note` says so in words).
    """
    import matplotlib.pyplot as plt

    check_lang(lang)
    check_max_categories(max_categories, "plot_traits")
    wanted = charted_attributes(table) if traits is None else list(traits)
    present = [c for c in wanted if c in table.columns and table[c].notna().any()]
    if not present:
        return np.array([], dtype=object)
    if axes is None:
        cols = min(2, len(present))
        rows = (len(present) + cols - 1) // cols
        _, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.2 * rows),
                               layout="constrained", squeeze=False)
    flat = np.asarray(axes).ravel()
    for ax, trait in zip(flat, present):
        values = table[trait]
        ordered = isinstance(values.dtype, pd.CategoricalDtype)  # age bands keep their order
        counts = keep_top(values.value_counts(sort=False), max_categories, keep_order=ordered,
                          lang=lang)
        ax.bar([str(i) for i in counts.index], counts.to_numpy(), color=BLUE)
        ax.set_title(attribute_name(trait, lang))
        ax.set_ylabel(t("segments.column.customers", lang))
        ax.tick_params(axis="x", rotation=30)
    for ax in flat[len(present):]:
        ax.set_visible(False)
    return flat[:len(present)]
