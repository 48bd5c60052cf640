"""The DuckDB engine of cleaning: the rules of :mod:`custlib.data.cleaning`, over a log on disk.

The log is staged in a DuckDB database in a temporary folder (DuckDB spills to disk past
its memory limit), and each rule runs there as SQL, in the pandas pipeline's order, with
the same meaning:

* **types** are parsed by the pandas parsers of :mod:`custlib.data.parsing`, once per
  *distinct* value of a column, in the order values first appear in the file: a column's
  decisions (day/month order, decimal mark, the first date's UTC offset, ids written as
  ``13085.0``) depend only on which values occur and in which order, so they come out as
  for the whole column, and each line gets its value by a join. Counts that depend on
  how often a value occurs (ids normalised, placeholders, Excel serials, invalid values)
  are weighted by the values' counts.
* **row-wise rules** (duplicates, impossible dates, the window, non-products, invalid
  prices, anonymous lines) are SQL over the staged lines;
* **the sparse tail** is found from purchases per day, counted in SQL;
* **netting** needs a customer's history: the lines of the customers who have a negative
  line come back to pandas a batch of customers at a time and go through the pipeline's
  own :func:`~custlib.data.cleaning.netting.net`;
* **extreme limits** are the quantiles of the positive quantities and amounts, computed by
  NumPy as in :class:`~custlib.data.cleaning.rules.Extremes`.

The log has the pandas pipeline's rows and notes. Revenue totals are summed in the same
order (the lines by ``source_row``), so they agree to the last cent; a rule that runs in
batches (netting) adds its batches' sums, which may differ in the last bits of a float.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from custlib.data.cleaning.netting import net
from custlib.data.cleaning.pipeline import _check_not_empty, _result
from custlib.data.cleaning.result import CleaningResult, LogRow, Note, OrElse
from custlib.data.cleaning.rules import (
    MANY_DUPLICATES,
    Decided,
    Rule,
    Window,
    _tail_dict,
)
from custlib.data.cleaning.settings import DEFAULT_NON_PRODUCT_CODES, CleaningSettings
from custlib.data.contract import TRANSACTIONS, Field, require_columns
from custlib.data.currency import currency_of_counts
from custlib.data.parsing import ParseOptions, parse_table
from custlib.data.parsing.options import ParseInfo
from custlib.data.window import SparseTail, tail_from_counts
from custlib.errors import DataError, SourceError

__all__ = ["StagedLog", "clean_transactions_duckdb"]

_OPTIONAL = [f.name for f in TRANSACTIONS if not f.required and f.name not in
             ("unit_price", "amount")]
#: Customers whose lines are netted together in one pandas batch.
NETTING_BATCH_LINES: int = 2_000_000


def _q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _connect(workdir: Path, memory_limit: str, threads: int | None) -> Any:
    import duckdb

    con = duckdb.connect(":memory:")  # spills to temp_directory past memory_limit
    con.execute(f"SET temp_directory = '{(workdir / 'spill').as_posix()}'")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


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


class StagedLog:
    """A raw log staged in DuckDB: what the DuckDB engine cleans, never whole in memory.

    The loaders return one for ``engine='duckdb'``; notebook 01 shows its first rows, its
    profile (:mod:`custlib.data.profiling` accepts it) and cleans it with
    :func:`~custlib.data.cleaning.clean_transactions`. The staging database lives in a
    temporary folder that :meth:`close` (or the end of the process) removes.

    Parameters
    ----------
    batches : pandas.DataFrame or iterable of pandas.DataFrame
        Contract columns as loaded (values as stored), a batch at a time, with
        ``source_row`` (else the running position).
    workdir : path-like, optional
        Where the temporary folder goes; default: the system's temporary folder.
    memory_limit : str, default '1GB'
        DuckDB's memory limit; past it, DuckDB spills to the temporary folder.
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
                 workdir: str | os.PathLike[str] | None = None, memory_limit: str = "1GB",
                 threads: int | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="custlib-duckdb-", dir=workdir)
        self.con = _connect(Path(self._tmp.name), memory_limit, threads)
        try:
            self.dtypes, self.attrs = _stage(self.con, batches)
        except BaseException:  # the spill folder and the connection go too
            self.con.close()
            self._tmp.cleanup()
            raise
        finally:
            close = getattr(batches, "close", None)
            if close is not None:  # a generator holding a file or a database cursor
                close()
        self.columns = list(self.dtypes)
        self._rows = int(self.con.execute("SELECT count(*) FROM raw").fetchall()[0][0])
        self._profiled = False

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

    def _profile(self) -> str:
        """Table ``profile``: the lines typed leniently (what does not parse is missing)."""
        if not self._profiled:
            present = [c for c in self.dtypes if c != "source_row"]
            _type(self.con, self.dtypes, present,
                  ParseOptions.build(self.attrs.get("parse_options")), drop_invalid=True)
            self.con.execute("DROP TABLE IF EXISTS profile")
            self.con.execute("ALTER TABLE t RENAME TO profile")
            self._profiled = True
        return "profile"

    def overview(self) -> pd.Series:
        """:func:`custlib.data.profiling.overview` of the staged lines.

        Returns
        -------
        pandas.Series
        """
        table = self._profile()
        orders = "count(DISTINCT order_id)" if "order_id" in self.dtypes else "NULL"
        row = self.con.execute(
            f"SELECT count(*), count(DISTINCT customer_id), {orders}, min(order_date), "
            "max(order_date), sum(amount), count(*) FILTER (WHERE customer_id IS NULL) "
            f"FROM {table}").fetchall()[0]
        return pd.Series({
            "rows": int(row[0]), "customers": int(row[1]),
            "orders": int(row[2]) if row[2] is not None else np.nan,
            "first_date": pd.Timestamp(row[3]) if row[3] is not None else pd.NaT,
            "last_date": pd.Timestamp(row[4]) if row[4] is not None else pd.NaT,
            "revenue": float(row[5] or 0.0), "rows_without_customer": int(row[6]),
        }, dtype=object)

    def revenue_by_month(self) -> pd.Series:
        """:func:`custlib.data.profiling.revenue_by_month` of the staged lines.

        Returns
        -------
        pandas.Series
        """
        table = self._profile()
        d = self.query(f"SELECT date_trunc('month', order_date) AS m, sum(amount) AS r FROM "
                       f"{table} WHERE order_date IS NOT NULL GROUP BY m ORDER BY m")
        if d.empty:
            return pd.Series(dtype="float64")
        out = pd.Series(d["r"].to_numpy(dtype="float64"),
                        index=pd.DatetimeIndex(d["m"]).to_period("M"), name="amount")
        full = pd.period_range(out.index.min(), out.index.max(), freq="M")
        out = out.reindex(full, fill_value=0.0)
        out.index = out.index.to_timestamp()
        return out

    def lines_dated_outside(self, start: pd.Timestamp, stop: pd.Timestamp) -> int:
        """:func:`custlib.data.profiling.lines_dated_outside` of the staged lines.

        Parameters
        ----------
        start, stop : pandas.Timestamp

        Returns
        -------
        int
        """
        table = self._profile()
        return int(self.con.execute(
            f"SELECT count(*) FROM {table} WHERE order_date < ? OR order_date >= ?",
            [start.to_pydatetime(), stop.to_pydatetime()]).fetchall()[0][0])

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
        self.con.close()
        self._tmp.cleanup()


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


