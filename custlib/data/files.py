"""Reading a table as stored: a file (CSV, Parquet, Excel), a Parquet dataset, a database.

:func:`read_table` reads one table and nothing more: no column is renamed, no value parsed
(:mod:`custlib.data.loading` maps columns to the contract, :mod:`custlib.data.parsing` types
them). A header that names a column twice stops the read. CSV separators are sniffed and
CSV text is kept as text. A folder or glob of Parquet files is read by
:mod:`custlib.data.datasets`, a table or query of a SQL database by
:mod:`custlib.data.database`; :func:`iter_source_batches` gives any source as pages of rows,
in the source's order, for readers that stream.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import importlib.resources
import io as _io
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from custlib._compat import quiet_import
from custlib.errors import ColumnError, CustlibError, ParameterError, SourceError, format_list
from custlib.run.config import resolve_path

__all__ = ["SEPARATORS", "iter_source_batches", "read_table", "sniff_separator"]

PathLike = str | os.PathLike[str]

_SUFFIXES = {
    ".csv": "csv", ".txt": "csv", ".tsv": "csv", ".gz": "csv", ".zip": "csv",
    ".parquet": "parquet", ".pq": "parquet",
    ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel",
}


def _open_source(source: PathLike) -> tuple[Any, str]:
    """Return (something pandas can read, a display name)."""
    text = str(source)
    if text.startswith("package:"):
        ref = text[len("package:"):]
        module, _, filename = ref.partition("/")
        try:
            quiet_import(module)  # lifetimes' import would silence FutureWarnings
            res = importlib.resources.files(module).joinpath(filename)
        except ModuleNotFoundError as exc:
            raise SourceError(f"preset data needs the package {module.split('.')[0]!r}, "
                              f"which is not installed ({exc})") from None
        if not res.is_file():
            raise SourceError(f"file {filename!r} not found in package {module!r}")
        return _io.BytesIO(res.read_bytes()), f"{module}/{filename}"
    path = resolve_path(source, must_exist=True)
    if path.is_dir():  # read_table reads folders as datasets; this is a safeguard
        raise SourceError(f"{path} is a folder; expected a CSV, Parquet or Excel file")
    return path, str(path)


SEPARATORS: tuple[str, ...] = (",", ";", "\t", "|")
#: Ways to write the tab separator in a parameter file (``separator: tab``).
_TAB_NAMES: tuple[str, ...] = ("tab", "\\t", "\t")
_SNIFF_BYTES = 64 * 1024


def _sample(handle: Any, name: str, encoding: str) -> str:
    """The first ~64 KiB of a text file, decoded leniently (for sniffing only)."""
    if isinstance(handle, _io.BytesIO):
        raw = handle.getvalue()[:_SNIFF_BYTES]
    else:
        path = Path(handle)
        suffix = path.suffix.lower()
        if suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                raw = fh.read(_SNIFF_BYTES)
        elif suffix == ".zip":
            return ""
        else:
            with open(path, "rb") as fh:
                raw = fh.read(_SNIFF_BYTES)
    return raw.decode(encoding, errors="replace")


def sniff_separator(sample: str) -> str:
    """The field separator of a delimited text sample, among ``, ; TAB |``.

    The separator that splits every line of the sample (quotes respected, the last,
    possibly cut, line ignored) into the same number of fields, more than one, wins; on
    a tie the earlier in ``, ; TAB |``. Without one, :class:`csv.Sniffer` decides among
    them, and failing that the comma.

    Parameters
    ----------
    sample : str
        The start of the file.

    Returns
    -------
    str

    Examples
    --------
    >>> sniff_separator('id;price\\n1;"8,50"\\n2;"1.234,56"\\n')
    ';'
    """
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # cut off by the sample size
    text = "".join(lines[:500])
    best, best_fields = "", 1
    for sep in SEPARATORS:
        try:
            counts = {len(row) for row in csv.reader(_io.StringIO(text), delimiter=sep)
                      if row}
        except csv.Error:
            continue
        if len(counts) == 1 and (n := counts.pop()) > best_fields:
            best, best_fields = sep, n
    if best:
        return best
    try:
        return csv.Sniffer().sniff(text, delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        return ","


def _csv_header(handle: Any, options: Mapping[str, Any]) -> list[str] | None:
    """The header line's names as written (pandas renames repeats to ``x.1``)."""
    if options.get("header", "infer") not in ("infer", 0) or options.get("names") is not None:
        return None
    keep = {k: v for k, v in options.items()
            if k in ("sep", "encoding", "compression", "skiprows", "quotechar", "comment",
                     "engine", "delimiter")}
    head = pd.read_csv(handle, header=None, nrows=1, dtype=str, keep_default_na=False,
                       **keep)
    if isinstance(handle, _io.BytesIO):
        handle.seek(0)
    return [str(c).strip() for c in head.iloc[0].tolist()] if len(head) else []


