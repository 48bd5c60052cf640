"""Run the numbered notebooks in order with Papermill, into one run folder.

A run takes a parameter file (YAML), gives every notebook the parameters it declares in
its ``parameters`` cell, executes the notebooks in number order into
``reports/<run name>/notebooks``, renders each to HTML, and writes an index page. On a
failure it stops, names the notebook and the cell, and keeps the failed notebook for
inspection.

Every parameter is checked first (:func:`custlib.run.params.validate`): nothing is written
when one is wrong. The run is then built in a fresh sibling folder
``<reports>/<name>.partial-<pid>`` (the name the notebooks receive as ``run_name``) and
renamed to ``<reports>/<name>`` only when every notebook succeeded, replacing the previous
run. A run that fails or is interrupted is kept as ``<reports>/<name>.failed`` (replacing
an older one); the previous successful run keeps its results, and its ``run.json`` gets
``last_attempt: {status, when, folder}`` and its ``index.html`` and ``report.html`` a
banner saying that the latest run failed and where it is
(:func:`custlib.run.folders.mark_previous`), until the next success replaces it.
``run.json`` says at every moment what the folder holds: ``status`` is ``running`` while
the notebooks run, then ``ok``, ``failed`` or ``interrupted``. A failure of the runner
itself (rendering, a full disk, the final rename) ends the run the same way as a failing
notebook; if the final rename fails, the previous run is put back first.

The parts: :mod:`~custlib.run.params` (what the notebooks declare, checked values),
:mod:`~custlib.run.kernels` (the kernels, stopped on Ctrl-C), :mod:`~custlib.run.folders`
(built aside, swapped in, kept when unsuccessful), :mod:`~custlib.run.index` (the index
page). Used by ``custlib run --params params/demo.yaml`` and ``make report``.
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from custlib.errors import CustlibError, ParameterError, format_list
from custlib.run import artefacts, index, kernels
from custlib.run.config import NOTEBOOKS_DIR, RunFolder, run_folder
from custlib.run.folders import (
    RunError,
    keep_unsuccessful,
    mark_previous,
    remove,
    sibling,
    swap_in,
)
from custlib.run.outcome import (
    NotebookRun,
    RunInterrupted,
    RunResult,
    failure_message,
    relocate,
    write_run_json,
)
from custlib.run.params import (
    discover_notebooks,
    find_notebook,
    load_params,
    notebook_parameters,
)

__all__ = ["RUNNER_KEYS", "NotebookRun", "RunError", "RunInterrupted", "RunResult",
           "discover_notebooks", "load_params", "notebook_parameters", "render_html", "run"]

#: Parameter-file keys that steer the runner and are not passed to notebooks as such.
RUNNER_KEYS = ("run_name", "reports_dir", "notebooks")
#: What the manifest says wrote the executed notebooks and their HTML renderings.
WRITTEN_BY = "custlib run"


def _select(notebooks: list[Path], only: Sequence[str] | None) -> list[Path]:
    if not only:
        return notebooks
    chosen: list[Path] = []
    for token in only:
        hits = find_notebook(token, notebooks)
        if not hits:
            token = str(token).strip()
            token = token.zfill(2) if token.isdigit() and len(token) < 2 else token
            raise ParameterError(f"--only {token!r} matches no notebook; notebooks are "
                                 f"{format_list(p.name for p in notebooks)}")
        chosen.extend(h for h in hits if h not in chosen)
    return sorted(chosen)


def render_html(notebook: Path, target: Path) -> Path:
    """Render an executed notebook to a self-contained HTML file.

    The cell outputs are sanitised first (:func:`custlib.safety.sanitize_notebook`): text
    from data or parameters that reached an output as Markdown or HTML is shown, never run.

    Parameters
    ----------
    notebook : pathlib.Path
        The executed ``.ipynb``.
    target : pathlib.Path
        The HTML file to write (atomically).

    Returns
    -------
    pathlib.Path
        ``target``.
    """
    import nbformat
    from nbconvert import HTMLExporter

    from custlib.safety import sanitize_notebook

    nb = sanitize_notebook(nbformat.read(str(notebook), as_version=4))
    exporter = HTMLExporter(template_name="lab", template_file="notebook.html.j2",
                            extra_template_paths=[str(Path(__file__).parent / "templates")])
    body, _ = exporter.from_notebook_node(nb)
    target.parent.mkdir(parents=True, exist_ok=True)
    return artefacts.write_text(target, body)


def _write_index(result: RunResult, params: Mapping[str, Any], status: str = "ok",
                 name: str | None = None) -> Path:
    """Write the run's ``index.html`` (:func:`custlib.run.index.run_page`)."""
    page = index.run_page(result.folder, result.notebooks, params, status, name)
    return index.write_page(result.folder.root / "index.html", page)


