"""The DuckDB engine reads a CSV file with DuckDB's own reader, or not at all.

:meth:`StagedLog.from_csv` stages a plain UTF-8 CSV file with DuckDB's reader (twice as
fast as pandas pages at 10M lines). Each test stages one file both ways, DuckDB's reader
and the pandas pages, and asserts the same staged lines (every value, missing where pandas
has it missing, ``source_row`` and the order), dtypes and attrs; files that DuckDB would
read otherwise than pandas must come back from the pandas pages (the same lines) or stop
with pandas' own error.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("duckdb", reason="pip install duckdb (custlib[fast]) for the DuckDB engine")

from custlib.data.engines import staging  # noqa: E402
from custlib.data.files import BATCH_ROWS  # noqa: E402
from custlib.data.loading import load_transactions  # noqa: E402
from custlib.errors import SourceError  # noqa: E402

HEADER = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID\n"


def _line(i: int) -> str:
    return (f"{500000 + i // 3},{20000 + i % 97},ITEM {i % 11},{1 + i % 5},"
            f"2011-01-{1 + i % 28:02d} 10:00,{(i % 50) / 4:.2f},{12000 + i % 400}\n")


def _write(path, body: str, *, header: str = HEADER, bom: bool = True, encoding: str = "utf-8"):
    path.write_bytes(("\ufeff" if bom else "").encode(encoding) + (header + body).encode(encoding))
    return path


def _lines(log) -> pd.DataFrame:
    cols = ", ".join(f'"{c}"' for c in log.columns)
    return log.con.sql(f"SELECT {cols} FROM raw ORDER BY _ord").to_arrow_table().to_pandas()


def _by_duckdb(log) -> bool:
    return bool(log.con.execute("SELECT count(*) FROM information_schema.tables "
                                "WHERE table_name = 'raw_text'").fetchall()[0][0])


def _both(path, monkeypatch, **kwargs):
    """The file staged as the engine stages it, and staged from the pandas pages."""
    fast = load_transactions(str(path), engine="duckdb", **kwargs)
    with monkeypatch.context() as m:
        m.setattr(staging.StagedLog, "from_csv", classmethod(lambda cls, *a, **k: None))
        slow = load_transactions(str(path), engine="duckdb", **kwargs)
    assert not _by_duckdb(slow)
    return fast, slow


def _assert_same(fast, slow) -> None:
    pd.testing.assert_frame_equal(_lines(fast), _lines(slow), check_exact=True)
    assert fast.dtypes == slow.dtypes and fast.columns == slow.columns
    assert fast.attrs == slow.attrs and len(fast) == len(slow)


@pytest.mark.parametrize("crlf", [False, True])
def test_a_tricky_csv_is_read_by_duckdb_as_pandas_reads_it(tmp_path, monkeypatch, crlf):
    """A byte-order mark, LF or CRLF endings, blank lines (skipped by both), a quoted field
    over two lines, doubled quotes, text that is only spaces, quoted and unquoted empty
    fields (missing), 'NA' (text: the loader keeps it), Chinese text and a header whose
    names have spaces around them: DuckDB's reader stages every value as the pandas pages
    do, with the same source_row."""
    body = ("1,A, x ,1,2011-01-01 10:00,1.50,7\n"
            "\n"
            '2,B,"two\nlines",2,2011-01-02 10:00,"",8\n'
            '3,C,"say""hi""",NA,2011-01-03 10:00,2.00,   \n'
            "4,D,中文 商品,,2011-01-04 10:00,3.25,9\n"
            "\n"
            "5,E,,1,2011-01-05 10:00,4,10\n")
    header = " Invoice ,StockCode,Description,Quantity,InvoiceDate,Price, Customer ID \n"
    if crlf:
        body, header = body.replace("\n", "\r\n"), header.replace("\n", "\r\n")
    fast, slow = _both(_write(tmp_path / "t.csv", body, header=header), monkeypatch)
    assert _by_duckdb(fast)
    _assert_same(fast, slow)
    lines = _lines(fast)
    assert list(lines["source_row"]) == [0, 1, 2, 3, 4]
    assert lines["description"].tolist()[:3] == [" x ", "two\r\nlines" if crlf else "two\nlines",
                                                 'say"hi"']
    assert lines["quantity"].tolist()[2] == "NA" and pd.isna(lines["unit_price"][1])
    assert lines["customer_id"].tolist()[2] == "   " and pd.isna(lines["quantity"][3])


