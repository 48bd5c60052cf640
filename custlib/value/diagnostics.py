"""Diagnostics of a fitted purchase model: tracking, simulation, P(alive) history, matrices.

The classic checks of Fader, Hardie & Lee (2005): repeat transactions period by period
against the model (:func:`tracking`), customers by number of repeat purchases against
simulated ones (:func:`period_transactions`, :func:`simulate`), one customer's P(alive)
day by day (:func:`p_alive_history`), and expected purchases or P(alive) for every
frequency and recency (:func:`matrix`). They replace lifetimes' versions, which fail on
pandas 3.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.data.engines.saved import SavedLines, is_saved_lines, quote
from custlib.errors import DataError, EmptyResultError, ParameterError, check_choice
from custlib.value.fitting import require_fitted
from custlib.value.purchase import MODELS, BTYDModel
from custlib.value.split import _date, _window, check_btyd_summary, time_unit, window_bounds
from custlib.value.summary import period_index

__all__ = ["matrix", "p_alive_history", "period_transactions", "simulate", "tracking"]

def tracking(model: BTYDModel, transactions: pd.DataFrame,
             calibration_end: str | pd.Timestamp,
             observation_end: str | pd.Timestamp | None = None, *, unit: str = "weeks",
             customer_id_col: str = "customer_id",
             datetime_col: str = "order_date") -> pd.DataFrame:
    """Repeat transactions period by period: actual against the model's expectation.

    The cohort is the customers who bought by ``calibration_end``. For each customer the
    model expects ``E[X(t - first purchase)]`` repeat purchases by time ``t`` (the
    unconditional curve); summed over the cohort and differenced by period, this is the
    expected number of repeat transactions in each period, over calibration and holdout.

    Parameters
    ----------
    model : BTYDModel
        Fitted in ``unit``.
    transactions : pandas.DataFrame
    calibration_end, observation_end : str or Timestamp
    unit : {'days', 'weeks', 'months'}, default 'weeks'
        Length of one tracking period (and the model's time unit).

    Returns
    -------
    pandas.DataFrame
        Index ``period`` (1, 2, ...); columns ``start`` (first day), ``actual``,
        ``expected``, ``cumulative_actual``, ``cumulative_expected``, ``holdout`` (bool).
    """
    _, mult, _ = time_unit(unit)
    require_columns(transactions, [customer_id_col, datetime_col], "tracking")
    if is_saved_lines(transactions):
        cal_end, _, cal_day, end_day = window_bounds(
            calibration_end, observation_end, lambda: transactions.max(datetime_col))
        repeat_days, repeats, firsts = _visits_of_saved_lines(
            transactions, customer_id_col, datetime_col, cal_day, end_day)
    else:
        cal_end, _, day, cal_day, end_day = _window(transactions, datetime_col,
                                                    calibration_end, observation_end)
        repeat_days, repeats, firsts = _visits(transactions[customer_id_col], day, cal_day,
                                               end_day)
    if firsts.empty:
        raise EmptyResultError(f"tracking: no customer bought by {cal_end:%Y-%m-%d}")
    origin = int(firsts.index.min())  # the cohort's first purchase
    n_periods = int(np.floor((end_day + 1 - origin) / mult))
    edges = origin + np.arange(n_periods + 1) * mult  # in days since 1970
    actual = np.histogram(repeat_days + 0.5, bins=edges, weights=repeats)[0].astype(float)
    ages = (edges[1:, None] - (firsts.index.to_numpy()[None, :] + 1)) / mult
    curve = model.expected_purchases_new(np.clip(ages, 0, None).ravel())
    cumulative = (np.asarray(curve).reshape(ages.shape) * firsts.to_numpy()[None, :]).sum(axis=1)
    expected = np.diff(np.concatenate([[0.0], cumulative]))
    start = pd.to_datetime(np.floor(edges[:-1]).astype("int64"), unit="D")
    out = pd.DataFrame({"start": start, "actual": actual, "expected": expected,
                        "cumulative_actual": actual.cumsum(),
                        "cumulative_expected": cumulative,
                        "holdout": edges[:-1] > cal_day},
                       index=pd.RangeIndex(1, n_periods + 1, name="period"))
    out.attrs = {"calibration_end": str(cal_end.date()), "unit": unit,
                 "calibration_periods": int(np.sum(edges[1:] <= cal_day + 1))}
    return out


def _visits(ids: pd.Series, day: np.ndarray, cal_day: int, end_day: int
            ) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """The tracking cohort's visits: repeat days with their counts, and first days.

    The cohort is the customers whose first day with a purchase is on or before
    ``cal_day``; days after ``end_day`` are left out.

    Returns
    -------
    repeat_days, repeats : ndarray
        Each day (since 1970) with repeat visits, and how many customers made one.
    firsts : pandas.Series
        Customers per first day (index: the day), most first.
    """
    # the customers as integer codes: the same groups as the ids, without hashing strings
    visits = pd.DataFrame({"c": ids.factorize()[0], "d": day})
    visits = visits[(visits["d"] <= end_day) & (visits["c"] >= 0)].drop_duplicates()
    first = visits.groupby("c")["d"].transform("min")
    visits = visits[first <= cal_day].assign(first=first[first <= cal_day])
    repeat = visits[visits["d"] > visits["first"]]
    days = repeat["d"].to_numpy(dtype=np.int64)
    return days, np.ones(len(days)), visits.drop_duplicates("c")["first"].value_counts()


def _visits_of_saved_lines(lines: SavedLines, customer_id_col: str, datetime_col: str,
                           cal_day: int, end_day: int
                           ) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """:func:`_visits` of lines left on disk: counted by DuckDB, per day."""
    c = quote(customer_id_col)
    day = f"date_diff('day', DATE '1970-01-01', CAST({quote(datetime_col)} AS DATE))"
    d = lines.query(f"""
        WITH v AS (SELECT DISTINCT CAST({c} AS VARCHAR) AS c, {day} AS d FROM {{lines}}
                   WHERE {c} IS NOT NULL AND {day} <= {end_day}),
        f AS (SELECT c, min(d) AS first FROM v GROUP BY c HAVING min(d) <= {cal_day})
        SELECT 'repeat' AS kind, v.d AS d, count(*) AS n FROM v JOIN f USING (c)
        WHERE v.d > f.first GROUP BY v.d
        UNION ALL SELECT 'first', first, count(*) FROM f GROUP BY first
        ORDER BY kind, d""")
    repeat, first = d[d["kind"] == "repeat"], d[d["kind"] == "first"]
    firsts = pd.Series(first["n"].to_numpy(dtype=np.int64), name="count",
                       index=pd.Index(first["d"].to_numpy(dtype=np.int64), name="first"))
    return (repeat["d"].to_numpy(dtype=np.int64), repeat["n"].to_numpy(dtype=float),
            firsts.sort_values(ascending=False, kind="stable"))


def simulate(model: str, params: dict[str, float] | pd.Series, T: np.ndarray, *,
             random_state: int | np.random.Generator = 0) -> np.ndarray:
    """Simulate the number of repeat purchases of customers observed for ``T`` periods.

    Parameters
    ----------
    model : {'bgnbd', 'pareto', 'mbgnbd'}
    params : mapping
        The model's parameters (``r, alpha, a, b`` or ``r, alpha, s, beta``).
    T : array
        Each customer's age at the end of observation.
    random_state : int or numpy Generator

    Returns
    -------
    numpy.ndarray of int
        Repeat purchases of each simulated customer.
    """
    frequency, _ = _simulate_paths(model, params, np.asarray(T, dtype=float), random_state)
    return frequency


def _simulate_paths(model: str, params: Any, T: np.ndarray,
                    random_state: int | np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    check_choice("model", model, tuple(MODELS))
    rng = random_state if isinstance(random_state, np.random.Generator) else \
        np.random.default_rng(random_state)
    p = dict(params)
    n = len(T)
    lam = rng.gamma(p["r"], 1.0 / p["alpha"], n)
    count = np.zeros(n, dtype=np.int64)
    last = np.zeros(n)
    if model == "pareto":  # leaves at an exponential time; no drop-out at purchases
        death = rng.exponential(1.0, n) / rng.gamma(p["s"], 1.0 / p["beta"], n)
        horizon, drop = np.minimum(death, T), np.zeros(n)
        alive = np.ones(n, dtype=bool)
    else:  # may leave after each purchase; MBG/NBD also right after the first
        horizon, drop = T, rng.beta(p["a"], p["b"], n)
        alive = np.ones(n, dtype=bool) if model == "bgnbd" else rng.random(n) >= drop
    now = np.zeros(n)
    while alive.any():
        idx = np.flatnonzero(alive)
        nxt = now[idx] + rng.exponential(1.0, len(idx)) / lam[idx]
        ok = nxt <= horizon[idx]
        count[idx[ok]] += 1
        last[idx[ok]] = nxt[ok]
        now[idx] = nxt
        alive[idx[~ok]] = False
        kept = idx[ok]
        alive[kept[rng.random(len(kept)) < drop[kept]]] = False
    return count, last


def period_transactions(model: BTYDModel, summary: pd.DataFrame, *, max_frequency: int = 7,
                        n_draws: int = 20, random_state: int = 0) -> pd.DataFrame:
    """Customers by number of repeat purchases: actual against the fitted model.

    The model's counts are the average of ``n_draws`` simulations of the same customers
    (their own ``T``) with the fitted parameters, as lifetimes'
    ``plot_period_transactions`` does.

    Returns
    -------
    pandas.DataFrame
        Index 0 ... ``max_frequency`` (the last is "that many or more"); columns
        ``actual`` and ``model``.
    """
    require_fitted(model)
    data = check_btyd_summary(summary, "period_transactions")
    rng = np.random.default_rng(random_state)
    T = data["T"].to_numpy()
    bins = np.arange(max_frequency + 1)
    sims = np.zeros(max_frequency + 1)
    for _ in range(n_draws):
        counts = np.minimum(simulate(model.model, model.params_, T, random_state=rng),
                            max_frequency)
        sims += np.bincount(counts, minlength=max_frequency + 1)
    actual = np.bincount(np.minimum(data["frequency"].to_numpy(dtype=int), max_frequency),
                         minlength=max_frequency + 1)
    return pd.DataFrame({"actual": actual, "model": sims / n_draws},
                        index=pd.Index(bins, name="repeat_purchases"))


def p_alive_history(model: BTYDModel, transactions: pd.DataFrame, customer: Any, *,
                    unit: str = "weeks", observation_end: str | pd.Timestamp | None = None,
                    customer_id_col: str = "customer_id",
                    datetime_col: str = "order_date") -> pd.DataFrame:
    """P(alive) of one customer day by day, from the first purchase to ``observation_end``.

    The replacement for lifetimes' ``calculate_alive_path`` (broken on pandas 3). Each
    day the customer's frequency, recency and age are those known on that day.

    Returns
    -------
    pandas.DataFrame
        Index ``date``; columns ``p_alive``, ``purchase`` (bool).

    Raises
    ------
    DataError
        ``customer`` has no transaction.
    """
    _, mult, _ = time_unit(unit)
    require_columns(transactions, [customer_id_col, datetime_col], "p_alive_history")
    if is_saved_lines(transactions):  # the customer's lines only, from disk
        mine = transactions.query(
            f"SELECT {quote(datetime_col)} AS t FROM {{lines}} "
            f"WHERE CAST({quote(customer_id_col)} AS VARCHAR) = ? ORDER BY _row",
            [str(customer)])["t"]
    else:
        ids = transactions[customer_id_col]
        mine = transactions.loc[ids.astype(str) == str(customer), datetime_col]
    if mine.empty:
        raise DataError(f"p_alive_history: customer {customer!r} has no transaction in column "
                        f"{customer_id_col!r}")
    days = np.unique(period_index(mine.to_numpy(dtype="datetime64[ns]"), "D"))
    end = _date("observation_end", observation_end) if observation_end not in (None, "") \
        else pd.Timestamp(transactions[datetime_col].max() if not is_saved_lines(transactions)
                          else transactions.max(datetime_col)).normalize()
    end_day = int(period_index(np.array([end.to_datetime64()]), "D")[0])
    days = days[days <= end_day]
    grid = np.arange(days[0], end_day + 1)
    n_before = np.searchsorted(days, grid, side="right")  # purchases up to each day
    state = pd.DataFrame({"frequency": (n_before - 1).astype(float),
                          "recency": (days[n_before - 1] - days[0]) / mult,
                          "T": (grid - days[0]) / mult})
    p = model.p_alive(state).to_numpy()
    return pd.DataFrame({"p_alive": p, "purchase": np.isin(grid, days)},
                        index=pd.Index(pd.to_datetime(grid, unit="D"), name="date"))


def matrix(model: BTYDModel, kind: str = "expected", *, T: float | None = None,
           max_frequency: int | None = None, max_recency: float | None = None,
           horizon: float = 1.0, summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Expected purchases (or P(alive)) for every frequency and recency, at age ``T``.

    Parameters
    ----------
    model : BTYDModel
    kind : {'expected', 'p_alive'}
    T : float, optional
        The customers' age; default the largest ``T`` in ``summary``.
    max_frequency, max_recency : optional
        Grid ranges; default from ``summary`` (99th percentile of frequency).
    horizon : float, default 1
        Periods ahead, for ``kind='expected'``.
    summary : pandas.DataFrame, optional
        Supplies the defaults.

    Returns
    -------
    pandas.DataFrame
        Rows frequency 0 ... max, columns recency 0 ... max (whole periods).
    """
    check_choice("kind", kind, ("expected", "p_alive"))
    if summary is not None:
        data = check_btyd_summary(summary, "matrix")
        T = float(data["T"].max()) if T is None else T
        if max_frequency is None:
            max_frequency = int(max(np.ceil(data["frequency"].quantile(0.99)), 1))
    if T is None or max_frequency is None:
        raise ParameterError("matrix: give 'summary', or both 'T' and 'max_frequency'")
    max_recency = T if max_recency is None else max_recency
    f = np.arange(max_frequency + 1, dtype=float)
    r = np.arange(int(np.floor(max_recency)) + 1, dtype=float)
    ff, rr = np.meshgrid(f, r, indexing="ij")
    valid = (ff > 0) | (rr == 0)
    grid = pd.DataFrame({"frequency": ff.ravel(), "recency": np.where(valid, rr, 0).ravel(),
                         "T": np.full(ff.size, float(T))})
    values = (model.p_alive(grid) if kind == "p_alive"
              else model.expected_purchases(grid, horizon)).to_numpy()
    values = np.where(valid.ravel(), values, np.nan).reshape(ff.shape)
    out = pd.DataFrame(values, index=pd.Index(f.astype(int), name="frequency"),
                       columns=pd.Index(r.astype(int), name="recency"))
    out.attrs = {"kind": kind, "T": float(T), "horizon": float(horizon)}
    return out
