"""Profiles of a transaction log, before and after cleaning.

What a careful analyst looks at first: how many rows, customers and orders; which dates;
what is missing; how many orders a customer places; revenue by month and by country.
Every function accepts raw (text) or clean (typed) frames: raw values are coerced with
:func:`custlib.data.contract.coerce_transactions`, unparsable ones counted as missing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import coerce_transactions, require_columns
from custlib.i18n import check_lang, label
from custlib.plots.theme import new_ax, thousands

__all__ = [
    "compare_overviews",
    "missing_values",
    "orders_per_customer",
    "overview",
    "plot_missing_values",
    "plot_orders_per_customer",
    "plot_revenue_by_country",
    "plot_revenue_by_month",
    "revenue_by_country",
    "revenue_by_month",
]

LABELS: dict[str, dict[str, str]] = {
    "rows": {"en": "rows", "zh": "行数"},
    "customers": {"en": "customers", "zh": "客户数"},
    "orders": {"en": "orders", "zh": "订单数"},
    "first_date": {"en": "first date", "zh": "最早日期"},
    "last_date": {"en": "last date", "zh": "最晚日期"},
    "revenue": {"en": "revenue", "zh": "收入"},
    "rows_without_customer": {"en": "rows without customer id", "zh": "缺少客户编号的行"},
    "before": {"en": "before cleaning", "zh": "清洗前"},
    "after": {"en": "after cleaning", "zh": "清洗后"},
    "change": {"en": "change", "zh": "变化"},
    "missing": {"en": "missing", "zh": "缺失数"},
    "missing_share": {"en": "missing share", "zh": "缺失占比"},
    "column": {"en": "column", "zh": "字段"},
    "month": {"en": "month", "zh": "月份"},
    "country": {"en": "country", "zh": "国家"},
    "orders_per_customer": {"en": "orders per customer", "zh": "每位客户的订单数"},
    "n_customers": {"en": "number of customers", "zh": "客户数量"},
    "revenue_by_month": {"en": "Revenue by month", "zh": "月度收入"},
    "revenue_by_country": {"en": "Revenue by country (top {n})", "zh": "各国家收入(前{n}名)"},
    "missing_title": {"en": "Missing values per column", "zh": "各字段缺失值"},
    "hidden": {"en": "{n:,} raw lines dated outside this range not shown",
               "zh": "另有 {n:,} 行原始数据的日期在此范围之外,未显示"},
    "orders_title": {"en": "How many orders customers place",
                     "zh": "客户下单次数分布"},
}


def _typed(tx: pd.DataFrame) -> pd.DataFrame:
    if "amount" in tx.columns and pd.api.types.is_float_dtype(tx["amount"]) and \
            pd.api.types.is_datetime64_any_dtype(tx["order_date"]):
        return tx
    return coerce_transactions(tx)


def _money(currency: str) -> str:
    return f" ({currency})" if currency else ""


def overview(tx: pd.DataFrame) -> pd.Series:
    """Headline figures of a transaction log.

    Parameters
    ----------
    tx : pandas.DataFrame
        Contract columns ``customer_id``, ``order_date`` and ``amount`` or
        ``quantity`` x ``unit_price`` (``order_id`` optional).

    Returns
    -------
    pandas.Series
        rows, customers, orders, first_date, last_date, revenue, rows_without_customer.
    """
    require_columns(tx, ["customer_id", "order_date"], "overview")
    t = _typed(tx)
    orders = t["order_id"].nunique() if "order_id" in t.columns else np.nan
    return pd.Series({
        "rows": len(t),
        "customers": int(t["customer_id"].nunique()),
        "orders": orders,
        "first_date": t["order_date"].min(),
        "last_date": t["order_date"].max(),
        "revenue": float(t["amount"].sum()),
        "rows_without_customer": int(t["customer_id"].isna().sum()),
    }, dtype=object)


def compare_overviews(before: pd.DataFrame, after: pd.DataFrame,
                      lang: str = "en") -> pd.DataFrame:
    """Side-by-side overview of a log before and after cleaning.

    Parameters
    ----------
    before, after : pandas.DataFrame
        Raw and clean transactions.
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        One row per measure; columns before, after, change (for numbers).
    """
    check_lang(lang)
    b, a = overview(before), overview(after)
    change = [a[k] - b[k] if isinstance(b[k], (int, float, np.integer, np.floating))
              and not isinstance(b[k], bool) else "" for k in b.index]
    table = pd.DataFrame({label(LABELS, "before", lang): b,
                          label(LABELS, "after", lang): a,
                          label(LABELS, "change", lang): change}, index=b.index)
    table.index = [label(LABELS, k, lang) for k in table.index]
    return table


def missing_values(df: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Missing values per column (empty strings count as missing).

    Parameters
    ----------
    df : pandas.DataFrame
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Index: columns of ``df``; columns: missing count and share.
    """
    check_lang(lang)
    cols = [c for c in df.columns if c != "source_row"]
    counts = {}
    for c in cols:
        s = df[c]
        miss = s.isna()
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            miss |= s.astype(str).str.strip().eq("")
        counts[c] = int(miss.sum())
    out = pd.DataFrame({"missing": pd.Series(counts)})
    out["missing_share"] = out["missing"] / max(len(df), 1)
    out.columns = [label(LABELS, c, lang) for c in out.columns]
    return out


