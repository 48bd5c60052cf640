"""DuckDB's working database for the engine: its folder, connection and memory.

The DuckDB engine (:mod:`custlib.data.engines.staging`) keeps a raw log in a database
file in a temporary folder. This module opens that database with the engine's settings
(:func:`resolve_memory_limit`: the caller's limit, ``CUSTLIB_DUCKDB_MEMORY`` or 1GB),
writes what updates left in memory to the file (:func:`checkpoint`), and removes the
folders of processes that were killed.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["MEMORY_ENV", "MEMORY_LIMIT", "arrow_batches", "checkpoint",
           "resolve_memory_limit"]


#: Environment variable with DuckDB's memory limit for the engine (``4GB``, ``500MB``)
MEMORY_ENV = "CUSTLIB_DUCKDB_MEMORY"
#: DuckDB's memory limit when neither the caller nor :data:`MEMORY_ENV` gives one
MEMORY_LIMIT = "1GB"
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*", re.IGNORECASE)


def resolve_memory_limit(given: str | None = None) -> str:
    """DuckDB's memory limit: ``given``, else :data:`MEMORY_ENV`, else :data:`MEMORY_LIMIT`.

    Past its limit DuckDB spills sorts, joins and aggregates to disk; a bigger limit
    spills less. A scheduled run sets it without a parameter:
    ``CUSTLIB_DUCKDB_MEMORY=4GB custlib run --params my.yaml``.

    Parameters
    ----------
    given : str, optional
        A size such as ``'4GB'`` or ``'500MB'``.

    Returns
    -------
    str

    Raises
    ------
    ParameterError
        The size is not a number followed by B, KB, MB, GB or TB (or KiB...), or is
        under 100MB.

    Examples
    --------
    >>> resolve_memory_limit("2GB")
    '2GB'
    """
    from custlib.errors import ParameterError

    value = given or os.environ.get(MEMORY_ENV, "").strip() or MEMORY_LIMIT
    size = _SIZE.fullmatch(value)
    if not size or _bytes(size) < 100 * 10**6:
        source = f"environment variable {MEMORY_ENV}" if not given else "memory_limit"
        what = "not a size DuckDB reads" if not size else "less than the 100MB DuckDB needs"
        raise ParameterError(f"{source} is {value!r}, {what}; expected a number and a unit, "
                             "such as '4GB' or '500MB'")
    return value.strip()


def _bytes(size: re.Match[str]) -> float:
    """The bytes of a size matched by ``_SIZE`` (KB = 1000 bytes, KiB = 1024)."""
    number, unit = float(size.group(1)), size.group(2).upper()
    if unit == "B":
        return number
    return number * (1024 if unit.endswith("IB") else 1000) ** ("KMGT".index(unit[0]) + 1)


def _connect(workdir: Path, memory_limit: str, threads: int | None) -> Any:
    import duckdb

    # a database file in the work folder, not ':memory:': the staged tables themselves can
    # then leave memory (an in-memory table must stay within memory_limit, and a big log's
    # does not: 10M lines ran out of 1 GB); the sorts and joins spill to temp_directory
    con = duckdb.connect(str(workdir / "staged.duckdb"))
    try:
        spill = (workdir / "spill").as_posix().replace("'", "''")
        con.execute(f"SET temp_directory = '{spill}'")
        limit = memory_limit.replace("'", "''")
        con.execute(f"SET memory_limit = '{limit}'")
        # text as Arrow large_string, pandas' own storage of str: fetched lines become
        # pandas columns without a cast (a copy of every text column) on the way
        con.execute("SET arrow_large_buffer_size = true")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
    except BaseException:
        con.close()
        raise
    return con


def arrow_batches(relation: Any, rows: int) -> Any:
    """A DuckDB relation's result as an Arrow reader of ``rows`` rows at a time.

    DuckDB 2 names it ``to_arrow_reader``, DuckDB 1 ``fetch_record_batch``.

    Parameters
    ----------
    relation : duckdb.DuckDBPyRelation
    rows : int

    Returns
    -------
    pyarrow.RecordBatchReader
    """
    read = getattr(relation, "to_arrow_reader", None) or relation.fetch_record_batch
    return read(rows)


def checkpoint(con: Any) -> None:
    """Write the database's changes to its file, out of memory.

    DuckDB keeps the values an ``UPDATE`` writes in memory until a checkpoint, outside
    what it can spill: at 100M lines the updates of the typing (its derived columns, now
    made in the typed table's ``CREATE``) and of the rules filled the 1 GB limit and a
    profile query stopped with DuckDB's out-of-memory error. A checkpoint after each update
    of the lines keeps that memory to one update's. While another reader of the database
    is open (a half-read :meth:`~custlib.data.engines.lines.StagedLines.batches`), DuckDB
    cannot checkpoint; the changes then stay in memory until the next checkpoint.
    """
    import duckdb

    try:
        con.execute("CHECKPOINT")
    except duckdb.TransactionException:  # another transaction is open: nothing to do now
        pass


_PREFIX = "custlib-duckdb-"


def _sweep(where: str | os.PathLike[str] | None) -> None:
    """Remove staging folders left by processes that no longer run (killed, out of memory).

    A folder is named ``custlib-duckdb-<pid>-...`` by the process that made it; one whose
    process is gone can hold a database file as large as its log.
    """
    root = Path(where) if where is not None else Path(tempfile.gettempdir())
    for folder in root.glob(f"{_PREFIX}*-*"):
        pid = folder.name[len(_PREFIX):].split("-", 1)[0]
        if not (pid.isdigit() and folder.is_dir()) or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # alive (or not ours to ask about): leave it
            pass


def _release(con: Any, folder: tempfile.TemporaryDirectory[str]) -> None:
    """Close the database, then remove its folder (a Windows file cannot go while open)."""
    try:
        con.close()
    finally:
        folder.cleanup()
