"""What notebook 05 writes into the report's sections, beyond the tables it computes.

Section 1's text from the business-context file, section 3's segment overview, the points
that open section 8, and the report's files: its key tables as CSV and the note saying
where the report went.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from custlib.data.contract import require_columns
from custlib.i18n import check_lang, labels, t
from custlib.i18n.formats import number, signed_percent
from custlib.report.document import Report
from custlib.report.narrative import forecast_accuracy
from custlib.safety import code_span, escape_markdown

__all__ = ["add_caveats", "add_introduction", "add_value_figures", "pdf_note", "read_csv_table",
           "save_tables", "segment_overview", "summary_points"]


def add_introduction(rep: Report, business: dict[str, Any]) -> Report:
    """Section 1's text from the context file: purpose, background, business, targets."""
    analysis = business.get("analysis") or {}
    company = business.get("company") or {}
    lang = rep.lang
    if company.get("description"):
        rep.text(f"**{t('report.intro.business', lang)}**: "
                 f"{escape_markdown(company['description'])}")
    heads = {"purpose": t("report.intro.purpose", lang),
             "background": t("report.intro.background", lang),
             "target_customers": t("report.intro.target_customers", lang)}
    for key, head in heads.items():
        if analysis.get(key):
            rep.text(f"**{head}**: {escape_markdown(analysis[key])}")
    if not analysis and not company:
        rep.note(t("report.intro.no_context", lang))
    return rep


def add_caveats(rep: Report, caveats: list[str]) -> Report:
    """Each caveat sentence as a paragraph of the current section (none: nothing added).

    Parameters
    ----------
    rep : Report
    caveats : list of str
        Markdown sentences, e.g. from :func:`custlib.report.extremes.log_caveats`.

    Returns
    -------
    Report
        ``rep``.
    """
    for caveat in caveats:
        rep.text(caveat)
    return rep


def add_value_figures(rep: Report, figures: Path, inputs: Any, lang: str = "en", *,
                      table: pd.DataFrame | None = None) -> Report:
    """Section 3's value part: CLV by segment and how far its model was off, or why not.

    Parameters
    ----------
    rep : Report
    figures : pathlib.Path
        The run's figures folder (notebook 03 drew ``clv_segments.png`` there).
    inputs : custlib.run.workflow.ReportInputs
        ``not_estimated`` (notebook 03 could not fit its models) and ``btyd`` (its
        ``btyd_params.json``).
    lang : {'en', 'zh'}
    table : pandas.DataFrame, optional
        One row per customer with ``rfm_segment`` and ``clv``: the figure's alt text then
        names the segments with most of the predicted value
        (:func:`custlib.report.figures.clv_alt`); without it, the alt text is the caption.

    Returns
    -------
    Report
        ``rep``, with the figure (captioned) and the sentence on the chosen model's holdout error
        (:func:`custlib.report.narrative.forecast_accuracy`), or with the reason CLV was not
        estimated where the figure would be.
    """
    if inputs.not_estimated is not None:
        return rep.text(inputs.not_estimated.reason(lang))
    if (figures / "clv_segments.png").exists():
        from custlib.report.figures import caption, clv_alt

        alt = ""
        if table is not None and {"rfm_segment", "clv"} <= set(table):
            alt = clv_alt(table, "rfm_segment", lang)
        rep.image(figures / "clv_segments.png", caption("clv", lang), alt=alt)
    accuracy = forecast_accuracy(inputs.btyd, lang)
    return rep.text(accuracy) if accuracy else rep


