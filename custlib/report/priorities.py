"""Which segments to target first: the value at stake in each, growth where it means something.

Section 8 of the report ranks the segments by :func:`segment_priorities`: the value its
customers are predicted to bring (the sum of their CLV from notebook 03; without it, their
revenue of the last 12 months), largest first, and prints that rule in one sentence
(:func:`priority_rule`). :func:`recommendations` gives each segment its reasons in words and
its action from the segment guide.

Why not a weighted score of size, value, growth and risk? Because on real logs it said
things that are not true. Growth of a segment defined by its members' purchases (every
scheme of notebook 02: RFM segments, the 8 types, value tiers, clusters) is set by the
definition: the New segment holds those who just made their first purchase, so its
members' revenue "grew" by thousands of percent; the Lost segment holds those who stopped,
so it "shrank" by 100%. And a min-max scaled mix let a large segment of Lost customers rank
third. The value at stake is one number in money, comparable across segments, that already
counts the risk: notebook 03's CLV is each customer's expected purchases, weighted by the
chance that the customer is still active (P(alive)), times the expected spend and margin,
discounted; multiplying by P(alive) again would count the risk twice.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.data.engines.saved import is_saved_lines
from custlib.data.engines.table import LineTable, frame_of
from custlib.i18n import check_lang, has, t
from custlib.i18n.formats import percent, signed_percent
from custlib.report.narrative import format_money
from custlib.safety import escape_markdown

__all__ = ["BEHAVIOURAL_SEGMENTS", "growth_applies", "p_alive_note", "priority_rule",
           "recommendations",
           "segment_growth", "segment_priorities"]

#: Segment columns defined by the customers' own purchases (notebooks 02 and 04): the
#: change in their members' revenue is set by the definition, so it is not a growth.
BEHAVIOURAL_SEGMENTS: frozenset[str] = frozenset({
    "rfm_segment", "rfm8_segment", "value_tier", "importance", "relationship", "cluster",
    "stage", "state"})


def growth_applies(segment_col: str) -> bool:
    """Whether the growth of a segment's revenue means something for ``segment_col``.

    It does for segments the customers belong to whatever they buy (region, customer
    type, acquisition channel: columns of the customers table), where more revenue from
    today's members than six months earlier is the segment growing. It does not for
    segments defined by the purchases themselves (:data:`BEHAVIOURAL_SEGMENTS`): members
    are chosen by when and how much they bought, so their revenue before and after is
    the definition seen again (New always "grows", Lost always "shrinks").

    Examples
    --------
    >>> growth_applies("region"), growth_applies("rfm_segment")
    (True, False)
    """
    return segment_col not in BEHAVIOURAL_SEGMENTS


def segment_growth(transactions: pd.DataFrame | LineTable, segment: pd.Series,
                   observation_end: str, *, months: int = 6) -> pd.Series:
    """Change of each segment's revenue: last ``months`` months against the ``months`` before.

    Members are today's; the measure says whether the customers now in a segment are
    buying more or less than half a year earlier. Use it only where
    :func:`growth_applies` (segments of attributes, not of purchases).

    Parameters
    ----------
    transactions : pandas.DataFrame or LineTable
        Clean lines (``customer_id``, ``order_date``, ``amount``; lines on disk are read
        for those only).
    segment : pandas.Series
        Segment by customer id.
    observation_end : str
    months : int, default 6

    Returns
    -------
    pandas.Series
        Relative change by segment (NaN where the earlier period had no revenue).
    """
    require_columns(transactions, ["customer_id", "order_date", "amount"], "segment_growth")
    transactions = frame_of(transactions, ["customer_id", "order_date", "amount"])
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


def recent_revenue(transactions: pd.DataFrame | LineTable, observation_end: str, *,
                   months: int = 12) -> pd.Series:
    """Revenue of each customer in the last ``months`` months up to ``observation_end``.

    Parameters
    ----------
    transactions : pandas.DataFrame or LineTable
        Clean lines (``customer_id``, ``order_date``, ``amount``).
    observation_end : str
    months : int, default 12

    Returns
    -------
    pandas.Series
        Revenue by customer id (text), customers with lines in the period only.
    """
    require_columns(transactions, ["customer_id", "order_date", "amount"], "recent_revenue")
    transactions = frame_of(transactions, ["customer_id", "order_date", "amount"])
    end = pd.Timestamp(observation_end).normalize() + pd.Timedelta(days=1)
    start = end - pd.DateOffset(months=months)
    inside = (transactions["order_date"] >= start) & (transactions["order_date"] < end)
    return transactions.loc[inside, "amount"].groupby(
        transactions.loc[inside, "customer_id"].astype(str)).sum()


def segment_priorities(table: pd.DataFrame, segment_col: str, *,
                       growth: pd.Series | None = None,
                       transactions: pd.DataFrame | LineTable | None = None,
                       observation_end: str | None = None) -> pd.DataFrame:
    """Rank segments by the value at stake in them, largest first.

    The value at stake of a segment is what its customers are predicted to bring: the
    sum of their ``clv`` (notebook 03: expected margin over the CLV horizon, each
    customer already weighted by P(alive)). Without CLV, the revenue they brought in the
    last 12 months (``transactions`` and ``observation_end``), else their total past
    revenue. Ties are broken by name. Size, mean value, mean P(alive) and growth are
    shown beside it as reasons, not mixed into the rank: a segment worth more always
    ranks higher, so a large segment of lost customers cannot pass a smaller one that
    will bring more.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer (index the customer id): ``segment_col`` and any of
        ``clv``, ``total_revenue``, ``p_alive``.
    segment_col : str
    growth : pandas.Series, optional
        :func:`segment_growth` by segment; shown only where :func:`growth_applies`.
    transactions : pandas.DataFrame or LineTable, optional
        Clean transactions, for the last 12 months' revenue when there is no CLV and the
        segments' purchase rhythm (lines on disk are read for ``customer_id``,
        ``order_date`` and, without CLV, ``amount`` only).
    observation_end : str, optional
        End of observation (default the last order).

    Returns
    -------
    pandas.DataFrame
        Per segment, priority order: ``customers``, ``size`` (share of customers),
        ``value`` (mean per customer), ``value_at_stake`` (sum), ``stake_share`` (share of
        the total), ``p_alive`` (mean, when known), ``growth`` and ``priority`` (1, 2,
        ...). ``attrs["value_measure"]`` is ``clv``, ``recent_revenue`` or
        ``total_revenue``; ``attrs["segment_col"]`` the column.
    """
    require_columns(table, [segment_col], "segment_priorities")
    data = table.copy()
    has_clv = "clv" in data and data["clv"].notna().any()
    lines = transactions if transactions is not None and len(transactions) else None
    # read only for the recent revenue; the rhythm groups lines on disk in DuckDB
    tx = (frame_of(lines, ["customer_id", "order_date", "amount"])
          if lines is not None and not has_clv else None)
    if has_clv:
        measure = "clv"
        worth = data["clv"].astype(float)
    elif tx is not None:
        measure = "recent_revenue"
        end = observation_end or str(tx["order_date"].max().date())
        recent = recent_revenue(tx, end)
        worth = pd.Series(data.index.astype(str), index=data.index).map(recent).fillna(0.0)
    elif "total_revenue" in data:
        measure = "total_revenue"
        worth = data["total_revenue"].astype(float)
    else:
        measure = ""
        worth = pd.Series(np.nan, index=data.index)
    data["_worth"] = worth.to_numpy(dtype=float)
    g = data.groupby(segment_col, observed=True)
    out = pd.DataFrame({"customers": g.size()})
    out.index = pd.Index([str(i) for i in out.index], name=segment_col)
    out["size"] = out["customers"] / len(data)
    stake = g["_worth"].sum(min_count=1).to_numpy(dtype=float)
    out["value"] = stake / out["customers"].to_numpy()
    out["value_at_stake"] = stake
    total = float(np.nansum(stake))
    out["stake_share"] = stake / total if total > 0 else np.nan
    out["p_alive"] = g["p_alive"].mean().to_numpy() if "p_alive" in data else np.nan
    out["silent_days"], out["usual_gap"] = np.nan, np.nan
    if lines is not None:
        rhythm = _rhythm(lines, observation_end).reindex(data.index.astype(str))
        rhythm[segment_col] = data[segment_col].to_numpy()
        by = rhythm.groupby(segment_col, observed=True)[["silent_days", "usual_gap"]].median()
        by.index = by.index.astype(str)
        out[["silent_days", "usual_gap"]] = by.reindex(out.index).to_numpy()
    out["growth"] = (growth.rename(index=str).reindex(out.index)
                     if growth is not None and growth_applies(segment_col) else np.nan)
    order = sorted(out.index, key=lambda k: (-np.nan_to_num(out.loc[k, "value_at_stake"],
                                                            nan=-np.inf), k))
    out = out.loc[order]
    out["priority"] = np.arange(1, len(out) + 1)
    out.attrs["value_measure"] = measure
    out.attrs["segment_col"] = segment_col
    return out


def _rhythm(transactions: pd.DataFrame | LineTable,
            observation_end: str | None) -> pd.DataFrame:
    """Per customer: days since the last purchase, and mean days between purchase days.

    ``usual_gap`` is missing for customers with one purchase day. Lines a DuckDB run left
    on disk (:class:`~custlib.data.engines.saved.SavedLines`, naive datetimes) are grouped
    by DuckDB, a row per customer back: the same table as from their frame, without
    holding every line's id and date (76M of each at 100M lines).
    """
    if _groups_in_sql(transactions):
        return _rhythm_sql(transactions, observation_end)
    transactions = frame_of(transactions, ["customer_id", "order_date"])
    days = pd.to_datetime(transactions["order_date"]).dt.normalize()
    ids = transactions["customer_id"].astype(str)
    g = days.groupby(ids)
    end = pd.Timestamp(observation_end).normalize() if observation_end else days.max()
    first, last, n = g.min(), g.max(), g.nunique()
    gap = ((last - first).dt.days / (n - 1)).where(n > 1)
    return pd.DataFrame({"silent_days": (end - last).dt.days.astype(float), "usual_gap": gap})


def _groups_in_sql(lines: Any) -> bool:
    """Whether ``lines`` are saved lines DuckDB groups (naive datetimes): not a frame."""
    return (is_saved_lines(lines)
            and pd.api.types.is_datetime64_dtype(lines.pandas_dtype("order_date"))
            and not lines.is_tz_aware("order_date"))


def _rhythm_sql(lines: Any, observation_end: str | None) -> pd.DataFrame:
    """:func:`_rhythm` of saved lines, in days since 1970 counted by DuckDB.

    The first and last purchase days and the number of distinct days per customer are
    whole numbers, so the gaps and silences are the frame's, value for value.
    """
    day = "date_diff('day', DATE '1970-01-01', CAST(order_date AS DATE))"
    r = lines.query(f"SELECT CAST(customer_id AS VARCHAR) AS c, min({day}) AS first, "
                    f"max({day}) AS last, count(DISTINCT {day}) AS n FROM {{lines}} "
                    "WHERE customer_id IS NOT NULL GROUP BY 1")
    if observation_end:
        end = (pd.Timestamp(observation_end).normalize() - pd.Timestamp("1970-01-01")).days
    else:
        end = lines.query(f"SELECT max({day}) AS d FROM {{lines}}")["d"].iloc[0]
    first = r["first"].to_numpy(dtype=float)
    last = r["last"].to_numpy(dtype=float)
    n = r["n"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(n > 1, (last - first) / (n - 1), np.nan)
    index = pd.Index(r["c"].to_numpy(dtype=object), dtype="str", name="customer_id")
    silent = float(end) - last if pd.notna(end) else np.full(len(r), np.nan)
    return pd.DataFrame({"silent_days": silent, "usual_gap": gap}, index=index)


def priority_rule(priorities: pd.DataFrame, *, lang: str = "en") -> str:
    """The sentence the report prints to say how the segments were ranked.

    Plus, for a segment scheme built from purchases, why growth is not used.

    Examples
    --------
    >>> p = pd.DataFrame(index=["a"]); p.attrs.update(value_measure="clv",
    ...                                               segment_col="rfm_segment")
    >>> print(priority_rule(p))  # doctest: +ELLIPSIS
    Segments are ranked by the value at stake: ... (New always grows, Lost always shrinks).
    """
    check_lang(lang)
    measure = priorities.attrs.get("value_measure") or "none"
    text = t(f"report.priority_rule.{measure}", lang)
    col = priorities.attrs.get("segment_col", "")
    if col and not growth_applies(col):
        text += " " + t("report.priority_rule.no_growth", lang)
    return text


def _why(r: pd.Series, value_measure: str, *, lang: str, currency: str) -> str:
    """The reasons of one segment's rank, in words: size, value at stake, P(alive), growth.

    A mean P(alive) below 50 % is said in words, with the silence behind it when it is
    longer than the segment's usual days between purchases (:func:`p_alive_note` says
    what P(alive) means, once, beside the table).
    """
    parts = [t("report.why.size", lang, share=percent(r["size"], lang))]
    if r["value_at_stake"] == r["value_at_stake"] and has(f"report.why.{value_measure}", lang):
        share = r["stake_share"]
        parts.append(t(f"report.why.{value_measure}", lang,
                       amount=format_money(float(r["value_at_stake"]), currency, lang),
                       share=percent(share, lang) if share == share else "—",
                       mean=format_money(float(r["value"]), currency, lang)))
    gap, silent = r.get("usual_gap", np.nan), r.get("silent_days", np.nan)
    if r["p_alive"] == r["p_alive"] and r["p_alive"] < 0.5 and gap == gap and silent == silent \
            and silent > gap:
        parts.append(t("report.why.p_alive_low", lang, p=percent(r["p_alive"], lang),
                       gone=percent(1 - r["p_alive"], lang), gap=f"{gap:.0f}",
                       silent=f"{silent:.0f}"))
    elif r["p_alive"] == r["p_alive"]:
        parts.append(t("report.why.p_alive", lang, p=percent(r["p_alive"], lang)))
    if r["growth"] == r["growth"]:
        parts.append(t("report.why.growth", lang, growth=signed_percent(r["growth"], lang)))
    return "; ".join(parts)


def p_alive_note(priorities: pd.DataFrame, btyd: dict[str, Any] | None, *,
                 lang: str = "en") -> str:
    """What a low P(alive) beside a segment means, and how far its model was off.

    Said once under the priorities when a segment's mean P(alive) is below 50 %: a
    manager reading "Champions: 58 % likely to have left" asks why.

    Parameters
    ----------
    priorities : pandas.DataFrame
        :func:`segment_priorities`.
    btyd : dict or None
        Notebook 03's ``btyd_params.json`` (the model's name and holdout error).
    lang : {'en', 'zh'}

    Returns
    -------
    str
        Markdown; ``""`` when no segment is below 50 % (or there is no P(alive)).
    """
    check_lang(lang)
    alive = priorities["p_alive"] if "p_alive" in priorities else pd.Series(dtype=float)
    if not (alive < 0.5).any():
        return ""
    hold = (btyd or {}).get("holdout") or {}
    model = str(((btyd or {}).get("final_model") or {}).get("model") or hold.get("model") or "")
    text = t("report.why.p_alive_note", lang, model=escape_markdown(model))
    if hold.get("error_pct") is not None:
        text += ("" if lang == "zh" else " ") + t("report.why.holdout_error", lang,
                        error=f"{float(hold['error_pct']):+.0f}%")
    return text


def recommendations(priorities: pd.DataFrame, guide: pd.DataFrame, *, lang: str = "en",
                    currency: str = "") -> pd.DataFrame:
    """Target segments in priority order, each with why and what to do.

    Parameters
    ----------
    priorities : pandas.DataFrame
        From :func:`segment_priorities`.
    guide : pandas.DataFrame
        :func:`custlib.segments.schemes.segment_guide` of the same scheme and ``lang`` (first
        column the segment, last the action).
    lang : {'en', 'zh'}
    currency : str

    Returns
    -------
    pandas.DataFrame
        Index priority; ``segment``, ``value_at_stake``, ``why``, ``action``.
    """
    check_lang(lang)
    actions = dict(zip(guide.iloc[:, 0].astype(str), guide.iloc[:, -1], strict=True))
    measure = priorities.attrs.get("value_measure", "")
    rows = [{"priority": int(r["priority"]), "segment": str(seg),
             "value_at_stake": float(r["value_at_stake"]),
             "why": _why(r, measure, lang=lang, currency=currency),
             "action": actions.get(str(seg), "")}
            for seg, r in priorities.iterrows()]
    return pd.DataFrame(rows).set_index("priority")
