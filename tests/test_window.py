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


def test_a_log_ending_after_the_christmas_peak_is_not_a_tail():
    """Three times the usual volume in December, half of it in January: seasons, not a tail."""
    rng = np.random.default_rng(7)
    days = pd.date_range("2023-02-01", "2025-01-31")
    level = np.where(days.month == 12, 60.0, np.where(days.month == 1, 10.0, 20.0))
    dates = days.repeat(rng.poisson(level))
    tx = pd.DataFrame({"order_date": dates, "order_id": np.arange(len(dates)).astype(str)})
    assert sparse_tail(tx) is None


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
    assert (f"{first.start:%Y-%m}", first.missing, first.days) == ("2023-03", 17, 31)
    assert (f"{last.start:%Y-%m}", f"{last.last:%Y-%m-%d}", last.missing) == \
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


# --- cohorts and KPIs on partial periods ---------------------------------------------------

def _days(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [r[0] for r in rows],
                         "day": pd.to_datetime([r[1] for r in rows]),
                         "revenue": [r[2] for r in rows]})


#: a log from 20 January to 12 March: January and March observed in part
MIDMONTH = _days([("a", "2024-01-20", 10.0), ("a", "2024-02-10", 20.0), ("a", "2024-03-12", 30.0),
                  ("b", "2024-02-05", 5.0), ("b", "2024-03-01", 5.0), ("c", "2024-03-02", 7.0),
                  ("d", "2024-01-25", 1.0)])


def test_cohort_tables_mark_partial_months_and_blank_the_partial_last_month():
    from custlib.lifecycle import cohorts

    retention = cohorts.cohort_retention(MIDMONTH)
    # a: Jan cohort, back in Feb and Mar; d: Jan only; b: Feb cohort, back in Mar
    assert retention.loc["2024-01-01"].tolist()[:2] == [1.0, 0.5]
    assert np.isnan(retention.loc["2024-01-01", 2])  # March: 12 of 31 days observed
    assert np.isnan(retention.loc["2024-02-01", 1])
    assert retention.loc["2024-03-01", 0] == 1.0  # its own month stays
    first, last = retention.attrs["partial_first"], retention.attrs["partial_last"]
    assert (first.label, first.missing, last.label, last.missing) == ("2024-01", 19, "2024-03", 19)
    assert cohorts.partial_note(retention, "en") == (
        "*The first cohort, 2024-01, is observed from 2024-01-20 only (19 of its 31 days "
        "missing): it is smaller than a whole period's, and holds customers who had bought "
        "before the log starts.* *The last period, 2024-03, is observed to 2024-03-12 only (19 "
        "of its 31 days missing): retention and cumulative revenue measured in it are left out "
        "(blank), its revenue covers only the days observed.*")
    assert "末期" not in cohorts.partial_note(retention, "zh")
    assert cohorts.partial_note(retention, "zh").startswith("*首个同期群 2024-01 只观察到")
    # observed to the end of March: March is whole, its cells come back
    whole = cohorts.cohort_retention(MIDMONTH, observation_end="2024-03-31")
    assert whole.loc["2024-01-01"].tolist() == [1.0, 0.5, 0.5]
    assert whole.loc["2024-02-01", 1] == 1.0 and whole.attrs["partial_last"] is None
    cumulative = cohorts.cohort_cumulative_revenue(MIDMONTH)
    assert cumulative.loc["2024-01-01", 1] == pytest.approx(15.5)  # (10 + 1 + 20) / 2
    assert np.isnan(cumulative.loc["2024-01-01", 2])
    revenue = cohorts.cohort_revenue(MIDMONTH)
    assert revenue.loc["2024-03-01"].sum() == pytest.approx(42.0)  # real, marked partial
    assert revenue.attrs["partial_last"].last == pd.Timestamp("2024-03-12")


def test_demo_cohorts_have_no_partial_month():
    from custlib.lifecycle import cohorts, stages

    tx = clean_transactions(load_transactions("demo"), observation_start="2022-01-01",
                            observation_end="2024-12-31").transactions
    retention = cohorts.cohort_retention(stages.purchase_days(tx), observation_end="2024-12-31")
    assert retention.attrs["partial_first"] is None and retention.attrs["partial_last"] is None
    assert cohorts.partial_note(retention, "en") == ""


def test_kpis_compare_equal_lengths_when_the_log_starts_days_into_the_previous_period():
    from custlib.report.html import kpi_cards
    from custlib.report.kpis import kpis

    days = pd.date_range("2023-01-20", "2024-12-31")  # one order a day, 1.0 each
    tx = pd.DataFrame({"customer_id": "a", "order_date": days, "amount": 1.0})
    table = kpis(tx, "2024-12-31")
    revenue = table.loc["revenue, last 346 days"]
    assert (revenue["value"], revenue["previous"], revenue["change"]) == (346.0, 346.0, 0.0)
    assert table.attrs["period"] == "2024-01-21 – 2024-12-31" and table.attrs["days"] == 346
    assert table.attrs["note"] == ("the log starts on 2023-01-20, 19 days into the previous "
                                   "period: both periods are shortened to 346 days, to compare "
                                   "equal lengths")
    cards = kpi_cards(table, "GBP", "en")
    assert (cards["period_label"], cards["note"]) == ("Last 346 days", table.attrs["note"])
    zh = kpis(tx, "2024-12-31", lang="zh").attrs["note"]
    assert zh == ("数据从 2023-01-20 开始,上一期的前 19 天没有数据:两期都缩短为 346 天,"
                  "以便按相同长度比较")
    # two days short: whole enough, the periods stay 12 months and the note is empty
    near = kpis(tx.assign(order_date=pd.date_range("2023-01-03", periods=len(tx)))
                .query("order_date <= '2024-12-31'"), "2024-12-31")
    assert near.attrs["note"] == "" and near.attrs["period"] == "2024-01-01 – 2024-12-31"
    assert kpi_cards(near, "GBP", "en")["period_label"] == "Last 12 months"


def test_the_end_auto_chose_reaches_the_later_notebooks(tmp_path, tailed):
    """run_cleaning as notebook 01 with observation_end: auto; notebooks 02-05 read the
    run's clean tables and measure from the end it chose, not from the last straggler."""
    from custlib.run.config import run_folder
    from custlib.run.workflow import clean_tables, default_calibration_end, run_cleaning

    path = tmp_path / "tail.csv"
    tailed.drop(columns="source_row").to_csv(path, index=False)
    run = run_folder("tail", tmp_path)
    run_cleaning(run, transactions=str(path), customers="", survey="", context="",
                 observation_end="auto")
    tables = clean_tables(run)
    assert tables.observation_end == "2023-09-30"
    assert f"{tables.transactions['order_date'].max():%Y-%m-%d}" == "2023-09-30"
    assert default_calibration_end(tables.transactions, tables.observation_end) < "2023-09-30"
    log = (run.root / "tables" / "cleaning_log.csv").read_text(encoding="utf-8")
    assert "observation_end: auto ended it where the log's usual volume ends" in log


def test_a_small_log_with_stragglers_has_a_tail():
    """Four orders a day (a few hundred customers), then the same 20 stragglers: 1.7 % of
    the lines, a tenth of the usual rate, still a tail."""
    raw = with_stragglers(steady_log(per_day=4.0, seed=3), "2023-09-30", OFFSETS)
    tail = sparse_tail(raw.assign(order_date=pd.to_datetime(raw["order_date"])))
    assert tail is not None and f"{tail.end:%Y-%m-%d}" == "2023-09-30"
    assert (tail.lines, tail.days) == (20, 49)
