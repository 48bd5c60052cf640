"""The demo reports as readers see them: both PDFs drawn alike by two PDF engines (pdfium,
as in Chrome, and MuPDF, as in SumatraPDF, zathura and many mobile viewers), the Chinese
text extractable, and no English word left in a Chinese run but names and data.

Two demo runs (en, zh) with their PDFs: make test-full (``fullrun``).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.notebooks, pytest.mark.fullrun]

pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 is a dev dependency")
pymupdf = pytest.importorskip("pymupdf", reason="pymupdf is a dev dependency")

#: Latin words a Chinese report may keep: names of methods and measures that Chinese
#: readers use as they are, the product, and single letters used as symbols (F score, k).
ALLOWED = {
    "CLV", "RFM", "NPS", "SWOT", "TOWS", "SO", "WO", "ST", "WT", "KPI", "App",
    "MBG/NBD", "BG/NBD", "Pareto/NBD", "Gamma-Gamma", "Kaplan-Meier", "custlib",
}

#: Latin runs: words joined by spaces, with the punctuation that belongs to names.
_LATIN = re.compile(r"[A-Za-z][A-Za-z'/&.\-]*(?: [A-Za-z][A-Za-z'/&.\-]*)*")

#: Pixels of a page drawn darker or lighter by more than this (of 255) differ.
PIXEL_STEP = 96

#: The share of a page's pixels allowed to differ between the engines. Measured on the
#: demo (zh): 0.0025% on the cover, 0 elsewhere; with the CFF font MuPDF garbled, the
#: cover's title alone made 0.18% and a page of text 2%.
PAGE_TOLERANCE = 0.0005


@pytest.fixture(scope="module")
def demo_pdfs(report_runs) -> dict[str, Path]:
    """The run folders of the demo in English and in Chinese, with their PDFs (the session's
    report runs, shared with tests/test_browser.py and tests/test_pages.py)."""
    return {"en": report_runs["en"], "zh": report_runs["zh"]}


def _pages(pdf: Path, dpi: int = 50) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every page in grey levels, drawn by pdfium and by MuPDF at ``dpi``."""
    drawn = []
    by_pdfium = pdfium.PdfDocument(str(pdf))
    by_mupdf = pymupdf.open(str(pdf))
    try:
        assert len(by_pdfium) == by_mupdf.page_count
        for i in range(len(by_pdfium)):
            a = by_pdfium[i].render(scale=dpi / 72, grayscale=True).to_numpy()
            a = a.reshape(a.shape[0], a.shape[1], -1)[..., 0]
            pix = by_mupdf[i].get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
            b = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width)
            h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
            drawn.append((a[:h, :w], b[:h, :w]))
    finally:
        by_pdfium.close()
        by_mupdf.close()
    return drawn


def _around(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The darkest and lightest grey within one pixel of each pixel."""
    padded = np.pad(x, 1, mode="edge")
    shifted = np.stack([padded[i:i + x.shape[0], j:j + x.shape[1]]
                        for i in range(3) for j in range(3)])
    return shifted.min(axis=0), shifted.max(axis=0)


def page_difference(a: np.ndarray, b: np.ndarray) -> float:
    """The share of pixels two renderings of a page draw differently.

    A pixel differs when the other rendering has nothing as dark (or as light) within one
    pixel of it, by more than :data:`PIXEL_STEP`: the engines' anti-aliasing and glyph
    positions half a pixel apart do not count, a wrong or missing glyph does.
    """
    a, b = a.astype(int), b.astype(int)
    lo_a, hi_a = _around(a)
    lo_b, hi_b = _around(b)
    differs = ((a < lo_b - PIXEL_STEP) | (a > hi_b + PIXEL_STEP) |
               (b < lo_a - PIXEL_STEP) | (b > hi_a + PIXEL_STEP))
    return float(differs.mean())


class _Visible(HTMLParser):
    """The text a reader sees in an HTML page: text outside style and script, alt texts."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "title"):
            self.hidden += 1
        self.parts += [v for k, v in attrs if k == "alt" and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts)


def figure_texts(folder: Path) -> str:
    """The texts of the run's figures (matplotlib writes each text as an SVG comment)."""
    return "\n".join(m.group(1) for svg in sorted(folder.glob("figures/*.svg"))
                     for m in re.finditer(r"<!-- (.*?) -->", svg.read_text(encoding="utf-8")))


def latin_words(text: str, allowed: set[str]) -> set[str]:
    """Latin words of ``text`` that are not allowed (nor a single letter used as a symbol)."""
    out = set()
    for run in _LATIN.findall(text):
        run = run.rstrip(".-/")
        if run in allowed or len(run) == 1:
            continue
        words = [w.strip("'.()") for w in run.split()]
        out |= {w for w in words if w not in allowed and len(w) > 1}
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", ["report.pdf", "report_segments.pdf"])
def test_pdfium_and_mupdf_draw_every_page_alike(demo_pdfs, lang, name):
    pages = _pages(demo_pdfs[lang] / name)
    assert pages
    worst = max(range(len(pages)), key=lambda i: page_difference(*pages[i]))
    share = page_difference(*pages[worst])
    assert share < PAGE_TOLERANCE, f"page {worst + 1}: {share:.2%} of its pixels differ"


def test_mupdf_reads_the_chinese_headings(demo_pdfs):
    doc = pymupdf.open(str(demo_pdfs["zh"] / "report.pdf"))
    text = "".join(page.get_text() for page in doc)
    for heading in ("客户分析报告", "一、引言", "四、客户需求分析", "七、SWOT 分析",
                    "八、总结与建议"):
        assert heading in text
    assert "网店" in text and "厨具" in text  # the data's values, by the context's labels
    segments = "".join(page.get_text() for page in pymupdf.open(
        str(demo_pdfs["zh"] / "report_segments.pdf")))
    assert "细分市场报告" in segments and "摘要" in segments and "首先行动" in segments


def test_chinese_run_has_no_english_word_but_names_and_data(demo_pdfs):
    from custlib.data.loading import load_context

    context = load_context("demo", lang="zh")
    names = {c["name"] for c in context["competitors"]}  # brand names stay as they are
    allowed = ALLOWED | names | {w for n in names for w in n.split()}
    folder = demo_pdfs["zh"]
    found = {}
    for part in ("report.html", "report_segments.html"):
        found[part] = latin_words(visible_text((folder / part).read_text(encoding="utf-8")),
                                  allowed)
    found["figures"] = latin_words(figure_texts(folder), allowed)
    assert found == {"report.html": set(), "report_segments.html": set(), "figures": set()}


def test_latin_words_and_visible_text():
    html = ("<html><head><title>R</title><style>body{font-family:Arial}</style></head>"
            "<body><h1>客户 report</h1><img alt='收入 (GBP)'><p>CLV 42%, MegaHome Ltd</p>"
            "</body></html>")
    text = visible_text(html)
    assert "Arial" not in text and "收入 (GBP)" in text
    assert latin_words(text, ALLOWED | {"MegaHome"}) == {"report", "GBP", "Ltd"}
