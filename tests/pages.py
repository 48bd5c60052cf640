"""The printed report's pages as a reader sees them: PNG renderings and two checks.

``make pages`` (``python -m tests.pages PDF...``) renders every page of each PDF to
``<run folder>/pages/<name>-NN.png`` (``report-01.png``, ``report_segments-01.png``) and
prints what the checks find; tests/test_pages.py
asserts the same checks on the demo runs (en, zh). Both need pypdfium2 (``make install``
installs it with the dev tools).

- :func:`small_text`: text printed under :data:`MIN_PT` points, character by character.
- :func:`small_figures`: figures whose text prints under :data:`MIN_PT` points: the
  figure's smallest font (:mod:`custlib.plots.legibility` writes it into the PNG) times the
  scale at which the PDF prints the image (its placed width against the figure's width at
  its dpi).
- :func:`half_empty`: pages, except the last, whose content ends above half the page.
"""

from __future__ import annotations

import base64
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

#: Nothing printed smaller than this (points on A4) is legible on paper.
MIN_PT = 7.0
#: The resolution at which :func:`half_empty` looks at a page (dots per inch).
LOOK_DPI = 30
#: The resolution of the PNGs ``make pages`` writes.
PAGE_DPI = 100


@dataclass(frozen=True)
class Finding:
    """One place on a page that fails a check."""

    page: int  # 1-based
    what: str

    def __str__(self) -> str:
        return f"page {self.page}: {self.what}"


def render(pdf: Path, out_dir: Path, dpi: int = PAGE_DPI) -> list[Path]:
    """Render every page of ``pdf`` to ``out_dir/<pdf's name>-NN.png``; return the files."""
    import pypdfium2 as pdfium

    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob(f"{pdf.stem}-[0-9][0-9].png"):
        old.unlink()
    written = []
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for number, page in enumerate(doc, start=1):
            path = out_dir / f"{pdf.stem}-{number:02d}.png"
            page.render(scale=dpi / 72).to_pil().save(path)
            written.append(path)
    finally:
        doc.close()
    return written


def _char_sizes(page) -> list[tuple[float, str]]:
    """(size in points as printed, character) of every visible character of a page."""
    import ctypes

    import pypdfium2.raw as c

    text = page.get_textpage()
    out = []
    matrix = c.FS_MATRIX()
    for i in range(text.count_chars()):
        char = chr(c.FPDFText_GetUnicode(text.raw, i))
        if not char.strip():
            continue
        size = c.FPDFText_GetFontSize(text.raw, i)
        if c.FPDFText_GetMatrix(text.raw, i, ctypes.byref(matrix)):
            # the font size is in text space; the matrix says how large that prints
            size *= (abs(matrix.a * matrix.d - matrix.b * matrix.c)) ** 0.5
        out.append((size, char))
    text.close()
    return out


def small_text(pdf: Path, min_pt: float = MIN_PT) -> list[Finding]:
    """Text printed under ``min_pt`` points: per page, how much, how small, a sample."""
    import pypdfium2 as pdfium

    findings: list[Finding] = []
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for number, page in enumerate(doc, start=1):
            small = [(size, char) for size, char in _char_sizes(page) if size < min_pt - 0.05]
            if small:
                sample = "".join(ch for _, ch in small)[:40]
                findings.append(Finding(number, f"{len(small)} characters under {min_pt:g} pt "
                                                f"(smallest {min(s for s, _ in small):.1f} pt): "
                                                f"{sample!r}"))
    finally:
        doc.close()
    return findings


