"""Report figures: one theme, text legible on paper, labels that do not overlap, a caption
and an alt text on each, a sentence per competitor chart (issue 15, figures)."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from custlib import i18n
from custlib.data import loading as io
from custlib.data.demo.corpus import make_shape
from custlib.lifecycle import cohorts
from custlib.lifecycle.stages import STAGES, purchase_days
from custlib.lifecycle.transitions import stage_counts
from custlib.plots import clv as clv_plots
from custlib.plots import lifecycle as lifecycle_plots
from custlib.plots import report as report_plots
from custlib.plots import segments as segment_plots
from custlib.plots.theme import (
    MIN_PRINTED_PT,
    PRINT_HEIGHT_MM,
    PRINT_WIDTH_MM,
    percent,
    printed_scale,
    smallest_printed_text,
)
from custlib.report import competitors, figures
from custlib.report import document as report
from custlib.segments import schemes

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _segments(lang: str) -> list[str]:
    return [str(s) for s in schemes.segment_guide("rfm11", lang).iloc[:, 0]]


def _customers(lang: str) -> pd.DataFrame:
    """1,100 customers over the 11 RFM segments (sizes 10 to 110), revenue by rank."""
    rng = np.random.default_rng(7)
    names = _segments(lang)
    seg = np.repeat(names, [10 * (i + 1) for i in range(11)][::-1])
    return pd.DataFrame({"rfm_segment": seg,
                         "total_revenue": rng.gamma(1.2, 300, len(seg)).round(2),
                         "clv": rng.gamma(1.0, 120, len(seg)).round(2)})


def _report_axes(lang: str) -> dict[str, object]:
    """Every figure the report shows (SWOT and canvas aside), drawn on demo-sized data."""
    i18n.setup_matplotlib(lang)
    table = _customers(lang)
    ctx = io.load_context("demo", lang)
    rivals = competitors.competitor_table(ctx)
    cats = ["Living room furniture", "Kitchen & dining", "Bedding & textiles", "Lighting",
            "Storage", "Garden", "Bathroom", "Decor", "Rugs", "Office", "Kids", "Outdoor",
            "Gifts"]
    rng = np.random.default_rng(3)
    shares = rng.dirichlet(np.ones(len(cats)), size=11)
    prefs = pd.DataFrame(shares, index=pd.Index(_segments(lang), name="segment"), columns=cats)
    prefs.columns.name = "category"
    needs_table = pd.DataFrame({"respondents": np.arange(42, 0, -3),
                                "importance": np.linspace(0.2, 0.02, 14),
                                "urgency": np.linspace(0.1, 0.6, 14)},
                               index=[f"need number {i}" for i in range(14)])
    needs_table["priority"] = needs_table["importance"] * needs_table["urgency"]
    snaps = pd.DataFrame({"snapshot": np.repeat(pd.date_range("2010-01-31", periods=24,
                                                              freq="ME"), 40),
                          "stage": np.tile(np.array(STAGES)[np.arange(40) % 8], 24)})
    retention = pd.DataFrame(np.tril(np.full((25, 25), 0.12))[:, ::-1],
                             index=pd.date_range("2010-01-01", periods=25, freq="MS"))
    retention[0] = 1.0
    by_segment = pd.DataFrame({i18n.t("value.column.customer_share", lang): np.full(11, 1 / 11),
                               i18n.t("value.column.share", lang): np.full(11, 1 / 11)},
                              index=_segments(lang))
    return {
        "pareto": segment_plots.plot_pareto(table["total_revenue"], lang=lang),
        "sizes": segment_plots.plot_segment_sizes(table, "rfm_segment", lang=lang),
        "clv": clv_plots.plot_clv_by_segment(by_segment, lang=lang),
        "stages": lifecycle_plots.plot_stage_counts(stage_counts(snaps, lang=lang), lang=lang),
        "retention": lifecycle_plots.plot_retention(retention, lang=lang),
        "preferences": report_plots.plot_preferences(prefs, lang=lang),
        "needs": report_plots.plot_needs(needs_table, lang=lang),
        "market_share": report_plots.plot_market_share(rivals, lang=lang),
        "features": report_plots.plot_features(competitors.feature_table(ctx), rivals,
                                               lang=lang),
        "prices": report_plots.plot_prices(rivals, lang=lang),
        "positioning": report_plots.plot_positioning(rivals, lang=lang),
    }


# --- theme ------------------------------------------------------------------------------

def test_percent_axes_read_40_percent_whatever_the_scale():
    shares, points = percent(), percent(100)
    shares.set_locs([0.0, 0.1, 0.2, 0.3, 0.4])
    points.set_locs([0, 10, 20, 30, 40])
    assert [shares(v) for v in (0.0, 0.2, 0.4)] == ["0%", "20%", "40%"]
    assert [points(v) for v in (0, 20, 40)] == ["0%", "20%", "40%"]
    fine = percent()
    fine.set_locs([0.0, 0.005, 0.01])
    assert fine(0.005) == "0.5%"


def test_printed_scale_follows_the_print_stylesheet():
    assert PRINT_WIDTH_MM == pytest.approx(154.7) and PRINT_HEIGHT_MM == 105
    assert printed_scale(7, 4, 150) == pytest.approx(154.7 / 177.8)  # width-bound
    assert printed_scale(5, 6, 150) == pytest.approx(105 / 152.4)  # height-bound
    assert printed_scale(3, 2, 110) == pytest.approx(110 / 96)  # shown at its pixels


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_report_figure_prints_its_text_at_7_pt_or_more_and_percent_as_40(lang):
    axes = _report_axes(lang)
    smallest = {name: smallest_printed_text(ax, dpi=150) for name, ax in axes.items()}
    small = {name: (round(pt, 2), text) for name, (pt, text) in smallest.items()
             if pt < MIN_PRINTED_PT}
    assert small == {}
    assert len(smallest) == 11 and min(pt for pt, _ in smallest.values()) >= 7.0
    for name in ("pareto", "sizes", "clv", "needs", "market_share"):  # drawn just above
        ax = axes[name]
        labels = [t.get_text() for t in ax.get_xticklabels()] + \
                 [t.get_text() for t in ax.get_yticklabels()]
        assert any(re.fullmatch(r"\d+%", s) for s in labels), (name, labels)
        assert not any(re.search(r"\d\.0%", s) for s in labels), (name, labels)
        assert "(%)" not in ax.get_xlabel() + ax.get_ylabel(), name


def test_the_chinese_category_heat_map_title_is_all_chinese():
    i18n.setup_matplotlib("zh")
    prefs = pd.DataFrame({"tea": [0.6, 0.3], "cake": [0.4, 0.7]}, index=["A", "B"])
    prefs.columns.name = "category"
    assert report_plots.plot_preferences(prefs, lang="zh").get_title() == \
        "各细分群体收入的品类构成(%)"
    prefs.columns.name = "channel"
    assert report_plots.plot_preferences(prefs, lang="zh").get_title() == \
        "各细分群体收入的渠道构成(%)"


def test_chinese_labels_have_glyphs_without_setting_up_matplotlib():
    """An analyst who plots with lang="zh" (or Chinese values) without calling
    i18n.setup_matplotlib still gets real glyphs: the kit's figures put the bundled CJK font
    behind the session's own fonts."""
    import warnings

    import matplotlib as mpl

    prefs = pd.DataFrame({"tea": [0.6, 0.3], "cake": [0.4, 0.7]}, index=["甲", "乙"])
    prefs.columns.name = "category"
    with mpl.rc_context({"font.family": ["sans-serif"]}), warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" is a UserWarning
        ax = report_plots.plot_preferences(prefs, lang="zh")
        ax.figure.canvas.draw()
        assert mpl.rcParams["font.family"] == ["sans-serif", i18n.CJK_FONT_NAME]
    plt.close(ax.figure)


