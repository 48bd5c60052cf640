"""Run the numbered notebooks in order with Papermill, into one run folder.

A run takes a parameter file (YAML), gives every notebook the parameters it declares in
its ``parameters`` cell, executes the notebooks in number order into
``reports/<run name>/notebooks``, renders each to HTML, and writes an index page. On a
failure it stops, names the notebook and the cell, and keeps the failed notebook for
inspection.

Used by ``custlib run --params params/demo.yaml`` and ``make report``.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import os
import re
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from custlib.config import NOTEBOOKS_DIR, RunFolder, resolve_path, run_folder
from custlib.errors import CustlibError, ParameterError, SourceError, format_list

__all__ = ["RunError", "RunResult", "discover_notebooks", "load_params",
           "notebook_parameters", "run"]

_NOTEBOOK = re.compile(r"^(\d{2})_[\w-]+\.ipynb$")
#: Parameter-file keys that steer the runner and are not passed to notebooks as such.
RUNNER_KEYS = ("run_name", "reports_dir", "notebooks")


def _kernel_manager_class() -> Any:
    """A kernel manager on local IPC sockets where available (no network ports, and no
    warning about unencrypted TCP on every run)."""
    from jupyter_client.manager import KernelManager

    class LocalKernelManager(KernelManager):
        def __init__(self, **kwargs: Any) -> None:
            kwargs.setdefault("transport", "ipc" if os.name == "posix" else "tcp")
            super().__init__(**kwargs)

    return LocalKernelManager


class RunError(CustlibError):
    """A notebook failed during a run; the message names the notebook and cell."""


@dataclass
class NotebookRun:
    """What happened to one notebook in a run."""

    name: str
    output: Path
    seconds: float = 0.0
    html: Path | None = None
    status: str = "pending"


@dataclass
class RunResult:
    """The outcome of :func:`run`.

    Attributes
    ----------
    folder : RunFolder
        The run folder.
    notebooks : list of NotebookRun
        One entry per notebook run, in order.
    report : pathlib.Path
        The main output: the written report if the report notebook ran, else the run's
        index page.
    """

    folder: RunFolder
    notebooks: list[NotebookRun] = field(default_factory=list)
    report: Path | None = None


def discover_notebooks(folder: str | os.PathLike[str] = NOTEBOOKS_DIR) -> list[Path]:
    """Return the numbered notebooks (``NN_name.ipynb``) in number order.

    Parameters
    ----------
    folder : path-like
        Where the notebooks are (default: the project's ``notebooks/``).
    """
    root = resolve_path(folder, must_exist=True)
    found = sorted(p for p in root.glob("*.ipynb") if _NOTEBOOK.match(p.name))
    if not found:
        raise SourceError(f"no numbered notebooks (NN_name.ipynb) in {root}")
    return found


def notebook_parameters(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Return the parameters a notebook declares in its cell tagged ``parameters``.

    Parameters
    ----------
    path : path-like
        The notebook.

    Returns
    -------
    dict
        ``{name: {'default': str, 'type': str, 'help': str}}`` as read by Papermill.
    """
    import papermill

    params = papermill.inspect_notebook(str(path))
    return {name: {"default": p["default"], "type": p["inferred_type_name"],
                   "help": p["help"]} for name, p in params.items()}


def load_params(source: str | os.PathLike[str] | Mapping[str, Any] | None) -> dict[str, Any]:
    """Read a parameter file (YAML mapping) or pass a mapping through.

    Parameters
    ----------
    source : path-like, mapping or None
        A YAML file such as ``params/demo.yaml``; relative paths are read from the
        project root.

    Returns
    -------
    dict
    """
    if source is None:
        return {}
    if isinstance(source, Mapping):
        return dict(source)
    from custlib.io import read_yaml_mapping

    return read_yaml_mapping(source, ParameterError,
                             "a mapping of parameter names to values")


_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,), "int": (int,), "float": (int, float), "bool": (bool,),
    "dict": (dict,), "list": (list, tuple),
}


def _check_type(name: str, value: Any, type_name: str, where: str) -> None:
    expected = _TYPES.get(type_name.replace("typing.", "").split("[")[0])
    if expected is None or value is None:
        return
    ok = isinstance(value, expected) and not (type_name in ("int", "float")
                                              and isinstance(value, bool))
    if not ok:
        raise ParameterError(f"parameter {name!r} is {value!r} ({type(value).__name__}); "
                             f"{where} expects {type_name}")


