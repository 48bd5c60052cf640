"""Customer lifetime value: expected purchases x expected spend x margin, discounted.

For each customer, a fitted purchase model (:class:`custlib.value.purchase.BTYDModel`) gives the
expected number of purchases in each future month and the Gamma-Gamma model
(:class:`custlib.value.spend.GammaGammaModel`) the expected spend per purchase. CLV over a
horizon of ``H`` months is

.. math:: \\mathrm{CLV} = \\sum_{m=1}^{H} \\frac{(E[X(m)] - E[X(m-1)]) \\cdot E[M]
   \\cdot \\text{margin}}{(1 + d)^{m}}

where :math:`d = (1 + \\text{annual rate})^{1/12} - 1` is the monthly discount rate. The
annual rate is what people state ("10% a year"); applying it per week or per month
unconverted is the classic error this module exists to prevent.

References
----------
Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). RFM and CLV: Using iso-value curves
for customer base analysis. *Journal of Marketing Research*, 42(4), 415-430.
Gupta, S., et al. (2006). Modeling customer lifetime value. *Journal of Service Research*,
9(2), 139-155.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.errors import EmptyResultError, ParameterError, check_choice
from custlib.i18n import check_lang, t
from custlib.value.fitting import _row_key
from custlib.value.purchase import BTYDModel
from custlib.value.spend import GammaGammaModel
from custlib.value.split import TIME_UNITS, check_btyd_summary, time_unit

__all__ = ["clv", "clv_by_segment", "clv_deciles", "period_discount_rate", "settings_table",
           "top_customers", "top_decile_share"]

def period_discount_rate(annual_rate: float, unit: str = "months") -> float:
    """Convert an annual discount rate to the rate of one period.

    Parameters
    ----------
    annual_rate : float
        For example 0.10 for 10% a year.
    unit : {'days', 'weeks', 'months'}, default 'months'

    Returns
    -------
    float
        ``(1 + annual_rate) ** (1 / periods_per_year) - 1``.

    Examples
    --------
    >>> round(period_discount_rate(0.10, "months"), 6)
    0.007974
    >>> round(period_discount_rate(0.10, "weeks"), 6)
    0.001828
    """
    _, _, per_year = time_unit(unit)
    if isinstance(annual_rate, bool) or not (isinstance(annual_rate, (int, float))
                                             and 0 <= annual_rate < 1):
        raise ParameterError(f"parameter 'annual_discount_rate' is {annual_rate!r}; expected "
                             "a yearly rate between 0 and 1, such as 0.10 for 10% a year")
    return float((1 + annual_rate) ** (1 / per_year) - 1)


def clv(model: BTYDModel, spend: GammaGammaModel, summary: pd.DataFrame, *,
        horizon_months: int = 12, unit: str = "weeks", margin: float = 1.0,
        annual_discount_rate: float = 0.10) -> pd.DataFrame:
    """Customer lifetime value over a horizon, with margin and discounting.

    Parameters
    ----------
    model : BTYDModel
        Fitted on ``summary`` in time unit ``unit``.
    spend : GammaGammaModel
        Fitted.
    summary : pandas.DataFrame
        ``frequency``, ``recency``, ``T``, ``monetary_value`` per customer.
    horizon_months : int, default 12
    unit : {'days', 'weeks', 'months'}, default 'weeks'
        Time unit of ``summary`` and of the model.
    margin : float, default 1.0
        Profit margin on revenue (0.3 for 30%); 1.0 values revenue.
    annual_discount_rate : float, default 0.10
        Converted to a monthly rate by :func:`period_discount_rate`.

    Returns
    -------
    pandas.DataFrame
        ``p_alive``, ``expected_purchases`` (over the horizon), ``expected_spend`` (per
        purchase), ``clv`` (discounted, after margin), ``clv_decile`` (1 = top 10%).

    Examples
    --------
    A customer expected to buy once a month for a year at 100 with a 30% margin is worth
    about 12 x 30 = 360 before discounting, a little less after.
    """
    if isinstance(horizon_months, bool) or not (isinstance(horizon_months, int)
                                                and 1 <= horizon_months <= 600):
        raise ParameterError(f"parameter 'horizon_months' is {horizon_months!r}; expected a "
                             "whole number of months from 1 to 600")
    if isinstance(margin, bool) or not (isinstance(margin, (int, float)) and 0 < margin <= 1):
        raise ParameterError(f"parameter 'margin' is {margin!r}; expected a share in (0, 1], "
                             "e.g. 0.3 for a 30% margin (1.0 values revenue)")
    _, _, per_year = time_unit(unit)
    monthly = period_discount_rate(annual_discount_rate, "months")
    require_columns(summary, ["frequency", "recency", "T", "monetary_value"], "clv")
    if len(summary) == 0:
        raise EmptyResultError("clv: no customers")
    per_month = per_year / 12
    spend_each = spend.expected_spend(summary).to_numpy()
    n = len(summary)
    months = np.arange(1, horizon_months + 1)
    cumulatives = _monthly_expectations(model, summary, months * per_month)
    value = np.zeros(n)
    previous = np.zeros(n)
    for month, cumulative in zip(months, cumulatives):
        value += (cumulative - previous) * spend_each * margin / (1 + monthly) ** int(month)
        previous = cumulative
    out = pd.DataFrame({
        "p_alive": model.p_alive(summary),
        "expected_purchases": previous,
        "expected_spend": spend_each,
        "clv": value,
    }, index=summary.index)
    out["clv_decile"] = _deciles(out["clv"])
    out.attrs = {"horizon_months": horizon_months, "unit": unit, "margin": margin,
                 "annual_discount_rate": annual_discount_rate,
                 "monthly_discount_rate": monthly, "model": model.name}
    return out


def _monthly_expectations(model: BTYDModel, summary: pd.DataFrame,
                          horizons: np.ndarray) -> np.ndarray:
    """Each customer's expected purchases by each horizon: one row per horizon.

    Every horizon's expectation in one call, on the distinct (frequency, recency, T) of the
    customers stacked once per horizon; the model evaluates each distinct row on its own
    (:meth:`BTYDModel.expected_purchases`), so this equals stacking every customer, bit
    for bit, with fewer rows to sort.
    """
    data = check_btyd_summary(summary, "BTYDModel.expected_purchases")
    cols = [data[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")]
    _, first, inverse = np.unique(_row_key(cols), return_index=True, return_inverse=True)
    k = len(first)
    stacked = data.iloc[np.tile(first, len(horizons))]
    cumulatives = model.expected_purchases(stacked, np.repeat(horizons, k)).to_numpy()
    return cumulatives.reshape(len(horizons), k)[:, inverse.ravel()]


def _deciles(values: pd.Series) -> pd.Series:
    """Decile 1 = the top 10% by value; ties broken by order, so deciles are equal-sized."""
    ranks = values.rank(method="first", ascending=False).to_numpy()
    dec = np.ceil(10 * ranks / max(len(values), 1)).astype(int)
    return pd.Series(np.clip(dec, 1, 10), index=values.index, name="clv_decile")


def clv_deciles(table: pd.DataFrame, *, value_col: str = "clv", lang: str = "en") -> pd.DataFrame:
    """Future value by decile of customers (1 = the top 10%).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer with ``value_col`` (and ``p_alive`` if present).
    value_col : str, default 'clv'
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Per decile: customers, total and mean value, share and cumulative share of value,
        mean P(alive).
    """
    check_lang(lang)
    require_columns(table, [value_col], "clv_deciles")
    if table.empty:
        raise EmptyResultError("clv_deciles: no customers")
    dec = _deciles(table[value_col])
    g = table.groupby(dec)
    total = float(table[value_col].sum())
    out = pd.DataFrame({"customers": g.size(), "clv_total": g[value_col].sum(),
                        "clv_mean": g[value_col].mean()})
    out["share"] = out["clv_total"] / total if total else np.nan
    out["cum_share"] = out["share"].cumsum()
    if "p_alive" in table:
        out["p_alive"] = g["p_alive"].mean()
    out.index.name = "decile"
    return _named(out, lang)


def _named(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The columns (and index) of a CLV table, named in ``lang`` (``value.column``)."""
    names = {key: t(f"value.column.{key}", lang) for key in
             ("decile", "customers", "clv_total", "clv_mean", "share", "cum_share", "p_alive",
              "hist_revenue", "customer_share")}
    out = table.rename(columns=names)
    if out.index.name in names:
        out.index.name = names[out.index.name]
    return out


