"""The customer analysis report as a document: sections of text, tables and figures.

The report follows the eight sections that the Chinese marketing text on the customer
analysis report prescribes (introduction, customer basic information, segmentation,
needs, loyalty, competitors, SWOT, summary and recommendations). :class:`Report`
collects sections of text, tables and figures as a notebook computes them and writes one
HTML file (:mod:`custlib.report.html`: figures embedded, styles inline, the CJK font
embedded when the text has Chinese, printable, readable offline) and its PDF
(:mod:`custlib.report.pdf`). Every text is escaped: a ``<script>`` in the
business-context YAML stays text.

The parts of the report live beside this module: :mod:`~custlib.report.kpis` (the KPIs
that open it), :mod:`~custlib.report.priorities` (segments ranked by the value at stake,
and the recommendations), :mod:`~custlib.report.sections` (section text for notebook 05) and
:mod:`~custlib.report.segment_report` (the segment market report).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pandas as pd

from custlib.errors import ParameterError
from custlib.i18n import check_lang, label, labels, t
from custlib.plots.legibility import png_bytes

__all__ = ["SECTIONS", "Report", "readable", "section_title", "share_columns"]

#: The eight sections of the customer analysis report, in the order the Chinese texts lay
#: them out; their titles are ``report.section.<key>`` in the catalogs.
SECTIONS: tuple[str, ...] = ("introduction", "basics", "segmentation", "needs", "loyalty",
                             "competitors", "swot", "summary")



def section_title(key: str, lang: str = "en") -> str:
    """The title of a report section in ``lang``.

    Examples
    --------
    >>> section_title("summary", "zh")
    '八、总结与建议'
    """
    check_lang(lang)
    if key not in SECTIONS:
        raise ParameterError(f"section {key!r} is not a standard section; expected one of "
                             f"{list(SECTIONS)}")
    return t(f"report.section.{key}", lang)


def share_columns(df: pd.DataFrame) -> tuple[str, ...]:
    """The columns of ``df`` that hold shares, to show as %.

    A share's column name says share, rate, 占比 or 率; the result is the ``percent``
    argument of :meth:`Report.table`.
    """
    keys = ("share", "rate", "占比", "率")
    return tuple(c for c in df.columns if isinstance(c, str) and any(k in c for k in keys))


def readable(df: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """A table as people read it, in ``lang``; the numbers are not touched.

    Headings are ``report.column.<name>`` (else ``common.<name>``) from the catalogs,
    values those of ``report.value``; other names pass through (they are labelled
    already, or data).

    Examples
    --------
    >>> t = pd.DataFrame({"repeat_rate": [0.5]}, index=pd.Index(["all"], name="segment"))
    >>> shown = readable(t, "zh")
    >>> shown.index.name, list(shown.index), list(shown.columns)
    ('细分群体', ['全部'], ['全周期复购率'])
    """
    check_lang(lang)
    values = labels("report.value", lang)

    def head(name: Any) -> Any:
        return label("report.column", name, lang) if isinstance(name, str) else name

    def value(v: Any) -> Any:
        return values.get(v, v) if isinstance(v, str) else v

    out = df.rename(columns=head)
    out.index = pd.Index([value(v) for v in df.index], name=head(df.index.name))
    out.columns.name = head(df.columns.name)
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(value)
    return out


#: Rows of a report table counting fewer respondents or customers than this are marked.
MIN_SAMPLE = 30

#: The count columns that say how many a row's figures rest on, first found first used.
COUNT_COLUMNS = ("respondents", "customers")


def small_samples(df: pd.DataFrame, lang: str = "en") -> tuple[list[bool], str]:
    """The rows whose figures rest on fewer than :data:`MIN_SAMPLE` people, and a note.

    A share or a score of one respondent (an NPS of 100 from one person) reads like a
    finding; the report keeps the row's figures, marks its label with a † and says under
    the table what that means.

    Parameters
    ----------
    df : pandas.DataFrame
        A table with a ``respondents`` or ``customers`` column (else nothing is marked).
    lang : {'en', 'zh'}

    Returns
    -------
    tuple of (list of bool, str)
        Whether each row is marked, and the note (``""`` when no row is).

    Examples
    --------
    >>> t = pd.DataFrame({"respondents": [120, 1], "nps": [12.0, 100.0]}, index=["all", "x"])
    >>> small_samples(t)
    ([False, True], '† fewer than 30 respondents: too few to read the row as a finding.')
    """
    column = next((c for c in COUNT_COLUMNS if c in df.columns), None)
    if column is None:
        return [False] * len(df), ""
    small = (pd.to_numeric(df[column], errors="coerce") < MIN_SAMPLE).tolist()
    if not any(small):
        return small, ""
    what = label("report.document.sample", column, lang)
    return small, t("report.document.small_sample", lang, n=MIN_SAMPLE, what=what)


class Report:
    """A report assembled section by section, written as one self-contained HTML file.

    Parameters
    ----------
    title : str
    lang : {'en', 'zh'}
    subtitle : str, optional
    currency : str, optional
        The currency of the amounts in its tables (an ISO code or a symbol); :meth:`kpis`
        sets it too.

    Examples
    --------
    >>> rep = Report("Customer analysis", lang="en")
    >>> rep = rep.section("intro", "1. Introduction")
    >>> rep = rep.text("Purpose: **know our customers**.")
    >>> "<strong>know our customers</strong>" in rep.html()
    True
    """

    def __init__(self, title: str, *, lang: str = "en", subtitle: str = "",
                 currency: str = "") -> None:
        check_lang(lang)
        self.title = title
        self.lang = lang
        self.subtitle = subtitle
        self.sections: list[dict[str, Any]] = []
        self.kpi_table: pd.DataFrame | None = None
        self.currency = currency

    def __repr__(self) -> str:
        """Title, sections and blocks so far, and the section being added to."""
        blocks = sum(len(s["blocks"]) for s in self.sections)
        current = f", adding to {self.sections[-1]['title']!r}" if self.sections else ""
        return (f"<Report {self.title!r}: {len(self.sections)} section(s), {blocks} block(s)"
                f"{current}>")

    # building ------------------------------------------------------------------------------
    def section(self, key: str, title: str) -> Report:
        """Start a section (the following blocks go into it)."""
        if any(s["key"] == key for s in self.sections):
            raise ParameterError(f"Report: section {key!r} exists already")
        self.sections.append({"key": key, "title": title, "blocks": []})
        return self

    def standard_section(self, key: str) -> Report:
        """Start one of the eight standard sections (:data:`SECTIONS`) by its key."""
        return self.section(key, section_title(key, self.lang))

    def _add(self, kind: str, content: Any, caption: str = "") -> Report:
        if not self.sections:
            raise ParameterError("Report: start a section first with .section(key, title)")
        self.sections[-1]["blocks"].append((kind, content, caption))
        return self

    def text(self, markdown: str) -> Report:
        """A paragraph (Markdown; escaped)."""
        return self._add("text", markdown)

    def heading(self, text: str) -> Report:
        """A sub-heading within the section."""
        return self._add("heading", text)

    def bullets(self, items: list[str]) -> Report:
        """A bulleted list (each item escaped)."""
        return self._add("bullets", [str(i) for i in items])

    def table(self, df: pd.DataFrame, caption: str = "", *, digits: int = 2,
              percent: tuple[str, ...] = ()) -> Report:
        """A table; columns named in ``percent`` are shown as %.

        A ``caption`` that is a key of ``report.caption`` in the catalogs (``"loyalty"``)
        is shown in the report's language; any other caption as it is. Rows counting fewer
        than :data:`MIN_SAMPLE` respondents or customers (a column ``respondents`` or
        ``customers``) are marked † and a note under the table says why
        (:func:`mark_small_samples`).
        """
        caption = labels("report.caption", self.lang).get(caption, caption)
        small, note = small_samples(df, self.lang)
        self._add("table", (df, digits, percent, small), caption)
        return self.note(note) if note else self

    def figure(self, fig_or_ax: Any, caption: str = "", *, alt: str = "") -> Report:
        """A matplotlib figure (or axes), embedded as PNG.

        Parameters
        ----------
        fig_or_ax : matplotlib.figure.Figure or matplotlib.axes.Axes
        caption : str
            Shown under the figure.
        alt : str
            What the chart shows, in words, for readers who cannot see it (the image's
            ``alt``; the caption when empty). :mod:`custlib.report.figures` writes both.
        """
        fig = getattr(fig_or_ax, "figure", fig_or_ax)
        # with its smallest font, for the page checks
        png = base64.b64encode(png_bytes(fig, dpi=110, bbox_inches="tight")).decode("ascii")
        return self._add("image", (png, alt), caption)

    def image(self, path: str | Path, caption: str = "", *, alt: str = "") -> Report:
        """A PNG file (for example a figure saved by an earlier notebook), embedded.

        ``caption`` and ``alt`` as for :meth:`figure`; a missing file is a note saying so.
        """
        p = Path(path)
        if not p.exists():
            return self.note(t("report.document.missing_image", self.lang, name=p.name))
        png = base64.b64encode(p.read_bytes()).decode("ascii")
        return self._add("image", (png, alt), caption)

    def note(self, text: str) -> Report:
        """A note in italics (for skipped parts)."""
        return self._add("note", text)

    def swot(self, table: pd.DataFrame) -> Report:
        """The SWOT as a 2x2 grid of text, each item marked by where it comes from.

        Parameters
        ----------
        table : pandas.DataFrame
            :func:`custlib.report.strategy.swot_table`: ``quadrant``, ``item``, ``source``
            ('analysis': a fact the kit measured, or 'analyst': the context file's) and
            ``rule`` (why a fact is listed, in words; shown under it).

        Returns
        -------
        Report
            ``self``.
        """
        from custlib.data.contract import require_columns
        from custlib.report.strategy import QUADRANTS

        require_columns(table, ["quadrant", "item", "source"], "Report.swot")
        unknown = sorted(set(table["quadrant"].astype(str)) - set(QUADRANTS))
        if unknown:
            raise ParameterError(f"Report.swot: quadrant(s) {unknown} are not SWOT quadrants; "
                                 f"expected {list(QUADRANTS)} (strategy.swot_table makes them)")
        return self._add("swot", table.copy())

    def tows(self, table: pd.DataFrame | None) -> Report:
        """The TOWS matrix: strengths and weaknesses against opportunities and threats.

        Parameters
        ----------
        table : pandas.DataFrame or None
            :func:`custlib.report.strategy.tows_table` (``key``, ``action``); None (no
            strategies in the context file) adds one line saying so.

        Returns
        -------
        Report
            ``self``.
        """
        if table is None or not len(table):
            return self.note(t("report.grid.tows_none", self.lang))
        from custlib.data.contract import require_columns

        require_columns(table, ["key", "action"], "Report.tows")
        return self._add("tows", table.copy())

    def canvas(self, blocks: dict[str, list[tuple[str, str]]]) -> Report:
        """The Business Model Canvas in its classic nine-block layout, items marked by source.

        Parameters
        ----------
        blocks : dict
            :func:`custlib.report.strategy.canvas_blocks`: block -> ``(text, source)`` pairs.
            A block with no item says so in one line; key metrics, when there are any, run
            under the nine blocks.

        Returns
        -------
        Report
            ``self``.
        """
        from custlib.report.strategy import CANVAS_BLOCKS

        unknown = sorted(set(blocks) - set(CANVAS_BLOCKS))
        if unknown:
            raise ParameterError(f"Report.canvas: block(s) {unknown} are not canvas blocks; "
                                 f"expected some of {list(CANVAS_BLOCKS)}")
        return self._add("canvas", {k: list(v) for k, v in blocks.items()})

    def kpis(self, table: pd.DataFrame, currency: str = "") -> Report:
        """The KPI cards that open the report, amounts in ``currency``.

        Parameters
        ----------
        table : pandas.DataFrame
            From :func:`custlib.report.kpis.kpis`.
        currency : str
        """
        self.kpi_table = table
        self.currency = currency
        return self

    # output --------------------------------------------------------------------------------
    def html(self) -> str:
        """The whole report as one HTML document (:func:`custlib.report.html.render`)."""
        from custlib.report.html import render

        return render(self)

    def write(self, path: str | Path, *, pdf: bool = True) -> list[Path]:
        """Write the HTML (and a PDF when a PDF engine is available).

        Returns
        -------
        list of pathlib.Path
            The HTML file, and the PDF when one was made.
        """
        from custlib.report.pdf import html_to_pdf

        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.html(), encoding="utf-8")
        out = [target]
        if pdf:
            made = html_to_pdf(target)
            if made is not None:
                out.append(made)
        return out

    def save(self, run: Any, name: str = "report", *, pdf: bool = True,
             written_by: str = "05_report") -> list[Path]:
        """Write ``<run>/<name>.html`` (and ``.pdf``), listed in the run's manifest.

        Like :meth:`write`, for a run folder: the page is written atomically through
        :mod:`custlib.run.artefacts`, so a reader never sees half a report.

        Parameters
        ----------
        run : custlib.run.config.RunFolder
        name : str, default 'report'
            File stem and artefact name (the PDF is ``<name>_pdf``).
        pdf : bool, default True
        written_by : str, default '05_report'

        Returns
        -------
        list of pathlib.Path
            The HTML file, and the PDF when one was made.
        """
        from custlib.report.pdf import html_to_pdf
        from custlib.run import artefacts

        page = artefacts.save_text(self.html(), run, f"{name}.html", name=name,
                                   written_by=written_by)
        out = [page]
        if pdf:
            made = html_to_pdf(page)
            if made is not None:
                artefacts.record(run, f"{name}_pdf", made, written_by)
                out.append(made)
        return out
