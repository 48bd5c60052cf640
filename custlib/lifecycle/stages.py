"""Customer lifecycle stages at any date, learnt from the transaction log.

The lifecycle of the Chinese texts on customer analysis (潜在 -> 新 -> 活跃/忠诚 -> 衰退 ->
流失 -> 赢回) is measured from the transaction log. Thresholds come from the data: the
pooled times between consecutive purchase days of the same customer. A customer silent
for longer than the time within which most repeat purchases come (``active_quantile``,
default 80%) is past the usual rhythm (dormant); silent for longer than almost all of
them (``churn_quantile``, 95%) is churned. Each threshold can also be set by hand.

Stages at a snapshot date, in order of precedence:

============ ==========================================================================
potential     registered (customers table) on or before the date, never bought
churned       no purchase for more than ``churn_days``
dormant       no purchase for more than ``active_days``
new           first purchase within the last ``new_days``
reactivated   bought within ``active_days`` after a silence longer than ``active_days``
at_risk       overdue: silent for more than ``risk_factor`` times their own mean gap
              between purchases, or P(alive) below ``p_alive_risk`` (when given)
loyal         at least ``loyal_purchases`` purchase days, not at risk
active        everyone else who bought within ``active_days``
============ ==========================================================================

How the stages move over time (counts, transitions, new versus returning business) is in
:mod:`custlib.lifecycle.transitions`; the lists a marketing team works from are in
:mod:`custlib.lifecycle.actions`. Stage names, meanings and actions are in the catalog
``lifecycle.yaml`` (``stage.*``, ``meaning.*``, ``action.*``).

References
----------
Kumar, V., & Reinartz, W. (2018). *Customer Relationship Management* (3rd ed.). Springer,
chapters on the customer lifecycle and churn management.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from custlib.data.contract import require_columns
from custlib.data.engines.saved import SavedLines, is_saved_lines, quote
from custlib.data.ids import sorted_codes
from custlib.data.sums import kahan_sums
from custlib.errors import EmptyResultError, ParameterError, check_choice, require_fitted
from custlib.i18n import check_lang, label, t

__all__ = ["FALLBACK_ACTIVE_DAYS", "FALLBACK_CHURN_DAYS", "STAGES", "LifecycleStager", "as_day",
           "purchase_days", "stage_guide", "stage_name", "stage_table"]

STAGES: tuple[str, ...] = ("potential", "new", "active", "loyal", "at_risk", "reactivated",
                           "dormant", "churned")

#: Thresholds used when no customer bought on two days (nothing to learn a rhythm from): a
#: customer silent for three months is no longer active, for a year churned, the common
#: retail convention (said in the thresholds table and, when notebook 03 could not estimate
#: its models, in notebook 04's note; the parameters override it).
FALLBACK_ACTIVE_DAYS = 90.0
FALLBACK_CHURN_DAYS = 365.0

#: stage -> (en name, zh name, en meaning, zh meaning, en action, zh action)


def stage_name(stage: str, lang: str = "en") -> str:
    """The name of a stage for people.

    Examples
    --------
    >>> stage_name("at_risk"), stage_name("at_risk", "zh")
    ('At risk', '风险客户')
    """
    return label("lifecycle.stage", stage, lang)


def _heading(key: str, lang: str) -> str:
    return t(f"lifecycle.column.{key}", lang)


def stage_guide(lang: str = "en") -> pd.DataFrame:
    """Every stage with its meaning and recommended action.

    Parameters
    ----------
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Columns stage, meaning, action (headings in ``lang``), one row per stage.
    """
    check_lang(lang)
    rows = [(stage_name(s, lang), t(f"lifecycle.meaning.{s}", lang),
             t(f"lifecycle.action.{s}", lang)) for s in STAGES]
    return pd.DataFrame(rows, columns=[_heading(k, lang) for k in ("stage", "meaning",
                                                                   "action")])


def purchase_days(transactions: pd.DataFrame, *, customer_id_col: str = "customer_id",
                  datetime_col: str = "order_date",
                  monetary_col: str | None = "amount") -> pd.DataFrame:
    """One row per customer and day with a purchase, sorted, with the day's revenue.

    Parameters
    ----------
    transactions : pandas.DataFrame or SavedLines
        Clean transactions: a frame, or the lines a run of the DuckDB engine leaves on
        disk (:class:`~custlib.data.engines.saved.SavedLines`), grouped by DuckDB into the
        same table without holding the lines in memory.
    customer_id_col, datetime_col, monetary_col : str

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``day`` (datetime64, midnight), ``revenue``.
    """
    cols = [customer_id_col, datetime_col] + ([monetary_col] if monetary_col else [])
    require_columns(transactions, cols, "purchase_days")
    if is_saved_lines(transactions):
        if transactions.is_tz_aware(datetime_col):  # local midnights: pandas' path below
            transactions = transactions.to_pandas(cols)
        elif pd.api.types.is_datetime64_dtype(transactions.pandas_dtype(datetime_col)):
            return _purchase_days_sql(transactions, customer_id_col, datetime_col,
                                      monetary_col)
        else:  # says what the column should hold, below
            transactions = transactions.to_pandas(cols)
    if not pd.api.types.is_datetime64_any_dtype(transactions[datetime_col]):
        raise ParameterError(f"purchase_days: column {datetime_col!r} must hold dates (clean "
                             "the log first with custlib.data.cleaning.clean_transactions)")
    # group on the ids' sorted codes: factorising millions of strings once, not per key
    codes, ids = sorted_codes(transactions[customer_id_col].astype(str))
    if getattr(transactions[datetime_col].dtype, "tz", None) is None:
        return _purchase_days_keyed(transactions, codes, ids, datetime_col, monetary_col)
    frame = pd.DataFrame({
        "customer_id": codes,
        "day": transactions[datetime_col].dt.normalize().to_numpy(),
        "revenue": transactions[monetary_col].to_numpy(dtype=float) if monetary_col else 0.0,
    })
    frame = frame[codes >= 0]  # lines without a customer id (-1) belong to no one
    out = frame.groupby(["customer_id", "day"], sort=True)["revenue"].sum().reset_index()
    if out.empty:
        raise EmptyResultError("purchase_days: the transaction log is empty")
    out["customer_id"] = ids.take(out["customer_id"].to_numpy())
    return out


def _purchase_days_keyed(transactions: pd.DataFrame, codes: np.ndarray, ids: pd.Index,
                         datetime_col: str, monetary_col: str | None) -> pd.DataFrame:
    """:func:`purchase_days` of naive timestamps, grouped on one integer per (customer, day).

    The key ``code * days + day`` sorts as (customer, day) does: a third of the memory of
    grouping on two columns (0.59 -> 0.33 GiB at 10M lines). A day's revenue is Kahan's
    sum of its lines in their order (:func:`custlib.data.sums.kahan_sums`), the number
    DuckDB gives for lines on disk, whatever the order of the log.
    """
    stamps = transactions[datetime_col].to_numpy()
    day = stamps.astype("datetime64[D]").view("int64")  # floored; NaT stays NaT's integer
    valid = (codes >= 0) & ~np.isnat(stamps)  # lines of no one, or of no day, are left out
    everything = bool(valid.all())
    money = (transactions[monetary_col].to_numpy(dtype=float) if monetary_col
             else np.zeros(len(codes)))
    if not everything:
        codes, day, money = codes[valid], day[valid], money[valid]
    if len(day) == 0:
        raise EmptyResultError("purchase_days: the transaction log is empty")
    first = int(day.min())
    span = int(day.max()) - first + 1
    key = codes.astype("int64")  # a copy: made the key in place
    key *= span
    key += day
    key -= first
    keys, group = np.unique(key, return_inverse=True)  # sorted: by customer, then day
    del key
    revenue = kahan_sums(group, money, len(keys))  # in the lines' order, as DuckDB sums
    days = (keys % span + first).astype("datetime64[D]").astype(stamps.dtype)
    return pd.DataFrame({"customer_id": ids.take(keys // span), "day": days,
                         "revenue": revenue})


def _purchase_days_sql(lines: SavedLines, customer_id_col: str, datetime_col: str,
                       monetary_col: str | None) -> pd.DataFrame:
    """:func:`purchase_days` of lines on disk, grouped by DuckDB.

    A day's revenue is Kahan's compensated sum of its lines in their order, whatever
    DuckDB's threads: the table :func:`_purchase_days_keyed` gives, bit for bit, in memory
    for the days only (1.4M rows at 10M lines, not the 7.6M lines).
    """
    c, ts = quote(customer_id_col), quote(datetime_col)
    money = f"coalesce(fsum({quote(monetary_col)} ORDER BY _row), 0.0)" if monetary_col else "0.0"
    out = lines.query(
        f"SELECT CAST({c} AS VARCHAR) AS customer_id, date_trunc('day', {ts}) AS day, "
        f"{money} AS revenue FROM {{lines}} WHERE {c} IS NOT NULL AND {ts} IS NOT NULL "
        "GROUP BY ALL ORDER BY customer_id, day")
    if out.empty:
        raise EmptyResultError("purchase_days: the transaction log is empty")
    return pd.DataFrame({
        "customer_id": pd.Index(out["customer_id"].to_numpy(dtype=object)).astype("str"),
        "day": out["day"].to_numpy().astype(lines.pandas_dtype(datetime_col)),
        "revenue": out["revenue"].to_numpy(dtype="float64")})


class _CodedDays:
    """Purchase days with the customer ids as sorted integer codes, factorised once.

    Grouping millions of rows by text ids costs a hash of every string per ``groupby``;
    a snapshot series groups the same days dozens of times. Codes from
    :func:`custlib.data.ids.sorted_codes` keep the ids' sorted order, so results indexed by code
    map back (:attr:`ids`) to what grouping by the ids gives, row for row. Rows without
    an id are left out, as grouping by the ids leaves them out.
    """

    def __init__(self, days: pd.DataFrame) -> None:
        require_columns(days, ["customer_id", "day", "revenue"], "LifecycleStager")
        codes, self.ids = sorted_codes(days["customer_id"])
        keep = codes >= 0
        self.codes = codes[keep]
        self.day = pd.Series(days["day"].to_numpy()[keep])
        self.revenue = pd.Series(days["revenue"].to_numpy()[keep])


def _gaps(days: pd.DataFrame) -> pd.Series:
    """Days between consecutive purchase days of the same customer, pooled."""
    same = days["customer_id"].eq(days["customer_id"].shift())
    gap = days["day"].diff().dt.days
    return gap[same].astype(float)


def _check_days(name: str, value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or not value > 0):
        raise ParameterError(f"parameter {name!r} is {value!r}; expected a number of days > 0, "
                             "or None (0 in a notebook) to derive it from the data")


class LifecycleStager(BaseEstimator):
    """Lifecycle stages from a transaction log, with thresholds learnt from the data.

    Parameters
    ----------
    active_days : float, optional
        Silence after which a customer is no longer active (dormant). Default: the
        ``active_quantile`` of the times between repeat purchases.
    churn_days : float, optional
        Silence after which a customer is churned. Default: the ``churn_quantile`` of the
        same times (and at least ``2 * active_days``).
    new_days : float, optional
        A customer whose first purchase is this recent is new. Default ``active_days``.
    loyal_purchases : int, optional
        Purchase days that make an active customer loyal. Default: the 75th percentile of
        purchase days among repeat buyers, at least 3.
    risk_factor : float, default 1.5
        A repeat buyer silent for more than this times their own mean gap is at risk.
    p_alive_risk : float, default 0.3
        With P(alive) given, a customer below it is at risk.
    active_quantile, churn_quantile : float, default 0.8 and 0.95

    Attributes
    ----------
    active_days_, churn_days_, new_days_ : float
    loyal_purchases_ : int
    gaps_ : pandas.Series
        The pooled times between repeat purchases (days) the thresholds came from.
    fallback_ : bool
        No customer bought on two days: thresholds not given are the retail convention
        :data:`FALLBACK_ACTIVE_DAYS` and :data:`FALLBACK_CHURN_DAYS`, said so in
        :meth:`thresholds_table`.
    """

    def __init__(self, active_days: float | None = None, churn_days: float | None = None,
                 new_days: float | None = None, loyal_purchases: int | None = None,
                 risk_factor: float = 1.5, p_alive_risk: float = 0.3,
                 active_quantile: float = 0.8, churn_quantile: float = 0.95) -> None:
        self.active_days = active_days
        self.churn_days = churn_days
        self.new_days = new_days
        self.loyal_purchases = loyal_purchases
        self.risk_factor = risk_factor
        self.p_alive_risk = p_alive_risk
        self.active_quantile = active_quantile
        self.churn_quantile = churn_quantile

    def fit(self, days: pd.DataFrame, y: object = None) -> LifecycleStager:
        """Learn the thresholds from purchase days (:func:`purchase_days`).

        Parameters
        ----------
        days : pandas.DataFrame
            From :func:`purchase_days`.
        y : ignored

        Returns
        -------
        LifecycleStager
            self
        """
        require_columns(days, ["customer_id", "day"], "LifecycleStager.fit")
        for name in ("active_days", "churn_days", "new_days"):
            _check_days(name, getattr(self, name))
        if not (isinstance(self.risk_factor, (int, float)) and self.risk_factor >= 1):
            raise ParameterError(f"parameter 'risk_factor' is {self.risk_factor!r}; expected a "
                                 "number >= 1, such as 1.5 (half as long again as usual)")
        if not (0 < self.active_quantile < self.churn_quantile < 1):
            raise ParameterError("parameters 'active_quantile' and 'churn_quantile' must satisfy "
                                 f"0 < active < churn < 1; got {self.active_quantile!r} and "
                                 f"{self.churn_quantile!r}")
        self.gaps_ = _gaps(days)
        # no customer bought on two days: no rhythm to learn; a stated convention instead
        self.fallback_ = bool(self.gaps_.empty)
        q = self.gaps_.quantile
        learnt_active = FALLBACK_ACTIVE_DAYS if self.fallback_ else np.ceil(q(self.active_quantile))
        learnt_churn = FALLBACK_CHURN_DAYS if self.fallback_ else np.ceil(q(self.churn_quantile))
        self.active_days_ = float(self.active_days or learnt_active)
        self.churn_days_ = float(self.churn_days or max(learnt_churn, 2 * self.active_days_))
        if self.churn_days_ <= self.active_days_:
            raise ParameterError(f"'churn_days' ({self.churn_days_:g}) must be longer than "
                                 f"'active_days' ({self.active_days_:g})")
        self.new_days_ = float(self.new_days or self.active_days_)
        if self.loyal_purchases is None:
            n = days.groupby("customer_id").size()
            rep = n[n > 1]
            self.loyal_purchases_ = int(max(3, np.ceil(rep.quantile(0.75)))) if len(rep) else 3
        else:
            if not (isinstance(self.loyal_purchases, int) and self.loyal_purchases >= 2):
                raise ParameterError(f"parameter 'loyal_purchases' is {self.loyal_purchases!r}; "
                                     "expected a whole number >= 2")
            self.loyal_purchases_ = int(self.loyal_purchases)
        return self

    def _fitted(self) -> None:
        require_fitted(self, "active_days_", "fit(days)")

    def thresholds_table(self, lang: str = "en") -> pd.DataFrame:
        """The thresholds in use and how each was chosen.

        Parameters
        ----------
        lang : {'en', 'zh'}

        Returns
        -------
        pandas.DataFrame
            Index the threshold's parameter name; its value and how it was chosen.
        """
        self._fitted()
        check_lang(lang)
        n = f"{len(self.gaps_):,}"

        def derived(q: float) -> str:
            if self.fallback_:
                return t("lifecycle.threshold.fallback", lang)
            return t("lifecycle.threshold.derived", lang, q=f"{q:.0%}", n=n)

        given = t("lifecycle.threshold.given", lang)
        rows = [
            ("active_days", self.active_days_, given if self.active_days else
             derived(self.active_quantile)),
            ("churn_days", self.churn_days_, given if self.churn_days else
             derived(self.churn_quantile) + t("lifecycle.threshold.churn_floor", lang)),
            ("new_days", self.new_days_, given if self.new_days else
             t("lifecycle.threshold.new_days", lang)),
            ("loyal_purchases", self.loyal_purchases_, given if self.loyal_purchases else
             t("lifecycle.threshold.loyal", lang)),
            ("risk_factor", self.risk_factor, given),
        ]
        heads = [_heading(k, lang) for k in ("threshold", "value", "how")]
        return pd.DataFrame(rows, columns=heads).set_index(heads[0])

    def state_at(self, days: pd.DataFrame, date: str | pd.Timestamp, *,
                 registered: pd.Series | None = None,
                 p_alive: pd.Series | None = None) -> pd.DataFrame:
        """Every customer's state and stage on ``date`` (purchases up to and including it).

        Parameters
        ----------
        days : pandas.DataFrame
            From :func:`purchase_days`.
        date : str or Timestamp
        registered : pandas.Series, optional
            Sign-up date by customer id (the customers table): registered customers with no
            purchase by ``date`` are potential.
        p_alive : pandas.Series, optional
            P(alive) by customer id at ``date`` (notebook 03), for the at-risk rule.

        Returns
        -------
        pandas.DataFrame
            Index ``customer_id``; ``first_purchase``, ``last_purchase``,
            ``purchase_days``, ``revenue``, ``days_since_last``, ``mean_gap``,
            ``previous_gap``, ``overdue_ratio``, ``stage`` (categorical, :data:`STAGES`).
        """
        self._fitted()
        at = as_day("date", date)
        return self._state(_CodedDays(days), at, registered=registered, p_alive=p_alive)

    def _state(self, coded: _CodedDays, at: pd.Timestamp, *,
               registered: pd.Series | None = None,
               p_alive: pd.Series | None = None) -> pd.DataFrame:
        """:meth:`state_at` on days factorised once (:class:`_CodedDays`)."""
        return self._state_and_codes(coded, at, registered=registered, p_alive=p_alive)[0]

    def _state_and_codes(self, coded: _CodedDays, at: pd.Timestamp, *,
                         registered: pd.Series | None = None,
                         p_alive: pd.Series | None = None,
                         ids: pd.Index | None = None) -> tuple[pd.DataFrame, np.ndarray]:
        """:meth:`_state`, and each row's position in ``ids`` (default ``coded.ids``).

        ``ids`` starts with ``coded.ids`` and has the registered customers without a
        purchase after them (:meth:`snapshots`); the buyers' positions are their codes,
        found without looking up their text ids.
        """
        inside = (coded.day <= at).to_numpy()
        key = coded.codes[inside]
        day, revenue = coded.day[inside].reset_index(drop=True), coded.revenue[inside]
        g = day.groupby(key, sort=True)
        first, last = g.min(), g.max()
        n = g.size()
        prev_day = day.where(pd.Series(key).eq(pd.Series(key).shift(-1)))
        second_last = prev_day.groupby(key).max()
        state = pd.DataFrame({"first_purchase": first, "last_purchase": last,
                              "purchase_days": n,
                              "revenue": revenue.groupby(key, sort=True).sum()})
        state["days_since_last"] = (at - last).dt.days.astype(float)
        span = (last - first).dt.days.astype(float)
        state["mean_gap"] = np.where(n > 1, span / (n - 1).clip(lower=1), np.nan)
        state["previous_gap"] = (last - second_last.reindex(state.index)).dt.days.astype(float)
        state["overdue_ratio"] = state["days_since_last"] / state["mean_gap"]
        codes = state.index.to_numpy()
        state.index = coded.ids.take(codes)
        if registered is not None:
            reg = pd.to_datetime(registered, errors="coerce")
            reg.index = reg.index.astype(str)
            never = reg[(reg <= at) & ~reg.index.isin(state.index)]
            if len(never):
                unseen = pd.Index(never.index.unique())
                state = pd.concat([state, pd.DataFrame(index=unseen)])
                codes = np.concatenate([codes, (coded.ids if ids is None else ids)
                                        .get_indexer(unseen)])
        state.index.name = "customer_id"
        state["stage"] = self._stages(state, at, p_alive)
        state.attrs = {"date": str(at.date())}
        return state, codes

    def _stages(self, s: pd.DataFrame, at: pd.Timestamp,
                p_alive: pd.Series | None) -> pd.Categorical:
        dsl = s["days_since_last"]
        age = (at - s["first_purchase"]).dt.days
        low_alive = pd.Series(False, index=s.index)
        if p_alive is not None:
            pa = p_alive.copy()
            pa.index = pa.index.astype(str)
            low_alive = pa.reindex(s.index).lt(self.p_alive_risk).fillna(False)
        rules = [
            ("potential", s["purchase_days"].isna()),
            ("churned", dsl > self.churn_days_),
            ("dormant", dsl > self.active_days_),
            ("new", age <= self.new_days_),
            ("reactivated", s["previous_gap"] > self.active_days_),
            ("at_risk", (s["overdue_ratio"] > self.risk_factor) | low_alive),
            ("loyal", s["purchase_days"] >= self.loyal_purchases_),
        ]
        code = {name: i for i, name in enumerate(STAGES)}
        out = np.select([cond.fillna(False).to_numpy(dtype=bool) for _, cond in rules],
                        [code[name] for name, _ in rules], default=code["active"])
        return pd.Categorical.from_codes(out, categories=list(STAGES))

    def snapshots(self, days: pd.DataFrame, *, freq: str = "M", start: Any = None,
                  end: Any = None, registered: pd.Series | None = None) -> pd.DataFrame:
        """Stages at the end of every period from ``start`` to ``end``.

        Parameters
        ----------
        days : pandas.DataFrame
            From :func:`purchase_days`.
        freq : {'M', 'Q', 'W'}, default 'M'
            Month, quarter or week ends.
        start, end : date, optional
            Default the first and last purchase day.
        registered : pandas.Series, optional
            As in :meth:`state_at`.

        Returns
        -------
        pandas.DataFrame
            Long table: ``snapshot``, ``customer_id``, ``stage``, ``revenue`` (to date).
            ``customer_id`` is categorical (the buyers' ids, sorted, then the registered
            customers' without a purchase): a code of 4 bytes per row instead of a text, for
            a table of customers x periods (64M rows at 100M lines: 3.8 -> 1.4 GiB).
        """
        self._fitted()
        check_choice("freq", freq, ("M", "Q", "W"))
        first = as_day("start", start) if start not in (None, "") else days["day"].min()
        last = as_day("end", end) if end not in (None, "") else days["day"].max()
        alias = {"M": "ME", "Q": "QE", "W": "W-SUN"}[freq]
        dates = list(pd.date_range(first, last, freq=alias))
        if not dates or dates[-1] < last:
            dates.append(last)
        coded = _CodedDays(days)
        ids = coded.ids
        if registered is not None:  # customers who may be potential before they buy
            signed = pd.Index(pd.Index(registered.index).astype(str).unique())
            ids = ids.append(signed[~signed.isin(ids)].sort_values())
        # ids and stages stay codes: as text, millions of rows would be encoded again
        parts = []
        for at in dates:
            st, codes = self._state_and_codes(coded, at, registered=registered, ids=ids)
            parts.append((codes.astype(np.int32), st["stage"].array.codes,
                          st["revenue"].fillna(0.0).to_numpy()))
        # one table filled a snapshot at a time, each freed as it goes in: no second copy
        # of the whole (pd.concat holds the parts and the table at once)
        total = sum(len(p[0]) for p in parts)
        when = np.empty(total, dtype=np.asarray(pd.DatetimeIndex(dates)).dtype)
        customer = np.empty(total, dtype=np.int32)
        stage = np.empty(total, dtype=np.int8)
        revenue = np.empty(total, dtype=np.float64)
        start = 0
        for i, at in enumerate(dates):
            codes, stage_codes, money = parts[i]
            parts[i] = None  # type: ignore[call-overload]
            stop = start + len(codes)
            when[start:stop] = np.datetime64(at)
            customer[start:stop], stage[start:stop], revenue[start:stop] = \
                codes, stage_codes, money
            start = stop
        return pd.DataFrame({
            "snapshot": when,
            "customer_id": pd.Categorical.from_codes(customer, dtype=pd.CategoricalDtype(ids)),
            "stage": pd.Categorical.from_codes(stage, categories=list(STAGES)),
            "revenue": revenue}, copy=False)


def as_day(name: str, value: Any) -> pd.Timestamp:
    """The date parameter ``name`` as a midnight Timestamp, or a clear error.

    Examples
    --------
    >>> as_day("date", "2024-12-31 15:00")
    Timestamp('2024-12-31 00:00:00')
    """
    try:
        out = pd.Timestamp(value)
    except (TypeError, ValueError):
        out = pd.NaT
    if pd.isna(out):
        raise ParameterError(f"parameter {name!r} is {value!r}; expected a date such as "
                             "'2024-12-31'")
    return out.normalize()




def stage_table(now: pd.DataFrame, previous: pd.DataFrame | None = None, *,
                clv: pd.Series | None = None, lang: str = "en") -> pd.DataFrame:
    """Stage by stage: size, value, trend and the recommended action.

    Parameters
    ----------
    now : pandas.DataFrame
        :meth:`LifecycleStager.state_at` at the latest date.
    previous : pandas.DataFrame, optional
        The same at an earlier date, for the trend.
    clv : pandas.Series, optional
        Predicted CLV by customer id (notebook 03).
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        One row per stage (its name in ``lang``): customers, shares, revenue, mean CLV,
        change, recommended action.
    """
    check_lang(lang)
    require_columns(now, ["stage", "revenue"], "stage_table")
    g = now.groupby("stage", observed=False)
    total_rev = float(now["revenue"].sum())
    out = pd.DataFrame({
        _heading("customers", lang): g.size(),
        _heading("share", lang): g.size() / len(now),
        _heading("revenue", lang): g["revenue"].sum(),
        _heading("revenue_share", lang): g["revenue"].sum() / total_rev if total_rev
        else np.nan,
    }).reindex(list(STAGES)).fillna({_heading("customers", lang): 0})
    if clv is not None:
        c = clv.copy()
        c.index = c.index.astype(str)
        out[_heading("clv", lang)] = c.reindex(now.index).groupby(
            now["stage"], observed=False).mean().reindex(list(STAGES))
    if previous is not None:
        before = previous.groupby("stage", observed=False).size().reindex(list(STAGES))
        out[_heading("change", lang)] = out[_heading("customers", lang)] - before
    guide = {s: g for s, g in zip(STAGES, stage_guide(lang).itertuples(index=False),
                                  strict=True)}
    out[_heading("action", lang)] = [guide[s][2] for s in out.index]
    out.index = pd.Index([stage_name(s, lang) for s in out.index],
                         name=_heading("stage", lang))
    return out