class _Run:
    """One run in progress: where it is built, what it records, and how it ends.

    :func:`run` drives it: :meth:`execute` runs the notebooks, and :meth:`interrupted`,
    :meth:`crashed` or :meth:`finish` end it.
    """

    def __init__(self, values: dict[str, Any], selected: list[Path],
                 declared: Mapping[str, Mapping[str, Any]], final: RunFolder, *,
                 fresh_folder: bool, stream: Any, subset: bool = False) -> None:
        self.final, self.fresh, self.stream = final, fresh_folder, stream
        self.recorded = {**values, "run_name": final.name,
                         "reports_dir": str(final.root.parent)}
        if fresh_folder:
            self.rf = RunFolder(sibling(final.root, f".partial-{os.getpid()}"))
            remove(self.rf.root)
            if subset and (final.root / "run.json").is_file():
                # --only: the notebooks not run now keep their results (a rerun of 05
                # reads 01-04's), built aside as ever and swapped in on success
                import shutil

                # without the kernels' socket files a killed run left (not files to copy)
                shutil.copytree(final.root, self.rf.root, symlinks=True,
                                ignore=shutil.ignore_patterns("kernel-ipc-*"))
        else:
            self.rf = final
        # the notebooks resolve the folder from these two: the partial folder while building
        passed = {**values, "run_name": self.rf.name, "reports_dir": str(self.rf.root.parent)}
        self.plans = [(nb, {k: v for k, v in passed.items() if k in declared[nb.name]})
                      for nb in selected]
        self.result = RunResult(folder=self.rf)
        self.result.notebooks = [NotebookRun(nb.name, self.rf.notebooks / nb.name)
                                 for nb, _ in self.plans]
        self.started = _dt.datetime.now().isoformat(timespec="seconds")
        self.given_up: list[str] = []  # the status the run was marked with, once it is
        self.record: NotebookRun | None = None
        self.start = time.perf_counter()
        self.stage = "preparing the run folder"
        self.leftovers: list[Path] = []

    def note(self, text: str) -> None:
        """Print a note about the run (not an error: the run itself went on)."""
        print(f"custlib run: note: {text}", file=self.stream)

    def state(self, status: str, error: str = "", folder: Path | None = None) -> None:
        """Write ``run.json`` with ``status``; ``folder`` is where the run will be."""
        write_run_json(self.result, status, self.final.name, self.started, error,
                        folder=folder or (self.final.root if status == "running" or
                                          status == "ok" else None))

    def give_up(self, status: str, error: str) -> Path:
        """Mark the run failed or interrupted and move it aside; return where it is.

        The previous successful run, if any, is marked too (:func:`mark_previous`).
        """
        self.given_up.append(status)
        failed = sibling(self.final.root, ".failed")
        self.state(status, error, folder=failed if self.fresh else self.rf.root)
        _write_index(self.result, self.recorded, status, self.final.name)
        if not self.fresh:
            return self.rf.root
        try:
            kept = keep_unsuccessful(self.rf.root, self.final.root)
        except OSError as exc:  # it stays where it is, and its run.json says so
            self.state(status, error, folder=self.rf.root)
            self.note(f"could not move the run to {failed} ({exc})")
            return self.rf.root
        for r in self.result.notebooks:
            relocate(r, self.rf.root, kept)
        self.result.folder = RunFolder(kept)
        for path in mark_previous(self.final.root, status, self.started, kept):
            self.note(f"could not mark {path} as superseded by the {status} run {kept}")
        return kept

    def render(self, record: NotebookRun, nb: Path) -> None:
        """Render an executed notebook to ``html/`` and list it in the manifest."""
        path = render_html(record.output, self.rf.html / f"{nb.stem}.html")
        record.html = path
        artefacts.record(self.rf, path.name, path, WRITTEN_BY)

    def execute(self, bar: Any, *, html_output: bool, kernel_name: str | None) -> Path:
        """Run every notebook in order; return the index page of the finished run."""
        import papermill

        rf = self.rf
        rf.create()
        rf.notebooks.mkdir(parents=True, exist_ok=True)
        artefacts.write_text(rf.root / "params.yaml", yaml.safe_dump(
            self.recorded, allow_unicode=True, sort_keys=False))
        self.state("running")
        _write_index(self.result, self.recorded, "running", self.final.name)
        for (nb, nb_params), record in zip(self.plans, self.result.notebooks):
            self.record = record
            self.stage = f"starting {nb.name}"
            bar.set_description(f"running {nb.name}")
            record.status = "running"
            self.state("running")
            self.start = time.perf_counter()
            self.stage = f"running {nb.name}"
            try:
                kernels.execute(papermill.execute_notebook, str(nb), str(record.output),
                                parameters=nb_params, kernel_name=kernel_name,
                                progress_bar=False, cwd=str(rf.root), log_output=False,
                                kernel_manager_class=kernels.kernel_manager_class())
            except Exception as exc:  # papermill raises its own and kernel errors
                self.notebook_failed(record, nb, exc, html_output)
            record.seconds = time.perf_counter() - self.start
            record.status = "ok"
            artefacts.record(rf, record.output.name, record.output, WRITTEN_BY)
            if html_output:
                self.stage = f"rendering {nb.name} to HTML"
                self.render(record, nb)
            self.stage = f"writing run.json after {nb.name}"
            self.state("running")
            bar.update(1)
        self.stage = "writing run.json"
        self.state("ok")
        self.stage = "writing the index page"
        page = _write_index(self.result, self.recorded, "ok", self.final.name)
        if self.fresh:
            self.stage = "moving the new run into place"
            self.leftovers = swap_in(rf.root, self.final.root)
        return page

    def notebook_failed(self, record: NotebookRun, nb: Path, exc: Exception,
                        html_output: bool) -> None:
        """End the run as failed because a notebook raised: keep it and raise RunError."""
        record.seconds = time.perf_counter() - self.start
        record.status = "failed"
        kernels.shutdown_kernels()
        if html_output and record.output.exists():
            try:
                self.render(record, nb)
            except Exception:  # noqa: BLE001 - the failure itself matters more
                record.html = None
        message = failure_message(nb.name, record.output, exc)
        kept = self.give_up("failed", message.splitlines()[0])
        raise RunError(message.replace(str(self.rf.root), str(kept))) from None

    def stop_running(self, status: str) -> None:
        """Mark the notebook that was running ``status``, with its time so far."""
        for r in self.result.notebooks:
            if r.status == "running":
                r.status = status
                r.seconds = time.perf_counter() - self.start

    def interrupted(self, bar: Any) -> RunInterrupted:
        """Ctrl-C: stop the kernel, keep the run marked interrupted; the error to raise."""
        import signal

        try:  # a second Ctrl-C must not leave the run half-marked
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:  # not the main thread
            previous = None
        try:
            bar.close()
            kernels.shutdown_kernels()
            kernels.stop_workers()
            kernels.shutdown_kernels()  # a kernel the thread was still starting
            self.stop_running("interrupted")
            kept = self.give_up("interrupted", "interrupted by Ctrl-C (SIGINT)")
            kernels.cleanup_sockets(kept)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        where = self.record.name if self.record else "the start"
        return RunInterrupted(f"stopped in {where}; the run is kept, marked interrupted, "
                              f"in {kept}", kept)

    def crashed(self, exc: BaseException, bar: Any) -> RunError:
        """The runner itself failed (disk full, rendering, rename): mark the run failed."""
        bar.close()
        kernels.shutdown_kernels()
        self.stop_running("failed")
        what = (f": {exc}" if isinstance(exc, CustlibError)
                else f" with {type(exc).__name__}: {exc}")
        message = f"the run stopped while {self.stage}{what}"
        try:
            kept = self.give_up("failed", message.splitlines()[0])
            where = f"the run is kept, marked failed, in {kept}"
        except Exception as again:  # noqa: BLE001 - say both, raise the first
            where = (f"and it could not be marked failed ({type(again).__name__}: "
                     f"{again}); what was written is in {self.rf.root}")
        return RunError(f"{message}\n{where}")

    def finish(self, page: Path) -> RunResult:
        """After a success: drop a stale failure, point the result at the final folder."""
        final = self.final
        if self.fresh:
            try:
                remove(sibling(final.root, ".failed"))  # older than this successful run
            except OSError:
                self.leftovers.append(sibling(final.root, ".failed"))
            for r in self.result.notebooks:
                relocate(r, self.rf.root, final.root)
            self.result.folder = final
            page = final.root / "index.html"
            for path in self.leftovers:
                self.note(f"the new run is in place; {path} is left over and can be deleted")
        report = final.root / "report.html"
        self.result.report = report if report.exists() else page
        return self.result


