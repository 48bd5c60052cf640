"""The kit's figure theme and the helpers every figure uses.

One palette (:data:`PALETTE`; our company :data:`US_COLOR`, others :data:`OTHER_COLOR`),
one font-size scale (:data:`FONT_SIZES`, applied by :func:`apply_theme`, which
:func:`new_ax` and :func:`custlib.i18n.setup_matplotlib` call), percent axes written one way
(:func:`percent`: "40%") and money or count axes with thousands separators
(:func:`thousands`: "1,234,567").

The sizes are chosen for the report: a figure is printed at most :data:`PRINT_WIDTH_MM`
wide (85% of the A4 text width) and :data:`PRINT_HEIGHT_MM` high, and an image is never
shown larger than its own pixels at 96 per inch. :func:`printed_scale` and
:func:`smallest_printed_text` say how large a figure's text comes out on paper; nothing
should be under :data:`MIN_PRINTED_PT`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BLUE", "FONT_SIZES", "GREEN", "GREY", "LABEL_SIZE", "MIN_PRINTED_PT", "ORANGE",
           "OTHER_COLOR", "PALETTE", "PRINT_HEIGHT_MM", "PRINT_WIDTH_MM", "RED", "US_COLOR",
           "apply_theme", "new_ax", "percent", "printed_scale", "smallest_printed_text",
           "thousands", "with_unit"]

#: The palette, in the order series take it (colour-blind safe, after Tableau 10).
PALETTE = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3",
           "#8C8C8C", "#CCB974", "#64B5CD")
BLUE, ORANGE, GREEN, RED, GREY = PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3], PALETTE[7]
#: Our company in every competitor figure, and the others.
US_COLOR, OTHER_COLOR = RED, GREY

#: Font sizes in points (matplotlib rcParams), the smallest for tick and cell labels.
FONT_SIZES = {"font.size": 10.0, "axes.titlesize": 11.5, "axes.labelsize": 10.0,
              "xtick.labelsize": 9.5, "ytick.labelsize": 9.5, "legend.fontsize": 9.5,
              "legend.title_fontsize": 9.5, "figure.titlesize": 12.0}

#: Text written inside a plot: cell values, bar labels, notes beside a line.
LABEL_SIZE = 9.0

#: A4 (210 mm) less 2 x 14 mm page margins, times the 85% the print stylesheet allows.
PRINT_WIDTH_MM = 0.85 * (210 - 2 * 14)
#: The print stylesheet's ``max-height`` of a figure.
PRINT_HEIGHT_MM = 105.0
#: No text of a report figure may be smaller than this on paper.
MIN_PRINTED_PT = 7.0


def apply_theme() -> None:
    """Set matplotlib's palette, font sizes and plain axes (idempotent).

    Fonts are set by :func:`custlib.i18n.setup_matplotlib`; a session that has not called
    it still gets the bundled CJK font behind its own fonts (:func:`_cjk_fallback`), so
    that a figure drawn with ``lang="zh"`` or Chinese values in the data shows real glyphs
    rather than empty boxes.
    """
    import matplotlib as mpl
    from cycler import cycler

    _cjk_fallback()

    params: Any = mpl.rcParams  # typed by literal keys; ours are the documented ones
    params.update(FONT_SIZES)
    mpl.rcParams["axes.prop_cycle"] = cycler(color=list(PALETTE))
    mpl.rcParams["axes.titlelocation"] = "center"
    mpl.rcParams["axes.spines.top"] = False
    mpl.rcParams["axes.spines.right"] = False
    mpl.rcParams["image.cmap"] = "Blues"


def _cjk_fallback() -> None:
    """Put the bundled CJK font last in matplotlib's font families, if it is not there."""
    import matplotlib as mpl

    from custlib.i18n import CJK_FONT_NAME, register_cjk_font

    families = mpl.rcParams["font.family"]
    families = [families] if isinstance(families, str) else list(families)
    if CJK_FONT_NAME not in families and register_cjk_font():
        mpl.rcParams["font.family"] = [*families, CJK_FONT_NAME]


