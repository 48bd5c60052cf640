"""The glossary: every term of the kit in English and Chinese, from one data file.

``glossary.yaml`` beside this module is the one source: per term an id (its anchor in
the pages), a name and a short definition in every language of the kit
(:data:`custlib.i18n.LANGS`), where the notebooks use it (``"02_segmentation §2"``),
related terms and, for the classes, stages, canvas blocks, SWOT quadrants, TOWS
strategies and cleaning rules the kit prints, the catalog keys of those labels.
:func:`load_glossary` reads and checks it; :func:`render` writes the Markdown page of one
language (``docs/glossary.md``, ``docs/glossary.zh.md``), with the section titles read
from the notebooks and the labels read from the catalogs, so the page says what a run
shows. From the repository::

    python -m custlib.teaching.glossary          # (re)write the pages: make glossary
    python -m custlib.teaching.glossary --check  # exit 1 if a page is out of step

A notebook links a term as ``[P(alive)](../docs/glossary.md#p-alive)``;
:meth:`Glossary.href` builds (and checks) such links.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from custlib.errors import CustlibError, ParameterError
from custlib.i18n import LANGS, check_lang, t

__all__ = ["GLOSSARY_FILE", "Glossary", "GlossaryError", "Group", "Term", "Use",
           "check_pages", "load_glossary", "main", "page_name", "render", "write_pages"]

#: the data file every page is generated from
GLOSSARY_FILE: Path = Path(__file__).resolve().parent / "glossary.yaml"

#: the fixed words of a page, per language, under ``page.<lang>`` in the file
_PAGE_WORDS = ("title", "other", "intro", "generated", "index", "term", "other_name", "group",
               "used_in", "see_also", "label", "sep")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_USE = re.compile(r"^(?P<notebook>\d\d_\w+) §(?P<section>\d+)$")


class GlossaryError(CustlibError, ValueError):
    """The glossary file, or a notebook it points to, does not say what it should."""


@dataclass(frozen=True)
class Use:
    """Where a notebook uses a term: the notebook's stem and a ``##`` section number."""

    notebook: str
    section: str


@dataclass(frozen=True)
class Group:
    """A stage of the kit, a heading of the pages, with its title in every language."""

    id: str
    titles: Mapping[str, str]


