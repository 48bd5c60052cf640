"""Hand results between notebooks through files in the run folder.

Every file a run produces goes through this module, so that a ``manifest.json`` in the
run folder lists each one with the notebook or step that wrote it (and, for tables, its
rows and columns): the run folder documents itself.

- :func:`save_table` saves a table that later notebooks read back with :func:`load_table`
  (Parquet, plus a CSV copy for people where asked);
- :func:`save_csv` saves a table for people only (``tables/<name>.csv``);
- :func:`save_json`, :func:`save_figure`, :func:`save_text` and :func:`save_file` save
  settings, figures, pages and any other file;
- :func:`add_note` records a sentence about the run itself, such as a step a notebook
  computed because the notebook that makes it had not run (``notes.json``).

Every write is atomic (:func:`atomic_write`): a temporary file renamed into place, so a
reader never sees half a file and a failed write leaves the previous file as it was. The
run's own records (``run.json``, ``params.yaml``, ``index.html``, ``manifest.json``) are
written atomically too, but are not listed: they describe the run, they are not its
results.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from custlib.errors import ParameterError, SourceError
from custlib.run.config import RunFolder
from custlib.run.csvtext import write_csv

__all__ = ["MAKERS", "TABLE_BATCH_ROWS", "add_note", "atomic_write", "load_table",
           "read_manifest", "read_notes", "record", "save_csv", "save_figure", "save_file",
           "save_json", "save_table", "save_text", "table_path", "write_text"]

MANIFEST = "manifest.json"
NOTES = "notes.json"

#: The notebook that writes each artefact later notebooks read (for error messages).
MAKERS: dict[str, str] = {
    **dict.fromkeys(("transactions_clean", "transactions_anonymous", "customers", "survey",
                     "cleaning_summary"), "01_data_cleaning"),
    **dict.fromkeys(("customer_summary", "customer_segments"), "02_segmentation"),
    **dict.fromkeys(("customer_clv", "customer_value", "model_comparison", "btyd_params",
                     "clv_intervals"),
                    "03_clv"),
    **dict.fromkeys(("customer_lifecycle", "lifecycle_snapshots", "lifecycle_thresholds",
                     "purchase_days"), "04_lifecycle"),
}

#: Sub-folders a table may be saved in: handed on, for people, or a run's own input.
TABLE_KINDS = ("data", "tables", "input")


def atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Write ``path`` through a temporary file renamed into place.

    A reader never sees half a file; when ``write`` fails, the temporary file is removed
    and a previous ``path`` is left as it was.

    Parameters
    ----------
    path : pathlib.Path
        The file to write; its folder must exist.
    write : callable
        ``write(tmp)`` writes the whole content to the temporary path ``tmp``.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically, without listing it in a manifest.

    For the run's own records (``run.json``, ``params.yaml``, index pages).

    Parameters
    ----------
    path : pathlib.Path
    text : str

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path


def read_manifest(run: RunFolder) -> dict[str, Any]:
    """Return the run's manifest (``{}`` if nothing was saved yet).

    Parameters
    ----------
    run : RunFolder

    Returns
    -------
    dict
        ``{artefact name: {'path', 'written_by', 'written_at', ...}}``.
    """
    path = run.root / MANIFEST
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def record(run: RunFolder, name: str, path: Path, written_by: str, **extra: Any) -> None:
    """List a file already written in the run folder in its manifest.

    For a file another library wrote in place (an HTML rendering); prefer the ``save_*``
    functions, which write atomically and list in one call.

    Parameters
    ----------
    run : RunFolder
    name : str
        Artefact name (replaces an entry of the same name).
    path : pathlib.Path
        The file, inside ``run.root``.
    written_by : str
        The notebook or step.
    **extra
        JSON-serialisable facts kept with the entry.
    """
    manifest = read_manifest(run)
    manifest[name] = {"path": str(path.relative_to(run.root)), "written_by": written_by,
                      "written_at": _dt.datetime.now().isoformat(timespec="seconds"),
                      **extra}
    write_text(run.root / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))


def _shape(df: pd.DataFrame) -> dict[str, Any]:
    return {"rows": int(len(df)), "columns": [str(c) for c in df.columns]}


def _csv_index(df: pd.DataFrame, index: bool | None) -> bool:
    return not isinstance(df.index, pd.RangeIndex) if index is None else index


def _write_csv(df: pd.DataFrame, path: Path, index: bool | None) -> None:
    # UTF-8 with BOM so that Excel shows Chinese text; a big frame's lines made by DuckDB,
    # the same bytes as to_csv (custlib.run.csvtext)
    if isinstance(df, pd.DataFrame):
        atomic_write(path, lambda tmp: write_csv(df, tmp, index=_csv_index(df, index)))
    else:
        atomic_write(path, lambda tmp: df.to_csv(tmp, encoding="utf-8-sig",
                                                 index=_csv_index(df, index)))


#: Rows of a big table turned into Arrow and written at a time (:func:`save_table`)
TABLE_BATCH_ROWS = 4_000_000


def save_table(df: pd.DataFrame, run: RunFolder, name: str, *, written_by: str = "",
               csv: bool = False, kind: str = "data", index: bool | None = None,
               stem: str | None = None, text: tuple[str, ...] = ()) -> Path:
    """Save a table to the run folder as Parquet (and optionally CSV).

    Parameters
    ----------
    df : pandas.DataFrame or StagedLines
        The table; a non-default index is kept. Lines the DuckDB engine keeps
        (:class:`~custlib.data.engines.lines.StagedLines`) are written a batch at a time.
    run : RunFolder
        The run folder.
    name : str
        Artefact name, used as the file stem (``transactions_clean``).
    written_by : str
        The notebook or step, for the manifest.
    csv : bool, default False
        Also write ``<name>.csv`` (UTF-8 with BOM so Excel shows Chinese text).
    kind : {'data', 'tables', 'input'}, default 'data'
        ``data`` for tables handed to later notebooks, ``tables`` for tables for people,
        ``input`` for a run's own input files (a group of a batch run).
    index : bool, optional
        Write the index: default the Parquet default (kept unless a plain range) and,
        for the CSV, only a non-default index.
    stem : str, optional
        The file stem, when it differs from the artefact name (a batch group's input
        ``transactions`` is the artefact ``input_transactions``).
    text : tuple of str, default ()
        Columns written as text whatever their dtype (a categorical's values): the file
        reads back as text. A frame of more than :data:`TABLE_BATCH_ROWS` rows with a plain
        index is turned into Arrow and written that many rows at a time (and these columns
        turned into text a batch at a time), not whole: a customer x month table of 64M
        rows took 4 GiB more to save whole.

    Returns
    -------
    pathlib.Path
        The Parquet file.

    Raises
    ------
    ParameterError
        An unknown ``kind``.
    """
    if kind not in TABLE_KINDS:
        raise ParameterError(f"kind is {kind!r}; expected 'data', 'tables' or 'input'")
    path = run.path(kind, f"{stem or name}.parquet")
    if isinstance(df, pd.DataFrame):
        plain = isinstance(df.index, pd.RangeIndex) and df.index.start == 0 \
            and df.index.step == 1 and df.index.name is None and not index
        if plain and len(df) > TABLE_BATCH_ROWS:
            atomic_write(path, lambda tmp: _write_batches(df, tmp, text))
        else:
            whole = df.astype({c: "str" for c in text if c in df}) if text else df
            atomic_write(path, lambda tmp: whole.to_parquet(tmp, index=index))
    else:  # lines the DuckDB engine keeps, written a batch at a time
        atomic_write(path, df.to_parquet)
    extra: dict[str, Any] = {}
    if csv:
        copy = run.path(kind, f"{stem or name}.csv")
        _write_csv(df, copy, index)
        extra["csv"] = str(copy.relative_to(run.root))
    record(run, name, path, written_by, **_shape(df), **extra)
    return path


def _write_batches(df: pd.DataFrame, path: Path, text: tuple[str, ...]) -> None:
    """Write a frame with a plain index as Parquet, :data:`TABLE_BATCH_ROWS` rows at a time.

    The file reads back as ``df.to_parquet`` writes it (``text`` columns as text), with
    memory for one batch in Arrow instead of the whole table.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    def batch(start: int) -> pa.Table:
        part = df.iloc[start:start + TABLE_BATCH_ROWS]
        if text:
            part = part.astype({c: "str" for c in text if c in part})
        return pa.Table.from_pandas(part, preserve_index=False)

    first = batch(0)
    with pq.ParquetWriter(path, first.schema) as writer:
        writer.write_table(first)
        del first
        for start in range(TABLE_BATCH_ROWS, len(df), TABLE_BATCH_ROWS):
            writer.write_table(batch(start))
            pa.default_memory_pool().release_unused()


def save_csv(df: pd.DataFrame, run: RunFolder, name: str, *, written_by: str = "",
             kind: str = "tables", index: bool | None = None) -> Path:
    """Save a table for people as ``<run>/<kind>/<name>.csv`` (UTF-8 with BOM).

    Parameters
    ----------
    df : pandas.DataFrame
    run : RunFolder
    name : str
        Artefact name and file stem (``cleaning_log``).
    written_by : str
        The notebook or step, for the manifest.
    kind : {'tables', 'data', 'input'}, default 'tables'
    index : bool, optional
        Write the index; default only when it is not a plain range.

    Returns
    -------
    pathlib.Path
        The CSV file.
    """
    if kind not in TABLE_KINDS:
        raise ParameterError(f"kind is {kind!r}; expected 'tables', 'data' or 'input'")
    path = run.path(kind, f"{name}.csv")
    _write_csv(df, path, index)
    record(run, name, path, written_by, **_shape(df), format="csv")
    return path


def load_table(run: RunFolder, name: str, *, exclude: tuple[str, ...] = (),
               categories: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a table saved by an earlier notebook of the same run.

    Parameters
    ----------
    run : RunFolder
    name : str
        The artefact name given to :func:`save_table`.
    exclude : tuple of str, default ()
        Columns not read (those the table has; a big table's unused text columns).
    categories : tuple of str, default ()
        Text columns read as categories (those the table has): a code per line instead
        of a text, for text with few distinct values in a big table. The categories are
        sorted as the text sorts, so sorting and grouping order the values as text.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    SourceError
        The artefact is not there (the message names the notebook that writes it), or it
        is a CSV table for people (:func:`save_csv`), not one handed on.
    """
    path = table_path(run, name)
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    # an index stored as a column comes back as the index by itself
    stored = (schema.pandas_metadata or {}).get("index_columns", [])
    plain = all(_default_range(c) for c in stored)  # no index to restore: column by column
    if not plain and not exclude and not categories:
        return pd.read_parquet(path)
    index = {c for c in stored if isinstance(c, str)}
    coded = [c for c in categories if c in schema.names and c not in exclude
             and (pa.types.is_string(schema.field(c).type)
                  or pa.types.is_large_string(schema.field(c).type))]
    columns = [c for c in schema.names if c not in exclude and c not in index]
    df = (_read_column_by_column(path, columns, coded) if plain else
          pd.read_parquet(path, columns=columns, read_dictionary=coded or None))
    for c in coded:  # in the order of their first line: sorted as text instead
        df[c] = df[c].cat.reorder_categories(df[c].cat.categories.sort_values())
    return df


def table_path(run: RunFolder, name: str) -> Path:
    """The Parquet file of a table saved by an earlier notebook of the same run.

    Parameters
    ----------
    run : RunFolder
    name : str
        The artefact name given to :func:`save_table`.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    SourceError
        The artefact is not there (the message names the notebook that writes it), or it
        is a CSV table for people (:func:`save_csv`), not one handed on.
    """
    entry = read_manifest(run).get(name)
    path = run.root / entry["path"] if entry else run.data / f"{name}.parquet"
    if not path.exists():
        maker = MAKERS.get(name)
        how = (f"notebook {maker} first, e.g. custlib run --run-name {run.name} "
               f"--only {maker[:2]}" if maker else
               f"the notebook that writes it first, e.g. custlib run --run-name {run.name}")
        raise SourceError(f"run {run.name!r} has no {name!r} table ({path}); run {how}")
    if path.suffix != ".parquet":
        raise SourceError(f"artefact {name!r} of run {run.name!r} is {path.name}, a table "
                          "for people; load_table reads the Parquet tables notebooks hand on")
    return path


def _default_range(index: Any) -> bool:
    """Whether a stored index (pandas metadata) is the 0, 1, 2, ... a new frame gets."""
    return (isinstance(index, dict) and index.get("kind") == "range"
            and index.get("name") is None and index.get("start") == 0
            and index.get("step") == 1)


def _read_column_by_column(path: Path, columns: list[str], coded: list[str]) -> pd.DataFrame:
    """A Parquet table's columns as :func:`pandas.read_parquet` reads them, one at a time.

    Each column is read, turned into pandas (Arrow's buffers freed as they are turned) and
    the memory Arrow's pool kept is handed back before the next, so reading takes about
    the frame's own memory: :func:`pandas.read_parquet` holds the whole Arrow table and
    its pandas copy at once, and Arrow's pool keeps the freed table (the clean lines of a
    10M-line log: 1.09 GiB of resident memory for a frame of 0.46 GiB, 0.52 GiB this
    way). The frame is the same, value for value and type for type; its columns are not
    consolidated into blocks (that would copy them).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = pq.ParquetFile(path, read_dictionary=coded or None)
    parts: dict[str, pd.Series] = {}
    for c in columns:
        table = source.read(columns=[c])
        parts[c] = table.to_pandas(self_destruct=True, split_blocks=True)[c]
        del table
        pa.default_memory_pool().release_unused()
    return pd.DataFrame(parts, columns=columns, copy=False)


def save_json(obj: Any, run: RunFolder, name: str, *, written_by: str = "") -> Path:
    """Save a JSON-serialisable object as ``<run>/data/<name>.json``.

    Parameters
    ----------
    obj : object
        Dicts, lists, numbers, strings (numpy scalars are converted).
    run : RunFolder
    name : str
    written_by : str

    Returns
    -------
    pathlib.Path
    """
    path = run.path("data", f"{name}.json")
    write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, default=_jsonable))
    record(run, name, path, written_by)
    return path


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (pd.Timestamp, _dt.date)):
        return value.isoformat()
    return str(value)