# --- the positioning map's labels ------------------------------------------------------

def _overlaps(a, b) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0 and min(a.y1, b.y1) - max(a.y0, b.y0) > 0


def _label_clashes(ax, rivals) -> list[tuple[str, str]]:
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = {a.get_text(): a.get_window_extent(renderer) for a in ax.texts}
    assert set(labels) == {str(n) for n in rivals.index}
    share = rivals["market_share"].fillna(0.05).astype(float)
    points = list(zip(rivals["pos_price"], rivals["pos_quality"], strict=True))
    markers = dict(zip((f"marker {n}" for n in rivals.index),
                       report_plots.marker_boxes(ax, points, 200 + 3000 * share), strict=True))
    clashes = []
    names = list(labels)
    for i, a in enumerate(names):
        clashes += [(a, b) for b in names[i + 1:] if _overlaps(labels[a], labels[b])]
        clashes += [(a, m) for m, box in markers.items() if _overlaps(labels[a], box)]
        inside = ax.get_window_extent(renderer)
        if not (inside.x0 <= labels[a].x0 and labels[a].x1 <= inside.x1
                and inside.y0 <= labels[a].y0 and labels[a].y1 <= inside.y1):
            clashes.append((a, "outside the axes"))
    return clashes


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_positioning_labels_cover_no_marker_and_no_other_label(lang):
    i18n.setup_matplotlib(lang)
    rivals = competitors.competitor_table(io.load_context("demo", lang))
    ax = report_plots.plot_positioning(rivals, lang=lang)
    assert _label_clashes(ax, rivals) == []
    # our company's name keeps its colour
    ours = [a for a in ax.texts if a.get_text() == str(rivals.index[rivals["us"]][0])]
    assert ours[0].get_color() == report_plots.US_COLOR


