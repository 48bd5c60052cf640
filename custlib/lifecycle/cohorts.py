"""Acquisition cohorts and time to churn.

A cohort is the customers whose first purchase fell in the same month (or quarter, or
week). Retention is the share of a cohort buying in each later period; revenue per cohort
shows how much of today's business each generation of customers carries. Time to churn
is estimated with the Kaplan-Meier product-limit estimator, which uses customers who have
not churned yet (censored) as well as those who have. The figures are in
:mod:`custlib.plots.lifecycle`.

References
----------
Kaplan, E. L., & Meier, P. (1958). Nonparametric estimation from incomplete observations.
*Journal of the American Statistical Association*, 53(282), 457-481.
Fader, P. S., & Hardie, B. G. S. (2007). How to project customer retention. *Journal of
Interactive Marketing*, 21(1), 76-90.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.data.window import PartialPeriod, partial_periods
from custlib.errors import DataError, EmptyResultError, ParameterError, check_choice
from custlib.i18n import check_lang, t

__all__ = ["churn_durations", "cohort_clv", "cohort_cumulative_revenue", "cohort_retention",
           "cohort_revenue", "has_returns", "kaplan_meier", "median_survival", "partial_note",
           "survival_by", "survival_curves"]


def _periods(days: pd.DataFrame, freq: str) -> pd.DataFrame:
    check_choice("freq", freq, ("M", "Q", "W"))
    require_columns(days, ["customer_id", "day", "revenue"], "cohorts")
    if days.empty:
        raise EmptyResultError("cohorts: no purchases")
    d = days[["customer_id", "day", "revenue"]].copy()
    # customers as integer codes (hashing text ids once) and periods as ordinals: the
    # cohort is the customer's first period, the age the number of periods since
    d["_c"], _ = pd.factorize(d["customer_id"])
    if (d["_c"] < 0).any():
        raise DataError(f"cohorts: {int((d['_c'] < 0).sum()):,} purchase days have no "
                        "customer_id; expected purchase days of known customers (as "
                        "custlib.lifecycle.stages.purchase_days gives)")
    if d["day"].isna().any():  # NaT's ordinal would be every customer's first period
        raise DataError(f"cohorts: {int(d['day'].isna().sum()):,} purchase days have no "
                        "date; expected a date on every row (as "
                        "custlib.lifecycle.stages.purchase_days gives)")
    d["period"] = d["day"].dt.to_period(freq)
    ordinal = d["period"].array.asi8
    first = pd.Series(ordinal, index=d.index).groupby(d["_c"]).transform("min").to_numpy()
    d["cohort"] = pd.PeriodIndex.from_ordinals(first, freq=d["period"].dtype.freq)
    d["age"] = ordinal - first
    return d


def _edges(d: pd.DataFrame, freq: str, observation_end: str | pd.Timestamp | None
           ) -> tuple[PartialPeriod | None, PartialPeriod | None]:
    """The first and last periods observed in part (end: ``observation_end``, else the last day)."""
    end = observation_end if observation_end not in (None, "") else d["day"].max()
    return partial_periods(d["day"].min(), end, freq)


def _reached(index: pd.PeriodIndex, ages: pd.Index, last: pd.Period,
             partial_last: bool) -> pd.DataFrame:
    """Cells a cohort has reached (with ``partial_last``, not those of the last period)."""
    top = [(last - c).n - (1 if partial_last else 0) for c in index]
    return pd.DataFrame({a: [t >= a for t in top] for a in ages}, index=index)


def _mark(out: pd.DataFrame, first: PartialPeriod | None, last: PartialPeriod | None) -> None:
    out.attrs["partial_first"] = first
    out.attrs["partial_last"] = last


def cohort_retention(days: pd.DataFrame, *, freq: str = "M", counts: bool = False,
                     observation_end: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Share of each acquisition cohort buying in each period after acquisition.

    Parameters
    ----------
    days : pandas.DataFrame
        From :func:`custlib.lifecycle.stages.purchase_days`.
    freq : {'M', 'Q', 'W'}, default 'M'
    counts : bool, default False
        Customers instead of shares.
    observation_end : str or pandas.Timestamp, optional
        The last day observed; default the last purchase.

    Returns
    -------
    pandas.DataFrame
        Rows: cohort (first period); columns: periods since acquisition (0, 1, ...);
        column 0 is 1.0 (everyone bought in their acquisition period). Cells a cohort has
        not reached yet are missing, and so are the cells measured in a last period that
        is observed only in part (a few days of a month would read as a fall in
        retention). ``attrs['size']`` holds the cohort sizes; ``attrs['partial_first']``
        and ``attrs['partial_last']`` the first and last periods observed in part
        (:class:`custlib.data.window.PartialPeriod`, or None): the first cohort of a log
        that starts mid-month is smaller than a whole month's.
    """
    d = _periods(days, freq)
    first, partial = _edges(d, freq, observation_end)
    active = d.drop_duplicates(["_c", "period"])
    table = active.groupby(["cohort", "age"]).size().unstack(fill_value=0)
    size = table[0]
    last = d["period"].max()
    reached = _reached(table.index, table.columns, last, partial is not None)
    reached[0] = True  # a cohort's own period is whole for it: everyone in it bought
    table = table.where(reached)
    out = table if counts else table.div(size, axis=0)
    out.index = out.index.to_timestamp()
    out.index.name, out.columns.name = "cohort", "periods since acquisition"
    out.attrs["size"] = pd.Series(size.to_numpy(), index=out.index)
    _mark(out, first, partial)
    return out


