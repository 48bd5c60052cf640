"""Customer needs and loyalty, by segment.

What each segment buys, how price-sensitive it is, how loyal it is, and what the survey
says (satisfaction, NPS, needs, complaints).

Transaction-based measures work on any log; survey measures need the optional survey
table and return None without it, so a notebook can skip the section and say so. The
figures are in :mod:`custlib.plots.report`.

References
----------
Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*,
81(12), 46-54 (the Net Promoter Score).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.data.engines.table import LineTable, frame_of
from custlib.data.ids import line_labels
from custlib.errors import EmptyResultError
from custlib.i18n import check_lang
from custlib.report.kpis import repeat_buyers

__all__ = ["UNMATCHED", "loyalty_by_segment", "nps", "preferences", "price_sensitivity",
           "satisfaction_distribution", "survey_by_segment", "top_needs"]


#: The group of rows whose customer has no segment (a respondent who never bought, a
#: customer removed by cleaning): kept and shown under this name, last.
UNMATCHED = "(not segmented)"


def _segment_of(frame: pd.DataFrame, segment: pd.Series | None,
                customer_id_col: str = "customer_id") -> pd.Series:
    if segment is None:
        return pd.Series("all", index=frame.index)
    seg = segment.copy()
    seg.index = seg.index.astype(str)
    return line_labels(frame[customer_id_col].astype(str), seg.astype(object)) \
        .astype(object).fillna(UNMATCHED)


def _line_segments(frame: pd.DataFrame, segment: pd.Series | None,
                   customer_id_col: str = "customer_id") -> pd.Series:
    """:func:`_segment_of` for millions of lines: a categorical, not a text per line.

    Each distinct customer is looked up once and each line holds a small code, so
    grouping lines by segment hashes no strings (labels as objects: numbers stay whole).
    """
    if segment is None:
        return pd.Series(pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8),
                                                   ["all"]), index=frame.index)
    seg = segment.copy()
    seg.index = seg.index.astype(str)
    codes, ids = pd.factorize(frame[customer_id_col].astype(str))  # -1: no customer id
    names = seg.astype(object).reindex(ids).fillna(UNMATCHED).to_numpy(dtype=object)
    label_codes, labels = pd.factorize(np.append(names, UNMATCHED))  # last: lines without id
    return pd.Series(pd.Categorical.from_codes(label_codes[codes], categories=labels),
                     index=frame.index)


def _by_segment(grouped: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """A result grouped by :func:`_line_segments` indexed by the segments' labels."""
    def plain(index: pd.Index) -> pd.Index:  # the labels' own dtype (text: str)
        return pd.Index(index.tolist(), name=index.name)

    grouped.index = plain(grouped.index) if grouped.index.nlevels == 1 else \
        grouped.index.set_levels(plain(grouped.index.levels[0]), level=0)
    return grouped


def _in_segment_order(table: pd.DataFrame, segment: pd.Series | None) -> pd.DataFrame:
    """Rows in one order for every table.

    ``all`` first, then segments largest first (ties by name), the 'other' of segments
    pooled by :func:`custlib.plots.categories.lump` after them, :data:`UNMATCHED` last.
    """
    if segment is None:
        return table
    sizes = segment.astype(str).value_counts()
    names = [str(i) for i in table.index]
    size = {n: sizes.get(n, 0) for n in names}
    other = segment.attrs.get("other") or None
    order = sorted(names, key=lambda n: (n != "all", n == UNMATCHED, n == other, -size[n], n))
    out = table.copy()
    out.index = names
    out = out.loc[order]
    out.index.name = table.index.name
    return out


def preferences(transactions: pd.DataFrame | LineTable, segment: pd.Series | None = None, *,
                column: str = "category", value_col: str = "amount") -> pd.DataFrame:
    """Share of each segment's revenue by category (or channel, or any column).

    Parameters
    ----------
    transactions : pandas.DataFrame or LineTable
        Clean transactions (lines on disk are read for ``customer_id``, ``column`` and
        ``value_col`` only).
    segment : pandas.Series, optional
        Segment by customer id; default one group ``all``.
    column : str, default 'category'
    value_col : str, default 'amount'

    Returns
    -------
    pandas.DataFrame
        Rows segments, columns values of ``column``; each row sums to 1.
    """
    require_columns(transactions, ["customer_id", column, value_col], "preferences")
    transactions = frame_of(transactions, ["customer_id", column, value_col])
    seg = _line_segments(transactions, segment)
    table = _by_segment(transactions.groupby([seg, transactions[column].astype(str)],
                                             observed=True)[value_col].sum()) \
        .unstack(fill_value=0.0)
    table = table.div(table.sum(axis=1).replace(0, np.nan), axis=0)
    table.index.name, table.columns.name = "segment", column
    table = _in_segment_order(table, segment)
    return table[table.mean().sort_values(ascending=False).index]


