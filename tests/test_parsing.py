"""One parser per kind: inputs that used to give wrong numbers with exit code 0 (issue 12).

Each bad file is built in tmp_path; each test asserts the exact outcome: the right
numbers, or the error naming the column, rows and the parameter that settles it.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from custlib.data.cleaning import clean_transactions
from custlib.data.contract import coerce_transactions, map_columns
from custlib.data.loading import load_table, load_transactions, read_table, sniff_separator
from custlib.data.parsing import (
    ParseOptions,
    parse_dates,
    parse_ids,
    parse_numbers,
)
from custlib.data.tables import prepare_customers
from custlib.errors import ColumnError, DataError, ParameterError, SourceError

HEADER = "Invoice,StockCode,Quantity,InvoiceDate,Price,Customer ID"
FUZZ = settings(deadline=None,  # examples: the Hypothesis profile (conftest.py)
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _lines(n: int = 1000, seed: int = 12) -> pd.DataFrame:
    """A log of n lines of 250 customers: quantities, prices in cents, ISO dates."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "invoice": np.arange(500000, 500000 + n),
        "stock": rng.choice(["A1", "B2", "C3"], n),
        "qty": rng.integers(1, 7, n),
        "date": pd.Timestamp("2021-01-01 09:00") + pd.to_timedelta(
            rng.integers(0, 700 * 24, n), unit="h"),
        "cents": rng.integers(150, 250000, n),  # 1.50 .. 2,499.99
        "customer": 10001 + np.arange(n) % 250,
    })


def _revenue(log: pd.DataFrame) -> float:
    return int((log["qty"] * log["cents"]).sum()) / 100


def _money(cents: int, decimal: str, thousands: str) -> str:
    whole, frac = divmod(abs(int(cents)), 100)
    text = f"{whole:,}".replace(",", thousands) + f"{decimal}{frac:02d}"
    return ("-" if cents < 0 else "") + text


# --------------------------------------------------------------------- 1 decimal commas


def test_comma_separated_file_with_quoted_decimal_commas_gives_the_right_revenue(tmp_path):
    log = _lines()
    path = tmp_path / "decimal_comma.csv"
    rows = [HEADER] + [
        f'{r.invoice},{r.stock},{r.qty},{r.date:%Y-%m-%d %H:%M},"{_money(r.cents, ",", ".")}",'
        f"{r.customer}" for r in log.itertuples()]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = clean_transactions(load_transactions(path), rules={"extremes": False})
    assert result.raw_revenue == pytest.approx(_revenue(log), abs=1e-6)
    assert round(result.raw_revenue, 2) == 4567845.70  # not x100
    assert result.transactions.set_index("source_row").loc[0, "unit_price"] == \
        log.loc[0, "cents"] / 100
    assert result.settings["parsing"]["columns"]["unit_price"]["decimal"] == ","
    describe = result.log.loc[result.log["rule"] == "parse_types", "describe"].item()
    assert "unit_price: decimal comma, thousands '.' (inferred)" in describe
    describe_zh = result.log_table("zh").iloc[0]["说明"]
    assert "unit_price:小数点为逗号,千位分隔符 '.'(推断)" in describe_zh


def test_semicolon_file_with_decimal_commas_is_sniffed_and_read(tmp_path):
    log = _lines(400, seed=3)
    path = tmp_path / "semicolon.csv"
    rows = [HEADER.replace(",", ";")] + [
        f"{r.invoice};{r.stock};{r.qty};{r.date:%Y-%m-%d %H:%M};{_money(r.cents, ',', '.')};"
        f"{r.customer}" for r in log.itertuples()]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    raw = load_transactions(path)
    assert raw.attrs["read_options"]["separator"] == ";"
    assert list(raw.columns[:4]) == ["customer_id", "order_id", "order_date", "quantity"]
    result = clean_transactions(raw, rules={"extremes": False})
    assert result.raw_revenue == pytest.approx(_revenue(log), abs=1e-6)
    assert round(result.raw_revenue, 2) == 1676215.16
    # the profile before cleaning reads the same numbers
    assert coerce_transactions(raw)["amount"].sum() == pytest.approx(_revenue(log), abs=1e-6)