def save_figure(fig: Any, run: RunFolder, name: str, *,
                formats: tuple[str, ...] = ("png", "svg"), dpi: int = 150,
                written_by: str = "") -> list[Path]:
    """Save a matplotlib figure as PNG and SVG in ``<run>/figures``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    run : RunFolder
    name : str
        Artefact name and file stem.
    formats : tuple of str, default ('png', 'svg')
    dpi : int, default 150
    written_by : str
        The notebook or step, for the manifest.

    Returns
    -------
    list of pathlib.Path
    """
    paths = []
    for fmt in formats:
        path = run.path("figures", f"{name}.{fmt}")
        atomic_write(path, functools.partial(_savefig, fig, fmt=fmt, dpi=dpi))
        paths.append(path)
    if paths:
        record(run, name, paths[0], written_by,
                files=[str(p.relative_to(run.root)) for p in paths])
    return paths


#: the metadata that leaves out the date a format would write
_NO_DATE: dict[str, dict[str, None]] = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}


def _savefig(fig: Any, tmp: Path, *, fmt: str, dpi: int) -> None:
    from custlib.plots.legibility import png_bytes

    if fmt == "png":  # a PNG records its smallest font, which the page checks need
        tmp.write_bytes(png_bytes(fig, dpi=dpi, bbox_inches="tight"))
        return
    # the same figure, the same bytes: no date written, and the ids of clip paths drawn from
    # a fixed salt instead of a random one
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "custlib"}):
        fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight",
                    metadata=_NO_DATE.get(fmt))


