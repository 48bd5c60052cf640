"""The table of bad inputs: every one either gives the right numbers or stops with a message.

Each row is a small log written the way real exports get it wrong, read and cleaned the
way notebook 01 does (``custlib.data.loading.load_transactions`` then
``custlib.data.cleaning.clean_transactions`` with the notebook's parameters). ``expect`` is the
exact outcome: the numbers the kit must compute, or the error class and the words its
message must contain (the column, the rows, the parameter that settles it). README.md
("What the kit does with bad input") lists the same cases; a test keeps the two in step.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO as io_bytes
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from custlib.data import cleaning
from custlib.data import loading as io
from custlib.errors import ColumnError, DataError, EmptyResultError, ParameterError, SourceError

ROOT = Path(__file__).resolve().parents[1]
HEADER = "Invoice,Customer ID,InvoiceDate,StockCode,Quantity,Price"


def _lines(n: int, row: Callable[[int], str], header: str = HEADER) -> str:
    return header + "\n" + "\n".join(row(i) for i in range(n)) + "\n"


@dataclass(frozen=True)
class Case:
    """One bad input: a file, the notebook-01 parameters used, and the exact outcome."""

    name: str
    what: str
    content: str | bytes
    expect: dict[str, Any] | tuple[type[Exception], tuple[str, ...]]
    params: dict[str, Any] = field(default_factory=dict)
    suffix: str = ".csv"


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io_bytes()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


_WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _day_first_spaced(i: int) -> str:
    day, month = i % 28 + 1, i % 12 + 1
    weekday = _WEEKDAYS[pd.Timestamp(2021, month, day).day_of_week]
    return f"{1000 + i},{100 + i % 7},{weekday} {day} {month} 2021,A,1,2.00"


def _day_first(i: int) -> str:
    day, month = i % 28 + 1, i % 12 + 1
    return f"{1000 + i},{100 + i % 7},{day:02d}/{month:02d}/2021 10:00,A,1,2.00"


CASES: list[Case] = [
    Case("decimal_comma_quoted", "prices like \"8,50\" in a comma-separated file",
         _lines(100, lambda i: f'{1000 + i},{100 + i % 10},2021-03-{i % 28 + 1:02d},A,2,"8,50"'),
         {"revenue": 1700.00, "rows": 100, "customers": 10}),
    Case("semicolon_decimal_comma", "a ;-separated file with decimal commas",
         _lines(50, lambda i: f"{1000 + i};{100 + i % 5};2021-03-01;A;3;1,25",
                HEADER.replace(",", ";")),
         {"revenue": 187.50, "rows": 50, "customers": 5}),
    Case("thousands_and_decimal_comma", "1.234,50 (European thousands and decimal marks)",
         _lines(4, lambda i: f'{1000 + i},{100 + i},2021-03-01,A,1,"1.234,50"'),
         {"revenue": 4938.00, "rows": 4, "customers": 4}),
    Case("ambiguous_decimal", "every price is 1,234: thousands or decimal?",
         _lines(10, lambda i: f'{1000 + i},{100 + i},2021-03-01,A,1,"1,234"'),
         (DataError, ("'unit_price'", "decimal"))),
    Case("decimal_given", "the same file with `decimal: ','`",
         _lines(10, lambda i: f'{1000 + i},{100 + i},2021-03-01,A,1,"1,234"'),
         {"revenue": 12.34, "rows": 10}, params={"decimal": ","}),
    Case("day_first_dates", "13/01/2021-style dates: one order for the whole column",
         _lines(60, _day_first), {"first_date": "2021-01-01", "last_date": "2021-12-24",
                                  "date_of_row_7": "2021-08-08"}),
    Case("undecidable_dates", "01/02/2021 and nothing above 12: which is the day?",
         _lines(12, lambda i: f"{1000 + i},{100 + i},01/{i % 12 + 1:02d}/2021,A,1,2"),
         (DataError, ("'order_date'", "dayfirst", "date_format"))),
    Case("dayfirst_given", "the same file with `dayfirst: true`",
         _lines(12, lambda i: f"{1000 + i},{100 + i},01/{i % 12 + 1:02d}/2021,A,1,2"),
         {"first_date": "2021-01-01", "last_date": "2021-12-01"}, params={"dayfirst": True}),
    Case("changing_offsets", "ISO dates whose UTC offset changes with daylight saving",
         _lines(4, lambda i: f"{1000 + i},{100 + i},"
                + ["2021-03-27T23:30:00+00:00", "2021-03-28T23:30:00+01:00",
                   "2021-10-30T23:30:00+01:00", "2021-10-31T23:30:00+00:00"][i] + ",A,1,2"),
         {"rows": 4, "last_date": "2021-10-31"}, params={"timezone": "Europe/London"}),
    Case("excel_serial_dates", "dates as Excel day numbers (44197 is 2021-01-01)",
         _lines(3, lambda i: f"{1000 + i},{100 + i},{44197 + i},A,1,2"),
         {"first_date": "2021-01-01", "last_date": "2021-01-03"}),
    Case("float_ids", "one customer written 10013 and 10013.0 (Excel exports)",
         _lines(40, lambda i: f"{1000 + i},{10013 + i % 4}{'.0' if i % 2 else ''},"
                f"2021-03-01,A,1,2"), {"customers": 4, "ids": ["10013", "10014", "10015",
                                                              "10016"]}),
    Case("leading_zero_ids", "text ids with leading zeros stay as written",
         _lines(3, lambda i: f"{1000 + i},00{7 + i},2021-03-01,A,1,2"),
         {"customers": 3, "ids": ["007", "008", "009"]}),
    Case("duplicate_columns", "two columns called Quantity",
         "Invoice,Customer ID,InvoiceDate,Quantity,Quantity,Price\n1,7,2021-03-01,1,2,3\n",
         (ColumnError, ("'Quantity'", "more than once"))),
    Case("latin1_file", "a Latin-1 file read as UTF-8",
         (HEADER + ",Description\n1,7,2021-03-01,A,1,2,Crème brûlée\n").encode("latin-1"),
         (SourceError, ("not valid utf-8", "encoding: latin-1"))),
    Case("latin1_given", "the same file with `encoding: latin-1`",
         (HEADER + ",Description\n1,7,2021-03-01,A,1,2,Crème brûlée\n").encode("latin-1"),
         {"rows": 1, "revenue": 2.0}, params={"encoding": "latin-1"}),
    Case("bom", "a UTF-8 byte-order mark before the first column name",
         ("\ufeff" + _lines(2, lambda i: f"{1000 + i},{100 + i},2021-03-01,A,1,2")).encode(),
         {"rows": 2, "revenue": 4.0}),
    Case("missing_price", "no price or amount column at all",
         "Invoice,Customer ID,InvoiceDate,Quantity\n1,7,2021-03-01,1\n",
         (ColumnError, ("'unit_price'", "'amount'", "columns:"))),
    Case("header_only", "a header and no rows", HEADER + "\n",
         (SourceError, ("no transactions rows",))),
    Case("text_in_price", "a price written as 'n/a'",
         _lines(3, lambda i: f"{1000 + i},{100 + i},2021-03-01,A,1,{'n/a' if i == 1 else 2}"),
         (DataError, ("'unit_price'", "'n/a'", "drop_invalid"))),
    Case("text_in_price_dropped", "the same with `drop_invalid: true`",
         _lines(3, lambda i: f"{1000 + i},{100 + i},2021-03-01,A,1,{'n/a' if i == 1 else 2}"),
         {"rows": 2, "removed": {"parse_types": 1}}, params={"drop_invalid": True}),
    Case("text_in_dates", "a date written as 'yesterday'",
         _lines(3, lambda i: f"{1000 + i},{100 + i},{'yesterday' if i else '2021-03-01'},A,1,2"),
         (DataError, ("'order_date'", "'yesterday'"))),
    Case("everything_outside_window", "an observation window after the last order",
         _lines(3, lambda i: f"{1000 + i},{100 + i},2021-03-01,A,1,2"),
         (EmptyResultError, ("'window'", "observation_start")),
         params={"observation_start": "2022-01-01"}),
    Case("zero_and_negative_prices", "free samples and write-offs",
         _lines(4, lambda i: f"{1000 + i},{100 + i},2021-03-01,A,1,{[2, 0, -5, 3][i]}"),
         {"rows": 2, "revenue": 5.0, "removed": {"invalid_prices": 2}}),
    Case("spaced_weekday_dates", "dates such as 'Wed 13 1 2021': a weekday, spaces for /",
         _lines(60, _day_first_spaced), {"first_date": "2021-01-01",
                                         "last_date": "2021-12-24",
                                         "date_of_row_7": "2021-08-08"}),
    Case("serials_among_dates", "Excel day numbers (44197) among ISO dates",
         _lines(3, lambda i: f"{1000 + i},{100 + i},{['2021-01-01', 44198, 44199][i]},A,1,2"),
         (DataError, ("'order_date'", "Excel serial", "row 1: '44198'", "`date_format:"))),
    Case("space_in_price", "a price written '12 50' (a space that groups no thousands)",
         _lines(3, lambda i: f"{1000 + i},{100 + i},2021-03-01,A,1,{['2', '12 50', '3'][i]}"),
         (DataError, ("'unit_price'", "'12 50'", "groups of three"))),
    Case("space_thousands", "prices such as '1 234,50 €'",
         _lines(2, lambda i: f'{1000 + i},{100 + i},2021-03-01,A,1,"1 234,5{i} €"'),
         {"revenue": 2469.01, "rows": 2}),
    Case("changing_offsets_no_timezone", "UTC offsets that change, and no `timezone`",
         _lines(2, lambda i: f"{1000 + i},{100 + i},"
                + ["2021-07-01T10:00+01:00", "2021-12-31T23:30+00:00"][i] + ",A,1,2"),
         {"rows": 2, "last_date": "2022-01-01",
          "log": "the first value's offset was used; set `timezone`"}),
    Case("day_first_offsets", "13/02/2021 10:00 +00:00-style dates with `timezone`",
         _lines(2, lambda i: f"{1000 + i},{100 + i},"
                + ["01/07/2021 10:00 +01:00", "31/12/2021 23:30 +00:00"][i] + ",A,1,2"),
         {"first_date": "2021-07-01", "last_date": "2021-12-31"},
         params={"timezone": "Europe/London"}),
    Case("two_digit_years", "dates such as 21/01/05: which field is the year?",
         _lines(2, lambda i: f"{1000 + i},{100 + i},21/01/0{5 + i},A,1,2"),
         (DataError, ("'order_date'", "two-digit year", "`date_format: '%d/%m/%y'`"))),
    Case("infinite_price", "a price of 1e400",
         _lines(2, lambda i: f"{1000 + i},{100 + i},2021-03-01,A,1,{['1e400', '2'][i]}"),
         (DataError, ("'unit_price'", "'1e400'", "drop_invalid"))),
    Case("placeholder_ids", "customers written '#N/A', 'N/A', '-' or '?'",
         _lines(6, lambda i: f"{1000 + i},{['101', '102', '#N/A', 'N/A', '-', '?'][i]},"
                "2021-03-01,A,1,2"),
         {"customers": 2, "ids": ["101", "102"], "set_aside_rows": 4}),
    Case("huge_float_ids", "ids stored as floats beyond 2**53 (1e20)",
         _parquet(pd.DataFrame({"Customer ID": [1e20, 2.0], "InvoiceDate": ["2021-03-01"] * 2,
                                "Quantity": [1, 1], "Price": [2.0, 2.0]})),
         (DataError, ("'customer_id'", "row 0: 1e+20", "Export the ids as text")),
         suffix=".parquet"),
    Case("tab_separator_named", "a tab-separated file with `separator: tab`",
         _lines(2, lambda i: f"{1000 + i}\t{100 + i}\t2021-03-01\tA,B\t1\t2",
                HEADER.replace(",", "\t")), {"rows": 2, "revenue": 4.0},
         params={"separator": "tab"}),
    Case("unknown_suffix", "a log saved as .dat", _lines(1, lambda i: "1,7,2021-03-01,A,1,2"),
         (SourceError, ("'.csv'", "give the file one of these suffixes")), suffix=".dat"),
    Case("bad_decimal_parameter", "`decimal: ';'`", _lines(1, lambda i: "1,7,2021-03-01,A,1,2"),
         (ParameterError, ("'decimal'", "','")), params={"decimal": ";"}),
    Case("unknown_timezone", "`timezone: Mars/Olympus`",
         _lines(1, lambda i: "1,7,2021-03-01,A,1,2"),
         (ParameterError, ("'timezone'", "Europe/London")), params={"timezone": "Mars/Olympus"}),
]

_READ = ("separator", "encoding", "decimal", "thousands", "dayfirst", "timezone")


def run_case(case: Case, tmp_path: Path) -> cleaning.CleaningResult:
    """Read and clean the case's file as notebook 01 does with these parameters."""
    path = tmp_path / f"{case.name}{case.suffix}"
    if isinstance(case.content, bytes):
        path.write_bytes(case.content)
    else:
        path.write_text(case.content, encoding="utf-8")
    p = case.params
    read = {k: p[k] for k in _READ if k in p}
    raw = io.load_transactions(path, {}, **read)
    return cleaning.clean_transactions(
        raw, observation_start=p.get("observation_start"), max_date="2030-01-01",
        drop_invalid=p.get("drop_invalid", False),
        **{k: p[k] for k in ("decimal", "thousands", "dayfirst", "timezone") if k in p})


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input(case, tmp_path):
    if isinstance(case.expect, tuple):
        error, words = case.expect
        with pytest.raises(error) as info:
            run_case(case, tmp_path)
        message = str(info.value)
        for word in words:
            assert word in message, f"{word!r} not in: {message}"
        return
    result = run_case(case, tmp_path)
    summary = result.reconcile()
    t = result.transactions
    for key, value in case.expect.items():
        if key == "revenue":
            assert summary["kept_revenue"] == pytest.approx(value, abs=1e-9)
        elif key == "rows":
            assert summary["kept_rows"] == value
        elif key == "customers":
            assert summary["kept_customers"] == value
        elif key == "set_aside_rows":
            assert summary["set_aside_rows"] == value
        elif key == "ids":
            assert sorted(t["customer_id"].unique()) == value
        elif key in ("first_date", "last_date"):
            assert f"{summary[key]:%Y-%m-%d}" == value
        elif key == "date_of_row_7":
            assert f"{t.loc[t['source_row'] == 7, 'order_date'].iloc[0]:%Y-%m-%d}" == value
        elif key == "log":
            assert value in result.log.loc[result.log["rule"] == "parse_types",
                                           "describe"].iloc[0]
        elif key == "removed":
            assert result.removed["rule"].value_counts().to_dict() == value
        else:  # pragma: no cover - a typo in the table
            raise AssertionError(f"unknown expectation {key!r}")


