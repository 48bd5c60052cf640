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


def with_unit(text: str, currency: str) -> str:
    """An axis label with its currency: ``"revenue (GBP)"``, or ``text`` when none is given.

    Examples
    --------
    >>> with_unit("revenue", "GBP"), with_unit("revenue", "")
    ('revenue (GBP)', 'revenue')
    """
    return f"{text} ({currency})" if currency else text
