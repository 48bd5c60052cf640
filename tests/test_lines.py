"""The DuckDB engine's clean lines stay in its database (custlib.data.engines.lines).

Notebook 01 shows and saves them without a pandas frame of every line; whatever it asks of
them must be what the pandas engine's frame gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("duckdb", reason="pip install duckdb (custlib[fast]) for the DuckDB engine")

from custlib import check  # noqa: E402
from custlib.data import profiling, window  # noqa: E402
from custlib.data.cleaning import Extremes, clean_transactions, save_cleaning  # noqa: E402
from custlib.data.engines import lines as lines_module  # noqa: E402
from custlib.data.engines.lines import StagedLines  # noqa: E402
from custlib.data.loading import load_transactions  # noqa: E402
from custlib.errors import CustlibError  # noqa: E402
from custlib.plots import data as figures  # noqa: E402
from custlib.report import narrative  # noqa: E402
from custlib.run import config  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:.*exact duplicates of an earlier line",
                                        "ignore:the log's usual volume ends")


@pytest.fixture(scope="module")
def both():
    """The demo cleaned by both engines: (pandas result, DuckDB result, its staged log)."""
    staged = load_transactions("demo", engine="duckdb")
    return clean_transactions(load_transactions("demo")), \
        clean_transactions(staged, engine="duckdb"), staged


def test_the_duckdb_engine_keeps_its_lines_in_its_database(both):
    pandas_result, duck, _ = both
    tx = duck.transactions
    assert isinstance(tx, StagedLines) and isinstance(duck.anonymous, StagedLines)
    assert isinstance(duck.removed, pd.DataFrame)  # few: they come to pandas
    expected = pandas_result.transactions
    assert len(tx) == len(expected) == 17_898 and tx.shape == expected.shape
    assert list(tx.columns) == list(expected.columns) and not tx.empty
    assert "country" in tx and "nope" not in tx
    assert dict(tx.dtypes) == dict(expected.dtypes)
    pd.testing.assert_frame_equal(tx.head(7), expected.head(7))
    pd.testing.assert_frame_equal(tx.head(0), expected.head(0))
    pd.testing.assert_series_equal(tx["amount"], expected["amount"])
    pd.testing.assert_frame_equal(tx[["customer_id", "order_date"]],
                                  expected[["customer_id", "order_date"]])
    pd.testing.assert_frame_equal(duck.anonymous.to_pandas(["customer_id", "amount"]),
                                  pandas_result.anonymous[["customer_id", "amount"]])


def test_a_mask_selects_the_lines_pandas_selects_with_their_positions(both):
    pandas_result, duck, _ = both
    tx, expected = duck.transactions, pandas_result.transactions
    flagged = tx.loc[tx["is_extreme"]]
    pd.testing.assert_frame_equal(flagged, expected.loc[expected["is_extreme"]])
    assert len(flagged) == 3 and flagged.index.tolist()[0] == 9906
    big = tx.loc[tx["amount"] > 500]
    pd.testing.assert_frame_equal(big, expected.loc[expected["amount"] > 500])
    assert 0 < len(big) < len(tx)
    nothing = tx.loc[np.zeros(len(tx), dtype=bool)]
    assert nothing.empty and list(nothing.columns) == list(expected.columns)
    with pytest.raises(TypeError, match=r"boolean mask of 17,898 values \(one per line\)"):
        tx.loc[tx["amount"]]
    with pytest.raises(TypeError, match="boolean mask"):
        tx.loc[[True, False]]


def test_what_the_lines_do_not_do_says_what_to_do_instead(both):
    _, duck, _ = both
    with pytest.raises(AttributeError, match=r"'groupby': these 17,898 lines stay in DuckDB "
                                             r"\(engine: duckdb\).*\.to_pandas\(\[\.\.\.\]\) "
                                             r"\(columns: customer_id, order_id"):
        duck.transactions.groupby("customer_id")
    with pytest.raises(KeyError, match=r"columns \['nope'\] are not among"):
        duck.transactions["nope"]
    assert "17,898 lines x 14 columns" in repr(duck.transactions)
    assert "<table" in duck.transactions._repr_html_()


def test_notebook_01s_profiles_are_the_pandas_engines(both):
    pandas_result, duck, staged = both
    a, b = pandas_result.transactions, duck.transactions
    assert duck.summary() == pandas_result.summary()
    pd.testing.assert_series_equal(profiling.overview(b), profiling.overview(a))
    pd.testing.assert_frame_equal(profiling.compare_overviews(staged, b, "zh"),
                                  profiling.compare_overviews(staged, a, "zh"))
    pd.testing.assert_series_equal(profiling.revenue_by_month(b), profiling.revenue_by_month(a),
                                   check_exact=False, rtol=1e-12, check_names=False)
    pd.testing.assert_series_equal(profiling.orders_per_customer(b, cap=4),
                                   profiling.orders_per_customer(a, cap=4))
    for top in (3, None):
        pd.testing.assert_series_equal(profiling.revenue_by_country(b, top=top),
                                       profiling.revenue_by_country(a, top=top),
                                       check_exact=False, rtol=1e-12, check_names=False)
    start, stop = pd.Timestamp("2023-01-01"), pd.Timestamp("2023-07-01")
    assert profiling.lines_dated_outside(b, start, stop) == \
        profiling.lines_dated_outside(a, start, stop) > 0
    customers = pd.DataFrame({"customer_id": ["12698", "99999"]})
    pd.testing.assert_frame_equal(narrative.customer_coverage(b, customers, "en"),
                                  narrative.customer_coverage(a, customers, "en"))
    assert window.cleaning_edges(duck) == window.cleaning_edges(pandas_result)
    assert narrative.cleaning_summary(duck, lang="zh") == \
        narrative.cleaning_summary(pandas_result, lang="zh")
    for plot in (figures.plot_orders_per_customer, figures.plot_revenue_by_country):
        ax_a, ax_b = plot(a), plot(b)
        assert [t.get_text() for t in ax_a.get_yticklabels() + ax_a.get_xticklabels()] == \
            [t.get_text() for t in ax_b.get_yticklabels() + ax_b.get_xticklabels()]


def test_the_exercises_check_the_same_answers(both):
    pandas_result, duck, _ = both
    flags_a, reasons_a, limits_a = Extremes(factor=2.0).limits(pandas_result.transactions)
    flags_b, reasons_b, limits_b = Extremes(factor=2.0).limits(duck.transactions)
    pd.testing.assert_series_equal(flags_b, flags_a)
    pd.testing.assert_series_equal(reasons_b, reasons_a)
    assert limits_a == limits_b and flags_a.sum() > 3
    right = int(flags_a.sum())
    assert check.extreme_lines(right, duck, factor=2.0).ok
    assert not check.extreme_lines(right + 1, duck, factor=2.0).ok
    assert check.kept_rows(17_898, duck).ok
    share = duck.anonymous["amount"].sum() / duck.raw_revenue
    assert check.revenue_share(share, duck.anonymous["amount"], duck.raw_revenue).ok


def test_saved_lines_read_back_as_the_pandas_engines(both, tmp_path, monkeypatch):
    """Written a batch at a time (here 5,000 lines: four row groups), the run folder's files
    read back as the pandas engine's; an empty table is a file with the columns' types."""
    import pyarrow.parquet as pq

    pandas_result, duck, _ = both
    monkeypatch.setattr(lines_module, "BATCH_ROWS", 5_000)
    paths = {}
    for name, result in (("pandas", pandas_result), ("duckdb", duck)):
        run = config.run_folder(name, tmp_path)
        save_cleaning(result, run)
        paths[name] = run.data
    for table in ("transactions_clean", "transactions_anonymous"):
        a = pd.read_parquet(paths["pandas"] / f"{table}.parquet")
        b = pd.read_parquet(paths["duckdb"] / f"{table}.parquet")
        pd.testing.assert_frame_equal(b, a)
    assert pq.ParquetFile(paths["duckdb"] / "transactions_clean.parquet"
                          ).metadata.num_row_groups == 4
    for table in ("cleaning_log", "removed_rows", "netting_adjustments"):
        assert (paths["pandas"].parent / "tables" / f"{table}.csv").read_bytes() == \
            (paths["duckdb"].parent / "tables" / f"{table}.csv").read_bytes()
    empty = duck.transactions.loc[np.zeros(len(duck.transactions), dtype=bool)]
    con = duck.transactions._con
    con.execute(f"CREATE TABLE numbered AS SELECT *, rowid AS _ord FROM "
                f"{duck.transactions._table}")
    none = StagedLines.create(None, con, "numbered", "false", dict(duck.transactions._dtypes))
    assert none.empty and none.head().empty
    none.to_parquet(tmp_path / "none.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "none.parquet"),
                                  empty.reset_index(drop=True))


def test_lines_keep_their_order_through_a_parallel_database(tmp_path):
    """The table is made ``ORDER BY _ord`` and read without sorting again: DuckDB keeps the
    insertion order (row groups of 122,880 lines read by two threads)."""
    from custlib.data.engines.workspace import _connect

    con = _connect(tmp_path, "1GB", 2)
    try:
        n = 600_000
        order = np.random.default_rng(0).permutation(n)
        con.register("src", pd.DataFrame({"_ord": order, "v": order * 2.0}))
        con.execute("CREATE TABLE t AS SELECT * FROM src")
        lines = StagedLines.create(None, con, "t", "v >= 0", {"v": np.dtype("float64")})
        values = lines["v"]
        assert values.tolist() == list(np.arange(n) * 2.0)
        mask = np.zeros(n, dtype=bool)
        mask[[5, 200_000, 599_999]] = True
        picked = lines.loc[mask]
        assert picked.index.tolist() == [5, 200_000, 599_999]
        assert picked["v"].tolist() == [10.0, 400_000.0, 1_199_998.0]
        assert sum(len(b) for b in lines.batches(rows=100_000)) == n
        assert lines.total("v") == pd.Series(np.arange(n) * 2.0).sum()
    finally:
        con.close()


def test_closing_the_staged_log_ends_its_lines_with_a_message():
    staged = load_transactions("cdnow_sample", engine="duckdb")
    result = clean_transactions(staged, engine="duckdb")
    assert len(result.transactions.head(3)) == 3
    staged.close()
    with pytest.raises(CustlibError, match=r"now closed \(StagedLog.close\(\)\); clean the "
                                           "log again"):
        result.transactions.head()


def test_lines_outlive_a_staged_log_nobody_else_holds():
    """Cleaning a pandas frame with the DuckDB engine stages it in a database of its own,
    which lives as long as the result."""
    raw = load_transactions("cdnow_sample")
    result = clean_transactions(raw, engine="duckdb")
    import gc

    gc.collect()
    pd.testing.assert_frame_equal(result.transactions.to_pandas(),
                                  clean_transactions(raw).transactions)


def test_a_column_missing_in_the_first_lines_is_saved_as_the_pandas_engine_saves_it(tmp_path):
    """The file's schema comes from the first lines; a column empty there but not later
    (or empty throughout) is typed as pandas types the whole column."""
    raw = load_transactions("demo").head(3000).copy()
    raw.loc[:499, "category"] = None
    raw["channel"] = pd.Series([None] * 500 + ["web"] * 2500, dtype=object, index=raw.index)
    raw["country"] = pd.Series([None] * 3000, dtype=object, index=raw.index)
    paths = []
    for engine in ("pandas", "duckdb"):
        run = config.run_folder(engine, tmp_path)
        save_cleaning(clean_transactions(raw, engine=engine), run)
        paths.append(run.data / "transactions_clean.parquet")
    a, b = (pd.read_parquet(p) for p in paths)
    pd.testing.assert_frame_equal(b, a)
    assert a["category"].isna().sum() > 0 and a["category"].notna().sum() > 0
    assert a["channel"].isna().sum() > 0 and (a["channel"] == "web").sum() > 0
    assert a["country"].isna().all()


def test_pandas_ways_of_selecting_lines_work_or_say_what_does(both):
    pandas_result, duck, _ = both
    tx, expected = duck.transactions, pandas_result.transactions
    pd.testing.assert_frame_equal(tx[tx["is_extreme"]], expected[expected["is_extreme"]])
    pd.testing.assert_series_equal(tx.loc[tx["is_extreme"], "amount"],
                                   expected.loc[expected["is_extreme"], "amount"])
    pd.testing.assert_frame_equal(tx.loc[tx["amount"] > 500, ["customer_id", "amount"]],
                                  expected.loc[expected["amount"] > 500,
                                               ["customer_id", "amount"]])
    with pytest.raises(TypeError, match="boolean mask") as error:
        tx.loc[tx["amount"], "amount"]
    assert len(str(error.value)) < 400  # the mask is not written out
    pd.testing.assert_frame_equal(profiling.missing_values(tx, "zh"),
                                  profiling.missing_values(expected, "zh"))


def test_dates_keep_their_nanoseconds():
    n = 300
    rng = np.random.default_rng(1)
    raw = pd.DataFrame({
        "customer_id": rng.integers(1, 60, n).astype(str),
        "order_id": (np.arange(n) + 1000).astype(str),
        "order_date": pd.date_range("2023-01-01", periods=n, freq="17h")
        + pd.Timedelta(123456789, "ns"),
        "quantity": rng.integers(1, 5, n), "unit_price": rng.uniform(1, 20, n).round(2),
        "source_row": np.arange(n)})
    a = clean_transactions(raw, non_product_codes=[])
    b = clean_transactions(raw, engine="duckdb", non_product_codes=[])
    assert b.summary() == a.summary()
    assert b.summary()["first_date"].nanosecond == 789
    assert window.cleaning_edges(b) == window.cleaning_edges(a)


def test_a_failed_or_half_read_fetch_leaves_the_lines_usable(tmp_path):
    staged = load_transactions("cdnow_sample", engine="duckdb")
    result = clean_transactions(staged, engine="duckdb")
    lines = result.transactions
    try:
        lines.to_parquet(tmp_path / "no" / "such" / "folder.parquet")
    except OSError as error:
        kept = error  # a notebook keeps the last traceback, and with it the reader
    assert kept.__traceback__ is not None
    half = lines.batches(rows=1_000)
    assert len(next(half)) == 1_000
    assert len(lines.head(3)) == 3 and result.summary()["kept_rows"] == len(lines)
    assert lines.nunique("customer_id") > 0
    assert len(clean_transactions(staged, engine="duckdb").transactions) == len(lines)


def test_a_log_staged_for_a_cleaning_that_stops_goes_with_it(tmp_path, monkeypatch):
    """Cleaning a frame with the DuckDB engine stages it in a folder of its own; when the
    cleaning stops (nothing left), the folder goes at once, not with the traceback."""
    import gc
    import tempfile

    from custlib.errors import EmptyResultError

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    raw = load_transactions("demo").head(500)
    with pytest.raises(EmptyResultError) as error:
        clean_transactions(raw, engine="duckdb", observation_start="2030-01-01")
    gc.collect()
    assert error.value.__traceback__ is not None
    assert not list(tmp_path.glob("custlib-duckdb-*"))


def test_a_closed_result_still_shows_what_it_was():
    staged = load_transactions("cdnow_sample", engine="duckdb")
    result = clean_transactions(staged, engine="duckdb")
    staged.close()
    assert "its database closed" in repr(result.transactions)
    assert "its database closed" in result.transactions._repr_html_()
    assert "CleaningResult(" in repr(result)
