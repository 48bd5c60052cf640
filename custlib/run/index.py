"""The index pages: one per run folder, one per batch folder, and the "not current" banner.

One writer for every page the runner leaves next to the results: :func:`run_page` (the
run's notebooks, reports, artefacts, notes and parameters), :func:`batch_page` (every
group of a ``custlib run --each`` batch) and :func:`not_current_banner` (put at the top
of the pages of a previous run when a newer attempt failed). The words come from the
``run`` message catalog; every value from data, parameters or file names is HTML-escaped
(:func:`_e`) before it is placed in a page.
"""

from __future__ import annotations

import datetime as _dt
import html
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from custlib.i18n import t
from custlib.run import artefacts
from custlib.run.config import RunFolder

__all__ = ["REPORT_FILES", "batch_page", "not_current_banner", "run_page", "write_page"]

#: The documents a run may write, linked first on its index when it succeeded.
REPORT_FILES = ("report.html", "report.pdf", "report_segments.html", "report_segments.pdf")

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;}\n"
          "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem}")
_RUN_STYLE = ("\npre{background:#f6f6f6;padding:1rem}.status{padding:.6rem;border:2px solid "
              "#c62828;\ncolor:#c62828}.status.running{border-color:#ef6c00;color:#ef6c00}")
_BATCH_STYLE = "\n.err{color:#c62828}"


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


def _e(value: Any) -> str:
    """``value`` as text, HTML-escaped (quotes too: it may land in an attribute)."""
    return html.escape(str(value))


def _now() -> str:
    return _dt.datetime.now().strftime("%Y-%m-%d %H:%M")


