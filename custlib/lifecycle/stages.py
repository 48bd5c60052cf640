"""Customer lifecycle: stages at any date, transitions between snapshots, the balance of
new and returning business, and the action lists a marketing team works from.

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

References
----------
Kumar, V., & Reinartz, W. (2018). *Customer Relationship Management* (3rd ed.). Springer,
chapters on the customer lifecycle and churn management.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.errors import EmptyResultError, ParameterError, check_choice
from custlib.i18n import check_lang, label

__all__ = [
    "STAGES", "LifecycleStager", "action_lists", "new_vs_returning", "pseudonymise",
    "purchase_days", "stage_counts", "stage_guide", "stage_table", "transition_matrix",
]

STAGES: tuple[str, ...] = ("potential", "new", "active", "loyal", "at_risk", "reactivated",
                           "dormant", "churned")

#: stage -> (en name, zh name, en meaning, zh meaning, en action, zh action)
_GUIDE: dict[str, tuple[str, str, str, str, str, str]] = {
    "potential": ("Potential", "潜在客户", "registered, never bought",
                  "已注册但从未购买", "Acquisition: a first-order offer, onboarding content",
                  "获客:首单优惠、引导内容"),
    "new": ("New", "新客户", "first purchase recently", "近期首次购买",
            "Onboarding: welcome series, prompt the second purchase",
            "新客培育:欢迎礼包,促成第二次购买"),
    "active": ("Active", "活跃客户", "buying within the usual rhythm", "按正常节奏购买",
               "Growth: cross-sell and up-sell by category", "成长:交叉销售与向上销售"),
    "loyal": ("Loyal", "忠诚客户", "frequent repeat buyer, still active",
              "多次重复购买且仍活跃", "Retention: loyalty rewards, referrals, early access",
              "保持:会员权益、推荐奖励、新品优先"),
    "at_risk": ("At risk", "风险客户", "overdue against their own rhythm",
                "超出自身购买节奏未购买", "Retention: personal contact, a reason to come back now",
                "挽留:个性化联系,给出立即回购的理由"),
    "reactivated": ("Reactivated", "回流客户", "came back after a long silence",
                    "长期沉默后再次购买", "Re-onboarding: thank them, learn why they came back",
                    "再培育:致谢并了解回流原因"),
    "dormant": ("Dormant", "沉睡客户", "silent past the usual rhythm",
                "超过正常购买间隔未购买", "Win-back: reminders and targeted offers",
                "唤醒:提醒与定向优惠"),
    "churned": ("Churned", "流失客户", "silent for longer than almost any repeat gap",
                "沉默时间超过几乎所有复购间隔", "Win-back for high value only; learn why they left",
                "仅对高价值客户挽回;分析流失原因"),
}

LABELS: dict[str, dict[str, str]] = {
    "stage": {"en": "stage", "zh": "阶段"},
    "customers": {"en": "customers", "zh": "客户数"},
    "share": {"en": "share of customers", "zh": "客户占比"},
    "revenue": {"en": "past revenue", "zh": "历史收入"},
    "revenue_share": {"en": "share of revenue", "zh": "收入占比"},
    "clv": {"en": "mean CLV", "zh": "平均 CLV"},
    "change": {"en": "change vs previous snapshot", "zh": "较上期变化"},
    "meaning": {"en": "meaning", "zh": "含义"},
    "action": {"en": "recommended action", "zh": "建议行动"},
    "threshold": {"en": "threshold", "zh": "阈值"},
    "value": {"en": "value", "zh": "取值"},
    "how": {"en": "how it was chosen", "zh": "确定方法"},
}


def stage_name(stage: str, lang: str = "en") -> str:
    """The name of a stage for people."""
    return _GUIDE[stage][0 if lang == "en" else 1]


def stage_guide(lang: str = "en") -> pd.DataFrame:
    """Every stage with its meaning and recommended action.

    Parameters
    ----------
    lang : {'en', 'zh'}
    """
    check_lang(lang)
    i = 0 if lang == "en" else 1
    rows = [(g[i], g[2 + i], g[4 + i]) for g in (_GUIDE[s] for s in STAGES)]
    return pd.DataFrame(rows, columns=[label(LABELS, k, lang) for k in ("stage", "meaning",
                                                                        "action")])


def purchase_days(transactions: pd.DataFrame, *, customer_id_col: str = "customer_id",
                  datetime_col: str = "order_date",
                  monetary_col: str | None = "amount") -> pd.DataFrame:
    """One row per customer and day with a purchase, sorted, with the day's revenue.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean transactions.
    customer_id_col, datetime_col, monetary_col : str

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``day`` (datetime64, midnight), ``revenue``.
    """
    cols = [customer_id_col, datetime_col] + ([monetary_col] if monetary_col else [])
    require_columns(transactions, cols, "purchase_days")
    if not pd.api.types.is_datetime64_any_dtype(transactions[datetime_col]):
        raise ParameterError(f"purchase_days: column {datetime_col!r} must hold dates (clean "
                             "the log first with custlib.data.cleaning.clean_transactions)")
    frame = pd.DataFrame({
        "customer_id": transactions[customer_id_col].astype(str).to_numpy(),
        "day": transactions[datetime_col].dt.normalize().to_numpy(),
        "revenue": transactions[monetary_col].to_numpy(dtype=float) if monetary_col else 0.0,
    })
    out = frame.groupby(["customer_id", "day"], sort=True)["revenue"].sum().reset_index()
    if out.empty:
        raise EmptyResultError("purchase_days: the transaction log is empty")
    return out


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


class LifecycleStager:
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
        if self.gaps_.empty and (self.active_days is None or self.churn_days is None):
            raise EmptyResultError("LifecycleStager: no customer bought on two different days, "
                                   "so the usual rhythm cannot be learnt; set 'active_days' "
                                   "and 'churn_days' by hand")
        q = self.gaps_.quantile
        self.active_days_ = float(self.active_days or np.ceil(q(self.active_quantile)))
        self.churn_days_ = float(self.churn_days or max(np.ceil(q(self.churn_quantile)),
                                                        2 * self.active_days_))
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
        if not hasattr(self, "active_days_"):
            raise ParameterError("LifecycleStager is not fitted yet: call fit(days) first")

    def thresholds_table(self, lang: str = "en") -> pd.DataFrame:
        """The thresholds in use and how each was chosen."""
        self._fitted()
        check_lang(lang)
        n = len(self.gaps_)
        derived = {"en": "from the data: {q:.0%} of the {n:,} repeat gaps are shorter",
                   "zh": "由数据确定:{n:,} 个复购间隔中 {q:.0%} 更短"}[lang]
        given = {"en": "set by parameter", "zh": "参数指定"}[lang]
        rows = [
            ("active_days", self.active_days_, given if self.active_days else
             derived.format(q=self.active_quantile, n=n)),
            ("churn_days", self.churn_days_, given if self.churn_days else
             derived.format(q=self.churn_quantile, n=n) + (
                 " (at least 2 x active_days)" if lang == "en" else "(至少为活跃阈值的 2 倍)")),
            ("new_days", self.new_days_, given if self.new_days else
             {"en": "= active_days", "zh": "= 活跃阈值"}[lang]),
            ("loyal_purchases", self.loyal_purchases_, given if self.loyal_purchases else
             {"en": "75th percentile of purchase days of repeat buyers, at least 3",
              "zh": "重复购买客户购买天数的第 75 百分位数,至少 3"}[lang]),
            ("risk_factor", self.risk_factor, given),
        ]
        return pd.DataFrame(rows, columns=[label(LABELS, k, lang) for k in
                                           ("threshold", "value", "how")]).set_index(
            label(LABELS, "threshold", lang))

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
        at = _timestamp("date", date)
        d = days[days["day"] <= at]
        g = d.groupby("customer_id", sort=True)
        first, last = g["day"].min(), g["day"].max()
        n = g.size()
        prev_day = d["day"].where(d["customer_id"].eq(d["customer_id"].shift(-1)))
        second_last = prev_day.groupby(d["customer_id"]).max()
        state = pd.DataFrame({"first_purchase": first, "last_purchase": last,
                              "purchase_days": n, "revenue": g["revenue"].sum()})
        state["days_since_last"] = (at - last).dt.days.astype(float)
        span = (last - first).dt.days.astype(float)
        state["mean_gap"] = np.where(n > 1, span / (n - 1).clip(lower=1), np.nan)
        state["previous_gap"] = (last - second_last.reindex(state.index)).dt.days.astype(float)
        state["overdue_ratio"] = state["days_since_last"] / state["mean_gap"]
        if registered is not None:
            reg = pd.to_datetime(registered, errors="coerce")
            reg.index = reg.index.astype(str)
            never = reg[(reg <= at) & ~reg.index.isin(state.index)]
            if len(never):
                state = pd.concat([state, pd.DataFrame(index=pd.Index(never.index.unique()))])
        state.index.name = "customer_id"
        state["stage"] = self._stages(state, at, p_alive)
        state.attrs = {"date": str(at.date())}
        return state

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
        out = np.select([cond.fillna(False).to_numpy(dtype=bool) for _, cond in rules],
                        [name for name, _ in rules], default="active")
        return pd.Categorical(out, categories=list(STAGES))

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
        """
        self._fitted()
        check_choice("freq", freq, ("M", "Q", "W"))
        first = _timestamp("start", start) if start not in (None, "") else days["day"].min()
        last = _timestamp("end", end) if end not in (None, "") else days["day"].max()
        alias = {"M": "ME", "Q": "QE", "W": "W-SUN"}[freq]
        dates = list(pd.date_range(first, last, freq=alias))
        if not dates or dates[-1] < last:
            dates.append(last)
        frames = []
        for at in dates:
            st = self.state_at(days, at, registered=registered)
            frames.append(pd.DataFrame({"snapshot": at, "customer_id": st.index,
                                        "stage": st["stage"].to_numpy(),
                                        "revenue": st["revenue"].fillna(0.0).to_numpy()}))
        out = pd.concat(frames, ignore_index=True)
        out["stage"] = pd.Categorical(out["stage"], categories=list(STAGES))
        return out