def _select(notebooks: list[Path], only: Sequence[str] | None) -> list[Path]:
    if not only:
        return notebooks
    chosen: list[Path] = []
    for token in only:
        token = str(token).strip()
        hits = [p for p in notebooks
                if token in (p.stem, p.name, p.name[:2]) or p.name.startswith(token)]
        if not hits:
            raise ParameterError(f"--only {token!r} matches no notebook; notebooks are "
                                 f"{format_list(p.name for p in notebooks)}")
        chosen.extend(h for h in hits if h not in chosen)
    return sorted(chosen)


def _failure_message(nb_name: str, output: Path, exc: Exception) -> str:
    cell = getattr(exc, "cell_index", None)
    count = getattr(exc, "exec_count", None)
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    if count is not None:
        where = f"cell In [{count}]"
    elif cell is not None:
        where = f"cell {cell}"
    else:
        where = "a cell"
    first_line = ""
    if count is not None and output.exists():
        import nbformat

        try:
            cells = nbformat.read(str(output), as_version=4).cells
            failed = [c for c in cells if c.get("execution_count") == count]
            first_line = str(failed[0].source).strip().splitlines()[0] if failed else ""
        except (IndexError, OSError, ValueError):
            first_line = ""
    if first_line:
        where += f", which begins {first_line[:80]!r},"
    return (f"notebook {nb_name} failed in {where} with {ename}: {evalue}\n"
            f"the executed notebook is kept for inspection: {output}")


