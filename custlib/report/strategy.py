"""SWOT, TOWS and the Business Model Canvas, from the analyst's YAML and the analysis.

SWOT items come from two sources, kept apart and marked: what the analyst writes in the
business-context file, and **facts the analysis computed**, each with its number. The
rules that turn measurements (:func:`measures`) into facts are :data:`RULES`: a
measurement, a threshold, a quadrant and a sentence. They are deliberately simple and
visible, so a reader can see why a fact is there and change a threshold when the business
knows better. The report shows the SWOT, the TOWS matrix and the canvas as grids of text,
each item marked by its source (:meth:`custlib.report.document.Report.swot`,
:meth:`~custlib.report.document.Report.tows`, :meth:`~custlib.report.document.Report.canvas`).

References
----------
Weihrich, H. (1982). The TOWS matrix: A tool for situational analysis. *Long Range
Planning*, 15(2), 54-66.
Osterwalder, A., & Pigneur, Y. (2010). *Business Model Generation*. Wiley.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.data.engines.table import LineTable, frame_of
from custlib.i18n import check_lang, labels, t

__all__ = ["CANVAS_BLOCKS", "QUADRANTS", "RULES", "TOWS_KEYS", "Rule", "canvas_analysis",
           "canvas_blocks", "measures", "swot_facts", "swot_table", "tows_table"]

#: The four SWOT quadrants, in reading order (names: ``report.swot.quadrant``).
QUADRANTS = ("strengths", "weaknesses", "opportunities", "threats")


@dataclass(frozen=True)
class Rule:
    """A measurement that becomes a SWOT fact when it crosses a threshold.

    Attributes
    ----------
    key : str
        Name of the measurement (see :func:`swot_facts`).
    op : {'>=', '<='}
    threshold : float
    quadrant : {'strengths', 'weaknesses', 'opportunities', 'threats'}
    sentence : str
        The fact in words: the name of a message ``report.swot.rule.<sentence>`` of the
        catalogs, or (for a rule of your own) the sentence itself. ``{v}`` is the value
        (formatted by ``fmt``), ``{name}`` an optional label carried with the measurement.
    fmt : str
        Format of the value: '%' for a share, 'n' for a plain number.
    """

    key: str
    op: str
    threshold: float
    quadrant: str
    sentence: str
    fmt: str = "%"

    def fires(self, value: float) -> bool:
        """Whether ``value`` crosses the threshold."""
        if value is None or value != value:
            return False
        return value >= self.threshold if self.op == ">=" else value <= self.threshold

    def explain(self, lang: str = "en") -> str:
        """The rule in words: why a fact is listed ("the repeat-purchase rate is at least 40%").

        A rule of your own whose measurement has no name in the catalogs is named by its key.
        """
        measure = labels("report.swot.measure", lang).get(self.key, self.key)
        threshold = f"{self.threshold:.0%}" if self.fmt == "%" else f"{self.threshold:g}"
        return t("report.swot.why", lang, measure=measure, threshold=threshold,
                 op=t(f"report.swot.op.{'ge' if self.op == '>=' else 'le'}", lang))

    def text(self, value: float, name: str = "", lang: str = "en") -> str:
        """The fact for ``value`` in ``lang``."""
        rules = labels("report.swot.rule", lang)
        return rules.get(self.sentence, self.sentence).format(v=_fmt(value, self.fmt),
                                                              name=name)


#: The documented rules, in the order facts are listed.
RULES: tuple[Rule, ...] = (
    Rule("repeat_rate", ">=", 0.40, "strengths", "repeat_rate_high"),
    Rule("repeat_rate", "<=", 0.25, "weaknesses", "repeat_rate_low"),
    Rule("nps", ">=", 30, "strengths", "nps_high", "n"),
    Rule("nps", "<=", 0, "weaknesses", "nps_low", "n"),
    Rule("satisfaction", ">=", 4.0, "strengths", "satisfaction_high", "n"),
    Rule("satisfaction", "<=", 3.0, "weaknesses", "satisfaction_low", "n"),
    Rule("complaint_rate", ">=", 0.15, "weaknesses", "complaint_rate_high"),
    Rule("at_risk_share", ">=", 0.20, "weaknesses", "at_risk_share_high"),
    Rule("top10_share", ">=", 0.50, "threats", "top10_share_high"),
    Rule("new_revenue_share", ">=", 0.35, "threats", "new_revenue_share_high"),
    Rule("reactivated_revenue_share", ">=", 0.10, "opportunities",
         "reactivated_revenue_share_high"),
    Rule("cohort_trend", ">=", 0.10, "opportunities", "cohort_trend_high"),
    Rule("cohort_trend", "<=", -0.10, "threats", "cohort_trend_low"),
    Rule("segment_growth", ">=", 0.10, "opportunities", "segment_growth_high"),
)


def _fmt(value: float, fmt: str) -> str:
    if fmt == "%":
        return f"{abs(value):.0%}"
    return f"{value:.1f}" if abs(value) < 10 else f"{value:.0f}"


def swot_facts(measures: dict[str, Any], *, lang: str = "en",
               rules: tuple[Rule, ...] = RULES) -> pd.DataFrame:
    """Turn measurements into SWOT facts by :data:`RULES`.

    Parameters
    ----------
    measures : dict
        Measurement name -> value, or -> ``(value, name)`` for a labelled one (such as
        the segment that grew). Missing or None measurements fire no rule. Names used by
        the default rules: ``repeat_rate``, ``nps``, ``satisfaction``, ``complaint_rate``,
        ``at_risk_share``, ``top10_share``, ``new_revenue_share``,
        ``reactivated_revenue_share``, ``cohort_trend``, ``segment_growth``.
    lang : {'en', 'zh'}
    rules : tuple of Rule

    Returns
    -------
    pandas.DataFrame
        One row per fact: ``quadrant``, ``item``, ``source`` ('analysis'), ``rule`` (why
        it is listed, in words: :meth:`Rule.explain`), ``rule_key`` (the same as code,
        ``repeat_rate >= 0.4``), ``value``.
    """
    check_lang(lang)
    rows = []
    for rule in rules:
        m = measures.get(rule.key)
        value, name = (m if isinstance(m, tuple) else (m, ""))
        if value is None or not rule.fires(float(value)):
            continue
        text = rule.text(float(value), name, lang)
        rows.append({"quadrant": rule.quadrant, "item": text, "source": "analysis",
                     "rule": rule.explain(lang),
                     "rule_key": f"{rule.key} {rule.op} {rule.threshold:g}",
                     "value": float(value)})
    return pd.DataFrame(rows, columns=["quadrant", "item", "source", "rule", "rule_key",
                                       "value"])


def swot_table(context: dict[str, Any], facts: pd.DataFrame | None = None) -> pd.DataFrame:
    """The analyst's SWOT items and the analysis facts, quadrant by quadrant.

    Returns
    -------
    pandas.DataFrame
        ``quadrant``, ``item``, ``source`` ('analyst' or 'analysis'), ``rule``.
    """
    swot = context.get("swot") or {}
    rows = [{"quadrant": q, "item": str(item), "source": "analyst", "rule": ""}
            for q in QUADRANTS for item in (swot.get(q) or [])]
    table = pd.DataFrame(rows, columns=["quadrant", "item", "source", "rule"])
    if facts is not None and len(facts):
        table = pd.concat([table, facts[["quadrant", "item", "source", "rule"]]],
                          ignore_index=True)
    order = {q: i for i, q in enumerate(QUADRANTS)}
    return table.sort_values("quadrant", key=lambda s: s.map(order), kind="stable") \
        .reset_index(drop=True)


#: The TOWS matrix's cells: strengths or weaknesses (columns) against opportunities or
#: threats (rows), in reading order.
TOWS_KEYS: tuple[str, ...] = ("so", "wo", "st", "wt")


def tows_table(context: dict[str, Any], *, lang: str = "en") -> pd.DataFrame | None:
    """The TOWS strategies (SO, WO, ST, WT) of the context file, or None.

    Returns
    -------
    pandas.DataFrame or None
        ``strategy`` (its kind in words, in ``lang``), ``action`` (the analyst's text) and
        ``key`` (``'so'``, ``'wo'``, ``'st'`` or ``'wt'``: its cell of the TOWS matrix); None
        when the context file has no strategies.
    """
    check_lang(lang)
    tows = context.get("tows") or {}
    names = labels("report.tows", lang)
    rows = [(names[k], str(s), k) for k in TOWS_KEYS for s in (tows.get(k) or [])]
    if not rows:
        return None
    return pd.DataFrame(rows, columns=["strategy", "action", "key"])


#: The canvas's blocks, in reading order (titles: ``report.canvas.block``).
CANVAS_BLOCKS: tuple[str, ...] = (
    "key_partners", "key_activities", "key_resources", "value_propositions",
    "customer_relationships", "channels", "customer_segments", "cost_structure",
    "revenue_streams", "key_metrics")


def canvas_blocks(context: dict[str, Any], analysis: dict[str, list[str]] | None = None
                  ) -> dict[str, list[tuple[str, str]]]:
    """The canvas's blocks: the analyst's items, then the analysis's, each marked.

    Parameters
    ----------
    context : dict
        The business-context file (its ``canvas`` mapping).
    analysis : dict of str to list of str, optional
        Lines from the analysis per block (customer_segments, revenue_streams,
        customer_relationships, key_metrics, ...).

    Returns
    -------
    dict
        Block key -> list of ``(text, source)`` with source 'analyst' or 'analysis'.
    """
    canvas = context.get("canvas") or {}
    out: dict[str, list[tuple[str, str]]] = {}
    for key in CANVAS_BLOCKS:
        items = [(str(x), "analyst") for x in (canvas.get(key) or [])]
        items += [(str(x), "analysis") for x in ((analysis or {}).get(key) or [])]
        out[key] = items
    return out




# --- what the analysis measures ---------------------------------------------------------------

def measures(summary: pd.DataFrame, *, state: pd.DataFrame | None = None,
             survey: pd.DataFrame | None = None, balance: pd.DataFrame | None = None,
             cumulative: pd.DataFrame | None = None, growth: pd.Series | None = None,
             ) -> dict[str, Any]:
    """The measurements :func:`swot_facts` turns into facts.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`custlib.value.summary.customer_summary` (``n_orders``, ``total_revenue``).
    state : pandas.DataFrame, optional
        Notebook 04's stages at the end of observation.
    survey : pandas.DataFrame, optional
    balance : pandas.DataFrame, optional
        :func:`custlib.lifecycle.transitions.new_vs_returning` (English labels), monthly.
    cumulative : pandas.DataFrame, optional
        :func:`custlib.lifecycle.cohorts.cohort_cumulative_revenue`, monthly.
    growth : pandas.Series, optional
        :func:`custlib.report.priorities.segment_growth`.

    Returns
    -------
    dict
        Every measurement that could be computed (see :data:`RULES`).
    """
    from custlib.report import needs

    require_columns(summary, ["n_orders", "total_revenue"], "measures")
    from custlib.report.kpis import repeat_buyers

    out: dict[str, Any] = {"repeat_rate": float(repeat_buyers(summary).mean())}
    rev = summary["total_revenue"].sort_values(ascending=False)
    top = max(1, int(np.ceil(len(rev) * 0.1)))
    out["top10_share"] = float(rev.iloc[:top].sum() / rev.sum()) if rev.sum() else None
    if state is not None:
        buyers = state[state["stage"].astype(str) != "potential"]
        out["at_risk_share"] = float(buyers["stage"].astype(str).isin(
            ["at_risk", "dormant"]).mean())
    scores = needs.nps(survey)
    if scores is not None:
        out["nps"] = float(scores.loc["all", "nps"])
    if survey is not None and "satisfaction" in survey and survey["satisfaction"].notna().any():
        out["satisfaction"] = float(survey["satisfaction"].mean())
    if survey is not None and "complaint" in survey and survey["complaint"].notna().any():
        out["complaint_rate"] = float(survey["complaint"].astype(float).mean())
    if balance is not None and len(balance):
        last = balance["revenue"].iloc[-12:].sum()
        total = float(last.sum())
        if total:
            out["new_revenue_share"] = float(last.get("new", 0)) / total
            out["reactivated_revenue_share"] = float(last.get("reactivated", 0)) / total
    if cumulative is not None and 2 in cumulative.columns:
        reached = cumulative[2].dropna()
        if len(reached) >= 12:
            late, early = reached.iloc[-6:].mean(), reached.iloc[-12:-6].mean()
            out["cohort_trend"] = float(late / early - 1) if early else None
    if growth is not None and growth.notna().any():
        best = growth.dropna().idxmax()
        out["segment_growth"] = (float(growth[best]), str(best))
    return out


def canvas_analysis(table: pd.DataFrame, segment_col: str,
                    transactions: pd.DataFrame | LineTable,
                    measured: dict[str, Any], *, lang: str = "en", currency: str = ""
                    ) -> dict[str, list[str]]:
    """Lines the analysis adds to the canvas, for the blocks the data can speak to.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per buying customer with ``segment_col`` (and ``clv`` or ``total_revenue``;
        ``stage``, notebook 04's lifecycle stage, when known).
    segment_col : str
    transactions : pandas.DataFrame or LineTable
        Clean transactions (``amount``; ``channel`` and ``category`` when the log has them;
        lines on disk are read for those only, a column with ``amount`` at a time).
    measured : dict
        :func:`measures`.
    lang : {'en', 'zh'}
    currency : str
        Currency of the amounts (the total CLV among the key metrics).

    Returns
    -------
    dict of str to list of str
        ``customer_segments`` (the three largest segments by value, with their sizes),
        ``channels`` (revenue by channel), ``revenue_streams`` (revenue by category; by
        channel when the log has no category), ``customer_relationships`` (the repeat rate,
        then the lifecycle stages holding most buying customers with the action for each)
        and ``key_metrics``. A block the data cannot speak to has no line.
    """
    from custlib.lifecycle.stages import STAGES, stage_name
    from custlib.report.narrative import format_money

    check_lang(lang)
    out: dict[str, list[str]] = {"customer_segments": [], "channels": [], "revenue_streams": [],
                                 "customer_relationships": [], "key_metrics": []}
    value = "clv" if "clv" in table else "total_revenue" if "total_revenue" in table else None
    if value and segment_col in table and len(table) and table[value].sum():
        g = table.groupby(segment_col, observed=True)
        share = (g[value].sum() / table[value].sum()).sort_values(ascending=False).head(3)
        size = g.size()
        what = (t("report.canvas_lines.clv", lang) if value == "clv" else
                t("report.canvas_lines.revenue", lang))
        for seg, v in share.items():
            out["customer_segments"].append(t(
                "report.canvas_lines.segment", lang, segment=seg, n=f"{size[seg]:,}",
                customers=f"{size[seg] / len(table):.0%}", share=f"{v:.0%}", what=what))
    mixes = {key: _revenue_mix(transactions, key) for key in ("channel", "category")}
    for ch, v in mixes["channel"].items():
        out["channels"].append(t("report.canvas_lines.channel", lang, channel=ch,
                                 share=f"{v:.0%}"))
    streams = mixes["category"] if len(mixes["category"]) else mixes["channel"]
    for name, v in streams.items():
        out["revenue_streams"].append(t("report.canvas_lines.revenue_stream", lang,
                                        name=name, share=f"{v:.0%}"))
    relationships = out["customer_relationships"]
    if "repeat_rate" in measured:
        relationships.append(t("report.canvas_lines.repeat_rate", lang,
                               share=f"{measured['repeat_rate']:.0%}"))
    if "stage" in table and table["stage"].notna().any():
        stages = table["stage"].astype(str).value_counts(normalize=True)
        stages = stages.drop("potential", errors="ignore").head(3)
        for stage in (s for s in STAGES if s in stages.index):
            relationships.append(t("report.canvas_lines.stage", lang,
                                   stage=stage_name(stage, lang),
                                   share=f"{stages[stage]:.0%}",
                                   action=t(f"lifecycle.action.{stage}", lang)))
    elif "at_risk_share" in measured:
        relationships.append(t("report.canvas_lines.at_risk", lang,
                               share=f"{measured['at_risk_share']:.0%}"))
    metrics = labels("report.canvas_lines.metric", lang)
    for key in ("repeat_rate", "top10_share", "at_risk_share"):
        if measured.get(key) is not None:
            out["key_metrics"].append(metrics[key].format(share=f"{measured[key]:.0%}"))
    if "nps" in measured:
        out["key_metrics"].append(t("report.canvas_lines.nps", lang,
                                    nps=f"{measured['nps']:.0f}"))
    if "clv" in table:
        out["key_metrics"].append(t("report.canvas_lines.clv_total", lang,
                                    amount=format_money(float(table["clv"].sum()), currency, lang)))
    return out


def _revenue_mix(transactions: pd.DataFrame | LineTable, column: str,
                 top: int = 4) -> pd.Series:
    """The ``top`` largest shares of revenue by ``column`` (empty when there is none)."""
    if column not in transactions:
        return pd.Series(dtype=float)
    transactions = frame_of(transactions, [column, "amount"])
    if transactions[column].isna().all():
        return pd.Series(dtype=float)
    known = transactions.dropna(subset=[column])
    rev = known.groupby(known[column].astype(str))["amount"].sum()
    if not rev.sum():
        return pd.Series(dtype=float)
    return (rev / rev.sum()).sort_values(ascending=False).head(top)