def test_explicit_separator_decimal_and_thousands(tmp_path):
    path = tmp_path / "pipes.txt"
    path.write_text("Customer ID|InvoiceDate|Quantity|Price\n"
                    "1|2022-01-05|2|1 234,50\n2|2022-01-06|1|7\n", encoding="utf-8")
    raw = load_transactions(path, separator="|", decimal=",", thousands=" ")
    result = clean_transactions(raw, rules={"extremes": False})
    assert result.transactions["amount"].tolist() == [2469.0, 7.0]


def test_ambiguous_money_column_stops_naming_column_rows_and_parameters():
    raw = pd.DataFrame({"customer_id": ["1", "2", "3"], "order_date": ["2022-01-05"] * 3,
                        "quantity": ["1", "2", "3"], "unit_price": ["1,234", "2,500", "7"],
                        "source_row": [0, 1, 2]})
    with pytest.raises(DataError) as err:
        clean_transactions(raw)
    msg = str(err.value)
    assert "column 'unit_price'" in msg and "row 0: '1,234'" in msg and "row 1: '2,500'" in msg
    assert "`decimal: ','`" in msg and "decimal=','" in msg and "`thousands:`" in msg
    ok = clean_transactions(raw, decimal=".", rules={"extremes": False})
    assert ok.transactions["unit_price"].tolist() == [1234.0, 2500.0, 7.0]
    comma = clean_transactions(raw, decimal=",", rules={"extremes": False})
    assert comma.transactions["unit_price"].tolist() == [1.234, 2.5, 7.0]


def test_a_column_mixing_decimal_marks_stops():
    with pytest.raises(DataError) as err:
        parse_numbers(pd.Series(["8,50", "12.5", "3"]), "Price")
    assert "mixes decimal marks" in str(err.value)
    assert "row 0: '8,50'" in str(err.value) and "row 1: '12.5'" in str(err.value)


def test_thousands_must_group_by_three_so_8_50_is_never_850():
    with pytest.raises(DataError) as err:
        parse_numbers(pd.Series(["8,50", "1.5"]), "Price", options=ParseOptions(decimal="."))
    assert "row 0: '8,50'" in str(err.value) and "1 of 2" in str(err.value)
    values, info = parse_numbers(pd.Series(["1,234,567.5", "1,234", "12"]), "Price")
    assert values.tolist() == [1234567.5, 1234.0, 12.0]
    assert (info.decimal, info.thousands) == (".", ",")


def test_bad_decimal_and_thousands_parameters():
    with pytest.raises(ParameterError, match="parameter 'decimal' is ';'"):
        ParseOptions(decimal=";")
    with pytest.raises(ParameterError, match="'decimal' and 'thousands' are both ','"):
        ParseOptions(decimal=",", thousands=",")
    with pytest.raises(ParameterError, match="parameter 'timezone' is 'Mars/Base'"):
        ParseOptions(timezone="Mars/Base")


# --------------------------------------------------------------------- encoding


