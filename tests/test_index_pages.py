"""The index pages of a run and of a batch: one writer, words from the catalog, values escaped."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from custlib.run import artefacts, index
from custlib.run.config import run_folder
from custlib.run.outcome import NotebookRun


@pytest.fixture
def run(tmp_path):
    rf = run_folder("r", tmp_path)
    (rf.data / "customer_value.parquet").write_bytes(b"x" * 3072)
    (rf.root / "report.html").write_text("<p>report</p>")
    rf.notebooks.mkdir()
    (rf.notebooks / "01_data_cleaning.ipynb").write_text("{}")
    (rf.html / "01_data_cleaning.html").parent.mkdir(parents=True)
    (rf.html / "01_data_cleaning.html").write_text("<p>nb</p>")
    return rf


def _notebooks(rf):
    return [NotebookRun("01_data_cleaning.ipynb", rf.notebooks / "01_data_cleaning.ipynb",
                        12.345, rf.html / "01_data_cleaning.html", "ok"),
            NotebookRun("02_<seg>.ipynb", rf.notebooks / "02_<seg>.ipynb", 0.0, None,
                        "failed")]


def test_run_page_lists_reports_notebooks_artefacts_and_parameters(run):
    page = index.run_page(run, _notebooks(run), {"lang": "en", "scope": "<script>x</script>"},
                          "ok", "r")
    assert page.startswith('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
                           "<title>custlib run r</title>")
    assert "<h1>Run <code>r</code></h1>" in page and 'class="status' not in page
    assert "<h2>Reports</h2><ul><li><a href=\"report.html\">report.html</a> (0 KiB)</li>" \
        in page
    assert ('<tr><td>01_data_cleaning.ipynb</td><td>ok</td><td>12.3 s</td>'
            '<td><a href="html/01_data_cleaning.html">HTML</a></td>'
            '<td><a href="notebooks/01_data_cleaning.ipynb">notebook</a></td></tr>') in page
    assert "<tr><td>02_&lt;seg&gt;.ipynb</td><td>failed</td><td>0.0 s</td><td></td><td></td>" \
        in page
    assert ('<li><a href="data/customer_value.parquet">data/customer_value.parquet</a> '
            "(3 KiB)</li>") in page
    # text from parameters and data is shown, never run
    assert "<script>" not in page and "scope: &lt;script&gt;x&lt;/script&gt;" in page
    assert "<h2>Notes</h2>" not in page


def test_unfinished_runs_say_so_and_hide_their_reports(run):
    for status, words in (("failed", "FAILED: a notebook failed"),
                          ("interrupted", "INTERRUPTED (Ctrl-C)"),
                          ("running", "RUNNING: this run has not finished")):
        page = index.run_page(run, [], {}, status, "r")
        assert f"<title>custlib run r {status.upper()}</title>" in page
        assert f'<p class="status {status}"><strong>{words}' in page
        assert "<h2>Reports</h2>" not in page and "<li>none</li>" not in page


def test_notes_of_the_run_are_listed(run):
    artefacts.add_note(run, "segments", "Notebook 02 <not run>: computed here.")
    page = index.run_page(run, [], {}, "ok")
    assert "<h2>Notes</h2><ul><li>Notebook 02 &lt;not run&gt;: computed here.</li></ul>" in page


def test_pages_in_another_language(run):
    page = index.run_page(run, _notebooks(run), {}, "failed", "r", lang="zh")
    assert '<html lang="zh">' in page and "<h1>运行 <code>r</code></h1>" in page
    assert "失败:有笔记本运行失败" in page and "<th>笔记本</th>" in page and "12.3 秒" in page


@dataclass
class Group:
    value: str
    rows: int
    customers: int
    status: str = "ok"
    seconds: float = 0.0
    report: Path | None = None
    error: str = ""


def test_batch_page_one_row_per_group_biggest_first(tmp_path):
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "report.pdf").write_bytes(b"%PDF")
    groups = [Group("shop", 1500, 300, seconds=3.4, report=tmp_path / "shop" / "report.html"),
              Group("web", 2500, 400, seconds=9.6, report=tmp_path / "web" / "report.html"),
              Group("<app>", 1300, 200, "failed", 1.0, None, "ValueError: <boom>")]
    page = index.batch_page(tmp_path, "channel", groups, {"sales & team": 12}, name="b")
    assert "<title>custlib batch b</title>" in page
    assert "<h1>Reports by <code>channel</code></h1>" in page
    assert "<p>3 group(s), 1 failed; written\n" in page
    assert page.index("<td>web</td>") < page.index("<td>shop</td>") < \
        page.index("<td>&lt;app&gt;</td>")
    assert ('<td>web</td><td>2,500</td><td>400</td><td>ok</td><td>10 s</td>'
            '<td><a href="web/report.html">report.html</a> · '
            '<a href="web/report.pdf">PDF</a></td>') in page
    assert '<a href="shop/report.html">report.html</a></td>' in page
    assert '<span class="err">ValueError: &lt;boom&gt;</span>' in page
    assert "<h2>Left out (too few lines)</h2><ul><li>sales &amp; team (12 lines)</li>" in page
    assert "Left out" not in index.batch_page(tmp_path, "channel", groups, {})


def test_not_current_banner_links_the_kept_attempt():
    banner = index.not_current_banner("2024-05-01T10:00:00", "failed", Path("/x/r.failed"))
    assert banner.startswith('<div class="status last-attempt"')
    assert ("<strong>Not current: the latest run, started 2024-05-01T10:00:00, FAILED: see "
            '<a href="../r.failed/index.html">r.failed/</a>. This page shows the previous '
            "successful run.</strong></div>\n") in banner


def test_write_page_is_atomic(tmp_path):
    path = index.write_page(tmp_path / "index.html", "<p>x</p>")
    assert path.read_text() == "<p>x</p>" and [p.name for p in tmp_path.iterdir()] == \
        ["index.html"]
