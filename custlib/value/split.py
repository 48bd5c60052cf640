"""What the purchase models take: time units, the customer summary and the date split.

The BTYD models read three numbers per customer, ``frequency``, ``recency`` and ``T``, in
one time unit (:data:`TIME_UNITS`). :func:`model_summary` makes them from a transaction
log; :func:`calibration_holdout` splits the log by date into a calibration summary the
models learn from and the holdout purchases they are tested on (the replacement for
lifetimes' ``calibration_and_holdout_data``, broken on pandas 3, with its definitions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.data.engines.saved import is_saved_lines
from custlib.data.sums import kahan_sums
from custlib.errors import DataError, EmptyResultError, ParameterError, check_choice
from custlib.i18n import t
from custlib.value.summary import (
    CustomerCodes,
    _checked_inputs,
    _summary,
    customer_codes,
    customer_summary,
    period_index,
)

__all__ = ["TIME_UNITS", "calibration_holdout", "check_btyd_summary", "default_calibration_end",
           "describe_split", "model_summary", "time_unit", "window_bounds"]

#: a log this long (days, about 30 months) holds out its last 12 months by default
WHOLE_YEAR_FROM_DAYS = 913


#: time unit -> (period of the summary, divisor of days, periods per year)
TIME_UNITS: dict[str, tuple[str, float, float]] = {
    "days": ("D", 1.0, 365.25),
    "weeks": ("D", 7.0, 365.25 / 7),
    "months": ("D", 365.25 / 12, 12.0),
}


def time_unit(unit: str) -> tuple[str, float, float]:
    """The summary settings and periods per year of a model time unit.

    Weeks and months are measured continuously from daily purchase dates (days / 7 and
    days / 30.44), as in Fader, Hardie & Lee (2005): repeat purchases are distinct days.

    Parameters
    ----------
    unit : {'days', 'weeks', 'months'}

    Returns
    -------
    tuple
        ``(freq, freq_multiplier, periods_per_year)`` for
        :func:`custlib.value.summary.customer_summary`.
    """
    check_choice("time_unit", unit, tuple(TIME_UNITS))
    return TIME_UNITS[unit]


def model_summary(transactions: pd.DataFrame, observation_end: str | pd.Timestamp | None = None,
                  *, unit: str = "weeks", customer_id_col: str = "customer_id",
                  datetime_col: str = "order_date", monetary_col: str | None = "amount",
                  order_id_col: str | None = "order_id") -> pd.DataFrame:
    """The customer summary the models take, in a model time unit.

    :func:`custlib.value.summary.customer_summary` with the settings of :func:`time_unit`:
    repeat purchases are distinct days; ``recency`` and ``T`` are in ``unit``.

    Parameters
    ----------
    transactions : pandas.DataFrame
    observation_end : str or Timestamp, optional
        Default the last transaction date.
    unit : {'days', 'weeks', 'months'}, default 'weeks'
    customer_id_col, datetime_col, monetary_col, order_id_col : str

    Returns
    -------
    pandas.DataFrame
        One row per customer.
    """
    freq, mult, _ = time_unit(unit)
    out = customer_summary(transactions, observation_end=observation_end or None, freq=freq,
                           freq_multiplier=mult, customer_id_col=customer_id_col,
                           datetime_col=datetime_col, monetary_col=monetary_col,
                           order_id_col=order_id_col)
    out.attrs = {**out.attrs, "unit": unit}
    return out


def check_btyd_summary(summary: pd.DataFrame, where: str) -> pd.DataFrame:
    """The ``frequency``, ``recency`` and ``T`` of a customer summary, checked, as floats.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer.
    where : str
        Named in the error messages.

    Returns
    -------
    pandas.DataFrame
        The three columns, as floats.

    Raises
    ------
    ColumnError, EmptyResultError, DataError
        A column is missing, no customer, or missing or inconsistent values.
    """
    require_columns(summary, ["frequency", "recency", "T"], where)
    data = summary[["frequency", "recency", "T"]].astype(float)
    if len(data) == 0:
        raise EmptyResultError(f"{where}: no customers")
    if data.isna().any().any():
        raise DataError(f"{where}: frequency, recency and T must not be missing "
                        f"({int(data.isna().any(axis=1).sum())} customer(s) have gaps)")
    bad = (data["frequency"] < 0) | (data["recency"] < 0) | \
        (data["recency"] > data["T"] + 1e-9) | \
        ((data["frequency"] == 0) & (data["recency"] != 0))
    if bad.any():
        rows = list(data.index[bad][:5])
        raise DataError(f"{where}: {int(bad.sum())} customer(s) have inconsistent BTYD values "
                        f"(e.g. {rows}); expected frequency >= 0, 0 <= recency <= T and "
                        "recency 0 for one-time buyers (use "
                        "custlib.value.summary.customer_summary)")
    return data


def calibration_holdout(transactions: pd.DataFrame, calibration_end: str | pd.Timestamp,
                        observation_end: str | pd.Timestamp | None = None, *,
                        unit: str = "weeks", customer_id_col: str = "customer_id",
                        datetime_col: str = "order_date", monetary_col: str | None = "amount",
                        order_id_col: str | None = "order_id") -> pd.DataFrame:
    """Split a transaction log by date into a calibration summary and holdout counts.

    The replacement for lifetimes' ``calibration_and_holdout_data`` (broken on pandas 3),
    with the same definitions: customers are those who bought by ``calibration_end``;
    their calibration ``frequency``, ``recency``, ``T`` and ``monetary_value`` come from
    :func:`custlib.value.summary.customer_summary`; ``frequency_holdout`` counts the days with a
    purchase after ``calibration_end`` up to ``observation_end``; ``monetary_value_holdout``
    is their mean daily spend; ``duration_holdout`` is the holdout length in ``unit``.

    Parameters
    ----------
    transactions : pandas.DataFrame or SavedLines
        Clean transactions, or the lines a run of the DuckDB engine leaves on disk
        (split there: the same table, money to the last bit or so).
    calibration_end : str or Timestamp
        Last day of the calibration period.
    observation_end : str or Timestamp, optional
        Last day of the holdout period; default the last transaction date.
    unit : {'days', 'weeks', 'months'}, default 'weeks'
    customer_id_col, datetime_col, monetary_col, order_id_col : str

    Returns
    -------
    pandas.DataFrame
        The calibration summary plus ``frequency_holdout``, ``monetary_value_holdout``,
        ``duration_holdout``.

    Raises
    ------
    ParameterError
        Unparsable dates, or ``calibration_end`` not before ``observation_end``.
    EmptyResultError
        No customer bought by ``calibration_end``.
    """
    freq, mult, _ = time_unit(unit)
    require_columns(transactions, [customer_id_col, datetime_col], "calibration_holdout")
    if is_saved_lines(transactions):  # a DuckDB run's lines, left on disk
        from custlib.value.sqlsummary import calibration_holdout_of_saved_lines

        return calibration_holdout_of_saved_lines(
            transactions, calibration_end, observation_end, unit=unit,
            customer_id_col=customer_id_col, datetime_col=datetime_col,
            monetary_col=monetary_col, order_id_col=order_id_col)
    cal_end, obs_end, day, cal_day, end_day = _window(transactions, datetime_col,
                                                      calibration_end, observation_end)
    dates, end = _checked_inputs(transactions, cal_end, mult, customer_id_col, datetime_col,
                                 monetary_col, order_id_col)
    ids = customer_codes(transactions, customer_id_col)
    end_period = int(period_index(np.array([end.to_datetime64()]), freq)[0])
    cal, customers = _summary(transactions, dates, end, end_period, freq, mult, ids,
                              customer_id_col, monetary_col, order_id_col)
    count, mean = _holdout_days(transactions, ids, day, (day > cal_day) & (day <= end_day),
                                monetary_col)
    out = cal.copy()
    out["frequency_holdout"] = count[customers]
    out["monetary_value_holdout"] = mean[customers]
    out["duration_holdout"] = (end_day - cal_day) / mult
    out.attrs = {**cal.attrs, "calibration_end": str(cal_end.date()),
                 "observation_end": str(obs_end.date()), "unit": unit}
    return out


def _holdout_days(transactions: pd.DataFrame, ids: CustomerCodes, day: np.ndarray,
                  inside: np.ndarray, monetary_col: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's days with a purchase in the holdout and their mean daily spend.

    A day's spend is Kahan's sum of its lines in the table's order, and the mean is
    Kahan's sum of the days in date order over their number (:mod:`custlib.data.sums`):
    the numbers DuckDB gives for the lines on disk.

    Returns
    -------
    tuple of ndarray
        Days and mean spend per customer code, 0 for a customer without holdout purchases.
    """
    n = len(ids.uniques)
    c, d = ids.codes[inside], day[inside]
    money = (transactions[monetary_col].to_numpy(dtype=float)[inside] if monetary_col
             else np.zeros(len(c)))
    known = c >= 0
    c, d, money = c[known], d[known], money[known]
    if len(c) == 0:
        return np.zeros(n), np.zeros(n)
    low = int(d.min())
    span = int(d.max()) - low + 1
    keys, group = np.unique(c * span + (d - low), return_inverse=True)  # (customer, day)
    day_money = kahan_sums(group, money, len(keys))
    day_customer = keys // span
    count = np.bincount(day_customer, minlength=n).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, kahan_sums(day_customer, day_money, n) / count, 0.0)
    return count, mean


