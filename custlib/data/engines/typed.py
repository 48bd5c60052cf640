"""Typing a staged log: the contract's columns parsed as the pandas engine parses them.

Each column is parsed by the pandas parsers of :mod:`custlib.data.parsing` once per
*distinct* value, in the order the values first appear, and each line gets its value by a
join; where a decision could depend on how many lines hold a value, the whole column is
parsed (see :func:`_parse_column`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.data.cleaning.typed import blank_error
from custlib.data.contract import TRANSACTIONS, Field
from custlib.data.engines.sqlrules import _Books
from custlib.data.engines.staging import _as_raw, _q
from custlib.data.engines.workspace import checkpoint
from custlib.data.parsing import ParseOptions, parse_table
from custlib.data.parsing.options import ParseInfo
from custlib.errors import DataError

__all__: list[str] = []


_OPTIONAL = [f.name for f in TRANSACTIONS if not f.required and f.name not in
             ("unit_price", "amount")]


def _weighted(info: ParseInfo, f: Field, raw: pd.Series, typed: pd.Series,
              n: np.ndarray) -> ParseInfo:
    """``info`` with its counts weighted by how often each distinct value occurs."""
    def count(mask: pd.Series) -> int:
        return int(n[mask.to_numpy(dtype=bool)].sum())

    text = raw.astype("str").str.strip() if not pd.api.types.is_numeric_dtype(raw) else None
    blank = raw.isna() | (text.eq("") if text is not None else False)
    if f.kind == "id":
        if info.placeholders:
            assert text is not None
            info.placeholders = count(raw.notna() & typed.isna() & text.ne(""))
        if info.normalised:
            if text is None:  # ids stored as floats: every one was written as n.0
                info.normalised = count(raw.notna())
            else:
                info.normalised = count(typed.notna() & typed.ne(text))
    if f.kind in ("datetime", "number", "bool"):
        if info.invalid:
            info.invalid = count(typed.isna() & ~blank)
        if info.excel_serial:
            info.excel_serial = count(typed.notna())
    return info


#: ``dd/mm/yyyy``-like dates and their separator (a column with several separators names
#: the one most lines use: a count the distinct values do not have).
_DMY_SEPARATOR = r"^\s*\d{1,2}([-/. ])\d{1,2}[-/. ]"


def _parse_column(con: Any, f: Field, dtype: Any, options: ParseOptions,
                  errors: str) -> tuple[pd.DataFrame, ParseInfo]:
    """Parse a column's distinct values; return (value -> typed value) and the decisions.

    Where a decision could depend on how many lines hold a value (a majority vote over
    values that contradict each other, with ``drop_invalid``; the separator of dates
    written with several), the whole column is parsed instead, as the pandas engine does.
    """
    col = _q(f.name)
    d = con.execute(f"SELECT {col} AS v, min(_ord) AS first, arg_min(source_row, _ord) AS "
                    f"first_row, count(*) AS n FROM raw GROUP BY {col} ORDER BY first").df()
    values = _as_raw(d["v"], dtype)
    frame = pd.DataFrame({f.name: values, "source_row": d["first_row"].to_numpy()})
    try:
        parsed = parse_table(frame, [f], options=options, errors=errors)
        info = parsed.info[f.name]
        counted = (errors == "coerce" and info.invalid > 0) or (
            f.kind == "datetime" and pd.api.types.is_string_dtype(values)
            and values.str.extract(_DMY_SEPARATOR)[0].nunique() > 1)
    except DataError:
        counted = True  # the message counts and names lines: say it as the column would
    if not counted:
        typed = parsed.frame[f.name]
        info = _weighted(info, f, values, typed, d["n"].to_numpy())
        return pd.DataFrame({"v": d["v"], "typed": typed.reset_index(drop=True)}), info
    whole = con.execute(f"SELECT {col} AS v, source_row FROM raw ORDER BY _ord").df()
    parsed = parse_table(pd.DataFrame({f.name: _as_raw(whole["v"], dtype),
                                       "source_row": whole["source_row"].to_numpy()}),
                         [f], options=options, errors=errors)
    mapping = pd.DataFrame({"v": whole["v"], "typed": parsed.frame[f.name].to_numpy()})
    return mapping.drop_duplicates("v").reset_index(drop=True), parsed.info[f.name]


def _type(con: Any, dtypes: dict[str, Any], present: list[str], options: ParseOptions,
          drop_invalid: bool) -> tuple[_Books, dict[str, ParseInfo]]:
    """Table ``t``: the typed lines (as :func:`~custlib.data.cleaning.typed.type_transactions`)."""
    errors = "coerce" if drop_invalid else "raise"
    infos: dict[str, ParseInfo] = {}
    typed_dtypes: dict[str, Any] = {"source_row": np.dtype("int64")}
    joins, selects = [], []
    for i, f in enumerate(f for f in TRANSACTIONS if f.name in present):
        mapping, info = _parse_column(con, f, dtypes[f.name], options, errors)
        infos[f.name] = info
        typed_dtypes[f.name] = mapping["typed"].dtype
        if _unchanged(mapping, dtypes[f.name]):  # text typed as itself: no join needed
            selects.append(f"raw.{_q(f.name)} AS {_q(f.name)}")
            continue
        con.register("_map", mapping)
        con.execute(f"CREATE OR REPLACE TEMP TABLE m{i} AS SELECT * FROM _map "
                    "WHERE v IS NOT NULL")
        con.unregister("_map")
        # a missing value is missing typed too, whatever the column: a plain equi-join
        joins.append(f"LEFT JOIN m{i} ON raw.{_q(f.name)} = m{i}.v")
        selects.append(f"m{i}.typed AS {_q(f.name)}")
    # every derived column made in the table's one CREATE, not by an UPDATE: DuckDB holds
    # what an UPDATE writes in memory, unspilled (a text order id for 2M lines did not fit
    # in 80 MB); each layer may use the columns of the one below, as the updates did
    query = (f"SELECT {', '.join(selects)}, raw.source_row, raw._ord FROM raw "
             + " ".join(joins))
    failures: list[str] = [c for c in ("order_date", "quantity", "unit_price", "amount")
                           if c in present]
    for name, expr in _derived(present, failures, typed_dtypes):
        query = f"SELECT *, {expr} AS {_q(name)} FROM ({query})"
    con.execute(f"CREATE TABLE t AS {query}")
    _check_blank(con, infos, drop_invalid)
    checkpoint(con)
    order = ["customer_id", "order_id", "order_date", "quantity", "unit_price", "amount"]
    order += [c for c in _OPTIONAL if c in present] + ["source_row"]
    books = _Books(con, order, typed_dtypes)
    books.failures = failures  # type: ignore[attr-defined]
    return books, infos


def _unchanged(mapping: pd.DataFrame, dtype: Any) -> bool:
    """Whether a column's typing maps every text value to itself (ids, names, codes).

    Then each line's typed value is its raw value and the join of :func:`_type` (seconds
    for millions of lines and distinct values) adds nothing. Text stored as text only:
    a number or a date is never its own typed value.
    """
    typed, raw = mapping["typed"], mapping["v"]
    if not (pd.api.types.is_string_dtype(dtype) and pd.api.types.is_string_dtype(typed)
            and not pd.api.types.is_object_dtype(dtype)
            and not pd.api.types.is_object_dtype(typed)):
        return False
    known = raw.notna().to_numpy()
    if typed[known].isna().any():
        return False
    return bool((typed[known].to_numpy(dtype=object) == raw[known].to_numpy(dtype=object)).all())


def _check_blank(con: Any, infos: dict[str, ParseInfo], drop_invalid: bool) -> None:
    """Stop on lines without a date or money value, as the pandas engine does."""
    if drop_invalid:
        return
    for name in ("order_date", "quantity", "unit_price", "amount"):
        if name not in infos:
            continue
        rows = con.execute(f"SELECT source_row FROM t WHERE {_q(name)} IS NULL "
                           "ORDER BY _ord").fetchnumpy()["source_row"]
        if not len(rows):
            continue
        raise blank_error(name, len(rows), [int(r) for r in rows[:5]])


def _derived(present: list[str], failures: list[str],
             dtypes: dict[str, Any]) -> list[tuple[str, str]]:
    """The columns the typed lines derive, in order, as (name, SQL expression).

    Quantity, amount and unit price from the ones the log has (as ``derive_money``), the
    order id of a log without one (the customer and the second of the purchase), and
    ``_failed`` (which of ``failures``, the log's money and date columns, a line lacks),
    then the rules' ``_out`` (the rule that took the line out; a removed line's reason is
    written when the removed lines are read, :meth:`_Books.remove`). ``dtypes`` gets the
    derived columns' dtypes.
    """
    out: list[tuple[str, str]] = []
    if "quantity" not in present:
        out.append(("quantity", "CAST(CASE WHEN amount < 0 THEN -1.0 ELSE 1.0 END AS DOUBLE)"))
    if "amount" not in present:
        out.append(("amount", "CAST(quantity * unit_price AS DOUBLE)"))
    if "unit_price" not in present:
        out.append(("unit_price", "CAST(amount / nullif(quantity, 0) AS DOUBLE)"))
    for c in ("quantity", "unit_price", "amount"):
        dtypes[c] = np.dtype("float64")
    if "order_id" not in present:
        out.append(("order_id", "CAST(coalesce(customer_id, '?') || '|' || "
                                "strftime(order_date, '%Y-%m-%d %H:%M:%S') AS VARCHAR)"))
        dtypes["order_id"] = dtypes["customer_id"]
    which = " || ".join(f"CASE WHEN {_q(c)} IS NULL THEN ', {c}' ELSE '' END"
                        for c in failures)
    out.append(("_failed", f"CAST(nullif(substr({which}, 3), '') AS VARCHAR)" if failures
                else "CAST(NULL AS VARCHAR)"))
    out.append(("_out", "CAST(NULL AS VARCHAR)"))
    return out
