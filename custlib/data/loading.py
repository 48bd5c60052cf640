"""Reading the user's data: files in CSV, Parquet or Excel, and named presets.

Loaders read and never modify: they return the values as stored (text from CSV, typed
values from Parquet and Excel) under the contract's column names, with a ``source_row``
column holding each row's position in the file, so every later step can be traced back
to a line of the source. Types are parsed by the first cleaning rule
(:func:`custlib.data.cleaning.clean_transactions`).

Presets bundle a file and its column mapping:

``demo``
    The synthetic demo business in ``data/raw/demo`` (transactions, customers, survey,
    business context). Regenerate it with ``python -m custlib.data.demo``.
``cdnow_sample`` / ``cdnow_master``
    The CDNOW music-store logs shipped with the ``lifetimes`` package (2,357 and 23,570
    customers, 1997-01 to 1998-06), read with :mod:`importlib.resources`.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import importlib.resources
import io as _io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from custlib._compat import quiet_import
from custlib.data.contract import map_columns
from custlib.data.parsing import ParseOptions, with_options
from custlib.errors import (
    ColumnError,
    CustlibError,
    DataError,
    ParameterError,
    SourceError,
    format_list,
)
from custlib.run.config import DEMO_DATA_DIR, resolve_path

__all__ = [
    "PRESETS",
    "Preset",
    "load_context",
    "localise_context",
    "load_customers",
    "load_survey",
    "load_transactions",
    "read_options",
    "read_table",
    "read_yaml_mapping",
    "sniff_separator",
]

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Preset:
    """A named data source: where its files are and how its columns map.

    Attributes
    ----------
    name : str
        The name users pass as ``source``.
    description : str
        One line for people.
    transactions : str
        A path relative to the project root, or ``package:<module>/<file>`` for a file
        shipped inside an installed package.
    columns : dict
        ``{contract name: source column}`` for the transactions.
    read_options : dict
        Passed to :func:`read_table`.
    customers, survey, context : str or None
        The optional tables.
    """

    name: str
    description: str
    transactions: str
    columns: Mapping[str, str | None] = field(default_factory=dict)
    read_options: Mapping[str, Any] = field(default_factory=dict)
    customers: str | None = None
    survey: str | None = None
    context: str | None = None


_CDNOW_NAMES = ["master_id", "customer_id", "date", "cds", "dollar_value"]

PRESETS: dict[str, Preset] = {
    "demo": Preset(
        name="demo",
        description="synthetic home & lifestyle retailer, 2022-2024, with injected dirt",
        transactions=str(DEMO_DATA_DIR / "transactions.csv"),
        columns={"order_id": "Invoice", "product_id": "StockCode",
                 "description": "Description", "quantity": "Quantity",
                 "order_date": "InvoiceDate", "unit_price": "Price",
                 "customer_id": "Customer ID", "country": "Country",
                 "category": "Category", "channel": "Channel"},
        customers=str(DEMO_DATA_DIR / "customers.csv"),
        survey=str(DEMO_DATA_DIR / "survey.csv"),
        context=str(DEMO_DATA_DIR / "context.yaml"),
    ),
    "cdnow_sample": Preset(
        name="cdnow_sample",
        description="CDNOW 1/10 sample: 2,357 customers, 6,919 lines, 1997-01 to 1998-06",
        transactions="package:lifetimes.datasets/CDNOW_sample.txt",
        columns={"customer_id": "customer_id", "order_date": "date", "quantity": "cds",
                 "amount": "dollar_value", "order_id": None, "unit_price": None},
        read_options={"sep": r"\s+", "header": None, "names": _CDNOW_NAMES},
    ),
    "cdnow_master": Preset(
        name="cdnow_master",
        description="CDNOW full cohort: 23,570 customers, 69,659 lines, 1997-01 to 1998-06",
        transactions="package:lifetimes.datasets/CDNOW_master.txt",
        columns={"customer_id": "customer_id", "order_date": "date", "quantity": "cds",
                 "amount": "dollar_value", "order_id": None, "unit_price": None},
        read_options={"sep": r"\s+", "header": 0,
                      "names": ["customer_id", "date", "cds", "dollar_value"]},
    ),
}

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
    if path.is_dir():
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


def read_table(source: PathLike, *, format: str | None = None, separator: str = "",
               encoding: str = "", **options: Any) -> pd.DataFrame:
    """Read a CSV, Parquet or Excel file as stored.

    CSV columns are read as text (nothing is guessed, so ids keep leading zeros and
    parsing errors surface later with the column's name). A header that names a column
    twice stops the read (pandas would silently rename the second ``quantity.1``).

    Parameters
    ----------
    source : path-like
        A file path (relative paths are read from the project root) or
        ``package:<module>/<file>``.
    format : {'csv', 'parquet', 'excel'}, optional
        Overrides the guess from the file suffix.
    separator : str, default ''
        CSV field separator; empty: sniffed from the first 64 KiB among ``, ; TAB |``
        (see :func:`sniff_separator`). A tab may be written ``'tab'``, ``'\\t'`` or as
        the character itself. ``sep=`` in ``options`` means the same.
    encoding : str, default ''
        CSV text encoding (``'latin-1'``, ``'cp1252'``, ``'gbk'``); empty: UTF-8, with or
        without a byte-order mark.
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
        The file is missing, of an unknown type, not in the encoding, or cannot be parsed.
    ColumnError
        The header names a column more than once.
    ParameterError
        An unknown format or encoding, or a separator that is not one character.
    """
    handle, name = _open_source(source)
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
    if isinstance(separator, str) and separator.lower() in _TAB_NAMES:
        separator = "\t"
    if not isinstance(separator, str) or len(separator) > 1:
        raise ParameterError(f"parameter 'separator' is {separator!r}; expected one "
                             "character such as ',' ';' '|', or 'tab' (empty: detected)")
    if encoding:
        try:
            codecs.lookup(encoding)
        except (LookupError, TypeError):
            raise ParameterError(f"parameter 'encoding' is {encoding!r}, which Python does "
                                 "not know; expected e.g. 'utf-8', 'latin-1', 'cp1252' or "
                                 "'gbk'") from None
    used: dict[str, str] = {}
    try:
        if format == "csv":
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
        elif format == "parquet":
            df = pd.read_parquet(handle, **options)
        else:
            options.setdefault("sheet_name", 0)
            df = pd.read_excel(handle, **options)
            if options.get("header", 0) == 0 and options.get("names") is None and \
                    not isinstance(df, dict):
                if isinstance(handle, _io.BytesIO):
                    handle.seek(0)
                head = pd.read_excel(handle, sheet_name=options["sheet_name"], header=None,
                                     nrows=1)
                _check_unique([str(c).strip() for c in head.iloc[0].tolist()]
                              if len(head) else [], name)
    except CustlibError:
        raise
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"cannot read {name}: not valid {exc.encoding} text (byte "
            f"{exc.object[exc.start:exc.start + 1]!r} at position {exc.start}); set "
            "`encoding: latin-1` in your parameter file (or encoding='latin-1' in Python), "
            "or the file's own encoding such as cp1252 or gbk") from None
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


def _resolve_source(source: PathLike | None, table: str) -> tuple[str | None, dict, dict]:
    """Return (path, default column mapping, read options) for a path or preset name."""
    if source is None:
        return None, {}, {}
    text = str(source)
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
          parse: Mapping[str, Any]) -> pd.DataFrame:
    parse_options = ParseOptions.build(**parse)  # checks decimal/thousands/... early
    path, preset_columns, read_options = _resolve_source(source, table)
    if path is None:
        raise SourceError(f"the preset {source!r} has no {table} table")
    read_options.update(options)
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


def read_options(separator: str = "", encoding: str = "", decimal: str = "",
                 thousands: str = "", dayfirst: bool | None = None,
                 timezone: str = "") -> dict[str, Any]:
    """The loaders' reading options from notebook 01's parameters.

    A parameters cell has no "not set" for a bool, so ``dayfirst=False`` there means
    "infer the day/month order from the dates" and becomes ``None`` here.

    Parameters
    ----------
    separator, encoding, decimal, thousands, timezone : str
        As in notebook 01 ('' infers or uses the default).
    dayfirst : bool or None

    Returns
    -------
    dict
        Keywords for :func:`load_transactions`, :func:`load_customers` and
        :func:`load_survey`.

    Examples
    --------
    >>> read_options(decimal=",", dayfirst=False)["dayfirst"] is None
    True
    """
    return {"separator": separator, "encoding": encoding, "decimal": decimal,
            "thousands": thousands, "dayfirst": dayfirst or None, "timezone": timezone}


def load_transactions(source: PathLike = "demo",
                      columns: Mapping[str, str | None] | None = None, *,
                      separator: str = "", encoding: str = "", decimal: str = "",
                      thousands: str = "", dayfirst: bool | None = None,
                      timezone: str = "", **read_options: Any) -> pd.DataFrame:
    """Load a transaction log under the contract's column names.

    Parameters
    ----------
    source : path-like or preset name, default 'demo'
        A CSV, Parquet or Excel file, or one of :data:`PRESETS`.
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
    **read_options
        Passed to :func:`read_table` (``sheet_name``, ``skiprows``...).

    Returns
    -------
    pandas.DataFrame
        Contract columns with values as stored, plus ``source_row`` (0-based position
        of the row in the file). ``attrs['column_mapping']`` records the mapping used.

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
                  "timezone": timezone})


