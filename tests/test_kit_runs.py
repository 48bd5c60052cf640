"""The kit end to end: one `custlib run` of the demo (every notebook, the report, the
index), compared with the fingerprints in tests/golden, and the kit on CDNOW (make
test-full). A file of its own so that its long run starts first on one worker while the
other worker takes the rest of the suite."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from custlib.report.document import SECTIONS
from custlib.run.runner import discover_notebooks, run


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One `custlib run --params params/demo.yaml` for the tests of this module."""
    tmp_path = tmp_path_factory.mktemp("demo_run")
    from tests.golden import demo_params

    params = demo_params(tmp_path)  # the demo with 20 bootstrap refits, as the golden file
    proc = subprocess.run(
        [sys.executable, "-m", "custlib", "run", "--params", str(params),
         "--reports-dir", str(tmp_path), "--quiet"],
        cwd=tmp_path, capture_output=True, text=True)  # cwd must not matter
    return tmp_path, proc


def test_demo_run_end_to_end(demo_run):
    """`custlib run --params params/demo.yaml` writes the whole run folder."""
    tmp_path, proc = demo_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    run_dir = tmp_path / "demo"
    assert f"report: {run_dir}" in proc.stdout
    for nb in discover_notebooks():
        assert (run_dir / "notebooks" / nb.name).exists()
        assert (run_dir / "html" / f"{nb.stem}.html").exists()
    for rel in ("index.html", "params.yaml", "manifest.json", "run.json",
                "data/transactions_clean.parquet", "data/transactions_anonymous.parquet",
                "data/customers.parquet", "data/survey.parquet",
                "tables/cleaning_log.csv", "figures/cleaning_waterfall_rows.png",
                "data/customer_summary.parquet", "data/customer_segments.parquet",
                "tables/profile_cards.csv", "tables/segment_guide.csv",
                "data/customer_clv.parquet", "data/customer_value.csv",
                "data/btyd_params.json", "tables/model_comparison.csv",
                "figures/clv_tracking.png", "figures/clv_p_alive_history.png",
                "data/customer_lifecycle.parquet", "tables/lifecycle_stages.csv",
                "tables/actions_win_back.csv", "tables/actions_onboarding.csv",
                "figures/lifecycle_flow.png", "figures/lifecycle_survival.png"):
        assert (run_dir / rel).exists(), rel
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["transactions_clean"]["rows"] > 10_000
    segments = manifest["customer_segments"]
    assert {"R", "F", "M", "rfm_code", "rfm_segment", "rfm8_segment", "value_tier",
            "importance", "relationship", "cluster"} <= set(segments["columns"])
    assert segments["rows"] == manifest["customer_summary"]["rows"]
    assert manifest["customer_value"]["rows"] == segments["rows"]
    assert {"rfm_segment", "p_alive", "expected_purchases", "clv", "clv_decile"} <= \
        set(manifest["customer_value"]["columns"])
    html = (run_dir / "index.html").read_text()
    assert "01_data_cleaning" in html and "transactions_clean.parquet" in html
    # the report, its PDF (WeasyPrint, installed by make) and the segment report, linked first
    assert (run_dir / "report.pdf").stat().st_size > 100_000
    assert html.index('href="report.html"') < html.index('href="report.pdf"') < \
        html.index("<h2>Notebooks</h2>")
    # the report: the method's eight sections, each with content, KPIs first
    assert f"report: {run_dir / 'report.html'}" in proc.stdout
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    sections = re.findall(r'<section id="([a-z]+)"><h2>(.*?)</h2>(.*?)</section>', text, re.S)
    assert [s[0] for s in sections] == ["certainty", *SECTIONS]  # how sure, then the eight
    for key, _, body in sections:
        assert len(re.sub(r"<[^>]+>", "", body).strip()) > 40 or "<img" in body, key
    assert 'class="kpi"' in text and text.count("data:image/png;base64,") >= 10
    assert text.count("<caption>") >= 10  # every table says what it is
    segments_text = (run_dir / "report_segments.html").read_text(encoding="utf-8")
    assert "1. Champions" in segments_text and "Traits" in segments_text
    assert "Recommended action" in segments_text
    assert (run_dir / "tables" / "swot.csv").exists()
    # issue 14: the default split (last 12 months of the 3-year log) and rule keep the chosen
    # model within 20 % of the holdout total, and the report says how far off it was
    fitted = json.loads((run_dir / "data" / "btyd_params.json").read_text())
    assert fitted["settings"]["calibration_end"] == "2023-12-31"
    assert fitted["selection_rule"] == "holdout_balanced"
    hold = fitted["holdout"]
    assert abs(hold["error_pct"]) < 20, hold
    chosen = fitted["calibration_models"][fitted["selected_model"]]
    assert chosen["holdout_error_pct"] == hold["error_pct"]
    assert f"a total error of <strong>{hold['error_pct']:+.1f}%</strong>" in text
    assert "An error above 20% is large" not in text


