"""Each cleaning rule alone: a small typed frame in, exact rows and revenue out; the log
row it writes in both languages; and the pipeline that runs them."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from custlib.data.cleaning import (
    Cancellations,
    CleaningContext,
    CleaningPipeline,
    Duplicates,
    Extremes,
    ImpossibleDates,
    InvalidPrices,
    MissingCustomer,
    NonProduct,
    ParseTypes,
    UnmatchedCancellations,
    Window,
    clean_transactions,
    rule_label,
)
from custlib.data.cleaning.typed import type_transactions
from custlib.data.parsing import ParseOptions

NONE = CleaningContext()


def typed(rows: list[tuple]) -> pd.DataFrame:
    """Typed lines from (customer, order, date, quantity, price, product)."""
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "quantity",
                                     "unit_price", "product_id"])
    df["order_date"] = pd.to_datetime(df["order_date"], format="ISO8601")
    df["quantity"] = df["quantity"].astype("float64")
    df["unit_price"] = df["unit_price"].astype("float64")
    df["amount"] = df["quantity"] * df["unit_price"]
    df["source_row"] = np.arange(len(df), dtype="int64")
    return df


LINES = [
    ("1", "100", "2022-01-05", 2, 5.0, "A"),     # 10.0
    ("1", "101", "2022-02-05", 1, 8.0, "POST"),  # 8.0
    ("2", "102", "2022-03-01", 3, 2.5, "A"),     # 7.5
]


def test_duplicates_removes_the_repeat_and_keeps_the_first():
    lines = [(str(k), str(100 + k), "2022-01-05", 1, 2.0, "A") for k in range(60)]
    frame = typed(lines + [lines[0]])  # 1 duplicate in 61 lines: 1.6 %, an export glitch
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning below MANY_DUPLICATES
        out = Duplicates().apply(frame, NONE)
    assert out.frame["source_row"].tolist() == list(range(60))
    assert out.removed[0]["source_row"].tolist() == [60]
    assert out.removed[0]["reason"].tolist() == ["exact duplicate of an earlier line"]
    row = out.log[0]
    assert (row.rule, row.action, row.rows, row.revenue) == ("duplicates", "removed", 1, 2.0)
    assert row.note("en") == "lines identical to an earlier line in every column (export glitches)"
    assert row.note("zh") == "与之前某行完全相同的行(导出错误)"


def test_many_duplicates_say_a_log_may_repeat_a_line_per_unit():
    """Above 2 % of the lines (a line per unit bought), the log and a warning say so and
    name the parameter that keeps them; the lines are still removed, as the rule says."""
    frame = typed(LINES + [LINES[0]]).assign(source_row=[0, 1, 2, 3])  # 1 in 4: 25 %
    with pytest.warns(UserWarning, match=r"1 lines \(25\.0%\) are exact duplicates.*"
                                         r"rules=\{'duplicates': False\}"):
        out = Duplicates().apply(frame, NONE)
    assert out.removed[0]["source_row"].tolist() == [3]
    row = out.log[0]
    assert row.note("en") == (
        "lines identical to an earlier line in every column: 25.0% of the lines, more than "
        "export glitches usually make. A log that repeats a line once per unit bought looks "
        "like this; if yours does, keep them with rules: {duplicates: false}")
    assert "25.0%" in row.note("zh") and "rules: {duplicates: false}" in row.note("zh")


def test_impossible_dates_before_the_minimum_or_from_the_maximum():
    rule = ImpossibleDates(pd.Timestamp("1990-01-01"), pd.Timestamp("2030-01-01"))
    lines = typed(LINES + [("3", "103", "1970-01-01", 1, 4.0, "A"),
                           ("3", "104", "2099-01-01", 2, 4.0, "A")])
    out = rule.apply(lines, NONE)
    assert len(out.frame) == 3
    assert out.removed[0]["reason"].tolist() == ["date 1970-01-01", "date 2099-01-01"]
    assert (out.log[0].rows, out.log[0].revenue) == (2, 12.0)
    assert out.log[0].note("en") == "dates before 1990-01-01 or in the future"
    assert out.log[0].note("zh") == "早于 1990-01-01 或晚于今天的日期"


def test_window_covers_the_whole_end_day_and_says_its_span():
    lines = typed(LINES + [("3", "103", "2022-03-31 23:59", 1, 4.0, "A")])
    out = Window(pd.Timestamp("2022-02-01"), pd.Timestamp("2022-03-31")).apply(lines, NONE)
    assert out.frame["source_row"].tolist() == [1, 2, 3]
    assert (out.log[0].rows, out.log[0].revenue) == (1, 10.0)
    assert out.log[0].note("en") == ("lines outside the observation window "
                                     "(2022-02-01 to 2022-03-31)")
    assert out.log[0].note("zh") == "观察期(2022-02-01 至 2022-03-31)之外的行"
    open_start = Window(None, pd.Timestamp("2022-01-31")).apply(lines, NONE)
    assert open_start.log[0].note("en").endswith("(the first order to 2022-01-31)")
    open_end = Window(pd.Timestamp("2022-03-01"), None).apply(lines, NONE)
    assert open_end.log[0].note("en").endswith("(2022-03-01 onwards)")
    unset = Window().apply(lines, NONE)
    assert len(unset.frame) == 4 and unset.removed == []
    assert (unset.log[0].action, unset.log[0].note("en")) == ("removed",
                                                              "no observation window set")


def test_non_product_codes_are_stripped_and_listed():
    lines = typed(LINES).assign(product_id=["A", " POST ", "A"])
    out = NonProduct(("POST", "FEE")).apply(lines, NONE)
    assert out.frame["source_row"].tolist() == [0, 2]
    assert (out.log[0].rows, out.log[0].revenue) == (1, 8.0)
    assert out.removed[0]["reason"].tolist() == ["code  POST "]
    assert out.log[0].note("en") == "postage, fees and adjustments ( POST )"
    nothing = NonProduct(("FEE",)).apply(lines, NONE).log[0]
    assert (nothing.note("en"), nothing.note("zh")) == ("postage, fees and adjustments "
                                                        "(none found)", "运费、手续费和调整项(无)")
    no_codes = NonProduct(()).apply(lines, NONE)
    assert len(no_codes.frame) == 3 and no_codes.log[0].note("en") == "no codes given"
    no_column = NonProduct(("POST",)).apply(lines.drop(columns="product_id"), NONE)
    assert no_column.log[0].note("en") == "no product_id column"


def test_invalid_prices_zero_negative_and_zero_quantity():
    lines = typed(LINES + [("3", "103", "2022-03-02", 1, 0.0, "A"),
                           ("3", "104", "2022-03-03", 1, -50.0, "ADJ"),
                           ("3", "105", "2022-03-04", 0, 4.0, "A")])
    out = InvalidPrices().apply(lines, NONE)
    assert out.frame["source_row"].tolist() == [0, 1, 2]
    assert out.removed[0]["reason"].tolist() == ["unit price 0", "unit price -50",
                                                 "unit price 4"]
    assert (out.log[0].rows, out.log[0].revenue) == (3, -50.0)


def test_missing_customer_sets_lines_aside_and_off_keeps_them():
    lines = typed(LINES + [(None, "103", "2022-03-02", 2, 3.0, "A")])
    out = MissingCustomer().apply(lines, NONE)
    assert len(out.frame) == 3 and out.removed == []
    assert out.set_aside["source_row"].tolist() == [3]
    row = out.log[0]
    assert (row.action, row.rows, row.revenue) == ("set aside", 1, 6.0)
    off = MissingCustomer().switched_off(lines, NONE)
    assert len(off.frame) == 4 and off.set_aside.empty
    assert off.log[0].note("zh") == "规则未启用(匿名行保留在清洁表中)"


def test_cancellations_net_fully_and_partly_last_purchase_first():
    lines = typed([
        ("1", "100", "2022-01-05", 4, 5.0, "A"),   # 20.0, partly reversed: 1 left
        ("1", "101", "2022-01-06", 2, 5.0, "A"),   # 10.0, fully reversed (LIFO)
        ("1", "C102", "2022-01-07", -5, 5.0, "A"),  # cancellation of 5 units
        ("2", "103", "2022-01-08", -1, 7.0, "B"),  # a return that matches nothing
    ])
    out = Cancellations("C").apply(lines, NONE)
    assert out.frame["source_row"].tolist() == [0, 3]
    assert out.frame["quantity"].tolist() == [1.0, -1.0]
    assert out.frame["amount"].tolist() == [5.0, -7.0]
    assert sorted(out.removed[0]["source_row"]) == [1, 2]
    assert out.adjustments.to_dict("list") == {"source_row": [0], "rule": ["cancellations"],
                                               "quantity_removed": [3.0], "revenue": [15.0]}
    row = out.log[0]
    assert (row.action, row.rows, row.revenue) == ("netted", 2, -15.0 + 15.0)
    assert row.note("en") == ("1 cancellations and 1 returns netted against the lines they "
                              "reverse; 2 lines fully reversed, 1 partly")
    assert row.note("zh") == "1 笔取消和 1 笔退货已与原订单行冲抵;2 行全部冲销,1 行部分冲销"
    left = UnmatchedCancellations().apply(out.frame, NONE)
    assert left.frame["source_row"].tolist() == [0]
    assert (left.log[0].rows, left.log[0].revenue) == (1, -7.0)
    kept = UnmatchedCancellations(keep=True).apply(out.frame, NONE)
    assert len(kept.frame) == 2 and kept.log[0].action == "kept"
    assert kept.log[0].note("en") == ("1 negative lines that reverse nothing are kept as "
                                      "negative revenue")
    assert kept.log[0].note("zh") == "1 行负数行冲销不到任何购买,保留为负收入"
    assert UnmatchedCancellations().switched_off(out.frame, NONE).log == []


def test_extremes_flags_and_never_removes():
    rows = [("1", str(i), "2022-01-05", 1 + i % 3, 5.0, "A") for i in range(30)]
    lines = typed(rows + [("2", "99", "2022-01-06", 5000, 5.0, "A")])
    out = Extremes("iqr", 3.0).apply(lines, NONE)
    assert len(out.frame) == 31 and out.removed == []
    assert out.frame["is_extreme"].tolist() == [False] * 30 + [True]
    assert out.frame["extreme_reason"].iloc[-1].startswith("quantity above")
    assert (out.log[0].action, out.log[0].rows, out.log[0].revenue) == ("flagged", 1, 25000.0)
    few = Extremes().apply(typed(LINES), NONE)
    assert few.log[0].note("en") == "flagged, not removed (too few lines)"
    off = Extremes().switched_off(typed(LINES), NONE)
    assert not off.frame["is_extreme"].any() and off.log[0].action == "off"


def test_extreme_reasons_name_every_limit_a_line_passes():
    """One reason per line: each limit it is above, in column order, joined by '; '; a
    missing value is above no limit (a plain bool flag, not a missing one)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"quantity": rng.integers(1, 4, 40).astype(float),
                          "amount": rng.integers(5, 20, 40).astype(float)})
    frame.loc[[3, 7], "quantity"] = 900.0
    frame.loc[[7, 9], "amount"] = 9000.0
    frame = frame.astype("Float64")
    frame.loc[11, "quantity"] = pd.NA
    flags, reasons, limits = Extremes("iqr", 3.0).limits(frame)
    q, a = f"quantity above {limits['quantity']:,.2f}", f"amount above {limits['amount']:,.2f}"
    assert flags.dtype == bool and flags[flags].index.tolist() == [3, 7, 9]
    assert reasons[[3, 7, 9, 11, 0]].tolist() == [q, f"{q}; {a}", a, "", ""]
    assert str(reasons.dtype) == "str"


