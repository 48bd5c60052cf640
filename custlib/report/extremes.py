"""Extreme lines that dominate a headline figure, named beside it.

Cleaning flags extreme lines (``is_extreme``, notebook 01) and keeps them: a wholesale order
can be genuine. But when one line with a mistyped price is more than half of a period's
revenue, or its customer holds more than half of the predicted CLV, the figure describes
that line, not the business. :func:`extreme_caveats` says so in a sentence, naming the lines
or customers, for the report to print beside the KPI cards.
"""

from __future__ import annotations

import pandas as pd

from custlib.data.contract import require_columns
from custlib.data.engines.table import LineTable, frame_of
from custlib.i18n import check_lang, t
from custlib.i18n.formats import number, percent

__all__ = ["DOMINANT_SHARE", "extreme_caveats", "log_caveats"]

#: Share of a figure above which the extreme lines behind it are named beside it.
DOMINANT_SHARE = 0.5

#: Lines or customers named in a caveat (the rest are counted).
NAMED = 3


def _flagged(transactions: pd.DataFrame | LineTable, where: str) -> pd.DataFrame | None:
    """The lines a caveat reads, or None when none is flagged extreme.

    Lines on disk are read for the flag first, then for the columns a caveat shows.
    """
    require_columns(transactions, ["customer_id", "order_date", "amount"], where)
    if "is_extreme" not in transactions:
        return None
    if not isinstance(transactions, pd.DataFrame) and \
            not frame_of(transactions, ["is_extreme"])["is_extreme"].any():
        return None
    tx = frame_of(transactions, ["customer_id", "order_date", "amount", "is_extreme"],
                  optional=["order_id"])
    return tx if tx["is_extreme"].any() else None


def _line(row: pd.Series, lang: str, currency: str) -> str:
    from custlib.report.narrative import format_money

    order = f" {row['order_id']}" if "order_id" in row.index and pd.notna(row["order_id"]) else ""
    return t("report.extremes.line", lang, order=order, customer=str(row["customer_id"]),
             date=f"{row['order_date']:%Y-%m-%d}",
             amount=format_money(row["amount"], currency, lang))


def log_caveats(transactions: pd.DataFrame | LineTable, *, lang: str = "en",
                currency: str = "") -> list[str]:
    """A sentence naming the extreme lines that make most of the whole log's revenue.

    Section 2 of the report (revenue in total and per order, the Pareto curve) and the
    segments' shares of revenue add up the whole log: when lines flagged as extreme make
    more than :data:`DOMINANT_SHARE` of it, those figures describe the lines.

    Parameters
    ----------
    transactions : pandas.DataFrame or LineTable
        Clean lines with ``customer_id``, ``order_date``, ``amount`` and ``is_extreme``
        (lines on disk are read for those and ``order_id`` only).
    lang : {'en', 'zh'}
    currency : str

    Returns
    -------
    list of str
        One Markdown sentence, or none.
    """
    check_lang(lang)
    transactions = _flagged(transactions, "log_caveats")
    if transactions is None:
        return []
    flagged = transactions["is_extreme"].astype(bool)
    total = float(transactions["amount"].sum())
    lines = transactions[flagged].sort_values("amount", ascending=False)
    extreme = float(lines["amount"].sum())
    if total <= 0 or extreme / total <= DOMINANT_SHARE:
        return []
    named = t("report.narrative.list_separator", lang).join(
        _line(r, lang, currency) for _, r in lines.head(NAMED).iterrows())
    return [t("report.extremes.revenue_log", lang, share=percent(extreme / total, lang),
              n=number(len(lines), lang), lines=named)]


def extreme_caveats(transactions: pd.DataFrame | LineTable, observation_end: str, *,
                    months: int = 12, clv: pd.Series | None = None, lang: str = "en",
                    currency: str = "") -> list[str]:
    """Sentences naming the extreme lines that make most of a KPI's revenue or of total CLV.

    Parameters
    ----------
    transactions : pandas.DataFrame or LineTable
        Clean lines with ``customer_id``, ``order_date``, ``amount`` and ``is_extreme``
        (without the flag, nothing is said; lines on disk are read for those and
        ``order_id`` only).
    observation_end : str
        End of the KPI period, as in :func:`custlib.report.kpis.kpis`.
    months : int, default 12
        Length of the KPI period, as there.
    clv : pandas.Series, optional
        CLV by customer id (notebook 03).
    lang : {'en', 'zh'}
    currency : str

    Returns
    -------
    list of str
        Markdown sentences; empty when no figure is dominated (more than
        :data:`DOMINANT_SHARE`) by extreme lines.
    """
    check_lang(lang)
    tx = _flagged(transactions, "extreme_caveats")
    if tx is None:
        return []
    flagged = tx["is_extreme"].astype(bool)
    end = pd.Timestamp(observation_end).normalize() + pd.Timedelta(days=1) - pd.Timedelta(1)
    mid = end - pd.DateOffset(months=months)
    out = []
    for label, start, stop in (("current", mid, end),
                               ("previous", mid - pd.DateOffset(months=months), mid)):
        inside = (tx["order_date"] > start) & (tx["order_date"] <= stop)
        total = float(tx.loc[inside, "amount"].sum())
        lines = tx[inside & flagged].sort_values("amount", ascending=False)
        extreme = float(lines["amount"].sum())
        if total > 0 and extreme / total > DOMINANT_SHARE:
            named = t("report.narrative.list_separator", lang).join(
                _line(r, lang, currency) for _, r in lines.head(NAMED).iterrows())
            out.append(t(f"report.extremes.revenue_{label}", lang,
                         share=percent(extreme / total, lang),
                         n=number(len(lines), lang), lines=named))
    if clv is not None and len(clv):
        ids = set(tx.loc[flagged, "customer_id"].astype(str))
        values = clv.copy()
        values.index = values.index.astype(str)
        total = float(values.sum())
        held = values[values.index.isin(ids)].sort_values(ascending=False)
        if total > 0 and float(held.sum()) / total > DOMINANT_SHARE:
            out.append(t("report.extremes.clv", lang,
                         share=percent(float(held.sum()) / total, lang),
                         customers=t("report.narrative.list_separator", lang).join(
                             str(c) for c in held.index[:NAMED])))
    return out
