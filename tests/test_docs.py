"""Documentation that must stay true: the data contract, the README's commands, and docs/.

docs/ describes the method stage by stage and the architecture. These tests keep it honest
against the code: every ``custlib.x.y`` name it mentions can be imported, every
``custlib/...`` path exists, every relative link resolves, each stage page's parameter
table is exactly its notebook's parameters cell (names and defaults), and the
repository's text never points at material outside it.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

from custlib.data.contract import TABLES

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: stage page -> the notebook it documents
STAGE_PAGES = {
    "01-data.md": "01_data_cleaning.ipynb",
    "02-segments.md": "02_segmentation.ipynb",
    "03-value.md": "03_clv.ipynb",
    "04-lifecycle.md": "04_lifecycle.ipynb",
    "05-report.md": "05_report.ipynb",
}
#: parameters every notebook declares, documented once in docs/architecture.md
COMMON_PARAMETERS = ("run_name", "reports_dir", "lang")


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _prose(text: str) -> str:
    """The text without fenced code blocks (shell sessions, the diagram)."""
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


@cache
def _notebook_parameters(notebook: str) -> dict[str, str]:
    import papermill

    found = papermill.inspect_notebook(str(ROOT / "notebooks" / notebook))
    return {name: p["default"] for name, p in found.items()}


def test_every_contract_field_is_documented():
    text = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for table, spec in TABLES.items():
        assert f"### {table}" in text
        for f in spec:
            assert f"| `{f.name}` | {f.kind} |" in text, (table, f.name)


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme and "make report" in readme
    assert "\nmake test\n" in ci


# --- docs/ -----------------------------------------------------------------------------

def test_every_page_exists_and_is_linked():
    expected = {"index.md", "architecture.md", "corpus.md", "glossary.md", "course.md",
                "case-study-cdnow.md", *STAGE_PAGES}
    assert expected <= {p.name for p in DOCS.glob("*.md")}
    index = _text(DOCS / "index.md")
    for name in sorted(expected - {"index.md"}):
        assert f"]({name})" in index, f"docs/index.md does not link {name}"
    readme = _text(ROOT / "README.md")
    assert "](docs/index.md)" in readme and "](docs/architecture.md)" in readme
    for page in ("glossary.md", "course.md", "case-study-cdnow.md"):  # teaching with the kit
        assert f"](docs/{page})" in readme, f"README.md does not link docs/{page}"


def _resolve(dotted: str) -> object:
    """Import the longest module prefix of ``dotted`` and look the rest up as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)  # AttributeError names what is missing
        return obj
    raise ModuleNotFoundError(dotted)


def test_every_dotted_name_exists():
    names = {(page.name, m) for page in _pages()
             for m in re.findall(r"\bcustlib(?:\.[A-Za-z_]\w*)+", _text(page))}
    assert names
    missing = []
    for page, name in sorted(names):
        try:
            _resolve(name)
        except (ImportError, AttributeError) as err:
            missing.append(f"{page}: {name} ({err})")
    assert not missing, "\n".join(missing)


def test_every_package_path_exists():
    """A `custlib/...` path in backticks names a file or folder of the package."""
    missing = [f"{page.name}: {p}" for page in _pages()
               for p in re.findall(r"`(custlib/[^`<>*\s]*)`", _text(page))
               if not (ROOT / p.rstrip("/")).exists()]
    assert not missing, "\n".join(missing)


def _anchors(path: Path) -> set[str]:
    """GitHub's anchors of a Markdown file's headings, and its explicit ``<a id="...">``
    anchors (the glossary's terms)."""
    prose = _prose(_text(path))
    heads = re.findall(r"^#{1,6}\s+(.+?)\s*$", prose, re.M)
    return ({re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in heads}
            | set(re.findall(r'<a id="([\w-]+)"></a>', prose)))