def orders_per_customer(tx: pd.DataFrame, cap: int = 10) -> pd.Series:
    """How many customers placed 1, 2, ... orders (the last bin is ``cap+``).

    Parameters
    ----------
    tx : pandas.DataFrame
        Needs ``customer_id``; orders are distinct ``order_id`` values (rows if absent).
    cap : int, default 10
        Orders at or above ``cap`` are pooled into one bin labelled ``'<cap>+'``.

    Returns
    -------
    pandas.Series
        Index: '1', '2', ..., '<cap>+'; values: number of customers.
    """
    require_columns(tx, ["customer_id"], "orders_per_customer")
    t = tx.dropna(subset=["customer_id"])
    key = "order_id" if "order_id" in t.columns else None
    n = t.groupby("customer_id")[key].nunique() if key else t.groupby("customer_id").size()
    binned = n.clip(upper=cap)
    counts = binned.value_counts().reindex(range(1, cap + 1), fill_value=0)
    counts.index = [str(i) if i < cap else f"{cap}+" for i in counts.index]
    return counts


def revenue_by_month(tx: pd.DataFrame) -> pd.Series:
    """Revenue per calendar month (months with no sales are zero).

    Parameters
    ----------
    tx : pandas.DataFrame

    Returns
    -------
    pandas.Series
        Indexed by month start timestamps.
    """
    t = _typed(tx).dropna(subset=["order_date"])
    if t.empty:
        return pd.Series(dtype="float64")
    month = t["order_date"].dt.to_period("M")
    out = t.groupby(month)["amount"].sum()
    full = pd.period_range(out.index.min(), out.index.max(), freq="M")
    out = out.reindex(full, fill_value=0.0)
    out.index = out.index.to_timestamp()
    return out


def revenue_by_country(tx: pd.DataFrame, top: int = 10) -> pd.Series:
    """Revenue per country, the ``top`` largest and the rest pooled as 'other'.

    Parameters
    ----------
    tx : pandas.DataFrame
        Needs ``country``.
    top : int, default 10

    Returns
    -------
    pandas.Series
    """
    require_columns(tx, ["country"], "revenue_by_country")
    t = _typed(tx)
    s = t.groupby(t["country"].fillna("(unknown)"))["amount"].sum().sort_values(
        ascending=False)
    if len(s) > top:
        s = pd.concat([s.iloc[:top], pd.Series({"other": s.iloc[top:].sum()})])
    return s


