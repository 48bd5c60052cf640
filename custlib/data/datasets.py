"""Reading a Parquet dataset: a folder of Parquet files (hive-partitioned or not) or a glob.

A data lake keeps one table as many files: ``sales/year=2024/month=01/part-0.parquet``
(the *hive* layout, where each ``name=value`` folder level is a column of every row below
it) or ``exports/*.parquet``. :func:`iter_dataset` reads such a source with
:mod:`pyarrow.dataset` as one table:

* the files in sorted path order, each file's rows in their stored order, so a row's
  position (its ``source_row``) is the same on every run;
* partition columns as text, as the folder names write them (``month=01`` stays ``'01'``,
  an id ``customer=00123`` keeps its zeros), after the file's own columns;
* the files' columns united: a column that only some files have is empty in the others;
  two files that store one column with types that cannot be united stop the read.
"""

from __future__ import annotations

import glob
import os
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from custlib.errors import SourceError

__all__ = ["dataset_files", "is_dataset", "iter_dataset"]

_MAGIC = ("*", "?", "[")
_PARQUET = (".parquet", ".pq")


def is_dataset(source: str | os.PathLike[str]) -> bool:
    """True when ``source`` is a glob pattern or an existing folder.

    A file that exists is a file, even when its name holds ``*``, ``?`` or ``[``.

    Parameters
    ----------
    source : path-like

    Returns
    -------
    bool

    Examples
    --------
    >>> is_dataset("data/lake/*.parquet"), is_dataset("data/raw/demo/transactions.csv")
    (True, False)
    """
    from custlib.run.config import resolve_path

    text = str(source)
    if text.startswith("package:"):
        return False
    path = resolve_path(text)
    return path.is_dir() or (not path.is_file() and any(c in text for c in _MAGIC))


def _base_of(pattern: str) -> Path:
    """The folder above a pattern's first wildcard (where partition folders start)."""
    parts = Path(pattern).parts
    fixed = [p for p in parts[:next(i for i, p in enumerate(parts)
                                    if any(c in p for c in _MAGIC))]]
    return Path(*fixed) if fixed else Path(".")


def dataset_files(source: str | os.PathLike[str]) -> tuple[list[Path], Path]:
    """The Parquet files of a folder (at any depth) or a glob, in sorted path order.

    Parameters
    ----------
    source : path-like
        A folder, or a glob (``data/lake/*.parquet``, ``data/lake/**/*.parquet``);
        relative ones are read from the project root.

    Returns
    -------
    (list of pathlib.Path, pathlib.Path)
        The files, and the folder that partition folders are counted from.

    Raises
    ------
    SourceError
        The glob matches no file, or the folder holds no Parquet file.
    """
    from custlib.run.config import resolve_path

    text = str(source)
    path = resolve_path(text)
    if any(c in text for c in _MAGIC):
        files = sorted(Path(p) for p in glob.glob(str(path), recursive=True)
                       if Path(p).is_file())
        base = _base_of(str(path))
        if not files:
            raise SourceError(f"the pattern {text!r} matches no file (looked for {path}; "
                              "relative paths are read from the project root)")
        other = [p for p in files if p.suffix.lower() not in _PARQUET]
        if other:
            raise SourceError(f"the pattern {text!r} matches files that are not Parquet "
                              f"({other[0].name}, ...); a dataset is read from Parquet "
                              "files only: narrow the pattern, e.g. '*.parquet'")
        return files, base
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _PARQUET
                   and not any(part.startswith((".", "_")) for part in
                               p.relative_to(path).parts))
    if not files:
        raise SourceError(f"the folder {path} holds no Parquet file (*.parquet, *.pq, at any "
                          "depth); give a folder of Parquet files, a glob such as "
                          "'data/lake/*.parquet', or one CSV, Parquet or Excel file")
    return files, path


def _partition_names(files: list[Path], base: Path) -> list[str]:
    """The ``name`` of every ``name=value`` folder level between base and the files."""
    names: list[str] = []
    for f in files:
        for part in f.parent.relative_to(base).parts if f.is_relative_to(base) else ():
            if "=" in part:
                name = urllib.parse.unquote(part.partition("=")[0])
                if name not in names:
                    names.append(name)
    return names


def _schema(files: list[Path], partitions: list[str], name: str) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pa.unify_schemas([pq.read_schema(f) for f in files])
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        raise SourceError(f"cannot read {name} as one table: its files' columns do not "
                          f"agree ({exc})") from None
    clash = [p for p in partitions if p in schema.names]
    if clash:
        raise SourceError(f"{name}: the partition folder name {clash[0]!r} is also a column "
                          "of its files; which one holds the data is unclear, so nothing "
                          "is guessed: rename the folders or the column")
    return pa.schema([*schema, *((p, pa.string()) for p in partitions)])


def iter_dataset(source: str | os.PathLike[str], *, batch_rows: int = 100_000
                 ) -> Iterator[pd.DataFrame]:
    """Read a Parquet folder or glob in pages of at most ``batch_rows`` rows.

    Parameters
    ----------
    source : path-like
        A folder of Parquet files (hive partitions become text columns) or a glob.
    batch_rows : int, default 100000

    Yields
    ------
    pandas.DataFrame
        Pages in file order then row order, values as stored, with ``attrs['source']``
        the folder or pattern read. An empty dataset gives one empty page.

    Raises
    ------
    SourceError
        No file matches, the files' columns cannot be united, or a file cannot be read.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds

    files, base = dataset_files(source)
    name = str(source)
    partitions = _partition_names(files, base)
    schema = _schema(files, partitions, name)
    part = ds.partitioning(pa.schema([(p, pa.string()) for p in partitions]),
                           flavor="hive") if partitions else None
    try:
        data = ds.dataset([str(f) for f in files], schema=schema, format="parquet",
                          partitioning=part, partition_base_dir=str(base))
        empty = True
        for batch in data.to_batches(batch_size=batch_rows, use_threads=False):
            if batch.num_rows:
                empty = False
                page = batch.to_pandas()
                page.attrs["source"] = name
                yield page
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        raise SourceError(f"cannot read the Parquet dataset {name}: {exc}") from None
    if empty:
        page = schema.empty_table().to_pandas()
        page.attrs["source"] = name
        yield page
