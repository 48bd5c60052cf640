"""The report as PDF: the HTML file printed by the first engine found.

The PDF is the HTML printed (the page is laid out for print: A4, one section a page, tables
that fit), so both show the same content.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = ["html_to_pdf"]


def html_to_pdf(html_path: Path) -> Path | None:
    """Print an HTML file to PDF with the first engine found.

    The engines, in order: WeasyPrint, Chromium, wkhtmltopdf. WeasyPrint is the ``pdf``
    extra (``pip install custlib[pdf]``); it needs the Pango library, and is passed over
    when that is missing.

    Parameters
    ----------
    html_path : pathlib.Path

    Returns
    -------
    pathlib.Path or None
        The PDF, next to the HTML; None when there is no engine (print from a browser
        instead).
    """
    import logging
    import warnings

    pdf = html_path.with_suffix(".pdf")
    try:
        with warnings.catch_warnings():  # a note about an optional font-subsetting library
            warnings.filterwarnings("ignore", message="HarfBuzz-Subset",
                                    category=DeprecationWarning)
            import weasyprint
    except (ImportError, OSError):  # OSError: installed, but Pango is missing
        weasyprint = None
    if weasyprint is not None:
        quiet = logging.getLogger("weasyprint")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # CSS it does not use is not the reader's concern
        try:
            weasyprint.HTML(filename=str(html_path)).write_pdf(str(pdf))
        finally:
            quiet.setLevel(level)
        return pdf
    for exe in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(exe):
            subprocess.run([exe, "--headless", "--disable-gpu", f"--print-to-pdf={pdf}",
                            html_path.as_uri()], check=False, capture_output=True, timeout=120)
            return pdf if pdf.exists() else None
    if shutil.which("wkhtmltopdf"):
        subprocess.run(["wkhtmltopdf", str(html_path), str(pdf)], check=False,
                       capture_output=True, timeout=120)
        return pdf if pdf.exists() else None
    return None