def top_decile_share(table: pd.DataFrame, value_col: str = "clv") -> float:
    """Share of the total future value held by the top 10% of customers."""
    require_columns(table, [value_col], "top_decile_share")
    total = float(table[value_col].sum())
    top = float(table.loc[_deciles(table[value_col]) == 1, value_col].sum())
    return top / total if total else float("nan")


def top_customers(table: pd.DataFrame, n: int = 20, *, value_col: str = "clv",
                  columns: list[str] | None = None) -> pd.DataFrame:
    """The ``n`` customers with the highest future value.

    Parameters
    ----------
    table : pandas.DataFrame
    n : int, default 20
    value_col : str, default 'clv'
    columns : list of str, optional
        Columns to show; default the value columns and a segment label when present.
    """
    if isinstance(n, bool) or not (isinstance(n, int) and n >= 1):
        raise ParameterError(f"parameter 'top_n' is {n!r}; expected a whole number >= 1")
    require_columns(table, [value_col], "top_customers")
    default = [c for c in ("rfm_segment", "value_tier", "frequency", "total_revenue",
                           "p_alive", "expected_purchases", "expected_spend", "clv",
                           "clv_decile") if c in table.columns]
    cols = columns or default
    require_columns(table, cols, "top_customers")
    out = table.nlargest(n, value_col)[cols]
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def clv_by_segment(table: pd.DataFrame, segment_col: str, *, value_col: str = "clv",
                   lang: str = "en") -> pd.DataFrame:
    """Future value by segment, next to past revenue.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer: ``segment_col``, ``value_col``, optionally ``p_alive`` and
        ``total_revenue``.
    segment_col : str
    value_col : str, default 'clv'
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Per segment, largest total value first: customers, share of customers, total and
        mean value, share of value, mean P(alive), past revenue.
    """
    check_lang(lang)
    require_columns(table, [segment_col, value_col], "clv_by_segment")
    g = table.groupby(segment_col, observed=True, sort=False)
    total = float(table[value_col].sum())
    out = pd.DataFrame({
        "customers": g.size(),
        "customer_share": g.size() / len(table),
        "clv_total": g[value_col].sum(),
        "clv_mean": g[value_col].mean(),
        "share": g[value_col].sum() / total if total else np.nan,
    })
    if "p_alive" in table:
        out["p_alive"] = g["p_alive"].mean()
    if "total_revenue" in table:
        out["hist_revenue"] = g["total_revenue"].sum()
    return _named(out.sort_values("clv_total", ascending=False), lang)


