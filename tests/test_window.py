"""The edges of a log (issue 14, point 3): a sparse tail after the real end, found, named
in the cleaning log and, with ``observation_end: auto``, removed; partial first and last
months."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from custlib.data.cleaning import clean_transactions
from custlib.data.loading import load_transactions
from custlib.data.window import (
    cleaning_edges,
    detect_edges,
    edges_text,
    partial_months,
    sparse_tail,
)
from custlib.errors import ParameterError
from custlib.run.checks import check_of
from custlib.run.workflow import CleanTables


def steady_log(days: int = 300, per_day: float = 20.0, seed: int = 0,
               start: str = "2023-01-01") -> pd.DataFrame:
    """Raw text lines, one order per line, Poisson ``per_day`` orders a day."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(per_day, days)
    dates = pd.date_range(start, periods=days).repeat(counts)
    n = len(dates)
    return pd.DataFrame({
        "customer_id": [f"c{i}" for i in rng.integers(0, 400, n)],
        "order_id": [f"o{i}" for i in range(n)],
        "order_date": [f"{d:%Y-%m-%d} 12:00" for d in dates],
        "quantity": "1", "unit_price": "10.00", "product_id": "A1",
    })


def with_stragglers(raw: pd.DataFrame, end: str, offsets: list[int]) -> pd.DataFrame:
    """``raw`` up to ``end``, then one line on each of ``end`` + ``offsets`` days."""
    kept = raw[raw["order_date"].str[:10] <= end]
    late = pd.DataFrame({
        "customer_id": [f"s{i}" for i in range(len(offsets))],
        "order_id": [f"late{i}" for i in range(len(offsets))],
        "order_date": [f"{pd.Timestamp(end) + pd.Timedelta(days=o):%Y-%m-%d} 09:00"
                       for o in offsets],
        "quantity": "2", "unit_price": "5.00", "product_id": "A1",
    })
    out = pd.concat([kept, late], ignore_index=True)
    out["source_row"] = np.arange(len(out), dtype="int64")
    return out


#: 20 stragglers over the seven weeks after the real end, as in the marketplace export
OFFSETS = [1, 2, 4, 5, 8, 9, 12, 15, 17, 20, 22, 26, 29, 31, 34, 38, 41, 44, 46, 49]


@pytest.fixture(scope="module")
def tailed() -> pd.DataFrame:
    return with_stragglers(steady_log(), "2023-09-30", OFFSETS)


def test_demo_and_cdnow_have_no_sparse_tail_and_whole_months():
    for name, last in (("demo", "2024-12-31"), ("cdnow_sample", "1998-06-30")):
        tx = clean_transactions(load_transactions(name)).transactions
        edges = detect_edges(tx)
        assert edges.tail is None, name
        assert (edges.first_month, edges.last_month) == (None, None)
        assert f"{edges.last_date:%Y-%m-%d}" == last
        assert edges_text(edges, "en") == ("The edges of the log are clean: no sparse tail, and "
                                           "the first and last months are observed (nearly) "
                                           "whole.")


@pytest.mark.parametrize("seed", range(5))
def test_a_clean_log_has_no_tail(seed):
    raw = steady_log(seed=seed)
    assert sparse_tail(raw.assign(order_date=pd.to_datetime(raw["order_date"]))) is None


@pytest.mark.parametrize("seed", range(5))
def test_a_small_sparse_log_has_no_tail(seed):
    """300 orders over two years (0.4 a day): gaps of days are usual, not a tail."""
    raw = steady_log(days=730, per_day=0.41, seed=seed)
    assert sparse_tail(raw.assign(order_date=pd.to_datetime(raw["order_date"]))) is None


def test_a_quiet_last_month_is_not_a_tail():
    """The last 30 days at 30 % of the usual volume: a slow season, not stragglers."""
    raw = steady_log(days=330)
    quiet = steady_log(days=30, per_day=6.0, seed=1, start="2023-11-27")
    both = pd.concat([raw, quiet], ignore_index=True)
    assert sparse_tail(both.assign(order_date=pd.to_datetime(both["order_date"]))) is None


def test_stragglers_after_the_real_end_are_a_tail(tailed):
    tail = sparse_tail(tailed.assign(order_date=pd.to_datetime(tailed["order_date"])))
    assert tail is not None
    assert f"{tail.end:%Y-%m-%d}" == "2023-09-30"
    assert f"{tail.last_date:%Y-%m-%d}" == "2023-11-18"
    assert (tail.lines, tail.days) == (20, 49)
    assert tail.share == pytest.approx(20 / len(tailed))
    assert tail.rate == pytest.approx(20 / 49)
    assert 18 < tail.usual_rate < 22


