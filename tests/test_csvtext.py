"""CSV files for people: the fast writer gives the bytes pandas' to_csv gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custlib.run import csvtext

pytest.importorskip("duckdb", reason="pip install duckdb (custlib[fast]): without it "
                    "pandas writes every CSV")


def _both(df: pd.DataFrame, tmp_path, index: bool) -> tuple[bytes, bytes]:
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    csvtext.write_csv(df, fast, index=index)
    df.to_csv(slow, encoding="utf-8-sig", index=index)
    return fast.read_bytes(), slow.read_bytes()


@pytest.fixture
def every_size(monkeypatch):
    """The fast path for tables of any size, small slices and batches (their seams)."""
    monkeypatch.setattr(csvtext, "FAST_ROWS", 0)
    monkeypatch.setattr(csvtext, "SLICE_ROWS", 7)
    monkeypatch.setattr(csvtext, "_BATCH_ROWS", 3)


def test_the_installed_duckdb_formats_numbers_as_pandas_does():
    """The probe passes here, so the comparisons below exercise the fast path."""
    assert csvtext._duckdb_formats_like_pandas()


texts = st.one_of(st.none(), st.text(alphabet=st.sampled_from(
    list("ab ,\"'\r\n\t;|é客户\u3000") + ["\x00"[:0] or "z"]), max_size=6))
floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                   st.sampled_from([0.0, -0.0, 1e-5, 1e16, 5e-324, 0.1, 2.0, 1e22]))
days = st.datetimes(min_value=pd.Timestamp("1900-01-01").to_pydatetime(),
                    max_value=pd.Timestamp("2200-01-01").to_pydatetime())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(texts, floats, st.integers(-2**63, 2**63 - 1), st.booleans(),
                          st.one_of(st.none(), st.integers(-5, 5)), st.one_of(st.none(), days),
                          st.booleans()), min_size=1, max_size=25),
       st.booleans(), st.booleans())
def test_the_fast_writer_gives_pandas_bytes(tmp_path_factory, rows, index, midnight):
    tmp = tmp_path_factory.mktemp("csv")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(csvtext, "FAST_ROWS", 0)
        mp.setattr(csvtext, "SLICE_ROWS", 7)
        mp.setattr(csvtext, "_BATCH_ROWS", 3)
        text, f, i, b, nullable, when, _ = zip(*rows, strict=True)
        when = pd.to_datetime(list(when))
        df = pd.DataFrame({
            "text": pd.array(text, dtype="str"),
            "object text": pd.Series(text, dtype=object),
            "category": pd.Categorical(text),
            "x, \"y\"": np.array(f, dtype="float64"),
            "n": np.array(i, dtype="int64"),
            "flag": np.array(b, dtype=bool),
            "maybe": pd.array(nullable, dtype="Int64"),
            "day": when.normalize() if midnight else when,
            "客户": pd.array([None if v is None else v > 0 for v in nullable], dtype="boolean")})
        df.index = pd.Index([f"c{k},{k}" for k in range(len(df))], name="customer_id")
        kinds = [csvtext._kind(c) for c in csvtext._columns(df, index)]
        assert None not in kinds, dict(zip(["index"] * index + list(df), kinds))
        fast, slow = _both(df, tmp, index)
    assert fast.decode().split("\n") == slow.decode().split("\n")


def test_a_big_table_is_the_same_bytes_in_slices_and_with_defaults(tmp_path):
    """Above FAST_ROWS with the real slices; the rows stay in their order."""
    rng = np.random.default_rng(0)
    n = csvtext.FAST_ROWS * 3 + 11
    df = pd.DataFrame({"customer_id": pd.array([f"id{k:06d}" for k in rng.permutation(n)],
                                               dtype="str"),
                       "clv": rng.lognormal(3, 2, n) * rng.choice([1, -1, np.nan], n),
                       "orders": rng.integers(0, 50, n),
                       "when": pd.Timestamp("2011-01-01")
                       + pd.to_timedelta(rng.integers(0, 10**9, n), unit="s"),
                       "paid": pd.Timestamp("2011-01-01", tz="Europe/London")
                       + pd.to_timedelta(rng.integers(0, 10**6, n), unit="ms")})
    df.loc[::97, "customer_id"] = "a, \"quoted\"\nname"
    assert csvtext._fast_plan(df, False) is not None
    fast, slow = _both(df, tmp_path, False)
    assert fast == slow
    fast, slow = _both(df.set_index("customer_id"), tmp_path, True)
    assert fast == slow


@pytest.mark.parametrize("column", [
    pd.Series([1, "a", None] * 3, dtype=object),             # mixed objects
    pd.Series(np.arange(9, dtype="float32") / 3),             # float32
    pd.Series(pd.to_timedelta(np.arange(9), unit="h")),      # time spans
    pd.Series(pd.Categorical([1, 2, 3] * 3)),                # categories that are numbers
])
def test_other_columns_are_written_by_pandas(every_size, tmp_path, column):
    df = pd.DataFrame({"id": [f"c{k}" for k in range(9)], "value": column})
    assert csvtext._fast_plan(df, False) is None
    fast, slow = _both(df, tmp_path, False)
    assert fast == slow


def test_one_column_and_a_multi_index_are_written_by_pandas(every_size, tmp_path):
    one = pd.DataFrame({"id": ["", "a", ""]})
    assert csvtext._fast_plan(one, False) is None
    assert _both(one, tmp_path, False)[0] == _both(one, tmp_path, False)[1]
    multi = pd.DataFrame({"x": [1.5, 2.5]},
                         index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)], names=["k", "n"]))
    assert csvtext._fast_plan(multi, True) is None
    fast, slow = _both(multi, tmp_path, True)
    assert fast == slow


def test_without_a_duckdb_that_formats_alike_pandas_writes(every_size, tmp_path, monkeypatch):
    monkeypatch.setattr(csvtext, "_duckdb_formats_like_pandas", lambda: False)
    df = pd.DataFrame({"id": ["a", "b"], "x": [0.1, 1e16]})
    assert csvtext._fast_plan(df, False) is None
    fast, slow = _both(df, tmp_path, False)
    assert fast == slow


def test_a_table_duckdb_fails_on_is_written_again_by_pandas(every_size, tmp_path,
                                                            monkeypatch):
    import duckdb

    real, calls = csvtext._write_lines, []

    def fail_on_the_second_slice(con, fh, part, kinds):
        calls.append(len(part[0]))
        if len(calls) == 2:
            raise duckdb.ConversionException("a value DuckDB cannot take")
        real(con, fh, part, kinds)

    monkeypatch.setattr(csvtext, "_write_lines", fail_on_the_second_slice)
    df = pd.DataFrame({"id": [f"c{k}" for k in range(20)], "x": np.arange(20) / 7})
    fast, slow = _both(df, tmp_path, False)
    assert len(calls) == 2 and fast == slow


def test_run_tables_go_through_the_fast_writer(every_size, tmp_path, monkeypatch):
    """save_table and save_csv write their CSV copies with it."""
    from custlib.run import artefacts
    from custlib.run.config import run_folder

    calls = []
    real = csvtext.write_csv
    monkeypatch.setattr(artefacts, "write_csv",
                        lambda df, *a, **k: calls.append(df.shape) or real(df, *a, **k))
    run = run_folder("t", tmp_path)
    df = pd.DataFrame({"id": ["a", "b,c"], "x": [0.1, np.nan]}).set_index("id")
    path = artefacts.save_csv(df, run, "t")
    artefacts.save_table(df.reset_index(), run, "u", csv=True)
    assert calls == [(2, 1), (2, 2)]
    assert path.read_bytes() == "\ufeffid,x\na,0.1\n\"b,c\",\n".encode()
    assert (run.root / "data" / "u.csv").read_bytes() == path.read_bytes()
