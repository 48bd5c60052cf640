"""One row per customer: what they bought, and the BTYD quantities the CLV models need.

Two kinds of "recency" live here and are named differently on purpose:

``days_since_last_purchase``
    The RFM recency: days from the last purchase to the end of observation. Small is
    good (a recent customer).
``recency``
    The BTYD recency of Fader, Hardie & Lee (2005): the customer's *age at their last
    purchase*, i.e. time from the first to the last purchase, in periods. Large is good
    (a customer who kept buying for a long time).

The BTYD columns follow :func:`lifetimes.utils.summary_data_from_transaction_data`
exactly (tested): timestamps are floored to periods (days, weeks starting on Monday, or
calendar months); purchases in one period count once and their amounts are summed;
``frequency`` is the number of periods with a purchase after the first; ``T`` is the age
at the end of observation; ``monetary_value`` is the mean spend of the repeat periods (0
for one-time buyers). As in lifetimes, the whole period that contains
``observation_end`` is observed. Monthly units, which lifetimes cannot compute on pandas
3, are calendar months between period starts.

References
----------
Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting your customers" the easy
way: An alternative to the Pareto/NBD model. *Marketing Science*, 24(2), 275-284.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.data.engines.saved import is_saved_lines
from custlib.data.sums import kahan_sums
from custlib.errors import EmptyResultError, ParameterError, check_choice, format_list

__all__ = ["FREQS", "CustomerCodes", "customer_codes", "customer_summary", "end_period_of",
           "period_index"]

FREQS: dict[str, str] = {"D": "D", "days": "D", "day": "D", "W": "W", "weeks": "W",
                         "week": "W", "M": "M", "months": "M", "month": "M"}
_NS_PER_DAY = 86_400_000_000_000


def _freq(freq: str) -> str:
    if freq not in FREQS:
        raise ParameterError(f"parameter 'freq' is {freq!r}; expected one of "
                             f"{format_list(FREQS)}")
    return FREQS[freq]


def period_index(dates: pd.Series | np.ndarray, freq: str = "D") -> np.ndarray:
    """Integer index of the period each timestamp falls in.

    Parameters
    ----------
    dates : pandas.Series or ndarray of datetime64[ns]
    freq : {'D', 'W', 'M'}
        Days since 1970-01-01; weeks (starting Monday) since the week of 1970-01-01;
        calendar months since January 1970.

    Returns
    -------
    ndarray of int64
        Differences between two indices are durations in periods.
    """
    f = _freq(freq)
    values = np.asarray(dates, dtype="datetime64[ns]")
    if f == "M":
        months = values.astype("datetime64[M]").astype("int64")
        return months
    days = np.floor_divide(values.view("int64"), _NS_PER_DAY)
    if f == "D":
        return days
    days += 3  # 1970-01-01 was a Thursday; weeks start Monday
    return np.floor_divide(days, 7, out=days)  # in place: a log's length of memory, not three


def end_period_of(end: pd.Timestamp, freq: str) -> int:
    """The period index (:func:`period_index`) of the last day observed."""
    return int(period_index(np.array([end.to_datetime64()]), freq)[0])


def _period_start(index: np.ndarray, freq: str) -> np.ndarray:
    if freq == "M":
        return index.astype("datetime64[M]").astype("datetime64[ns]")
    days = index if freq == "D" else index * 7 - 3
    return (days * _NS_PER_DAY).astype("datetime64[ns]")


def customer_summary(
    transactions: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp | None = None,
    freq: str = "D",
    freq_multiplier: float = 1,
    customer_id_col: str = "customer_id",
    datetime_col: str = "order_date",
    monetary_col: str | None = "amount",
    order_id_col: str | None = "order_id",
    engine: str = "numpy",
) -> pd.DataFrame:
    """Summarise clean transactions to one row per customer.

    Parameters
    ----------
    transactions : pandas.DataFrame or SavedLines
        Clean order lines (from :func:`custlib.data.cleaning.clean_transactions`), or the
        lines a run of the DuckDB engine leaves on disk
        (:class:`~custlib.data.engines.saved.SavedLines`), summarised there by DuckDB
        (:mod:`custlib.value.sqlsummary`): the same table, its money to the last bit or
        so, without holding the lines in memory.
    observation_end : str or Timestamp, optional
        Last day observed; later transactions are ignored. Default: the last date.
    freq : {'D', 'W', 'M'} (or 'days', 'weeks', 'months'), default 'D'
        Time unit of ``recency`` and ``T``.
    freq_multiplier : float, default 1
        Divides ``recency`` and ``T`` (as in lifetimes).
    customer_id_col, datetime_col, monetary_col, order_id_col : str
        Column names; ``monetary_col`` None skips spend, ``order_id_col`` None counts
        distinct timestamps as orders.
    engine : {'numpy', 'duckdb'}, default 'numpy'
        ``duckdb`` runs the aggregation in DuckDB (optional dependency, ``pip install
        duckdb``): the same results, faster on logs of tens of millions of lines.

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id``, sorted; columns ``first_purchase``, ``last_purchase``,
        ``n_orders``, ``n_lines``, ``total_revenue``, ``avg_order_value``,
        ``days_since_last_purchase``, ``frequency``, ``recency``, ``T``,
        ``monetary_value``. ``attrs`` records the observation end and unit.

    Raises
    ------
    ColumnError
        A named column is missing.
    EmptyResultError
        No transaction on or before ``observation_end``.
    ParameterError
        Unknown ``freq`` or unparsable ``observation_end``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "order_id": ["1", "2", "3"],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-03"]),
    ...     "amount": [10.0, 30.0, 5.0]})
    >>> customer_summary(tx, observation_end="2024-01-10")[["frequency", "recency", "T",
    ...                                                      "monetary_value"]]
                 frequency  recency     T  monetary_value
    customer_id
    a                  1.0      7.0   9.0            30.0
    b                  0.0      0.0   7.0             0.0
    """
    f = _freq(freq)
    check_choice("engine", engine, ("numpy", "duckdb"))
    if is_saved_lines(transactions):  # a DuckDB run's lines, left on disk
        from custlib.value.sqlsummary import summary_of_saved_lines

        return summary_of_saved_lines(transactions, observation_end, f, freq_multiplier,
                                      customer_id_col, datetime_col, monetary_col,
                                      order_id_col)
    dates, end = _checked_inputs(transactions, observation_end, freq_multiplier,
                                 customer_id_col, datetime_col, monetary_col, order_id_col)
    end_period = end_period_of(end, f)
    if engine == "duckdb":
        from custlib.value.sqlsummary import summary_duckdb

        return summary_duckdb(transactions, end, end_period, f, freq_multiplier,
                              customer_id_col, datetime_col, monetary_col, order_id_col)
    ids = customer_codes(transactions, customer_id_col)
    return _summary(transactions, dates, end, end_period, f, freq_multiplier, ids,
                    customer_id_col, monetary_col, order_id_col)[0]


class CustomerCodes(NamedTuple):
    """The customer of each line as an integer: factorised once, grouped on many times.

    Grouping on these codes gives the groups, and their order, of grouping on the ids
    themselves (``groupby(sort=True)``), without hashing millions of strings again.
    """

    codes: np.ndarray  #: int64 code of each line of the table, an index into ``uniques``
    uniques: pd.Index  #: the distinct ids, sorted
    column: str  #: the column they come from (named in errors)


def customer_codes(transactions: pd.DataFrame,
                   customer_id_col: str = "customer_id") -> CustomerCodes:
    """Factorise the customer ids of a transaction table, sorted.

    Parameters
    ----------
    transactions : pandas.DataFrame
    customer_id_col : str, default 'customer_id'

    Returns
    -------
    CustomerCodes
        Code ``i`` is ``uniques[i]``, -1 a missing id; the ids sorted as
        ``groupby(sort=True)`` sorts them.
    """
    codes, uniques = transactions[customer_id_col].factorize(sort=True)
    return CustomerCodes(codes.astype("int64", copy=False), pd.Index(uniques), customer_id_col)


def _summary(transactions: pd.DataFrame, dates: np.ndarray, end: pd.Timestamp,
             end_period: int, f: str, freq_multiplier: float, ids: CustomerCodes,
             customer_id_col: str, monetary_col: str | None,
             order_id_col: str | None) -> tuple[pd.DataFrame, np.ndarray]:
    """The summary of :func:`customer_summary` from checked inputs and customer codes.

    Returns
    -------
    tuple
        The summary and, for each of its rows, the customer's code in ``ids``.
    """
    log = _sorted_log(transactions, dates, end, end_period, f, ids, monetary_col)
    out = summary_frame(pd.Index(log.uniques, name=customer_id_col),
                 *_rfm_columns(log, transactions, end, order_id_col),
                 *_btyd_columns(log, end_period, freq_multiplier),
                 end, end_period, f, freq_multiplier)
    return out, log.customers


def _checked_inputs(transactions: pd.DataFrame, observation_end: str | pd.Timestamp | None,
                    freq_multiplier: float, customer_id_col: str, datetime_col: str,
                    monetary_col: str | None,
                    order_id_col: str | None) -> tuple[np.ndarray, pd.Timestamp]:
    """The transaction dates and the end of observation, after checking the inputs.

    Raises
    ------
    ColumnError, ParameterError, EmptyResultError
        As :func:`customer_summary` says.
    """
    cols = [customer_id_col, datetime_col] + [c for c in (monetary_col, order_id_col) if c]
    require_columns(transactions, cols, "customer_summary")
    if not pd.api.types.is_datetime64_any_dtype(transactions[datetime_col]):
        raise ParameterError(f"column {datetime_col!r} must hold datetimes (clean the data "
                             "first with custlib.data.cleaning.clean_transactions)")
    if not (isinstance(freq_multiplier, (int, float)) and freq_multiplier > 0):
        raise ParameterError(f"parameter 'freq_multiplier' is {freq_multiplier!r}; expected "
                             "a positive number")
    dates = transactions[datetime_col].to_numpy(dtype="datetime64[ns]")
    if len(dates) == 0:
        raise EmptyResultError("customer_summary: the transactions table is empty")
    if observation_end is None or observation_end == "":
        return dates, pd.Timestamp(dates.max())
    try:
        return dates, pd.Timestamp(observation_end)
    except (ValueError, TypeError):
        raise ParameterError(f"parameter 'observation_end' is {observation_end!r}; "
                             "expected a date such as '2011-12-09'") from None


class _SortedLog(NamedTuple):
    """The lines observed, sorted by (customer, time to the second).

    Periods are monotone in time, so (customer, period) groups and (customer, timestamp)
    orders are runs of this order.
    """

    uniques: pd.Index  #: the customers, sorted
    c: np.ndarray  #: customer code of each line
    m: np.ndarray  #: amount of each line
    ts: np.ndarray  #: timestamp, int64 nanoseconds
    per: np.ndarray  #: period index
    keep: np.ndarray  #: which lines of the table were observed (before the sort)
    order: np.ndarray  #: the sort, on the observed lines
    customers: np.ndarray  #: code of each customer in :class:`CustomerCodes`

    def starts_of(self, change: np.ndarray) -> np.ndarray:
        """Positions where a run starts, given ``change`` between neighbouring lines."""
        flag = np.empty(len(self.c), dtype=bool)
        flag[0] = True
        flag[1:] = change
        return np.flatnonzero(flag)


def _sorted_log(transactions: pd.DataFrame, dates: np.ndarray, end: pd.Timestamp,
                end_period: int, f: str, ids: CustomerCodes,
                monetary_col: str | None) -> _SortedLog:
    """Keep the lines of the observed periods and sort them (see :class:`_SortedLog`)."""
    # the whole period containing observation_end is observed (as in lifetimes)
    keep = dates < _period_start(np.array([end_period + 1]), f)[0]
    if not keep.any():
        raise EmptyResultError(f"customer_summary: no transaction on or before "
                               f"observation_end {end:%Y-%m-%d}")
    if (ids.codes < 0).any():
        raise ParameterError(f"column {ids.column!r} has missing ids; set anonymous lines "
                             "aside first (custlib.data.cleaning does)")
    uniques = ids.uniques
    everything = bool(keep.all())  # the usual case: skip the copies
    codes = ids.codes if everything else ids.codes[keep]
    present = np.bincount(codes, minlength=len(uniques)) > 0
    customers = np.flatnonzero(present)
    if not present.all():  # customers whose purchases all fall after observation_end
        codes = (np.cumsum(present) - 1)[codes]
        uniques = uniques[present]
    if not everything:
        dates = dates[keep]
    money = transactions[monetary_col].to_numpy(dtype="float64") if monetary_col \
        else np.zeros(len(keep))
    if not everything:
        money = money[keep]
    secs = np.floor_divide(dates.view("int64"), 1_000_000_000)
    s_min = int(secs.min())
    span = int(secs.max()) - s_min + 1
    key = codes * span  # made in place: the sort's key takes one log's length of memory
    key += secs
    key -= s_min
    del secs
    order = np.argsort(key)
    del key
    ts = dates.view("int64")[order]
    return _SortedLog(uniques=pd.Index(uniques), c=codes[order], m=money[order], ts=ts,
                      per=period_index(ts.view("datetime64[ns]"), f),  # cheaper than a gather
                      keep=keep, order=order, customers=customers)


_Arrays4 = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
_Arrays6 = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _btyd_columns(log: _SortedLog, end_period: int, freq_multiplier: float) -> _Arrays4:
    """``frequency``, ``recency``, ``T`` and ``monetary_value``, one entry per period."""
    n_cust = len(log.uniques)
    p_starts = log.starts_of((log.c[1:] != log.c[:-1]) | (log.per[1:] != log.per[:-1]))
    g_cust = log.c[p_starts]
    g_period = log.per[p_starts]
    # a period's spend: Kahan's sum of its lines in the table's order (custlib.data.sums),
    # the number DuckDB gives for the lines on disk
    flag = np.zeros(len(log.c), dtype=np.int64)
    flag[p_starts] = 1
    group = _in_table_order(log, np.cumsum(flag) - 1)
    del flag
    g_money = kahan_sums(group, _in_table_order(log, log.m), len(p_starts))
    del group
    n_periods = np.bincount(g_cust, minlength=n_cust)
    first_pos = np.searchsorted(g_cust, np.arange(n_cust), side="left")
    last_pos = first_pos + n_periods - 1
    first_p, last_p = g_period[first_pos], g_period[last_pos]
    frequency = (n_periods - 1).astype("float64")
    recency = (last_p - first_p).astype("float64") / freq_multiplier
    T = (end_period - first_p).astype("float64") / freq_multiplier
    # the periods' spends summed in their order (g_cust runs by customer, then period)
    repeat_money = kahan_sums(g_cust, g_money, n_cust) - g_money[first_pos]
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(n_periods > 1, repeat_money / np.maximum(n_periods - 1, 1), 0.0)
    return frequency, recency, T, monetary


def _rfm_columns(log: _SortedLog, transactions: pd.DataFrame, end: pd.Timestamp,
                 order_id_col: str | None) -> _Arrays6:
    """First and last purchase, orders, lines, revenue and days since the last purchase.

    On the exact timestamps: in weekly or monthly units the last period may run past the
    end day.
    """
    n_cust = len(log.uniques)
    c, ts = log.c, log.ts
    exact = ts < (end.normalize() + pd.Timedelta(days=1)).value
    every = bool(exact.all())  # the usual case: no masked copies of the lines
    cust_change = c[1:] != c[:-1]
    c_starts = log.starts_of(cust_change)
    never = np.iinfo("int64").min
    first_ts = np.minimum.reduceat(ts if every else np.where(exact, ts, np.iinfo("int64").max),
                                   c_starts)
    last_ts = np.maximum.reduceat(ts if every else np.where(exact, ts, never), c_starts)
    c_exact = c if every else c[exact]
    n_lines = np.bincount(c_exact, minlength=n_cust)
    # Kahan's sum of a customer's lines in the table's order, as DuckDB sums them
    revenue = kahan_sums(_in_table_order(log, c if every else np.where(exact, c, -1)),
                         _in_table_order(log, log.m), n_cust)
    if order_id_col:
        pairs = _order_codes(log, transactions[order_id_col])
        if not every:
            pairs = pairs[exact]
        pairs *= n_cust
        pairs += c_exact
        pairs = pd.unique(pairs)  # distinct (order, customer)
        n_orders = np.bincount(pairs % n_cust, minlength=n_cust)
    else:  # an order is a customer's purchases at one timestamp (to the second)
        secs = np.floor_divide(ts, 1_000_000_000)
        o_starts = log.starts_of(cust_change | (secs[1:] != secs[:-1]))
        n_orders = np.bincount(c[o_starts[exact[o_starts]]], minlength=n_cust)
    seen = n_lines > 0
    first_purchase = np.where(seen, first_ts, never).astype("datetime64[ns]")
    last_purchase = np.where(seen, last_ts, never).astype("datetime64[ns]")
    last_day = last_purchase.astype("datetime64[D]")
    days_since = np.subtract(np.datetime64(end.normalize().date(), "D"),
                             last_day).astype("float64")
    days_since = np.where(seen, days_since, np.nan)
    return first_purchase, last_purchase, n_orders, n_lines, revenue, days_since


def _in_table_order(log: _SortedLog, values: np.ndarray) -> np.ndarray:
    """Values given per line of ``log`` (sorted), put back in the table's order of its lines."""
    out = np.empty_like(values)
    out[log.order] = values
    return out