def _check_unique(names: list[str], name: str) -> None:
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    repeated = [n for n, k in seen.items() if k > 1 and n not in ("", "nan", "None")]
    if repeated:
        raise ColumnError(
            f"{name}: column name(s) {format_list(repeated)} appear more than once in the "
            "header; which one holds the data is unclear, so nothing is guessed. Rename or "
            f"remove the repeats; columns found: {format_list(names, 30)}")


#: Rows per page when a dataset or a database is read in pages.
BATCH_ROWS = 100_000


def iter_source_batches(source: PathLike, table: str = "transactions", *,
                        database: str = "", batch_rows: int = BATCH_ROWS,
                        **options: Any) -> Iterator[pd.DataFrame]:
    """Read a source as pages of rows, values as stored, in the source's row order.

    The running position of a row over the pages is its ``source_row``.

    Parameters
    ----------
    source : path-like or str
        With ``database``: a table (``schema.table`` allowed) or a query starting with
        SELECT or WITH. Without: a folder or glob of Parquet files, or one file.
    table : str, default 'transactions'
        The contract table read, for messages.
    database : str, default ''
        A SQLAlchemy URL (:mod:`custlib.data.database`); empty: ``source`` is a path.
    batch_rows : int, default 100000
        Rows per page (a CSV or Parquet file too; an Excel sheet is one page).
    **options
        For a file, as for :func:`read_table`; ignored for a database (``separator``
        and ``encoding`` mean nothing there).

    Yields
    ------
    pandas.DataFrame
        Each with ``attrs['source']`` (a database URL with its password masked).

    Raises
    ------
    SourceError, ParameterError, ColumnError
        As for :func:`read_table`.
    """
    from custlib.data import database as db
    from custlib.data import datasets

    if database:
        db.check_source_name(str(source), table)
        yield from db.iter_database(database, str(source), batch_rows=batch_rows)
    elif datasets.is_dataset(source):
        yield from datasets.iter_dataset(source, batch_rows=batch_rows)
    else:
        yield from _iter_file(source, batch_rows=batch_rows, **options)


def _iter_file(source: PathLike, *, batch_rows: int, format: str | None = None,
               separator: str = "", encoding: str = "", **options: Any
               ) -> Iterator[pd.DataFrame]:
    """One file in pages: a CSV or Parquet file a page at a time, an Excel sheet whole.

    The pages hold the values :func:`read_table` reads, page after page.
    """
    _, name = _open_source(source)
    kind = _format_of(name, format)
    if kind == "excel" or str(source).startswith("package:"):
        yield _read_file(source, format=format, separator=separator, encoding=encoding,
                         **options)
        return
    if kind == "parquet":
        import pyarrow.parquet as pq

        try:
            handle = pq.ParquetFile(resolve_path(source, must_exist=True))
            batches = handle.iter_batches(batch_size=batch_rows)
            for batch in batches:
                page = batch.to_pandas()
                page.columns = [str(c).strip() for c in page.columns]
                page.attrs = {"source": name, "read_options": {}}
                yield page
        except (OSError, ValueError) as exc:
            raise SourceError(f"cannot read {name} as parquet: {exc}") from None
        return
    handle, name = _open_source(source)
    separator = _check_separator(separator)
    _check_encoding(encoding)
    try:
        reader, used = _read_csv(handle, name, separator, encoding,
                                 {**options, "chunksize": batch_rows})
        with reader:
            for page in reader:
                page.columns = [str(c).strip() for c in page.columns]
                page.attrs = {"source": name, "read_options": used}
                yield page
    except UnicodeDecodeError as exc:
        raise _not_text(name, exc) from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise SourceError(f"cannot read {name} as csv: {exc}") from None


