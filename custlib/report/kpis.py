"""The handful of KPIs that open the report, each against the previous period."""

from __future__ import annotations

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.data.engines.table import LineTable, frame_of
from custlib.data.window import PARTIAL_MONTH_DAYS
from custlib.i18n import check_lang, labels, t

__all__ = ["format_kpis", "kpis", "repeat_buyers"]


def repeat_buyers(summary: pd.DataFrame) -> pd.Series:
    """Whether each customer bought on two or more days: the repeat-purchase rate's buyers.

    One definition for every repeat-purchase rate the report shows (the KPI over the last
    months, the whole log's in section 2, the loyalty table, SWOT and the canvas): two
    orders on one day are one visit, as in the KPIs, so a customer who splits a basket is
    not a repeat buyer. It uses the summary's ``frequency`` (repeat purchase days) when the
    summary is in days, else the number of orders.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`custlib.value.summary.customer_summary` (``n_orders``; ``frequency``).

    Returns
    -------
    pandas.Series
        Boolean, on the summary's index.

    Examples
    --------
    >>> s = pd.DataFrame({"n_orders": [2, 2, 1], "frequency": [0.0, 1.0, 0.0]})
    >>> repeat_buyers(s).tolist()
    [False, True, False]
    """
    daily = "frequency" in summary and summary.attrs.get("freq", "D") == "D" and \
        summary.attrs.get("freq_multiplier", 1) == 1
    if daily:
        return summary["frequency"].astype(float) > 0
    return summary["n_orders"] > 1


