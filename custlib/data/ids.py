"""Customer ids on millions of lines: look each distinct id up once.

A transaction log repeats every customer id on many lines. Mapping every line to its
customer's label hashes every string again; factorising the ids and looking up the
distinct ones gives the same labels, in the same dtype, for a fraction of the work.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["line_labels"]


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