def _plan(params: str | os.PathLike[str] | Mapping[str, Any] | None,
          only: Sequence[str] | None, run_name: str | None,
          reports_dir: str | os.PathLike[str] | None, notebooks_dir: str | os.PathLike[str],
          fresh_folder: bool, stream: Any) -> _Run:
    """Check every parameter and choose the notebooks and folders; nothing is written."""
    from custlib.run.params import validate

    values = load_params(params)
    source = "" if params is None or isinstance(params, Mapping) else str(params)
    notebooks = discover_notebooks(notebooks_dir)
    selected = _select(notebooks, only)
    declared = {nb.name: notebook_parameters(nb) for nb in notebooks}
    values = validate(values, declared, source=source, runner_keys=RUNNER_KEYS)
    name = run_name or values.get("run_name") or "demo"
    target_root = reports_dir or values.get("reports_dir") or None
    final = run_folder(str(name), target_root, create=False)
    return _Run(values, selected, declared, final, fresh_folder=fresh_folder, stream=stream,
                subset=len(selected) < len(notebooks))


def run(params: str | os.PathLike[str] | Mapping[str, Any] | None = None, *,
        only: Sequence[str] | None = None, run_name: str | None = None,
        reports_dir: str | os.PathLike[str] | None = None,
        notebooks_dir: str | os.PathLike[str] = NOTEBOOKS_DIR,
        html_output: bool = True, progress: bool = True,
        kernel_name: str | None = None, stream: Any = None,
        fresh_folder: bool = True) -> RunResult:
    """Execute the numbered notebooks with Papermill into a run folder.

    Parameters are checked before anything is written; the run is built aside and swapped
    in on success, kept as ``<name>.failed`` otherwise (see the module docstring).

    Parameters
    ----------
    params : path-like or mapping, optional
        The parameter file (``params/demo.yaml``) or a mapping. Its keys are notebook
        parameters (each notebook receives those it declares) plus ``run_name`` and
        ``reports_dir``. A key no notebook declares is an error, so a typo is not
        silently ignored.
    only : sequence of str, optional
        Run a subset: notebook numbers (``"01"`` or ``"1"``), names or stems. The other
        notebooks' results in an existing run folder of that name are kept (a rerun of
        notebook 05 reads what 01-04 wrote), the run still built aside and swapped in.
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
    from tqdm.auto import tqdm

    stream = stream or sys.stderr
    state = _plan(params, only, run_name, reports_dir, notebooks_dir, fresh_folder, stream)
    bar = tqdm(total=len(state.plans), desc="custlib run", unit="notebook", file=stream,
               disable=not progress, dynamic_ncols=True)
    try:
        page = state.execute(bar, html_output=html_output, kernel_name=kernel_name)
    except KeyboardInterrupt:
        if state.given_up:
            raise
        raise state.interrupted(bar) from None
    except BaseException as exc:
        if state.given_up:  # a notebook failed and the run is marked already
            raise
        error = state.crashed(exc, bar)
        if not isinstance(exc, Exception):  # SystemExit and the like go on
            raise
        raise error from exc
    finally:
        bar.close()
        kernels.forget_kernels()
    return state.finish(page)