def test_latin1_file_names_the_encoding_parameter_that_exists(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("Customer ID,InvoiceDate,Quantity,Price,Country\n"
                     "1,2022-01-05,2,3.50,Curaçao\n".encode("latin-1"))
    with pytest.raises(SourceError) as err:
        load_transactions(path)
    msg = str(err.value)
    assert "not valid utf-8" in msg and "`encoding: latin-1`" in msg
    assert "encoding='latin-1'" in msg
    raw = load_transactions(path, encoding="latin-1")
    assert raw["country"].tolist() == ["Curaçao"]
    with pytest.raises(ParameterError, match="parameter 'encoding' is 'latin-9x'"):
        load_transactions(path, encoding="latin-9x")


def test_utf8_byte_order_mark_is_not_part_of_the_first_column(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffCustomer ID;InvoiceDate;Quantity;Price\n7;2022-01-05;1;2,5\n"
                     .encode("utf-8"))
    raw = load_transactions(path)
    assert raw["customer_id"].tolist() == ["7"]


def test_sniffer_respects_quotes_and_defaults_to_comma():
    assert sniff_separator('a,b\n1,"2;3"\n4,"5;6"\n') == ","
    assert sniff_separator("a\tb\tc\n1\t2\t3\n") == "\t"
    assert sniff_separator("only\n1\n2\n") == ","


# --------------------------------------------------------------------- 2 day-first dates


def _dayfirst_file(tmp_path, n: int = 1211) -> tuple[pd.DataFrame, object]:
    log = _lines(n, seed=7)
    path = tmp_path / "dayfirst.csv"
    rows = [HEADER] + [
        f"{r.invoice},{r.stock},{r.qty},{r.date:%d/%m/%Y %H:%M},{r.cents / 100:.2f},"
        f"{r.customer}" for r in log.itertuples()]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return log, path


def test_day_first_dates_are_read_day_first_for_the_whole_column(tmp_path):
    log, path = _dayfirst_file(tmp_path)
    ambiguous = (log["date"].dt.day <= 12) & (log["date"].dt.day != log["date"].dt.month)
    assert int(ambiguous.sum()) == 434  # would be swapped if read value by value
    result = clean_transactions(load_transactions(path), rules={"extremes": False,
                                                                 "duplicates": False})
    got = result.transactions.set_index("source_row")["order_date"].sort_index()
    assert (got.to_numpy() == log["date"].to_numpy()).all()  # no swaps
    row = int(np.flatnonzero(ambiguous)[0])
    assert got.loc[row] == log.loc[row, "date"] == pd.Timestamp("2021-02-12 03:00")
    assert result.settings["parsing"]["columns"]["order_date"] == {
        "column": "order_date", "kind": "datetime", "inferred": True,
        "date_format": "%d/%m/%Y", "dayfirst": True}
    describe = result.log.loc[result.log["rule"] == "parse_types", "describe"].item()
    assert "order_date: day first (%d/%m/%Y, inferred)" in describe
    describe_zh = result.log_table("zh").iloc[0]["说明"]
    assert "order_date:日在前(%d/%m/%Y,推断)" in describe_zh


def test_month_first_is_inferred_too():
    values, info = parse_dates(pd.Series(["01/13/2021", "02/03/2021"]), "d")
    assert values.tolist() == [pd.Timestamp("2021-01-13"), pd.Timestamp("2021-02-03")]
    assert (info.date_format, info.dayfirst) == ("%m/%d/%Y", False)


def test_undecidable_dates_stop_and_ask_for_dayfirst_or_date_format():
    s = pd.Series(["08/01/2021", "07/02/2021", "03/03/2021", ""])
    with pytest.raises(DataError) as err:
        parse_dates(s, "order_date", row_labels=pd.Series([5, 6, 7, 8]))
    msg = str(err.value)
    assert "column 'order_date': 2 date(s)" in msg and "row 5: '08/01/2021'" in msg
    assert "`dayfirst: true`" in msg and "`date_format: '%d/%m/%Y'`" in msg
    assert "not dates" not in msg
    values, _ = parse_dates(s, "order_date", options=ParseOptions(dayfirst=False))
    assert values.dt.month.tolist()[:3] == [8, 7, 3]


def test_mixed_orders_and_contradicted_dayfirst_stop_naming_rows():
    with pytest.raises(DataError) as err:
        parse_dates(pd.Series(["13/01/2021", "01/13/2021"]), "order_date")
    assert "mixes day-first and month-first" in str(err.value)
    assert "row 0: '13/01/2021'" in str(err.value) and "row 1: '01/13/2021'" in str(err.value)
    with pytest.raises(DataError) as err:
        parse_dates(pd.Series(["13/01/2021", "02/01/2021"]), "order_date",
                    options=ParseOptions(dayfirst=False))
    assert "dayfirst is false, but 1 date(s) are written day first (row 0: '13/01/2021')" \
        in str(err.value)


def test_iso_compact_and_text_month_dates_are_unambiguous():
    values, info = parse_dates(pd.Series(["2021-01-08", "2021-01-08 14:30"]), "d")
    assert info.date_format == "ISO" and values.tolist()[1] == pd.Timestamp("2021-01-08 14:30")
    values, info = parse_dates(pd.Series(["19970101", "19971231"]), "d")
    assert info.date_format == "%Y%m%d" and values.dt.month.tolist() == [1, 12]
    values, _ = parse_dates(pd.Series(["9 Dec 2011", "2011/12/10"]), "d")
    assert values.dt.day.tolist() == [9, 10]


def test_excel_serial_dates():
    values, info = parse_dates(pd.Series(["44927", "44927.5", ""]), "order_date")
    assert values.tolist()[:2] == [pd.Timestamp("2023-01-01"), pd.Timestamp("2023-01-01 12:00")]
    assert info.excel_serial == 2
    numeric, _ = parse_dates(pd.Series([44927.25, np.nan]), "order_date")
    assert numeric.tolist()[0] == pd.Timestamp("2023-01-01 06:00")


def test_offsets_that_change_are_converted_to_one_zone():
    s = pd.Series(["2021-03-27T23:30:00+00:00", "2021-03-28T03:30:00+01:00",
                   "2021-10-31T01:30:00+01:00", "2021-10-31T01:30:00+00:00"])
    values, info = parse_dates(s, "order_date")  # no zone named: the first offset, said
    assert values.dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2021-03-27 23:30", "2021-03-28 02:30", "2021-10-31 00:30", "2021-10-31 01:30"]
    assert info.timezone == "UTC+00:00"
    assert "the first value's offset was used; set `timezone`" in info.describe()
    values, info = parse_dates(s, "order_date", options=ParseOptions(timezone="UTC"))
    assert values.dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2021-03-27 23:30", "2021-03-28 02:30", "2021-10-31 00:30", "2021-10-31 01:30"]
    assert info.timezone == "UTC" and info.offsets == ["+00:00", "+01:00"]
    london, info = parse_dates(s, "order_date", options=ParseOptions(timezone="Europe/London"))
    assert london.dt.strftime("%H:%M").tolist() == ["23:30", "03:30", "01:30", "01:30"]
    assert "UTC offsets (+00:00, +01:00) converted to Europe/London local time" in \
        info.describe()


def test_offsets_through_cleaning_are_said_in_the_log():
    raw = pd.DataFrame({"customer_id": ["1", "2"], "order_date": [
        "2021-06-01T10:00:00+01:00", "2021-12-01T10:00:00+00:00"], "quantity": ["1", "1"],
        "unit_price": ["2.50", "3.00"], "source_row": [0, 1]})
    result = clean_transactions(raw, timezone="UTC", rules={"extremes": False})
    assert result.transactions["order_date"].dt.hour.tolist() == [9, 10]
    assert "converted to UTC local time" in result.log.loc[0, "describe"]


# --------------------------------------------------------------------- 3 ids


def test_ids_written_half_as_floats_count_250_customers(tmp_path):
    log = _lines(1000, seed=5)
    path = tmp_path / "ids.csv"
    rows = [HEADER] + [
        f"{r.invoice},{r.stock},{r.qty},{r.date:%Y-%m-%d %H:%M},{r.cents / 100:.2f},"
        f"{r.customer}{'.0' if (r.Index // 250) % 2 else ''}" for r in log.itertuples()]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    raw = load_transactions(path)
    assert raw["customer_id"].nunique() == 500  # as written
    result = clean_transactions(raw, rules={"extremes": False})
    assert result.transactions["customer_id"].nunique() == 250
    assert "13085" not in set(result.transactions["customer_id"])
    assert result.transactions["customer_id"].str.fullmatch(r"\d{5}").all()
    assert result.settings["parsing"]["columns"]["customer_id"]["normalised"] == 500
    assert "customer_id: 500 ids written like 13085.0 read as 13085" in \
        result.log.loc[0, "describe"]


def test_text_ids_and_leading_zeros_stay_and_decimals_keep_ids_text():
    values, info = parse_ids(pd.Series(["00123", "C-17", " 13085.0 ", "13085", None, ""]))
    assert values.tolist()[:4] == ["00123", "C-17", "13085", "13085"]
    assert values.isna().tolist()[4:] == [True, True] and info.normalised == 1
    values, info = parse_ids(pd.Series(["1.5", "2.0"]))
    assert values.tolist() == ["1.5", "2.0"] and info.normalised == 0
    values, info = parse_ids(pd.Series([13085.0, np.nan, 12.0]))
    assert values.tolist()[0] == "13085" and info.normalised == 2


def test_customers_table_uses_the_same_parsers(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("customer_id;age;signup_date\n10013.0;41,5;13/01/2022\n"
                    "10014;30;02/03/2022\n00123;;\n", encoding="utf-8")
    out, log = prepare_customers(load_table("customers", path))
    assert out["customer_id"].tolist() == ["10013", "10014", "00123"]
    assert out["age"].tolist()[:2] == [41.5, 30.0]
    assert out["signup_date"].tolist()[:2] == [pd.Timestamp("2022-01-13"),
                                               pd.Timestamp("2022-03-02")]
    said = dict(zip(log["column"], log["issue"]))
    assert said["customer_id"] == "1 ids written like 13085.0 read as 13085"
    assert said["signup_date"] == "day first (%d/%m/%Y, inferred)"


# --------------------------------------------------------------------- 4 duplicate columns


def test_duplicate_column_names_stop_the_read(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("Customer ID,InvoiceDate,quantity,quantity,Price\n"
                    "1,2022-01-05,2,3,1.50\n", encoding="utf-8")
    with pytest.raises(ColumnError) as err:
        load_transactions(path)
    msg = str(err.value)
    assert "'quantity' appear more than once" in msg and str(path) in msg


def test_duplicate_column_names_in_excel_stop_the_read(tmp_path):
    path = tmp_path / "dup.xlsx"
    pd.DataFrame([["1", "2022-01-05", 2, 3, 1.5]],
                 columns=["Customer ID", "InvoiceDate", "Qty", "Qty2", "Price"]
                 ).to_excel(path, index=False)
    import openpyxl

    book = openpyxl.load_workbook(path)
    book.active["D1"] = "Qty"
    book.save(path)
    with pytest.raises(ColumnError, match="'Qty' appear more than once"):
        read_table(path)


# --------------------------------------------------------------------- hints


def test_column_hint_shows_yaml_and_python():
    df = pd.DataFrame({"customer": ["1"], "date": ["2020-01-01"], "qty": ["1"]})
    with pytest.raises(ColumnError) as err:
        map_columns(df)
    msg = str(err.value)
    assert "`columns: {unit_price: Price}` in your parameter file" in msg
    assert "columns={'unit_price': 'Price'} in Python" in msg


# --------------------------------------------------------------------- properties

CONVENTIONS = [(".", ","), (",", "."), (",", " "), (".", "'"), (".", ""), (",", "")]


@FUZZ
@given(cents=st.lists(st.integers(-10**11, 10**11), min_size=1, max_size=30),
       convention=st.sampled_from(CONVENTIONS))
def test_money_round_trips_through_the_parser_when_inferred(cents, convention):
    decimal, thousands = convention
    text = pd.Series([_money(c, decimal, thousands) for c in cents])
    values, info = parse_numbers(text, "price")
    assert values.tolist() == [c / 100 for c in cents]
    assert info.decimal == decimal


@FUZZ
@given(numbers=st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 999)),
                        min_size=1, max_size=20),
       digits=st.integers(0, 3), convention=st.sampled_from(CONVENTIONS))
