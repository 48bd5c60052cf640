"""Figures of notebook 04, the customer lifecycle.

Stages over time, transitions, new vs returning, cohorts and survival. Every function takes
an optional ``ax`` and returns it; titles and axes are in the language asked for, from the
catalog ``lifecycle.yaml`` (``figure.*``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.errors import check_choice
from custlib.i18n import check_lang, t
from custlib.lifecycle.stages import STAGES, stage_name
from custlib.plots.theme import BLUE, LABEL_SIZE, RED, new_ax, percent, thousands, with_unit

__all__ = ["plot_cohort_clv", "plot_cohort_revenue", "plot_cumulative_revenue", "plot_flow",
           "plot_gaps", "plot_new_vs_returning", "plot_retention", "plot_stage_counts",
           "plot_survival", "plot_transitions", "retention_limits"]

#: one colour per stage, from good (greens, blues) to lost (greys, reds)
STAGE_COLORS: dict[str, str] = {
    "potential": "#c7c7c7", "new": "#9ecae1", "active": "#4292c6", "loyal": "#08519c",
    "at_risk": "#fdae6b", "reactivated": "#74c476", "dormant": "#e6550d", "churned": "#7f2704",
}

def _bar_width(index: pd.Index) -> float:
    """80% of the usual spacing of a date index, in days (matplotlib's date unit)."""
    if len(index) < 2:
        return 20.0
    return 0.8 * float(pd.Series(index).diff().dt.days.median())



def plot_stage_counts(counts: pd.DataFrame, *, ax: Any = None, lang: str = "en") -> Any:
    """Stacked areas of customers in each stage at each snapshot.

    Parameters
    ----------
    counts : pandas.DataFrame
        From :func:`custlib.lifecycle.transitions.stage_counts` (same ``lang``).
    """
    check_lang(lang)
    ax = new_ax(ax, figsize=(7, 3.8))
    colors = [STAGE_COLORS[s] for s in STAGES if stage_name(s, lang) in counts.columns]
    ax.stackplot(counts.index, counts.T.to_numpy(), labels=list(counts.columns), colors=colors)
    ax.set(title=t("lifecycle.figure.stages_title", lang),
           xlabel=t("lifecycle.figure.snapshot", lang),
           ylabel=t("lifecycle.figure.customers", lang))
    ax.yaxis.set_major_formatter(thousands())
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=3, frameon=False)
    return ax


