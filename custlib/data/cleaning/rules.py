"""The cleaning rules, one small object each: its name, what it means, and what it does.

A rule's :meth:`Rule.apply` takes the lines that reached it and returns a
:class:`RuleOutcome`: the lines that go on, the lines it removed (each with the rule's
name, its revenue and a reason) or set aside, and its row of the log. A rule can be
switched off; :meth:`Rule.switched_off` then says so in the log. Netting cancellations
against the lines they reverse lives in :mod:`custlib.data.cleaning.netting`.

Each rule can be tried alone::

    >>> import pandas as pd
    >>> lines = pd.DataFrame({"quantity": [1.0, 2.0], "unit_price": [5.0, 0.0],
    ...                       "amount": [5.0, 0.0]})
    >>> InvalidPrices().apply(lines, CleaningContext()).log[0].rows
    1
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from custlib.data.cleaning.result import LogRow, Note, OrElse
from custlib.data.parsing import ParsedTable, ParseInfo, describe_columns
from custlib.data.window import SparseTail, sparse_tail
from custlib.i18n import t

__all__ = [
    "CleaningContext",
    "Duplicates",
    "Extremes",
    "ImpossibleDates",
    "InvalidPrices",
    "MissingCustomer",
    "NonProduct",
    "ParseTypes",
    "Rule",
    "RuleOutcome",
    "Window",
]


@dataclass
class CleaningContext:
    """What a rule may know besides the lines it gets: what parsing found.

    Attributes
    ----------
    failures : dict of str to pandas.Series
        Per date and money column, the rows whose value did not parse.
    parsed : custlib.data.parsing.ParsedTable, optional
        What parsing decided per column (decimal mark, day/month order, ...).
    """

    failures: dict[str, pd.Series] = field(default_factory=dict)
    parsed: ParsedTable | None = None

    @property
    def unparsable(self) -> pd.Series | None:
        """Rows where any value did not parse (None when nothing was parsed)."""
        masks = list(self.failures.values())
        if not masks:
            return None
        bad = pd.Series(False, index=masks[0].index)
        for mask in masks:
            bad |= mask
        return bad


@dataclass
class RuleOutcome:
    """What a rule did.

    Attributes
    ----------
    frame : pandas.DataFrame
        The lines that go on to the next rule.
    log : list of LogRow
        The rule's rows of the log (usually one).
    removed : list of pandas.DataFrame
        Removed lines with ``rule``, ``revenue`` and ``reason`` columns.
    set_aside : pandas.DataFrame, optional
        Lines kept apart (anonymous sales).
    adjustments : pandas.DataFrame, optional
        Lines whose quantity and revenue were reduced: ``source_row``, ``rule``,
        ``quantity_removed``, ``revenue``.
    decided : dict
        Settings the rule resolved from the data (``observation_end: auto`` becomes a
        date), recorded in :attr:`CleaningResult.settings` for later notebooks.
    """

    frame: pd.DataFrame
    log: list[LogRow]
    removed: list[pd.DataFrame] = field(default_factory=list)
    set_aside: pd.DataFrame | None = None
    adjustments: pd.DataFrame | None = None
    decided: dict[str, Any] = field(default_factory=dict)


class Rule:
    """A cleaning rule.

    Attributes
    ----------
    name : str
        Its name in the log and in the ``rules`` parameter.
    switch : str
        The name that switches it off (its own, unless it belongs to another rule).
    action : str
        What it does to the lines it concerns: ``removed``, ``set aside``, ``netted``,
        ``flagged``.
    meaning : str
        The catalog key of its name for people (``data.cleaning.rule.<name>``).
    """

    name: ClassVar[str] = ""
    action: ClassVar[str] = "removed"

    @property
    def switch(self) -> str:
        """The name that switches the rule off in ``rules``."""
        return self.name

    @property
    def meaning(self) -> str:
        """The catalog key of the rule's name for people."""
        return f"data.cleaning.rule.{self.name}"

    def title(self, lang: str = "en") -> str:
        """The rule's name for people, in ``lang``."""
        return t(self.meaning, lang)

    def apply(self, frame: pd.DataFrame, context: CleaningContext) -> RuleOutcome:
        """Apply the rule to the lines that reached it.

        Parameters
        ----------
        frame : pandas.DataFrame
            Typed lines (contract columns, ``source_row``).
        context : CleaningContext

        Returns
        -------
        RuleOutcome
        """
        raise NotImplementedError

    def switched_off(self, frame: pd.DataFrame, context: CleaningContext) -> RuleOutcome:
        """The outcome when the rule is off: nothing changes, the log says so.

        Parameters
        ----------
        frame : pandas.DataFrame
        context : CleaningContext

        Returns
        -------
        RuleOutcome
        """
        return RuleOutcome(frame, [self.row(0, 0.0, Note("data.cleaning.note.off"), "off")])

    def row(self, rows: int, revenue: float, note: Note, action: str = "") -> LogRow:
        """A log row of this rule (with its own action unless another is given)."""
        return LogRow(self.name, action or self.action, rows, revenue, note)

    def remove(self, frame: pd.DataFrame, mask: pd.Series, reason: str | pd.Series,
               note: Note) -> RuleOutcome:
        """Remove the lines of ``mask``, each with ``reason``; log how many and how much.

        Parameters
        ----------
        frame : pandas.DataFrame
        mask : pandas.Series of bool
        reason : str or pandas.Series
            Why, per removed line.
        note : Note
            What the rule means, for the log.

        Returns
        -------
        RuleOutcome
        """
        part = frame[mask].copy()
        part["rule"] = self.name
        part["revenue"] = part["amount"].fillna(0.0)
        part["reason"] = reason
        row = self.row(len(part), float(part["revenue"].sum()), note)
        return RuleOutcome(frame[~mask], [row], removed=[part])