def test_money_round_trips_with_given_marks(numbers, digits, convention):
    decimal, thousands = convention
    texts, expected = [], []
    for whole, frac in numbers:
        frac = frac % (10 ** digits) if digits else 0
        text = f"{whole:,}".replace(",", thousands)
        if digits:
            text += f"{decimal}{frac:0{digits}d}"
        texts.append(text)
        expected.append(float(f"{whole}.{frac:0{digits}d}") if digits else float(whole))
    opts = ParseOptions(decimal=decimal, thousands=thousands or "none")
    values, _ = parse_numbers(pd.Series(texts), "price", options=opts)
    assert values.tolist() == expected


@FUZZ
@given(days=st.lists(st.dates(dt.date(1990, 1, 1), dt.date(2035, 12, 31)),
                     min_size=1, max_size=25),
       style=st.sampled_from(["%d/%m/%Y", "%m/%d/%Y", "%Y-%m-%d", "%d.%m.%Y"]))
def test_dates_round_trip_when_the_column_decides(days, style):
    if style != "%Y-%m-%d":
        first = [int(d.strftime(style)[:2]) for d in days]
        second = [int(d.strftime(style)[3:5]) for d in days]
        assume(any(f > 12 for f in first) or all(f == s for f, s in zip(first, second)))
    values, _ = parse_dates(pd.Series([d.strftime(style) for d in days]), "d")
    assert [v.date() for v in values] == days


