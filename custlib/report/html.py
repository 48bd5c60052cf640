"""The report as one self-contained HTML page, from the template ``templates/report.html.j2``.

This module prepares what the page shows (tables as text cells in the report's language,
KPI cards, Markdown rendered with its text escaped); the Jinja2 template lays it out with
autoescape on, so every text from the data or the parameters stays text. Figures are
embedded as PNG, styles inline, and a subset of the CJK font when the page has Chinese
(:mod:`custlib.report.fonts`): the page reads offline and prints cleanly.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from custlib.i18n import labels, t

if TYPE_CHECKING:
    import jinja2

    from custlib.report.document import Report

__all__ = ["TEMPLATES", "canvas_grid", "inline_markdown", "kpi_cards", "render", "swot_grid",
           "table_cells", "tows_grid"]

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


def _number(v: Any, kind: str, digits: int, lang: str, currency: str) -> str:
    """One number of a table column of ``kind`` (:mod:`custlib.report.columns`)."""
    from custlib.i18n import formats

    if v != v:
        return ""
    if kind == "share":
        return formats.percent(v, lang)
    if kind == "money":
        return formats.money(v, currency, lang, digits)
    return formats.number(v, lang, digits)


def _column_format(name: Any, values: list[Any], percent: bool, digits: int) -> tuple[str, int]:
    """The kind and decimals of a column: one format for all its numbers."""
    from custlib.report.columns import KINDS, column_kind

    kind = "share" if percent else column_kind(name)
    whole = all(float(v).is_integer() for v in values)
    if kind == "money":  # whole units when every amount is whole or from 100 up, else cents
        return kind, 0 if all(float(v).is_integer() or abs(float(v)) >= 100
                              for v in values) else 2
    if kind in KINDS:
        return kind, int(KINDS[kind] or 0)
    return "", 0 if whole else digits


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (_is_number(v) and v != v)


def table_cells(df: pd.DataFrame, lang: str, digits: int = 2,
                percent: tuple[str, ...] = (), small: list[bool] | None = None,
                currency: str = "") -> dict[str, Any]:
    """A table as the page shows it: headings and known values in ``lang``, numbers as text.

    A column with no value at all is left out (an empty column says nothing); the numbers of
    a column share one format, by what the column holds (:func:`custlib.report.columns.
    column_kind`, written by :mod:`custlib.i18n.formats` as the text and the KPI cards
    write it): money with the currency in each cell ("£769,684"; cents only when amounts
    under 100 are not whole), counts and days whole, scores of 1-5 with one decimal,
    shares in %; a column of another kind is whole numbers when every value is whole,
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
    currency : str, default ''
        The currency of the money columns (an ISO code or a symbol).

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
    codes = [df.columns[i] for i in keep]
    formats = {}
    for i in range(shown.shape[1]):
        values = [v for v in shown.iloc[:, i] if _is_number(v) and v == v]
        formats[i] = _column_format(codes[i], values, shown.columns[i] in percent, digits)
    rows = []
    marks = small or [False] * len(shown)
    for (idx, row), mark in zip(shown.iterrows(), marks, strict=True):
        cells = []
        for i, (_c, v) in enumerate(row.items()):
            if _is_number(v):
                cells.append((_number(v, *formats[i], lang, currency), False))
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

    shown = format_kpis(table, currency, lang)
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


def _items(pairs: list[tuple[str, str, str]], lang: str) -> list[dict[str, str]]:
    """Grid items as the page shows them: text, source, its badge in words, why."""
    badges = labels("report.grid.badge", lang)
    return [{"text": text, "source": source, "badge": badges.get(source, source), "why": why}
            for text, source, why in pairs]


def _badge(source: str, lang: str) -> str:
    """The badge of a source in words ('analysis', 'context file')."""
    return labels("report.grid.badge", lang).get(source, source)


def _legend(items: list[dict[str, str]], lang: str) -> list[dict[str, str]]:
    """The sources the grid's items come from, each with its badge and what it means."""
    badges, meaning = labels("report.grid.badge", lang), labels("report.grid.legend", lang)
    present = {i["source"] for i in items}
    return [{"source": s, "badge": badges[s], "text": meaning[s]}
            for s in ("analysis", "analyst") if s in present]


def swot_grid(table: pd.DataFrame, lang: str) -> dict[str, Any]:
    """The SWOT of :meth:`custlib.report.document.Report.swot` as the page shows it.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`custlib.report.strategy.swot_table`.
    lang : str

    Returns
    -------
    dict
        ``title``, ``legend`` (the sources present, in words), ``empty`` (the line of a
        quadrant with no item) and ``cells``: the four quadrants in reading order, each a
        ``key``, ``title`` and ``lines`` (``text``, ``source``, ``badge``, ``why``).
    """
    from custlib.report.strategy import QUADRANTS

    names = labels("report.swot.quadrant", lang)
    why = table["rule"] if "rule" in table else pd.Series("", index=table.index)
    cells: list[dict[str, Any]] = []
    for q in QUADRANTS:
        rows = table[table["quadrant"] == q]
        pairs = [(str(r["item"]), str(r["source"]), "" if w != w else str(w))
                 for (_, r), w in zip(rows.iterrows(), why[rows.index], strict=True)]
        cells.append({"key": q, "title": names[q], "lines": _items(pairs, lang)})
    every = [i for c in cells for i in c["lines"]]
    return {"title": t("report.grid.swot", lang), "legend": _legend(every, lang),
            "empty": t("report.grid.empty_quadrant", lang), "cells": cells}


