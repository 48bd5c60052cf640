"""At most N categories in a chart or a shown table: the largest, then one 'other'.

A log with 70 product categories (or 40 countries, 30 channels) makes a bar chart, a heat
map or a table unreadable. Every categorical chart of the kit goes through one of the two
transforms here, with the same rule:

* rank the categories by the measure the chart shows, largest first, ties broken by name
  (so the result does not depend on the order of the rows);
* when there are more than ``n``, keep the first ``n - 1`` and pool the rest into one
  'other (k)' entry, last, ``k`` the number pooled, in the language of the chart
  (``common.other`` in the catalogs). At most ``n`` bars, rows or columns are drawn.

:func:`keep_top` works on a table already aggregated (one value per category);
:func:`lump` on a column of labels, one per row or customer, before it is aggregated (for
measures that cannot be summed afterwards: survival curves, shares). The CSV files keep
every category; only what is drawn or shown is cut.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

import pandas as pd

from custlib.errors import ParameterError
from custlib.i18n import check_lang, t

__all__ = ["check_max_categories", "keep_top", "lump", "other_label", "ranked"]

Table = TypeVar("Table", pd.Series, pd.DataFrame)


def other_label(pooled: int, lang: str = "en") -> str:
    """The name of the pooled entry: ``'other (58)'``.

    Examples
    --------
    >>> other_label(58), other_label(3, "zh")
    ('other (58)', '其他(3 项)')
    """
    check_lang(lang)
    return t("common.other", lang, n=f"{pooled:,}")


def check_max_categories(n: int, where: str) -> None:
    """Stop unless ``n`` is a whole number of 2 or more (``where`` names the caller)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ParameterError(f"{where}: max_categories must be a whole number of 2 or more "
                             f"(the largest categories and one 'other'), got {n!r}")


def ranked(measure: pd.Series) -> list[Hashable]:
    """The labels of ``measure``, largest first, ties (and missing values, last) by name.

    Examples
    --------
    >>> ranked(pd.Series({"b": 2.0, "a": 2.0, "c": 5.0}))
    ['c', 'a', 'b']
    """
    values = measure.astype(float)
    return sorted(measure.index, key=lambda k: (values[k] != values[k],
                                                -values[k] if values[k] == values[k] else 0.0,
                                                str(k)))


def keep_top(table: Table, n: int, *, by: str | pd.Series | None = None, axis: int = 0,
             keep_order: bool = False, lang: str = "en",
             combine: Callable[[pd.DataFrame], pd.Series] | None = None) -> Table:
    """The ``n - 1`` largest categories and one 'other', when there are more than ``n``.

    Parameters
    ----------
    table : pandas.Series or pandas.DataFrame
        One value (Series) or row (``axis=0``) or column (``axis=1``) per category.
    n : int
        Most entries kept, 'other' included (2 or more).
    by : str or pandas.Series, optional
        The measure the chart shows, by which categories are ranked: a column of
        ``table`` (``axis=0``) or a Series by category. Default: the values of a Series,
        the row sums (``axis=0``) or the column means (``axis=1``) of a DataFrame.
    axis : {0, 1}
        Categories on the rows (0) or the columns (1) of a DataFrame.
    keep_order : bool, default False
        Keep the kept categories in their order in ``table`` (ordered bands such as age
        bands) instead of largest first; 'other' is last either way.
    lang : {'en', 'zh'}
        Language of the 'other' label.
    combine : callable, optional
        How the pooled rows of a DataFrame make the 'other' row (given the pooled rows,
        returns one row); default their sum. Columns that are not additive (a mean, a
        ratio) need it.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        Same kind as ``table``, at most ``n`` categories; ``attrs["pooled"]`` the number
        of categories in 'other' (0 when nothing was pooled).

    Examples
    --------
    >>> s = pd.Series({"tea": 5, "cake": 9, "jam": 1, "bread": 1})
    >>> keep_top(s, 3).to_dict()
    {'cake': 9, 'tea': 5, 'other (2)': 2}
    """
    check_max_categories(n, "keep_top")
    check_lang(lang)
    if axis not in (0, 1):
        raise ParameterError(f"keep_top: axis must be 0 (rows) or 1 (columns), got {axis!r}")
    frame = table.T if isinstance(table, pd.DataFrame) and axis == 1 else table
    if isinstance(by, str):
        if not isinstance(frame, pd.DataFrame) or by not in frame.columns:
            raise ParameterError(f"keep_top: by={by!r} is not a column of the table")
        measure = frame[by]
    elif by is not None:
        measure = by.reindex(frame.index)
    elif isinstance(frame, pd.Series):
        measure = frame
    else:
        measure = frame.mean(axis=1) if axis == 1 else frame.sum(axis=1, numeric_only=True)
    order = ranked(measure)
    if len(order) <= n:
        kept = list(frame.index) if keep_order else order
        out = frame.loc[kept]
        pooled = 0
    else:
        top, rest = order[:n - 1], order[n - 1:]
        if keep_order:
            top = [k for k in frame.index if k in set(top)]
        pooled = len(rest)
        name = other_label(pooled, lang)
        if isinstance(frame, pd.Series):
            extra = pd.Series({name: frame.loc[rest].sum()}, dtype=frame.dtype)
            out = pd.concat([frame.loc[top], extra])
            out.name = frame.name
        else:
            row = combine(frame.loc[rest]) if combine is not None else frame.loc[rest].sum()
            extra = pd.DataFrame([row.reindex(frame.columns)], index=[name])
            out = pd.concat([frame.loc[top], extra.astype(frame.dtypes.to_dict(),
                                                          errors="ignore")])
        out.index = pd.Index([str(i) if isinstance(frame.index, pd.CategoricalIndex) else i
                              for i in out.index], name=frame.index.name)
    if isinstance(out, pd.DataFrame) and isinstance(table, pd.DataFrame) and axis == 1:
        out = out.T
        out.columns.name = table.columns.name
        out.index.name = table.index.name
    out.attrs = {**table.attrs, "pooled": pooled}
    return out


def lump(labels: pd.Series, n: int, *, weights: pd.Series | None = None,
         lang: str = "en") -> pd.Series:
    """A label per row with all but the ``n - 1`` largest labels replaced by 'other'.

    Parameters
    ----------
    labels : pandas.Series
        One label per row (a category per line, a channel per customer); missing
        values stay missing.
    n : int
        Most distinct labels left, 'other' included (2 or more).
    weights : pandas.Series, optional
        Size of each row (same index), e.g. the line's amount; default each row counts 1.
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.Series
        Same index, object labels; ``attrs["pooled"]`` the number of labels pooled and
        ``attrs["other"]`` the label that replaced them ('' when none was).

    Examples
    --------
    >>> lump(pd.Series(["a", "a", "b", "c", "a", "b"]), 2).tolist()
    ['a', 'a', 'other (2)', 'other (2)', 'a', 'other (2)']
    """
    check_max_categories(n, "lump")
    check_lang(lang)
    w = pd.Series(1.0, index=labels.index) if weights is None else weights.astype(float)
    size = w.groupby(labels.astype(object), dropna=True).sum()
    out = labels.astype(object).copy()
    if len(size) > n:
        order = ranked(size)
        rest = order[n - 1:]
        out[labels.isin(rest)] = other_label(len(rest), lang)
    pooled = len(size) - (n - 1) if len(size) > n else 0
    out.attrs = {"pooled": pooled, "other": other_label(pooled, lang) if pooled else ""}
    return out
