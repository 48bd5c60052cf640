"""The engines give the same answers: pandas and DuckDB, line for line.

Each comparison cleans one raw log with both engines and asserts the same cleaning log
(every rule's rows, the same revenue to a millionth, the same sentence), the same clean,
anonymous, removed and adjustment tables (values and dtypes) and the same settings. The
demo, CDNOW, unparsable values and random logs (Hypothesis) run in ``make test``; every
switch, every shape of the variety corpus and the demo kit with ``engine: duckdb`` in
``make test-full``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="pip install -e '.[dev]' for hypothesis")
pytest.importorskip("duckdb", reason="pip install duckdb (custlib[fast]) for the DuckDB engine")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from custlib.data.cleaning import clean_transactions  # noqa: E402
from custlib.data.demo.corpus import SHAPES, make_shape  # noqa: E402
from custlib.data.engines import ENGINES, check_engine  # noqa: E402
from custlib.data.engines.duckdb import clean_transactions_duckdb  # noqa: E402
from custlib.data.loading import load_transactions, read_options  # noqa: E402
from custlib.errors import CustlibError, ParameterError  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:.*exact duplicates of an earlier line",
                                        "ignore:the log's usual volume ends")


def frame(lines) -> pd.DataFrame:
    """Lines as a pandas frame: the DuckDB engine's (kept in its database) or a frame."""
    return lines if isinstance(lines, pd.DataFrame) else lines.to_pandas()


def same_result(raw: pd.DataFrame, **params) -> None:
    """Clean with both engines; assert the same books, tables and settings."""
    a = clean_transactions(raw, **params)
    b = clean_transactions_duckdb(raw, **params)
    log_a, log_b = a.log.drop(columns="note"), b.log.drop(columns="note")
    pd.testing.assert_frame_equal(log_a.drop(columns="revenue"), log_b.drop(columns="revenue"))
    np.testing.assert_allclose(log_a["revenue"], log_b["revenue"], rtol=1e-9, atol=1e-6)
    assert [n("zh") for n in a.log["note"]] == [n("zh") for n in b.log["note"]]
    for name in ("transactions", "anonymous", "removed", "adjustments"):
        pd.testing.assert_frame_equal(getattr(a, name), frame(getattr(b, name)),
                                      check_exact=False, rtol=1e-12, obj=name)
    assert a.summary() == b.summary()
    assert a.settings == b.settings
    assert (a.raw_rows, round(a.raw_revenue, 6)) == (b.raw_rows, round(b.raw_revenue, 6))


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return load_transactions("demo")


def test_the_engines_and_their_check():
    assert ENGINES == ("pandas", "duckdb") and check_engine("duckdb") == "duckdb"
    with pytest.raises(ParameterError, match="parameter 'engine' is 'spark'; expected one of"):
        check_engine("spark")


def test_demo_the_same_in_both_engines(demo):
    same_result(demo)


def test_cdnow_the_same_in_both_engines():
    same_result(load_transactions("cdnow_sample"))


@pytest.mark.fullrun
@pytest.mark.parametrize("params", [
    {"observation_end": "auto"},
    {"rules": {"cancellations": False}},
    {"unmatched_cancellations": "keep", "extreme_method": "quantile", "extreme_factor": 0.99},
], ids=["auto-end", "no-netting", "keep-unmatched-quantile"])
def test_switches_the_same_in_both_engines(demo, params):
    same_result(demo, **params)


@pytest.mark.fullrun
@pytest.mark.parametrize("params", [
    {"observation_start": "2023-01-01", "observation_end": "2024-06-30"},
    {"rules": {"duplicates": False}}, {"rules": {"missing_customer": False}},
    {"rules": {"extremes": False}}, {"non_product_codes": []},
    {"rules": {"window": False, "impossible_dates": False, "non_product": False,
               "invalid_prices": False}},
    {"min_date": "2023-01-01", "max_date": "2024-06-01"},
])
def test_every_switch_the_same_in_both_engines(demo, params):
    same_result(demo, **params)


