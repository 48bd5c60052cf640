"""Hand results between notebooks through files in the run folder.

Each notebook saves what the next ones need with :func:`save_table` (Parquet, plus a CSV
copy for people where asked), and the next notebook reads it with :func:`load_table`.
A ``manifest.json`` in the run folder lists every artefact with its rows and the
notebook or step that wrote it, so a run folder documents itself.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from custlib.errors import ParameterError, SourceError
from custlib.run.config import RunFolder

__all__ = ["load_table", "read_manifest", "save_figure", "save_json", "save_table"]

MANIFEST = "manifest.json"


def read_manifest(run: RunFolder) -> dict[str, Any]:
    """Return the run's manifest (``{}`` if nothing was saved yet).

    Parameters
    ----------
    run : RunFolder
    """
    path = run.root / MANIFEST
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _record(run: RunFolder, name: str, path: Path, written_by: str, **extra: Any) -> None:
    manifest = read_manifest(run)
    manifest[name] = {"path": str(path.relative_to(run.root)), "written_by": written_by,
                      "written_at": _dt.datetime.now().isoformat(timespec="seconds"),
                      **extra}
    text = json.dumps(manifest, indent=2, ensure_ascii=False)
    _atomic(run.root / MANIFEST, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def save_table(df: pd.DataFrame, run: RunFolder, name: str, *, written_by: str = "",
               csv: bool = False, kind: str = "data") -> Path:
    """Save a table to the run folder as Parquet (and optionally CSV).

    Parameters
    ----------
    df : pandas.DataFrame
        The table; a non-default index is kept.
    run : RunFolder
        The run folder.
    name : str
        Artefact name, used as the file stem (``transactions_clean``).
    written_by : str
        The notebook or step, for the manifest.
    csv : bool, default False
        Also write ``<name>.csv`` (UTF-8 with BOM so Excel shows Chinese text).
    kind : {'data', 'tables'}, default 'data'
        ``data`` for tables handed to later notebooks, ``tables`` for tables for people.

    Returns
    -------
    pathlib.Path
        The Parquet file.
    """
    if kind not in ("data", "tables"):
        raise ParameterError(f"kind is {kind!r}; expected 'data' or 'tables'")
    path = run.path(kind, f"{name}.parquet")
    _atomic(path, lambda tmp: df.to_parquet(tmp))
    if csv:
        _atomic(run.path(kind, f"{name}.csv"),
                lambda tmp: df.to_csv(tmp, encoding="utf-8-sig",
                                      index=not isinstance(df.index, pd.RangeIndex)))
    _record(run, name, path, written_by, rows=int(len(df)),
            columns=[str(c) for c in df.columns])
    return path


def _atomic(path: Path, write: Any) -> None:
    """Write through a temporary file and rename, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_table(run: RunFolder, name: str) -> pd.DataFrame:
    """Read a table saved by an earlier notebook of the same run.

    Parameters
    ----------
    run : RunFolder
    name : str
        The artefact name given to :func:`save_table`.

    Raises
    ------
    SourceError
        The artefact is not there: the message says which notebook writes it.
    """
    manifest = read_manifest(run)
    entry = manifest.get(name)
    path = run.root / entry["path"] if entry else run.data / f"{name}.parquet"
    if not path.exists():
        hint = "the notebook that writes it"
        if name in ("transactions_clean", "customers", "survey", "transactions_anonymous"):
            hint = "notebook 01_data_cleaning"
        raise SourceError(f"run {run.name!r} has no {name!r} table ({path}); run {hint} "
                          f"first, e.g. custlib run --run-name {run.name} --only 01")
    return pd.read_parquet(path)


def save_json(obj: Any, run: RunFolder, name: str, *, written_by: str = "") -> Path:
    """Save a JSON-serialisable object as ``<run>/data/<name>.json``.

    Parameters
    ----------
    obj : object
        Dicts, lists, numbers, strings (numpy scalars are converted).
    run : RunFolder
    name : str
    written_by : str
    """
    path = run.path("data", f"{name}.json")
    text = json.dumps(obj, indent=2, ensure_ascii=False, default=_jsonable)
    _atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    _record(run, name, path, written_by)
    return path


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (pd.Timestamp, _dt.date)):
        return value.isoformat()
    return str(value)


def save_figure(fig: Any, run: RunFolder, name: str, *,
                formats: tuple[str, ...] = ("png", "svg"), dpi: int = 150) -> list[Path]:
    """Save a matplotlib figure as PNG and SVG in ``<run>/figures``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    run : RunFolder
    name : str
        File stem.
    formats : tuple of str, default ('png', 'svg')
    dpi : int, default 150

    Returns
    -------
    list of pathlib.Path
    """
    paths = []
    for fmt in formats:
        path = run.path("figures", f"{name}.{fmt}")
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
        paths.append(path)
    return paths
