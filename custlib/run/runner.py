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

from custlib.errors import CustlibError, ParameterError, SourceError, format_list
from custlib.run.config import NOTEBOOKS_DIR, RunFolder, resolve_path, run_folder

__all__ = ["RunError", "RunInterrupted", "RunResult", "discover_notebooks", "load_params",
           "notebook_parameters", "run"]

_NOTEBOOK = re.compile(r"^(\d{2})_[\w-]+\.ipynb$")
#: Parameter-file keys that steer the runner and are not passed to notebooks as such.
RUNNER_KEYS = ("run_name", "reports_dir", "notebooks")


#: Kernel managers started by this process, so that an interrupted run can shut them down.
_KERNELS: list[Any] = []


def _kernel_manager_class() -> Any:
    """A kernel manager on local IPC sockets where available (no network ports, and no
    warning about unencrypted TCP on every run); every instance is remembered in
    ``_KERNELS`` so that :func:`_shutdown_kernels` can stop it after Ctrl-C.
    """
    from jupyter_client.manager import KernelManager

    class LocalKernelManager(KernelManager):
        def __init__(self, **kwargs: Any) -> None:
            kwargs.setdefault("transport", "ipc" if os.name == "posix" else "tcp")
            super().__init__(**kwargs)
            _KERNELS.append(self)

    return LocalKernelManager


def _shutdown_kernels() -> None:
    """Stop the kernels this process started and remove their connection and socket
    files. A kernel runs in its own session, so Ctrl-C does not reach it: its process
    group is killed here.
    """
    import signal

    while _KERNELS:
        km = _KERNELS.pop()
        proc = getattr(getattr(km, "provisioner", None), "process", None)
        if proc is not None and proc.poll() is None:
            try:
                if os.name == "posix":
                    os.killpg(proc.pid, signal.SIGKILL)
                else:  # pragma: no cover
                    proc.kill()
                proc.wait(timeout=10)
            except (OSError, ValueError, Exception):  # noqa: BLE001 - best effort
                pass
        for cleanup in ("cleanup_connection_file", "cleanup_ipc_files"):
            try:
                getattr(km, cleanup)()
            except Exception:  # noqa: BLE001 - best effort
                pass


class RunError(CustlibError):
    """A notebook failed during a run; the message names the notebook and cell."""


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C (SIGINT); ``folder`` is where the interrupted run is kept."""

    def __init__(self, message: str, folder: Path) -> None:
        super().__init__(message)
        self.folder = folder


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
    from custlib.data.loading import read_yaml_mapping

    return read_yaml_mapping(source, ParameterError,
                             "a mapping of parameter names to values")


def _select(notebooks: list[Path], only: Sequence[str] | None) -> list[Path]:
    if not only:
        return notebooks
    chosen: list[Path] = []
    for token in only:
        token = str(token).strip()
        if token.isdigit() and len(token) < 2:
            token = token.zfill(2)  # --only 3 is notebook 03
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

    The cell outputs are sanitised first (:func:`custlib.safety.sanitize_notebook`): text
    from data or parameters that reached an output as Markdown or HTML is shown, never run.

    Parameters
    ----------
    notebook : pathlib.Path
        The executed ``.ipynb``.
    target : pathlib.Path
        The HTML file to write.
    """
    import nbformat
    from nbconvert import HTMLExporter

    from custlib.safety import sanitize_notebook

    nb = sanitize_notebook(nbformat.read(str(notebook), as_version=4))
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return target


_STATUS_TEXT = {
    "running": "RUNNING: this run has not finished; its results are incomplete.",
    "ok": "",
    "failed": "FAILED: a notebook failed; the results below are incomplete. The last "
              "successful run, if any, is still in the run folder without this suffix.",
    "interrupted": "INTERRUPTED (Ctrl-C): the results below are incomplete. The last "
                   "successful run, if any, is still in the run folder without this suffix.",
}