def test_a_semicolon_file_of_several_pages_is_staged_in_file_order(tmp_path, monkeypatch):
    body = "".join(_line(i).replace(",", ";") for i in range(BATCH_ROWS + 2_345))
    path = _write(tmp_path / "t.csv", body, header=HEADER.replace(",", ";"), bom=False)
    fast, slow = _both(path, monkeypatch)
    assert _by_duckdb(fast) and len(fast) == BATCH_ROWS + 2_345
    _assert_same(fast, slow)


@pytest.mark.parametrize("odd, duckdb_reads, why", [
    ("1,A,x,1,2011-01-01 10:00,1.5\n", False, "a line with fewer fields"),
    ("8,A,x,1,2011-01-01 10:00,1.5,7\r\n", False, "a line ending unlike the others"),
    ('8,A,x"y,1,2011-01-01 10:00,1.5,7\n', True, "a quote inside a field: text"),
    ("#1,A,x,1,2011-01-01 10:00,1.5,7\n", True, "a line that looks like a comment: a line"),
    ("   \n", False, "a line of spaces: pandas skips it, DuckDB would pad it"),
    # found by review: DuckDB drops spaces outside quotes and extra empty fields
    ('9,A,x,1,2011-01-05 10:00, "250.00",12001\n', False, "a space before a quote"),
    ('9,A,x,1,2011-01-05 10:00,3.00, ""\n', False, "a space before a quoted empty field"),
    ('9,A,"x" ,1,2011-01-05 10:00,3.00,7\n', False, "a space after a closing quote"),
    ("9,A,x,1,2011-01-05 10:00,3.00,7,\n", False, "an extra empty field: pandas stops"),
])
def test_a_line_past_the_first_page_is_staged_as_pandas_reads_it(
        tmp_path, monkeypatch, odd, duckdb_reads, why):
    """The odd line comes after the first page, which alone is compared with pandas:
    DuckDB's reader either reads it as pandas does or stops on it (and the pandas pages
    are staged); it never reads it its own way."""
    body = "".join(_line(i) for i in range(BATCH_ROWS + 10)) + odd + _line(7)
    path = _write(tmp_path / "t.csv", body)
    try:
        fast, slow = _both(path, monkeypatch)
    except SourceError as exc:  # pandas stops: so must the engine, with pandas' message
        assert "Expected 7 fields" in str(exc), why
        assert odd.count(",") > 6
        return
    assert _by_duckdb(fast) == duckdb_reads, why
    _assert_same(fast, slow)
    assert len(fast) == BATCH_ROWS + 11 + (odd.strip() != "")


def test_a_line_with_more_fields_stops_with_the_pandas_readers_message(tmp_path):
    body = "".join(_line(i) for i in range(BATCH_ROWS + 10)) + "1,A,x,1,2011-01-01,1.5,7,9\n"
    with pytest.raises(SourceError, match=r"cannot read .*t\.csv as csv: .*Expected 7 fields"):
        load_transactions(str(_write(tmp_path / "t.csv", body)), engine="duckdb")


def test_text_that_is_not_utf8_past_the_first_page_stops_as_with_pandas(tmp_path):
    path = tmp_path / "t.csv"
    body = "".join(_line(i) for i in range(BATCH_ROWS + 10))
    path.write_bytes((HEADER + body).encode() + "9,Z,caf\xe9,1,2011-01-01,1,7\n".encode("latin-1"))
    with pytest.raises(SourceError, match="not valid utf-8 text.*encoding: latin-1"):
        load_transactions(str(path), engine="duckdb")


def test_a_latin1_file_is_read_from_the_pandas_pages(tmp_path, monkeypatch):
    path = _write(tmp_path / "t.csv", "1,A,café,1,2011-01-01 10:00,1.5,7\n", bom=False,
                  encoding="latin-1")
    fast, slow = _both(path, monkeypatch, encoding="latin-1")
    assert not _by_duckdb(fast)
    _assert_same(fast, slow)
    assert _lines(fast)["description"][0] == "café"