def settings_table(unit: str, horizon_months: int, margin: float,
                   annual_discount_rate: float, lang: str = "en") -> pd.DataFrame:
    """The money settings of a CLV run in words, with the converted rates.

    Parameters
    ----------
    unit : {'days', 'weeks', 'months'}
    horizon_months : int
    margin : float
    annual_discount_rate : float
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Index the settings, one column of values, named in ``lang``.
    """
    check_choice("time_unit", unit, tuple(TIME_UNITS))
    check_lang(lang)
    rows = [
        (t("value.settings.unit", lang), t(f"value.unit.{unit}", lang)),
        (t("value.settings.horizon", lang),
         t("value.settings.horizon_months", lang, months=f"{horizon_months}")),
        (t("value.settings.margin", lang), f"{margin:.0%}"),
        (t("value.settings.annual_rate", lang), f"{annual_discount_rate:.1%}"),
        (t("value.settings.monthly_rate", lang),
         f"{period_discount_rate(annual_discount_rate, 'months'):.4%}"),
        (t("value.settings.per_unit", lang, unit=t(f"value.unit_one.{unit}", lang)),
         f"{period_discount_rate(annual_discount_rate, unit):.4%}"),
    ]
    setting, value = t("value.heading.setting", lang), t("value.heading.value", lang)
    return pd.DataFrame(rows, columns=[setting, value]).set_index(setting)