def load_customers(source: PathLike | None = "demo",
                   columns: Mapping[str, str | None] | None = None, *,
                   separator: str = "", encoding: str = "", decimal: str = "",
                   thousands: str = "", dayfirst: bool | None = None,
                   timezone: str = "", **read_options: Any) -> pd.DataFrame | None:
    """Load the optional customers table (returns None when ``source`` is empty).

    Parameters
    ----------
    source : path-like, preset name or None
        Empty or None means "no customers table".
    columns : mapping, optional
        ``{contract name: your column}``.
    separator, encoding, decimal, thousands, dayfirst, timezone : optional
        As for :func:`load_transactions`.
    **read_options
        Passed to :func:`read_table`.

    Returns
    -------
    pandas.DataFrame or None
        Contract columns as stored, plus ``source_row``.
    """
    if not source:
        return None
    return _load(source, "customers", columns, {**read_options, "separator": separator,
                                            "encoding": encoding},
                 {"decimal": decimal, "thousands": thousands, "dayfirst": dayfirst,
                  "timezone": timezone})


def load_survey(source: PathLike | None = "demo",
                columns: Mapping[str, str | None] | None = None, *,
                separator: str = "", encoding: str = "", decimal: str = "",
                thousands: str = "", dayfirst: bool | None = None,
                timezone: str = "", **read_options: Any) -> pd.DataFrame | None:
    """Load the optional survey table (returns None when ``source`` is empty).

    Parameters
    ----------
    source : path-like, preset name or None
        Empty or None means "no survey".
    columns : mapping, optional
        ``{contract name: your column}``.
    separator, encoding, decimal, thousands, dayfirst, timezone : optional
        As for :func:`load_transactions`.
    **read_options
        Passed to :func:`read_table`.

    Returns
    -------
    pandas.DataFrame or None
        Contract columns as stored, plus ``source_row``.
    """
    if not source:
        return None
    return _load(source, "survey", columns, {**read_options, "separator": separator,
                                            "encoding": encoding},
                 {"decimal": decimal, "thousands": thousands, "dayfirst": dayfirst,
                  "timezone": timezone})


