"""Workflow helpers: notebooks that stand on their own, defaults in step with notebook 01."""

from __future__ import annotations

import ast

import pandas as pd
import pytest

from custlib.errors import ParameterError
from custlib.run.config import NOTEBOOKS_DIR, run_folder
from custlib.run.runner import notebook_parameters
from custlib.run.workflow import CLEANING_DEFAULTS, clean_tables, run_cleaning


def test_defaults_match_notebook_01():
    params = notebook_parameters(NOTEBOOKS_DIR / "01_data_cleaning.ipynb")
    defaults = {k: ast.literal_eval(v["default"]) for k, v in params.items()
                if k not in ("run_name", "reports_dir")}
    assert defaults == CLEANING_DEFAULTS


def test_clean_tables_cleans_a_fresh_run_with_its_params(tmp_path):
    run = run_folder("fresh", tmp_path)
    (run.root / "params.yaml").write_text("observation_start: '2023-01-01'\nlang: en\n"
                                          "unrelated_param: 3\n")
    tables = clean_tables(run)
    assert tables.transactions["order_date"].min() >= pd.Timestamp("2023-01-01")
    assert tables.customers is not None and tables.survey is not None
    assert tables.currency == "GBP"
    assert (run.data / "transactions_clean.parquet").exists()
    again = clean_tables(run)  # second call reads the files
    assert len(again.transactions) == len(tables.transactions)


def test_run_cleaning_rejects_unknown_parameters(tmp_path):
    with pytest.raises(ParameterError, match="'observation_finish'"):
        run_cleaning(run_folder("x", tmp_path), observation_finish="2024-01-01")


def test_cdnow_run_has_no_optional_tables(tmp_path):
    run = run_folder("cd", tmp_path)
    run_cleaning(run, transactions="cdnow_sample", customers="", survey="", context="",
                 rules={"duplicates": False, "invalid_prices": False}, non_product_codes=[])
    tables = clean_tables(run)
    assert tables.customers is None and tables.survey is None
    assert tables.transactions["customer_id"].nunique() == 2357
    assert tables.observation_end == "1998-06-30"
