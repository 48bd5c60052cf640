"""The report's "How sure are we" panel: coverage, model error, caveats, value as ranges.

A manager signs a number only when told how far to trust it. The panel opens the report,
right after the KPI cards, and says in the report's language: which data the analysis
covers (period, customers, the share of anonymous lines and revenue left out of the
customer figures), how far the chosen purchase model was off on its holdout period, the
caveats that apply to this log (a start that cuts customers' histories, a sparse tail,
few repeat buyers, extreme lines), and the predicted value in total and per segment as
ranges (notebook 03's bootstrap, :mod:`custlib.value.bootstrap`), not single numbers.
When CLV was not estimated it says so and why.

The caveats are collected from where the kit finds them (:mod:`custlib.data.window`,
:mod:`custlib.report.extremes`, :mod:`custlib.value.feasibility`); the one new check is
:func:`left_censored`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.data.engines.table import LineTable, frame_of
from custlib.data.window import SparseTail
from custlib.i18n import check_lang, t
from custlib.report.document import Report
from custlib.report.narrative import format_money_range
from custlib.safety import escape_markdown

__all__ = ["FEW_REPEAT_BUYERS", "LeftCensored", "add_certainty", "coverage", "left_censored",
           "total_range", "value_ranges"]

#: Fewer repeat buyers than this: the spend model and the drop-out rates rest on few people.
FEW_REPEAT_BUYERS: int = 100

#: New customers per month in the log's first months this many times the usual pace or more
#: mean the log cuts histories short (:func:`left_censored`).
CENSORED_RATIO: float = 2.0


class LeftCensored:
    """A log that starts after the business did: its first months hold old customers.

    Attributes
    ----------
    months : int
        The first months compared (3).
    share : float
        Share of the customers whose first purchase in the log falls in those months.
    ratio : float
        Their monthly pace of first purchases against the usual pace (the median month
        after the first six).
    """

    def __init__(self, months: int, share: float, ratio: float) -> None:
        self.months, self.share, self.ratio = months, share, ratio

    def sentence(self, lang: str = "en") -> str:
        """The caveat in ``lang``."""
        return t("report.certainty.left_censored", lang, months=str(self.months),
                 share=f"{self.share:.0%}", ratio=f"{self.ratio:.1f}")


def left_censored(transactions: pd.DataFrame, *, months: int = 3) -> LeftCensored | None:
    """Whether the log's first months hold customers who bought before it starts.

    Customers appear in a log at their first purchase *in the log*. When the log starts
    after the business did, its first months catch every returning customer as "new", so
    first purchases pile up there: ``months`` months with first purchases at
    :data:`CENSORED_RATIO` times the usual pace (the median month after the first six) or
    more. Their histories are cut: the models take them for new customers, which
    understates loyalty and tilts P(alive) and CLV.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean lines with ``customer_id`` and ``order_date``.
    months : int, default 3

    Returns
    -------
    LeftCensored or None
        None when the pace is usual, or the log spans fewer than 12 months.

    Examples
    --------
    >>> firsts = pd.to_datetime(["2023-01-05"] * 40 + ["2023-02-05"] * 40 +
    ...                         [f"2023-{m:02d}-10" for m in range(3, 13) for _ in range(10)])
    >>> tx = pd.DataFrame({"customer_id": range(len(firsts)), "order_date": firsts})
    >>> found = left_censored(tx)
    >>> round(found.share, 2), round(found.ratio, 1)
    (0.5, 3.0)
    """
    require_columns(transactions, ["customer_id", "order_date"], "left_censored")
    firsts = pd.to_datetime(transactions.groupby("customer_id")["order_date"].min())
    if firsts.empty:
        return None
    per_month = firsts.dt.to_period("M").value_counts().sort_index()
    span = pd.period_range(per_month.index.min(), per_month.index.max(), freq="M")
    per_month = per_month.reindex(span, fill_value=0)
    if len(per_month) < 12:
        return None
    usual = float(np.median(per_month.iloc[6:]))
    early = per_month.iloc[:months]
    if usual <= 0 or float(early.mean()) < CENSORED_RATIO * usual:
        return None
    return LeftCensored(months, float(early.sum()) / len(firsts), float(early.mean()) / usual)


def coverage(cleaning: dict[str, Any], first_date: str, observation_end: str,
             lang: str = "en") -> str:
    """Which data the figures cover: period, customers, anonymous lines and revenue.

    Parameters
    ----------
    cleaning : dict
        Notebook 01's cleaning summary (``kept_rows``, ``kept_revenue``,
        ``kept_customers``, ``set_aside_rows``, ``set_aside_revenue``).
    first_date, observation_end : str
        The first clean order day and the end of observation.
    lang : {'en', 'zh'}

    Returns
    -------
    str
        One Markdown sentence.

    Examples
    --------
    >>> print(coverage({"kept_rows": 900, "kept_revenue": 9000.0, "kept_customers": 120,
    ...                 "set_aside_rows": 100, "set_aside_revenue": 1000.0},
    ...                "2023-01-01", "2023-12-31"))  # doctest: +NORMALIZE_WHITESPACE
    The figures cover **2023-01-01 to 2023-12-31**: **120** customers with a customer id.
    Lines without one (anonymous sales, 10% of the lines, 10% of the revenue) count in
    no customer figure.
    """
    check_lang(lang)
    rows = cleaning.get("kept_rows", 0) + cleaning.get("set_aside_rows", 0)
    revenue = cleaning.get("kept_revenue", 0.0) + cleaning.get("set_aside_revenue", 0.0)
    text = t("report.certainty.coverage", lang, start=first_date, end=observation_end,
             customers=f"{int(cleaning.get('kept_customers', 0)):,}")
    if cleaning.get("set_aside_rows"):
        text += ("" if lang == "zh" else " ") + t("report.certainty.anonymous", lang,
                        rows=f"{cleaning['set_aside_rows'] / rows:.0%}" if rows else "–",
                        revenue=f"{cleaning['set_aside_revenue'] / revenue:.0%}"
                        if revenue else "–")
    return text


def total_range(intervals: pd.DataFrame | None) -> tuple[float, float] | None:
    """The bootstrap interval of the whole base's value, for the KPI card.

    Parameters
    ----------
    intervals : pandas.DataFrame or None
        :attr:`custlib.value.bootstrap.ValueBootstrap.intervals_`, or None when notebook 03
        ran without the bootstrap.

    Returns
    -------
    tuple of float or None
        ``(low, high)``; None without intervals or when no refit converged.

    Examples
    --------
    >>> total_range(pd.DataFrame({"scope": ["total", "segment"], "low": [5.0, 1.0],
    ...                           "high": [9.0, 2.0]}))
    (5.0, 9.0)
    >>> total_range(None) is None
    True
    """
    if intervals is None:
        return None
    total = intervals[intervals["scope"] == "total"]
    if total.empty:
        return None
    low, high = float(total["low"].iloc[0]), float(total["high"].iloc[0])
    return (low, high) if np.isfinite(low) and np.isfinite(high) else None


def value_ranges(intervals: pd.DataFrame, lang: str = "en", currency: str = "") -> pd.DataFrame:
    """The segments' value as ranges, for the report's table.

    Parameters
    ----------
    intervals : pandas.DataFrame
        :attr:`custlib.value.bootstrap.ValueBootstrap.intervals_` (the ``clv_intervals``
        table of notebook 03).
    lang : {'en', 'zh'}
    currency : str

    Returns
    -------
    pandas.DataFrame
        Index the segments (largest value first), columns ``customers`` and the range
        (named in ``lang``).
    """
    check_lang(lang)
    rows = intervals[intervals["scope"] == "segment"]
    out = pd.DataFrame({
        "customers": rows["customers"].to_numpy(dtype=int),
        t("report.certainty.range_column", lang): [
            format_money_range(lo, hi, currency, lang)
            for lo, hi in zip(rows["low"], rows["high"], strict=True)],
    }, index=pd.Index(rows["segment"].astype(str), name=t("report.certainty.segment", lang)))
    return out


def _model_error(btyd: dict[str, Any] | None, lang: str) -> str:
    """The chosen model's holdout error in one sentence ('' without a holdout)."""
    hold = (btyd or {}).get("holdout") or {}
    if hold.get("error_pct") is None:
        return ""
    return t("report.certainty.model_error", lang, model=escape_markdown(str(hold["model"])),
             error=f"{abs(float(hold['error_pct'])):.0f}%",
             direction=t("report.certainty.over" if float(hold["error_pct"]) > 0 else
                         "report.certainty.under", lang),
             start=f"{pd.Timestamp(hold['calibration_end']) + pd.Timedelta(days=1):%Y-%m-%d}",
             end=str(hold["observation_end"]))


