"""Shared fixtures. Tests never write into the project's reports/ folder."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_reports(tmp_path, monkeypatch):
    """Point run folders at a temporary directory for every test."""
    monkeypatch.setenv("CUSTLIB_REPORTS_DIR", str(tmp_path / "reports"))
    yield


@pytest.fixture(scope="session")
def cdnow_weekly_summary() -> pd.DataFrame:
    """The CDNOW sample's customer summary in weeks, as the value tests fit it (a copy each)."""
    from custlib.data.cleaning import clean_transactions
    from custlib.data.loading import load_transactions
    from custlib.value.summary import customer_summary

    raw = load_transactions("cdnow_sample")
    tx = clean_transactions(raw, rules={"duplicates": False, "invalid_prices": False},
                            non_product_codes=[]).transactions
    return customer_summary(tx, observation_end="1997-09-30", freq="D", freq_multiplier=7)


@pytest.fixture
def uci_like() -> pd.DataFrame:
    """A small log with UCI Online Retail II column names, as read from CSV (text)."""
    return pd.DataFrame({
        "Invoice": ["489434", "489434", "489435", "C489436", "489437"],
        "StockCode": ["85048", "79323P", "22041", "85048", "POST"],
        "Description": ["LIGHT", "CHERRY", "CARD", "LIGHT", "POSTAGE"],
        "Quantity": ["12", "6", "1", "-2", "1"],
        "InvoiceDate": ["2009-12-01 07:45:00", "2009-12-01 07:45:00",
                        "2009-12-02 10:00:00", "2009-12-03 11:00:00",
                        "2009-12-04 12:00:00"],
        "Price": ["6.95", "2.10", "1.25", "6.95", "18.00"],
        "Customer ID": ["13085", "13085", "", "13085", "12682"],
        "Country": ["United Kingdom"] * 4 + ["France"],
    })


def pytest_configure(config):
    os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def postgres():
    """A throw-away PostgreSQL server for the session (tests/pg.py), stopped after it.

    Skips, saying what to install, where the server binaries or psycopg are missing.
    """
    from tests import pg

    if pg.find_bin() is None:
        pytest.skip(pg.SKIP_REASON)
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install "
                                          "'custlib[sql]' (or the dev extra)")
    try:
        with pg.server() as srv:
            yield srv
    except RuntimeError as exc:
        if "refuses to run as root" in str(exc):
            pytest.skip(str(exc))
        raise


def _write_notebook(path: Path, params: str, body: str) -> None:
    """A three-cell notebook: a title, a tagged parameters cell and ``body``."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# test"), cell, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, str(path))


@pytest.fixture
def make_notebook():
    """Write small notebooks for runner tests: ``make_notebook(path, params, body)``."""
    return _write_notebook


@pytest.fixture
def fake_kernel(monkeypatch):
    """Run notebooks in this process instead of in a Jupyter kernel.

    ``papermill.execute_notebook`` is replaced by a function that injects the parameters
    the way papermill does (:func:`papermill.parameterize.parameterize_notebook`), runs the
    code cells with ``exec`` in one namespace, numbers them like a kernel, writes the
    executed notebook and raises papermill's ``PapermillExecutionError`` (cell, count,
    error) when a cell raises. For the runner's tests of folders, files and states, which
    need a notebook to succeed or fail, not a kernel: each saves a second or more of kernel
    start. The tests of kernels themselves (Ctrl-C, the failing cell named, parameters
    reaching a real kernel) keep the real one.
    """
    import contextlib
    import io

    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    def execute_notebook(input_path, output_path, parameters=None, cwd=None, **_):
        nb = parameterize_notebook(load_notebook_node(str(input_path)), parameters or {},
                                   kernel_name="python3", language="python")
        namespace: dict = {"__name__": "__main__"}
        previous = os.getcwd()
        count = 0
        try:
            if cwd:
                os.chdir(cwd)
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                count += 1
                cell.execution_count = count
                try:
                    with contextlib.redirect_stdout(io.StringIO()):
                        exec(compile(cell.source, f"<cell {index}>", "exec"), namespace)
                except Exception as exc:  # noqa: BLE001 - reported as papermill does
                    cell.outputs = [nbformat.v4.new_output(
                        "error", ename=type(exc).__name__, evalue=str(exc), traceback=[])]
                    nbformat.write(nb, str(output_path))
                    raise PapermillExecutionError(index, count, cell.source,
                                                  type(exc).__name__, str(exc), []) from None
        finally:
            os.chdir(previous)
        nbformat.write(nb, str(output_path))
        return nb

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)
    return execute_notebook


#: The runs the tests that look at the report use: the demo in English and in Chinese, and
#: CDNOW (no customers table, survey or context: a report with sections left out).
REPORT_RUNS = {"en": "params/demo.yaml", "zh": "params/demo_zh.yaml",
               "cdnow": "params/cdnow.yaml"}


@pytest.fixture(scope="session")
def report_runs(tmp_path_factory, worker_id) -> dict[str, Path]:
    """The run folders of :data:`REPORT_RUNS`, made once for the whole session.

    The runs (``custlib run --no-html``: every notebook, the report, its PDF) are made side
    by side; under pytest-xdist the first worker makes them and the other waits for them (a
    lock on a file in the session's shared temporary folder), so ``make test-full`` pays for
    them once. For the tests that look at the report (tests/test_browser.py,
    tests/test_pages.py). Returns ``{"en": <run folder>, "zh": ..., "cdnow": ...}``.

    ``CUSTLIB_REPORT_RUNS=<folder>`` uses the runs already in that folder (``demo/``,
    ``demo_zh/``, ``cdnow/``, as ``custlib run --reports-dir <folder>`` writes them) instead:
    to look again at a report without running the kit again.
    """
    import json
    import subprocess
    import sys

    if os.environ.get("CUSTLIB_REPORT_RUNS"):
        given = Path(os.environ["CUSTLIB_REPORT_RUNS"])
        return {name: given / Path(params).stem for name, params in REPORT_RUNS.items()}
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # every worker's folder is in the session's folder
        shared = shared.parent
    where = shared / "report_runs"
    done = where / "done.json"
    with _exclusive(shared / "report_runs.lock"):
        if not done.exists():
            where.mkdir(exist_ok=True)
            procs = {}
            for name, params in REPORT_RUNS.items():  # side by side; output to files, so
                # that no process waits on a full pipe
                with (where / f"{name}.log").open("w") as log:
                    procs[name] = subprocess.Popen(
                        [sys.executable, "-m", "custlib", "run", "--params", params,
                         "--reports-dir", str(where), "--no-html", "--quiet"],
                        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            outcome = {name: proc.wait() for name, proc in procs.items()}
            done.write_text(json.dumps(outcome), encoding="utf-8")
    outcome = json.loads(done.read_text(encoding="utf-8"))
    for name, returncode in outcome.items():
        if returncode:
            log = (where / f"{name}.log").read_text(encoding="utf-8", errors="replace")
            pytest.fail(f"the {name} run ({REPORT_RUNS[name]}) failed:\n{log[-3000:]}")
    folders = {name: where / Path(params).stem for name, params in REPORT_RUNS.items()}
    for folder in folders.values():
        assert (folder / "report.html").exists(), f"{folder} has no report.html"
    return folders


@contextlib.contextmanager
def _exclusive(path: Path):
    """Hold an exclusive lock on ``path`` (POSIX ``flock``; elsewhere no lock: each pytest
    worker then makes its own runs)."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
