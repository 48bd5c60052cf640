"""Parameter values checked before any notebook runs; YAML read safely (custlib.run.params)."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from custlib.errors import ParameterError
from custlib.run.cli import main
from custlib.run.params import SPEC, did_you_mean, validate, yaml_form
from custlib.run.runner import RUNNER_KEYS, discover_notebooks, notebook_parameters


@pytest.fixture(scope="module")
def declared():
    """The real notebooks' parameters."""
    return {nb.name: notebook_parameters(nb) for nb in discover_notebooks()}


def check(values, declared, source="params/my.yaml"):
    return validate(values, declared, source=source, runner_keys=RUNNER_KEYS)


BAD = [  # (values, exact fragment of the message)
    ({"lang": "fr"}, "params/my.yaml: parameter 'lang' is 'fr'; expected 'en' or 'zh'"),
    ({"model": "foo"}, "parameter 'model' is 'foo'; expected 'auto', 'bgnbd', 'pareto' or "
                       "'mbgnbd'"),
    ({"model": "paretto"}, "(did you mean 'pareto'?)"),
    ({"selection_rule": "x"}, "parameter 'selection_rule' is 'x'; expected 'holdout_balanced', "
                              "'holdout_mae', 'bic', 'aic' or 'holdout_error'"),
    ({"holdout_share": 1}, "parameter 'holdout_share' is 1; expected 0 (automatic) or a share "
                           "strictly between 0 and 1"),
    ({"holdout_share": -0.5}, "parameter 'holdout_share' is -0.5; expected 0 (automatic)"),
    ({"fit_max_seconds": 0}, "parameter 'fit_max_seconds' is 0; expected seconds above 0 "
                             "(at most a day), such as 60"),
    ({"fit_max_seconds": "60"}, "parameter 'fit_max_seconds' is '60'; expected a number "
                                "(notebook 03_clv.ipynb declares fit_max_seconds: float)"),
    ({"margin": -1}, "parameter 'margin' is -1; expected 0 < margin <= 1"),
    ({"margin": 0}, "parameter 'margin' is 0; expected 0 < margin <= 1"),
    ({"horizon_months": 0}, "parameter 'horizon_months' is 0; expected a whole number "
                            "between 1 and 600"),
    ({"annual_discount_rate": -0.5}, "parameter 'annual_discount_rate' is -0.5; expected a "
                                     "yearly rate from 0 up to (not including) 1"),
    ({"time_unit": "Y"}, "parameter 'time_unit' is 'Y'; expected 'D', 'W' or 'M'"),
    ({"model_time_unit": "years"}, "parameter 'model_time_unit' is 'years'; expected "
                                   "'days', 'weeks' or 'months'"),
    ({"snapshot_freq": "D"}, "parameter 'snapshot_freq' is 'D'; expected 'M', 'Q' or 'W'"),
    ({"unmatched_cancellations": "delete"}, "parameter 'unmatched_cancellations' is "
                                            "'delete'; expected 'drop' or 'keep'"),
    ({"rfm_monetary": "sum"}, "parameter 'rfm_monetary' is 'sum'; expected 'total' or "
                              "'average'"),
    ({"kpi_months": 0}, "parameter 'kpi_months' is 0; expected a whole number between 1 "
                        "and 120"),
    ({"locale": "en_XX"}, "parameter 'locale' is 'en_XX'; expected '' (from lang) or a Babel "
                          "locale such as 'en_GB', 'en_US', 'de_DE' or 'zh_Hans_CN' (language "
                          "and territory joined by '_'"),
    ({"observation_end": "2024-13-45"}, "parameter 'observation_end' is '2024-13-45'; "
                                        "expected a date such as '2024-12-31'"),
    ({"observation_start": "2024-06-01", "observation_end": "2024-01-31"},
     "parameter 'observation_end' (2024-01-31) is before 'observation_start' (2024-06-01)"),
    ({"observation_end": "2024-06-30", "calibration_end": "2024-07-01"},
     "parameter 'calibration_end' (2024-07-01) is not before 'observation_end'"),
    ({"columns": {"customer": "Customer ID"}},
     "parameter 'columns' is {customer: Customer ID}; expected a mapping {contract name: "
     "your column}; 'customer' is not a contract name (did you mean 'customer_id'?)"),
    ({"rules": {"duplicate": False}}, "'duplicate' is not a rule (did you mean "
                                      "'duplicates'?); rules: parse_types, duplicates"),
    ({"rules": {"duplicates": "no"}}, "write for example 'rules: {duplicates: false}'"),
    ({"n_clusters": 1}, "parameter 'n_clusters' is 1; expected 0 (chosen by the silhouette"),
    ({"high_value_share": 0.9, "medium_value_share": 0.8},
     "parameter 'medium_value_share' (0.8) is not above 'high_value_share' (0.9)"),
    ({"lang": True}, "parameter 'lang' is true; expected text (notebook 01_data_cleaning."
                     "ipynb declares lang: str)"),
    ({"horizon_months": 6.5}, "parameter 'horizon_months' is 6.5; expected a whole number"),
    ({"margin": float("nan")}, "parameter 'margin' is .nan; expected 0 < margin <= 1"),
    ({"hoizon_months": 6}, "params/my.yaml: unknown parameter 'hoizon_months' (did you mean "
                           "'horizon_months' or 'kpi_months'?)"),
]


@pytest.mark.parametrize(("values", "fragment"), BAD, ids=[str(v) for v, _ in BAD])
def test_bad_values_are_refused_with_the_file_and_yaml_form(values, fragment, declared):
    with pytest.raises(ParameterError) as err:
        check(values, declared)
    assert fragment in str(err.value)


