"""Figures of notebook 04: stages over time, transitions, new vs returning, cohorts and
survival. Every function takes an optional ``ax`` and returns it; labels in en or zh.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.i18n import check_lang, label
from custlib.lifecycle.stages import STAGES, stage_name
from custlib.plots.theme import new_ax, thousands

__all__ = ["plot_cohort_clv", "plot_cohort_revenue", "plot_cumulative_revenue", "plot_flow",
           "plot_gaps",
           "plot_new_vs_returning", "plot_retention", "plot_stage_counts", "plot_survival",
           "plot_transitions"]

#: one colour per stage, from good (greens, blues) to lost (greys, reds)
STAGE_COLORS: dict[str, str] = {
    "potential": "#c7c7c7", "new": "#9ecae1", "active": "#4292c6", "loyal": "#08519c",
    "at_risk": "#fdae6b", "reactivated": "#74c476", "dormant": "#e6550d", "churned": "#7f2704",
}

LABELS: dict[str, dict[str, str]] = {
    "stages_title": {"en": "Customers by lifecycle stage", "zh": "各生命周期阶段的客户数"},
    "customers": {"en": "customers", "zh": "客户数"},
    "snapshot": {"en": "snapshot (end of period)", "zh": "快照日期(期末)"},
    "trans_title": {"en": "Where customers in each stage went by the next snapshot (row %)",
                    "zh": "各阶段客户到下一期的去向(行百分比)"},
    "from": {"en": "stage at a snapshot", "zh": "本期阶段"},
    "to": {"en": "stage at the next snapshot", "zh": "下一期阶段"},
    "flow_title": {"en": "Stage flows from {a} to {b}", "zh": "{a} 至 {b} 的阶段流转"},
    "nvr_title": {"en": "{m} by kind of customer", "zh": "按客户类型划分的{m}"},
    "period": {"en": "period", "zh": "期间"},
    "ret_title": {"en": "Retention: share of each cohort buying, by months since acquisition",
                  "zh": "留存率:各获客月份群组在获客后各月的购买比例"},
    "cohort": {"en": "acquisition cohort (first purchase)", "zh": "获客群组(首次购买月份)"},
    "age": {"en": "periods since acquisition", "zh": "获客后期数"},
    "rev_title": {"en": "Revenue by acquisition cohort", "zh": "各获客群组贡献的收入"},
    "revenue": {"en": "revenue", "zh": "收入"},
    "cum_title": {"en": "Cumulative revenue per acquired customer",
                  "zh": "每位获客客户的累计收入"},
    "per_customer": {"en": "revenue per customer", "zh": "人均收入"},
    "surv_title": {"en": "Customer lifetime (Kaplan-Meier)", "zh": "客户生命周期(Kaplan-Meier)"},
    "surv_x": {"en": "days from first purchase", "zh": "自首次购买起的天数"},
    "surv_y": {"en": "share still customers", "zh": "仍为客户的比例"},
    "all": {"en": "all customers", "zh": "全部客户"},
    "clv_title": {"en": "Mean predicted CLV by acquisition cohort",
                  "zh": "各获客群组的平均预测 CLV"},
    "mean_clv": {"en": "mean CLV", "zh": "平均 CLV"},
}


def _bar_width(index: pd.Index) -> float:
    """80% of the usual spacing of a date index, in days (matplotlib's date unit)."""
    if len(index) < 2:
        return 20.0
    return 0.8 * float(pd.Series(index).diff().dt.days.median())


def _money(text: str, currency: str) -> str:
    return f"{text} ({currency})" if currency else text


def plot_stage_counts(counts: pd.DataFrame, *, ax: Any = None, lang: str = "en") -> Any:
    """Stacked areas of customers in each stage at each snapshot.

    Parameters
    ----------
    counts : pandas.DataFrame
        From :func:`custlib.lifecycle.stages.stage_counts` (same ``lang``).
    """
    check_lang(lang)
    ax = new_ax(ax, figsize=(9, 4.5))
    colors = [STAGE_COLORS[s] for s in STAGES if stage_name(s, lang) in counts.columns]
    ax.stackplot(counts.index, counts.T.to_numpy(), labels=list(counts.columns), colors=colors)
    ax.set(title=label(LABELS, "stages_title", lang), xlabel=label(LABELS, "snapshot", lang),
           ylabel=label(LABELS, "customers", lang))
    ax.yaxis.set_major_formatter(thousands())
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    return ax


def plot_transitions(shares: pd.DataFrame, *, ax: Any = None, lang: str = "en") -> Any:
    """Heat map of the transition matrix (row shares), annotated in %.

    Parameters
    ----------
    shares : pandas.DataFrame
        :func:`custlib.lifecycle.stages.transition_matrix` with ``normalize=True``.
    """
    check_lang(lang)
    ax = new_ax(ax, figsize=(8, 6))
    values = shares.to_numpy(dtype=float) * 100
    img = ax.imshow(values, cmap="Blues", vmin=0, vmax=100)
    for (i, j), v in np.ndenumerate(values):
        if v == v and v >= 0.5:
            ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=8,
                    color="white" if v > 60 else "black")
    ax.set_xticks(range(len(shares.columns)), shares.columns, rotation=45, ha="right")
    ax.set_yticks(range(len(shares.index)), shares.index)
    ax.figure.colorbar(img, ax=ax, label="%")
    ax.set(title=label(LABELS, "trans_title", lang), xlabel=label(LABELS, "to", lang),
           ylabel=label(LABELS, "from", lang))
    return ax


