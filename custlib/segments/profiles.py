"""Who is in each segment: attribute breakdowns and segment profile cards.

The Chinese texts on customer segmentation ask for the customer's file (客户档案): for each
segment its size, what it is worth, how it buys and who its members typically are, with
a recommended action; and for charts of customers by region and by trait (age, gender,
occupation, income).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.errors import ParameterError
from custlib.i18n import check_lang, label

__all__ = ["age_bands", "attribute_breakdown", "attribute_columns", "attribute_name",
           "attributes_note", "customer_table", "plot_breakdown",
           "plot_pareto", "plot_segment_sizes", "plot_traits", "profile_cards"]

LABELS: dict[str, dict[str, str]] = {
    "customers": {"en": "customers", "zh": "客户数"},
    "customer_share": {"en": "share of customers", "zh": "客户占比"},
    "revenue": {"en": "revenue", "zh": "收入"},
    "revenue_share": {"en": "share of revenue", "zh": "收入占比"},
    "avg_value": {"en": "revenue per customer", "zh": "人均收入"},
    "avg_order_value": {"en": "average order value", "zh": "平均客单价"},
    "orders_per_customer": {"en": "orders per customer", "zh": "人均订单数"},
    "median_days_since": {"en": "median days since last purchase",
                          "zh": "距上次购买天数(中位数)"},
    "top_categories": {"en": "top categories", "zh": "主要品类"},
    "top_channels": {"en": "top channels", "zh": "主要渠道"},
    "typical": {"en": "typical member", "zh": "典型特征"},
    "action": {"en": "recommended action", "zh": "建议行动"},
    "by": {"en": "Customers and revenue by {col}", "zh": "按{col}划分的客户与收入"},
    "age_band": {"en": "age band", "zh": "年龄段"},
    "sizes_title": {"en": "Segments: share of customers and of revenue",
                    "zh": "各细分群体的客户占比与收入占比"},
    "pareto_title": {"en": "Revenue concentration (Pareto curve)", "zh": "收入集中度(帕累托曲线)"},
    "pareto_x": {"en": "share of customers, largest spenders first",
                 "zh": "客户占比(按消费金额从高到低)"},
    "pareto_y": {"en": "cumulative share of revenue", "zh": "累计收入占比"},
    "pareto_note": {"en": "top {p:.0%} of customers make {r:.0%} of revenue",
                    "zh": "前 {p:.0%} 的客户贡献了 {r:.0%} 的收入"},
}

AGE_BINS = [0, 25, 35, 45, 55, 65, 200]
AGE_LABELS = ["<25", "25-34", "35-44", "45-54", "55-64", "65+"]


def age_bands(age: pd.Series) -> pd.Series:
    """Age in years to bands <25, 25-34, ..., 65+ (ordered categorical)."""
    return pd.cut(age.astype(float), AGE_BINS, right=False, labels=AGE_LABELS)


def customer_table(summary: pd.DataFrame, customers: pd.DataFrame | None = None,
                   **segments: pd.Series) -> pd.DataFrame:
    """Join the customer summary, attributes and segment labels into one table.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`custlib.value.summary.customer_summary` (index customer_id).
    customers : pandas.DataFrame, optional
        Prepared customers table; adds its attributes and an ``age_band`` column.
    **segments : pandas.Series
        Labels to add, e.g. ``rfm_segment=...``.

    Returns
    -------
    pandas.DataFrame
        One row per buying customer.
    """
    table = summary.copy()
    if customers is not None:
        require_columns(customers, ["customer_id"], "customer_table")
        attrs = customers.drop(columns=[c for c in ("source_row",) if c in customers])
        attrs = attrs.drop_duplicates("customer_id").set_index("customer_id")
        table = table.join(attrs, how="left")
        if "age" in table.columns:
            table["age_band"] = age_bands(table["age"])
    for name, series in segments.items():
        table[name] = series.reindex(table.index)
    return table


def attribute_breakdown(table: pd.DataFrame, by: str, *, segment: str | None = None,
                        lang: str = "en") -> pd.DataFrame:
    """Customers, revenue and average value by an attribute, with the segment mix.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`customer_table`.
    by : str
        The attribute (region, age_band, gender, customer_type, industry, ...).
    segment : str, optional
        A segment column whose mix (share of each segment) is added per row.
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Largest groups first; missing values grouped as '(unknown)'.
    """
    check_lang(lang)
    require_columns(table, [by, "total_revenue"], "attribute_breakdown")
    key = table[by].astype(object).where(table[by].notna(), "(unknown)")
    g = table.groupby(key, observed=True)
    out = pd.DataFrame({"customers": g.size(), "revenue": g["total_revenue"].sum()})
    out["customer_share"] = out["customers"] / out["customers"].sum()
    out["revenue_share"] = out["revenue"] / out["revenue"].sum()
    out["avg_value"] = out["revenue"] / out["customers"]
    out = out.sort_values("customers", ascending=False)
    if segment is not None:
        require_columns(table, [segment], "attribute_breakdown")
        mix = pd.crosstab(key, table[segment], normalize="index")
        out = out.join(mix)
    out.columns = [label(LABELS, c, lang) for c in out.columns]
    out.index.name = by
    return out


def _top(values: pd.Series, weights: pd.Series, n: int = 2) -> str:
    s = weights.groupby(values).sum().sort_values(ascending=False)
    total = s.sum()
    return ", ".join(f"{k} {v / total:.0%}" for k, v in s.head(n).items()) if total else ""


def profile_cards(table: pd.DataFrame, segment: str, *, transactions: pd.DataFrame | None = None,
                  guide: pd.DataFrame | None = None, attributes: tuple[str, ...] = (
                      "customer_type", "age_band", "gender", "region", "industry"),
                  lang: str = "en") -> pd.DataFrame:
    """The customer file: one profile card (a row) per segment.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`customer_table`, with the ``segment`` column.
    segment : str
        The segment column.
    transactions : pandas.DataFrame, optional
        Clean transactions, for the top categories and channels by revenue.
    guide : pandas.DataFrame, optional
        :func:`custlib.segments.schemes.segment_guide` of the scheme, for the action.
    attributes : tuple of str
        Attributes whose most common value describes the typical member.
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Index: segment; size, shares, average order value, orders per customer,
        median days since last purchase, top categories and channels, typical member,
        recommended action.
    """
    check_lang(lang)
    require_columns(table, [segment, "total_revenue", "n_orders", "avg_order_value",
                            "days_since_last_purchase"], "profile_cards")
    if table[segment].isna().all():
        raise ParameterError(f"profile_cards: column {segment!r} has no labels")
    g = table.groupby(segment, observed=True)
    cards = pd.DataFrame({
        "customers": g.size(),
        "customer_share": g.size() / len(table),
        "revenue_share": g["total_revenue"].sum() / table["total_revenue"].sum(),
        "avg_value": g["total_revenue"].mean(),
        "avg_order_value": g["total_revenue"].sum() / g["n_orders"].sum(),
        "orders_per_customer": g["n_orders"].mean(),
        "median_days_since": g["days_since_last_purchase"].median(),
    })
    if transactions is not None:
        seg_of = table[segment]
        tx = transactions.assign(_seg=transactions["customer_id"].map(seg_of))
        for col, name in (("category", "top_categories"), ("channel", "top_channels")):
            if col in tx.columns:
                cards[name] = pd.Series({k: _top(d[col], d["amount"]) for k, d in
                                         tx.groupby("_seg", observed=True)})
    present = [a for a in attributes if a in table.columns]
    if present:
        def typical(d: pd.DataFrame) -> str:
            bits = []
            for a in present:
                s = d[a].dropna()
                if len(s):
                    top = s.astype(str).value_counts(normalize=True)
                    bits.append(f"{top.index[0]} ({top.iloc[0]:.0%})")
            return "; ".join(bits)
        cards["typical"] = pd.Series({k: typical(d) for k, d in g})
    if guide is not None:
        cards["action"] = guide.set_index(guide.columns[0])[guide.columns[2]].reindex(
            cards.index.astype(str)).to_numpy()
    cards = cards.sort_values("revenue_share", ascending=False)
    cards.columns = [label(LABELS, c, lang) for c in cards.columns]
    return cards


def plot_breakdown(table: pd.DataFrame, by: str, *, lang: str = "en", currency: str = "",
                   top: int = 12, ax: Any = None) -> Any:
    """Bars of customers by an attribute, with revenue per customer as dots.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`customer_table`.
    by : str
    lang : {'en', 'zh'}
    currency : str
    top : int, default 12
        Largest groups shown.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from custlib.plots.theme import new_ax

    data = attribute_breakdown(table, by, lang="en").head(top)
    ax = new_ax(ax, (8, 3.8))
    names = [str(i) for i in data.index]
    ax.bar(names, data["customers"], color="#4C72B0")
    ax.set_ylabel(label(LABELS, "customers", lang))
    ax.tick_params(axis="x", rotation=30)
    right = ax.twinx()
    right.plot(names, data["revenue per customer"], "o", color="#C44E52")
    unit = f" ({currency})" if currency else ""
    right.set_ylabel(label(LABELS, "avg_value", lang) + unit, color="#C44E52")
    right.set_ylim(bottom=0)
    right.spines["right"].set_visible(True)
    col = label(LABELS, by, lang) if by in LABELS else by
    ax.set_title(label(LABELS, "by", lang).format(col=col))
    ax.right_ax = right
    return ax


