"""The one currency of a log: a ``currency`` column must hold one value.

Revenue, CLV and KPIs add amounts up, which is only right in one currency; a log whose
``currency`` column (found by name, see :data:`custlib.data.contract.TRANSACTIONS`) holds
several stops, and the ``currency`` parameter is checked against the column.
"""

from __future__ import annotations

import pandas as pd

from custlib.errors import DataError, ParameterError

__all__ = ["currency_of_counts", "single_currency"]


def single_currency(transactions: pd.DataFrame, currency: str = "") -> str:
    """The one currency of a log's money, checked against the ``currency`` parameter.

    Revenue, CLV and KPIs add amounts up, which is only right in one currency. A log with a
    ``currency`` column must hold one value (blank cells aside).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Raw or clean transactions.
    currency : str, default ''
        The ``currency`` parameter (or the context's currency); empty: the column's.

    Returns
    -------
    str
        The column's currency when the log has one, else ``currency``.

    Raises
    ------
    DataError
        The column holds several currencies.
    ParameterError
        ``currency`` names another currency than the column.

    Examples
    --------
    >>> single_currency(pd.DataFrame({"currency": ["eur", "EUR ", None]}))
    'EUR'
    >>> single_currency(pd.DataFrame({"amount": [1.0]}), "GBP")
    'GBP'
    """
    if not isinstance(transactions, pd.DataFrame):  # a log staged by the DuckDB engine
        return currency_of_counts(transactions.currency_counts(), currency)
    if "currency" not in transactions.columns:
        return currency
    codes = transactions["currency"].dropna().astype(str).str.strip().str.upper()
    return currency_of_counts(codes[codes != ""].value_counts(), currency)


def currency_of_counts(counts: pd.Series, currency: str = "") -> str:
    """:func:`single_currency` from the lines per currency code (an engine that counts them).

    Parameters
    ----------
    counts : pandas.Series
        Lines per code (stripped, upper case, blanks left out), most lines first.
    currency : str, default ''

    Returns
    -------
    str

    Raises
    ------
    DataError, ParameterError
        As :func:`single_currency`.
    """
    if len(counts) > 1:
        found = ", ".join(f"{code}: {n:,} line{'s' if n != 1 else ''}"
                          for code, n in counts.head(5).items())
        raise DataError(
            f"transactions: column 'currency' holds {len(counts)} currencies ({found}); the kit "
            "adds revenue up, which is only right in one currency. Convert the amounts to one "
            "currency before the run, or give each currency its own run (filter the log on "
            "its currency column)")
    if len(counts) == 0:
        return currency
    code = str(counts.index[0])
    if currency and currency.strip().upper() != code:
        raise ParameterError(
            f"parameter 'currency' is {currency!r} but the log's column 'currency' says {code}; "
            f"set currency: {code}, or leave it empty to take the log's")
    return code
