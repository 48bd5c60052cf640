"""Workflow helpers: notebooks that stand on their own, with the notebooks' own defaults."""

from __future__ import annotations

import ast
import json

import numpy as np
import pandas as pd
import pytest

from custlib.data.cleaning import DEFAULT_NON_PRODUCT_CODES
from custlib.errors import CustlibError, ParameterError
from custlib.run import artefacts
from custlib.run.config import NOTEBOOKS_DIR, run_folder
from custlib.run.params import notebook_defaults, notebook_parameters
from custlib.run.standalone import provide, step_parameters
from custlib.run.workflow import (
    clean_tables,
    customer_labels,
    lifecycle_thresholds,
    report_inputs,
    run_cleaning,
)


def test_notebook_defaults_are_the_parameters_cell_as_values():
    params = notebook_parameters(NOTEBOOKS_DIR / "01_data_cleaning.ipynb")
    defaults = notebook_defaults("01")
    assert list(defaults) == list(params)
    assert defaults == {k: ast.literal_eval(v["default"]) for k, v in params.items()}
    assert defaults["dayfirst"] is False and defaults["extreme_factor"] == 3.0
    # the cleaning function's own default agrees with the notebook's
    assert defaults["non_product_codes"] == list(DEFAULT_NON_PRODUCT_CODES)
    # by number, name or path; a fresh copy every time
    assert notebook_defaults("2") == notebook_defaults("02_segmentation") == \
        notebook_defaults(NOTEBOOKS_DIR / "02_segmentation.ipynb")
    notebook_defaults("01")["columns"]["x"] = "y"
    assert notebook_defaults("01")["columns"] == {}
    with pytest.raises(ParameterError, match="'09' names no notebook"):
        notebook_defaults("09")


def test_a_default_that_is_not_a_literal_is_named(tmp_path, make_notebook):
    make_notebook(tmp_path / "01_x.ipynb", 'n: int = 1  # n\nwhen: str = str(3)  # w', "")
    with pytest.raises(CustlibError, match="01_x.ipynb: the default of parameter 'when' is "
                                           "'str\\(3\\)'; expected a Python literal"):
        notebook_defaults("01", tmp_path)


def test_clean_tables_cleans_a_fresh_run_with_its_params_and_says_so(tmp_path):
    run = run_folder("fresh", tmp_path)
    (run.root / "params.yaml").write_text("observation_start: '2023-01-01'\nlang: en\n"
                                          "unrelated_param: 3\n")
    with pytest.warns(UserWarning, match="Notebook 01_data_cleaning has not run for run "
                                         "fresh: the data are cleaned here with its "
                                         "parameters \\(params.yaml: observation_start, "
                                         "lang\\) and its defaults for the rest"):
        tables = clean_tables(run)
    assert tables.transactions["order_date"].min() >= pd.Timestamp("2023-01-01")
    assert tables.customers is not None and tables.survey is not None
    assert tables.currency == "GBP"
    assert (run.data / "transactions_clean.parquet").exists()
    [note] = artefacts.read_notes(run)
    assert note["step"] == "cleaning" and note["notebook"] == "01_data_cleaning"
    assert note["parameters"]["observation_start"] == "2023-01-01"
    assert note["parameters"]["cancel_prefix"] == "C"  # notebook 01's default
    assert note["from_params_yaml"] == ["observation_start", "lang"]
    again = clean_tables(run)  # second call reads the files, silently
    assert len(again.transactions) == len(tables.transactions)
    # later notebooks read the lines without what only notebook 01 shows
    from custlib.run.workflow import CODED, NOT_READ

    stored = pd.read_parquet(run.data / "transactions_clean.parquet")
    assert set(NOT_READ) <= set(stored.columns)
    assert list(again.transactions.columns) == [c for c in stored.columns if c not in NOT_READ]
    coded = {c: "str" for c in CODED if c in stored}  # held as categories (the next test)
    assert coded
    pd.testing.assert_frame_equal(again.transactions.astype(coded),
                                  stored.drop(columns=list(NOT_READ)))
    assert len(artefacts.read_notes(run)) == 1