def fits_stopped(btyd: dict[str, Any] | None, lang: str = "en") -> str:
    """The model fits behind the value that stopped at ``fit_max_seconds``, named; or ''.

    The chosen model's calibration fit (its holdout errors chose it) and the fit on all
    customers (every value) are named when notebook 03's ``btyd_params.json`` says they did
    not converge.
    """
    btyd = btyd or {}
    calibration = (btyd.get("calibration_models") or {}).get(btyd.get("selected_model")) or {}
    final = btyd.get("final_model") or {}
    estimate = (btyd.get("bootstrap") or {}).get("estimate_converged")  # the same fit, again
    which = {(True, True): "both", (True, False): "calibration", (False, True): "final"}.get(
        (calibration.get("converged") is False,
         final.get("converged") is False or estimate is False))
    if which is None:
        return ""
    model = final.get("model") or calibration.get("model") or btyd.get("selected_model", "")
    return t(f"report.certainty.fit_stopped_{which}", lang, model=escape_markdown(str(model)))


def caveats(transactions: pd.DataFrame, cleaning: dict[str, Any], btyd: dict[str, Any] | None,
            lang: str = "en") -> list[str]:
    """The caveats that apply to this run, one sentence each.

    A start that cuts histories (:func:`left_censored`), a sparse tail the cleaning found
    (:mod:`custlib.data.window`), fewer than :data:`FEW_REPEAT_BUYERS` repeat buyers, model
    fits stopped at their time limit (:func:`fits_stopped`), and failed bootstrap refits.
    """
    out = []
    found = left_censored(transactions)
    if found is not None:
        out.append(found.sentence(lang))
    settings = cleaning.get("settings") or {}
    tail = SparseTail.from_dict(settings.get("sparse_tail"))
    if tail is not None:
        key = "tail_applied" if settings.get("observation_end_auto") else "tail_found"
        out.append(t(f"data.edges.{key}", lang, **tail.fields()))
    repeat = ((btyd or {}).get("gamma_gamma") or {}).get("repeat_customers")
    if repeat is not None and repeat < FEW_REPEAT_BUYERS:
        out.append(t("report.certainty.few_repeat", lang, n=f"{int(repeat):,}",
                     minimum=str(FEW_REPEAT_BUYERS)))
    stopped = fits_stopped(btyd, lang)
    if stopped:
        out.append(t("report.certainty.fit_stopped", lang, fits=stopped))
    boot = (btyd or {}).get("bootstrap") or {}
    if boot.get("failed"):
        out.append(t("report.certainty.failed_refits", lang, failed=str(boot["failed"]),
                     total=str(boot["failed"] + boot["refits"])))
    return out


