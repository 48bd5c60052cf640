"""House rules of the notebooks: how they are written.

The notebooks are executed once per suite, by the demo run in tests/test_runner.py
(``custlib run``, its tables compared with tests/golden); ``make nbval`` executes them in
place with nbval.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from custlib.run.runner import discover_notebooks, notebook_parameters

NOTEBOOKS = discover_notebooks()


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def nb(request):
    return request.param, nbformat.read(str(request.param), as_version=4)


def test_committed_without_outputs(nb):
    path, book = nb
    for cell in book.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, path.name


def test_one_parameters_cell_of_typed_literals_with_comments(nb):
    path, book = nb
    tagged = [c for c in book.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, path.name
    source = tagged[0].source
    tree = ast.parse(source)
    lines = source.splitlines()
    for stmt in tree.body:
        assert isinstance(stmt, ast.AnnAssign), f"{path.name}: line {stmt.lineno} needs a type hint"
        ast.literal_eval(stmt.value)  # only literals
        line = lines[stmt.lineno - 1]
        assert "  # " in line, f"{path.name}: {stmt.target.id} needs a trailing comment"
        assert line.count("=") == 1, f"{path.name}: '=' in the comment breaks papermill: {line}"
    # papermill reads every parameter (so --help-notebook documents them all)
    assert len(notebook_parameters(path)) == len(tree.body)


def test_lesson_structure(nb):
    path, book = nb
    first = book.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), path.name
    assert "**Inputs**" in book.cells[1].source and "**Outputs**" in book.cells[1].source
    assert book.cells[2].cell_type == "code" and "import" in book.cells[2].source
    assert "parameters" in book.cells[3].metadata.get("tags", [])
    sections = [c for c in book.cells if c.cell_type == "markdown" and
                re.search(r"^## ", c.source, re.M)]
    assert len(sections) >= 4


def test_no_paths_relative_to_the_kernel(nb):
    path, book = nb
    code = "\n".join(c.source for c in book.cells if c.cell_type == "code")
    assert not re.search(r"['\"]\.\.?/", code), path.name
    assert "os.chdir" not in code and "open(" not in code


def test_code_cells_are_small(nb):
    path, book = nb
    sizes = sorted(len(c.source.splitlines()) for c in book.cells
                   if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", []))
    median = sizes[len(sizes) // 2]
    assert median <= 3, f"{path.name}: median code cell is {median} lines"
    assert max(sizes) <= 12, path.name


def test_notebook_names_are_numbered():
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(1, len(NOTEBOOKS) + 1)]
    assert isinstance(NOTEBOOKS[0], Path)
