"""CSV files for people, written as pandas writes them, a big table many times faster.

``DataFrame.to_csv`` formats every value in Python: 7-8 s for the 391,133 customers of a
10M-line log (18 columns), the larger part of writing notebook 03's results, and ten
times that at 100M lines. :func:`write_csv` gives the same bytes: a table of at least
:data:`FAST_ROWS` rows whose columns are all numbers, text, flags or dates is turned into
lines by DuckDB (numbers and text) and pandas' own date formatting, a slice of
:data:`SLICE_ROWS` rows at a time; any other table, and every table where DuckDB is not
installed or formats numbers differently from pandas (checked once per process on values
chosen to differ where formatters do), is written by ``to_csv``. ``tests/test_csvtext.py``
compares the two byte for byte, on generated tables too.

What pandas writes (``to_csv`` with its defaults): the header, then a line per row, fields
separated by ``,``; a field quoted (``"``, a quote inside doubled) only when it holds a
comma, a quote or a line break; a missing value, and a float's NaN, as an empty field;
``True``/``False`` for flags; a float by its shortest text that reads back as the same
number (``0.1``, ``1e-05``, ``1e+16``); dates as ``2011-12-09`` when every one is at
midnight, else with the time.
"""

from __future__ import annotations

import functools
import io
import os
from typing import Any

import numpy as np
import pandas as pd

from custlib.data.engines.workspace import arrow_batches

__all__ = ["FAST_ROWS", "SLICE_ROWS", "write_csv"]

#: Tables with fewer rows are written by ``to_csv`` (DuckDB's start costs more than it saves)
FAST_ROWS = 20_000
#: Rows turned into lines at a time (the memory of one slice's text)
SLICE_ROWS = 200_000

#: Floats where formatters part ways: exponents' digits and signs, the switch between
#: fixed and scientific notation at 1e-4 and 1e16, the shortest round trip, the extremes
_PROBES = np.array([
    0.0, -0.0, 0.1, 1 / 3, 2.0, 1e-4, 1e-5, 0.0001234, 1.2573022109339329e-08, 5e-324,
    2.2250738585072014e-308, 1e15, 9999999999999998.0, 1e16, 1.5e16, 123456789012345678.0,
    1739367877130.134, -13210486329130.19, 1e22, 1e100, -1e300, 1.7976931348623157e308,
    np.inf, -np.inf, 12.5, 525.52, 0.30000000000000004, 100.0, 1e21, 123456.789e-20])


def _numbers_sql(kind: str, column: str) -> str:
    """SQL giving a number column's text as pandas writes it (NULL: an empty field)."""
    if kind == "f":
        return f"CASE WHEN isnan({column}) THEN NULL ELSE CAST({column} AS VARCHAR) END"
    if kind == "b":
        return f"CASE WHEN {column} THEN 'True' WHEN NOT {column} THEN 'False' END"
    return f"CAST({column} AS VARCHAR)"


@functools.cache
def _quoted_characters() -> str:
    """The characters that make pandas quote a text field, as a regular expression's class.

    The csv module quotes a field holding the separator, the quote or a character of the
    line ending pandas gives it (``os.linesep``); whether a lone carriage return is quoted
    has changed between Python versions, so each character is asked of pandas itself.
    """
    quoted = [ch for ch in (",", '"', "\r", "\n", "\t", " ", ";")
              if '"' in pd.DataFrame({"a": [f"x{ch}y"], "b": [1]}).to_csv(index=False)]
    escape = {"\r": "\\r", "\n": "\\n", "\t": "\\t", '"': '"'}
    return "[" + "".join(escape.get(ch, ch) for ch in quoted) + "]"


def _text_sql(column: str) -> str:
    """SQL quoting a text field as Python's csv module does (``QUOTE_MINIMAL``)."""
    return (f"CASE WHEN regexp_matches({column}, '{_quoted_characters()}') "
            f"THEN '\"' || replace({column}, '\"', '\"\"') || '\"' ELSE {column} END")


@functools.cache
def _duckdb_formats_like_pandas() -> bool:
    """Whether the installed DuckDB writes floats, integers and flags as pandas does."""
    try:
        import duckdb
    except ImportError:
        return False
    frame = pd.DataFrame({"f": np.concatenate([_PROBES, [np.nan]]),
                          "i": np.arange(len(_PROBES) + 1, dtype="int64") * -7919,
                          "b": np.arange(len(_PROBES) + 1) % 2 == 0})
    try:
        con = duckdb.connect()
        try:
            con.register("probe", frame)
            got = con.execute(
                "SELECT " + " || ',' || ".join(
                    f"coalesce({_numbers_sql(k, k)}, '')" for k in ("f", "i", "b"))
                + " FROM probe").fetchall()
        finally:
            con.close()
    except Exception:  # an old or broken DuckDB: pandas writes
        return False
    want = frame.to_csv(index=False, header=False, lineterminator="\n").splitlines()
    return [row[0] for row in got] == want