def _write_index(result: RunResult, params: Mapping[str, Any], status: str = "ok",
                 name: str | None = None) -> Path:
    rf = result.folder
    rows = []
    for nb in result.notebooks:
        link = (f'<a href="{html.escape(os.path.relpath(nb.html, rf.root))}">HTML</a>'
                if nb.html and nb.html.exists() else "")
        ipynb = html.escape(os.path.relpath(nb.output, rf.root))
        source = f'<a href="{ipynb}">notebook</a>' if nb.output.exists() else ""
        rows.append(f"<tr><td>{html.escape(nb.name)}</td><td>{html.escape(nb.status)}</td>"
                    f"<td>{nb.seconds:.1f} s</td><td>{link}</td>"
                    f"<td>{source}</td></tr>")
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
    reports = (f"<h2>Reports</h2><ul>{''.join(documents)}</ul>"
               if documents and status == "ok" else "")
    shown = html.escape(yaml.safe_dump(dict(params), allow_unicode=True, sort_keys=False))
    title = html.escape(name or rf.name)
    banner = (f'<p class="status {html.escape(status)}"><strong>'
              f"{html.escape(_STATUS_TEXT.get(status, status))}</strong></p>"
              if _STATUS_TEXT.get(status, status) else "")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>custlib run {title}{'' if status == 'ok' else ' ' + html.escape(status.upper())}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3rem .6rem}}
