"""The Papermill runner and the command line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from custlib.errors import ParameterError
from custlib.run.cli import main
from custlib.run.runner import RunError, discover_notebooks, notebook_parameters, run

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tiny_kit(tmp_path, make_notebook):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    make_notebook(nbs / "01_first.ipynb",
              'run_name: str = "x"  # run\nreports_dir: str = ""  # where\nn: int = 1  # n',
              "from custlib.run.config import run_folder\n"
              "rf = run_folder(run_name, reports_dir)\n"
              "(rf.root / 'out.txt').write_text(str(n * 2))")
    make_notebook(nbs / "02_fails.ipynb", 'run_name: str = "x"  # run\nflag: bool = False  # f',
              "x = 1\nraise ValueError('boom in 02')")
    (nbs / "README.md").write_text("not a notebook")
    return nbs


def test_discovery_and_parameters(tiny_kit):
    assert [p.name for p in discover_notebooks(tiny_kit)] == ["01_first.ipynb", "02_fails.ipynb"]
    params = notebook_parameters(tiny_kit / "01_first.ipynb")
    assert params["n"]["type"] == "int" and params["n"]["help"] == "n"


def test_runs_only_selected_and_passes_parameters(tiny_kit, tmp_path):
    result = run({"n": 21}, only=["01"], run_name="r1", reports_dir=tmp_path / "rep",
                 notebooks_dir=tiny_kit, progress=False)
    assert (tmp_path / "rep" / "r1" / "out.txt").read_text() == "42"
    assert [nb.status for nb in result.notebooks] == ["ok"]
    assert (result.folder.root / "html" / "01_first.html").exists()
    assert result.report == result.folder.root / "index.html"
    run_json = json.loads((result.folder.root / "run.json").read_text())
    assert run_json["notebooks"][0]["status"] == "ok"


def test_only_keeps_the_results_of_the_notebooks_not_run(tiny_kit, tmp_path):
    rep = tmp_path / "rep"
    run({"n": 21}, only=["01"], run_name="k", reports_dir=rep, notebooks_dir=tiny_kit,
        progress=False)
    (rep / "k" / "from_02.txt").write_text("kept")  # what another notebook wrote earlier
    run({"n": 5}, only=["01"], run_name="k", reports_dir=rep, notebooks_dir=tiny_kit,
        progress=False)
    assert (rep / "k" / "out.txt").read_text() == "10"  # rerun: replaced
    assert (rep / "k" / "from_02.txt").read_text() == "kept"  # not rerun: kept
    assert sorted(p.name for p in rep.iterdir()) == ["k"]  # no partial folder left


def test_failure_names_notebook_and_cell_and_keeps_it(tiny_kit, tmp_path):
    with pytest.raises(RunError) as err:
        run({}, run_name="r2", reports_dir=tmp_path / "rep", notebooks_dir=tiny_kit,
            progress=False)
    msg = str(err.value)
    assert "02_fails.ipynb" in msg and "cell In [3]" in msg and "boom in 02" in msg
    assert "begins 'x = 1'" in msg
    # the failed run is kept under a clear name, and the message says where
    kept = tmp_path / "rep" / "r2.failed" / "notebooks" / "02_fails.ipynb"
    assert f"the executed notebook is kept for inspection: {kept}" in msg
    assert kept.exists() and "boom in 02" in kept.read_text()
    # the first notebook ran before the failure
    assert (tmp_path / "rep" / "r2.failed" / "out.txt").read_text() == "2"
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == ["r2.failed"]
    state = json.loads((tmp_path / "rep" / "r2.failed" / "run.json").read_text())
    assert state["status"] == "failed" and state["report"] is None
    assert [n["status"] for n in state["notebooks"]] == ["ok", "failed"]
    assert state["error"].startswith("notebook 02_fails.ipynb failed in cell In [3]")
    index = (tmp_path / "rep" / "r2.failed" / "index.html").read_text()
    assert "<title>custlib run r2 FAILED</title>" in index and "FAILED: a notebook" in index


def test_a_kernel_that_dies_is_named_with_its_cell_and_what_to_try(tmp_path, make_notebook):
    """A kernel killed (as the system kills one out of memory) says where it died and what
    to try, naming parameters and options that exist."""
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    make_notebook(nbs / "01_dies.ipynb", 'run_name: str = "x"  # run',
                  "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\ny = 2")
    with pytest.raises(RunError) as err:
        run({}, run_name="k", reports_dir=tmp_path / "rep", notebooks_dir=nbs, progress=False)
    msg = str(err.value)
    # named by its count when the kernel gave it one before it died, else by its place
    assert re.search(r"notebook 01_dies\.ipynb failed in cell (In \[3\]|3), which begins "
                     r"'import os, signal',", msg), msg
    assert "with DeadKernelError: Kernel died" in msg
    assert "running out of memory (this machine has " in msg
    cleaning = notebook_parameters(ROOT / "notebooks" / "01_data_cleaning.ipynb")
    for name in ("engine", "observation_start", "observation_end"):  # parameters that exist
        assert f"{name}" in msg and name in cleaning
    assert "custlib run --each country" in msg
    assert '"--each"' in (ROOT / "custlib" / "run" / "cli.py").read_text(encoding="utf-8")
    assert "the executed notebook is kept for inspection" in msg


def test_duckdb_out_of_memory_names_the_limits_variable_and_the_window(tmp_path, make_notebook,
                                                                      monkeypatch):
    """DuckDB's own message suggests SQL settings; the run adds the kit's: the variable of
    the engine's memory limit, with the limit in force, and the window's parameters."""
    duckdb = pytest.importorskip("duckdb", reason="pip install duckdb (custlib[fast])")
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    make_notebook(nbs / "01_oom.ipynb", 'run_name: str = "x"  # run',
                  "import duckdb\nraise duckdb.OutOfMemoryException("
                  "'Out of Memory Error: failed to allocate data of size 64.0 MiB')")
    monkeypatch.setenv("CUSTLIB_DUCKDB_MEMORY", "750MB")
    with pytest.raises(RunError) as err:
        run({}, run_name="m", reports_dir=tmp_path / "rep", notebooks_dir=nbs, progress=False)
    msg = str(err.value)
    assert "with OutOfMemoryException: Out of Memory Error" in msg
    assert "reached its memory limit of 750MB" in msg
    assert "CUSTLIB_DUCKDB_MEMORY=4GB custlib run --params" in msg
    cleaning = notebook_parameters(ROOT / "notebooks" / "01_data_cleaning.ipynb")
    for name in ("engine", "observation_start", "observation_end"):
        assert f"parameter{'s' if name != 'engine' else ''} " in msg and name in msg \
            and name in cleaning
    from custlib.data.engines import staging

    log = staging.StagedLog(pd.DataFrame({"customer_id": ["a"], "order_date": ["2024-01-01"]}))
    try:  # the variable is the limit the engine's DuckDB runs with
        ours = log.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        con = duckdb.connect()
        con.execute("SET memory_limit = '750MB'")
        assert ours == con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    finally:
        log.close()


@pytest.mark.parametrize("value", ["lots", "4 G", "-1GB", "GB", "0GB", "3B", "99MB", "0.05GiB"])
def test_a_memory_limit_duckdb_cannot_read_is_named_with_its_variable(monkeypatch, value):
    from custlib.data.engines import staging

    assert staging.resolve_memory_limit() == "1GB"
    assert staging.resolve_memory_limit("3GB") == "3GB"
    monkeypatch.setenv("CUSTLIB_DUCKDB_MEMORY", " 2.5GiB ")
    assert staging.resolve_memory_limit() == "2.5GiB"
    monkeypatch.setenv("CUSTLIB_DUCKDB_MEMORY", "100mb")
    assert staging.resolve_memory_limit() == "100mb"
    monkeypatch.setenv("CUSTLIB_DUCKDB_MEMORY", value)
    with pytest.raises(ParameterError, match=r"environment variable CUSTLIB_DUCKDB_MEMORY is "
                                             r".*(not a size DuckDB reads|less than the 100MB)"
                                             r".*expected a number and a unit, such as '4GB'"):
        staging.resolve_memory_limit()


def test_failed_rerun_leaves_the_previous_run_untouched(tiny_kit, tmp_path, fake_kernel):
    rep = tmp_path / "rep"
    first = run({"n": 5}, only=["01"], run_name="r", reports_dir=rep, notebooks_dir=tiny_kit,
                progress=False)
    assert first.folder.root == rep / "r" and (rep / "r" / "out.txt").read_text() == "10"
    before = {p.relative_to(rep / "r"): p.read_bytes() for p in (rep / "r").rglob("*")
              if p.is_file()}
    with pytest.raises(RunError):
        run({"n": 7}, run_name="r", reports_dir=rep, notebooks_dir=tiny_kit, progress=False)
    after = {p.relative_to(rep / "r"): p.read_bytes() for p in (rep / "r").rglob("*")
             if p.is_file()}
    stamped = {Path("run.json"), Path("index.html")}
    assert set(after) == set(before)
    assert {k: v for k, v in after.items() if k not in stamped} == \
        {k: v for k, v in before.items() if k not in stamped}  # results byte for byte
    # run.json still says the old run, "ok", and that a newer attempt failed, and where
    old_state = json.loads((rep / "r" / "run.json").read_text())
    assert old_state["status"] == "ok" and old_state["folder"] == str(rep / "r")
    assert old_state["last_attempt"]["status"] == "failed"
    assert old_state["last_attempt"]["folder"] == str(rep / "r.failed")
    assert old_state["last_attempt"]["when"] == \
        json.loads((rep / "r.failed" / "run.json").read_text())["started"]
    assert {k: v for k, v in old_state.items() if k != "last_attempt"} == \
        json.loads(before[Path("run.json")])
    index = (rep / "r" / "index.html").read_text()
    assert "the latest run, started " in index and "FAILED: see " in index
    assert 'href="../r.failed/index.html"' in index
    assert index.count('class="status last-attempt"') == 1
    assert (rep / "r.failed" / "out.txt").read_text() == "14"
    assert json.loads((rep / "r.failed" / "run.json").read_text())["status"] == "failed"
    # a second failure replaces the banner instead of adding one
    with pytest.raises(RunError):
        run({"n": 9}, run_name="r", reports_dir=rep, notebooks_dir=tiny_kit, progress=False)
    assert (rep / "r" / "index.html").read_text().count('class="status last-attempt"') == 1
    assert (rep / "r" / "out.txt").read_text() == "10"
    # a later success replaces the run and removes the stale failure; no partial folder left
    run({"n": 8}, only=["1"], run_name="r", reports_dir=rep, notebooks_dir=tiny_kit,
        progress=False)
    assert sorted(p.name for p in rep.iterdir()) == ["r"]
    assert (rep / "r" / "out.txt").read_text() == "16"
    state = json.loads((rep / "r" / "run.json").read_text())
    assert state["status"] == "ok" and state["folder"] == str(rep / "r")
    assert "last_attempt" not in state  # cleared by the success
    assert "last-attempt" not in (rep / "r" / "index.html").read_text()
    assert yaml.safe_load((rep / "r" / "params.yaml").read_text())["run_name"] == "r"


def test_failed_rerun_marks_the_previous_report(tmp_path, make_notebook, fake_kernel):
    """The previous run's report.html says that a newer run failed, and where it is."""
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    make_notebook(nbs / "01_report.ipynb",
                  'run_name: str = "x"  # run\nreports_dir: str = ""  # where\n'
                  'fail: bool = False  # f',
                  "from custlib.run.config import run_folder\n"
                  "rf = run_folder(run_name, reports_dir)\n"
                  "(rf.root / 'report.html').write_text("
                  "'<!DOCTYPE html><html><body class=\"r\"><p>old numbers</p></body></html>')\n"
                  "assert not fail, 'told to fail'")
    rep = tmp_path / "rep"
    run({}, run_name="m", reports_dir=rep, notebooks_dir=nbs, progress=False)
    with pytest.raises(RunError):
        run({"fail": True}, run_name="m", reports_dir=rep, notebooks_dir=nbs, progress=False)
    report = (rep / "m" / "report.html").read_text()
    assert report.startswith('<!DOCTYPE html><html><body class="r"><div class="status '
                             'last-attempt"')
    assert "FAILED: see " in report and 'href="../m.failed/index.html"' in report
    assert report.endswith("<p>old numbers</p></body></html>")
    # the failed run's own report is not marked: its index says FAILED already
    assert "last-attempt" not in (rep / "m.failed" / "report.html").read_text()