def plot_flow(snapshots: pd.DataFrame, start: Any, end: Any, *, ax: Any = None,
              lang: str = "en") -> Any:
    """An alluvial diagram of customers moving between stages from ``start`` to ``end``.

    Parameters
    ----------
    snapshots : pandas.DataFrame
        From :meth:`custlib.lifecycle.stages.LifecycleStager.snapshots`.
    start, end : date
        Two snapshot dates.
    """
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    from custlib.lifecycle.stages import transition_matrix

    check_lang(lang)
    counts = transition_matrix(snapshots, between=(start, end), lang=lang)
    ax = new_ax(ax, figsize=(8, 6))
    total = counts.to_numpy().sum()
    gap = total * 0.02
    names = list(counts.index)
    colors = {stage_name(s, lang): STAGE_COLORS[s] for s in STAGES}

    def stacks(sizes: np.ndarray) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(sizes + gap)[:-1]])

    left_sizes, right_sizes = counts.sum(axis=1).to_numpy(), counts.sum(axis=0).to_numpy()
    left_y, right_y = stacks(left_sizes), stacks(right_sizes)
    lo, ro = left_y.copy(), right_y.copy()
    for i, a in enumerate(names):
        for j in range(len(names)):
            v = counts.iloc[i, j]
            if v <= 0:
                continue
            verts = [(0.1, lo[i]), (0.5, lo[i]), (0.5, ro[j]), (0.9, ro[j]),
                     (0.9, ro[j] + v), (0.5, ro[j] + v), (0.5, lo[i] + v), (0.1, lo[i] + v),
                     (0.1, lo[i])]
            codes = [MPath.MOVETO, MPath.CURVE4, MPath.CURVE4, MPath.CURVE4, MPath.LINETO,
                     MPath.CURVE4, MPath.CURVE4, MPath.CURVE4, MPath.CLOSEPOLY]
            ax.add_patch(PathPatch(MPath(verts, codes), facecolor=colors[a], alpha=0.45,
                                   edgecolor="none"))
            lo[i] += v
            ro[j] += v
    for x, ys, sizes in ((0.0, left_y, left_sizes), (0.9, right_y, right_sizes)):
        for y, size, name in zip(ys, sizes, names, strict=True):
            if size <= 0:
                continue
            ax.add_patch(plt_rect(x, y, 0.1, size, colors[name]))
            ax.text(x - 0.01 if x == 0 else x + 0.11, y + size / 2, f"{name} ({size:,.0f})",
                    ha="right" if x == 0 else "left", va="center", fontsize=8)
    ax.set_xlim(-0.45, 1.45)
    ax.set_ylim(max(left_y[-1] + left_sizes[-1], right_y[-1] + right_sizes[-1]), -gap)
    ax.axis("off")
    a, b = (pd.Timestamp(x).strftime("%Y-%m-%d") for x in (start, end))
    ax.set_title(label(LABELS, "flow_title", lang).format(a=a, b=b))
    return ax


def plt_rect(x: float, y: float, w: float, h: float, color: str) -> Any:
    """A filled rectangle patch (a node of the flow diagram)."""
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, facecolor=color, edgecolor="white")


