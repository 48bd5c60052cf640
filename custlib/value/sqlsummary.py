"""The customer summary computed by DuckDB: over a frame, or over lines left on disk.

:func:`custlib.value.summary.customer_summary` groups the lines in memory with numpy. Here
the same table comes out of one SQL query: with ``engine='duckdb'`` over a frame, and for
the lines a run of the DuckDB engine leaves in its Parquet file
(:class:`~custlib.data.engines.saved.SavedLines`), where the lines never come into memory
(notebooks 02 and 03 of a 100M-line log). Over saved lines every sum of money is Kahan's
compensated sum in a stated order (the lines' order, then the periods' or the days'), so
DuckDB's threads never change a total, and the numpy path sums the same way
(:func:`custlib.data.sums.kahan_sums`): the two give the same table, bit for bit
(``tests/test_saved_lines.py``; on a generated 10M-line log, every customer table and fitted
parameter of notebooks 02 and 03). That matters beyond the last bit: a decision that
compares a value with another drawn from the same values (an RFM quantile edge) moved 5 of
391,133 customers when the two paths summed revenue in different orders.

References
----------
Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting your customers" the easy
way: An alternative to the Pareto/NBD model. *Marketing Science*, 24(2), 275-284.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.data.engines.saved import SavedLines, quote
from custlib.errors import EmptyResultError, ParameterError
from custlib.value.summary import end_period_of, summary_frame

__all__ = ["summary_duckdb", "summary_of_saved_lines"]

_PERIOD_SQL = {
    "D": "date_diff('day', DATE '1970-01-01', CAST(ts AS DATE))",
    "W": "floor((date_diff('day', DATE '1970-01-01', CAST(ts AS DATE)) + 3) / 7)::BIGINT",
    "M": "(year(ts) - 1970) * 12 + month(ts) - 1",
}


def _query(source: str, end: pd.Timestamp, end_period: int, f: str, customer_id_col: str,
           datetime_col: str, monetary_col: str | None, order_id_col: str | None, *,
           ordered: bool) -> str:
    """The summary's SQL over ``source``; ``ordered``: sums in the lines' ``_row`` order."""
    c, ts = quote(customer_id_col), quote(datetime_col)
    m = quote(monetary_col) if monetary_col else "0.0"
    o = quote(order_id_col) if order_id_col else ts  # an order: a customer's timestamp
    day_end = f"TIMESTAMP '{end.normalize() + pd.Timedelta(days=1):%Y-%m-%d %H:%M:%S}'"
    period = _PERIOD_SQL[f].replace("ts", ts)
    row = ", _row" if ordered else ""

    def total(x: str, by: str) -> str:  # a sum of money
        return f"coalesce(fsum({x} ORDER BY {by}), 0.0)" if ordered else f"sum({x})"

    return f"""
        WITH k AS (SELECT CAST({c} AS VARCHAR) AS c, {ts} AS ts, {m} AS m, {o} AS o,
                          {period} AS p{row} FROM {source} WHERE {period} <= {end_period}),
        per AS (SELECT c, p, {total("m", "_row")} AS pm FROM k GROUP BY c, p),
        btyd AS (SELECT c, count(*) AS n_periods, min(p) AS p0, max(p) AS p1,
                        {total("pm", "p")} AS total_pm, arg_min(pm, p) AS first_pm
                 FROM per GROUP BY c),
        rfm AS (SELECT c, min(ts) AS first_ts, max(ts) AS last_ts, count(*) AS n_lines,
                       {total("m", "_row")} AS revenue, count(DISTINCT o) AS n_orders
                FROM k WHERE ts < {day_end} GROUP BY c)
        SELECT btyd.*, rfm.first_ts, rfm.last_ts, coalesce(rfm.n_lines, 0) AS n_lines,
               coalesce(rfm.revenue, 0) AS revenue, coalesce(rfm.n_orders, 0) AS n_orders
        FROM btyd LEFT JOIN rfm USING (c) ORDER BY c"""


def _table(r: pd.DataFrame, end: pd.Timestamp, end_period: int, f: str,
           freq_multiplier: float, customer_id_col: str) -> pd.DataFrame:
    """The summary frame from the query's rows."""
    if r.empty:
        raise EmptyResultError(f"customer_summary: no transaction on or before "
                               f"observation_end {end:%Y-%m-%d}")
    n_periods = r["n_periods"].to_numpy()
    first_p = r["p0"].to_numpy(dtype="int64")
    last_p = r["p1"].to_numpy(dtype="int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(n_periods > 1, (r["total_pm"] - r["first_pm"]).to_numpy()
                            / np.maximum(n_periods - 1, 1), 0.0)
    first_purchase = r["first_ts"].to_numpy(dtype="datetime64[ns]")
    last_purchase = r["last_ts"].to_numpy(dtype="datetime64[ns]")
    days_since = (np.datetime64(end.normalize().date(), "D")
                  - last_purchase.astype("datetime64[D]")).astype("float64")
    days_since = np.where(np.isnat(last_purchase), np.nan, days_since)
    return summary_frame(pd.Index(r["c"].astype("str"), name=customer_id_col), first_purchase,
                         last_purchase, r["n_orders"].to_numpy(), r["n_lines"].to_numpy(),
                         r["revenue"].to_numpy(dtype="float64"), days_since,
                         (n_periods - 1).astype("float64"),
                         (last_p - first_p).astype("float64") / freq_multiplier,
                         (end_period - first_p).astype("float64") / freq_multiplier, monetary,
                         end, end_period, f, freq_multiplier)


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError:
        raise ParameterError("engine='duckdb' needs the duckdb package: pip install duckdb"
                             ) from None
    return duckdb


