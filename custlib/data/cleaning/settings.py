"""The parameters of cleaning, checked once, and the rules they make.

:class:`CleaningSettings` turns :func:`~custlib.data.cleaning.clean_transactions`'
parameters into checked values (a bad one raises :class:`~custlib.errors.ParameterError`
naming it) and :meth:`CleaningSettings.rules` into the rule objects, in order.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from custlib.data.cleaning.netting import Cancellations, UnmatchedCancellations
from custlib.data.cleaning.rules import (
    Duplicates,
    Extremes,
    ImpossibleDates,
    InvalidPrices,
    MissingCustomer,
    NonProduct,
    ParseTypes,
    Rule,
    Window,
)
from custlib.errors import ParameterError, check_choice, format_list

__all__ = ["DEFAULT_NON_PRODUCT_CODES", "RULES", "CleaningSettings"]

#: The rules, in the order they run; each can be switched off but ``parse_types``.
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


def _switches(rules: Mapping[str, bool] | None) -> dict[str, bool]:
    """Every rule's on/off from the ``rules`` parameter (unnamed rules are on)."""
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
    return {r: rules.get(r, True) for r in RULES}


def _date(name: str, value: str | None) -> pd.Timestamp | None:
    if value in (None, ""):
        return None
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError):
        also = " or 'auto' (where the log's usual volume ends)" * (name == "observation_end")
        raise ParameterError(f"parameter {name!r} is {value!r}; expected a date such as "
                             f"'2011-12-09'{also}") from None


@dataclass(frozen=True)
class CleaningSettings:
    """Checked cleaning parameters (see :func:`~custlib.data.cleaning.clean_transactions`).

    Use :meth:`build`; the attributes are the parameters, dates as timestamps.
    """

    on: Mapping[str, bool]
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    auto_end: bool
    min_date: pd.Timestamp
    max_date: pd.Timestamp
    non_product_codes: Sequence[str]
    cancel_prefix: str
    unmatched_cancellations: str
    extreme_method: str
    extreme_factor: float

    @classmethod
    def build(cls, *, rules: Mapping[str, bool] | None, observation_start: str | None,
              observation_end: str | None, min_date: str, max_date: str | None,
              non_product_codes: Sequence[str], cancel_prefix: str,
              unmatched_cancellations: str, extreme_method: str,
              extreme_factor: float) -> CleaningSettings:
        """Check the parameters (names as in ``clean_transactions``).

        Returns
        -------
        CleaningSettings

        Raises
        ------
        ParameterError
            An unknown rule, a bad choice, factor or prefix, an unparsable date, or a
            window that ends before it starts.
        """
        on = _switches(rules)
        check_choice("unmatched_cancellations", unmatched_cancellations, ("drop", "keep"))
        check_choice("extreme_method", extreme_method, ("iqr", "quantile"))
        factor = extreme_factor
        if extreme_method == "iqr" and not (isinstance(factor, (int, float)) and factor > 0):
            raise ParameterError(f"parameter 'extreme_factor' is {factor!r}; expected a "
                                 "positive number of interquartile ranges, e.g. 3.0")
        if extreme_method == "quantile" and not (0 < factor < 1):
            raise ParameterError(f"parameter 'extreme_factor' is {factor!r}; with "
                                 "extreme_method='quantile' expected a quantile in (0, 1), "
                                 "e.g. 0.999")
        if not isinstance(cancel_prefix, str):
            raise ParameterError(f"parameter 'cancel_prefix' is {cancel_prefix!r}; expected "
                                 "text")
        start = _date("observation_start", observation_start)
        auto_end = isinstance(observation_end, str) and observation_end.strip() == "auto"
        end = None if auto_end else _date("observation_end", observation_end)
        low = _date("min_date", min_date)
        if start is not None and end is not None and end < start:
            raise ParameterError(f"parameter 'observation_end' ({observation_end}) is before "
                                 f"'observation_start' ({observation_start})")
        assert low is not None
        high = pd.Timestamp(max_date) if max_date else \
            pd.Timestamp(_dt.date.today()) + pd.Timedelta(days=1)
        return cls(on=on, start=start, end=end, auto_end=auto_end, min_date=low, max_date=high,
                   non_product_codes=non_product_codes, cancel_prefix=cancel_prefix,
                   unmatched_cancellations=unmatched_cancellations,
                   extreme_method=extreme_method, extreme_factor=factor)

    def rules(self) -> list[Rule]:
        """The rule objects, in the order they run (switched-off ones included).

        Returns
        -------
        list of Rule
        """
        return [
            ParseTypes(),
            Duplicates(),
            ImpossibleDates(self.min_date, self.max_date),
            Window(self.start, self.end, self.auto_end),
            NonProduct(tuple(self.non_product_codes)),
            InvalidPrices(),
            MissingCustomer(),
            Cancellations(self.cancel_prefix),
            UnmatchedCancellations(keep=self.unmatched_cancellations == "keep"),
            Extremes(self.extreme_method, self.extreme_factor),
        ]

    def switched_off(self) -> frozenset[str]:
        """The names of the rules switched off."""
        return frozenset(name for name, on in self.on.items() if not on)