def test_run_cleaning_rejects_unknown_parameters(tmp_path):
    with pytest.raises(ParameterError, match="'observation_finish'"):
        run_cleaning(run_folder("x", tmp_path), observation_finish="2024-01-01")
    with pytest.raises(ParameterError, match="'run_name'"):
        run_cleaning(run_folder("x", tmp_path), run_name="y")


def test_cdnow_run_has_no_optional_tables(tmp_path):
    run = run_folder("cd", tmp_path)
    run_cleaning(run, transactions="cdnow_sample", customers="", survey="", context="",
                 rules={"duplicates": False, "invalid_prices": False}, non_product_codes=[])
    tables = clean_tables(run)
    assert tables.customers is None and tables.survey is None
    assert tables.transactions["customer_id"].nunique() == 2357
    assert tables.observation_end == "1998-06-30"
    assert artefacts.read_notes(run) == []  # cleaned by run_cleaning: nothing to say


@pytest.fixture(scope="module")
def cdnow_clean(tmp_path_factory):
    run = run_folder("cd", tmp_path_factory.mktemp("rep"))
    run_cleaning(run, transactions="cdnow_sample", customers="", survey="", context="",
                 rules={"duplicates": False, "invalid_prices": False}, non_product_codes=[])
    return run, clean_tables(run)


def test_segments_and_lifecycle_computed_with_the_notebooks_defaults(cdnow_clean, tmp_path):
    from custlib.lifecycle.stages import LifecycleStager, purchase_days
    from custlib.segments import rfm
    from custlib.value import summary

    run, clean = cdnow_clean
    (run.root / "notes.json").unlink(missing_ok=True)
    with pytest.warns(UserWarning, match="运行 cd 尚未运行笔记本 02_segmentation"):
        labels = customer_labels(run, clean, lang="zh")  # said in the notebook's language
    cust = summary.customer_summary(clean.transactions, observation_end=clean.observation_end)
    expected = rfm.RFMScorer().fit(cust).transform(cust)
    pd.testing.assert_series_equal(labels["rfm_code"], expected["rfm_code"])
    assert labels["rfm_segment"].map(type).eq(str).all()
    assert {"n_orders", "total_revenue"} <= set(labels.columns)
    days = purchase_days(clean.transactions)
    with pytest.warns(UserWarning, match="Notebook 04_lifecycle has not run for run cd: the "
                                         "lifecycle thresholds are learnt here"):
        thresholds = lifecycle_thresholds(run, days)  # the run's language: en by default
    st = LifecycleStager().fit(days)
    assert thresholds == {"active_days": st.active_days_, "churn_days": st.churn_days_,
                          "new_days": st.new_days_, "loyal_purchases": st.loyal_purchases_,
                          "risk_factor": 1.5}
    with pytest.warns(UserWarning, match="02_segmentation") as caught:
        inputs = report_inputs(run, clean, lang="en")
    assert len(caught) == 1  # one step, said once
    assert inputs.missing() == ["03_clv", "04_lifecycle"]
    notes = artefacts.read_notes(run)
    assert [n["step"] for n in notes] == ["segments", "lifecycle", "segments"]
    assert notes[0]["text"].startswith("运行 cd 尚未运行笔记本 02_segmentation")
    assert notes[0]["parameters"]["rfm_monetary"] == "total"


def test_provide_reads_what_the_run_has_and_names_unknown_steps(tmp_path):
    run = run_folder("r", tmp_path)
    artefacts.save_json({"active_days": 1}, run, "lifecycle_thresholds")
    assert provide(run, "lifecycle", lambda: "read", lambda p: "computed") == "read"
    assert artefacts.read_notes(run) == []
    with pytest.raises(ParameterError, match="step 'rfm' is unknown"):
        provide(run, "rfm", lambda: None, lambda p: None)
    (run.root / "params.yaml").write_text("lang: zh\nrisk_factor: 2.0\nmodel: bgnbd\n")
    params, given = step_parameters(run, "04")
    assert given == ["lang", "risk_factor"] and params["risk_factor"] == 2.0
    assert params["snapshot_freq"] == "M" and "run_name" not in params
    assert json.loads((run.data / "lifecycle_thresholds.json").read_text()) == \
        {"active_days": 1}