def test_unparsable_values_dropped_or_stopped_alike(demo):
    raw = demo.copy()
    raw.loc[[3, 50, 51], "order_date"] = "not a date"
    raw.loc[[7], "quantity"] = "x"
    raw.loc[[9], "order_date"] = ""
    same_result(raw, drop_invalid=True)
    messages = []
    for clean in (clean_transactions, clean_transactions_duckdb):
        with pytest.raises(CustlibError) as info:
            clean(raw)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "3 of 19351 value(s) are not dates (row 3: 'not a date'" in messages[0]


def test_two_currencies_stop_alike():
    shape = make_shape("two_currencies")
    raw = load_transactions(_write(shape), shape.params.get("columns") or {})
    messages = []
    for clean in (clean_transactions, clean_transactions_duckdb):
        with pytest.raises(CustlibError) as info:
            clean(raw)
        messages.append(str(info.value))
    assert messages[0] == messages[1] and "GBP: 924 lines, EUR: 426 lines" in messages[0]


def test_batches_are_one_log(demo):
    """A log staged in batches (as read from a big file) is the log in one piece."""
    one = clean_transactions_duckdb(demo)
    parts = clean_transactions_duckdb(demo.iloc[i:i + 5000] for i in range(0, len(demo), 5000))
    pd.testing.assert_frame_equal(frame(one.transactions), frame(parts.transactions))
    pd.testing.assert_frame_equal(one.log.drop(columns="note"), parts.log.drop(columns="note"))


@pytest.mark.parametrize("batch_lines", [1, 700])
def test_netting_in_many_batches_is_netting_in_one(demo, monkeypatch, batch_lines):
    """Netting brings the customers with a negative line to pandas a batch at a time (2M
    lines each): with batches of one customer, or of 700 lines, the books are the pandas
    engine's (the batches' changes written to the table together at the end)."""
    from custlib.data.engines import sqlrules

    monkeypatch.setattr(sqlrules, "NETTING_BATCH_LINES", batch_lines)
    calls = []
    real = sqlrules.netted

    def counted(df, prefix):
        calls.append(len(df))
        return real(df, prefix)

    monkeypatch.setattr(sqlrules, "netted", counted)
    scans = []
    frame = sqlrules._Books.frame
    monkeypatch.setattr(sqlrules._Books, "frame", lambda self, where, *args, **kwargs: (
        scans.append(where), frame(self, where, *args, **kwargs))[1])
    same_result(demo)
    assert len(calls) > 100 if batch_lines == 1 else 5 < len(calls) < 20
    assert sum(calls) > 4_000  # every line of the customers with a negative line
    # the batches come from one scan of the lines, spilled to files, not a scan each
    assert not [w for w in scans if "netted_customers" in w]


def _write(shape, tmp_path=None) -> str:
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="custlib-engines-"))
    path = folder / "transactions.csv"
    shape.transactions.to_csv(path, index=False)
    return str(path)


_CLEAN = ("rules", "observation_start", "observation_end", "non_product_codes",
          "cancel_prefix", "unmatched_cancellations", "extreme_factor", "date_format",
          "dayfirst", "drop_invalid", "decimal", "thousands", "timezone")


@pytest.mark.fullrun
@pytest.mark.parametrize("name", [n for n in SHAPES if n != "two_currencies"])
def test_every_corpus_shape_the_same_in_both_engines(name):
    shape = make_shape(name)
    params = shape.params
    read = read_options(**{k: params[k] for k in ("separator", "encoding", "decimal",
                                                 "thousands", "dayfirst", "timezone")
                           if k in params})
    raw = load_transactions(_write(shape), params.get("columns") or {}, **read)
    clean = {k: params[k] or None if k in ("observation_start", "observation_end",
                                           "date_format", "dayfirst") else params[k]
             for k in _CLEAN if k in params}
    same_result(raw, **clean)


# --- random logs ----------------------------------------------------------------------------

ids = st.sampled_from(["1001", "1002", "1001.0", "00017", "C-9", "", " 1003 ", "N/A"])
products = st.sampled_from(["A1", "B2", "POST", "M", "", "A1 "])