def plot_transitions(shares: pd.DataFrame, *, ax: Any = None, lang: str = "en") -> Any:
    """Heat map of the transition matrix (row shares), annotated in %.

    Parameters
    ----------
    shares : pandas.DataFrame
        :func:`custlib.lifecycle.transitions.transition_matrix` with ``normalize=True``.
    """
    check_lang(lang)
    ax = new_ax(ax, figsize=(8, 6))
    values = shares.to_numpy(dtype=float) * 100
    img = ax.imshow(values, cmap="Blues", vmin=0, vmax=100)
    for (i, j), v in np.ndenumerate(values):
        if v == v and v >= 0.5:
            ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=LABEL_SIZE,
                    color="white" if v > 60 else "black")
    ax.set_xticks(range(len(shares.columns)), shares.columns, rotation=45, ha="right")
    ax.set_yticks(range(len(shares.index)), shares.index)
    ax.figure.colorbar(img, ax=ax, format=percent(100))
    ax.set(title=t("lifecycle.figure.trans_title", lang), xlabel=t("lifecycle.figure.to", lang),
           ylabel=t("lifecycle.figure.from", lang))
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

    from custlib.lifecycle.transitions import transition_matrix

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
                    ha="right" if x == 0 else "left", va="center", fontsize=LABEL_SIZE)
    ax.set_xlim(-0.45, 1.45)
    ax.set_ylim(max(left_y[-1] + left_sizes[-1], right_y[-1] + right_sizes[-1]), -gap)
    ax.axis("off")
    a, b = (pd.Timestamp(x).strftime("%Y-%m-%d") for x in (start, end))
    ax.set_title(t("lifecycle.figure.flow_title", lang, a=a, b=b))
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
        From :func:`custlib.lifecycle.transitions.new_vs_returning` (same ``lang``).
    measure : {'revenue', 'customers'}
    """
    check_lang(lang)
    check_choice("measure", measure, ("revenue", "customers"))
    key = t(f"lifecycle.balance.{measure}", lang)
    data = table[key]
    ax = new_ax(ax, figsize=(9, 4))
    bottom = np.zeros(len(data))
    width = _bar_width(data.index)
    for col, color in zip(data.columns, ["#9ecae1", "#08519c", "#74c476"], strict=False):
        ax.bar(data.index, data[col], bottom=bottom, width=width, color=color, label=col)
        bottom += data[col].to_numpy()
    ylab = with_unit(key, currency, lang) if measure == "revenue" else key
    ax.set(title=t("lifecycle.figure.nvr_title", lang, m=key),
           xlabel=t("lifecycle.figure.period", lang), ylabel=ylab)
    ax.yaxis.set_major_formatter(thousands())
    ax.legend()
    return ax


def retention_limits(retention: pd.DataFrame, *, max_age: int = 24,
                     quantile: float = 0.95) -> tuple[float, float]:
    """The colour limits of :func:`plot_retention`, in %: 0 and the top of months 1 on.

    Month 0 is 100% by definition and does not set the scale; nor does the odd tiny
    cohort where one customer in three came back: the top is the ``quantile`` of the cells
    from month 1 to ``max_age`` (cells above it take the top colour), at least 0.1 point.
    On a log where 1-3% of customers buy again the scale runs to about 3%, not 100%.

    Examples
    --------
    >>> table = pd.DataFrame({0: [1.0, 1.0], 1: [0.02, 0.03], 2: [0.01, np.nan]})
    >>> retention_limits(table, quantile=1.0)
    (0.0, 3.0)
    """
    later = retention.loc[:, [c for c in retention.columns if 1 <= c <= max_age]]
    cells = later.to_numpy(dtype=float).ravel() * 100
    cells = cells[np.isfinite(cells)]
    top = float(np.quantile(cells, quantile)) if len(cells) else 0.0
    return 0.0, round(max(top, 0.1), 6)


def plot_retention(retention: pd.DataFrame, *, max_age: int = 24, ax: Any = None,
                   lang: str = "en") -> Any:
    """Heat map of cohort retention (share of each cohort buying, by age).

    The colours are scaled on months 1 on (:func:`retention_limits`): month 0, 100% by
    definition, is drawn grey and labelled, so a log with few repeat buyers still shows
    which cohorts come back more.

    Parameters
    ----------
    retention : pandas.DataFrame
        From :func:`custlib.lifecycle.cohorts.cohort_retention`.
    max_age : int, default 24
        Ages shown.

    Returns
    -------
    matplotlib.axes.Axes
        The image is ``ax.images[0]``; its limits are :func:`retention_limits`.
    """
    check_lang(lang)
    data = retention.loc[:, [c for c in retention.columns if c <= max_age]] * 100
    ax = new_ax(ax, figsize=(7, min(5.0, 0.12 * len(data) + 2)))
    show = data.copy()
    if 0 in show.columns:
        show[0] = np.nan  # 100% by definition: grey, outside the colour scale
        ax.axvspan(-0.5, 0.5, color="0.88", zorder=0)
    low, high = retention_limits(retention, max_age=max_age)
    img = ax.imshow(show.to_numpy(dtype=float), cmap="YlGnBu", aspect="auto", vmin=low,
                    vmax=high, zorder=1)
    ticks = [f"{c}\n(100%)" if c == 0 else str(c) for c in data.columns]
    ax.set_xticks(range(len(data.columns)), ticks)
    step = max(1, len(data) // 12)
    ax.set_yticks(range(0, len(data), step), [d.strftime("%Y-%m") for d in data.index[::step]])
    over = bool(np.nanmax(show.to_numpy(dtype=float), initial=0.0) > high)
    ax.figure.colorbar(img, ax=ax, format=percent(100), extend="max" if over else "neither")
    ax.set(title=t("lifecycle.figure.ret_title", lang), xlabel=t("lifecycle.figure.age", lang),
           ylabel=t("lifecycle.figure.cohort", lang))
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
    cbar.set_label(t("lifecycle.figure.cohort", lang))
    ax.set(title=t("lifecycle.figure.rev_title", lang), xlabel=t("lifecycle.figure.period", lang),
           ylabel=with_unit(t("lifecycle.figure.revenue", lang), currency, lang))
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
            label=t("lifecycle.figure.mean_of_cohorts", lang))
    ax.set(title=t("lifecycle.figure.cum_title", lang), xlabel=t("lifecycle.figure.age", lang),
           ylabel=with_unit(t("lifecycle.figure.per_customer", lang), currency, lang))
    ax.yaxis.set_major_formatter(thousands())
    ax.legend()
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
        curves = {t("lifecycle.figure.all", lang): curves}
    ax = new_ax(ax, figsize=(8, 4.5))
    for name, c in curves.items():
        med = c.attrs.get("median")
        text = name if med is None else t("lifecycle.figure.with_median", lang, name=name,
                                          days=f"{med:.0f}")
        line = ax.step(c.index, c["survival"], where="post", label=text)[0]
        if ci:
            ax.fill_between(c.index, c["ci_low"], c["ci_high"], step="post", alpha=0.15,
                            color=line.get_color())
    ax.set(title=t("lifecycle.figure.surv_title", lang), xlabel=t("lifecycle.figure.surv_x", lang),
           ylabel=t("lifecycle.figure.surv_y", lang), ylim=(0, 1.02))
    ax.legend()
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
    ax.bar(table.index, table["mean_clv"], width=_bar_width(table.index), color=BLUE)
    ax.set(title=t("lifecycle.figure.clv_title", lang), xlabel=t("lifecycle.figure.cohort", lang),
           ylabel=with_unit(t("lifecycle.figure.mean_clv", lang), currency, lang))
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
    marks = ((active_days, t("lifecycle.figure.dormant_after", lang, days=f"{active_days:.0f}"),
              BLUE),
             (churn_days, t("lifecycle.figure.churned_after", lang, days=f"{churn_days:.0f}"),
              RED))
    for x, text, color in marks:
        ax.axvline(x, color=color, linestyle="--")
        ax.annotate(text, (x, 0.95), xycoords=("data", "axes fraction"),
                    xytext=(4, 0), textcoords="offset points", color=color, fontsize=LABEL_SIZE,
                    va="top")
    ax.set(title=t("lifecycle.figure.gaps_title", lang), xlabel=t("lifecycle.figure.gaps_x", lang),
           ylabel=t("lifecycle.figure.gaps_y", lang))
    ax.yaxis.set_major_formatter(thousands())
    return ax
