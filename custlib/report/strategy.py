"""SWOT, TOWS and the Business Model Canvas, from the analyst's YAML and the analysis.

SWOT items come from two sources, kept apart and marked: what the analyst writes in the
business-context file, and **facts the analysis computed**, each with its number. The
rules that turn measurements into facts are :data:`RULES`: a measurement, a threshold, a
quadrant and a sentence. They are deliberately simple and visible, so a reader can see
why a fact is there and change a threshold when the business knows better.

References
----------
Weihrich, H. (1982). The TOWS matrix: A tool for situational analysis. *Long Range
Planning*, 15(2), 54-66.
Osterwalder, A., & Pigneur, Y. (2010). *Business Model Generation*. Wiley.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

import pandas as pd

from custlib.i18n import check_lang
from custlib.plots.theme import new_ax

__all__ = ["CANVAS_BLOCKS", "RULES", "Rule", "canvas_blocks", "plot_canvas", "plot_swot",
           "swot_facts", "swot_table", "tows_table"]

QUADRANTS = ("strengths", "weaknesses", "opportunities", "threats")
QUADRANT_NAMES = {"strengths": ("Strengths", "优势 S"), "weaknesses": ("Weaknesses", "劣势 W"),
                  "opportunities": ("Opportunities", "机会 O"), "threats": ("Threats", "威胁 T")}


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
    en, zh : str
        The sentence; ``{v}`` is the value (formatted by ``fmt``), ``{name}`` an optional
        label carried with the measurement.
    fmt : str
        Format of the value: '%' for a share, 'n' for a plain number.
    """

    key: str
    op: str
    threshold: float
    quadrant: str
    en: str
    zh: str
    fmt: str = "%"

    def fires(self, value: float) -> bool:
        """Whether ``value`` crosses the threshold."""
        if value is None or value != value:
            return False
        return value >= self.threshold if self.op == ">=" else value <= self.threshold


