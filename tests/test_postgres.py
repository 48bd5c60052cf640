"""The kit on a real PostgreSQL server: the demo loaded into it, read from a table and from a
query, gives the CSV run's cleaning log and customer summary; the password stays out of
every file of the run (issue 16).

The server is a throw-away one (tests/pg.py, the ``postgres`` fixture), skipped where
PostgreSQL is not installed. make test-full runs these tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from custlib.data.loading import PRESETS, load_table, load_transactions
from custlib.errors import SourceError

pytestmark = [pytest.mark.notebooks, pytest.mark.fullrun]

WINDOW = {"observation_start": "2022-01-01", "observation_end": "2024-12-31",
          "context": "demo", "bootstrap_refits": 0}
DEMO_COLUMNS = dict(PRESETS["demo"].columns)
SURVEY = ("customer_id, survey_date, satisfaction, recommend, repurchase_intention, top_need, "
          "complaint, complaint_text")


@pytest.fixture(scope="module")
def shop(postgres):
    """The server with the demo in schema ``shop``; the role's password in the env."""
    from tests import pg

    counts = pg.load_demo(postgres)
    assert counts == {"transactions": 19351, "customers": 4000, "survey": 670}
    return postgres


@pytest.fixture
def password_env(shop, monkeypatch):
    monkeypatch.setenv("CUSTLIB_TEST_PG_PASSWORD", shop.password)
    return shop


def test_table_is_read_in_primary_key_order_with_stored_types(password_env):
    tx = load_transactions("shop.transactions", DEMO_COLUMNS, database=password_env.url())
    assert len(tx) == 19351
    first = tx.iloc[0]
    assert (first["order_id"], first["product_id"], first["quantity"]) == \
        ("518876", "TB01", 12)
    assert str(first["order_date"]) == "1970-01-01 00:00:00"  # a timestamp, as stored
    assert tx["unit_price"].dtype == "float64" and first["unit_price"] == 8.5  # NUMERIC
    assert tx["customer_id"].isna().sum() == 364  # NULL
    assert tx.attrs["source"].startswith("postgresql://analyst:***@/shop?host=")
    assert password_env.password not in tx.attrs["source"]
    survey = load_table("survey", "SELECT * FROM shop.survey ORDER BY customer_id DESC",
                        database=password_env.url())
    assert len(survey) == 670 and survey["source_row"].iloc[0] == 0


