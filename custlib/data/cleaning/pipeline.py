"""The cleaning pipeline: type the log, run the rules in order, keep the books, reconcile.

:class:`CleaningPipeline` runs rule objects (:mod:`custlib.data.cleaning.rules`) one after
the other on the typed lines and collects what each removed, set aside or adjusted and its
row of the log; :func:`clean_transactions` builds the rules from its parameters, runs them,
adds the ``kept`` and ``reconciliation`` rows and checks that the books balance.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from custlib.data.cleaning.result import CleaningResult, LogRow, Note, nunique, total
from custlib.data.cleaning.rules import CleaningContext, Rule
from custlib.data.cleaning.settings import DEFAULT_NON_PRODUCT_CODES, CleaningSettings
from custlib.data.cleaning.typed import type_transactions
from custlib.data.contract import require_columns
from custlib.data.currency import single_currency
from custlib.data.engines import check_engine
from custlib.data.parsing import ParseOptions
from custlib.errors import EmptyResultError

if TYPE_CHECKING:
    from custlib.data.engines.duckdb import StagedLog

__all__ = ["CleaningPipeline", "PipelineRun", "clean_transactions"]

#: Where to look when a rule removed everything.
_HINTS = {"window": "observation_start / observation_end",
          "impossible_dates": "min_date", "missing_customer": "the customer_id mapping",
          "non_product": "non_product_codes", "invalid_prices": "the price mapping",
          "duplicates": "rules={'duplicates': False}",
          "parse_types": "date_format / the column mapping"}


def _no_adjustments() -> pd.DataFrame:
    return pd.DataFrame({"source_row": pd.Series(dtype="int64"),
                         "rule": pd.Series(dtype="str"),
                         "quantity_removed": pd.Series(dtype="float64"),
                         "revenue": pd.Series(dtype="float64")})


@dataclass
class PipelineRun:
    """The books of one run of the rules.

    Attributes
    ----------
    kept : pandas.DataFrame
        The lines that passed every rule.
    anonymous : pandas.DataFrame
        The lines set aside.
    removed : list of pandas.DataFrame
        What each rule removed, in order.
    adjustments : pandas.DataFrame
        Lines reduced by netting.
    log : list of LogRow
    decided : dict
        Settings the rules resolved from the data.
    """

    kept: pd.DataFrame
    anonymous: pd.DataFrame
    removed: list[pd.DataFrame] = field(default_factory=list)
    adjustments: pd.DataFrame = field(default_factory=_no_adjustments)
    log: list[LogRow] = field(default_factory=list)
    decided: dict[str, Any] = field(default_factory=dict)


class CleaningPipeline:
    """Rules run in order on typed lines, each switched on or off.

    Parameters
    ----------
    rules : sequence of Rule
    switched_off : collection of str
        Switch names (:attr:`Rule.switch`) of the rules that only say they are off.
    """

    def __init__(self, rules: Sequence[Rule], switched_off: Collection[str] = ()) -> None:
        self.rules = list(rules)
        self.switched_off = frozenset(switched_off)

    def run(self, typed: pd.DataFrame, context: CleaningContext) -> PipelineRun:
        """Apply every rule to what the previous ones left.

        Parameters
        ----------
        typed : pandas.DataFrame
            Typed lines (:func:`~custlib.data.cleaning.typed.type_transactions`).
        context : CleaningContext

        Returns
        -------
        PipelineRun
        """
        books = PipelineRun(kept=typed, anonymous=typed.iloc[0:0].copy())
        for rule in self.rules:
            if rule.switch in self.switched_off:
                outcome = rule.switched_off(books.kept, context)
            else:
                outcome = rule.apply(books.kept, context)
            books.kept = outcome.frame
            books.removed.extend(outcome.removed)
            books.log.extend(outcome.log)
            books.decided.update(outcome.decided)
            if outcome.set_aside is not None:
                books.anonymous = outcome.set_aside
            if outcome.adjustments is not None:
                books.adjustments = outcome.adjustments
        return books


def _result(books: PipelineRun, raw_rows: int, raw_revenue: float,
            settings: dict) -> CleaningResult:
    """The result of a run: tables, the log with ``kept`` and ``reconciliation``."""
    df, anonymous, adjustments = books.kept, books.anonymous, books.adjustments
    if isinstance(df, pd.DataFrame):  # not the lines the DuckDB engine keeps
        df, anonymous = df.reset_index(drop=True), anonymous.reset_index(drop=True)
    removed = (pd.concat(books.removed, ignore_index=True) if books.removed else
               df.head(0).assign(rule="", revenue=0.0, reason=""))
    removed = removed.drop(columns=[c for c in ("is_extreme", "extreme_reason")
                                    if c in removed.columns])
    kept_rev = total(df, "amount")
    accounted_rows = len(df) + len(anonymous) + len(removed)
    accounted_rev = kept_rev + total(anonymous, "amount") + \
        float(removed["revenue"].sum()) + float(adjustments["revenue"].sum())
    balance = "balanced" if accounted_rows == raw_rows else "unbalanced"
    rows = books.log + [
        LogRow("kept", "kept", len(df), kept_rev, Note(
            "data.cleaning.note.kept", {"customers": f"{nunique(df, 'customer_id'):,}"})),
        LogRow("reconciliation", "check", accounted_rows, accounted_rev, Note(
            f"data.cleaning.note.reconciliation_{balance}",
            {"rows": f"{raw_rows:,}", "revenue": f"{raw_revenue:,.2f}"})),
    ]
    log = pd.DataFrame([r.as_dict() for r in rows])
    return CleaningResult(
        transactions=df, anonymous=anonymous, removed=removed,
        adjustments=adjustments.reset_index(drop=True), log=log, raw_rows=raw_rows,
        raw_revenue=raw_revenue, settings={**settings, **books.decided})


def _check_not_empty(result: CleaningResult) -> None:
    """Raise when nothing is left, naming the rule that removed most rows."""
    if not result.transactions.empty:
        return
    log = result.log
    removers = log[log["action"].isin(["removed", "set aside", "netted"])]
    worst = removers.sort_values("rows", ascending=False).iloc[0]
    raise EmptyResultError(
        f"cleaning left no rows to analyse: rule {worst['rule']!r} took {worst['rows']:,} "
        f"of {result.raw_rows:,} rows; check {_HINTS.get(worst['rule'], 'its parameters')}")


def clean_transactions(
    raw: pd.DataFrame | StagedLog, *, rules: Mapping[str, bool] | None = None,
    observation_start: str | None = None, observation_end: str | None = None,
    min_date: str = "1990-01-01", max_date: str | None = None,
    non_product_codes: Sequence[str] = DEFAULT_NON_PRODUCT_CODES, cancel_prefix: str = "C",
    unmatched_cancellations: str = "drop", extreme_method: str = "iqr",
    extreme_factor: float = 3.0, date_format: str | None = None,
    dayfirst: bool | None = None, drop_invalid: bool = False, decimal: str = "",
    thousands: str = "", timezone: str = "", engine: str = "pandas",
) -> CleaningResult:
    """Clean a raw transaction log rule by rule (see :mod:`custlib.data.cleaning`).

    Parameters
    ----------
    raw : pandas.DataFrame or StagedLog
        Contract columns as loaded (text or typed), with ``source_row``. Never modified.
    rules : mapping of str to bool, optional
        Switch rules off by name, e.g. ``{"duplicates": False}``.
    observation_start, observation_end : str, optional
        The observation window, inclusive; the end date covers its whole day.
        ``observation_end='auto'``: where the log's usual volume ends when a sparse tail
        follows it (:mod:`custlib.data.window`), else the last order; the date used is in
        ``settings['observation_end']``.
    min_date, max_date : str, optional
        Dates before ``min_date`` (1990-01-01) or after ``max_date`` (today) are impossible.
    non_product_codes : sequence of str
        Product ids that are not products (matched exactly, spaces stripped).
    cancel_prefix : str, default 'C'
        Order ids starting with it mark cancellations (other negative lines are returns).
    unmatched_cancellations : {'drop', 'keep'}, default 'drop'
        Negative lines (or their remainder) that reverse nothing in the data: remove and
        count them, or keep them as negative lines.
    extreme_method : {'iqr', 'quantile'}, default 'iqr'
        ``iqr``: flag quantity or amount above Q3 + ``extreme_factor`` (3.0) x IQR of the
        log10 values; ``quantile``: above the ``extreme_factor`` quantile.
    extreme_factor : float, default 3.0
    date_format, dayfirst, decimal, thousands, timezone : optional
        How to read dates and money (:class:`custlib.data.parsing.ParseOptions`); empty:
        the loader's options, else inferred per column (a column nothing decides raises
        :class:`~custlib.errors.DataError`).
    drop_invalid : bool, default False
        Remove (and count) rows whose date or money does not parse instead of raising.
    engine : {'pandas', 'duckdb'}, default 'pandas'
        Where the rules run (:mod:`custlib.data.engines`): in memory, or in DuckDB over a
        log staged on disk (the same result; ``raw`` may then be a
        :class:`~custlib.data.engines.duckdb.StagedLog`, which implies ``duckdb``).

    Returns
    -------
    CleaningResult
        With ``engine='duckdb'`` its ``transactions`` and ``anonymous`` stay in DuckDB
        (:class:`~custlib.data.engines.lines.StagedLines`; ``.to_pandas()`` for a frame).

    Raises
    ------
    DataError
        Unparsable dates or money (without ``drop_invalid``): the column, count, rows.
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
    check_engine(engine)
    if engine == "duckdb" or not isinstance(raw, pd.DataFrame):
        from custlib.data.engines.duckdb import clean_transactions_duckdb

        return clean_transactions_duckdb(
            raw, rules=rules, observation_start=observation_start,
            observation_end=observation_end, min_date=min_date, max_date=max_date,
            non_product_codes=non_product_codes, cancel_prefix=cancel_prefix,
            unmatched_cancellations=unmatched_cancellations, extreme_method=extreme_method,
            extreme_factor=extreme_factor, date_format=date_format, dayfirst=dayfirst,
            drop_invalid=drop_invalid, decimal=decimal, thousands=thousands,
            timezone=timezone)
    given: dict[str, Any] = dict(
        observation_start=observation_start, observation_end=observation_end,
        min_date=min_date, cancel_prefix=cancel_prefix,
        unmatched_cancellations=unmatched_cancellations, extreme_method=extreme_method,
        extreme_factor=extreme_factor)
    settings = CleaningSettings.build(rules=rules, max_date=max_date,
                                      non_product_codes=non_product_codes, **given)
    if "customer_id" not in raw.columns or "order_date" not in raw.columns:
        require_columns(raw, ["customer_id", "order_date"], "clean_transactions")
    single_currency(raw)
    options = ParseOptions.build(raw.attrs.get("parse_options"), date_format=date_format,
                                 dayfirst=dayfirst, decimal=decimal, thousands=thousands,
                                 timezone=timezone)
    if "source_row" in raw.columns and not raw["source_row"].is_monotonic_increasing:
        # the lines in file order, whatever the frame's order: which of two equal lines is
        # "the earlier" (duplicates), which of two lines at the same time a cancellation
        # reverses first (netting) and "the first date's offset" never depend on a sort
        raw = raw.sort_values("source_row", kind="stable")
    typed, context = type_transactions(raw, options, drop_invalid)
    books = CleaningPipeline(settings.rules(), settings.switched_off()).run(typed, context)
    parsing = {"options": options.as_dict(),
               "columns": context.parsed.settings() if context.parsed else {}}
    result = _result(books, len(typed), float(typed["amount"].fillna(0.0).sum()), {
        "rules": dict(settings.on), **given, "non_product_codes": list(non_product_codes),
        "parsing": parsing})
    _check_not_empty(result)
    result.reconcile()
    return result
