"""Figures, in one shared theme.

Every plotting function takes an optional ``ax`` and returns it. :mod:`~custlib.plots.theme`
holds the theme and the helpers every figure uses; the other modules hold the figures of
one stage each.
"""
