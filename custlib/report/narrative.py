"""Words for people: the interpretations the notebooks print after a result.

Each function turns a computed result into a short Markdown paragraph or a small table
in the run's language (``report.narrative`` in the catalogs), with the numbers in it, so
a notebook says what its result means rather than leaving the reader to guess. Every
value that comes from the data or the parameters (currency, segment and group names,
model names) is escaped with :func:`custlib.safety.escape_markdown`, so it is shown as
typed, never as markup.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import TRANSACTIONS
from custlib.i18n import LANGS, check_lang, labels, t
from custlib.safety import code_span, escape_markdown

__all__ = ["cleaning_summary", "clv_summary", "customer_basics", "customer_coverage",
           "few_holdout_note", "forecast_accuracy", "format_money", "format_money_range",
           "large_error_warning",
           "lifecycle_summary", "mapping_table", "model_choice_summary", "not_run",
           "segmentation_summary", "skipped", "spend_check", "value_intervals"]


def format_money(value: float, currency: str = "", lang: str = "en") -> str:
    """Format an amount for text, as tables and KPI cards show it: ``£1,234,567``.

    :func:`custlib.i18n.formats.money`: whole units from 100 up, cents below; the
    symbol in front (``£``, ``$``, ``€``, ``¥`` for CNY in Chinese), another name after.

    Parameters
    ----------
    value : float
    currency : str
        An ISO code or a symbol; symbols go in front.
    lang : str, default 'en'
        The report's language (its locale's separators and symbols).

    Returns
    -------
    str

    Examples
    --------
    >>> format_money(1234567.4, "GBP"), format_money(-23.456, "GBP"), format_money(5, "pts")
    ('£1,234,567', '-£23.46', '5 pts')
    """
    from custlib.i18n.formats import money

    return money(value, currency, lang)


def format_money_range(low: float, high: float, currency: str = "", lang: str = "en") -> str:
    """An interval of amounts for text, rounded outwards to two digits of its width.

    Parameters
    ----------
    low, high : float
    currency : str
    lang : str, default 'en'
        The report's language (:func:`format_money`).

    Returns
    -------
    str
        ``£51,000–£79,000``; ``–`` when either end is missing.

    Examples
    --------
    >>> format_money_range(51923.4, 78505.2, "GBP")
    '£51,000–£79,000'
    >>> format_money_range(387.2, 577.9, "GBP")
    '£380–£580'
    """
    if not (np.isfinite(low) and np.isfinite(high)):
        return "–"
    width = float(high) - float(low)
    step = 10.0 ** max(0, int(np.floor(np.log10(width))) - 1) if width > 0 else 1.0
    lo, hi = np.floor(low / step) * step, np.ceil(high / step) * step
    return f"{format_money(float(lo), currency, lang)}–{format_money(float(hi), currency, lang)}"


def mapping_table(raw: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Which of the user's columns feeds each contract column, with its meaning.

    Parameters
    ----------
    raw : pandas.DataFrame
        As returned by :func:`custlib.data.loading.load_transactions`.
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        contract column, source column, description; unmapped optional fields shown as
        not found.
    """
    check_lang(lang)
    mapping = raw.attrs.get("column_mapping", {})
    rows = [(f.name, mapping.get(f.name, "—"), f.description) for f in TRANSACTIONS]
    heads = labels("report.narrative.mapping", lang)
    return pd.DataFrame(rows, columns=[heads["contract"], heads["source"], heads["meaning"]])


def _n(x: float, lang: str = "en") -> str:
    from custlib.i18n.formats import number

    return number(x, lang)


def _pct(x: float, lang: str = "en", digits: int = 0) -> str:
    from custlib.i18n.formats import percent

    return percent(x, lang, digits)


def _money(value: float, currency: str = "", lang: str = "en") -> str:
    """:func:`format_money` escaped for Markdown (the currency is a parameter)."""
    return escape_markdown(format_money(value, currency, lang))