def read_table(source: PathLike, *, format: str | None = None, separator: str = "",
               encoding: str = "", database: str = "", **options: Any) -> pd.DataFrame:
    """Read a file, a Parquet dataset or a database table or query as stored.

    CSV columns are read as text (nothing is guessed, so ids keep leading zeros and
    parsing errors surface later with the column's name). A header that names a column
    twice stops the read (pandas would silently rename the second ``quantity.1``).
    Datasets and databases are read with :func:`iter_source_batches` and the pages put
    together; Parquet and database values keep their stored types.

    Parameters
    ----------
    source : path-like
        A file path (relative paths are read from the project root) or
        ``package:<module>/<file>``; a folder of Parquet files (hive partitions become
        text columns) or a glob (``data/lake/*.parquet``); with ``database``, a table or
        a query.
    format : {'csv', 'parquet', 'excel'}, optional
        Overrides the guess from the file suffix.
    separator : str, default ''
        CSV field separator; empty: sniffed from the first 64 KiB among ``, ; TAB |``
        (see :func:`sniff_separator`). A tab may be written ``'tab'``, ``'\\t'`` or as
        the character itself. ``sep=`` in ``options`` means the same.
    encoding : str, default ''
        CSV text encoding (``'latin-1'``, ``'cp1252'``, ``'gbk'``); empty: UTF-8, with or
        without a byte-order mark.
    database : str, default ''
        A SQLAlchemy URL (PostgreSQL, SQLite, DuckDB file); see
        :mod:`custlib.data.database` for credentials.
    **options
        Passed to :func:`pandas.read_csv`, :func:`pandas.read_parquet` or
        :func:`pandas.read_excel` (``sheet_name``, ``skiprows``, ...).

    Returns
    -------
    pandas.DataFrame
        With ``attrs['source']`` set to the file read and ``attrs['read_options']`` to
        the separator and encoding used (CSV).

    Raises
    ------
    SourceError
        The file is missing, of an unknown type, not in the encoding, or cannot be parsed;
        a glob that matches nothing; a database table or query that cannot be read.
    ColumnError
        The header names a column more than once.
    ParameterError
        An unknown format or encoding, or a separator that is not one character; a
        database URL that is not one, or holds a password.
    """
    from custlib.data import datasets

    if not database and (format is not None or not datasets.is_dataset(source)):
        return _read_file(source, format=format, separator=separator, encoding=encoding,
                          **options)
    pages = list(iter_source_batches(source, database=database, **options))
    df = pages[0] if len(pages) == 1 else pd.concat(pages, ignore_index=True)
    df.attrs = {"source": pages[0].attrs.get("source", str(source)), "read_options": {}}
    if df.columns.duplicated().any():
        _check_unique([str(c) for c in df.columns], df.attrs["source"])
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _read_file(source: PathLike, *, format: str | None = None, separator: str = "",
               encoding: str = "", **options: Any) -> pd.DataFrame:
    """One file as :func:`read_table` reads it."""
    handle, name = _open_source(source)
    format = _format_of(name, format)
    separator = _check_separator(separator)
    _check_encoding(encoding)
    used: dict[str, str] = {}
    try:
        if format == "csv":
            df, used = _read_csv(handle, name, separator, encoding, options)
        elif format == "parquet":
            df = pd.read_parquet(handle, **options)
        else:
            df = _read_excel(handle, name, options)
    except CustlibError:
        raise
    except UnicodeDecodeError as exc:
        raise _not_text(name, exc) from None
    except ImportError as exc:
        raise SourceError(f"reading {name} as {format} needs an extra package: {exc}") from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise SourceError(f"cannot read {name} as {format}: {exc}") from None
    if isinstance(df, dict):  # sheet_name=None gives every sheet
        raise ParameterError("read_table reads one sheet; pass sheet_name=<name or index>")
    if df.columns.duplicated().any():
        _check_unique([str(c) for c in df.columns], name)
    df.columns = [str(c).strip() for c in df.columns]
    df.attrs["source"] = name
    df.attrs["read_options"] = used
    return df