def test_the_demo_cleans_the_same_from_duckdbs_reader(monkeypatch):
    """The whole cleaning (log, tables) of the demo file staged by DuckDB's reader is the
    cleaning of its pandas pages."""
    from custlib.data.cleaning import clean_transactions

    fast, slow = _both("demo", monkeypatch)
    assert _by_duckdb(fast)
    a, b = clean_transactions(fast, engine="duckdb"), clean_transactions(slow, engine="duckdb")
    pd.testing.assert_frame_equal(a.log.drop(columns="note"), b.log.drop(columns="note"))
    for name in ("transactions", "anonymous", "removed", "adjustments"):
        pd.testing.assert_frame_equal(_frame(getattr(a, name)), _frame(getattr(b, name)),
                                      check_exact=True)


def _frame(lines) -> pd.DataFrame:
    """Lines as a pandas frame (the DuckDB engine keeps its clean lines in its database)."""
    return lines if isinstance(lines, pd.DataFrame) else lines.to_pandas()


# --- the profile's typed lines handed to the cleaning ----------------------------------------

def _clean_both_ways(raw_frame: pd.DataFrame, monkeypatch, **params):
    """Clean a staged log after its profile and a fresh one without; count the typings."""
    from custlib.data import profiling
    from custlib.data.cleaning import clean_transactions
    from custlib.data.engines import typed

    calls: list[bool] = []
    real = typed._type

    def counted(*args, **kwargs):
        calls.append(args[-1] if len(args) > 4 else kwargs["drop_invalid"])
        return real(*args, **kwargs)

    monkeypatch.setattr(typed, "_type", counted)
    monkeypatch.setattr("custlib.data.engines.duckdb._type", counted)
    profiled = staging.StagedLog(raw_frame)
    before = (profiling.overview(profiled), profiling.revenue_by_month(profiled),
              profiling.lines_dated_outside(profiled, pd.Timestamp("2023-01-01"),
                                            pd.Timestamp("2024-01-01")))
    a = clean_transactions(profiled, engine="duckdb", **params)
    after = (profiling.overview(profiled), profiling.revenue_by_month(profiled),
             profiling.lines_dated_outside(profiled, pd.Timestamp("2023-01-01"),
                                           pd.Timestamp("2024-01-01")))
    typings = list(calls)
    b = clean_transactions(staging.StagedLog(raw_frame), engine="duckdb", **params)
    pd.testing.assert_frame_equal(a.log.drop(columns="note"), b.log.drop(columns="note"))
    assert [n("en") for n in a.log["note"]] == [n("en") for n in b.log["note"]]
    for name in ("transactions", "anonymous", "removed", "adjustments"):
        pd.testing.assert_frame_equal(_frame(getattr(a, name)), _frame(getattr(b, name)),
                                      check_exact=True)
    assert a.settings == b.settings
    pd.testing.assert_series_equal(before[0], after[0])
    pd.testing.assert_series_equal(before[1], after[1])
    assert before[2] == after[2]
    return typings, before


def test_the_cleaning_takes_the_profiles_typed_lines(monkeypatch):
    """Notebook 01 profiles the staged log, then cleans it: the lines are typed once, the
    cleaning is the cleaning of a log never profiled, and the profile's numbers stay."""
    demo = load_transactions("demo")
    typings, before = _clean_both_ways(demo, monkeypatch)
    assert typings == [False]  # the profile's, strict as the cleaning's; none by the cleaning
    from custlib.data import profiling

    assert before[0]["rows"] == len(demo)
    pd.testing.assert_series_equal(before[0], profiling.overview(demo))
    assert before[2] == profiling.lines_dated_outside(
        demo, pd.Timestamp("2023-01-01"), pd.Timestamp("2024-01-01")) > 0


