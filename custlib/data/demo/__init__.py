"""A seeded generator of the demo business bundled in ``data/raw/demo``.

*Hearth & Home* is a mid-sized retailer of home and lifestyle goods selling online (web,
app), in its stores and, to organisations, through a phone and sales team. It serves
individual consumers (about 80% of customers) and organisations: SMEs, large
enterprises, government bodies, education institutions and non-profits. Most customers
are in the United Kingdom; some are international.

How the data is made (all from one ``numpy.random.default_rng(seed)``, so the same seed
gives the same bytes):

* **customers**: attributes drawn per customer type; signup dates spread over the
  period; about 12% register and never buy (the method's *potential* customers);
* **purchases**: a buy-till-you-die process close to the BG/NBD story: each buyer has a
  purchase rate (gamma-distributed across customers; organisations buy more often) and,
  after every purchase, a chance to drop out for good (beta-distributed). Purchase times
  follow a Poisson process thinned by a seasonal curve (a November-December peak and a
  summer dip), on weekdays and shop hours;
* **orders**: 1-6 lines, products drawn from the customer's favourite categories,
  quantities larger for organisations, a spend level per customer (gamma);
* **survey**: about a fifth of buyers answer; satisfaction, recommendation and
  repurchase intention rise with the number of orders the customer placed;
* **context**: company profile, competitors, SWOT, TOWS and the Business Model Canvas.

Then real-world dirt is injected on purpose, with the counts kept in
:attr:`DemoData.dirt`: anonymous lines (no customer id), exact duplicate lines,
cancellations (``C`` invoices) that reverse all or part of an earlier line of the same
customer and product, cancellations that match nothing in the data, returns (negative
lines on normal invoices), zero and negative prices, non-product codes (``POST``,
``DOT``, ``M``, ``BANK CHARGES``, ``FEE``), extreme quantities (typos) and impossible
dates (``1970-01-01`` and dates in 2099).

The world is drawn in :mod:`~custlib.data.demo.world`, the dirt added by
:class:`~custlib.data.demo.dirt.Dirt`, the business context written by
:mod:`~custlib.data.demo.context`.

Regenerate the bundled files with ``python -m custlib.data.demo`` (or ``make demo-data``).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from custlib.data.demo import world
from custlib.data.demo.context import business_context
from custlib.data.demo.dirt import Dirt
from custlib.errors import ParameterError
from custlib.run.config import DEMO_DATA_DIR

__all__ = ["DEFAULT_SEED", "DemoData", "generate_demo", "main", "write_demo"]

DEFAULT_SEED = 20240601


@dataclass(frozen=True)
class DemoData:
    """The demo business.

    Attributes
    ----------
    transactions, customers, survey : pandas.DataFrame
        As written to CSV (transactions with UCI-like column names).
    context : dict
        The business-context YAML content.
    dirt : dict
        How many lines of each kind of dirt were injected.
    """

    transactions: pd.DataFrame
    customers: pd.DataFrame
    survey: pd.DataFrame
    context: dict[str, Any]
    dirt: dict[str, int] = field(default_factory=dict)


def generate_demo(seed: int = DEFAULT_SEED, n_customers: int = 4000,
                  start: str = "2022-01-01", end: str = "2024-12-31") -> DemoData:
    """Generate the demo business.

    Parameters
    ----------
    seed : int, default 20240601
        Seed of the only random generator used.
    n_customers : int, default 4000
        Registered customers (about 88% of them buy).
    start, end : str
        First and last day of trading.

    Returns
    -------
    DemoData
    """
    if not isinstance(n_customers, int) or n_customers < 50:
        raise ParameterError(f"parameter 'n_customers' is {n_customers!r}; expected an "
                             "integer of at least 50")
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    if t1 <= t0:
        raise ParameterError(f"parameter 'end' ({end}) must be after 'start' ({start})")
    rng = np.random.default_rng(seed)
    customers = world.customers(rng, n_customers, t0, t1)
    lines = world.orders(rng, customers, t0, t1)
    lines["ts"] = world.timestamps(rng, lines["day"].to_numpy(), t0).to_numpy()
    lines = lines[lines["ts"] <= t1 + pd.Timedelta(hours=23, minutes=59)]
    country = customers.set_index("customer_id")["country"]
    lines["Country"] = lines["customer_id"].map(country).to_numpy()
    dirt = Dirt(rng, lines, t0, t1)
    dirt.add_anonymous()
    dirt.number_invoices()
    dirt.add_cancellations()
    dirt.add_unmatched_cancellations()
    dirt.add_returns()
    dirt.add_fees()
    dirt.add_bad_prices()
    dirt.add_extreme_quantities()
    dirt.add_impossible_dates()
    dirt.merge_extra()
    dirt.add_duplicates()
    lines = dirt.lines
    clean_like = lines[~lines["anon"].astype(bool) & lines["Quantity"].gt(0)
                       & lines["ts"].between(t0, t1 + pd.Timedelta(days=1))]
    survey = world.survey(rng, clean_like, customers, t1)
    return DemoData(transactions=_export(lines), customers=customers, survey=survey,
                    context=business_context(), dirt=dirt.counts)


def _export(lines: pd.DataFrame) -> pd.DataFrame:
    """The log as written to CSV, with UCI Online Retail-like column names."""
    return pd.DataFrame({
        "Invoice": lines["Invoice"],
        "StockCode": lines["StockCode"],
        "Description": lines["Description"],
        "Quantity": lines["Quantity"].astype(int),
        "InvoiceDate": lines["ts"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "Price": lines["Price"].astype(float).round(2),
        "Customer ID": lines["customer_id"],
        "Country": lines["Country"],
        "Category": lines["Category"].fillna(""),
        "Channel": lines["Channel"],
    })


def write_demo(folder: str | Path | None = None, seed: int = DEFAULT_SEED,
               **kwargs: Any) -> dict[str, Path]:
    """Generate the demo business and write it as CSV files and a YAML file.

    Parameters
    ----------
    folder : path-like, optional
        Default ``data/raw/demo`` in the project.
    seed : int, default 20240601
    **kwargs
        Passed to :func:`generate_demo`.

    Returns
    -------
    dict
        ``{'transactions': path, 'customers': path, 'survey': path, 'context': path}``.
    """
    out = Path(folder) if folder else DEMO_DATA_DIR
    out.mkdir(parents=True, exist_ok=True)
    demo = generate_demo(seed=seed, **kwargs)
    paths = {name: out / f"{name}.csv" for name in ("transactions", "customers", "survey")}
    demo.transactions.to_csv(paths["transactions"], index=False, lineterminator="\n",
                             float_format="%.2f")
    demo.customers.to_csv(paths["customers"], index=False, lineterminator="\n")
    demo.survey.to_csv(paths["survey"], index=False, lineterminator="\n")
    paths["context"] = out / "context.yaml"
    header = ("# Business context of the demo company, generated by custlib.data.demo.\n"
              "# Edit a copy for your own business; see data/README.md for the keys.\n")
    paths["context"].write_text(header + yaml.safe_dump(demo.context, allow_unicode=True,
                                                        sort_keys=False, width=88),
                                encoding="utf-8")
    return paths


def main(argv: list[str] | None = None) -> int:
    """``python -m custlib.data.demo [--out DIR] [--seed N]``: regenerate the demo data."""
    parser = argparse.ArgumentParser(prog="python -m custlib.data.demo",
                                     description="Regenerate the bundled demo data.")
    parser.add_argument("--out", help="folder to write (default data/raw/demo)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    for name, path in write_demo(args.out, seed=args.seed).items():
        print(f"{name:<13} {path}")
    return 0
