"""The variety corpus: the generator's shapes have what they claim, and the kit runs on each.

The unit tests (marker unit) check the generator: the same seed gives the same frames,
and each shape has the property that makes it a shape (one-time buyers, categories, a
straggler tail, ...). The runs (marker corpus, ``make corpus``; not in ``make test``)
write every shape to a folder, run the five notebooks on it with ``custlib run`` as a
user would, and check the run folder with :func:`custlib.run.invariants.check_run`; a
shape that must stop (two currencies) must stop with its message. Two shapes run in
Chinese too.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from custlib.data.demo.corpus import SHAPES, make_shape, write_shape
from custlib.errors import ParameterError
from custlib.i18n import t
from custlib.run.invariants import check_run

#: Every shape in English, and two in Chinese.
RUNS = [(name, "en") for name in SHAPES] + [("marketplace", "zh"), ("left_censored", "zh")]


def _extreme_line(shape) -> tuple[str, ...]:
    """The order of the line priced at 10^12, which the report names beside the figures it
    dominates (its customer's id alone is not enough: a top-customer table shows it), in
    section 2 (the whole log) and under the KPI cards (the last period)."""
    tx = shape.transactions
    order = str(tx.loc[tx["unit_price"] >= 1e12, "order_id"].iloc[0])
    return (order, "100% of all the revenue in the log comes from 1 line(s) flagged as extreme",
            "100% of the revenue of the last period comes from 1 line(s) flagged as extreme")


def _customers(shape) -> int:
    ids = shape.transactions[shape.params.get("columns", {}).get("customer_id", "customer_id")]
    return int(ids.replace("", np.nan).nunique())


NOT_ESTIMATED = "The purchase models and CLV are not estimated."

#: What a shape's run must say besides the invariants: {file of the run folder: a function
#: of the shape giving the texts the file must all hold}.
SAYS = {
    # point 4: a log that repeats a line per unit: the switch is named
    "marketplace": {"tables/cleaning_log.csv": lambda shape: ("rules: {duplicates: false}",)},
    # point 3: the stragglers after the usual volume ends are named, with the end to use
    "sparse_tail": {"tables/cleaning_log.csv": lambda shape: ("Sparse tail: only",)},
    # point 7: extreme lines named beside the figures they dominate; degenerate bases run as
    # far as they can and say why the rest could not be estimated
    "extreme_price": {"report.html": _extreme_line},
    "one_time_buyers": {
        "report.html": lambda shape: (NOT_ESTIMATED, f"Only 0 of {_customers(shape)} customers"),
        "notebooks/04_lifecycle.ipynb": lambda shape: (
            "convention, 90/365 days: no customer bought twice",)},
    "two_customers": {
        "report.html": lambda shape: (NOT_ESTIMATED,),
        "notebooks/02_segmentation.ipynb": lambda shape: (
            "k-means is skipped: 2 customer(s), and 2 clusters need at least 4",)},
}


# --- the generator ------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(SHAPES))
def test_same_seed_same_frames_other_seed_other_frames(name):
    one, two = make_shape(name, random_state=3), make_shape(name, random_state=3)
    for table in ("transactions", "customers", "survey"):
        a, b = getattr(one, table), getattr(two, table)
        assert (a is None) == (b is None)
        if a is not None:
            pd.testing.assert_frame_equal(a, b)
    assert one.params == two.params and one.context == two.context
    other = make_shape(name, random_state=4).transactions
    assert not other.equals(one.transactions)


@pytest.mark.parametrize("name", list(SHAPES))
def test_every_shape_is_small_and_its_columns_are_mapped(name):
    shape = make_shape(name)
    tx = shape.transactions
    assert 20 <= len(tx) <= 5_000
    for contract, column in shape.params.get("columns", {}).items():
        assert column in tx.columns, (contract, column)
    assert name in SHAPES and SHAPES[name].tests and SHAPES[name].kit_should


def _customer_column(shape) -> str:
    return shape.params.get("columns", {}).get("customer_id", "customer_id")


def test_wholesale_has_cancellations_anonymous_rows_float_ids_and_fee_codes():
    tx = make_shape("wholesale").transactions
    assert tx["InvoiceNo"].str.startswith("C").sum() >= 50
    assert (tx.loc[tx["InvoiceNo"].str.startswith("C"), "Quantity"] < 0).all()
    ids = tx["CustomerID"]
    assert 0.03 < (ids == "").mean() < 0.1
    assert ids[ids != ""].str.fullmatch(r"\d{5}\.0").all()
    assert set(tx["StockCode"]) >= {"POST", "DOT", "M", "BANK CHARGES"}
    assert {"InvoiceNo", "CustomerID", "InvoiceDate"} <= set(tx.columns)


def test_marketplace_is_one_time_buyers_with_item_rows_and_unit_repeats():
    shape = make_shape("marketplace")
    tx = shape.transactions
    orders = tx.groupby("customer_unique_id")["order_id"].nunique()
    assert (orders == 1).mean() >= 0.95
    assert (orders > 1).sum() >= 10  # a few do come back
    assert (tx.groupby("order_id")["product_id"].nunique() > 1).any()
    assert 0.07 <= tx.duplicated().mean() <= 0.12
    assert list(shape.customers.columns) == ["customer_id", "region", "city"]
    assert "quantity" not in shape.params["columns"] and "amount" in shape.params["columns"]


def test_cdnow_panel_is_one_cohort_over_eighteen_months():
    tx = make_shape("cdnow_panel").transactions
    dates = pd.to_datetime(tx["date"], format="%Y%m%d")
    first = dates.groupby(tx["cust"]).min()
    assert first.max() < pd.Timestamp("1997-03-26")  # every first purchase in 12 weeks
    assert dates.max() > pd.Timestamp("1998-05-01")
    assert tx["cust"].str.fullmatch(r"\d{5}").all()
    assert not tx.duplicated(["cust", "date"]).any()


def test_left_censored_log_peaks_in_december_and_starts_mid_life():
    shape = make_shape("left_censored")
    dates = pd.to_datetime(shape.transactions["order_date"])
    by_month = dates.dt.month.value_counts()
    assert by_month[12] >= 2.5 * by_month[[6, 7, 8]].mean()
    assert dates.min() < pd.Timestamp("2022-07-08")  # customers already there on day one
    assert list(shape.customers.columns) == ["customer_id", "age", "gender", "income_band"]
    assert list(shape.survey.columns) == ["customer_id", "satisfaction", "recommend"]
    assert shape.context["company"]["currency"] == "EUR" and shape.params["currency"] == ""


def test_sparse_tail_starts_on_the_twentieth_and_trails_twenty_orders():
    shape = make_shape("sparse_tail")
    tx = shape.transactions
    dates = pd.to_datetime(tx["Order Date"], format="%d/%m/%Y")
    assert dates.min() == pd.Timestamp("2023-03-20")
    tail = tx[dates > pd.Timestamp("2024-06-30")]
    assert tail["Order Number"].nunique() == 20
    assert (dates.max() - pd.Timestamp("2024-06-30")).days >= 42
    assert list(shape.customers.columns) == ["customer_id", "industry", "company_size"]
    assert "recommend" not in shape.survey.columns


def test_many_categories_has_over_seventy():
    shape = make_shape("many_categories")
    assert shape.transactions["ProductCategory"].nunique() >= 70
    assert list(shape.customers.columns) == ["customer_id", "country", "region", "city"]


def test_subscription_bills_once_a_month_the_same_amount():
    tx = make_shape("subscription").transactions
    month = tx["billing_date"].str[:7]
    assert not tx.duplicated(["subscriber_id"]).all()
    assert tx.groupby(["subscriber_id", month]).size().max() == 1
    assert tx.groupby("subscriber_id")["amount"].nunique().max() == 1


def test_two_currencies_must_stop():
    shape = make_shape("two_currencies")
    assert set(shape.transactions["currency"]) == {"GBP", "EUR"}
    assert shape.expect_error


def test_degenerate_shapes():
    once = make_shape("one_time_buyers").transactions
    assert once.groupby("customer_id")["order_id"].nunique().max() == 1
    assert make_shape("two_customers").transactions["customer_id"].nunique() == 2
    prices = make_shape("extreme_price").transactions["unit_price"]
    assert (prices == 1e12).sum() == 1 and prices[prices < 1e12].max() < 1e4


def test_optional_tables_cover_every_subset_of_attributes():
    customers = {name: make_shape(name).customers for name in SHAPES}
    kinds = {name: frozenset(c.columns) - {"customer_id"} if c is not None else frozenset()
             for name, c in customers.items()}
    assert frozenset() in kinds.values()
    assert frozenset({"region", "city"}) in kinds.values()
    assert frozenset({"industry", "company_size"}) in kinds.values()
    assert frozenset({"age", "gender", "income_band"}) in kinds.values()
    surveys = {frozenset(s.columns) for s in (make_shape(n).survey for n in SHAPES)
               if s is not None}
    assert len(surveys) >= 3  # each with only some of the survey's columns


def test_write_shape_writes_files_and_params(tmp_path):
    path = write_shape("left_censored", tmp_path, lang="zh")
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert params["run_name"] == "left_censored_zh" and params["lang"] == "zh"
    assert params["pdf"] is False and params["currency"] == ""
    for table in ("transactions", "customers", "survey", "context"):
        assert (tmp_path / params[table]).is_file(), table
    written = pd.read_csv(params["transactions"], dtype=str, keep_default_na=False)
    assert len(written) == len(make_shape("left_censored").transactions)
    assert write_shape("wholesale", tmp_path / "w", pdf=False).read_text().count("pdf: false")
    cdnow = yaml.safe_load(write_shape("cdnow_panel", tmp_path / "c").read_text())
    assert cdnow["customers"] == cdnow["survey"] == cdnow["context"] == ""
    with pytest.raises(ParameterError, match="shape 'nope' is unknown"):
        make_shape("nope")


def test_ids_read_back_as_written(tmp_path):
    """CSV round trip keeps the float-looking and zero-padded ids as text."""
    write_shape("cdnow_panel", tmp_path)
    back = pd.read_csv(tmp_path / "transactions.csv", dtype=str)
    assert back["cust"].iloc[0] == "00001"
    assert np.all(back["cust"].str.len() == 5)


# --- the kit on every shape ----------------------------------------------------------------

@pytest.mark.corpus
@pytest.mark.notebooks
@pytest.mark.parametrize(("name", "lang"), RUNS, ids=[f"{n}-{lang}" for n, lang in RUNS])
def test_kit_runs_on_shape(name, lang, tmp_path):
    """`custlib run` on the shape: every notebook runs and the run folder holds its
    invariants, or the run stops with the shape's message."""
    params = write_shape(name, tmp_path / "input", lang=lang)
    with params.open("a", encoding="utf-8") as f:  # 20 refits: the ranges exist, CI stays short
        f.write("\nbootstrap_refits: 20\n")
    reports = tmp_path / "reports"
    proc = subprocess.run(
        [sys.executable, "-m", "custlib", "run", "--params", str(params),
         "--reports-dir", str(reports), "--no-html", "--quiet"],
        cwd=tmp_path, capture_output=True, text=True, timeout=1800)
    shape = make_shape(name)
    if shape.expect_error:  # 1: a notebook stopped on the data; 2: the runner refused before
        assert proc.returncode in (1, 2), (proc.returncode, proc.stderr[-3000:])
        assert shape.expect_error in proc.stderr.lower(), proc.stderr[-3000:]
        return
    assert proc.returncode == 0, proc.stderr[-3000:]
    run_name = yaml.safe_load(params.read_text(encoding="utf-8"))["run_name"]
    problems = check_run(reports / run_name)
    for file, texts in SAYS.get(name, {}).items():
        said = (reports / run_name / file).read_text(encoding="utf-8-sig")
        missing = [text for text in texts(shape) if text not in said]
        if missing:
            problems.append(f"{file} does not say {missing}")
    problems += _holdout_error_said(reports / run_name, lang)
    assert not problems, "\n".join(problems)


def _holdout_error_said(folder, lang: str) -> list[str]:
    """Point 2: the chosen model is within 20 % of the holdout total, or the report warns."""
    fitted = json.loads((folder / "data" / "btyd_params.json").read_text(encoding="utf-8"))
    error = (fitted.get("holdout") or {}).get("error_pct")
    if error is None or abs(error) <= 20:
        return []
    key = "large_error_under" if error < 0 else "large_error_over"
    warning = t(f"report.narrative.model.{key}", lang, try_="").strip(" *")[:12]
    report = (folder / "report.html").read_text(encoding="utf-8")
    return [] if warning in report else [f"holdout error {error:+.0f}% without the warning"]
