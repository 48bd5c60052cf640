"""Needs, competitors, SWOT rules, the canvas, KPIs, priorities, the HTML report and batch
runs."""

from __future__ import annotations

import logging
import re
import warnings
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from custlib import i18n
from custlib.data import loading as io
from custlib.errors import DataError, EmptyResultError, ParameterError
from custlib.plots import report as report_plots
from custlib.report import competitors, kpis, needs, priorities, sections, strategy
from custlib.report import document as report
from custlib.report.segment_report import segment_report

# --- needs and loyalty ------------------------------------------------------------------------


@pytest.fixture
def survey() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["a", "b", "c", "d", "e", "f"],
        "satisfaction": [5, 4, 1, 2, 5, 3],
        "recommend": [10, 9, 3, 6, 8, 7],
        "repurchase_intention": [5, 4, 1, 2, 5, 3],
        "top_need": ["price", "price", "price", "delivery", "quality", "delivery"],
        "complaint": [0, 0, 1, 0, 0, 1],
    })


def test_nps_by_hand(survey):
    table = needs.nps(survey, pd.Series({"a": "x", "b": "x", "c": "y", "d": "y", "e": "y",
                                         "f": "y"}))
    # promoters a, b (9-10); passives e, f (7-8); detractors c, d (0-6)
    assert table.loc["all", "nps"] == pytest.approx(0.0)
    assert table.loc["x", "nps"] == pytest.approx(100.0)
    assert table.loc["y", "nps"] == pytest.approx(100 * (0 - 2 / 4))
    assert needs.nps(None) is None and needs.nps(survey.drop(columns="recommend")) is None


def test_top_needs_by_importance_and_urgency(survey):
    ranked = needs.top_needs(survey)
    assert ranked.loc["price", "importance"] == pytest.approx(3 / 6)
    assert ranked.loc["price", "urgency"] == pytest.approx(1 / 3)   # c: satisfaction 1
    assert ranked.loc["delivery", "urgency"] == pytest.approx(1.0)  # d unhappy, f complained
    assert list(ranked.index) == ["delivery", "price", "quality"]   # 1/3 x 1 > 1/2 x 1/3
    assert needs.top_needs(None) is None


def test_preferences_and_price_sensitivity():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "b", "b"], "order_id": ["1", "1", "2", "3"],
        "product_id": ["p", "q", "p", "p"], "category": ["k", "t", "k", "k"],
        "unit_price": [10.0, 5.0, 8.0, 10.0], "quantity": [1.0, 2.0, 1.0, 1.0],
        "amount": [10.0, 10.0, 8.0, 10.0]})
    seg = pd.Series({"a": "s1", "b": "s2"})
    prefs = needs.preferences(tx, seg)
    assert prefs.loc["s1", "k"] == pytest.approx(0.5) and prefs.loc["s2", "k"] == 1.0
    assert np.allclose(prefs.sum(axis=1), 1.0)
    price = needs.price_sensitivity(tx, seg)
    # p's median price is 10; b's 8 is below 0.9 x 10: one low-price line of two
    assert price.loc["s2", "low_price_share"] == pytest.approx(0.5)
    assert price.loc["s2", "low_price_revenue_share"] == pytest.approx(8 / 18)
    assert price.loc["s1", "spend_per_order"] == 20.0
    no_product = needs.price_sensitivity(tx.drop(columns="product_id"), seg)
    assert no_product["low_price_share"].isna().all()
    assert no_product["spend_per_order"].notna().all()
    # one price per product (b's 8 raised to 10): no markdown to measure, not "0 % on price"
    one_price = needs.price_sensitivity(tx.assign(unit_price=[10.0, 5.0, 10.0, 10.0]), seg)
    assert one_price[["low_price_share", "low_price_revenue_share"]].isna().all().all()
    assert one_price.loc["s2", "spend_per_order"] == 9.0  # the rest still measured


def test_segment_tables_share_one_order_and_keep_unmatched_respondents(survey):
    seg = pd.Series({"a": "small", "b": "big", "c": "big", "d": "big", "e": "small"})
    scores = needs.nps(survey, seg)  # f answered the survey but has no segment
    assert list(scores.index) == ["all", "big", "small", needs.UNMATCHED]
    assert scores["respondents"].iloc[1:].sum() == scores.loc["all", "respondents"] == 6
    attitudes = needs.survey_by_segment(survey, seg)
    assert list(attitudes.index) == ["all", "big", "small", needs.UNMATCHED]
    assert attitudes.loc[needs.UNMATCHED, "complaint"] == 1.0
    shown = report.readable(attitudes, "zh")
    assert list(shown.index) == ["全部", "big", "small", "(未分群)"]
    assert list(shown.columns) == ["受访者", "满意度(1-5)", "复购意愿(1-5)", "投诉率"]
    dist = needs.satisfaction_distribution(survey)
    assert list(dist.index) == [1, 2, 3, 4, 5] and dist.index.name == "satisfaction"


def test_loyalty_measures_time_between_purchase_days():
    from custlib.value.summary import customer_summary

    tx = pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "c"],
        "order_id": ["1", "2", "3", "4", "5"],
        "order_date": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 17:00",
                                      "2024-01-31 10:00", "2024-01-05 12:00",
                                      "2024-01-09 12:00"]),
        "amount": [10.0, 5.0, 10.0, 7.0, 3.0]})
    summary = customer_summary(tx, observation_end="2024-02-29")
    out = needs.loyalty_by_segment(summary, pd.Series({"a": "x", "b": "y", "c": "y"}))
    # a: 3 orders on 2 days, 30 days apart (not 15: the same-day orders are one visit)
    assert out.loc["x", "median_days_between"] == pytest.approx(30 + 1 / 24, abs=0.01)
    assert out.loc["x", "repeat_rate"] == 1.0 and out.loc["y", "repeat_rate"] == 0.0
    assert np.isnan(out.loc["y", "median_days_between"])
    assert list(out.index) == ["y", "x"]  # the larger segment first


# --- competitors ------------------------------------------------------------------------------