@dataclass(frozen=True)
class Term:
    """One term: names and definitions by language, where it is used, related terms."""

    id: str
    group: str
    names: Mapping[str, str]
    definitions: Mapping[str, str]
    used: tuple[Use, ...]
    see: tuple[str, ...]
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Glossary:
    """The terms in their order, the groups, the pages' fixed words and the stage pages."""

    terms: tuple[Term, ...]
    groups: tuple[Group, ...]
    page: Mapping[str, Mapping[str, str]]
    notebooks: Mapping[str, str]

    @property
    def ids(self) -> tuple[str, ...]:
        """The ids of the terms, in the file's order."""
        return tuple(term.id for term in self.terms)

    def term(self, term_id: str) -> Term:
        """The term with id ``term_id``.

        Parameters
        ----------
        term_id : str
            An id of the glossary, e.g. ``'p-alive'``.

        Returns
        -------
        Term
            The term; an unknown id raises :class:`~custlib.errors.ParameterError` naming
            the closest ids.
        """
        for term in self.terms:
            if term.id == term_id:
                return term
        close = difflib.get_close_matches(term_id, self.ids, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ParameterError(f"the glossary has no term {term_id!r}{hint} "
                             f"(ids are listed in {GLOSSARY_FILE.name})")

    def href(self, term_id: str, lang: str = "en", folder: str = "../docs") -> str:
        """The link target of a term's entry, for Markdown in ``notebooks/`` by default.

        Parameters
        ----------
        term_id : str
            An id of the glossary.
        lang : str, default 'en'
            The page's language.
        folder : str, default '../docs'
            The path from the linking file to ``docs/``; ``''`` from a page in ``docs/``.

        Returns
        -------
        str
            e.g. ``'../docs/glossary.md#p-alive'``.

        Examples
        --------
        >>> load_glossary().href("p-alive", "zh")
        '../docs/glossary.zh.md#p-alive'
        """
        self.term(term_id)
        name = page_name(check_lang(lang))
        return f"{folder.rstrip('/')}/{name}#{term_id}" if folder else f"{name}#{term_id}"


def page_name(lang: str) -> str:
    """The file name of the glossary page of ``lang``: ``glossary.md``, ``glossary.zh.md``.

    Parameters
    ----------
    lang : str
        A language of :data:`custlib.i18n.LANGS`.

    Returns
    -------
    str
        English is the plain name; every other language adds its code.
    """
    return "glossary.md" if lang == "en" else f"glossary.{lang}.md"


def _text(where: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise GlossaryError(f"{GLOSSARY_FILE.name}: {where} is {value!r}; expected a "
                            "non-empty text")
    return " ".join(value.split())


def _by_lang(where: str, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise GlossaryError(f"{GLOSSARY_FILE.name}: {where} is {value!r}; expected one text "
                            f"per language ({', '.join(LANGS)})")
    return {lang: _text(f"{where}.{lang}", value.get(lang)) for lang in LANGS}


def _term(raw: Any, n: int, groups: set[str]) -> Term:
    if not isinstance(raw, Mapping):
        raise GlossaryError(f"{GLOSSARY_FILE.name}: term {n} is {raw!r}; expected a mapping")
    term_id = raw.get("id")
    if not isinstance(term_id, str) or not _ID.match(term_id):
        raise GlossaryError(f"{GLOSSARY_FILE.name}: term {n} has id {term_id!r}; expected "
                            "lower-case words joined by '-', e.g. 'p-alive'")
    where = f"term {term_id!r}"
    if raw.get("group") not in groups:
        raise GlossaryError(f"{GLOSSARY_FILE.name}: {where} has group {raw.get('group')!r}; "
                            f"expected one of {', '.join(sorted(groups))}")
    names = {lang: _text(f"{where} {lang}", raw.get(lang)) for lang in LANGS}
    definitions = _by_lang(f"{where} def", raw.get("def"))
    used = []
    for item in raw.get("used") or ():
        m = _USE.match(str(item))
        if not m:
            raise GlossaryError(f"{GLOSSARY_FILE.name}: {where} is used in {item!r}; expected "
                                "'<notebook> §<section number>', e.g. '03_clv §4'")
        used.append(Use(m["notebook"], m["section"]))
    if not used:
        raise GlossaryError(f"{GLOSSARY_FILE.name}: {where} says no notebook uses it; list "
                            "at least one under 'used'")
    see = tuple(str(s) for s in raw.get("see") or ())
    labels = tuple(str(s) for s in raw.get("labels") or ())
    return Term(term_id, str(raw["group"]), names, definitions, tuple(used), see, labels)


def load_glossary(path: str | Path | None = None) -> Glossary:
    """Read and check the glossary file.

    Parameters
    ----------
    path : str or Path, optional
        Default :data:`GLOSSARY_FILE`.

    Returns
    -------
    Glossary
        Every term with a name and a definition in each language, ids unique, every
        see-also id and every label key known (checked against the catalogs); anything
        else raises :class:`GlossaryError` naming the term.
    """
    file = Path(path) if path is not None else GLOSSARY_FILE
    return _load(file.resolve(), file.stat().st_mtime_ns)


@cache
def _load(file: Path, _mtime: int) -> Glossary:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it
    data = yaml.load(file.read_text(encoding="utf-8"), Loader=loader) or {}
    groups = tuple(Group(str(g["id"]), _by_lang(f"group {g.get('id')!r}", g))
                   for g in data.get("groups") or ())
    page = {}
    for lang in LANGS:
        words = (data.get("page") or {}).get(lang) or {}
        for key in _PAGE_WORDS:
            _text(f"page.{lang}.{key}", words.get(key))  # present and not blank
        page[lang] = {key: str(words[key]) for key in _PAGE_WORDS}  # spaces kept: sep
    terms = tuple(_term(raw, n, {g.id for g in groups})
                  for n, raw in enumerate(data.get("terms") or (), start=1))
    seen: set[str] = set()
    for term in terms:
        if term.id in seen:
            raise GlossaryError(f"{file.name}: the id {term.id!r} is used twice; ids are the "
                                "pages' anchors and must be unique")
        seen.add(term.id)
    notebooks = {str(k): str(v) for k, v in (data.get("notebooks") or {}).items()}
    for term in terms:
        unknown = [s for s in term.see if s not in seen]
        if unknown:
            raise GlossaryError(f"{file.name}: term {term.id!r} refers to {', '.join(unknown)} "
                                "under 'see', which the glossary does not define")
        for use in term.used:
            if use.notebook not in notebooks:
                raise GlossaryError(f"{file.name}: term {term.id!r} is used in "
                                    f"{use.notebook!r}, which is not under 'notebooks'")
        for key in term.labels:
            for lang in LANGS:
                try:
                    t(key, lang)
                except CustlibError as err:
                    raise GlossaryError(f"{file.name}: term {term.id!r} names the label "
                                        f"{key!r}: {err}") from err
    return Glossary(terms, groups, page, notebooks)


@cache
def _sections(notebook: Path) -> dict[str, str]:
    """The ``## n · title`` headings of a notebook's markdown cells: number -> title."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found = {}
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        for line in "".join(cell["source"]).splitlines():
            m = re.match(r"^##\s+(\d+)\s+·\s+(.+?)\s*$", line)
            if m:
                found[m[1]] = m[2]
    return found


def _section_title(use: Use, term: Term, notebooks_dir: Path) -> str:
    path = notebooks_dir / f"{use.notebook}.ipynb"
    if not path.is_file():
        raise GlossaryError(f"term {term.id!r} is used in {use.notebook}, but {path} does not "
                            "exist; correct 'used' in the glossary file")
    sections = _sections(path)
    if use.section not in sections:
        raise GlossaryError(f"term {term.id!r} is used in {use.notebook} §{use.section}, but "
                            f"that notebook's sections are {', '.join(sections)}; correct "
                            "'used' in the glossary file")
    return sections[use.section]


def _index_key(term: Term) -> str:
    name = term.names["en"].casefold()
    return name.removeprefix("the ")


def render(lang: str, glossary: Glossary | None = None,
           notebooks_dir: str | Path | None = None) -> str:
    """The glossary page of one language, as Markdown.

    Parameters
    ----------
    lang : str
        A language of :data:`custlib.i18n.LANGS`.
    glossary : Glossary, optional
        Default: :func:`load_glossary`.
    notebooks_dir : str or Path, optional
        Where the notebooks are (their section titles are read from them); default the
        project's ``notebooks/``.

    Returns
    -------
    str
        The page: a title, an index of every term, then the terms by stage, each with an
        anchor ``<a id="term-id">``, its name in both languages, its definition, the labels
        the kit prints for it, where the notebooks use it and related terms.
    """
    from custlib.run.config import NOTEBOOKS_DIR

    check_lang(lang)
    g = glossary if glossary is not None else load_glossary()
    folder = Path(notebooks_dir) if notebooks_dir is not None else NOTEBOOKS_DIR
    words = g.page[lang]
    others = [x for x in LANGS if x != lang]

    def other_names(term: Term) -> str:
        return " · ".join(term.names[x] for x in others)

    out = [f"# {words['title']}", "", words["other"], "", words["intro"], "",
           f"*{words['generated']}*", "", f"## {words['index']}", "",
           f"| {words['term']} | {words['other_name']} | {words['group']} |", "|---|---|---|"]
    titles = {grp.id: grp.titles[lang] for grp in g.groups}
    ordered = sorted(g.terms, key=_index_key) if lang == "en" else list(g.terms)
    for term in ordered:
        out.append(f"| [{term.names[lang]}](#{term.id}) | {other_names(term)} | "
                   f"{titles[term.group]} |")
    names = {term.id: term.names[lang] for term in g.terms}
    for grp in g.groups:
        out += ["", f"## {grp.titles[lang]}"]
        for term in (x for x in g.terms if x.group == grp.id):
            out += ["", f'<a id="{term.id}"></a>', "",
                    f"### {term.names[lang]} · {other_names(term)}", "",
                    term.definitions[lang], ""]
            if term.labels:
                shown = "; ".join(" · ".join(t(key, x) for x in (lang, *others))
                                  for key in term.labels)
                out.append(f"- **{words['label']}:** {shown}")
            uses: dict[str, list[str]] = {}
            for use in term.used:
                title = _section_title(use, term, folder)
                uses.setdefault(use.notebook, []).append(f"§ {use.section} *{title}*")
            where = "; ".join(f"[`{nb}`]({g.notebooks[nb]}) {words['sep'].join(parts)}"
                              for nb, parts in uses.items())
            out.append(f"- **{words['used_in']}:** {where}")
            if term.see:
                out.append(f"- **{words['see_also']}:** "
                           + words["sep"].join(f"[{names[s]}](#{s})" for s in term.see))
    return "\n".join(out) + "\n"


def write_pages(docs_dir: str | Path | None = None) -> list[Path]:
    """Write the glossary page of every language into ``docs_dir``.

    Parameters
    ----------
    docs_dir : str or Path, optional
        Default the project's ``docs/``.

    Returns
    -------
    list of Path
        The pages whose content changed (and were written).
    """
    folder = _docs(docs_dir)
    changed = []
    for lang in LANGS:
        path = folder / page_name(lang)
        text = render(lang)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def check_pages(docs_dir: str | Path | None = None) -> list[Path]:
    """The glossary pages in ``docs_dir`` that differ from what :func:`render` writes.

    Parameters
    ----------
    docs_dir : str or Path, optional
        Default the project's ``docs/``.

    Returns
    -------
    list of Path
        Empty when every page is in step with the glossary file, the notebooks and the
        catalogs.
    """
    folder = _docs(docs_dir)
    stale = []
    for lang in LANGS:
        path = folder / page_name(lang)
        if not path.exists() or path.read_text(encoding="utf-8") != render(lang):
            stale.append(path)
    return stale


def _docs(docs_dir: str | Path | None) -> Path:
    from custlib.run.config import PROJECT_ROOT

    return Path(docs_dir) if docs_dir is not None else PROJECT_ROOT / "docs"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m custlib.teaching.glossary [--check] [--docs DIR]``.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 when the pages are written (or, with ``--check``, in step); 1 when ``--check``
        finds a page out of step; 2 when the glossary file is wrong.
    """
    parser = argparse.ArgumentParser(prog="python -m custlib.teaching.glossary",
                                     description="write docs/glossary*.md from glossary.yaml")
    parser.add_argument("--check", action="store_true",
                        help="only report pages that differ from the glossary file")
    parser.add_argument("--docs", default=None, help="the docs folder (default: docs/)")
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = check_pages(args.docs)
            for path in stale:
                print(f"{path} is out of step with {GLOSSARY_FILE.name}: run make glossary",
                      file=sys.stderr)
            return 1 if stale else 0
        for path in write_pages(args.docs):
            print(f"wrote {path}")
    except CustlibError as err:
        print(f"glossary: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
