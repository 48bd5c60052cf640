"""The customer analysis report: KPIs, segment priorities and a self-contained HTML file.

The report follows the eight sections that the Chinese marketing text on the customer
analysis report prescribes (introduction, customer basic information, segmentation,
needs, loyalty, competitors, SWOT, summary and recommendations). :class:`Report`
collects sections of text, tables and figures as a notebook computes them and writes one
HTML file: figures embedded, styles inline, a subset of the Noto Sans CJK font embedded
when the text has Chinese (so no empty boxes on a machine without CJK fonts), printable,
readable offline. Every text is escaped: a ``<script>`` in the business-context YAML
stays text.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io as _io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.errors import ParameterError
from custlib.i18n import check_lang, label
from custlib.safety import code_span, escape_markdown

__all__ = ["ATTRACTIVENESS_WEIGHTS", "SECTIONS", "Report", "html_to_pdf", "kpis", "measures",
           "CAPTIONS", "COLUMN_LABELS", "add_introduction", "canvas_analysis", "format_kpis",
           "pdf_note",
           "read_csv_table",
           "readable", "share_columns",
           "recommendations", "save_tables", "section_title", "segment_attractiveness",
           "segment_growth", "segment_overview", "segment_report", "summary_points"]

#: The eight sections of the customer analysis report, as the Chinese texts lay it out:
#: key -> (en, zh).
SECTIONS: dict[str, tuple[str, str]] = {
    "introduction": ("1. Introduction", "一、引言"),
    "basics": ("2. Customer basic information", "二、客户基本信息"),
    "segmentation": ("3. Customer segmentation", "三、客户细分"),
    "needs": ("4. Customer needs", "四、客户需求分析"),
    "loyalty": ("5. Customer loyalty", "五、客户忠诚度分析"),
    "competitors": ("6. Competitor analysis", "六、竞争对手分析"),
    "swot": ("7. SWOT analysis", "七、SWOT 分析"),
    "summary": ("8. Summary and recommendations", "八、总结与建议"),
}


def section_title(key: str, lang: str = "en") -> str:
    """The title of a report section in ``lang``."""
    check_lang(lang)
    return SECTIONS[key][0 if lang == "en" else 1]


#: Weights of the segment attractiveness score (risk counts against).
ATTRACTIVENESS_WEIGHTS: dict[str, float] = {"size": 0.25, "value": 0.35, "growth": 0.2,
                                            "risk": -0.2}


#: Headings of the report's tables: the column names custlib's functions return, as people
#: read them. Columns not listed pass through (they are labelled already, or data).
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "segment": {"en": "segment", "zh": "细分群体"},
    "customers": {"en": "customers", "zh": "客户数"},
    "low_price_share": {"en": "low-price lines", "zh": "低价商品行占比"},
    "low_price_revenue_share": {"en": "low-price revenue", "zh": "低价收入占比"},
    "spend_per_order": {"en": "spend per order", "zh": "客单价"},
    "items_per_order": {"en": "items per order", "zh": "每单件数"},
    "mean_unit_price": {"en": "mean unit price", "zh": "平均单价"},
    "repeat_rate": {"en": "repeat-purchase rate", "zh": "复购率"},
    "orders_per_customer": {"en": "orders per customer", "zh": "人均订单数"},
    "median_days_between": {"en": "median days between purchases", "zh": "购买间隔天数(中位数)"},
    "respondents": {"en": "respondents", "zh": "受访者"},
    "promoters": {"en": "promoters", "zh": "推荐者"},
    "passives": {"en": "passives", "zh": "中立者"},
    "detractors": {"en": "detractors", "zh": "贬损者"},
    "nps": {"en": "NPS", "zh": "净推荐值"},
    "satisfaction": {"en": "satisfaction (1-5)", "zh": "满意度(1-5)"},
    "repurchase_intention": {"en": "repurchase intention (1-5)", "zh": "复购意愿(1-5)"},
    "complaint": {"en": "complained", "zh": "投诉率"},
    "need": {"en": "need", "zh": "需求"},
    "importance": {"en": "importance", "zh": "重要性"},
    "urgency": {"en": "urgency", "zh": "紧迫性"},
    "priority": {"en": "priority", "zh": "优先级"},
    "mean_satisfaction": {"en": "mean satisfaction", "zh": "平均满意度"},
    "quadrant": {"en": "quadrant", "zh": "象限"},
    "item": {"en": "item", "zh": "条目"},
    "source": {"en": "source", "zh": "来源"},
    "rule": {"en": "rule", "zh": "规则"},
    "strategy": {"en": "strategy", "zh": "策略"},
    "action": {"en": "action", "zh": "行动"},
    "score": {"en": "score", "zh": "得分"},
    "why": {"en": "why", "zh": "理由"},
    "share": {"en": "share", "zh": "占比"},
    "category": {"en": "category", "zh": "品类"},
    "channel": {"en": "channel", "zh": "渠道"},
    "size": {"en": "size", "zh": "规模"},
    "value": {"en": "value", "zh": "价值"},
    "growth": {"en": "growth", "zh": "增长"},
    "risk": {"en": "risk", "zh": "风险"},
    "current": {"en": "this period", "zh": "本期"},
    "previous": {"en": "previous period", "zh": "上一期"},
    "change": {"en": "change", "zh": "变化"},
}

#: Values shown in the report's tables in the run's language.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "strengths": {"en": "strengths", "zh": "优势"},
    "weaknesses": {"en": "weaknesses", "zh": "劣势"},
    "opportunities": {"en": "opportunities", "zh": "机会"},
    "threats": {"en": "threats", "zh": "威胁"},
    "analyst": {"en": "analyst", "zh": "分析师"},
    "analysis": {"en": "analysis", "zh": "分析结果"},
    "all": {"en": "all", "zh": "全部"},
    "(not segmented)": {"en": "(not segmented)", "zh": "(未分群)"},
    "share": {"en": "share", "zh": "占比"},
}


def share_columns(df: pd.DataFrame) -> tuple[str, ...]:
    """The columns of ``df`` that hold shares (their name says share, rate, 占比 or 率), to
    show as % (the ``percent`` argument of :meth:`Report.table`).
    """
    keys = ("share", "rate", "占比", "率")
    return tuple(c for c in df.columns if isinstance(c, str) and any(k in c for k in keys))


def readable(df: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """A table as people read it: headings from :data:`COLUMN_LABELS`, known values from
    :data:`VALUE_LABELS`, both in ``lang``. The numbers are not touched.

    Examples
    --------
    >>> t = pd.DataFrame({"repeat_rate": [0.5]}, index=pd.Index(["all"], name="segment"))
    >>> shown = readable(t, "zh")
    >>> shown.index.name, list(shown.index), list(shown.columns)
    ('细分群体', ['全部'], ['复购率'])
    """
    check_lang(lang)

    def head(name: Any) -> Any:
        return label(COLUMN_LABELS, name, lang) if isinstance(name, str) else name

    def value(v: Any) -> Any:
        return VALUE_LABELS[v].get(lang, v) if isinstance(v, str) and v in VALUE_LABELS else v

    out = df.rename(columns=head)
    out.index = pd.Index([value(v) for v in df.index], name=head(df.index.name))
    out.columns.name = head(df.columns.name)
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(value)
    return out


# --- KPIs -------------------------------------------------------------------------------------

def _period_kpis(tx: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> dict[str, float]:
    part = tx[(tx["order_date"] > start) & (tx["order_date"] <= end)]
    if part.empty:
        return {"customers": 0.0, "revenue": 0.0, "repeat_rate": float("nan")}
    days = part.assign(d=part["order_date"].dt.normalize()).groupby("customer_id")["d"].nunique()
    return {"customers": float(len(days)), "revenue": float(part["amount"].sum()),
            "repeat_rate": float((days > 1).mean())}


def kpis(transactions: pd.DataFrame, observation_end: str, *,
         snapshots: pd.DataFrame | None = None, clv: pd.Series | None = None,
         months: int = 12, lang: str = "en") -> pd.DataFrame:
    """The handful of KPIs that open the report, each against the previous period.

    Customers (who bought), revenue and repeat-purchase rate (share of those customers
    buying on 2+ days) are measured over the last ``months`` months and the ``months``
    before; the share of buying customers at risk or dormant at the end of each (from
    notebook 04's snapshots); the predicted value of today's customers over the next 12
    months (notebook 03's CLV: margin, discounted; no previous value). When the log starts
    more than a month after the previous period does, that period is not compared.

    Returns
    -------
    pandas.DataFrame
        Index KPI; ``value``, ``previous``, ``change`` (relative, or points for shares).
    """
    check_lang(lang)
    require_columns(transactions, ["customer_id", "order_date", "amount"], "kpis")
    end = pd.Timestamp(observation_end).normalize() + pd.Timedelta(days=1) - pd.Timedelta(1)
    mid = end - pd.DateOffset(months=months)
    start = mid - pd.DateOffset(months=months)
    now, before = _period_kpis(transactions, mid, end), _period_kpis(transactions, start, mid)
    covered = transactions["order_date"].min() <= start + pd.Timedelta(days=31)
    if not covered:
        before = {k: float("nan") for k in before}  # the previous period is not covered
    names = {"customers": ("customers who bought", "购买客户数"),
             "revenue": ("revenue", "收入"), "repeat_rate": ("repeat-purchase rate", "复购率"),
             "at_risk": ("share at risk or dormant", "风险及沉睡客户占比"),
             "clv": ("predicted margin from today's customers, next 12 months",
                     "现有客户未来 12 个月预测毛利")}
    rows = {k: (now[k], before[k]) for k in ("customers", "revenue", "repeat_rate")}
    if snapshots is not None and len(snapshots):
        dates = pd.to_datetime(sorted(snapshots["snapshot"].unique()))

        def risk_at(d: pd.Timestamp) -> float:
            st = snapshots.loc[snapshots["snapshot"] == d, "stage"].astype(str)
            st = st[st != "potential"]
            return float(st.isin(["at_risk", "dormant"]).mean()) if len(st) else float("nan")

        prev_dates = dates[dates <= mid]
        rows["at_risk"] = (risk_at(dates[-1]), risk_at(prev_dates[-1])
                           if len(prev_dates) and covered else float("nan"))
    if clv is not None:
        rows["clv"] = (float(clv.sum()), float("nan"))
    out = pd.DataFrame(rows, index=["value", "previous"]).T
    shares = out.index.isin(["repeat_rate", "at_risk"])
    out["change"] = np.where(shares, out["value"] - out["previous"],
                             out["value"] / out["previous"].replace(0, np.nan) - 1)
    out.index = [names[k][0 if lang == "en" else 1] for k in out.index]
    out.attrs["period"] = (f"{mid + pd.Timedelta(1):%Y-%m-%d} .. {end:%Y-%m-%d}")
    out.attrs["shares"] = [names[k][0 if lang == "en" else 1] for k in ("repeat_rate", "at_risk")]
    out.attrs["money"] = [names[k][0 if lang == "en" else 1] for k in ("revenue", "clv")]
    out.attrs["months"] = months
    return out


def format_kpis(table: pd.DataFrame, currency: str = "") -> pd.DataFrame:
    """The KPIs of :func:`kpis` as people read them: counts with separators, money in the
    currency, shares in %, changes in % (or points for shares), "—" where there is none.

    Examples
    --------
    >>> k = kpis(pd.DataFrame({"customer_id": ["a", "b", "a"], "amount": [10.0, 5.0, 8.0],
    ...     "order_date": pd.to_datetime(["2023-01-05", "2024-02-01", "2024-03-01"])}),
    ...     "2024-12-31")
    >>> format_kpis(k, "GBP")
                         current previous   change
    customers who bought       2        1    +100%
    revenue                  £13      £10     +30%
    repeat-purchase rate      0%       0%  +0.0 pt
    """
    from custlib.report.narrative import format_money

    shares = set(table.attrs.get("shares", []))
    money = set(table.attrs.get("money", []))

    def one(name: str, v: float) -> str:
        if v != v:
            return "—"
        return (f"{v:.0%}" if name in shares else format_money(v, currency) if name in money
                else f"{v:,.0f}")

    rows = {}
    for name, r in table.iterrows():
        ch = r["change"]
        change = "—" if ch != ch else (f"{ch * 100:+.1f} pt" if name in shares else
                                      f"{ch:+.0%}")
        rows[name] = {"current": one(name, r["value"]), "previous": one(name, r["previous"]),
                      "change": change}
    return pd.DataFrame(rows).T


# --- segment priorities --------------------------------------------------------------------

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


# --- measurements for the SWOT rules -----------------------------------------------------

def measures(summary: pd.DataFrame, *, state: pd.DataFrame | None = None,
             survey: pd.DataFrame | None = None, balance: pd.DataFrame | None = None,
             cumulative: pd.DataFrame | None = None, growth: pd.Series | None = None,
             ) -> dict[str, Any]:
    """The measurements :func:`custlib.report.strategy.swot_facts` turns into facts.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`custlib.value.summary.customer_summary` (``n_orders``, ``total_revenue``).
    state : pandas.DataFrame, optional
        Notebook 04's stages at the end of observation.
    survey : pandas.DataFrame, optional
    balance : pandas.DataFrame, optional
        :func:`custlib.lifecycle.stages.new_vs_returning` (English labels), monthly.
    cumulative : pandas.DataFrame, optional
        :func:`custlib.lifecycle.cohorts.cohort_cumulative_revenue`, monthly.
    growth : pandas.Series, optional
        :func:`segment_growth`.

    Returns
    -------
    dict
        Every measurement that could be computed (see :data:`custlib.report.strategy.RULES`).
    """
    from custlib.report import needs

    require_columns(summary, ["n_orders", "total_revenue"], "measures")
    out: dict[str, Any] = {"repeat_rate": float((summary["n_orders"] > 1).mean())}
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


# --- the HTML report ---------------------------------------------------------------------

_CSS = """
body{font-family:%(font)s;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;
line-height:1.5}
h1{font-size:1.9rem;border-bottom:3px solid #1f4e9c;padding-bottom:.3rem}
h2{font-size:1.4rem;color:#1f4e9c;margin-top:2.2rem;border-bottom:1px solid #ccc}
h3{font-size:1.1rem}
table{border-collapse:collapse;margin:.8rem 0;font-size:.85rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:right;vertical-align:top}
th{background:#f2f5fa}
td.t,th.t{text-align:left}
figure{margin:1rem 0;text-align:center}
figure img{max-width:100%%}
figcaption{font-size:.85rem;color:#555}
.kpis{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.kpi{flex:1 1 10rem;border:1px solid #ccd;border-radius:6px;padding:.6rem;background:#f8fafd}
.kpi .v{font-size:1.4rem;font-weight:bold}
.kpi .c{font-size:.85rem;color:#555}
.up{color:#1a7f37}.down{color:#c62828}
.note{color:#666;font-style:italic}
.toc a{text-decoration:none}
caption{caption-side:top;text-align:left;font-weight:bold;font-size:.9rem;padding:.3rem 0}
.tw{overflow-x:auto}
@page{size:A4;margin:14mm}
@media print{body{max-width:none;margin:0;padding:0}h2{page-break-before:always}
figure{page-break-inside:avoid}.toc{display:none}.tw{overflow:visible}
table{width:100%%;font-size:7.5pt}th,td{padding:.15rem .3rem}
td,tbody th{white-space:nowrap}td.t{white-space:normal}
thead{display:table-header-group}tr{page-break-inside:avoid}}
"""

#: Captions of the report's standard tables: key -> (en, zh). Pass a key as the caption of
#: :meth:`Report.table` and it is shown in the report's language.
CAPTIONS: dict[str, dict[str, str]] = {
    "segments": {"en": "Segments: size, revenue and predicted value",
                 "zh": "细分群体:规模、收入与预测价值"},
    "channels": {"en": "Channel mix: share of each segment's revenue",
                 "zh": "渠道构成:各细分群体收入占比"},
    "price": {"en": "Price sensitivity and basket by segment",
              "zh": "各细分群体的价格敏感度与购物篮"},
    "needs": {"en": "Needs by importance and urgency (survey)", "zh": "需求的重要性与紧迫性(调查)"},
    "loyalty": {"en": "Repeat purchasing by segment", "zh": "各细分群体的重复购买"},
    "nps": {"en": "Net Promoter Score by segment (survey)", "zh": "各细分群体的净推荐值(调查)"},
    "survey": {"en": "Satisfaction, repurchase intention and complaints (survey)",
               "zh": "满意度、复购意愿与投诉(调查)"},
    "satisfaction": {"en": "Satisfaction scores (survey)", "zh": "满意度评分分布(调查)"},
    "stages": {"en": "Customers by lifecycle stage", "zh": "各生命周期阶段的客户"},
    "swot": {"en": "SWOT items: the analyst's and the analysis's",
             "zh": "SWOT 条目:分析师与数据分析"},
    "tows": {"en": "TOWS strategies", "zh": "TOWS 策略"},
    "priorities": {"en": "Target segments in priority order", "zh": "目标细分群体优先级"},
}


def _inline_markdown(text: str) -> str:
    """Markdown (bold, italics, code, lists, paragraphs) to HTML, with the text escaped."""
    import mistune

    return mistune.create_markdown(escape=True)(str(text))


class Report:
    """A report assembled section by section, written as one self-contained HTML file.

    Parameters
    ----------
    title : str
    lang : {'en', 'zh'}
    subtitle : str, optional

    Examples
    --------
    >>> rep = Report("Customer analysis", lang="en")
    >>> rep = rep.section("intro", "1. Introduction")
    >>> rep = rep.text("Purpose: **know our customers**.")
    >>> "<strong>know our customers</strong>" in rep.html()
    True
    """

    def __init__(self, title: str, *, lang: str = "en", subtitle: str = "") -> None:
        check_lang(lang)
        self.title = title
        self.lang = lang
        self.subtitle = subtitle
        self.sections: list[dict[str, Any]] = []
        self.kpi_table: pd.DataFrame | None = None
        self.currency = ""

    def __repr__(self) -> str:
        blocks = sum(len(s["blocks"]) for s in self.sections)
        current = f", adding to {self.sections[-1]['title']!r}" if self.sections else ""
        return (f"<Report {self.title!r}: {len(self.sections)} section(s), {blocks} block(s)"
                f"{current}>")

    # building ------------------------------------------------------------------------------
    def section(self, key: str, title: str) -> Report:
        """Start a section (the following blocks go into it)."""
        if any(s["key"] == key for s in self.sections):
            raise ParameterError(f"Report: section {key!r} exists already")
        self.sections.append({"key": key, "title": title, "blocks": []})
        return self

    def standard_section(self, key: str) -> Report:
        """Start one of the eight standard sections (:data:`SECTIONS`) by its key."""
        return self.section(key, section_title(key, self.lang))

    def _add(self, kind: str, content: Any, caption: str = "") -> Report:
        if not self.sections:
            raise ParameterError("Report: start a section first with .section(key, title)")
        self.sections[-1]["blocks"].append((kind, content, caption))
        return self

    def text(self, markdown: str) -> Report:
        """A paragraph (Markdown; escaped)."""
        return self._add("text", markdown)

    def heading(self, text: str) -> Report:
        """A sub-heading within the section."""
        return self._add("heading", text)

    def bullets(self, items: list[str]) -> Report:
        """A bulleted list (each item escaped)."""
        return self._add("bullets", [str(i) for i in items])

    def table(self, df: pd.DataFrame, caption: str = "", *, digits: int = 2,
              percent: tuple[str, ...] = ()) -> Report:
        """A table; columns named in ``percent`` are shown as %. A ``caption`` that is a
        key of :data:`CAPTIONS` is shown in the report's language.
        """
        if caption in CAPTIONS:
            caption = label(CAPTIONS, caption, self.lang)
        return self._add("table", (df, digits, percent), caption)

    def figure(self, fig_or_ax: Any, caption: str = "") -> Report:
        """A matplotlib figure (or axes), embedded as PNG."""
        fig = getattr(fig_or_ax, "figure", fig_or_ax)
        buf = _io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        return self._add("image", base64.b64encode(buf.getvalue()).decode("ascii"), caption)

    def image(self, path: str | Path, caption: str = "") -> Report:
        """A PNG file (for example a figure saved by an earlier notebook), embedded."""
        p = Path(path)
        if not p.exists():
            return self.note(f"({p.name} is missing)" if self.lang == "en" else
                             f"({p.name} 不存在)")
        return self._add("image", base64.b64encode(p.read_bytes()).decode("ascii"), caption)

    def note(self, text: str) -> Report:
        """A note in italics (for skipped parts)."""
        return self._add("note", text)

    def kpis(self, table: pd.DataFrame, currency: str = "") -> Report:
        """The KPI cards that open the report (from :func:`kpis`); amounts in
        ``currency``.
        """
        self.kpi_table = table
        self.currency = currency
        return self

    # rendering -----------------------------------------------------------------------------
    def _table_html(self, df: pd.DataFrame, digits: int, percent: tuple[str, ...]) -> str:
        shown = readable(df, self.lang)
        percent = tuple(new for old, new in zip(df.columns, shown.columns, strict=True)
                        if old in percent or new in percent)
        df = shown
        corner = df.index.name or df.columns.name or ""
        head = "".join(f'<th class="t">{html.escape(str(corner))}</th>' +
                       "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns))
        rows = []
        for idx, row in df.iterrows():
            cells = []
            for c, v in row.items():
                if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(
                        v, bool):
                    text = "" if v != v else (f"{v:.0%}" if c in percent else
                                             f"{v:,.{digits}f}" if isinstance(
                                                 v, (float, np.floating)) and v % 1 else
                                             f"{v:,.0f}")
                    cells.append(f"<td>{text}</td>")
                else:
                    cells.append(f'<td class="t">{html.escape("" if v is None else str(v))}</td>')
            rows.append(f'<tr><th class="t">{html.escape(str(idx))}</th>{"".join(cells)}</tr>')
        return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"

    def _kpi_html(self) -> str:
        if self.kpi_table is None:
            return ""
        shown = format_kpis(self.kpi_table, self.currency)
        cards = []
        for (name, row), ch in zip(shown.iterrows(), self.kpi_table["change"], strict=True):
            change = html.escape(row["change"])
            if ch == ch:
                vs = "vs previous period" if self.lang == "en" else "较上一期"
                change = f'<span class="{"up" if ch > 0 else "down"}">{change}</span> {vs}'
            cards.append(f'<div class="kpi"><div>{html.escape(str(name))}</div>'
                         f'<div class="v">{html.escape(row["current"])}</div>'
                         f'<div class="c">{change}</div></div>')
        period = self.kpi_table.attrs.get("period", "")
        months = self.kpi_table.attrs.get("months", 12)
        label = f"Last {months} months" if self.lang == "en" else f"最近 {months} 个月"
        return f'<p class="note">{label}: {html.escape(period)}</p><div class="kpis">' + \
            "".join(cards) + "</div>"

    def html(self) -> str:
        """The whole report as one HTML document."""
        body = [f"<h1>{html.escape(self.title)}</h1>"]
        if self.subtitle:
            body.append(f'<p class="note">{html.escape(self.subtitle)}</p>')
        body.append(self._kpi_html())
        toc = "".join(f'<li><a href="#{html.escape(s["key"])}">{html.escape(s["title"])}</a></li>'
                      for s in self.sections)
        body.append(f'<nav class="toc"><ol>{toc}</ol></nav>')
        for s in self.sections:
            body.append(f'<section id="{html.escape(s["key"])}"><h2>{html.escape(s["title"])}'
                        "</h2>")
            for kind, content, caption in s["blocks"]:
                if kind == "text":
                    body.append(_inline_markdown(content))
                elif kind == "heading":
                    body.append(f"<h3>{html.escape(content)}</h3>")
                elif kind == "bullets":
                    body.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in content)
                                + "</ul>")
                elif kind == "note":
                    body.append(f'<p class="note">{html.escape(content)}</p>')
                elif kind == "table":
                    df, digits, percent = content
                    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
                    body.append('<div class="tw">' + self._table_html(df, digits, percent)
                                .replace("<table>", f"<table>{cap}", 1) + "</div>")
                elif kind == "image":
                    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
                    body.append(f'<figure><img alt="{html.escape(caption)}" '
                                f'src="data:image/png;base64,{content}">{cap}</figure>')
            body.append("</section>")
        stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        body.append(f'<p class="note">custlib · {stamp}</p>')
        text = "\n".join(body)
        font_face, family = _font_face(text) if self.lang == "zh" or _has_cjk(text) else ("", "")
        fonts = (f"'{family}'," if family else "") + \
            "'Noto Sans CJK SC','Noto Sans SC','PingFang SC','Microsoft YaHei',Arial,sans-serif"
        css = font_face + _CSS % {"font": fonts}
        lang_attr = "zh-CN" if self.lang == "zh" else "en"
        return (f'<!DOCTYPE html>\n<html lang="{lang_attr}"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{html.escape(self.title)}</title><style>{css}</style></head>"
                f"<body>{text}</body></html>")

    def write(self, path: str | Path, *, pdf: bool = True) -> list[Path]:
        """Write the HTML (and a PDF when a PDF engine is available).

        Returns
        -------
        list of pathlib.Path
            The HTML file, and the PDF when one was made.
        """
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.html(), encoding="utf-8")
        out = [target]
        if pdf:
            made = html_to_pdf(target)
            if made is not None:
                out.append(made)
        return out


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def _font_face(text: str) -> tuple[str, str]:
    """An @font-face rule embedding the CJK font, subset to the characters of ``text``."""
    from custlib.i18n import cjk_font_path

    path = cjk_font_path()
    if path is None:
        return "", ""
    from fontTools import subset

    visible = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
    chars = "".join(sorted(set(visible)))
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(path, options)
    sub = subset.Subsetter(options)
    sub.populate(text=chars)
    sub.subset(font)
    buf = _io.BytesIO()
    subset.save_font(font, buf, options)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    family = "custlib CJK"
    return (f"@font-face{{font-family:'{family}';src:url(data:font/woff;base64,{data}) "
            "format('woff');}", family)


def html_to_pdf(html_path: Path) -> Path | None:
    """Print an HTML file to PDF with the first engine found (WeasyPrint, Chromium,
    wkhtmltopdf); None when there is none (print from a browser instead).

    WeasyPrint is the ``pdf`` extra (``pip install custlib[pdf]``); it needs the Pango
    library, and is passed over when that is missing.
    """
    import logging
    import warnings

    pdf = html_path.with_suffix(".pdf")
    try:
        with warnings.catch_warnings():  # a note about an optional font-subsetting library
            warnings.filterwarnings("ignore", message="HarfBuzz-Subset",
                                    category=DeprecationWarning)
            import weasyprint  # type: ignore[import-not-found]
    except (ImportError, OSError):  # OSError: installed, but Pango is missing
        weasyprint = None
    if weasyprint is not None:
        quiet = logging.getLogger("weasyprint")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # CSS it does not use is not the reader's concern
        try:
            weasyprint.HTML(filename=str(html_path)).write_pdf(str(pdf))
        finally:
            quiet.setLevel(level)
        return pdf
    for exe in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(exe):
            subprocess.run([exe, "--headless", "--disable-gpu", f"--print-to-pdf={pdf}",
                            html_path.as_uri()], check=False, capture_output=True, timeout=120)
            return pdf if pdf.exists() else None
    if shutil.which("wkhtmltopdf"):
        subprocess.run(["wkhtmltopdf", str(html_path), str(pdf)], check=False,
                       capture_output=True, timeout=120)
        return pdf if pdf.exists() else None
    return None


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
    risk_text = {"p_alive": ("{:.0%} likely inactive (1 - P(alive))",
                             "{:.0%} 可能已不活跃(1 - P(alive))"),
                 "stage": ("{:.0%} at risk, dormant or churned", "{:.0%} 处于风险、沉睡或流失阶段")
                 }.get(attractiveness.attrs.get("risk_measure", ""), ("risk {:.2f}", "风险 {:.2f}"))
    rows = []
    for seg, r in attractiveness.iterrows():
        parts = [f"{r['size']:.0%} of customers" if lang == "en" else f"客户占比 {r['size']:.0%}"]
        if r["value"] == r["value"]:
            what = {"clv": ("mean CLV", "平均 CLV"), "total_revenue": ("mean revenue", "人均收入")}
            name = what.get(measure, ("value", "价值"))[0 if lang == "en" else 1]
            parts.append(f"{name} {r['value']:,.0f} {currency}".strip())
        if r["growth"] == r["growth"]:
            parts.append(f"revenue {r['growth']:+.0%} in 6 months" if lang == "en" else
                          f"近 6 个月收入 {r['growth']:+.0%}")
        if r["risk"] == r["risk"]:
            parts.append(risk_text[0 if lang == "en" else 1].format(r["risk"]))
        rows.append({"priority": int(r["priority"]), "segment": str(seg),
                     "score": float(r["score"]), "why": "; ".join(parts),
                     "action": actions.get(str(seg), "")})
    return pd.DataFrame(rows).set_index("priority")


# --- section helpers used by notebook 05 ---------------------------------------------------

def add_introduction(rep: Report, business: dict[str, Any]) -> Report:
    """Section 1's text from the context file: purpose, background, business, targets."""
    analysis = business.get("analysis") or {}
    company = business.get("company") or {}
    heads = {"purpose": ("Purpose", "分析目的"), "background": ("Background", "背景"),
             "target_customers": ("Target customers", "目标客户")}
    i = 0 if rep.lang == "en" else 1
    if company.get("description"):
        rep.text(f"**{('Business', '企业概况')[i]}**: {escape_markdown(company['description'])}")
    for key, names in heads.items():
        if analysis.get(key):
            rep.text(f"**{names[i]}**: {escape_markdown(analysis[key])}")
    if not analysis and not company:
        rep.note("No business-context file: purpose and background are not stated."
                 if rep.lang == "en" else "没有业务背景文件:未说明分析目的与背景。")
    return rep


def segment_overview(table: pd.DataFrame, segment_col: str, *, lang: str = "en"
                     ) -> pd.DataFrame:
    """Per segment: customers, share of customers, of past revenue and of predicted value."""
    check_lang(lang)
    require_columns(table, [segment_col], "segment_overview")
    g = table.groupby(segment_col, observed=True)
    heads = {"en": ("customers", "share of customers", "share of revenue", "share of CLV",
                    "mean CLV"),
             "zh": ("客户数", "客户占比", "收入占比", "CLV 占比", "平均 CLV")}[lang]
    out = pd.DataFrame({heads[0]: g.size(), heads[1]: g.size() / len(table)})
    if "total_revenue" in table:
        out[heads[2]] = g["total_revenue"].sum() / table["total_revenue"].sum()
    if "clv" in table:
        out[heads[3]] = g["clv"].sum() / table["clv"].sum()
        out[heads[4]] = g["clv"].mean()
    out.index.name = {"en": "segment", "zh": "细分群体"}[lang]
    return out.sort_values(heads[0], ascending=False)


def read_csv_table(path: str | Path) -> pd.DataFrame:
    """A table written by an earlier notebook (UTF-8 with BOM, first column the index)."""
    return pd.read_csv(path, index_col=0, encoding="utf-8-sig")


def canvas_analysis(table: pd.DataFrame, segment_col: str, transactions: pd.DataFrame,
                    measured: dict[str, Any], *, lang: str = "en", currency: str = ""
                    ) -> dict[str, list[str]]:
    """Lines the analysis adds to the canvas: segments, revenue streams, relationships, KPIs.

    Returns
    -------
    dict of str to list of str
        For ``customer_segments`` (the three largest segments by value), ``revenue_streams``
        (revenue by channel), ``customer_relationships`` (repeat rate, share at risk) and
        ``key_metrics``.
    """
    from custlib.report.narrative import format_money

    check_lang(lang)
    zh = lang == "zh"
    out: dict[str, list[str]] = {"customer_segments": [], "revenue_streams": [],
                                 "customer_relationships": [], "key_metrics": []}
    value = "clv" if "clv" in table else "total_revenue" if "total_revenue" in table else None
    if value and segment_col in table:
        g = table.groupby(segment_col, observed=True)
        share = (g[value].sum() / table[value].sum()).sort_values(ascending=False).head(3)
        size = g.size() / len(table)
        what = ("CLV" if value == "clv" else ("revenue" if not zh else "收入"))
        for seg, v in share.items():
            out["customer_segments"].append(
                f"{seg}:客户 {size[seg]:.0%},{what} {v:.0%}" if zh else
                f"{seg}: {size[seg]:.0%} of customers, {v:.0%} of {what}")
    if "channel" in transactions:
        rev = transactions.groupby(transactions["channel"].astype(str))["amount"].sum()
        for ch, v in (rev / rev.sum()).sort_values(ascending=False).head(4).items():
            out["revenue_streams"].append(f"{ch}:收入 {v:.0%}" if zh else
                                          f"{ch}: {v:.0%} of revenue")
    if "repeat_rate" in measured:
        out["customer_relationships"].append(
            f"复购率 {measured['repeat_rate']:.0%}" if zh else
            f"repeat-purchase rate {measured['repeat_rate']:.0%}")
    if "at_risk_share" in measured:
        out["customer_relationships"].append(
            f"风险及沉睡客户 {measured['at_risk_share']:.0%}" if zh else
            f"{measured['at_risk_share']:.0%} of customers at risk or dormant")
    metrics = [("repeat_rate", "repeat rate", "复购率"), ("top10_share", "top-10% revenue share",
                                                        "前 10% 客户收入占比"),
               ("at_risk_share", "at risk", "风险客户占比")]
    for key, en, zh_name in metrics:
        if measured.get(key) is not None:
            out["key_metrics"].append(f"{zh_name if zh else en} {measured[key]:.0%}")
    if "nps" in measured:
        out["key_metrics"].append(f"NPS {measured['nps']:.0f}")
    if "clv" in table:
        out["key_metrics"].append(("12 个月 CLV " if zh else "12-month CLV ") +
                                  format_money(float(table["clv"].sum()), currency))
    return out


def summary_points(kpi_table: pd.DataFrame, facts: pd.DataFrame, recs: pd.DataFrame, *,
                   lang: str = "en") -> list[str]:
    """The bullet points that open section 8: KPIs that moved, facts, priorities."""
    check_lang(lang)
    zh = lang == "zh"
    shares = set(kpi_table.attrs.get("shares", []))
    points = []
    for name, r in kpi_table.iterrows():
        if r["change"] == r["change"] and abs(r["change"]) >= 0.05 and name not in shares:
            points.append(f"{name}:较上一期 {r['change']:+.0%}" if zh else
                          f"{name}: {r['change']:+.0%} against the previous period")
        elif r["change"] == r["change"] and name in shares and abs(r["change"]) >= 0.02:
            points.append(f"{name}:变化 {r['change'] * 100:+.1f} 个百分点" if zh else
                          f"{name}: {r['change'] * 100:+.1f} points against the previous period")
    names = {"strengths": ("strength", "优势"), "weaknesses": ("weakness", "劣势"),
             "opportunities": ("opportunity", "机会"), "threats": ("threat", "威胁")}
    for _, f in facts.iterrows():
        points.append(f"{names[f['quadrant']][1 if zh else 0]}:{f['item']}" if zh else
                      f"{names[f['quadrant']][0].capitalize()}: {f['item']}")
    for prio, r in recs.iterrows():
        points.append(f"优先级 {prio}:{r['segment']}({r['why']})— {r['action']}" if zh else
                      f"Priority {prio}: {r['segment']} ({r['why']}) — {r['action']}")
    return points


def segment_report(recs: pd.DataFrame, table: pd.DataFrame, segment_col: str,
                   transactions: pd.DataFrame, *, survey: pd.DataFrame | None = None,
                   cards_file: str | Path | None = None, rivals: pd.DataFrame | None = None,
                   lang: str = "en", currency: str = "", title: str = "",
                   observation_end: str | None = None, months: int = 6) -> Report:
    """The segment market report: one section per priority segment.

    Each section: size and share (customers, revenue, CLV), traits (notebook 02's profile
    card when there is one), needs (top categories and channels; the top survey need),
    growth (the members' revenue and buyers in the last ``months`` months against the
    ``months`` before ``observation_end``, default the last order), the competitive
    setting, and the recommended action.
    """
    from custlib.report import needs as needs_mod
    from custlib.report.narrative import format_money

    check_lang(lang)
    zh = lang == "zh"
    rep = Report((title + " · " if title else "") + ("细分市场报告" if zh else
                                                      "Segment market report"), lang=lang)
    cards = read_csv_table(cards_file) if cards_file and Path(cards_file).exists() else None
    end = (pd.Timestamp(observation_end) + pd.Timedelta(days=1) if observation_end else
           transactions["order_date"].max() + pd.Timedelta(seconds=1))
    seg = table[segment_col].astype(str) if segment_col in table else None
    for prio, r in recs.iterrows():
        name = str(r["segment"])
        rep.section(f"segment-{prio}", f"{prio}. {name}")
        members = table.index[seg == name] if seg is not None else table.index[:0]
        part = table.loc[members]
        lines = [(f"客户 {len(part):,} 位({len(part) / len(table):.0%})" if zh else
                  f"{len(part):,} customers ({len(part) / len(table):.0%} of all)")]
        if "total_revenue" in table:
            share = part["total_revenue"].sum() / table["total_revenue"].sum()
            lines.append(f"历史收入占比 {share:.0%}" if zh else f"{share:.0%} of past revenue")
        if "clv" in table:
            share = part["clv"].sum() / table["clv"].sum()
            lines.append(f"未来价值占比 {share:.0%}" if zh else f"{share:.0%} of predicted value")
        lines.append(f"{'评估' if zh else 'Why'}: {r['why']}")
        rep.heading("规模与份额" if zh else "Size and share").bullets(lines)
        if cards is not None and name in cards.index:
            card = cards.loc[name]
            # notebook 02's card columns, by their heading in the run's language (columns
            # such as top categories or the typical member exist only when the data has them)
            from custlib.segments.profiles import LABELS as card_labels

            heads = {label(card_labels, k, lang): k for k in (
                "avg_order_value", "orders_per_customer", "top_categories", "top_channels",
                "typical")}
            keep = [i for i, head in enumerate(card.index) if head in heads
                    and str(card.iloc[i]) not in ("", "nan")]
            if keep:
                rep.heading("特征" if zh else "Traits").bullets(
                    [f"{card.index[i]}: " + (format_money(float(card.iloc[i]), currency)
                                            if heads[card.index[i]] == "avg_order_value"
                                            else _cell(card.iloc[i])) for i in keep])
        tx = transactions[transactions["customer_id"].astype(str).isin(set(members))]
        rep.heading("增长" if zh else "Growth").bullets(
            _growth_lines(tx, end, months, lang=lang, currency=currency))
        needs_lines = []
        for col in ("category", "channel"):
            if col in tx and len(tx):
                top = (tx.groupby(col)["amount"].sum() / tx["amount"].sum()).nlargest(3)
                head = {"category": "品类", "channel": "渠道"}[col] if zh else col
                needs_lines.append(f"{head}: " + ", ".join(f"{k} {v:.0%}" for k, v in top.items()))
        if survey is not None and "top_need" in survey:
            sv = survey[survey["customer_id"].astype(str).isin(set(members))]
            ranked = needs_mod.top_needs(sv) if len(sv) else None
            if ranked is not None and len(ranked):
                needs_lines.append(("首要需求" if zh else "top need") +
                                   f": {ranked.index[0]} ({ranked['importance'].iloc[0]:.0%})")
        rep.heading("需求" if zh else "Needs").bullets(needs_lines or ["—"])
        if rivals is not None and rivals["us"].any():
            us = rivals[rivals["us"]].iloc[0]
            leader = rivals["market_share"].idxmax()
            leader_text = escape_markdown(leader)
            rep.heading("竞争" if zh else "Competitors").text(
                f"我们的市场份额 {us['market_share']:.0%};份额最大的是 {leader_text}"
                f"({rivals.loc[leader, 'market_share']:.0%})。" if zh else
                f"Our market share is {us['market_share']:.0%}; the leader is {leader_text} "
                f"({rivals.loc[leader, 'market_share']:.0%}).")
        rep.heading("建议行动" if zh else "Recommended action").text(
            escape_markdown(r["action"]) or "—")
    return rep


def _growth_lines(tx: pd.DataFrame, end: pd.Timestamp, months: int, *, lang: str,
                  currency: str) -> list[str]:
    """Revenue and buyers of a group: the last ``months`` months against those before."""
    from custlib.report.narrative import format_money

    mid, start = end - pd.DateOffset(months=months), end - pd.DateOffset(months=2 * months)
    now = tx[(tx["order_date"] >= mid) & (tx["order_date"] < end)]
    before = tx[(tx["order_date"] >= start) & (tx["order_date"] < mid)]
    lines = []
    for what, a, b, money in (("revenue", now["amount"].sum(), before["amount"].sum(), True),
                              ("buyers", now["customer_id"].nunique(),
                               before["customer_id"].nunique(), False)):
        a_text = format_money(float(a), currency) if money else f"{a:,}"
        b_text = format_money(float(b), currency) if money else f"{b:,}"
        change = (f"({a / b - 1:+.0%})" if lang == "zh" else f" ({a / b - 1:+.0%})") if b else ""
        if lang == "zh":
            name = {"revenue": "收入", "buyers": "购买客户"}[what]
            lines.append(f"近 {months} 个月{name} {a_text},此前 {months} 个月 {b_text}{change}")
        else:
            lines.append(f"{what} in the last {months} months {a_text}, against {b_text} in "
                         f"the {months} before{change}")
    return lines


def _cell(value: Any) -> str:
    """A table value for text: numbers rounded, the rest as is."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return f"{value:,.1f}" if value % 1 else f"{value:,.0f}"
    return str(value)


def save_tables(run: Any, *, kpis: pd.DataFrame, swot: pd.DataFrame,
                priorities: pd.DataFrame) -> list[Path]:
    """Write the report's key tables to ``tables/`` as CSV (UTF-8 with BOM)."""
    paths = []
    for name, df in (("kpis", kpis), ("swot", swot), ("segment_priorities", priorities)):
        path = run.path("tables", f"{name}.csv")
        df.to_csv(path, encoding="utf-8-sig")
        paths.append(path)
    return paths


def pdf_note(written: list[Path], lang: str = "en") -> str:
    """Where the report went, and whether a PDF was made."""
    check_lang(lang)
    html_files = [p for p in written if p.suffix == ".html"]
    pdfs = [p for p in written if p.suffix == ".pdf"]
    where = ", ".join(code_span(p) for p in html_files)
    if lang == "zh":
        return f"报告已写入 {where}。" + ("已生成 PDF。" if pdfs else
                                       "未找到 PDF 引擎(WeasyPrint、Chromium 或 wkhtmltopdf):"
                                       "可在浏览器中打开 HTML 并打印为 PDF(已为打印排版)。")
    return f"Report written to {where}. " + (
        "PDF written too." if pdfs else "No PDF engine found (WeasyPrint, Chromium or "
        "wkhtmltopdf): open the HTML in a browser and print it to PDF (it is laid out for "
        "printing).")
