"""Lint and types are part of the suite: ruff (with the numpydoc docstring rules) on the
package and the tests, mypy on the package, and notebooks committed without outputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    path = Path(sys.executable).with_name(name)
    found = str(path) if path.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed: pip install -e '.[dev]' (make install)")
    return found


def test_ruff_is_clean():
    proc = subprocess.run([_tool("ruff"), "check", "--output-format", "concise",
                           "custlib", "tests", "benchmarks", "conftest.py"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_mypy_is_clean(tmp_path):
    proc = subprocess.run([_tool("mypy"), "--cache-dir", str(ROOT / ".mypy_cache")],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_notebooks_are_committed_without_outputs():
    dirty = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        if any(c.get("outputs") or c.get("execution_count") for c in cells
               if c["cell_type"] == "code"):
            dirty.append(nb.name)
    assert not dirty, f"notebooks with outputs (run make strip): {dirty}"


def test_pre_commit_runs_ruff_and_nbstripout():
    text = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert "id: ruff" in text and "id: nbstripout" in text and "id: mypy" in text
