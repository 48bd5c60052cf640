"""Typed, checked versions of the optional customers and survey tables.

The transactions table has its own rule-by-rule cleaning (:mod:`custlib.data.cleaning`).
The customers and survey tables are smaller and simpler: their types are parsed (by
:func:`custlib.data.parsing.parse_table`, with the same conventions as transactions), values
outside their documented range are set to missing (and counted), and duplicate customer
rows are resolved by keeping the last one (and counted). Each function returns the table
and a small log, so nothing changes silently.
"""

from __future__ import annotations

import pandas as pd

from custlib.data.contract import CUSTOMERS, SURVEY, Field
from custlib.data.parsing import ParseOptions, parse_table
from custlib.errors import EmptyResultError
from custlib.i18n import check_lang

__all__ = ["prepare_customers", "prepare_survey"]

RANGES: dict[str, tuple[float, float]] = {
    "age": (0, 120),
    "satisfaction": (1, 5),
    "recommend": (0, 10),
    "repurchase_intention": (1, 5),
}

def _parse(df: pd.DataFrame, spec: tuple[Field, ...], table: str,
           options: ParseOptions | None) -> tuple[pd.DataFrame, list]:
    parsed = parse_table(df, spec, options=options, prefix=f"{table}.")
    out = parsed.frame
    log: list[dict[str, object]] = []
    for name, info in parsed.info.items():
        said = info.describe()
        if said:
            rows = info.normalised if info.kind == "id" else int(out[name].notna().sum())
            log.append({"table": table, "column": name,
                        "issue": said.split(": ", 1)[-1], "rows": rows})
    for name, (lo, hi) in RANGES.items():
        if name not in out.columns:
            continue
        values = out[name]
        bad = values.notna() & ((values < lo) | (values > hi))
        if bad.any():
            log.append({"table": table, "column": name, "issue":
                        f"outside {lo:g}-{hi:g}, set to missing", "rows": int(bad.sum())})
            out[name] = values.mask(bad)
    missing_id = out["customer_id"].isna()
    if missing_id.any():
        log.append({"table": table, "column": "customer_id",
                    "issue": "no customer id, row dropped", "rows": int(missing_id.sum())})
        out = out[~missing_id]
    return out, log


def prepare_customers(raw: pd.DataFrame | None, lang: str = "en", *,
                      options: ParseOptions | None = None
                      ) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """Parse and check the customers table.

    Parameters
    ----------
    raw : pandas.DataFrame or None
        As loaded by :func:`custlib.data.loading.load_table` (``"customers"``); None passes through.
    lang : {'en', 'zh'}
        Reserved for the log's language (issues are logged in English).
    options : custlib.data.parsing.ParseOptions, optional
        Decimal mark, day/month order, time zone; default: what the loader recorded
        (``raw.attrs['parse_options']``), else inferred per column as for transactions.

    Returns
    -------
    customers : pandas.DataFrame or None
        One row per customer id (the last row wins where an id repeats), typed.
    log : pandas.DataFrame
        table, column, issue, rows: what was changed and how many rows.

    Raises
    ------
    DataError
        Unparsable dates or numbers (named, with example rows).
    EmptyResultError
        No row has a customer id.
    """
    check_lang(lang)
    if raw is None:
        return None, pd.DataFrame(columns=["table", "column", "issue", "rows"])
    out, log = _parse(raw, CUSTOMERS, "customers", options)
    dup = out["customer_id"].duplicated(keep="last")
    if dup.any():
        log.append({"table": "customers", "column": "customer_id",
                    "issue": "repeated id, last row kept", "rows": int(dup.sum())})
        out = out[~dup]
    if out.empty:
        raise EmptyResultError("customers: no row has a customer id; check the "
                               "'customer_id' column mapping")
    out = out.reset_index(drop=True)
    return out, pd.DataFrame(log, columns=["table", "column", "issue", "rows"])


def prepare_survey(raw: pd.DataFrame | None, lang: str = "en", *,
                   options: ParseOptions | None = None
                   ) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """Parse and check the survey table (scores outside their scale become missing).

    Parameters
    ----------
    raw : pandas.DataFrame or None
        As loaded by :func:`custlib.data.loading.load_table` (``"survey"``); None passes through.
    lang : {'en', 'zh'}
    options : custlib.data.parsing.ParseOptions, optional
        As for :func:`prepare_customers`.

    Returns
    -------
    survey : pandas.DataFrame or None
    log : pandas.DataFrame
    """
    check_lang(lang)
    if raw is None:
        return None, pd.DataFrame(columns=["table", "column", "issue", "rows"])
    out, log = _parse(raw, SURVEY, "survey", options)
    if out.empty:
        raise EmptyResultError("survey: no row has a customer id; check the "
                               "'customer_id' column mapping")
    return out.reset_index(drop=True), pd.DataFrame(log, columns=["table", "column",
                                                                  "issue", "rows"])