def test_load_table_reads_text_columns_as_categories_sorted_as_the_text(tmp_path):
    """Few distinct texts in a big table: a code per line, the same values, and sorting,
    grouping and comparing as the text does (categories in text order, not first seen)."""
    run = run_folder("cat", tmp_path)
    table = pd.DataFrame({"country": ["Wales", "EIRE", None, "Wales", "Åland", "Belgium"],
                          "n": [1, 2, 3, 4, 5, 6], "code": ["b", "a", "b", "c", "a", "b"]})
    artefacts.save_table(table, run, "lines")
    coded = artefacts.load_table(run, "lines", categories=("country", "n", "missing"),
                                 exclude=("code",))
    assert isinstance(coded["country"].dtype, pd.CategoricalDtype)
    assert list(coded["country"].cat.categories) == ["Belgium", "EIRE", "Wales", "Åland"]
    assert not coded["country"].cat.ordered and coded["n"].dtype == "int64"  # text only
    pd.testing.assert_series_equal(coded["country"].astype("str"),
                                   table["country"].astype("str"))
    assert coded.sort_values("country")["n"].tolist() == \
        table.sort_values("country")["n"].tolist()
    assert coded.groupby("country")["n"].sum().to_dict() == \
        table.groupby("country")["n"].sum().to_dict()
    assert list(coded) == ["country", "n"]


def test_the_clean_lines_hold_their_few_valued_texts_as_categories(tmp_path):
    from custlib.run import workflow

    run = run_folder("coded", tmp_path)
    workflow.run_cleaning(run, transactions="demo", customers="", survey="", context="")
    clean = workflow.clean_tables(run).transactions
    saved = pd.read_parquet(run.data / "transactions_clean.parquet")
    for col in workflow.CODED:
        assert isinstance(clean[col].dtype, pd.CategoricalDtype), col
        assert (clean[col].astype("str") == saved[col]).all(), col
    assert clean["customer_id"].dtype == saved["customer_id"].dtype == "str"  # ids stay text


def test_load_table_column_by_column_is_what_pandas_reads(tmp_path):
    """The big tables are read a column at a time (memory): the frame pandas reads, type
    for type, in several row groups, with a stored category and a range index that is not
    0, 1, 2 ... (read by pandas instead, so that it is kept)."""
    import pyarrow.parquet as pq

    run = run_folder("cols", tmp_path)
    n = 2_500
    rng = np.random.default_rng(3)
    table = pd.DataFrame({
        "customer_id": pd.Series([f"c{i % 97}" if i % 11 else None for i in range(n)],
                                 dtype="str"),
        "order_date": pd.date_range("2020-01-01", periods=n, freq="h"),
        "stamp": pd.date_range("2020-01-01", periods=n, freq="min", tz="Europe/Paris"),
        "amount": np.where(rng.random(n) < 0.1, np.nan, rng.normal(50, 20, n)),
        "units": pd.array([i if i % 7 else None for i in range(n)], dtype="Int64"),
        "flag": rng.random(n) < 0.5,
        "kind": pd.Categorical(rng.choice(["b", "a", "c"], n)),
        "country": rng.choice(["Wales", "EIRE", "Åland"], n),
        "note": [f"x{i}" for i in range(n)]})
    artefacts.save_table(table, run, "lines")
    path = run.data / "lines.parquet"
    pq.write_table(pq.read_table(path), path, row_group_size=600)  # 5 row groups
    read = artefacts.load_table(run, "lines", exclude=("note",), categories=("country",))
    expected = pd.read_parquet(path, columns=[c for c in table if c != "note"],
                               read_dictionary=["country"])
    expected["country"] = expected["country"].cat.reorder_categories(["EIRE", "Wales", "Åland"])
    pd.testing.assert_frame_equal(read, expected, check_exact=True)
    assert read["customer_id"].dtype == "str" and read["units"].dtype == "Int64"
    assert str(read["stamp"].dt.tz) == "Europe/Paris" and read["amount"].isna().sum() > 200
    shifted = table.iloc[:5].set_axis(pd.RangeIndex(10, 15))  # kept in the file's metadata
    artefacts.save_table(shifted, run, "shifted", index=True)
    back = artefacts.load_table(run, "shifted", exclude=("note",))
    assert list(back.index) == [10, 11, 12, 13, 14]
    pd.testing.assert_frame_equal(back, shifted.drop(columns="note"))


