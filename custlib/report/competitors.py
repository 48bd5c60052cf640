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

__all__ = ["chart_sentences", "competitor_table", "dimension_label", "feature_table"]


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


def chart_sentences(rivals: pd.DataFrame, features: pd.DataFrame | None = None, *,
                    x: str = "price", y: str = "quality", lang: str = "en") -> dict[str, str]:
    """One sentence per competitor chart on what it shows for our company, in ``lang``.

    Parameters
    ----------
    rivals : pandas.DataFrame
        :func:`competitor_table`; our company is the row marked ``us`` (without one, each
        sentence describes the market instead).
    features : pandas.DataFrame, optional
        :func:`feature_table`.
    x, y : str, default 'price', 'quality'
        The positioning map's dimensions.
    lang : {'en', 'zh'}

    Returns
    -------
    dict
        ``market_share``, ``features``, ``prices``, ``positioning``: a sentence each,
        for the charts that have their data.

    Examples
    --------
    >>> ctx = {"competitors": [{"name": "Us", "us": True, "market_share": 0.1},
    ...                        {"name": "Big", "market_share": 0.3}]}
    >>> chart_sentences(competitor_table(ctx))["market_share"]
    'Us holds 10% of the market, number 2 of the 2 companies named; the largest is Big with 30%.'
    """
    from custlib.i18n import check_lang, t

    check_lang(lang)
    sep = t("report.figure.sep", lang)
    us_rows = [str(n) for n in rivals.index if bool(rivals.loc[n, "us"])]
    us = us_rows[0] if us_rows else None
    out: dict[str, str] = {}
    shares = rivals["market_share"].dropna().astype(float)
    if len(shares):
        order = sorted(shares.index, key=lambda n: (-shares[n], str(n)))
        top, n = order[0], len(order)
        if us is None or us not in shares:
            out["market_share"] = t("report.figure.market_share.text", lang, n=n, top=top,
                                    top_share=f"{shares[top]:.0%}")
        elif us == top and n > 1:
            out["market_share"] = t("report.figure.market_share.text_us_top", lang, us=us, n=n,
                                    share=f"{shares[us]:.0%}", second=order[1],
                                    second_share=f"{shares[order[1]]:.0%}")
        else:
            out["market_share"] = t("report.figure.market_share.text_us", lang, us=us,
                                    share=f"{shares[us]:.0%}", rank=order.index(us) + 1, n=n,
                                    top=top, top_share=f"{shares[top]:.0%}")
    if features is not None and len(features) > 1:
        scores = features.astype(float)
        if us is not None and us in scores.index:
            others = scores.drop(index=us)
            best = [dimension_label(str(c), lang) for c in scores.columns
                    if scores.loc[us, c] > others[c].max()]
            worst = [dimension_label(str(c), lang) for c in scores.columns
                     if scores.loc[us, c] < others[c].min()]
            if best or worst:
                key = "text_us" if best and worst else "text_us_best" if best else "text_us_worst"
                out["features"] = t(f"report.figure.features.{key}", lang, us=us,
                                    best=sep.join(best), worst=sep.join(worst))
            else:
                items = sep.join(f"{dimension_label(str(c), lang)} {v:g}"
                                 for c, v in scores.loc[us].dropna().items())
                out["features"] = t("report.figure.features.text_us_none", lang, us=us,
                                    items=items)
        else:
            out["features"] = t("report.figure.features.text", lang,
                                top=str(scores.mean(axis=1).idxmax()))
    levels = rivals["price_level"].dropna().astype(float)
    if len(levels):
        if us is not None and us in levels:
            others = levels.drop(index=us)
            out["prices"] = t("report.figure.prices.text", lang, low=f"{levels.min():g}",
                              high=f"{levels.max():g}") if others.empty else \
                t("report.figure.prices.text_us", lang, us=us, level=f"{levels[us]:g}",
                  others=len(others), cheaper=int((others < levels[us]).sum()),
                  dearer=int((others > levels[us]).sum()))
        else:
            out["prices"] = t("report.figure.prices.text", lang, low=f"{levels.min():g}",
                              high=f"{levels.max():g}")
    cols = [f"pos_{x}", f"pos_{y}"]
    if all(c in rivals for c in cols):
        pos = rivals[cols].dropna().astype(float)
        xl, yl = dimension_label(x, lang), dimension_label(y, lang)
        if us is not None and us in pos.index and len(pos) > 1:
            others = pos.drop(index=us)
            dist = ((others - pos.loc[us]) ** 2).sum(axis=1) ** 0.5
            near = sorted(dist.index, key=lambda n: (dist[n], str(n)))[0]
            out["positioning"] = t("report.figure.positioning.text_us", lang, x=xl, y=yl, us=us,
                                   xv=f"{pos.loc[us].iloc[0]:g}", yv=f"{pos.loc[us].iloc[1]:g}",
                                   near=near, nxv=f"{pos.loc[near].iloc[0]:g}",
                                   nyv=f"{pos.loc[near].iloc[1]:g}")
        else:
            out["positioning"] = t("report.figure.positioning.text", lang, n=len(pos), x=xl,
                                   y=yl)
    return out
