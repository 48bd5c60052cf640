"""Building blocks of the variety corpus (:mod:`custlib.data.demo.corpus`).

Small drawing functions shared by the corpus shapes: customer ids, a buy-till-you-die
purchase process with an optional seasonal curve, a product range, order lines and
timestamps. Each takes the caller's ``numpy.random.Generator`` and draws from it in a
fixed order, so a shape built from the same seed is the same data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from custlib.data.demo.world import pick

__all__ = ["FLAT", "DECEMBER_PEAK", "buyers", "catalog", "hex_ids", "numbered_ids", "order_lines",
           "purchase_days", "retail_log", "stamp"]

#: A flat year: every month as likely as another.
FLAT = np.ones(12)
#: A strongly seasonal year: December four times a summer month, November twice.
DECEMBER_PEAK = np.array([0.6, 0.5, 0.6, 0.7, 0.7, 0.6, 0.6, 0.6, 0.8, 1.0, 2.2, 4.0])


def numbered_ids(n: int, first: int = 10001, width: int = 0) -> np.ndarray:
    """Customer ids ``first, first + 1, ...`` as text, zero-padded to ``width``.

    Parameters
    ----------
    n : int
        How many.
    first : int, default 10001
    width : int, default 0
        Zero-pad to this many digits (CDNOW writes ``00001``); 0: no padding.

    Returns
    -------
    numpy.ndarray
        Strings.
    """
    return np.array([str(first + i).zfill(width) for i in range(n)], dtype=object)


def hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct 32-character hexadecimal ids, as marketplace exports use.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int

    Returns
    -------
    numpy.ndarray
        Strings.
    """
    words = rng.integers(0, np.iinfo(np.int64).max, size=(n, 2))
    return np.array([f"{a:016x}{b:016x}" for a, b in words], dtype=object)


def purchase_days(rng: np.random.Generator, births: np.ndarray, rates: np.ndarray,
                  p_drop: np.ndarray, horizon: float, start: pd.Timestamp,
                  season: np.ndarray = FLAT) -> pd.DataFrame:
    """Purchase days of each customer: a thinned Poisson process with BG dropout.

    Customer ``i`` buys first on day ``births[i]`` (days from ``start``; negative for
    customers who started before the log), then at rate ``rates[i]`` per day thinned by
    the month's ``season`` weight, and after each purchase leaves for good with
    probability ``p_drop[i]``. Purchases before day 0 or after ``horizon`` are not kept
    (the log does not see them).

    Parameters
    ----------
    rng : numpy.random.Generator
    births, rates, p_drop : numpy.ndarray
        One value per customer.
    horizon : float
        Last day (from ``start``) of the log.
    start : pandas.Timestamp
        Day 0.
    season : numpy.ndarray, default :data:`FLAT`
        Twelve monthly weights.

    Returns
    -------
    pandas.DataFrame
        ``customer`` (the index in ``births``) and ``day`` (float), one row per purchase.
    """
    first = int(np.floor(min(births.min(), 0.0)))
    months = pd.date_range(start + pd.Timedelta(days=first),
                           start + pd.Timedelta(days=int(horizon) + 1), freq="D").month
    weight = np.asarray(season, float)[months.to_numpy() - 1]
    peak = float(weight.max())
    rows: list[tuple[int, float]] = []
    for i, (t, rate, drop) in enumerate(zip(births, rates, p_drop)):
        while t <= horizon:
            if t >= 0:
                rows.append((i, float(t)))
            if rng.random() < drop:
                break
            while True:  # next purchase by thinning a Poisson process of rate rate * peak
                t += rng.exponential(1.0 / (rate * peak))
                if t > horizon or rng.random() < weight[int(t) - first] / peak:
                    break
    return pd.DataFrame(rows, columns=["customer", "day"])


def stamp(rng: np.random.Generator, start: pd.Timestamp, days: np.ndarray,
          hours: tuple[int, int] = (8, 20)) -> pd.Series:
    """Timestamps on the given days (from ``start``), at whole minutes in shop hours.

    Parameters
    ----------
    rng : numpy.random.Generator
    start : pandas.Timestamp
    days : numpy.ndarray
        Days from ``start`` (the fraction is ignored).
    hours : (int, int), default (8, 20)
        First and last hour of trading.

    Returns
    -------
    pandas.Series
        datetime64 values.
    """
    days = np.floor(np.asarray(days, float))
    minutes = rng.integers(hours[0] * 60, hours[1] * 60, len(days))
    return pd.Series(start + pd.to_timedelta(days, unit="D")
                     + pd.to_timedelta(minutes, unit="min"))