def test_demo_run_solutions_pass_their_checks(demo_run):
    """Issue 18: in the demo run every solution cell's check says right, and every exercise
    cell (still ``answer = ...``) says not answered yet."""
    tmp_path, proc = demo_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    for nb in discover_notebooks():
        cells = json.loads((tmp_path / "demo" / "notebooks" / nb.name).read_text("utf-8"))["cells"]
        said = {tag: [] for tag in ("exercise", "solution")}
        for cell in cells:
            for tag in set(cell["metadata"].get("tags", [])) & set(said):
                html = [o["data"]["text/html"] for o in cell.get("outputs", [])
                        if "text/html" in o.get("data", {})]
                status = re.findall(r"custlib-check-([a-z_]+)", "".join(map("".join, html)))
                said[tag].append(status[-1] if status else "no feedback")
        assert len(said["solution"]) >= 4, nb.name
        assert set(said["solution"]) == {"right"}, (nb.name, said["solution"])
        assert set(said["exercise"]) == {"unanswered"}, (nb.name, said["exercise"])


@pytest.mark.notebooks
@pytest.mark.fullrun
def test_cdnow_run_skips_attribute_sections(tmp_path):
    """CDNOW has no customers table, survey or context: the notebooks still run.

    Without the PDF (the demo run checks it) and the notebooks' HTML.
    """
    from custlib.run.params import load_params

    params = {**load_params("params/cdnow.yaml"), "pdf": False}
    result = run(params, reports_dir=tmp_path, progress=False, html_output=False)
    assert all(nb.status == "ok" for nb in result.notebooks)
    manifest = json.loads((result.folder.root / "manifest.json").read_text())
    assert manifest["transactions_clean"]["rows"] == 6919
    assert "customers" not in manifest
    executed = (result.folder.root / "notebooks" / "02_segmentation.ipynb").read_text()
    assert "This run has no customers table" in executed
    # notebook 03 reproduces Fader, Hardie & Lee (2005) from the raw file and records it
    fitted = json.loads((result.folder.data / "btyd_params.json").read_text())
    assert fitted["settings"]["calibration_end"] == "1997-09-30"
    bg = fitted["calibration_models"]["bgnbd"]
    assert [round(bg["params"][k], 3) for k in ("r", "alpha", "a", "b")] == \
        [0.243, 4.414, 0.793, 2.426]
    assert round(bg["log_likelihood"], 1) == -9582.4
    pareto = fitted["calibration_models"]["pareto"]["params"]
    assert round(pareto["beta"], 3) == 11.669
    assert fitted["selected_model"] in fitted["calibration_models"]
    value = result.folder.data / "customer_value.csv"
    assert len(value.read_text(encoding="utf-8-sig").splitlines()) == 2357 + 1


#: Files whose content records *when* they were written, not what was computed.
def test_same_input_same_numbers(demo_run):
    """The demo run's tables equal the stored fingerprint of an earlier run (tests/golden):
    every random choice (k-means, the starting values of the BTYD fits, the simulations)
    takes random_state, and a refactoring that changes a number fails here."""
    from tests import golden

    first_root, proc = demo_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    actual = golden.fingerprint(first_root / "demo")
    assert len(actual) >= 25  # every table of the five notebooks
    differ = golden.differences(golden.load("demo"), actual)
    assert not differ, "tables that differ from tests/golden/demo.json:\n" + "\n".join(differ[:40])
