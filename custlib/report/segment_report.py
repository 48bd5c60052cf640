"""The segment market report: one section per priority segment.

The variant of the customer analysis report that the Chinese texts call a segment market
report (细分市场报告): for each segment, its size and share, traits, growth, needs, the
competitive setting and the recommended action.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from custlib.data.engines.table import LineTable, frame_of
from custlib.i18n import check_lang, labels, t
from custlib.i18n.formats import number, percent, signed_percent
from custlib.report.document import Report
from custlib.report.narrative import format_money
from custlib.report.priorities import growth_applies
from custlib.report.sections import read_csv_table
from custlib.safety import escape_markdown

__all__ = ["segment_report"]

#: notebook 02's profile-card columns shown as traits (``segments.column`` in the catalogs)
CARD_TRAITS = ("avg_order_value", "orders_per_customer", "top_categories", "top_channels",
               "typical")


def _cell(value: Any) -> str:
    """A table value for text: numbers rounded, the rest as is."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return f"{value:,.1f}" if value % 1 else f"{value:,.0f}"
    return str(value)


def _size_lines(part: pd.DataFrame, table: pd.DataFrame, why: Any, lang: str) -> list[str]:
    """Customers, share of past revenue and of predicted value, and why it ranks here."""
    lines = [t("report.segment_report.customers", lang, n=number(len(part), lang),
               share=percent(len(part) / len(table), lang))]
    if "total_revenue" in table:
        share = part["total_revenue"].sum() / table["total_revenue"].sum()
        lines.append(t("report.segment_report.revenue_share", lang, share=percent(share, lang)))
    if "clv" in table:
        share = part["clv"].sum() / table["clv"].sum()
        lines.append(t("report.segment_report.clv_share", lang, share=percent(share, lang)))
    lines.append(t("report.segment_report.why", lang, why=why))
    return lines


def _overview_lines(recs: pd.DataFrame, table: pd.DataFrame, seg: pd.Series | None,
                    lang: str) -> list[str]:
    """The report in a few sentences: segments, the largest, the most valuable, what first.

    The most valuable by predicted value (``clv``) when the run has it, else by past
    revenue; the first action is the top priority's. Bullets are plain text (the page
    escapes them), so names are not Markdown-escaped.
    """
    lines = []
    if seg is not None and len(seg):
        sizes = seg.value_counts()
        lines.append(t("report.segment_report.overview.count", lang, n=f"{len(sizes):,}",
                       customers=f"{len(seg):,}", shown=f"{len(recs):,}"))
        lines.append(t("report.segment_report.overview.largest", lang,
                       segment=str(sizes.index[0]),
                       n=f"{sizes.iloc[0]:,}", share=f"{sizes.iloc[0] / len(seg):.0%}"))
        for col, key in (("clv", "most_valuable_clv"), ("total_revenue", "most_valuable_revenue")):
            if col in table and table[col].sum() > 0:
                worth = table[col].groupby(seg).sum()
                lines.append(t(f"report.segment_report.overview.{key}", lang,
                               segment=str(worth.idxmax()),
                               share=f"{worth.max() / worth.sum():.0%}"))
                break
    if len(recs):
        first = recs.iloc[0]
        lines.append(t("report.segment_report.overview.first", lang,
                       segment=str(first["segment"]),
                       action=str(first.get("action") or "—")))
    return lines


def _relabel_listing(text: str, names: Mapping[str, str]) -> str:
    """A profile card's listing with each data value by its name in ``names``.

    A listing is ``"web 46%, phone 18%"`` or ``"individual (65%); London (19%)"``.

    Examples
    --------
    >>> _relabel_listing("web 46%, sales team 18%", {"web": "网店", "sales team": "销售团队"})
    '网店 46%, 销售团队 18%'
    """
    def one(m: re.Match[str]) -> str:
        return m.group(1) + names.get(m.group(2), m.group(2)) + m.group(3)

    return re.sub(r"(^|[,;] ?)([^,;]+?)( \(?[\d.]+%\)?)(?=$|[,;])", one, text)