@st.composite
def raw_logs(draw) -> pd.DataFrame:
    """Text logs with every rule's cases: anonymous and float-written ids, cancellations
    and returns, zero prices, fee codes, repeated lines, several lines a day."""
    n = draw(st.integers(min_value=1, max_value=60))
    day0 = pd.Timestamp("2022-01-01")
    rows = []
    for i in range(n):
        qty = draw(st.integers(min_value=-6, max_value=30))
        prefix = "C" if qty < 0 and draw(st.booleans()) else ""
        when = day0 + pd.Timedelta(days=draw(st.integers(0, 400)),
                                   hours=draw(st.integers(0, 23)))
        rows.append({"customer_id": draw(ids), "order_id": f"{prefix}{700 + i // 3}",
                     "order_date": f"{when:%Y-%m-%d %H:%M}", "quantity": str(qty),
                     "unit_price": draw(st.sampled_from(["0", "2.5", "10", "99.99", "4000"])),
                     "product_id": draw(products),
                     "country": draw(st.sampled_from(["UK", "France", ""]))})
    if draw(st.booleans()):
        rows += rows[: draw(st.integers(0, len(rows)))]
    raw = pd.DataFrame(rows).astype("str")
    raw["source_row"] = np.arange(len(raw), dtype="int64")
    return raw


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=raw_logs(), netting=st.booleans(), keep=st.booleans(),
       end=st.sampled_from([None, "auto", "2022-10-31"]))
def test_random_logs_the_same_in_both_engines(raw, netting, keep, end):
    params = {"rules": {"cancellations": netting}, "observation_end": end,
              "unmatched_cancellations": "keep" if keep else "drop"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = clean_transactions(raw, **params)
        except CustlibError as exc:  # the DuckDB engine stops with the same message
            with pytest.raises(type(exc)) as info:
                clean_transactions_duckdb(raw, **params)
            assert str(info.value) == str(exc)
            return
        del expected
        same_result(raw, **params)



@pytest.mark.fullrun
@pytest.mark.notebooks
def test_demo_kit_with_the_duckdb_engine_matches_the_golden_run(tmp_path):
    """`custlib run` of the demo with ``engine: duckdb``: every table of the five notebooks
    (cleaning log, customer tables, segments, fitted parameters, CLV, lifecycle) equals the
    stored fingerprint of the pandas run (tests/golden/demo.json)."""
    import subprocess
    import sys

    from tests import golden

    params = golden.demo_params(tmp_path)
    with params.open("a", encoding="utf-8") as f:
        f.write("engine: duckdb\n")
    proc = subprocess.run(
        [sys.executable, "-m", "custlib", "run", "--params", str(params), "--reports-dir",
         str(tmp_path / "reports"), "--no-html", "--quiet"],
        cwd=tmp_path, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    differ = golden.differences(golden.load("demo"), golden.fingerprint(tmp_path / "reports"
                                                                         / "demo"))
    assert not differ, "tables that differ from the pandas run:\n" + "\n".join(differ[:40])


@pytest.mark.parametrize("kind", ["csv-semicolon-latin1", "parquet"])
def test_files_read_in_pages_are_the_file(tmp_path, kind):
    """A CSV or Parquet file read a page at a time (the DuckDB engine's way) holds the
    values :func:`read_table` reads, in the same order, under the same header."""
    from custlib.data.files import iter_source_batches, read_table

    frame = pd.DataFrame({"Customer ID": ["00017", "", "1001.0", "Zoë"] * 5,
                          "Price": ["2,50", "3", "", "1.000,25"] * 5,
                          " Invoice ": [f"C{i}" for i in range(20)]})
    if kind == "parquet":
        path = tmp_path / "log.parquet"
        frame.assign(Price=np.arange(20) / 4).to_parquet(path)
        options: dict = {}
    else:
        path = tmp_path / "log.csv"
        frame.to_csv(path, sep=";", index=False, encoding="latin-1")
        options = {"separator": ";", "encoding": "latin-1"}
    whole = read_table(path, **options)
    pages = list(iter_source_batches(path, batch_rows=6, **options))
    assert [len(p) for p in pages] == [6, 6, 6, 2]
    together = pd.concat(pages, ignore_index=True)
    pd.testing.assert_frame_equal(together, whole)
    assert list(together.columns) == ["Customer ID", "Price", "Invoice"]
    assert pages[0].attrs["source"] == whole.attrs["source"]


def test_staged_log_profiles_as_the_frame(demo):
    """What notebook 01 shows of a staged log: its first lines, overview, missing values,
    revenue by month and currency are those of the frame."""
    from custlib.data import profiling
    from custlib.data.engines.duckdb import StagedLog

    staged = StagedLog(demo.iloc[i:i + 4000] for i in range(0, len(demo), 4000))
    try:
        assert len(staged) == len(demo) == 19_351
        pd.testing.assert_frame_equal(staged.head(3), demo.head(3))
        pd.testing.assert_series_equal(profiling.overview(staged), profiling.overview(demo))
        pd.testing.assert_frame_equal(profiling.missing_values(staged, "zh"),
                                      profiling.missing_values(demo, "zh"))
        pd.testing.assert_series_equal(profiling.revenue_by_month(staged),
                                       profiling.revenue_by_month(demo), rtol=1e-12)
        start, stop = pd.Timestamp("2022-01-01"), pd.Timestamp("2025-01-01")
        assert profiling.lines_dated_outside(staged, start, stop) == \
            profiling.lines_dated_outside(demo, start, stop) == 6
    finally:
        staged.close()


# --- what a review found: inputs where a shortcut would have differed ----------------------

def _log_frame(rows: list[tuple], **extra) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "quantity",
                                     "unit_price", "product_id"]).astype("str")
    df["source_row"] = np.arange(len(df), dtype="int64")
    return df.assign(**extra)


