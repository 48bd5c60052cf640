"""Named data sources: a file (or a file shipped in a package) and its column mapping.

``demo``
    The synthetic demo business in ``data/raw/demo`` (transactions, customers, survey,
    business context). Regenerate it with ``python -m custlib.data.demo``.
``cdnow_sample`` / ``cdnow_master``
    The CDNOW music-store logs shipped with the ``lifetimes`` package (2,357 and 23,570
    customers, 1997-01 to 1998-06), read with :mod:`importlib.resources`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from custlib.run.config import DEMO_DATA_DIR

__all__ = ["PRESETS", "Preset"]


@dataclass(frozen=True)
class Preset:
    """A named data source: where its files are and how its columns map.

    Attributes
    ----------
    name : str
        The name users pass as ``source``.
    description : str
        One line for people.
    transactions : str
        A path relative to the project root, or ``package:<module>/<file>`` for a file
        shipped inside an installed package.
    columns : dict
        ``{contract name: source column}`` for the transactions.
    read_options : dict
        Passed to :func:`read_table`.
    customers, survey, context : str or None
        The optional tables.
    """

    name: str
    description: str
    transactions: str
    columns: Mapping[str, str | None] = field(default_factory=dict)
    read_options: Mapping[str, Any] = field(default_factory=dict)
    customers: str | None = None
    survey: str | None = None
    context: str | None = None


_CDNOW_NAMES = ["master_id", "customer_id", "date", "cds", "dollar_value"]

PRESETS: dict[str, Preset] = {
    "demo": Preset(
        name="demo",
        description="synthetic home & lifestyle retailer, 2022-2024, with injected dirt",
        transactions=str(DEMO_DATA_DIR / "transactions.csv"),
        columns={"order_id": "Invoice", "product_id": "StockCode",
                 "description": "Description", "quantity": "Quantity",
                 "order_date": "InvoiceDate", "unit_price": "Price",
                 "customer_id": "Customer ID", "country": "Country",
                 "category": "Category", "channel": "Channel"},
        customers=str(DEMO_DATA_DIR / "customers.csv"),
        survey=str(DEMO_DATA_DIR / "survey.csv"),
        context=str(DEMO_DATA_DIR / "context.yaml"),
    ),
    "cdnow_sample": Preset(
        name="cdnow_sample",
        description="CDNOW 1/10 sample: 2,357 customers, 6,919 lines, 1997-01 to 1998-06",
        transactions="package:lifetimes.datasets/CDNOW_sample.txt",
        columns={"customer_id": "customer_id", "order_date": "date", "quantity": "cds",
                 "amount": "dollar_value", "order_id": None, "unit_price": None},
        read_options={"sep": r"\s+", "header": None, "names": _CDNOW_NAMES},
    ),
    "cdnow_master": Preset(
        name="cdnow_master",
        description="CDNOW full cohort: 23,570 customers, 69,659 lines, 1997-01 to 1998-06",
        transactions="package:lifetimes.datasets/CDNOW_master.txt",
        columns={"customer_id": "customer_id", "order_date": "date", "quantity": "cds",
                 "amount": "dollar_value", "order_id": None, "unit_price": None},
        read_options={"sep": r"\s+", "header": 0,
                      "names": ["customer_id", "date", "cds", "dollar_value"]},
    ),
}