@pytest.mark.parametrize("params, invalid, expected", [
    # strict typing stops on the invalid prices: the profile types leniently, as this
    # cleaning does, which takes the table
    ({"drop_invalid": True}, True, [False, True]),
    # the profile typed strictly, the cleaning types leniently: its own typing
    ({"drop_invalid": True}, False, [False, True]),
    ({"dayfirst": True}, False, [False, False]),  # other options: its own typing
])
def test_a_profile_typed_otherwise_is_not_taken(monkeypatch, params, invalid, expected):
    demo = load_transactions("demo")
    if invalid:
        demo.loc[[3, 50], "unit_price"] = ["abc", "1,2,3"]
    typings, _ = _clean_both_ways(demo, monkeypatch, **params)
    assert typings == expected


def test_a_profile_of_a_log_with_invalid_values_is_lenient_and_cleaning_still_stops(monkeypatch):
    from custlib.data import profiling
    from custlib.data.cleaning import clean_transactions
    from custlib.errors import DataError

    demo = load_transactions("demo")
    demo.loc[[3, 50], "unit_price"] = ["abc", "1,2,3"]
    staged = staging.StagedLog(demo)
    assert profiling.overview(staged)["rows"] == len(demo)
    with pytest.raises(DataError, match="unit_price"):
        clean_transactions(staged, engine="duckdb")


@pytest.mark.parametrize("name", ["orders[12].csv", "orders?.csv", "orders*.csv"])
def test_a_file_name_that_is_a_glob_is_read_alone(tmp_path, monkeypatch, name):
    """DuckDB reads every file a glob matches: a file named like one is staged from pandas
    pages (found by review: orders[12].csv read orders1.csv instead)."""
    body = "".join(_line(i) for i in range(12))
    _write(tmp_path / "orders1.csv", "".join(_line(i) for i in range(15)))
    fast, slow = _both(_write(tmp_path / name, body), monkeypatch)
    assert not _by_duckdb(fast)
    _assert_same(fast, slow)
    assert len(fast) == 12


def test_a_whole_file_in_the_first_page_must_be_all_duckdb_reads(tmp_path, monkeypatch):
    """Where the first page is the whole file, DuckDB's reading must have no more lines."""
    from custlib.data import loading

    body = "".join(_line(i) for i in range(12))
    path = _write(tmp_path / "t.csv", body)
    real = staging.StagedLog.from_csv.__func__

    def more(cls, file, head, **kw):  # a reader that found lines pandas did not
        log = real(cls, file, head, **kw)
        log._rows += 1
        return log

    monkeypatch.setattr(staging.StagedLog, "from_csv", classmethod(more))
    staged = loading.load_transactions(str(path), engine="duckdb")
    assert not _by_duckdb(staged) and len(staged) == 12


def _apart(data: bytes, separator: str) -> bool:
    """The rule of ``_quotes_apart`` over the whole text at once."""
    blanks = " " if separator == "\t" else " \t"
    return any(f"{b}\"".encode() in data or f"\"{b}".encode() in data for b in blanks)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=40).map(lambda b: bytes(b'a "\t,\n'[x % 6] for x in b)),
       block=st.integers(1, 9), separator=st.sampled_from([",", "\t"]))
def test_quotes_next_to_blanks_are_found_across_the_blocks_read(tmp_path_factory, data, block,
                                                                separator):
    # the file is read a block at a time, not mapped (a mapped 7.3 GiB log counted 7.9 GiB
    # resident): a quote and a blank on either side of a block's edge must still be found
    path = tmp_path_factory.mktemp("scan") / "log.csv"
    path.write_bytes(data)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(staging, "_SCAN_BLOCK", block)
        assert staging._quotes_apart(str(path), separator) is _apart(data, separator)


@pytest.mark.parametrize(("text", "expected"), [
    ('"a","b"\n"1","2"\n', False), ('a,b\n1, "2"\n', True), ('a,b\n"1" ,2\n', True),
    ('a,b\n"x\t",2\n', True), ("a,b\n1,2\n", False), ("", False)])
def test_quotes_apart_at_a_block_edge(tmp_path, monkeypatch, text, expected):
    path = tmp_path / "log.csv"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(staging, "_SCAN_BLOCK", 11)  # '1, "2"' straddles bytes 11-12
    assert staging._quotes_apart(str(path), ",") is expected