def test_competitor_tables_and_plots():
    ctx = io.load_context("demo")
    table = competitors.competitor_table(ctx)
    assert table["us"].sum() == 1 and table.loc["MegaHome", "market_share"] == 0.24
    feats = competitors.feature_table(ctx)
    assert feats.shape == (5, 5) and feats.loc["Maison Premium", "quality"] == 5
    for call in (lambda ax: report_plots.plot_market_share(table, ax=ax),
                 lambda ax: report_plots.plot_features(feats, table, ax=ax),
                 lambda ax: report_plots.plot_prices(table, ax=ax),
                 lambda ax: report_plots.plot_positioning(table, "price", "quality", ax=ax)):
        fig, ax = plt.subplots()
        assert call(ax) is ax and ax.get_title()
        plt.close(fig)
    zh = report_plots.plot_positioning(competitors.competitor_table(io.load_context("demo", "zh")),
                                      "price", "quality", lang="zh")
    assert zh.get_xlabel() == "价格(1 = 低,5 = 高)" and zh.get_ylabel().startswith("质量")
    assert "暖家生活" in [t.get_text() for t in zh.texts]  # our name in the run's language
    ticks = report_plots.plot_features(feats, table, lang="zh").get_xticklabels()
    assert "线上体验" in [t.get_text() for t in ticks]
    plt.close("all")
    with pytest.raises(DataError, match="'speed' is not in the context file"):
        report_plots.plot_positioning(table, "speed", "quality")
    assert competitors.competitor_table({}) is None
    with pytest.raises(DataError, match="market_share 24"):
        competitors.competitor_table({"competitors": [{"name": "X", "market_share": 24}]})


# --- SWOT rules -------------------------------------------------------------------------------

def test_swot_rules_fire_on_hand_made_measurements():
    facts = strategy.swot_facts({"repeat_rate": 0.45, "nps": -12.0, "top10_share": 0.62,
                                 "cohort_trend": -0.2, "segment_growth": (0.3, "Champions"),
                                 "at_risk_share": 0.1, "satisfaction": None})
    got = dict(zip(facts["rule_key"], facts["quadrant"], strict=True))
    assert got == {"repeat_rate >= 0.4": "strengths", "nps <= 0": "weaknesses",
                   "top10_share >= 0.5": "threats", "cohort_trend <= -0.1": "threats",
                   "segment_growth >= 0.1": "opportunities"}
    items = " | ".join(facts["item"])
    assert "45% of all customers since the log began bought on two or more days" in items
    assert "Net Promoter Score of -12" in items
    assert "62% of revenue" in items and "20% less" in items
    assert "the Champions segment's customers spent 30% more in the last 6 months" in items
    assert (facts["source"] == "analysis").all()
    # the rule in words, never as code
    assert facts["rule"].tolist()[:2] == [
        "listed because the repeat-purchase rate over the whole log is at least 40%",
        "listed because the Net Promoter Score is at most 0"]
    assert "listed because the change in newer customers' first-3-month spend is at most -10%" \
        in facts["rule"].tolist()


def test_swot_rule_boundaries_and_zh():
    assert len(strategy.swot_facts({"repeat_rate": 0.40})) == 1      # >= is inclusive
    assert len(strategy.swot_facts({"repeat_rate": 0.3999})) == 0    # between the two rules
    assert strategy.swot_facts({"repeat_rate": 0.25})["quadrant"].tolist() == ["weaknesses"]
    assert strategy.swot_facts({}).empty
    zh = strategy.swot_facts({"repeat_rate": 0.5}, lang="zh")
    assert zh["item"].iloc[0] == "自日志开始以来 50% 的客户在两天或以上购买过(全周期复购率)"
    assert zh["rule"].iloc[0] == "列入原因:全周期复购率不低于 40%"


def test_swot_table_keeps_sources_apart_and_tows():
    ctx = io.load_context("demo")
    facts = strategy.swot_facts({"repeat_rate": 0.5})
    table = strategy.swot_table(ctx, facts)
    assert (table["source"] == "analyst").sum() == 12
    assert table.loc[table["source"] == "analysis", "quadrant"].tolist() == ["strengths"]
    assert list(table["quadrant"].unique()) == list(strategy.QUADRANTS)
    tows = strategy.tows_table(ctx)
    assert len(tows) == 4 and tows["strategy"].str.startswith(("SO", "WO", "ST", "WT")).all()
    assert tows["key"].tolist() == ["so", "wo", "st", "wt"]
    assert strategy.tows_table({}) is None


def test_canvas_blocks_mark_the_analysis():
    ctx = io.load_context("demo")
    blocks = strategy.canvas_blocks(ctx, {"key_metrics": ["repeat rate 78%"]})
    assert set(blocks) == set(strategy.CANVAS_BLOCKS)
    assert ("repeat rate 78%", "analysis") in blocks["key_metrics"]
    assert blocks["channels"][0] == ("Web shop", "analyst")


def _cells(html: str) -> list[tuple[str, str]]:
    """The grid cells of a report page: (class, heading)."""
    return re.findall(r'<div class="cell (\w+)"><h4>([^<]*)</h4>', html)


