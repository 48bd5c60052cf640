"""Shared plotting helpers. Every function takes an optional ``ax`` and returns it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.i18n import check_lang, label

__all__ = ["new_ax", "plot_cleaning_waterfall", "thousands"]

LABELS: dict[str, dict[str, str]] = {
    "waterfall_rows": {"en": "Where the raw rows went", "zh": "原始行的去向"},
    "waterfall_revenue": {"en": "Where the raw revenue went", "zh": "原始收入的去向"},
    "rows": {"en": "rows", "zh": "行数"},
    "revenue": {"en": "revenue", "zh": "收入"},
}


def new_ax(ax: Any = None, figsize: tuple[float, float] = (8, 4)) -> Any:
    """Return ``ax``, or a new axes on a new constrained-layout figure.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
    figsize : tuple of float, default (8, 4)
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def thousands() -> Any:
    """A tick formatter that writes 1234567 as 1,234,567."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}")


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
    from custlib.data.cleaning import RULE_TEXT

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
    colors = ["#4C72B0" if k == "total" else ("#C44E52" if e < s else "#55A868")
              for k, s, e in zip(steps["kind"], steps["start"], steps["end"])]
    names = [RULE_TEXT.get(r, {}).get(lang, r) for r in steps["rule"]]
    bars = ax.bar(range(len(steps)), heights, bottom=bottoms, color=colors)
    for bar, (_, st) in zip(bars, steps.iterrows()):
        change = st["end"] - st["start"]
        text = f"{st['end']:,.0f}" if st["kind"] == "total" else f"{change:+,.0f}"
        ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height()),
                    ha="center", va="bottom", fontsize=8, xytext=(0, 2),
                    textcoords="offset points")
    ax.set_ylim(bottom=floor)
    if floor > 0:
        note = {"en": f"axis starts at {floor:,.0f}", "zh": f"纵轴起点为 {floor:,.0f}"}[lang]
        ax.text(1.0, 1.01, note, transform=ax.transAxes, ha="right", va="bottom",
                fontsize=8, color="0.4")
    ax.set_xticks(range(len(steps)), names, rotation=30, ha="right")
    unit = label(LABELS, measure, lang)
    if measure == "revenue" and currency:
        unit += f" ({currency})"
    ax.set_ylabel(unit)
    ax.set_title(label(LABELS, f"waterfall_{measure}", lang))
    ax.yaxis.set_major_formatter(thousands())
    ax.margins(y=0.12)
    return ax
