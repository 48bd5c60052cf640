"""The data contract: which tables the kit reads, their columns, and how user columns map.

The kit works on up to three tables and one context file (see ``data/README.md``):

* **transactions** (required): one row per order line;
* **customers** (optional): one row per registered customer, buyers or not;
* **survey** (optional): one row per survey answer;
* **context** (optional YAML): company, competitors, SWOT and canvas text.

Users keep their own column names and pass a mapping ``{contract name: their column}``;
columns not mapped are found by their contract name or a common alias
(``Customer ID``, ``InvoiceNo``, ...). The mapping is checked at the boundary, so a
missing or misnamed column is reported by name with the columns that were found.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from custlib.data.parsing import ParseOptions, parse_dates, parse_ids, parse_numbers, parse_table
from custlib.errors import ColumnError, ParameterError, format_list

__all__ = [
    "Field",
    "TABLES",
    "TRANSACTIONS",
    "CUSTOMERS",
    "SURVEY",
    "coerce_transactions",
    "derive_money",
    "map_columns",
    "parse_datetime",
    "parse_number",
    "parse_id",
    "require_columns",
]

KINDS = ("id", "datetime", "number", "category", "text", "bool")


@dataclass(frozen=True)
class Field:
    """One column of the contract.

    Attributes
    ----------
    name : str
        The contract name used everywhere in custlib.
    kind : {'id', 'datetime', 'number', 'category', 'text', 'bool'}
        How values are parsed.
    required : bool
        Whether the table is unusable without it.
    description : str
        What the column holds (shown in ``data/README.md`` and in errors).
    aliases : tuple of str
        Other names the column is recognised by when no mapping is given.
    """

    name: str
    kind: str
    required: bool
    description: str
    aliases: tuple[str, ...] = field(default_factory=tuple)


TRANSACTIONS: tuple[Field, ...] = (
    Field("customer_id", "id", True, "who bought; empty for anonymous sales",
          ("customerid", "customer", "custid", "clientid", "userid", "memberid")),
    Field("order_id", "id", True, "invoice or order number; a leading 'C' marks a "
          "cancellation. Derived from customer and date when the log has none",
          ("invoice", "invoiceno", "invoiceid", "orderid", "ordernumber", "transactionid")),
    Field("order_date", "datetime", True, "when the order was placed",
          ("invoicedate", "orderdate", "date", "datetime", "transactiondate", "purchasedate")),
    Field("quantity", "number", True, "units on the line; negative for cancellations "
          "and returns. Taken as 1 when the log has only a line amount",
          ("qty", "units", "numberofcds", "numberofitems")),
    Field("unit_price", "number", False, "price per unit (give this or amount)",
          ("price", "unitprice", "itemprice")),
    Field("amount", "number", False, "line revenue = quantity x unit price (give this "
          "or unit_price)", ("linetotal", "revenue", "sales", "dollarvalue", "total",
                             "lineamount", "value")),
    Field("product_id", "id", False, "product or stock code",
          ("stockcode", "sku", "productcode", "itemid", "item")),
    Field("description", "text", False, "product description", ("productname",)),
    Field("category", "category", False, "product category", ("productcategory",)),
    Field("channel", "category", False, "sales channel (web, store, app, ...)",
          ("saleschannel",)),
    Field("country", "category", False, "country of the buyer", ()),
    Field("currency", "category", False, "currency of the line's money (one per log: a log "
          "in several currencies stops)", ("currencycode", "curr")),
)

CUSTOMERS: tuple[Field, ...] = (
    Field("customer_id", "id", True, "customer identifier, as in transactions",
          ("customerid", "customer", "custid", "clientid", "userid", "memberid")),
    Field("customer_type", "category", False, "individual or organisation", ("type",)),
    Field("org_subtype", "category", False, "SME, large enterprise, government, "
          "education, non-profit", ("organisationtype", "orgtype")),
    Field("industry", "category", False, "industry of an organisational customer", ()),
    Field("company_size", "category", False, "size band of an organisation",
          ("size", "employees")),
    Field("ownership", "category", False, "state-owned, private, foreign", ()),
    Field("age", "number", False, "age of an individual in years", ()),
    Field("gender", "category", False, "gender of an individual", ("sex",)),
    Field("occupation", "category", False, "occupation of an individual", ("job",)),
    Field("income_band", "category", False, "income band of an individual",
          ("income",)),
    Field("country", "category", False, "country", ()),
    Field("region", "category", False, "region within the country", ("province", "state")),
    Field("city", "category", False, "city", ()),
    Field("signup_date", "datetime", False, "when the customer registered",
          ("registrationdate", "createdat", "joindate")),
    Field("acquisition_channel", "category", False, "how the customer was acquired",
          ("source", "acquisitionsource")),
)

SURVEY: tuple[Field, ...] = (
    Field("customer_id", "id", True, "customer identifier, as in transactions",
          ("customerid", "customer", "respondentid")),
    Field("survey_date", "datetime", False, "when the answer was given", ("date",)),
    Field("satisfaction", "number", False, "overall satisfaction, 1 (very low) to 5",
          ("csat",)),
    Field("recommend", "number", False, "likelihood to recommend, 0 to 10 (NPS)",
          ("nps", "likelihoodtorecommend", "npsscore")),
    Field("repurchase_intention", "number", False, "intends to buy again, 1 to 5",
          ("repurchase",)),
    Field("top_need", "category", False, "the need named first (price, quality, ...)",
          ("need", "mainneed")),
    Field("complaint", "bool", False, "whether the customer complained", ()),
    Field("complaint_text", "text", False, "what the complaint said", ("comment",)),
)

TABLES: dict[str, tuple[Field, ...]] = {
    "transactions": TRANSACTIONS,
    "customers": CUSTOMERS,
    "survey": SURVEY,
}


def _norm(name: object) -> str:
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def fields(table: str) -> tuple[Field, ...]:
    """Return the contract fields of ``table``.

    Parameters
    ----------
    table : {'transactions', 'customers', 'survey'}
    """
    if table not in TABLES:
        raise ParameterError(f"table {table!r} is unknown; expected one of "
                             f"{format_list(TABLES)}")
    return TABLES[table]


def resolve_mapping(columns_found: list[str], table: str,
                    columns: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """Work out which source column feeds each contract field.

    Parameters
    ----------
    columns_found : list of str
        The columns of the user's table.
    table : {'transactions', 'customers', 'survey'}
        Which contract to map to.
    columns : mapping, optional
        ``{contract name: source column}``. A value of ``None`` or ``""`` says the
        source has no such column (do not guess one).

    Returns
    -------
    dict
        ``{contract name: source column}`` for every field found.

    Raises
    ------
    ColumnError
        If the mapping names a column the table does not have, or a required field
        cannot be found; the message lists the columns found.
    ParameterError
        If the mapping uses a name that is not in the contract.
    """
    spec = fields(table)
    known = {f.name for f in spec}
    columns = dict(columns or {})
    unknown = [k for k in columns if k not in known]
    if unknown:
        raise ParameterError(
            f"column mapping for {table} names {format_list(unknown)}, which the contract "
            f"does not have; contract names are {format_list([f.name for f in spec], 20)}"
        )
    missing = [v for v in columns.values() if v and v not in columns_found]
    if missing:
        wrong = {k: v for k, v in columns.items() if v in missing}
        raise ColumnError(
            f"{table}: the mapping {wrong} names column(s) {format_list(missing)} that the "
            f"table does not have; columns found: {format_list(columns_found, 30)}"
        )
    by_norm: dict[str, str] = {}
    for c in columns_found:
        by_norm.setdefault(_norm(c), c)
    taken = {v for v in columns.values() if v}
    out: dict[str, str] = {}
    for f in spec:
        if f.name in columns:
            if columns[f.name]:
                out[f.name] = str(columns[f.name])
            continue
        for cand in (f.name, *f.aliases):
            src = by_norm.get(_norm(cand))
            if src is not None and src not in taken:
                out[f.name] = src
                taken.add(src)
                break
    return out


def map_columns(df: pd.DataFrame, table: str = "transactions",
                columns: Mapping[str, str | None] | None = None,
                *, keep_extra: bool = False) -> pd.DataFrame:
    """Rename a user table to contract names, checking that what is needed is there.

    Parameters
    ----------
    df : pandas.DataFrame
        The table as read.
    table : {'transactions', 'customers', 'survey'}, default 'transactions'
        Which contract applies.
    columns : mapping, optional
        ``{contract name: source column}``; unmapped fields are found by name or alias.
    keep_extra : bool, default False
        Keep columns that map to no field (under their own names).

    Returns
    -------
    pandas.DataFrame
        A new frame with contract column names, in contract order. The mapping used is
        in ``result.attrs['column_mapping']``.

    Raises
    ------
    ColumnError
        A required column is missing (named, with the columns found).

    Examples
    --------
    >>> raw = pd.DataFrame({"Invoice": ["1"], "Customer ID": ["7"], "InvoiceDate": ["2011-01-02"],
    ...                     "Quantity": ["2"], "Price": ["1.5"]})
    >>> list(map_columns(raw).columns)
    ['customer_id', 'order_id', 'order_date', 'quantity', 'unit_price']
    """
    found = [str(c) for c in df.columns]
    mapping = resolve_mapping(found, table, columns)
    need = [f for f in fields(table) if f.required]
    if table == "transactions":
        if "unit_price" not in mapping and "amount" not in mapping:
            raise ColumnError(
                "transactions: need a 'unit_price' or an 'amount' column and found neither;"
                f" columns found: {format_list(found, 30)}. Map yours: set "
                "`columns: {unit_price: Price}` in your parameter file (or "
                "columns={'unit_price': 'Price'} in Python)"
            )
        # order_id is derived and quantity defaults to 1 when an amount is given
        need = [f for f in need if f.name not in ("order_id",)]
        if "amount" in mapping:
            need = [f for f in need if f.name != "quantity"]
    absent = [f for f in need if f.name not in mapping]
    if absent:
        f = absent[0]
        raise ColumnError(
            f"{table}: required column {f.name!r} ({f.description}) is missing; columns "
            f"found: {format_list(found, 30)}. Map yours: set `columns: {{{f.name}: "
            f"<your column>}}` in your parameter file (or columns={{{f.name!r}: "
            "'<your column>'} in Python)"
        )
    out = pd.DataFrame({name: df[src] for name, src in mapping.items()}, index=df.index)
    if keep_extra:
        used = set(mapping.values())
        for c in df.columns:
            if c not in used and c not in out.columns:
                out[c] = df[c]
    out.attrs = dict(df.attrs)
    out.attrs["column_mapping"] = mapping
    return out


def require_columns(df: pd.DataFrame, required: list[str], where: str) -> None:
    """Raise :class:`ColumnError` naming the first missing column.

    Parameters
    ----------
    df : pandas.DataFrame
        The table to check.
    required : list of str
        Columns that must be present.
    where : str
        What needs them, for the message (a function or table name).
    """
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ColumnError(
            f"{where}: column(s) {format_list(missing)} missing; expected "
            f"{format_list(required)}; columns found: {format_list(map(str, df.columns), 30)}"
        )


def parse_datetime(s: pd.Series, column: str, *, fmt: str | None = None,
                   dayfirst: bool | None = None, errors: str = "raise",
                   row_labels: pd.Series | None = None, timezone: str = "") -> pd.Series:
    """Parse a column to ``datetime64[ns]`` (:func:`custlib.data.parsing.parse_dates`).

    One convention for the whole column: ``13/01/2021`` anywhere makes every
    ``dd/mm/yyyy`` value day first; a column that nothing decides raises.

    Parameters
    ----------
    s : pandas.Series
        Strings, numbers such as ``19970101`` or Excel serials, or datetimes.
    column : str
        The column's name, for messages.
    fmt : str, optional
        An explicit ``strftime`` format (``'%Y%m%d'``); inferred when omitted.
    dayfirst : bool, optional
        Read ``01/02/2011`` as 1 February (True) or 2 January (False); inferred from the
        column when omitted.
    errors : {'raise', 'coerce'}, default 'raise'
        On unparsable values raise :class:`DataError`, or return ``NaT`` there.
    row_labels : pandas.Series, optional
        Labels for the rows in messages (source line numbers).
    timezone : str, optional
        IANA zone dates with UTC offsets are converted to.

    Returns
    -------
    pandas.Series
        ``datetime64[ns]``; empty input values stay ``NaT``.
    """
    opts = ParseOptions(date_format=fmt or None, dayfirst=dayfirst, timezone=timezone)
    return parse_dates(s, column, options=opts, errors=errors, row_labels=row_labels)[0]


def parse_number(s: pd.Series, column: str, *, errors: str = "raise",
                 row_labels: pd.Series | None = None, decimal: str = "",
                 thousands: str = "") -> pd.Series:
    """Parse a column of money or counts to ``float64``.

    See :func:`custlib.data.parsing.parse_numbers`.

    Currency symbols, codes and spaces are removed; the decimal mark is inferred from the
    column (``8,50`` is 8.5, ``'£1,234.50'`` is 1234.5) unless given.

    Parameters
    ----------
    s : pandas.Series
        Numbers or strings.
    column : str
        The column's name, for messages.
    errors : {'raise', 'coerce'}, default 'raise'
        On non-numeric values raise :class:`DataError`, or return NaN there.
    row_labels : pandas.Series, optional
        Labels for the rows in messages (source line numbers).
    decimal : {'', '.', ','}
        The decimal mark; empty: inferred.
    thousands : {'', ',', '.', ' ', "'", 'none'}
        The thousands separator; empty: inferred.

    Returns
    -------
    pandas.Series
        ``float64``; empty values are NaN.
    """
    opts = ParseOptions(decimal=decimal, thousands=thousands)
    return parse_numbers(s, column, options=opts, errors=errors, row_labels=row_labels)[0]


def parse_id(s: pd.Series) -> pd.Series:
    """Normalise identifiers to strings (:func:`custlib.data.parsing.parse_ids`).

    Integer-valued floats (``12346.0``, also as text) lose the ``.0`` unless the column
    holds a number such as ``1.5``; surrounding spaces are stripped; leading zeros stay.

    Parameters
    ----------
    s : pandas.Series

    Returns
    -------
    pandas.Series
        dtype ``str`` with NaN for missing.
    """
    return parse_ids(s)[0]


def coerce_transactions(raw: pd.DataFrame, *, date_format: str | None = None,
                        dayfirst: bool | None = None, decimal: str = "",
                        thousands: str = "", timezone: str = "") -> pd.DataFrame:
    """Return a typed copy of a raw transactions frame, unparsable values as missing.

    Used to profile data *before* cleaning, when values are still text. Types are parsed
    by :func:`custlib.data.parsing.parse_table`, as in cleaning, but a value that does not parse
    (or whose convention the column does not decide) becomes missing instead of raising.
    Missing ``amount`` is derived as quantity x unit price, missing ``unit_price`` as
    amount / quantity, missing ``quantity`` as 1. Cleaning itself parses strictly
    (:func:`custlib.data.cleaning.clean_transactions`).

    Parameters
    ----------
    raw : pandas.DataFrame
        Contract columns as loaded by :func:`custlib.data.loading.load_transactions`.
    date_format : str, optional
        ``strftime`` format of ``order_date``.
    dayfirst : bool, optional
        Day/month order; inferred when omitted.
    decimal, thousands, timezone : str, optional
        See :class:`custlib.data.parsing.ParseOptions`; when empty, the options the loader
        recorded (``raw.attrs['parse_options']``), else inferred.

    Returns
    -------
    pandas.DataFrame
    """
    opts = ParseOptions.build(raw.attrs.get("parse_options"), date_format=date_format,
                              dayfirst=dayfirst, decimal=decimal, thousands=thousands,
                              timezone=timezone)
    out = parse_table(raw, TRANSACTIONS, options=opts, errors="coerce").frame
    return derive_money(out)


def derive_money(df: pd.DataFrame) -> pd.DataFrame:
    """Complete quantity, unit price and amount from the ones a log has (in place).

    * no ``quantity``: each line is one unit, or minus one for a negative amount (a
      refund), so that netting can match it;
    * no ``amount``: quantity x unit price;
    * no ``unit_price``: amount / quantity (missing where the quantity is 0).

    Parameters
    ----------
    df : pandas.DataFrame
        Typed ``quantity``/``unit_price``/``amount`` columns, at least two of them or
        ``amount`` alone.

    Returns
    -------
    pandas.DataFrame
        ``df``, with the three columns.
    """
    if "quantity" not in df.columns:
        df["quantity"] = np.where(df["amount"] < 0, -1.0, 1.0)
    if "amount" not in df.columns:
        df["amount"] = df["quantity"] * df["unit_price"]
    if "unit_price" not in df.columns:
        df["unit_price"] = df["amount"] / df["quantity"].where(df["quantity"] != 0)
    return df

