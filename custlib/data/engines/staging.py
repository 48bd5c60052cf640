"""Staging a raw log in DuckDB: the DuckDB engine's raw lines, a page at a time.

:class:`StagedLog` holds the lines in a DuckDB database in a temporary folder (DuckDB
spills there past its memory limit) with ``_ord``, each line's place in the order the pandas
engine cleans in, and answers what notebook 01 shows of a raw log (first lines, overview,
missing values, revenue by month, currencies) without holding it in memory.
"""

from __future__ import annotations

import os
import tempfile
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from custlib.data.engines.workspace import _PREFIX, _connect, _release, _sweep, resolve_memory_limit
from custlib.data.parsing import ParseOptions
from custlib.errors import SourceError

__all__ = ["StagedLog"]


def _q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _stage(con: Any, raw: pd.DataFrame | Iterable[pd.DataFrame]) -> tuple[dict[str, Any], dict]:
    """Load the raw lines into table ``raw``; return the columns' pandas dtypes and attrs.

    ``raw`` gets ``_ord``: each line's place in the pandas engine's order (by ``source_row``,
    then by position, as :func:`~custlib.data.cleaning.clean_transactions` sorts), which
    also identifies the line when ``source_row`` repeats (two logs put together). A later
    page whose column holds floats where the first page held integers widens the column
    (as pandas puts such pages together); any other change of type stops.
    """
    batches = [raw] if isinstance(raw, pd.DataFrame) else raw
    dtypes: dict[str, Any] = {}
    types: dict[str, Any] = {}
    attrs: dict = {}
    offset = 0
    for batch in batches:
        if not dtypes:
            dtypes = dict(batch.dtypes)
            attrs = dict(batch.attrs)
        if "source_row" not in batch.columns:
            batch = batch.assign(source_row=np.arange(offset, offset + len(batch),
                                                      dtype="int64"))
        batch = batch.assign(_pos=np.arange(offset, offset + len(batch), dtype="int64"))
        offset += len(batch)
        table = pa.Table.from_pandas(batch, preserve_index=False)
        for i, f in enumerate(table.schema):
            if pa.types.is_null(f.type):  # a page whose column is all empty
                table = table.set_column(i, f.name, table.column(i).cast(
                    types.get(f.name, pa.string())))
                continue
            known = types.setdefault(f.name, f.type)
            if f.type == known:
                continue
            if pa.types.is_integer(known) and pa.types.is_floating(f.type):
                con.execute(f"ALTER TABLE raw ALTER COLUMN {_q(f.name)} TYPE DOUBLE")
                types[f.name], dtypes[f.name] = pa.float64(), np.dtype("float64")
            elif (pa.types.is_floating(known) and pa.types.is_integer(f.type)) or \
                    (pa.types.is_string(known) or pa.types.is_large_string(known)) and \
                    (pa.types.is_string(f.type) or pa.types.is_large_string(f.type)):
                table = table.set_column(i, f.name, table.column(i).cast(known))
            else:
                raise SourceError(
                    f"column {f.name!r} changes type from one page of the source to the next "
                    f"({known} in the first lines, {f.type} from line {offset - len(batch):,}); "
                    "a page cannot be read as the first one was. Export the column with one "
                    "type (cast it in the query or the file), or use engine: pandas")
        con.register("_batch", table)
        if con.execute("SELECT count(*) FROM information_schema.tables "
                       "WHERE table_name = 'raw'").fetchall()[0][0]:
            con.execute("INSERT INTO raw BY NAME SELECT * FROM _batch")
        else:
            con.execute("CREATE TABLE raw AS SELECT * FROM _batch")
        con.unregister("_batch")
    if not dtypes:
        con.execute("CREATE TABLE raw (source_row BIGINT, _pos BIGINT)")
    ordered = con.execute("SELECT count(*) FROM (SELECT source_row < lag(source_row) OVER "
                          "(ORDER BY _pos) AS back FROM raw) WHERE back").fetchall()[0][0]
    if ordered:  # not in file order: the order pandas sorts them into
        con.execute("CREATE TABLE raw_sorted AS SELECT * EXCLUDE (_pos), row_number() OVER "
                    "(ORDER BY source_row, _pos) - 1 AS _ord FROM raw")
        con.execute("DROP TABLE raw")
        con.execute("ALTER TABLE raw_sorted RENAME TO raw")
    else:
        con.execute("ALTER TABLE raw RENAME COLUMN _pos TO _ord")
    dtypes.setdefault("source_row", np.dtype("int64"))
    return dtypes, attrs


