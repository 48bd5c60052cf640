"""What kind of number each column of the report's tables holds, so it is shown as one.

The report writes a number by what it measures, the same in every table, the KPI cards
and the text (:mod:`custlib.i18n.formats`): money with its currency, counts as whole
numbers, days as whole days, scores on a 1-5 scale with one decimal, shares in %. A
column is known by its code name (``spend_per_order``) or by the heading a table already
carries in any language (the segment overview's "mean CLV"); a numeric column not listed
keeps the table's own rule (whole numbers, else ``digits`` decimals).
"""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = ["COLUMN_KINDS", "KINDS", "column_kind"]

#: The kinds of number, and how many decimals each is shown with (None: money's own rule,
#: whole units from 100 up; shares are shown in %).
KINDS: dict[str, int | None] = {"money": None, "count": 0, "days": 0, "score": 1,
                                "index": 0, "ratio": 1, "share": 0}

#: Code name of a column -> its kind (:data:`KINDS`).
COLUMN_KINDS: dict[str, str] = {
    # money, in the run's currency
    "revenue": "money", "total_revenue": "money", "amount": "money", "monetary": "money",
    "spend_per_order": "money", "mean_unit_price": "money", "avg_order_value": "money",
    "value_at_stake": "money", "value": "money", "clv": "money", "mean_clv": "money",
    # counts of people or things
    "customers": "count", "respondents": "count", "buyers": "count", "orders": "count",
    "n_orders": "count", "rows": "count",
    # durations in days
    "median_days_between": "days", "recency_days": "days", "days": "days",
    # survey scores on a 1-5 scale
    "satisfaction": "score", "repurchase_intention": "score", "mean_satisfaction": "score",
    # the Net Promoter Score, -100 to 100
    "nps": "index",
    # averages per order or customer
    "items_per_order": "ratio", "orders_per_customer": "ratio",
}

#: Headings of tables that arrive already named in the report's language (the segment
#: overview, ``report.overview``; notebook 04's stage table, ``lifecycle.column``), by key.
_HEADED = {"report.overview": {"customers": "count", "mean_clv": "money",
                               "customer_share": "share", "revenue_share": "share",
                               "clv_share": "share"},
           "lifecycle.column": {"customers": "count", "revenue": "money", "clv": "money",
                                "change": "count", "share": "share", "revenue_share": "share"}}


@cache
def _headings() -> dict[str, str]:
    from custlib.i18n import LANGS, labels

    out: dict[str, str] = {}
    for prefix, kinds in _HEADED.items():
        for lang in LANGS:
            names = labels(prefix, lang)
            out.update({names[k]: kind for k, kind in kinds.items() if k in names})
    return out


def column_kind(name: Any) -> str:
    """The kind of number a column holds (:data:`KINDS`), or ``''`` when it is not known.

    Parameters
    ----------
    name : object
        A column's code name, or its heading in a report language.

    Returns
    -------
    str

    Examples
    --------
    >>> column_kind("spend_per_order"), column_kind("平均 CLV"), column_kind("mean CLV")
    ('money', 'money', 'money')
    >>> column_kind("median_days_between"), column_kind("satisfaction"), column_kind("x")
    ('days', 'score', '')
    """
    if not isinstance(name, str):
        return ""
    return COLUMN_KINDS.get(name) or _headings().get(name, "")