def cleaning_summary(result: Any, lang: str = "en", currency: str = "") -> str:
    """A paragraph interpreting a cleaning result.

    Parameters
    ----------
    result : custlib.data.cleaning.CleaningResult
    lang : {'en', 'zh'}
    currency : str

    Returns
    -------
    str
        Markdown.
    """
    check_lang(lang)
    s = result.summary()
    raw_rows, raw_rev = s["raw_rows"], s["raw_revenue"]
    kept_rows, kept_rev = s["kept_rows"], s["kept_revenue"]
    anon_rows, anon_rev = s["set_aside_rows"], s["set_aside_revenue"]
    log = result.log
    removed = log[log["action"].isin(["removed"])]
    top = removed.sort_values("rows", ascending=False).head(1)
    flagged = int(log.loc[log["action"] == "flagged", "rows"].sum())
    kept_share = kept_rows / raw_rows if raw_rows else 0.0
    rev_share = kept_rev / raw_rev if raw_rev else 0.0
    text = t("report.narrative.cleaning.main", lang, raw_rows=_n(raw_rows, lang),
             raw_revenue=_money(raw_rev, currency, lang), kept_rows=_n(kept_rows, lang),
             kept_share=_pct(kept_share, lang, 1), kept_revenue=_money(kept_rev, currency, lang),
             revenue_share=_pct(rev_share, lang, 1), customers=_n(s["kept_customers"], lang),
             anon_rows=_n(anon_rows, lang), anon_revenue=_money(anon_rev, currency, lang))
    if len(top):
        text += t("report.narrative.cleaning.top_rule", lang,
                  rule=code_span(top["rule"].iloc[0]), rows=_n(top["rows"].iloc[0], lang))
    if flagged:
        text += t("report.narrative.cleaning.flagged", lang, rows=_n(flagged, lang))
    return text


def customer_coverage(transactions: pd.DataFrame, customers: pd.DataFrame | None,
                      lang: str = "en") -> pd.DataFrame:
    """How buyers and registered customers overlap (the method's potential customers).

    Parameters
    ----------
    transactions : pandas.DataFrame or StagedLines
        Clean transactions.
    customers : pandas.DataFrame or None
        The prepared customers table.
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Counts of buyers, registered customers, registered buyers, registered
        non-buyers (potential customers) and buyers missing from the customers table.
    """
    check_lang(lang)
    if isinstance(transactions, pd.DataFrame):
        buyers = set(transactions["customer_id"].dropna().unique())
    else:  # lines the DuckDB engine keeps
        buyers = set(transactions.unique("customer_id"))
    names = labels("report.narrative.coverage", lang)
    rows = [names[k] for k in ("buyers", "registered", "registered_buyers", "potential",
                               "unregistered_buyers")]
    if customers is None:
        values = [len(buyers), None, None, None, None]
    else:
        registered = set(customers["customer_id"].dropna().unique())
        values = [len(buyers), len(registered), len(buyers & registered),
                  len(registered - buyers), len(buyers - registered)]
    return pd.DataFrame({names["customers"]: values}, index=rows)


def segmentation_summary(summary: pd.DataFrame, value: pd.Series, importance: pd.Series,
                         relationship: pd.Series, lang: str = "en", currency: str = "") -> str:
    """A paragraph interpreting the value, importance and relationship classes.

    Parameters
    ----------
    summary : pandas.DataFrame
        Customer summary with ``total_revenue``.
    value, importance, relationship : pandas.Series
        Labels (English or Chinese) from :mod:`custlib.segments.schemes`.
    lang : {'en', 'zh'}
    currency : str

    Returns
    -------
    str
        Markdown.
    """
    check_lang(lang)
    rev = summary["total_revenue"]
    first = value.cat.categories[0]  # the high tier, whatever the language
    high = value == first
    share_c, share_r = high.mean(), rev[high.reindex(rev.index, fill_value=False)].sum() / rev.sum()
    lost_label = relationship.cat.categories[-1]
    lost = float((relationship == lost_label).mean())
    potential_label = importance.cat.categories[-1]
    potential = int((importance == potential_label).sum())
    top = _money(float(rev[high].mean()), currency, lang)
    return t("report.narrative.segmentation", lang, customer_share=_pct(share_c, lang),
             revenue_share=_pct(share_r, lang), mean=top, lost=_pct(lost, lang),
             potential=f"{potential:,}")