def _order_codes(log: _SortedLog, order_ids: pd.Series) -> np.ndarray:
    """An int64 code per order id (-1 for a missing one), in the order of ``log``.

    Factorised in the table (arrow-backed ids are hashed by arrow, not as Python objects),
    then gathered: equal ids get equal codes, which is all that counting orders needs.
    """
    codes = order_ids.factorize()[0].astype("int64", copy=False)
    return (codes if log.keep.all() else codes[log.keep])[log.order]


def summary_frame(index: pd.Index, first_purchase: np.ndarray, last_purchase: np.ndarray,
           n_orders: np.ndarray, n_lines: np.ndarray, revenue: np.ndarray,
           days_since: np.ndarray, frequency: np.ndarray, recency: np.ndarray, T: np.ndarray,
           monetary: np.ndarray, end: pd.Timestamp, end_period: int, f: str,
           freq_multiplier: float) -> pd.DataFrame:
    out = pd.DataFrame({
        "first_purchase": first_purchase,
        "last_purchase": last_purchase,
        "n_orders": n_orders.astype("int64"),
        "n_lines": n_lines.astype("int64"),
        "total_revenue": revenue,
        "avg_order_value": np.where(n_orders > 0, revenue / np.maximum(n_orders, 1), np.nan),
        "days_since_last_purchase": days_since,
        "frequency": frequency,
        "recency": recency,
        "T": T,
        "monetary_value": monetary,
    }, index=index)
    out.attrs = {"observation_end": str(end.date()), "freq": f,
                 "freq_multiplier": freq_multiplier,
                 "period_end": str(pd.Timestamp(_period_start(np.array([end_period]), f)[0]
                                                ).date())}
    return out