def test_swot_tows_and_canvas_are_grids_of_text_marked_by_source():
    ctx = io.load_context("demo")
    swot = strategy.swot_table(ctx, strategy.swot_facts({"repeat_rate": 0.5}))
    rep = report.Report("R").standard_section("swot").swot(swot)
    rep.tows(strategy.tows_table(ctx)).canvas(strategy.canvas_blocks(ctx, {"key_metrics": [
        "repeat-purchase rate (whole log) 50%"]}))
    html = rep.html()
    body = html[html.index("<body>"):]
    assert "<img" not in body  # text, not pictures
    assert _cells(body) == [
        ("strengths", "Strengths"), ("weaknesses", "Weaknesses"),
        ("opportunities", "Opportunities"), ("threats", "Threats"),
        ("so", "SO: use strengths to seize opportunities"),
        ("wo", "WO: overcome weaknesses by opportunities"),
        ("st", "ST: use strengths against threats"), ("wt", "WT: reduce weaknesses, avoid threats"),
        ("key_partners", "Key Partners"), ("key_activities", "Key Activities"),
        ("key_resources", "Key Resources"), ("value_propositions", "Value Propositions"),
        ("customer_relationships", "Customer Relationships"), ("channels", "Channels"),
        ("customer_segments", "Customer Segments"), ("cost_structure", "Cost Structure"),
        ("revenue_streams", "Revenue Streams"), ("key_metrics", "Key Metrics")]
    # the business's statement and the measured fact, each marked in words, the fact's why
    assert ('<div class="cell strengths"><h4>Strengths</h4><ul><li><span class="badge analyst">'
            'context file</span> Curated own-brand range with good quality for the price</li>'
            ) in body
    assert ('<li><span class="badge analysis">analysis</span> 50% of all customers since the log '
            'began bought on two or more days (repeat-purchase rate over the whole log)<span '
            'class="why">listed because the repeat-purchase rate over the whole log is at least '
            '40%</span></li></ul></div><div class="cell weaknesses">') in body
    assert ('<div class="cell threats"><h4>Threats</h4><ul><li><span class="badge analyst">'
            'context file</span> Marketplaces competing on price and next-day delivery</li>'
            ) in body
    assert ('<div class="cell wt"><h4>WT: reduce weaknesses, avoid threats</h4><ul><li><span '
            'class="badge analyst">context file</span> Shift budget from paid acquisition to '
            'retention of valuable customers</li></ul></div>') in body
    assert ('<span class="badge analysis">analysis</span> measured by the kit in this '
            'run&#39;s data, with its figure; <span class="badge analyst">context file</span> '
            'the business&#39;s own statement in the context file') in body
    # the canvas in three parts (a printed page may end between them): its nine blocks'
    # upper band, costs and revenues, key metrics
    assert re.findall(r'<div class="grid canvas (\w+)">', body) == ["upper", "lower", "metrics"]
    assert '<div class="grid canvas lower"><div class="cell cost_structure">' in body
    assert 'class="empty"' not in body
    # a canvas block badges each source once (narrow columns)
    assert ('<h4>Key Metrics</h4><div class="src"><span class="badge analyst">context file</span>'
            '<ul><li>Repeat-purchase rate</li><li>Customer lifetime value</li><li>Share of '
            'customers at risk</li></ul></div><div class="src"><span class="badge analysis">'
            'analysis</span><ul><li>repeat-purchase rate (whole log) 50%</li></ul></div>') in body
    # printed: every grid kept on one page, no text under 8 pt
    assert ".gw{break-inside:avoid;page-break-inside:avoid}" in html
    grid_rules = html[html.index(".gw{break-inside"):]
    sizes = [float(x) for x in re.findall(r"font-size:([\d.]+)pt", grid_rules)]
    assert sizes and min(sizes) >= 8
    # a phone: one column, the canvas's areas (with key metrics too) dropped
    assert ("{.swot,.tows,.canvas,.canvas.upper,.canvas.lower,.canvas.metrics"
            "{grid-template-columns:1fr;grid-template-areas:none}") in html


def test_swot_and_canvas_grids_in_chinese():
    ctx = io.load_context("demo", lang="zh")
    swot = strategy.swot_table(ctx, strategy.swot_facts({"repeat_rate": 0.5}, lang="zh"))
    rep = report.Report("客户分析报告", lang="zh").standard_section("swot").swot(swot)
    body = rep.tows(None).canvas(strategy.canvas_blocks(ctx)).html()
    assert [h for _, h in _cells(body)][:4] == ["优势 S", "劣势 W", "机会 O", "威胁 T"]
    assert ('<li><span class="badge analyst">业务背景</span> 自有品牌精选商品,质价比高</li>'
            in body)
    assert ('<li><span class="badge analysis">数据分析</span> 自日志开始以来 50% 的客户'
            '在两天或以上购买过(全周期复购率)<span class="why">列入原因:全周期复购率不低于 40%'
            '</span></li>') in body
    assert "<h3>商业模式画布</h3>" in body and "<h4>重要合作</h4>" in body
    assert ('<p class="note">无 TOWS 策略:业务背景文件中没有填写(tows:so、wo、st、wt)。</p>'
            in body)
    assert "本工具在本次运行的数据中测得,附数值" in body


def test_canvas_from_the_analysis_alone():
    table = pd.DataFrame({"seg": ["A", "A", "A", "B"], "clv": [10.0, 20.0, 30.0, 40.0],
                          "stage": ["loyal", "loyal", "at_risk", "churned"]},
                         index=list("abcd"))
    tx = pd.DataFrame({"customer_id": list("aabcd"), "amount": [50.0, 30.0, 10.0, 5.0, 5.0],
                       "channel": ["web", "store", "web", "web", "app"],
                       "category": ["Mugs", "Mugs", "Lamps", None, "Rugs"]})
    lines = strategy.canvas_analysis(table, "seg", tx, {"repeat_rate": 0.5, "top10_share": 0.4},
                                     currency="GBP")
    assert lines == {
        "customer_segments": ["A: 75% of customers (3), 60% of CLV",
                              "B: 25% of customers (1), 40% of CLV"],
        "channels": ["web: 65% of revenue", "store: 30% of revenue", "app: 5% of revenue"],
        "revenue_streams": ["Mugs: 84% of revenue", "Lamps: 11% of revenue",
                            "Rugs: 5% of revenue"],
        "customer_relationships": [
            "repeat-purchase rate, whole log 50%",
            "Loyal, 50% of buyers: Retention: loyalty rewards, referrals, early access",
            "At risk, 25% of buyers: Retention: personal contact, a reason to come back now",
            "Churned, 25% of buyers: Win-back for high value only; learn why they left"],
        "key_metrics": ["repeat-purchase rate, whole log 50%", "top-10% revenue share 40%",
                        "12-month CLV £100"]}
    # no category: the revenue streams are the channels
    assert strategy.canvas_analysis(table, "seg", tx.drop(columns="category"), {}
                                    )["revenue_streams"][0] == "web: 65% of revenue"
    blocks = strategy.canvas_blocks({}, lines)
    body = report.Report("R").standard_section("swot").canvas(blocks).html()
    assert ('<div class="cell customer_segments"><h4>Customer Segments</h4><div class="src">'
            '<span class="badge analysis">analysis</span><ul><li>A: 75% of customers (3), 60% '
            'of CLV</li><li>B: 25% of customers (1), 40% of CLV</li></ul></div></div>') in body
    assert ('<div class="cell key_partners"><h4>Key Partners</h4><p class="empty">not in the '
            'context file, and the data cannot tell</p></div>') in body
    assert body.count('<p class="empty">not in the context file') == 5
    assert ("list its items in the business-context file under <code>canvas:</code>: "
            "<code>key_partners</code>, <code>key_activities</code>, <code>key_resources</code>, "
            "<code>value_propositions</code>, <code>cost_structure</code>.</p>") in body
    assert 'class="badge analyst"' not in body  # the legend names only the sources shown
    with pytest.raises(ParameterError, match=r"\['partners'\] are not canvas blocks"):
        report.Report("R").standard_section("swot").canvas({"partners": []})
    with pytest.raises(ParameterError, match=r"\['risks'\] are not SWOT quadrants"):
        report.Report("R").standard_section("swot").swot(pd.DataFrame(
            {"quadrant": ["risks"], "item": ["x"], "source": ["analyst"]}))


# --- KPIs and priorities ----------------------------------------------------------------------

