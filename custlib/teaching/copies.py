"""Copies of the notebooks for a class: ``custlib student`` (``make student``).

Two folders, each with the numbered notebooks, their outputs stripped and their cell ids
kept, and a README saying what they are and how to open them:

* ``student/``: without the cells tagged ``solution``; the exercises (the question and the
  cell tagged ``exercise``, with ``answer = ...``) stay, so every notebook still runs from
  top to bottom and each check says "not answered yet";
* ``teacher/``: every cell, solutions included.

The notebooks are read and written as JSON, so nothing but the removed cells, the outputs
and the relative links (rewritten so that ``../docs/glossary.md`` still finds the glossary
from the copy's folder) changes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from custlib.i18n import LANGS, t

__all__ = ["EXERCISE_TAG", "SOLUTION_TAG", "exercises", "relink", "strip_outputs",
           "student_copy", "write_copies"]

#: Tag of the code cell a student fills in.
EXERCISE_TAG = "exercise"
#: Tag of the code cell with the answer worked out; removed from the student copies.
SOLUTION_TAG = "solution"


def _tags(cell: dict[str, Any]) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def strip_outputs(notebook: dict[str, Any]) -> dict[str, Any]:
    """The notebook without outputs, execution counts or execution metadata.

    Parameters
    ----------
    notebook : dict
        A notebook as read from its JSON.

    Returns
    -------
    dict
        A new notebook; cells keep their ids, sources and tags.
    """
    out = json.loads(json.dumps(notebook))
    for cell in out["cells"]:
        meta = cell.get("metadata", {})
        for key in ("execution", "papermill", "collapsed", "scrolled"):
            meta.pop(key, None)
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    out.get("metadata", {}).pop("papermill", None)
    return out


def student_copy(notebook: dict[str, Any]) -> dict[str, Any]:
    """The notebook without its solution cells and outputs.

    Parameters
    ----------
    notebook : dict

    Returns
    -------
    dict
    """
    out = strip_outputs(notebook)
    out["cells"] = [c for c in out["cells"] if SOLUTION_TAG not in _tags(c)]
    return out


def exercises(notebook: dict[str, Any]) -> list[tuple[int, int | None]]:
    """Where the exercises are: (exercise cell index, index of its solution or None).

    A solution belongs to the exercise it follows directly.

    Parameters
    ----------
    notebook : dict

    Returns
    -------
    list of tuple
    """
    cells = notebook["cells"]
    out = []
    for i, cell in enumerate(cells):
        if EXERCISE_TAG in _tags(cell):
            nxt = i + 1 if i + 1 < len(cells) and SOLUTION_TAG in _tags(cells[i + 1]) else None
            out.append((i, nxt))
    return out


_LINK = re.compile(r"(\]\()([^)\s#]+)")


def relink(notebook: dict[str, Any], source: Path, target: Path) -> dict[str, Any]:
    """Relative links of the markdown cells, rewritten for a copy in ``target``.

    A link such as ``../docs/glossary.md`` in a notebook of ``source`` points at the same
    file from ``target``; web links (``https:``), ``mailto:`` and anchors are kept.

    Parameters
    ----------
    notebook : dict
    source, target : Path
        The folders of the original and of the copy.

    Returns
    -------
    dict
        The notebook, changed in place.
    """
    def fix(m: re.Match[str]) -> str:
        link = m.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", link, re.I) or link.startswith("/"):
            return m.group(0)
        moved = os.path.relpath((source / link).resolve(), target.resolve())
        return m.group(1) + Path(moved).as_posix()

    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = _LINK.sub(fix, text).splitlines(keepends=True)
    return notebook


def _write(notebook: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _readme(kind: str, names: list[str]) -> str:
    parts = []
    for lang in LANGS:
        parts.append(t(f"teaching.copies.{kind}", lang, notebooks=", ".join(names)))
        parts.append(t("teaching.copies.howto", lang))
    return "\n\n".join(parts) + "\n"


def write_copies(out: str | Path = "build", notebooks_dir: str | Path | None = None
                 ) -> dict[str, Path]:
    """Write ``<out>/student/`` and ``<out>/teacher/`` from the numbered notebooks.

    Each folder is replaced (emptied first), so a copy never keeps an old notebook.

    Parameters
    ----------
    out : str or Path, default 'build'
        Folder to write the two folders into (relative paths from the working directory).
    notebooks_dir : str or Path, optional
        Default: the project's ``notebooks/``.

    Returns
    -------
    dict of str to Path
        ``{"student": folder, "teacher": folder}``.
    """
    from custlib.run.params import discover_notebooks

    books = discover_notebooks(Path(notebooks_dir)) if notebooks_dir else discover_notebooks()
    folders = {"student": Path(out) / "student", "teacher": Path(out) / "teacher"}
    for kind, folder in folders.items():
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for path in books:
            nb = json.loads(path.read_text(encoding="utf-8"))
            copy = student_copy(nb) if kind == "student" else strip_outputs(nb)
            _write(relink(copy, path.parent, folder), folder / path.name)
        (folder / "README.md").write_text(_readme(kind, [p.name for p in books]),
                                          encoding="utf-8")
    return folders