def test_unexpected_error_after_a_notebook_marks_the_run_failed(tiny_kit, tmp_path,
                                                               monkeypatch, capsys, fake_kernel):
    """Not only notebook errors: a failure of the runner itself (rendering, disk full)
    ends the run failed, kept as <name>.failed, with a RunError and exit code 1."""
    import custlib.run.runner as runner

    def no_space(notebook, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner, "render_html", no_space)
    rep = tmp_path / "rep"
    with pytest.raises(RunError) as err:
        run({}, only=["01"], run_name="u", reports_dir=rep, notebooks_dir=tiny_kit,
            progress=False)
    msg = str(err.value)
    assert msg.startswith("the run stopped while rendering 01_first.ipynb to HTML with "
                          "OSError: [Errno 28] No space left on device")
    assert f"the run is kept, marked failed, in {rep / 'u.failed'}" in msg
    assert sorted(p.name for p in rep.iterdir()) == ["u.failed"]
    state = json.loads((rep / "u.failed" / "run.json").read_text())
    assert state["status"] == "failed" and state["folder"] == str(rep / "u.failed")
    assert state["error"].startswith("the run stopped while rendering 01_first.ipynb")
    assert [n["status"] for n in state["notebooks"]] == ["ok"]
    # the command line: exit 1 and the message, no traceback
    (tmp_path / "p.yaml").write_text("n: 2\n")
    code = main(["run", "--params", str(tmp_path / "p.yaml"), "--only", "1", "--quiet",
                 "--notebooks-dir", str(tiny_kit), "--reports-dir", str(rep),
                 "--run-name", "u"])
    err_text = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err_text
    assert err_text.startswith("custlib run: FAILED\nthe run stopped while rendering "
                               "01_first.ipynb to HTML with OSError")