@FUZZ
@given(ids=st.lists(st.integers(0, 10**12), min_size=1, max_size=30),
       floats=st.lists(st.booleans(), min_size=30, max_size=30))
def test_integer_ids_written_n_or_n_point_0_are_one_id(ids, floats):
    text = pd.Series([f"{n}.0" if f else str(n) for n, f in zip(ids, floats)])
    values, info = parse_ids(text)
    assert values.tolist() == [str(n) for n in ids]
    assert info.normalised == sum(floats[:len(ids)])


@FUZZ
@given(values=st.lists(st.one_of(
    st.text(max_size=12), st.from_regex(r"[+-]?[0-9.,' ]{1,12}", fullmatch=True),
    st.from_regex(r"[0-9]{1,4}[/.-][0-9]{1,2}[/.-][0-9]{2,4}( [0-9]{1,2}:[0-9]{2})?",
                  fullmatch=True)), min_size=1, max_size=15))
def test_any_text_gives_numbers_dates_or_a_data_error(values):
    s = pd.Series(values)
    for parse in (parse_numbers, parse_dates):
        try:
            out, _ = parse(s, "col")
        except DataError:
            out = None
        coerced, info = parse(s, "col", errors="coerce")  # profiling: never raises
        blank = s.str.strip().eq("")
        assert len(coerced) == len(s)
        assert info.invalid == int((coerced.isna() & ~blank).sum())
        if out is not None:
            assert out.equals(coerced)


