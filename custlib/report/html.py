"""The report as one self-contained HTML page, from the template ``templates/report.html.j2``.

This module prepares what the page shows (tables as text cells in the report's language,
KPI cards, Markdown rendered with its text escaped); the Jinja2 template lays it out with
autoescape on, so every text from the data or the parameters stays text. Figures are
embedded as PNG, styles inline, and a subset of the CJK font when the page has Chinese
(:mod:`custlib.report.fonts`): the page reads offline and prints cleanly.
"""

from __future__ import annotations

import datetime as _dt
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from custlib.i18n import t

if TYPE_CHECKING:
    import jinja2

    from custlib.report.document import Report

__all__ = ["TEMPLATES", "inline_markdown", "kpi_cards", "render", "table_cells"]

#: Where the report's templates live.
TEMPLATES: Path = Path(__file__).resolve().parent / "templates"


def inline_markdown(text: str) -> str:
    """Markdown (bold, italics, code, lists, paragraphs) to HTML, with the text escaped.

    Examples
    --------
    >>> inline_markdown("**a** <b>")
    '<p><strong>a</strong> &lt;b&gt;</p>\\n'
    """
    import mistune

    return str(mistune.create_markdown(escape=True)(str(text)))


def _number(v: Any, percent: bool, digits: int) -> str:
    if v != v:
        return ""
    if percent:
        return f"{v:.0%}"
    if digits:
        return f"{v:,.{digits}f}"
    return f"{v:,.0f}"


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (_is_number(v) and v != v)


def table_cells(df: pd.DataFrame, lang: str, digits: int = 2,
                percent: tuple[str, ...] = (), small: list[bool] | None = None) -> dict[str, Any]:
    """A table as the page shows it: headings and known values in ``lang``, numbers as text.

    A column with no value at all is left out (an empty column says nothing); the numbers of
    a column share one format: whole numbers without decimals when every value is whole,
    else every value with ``digits`` decimals (never "0", "71,231.70" and "82,437" in one
    column); a column of text is left-aligned, heading included.

    Parameters
    ----------
    df : pandas.DataFrame
    lang : str
    digits : int, default 2
        Decimals of a column whose numbers are not all whole.
    percent : tuple of str
        Columns (by their code name or their heading) shown as %.
    small : list of bool, optional
        Rows resting on too few people (:func:`custlib.report.document.small_samples`):
        their label is marked †.

    Returns
    -------
    dict
        ``corner`` (the index heading), ``columns``, ``text_columns`` (whether each column
        is text, left-aligned) and ``rows``: each row a ``head`` and its ``cells``, pairs of
        text and whether it is text (left-aligned) rather than a number.
    """
    from custlib.report.document import readable

    shown = readable(df, lang)
    percent = tuple(new for old, new in zip(df.columns, shown.columns, strict=True)
                    if old in percent or new in percent)
    keep = [i for i in range(shown.shape[1])
            if not all(_is_blank(v) for v in shown.iloc[:, i])] if len(shown) else \
        list(range(shown.shape[1]))
    shown = shown.iloc[:, keep]
    decimals = {}
    for i in range(shown.shape[1]):
        values = [v for v in shown.iloc[:, i] if _is_number(v) and v == v]
        decimals[i] = 0 if all(float(v).is_integer() for v in values) else digits
    rows = []
    marks = small or [False] * len(shown)
    for (idx, row), mark in zip(shown.iterrows(), marks, strict=True):
        cells = []
        for i, (c, v) in enumerate(row.items()):
            if _is_number(v):
                cells.append((_number(v, c in percent, decimals[i]), False))
            else:
                cells.append(("" if v is None else str(v), True))
        rows.append({"head": f"{idx} †" if mark else str(idx), "cells": cells})
    text_columns = [bool(len(shown)) and all(not _is_number(v) or v != v
                                             for v in shown.iloc[:, i])
                    for i in range(shown.shape[1])]
    corner = shown.index.name or shown.columns.name or ""
    return {"corner": str(corner), "columns": [str(c) for c in shown.columns],
            "text_columns": text_columns, "rows": rows}