def plot_segment_sizes(table: pd.DataFrame, segment: str, *, lang: str = "en",
                       ax: Any = None) -> Any:
    """Paired horizontal bars: each segment's share of customers and of revenue.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`customer_table`.
    segment : str
        The segment column (categorical order is kept).
    lang : {'en', 'zh'}
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.ticker import PercentFormatter

    from custlib.plots.theme import new_ax

    require_columns(table, [segment, "total_revenue"], "plot_segment_sizes")
    g = table.groupby(segment, observed=True)
    data = pd.DataFrame({label(LABELS, "customer_share", lang): g.size() / len(table),
                         label(LABELS, "revenue_share", lang):
                             g["total_revenue"].sum() / table["total_revenue"].sum()})
    ax = new_ax(ax, (8, 0.45 * len(data) + 1.5))
    data.iloc[::-1].plot.barh(ax=ax, color=["#4C72B0", "#DD8452"], width=0.8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("")
    ax.set_title(label(LABELS, "sizes_title", lang))
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_pareto(revenue: pd.Series, *, mark: float = 0.2, lang: str = "en",
                ax: Any = None) -> Any:
    """Cumulative share of revenue against share of customers, biggest first.

    Parameters
    ----------
    revenue : pandas.Series
        Revenue per customer.
    mark : float, default 0.2
        Share of customers to annotate ("top 20% make N% of revenue").
    lang : {'en', 'zh'}
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.ticker import PercentFormatter

    from custlib.plots.theme import new_ax

    r = np.sort(revenue.clip(lower=0).to_numpy(dtype=float))[::-1]
    if r.sum() <= 0:
        raise ParameterError("plot_pareto: revenue is zero for every customer")
    x = np.arange(1, len(r) + 1) / len(r)
    y = np.cumsum(r) / r.sum()
    ax = new_ax(ax, (5.5, 4))
    ax.plot(np.r_[0, x], np.r_[0, y], color="#4C72B0")
    ax.plot([0, 1], [0, 1], color="0.7", ls="--", lw=1)
    at = float(np.interp(mark, x, y))
    ax.plot([mark], [at], "o", color="#C44E52")
    ax.annotate(label(LABELS, "pareto_note", lang).format(p=mark, r=at), (mark, at),
                xytext=(10, -18), textcoords="offset points", fontsize=9)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(label(LABELS, "pareto_x", lang))
    ax.set_ylabel(label(LABELS, "pareto_y", lang))
    ax.set_title(label(LABELS, "pareto_title", lang))
    return ax


