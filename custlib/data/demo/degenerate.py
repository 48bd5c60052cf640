"""The degenerate logs of the variety corpus: bases too thin or too skewed to estimate.

Every customer buying once, two customers only, and one line priced at 10^12 among
ordinary ones (see :mod:`custlib.data.demo.corpus`). The kit should run as far as it can
and say in words what it cannot estimate and why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custlib.data.demo.draws import buyers, catalog, numbered_ids, retail_log
from custlib.data.demo.shapes import Shape

__all__ = ["extreme_price", "one_time_buyers", "two_customers"]


def one_time_buyers(rng: np.random.Generator) -> Shape:
    """Every customer buys exactly once (no repeat purchase anywhere in the log)."""
    start, n = pd.Timestamp("2023-01-01"), 320
    buys = pd.DataFrame({"customer": np.arange(n), "day": np.sort(rng.uniform(0, 364, n))})
    products = catalog(rng, ["Shoes", "Bags", "Belts"], per_category=5, price_median=40.0)
    log = retail_log(rng, buys, numbered_ids(n, first=60001), start, products)
    return Shape("one_time_buyers", log, params={"currency": "GBP"})


def two_customers(rng: np.random.Generator) -> Shape:
    """A log of two customers only, a dozen orders each over a year."""
    start = pd.Timestamp("2023-01-01")
    days = [np.sort(rng.uniform(0, 364, k)) for k in (12, 9)]
    buys = pd.DataFrame({"customer": np.repeat([0, 1], [len(d) for d in days]),
                         "day": np.concatenate(days)})
    products = catalog(rng, ["Paper", "Ink"], per_category=3, price_median=25.0)
    log = retail_log(rng, buys, numbered_ids(2, first=70001), start, products)
    return Shape("two_customers", log, params={"currency": "GBP"})


def extreme_price(rng: np.random.Generator) -> Shape:
    """An ordinary shop log with one line priced at 10^12 (a typo that dwarfs the rest)."""
    start, span, n = pd.Timestamp("2022-07-01"), 547.0, 300
    buys = buyers(rng, n, span, birth=(0, 500), every_days=45, p_drop=(1.0, 6.0),
                   start=start)
    products = catalog(rng, ["Lamps", "Rugs", "Vases", "Frames"], per_category=5,
                       price_median=30.0)
    log = retail_log(rng, buys, numbered_ids(n, first=80001), start, products)
    typo = int(rng.integers(len(log) // 4, 3 * len(log) // 4))
    log.loc[typo, ["quantity", "unit_price"]] = [1, 1e12]
    return Shape("extreme_price", log, params={"currency": "GBP"})