class _Books:
    """The log and the tables of a run of the rules in DuckDB (table ``t``)."""

    def __init__(self, con: Any, columns: list[str], dtypes: dict[str, Any]) -> None:
        self.con = con
        self.columns = columns  # typed columns, source_row last
        self.dtypes = dtypes
        self.log: list[LogRow] = []
        self.removed_rules: list[str] = []
        self.decided: dict[str, Any] = {}
        self.adjustments: list[pd.DataFrame] = []

    def sql(self, query: str, *args: Any) -> Any:
        return self.con.execute(query, *args)

    def count(self, where: str) -> int:
        return int(self.sql(f"SELECT count(*) FROM t WHERE _out IS NULL AND ({where})"
                            ).fetchall()[0][0])

    def amounts(self, where: str, column: str = "amount") -> pd.Series:
        """A column of the lines still in that match ``where``, in file order."""
        arr = self.sql(f"SELECT {column} AS x FROM t WHERE _out IS NULL AND ({where}) "
                       "ORDER BY _ord").fetchnumpy()["x"]
        return pd.Series(np.asarray(arr, dtype="float64"))

    def remove(self, rule: Rule, where: str, reason_sql: str, note: Note) -> None:
        """Take the lines out, each with its reason; one row of the log."""
        revenue = float(self.amounts(where).fillna(0.0).sum())
        rows = self.count(where)
        self.sql(f"UPDATE t SET _out = ?, _reason = {reason_sql} "
                 f"WHERE _out IS NULL AND ({where})", [rule.name])
        self.removed_rules.append(rule.name)
        self.log.append(rule.row(rows, revenue, note))

    def frame(self, where: str, columns: Sequence[str]) -> pd.DataFrame:
        """Lines as a pandas frame in the pandas pipeline's dtypes, in file order."""
        cols = ", ".join(_q(c) for c in columns)
        table = self.con.sql(f"SELECT {cols} FROM t WHERE {where} ORDER BY _ord"
                             ).to_arrow_table()
        df = table.to_pandas(self_destruct=True, split_blocks=True)  # one copy at a time
        del table
        for c in df.columns:
            if c in self.dtypes:
                df[c] = _as_raw(df[c], self.dtypes[c])
        return df


