"""Figures of the report (stage 5): needs and competitors.

Needs: the category (or channel) mix of each segment and the needs map (importance
against urgency). Competitors (from the business-context file): market share, features,
prices and the brand positioning map, our company in red. The SWOT, TOWS and the Business
Model Canvas are text, not figures: grids of the report page
(:meth:`custlib.report.document.Report.swot`). Every text comes from the ``report``
catalogs; names from the data are shown as they are.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.errors import DataError
from custlib.i18n import check_lang, label, t
from custlib.plots.categories import check_max_categories, keep_top, ranked
from custlib.plots.theme import LABEL_SIZE, ORANGE, OTHER_COLOR, US_COLOR, new_ax, percent

__all__ = ["OTHER_COLOR", "US_COLOR", "marker_boxes", "place_labels", "plot_features",
           "plot_market_share", "plot_needs", "plot_positioning", "plot_preferences",
           "plot_prices", "pool_needs"]


# --- needs ---------------------------------------------------------------------------------

def plot_preferences(table: pd.DataFrame, *, max_categories: int = 12, ax: Any = None,
                     lang: str = "en", title: str = "") -> Any:
    """Heat map of :func:`custlib.report.needs.preferences` (share of each segment's revenue, %).

    Parameters
    ----------
    table : pandas.DataFrame
        Rows segments, columns categories (or channels), each row summing to 1.
    max_categories : int, default 12
        Most columns: the categories with the largest mean share across segments and one
        'other' column with the rest of each segment's share
        (:func:`custlib.plots.categories.keep_top`), written in grey outside the colour
        scale.
    ax : matplotlib.axes.Axes, optional
    lang : {'en', 'zh'}
    title : str
        Default: "Share of each segment's revenue by <column>".

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_lang(lang)
    column = table.columns.name
    table = keep_top(table, max_categories, axis=1, lang=lang)
    ax = new_ax(ax, figsize=(min(7.0, max(5.0, 0.45 * table.shape[1] + 2.5)),
                             0.26 * len(table) + 2.2))
    values = table.to_numpy(dtype=float) * 100
    coloured = values.copy()
    if table.attrs["pooled"]:  # 'other' is written, grey: it would wash out the named ones
        coloured[:, -1] = np.nan
        ax.axvspan(table.shape[1] - 1.5, table.shape[1] - 0.5, color="0.88", zorder=0)
    top = float(np.nanmax(coloured, initial=0.0)) or 1.0
    img = ax.imshow(coloured, cmap="Blues", aspect="auto", vmin=0, vmax=top, zorder=1)
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=LABEL_SIZE,
                color="white" if coloured[i, j] > top * 0.6 else "black")
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns], rotation=30,
                  ha="right")
    ax.set_yticks(range(table.shape[0]), [str(i) for i in table.index])
    ax.figure.colorbar(img, ax=ax, format=percent(100))
    ax.set(title=title or t("report.needs_plot.preferences", lang,
                            column=label("report.column", column, lang)))
    return ax


