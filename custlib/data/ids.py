"""Customer ids on millions of lines: look each distinct id up once.

A transaction log repeats every customer id on many lines. Mapping every line to its
customer's label hashes every string again; factorising the ids and looking up the
distinct ones gives the same labels, in the same dtype, for a fraction of the work.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["line_labels", "sorted_codes"]


def sorted_codes(ids: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Each line's id as an integer code, the ids in the order grouping by them sorts.

    Grouping millions of lines by text ids hashes every string again per ``groupby``;
    grouping by these codes gives the same groups in the same order, and ``index.take``
    of a result indexed by code gives the ids back.

    Parameters
    ----------
    ids : pandas.Series

    Returns
    -------
    codes : ndarray of int
        -1 for a missing id (a line of no one: leave it out before using codes as indices).
    index : pandas.Index
        The distinct ids, sorted, in the dtype grouping infers (text ids as ``str``).

    Examples
    --------
    >>> codes, index = sorted_codes(pd.Series(["b", "a", None, "b"]))
    >>> codes.tolist(), index.tolist()
    ([1, 0, -1, 1], ['a', 'b'])
    """
    codes, uniques = pd.factorize(ids, sort=True)
    return codes, pd.Index(np.asarray(uniques))


def line_labels(ids: pd.Series, labels_of: pd.Series) -> pd.Series:
    """``ids.map(labels_of)``, looking each distinct id up once.

    Parameters
    ----------
    ids : pandas.Series
        One id per line (missing ids allowed: they get a missing label).
    labels_of : pandas.Series
        Label by id (a unique index).

    Returns
    -------
    pandas.Series
        The label of each line, indexed as ``ids``; missing where the id has none.

    Examples
    --------
    >>> line_labels(pd.Series(["b", "a", "b", "c"]), pd.Series({"a": 1, "b": 2})).tolist()
    [2.0, 1.0, 2.0, nan]
    """
    codes, uniques = ids.factorize(use_na_sentinel=False)
    per_id = labels_of.reindex(uniques)
    return pd.Series(per_id.array.take(codes), index=ids.index, name=ids.name)
