"""Named classification schemes of the Chinese customer analysis texts, in English and Chinese.

=================  =========================================================================
scheme             classes
=================  =========================================================================
``rfm11``          the widely used 11 RFM segments (Champions ... Lost), a lookup of all
                   125 R-F-M score codes
``rfm8``           the Chinese 8-type RFM practice (重要价值客户 ...), high/low R, F, M
                   against the mean or median
``value``          high / medium / low value by cumulative revenue share (Pareto)
``importance``     important / general / potential (the customer analysis report)
``relationship``   loyal / general / potential / lost (the texts on classification)
=================  =========================================================================

Every function returns labels in the language asked for; :func:`segment_guide` gives,
for each label, a one-line meaning and the recommended action drawn from the texts'
strategies (retain, develop, win back, reduce cost). The code knows each class by its
English name (:data:`GUIDE`); its name, meaning and action in every language are in the
catalog ``segments.yaml``, under ``scheme.<scheme>.<class>``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.errors import ParameterError, check_choice, format_list
from custlib.i18n import check_lang, t

__all__ = [
    "RFM11_CODES",
    "SCHEMES",
    "class_name",
    "importance_tiers",
    "relationship_classes",
    "rfm11_segments",
    "rfm8_segments",
    "segment_guide",
    "value_tiers",
]

RFM11_CODES: dict[str, tuple[str, ...]] = {
    "Champions": ("555", "554", "544", "545", "454", "455", "445"),
    "Loyal": ("543", "444", "435", "355", "354", "345", "344", "335"),
    "Potential Loyalist": ("553", "551", "552", "541", "542", "533", "532", "531", "452",
                           "451", "442", "441", "431", "453", "433", "432", "423", "353",
                           "352", "351", "342", "341", "333", "323"),
    "New": ("512", "511", "422", "421", "412", "411", "311"),
    "Promising": ("525", "524", "523", "522", "521", "515", "514", "513", "425", "424",
                  "413", "414", "415", "315", "314", "313"),
    "Need Attention": ("535", "534", "443", "434", "343", "334", "325", "324"),
    "About to Sleep": ("331", "321", "312", "221", "213", "231", "241", "251"),
    "At Risk": ("255", "254", "245", "244", "253", "252", "243", "242", "235", "234", "225",
                "224", "153", "152", "145", "143", "142", "135", "134", "133", "125", "124"),
    "Can't Lose Them": ("155", "154", "144", "214", "215", "115", "114", "113"),
    "Hibernating": ("332", "322", "233", "232", "223", "222", "132", "123", "122", "212",
                    "211"),
    "Lost": ("111", "112", "121", "131", "141", "151"),
}

#: scheme -> its classes, best first, by their English names (the keys of the catalog
#: ``segments.scheme.<scheme>.<class>``: ``name``, ``meaning`` and ``action`` in each language)
GUIDE: dict[str, tuple[str, ...]] = {
    "rfm11": tuple(RFM11_CODES),
    "rfm8": ("Important value", "Important develop", "Important retain", "Important win-back",
             "General value", "General develop", "General retain", "General win-back"),
    "value": ("high", "medium", "low"),
    "importance": ("important", "general", "potential"),
    "relationship": ("loyal", "general", "potential", "lost"),
}

SCHEMES: tuple[str, ...] = tuple(GUIDE)


def class_name(scheme: str, key: str, lang: str = "en") -> str:
    """The name of a class of ``scheme`` in ``lang`` (``key`` is its English name).

    Examples
    --------
    >>> class_name("rfm8", "Important value", "zh")
    '重要价值客户'
    """
    return t(f"segments.scheme.{scheme}.{key}.name", lang)


def _relabel(keys: pd.Series, scheme: str, lang: str) -> pd.Series:
    check_lang(lang)
    names = {k: class_name(scheme, k, lang) for k in GUIDE[scheme]}
    out = keys.map(names)
    return out.astype(pd.CategoricalDtype(list(names.values()), ordered=True))


def segment_guide(scheme: str, lang: str = "en") -> pd.DataFrame:
    """Labels of a scheme with their meaning and recommended action.

    Parameters
    ----------
    scheme : {'rfm11', 'rfm8', 'value', 'importance', 'relationship'}
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Columns segment, meaning, action (headings in ``lang``).
    """
    check_choice("scheme", scheme, SCHEMES)
    check_lang(lang)
    rows = [tuple(t(f"segments.scheme.{scheme}.{k}.{part}", lang)
                  for part in ("name", "meaning", "action")) for k in GUIDE[scheme]]
    heads = [t(f"segments.guide.{part}", lang) for part in ("segment", "meaning", "action")]
    return pd.DataFrame(rows, columns=heads)


def rfm11_segments(scores: pd.DataFrame, lang: str = "en") -> pd.Series:
    """The 11 named RFM segments, by lookup of the R-F-M code.

    Parameters
    ----------
    scores : pandas.DataFrame
        With ``rfm_code`` (from :func:`custlib.segments.rfm.rfm_scores`, 5 bins).
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.Series
        Ordered categorical, best segment first.
    """
    require_columns(scores, ["rfm_code"], "rfm11_segments")
    lookup = {code: name for name, codes in RFM11_CODES.items() for code in codes}
    unknown = sorted(set(scores["rfm_code"]) - set(lookup))
    if unknown:
        raise ParameterError(f"rfm11_segments needs 5-bin codes 111..555; got "
                             f"{format_list(unknown)}")
    return _relabel(scores["rfm_code"].map(lookup), "rfm11", lang).rename("segment")


def _threshold(values: pd.Series, threshold: str) -> float:
    check_choice("threshold", threshold, ("mean", "median"))
    return float(values.mean() if threshold == "mean" else values.median())


def rfm8_segments(summary: pd.DataFrame, *, threshold: str = "mean",
                  lang: str = "en") -> pd.Series:
    """The Chinese 8-type RFM scheme: high or low R, F and M against the mean or median.

    High R means *recent*: fewer days since the last purchase than the threshold.
    重要价值 = recent, frequent, high spend; 重要发展 = recent, infrequent, high spend;
    重要保持 = not recent, frequent, high spend; 重要挽留 = not recent, infrequent, high
    spend; the four 一般 types are the same with low spend. A value equal to the
    threshold counts as high for F and M, and as recent for R.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``days_since_last_purchase``, ``n_orders``, ``total_revenue``.
    threshold : {'mean', 'median'}, default 'mean'
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.Series
        Thresholds used are in ``attrs['thresholds']``.
    """
    cols = ["days_since_last_purchase", "n_orders", "total_revenue"]
    require_columns(summary, cols, "rfm8_segments")
    cut = {c: _threshold(summary[c], threshold) for c in cols}
    recent = summary["days_since_last_purchase"] <= cut["days_since_last_purchase"]
    frequent = summary["n_orders"] >= cut["n_orders"]
    high = summary["total_revenue"] >= cut["total_revenue"]
    tier = np.where(high, "Important", "General")
    kind = np.select([recent & frequent, recent & ~frequent, ~recent & frequent],
                     ["value", "develop", "retain"], "win-back")
    keys = pd.Series([f"{a} {b}" for a, b in zip(tier, kind)], index=summary.index)
    out = _relabel(keys, "rfm8", lang).rename("segment")
    out.attrs["thresholds"] = cut
    return out


def value_tiers(revenue: pd.Series, *, high_share: float = 0.8, medium_share: float = 0.95,
                lang: str = "en") -> pd.Series:
    """High / medium / low value by cumulative revenue share (Pareto).

    Customers are sorted by revenue, largest first. **High** is the smallest group of top
    customers that together make at least ``high_share`` of revenue (the customer who
    crosses the line is in); **medium** continues up to ``medium_share``; the rest
    (including zero and negative revenue) are **low**. Equal revenues at a boundary are
    kept together in the higher tier.

    Parameters
    ----------
    revenue : pandas.Series
        Revenue per customer.
    high_share, medium_share : float, default 0.8 and 0.95
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.Series
    """
    if not 0 < high_share < medium_share <= 1:
        raise ParameterError(f"parameters 'high_share' ({high_share}) and 'medium_share' "
                             f"({medium_share}) must satisfy 0 < high < medium <= 1")
    r = revenue.astype(float)
    total = r.clip(lower=0).sum()
    ordered = r.sort_values(ascending=False, kind="stable")
    before = ordered.clip(lower=0).cumsum().shift(fill_value=0.0) / (total or 1.0)
    keys = pd.Series(np.where(before < high_share, "high",
                              np.where(before < medium_share, "medium", "low")),
                     index=ordered.index)
    keys[ordered <= 0] = "low"
    # ties at a boundary follow the first customer with that revenue
    first_of_value = keys.groupby(ordered.values).transform("first")
    keys = first_of_value.reindex(r.index)
    return _relabel(keys, "value", lang).rename("value_tier")


def importance_tiers(summary: pd.DataFrame, *, registered_ids: Iterable[str] | None = None,
                     value_tier: pd.Series | None = None, potential_bar: float | None = None,
                     lang: str = "en") -> pd.Series:
    """Important / general / potential customers, as the customer analysis report has them.

    * **important**: high value tier (see :func:`value_tiers`) *and* more than one order;
    * **potential**: registered customers who never bought (ids in ``registered_ids``
      but not in ``summary``), and one-order customers whose revenue is below
      ``potential_bar`` (default: the median revenue of all buyers);
    * **general**: everyone else.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``n_orders`` and ``total_revenue`` per customer.
    registered_ids : iterable of str, optional
        Every registered customer (the customers table).
    value_tier : pandas.Series, optional
        English value tiers; computed with defaults when omitted.
    potential_bar : float, optional
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.Series
        One entry per buyer and per registered non-buyer.
    """
    require_columns(summary, ["n_orders", "total_revenue"], "importance_tiers")
    tier = value_tier if value_tier is not None else value_tiers(summary["total_revenue"])
    tier = tier.astype(str)
    bar = float(summary["total_revenue"].median()) if potential_bar is None else potential_bar
    keys = pd.Series("general", index=summary.index, dtype=object)
    keys[(tier.reindex(summary.index) == "high") & (summary["n_orders"] > 1)] = "important"
    keys[(summary["n_orders"] <= 1) & (summary["total_revenue"] < bar)] = "potential"
    if registered_ids is not None:
        never = pd.Index(pd.unique(pd.Series(list(registered_ids), dtype="str"))).difference(
            summary.index)
        keys = pd.concat([keys, pd.Series("potential", index=never, dtype=object)])
    out = _relabel(keys, "importance", lang).rename("importance")
    out.attrs["potential_bar"] = bar
    return out


def relationship_classes(summary: pd.DataFrame, *, lost_after_days: float | None = None,
                         registered_ids: Iterable[str] | None = None,
                         lang: str = "en") -> pd.Series:
    """Loyal / general / potential / lost.

    * **lost**: no purchase for more than ``lost_after_days``. Default, from the data:
      three times the median gap between purchases of repeat buyers (their usual
      rhythm), at least 90 days;
    * **loyal**: not lost, more than one order, and at least the median number of
      orders of repeat buyers;
    * **general**: not lost, repeat buyers below that median;
    * **potential**: not lost one-time buyers, and registered non-buyers.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``days_since_last_purchase``, ``n_orders``, ``first_purchase``,
        ``last_purchase``.
    lost_after_days : float, optional
    registered_ids : iterable of str, optional
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.Series
        The threshold used is in ``attrs['lost_after_days']``.
    """
    cols = ["days_since_last_purchase", "n_orders", "first_purchase", "last_purchase"]
    require_columns(summary, cols, "relationship_classes")
    repeat = summary["n_orders"] > 1
    if lost_after_days is None:
        span = (summary.loc[repeat, "last_purchase"] - summary.loc[repeat, "first_purchase"])
        gaps = span.dt.total_seconds() / 86400 / (summary.loc[repeat, "n_orders"] - 1)
        lost_after_days = max(90.0, 3 * float(gaps.median())) if len(gaps) else 365.0
    elif not lost_after_days > 0:
        raise ParameterError(f"parameter 'lost_after_days' is {lost_after_days!r}; expected "
                             "a positive number of days")
    lost = summary["days_since_last_purchase"] > lost_after_days
    median_orders = float(summary.loc[repeat, "n_orders"].median()) if repeat.any() else 2.0
    keys = pd.Series(np.select(
        [lost, repeat & (summary["n_orders"] >= median_orders), repeat],
        ["lost", "loyal", "general"], "potential"), index=summary.index)
    if registered_ids is not None:
        never = pd.Index(pd.unique(pd.Series(list(registered_ids), dtype="str"))).difference(
            summary.index)
        keys = pd.concat([keys, pd.Series("potential", index=never)])
    out = _relabel(keys, "relationship", lang).rename("relationship")
    out.attrs["lost_after_days"] = float(lost_after_days)
    return out
