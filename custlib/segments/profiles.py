"""Who is in each segment: attribute breakdowns and segment profile cards.

The Chinese texts on customer segmentation ask for the customer's file (客户档案): for each
segment its size, what it is worth, how it buys and who its members typically are, with
a recommended action; and for charts of customers by region and by trait (age, gender,
occupation, income): those are in :mod:`custlib.plots.segments`. Headings and attribute
names come from the catalog ``segments.yaml`` (``column.*``, ``attribute.*``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.data.engines.saved import SavedLines, is_saved_lines, quote
from custlib.data.ids import line_labels
from custlib.errors import ParameterError
from custlib.i18n import check_lang, label, labels, t

__all__ = ["age_bands", "attribute_breakdown", "attribute_columns", "attribute_name",
           "attributes_note", "charted_attributes", "customer_table", "profile_cards"]

AGE_BINS = [0, 25, 35, 45, 55, 65, 200]
AGE_LABELS = ["<25", "25-34", "35-44", "45-54", "55-64", "65+"]


def age_bands(age: pd.Series) -> pd.Series:
    """Age in years to bands <25, 25-34, ..., 65+ (ordered categorical)."""
    return pd.cut(age.astype(float), AGE_BINS, right=False, labels=AGE_LABELS)


def customer_table(summary: pd.DataFrame, customers: pd.DataFrame | None = None,
                   **segments: pd.Series | None) -> pd.DataFrame:
    """Join the customer summary, attributes and segment labels into one table.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`custlib.value.summary.customer_summary` (index customer_id).
    customers : pandas.DataFrame, optional
        Prepared customers table; adds its attributes and an ``age_band`` column.
    **segments : pandas.Series or None
        Labels to add, e.g. ``rfm_segment=...``; None leaves the column out.

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
        if series is not None:  # a scheme not computed (e.g. no clusters on a tiny base)
            table[name] = series.reindex(table.index)
    return table


def attribute_breakdown(table: pd.DataFrame, by: str, *, segment: str | None = None,
                        max_categories: int = 0, lang: str = "en") -> pd.DataFrame:
    """Customers, revenue and average value by an attribute, with the segment mix.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`customer_table`.
    by : str
        The attribute (region, age_band, gender, customer_type, industry, ...).
    segment : str, optional
        A segment column whose mix (share of each segment) is added per row.
    max_categories : int, default 0
        Most rows: the groups with most customers and one 'other' row pooling the rest
        (:func:`custlib.plots.categories.lump`); 0 keeps every group.
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Largest groups first ('other' last); missing values grouped as '(unknown)'.
    """
    check_lang(lang)
    out = breakdown(table, by, segment=segment, max_categories=max_categories, lang=lang)
    out.columns = [label("segments.column", c, lang) for c in out.columns]
    return out


def breakdown(table: pd.DataFrame, by: str, *, segment: str | None = None,
              max_categories: int = 0, lang: str = "en") -> pd.DataFrame:
    """Customers, revenue and average value by an attribute, under the columns' keys.

    :func:`attribute_breakdown` without the headings for people: ``customers``,
    ``revenue``, ``customer_share``, ``revenue_share``, ``avg_value``, then one column per
    segment when ``segment`` is given. With ``max_categories`` the smaller groups are
    pooled into one 'other' row before anything is computed, so its average value and
    segment mix are those of its customers.
    """
    from custlib.plots.categories import lump, other_label

    require_columns(table, [by, "total_revenue"], "attribute_breakdown")
    key = table[by].astype(object).where(table[by].notna(), "(unknown)")
    pooled = ""
    if max_categories:
        key = lump(key, max_categories, lang=lang)
        pooled = other_label(key.attrs["pooled"], lang) if key.attrs["pooled"] else ""
    g = table.groupby(key, observed=True)
    out = pd.DataFrame({"customers": g.size(), "revenue": g["total_revenue"].sum()})
    out["customer_share"] = out["customers"] / out["customers"].sum()
    out["revenue_share"] = out["revenue"] / out["revenue"].sum()
    out["avg_value"] = out["revenue"] / out["customers"]
    out = out.sort_values("customers", ascending=False, kind="stable")
    if pooled:
        out = pd.concat([out.drop(index=pooled), out.loc[[pooled]]])
    if segment is not None:
        require_columns(table, [segment], "attribute_breakdown")
        mix = pd.crosstab(key, table[segment], normalize="index")
        out = out.join(mix)
    out.index.name = by
    return out