def _trait_lines(card: pd.Series, lang: str, currency: str,
                 names: Mapping[str, str] | None = None) -> list[str]:
    """Notebook 02's profile card of the segment, by its headings in ``lang``.

    Columns such as top categories or the typical member exist only when the data has
    them; their data values are named as ``names`` says (the context's ``labels``).
    """
    columns = labels("segments.column", lang)
    heads = {columns[k]: k for k in CARD_TRAITS}
    keep = [i for i, head in enumerate(card.index) if head in heads
            and str(card.iloc[i]) not in ("", "nan")]
    return [f"{card.index[i]}: " + (format_money(float(card.iloc[i]), currency, lang)
                                    if heads[card.index[i]] == "avg_order_value"
                                    else _relabel_listing(_cell(card.iloc[i]), names or {}))
            for i in keep]


def _growth_lines(tx: pd.DataFrame, end: pd.Timestamp, months: int, *, lang: str,
                  currency: str) -> list[str]:
    """Revenue and buyers of a group: the last ``months`` months against those before."""
    mid, start = end - pd.DateOffset(months=months), end - pd.DateOffset(months=2 * months)
    now = tx[(tx["order_date"] >= mid) & (tx["order_date"] < end)]
    before = tx[(tx["order_date"] >= start) & (tx["order_date"] < mid)]
    what = labels("report.segment_report.trend", lang)
    lines = []
    for key, a, b, money in (("revenue", now["amount"].sum(), before["amount"].sum(), True),
                             ("buyers", now["customer_id"].nunique(),
                              before["customer_id"].nunique(), False)):
        a_text = format_money(float(a), currency, lang) if money else number(a, lang)
        b_text = format_money(float(b), currency, lang) if money else number(b, lang)
        change = t("report.segment_report.trend_change", lang,
                   change=signed_percent(a / b - 1, lang)) if b else ""
        lines.append(t("report.segment_report.trend_line", lang, what=what[key],
                       months=months, now=a_text, before=b_text, change=change))
    return lines


def _need_lines(tx: pd.DataFrame, survey: pd.DataFrame | None, members: set[str],
                lang: str) -> list[str]:
    """The segment's top categories and channels by revenue, and its top survey need."""
    from custlib.report.needs import top_needs

    mix = labels("report.segment_report.mix", lang)
    lines = []
    for col in ("category", "channel"):
        if col in tx and len(tx):
            top = (tx.groupby(col)["amount"].sum() / tx["amount"].sum()).nlargest(3)
            lines.append(f"{mix[col]}: " + ", ".join(f"{k} {percent(v, lang)}"
                                                     for k, v in top.items()))
    if survey is not None and "top_need" in survey:
        sv = survey[survey["customer_id"].astype(str).isin(members)]
        ranked = top_needs(sv) if len(sv) else None
        if ranked is not None and len(ranked):
            lines.append(t("report.segment_report.top_need", lang, need=ranked.index[0],
                           share=percent(ranked["importance"].iloc[0], lang)))
    return lines


def _line_segment_codes(ids: pd.Series, seg: pd.Series | None
                        ) -> tuple[np.ndarray, dict[str, int]]:
    """Each line's segment as a code (-1: none), and the code of each segment's name.

    A line belongs to the segment of its customer (ids compared as text). Each distinct id
    is looked up once, then the lines of a segment are one comparison of small codes, not
    the lines' ids tested against the segment's members once per segment (5 segments of
    7.6M lines: 5.2-6.7 s before, 2.4-2.9 s now).
    """
    if seg is None:
        return np.full(len(ids), -1, dtype=np.int8), {}
    names, values = pd.factorize(seg.to_numpy(dtype=object))  # -1: no segment
    keys = pd.Index(seg.index.astype(str))
    first = ~keys.duplicated()
    keys, names = keys[first], names[first]
    codes, uniques = pd.factorize(ids.astype(str))  # -1: a line without a customer id
    at = keys.get_indexer(uniques)  # -1: a customer the table does not hold
    per_id = np.append(names, -1)[np.append(np.where(at >= 0, at, len(names)), len(names))]
    kind = np.int16 if len(values) < 2**15 else np.int32
    return per_id.astype(kind)[codes], {str(v): i for i, v in enumerate(values)}


def _market_text(rivals: pd.DataFrame, lang: str) -> str:
    """Our market share and the leader's (Markdown; the leader's name escaped)."""
    us = rivals[rivals["us"]].iloc[0]
    leader = rivals["market_share"].idxmax()
    return t("report.segment_report.market", lang, us=percent(us["market_share"], lang),
             leader=escape_markdown(leader),
             leader_share=percent(rivals.loc[leader, "market_share"], lang))


