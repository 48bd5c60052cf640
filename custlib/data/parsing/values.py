"""Identifiers, yes/no answers and text (see :mod:`custlib.data.parsing`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from custlib.data.parsing.options import (
    ParseInfo,
    _examples,
)
from custlib.errors import DataError

#: Written for "no id" (compared ignoring case); empty ids are anonymous sales.
_MISSING_IDS = frozenset({"", "nan", "none", "<na>", "null", "nat", "#n/a", "#na", "n/a",
                          "na", "n.a.", "-", "--", "?"})
#: Ids exported as floats are exact only below 2**53.
_EXACT_FLOAT = 2.0 ** 53
_TRUE = {"1", "true", "yes", "y", "t", "是"}
_FALSE = {"0", "false", "no", "n", "f", "否"}


def parse_ids(s: pd.Series, column: str = "id", *, row_labels: pd.Series | None = None
              ) -> tuple[pd.Series, ParseInfo]:
    """Normalise identifiers to text; empty values and placeholders become missing.

    Integer-valued floats (``13085.0``, also as text next to ``13085``) become
    ``13085``, unless the column holds a non-integer number such as ``1.5`` (then its
    ids are text and stay as written). Spaces around ids are stripped; leading zeros
    and text ids stay. Placeholders for "no id" (``#N/A``, ``N/A``, ``NA``, ``-``,
    ``?``, ``null``, ``none``, any case) are missing, and counted.

    Parameters
    ----------
    s : pandas.Series
    column : str, default 'id'
        The column's name, for the info and messages.
    row_labels : pandas.Series, optional
        Labels for rows in messages (source line numbers).

    Returns
    -------
    values : pandas.Series
        dtype ``str`` with NaN for missing.
    info : ParseInfo
        ``normalised`` counts the ids written as ``n.0``, ``placeholders`` those read
        as missing.

    Raises
    ------
    DataError
        Ids stored as floats that are infinite or too large to be exact (2**53 and
        above): the digits are already lost, so the ids must be exported as text.

    Examples
    --------
    >>> values, info = parse_ids(pd.Series(["10013", "10013.0", "00123"]), "customer_id")
    >>> values.tolist(), info.normalised
    (['10013', '10013', '00123'], 1)
    """
    info = ParseInfo(column=column, kind="id")
    if pd.api.types.is_float_dtype(s):
        vals = s.astype("float64")
        inexact = vals.notna() & ~(vals.abs() < _EXACT_FLOAT)
        if inexact.any():
            raise DataError(
                f"column {column!r}: {int(inexact.sum()):,} id(s) are stored as numbers "
                f"that are infinite or too large to be exact ({_examples(s, inexact, row_labels)}"
                "); a number of 2**53 (9,007,199,254,740,992) or more loses its last digits, "
                "so these ids may stand for other customers. Export the ids as text (in a "
                "spreadsheet, format the column as Text) and read the file again")
        whole = vals.dropna()
        if (whole == np.floor(whole)).all():
            info.normalised = int(len(whole))
            s = vals.astype("Int64")
    out = s.astype("str").str.strip()
    lowered = out.str.lower()
    missing = s.isna() | lowered.isin(_MISSING_IDS)
    placeholder = missing & s.notna() & out.ne("")
    if placeholder.any():
        info.placeholders = int(placeholder.sum())
        info.placeholder_values = list(dict.fromkeys(out[placeholder]))[:5]
    out = out.where(~missing)
    present = out.dropna()
    int_float = present.str.fullmatch(r"[+-]?\d+\.0+")
    if int_float.any():
        fraction = present.str.fullmatch(r"[+-]?\d*\.\d+") & ~int_float
        if not fraction.any():
            idx = int_float[int_float].index
            out[idx] = present[idx].str.replace(r"\.0+$", "", regex=True)
            info.normalised += int(len(idx))
    return out.astype("str"), info


def parse_bool(s: pd.Series, column: str, *, errors: str = "raise"
               ) -> tuple[pd.Series, ParseInfo]:
    """Parse yes/no values (1/0, true/false, yes/no, y/n, t/f, 是/否).

    Parameters
    ----------
    s : pandas.Series
    column : str
        The column's name, for messages.
    errors : {'raise', 'coerce'}, default 'raise'

    Returns
    -------
    values : pandas.Series
        dtype ``boolean`` with NA for missing.
    info : ParseInfo

    Raises
    ------
    DataError
        Values that are none of these (named, with examples).
    """
    info = ParseInfo(column=column, kind="bool")
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean"), info
    text = s.astype(str).str.strip().str.lower()
    text = text.str.replace(r"\.0+$", "", regex=True)
    parsed = pd.Series(pd.NA, index=s.index, dtype="boolean")
    parsed[text.isin(_TRUE)] = True
    parsed[text.isin(_FALSE)] = False
    unknown = parsed.isna() & s.notna() & text.ne("") & text.ne("nan")
    info.invalid = int(unknown.sum())
    if unknown.any() and errors == "raise":
        examples = ", ".join(repr(v) for v in s[unknown].unique()[:5])
        raise DataError(f"{column}: {int(unknown.sum())} value(s) are not yes/no "
                        f"({examples}); expected 1/0, true/false or yes/no")
    return parsed, info


def parse_text(s: pd.Series, column: str = "text", kind: str = "text"
               ) -> tuple[pd.Series, ParseInfo]:
    """Text or category values, spaces stripped, blanks missing.

    Parameters
    ----------
    s : pandas.Series
    column : str
    kind : {'text', 'category'}

    Returns
    -------
    values : pandas.Series
        dtype ``str`` with NaN for missing.
    info : ParseInfo
    """
    text = s.astype("str").str.strip()
    return text.where(s.notna() & text.ne("")).astype("str"), ParseInfo(column, kind)


