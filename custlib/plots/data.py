"""Figures of the data stage: profiles of the log and the cleaning waterfall.

Profiles before and after cleaning, and where the raw rows and revenue went. Every
function takes an optional ``ax`` and returns it.

The numbers come from :mod:`custlib.data.profiling` and the cleaning log
(:attr:`custlib.data.cleaning.CleaningResult.log`); the words from the ``data`` catalogs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.data.cleaning.result import rule_label
from custlib.data.profiling import (
    lines_dated_outside,
    missing_values,
    orders_per_customer,
    revenue_by_country,
    revenue_by_month,
)
from custlib.i18n import check_lang, t
from custlib.plots.categories import check_max_categories, keep_top
from custlib.plots.theme import BLUE, GREEN, LABEL_SIZE, RED, new_ax, percent, thousands, with_unit

__all__ = [
    "plot_cleaning_waterfall",
    "plot_missing_values",
    "plot_orders_per_customer",
    "plot_revenue_by_country",
    "plot_revenue_by_month",
    "waterfall_steps",
]



def plot_revenue_by_month(before: pd.DataFrame, after: pd.DataFrame | None = None, *,
                          lang: str = "en", currency: str = "", ax: Any = None) -> Any:
    """Line chart of monthly revenue, raw and (optionally) clean.

    Parameters
    ----------
    before : pandas.DataFrame, RawProfile or StagedLog
        Transactions (raw or clean), or the raw log's profile
        (:func:`custlib.data.profiling.raw_profile`).
    after : pandas.DataFrame, optional
        A second log drawn on the same axes (the clean one).
    lang : {'en', 'zh'}
    currency : str
        Unit shown on the y axis.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax)
    series = [(before, "before")] + ([(after, "after")] if after is not None else [])
    window = None
    if after is not None:  # impossible dates (1970, 2099) would squash the chart
        a = revenue_by_month(after)
        if len(a):
            window = (a.index.min(), a.index.max())
    hidden = 0
    for frame, key in series:
        s = revenue_by_month(frame)
        if window is not None:
            outside = (s.index < window[0]) | (s.index > window[1])
            if key == "before":
                hidden = lines_dated_outside(frame, window[0],
                                             window[1] + pd.offsets.MonthBegin(1))
            s = s[~outside]
        ax.plot(s.index, s.values, marker="o", ms=3, label=t(f"data.profile.{key}", lang))
    if hidden:
        note = t("data.profile.hidden", lang, n=f"{hidden:,}")
        ax.text(1.0, 1.01, note, transform=ax.transAxes, ha="right", va="bottom",
                fontsize=LABEL_SIZE, color="0.4")
    ax.set_title(t("data.profile.revenue_by_month", lang), loc="left")
    ax.set_xlabel(t("common.month", lang))
    ax.set_ylabel(with_unit(t("common.revenue", lang), currency, lang))
    ax.yaxis.set_major_formatter(thousands())
    if after is not None:
        ax.legend()
    return ax


def plot_orders_per_customer(tx: pd.DataFrame, *, cap: int = 10, lang: str = "en",
                             ax: Any = None) -> Any:
    """Bar chart of the number of customers by number of orders.

    Parameters
    ----------
    tx : pandas.DataFrame
    cap : int, default 10
    lang : {'en', 'zh'}
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax, (7, 3.5))
    s = orders_per_customer(tx, cap=cap)
    ax.bar(s.index, s.values, color=BLUE)
    ax.set_title(t("data.profile.orders_title", lang))
    ax.set_xlabel(t("data.profile.orders_per_customer", lang))
    ax.set_ylabel(t("data.profile.n_customers", lang))
    return ax


def plot_revenue_by_country(tx: pd.DataFrame, *, max_categories: int = 12, lang: str = "en",
                            currency: str = "", ax: Any = None) -> Any:
    """Horizontal bars of revenue by country, largest on top.

    Parameters
    ----------
    tx : pandas.DataFrame
    max_categories : int, default 12
        Most bars: the countries with most revenue and one 'other' pooling the rest
        (:func:`custlib.plots.categories.keep_top`), drawn last.
    lang : {'en', 'zh'}
    currency : str
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_max_categories(max_categories, "plot_revenue_by_country")
    ax = new_ax(ax, (7, 4))
    every = revenue_by_country(tx, top=None)
    s = keep_top(every, max_categories, lang=lang).iloc[::-1]
    ax.barh([str(i) for i in s.index], s.values, color=GREEN)
    shown = len(s) - (1 if s.attrs["pooled"] else 0)
    ax.set_title(t("data.profile.revenue_by_country", lang, n=str(shown)))
    ax.set_xlabel(with_unit(t("common.revenue", lang), currency, lang))
    ax.xaxis.set_major_formatter(thousands())
    return ax


