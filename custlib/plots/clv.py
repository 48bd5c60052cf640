"""Figures of the CLV notebook: model checks, matrices, P(alive) history, value by decile.

These replace lifetimes' plotting functions that fail on pandas 3
(``plot_calibration_purchases_vs_holdout_purchases`` relies on the broken split,
``plot_history_alive``, ``plot_expected_repeat_purchases``) and follow the house rule:
every function takes an optional ``ax`` and returns it, with labelled axes and units.
Their words are the ``value.plot`` messages of the catalogs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from custlib.data.contract import require_columns
from custlib.i18n import check_lang, label, t
from custlib.plots.theme import BLUE, GREEN, GREY, LABEL_SIZE, new_ax, percent, thousands

__all__ = ["plot_calibration_holdout", "plot_clv_by_segment", "plot_clv_deciles",
           "plot_matrix", "plot_p_alive_history", "plot_period_transactions",
           "plot_tracking"]

def _u(unit: str, lang: str) -> str:
    """The name of a model time unit in ``lang`` (an unknown unit as it is)."""
    return label("value.unit", unit, lang)


def plot_calibration_holdout(table: pd.DataFrame, *, model_name: str = "", ax: Any = None,
                             lang: str = "en") -> Any:
    """Mean actual and predicted holdout purchases by calibration frequency.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`custlib.value.choice.calibration_vs_holdout`.
    model_name : str
        Shown in the legend.
    ax : matplotlib.axes.Axes, optional
    lang : {'en', 'zh'}
    """
    check_lang(lang)
    require_columns(table, ["actual", "predicted"], "plot_calibration_holdout")
    ax = new_ax(ax)
    x = np.arange(len(table))
    ax.plot(x, table["actual"], "o-", color="black", label=t("value.plot.actual", lang))
    ax.plot(x, table["predicted"], "s--", color=BLUE,
            label=f"{t('value.plot.predicted', lang)} {model_name}".strip())
    ticks = [str(i) for i in table.index]
    ticks[-1] = ticks[-1] + "+"
    ax.set_xticks(x, ticks)
    ax.set(title=t("value.plot.cal_title", lang), xlabel=t("value.plot.cal_x", lang),
           ylabel=t("value.plot.cal_y", lang))
    ax.legend()
    return ax


def plot_tracking(track: pd.DataFrame, *, cumulative: bool = True, model_name: str = "",
                  ax: Any = None, lang: str = "en") -> Any:
    """Repeat transactions over calibration and holdout, actual against the model.

    Parameters
    ----------
    track : pandas.DataFrame
        From :func:`custlib.value.diagnostics.tracking`.
    cumulative : bool, default True
        Cumulative totals, or per period.
    """
    check_lang(lang)
    require_columns(track, ["start", "actual", "expected", "holdout"], "plot_tracking")
    ax = new_ax(ax, figsize=(9, 4))
    a, e = ("cumulative_actual", "cumulative_expected") if cumulative else ("actual", "expected")
    ax.plot(track["start"], track[a], color="black", label=t("value.plot.actual", lang))
    ax.plot(track["start"], track[e], "--", color=BLUE,
            label=f"{t('value.plot.model', lang)} {model_name}".strip())
    if track["holdout"].any():
        first = track.loc[track["holdout"], "start"].iloc[0]
        ax.axvline(first, color="grey", linestyle=":")
        ax.annotate(t("value.plot.holdout_starts", lang), (first, 0.95),
                    xycoords=("data", "axes fraction"), ha="left", va="top", fontsize=LABEL_SIZE,
                    color="grey", xytext=(4, 0), textcoords="offset points")
    unit = track.attrs.get("unit", "")
    if cumulative:
        title = t("value.plot.track_cum", lang)
    elif unit:
        title = t("value.plot.track_inc_unit", lang, unit=_u(unit, lang))
    else:
        title = t("value.plot.track_inc", lang)
    ax.set(title=title,
           xlabel=t("value.plot.date", lang), ylabel=t("value.plot.track_y", lang))
    ax.yaxis.set_major_formatter(thousands())
    ax.legend()
    return ax


def plot_period_transactions(table: pd.DataFrame, *, ax: Any = None,
                             lang: str = "en") -> Any:
    """Customers by number of repeat purchases, actual against the fitted model.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`custlib.value.diagnostics.period_transactions`.
    """
    check_lang(lang)
    require_columns(table, ["actual", "model"], "plot_period_transactions")
    ax = new_ax(ax)
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["actual"], width=0.4, color="0.3", label=t("value.plot.actual", lang))
    ax.bar(x + 0.2, table["model"], width=0.4, color=BLUE,
           label=t("value.plot.model", lang))
    ticks = [str(i) for i in table.index]
    ticks[-1] = ticks[-1] + "+"
    ax.set_xticks(x, ticks)
    ax.set(title=t("value.plot.pt_title", lang), xlabel=t("value.plot.pt_x", lang),
           ylabel=t("value.plot.customers", lang))
    ax.yaxis.set_major_formatter(thousands())
    ax.legend()
    return ax


def plot_matrix(values: pd.DataFrame, *, kind: str = "expected", horizon: float = 1.0,
                unit: str = "weeks", ax: Any = None, lang: str = "en") -> Any:
    """The frequency/recency matrix (expected purchases) or the P(alive) matrix.

    Parameters
    ----------
    values : pandas.DataFrame
        From :func:`custlib.value.diagnostics.matrix`: rows frequency, columns recency.
    kind : {'expected', 'p_alive'}
    horizon : float
        Periods ahead of the expected-purchases matrix (for the title).
    unit : {'days', 'weeks', 'months'}
    """
    check_lang(lang)
    ax = new_ax(ax, figsize=(8, 5))
    cmap = "viridis" if kind == "expected" else "RdYlGn"
    img = ax.imshow(values.to_numpy(), origin="lower", aspect="auto", cmap=cmap,
                    extent=(-0.5, values.columns.max() + 0.5, -0.5, values.index.max() + 0.5),
                    vmin=0, vmax=None if kind == "expected" else 1)
    cbar = ax.figure.colorbar(img, ax=ax)
    title = (t("value.plot.m_expected", lang, horizon=f"{horizon:g}", unit=_u(unit, lang))
             if kind == "expected" else t("value.plot.m_p_alive", lang))
    cbar.set_label(title)
    if "T" in values.attrs:
        title += t("value.plot.m_age", lang, age=f"{values.attrs['T']:.0f}",
                   unit=_u(unit, lang))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(title=title, xlabel=t("value.plot.recency", lang, unit=_u(unit, lang)),
           ylabel=t("value.plot.frequency", lang))
    return ax


def plot_p_alive_history(history: pd.DataFrame, *, customer: Any = "", ax: Any = None,
                         lang: str = "en") -> Any:
    """One customer's P(alive) day by day, with their purchases marked.

    Parameters
    ----------
    history : pandas.DataFrame
        From :func:`custlib.value.diagnostics.p_alive_history`.
    customer : str
        Shown in the title.
    """
    check_lang(lang)
    require_columns(history, ["p_alive", "purchase"], "plot_p_alive_history")
    ax = new_ax(ax, figsize=(9, 3.5))
    ax.plot(history.index, history["p_alive"], color=GREEN)
    buys = history.index[history["purchase"].to_numpy()]
    for i, day in enumerate(buys):
        ax.axvline(day, color="0.4", linestyle="--", linewidth=0.8,
                   label=t("value.plot.purchase", lang) if i == 0 else None)
    ax.set_ylim(0, 1.05)
    ax.set(title=t("value.plot.hist_title", lang, customer=f"{customer}"),
           xlabel=t("value.plot.date", lang), ylabel=t("value.plot.p_alive_axis", lang))
    ax.legend(loc="lower left")
    return ax


def plot_clv_deciles(deciles: pd.DataFrame, *, ax: Any = None, lang: str = "en") -> Any:
    """Share of total predicted value held by each decile of customers.

    Parameters
    ----------
    deciles : pandas.DataFrame
        From :func:`custlib.value.clv.clv_deciles` (same ``lang``).
    """
    check_lang(lang)
    share = deciles[t("value.column.share", lang)] * 100
    ax = new_ax(ax)
    bars = ax.bar(share.index.astype(str), share, color=BLUE)
    ax.bar_label(bars, fmt="%.0f%%")
    ax.yaxis.set_major_formatter(percent(100))
    ax.set(title=t("value.plot.dec_title", lang), xlabel=t("value.plot.dec_x", lang),
           ylabel=t("value.plot.dec_y", lang))
    return ax


def plot_clv_by_segment(by_segment: pd.DataFrame, *, ax: Any = None, lang: str = "en") -> Any:
    """Share of customers and share of future value, segment by segment.

    Parameters
    ----------
    by_segment : pandas.DataFrame
        From :func:`custlib.value.clv.clv_by_segment` (same ``lang``).
    """
    check_lang(lang)
    cust = by_segment[t("value.column.customer_share", lang)] * 100
    value = by_segment[t("value.column.share", lang)] * 100
    ax = new_ax(ax, figsize=(7, 0.3 * len(by_segment) + 1.4))
    y = np.arange(len(by_segment))
    ax.barh(y - 0.2, cust, height=0.4, color=GREY, label=t("value.plot.cust_share", lang))
    ax.barh(y + 0.2, value, height=0.4, color=BLUE,
            label=t("value.plot.value_share", lang))
    ax.set_yticks(y, [str(i) for i in by_segment.index])
    ax.invert_yaxis()
    ax.set(title=t("value.plot.seg_title", lang), xlabel=t("value.plot.seg_x", lang))
    ax.xaxis.set_major_formatter(percent(100))
    ax.legend(loc="lower right")
    return ax
