"""Benchmark: the whole kit end to end at 1M, 10M and 100M lines, pandas vs DuckDB engine.

Generates a retail log shaped like UCI Online Retail II (Invoice, StockCode, Description,
Quantity, InvoiceDate, Price, Customer ID, Country), as a CSV file and as a hive-partitioned
Parquet folder (``year=/month=``), once per (rows, seed) under ``--data-dir``; then runs
``python -m custlib run`` on it for every size, source kind and engine in its own
subprocess, sampling the resident memory of the whole process tree (runner, kernels, any
child) every 100 ms. Prints wall seconds, peak GiB, the seconds of each notebook (from the
run's ``run.json``), ratios against the pandas engine on the same size and source measured
in the same run, and the targets of issue 16 with PASS/MISS.

Usage::

    .venv/bin/python benchmarks/bench_kit.py --sizes 1M
    .venv/bin/python benchmarks/bench_kit.py --sizes 1M 10M 100M --sources parquet
    .venv/bin/python benchmarks/bench_kit.py --sizes 10M --generate-only   # the generator

Run by hand, never in the test suite (tests/test_bench_kit.py tests the generator).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PARAMS = ROOT / "params" / "example_uci_online_retail.yaml"

#: Bumped whenever the generated data changes, so that cached logs are made again.
VERSION = 2
COLUMNS = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price",
           "Customer ID", "Country"]
START = np.datetime64("2009-12-01T00:00", "m")
END = np.datetime64("2011-12-09T23:59", "m")  # the window of UCI Online Retail II
FIRST_INVOICE = 489434
FIRST_CUSTOMER = 12346

# shares of lines (see generate()); the unit test checks each within tolerance
CANCEL_SHARE = 0.02       # "C" invoices reversing an earlier line of the same customer
NON_PRODUCT_SHARE = 0.005  # POST, M, DOT, ... lines
GUEST_SHARE = 0.20        # orders (so about the same share of lines) without a customer id
EXTREME_SHARE = 1e-4      # product lines with a quantity of 1,000 to 80,995
DUPLICATE_SHARE = 0.001   # exact copies of an earlier line
LINES_PER_CUSTOMER = 25   # distinct customer ids ~ rows / 25
MEAN_ORDER_LINES = 5.0
N_PRODUCTS = 4000
BLOCK_ROWS = 100_000      # the unit of generation: the data depends on it, not on chunk_rows
CHUNK_ROWS = 1_000_000    # lines per write batch

# bytes per line on disk (measured at 1M lines, rounded up) and of a run folder, for the
# disk check
CSV_BYTES_PER_LINE = 90
PARQUET_BYTES_PER_LINE = 20
RUN_BYTES_PER_LINE = 60

NON_PRODUCTS = [  # code, description, typical price, weight
    ("POST", "POSTAGE", 18.0, 0.45), ("M", "Manual", 4.0, 0.2),
    ("DOT", "DOTCOM POSTAGE", 120.0, 0.15), ("C2", "CARRIAGE", 50.0, 0.1),
    ("BANK CHARGES", "Bank Charges", 15.0, 0.05), ("AMAZONFEE", "AMAZON FEE", 900.0, 0.05)]
COUNTRIES = ["United Kingdom", "EIRE", "Germany", "France", "Netherlands", "Spain",
             "Belgium", "Switzerland", "Portugal", "Australia", "Norway", "Italy",
             "Channel Islands", "Sweden", "Denmark", "USA"]
COUNTRY_WEIGHTS = np.array([0.86, 0.02, 0.02, 0.02, 0.01, 0.01, 0.008, 0.007, 0.006,
                            0.005, 0.005, 0.005, 0.004, 0.004, 0.003, 0.003])
PACKS = np.array([1, 2, 3, 4, 6, 8, 10, 12, 24, 48])
PACK_WEIGHTS = np.array([0.25, 0.15, 0.08, 0.07, 0.12, 0.03, 0.04, 0.18, 0.06, 0.02])
ADJECTIVES = ["WHITE", "RED", "PINK", "BLUE", "VINTAGE", "RETRO", "REGENCY", "JUMBO",
              "SMALL", "LARGE", "HANGING", "HEART", "GLASS", "WOODEN", "PAPER", "SET OF 3",
              "CHRISTMAS", "GARDEN", "PARTY", "LUNCH"]
NOUNS = ["T-LIGHT HOLDER", "LANTERN", "BAG", "MUG", "CAKE STAND", "BUNTING", "CUSHION COVER",
         "DOORMAT", "ALARM CLOCK", "TEA CUP AND SAUCER", "NAPKINS", "PHOTO FRAME", "SIGN",
         "STORAGE JAR", "WATER BOTTLE", "BOX", "DECORATION", "CANDLE", "PURSE", "MIRROR"]


# --------------------------------------------------------------------------------------
# the generator


@dataclass(frozen=True)
class World:
    """What the whole log shares: products, customers, countries and the calendar."""

    codes: pa.Array            # StockCode of products, then of the non-product codes
    descriptions: pa.Array
    prices: np.ndarray         # price of each code
    product_cdf: np.ndarray    # Zipf-like popularity of the products
    non_product_cdf: np.ndarray
    customer_cdf: np.ndarray   # Zipf-like activity of the customer pool
    customer_ids: np.ndarray   # id of each customer of the pool (a fixed permutation)
    customer_country: np.ndarray
    day_cdf: np.ndarray        # share of orders up to each day (seasons, no Saturdays)
    countries: pa.Array = field(default_factory=lambda: pa.array(COUNTRIES))


def _cdf(weights: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(weights, dtype="float64")
    cdf /= cdf[-1]
    cdf[-1] = 1.0
    return cdf


def _draw(cdf: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(cdf) - 1)


def make_world(rows: int, seed: int) -> World:
    """The products, the customer pool and the calendar of a log of ``rows`` lines.

    Parameters
    ----------
    rows : int
        Lines of the log; the customer pool grows with it (``rows / 25`` distinct ids).
    seed : int
        Seed of every random choice.

    Returns
    -------
    World
        Arrays shared by every block of the log (a few bytes per customer).
    """
    rng = np.random.default_rng([seed, 2**31])
    # products: 5-digit codes, some with a letter, Zipf-like popularity, lognormal prices
    numbers = rng.choice(np.arange(10000, 90000), N_PRODUCTS, replace=False)
    suffix = np.where(rng.random(N_PRODUCTS) < 0.1,
                      np.array(list("ABCDEFG"))[rng.integers(0, 7, N_PRODUCTS)], "")
    codes = [f"{n}{s}" for n, s in zip(numbers, suffix)]
    descr = [f"{ADJECTIVES[a]} {NOUNS[b]}" for a, b in
             zip(rng.integers(0, len(ADJECTIVES), N_PRODUCTS),
                 rng.integers(0, len(NOUNS), N_PRODUCTS))]
    prices = np.maximum(np.round(rng.lognormal(np.log(2.5), 0.8, N_PRODUCTS), 2), 0.1)
    np_prices = np.array([p for _, _, p, _ in NON_PRODUCTS])
    rank = np.arange(1, N_PRODUCTS + 1)
    # customers: a pool a little larger than the ids that will be seen (the tail of a
    # Zipf-like law is seen rarely), ids a fixed permutation of the ranks
    pool = max(1, math.ceil(rows / LINES_PER_CUSTOMER * 1.4))
    crank = np.arange(1, pool + 1, dtype="float64")
    mult = next(m for m in (7919, 104729, 1299709) if math.gcd(m, pool) == 1)
    ids = FIRST_CUSTOMER + (np.arange(pool, dtype="int64") * mult) % pool
    country = np.searchsorted(_cdf(COUNTRY_WEIGHTS), rng.random(pool), side="right")
    # calendar: a busier autumn, no Saturdays, closed between Christmas and the New Year
    days = np.arange(START.astype("datetime64[D]"), END.astype("datetime64[D]") + 1)
    doy = (days - days.astype("datetime64[Y]")).astype(int)
    weekday = (days.astype("int64") + 3) % 7  # 0 = Monday
    weight = (1 + 0.8 * np.exp(-0.5 * ((doy - 320) / 30.0) ** 2)) * np.where(
        weekday == 5, 0.0, np.where(weekday == 6, 0.6, 1.0))
    month_day = (days.astype("datetime64[M]") - days.astype("datetime64[Y]")).astype(int)
    dom = (days - days.astype("datetime64[M]")).astype(int) + 1
    closed = ((month_day == 11) & (dom >= 24)) | ((month_day == 0) & (dom <= 3))
    weight[closed] = 0.0
    return World(
        codes=pa.array(codes + [c for c, _, _, _ in NON_PRODUCTS]),
        descriptions=pa.array(descr + [d for _, d, _, _ in NON_PRODUCTS]),
        prices=np.concatenate([prices, np_prices]),
        product_cdf=_cdf(1.0 / (rank + 5.0)),
        non_product_cdf=_cdf(np.array([w for _, _, _, w in NON_PRODUCTS])),
        customer_cdf=_cdf((crank + 5.0) ** -0.8),
        customer_ids=ids,
        customer_country=country.astype("int8"),
        day_cdf=_cdf(weight),
    )


def _block(world: World, k: int, n_blocks: int, lines: int, seed: int,
           first_invoice: int) -> tuple[pa.Table, int]:
    """Lines of block ``k``: its orders fall in the k-th of n_blocks equal shares of time."""
    rng = np.random.default_rng([seed, k])
    n_cancel = int(rng.binomial(lines, CANCEL_SHARE))
    n_dup = int(rng.binomial(lines, DUPLICATE_SHARE))
    n_base = lines - n_cancel - n_dup
    if n_base < max(n_cancel + n_dup, 1):  # a tiny last block: orders only
        n_cancel = n_dup = 0
        n_base = lines
    # orders of 1 + Poisson lines, cut to n_base lines in all
    sizes = 1 + rng.poisson(MEAN_ORDER_LINES - 1, int(n_base / MEAN_ORDER_LINES * 1.3) + 8)
    while sizes.sum() < n_base:
        sizes = np.concatenate([sizes, 1 + rng.poisson(MEAN_ORDER_LINES - 1, len(sizes))])
    ends = np.cumsum(sizes)
    n_orders = int(np.searchsorted(ends, n_base)) + 1
    sizes = sizes[:n_orders]
    sizes[-1] -= ends[n_orders - 1] - n_base
    day = np.searchsorted(world.day_cdf, (k + rng.random(n_orders)) / n_blocks, side="right")
    minute = day * 1440 + rng.integers(7 * 60 + 30, 20 * 60, n_orders)
    guest = rng.random(n_orders) < GUEST_SHARE
    who = _draw(world.customer_cdf, rng, n_orders)
    customer = np.where(guest, -1, world.customer_ids[who])
    country = np.where(guest, np.searchsorted(_cdf(COUNTRY_WEIGHTS), rng.random(n_orders),
                                              side="right"), world.customer_country[who])
    # lines
    order = np.repeat(np.arange(n_orders), sizes)
    line_no = np.arange(n_base) - np.repeat(ends[:n_orders] - sizes, sizes)
    code = _draw(world.product_cdf, rng, n_base)
    quantity = PACKS[_draw(_cdf(PACK_WEIGHTS), rng, n_base)]
    non_product = rng.random(n_base) < NON_PRODUCT_SHARE
    n_np = int(non_product.sum())
    code[non_product] = N_PRODUCTS + _draw(world.non_product_cdf, rng, n_np)
    quantity[non_product] = 1
    extreme = ~non_product & (rng.random(n_base) < EXTREME_SHARE)
    quantity[extreme] = rng.integers(1000, 80996, int(extreme.sum()))
    price = world.prices[code]
    price[non_product] = np.round(price[non_product] * rng.lognormal(0, 0.3, n_np), 2)
    cols: dict[str, np.ndarray] = {
        "group": order, "line_no": line_no, "minute": minute[order],
        "customer": customer[order], "country": country[order], "code": code,
        "quantity": quantity, "price": price}
    # cancellations: the negative of distinct earlier product lines of a known customer,
    # 1 minute to 14 days later (before the end of the window), each on an invoice of its own
    candidates = np.flatnonzero(~non_product & (cols["customer"] >= 0))
    n_cancel = min(n_cancel, len(candidates))
    cancelled = np.sort(rng.choice(candidates, n_cancel, replace=False))
    last = int((END - START).astype(int))
    parts = [cols]
    if n_cancel:
        c = {name: values[cancelled] for name, values in cols.items()}
        c["group"] = n_orders + np.arange(n_cancel)
        c["line_no"] = np.zeros(n_cancel, dtype="int64")
        span = np.minimum(14 * 1440, last - c["minute"])  # to the end of the window
        c["minute"] = c["minute"] + np.minimum(1 + (rng.random(n_cancel) * span).astype(
            "int64"), span)
        c["quantity"] = -c["quantity"]
        parts.append(c)
    # exact duplicates of lines that are not cancelled, next to them once sorted
    rest = np.setdiff1d(np.arange(n_base), cancelled, assume_unique=True)
    dup = np.sort(rng.choice(rest, min(n_dup, len(rest)), replace=False))
    parts.append({name: values[dup] for name, values in cols.items()})
    allc = {name: np.concatenate([p[name] for p in parts]) for name in cols}
    # one row order: by time, then invoice, then line; invoices numbered in that order
    order_rows = np.lexsort((allc["line_no"], allc["group"], allc["minute"]))
    allc = {name: values[order_rows] for name, values in allc.items()}
    groups, first = np.unique(allc["group"], return_index=True)
    number = np.empty(len(groups), dtype="int64")
    number[np.argsort(first, kind="stable")] = first_invoice + np.arange(len(groups))
    invoice = pa.array(number[np.searchsorted(groups, allc["group"])]).cast(pa.string())
    is_cancel = pa.array(allc["group"] >= n_orders)
    invoice = pc.if_else(is_cancel, pc.binary_join_element_wise("C", invoice, ""), invoice)
    codes = pa.array(allc["code"])
    stamp = (START + allc["minute"].astype("timedelta64[m]")).astype("datetime64[s]")
    table = pa.table({
        "Invoice": invoice,
        "StockCode": world.codes.take(codes),
        "Description": world.descriptions.take(codes),
        "Quantity": pa.array(allc["quantity"], pa.int64()),
        "InvoiceDate": pa.array(stamp),
        "Price": pa.array(allc["price"], pa.float64()),
        "Customer ID": pa.array(allc["customer"], pa.int64(), mask=allc["customer"] < 0),
        "Country": world.countries.take(pa.array(allc["country"])),
    })
    return table, first_invoice + len(groups)


def generate(rows: int, seed: int = 0, *, chunk_rows: int = CHUNK_ROWS,
             block_rows: int = BLOCK_ROWS) -> Iterator[pa.Table]:
    """Yield a UCI-Online-Retail-II-shaped log of ``rows`` lines in batches.

    Customers (about ``rows / 25`` distinct ids) are drawn from a Zipf-like law, orders
    have 1 + Poisson(4) lines over two years (2009-12-01 to 2011-12-09, busier autumns,
    no Saturdays), 2% of the lines are cancellations (``C`` invoices, the negative of a
    distinct earlier line of the same customer and product), 0.5% are non-product codes
    (POST, M, DOT, ...), 20% of the orders have no customer id, 0.01% of product lines
    have a quantity of 1,000 or more and 0.1% are exact copies of another line.

    Parameters
    ----------
    rows : int
        Lines in all.
    seed : int
        Seed of every random choice: the same seed gives the same log.
    chunk_rows : int
        Lines per batch yielded; the log does not depend on it.
    block_rows : int
        Lines generated at a time (memory grows with it, never with ``rows``); the log
        depends on it, so keep the default.

    Returns
    -------
    Iterator[pyarrow.Table]
        Batches of ``chunk_rows`` lines (the last one shorter) with the columns
        :data:`COLUMNS`, InvoiceDate as a timestamp.
    """
    if rows < 1 or chunk_rows < 1 or block_rows < 1:
        raise ValueError("rows, chunk_rows and block_rows must be positive")
    world = make_world(rows, seed)
    n_blocks = math.ceil(rows / block_rows)
    invoice = FIRST_INVOICE
    pending: list[pa.Table] = []
    held = 0
    for k in range(n_blocks):
        lines = min(block_rows, rows - k * block_rows)
        table, invoice = _block(world, k, n_blocks, lines, seed, invoice)
        pending.append(table)
        held += len(table)
        while held >= chunk_rows:
            whole = pa.concat_tables(pending)
            yield whole.slice(0, chunk_rows).combine_chunks()
            pending, held = [whole.slice(chunk_rows)], held - chunk_rows
    if held:
        yield pa.concat_tables(pending).combine_chunks()


def _csv_table(table: pa.Table) -> pa.Table:
    """The batch as written to CSV: dates as text in UCI's format."""
    i = table.schema.get_field_index("InvoiceDate")
    text = pc.strftime(table["InvoiceDate"], format="%Y-%m-%d %H:%M:%S")
    return table.set_column(i, "InvoiceDate", text)


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def needed_bytes(rows: int, *, data: bool = True) -> int:
    """Bytes of disk a size needs: its CSV and Parquet files (when ``data``) and a run."""
    per_line = RUN_BYTES_PER_LINE + (CSV_BYTES_PER_LINE + PARQUET_BYTES_PER_LINE
                                     if data else 0)
    return rows * per_line


