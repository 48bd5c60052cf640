"""The data contract: column mapping and strict parsing with clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from custlib.data.contract import (
    TABLES,
    coerce_transactions,
    map_columns,
    parse_datetime,
    parse_id,
    parse_number,
    require_columns,
)
from custlib.errors import ColumnError, DataError, ParameterError


def test_uci_columns_are_recognised_without_a_mapping(uci_like):
    out = map_columns(uci_like)
    assert list(out.columns) == ["customer_id", "order_id", "order_date", "quantity",
                                 "unit_price", "product_id", "description", "country"]
    assert out.attrs["column_mapping"]["customer_id"] == "Customer ID"
    assert out.attrs["column_mapping"]["order_id"] == "Invoice"
    assert out["unit_price"].tolist() == uci_like["Price"].tolist()


def test_explicit_mapping_wins_over_aliases():
    df = pd.DataFrame({"buyer": ["1"], "Customer ID": ["9"], "when": ["2020-01-01"],
                       "n": ["1"], "p": ["2"]})
    out = map_columns(df, columns={"customer_id": "buyer", "order_date": "when",
                                   "quantity": "n", "unit_price": "p"})
    assert out["customer_id"].tolist() == ["1"]


def test_missing_required_column_names_it_and_lists_what_was_found(uci_like):
    with pytest.raises(ColumnError) as err:
        map_columns(uci_like.drop(columns=["InvoiceDate"]))
    msg = str(err.value)
    assert "'order_date'" in msg and "'Invoice'" in msg and "'Price'" in msg


def test_misnamed_column_in_mapping_is_reported(uci_like):
    with pytest.raises(ColumnError) as err:
        map_columns(uci_like, columns={"customer_id": "CustomerID"})
    assert "'CustomerID'" in str(err.value) and "'Customer ID'" in str(err.value)


def test_unknown_contract_name_in_mapping(uci_like):
    with pytest.raises(ParameterError, match="'client'"):
        map_columns(uci_like, columns={"client": "Customer ID"})


def test_price_or_amount_is_required(uci_like):
    with pytest.raises(ColumnError, match="unit_price' or an 'amount"):
        map_columns(uci_like.drop(columns=["Price"]))


def test_amount_without_quantity_is_enough():
    df = pd.DataFrame({"customer": ["1"], "date": ["2020-01-01"], "revenue": ["5"]})
    out = map_columns(df)
    assert set(out.columns) == {"customer_id", "order_date", "amount"}


def test_none_in_mapping_means_absent():
    df = pd.DataFrame({"customer": ["1"], "date": ["2020-01-01"], "revenue": ["5"],
                       "Price": ["9"]})
    assert "unit_price" not in map_columns(df, columns={"unit_price": None}).columns


def test_every_table_has_customer_id_as_required_field():
    for table, spec in TABLES.items():
        assert spec[0].name == "customer_id" and spec[0].required, table


def test_unparsable_dates_give_count_and_example_rows():
    s = pd.Series(["2011-01-02", "not a date", "2011-13-45", ""])
    with pytest.raises(DataError) as err:
        parse_datetime(s, "InvoiceDate", row_labels=pd.Series([10, 11, 12, 13]))
    msg = str(err.value)
    assert "'InvoiceDate'" in msg and "2 of 4" in msg
    assert "row 11: 'not a date'" in msg and "row 12: '2011-13-45'" in msg


def test_dates_in_yyyymmdd_and_coerce():
    assert parse_datetime(pd.Series(["19970101", "19971231"]), "d").dt.month.tolist() == [1, 12]
    out = parse_datetime(pd.Series(["2020-01-01", "x"]), "d", errors="coerce")
    assert out.isna().tolist() == [False, True]


def test_non_numeric_money_is_reported():
    with pytest.raises(DataError) as err:
        parse_number(pd.Series(["1.5", "two", "3"]), "Price")
    assert "'Price'" in str(err.value) and "1 of 3" in str(err.value) and "'two'" in str(err.value)


def test_money_with_currency_signs_and_thousands():
    assert parse_number(pd.Series(["£1,234.50", " $3 ", "-2.5", "CNY 7"]), "p").tolist() == \
        [1234.5, 3.0, -2.5, 7.0]


def test_ids_from_floats_lose_the_decimal_point():
    assert parse_id(pd.Series([12346.0, None])).tolist()[0] == "12346"
    assert parse_id(pd.Series([" 007 ", ""])).isna().tolist() == [False, True]
    assert parse_id(pd.Series([" 007 "])).tolist() == ["007"]


def test_require_columns():
    with pytest.raises(ColumnError, match="'b'"):
        require_columns(pd.DataFrame({"a": [1]}), ["a", "b"], "f")


def test_coerce_derives_amount_and_price():
    raw = pd.DataFrame({"customer_id": ["1", "2"], "order_date": ["2020-01-01", "bad"],
                        "quantity": ["2", "4"], "amount": ["10", "x"]})
    out = coerce_transactions(raw)
    assert out["unit_price"].tolist()[0] == 5.0
    assert out["order_date"].isna().tolist() == [False, True]
    assert raw["amount"].tolist() == ["10", "x"]  # input untouched


def test_old_parser_names_take_the_new_conventions():
    assert parse_number(pd.Series(["8,50", "1.234,56"]), "p").tolist() == [8.5, 1234.56]
    assert parse_number(pd.Series(["1,234"]), "p", decimal=",").tolist() == [1.234]
    assert parse_datetime(pd.Series(["01/02/2021"]), "d", dayfirst=True).tolist() == \
        [pd.Timestamp("2021-02-01")]
    assert parse_id(pd.Series(["10013", "10013.0", "00123"])).tolist() == \
        ["10013", "10013", "00123"]


def test_coerce_reads_the_loaders_options_and_never_raises_on_ambiguity():
    raw = pd.DataFrame({"customer_id": ["1", "2"], "order_date": ["08/01/2021", "07/01/2021"],
                        "quantity": ["1", "1"], "unit_price": ["1,234", "2,500"]})
    out = coerce_transactions(raw)  # undecided: missing, not guessed
    assert out["order_date"].isna().all() and out["unit_price"].isna().all()
    raw.attrs["parse_options"] = {"decimal": ",", "dayfirst": True}
    out = coerce_transactions(raw)
    assert out["unit_price"].tolist() == [1.234, 2.5]
    assert out["order_date"].tolist() == [pd.Timestamp("2021-01-08"), pd.Timestamp("2021-01-07")]


def test_a_log_in_two_currencies_stops_with_the_counts(tmp_path):
    from custlib.data import loading
    from custlib.data.cleaning import clean_transactions
    from custlib.errors import DataError

    path = tmp_path / "two.csv"
    pd.DataFrame({"InvoiceNo": ["1", "2", "3"], "CustomerID": ["a", "b", "c"],
                  "InvoiceDate": ["2024-01-01", "2024-01-02", "2024-01-03"],
                  "Quantity": [1, 1, 1], "UnitPrice": [1.0, 2.0, 3.0],
                  "Currency": ["GBP", "eur", "GBP"]}).to_csv(path, index=False)
    raw = loading.load_transactions(str(path))
    assert "currency" in raw.columns  # found by its name, no mapping needed
    message = ("transactions: column 'currency' holds 2 currencies (GBP: 2 lines, EUR: 1 line); "
               "the kit adds revenue up, which is only right in one currency")
    with pytest.raises(DataError) as err:
        loading.single_currency(raw, "GBP")
    assert str(err.value).startswith(message)
    with pytest.raises(DataError, match="Convert the amounts to one currency"):
        clean_transactions(raw)  # the API refuses too, not only the notebook
    one = raw.assign(currency=["eur", "EUR ", None])
    assert loading.single_currency(one) == "EUR"
    assert loading.single_currency(one, "eur") == "EUR"
    with pytest.raises(ParameterError, match="parameter 'currency' is 'USD' but the log's column "
                                             "'currency' says EUR; set currency: EUR"):
        loading.single_currency(one, "USD")
    assert loading.single_currency(raw.drop(columns="currency"), "GBP") == "GBP"
