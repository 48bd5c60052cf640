"""Sums of money per group, the same number in every engine.

pandas sums a group one way when the groups come in sorted order and another when they do
not (Kahan's compensated sum in the second case), and DuckDB's plain ``sum`` adds in the
order its threads meet the rows: three ways to get a day's revenue that can differ in the
last bit. The kit sums money per group by one stated rule, Kahan's compensated sum of the
group's values in the order of the lines, which :func:`kahan_sums` computes in NumPy and
DuckDB computes as ``fsum(amount ORDER BY _row)``
(:mod:`custlib.data.engines.saved`): the same number, bit for bit, whatever the engine,
the pandas version, the log's order of groups or DuckDB's threads.

References
----------
Kahan, W. (1965). Further remarks on reducing truncation errors. *Communications of the
ACM*, 8(1), 40.
"""

from __future__ import annotations

import numpy as np

__all__ = ["kahan_sums"]


def kahan_sums(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Kahan's compensated sum of each group's values, taken in the values' order.

    Vectorised across groups: step ``k`` adds the ``k``-th value of every group that has
    one, so the loop runs as many times as the largest group has values.

    Parameters
    ----------
    groups : ndarray of int
        Each value's group, ``0 .. n_groups - 1``; -1: no group (left out).
    values : ndarray of float
        NaN values are left out (as pandas and SQL leave missing values out of a sum).
    n_groups : int

    Returns
    -------
    ndarray of float64
        The sum of each group; 0.0 for a group without values.

    Examples
    --------
    >>> kahan_sums(np.array([0, 1, 0, 0, -1]), np.array([0.1, 5.0, 0.2, 0.3, 9.0]), 3)
    array([0.6, 5. , 0. ])
    """
    groups = np.asarray(groups, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    keep = (groups >= 0) & ~np.isnan(values)
    if not keep.all():
        groups, values = groups[keep], values[keep]
    order = np.argsort(groups, kind="stable")  # each group's values together, in order
    x = values[order]
    counts = np.bincount(groups, minlength=n_groups)[:n_groups]
    starts = np.cumsum(counts) - counts
    longest = np.argsort(-counts, kind="stable")  # groups by size, largest first
    size, first = counts[longest], starts[longest]
    total = np.zeros(n_groups)
    compensation = np.zeros(n_groups)
    descending = -size  # ascending, for searchsorted
    for k in range(int(size[0]) if len(size) else 0):
        n = int(np.searchsorted(descending, -k, side="left"))  # groups with more than k values
        at = first[:n] + k
        y = x[at] - compensation[:n]
        t = total[:n] + y
        compensation[:n] = (t - total[:n]) - y
        total[:n] = t
    out = np.zeros(n_groups)
    out[longest] = total
    return out
