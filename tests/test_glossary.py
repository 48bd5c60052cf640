"""The glossary (custlib/teaching/glossary.yaml) and its pages, docs/glossary.md and
docs/glossary.zh.md: the pages are what the file, the notebooks and the catalogs say; every
term has both languages; every class, stage, canvas block, SWOT quadrant, TOWS strategy and
cleaning rule the kit prints has its term, under the kit's own label; every link to a term
lands on one."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from custlib.data.cleaning import RULES as CLEANING_RULES
from custlib.errors import ParameterError
from custlib.i18n import LANGS, t
from custlib.lifecycle.stages import STAGES
from custlib.report.strategy import CANVAS_BLOCKS, QUADRANTS, TOWS_KEYS
from custlib.segments.schemes import GUIDE
from custlib.teaching import glossary as gl

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
_FAST = {"Loader": getattr(yaml, "CSafeLoader", yaml.SafeLoader)}


@pytest.fixture(scope="module")
def g():
    return gl.load_glossary()


def _kit_labels() -> dict[str, bool]:
    """Every label key the kit prints for a class, a stage, a canvas block, a SWOT quadrant,
    a TOWS strategy or a cleaning rule, from the code's own lists -> whether the term's
    names must carry the label itself (a class's name does; a rule's need not)."""
    keys = {f"segments.scheme.{scheme}.{cls}.name": True
            for scheme, classes in GUIDE.items() for cls in classes}
    keys |= {f"lifecycle.stage.{s}": True for s in STAGES}
    keys |= {f"report.canvas.block.{b}": True for b in CANVAS_BLOCKS}
    keys |= {f"report.swot.quadrant.{q}": True for q in QUADRANTS}
    keys |= {f"report.tows.{k}": False for k in TOWS_KEYS}
    keys |= {f"data.cleaning.rule.{r}": False for r in CLEANING_RULES}
    return keys


# --- (a) the pages are generated from the file ------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_page_is_the_glossary_file(lang):
    path = DOCS / gl.page_name(lang)
    assert path.read_text(encoding="utf-8") == gl.render(lang), (
        f"{path.relative_to(ROOT)} is out of step with custlib/teaching/glossary.yaml, the "
        "notebooks' section titles or the catalogs' labels: run make glossary")


def test_check_command_reports_a_stale_page(tmp_path):
    for lang in LANGS:
        (tmp_path / gl.page_name(lang)).write_text(gl.render(lang), encoding="utf-8")
    assert gl.check_pages(tmp_path) == []
    assert gl.main(["--check", "--docs", str(tmp_path)]) == 0
    zh = tmp_path / "glossary.zh.md"
    zh.write_text(zh.read_text(encoding="utf-8").replace("存活概率", "生存概率"), encoding="utf-8")
    assert gl.check_pages(tmp_path) == [zh]
    assert gl.main(["--check", "--docs", str(tmp_path)]) == 1
    assert gl.write_pages(tmp_path) == [zh]
    assert gl.check_pages(tmp_path) == []


def test_module_runs_as_a_command(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "custlib.teaching.glossary", "--docs",
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["glossary.md", "glossary.zh.md"]


# --- (b) every term in both languages ----------------------------------------------------

def test_every_term_has_both_languages_and_a_definition():
    raw = yaml.load(gl.GLOSSARY_FILE.read_text(encoding="utf-8"), **_FAST)
    assert len(raw["terms"]) >= 100
    for term in raw["terms"]:
        for lang in ("en", "zh"):
            assert isinstance(term.get(lang), str) and term[lang].strip(), (term["id"], lang)
            assert isinstance(term["def"].get(lang), str) and len(term["def"][lang]) >= 8, \
                (term["id"], lang)
        # the Chinese name and definition are Chinese, the English ones are not
        assert re.search(r"[\u4e00-\u9fff]", term["def"]["zh"]), term["id"]
        assert not re.search(r"[\u4e00-\u9fff]", term["en"]), term["id"]
        assert term["used"], term["id"]


def test_ids_are_unique_and_anchors_of_both_pages(g):
    assert len(set(g.ids)) == len(g.ids)
    for lang in LANGS:
        text = (DOCS / gl.page_name(lang)).read_text(encoding="utf-8")
        assert re.findall(r'<a id="([\w-]+)"></a>', text) == list(g.ids)


def test_the_terms_the_brief_of_the_glossary_names(g):
    """The vocabulary a class meets in the notebooks, by id."""
    for term_id in ("rfm", "rfm-score", "quintile-edges", "btyd", "pareto-nbd", "bg-nbd",
                    "gamma-gamma", "frequency-recency-t", "calibration-period",
                    "holdout-period", "p-alive", "expected-purchases", "clv", "margin",
                    "discount-rate", "bootstrap", "ninety-range", "k-means", "silhouette",
                    "swot", "tows", "canvas", "customer-needs", "loyalty",
                    "price-sensitivity", "competitors", "positioning-map", "cohort",
                    "retention", "cancellation-netting", "extreme-lines", "anonymous-lines",
                    "observation-window", "sparse-tail"):
        g.term(term_id)
    assert g.term("p-alive").names == {"en": "P(alive)", "zh": "存活概率"}
    assert g.term("cohort").names["zh"] == "获客群组(同期群)"


# --- (c) every label the kit prints has its term -----------------------------------------

def test_every_kit_label_has_a_term_under_its_own_name(g):
    labels = _kit_labels()
    # 11 + 8 + 3 + 3 + 4 classes, 8 stages, 10 blocks, 4 quadrants, 4 strategies, 9 rules
    assert len(labels) == 29 + 8 + 10 + 4 + 4 + len(CLEANING_RULES)
    owner = {key: term for term in g.terms for key in term.labels}
    missing = sorted(set(labels) - set(owner))
    assert not missing, f"labels of the kit with no term in the glossary: {missing}"
    wrong = []
    for key, in_name in labels.items():
        if not in_name:
            continue
        for lang in LANGS:
            if t(key, lang).casefold() not in owner[key].names[lang].casefold():
                wrong.append(f"{owner[key].id}: {owner[key].names[lang]!r} lacks {t(key, lang)!r}")
    assert not wrong, "\n".join(wrong)


def test_the_source_texts_classes_are_there_in_chinese(g):
    zh = {term.names["zh"] for term in g.terms}
    for label in ("重要客户", "一般客户", "潜在客户", "忠诚客户", "流失客户", "新客户",
                  "活跃客户", "沉睡客户", "高价值客户", "重要价值客户", "重要挽留客户"):
        assert any(name.startswith(label) for name in zh), label


@pytest.mark.parametrize("lang", LANGS)
def test_page_prints_every_label_in_both_languages(lang):
    text = (DOCS / gl.page_name(lang)).read_text(encoding="utf-8")
    for key in _kit_labels():
        for label_lang in LANGS:
            assert t(key, label_lang) in text, (key, label_lang)


# --- (d) links land on a term --------------------------------------------------------------

def _markdown_sources() -> list[tuple[str, str]]:
    out = [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8"))
           for p in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]]
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        out += [(f"notebooks/{nb.name}", "".join(c["source"])) for c in cells
                if c["cell_type"] == "markdown"]
    return out


def test_every_link_to_a_term_lands_on_one(g):
    broken = []
    for where, text in _markdown_sources():
        for page, anchor in re.findall(r"\]\((?:[^)\s]*/)?(glossary(?:\.\w+)?\.md)#([^)\s]+)\)",
                                       text):
            if anchor not in g.ids:
                broken.append(f"{where}: {page}#{anchor}")
    assert not broken, "links to terms the glossary does not define:\n" + "\n".join(broken)


def test_see_also_and_index_links_are_terms(g):
    for lang in LANGS:
        text = (DOCS / gl.page_name(lang)).read_text(encoding="utf-8")
        targets = set(re.findall(r"\]\(#([\w-]+)\)", text))
        assert targets and targets <= set(g.ids)
    assert g.term("p-alive").see == ("btyd", "expected-purchases", "stage-at-risk")


def test_href_builds_checked_links(g):
    assert g.href("p-alive") == "../docs/glossary.md#p-alive"
    assert g.href("cohort", "zh", folder="") == "glossary.zh.md#cohort"
    with pytest.raises(ParameterError, match=r"no term 'p-alvie'.*p-alive"):
        g.href("p-alvie")


# --- the file's own checks ---------------------------------------------------------------

def _write(tmp_path, mutate) -> Path:
    data = yaml.load(gl.GLOSSARY_FILE.read_text(encoding="utf-8"), **_FAST)
    mutate(data)
    path = tmp_path / "glossary.yaml"
    path.write_text(yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                              allow_unicode=True), encoding="utf-8")
    return path


def _term(data, term_id):
    return next(x for x in data["terms"] if x["id"] == term_id)


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["terms"].append(dict(_term(d, "clv"))), r"the id 'clv' is used twice"),
    (lambda d: _term(d, "clv")["see"].append("lifetime-value"),
     r"term 'clv' refers to lifetime-value under 'see'"),
    (lambda d: _term(d, "clv")["def"].pop("zh"), r"term 'clv' def\.zh is None"),
    (lambda d: _term(d, "clv").update(zh="  "), r"term 'clv' zh is '  '"),
    (lambda d: _term(d, "clv").update(used=["03_clv 6"]), r"'03_clv 6'; expected"),
    (lambda d: _term(d, "clv").update(labels=["value.no_such_label"]),
     r"term 'clv' names the label 'value.no_such_label'"),
    (lambda d: _term(d, "clv").update(id="CLV"), r"has id 'CLV'; expected lower-case"),
])
def test_a_wrong_glossary_file_is_refused_with_the_term_named(tmp_path, mutate, message):
    with pytest.raises(gl.GlossaryError, match=message):
        gl.load_glossary(_write(tmp_path, mutate))


def test_a_section_the_notebook_lacks_is_refused(tmp_path):
    path = _write(tmp_path, lambda d: _term(d, "clv").update(used=["03_clv §42"]))
    with pytest.raises(gl.GlossaryError, match=r"term 'clv' is used in 03_clv §42, but that "
                                              r"notebook's sections are 1, 2, .*, 9"):
        gl.render("en", gl.load_glossary(path))


def test_where_used_names_the_notebook_section():
    text = gl.render("en")
    assert ("[`03_clv`](03-value.md) § 5 *Spend per purchase: the Gamma-Gamma model*"
            in text)
    entry = text.split('<a id="importance-important"></a>')[1].split("<a id=")[0]
    assert "### important (importance class) · 重要客户(重要性分类)" in entry
    assert "- **Label in the kit:** important · 重要客户" in entry