def _window(transactions: pd.DataFrame, datetime_col: str, calibration_end: Any,
            observation_end: Any) -> tuple[pd.Timestamp, pd.Timestamp, np.ndarray, int, int]:
    """Parse the split dates; return them, each line's day number and the two day numbers.

    Raises
    ------
    ParameterError
        Unparsable dates, or ``calibration_end`` not before ``observation_end``.
    """
    dates = transactions[datetime_col]
    cal_end, obs_end, cal_day, end_day = window_bounds(calibration_end, observation_end,
                                                       lambda: dates.max())
    day = period_index(dates.to_numpy(dtype="datetime64[ns]"), "D")
    return cal_end, obs_end, day, cal_day, end_day


def window_bounds(calibration_end: Any, observation_end: Any, last: Callable[[], Any]
                  ) -> tuple[pd.Timestamp, pd.Timestamp, int, int]:
    """The split's two dates, parsed and checked, and their day numbers (days since 1970).

    Parameters
    ----------
    calibration_end, observation_end : date
        ``observation_end`` empty: the day of ``last()``, the log's last date.
    last : callable

    Returns
    -------
    tuple
        ``calibration_end``, ``observation_end``, and their day numbers.

    Raises
    ------
    ParameterError
        Unparsable dates, or ``calibration_end`` not before ``observation_end``.
    """
    cal_end = _date("calibration_end", calibration_end)
    obs_end = _date("observation_end", observation_end) if observation_end not in (None, "") \
        else pd.Timestamp(last()).normalize()
    if cal_end >= obs_end:
        raise ParameterError(f"parameter 'calibration_end' ({cal_end:%Y-%m-%d}) must be before "
                             f"the end of observation ({obs_end:%Y-%m-%d}): the holdout period "
                             "after it is what the models are tested on")
    cal_day = int(period_index(np.array([cal_end.to_datetime64()]), "D")[0])
    end_day = int(period_index(np.array([obs_end.to_datetime64()]), "D")[0])
    return cal_end, obs_end, cal_day, end_day