def clean_transactions_duckdb(
    raw: StagedLog | pd.DataFrame | Iterable[pd.DataFrame], *,
    rules: Mapping[str, bool] | None = None,
    observation_start: str | None = None, observation_end: str | None = None,
    min_date: str = "1990-01-01", max_date: str | None = None,
    non_product_codes: Sequence[str] = DEFAULT_NON_PRODUCT_CODES, cancel_prefix: str = "C",
    unmatched_cancellations: str = "drop", extreme_method: str = "iqr",
    extreme_factor: float = 3.0, date_format: str | None = None,
    dayfirst: bool | None = None, drop_invalid: bool = False, decimal: str = "",
    thousands: str = "", timezone: str = "", workdir: str | os.PathLike[str] | None = None,
    memory_limit: str = "1GB", threads: int | None = None,
) -> CleaningResult:
    """Clean a raw log in DuckDB: the result of :func:`~custlib.data.cleaning.clean_transactions`.

    Parameters
    ----------
    raw : StagedLog, pandas.DataFrame or iterable of pandas.DataFrame
        A staged log, or contract columns as loaded, with ``source_row``, staged a batch
        at a time (memory holds one batch). Never modified.
    rules, observation_start, observation_end, min_date, max_date, non_product_codes, \
cancel_prefix, unmatched_cancellations, extreme_method, extreme_factor, date_format, \
dayfirst, drop_invalid, decimal, thousands, timezone
        As for :func:`~custlib.data.cleaning.clean_transactions`.
    workdir : path-like, optional
        Where the staging database and DuckDB's spill files go (a temporary folder
        inside it, removed afterwards); default: the system's temporary folder.
    memory_limit : str, default '1GB'
        DuckDB's memory limit; past it, DuckDB spills to ``workdir``.
    threads : int, optional
        DuckDB's threads; default: one per core.

    Returns
    -------
    CleaningResult
        The same tables, log and settings as the pandas engine.

    Raises
    ------
    DataError, ParameterError, EmptyResultError
        As :func:`~custlib.data.cleaning.clean_transactions`.
    """
    given: dict[str, Any] = dict(
        observation_start=observation_start, observation_end=observation_end,
        min_date=min_date, cancel_prefix=cancel_prefix,
        unmatched_cancellations=unmatched_cancellations, extreme_method=extreme_method,
        extreme_factor=extreme_factor)
    settings = CleaningSettings.build(rules=rules, max_date=max_date,
                                      non_product_codes=non_product_codes, **given)
    staged = raw if isinstance(raw, StagedLog) else \
        StagedLog(raw, workdir=workdir, memory_limit=memory_limit, threads=threads)
    con, dtypes, attrs = staged.con, staged.dtypes, staged.attrs
    try:
        present = [c for c in dtypes if c != "source_row"]
        if "customer_id" not in present or "order_date" not in present:
            require_columns(pd.DataFrame(columns=present), ["customer_id", "order_date"],
                            "clean_transactions")
        currency_of_counts(staged.currency_counts())
        options = ParseOptions.build(attrs.get("parse_options"), date_format=date_format,
                                     dayfirst=dayfirst, decimal=decimal,
                                     thousands=thousands, timezone=timezone)
        books, infos = _type(con, dtypes, present, options, drop_invalid)
        raw_rows = int(con.execute("SELECT count(*) FROM t").fetchall()[0][0])
        raw_revenue = float(books.amounts("true").fillna(0.0).sum())
        _run_rules(books, settings, infos, drop_invalid)
        result = _finish(books, settings, given, non_product_codes, options, infos,
                         raw_rows, raw_revenue)
    finally:
        for table in ("t", "dup", "repeats", "netted_customers"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        if staged is not raw:
            staged.close()
    _check_not_empty(result)
    result.reconcile()
    return result


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
        con.register("_map", mapping)
        con.execute(f"CREATE OR REPLACE TEMP TABLE m{i} AS SELECT * FROM _map "
                    "WHERE v IS NOT NULL")
        con.unregister("_map")
        # a missing value is missing typed too, whatever the column: a plain equi-join
        joins.append(f"LEFT JOIN m{i} ON raw.{_q(f.name)} = m{i}.v")
        selects.append(f"m{i}.typed AS {_q(f.name)}")
    con.execute(f"CREATE TABLE t AS SELECT {', '.join(selects)}, raw.source_row, raw._ord "
                "FROM raw "
                + " ".join(joins))
    _check_blank(con, infos, drop_invalid)
    _derive_money(con, present, typed_dtypes)
    if "order_id" not in present:
        con.execute("ALTER TABLE t ADD COLUMN order_id VARCHAR")
        con.execute("UPDATE t SET order_id = coalesce(customer_id, '?') || '|' || "
                    "strftime(order_date, '%Y-%m-%d %H:%M:%S')")
        typed_dtypes["order_id"] = typed_dtypes["customer_id"]
    failures = [c for c in ("order_date", "quantity", "unit_price", "amount") if c in present]
    con.execute("ALTER TABLE t ADD COLUMN _failed VARCHAR")
    if failures:
        which = " || ".join(f"CASE WHEN {_q(c)} IS NULL THEN ', {c}' ELSE '' END"
                            for c in failures)
        con.execute(f"UPDATE t SET _failed = nullif(substr({which}, 3), '')")
    con.execute("ALTER TABLE t ADD COLUMN _out VARCHAR")
    con.execute("ALTER TABLE t ADD COLUMN _reason VARCHAR")
    order = ["customer_id", "order_id", "order_date", "quantity", "unit_price", "amount"]
    order += [c for c in _OPTIONAL if c in present] + ["source_row"]
    books = _Books(con, order, typed_dtypes)
    books.failures = failures  # type: ignore[attr-defined]
    return books, infos


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
        head = [int(r) for r in rows[:5]]
        if name == "order_date":
            raise DataError(f"column 'order_date': {len(rows)} row(s) have no date "
                            f"(rows {head}); every order needs one. Set `drop_invalid: true` in "
                            "your parameter file (or drop_invalid=True in Python) to remove and "
                            "count them")
        raise DataError(f"column {name!r}: {len(rows)} row(s) have no value "
                        f"(rows {head}); expected a number on every line. Set "
                        "`drop_invalid: true` in your parameter file (or "
                        "drop_invalid=True in Python) to remove and count them")


def _derive_money(con: Any, present: list[str], dtypes: dict[str, Any]) -> None:
    """Quantity, unit price and amount from the ones the log has (as ``derive_money``)."""
    if "quantity" not in present:
        con.execute("ALTER TABLE t ADD COLUMN quantity DOUBLE")
        con.execute("UPDATE t SET quantity = CASE WHEN amount < 0 THEN -1.0 ELSE 1.0 END")
    if "amount" not in present:
        con.execute("ALTER TABLE t ADD COLUMN amount DOUBLE")
        con.execute("UPDATE t SET amount = quantity * unit_price")
    if "unit_price" not in present:
        con.execute("ALTER TABLE t ADD COLUMN unit_price DOUBLE")
        con.execute("UPDATE t SET unit_price = amount / nullif(quantity, 0)")
    for c in ("quantity", "unit_price", "amount"):
        dtypes[c] = np.dtype("float64")


def _run_rules(books: _Books, settings: CleaningSettings, infos: dict[str, ParseInfo],
               drop_invalid: bool) -> None:
    off = settings.switched_off()
    for rule in settings.rules():
        if rule.switch in off:
            _switched_off(books, rule)
            continue
        _APPLY[rule.name](books, rule, infos)


def _switched_off(books: _Books, rule: Rule) -> None:
    if rule.name == "missing_customer":
        books.log.append(rule.row(0, 0.0, Note("data.cleaning.note.missing_customer_off"),
                                  "off"))
        return
    if rule.name == "cancellations":
        books.log.append(rule.row(0, 0.0, Note("data.cleaning.note.cancellations_off"),
                                  "off"))
        return
    if rule.name == "cancellations_unmatched":  # the cancellations row says it is off
        return
    if rule.name == "extremes":
        books.sql("ALTER TABLE t ADD COLUMN is_extreme BOOLEAN DEFAULT false")
        books.sql("ALTER TABLE t ADD COLUMN extreme_reason VARCHAR DEFAULT ''")
    books.log.append(rule.row(0, 0.0, Note("data.cleaning.note.off"), "off"))


def _parse_types(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    decided = Decided(tuple(infos.values()))
    bad = books.count("_failed IS NOT NULL")
    if not bad:
        books.log.append(rule.row(0, 0.0, Note("data.cleaning.note.parse_ok",
                                               {"decided": decided})))
        return
    failures = books.failures  # type: ignore[attr-defined]
    columns = ", ".join(c for c in failures if books.count(f"{_q(c)} IS NULL"))
    books.remove(rule, "_failed IS NOT NULL", "'unparsable ' || _failed",
                 Note("data.cleaning.note.parse_failed", {"columns": columns,
                                                          "decided": decided}))


def _duplicates(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    cols = ", ".join(_q(c) for c in books.columns if c != "source_row")
    # lines whose hash repeats, then the exact comparison among those only
    books.sql(f"CREATE OR REPLACE TEMP TABLE repeats AS SELECT hash({cols}) AS h FROM t "
              "WHERE _out IS NULL GROUP BY h HAVING count(*) > 1")
    books.sql("CREATE OR REPLACE TEMP TABLE dup AS SELECT _ord FROM ("
              f"SELECT _ord, row_number() OVER (PARTITION BY {cols} "
              "ORDER BY _ord) AS k FROM t WHERE _out IS NULL AND hash("
              f"{cols}) IN (SELECT h FROM repeats)) WHERE k > 1")
    n_in = books.count("true")
    n_dup = int(books.sql("SELECT count(*) FROM dup").fetchall()[0][0])
    share = n_dup / n_in if n_in else 0.0
    note = Note("data.cleaning.note.duplicates")
    if share > MANY_DUPLICATES:
        note = Note("data.cleaning.note.duplicates_many", {"share": f"{share:.1%}"})
        warnings.warn(f"{n_dup:,} lines ({share:.1%}) are exact duplicates of an "
                      "earlier line and are removed. A log that repeats a line once per "
                      "unit bought looks like this; if yours does, keep them with "
                      "rules={'duplicates': False} (params: rules: {duplicates: false})",
                      UserWarning, stacklevel=5)
    books.remove(rule, "_ord IN (SELECT _ord FROM dup)",
                 "'exact duplicate of an earlier line'", note)


def _impossible_dates(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    lo, hi = rule.min_date, rule.max_date  # type: ignore[attr-defined]
    where = f"order_date < TIMESTAMP '{lo}' OR order_date >= TIMESTAMP '{hi}'"
    books.remove(rule, where, "'date ' || strftime(order_date, '%Y-%m-%d')",
                 Note("data.cleaning.note.impossible_dates", {"min_date": f"{lo:%Y-%m-%d}"}))


def _tail(books: _Books, where: str) -> SparseTail | None:
    """:func:`custlib.data.window.sparse_tail` of the lines still in that match ``where``."""
    base = f"_out IS NULL AND order_date IS NOT NULL AND ({where})"
    lines = books.sql(f"SELECT date_trunc('day', order_date) AS d, count(*) AS n FROM t "
                      f"WHERE {base} GROUP BY d ORDER BY d").df()
    if lines.empty:
        return None
    purchases = books.sql(
        "SELECT d, count(DISTINCT order_id) + count(*) FILTER (WHERE order_id IS NULL) AS n "
        f"FROM (SELECT date_trunc('day', order_date) AS d, order_id FROM t WHERE {base}) "
        "GROUP BY d ORDER BY d").df()
    lines_per_day = pd.Series(lines["n"].to_numpy(), index=pd.DatetimeIndex(lines["d"]))
    per_day = pd.Series(purchases["n"].to_numpy(), index=pd.DatetimeIndex(purchases["d"]))
    return tail_from_counts(lines_per_day, per_day)


def _window(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    assert isinstance(rule, Window)
    start, end = rule.start, rule.end
    start_sql = "true" if start is None else f"order_date >= TIMESTAMP '{start}'"
    found = _tail(books, start_sql)
    decided: dict[str, Any] = {"sparse_tail": _tail_dict(found)}
    if rule.auto:
        end = found.end if found is not None else None
        decided |= {"observation_end": f"{end:%Y-%m-%d}" if end is not None else "",
                    "observation_end_auto": True}
    outside, late = [], "false"
    if start is not None:
        outside.append(f"order_date < TIMESTAMP '{start}'")
    if end is not None:
        stop = end + pd.Timedelta(days=1) if end == end.normalize() else end
        late = f"order_date >= TIMESTAMP '{stop}'"
        outside.append(late)
    where = " OR ".join(outside) or "false"
    reason = "'outside the observation window'"
    if rule.auto and end is not None:
        reason = (f"CASE WHEN {late} THEN 'sparse tail after {end:%Y-%m-%d} "
                  "(observation_end: auto)' ELSE 'outside the observation window' END")
    left = found if end is None else _tail(books, f"NOT coalesce({where}, false)")
    tail: Note | str = Note("data.cleaning.note.tail", left.fields()) if left else ""
    if left is not None:
        warnings.warn(f"the log's usual volume ends on {left.end:%Y-%m-%d}: only "
                      f"{left.lines:,} lines trickle over the {left.days} days after it, to "
                      f"{left.last_date:%Y-%m-%d}; taking that as the end of observation "
                      f"makes every customer look {left.days} days older. Set "
                      f"observation_end: auto (or {left.end:%Y-%m-%d}) to end there",
                      UserWarning, stacklevel=5)
    if rule.auto and found is None:
        tail = Note("data.cleaning.note.auto_none")
    if start is None and end is None:
        books.log.append(rule.row(0, 0.0, Note("data.cleaning.note.window_unset",
                                               {"tail": tail})))
    elif rule.auto and found is not None:
        books.remove(rule, where, reason, Note(
            "data.cleaning.note.window_auto",
            {"span": lambda lang: rule._span(lang, end), **found.fields()}))
    else:
        books.remove(rule, where, reason, Note(
            "data.cleaning.note.window", {"span": lambda lang: rule._span(lang, end),
                                          "tail": tail}))
    books.decided.update(decided)


def _non_product(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    codes = sorted({str(c).strip() for c in rule.codes})  # type: ignore[attr-defined]
    if "product_id" not in books.columns or not codes:
        key = ("data.cleaning.note.no_product_column" if "product_id" not in books.columns
               else "data.cleaning.note.no_codes")
        books.log.append(rule.row(0, 0.0, Note(key)))
        return
    books.con.register("_codes", pd.DataFrame({"code": codes}))
    where = "coalesce(product_id, '') IN (SELECT code FROM _codes)"
    found = books.sql(f"SELECT DISTINCT product_id FROM t WHERE _out IS NULL AND ({where})"
                      ).df()["product_id"].tolist()
    codes_found = OrElse(", ".join(sorted(found)), "data.cleaning.note.none_found")
    books.remove(rule, where, "'code ' || product_id",
                 Note("data.cleaning.note.non_product", {"codes": codes_found}))
    books.con.unregister("_codes")


def _invalid_prices(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    books.remove(rule, "unit_price <= 0 OR quantity = 0", "'unit price' ",
                 Note("data.cleaning.note.invalid_prices"))


def _missing_customer(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    where = "customer_id IS NULL"
    revenue = float(books.amounts(where).sum())
    rows = books.count(where)
    books.sql(f"UPDATE t SET _out = '_anonymous' WHERE _out IS NULL AND {where}")
    books.log.append(rule.row(rows, revenue, Note("data.cleaning.note.missing_customer")))


def _cancellations(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    """Net, customers with a negative line a batch at a time, with the pipeline's ``net``."""
    prefix = rule.cancel_prefix  # type: ignore[attr-defined]
    key = "product_id" if "product_id" in books.columns else "unit_price"
    books.sql("CREATE OR REPLACE TEMP TABLE netted_customers AS "
              "SELECT customer_id, sum(n) OVER (ORDER BY first_row) AS upto FROM ("
              "SELECT customer_id, min(_ord) AS first_row, count(*) AS n FROM t "
              "WHERE _out IS NULL AND customer_id IN (SELECT DISTINCT customer_id FROM t "
              "WHERE _out IS NULL AND quantity < 0) GROUP BY customer_id)")
    null_negative = books.count("customer_id IS NULL AND quantity < 0") > 0
    n_cancel = n_return = n_full = n_partial = 0
    netted_rev = 0.0
    removed_rows: list[pd.DataFrame] = []
    batches = books.sql("SELECT coalesce(max(upto), 0) FROM netted_customers").fetchall()[0][0]
    n_batches = int(batches // NETTING_BATCH_LINES) + 1
    for b in range(n_batches + (1 if null_negative else 0)):
        if b < n_batches:
            who = (f"customer_id IN (SELECT customer_id FROM netted_customers WHERE "
                   f"(upto - 1) // {NETTING_BATCH_LINES} = {b})")
        else:
            who = "customer_id IS NULL"
        df = books.frame(f"_out IS NULL AND {who}", books.columns + ["_ord"])
        if df.empty:
            continue
        order = df.pop("_ord").to_numpy()
        matched, neg = net(df)
        qty = df["quantity"].to_numpy()
        price = df["unit_price"].to_numpy()
        is_cancel = neg & df["order_id"].fillna("").str.startswith(prefix).to_numpy() \
            if prefix else np.zeros(len(df), bool)
        full = (matched > 0) & np.isclose(matched, np.abs(qty))
        partial = (matched > 0) & ~full
        sign = np.where(neg, -1.0, 1.0)
        delta_rev = matched * price * sign
        n_cancel += int((neg & is_cancel).sum())
        n_return += int((neg & ~is_cancel).sum())
        n_full += int(full.sum())
        n_partial += int(partial.sum())
        netted_rev += float(df.loc[full, "amount"].sum()) + float(delta_rev[partial].sum())
        removed_rows.append(df[full].assign(
            rule=rule.name, revenue=df.loc[full, "amount"],
            reason=np.where(neg[full], "negative line fully netted",
                            "line fully reversed by a later cancellation or return"),
            _ord=order[full]))
        if partial.any():
            books.adjustments.append(pd.DataFrame({
                "source_row": df.loc[partial, "source_row"].to_numpy(), "rule": rule.name,
                "quantity_removed": matched[partial] * sign[partial],
                "revenue": delta_rev[partial], "_ord": order[partial]}))
        update = pd.DataFrame({
            "_ord": order[partial], "quantity": (qty - matched * sign)[partial],
            "amount": (df["amount"].to_numpy() - delta_rev)[partial]})
        books.con.register("_upd", update)
        books.sql("UPDATE t SET quantity = _upd.quantity, amount = _upd.amount FROM _upd "
                  "WHERE t._ord = _upd._ord")
        books.con.unregister("_upd")
        books.con.register("_gone", pd.DataFrame({"_ord": order[full]}))
        books.sql("UPDATE t SET _out = 'cancellations' WHERE _ord IN (SELECT _ord FROM _gone)")
        books.con.unregister("_gone")
    note = Note("data.cleaning.note.cancellations", {
        "cancellations": f"{n_cancel:,}", "returns": f"{n_return:,}",
        "full": f"{n_full:,}", "partial": f"{n_partial:,}"})
    books.log.append(rule.row(n_full, netted_rev, note))
    netted = pd.concat(removed_rows, ignore_index=True) if removed_rows else \
        books.frame("false", books.columns).assign(rule=rule.name, revenue=0.0, reason="",
                                                   _ord=0)
    netted = netted.sort_values("_ord", kind="stable").drop(columns="_ord")
    books.netted_removed = [netted.reset_index(drop=True)]  # type: ignore[attr-defined]
    books.removed_rules.append(rule.name)
    del key


def _unmatched(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    if rule.keep:  # type: ignore[attr-defined]
        n = books.count("quantity < 0")
        books.log.append(rule.row(0, 0.0, Note("data.cleaning.note.unmatched_kept",
                                               {"n": f"{n:,}"}), "kept"))
        return
    books.remove(rule, "quantity < 0", "'reverses no earlier line in the data'",
                 Note("data.cleaning.note.unmatched_removed"))


def _extremes(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    method, factor = rule.method, rule.factor  # type: ignore[attr-defined]
    alive = "_out IS NULL"
    limits: dict[str, float] = {}
    for col in ("quantity", "amount"):
        arr = books.sql(f"SELECT {col} AS x FROM t WHERE ({alive}) AND {col} > 0"
                        ).fetchnumpy()["x"]
        positive = np.asarray(arr, dtype="float64")
        if len(positive) < 20:
            continue
        if method == "iqr":
            q1, q3 = np.quantile(np.log10(positive), [0.25, 0.75])
            limits[col] = float(10 ** (q3 + factor * (q3 - q1)))
        else:
            limits[col] = float(np.quantile(positive, factor))
    books.sql("ALTER TABLE t ADD COLUMN is_extreme BOOLEAN DEFAULT false")
    books.sql("ALTER TABLE t ADD COLUMN extreme_reason VARCHAR DEFAULT ''")
    parts = [f"CASE WHEN {col} > ? THEN '{col} above {limit:,.2f}' END"
             for col, limit in limits.items()]
    if parts:
        reason = "concat_ws('; ', " + ", ".join(parts) + ")"
        flagged = " OR ".join(f"{col} > ?" for col in limits)
        books.sql(f"UPDATE t SET is_extreme = true, extreme_reason = {reason} "
                  f"WHERE ({alive}) AND ({flagged})", [*limits.values(), *limits.values()])
    where = f"({alive}) AND is_extreme"
    arr = books.sql(f"SELECT amount AS x FROM t WHERE {where} ORDER BY _ord"
                    ).fetchnumpy()["x"]
    revenue = float(pd.Series(np.asarray(arr, dtype="float64")).sum())
    rows = len(arr)
    lim = OrElse(", ".join(f"{k} > {v:,.2f}" for k, v in limits.items()),
                 "data.cleaning.note.too_few_lines")
    books.log.append(rule.row(rows, revenue, Note("data.cleaning.note.extremes",
                                                  {"limits": lim})))


_APPLY = {"parse_types": _parse_types, "duplicates": _duplicates,
          "impossible_dates": _impossible_dates, "window": _window,
          "non_product": _non_product, "invalid_prices": _invalid_prices,
          "missing_customer": _missing_customer, "cancellations": _cancellations,
          "cancellations_unmatched": _unmatched, "extremes": _extremes}


def _finish(books: _Books, settings: CleaningSettings, given: dict[str, Any],
            non_product_codes: Sequence[str], options: ParseOptions,
            infos: dict[str, ParseInfo], raw_rows: int, raw_revenue: float) -> CleaningResult:
    """The tables in pandas, and the result as the pandas pipeline builds it."""
    from custlib.data.cleaning.pipeline import PipelineRun

    kept_where = "_out IS NULL"
    kept = books.frame(kept_where, books.columns + ["is_extreme", "extreme_reason"])
    kept["is_extreme"] = kept["is_extreme"].astype(bool)
    kept["extreme_reason"] = kept["extreme_reason"].astype("str")
    anonymous = books.frame("_out = '_anonymous'", books.columns)
    removed: list[pd.DataFrame] = []
    for name in books.removed_rules:
        if name == "cancellations":
            removed.extend(books.netted_removed)  # type: ignore[attr-defined]
            continue
        part = books.frame(f"_out = '{name}'", books.columns + ["_reason"])
        part["rule"] = name
        part["revenue"] = part["amount"].fillna(0.0)
        part["reason"] = part.pop("_reason").astype("str")
        if name == "invalid_prices":  # Python's :g, as the pandas rule writes it
            part["reason"] = [f"unit price {v:g}" for v in part["unit_price"]]
            part["reason"] = part["reason"].astype("str")
        removed.append(part)
    adjustments = (pd.concat(books.adjustments, ignore_index=True)
                   .sort_values("_ord", kind="stable").drop(columns="_ord")
                   if books.adjustments else None)
    run = PipelineRun(kept=kept, anonymous=anonymous, removed=removed,
                      log=books.log, decided=books.decided)
    if adjustments is not None:
        run.adjustments = adjustments.reset_index(drop=True)
    parsing = {"options": options.as_dict(),
               "columns": {k: i.as_dict() for k, i in infos.items() if len(i.as_dict()) > 2}}
    return _result(run, raw_rows, raw_revenue, {
        "rules": dict(settings.on), **given, "non_product_codes": list(non_product_codes),
        "parsing": parsing})