def test_crowded_positioning_labels_still_do_not_overlap():
    i18n.setup_matplotlib("en")
    ctx = {"competitors": [
        {"name": "Alpha Home", "us": True, "market_share": 0.10,
         "positioning": {"price": 3.0, "quality": 3.0}},
        {"name": "Beta Living", "market_share": 0.20,
         "positioning": {"price": 3.3, "quality": 3.1}},
        {"name": "Gamma Stores", "market_share": 0.15,
         "positioning": {"price": 2.7, "quality": 3.2}},
        {"name": "Delta Deco", "market_share": 0.05,
         "positioning": {"price": 3.1, "quality": 2.6}},
        {"name": "Epsilon", "market_share": 0.08, "positioning": {"price": 5.2, "quality": 5.3}}]}
    rivals = competitors.competitor_table(ctx)
    assert _label_clashes(report_plots.plot_positioning(rivals), rivals) == []


# --- captions, alt texts and sentences -------------------------------------------------

def test_competitor_alt_texts_say_the_numbers_of_the_demo():
    ctx = io.load_context("demo")
    rivals, feats = competitors.competitor_table(ctx), competitors.feature_table(ctx)
    assert figures.market_share_alt(rivals, "en") == (
        "Bar chart of market share: MegaHome 24%, ShopAll Marketplace 21%, Nordic Living 16%, "
        "Hearth & Home 9%, Maison Premium 7%.")
    assert figures.prices_alt(rivals, "en") == (
        "Bar chart of price levels: ShopAll Marketplace 1, MegaHome 2, Hearth & Home 3, "
        "Nordic Living 3, Maison Premium 5.")
    assert figures.features_alt(feats, rivals, "en") == (
        "Heat map of feature scores by company (1 weak, 5 strong); Hearth & Home: quality 4, "
        "range 4, delivery 3, service 4, online experience 3.")
    assert figures.positioning_alt(rivals, "price", "quality", "en").startswith(
        "Bubble chart of companies by price (across) and quality (up): Hearth & Home 3 / 3.9, "
        "MegaHome 2 / 2.8,")
    zh = competitors.competitor_table(io.load_context("demo", "zh"))
    assert figures.market_share_alt(zh, "zh") == (
        "条形图:市场份额:MegaHome 24%、ShopAll Marketplace 21%、Nordic Living 16%、暖家生活 9%、"
        "Maison Premium 7%。")


def test_each_competitor_chart_gets_a_sentence_on_our_company():
    ctx = io.load_context("demo")
    said = competitors.chart_sentences(competitors.competitor_table(ctx),
                                       competitors.feature_table(ctx))
    assert said == {
        "market_share": "Hearth & Home holds 9% of the market, number 4 of the 5 companies "
                        "named; the largest is MegaHome with 24%.",
        "features": "Hearth & Home is neither the best nor the worst on any feature: quality 4, "
                    "range 4, delivery 3, service 4, online experience 3.",
        "prices": "Hearth & Home prices at level 3 of 5: 2 of 4 competitors are cheaper and 1 "
                  "dearer.",
        "positioning": "On price and quality, Hearth & Home sits at 3 / 3.9; its nearest "
                       "competitor on this map is Nordic Living (2.8 / 3.6)."}
    zh = competitors.chart_sentences(competitors.competitor_table(io.load_context("demo", "zh")),
                                     lang="zh")
    assert zh["market_share"] == ("暖家生活 占 9% 的市场份额,在列出的 5 家公司中排第 4;"
                                  "最大的是 MegaHome,占 24%。")


