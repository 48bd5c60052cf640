"""The whole-kit benchmark's log generator (benchmarks/bench_kit.py, issue 16): the shares
of a UCI-Online-Retail-II-shaped log, determinism, chunking, and cancellations that each
reverse an earlier line of the same customer."""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_kit", ROOT / "benchmarks" / "bench_kit.py")
assert _spec is not None and _spec.loader is not None
bench_kit = importlib.util.module_from_spec(_spec)
sys.modules["bench_kit"] = bench_kit  # dataclasses look their module up
_spec.loader.exec_module(bench_kit)

ROWS = 5000
BLOCK = 1000  # five blocks, so cancellations and invoice numbers cross block bounds


def log(rows: int = ROWS, seed: int = 0, chunk_rows: int = ROWS) -> pd.DataFrame:
    batches = list(bench_kit.generate(rows, seed, chunk_rows=chunk_rows, block_rows=BLOCK))
    return pa.concat_tables(batches).to_pandas()


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return log()


def test_columns_and_window_are_uci_online_retail_ii(df):
    assert list(df.columns) == ["Invoice", "StockCode", "Description", "Quantity",
                                "InvoiceDate", "Price", "Customer ID", "Country"]
    assert len(df) == ROWS
    assert df["InvoiceDate"].min() >= pd.Timestamp("2009-12-01")
    assert df["InvoiceDate"].max() <= pd.Timestamp("2011-12-09 23:59")
    # two years of orders, every month present, autumn busier than spring
    months = df["InvoiceDate"].dt.to_period("M")
    assert months.nunique() == 25
    per_month = df.groupby(df["InvoiceDate"].dt.month).size()
    assert per_month[11] > 1.4 * per_month[4]
    assert df.loc[0, "Invoice"] == "489434"


def test_shares_hold_within_tolerance(df):
    cancel = df["Invoice"].str.startswith("C")
    assert 0.014 <= cancel.mean() <= 0.026
    assert 0.15 <= df["Customer ID"].isna().mean() <= 0.25
    codes = [c for c, _, _, _ in bench_kit.NON_PRODUCTS]
    assert 0.002 <= df["StockCode"].isin(codes).mean() <= 0.009
    # customers ~ rows / 25
    assert 160 <= df["Customer ID"].nunique() <= 240
    # orders of several lines: about 5 lines an invoice
    orders = df.loc[~cancel, "Invoice"]
    assert 4.0 <= len(orders) / orders.nunique() <= 6.0
    # a few exact duplicate lines (inserted ones, and the same product twice in an order)
    assert 3 <= df.duplicated().sum() <= 25
    # Zipf-like activity: the busiest customer has many times the median's lines
    lines = df.groupby("Customer ID").size()
    assert lines.max() > 8 * lines.median()


def test_a_few_extreme_quantities():
    big = log(rows=50_000)
    extreme = big["Quantity"].abs() >= 1000
    assert 1 <= extreme.sum() <= 15
    assert big.loc[extreme & (big["Quantity"] > 0), "Quantity"].max() <= 80995


def test_same_seed_same_log_other_seed_other_log(df):
    pd.testing.assert_frame_equal(log(), df)
    other = log(seed=1)
    assert not other["StockCode"].equals(df["StockCode"])


def test_chunked_output_equals_unchunked(df):
    batches = list(bench_kit.generate(ROWS, 0, chunk_rows=777, block_rows=BLOCK))
    assert [len(b) for b in batches] == [777] * 6 + [ROWS - 6 * 777]
    chunked = pa.concat_tables(batches).to_pandas()
    pd.testing.assert_frame_equal(chunked, df)


def test_each_cancellation_reverses_a_distinct_earlier_line_of_its_customer(df):
    cancel = df["Invoice"].str.startswith("C")
    assert cancel.sum() > 50
    assert df.loc[cancel, "Customer ID"].notna().all()
    assert (df.loc[cancel, "Quantity"] < 0).all() and (df.loc[~cancel, "Quantity"] > 0).all()
    # per (customer, product, price, units): walking through time (a line before a
    # cancellation of the same minute), the lines bought never fall below the lines
    # cancelled, so each cancellation has a distinct earlier line of its own
    events = df.assign(units=df["Quantity"].abs(), step=np.where(cancel, -1, 1),
                       row=np.arange(len(df)))
    key = ["Customer ID", "StockCode", "Price", "units"]
    events = events[events["Customer ID"].notna()].sort_values(
        key + ["InvoiceDate", "step", "row"], ascending=[True] * 5 + [False, True])
    balance = events.groupby(key)["step"].cumsum()
    assert balance.min() >= 0
    # and the line it reverses comes before it in the file too
    first_buy = events[events["step"] == 1].groupby(key)["row"].min()
    cancels = events[events["step"] == -1].join(first_buy.rename("bought"), on=key)
    assert (cancels["bought"] < cancels["row"]).all()


