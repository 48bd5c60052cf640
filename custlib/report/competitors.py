"""Competitor analysis (竞争对手分析, a report section) from the business-context YAML.

The ``competitors`` list of the context file gives, per company, its market share, a
price level (1 cheap ... 5 premium), feature scores (1 ... 5) and a position on two
dimensions. Our own company is marked ``us: true`` and is highlighted in every figure.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.errors import DataError
from custlib.i18n import check_lang, label
from custlib.plots.theme import new_ax

__all__ = ["DIMENSIONS", "competitor_table", "dimension_label", "feature_table",
           "plot_features", "plot_market_share", "plot_positioning", "plot_prices"]

US_COLOR, OTHER_COLOR = "#d62728", "#7f7f7f"

LABELS: dict[str, dict[str, str]] = {
    "share_title": {"en": "Market share", "zh": "市场份额"},
    "share_x": {"en": "share of the market (%)", "zh": "市场份额(%)"},
    "feat_title": {"en": "Feature comparison (1 = weak, 5 = strong)",
                   "zh": "功能与服务对比(1 = 弱,5 = 强)"},
    "price_title": {"en": "Price level (1 = cheapest, 5 = most expensive)",
                    "zh": "价格水平(1 = 最便宜,5 = 最贵)"},
    "price_x": {"en": "price level", "zh": "价格水平"},
    "pos_title": {"en": "Brand positioning map", "zh": "品牌定位图"},
    "feature": {"en": "feature", "zh": "维度"},
    "company": {"en": "company", "zh": "公司"},
}


#: Names of common comparison dimensions in both languages; any other name is shown as
#: written in the context file (underscores as spaces).
DIMENSIONS: dict[str, dict[str, str]] = {
    "price": {"en": "price", "zh": "价格"}, "quality": {"en": "quality", "zh": "质量"},
    "range": {"en": "range", "zh": "品类丰富度"}, "delivery": {"en": "delivery", "zh": "配送"},
    "service": {"en": "service", "zh": "服务"},
    "online_experience": {"en": "online experience", "zh": "线上体验"},
    "convenience": {"en": "convenience", "zh": "便利性"}, "brand": {"en": "brand", "zh": "品牌"},
    "innovation": {"en": "innovation", "zh": "创新"}, "design": {"en": "design", "zh": "设计"},
    "sustainability": {"en": "sustainability", "zh": "可持续性"},
}


def dimension_label(name: str, lang: str = "en") -> str:
    """A comparison dimension as people read it, in ``lang``.

    Examples
    --------
    >>> dimension_label("online_experience", "zh"), dimension_label("eco_score")
    ('线上体验', 'eco score')
    """
    return label(DIMENSIONS, name, lang).replace("_", " ")


def competitor_table(context: dict[str, Any]) -> pd.DataFrame | None:
    """The competitors of the context file as a table (None when there are none).

    Returns
    -------
    pandas.DataFrame or None
        Index ``company``; ``us`` (bool), ``market_share``, ``price_level`` and one
        ``pos_<dimension>`` column per positioning dimension.

    Raises
    ------
    DataError
        A competitor without a name, or a share outside 0-1 (the entry is named).
    """
    entries = context.get("competitors") or []
    if not entries:
        return None
    rows = []
    for i, c in enumerate(entries):
        if not isinstance(c, dict) or not c.get("name"):
            raise DataError(f"context: competitor #{i + 1} has no 'name'; expected entries "
                            "such as {name: MegaHome, market_share: 0.24, price_level: 2}")
        share = c.get("market_share")
        if share is not None and not (isinstance(share, (int, float)) and 0 <= share <= 1):
            raise DataError(f"context: competitor {c['name']!r} has market_share {share!r}; "
                            "expected a share between 0 and 1 (0.24 for 24%)")
        row = {"company": str(c["name"]), "us": bool(c.get("us", False)),
               "market_share": share, "price_level": c.get("price_level")}
        for k, v in (c.get("positioning") or {}).items():
            row[f"pos_{k}"] = v
        rows.append(row)
    return pd.DataFrame(rows).set_index("company")


def feature_table(context: dict[str, Any]) -> pd.DataFrame | None:
    """Feature scores: rows companies, columns features (None without features)."""
    entries = [c for c in (context.get("competitors") or []) if c.get("features")]
    if not entries:
        return None
    return pd.DataFrame({str(c["name"]): c["features"] for c in entries}).T.rename_axis(
        "company")


def _colors(index: pd.Index, table: pd.DataFrame) -> list[str]:
    return [US_COLOR if table.loc[i, "us"] else OTHER_COLOR for i in index]


def plot_market_share(table: pd.DataFrame, *, ax: Any = None, lang: str = "en") -> Any:
    """Horizontal bars of market share, our company in red, the rest of the market noted."""
    check_lang(lang)
    data = table["market_share"].dropna().sort_values()
    ax = new_ax(ax, figsize=(7, 0.45 * len(data) + 1.5))
    bars = ax.barh(data.index, data * 100, color=_colors(data.index, table))
    ax.bar_label(bars, fmt="%.0f%%", fontsize=8, padding=2)
    rest = 1 - float(data.sum())
    title = label(LABELS, "share_title", lang)
    if rest > 0.005:
        title += (f" (others: {rest:.0%})" if lang == "en" else f"(其他:{rest:.0%})")
    ax.set(title=title, xlabel=label(LABELS, "share_x", lang))
    return ax


def plot_features(features: pd.DataFrame, table: pd.DataFrame | None = None, *,
                  ax: Any = None, lang: str = "en") -> Any:
    """Heat map of feature scores, our company's row labelled in red."""
    check_lang(lang)
    ax = new_ax(ax, figsize=(8, 0.5 * len(features) + 2))
    values = features.to_numpy(dtype=float)
    img = ax.imshow(values, cmap="RdYlGn", vmin=1, vmax=5, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=9)
    ax.set_xticks(range(features.shape[1]),
                  [dimension_label(str(c), lang) for c in features.columns],
                  rotation=30, ha="right")
    ax.set_yticks(range(features.shape[0]), features.index)
    if table is not None:
        for tick, name in zip(ax.get_yticklabels(), features.index, strict=True):
            if name in table.index and table.loc[name, "us"]:
                tick.set_color(US_COLOR)
    ax.figure.colorbar(img, ax=ax)
    ax.set(title=label(LABELS, "feat_title", lang))
    return ax


