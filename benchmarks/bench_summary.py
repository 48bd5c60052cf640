"""Benchmark: custlib.customer_summary vs lifetimes vs a DuckDB query, in one run.

Each engine runs in its own subprocess on the same synthetic log (written once to
Parquet), so peak memory (max RSS of the child, minus the cost of loading the input) is
measured fairly. Prints a table of seconds and peak MiB with ratios against lifetimes
and against DuckDB.

Usage::

    .venv/bin/python benchmarks/bench_summary.py --rows 1000000 10000000
    .venv/bin/python benchmarks/bench_summary.py --rows 1000000 --skip-lifetimes-above 2000000

Engines: ``custlib`` (numpy, the default), ``custlib-duckdb`` (``engine="duckdb"``),
``duckdb`` (a hand-written DuckDB query of the same columns as customer_summary: the
baseline of the "vs duckdb" ratio), ``duckdb-btyd`` (a DuckDB query of the four BTYD
columns only, less work, shown for reference) and lifetimes (BTYD columns only).
Targets (issue 3): at least 5x faster than lifetimes at 10M rows; within 1.5x of DuckDB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CHILD = r'''
import gc, json, os, sys, threading, time, warnings
import numpy as np, pandas as pd
engine, path, end = sys.argv[1], sys.argv[2], sys.argv[3]
tx = pd.read_parquet(path)
gc.collect()
PAGE = os.sysconf("SC_PAGE_SIZE")

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE

base = rss()
peak = [base]
done = threading.Event()

def sample():  # RSS every 5 ms: sees native (DuckDB, Arrow) allocations too
    while not done.is_set():
        peak[0] = max(peak[0], rss())
        time.sleep(0.005)

threading.Thread(target=sample, daemon=True).start()
t0 = time.perf_counter()
if engine == "custlib":
    from custlib.value.summary import customer_summary
    out = customer_summary(tx, observation_end=end, freq="D", order_id_col=None)
elif engine == "custlib-duckdb":
    from custlib.value.summary import customer_summary
    out = customer_summary(tx, observation_end=end, freq="D", order_id_col=None,
                           engine="duckdb")
elif engine == "lifetimes":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes.utils import summary_data_from_transaction_data as s
        out = s(tx, "customer_id", "order_date", monetary_value_col="amount",
                observation_period_end=end, freq="D")
else:
    import duckdb
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("tx", tx)
    stop = "(DATE '" + end + "' + INTERVAL 1 DAY)"
    btyd = """
        WITH p AS (
            SELECT customer_id, date_trunc('day', order_date) AS d, sum(amount) AS m
            FROM tx WHERE order_date < """ + stop + """ GROUP BY 1, 2),
        r AS (SELECT *, row_number() OVER (PARTITION BY customer_id ORDER BY d) AS k FROM p)
        SELECT customer_id, count(*) - 1 AS frequency,
               date_diff('day', min(d), max(d)) AS recency,
               date_diff('day', min(d), DATE '""" + end + """') AS T,
               coalesce(avg(m) FILTER (WHERE k > 1), 0) AS monetary_value
        FROM r GROUP BY 1"""
    if engine == "duckdb-btyd":
        out = con.execute(btyd + " ORDER BY 1").df()
    else:  # the same columns as customer_summary: BTYD plus the RFM description
        out = con.execute("""
            WITH b AS (""" + btyd + """),
            d AS (SELECT customer_id, min(order_date) AS first_purchase,
                         max(order_date) AS last_purchase, count(*) AS n_lines,
                         count(DISTINCT order_date) AS n_orders, sum(amount) AS total_revenue
                  FROM tx WHERE order_date < """ + stop + """ GROUP BY 1)
            SELECT d.*, total_revenue / n_orders AS avg_order_value,
                   date_diff('day', CAST(last_purchase AS DATE), DATE '""" + end + """')
                       AS days_since_last_purchase, b.frequency, b.recency, b.T,
                   b.monetary_value
            FROM d JOIN b USING (customer_id) ORDER BY 1""").df()
n = len(out)
secs = time.perf_counter() - t0
done.set()
peak[0] = max(peak[0], rss())
print(json.dumps({"seconds": secs, "peak_mib": (peak[0] - base) / 2**20, "customers": n}))
'''


def make_log(rows: int, seed: int = 0) -> pd.DataFrame:
    """A synthetic log: rows/5 customers, two years, gamma-distributed amounts."""
    rng = np.random.default_rng(seed)
    n_cust = max(rows // 5, 1)
    cust = rng.zipf(1.3, rows) % n_cust
    start = np.datetime64("2022-01-01T00:00:00", "ns")
    offsets = rng.integers(0, 730 * 86_400, rows).astype("timedelta64[s]")
    return pd.DataFrame({
        "customer_id": pd.Series(cust).map("C{:07d}".format).astype("str"),
        "order_date": (start + offsets).astype("datetime64[ns]"),
        "amount": rng.gamma(2.0, 20.0, rows).round(2),
    })


def run(engine: str, path: Path, end: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, engine, str(path), end],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--skip-lifetimes-above", type=int, default=20_000_000)
    parser.add_argument("--end", default="2023-12-31")
    args = parser.parse_args()
    print(f"{'rows':>12} {'engine':>15} {'seconds':>9} {'peak MiB':>9} "
          f"{'x lifetimes':>12} {'time/duckdb':>12} {'mem/duckdb':>11} {'mem/lifetimes':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            path = Path(tmp) / f"log_{rows}.parquet"
            t0 = time.perf_counter()
            make_log(rows).to_parquet(path)
            engines = ["custlib", "custlib-duckdb", "duckdb", "duckdb-btyd"]
            if rows <= args.skip_lifetimes_above:
                engines.append("lifetimes")
            res = {e: run(e, path, args.end) for e in engines}
            lt = res.get("lifetimes", {}).get("seconds")
            dk = res["duckdb"].get("seconds")
            lt_mem = res.get("lifetimes", {}).get("peak_mib")
            dk_mem = res["duckdb"].get("peak_mib")
            for e in engines:
                r = res[e]
                if "error" in r:
                    print(f"{rows:>12,} {e:>15} failed: {r['error']}")
                    continue
                speed = f"{lt / r['seconds']:.1f}x" if lt else "-"
                vs = f"{r['seconds'] / dk:.2f}" if dk else "-"
                mem_dk = f"{r['peak_mib'] / dk_mem:.2f}" if dk_mem else "-"
                mem_lt = f"{r['peak_mib'] / lt_mem:.2f}" if lt_mem else "-"
                print(f"{rows:>12,} {e:>15} {r['seconds']:>9.2f} {r['peak_mib']:>9.0f} "
                      f"{speed:>12} {vs:>12} {mem_dk:>11} {mem_lt:>14}", flush=True)
            print(f"{'':>12} (log generated in {time.perf_counter() - t0:.0f} s; "
                  f"{res['custlib'].get('customers', 0):,} customers)", flush=True)


if __name__ == "__main__":
    main()
