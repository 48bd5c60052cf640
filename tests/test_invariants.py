"""The run invariants (custlib.run.invariants) on small hand-made run folders: a sound one
passes, and each kind of damage is caught with a message naming the file and the fault."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from custlib.run.invariants import check_run

pytestmark = pytest.mark.unit

LOG_HEADER = ["rule", "action", "rows", "revenue", "% of rows", "% of revenue", "what it means"]
REPORT = """<!DOCTYPE html><html><head><title>nan</title><style>.None {{color: red}}</style>
<script>var x = NaN;</script></head><body><h1>Customer report</h1>
<p>None of the 2 customers bought twice.</p>{body}
<table><caption>Top customers</caption><thead><tr><th>Customer</th><th>CLV</th></tr></thead>
<tbody><tr><td>1</td><td>2.50</td></tr></tbody></table>
<img alt="rfm_segment p_alive" src="data:image/png;base64,AAAA"></body></html>"""


def _figure(path: Path, draw: bool = True) -> None:
    fig, ax = plt.subplots(figsize=(4, 3))
    if draw:
        ax.bar(["a", "b", "c"], [3, 1, 2])
    ax.set_title("Revenue by segment")
    fig.savefig(path.with_suffix(".png"), dpi=80)
    fig.savefig(path.with_suffix(".svg"))
    plt.close(fig)


def _good_run(root: Path) -> Path:
    """A tiny run folder where every invariant holds."""
    for sub in ("data", "tables", "figures"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"customer_id": ["1", "2"], "amount": [10.0, 20.0]}).to_parquet(
        root / "data" / "transactions_clean.parquet")
    pd.DataFrame({"customer_id": [None], "amount": [5.0]}).to_parquet(
        root / "data" / "transactions_anonymous.parquet")
    pd.DataFrame({"rule": ["duplicates"], "revenue": [3.0]}).to_csv(
        root / "tables" / "removed_rows.csv", index=False)
    summary = {"raw_rows": 4, "raw_revenue": 38.0, "kept_rows": 2, "kept_revenue": 30.0,
               "kept_customers": 2, "set_aside_rows": 1, "set_aside_revenue": 5.0,
               "removed_rows": 1, "removed_revenue": 3.0, "adjusted_revenue": 0.0}
    (root / "data" / "cleaning_summary.json").write_text(json.dumps(summary))
    log = [["exact duplicates", "removed", 1, 3.0, 25.0, 7.9, "identical lines"],
           ["no customer id", "set aside", 1, 5.0, 25.0, 13.2, "anonymous sales"],
           ["extreme lines (flagged)", "flagged", 1, 20.0, 25.0, 52.6, "flagged"],
           ["kept for analysis", "kept", 2, 30.0, 50.0, 78.9, "2 customers"],
           ["reconciliation", "kept + set aside + removed = raw", 4, 38.0, 100.0, 100.0, "ok"]]
    pd.DataFrame(log, columns=LOG_HEADER).to_csv(root / "tables" / "cleaning_log.csv",
                                                 index=False, encoding="utf-8-sig")
    pd.DataFrame({"customer_id": ["1", "2"], "rfm_segment": ["Champions", "New"],
                  "p_alive": [0.5, 0.9], "clv": [1.5, 2.5]}).to_csv(
        root / "data" / "customer_value.csv", index=False)
    pd.DataFrame({"purchase_days": [1.0, 3.0, np.nan], "revenue": [10.0, 20.0, np.nan],
                  "mean_gap": [np.nan, 12.0, np.nan]},
                 index=pd.Index(["1", "2", "3"], name="customer_id")).to_parquet(
        root / "data" / "customer_lifecycle.parquet")
    _figure(root / "figures" / "segments_sizes")
    manifest = {"customer_value": {"path": "data/customer_value.csv",
                                   "columns": ["customer_id", "rfm_segment", "p_alive", "clv",
                                               "expected_purchases"]}}
    (root / "manifest.json").write_text(json.dumps(manifest))
    (root / "params.yaml").write_text("lang: en\n")
    (root / "report.html").write_text(REPORT.format(body=""), encoding="utf-8")
    return root


@pytest.fixture
def run_dir(tmp_path) -> Path:
    return _good_run(tmp_path / "run")


def test_a_sound_run_has_no_problem(run_dir):
    assert check_run(run_dir) == []


def test_not_a_run_folder(tmp_path):
    assert check_run(tmp_path) == [f"{tmp_path}: no manifest.json; not a finished run folder"]


def test_rows_that_do_not_add_up(run_dir):
    path = run_dir / "data" / "cleaning_summary.json"
    summary = json.loads(path.read_text())
    path.write_text(json.dumps({**summary, "removed_rows": 2}))
    problems = check_run(run_dir)
    assert "cleaning_summary.json: kept 2 + set aside 1 + removed 2 rows = 5, not the 4 raw " \
           "rows" in problems
    assert "tables/removed_rows.csv: 1 rows; the summary says 2 removed" in problems


def test_revenue_that_does_not_add_up(run_dir):
    path = run_dir / "data" / "cleaning_summary.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "kept_revenue": 31.0}))
    problems = check_run(run_dir)
    assert "cleaning_summary.json: kept + set aside + removed + netted revenue = 39.00, not " \
           "the raw 38.00" in problems
    assert "data/transactions_clean.parquet: 2 rows, revenue 30.00; the summary says 2 rows, " \
           "31.00" in problems


def test_a_cleaning_log_whose_rules_miss_rows(run_dir):
    path = run_dir / "tables" / "cleaning_log.csv"
    log = pd.read_csv(path, encoding="utf-8-sig")
    log.loc[0, "rows"] = 0
    log.to_csv(path, index=False, encoding="utf-8-sig")
    assert check_run(run_dir) == ["tables/cleaning_log.csv: its rules account for 1 rows; "
                                  "raw - kept is 2"]


@pytest.mark.parametrize(("value", "said"), [(np.nan, "1 NaN and 0 infinite"),
                                             (np.inf, "0 NaN and 1 infinite")])
def test_a_customer_value_that_is_not_finite(run_dir, value, said):
    path = run_dir / "data" / "customer_value.csv"
    table = pd.read_csv(path)
    table.loc[1, "clv"] = value
    table.to_csv(path, index=False)
    assert check_run(run_dir) == [f"data/customer_value.csv: column clv has {said} values"]


def test_value_ranges_hold_their_estimate_and_add_up(run_dir):
    path = run_dir / "tables" / "clv_intervals.csv"
    table = pd.DataFrame({"scope": ["total", "segment", "segment"], "segment": ["", "A", "B"],
                          "customers": [5, 3, 2], "low": [80.0, 50.0, 20.0],
                          "mid": [100.0, 70.0, 30.0], "high": [120.0, 90.0, 40.0]})
    table.to_csv(path, index=False)
    assert check_run(run_dir) == []
    table.loc[2, "low"] = 35.0  # above its estimate
    table.to_csv(path, index=False)
    assert check_run(run_dir) == ["tables/clv_intervals.csv: rows [2] do not hold "
                                  "low <= mid <= high"]
    table.loc[2, ["low", "customers"]] = [20.0, 1]
    table.to_csv(path, index=False)
    assert check_run(run_dir) == ["tables/clv_intervals.csv: the segments' customers or "
                                  "estimates do not add up to the total row"]


def test_lifecycle_gaps_missing_only_where_undefined(run_dir):
    path = run_dir / "data" / "customer_lifecycle.parquet"
    life = pd.read_parquet(path)
    life.loc["2", "mean_gap"] = np.nan  # three purchase days: the gap is defined
    life.to_parquet(path)
    assert check_run(run_dir) == ["data/customer_lifecycle.parquet: column mean_gap has 1 NaN "
                                  "where it is defined and 0 infinite values"]


def test_empty_blank_and_tiny_figures(run_dir):
    figures = run_dir / "figures"
    _figure(figures / "clv_deciles", draw=False)
    from PIL import Image

    Image.new("RGB", (400, 300), "white").save(figures / "flat.png", compress_level=0)
    (figures / "tiny.png").write_bytes(b"\x89PNG\r\n")
    assert check_run(run_dir) == [
        "figures/clv_deciles.png: its axes are empty (no line, bar, point or image in the SVG)",
        "figures/flat.png: one flat colour; nothing is drawn",
        "figures/tiny.png: 6 bytes; not a drawn figure"]


def test_an_axis_with_too_many_labels(run_dir):
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.bar([f"category {i}" for i in range(40)], np.arange(40) + 1)
    fig.savefig(run_dir / "figures" / "report_preferences.png", dpi=60)
    fig.savefig(run_dir / "figures" / "report_preferences.svg")
    plt.close(fig)
    assert check_run(run_dir) == ["figures/report_preferences.png: 40 labels on one axis, more "
                                  "than 30 can be read (keep the top ones and an 'other')"]


@pytest.mark.parametrize("shown", ["<td>nan</td>", "<p>Mean gap: NaT days</p>",
                                   "<p>CLV None</p>", "<p>平均nan元</p>"])
def test_missing_values_in_visible_text(run_dir, shown):
    (run_dir / "report.html").write_text(REPORT.format(body=shown), encoding="utf-8")
    problems = check_run(run_dir)
    assert len(problems) == 1 and problems[0].startswith("report.html: shows '")


def test_raw_column_keys_in_visible_text_only(run_dir):
    body = "<p>Customers by rfm_segment, sorted by expected_purchases.</p>"
    (run_dir / "report.html").write_text(REPORT.format(body=body), encoding="utf-8")
    problems = check_run(run_dir)
    assert [p.split(":")[:2] for p in problems] == [
        ["report.html", " shows the raw column key 'expected_purchases'"],
        ["report.html", " shows the raw column key 'rfm_segment'"]]


def test_an_empty_table(run_dir):
    body = ("<table><caption>Segment priorities</caption><thead><tr><th>Segment</th></tr>"
            "</thead><tbody></tbody></table><table><tr><td> </td></tr></table>")
    (run_dir / "report.html").write_text(REPORT.format(body=body), encoding="utf-8")
    assert check_run(run_dir) == ["report.html: the table 'Segment priorities' has no data",
                                  "report.html: the table '(no caption)' has no data"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_section_that_denies_the_survey_the_run_has(run_dir, lang):
    from custlib.report.narrative import skipped

    (run_dir / "params.yaml").write_text(f"lang: {lang}\n")
    pd.DataFrame({"customer_id": ["1"], "satisfaction": [4]}).to_parquet(
        run_dir / "data" / "survey.parquet")
    body = f"<p>{skipped('survey', lang).strip('*')}</p>"
    (run_dir / "report.html").write_text(REPORT.format(body=body), encoding="utf-8")
    problems = check_run(run_dir)
    assert len(problems) == 1 and "but the run has a survey table of 1 rows" in problems[0]
    (run_dir / "data" / "survey.parquet").unlink()
    assert check_run(run_dir) == []