def test_excel_export_with_float_ids_serial_dates_and_text_prices(tmp_path):
    path = tmp_path / "export.xlsx"
    pd.DataFrame({"Customer ID": [13085.0, np.nan, 12000.0],
                  "InvoiceDate": [44927, 44927.5, 44958.25],
                  "Quantity": [2, 1, 3], "Price": ["8,50", "1.234,50", "3"]}
                 ).to_excel(path, index=False)
    result = clean_transactions(load_transactions(path), rules={"extremes": False})
    s = result.summary()
    assert (s["raw_rows"], s["kept_customers"], s["raw_revenue"]) == (3, 2, 1260.5)
    assert result.transactions["customer_id"].tolist() == ["13085", "12000"]
    assert result.transactions["order_date"].tolist() == [pd.Timestamp("2023-01-01"),
                                                          pd.Timestamp("2023-02-01 06:00")]


# --------------------------------------------------------------------- review findings P1-P9


def _date_strings(values: pd.Series) -> list[str]:
    return values.dt.strftime("%Y-%m-%d %H:%M").tolist()


def test_space_separated_and_weekday_dates_are_inferred_per_column():
    values, info = parse_dates(pd.Series(["5 1 2021", "13 1 2021"]), "d")
    assert _date_strings(values) == ["2021-01-05 00:00", "2021-01-13 00:00"]
    assert (info.date_format, info.dayfirst) == ("%d %m %Y", True)
    values, info = parse_dates(pd.Series(["Mon 01/02/2021", "Sat 13/02/2021 10:30",
                                          "Tuesday, 02/02/2021"]), "d")
    assert _date_strings(values) == ["2021-02-01 00:00", "2021-02-13 10:30",
                                     "2021-02-02 00:00"]
    assert (info.date_format, info.dayfirst) == ("%d/%m/%Y", True)
    with pytest.raises(DataError) as err:
        parse_dates(pd.Series(["05 01 2021", "Fri 06 01 2021"]), "order_date")
    assert "column 'order_date': 2 date(s)" in str(err.value)
    assert "`dayfirst: true`" in str(err.value)