def test_a_leader_with_a_best_feature_is_said_so():
    ctx = {"competitors": [
        {"name": "Us", "us": True, "market_share": 0.3, "price_level": 4,
         "features": {"service": 5, "range": 2}},
        {"name": "Them", "market_share": 0.2, "price_level": 2,
         "features": {"service": 3, "range": 4}}]}
    said = competitors.chart_sentences(competitors.competitor_table(ctx),
                                       competitors.feature_table(ctx))
    assert said["market_share"] == ("Us is the largest of the 2 companies named, with 30% of "
                                    "the market; next is Them with 20%.")
    assert said["features"] == "Us scores highest of all on service and lowest of all on range."
    assert said["prices"] == ("Us prices at level 4 of 5: 1 of 1 competitors are cheaper and 0 "
                              "dearer.")


def test_segment_and_needs_alt_texts_carry_their_main_figures():
    table = pd.DataFrame({"seg": ["A"] * 3 + ["B"], "total_revenue": [10.0, 10, 10, 70],
                          "clv": [1.0, 1, 1, 1]})
    assert figures.sizes_alt(table, "seg") == (
        "Bar chart of each segment's share of customers and of revenue: B 25% of customers, "
        "70% of revenue; A 75% of customers, 30% of revenue.")
    assert figures.clv_alt(table, "seg").endswith("A 75% of customers, 75% of value; "
                                                  "B 25% of customers, 25% of value.")
    assert figures.pareto_alt(pd.Series([70.0, 10, 10, 5, 5])).endswith(
        "the top 20% of customers bring 70% of revenue.")
    prefs = pd.DataFrame({"tea": [0.6, 0.2], "cake": [0.4, 0.8]}, index=["A", "B"])
    prefs.columns.name = "category"
    assert figures.preferences_alt(prefs, "zh") == (
        "热力图:各细分群体收入的品类构成;总体最大的是 cake(占收入 60%);"
        "A 购买最多的是 tea(60%);B 购买最多的是 cake(80%)。")
    needs_table = pd.DataFrame({"importance": [0.3, 0.5], "urgency": [0.5, 0.1],
                                "priority": [0.15, 0.05]}, index=["delivery", "price"])
    assert figures.needs_alt(needs_table) == (
        "Bubble chart of customer needs by importance and urgency: the top priority is "
        "delivery, named by 30% of respondents, 50% of them unhappy.")


def _report(lang: str = "en") -> report.Report:
    rep = report.Report("T", lang=lang)
    rep.standard_section("competitors")
    return rep


def test_figures_carry_their_caption_and_alt_text_into_the_page():
    ax = report_plots.plot_prices(competitors.competitor_table(io.load_context("demo")))
    rep = _report().figure(ax, "Price level", alt="Bar chart of price levels: MegaHome 2.")
    page = rep.html()
    assert '<img alt="Bar chart of price levels: MegaHome 2."' in page
    assert "<figcaption>Price level</figcaption>" in page
    only_caption = _report().figure(ax, "Price level").html()
    assert '<img alt="Price level"' in only_caption


def test_the_competitor_section_has_a_sentence_caption_and_alt_per_chart(tmp_path):
    i18n.setup_matplotlib("en")
    ctx = io.load_context("demo")
    rivals, feats = competitors.competitor_table(ctx), competitors.feature_table(ctx)
    axes = {"report_market_share": report_plots.plot_market_share(rivals),
            "report_features": report_plots.plot_features(feats, rivals),
            "report_prices": report_plots.plot_prices(rivals),
            "report_positioning": report_plots.plot_positioning(rivals)}
    rep = figures.add_competitor_figures(_report(), axes, rivals, feats, x="price", y="quality")
    kinds = [k for k, _, _ in rep.sections[-1]["blocks"]]
    assert kinds == ["text", "image"] * 4
    captions = [c for k, _, c in rep.sections[-1]["blocks"] if k == "image"]
    assert captions[3] == ("Brand positioning on price and quality; bubble size is market "
                           "share, our company in red")
    alts = re.findall(r'<img alt="([^"]*)"', rep.html())
    assert len(alts) == 4 and all(a.startswith(("Bar chart", "Heat map", "Bubble chart"))
                                  for a in alts)


def _one_time_days() -> pd.DataFrame:
    tx = pd.DataFrame({"customer_id": [f"c{i}" for i in range(60)],
                       "order_date": pd.date_range("2011-01-03", periods=60, freq="5D"),
                       "amount": 20.0})
    return purchase_days(tx)


