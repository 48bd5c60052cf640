"""The printed report's pages, checked as a reader would look at them (tests/pages.py).

On the PDFs (the report and the segment report) of the English and the Chinese demo run
(``report_runs`` in conftest.py, shared with tests/test_browser.py; make test-full): no text
and no figure text under 7 pt on A4, no page more than half empty except the last, and a
last page with more on it than the run's stamp. ``make pages`` renders the same pages to PNG
and prints the same findings.
"""

from __future__ import annotations

import base64
import io
import re

import matplotlib.pyplot as plt
import pytest

from tests import pages

LANGS = ("en", "zh")
#: The printed documents of each demo run: the report and the segment report.
DOCS = [pytest.param(lang, doc, id=f"{lang}-{doc}") for lang in LANGS
        for doc in ("report", "report_segments")]


def demo_marks(test):
    """The checks on the demo runs (conftest.py's report_runs: kit runs), make test-full."""
    return pytest.mark.notebooks(pytest.mark.fullrun(test))


# --- the checks themselves, on small documents ------------------------------------------------

@pytest.mark.unit
def test_figures_record_their_smallest_font(tmp_path):
    """The report's PNGs and the run's figures say their smallest font (and their dpi):
    the page checks multiply it by the scale at which the PDF prints them."""
    from PIL import Image

    from custlib.report.document import Report
    from custlib.run.artefacts import save_figure
    from custlib.run.config import run_folder

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    ax.set_title("title", fontsize=12)
    ax.tick_params(labelsize=6.5)
    ax.text(0.5, 0.5, "   ", fontsize=3)  # blank: nothing a reader sees
    html = Report("R", lang="en").standard_section("basics").figure(fig).html()
    png = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html).group(1)
    with Image.open(io.BytesIO(base64.b64decode(png))) as img:
        assert img.info["custlib:smallest-font-pt"] == "6.5"
        assert round(img.info["dpi"][0]) == 110
    paths = save_figure(fig, run_folder("r", tmp_path), "curve")
    plt.close(fig)
    with Image.open(paths[0]) as img:
        assert img.info["custlib:smallest-font-pt"] == "6.5"
    assert "smallest-font" not in paths[1].read_text(encoding="utf-8")  # the SVG as before


@pytest.mark.unit
def test_page_checks_find_small_text_small_figures_and_half_empty_pages(tmp_path):
    """A PDF printed by WeasyPrint, as the kit prints the report: 6 pt text on page 1, which
    ends a third down the page; a figure with 8 pt text printed at half its size on page 2
    (the last page may be short)."""
    pytest.importorskip("pypdfium2", reason="pypdfium2 is a dev dependency: make install")
    weasyprint = pytest.importorskip("weasyprint")
    from custlib.report.document import Report

    fig, ax = plt.subplots(figsize=(6, 2))  # cropped to about 5.2 in; printed 3 in wide
    ax.tick_params(labelsize=8)
    png = re.search(r"base64,([A-Za-z0-9+/=]+)",
                    Report("R", lang="en").standard_section("basics").figure(fig).html()).group(1)
    plt.close(fig)
    html = tmp_path / "r.html"
    html.write_text(
        '<html><body style="margin:0"><p style="font-size:12pt;height:80mm">twelve point</p>'
        '<p style="font-size:6pt">six point</p>'
        f'<div style="break-before:page"><img style="width:3in" alt="f" '
        f'src="data:image/png;base64,{png}"></div>'
        "</body></html>", encoding="utf-8")
    pdf = tmp_path / "r.pdf"
    weasyprint.HTML(filename=str(html)).write_pdf(pdf)
    small = pages.small_text(pdf)
    assert [(f.page, f.what.split(":")[0]) for f in small] == [
        (1, "8 characters under 7 pt (smallest 6.0 pt)")]
    assert "'sixpoint'" in small[0].what
    figures = pages.small_figures(pdf, html)
    from PIL import Image

    with Image.open(io.BytesIO(base64.b64decode(png))) as img:
        scale = 3 / (img.size[0] / 110)  # the printed width over the figure's, in inches
    assert 0.5 < scale < 0.65
    assert [f.page for f in figures] == [2]
    assert f"scale {scale:.2f}) with 8 pt text that prints at {8 * scale:.1f} pt" in \
        figures[0].what
    assert [str(f) for f in pages.half_empty(pdf)] == [
        "page 1: content ends at 37% of the page height"]
    written = pages.render(pdf, tmp_path / "pages", dpi=20)
    assert [p.name for p in written] == ["r-01.png", "r-02.png"]


# --- the demo reports ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pdfs(request):
    pytest.importorskip("pypdfium2", reason="pypdfium2 is a dev dependency: make install")
    runs = request.getfixturevalue("report_runs")  # not made when the test skips
    found = {(lang, doc): runs[lang] / f"{doc}.pdf" for lang in LANGS
             for doc in ("report", "report_segments")}
    missing = [str(p) for p in found.values() if not p.exists()]
    assert not missing, f"the demo runs printed no PDF (WeasyPrint is a dev dependency): {missing}"
    return found


@pytest.mark.parametrize(("lang", "doc"), DOCS)
@demo_marks
def test_no_text_under_7_pt(pdfs, lang, doc):
    found = pages.small_text(pdfs[lang, doc])
    assert not found, "\n".join(map(str, found))


@pytest.mark.parametrize(("lang", "doc"), DOCS)
@demo_marks
def test_no_figure_text_under_7_pt(pdfs, lang, doc):
    found = pages.small_figures(pdfs[lang, doc], pdfs[lang, doc].with_suffix(".html"))
    assert not found, "\n".join(map(str, found))


@pytest.mark.parametrize(("lang", "doc"), DOCS)
@demo_marks
def test_no_page_more_than_half_empty_but_the_last(pdfs, lang, doc):
    found = pages.half_empty(pdfs[lang, doc])
    assert not found, "\n".join(map(str, found))


@pytest.mark.parametrize(("lang", "doc"), DOCS)
@demo_marks
def test_the_last_page_is_more_than_the_stamp(pdfs, lang, doc):
    """The last page may be short, but not a sheet of paper for the line "custlib · date"."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdfs[lang, doc]))
    try:
        text = pdf[len(pdf) - 1].get_textpage().get_text_range()
    finally:
        pdf.close()
    assert "custlib ·" in text
    assert re.sub(r"custlib · \S+ \S+", "", text).strip(), f"the last page holds only {text!r}"