def plot_missing_values(before: pd.DataFrame, after: pd.DataFrame | None = None, *,
                        lang: str = "en", ax: Any = None) -> Any:
    """Bars of the share of missing values per column, before and after cleaning.

    Parameters
    ----------
    before : pandas.DataFrame
    after : pandas.DataFrame, optional
    lang : {'en', 'zh'}
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax, (7, 3.5))
    b = missing_values(before).iloc[:, 1] * 100
    data = pd.DataFrame({t("data.profile.before", lang): b})
    if after is not None:
        a = missing_values(after).iloc[:, 1] * 100
        data[t("data.profile.after", lang)] = a.reindex(b.index)
    data.plot.bar(ax=ax, rot=30)
    ax.set_title(t("data.profile.missing_title", lang))
    ax.set_xlabel(t("data.profile.column", lang))
    ax.set_ylabel(t("data.profile.missing_share", lang))
    ax.yaxis.set_major_formatter(percent(100))
    return ax


def waterfall_steps(log: pd.DataFrame, measure: str = "rows") -> pd.DataFrame:
    """The bars of a cleaning waterfall: raw total, one step per rule, kept total.

    Parameters
    ----------
    log : pandas.DataFrame
        :attr:`custlib.data.cleaning.CleaningResult.log`.
    measure : {'rows', 'revenue'}

    Returns
    -------
    pandas.DataFrame
        rule, start, end, kind ('total' or 'step'). Rules that changed nothing are left
        out; flagged lines change nothing and are left out too.
    """
    if measure not in ("rows", "revenue"):
        from custlib.errors import ParameterError

        raise ParameterError(f"parameter 'measure' is {measure!r}; expected 'rows' or "
                             "'revenue'")
    raw_total = float(log.loc[log["rule"] == "reconciliation", measure].iloc[0])
    rows = [{"rule": "raw", "start": 0.0, "end": raw_total, "kind": "total"}]
    level = raw_total
    for _, r in log.iterrows():
        if r["action"] not in ("removed", "set aside", "netted") or abs(r[measure]) < 0.005:
            continue
        rows.append({"rule": r["rule"], "start": level, "end": level - float(r[measure]),
                     "kind": "step"})
        level -= float(r[measure])
    kept = float(log.loc[log["rule"] == "kept", measure].iloc[0])
    rows.append({"rule": "kept", "start": 0.0, "end": kept, "kind": "total"})
    return pd.DataFrame(rows)


def plot_cleaning_waterfall(log: pd.DataFrame, *, measure: str = "rows", lang: str = "en",
                            currency: str = "", ax: Any = None) -> Any:
    """Waterfall from the raw input, through each cleaning rule, to what is kept.

    Parameters
    ----------
    log : pandas.DataFrame
        :attr:`custlib.data.cleaning.CleaningResult.log`.
    measure : {'rows', 'revenue'}, default 'rows'
    lang : {'en', 'zh'}
    currency : str
        Unit of the revenue axis.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        One bar per step; bar heights are the log's numbers.
    """
    check_lang(lang)
    steps = waterfall_steps(log, measure)
    ax = new_ax(ax, (9, 4.5))
    levels = np.concatenate([steps["start"].to_numpy(), steps["end"].to_numpy()])
    levels = levels[levels != 0] if (levels != 0).any() else levels
    low, high = float(levels.min()), float(levels.max())
    # zoom in so that steps of a few percent are visible; totals start at the axis floor
    floor = max(0.0, low - 1.5 * (high - low)) if high > low else 0.0
    bottoms = np.where(steps["kind"] == "total", floor,
                       np.minimum(steps["start"], steps["end"]))
    tops = np.where(steps["kind"] == "total", steps["end"],
                    np.maximum(steps["start"], steps["end"]))
    heights = tops - bottoms
    colors = [BLUE if k == "total" else (RED if e < s else GREEN)
              for k, s, e in zip(steps["kind"], steps["start"], steps["end"])]
    names = [rule_label(r, lang) for r in steps["rule"]]
    bars = ax.bar(range(len(steps)), heights, bottom=bottoms, color=colors)
    for bar, (_, st) in zip(bars, steps.iterrows()):
        change = st["end"] - st["start"]
        text = f"{st['end']:,.0f}" if st["kind"] == "total" else f"{change:+,.0f}"
        ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height()),
                    ha="center", va="bottom", fontsize=LABEL_SIZE, xytext=(0, 2),
                    textcoords="offset points")
    ax.set_ylim(bottom=floor)
    if floor > 0:
        note = t("data.waterfall.axis_floor", lang, floor=f"{floor:,.0f}")
        ax.text(1.0, 1.01, note, transform=ax.transAxes, ha="right", va="bottom",
                fontsize=LABEL_SIZE, color="0.4")
    ax.set_xticks(range(len(steps)), names, rotation=30, ha="right")
    unit = t(f"common.{measure}", lang)
    ax.set_ylabel(with_unit(unit, currency, lang) if measure == "revenue" else unit)
    ax.set_title(t(f"data.waterfall.title_{measure}", lang))
    ax.yaxis.set_major_formatter(thousands())
    ax.margins(y=0.12)
    return ax
