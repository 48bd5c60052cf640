"""The course path (docs/course.md, docs/course.zh.md) and the CDNOW case study
(docs/case-study-cdnow.md) say what the notebooks and params/cdnow.yaml do."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))


def _sections(stem: str) -> list[int]:
    cells = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return [int(n) for n in re.findall(r"^## (\d+) ·", text, re.M)]


@pytest.mark.parametrize("page", ["course.md", "course.zh.md"])
def test_course_lessons_cover_every_notebook_section(page):
    """The lesson table names every notebook, and its sections span each one's sections."""
    text = (DOCS / page).read_text(encoding="utf-8")
    rows = re.findall(r"^\| \d \| [^|]+ \| `(\d\d_\w+)` \| (\d+)-(\d+)", text, re.M)
    covered: dict[str, set[int]] = {}
    for stem, lo, hi in rows:
        covered.setdefault(stem, set()).update(range(int(lo), int(hi) + 1))
    assert sorted(covered) == NOTEBOOKS
    for stem in NOTEBOOKS:
        assert covered[stem] == set(_sections(stem)), stem
    for words in ("make student", "build/student", "build/teacher", "make lab",
                  "## Exercises", "(case-study-cdnow"):
        assert words in text, (page, words)


CASE_STUDIES = ["case-study-cdnow.md", "case-study-cdnow.zh.md"]


@pytest.mark.parametrize("page", CASE_STUDIES)
def test_case_study_describes_the_cdnow_parameter_file(page):
    params = yaml.safe_load((ROOT / "params" / "cdnow.yaml").read_text(encoding="utf-8"))
    text = (DOCS / page).read_text(encoding="utf-8")
    assert params["transactions"] == "cdnow_sample" and "**`cdnow_sample`**" in text
    assert f'`calibration_end: "{params["calibration_end"]}"`' in text
    assert f"`model_time_unit: {params['model_time_unit']}`" in text
    assert params["observation_start"] == "1997-01-01" and params["observation_end"] == "1998-06-30"
    assert params["rules"] == {"duplicates": False, "invalid_prices": False}


@pytest.mark.parametrize("page", CASE_STUDIES)
def test_case_study_key_quotes_the_published_figures_the_tests_reproduce(page):
    """The answer key's published parameters are the ones tests/test_btyd.py pins."""
    text = (DOCS / page).read_text(encoding="utf-8")
    pinned = (ROOT / "tests" / "test_btyd.py").read_text(encoding="utf-8")
    assert "[0.243, 4.414, 0.793, 2.426]" in pinned
    assert "[0.553, 10.578, 0.606, 11.669]" in pinned
    assert "[6.25, 3.74, 15.44]" in pinned
    sep = ", " if page.endswith(".md") and not page.endswith(".zh.md") else "、"
    bgnbd = sep.join(["r = 0.243", "α = 4.414", "a = 0.793", "b = 2.426"])
    pareto = sep.join(["r = 0.553", "α = 10.578", "s = 0.606", "β = 11.669"])
    assert text.count(bgnbd) == 2 and text.count(pareto) == 2  # published, then the kit's
    assert sep.join(["p = 6.25", "q = 3.74", "γ = 15.44"]) in text
    questions = re.findall(r"^(\d+)\. \*\*", text, re.M)
    answers = re.search(r"^## (?:Answer key|答案)\n(.*?)^## ", text, re.S | re.M)
    assert answers
    assert len(questions) == len(re.findall(r"^(\d+)\. ", answers.group(1), re.M)) == 13