def plot_needs(needs: pd.DataFrame, *, max_categories: int = 12, ax: Any = None,
               lang: str = "en") -> Any:
    """Needs on importance (share naming it) against urgency (share of them unhappy).

    Parameters
    ----------
    needs : pandas.DataFrame
        :func:`custlib.report.needs.top_needs`.
    max_categories : int, default 12
        Most points: the needs of highest priority and one 'other' for the rest (its
        importance their sum, its urgency their respondents' mean).
    ax : matplotlib.axes.Axes, optional
    lang : {'en', 'zh'}

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_lang(lang)
    needs = keep_top(needs, max_categories, by="priority", combine=pool_needs, lang=lang)
    ax = new_ax(ax, figsize=(6.5, 4.8))
    ax.scatter(needs["importance"] * 100, needs["urgency"] * 100,
               s=60 + 2000 * needs["priority"], color=ORANGE, alpha=0.7,
               edgecolors="black")
    for name, row in needs.iterrows():
        ax.annotate(str(name), (row["importance"] * 100, row["urgency"] * 100),
                    xytext=(6, 6), textcoords="offset points")
    ax.xaxis.set_major_formatter(percent(100))
    ax.yaxis.set_major_formatter(percent(100))
    ax.axvline(needs["importance"].mean() * 100, color="0.8", lw=1)
    ax.axhline(needs["urgency"].mean() * 100, color="0.8", lw=1)
    ax.set(title=t("report.needs_plot.title", lang),
           xlabel=t("report.needs_plot.importance", lang),
           ylabel=t("report.needs_plot.urgency", lang))
    return ax


def pool_needs(rest: pd.DataFrame) -> pd.Series:
    """The 'other' row of :func:`custlib.report.needs.top_needs`: needs pooled as one.

    Respondents and importance add up; urgency and mean satisfaction are their
    respondents' means; priority is importance x urgency, as for any need.

    Examples
    --------
    >>> rest = pd.DataFrame({"respondents": [1, 3], "importance": [0.1, 0.3],
    ...                      "urgency": [1.0, 0.0], "priority": [0.1, 0.0]})
    >>> pool_needs(rest).to_dict()
    {'respondents': 4.0, 'importance': 0.4, 'urgency': 0.25, 'priority': 0.1}
    """
    n = rest["respondents"].astype(float)
    out = {"respondents": float(n.sum()), "importance": float(rest["importance"].sum()),
           "urgency": float((rest["urgency"] * n).sum() / n.sum()) if n.sum() else np.nan}
    out["priority"] = out["importance"] * out["urgency"]
    if "mean_satisfaction" in rest:
        out["mean_satisfaction"] = float((rest["mean_satisfaction"] * n).sum() / n.sum()) \
            if n.sum() else np.nan
    return pd.Series(out)


# --- competitors ---------------------------------------------------------------------------

def _colors(index: pd.Index, table: pd.DataFrame) -> list[str]:
    return [US_COLOR if table.loc[i, "us"] else OTHER_COLOR for i in index]


def plot_market_share(table: pd.DataFrame, *, max_categories: int = 12, ax: Any = None,
                      lang: str = "en") -> Any:
    """Horizontal bars of market share, our company in red, the rest of the market noted.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`custlib.report.competitors.competitor_table`.
    max_categories : int, default 12
        Most bars: our company and the largest competitors; the smaller ones join the
        rest of the market noted in the title.
    ax : matplotlib.axes.Axes, optional
    lang : {'en', 'zh'}
    """
    check_max_categories(max_categories, "plot_market_share")
    check_lang(lang)
    shares = table["market_share"].dropna()
    us = [i for i in shares.index if bool(table.loc[i, "us"])]
    keep = us + [i for i in ranked(shares) if i not in us][:max(0, max_categories - len(us))]
    data = shares.loc[keep].sort_values(kind="stable")
    ax = new_ax(ax, figsize=(6.5, 0.35 * len(data) + 1.4))
    bars = ax.barh(data.index, data * 100, color=_colors(data.index, table))
    ax.bar_label(bars, fmt="%.0f%%", padding=2)
    ax.xaxis.set_major_formatter(percent(100))
    rest = 1 - float(data.sum())
    title = t("report.competitors.share_title", lang)
    if rest > 0.005:
        title += t("report.competitors.others", lang, share=f"{rest:.0%}")
    ax.set(title=title, xlabel=t("report.competitors.share_x", lang))
    return ax


def plot_features(features: pd.DataFrame, table: pd.DataFrame | None = None, *,
                  ax: Any = None, lang: str = "en") -> Any:
    """Heat map of feature scores, our company's row labelled in red.

    Parameters
    ----------
    features : pandas.DataFrame
        :func:`custlib.report.competitors.feature_table`.
    table : pandas.DataFrame, optional
        :func:`custlib.report.competitors.competitor_table` (to find our company).
    ax : matplotlib.axes.Axes, optional
    lang : {'en', 'zh'}
    """
    from custlib.report.competitors import dimension_label

    check_lang(lang)
    ax = new_ax(ax, figsize=(6.5, 0.4 * len(features) + 2))
    values = features.to_numpy(dtype=float)
    img = ax.imshow(values, cmap="RdYlGn", vmin=1, vmax=5, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:g}", ha="center", va="center")
    ax.set_xticks(range(features.shape[1]),
                  [dimension_label(str(c), lang) for c in features.columns],
                  rotation=30, ha="right")
    ax.set_yticks(range(features.shape[0]), features.index)
    if table is not None:
        for tick, name in zip(ax.get_yticklabels(), features.index, strict=True):
            if name in table.index and table.loc[name, "us"]:
                tick.set_color(US_COLOR)
    ax.figure.colorbar(img, ax=ax)
    ax.set(title=t("report.competitors.feat_title", lang))
    return ax


def plot_prices(table: pd.DataFrame, *, ax: Any = None, lang: str = "en") -> Any:
    """Bars of each company's price level, our company in red."""
    check_lang(lang)
    data = table["price_level"].dropna().sort_values()
    ax = new_ax(ax, figsize=(6.5, 0.35 * len(data) + 1.4))
    ax.barh(data.index, data, color=_colors(data.index, table))
    ax.set(title=t("report.competitors.price_title", lang),
           xlabel=t("report.competitors.price_x", lang), xlim=(0, 5.5))
    return ax


