"""The lifecycle over time.

Stage counts at each snapshot, the moves between stages, and the balance of new, returning
and reactivated business. Snapshots come from
:meth:`custlib.lifecycle.stages.LifecycleStager.snapshots`; the names of stages, kinds and
axes from the catalog ``lifecycle.yaml``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.errors import DataError, EmptyResultError, ParameterError, check_choice
from custlib.i18n import check_lang, labels, t
from custlib.lifecycle.stages import STAGES, as_day, stage_name

__all__ = ["new_vs_returning", "stage_counts", "transition_matrix"]


def stage_counts(snapshots: pd.DataFrame, *, lang: str = "en") -> pd.DataFrame:
    """Customers in each stage at each snapshot (rows snapshots, columns stages).

    Parameters
    ----------
    snapshots : pandas.DataFrame
        From :meth:`custlib.lifecycle.stages.LifecycleStager.snapshots`.
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Columns the stage names in ``lang``, in the order of :data:`STAGES`.
    """
    check_lang(lang)
    require_columns(snapshots, ["snapshot", "stage"], "stage_counts")
    counts = snapshots.groupby(["snapshot", "stage"], observed=False).size().unstack("stage")
    counts = counts.reindex(columns=list(STAGES), fill_value=0).fillna(0).astype(int)
    counts.columns = [stage_name(s, lang) for s in counts.columns]
    return counts


def transition_matrix(snapshots: pd.DataFrame, *, between: tuple[Any, Any] | None = None,
                      normalize: bool = False, lang: str = "en") -> pd.DataFrame:
    """Stage-to-stage moves between consecutive snapshots.

    Parameters
    ----------
    snapshots : pandas.DataFrame
        From :meth:`LifecycleStager.snapshots`.
    between : (date, date), optional
        Two snapshots; default every pair of consecutive snapshots, pooled.
    normalize : bool, default False
        Shares of each row (where customers in a stage went) instead of counts.
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Rows: stage at the earlier snapshot; columns: stage at the later one. Only
        customers present in both snapshots are counted.
    """
    check_lang(lang)
    require_columns(snapshots, ["snapshot", "customer_id", "stage"], "transition_matrix")
    dates = sorted(snapshots["snapshot"].unique())
    if between is not None:
        pairs = [tuple(as_day("between", b) for b in between)]
        missing = [p for p in pairs[0] if p not in set(pd.to_datetime(dates))]
        if missing:
            raise ParameterError(f"transition_matrix: {missing[0]:%Y-%m-%d} is not a snapshot "
                                 "date; use dates from the 'snapshot' column")
    else:
        pairs = list(zip(dates[:-1], dates[1:], strict=True))
    if not pairs:
        raise EmptyResultError("transition_matrix: needs at least two snapshots")
    if between is not None:  # only the two snapshots' rows
        snapshots = snapshots[snapshots["snapshot"].isin(pairs[0])]
    moves = _moves(snapshots, pairs)
    k = len(STAGES)
    table = pd.DataFrame(np.bincount(moves, minlength=k * k).reshape(k, k),
                         index=list(STAGES), columns=list(STAGES))
    if normalize:
        table = table.div(table.sum(axis=1).replace(0, np.nan), axis=0)
    names = [stage_name(s, lang) for s in STAGES]
    table.index, table.columns = pd.Index(names), pd.Index(names)
    table.index.name = t("lifecycle.matrix.from", lang)
    table.columns.name = t("lifecycle.matrix.to", lang)
    return table


def _moves(snapshots: pd.DataFrame, pairs: list[tuple[Any, Any]]) -> np.ndarray:
    """``from * len(STAGES) + to`` for every customer in both snapshots of each pair.

    Customers are matched by their code from one factorisation of the ids (not a join of
    text ids per pair); a stage outside :data:`STAGES` or missing counts nowhere.
    """
    ids = snapshots["customer_id"]
    # a categorical's codes as they are (snapshots hold the ids so): no copy of 64M rows
    cust = (ids.cat.codes.to_numpy() if isinstance(ids.dtype, pd.CategoricalDtype)
            else pd.factorize(ids)[0])
    if (cust < 0).any():
        raise DataError(f"transition_matrix: {int((cust < 0).sum()):,} snapshot rows have no "
                        "customer_id; expected one row per customer and snapshot (as "
                        "LifecycleStager.snapshots gives)")
    given = snapshots["stage"]
    stage = (given.cat.codes.to_numpy() if isinstance(given.dtype, pd.CategoricalDtype)
             and list(given.cat.categories) == list(STAGES)
             else pd.Categorical(given, categories=list(STAGES)).codes)
    when, dates = pd.factorize(snapshots["snapshot"])
    starts = np.r_[0, np.cumsum(np.bincount(when, minlength=len(dates)))]
    if pd.Series(when).is_monotonic_increasing:  # each snapshot's rows together, in order
        rows: dict[pd.Timestamp, Any] = {pd.Timestamp(d): slice(starts[i], starts[i + 1])
                                         for i, d in enumerate(dates)}
    else:
        order = np.argsort(when, kind="stable")  # the rows of each snapshot, together
        rows = {pd.Timestamp(d): order[starts[i]:starts[i + 1]] for i, d in enumerate(dates)}
    del when
    n = int(cust.max()) + 1 if len(cust) else 0
    out = []
    for a, b in pairs:
        at = []
        for date in (pd.Timestamp(a), pd.Timestamp(b)):
            r = rows[date]
            seen = np.bincount(cust[r], minlength=n)
            if len(seen) and seen.max() > 1:
                twice = ids.iloc[np.arange(len(ids))[r][seen[cust[r]] > 1][0]]
                raise DataError(f"transition_matrix: customer {twice!r} appears more than once "
                                f"in the snapshot of {date:%Y-%m-%d}; expected one row per "
                                "customer and snapshot (as LifecycleStager.snapshots gives)")
            by_customer = np.full(n, -2, dtype=np.int64)  # -2: not in this snapshot
            by_customer[cust[r]] = stage[r]
            at.append(by_customer)
        known = (at[0] >= 0) & (at[1] >= 0)
        out.append(at[0][known] * len(STAGES) + at[1][known])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def new_vs_returning(days: pd.DataFrame, *, active_days: float, freq: str = "M",
                     lang: str = "en") -> pd.DataFrame:
    """Each period's customers and revenue split into new, returning and reactivated.

    A purchase day is *new* when it is the customer's first, *reactivated* when it comes
    more than ``active_days`` after their previous one, *returning* otherwise. A customer
    counts once per period, by their first purchase day in it.

    Parameters
    ----------
    days : pandas.DataFrame
        From :func:`purchase_days`.
    active_days : float
        From :class:`LifecycleStager` (``active_days_``).
    freq : {'M', 'Q', 'W'}, default 'M'
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Index the period; columns ``(measure, kind)`` with measure customers or revenue.
    """
    check_lang(lang)
    check_choice("freq", freq, ("M", "Q", "W"))
    d = days.copy()
    same = d["customer_id"].eq(d["customer_id"].shift())
    gap = d["day"].diff().dt.days.where(same)
    d["kind"] = np.select([gap.isna(), gap > active_days], ["new", "reactivated"],
                          default="returning")
    d["period"] = d["day"].dt.to_period(freq)
    first_in_period = d.drop_duplicates(["customer_id", "period"])
    kinds = ["new", "returning", "reactivated"]
    names = labels("lifecycle.balance.kind", lang)
    customers = first_in_period.groupby(["period", "kind"]).size().unstack(fill_value=0)
    revenue = d.groupby(["period", "kind"])["revenue"].sum().unstack(fill_value=0.0)
    out = pd.concat({t("lifecycle.balance.customers", lang):
                     customers.reindex(columns=kinds, fill_value=0),
                     t("lifecycle.balance.revenue", lang):
                     revenue.reindex(columns=kinds, fill_value=0.0)}, axis=1)
    out.columns = out.columns.set_levels([names[k] for k in out.columns.levels[1]], level=1)
    out.index = out.index.to_timestamp()
    out.index.name = t("lifecycle.balance.period", lang)
    return out