def test_load_table_leaves_out_columns_and_keeps_a_stored_index(tmp_path):
    run = run_folder("idx", tmp_path)
    table = pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": [0.5, 1.5]},
                         index=pd.Index(["p", "q"], name="customer_id"))
    artefacts.save_table(table, run, "some_table")
    pd.testing.assert_frame_equal(artefacts.load_table(run, "some_table", exclude=("b", "z")),
                                  table[["a", "c"]])
    pd.testing.assert_frame_equal(artefacts.load_table(run, "some_table"), table)


def test_report_inputs_read_the_snapshots_as_the_report_counts_them(tmp_path):
    """Notebook 05 reads the snapshots' dates and stages only (a row per customer and month
    on a big log): the stage counts, their alt text and the KPIs are those of the whole
    table."""
    from custlib.lifecycle import stages, transitions
    from custlib.report import figures, kpis
    from custlib.run import workflow
    from custlib.run.results import save_lifecycle

    run = run_folder("snap", tmp_path)
    workflow.run_cleaning(run, transactions="demo", customers="", survey="", context="")
    clean = workflow.clean_tables(run)
    days = stages.purchase_days(clean.transactions)
    stager = stages.LifecycleStager().fit(days)
    save_lifecycle(run, stager.state_at(days, clean.observation_end),
                   stager.snapshots(days, end=clean.observation_end), None,
                   pd.DataFrame({"customers": [1]}), {})
    with pytest.warns(UserWarning, match="02_segmentation"):
        inputs = report_inputs(run, clean, lang="en")
    snaps = inputs.snapshots
    assert list(snaps) == ["snapshot", "stage"]
    assert isinstance(snaps["stage"].dtype, pd.CategoricalDtype)
    full = artefacts.load_table(run, "lifecycle_snapshots")
    assert len(snaps) == len(full) > 10_000 and full["stage"].nunique() >= 5
    for lang in ("en", "zh"):
        pd.testing.assert_frame_equal(transitions.stage_counts(snaps, lang=lang),
                                      transitions.stage_counts(full, lang=lang))
        assert figures.stages_alt(snaps, lang) == figures.stages_alt(full, lang)
    pd.testing.assert_frame_equal(
        kpis.kpis(clean.transactions, clean.observation_end, snapshots=snaps),
        kpis.kpis(clean.transactions, clean.observation_end, snapshots=full))


def test_notebook_05_reads_the_purchase_days_notebook_04_saved(tmp_path):
    """Saved by save_lifecycle, read back as they were grouped; grouped again without them."""
    from custlib.lifecycle import stages
    from custlib.run import workflow
    from custlib.run.results import save_lifecycle

    run = run_folder("days", tmp_path)
    workflow.run_cleaning(run, transactions="demo", customers="", survey="", context="")
    clean = workflow.clean_tables(run)
    days = stages.purchase_days(clean.transactions)
    assert len(days) > 5_000
    # not saved yet: grouped from the lines, the same table
    pd.testing.assert_frame_equal(workflow.purchase_days(run, clean), days, check_exact=True)
    stager = stages.LifecycleStager().fit(days)
    save_lifecycle(run, stager.state_at(days, clean.observation_end),
                   stager.snapshots(days, end=clean.observation_end), None,
                   pd.DataFrame({"customers": [1]}), {}, days=days)
    assert artefacts.read_manifest(run)["purchase_days"]

    class NoLines:  # the clean tables of a run whose days were saved: the lines are not read
        @property
        def lines(self):
            raise AssertionError("the lines were grouped again")

    back = workflow.purchase_days(run, NoLines())
    pd.testing.assert_frame_equal(back, days, check_exact=True)