def _top(values: pd.Series, weights: pd.Series, n: int = 2) -> str:
    s = weights.groupby(values).sum().sort_values(ascending=False)
    total = s.sum()
    return ", ".join(f"{k} {v / total:.0%}" for k, v in s.head(n).items()) if total else ""


def _top_of_saved_lines(lines: SavedLines, seg_of: pd.Series, column: str) -> pd.Series:
    """:func:`_top` per segment, of lines left on disk.

    The revenue per (segment, value) is summed by DuckDB (Kahan's sum in the lines'
    order); the top values are picked from it as from a frame's lines.
    """
    codes, segments = pd.factorize(seg_of)
    known = codes >= 0
    members = pd.DataFrame({"customer_id": pd.Index(seg_of.index[known]).astype(str),
                            "seg": codes[known].astype(np.int64)})
    per = lines.query(
        f"SELECT m.seg, l.{quote(column)} AS v, coalesce(fsum(l.amount ORDER BY l._row), 0.0)"
        " AS r FROM {lines} l JOIN members m ON CAST(l.customer_id AS VARCHAR) = m.customer_id"
        " GROUP BY ALL", tables={"members": members})
    out = {}
    for code in sorted(per["seg"].unique()):
        d = per[per["seg"] == code]
        d = d[d["v"].notna()].sort_values("v", kind="stable")  # as grouping by the values
        out[segments[code]] = _top(d["v"], d["r"])
    return pd.Series(out)  # as a frame's cards: text


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
    transactions : pandas.DataFrame or SavedLines, optional
        Clean transactions, for the top categories and channels by revenue (or the lines
        a run of the DuckDB engine leaves on disk, summed there).
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
    if transactions is not None and is_saved_lines(transactions):
        for col, name in (("category", "top_categories"), ("channel", "top_channels")):
            if col in transactions:
                cards[name] = _top_of_saved_lines(transactions, table[segment], col)
    elif transactions is not None:
        seg_of = table[segment]
        tx = transactions.assign(_seg=line_labels(transactions["customer_id"], seg_of))
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
    cards.columns = [label("segments.column", c, lang) for c in cards.columns]
    return cards


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
    """An attribute column's name in words (the column key when it is not a known one).

    Examples
    --------
    >>> attribute_name("age_band", "zh"), attribute_name("loyalty_club", "zh")
    ('年龄段', 'loyalty_club')
    """
    check_lang(lang)
    return labels("segments.attribute", lang).get(column, column)


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
    missing = [trait for trait in traits if trait not in shown]
    if not missing:
        return ""
    if not shown:
        return t("segments.note.no_attributes", lang)
    sep = t("segments.note.list_sep", lang)
    names = [attribute_name(trait, lang) for trait in missing]
    words = names[0] if len(names) == 1 else (sep.join(names[:-1])
                                              + t("segments.note.list_last", lang) + names[-1])
    if any(trait in shown for trait in traits):  # some traits: those are charted, the rest named
        return t("segments.note.missing", lang, missing=words)
    have = sep.join(attribute_name(c, lang) for c in shown)
    return t("segments.note.missing_instead", lang, missing=words, shown=have)


def charted_attributes(table: pd.DataFrame, traits: tuple[str, ...] = TRAITS) -> list[str]:
    """The attributes :func:`custlib.plots.segments.plot_traits` charts by default.

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
    present = [trait for trait in traits
               if trait in table.columns and table[trait].notna().any()]
    return present or attribute_columns(table)