@dataclass(frozen=True)
class Decided:
    """A field: what parsing decided (``'; <decisions>'``), or empty if nothing.

    Parameters
    ----------
    infos : tuple of custlib.data.parsing.ParseInfo
    """

    infos: tuple[ParseInfo, ...] = ()

    def __call__(self, lang: str = "en") -> str:
        """The decisions in ``lang``."""
        said = describe_columns(self.infos, lang)
        return t("data.cleaning.note.decided", lang, decisions=said) if said else ""


@dataclass(frozen=True)
class ParseTypes(Rule):
    """Rows whose date, quantity or money did not parse (``drop_invalid=True``)."""

    name: ClassVar[str] = "parse_types"

    def apply(self, frame: pd.DataFrame, context: CleaningContext) -> RuleOutcome:
        """Remove the rows parsing marked as failed; say what parsing decided."""
        decided = Decided(tuple(context.parsed.info.values()) if context.parsed else ())
        bad = context.unparsable
        if bad is None or not bad.any():
            return RuleOutcome(frame, [self.row(0, 0.0, Note(
                "data.cleaning.note.parse_ok", {"decided": decided}))])
        failures = context.failures
        which = pd.Series("", index=frame.index, dtype="str")
        for name, mask in failures.items():
            which = which.where(~mask, which + np.where(which.eq(""), "", ", ") + name)
        columns = ", ".join(n for n, m in failures.items() if m.any())
        note = Note("data.cleaning.note.parse_failed", {"columns": columns,
                                                         "decided": decided})
        return self.remove(frame, bad, "unparsable " + which[bad], note)


@dataclass(frozen=True)
class Duplicates(Rule):
    """Lines equal to an earlier line in every column (the first is kept).

    Above :data:`MANY_DUPLICATES` of the lines, the log and a warning say that the export
    may repeat a line once per unit bought, and name the parameter that keeps them.
    """

    name: ClassVar[str] = "duplicates"

    def apply(self, frame: pd.DataFrame, context: CleaningContext) -> RuleOutcome:
        """Remove exact repeats of an earlier line (``source_row`` aside)."""
        cols = [c for c in frame.columns if c != "source_row"]
        dup = frame.duplicated(subset=cols, keep="first")
        note = duplicates_note(int(dup.sum()), len(frame), stacklevel=5)
        return self.remove(frame, dup, "exact duplicate of an earlier line", note)


def duplicates_note(duplicates: int, lines: int, *, stacklevel: int) -> Note:
    """The log's note on exact duplicates; above :data:`MANY_DUPLICATES`, also a warning.

    Parameters
    ----------
    duplicates, lines : int
        Duplicate lines, and the lines the rule looked at.
    stacklevel : int
        Of the warning, so that it names the caller of ``clean_transactions``.

    Returns
    -------
    Note
    """
    share = duplicates / lines if lines else 0.0
    if share <= MANY_DUPLICATES:
        return Note("data.cleaning.note.duplicates")
    warnings.warn(f"{duplicates:,} lines ({share:.1%}) are exact duplicates of an "
                  "earlier line and are removed. A log that repeats a line once per "
                  "unit bought looks like this; if yours does, keep them with "
                  "rules={'duplicates': False} (params: rules: {duplicates: false})",
                  UserWarning, stacklevel=stacklevel)
    return Note("data.cleaning.note.duplicates_many", {"share": f"{share:.1%}"})