def tows_grid(table: pd.DataFrame, lang: str) -> dict[str, Any]:
    """The TOWS matrix of :meth:`custlib.report.document.Report.tows` as the page shows it.

    Returns
    -------
    dict
        ``title``, ``legend``, ``empty``, ``columns`` (strengths, weaknesses), ``rows``
        (opportunities, threats): each a ``title`` and two ``cells`` (SO and WO, ST and
        WT), each a ``key``, ``title`` (the strategy's kind in words) and ``lines``.
    """
    from custlib.report.strategy import TOWS_KEYS

    quadrant, kinds = labels("report.swot.quadrant", lang), labels("report.tows", lang)
    source = table["source"] if "source" in table else pd.Series("analyst", index=table.index)
    cells: dict[str, dict[str, Any]] = {}
    for k in TOWS_KEYS:
        mine = table["key"] == k
        pairs = [(str(a), str(s), "") for a, s in zip(table.loc[mine, "action"], source[mine],
                                                       strict=True)]
        cells[k] = {"key": k, "title": kinds[k], "lines": _items(pairs, lang)}
    every = [i for c in cells.values() for i in c["lines"]]
    return {"title": t("report.grid.tows", lang), "legend": _legend(every, lang),
            "empty": t("report.grid.empty_quadrant", lang),
            "columns": [quadrant["strengths"], quadrant["weaknesses"]],
            "rows": [{"title": quadrant["opportunities"], "cells": [cells["so"], cells["wo"]]},
                     {"title": quadrant["threats"], "cells": [cells["st"], cells["wt"]]}]}


def canvas_grid(blocks: dict[str, list[tuple[str, str]]], lang: str) -> dict[str, Any]:
    """The canvas of :meth:`custlib.report.document.Report.canvas` as the page shows it.

    Returns
    -------
    dict
        ``title``, ``legend``, ``cells``: the nine blocks in reading order (key
        partners, key activities, key resources, value propositions, customer
        relationships, channels, customer segments, cost structure, revenue streams), then
        key metrics when it has items (``metrics``), each a ``key``, ``title``, ``lines``
        and the same by source, ``groups`` (a narrow block shows its badge once per
        source: ``source``, ``badge``, ``lines`` of text) and its ``part`` of the layout
        ('upper': the seven blocks of the two upper rows, 'lower': costs and revenues,
        'metrics'; printed, a page may end between parts); ``empty``, the one line of a
        block with no item, and ``missing``: where to add the empty blocks' items (``''``
        when none is empty).
    """
    from custlib.report.strategy import CANVAS_BLOCKS

    titles = labels("report.canvas.block", lang)
    metrics = bool(blocks.get("key_metrics"))
    cells: list[dict[str, Any]] = []
    for k in CANVAS_BLOCKS:
        if k != "key_metrics" or metrics:
            lines = _items([(str(x), str(src), "") for x, src in blocks.get(k, [])], lang)
            groups = [{"source": s, "badge": _badge(s, lang),
                       "lines": [i["text"] for i in lines if i["source"] == s]}
                      for s in dict.fromkeys(i["source"] for i in lines)]
            part = ("metrics" if k == "key_metrics" else
                    "lower" if k in ("cost_structure", "revenue_streams") else "upper")
            cells.append({"key": k, "title": titles[k], "lines": lines, "groups": groups,
                          "part": part})
    every = [i for c in cells for i in c["lines"]]
    empty = [c["key"] for c in cells if not c["lines"]]
    return {"title": t("report.grid.canvas", lang), "legend": _legend(every, lang),
            "cells": cells, "metrics": metrics, "empty": t("report.grid.empty_block", lang),
            "missing": _fill_hint(empty, lang)}


def _fill_hint(keys: list[str], lang: str) -> Any:
    """Which ``canvas:`` keys of the context file fill the empty blocks, the keys as code."""
    from markupsafe import Markup

    if not keys:
        return ""
    text = t("report.grid.fill_hint", lang, keys=", ".join(f"`{k}`" for k in keys))
    return Markup(inline_markdown(text))  # noqa: S704 (escaped by the Markdown renderer)


def _block(kind: str, content: Any, caption: str, lang: str,
           currency: str = "") -> dict[str, Any]:
    from markupsafe import Markup

    if kind == "text":
        return {"kind": kind, "html": Markup(inline_markdown(content))}  # noqa: S704 (escaped)
    if kind == "table":
        df, digits, percent, small = content
        return {"kind": kind, "table": table_cells(df, lang, digits, percent, small, currency),
                "caption": caption}
    if kind == "swot":
        return {"kind": kind, "grid": swot_grid(content, lang)}
    if kind == "tows":
        return {"kind": kind, "grid": tows_grid(content, lang)}
    if kind == "canvas":
        return {"kind": kind, "grid": canvas_grid(content, lang)}
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
    from custlib.run.clock import stamp

    def fonts(body: str) -> tuple[Markup, Markup]:
        face, family = font_css(str(body))
        return Markup(face), Markup(family)  # noqa: S704 (our own CSS, no data in it)

    lang = report.lang
    sections = [{"key": s["key"], "title": s["title"],
                 "blocks": [_block(kind, content, caption, lang, report.currency)
                            for kind, content, caption in s["blocks"]]}
                for s in report.sections]
    kpis = (kpi_cards(report.kpi_table, report.currency, lang)
            if report.kpi_table is not None else None)
    return _environment().get_template("report.html.j2").render(
        title=report.title, subtitle=report.subtitle, kpis=kpis, sections=sections,
        stamp=stamp(), fonts=fonts,
        lang_attr=t("report.document.html_lang", lang))