def test_parse_types_removes_what_did_not_parse_and_says_what_was_decided():
    raw = pd.DataFrame({"customer_id": ["1", "2", "3"], "order_date": ["2022-01-05",
                                                                        "x", "2022-01-07"],
                        "quantity": ["1", "2", "3"], "unit_price": ["8,50", "1.234,25", "2,00"],
                        "source_row": [0, 1, 2]})
    lines, context = type_transactions(raw, ParseOptions(), drop_invalid=True)
    out = ParseTypes().apply(lines, context)
    assert out.frame["source_row"].tolist() == [0, 2]
    assert out.removed[0]["reason"].tolist() == ["unparsable order_date"]
    assert out.log[0].note("en") == ("rows whose order_date could not be parsed "
                                     "(drop_invalid=True); unit_price: decimal comma, "
                                     "thousands '.' (inferred)")
    assert out.log[0].note("zh") == ("order_date 无法解析的行(drop_invalid=True);"
                                     "unit_price:小数点为逗号,千位分隔符 '.'(推断)")


def test_rules_know_their_name_and_meaning():
    assert Duplicates().meaning == "data.cleaning.rule.duplicates"
    assert Duplicates().title("zh") == "完全重复行" == rule_label("duplicates", "zh")
    assert UnmatchedCancellations().switch == "cancellations"
    assert rule_label("no such rule", "zh") == "no such rule"