def test_numeric_dates_the_column_rules_do_not_cover_are_not_guessed():
    for value in ["01 / 02 / 2021", "01/02 2021", "1.2.2021."]:
        with pytest.raises(DataError) as err:
            parse_dates(pd.Series([value]), "order_date")
        assert f"row 0: {value!r}" in str(err.value) and "`date_format:" in str(err.value)
    # year first, a month name, or a 12-hour clock still read
    values, _ = parse_dates(pd.Series(["2021 1 5", "Jan 6, 2021", "2021-1-7 10:00 PM"]), "d")
    assert _date_strings(values) == ["2021-01-05 00:00", "2021-01-06 00:00",
                                     "2021-01-07 22:00"]


def test_excel_serials_only_when_the_whole_column_is_serials():
    with pytest.raises(DataError) as err:
        parse_dates(pd.Series(["44927", "2021-01-05", "2021-01-06"]), "order_date",
                    row_labels=pd.Series([2, 3, 4]))
    msg = str(err.value)
    assert "column 'order_date' mixes Excel serial day numbers (row 2: '44927')" in msg
    assert "dates written as text (row 3: '2021-01-05'" in msg and "`date_format:" in msg
    values, info = parse_dates(pd.Series(["44927", "2021-01-05"]), "d", errors="coerce")
    assert values.isna().tolist() == [True, False] and info.invalid == 1
    values, info = parse_dates(pd.Series(["44927", "44928.5", ""]), "d")
    assert _date_strings(values)[:2] == ["2023-01-01 00:00", "2023-01-02 12:00"]
    assert (info.date_format, info.excel_serial) == ("Excel serial", 2)


def test_spaces_and_apostrophes_in_money_must_group_thousands():
    for value in ["12 50", "1 5", "1'5", "12 345 6", "1 23 456", "12'34.5"]:
        with pytest.raises(DataError) as err:
            parse_numbers(pd.Series([value, "3"]), "Price")
        assert f"row 0: {value!r}" in str(err.value) and "not numbers" in str(err.value)
        assert "only separate thousands, in groups of three" in str(err.value)
    values, info = parse_numbers(pd.Series(["1 234,5", "7"]), "Price")
    assert values.tolist() == [1234.5, 7.0] and (info.decimal, info.thousands) == (",", " ")
    assert "Price: decimal comma, thousands space (inferred)" in info.describe()
    values, info = parse_numbers(pd.Series(["1\u00a0234,50 €", "£ 2\u202f345 678", "- 12,5"]),
                                 "Price", options=ParseOptions(decimal=","))
    assert values.tolist() == [1234.5, 2345678.0, -12.5]
    values, info = parse_numbers(pd.Series(["1'234.50", "12.5"]), "Price")
    assert values.tolist() == [1234.5, 12.5] and info.thousands == "'"
    with pytest.raises(DataError, match="row 0: '1 234'"):  # thousands: none says no grouping
        parse_numbers(pd.Series(["1 234"]), "Price", options=ParseOptions(thousands="none"))


def test_offsets_on_day_month_dates_are_converted_like_iso():
    s = pd.Series(["01/02/2021 10:00 +01:00", "13/02/2021 10:00 +00:00"])
    values, info = parse_dates(s, "order_date")  # the first offset, said in the log
    assert _date_strings(values) == ["2021-02-01 10:00", "2021-02-13 11:00"]
    assert info.timezone == "UTC+01:00" and "first value's offset" in info.describe()
    values, info = parse_dates(s, "d", options=ParseOptions(timezone="UTC"))
    assert _date_strings(values) == ["2021-02-01 09:00", "2021-02-13 10:00"]
    assert (info.date_format, info.timezone, info.offsets) == (
        "%d/%m/%Y", "UTC", ["+01:00", "+00:00"])
    values, info = parse_dates(pd.Series(["01/02/2021 10:00 +0100", "13/02/2021 11:00 +01:00"]),
                               "d")
    assert _date_strings(values) == ["2021-02-01 10:00", "2021-02-13 11:00"]
    assert info.timezone == "UTC+01:00"