def test_kpis_against_the_previous_period():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "b", "a", "c", "c", "d"],
        "order_date": pd.to_datetime(["2023-01-15", "2023-03-01", "2023-06-01", "2024-02-01",
                                      "2024-03-01", "2024-04-01", "2024-05-01"]),
        "amount": [10.0, 10.0, 20.0, 30.0, 5.0, 5.0, 10.0]})
    k = kpis.kpis(tx, "2024-12-31", months=12)
    # each KPI named with its window (the log starts inside the previous period: 351 days)
    buyers, revenue, repeat = ("customers who bought, last 351 days", "revenue, last 351 days",
                               "repeat-purchase rate, last 351 days")
    assert list(k.index) == [buyers, revenue, repeat]
    assert k.loc[buyers, "value"] == 3 and k.loc[buyers, "previous"] == 2
    assert k.loc[revenue, "value"] == 50 and k.loc[revenue, "change"] == pytest.approx(0.25)
    assert k.loc[repeat, "value"] == pytest.approx(1 / 3)  # c bought twice
    assert k.loc[repeat, "change"] == pytest.approx(1 / 3 - 1 / 2)
    # a log that starts inside the previous period: nothing is compared with it
    late = kpis.kpis(tx[tx["order_date"] >= "2023-06-01"], "2024-12-31", months=12,
                     snapshots=pd.DataFrame({
                         "snapshot": pd.to_datetime(["2023-12-31"] * 2 + ["2024-12-31"] * 2),
                         "stage": ["active", "dormant", "active", "active"]}))
    assert late["previous"].isna().all() and late["change"].isna().all()
    assert late.loc["share at risk or dormant", "value"] == 0.0
    half = kpis.kpis(tx, "2024-12-31", months=6)
    assert half.loc["customers who bought, last 6 months", "value"] == 0  # none after 06-30
    rep = report.Report("R", lang="zh").kpis(kpis.kpis(tx, "2024-12-31", months=12,
                                                       lang="zh"), "GBP")
    text = rep.section("s", "S").html()
    # the log starts 14 days into the previous period: both compared over 351 days
    shown_period = "最近 351 天: 2024-01-16 – 2024-12-31 (数据从 2023-01-15 开始,上一期的前 14 天"
    assert shown_period in text and "£50" in text and "+25%" in text
    shown = kpis.format_kpis(k, "GBP")
    assert shown.loc[revenue].tolist() == ["£50", "£40", "+25%"]
    assert shown.loc[repeat, "change"] == "-16.7 pt"
    assert "复购率(最近 351 天)" in text  # the window in the name, in Chinese too
    zh = kpis.format_kpis(kpis.kpis(tx, "2024-12-31", months=12, lang="zh"), "GBP")
    assert zh.loc["复购率(最近 351 天)", "change"] == "-16.7 个百分点"


def test_the_value_card_shows_its_range_not_a_change():
    tx = pd.DataFrame({"customer_id": ["a", "b", "a"], "amount": [10.0, 5.0, 8.0],
                       "order_date": pd.to_datetime(["2023-01-05", "2024-02-01", "2024-03-01"])})
    clv = pd.Series([40_000.0, 25_477.0], index=["a", "b"])
    k = kpis.kpis(tx, "2024-12-31", clv=clv, clv_range=(51_923.4, 78_505.2))
    value = "predicted margin from today's customers, next 12 months"
    assert k.attrs["ranges"] == {value: (51_923.4, 78_505.2)}
    assert kpis.format_kpis(k, "GBP").loc[value].tolist() == [
        "£65,477", "—", "90% range £51,000–£79,000"]
    zh = kpis.kpis(tx, "2024-12-31", clv=clv, clv_range=(51_923.4, 78_505.2), lang="zh")
    assert kpis.format_kpis(zh, "GBP").iloc[-1]["change"] == "90% 区间 £51,000–£79,000"
    assert kpis.kpis(tx, "2024-12-31", clv=clv).attrs["ranges"] == {}  # no bootstrap: no range
    card = report.Report("R").kpis(k, "GBP").section("s", "S").html()
    assert '<div class="c">90% range £51,000–£79,000</div>' in card


def test_kpi_cards_are_coloured_by_what_the_change_means_for_the_business():
    from custlib.report.html import kpi_cards

    tx = pd.DataFrame({
        "customer_id": ["a", "b", "a", "c"],
        "order_date": pd.to_datetime(["2022-12-15", "2023-03-01", "2024-02-01", "2024-03-01"]),
        "amount": [10.0, 20.0, 40.0, 5.0]})
    snapshots = pd.DataFrame({
        "snapshot": pd.to_datetime(["2023-12-31"] * 4 + ["2024-12-31"] * 4),
        "stage": ["active", "active", "active", "dormant", "active", "dormant", "dormant",
                  "dormant"]})
    table = kpis.kpis(tx, "2024-12-31", snapshots=snapshots)
    tones = {c["name"]: (c["direction"], c["tone"])
             for c in kpi_cards(table, "GBP", "en")["cards"]}
    assert tones["revenue, last 12 months"] == ("up", "good")   # 20 -> 45
    assert tones["share at risk or dormant"] == ("up", "bad")   # 25% -> 75%: a rise is bad
    assert tones["repeat-purchase rate, last 12 months"] == ("", "")  # 50% -> 50%
    table.loc["share at risk or dormant", "change"] = -0.057
    cards = kpi_cards(table, "GBP", "en")["cards"]
    assert [(c["direction"], c["tone"]) for c in cards
            if c["name"] == "share at risk or dormant"] == [("down", "good")]
    html = report.Report("R").kpis(table, "GBP").section("s", "S").html()
    assert '<span class="down good">-5.7 pt</span>' in html


def _rfm_like() -> pd.DataFrame:
    """Five RFM-like segments: Lost is the largest, but worth little now."""
    segs = {"Champions": (10, 40.0, 0.95), "Loyal": (20, 15.0, 0.9), "New": (30, 8.0, 0.7),
            "At risk": (15, 6.0, 0.3), "Lost": (125, 0.5, 0.05)}
    rows = [(name, clv, p) for name, (n, clv, p) in segs.items() for _ in range(n)]
    table = pd.DataFrame(rows, columns=["rfm_segment", "clv", "p_alive"])
    table.index = [f"c{i}" for i in range(len(table))]
    return table