def _page(title: str, style: str, body: Iterable[str], lang: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="{_e(lang)}"><head><meta charset="utf-8">\n'
            f"<title>{title}</title>\n<style>{style}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def _link(root: Path, path: Path, text: str) -> str:
    return f'<a href="{_e(os.path.relpath(path, root))}">{text}</a>'


def _size(path: Path, lang: str) -> str:
    return t("run.index.size", lang, size=f"{path.stat().st_size / 1024:,.0f}")


def _notebook_rows(root: Path, notebooks: Sequence[NotebookRow], lang: str) -> str:
    rows = []
    for nb in notebooks:
        rendered = (_link(root, nb.html, t("run.index.html_link", lang))
                    if nb.html and nb.html.exists() else "")
        source = (_link(root, nb.output, t("run.index.notebook_link", lang))
                  if nb.output.exists() else "")
        seconds = t("run.index.seconds", lang, seconds=f"{nb.seconds:.1f}")
        rows.append(f"<tr><td>{_e(nb.name)}</td><td>{_e(nb.status)}</td><td>{seconds}</td>"
                    f"<td>{rendered}</td><td>{source}</td></tr>")
    return "".join(rows)


def _artefact_items(root: Path, lang: str) -> str:
    items = []
    for sub in ("data", "tables", "figures"):
        folder = root / sub
        if folder.is_dir():
            for p in sorted(folder.iterdir()):
                rel = _e(os.path.relpath(p, root))
                items.append(f'<li><a href="{rel}">{rel}</a> ({_size(p, lang)})</li>')
    return "".join(items) or f"<li>{t('run.index.none', lang)}</li>"


def _reports(root: Path, status: str, lang: str) -> str:
    documents = [f'<li>{_link(root, root / name, name)} ({_size(root / name, lang)})</li>'
                 for name in REPORT_FILES if (root / name).exists()]
    if not documents or status != "ok":
        return ""
    return f"<h2>{t('run.index.reports', lang)}</h2><ul>{''.join(documents)}</ul>"


def _notes(run: RunFolder, lang: str) -> list[str]:
    notes = artefacts.read_notes(run)
    if not notes:
        return []
    items = "".join(f"<li>{_e(n.get('text', ''))}</li>" for n in notes)
    return [f"<h2>{t('run.index.notes', lang)}</h2><ul>{items}</ul>"]


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
        The whole page.
    """
    import yaml

    title = _e(name or run.name)
    banner = t(f"run.index.status.{status}", lang) if status != "ok" else ""
    heads = "".join(f"<th>{t(f'run.index.column.{c}', lang)}</th>"
                    for c in ("notebook", "status", "time", "rendered", "source"))
    body = [
        f"<h1>{t('run.index.heading', lang, name=f'<code>{title}</code>')}</h1>",
        f'<p class="status {_e(status)}"><strong>{banner}</strong></p>' if banner else "",
        f"<p>{t('run.index.written', lang, when=_now(), status=_e(status))}</p>",
        _reports(run.root, status, lang),
        f"<h2>{t('run.index.notebooks', lang)}</h2>",
        f"<table><tr>{heads}</tr>\n{_notebook_rows(run.root, notebooks, lang)}</table>",
        f"<h2>{t('run.index.artefacts', lang)}</h2><ul>{_artefact_items(run.root, lang)}</ul>",
        *_notes(run, lang),
        f"<h2>{t('run.index.parameters', lang)}</h2><pre>"
        f"{_e(yaml.safe_dump(dict(params), allow_unicode=True, sort_keys=False))}</pre>",
    ]
    title_text = (t("run.index.title", lang, name=title) if status == "ok" else
                  t("run.index.title_status", lang, name=title, status=_e(status.upper())))
    return _page(title_text, _STYLE + _RUN_STYLE, body, lang)


def _group_row(folder: Path, g: GroupRow, lang: str) -> str:
    if g.report is not None:
        link = _link(folder, g.report, _e(Path(g.report).name))
        pdf = Path(g.report).with_suffix(".pdf")
        if pdf.exists():
            link += f" · {_link(folder, pdf, t('run.batch.pdf', lang))}"
    else:
        link = f'<span class="err">{_e(g.error)}</span>'
    seconds = t("run.index.seconds", lang, seconds=f"{g.seconds:.0f}")
    return (f"<tr><td>{_e(g.value)}</td><td>{g.rows:,}</td><td>{g.customers:,}</td>"
            f"<td>{_e(g.status)}</td><td>{seconds}</td><td>{link}</td></tr>")


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
        The whole page.
    """
    col = _e(column)
    heads = f"<th>{col}</th>" + "".join(
        f"<th>{t(f'run.batch.column.{c}', lang)}</th>"
        for c in ("lines", "customers", "status", "time", "report"))
    rows = "".join(_group_row(folder, g, lang)
                   for g in sorted(groups, key=lambda g: -g.rows))
    failed = sum(g.status != "ok" for g in groups)
    left = "".join(f"<li>{t('run.batch.left_line', lang, value=_e(v), lines=n)}</li>"
                   for v, n in skipped.items())
    body = [
        f"<h1>{t('run.batch.heading', lang, column=f'<code>{col}</code>')}</h1>",
        f"<p>{t('run.batch.summary', lang, groups=len(groups), failed=failed, when=_now())}</p>",
        f"<table><tr>{heads}</tr>{rows}</table>",
        f"<h2>{t('run.batch.left_out', lang)}</h2><ul>{left}</ul>" if left else "",
    ]
    title = t("run.batch.title", lang, name=_e(name or folder.name))
    return _page(title, _STYLE + _BATCH_STYLE, body, lang)


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
        A ``<div class="status last-attempt">`` line.
    """
    link = f'<a href="{_e(f"../{kept.name}/index.html")}">{_e(kept.name)}/</a>'
    text = t("run.index.not_current", lang, when=_e(when), status=_e(status.upper()),
             link=link)
    return ('<div class="status last-attempt" style="padding:.6rem;margin:0 0 1rem;'
            'border:2px solid #c62828;color:#c62828;background:#fff;font-family:'
            f'system-ui,sans-serif"><strong>{text}</strong></div>\n')


def write_page(path: Path, page: str) -> Path:
    """Write a page atomically (a reader never sees half of it); return ``path``."""
    return artefacts.write_text(path, page)