def segment_report(recs: pd.DataFrame, table: pd.DataFrame, segment_col: str,
                   transactions: pd.DataFrame | LineTable, *, survey: pd.DataFrame | None = None,
                   cards_file: str | Path | None = None, rivals: pd.DataFrame | None = None,
                   lang: str = "en", currency: str = "", title: str = "",
                   observation_end: str | None = None, months: int = 6,
                   labels: Mapping[str, str] | None = None) -> Report:
    """The segment market report: a summary, then one section per priority segment.

    The summary says in words how many segments there are, the largest, the most valuable
    and what to do first.

    Each section: size and share (customers, revenue, CLV), traits (notebook 02's profile
    card when there is one), needs (top categories and channels; the top survey need),
    growth (the members' revenue and buyers in the last ``months`` months against the
    ``months`` before ``observation_end``, default the last order; for a scheme built from
    purchases, such as the RFM segments, why it is not shown:
    :func:`custlib.report.priorities.growth_applies`), the competitive setting, and the
    recommended action.

    Parameters
    ----------
    recs : pandas.DataFrame
        :func:`custlib.report.priorities.recommendations`, the segments to describe.
    table : pandas.DataFrame
        One row per customer with ``segment_col`` (and ``total_revenue``, ``clv``).
    segment_col : str
    transactions : pandas.DataFrame or LineTable
        Clean lines (``customer_id``, ``order_date``, ``amount``; ``category`` and
        ``channel`` when the log has them; lines on disk are read for those only).
    survey : pandas.DataFrame, optional
    cards_file : str or pathlib.Path, optional
        Notebook 02's ``profile_cards.csv``.
    rivals : pandas.DataFrame, optional
        :func:`custlib.report.competitors.competitor_table`.
    lang : {'en', 'zh'}
    currency : str
    title : str
        Put before the report's own title.
    observation_end : str, optional
    months : int, default 6
    labels : mapping of str to str, optional
        The data's values by their names in ``lang`` (the context's ``labels``:
        :func:`custlib.data.context.data_labels`), for the profile cards; the other
        tables arrive renamed (:meth:`custlib.run.workflow.CleanTables.relabelled`).

    Returns
    -------
    Report
    """
    check_lang(lang)
    transactions = frame_of(transactions, ["customer_id", "order_date", "amount"],
                            optional=["category", "channel"])
    name = t("report.segment_report.title", lang)
    rep = Report(f"{title} · {name}" if title else name, lang=lang, currency=currency)
    cards = read_csv_table(cards_file) if cards_file and Path(cards_file).exists() else None
    end = (pd.Timestamp(observation_end) + pd.Timedelta(days=1) if observation_end else
           transactions["order_date"].max() + pd.Timedelta(seconds=1))
    seg = table[segment_col].astype(str) if segment_col in table else None
    line_segment, segment_codes = _line_segment_codes(transactions["customer_id"], seg)
    rep.section("segment-overview", t("report.segment_report.overview.title", lang)).bullets(
        _overview_lines(recs, table, seg, lang))
    for prio, r in recs.iterrows():
        segment = str(r["segment"])
        rep.section(f"segment-{prio}", f"{prio}. {segment}")
        members = table.index[seg == segment] if seg is not None else table.index[:0]
        rep.heading(t("report.segment_report.size", lang)).bullets(
            _size_lines(table.loc[members], table, r["why"], lang))
        if cards is not None and segment in cards.index:
            traits = _trait_lines(cards.loc[segment], lang, currency, labels)
            if traits:
                rep.heading(t("report.segment_report.traits", lang)).bullets(traits)
        tx = transactions[line_segment == segment_codes.get(segment, -2)]
        rep.heading(t("report.segment_report.growth", lang)).bullets(
            _growth_lines(tx, end, months, lang=lang, currency=currency)
            if growth_applies(segment_col) else [t("report.priority_rule.no_growth", lang)])
        rep.heading(t("report.segment_report.needs", lang)).bullets(
            _need_lines(tx, survey, set(members), lang) or ["—"])
        if rivals is not None and rivals["us"].any():
            rep.heading(t("report.segment_report.competitors", lang)).text(
                _market_text(rivals, lang))
        rep.heading(t("report.segment_report.action", lang)).text(
            escape_markdown(r["action"]) or "—")
    return rep
