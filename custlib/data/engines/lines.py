"""Lines of a cleaning result that stay in the DuckDB engine's database.

The DuckDB engine cleans a log that may not fit in memory; its clean lines (and the lines
set aside for want of a customer id) stay in its database as a table, a
:class:`StagedLines`, instead of a pandas frame. Notebook 01 shows only what is computed
from them: counts, sums, the revenue per month and per country, orders per customer (the
profile functions of :mod:`custlib.data.profiling` take a :class:`StagedLines` wherever
they take a frame), and writes them to the run folder a batch at a time
(:meth:`StagedLines.to_parquet`), in the pandas engine's types. Whatever a reader asks of
them as pandas comes back as pandas: a column (``lines["amount"]``), a few columns
(``lines.to_pandas(["customer_id", "amount"])``), the lines a mask selects
(``lines.loc[lines["is_extreme"]]``), the first lines (``lines.head()``).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from custlib.data.engines.staging import _BLANK, _as_raw, _every_month, _q
from custlib.data.engines.table import LineTable
from custlib.data.engines.workspace import arrow_batches

__all__ = ["StagedLines"]

#: rows per batch read out of DuckDB, and per row group of the Parquet files written
BATCH_ROWS = 1_000_000

_names = itertools.count()


class StagedLines(LineTable):
    """A table of lines in the DuckDB engine's database, read as pandas on demand.

    Made by the DuckDB engine's cleaning (:meth:`create`); the result's ``transactions``
    and ``anonymous``. The table keeps the pandas engine's order of the lines (its
    ``rowid`` is the line's position), and every frame or column it gives back has the
    pandas engine's types, index and order: ``lines.to_pandas()`` equals the pandas
    engine's frame.

    Parameters
    ----------
    owner : object
        What holds the database open (the staged log); kept alive with the lines.
    con : duckdb.DuckDBPyConnection
    table : str
        The table's name.
    dtypes : dict of str to dtype
        The pandas dtype of each column, in order (None: as DuckDB gives it).

    Examples
    --------
    >>> from custlib.data.loading import load_transactions
    >>> from custlib.data.cleaning import clean_transactions
    >>> raw = load_transactions("cdnow_sample", engine="duckdb")
    >>> lines = clean_transactions(raw, engine="duckdb").transactions
    >>> lines.shape
    (6890, 9)
    >>> round(lines.total("amount"), 2)  # summed as pandas sums the column
    243680.87
    >>> lines.to_pandas(["customer_id", "amount"]).head(2)
      customer_id  amount
    0        0001   29.33
    1        0001   29.73
    """

    def __init__(self, owner: Any, con: Any, table: str, dtypes: dict[str, Any]) -> None:
        self._owner = owner
        self._connection = con
        self._table = table
        self._dtypes = dict(dtypes)
        self._rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
        self._cache: dict[Any, Any] = {}
        weakref.finalize(self, _drop, con, table)

    @classmethod
    def create(cls, owner: Any, con: Any, source: str, where: str,
               dtypes: dict[str, Any]) -> StagedLines:
        """Copy the lines of ``source`` that match ``where``, in ``_ord`` order, to a table.

        Parameters
        ----------
        owner : object
            Kept alive with the lines (the staged log whose database holds them).
        con : duckdb.DuckDBPyConnection
        source : str
            The working table (``t``), with ``_ord``.
        where : str
            SQL condition.
        dtypes : dict of str to dtype
            The columns to keep and their pandas dtypes.

        Returns
        -------
        StagedLines
        """
        table = f"lines_{os.getpid()}_{next(_names)}"
        cols = ", ".join(_q(c) for c in dtypes)
        con.execute(f"CREATE TABLE {table} AS SELECT {cols} FROM {source} WHERE {where} "
                    "ORDER BY _ord")
        return cls(owner, con, table, dtypes)

    @property
    def _con(self) -> Any:
        """The database's connection; a clear error once the staged log is closed."""
        if getattr(self._owner, "closed", False):
            from custlib.errors import CustlibError

            raise CustlibError(
                "these lines were kept in the staged log's DuckDB database, which is now "
                "closed (StagedLog.close()); clean the log again, or keep the staged log "
                "open while its result is used")
        return self._connection

    # -- what pandas frames have -------------------------------------------------------
    def _names(self) -> list[str]:
        return list(self._dtypes)

    @property
    def dtypes(self) -> pd.Series:
        """The columns' pandas dtypes."""
        return pd.Series(self._dtypes, dtype=object)

    def __getitem__(self, key: Any) -> Any:
        """A column as a Series or columns as a frame (all lines, in order).

        A boolean mask selects lines, as :attr:`loc` does.
        """
        if isinstance(key, str):
            return self.to_pandas([key])[key]
        if _is_mask(key):
            return self.loc[key]
        return self.to_pandas(list(key))

    @property
    def loc(self) -> _Selector:
        """The lines a boolean mask selects, ``lines.loc[mask]``, with their positions."""
        return _Selector(self)

    def head(self, n: int = 5) -> pd.DataFrame:
        """The first ``n`` lines.

        Parameters
        ----------
        n : int, default 5

        Returns
        -------
        pandas.DataFrame
        """
        return self._frame(f"SELECT {self._cols()} FROM {self._table} LIMIT {max(int(n), 0)}")

    def to_pandas(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The lines as a pandas frame (all columns, or ``columns``), as the pandas engine's.

        Parameters
        ----------
        columns : sequence of str, optional

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        KeyError
            A column the lines do not have.
        """
        parts = list(self.batches(columns))
        if len(parts) == 1:
            return parts[0]
        return pd.concat(parts, ignore_index=True)

    def batches(self, columns: Sequence[str] | None = None,
                rows: int | None = None) -> Iterator[pd.DataFrame]:
        """The lines as pandas frames of ``rows`` lines, in order (one frame when empty).

        Parameters
        ----------
        columns : sequence of str, optional
        rows : int, optional
            Default :data:`BATCH_ROWS`.

        Yields
        ------
        pandas.DataFrame
            Indexed by the lines' positions.
        """
        cols = self._check(columns)
        with self._reader(cols, rows or BATCH_ROWS) as reader:
            start, sent = 0, False
            for batch in reader:
                if batch.num_rows == 0 and sent:
                    continue
                frame = self._typed(batch.to_pandas(split_blocks=True), start)
                start += len(frame)
                sent = True
                yield frame
            if not sent:
                yield self._typed(reader.schema.empty_table().to_pandas(), 0)

    def to_parquet(self, path: str | os.PathLike[str]) -> None:
        """Write the lines as a Parquet file, a batch at a time, in the pandas engine's types.

        The file reads back (``pandas.read_parquet``) as :meth:`to_pandas`. Its schema is the
        one pandas writes for :meth:`to_pandas` (taken from the first lines); each batch goes
        from DuckDB to the file as Arrow, cast to that schema, without a pandas frame
        between. Memory holds one batch.

        Parameters
        ----------
        path : path-like
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.Schema.from_pandas(self.head(100), preserve_index=False)
        with self._reader(list(self._dtypes), BATCH_ROWS) as reader, \
                pq.ParquetWriter(path, schema) as writer:
            wrote = False
            for batch in reader:
                if batch.num_rows or not wrote:
                    writer.write_table(pa.Table.from_batches([batch]).cast(schema))
                    wrote = True
            if not wrote:
                writer.write_table(schema.empty_table())

    # -- what the profiles and the books ask, in SQL ------------------------------------
    def total(self, column: str) -> float:
        """The sum of a column as pandas sums it (in order, NaN left out), to the last bit.

        Parameters
        ----------
        column : str

        Returns
        -------
        float
        """
        key = ("total", column)
        if key not in self._cache:
            self._check([column])
            values = self._con.sql(f"SELECT {_q(column)} AS x FROM {self._table}"
                                   ).fetchnumpy()["x"]
            self._cache[key] = float(pd.Series(np.asarray(values, dtype="float64")).sum())
        return float(self._cache[key])

    def nunique(self, column: str) -> int:
        """Distinct values of a column, missing values left out.

        Parameters
        ----------
        column : str

        Returns
        -------
        int
        """
        key = ("nunique", column)
        if key not in self._cache:
            self._check([column])
            self._cache[key] = self._scalar(f"count(DISTINCT {_q(column)})")
        return int(self._cache[key])

    def unique(self, column: str) -> pd.Series:
        """The distinct values of a column, missing values left out, in no set order.

        Parameters
        ----------
        column : str

        Returns
        -------
        pandas.Series
        """
        self._check([column])
        q = _q(column)
        frame = self._frame(f"SELECT DISTINCT {q} FROM {self._table} WHERE {q} IS NOT NULL")
        return frame[column]

    def count(self, where: str) -> int:
        """Lines that match an SQL condition over the columns.

        Parameters
        ----------
        where : str

        Returns
        -------
        int
        """
        return int(self._scalar(f"count(*) FILTER (WHERE {where})"))

    def overview(self) -> pd.Series:
        """:func:`custlib.data.profiling.overview` of the lines.

        Returns
        -------
        pandas.Series
        """
        if "overview" not in self._cache:
            orders = "count(DISTINCT order_id)" if "order_id" in self else "NULL"
            row = self._con.execute(
                f"SELECT count(DISTINCT customer_id), {orders}, "
                f"count(*) FILTER (WHERE customer_id IS NULL) FROM {self._table}"
                ).fetchall()[0]
            # the dates as pandas reads them (nanoseconds), not as Python datetimes
            dates = self._frame(f"SELECT min(order_date) AS order_date FROM {self._table} "
                                f"UNION ALL SELECT max(order_date) FROM {self._table}"
                                )["order_date"]
            self._cache["overview"] = pd.Series({
                "rows": self._rows, "customers": int(row[0]),
                "orders": int(row[1]) if row[1] is not None else np.nan,
                "first_date": dates.iloc[0], "last_date": dates.iloc[1],
                "revenue": self.total("amount"), "rows_without_customer": int(row[2]),
            }, dtype=object)
        return self._cache["overview"].copy()

    def revenue_by_month(self) -> pd.Series:
        """:func:`custlib.data.profiling.revenue_by_month` of the lines.

        Returns
        -------
        pandas.Series
        """
        d = self._con.sql(
            f"SELECT date_trunc('month', order_date) AS m, coalesce(sum(amount), 0) AS r "
            f"FROM {self._table} WHERE order_date IS NOT NULL GROUP BY m ORDER BY m").df()
        return _every_month(d)

    def lines_dated_outside(self, start: pd.Timestamp, stop: pd.Timestamp) -> int:
        """:func:`custlib.data.profiling.lines_dated_outside` of the lines.

        Parameters
        ----------
        start, stop : pandas.Timestamp

        Returns
        -------
        int
        """
        return int(self._con.execute(
            f"SELECT count(*) FROM {self._table} WHERE order_date < ? OR order_date >= ?",
            [start.to_pydatetime(), stop.to_pydatetime()]).fetchall()[0][0])

    def missing_counts(self) -> pd.Series:
        """Missing values per column (blank text counts as missing), ``source_row`` aside.

        As :func:`custlib.data.profiling.missing_values` counts them in a frame.

        Returns
        -------
        pandas.Series
        """
        parts = []
        for c, dtype in self._dtypes.items():
            if c == "source_row":
                continue
            text = dtype is None or pd.api.types.is_string_dtype(dtype)  # object too
            blank = (f" OR regexp_matches(CAST({_q(c)} AS VARCHAR), '{_BLANK}')"
                     if text else "")
            parts.append(f"count(*) FILTER (WHERE {_q(c)} IS NULL{blank})")
        if not parts:
            return pd.Series(dtype="int64")
        row = self._con.execute(f"SELECT {', '.join(parts)} FROM {self._table}").fetchall()[0]
        names = [c for c in self._dtypes if c != "source_row"]
        return pd.Series([int(v) for v in row], index=names, dtype="int64")

    def orders_per_customer(self) -> pd.Series:
        """Orders (distinct ``order_id``, else lines) of each customer with an id.

        Returns
        -------
        pandas.Series
            One value per customer, in no set order.
        """
        n = "count(DISTINCT order_id)" if "order_id" in self else "count(*)"
        return self._con.sql(f"SELECT {n} AS n FROM {self._table} WHERE customer_id IS "
                             "NOT NULL GROUP BY customer_id").df()["n"].astype("int64")

    def revenue_by(self, column: str) -> pd.Series:
        """Revenue per value of ``column`` (missing values as ``(unknown)``), largest first.

        Parameters
        ----------
        column : str

        Returns
        -------
        pandas.Series
        """
        self._check([column])
        q = _q(column)
        d = self._con.sql(
            f"SELECT coalesce(CAST({q} AS VARCHAR), '(unknown)') AS k, "
            f"coalesce(sum(amount), 0) AS r FROM {self._table} GROUP BY k ORDER BY r DESC, k").df()
        out = pd.Series(d["r"].to_numpy(dtype="float64"), index=d["k"].astype("str"),
                        name="amount")
        out.index.name = column
        return out

    # -- for people ---------------------------------------------------------------------
    def __repr__(self) -> str:
        what = (f"StagedLines({self._rows:,} lines x {len(self._dtypes)} columns in DuckDB "
                "(engine: duckdb)")
        if getattr(self._owner, "closed", False):
            return what + ", its database closed)"
        return (what + "; .head() shows the first, .to_pandas() gives a frame)\n"
                f"{self.head()!r}")

    def _repr_html_(self) -> str:
        from html import escape

        if getattr(self._owner, "closed", False):
            return f"<p>{escape(repr(self))}</p>"
        head = self.head()._repr_html_()
        return (f"<p>{escape(f'{self._rows:,}')} lines x {len(self._dtypes)} columns, kept "
                "in DuckDB (<code>engine: duckdb</code>); the first five:</p>" + head)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise AttributeError(
            f"{name!r}: these {self._rows:,} lines stay in DuckDB (engine: duckdb), which "
            "does not give them whole to pandas; take the columns you need as a frame with "
            f".to_pandas([...]) (columns: {', '.join(self._dtypes)}), or clean with "
            "engine: pandas")

    # -- inside -------------------------------------------------------------------------
    def _cols(self, columns: Sequence[str] | None = None) -> str:
        return ", ".join(_q(c) for c in (columns or list(self._dtypes)))

    @contextlib.contextmanager
    def _reader(self, columns: list[str], rows: int) -> Iterator[Any]:
        """An Arrow reader of the columns, on a cursor of its own, closed afterwards.

        A DuckDB connection takes no other query while a result is open: streamed on the
        connection itself, a half-read batch loop (or a failed write, whose traceback
        keeps the reader) would stop every later query of the lines and of the log.
        """
        cursor = self._con.cursor()
        try:
            rel = cursor.sql(f"SELECT {self._cols(columns)} FROM {self._table}")
            yield arrow_batches(rel, rows)
        finally:
            cursor.close()

    def _scalar(self, expr: str) -> Any:
        return self._con.execute(f"SELECT {expr} FROM {self._table}").fetchall()[0][0]

    def _typed(self, df: pd.DataFrame, start: int) -> pd.DataFrame:
        for c in df.columns:
            if self._dtypes[c] is not None:
                df[c] = _as_raw(df[c], self._dtypes[c])
        df.index = pd.RangeIndex(start, start + len(df))
        return df

    def _frame(self, sql: str) -> pd.DataFrame:
        return self._typed(self._con.sql(sql).to_arrow_table().to_pandas(), 0)


class _Selector:
    """``lines.loc[mask]``: the lines where a boolean mask (one value per line) is true."""

    def __init__(self, lines: StagedLines) -> None:
        self._lines = lines

    def __getitem__(self, key: Any) -> Any:
        lines = self._lines
        mask, columns = key if isinstance(key, tuple) and len(key) == 2 else (key, None)
        values = (pd.array(mask).to_numpy(dtype=bool, na_value=False) if _is_mask(mask)
                  else None)
        if values is None or values.shape != (len(lines),):
            raise TypeError(f"lines.loc takes a boolean mask of {len(lines):,} values (one "
                            "per line), and optionally columns: lines.loc[lines['is_extreme']]"
                            ", lines.loc[mask, 'amount']; for anything else take a frame "
                            "with .to_pandas([...])")
        frame = self._rows(values)
        if columns is None:
            return frame
        return frame[columns]

    def _rows(self, values: np.ndarray) -> pd.DataFrame:
        lines = self._lines
        positions = np.flatnonzero(values)
        import pyarrow as pa

        picked = pa.table({"p": pa.array(positions, type=pa.int64())})
        con = lines._con
        name = f"picked_{os.getpid()}_{next(_names)}"
        con.register(name, picked)
        try:
            frame = lines._frame(f"SELECT {lines._cols()} FROM {lines._table} "
                                 f"WHERE rowid IN (SELECT p FROM {name}) ORDER BY rowid")
        finally:
            con.unregister(name)
        frame.index = pd.Index(positions, dtype="int64")
        return frame


def _is_mask(key: Any) -> bool:
    """``key`` is a boolean array-like (a mask), not a column name or a list of them."""
    if isinstance(key, (str, tuple)) or not hasattr(key, "__len__"):
        return False
    dtype = getattr(key, "dtype", None)
    if dtype is None:
        key = np.asarray(key)
        dtype = key.dtype
    return bool(pd.api.types.is_bool_dtype(dtype))


def _drop(con: Any, table: str) -> None:
    """Drop a table of lines, unless its database is already closed."""
    try:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    except Exception:  # the connection is closed: the database file goes with its folder
        pass
