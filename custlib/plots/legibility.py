"""How small a figure's text is, written into its PNG so that a printed page can be checked.

A PNG keeps its pixels and its resolution (dpi), not the size of its text. The report's
page checks (tests/pages.py) need both: the smallest font of a figure, in points at the
figure's own size, times the scale at which the PDF prints the image, is the size a reader
sees on paper. :func:`png_metadata` records the first in a text chunk of the PNG.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

#: The PNG text key that holds the smallest font size of the figure, in points.
SMALLEST_FONT_KEY = "custlib:smallest-font-pt"


def smallest_font(fig: Any, *, drawn: bool = False) -> float | None:
    """The smallest font size (points) of the text the figure shows.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    drawn : bool, default False
        The figure has just been drawn (saved): its tick labels have their text, and it is
        not drawn again.

    Returns
    -------
    float or None
        The smallest size among the visible, non-empty texts (titles, labels, tick
        labels, annotations, legends); None for a figure without text.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_title("t", fontsize=12)
    >>> _ = ax.text(0.5, 0.5, "small", fontsize=5)
    >>> smallest_font(fig)
    5.0
    >>> plt.close(fig)
    """
    from matplotlib.text import Text

    if not drawn:
        fig.draw_without_rendering()  # tick labels get their text when the figure is drawn
    sizes = [float(text.get_fontsize()) for text in fig.findobj(Text)
             if text.get_visible() and text.get_text().strip()]
    return min(sizes) if sizes else None


def png_metadata(fig: Any, *, drawn: bool = False) -> dict[str, str]:
    """PNG text chunks for ``fig.savefig(..., metadata=...)``: the smallest font size.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    drawn : bool, default False
        See :func:`smallest_font`.

    Returns
    -------
    dict
        ``{SMALLEST_FONT_KEY: "7.5"}``, or an empty dict for a figure without text.
    """
    size = smallest_font(fig, drawn=drawn)
    return {} if size is None else {SMALLEST_FONT_KEY: f"{size:g}"}


def png_bytes(fig: Any, *, dpi: float, **savefig: Any) -> bytes:
    """The figure as PNG, with its smallest font recorded (:func:`png_metadata`).

    What ``fig.savefig(..., format="png", metadata=png_metadata(fig))`` writes, with one
    draw less: the font is read off the figure once the PNG has drawn it, and its text
    chunk is put where matplotlib puts it (after the ``Software`` chunk). The bytes are
    the same for a figure without a layout engine; with one (constrained layout), the
    save is now the figure's first draw rather than its second, and the layout can come
    out a fraction of a pixel apart.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    dpi : float
    **savefig
        Passed on to ``fig.savefig`` (``bbox_inches``).

    Returns
    -------
    bytes
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, **savefig)
    return with_png_text(buf.getvalue(), png_metadata(fig, drawn=True))


def with_png_text(png: bytes, text: dict[str, str]) -> bytes:
    """``png`` with a ``tEXt`` chunk per item of ``text``, after its own text chunks.

    Parameters
    ----------
    png : bytes
        A PNG file (as matplotlib writes it).
    text : dict
        Latin-1 keys (1-79 characters) and values.

    Returns
    -------
    bytes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> buf = io.BytesIO()
    >>> fig.savefig(buf, format="png")
    >>> with_png_text(buf.getvalue(), {"k": "v"}).count(b"tEXt")  # Software, k
    2
    >>> plt.close(fig)
    """
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("with_png_text: not a PNG file (no PNG signature)")
    at = 8
    while at < len(png):  # past the header and any text chunks
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        if at > 8 and kind != b"tEXt":
            break
        at += 12 + length
    chunks = b""
    for key, value in text.items():
        data = key.encode("latin-1") + b"\x00" + value.encode("latin-1")
        chunks += (struct.pack(">I", len(data)) + b"tEXt" + data
                   + struct.pack(">I", zlib.crc32(b"tEXt" + data) & 0xFFFFFFFF))
    return png[:at] + chunks + png[at:]
