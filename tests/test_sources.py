"""Sources beyond one file: Parquet folders and globs, SQLite and DuckDB databases,
credentials in database URLs, and the checks before a run (issue 16).

The same sources on a real PostgreSQL server, and the kit run from one, are in
tests/test_postgres.py (make test-full).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from custlib.data import database as db
from custlib.data.files import iter_source_batches, read_table
from custlib.data.loading import load_table, load_transactions, read_options
from custlib.errors import ParameterError, SourceError
from custlib.run.params import discover_notebooks, notebook_parameters, validate

COLUMNS = {"order_id": "Invoice", "customer_id": "Customer ID", "order_date": "InvoiceDate",
           "quantity": "Quantity", "unit_price": "Price", "product_id": "StockCode"}


def _lines(uci_like: pd.DataFrame) -> pd.DataFrame:
    """The UCI-like log typed as a database holds it."""
    df = uci_like.drop(columns=["Description", "Country"]).copy()
    df["Quantity"] = df["Quantity"].astype(int)
    df["Price"] = df["Price"].astype(float)
    df["Customer ID"] = df["Customer ID"].replace("", None)
    return df


@pytest.fixture
def shop_db(tmp_path, uci_like) -> Path:
    """A SQLite file: table ``sales`` whose primary key runs against the insertion order."""
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as con:
        con.execute('CREATE TABLE sales (line INTEGER PRIMARY KEY, "Invoice" TEXT, '
                    '"StockCode" TEXT, "Quantity" INTEGER, "InvoiceDate" TEXT, "Price" REAL, '
                    '"Customer ID" TEXT)')
        rows = _lines(uci_like)
        for i, r in reversed(list(enumerate(rows.itertuples(index=False)))):
            con.execute("INSERT INTO sales VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (i + 1, r[0], r[1], r[2], r[3], r[4], r[5]))
        con.execute("CREATE TABLE notes (txt TEXT)")  # no primary key: stored order
        con.executemany("INSERT INTO notes VALUES (?)", [("b",), ("a",), ("c",)])
        con.execute('CREATE TABLE countries ("Customer ID" TEXT PRIMARY KEY, country TEXT)')
        con.executemany("INSERT INTO countries VALUES (?, ?)",
                        [("13085", "United Kingdom"), ("12682", "France")])
    con.close()
    return path


def test_sqlite_table_is_read_in_primary_key_order_with_values_as_stored(shop_db):
    tx = load_transactions("sales", COLUMNS, database=f"sqlite:///{shop_db}")
    assert tx["order_id"].tolist() == ["489434", "489434", "489435", "C489436", "489437"]
    assert tx["source_row"].tolist() == [0, 1, 2, 3, 4]
    assert tx["quantity"].tolist() == [12, 6, 1, -2, 1]  # integers, as stored
    assert tx["unit_price"].tolist() == [6.95, 2.10, 1.25, 6.95, 18.00]
    assert tx["customer_id"].isna().tolist() == [False, False, True, False, False]
    assert tx.attrs["source"] == f"sqlite:///{shop_db} sales"
    notes = read_table("main.notes", database=f"sqlite:///{shop_db}")
    assert notes["txt"].tolist() == ["b", "a", "c"]


def test_sqlite_query_keeps_its_order_and_cleans(shop_db):
    from custlib.data.cleaning import clean_transactions

    tx = load_transactions("  with s as (select * from sales) SELECT * FROM s "
                           "WHERE \"Price\" < 10 ORDER BY line DESC", COLUMNS,
                           database=f"sqlite:///{shop_db}")
    assert tx["order_id"].tolist() == ["C489436", "489435", "489434", "489434"]
    assert tx.attrs["source"] == f"sqlite:///{shop_db} query"
    result = clean_transactions(tx)
    result.reconcile()
    assert result.raw_rows == 4 and round(result.raw_revenue, 2) == 83.35


def test_relative_sqlite_path_is_read_from_the_project_root(shop_db, monkeypatch):
    monkeypatch.setenv("CUSTLIB_HOME", str(shop_db.parent))
    assert len(read_table("sales", database="sqlite:///shop.db")) == 5
    with pytest.raises(SourceError, match="database file not found: .*other.db"):
        read_table("sales", database="sqlite:///other.db")
    assert not (shop_db.parent / "other.db").exists()  # SQLite did not create it


def test_database_errors_name_the_table_or_the_query(shop_db):
    url = f"sqlite:///{shop_db}"
    with pytest.raises(SourceError, match=r"has no table 'orders'; tables there: "
                                          r"'countries', 'notes', 'sales'"):
        load_transactions("orders", database=url)
    with pytest.raises(SourceError, match="cannot read the query .*no such column: nope"):
        load_transactions("SELECT nope FROM sales", database=url)
    with pytest.raises(SourceError, match="has no transactions rows"):
        load_transactions("SELECT * FROM sales WHERE 1 = 0", COLUMNS, database=url)
    with pytest.raises(ParameterError, match="parameter 'transactions' is 'sales; drop"):
        load_transactions("sales; drop table sales", database=url)
    with pytest.raises(ParameterError, match="parameter 'customers' is 'my customers'"):
        load_table("customers", "my customers", database=url)


def test_sqlite_is_opened_read_only(shop_db):
    with pytest.raises(SourceError, match="readonly"):
        read_table("WITH x AS (SELECT 1) INSERT INTO notes SELECT * FROM x",
                   database=f"sqlite:///{shop_db}")


def test_pages_run_in_order_and_put_together_equal_the_table(shop_db):
    pages = list(iter_source_batches("sales", database=f"sqlite:///{shop_db}", batch_rows=2))
    assert [len(p) for p in pages] == [2, 2, 1]
    assert pd.concat(pages)["line"].tolist() == [1, 2, 3, 4, 5]
    empty = list(iter_source_batches("SELECT * FROM sales WHERE 0",
                                     database=f"sqlite:///{shop_db}"))
    assert len(empty) == 1 and empty[0].empty and "Invoice" in empty[0].columns


def test_batches_split_a_database_log_into_files(shop_db, tmp_path):
    from custlib.run import batch

    values = {"database": f"sqlite:///{shop_db}", "columns": COLUMNS, "survey": "",
              "transactions": 'SELECT s.*, c.country AS "Country" FROM sales s '
                              'LEFT JOIN countries c USING ("Customer ID") ORDER BY line',
              "customers": "SELECT \"Customer ID\" AS customer_id FROM countries"}
    result, plans, counts = batch._split(values, "country", tmp_path / "by_country",
                                         "notebooks", 1)
    assert counts.to_dict() == {"United Kingdom": 3, "France": 1}
    assert [p["database"] for p in plans] == ["", ""]  # each group reads its files
    uk = pd.read_parquet(plans[0]["transactions"])
    assert uk["order_id"].tolist() == ["489434", "489434", "C489436"]
    assert pd.read_parquet(plans[1]["customers"])["customer_id"].tolist() == ["12682"]


def test_run_cleaning_reads_from_a_database(shop_db, tmp_path):
    from custlib.run import workflow
    from custlib.run.config import run_folder

    run = run_folder("sql", tmp_path)
    workflow.run_cleaning(run, database=f"sqlite:///{shop_db}", transactions="sales",
                          columns=COLUMNS, customers="", survey="", context="")
    kept = pd.read_parquet(run.data / "transactions_clean.parquet")
    assert sorted(kept["customer_id"].unique()) == ["13085"]  # POST and the anonymous out


def test_duckdb_file_table_and_query(tmp_path, uci_like):
    duckdb = pytest.importorskip("duckdb")
    path = tmp_path / "lake.duckdb"
    con = duckdb.connect(str(path))
    lines = _lines(uci_like).assign(line=range(5, 0, -1))  # primary key against the order
    con.register("lines", lines)
    con.execute('CREATE SCHEMA shop; CREATE TABLE shop.sales (line INTEGER PRIMARY KEY, '
                '"Invoice" VARCHAR, "StockCode" VARCHAR, "Quantity" INTEGER, '
                '"InvoiceDate" TIMESTAMP, "Price" DECIMAL(10, 2), "Customer ID" VARCHAR)')
    con.execute('INSERT INTO shop.sales SELECT line, "Invoice", "StockCode", "Quantity", '
                '"InvoiceDate"::TIMESTAMP, "Price", "Customer ID" FROM lines')
    con.close()
    url = f"duckdb:///{path}"
    tx = load_transactions("shop.sales", COLUMNS, database=url)
    assert tx["order_id"].tolist() == ["489437", "C489436", "489435", "489434", "489434"]
    assert tx["unit_price"].tolist() == [18.0, 6.95, 1.25, 2.10, 6.95]  # DECIMAL as float
    assert str(tx["order_date"].iloc[0]) == "2009-12-04 12:00:00"
    q = load_transactions('SELECT * FROM shop.sales ORDER BY "Price", line', COLUMNS,
                          database=url)
    assert q["unit_price"].tolist() == [1.25, 2.10, 6.95, 6.95, 18.0]
    with pytest.raises(SourceError, match=r"has no table 'main.sales'; tables there: 'shop.sales'"):
        load_transactions("main.sales", database=url)
    # the kit only reads: a second statement, or a query reaching outside the file, stops
    evil = tmp_path / "written.csv"
    with pytest.raises(SourceError, match="must be one SELECT .* statement; the kit only reads"):
        load_transactions(f"SELECT * FROM shop.sales; COPY (SELECT 42) TO '{evil}'", COLUMNS,
                          database=url)
    with pytest.raises(SourceError, match="file system operations are disabled"):
        load_transactions(f"SELECT * FROM read_csv('{tmp_path / 'other.csv'}')", COLUMNS,
                          database=url)
    assert not evil.exists()


# Parquet folders and globs ---------------------------------------------------------------


def _lake(root: Path) -> Path:
    """A hive-partitioned folder: 2023-12 (2 rows), 2024-01 (3), 2024-02 (1), plus noise."""
    parts = {("2024", "01"): 3, ("2024", "02"): 1, ("2023", "12"): 2}
    for (year, month), n in parts.items():
        folder = root / "lake" / f"year={year}" / f"month={month}"
        folder.mkdir(parents=True)
        pq.write_table(pa.table({"order_id": [f"{year}{month}-{i}" for i in range(n)],
                                 "amount": [float(i) for i in range(n)]}),
                       folder / "part-0.parquet")
    (root / "lake" / "_SUCCESS").write_text("")
    (root / "lake" / "README.txt").write_text("not data")
    return root / "lake"


def test_hive_partitioned_folder_reads_sorted_with_partition_columns_as_text(tmp_path):
    df = read_table(_lake(tmp_path))
    assert df["order_id"].tolist() == ["202312-0", "202312-1", "202401-0", "202401-1",
                                       "202401-2", "202402-0"]
    assert df.columns.tolist() == ["order_id", "amount", "year", "month"]
    assert df["month"].tolist() == ["12", "12", "01", "01", "01", "02"]  # text: zeros kept
    assert df.attrs["source"] == str(tmp_path / "lake")
    pages = list(iter_source_batches(tmp_path / "lake", batch_rows=2))
    assert [len(p) for p in pages] == [2, 2, 1, 1]


def test_glob_reads_the_matching_files_in_path_order(tmp_path, monkeypatch):
    _lake(tmp_path)
    monkeypatch.setenv("CUSTLIB_HOME", str(tmp_path))  # relative globs: from the project root
    df = read_table("lake/year=2024/*/*.parquet")
    assert df["order_id"].tolist() == ["202401-0", "202401-1", "202401-2", "202402-0"]
    assert df["month"].tolist() == ["01", "01", "01", "02"]
    assert "year" not in df.columns  # above the wildcard: not a partition of the pattern
    deep = read_table("lake/**/*.parquet")
    assert len(deep) == 6 and deep["year"].tolist()[:2] == ["2023", "2023"]


def test_a_file_whose_name_looks_like_a_glob_is_a_file(tmp_path):
    path = tmp_path / "sales[2024].csv"
    path.write_text("order_id,amount\n1,2.50\n")
    assert read_table(path)["amount"].tolist() == ["2.50"]  # CSV text, as before


def test_loader_numbers_rows_over_the_dataset(tmp_path):
    lake = tmp_path / "sales"
    lake.mkdir()
    for i, chunk in enumerate([slice(0, 3), slice(3, 5)]):
        pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c"][chunk],
                      "order_date": pd.to_datetime(["2024-01-01"] * 5)[chunk],
                      "amount": [1.5, 2.0, 3.0, 4.0, 5.25][chunk]}).to_parquet(
            lake / f"part-{i}.parquet", index=False)
    tx = load_transactions(lake, {"order_id": None, "quantity": None, "unit_price": None})
    assert tx["source_row"].tolist() == [0, 1, 2, 3, 4]
    assert tx["amount"].tolist() == [1.5, 2.0, 3.0, 4.0, 5.25]


def test_files_whose_columns_differ_are_united_or_refused(tmp_path):
    lake = tmp_path / "lake"
    lake.mkdir()
    pq.write_table(pa.table({"a": [1], "b": ["x"]}), lake / "1.parquet")
    pq.write_table(pa.table({"a": [2], "c": [True]}), lake / "2.parquet")
    df = read_table(lake)
    assert df.columns.tolist() == ["a", "b", "c"]
    assert df["b"].tolist()[0] == "x" and pd.isna(df["b"].iloc[1])
    pq.write_table(pa.table({"a": ["text"]}), lake / "3.parquet")
    with pytest.raises(SourceError, match="its files' columns do not agree"):
        read_table(lake)


def test_empty_glob_and_folder_without_parquet_stop_with_what_to_do(tmp_path):
    with pytest.raises(SourceError, match=r"the pattern '.*nowhere/\*\.parquet' matches no "
                                          r"file"):
        read_table(tmp_path / "nowhere" / "*.parquet")
    (tmp_path / "csvs").mkdir()
    (tmp_path / "csvs" / "a.csv").write_text("a\n1\n")
    with pytest.raises(SourceError, match="holds no Parquet file"):
        read_table(tmp_path / "csvs")
    with pytest.raises(SourceError, match="matches files that are not Parquet"):
        read_table(tmp_path / "csvs" / "*")


# Credentials -----------------------------------------------------------------------------


def test_url_with_a_password_is_refused_and_never_shown():
    for url in ("postgresql://ann:s3cret@db:5432/shop",
                "postgresql://ann@db/shop?password=s3cret"):
        with pytest.raises(ParameterError) as err:
            db.check_url(url)
        text = str(err.value)
        assert "parameter 'database'" in text and "${NAME}" in text
        assert "s3cret" not in text and "***" in text
    with pytest.raises(ParameterError, match="'mysql' database; expected one of "
                                             "'postgresql', 'sqlite', 'duckdb'"):
        db.check_url("mysql://ann@db/shop")
    with pytest.raises(ParameterError, match="is 'shop.db', which is not a database URL"):
        db.check_url("shop.db")


def test_placeholders_are_filled_from_the_environment_then_dotenv(tmp_path, monkeypatch):
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    monkeypatch.setenv("CUSTLIB_HOME", str(home))
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("SHOP_PW", raising=False)
    url = "postgresql://ann:${SHOP_PW}@${SHOP_HOST}:5432/shop"
    with pytest.raises(ParameterError, match=r"uses \$\{SHOP_PW\}, which no environment "
                                             "variable and no .env file sets"):
        db.resolve_url(url)
    (cwd / ".env").write_text("SHOP_PW=from-cwd\nSHOP_HOST=db.cwd\n")
    (home / ".env").write_text("# the project's\nexport SHOP_PW='p@ss/w:rd'\n")
    resolved = db.resolve_url(url)
    assert resolved.password == "p@ss/w:rd"  # the project root's .env wins over the cwd's
    assert resolved.host == "db.cwd"
    monkeypatch.setenv("SHOP_PW", "from-env")  # the environment wins over both
    assert db.resolve_url(url).password == "from-env"
    assert db.mask_url(db.resolve_url(url)) == "postgresql://ann:***@db.cwd:5432/shop"


def test_a_password_from_a_placeholder_in_the_query_is_masked(monkeypatch):
    monkeypatch.setenv("SHOP_PW", "p@ss w/rd&x=1")
    url = db.resolve_url("postgresql://ann@db/shop?password=${SHOP_PW}&sslmode=require")
    assert url.query["password"] == "p@ss w/rd&x=1"
    assert db.mask_url(url) == "postgresql://ann@db/shop?password=***&sslmode=require"


def test_the_read_source_and_errors_show_the_url_masked(shop_db, monkeypatch):
    monkeypatch.setenv("SHOP_PW", "hunter2")
    url = f"sqlite://ann:${{SHOP_PW}}@/{shop_db}"
    assert db.mask_url(db.resolve_url(url)) == f"sqlite://ann:***@/{shop_db}"
    with pytest.raises(SourceError) as err:
        load_transactions("orders", database=url)
    assert "hunter2" not in str(err.value) and "ann:***@" in str(err.value)


def test_read_options_carry_the_database_only_when_set():
    assert "database" not in read_options()
    assert read_options(database="sqlite:///x.db")["database"] == "sqlite:///x.db"


# Checks before a run ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def declared():
    return {nb.name: notebook_parameters(nb) for nb in discover_notebooks()}


def _problem(values, declared) -> str:
    with pytest.raises(ParameterError) as err:
        validate(values, declared, source="p.yaml")
    return str(err.value)


def test_checks_refuse_a_bad_database_before_the_run(declared, monkeypatch):
    monkeypatch.delenv("NO_SUCH_VAR_X", raising=False)
    text = _problem({"database": "postgresql://ann:hunter2@db/shop"}, declared)
    assert text.startswith("p.yaml: parameter 'database' (postgresql://ann:***@db/shop) "
                           "holds a password")
    assert "hunter2" not in text
    assert "a 'oracle' database" in _problem({"database": "oracle://ann@db/x"}, declared)
    assert "not a database URL" in _problem({"database": "db.example.com"}, declared)
    assert "${NO_SUCH_VAR_X}" in _problem(
        {"database": "postgresql://ann:${NO_SUCH_VAR_X}@db/shop"}, declared)


def test_checks_with_a_database_want_tables_or_queries(declared):
    sql = {"database": "sqlite:///data/shop.db"}
    text = _problem({**sql, "transactions": "sales"}, declared)
    assert text == ("p.yaml: parameter 'customers' is, by default, 'demo', a preset; with "
                    "'database' set it names a table or holds a query: write customers: '' "
                    "(no customers table) or the table's name, e.g. customers: "
                    "public.customers")
    text = _problem({**sql, "transactions": "data/sales.csv", "customers": "",
                     "survey": ""}, declared)
    assert text.startswith("p.yaml: parameter 'transactions' is 'data/sales.csv'; with "
                           "'database' set it names a table")
    ok = validate({**sql, "transactions": "shop.sales", "customers": "SELECT * FROM c",
                   "survey": ""}, declared)
    assert ok["transactions"] == "shop.sales"
    # without a database, paths and presets as before
    assert validate({"transactions": "data/lake/*.parquet"}, declared)["transactions"] == \
        "data/lake/*.parquet"
