"""What the purchase models take: time units, the customer summary and the date split.

The BTYD models read three numbers per customer, ``frequency``, ``recency`` and ``T``, in
one time unit (:data:`TIME_UNITS`). :func:`model_summary` makes them from a transaction
log; :func:`calibration_holdout` splits the log by date into a calibration summary the
models learn from and the holdout purchases they are tested on (the replacement for
lifetimes' ``calibration_and_holdout_data``, broken on pandas 3, with its definitions).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.errors import DataError, EmptyResultError, ParameterError, check_choice
from custlib.value.summary import customer_summary, period_index

__all__ = ["TIME_UNITS", "calibration_holdout", "check_btyd_summary", "model_summary",
           "time_unit"]

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
    transactions : pandas.DataFrame
        Clean transactions.
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
    cal_end, obs_end, day, cal_day, end_day = _window(transactions, datetime_col,
                                                      calibration_end, observation_end)
    cal = customer_summary(transactions, observation_end=cal_end, freq=freq,
                           freq_multiplier=mult, customer_id_col=customer_id_col,
                           datetime_col=datetime_col, monetary_col=monetary_col,
                           order_id_col=order_id_col)
    inside = (day > cal_day) & (day <= end_day)
    hold = pd.DataFrame({"c": transactions[customer_id_col].to_numpy()[inside],
                         "d": day[inside]})
    hold["m"] = transactions[monetary_col].to_numpy(dtype=float)[inside] if monetary_col else 0.0
    per_day = hold.groupby(["c", "d"], sort=False)["m"].sum().reset_index()
    agg = per_day.groupby("c")["m"].agg(["size", "mean"])
    agg.index = agg.index.astype(cal.index.dtype) if len(agg) else agg.index
    out = cal.copy()
    out["frequency_holdout"] = agg["size"].reindex(out.index).fillna(0).astype(float)
    out["monetary_value_holdout"] = agg["mean"].reindex(out.index).fillna(0.0)
    out["duration_holdout"] = (end_day - cal_day) / mult
    out.attrs = {**cal.attrs, "calibration_end": str(cal_end.date()),
                 "observation_end": str(obs_end.date()), "unit": unit}
    return out


def _window(transactions: pd.DataFrame, datetime_col: str, calibration_end: Any,
            observation_end: Any) -> tuple[pd.Timestamp, pd.Timestamp, np.ndarray, int, int]:
    """Parse the split dates; return them, each line's day number and the two day numbers.

    Raises
    ------
    ParameterError
        Unparsable dates, or ``calibration_end`` not before ``observation_end``.
    """
    cal_end = _date("calibration_end", calibration_end)
    dates = transactions[datetime_col]
    obs_end = _date("observation_end", observation_end) if observation_end not in (None, "") \
        else pd.Timestamp(dates.max()).normalize()
    if cal_end >= obs_end:
        raise ParameterError(f"parameter 'calibration_end' ({cal_end:%Y-%m-%d}) must be before "
                             f"the end of observation ({obs_end:%Y-%m-%d}): the holdout period "
                             "after it is what the models are tested on")
    day = period_index(dates.to_numpy(dtype="datetime64[ns]"), "D")
    cal_day = int(period_index(np.array([cal_end.to_datetime64()]), "D")[0])
    end_day = int(period_index(np.array([obs_end.to_datetime64()]), "D")[0])
    return cal_end, obs_end, day, cal_day, end_day


def _date(name: str, value: Any) -> pd.Timestamp:
    try:
        out = pd.Timestamp(value)
    except (ValueError, TypeError):
        out = pd.NaT
    if pd.isna(out):
        raise ParameterError(f"parameter {name!r} is {value!r}; expected a date such as "
                             "'1997-09-30'")
    return out.normalize()
