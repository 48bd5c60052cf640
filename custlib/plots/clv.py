"""Figures of the CLV notebook: model checks, matrices, P(alive) history, value by decile.

These replace lifetimes' plotting functions that fail on pandas 3
(``plot_calibration_purchases_vs_holdout_purchases`` relies on the broken split,
``plot_history_alive``, ``plot_expected_repeat_purchases``) and follow the house rule:
every function takes an optional ``ax`` and returns it, with labelled axes and units.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from custlib.data.contract import require_columns
from custlib.i18n import check_lang, label
from custlib.plots.theme import new_ax, thousands

__all__ = ["plot_calibration_holdout", "plot_clv_by_segment", "plot_clv_deciles",
           "plot_matrix", "plot_p_alive_history", "plot_period_transactions",
           "plot_tracking"]

UNIT_LABELS: dict[str, dict[str, str]] = {
    "days": {"en": "days", "zh": "天"}, "weeks": {"en": "weeks", "zh": "周"},
    "months": {"en": "months", "zh": "月"},
}

LABELS: dict[str, dict[str, str]] = {
    "cal_title": {"en": "Calibration vs holdout: mean purchases in the holdout period",
                  "zh": "校准期与验证期:验证期平均购买次数"},
    "cal_x": {"en": "repeat purchases in the calibration period (last bar: or more)",
              "zh": "校准期重复购买次数(最后一组:及以上)"},
    "cal_y": {"en": "mean purchases per customer in the holdout period",
              "zh": "验证期人均购买次数"},
    "actual": {"en": "actual", "zh": "实际"},
    "model": {"en": "model", "zh": "模型"},
    "predicted": {"en": "predicted", "zh": "预测"},
    "track_cum": {"en": "Cumulative repeat transactions", "zh": "累计重复交易"},
    "track_inc": {"en": "Repeat transactions per period", "zh": "每期重复交易"},
    "track_y": {"en": "repeat transactions", "zh": "重复交易次数"},
    "holdout_starts": {"en": "holdout starts", "zh": "验证期开始"},
    "period": {"en": "period", "zh": "期"},
    "pt_title": {"en": "Customers by repeat purchases in the calibration period",
                 "zh": "按校准期重复购买次数划分的客户数"},
    "pt_x": {"en": "repeat purchases (last bar: or more)", "zh": "重复购买次数(最后一组:及以上)"},
    "customers": {"en": "customers", "zh": "客户数"},
    "m_expected": {"en": "Expected purchases in the next {h:g} {u}",
                   "zh": "未来 {h:g} {u}的预期购买次数"},
    "m_age": {"en": ", customers aged {T:.0f} {u}", "zh": "(客龄 {T:.0f} {u})"},
    "m_p_alive": {"en": "Probability of being alive, P(alive)", "zh": "客户存活概率 P(alive)"},
    "frequency": {"en": "frequency (repeat purchases)", "zh": "频率(重复购买次数)"},
    "recency": {"en": "recency: age at last purchase ({u})", "zh": "最近一次购买时的客龄({u})"},
    "hist_title": {"en": "P(alive) of customer {c} over time", "zh": "客户 {c} 的存活概率变化"},
    "purchase": {"en": "purchase", "zh": "购买"},
    "date": {"en": "date", "zh": "日期"},
    "dec_title": {"en": "Share of predicted future value by customer decile",
                  "zh": "各十分位客户的预测未来价值占比"},
    "dec_x": {"en": "customer decile by CLV (1 = top 10%)",
              "zh": "按 CLV 的客户十分位(1 = 前 10%)"},
    "dec_y": {"en": "share of total CLV (%)", "zh": "占 CLV 总额比例(%)"},
    "seg_title": {"en": "Customers and future value by segment",
                  "zh": "各细分的客户与未来价值占比"},
    "seg_x": {"en": "share (%)", "zh": "占比(%)"},
    "cust_share": {"en": "share of customers", "zh": "客户占比"},
    "value_share": {"en": "share of future value (CLV)", "zh": "未来价值(CLV)占比"},
}


def _u(unit: str, lang: str) -> str:
    return UNIT_LABELS.get(unit, {}).get(lang, unit)


def plot_calibration_holdout(table: pd.DataFrame, *, model_name: str = "", ax: Any = None,
                             lang: str = "en") -> Any:
    """Mean actual and predicted holdout purchases by calibration frequency.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`custlib.value.btyd.calibration_vs_holdout`.
    model_name : str
        Shown in the legend.
    ax : matplotlib.axes.Axes, optional
    lang : {'en', 'zh'}
    """
    check_lang(lang)
    require_columns(table, ["actual", "predicted"], "plot_calibration_holdout")
    ax = new_ax(ax)
    x = np.arange(len(table))
    ax.plot(x, table["actual"], "o-", color="black", label=label(LABELS, "actual", lang))
    ax.plot(x, table["predicted"], "s--", color="tab:blue",
            label=f"{label(LABELS, 'predicted', lang)} {model_name}".strip())
    ticks = [str(i) for i in table.index]
    ticks[-1] = ticks[-1] + "+"
    ax.set_xticks(x, ticks)
    ax.set(title=label(LABELS, "cal_title", lang), xlabel=label(LABELS, "cal_x", lang),
           ylabel=label(LABELS, "cal_y", lang))
    ax.legend()
    return ax


def plot_tracking(track: pd.DataFrame, *, cumulative: bool = True, model_name: str = "",
                  ax: Any = None, lang: str = "en") -> Any:
    """Repeat transactions over calibration and holdout, actual against the model.

    Parameters
    ----------
    track : pandas.DataFrame
        From :func:`custlib.value.btyd.tracking`.
    cumulative : bool, default True
        Cumulative totals, or per period.
    """
    check_lang(lang)
    require_columns(track, ["start", "actual", "expected", "holdout"], "plot_tracking")
    ax = new_ax(ax, figsize=(9, 4))
    a, e = ("cumulative_actual", "cumulative_expected") if cumulative else ("actual", "expected")
    ax.plot(track["start"], track[a], color="black", label=label(LABELS, "actual", lang))
    ax.plot(track["start"], track[e], "--", color="tab:blue",
            label=f"{label(LABELS, 'model', lang)} {model_name}".strip())
    if track["holdout"].any():
        first = track.loc[track["holdout"], "start"].iloc[0]
        ax.axvline(first, color="grey", linestyle=":")
        ax.annotate(label(LABELS, "holdout_starts", lang), (first, 0.95),
                    xycoords=("data", "axes fraction"), ha="left", va="top", fontsize=9,
                    color="grey", xytext=(4, 0), textcoords="offset points")
    unit = track.attrs.get("unit", "")
    ax.set(title=label(LABELS, "track_cum" if cumulative else "track_inc", lang)
           + (f" ({_u(unit, lang)})" if unit and not cumulative else ""),
           xlabel=label(LABELS, "date", lang), ylabel=label(LABELS, "track_y", lang))
    ax.yaxis.set_major_formatter(thousands())
    ax.legend()
    return ax


def plot_period_transactions(table: pd.DataFrame, *, ax: Any = None,
                             lang: str = "en") -> Any:
    """Customers by number of repeat purchases, actual against the fitted model.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`custlib.value.btyd.period_transactions`.
    """
    check_lang(lang)
    require_columns(table, ["actual", "model"], "plot_period_transactions")
    ax = new_ax(ax)
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["actual"], width=0.4, color="0.3", label=label(LABELS, "actual", lang))
    ax.bar(x + 0.2, table["model"], width=0.4, color="tab:blue",
           label=label(LABELS, "model", lang))
    ticks = [str(i) for i in table.index]
    ticks[-1] = ticks[-1] + "+"
    ax.set_xticks(x, ticks)
    ax.set(title=label(LABELS, "pt_title", lang), xlabel=label(LABELS, "pt_x", lang),
           ylabel=label(LABELS, "customers", lang))
    ax.yaxis.set_major_formatter(thousands())
    ax.legend()
    return ax


def plot_matrix(values: pd.DataFrame, *, kind: str = "expected", horizon: float = 1.0,
                unit: str = "weeks", ax: Any = None, lang: str = "en") -> Any:
    """The frequency/recency matrix (expected purchases) or the P(alive) matrix.

    Parameters
    ----------
    values : pandas.DataFrame
        From :func:`custlib.value.btyd.matrix`: rows frequency, columns recency.
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
    title = (label(LABELS, "m_expected", lang).format(h=horizon, u=_u(unit, lang))
             if kind == "expected" else label(LABELS, "m_p_alive", lang))
    cbar.set_label(title)
    if "T" in values.attrs:
        title += label(LABELS, "m_age", lang).format(T=values.attrs["T"], u=_u(unit, lang))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(title=title, xlabel=label(LABELS, "recency", lang).format(u=_u(unit, lang)),
           ylabel=label(LABELS, "frequency", lang))
    return ax