def test_the_kits_cleaning_nets_every_cancellation(df):
    from custlib.data.cleaning import clean_transactions

    raw = df.rename(columns={
        "Invoice": "order_id", "StockCode": "product_id", "Description": "description",
        "Quantity": "quantity", "InvoiceDate": "order_date", "Price": "unit_price",
        "Customer ID": "customer_id", "Country": "country"})
    raw["customer_id"] = raw["customer_id"].astype("Int64").astype(str).replace("<NA>", "")
    raw["source_row"] = np.arange(len(raw))
    n_cancel = int(df["Invoice"].str.startswith("C").sum())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the duplicates and anonymous lines are meant
        result = clean_transactions(raw)
    rows = result.log.set_index("rule")["rows"]
    assert rows["cancellations"] == 2 * n_cancel
    assert rows["cancellations_unmatched"] == 0
    assert rows["non_product"] == df["StockCode"].isin(
        [c for c, _, _, _ in bench_kit.NON_PRODUCTS]).sum()


def test_the_disk_check_refuses_with_a_message(tmp_path, monkeypatch):
    monkeypatch.setattr(bench_kit.shutil, "disk_usage",
                        lambda path: type("U", (), {"free": 10 * 2**30})())
    with pytest.raises(SystemExit, match=r"100,000,000 lines need about 15\.8 GiB.*"
                                          r"only 10\.0 GiB are free.*--data-dir"):
        bench_kit.ensure_data(tmp_path, 100_000_000, 0, verbose=False)
    assert [p.name for p in tmp_path.iterdir()] == ["retail_100000000_seed0.lock"]  # no data


def test_sizes_read_as_lines():
    assert [bench_kit.parse_size(s) for s in ("1M", "10m", "100M", "50k", "1000000")] == [
        1_000_000, 10_000_000, 100_000_000, 50_000, 1_000_000]
    with pytest.raises(Exception, match="not a size"):
        bench_kit.parse_size("lots")


def test_parameters_set_over_the_example():
    assert bench_kit.parse_overrides(["bootstrap_refits=0", "lang=zh", "margin=0.25"]) == {
        "bootstrap_refits": 0, "lang": "zh", "margin": 0.25}
    with pytest.raises(SystemExit, match="NAME=VALUE"):
        bench_kit.parse_overrides(["bootstrap_refits"])


def test_targets_of_issue_16():
    o = bench_kit.Outcome(10_000_000, "duckdb", "parquet", seconds=80.0, peak_gib=3.2,
                          exit_code=0)
    assert bench_kit.verdict(o) == "<90s <3GiB MISS (memory)"
    o.peak_gib = 2.5
    assert bench_kit.verdict(o) == "<90s <3GiB PASS"
    o.exit_code = 1
    assert bench_kit.verdict(o) == "<90s <3GiB MISS (failed)"
    assert bench_kit.verdict(bench_kit.Outcome(1_000_000, "pandas", "csv")) == "-"


@pytest.mark.fullrun  # 1M lines generated and cleaned twice: about a minute
def test_the_duckdb_engine_cleans_a_log_bigger_than_its_memory_limit(tmp_path):
    """1M lines need about 100 MB of DuckDB's memory staged in an in-memory database; staged
    in a database file they leave memory, and 100 MB is enough. (A 10M-line log ran out of
    the default 1 GB in notebook 01 while the clean lines were read back.)"""
    pytest.importorskip("duckdb")
    import yaml

    from custlib.data.cleaning import clean_transactions
    from custlib.data.loading import load_transactions

    meta = bench_kit.ensure_data(tmp_path, 1_000_000, 0, verbose=False)
    params = yaml.safe_load((ROOT / "params" / "example_uci_online_retail.yaml").read_text())
    results = {}
    for limit in ("100MB", "1GB"):
        raw = load_transactions(meta["csv"], params["columns"], engine="duckdb")
        raw.con.execute(f"SET memory_limit = '{limit}'")  # the staged log's database
        results[limit] = clean_transactions(raw)  # its lines stay there, with the log
    tight, roomy = results["100MB"], results["1GB"]
    assert len(tight.transactions) == len(roomy.transactions) > 700_000
    pd.testing.assert_frame_equal(tight.log, roomy.log)
    pd.testing.assert_frame_equal(tight.transactions.to_pandas(), roomy.transactions.to_pandas())