def _timestamp(name: str, value: Any) -> pd.Timestamp:
    try:
        out = pd.Timestamp(value)
    except (TypeError, ValueError):
        out = pd.NaT
    if pd.isna(out):
        raise ParameterError(f"parameter {name!r} is {value!r}; expected a date such as "
                             "'2024-12-31'")
    return out.normalize()


def stage_counts(snapshots: pd.DataFrame, *, lang: str = "en") -> pd.DataFrame:
    """Customers in each stage at each snapshot (rows snapshots, columns stages)."""
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
        pairs = [tuple(_timestamp("between", b) for b in between)]
        missing = [p for p in pairs[0] if p not in set(pd.to_datetime(dates))]
        if missing:
            raise ParameterError(f"transition_matrix: {missing[0]:%Y-%m-%d} is not a snapshot "
                                 "date; use dates from the 'snapshot' column")
    else:
        pairs = list(zip(dates[:-1], dates[1:], strict=True))
    if not pairs:
        raise EmptyResultError("transition_matrix: needs at least two snapshots")
    by_date = {k: v.set_index("customer_id")["stage"] for k, v in
               snapshots.groupby("snapshot", observed=True)}
    frames = []
    for a, b in pairs:
        both = by_date[pd.Timestamp(a)].to_frame("from").join(
            by_date[pd.Timestamp(b)].rename("to"), how="inner")
        frames.append(both)
    moves = pd.concat(frames)
    table = pd.crosstab(pd.Categorical(moves["from"], categories=list(STAGES)),
                        pd.Categorical(moves["to"], categories=list(STAGES)), dropna=False)
    table = table.reindex(index=list(STAGES), columns=list(STAGES), fill_value=0)
    if normalize:
        table = table.div(table.sum(axis=1).replace(0, np.nan), axis=0)
    names = [stage_name(s, lang) for s in STAGES]
    table.index, table.columns = pd.Index(names), pd.Index(names)
    table.index.name = {"en": "from", "zh": "从"}[lang]
    table.columns.name = {"en": "to", "zh": "到"}[lang]
    return table


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
    names = {"en": {"new": "new", "returning": "returning", "reactivated": "reactivated"},
             "zh": {"new": "新客户", "returning": "老客户", "reactivated": "回流客户"}}[lang]
    customers = first_in_period.groupby(["period", "kind"]).size().unstack(fill_value=0)
    revenue = d.groupby(["period", "kind"])["revenue"].sum().unstack(fill_value=0.0)
    out = pd.concat({label(LABELS, "customers", lang): customers.reindex(columns=kinds,
                                                                         fill_value=0),
                     {"en": "revenue", "zh": "收入"}[lang]: revenue.reindex(columns=kinds,
                                                                             fill_value=0.0)},
                    axis=1)
    out.columns = out.columns.set_levels([names[k] for k in out.columns.levels[1]], level=1)
    out.index = out.index.to_timestamp()
    out.index.name = {"en": "period", "zh": "期间"}[lang]
    return out


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
    """
    check_lang(lang)
    require_columns(now, ["stage", "revenue"], "stage_table")
    g = now.groupby("stage", observed=False)
    total_rev = float(now["revenue"].sum())
    out = pd.DataFrame({
        label(LABELS, "customers", lang): g.size(),
        label(LABELS, "share", lang): g.size() / len(now),
        label(LABELS, "revenue", lang): g["revenue"].sum(),
        label(LABELS, "revenue_share", lang): g["revenue"].sum() / total_rev if total_rev
        else np.nan,
    }).reindex(list(STAGES)).fillna({label(LABELS, "customers", lang): 0})
    if clv is not None:
        c = clv.copy()
        c.index = c.index.astype(str)
        out[label(LABELS, "clv", lang)] = c.reindex(now.index).groupby(
            now["stage"], observed=False).mean().reindex(list(STAGES))
    if previous is not None:
        before = previous.groupby("stage", observed=False).size().reindex(list(STAGES))
        out[label(LABELS, "change", lang)] = out[label(LABELS, "customers", lang)] - before
    guide = {s: g for s, g in zip(STAGES, stage_guide(lang).itertuples(index=False),
                                  strict=True)}
    out[label(LABELS, "action", lang)] = [guide[s][2] for s in out.index]
    out.index = pd.Index([stage_name(s, lang) for s in out.index],
                         name=label(LABELS, "stage", lang))
    return out


# --- action lists ---------------------------------------------------------------------------

def pseudonymise(ids: pd.Series | pd.Index, salt: str) -> pd.Series:
    """Stable pseudonyms for customer ids: the first 12 hex digits of SHA-256(salt + id).

    The same id and salt always give the same pseudonym, so lists from different runs can
    be matched by whoever holds the salt, and nobody else can reverse them.

    Parameters
    ----------
    ids : pandas.Series or Index
    salt : str
        A secret kept outside the reports; must not be empty.
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
                 order_id_col: str = "order_id", lang: str = "en") -> dict[str, pd.DataFrame]:
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
    transactions : pandas.DataFrame
        Clean transactions (for spend per order and category breadth).
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
    s = state[state["stage"] != "potential"].copy()
    s["stage_name"] = [stage_name(x, lang) for x in s["stage"]]
    order = s["revenue"].sort_values(ascending=False)
    cum = order.cumsum() / order.sum()
    high = set(cum.index[(cum.shift(fill_value=0) < value_share).to_numpy()])
    s["high_value"] = s.index.isin(high)
    for name, series in (("p_alive", p_alive), ("clv", clv), ("segment", segment)):
        if series is not None:
            v = series.copy()
            v.index = v.index.astype(str)
            s[name] = v.reindex(s.index)
    zh = lang == "zh"
    lists: dict[str, pd.DataFrame] = {}

    # win-back
    w = s[s["high_value"] & s["stage"].isin(["at_risk", "dormant", "churned"])].copy()
    w["value_at_stake"] = w["revenue"] * ((1 - w["p_alive"]) if "p_alive" in w else 1.0)
    w = w.sort_values("value_at_stake", ascending=False)
    w["reason"] = [
        (f"{r.stage_name}:已 {r.days_since_last:.0f} 天未购买" +
         (f"(平时约每 {r.mean_gap:.0f} 天一次)" if r.mean_gap == r.mean_gap else "") +
         f";历史收入 {r.revenue:,.0f},高价值客户" +
         (f";存活概率 {r.p_alive:.2f}" if "p_alive" in w and r.p_alive == r.p_alive else ""))
        if zh else
        (f"{r.stage_name}: {r.days_since_last:.0f} days since the last purchase" +
         (f" (usually every {r.mean_gap:.0f} days)" if r.mean_gap == r.mean_gap else "") +
         f"; past revenue {r.revenue:,.0f}, high value" +
         (f"; P(alive) {r.p_alive:.2f}" if "p_alive" in w and r.p_alive == r.p_alive else ""))
        for r in w.itertuples()]
    lists["win_back"] = w

    # retention: slipping but not yet at risk
    r_ = s[s["high_value"] & s["stage"].isin(["loyal", "active"]) &
           (s["days_since_last"] > s["mean_gap"])].copy()
    r_ = r_.sort_values("revenue", ascending=False)
    r_["reason"] = [
        (f"{r.stage_name}:已 {r.days_since_last:.0f} 天未购买,超过其平均间隔 "
         f"{r.mean_gap:.0f} 天({r.days_since_last / r.mean_gap:.1f} 倍);历史收入 {r.revenue:,.0f}")
        if zh else
        (f"{r.stage_name}: {r.days_since_last:.0f} days since the last purchase, past their "
         f"usual {r.mean_gap:.0f}-day gap ({r.days_since_last / r.mean_gap:.1f}x); past "
         f"revenue {r.revenue:,.0f}")
        for r in r_.itertuples()]
    lists["retention"] = r_

    # growth: below the segment's typical spend per order or category breadth
    tx = transactions.copy()
    tx["_c"] = tx[customer_id_col].astype(str)
    orders = tx[order_id_col].astype(str) if order_id_col in tx else tx["order_date"].astype(str)
    per = pd.DataFrame({"orders": orders.groupby(tx["_c"]).nunique()})
    per["categories"] = tx[category_col].groupby(tx["_c"]).nunique() \
        if category_col in tx else np.nan
    s = s.join(per)
    s["spend_per_order"] = s["revenue"] / s["orders"]
    group = s["segment"] if "segment" in s else pd.Series("all", index=s.index)
    base = s[s["stage"].isin(["active", "loyal", "reactivated"])]
    g_base = group.reindex(base.index)
    med_spend = base["spend_per_order"].groupby(g_base).transform("median")
    med_cat = base["categories"].groupby(g_base).transform("median")
    low_spend = base["spend_per_order"] < med_spend
    low_cat = base["categories"] < med_cat
    gr = base[low_spend | low_cat].copy()
    gr["segment_median_spend"] = med_spend.reindex(gr.index)
    gr["segment_median_categories"] = med_cat.reindex(gr.index)
    gr = gr.sort_values("clv" if "clv" in gr else "revenue", ascending=False)
    reasons = []
    for r in gr.itertuples():
        parts = []
        if r.spend_per_order < r.segment_median_spend:
            parts.append(f"每单消费 {r.spend_per_order:,.0f},低于群体中位数 "
                         f"{r.segment_median_spend:,.0f}(向上销售)" if zh else
                         f"spends {r.spend_per_order:,.0f} per order, below the segment's "
                         f"median {r.segment_median_spend:,.0f} (up-sell)")
        if r.categories < r.segment_median_categories:
            parts.append(f"购买 {r.categories:.0f} 个品类,低于群体中位数 "
                         f"{r.segment_median_categories:.0f}(交叉销售)" if zh else
                         f"buys from {r.categories:.0f} categories, below the segment's "
                         f"median {r.segment_median_categories:.0f} (cross-sell)")
        reasons.append(f"{r.stage_name}:" + ";".join(parts) if zh else
                       f"{r.stage_name}: " + "; ".join(parts))
    gr["reason"] = reasons
    lists["growth"] = gr

    # onboarding: new one-time buyers due for the second purchase
    rep = state[state["purchase_days"] > 1]
    second = _time_to_second(transactions, customer_id_col, rep.index)
    due_after = float(second.median()) if len(second) else stager.new_days_ / 2
    o = s[(s["stage"] == "new") & (s["purchase_days"] == 1) &
          (s["days_since_last"] >= due_after)].copy()
    o = o.sort_values("revenue", ascending=False)
    o["reason"] = [
        (f"新客户:首购后已 {r.days_since_last:.0f} 天,复购客户通常在 {due_after:.0f} 天内"
         f"完成第二次购买;首单 {r.revenue:,.0f}") if zh else
        (f"New: {r.days_since_last:.0f} days since the first purchase; repeat buyers "
         f"usually buy again within {due_after:.0f} days; first order {r.revenue:,.0f}")
        for r in o.itertuples()]
    lists["onboarding"] = o

    keep = ["stage", "revenue", "purchase_days", "days_since_last", "mean_gap"]
    extra = {"win_back": ["value_at_stake"], "retention": [],
             "growth": ["spend_per_order", "segment_median_spend", "categories",
                        "segment_median_categories"], "onboarding": []}
    for key, frame in lists.items():
        cols = keep + extra[key] + [c for c in ("p_alive", "clv", "segment") if c in frame]
        frame = frame[cols + ["reason"]].copy()
        frame["stage"] = frame["stage"].astype(str)
        frame.insert(0, "priority", np.arange(1, len(frame) + 1))
        lists[key] = frame.head(top_n) if top_n else frame
    return lists


def _time_to_second(transactions: pd.DataFrame, customer_id_col: str,
                    ids: pd.Index) -> pd.Series:
    """Days from the first to the second purchase day of each repeat buyer in ``ids``."""
    days = purchase_days(transactions, customer_id_col=customer_id_col, monetary_col=None)
    days = days[days["customer_id"].isin(ids)]
    rank = days.groupby("customer_id").cumcount()
    first = days[rank == 0].set_index("customer_id")["day"]
    second = days[rank == 1].set_index("customer_id")["day"]
    return (second - first.reindex(second.index)).dt.days.astype(float)