def price_sensitivity(transactions: pd.DataFrame | LineTable,
                      segment: pd.Series | None = None, *,
                      discount: float = 0.9) -> pd.DataFrame:
    """How much each segment buys on price.

    A line is *low-price* when its unit price is below ``discount`` times the product's
    median unit price across the log (a markdown, a promotion, a cheaper pack). Without a
    ``product_id`` column the low-price shares are missing and the rest is computed; so
    they are when no line of the log is low-price (every product sold at one price: a
    column of 0 % would read as "nobody buys on price" when the log cannot tell).

    Parameters
    ----------
    transactions : pandas.DataFrame or LineTable
        Clean lines with ``customer_id``, ``order_id``, ``unit_price``, ``quantity``,
        ``amount`` and, when the log has it, ``product_id`` (lines on disk are read for
        those only).
    segment : pandas.Series, optional
        Segment by customer id; default one group ``all``.
    discount : float, default 0.9

    Returns
    -------
    pandas.DataFrame
        Per segment: ``low_price_share`` (share of lines), ``low_price_revenue_share``,
        ``spend_per_order``, ``items_per_order``, ``mean_unit_price``.
    """
    require_columns(transactions, ["customer_id", "order_id", "unit_price", "quantity",
                                   "amount"], "price_sensitivity")
    def column(name: str) -> pd.Series:  # lines on disk: read now, one column at a time
        return frame_of(transactions, [name])[name]

    # the columns a few at a time, each let go when used: at 22M lines, the six columns
    # with the intermediate results of all of them took 2.8 GiB above the kernel
    if "product_id" in transactions:
        prices = frame_of(transactions, ["unit_price", "product_id"])
        median = prices.groupby("product_id")["unit_price"].transform("median")
        low = (prices["unit_price"] < discount * median).astype(float)
        del prices, median
        if not low.any():  # one price per product: price sensitivity cannot be measured
            low = pd.Series(np.nan, index=low.index)
    else:
        low = pd.Series(np.nan, index=column("amount").index)
    seg = _line_segments(frame_of(transactions, ["customer_id"]), segment)
    orders = _orders_by_segment(column("order_id"), seg)

    def by_segment(values: pd.Series) -> Any:  # a column at a time: no frame of them all
        return values.groupby(seg, observed=True)

    amount = column("amount")
    revenue = by_segment(amount).sum()
    low_revenue = by_segment(amount * low).sum(min_count=1)
    del amount
    return _in_segment_order(_by_segment(pd.DataFrame({
        "low_price_share": by_segment(low).mean(),
        "low_price_revenue_share": low_revenue / revenue,
        "spend_per_order": revenue / orders,
        "items_per_order": by_segment(column("quantity")).sum() / orders,
        "mean_unit_price": by_segment(column("unit_price")).mean(),
    })).rename_axis("segment"), segment)


def _orders_by_segment(order_id: pd.Series, seg: pd.Series) -> pd.Series:
    """Distinct orders of each segment with lines (0 when none of its lines has an order).

    Counted on integer pairs (segment, order) made one key, not a frame of pairs: at 76M
    lines the frame and its ``drop_duplicates`` were gigabytes.
    """
    order = pd.factorize(order_id)[0]
    codes = seg.cat.codes.to_numpy()
    n = len(seg.cat.categories)
    known = order >= 0
    pairs = np.unique(order[known] * n + codes[known].astype(np.int64))
    seen = np.unique(codes)  # segments with lines
    return pd.Series(np.bincount(pairs % n, minlength=n)[seen], index=seg.cat.categories[seen])


def loyalty_by_segment(summary: pd.DataFrame, segment: pd.Series | None = None) -> pd.DataFrame:
    """Repeat-purchase rate and time between purchases by segment.

    Time between purchases is measured between purchase *days*: two orders on one day are
    one visit, so a customer who splits a basket does not look like a daily buyer. It
    uses the summary's ``frequency`` (repeat purchase days) when the summary is in days,
    else the number of orders.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`custlib.value.summary.customer_summary` (``n_orders``, ``first_purchase``,
        ``last_purchase``; ``frequency`` used when present).
    segment : pandas.Series, optional

    Returns
    -------
    pandas.DataFrame
        Per segment: customers, ``repeat_rate`` (share who bought on 2+ days:
        :func:`custlib.report.kpis.repeat_buyers`),
        ``orders_per_customer``, ``median_days_between`` (median over customers who
        bought on 2+ days of their mean days between purchase days).
    """
    require_columns(summary, ["n_orders", "first_purchase", "last_purchase"],
                    "loyalty_by_segment")
    s = summary.copy()
    s.index = s.index.astype(str)
    if segment is None:
        seg = pd.Series("all", index=s.index)
    else:
        seg = segment.copy()
        seg.index = seg.index.astype(str)
        seg = seg.reindex(s.index).astype(object).fillna(UNMATCHED)
    span = (s["last_purchase"] - s["first_purchase"]).dt.total_seconds() / 86400
    daily = "frequency" in s and s.attrs.get("freq", "D") == "D" and \
        s.attrs.get("freq_multiplier", 1) == 1
    repeats = s["frequency"].astype(float) if daily else s["n_orders"] - 1
    gap = (span / repeats).where(repeats > 0)
    g = s.assign(_rep=repeat_buyers(s), _gap=gap).groupby(seg)
    out = pd.DataFrame({"customers": g.size(), "repeat_rate": g["_rep"].mean(),
                        "orders_per_customer": g["n_orders"].mean(),
                        "median_days_between": g["_gap"].median()}).rename_axis("segment")
    return _in_segment_order(out, segment)