def test_failing_to_write_the_final_index_marks_the_run_failed(tiny_kit, tmp_path,
                                                               monkeypatch, fake_kernel):
    import custlib.run.runner as runner

    real = runner._write_index

    def full_disk(result, params, status="ok", name=None):
        if status == "ok":
            raise OSError(28, "No space left on device")
        return real(result, params, status, name)

    monkeypatch.setattr(runner, "_write_index", full_disk)
    rep = tmp_path / "rep"
    with pytest.raises(RunError, match="the run stopped while writing the index page with "
                                       "OSError"):
        run({}, only=["01"], run_name="w", reports_dir=rep, notebooks_dir=tiny_kit,
            progress=False)
    assert sorted(p.name for p in rep.iterdir()) == ["w.failed"]
    assert json.loads((rep / "w.failed" / "run.json").read_text())["status"] == "failed"
    assert "FAILED" in (rep / "w.failed" / "index.html").read_text()


def _failing_rename(monkeypatch, fail):
    """Make ``Path.rename(self, target)`` raise when ``fail(self, target)`` is true."""
    real = Path.rename

    def rename(self, target):
        if fail(Path(self), Path(target)):
            raise OSError(16, "Device or resource busy")
        return real(self, target)

    monkeypatch.setattr(Path, "rename", rename)


