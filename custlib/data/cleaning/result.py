"""What cleaning returns: the tables, the log of every rule, and the check that it balances.

A log row says what a rule did (``rule``, ``action``, ``rows``, ``revenue``) and what that
means, as a :class:`Note`: a catalog key and its fields, rendered in the reader's language
only when the log is shown (:meth:`CleaningResult.log_table`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from custlib.errors import CustlibError
from custlib.i18n import check_lang, labels, t

__all__ = ["CleaningResult", "LogRow", "Note", "OrElse", "date_span", "nunique", "rule_label",
           "total"]

#: A field of a note: text that reads the same in every language, or a function of the
#: language (a :class:`Note` is one).
Field = str | Callable[[str], str]


@dataclass(frozen=True)
class Note:
    """A sentence of the log, kept as a catalog key and fields until it is shown.

    Parameters
    ----------
    key : str
        A message of the ``data`` catalogs (``"data.cleaning.note.duplicates"``).
    fields : mapping of str to str or callable
        The message's ``{fields}``: formatted text, or a function of the language.

    Examples
    --------
    >>> note = Note("data.cleaning.note.impossible_dates", {"min_date": "1990-01-01"})
    >>> note("en")
    'dates before 1990-01-01 or in the future'
    """

    key: str
    fields: Mapping[str, Field] = field(default_factory=dict)

    def __call__(self, lang: str = "en") -> str:
        """The sentence in ``lang``."""
        values = {k: v if isinstance(v, str) else v(lang) for k, v in self.fields.items()}
        return t(self.key, lang, **values)


@dataclass(frozen=True)
class OrElse:
    """A field: ``text``, or the message ``key`` when ``text`` is empty.

    Examples
    --------
    >>> OrElse("", "data.cleaning.note.none_found")("zh")
    '无'
    """

    text: str
    key: str

    def __call__(self, lang: str = "en") -> str:
        """The text, or the message in ``lang``."""
        return self.text or t(self.key, lang)


@dataclass(frozen=True)
class LogRow:
    """One row of the cleaning log.

    Attributes
    ----------
    rule : str
        The rule's name (``duplicates``), or ``kept`` / ``reconciliation``.
    action : str
        ``removed``, ``set aside``, ``netted``, ``flagged``, ``off``, ``kept`` or ``check``.
    rows : int
    revenue : float
    note : Note
        What it means.
    """

    rule: str
    action: str
    rows: int
    revenue: float
    note: Note

    def as_dict(self) -> dict[str, Any]:
        """The row for the log table (``describe`` in English, the note kept)."""
        return {"rule": self.rule, "action": self.action, "rows": self.rows,
                "revenue": self.revenue, "describe": self.note("en"), "note": self.note}


@dataclass(frozen=True)
class CleaningResult:
    """What :func:`~custlib.data.cleaning.clean_transactions` returns.

    Attributes
    ----------
    transactions : pandas.DataFrame or StagedLines
        Clean lines of identified customers, typed, with ``is_extreme`` and
        ``extreme_reason`` flags and ``source_row``. The DuckDB engine keeps them in its
        database (a :class:`~custlib.data.engines.lines.StagedLines`: counts and sums in
        SQL, columns and selected lines as pandas, ``.to_pandas()`` the whole frame).
    anonymous : pandas.DataFrame or StagedLines
        Lines without a customer id that passed the rules before ``missing_customer``.
    removed : pandas.DataFrame
        Every removed row: its values, ``rule``, ``revenue`` (its raw revenue) and
        ``reason``.
    adjustments : pandas.DataFrame
        Lines partly netted by cancellations: ``source_row``, ``rule``,
        ``quantity_removed``, ``revenue``.
    log : pandas.DataFrame
        One row per rule: ``rule``, ``action``, ``rows``, ``revenue``, ``describe`` (in
        English) and ``note`` (a :class:`Note`, for :meth:`log_table` in any language),
        then ``kept`` and ``reconciliation``.
    raw_rows, raw_revenue : int, float
        What came in.
    settings : dict
        The parameters used, and what parsing decided.
    """

    transactions: Any  # pandas.DataFrame, or StagedLines of the DuckDB engine
    anonymous: Any
    removed: pd.DataFrame
    adjustments: pd.DataFrame
    log: pd.DataFrame
    raw_rows: int
    raw_revenue: float
    settings: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Rows, revenue and customers in and out, as a dict."""
        tx = self.transactions
        flagged = int(tx["is_extreme"].sum()) if isinstance(tx, pd.DataFrame) else \
            tx.count("is_extreme")  # lines kept in DuckDB
        first, last = date_span(tx)
        return {
            "raw_rows": self.raw_rows,
            "raw_revenue": self.raw_revenue,
            "kept_rows": int(len(tx)),
            "kept_revenue": total(tx, "amount"),
            "kept_customers": nunique(tx, "customer_id"),
            "set_aside_rows": int(len(self.anonymous)),
            "set_aside_revenue": total(self.anonymous, "amount"),
            "removed_rows": int(len(self.removed)),
            "removed_revenue": float(self.removed["revenue"].sum()),
            "adjusted_revenue": float(self.adjustments["revenue"].sum()),
            "flagged_rows": flagged,
            "first_date": first,
            "last_date": last,
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
            rule, action, rows, revenue, % of rows, % of revenue, what it means (headers
            in ``lang``).
        """
        check_lang(lang)
        log = self.log.copy()
        log["row_share"] = (100 * log["rows"] / max(self.raw_rows, 1)).round(2)
        log["revenue_share"] = (100 * log["revenue"] / (self.raw_revenue or 1.0)).round(2)
        log["revenue"] = log["revenue"].round(2) + 0.0  # no -0.0 from float noise
        log["rule"] = [rule_label(r, lang) for r in log["rule"]]
        actions = labels("data.cleaning.action", lang)
        log["action"] = [actions.get(a.replace(" ", "_"), a) for a in log["action"]]
        if "note" in log.columns:
            log["describe"] = [n(lang) if isinstance(n, Note) else d
                               for n, d in zip(log["note"], log["describe"])]
        log = log[["rule", "action", "rows", "revenue", "row_share", "revenue_share",
                   "describe"]]
        log.columns = [t(f"data.cleaning.header.{c}", lang) for c in log.columns]
        return log


def total(lines: Any, column: str) -> float:
    """The sum of a column of lines, a pandas frame or lines kept in DuckDB, as pandas sums.

    Parameters
    ----------
    lines : pandas.DataFrame or custlib.data.engines.lines.StagedLines
    column : str

    Returns
    -------
    float
    """
    if isinstance(lines, pd.DataFrame):
        return float(lines[column].sum())
    return float(lines.total(column))


def nunique(lines: Any, column: str) -> int:
    """Distinct values of a column of lines (a frame or lines kept in DuckDB), NaN aside.

    Parameters
    ----------
    lines : pandas.DataFrame or custlib.data.engines.lines.StagedLines
    column : str

    Returns
    -------
    int
    """
    if isinstance(lines, pd.DataFrame):
        return int(lines[column].nunique())
    return int(lines.nunique(column))


def date_span(lines: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last ``order_date`` of lines (a frame or lines kept in DuckDB).

    Parameters
    ----------
    lines : pandas.DataFrame or custlib.data.engines.lines.StagedLines

    Returns
    -------
    tuple of pandas.Timestamp
    """
    if isinstance(lines, pd.DataFrame):
        return lines["order_date"].min(), lines["order_date"].max()
    seen = lines.overview()
    return seen["first_date"], seen["last_date"]


def rule_label(rule: str, lang: str = "en") -> str:
    """The name of a cleaning rule (or ``raw``, ``kept``) for people; unknown names as is.

    Parameters
    ----------
    rule : str
    lang : {'en', 'zh'}

    Returns
    -------
    str

    Examples
    --------
    >>> rule_label("duplicates", "zh")
    '完全重复行'
    """
    return labels("data.cleaning.rule", lang).get(rule, rule)
