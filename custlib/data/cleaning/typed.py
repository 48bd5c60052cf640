"""The first step of cleaning: text to typed columns, with the rows that failed.

Types are parsed by :func:`custlib.data.parsing.parse_table` (one convention per column,
said in the log). Blank or unparsable dates and money stop the run with the column and
example rows, unless ``drop_invalid=True``: then the ``parse_types`` rule removes and
counts those rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custlib.data.cleaning.rules import CleaningContext
from custlib.data.contract import TRANSACTIONS, derive_money
from custlib.data.parsing import ParseOptions, parse_table
from custlib.errors import DataError

__all__ = ["blank_error", "type_transactions"]

_OPTIONAL = [f.name for f in TRANSACTIONS if not f.required and f.name not in
             ("unit_price", "amount")]


def blank_error(column: str, count: int, rows: list) -> DataError:
    """The error for lines without a date (``order_date``) or a money value.

    Parameters
    ----------
    column : str
    count : int
        Lines without a value.
    rows : list
        The first of them (source rows).

    Returns
    -------
    DataError
    """
    if column == "order_date":
        return DataError(f"column 'order_date': {count} row(s) have no date (rows {rows}); "
                         "every order needs one. Set `drop_invalid: true` in your parameter "
                         "file (or drop_invalid=True in Python) to remove and count them")
    return DataError(f"column {column!r}: {count} row(s) have no value (rows {rows}); "
                     "expected a number on every line. Set `drop_invalid: true` in your "
                     "parameter file (or drop_invalid=True in Python) to remove and count "
                     "them")


def type_transactions(raw: pd.DataFrame, options: ParseOptions, drop_invalid: bool
                      ) -> tuple[pd.DataFrame, CleaningContext]:
    """Type the contract columns of a raw log; what failed and what was decided.

    Parameters
    ----------
    raw : pandas.DataFrame
        As loaded, with ``source_row`` (else positions are used). Never modified.
    options : custlib.data.parsing.ParseOptions
    drop_invalid : bool
        Mark unparsable dates and money as failures (for the ``parse_types`` rule to
        remove) instead of raising.

    Returns
    -------
    typed : pandas.DataFrame
        Contract columns in contract order, ``order_id`` made up from customer and time
        when absent, ``amount`` derived, ``source_row`` last.
    context : CleaningContext
        Per-column failure masks and the parse decisions.

    Raises
    ------
    DataError
        Blank or unparsable dates or money (without ``drop_invalid``).
    """
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
    for name in ("order_date", "quantity", "unit_price", "amount"):
        mask = failures.get(name)
        if mask is not None and mask.any() and not drop_invalid:
            rows = labels[mask].head(5).tolist() if labels is not None else \
                list(raw.index[mask][:5])
            raise blank_error(name, int(mask.sum()), rows)
    derive_money(df)
    if "order_id" not in raw.columns:
        df["order_id"] = (df["customer_id"].fillna("?") + "|"
                          + df["order_date"].dt.strftime("%Y-%m-%d %H:%M:%S")).astype("str")
    df["source_row"] = raw["source_row"] if "source_row" in raw.columns else \
        np.arange(len(raw), dtype="int64")
    order = ["customer_id", "order_id", "order_date", "quantity", "unit_price", "amount"]
    order += [c for c in _OPTIONAL if c in df.columns] + ["source_row"]
    return df[order], CleaningContext(failures=failures, parsed=parsed)
