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
strategies (retain, develop, win back, reduce cost).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from custlib.data.contract import require_columns
from custlib.errors import ParameterError, check_choice, format_list
from custlib.i18n import check_lang

__all__ = [
    "RFM11_CODES",
    "SCHEMES",
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

#: label key -> {en, zh, meaning_en, meaning_zh, action_en, action_zh}
GUIDE: dict[str, dict[str, dict[str, str]]] = {
    "rfm11": {
        "Champions": {"zh": "冠军客户",
                      "meaning_en": "bought recently, buy often and spend the most",
                      "meaning_zh": "最近购买、购买频繁且消费最多",
                      "action_en": "reward them; early access, referrals, no discounts needed",
                      "action_zh": "给予回馈:新品优先、推荐计划,无需打折"},
        "Loyal": {"zh": "忠诚客户", "meaning_en": "buy regularly and spend well",
                  "meaning_zh": "定期购买,消费良好",
                  "action_en": "retain: loyalty programme, upsell higher-value lines",
                  "action_zh": "保持:会员计划,向上销售高价值商品"},
        "Potential Loyalist": {"zh": "潜在忠诚客户",
                               "meaning_en": "recent customers with average frequency",
                               "meaning_zh": "近期客户,购买频率中等",
                               "action_en": "develop: membership offer, personal recommendations",
                               "action_zh": "发展:提供会员资格与个性化推荐"},
        "New": {"zh": "新客户", "meaning_en": "bought recently, for the first time or so",
                "meaning_zh": "最近首次(或刚开始)购买",
                "action_en": "onboard: welcome series, make the second purchase easy",
                "action_zh": "引导:欢迎流程,促成第二次购买"},
        "Promising": {"zh": "有潜力客户", "meaning_en": "recent buyers who spent well but rarely",
                      "meaning_zh": "近期购买且金额不错,但次数少",
                      "action_en": "develop: build the habit with relevant offers",
                      "action_zh": "发展:用相关优惠培养购买习惯"},
        "Need Attention": {"zh": "需要关注客户",
                           "meaning_en": "above average but slipping in recency",
                           "meaning_zh": "各项中等偏上,但最近购买在减少",
                           "action_en": "retain: limited-time offers based on past purchases",
                           "action_zh": "保持:基于历史购买的限时优惠"},
        "About to Sleep": {"zh": "即将沉睡客户", "meaning_en": "below average and fading",
                           "meaning_zh": "低于平均且逐渐沉寂",
                           "action_en": "reactivate cheaply: popular products, reminders",
                           "action_zh": "低成本激活:热门商品推荐、提醒"},
        "At Risk": {"zh": "有流失风险客户",
                    "meaning_en": "spent and bought often, but long ago",
                    "meaning_zh": "曾经消费多、购买频繁,但很久没来了",
                    "action_en": "win back: personal contact, strong offers, ask why",
                    "action_zh": "挽回:个人联系、有力优惠,了解原因"},
        "Can't Lose Them": {"zh": "不能失去的客户",
                            "meaning_en": "among the biggest spenders, not seen for a long time",
                            "meaning_zh": "曾是消费最多的客户之一,但很久未购买",
                            "action_en": "win back now: account manager call, tailored offer",
                            "action_zh": "立即挽回:客户经理致电,定制方案"},
        "Hibernating": {"zh": "休眠客户", "meaning_en": "low spend, low frequency, long ago",
                        "meaning_zh": "消费低、频率低,且很久未购买",
                        "action_en": "reduce cost: occasional low-cost campaigns only",
                        "action_zh": "降低成本:仅偶尔做低成本营销"},
        "Lost": {"zh": "已流失客户", "meaning_en": "lowest on every measure",
                 "meaning_zh": "各项指标最低",
                 "action_en": "let go, or one last win-back attempt",
                 "action_zh": "放弃,或做最后一次挽回尝试"},
    },
    "rfm8": {
        "Important value": {"zh": "重要价值客户",
                            "meaning_en": "recent, frequent, high spend",
                            "meaning_zh": "最近消费、频率高、金额高",
                            "action_en": "retain and reward: VIP service",
                            "action_zh": "重点保持并回馈:VIP服务"},
        "Important develop": {"zh": "重要发展客户",
                              "meaning_en": "recent, infrequent, high spend",
                              "meaning_zh": "最近消费、频率低、金额高",
                              "action_en": "develop: raise purchase frequency",
                              "action_zh": "重点发展:提高购买频率"},
        "Important retain": {"zh": "重要保持客户",
                             "meaning_en": "not recent, frequent, high spend",
                             "meaning_zh": "近期未消费、频率高、金额高",
                             "action_en": "retain: reach out before they drift away",
                             "action_zh": "重点保持:在其流失前主动联系"},
        "Important win-back": {"zh": "重要挽留客户",
                               "meaning_en": "not recent, infrequent, high spend",
                               "meaning_zh": "近期未消费、频率低、金额高",
                               "action_en": "win back: find out why they left",
                               "action_zh": "重点挽留:了解流失原因并挽回"},
        "General value": {"zh": "一般价值客户",
                          "meaning_en": "recent, frequent, low spend",
                          "meaning_zh": "最近消费、频率高、金额低",
                          "action_en": "upsell: raise basket value",
                          "action_zh": "向上销售:提高客单价"},
        "General develop": {"zh": "一般发展客户",
                            "meaning_en": "recent, infrequent, low spend",
                            "meaning_zh": "最近消费、频率低、金额低",
                            "action_en": "develop cheaply: automated nudges",
                            "action_zh": "低成本发展:自动化提醒"},
        "General retain": {"zh": "一般保持客户",
                           "meaning_en": "not recent, frequent, low spend",
                           "meaning_zh": "近期未消费、频率高、金额低",
                           "action_en": "retain cheaply: reminders, small incentives",
                           "action_zh": "低成本保持:提醒与小额激励"},
        "General win-back": {"zh": "一般挽留客户",
                             "meaning_en": "not recent, infrequent, low spend",
                             "meaning_zh": "近期未消费、频率低、金额低",
                             "action_en": "reduce cost: minimal marketing spend",
                             "action_zh": "降低成本:尽量减少营销投入"},
    },
    "value": {
        "high": {"zh": "高价值客户", "meaning_en": "the few customers who make most revenue",
                 "meaning_zh": "贡献大部分收入的少数客户",
                 "action_en": "protect: dedicated service, retention first",
                 "action_zh": "重点维护:专属服务,优先保留"},
        "medium": {"zh": "中价值客户", "meaning_en": "the next slice of revenue",
                   "meaning_zh": "贡献中间部分收入的客户",
                   "action_en": "grow: cross-sell and upsell",
                   "action_zh": "培育:交叉销售与向上销售"},
        "low": {"zh": "低价值客户", "meaning_en": "the long tail of small spenders",
                "meaning_zh": "消费较少的长尾客户",
                "action_en": "serve efficiently: low-cost channels",
                "action_zh": "高效服务:使用低成本渠道"},
    },
    "importance": {
        "important": {"zh": "重要客户",
                      "meaning_en": "high-value repeat buyers: an established relationship",
                      "meaning_zh": "高价值的重复购买客户:已建立良好合作关系",
                      "action_en": "retain: key-account care, loyalty rewards",
                      "action_zh": "保持:大客户维护、忠诚度回馈"},
        "general": {"zh": "一般客户", "meaning_en": "middling sales and loyalty",
                    "meaning_zh": "销售额和忠诚度处于中等水平",
                    "action_en": "develop: raise frequency and basket value",
                    "action_zh": "发展:提高购买频率和客单价"},
        "potential": {"zh": "潜在客户",
                      "meaning_en": "registered but never bought, or one small first purchase",
                      "meaning_zh": "已注册未购买,或仅有一次小额首购",
                      "action_en": "acquire: convert with a first or second purchase offer",
                      "action_zh": "开发:以首单或复购优惠促成转化"},
    },
    "relationship": {
        "loyal": {"zh": "忠诚客户", "meaning_en": "repeat buyers, still active, above median",
                  "meaning_zh": "仍活跃、购买次数高于中位数的重复购买客户",
                  "action_en": "retain and ask for referrals",
                  "action_zh": "保持关系并鼓励推荐"},
        "general": {"zh": "一般客户", "meaning_en": "active repeat buyers below the median",
                    "meaning_zh": "仍活跃、购买次数低于中位数的重复购买客户",
                    "action_en": "develop: cross-sell", "action_zh": "发展:交叉销售"},
        "potential": {"zh": "潜在客户",
                      "meaning_en": "active one-time buyers and registered non-buyers",
                      "meaning_zh": "仍活跃的一次性购买客户及已注册未购买客户",
                      "action_en": "convert: second-purchase offer",
                      "action_zh": "转化:复购优惠"},
        "lost": {"zh": "流失客户",
                 "meaning_en": "no purchase for longer than the lost threshold",
                 "meaning_zh": "超过流失阈值未购买",
                 "action_en": "win back the valuable ones, let the rest go",
                 "action_zh": "挽回有价值的客户,其余放弃"},
    },
}

SCHEMES: tuple[str, ...] = tuple(GUIDE)


def _label(scheme: str, key: str, lang: str) -> str:
    return key if lang == "en" else GUIDE[scheme][key]["zh"]


def _relabel(keys: pd.Series, scheme: str, lang: str) -> pd.Series:
    check_lang(lang)
    order = list(GUIDE[scheme])
    names = [_label(scheme, k, lang) for k in order]
    out = keys.map({k: _label(scheme, k, lang) for k in order})
    return out.astype(pd.CategoricalDtype(names, ordered=True))


def segment_guide(scheme: str, lang: str = "en") -> pd.DataFrame:
    """Labels of a scheme with their meaning and recommended action.

    Parameters
    ----------
    scheme : {'rfm11', 'rfm8', 'value', 'importance', 'relationship'}
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Columns segment, meaning, action (Chinese headings for zh).
    """
    check_choice("scheme", scheme, SCHEMES)
    check_lang(lang)
    rows = [(_label(scheme, k, lang), g[f"meaning_{lang}"], g[f"action_{lang}"])
            for k, g in GUIDE[scheme].items()]
    heads = ["segment", "meaning", "action"] if lang == "en" else ["客户类型", "含义", "建议行动"]
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
    t = {c: _threshold(summary[c], threshold) for c in cols}
    recent = summary["days_since_last_purchase"] <= t["days_since_last_purchase"]
    frequent = summary["n_orders"] >= t["n_orders"]
    high = summary["total_revenue"] >= t["total_revenue"]
    tier = np.where(high, "Important", "General")
    kind = np.select([recent & frequent, recent & ~frequent, ~recent & frequent],
                     ["value", "develop", "retain"], "win-back")
    keys = pd.Series([f"{a} {b}" for a, b in zip(tier, kind)], index=summary.index)
    out = _relabel(keys, "rfm8", lang).rename("segment")
    out.attrs["thresholds"] = t
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