def plot_positioning(table: pd.DataFrame, x: str = "price", y: str = "quality", *,
                     ax: Any = None, lang: str = "en") -> Any:
    """The brand positioning map on two chosen dimensions; bubble size = market share.

    Each company's name is placed beside its bubble where it covers no bubble and no
    other name (:func:`place_labels`).

    Raises
    ------
    DataError
        A dimension no competitor has (the available ones are listed).
    """
    from custlib.report.competitors import dimension_label

    check_lang(lang)
    dims = [c[4:] for c in table.columns if c.startswith("pos_")]
    for d in (x, y):
        if d not in dims:
            raise DataError(f"positioning dimension {d!r} is not in the context file; "
                            f"expected one of {dims}")
    ax = new_ax(ax, figsize=(6, 4.8))
    share = table["market_share"].fillna(0.05).astype(float)
    sizes = (200 + 3000 * share).to_numpy()
    ax.scatter(table[f"pos_{x}"], table[f"pos_{y}"], s=sizes,
               c=_colors(table.index, table), alpha=0.6, edgecolors="black")
    ax.axvline(3, color="0.8", lw=1)
    ax.axhline(3, color="0.8", lw=1)
    ax.set(title=t("report.competitors.pos_title", lang),
           xlabel=t("report.competitors.scale", lang, dimension=dimension_label(x, lang)),
           ylabel=t("report.competitors.scale", lang, dimension=dimension_label(y, lang)),
           xlim=(0.5, 5.5), ylim=(0.5, 5.5))
    points = list(zip(table[f"pos_{x}"].astype(float), table[f"pos_{y}"].astype(float),
                      strict=True))
    colors = [US_COLOR if us else "black" for us in table["us"]]
    place_labels(ax, [str(n) for n in table.index], points, sizes, colors=colors)
    return ax


#: Where a label may go around its marker, in order of preference: (dx, dy, ha, va).
_SPOTS = ((0, 1, "center", "bottom"), (0, -1, "center", "top"), (1, 0, "left", "center"),
          (-1, 0, "right", "center"), (0.75, 0.75, "left", "bottom"),
          (-0.75, 0.75, "right", "bottom"), (0.75, -0.75, "left", "top"),
          (-0.75, -0.75, "right", "top"))


def marker_boxes(ax: Any, points: list[tuple[float, float]], sizes: Any) -> list[Any]:
    """The display boxes of scatter markers of area ``sizes`` (points squared) at ``points``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    points : list of (float, float)
        Data coordinates.
    sizes : array-like of float
        As passed to ``scatter(s=...)``.

    Returns
    -------
    list of matplotlib.transforms.Bbox
        Squares around each marker, in display pixels.
    """
    from matplotlib.transforms import Bbox

    px = ax.figure.dpi / 72
    boxes = []
    for (px_x, px_y), s in zip(ax.transData.transform(points), np.asarray(sizes, float),
                               strict=True):
        r = np.sqrt(s) / 2 * px
        boxes.append(Bbox.from_extents(px_x - r, px_y - r, px_x + r, px_y + r))
    return boxes


def _overlap(a: Any, b: Any) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return float(w * h) if w > 0 and h > 0 else 0.0


def place_labels(ax: Any, names: list[str], points: list[tuple[float, float]], sizes: Any, *,
                 colors: list[str] | None = None, pad: float = 3.0) -> list[Any]:
    """Write each name beside its marker, covering no marker and no other name.

    Deterministic: the largest marker is labelled first; each label takes the first spot
    of eight around its marker (above, below, right, left, then the diagonals; then the
    same twice as far) that overlaps nothing already drawn and stays inside the axes, or
    else the spot overlapping least.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Its limits set and its markers drawn.
    names : list of str
    points : list of (float, float)
        Marker centres, data coordinates.
    sizes : array-like of float
        Marker areas (points squared), as given to ``scatter``.
    colors : list of str, optional
    pad : float, default 3
        Points between a marker's edge and its label.

    Returns
    -------
    list of matplotlib.text.Annotation
        In the order of ``names``.
    """
    fig = ax.figure
    fig.canvas.draw()  # the final layout, so that display positions hold
    renderer = fig.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    taken = marker_boxes(ax, points, sizes)
    radius = np.sqrt(np.asarray(sizes, float)) / 2
    out: dict[int, Any] = {}
    for i in sorted(range(len(names)), key=lambda k: (-radius[k], names[k])):
        label = ax.annotate(names[i], points[i], textcoords="offset points", xytext=(0, 0),
                            color=(colors or ["black"] * len(names))[i])
        label.set_in_layout(False)
        best: tuple[float, tuple[float, float, str, str]] = (np.inf, (0, 0, "center", "center"))
        for far, (dx, dy, ha, va) in ((f, s) for f in (1.0, 2.0) for s in _SPOTS):
            d = (radius[i] + pad) * far
            label.xyann = (dx * d, dy * d)
            label.set_ha(ha)
            label.set_va(va)
            box = label.get_window_extent(renderer)
            outside = box.width * box.height - _overlap(box, inside)
            cost = sum(_overlap(box, b) for b in taken) + 10 * max(outside, 0.0)
            if cost < best[0]:
                best = (cost, (dx * d, dy * d, ha, va))
            if cost == 0:
                break
        label.xyann = best[1][:2]
        label.set_ha(best[1][2])
        label.set_va(best[1][3])
        taken.append(label.get_window_extent(renderer))
        out[i] = label
    return [out[i] for i in range(len(names))]