def _date(name: str, value: Any) -> pd.Timestamp:
    try:
        out = pd.Timestamp(value)
    except (ValueError, TypeError):
        out = pd.NaT
    if pd.isna(out):
        raise ParameterError(f"parameter {name!r} is {value!r}; expected a date such as "
                             "'1997-09-30'")
    return out.normalize()


def default_calibration_end(first_day: str | pd.Timestamp, observation_end: str | pd.Timestamp,
                            holdout_share: float = 0.0) -> str:
    """The calibration end the kit uses when none is given.

    With ``holdout_share`` 0 (automatic): when the observed period spans at least 30 months
    (:data:`WHOLE_YEAR_FROM_DAYS`), the last 12 months are held out, so that the holdout
    covers every season once and the models still learn from 18 months or more; a shorter
    log holds out its last third. Holding out half (Fader, Hardie & Lee 2005 on CDNOW's 78
    weeks) leaves a two-year log one calibration year in which every customer looks new,
    and a holdout that covers part of a year over- or under-weights its seasonal peak: on
    the kit's seasonal three-year demo log the chosen model missed the holdout total by
    -47 % with half held out, by -37 % with the last quarter and by -9 % with the last
    year. A share strictly between 0 and 1 holds out that share of the observed days.

    Parameters
    ----------
    first_day : str or Timestamp
        First day observed (the first purchase).
    observation_end : str or Timestamp
        Last day observed.
    holdout_share : float, default 0.0
        0 for the automatic split, else the share of the observed days held out.

    Returns
    -------
    str
        ISO date of the last calibration day.

    Raises
    ------
    ParameterError
        ``holdout_share`` is not 0 or strictly between 0 and 1, or the period is too short
        to split (under 2 days).

    Examples
    --------
    >>> default_calibration_end("2022-01-01", "2024-12-31")
    '2023-12-31'
    >>> default_calibration_end("1997-01-01", "1998-06-30")
    '1997-12-30'
    >>> default_calibration_end("1997-01-01", "1998-06-30", holdout_share=0.5)
    '1997-09-30'
    """
    if isinstance(holdout_share, bool) or not isinstance(holdout_share, (int, float)) or \
            not (holdout_share == 0 or 0 < holdout_share < 1):
        raise ParameterError(f"parameter 'holdout_share' is {holdout_share!r}; expected 0 "
                             "(automatic: the last 12 months of a log of 30 months or more, "
                             "else its last third) or a share strictly between 0 and 1, such as "
                             "0.5 for half of the period")
    start = _date("first_day", first_day)
    end = _date("observation_end", observation_end)
    days = (end - start).days
    if days < 2:
        raise ParameterError(f"the observed period ({start:%Y-%m-%d} to {end:%Y-%m-%d}) is too "
                             "short to hold out a part of it; set 'calibration_end' or give a "
                             "longer log")
    if holdout_share:
        held = days * holdout_share
    elif days >= WHOLE_YEAR_FROM_DAYS:
        return str((end - pd.DateOffset(years=1)).date())
    else:
        held = days / 3
    return str((start + pd.Timedelta(days=int(round(days - held)))).date())


