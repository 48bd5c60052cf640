"""Clean lines left in their Parquet file, computed on by DuckDB (the ``duckdb`` engine).

Notebook 01 writes a run's clean lines to ``data/transactions_clean.parquet``. With
``engine: pandas`` later notebooks read them whole into memory. With ``engine: duckdb`` the
log may be bigger than memory, so they get a :class:`SavedLines` instead: the file, read by
DuckDB where a step needs only a table per customer or per customer and day
(:func:`custlib.lifecycle.stages.purchase_days`, the breadth of the action lists), and read
as pandas, a few columns at a time, where a step needs the lines themselves.

What DuckDB computes equals what the kit computes in memory from the same lines: ids, days
and counts exactly; a sum of money is Kahan's compensated sum taken in the lines' order
(``fsum(amount ORDER BY _row)``), so DuckDB's threads never change it. The purchase days,
the customer summary and the calibration/holdout split sum the same way in memory
(:func:`custlib.data.sums.kahan_sums`): equal to the last bit (tests/test_saved_lines.py).
Steps that need the lines themselves (the report's KPIs, preferences, price sensitivity)
read only their columns (:func:`custlib.data.engines.table.frame_of`).
"""

from __future__ import annotations

import os
import tempfile
import weakref
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from custlib.data.engines.table import LineTable
from custlib.data.engines.workspace import _PREFIX, _release, _sweep, resolve_memory_limit

__all__ = ["SavedLines", "is_saved_lines", "quote"]


def quote(name: str) -> str:
    """An SQL identifier (a column's name), quoted.

    Examples
    --------
    >>> print(quote("Customer ID"))
    "Customer ID"
    """
    return '"' + str(name).replace('"', '""') + '"'


