"""How small a figure's text is, written into its PNG so that a printed page can be checked.

A PNG keeps its pixels and its resolution (dpi), not the size of its text. The report's
page checks (tests/pages.py) need both: the smallest font of a figure, in points at the
figure's own size, times the scale at which the PDF prints the image, is the size a reader
sees on paper. :func:`png_metadata` records the first in a text chunk of the PNG.
"""

from __future__ import annotations

from typing import Any

#: The PNG text key that holds the smallest font size of the figure, in points.
SMALLEST_FONT_KEY = "custlib:smallest-font-pt"


def smallest_font(fig: Any) -> float | None:
    """The smallest font size (points) of the text the figure shows.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

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

    fig.draw_without_rendering()  # tick labels get their text when the figure is drawn
    sizes = [float(text.get_fontsize()) for text in fig.findobj(Text)
             if text.get_visible() and text.get_text().strip()]
    return min(sizes) if sizes else None


def png_metadata(fig: Any) -> dict[str, str]:
    """PNG text chunks for ``fig.savefig(..., metadata=...)``: the smallest font size.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    dict
        ``{SMALLEST_FONT_KEY: "7.5"}``, or an empty dict for a figure without text.
    """
    size = smallest_font(fig)
    return {} if size is None else {SMALLEST_FONT_KEY: f"{size:g}"}
