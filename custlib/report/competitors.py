"""Competitor analysis (竞争对手分析, a report section) from the business-context YAML.

The ``competitors`` list of the context file gives, per company, its market share, a
price level (1 cheap ... 5 premium), feature scores (1 ... 5) and a position on two
dimensions. Our own company is marked ``us: true`` and is highlighted in every figure
(:mod:`custlib.plots.report`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from custlib.errors import DataError
from custlib.i18n import label

__all__ = ["competitor_table", "dimension_label", "feature_table"]


def dimension_label(name: str, lang: str = "en") -> str:
    """A comparison dimension as people read it, in ``lang``.

    Common dimensions are named in the catalogs (``report.dimension``); any other name is
    shown as written in the context file, underscores as spaces.

    Examples
    --------
    >>> dimension_label("online_experience", "zh"), dimension_label("eco_score")
    ('线上体验', 'eco score')
    """
    return label("report.dimension", name, lang).replace("_", " ")


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