def plot_p_alive_history(history: pd.DataFrame, *, customer: Any = "", ax: Any = None,
                         lang: str = "en") -> Any:
    """One customer's P(alive) day by day, with their purchases marked.

    Parameters
    ----------
    history : pandas.DataFrame
        From :func:`custlib.value.btyd.p_alive_history`.
    customer : str
        Shown in the title.
    """
    check_lang(lang)
    require_columns(history, ["p_alive", "purchase"], "plot_p_alive_history")
    ax = new_ax(ax, figsize=(9, 3.5))
    ax.plot(history.index, history["p_alive"], color="tab:green")
    buys = history.index[history["purchase"].to_numpy()]
    for i, day in enumerate(buys):
        ax.axvline(day, color="0.4", linestyle="--", linewidth=0.8,
                   label=label(LABELS, "purchase", lang) if i == 0 else None)
    ax.set_ylim(0, 1.05)
    ax.set(title=label(LABELS, "hist_title", lang).format(c=customer),
           xlabel=label(LABELS, "date", lang), ylabel="P(alive)")
    ax.legend(loc="lower left")
    return ax


def plot_clv_deciles(deciles: pd.DataFrame, *, ax: Any = None, lang: str = "en") -> Any:
    """Share of total predicted value held by each decile of customers.

    Parameters
    ----------
    deciles : pandas.DataFrame
        From :func:`custlib.value.clv.clv_deciles` (same ``lang``).
    """
    from custlib.value.clv import LABELS as CLV_LABELS

    check_lang(lang)
    share = deciles[label(CLV_LABELS, "share", lang)] * 100
    ax = new_ax(ax)
    bars = ax.bar(share.index.astype(str), share, color="tab:blue")
    ax.bar_label(bars, fmt="%.0f%%", fontsize=8)
    ax.set(title=label(LABELS, "dec_title", lang), xlabel=label(LABELS, "dec_x", lang),
           ylabel=label(LABELS, "dec_y", lang))
    return ax


def plot_clv_by_segment(by_segment: pd.DataFrame, *, ax: Any = None, lang: str = "en") -> Any:
    """Share of customers and share of future value, segment by segment.

    Parameters
    ----------
    by_segment : pandas.DataFrame
        From :func:`custlib.value.clv.clv_by_segment` (same ``lang``).
    """
    from custlib.value.clv import LABELS as CLV_LABELS

    check_lang(lang)
    cust = by_segment[label(CLV_LABELS, "customer_share", lang)] * 100
    value = by_segment[label(CLV_LABELS, "share", lang)] * 100
    ax = new_ax(ax, figsize=(8, 0.45 * len(by_segment) + 1.5))
    y = np.arange(len(by_segment))
    ax.barh(y - 0.2, cust, height=0.4, color="0.6", label=label(LABELS, "cust_share", lang))
    ax.barh(y + 0.2, value, height=0.4, color="tab:blue",
            label=label(LABELS, "value_share", lang))
    ax.set_yticks(y, [str(i) for i in by_segment.index])
    ax.invert_yaxis()
    ax.set(title=label(LABELS, "seg_title", lang), xlabel=label(LABELS, "seg_x", lang))
    ax.legend(loc="lower right")
    return ax