def kpi_cards(table: pd.DataFrame, currency: str, lang: str) -> dict[str, Any]:
    """The KPI cards of :func:`custlib.report.kpis.kpis`, as the page shows them.

    Returns
    -------
    dict
        ``period_label``, ``period``, ``note`` (periods shortened to equal lengths, or
        ''), ``vs``, ``cards``: each a ``name``, ``current`` value, ``change``, its
        ``direction`` ('up', 'down' or '' when there is none) and ``tone``: 'good' or 'bad'
        for the business, not for the sign (a rise in the share at risk is bad; the KPIs
        in ``table.attrs['worse_when_up']``), and ``caveats``: the
        sentences in ``table.attrs['caveats']`` (escaped Markdown), printed under the cards
        (:func:`custlib.report.extremes.extreme_caveats`).
    """
    from markupsafe import Markup

    from custlib.report.kpis import format_kpis

    shown = format_kpis(table, currency)
    worse_when_up = set(table.attrs.get("worse_when_up", []))
    cards = []
    for (name, row), ch in zip(shown.iterrows(), table["change"], strict=True):
        direction = "" if ch != ch or ch == 0 else "up" if ch > 0 else "down"
        tone = "" if not direction else \
            "good" if (direction == "up") != (name in worse_when_up) else "bad"
        cards.append({"name": str(name), "current": row["current"], "change": row["change"],
                      "direction": direction, "tone": tone})
    months, note = table.attrs.get("months", 12), table.attrs.get("note", "")
    label = (t("report.document.last_days", lang, days=f"{table.attrs['days']:,}") if note
             else t("report.document.last_months", lang, months=months))
    caveats = [Markup(inline_markdown(c)) for c in table.attrs.get("caveats", [])]  # noqa: S704
    return {"period_label": label, "period": table.attrs.get("period", ""), "note": note,
            "vs": t("report.document.vs_previous", lang), "cards": cards, "caveats": caveats}


def _block(kind: str, content: Any, caption: str, lang: str) -> dict[str, Any]:
    from markupsafe import Markup

    if kind == "text":
        return {"kind": kind, "html": Markup(inline_markdown(content))}  # noqa: S704 (escaped)
    if kind == "table":
        df, digits, percent, small = content
        return {"kind": kind, "table": table_cells(df, lang, digits, percent, small),
                "caption": caption}
    if kind == "bullets":
        return {"kind": kind, "lines": content}
    if kind == "image":
        png, alt = content
        return {"kind": kind, "png": png, "caption": caption, "alt": alt or caption}
    return {"kind": kind, "text": content}  # heading, note


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=False)


def render(report: Report) -> str:
    """The whole report as one HTML document.

    Parameters
    ----------
    report : custlib.report.document.Report

    Returns
    -------
    str
    """
    from markupsafe import Markup

    from custlib.report.fonts import font_css

    def fonts(body: str) -> tuple[Markup, Markup]:
        face, family = font_css(str(body))
        return Markup(face), Markup(family)  # noqa: S704 (our own CSS, no data in it)

    lang = report.lang
    sections = [{"key": s["key"], "title": s["title"],
                 "blocks": [_block(kind, content, caption, lang)
                            for kind, content, caption in s["blocks"]]}
                for s in report.sections]
    kpis = (kpi_cards(report.kpi_table, report.currency, lang)
            if report.kpi_table is not None else None)
    return _environment().get_template("report.html.j2").render(
        title=report.title, subtitle=report.subtitle, kpis=kpis, sections=sections,
        stamp=_dt.datetime.now().strftime("%Y-%m-%d %H:%M"), fonts=fonts,
        lang_attr=t("report.document.html_lang", lang))
