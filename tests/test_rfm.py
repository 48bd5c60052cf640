"""RFM scores and the named segmentation schemes, on hand-made customers."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from custlib.errors import ParameterError
from custlib.segments.rfm import RFMScorer, rfm_scores
from custlib.segments.schemes import (
    GUIDE,
    RFM11_CODES,
    SCHEMES,
    importance_tiers,
    relationship_classes,
    rfm8_segments,
    rfm11_segments,
    segment_guide,
    value_tiers,
)


def summary(rows: dict[str, tuple]) -> pd.DataFrame:
    """rows: id -> (days_since_last_purchase, n_orders, total_revenue)."""
    df = pd.DataFrame.from_dict(rows, orient="index",
                                columns=["days_since_last_purchase", "n_orders",
                                         "total_revenue"])
    df["avg_order_value"] = df["total_revenue"] / df["n_orders"]
    return df


def test_quintile_scores_recent_is_high():
    s = summary({f"c{i}": (i * 10, 10 - i, 100 * (10 - i)) for i in range(10)})
    sc = rfm_scores(s)
    assert sc.loc["c0", "rfm_code"] == "555" and sc.loc["c9", "rfm_code"] == "111"
    assert sc["R"].value_counts().sort_index().tolist() == [2, 2, 2, 2, 2]
    assert (sc["rfm_score"] == sc["R"] + sc["F"] + sc["M"]).all()
    assert set(sc.attrs["edges"]) == {"R", "F", "M"}


def test_ties_share_a_score_and_everyone_is_scored():
    s = summary({f"c{i}": (30, 1 if i < 6 else i, 50.0) for i in range(10)})
    sc = rfm_scores(s)
    assert sc["F"].iloc[:6].nunique() == 1 and sc["F"].iloc[0] == 1
    assert sc["R"].nunique() == 1 and sc["M"].nunique() == 1
    assert sc[["R", "F", "M"]].notna().all().all()
    assert sc["F"].between(1, 5).all()


def test_scorer_follows_sklearn_conventions():
    s = summary({f"c{i}": (i, 10 - i, 10.0 * i) for i in range(10)})
    scorer = RFMScorer(bins=4)
    assert scorer.fit(s) is scorer
    assert len(scorer.edges_["R"]) == 3 and scorer.n_customers_ == 10
    new = summary({"x": (0, 100, 1e6), "y": (1e4, 0, 0.0)})
    out = scorer.transform(new)
    assert out.loc["x", "rfm_code"] == "444" and out.loc["y", "rfm_code"] == "111"
    with pytest.raises(ParameterError, match="not fitted"):
        RFMScorer().transform(s)
    with pytest.raises(ParameterError, match="'bins'"):
        RFMScorer(bins=1).fit(s)
    assert scorer.edges_table().shape == (3, 3)


def test_average_monetary_option():
    s = summary({"a": (1, 10, 100.0), "b": (1, 1, 50.0), "c": (1, 2, 60.0)})
    assert rfm_scores(s, bins=3, monetary="average").loc["b", "M"] == 3


def test_rfm11_partitions_all_125_codes():
    all_codes = ["".join(p) for p in itertools.product("12345", repeat=3)]
    listed = [c for codes in RFM11_CODES.values() for c in codes]
    assert sorted(listed) == sorted(all_codes) and len(listed) == 125
    assert len(RFM11_CODES) == 11


@pytest.mark.parametrize("code,name,zh", [("555", "Champions", "冠军客户"),
                                          ("512", "New", "新客户"),
                                          ("155", "Can't Lose Them", "不能失去的客户"),
                                          ("111", "Lost", "已流失客户"),
                                          ("343", "Need Attention", "需要关注客户")])
def test_rfm11_lookup(code, name, zh):
    scores = pd.DataFrame({"rfm_code": [code]})
    assert rfm11_segments(scores).iloc[0] == name
    assert rfm11_segments(scores, lang="zh").iloc[0] == zh


def test_rfm11_rejects_codes_outside_five_bins():
    with pytest.raises(ParameterError, match="'611'"):
        rfm11_segments(pd.DataFrame({"rfm_code": ["611"]}))


def test_rfm8_each_type_pinned():
    # means: days 50, orders 5, revenue 500 (hand-made so each customer sits clearly)
    s = summary({
        "value": (10, 9, 900), "develop": (10, 1, 900), "retain": (90, 9, 900),
        "winback": (90, 1, 900), "g_value": (10, 9, 100), "g_develop": (10, 1, 100),
        "g_retain": (90, 9, 100), "g_winback": (90, 1, 100),
    })
    zh = rfm8_segments(s, lang="zh")
    assert zh.to_dict() == {
        "value": "重要价值客户", "develop": "重要发展客户", "retain": "重要保持客户",
        "winback": "重要挽留客户", "g_value": "一般价值客户", "g_develop": "一般发展客户",
        "g_retain": "一般保持客户", "g_winback": "一般挽留客户"}
    en = rfm8_segments(s)
    assert en["retain"] == "Important retain" and en["develop"] == "Important develop"
    assert en.attrs["thresholds"]["days_since_last_purchase"] == 50


def test_rfm8_median_threshold():
    s = summary({"a": (1, 1, 10), "b": (2, 2, 20), "c": (300, 100, 10_000)})
    assert rfm8_segments(s, threshold="mean")["b"] == "General develop"
    assert rfm8_segments(s, threshold="median")["b"] == "Important value"
    with pytest.raises(ParameterError, match="'threshold'"):
        rfm8_segments(s, threshold="mode")


def test_value_tiers_pareto():
    rev = pd.Series({"a": 500.0, "b": 300.0, "c": 100.0, "d": 60.0, "e": 40.0, "f": 0.0})
    tiers = value_tiers(rev)
    # a (50%) and b (80%) make 80%; c brings 90%, d 96% -> d crosses 95% inside medium
    assert tiers.astype(str).to_dict() == {"a": "high", "b": "high", "c": "medium",
                                           "d": "medium", "e": "low", "f": "low"}
    assert value_tiers(rev, high_share=0.5).astype(str)["b"] == "medium"
    assert value_tiers(rev, lang="zh")["a"] == "高价值客户"
    tied = value_tiers(pd.Series({"a": 50.0, "b": 50.0, "c": 1.0}), high_share=0.4)
    assert tied["a"] == tied["b"] == "high"
    with pytest.raises(ParameterError):
        value_tiers(rev, high_share=0.9, medium_share=0.8)


def test_importance_tiers_with_registered_non_buyers():
    s = summary({"big": (5, 4, 5000.0), "one_small": (5, 1, 10.0), "one_big": (5, 1, 900.0),
                 "mid": (5, 3, 300.0)})
    tiers = importance_tiers(s, registered_ids=["big", "never1", "never2"])
    assert tiers.astype(str).to_dict() == {"big": "important", "one_small": "potential",
                                           "one_big": "general", "mid": "general",
                                           "never1": "potential", "never2": "potential"}
    assert importance_tiers(s, lang="zh")["big"] == "重要客户"


def test_relationship_classes():
    base = pd.Timestamp("2024-01-01")
    s = summary({"loyal": (10, 6, 600.0), "general": (20, 2, 100.0), "one": (15, 1, 50.0),
                 "gone": (400, 5, 500.0)})
    s["first_purchase"] = base
    s["last_purchase"] = base + pd.to_timedelta([300, 30, 0, 100], unit="D")
    rel = relationship_classes(s, registered_ids=["never"])
    assert rel.astype(str).to_dict() == {"loyal": "loyal", "general": "general",
                                         "one": "potential", "gone": "lost",
                                         "never": "potential"}
    assert rel.attrs["lost_after_days"] >= 90
    fixed = relationship_classes(s, lost_after_days=12)
    assert fixed.astype(str)["general"] == "lost"
    with pytest.raises(ParameterError):
        relationship_classes(s, lost_after_days=-1)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_label_has_both_languages_meaning_and_action(scheme):
    en, zh = segment_guide(scheme, "en"), segment_guide(scheme, "zh")
    assert len(en) == len(zh) == len(GUIDE[scheme])
    assert en.notna().all().all() and zh.notna().all().all()
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in v) for v in zh.iloc[:, 0])
    assert (en.iloc[:, 2].str.len() > 5).all()


def test_scores_on_real_summary_are_complete():
    from custlib.data.cleaning import clean_transactions
    from custlib.data.loading import load_transactions
    from custlib.value.summary import customer_summary

    tx = clean_transactions(load_transactions("demo"), observation_start="2022-01-01",
                            observation_end="2024-12-31").transactions
    s = customer_summary(tx)
    sc = rfm_scores(s)
    seg = rfm11_segments(sc)
    assert seg.notna().all() and seg.nunique() >= 8
    counts = np.bincount(sc["R"], minlength=6)[1:]
    assert counts.min() > 0.1 * len(s)  # R has few ties: roughly even quintiles


def test_fewer_customers_than_bins_still_scores_everyone():
    s = summary({"a": (1, 3, 30.0), "b": (9, 1, 10.0)})
    sc = rfm_scores(s)
    assert sc.loc["a", "rfm_code"] == "555" and sc.loc["b", "rfm_code"] == "111"


def test_all_identical_values_share_the_lowest_score():
    s = summary({f"c{i}": (7, 1, 20.0) for i in range(8)})
    sc = rfm_scores(s)
    assert set(sc["rfm_code"]) == {"111"}
    assert (rfm11_segments(sc) == "Lost").all()


def test_single_purchase_customers_only():
    base = pd.Timestamp("2024-01-01")
    s = summary({"a": (10, 1, 10.0), "b": (500, 1, 30.0)})
    s["first_purchase"] = s["last_purchase"] = base
    rel = relationship_classes(s)
    assert rel.attrs["lost_after_days"] == 365.0  # documented fallback without repeat buyers
    assert rel.astype(str).to_dict() == {"a": "potential", "b": "lost"}
    assert set(importance_tiers(s).astype(str)) <= {"potential", "general"}


def test_zero_and_negative_spend():
    rev = pd.Series({"a": 100.0, "b": 0.0, "c": -5.0})
    assert value_tiers(rev).astype(str).to_dict() == {"a": "high", "b": "low", "c": "low"}
    s = summary({"a": (1, 2, 100.0), "b": (2, 1, 0.0), "c": (3, 1, -5.0)})
    assert rfm_scores(s).loc["c", "M"] == 1


def test_rfm_heatmap_counts_customers():
    import matplotlib.pyplot as plt

    from custlib.plots.segments import plot_rfm_heatmap

    s = summary({f"c{i}": (i * 10, 10 - i, 100 * (10 - i)) for i in range(10)})
    ax = plot_rfm_heatmap(rfm_scores(s), s, currency="GBP")
    cells = [t.get_text() for t in ax.texts if t.get_text()]
    assert sum(int(t) for t in cells) == 10
    assert ax.get_ylabel().startswith("R score")
    plt.close("all")


def test_scorer_is_a_scikit_learn_transformer():
    from sklearn.base import clone

    scorer = RFMScorer(bins=4, monetary="average")
    assert scorer.get_params() == {"bins": 4, "monetary": "average"}
    copy = clone(scorer)
    assert copy is not scorer and copy.get_params() == scorer.get_params()
    s = summary({f"c{i}": (i * 10, 10 - i, 100 * (10 - i)) for i in range(10)})
    pd.testing.assert_frame_equal(RFMScorer().fit_transform(s), RFMScorer().fit(s).transform(s))
    with pytest.raises(ParameterError, match="not fitted"):
        RFMScorer().transform(s)
    with pytest.raises(ParameterError, match="not fitted"):
        RFMScorer().edges_table()
