"""Cleaning a transaction log, rule by rule, with every row and unit of revenue accounted for.

:func:`clean_transactions` applies the rules below in order. Each rule can be switched
off (except type parsing) and is counted in a log. Every raw row ends in exactly one of
three places: the clean table (``transactions``), the set-aside anonymous sales
(``anonymous``) or the removed rows (``removed``, with the rule that removed it). Lines
that cancellations and returns only partly reverse stay in the clean table with a
smaller quantity, and the revenue taken off them is listed in ``adjustments``. Hence,
exactly::

    raw rows    = kept rows + set-aside rows + removed rows
    raw revenue = kept revenue + set-aside revenue + removed revenue + adjusted revenue

which :meth:`CleaningResult.reconcile` checks.

Rules, in order:

==================  =========  ==================================================================
rule                action     what it does
==================  =========  ==================================================================
parse_types         removed    parse ids, dates, numbers; unparsable values raise
                               :class:`~custlib.errors.DataError` unless ``drop_invalid=True``
                               (then those rows are removed here). Cannot be switched off.
duplicates          removed    exact duplicate lines (every contract column equal), first kept
impossible_dates    removed    dates before ``min_date`` (default 1990-01-01) or after today
window              removed    outside ``[observation_start, observation_end]`` (whole days)
non_product         removed    product codes in ``non_product_codes`` (postage, fees, ...)
invalid_prices      removed    unit price <= 0, or quantity = 0
missing_customer    set aside  no customer id: anonymous sales, kept for revenue totals only
cancellations       netted     negative lines netted against the lines they reverse
cancellations_...   removed    (``cancellations_unmatched``) what reverses nothing in the data
extremes            flagged    quantity or amount above Q3 + factor x IQR on the log scale
==================  =========  ==================================================================

Netting matches a negative line (a cancellation if its order id starts with
``cancel_prefix``, else a return) to positive lines of the same customer and product
(same customer and unit price when there is no product id) dated at or before it, most
recent first (LIFO: what is returned is usually what was bought last), possibly across
several lines. The revenue of a row whose money did not parse counts as 0.
"""

from __future__ import annotations

import bisect
import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import TRANSACTIONS, derive_money
from custlib.data.parsing import ParsedTable, ParseOptions, parse_table
from custlib.errors import (
    CustlibError,
    DataError,
    EmptyResultError,
    ParameterError,
    check_choice,
    format_list,
)
from custlib.i18n import check_lang

__all__ = [
    "DEFAULT_NON_PRODUCT_CODES",
    "RULES",
    "CleaningResult",
    "clean_transactions",
    "save_cleaning",
]

RULES: tuple[str, ...] = (
    "parse_types", "duplicates", "impossible_dates", "window", "non_product",
    "invalid_prices", "missing_customer", "cancellations", "extremes",
)

#: Non-product stock codes of UCI Online Retail and the demo data (postage, fees,
#: manual adjustments, bank charges, samples, tests).
DEFAULT_NON_PRODUCT_CODES: tuple[str, ...] = (
    "POST", "DOT", "M", "m", "C2", "D", "S", "B", "BANK CHARGES", "AMAZONFEE", "CRUK",
    "PADS", "ADJUST", "ADJUST2", "TEST001", "TEST002", "FEE",
)

RULE_TEXT: dict[str, dict[str, str]] = {
    "raw": {"en": "raw input", "zh": "原始数据"},
    "parse_types": {"en": "unparsable values", "zh": "无法解析的值"},
    "duplicates": {"en": "exact duplicates", "zh": "完全重复行"},
    "impossible_dates": {"en": "impossible dates", "zh": "不可能的日期"},
    "window": {"en": "outside observation window", "zh": "观察期之外"},
    "non_product": {"en": "non-product lines", "zh": "非商品行"},
    "invalid_prices": {"en": "zero or negative prices", "zh": "零价或负价"},
    "missing_customer": {"en": "no customer id (set aside)", "zh": "缺少客户编号(单独存放)"},
    "cancellations": {"en": "cancellations and returns netted", "zh": "取消与退货冲抵"},
    "cancellations_unmatched": {"en": "unmatched cancellations", "zh": "无法匹配的取消"},
    "extremes": {"en": "extreme lines (flagged)", "zh": "极端值(仅标记)"},
    "kept": {"en": "kept for analysis", "zh": "保留用于分析"},
    "reconciliation": {"en": "reconciliation", "zh": "核对"},
}