def skipped(table: str, lang: str = "en") -> str:
    """The note shown where a section needs an optional table the run does not have.

    Parameters
    ----------
    table : {'customers', 'survey', 'context', 'customer_clv'}
    lang : {'en', 'zh'}
    """
    check_lang(lang)
    name = labels("report.narrative.skipped_table", lang).get(table, table)
    return t("report.narrative.skipped", lang, table=name)


def not_run(notebooks: list[str], lang: str = "en") -> str:
    """The note shown when notebooks whose results the report uses have not run.

    Parameters
    ----------
    notebooks : list of str
        Their names, as :meth:`custlib.run.workflow.ReportInputs.missing` gives them.
    lang : {'en', 'zh'}

    Examples
    --------
    >>> print(not_run(["03_clv"]))
    *Not run yet, their parts are skipped: 03\\_clv*
    """
    check_lang(lang)
    names = ", ".join(escape_markdown(n) for n in notebooks)
    return t("report.narrative.not_run", lang, notebooks=names)


def model_choice_summary(comparison: Any, lang: str = "en") -> str:
    """What the model comparison chose, why, and how far its holdout forecast was off.

    Parameters
    ----------
    comparison : custlib.value.btyd.ModelComparison
        Fitted.
    lang : {'en', 'zh'}

    Returns
    -------
    str
        Markdown.
    """
    check_lang(lang)
    row = comparison.table_.loc[comparison.selected_]
    err = float(row["holdout_error_pct"])
    retried = [escape_markdown(m) for m in
               comparison.table_.loc[comparison.table_["attempts"] > 1, "model"]]
    failed = [escape_markdown(m) for m in comparison.failed_]
    stopped = [escape_markdown(comparison.models_[k].name)
               for k in getattr(comparison, "stopped_", {}) if k in comparison.models_]
    model, reason = escape_markdown(row["model"]), escape_markdown(comparison.reason_)
    text = t("report.narrative.model.main", lang, model=model, reason=reason,
             predicted=_n(row["holdout_predicted"], lang), actual=_n(row["holdout_actual"], lang),
             error=f"{err:+.1f}%", mae=f"{row['holdout_mae']:.2f}")
    text += large_error_warning(err, lang) + few_holdout_note(row["holdout_actual"], lang)
    sep = t("report.narrative.list_separator", lang)
    if retried:
        text += t("report.narrative.model.retried", lang, models=sep.join(retried))
    if failed:
        text += t("report.narrative.model.failed", lang, models=sep.join(failed))
    if stopped:
        text += t("report.narrative.model.stopped", lang, models=sep.join(stopped))
    return text


#: fewer repeat purchases than this in the holdout make its error a weak test
FEW_HOLDOUT_PURCHASES = 30


def few_holdout_note(actual: float | None, lang: str = "en") -> str:
    """A note when the holdout holds too few repeat purchases for its error to mean much.

    Parameters
    ----------
    actual : float or None
        Repeat purchases observed in the holdout period.
    lang : {'en', 'zh'}

    Returns
    -------
    str
        Markdown starting with a space, or ``""`` from :data:`FEW_HOLDOUT_PURCHASES` on.
    """
    if actual is None or not np.isfinite(actual) or actual >= FEW_HOLDOUT_PURCHASES:
        return ""
    return t("report.narrative.model.few_holdout", lang, actual=_n(actual, lang))


def large_error_warning(error_pct: float, lang: str = "en") -> str:
    """The warning a holdout error beyond 20 % calls for: what it means for CLV, what to try.

    Parameters
    ----------
    error_pct : float
        The chosen model's total holdout error, in % of the actual purchases.
    lang : {'en', 'zh'}

    Returns
    -------
    str
        Markdown starting with a space, or ``""`` within 20 % (or no holdout purchase).
    """
    if not np.isfinite(error_pct) or abs(error_pct) <= 20:
        return ""
    try_ = t("report.narrative.model.try", lang)
    key = "large_error_under" if error_pct < 0 else "large_error_over"
    return t(f"report.narrative.model.{key}", lang, try_=try_)