def test_good_values_pass_and_yaml_dates_become_text(declared):
    values = {"lang": "zh", "model": "pareto", "holdout_share": 0.4, "margin": 1,
              "annual_discount_rate": 0, "time_unit": "weeks", "kpi_months": 6,
              "observation_start": dt.date(2022, 1, 1), "observation_end": "2024-12-31",
              "calibration_end": "2023-06-30", "columns": {"customer_id": "Customer ID",
                                                           "channel": None},
              "rules": {"duplicates": False}, "run_name": "x"}
    out = check(values, declared)
    assert out["observation_start"] == "2022-01-01"
    assert out["margin"] == 1 and out["columns"]["channel"] is None


NEW_01 = {"01_data_cleaning.ipynb": {k: {"type": "str"} for k in
                                     ("separator", "encoding", "decimal", "thousands",
                                      "timezone")}}


@pytest.mark.parametrize(("values", "fragment"), [
    ({"encoding": "latin-9x"}, "parameter 'encoding' is 'latin-9x'; expected '' (detected) "
                               "or an encoding such as 'utf-8'"),
    ({"decimal": ";"}, "parameter 'decimal' is ';'; expected '', '.' or ','"),
    ({"thousands": "_"}, "parameter 'thousands' is '_'; expected '', ',', '.', ' ', '''' or "
                         "'none'"),
    ({"timezone": "Europe/Londn"}, "parameter 'timezone' is 'Europe/Londn'; expected '' or an "
                                   "IANA time zone"),
    ({"separator": ";;"}, "parameter 'separator' is ';;'; expected '' (detected) or one "
                          "character"),
])
def test_parameters_being_added_to_notebook_01(values, fragment):
    with pytest.raises(ParameterError) as err:
        check(values, NEW_01)
    assert fragment in str(err.value)
    good = {"encoding": "latin-1", "decimal": ",", "thousands": ".", "timezone":
            "Europe/London", "separator": ";"}
    assert check(good, NEW_01) == good


def test_spec_entries_for_undeclared_parameters_are_harmless():
    assert "timezone" in SPEC
    assert check({"n": 3}, {"01_x.ipynb": {"n": {"type": "int"}}}) == {"n": 3}


def test_spec_choices_match_the_library():
    from custlib.data.cleaning import RULES
    from custlib.value.btyd import MODELS, ModelComparison

    with pytest.raises(ParameterError) as err:
        check({"model": "?"}, {"03.ipynb": {"model": {"type": "str"}}})
    assert all(repr(m) in str(err.value) for m in ("auto", *MODELS))
    with pytest.raises(ParameterError) as err:
        check({"rules": {"?": True}}, {"01.ipynb": {"rules": {"type": "dict"}}})
    assert ", ".join(RULES) in str(err.value)
    assert SPEC["selection_rule"].build().choices == tuple(ModelComparison.RULES)


def test_helpers():
    assert yaml_form("it's") == "'it''s'" and yaml_form(False) == "false"
    assert yaml_form([1, "a"]) == "[1, a]"
    assert did_you_mean("lnag", ["lang", "margin"]) == " (did you mean 'lang'?)"
    assert did_you_mean("zzz", ["lang"]) == ""


# --- through the command line: exit 2, nothing written -------------------------------------

@pytest.mark.parametrize(("text", "fragment"), [
    ("lang: fr\n", "bad.yaml: parameter 'lang' is 'fr'; expected 'en' or 'zh'"),
    ("margin: -1\n", "bad.yaml: parameter 'margin' is -1; expected 0 < margin <= 1"),
    ("observation_end: 2024-13-45\n", "parameter 'observation_end' is '2024-13-45'"),
    ("langg: en\n", "unknown parameter 'langg' (did you mean 'lang'?)"),
])
def test_cli_exits_2_before_anything_runs(tmp_path, capsys, text, fragment):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    assert main(["run", "--params", str(bad), "--reports-dir", str(tmp_path / "rep")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("custlib: error: ") and fragment in err
    assert not (tmp_path / "rep").exists()


# --- safe YAML ------------------------------------------------------------------------------

BOMB = """columns:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_fails_fast(tmp_path, capsys):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB)
    start = time.perf_counter()
    assert main(["run", "--params", str(bomb), "--reports-dir", str(tmp_path / "rep")]) == 2
    assert time.perf_counter() - start < 1.0
    err = capsys.readouterr().err
    assert "bomb.yaml is not valid YAML: found the anchor '&a'; aliases and anchors " \
           "(&name / *name) are not allowed" in err
    assert "line 2, column 6" in err


def test_alias_without_anchor_and_context_files_are_refused(tmp_path):
    from custlib.data.loading import load_context, read_yaml_mapping
    from custlib.errors import DataError

    alias = tmp_path / "alias.yaml"
    alias.write_text("lang: *x\n")
    with pytest.raises(ParameterError, match="found the alias|undefined alias|found undefined"):
        read_yaml_mapping(alias, ParameterError, "parameters")
    ctx = tmp_path / "context.yaml"
    ctx.write_text("company: &c {name: A}\ncompetitors: [*c]\n")
    with pytest.raises(DataError, match="aliases and anchors"):
        load_context(str(ctx))


def test_yaml_size_limit_and_python_tags(tmp_path):
    from custlib.data.loading import read_yaml_mapping

    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * (1024 * 1024) + "\nlang: en\n")
    with pytest.raises(ParameterError) as err:
        read_yaml_mapping(big, ParameterError, "parameters")
    assert "big.yaml is 1,048,588 bytes; expected a YAML file of at most 1,048,576 bytes " \
           "(1 MiB)" in str(err.value)
    tag = tmp_path / "tag.yaml"
    tag.write_text("lang: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ParameterError, match="not valid YAML"):
        read_yaml_mapping(tag, ParameterError, "parameters")