def test_segments_rank_by_the_value_at_stake_lost_last():
    table = _rfm_like()
    growth = pd.Series({"New": 40.23, "Lost": -1.0, "Champions": 0.1})
    out = priorities.segment_priorities(table, "rfm_segment", growth=growth)
    # value at stake = sum of CLV: Champions 400, Loyal 300, New 240, At risk 90, Lost 62.5
    assert list(out.index) == ["Champions", "Loyal", "New", "At risk", "Lost"]
    assert out["value_at_stake"].tolist() == [400.0, 300.0, 240.0, 90.0, 62.5]
    assert out.loc["Lost", "size"] == 0.625 and out.loc["Lost", "priority"] == 5
    assert out["stake_share"].sum() == pytest.approx(1.0)
    assert out["growth"].isna().all()          # RFM segments: growth is the definition
    assert out.attrs["value_measure"] == "clv"
    rule = priorities.priority_rule(out)
    assert rule.startswith("Segments are ranked by the value at stake: the margin their "
                           "customers are predicted to bring over the CLV horizon")
    assert rule.endswith("(New always grows, Lost always shrinks).")
    guide = pd.DataFrame({"segment": list(out.index), "action": list("abcde")})
    recs = priorities.recommendations(out, guide, currency="GBP")
    assert recs.loc[1, "why"] == ("5% of customers; 37% of the predicted margin: "
                                  "£400, £40 per customer; P(alive) 95% on average")
    assert "+4023%" not in " ".join(recs["why"]) and list(recs["action"]) == list("abcde")
    zh = priorities.recommendations(out, guide, lang="zh", currency="GBP")
    assert zh.loc[5, "why"] == "客户占比 62%; 占预测毛利的 6%:£62.50,人均 £0.50; 平均存活概率 5%"


def test_growth_is_shown_for_attribute_segments_and_ties_go_by_name():
    table = pd.DataFrame({"region": ["N", "N", "S", "S", "W"],
                          "clv": [5.0, 5.0, 4.0, 6.0, 10.0]}, index=list("abcde"))
    growth = pd.Series({"N": 0.25, "S": -0.1, "W": np.nan})
    out = priorities.segment_priorities(table, "region", growth=growth)
    assert list(out.index) == ["N", "S", "W"]              # 10 each: by name
    assert out["growth"].tolist()[:2] == [0.25, -0.1]
    assert "no_growth" not in priorities.priority_rule(out)
    assert priorities.priority_rule(out).endswith("always ranks higher.")
    guide = pd.DataFrame({"segment": ["N"], "action": ["go"]})
    recs = priorities.recommendations(out, guide)
    assert recs.loc[1, "why"].endswith("its customers' revenue +25% in the last 6 months "
                                       "against the 6 before")


def test_without_clv_the_last_12_months_revenue_ranks():
    table = pd.DataFrame({"seg": ["old", "old", "now"], "total_revenue": [900.0, 900.0, 50.0]},
                         index=["a", "b", "c"])
    tx = pd.DataFrame({"customer_id": ["a", "b", "c", "c"],
                       "order_date": pd.to_datetime(["2020-01-01", "2020-02-01",
                                                     "2024-03-01", "2024-05-01"]),
                       "amount": [900.0, 900.0, 20.0, 30.0]})
    out = priorities.segment_priorities(table, "seg", transactions=tx,
                                        observation_end="2024-06-30")
    assert list(out.index) == ["now", "old"] and out["value_at_stake"].tolist() == [50.0, 0.0]
    assert out.attrs["value_measure"] == "recent_revenue"
    assert "last 12 months" in priorities.priority_rule(out, lang="en")
    by_total = priorities.segment_priorities(table, "seg")
    assert list(by_total.index) == ["old", "now"]


# --- the HTML report --------------------------------------------------------------------------

def test_report_escapes_yaml_text(tmp_path):
    evil = {"company": {"description": "<script>alert('x')</script> & <b>bold</b>"},
            "analysis": {"purpose": "<img src=x onerror=alert(1)>"}}
    rep = report.Report("T <script>", lang="en")
    rep.standard_section("introduction")
    sections.add_introduction(rep, evil)
    rep.table(pd.DataFrame({"a<b>": ["<script>x</script>"]}, index=["<i>"]))
    text = rep.write(tmp_path / "r.html", pdf=False)[0].read_text(encoding="utf-8")
    assert "<script" not in text and "<img" not in text and "<b>bold" not in text
    assert "&lt;script&gt;alert(" in text and "&lt;img src=x" in text


def test_report_tables_have_readable_headings_in_the_run_language():
    loyal = pd.DataFrame({"customers": [3], "repeat_rate": [0.5], "median_days_between": [30.0]},
                         index=pd.Index(["all"], name="segment"))
    en = report.Report("R", lang="en").section("s", "S").table(loyal, "loyalty",
                                                               percent=("repeat_rate",))
    text = en.html()
    assert "repeat-purchase rate" in text and "repeat_rate" not in text and ">50%<" in text
    assert "<caption>Repeat purchasing by segment</caption>" in text
    assert "median days between purchases" in text
    zh = report.Report("R", lang="zh").section("s", "S").table(loyal, "loyalty",
                                                               percent=("repeat_rate",))
    text = zh.html()
    assert "复购率" in text and "细分群体" in text and "全部" in text and ">50%<" in text
    assert "<caption>各细分群体的重复购买</caption>" in text
    assert report.share_columns(pd.DataFrame(columns=["客户占比", "mean CLV", "share of revenue"])
                                ) == ("客户占比", "share of revenue")


def test_segment_report_has_growth_and_money_in_the_currency():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "b", "b"],
        "order_date": pd.to_datetime(["2024-03-01", "2024-09-01", "2024-10-01", "2024-11-01"]),
        "amount": [100.0, 150.0, 20.0, 30.0]})
    table = pd.DataFrame({"seg": ["x", "y"], "total_revenue": [250.0, 50.0]},
                         index=pd.Index(["a", "b"], name="customer_id"))
    recs = pd.DataFrame({"segment": ["x"], "why": ["w"], "action": ["act"]},
                        index=pd.Index([1], name="priority"))
    rep = segment_report(recs, table, "seg", tx, currency="GBP", observation_end="2024-12-31")
    text = rep.html()
    assert "revenue in the last 6 months £150, against £100 in the 6 before (+50%)" in text
    assert "buyers in the last 6 months 1, against 1 in the 6 before (0%)" in text
    zh = segment_report(recs, table, "seg", tx, currency="GBP", lang="zh",
                        observation_end="2024-12-31").html()
    assert "近 6 个月收入 £150,此前 6 个月 £100(+50%)" in zh