ACTION_TEXT: dict[str, dict[str, str]] = {
    "removed": {"en": "removed", "zh": "剔除"},
    "set aside": {"en": "set aside", "zh": "单独存放"},
    "netted": {"en": "netted", "zh": "冲抵"},
    "flagged": {"en": "flagged", "zh": "标记"},
    "off": {"en": "switched off", "zh": "未启用"},
    "kept": {"en": "kept", "zh": "保留"},
    "check": {"en": "kept + set aside + removed = raw", "zh": "保留 + 单独存放 + 剔除 = 原始"},
}

HEADERS: dict[str, dict[str, str]] = {
    "rule": {"en": "rule", "zh": "规则"},
    "action": {"en": "action", "zh": "处理"},
    "rows": {"en": "rows", "zh": "行数"},
    "revenue": {"en": "revenue", "zh": "收入"},
    "row_share": {"en": "% of rows", "zh": "行数占比(%)"},
    "revenue_share": {"en": "% of revenue", "zh": "收入占比(%)"},
    "describe": {"en": "what it means", "zh": "说明"},
}

_OPTIONAL = [f.name for f in TRANSACTIONS if not f.required and f.name not in
             ("unit_price", "amount")]


@dataclass(frozen=True)
class CleaningResult:
    """What :func:`clean_transactions` returns.

    Attributes
    ----------
    transactions : pandas.DataFrame
        Clean lines of identified customers, typed, with ``is_extreme`` and
        ``extreme_reason`` flags and ``source_row``.
    anonymous : pandas.DataFrame
        Lines without a customer id that passed the rules before ``missing_customer``.
    removed : pandas.DataFrame
        Every removed row: its values, ``rule``, ``revenue`` (its raw revenue) and
        ``reason``.
    adjustments : pandas.DataFrame
        Lines partly netted by cancellations: ``source_row``, ``rule``,
        ``quantity_removed``, ``revenue``.
    log : pandas.DataFrame
        One row per rule: ``rule``, ``action``, ``rows``, ``revenue``, ``describe``,
        then ``kept`` and ``reconciliation``.
    raw_rows, raw_revenue : int, float
        What came in.
    """

    transactions: pd.DataFrame
    anonymous: pd.DataFrame
    removed: pd.DataFrame
    adjustments: pd.DataFrame
    log: pd.DataFrame
    raw_rows: int
    raw_revenue: float
    settings: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Rows, revenue and customers in and out, as a dict."""
        t = self.transactions
        return {
            "raw_rows": self.raw_rows,
            "raw_revenue": self.raw_revenue,
            "kept_rows": int(len(t)),
            "kept_revenue": float(t["amount"].sum()),
            "kept_customers": int(t["customer_id"].nunique()),
            "set_aside_rows": int(len(self.anonymous)),
            "set_aside_revenue": float(self.anonymous["amount"].sum()),
            "removed_rows": int(len(self.removed)),
            "removed_revenue": float(self.removed["revenue"].sum()),
            "adjusted_revenue": float(self.adjustments["revenue"].sum()),
            "flagged_rows": int(t["is_extreme"].sum()),
            "first_date": t["order_date"].min(),
            "last_date": t["order_date"].max(),
        }

    def reconcile(self, rtol: float = 1e-9) -> dict[str, Any]:
        """Check that kept + set aside + removed (+ adjusted) equals the raw input.

        Parameters
        ----------
        rtol : float, default 1e-9
            Relative tolerance on revenue (floating-point sums).

        Returns
        -------
        dict
            The summary, when the books balance.

        Raises
        ------
        CustlibError
            If rows or revenue do not add up (a bug, reported with the figures).
        """
        s = self.summary()
        rows = s["kept_rows"] + s["set_aside_rows"] + s["removed_rows"]
        revenue = (s["kept_revenue"] + s["set_aside_revenue"] + s["removed_revenue"]
                   + s["adjusted_revenue"])
        scale = max(abs(self.raw_revenue), 1.0)
        if rows != self.raw_rows or abs(revenue - self.raw_revenue) > rtol * scale:
            raise CustlibError(
                f"cleaning does not reconcile: raw {self.raw_rows} rows / "
                f"{self.raw_revenue:.6f} revenue, accounted {rows} rows / {revenue:.6f}")
        return s

    def log_table(self, lang: str = "en") -> pd.DataFrame:
        """The log for people: translated rule names, shares, explanations.

        Parameters
        ----------
        lang : {'en', 'zh'}

        Returns
        -------
        pandas.DataFrame
        """
        check_lang(lang)
        log = self.log.copy()
        log["row_share"] = (100 * log["rows"] / max(self.raw_rows, 1)).round(2)
        log["revenue_share"] = (100 * log["revenue"] / (self.raw_revenue or 1.0)).round(2)
        log["revenue"] = log["revenue"].round(2) + 0.0  # no -0.0 from float noise
        log["rule"] = [RULE_TEXT.get(r, {}).get(lang, r) for r in log["rule"]]
        log["action"] = [ACTION_TEXT.get(a, {}).get(lang, a) for a in log["action"]]
        if lang == "zh":
            log["describe"] = log["describe_zh"]
        log = log[["rule", "action", "rows", "revenue", "row_share", "revenue_share",
                   "describe"]]
        log.columns = [HEADERS[c][lang] for c in log.columns]
        return log


def _validate(rules: Mapping[str, bool] | None, unmatched: str, method: str,
              factor: float, start: str | None, end: str | None, min_date: str,
              cancel_prefix: str) -> tuple[dict[str, bool], pd.Timestamp | None,
                                           pd.Timestamp | None, pd.Timestamp]:
    rules = dict(rules or {})
    unknown = [r for r in rules if r not in RULES]
    if unknown:
        raise ParameterError(f"parameter 'rules' names {format_list(unknown)}; rules are "
                             f"{format_list(RULES)}")
    if rules.get("parse_types") is False:
        raise ParameterError("rule 'parse_types' cannot be switched off: every other rule "
                             "needs typed values (use drop_invalid=True to remove and count "
                             "unparsable rows instead of stopping)")
    bad = {k: v for k, v in rules.items() if not isinstance(v, bool)}
    if bad:
        raise ParameterError(f"parameter 'rules' must map rule names to true/false; got {bad}")
    on = {r: rules.get(r, True) for r in RULES}
    check_choice("unmatched_cancellations", unmatched, ("drop", "keep"))
    check_choice("extreme_method", method, ("iqr", "quantile"))
    if method == "iqr" and not (isinstance(factor, (int, float)) and factor > 0):
        raise ParameterError(f"parameter 'extreme_factor' is {factor!r}; expected a positive "
                             "number of interquartile ranges, e.g. 3.0")
    if method == "quantile" and not (0 < factor < 1):
        raise ParameterError(f"parameter 'extreme_factor' is {factor!r}; with "
                             "extreme_method='quantile' expected a quantile in (0, 1), "
                             "e.g. 0.999")
    if not isinstance(cancel_prefix, str):
        raise ParameterError(f"parameter 'cancel_prefix' is {cancel_prefix!r}; expected text")

    def when(name: str, value: str | None) -> pd.Timestamp | None:
        if value in (None, ""):
            return None
        try:
            return pd.Timestamp(value)
        except (ValueError, TypeError):
            raise ParameterError(f"parameter {name!r} is {value!r}; expected a date such as "
                                 "'2011-12-09'") from None

    s, e, m = when("observation_start", start), when("observation_end", end), \
        when("min_date", min_date)
    if s is not None and e is not None and e < s:
        raise ParameterError(f"parameter 'observation_end' ({end}) is before "
                             f"'observation_start' ({start})")
    assert m is not None
    return on, s, e, m


class _Books:
    """Running account of where raw rows went."""

    def __init__(self) -> None:
        self.removed: list[pd.DataFrame] = []
        self.log: list[dict[str, Any]] = []

    def remove(self, rows: pd.DataFrame, rule: str, reason: str | pd.Series,
               describe: str, describe_zh: str, action: str = "removed") -> None:
        part = rows.copy()
        part["rule"] = rule
        part["revenue"] = part["amount"].fillna(0.0)
        part["reason"] = reason
        self.removed.append(part)
        self.log.append({"rule": rule, "action": action, "rows": len(part),
                         "revenue": float(part["revenue"].sum()),
                         "describe": describe, "describe_zh": describe_zh})

    def note(self, rule: str, action: str, rows: int, revenue: float, describe: str,
             describe_zh: str) -> None:
        self.log.append({"rule": rule, "action": action, "rows": rows, "revenue": revenue,
                         "describe": describe, "describe_zh": describe_zh})


def _parse(raw: pd.DataFrame, options: ParseOptions, drop_invalid: bool
           ) -> tuple[pd.DataFrame, pd.Series, dict[str, pd.Series], ParsedTable]:
    """Typed copy, a mask of rows that failed, per-column failure masks, the decisions."""
    labels = raw["source_row"] if "source_row" in raw.columns else None
    parsed = parse_table(raw, TRANSACTIONS, options=options,
                         errors="coerce" if drop_invalid else "raise")
    df = parsed.frame[[f.name for f in TRANSACTIONS if f.name in raw.columns]].copy()
    failures: dict[str, pd.Series] = {}
    for f in TRANSACTIONS:
        if f.name not in df.columns:
            continue
        if f.kind == "datetime" or (f.kind == "number" and
                                    (f.required or f.name in ("unit_price", "amount"))):
            failures[f.name] = df[f.name].isna()
    blank_dates = failures.get("order_date", pd.Series(False, index=raw.index))
    if blank_dates.any() and not drop_invalid:
        rows = labels[blank_dates].head(5).tolist() if labels is not None else \
            list(raw.index[blank_dates][:5])
        raise DataError(f"column 'order_date': {int(blank_dates.sum())} row(s) have no date "
                        f"(rows {rows}); every order needs one. Set `drop_invalid: true` in "
                        "your parameter file (or drop_invalid=True in Python) to remove and "
                        "count them")
    for name in ("quantity", "unit_price", "amount"):
        mask = failures.get(name)
        if mask is not None and mask.any() and not drop_invalid:
            rows = labels[mask].head(5).tolist() if labels is not None else \
                list(raw.index[mask][:5])
            raise DataError(f"column {name!r}: {int(mask.sum())} row(s) have no value "
                            f"(rows {rows}); expected a number on every line. Set "
                            "`drop_invalid: true` in your parameter file (or "
                            "drop_invalid=True in Python) to remove and count them")
    derive_money(df)
    if "order_id" not in raw.columns:
        df["order_id"] = (df["customer_id"].fillna("?") + "|"
                          + df["order_date"].dt.strftime("%Y-%m-%d %H:%M:%S")).astype("str")
    bad = pd.Series(False, index=raw.index)
    for mask in failures.values():
        bad |= mask
    df["source_row"] = raw["source_row"] if "source_row" in raw.columns else \
        np.arange(len(raw), dtype="int64")
    order = ["customer_id", "order_id", "order_date", "quantity", "unit_price", "amount"]
    order += [c for c in _OPTIONAL if c in df.columns] + ["source_row"]
    return df[order], bad, failures, parsed


def _net(df: pd.DataFrame, cancel_prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """Match negative lines to earlier positive lines; return matched quantity per row.

    Returns
    -------
    matched : ndarray of float
        Units of each row consumed by netting (positive numbers, for both sides).
    is_cancel : ndarray of bool
        Rows that are negative lines.
    """
    n = len(df)
    matched = np.zeros(n)
    qty = df["quantity"].to_numpy(dtype="float64")
    neg = qty < 0
    if not neg.any():
        return matched, neg
    key_cols = ["customer_id", "product_id" if "product_id" in df.columns else "unit_price"]
    keys = pd.MultiIndex.from_frame(df[key_cols].astype(str)).to_flat_index()
    codes, _ = pd.factorize(keys)
    neg_codes = np.unique(codes[neg])
    pos = (qty > 0) & np.isin(codes, neg_codes)
    times = df["order_date"].to_numpy(dtype="datetime64[ns]").astype("int64")
    # positive lines per key, sorted by time (ties by position)
    pos_idx = np.flatnonzero(pos)
    order = np.lexsort((pos_idx, times[pos_idx], codes[pos_idx]))
    pos_idx = pos_idx[order]
    pos_codes = codes[pos_idx]
    splits = np.flatnonzero(np.diff(pos_codes)) + 1
    groups = {int(pos_codes[g[0]]): g for g in np.split(np.arange(len(pos_idx)), splits)
              if len(g)}
    remaining = qty.copy()
    neg_idx = np.flatnonzero(neg)
    neg_idx = neg_idx[np.lexsort((neg_idx, times[neg_idx]))]
    for i in neg_idx:
        g = groups.get(int(codes[i]))
        if g is None:
            continue
        rows = pos_idx[g]
        # most recent positive line at or before the cancellation
        k = bisect.bisect_right(times[rows].tolist(), times[i]) - 1
        need = -remaining[i]
        while need > 0 and k >= 0:
            j = rows[k]
            take = min(need, remaining[j])
            if take > 0:
                remaining[j] -= take
                need -= take
                matched[j] += take
                matched[i] += take
            k -= 1
        remaining[i] = -need
    return matched, neg


def _extremes(df: pd.DataFrame, method: str, factor: float) -> tuple[pd.Series, pd.Series,
                                                                   dict[str, float]]:
    flags = pd.Series(False, index=df.index)
    reasons = pd.Series("", index=df.index, dtype="str")
    limits: dict[str, float] = {}
    for col in ("quantity", "amount"):
        values = df[col]
        positive = values[values > 0]
        if len(positive) < 20:
            continue
        if method == "iqr":
            logs = np.log10(positive)
            q1, q3 = np.quantile(logs, [0.25, 0.75])
            limit = float(10 ** (q3 + factor * (q3 - q1)))
        else:
            limit = float(np.quantile(positive, factor))
        limits[col] = limit
        hit = values > limit
        reasons = reasons.where(~hit, reasons + np.where(reasons.eq(""), "", "; ")
                                + f"{col} above {limit:,.2f}")
        flags |= hit
    return flags, reasons.where(flags, ""), limits


def clean_transactions(
    raw: pd.DataFrame,
    *,
    rules: Mapping[str, bool] | None = None,
    observation_start: str | None = None,
    observation_end: str | None = None,
    min_date: str = "1990-01-01",
    max_date: str | None = None,
    non_product_codes: Sequence[str] = DEFAULT_NON_PRODUCT_CODES,
    cancel_prefix: str = "C",
    unmatched_cancellations: str = "drop",
    extreme_method: str = "iqr",
    extreme_factor: float = 3.0,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    drop_invalid: bool = False,
    decimal: str = "",
    thousands: str = "",
    timezone: str = "",
) -> CleaningResult:
    """Clean a raw transaction log rule by rule (see the module docstring).

    Parameters
    ----------
    raw : pandas.DataFrame
        Contract columns as loaded by :func:`custlib.data.loading.load_transactions` (text or
        typed values) with ``source_row``. Never modified.
    rules : mapping of str to bool, optional
        Switch rules off by name, e.g. ``{"duplicates": False}``.
    observation_start, observation_end : str, optional
        The observation window, inclusive; the end date covers its whole day.
    min_date : str, default '1990-01-01'
        Earlier dates are impossible.
    max_date : str, optional
        Later dates are impossible; default today.
    non_product_codes : sequence of str
        Product ids that are not products (matched exactly after stripping spaces).
    cancel_prefix : str, default 'C'
        Order ids starting with it mark cancellations (other negative lines are returns).
    unmatched_cancellations : {'drop', 'keep'}, default 'drop'
        What to do with negative lines (or their remainder) that reverse nothing in the
        data: remove and count them, or keep them as negative lines.
    extreme_method : {'iqr', 'quantile'}, default 'iqr'
        ``iqr``: flag quantity or amount above Q3 + ``extreme_factor`` x IQR of the
        log10 values; ``quantile``: above the ``extreme_factor`` quantile.
    extreme_factor : float, default 3.0
    date_format : str, optional
        ``strftime`` format of ``order_date``; inferred when omitted (one format for the
        whole column, see :mod:`custlib.data.parsing`).
    dayfirst : bool, optional
        ``True``: ``01/02/2011`` is 1 February; ``False``: 2 January. Omitted: inferred
        from the column (a value such as ``13/01/2011`` decides); a column that nothing
        decides raises :class:`~custlib.errors.DataError`.
    drop_invalid : bool, default False
        Remove (and count) rows whose date or money does not parse instead of raising.
    decimal : {'', '.', ','}, default ''
        Decimal mark of quantity, unit price and amount; empty: inferred per column
        (``8,50`` proves a comma, ``12.5`` a point), or the loader's ``decimal``.
    thousands : {'', ',', '.', ' ', "'", 'none'}, default ''
        Thousands separator; empty: inferred (the mark that is not the decimal one).
    timezone : str, default ''
        IANA zone (``'Europe/London'``) that dates with UTC offsets are converted to;
        empty: the zone of the first date's offset. The result is local wall-clock time.

    Returns
    -------
    CleaningResult

    Raises
    ------
    DataError
        Unparsable dates or money (with ``drop_invalid=False``): names the column, the
        count and example source rows.
    ParameterError
        An unknown rule, a bad choice or an unparsable window date.
    EmptyResultError
        Nothing is left; names the rule that removed most rows.

    Examples
    --------
    >>> from custlib.data.loading import load_transactions
    >>> result = clean_transactions(load_transactions("cdnow_sample"))
    >>> result.reconcile()["raw_rows"]
    6919
    """
    on, start, end, min_ts = _validate(rules, unmatched_cancellations, extreme_method,
                                       extreme_factor, observation_start, observation_end,
                                       min_date, cancel_prefix)
    max_ts = pd.Timestamp(max_date) if max_date else pd.Timestamp(_dt.date.today()) + \
        pd.Timedelta(days=1)
    if "customer_id" not in raw.columns or "order_date" not in raw.columns:
        from custlib.data.contract import require_columns

        require_columns(raw, ["customer_id", "order_date"], "clean_transactions")
    books = _Books()
    options = ParseOptions.build(raw.attrs.get("parse_options"), date_format=date_format,
                                 dayfirst=dayfirst, decimal=decimal, thousands=thousands,
                                 timezone=timezone)
    df, bad, failures, parsed = _parse(raw, options, drop_invalid)
    decided, decided_zh = parsed.describe("en"), parsed.describe("zh")
    raw_revenue = float(df["amount"].fillna(0.0).sum())
    raw_rows = len(df)

    # 1 parse_types
    if bad.any():
        which = pd.Series("", index=df.index, dtype="str")
        for name, mask in failures.items():
            which = which.where(~mask, which + np.where(which.eq(""), "", ", ") + name)
        books.remove(df[bad], "parse_types", "unparsable " + which[bad],
                     f"rows whose {', '.join(n for n, m in failures.items() if m.any())} "
                     "could not be parsed (drop_invalid=True)"
                     + (f"; {decided}" if decided else ""),
                     "日期或金额无法解析的行(drop_invalid=True)"
                     + (f";{decided_zh}" if decided_zh else ""))
        df = df[~bad]
    else:
        books.note("parse_types", "removed", 0, 0.0,
                   "every date, quantity and price parsed" + (f"; {decided}" if decided else ""),
                   "所有日期、数量和价格均可解析" + (f";{decided_zh}" if decided_zh else ""))

    # 2 duplicates
    if on["duplicates"]:
        cols = [c for c in df.columns if c != "source_row"]
        dup = df.duplicated(subset=cols, keep="first")
        books.remove(df[dup], "duplicates", "exact duplicate of an earlier line",
                     "lines identical to an earlier line in every column (export glitches)",
                     "与之前某行完全相同的行(导出错误)")
        df = df[~dup]
    else:
        books.note("duplicates", "off", 0, 0.0, "rule switched off", "规则未启用")

    # 3 impossible dates
    if on["impossible_dates"]:
        bad_date = (df["order_date"] < min_ts) | (df["order_date"] >= max_ts)
        books.remove(df[bad_date], "impossible_dates",
                     pd.Series([f"date {v:%Y-%m-%d}" for v in df.loc[bad_date, "order_date"]],
                               index=df.index[bad_date], dtype="str"),
                     f"dates before {min_ts:%Y-%m-%d} or in the future",
                     f"早于 {min_ts:%Y-%m-%d} 或晚于今天的日期")
        df = df[~bad_date]
    else:
        books.note("impossible_dates", "off", 0, 0.0, "rule switched off", "规则未启用")

    # 4 observation window
    if on["window"] and (start is not None or end is not None):
        outside = pd.Series(False, index=df.index)
        if start is not None:
            outside |= df["order_date"] < start
        if end is not None:
            stop = end + pd.Timedelta(days=1) if end == end.normalize() else end
            outside |= df["order_date"] >= stop
        span = f"{start:%Y-%m-%d}" if start is not None else "the first order"
        span += f" to {end:%Y-%m-%d}" if end is not None else " onwards"
        books.remove(df[outside], "window", "outside the observation window",
                     f"lines outside the observation window ({span})",
                     f"观察期({span})之外的行")
        df = df[~outside]
    else:
        books.note("window", "off" if not on["window"] else "removed", 0, 0.0,
                   "no observation window set" if on["window"] else "rule switched off",
                   "未设置观察期" if on["window"] else "规则未启用")

    # 5 non-product lines
    if on["non_product"] and "product_id" in df.columns and len(non_product_codes):
        codes = {str(c).strip() for c in non_product_codes}
        nonprod = df["product_id"].fillna("").str.strip().isin(codes)
        found = sorted(df.loc[nonprod, "product_id"].unique().tolist())
        books.remove(df[nonprod], "non_product", "code " + df.loc[nonprod, "product_id"],
                     f"postage, fees and adjustments ({', '.join(found) or 'none found'})",
                     f"运费、手续费和调整项({', '.join(found) or '无'})")
        df = df[~nonprod]
    else:
        why = ("rule switched off" if not on["non_product"] else
               "no product_id column" if "product_id" not in df.columns else "no codes given")
        books.note("non_product", "off" if not on["non_product"] else "removed", 0, 0.0,
                   why, "规则未启用" if not on["non_product"] else "无商品编码或未给出代码")

    # 6 invalid prices
    if on["invalid_prices"]:
        invalid = (df["unit_price"] <= 0) | (df["quantity"] == 0)
        books.remove(df[invalid], "invalid_prices",
                     pd.Series([f"unit price {v:g}" for v in df.loc[invalid, "unit_price"]],
                               index=df.index[invalid], dtype="str"),
                     "zero or negative unit prices (write-offs, free samples) and "
                     "zero quantities", "零价或负价(坏账冲销、赠品)以及数量为零的行")
        df = df[~invalid]
    else:
        books.note("invalid_prices", "off", 0, 0.0, "rule switched off", "规则未启用")

    # 7 missing customer: set aside
    anonymous = df.iloc[0:0].copy()
    if on["missing_customer"]:
        anon = df["customer_id"].isna()
        anonymous = df[anon].copy()
        books.note("missing_customer", "set aside", int(anon.sum()),
                   float(anonymous["amount"].sum()),
                   "anonymous sales: kept for revenue totals, not in customer analysis",
                   "匿名销售:计入收入总额,不参与客户分析")
        df = df[~anon]
    else:
        books.note("missing_customer", "off", 0, 0.0, "rule switched off (anonymous lines "
                   "stay in the clean table)", "规则未启用(匿名行保留在清洁表中)")

    # 8 cancellations and returns
    adjustments = pd.DataFrame({"source_row": pd.Series(dtype="int64"),
                                "rule": pd.Series(dtype="str"),
                                "quantity_removed": pd.Series(dtype="float64"),
                                "revenue": pd.Series(dtype="float64")})
    if on["cancellations"]:
        df = df.reset_index(drop=True)
        matched, neg = _net(df, cancel_prefix)
        qty = df["quantity"].to_numpy()
        price = df["unit_price"].to_numpy()
        is_cancel = neg & df["order_id"].fillna("").str.startswith(cancel_prefix).to_numpy() \
            if cancel_prefix else np.zeros(len(df), bool)
        full = (matched > 0) & np.isclose(matched, np.abs(qty))
        partial = (matched > 0) & ~full
        # revenue removed by netting: a positive line loses matched x price; a negative line
        # "loses" -matched x price (it was negative revenue)
        sign = np.where(neg, -1.0, 1.0)
        delta_rev = matched * price * sign
        n_cancel, n_return = int((neg & is_cancel).sum()), int((neg & ~is_cancel).sum())
        netted_rev = float(df.loc[full, "amount"].sum()) + float(delta_rev[partial].sum())
        books.removed.append(df[full].assign(
            rule="cancellations", revenue=df.loc[full, "amount"],
            reason=np.where(neg[full], "negative line fully netted",
                            "line fully reversed by a later cancellation or return")))
        books.note("cancellations", "netted", int(full.sum()), netted_rev,
                   f"{n_cancel:,} cancellations and {n_return:,} returns netted against the "
                   f"lines they reverse; {int(full.sum()):,} lines fully reversed, "
                   f"{int(partial.sum()):,} partly", f"{n_cancel:,} 笔取消和 {n_return:,} "
                   "笔退货已与原订单行冲抵")
        if partial.any():
            adjustments = pd.DataFrame({
                "source_row": df.loc[partial, "source_row"].to_numpy(),
                "rule": "cancellations",
                "quantity_removed": matched[partial] * sign[partial],
                "revenue": delta_rev[partial],
            })
        new_qty = qty - matched * sign
        df["quantity"] = new_qty
        df["amount"] = np.where(partial, df["amount"].to_numpy() - delta_rev,
                                df["amount"].to_numpy())
        df = df[~full]
        left = df["quantity"] < 0
        if unmatched_cancellations == "drop":
            books.remove(df[left], "cancellations_unmatched",
                         "reverses no earlier line in the data",
                         "negative lines that reverse no earlier purchase in the data "
                         "(orders from before it starts): removed",
                         "在数据中找不到原订单的取消或退货(原订单早于数据起点):剔除")
            df = df[~left]
        else:
            books.note("cancellations_unmatched", "kept", 0, 0.0,
                       f"{int(left.sum()):,} negative lines that reverse nothing are kept "
                       "as negative revenue", "无法匹配的取消保留为负收入")
    else:
        books.note("cancellations", "off", 0, 0.0, "rule switched off: negative lines stay",
                   "规则未启用:负数行保留")

    # 9 extremes: flag only
    if on["extremes"]:
        flags, reasons, limits = _extremes(df, extreme_method, extreme_factor)
        df = df.assign(is_extreme=flags.to_numpy(), extreme_reason=reasons.to_numpy())
        lim = ", ".join(f"{k} > {v:,.2f}" for k, v in limits.items()) or "too few lines"
        books.note("extremes", "flagged", int(flags.sum()), float(df.loc[flags, "amount"].sum()),
                   f"flagged, not removed ({lim})", f"仅标记,不删除({lim})")
    else:
        df = df.assign(is_extreme=False, extreme_reason="")
        books.note("extremes", "off", 0, 0.0, "rule switched off", "规则未启用")

    df = df.reset_index(drop=True)
    removed = (pd.concat(books.removed, ignore_index=True) if books.removed else
               df.iloc[0:0].assign(rule="", revenue=0.0, reason=""))
    removed = removed.drop(columns=[c for c in ("is_extreme", "extreme_reason")
                                    if c in removed.columns])
    log = pd.DataFrame(books.log)
    kept_rev = float(df["amount"].sum())
    accounted_rows = len(df) + len(anonymous) + len(removed)
    accounted_rev = kept_rev + float(anonymous["amount"].sum()) + \
        float(removed["revenue"].sum()) + float(adjustments["revenue"].sum())
    log = pd.concat([log, pd.DataFrame([
        {"rule": "kept", "action": "kept", "rows": len(df), "revenue": kept_rev,
         "describe": f"{df['customer_id'].nunique():,} customers, ready for analysis",
         "describe_zh": f"{df['customer_id'].nunique():,} 位客户,可用于分析"},
        {"rule": "reconciliation", "action": "check", "rows": accounted_rows,
         "revenue": accounted_rev,
         "describe": f"raw input: {raw_rows:,} rows, {raw_revenue:,.2f} revenue "
                     f"({'balanced' if accounted_rows == raw_rows else 'NOT balanced'})",
         "describe_zh": f"原始数据:{raw_rows:,} 行,收入 {raw_revenue:,.2f}"},
    ])], ignore_index=True)
    result = CleaningResult(
        transactions=df, anonymous=anonymous.reset_index(drop=True), removed=removed,
        adjustments=adjustments.reset_index(drop=True), log=log, raw_rows=raw_rows,
        raw_revenue=raw_revenue,
        settings={"rules": on, "observation_start": observation_start,
                  "observation_end": observation_end, "min_date": min_date,
                  "cancel_prefix": cancel_prefix,
                  "unmatched_cancellations": unmatched_cancellations,
                  "extreme_method": extreme_method, "extreme_factor": extreme_factor,
                  "non_product_codes": list(non_product_codes),
                  "parsing": {"options": options.as_dict(), "columns": parsed.settings()}})
    if df.empty:
        removers = log[log["action"].isin(["removed", "set aside", "netted"])]
        worst = removers.sort_values("rows", ascending=False).iloc[0]
        hints = {"window": "observation_start / observation_end",
                 "impossible_dates": "min_date", "missing_customer": "the customer_id mapping",
                 "non_product": "non_product_codes", "invalid_prices": "the price mapping",
                 "duplicates": "rules={'duplicates': False}",
                 "parse_types": "date_format / the column mapping"}
        raise EmptyResultError(
            f"cleaning left no rows to analyse: rule {worst['rule']!r} took {worst['rows']:,} "
            f"of {raw_rows:,} rows; check {hints.get(worst['rule'], 'its parameters')}")
    result.reconcile()
    return result


def save_cleaning(result: CleaningResult, run: Any, *, customers: pd.DataFrame | None = None,
                  survey: pd.DataFrame | None = None, lang: str = "en",
                  currency: str = "") -> list[Path]:
    """Write a cleaning result (and the prepared optional tables) to the run folder.

    Parameters
    ----------
    result : CleaningResult
    run : custlib.run.config.RunFolder
    customers, survey : pandas.DataFrame, optional
        Prepared by :mod:`custlib.data.tables`.
    lang : {'en', 'zh'}
        Language of the log written for people.
    currency : str
        Recorded in the summary JSON for later notebooks.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from custlib.run import artefacts

    by = "01_data_cleaning"
    paths = [
        artefacts.save_table(result.transactions, run, "transactions_clean", written_by=by),
        artefacts.save_table(result.anonymous, run, "transactions_anonymous", written_by=by),
    ]
    if customers is not None:
        paths.append(artefacts.save_table(customers, run, "customers", written_by=by))
    if survey is not None:
        paths.append(artefacts.save_table(survey, run, "survey", written_by=by))
    log_path = run.path("tables", "cleaning_log.csv")
    result.log_table(lang).to_csv(log_path, index=False, encoding="utf-8-sig")
    removed_path = run.path("tables", "removed_rows.csv")
    result.removed.to_csv(removed_path, index=False, encoding="utf-8-sig")
    adj_path = run.path("tables", "netting_adjustments.csv")
    result.adjustments.to_csv(adj_path, index=False, encoding="utf-8-sig")
    summary = {**result.reconcile(), "currency": currency, "settings": result.settings}
    paths += [log_path, removed_path, adj_path,
              artefacts.save_json(summary, run, "cleaning_summary", written_by=by)]
    return paths
