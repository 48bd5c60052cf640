"""The steps of a run as functions, so a later notebook can stand on its own.

Notebook 01 walks through cleaning one step at a time, for people. :func:`run_cleaning`
performs the same steps in one call with the same parameters. Later notebooks call
:func:`clean_tables`, which reads the clean tables from the run folder and, when a
notebook is opened on its own before notebook 01 ran for that run, first cleans the data
with the run's parameters (``params.yaml`` in the run folder, written by the runner) or
notebook 01's defaults.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from custlib import artefacts, cleaning, io, tables
from custlib.config import RunFolder
from custlib.errors import ParameterError, format_list

__all__ = ["CLEANING_DEFAULTS", "CleanTables", "clean_tables", "run_cleaning"]

#: Notebook 01's parameter defaults (tests/test_workflow.py keeps them in step).
CLEANING_DEFAULTS: dict[str, Any] = {
    "lang": "en",
    "transactions": "demo",
    "columns": {},
    "customers": "demo",
    "survey": "demo",
    "context": "demo",
    "currency": "",
    "date_format": "",
    "dayfirst": False,
    "drop_invalid": False,
    "observation_start": "",
    "observation_end": "",
    "non_product_codes": list(cleaning.DEFAULT_NON_PRODUCT_CODES),
    "cancel_prefix": "C",
    "unmatched_cancellations": "drop",
    "extreme_factor": 3.0,
    "rules": {},
}


class CleanTables:
    """The clean tables of a run, as later notebooks use them.

    Attributes
    ----------
    transactions : pandas.DataFrame
        Clean lines of identified customers.
    customers, survey : pandas.DataFrame or None
    summary : dict
        The cleaning summary (rows, revenue, dates, currency, settings).
    """

    def __init__(self, transactions: pd.DataFrame, customers: pd.DataFrame | None,
                 survey: pd.DataFrame | None, summary: dict[str, Any]) -> None:
        self.transactions = transactions
        self.customers = customers
        self.survey = survey
        self.summary = summary

    @property
    def currency(self) -> str:
        """The currency recorded by the cleaning step ('' if unknown)."""
        return str(self.summary.get("currency") or "")

    @property
    def observation_end(self) -> str:
        """The last day observed: the window's end, else the last clean order date."""
        end = (self.summary.get("settings") or {}).get("observation_end")
        if end:
            return str(end)
        return str(pd.Timestamp(self.transactions["order_date"].max()).date())


def run_cleaning(run: RunFolder, **params: Any) -> list[Any]:
    """Load, clean and save, as notebook 01 does, with its parameters.

    Parameters
    ----------
    run : RunFolder
    **params
        Any of :data:`CLEANING_DEFAULTS`; unknown names raise.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    unknown = [k for k in params if k not in CLEANING_DEFAULTS]
    if unknown:
        raise ParameterError(f"run_cleaning got unknown parameter(s) {format_list(unknown)}; "
                             f"expected {format_list(CLEANING_DEFAULTS, 30)}")
    p = {**CLEANING_DEFAULTS, **params}
    business = io.load_context(p["context"])
    currency = p["currency"] or business.get("company", {}).get("currency", "")
    raw = io.load_transactions(p["transactions"], p["columns"])
    result = cleaning.clean_transactions(
        raw, rules=p["rules"], observation_start=p["observation_start"] or None,
        observation_end=p["observation_end"] or None,
        non_product_codes=p["non_product_codes"], cancel_prefix=p["cancel_prefix"],
        unmatched_cancellations=p["unmatched_cancellations"],
        extreme_factor=p["extreme_factor"], date_format=p["date_format"] or None,
        dayfirst=p["dayfirst"], drop_invalid=p["drop_invalid"])
    customers, _ = tables.prepare_customers(io.load_customers(p["customers"]), p["lang"])
    survey, _ = tables.prepare_survey(io.load_survey(p["survey"]), p["lang"])
    return cleaning.save_cleaning(result, run, customers=customers, survey=survey,
                                  lang=p["lang"], currency=currency)


def clean_tables(run: RunFolder) -> CleanTables:
    """The run's clean tables, cleaning first if notebook 01 has not run for it.

    Parameters
    ----------
    run : RunFolder

    Returns
    -------
    CleanTables
    """
    manifest = artefacts.read_manifest(run)
    if "transactions_clean" not in manifest:
        params_file = run.root / "params.yaml"
        given = io.read_yaml_mapping(params_file, ParameterError, "a mapping") \
            if params_file.exists() else {}
        run_cleaning(run, **{k: v for k, v in given.items() if k in CLEANING_DEFAULTS})
        manifest = artefacts.read_manifest(run)
    tx = artefacts.load_table(run, "transactions_clean")
    customers = artefacts.load_table(run, "customers") if "customers" in manifest else None
    survey = artefacts.load_table(run, "survey") if "survey" in manifest else None
    summary = json.loads((run.data / "cleaning_summary.json").read_text(encoding="utf-8"))
    return CleanTables(tx, customers, survey, summary)


def save_segmentation(run: RunFolder, summary: pd.DataFrame, table: pd.DataFrame,
                      cards: pd.DataFrame, *, lang: str = "en") -> list[Any]:
    """Write notebook 02's results to the run folder.

    Parameters
    ----------
    run : RunFolder
    summary : pandas.DataFrame
        The customer summary (index customer_id).
    table : pandas.DataFrame
        Summary joined with attributes and every scheme's labels.
    cards : pandas.DataFrame
        Profile cards.
    lang : {'en', 'zh'}
        Language of the guide written for people.

    Returns
    -------
    list of pathlib.Path
    """
    from custlib import segments

    by = "02_segmentation"
    labels = [c for c in ("R", "F", "M", "rfm_code", "rfm_score", "rfm_segment",
                          "rfm8_segment", "value_tier", "importance", "relationship",
                          "cluster") if c in table.columns]
    seg = table[labels].copy()
    for c in seg.columns:
        if isinstance(seg[c].dtype, pd.CategoricalDtype):
            seg[c] = seg[c].astype(str)
    paths = [artefacts.save_table(summary, run, "customer_summary", written_by=by),
             artefacts.save_table(seg, run, "customer_segments", written_by=by, csv=True)]
    cards_path = run.path("tables", "profile_cards.csv")
    cards.to_csv(cards_path, encoding="utf-8-sig")
    guide = pd.concat({s: segments.segment_guide(s, lang) for s in segments.SCHEMES})
    guide_path = run.path("tables", "segment_guide.csv")
    guide.to_csv(guide_path, encoding="utf-8-sig")
    return paths + [cards_path, guide_path]