def plot_new_vs_returning(table: pd.DataFrame, *, measure: str = "revenue", ax: Any = None,
                          lang: str = "en", currency: str = "") -> Any:
    """Stacked bars of each period's customers or revenue: new, returning, reactivated.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`custlib.lifecycle.stages.new_vs_returning` (same ``lang``).
    measure : {'revenue', 'customers'}
    """
    check_lang(lang)
    key = {"revenue": {"en": "revenue", "zh": "收入"},
           "customers": {"en": "customers", "zh": "客户数"}}[measure][lang]
    data = table[key]
    ax = new_ax(ax, figsize=(9, 4))
    bottom = np.zeros(len(data))
    width = _bar_width(data.index)
    for col, color in zip(data.columns, ["#9ecae1", "#08519c", "#74c476"], strict=False):
        ax.bar(data.index, data[col], bottom=bottom, width=width, color=color, label=col)
        bottom += data[col].to_numpy()
    ylab = _money(key, currency) if measure == "revenue" else key
    ax.set(title=label(LABELS, "nvr_title", lang).format(m=key),
           xlabel=label(LABELS, "period", lang), ylabel=ylab)
    ax.yaxis.set_major_formatter(thousands())
    ax.legend()
    return ax


def plot_retention(retention: pd.DataFrame, *, max_age: int = 24, ax: Any = None,
                   lang: str = "en") -> Any:
    """Heat map of cohort retention (share of each cohort buying, by age).

    Parameters
    ----------
    retention : pandas.DataFrame
        From :func:`custlib.lifecycle.cohorts.cohort_retention`.
    max_age : int, default 24
        Ages shown.
    """
    check_lang(lang)
    data = retention.loc[:, [c for c in retention.columns if c <= max_age]] * 100
    ax = new_ax(ax, figsize=(10, 0.18 * len(data) + 2))
    show = data.copy()
    show[0] = np.nan  # 100% by definition; keep the colour scale for later periods
    img = ax.imshow(show.to_numpy(dtype=float), cmap="YlGnBu", aspect="auto", vmin=0)
    ax.set_xticks(range(len(data.columns)), data.columns)
    step = max(1, len(data) // 12)
    ax.set_yticks(range(0, len(data), step), [d.strftime("%Y-%m") for d in data.index[::step]])
    ax.figure.colorbar(img, ax=ax, label="%")
    ax.set(title=label(LABELS, "ret_title", lang), xlabel=label(LABELS, "age", lang),
           ylabel=label(LABELS, "cohort", lang))
    return ax


def plot_cohort_revenue(revenue: pd.DataFrame, *, ax: Any = None, lang: str = "en",
                        currency: str = "") -> Any:
    """Stacked areas of each period's revenue by acquisition cohort (older cohorts darker).

    Parameters
    ----------
    revenue : pandas.DataFrame
        From :func:`custlib.lifecycle.cohorts.cohort_revenue`.
    """
    import matplotlib as mpl

    check_lang(lang)
    ax = new_ax(ax, figsize=(9, 4))
    cmap = mpl.colormaps["viridis"]
    colors = [cmap(i / max(len(revenue.columns) - 1, 1)) for i in range(len(revenue.columns))]
    ax.stackplot(revenue.index, revenue.T.to_numpy(), colors=colors)
    sm = mpl.cm.ScalarMappable(cmap=cmap, norm=mpl.colors.Normalize(0, len(revenue.columns)))
    cbar = ax.figure.colorbar(sm, ax=ax)
    ticks = np.linspace(0, len(revenue.columns) - 1, min(5, len(revenue.columns))).astype(int)
    cbar.set_ticks(ticks + 0.5, labels=[revenue.columns[i].strftime("%Y-%m") for i in ticks])
    cbar.set_label(label(LABELS, "cohort", lang))
    ax.set(title=label(LABELS, "rev_title", lang), xlabel=label(LABELS, "period", lang),
           ylabel=_money(label(LABELS, "revenue", lang), currency))
    ax.yaxis.set_major_formatter(thousands())
    return ax


def plot_cumulative_revenue(cumulative: pd.DataFrame, *, ax: Any = None, lang: str = "en",
                            currency: str = "") -> Any:
    """One line per cohort: cumulative revenue per acquired customer by age.

    Parameters
    ----------
    cumulative : pandas.DataFrame
        From :func:`custlib.lifecycle.cohorts.cohort_cumulative_revenue`.
    """
    import matplotlib as mpl

    check_lang(lang)
    ax = new_ax(ax, figsize=(9, 4))
    cmap = mpl.colormaps["viridis"]
    n = len(cumulative)
    for i, (cohort, row) in enumerate(cumulative.iterrows()):
        ax.plot(row.index, row.to_numpy(dtype=float), color=cmap(i / max(n - 1, 1)), lw=1,
                label=cohort.strftime("%Y-%m") if i in (0, n - 1) else None)
    ax.plot(cumulative.columns, cumulative.mean().to_numpy(), color="black", lw=2.5,
            label={"en": "mean of cohorts", "zh": "群组平均"}[lang])
    ax.set(title=label(LABELS, "cum_title", lang), xlabel=label(LABELS, "age", lang),
           ylabel=_money(label(LABELS, "per_customer", lang), currency))
    ax.yaxis.set_major_formatter(thousands())
    ax.legend(fontsize=8)
    return ax


def plot_survival(curves: dict[str, pd.DataFrame] | pd.DataFrame, *, ax: Any = None,
                  lang: str = "en", ci: bool = True) -> Any:
    """Kaplan-Meier curves as steps, with pointwise intervals.

    Parameters
    ----------
    curves : DataFrame or dict of str to DataFrame
        From :func:`custlib.lifecycle.cohorts.kaplan_meier` or
        :func:`custlib.lifecycle.cohorts.survival_by`.
    ci : bool, default True
        Shade the confidence intervals.
    """
    check_lang(lang)
    if isinstance(curves, pd.DataFrame):
        curves = {label(LABELS, "all", lang): curves}
    ax = new_ax(ax, figsize=(8, 4.5))
    for name, c in curves.items():
        med = c.attrs.get("median")
        text = name if med is None else (
            f"{name} (median {med:.0f} d)" if lang == "en" else f"{name}(中位数 {med:.0f} 天)")
        line = ax.step(c.index, c["survival"], where="post", label=text)[0]
        if ci:
            ax.fill_between(c.index, c["ci_low"], c["ci_high"], step="post", alpha=0.15,
                            color=line.get_color())
    ax.set(title=label(LABELS, "surv_title", lang), xlabel=label(LABELS, "surv_x", lang),
           ylabel=label(LABELS, "surv_y", lang), ylim=(0, 1.02))
    ax.legend(fontsize=8)
    return ax


def plot_cohort_clv(table: pd.DataFrame, *, ax: Any = None, lang: str = "en",
                    currency: str = "") -> Any:
    """Bars of the mean predicted CLV of each acquisition cohort.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`custlib.lifecycle.cohorts.cohort_clv`.
    """
    check_lang(lang)
    ax = new_ax(ax, figsize=(9, 4))
    ax.bar(table.index, table["mean_clv"], width=_bar_width(table.index), color="tab:blue")
    ax.set(title=label(LABELS, "clv_title", lang), xlabel=label(LABELS, "cohort", lang),
           ylabel=_money(label(LABELS, "mean_clv", lang), currency))
    return ax


def plot_gaps(gaps: pd.Series, *, active_days: float, churn_days: float, ax: Any = None,
              lang: str = "en") -> Any:
    """Histogram of the days between repeat purchases, with the thresholds marked.

    Parameters
    ----------
    gaps : pandas.Series
        :attr:`custlib.lifecycle.stages.LifecycleStager.gaps_`.
    active_days, churn_days : float
        The thresholds in use.
    """
    check_lang(lang)
    ax = new_ax(ax, figsize=(8, 4))
    upper = max(float(gaps.quantile(0.99)), churn_days * 1.1) if len(gaps) else churn_days * 1.1
    ax.hist(gaps.clip(upper=upper), bins=60, color="0.6")
    for x, key, color in ((active_days, "active", "tab:blue"), (churn_days, "churn", "tab:red")):
        ax.axvline(x, color=color, linestyle="--")
        text = {"active": {"en": "dormant after {d:.0f} d", "zh": "{d:.0f} 天后沉睡"},
                "churn": {"en": "churned after {d:.0f} d", "zh": "{d:.0f} 天后流失"}}[key][lang]
        ax.annotate(text.format(d=x), (x, 0.95), xycoords=("data", "axes fraction"),
                    xytext=(4, 0), textcoords="offset points", color=color, fontsize=9,
                    va="top")
    ax.set(title={"en": "Days between a customer's consecutive purchases",
                  "zh": "同一客户相邻两次购买的间隔天数"}[lang],
           xlabel={"en": "days (last bar: that many or more)",
                   "zh": "天数(最后一组:及以上)"}[lang],
           ylabel={"en": "repeat purchases", "zh": "复购次数"}[lang])
    ax.yaxis.set_major_formatter(thousands())
    return ax
