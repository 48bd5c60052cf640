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

Netting is described in :mod:`custlib.data.cleaning.netting`. The revenue of a row whose
money did not parse counts as 0.

Each rule is an object (:mod:`~custlib.data.cleaning.rules`): its name, what it means (a
catalog key), ``apply`` and its row of the log; :class:`CleaningPipeline` runs them in
order and keeps the books (:mod:`~custlib.data.cleaning.pipeline`), :class:`CleaningResult`
holds the outcome and shows the log in a language (:mod:`~custlib.data.cleaning.result`),
:func:`save_cleaning` writes it to a run folder (:mod:`~custlib.data.cleaning.io`).
"""

from custlib.data.cleaning.io import save_cleaning
from custlib.data.cleaning.netting import Cancellations, UnmatchedCancellations
from custlib.data.cleaning.pipeline import CleaningPipeline, clean_transactions
from custlib.data.cleaning.result import CleaningResult, LogRow, Note, rule_label
from custlib.data.cleaning.rules import (
    CleaningContext,
    Duplicates,
    Extremes,
    ImpossibleDates,
    InvalidPrices,
    MissingCustomer,
    NonProduct,
    ParseTypes,
    Rule,
    RuleOutcome,
    Window,
)
from custlib.data.cleaning.settings import DEFAULT_NON_PRODUCT_CODES, RULES, CleaningSettings

__all__ = [
    "DEFAULT_NON_PRODUCT_CODES",
    "RULES",
    "Cancellations",
    "CleaningContext",
    "CleaningPipeline",
    "CleaningResult",
    "CleaningSettings",
    "Duplicates",
    "Extremes",
    "ImpossibleDates",
    "InvalidPrices",
    "LogRow",
    "MissingCustomer",
    "NonProduct",
    "Note",
    "ParseTypes",
    "Rule",
    "RuleOutcome",
    "UnmatchedCancellations",
    "Window",
    "clean_transactions",
    "rule_label",
    "save_cleaning",
]
