"""Engines: where the line-level work of cleaning runs.

``pandas`` (the default) holds the whole log in memory and runs the rules of
:mod:`custlib.data.cleaning` on it. ``duckdb`` (:mod:`custlib.data.engines.duckdb`) stages
the log in a DuckDB database on disk and runs the same rules there, so that memory does
not grow with the log: only the decisions (a column's date format, the extreme limits, the
sparse tail) and the lines that need a customer's history (netting) come back to pandas, a
batch of customers at a time. Its clean lines stay in the database
(:class:`~custlib.data.engines.lines.StagedLines`: counted, summed and profiled in SQL,
written to the run folder a batch at a time). Both engines give the same cleaning log, the
same clean tables and hence the same customer tables and fitted models
(tests/test_engines.py).
"""

from __future__ import annotations

from custlib.errors import ParameterError, format_list

__all__ = ["ENGINES", "check_engine"]

#: The engines, the default first.
ENGINES: tuple[str, ...] = ("pandas", "duckdb")


def check_engine(engine: str) -> str:
    """Return ``engine`` if it is one of :data:`ENGINES`, else raise.

    Parameters
    ----------
    engine : str

    Returns
    -------
    str

    Raises
    ------
    ParameterError
        An unknown engine, or ``duckdb`` without the duckdb package.

    Examples
    --------
    >>> check_engine("pandas")
    'pandas'
    """
    if engine not in ENGINES:
        raise ParameterError(f"parameter 'engine' is {engine!r}; expected one of "
                             f"{format_list(ENGINES)}")
    if engine == "duckdb":
        try:
            import duckdb  # noqa: F401
        except ModuleNotFoundError:
            raise ParameterError("engine: duckdb needs the duckdb package: pip install "
                                 "'custlib[fast]' (or pip install duckdb), or set engine: "
                                 "pandas") from None
    return engine
