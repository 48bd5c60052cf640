"""Same input, same output: the demo kit run twice writes the same files, byte for byte.

A scheduler that reruns a report, or an analyst who compares this month's run folder with
last month's, must see a difference only where the data differ. The English demo run of
``report_runs`` (conftest.py) is run once more into a fresh folder, and every file of the
two run folders is compared: tables, Parquet and CSV files, JSON, figures (PNG and SVG) and
the report's HTML. Left out: what records when and how long a run took (``run.json``,
``index.html``, the executed notebooks with their cell timings and progress bars, the
PDFs, which the browser dates), in ``manifest.json`` each entry's ``written_at`` and in
the reports' HTML the stamp line that says when they were made, and in ``params.yaml``
the folder the run was written to.
make test-full.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.notebooks, pytest.mark.fullrun]

ROOT = Path(__file__).resolve().parents[1]
#: Files that hold the time of the run (or of a cell, or of printing) and nothing the data
#: decide that another file does not also hold.
STAMPED = {"run.json", "index.html", "report.pdf", "report_segments.pdf"}


#: The line of a report that says when it was made.
STAMP = re.compile(rb'(<p class="note stamp">)[^<]*(</p>)')


def _content(path: Path) -> bytes:
    data = path.read_bytes()
    if path.name == "params.yaml":  # where the run folder is: another folder here
        return re.sub(rb"(?m)^reports_dir: .*$", b"reports_dir:", data)
    return STAMP.sub(rb"\1\2", data) if path.suffix == ".html" else data


def _files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")
            if p.is_file() and p.parts[len(root.parts)] != "notebooks"}


def _manifest(root: Path) -> dict:
    entries = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return {name: {k: v for k, v in entry.items() if k != "written_at"}
            for name, entry in entries.items()}


def test_the_demo_kit_run_twice_writes_the_same_files(report_runs, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "custlib", "run", "--params", "params/demo.yaml",
         "--reports-dir", str(tmp_path), "--no-html", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    first, again = report_runs["en"], tmp_path / "demo"
    files = _files(first)
    assert files == _files(again)
    assert len([p for p in files if p.suffix == ".svg"]) >= 20  # the figures are compared
    compared = sorted(p for p in files if p.name not in STAMPED | {"manifest.json"})
    differ = [str(p) for p in compared if _content(first / p) != _content(again / p)]
    assert differ == [], f"{len(differ)} of {len(compared)} files differ between two runs"
    assert _manifest(first) == _manifest(again)
    assert STAMP.search((first / "report.html").read_bytes())  # the stamp the test leaves out