def test_segment_report_opens_with_a_summary_in_words(tmp_path):
    tx = pd.DataFrame({"customer_id": ["a", "b", "c"],
                       "order_date": pd.to_datetime(["2024-03-01"] * 3),
                       "amount": [100.0, 150.0, 20.0]})
    table = pd.DataFrame({"seg": ["x", "x", "y"], "total_revenue": [100.0, 150.0, 20.0],
                          "clv": [10.0, 5.0, 45.0]},
                         index=pd.Index(["a", "b", "c"], name="customer_id"))
    recs = pd.DataFrame({"segment": ["y", "x"], "why": ["w", "v"],
                         "action": ["Win them back.", "Reward them."]},
                        index=pd.Index([1, 2], name="priority"))
    cards = pd.DataFrame({"客户数": [1], "主要渠道": ["web 46%, sales team 18%"],
                          "典型特征": ["individual (65%); London (19%)"]},
                         index=pd.Index(["y"], name="seg"))
    cards.to_csv(tmp_path / "cards.csv", encoding="utf-8-sig")
    rep = segment_report(recs, table, "seg", tx, observation_end="2024-12-31")
    assert rep.sections[0]["title"] == "Summary"
    assert [b[1] for b in rep.sections[0]["blocks"]] == [[
        "2 segments, 3 customers; this report describes the 2 to act on first.",
        "The largest is x: 2 customers (67% of all).",
        "The most valuable is y: 75% of the predicted value.",
        "What to do first: y. Win them back."]]
    names = {"web": "网店", "sales team": "销售团队", "individual": "个人", "London": "伦敦"}
    zh = segment_report(recs, table.drop(columns="clv"), "seg", tx, lang="zh",
                        cards_file=tmp_path / "cards.csv", labels=names)
    assert zh.sections[0]["blocks"][0][1] == [
        "共 2 个细分群体、3 位客户;本报告介绍最应优先行动的 2 个。",
        "规模最大的是x:2 位客户(占 67%)。",
        "价值最高的是x:占历史收入的 93%。",
        "首先行动:y。Win them back."]
    text = zh.html()
    assert "主要渠道: 网店 46%, 销售团队 18%" in text and "典型特征: 个人 (65%); 伦敦 (19%)" in text
    printed = text[text.index("@media print"):]
    assert "section#segment-overview{break-before:auto}" in printed  # on the title's page


def test_zh_report_has_chinese_text_real_glyphs_and_an_embedded_font(tmp_path, caplog):
    i18n.setup_matplotlib("zh")
    ctx = io.load_context("demo")
    table = competitors.competitor_table(ctx)
    swot = strategy.swot_table(ctx, strategy.swot_facts({"repeat_rate": 0.5}, lang="zh"))
    rep = report.Report("客户分析报告", lang="zh")
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        rep.standard_section("swot").swot(swot).canvas(strategy.canvas_blocks(ctx, {}))
        rep.standard_section("competitors").figure(
            report_plots.plot_features(competitors.feature_table(ctx), table, lang="zh"))
        rep.text("复购率 **50%**")
        path = rep.write(tmp_path / "zh.html", pdf=False)[0]
    plt.close("all")
    i18n.setup_matplotlib("en")
    glyph = [w for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)]
    assert not glyph, glyph[0].message if glyph else ""
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]
    text = path.read_text(encoding="utf-8")
    assert "七、SWOT 分析" in text and "复购率" in text and 'lang="zh-CN"' in text
    assert "@font-face" in text and "data:font/woff;base64," in text
    # TrueType outlines: MuPDF drew CFF ones (CID-keyed in Noto Sans CJK) with wrong glyphs
    from fontTools.ttLib import TTFont

    font = TTFont(io_bytes(re.search(r"data:font/woff;base64,([A-Za-z0-9+/=]+)", text)))
    assert "glyf" in font and "CFF " not in font and font.sfntVersion == "\x00\x01\x00\x00"
    original = TTFont(i18n.cjk_font_path(), lazy=True)
    for ch in "复购率":
        name, first = font.getBestCmap()[ord(ch)], original.getBestCmap()[ord(ch)]
        assert font["hmtx"][name][0] == original["hmtx"][first][0]  # same advance width
        assert font["glyf"][name].numberOfContours > 0  # drawn, not empty


def io_bytes(match: re.Match[str] | None) -> Any:
    """The bytes of a base64 match, as a file."""
    import base64
    import io as _io

    assert match is not None
    return _io.BytesIO(base64.b64decode(match.group(1)))


@pytest.mark.fullrun  # a Chinese PDF printed (5 s): in make test-full; the demo run prints one
def test_pdf_with_chinese_text_when_an_engine_is_installed(tmp_path):
    """The dev install has WeasyPrint (the ``pdf`` extra): the zh report prints to PDF with
    its Chinese text as text (embedded font, extractable), figures included."""
    from pypdf import PdfReader

    rep = report.Report("客户分析报告", lang="zh")
    rep.standard_section("loyalty").text("复购率 **56%**,净推荐值 -15")
    rep.table(pd.DataFrame({"repeat_rate": [0.56]}, index=pd.Index(["all"], name="segment")),
              percent=("repeat_rate",))
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    rep.figure(ax)
    plt.close(fig)
    written = rep.write(tmp_path / "r.html")
    assert [p.suffix for p in written] == [".html", ".pdf"]
    pdf = PdfReader(written[1])
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "客户分析报告" in text and "五、客户忠诚度分析" in text and "复购率" in text
    assert "全部" in text and "56%" in text
    assert any(page.images for page in pdf.pages)  # the figure
    assert "PDF written too" in sections.pdf_note(written)
    assert rep.write(tmp_path / "no.html", pdf=False) == [tmp_path / "no.html"]


#: The analysis's canvas lines of the demo run (notebook 05), to print the grids at full size.
DEMO_CANVAS = {
    "customer_segments": ["Champions: 13% of customers (419), 67% of CLV",
                          "Promising: 7% of customers (247), 8% of CLV",
                          "New: 13% of customers (426), 8% of CLV"],
    "channels": ["web: 45% of revenue", "store: 18% of revenue", "phone: 16% of revenue",
                 "sales team: 13% of revenue"],
    "revenue_streams": ["Office: 21% of revenue", "Textiles: 18% of revenue",
                        "Storage: 15% of revenue", "Tableware: 13% of revenue"],
    "customer_relationships": [
        "repeat-purchase rate over the whole log 78%",
        "New, 6% of buyers: Onboarding: welcome series, prompt the second purchase",
        "Dormant, 19% of buyers: Win-back: reminders and targeted offers",
        "Churned, 67% of buyers: Win-back for high value only; learn why they left"],
    "key_metrics": ["repeat-purchase rate (whole log) 78%", "top-10% revenue share 65%",
                    "at risk 21%", "NPS -15", "12-month CLV £65,477"]}


