"""One parser per kind of value: dates, money and quantities, ids, yes/no, text.

Every table the kit reads (transactions, customers, survey) is typed by these functions,
through :func:`parse_table`, so a convention learnt here (a decimal comma, day-first
dates, ids exported as ``13085.0``) holds for every table alike. Each parser returns the
parsed values and a :class:`ParseInfo` saying what it decided, so the cleaning log can say
it too.

Conventions are inferred *per column*, from the values themselves, and never value by
value: a column whose values prove a reading (``13/01/2021`` is day first, ``8,50`` has a
decimal comma) is read that way as a whole; a column that nothing decides stops with a
:class:`~custlib.errors.DataError` naming the column, example rows and the parameter that
settles it (``dayfirst``/``date_format``, ``decimal``/``thousands``).

Dates
    ISO dates (``2021-01-13``, with or without a time) are never ambiguous. Dates with UTC
    offsets after a time (ISO or not) are given as wall-clock time of one zone: the
    ``timezone`` given, else the first value's offset (said in the log, which names the
    ``timezone`` parameter when the offsets differ, as across daylight saving).
    ``dd/mm/yyyy`` or ``mm/dd/yyyy`` (also with ``.``, ``-`` or a space, after an optional
    weekday) are read day first if any value has a first field above 12, month first if
    any has a second field above 12; with a two-digit year they need ``date_format``.
    Eight digits are ``%Y%m%d`` (CDNOW); numbers between 20,000 and 80,000 are Excel
    serial dates (days since 1899-12-30) when the whole column holds them. Other numeric
    layouts are never guessed.
Money and quantities
    Currency signs and codes, and the spaces around them, are removed. ``8,50``,
    ``1.234,56`` and ``1.234.567`` prove a decimal comma; ``12.5``, ``1,234.56`` and
    ``1,234,567`` a decimal point; ``1,234`` or ``1.234`` alone decide nothing. A
    thousands separator (also a space or ``'``) must group digits by three, so ``8,50``
    is never read as 850 and ``12 50`` is not a number; neither is ``1e400``.
Ids
    Text, spaces stripped. Integer-valued floats (``13085.0``, as spreadsheets export
    them) become ``13085`` unless the column holds a non-integer number such as ``1.5``;
    floats of 2**53 and more stop (their digits are lost). Leading zeros and text ids
    (``00123``, ``C-17``) stay as they are; placeholders (``#N/A``, ``N/A``, ``-``,
    ``?``) are missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from custlib.data.parsing.dates import parse_dates
from custlib.data.parsing.numbers import parse_numbers
from custlib.data.parsing.options import DECIMAL_CHOICES, THOUSANDS_CHOICES, ParseInfo, ParseOptions
from custlib.data.parsing.values import parse_bool, parse_ids, parse_text
from custlib.errors import ParameterError
from custlib.i18n import t

__all__ = [
    "DECIMAL_CHOICES",
    "THOUSANDS_CHOICES",
    "ParseInfo",
    "ParseOptions",
    "ParsedTable",
    "describe_columns",
    "parse_bool",
    "parse_dates",
    "parse_ids",
    "parse_numbers",
    "parse_table",
    "parse_text",
]


@dataclass
class ParsedTable:
    """What :func:`parse_table` returns.

    Attributes
    ----------
    frame : pandas.DataFrame
        A copy of the input with every contract column typed.
    info : dict of str to ParseInfo
        What each parser decided, by contract column.
    invalid : dict of str to pandas.Series
        For date and number columns, the mask of non-empty values that did not parse
        (all False unless ``errors='coerce'``).
    options : ParseOptions
        The options used.
    """

    frame: pd.DataFrame
    info: dict[str, ParseInfo]
    invalid: dict[str, pd.Series]
    options: ParseOptions

    def describe(self, lang: str = "en") -> str:
        """What was inferred, one clause per column, for a log (empty if nothing).

        Parameters
        ----------
        lang : {'en', 'zh'}

        Returns
        -------
        str
        """
        return describe_columns(self.info.values(), lang)

    def settings(self) -> dict[str, dict[str, Any]]:
        """The decisions as plain dicts (for JSON), only columns with something to say."""
        return {k: i.as_dict() for k, i in self.info.items() if len(i.as_dict()) > 2}


def describe_columns(infos: Iterable[ParseInfo], lang: str = "en") -> str:
    """What parsers decided, one clause per column that has something to say.

    Parameters
    ----------
    infos : iterable of ParseInfo
    lang : {'en', 'zh'}

    Returns
    -------
    str
        Empty when nothing is worth saying.
    """
    parts = [i.describe(lang) for i in infos]
    return t("data.parse.columns_separator", lang).join(p for p in parts if p)


def parse_table(raw: pd.DataFrame, spec: Any, *, options: ParseOptions | None = None,
                errors: str = "raise", prefix: str = "") -> ParsedTable:
    """Type every contract column of a table, each with its kind's parser.

    Parameters
    ----------
    raw : pandas.DataFrame
        Contract columns as loaded (text or typed), with ``source_row`` if available
        (used to name rows in messages). Never modified.
    spec : sequence of custlib.data.contract.Field
        The table's contract (``TRANSACTIONS``, ``CUSTOMERS``, ``SURVEY``).
    options : ParseOptions, optional
        Default: ``raw.attrs['parse_options']`` (set by the loaders), else infer.
    errors : {'raise', 'coerce'}, default 'raise'
    prefix : str, default ''
        Put before column names in messages (``'customers.'``).

    Returns
    -------
    ParsedTable
    """
    if errors not in ("raise", "coerce"):
        raise ParameterError(f"parameter 'errors' is {errors!r}; expected 'raise' or 'coerce'")
    opts = options or ParseOptions.build(raw.attrs.get("parse_options"))
    labels = raw["source_row"] if "source_row" in raw.columns else None
    out = raw.copy()
    infos: dict[str, ParseInfo] = {}
    invalid: dict[str, pd.Series] = {}
    for f in spec:
        if f.name not in out.columns:
            continue
        col = raw[f.name]
        name = f"{prefix}{f.name}"
        if f.kind == "id":
            values, info = parse_ids(col, name, row_labels=labels)
        elif f.kind == "datetime":
            values, info = parse_dates(col, name, options=opts, errors=errors,
                                       row_labels=labels)
        elif f.kind == "number":
            values, info = parse_numbers(col, name, options=opts, errors=errors,
                                         row_labels=labels)
        elif f.kind == "bool":
            values, info = parse_bool(col, name, errors=errors)
        else:
            values, info = parse_text(col, name, f.kind)
        if f.kind in ("datetime", "number", "bool"):
            blank = col.isna() | col.astype(str).str.strip().eq("")
            invalid[f.name] = values.isna() & ~blank
        out[f.name] = values
        infos[f.name] = info
    return ParsedTable(out, infos, invalid, opts)


def with_options(df: pd.DataFrame, options: ParseOptions | Mapping[str, Any]) -> pd.DataFrame:
    """Record parse options on a frame (``attrs['parse_options']``) and return it.

    Parameters
    ----------
    df : pandas.DataFrame
    options : ParseOptions or mapping

    Returns
    -------
    pandas.DataFrame
        ``df`` itself.
    """
    opts = options if isinstance(options, ParseOptions) else ParseOptions.build(options)
    df.attrs["parse_options"] = opts.as_dict()
    return df