def add_certainty(rep: Report, *, transactions: pd.DataFrame | LineTable, cleaning: dict[str, Any],
                  observation_end: str, btyd: dict[str, Any] | None,
                  not_estimated: Any = None, intervals: pd.DataFrame | None = None,
                  extra_caveats: list[str] | None = None, currency: str = "") -> Report:
    """Start the report's "How sure are we" section and fill it.

    Parameters
    ----------
    rep : Report
    transactions : pandas.DataFrame or LineTable
        The clean lines (``customer_id``, ``order_date``; lines on disk are read for those
        only).
    cleaning : dict
        Notebook 01's cleaning summary.
    observation_end : str
    btyd : dict or None
        Notebook 03's ``btyd_params.json``.
    not_estimated : custlib.value.feasibility.Estimability, optional
        Why notebook 03 did not estimate CLV.
    intervals : pandas.DataFrame, optional
        Notebook 03's ``clv_intervals`` (None: no bootstrap, or not estimated).
    extra_caveats : list of str, optional
        Caveats found elsewhere (the extreme lines of :mod:`custlib.report.extremes`).
    currency : str

    Returns
    -------
    Report
        ``rep``, with the section ``certainty``.
    """
    lang = rep.lang
    require_columns(transactions, ["customer_id", "order_date"], "add_certainty")
    transactions = frame_of(transactions, ["customer_id", "order_date"])
    rep.section("certainty", t("report.certainty.title", lang))
    first = f"{pd.Timestamp(transactions['order_date'].min()):%Y-%m-%d}"
    rep.text(coverage(cleaning, first, observation_end, lang))
    months = int(((btyd or {}).get("settings") or {}).get("horizon_months") or 12)
    if not_estimated is not None:
        rep.text(t("report.certainty.not_estimated", lang, reason=not_estimated.reason(lang)))
    elif btyd is None:
        rep.text(t("report.certainty.no_clv", lang))
    else:
        error = _model_error(btyd, lang)
        if error:
            rep.text(error)
        boot = btyd.get("bootstrap")
        total = intervals[intervals["scope"] == "total"].iloc[0] if intervals is not None \
            else None
        if total is not None and boot and not np.isfinite(total["low"]):
            rep.text(t("report.certainty.all_failed", lang, months=str(months)))
        elif total is not None and boot:
            rep.text(t("report.certainty.value_total", lang, months=str(months),
                       range=format_money_range(total["low"], total["high"], currency, lang),
                       level=f"{boot['level']:.0%}", refits=str(boot["refits"])))
            rep.table(value_ranges(intervals, lang, currency), "value_ranges")
        else:
            rep.text(t("report.certainty.no_intervals", lang, months=str(months)))
    said = caveats(transactions, cleaning, btyd, lang) + list(extra_caveats or [])
    if said:
        rep.heading(t("report.certainty.caveats", lang))
        for sentence in said:  # Markdown sentences: paragraphs, not plain-text bullets
            rep.text(sentence)
    return rep
