"""What lines kept outside pandas answer as a frame does: their length, columns and shape.

Shared by the lines the DuckDB engine keeps in its database
(:class:`~custlib.data.engines.lines.StagedLines`) and those a DuckDB run leaves in its
Parquet file (:class:`~custlib.data.engines.saved.SavedLines`), so that code written for a
frame (``len(tx)``, ``"amount" in tx``, ``tx.columns``, ``tx.empty``) reads them alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["LineTable"]


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

    def _check(self, columns: Sequence[str] | None) -> list[str]:
        """``columns`` (all when None), after checking the lines have them."""
        names = self._names()
        if columns is None:
            return list(names)
        missing = [c for c in columns if c not in names]
        if missing:
            raise KeyError(f"columns {missing} are not among the lines' columns {names}")
        return list(columns)