def test_swap_failure_puts_the_previous_run_back(tiny_kit, tmp_path, monkeypatch, fake_kernel):
    rep = tmp_path / "rep"
    run({"n": 5}, only=["01"], run_name="s", reports_dir=rep, notebooks_dir=tiny_kit,
        progress=False)
    _failing_rename(monkeypatch, lambda src, dst: src.name.startswith("s.partial-")
                    and dst.name == "s")
    with pytest.raises(RunError) as err:
        run({"n": 6}, only=["01"], run_name="s", reports_dir=rep, notebooks_dir=tiny_kit,
            progress=False)
    msg = str(err.value)
    assert msg.startswith("the run stopped while moving the new run into place: could not "
                          f"rename {rep}/s.partial-")
    assert f" to {rep / 's'} ([Errno 16] Device or resource busy)" in msg
    assert f"the previous run is back in {rep / 's'}, unchanged" in msg
    assert f"the run is kept, marked failed, in {rep / 's.failed'}" in msg
    assert sorted(p.name for p in rep.iterdir()) == ["s", "s.failed"]
    assert (rep / "s" / "out.txt").read_text() == "10"
    assert (rep / "s.failed" / "out.txt").read_text() == "12"
    assert json.loads((rep / "s" / "run.json").read_text())["status"] == "ok"
    assert json.loads((rep / "s.failed" / "run.json").read_text())["status"] == "failed"