def new_ax(ax: Any = None, figsize: tuple[float, float] = (7, 4)) -> Any:
    """Return ``ax``, or a new axes on a new constrained-layout figure in the theme.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
    figsize : tuple of float, default (7, 4)
        Inches. Keep report figures about 7 wide and 6 high at most, so that their
        text stays at least :data:`MIN_PRINTED_PT` on paper.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    apply_theme()
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def thousands() -> Any:
    """A tick formatter that writes 1234567 as 1,234,567.

    Examples
    --------
    >>> thousands()(1234567.0, 0)
    '1,234,567'
    """
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}")


class _Percent:
    """Ticks as "40%": whole points, one decimal only when the ticks are closer than 1."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def formatter(self) -> Any:
        from matplotlib.ticker import Formatter

        scale = self.scale

        class PercentTicks(Formatter):
            ticks: list[float] = []

            def set_locs(self, locs: Any) -> None:
                self.ticks = [float(v) * 100 / scale for v in locs]

            def __call__(self, x: float, pos: Any = None) -> str:
                steps = [abs(b - a) for a, b in zip(self.ticks, self.ticks[1:], strict=False)
                         if b != a]
                digits = 1 if steps and min(steps) < 1 else 0
                text = f"{x * 100 / scale:,.{digits}f}%"
                return text[1:] if text.startswith("-") and float(text[1:-1]) == 0 else text

        return PercentTicks()


def percent(scale: float = 1.0) -> Any:
    """A tick formatter that writes shares as "40%" (never "40.0%", nor a "(%)" label).

    Parameters
    ----------
    scale : float, default 1.0
        The value that means 100%: 1.0 for shares, 100 for values already in percent.

    Returns
    -------
    matplotlib.ticker.Formatter

    Examples
    --------
    >>> f = percent()
    >>> f.set_locs([0.0, 0.2, 0.4])
    >>> [f(v) for v in (0.0, 0.2, 0.4)]
    ['0%', '20%', '40%']
    >>> g = percent(100)
    >>> g.set_locs([0, 20, 40])
    >>> g(40)
    '40%'
    """
    return _Percent(scale).formatter()


def with_unit(text: str, currency: str, lang: str = "en") -> str:
    """An axis label with its currency: ``"revenue (GBP)"``, or ``text`` when none is given.

    The currency as ``lang`` names it (:func:`custlib.i18n.currency_unit`): ``收入(英镑)``.

    Examples
    --------
    >>> with_unit("revenue", "GBP"), with_unit("revenue", ""), with_unit("收入", "GBP", "zh")
    ('revenue (GBP)', 'revenue', '收入(英镑)')
    """
    from custlib.i18n import currency_unit, needs_cjk

    if not currency:
        return text
    unit = currency_unit(currency, lang)
    return f"{text}({unit})" if needs_cjk(lang) else f"{text} ({unit})"


def printed_scale(width_in: float, height_in: float, dpi: float) -> float:
    """How much a saved figure is shrunk (or grown) when the report is printed.

    The print stylesheet shows a figure at its pixel size (96 pixels per inch), at most
    :data:`PRINT_WIDTH_MM` wide and :data:`PRINT_HEIGHT_MM` high, keeping its proportions.

    Parameters
    ----------
    width_in, height_in : float
        The saved image's size in inches (after ``bbox_inches="tight"``).
    dpi : float
        Its resolution.

    Returns
    -------
    float
        Printed size over drawn size: a 9 pt label is printed at ``9 * scale`` pt.

    Examples
    --------
    >>> round(printed_scale(9, 4, 150), 3)  # width-bound: 154.7 mm of 228.6 mm
    0.677
    >>> round(printed_scale(4, 3, 96), 3)  # small: printed at its own size
    1.0
    """
    native = dpi / 96  # the pixels at 96 per inch
    return min(native, PRINT_WIDTH_MM / (width_in * 25.4),
               PRINT_HEIGHT_MM / (height_in * 25.4))


def smallest_printed_text(fig: Any, dpi: float = 150) -> tuple[float, str]:
    """The smallest text of ``fig`` as printed in the report, in points, and that text.

    Draws the figure, measures its tight bounding box as ``savefig(bbox_inches="tight")``
    does, and scales every visible, non-empty text by :func:`printed_scale`.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or matplotlib.axes.Axes
    dpi : float, default 150
        As saved (:func:`custlib.run.artefacts.save_figure` uses 150).

    Returns
    -------
    tuple of (float, str)
        Points on paper, and the text (``(inf, "")`` for a figure without text).
    """
    from matplotlib.text import Text

    fig = getattr(fig, "figure", fig)
    fig.set_dpi(dpi)
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    box = fig.get_tightbbox(renderer)
    scale = printed_scale(box.width, box.height, dpi)
    smallest: tuple[float, str] = (float("inf"), "")
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text().strip() and text.get_figure() is not None:
            size = float(text.get_fontsize()) * scale
            if size < smallest[0]:
                smallest = (size, text.get_text())
    return smallest
