"""The index pages: one per run folder, one per batch folder, and the "not current" banner.

One writer for every page the runner leaves next to the results: :func:`run_page` (the
run's notebooks, reports, artefacts, notes and parameters), :func:`batch_page` (every
group of a ``custlib run --each`` batch) and :func:`not_current_banner` (put at the top
of the pages of a previous run when a newer attempt failed). The words come from the
``run`` message catalog and the markup from the Jinja2 templates in ``templates/``
(``run_index.html.j2``, ``batch_index.html.j2``, ``last_attempt.html.j2``); this module
only prepares the data (texts, relative hrefs, formatted sizes and counts). The templates
are autoescaped: every value from data, parameters or file names is HTML-escaped, and so
is every field of a catalog text (:func:`_msg`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from custlib.i18n import t
from custlib.run import artefacts
from custlib.run.clock import stamp
from custlib.run.config import RunFolder

if TYPE_CHECKING:
    import jinja2
    from markupsafe import Markup

__all__ = ["REPORT_FILES", "batch_page", "not_current_banner", "run_page", "write_page"]

#: The documents a run may write, linked first on its index when it succeeded.
REPORT_FILES = ("report.html", "report.pdf", "report_segments.html", "report_segments.pdf")


class NotebookRow(Protocol):
    """What the run page shows of one notebook (:class:`custlib.run.runner.NotebookRun`)."""

    name: str
    status: str
    seconds: float
    output: Path
    html: Path | None


class GroupRow(Protocol):
    """What the batch page shows of one group (:class:`custlib.run.batch.GroupRun`)."""

    value: str
    rows: int
    customers: int
    status: str
    seconds: float
    report: Path | None
    error: str


TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> jinja2.Environment:
    """The templates' environment: autoescaped, strict, ``msg`` for catalog words."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.globals["msg"] = jinja2.pass_context(_msg)
    return env


def _msg(context: Any, key: str, **fields: Any) -> Markup:
    """The catalog text ``key`` in the page's language, its fields HTML-escaped.

    Catalog page texts are HTML (see the ``run`` catalog); a field already marked safe
    (markup built in a template, e.g. ``<code>name</code>``) is placed as it is.
    """
    from markupsafe import Markup, escape

    text = t(key, context["lang"], **{k: escape(v) for k, v in fields.items()})
    return Markup(text)  # noqa: S704 (catalog text, fields escaped)


def _render(template: str, lang: str, **data: Any) -> str:
    return _environment().get_template(template).render(lang=lang, **data)


def _href(root: Path, path: Path) -> str:
    return os.path.relpath(path, root)


def _kib(path: Path) -> str:
    return f"{path.stat().st_size / 1024:,.0f}"


def _notebook_rows(root: Path, notebooks: Sequence[NotebookRow]) -> list[dict[str, str]]:
    return [{"name": nb.name, "status": nb.status, "seconds": f"{nb.seconds:.1f}",
             "html": _href(root, nb.html) if nb.html and nb.html.exists() else "",
             "source": _href(root, nb.output) if nb.output.exists() else ""}
            for nb in notebooks]


def _artefacts(root: Path) -> list[dict[str, str]]:
    return [{"href": _href(root, p), "kib": _kib(p)}
            for sub in ("data", "tables", "figures") if (root / sub).is_dir()
            for p in sorted((root / sub).iterdir())]


def _reports(root: Path, status: str) -> list[dict[str, str]]:
    if status != "ok":
        return []
    return [{"name": name, "href": _href(root, root / name), "kib": _kib(root / name)}
            for name in REPORT_FILES if (root / name).exists()]


def run_page(run: RunFolder, notebooks: Sequence[NotebookRow], params: Mapping[str, Any],
             status: str = "ok", name: str | None = None, lang: str = "en") -> str:
    """The index page of a run folder.

    Parameters
    ----------
    run : RunFolder
        The folder the page describes (links are relative to it).
    notebooks : sequence
        One row per notebook (name, status, seconds, output, html).
    params : mapping
        The run's parameters, shown as YAML.
    status : {'running', 'ok', 'failed', 'interrupted'}
    name : str, optional
        The run's name (default the folder's).
    lang : str, default 'en'

    Returns
    -------
    str
        The whole page (template ``run_index.html.j2``).
    """
    import yaml

    return _render(
        "run_index.html.j2", lang, name=name or run.name, status=status, now=stamp(),
        reports=_reports(run.root, status), notebooks=_notebook_rows(run.root, notebooks),
        artefacts=_artefacts(run.root),
        notes=[n.get("text", "") for n in artefacts.read_notes(run)],
        parameters=yaml.safe_dump(dict(params), allow_unicode=True, sort_keys=False))


def _group_row(folder: Path, g: GroupRow) -> dict[str, str]:
    report = Path(g.report) if g.report is not None else None
    pdf = report.with_suffix(".pdf") if report is not None else None
    return {"value": g.value, "rows": f"{g.rows:,}", "customers": f"{g.customers:,}",
            "status": g.status, "seconds": f"{g.seconds:.0f}", "error": g.error,
            "report": _href(folder, report) if report is not None else "",
            "report_name": report.name if report is not None else "",
            "pdf": _href(folder, pdf) if pdf is not None and pdf.exists() else ""}


def batch_page(folder: Path, column: str, groups: Sequence[GroupRow],
               skipped: Mapping[Any, int], name: str = "", lang: str = "en") -> str:
    """The index page of a batch folder: one row per group, biggest first.

    Parameters
    ----------
    folder : pathlib.Path
        The batch folder (links are relative to it).
    column : str
        The column the log was split by.
    groups : sequence
        One row per group (value, rows, customers, status, seconds, report, error).
    skipped : mapping
        Values left out for too few lines, with their line counts.
    name : str, optional
        The batch's name (default the folder's).
    lang : str, default 'en'

    Returns
    -------
    str
        The whole page (template ``batch_index.html.j2``).
    """
    return _render(
        "batch_index.html.j2", lang, name=name or folder.name, column=column, now=stamp(),
        groups=[_group_row(folder, g) for g in sorted(groups, key=lambda g: -g.rows)],
        failed=sum(g.status != "ok" for g in groups), skipped=list(skipped.items()))


def not_current_banner(when: str, status: str, kept: Path, lang: str = "en") -> str:
    """The banner put at the top of a previous run's pages when a newer attempt failed.

    Parameters
    ----------
    when : str
        When the attempt started (ISO 8601).
    status : {'failed', 'interrupted'}
    kept : pathlib.Path
        Where the attempt is kept (a sibling folder: linked as ``../<name>/index.html``).
    lang : str, default 'en'

    Returns
    -------
    str
        A ``<div class="status last-attempt">`` line (template ``last_attempt.html.j2``).
    """
    return _render("last_attempt.html.j2", lang, when=when, status=status, kept=kept.name,
                   href=f"../{kept.name}/index.html")


def write_page(path: Path, page: str) -> Path:
    """Write a page atomically (a reader never sees half of it); return ``path``."""
    return artefacts.write_text(path, page)
