"""Profiles of a transaction log, before and after cleaning.

What a careful analyst looks at first: how many rows, customers and orders; which dates;
what is missing; how many orders a customer places; revenue by month and by country.
Every function accepts raw (text) or clean (typed) frames: raw values are coerced with
:func:`custlib.data.contract.coerce_transactions`, unparsable ones counted as missing. A raw
log profiled more than once is parsed once by :func:`raw_profile`, whose result
:func:`overview`, :func:`compare_overviews`, :func:`missing_values`, :func:`revenue_by_month`
and :func:`lines_dated_outside` take in its place (as they take a log staged by the DuckDB
engine).
The figures of these profiles are in :mod:`custlib.plots.data`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custlib.data.contract import coerce_transactions, require_columns
from custlib.i18n import check_lang, label, t

__all__ = [
    "RawProfile",
    "compare_overviews",
    "lines_dated_outside",
    "missing_values",
    "orders_per_customer",
    "overview",
    "raw_profile",
    "revenue_by_country",
    "revenue_by_month",
    "typed",
]

def typed(tx: pd.DataFrame) -> pd.DataFrame:
    """``tx`` itself when typed (dates, float amounts), else a coerced copy.

    Parameters
    ----------
    tx : pandas.DataFrame
        Raw (text) or clean transactions.

    Returns
    -------
    pandas.DataFrame
        Unparsable values are missing.
    """
    if "amount" in tx.columns and pd.api.types.is_float_dtype(tx["amount"]) and \
            pd.api.types.is_datetime64_any_dtype(tx["order_date"]):
        return tx
    return coerce_transactions(tx)


def overview(tx: pd.DataFrame) -> pd.Series:
    """Headline figures of a transaction log.

    Parameters
    ----------
    tx : pandas.DataFrame, RawProfile or StagedLog
        Contract columns ``customer_id``, ``order_date`` and ``amount`` or
        ``quantity`` x ``unit_price`` (``order_id`` optional).

    Returns
    -------
    pandas.Series
        rows, customers, orders, first_date, last_date, revenue, rows_without_customer.
    """
    if not isinstance(tx, pd.DataFrame):  # a log staged by the DuckDB engine
        return tx.overview()
    require_columns(tx, ["customer_id", "order_date"], "overview")
    t = typed(tx)
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
    before, after : pandas.DataFrame, RawProfile or StagedLog
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
    table = pd.DataFrame({t("data.profile.before", lang): b,
                          t("data.profile.after", lang): a,
                          t("data.profile.change", lang): change}, index=b.index)
    table.index = [label("data.profile", k, lang) for k in table.index]
    return table


def missing_values(df: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Missing values per column (empty strings count as missing).

    Parameters
    ----------
    df : pandas.DataFrame, RawProfile or StagedLog
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Index: columns of ``df``; columns: missing count and share.
    """
    check_lang(lang)
    if not isinstance(df, pd.DataFrame):  # a log staged by the DuckDB engine
        counts = df.missing_counts().to_dict()
    else:
        counts = _missing_counts(df)
    out = pd.DataFrame({"missing": pd.Series(counts)})
    out["missing_share"] = out["missing"] / max(len(df), 1)
    out.columns = [label("data.profile", c, lang) for c in out.columns]
    return out


def _missing_counts(df: pd.DataFrame) -> dict[str, int]:
    """Missing values per column of a frame (blank text counts), ``source_row`` aside."""
    counts = {}
    for c in [c for c in df.columns if c != "source_row"]:
        s = df[c]
        miss = s.isna()
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            miss |= s.astype(str).str.strip().eq("")
        counts[c] = int(miss.sum())
    return counts


def orders_per_customer(tx: pd.DataFrame, cap: int = 10) -> pd.Series:
    """How many customers placed 1, 2, ... orders (the last bin is ``cap+``).

    Parameters
    ----------
    tx : pandas.DataFrame or StagedLines
        Needs ``customer_id``; orders are distinct ``order_id`` values (rows if absent).
    cap : int, default 10
        Orders at or above ``cap`` are pooled into one bin labelled ``'<cap>+'``.

    Returns
    -------
    pandas.Series
        Index: '1', '2', ..., '<cap>+'; values: number of customers.
    """
    if isinstance(tx, pd.DataFrame):
        require_columns(tx, ["customer_id"], "orders_per_customer")
        t = tx.dropna(subset=["customer_id"])
        key = "order_id" if "order_id" in t.columns else None
        n = t.groupby("customer_id")[key].nunique() if key else t.groupby("customer_id").size()
    else:  # lines the DuckDB engine keeps
        n = tx.orders_per_customer()
    binned = n.clip(upper=cap)
    counts = binned.value_counts().reindex(range(1, cap + 1), fill_value=0)
    counts.index = [str(i) if i < cap else f"{cap}+" for i in counts.index]
    return counts