@pytest.mark.fullrun  # two PDFs printed (10 s): in make test-full
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_printed_grids_are_legible_and_split_only_between_rows(tmp_path, lang):
    """The demo's SWOT, TOWS and canvas printed by WeasyPrint: no text under 8 pt; a page
    may end between the SWOT's two rows or the canvas's bands, never inside a row or band
    (the first items of a row's two cells, of the canvas's first and last upper block, on
    one page)."""
    import math

    from pypdf import PdfReader

    ctx = io.load_context("demo", lang=lang)
    facts = strategy.swot_facts({"repeat_rate": 0.78, "nps": -15.0, "at_risk_share": 0.21,
                                 "top10_share": 0.65, "reactivated_revenue_share": 0.13},
                                lang=lang)
    rep = report.Report("R", lang=lang).standard_section("swot")
    rep.swot(strategy.swot_table(ctx, facts)).tows(strategy.tows_table(ctx, lang=lang))
    rep.canvas(strategy.canvas_blocks(ctx, DEMO_CANVAS))
    pdf = PdfReader(rep.write(tmp_path / "grids.html")[1])
    pages = []
    for page in pdf.pages:
        sizes: list[float] = []

        def visit(text, cm, tm, font, size, sizes=sizes):
            if text.strip():
                sizes.append(size * math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1]))

        pages.append(" ".join(page.extract_text(visitor_text=visit).split()))
        assert not sizes or min(sizes) >= 7.95, (len(pages), min(sizes))

    def page_of(text: str) -> int:
        return next(i for i, p in enumerate(pages) if text in p)

    en = (("Curated", "manufacturers"), ("Online experience", "Urban households"))
    zh = (("自有品牌精选商品", "自有品牌制造商"), ("线上体验落后", "25-55 岁城市家庭"))
    first, last = en if lang == "en" else zh
    assert page_of(first[0]) == page_of(last[0])  # strengths beside weaknesses
    assert page_of(first[1]) == page_of(last[1])  # the canvas's upper band on one page


def test_report_structure_and_kpi_cards(tmp_path):
    rep = report.Report("R", lang="en")
    k = pd.DataFrame({"value": [10.0, 0.5], "previous": [8.0, 0.4], "change": [0.25, 0.1]},
                     index=["customers who bought", "repeat-purchase rate"])
    k.attrs["shares"] = ["repeat-purchase rate"]
    k.loc["revenue"] = [1234.5, float("nan"), float("nan")]
    k.attrs["money"] = ["revenue"]
    rep.kpis(k, "GBP")
    for key in report.SECTIONS:
        rep.standard_section(key).text(f"content of {key}")
    html = rep.html()
    assert html.count("<h2>") == 8 and "+25%" in html and "+10.0 pt" in html
    assert '<div class="v">£1,234</div><div class="c">—</div>' in html
    assert "@font-face" not in html  # no CJK, no font embedded
    with pytest.raises(ParameterError, match="exists already"):
        rep.standard_section("swot")
    assert "8 section(s)" in repr(rep)


# --- batch runs -------------------------------------------------------------------------------

@pytest.mark.fullrun
def test_batch_run_one_report_per_group_and_an_index(tmp_path, make_notebook):
    from custlib.run.batch import run_each

    nbs = tmp_path / "nbs"
    nbs.mkdir()
    make_notebook(nbs / "01_report.ipynb",
              'run_name: str = "x"  # run\nreports_dir: str = ""  # where\n'
              'transactions: str = "demo"  # log\nreport_scope: str = ""  # scope',
              "from custlib.run.config import run_folder\nfrom custlib.data import loading as io\n"
              "rf = run_folder(run_name, reports_dir)\n"
              "tx = io.load_transactions(transactions)\n"
              "assert 'app' not in report_scope, 'boom in the app group'\n"
              "(rf.root / 'report.html').write_text(f'{report_scope}: {len(tx)} lines')\n"
              "if 'web' in report_scope:\n"
              "    (rf.root / 'report.pdf').write_bytes(b'%PDF')")
    result = run_each({"transactions": "demo"}, "channel", run_name="batch",
                      reports_dir=tmp_path / "rep", notebooks_dir=nbs, html_output=False,
                      min_rows=1200, workers=2)
    raw = io.load_transactions("demo")
    big = raw["channel"].value_counts()
    assert sorted(g.value for g in result.groups) == sorted(big[big >= 1200].index)
    assert "sales team" not in {g.value for g in result.groups}  # 1,191 lines
    for g in result.groups:
        if g.value == "app":
            assert g.status == "failed" and "boom in the app group" in g.error
            continue
        assert g.status == "ok"
        assert (tmp_path / "rep" / "batch" / g.slug / "report.html").read_text() == \
            f"channel: {g.value}: {big[g.value]} lines"
    assert [g.value for g in result.failed] == ["app"]
    index = result.index.read_text(encoding="utf-8")
    assert index.count('/report.html">') == len(result.groups) - 1
    assert index.count('/report.pdf">PDF</a>') == 1 and 'href="web/report.pdf"' in index
    assert "boom in the app group" in index and "Left out" in index
    batch = tmp_path / "rep" / "batch"  # the groups' folders and the index, nothing else
    assert sorted(p.name for p in batch.iterdir()) == sorted(
        [g.slug for g in result.groups] + ["index.html"])
    with pytest.raises(ParameterError, match="not a column"):
        run_each({"transactions": "demo"}, "colour", reports_dir=tmp_path / "rep",
                 notebooks_dir=nbs)