def _period_kpis(tx: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> dict[str, float]:
    part = tx[(tx["order_date"] > start) & (tx["order_date"] <= end)]
    if part.empty:
        return {"customers": 0.0, "revenue": 0.0, "repeat_rate": float("nan")}
    days = part.assign(d=part["order_date"].dt.normalize()).groupby("customer_id")["d"].nunique()
    return {"customers": float(len(days)), "revenue": float(part["amount"].sum()),
            "repeat_rate": float((days > 1).mean())}


def _at_risk(snapshots: pd.DataFrame, mid: pd.Timestamp, covered: bool) -> tuple[float, float]:
    """Share of buying customers at risk or dormant at the last snapshot, and at ``mid``."""
    dates = pd.to_datetime(sorted(snapshots["snapshot"].unique()))

    def risk_at(d: pd.Timestamp) -> float:
        st = snapshots.loc[snapshots["snapshot"] == d, "stage"].astype(str)
        st = st[st != "potential"]
        return float(st.isin(["at_risk", "dormant"]).mean()) if len(st) else float("nan")

    prev_dates = dates[dates <= mid]
    return (risk_at(dates[-1]), risk_at(prev_dates[-1])
            if len(prev_dates) and covered else float("nan"))


def kpis(transactions: pd.DataFrame | LineTable, observation_end: str, *,
         snapshots: pd.DataFrame | None = None, clv: pd.Series | None = None,
         clv_range: tuple[float, float] | None = None, months: int = 12,
         lang: str = "en") -> pd.DataFrame:
    """The handful of KPIs that open the report, each against the previous period.

    Customers (who bought), revenue and repeat-purchase rate (share of those customers
    buying on 2+ days) are measured over the last ``months`` months and the ``months``
    before; the share of buying customers at risk or dormant at the end of each (from
    notebook 04's snapshots); the predicted value of today's customers over the next 12
    months (notebook 03's CLV: margin, discounted; no previous value). When the log starts
    more than a month after the previous period does, that period is not compared; when it
    starts :data:`~custlib.data.window.PARTIAL_MONTH_DAYS` days or more (up to a month)
    after, both periods are shortened to the days the log covers, so that they are
    compared on equal lengths (``attrs['note']`` says so).

    Parameters
    ----------
    transactions : pandas.DataFrame or LineTable
        The clean lines (``customer_id``, ``order_date``, ``amount``); lines on disk
        (:class:`~custlib.data.engines.saved.SavedLines`) are read for those columns only.
    observation_end : str
    snapshots : pandas.DataFrame, optional
        Notebook 04's lifecycle snapshots (``snapshot``, ``stage``).
    clv, clv_range : optional
        Notebook 03's CLV per customer and its bootstrap range of the total.
    months : int, default 12
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Index KPI (named in ``lang``: ``report.kpi`` in the catalogs); ``value``,
        ``previous``, ``change`` (relative, or points for shares). ``attrs``: ``period``
        (the current period's dates), ``days`` (its length), ``note`` (why the periods
        are shorter, or ''), ``ranges`` (a KPI's 90 % range: ``clv_range``).

    Notes
    -----
    ``clv_range`` (notebook 03's bootstrap interval of the 12-month value,
    :class:`custlib.value.bootstrap.ValueBootstrap`) is shown on the value's card in place
    of a change: a manager reads a range, not a single number.
    """
    check_lang(lang)
    require_columns(transactions, ["customer_id", "order_date", "amount"], "kpis")
    transactions = frame_of(transactions, ["customer_id", "order_date", "amount"])
    end = pd.Timestamp(observation_end).normalize() + pd.Timedelta(days=1) - pd.Timedelta(1)
    mid = end - pd.DateOffset(months=months)
    start = mid - pd.DateOffset(months=months)
    first = transactions["order_date"].min().normalize()
    short = int((first - (start + pd.Timedelta(1)).normalize()).days)  # previous days missed
    covered = short <= 31
    note = ""
    if PARTIAL_MONTH_DAYS <= short <= 31:  # equal lengths: both periods from the log's start
        length = mid - (first - pd.Timedelta(1))
        mid_cut, start = end - length, first - pd.Timedelta(1)
        note = t("report.document.kpi_equal_lengths", lang, days=f"{length.days:,}",
                 first=f"{first:%Y-%m-%d}", missing=f"{short:,}")
    else:
        mid_cut = mid
    out_days = int((end - mid_cut).round("D").days)
    now = _period_kpis(transactions, mid_cut, end)
    before = _period_kpis(transactions, start, mid)
    if not covered:
        before = {k: float("nan") for k in before}  # the previous period is not covered
    window = (t("report.document.window_days", lang, days=f"{out_days:,}") if note else
              t("report.document.window_months", lang, months=months))
    names = {k: v.format(window=window) for k, v in labels("report.kpi", lang).items()}
    rows = {k: (now[k], before[k]) for k in ("customers", "revenue", "repeat_rate")}
    if snapshots is not None and len(snapshots):
        rows["at_risk"] = _at_risk(snapshots, mid, covered)
    if clv is not None:
        rows["clv"] = (float(clv.sum()), float("nan"))
    out = pd.DataFrame(rows, index=["value", "previous"]).T
    shares = out.index.isin(["repeat_rate", "at_risk"])
    out["change"] = np.where(shares, out["value"] - out["previous"],
                             out["value"] / out["previous"].replace(0, np.nan) - 1)
    out.index = [names[k] for k in out.index]
    out.attrs["period"] = (f"{mid_cut + pd.Timedelta(1):%Y-%m-%d} – {end:%Y-%m-%d}")
    out.attrs["ranges"] = ({names["clv"]: (float(clv_range[0]), float(clv_range[1]))}
                           if clv is not None and clv_range is not None else {})
    out.attrs["days"] = out_days
    out.attrs["note"] = note
    out.attrs["shares"] = [names[k] for k in ("repeat_rate", "at_risk")]
    out.attrs["money"] = [names[k] for k in ("revenue", "clv")]
    out.attrs["worse_when_up"] = [names["at_risk"]]  # a rise is bad news: shown in red
    out.attrs["months"] = months
    out.attrs["lang"] = lang
    return out


def format_kpis(table: pd.DataFrame, currency: str = "", lang: str = "") -> pd.DataFrame:
    """The KPIs of :func:`kpis` as people read them.

    Counts with separators, money in the currency as the text and the tables write it
    (:func:`custlib.i18n.formats.money`), shares in %, changes in % (or points for
    shares), "—" where there is none.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`kpis`.
    currency : str, default ''
    lang : str, default ''
        The language of the numbers' units; '' is the one ``table`` was made in.

    Returns
    -------
    pandas.DataFrame
        ``current``, ``previous`` and ``change`` as text, one row per KPI.

    Examples
    --------
    >>> k = kpis(pd.DataFrame({"customer_id": ["a", "b", "a"], "amount": [10.0, 5.0, 8.0],
    ...     "order_date": pd.to_datetime(["2023-01-05", "2024-02-01", "2024-03-01"])}),
    ...     "2024-12-31")
    >>> format_kpis(k, "GBP")
                                        current previous  change
    customers who bought, last 361 days       2        1   +100%
    revenue, last 361 days                  £13      £10    +30%
    repeat-purchase rate, last 361 days      0%       0%  0.0 pt
    """
    from custlib.i18n.formats import money, number, percent, points, signed_percent

    lang = lang or table.attrs.get("lang", "en")
    shares = set(table.attrs.get("shares", []))
    amounts = set(table.attrs.get("money", []))

    def one(name: str, v: float) -> str:
        if v != v:
            return "—"
        return (percent(v, lang) if name in shares else money(v, currency, lang)
                if name in amounts else number(v, lang))

    from custlib.i18n import t
    from custlib.report.narrative import format_money_range

    ranges = table.attrs.get("ranges", {})
    rows = {}
    for name, r in table.iterrows():
        ch = r["change"]
        change = "—" if ch != ch else (points(ch, lang) if name in shares else
                                      signed_percent(ch, lang))
        if name in ranges:
            change = t("report.document.range90", lang,
                       range=format_money_range(ranges[name][0], ranges[name][1], currency,
                                                    lang))
        rows[name] = {"current": one(str(name), r["value"]),
                      "previous": one(str(name), r["previous"]), "change": change}
    return pd.DataFrame(rows).T