def test_the_one_time_corpus_has_no_returns_to_chart():
    tx = make_shape("one_time_buyers").transactions
    tx = tx.assign(order_date=pd.to_datetime(tx["order_date"]),
                   amount=tx["quantity"] * tx["unit_price"])
    retention = cohorts.cohort_retention(purchase_days(tx), observation_end="2023-12-31")
    assert len(retention) == 12 and not cohorts.has_returns(retention)


def test_one_time_buyers_get_a_sentence_instead_of_an_empty_retention_map(tmp_path):
    retention = cohorts.cohort_retention(_one_time_days(), observation_end="2011-12-31")
    assert not cohorts.has_returns(retention)
    (tmp_path / "lifecycle_stages.png").write_bytes(b"\x89PNG")
    (tmp_path / "lifecycle_retention.png").write_bytes(b"\x89PNG")
    rep = report.Report("T")
    rep.standard_section("loyalty")
    figures.add_lifecycle_figures(rep, tmp_path, snapshots=None, retention=retention)
    blocks = [(k, c if k != "image" else cap) for k, c, cap in rep.sections[-1]["blocks"]]
    assert blocks == [
        ("heading", "Lifecycle stages over time"),
        ("image", "Customers in each lifecycle stage at each snapshot (notebook 04)"),
        ("heading", "Cohort retention"),
        ("text", "Cohort retention is not charted: no customer bought again after the period "
                 "of their first purchase, so every cohort would show 0% after it.")]


def test_returning_buyers_keep_the_retention_map_with_its_mean_in_the_alt(tmp_path):
    tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c", "d"],
                       "order_date": pd.to_datetime(["2011-01-05", "2011-02-10", "2011-01-20",
                                                     "2011-02-02", "2011-03-09",
                                                     "2011-02-15"]),
                       "amount": 10.0})
    retention = cohorts.cohort_retention(purchase_days(tx), observation_end="2011-03-31")
    assert cohorts.has_returns(retention)
    # January cohort: a comes back of a, b (50%); February: c of c, d (50%)
    assert figures.retention_alt(retention) == (
        "Heat map of cohort retention by periods since first purchase: on average 50% of a "
        "cohort buy again in the month after their first (2 cohorts).")
    for name in ("lifecycle_stages", "lifecycle_retention"):
        (tmp_path / f"{name}.png").write_bytes(b"\x89PNG")
    snaps = pd.DataFrame({"snapshot": pd.to_datetime(["2011-03-31"] * 3),
                          "stage": ["active", "active", "new"]})
    rep = report.Report("T")
    rep.standard_section("loyalty")
    figures.add_lifecycle_figures(rep, tmp_path, snapshots=snaps, retention=retention)
    page = rep.html()
    assert ('<img alt="Stacked area chart of customers by lifecycle stage at each snapshot; at '
            'the last one (2011-03-31): New 1, Active 2."') in page
    assert '<img alt="Heat map of cohort retention' in page


def test_the_clv_figure_is_captioned_and_described_when_the_table_is_given(tmp_path):
    from types import SimpleNamespace

    from custlib.report import sections

    (tmp_path / "clv_segments.png").write_bytes(b"\x89PNG")
    table = pd.DataFrame({"rfm_segment": ["Champions", "Lost", "Lost", "Lost"],
                          "clv": [90.0, 5, 3, 2]})
    rep = report.Report("t").standard_section("segmentation")
    sections.add_value_figures(rep, tmp_path, SimpleNamespace(not_estimated=None, btyd=None),
                               table=table)
    page = rep.html()
    assert ('<img alt="Bar chart of each RFM segment&#39;s share of customers and of predicted '
            'value: Champions 25% of customers, 90% of value; Lost 75% of customers, 10% of '
            'value."') in page
    assert ("<figcaption>Each RFM segment&#39;s share of customers and of predicted future "
            "value (notebook 03)</figcaption>") in page


def test_a_company_best_on_one_feature_only_is_not_said_worst_on_none():
    ctx = {"competitors": [
        {"name": "Us", "us": True, "features": {"service": 5, "range": 3}},
        {"name": "Them", "features": {"service": 3, "range": 4}},
        {"name": "Other", "features": {"service": 2, "range": 2}}]}
    rivals = competitors.competitor_table(ctx).assign(market_share=None, price_level=None)
    said = competitors.chart_sentences(rivals, competitors.feature_table(ctx), lang="zh")
    assert said == {"features": "Us 在 服务 上得分全场最高。"}