def summary_duckdb(transactions: pd.DataFrame, end: pd.Timestamp, end_period: int, f: str,
                   freq_multiplier: float, customer_id_col: str, datetime_col: str,
                   monetary_col: str | None, order_id_col: str | None) -> pd.DataFrame:
    """:func:`~custlib.value.summary.customer_summary` of a frame, computed by DuckDB.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Checked by ``customer_summary``.
    end : pandas.Timestamp
    end_period : int
    f : {'D', 'W', 'M'}
    freq_multiplier : float
    customer_id_col, datetime_col, monetary_col, order_id_col : str

    Returns
    -------
    pandas.DataFrame
    """
    duckdb = _duckdb()
    if transactions[customer_id_col].isna().any():
        raise ParameterError(f"column {customer_id_col!r} has missing ids; set anonymous "
                             "lines aside first (custlib.data.cleaning does)")
    con = duckdb.connect()
    con.register("tx", transactions)
    try:
        r = con.execute(_query("tx", end, end_period, f, customer_id_col, datetime_col,
                               monetary_col, order_id_col, ordered=False)).df()
    finally:
        con.close()
    return _table(r, end, end_period, f, freq_multiplier, customer_id_col)


def summary_of_saved_lines(lines: SavedLines, observation_end: str | pd.Timestamp | None,
                           f: str, freq_multiplier: float, customer_id_col: str,
                           datetime_col: str, monetary_col: str | None,
                           order_id_col: str | None) -> pd.DataFrame:
    """:func:`~custlib.value.summary.customer_summary` of lines left on disk, by DuckDB.

    Checks what ``customer_summary`` checks of a frame, with the same messages.

    Parameters
    ----------
    lines : SavedLines
    observation_end : str or Timestamp, optional
        Default the last date of the lines.
    f : {'D', 'W', 'M'}
    freq_multiplier : float
    customer_id_col, datetime_col, monetary_col, order_id_col : str

    Returns
    -------
    pandas.DataFrame
    """
    cols = [customer_id_col, datetime_col] + [c for c in (monetary_col, order_id_col) if c]
    require_columns(lines, cols, "customer_summary")
    if not pd.api.types.is_datetime64_dtype(lines.pandas_dtype(datetime_col)) \
            or lines.is_tz_aware(datetime_col):
        raise ParameterError(f"column {datetime_col!r} must hold datetimes without a time "
                             "zone here (clean the data first with "
                             "custlib.data.cleaning.clean_transactions)")
    if not (isinstance(freq_multiplier, (int, float)) and freq_multiplier > 0):
        raise ParameterError(f"parameter 'freq_multiplier' is {freq_multiplier!r}; expected "
                             "a positive number")
    if lines.empty:
        raise EmptyResultError("customer_summary: the transactions table is empty")
    c, ts = quote(customer_id_col), quote(datetime_col)
    facts = lines.query(f"SELECT count(*) FILTER (WHERE {c} IS NULL) AS anonymous, "
                        f"max({ts}) AS last FROM {{lines}}")
    if int(facts["anonymous"].iloc[0]):
        raise ParameterError(f"column {customer_id_col!r} has missing ids; set anonymous "
                             "lines aside first (custlib.data.cleaning does)")
    if observation_end is None or observation_end == "":
        end = pd.Timestamp(facts["last"].iloc[0])
    else:
        try:
            end = pd.Timestamp(observation_end)
        except (ValueError, TypeError):
            raise ParameterError(f"parameter 'observation_end' is {observation_end!r}; "
                                 "expected a date such as '2011-12-09'") from None
    end_period = end_period_of(end, f)
    r = lines.query(_query("{lines}", end, end_period, f, customer_id_col, datetime_col,
                           monetary_col, order_id_col, ordered=True))
    return _table(r, end, end_period, f, freq_multiplier, customer_id_col)