TRAITS: tuple[str, ...] = ("age_band", "gender", "occupation", "income_band")

#: Known customer attributes, in the order they are charted.
ATTRIBUTES: tuple[str, ...] = ("customer_type", "org_subtype", "industry", "company_size",
                               "ownership", "country", "region", "city", *TRAITS,
                               "acquisition_channel")

#: Columns of a customers table that are not attributes to chart.
NOT_ATTRIBUTES: frozenset[str] = frozenset({"customer_id", "source_row", "signup_date", "age"})


def attribute_columns(table: pd.DataFrame) -> list[str]:
    """The categorical customer attributes the table has data for.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`customer_table` (or a customers table).

    Returns
    -------
    list of str
        The known attributes (:data:`ATTRIBUTES`, in that order) with at least one value,
        then any other text column of the table that is not a summary, score or segment
        column; empty when the table has only ids and purchase figures.
    """
    def has_data(c: str) -> bool:
        return bool(table[c].notna().any())

    known = [c for c in ATTRIBUTES if c in table.columns and has_data(c)]
    extra = [c for c in table.columns
             if c not in known and c not in NOT_ATTRIBUTES and c not in ATTRIBUTES
             and not c.endswith(("_segment", "_code", "_tier")) and c not in _LABEL_COLUMNS
             and (pd.api.types.is_string_dtype(table[c]) or table[c].dtype == object)
             and not pd.api.types.is_datetime64_any_dtype(table[c]) and has_data(c)]
    return known + extra