def _literal(text: str) -> str:
    """An SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


class SavedLines(LineTable):
    """A run's clean lines in their Parquet file, for DuckDB and a few columns at a time.

    Parameters
    ----------
    path : path-like
        The Parquet file.
    read : callable
        ``read(columns)``: those columns as a pandas frame, as the run's other steps read
        the table (:func:`custlib.run.artefacts.load_table`).
    columns : sequence of str
        The columns the lines offer (the file may have more).
    names : mapping of str to str, optional
        Values renamed in the ``labelled`` columns (the business context's ``labels``, as
        :func:`custlib.data.context.relabel` renames them), in SQL as in the frames.
    labelled : sequence of str, default ()
        The columns whose values ``names`` renames.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> path = Path(tempfile.mkdtemp()) / "lines.parquet"
    >>> pd.DataFrame({"customer_id": ["a", "b", "a"], "amount": [1.0, 2.0, 3.0]}).to_parquet(path)
    >>> lines = SavedLines(path, read=lambda cols: pd.read_parquet(path, columns=cols),
    ...                    columns=["customer_id", "amount"])
    >>> len(lines), lines.query("SELECT fsum(amount ORDER BY _row) AS s FROM {lines}")["s"].item()
    (3, 6.0)
    """

    def __init__(self, path: str | Path, *, read: Callable[[list[str]], pd.DataFrame],
                 columns: Sequence[str], names: Mapping[str, str] | None = None,
                 labelled: Sequence[str] = ()) -> None:
        import pyarrow.parquet as pq

        self.path = Path(path)
        self._read = read
        self._columns = list(columns)
        self._renames = dict(names or {})
        self._labelled = [c for c in labelled if c in self._columns] if self._renames else []
        meta = pq.ParquetFile(self.path).metadata
        self._rows = int(meta.num_rows)
        self._schema = pq.read_schema(self.path)
        self._con: Any = None

    # -- what a frame has -------------------------------------------------------------
    def _names(self) -> list[str]:
        return self._columns

    def __getitem__(self, key: Any) -> Any:
        """A column as a Series (``lines["amount"]``) or columns as a frame."""
        if isinstance(key, str):
            return self.to_pandas([key])[key]
        return self.to_pandas(list(key))

    def to_pandas(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The lines as a pandas frame (all columns, or ``columns``), as the run reads them.

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
        cols = self._check(columns)
        frame = self._read(cols)
        if self._labelled:
            from custlib.data.context import relabel

            frame = relabel(frame, self._renames, self._labelled)
        return frame

    def filled_columns(self) -> frozenset[str]:
        """The columns with at least one value (neither missing nor NaN), in one pass.

        Returns
        -------
        frozenset of str
        """
        import pyarrow as pa

        if not self._columns:
            return frozenset()
        counts = []
        for i, c in enumerate(self._columns):
            kind = self._schema.field(c).type
            value = (f"CASE WHEN NOT isnan({quote(c)}) THEN 1 END"
                     if pa.types.is_floating(kind) and c not in self._labelled else quote(c))
            counts.append(f"count({value}) AS c{i}")
        found = self.query(f"SELECT {', '.join(counts)} FROM {{lines}}").iloc[0]
        return frozenset(c for i, c in enumerate(self._columns) if found[f"c{i}"] > 0)

    def head(self, n: int = 5) -> pd.DataFrame:
        """The first ``n`` lines (all columns), as a pandas frame.

        Parameters
        ----------
        n : int, default 5

        Returns
        -------
        pandas.DataFrame
        """
        return self.query(f"SELECT * EXCLUDE (_row) FROM {{lines}} ORDER BY _row "
                          f"LIMIT {max(int(n), 0)}")

    def min(self, column: str) -> Any:
        """The smallest value of a column (missing values left out), as pandas gives it.

        Parameters
        ----------
        column : str

        Returns
        -------
        object
            A :class:`pandas.Timestamp` for dates; NaN/NaT when the column has no value.
        """
        return self._extreme(column, "min")

    def max(self, column: str) -> Any:
        """The largest value of a column, as :meth:`min`.

        Parameters
        ----------
        column : str

        Returns
        -------
        object
        """
        return self._extreme(column, "max")

    def _extreme(self, column: str, how: str) -> Any:
        self._check([column])
        value = self.query(f"SELECT {how}({quote(column)}) AS x FROM {{lines}}")["x"]
        return value.astype(self.pandas_dtype(column)).iloc[0] if not self.is_tz_aware(column) \
            else pd.Timestamp(value.iloc[0])

    def is_tz_aware(self, column: str) -> bool:
        """Whether a timestamp column carries a time zone.

        Parameters
        ----------
        column : str

        Returns
        -------
        bool
        """
        field = self._schema.field(column)
        return getattr(field.type, "tz", None) is not None

    def pandas_dtype(self, column: str) -> Any:
        """The dtype a column has when read as pandas (from the file's schema).

        Parameters
        ----------
        column : str

        Returns
        -------
        numpy.dtype or pandas dtype
        """
        return self._schema.field(column).type.to_pandas_dtype()

    def relabelled(self, names: Mapping[str, str], labelled: Sequence[str]) -> SavedLines:
        """The same lines with the values of ``labelled`` columns renamed by ``names``.

        On lines already renamed, ``names`` renames the names they show, as renaming a
        renamed frame does.

        Parameters
        ----------
        names : mapping of str to str
        labelled : sequence of str

        Returns
        -------
        SavedLines
        """
        composed = {**names, **{k: names.get(v, v) for k, v in self._renames.items()}}
        return SavedLines(self.path, read=self._read, columns=self._columns,
                          names=composed, labelled=[*dict.fromkeys([*self._labelled,
                                                                    *labelled])])

    # -- SQL -------------------------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] | None = None, *,
              tables: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
        """Run an SQL query over the lines, named ``{lines}`` in it, as a pandas frame.

        The lines have the offered columns (values renamed as the frames are) and
        ``_row``, each line's position in the file: order by it to take the lines in the
        order pandas does.

        Parameters
        ----------
        sql : str
            With ``{lines}`` where the lines go.
        params : sequence, optional
            Values of the ``?`` placeholders.
        tables : mapping of str to pandas.DataFrame, optional
            Frames the query joins, by name (a customer-level table: a segment per
            customer), for this query only.

        Returns
        -------
        pandas.DataFrame
        """
        con = self._connection()
        for name, frame in (tables or {}).items():
            con.register(name, frame)
        try:
            return con.execute(sql.replace("{lines}", self._source()), params or []).df()
        finally:
            for name in tables or {}:
                con.unregister(name)

    def _source(self) -> str:
        cols = []
        for c in self._columns:
            if c in self._labelled:
                whens = " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}"
                                 for k, v in sorted(self._renames.items()))
                cols.append(f"CASE CAST({quote(c)} AS VARCHAR) {whens} "
                            f"ELSE CAST({quote(c)} AS VARCHAR) END AS {quote(c)}")
            else:
                cols.append(quote(c))
        cols.append("file_row_number AS _row")
        return (f"(SELECT {', '.join(cols)} FROM read_parquet("
                f"{_literal(str(self.path))}, file_row_number = true))")

    def _connection(self) -> Any:
        """DuckDB, opened on first use with the engine's memory limit and a spill folder.

        :func:`~custlib.data.engines.workspace.resolve_memory_limit` (``CUSTLIB_DUCKDB_MEMORY``,
        1GB by default): past it the grouping spills to a temporary folder, removed with the
        lines (or, after a killed process, by the next run's sweep).
        """
        if self._con is None:
            import duckdb

            _sweep(None)
            folder = tempfile.TemporaryDirectory(prefix=f"{_PREFIX}{os.getpid()}-")
            con = duckdb.connect()
            try:
                spill = Path(folder.name, "spill").as_posix().replace("'", "''")
                con.execute(f"SET temp_directory = '{spill}'")
                limit = resolve_memory_limit().replace("'", "''")
                con.execute(f"SET memory_limit = '{limit}'")
            except BaseException:
                _release(con, folder)
                raise
            weakref.finalize(self, _release, con, folder)
            self._con = con
        return self._con

    # -- for people ------------------------------------------------------------------
    def __repr__(self) -> str:
        return (f"SavedLines({self._rows:,} lines x {len(self._columns)} columns in "
                f"{self.path.name}, read by DuckDB (engine: duckdb); .head() shows the "
                "first, .to_pandas([...]) gives a frame)")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise AttributeError(
            f"{name!r}: these {self._rows:,} lines stay in {self.path.name} (engine: duckdb)"
            f" and are not held whole in memory; take the columns you need as a frame with "
            f".to_pandas([...]) (columns: {', '.join(self._columns)}), or run with engine: "
            "pandas")


def is_saved_lines(obj: object) -> bool:
    """Whether ``obj`` is a :class:`SavedLines` (lines left on disk for DuckDB).

    Parameters
    ----------
    obj : object

    Returns
    -------
    bool
    """
    return isinstance(obj, SavedLines)