def plot_prices(table: pd.DataFrame, *, ax: Any = None, lang: str = "en") -> Any:
    """Bars of each company's price level, our company in red."""
    check_lang(lang)
    data = table["price_level"].dropna().sort_values()
    ax = new_ax(ax, figsize=(7, 0.45 * len(data) + 1.5))
    ax.barh(data.index, data, color=_colors(data.index, table))
    ax.set(title=label(LABELS, "price_title", lang), xlabel=label(LABELS, "price_x", lang),
           xlim=(0, 5.5))
    return ax


def plot_positioning(table: pd.DataFrame, x: str = "price", y: str = "quality", *,
                     ax: Any = None, lang: str = "en") -> Any:
    """The brand positioning map on two chosen dimensions; bubble size = market share.

    Raises
    ------
    DataError
        A dimension no competitor has (the available ones are listed).
    """
    check_lang(lang)
    dims = [c[4:] for c in table.columns if c.startswith("pos_")]
    for d in (x, y):
        if d not in dims:
            raise DataError(f"positioning dimension {d!r} is not in the context file; "
                            f"expected one of {dims}")
    ax = new_ax(ax, figsize=(7, 6))
    share = table["market_share"].fillna(0.05).astype(float)
    ax.scatter(table[f"pos_{x}"], table[f"pos_{y}"], s=200 + 3000 * share,
               c=_colors(table.index, table), alpha=0.6, edgecolors="black")
    for name, row in table.iterrows():
        ax.annotate(name, (row[f"pos_{x}"], row[f"pos_{y}"]), ha="center", va="bottom",
                    xytext=(0, 12), textcoords="offset points", fontsize=9,
                    color=US_COLOR if row["us"] else "black")
    ax.axvline(3, color="0.8", lw=1)
    ax.axhline(3, color="0.8", lw=1)
    scale = {"en": " (1 = low, 5 = high)", "zh": "(1 = 低,5 = 高)"}[lang]
    ax.set(title=label(LABELS, "pos_title", lang), xlabel=dimension_label(x, lang) + scale,
           ylabel=dimension_label(y, lang) + scale, xlim=(0.5, 5.5), ylim=(0.5, 5.5))
    return ax