def segment_overview(table: pd.DataFrame, segment_col: str, *, max_categories: int = 0,
                     lang: str = "en") -> pd.DataFrame:
    """Per segment: customers, share of customers, of past revenue and of predicted value.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer with ``segment_col`` (and ``total_revenue``, ``clv``).
    segment_col : str
    max_categories : int, default 0
        Most rows: the largest segments and one 'other' row pooling the rest (a segment
        column with hundreds of values, such as a city); 0 keeps every segment.
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Columns named in ``lang`` (``report.overview`` in the catalogs), largest
        segment first, 'other' last.
    """
    from custlib.plots.categories import lump, other_label

    check_lang(lang)
    require_columns(table, [segment_col], "segment_overview")
    key = table[segment_col].astype(object)
    pooled = ""
    if max_categories:
        key = lump(key, max_categories, lang=lang)
        pooled = other_label(key.attrs["pooled"], lang) if key.attrs["pooled"] else ""
    g = table.groupby(key, observed=True)
    heads = labels("report.overview", lang)
    out = pd.DataFrame({heads["customers"]: g.size(),
                        heads["customer_share"]: g.size() / len(table)})
    if "total_revenue" in table:
        out[heads["revenue_share"]] = g["total_revenue"].sum() / table["total_revenue"].sum()
    if "clv" in table:
        out[heads["clv_share"]] = g["clv"].sum() / table["clv"].sum()
        out[heads["mean_clv"]] = g["clv"].mean()
    out.index.name = heads["segment"]
    out = out.sort_values(heads["customers"], ascending=False, kind="stable")
    if pooled:
        out = pd.concat([out.drop(index=pooled), out.loc[[pooled]]])
    return out


def summary_points(kpi_table: pd.DataFrame, facts: pd.DataFrame, recs: pd.DataFrame, *,
                   lang: str = "en") -> list[str]:
    """The bullet points that open section 8: KPIs that moved, facts, priorities.

    Parameters
    ----------
    kpi_table : pandas.DataFrame
        :func:`custlib.report.kpis.kpis`; a KPI that moved by 5% or more (2 points for a
        share) is a point.
    facts : pandas.DataFrame
        :func:`custlib.report.strategy.swot_facts`.
    recs : pandas.DataFrame
        :func:`custlib.report.priorities.recommendations`, the segments to describe.
    lang : {'en', 'zh'}

    Returns
    -------
    list of str
    """
    check_lang(lang)
    shares = set(kpi_table.attrs.get("shares", []))
    points = []
    for name, r in kpi_table.iterrows():
        ch = r["change"]
        if ch == ch and abs(ch) >= 0.05 and name not in shares:
            points.append(t("report.summary.change", lang, name=name,
                            change=signed_percent(ch, lang)))
        elif ch == ch and name in shares and abs(ch) >= 0.02:
            points.append(t("report.summary.change_points", lang, name=name,
                            change=("+" if round(ch * 100, 1) > 0 else "")
                            + number(ch * 100, lang, 1)))
    quadrant = labels("report.summary.quadrant", lang)
    for _, f in facts.iterrows():
        points.append(t("report.summary.fact", lang, quadrant=quadrant[f["quadrant"]],
                        item=f["item"]))
    for prio, r in recs.iterrows():
        points.append(t("report.summary.priority", lang, priority=prio, segment=r["segment"],
                        why=r["why"], action=r["action"]))
    return points


def read_csv_table(path: str | Path) -> pd.DataFrame:
    """A table written by an earlier notebook (UTF-8 with BOM, first column the index)."""
    return pd.read_csv(path, index_col=0, encoding="utf-8-sig")


def save_tables(run: Any, *, kpis: pd.DataFrame, swot: pd.DataFrame,
                priorities: pd.DataFrame) -> list[Path]:
    """Write the report's key tables to ``tables/`` as CSV (UTF-8 with BOM).

    Through :func:`custlib.run.artefacts.save_csv`, so the run's manifest lists them.

    Returns
    -------
    list of pathlib.Path
        ``kpis.csv``, ``swot.csv`` and ``segment_priorities.csv``.
    """
    from custlib.run import artefacts

    return [artefacts.save_csv(df, run, name, written_by="05_report", index=True)
            for name, df in (("kpis", kpis), ("swot", swot), ("segment_priorities", priorities))]


def pdf_note(written: list[Path], lang: str = "en") -> str:
    """Where the report went, and whether a PDF was made (Markdown)."""
    check_lang(lang)
    where = ", ".join(code_span(p) for p in written if p.suffix == ".html")
    made = any(p.suffix == ".pdf" for p in written)
    return (t("report.pdf_note.written", lang, where=where)
            + t("report.pdf_note.pdf" if made else "report.pdf_note.no_pdf", lang))