def forecast_accuracy(btyd_params: dict[str, Any] | None, lang: str = "en") -> str:
    """How far the chosen purchase model was off on its holdout period, for the report.

    Parameters
    ----------
    btyd_params : dict or None
        Notebook 03's ``btyd_params.json`` (None when notebook 03 has not run).
    lang : {'en', 'zh'}

    Returns
    -------
    str
        Markdown: the model, the holdout dates, predicted against actual repeat purchases,
        the error, and the warning of :func:`large_error_warning`; ``""`` without a holdout.
    """
    check_lang(lang)
    hold = (btyd_params or {}).get("holdout")
    if not hold:
        return ""
    err = float(hold["error_pct"]) if hold.get("error_pct") is not None else float("nan")
    text = t("report.narrative.model.accuracy", lang, model=escape_markdown(hold["model"]),
             cal_end=hold["calibration_end"], obs_end=hold["observation_end"],
             hold_start=f"{pd.Timestamp(hold['calibration_end']) + pd.Timedelta(days=1):%Y-%m-%d}",
             predicted=_n(hold["predicted"], lang), actual=_n(hold["actual"], lang),
             error=f"{err:+.1f}%" if np.isfinite(err) else "–")
    return text + large_error_warning(err, lang) + few_holdout_note(hold["actual"], lang)


def value_intervals(boot: Any, lang: str = "en", currency: str = "") -> str:
    """The bootstrap interval of the value, and the refits that failed, in words.

    Parameters
    ----------
    boot : custlib.value.bootstrap.ValueBootstrap
        Fitted.
    lang : {'en', 'zh'}
    currency : str

    Returns
    -------
    str
        Markdown.
    """
    check_lang(lang)
    table = boot.intervals_
    total = table[table["scope"] == "total"].iloc[0]
    from custlib.value.purchase import MODELS

    name = MODELS[boot.model][2] if boot.model in MODELS else str(boot.model)
    text = t("report.narrative.intervals.main", lang, refits=_n(len(boot.replicates_)),
             model=name, months=str(boot.horizon_months), customers=_n(total["customers"]),
             range=escape_markdown(format_money_range(total["low"], total["high"], currency, lang)),
             level=f"{boot.level:.0%}", mid=_money(total["mid"], currency),
             seconds=f"{boot.seconds_:.0f}")
    if boot.failed_:
        text += ("" if lang == "zh" else " ") + t("report.narrative.intervals.failed", lang,
                                                  failed=_n(boot.failed_),
                                                  total=_n(boot.n_refits))
    return text


def spend_check(spend: Any, lang: str = "en", currency: str = "") -> str:
    """The Gamma-Gamma independence check and the population spend, in words.

    Parameters
    ----------
    spend : custlib.value.btyd.GammaGammaModel
        Fitted.
    lang : {'en', 'zh'}
    currency : str
    """
    check_lang(lang)
    corr = spend.correlation_
    ok = abs(corr) < 0.3
    mean = _money(spend.population_mean_, currency, lang)
    verdict = (t("report.narrative.spend.independent", lang) if ok else
               t("report.narrative.spend.dependent", lang))
    text = t("report.narrative.spend.main", lang, n=_n(spend.n_customers_, lang),
             corr=f"{corr:.2f}",
             verdict=verdict, mean=mean)
    if getattr(spend, "penalizer_used_", 0.0) > getattr(spend, "penalizer", 0.0):
        text += t("report.narrative.spend.penalty", lang, penalty=f"{spend.penalizer_used_:g}")
    return text


def clv_summary(table: pd.DataFrame, by_segment: pd.DataFrame | None = None, *,
                horizon_months: int = 12, lang: str = "en", currency: str = "") -> str:
    """Total future value, its concentration, and the segment that carries most of it.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer with ``clv``, ``clv_decile`` and ``p_alive``.
    by_segment : pandas.DataFrame, optional
        From :func:`custlib.value.clv.clv_by_segment` (first row = largest value).
    horizon_months : int
    lang : {'en', 'zh'}
    currency : str
    """
    check_lang(lang)
    total = float(table["clv"].sum())
    top = float(table.loc[table["clv_decile"] == 1, "clv"].sum()) / total if total else 0.0
    alive = float((table["p_alive"] >= 0.5).mean())
    seg = None
    if by_segment is not None and len(by_segment):
        # the column of clv_by_segment, named in the language it was made in
        names = {t("report.overview.clv_share", other) for other in LANGS}
        share_col = [c for c in by_segment.columns if c in names][0]
        seg = (escape_markdown(by_segment.index[0]), float(by_segment.iloc[0][share_col]))
    text = t("report.narrative.clv.main", lang, months=horizon_months, n=_n(len(table), lang),
             total=_money(total, currency, lang), top=_pct(top, lang), alive=_pct(alive, lang))
    if seg:
        text += t("report.narrative.clv.segment", lang, segment=seg[0], share=_pct(seg[1], lang))
    return text