#: Parameter files that must stop before any notebook runs: (name, YAML, words of the message).
PARAM_CASES: list[tuple[str, str, tuple[str, ...]]] = [
    ("lang_fr", "lang: fr", ("parameter 'lang' is 'fr'", "'en' or 'zh'")),
    ("model_foo", "model: foo", ("parameter 'model' is 'foo'", "'bgnbd'")),
    ("holdout_share_2", "holdout_share: 2", ("'holdout_share' is 2", "between 0 and 1")),
    ("margin_negative", "margin: -1", ("'margin' is -1", "0 < margin <= 1")),
    ("mapping_unknown_field", "columns: {custid: Customer}",
     ("'custid' is not a contract name", "did you mean 'customer_id'")),
    ("misspelt_key", "obsrvation_end: '2024-01-01'",
     ("unknown parameter 'obsrvation_end'", "did you mean 'observation_end'")),
    ("impossible_date", "observation_end: 2024-13-45", ("'observation_end' is '2024-13-45'",)),
    ("unknown_encoding", "encoding: klingon", ("'encoding' is 'klingon'", "'latin-1'")),
    ("yaml_alias_bomb", "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a]\n"
     "columns: {customer_id: *b}", ("not valid YAML", "aliases and anchors")),
    ("yaml_too_large", "# " + "x" * (1 << 20) + "\nlang: en", ("1 MiB",)),
]


@pytest.mark.parametrize("name,text,words", PARAM_CASES, ids=[c[0] for c in PARAM_CASES])
def test_bad_parameters_stop_before_anything_runs(name, text, words, tmp_path, capsys):
    from custlib.run.cli import main

    params = tmp_path / f"{name}.yaml"
    params.write_text(text, encoding="utf-8")
    reports = tmp_path / "reports"
    assert main(["run", "--params", str(params), "--reports-dir", str(reports), "-q"]) == 2
    message = capsys.readouterr().err
    assert message.startswith(f"custlib: error: {params}"), message  # names the file
    for word in words:
        assert word in message, f"{word!r} not in: {message}"
    assert not reports.exists()  # nothing written, nothing run


def test_readme_documents_the_table():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", text, re.M))
    names = {c.name for c in CASES} | {c[0] for c in PARAM_CASES}
    assert names <= documented, sorted(names - documented)


def test_case_names_are_unique():
    assert pd.Series([c.name for c in CASES]).is_unique
