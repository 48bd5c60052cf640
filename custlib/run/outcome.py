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
    """Say which notebook failed, in which cell (and how it begins), with which error."""
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