def test_swap_failure_without_rollback_says_where_both_runs_are(tiny_kit, tmp_path,
                                                               monkeypatch, fake_kernel):
    import os

    rep = tmp_path / "rep"
    run({"n": 5}, only=["01"], run_name="t", reports_dir=rep, notebooks_dir=tiny_kit,
        progress=False)
    _failing_rename(monkeypatch, lambda src, dst: dst.name == "t"
                    or dst.name == "t.failed")
    with pytest.raises(RunError) as err:
        run({"n": 6}, only=["01"], run_name="t", reports_dir=rep, notebooks_dir=tiny_kit,
            progress=False)
    msg = str(err.value)
    old, new = rep / f"t.old-{os.getpid()}", rep / f"t.partial-{os.getpid()}"
    assert f"nor put the previous run back: it is in {old}" in msg
    assert f"the run is kept, marked failed, in {new}" in msg
    assert sorted(p.name for p in rep.iterdir()) == sorted([old.name, new.name])
    assert (old / "out.txt").read_text() == "10" and (new / "out.txt").read_text() == "12"
    state = json.loads((new / "run.json").read_text())  # truthful: failed, and where
    assert state["status"] == "failed" and state["folder"] == str(new)


def test_long_run_names_keep_distinct_siblings(tiny_kit, tmp_path, fake_kernel):
    """Run names of up to 100 characters sharing a long prefix never share a .failed or
    .partial folder, and the notebooks can still open the partial folder by name."""
    from custlib.run.folders import sibling as _sibling

    rep = tmp_path / "rep"
    a, b = "a" * 80 + "x" * 20, "a" * 80 + "y" * 20
    assert _sibling(rep / a, ".failed") != _sibling(rep / b, ".failed")
    assert _sibling(rep / "short", ".failed") == rep / "short.failed"
    for name in (a, b):
        for suffix in (".failed", ".partial-4194304", ".old-4194304"):
            sib = _sibling(rep / name, suffix).name
            assert len(sib) <= 100 and sib.endswith(suffix) and sib.startswith("a" * 70)
    outs = {}
    for n, name in ((3, a), (4, b)):
        with pytest.raises(RunError) as err:
            run({"n": n}, run_name=name, reports_dir=rep, notebooks_dir=tiny_kit,
                progress=False)
        outs[name] = _sibling(rep / name, ".failed")
        assert f"the executed notebook is kept for inspection: {outs[name]}" in str(err.value)
    assert (outs[a] / "out.txt").read_text() == "6" and (outs[b] / "out.txt").read_text() == "8"
    assert json.loads((outs[a] / "run.json").read_text())["run_name"] == a
    ok = run({"n": 5}, only=["01"], run_name=a, reports_dir=rep, notebooks_dir=tiny_kit,
             progress=False)
    assert ok.folder.root == rep / a and (rep / a / "out.txt").read_text() == "10"
    assert not outs[a].exists() and outs[b].exists()  # a's stale failure only


