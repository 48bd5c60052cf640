"""Benchmark: fitting BG/NBD and MBG/NBD with custlib vs plain lifetimes, in one run.

Synthetic customers are drawn from the published CDNOW BG/NBD parameters (weekly units),
acquired over 12 weeks and observed for 78 weeks, with purchase times rounded to days as
in a real log. For each size, plain lifetimes fits one row per customer (its default
use); custlib fits the distinct (frequency, recency, T) triples weighted by their counts,
with its own analytic-gradient likelihood and lifetimes' objective, start and optimiser.
Prints seconds, the speed-up, the largest parameter difference, and the time to predict
expected purchases and P(alive) for every customer.

Usage::

    .venv/bin/python benchmarks/bench_fit.py --customers 100000 1000000

Target (issue 4): at least 10x faster than lifetimes at 1M customers, parameters equal
to 4 decimals; predictions for 1M customers in seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custlib._compat import quiet_import  # noqa: E402
from custlib.value import btyd  # noqa: E402

CDNOW = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def synthetic(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` customers simulated from the CDNOW BG/NBD parameters, in weeks."""
    rng = np.random.default_rng(seed)
    first_day = rng.integers(0, 84, n)
    T_days = 546 - first_day
    freq, last = btyd._simulate_paths("bgnbd", CDNOW, T_days / 7.0, rng)
    recency = np.where(freq > 0, np.floor(last * 7) / 7, 0.0)
    return pd.DataFrame({"frequency": freq.astype(float), "recency": recency,
                         "T": T_days / 7.0})


def run(n: int, model: str) -> dict[str, object]:
    data = synthetic(n)
    lifetimes = quiet_import("lifetimes")
    cls = getattr(lifetimes, btyd.MODELS[model][0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        plain = cls().fit(data["frequency"], data["recency"], data["T"])
        t_plain = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = btyd.BTYDModel(model).fit(data)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours.expected_purchases(data, 52.0)
    ours.p_alive(data)
    t_pred = time.perf_counter() - t0
    diff = float(np.max(np.abs(plain.params_.to_numpy() - ours.params_.to_numpy())))
    return {"customers": f"{n:,}", "model": ours.name, "patterns": f"{ours.n_patterns_:,}",
            "lifetimes s": round(t_plain, 2), "custlib s": round(t_ours, 3),
            "speed-up": f"{t_plain / t_ours:.1f}x", "max |param diff|": f"{diff:.1e}",
            "equal to 4 dp": bool(np.all(np.round(plain.params_.to_numpy(), 4)
                                         == np.round(ours.params_.to_numpy(), 4))),
            "predict s (E[X], P(alive))": round(t_pred, 2),
            "params": ", ".join(f"{v:.4f}" for v in ours.params_)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--models", nargs="+", default=["bgnbd", "mbgnbd"],
                        choices=["bgnbd", "mbgnbd"])
    args = parser.parse_args()
    rows = [run(n, m) for n in args.customers for m in args.models]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