def small_figures(pdf: Path, html: Path, min_pt: float = MIN_PT) -> list[Finding]:
    """Figures whose smallest text prints under ``min_pt`` points.

    Parameters
    ----------
    pdf : pathlib.Path
    html : pathlib.Path
        The HTML the PDF was printed from: its PNGs carry their smallest font size
        (:data:`custlib.plots.legibility.SMALLEST_FONT_KEY`) and their dpi; an image of the
        PDF is matched to its PNG by its size in pixels, in the order of the document.
    min_pt : float

    Returns
    -------
    list of Finding
        Each figure printed with text under ``min_pt``, and each image whose PNG does not
        say its smallest font.
    """
    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    figures = _figure_fonts(html)
    used: dict[tuple[int, int], int] = {}  # how many PNGs of each size are placed already
    findings: list[Finding] = []
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for number, page in enumerate(doc, start=1):
            for obj in page.get_objects(filter=[c.FPDF_PAGEOBJ_IMAGE]):
                px_w, px_h = obj.get_px_size()
                left, _, right, _ = obj.get_bounds()
                known = figures.get((px_w, px_h), [])
                nth = used.get((px_w, px_h), 0)
                used[(px_w, px_h)] = nth + 1
                if not known:
                    findings.append(Finding(number, f"a {px_w}x{px_h} px image not found in "
                                                    "the HTML's figures"))
                    continue
                # the n-th image of a size is the n-th PNG of that size (or, should the PDF
                # hold more, the one with the smallest font: no figure passes unchecked)
                font, dpi = known[nth] if nth < len(known) else min(
                    known, key=lambda fd: (fd[0] is not None, fd[0] or 0.0))
                if font is None:
                    findings.append(Finding(number, f"a {px_w}x{px_h} px figure whose PNG does "
                                                    "not record its smallest font"))
                    continue
                scale = (right - left) / (px_w / dpi * 72)  # printed width / figure width
                if font * scale < min_pt - 0.05:
                    findings.append(Finding(number, f"a figure ({px_w}x{px_h} px at {dpi:g} dpi, "
                                                    f"printed {(right - left) / 72 * 25.4:.0f} mm "
                                                    f"wide, scale {scale:.2f}) with {font:g} pt "
                                                    f"text that prints at {font * scale:.1f} pt"))
    finally:
        doc.close()
    return findings


def _figure_fonts(html: Path) -> dict[tuple[int, int], list[tuple[float | None, float]]]:
    """(width, height) in pixels -> [(smallest font in points or None, dpi)] of the HTML's
    PNGs of that size, in the order of the document."""
    from PIL import Image

    from custlib.plots.legibility import SMALLEST_FONT_KEY

    out: dict[tuple[int, int], list[tuple[float | None, float]]] = {}
    text = html.read_text(encoding="utf-8")
    for data in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", text):
        with Image.open(io.BytesIO(base64.b64decode(data))) as img:
            font = img.info.get(SMALLEST_FONT_KEY)
            dpi = float(img.info.get("dpi", (72, 72))[0])
            out.setdefault(img.size, []).append(
                (float(font) if font else None, dpi))
    return out


def half_empty(pdf: Path, dpi: int = LOOK_DPI) -> list[Finding]:
    """Pages, except the last, whose last printed line is above half the page's height.

    The page is rendered at ``dpi``; a row counts as printed when a pixel in it is darker
    than near-white.
    """
    import numpy as np
    import pypdfium2 as pdfium

    findings = []
    doc = pdfium.PdfDocument(str(pdf))
    try:
        pages = len(doc)
        for number, page in enumerate(doc, start=1):
            if number == pages:
                break
            gray = np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
            rows = np.flatnonzero((gray < 245).any(axis=1))
            last = (rows[-1] + 1) / gray.shape[0] if len(rows) else 0.0
            if last < 0.5:
                findings.append(Finding(number, f"content ends at {last:.0%} of the page height"))
    finally:
        doc.close()
    return findings


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.pages PDF...``: render each PDF's pages, print the checks' findings.

    Returns 0 (the findings are information; the tests assert them).
    """
    pdfs = [Path(a) for a in (argv if argv is not None else sys.argv[1:])]
    if not pdfs:
        print("usage: python -m tests.pages REPORT.pdf [REPORT.pdf ...]")
        return 2
    for pdf in pdfs:
        if not pdf.exists():
            print(f"{pdf}: no such file; run the kit first (make report)")
            return 2
        written = render(pdf, pdf.parent / "pages")
        print(f"{pdf}: {len(written)} pages -> {written[0].parent}/{pdf.stem}-NN.png")
        html = pdf.with_suffix(".html")
        figures = small_figures(pdf, html) if html.exists() else []
        for finding in small_text(pdf) + figures + half_empty(pdf):
            print(f"  {finding}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