def save_file(run: RunFolder, filename: str, write: Callable[[Path], Any], *,
              kind: str = "", written_by: str = "", name: str | None = None) -> Path:
    """Save any file of a run (a page, a PDF) and list it in the manifest.

    Parameters
    ----------
    run : RunFolder
    filename : str
        The file's name (``report.pdf``).
    write : callable
        ``write(tmp)`` writes the whole file to the temporary path ``tmp``.
    kind : str, default ''
        The sub-folder (:meth:`RunFolder.path`); '' for the run folder itself.
    written_by : str
        The notebook or step, for the manifest.
    name : str, optional
        Artefact name; default ``filename``.

    Returns
    -------
    pathlib.Path
    """
    path = run.path(kind, filename)
    atomic_write(path, write)
    record(run, name or filename, path, written_by)
    return path


def save_text(text: str, run: RunFolder, filename: str, *, kind: str = "",
              written_by: str = "", name: str | None = None) -> Path:
    """Save a text file of a run (UTF-8), listed in the manifest; see :func:`save_file`.

    Parameters
    ----------
    text : str
    run : RunFolder
    filename : str
    kind : str, default ''
    written_by : str
    name : str, optional

    Returns
    -------
    pathlib.Path
    """
    return save_file(run, filename, lambda tmp: tmp.write_text(text, encoding="utf-8"),
                     kind=kind, written_by=written_by, name=name)