@pytest.mark.fullrun
def test_batch_after_a_run_in_the_same_process_does_not_hang(tmp_path, make_notebook):
    """A notebook run leaves jupyter's event-loop thread behind; group processes forked
    from it would wait for that thread forever. They are spawned, so the batch ends."""
    import subprocess
    import sys
    import textwrap

    nbs = tmp_path / "nbs"
    nbs.mkdir()
    make_notebook(nbs / "01_report.ipynb",
              'run_name: str = "x"  # run\nreports_dir: str = ""  # where\n'
              'transactions: str = "demo"  # log\nreport_scope: str = ""  # scope',
              "from custlib.run.config import run_folder\n"
              "rf = run_folder(run_name, reports_dir)\n"
              "(rf.root / 'report.html').write_text(report_scope)")
    script = textwrap.dedent(f"""
        from custlib.run.batch import run_each
        from custlib.run.runner import run
        run({{"transactions": "demo"}}, run_name="first", reports_dir={str(tmp_path)!r},
            notebooks_dir={str(nbs)!r}, html_output=False, progress=False)
        result = run_each({{"transactions": "demo"}}, "channel", run_name="batch",
                          reports_dir={str(tmp_path)!r}, notebooks_dir={str(nbs)!r},
                          html_output=False, min_rows=1200, workers=2)
        print(sorted(g.status for g in result.groups))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "['ok', 'ok', 'ok', 'ok']"


def test_empty_group_column_is_an_error(tmp_path):
    from custlib.run.batch import run_each

    data = tmp_path / "t.csv"
    data.write_text("customer_id,order_date,amount,country\n1,2024-01-01,5,\n")
    with pytest.raises(EmptyResultError, match="no values"):
        run_each({"transactions": str(data), "customers": "", "survey": ""}, "country",
                 reports_dir=tmp_path / "rep", notebooks_dir=tmp_path)


def test_report_section_keys_match_the_method():
    assert len(report.SECTIONS) == 8
    assert re.match(r"^八、", report.section_title("summary", "zh"))
    with pytest.raises(ParameterError, match="'appendix' is not a standard section"):
        report.section_title("appendix")


def test_each_report_part_is_imported_from_its_own_module():
    """One way to reach a name: the document module no longer forwards its parts' names."""
    for name in ("segment_report", "kpis", "segment_priorities", "measures", "pdf_note"):
        assert not hasattr(report, name), name
    assert callable(segment_report) and callable(kpis.kpis) and callable(strategy.measures)
    assert callable(priorities.segment_priorities) and callable(sections.pdf_note)


def test_a_rule_of_ones_own_brings_its_own_sentence():
    rule = strategy.Rule("churn", ">=", 0.3, "threats", "{v} of customers churned")
    facts = strategy.swot_facts({"churn": 0.42}, rules=(*strategy.RULES, rule), lang="zh")
    assert facts["item"].tolist() == ["42% of customers churned"]
    assert strategy.RULES[0].text(0.5, lang="zh") == \
        "自日志开始以来 50% 的客户在两天或以上购买过(全周期复购率)"


def test_the_page_is_the_template_with_every_value_escaped():
    """The Jinja2 template escapes what the report is given: text, headings, bullets, notes,
    captions, table cells and KPI names; Markdown arrives escaped by mistune."""
    from custlib.report import html as report_html

    evil = "<img src=x onerror=alert(1)>"
    k = pd.DataFrame({"value": [1.0], "previous": [float("nan")], "change": [float("nan")]},
                     index=[evil])
    k.attrs["period"] = evil
    rep = report.Report(evil, lang="en", subtitle=evil).kpis(k)
    rep.section(evil, evil).text(evil).heading(evil).bullets([evil]).note(evil)
    rep.table(pd.DataFrame({evil: [evil]}, index=pd.Index([evil], name=evil)), evil)
    page = rep.html()
    assert "<img" not in page and page.count("&lt;img src=x onerror=alert(1)&gt;") >= 12
    assert (report_html.TEMPLATES / "report.html.j2").exists()
    cells = report_html.table_cells(pd.DataFrame({"repeat_rate": [0.5], "n": [1234.5]}), "zh",
                                    percent=("repeat_rate",))
    assert cells["columns"] == ["全周期复购率", "n"]
    assert cells["rows"][0]["cells"] == [("50%", False), ("1,234.50", False)]


def test_printed_sections_flow_after_the_cover():
    page = report.Report("R").section("a", "A").text("x").section("b", "B").text("y").html()
    printed = page[page.index("@media print"):]
    # no section forced onto a new page, the first one included: the cover flows on
    assert "break-before:page" not in printed
    assert "page-break-before:always" not in printed
    assert "h2,h3,caption{break-after:avoid}" in printed
    assert "figure img{max-height:105mm" in printed  # a figure leaves room for its text


def test_rows_resting_on_few_people_are_marked_with_a_note():
    scores = pd.DataFrame({"respondents": [412, 1], "nps": [31.0, 100.0]},
                          index=pd.Index(["all", "(not segmented)"], name="segment"))
    page = report.Report("R").section("s", "S").table(scores, "nps").html()
    assert "<th class=\"t\">(not segmented) †</th>" in page and ">all</th>" in page
    assert "† fewer than 30 respondents: too few to read the row as a finding." in page
    zh = report.Report("R", lang="zh").section("s", "S").table(scores, "nps").html()
    assert "全部</th>" in zh and "† 受访者少于 30" in zh
    big = scores.assign(respondents=[412, 30])
    page = report.Report("R").section("s", "S").table(big, "nps").html()
    assert "†" not in page


def test_table_columns_share_one_format_text_left_and_no_empty_column():
    from custlib.report import html as report_html

    df = pd.DataFrame({"action": ["call", "mail", "none"], "revenue": [0.0, 71231.7, 82437.0],
                       "customers": [3.0, 10.0, 0.0], "median_gap": [np.nan] * 3,
                       "note": ["", None, ""]}, index=pd.Index(["A", "B", "C"], name="segment"))
    cells = report_html.table_cells(df, "en", currency="GBP")
    assert cells["columns"] == ["action", "revenue", "customers"]  # the empty ones left out
    assert cells["text_columns"] == [True, False, False]
    # money: whole units from 100 up, with the currency, as the text and the KPI cards say it
    assert [row["cells"][1][0] for row in cells["rows"]] == ["£0", "£71,232", "£82,437"]
    other = report_html.table_cells(df.rename(columns={"revenue": "x"}), "en")
    assert [row["cells"][1][0] for row in other["rows"]] == ["0.00", "71,231.70", "82,437.00"]
    assert [row["cells"][2][0] for row in cells["rows"]] == ["3", "10", "0"]
    page = report.Report("R").section("s", "S").table(df, "t").html()
    assert '<th class="t">action</th><th>revenue</th>' in page


def test_a_report_saved_in_a_run_folder_is_in_its_manifest(tmp_path):
    from custlib.run import artefacts
    from custlib.run.config import run_folder

    run = run_folder("r", tmp_path)
    rep = report.Report("R", lang="en").section("s", "S").text("x")
    written = rep.save(run, "report_segments", pdf=False)
    assert written == [run.root / "report_segments.html"]
    assert "<h2>S</h2>" in written[0].read_text(encoding="utf-8")
    entry = artefacts.read_manifest(run)["report_segments"]
    assert entry["path"] == "report_segments.html" and entry["written_by"] == "05_report"