# label columns notebook 02 adds to the customer table (never attributes)
_LABEL_COLUMNS = frozenset({"importance", "relationship", "cluster", "value_tier"})


def attribute_name(column: str, lang: str = "en") -> str:
    """An attribute column's name in words (the column key when it is not a known one)."""
    check_lang(lang)
    return label(TRAIT_LABELS, column, lang) if column in TRAIT_LABELS else column


def attributes_note(table: pd.DataFrame, lang: str = "en",
                    traits: tuple[str, ...] = TRAITS) -> str:
    """What the attribute charts of this run show and skip, in words ('' when nothing is skipped).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`customer_table`, built with a customers table.
    lang : {'en', 'zh'}
    traits : tuple of str
        The traits the customer analysis report asks for (age band, gender, occupation,
        income band); those the table lacks are named as skipped.

    Returns
    -------
    str
        Markdown in italics, or '' when every trait is there.
    """
    check_lang(lang)
    shown = attribute_columns(table)
    missing = [t for t in traits if t not in shown]
    if not missing:
        return ""
    sep, last = (("、", "和") if lang == "zh" else (", ", " or "))
    names = [attribute_name(t, lang) for t in missing]
    words = names[0] if len(names) == 1 else sep.join(names[:-1]) + last + names[-1]
    if not shown:
        if lang == "zh":
            return ("*客户属性表除客户编号外没有任何属性(地区、类型、年龄、性别等),"
                    "按属性划分客户的图表跳过。*")
        return ("*The customers table has no attribute besides the customer id (no region, type, "
                "age, gender, ...): the charts of customers by attribute are skipped.*")
    if any(t in shown for t in traits):  # some traits: those are charted, the rest named
        if lang == "zh":
            return f"*客户属性表中没有{words},相应图表跳过。*"
        return f"*The customers table has no {words}: those charts are skipped.*"
    have = sep.join(attribute_name(c, lang) for c in shown)
    if lang == "zh":
        return f"*客户属性表中没有{words},相应图表跳过;以下按现有属性作图:{have}。*"
    return (f"*The customers table has no {words}: those charts are skipped; charted "
            f"instead: {have}.*")


