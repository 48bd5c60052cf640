"""What lines kept outside pandas answer as a frame does: their length, columns and shape.

Shared by the lines the DuckDB engine keeps in its database
(:class:`~custlib.data.engines.lines.StagedLines`) and those a DuckDB run leaves in its
Parquet file (:class:`~custlib.data.engines.saved.SavedLines`), so that code written for a
frame (``len(tx)``, ``"amount" in tx``, ``tx.columns``, ``tx.empty``) reads them alike.

A step that needs the lines themselves, not a table per customer DuckDB can group them
into, takes them with :func:`frame_of`: a frame as it is, lines outside pandas as a frame
of only the columns the step reads, held while it runs. A report made of such steps holds
one step's columns at a time instead of every line's every column for the whole notebook.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["LineTable", "frame_of", "filled_columns"]


class LineTable:
    """The frame-like basics of a table of lines that is not a pandas frame.

    A subclass sets ``_rows`` and gives its column names (:meth:`_names`).
    """

    _rows: int

    def _names(self) -> list[str]:
        """The column names, in order."""
        raise NotImplementedError

    def __len__(self) -> int:
        return self._rows

    @property
    def columns(self) -> pd.Index:
        """The column names."""
        return pd.Index(self._names())

    @property
    def shape(self) -> tuple[int, int]:
        """Lines and columns."""
        return self._rows, len(self._names())

    @property
    def empty(self) -> bool:
        """No lines."""
        return self._rows == 0

    def __contains__(self, column: object) -> bool:
        return column in self._names()

    def to_pandas(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The lines (all columns, or ``columns``) as a pandas frame."""
        raise NotImplementedError

    def filled_columns(self) -> frozenset[str]:
        """The columns with at least one value (neither missing nor NaN).

        Read a column at a time here; a subclass that can ask its database does so in one
        pass.

        Returns
        -------
        frozenset of str
        """
        return frozenset(c for c in self._names() if self.to_pandas([c])[c].notna().any())

    def _check(self, columns: Sequence[str] | None) -> list[str]:
        """``columns`` (all when None), after checking the lines have them."""
        names = self._names()
        if columns is None:
            return list(names)
        missing = [c for c in columns if c not in names]
        if missing:
            raise KeyError(f"columns {missing} are not among the lines' columns {names}")
        return list(columns)


def frame_of(lines: pd.DataFrame | LineTable, columns: Sequence[str],
             optional: Sequence[str] = ()) -> pd.DataFrame:
    """The lines a step reads, as a pandas frame.

    A frame is returned as it is (no copy); lines outside pandas (a
    :class:`LineTable`) are read now, ``columns`` and those of ``optional`` they have, in
    their order, as the run reads them: the step holds only what it uses, for as long as
    it runs.

    Parameters
    ----------
    lines : pandas.DataFrame or LineTable
    columns : sequence of str
        Columns the step needs (check them first, with the step's own message:
        :func:`custlib.data.contract.require_columns`).
    optional : sequence of str, default ()
        Columns it uses when the lines have them.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    KeyError
        Lines outside pandas without one of ``columns``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a"], "amount": [1.0]})
    >>> frame_of(tx, ["amount"]) is tx
    True
    """
    if isinstance(lines, pd.DataFrame):
        return lines
    wanted = [*dict.fromkeys([*columns, *(c for c in optional if c in lines)])]
    return lines.to_pandas(wanted)


def filled_columns(lines: pd.DataFrame | LineTable) -> frozenset[str]:
    """The columns of the lines with at least one value (neither missing nor NaN).

    Parameters
    ----------
    lines : pandas.DataFrame or LineTable

    Returns
    -------
    frozenset of str

    Examples
    --------
    >>> sorted(filled_columns(pd.DataFrame({"a": [1.0, None], "b": [None, None]})))
    ['a']
    """
    if isinstance(lines, pd.DataFrame):
        return frozenset(str(c) for c in lines.columns if lines[c].notna().any())
    return lines.filled_columns()