# --- survey -------------------------------------------------------------------------------

def satisfaction_distribution(survey: pd.DataFrame | None) -> pd.Series | None:
    """Share of answers at each satisfaction score (None without a survey)."""
    if survey is None or "satisfaction" not in survey or survey["satisfaction"].notna().sum() == 0:
        return None
    s = survey["satisfaction"].dropna()
    if (s % 1 == 0).all():
        s = s.astype(int)
    out = s.value_counts(normalize=True).sort_index().rename("share")
    out.index.name = "satisfaction"
    return out


def nps(survey: pd.DataFrame | None, segment: pd.Series | None = None) -> pd.DataFrame | None:
    """Net Promoter Score: % promoters (9-10) minus % detractors (0-6), per segment.

    Returns
    -------
    pandas.DataFrame or None
        Per segment (and ``all`` first): respondents, promoters, passives, detractors
        (shares) and ``nps`` (-100 ... 100). None without ``recommend`` answers.
    """
    if survey is None or "recommend" not in survey or survey["recommend"].notna().sum() == 0:
        return None
    s = survey[survey["recommend"].notna()]
    r = s["recommend"].astype(float)
    kind = pd.Series(np.select([r >= 9, r >= 7], ["promoters", "passives"], "detractors"),
                     index=s.index)

    def one(k: pd.Series) -> dict[str, float]:
        shares = k.value_counts(normalize=True)
        p, d = float(shares.get("promoters", 0)), float(shares.get("detractors", 0))
        return {"respondents": len(k), "promoters": p,
                "passives": float(shares.get("passives", 0)), "detractors": d,
                "nps": 100 * (p - d)}

    rows = {"all": one(kind)}
    if segment is not None:
        seg = _segment_of(s, segment)
        for name, k in kind.groupby(seg):
            rows[str(name)] = one(k)
    return _in_segment_order(pd.DataFrame(rows).T.rename_axis("segment"), segment)


def survey_by_segment(survey: pd.DataFrame | None,
                      segment: pd.Series | None = None) -> pd.DataFrame | None:
    """Mean satisfaction, repurchase intention and complaint rate per segment."""
    if survey is None or survey.empty:
        return None
    cols = [c for c in ("satisfaction", "repurchase_intention", "complaint") if c in survey]
    if not cols:
        return None
    seg = _segment_of(survey, segment)
    data = survey[cols].astype(float)
    out = data.groupby(seg).mean()
    out.insert(0, "respondents", data.groupby(seg).size())
    out.loc["all"] = [len(data)] + list(data.mean())
    return _in_segment_order(out.rename_axis("segment"), segment)


def top_needs(survey: pd.DataFrame | None, *, lang: str = "en") -> pd.DataFrame | None:
    """Needs ranked by how often they are named and how strongly.

    Importance and urgency, as the Chinese texts on customer analysis rank needs.

    *Importance* is the share of respondents naming the need as their top need;
    *urgency* is the share of those who are dissatisfied (satisfaction 1-2 of 5) or
    complained. The priority score is their product, so a need named often by unhappy
    customers comes first.

    Returns
    -------
    pandas.DataFrame or None
        Per need: respondents, importance, urgency, priority, mean satisfaction;
        sorted by priority.
    """
    check_lang(lang)
    if survey is None or "top_need" not in survey or survey["top_need"].notna().sum() == 0:
        return None
    s = survey[survey["top_need"].notna() & (survey["top_need"].astype(str) != "")]
    if s.empty:
        raise EmptyResultError("top_needs: no respondent named a need")
    unhappy = pd.Series(False, index=s.index)
    if "satisfaction" in s:
        unhappy |= s["satisfaction"].astype(float) <= 2
    if "complaint" in s:
        unhappy |= s["complaint"].astype(float).fillna(0) > 0
    g = s.assign(_u=unhappy).groupby(s["top_need"].astype(str))
    out = pd.DataFrame({"respondents": g.size(), "importance": g.size() / len(s),
                        "urgency": g["_u"].mean()})
    if "satisfaction" in s:
        out["mean_satisfaction"] = g["satisfaction"].mean()
    out.insert(3, "priority", out["importance"] * out["urgency"])
    out.index.name = "need"
    return out.sort_values(["priority", "importance"], ascending=False)
