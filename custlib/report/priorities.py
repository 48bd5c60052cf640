"""Which segments to target first: growth, a documented attractiveness score, and why.

Section 8 of the report ranks the segments by :func:`segment_attractiveness` (size,
value, growth and risk, each scaled across segments, weighted by
:data:`ATTRACTIVENESS_WEIGHTS`) and :func:`recommendations` gives each its reasons in
words and its action from the segment guide.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.errors import ParameterError
from custlib.i18n import check_lang, has, t

__all__ = ["ATTRACTIVENESS_WEIGHTS", "recommendations", "segment_attractiveness",
           "segment_growth"]

#: Weights of the segment attractiveness score (risk counts against).
ATTRACTIVENESS_WEIGHTS: dict[str, float] = {"size": 0.25, "value": 0.35, "growth": 0.2,
                                            "risk": -0.2}


def segment_growth(transactions: pd.DataFrame, segment: pd.Series, observation_end: str, *,
                   months: int = 6) -> pd.Series:
    """Change of each segment's revenue: last ``months`` months against the ``months`` before.

    Members are today's; the measure says whether the customers now in a segment are
    buying more or less than half a year earlier.
    """
    end = pd.Timestamp(observation_end).normalize() + pd.Timedelta(days=1)
    mid, start = end - pd.DateOffset(months=months), end - pd.DateOffset(months=2 * months)
    seg = segment.copy()
    seg.index = seg.index.astype(str)
    s = transactions["customer_id"].astype(str).map(seg)
    recent = transactions.loc[(transactions["order_date"] >= mid) &
                              (transactions["order_date"] < end), "amount"].groupby(s).sum()
    earlier = transactions.loc[(transactions["order_date"] >= start) &
                               (transactions["order_date"] < mid), "amount"].groupby(s).sum()
    return (recent.reindex(earlier.index.union(recent.index)).fillna(0) /
            earlier.replace(0, np.nan) - 1).rename("growth")


def segment_attractiveness(table: pd.DataFrame, segment_col: str, *,
                           growth: pd.Series | None = None,
                           weights: dict[str, float] | None = None) -> pd.DataFrame:
    """Rank segments by a documented attractiveness score.

    Components, each min-max scaled to 0-1 across segments: **size** (share of
    customers), **value** (mean predicted CLV, else mean past revenue), **growth**
    (:func:`segment_growth`), **risk** (mean 1 - P(alive), else share of customers at
    risk, dormant or churned). Score = sum of weight x component with
    :data:`ATTRACTIVENESS_WEIGHTS` (risk negative): from -0.2 (smallest, least valuable,
    shrinking, riskiest) to 0.8 (largest, most valuable, fastest growing, safest). A
    component no segment has (no CLV, no growth) counts 0.5 for all.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer: ``segment_col`` and any of ``clv``, ``total_revenue``,
        ``p_alive``, ``stage``.
    segment_col : str
    growth : pandas.Series, optional
        By segment.
    weights : dict, optional

    Returns
    -------
    pandas.DataFrame
        Per segment, best first: customers, size, value, growth, risk, the scaled
        components and ``score``, ``priority``.
    """
    require_columns(table, [segment_col], "segment_attractiveness")
    w = {**ATTRACTIVENESS_WEIGHTS, **(weights or {})}
    unknown = set(w) - set(ATTRACTIVENESS_WEIGHTS)
    if unknown:
        raise ParameterError(f"segment_attractiveness: unknown weight(s) {sorted(unknown)}; "
                             f"expected {sorted(ATTRACTIVENESS_WEIGHTS)}")
    g = table.groupby(segment_col, observed=True)
    out = pd.DataFrame({"customers": g.size()})
    out["size"] = out["customers"] / len(table)
    value_col = "clv" if "clv" in table else "total_revenue" if "total_revenue" in table else None
    out["value"] = g[value_col].mean() if value_col else np.nan
    out["growth"] = growth.reindex(out.index) if growth is not None else np.nan
    if "p_alive" in table:
        out["risk"] = 1 - g["p_alive"].mean()
    elif "stage" in table:
        out["risk"] = g["stage"].agg(lambda s: s.astype(str).isin(
            ["at_risk", "dormant", "churned"]).mean())
    else:
        out["risk"] = np.nan
    score = pd.Series(0.0, index=out.index)
    for k, weight in w.items():
        col = out[k].astype(float)
        span = col.max() - col.min()
        scaled = (col - col.min()) / span if span > 0 else col * 0 + 0.5
        out[f"{k}_scaled"] = scaled.fillna(0.5)
        score += weight * out[f"{k}_scaled"]
    out["score"] = score
    out = out.sort_values("score", ascending=False)
    out["priority"] = np.arange(1, len(out) + 1)
    out.attrs["weights"] = w
    out.attrs["value_measure"] = value_col or ""
    out.attrs["risk_measure"] = "p_alive" if "p_alive" in table else \
        "stage" if "stage" in table else ""
    return out


def _why(r: pd.Series, value_measure: str, risk_measure: str, *, lang: str,
         currency: str) -> str:
    """The reasons of one segment's rank, in words: size, value, growth, risk."""
    parts = [t("report.why.size", lang, share=f"{r['size']:.0%}")]
    if r["value"] == r["value"]:
        key = value_measure if value_measure in ("clv", "total_revenue") else "value"
        amount = f"{r['value']:,.0f} {currency}".strip()
        parts.append(t(f"report.why.{key}", lang, amount=amount))
    if r["growth"] == r["growth"]:
        parts.append(t("report.why.growth", lang, growth=f"{r['growth']:+.0%}"))
    if r["risk"] == r["risk"]:
        key = f"report.why.risk_{risk_measure}"
        if has(key, lang):
            parts.append(t(key, lang, risk=f"{r['risk']:.0%}"))
        else:
            parts.append(t("report.why.risk", lang, risk=f"{r['risk']:.2f}"))
    return "; ".join(parts)


def recommendations(attractiveness: pd.DataFrame, guide: pd.DataFrame, *, lang: str = "en",
                    currency: str = "") -> pd.DataFrame:
    """Target segments in priority order, each with why and what to do.

    Parameters
    ----------
    attractiveness : pandas.DataFrame
        From :func:`segment_attractiveness`.
    guide : pandas.DataFrame
        :func:`custlib.segments.schemes.segment_guide` of the same scheme and ``lang`` (first
        column the segment, last the action).
    lang : {'en', 'zh'}
    currency : str

    Returns
    -------
    pandas.DataFrame
        Index priority; ``segment``, ``score``, ``why``, ``action``.
    """
    check_lang(lang)
    actions = dict(zip(guide.iloc[:, 0].astype(str), guide.iloc[:, -1], strict=True))
    measure = attractiveness.attrs.get("value_measure", "")
    risk = attractiveness.attrs.get("risk_measure", "")
    rows = [{"priority": int(r["priority"]), "segment": str(seg), "score": float(r["score"]),
             "why": _why(r, measure, risk, lang=lang, currency=currency),
             "action": actions.get(str(seg), "")}
            for seg, r in attractiveness.iterrows()]
    return pd.DataFrame(rows).set_index("priority")
