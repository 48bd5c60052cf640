"""The DuckDB engine of cleaning: the rules of :mod:`custlib.data.cleaning`, over a log on disk.

The log is staged in a DuckDB database in a temporary folder (DuckDB spills to disk past
its memory limit), and each rule runs there as SQL, in the pandas pipeline's order, with
the same meaning:

* **types** are parsed by the pandas parsers of :mod:`custlib.data.parsing`, once per
  *distinct* value of a column, in the order values first appear in the file: a column's
  decisions (day/month order, decimal mark, the first date's UTC offset, ids written as
  ``13085.0``) depend only on which values occur and in which order, so they come out as
  for the whole column, and each line gets its value by a join. Counts that depend on
  how often a value occurs (ids normalised, placeholders, Excel serials, invalid values)
  are weighted by the values' counts.
* **row-wise rules** (duplicates, impossible dates, the window, non-products, invalid
  prices, anonymous lines) are SQL over the staged lines;
* **the sparse tail** is found from purchases per day, counted in SQL;
* **netting** needs a customer's history: the lines of the customers who have a negative
  line come back to pandas a batch of customers at a time and go through the pipeline's
  own :func:`~custlib.data.cleaning.netting.net`;
* **extreme limits** are the quantiles of the positive quantities and amounts, computed by
  NumPy as in :class:`~custlib.data.cleaning.rules.Extremes`.

The log has the pandas pipeline's rows and notes. Revenue totals are summed in the same
order (the lines by ``source_row``), so they agree to the last cent; a rule that runs in
batches (netting) adds its batches' sums, which may differ in the last bits of a float.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from custlib.data.cleaning.pipeline import _check_not_empty
from custlib.data.cleaning.result import CleaningResult
from custlib.data.cleaning.settings import DEFAULT_NON_PRODUCT_CODES, CleaningSettings
from custlib.data.contract import require_columns
from custlib.data.currency import currency_of_counts
from custlib.data.engines.sqlrules import _finish, _run_rules
from custlib.data.engines.staging import StagedLog
from custlib.data.engines.typed import _type
from custlib.data.parsing import ParseOptions

__all__ = ["StagedLog", "clean_transactions_duckdb"]


def clean_transactions_duckdb(
    raw: StagedLog | pd.DataFrame | Iterable[pd.DataFrame], *,
    rules: Mapping[str, bool] | None = None,
    observation_start: str | None = None, observation_end: str | None = None,
    min_date: str = "1990-01-01", max_date: str | None = None,
    non_product_codes: Sequence[str] = DEFAULT_NON_PRODUCT_CODES, cancel_prefix: str = "C",
    unmatched_cancellations: str = "drop", extreme_method: str = "iqr",
    extreme_factor: float = 3.0, date_format: str | None = None,
    dayfirst: bool | None = None, drop_invalid: bool = False, decimal: str = "",
    thousands: str = "", timezone: str = "", workdir: str | os.PathLike[str] | None = None,
    memory_limit: str | None = None, threads: int | None = None,
) -> CleaningResult:
    """Clean a raw log in DuckDB: the result of :func:`~custlib.data.cleaning.clean_transactions`.

    Parameters
    ----------
    raw : StagedLog, pandas.DataFrame or iterable of pandas.DataFrame
        A staged log, or contract columns as loaded, with ``source_row``, staged a batch
        at a time (memory holds one batch). Never modified.
    rules, observation_start, observation_end, min_date, max_date, non_product_codes, \
cancel_prefix, unmatched_cancellations, extreme_method, extreme_factor, date_format, \
dayfirst, drop_invalid, decimal, thousands, timezone
        As for :func:`~custlib.data.cleaning.clean_transactions`.
    workdir : path-like, optional
        Where the staging database and DuckDB's spill files go (a temporary folder
        inside it, removed afterwards); default: the system's temporary folder.
    memory_limit : str, optional
        DuckDB's memory limit (default: the environment variable ``CUSTLIB_DUCKDB_MEMORY``,
        else 1GB; :func:`~custlib.data.engines.workspace.resolve_memory_limit`); past it,
        DuckDB spills to ``workdir``.
    threads : int, optional
        DuckDB's threads; default: one per core.

    Returns
    -------
    CleaningResult
        The same tables, log and settings as the pandas engine; its ``transactions`` and
        ``anonymous`` lines stay in the staged log's database
        (:class:`~custlib.data.engines.lines.StagedLines`), open while the result lives.

    Raises
    ------
    DataError, ParameterError, EmptyResultError
        As :func:`~custlib.data.cleaning.clean_transactions`.
    """
    given: dict[str, Any] = dict(
        observation_start=observation_start, observation_end=observation_end,
        min_date=min_date, cancel_prefix=cancel_prefix,
        unmatched_cancellations=unmatched_cancellations, extreme_method=extreme_method,
        extreme_factor=extreme_factor)
    settings = CleaningSettings.build(rules=rules, max_date=max_date,
                                      non_product_codes=non_product_codes, **given)
    staged = raw if isinstance(raw, StagedLog) else \
        StagedLog(raw, workdir=workdir, memory_limit=memory_limit, threads=threads)
    con, dtypes, attrs = staged.con, staged.dtypes, staged.attrs
    try:
        present = [c for c in dtypes if c != "source_row"]
        if "customer_id" not in present or "order_date" not in present:
            require_columns(pd.DataFrame(columns=present), ["customer_id", "order_date"],
                            "clean_transactions")
        currency_of_counts(staged.currency_counts())
        options = ParseOptions.build(attrs.get("parse_options"), date_format=date_format,
                                     dayfirst=dayfirst, decimal=decimal,
                                     thousands=thousands, timezone=timezone)
        # the lines as notebook 01's profile typed them, where it typed them so
        typed = staged._take_typed(options, drop_invalid)
        books, infos = typed or _type(con, dtypes, present, options, drop_invalid)
        raw_rows = int(con.execute("SELECT count(*) FROM t").fetchall()[0][0])
        raw_revenue = float(books.amounts("true").fillna(0.0).sum())
        _run_rules(books, settings, infos, drop_invalid)
        result = _finish(books, staged, settings, given, non_product_codes, options, infos,
                         raw_rows, raw_revenue)
        _check_not_empty(result)
        result.reconcile()
    except BaseException:  # a log staged here goes now, not with the traceback's frames
        if staged is not raw:
            staged.close()
        raise
    finally:
        if not staged.closed:
            for table in ("t", "dup", "repeats", "netted_customers"):
                con.execute(f"DROP TABLE IF EXISTS {table}")
            staged.release_memory()  # the lines stay in the database, not in its cache
    return result