def describe_split(cal_holdout: pd.DataFrame, first_day: str | pd.Timestamp,
                   holdout_share: float | None = 0.0, lang: str = "en") -> str:
    """The calibration/holdout split in a sentence: dates, lengths and why this split.

    Parameters
    ----------
    cal_holdout : pandas.DataFrame
        From :func:`calibration_holdout` (its ``attrs`` hold the dates).
    first_day : str or Timestamp
        First day observed.
    holdout_share : float or None, default 0.0
        The parameter the split came from; None when ``calibration_end`` was given.
    lang : {'en', 'zh'}

    Returns
    -------
    str
        Markdown.
    """
    cal_end = pd.Timestamp(cal_holdout.attrs["calibration_end"])
    obs_end = pd.Timestamp(cal_holdout.attrs["observation_end"])
    start = _date("first_day", first_day)
    cal_months = (cal_end - start).days / (365.25 / 12)
    hold_months = (obs_end - cal_end).days / (365.25 / 12)
    if holdout_share is None:
        why = t("value.split.why.given", lang)
    elif holdout_share:
        why = t("value.split.why.share", lang, share=f"{100 * holdout_share:.0f}%")
    elif (obs_end - start).days >= WHOLE_YEAR_FROM_DAYS:
        why = t("value.split.why.year", lang)
    else:
        why = t("value.split.why.third", lang)
    hold_start = cal_end + pd.Timedelta(days=1)
    return t("value.split.main", lang, start=f"{start:%Y-%m-%d}", cal_end=f"{cal_end:%Y-%m-%d}",
             hold_start=f"{hold_start:%Y-%m-%d}",
             obs_end=f"{obs_end:%Y-%m-%d}", cal_months=f"{cal_months:.1f}",
             hold_months=f"{hold_months:.1f}", customers=f"{len(cal_holdout):,}", why=why)