def render_html(notebook: Path, target: Path) -> Path:
    """Render an executed notebook to a self-contained HTML file.

    Parameters
    ----------
    notebook : pathlib.Path
        The executed ``.ipynb``.
    target : pathlib.Path
        The HTML file to write.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook), as_version=4)
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return target


def _write_index(result: RunResult, params: Mapping[str, Any]) -> Path:
    rf = result.folder
    rows = []
    for nb in result.notebooks:
        link = (f'<a href="{html.escape(os.path.relpath(nb.html, rf.root))}">HTML</a>'
                if nb.html else "")
        ipynb = html.escape(os.path.relpath(nb.output, rf.root))
        rows.append(f"<tr><td>{html.escape(nb.name)}</td><td>{nb.status}</td>"
                    f"<td>{nb.seconds:.1f} s</td><td>{link}</td>"
                    f'<td><a href="{ipynb}">notebook</a></td></tr>')
    artefacts = []
    for sub in ("data", "tables", "figures"):
        folder = rf.root / sub
        if folder.is_dir():
            for p in sorted(folder.iterdir()):
                rel = html.escape(os.path.relpath(p, rf.root))
                artefacts.append(f'<li><a href="{rel}">{rel}</a> '
                                 f"({p.stat().st_size / 1024:,.0f} KiB)</li>")
    documents = [f'<li><a href="{name}">{name}</a> ({(rf.root / name).stat().st_size / 1024:,.0f}'
                 " KiB)</li>" for name in ("report.html", "report.pdf", "report_segments.html",
                                          "report_segments.pdf") if (rf.root / name).exists()]
    reports = f"<h2>Reports</h2><ul>{''.join(documents)}</ul>" if documents else ""
    shown = html.escape(yaml.safe_dump(dict(params), allow_unicode=True, sort_keys=False))
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>custlib run {html.escape(rf.name)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3rem .6rem}}
pre{{background:#f6f6f6;padding:1rem}}</style></head><body>
<h1>Run <code>{html.escape(rf.name)}</code></h1>
<p>Written {_dt.datetime.now().strftime('%Y-%m-%d %H:%M')} by custlib.</p>
{reports}
<h2>Notebooks</h2>
<table><tr><th>notebook</th><th>status</th><th>time</th><th>rendered</th><th>source</th></tr>
{''.join(rows)}</table>
<h2>Artefacts</h2><ul>{''.join(artefacts) or '<li>none</li>'}</ul>
<h2>Parameters</h2><pre>{shown}</pre>
</body></html>
"""
    path = rf.root / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def run(params: str | os.PathLike[str] | Mapping[str, Any] | None = None, *,
        only: Sequence[str] | None = None, run_name: str | None = None,
        reports_dir: str | os.PathLike[str] | None = None,
        notebooks_dir: str | os.PathLike[str] = NOTEBOOKS_DIR,
        html_output: bool = True, progress: bool = True,
        kernel_name: str | None = None, stream: Any = None) -> RunResult:
    """Execute the numbered notebooks with Papermill into a run folder.

    Parameters
    ----------
    params : path-like or mapping, optional
        The parameter file (``params/demo.yaml``) or a mapping. Its keys are notebook
        parameters (each notebook receives those it declares) plus ``run_name`` and
        ``reports_dir``. A key no notebook declares is an error, so a typo is not
        silently ignored.
    only : sequence of str, optional
        Run a subset: notebook numbers (``"01"``), names or stems.
    run_name : str, optional
        Overrides ``params['run_name']`` (default ``"demo"``).
    reports_dir : path-like, optional
        Where run folders go; overrides ``params['reports_dir']``.
    notebooks_dir : path-like
        Where the notebooks are.
    html_output : bool, default True
        Render every executed notebook to HTML.
    progress : bool, default True
        Show a progress bar naming the running notebook.
    kernel_name : str, optional
        The Jupyter kernel; default the one of the running Python.
    stream : file-like, optional
        Where to print progress and messages (default ``sys.stderr``).

    Returns
    -------
    RunResult

    Raises
    ------
    ParameterError
        Unknown parameter, wrong type, bad ``--only``.
    RunError
        A notebook failed; the message names it and the cell, and the executed
        notebook is kept.
    """
    import papermill
    from tqdm.auto import tqdm

    stream = stream or sys.stderr
    values = load_params(params)
    notebooks = discover_notebooks(notebooks_dir)
    selected = _select(notebooks, only)
    declared = {nb.name: notebook_parameters(nb) for nb in notebooks}
    known = set(RUNNER_KEYS).union(*[set(d) for d in declared.values()])
    unknown = [k for k in values if k not in known]
    if unknown:
        raise ParameterError(f"unknown parameter(s) {format_list(unknown)}; the notebooks "
                             f"take {format_list(sorted(known), 60)}")
    name = run_name or values.get("run_name") or "demo"
    target_root = reports_dir or values.get("reports_dir") or None
    rf = run_folder(str(name), target_root)
    rf.notebooks.mkdir(parents=True, exist_ok=True)
    values = {**values, "run_name": rf.name, "reports_dir": str(rf.root.parent)}
    (rf.root / "params.yaml").write_text(
        yaml.safe_dump(values, allow_unicode=True, sort_keys=False), encoding="utf-8")

    # check every notebook's parameters before running anything
    plans: list[tuple[Path, dict[str, Any]]] = []
    for nb in selected:
        spec = declared[nb.name]
        for key, value in values.items():
            if key in spec:
                _check_type(key, value, spec[key]["type"], f"notebook {nb.name}")
        plans.append((nb, {k: v for k, v in values.items() if k in spec}))

    result = RunResult(folder=rf)
    result.notebooks = [NotebookRun(nb.name, rf.notebooks / nb.name) for nb, _ in plans]
    bar = tqdm(total=len(plans), desc="custlib run", unit="notebook", file=stream,
               disable=not progress, dynamic_ncols=True)
    try:
        for (nb, nb_params), record in zip(plans, result.notebooks):
            bar.set_description(f"running {nb.name}")
            start = time.perf_counter()
            try:
                papermill.execute_notebook(
                    str(nb), str(record.output), parameters=nb_params,
                    kernel_name=kernel_name, progress_bar=False, cwd=str(rf.root),
                    log_output=False, kernel_manager_class=_kernel_manager_class())
            except Exception as exc:  # papermill raises its own and kernel errors
                record.seconds = time.perf_counter() - start
                record.status = "failed"
                if html_output and record.output.exists():
                    record.html = render_html(record.output, rf.html / f"{nb.stem}.html")
                _write_index(result, values)
                raise RunError(_failure_message(nb.name, record.output, exc)) from None
            record.seconds = time.perf_counter() - start
            record.status = "ok"
            if html_output:
                record.html = render_html(record.output, rf.html / f"{nb.stem}.html")
            bar.update(1)
    finally:
        bar.close()
    index = _write_index(result, values)
    report = rf.root / "report.html"
    result.report = report if report.exists() else index
    (rf.root / "run.json").write_text(json.dumps({
        "run_name": rf.name,
        "finished": _dt.datetime.now().isoformat(timespec="seconds"),
        "notebooks": [{"name": r.name, "status": r.status, "seconds": round(r.seconds, 2)}
                      for r in result.notebooks],
        "report": str(result.report),
    }, indent=2), encoding="utf-8")
    return result