def test_libpq_finds_the_password_in_pgpassword(shop, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", shop.password)
    tx = load_transactions("SELECT * FROM shop.transactions ORDER BY line_id LIMIT 3",
                           DEMO_COLUMNS, database=shop.url(password=""))
    assert tx["order_id"].tolist() == ["518876", "518877", "518878"]


def test_libpq_reads_a_service_file(shop, tmp_path, monkeypatch):
    from tests import pg

    services = tmp_path / "pg_service.conf"
    services.write_text(f"[custlib_shop]\nhost={shop.socket_dir}\nport={shop.port}\n"
                        f"dbname={pg.DATABASE}\nuser={pg.ROLE}\npassword={shop.password}\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    tx = load_transactions("shop.transactions", DEMO_COLUMNS,
                           database="postgresql:///?service=custlib_shop")
    assert len(tx) == 19351
    assert tx.attrs["source"] == "postgresql:///?service=custlib_shop shop.transactions"


def test_a_wrong_password_stops_with_the_server_message_masked(shop, monkeypatch):
    monkeypatch.setenv("CUSTLIB_TEST_PG_PASSWORD", "not-the-password")
    monkeypatch.delenv("PGPASSWORD", raising=False)
    with pytest.raises(SourceError) as err:
        load_transactions("shop.transactions", database=shop.url())
    text = str(err.value)
    assert "password authentication failed" in text
    assert "not-the-password" not in text and "analyst:***@" in text


def test_the_session_is_read_only(password_env):
    from tests import pg

    with password_env.connect(pg.ROLE) as conn:
        conn.execute("CREATE SEQUENCE IF NOT EXISTS shop.counter")
    with pytest.raises(SourceError, match="nextval.* in a read-only transaction"):
        load_table("survey", "SELECT nextval('shop.counter') AS customer_id",
                   database=password_env.url())
    with pytest.raises(SourceError, match="must not contain data-modifying"):
        load_table("survey", "WITH gone AS (DELETE FROM shop.survey RETURNING *) "
                   "SELECT * FROM gone", database=password_env.url())
    with password_env.connect() as conn:
        assert conn.execute("SELECT count(*) FROM shop.survey").fetchone()[0] == 670
        assert conn.execute("SELECT last_value FROM shop.counter").fetchone()[0] == 1


# The kit end to end ----------------------------------------------------------------------


def _run(folder: Path, name: str, params: dict, env: dict) -> Path:
    """``custlib run --only 01,02`` with ``params``; the run folder."""
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"run_name": name, **WINDOW, **params}))
    proc = subprocess.run(
        [sys.executable, "-m", "custlib", "run", "--params", str(path), "--reports-dir",
         str(folder), "--only", "01,02", "--no-html", "--quiet"],
        cwd=folder, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return folder / name


@pytest.fixture(scope="module")
def kit_runs(shop, tmp_path_factory):
    """The demo from its CSV files, from the server's tables and from queries."""
    folder = tmp_path_factory.mktemp("pg_runs")
    env = {**os.environ, "CUSTLIB_TEST_PG_PASSWORD": shop.password}
    env.pop("PGPASSWORD", None)
    url = shop.url()
    runs = {
        "csv": _run(folder, "csv", {"transactions": "demo", "customers": "demo",
                                    "survey": "demo"}, env),
        "table": _run(folder, "table", {
            "database": url, "transactions": "shop.transactions", "columns": DEMO_COLUMNS,
            "customers": "shop.customers", "survey": "shop.survey"}, env),
        "query": _run(folder, "query", {
            "database": url, "columns": DEMO_COLUMNS,
            "transactions": "SELECT \"Invoice\", \"StockCode\", \"Description\", "
                            "\"Quantity\", \"InvoiceDate\", \"Price\", \"Customer ID\", "
                            "\"Country\", \"Category\", \"Channel\" FROM shop.transactions "
                            "ORDER BY line_id",
            "customers": "SELECT * FROM shop.customers ORDER BY customer_id",
            "survey": f"WITH s AS (SELECT * FROM shop.survey) SELECT {SURVEY} FROM s "
                      "ORDER BY line_id"}, env),
    }
    # the DuckDB engine reads the query a page at a time through the same cursor
    runs["query_duckdb"] = _run(folder, "query_duckdb", {
        **yaml.safe_load((folder / "query.yaml").read_text(encoding="utf-8")),
        "engine": "duckdb", "run_name": "query_duckdb"}, env)
    return runs, shop.password


def _log(run: Path) -> pd.DataFrame:
    return pd.read_csv(run / "tables" / "cleaning_log.csv")


def test_database_runs_give_the_csv_runs_cleaning_log(kit_runs):
    runs, _ = kit_runs
    csv = _log(runs["csv"])
    for kind in ("table", "query", "query_duckdb"):
        pd.testing.assert_frame_equal(_log(runs[kind]), csv, check_exact=True)
    expected = json.loads((runs["csv"] / "data" / "cleaning_summary.json").read_text())
    assert expected["raw_rows"] == 19351 and expected["kept_customers"] > 3000
    for kind in ("table", "query", "query_duckdb"):
        got = json.loads((runs[kind] / "data" / "cleaning_summary.json").read_text())
        for key in ("raw_rows", "kept_rows", "kept_customers", "set_aside_rows",
                    "removed_rows", "flagged_rows", "first_date", "last_date", "currency"):
            assert got[key] == expected[key], (kind, key)
        for key in ("raw_revenue", "kept_revenue", "set_aside_revenue", "removed_revenue",
                    "adjusted_revenue"):  # to the cent
            assert round(got[key], 2) == round(expected[key], 2), (kind, key)


def test_database_runs_give_the_csv_runs_customers(kit_runs):
    runs, _ = kit_runs
    csv = pd.read_parquet(runs["csv"] / "data" / "customer_summary.parquet")
    assert len(csv) > 1000
    for kind in ("table", "query", "query_duckdb"):
        got = pd.read_parquet(runs[kind] / "data" / "customer_summary.parquet")
        pd.testing.assert_frame_equal(got, csv, check_exact=True)
        assert round(got["total_revenue"].sum(), 2) == round(csv["total_revenue"].sum(), 2)
        for table in ("customers", "survey"):  # source_row too: the same order
            pd.testing.assert_frame_equal(
                pd.read_parquet(runs[kind] / "data" / f"{table}.parquet"),
                pd.read_parquet(runs["csv"] / "data" / f"{table}.parquet"))


def test_a_refused_password_stops_the_run_and_is_in_none_of_its_files(shop, tmp_path):
    wrong = "wrong-" + shop.password[::-1]
    env = {**os.environ, "CUSTLIB_TEST_PG_PASSWORD": wrong}
    env.pop("PGPASSWORD", None)
    path = tmp_path / "refused.yaml"
    path.write_text(yaml.safe_dump({"run_name": "refused", **WINDOW, "database": shop.url(),
                                    "transactions": "shop.transactions", "customers": "",
                                    "survey": ""}))
    proc = subprocess.run(
        [sys.executable, "-m", "custlib", "run", "--params", str(path), "--reports-dir",
         str(tmp_path), "--only", "01", "--no-html", "--quiet"],
        cwd=tmp_path, capture_output=True, text=True, env=env)
    assert proc.returncode == 1
    assert "password authentication failed" in proc.stderr + proc.stdout
    assert "analyst:***@" in proc.stderr + proc.stdout
    files = [p for p in (tmp_path / "refused.failed").rglob("*") if p.is_file()]
    assert files and not [p for p in files if wrong.encode() in p.read_bytes()]
    assert wrong not in proc.stderr + proc.stdout


def test_the_password_is_in_no_file_of_the_runs(kit_runs):
    runs, password = kit_runs
    seen = 0
    for kind in ("table", "query"):
        for path in runs[kind].rglob("*"):
            if path.is_file():
                seen += 1
                assert password.encode() not in path.read_bytes(), path
    assert seen > 20
    executed = (runs["table"] / "notebooks" / "01_data_cleaning.ipynb").read_text()
    assert "${CUSTLIB_TEST_PG_PASSWORD}" in executed  # the parameter, as written