#: above this share of lines, exact duplicates are more likely a line per unit than glitches
MANY_DUPLICATES: float = 0.02


@dataclass(frozen=True)
class ImpossibleDates(Rule):
    """Dates before ``min_date`` or at or after ``max_date`` (tomorrow, by default).

    Parameters
    ----------
    min_date, max_date : pandas.Timestamp
    """

    name: ClassVar[str] = "impossible_dates"
    min_date: pd.Timestamp
    max_date: pd.Timestamp

    def apply(self, frame: pd.DataFrame, context: CleaningContext) -> RuleOutcome:
        """Remove lines dated outside ``[min_date, max_date)``."""
        bad = (frame["order_date"] < self.min_date) | (frame["order_date"] >= self.max_date)
        reason = pd.Series([f"date {v:%Y-%m-%d}" for v in frame.loc[bad, "order_date"]],
                           index=frame.index[bad], dtype="str")
        return self.remove(frame, bad, reason, Note("data.cleaning.note.impossible_dates",
                                                    {"min_date": f"{self.min_date:%Y-%m-%d}"}))


@dataclass(frozen=True)
class Window(Rule):
    """Lines outside the observation window; an end date covers its whole day.

    With ``auto``, the end is where the log's usual volume ends when a sparse tail follows
    (:func:`custlib.data.window.sparse_tail`), else the last order; the tail's lines are
    removed here. A sparse tail left inside the window is named in the log, with the end
    to use, and warned about.

    Parameters
    ----------
    start, end : pandas.Timestamp or None
        None: open on that side; both None (and no ``auto``): nothing to do.
    auto : bool, default False
        ``observation_end: auto``: find the end from the data (``end`` is then ignored).
    """

    name: ClassVar[str] = "window"
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    auto: bool = False

    def apply(self, frame: pd.DataFrame, context: CleaningContext) -> RuleOutcome:
        """Remove lines dated before ``start`` or after the day ``end`` (or the tail)."""
        start, end = self.start, self.end
        inside = frame if start is None else frame[frame["order_date"] >= start]
        found = sparse_tail(inside) if len(inside) else None
        decided: dict[str, Any] = {"sparse_tail": _tail_dict(found)}
        if self.auto:
            end = found.end if found is not None else None
            decided |= {"observation_end": f"{end:%Y-%m-%d}" if end is not None else "",
                        "observation_end_auto": True}
        outside = pd.Series(False, index=frame.index)
        reason = pd.Series("outside the observation window", index=frame.index, dtype="str")
        if start is not None:
            outside |= frame["order_date"] < start
        if end is not None:
            stop = end + pd.Timedelta(days=1) if end == end.normalize() else end
            late = frame["order_date"] >= stop
            outside |= late
            if self.auto:
                reason = reason.where(~late, f"sparse tail after {end:%Y-%m-%d} "
                                             "(observation_end: auto)")
        kept = frame[~outside]
        if end is None:  # the end is not cut: what was found is what is left
            left = found
        else:
            left = sparse_tail(kept) if len(kept) else None
        tail = tail_note(left, found, auto=self.auto, stacklevel=5)
        if start is None and end is None:
            outcome = RuleOutcome(frame, [self.row(0, 0.0, Note(
                "data.cleaning.note.window_unset", {"tail": tail}))])
        elif self.auto and found is not None:
            outcome = self.remove(frame, outside, reason[outside], Note(
                "data.cleaning.note.window_auto",
                {"span": lambda lang: self._span(lang, end), **found.fields()}))
        else:
            outcome = self.remove(frame, outside, reason[outside], Note(
                "data.cleaning.note.window",
                {"span": lambda lang: self._span(lang, end), "tail": tail}))
        outcome.decided = decided
        return outcome

    def _span(self, lang: str, end: pd.Timestamp | None) -> str:
        """``2022-01-01 to 2024-12-31``, ``the first order to ...``, ``... onwards``."""
        text = (f"{self.start:%Y-%m-%d}" if self.start is not None else
                t("data.cleaning.span.first_order", lang))
        if end is not None:
            return text + t("data.cleaning.span.to", lang, end=f"{end:%Y-%m-%d}")
        return text + t("data.cleaning.span.onwards", lang)


