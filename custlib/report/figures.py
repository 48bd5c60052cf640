"""Captions and alt texts of the report's figures, and the sections' figure blocks.

Every figure of the report has a caption (under it) and an alt text (what the chart shows,
in words, with its main figures: "Bar chart of market share: MegaHome 24%, ..."), both in
the report's language from the ``report.figure`` catalogs. The ``*_alt`` functions compute
the alt texts from the tables behind the figures; :func:`add_lifecycle_figures` and
:func:`add_competitor_figures` add a section's figures with their headings, captions, alt
texts and sentences.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from custlib.i18n import check_lang, label, t
from custlib.i18n.formats import percent
from custlib.report.document import Report

__all__ = ["add_competitor_figures", "add_lifecycle_figures", "caption", "clv_alt",
           "features_alt", "market_share_alt", "needs_alt", "pareto_alt", "positioning_alt",
           "preferences_alt", "preferences_caption", "prices_alt", "retention_alt", "sizes_alt",
           "stages_alt"]


def _pct(value: float) -> str:
    return percent(value)  # the report's one percent format (shares here are never negative)


def _join(items: list[str], lang: str) -> str:
    """Clauses joined as the language does ("; ")."""
    return t("report.figure.sep_items", lang).join(items)


def _list(items: list[str], lang: str) -> str:
    """A list joined as the language does (", "; "、" in Chinese)."""
    return t("report.figure.sep", lang).join(items)


def caption(name: str, lang: str = "en", **fields: Any) -> str:
    """The caption of report figure ``name`` (``report.figure.<name>.caption``).

    Examples
    --------
    >>> caption("market_share", "en")
    'Market share of the companies in the business-context file; our company in red'
    """
    return t(f"report.figure.{name}.caption", lang, **fields)


# --- sections 2 and 3: customers and segments ------------------------------------------

def pareto_alt(revenue: pd.Series, lang: str = "en", *, mark: float = 0.2) -> str:
    """The Pareto curve in words: the share of revenue the top ``mark`` of customers bring.

    Parameters
    ----------
    revenue : pandas.Series
        Revenue per customer (negative counted as 0, as the figure does).
    lang : {'en', 'zh'}
    mark : float, default 0.2

    Returns
    -------
    str

    Examples
    --------
    >>> pareto_alt(pd.Series([70.0, 10, 10, 5, 5]), "en").split(": ")[-1]
    'the top 20% of customers bring 70% of revenue.'
    """
    check_lang(lang)
    r = np.sort(revenue.clip(lower=0).to_numpy(dtype=float))[::-1]
    x = np.arange(1, len(r) + 1) / len(r)
    share = float(np.interp(mark, x, np.cumsum(r) / r.sum())) if r.sum() > 0 else 0.0
    return t("report.figure.pareto.alt", lang, mark=_pct(mark), share=_pct(share))


def _segment_shares(table: pd.DataFrame, segment_col: str, value_col: str) -> pd.DataFrame:
    g = table.groupby(table[segment_col].astype(object), observed=True)
    out = pd.DataFrame({"customers": g.size() / len(table),
                        "value": g[value_col].sum() / table[value_col].sum()})
    return out.sort_values(["value", "customers"], ascending=False, kind="stable")


def sizes_alt(table: pd.DataFrame, segment_col: str, lang: str = "en", *, top: int = 3) -> str:
    """Segment sizes in words: the ``top`` segments by revenue, shares of customers and revenue.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer with ``segment_col`` and ``total_revenue``.
    segment_col : str
    lang : {'en', 'zh'}
    top : int, default 3

    Returns
    -------
    str
    """
    check_lang(lang)
    shares = _segment_shares(table, segment_col, "total_revenue").head(top)
    items = [t("report.figure.sizes.item", lang, segment=str(s), customers=_pct(r["customers"]),
               revenue=_pct(r["value"])) for s, r in shares.iterrows()]
    return t("report.figure.sizes.alt", lang, items=_join(items, lang))


def clv_alt(table: pd.DataFrame, segment_col: str, lang: str = "en", *, top: int = 3) -> str:
    """CLV by segment in words: the ``top`` segments by predicted value and their shares.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer with ``segment_col`` and ``clv``.
    segment_col : str
    lang : {'en', 'zh'}
    top : int, default 3

    Returns
    -------
    str
    """
    check_lang(lang)
    shares = _segment_shares(table, segment_col, "clv").head(top)
    items = [t("report.figure.clv.item", lang, segment=str(s), customers=_pct(r["customers"]),
               value=_pct(r["value"])) for s, r in shares.iterrows()]
    return t("report.figure.clv.alt", lang, items=_join(items, lang))


# --- section 4: needs -----------------------------------------------------------------

def _column_name(prefs: pd.DataFrame, lang: str) -> str:
    return label("report.column", prefs.columns.name, lang)


def preferences_alt(prefs: pd.DataFrame, lang: str = "en", *, top: int = 3) -> str:
    """The category heat map in words: the largest category overall and per large segment.

    Parameters
    ----------
    prefs : pandas.DataFrame
        :func:`custlib.report.needs.preferences`: rows segments, columns categories, rows
        summing to 1.
    lang : {'en', 'zh'}
    top : int, default 3
        Segments described (the first rows).

    Returns
    -------
    str
    """
    check_lang(lang)
    mean = prefs.mean()
    best = str(mean.idxmax())
    items = [t("report.figure.preferences.item", lang, segment=str(s), name=str(row.idxmax()),
               share=_pct(float(row.max()))) for s, row in prefs.head(top).iterrows()]
    return t("report.figure.preferences.alt", lang, column=_column_name(prefs, lang), top=best,
             share=_pct(float(mean.max())), items=_join(items, lang))


def preferences_caption(prefs: pd.DataFrame, lang: str = "en") -> str:
    """The caption of the category (or channel) heat map."""
    return caption("preferences", lang, column=_column_name(prefs, lang))


def needs_alt(need_rank: pd.DataFrame, lang: str = "en") -> str:
    """The needs map in words: the need of highest priority, its importance and urgency.

    Parameters
    ----------
    need_rank : pandas.DataFrame
        :func:`custlib.report.needs.top_needs`.
    lang : {'en', 'zh'}
    """
    check_lang(lang)
    first = need_rank.sort_values("priority", ascending=False, kind="stable").iloc[0]
    return t("report.figure.needs.alt", lang, need=str(first.name),
             importance=_pct(float(first["importance"])), urgency=_pct(float(first["urgency"])))


# --- section 5: lifecycle -------------------------------------------------------------

def stages_alt(snapshots: pd.DataFrame, lang: str = "en") -> str:
    """The stage chart in words: customers in each stage at the last snapshot.

    Parameters
    ----------
    snapshots : pandas.DataFrame
        Notebook 04's ``lifecycle_snapshots`` (``snapshot``, ``stage``).
    lang : {'en', 'zh'}
    """
    from custlib.lifecycle.transitions import stage_counts

    check_lang(lang)
    counts = stage_counts(snapshots, lang=lang)
    last = counts.iloc[-1]
    items = [f"{name} {int(n):,}" for name, n in last.items() if n > 0]
    return t("report.figure.stages.alt", lang, date=f"{pd.Timestamp(counts.index[-1]):%Y-%m-%d}",
             items=_list(items, lang))


def retention_alt(retention: pd.DataFrame, lang: str = "en") -> str:
    """The retention heat map in words: the cohorts' mean share buying again in period 1.

    The mean weighs each cohort by its size (``attrs['size']``), over the cohorts whose
    period 1 is observed.

    Parameters
    ----------
    retention : pandas.DataFrame
        :func:`custlib.lifecycle.cohorts.cohort_retention`.
    lang : {'en', 'zh'}
    """
    check_lang(lang)
    first = retention[1].dropna() if 1 in retention.columns else pd.Series(dtype=float)
    size = retention.attrs.get("size", pd.Series(1.0, index=retention.index))
    w = size.reindex(first.index).astype(float)
    share = float((first * w).sum() / w.sum()) if w.sum() else 0.0
    return t("report.figure.retention.alt", lang, share=_pct(share), cohorts=len(retention))


def add_lifecycle_figures(rep: Report, figures: Path, *, snapshots: pd.DataFrame | None,
                          retention: pd.DataFrame, stages: pd.DataFrame | None = None,
                          lang: str = "en") -> Report:
    """Section 5's lifecycle part: the stage chart (and table), the retention heat map.

    Each under its heading, with caption and alt text.

    When no customer bought again after their first period (a log of one-time buyers),
    the retention heat map would be empty: a sentence says so instead.

    Parameters
    ----------
    rep : Report
    figures : pathlib.Path
        The run's figures folder (notebook 04 drew ``lifecycle_stages.png`` and
        ``lifecycle_retention.png`` there).
    snapshots : pandas.DataFrame or None
        Notebook 04's ``lifecycle_snapshots`` (None: notebook 04 has not run; the stage
        chart's alt text then repeats its caption).
    retention : pandas.DataFrame
        :func:`custlib.lifecycle.cohorts.cohort_retention` of the report's log.
    stages : pandas.DataFrame, optional
        Notebook 04's ``lifecycle_stages.csv``, tabled under the stage chart.
    lang : {'en', 'zh'}

    Returns
    -------
    Report
        ``rep``.
    """
    from custlib.lifecycle.cohorts import has_returns

    check_lang(lang)
    alt = stages_alt(snapshots, lang) if snapshots is not None and len(snapshots) else ""
    rep.heading(t("report.figure.stages_heading", lang))
    rep.image(figures / "lifecycle_stages.png", caption("stages", lang), alt=alt)
    if stages is not None:
        from custlib.report.document import share_columns

        rep.table(stages, "stages", percent=share_columns(stages))
    rep.heading(t("report.figure.retention_heading", lang))
    if not has_returns(retention):
        return rep.text(t("report.figure.no_returns", lang))
    return rep.image(figures / "lifecycle_retention.png", caption("retention", lang),
                     alt=retention_alt(retention, lang))


# --- section 6: competitors -----------------------------------------------------------

def _ranked_shares(rivals: pd.DataFrame) -> pd.Series:
    shares = rivals["market_share"].dropna().astype(float)
    order = sorted(shares.index, key=lambda n: (-shares[n], str(n)))
    return shares.loc[order]


def market_share_alt(rivals: pd.DataFrame, lang: str = "en") -> str:
    """The market-share bars in words, largest first: "MegaHome 24%, ..., Hearth & Home 9%".

    Parameters
    ----------
    rivals : pandas.DataFrame
        :func:`custlib.report.competitors.competitor_table`.
    lang : {'en', 'zh'}
    """
    check_lang(lang)
    items = [f"{name} {_pct(v)}" for name, v in _ranked_shares(rivals).items()]
    return t("report.figure.market_share.alt", lang, items=_list(items, lang))


def _us(rivals: pd.DataFrame) -> str | None:
    us = [str(n) for n in rivals.index if bool(rivals.loc[n, "us"])]
    return us[0] if us else None


def features_alt(features: pd.DataFrame, rivals: pd.DataFrame | None, lang: str = "en") -> str:
    """The feature heat map in words: our company's score on each feature.

    Parameters
    ----------
    features : pandas.DataFrame
        :func:`custlib.report.competitors.feature_table`.
    rivals : pandas.DataFrame or None
        To find our company (else the first row is described).
    lang : {'en', 'zh'}
    """
    from custlib.report.competitors import dimension_label

    check_lang(lang)
    us = _us(rivals) if rivals is not None else None
    name = us if us in features.index else str(features.index[0])
    row = features.loc[name]
    items = [f"{dimension_label(str(k), lang)} {v:g}" for k, v in row.dropna().items()]
    return t("report.figure.features.alt", lang, us=name,
             items=_list(items, lang))


def prices_alt(rivals: pd.DataFrame, lang: str = "en") -> str:
    """The price-level bars in words, cheapest first.

    Parameters
    ----------
    rivals : pandas.DataFrame
        :func:`custlib.report.competitors.competitor_table`.
    lang : {'en', 'zh'}
    """
    check_lang(lang)
    data = rivals["price_level"].dropna().astype(float)
    order = sorted(data.index, key=lambda n: (data[n], str(n)))
    items = [f"{n} {data[n]:g}" for n in order]
    return t("report.figure.prices.alt", lang, items=_list(items, lang))


def positioning_alt(rivals: pd.DataFrame, x: str, y: str, lang: str = "en") -> str:
    """The positioning map in words: each company's two coordinates.

    Parameters
    ----------
    rivals : pandas.DataFrame
        :func:`custlib.report.competitors.competitor_table`.
    x, y : str
        The map's dimensions.
    lang : {'en', 'zh'}
    """
    from custlib.report.competitors import dimension_label

    check_lang(lang)
    items = [t("report.figure.positioning.item", lang, name=str(n), xv=f"{r[f'pos_{x}']:g}",
               yv=f"{r[f'pos_{y}']:g}") for n, r in rivals.iterrows()]
    return t("report.figure.positioning.alt", lang, x=dimension_label(x, lang),
             y=dimension_label(y, lang), items=_list(items, lang))


def add_competitor_figures(rep: Report, axes: dict[str, Any], rivals: pd.DataFrame,
                           features: pd.DataFrame | None, *, x: str, y: str,
                           lang: str = "en") -> Report:
    """Section 6's charts, each with a sentence on what it shows, a caption and an alt text.

    Parameters
    ----------
    rep : Report
    axes : dict
        ``report_market_share``, ``report_features`` (or None), ``report_prices`` and
        ``report_positioning``: the axes notebook 05 drew.
    rivals : pandas.DataFrame
        :func:`custlib.report.competitors.competitor_table`.
    features : pandas.DataFrame or None
        :func:`custlib.report.competitors.feature_table`.
    x, y : str
        The positioning map's dimensions.
    lang : {'en', 'zh'}

    Returns
    -------
    Report
        ``rep``.
    """
    from custlib.report.competitors import chart_sentences, dimension_label

    check_lang(lang)
    said = chart_sentences(rivals, features, x=x, y=y, lang=lang)
    parts = [("report_market_share", "market_share", lambda: market_share_alt(rivals, lang), {}),
             ("report_features", "features",
              lambda: features_alt(features, rivals, lang) if features is not None else "", {}),
             ("report_prices", "prices", lambda: prices_alt(rivals, lang), {}),
             ("report_positioning", "positioning", lambda: positioning_alt(rivals, x, y, lang),
              {"x": dimension_label(x, lang), "y": dimension_label(y, lang)})]
    for key, name, alt, fields in parts:
        ax = axes.get(key)
        if ax is None:
            continue
        if said.get(name):
            rep.text(said[name])
        rep.figure(ax, caption(name, lang, **fields), alt=alt())
    return rep
