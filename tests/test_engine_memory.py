"""The DuckDB engine cleans a log bigger than its memory limit (issue 16).

DuckDB spills its sorts, joins and aggregates to disk, but keeps what an ``UPDATE`` writes
in memory until a checkpoint. At 100M lines the typing's and the rules' updates filled the
engine's 1 GB limit and notebook 01 stopped in its profile with DuckDB's out-of-memory
error. Here a 2M-line log is staged, profiled and cleaned under a limit of 80 MB (the ratio
of 25M lines to 1 GB; without the checkpoints it stopped there, and the typing's joins need
more than 50 MB), and must give the cleaning of the default limit, row for row of the log.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("duckdb", reason="pip install duckdb (custlib[fast]) for the DuckDB engine")

from custlib.data import profiling  # noqa: E402
from custlib.data.cleaning import clean_transactions  # noqa: E402
from custlib.data.loading import load_transactions  # noqa: E402

pytestmark = pytest.mark.fullrun

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = {"order_id": "Invoice", "product_id": "StockCode", "description": "Description",
           "quantity": "Quantity", "order_date": "InvoiceDate", "unit_price": "Price",
           "customer_id": "Customer ID", "country": "Country"}


@pytest.fixture(scope="module")
def log_csv(tmp_path_factory) -> Path:
    spec = importlib.util.spec_from_file_location("bench_kit", ROOT / "benchmarks" / "bench_kit.py")
    assert spec is not None and spec.loader is not None
    bench_kit = importlib.util.module_from_spec(spec)
    sys.modules["bench_kit"] = bench_kit  # dataclasses look their module up
    spec.loader.exec_module(bench_kit)
    folder = tmp_path_factory.mktemp("bench")
    bench_kit.ensure_data(folder, 2_000_000, 0, verbose=False)
    return bench_kit.data_paths(folder, 2_000_000, 0)["csv"]


def _clean(path: Path, memory_limit: str | None, columns: dict):
    raw = load_transactions(str(path), columns, engine="duckdb")
    if memory_limit:
        raw._memory_limit = memory_limit
        raw.con.execute(f"SET memory_limit = '{memory_limit}'")
    overview = profiling.overview(profiling.raw_profile(raw))
    result = clean_transactions(raw, observation_start="2009-12-01")
    in_memory = raw.con.execute("SELECT memory_usage_bytes FROM duckdb_memory() "
                                "WHERE tag = 'IN_MEMORY_TABLE'").fetchall()[0][0]
    return overview, result, in_memory


@pytest.mark.filterwarnings("ignore:the log's usual volume ends")
@pytest.mark.parametrize("order_ids", [True, False], ids=["order-ids", "no-order-ids"])
def test_a_log_past_the_engines_memory_limit_is_cleaned_as_within_it(log_csv, order_ids):
    # without order ids the typing makes them (customer and second of purchase), a text
    # column of every line: made in the table's CREATE, where an UPDATE stopped at 80 MB
    columns = COLUMNS if order_ids else {**COLUMNS, "order_id": None}
    overview, small, in_memory = _clean(log_csv, "80MB", columns)
    assert overview["rows"] == 2_000_000
    # the updates are written out: what stays in memory is the small tables of the rules
    assert in_memory < 20 * 2**20
    _, default, _ = _clean(log_csv, None, columns)
    pd.testing.assert_frame_equal(small.log.drop(columns="note"), default.log.drop(columns="note"))
    assert [n("en") for n in small.log["note"]] == [n("en") for n in default.log["note"]]
    assert len(default.transactions) > 1_000_000
    orders = default.transactions["order_id"]
    assert orders.str.contains("|", regex=False).all() != order_ids  # made, or the log's
    for name in ("transactions", "anonymous"):  # kept in the database
        pd.testing.assert_frame_equal(getattr(small, name).to_pandas(),
                                      getattr(default, name).to_pandas(), obj=name)
    pd.testing.assert_frame_equal(small.removed, default.removed)
    assert small.summary() == default.summary()