def test_every_relative_link_resolves():
    broken = []
    for page in [*_pages(), ROOT / "data" / "README.md", ROOT / "data" / "external" / "README.md"]:
        for target in re.findall(r"\]\(([^)\s]+)\)", _prose(_text(page))):
            if re.match(r"^[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            file = page.parent / path if path else page
            if not file.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
            elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def _parameter_table(text: str) -> dict[str, str | None]:
    """The rows of the table under '## Parameters': name -> default literal (or None)."""
    section = re.search(r"^## Parameters\b(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert section, "no '## Parameters' section"
    rows = {}
    for line in section.group(1).splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) < 2 or not re.fullmatch(r"`\w+`", cells[0]):
            continue
        literal = re.fullmatch(r"`([^`]+)`", cells[1])
        rows[cells[0].strip("`")] = literal.group(1) if literal else None
    return rows


@pytest.mark.parametrize("page", sorted(STAGE_PAGES))
def test_stage_page_documents_its_notebooks_parameters(page):
    declared = _notebook_parameters(STAGE_PAGES[page])
    documented = _parameter_table(_text(DOCS / page))
    own = {k: v for k, v in declared.items() if k not in COMMON_PARAMETERS}
    assert set(documented) == set(own), (
        f"docs/{page} documents {sorted(set(documented) - set(own))} that "
        f"{STAGE_PAGES[page]} does not declare, and misses {sorted(set(own) - set(documented))}")
    for name, literal in documented.items():
        if literal is not None:
            assert ast.literal_eval(literal) == ast.literal_eval(own[name]), (
                f"docs/{page}: default of {name!r} is {literal}; the notebook says {own[name]}")


def test_common_parameters_are_documented():
    text = _text(DOCS / "architecture.md")
    for name in COMMON_PARAMETERS:
        assert f"`{name}`" in text
        for notebook in STAGE_PAGES.values():
            assert name in _notebook_parameters(notebook), (notebook, name)


def test_named_parameters_exist():
    """A parameter named in the docs as `name: value` or `name=value` is a notebook's."""
    every = {n for nb in STAGE_PAGES.values() for n in _notebook_parameters(nb)}
    named = {(page.name, n) for page in DOCS.glob("*.md")
             for n in re.findall(r"`([a-z_]+)(?::\s|=)[^`]*`", _text(page))}
    unknown = [f"{page}: {n}" for page, n in sorted(named) if n not in every]
    assert not unknown, "\n".join(unknown)


def test_cleaning_rules_and_stages_are_the_codes():
    from custlib.data.cleaning import RULES
    from custlib.lifecycle.stages import STAGES

    data = _text(DOCS / "01-data.md")
    for rule in RULES:
        assert f"`{rule}`" in data, f"docs/01-data.md does not describe the rule {rule!r}"
    lifecycle = _text(DOCS / "04-lifecycle.md")
    for stage in STAGES:
        assert f"`{stage}`" in lifecycle, f"docs/04-lifecycle.md does not describe {stage!r}"


def test_architecture_names_every_subpackage_and_has_one_diagram():
    text = _text(DOCS / "architecture.md")
    packages = sorted(p.parent.name for p in (ROOT / "custlib").glob("*/__init__.py"))
    assert packages
    for name in packages:
        assert f"custlib/{name}" in text or f"custlib.{name}" in text, name
    assert text.count("```mermaid") == 1


# --- the repository speaks for itself ---------------------------------------------------

#: internal names of the material the method was distilled from: readers cannot follow
#: them. (Built from parts, so this file does not match itself.)
_INTERNAL = re.compile("|".join([r"\bse" + r"eds\b", r"\bse" + r"ed (?:document|text)s?\b",
                                 re.escape("../" + "shared"), "种子" + "文档"]), re.I)


def _tracked_text_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    files = []
    for name in out.decode("utf-8").split("\0"):
        path = ROOT / name
        if name and path.is_file() and path.stat().st_size < 5_000_000:
            files.append(path)
    return files


def test_no_reference_to_material_outside_the_repository():
    hits = []
    for path in _tracked_text_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for m in _INTERNAL.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            hits.append(f"{path.relative_to(ROOT)}:{line}: {m.group(0)!r}")
    assert not hits, "\n".join(hits[:40])