def test_changing_offsets_without_timezone_take_the_first_and_say_so():
    s = pd.Series(["2021-07-01T10:00+01:00", "2021-12-31T23:30+00:00", ""])
    values, info = parse_dates(s, "order_date", row_labels=pd.Series([4, 5, 6]))
    # wall-clock time at the first value's offset: 23:30 at +00:00 is 00:30 at +01:00
    assert _date_strings(values)[:2] == ["2021-07-01 10:00", "2022-01-01 00:30"]
    assert info.timezone == "UTC+01:00" and info.offsets == ["+01:00", "+00:00"]
    assert ("UTC offsets (+01:00, +00:00) converted to UTC+01:00 local time; the offsets "
            "differ (daylight saving?), so the first value's offset was used; set "
            "`timezone` (e.g. Europe/London)") in info.describe()
    assert "时区" in info.describe("zh")
    values, info = parse_dates(s, "d", options=ParseOptions(timezone="Europe/London"))
    assert _date_strings(values)[:2] == ["2021-07-01 10:00", "2021-12-31 23:30"]
    assert "first value's offset" not in info.describe()
    values, info = parse_dates(s, "d", options=ParseOptions(date_format="%Y-%m-%dT%H:%M%z"))
    assert _date_strings(values)[:2] == ["2021-07-01 10:00", "2022-01-01 00:30"]
    values, info = parse_dates(s, "d", options=ParseOptions(date_format="%Y-%m-%dT%H:%M%z",
                                                            timezone="UTC"))
    assert _date_strings(values)[:2] == ["2021-07-01 09:00", "2021-12-31 23:30"]


def test_two_digit_years_need_a_date_format():
    for s in (["21/01/05", "21/01/06"], ["5/1/70"], ["13/01/21", "14/01/2021"]):
        with pytest.raises(DataError) as err:
            parse_dates(pd.Series(s), "order_date")
        msg = str(err.value)
        assert "two-digit year" in msg and f"row 0: {s[0]!r}" in msg
        assert "`date_format: '%d/%m/%y'`" in msg and "'%y/%m/%d'" in msg
    values, _ = parse_dates(pd.Series(["21/01/05", "21/01/06"]), "d",
                            options=ParseOptions(date_format="%y/%m/%d"))
    assert _date_strings(values) == ["2021-01-05 00:00", "2021-01-06 00:00"]
    values, info = parse_dates(pd.Series(["21/01/05", "21/01/2006"]), "d", errors="coerce")
    assert values.isna().tolist() == [True, False] and info.invalid == 1


def test_infinite_money_is_not_a_number():
    with pytest.raises(DataError) as err:
        parse_numbers(pd.Series(["1e400", "2"]), "Price")
    assert "column 'Price': 1 of 2 value(s) are not numbers (row 0: '1e400')" in str(err.value)
    values, info = parse_numbers(pd.Series(["1e400", "2"]), "Price", errors="coerce")
    assert values.isna().tolist() == [True, False] and info.invalid == 1
    with pytest.raises(DataError, match="row 1: inf"):
        parse_numbers(pd.Series([1.0, np.inf]), "Price")


def test_placeholder_ids_are_missing_and_counted():
    s = pd.Series(["#N/A", "N/A", "NA", "-", "n/a", "null", "none", "?", "NULL", "12", "",
                   None, "A-1"])
    values, info = parse_ids(s, "customer_id")
    assert values.isna().tolist() == [True] * 9 + [False, True, True, False]
    assert values.dropna().tolist() == ["12", "A-1"]
    assert info.placeholders == 9
    assert info.describe() == ("customer_id: 9 ids written as a placeholder (#N/A, N/A, NA, "
                               "-, n/a) read as missing")


def test_float_ids_too_large_or_infinite_stop():
    for ids, word in (([1e20, 2.0], "1e+20"), ([np.inf, 1.0], "inf"),
                      ([2.0 ** 53 + 2, 1.0], "9007199254740994.0")):
        with pytest.raises(DataError) as err:
            parse_ids(pd.Series(ids), "customer_id")
        msg = str(err.value)
        assert "column 'customer_id'" in msg and f"row 0: {word}" in msg
        assert "Export the ids as text" in msg
    values, info = parse_ids(pd.Series([2.0 ** 53 - 1, 7.0]), "customer_id")
    assert values.tolist() == ["9007199254740991", "7"] and info.normalised == 2
