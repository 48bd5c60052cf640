"""Customers and survey tables: typed, range-checked, duplicates resolved and counted."""

from __future__ import annotations

import pandas as pd
import pytest

from custlib.data.contract import map_columns
from custlib.data.tables import prepare_customers, prepare_survey
from custlib.errors import DataError


def _raw(df: pd.DataFrame, table: str) -> pd.DataFrame:
    out = map_columns(df, table)
    out["source_row"] = range(len(out))
    return out


def test_customers_types_ranges_and_duplicates():
    raw = _raw(pd.DataFrame({
        "Customer ID": ["1", "2", "2", "", "3"],
        "age": ["34", "150", "41", "20", ""],
        "signup_date": ["2022-01-05", "2022-02-01", "2022-03-01", "2022-01-01", ""],
        "region": ["North", " South ", "South", "", "East"],
    }), "customers")
    out, log = prepare_customers(raw)
    assert out["customer_id"].tolist() == ["1", "2", "3"]
    assert out.set_index("customer_id").loc["2", "age"] == 41  # last row kept
    assert pd.isna(out.set_index("customer_id").loc["3", "signup_date"])
    issues = dict(zip(log["issue"], log["rows"]))
    assert issues == {"outside 0-120, set to missing": 1, "no customer id, row dropped": 1,
                      "repeated id, last row kept": 1}
    assert raw["age"].tolist()[1] == "150"  # input untouched


def test_survey_scales_and_flags():
    raw = _raw(pd.DataFrame({
        "customer_id": ["1", "2", "3"], "satisfaction": ["5", "7", "2"],
        "recommend": ["10", "0", "11"], "complaint": ["1", "no", ""],
    }), "survey")
    out, log = prepare_survey(raw)
    assert out["satisfaction"].isna().tolist() == [False, True, False]
    assert out["recommend"].isna().tolist() == [False, False, True]
    assert out["complaint"].tolist()[:2] == [True, False] and pd.isna(out["complaint"][2])
    assert log["rows"].sum() == 2


def test_survey_bad_flag_and_bad_date_are_named():
    raw = _raw(pd.DataFrame({"customer_id": ["1"], "complaint": ["maybe"]}), "survey")
    with pytest.raises(DataError, match="survey.complaint.*'maybe'"):
        prepare_survey(raw)
    raw = _raw(pd.DataFrame({"customer_id": ["1"], "survey_date": ["yesterday"]}), "survey")
    with pytest.raises(DataError, match="survey.survey_date"):
        prepare_survey(raw)


def test_none_passes_through():
    out, log = prepare_customers(None)
    assert out is None and log.empty