def test_run_json_says_running_while_the_notebooks_run(tmp_path, make_notebook):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    make_notebook(nbs / "01_look.ipynb",
                  'run_name: str = "x"  # run\nreports_dir: str = ""  # where',
                  "import json\nfrom custlib.run.config import run_folder\n"
                  "rf = run_folder(run_name, reports_dir)\n"
                  "state = json.loads((rf.root / 'run.json').read_text())\n"
                  "(rf.root / 'seen.txt').write_text(state['status'] + ' ' + "
                  "state['notebooks'][0]['status'] + ' ' + rf.name)")
    result = run({}, run_name="live", reports_dir=tmp_path / "rep", notebooks_dir=nbs,
                 progress=False)
    pid = json.loads((result.folder.root / "run.json").read_text())["pid"]
    assert (result.folder.root / "seen.txt").read_text() == \
        f"running running live.partial-{pid}"
    assert json.loads((result.folder.root / "run.json").read_text())["status"] == "ok"
    assert not list(result.folder.root.glob("kernel-ipc-*"))


def test_unknown_parameter_is_refused_before_running(tiny_kit, tmp_path):
    with pytest.raises(ParameterError) as err:
        run({"nn": 3}, run_name="r3", reports_dir=tmp_path / "rep", notebooks_dir=tiny_kit,
            progress=False)
    assert "'nn'" in str(err.value) and "'n'" in str(err.value)
    assert not (tmp_path / "rep" / "r3" / "notebooks" / "01_first.ipynb").exists()


def test_wrong_parameter_type(tiny_kit, tmp_path):
    with pytest.raises(ParameterError, match="'n' is 'three'"):
        run({"n": "three"}, run_name="r4", reports_dir=tmp_path / "rep",
            notebooks_dir=tiny_kit, progress=False)


def test_only_takes_single_digits(tiny_kit, tmp_path, capsys, fake_kernel):
    result = run({}, only=["1"], run_name="o", reports_dir=tmp_path / "rep",
                 notebooks_dir=tiny_kit, progress=False)
    assert [nb.name for nb in result.notebooks] == ["01_first.ipynb"]
    (tmp_path / "p.yaml").write_text("n: 2\n")
    code = main(["run", "--params", str(tmp_path / "p.yaml"), "--only", "1,2", "--quiet",
                 "--notebooks-dir", str(tiny_kit), "--reports-dir", str(tmp_path / "rep")])
    assert code == 1  # 02 fails: both were selected
    assert "notebook 02_fails.ipynb failed" in capsys.readouterr().err


def test_only_reruns_a_folder_a_killed_run_left_its_sockets_in(tiny_kit, tmp_path,
                                                                fake_kernel):
    """A run stopped from outside (killed by a benchmark's memory guard, a scheduler's
    timeout) leaves its kernels' socket files in the folder; --only copies the folder to
    rerun a notebook, and a socket is not a file to copy (shutil.Error, errno 6)."""
    import socket

    rep = tmp_path / "rep"
    run({}, only=["1"], run_name="k", reports_dir=rep, notebooks_dir=tiny_kit,
        progress=False)
    left = rep / "k" / "kernel-ipc-1"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(left))
        assert left.is_socket()
        result = run({}, only=["1"], run_name="k", reports_dir=rep, notebooks_dir=tiny_kit,
                     progress=False)
    finally:
        server.close()
    assert [nb.name for nb in result.notebooks] == ["01_first.ipynb"]
    assert not (rep / "k" / "kernel-ipc-1").exists()
    assert (rep / "k" / "notebooks" / "01_first.ipynb").is_file()


def test_bad_only_and_bad_run_name(tiny_kit, tmp_path):
    with pytest.raises(ParameterError, match="--only '07'"):
        run({}, only=["07"], reports_dir=tmp_path, notebooks_dir=tiny_kit, progress=False)
    with pytest.raises(ParameterError, match="run_name"):
        run({}, run_name="../escape", reports_dir=tmp_path, notebooks_dir=tiny_kit,
            progress=False)


