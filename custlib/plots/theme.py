"""Shared plotting helpers. Every function takes an optional ``ax`` and returns it."""

from __future__ import annotations

from typing import Any

__all__ = ["new_ax", "thousands", "with_unit"]


def new_ax(ax: Any = None, figsize: tuple[float, float] = (8, 4)) -> Any:
    """Return ``ax``, or a new axes on a new constrained-layout figure.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
    figsize : tuple of float, default (8, 4)
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def thousands() -> Any:
    """A tick formatter that writes 1234567 as 1,234,567."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}")


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