def _kind(series: pd.Series) -> str | None:
    """How a column is written: 'f' float, 'i' integer, 'b' flag, 't' text, 'd' date.

    None: a column the fast path does not write (object columns of other things than
    text, float32, time spans, periods, intervals, complex numbers, ...).
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories  # none at all: every value missing, every field empty
        return "t" if len(cats) == 0 or pd.api.types.infer_dtype(cats, skipna=True) in (
            "string", "empty") else None
    if pd.api.types.is_bool_dtype(dtype):
        return "b"
    if pd.api.types.is_integer_dtype(dtype):
        return "i"
    if pd.api.types.is_float_dtype(dtype):
        return "f" if dtype in (np.dtype("float64"), pd.Float64Dtype()) else None
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "d"
    if pd.api.types.is_string_dtype(dtype):
        if pd.api.types.is_object_dtype(dtype):
            kind = pd.api.types.infer_dtype(series, skipna=True)
            return "t" if kind in ("string", "empty") else None
        return "t"
    return None


def _columns(df: pd.DataFrame, index: bool) -> list[pd.Series]:
    """The columns written, by position (the index first when written)."""
    first = [pd.Series(df.index, index=df.index)] if index else []
    return first + [df.iloc[:, i] for i in range(df.shape[1])]


def _fast_plan(df: pd.DataFrame, index: bool) -> list[str] | None:
    """The kinds of the columns written (the index first), or None: written by pandas."""
    if len(df) < FAST_ROWS or not _duckdb_formats_like_pandas():
        return None
    if isinstance(df.columns, pd.MultiIndex) or (index and isinstance(df.index, pd.MultiIndex)):
        return None
    columns = _columns(df, index)
    if len(columns) < 2:  # a lone empty field is written '""' by the csv module
        return None
    kinds = [_kind(c) for c in columns]
    return None if any(k is None for k in kinds) else kinds  # type: ignore[return-value]


def _dates_text(series: pd.Series) -> pd.Series:
    """A date column's text as pandas writes it (its own formatting, a column at a time)."""
    text = series.to_frame().to_csv(index=False, header=False, lineterminator="\n")
    lines = text.split("\n")[:-1]
    # a missing date: an empty field ('""' when the frame has one column; dates hold no quote)
    return pd.Series(lines, dtype="str").replace(["", '""'], None)


def _field(kind: str, column: str) -> str:
    """SQL of one field's text, an empty one where the value is missing."""
    text = _text_sql(column) if kind == "t" else column if kind == "d" else \
        _numbers_sql(kind, column)
    return f"coalesce({text}, '')"


def _write_lines(con: Any, fh: Any, columns: list[pd.Series], kinds: list[str]) -> None:
    """Write the CSV lines of a slice of rows, a column per series, each ending a line."""
    def value(series: pd.Series, kind: str) -> Any:
        if kind == "d":
            return _dates_text(series)
        if kind == "t" and isinstance(series.dtype, pd.CategoricalDtype):
            return series.astype("str").to_numpy()
        return series.array

    frame = pd.DataFrame({f"c{i}": value(c, k) for i, (c, k) in enumerate(zip(columns, kinds,
                                                                             strict=True))})
    cursor = con.cursor()  # a result open on it takes no other query: closed afterwards
    try:
        cursor.register("part", frame)
        rel = cursor.sql("SELECT " + " || ',' || ".join(
            _field(k, f"c{i}") for i, k in enumerate(kinds)) + " AS line FROM part")
        for batch in arrow_batches(rel, _BATCH_ROWS):
            lines = batch.column(0).to_pylist()
            if lines:
                fh.write(os.linesep.join(lines))
                fh.write(os.linesep)
    finally:
        cursor.close()


#: lines fetched from DuckDB at a time
_BATCH_ROWS = 50_000


def write_csv(df: pd.DataFrame, path: str | os.PathLike[str], *, index: bool,
              encoding: str = "utf-8-sig") -> None:
    """Write ``df`` as ``df.to_csv(path, encoding=encoding, index=index)`` does.

    Parameters
    ----------
    df : pandas.DataFrame
    path : path-like
        The file, written in full (the caller makes it atomic).
    index : bool
        Write the index as the first column.
    encoding : str, default 'utf-8-sig'
        UTF-8 with a byte-order mark, so that Excel shows Chinese text.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> df = pd.DataFrame({"id": ["a,1", "b"], "x": [0.1, float("nan")]})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = pathlib.Path(d) / "t.csv"
    ...     write_csv(df, path, index=False, encoding="utf-8")
    ...     print(path.read_text(encoding="utf-8"), end="")
    id,x
    "a,1",0.1
    b,
    """
    kinds = _fast_plan(df, index)
    if kinds is None:
        df.to_csv(path, encoding=encoding, index=index)
        return
    import duckdb

    header = io.StringIO()
    df.head(0).to_csv(header, index=index)
    columns = _columns(df, index)
    con = duckdb.connect()
    try:
        with open(path, "w", encoding=encoding, newline="") as fh:
            fh.write(header.getvalue())
            for start in range(0, len(df), SLICE_ROWS):
                part = [c.iloc[start:start + SLICE_ROWS] for c in columns]
                _write_lines(con, fh, part, kinds)
    except duckdb.Error:  # a value DuckDB cannot take: pandas writes the file again, whole
        df.to_csv(path, encoding=encoding, index=index)
    finally:
        con.close()