def tail_note(left: SparseTail | None, found: SparseTail | None, *, auto: bool,
              stacklevel: int) -> Note | str:
    """The window rule's note on a sparse tail, warning when one is left inside the window.

    Parameters
    ----------
    left : SparseTail or None
        The tail still inside the window after the rule.
    found : SparseTail or None
        The tail found before it (``observation_end: auto`` ends there).
    auto : bool
        Whether the end was asked for as ``auto``.
    stacklevel : int
        Of the warning, counted from the caller of this function.

    Returns
    -------
    Note or str
        The note, or '' when there is nothing to say.
    """
    tail: Note | str = Note("data.cleaning.note.tail", left.fields()) if left else ""
    if left is not None:
        warn_tail(left, stacklevel=stacklevel + 1)
    if auto and found is None:
        tail = Note("data.cleaning.note.auto_none")
    return tail


def warn_tail(left: SparseTail, *, stacklevel: int) -> None:
    """Warn that a sparse tail is left inside the window, with the end to use.

    Parameters
    ----------
    left : SparseTail
    stacklevel : int
        Of the warning, so that it names the caller of ``clean_transactions``.
    """
    warnings.warn(f"the log's usual volume ends on {left.end:%Y-%m-%d}: only "
                  f"{left.lines:,} lines trickle over the {left.days} days after it, to "
                  f"{left.last_date:%Y-%m-%d}; taking that as the end of observation "
                  f"makes every customer look {left.days} days older. Set "
                  f"observation_end: auto (or {left.end:%Y-%m-%d}) to end there",
                  UserWarning, stacklevel=stacklevel)


def _tail_dict(tail: SparseTail | None) -> dict[str, Any] | None:
    """A sparse tail as plain values for the settings (JSON), None when there is none."""
    if tail is None:
        return None
    return {"end": f"{tail.end:%Y-%m-%d}", "last_date": f"{tail.last_date:%Y-%m-%d}",
            "lines": tail.lines, "share": tail.share, "days": tail.days, "rate": tail.rate,
            "usual_rate": tail.usual_rate}


@dataclass(frozen=True)
class NonProduct(Rule):
    """Lines whose product code is not a product (postage, fees, adjustments).

    Parameters
    ----------
    codes : sequence of str
        Matched exactly, spaces stripped.
    """

    name: ClassVar[str] = "non_product"
    codes: Sequence[str] = ()

    def apply(self, frame: pd.DataFrame, context: CleaningContext) -> RuleOutcome:
        """Remove lines with one of the codes (nothing without codes or product ids)."""
        if "product_id" not in frame.columns or not len(self.codes):
            key = ("data.cleaning.note.no_product_column" if "product_id" not in frame.columns
                   else "data.cleaning.note.no_codes")
            return RuleOutcome(frame, [self.row(0, 0.0, Note(key))])
        codes = {str(c).strip() for c in self.codes}
        nonprod = frame["product_id"].fillna("").str.strip().isin(codes)
        found = ", ".join(sorted(frame.loc[nonprod, "product_id"].unique().tolist()))
        codes_found = OrElse(found, "data.cleaning.note.none_found")
        return self.remove(frame, nonprod, "code " + frame.loc[nonprod, "product_id"],
                           Note("data.cleaning.note.non_product", {"codes": codes_found}))


@dataclass(frozen=True)
class InvalidPrices(Rule):
    """Lines with a unit price of zero or less, or a quantity of zero."""

    name: ClassVar[str] = "invalid_prices"

    def apply(self, frame: pd.DataFrame, context: CleaningContext) -> RuleOutcome:
        """Remove write-offs, free samples and zero quantities."""
        invalid = (frame["unit_price"] <= 0) | (frame["quantity"] == 0)
        reason = pd.Series([f"unit price {v:g}" for v in frame.loc[invalid, "unit_price"]],
                           index=frame.index[invalid], dtype="str")
        return self.remove(frame, invalid, reason, Note("data.cleaning.note.invalid_prices"))