def test_cli_exit_codes(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("lang: en\nno_such_parameter: 1\n")
    assert main(["run", "--params", str(bad), "--reports-dir", str(tmp_path)]) == 2
    assert "no_such_parameter" in capsys.readouterr().err
    assert main(["run", "--params", str(tmp_path / "missing.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_ctrl_c_stops_cleanly(tmp_path, make_notebook):
    """SIGINT during a run: one line, exit 130, marked interrupted, no kernel left."""
    import os
    import signal
    import time

    nbs = tmp_path / "nbs"
    nbs.mkdir()
    make_notebook(nbs / "01_sleep.ipynb",
                  'run_name: str = "x"  # run\nreports_dir: str = ""  # where',
                  "import os, time\nfrom custlib.run.config import run_folder\n"
                  "rf = run_folder(run_name, reports_dir)\n"
                  "(rf.root / 'kernel.pid').write_text(str(os.getpid()))\ntime.sleep(120)")
    (tmp_path / "p.yaml").write_text("")
    rep = tmp_path / "rep"
    temp, runtime = tmp_path / "temp", tmp_path / "runtime"  # /tmp and the Jupyter runtime
    temp.mkdir()
    runtime.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "JUPYTER_RUNTIME_DIR": str(runtime)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "custlib", "run", "--params", str(tmp_path / "p.yaml"),
         "--notebooks-dir", str(nbs), "--reports-dir", str(rep), "--run-name", "c",
         "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        for _ in range(240):
            if list(rep.glob("*/kernel.pid")):
                break
            time.sleep(0.25)
        kernel_pid = int(next(rep.glob("*/kernel.pid")).read_text())
        during = [p.name for p in (*temp.iterdir(), *runtime.iterdir(),
                                   *rep.glob("*/kernel-ipc-*"))]
        assert any(n.endswith(".json") for n in during) and "kernel-ipc-1" in during
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    kept = rep / "c.failed"
    assert err == f"custlib run: interrupted: stopped in 01_sleep.ipynb; the run is kept, " \
                  f"marked interrupted, in {kept}\n"
    state = json.loads((kept / "run.json").read_text())
    assert state["status"] == "interrupted"
    assert state["notebooks"][0]["status"] == "interrupted"
    assert "INTERRUPTED (Ctrl-C)" in (kept / "index.html").read_text()
    assert sorted(p.name for p in rep.iterdir()) == ["c.failed"]
    assert not list(kept.glob("kernel-ipc-*"))
    with pytest.raises(ProcessLookupError):
        os.kill(kernel_pid, 0)  # the kernel is gone
    assert not list(temp.iterdir()) and not list(runtime.iterdir())  # no connection files


def test_cli_lists_presets_and_params(capsys):
    assert main(["presets"]) == 0
    assert "cdnow_sample" in capsys.readouterr().out
    assert main(["params", "01"]) == 0
    out = capsys.readouterr().out
    assert "01_data_cleaning.ipynb" in out and "observation_end: str" in out


def test_papermill_help_documents_the_notebooks():
    """`papermill --help-notebook` lists every parameter with its comment (papermill's own
    command, called in this process: five interpreters would take 14 s)."""
    from click.testing import CliRunner
    from papermill.cli import papermill

    for nb in discover_notebooks():
        proc = CliRunner().invoke(papermill, ["--help-notebook", str(nb)])
        assert proc.exit_code == 0, (nb.name, proc.output)
        assert "run_name: str" in proc.output, nb.name
        params = notebook_parameters(nb)
        undocumented = [k for k, v in params.items() if not v["help"]]
        assert not undocumented, f"{nb.name}: parameters without a comment: {undocumented}"


def test_batch_swap_failure_and_ctrl_c_keep_the_previous_batch(tiny_kit, tmp_path,
                                                               monkeypatch):
    """run_each: a batch that cannot be renamed into place is a RunError naming where it
    is (the previous batch back in place); Ctrl-C marks the previous batch's index."""
    import os

    import custlib.run.batch as batch

    rep = tmp_path / "rep"
    (rep / "b").mkdir(parents=True)
    (rep / "b" / "index.html").write_text("<html><body><p>old batch</p></body></html>")

    def groups_ran(values, column, root, final, *args):
        (root / "index.html").write_text("<html><body><p>new batch</p></body></html>")
        return batch.BatchResult(folder=root, column=column, index=root / "index.html")

    with monkeypatch.context() as patch:
        patch.setattr(batch, "_run_groups", groups_ran)
        _failing_rename(patch, lambda src, dst: src.name.startswith("b.partial-"))
        with pytest.raises(RunError) as err:
            batch.run_each({}, "channel", run_name="b", reports_dir=rep,
                           notebooks_dir=tiny_kit)
    partial = rep / f"b.partial-{os.getpid()}"
    assert str(err.value) == (
        f"the --each channel batch ran but could not be moved into place: could not "
        f"rename {partial} to {rep / 'b'} ([Errno 16] Device or resource busy); the "
        f"previous run is back in {rep / 'b'}, unchanged; the new batch is in {partial}")
    assert (rep / "b" / "index.html").read_text() == \
        "<html><body><p>old batch</p></body></html>"
    assert "new batch" in (partial / "index.html").read_text()

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "_run_groups", interrupted)
    from custlib.run.runner import RunInterrupted

    with pytest.raises(RunInterrupted, match="kept in .*b.failed"):
        batch.run_each({}, "channel", run_name="b", reports_dir=rep, notebooks_dir=tiny_kit)
    index = (rep / "b" / "index.html").read_text()
    assert index.startswith('<html><body><div class="status last-attempt"')
    assert "INTERRUPTED: see " in index and index.endswith("<p>old batch</p></body></html>")
    assert (rep / "b.failed").is_dir()


def test_a_batch_group_runs_its_kernels_on_its_share_of_the_cores(tmp_path, monkeypatch):
    """Groups run side by side, one process each: a group's process tells its kernels how
    many threads their threaded steps may take (the Pareto/NBD quadrature)."""
    from custlib.run import batch
    from custlib.value.pareto import THREADS_ENV, _threads

    monkeypatch.delenv(THREADS_ENV, raising=False)
    slug, status, _, detail = batch._run_group(
        {"transactions": str(tmp_path / "missing.csv")}, "g", str(tmp_path), None,
        str(Path(__file__).parents[1] / "notebooks"), False, 1)
    assert (slug, status) == ("g", "failed") and "missing.csv" in detail
    assert os.environ[THREADS_ENV] == "1" and _threads() == 1
    monkeypatch.setenv(THREADS_ENV, "3")  # a user's own setting stays
    batch._run_group({"transactions": str(tmp_path / "missing.csv")}, "g", str(tmp_path),
                     None, str(Path(__file__).parents[1] / "notebooks"), False, 1)
    assert os.environ[THREADS_ENV] == "3"


@pytest.mark.parametrize(("ename", "evalue", "hinted"), [
    ("OutOfMemoryException", "Out of Memory Error: failed to allocate data of size 64.0 MiB",
     True),
    ("FatalException", "FATAL Error: Failed to create checkpoint because of error: failed to "
     "allocate data of size 1 byte (76.0 MiB/76.2 MiB used)", True),
    ("FatalException", "FATAL Error: database file is corrupt", False),
    ("ValueError", "failed to allocate a name", False)])
def test_duckdbs_errors_at_its_limit_get_the_memory_hint(tmp_path, ename, evalue, hinted):
    from custlib.run.outcome import failure_message

    class Failed(Exception):
        pass

    exc = Failed()
    exc.ename, exc.evalue = ename, evalue  # type: ignore[attr-defined]
    msg = failure_message("01_data_cleaning.ipynb", tmp_path / "missing.ipynb", exc)
    assert msg.startswith(f"notebook 01_data_cleaning.ipynb failed in a cell with {ename}")
    assert ("CUSTLIB_DUCKDB_MEMORY=4GB" in msg) is hinted
