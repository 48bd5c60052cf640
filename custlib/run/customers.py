"""Customer-level columns a notebook takes from the run's tables, by name.

:func:`customer_column` finds a column (a segment label of notebook 02, or an attribute of
the customers table) for comparisons such as the survival curves; :func:`signup_dates`
and :func:`signup_note` handle a customers table with or without sign-up dates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from custlib.errors import ParameterError, check_choice, format_list
from custlib.i18n import check_lang, t

if TYPE_CHECKING:
    from custlib.run.workflow import CleanTables

__all__ = ["customer_column", "signup_dates", "signup_note"]


def customer_column(clean: CleanTables, labels: pd.DataFrame | None, name: str, *,
                    missing: str = "raise") -> pd.Series | None:
    """A customer-level column by name, from notebook 02's labels or the customers table.

    Parameters
    ----------
    clean : CleanTables
    labels : pandas.DataFrame or None
        From :func:`custlib.run.workflow.customer_labels`.
    name : str
        A column such as ``rfm_segment`` or ``acquisition_channel``; '' for none.
    missing : {'raise', 'none'}, default 'raise'
        When ``name`` is in neither table: raise, or return None (for an optional
        comparison such as the survival curves, which then say in words what they skip).

    Returns
    -------
    pandas.Series or None
        Indexed by customer id (text); None when ``name`` is '', or when the run has no
        customers table and ``name`` is not a label of notebook 02 (the section that
        needs it is skipped).

    Raises
    ------
    ParameterError
        The run has a customers table and ``name`` is in neither table (the error lists
        what is there).
    """
    check_choice("missing", missing, ("raise", "none"))
    if not name or (clean.customers is None and (labels is None or name not in labels)):
        return None
    if missing == "none" and (labels is None or name not in labels.columns) and \
            (clean.customers is None or name not in clean.customers.columns):
        return None
    if labels is not None and name in labels.columns:
        out = labels[name]
    elif clean.customers is not None and name in clean.customers.columns:
        out = clean.customers.set_index("customer_id")[name]
    else:
        there = list(labels.columns if labels is not None else []) + \
            list(clean.customers.columns if clean.customers is not None else [])
        raise ParameterError(f"column {name!r} is not in the customer tables of this run; "
                             f"expected one of {format_list(there, 30)} or '' for none")
    out = out.copy()
    out.index = out.index.astype(str)
    return out.astype(str)


def signup_dates(clean: CleanTables) -> pd.Series | None:
    """Sign-up date by customer id, for the 'potential' lifecycle stage.

    Parameters
    ----------
    clean : CleanTables

    Returns
    -------
    pandas.Series or None
        None when the run has no customers table or the table has no ``signup_date``
        (registered customers who never bought then cannot be dated and are left out).
    """
    if clean.customers is None or "signup_date" not in clean.customers.columns:
        return None
    return clean.customers.set_index("customer_id")["signup_date"]


def signup_note(clean: CleanTables, lang: str = "en") -> str:
    """In words, when the customers table cannot date sign-ups ('' otherwise).

    Parameters
    ----------
    clean : CleanTables
    lang : {'en', 'zh'}

    Returns
    -------
    str
        An italic sentence when the run has a customers table without ``signup_date``:
        its customers who never bought are not counted in the 'potential' stage.
    """
    check_lang(lang)
    if clean.customers is None or "signup_date" in clean.customers.columns:
        return ""
    return t("run.notes.no_signup_date", lang)