def lifecycle_summary(state: pd.DataFrame, actions: dict[str, pd.DataFrame], *,
                      lang: str = "en", currency: str = "") -> str:
    """Where the customers stand in their lifecycle, and the size of each action list.

    Parameters
    ----------
    state : pandas.DataFrame
        :meth:`custlib.lifecycle.stages.LifecycleStager.state_at`.
    actions : dict of str to pandas.DataFrame
        From :func:`custlib.lifecycle.actions.action_lists`.
    lang : {'en', 'zh'}
    currency : str
    """
    check_lang(lang)
    buyers = state[state["stage"] != "potential"]
    n = len(buyers)
    share = buyers["stage"].astype(str).value_counts() / n if n else pd.Series(dtype=float)
    healthy = float(share.reindex(["new", "active", "loyal", "reactivated"]).fillna(0).sum())
    risk = float(share.reindex(["at_risk", "dormant"]).fillna(0).sum())
    lost = float(share.get("churned", 0.0))
    rev = float(buyers["revenue"].sum())
    lost_rev = float(buyers.loc[buyers["stage"] == "churned", "revenue"].sum()) / rev if rev \
        else 0.0
    stake = float(actions["win_back"]["value_at_stake"].sum()) if "win_back" in actions and \
        "value_at_stake" in actions["win_back"] else 0.0
    sizes = {k: len(v) for k, v in actions.items()}
    return t("report.narrative.lifecycle", lang, n=_n(n, lang), healthy=_pct(healthy, lang),
             risk=_pct(risk, lang), lost=_pct(lost, lang), lost_revenue=_pct(lost_rev, lang),
             win_back=_n(sizes.get("win_back", 0), lang), stake=_money(stake, currency, lang),
             retention=_n(sizes.get("retention", 0), lang), growth=_n(sizes.get("growth", 0), lang),
             onboarding=_n(sizes.get("onboarding", 0), lang))


def customer_basics(summary: pd.DataFrame, customers: pd.DataFrame | None = None, *,
                    lang: str = "en", currency: str = "") -> str:
    """Who the customers are, in a paragraph.

    How many, what they buy, and (with a customers table) their largest types and
    regions.

    Parameters
    ----------
    summary : pandas.DataFrame
        Customer summary (``n_orders``, ``total_revenue``, ``first_purchase``).
    customers : pandas.DataFrame, optional
        The prepared customers table.
    lang : {'en', 'zh'}
    currency : str
    """
    check_lang(lang)
    n = len(summary)
    rev = float(summary["total_revenue"].sum())
    orders = float(summary["n_orders"].mean())
    aov = rev / float(summary["n_orders"].sum()) if summary["n_orders"].sum() else 0.0
    from custlib.report.kpis import repeat_buyers

    repeat = float(repeat_buyers(summary).mean())
    parts = []
    if customers is not None:
        for col in ("customer_type", "region", "age_band"):
            if col in customers and customers[col].notna().any():
                top = customers[col].astype(str).value_counts(normalize=True).head(3)
                parts.append((col, ", ".join(f"{escape_markdown(k)} {_pct(v, lang)}"
                                             for k, v in top.items())))
    text = t("report.narrative.basics.main", lang, n=_n(n, lang),
             revenue=_money(rev, currency, lang),
             orders=f"{orders:.1f}", aov=_money(aov, currency, lang), repeat=_pct(repeat, lang))
    if parts:
        names = labels("report.narrative.basics.attribute", lang)
        groups = t("report.narrative.basics.group_separator", lang).join(
            t("report.narrative.basics.group", lang, name=names[c], top=top) for c, top in parts)
        text += t("report.narrative.basics.groups", lang, groups=groups)
    return text