def test_the_pipeline_runs_rules_in_order_and_switches_them_off():
    lines = typed(LINES + [LINES[0]])
    books = CleaningPipeline([Duplicates(), NonProduct(("POST",))]).run(lines, NONE)
    assert books.kept["source_row"].tolist() == [0, 2]
    assert [r.rule for r in books.log] == ["duplicates", "non_product"]
    off = CleaningPipeline([Duplicates(), NonProduct(("POST",))],
                           switched_off={"duplicates"}).run(lines, NONE)
    assert off.kept["source_row"].tolist() == [0, 2, 3]
    assert [(r.rule, r.action) for r in off.log] == [("duplicates", "off"),
                                                     ("non_product", "removed")]


def test_a_result_pickles_and_its_log_renders_in_both_languages():
    raw = typed(LINES).astype({"quantity": str, "unit_price": str})
    raw["order_date"] = raw["order_date"].dt.strftime("%Y-%m-%d")
    result = pickle.loads(pickle.dumps(clean_transactions(raw.drop(columns="amount"))))
    assert result.log_table("zh").columns[-1] == "说明"
    assert result.log_table("en").iloc[4]["what it means"] == ("postage, fees and "
                                                                "adjustments (POST)")
    assert "note" in result.log.columns and "describe_zh" not in result.log.columns


@pytest.mark.parametrize("rule", [Duplicates(), InvalidPrices(), MissingCustomer()])
def test_a_rule_never_modifies_its_input(rule):
    lines = typed(LINES + [LINES[0]])
    before = lines.copy()
    rule.apply(lines, NONE)
    pd.testing.assert_frame_equal(lines, before)