def read_notes(run: RunFolder) -> list[dict[str, Any]]:
    """Return the notes recorded about the run (``[]`` if none).

    Parameters
    ----------
    run : RunFolder

    Returns
    -------
    list of dict
        In the order written; each has ``step``, ``text``, ``written_at`` and the details
        given to :func:`add_note`.
    """
    path = run.root / NOTES
    if not path.exists():
        return []
    return list(json.loads(path.read_text(encoding="utf-8")))


def add_note(run: RunFolder, step: str, text: str, **details: Any) -> Path:
    """Record a sentence about the run in ``<run>/notes.json`` (shown on its index page).

    Parameters
    ----------
    run : RunFolder
    step : str
        What the note is about (``'segments'``).
    text : str
        The sentence, for people.
    **details
        JSON-serialisable facts (the notebook that had not run, the parameters used).

    Returns
    -------
    pathlib.Path
        ``notes.json``.
    """
    notes = read_notes(run)
    notes.append({"step": step, "text": text,
                  "written_at": _dt.datetime.now().isoformat(timespec="seconds"), **details})
    run.root.mkdir(parents=True, exist_ok=True)
    return write_text(run.root / NOTES, json.dumps(notes, indent=2, ensure_ascii=False,
                                                   default=_jsonable) + "\n")