#: Text that Python's ``str.strip`` leaves empty (its whitespace, in RE2's syntax).
_BLANK = ("^[\\t\\n\\x{0b}\\f\\r\\x{1c}-\\x{1f} \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}"
          "\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]*$")


#: A column past the header's, to catch lines with more fields than the header: DuckDB
#: reads a line with extra empty fields (``...,7,``) as the header's fields, pandas stops.
_EXTRA = "__custlib_extra_field__"
#: The header's last column as read (an empty field '', a field the line lacks missing):
#: a line with fewer fields than the header may be a line of spaces, which pandas skips.
_LAST = "__custlib_last_field__"
#: What DuckDB would read as missing: nothing a file holds, so an empty field reads as ''
#: and a field the line lacks as missing (then both missing, as pandas has them).
_NO_NULL = "\x01custlib-no-null\x02"


def _stage_csv(con: Any, path: str, head: pd.DataFrame, separator: str) -> None:
    """Table ``raw`` from DuckDB's own CSV reader, as the pandas pages would give it.

    The file is read with the pandas reader's dialect (every field as text, an empty or
    quoted empty field missing, ``"`` quoting with doubled quotes, blank lines skipped),
    its columns named as pandas named them (``head``, the first page pandas read and mapped
    to the contract), nothing sniffed.
    A line with more fields than the header (DuckDB drops extra empty ones) or fewer (pandas
    skips a line of spaces, DuckDB would pad it), one DuckDB cannot parse or text that is
    not UTF-8 raises ``ValueError`` or ``duckdb.Error`` and the caller stages the pandas
    pages instead. ``source_row`` and ``_ord`` are the line's
    place among the data lines: DuckDB keeps the file's order when it stores a table.
    """
    names = [str(c) for c in head.attrs.get("source_columns", [])]
    mapping = head.attrs.get("column_mapping") or {}
    if len(names) < 2 or not mapping or _EXTRA in names or _LAST in names:
        raise ValueError("the first page records fewer than two columns")
    columns = "{" + ", ".join(f"{_literal(n)}: 'VARCHAR'" for n in names + [_EXTRA]) + "}"
    select = ", ".join(f"nullif({_q(str(src))}, '') AS {_q(str(name))}"
                       for name, src in mapping.items())

    def read(parallel: bool) -> None:
        con.execute(
            f"CREATE TABLE raw_text AS SELECT {select}, {_q(_EXTRA)}, "
            f"{_q(names[-1])} AS {_q(_LAST)} "
            f"FROM read_csv({_literal(path)}, auto_detect = false, columns = {columns}, "
            f"header = true, skip = 0, delim = {_literal(separator)}, quote = '\"', "
            f"escape = '\"', null_padding = true, nullstr = {_literal(_NO_NULL)}, "
            f"strict_mode = true, ignore_errors = false, parallel = {str(parallel).lower()})")

    import duckdb

    try:
        read(parallel=True)
    except duckdb.Error as exc:  # a field over several lines: DuckDB reads those in order
        if "quoted new lines" not in str(exc):
            raise
        con.execute("DROP TABLE IF EXISTS raw_text")
        read(parallel=False)
    extra, short = con.execute(
        f"SELECT count(*) FILTER (WHERE {_q(_EXTRA)} IS NOT NULL), "
        f"count(*) FILTER (WHERE {_q(_LAST)} IS NULL) FROM raw_text").fetchall()[0]
    if extra or short:  # pandas stops on the first; skips lines of spaces among the second
        raise ValueError(f"{extra} lines have more fields than the header, {short} fewer")
    kept = ", ".join(_q(str(name)) for name in mapping)
    con.execute(f"CREATE VIEW raw AS SELECT {kept}, rowid AS source_row, rowid AS _ord "
                "FROM raw_text")