@dataclass(frozen=True)
class MissingCustomer(Rule):
    """Lines without a customer id: set aside, for revenue totals only."""

    name: ClassVar[str] = "missing_customer"
    action: ClassVar[str] = "set aside"

    def apply(self, frame: pd.DataFrame, context: CleaningContext) -> RuleOutcome:
        """Set anonymous lines aside."""
        anon = frame["customer_id"].isna()
        anonymous = frame[anon].copy()
        row = self.row(int(anon.sum()), float(anonymous["amount"].sum()),
                       Note("data.cleaning.note.missing_customer"))
        return RuleOutcome(frame[~anon], [row], set_aside=anonymous)

    def switched_off(self, frame: pd.DataFrame, context: CleaningContext) -> RuleOutcome:
        """Anonymous lines stay in the clean table."""
        return RuleOutcome(frame, [self.row(0, 0.0, Note("data.cleaning.note.missing_customer_off"),
                                            "off")], set_aside=frame.iloc[0:0].copy())


@dataclass(frozen=True)
class Extremes(Rule):
    """Lines whose quantity or amount is extreme: flagged (``is_extreme``), never removed.

    Parameters
    ----------
    method : {'iqr', 'quantile'}
        ``iqr``: above Q3 + ``factor`` x IQR of the log10 values; ``quantile``: above
        the ``factor`` quantile.
    factor : float
    """

    name: ClassVar[str] = "extremes"
    action: ClassVar[str] = "flagged"
    method: str = "iqr"
    factor: float = 3.0

    def apply(self, frame: pd.DataFrame, context: CleaningContext) -> RuleOutcome:
        """Add ``is_extreme`` and ``extreme_reason``; log the flagged lines."""
        flags, reasons, limits = self.limits(frame)
        frame = frame.assign(is_extreme=flags.to_numpy(), extreme_reason=reasons.to_numpy())
        lim = OrElse(", ".join(f"{k} > {v:,.2f}" for k, v in limits.items()),
                     "data.cleaning.note.too_few_lines")
        row = self.row(int(flags.sum()), float(frame.loc[flags, "amount"].sum()),
                       Note("data.cleaning.note.extremes", {"limits": lim}))
        return RuleOutcome(frame, [row])

    def switched_off(self, frame: pd.DataFrame, context: CleaningContext) -> RuleOutcome:
        """Nothing is flagged (the flag columns are still added)."""
        frame = frame.assign(is_extreme=False, extreme_reason="")
        return RuleOutcome(frame, [self.row(0, 0.0, Note("data.cleaning.note.off"), "off")])

    def limits(self, frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, dict[str, float]]:
        """Flags, reasons and the limit per column (columns with 20+ positive values).

        Parameters
        ----------
        frame : pandas.DataFrame or StagedLines
            Needs ``quantity`` and ``amount``; of lines the DuckDB engine keeps, one of these
            columns at a time comes to pandas.

        Returns
        -------
        flags : pandas.Series of bool
        reasons : pandas.Series of str
        limits : dict of str to float
        """
        index = frame.index if isinstance(frame, pd.DataFrame) else pd.RangeIndex(len(frame))
        hits = np.zeros(len(frame), dtype=np.uint8)  # bit i: above the i-th limit
        said: list[str] = []
        limits: dict[str, float] = {}
        for col in ("quantity", "amount"):
            values = frame[col].to_numpy(dtype="float64", na_value=np.nan)
            with np.errstate(invalid="ignore"):
                positive = values[values > 0]  # a copy, worked on in place below
            if len(positive) < 20:
                continue
            if self.method == "iqr":
                logs = np.log10(positive, out=positive)
                q1, q3 = np.quantile(logs, [0.25, 0.75], overwrite_input=True)
                limit = float(10 ** (q3 + self.factor * (q3 - q1)))
            else:
                limit = float(np.quantile(positive, self.factor, overwrite_input=True))
            del positive
            limits[col] = limit
            with np.errstate(invalid="ignore"):
                hits |= (values > limit).astype(np.uint8) << len(said)
            said.append(f"{col} above {limit:,.2f}")
            del values
        # one text per combination of limits, not one concatenation per line
        texts = np.array(["; ".join(x for i, x in enumerate(said) if k >> i & 1)
                          for k in range(2 ** len(said))], dtype=object)
        return (pd.Series(hits > 0, index=index),
                pd.Series(texts[hits], index=index, dtype="str"), limits)