def charted_attributes(table: pd.DataFrame, traits: tuple[str, ...] = TRAITS) -> list[str]:
    """The attributes :func:`plot_traits` charts by default.

    The individual traits the customer analysis report asks for (age band, gender,
    occupation, income band) that the table has; when it has none of them, every attribute
    it has (:func:`attribute_columns`: region, city, customer type, ...).

    Parameters
    ----------
    table : pandas.DataFrame
    traits : tuple of str

    Returns
    -------
    list of str
    """
    present = [t for t in traits if t in table.columns and table[t].notna().any()]
    return present or attribute_columns(table)


def plot_traits(table: pd.DataFrame, traits: tuple[str, ...] | list[str] | None = None, *,
                lang: str = "en", top: int = 12, axes: Any = None) -> Any:
    """Customer attributes (charts the customer analysis report asks for): a bar chart each.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`customer_table`.
    traits : sequence of str, optional
        Attributes to chart; those missing from ``table`` are skipped. Default: the
        individual traits of the customer analysis report (:data:`TRAITS`: age band, gender,
        occupation, income band) that the table has; when it has none of them, every
        attribute it has (:func:`attribute_columns`: region, city, ...).
    lang : {'en', 'zh'}
    top : int, default 12
        Largest values shown per attribute; the rest are summed as 'other'.
    axes : array of matplotlib.axes.Axes, optional
        At least as many axes as traits present.

    Returns
    -------
    ndarray of matplotlib.axes.Axes
        One per attribute charted; empty (and no figure) when the table has none of them
        (:func:`attributes_note` says so in words).
    """
    import matplotlib.pyplot as plt

    check_lang(lang)
    if top < 1:
        raise ParameterError(f"plot_traits: top must be 1 or more, got {top}")
    wanted = charted_attributes(table) if traits is None else list(traits)
    present = [t for t in wanted if t in table.columns and table[t].notna().any()]
    if not present:
        return np.array([], dtype=object)
    if axes is None:
        cols = min(2, len(present))
        rows = (len(present) + cols - 1) // cols
        _, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.2 * rows),
                               layout="constrained", squeeze=False)
    flat = np.asarray(axes).ravel()
    other = {"en": "other", "zh": "其他"}[lang]
    for ax, trait in zip(flat, present):
        values = table[trait]
        ordered = isinstance(values.dtype, pd.CategoricalDtype)  # age bands keep their order
        counts = values.value_counts(sort=not ordered)
        if len(counts) > top:
            counts = values.value_counts()
            counts = pd.concat([counts.head(top), pd.Series({other: counts.iloc[top:].sum()})])
        ax.bar([str(i) for i in counts.index], counts.to_numpy(), color="#4C72B0")
        ax.set_title(attribute_name(trait, lang))
        ax.set_ylabel(label(LABELS, "customers", lang))
        ax.tick_params(axis="x", rotation=30)
    for ax in flat[len(present):]:
        ax.set_visible(False)
    return flat[:len(present)]


TRAIT_LABELS: dict[str, dict[str, str]] = {
    "age_band": {"en": "age band", "zh": "年龄段"},
    "gender": {"en": "gender", "zh": "性别"},
    "occupation": {"en": "occupation", "zh": "职业"},
    "income_band": {"en": "income band", "zh": "收入水平"},
    "region": {"en": "region", "zh": "地区"},
    "customer_type": {"en": "customer type", "zh": "客户类型"},
    "industry": {"en": "industry", "zh": "行业"},
    "company_size": {"en": "company size", "zh": "企业规模"},
    "org_subtype": {"en": "organisation type", "zh": "机构类型"},
    "ownership": {"en": "ownership", "zh": "所有制"},
    "country": {"en": "country", "zh": "国家"},
    "city": {"en": "city", "zh": "城市"},
    "acquisition_channel": {"en": "acquisition channel", "zh": "获客渠道"},
}
