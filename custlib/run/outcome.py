"""What a run reports about itself: its result, ``run.json`` and its failure messages.

:class:`RunResult` lists every notebook of a run (:class:`NotebookRun`) with its status and
time; :func:`write_run_json` records them in the run folder at every step, so that
``run.json`` says at every moment what the folder holds; :func:`failure_message` names the
notebook and the cell that failed.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from custlib.run import artefacts
from custlib.run.config import RunFolder

__all__ = ["NotebookRun", "RunInterrupted", "RunResult", "failure_message", "relocate",
           "write_run_json"]


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


def failure_message(nb_name: str, output: Path, exc: Exception) -> str:
    """Say which notebook failed, in which cell (and how it begins), with which error.

    A kernel that died (``DeadKernelError``: the notebook's Python process ended without an
    error of its own) is named at the last cell it began, with what to try: on a big log
    that is nearly always the machine running out of memory.
    """
    cell = getattr(exc, "cell_index", None)
    count = getattr(exc, "exec_count", None)
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    died = ename == "DeadKernelError"
    cells = _cells(output) if count is not None or died else []
    if died and count is None and cell is None:  # it died in the last cell it was given
        cell = max((i for i, c in enumerate(cells) if c.get("cell_type") == "code"
                    and c.get("metadata", {}).get("papermill", {}).get("start_time")),
                   default=None)
        count = cells[cell].get("execution_count") if cell is not None else None
    if count is not None:
        where = f"cell In [{count}]"
    elif cell is not None:
        where = f"cell {cell}"
    else:
        where = "a cell"
    if count is not None:
        failed = [c for c in cells if c.get("execution_count") == count]
    else:
        failed = [cells[cell]] if died and cell is not None else []
    first_line = (str(failed[0].source).strip().splitlines() or [""])[0] if failed else ""
    if first_line:
        where += f", which begins {first_line[:80]!r},"
    hint = f"\n{dead_kernel_hint()}" if died else \
        f"\n{duckdb_memory_hint()}" if _duckdb_out_of_memory(ename, evalue) else ""
    return (f"notebook {nb_name} failed in {where} with {ename}: {evalue}{hint}\n"
            f"the executed notebook is kept for inspection: {output}")


def _machine_memory() -> str:
    """`` (this machine has 23.4 GiB)``, or nothing where the platform does not say."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (AttributeError, ValueError, OSError):  # not on this platform
        return ""
    return f" (this machine has {memory:.1f} GiB)"


def _duckdb_out_of_memory(ename: str, evalue: str) -> bool:
    """DuckDB's error at its limit: out of memory, or a checkpoint that could not allocate."""
    return ename == "OutOfMemoryException" or evalue.startswith("Out of Memory Error") or (
        ename == "FatalException" and ("failed to allocate" in evalue
                                       or "failed to pin" in evalue))


def duckdb_memory_hint() -> str:
    """What to try when DuckDB stopped at its memory limit (the DuckDB engine's error).

    DuckDB's own message suggests SQL settings a user of the kit cannot reach; this names
    the kit's: the environment variable of the limit and the window's parameters.

    Returns
    -------
    str
    """
    from custlib.data.engines.workspace import MEMORY_ENV, resolve_memory_limit

    try:
        limit = resolve_memory_limit()
    except ValueError:
        limit = "?"
    return (f"DuckDB (parameter engine: duckdb) reached its memory limit of {limit} in a step "
            "it could not spill to disk. Give it more with the environment variable "
            f"{MEMORY_ENV}, e.g. {MEMORY_ENV}=4GB custlib run --params <your file>"
            f"{_machine_memory()}, or shorten the window (parameters observation_start and "
            "observation_end); the kit means to spill every step, so the cell named above is "
            "worth reporting")


def dead_kernel_hint() -> str:
    """What to try when a notebook's kernel died: memory first, with this machine's.

    Returns
    -------
    str
    """
    total = _machine_memory()
    return ("the notebook's Python process (its kernel) stopped without an error of its own: "
            f"on a big log that is nearly always the machine running out of memory{total}. "
            "Try parameter engine: duckdb (notebook 01 cleans the log out of memory), a "
            "shorter window (parameters observation_start and observation_end), or one run "
            "per group (custlib run --each country, or another column); the README's "
            "section 'Logs bigger than memory' says how much each notebook needs")


def _cells(output: Path) -> list:
    """The cells of the executed notebook at ``output``; none when it cannot be read."""
    if not output.exists():
        return []
    import nbformat

    try:
        return list(nbformat.read(str(output), as_version=4).cells)
    except (OSError, ValueError):
        return []


def write_run_json(result: RunResult, status: str, name: str, started: str,
                    error: str = "", folder: Path | None = None) -> Path:
    """Write ``run.json``: the run's status now, and every notebook's.

    The status is 'running', 'ok', 'failed' or 'interrupted'.
    """
    rf = result.folder
    report = rf.root / "report.html"
    now = _dt.datetime.now().isoformat(timespec="seconds")
    data = {
        "run_name": name,
        "status": status,
        "folder": str(folder or rf.root),
        "started": started,
        "updated": now,
        "finished": now if status != "running" else None,
        "pid": os.getpid(),
        "notebooks": [{"name": r.name, "status": r.status, "seconds": round(r.seconds, 2)}
                      for r in result.notebooks],
        "report": ("report.html" if report.exists() else "index.html") if status == "ok"
        else None,
        "error": error or None,
    }
    path = rf.root / "run.json"
    artefacts.write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path


def relocate(record: NotebookRun, old: Path, new: Path) -> None:
    """Point a notebook's files at the folder its run was moved to."""
    record.output = new / record.output.relative_to(old)
    if record.html is not None:
        record.html = new / record.html.relative_to(old)