def test_the_log_names_the_tail_and_warns_without_changing_the_data(tailed):
    with pytest.warns(UserWarning, match="usual volume ends on 2023-09-30: only 20 lines "
                                         "trickle over the 49 days after it"):
        result = clean_transactions(tailed)
    assert len(result.transactions) == len(tailed)  # suggested, not applied
    row = result.log.set_index("rule").loc["window"]
    assert row["rows"] == 0
    assert row["describe"] == (
        "no observation window set. Sparse tail: only 20 lines (0.32%) over the 49 days after "
        "2023-09-30, to 2023-11-18, against 20.0 orders a day before; set observation_end: auto "
        "(or 2023-09-30) to end the observation there".replace(
            "0.32%", f"{20 / len(tailed):.2%}").replace(
            "20.0 orders", f"{result.settings['sparse_tail']['usual_rate']:,.1f} orders"))
    zh = result.log_table("zh").iloc[3, -1]
    assert "稀疏尾部:2023-09-30 之后的 49 天里(截至 2023-11-18)只有 20 行" in zh
    edges, applied = cleaning_edges(result)
    assert not applied
    text = edges_text(edges, "en")
    assert text.startswith("* The log's usual volume ends on 2023-09-30: after it only 20 "
                           "lines")
    assert "Set `observation_end: auto` (or `2023-09-30`)" in text
    assert "* The last month, 2023-11, is observed to 2023-11-18 only (12 of its 30 days " \
           "missing)" in text


def test_auto_removes_the_tail_and_records_the_end(tailed):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing left to warn about
        result = clean_transactions(tailed, observation_end="auto")
    summary = result.reconcile()
    window = result.removed[result.removed["rule"] == "window"]
    assert len(window) == 20 and window["revenue"].sum() == pytest.approx(200.0)
    assert set(window["reason"]) == {"sparse tail after 2023-09-30 (observation_end: auto)"}
    assert summary["last_date"] == pd.Timestamp("2023-09-30 12:00")
    assert result.settings["observation_end"] == "2023-09-30"
    row = result.log.set_index("rule").loc["window"]
    assert (row["rows"], row["revenue"]) == (20, pytest.approx(200.0))
    assert row["describe"].startswith("lines outside the observation window (the first order "
                                      "to 2023-09-30); observation_end: auto ended it")
    # later notebooks measure from the end auto chose
    tables = CleanTables(result.transactions, None, None,
                         {"settings": result.settings})
    assert tables.observation_end == "2023-09-30"
    edges, applied = cleaning_edges(result)
    assert applied
    assert edges_text(edges, "zh", applied=applied).startswith(
        "* 数据的正常业务量在 2023-09-30 结束:此后的 20 行")
    assert edges.last_month is None  # September is whole up to the 30th


def test_auto_without_a_tail_ends_at_the_last_order():
    raw = steady_log()
    raw["source_row"] = np.arange(len(raw), dtype="int64")
    result = clean_transactions(raw, observation_end="auto")
    assert len(result.transactions) == len(raw)
    assert result.settings["observation_end"] == ""
    assert result.log.set_index("rule").loc["window", "describe"] == (
        "no observation window set; observation_end: auto found no sparse tail: the window "
        "ends at the last order")
    last = f"{pd.Timestamp(raw['order_date'].max()):%Y-%m-%d}"
    assert CleanTables(result.transactions, None, None,
                       {"settings": result.settings}).observation_end == last


def test_observation_end_accepts_auto_and_says_so_when_wrong():
    check = check_of("observation_end")
    assert check is not None and check.test("auto") and check.test("2024-12-31")
    assert not check.test("soon") and "'auto'" in check.expected
    with pytest.raises(ParameterError, match="or 'auto'"):
        clean_transactions(steady_log(days=5), observation_end="soon")


def test_partial_months_count_the_missing_days():
    first, last = partial_months("2023-03-18", "2024-06-27")
    assert (f"{first.month:%Y-%m}", first.missing, first.days) == ("2023-03", 17, 31)
    assert (f"{last.month:%Y-%m}", f"{last.last:%Y-%m-%d}", last.missing) == \
        ("2024-06", "2024-06-27", 3)
    assert partial_months("2023-03-03", "2024-06-28") == (None, None)  # 2 days: whole enough
    one, same = partial_months("2024-02-10", "2024-02-20")  # one month, cut at both ends
    assert one == same and (one.missing, one.days) == (18, 29)
    assert edges_text(detect_edges(pd.DataFrame({"order_date": pd.to_datetime(
        ["2023-03-18", "2024-06-27"])})), "zh").splitlines() == [
        "* 首月 2023-03 只观察到 2023-03-18 起的部分(31 天中缺 17 天):"
        "该月的同期群和月度数字小于完整月份。",
        "* 末月 2024-06 只观察到 2024-06-27 为止(30 天中缺 3 天):"
        "该月的月度数字不能与完整月份相比。"]
