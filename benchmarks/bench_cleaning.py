"""Benchmark: cleaning a log with cancellations vs a plain pandas netting, in one run.

Synthetic logs (rows / 10 customers, 50 products, two years of days, 2% of the lines
cancelled the next day by a negative line with a ``C`` order id). For each size,
``clean_transactions(raw, rules={"duplicates": False})`` parses the types, applies every
rule, nets each cancellation against the line it reverses, logs and reconciles.
Baseline, timed in the same run: the least a netting can do, a pandas group-by summing
quantity times price by customer and product. Prints seconds, rows a second, the ratio,
and whether the kept revenue equals the baseline's net revenue (every cancellation
reverses a line in the data, so nothing is lost).

Usage::

    .venv/bin/python benchmarks/bench_cleaning.py --rows 200000 2000000

Formerly the test ``test_netting_is_fast_enough_on_200k_rows``, which asserted no time;
the ratio says what the rules, the log and the exact netting cost over a group-by.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custlib.data.cleaning import clean_transactions  # noqa: E402


def synthetic(n: int, seed: int = 7) -> pd.DataFrame:
    """``n`` purchase lines at 3.00 a unit, plus cancellations of 2% of them."""
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    raw = pd.DataFrame({"customer_id": rng.integers(0, max(n // 10, 1), n).astype(str),
                        "order_id": np.arange(n).astype(str), "order_date": days,
                        "quantity": rng.integers(1, 5, n).astype(float), "unit_price": 3.0,
                        "product_id": rng.integers(0, 50, n).astype(str)})
    cancel = raw.sample(n // 50, random_state=1).copy()
    cancel["order_date"] = cancel["order_date"] + pd.Timedelta(days=1)
    cancel["quantity"] = -cancel["quantity"]
    cancel["order_id"] = "C" + cancel["order_id"]
    raw = pd.concat([raw, cancel], ignore_index=True)
    raw["source_row"] = np.arange(len(raw))
    return raw


def baseline(raw: pd.DataFrame) -> float:
    """Net revenue by customer and product with one group-by: its total."""
    amount = raw["quantity"] * raw["unit_price"]
    net = amount.groupby([raw["customer_id"], raw["product_id"]]).sum()
    return float(net.sum())


def run(n: int) -> dict[str, object]:
    raw = synthetic(n)
    t0 = time.perf_counter()
    plain = baseline(raw)
    t_plain = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = clean_transactions(raw, rules={"duplicates": False})
    t_ours = time.perf_counter() - t0
    kept = result.reconcile()["kept_revenue"]
    return {"rows": f"{len(raw):,}", "group-by s": round(t_plain, 3),
            "clean_transactions s": round(t_ours, 2), "rows/s": f"{len(raw) / t_ours:,.0f}",
            "ratio": f"{t_ours / t_plain:.0f}x",
            "kept = net revenue": bool(np.isclose(kept, plain, rtol=1e-12))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[200_000, 2_000_000])
    args = parser.parse_args()
    rows = [run(n) for n in args.rows]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
