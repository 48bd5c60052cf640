"""The lists a marketing team acts on, each customer with the reason in words.

Four lists from the lifecycle state at the latest date (:mod:`custlib.lifecycle.stages`):
win back (挽留) valuable customers who are slipping away, retain those whose rhythm is
slipping, grow the active ones below their segment's spend or breadth, and bring new
customers to their second purchase. Each row carries a priority and a reason (catalog
``lifecycle.yaml``, ``reason.*``). Customer ids can be replaced by salted pseudonyms
before the lists leave the analyst's machine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.data.engines.saved import SavedLines, is_saved_lines, quote
from custlib.data.ids import sorted_codes
from custlib.errors import ParameterError
from custlib.i18n import check_lang, t
from custlib.lifecycle.stages import STAGES, LifecycleStager, purchase_days, stage_name

__all__ = ["LISTS", "action_lists", "distinct_per_code", "pseudonymise"]

#: the lists, in order: key -> the measures shown besides the common ones
LISTS: dict[str, tuple[str, ...]] = {
    "win_back": ("value_at_stake",),
    "retention": (),
    "growth": ("spend_per_order", "segment_median_spend", "categories",
               "segment_median_categories"),
    "onboarding": (),
}

#: columns every list shows (after ``priority``), before its own measures
COMMON_COLUMNS: tuple[str, ...] = ("stage", "revenue", "purchase_days", "days_since_last",
                                   "mean_gap")


def pseudonymise(ids: pd.Series | pd.Index, salt: str) -> pd.Series:
    """Stable pseudonyms for customer ids: the first 12 hex digits of SHA-256(salt + id).

    The same id and salt always give the same pseudonym, so lists from different runs can
    be matched by whoever holds the salt, and nobody else can reverse them.

    Parameters
    ----------
    ids : pandas.Series or Index
    salt : str
        A secret kept outside the reports; must not be empty.

    Returns
    -------
    pandas.Series
        Named ``customer``; on the index of ``ids`` when it is a Series.
    """
    if not isinstance(salt, str) or not salt:
        raise ParameterError("parameter 'pseudonym_salt' is empty; expected a secret string "
                             "(keep it outside the reports) to pseudonymise customer ids")
    values = [hashlib.sha256((salt + str(i)).encode("utf-8")).hexdigest()[:12] for i in ids]
    return pd.Series(values, index=getattr(ids, "index", None) if isinstance(ids, pd.Series)
                     else None, name="customer")


def action_lists(state: pd.DataFrame, transactions: pd.DataFrame, *,
                 stager: LifecycleStager, p_alive: pd.Series | None = None,
                 clv: pd.Series | None = None, segment: pd.Series | None = None,
                 value_share: float = 0.8, top_n: int | None = None,
                 customer_id_col: str = "customer_id", category_col: str = "category",
                 order_id_col: str = "order_id", days: pd.DataFrame | None = None,
                 lang: str = "en") -> dict[str, pd.DataFrame]:
    """The lists a marketing team acts on, each row with its reason.

    * **win_back** (挽留): high past value, now at risk, dormant or churned; ranked by the
      value at stake: past revenue x (1 - P(alive)) when P(alive) is known (the value of
      a customer the model thinks has left), else past revenue.
    * **retention**: loyal or active high-value customers whose rhythm is slipping (silent
      for longer than their own mean gap, not yet at risk); ranked by past revenue.
    * **growth**: active, loyal and reactivated customers below their segment's median
      spend per order or category breadth; ranked by predicted CLV (else revenue).
    * **onboarding**: new customers with one purchase day who are due for their second:
      silent for at least the median time from first to second purchase.

    Parameters
    ----------
    state : pandas.DataFrame
        :meth:`LifecycleStager.state_at` at the latest date.
    transactions : pandas.DataFrame or SavedLines
        Clean transactions (for spend per order and category breadth), or the lines a run
        of the DuckDB engine leaves on disk, counted there.
    stager : LifecycleStager
        Fitted (its thresholds go into the reasons).
    p_alive, clv : pandas.Series, optional
        By customer id, from notebook 03.
    segment : pandas.Series, optional
        Segment by customer id (growth compares customers with their segment).
    value_share : float, default 0.8
        High value = the top customers making this share of past revenue.
    top_n : int, optional
        Keep the first ``top_n`` rows of each list.
    days : pandas.DataFrame, optional
        :func:`custlib.lifecycle.stages.purchase_days` of ``transactions``, when already
        computed (the onboarding list's time to a second purchase); default computed here.
    lang : {'en', 'zh'}

    Returns
    -------
    dict of str to pandas.DataFrame
        ``win_back``, ``retention``, ``growth``, ``onboarding``; index ``customer_id``;
        columns ``stage``, the measures used, ``priority`` (rank), ``reason``.
    """
    check_lang(lang)
    require_columns(state, ["stage", "revenue", "days_since_last", "mean_gap",
                            "first_purchase", "purchase_days"], "action_lists")
    if not 0 < value_share < 1:
        raise ParameterError(f"parameter 'value_share' is {value_share!r}; expected a share "
                             "between 0 and 1, such as 0.8")
    s = _candidates(state, value_share, lang, p_alive=p_alive, clv=clv, segment=segment)
    lists = {
        "win_back": _win_back(s, lang),
        "retention": _retention(s, lang),
        "growth": _growth(s, transactions, lang, customer_id_col=customer_id_col,
                          category_col=category_col, order_id_col=order_id_col),
        "onboarding": _onboarding(s, state, transactions, stager, lang,
                                  customer_id_col=customer_id_col, days=days),
    }
    return {key: _finish(key, frame, top_n) for key, frame in lists.items()}


def _candidates(state: pd.DataFrame, value_share: float, lang: str,
                **by_id: pd.Series | None) -> pd.DataFrame:
    """Buyers with their stage's name, whether they are high value, and the series by id."""
    s = state[state["stage"] != "potential"].copy()
    names = {x: stage_name(x, lang) for x in STAGES}  # looked up once per stage
    s["stage_name"] = [names[x] if x in names else stage_name(x, lang) for x in s["stage"]]
    # by position, not by id: a membership test of text ids hashes every string
    order = s["revenue"].reset_index(drop=True).sort_values(ascending=False)
    cum = order.cumsum() / order.sum()
    high = np.zeros(len(s), dtype=bool)
    high[order.index.to_numpy()] = (cum.shift(fill_value=0) < value_share).to_numpy()
    s["high_value"] = high
    for name, series in by_id.items():
        if series is not None:
            v = series.copy()
            v.index = v.index.astype(str)
            s[name] = v.reindex(s.index)
    return s


def _rows(frame: pd.DataFrame, *columns: str) -> Iterator[Any]:
    """``frame.itertuples()`` of only the ``columns`` a reason uses.

    Every column is turned into Python objects row by row; the dates of a state (first and
    last purchase) alone took as long as the reasons.
    """
    return frame[list(columns)].itertuples()


def _days(value: float) -> str:
    return f"{value:.0f}"


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _win_back(s: pd.DataFrame, lang: str) -> pd.DataFrame:
    """High past value, now at risk, dormant or churned; by the value at stake."""
    w = s[s["high_value"] & s["stage"].isin(["at_risk", "dormant", "churned"])].copy()
    has_p = "p_alive" in w
    w["value_at_stake"] = w["revenue"] * ((1 - w["p_alive"]) if has_p else 1.0)
    w = w.sort_values("value_at_stake", ascending=False)
    reasons = []
    for r in _rows(w, "stage_name", "days_since_last", "mean_gap", "revenue",
                   *(["p_alive"] if has_p else [])):
        text = t("lifecycle.reason.silent", lang, stage=r.stage_name,
                 days=_days(r.days_since_last))
        if pd.notna(r.mean_gap):
            text += t("lifecycle.reason.usual_gap", lang, gap=_days(r.mean_gap))
        text += t("lifecycle.reason.high_value", lang, revenue=_money(r.revenue))
        if has_p and pd.notna(r.p_alive):
            text += t("lifecycle.reason.p_alive", lang, p=f"{r.p_alive:.2f}")
        reasons.append(text)
    w["reason"] = reasons
    return w


def _retention(s: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Loyal or active high-value customers silent for longer than their own mean gap."""
    r_ = s[s["high_value"] & s["stage"].isin(["loyal", "active"]) &
           (s["days_since_last"] > s["mean_gap"])].copy()
    r_ = r_.sort_values("revenue", ascending=False)
    r_["reason"] = [t("lifecycle.reason.slipping", lang, stage=r.stage_name,
                      days=_days(r.days_since_last), gap=_days(r.mean_gap),
                      ratio=f"{r.days_since_last / r.mean_gap:.1f}", revenue=_money(r.revenue))
                    for r in _rows(r_, "stage_name", "days_since_last", "mean_gap", "revenue")]
    return r_


def _growth(s: pd.DataFrame, transactions: pd.DataFrame, lang: str, *, customer_id_col: str,
            category_col: str, order_id_col: str) -> pd.DataFrame:
    """Active, loyal and reactivated customers below their segment's spend or breadth."""
    s = s.join(_breadth(transactions, customer_id_col=customer_id_col,
                        category_col=category_col, order_id_col=order_id_col))
    s["spend_per_order"] = s["revenue"] / s["orders"]
    group = s["segment"] if "segment" in s else pd.Series("all", index=s.index)
    base = s[s["stage"].isin(["active", "loyal", "reactivated"])]
    g_base = group.reindex(base.index)
    med_spend = base["spend_per_order"].groupby(g_base).transform("median")
    med_cat = base["categories"].groupby(g_base).transform("median")
    gr = base[(base["spend_per_order"] < med_spend) | (base["categories"] < med_cat)].copy()
    gr["segment_median_spend"] = med_spend.reindex(gr.index)
    gr["segment_median_categories"] = med_cat.reindex(gr.index)
    gr = gr.sort_values("clv" if "clv" in gr else "revenue", ascending=False)
    sep = t("lifecycle.reason.part_sep", lang)
    reasons = []
    for r in _rows(gr, "stage_name", "spend_per_order", "segment_median_spend", "categories",
                   "segment_median_categories"):
        parts = []
        if r.spend_per_order < r.segment_median_spend:
            parts.append(t("lifecycle.reason.up_sell", lang, spend=_money(r.spend_per_order),
                           median=_money(r.segment_median_spend)))
        if r.categories < r.segment_median_categories:
            parts.append(t("lifecycle.reason.cross_sell", lang, n=_days(r.categories),
                           median=_days(r.segment_median_categories)))
        reasons.append(t("lifecycle.reason.growth", lang, stage=r.stage_name,
                         parts=sep.join(parts)))
    gr["reason"] = reasons
    return gr


def _breadth(transactions: pd.DataFrame, *, customer_id_col: str, category_col: str,
             order_id_col: str) -> pd.DataFrame:
    """Distinct orders and categories of each customer (index: the ids as text, sorted).

    Counted on integer codes, each text column factorised once: a ``groupby(...).nunique()``
    on millions of text values hashes every string again per key. Lines left on disk by
    the DuckDB engine (:class:`~custlib.data.engines.saved.SavedLines`) are counted there.
    """
    if is_saved_lines(transactions):
        return _breadth_sql(transactions, customer_id_col=customer_id_col,
                            category_col=category_col, order_id_col=order_id_col)
    cust, ids = sorted_codes(transactions[customer_id_col].astype(str))

    def distinct(column: pd.Series) -> pd.Series:
        # -1: missing, not a value (as nunique counts); the customer's position: their code
        return pd.Series(distinct_per_code(cust, pd.factorize(column)[0], len(ids)))

    orders = (transactions[order_id_col] if order_id_col in transactions
              else transactions["order_date"]).astype(str)
    per = pd.DataFrame({"orders": distinct(orders)})
    per["categories"] = distinct(transactions[category_col]) \
        if category_col in transactions else np.nan
    per.index = ids.take(per.index.to_numpy())
    return per


def _breadth_sql(lines: SavedLines, *, customer_id_col: str, category_col: str,
                 order_id_col: str) -> pd.DataFrame:
    """:func:`_breadth` of lines on disk, counted by DuckDB (the same table)."""
    c = quote(customer_id_col)
    orders = quote(order_id_col if order_id_col in lines else "order_date")
    categories = (f"count(DISTINCT {quote(category_col)})" if category_col in lines
                  else "NULL")
    d = lines.query(f"SELECT CAST({c} AS VARCHAR) AS c, count(DISTINCT {orders}) AS orders, "
                    f"{categories} AS categories FROM {{lines}} WHERE {c} IS NOT NULL "
                    "GROUP BY c ORDER BY c")
    per = pd.DataFrame({"orders": d["orders"].to_numpy(dtype="int64")},
                       index=pd.Index(d["c"].to_numpy(dtype=object)).astype("str"))
    per["categories"] = (d["categories"].to_numpy(dtype="int64") if category_col in lines
                         else np.nan)
    return per


def distinct_per_code(group: np.ndarray, value: np.ndarray, n_groups: int) -> np.ndarray:
    """How many distinct values each group has, both given as integer codes.

    ``pd.Series(value).where(value >= 0).groupby(group).nunique()`` for groups
    ``0 .. n_groups - 1``, hashing each (group, value) pair once as one integer instead of
    sorting the values of every group.

    Parameters
    ----------
    group : ndarray of int
        Each row's group, ``0 .. n_groups - 1``; rows with -1 belong to no group.
    value : ndarray of int
        Each row's value as a code >= 0; -1 is missing and not counted.
    n_groups : int

    Returns
    -------
    ndarray of int64
        Distinct values per group (0 for a group with none).

    Examples
    --------
    >>> distinct_per_code(np.array([0, 0, 1, 0, -1, 2]), np.array([5, 5, 5, 7, 9, -1]), 4)
    array([2, 1, 0, 0])
    """
    group, value = np.asarray(group, dtype=np.int64), np.asarray(value, dtype=np.int64)
    counted = (group >= 0) & (value >= 0)
    width = int(value.max()) + 1 if counted.any() else 1
    pairs = pd.unique(group[counted] * width + value[counted])
    return np.bincount(pairs // width, minlength=n_groups).astype(np.int64)


def _onboarding(s: pd.DataFrame, state: pd.DataFrame, transactions: pd.DataFrame,
                stager: LifecycleStager, lang: str, *, customer_id_col: str,
                days: pd.DataFrame | None = None) -> pd.DataFrame:
    """New one-time buyers silent for the median time repeat buyers took to buy again."""
    rep = state[state["purchase_days"] > 1]
    if days is None:
        days = purchase_days(transactions, customer_id_col=customer_id_col, monetary_col=None)
    second = _time_to_second(days, rep.index)
    due_after = float(second.median()) if len(second) else stager.new_days_ / 2
    o = s[(s["stage"] == "new") & (s["purchase_days"] == 1) &
          (s["days_since_last"] >= due_after)].copy()
    o = o.sort_values("revenue", ascending=False)
    o["reason"] = [t("lifecycle.reason.onboarding", lang, days=_days(r.days_since_last),
                     due=_days(due_after), revenue=_money(r.revenue))
                   for r in _rows(o, "days_since_last", "revenue")]
    return o


def _finish(key: str, frame: pd.DataFrame, top_n: int | None) -> pd.DataFrame:
    """The columns shown, a priority rank, and the first ``top_n`` rows."""
    cols = [*COMMON_COLUMNS, *LISTS[key]] + [c for c in ("p_alive", "clv", "segment")
                                             if c in frame]
    frame = frame[cols + ["reason"]].copy()
    frame["stage"] = frame["stage"].astype(str)
    frame.insert(0, "priority", np.arange(1, len(frame) + 1))
    return frame.head(top_n) if top_n else frame


def _time_to_second(days: pd.DataFrame, ids: pd.Index) -> pd.Series:
    """Days from the first to the second purchase day of each repeat buyer in ``ids``."""
    require_columns(days, ["customer_id", "day"], "action_lists(days=...)")
    codes, names = sorted_codes(days["customer_id"])
    day = days["day"].to_numpy()
    order = np.lexsort((day, codes))  # by customer, then day, whatever order they came in
    codes, day = codes[order], day[order]
    # a customer's first row starts their block; the next row in it is the second day
    start = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]] & (codes >= 0))
    nxt = start + 1
    has_second = np.zeros(len(start), dtype=bool)
    inside = nxt < len(codes)
    has_second[inside] = codes[nxt[inside]] == codes[start[inside]]
    first, second = start[has_second], nxt[has_second]
    gap = pd.Series(day[second] - day[first],
                    index=pd.Index(names.take(codes[first]), name="customer_id"))
    wanted = pd.Index(ids).unique().get_indexer(gap.index) >= 0  # (Index.isin: slow on text)
    return gap[wanted].dt.days.astype(float)
