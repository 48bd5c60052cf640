"""Benchmark: choosing k and fitting RFMClusterer vs plain scikit-learn k-means, in one run.

Synthetic customers (recency uniform over two years, geometric order counts, gamma
revenue). For each size, ``RFMClusterer(k_range=(2, 5), n_init=3)`` fits k-means for
every k, scores each on a sample of 10,000 customers by silhouette, keeps the best and
renumbers and names its clusters. Baseline, timed in the same run: the same scaling
(signed log, standard scaler) and scikit-learn ``KMeans`` for the same k values, nothing
else. Prints seconds, the ratio, and whether the chosen k's clusters are the baseline's
(adjusted Rand index 1.0: the same partition, other numbers).

Usage::

    .venv/bin/python benchmarks/bench_clustering.py --customers 100000 1000000

Formerly the test ``test_100k_customers_in_reasonable_time``, which asserted no time;
the ratio says what choosing k (the silhouettes) adds to the k-means fits.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custlib.segments.clustering import RFMClusterer, signed_log1p  # noqa: E402

K_RANGE = (2, 5)
N_INIT = 3


def synthetic(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` customers with the three RFM features."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"days_since_last_purchase": rng.integers(0, 700, n),
                         "n_orders": rng.geometric(0.3, n),
                         "total_revenue": rng.gamma(2, 100, n)})


def baseline(data: pd.DataFrame) -> dict[int, np.ndarray]:
    """Scale as RFMClusterer does and fit k-means for every k: labels by k."""
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    Z = StandardScaler().fit_transform(signed_log1p(data.to_numpy(dtype=float)))
    return {k: KMeans(n_clusters=k, n_init=N_INIT, random_state=0).fit_predict(Z)
            for k in range(K_RANGE[0], K_RANGE[1] + 1)}


def run(n: int) -> dict[str, object]:
    from sklearn.metrics import adjusted_rand_score

    data = synthetic(n)
    t0 = time.perf_counter()
    plain = baseline(data)
    t_plain = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = RFMClusterer(k_range=K_RANGE, n_init=N_INIT).fit(data)
    t_ours = time.perf_counter() - t0
    same = adjusted_rand_score(plain[model.n_clusters_], model.labels_.to_numpy())
    return {"customers": f"{n:,}", "k-means s": round(t_plain, 2),
            "RFMClusterer s": round(t_ours, 2), "ratio": f"{t_ours / t_plain:.2f}x",
            "k chosen": model.n_clusters_, "same clusters (ARI)": round(float(same), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    rows = [run(n) for n in args.customers]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