#: The documented rules, in the order facts are listed.
RULES: tuple[Rule, ...] = (
    Rule("repeat_rate", ">=", 0.40, "strengths",
         "{v} of customers buy again (repeat-purchase rate)", "{v} 的客户重复购买(复购率)"),
    Rule("repeat_rate", "<=", 0.25, "weaknesses",
         "only {v} of customers buy again (repeat-purchase rate)", "仅 {v} 的客户重复购买(复购率)"),
    Rule("nps", ">=", 30, "strengths", "Net Promoter Score of {v}: customers recommend us",
         "净推荐值 {v}:客户愿意推荐我们", "n"),
    Rule("nps", "<=", 0, "weaknesses", "Net Promoter Score of {v}: more detractors than promoters",
         "净推荐值 {v}:贬损者多于推荐者", "n"),
    Rule("satisfaction", ">=", 4.0, "strengths", "mean satisfaction {v} of 5",
         "平均满意度 {v}(满分 5)", "n"),
    Rule("satisfaction", "<=", 3.0, "weaknesses", "mean satisfaction only {v} of 5",
         "平均满意度仅 {v}(满分 5)", "n"),
    Rule("complaint_rate", ">=", 0.15, "weaknesses", "{v} of surveyed customers complained",
         "{v} 的受访客户有投诉"),
    Rule("at_risk_share", ">=", 0.20, "weaknesses",
         "{v} of buying customers are at risk or dormant", "{v} 的购买客户处于风险或沉睡阶段"),
    Rule("top10_share", ">=", 0.50, "threats",
         "the top 10% of customers bring {v} of revenue: dependence on few customers",
         "前 10% 的客户贡献 {v} 的收入:对少数客户依赖度高"),
    Rule("new_revenue_share", ">=", 0.35, "threats",
         "{v} of last year's revenue came from new customers: growth depends on acquisition",
         "近一年 {v} 的收入来自新客户:增长依赖获客"),
    Rule("reactivated_revenue_share", ">=", 0.10, "opportunities",
         "{v} of last year's revenue came from reactivated customers: win-back works",
         "近一年 {v} 的收入来自回流客户:挽回有效"),
    Rule("cohort_trend", ">=", 0.10, "opportunities",
         "newer customers spend {v} more in their first 3 months than earlier ones",
         "新近获得的客户前 3 个月消费比早期客户高 {v}"),
    Rule("cohort_trend", "<=", -0.10, "threats",
         "newer customers spend {v} less in their first 3 months than earlier ones",
         "新近获得的客户前 3 个月消费比早期客户低 {v}"),
    Rule("segment_growth", ">=", 0.10, "opportunities",
         "the {name} segment grew by {v} in customers over the last quarter",
         "{name} 群体客户数在最近一个季度增长 {v}"),
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
        One row per fact: ``quadrant``, ``item``, ``source`` ('analysis'), ``rule``,
        ``value``.
    """
    check_lang(lang)
    rows = []
    for rule in rules:
        m = measures.get(rule.key)
        value, name = (m if isinstance(m, tuple) else (m, ""))
        if value is None or not rule.fires(float(value)):
            continue
        text = (rule.en if lang == "en" else rule.zh).format(v=_fmt(float(value), rule.fmt),
                                                             name=name)
        rows.append({"quadrant": rule.quadrant, "item": text, "source": "analysis",
                     "rule": f"{rule.key} {rule.op} {rule.threshold:g}",
                     "value": float(value)})
    return pd.DataFrame(rows, columns=["quadrant", "item", "source", "rule", "value"])


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


def tows_table(context: dict[str, Any], *, lang: str = "en") -> pd.DataFrame | None:
    """The TOWS strategies (SO, WO, ST, WT) of the context file, or None."""
    check_lang(lang)
    tows = context.get("tows") or {}
    names = {"so": ("SO: use strengths to seize opportunities", "SO:发挥优势,抓住机会"),
             "wo": ("WO: overcome weaknesses by opportunities", "WO:利用机会,克服劣势"),
             "st": ("ST: use strengths against threats", "ST:发挥优势,应对威胁"),
             "wt": ("WT: reduce weaknesses, avoid threats", "WT:减少劣势,规避威胁")}
    rows = [(names[k][0 if lang == "en" else 1], str(s)) for k in names
            for s in (tows.get(k) or [])]
    if not rows:
        return None
    return pd.DataFrame(rows, columns=["strategy", "action"])


def _wrap(items: list[str], width: int, bullet: str = "• ") -> str:
    """Wrap each item to ``width`` columns (a CJK character counts as two)."""
    import re

    out = []
    for t in items:
        cjk = len(re.findall(r"[\u3000-\u9fff\uff00-\uffef]", t))
        w = max(8, int(width * len(t) / (len(t) + cjk))) if t else width
        out.append(textwrap.fill(f"{bullet}{t}", w, subsequent_indent="  "))
    return "\n".join(out)


def plot_swot(table: pd.DataFrame, *, ax: Any = None, lang: str = "en") -> Any:
    """The SWOT as a 2x2 figure; analysis facts are marked [data] / [数据]."""
    check_lang(lang)
    ax = new_ax(ax, figsize=(11, 8))
    colors = {"strengths": "#e5f5e0", "weaknesses": "#fee0d2", "opportunities": "#deebf7",
              "threats": "#fdd0a2"}
    boxes = {"strengths": (0, 0.5), "weaknesses": (0.5, 0.5), "opportunities": (0, 0),
             "threats": (0.5, 0)}
    mark = "[data] " if lang == "en" else "[数据] "
    from matplotlib.patches import Rectangle

    for q, (x, y) in boxes.items():
        ax.add_patch(Rectangle((x, y), 0.5, 0.5, facecolor=colors[q], edgecolor="white", lw=3))
        ax.text(x + 0.02, y + 0.47, QUADRANT_NAMES[q][0 if lang == "en" else 1], fontsize=13,
                va="top")
        part = table[table["quadrant"] == q]
        items = [(mark if s == "analysis" else "") + i
                 for i, s in zip(part["item"], part["source"], strict=True)]
        ax.text(x + 0.02, y + 0.41, _wrap(items, 72), fontsize=8.5, va="top",
                linespacing=1.35)
    ax.set(xlim=(0, 1), ylim=(0, 1))
    ax.axis("off")
    ax.set_title("SWOT" if lang == "en" else "SWOT 分析")
    return ax


#: Block key -> (en, zh) title, in the canvas's reading order.
CANVAS_BLOCKS: dict[str, tuple[str, str]] = {
    "key_partners": ("Key Partners", "重要合作"), "key_activities": ("Key Activities", "关键业务"),
    "key_resources": ("Key Resources", "核心资源"),
    "value_propositions": ("Value Propositions", "价值主张"),
    "customer_relationships": ("Customer Relationships", "客户关系"),
    "channels": ("Channels", "渠道通路"), "customer_segments": ("Customer Segments", "客户细分"),
    "cost_structure": ("Cost Structure", "成本结构"),
    "revenue_streams": ("Revenue Streams", "收入来源"), "key_metrics": ("Key Metrics", "关键指标"),
}


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


def plot_canvas(blocks: dict[str, list[tuple[str, str]]], *, key_metrics: bool = True,
                ax: Any = None, lang: str = "en") -> Any:
    """The Business Model Canvas with its nine blocks (and key metrics when asked).

    Analysis lines are in blue italics, the analyst's in black.
    """
    from matplotlib.patches import Rectangle

    check_lang(lang)
    ax = new_ax(ax, figsize=(16, 10))
    top = 0.3 if key_metrics else 0.0
    bottom_h = 0.28
    h = 1 - bottom_h - top * 0.5
    y0 = bottom_h
    layout = {
        "key_partners": (0.0, y0, 0.2, h), "key_activities": (0.2, y0 + h / 2, 0.2, h / 2),
        "key_resources": (0.2, y0, 0.2, h / 2), "value_propositions": (0.4, y0, 0.2, h),
        "customer_relationships": (0.6, y0 + h / 2, 0.2, h / 2),
        "channels": (0.6, y0, 0.2, h / 2), "customer_segments": (0.8, y0, 0.2, h),
        "cost_structure": (0.0, 0.0, 0.5, bottom_h), "revenue_streams": (0.5, 0.0, 0.5, bottom_h),
    }
    if key_metrics:
        layout["key_metrics"] = (0.0, y0 + h, 1.0, top * 0.5)
    i = 0 if lang == "en" else 1
    for key, (x, y, w, hh) in layout.items():
        ax.add_patch(Rectangle((x, y), w, hh, facecolor="#f7f7f7", edgecolor="0.3", lw=1.2))
        ax.text(x + 0.008, y + hh - 0.01, CANVAS_BLOCKS[key][i], fontsize=11,
                va="top")
        width = int(w * 190)
        lines_y = y + hh - 0.05
        items = blocks.get(key, [])
        if key == "key_metrics" and items:  # a band: the metrics on one wrapped line each
            items = [("  ·  ".join(t for t, src in items if src == s), s)
                     for s in ("analyst", "analysis") if any(src == s for _, src in items)]
        for text, source in items:
            wrapped = _wrap([text], width)
            ax.text(x + 0.008, lines_y, wrapped, fontsize=8, va="top",
                    color="#1f4e9c" if source == "analysis" else "black",
                    style="italic" if source == "analysis" else "normal")
            lines_y -= 0.028 * (wrapped.count("\n") + 1)
    ax.set(xlim=(0, 1), ylim=(0, 1))
    ax.axis("off")
    ax.set_title("Business Model Canvas" if lang == "en" else "商业模式画布")
    return ax