def catalog(rng: np.random.Generator, categories: Sequence[str], per_category: int = 4,
            price_median: float = 12.0, price_spread: float = 0.7,
            code_prefix: str = "P") -> pd.DataFrame:
    """A product range: ``per_category`` products in each category, log-normal prices.

    Parameters
    ----------
    rng : numpy.random.Generator
    categories : sequence of str
    per_category : int, default 4
    price_median : float, default 12.0
    price_spread : float, default 0.7
        Standard deviation of the log price.
    code_prefix : str, default "P"
        Product codes are the prefix and a number.

    Returns
    -------
    pandas.DataFrame
        ``product_id``, ``description``, ``category``, ``price`` (2 decimals).
    """
    cats = np.repeat(np.asarray(categories, dtype=object), per_category)
    n = len(cats)
    price = np.round(np.exp(np.log(price_median) + price_spread * rng.standard_normal(n)), 2)
    return pd.DataFrame({
        "product_id": [f"{code_prefix}{1000 + i}" for i in range(n)],
        "description": [f"{str(c).upper()} ITEM {i % per_category + 1}"
                        for i, c in enumerate(cats)],
        "category": cats,
        "price": np.maximum(price, 0.5),
    })


def order_lines(rng: np.random.Generator, orders: pd.DataFrame, products: pd.DataFrame,
                p_one_line: float = 0.5, max_lines: int = 6,
                quantity_mean: float = 1.5) -> pd.DataFrame:
    """Expand orders into lines: a geometric number of lines, products and quantities.

    Parameters
    ----------
    rng : numpy.random.Generator
    orders : pandas.DataFrame
        One row per order (any columns; they are repeated on each line).
    products : pandas.DataFrame
        From :func:`catalog`.
    p_one_line : float, default 0.5
        Parameter of the geometric number of lines (the share of one-line orders).
    max_lines : int, default 6
    quantity_mean : float, default 1.5
        Quantities are 1 + Poisson(quantity_mean - 1).

    Returns
    -------
    pandas.DataFrame
        The order's columns, then the product's and ``quantity``, one row per line.
    """
    n_lines = np.minimum(rng.geometric(p_one_line, len(orders)), max_lines)
    lines = orders.loc[orders.index.repeat(n_lines)].reset_index(drop=True)
    pick = rng.integers(0, len(products), len(lines))
    lines = pd.concat([lines, products.iloc[pick].reset_index(drop=True)], axis=1)
    lines["quantity"] = 1 + rng.poisson(max(quantity_mean - 1.0, 0.0), len(lines))
    return lines


def buyers(rng: np.random.Generator, n: int, span: float, *, birth: tuple[float, float],
           every_days: float, p_drop: tuple[float, float], start: pd.Timestamp,
           season: np.ndarray = FLAT) -> pd.DataFrame:
    """Purchase days of ``n`` customers: uniform births, gamma rates, beta dropout.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        Customers.
    span : float
        Last day of the log (days from ``start``).
    birth : (float, float)
        Range of the first purchase day; a negative start makes customers who bought
        before the log began (left-censoring).
    every_days : float
        Mean days between purchases (the gamma-distributed rates have mean 1 / this).
    p_drop : (float, float)
        Beta parameters of the chance to leave after each purchase.
    start : pandas.Timestamp
        Day 0.
    season : numpy.ndarray, default :data:`FLAT`
        Twelve monthly weights.

    Returns
    -------
    pandas.DataFrame
        As :func:`purchase_days`.
    """
    births = rng.uniform(birth[0], birth[1], n)
    rates = rng.gamma(0.8, 1.0 / (0.8 * every_days), n)
    drops = rng.beta(p_drop[0], p_drop[1], n)
    return purchase_days(rng, births, rates, drops, span, start, season)


def retail_log(rng: np.random.Generator, buys: pd.DataFrame, ids: np.ndarray,
               start: pd.Timestamp, products: pd.DataFrame) -> pd.DataFrame:
    """A shop's log in the contract's own column names: one order per purchase day.

    Parameters
    ----------
    rng : numpy.random.Generator
    buys : pandas.DataFrame
        ``customer`` (index into ``ids``) and ``day``, as :func:`buyers` returns.
    ids : numpy.ndarray
        Customer ids.
    start : pandas.Timestamp
        Day 0.
    products : pandas.DataFrame
        From :func:`catalog`.

    Returns
    -------
    pandas.DataFrame
        ``order_id``, ``customer_id``, ``order_date`` (text), ``product_id``, ``category``,
        ``quantity``, ``unit_price``, ``channel``; one row per line, in time order.
    """
    orders = pd.DataFrame({"customer_id": ids[buys["customer"]],
                           "ts": stamp(rng, start, buys["day"].to_numpy())})
    orders = orders.sort_values("ts", kind="stable").reset_index(drop=True)
    orders["order_id"] = [f"SO{100001 + i}" for i in range(len(orders))]
    orders["channel"] = pick(rng, ["web", "store", "app"], [0.5, 0.35, 0.15], len(orders))
    lines = order_lines(rng, orders, products, p_one_line=0.55, max_lines=4)
    return pd.DataFrame({
        "order_id": lines["order_id"], "customer_id": lines["customer_id"],
        "order_date": lines["ts"].dt.strftime("%Y-%m-%d %H:%M"),
        "product_id": lines["product_id"], "category": lines["category"],
        "quantity": lines["quantity"], "unit_price": lines["price"],
        "channel": lines["channel"]})