def read_yaml_mapping(path: PathLike, error: type[Exception], expected: str) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping (an empty file gives ``{}``).

    Loaded safely: no anchors or aliases (a "billion laughs" bomb stops at its first
    alias), no Python tags, and at most ``custlib.run.params.MAX_YAML_BYTES`` (1 MiB).

    Parameters
    ----------
    path : path-like
        Relative paths are read from the project root.
    error : exception class
        Raised, with the file's name, for invalid YAML or a non-mapping.
    expected : str
        What the mapping should hold, for the message.

    Returns
    -------
    dict
    """
    from custlib.run.params import MAX_YAML_BYTES, safe_yaml_load

    p = resolve_path(path, must_exist=True)
    if not p.is_file():
        raise error(f"{p} is not a file; expected a YAML file holding {expected}")
    size = p.stat().st_size
    if size > MAX_YAML_BYTES:
        raise error(f"{p} is {size:,} bytes; expected a YAML file of at most "
                    f"{MAX_YAML_BYTES:,} bytes (1 MiB) holding {expected}")
    try:
        data = safe_yaml_load(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise error(f"{p} is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                    "expected a YAML file saved as UTF-8") from None
    except yaml.YAMLError as exc:
        raise error(f"{p} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"{p}: expected {expected}; found a {type(data).__name__}")
    return data


CONTEXT_KEYS = ("company", "analysis", "competitors", "swot", "tows", "canvas")


def localise_context(data: Any, lang: str = "en") -> Any:
    """Pick the text of one language from a bilingual business context.

    Any key may have a Chinese twin with the suffix ``_zh`` (``purpose`` and
    ``purpose_zh``, ``strengths`` and ``strengths_zh``). For ``lang='zh'`` the twin
    replaces the key; for ``'en'`` the twins are dropped. A key with only a ``_zh`` form
    is kept under its plain name in both languages, so nothing written is lost.

    Parameters
    ----------
    data : dict, list or scalar
        The parsed YAML (nested mappings and lists).
    lang : {'en', 'zh'}

    Returns
    -------
    The same structure with plain keys only.

    Examples
    --------
    >>> localise_context({"purpose": "Know them", "purpose_zh": "了解客户"}, "zh")
    {'purpose': '了解客户'}
    """
    from custlib.i18n import check_lang

    check_lang(lang)
    if isinstance(data, list):
        return [localise_context(v, lang) for v in data]
    if not isinstance(data, dict):
        return data
    out: dict[Any, Any] = {}
    for key, value in data.items():
        base = key[:-3] if isinstance(key, str) and key.endswith("_zh") else None
        if base is None:
            if lang == "en" or f"{key}_zh" not in data:
                out[key] = localise_context(value, lang)
        elif lang == "zh" or base not in data:
            out[base] = localise_context(value, lang)
    return out


def load_context(source: PathLike | None = "demo", lang: str = "en") -> dict[str, Any]:
    """Load the business-context YAML (company, competitors, SWOT, canvas).

    Parameters
    ----------
    source : path-like, preset name or None
        A YAML file, a preset with a context, or empty for none (returns ``{}``).
    lang : {'en', 'zh'}, default 'en'
        The language of the text: a key's ``_zh`` twin is used for ``'zh'`` (see
        :func:`localise_context`).

    Returns
    -------
    dict
        The parsed YAML in ``lang``. Unknown top-level keys raise, so a typo is not
        ignored.
    """
    if not source:
        return {}
    text = str(source)
    if text in PRESETS:
        path = PRESETS[text].context
        if path is None:
            return {}
    else:
        path = text
    data = read_yaml_mapping(path, DataError,
                             f"a mapping with keys such as {format_list(CONTEXT_KEYS)}")
    p = resolve_path(path)
    unknown = [k for k in data if str(k).removesuffix("_zh") not in CONTEXT_KEYS]
    if unknown:
        raise DataError(f"{p}: unknown top-level key(s) {format_list(unknown)}; expected "
                        f"{format_list(CONTEXT_KEYS)}")
    return localise_context(data, lang)