pre{{background:#f6f6f6;padding:1rem}}.status{{padding:.6rem;border:2px solid #c62828;
color:#c62828}}.status.running{{border-color:#ef6c00;color:#ef6c00}}</style></head><body>
<h1>Run <code>{title}</code></h1>
{banner}
<p>Written {_dt.datetime.now().strftime('%Y-%m-%d %H:%M')} by custlib; status:
{html.escape(status)}.</p>
{reports}
<h2>Notebooks</h2>
<table><tr><th>notebook</th><th>status</th><th>time</th><th>rendered</th><th>source</th></tr>
{''.join(rows)}</table>
<h2>Artefacts</h2><ul>{''.join(artefacts) or '<li>none</li>'}</ul>
<h2>Parameters</h2><pre>{shown}</pre>
</body></html>
"""
    path = rf.root / "index.html"
    _atomic_write(path, page)
    return path


def _atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader never sees half a file."""
    from custlib.run.artefacts import write_text

    write_text(path, text)


def _write_run_json(result: RunResult, status: str, name: str, started: str,
                    error: str = "", folder: Path | None = None) -> Path:
    """Write ``run.json``: the run's status now ('running', 'ok', 'failed' or
    'interrupted') and every notebook's.
    """
    rf = result.folder
    report = rf.root / "report.html"
    data = {
        "run_name": name,
        "status": status,
        "folder": str(folder or rf.root),
        "started": started,
        "updated": _dt.datetime.now().isoformat(timespec="seconds"),
        "finished": (_dt.datetime.now().isoformat(timespec="seconds")
                     if status != "running" else None),
        "pid": os.getpid(),
        "notebooks": [{"name": r.name, "status": r.status, "seconds": round(r.seconds, 2)}
                      for r in result.notebooks],
        "report": ("report.html" if report.exists() else "index.html") if status == "ok"
        else None,
        "error": error or None,
    }
    path = rf.root / "run.json"
    _atomic_write(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path


#: The longest run name :func:`custlib.run.config.run_folder` accepts; sibling folders
#: (``.partial-<pid>``, ``.failed``) are run names too, since the notebooks open them.
_MAX_RUN_NAME = 100


def _sibling(final: Path, suffix: str) -> Path:
    """``<reports>/<name><suffix>``, itself a valid run name (at most 100 characters).

    A name too long for the suffix keeps its first characters and gets 8 hex digits of
    the full name's SHA-1, so two run names sharing a long prefix never share a sibling
    (and one name always gets the same one).
    """
    import hashlib

    name = final.name
    if len(name) + len(suffix) > _MAX_RUN_NAME:
        digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
        name = f"{name[:_MAX_RUN_NAME - len(suffix) - 9]}-{digest}"
    return final.with_name(f"{name}{suffix}")


def _remove(path: Path) -> None:
    import shutil

    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def _swap_in(partial: Path, final: Path) -> list[Path]:
    """Replace ``final`` by ``partial``: the old folder is renamed aside, the new one
    renamed into place (both atomic renames in one folder), then the old one removed.

    Returns
    -------
    list of pathlib.Path
        Folders that could not be removed afterwards (the old run), to say so; the swap
        itself succeeded.

    Raises
    ------
    RunError
        A rename failed. The previous run is put back in ``final`` first (the message
        says so), or, if that fails too, the message says where it is; ``partial`` is
        left as it was.
    """
    old = None
    if final.exists() or final.is_symlink():
        old = _sibling(final, f".old-{os.getpid()}")
        _remove(old)
        try:
            final.rename(old)
        except OSError as exc:
            raise RunError(f"could not move the previous run {final} aside to {old} "
                           f"({exc}); it is unchanged") from exc
    try:
        partial.rename(final)
    except BaseException as exc:
        if old is not None:
            try:
                old.rename(final)
            except OSError as again:
                if not isinstance(exc, Exception):  # Ctrl-C and the like go on
                    raise exc from again
                raise RunError(f"could not rename {partial} to {final} ({exc}) nor put the "
                               f"previous run back: it is in {old} ({again}); {final} "
                               "does not exist until it is renamed back or a run "
                               "succeeds") from exc
        if not isinstance(exc, Exception):
            raise
        back = (f"the previous run is back in {final}, unchanged" if old is not None
                else f"{final} was not there before")
        raise RunError(f"could not rename {partial} to {final} ({exc}); {back}") from exc
    if old is not None:
        try:
            _remove(old)
        except OSError:
            return [old]
    return []


def _keep_unsuccessful(partial: Path, final: Path) -> Path:
    """Move an unsuccessful run to ``<name>.failed`` (replacing an older one)."""
    failed = _sibling(final, ".failed")
    _remove(failed)
    partial.rename(failed)
    return failed


_LAST_ATTEMPT = re.compile(r'<div class="status last-attempt"[^>]*>.*?</div>\n?', re.S)
_BODY = re.compile(r"<body[^>]*>", re.I)


def _mark_previous(final: Path, status: str, when: str, kept: Path) -> list[Path]:
    """Say in the previous successful run that the latest attempt did not succeed.

    ``run.json`` gets ``last_attempt: {status, when, folder}`` and ``index.html``,
    ``report.html`` and ``report_segments.html`` a banner at the top of the page
    linking ``kept``, replacing an older banner. A later successful run replaces the
    whole folder, and with it these marks.

    Parameters
    ----------
    final : pathlib.Path
        The previous run's folder ``<reports>/<name>`` (nothing is done if it is
        missing).
    status : str
        ``'failed'`` or ``'interrupted'``.
    when : str
        When the attempt started (ISO 8601).
    kept : pathlib.Path
        Where the unsuccessful attempt is kept.

    Returns
    -------
    list of pathlib.Path
        Files that could not be marked (best effort: the failure itself matters more).
    """
    if not final.is_dir():
        return []
    missed: list[Path] = []
    state = final / "run.json"
    if state.is_file():
        try:
            data = json.loads(state.read_text(encoding="utf-8"))
            data["last_attempt"] = {"status": status, "when": when, "folder": str(kept)}
            _atomic_write(state, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        except (OSError, ValueError, TypeError):
            missed.append(state)
    href = html.escape(f"../{kept.name}/index.html")
    banner = (f'<div class="status last-attempt" style="padding:.6rem;margin:0 0 1rem;'
              f'border:2px solid #c62828;color:#c62828;background:#fff;font-family:'
              f'system-ui,sans-serif"><strong>Not current: the latest run, started '
              f"{html.escape(when)}, {html.escape(status.upper())}: see "
              f'<a href="{href}">{html.escape(kept.name)}/</a>. This page shows the '
              "previous successful run.</strong></div>\n")
    for page in ("index.html", "report.html", "report_segments.html"):
        path = final / page
        if not path.is_file():
            continue
        try:
            text = _LAST_ATTEMPT.sub("", path.read_text(encoding="utf-8"))
            body = _BODY.search(text)
            if body is None:
                missed.append(path)
                continue
            _atomic_write(path, text[:body.end()] + banner + text[body.end():])
        except (OSError, ValueError):
            missed.append(path)
    return missed


def _relocate(record: NotebookRun, old: Path, new: Path) -> None:
    record.output = new / record.output.relative_to(old)
    if record.html is not None:
        record.html = new / record.html.relative_to(old)


def run(params: str | os.PathLike[str] | Mapping[str, Any] | None = None, *,
        only: Sequence[str] | None = None, run_name: str | None = None,
        reports_dir: str | os.PathLike[str] | None = None,
        notebooks_dir: str | os.PathLike[str] = NOTEBOOKS_DIR,
        html_output: bool = True, progress: bool = True,
        kernel_name: str | None = None, stream: Any = None,
        fresh_folder: bool = True) -> RunResult:
    """Execute the numbered notebooks with Papermill into a run folder.

    Every parameter is checked first (:func:`custlib.run.params.validate`): nothing is
    written when one is wrong. The run is then built in a fresh sibling folder
    ``<reports>/<name>.partial-<pid>`` (the name the notebooks receive as ``run_name``)
    and renamed to ``<reports>/<name>`` only when every notebook succeeded, replacing the
    previous run. A run that fails or is interrupted is kept as ``<reports>/<name>.failed``
    (replacing an older one); the previous successful run keeps its results, and its
    ``run.json`` gets ``last_attempt: {status, when, folder}`` and its ``index.html`` and
    ``report.html`` a banner saying that the latest run failed and where it is
    (:func:`_mark_previous`), until the next success replaces it. ``run.json`` says at
    every moment what the folder holds: ``status`` is ``running`` while the notebooks
    run, then ``ok``, ``failed`` or ``interrupted``. A failure of the runner itself
    (rendering, a full disk, the final rename) ends the run the same way as a failing
    notebook; if the final rename fails, the previous run is put back first.

    Parameters
    ----------
    params : path-like or mapping, optional
        The parameter file (``params/demo.yaml``) or a mapping. Its keys are notebook
        parameters (each notebook receives those it declares) plus ``run_name`` and
        ``reports_dir``. A key no notebook declares is an error, so a typo is not
        silently ignored.
    only : sequence of str, optional
        Run a subset: notebook numbers (``"01"`` or ``"1"``), names or stems.
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
    fresh_folder : bool, default True
        Build in a fresh sibling folder and swap it in on success. False writes into
        the run folder directly (used by batch runs, whose whole batch folder is fresh).

    Returns
    -------
    RunResult

    Raises
    ------
    ParameterError
        Unknown parameter, wrong type or value, bad ``--only`` or run name.
    RunError
        A notebook failed (the message names it and the cell, and where the executed
        notebook is kept), or the runner failed while rendering, writing or renaming
        (the message says at which step, with the error, and where the run is kept).
    RunInterrupted
        Ctrl-C: the kernel is stopped, the run marked ``interrupted`` and kept.
    """
    import papermill
    from tqdm.auto import tqdm

    from custlib.run.params import validate

    stream = stream or sys.stderr
    values = load_params(params)
    source = "" if params is None or isinstance(params, Mapping) else str(params)
    notebooks = discover_notebooks(notebooks_dir)
    selected = _select(notebooks, only)
    declared = {nb.name: notebook_parameters(nb) for nb in notebooks}
    values = validate(values, declared, source=source, runner_keys=RUNNER_KEYS)
    name = run_name or values.get("run_name") or "demo"
    target_root = reports_dir or values.get("reports_dir") or None
    final = run_folder(str(name), target_root, create=False)
    recorded = {**values, "run_name": final.name, "reports_dir": str(final.root.parent)}
    if fresh_folder:
        rf = RunFolder(_sibling(final.root, f".partial-{os.getpid()}"))
        _remove(rf.root)
    else:
        rf = final
    # the notebooks resolve the folder from these two: the partial folder while building
    passed = {**values, "run_name": rf.name, "reports_dir": str(rf.root.parent)}
    plans = [(nb, {k: v for k, v in passed.items() if k in declared[nb.name]})
             for nb in selected]
    result = RunResult(folder=rf)
    result.notebooks = [NotebookRun(nb.name, rf.notebooks / nb.name) for nb, _ in plans]
    started = _dt.datetime.now().isoformat(timespec="seconds")
    given_up: list[str] = []  # the status the run was marked with, once it is

    def note(text: str) -> None:
        print(f"custlib run: note: {text}", file=stream)

    def give_up(status: str, error: str) -> Path:
        """Mark the run failed or interrupted and move it aside; return where it is.
        The previous successful run, if any, is marked too (:func:`_mark_previous`).
        """
        given_up.append(status)
        _write_run_json(result, status, final.name, started, error,
                        folder=_sibling(final.root, ".failed") if fresh_folder else None)
        _write_index(result, recorded, status, final.name)
        if not fresh_folder:
            return rf.root
        try:
            kept = _keep_unsuccessful(rf.root, final.root)
        except OSError as exc:  # it stays where it is, and its run.json says so
            _write_run_json(result, status, final.name, started, error, folder=rf.root)
            note(f"could not move the run to {_sibling(final.root, '.failed')} ({exc})")
            return rf.root
        for r in result.notebooks:
            _relocate(r, rf.root, kept)
        result.folder = RunFolder(kept)
        for path in _mark_previous(final.root, status, started, kept):
            note(f"could not mark {path} as superseded by the {status} run {kept}")
        return kept

    bar = tqdm(total=len(plans), desc="custlib run", unit="notebook", file=stream,
               disable=not progress, dynamic_ncols=True)
    record: NotebookRun | None = None
    start = time.perf_counter()
    stage = "preparing the run folder"
    leftovers: list[Path] = []
    try:
        rf.create()
        rf.notebooks.mkdir(parents=True, exist_ok=True)
        _atomic_write(rf.root / "params.yaml",
                      yaml.safe_dump(recorded, allow_unicode=True, sort_keys=False))
        _write_run_json(result, "running", final.name, started, folder=final.root)
        _write_index(result, recorded, "running", final.name)
        for (nb, nb_params), record in zip(plans, result.notebooks):
            stage = f"starting {nb.name}"
            bar.set_description(f"running {nb.name}")
            record.status = "running"
            _write_run_json(result, "running", final.name, started, folder=final.root)
            start = time.perf_counter()
            stage = f"running {nb.name}"
            try:
                _execute(papermill.execute_notebook,
                         str(nb), str(record.output), parameters=nb_params,
                         kernel_name=kernel_name, progress_bar=False, cwd=str(rf.root),
                         log_output=False, kernel_manager_class=_kernel_manager_class())
            except Exception as exc:  # papermill raises its own and kernel errors
                record.seconds = time.perf_counter() - start
                record.status = "failed"
                _shutdown_kernels()
                if html_output and record.output.exists():
                    try:
                        record.html = render_html(record.output, rf.html / f"{nb.stem}.html")
                    except Exception:  # noqa: BLE001 - the failure itself matters more
                        record.html = None
                message = _failure_message(nb.name, record.output, exc)
                kept = give_up("failed", message.splitlines()[0])
                raise RunError(message.replace(str(rf.root), str(kept))) from None
            record.seconds = time.perf_counter() - start
            record.status = "ok"
            if html_output:
                stage = f"rendering {nb.name} to HTML"
                record.html = render_html(record.output, rf.html / f"{nb.stem}.html")
            stage = f"writing run.json after {nb.name}"
            _write_run_json(result, "running", final.name, started, folder=final.root)
            bar.update(1)
        stage = "writing run.json"
        _write_run_json(result, "ok", final.name, started, folder=final.root)
        stage = "writing the index page"
        index = _write_index(result, recorded, "ok", final.name)
        if fresh_folder:
            stage = "moving the new run into place"
            leftovers = _swap_in(rf.root, final.root)
    except KeyboardInterrupt:
        if given_up:
            raise
        import signal

        try:  # a second Ctrl-C must not leave the run half-marked
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:  # not the main thread
            previous = None
        try:
            bar.close()
            _shutdown_kernels()
            _stop_workers()
            _shutdown_kernels()  # a kernel the thread was still starting
            for r in result.notebooks:
                if r.status == "running":
                    r.status = "interrupted"
                    r.seconds = time.perf_counter() - start
            kept = give_up("interrupted", "interrupted by Ctrl-C (SIGINT)")
            _cleanup_sockets(kept)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        raise RunInterrupted(f"stopped in {record.name if record else 'the start'}; the "
                             f"run is kept, marked interrupted, in {kept}", kept) from None
    except BaseException as exc:  # the runner itself failed: disk full, rendering, rename
        if given_up:  # a notebook failed and the run is marked already
            raise
        bar.close()
        _shutdown_kernels()
        for r in result.notebooks:
            if r.status == "running":
                r.status = "failed"
                r.seconds = time.perf_counter() - start
        what = (f": {exc}" if isinstance(exc, CustlibError)
                else f" with {type(exc).__name__}: {exc}")
        message = f"the run stopped while {stage}{what}"
        try:
            kept = give_up("failed", message.splitlines()[0])
            where = f"the run is kept, marked failed, in {kept}"
        except Exception as again:  # noqa: BLE001 - say both, raise the first
            where = (f"and it could not be marked failed ({type(again).__name__}: "
                     f"{again}); what was written is in {rf.root}")
        if not isinstance(exc, Exception):  # SystemExit and the like go on
            raise
        raise RunError(f"{message}\n{where}") from exc
    finally:
        bar.close()
        _KERNELS.clear()
    if fresh_folder:
        try:
            _remove(_sibling(final.root, ".failed"))  # older than this successful run
        except OSError:
            leftovers.append(_sibling(final.root, ".failed"))
        for r in result.notebooks:
            _relocate(r, rf.root, final.root)
        result.folder = final
        index = final.root / "index.html"
        for path in leftovers:
            note(f"the new run is in place; {path} is left over and can be deleted")
    report = final.root / "report.html"
    result.report = report if report.exists() else index
    return result


_WORKERS: list[Any] = []


def _execute(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``function`` in a worker thread and wait for it.

    nbclient, in the main thread, catches SIGINT itself (to shut its kernel down) and then
    keeps waiting for the interrupted cell; run in a worker thread it leaves signals alone,
    so Ctrl-C reaches the runner as KeyboardInterrupt, which stops the kernel itself
    (:func:`_shutdown_kernels`).
    """
    import threading

    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = function(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    worker = threading.Thread(target=target, name="custlib-notebook", daemon=True)
    _WORKERS.append(worker)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)
    _WORKERS.remove(worker)
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _stop_workers(timeout: float = 10.0) -> None:
    """Wait (a little) for notebook threads to notice that their kernel is gone."""
    deadline = time.monotonic() + timeout
    for worker in list(_WORKERS):
        worker.join(max(0.0, deadline - time.monotonic()))
    _WORKERS.clear()


def _cleanup_sockets(folder: Path) -> None:
    """Remove kernel IPC socket files (``kernel-ipc-<port>``) left in a run folder."""
    for p in folder.glob("kernel-ipc-*"):
        try:
            p.unlink()
        except OSError:
            pass