def _quotes_apart(path: str, separator: str) -> bool:
    """Whether the file has a quote next to a space (or tab) anywhere.

    Outside quotes, DuckDB drops the spaces between a separator and a quote (``, "x"`` reads
    ``x``) where pandas keeps them as text; no DuckDB option changes it. Such a file, or one
    that merely holds a quote beside a space inside a quoted text, is read from pandas pages.
    """
    import numpy as np

    blanks = np.array([32] if separator == "\t" else [32, 9], dtype=np.uint8)
    tail = b""
    # read a block at a time, not mapped: a mapped file of gigabytes counts in the process's
    # resident memory as it is read (7.9 GiB for a 7.3 GiB log). A block carries the last
    # byte of the one before, so a quote at a block's end meets its next byte
    with open(path, "rb") as fh:
        while block := fh.read(_SCAN_BLOCK):
            data = np.frombuffer(tail + block, dtype=np.uint8)
            at = np.flatnonzero(data == 34)  # '"'
            if len(at) and (np.isin(data[at[at > 0] - 1], blanks).any()
                            or np.isin(data[at[at < len(data) - 1] + 1], blanks).any()):
                return True
            tail = block[-1:]
    return False


#: bytes :func:`_quotes_apart` reads at a time
_SCAN_BLOCK = 1 << 24


def _literal(text: str) -> str:
    """A quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _same_page(con: Any, head: pd.DataFrame, dtypes: dict[str, Any]) -> bool:
    """Whether table ``raw`` starts with ``head``'s lines, value for value."""
    cols = [c for c in head.columns]
    got = con.sql(f"SELECT {', '.join(_q(c) for c in cols)} FROM raw ORDER BY _ord "
                  f"LIMIT {len(head)}").to_arrow_table().to_pandas()
    if len(got) != len(head):
        return False
    for c in cols:
        mine = _as_raw(got[c], dtypes[c]).reset_index(drop=True)
        if not mine.equals(head[c].reset_index(drop=True)):
            return False
    return True