def data_paths(data_dir: Path, rows: int, seed: int) -> dict[str, Path]:
    """Where the log of (rows, seed) is cached: its folder, CSV, Parquet folder, meta."""
    folder = data_dir / f"retail_{rows}_seed{seed}"
    return {"folder": folder, "csv": folder / "retail.csv", "parquet": folder / "parquet",
            "meta": folder / "meta.json"}


def ensure_data(data_dir: Path, rows: int, seed: int, *, verbose: bool = True,
                chunk_rows: int = CHUNK_ROWS) -> dict[str, Any]:
    """Generate the log of (rows, seed) as CSV and Parquet folder unless it is cached.

    Parameters
    ----------
    data_dir : pathlib.Path
        Cache folder; the log goes to ``retail_<rows>_seed<seed>/``.
    rows, seed : int
        Size and seed of the log (:func:`generate`).
    verbose : bool
        Print the progress and resident memory after each batch.
    chunk_rows : int
        Lines per write batch.

    Returns
    -------
    dict
        The log's ``meta.json``: paths, bytes, seconds, peak MiB of the generator.
    """
    import fcntl

    paths = data_paths(data_dir, rows, seed)
    data_dir.mkdir(parents=True, exist_ok=True)
    # one writer at a time: a second benchmark waits for the log, then reuses it
    with open(data_dir / f"{paths['folder'].name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if paths["meta"].is_file():
            meta = json.loads(paths["meta"].read_text())
            if meta.get("version") == VERSION:
                return {**meta, "cached": True}
        return _write_data(paths, rows, seed, verbose=verbose, chunk_rows=chunk_rows)


def _write_data(paths: dict[str, Path], rows: int, seed: int, *, verbose: bool,
                chunk_rows: int) -> dict[str, Any]:
    """Write the CSV file and the Parquet folder of :func:`ensure_data`, then meta.json."""
    data_dir = paths["folder"].parent
    free = shutil.disk_usage(data_dir).free
    need = needed_bytes(rows)
    if free < need * 1.2:
        raise SystemExit(
            f"bench_kit: {rows:,} lines need about {need / 2**30:.1f} GiB in {data_dir} "
            f"(CSV, Parquet and one run folder) but only {free / 2**30:.1f} GiB are free: "
            "free some space or pass --data-dir on a larger disk")
    work = paths["folder"].with_name(paths["folder"].name + f".partial-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    (work / "parquet").mkdir(parents=True)
    t0 = time.perf_counter()
    rss: list[float] = []
    writers: dict[tuple[int, int], pq.ParquetWriter] = {}
    csv_writer = None
    done = 0
    try:
        for batch in generate(rows, seed, chunk_rows=chunk_rows):
            text = _csv_table(batch)
            if csv_writer is None:
                csv_writer = pcsv.CSVWriter(str(work / "retail.csv"), text.schema,
                                            write_options=pcsv.WriteOptions(
                                                quoting_style="none"))
            csv_writer.write_table(text)
            ym = pc.add(pc.multiply(pc.year(batch["InvoiceDate"]), 100),
                        pc.month(batch["InvoiceDate"])).to_numpy()
            for key in np.unique(ym):
                part = batch.filter(pa.array(ym == key))
                year, month = divmod(int(key), 100)
                if (year, month) not in writers:
                    folder = work / "parquet" / f"year={year}" / f"month={month:02d}"
                    folder.mkdir(parents=True)
                    writers[year, month] = pq.ParquetWriter(str(folder / "part-0.parquet"),
                                                            part.schema)
                writers[year, month].write_table(part)
            done += len(batch)
            rss.append(_rss_mib())
            if verbose:
                print(f"  generated {done:,}/{rows:,} lines in "
                      f"{time.perf_counter() - t0:.0f} s, resident {rss[-1]:.0f} MiB "
                      f"(Arrow buffers {pa.total_allocated_bytes() / 2**20:.0f} MiB)",
                      flush=True)
    finally:
        if csv_writer is not None:
            csv_writer.close()
        for w in writers.values():
            w.close()
    csv_bytes = (work / "retail.csv").stat().st_size
    pq_bytes = sum(p.stat().st_size for p in (work / "parquet").rglob("*.parquet"))
    meta = {"version": VERSION, "rows": rows, "seed": seed,
            "csv": str(paths["csv"]), "parquet": str(paths["parquet"]),
            "csv_bytes": csv_bytes, "parquet_bytes": pq_bytes,
            "seconds": round(time.perf_counter() - t0, 1),
            "rss_mib_first_batch": round(rss[0], 0), "rss_mib_peak": round(max(rss), 0)}
    (work / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    shutil.rmtree(paths["folder"], ignore_errors=True)
    work.rename(paths["folder"])
    return {**meta, "cached": False}


# --------------------------------------------------------------------------------------
# the runner


@dataclass
class Outcome:
    """One run of the kit: what it took and how it ended."""

    rows: int
    engine: str
    source: str
    seconds: float = 0.0
    peak_gib: float = 0.0
    exit_code: int | None = None
    notebooks: dict[str, float] = field(default_factory=dict)
    kernel_gib: list[float] = field(default_factory=list)
    error: str = ""


class TreeSampler(threading.Thread):
    """Sum the RSS of a process and all its descendants every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.1, limit_gib: float = 0.0) -> None:
        super().__init__(daemon=True)
        import psutil

        self.root = psutil.Process(pid)
        self.interval, self.limit = interval, limit_gib * 2**30
        self.peak = 0
        self.kernels: dict[int, int] = {}  # kernel pid -> its peak RSS, in start order
        self.over_limit = False
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for p in procs:
                try:
                    rss = p.memory_info().rss
                    total += rss
                    if p.pid in self.kernels or "ipykernel" in " ".join(p.cmdline()):
                        self.kernels[p.pid] = max(self.kernels.get(p.pid, 0), rss)
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            self.peak = max(self.peak, total)
            if self.limit and total > self.limit and not self.over_limit:
                self.over_limit = True
                _kill_group(self.root.pid)
            self.stop.wait(self.interval)


def _kill_group(pid: int) -> None:
    """Stop the run we started and every process of its session (kernels included)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        time.sleep(3)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def has_engine_param() -> bool:
    """Whether notebook 01 takes ``engine`` (``python -m custlib params 01``)."""
    proc = subprocess.run([sys.executable, "-m", "custlib", "params", "01"], cwd=ROOT,
                          env=_env(), capture_output=True, text=True, check=False)
    return any(line.strip().startswith("engine:") for line in proc.stdout.splitlines())


def params_file(folder: Path, source: Path, name: str, engine: str | None,
                overrides: dict[str, Any] | None = None) -> Path:
    """Write the run's parameters: the UCI example's, on the generated source."""
    import yaml

    values = yaml.safe_load(EXAMPLE_PARAMS.read_text(encoding="utf-8"))
    values.update(overrides or {})
    values.update(run_name=name, transactions=str(source))
    if engine is not None:
        values["engine"] = engine
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(values, sort_keys=False, allow_unicode=True))
    return path


def run_kit(params: Path, reports: Path, outcome: Outcome, *, timeout: float,
            no_html: bool, limit_gib: float) -> Outcome:
    """Run ``python -m custlib run`` in its own session, sampling the process tree."""
    cmd = [sys.executable, "-m", "custlib", "run", "--params", str(params),
           "--reports-dir", str(reports), "--quiet"] + (["--no-html"] if no_html else [])
    log = reports / f"{params.stem}.log"
    t0 = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        sampler = TreeSampler(proc.pid, limit_gib=limit_gib)
        sampler.start()
        try:
            outcome.exit_code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            outcome.exit_code = proc.wait()
            outcome.error = f"stopped after the --timeout of {timeout:.0f} s"
        except BaseException:  # Ctrl-C: the run is in a session of its own, stop it too
            _kill_group(proc.pid)
            raise
        finally:
            sampler.stop.set()
            sampler.join()
            _kill_group(proc.pid)  # kernels left behind, if any
    outcome.seconds = time.perf_counter() - t0
    outcome.peak_gib = sampler.peak / 2**30
    outcome.kernel_gib = [v / 2**30 for v in sampler.kernels.values()]  # one per notebook
    if sampler.over_limit:
        outcome.error = f"stopped: the process tree went above --max-gib {limit_gib:g}"
    name = params.stem
    # the run folder; a failed run's; a killed run's partial folder (its notebooks so far)
    for state in [reports / name / "run.json", reports / f"{name}.failed" / "run.json",
                  *sorted(reports.glob(f"{name}.partial-{proc.pid}/run.json"))]:
        if state.is_file():
            data = json.loads(state.read_text(encoding="utf-8"))
            outcome.notebooks = {nb["name"][:2]: float(nb["seconds"])
                                 for nb in data.get("notebooks", [])
                                 if nb.get("status") in ("ok", "failed")}
            break
    if outcome.exit_code is not None and outcome.exit_code < 0 and not outcome.error:
        outcome.error = (f"killed by signal {-outcome.exit_code} from outside the benchmark "
                         "(out of memory, or another process)")
    if outcome.exit_code != 0 and not outcome.error:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-6:]
        outcome.error = "\n".join(tail)
    return outcome


# issue 16: (rows, engine) -> (seconds, GiB)
TARGETS = {(10_000_000, "duckdb"): (90.0, 3.0), (100_000_000, "duckdb"): (1200.0, 8.0),
           (10_000_000, "pandas"): (196.0, 5.0)}


def verdict(o: Outcome) -> str:
    """PASS/MISS against the issue-16 target of this size and engine, '-' when none."""
    target = TARGETS.get((o.rows, o.engine))
    if target is None:
        return "-"
    secs, gib = target
    head = f"<{secs:.0f}s <{gib:g}GiB"
    if o.exit_code != 0:
        return f"{head} MISS (failed)"
    misses = [what for what, bad in (("time", o.seconds > secs), ("memory", o.peak_gib >= gib))
              if bad]
    return f"{head} MISS ({', '.join(misses)})" if misses else f"{head} PASS"


def table(outcomes: list[Outcome]) -> str:
    """The results: one line per run, ratios against pandas on the same size and source."""
    base = {(o.rows, o.source): o for o in outcomes if o.engine == "pandas" and o.exit_code == 0}
    lines = [f"{'rows':>12} {'engine':>7} {'source':>8} {'exit':>4} {'seconds':>8} "
             f"{'peak GiB':>8} {'t/pandas':>8} {'m/pandas':>8} "
             + " ".join(f"{n:>6}" for n in ("01 s", "02 s", "03 s", "04 s", "05 s"))
             + "  target (issue 16)"]
    for o in outcomes:
        b = base.get((o.rows, o.source))
        ok = o.exit_code == 0 and b is not None
        t_ratio = f"{o.seconds / b.seconds:.2f}" if ok and b else "-"
        m_ratio = f"{o.peak_gib / b.peak_gib:.2f}" if ok and b and b.peak_gib else "-"
        nbs = " ".join(f"{o.notebooks[n]:>6.1f}" if n in o.notebooks else f"{'-':>6}"
                       for n in ("01", "02", "03", "04", "05"))
        lines.append(f"{o.rows:>12,} {o.engine:>7} {o.source:>8} {o.exit_code!s:>4} "
                     f"{o.seconds:>8.1f} {o.peak_gib:>8.2f} {t_ratio:>8} {m_ratio:>8} {nbs}"
                     f"  {verdict(o)}")
    return "\n".join(lines)


def parse_size(text: str) -> int:
    """``1000000``, ``1M``, ``10M``, ``100M``, ``50k`` -> lines."""
    t = text.strip().replace("_", "").replace(",", "")
    scale = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000}.get(t[-1:].lower(), 1)
    number = t[:-1] if scale > 1 else t
    try:
        value = int(float(number) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 1000000 or 1M)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a positive size: {text!r}")
    return value


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``["bootstrap_refits=0", "lang=zh"]`` -> ``{"bootstrap_refits": 0, "lang": "zh"}``."""
    import yaml

    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise SystemExit(f"bench_kit: --set takes NAME=VALUE, not {item!r}")
        out[name.strip()] = yaml.safe_load(value)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", "--sizes", dest="rows", type=parse_size, nargs="+",
                        default=[1_000_000, 10_000_000, 100_000_000],
                        help="lines of each log: 1000000 or 1M, 10M, 100M")
    parser.add_argument("--engines", nargs="+", default=["pandas", "duckdb"],
                        choices=["pandas", "duckdb"])
    parser.add_argument("--sources", nargs="+", default=["csv", "parquet"],
                        choices=["csv", "parquet"],
                        help="the CSV file, the hive-partitioned Parquet folder, or both")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/custlib-bench"),
                        help="cache of generated logs, reused when present")
    parser.add_argument("--reports-dir", type=Path, default=None,
                        help="where the run folders go (default: a temporary folder, removed)")
    parser.add_argument("--timeout", type=float, default=40 * 60, help="seconds per run")
    parser.add_argument("--max-gib", type=float, default=18.0,
                        help="stop a run whose process tree goes above this (shared machine)")
    parser.add_argument("--no-html", action="store_true", help="pass --no-html to the runs")
    parser.add_argument("--set", dest="overrides", nargs="+", default=[], metavar="NAME=VALUE",
                        help="notebook parameters over the UCI example's, as YAML values, "
                             "e.g. --set bootstrap_refits=0")
    parser.add_argument("--generate-only", action="store_true",
                        help="only generate the logs (time and memory of the generator)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    overrides = parse_overrides(args.overrides)
    if overrides:
        print(f"bench_kit: parameters over {EXAMPLE_PARAMS.name}'s: {overrides}", flush=True)
    # a `kill` of the benchmark stops the run it started too (run_kit catches SystemExit)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    total = sum(needed_bytes(r, data=not data_paths(args.data_dir, r, args.seed)["meta"]
                             .is_file()) for r in args.rows)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(args.data_dir).free
    if free < total * 1.2:
        print(f"bench_kit: these sizes need about {total / 2**30:.1f} GiB in {args.data_dir} "
              f"but {free / 2**30:.1f} GiB are free: fewer --sizes or another --data-dir",
              file=sys.stderr)
        return 2
    engines = list(args.engines)
    engine_param = not args.generate_only and has_engine_param()
    if not args.generate_only and not engine_param and "duckdb" in engines:
        print("bench_kit: notebook 01 takes no `engine` parameter in this tree "
              "(`python -m custlib params 01` does not list it): running the pandas engine "
              "only", flush=True)
        engines = ["pandas"]

    outcomes: list[Outcome] = []
    tmp = Path(tempfile.mkdtemp(prefix="custlib-bench-"))
    reports = args.reports_dir or tmp / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    try:
        for rows in args.rows:
            meta = ensure_data(args.data_dir, rows, args.seed)
            print(f"{rows:,} lines: {meta['csv']} ({meta['csv_bytes'] / 2**30:.2f} GiB), "
                  f"{meta['parquet']} ({meta['parquet_bytes'] / 2**30:.2f} GiB); generated "
                  f"in {meta['seconds']:.0f} s, generator resident "
                  f"{meta['rss_mib_first_batch']:.0f} MiB after the first batch, "
                  f"{meta['rss_mib_peak']:.0f} MiB at most"
                  f"{' (cached)' if meta['cached'] else ''}",
                  flush=True)
            if args.generate_only:
                continue
            for source in args.sources:
                for engine in engines:
                    name = f"bench_{rows}_{source}_{engine}"
                    params = params_file(tmp, Path(meta[source]), name,
                                         engine if engine_param else None, overrides)
                    o = run_kit(params, reports, Outcome(rows, engine, source),
                                timeout=args.timeout, no_html=args.no_html,
                                limit_gib=args.max_gib)
                    outcomes.append(o)
                    status = "ok" if o.exit_code == 0 else f"FAILED: {o.error}"
                    kernels = ", ".join(f"{g:.2f}" for g in o.kernel_gib)
                    print(f"  {name}: {o.seconds:.1f} s, peak {o.peak_gib:.2f} GiB "
                          f"(each notebook's kernel at most: {kernels} GiB), {status}",
                          flush=True)
                    if args.reports_dir is None:  # a 100M-line run folder is large
                        shutil.rmtree(reports / name, ignore_errors=True)
                    if args.json is not None:  # after every run: a long benchmark may stop
                        args.json.write_text(json.dumps([o.__dict__ for o in outcomes],
                                                        indent=2) + "\n")
    except KeyboardInterrupt:
        print("bench_kit: interrupted; the runs that finished:", flush=True)
    finally:
        if args.reports_dir is None:
            shutil.rmtree(tmp, ignore_errors=True)
        if outcomes:
            print()
            print(table(outcomes))
            print("\npeak GiB: the sum of the resident memory of the runner and all its "
                  "descendants (kernels), sampled every 100 ms")
    return 0 if all(o.exit_code == 0 for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