def test_majority_votes_count_lines_not_distinct_values():
    """With drop_invalid, day/month order and the decimal mark go by how many lines agree:
    20 lines of 13/01 (day first) outvote three distinct month-first values, 20 lines of
    '2,50' outvote ten distinct dot-decimal prices."""
    rows = [("1", f"o{i}", "13/01/2021", "1", "2,50", "A") for i in range(20)]
    rows += [("2", f"p{i}", "14/02/2021", "1", f"{i + 1}.25", "B") for i in range(7)]
    rows += [("3", f"q{i}", f"01/{14 + i}/2021", "1", f"{i + 10}.75", "C") for i in range(3)]
    same_result(_log_frame(rows), drop_invalid=True)


def test_a_date_column_with_two_separators_is_named_as_most_lines_write_it():
    rows = [("1", f"o{i}", f"{13 + i}-01-2021", "1", "2", "A") for i in range(5)]
    rows += [("2", "p1", "14/01/2021", "1", "2", "B"), ("2", "p2", "15/01/2021", "1", "2", "B")]
    same_result(_log_frame(rows))


def test_two_logs_put_together_repeat_source_row():
    """``source_row`` is a label (two logs concatenated repeat it); lines are told apart by
    their place, as the pandas engine does."""
    a = _log_frame([("a", "1", "2022-01-03", "2", "5", "X"), ("a", "C1", "2022-01-04", "-2",
                                                              "5", "X"),
                    ("a", "2", "2022-02-01", "1", "3", "Y")])
    b = _log_frame([("b", "7", "2022-01-05", "1", "4", "X"), ("b", "8", "2022-01-06", "3", "4",
                                                              "Z"),
                    ("b", "C8", "2022-01-07", "-1", "4", "Z")])
    same_result(pd.concat([a, b], ignore_index=True))


def test_netted_anonymous_lines_are_listed_in_file_order():
    rows = [("", "1", "2022-01-03", "2", "5", "X"), ("", "C1", "2022-01-04", "-2", "5", "X"),
            ("a", "2", "2022-01-05", "1", "3", "Y"), ("a", "C2", "2022-01-06", "-1", "3", "Y"),
            ("b", "3", "2022-01-07", "1", "9", "Z")]
    same_result(_log_frame(rows), rules={"missing_customer": False})