def revenue_by_month(tx: pd.DataFrame) -> pd.Series:
    """Revenue per calendar month (months with no sales are zero).

    Parameters
    ----------
    tx : pandas.DataFrame, RawProfile or StagedLog

    Returns
    -------
    pandas.Series
        Indexed by month start timestamps.
    """
    if not isinstance(tx, pd.DataFrame):  # a log staged by the DuckDB engine
        return tx.revenue_by_month()
    t = typed(tx).dropna(subset=["order_date"])
    if t.empty:
        return pd.Series(dtype="float64")
    month = t["order_date"].dt.to_period("M")
    out = t.groupby(month)["amount"].sum()
    full = pd.period_range(out.index.min(), out.index.max(), freq="M")
    out = out.reindex(full, fill_value=0.0)
    out.index = out.index.to_timestamp()
    return out


def lines_dated_outside(tx: pd.DataFrame, start: pd.Timestamp, stop: pd.Timestamp) -> int:
    """Lines dated before ``start`` or at or after ``stop`` (raw or clean, or staged).

    Parameters
    ----------
    tx : pandas.DataFrame, RawProfile or StagedLog
    start, stop : pandas.Timestamp

    Returns
    -------
    int
    """
    if not isinstance(tx, pd.DataFrame):  # a log staged by the DuckDB engine
        return tx.lines_dated_outside(start, stop)
    dates = typed(tx)["order_date"]
    return int(((dates < start) | (dates >= stop)).sum())


def revenue_by_country(tx: pd.DataFrame, top: int | None = 10) -> pd.Series:
    """Revenue per country, the ``top`` largest and the rest pooled as 'other'.

    Parameters
    ----------
    tx : pandas.DataFrame or StagedLines
        Needs ``country``.
    top : int or None, default 10
        None: every country.

    Returns
    -------
    pandas.Series
    """
    if isinstance(tx, pd.DataFrame):
        require_columns(tx, ["country"], "revenue_by_country")
        t = typed(tx)
        country = t["country"].astype("str").where(t["country"].notna(), "(unknown)")  # coded
        s = t.groupby(country)["amount"].sum().sort_values(ascending=False)
    else:  # lines the DuckDB engine keeps
        if "country" not in tx:
            require_columns(pd.DataFrame(columns=list(tx.columns)), ["country"],
                            "revenue_by_country")
        s = tx.revenue_by("country")
    if top is not None and len(s) > top:
        s = pd.concat([s.iloc[:top], pd.Series({"other": s.iloc[top:].sum()})])
    return s


class RawProfile:
    """What the profiles need of a raw log, from one parse of it.

    Parsing a raw (text) log is most of what a profile costs (on 10 million lines, over a
    minute), and notebook 01 profiles the raw log three times (overview, before and after,
    revenue by month). This parses it once and keeps only the small results: the overview,
    revenue per month, missing values per column, and the parsed dates (for the lines dated
    outside a window). The profile functions take it wherever they take the raw log, as they
    take a log staged by the DuckDB engine, and give the same numbers.

    Parameters
    ----------
    raw : pandas.DataFrame
        The raw (or already typed) transactions, as loaded; not modified.

    Examples
    --------
    >>> from custlib.data.loading import load_transactions
    >>> raw = load_transactions("cdnow_sample")
    >>> before = raw_profile(raw)
    >>> overview(before).equals(overview(raw))
    True
    """

    def __init__(self, raw: pd.DataFrame) -> None:
        require_columns(raw, ["customer_id", "order_date"], "RawProfile")
        t = typed(raw)
        self._rows = len(raw)
        self._overview = overview(t)
        self._by_month = revenue_by_month(t)
        self._dates = t["order_date"]
        self._missing = _missing_counts(raw)

    def __len__(self) -> int:
        return self._rows

    def overview(self) -> pd.Series:
        """:func:`overview` of the raw log."""
        return self._overview.copy()

    def revenue_by_month(self) -> pd.Series:
        """:func:`revenue_by_month` of the raw log."""
        return self._by_month.copy()

    def lines_dated_outside(self, start: pd.Timestamp, stop: pd.Timestamp) -> int:
        """:func:`lines_dated_outside` of the raw log."""
        return int(((self._dates < start) | (self._dates >= stop)).sum())

    def missing_counts(self) -> pd.Series:
        """Missing values per column of the raw log (see :func:`missing_values`)."""
        return pd.Series(self._missing, dtype="int64")


def raw_profile(raw: pd.DataFrame | object) -> object:
    """The raw log's profile, parsed once: a :class:`RawProfile`, or a staged log itself.

    Parameters
    ----------
    raw : pandas.DataFrame or StagedLog
        As :func:`custlib.data.loading.load_transactions` gives it. A log staged by the
        DuckDB engine computes its profiles in the database and is returned as it is.

    Returns
    -------
    RawProfile or StagedLog
    """
    return RawProfile(raw) if isinstance(raw, pd.DataFrame) else raw