def plot_revenue_by_month(before: pd.DataFrame, after: pd.DataFrame | None = None, *,
                          lang: str = "en", currency: str = "", ax: Any = None) -> Any:
    """Line chart of monthly revenue, raw and (optionally) clean.

    Parameters
    ----------
    before : pandas.DataFrame
        Transactions (raw or clean).
    after : pandas.DataFrame, optional
        A second log drawn on the same axes (the clean one).
    lang : {'en', 'zh'}
    currency : str
        Unit shown on the y axis.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax)
    series = [(before, "before")] + ([(after, "after")] if after is not None else [])
    window = None
    if after is not None:  # impossible dates (1970, 2099) would squash the chart
        a = revenue_by_month(after)
        if len(a):
            window = (a.index.min(), a.index.max())
    hidden = 0
    for frame, key in series:
        s = revenue_by_month(frame)
        if window is not None:
            outside = (s.index < window[0]) | (s.index > window[1])
            if key == "before":
                dates = _typed(frame)["order_date"]
                hidden = int(((dates < window[0]) |
                              (dates >= window[1] + pd.offsets.MonthBegin(1))).sum())
            s = s[~outside]
        ax.plot(s.index, s.values, marker="o", ms=3, label=label(LABELS, key, lang))
    if hidden:
        note = label(LABELS, "hidden", lang).format(n=hidden)
        ax.text(1.0, 1.01, note, transform=ax.transAxes, ha="right", va="bottom",
                fontsize=8, color="0.4")
    ax.set_title(label(LABELS, "revenue_by_month", lang), loc="left")
    ax.set_xlabel(label(LABELS, "month", lang))
    ax.set_ylabel(label(LABELS, "revenue", lang) + _money(currency))
    ax.yaxis.set_major_formatter(thousands())
    if after is not None:
        ax.legend()
    return ax


def plot_orders_per_customer(tx: pd.DataFrame, *, cap: int = 10, lang: str = "en",
                             ax: Any = None) -> Any:
    """Bar chart of the number of customers by number of orders.

    Parameters
    ----------
    tx : pandas.DataFrame
    cap : int, default 10
    lang : {'en', 'zh'}
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax, (7, 3.5))
    s = orders_per_customer(tx, cap=cap)
    ax.bar(s.index, s.values, color="#4C72B0")
    ax.set_title(label(LABELS, "orders_title", lang))
    ax.set_xlabel(label(LABELS, "orders_per_customer", lang))
    ax.set_ylabel(label(LABELS, "n_customers", lang))
    return ax


def plot_revenue_by_country(tx: pd.DataFrame, *, top: int = 10, lang: str = "en",
                            currency: str = "", ax: Any = None) -> Any:
    """Horizontal bars of revenue by country, largest on top.

    Parameters
    ----------
    tx : pandas.DataFrame
    top : int, default 10
    lang : {'en', 'zh'}
    currency : str
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax, (7, 4))
    s = revenue_by_country(tx, top=top).iloc[::-1]
    ax.barh([str(i) for i in s.index], s.values, color="#55A868")
    ax.set_title(label(LABELS, "revenue_by_country", lang).format(n=top))
    ax.set_xlabel(label(LABELS, "revenue", lang) + _money(currency))
    ax.xaxis.set_major_formatter(thousands())
    return ax


def plot_missing_values(before: pd.DataFrame, after: pd.DataFrame | None = None, *,
                        lang: str = "en", ax: Any = None) -> Any:
    """Bars of the share of missing values per column, before and after cleaning.

    Parameters
    ----------
    before : pandas.DataFrame
    after : pandas.DataFrame, optional
    lang : {'en', 'zh'}
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_ax(ax, (7, 3.5))
    b = missing_values(before).iloc[:, 1] * 100
    data = pd.DataFrame({label(LABELS, "before", lang): b})
    if after is not None:
        a = missing_values(after).iloc[:, 1] * 100
        data[label(LABELS, "after", lang)] = a.reindex(b.index)
    data.plot.bar(ax=ax, rot=30)
    ax.set_title(label(LABELS, "missing_title", lang))
    ax.set_xlabel(label(LABELS, "column", lang))
    ax.set_ylabel(label(LABELS, "missing_share", lang) + " (%)")
    return ax