def test_a_page_of_floats_after_a_page_of_integers_widens_the_column():
    from custlib.data.engines.duckdb import StagedLog
    from custlib.errors import SourceError

    first = pd.DataFrame({"customer_id": ["1", "2"], "order_date": ["2022-01-01"] * 2,
                          "quantity": [1, 2], "unit_price": [2.0, 3.0]})
    second = first.assign(quantity=[1.5, 2.0])
    whole = pd.concat([first, second], ignore_index=True)
    staged = clean_transactions_duckdb([first, second])
    expected = clean_transactions(whole.assign(source_row=np.arange(4)))
    pd.testing.assert_frame_equal(frame(staged.transactions), expected.transactions)
    # the 4th repeats the 2nd
    assert frame(staged.transactions)["quantity"].tolist() == [1.0, 2.0, 1.5]
    with pytest.raises(SourceError, match="column 'quantity' changes type from one page"):
        StagedLog([first, first.assign(quantity=["x", "y"])])


def test_blank_text_is_missing_as_python_strips_it():
    from custlib.data import profiling
    from custlib.data.engines.duckdb import StagedLog

    frame = pd.DataFrame({"customer_id": ["1", "\t", " \u00a0\u3000 ", "2"],
                          "order_date": ["2022-01-01"] * 4, "quantity": ["1"] * 4,
                          "unit_price": ["2"] * 4})
    staged = StagedLog(frame)
    try:
        pd.testing.assert_frame_equal(profiling.missing_values(staged),
                                      profiling.missing_values(frame))
        assert profiling.missing_values(staged).iloc[0, 0] == 2
    finally:
        staged.close()


def test_a_staged_log_gives_back_duckdbs_cache_and_cleans_again_the_same(demo, monkeypatch):
    """After cleaning, DuckDB's cached pages are evicted (its limit lowered, then set back
    to the one given: at 10M lines 0.5 GiB less after notebook 01's cleaning); the staged
    log cleans again to the same tables."""
    from custlib.data.engines.duckdb import StagedLog

    staged = StagedLog(demo, memory_limit="300MB")
    try:
        def setting(name: str) -> str:
            return staged.con.execute(f"SELECT current_setting('{name}')").fetchall()[0][0]

        limit, limits = setting("memory_limit"), []
        release = staged.release_memory

        def spy() -> None:
            release()
            limits.append(setting("memory_limit"))

        monkeypatch.setattr(staged, "release_memory", spy)
        first = clean_transactions(staged, engine="duckdb")
        assert limits == [limit]  # released once, and the limit set back as given
        again = clean_transactions(staged, engine="duckdb")
        pd.testing.assert_frame_equal(frame(first.transactions), frame(again.transactions))
        pd.testing.assert_frame_equal(first.log_table(), again.log_table())
    finally:
        staged.close()


def test_a_staged_log_cleans_up_after_itself(tmp_path):
    import gc
    import os
    import subprocess
    import sys

    from custlib.data.engines.staging import StagedLog

    work = tmp_path / "it's here"  # a quote in the path
    work.mkdir()
    frame = _log_frame([("1", "A1", "2024-01-02", "2", "3.5", "P1")])
    log = StagedLog(frame, workdir=work)
    (folder,) = work.iterdir()
    assert folder.name.startswith(f"custlib-duckdb-{os.getpid()}-")
    assert (folder / "staged.duckdb").is_file() and len(log) == 1
    log.close()
    assert not folder.exists()
    StagedLog(frame, workdir=work)  # dropped without close: collected, removed
    gc.collect()
    assert list(work.iterdir()) == []
    # a folder left by a process that was killed goes; a live process's stays
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (work / f"custlib-duckdb-{dead}-x1" / "spill").mkdir(parents=True)
    (work / f"custlib-duckdb-{os.getppid()}-x2").mkdir()
    (work / "custlib-duckdb-notapid-x3").mkdir()
    log = StagedLog(frame, workdir=work)
    names = sorted(p.name for p in work.iterdir())
    assert f"custlib-duckdb-{dead}-x1" not in names
    assert f"custlib-duckdb-{os.getppid()}-x2" in names
    assert "custlib-duckdb-notapid-x3" in names
    log.close()
