"""One formatting layer: numbers, money, percentages, points and dates by locale, the same in
the report's tables, KPI cards and text; metric names that say their window."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from custlib.errors import ParameterError
from custlib.i18n import formats, t
from custlib.report import document as report
from custlib.report import kpis, narrative, strategy
from custlib.report.columns import column_kind
from custlib.report.html import table_cells

# --- the layer itself -------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ["£769,684", "-£105", "£23.46", "CN¥1,234", "$1,234", "€1,234", "1,234 pts",
            "1,234", ""]),
    ("zh", ["£769,684", "-£105", "£23.46", "¥1,234", "US$1,234", "€1,234", "1,234 pts",
            "1,234", ""]),
])
def test_money_in_english_and_chinese(lang, expected):
    values = [(769684.3, "GBP"), (-105.0, "GBP"), (23.456, "GBP"), (1234, "CNY"),
              (1234, "USD"), (1234, "EUR"), (1234, "pts"), (1234, ""), (float("nan"), "GBP")]
    assert [formats.money(v, c, lang) for v, c in values] == expected


def test_money_symbols_codes_and_fixed_decimals():
    assert formats.money(1234.6, "£") == "£1,235"   # a symbol typed as the currency
    assert formats.money(1234.6, "gbp") == "£1,235"  # a code in lower case
    assert formats.money(-0.004, "GBP") == "£0.00"   # never "-£0.00"
    assert formats.money(12.0, "GBP") == "£12"       # whole: no cents
    assert formats.money(71231.7, "GBP", digits=2) == "£71,231.70"
    assert formats.money(None, "GBP") == "" and formats.money(np.nan) == ""


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ["56%", "-5.0%", "0%", "+30%", "-5.7%", "+1.2 pt", "-5.7 pt", "0.0 pt",
            "-1,234,567.9", "0", ""]),
    ("zh", ["56%", "-5.0%", "0%", "+30%", "-5.7%", "+1.2 个百分点", "-5.7 个百分点",
            "0.0 个百分点", "-1,234,567.9", "0", ""]),
])
def test_percent_points_and_numbers_in_english_and_chinese(lang, expected):
    got = [formats.percent(0.5634, lang), formats.percent(-0.05, lang, 1),
           formats.percent(-0.001, lang), formats.signed_percent(0.3, lang),
           formats.signed_percent(-0.057, lang, 1), formats.points(0.0123, lang),
           formats.points(-0.057, lang), formats.points(0.0, lang),
           formats.number(-1234567.891, lang, 1), formats.number(-0.2, lang),
           formats.number(float("nan"), lang)]
    assert got == expected


def test_dates_iso_by_default_else_the_locales_own():
    day = dt.date(2024, 12, 31)
    assert formats.date(day) == formats.date("2024-12-31", "zh") == "2024-12-31"
    assert formats.date(pd.Timestamp("2024-12-31 13:00"), "zh", "long") == "2024年12月31日"
    assert formats.date(day, "en_GB", "medium") == "31 Dec 2024"
    assert formats.date(day, "en", "short") == "12/31/24"
    assert formats.date(None) == "" and formats.date(pd.NaT) == "" and formats.date(np.nan) == ""
    with pytest.raises(ParameterError, match="'iso', 'short', 'medium' or 'long'"):
        formats.date(day, style="full")


def test_locales_follow_the_language_or_are_named():
    assert formats.locale_for("en") == "en" and formats.locale_for("zh") == "zh_Hans_CN"
    assert formats.money(1234567.5, "EUR", "de_DE") == "1.234.568\xa0€"
    with pytest.raises(ParameterError, match="'xx_YY' is not a locale Babel knows"):
        formats.money(1, "GBP", "xx_YY")


def test_a_chosen_locale_writes_every_number_of_the_language_until_reset():
    from custlib.report.html import kpi_cards

    try:
        assert formats.use_locale("en", "de_DE") == "de_DE"
        assert narrative.format_money(1234567.5, "EUR") == "1.234.568\xa0€"
        assert formats.percent(0.5, "en") == "50\xa0%" and formats.points(0.012) == "+1,2 pt"
        k = kpis.kpis(pd.DataFrame({"customer_id": ["a", "b"], "amount": [1234.5, 10.0],
                                    "order_date": pd.to_datetime(["2023-06-01", "2024-06-01"])}),
                      "2024-12-31")
        cards = kpi_cards(k, "EUR", "en")["cards"]
        assert [c["current"] for c in cards][:2] == ["1", "10\xa0€"]
    finally:
        assert formats.use_locale("en") == "en"
    assert formats.money(1234567.5, "EUR") == "€1,234,568"
    assert formats.points(0.012, "zh_Hans_CN") == "+1.2 个百分点"  # the words of the locale's
    with pytest.raises(ParameterError, match="'en_XX' is not a locale Babel knows"):
        formats.use_locale("en", "en_XX")


def test_the_text_says_money_as_the_layer_writes_it():
    assert narrative.format_money(769684.3, "GBP") == formats.money(769684.3, "GBP")
    assert narrative.format_money(105.2, "GBP", "zh") == "£105"


# --- tables -----------------------------------------------------------------------------------

def _demo_like() -> pd.DataFrame:
    """Price and loyalty columns as notebook 05 hands them to the report."""
    return pd.DataFrame(
        {"customers": [1200, 30, 1],
         "spend_per_order": [71231.7, 82437.0, 0.0],
         "mean_unit_price": [3.2, 12.5, 4.0],
         "median_days_between": [5.9, 41.0, np.nan],
         "satisfaction": [3.39, 4.0, 2.5],
         "repeat_rate": [0.563, 0.78, 0.0],
         "mystery": [1.5, 2.0, 3.25]},
        index=pd.Index(["Champions", "Loyal", "Lost"], name="segment"))


def _cells(table: dict, column: str) -> list[str]:
    i = table["columns"].index(column)
    return [row["cells"][i][0] for row in table["rows"]]


def test_a_table_shows_each_column_by_what_it_holds():
    shown = table_cells(_demo_like(), "en", percent=("repeat_rate",), currency="GBP")
    assert _cells(shown, "customers") == ["1,200", "30", "1"]
    assert _cells(shown, "spend per order") == ["£71,232", "£82,437", "£0"]
    assert _cells(shown, "mean unit price") == ["£3.20", "£12.50", "£4.00"]
    assert _cells(shown, "median days between purchases") == ["6", "41", ""]
    assert _cells(shown, "satisfaction (1-5)") == ["3.4", "4.0", "2.5"]
    assert _cells(shown, "repeat-purchase rate, whole log") == ["56%", "78%", "0%"]
    assert _cells(shown, "mystery") == ["1.50", "2.00", "3.25"]  # unknown: as before
    zh = table_cells(_demo_like(), "zh", percent=("repeat_rate",), currency="CNY")
    assert _cells(zh, "客单价") == ["¥71,232", "¥82,437", "¥0"]


def test_the_demo_like_table_has_no_mixed_formats():
    shown = table_cells(_demo_like(), "en", percent=("repeat_rate",), currency="GBP")
    for i, column in enumerate(shown["columns"]):
        texts = [row["cells"][i][0] for row in shown["rows"] if row["cells"][i][0]]
        decimals = {len(re.sub(r"[^0-9.]", "", x).partition(".")[2]) for x in texts}
        assert len(decimals) == 1, (column, texts)  # never "0", "71,231.70" and "82,437"
        assert len({x.startswith(("£", "-£")) for x in texts}) == 1, (column, texts)


def test_a_money_column_in_the_report_carries_the_currency_of_the_kpis():
    k = pd.DataFrame({"value": [1234.5], "previous": [1000.0], "change": [0.2345]},
                     index=["revenue"])
    k.attrs["money"] = ["revenue"]
    rep = report.Report("R", lang="en").kpis(k, "GBP")
    rep.section("s", "S").table(_demo_like()[["customers", "spend_per_order"]], "price")
    rep.text(f"Revenue {narrative.format_money(1234.5, 'GBP')}.")
    html = rep.html()
    assert ">£71,232<" in html and ">£1,234<" in html and "Revenue £1,234." in html
    assert "GBP" not in html  # one convention: the symbol, in the text, the tiles and the tables
    overview = pd.DataFrame({"mean CLV": [12.346, 20.0]}, index=["a", "b"])
    assert _cells(table_cells(overview, "en", currency="GBP"), "mean CLV") == ["£12.35",
                                                                               "£20.00"]


def test_the_stage_table_read_back_from_csv_shows_money_with_the_currency(tmp_path):
    from custlib.report.sections import read_csv_table

    (tmp_path / "s.csv").write_text(
        "stage,customers,share of customers,past revenue,mean CLV,change vs previous snapshot\n"
        "New,187,0.04675,71231.7,70.42,-23\nAt risk,40,0.01,82437.0,,2\n", encoding="utf-8")
    stages = read_csv_table(tmp_path / "s.csv")
    shown = table_cells(stages, "en", percent=report.share_columns(stages), currency="GBP")
    assert _cells(shown, "past revenue") == ["£71,232", "£82,437"]
    assert _cells(shown, "mean CLV") == ["£70.42", ""]
    assert _cells(shown, "share of customers") == ["5%", "1%"]
    assert _cells(shown, "change vs previous snapshot") == ["-23", "2"]


def test_column_kinds_by_code_name_or_heading():
    assert [column_kind(c) for c in ("value_at_stake", "平均 CLV", "respondents", "nps",
                                     "repurchase_intention", 3, "whatever")] == \
        ["money", "money", "count", "index", "score", "", ""]


# --- metric names with their window -----------------------------------------------------------

def test_metric_names_say_their_window_in_english_and_chinese():
    tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [10.0, 5.0, 8.0],
                       "order_date": pd.to_datetime(["2022-06-05", "2024-02-01", "2024-03-01"])})
    assert list(kpis.kpis(tx, "2024-12-31").index) == [
        "customers who bought, last 12 months", "revenue, last 12 months",
        "repeat-purchase rate, last 12 months"]
    assert list(kpis.kpis(tx, "2024-12-31", months=6, lang="zh").index) == [
        "购买客户数(最近 6 个月)", "收入(最近 6 个月)", "复购率(最近 6 个月)"]
    # the whole log's rate (SWOT, canvas, loyalty table, basics) says so, never bare
    for lang, whole in (("en", "whole log"), ("zh", "全周期")):
        assert whole in t("report.swot.measure.repeat_rate", lang)
        assert whole in t("report.column.repeat_rate", lang)
        assert whole in t("report.canvas_lines.repeat_rate", lang, share="78%")
        assert whole in t("report.canvas_lines.metric.repeat_rate", lang, share="78%")
    lines = strategy.canvas_analysis(pd.DataFrame({"s": ["x"], "clv": [1.0]}), "s",
                                     pd.DataFrame({"amount": [1.0]}), {"repeat_rate": 0.78})
    assert "repeat-purchase rate, whole log 78%" in lines["customer_relationships"]