def cohort_revenue(days: pd.DataFrame, *, freq: str = "M",
                   observation_end: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Revenue of each calendar period split by acquisition cohort (rows periods).

    ``attrs['partial_first']`` and ``attrs['partial_last']`` mark the first and last
    periods observed in part (their revenue is only that of the days observed); the end
    is ``observation_end``, default the last purchase.
    """
    d = _periods(days, freq)
    out = d.groupby(["period", "cohort"])["revenue"].sum().unstack(fill_value=0.0)
    out.index = out.index.to_timestamp()
    out.columns = out.columns.to_timestamp()
    out.index.name, out.columns.name = "period", "cohort"
    _mark(out, *_edges(d, freq, observation_end))
    return out


def cohort_cumulative_revenue(days: pd.DataFrame, *, freq: str = "M",
                              observation_end: str | pd.Timestamp | None = None
                              ) -> pd.DataFrame:
    """Cumulative revenue per acquired customer by periods since acquisition.

    Returns
    -------
    pandas.DataFrame
        Rows: cohort; columns: age 0, 1, ...; value: revenue to date / cohort size.
        Ages a cohort has not reached are missing, and so are those measured in a last
        period observed only in part (``observation_end``, default the last purchase);
        ``attrs['partial_first']`` and ``attrs['partial_last']`` as in
        :func:`cohort_retention`.
    """
    d = _periods(days, freq)
    first, partial = _edges(d, freq, observation_end)
    size = d.groupby("cohort")["_c"].nunique()
    rev = d.groupby(["cohort", "age"])["revenue"].sum().unstack(fill_value=0.0)
    last = d["period"].max()
    reached = _reached(rev.index, rev.columns, last, partial is not None)
    if not reached.to_numpy().any():  # the log is one partial period: show it, marked
        reached = _reached(rev.index, rev.columns, last, False)
    out = rev.cumsum(axis=1).div(size, axis=0).where(reached)
    out.index = out.index.to_timestamp()
    out.index.name, out.columns.name = "cohort", "periods since acquisition"
    _mark(out, first, partial)
    return out


def has_returns(retention: pd.DataFrame) -> bool:
    """Whether any cohort has a customer buying again after its first period.

    Without one (a log of one-time buyers) the retention heat map would be empty.

    Parameters
    ----------
    retention : pandas.DataFrame
        :func:`custlib.lifecycle.cohorts.cohort_retention`.

    Examples
    --------
    >>> has_returns(pd.DataFrame({0: [1.0, 1.0], 1: [0.0, np.nan]}))
    False
    >>> has_returns(pd.DataFrame({0: [1.0], 1: [0.25]}))
    True
    """
    later = retention.loc[:, [c for c in retention.columns if c != 0]]
    return bool((later.fillna(0) > 0).to_numpy().any())


def partial_note(table: pd.DataFrame, lang: str = "en") -> str:
    """What a cohort table's partial first and last periods mean, in words ('' if none).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`cohort_retention`, :func:`cohort_revenue` or
        :func:`cohort_cumulative_revenue`.
    lang : {'en', 'zh'}

    Returns
    -------
    str
    """
    check_lang(lang)
    said = []
    for which in ("first", "last"):
        period = table.attrs.get(f"partial_{which}")
        if period is not None:
            said.append(t(f"lifecycle.cohorts.partial_{which}", lang, **period.fields()))
    return " ".join(said)


def cohort_clv(days: pd.DataFrame, clv: pd.Series, *, freq: str = "M") -> pd.DataFrame:
    """Average predicted CLV of each acquisition cohort.

    Parameters
    ----------
    days : pandas.DataFrame
    clv : pandas.Series
        Predicted CLV by customer id (notebook 03).
    freq : {'M', 'Q', 'W'}

    Returns
    -------
    pandas.DataFrame
        Per cohort: ``customers``, ``mean_clv``, ``total_clv``.
    """
    d = _periods(days, freq).drop_duplicates("_c").set_index("customer_id")
    values = clv.copy()
    values.index = values.index.astype(str)
    d["clv"] = values.reindex(d.index)
    if d["clv"].isna().all():
        raise DataError("cohort_clv: no customer id of the CLV table matches the purchases "
                        "(expected the ids of notebook 03's customer_clv)")
    g = d.groupby("cohort")["clv"]
    out = pd.DataFrame({"customers": g.size(), "mean_clv": g.mean(), "total_clv": g.sum()})
    out.index = out.index.to_timestamp()
    out.index.name = "cohort"
    return out


# --- survival ---------------------------------------------------------------------------------

def churn_durations(state: pd.DataFrame, *, churn_days: float) -> pd.DataFrame:
    """Each buyer's lifetime as a customer, from the first to the last purchase.

    A customer silent for more than ``churn_days`` has churned: their lifetime ended with
    the last purchase (an observed event). Any other customer was known to be a customer
    at their last purchase and may buy again: their lifetime is censored there. Customers
    who never came back and churned have lifetime 0, so the curve's first drop is the
    share of buyers lost after a single purchase day.

    Parameters
    ----------
    state : pandas.DataFrame
        :meth:`custlib.lifecycle.stages.LifecycleStager.state_at`.
    churn_days : float

    Returns
    -------
    pandas.DataFrame
        ``duration_days`` and ``churned`` (bool), index ``customer_id`` (buyers only).
    """
    require_columns(state, ["first_purchase", "last_purchase", "days_since_last"],
                    "churn_durations")
    if not (isinstance(churn_days, (int, float)) and churn_days > 0):
        raise ParameterError(f"parameter 'churn_days' is {churn_days!r}; expected days > 0")
    s = state[state["first_purchase"].notna()]
    span = (s["last_purchase"] - s["first_purchase"]).dt.days.astype(float)
    return pd.DataFrame({"duration_days": span.to_numpy(),
                         "churned": (s["days_since_last"] > churn_days).to_numpy()},
                        index=s.index)


def kaplan_meier(durations: Any, events: Any, *, confidence: float = 0.95) -> pd.DataFrame:
    """The Kaplan-Meier estimate of the survival function, with Greenwood intervals.

    Parameters
    ----------
    durations : array-like
        Time of the event or of censoring, >= 0.
    events : array-like of bool
        True where the event (churn) was observed, False where censored.
    confidence : float, default 0.95
        Level of the pointwise interval (log-log transformed, as in most packages).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (0 and each event time); ``at_risk``, ``events``, ``censored``,
        ``survival``, ``ci_low``, ``ci_high``.
    """
    dur = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    if dur.shape != e.shape or dur.ndim != 1:
        raise ParameterError("kaplan_meier: 'durations' and 'events' must be 1-d and of equal "
                             "length")
    if len(dur) == 0:
        raise EmptyResultError("kaplan_meier: no durations")
    if np.isnan(dur).any() or (dur < 0).any():
        raise DataError(f"kaplan_meier: {int((np.isnan(dur) | (dur < 0)).sum())} duration(s) are "
                        "missing or negative; expected times >= 0")
    times, inverse = np.unique(dur, return_inverse=True)
    d = np.bincount(inverse, weights=e.astype(float), minlength=len(times))
    c = np.bincount(inverse, weights=(~e).astype(float), minlength=len(times))
    n = len(dur) - np.concatenate([[0.0], np.cumsum(d + c)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.cumprod(1 - d / n)
        var = np.cumsum(np.where(n > d, d / (n * (n - d)), 0.0))
        z = _z(confidence)
        loglog = np.log(-np.log(s))
        se = np.sqrt(var) / np.abs(np.log(s))
        low = np.exp(-np.exp(loglog + z * se))
        high = np.exp(-np.exp(loglog - z * se))
    low = np.where((s > 0) & (s < 1), low, s)
    high = np.where((s > 0) & (s < 1), high, s)
    out = pd.DataFrame({"at_risk": n, "events": d, "censored": c, "survival": s,
                        "ci_low": low, "ci_high": high}, index=pd.Index(times, name="time"))
    start = pd.DataFrame({"at_risk": [float(len(dur))], "events": [0.0], "censored": [0.0],
                          "survival": [1.0], "ci_low": [1.0], "ci_high": [1.0]},
                         index=pd.Index([0.0], name="time"))
    if times[0] > 0:
        out = pd.concat([start, out])
    return out


def _z(confidence: float) -> float:
    from scipy.stats import norm

    if not 0 < confidence < 1:
        raise ParameterError(f"parameter 'confidence' is {confidence!r}; expected a level "
                             "between 0 and 1, such as 0.95")
    return float(norm.ppf(0.5 + confidence / 2))


def median_survival(curve: pd.DataFrame) -> float:
    """The first time at which survival falls to 0.5 or below (inf if it never does)."""
    below = curve.index[curve["survival"] <= 0.5]
    return float(below[0]) if len(below) else float("inf")


def survival_by(durations: pd.DataFrame, groups: pd.Series, *, min_size: int = 20,
                lang: str = "en") -> dict[str, pd.DataFrame]:
    """Kaplan-Meier curves for each group (segment, acquisition channel, ...).

    Parameters
    ----------
    durations : pandas.DataFrame
        From :func:`churn_durations`.
    groups : pandas.Series
        Group by customer id; customers without a group are left out.
    min_size : int, default 20
        Smaller groups are left out (their curves are noise).
    lang : {'en', 'zh'}

    Returns
    -------
    dict of str to pandas.DataFrame
        One curve per group, largest group first; ``attrs['median']`` on each.
    """
    check_lang(lang)
    g = groups.copy()
    g.index = g.index.astype(str)
    g = g.reindex(durations.index).dropna()
    curves = {}
    for name, ids in g.groupby(g).groups.items():
        if len(ids) < min_size:
            continue
        part = durations.loc[ids]
        curve = kaplan_meier(part["duration_days"], part["churned"])
        curve.attrs["median"] = median_survival(curve)
        curve.attrs["customers"] = int(len(ids))
        curves[str(name)] = curve
    if not curves:
        raise EmptyResultError(f"survival_by: no group has {min_size} or more customers")
    return dict(sorted(curves.items(), key=lambda kv: -kv[1].attrs["customers"]))


def survival_curves(durations: pd.DataFrame, groups: pd.Series | None, column: str, *,
                    min_size: int = 20, lang: str = "en") -> tuple[dict[str, pd.DataFrame], str]:
    """:func:`survival_by` that never fails: the curves it can draw and, if any, why not.

    Parameters
    ----------
    durations : pandas.DataFrame
        From :func:`churn_durations`.
    groups : pandas.Series or None
        Group by customer id; None when the run has no such column
        (:func:`custlib.run.workflow.customer_column` with ``missing="none"``).
    column : str
        The column's name (parameter ``survival_by``); '' for no comparison.
    min_size : int, default 20
    lang : {'en', 'zh'}

    Returns
    -------
    curves : dict of str to pandas.DataFrame
        As :func:`survival_by`; empty when skipped.
    note : str
        '' when curves were drawn or no column was asked for; otherwise an italic
        sentence saying what is skipped and why, in the run's language.
    """
    check_lang(lang)
    if not column:
        return {}, ""
    if groups is None:
        return {}, t("lifecycle.survival.no_column", lang, column=column)
    try:
        return survival_by(durations, groups, min_size=min_size, lang=lang), ""
    except EmptyResultError:
        return {}, t("lifecycle.survival.small_groups", lang, column=column,
                     min_size=str(min_size))