def _not_text(name: str, exc: UnicodeDecodeError) -> SourceError:
    """The error for a file that is not text in the encoding it was read with."""
    return SourceError(
        f"cannot read {name}: not valid {exc.encoding} text (byte "
        f"{exc.object[exc.start:exc.start + 1]!r} at position {exc.start}); set "
        "`encoding: latin-1` in your parameter file (or encoding='latin-1' in Python), "
        "or the file's own encoding such as cp1252 or gbk")


def _format_of(name: str, format: str | None) -> str:
    """The format given, else the one the file's suffix says."""
    if format is None:
        suffixes = [s.lower() for s in Path(name).suffixes]
        known = [_SUFFIXES[s] for s in suffixes if s in _SUFFIXES]
        if not known:
            raise SourceError(
                f"cannot tell the format of {name!r} from its suffix; expected one of "
                f"{format_list(sorted(_SUFFIXES))}: give the file one of these suffixes "
                "(or, in Python, pass format='csv'|'parquet'|'excel' to read_table)"
            )
        format = known[0]
    if format not in ("csv", "parquet", "excel"):
        raise ParameterError(f"parameter 'format' is {format!r}; expected 'csv', "
                             "'parquet' or 'excel'")
    return format


def _check_separator(separator: Any) -> str:
    """One character (a tab may be named), or '' to sniff."""
    if isinstance(separator, str) and separator.lower() in _TAB_NAMES:
        separator = "\t"
    if not isinstance(separator, str) or len(separator) > 1:
        raise ParameterError(f"parameter 'separator' is {separator!r}; expected one "
                             "character such as ',' ';' '|', or 'tab' (empty: detected)")
    return separator


def _check_encoding(encoding: str) -> None:
    if encoding:
        try:
            codecs.lookup(encoding)
        except (LookupError, TypeError):
            raise ParameterError(f"parameter 'encoding' is {encoding!r}, which Python does "
                                 "not know; expected e.g. 'utf-8', 'latin-1', 'cp1252' or "
                                 "'gbk'") from None


def _read_csv(handle: Any, name: str, separator: str, encoding: str,
              options: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Every column as text; the separator and encoding used."""
    options["encoding"] = encoding or "utf-8-sig"
    if separator:
        options["sep"] = separator
    elif "sep" not in options and "delimiter" not in options:
        options["sep"] = sniff_separator(_sample(handle, name, options["encoding"]))
    used = {"separator": str(options.get("sep", options.get("delimiter", ","))),
            "encoding": options["encoding"]}
    options.setdefault("dtype", str)
    options.setdefault("keep_default_na", False)
    options.setdefault("na_values", [""])
    header = _csv_header(handle, options)
    df = pd.read_csv(handle, **options)
    if header is not None:
        _check_unique(header, name)
    return df, used


def _read_excel(handle: Any, name: str, options: dict[str, Any]) -> Any:
    """One sheet (a dict of sheets when asked for all), its header checked for repeats."""
    options.setdefault("sheet_name", 0)
    df = pd.read_excel(handle, **options)
    if options.get("header", 0) == 0 and options.get("names") is None and \
            not isinstance(df, dict):
        if isinstance(handle, _io.BytesIO):
            handle.seek(0)
        head = pd.read_excel(handle, sheet_name=options["sheet_name"], header=None, nrows=1)
        _check_unique([str(c).strip() for c in head.iloc[0].tolist()]
                      if len(head) else [], name)
    return df
