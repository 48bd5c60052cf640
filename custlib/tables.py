"""Typed, checked versions of the optional customers and survey tables.

The transactions table has its own rule-by-rule cleaning (:mod:`custlib.cleaning`).
The customers and survey tables are smaller and simpler: their types are parsed, values
outside their documented range are set to missing (and counted), and duplicate customer
rows are resolved by keeping the last one (and counted). Each function returns the table
and a small log, so nothing changes silently.
"""

from __future__ import annotations

import pandas as pd

from custlib.contract import CUSTOMERS, SURVEY, Field, parse_datetime, parse_id, parse_number
from custlib.errors import DataError, EmptyResultError
from custlib.i18n import check_lang

__all__ = ["prepare_customers", "prepare_survey"]

RANGES: dict[str, tuple[float, float]] = {
    "age": (0, 120),
    "satisfaction": (1, 5),
    "recommend": (0, 10),
    "repurchase_intention": (1, 5),
}

_TRUE = {"1", "true", "yes", "y", "t", "是"}
_FALSE = {"0", "false", "no", "n", "f", "否"}


def _parse(df: pd.DataFrame, spec: tuple[Field, ...], table: str) -> tuple[pd.DataFrame, list]:
    out = df.copy()
    log: list[dict[str, object]] = []
    labels = out["source_row"] if "source_row" in out.columns else None
    for f in spec:
        if f.name not in out.columns:
            continue
        col = out[f.name]
        if f.kind == "id":
            out[f.name] = parse_id(col)
        elif f.kind == "datetime":
            out[f.name] = parse_datetime(col, f"{table}.{f.name}", row_labels=labels)
        elif f.kind == "number":
            values = parse_number(col, f"{table}.{f.name}", row_labels=labels)
            if f.name in RANGES:
                lo, hi = RANGES[f.name]
                bad = values.notna() & ((values < lo) | (values > hi))
                if bad.any():
                    log.append({"table": table, "column": f.name, "issue":
                                f"outside {lo:g}-{hi:g}, set to missing", "rows": int(bad.sum())})
                    values = values.mask(bad)
            out[f.name] = values
        elif f.kind == "bool":
            text = col.astype(str).str.strip().str.lower()
            parsed = pd.Series(pd.NA, index=col.index, dtype="boolean")
            parsed[text.isin(_TRUE)] = True
            parsed[text.isin(_FALSE)] = False
            unknown = parsed.isna() & col.notna() & text.ne("") & text.ne("nan")
            if unknown.any():
                examples = ", ".join(repr(v) for v in col[unknown].unique()[:5])
                raise DataError(f"{table}.{f.name}: {int(unknown.sum())} value(s) are not "
                                f"yes/no ({examples}); expected 1/0, true/false or yes/no")
            out[f.name] = parsed
        elif f.kind in ("category", "text"):
            s = col.astype("str").str.strip()
            out[f.name] = s.where(col.notna() & s.ne("")).astype("str")
    missing_id = out["customer_id"].isna()
    if missing_id.any():
        log.append({"table": table, "column": "customer_id",
                    "issue": "no customer id, row dropped", "rows": int(missing_id.sum())})
        out = out[~missing_id]
    return out, log


def prepare_customers(raw: pd.DataFrame | None, lang: str = "en"
                      ) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """Parse and check the customers table.

    Parameters
    ----------
    raw : pandas.DataFrame or None
        As loaded by :func:`custlib.io.load_customers`; None passes through.
    lang : {'en', 'zh'}
        Reserved for the log's language (issues are logged in English).

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
    out, log = _parse(raw, CUSTOMERS, "customers")
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


def prepare_survey(raw: pd.DataFrame | None, lang: str = "en"
                   ) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """Parse and check the survey table (scores outside their scale become missing).

    Parameters
    ----------
    raw : pandas.DataFrame or None
        As loaded by :func:`custlib.io.load_survey`; None passes through.
    lang : {'en', 'zh'}

    Returns
    -------
    survey : pandas.DataFrame or None
    log : pandas.DataFrame
    """
    check_lang(lang)
    if raw is None:
        return None, pd.DataFrame(columns=["table", "column", "issue", "rows"])
    out, log = _parse(raw, SURVEY, "survey")
    if out.empty:
        raise EmptyResultError("survey: no row has a customer id; check the "
                               "'customer_id' column mapping")
    return out.reset_index(drop=True), pd.DataFrame(log, columns=["table", "column",
                                                                  "issue", "rows"])
