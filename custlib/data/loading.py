"""Reading the user's data: files in CSV, Parquet or Excel, Parquet datasets, databases, presets.

Loaders read and never modify: they return the values as stored (text from CSV, typed
values from Parquet, Excel and databases) under the contract's column names, with a
``source_row`` column holding each row's position in the file (in the sorted files of a
Parquet folder or glob; in the result of a database table or query), so every later step
can be traced back to a line of the source. Types are parsed by the first cleaning rule
(:func:`custlib.data.cleaning.clean_transactions`).

Presets bundle a file and its column mapping (:mod:`custlib.data.presets`: ``demo``,
``cdnow_sample``, ``cdnow_master``). Files are read by :func:`custlib.data.files.read_table`;
the business context by :func:`custlib.data.context.load_context`. Both are re-exported
here, so ``loading`` is the one place to load anything from.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping
from typing import Any

import pandas as pd

from custlib.data.context import (
    CONTEXT_KEYS,
    data_labels,
    load_context,
    localise_context,
    read_yaml_mapping,
)
from custlib.data.contract import map_columns
from custlib.data.currency import single_currency
from custlib.data.engines import check_engine
from custlib.data.files import (
    BATCH_ROWS,
    SEPARATORS,
    iter_source_batches,
    read_table,
    sniff_separator,
)
from custlib.data.parsing import ParseOptions, with_options
from custlib.data.presets import PRESETS, Preset
from custlib.errors import CustlibError, ParameterError, SourceError, format_list
from custlib.run.config import resolve_path

__all__ = [
    "CONTEXT_KEYS",
    "PRESETS",
    "SEPARATORS",
    "TABLES",
    "Preset",
    "data_labels",
    "load_context",
    "load_table",
    "load_transactions",
    "localise_context",
    "read_options",
    "read_table",
    "read_yaml_mapping",
    "single_currency",
    "sniff_separator",
]

PathLike = str | os.PathLike[str]

#: The tables a source can hold, by contract name.
TABLES: tuple[str, ...] = ("transactions", "customers", "survey")


def _resolve_source(source: PathLike | None, table: str,
                    database: str = "") -> tuple[str | None, dict, dict]:
    """Return (path, default column mapping, read options) for a path or preset name."""
    if source is None:
        return None, {}, {}
    text = str(source)
    if database:  # a table or a query: read_table checks which
        return text, {}, {}
    if text in PRESETS:
        preset = PRESETS[text]
        if table == "transactions":
            return preset.transactions, dict(preset.columns), dict(preset.read_options)
        return getattr(preset, table), {}, {}
    looks_like_name = os.sep not in text and "/" not in text and "." not in text
    if looks_like_name:
        raise SourceError(f"{text!r} is neither a file nor a preset; presets are "
                          f"{format_list(PRESETS)}")
    return text, {}, {}


def _load(source: PathLike | None, table: str,
          columns: Mapping[str, str | None] | None, options: dict[str, Any],
          parse: Mapping[str, Any], engine: str = "pandas") -> Any:
    parse_options = ParseOptions.build(**parse)  # checks decimal/thousands/... early
    database = str(options.pop("database", "") or "")
    path, preset_columns, read_options = _resolve_source(source, table, database)
    if path is None:
        raise SourceError(f"the preset {source!r} has no {table} table")
    read_options.update(options)
    if database:
        from custlib.data.database import check_source_name

        check_source_name(path, table)
        read_options = {"database": database}
    if check_engine(engine) == "duckdb":
        return _stage(path, table, {**preset_columns, **(columns or {})}, read_options,
                      parse_options)
    raw = read_table(path, **read_options)
    if raw.empty:
        raise SourceError(f"{raw.attrs.get('source', path)} has no {table} rows")
    mapping = {**preset_columns, **(columns or {})}
    out = map_columns(raw, table, mapping)
    out.insert(len(out.columns), "source_row", pd.RangeIndex(len(out), dtype="int64"))
    out = out.reset_index(drop=True)
    out.attrs["source"] = raw.attrs.get("source", str(path))
    out.attrs["read_options"] = raw.attrs.get("read_options", {})
    return with_options(out, parse_options)


def _stage(path: str, table: str, mapping: dict[str, str | None], read_options: dict[str, Any],
           parse_options: ParseOptions) -> Any:
    """The source staged in DuckDB a page at a time (the DuckDB engine's raw log)."""
    from custlib.data.engines.duckdb import StagedLog

    def pages(source_columns: bool = False) -> Any:
        offset = 0
        for page in iter_source_batches(path, table, **read_options):
            out = map_columns(page, table, mapping)
            if source_columns:  # the header as pandas named it, for DuckDB's reader
                out.attrs["source_columns"] = [str(c) for c in page.columns]
            out.insert(len(out.columns), "source_row",
                       pd.RangeIndex(offset, offset + len(out), dtype="int64"))
            out = out.reset_index(drop=True)
            out.attrs["source"] = page.attrs.get("source", str(path))
            out.attrs["read_options"] = page.attrs.get("read_options", {})
            offset += len(out)
            yield with_options(out, parse_options)

    staged = _stage_csv_file(path, read_options, pages)
    if staged is None:
        staged = StagedLog(pages())
    if not len(staged):
        staged.close()
        raise SourceError(f"{staged.attrs.get('source', path)} has no {table} rows")
    return staged


#: Encodings DuckDB's CSV reader reads as the pandas loader does.
_DUCKDB_ENCODINGS = ("", "utf-8", "utf8", "utf-8-sig")


def _stage_csv_file(path: str, read_options: Mapping[str, Any], pages: Any) -> Any:
    """A plain UTF-8 CSV file staged by DuckDB's reader, else None (the pages are staged).

    The first page is read by pandas as for the pandas engine (its separator sniffed, its
    header checked, its columns mapped) and DuckDB then reads the whole file with that
    page's dialect and names; :meth:`StagedLog.from_csv` gives None where DuckDB reads
    the file otherwise than pandas would.
    """
    from custlib.data import datasets
    from custlib.data.engines.staging import StagedLog

    extra = set(read_options) - {"separator", "encoding", "format"}
    if (extra or str(read_options.get("encoding", "")).lower() not in _DUCKDB_ENCODINGS
            or read_options.get("format") not in (None, "csv")
            or str(path).startswith("package:") or datasets.is_dataset(path)):
        return None
    try:
        file = resolve_path(path, must_exist=True)
    except (CustlibError, OSError):
        return None
    if (not file.is_file() or file.suffix.lower() not in (".csv", ".txt", ".tsv")
            or glob.has_magic(str(file))):  # DuckDB would read the files a glob matches
        return None
    first = pages(source_columns=True)
    try:
        head = next(first, None)
    finally:
        first.close()
    if head is None or "separator" not in head.attrs.get("read_options", {}):
        return None
    staged = StagedLog.from_csv(file, head, separator=head.attrs["read_options"]["separator"])
    if staged is not None and len(head) < BATCH_ROWS and len(staged) != len(head):
        staged.close()  # the first page was the whole file: DuckDB read other lines
        return None
    return staged


def read_options(separator: str = "", encoding: str = "", decimal: str = "",
                 thousands: str = "", dayfirst: bool | None = None,
                 timezone: str = "", database: str = "") -> dict[str, Any]:
    """The loaders' reading options from notebook 01's parameters.

    A parameters cell has no "not set" for a bool, so ``dayfirst=False`` there means
    "infer the day/month order from the dates" and becomes ``None`` here.

    Parameters
    ----------
    separator, encoding, decimal, thousands, timezone : str
        As in notebook 01 ('' infers or uses the default).
    dayfirst : bool or None
    database : str, default ''
        A SQLAlchemy URL: the sources are then tables or queries of that database
        (:mod:`custlib.data.database`); empty: files and presets.

    Returns
    -------
    dict
        Keywords for :func:`load_transactions` and :func:`load_table`.

    Examples
    --------
    >>> read_options(decimal=",", dayfirst=False)["dayfirst"] is None
    True
    """
    out = {"separator": separator, "encoding": encoding, "decimal": decimal,
           "thousands": thousands, "dayfirst": dayfirst or None, "timezone": timezone}
    if database:
        out["database"] = database
    return out


def load_transactions(source: PathLike = "demo",
                      columns: Mapping[str, str | None] | None = None, *,
                      separator: str = "", encoding: str = "", decimal: str = "",
                      thousands: str = "", dayfirst: bool | None = None,
                      timezone: str = "", engine: str = "pandas",
                      **read_options: Any) -> pd.DataFrame:
    """Load a transaction log under the contract's column names.

    Parameters
    ----------
    source : path-like or preset name, default 'demo'
        A CSV, Parquet or Excel file, a folder or glob of Parquet files (hive partition
        folders such as ``year=2024`` become text columns), or one of :data:`PRESETS`;
        with ``database=`` in ``read_options``, a table (``schema.table``) or a query
        starting with SELECT or WITH (see :mod:`custlib.data.database`).
    columns : mapping, optional
        ``{contract name: your column}``, for example for UCI Online Retail II
        ``{"order_id": "Invoice", "product_id": "StockCode", "order_date":
        "InvoiceDate", "unit_price": "Price", "customer_id": "Customer ID"}``.
        Unmapped fields are found by name or common alias; map a field to ``None``
        to say the log has no such column. Overrides a preset's mapping.
    separator, encoding : str, optional
        CSV separator and encoding (see :func:`read_table`); empty: detected / UTF-8.
    decimal, thousands, dayfirst, timezone : optional
        How to read money and dates (see :class:`custlib.data.parsing.ParseOptions`);
        recorded in ``attrs['parse_options']`` for cleaning and profiling; empty:
        inferred per column.
    engine : {'pandas', 'duckdb'}, default 'pandas'
        ``duckdb``: the source is read a page at a time into a
        :class:`~custlib.data.engines.duckdb.StagedLog` (DuckDB, on disk) instead of a
        frame, for logs bigger than memory; clean it with ``clean_transactions``. A plain
        UTF-8 CSV file is read by DuckDB's own reader where it reads the file as pandas
        does (:meth:`~custlib.data.engines.staging.StagedLog.from_csv`).
    **read_options
        Passed to :func:`read_table` (``sheet_name``, ``skiprows``..., or ``database``:
        a SQLAlchemy URL whose tables or queries the sources are).

    Returns
    -------
    pandas.DataFrame
        Contract columns with values as stored, plus ``source_row`` (0-based position
        of the row in the file, the dataset's sorted files, or the database's result).
        ``attrs['column_mapping']`` records the mapping used.

    Raises
    ------
    SourceError
        Missing file, unknown preset or unreadable file.
    ColumnError
        A required column is missing (named, with the columns found).
    ParameterError
        The mapping uses a name the contract does not have.

    Examples
    --------
    >>> tx = load_transactions("cdnow_sample")
    >>> len(tx), tx["customer_id"].nunique()
    (6919, 2357)
    """
    return _load(source, "transactions", columns, {**read_options, "separator": separator,
                                            "encoding": encoding},
                 {"decimal": decimal, "thousands": thousands, "dayfirst": dayfirst,
                  "timezone": timezone}, engine)


def load_table(table: str, source: PathLike | None = "demo",
               columns: Mapping[str, str | None] | None = None, *,
               separator: str = "", encoding: str = "", decimal: str = "",
               thousands: str = "", dayfirst: bool | None = None,
               timezone: str = "", **read_options: Any) -> pd.DataFrame | None:
    """Load a table of the contract: the optional customers or survey, or transactions.

    Parameters
    ----------
    table : {'transactions', 'customers', 'survey'}
    source : path-like, preset name or None
        A CSV, Parquet or Excel file, a Parquet folder or glob, or one of
        :data:`PRESETS`; with ``database=``, a table or a query. Empty or None means
        "no such table" (returns None); the transactions cannot be empty.
    columns : mapping, optional
        ``{contract name: your column}``.
    separator, encoding, decimal, thousands, dayfirst, timezone : optional
        As for :func:`load_transactions`.
    **read_options
        Passed to :func:`read_table` (``database``: see :func:`load_transactions`).

    Returns
    -------
    pandas.DataFrame or None
        Contract columns as stored, plus ``source_row``.

    Raises
    ------
    ParameterError
        An unknown table.

    Examples
    --------
    >>> load_table("customers", "") is None
    True
    >>> len(load_table("survey", "demo")) > 0
    True
    """
    if table not in TABLES:
        raise ParameterError(f"parameter 'table' is {table!r}; expected one of "
                             f"{format_list(TABLES)}")
    if not source and table != "transactions":
        return None
    return _load(source, table, columns, {**read_options, "separator": separator,
                                          "encoding": encoding},
                 {"decimal": decimal, "thousands": thousands, "dayfirst": dayfirst,
                  "timezone": timezone})