class StagedLog:
    """A raw log staged in DuckDB: what the DuckDB engine cleans, never whole in memory.

    The loaders return one for ``engine='duckdb'``; notebook 01 shows its first rows, its
    profile (:mod:`custlib.data.profiling` accepts it) and cleans it with
    :func:`~custlib.data.cleaning.clean_transactions`. The staging database (a file about
    as large as the log) lives in a temporary folder that :meth:`close`, the log's garbage
    collection or the end of the process removes; a folder left by a process that was
    killed is removed by the next staging in the same place.

    Parameters
    ----------
    batches : pandas.DataFrame or iterable of pandas.DataFrame
        Contract columns as loaded (values as stored), a batch at a time, with
        ``source_row`` (else the running position).
    workdir : path-like, optional
        Where the temporary folder goes; default: the system's temporary folder.
    memory_limit : str, optional
        DuckDB's memory limit (default: the environment variable
        ``CUSTLIB_DUCKDB_MEMORY``, else 1GB;
        :func:`~custlib.data.engines.workspace.resolve_memory_limit`); past it, the staged
        tables stay in their database file and sorts and joins spill to the temporary
        folder.
    threads : int, optional
        DuckDB's threads; default: one per core.

    Attributes
    ----------
    columns : list of str
        The contract columns and ``source_row``.
    attrs : dict
        The first batch's ``attrs`` (source, column mapping, parse options).
    """

    def __init__(self, batches: pd.DataFrame | Iterable[pd.DataFrame], *,
                 workdir: str | os.PathLike[str] | None = None, memory_limit: str | None = None,
                 threads: int | None = None) -> None:
        self._open(workdir, memory_limit, threads)
        try:
            self.dtypes, self.attrs = _stage(self.con, batches)
        except BaseException:  # the database, its folder and the connection go too
            self._release()
            raise
        finally:
            close = getattr(batches, "close", None)
            if close is not None:  # a generator holding a file or a database cursor
                close()
        self._ready()

    def _open(self, workdir: str | os.PathLike[str] | None, memory_limit: str | None,
              threads: int | None) -> None:
        limit = resolve_memory_limit(memory_limit)
        _sweep(workdir)
        self._tmp = tempfile.TemporaryDirectory(prefix=f"{_PREFIX}{os.getpid()}-", dir=workdir)
        try:
            self.con = _connect(Path(self._tmp.name), limit, threads)
        except BaseException:
            self._tmp.cleanup()
            raise
        # closed and removed by close(), when the log is collected, or at the process's end
        self._release = weakref.finalize(self, _release, self.con, self._tmp)
        self._memory_limit = limit

    def _ready(self) -> None:
        self.columns = list(self.dtypes)
        self._rows = int(self.con.execute("SELECT count(*) FROM raw").fetchall()[0][0])
        self._profiled = False
        # the profile's typing, until a cleaning takes it: (options, lenient, typed)
        self._typed: tuple[dict[str, Any], bool, Any] | None = None

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str], head: pd.DataFrame, *, separator: str,
                 workdir: str | os.PathLike[str] | None = None, memory_limit: str | None = None,
                 threads: int | None = None) -> StagedLog | None:
        """A CSV file staged by DuckDB's own reader, or None where it reads it otherwise.

        Reading a CSV file a page at a time through pandas costs most of the staging (33 s
        of 10M lines against 14 s here). DuckDB reads it with the pandas reader's dialect
        (:func:`_stage_csv`); where the file is one DuckDB reads differently (a line with
        more fields than the header, a quote next to a space, quoting it does not accept,
        text that is not UTF-8) or its first page differs from pandas' in any value,
        nothing is guessed: the result is None and the caller stages the pandas pages.

        Parameters
        ----------
        path : path-like
            An uncompressed UTF-8 CSV file.
        head : pandas.DataFrame
            The file's first page as the pandas loader reads and maps it: contract columns,
            ``source_row``, ``attrs`` with ``source_columns`` (the header as pandas names
            it) and ``column_mapping``.
        separator : str
            The separator the pandas reader used.
        workdir, memory_limit, threads
            As for :class:`StagedLog`.

        Returns
        -------
        StagedLog or None
        """
        import duckdb

        if _quotes_apart(str(path), separator):
            return None
        log = cls.__new__(cls)
        log._open(workdir, memory_limit, threads)
        log.dtypes = {c: head[c].dtype for c in head.columns}
        log.attrs = dict(head.attrs)
        log.attrs.pop("source_columns", None)
        try:
            _stage_csv(log.con, str(path), head, separator)
            same = _same_page(log.con, head, log.dtypes)
        except (duckdb.Error, ValueError):
            same = False
        except BaseException:
            log._release()
            raise
        if not same:
            log._release()
            return None
        log._ready()
        return log

    def release_memory(self) -> None:
        """Give back DuckDB's cached pages (the tables stay in the database file).

        DuckDB keeps the pages of the tables it last read in memory, up to its limit;
        after cleaning, the clean tables are in pandas and that cache only adds to the
        process's memory. Lowering the limit evicts it; the limit is then set back.
        """
        self.con.execute("SET memory_limit = '16MB'")
        limit = self._memory_limit.replace("'", "''")
        self.con.execute(f"SET memory_limit = '{limit}'")

    def __len__(self) -> int:
        return self._rows

    def __repr__(self) -> str:
        return (f"StagedLog({self._rows:,} lines, columns {self.columns}, "
                f"source {self.attrs.get('source', '?')!r})")

    def head(self, n: int = 5) -> pd.DataFrame:
        """The first ``n`` lines as stored, in file order.

        Parameters
        ----------
        n : int, default 5

        Returns
        -------
        pandas.DataFrame
        """
        cols = ", ".join(_q(c) for c in self.columns)
        df = self.con.sql(f"SELECT {cols} FROM raw ORDER BY _ord LIMIT {int(n)}"
                          ).to_arrow_table().to_pandas()
        for c in df.columns:
            if c in self.dtypes:
                df[c] = _as_raw(df[c], self.dtypes[c])
        df.attrs = dict(self.attrs)
        return df

    def query(self, sql: str) -> pd.DataFrame:
        """A query of table ``raw`` (the staged lines), as a pandas frame.

        Parameters
        ----------
        sql : str

        Returns
        -------
        pandas.DataFrame
        """
        return self.con.sql(sql).to_arrow_table().to_pandas()

    def _profile(self) -> None:
        """The profile of the lines typed leniently (what does not parse is missing).

        The lines are typed as cleaning types them (:func:`~custlib.data.engines.typed._type`
        with ``drop_invalid=False``) and, only where that stops on a value, leniently
        (``drop_invalid=True``). What notebook 01 shows of the raw log is computed from
        that table once and kept (:meth:`overview`, :meth:`revenue_by_month`, the lines
        per order date for :meth:`lines_dated_outside`); the table itself is handed to the
        cleaning that types with the same options and the same leniency
        (:meth:`_take_typed`), which would otherwise type every line again.
        """
        if self._profiled:
            return
        from custlib.data.engines.typed import _type
        from custlib.errors import DataError

        present = [c for c in self.dtypes if c != "source_row"]
        options = ParseOptions.build(self.attrs.get("parse_options"))
        try:
            typed = _type(self.con, self.dtypes, present, options, drop_invalid=False)
            self._typed = (options.as_dict(), False, typed)
        except DataError:
            self.con.execute("DROP TABLE IF EXISTS t")
            typed = _type(self.con, self.dtypes, present, options, drop_invalid=True)
            self._typed = (options.as_dict(), True, typed)
        orders = "count(DISTINCT order_id)" if "order_id" in self.dtypes else "NULL"
        row = self.con.execute(
            f"SELECT count(*), count(DISTINCT customer_id), {orders}, min(order_date), "
            "max(order_date), sum(amount), count(*) FILTER (WHERE customer_id IS NULL) "
            "FROM t").fetchall()[0]
        self._overview = pd.Series({
            "rows": int(row[0]), "customers": int(row[1]),
            "orders": int(row[2]) if row[2] is not None else np.nan,
            "first_date": pd.Timestamp(row[3]) if row[3] is not None else pd.NaT,
            "last_date": pd.Timestamp(row[4]) if row[4] is not None else pd.NaT,
            "revenue": float(row[5] or 0.0), "rows_without_customer": int(row[6]),
        }, dtype=object)
        self._by_month = self.query(
            "SELECT date_trunc('month', order_date) AS m, sum(amount) AS r FROM t "
            "WHERE order_date IS NOT NULL GROUP BY m ORDER BY m")
        self.con.execute("CREATE OR REPLACE TABLE profile_dates AS SELECT order_date, "
                         "count(*) AS n FROM t WHERE order_date IS NOT NULL "
                         "GROUP BY order_date")
        self._profiled = True

    def _take_typed(self, options: ParseOptions, drop_invalid: bool) -> Any:
        """The profile's typed lines as table ``t`` for a cleaning, or None.

        Only when the profile typed them with ``options`` and ``drop_invalid`` as given:
        then :func:`~custlib.data.engines.typed._type` would build the same table. The
        table then belongs to the cleaning (the profile's measures are kept).

        Returns
        -------
        tuple or None
            What :func:`~custlib.data.engines.typed._type` returns.
        """
        typed, self._typed = self._typed, None
        if typed is None:
            return None
        if typed[0] != options.as_dict() or typed[1] != drop_invalid:
            self.con.execute("DROP TABLE IF EXISTS t")  # the cleaning types its own
            return None
        exists = self.con.execute("SELECT count(*) FROM information_schema.tables "
                                  "WHERE table_name = 't'").fetchall()[0][0]
        return typed[2] if exists else None

    def overview(self) -> pd.Series:
        """:func:`custlib.data.profiling.overview` of the staged lines.

        Returns
        -------
        pandas.Series
        """
        self._profile()
        return self._overview.copy()

    def revenue_by_month(self) -> pd.Series:
        """:func:`custlib.data.profiling.revenue_by_month` of the staged lines.

        Returns
        -------
        pandas.Series
        """
        self._profile()
        return _every_month(self._by_month)

    def lines_dated_outside(self, start: pd.Timestamp, stop: pd.Timestamp) -> int:
        """:func:`custlib.data.profiling.lines_dated_outside` of the staged lines.

        Parameters
        ----------
        start, stop : pandas.Timestamp

        Returns
        -------
        int
        """
        self._profile()
        return int(self.con.execute(
            "SELECT coalesce(sum(n), 0) FROM profile_dates WHERE order_date < ? OR "
            "order_date >= ?", [start.to_pydatetime(), stop.to_pydatetime()]).fetchall()[0][0])

    def missing_counts(self) -> pd.Series:
        """Missing values per column (blank text counts as missing), ``source_row`` aside.

        Returns
        -------
        pandas.Series
            Counts by column.
        """
        parts = []
        for c in self.columns:
            if c == "source_row":
                continue
            blank = (f" OR regexp_matches({_q(c)}, '{_BLANK}')"
                     if pd.api.types.is_string_dtype(self.dtypes[c]) else "")
            parts.append(f"count(*) FILTER (WHERE {_q(c)} IS NULL{blank}) AS {_q(c)}")
        row = self.query("SELECT " + ", ".join(parts) + " FROM raw")
        return row.iloc[0].astype("int64")

    def currency_counts(self) -> pd.Series:
        """Lines per currency code (stripped, upper case), most first; empty without one.

        Returns
        -------
        pandas.Series
        """
        if "currency" not in self.dtypes:
            return pd.Series(dtype="int64")
        d = self.query("SELECT currency AS v, count(*) AS n FROM raw WHERE currency IS NOT "
                       "NULL GROUP BY currency")
        codes = pd.Series(d["v"].astype(str).str.strip().str.upper().to_numpy(), dtype="str")
        counts = pd.Series(d["n"].to_numpy()).groupby(codes.to_numpy()).sum()
        return counts[counts.index != ""].sort_values(ascending=False, kind="stable")

    def close(self) -> None:
        """Close the database and remove its folder."""
        self._release()

    @property
    def closed(self) -> bool:
        """The database is closed (:meth:`close`)."""
        return not self._release.alive


def _every_month(d: pd.DataFrame) -> pd.Series:
    """Revenue per month from DuckDB's sums (``m``: month start, ``r``).

    Every month of the span, as :func:`custlib.data.profiling.revenue_by_month` gives it.
    """
    if d.empty:
        return pd.Series(dtype="float64")
    out = pd.Series(d["r"].to_numpy(dtype="float64"),
                    index=pd.DatetimeIndex(d["m"]).to_period("M"), name="amount")
    full = pd.period_range(out.index.min(), out.index.max(), freq="M")
    out = out.reindex(full, fill_value=0.0)
    out.index = out.index.to_timestamp()
    return out


def _as_raw(values: pd.Series, dtype: Any) -> pd.Series:
    """Distinct values fetched from DuckDB in the dtype the loader gave the column."""
    if values.dtype == dtype:
        return values
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        return pd.Series(values.to_numpy(dtype=object), dtype=dtype)
    try:
        return values.astype(dtype)
    except (TypeError, ValueError):
        return values