def calibration_holdout_of_saved_lines(
        lines: SavedLines, calibration_end: Any, observation_end: Any, *, unit: str,
        customer_id_col: str, datetime_col: str, monetary_col: str | None,
        order_id_col: str | None) -> pd.DataFrame:
    """:func:`~custlib.value.split.calibration_holdout` of lines left on disk, by DuckDB.

    The calibration summary is :func:`summary_of_saved_lines` at ``calibration_end``; the
    holdout's days with a purchase and their mean spend are grouped in the same query
    style (a day's spend: Kahan's sum of its lines in their order; the mean: of the days
    in date order).

    Parameters
    ----------
    lines : SavedLines
    calibration_end, observation_end : date
    unit : {'days', 'weeks', 'months'}
    customer_id_col, datetime_col, monetary_col, order_id_col : str

    Returns
    -------
    pandas.DataFrame
    """
    from custlib.value.split import time_unit, window_bounds

    freq, mult, _ = time_unit(unit)
    cal_end, obs_end, cal_day, end_day = window_bounds(
        calibration_end, observation_end, lambda: lines.max(datetime_col))
    cal = summary_of_saved_lines(lines, cal_end, freq, mult, customer_id_col, datetime_col,
                                 monetary_col, order_id_col)
    c, ts = quote(customer_id_col), quote(datetime_col)
    m = f"coalesce(fsum({quote(monetary_col)} ORDER BY _row), 0.0)" if monetary_col else "0.0"
    day = _PERIOD_SQL["D"].replace("ts", ts)
    hold = lines.query(f"""
        WITH d AS (SELECT CAST({c} AS VARCHAR) AS c, {day} AS d, {m} AS m FROM {{lines}}
                   WHERE {c} IS NOT NULL AND {day} > {cal_day} AND {day} <= {end_day}
                   GROUP BY ALL)
        SELECT c, count(*) AS n, fsum(m ORDER BY d) / count(*) AS mean FROM d GROUP BY c""")
    hold = hold.set_index(pd.Index(hold["c"].to_numpy(dtype=object)).astype("str"))
    out = cal.copy()
    out["frequency_holdout"] = hold["n"].reindex(cal.index).fillna(0).to_numpy(dtype=float)
    out["monetary_value_holdout"] = hold["mean"].reindex(cal.index).fillna(0.0) \
        .to_numpy(dtype=float)
    out["duration_holdout"] = (end_day - cal_day) / mult
    out.attrs = {**cal.attrs, "calibration_end": str(cal_end.date()),
                 "observation_end": str(obs_end.date()), "unit": unit}
    return out
