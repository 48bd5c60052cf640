"""Writing a cleaning result to the run folder, every file through :mod:`custlib.run.artefacts`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from custlib.data.cleaning.result import CleaningResult

__all__ = ["save_cleaning"]

#: the notebook recorded as the writer in the run's manifest
WRITTEN_BY = "01_data_cleaning"


def save_cleaning(result: CleaningResult, run: Any, *, customers: pd.DataFrame | None = None,
                  survey: pd.DataFrame | None = None, lang: str = "en",
                  currency: str = "", labels: dict[str, dict[str, str]] | None = None
                  ) -> list[Path]:
    """Write a cleaning result (and the prepared optional tables) to the run folder.

    Parameters
    ----------
    result : CleaningResult
    run : custlib.run.config.RunFolder
    customers, survey : pandas.DataFrame, optional
        Prepared by :mod:`custlib.data.tables`.
    lang : {'en', 'zh'}
        Language of the log written for people.
    currency : str
        Recorded in the summary JSON for later notebooks.
    labels : dict, optional
        The business context's ``labels`` (``{lang: {data value: name}}``), recorded in the
        summary JSON so that later notebooks name the data's values in their language.

    Returns
    -------
    list of pathlib.Path
        The files written: the clean and anonymous lines, the optional tables, then
        ``tables/cleaning_log.csv``, ``tables/removed_rows.csv``,
        ``tables/netting_adjustments.csv`` and the summary JSON.
    """
    from custlib.run import artefacts

    by = WRITTEN_BY
    paths = [
        artefacts.save_table(result.transactions, run, "transactions_clean", written_by=by),
        artefacts.save_table(result.anonymous, run, "transactions_anonymous", written_by=by),
    ]
    if customers is not None:
        paths.append(artefacts.save_table(customers, run, "customers", written_by=by))
    if survey is not None:
        paths.append(artefacts.save_table(survey, run, "survey", written_by=by))
    paths += [
        artefacts.save_csv(result.log_table(lang), run, "cleaning_log", written_by=by,
                           index=False),
        artefacts.save_csv(result.removed, run, "removed_rows", written_by=by, index=False),
        artefacts.save_csv(result.adjustments, run, "netting_adjustments", written_by=by,
                           index=False),
    ]
    summary = {**result.reconcile(), "currency": currency, "settings": result.settings,
               # later notebooks leave a DuckDB run's lines on disk (workflow.CleanTables)
               "engine": "pandas" if isinstance(result.transactions, pd.DataFrame)
               else "duckdb"}
    if labels:
        summary["labels"] = labels
    paths.append(artefacts.save_json(summary, run, "cleaning_summary", written_by=by))
    return paths
