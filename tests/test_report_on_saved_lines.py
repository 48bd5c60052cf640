"""The report's steps give from a DuckDB run's lines on disk what they give from the frame.

With ``engine: duckdb`` notebook 05 hands its steps (the KPIs and their caveats, the
certainty section, preferences, price sensitivity, growth, priorities, the canvas and the
segment report) the run's clean lines in their Parquet file
(:class:`custlib.data.engines.saved.SavedLines`), and each step reads only the columns it
uses (:func:`custlib.data.engines.table.frame_of`): at 100M lines the notebook held every
line's every column for its whole run. Each test compares, value for value and sentence
for sentence, with the same step given the lines as a frame, on the demo cleaned by the
DuckDB engine, its values renamed by the demo context's Chinese labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("duckdb", reason="pip install duckdb (custlib[fast]) for the DuckDB engine")

from custlib.data.engines.saved import SavedLines  # noqa: E402
from custlib.data.engines.table import filled_columns, frame_of  # noqa: E402
from custlib.report import availability, certainty, extremes, kpis, needs, strategy  # noqa: E402
from custlib.report.document import Report  # noqa: E402
from custlib.report.priorities import (  # noqa: E402
    recent_revenue,
    recommendations,
    segment_growth,
    segment_priorities,
)
from custlib.report.segment_report import segment_report  # noqa: E402
from custlib.run import config, workflow  # noqa: E402

END = "2024-12-31"


class Recorded(SavedLines):
    """Saved lines that note the columns each read asks for."""

    reads: list[list[str]]

    def to_pandas(self, columns=None):  # noqa: D102
        self.reads.append(list(columns) if columns is not None else list(self.columns))
        return super().to_pandas(columns)


def _recorded(lines: SavedLines) -> Recorded:
    out = Recorded(lines.path, read=lines._read, columns=list(lines.columns),
                   names=lines._renames, labelled=lines._labelled)
    out.reads = []
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The demo cleaned by the DuckDB engine, read back as notebook 05 reads it (zh labels)."""
    from custlib.data.cleaning import clean_transactions, save_cleaning
    from custlib.data.context import data_labels, load_context
    from custlib.data.loading import load_transactions

    folder = config.run_folder("duckdb", tmp_path_factory.mktemp("saved_report"))
    save_cleaning(clean_transactions(load_transactions("demo"), engine="duckdb"), folder,
                  lang="en", currency="GBP")
    names = data_labels(load_context("demo", lang="zh"), "zh")
    assert names  # the demo renames its categories and channels in Chinese
    clean = workflow.clean_tables(folder).relabelled(names)
    assert isinstance(clean.lines, SavedLines)
    frame = clean.lines.to_pandas()
    assert {"category", "channel", "product_id", "is_extreme"} <= set(frame.columns)
    return clean, frame


@pytest.fixture(scope="module")
def segments(run):
    """Three segments of customers by revenue, and a customer table for the priorities."""
    _, frame = run
    revenue = frame.groupby(frame["customer_id"].astype(str))["amount"].sum()
    seg = pd.qcut(revenue.rank(method="first"), 3, labels=["低", "中", "高"]).astype(str)
    table = pd.DataFrame({"segment": seg, "total_revenue": revenue})
    return seg, table


def _saved(tmp_path, tx: pd.DataFrame) -> Recorded:
    path = tmp_path / "lines.parquet"
    tx.to_parquet(path, index=False)
    return _recorded(SavedLines(path, read=lambda cols: pd.read_parquet(path, columns=cols),
                                columns=list(tx.columns)))


def test_each_step_reads_only_its_columns_and_answers_as_from_the_frame(run, segments):
    clean, frame = run
    seg, table = segments
    lines = _recorded(clean.lines)
    for column in ("category", "channel"):
        got = needs.preferences(lines, seg, column=column)
        assert got.shape[0] == 3 and got.shape[1] >= 3
        pd.testing.assert_frame_equal(got, needs.preferences(frame, seg, column=column),
                                      check_exact=True)
    price = needs.price_sensitivity(lines, seg)
    assert price["spend_per_order"].gt(0).all()  # the demo sells a product at one price
    pd.testing.assert_frame_equal(price, needs.price_sensitivity(frame, seg), check_exact=True)
    growth = segment_growth(lines, seg, END)
    pd.testing.assert_series_equal(growth, segment_growth(frame, seg, END), check_exact=True)
    pd.testing.assert_series_equal(recent_revenue(lines, END), recent_revenue(frame, END),
                                   check_exact=True)
    got = kpis.kpis(lines, END, months=12)
    want = kpis.kpis(frame, END, months=12)
    assert (got["value"].iloc[:2] > 0).all()  # customers and revenue this year
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.attrs == want.attrs
    for clv in (None, table["total_revenue"] * 0.3):
        data = table.assign(clv=clv) if clv is not None else table
        got = segment_priorities(data, "segment", growth=growth, transactions=lines,
                                 observation_end=END)
        want = segment_priorities(data, "segment", growth=growth, transactions=frame,
                                  observation_end=END)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert got.attrs == want.attrs and got["silent_days"].notna().all()
    measured = {"repeat_rate": 0.4, "top10_share": 0.5}
    canvas = strategy.canvas_analysis(table, "segment", lines, measured, lang="zh")
    assert canvas["channels"] and canvas["revenue_streams"]
    assert canvas == strategy.canvas_analysis(table, "segment", frame, measured, lang="zh")
    assert availability.RunData.of(transactions=lines) == \
        availability.RunData.of(transactions=frame)
    # a read per step, of its columns: never the lines whole, never a column no step uses
    assert len(lines.reads) >= 10 and max(len(cols) for cols in lines.reads) == 3
    assert all("country" not in cols and "description" not in cols for cols in lines.reads)
    # price sensitivity's six columns, a few at a time, each let go when used
    at = lines.reads.index(["unit_price", "product_id"])
    assert lines.reads[at:at + 6] == [["unit_price", "product_id"], ["customer_id"],
                                      ["order_id"], ["amount"], ["quantity"], ["unit_price"]]


def test_the_reports_sections_read_alike_from_disk(run, segments, monkeypatch):
    """The certainty section and the segment report: the same HTML, sentence for sentence.

    The pages end with the minute they are made: two pages made either side of a minute
    differed in that line only (the test failed once so under xdist), so the stamp is
    fixed here as a scheduler fixes it (``SOURCE_DATE_EPOCH``).
    """
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    clean, frame = run
    seg, table = segments
    html = []
    for tx in (frame, _recorded(clean.lines)):
        rep = Report("t", lang="zh")
        certainty.add_certainty(rep, transactions=tx, cleaning=clean.summary,
                                observation_end=END, btyd=None, currency="GBP")
        priorities = segment_priorities(table, "segment", transactions=tx,
                                        observation_end=END)
        recs = recommendations(priorities, pd.DataFrame(columns=["segment", "action"]),
                               lang="zh")
        seg_rep = segment_report(recs.head(2), table, "segment", tx, lang="zh",
                                 currency="GBP", observation_end=END)
        html.append((rep.html(), seg_rep.html()))
    for got, want in zip(html[1], html[0], strict=True):
        at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), None)
        where = (f"lengths {len(got)} != {len(want)}" if at is None else
                 f"apart at {at}: {got[at - 80:at + 80]!r} != {want[at - 80:at + 80]!r}")
        assert got == want, where
        assert "custlib · 2026-01-01 00:00" in got
    assert "GBP" in html[1][1] or "£" in html[1][1]


def test_price_sensitivity_on_disk_with_markdowns(run, segments, tmp_path):
    _, frame = run
    seg, _ = segments
    cut = np.where(np.arange(len(frame)) % 5 == 0, 0.5, 1.0)
    tx = frame.assign(unit_price=frame["unit_price"] * cut)
    got = needs.price_sensitivity(_saved(tmp_path, tx), seg)
    assert got["low_price_share"].between(0.15, 0.25).all()
    pd.testing.assert_frame_equal(got, needs.price_sensitivity(tx, seg), check_exact=True)


def _log_with_extremes(frame: pd.DataFrame) -> pd.DataFrame:
    """The demo's lines with three wholesale lines that make most of the revenue."""
    big = frame.sort_values("order_date").iloc[-3:].copy()
    big["amount"] = frame["amount"].sum() * np.array([2.0, 1.0, 0.5])
    big["is_extreme"] = True
    return pd.concat([frame, big], ignore_index=True)


def test_caveats_name_the_same_extreme_lines(run, tmp_path):
    clean, frame = run
    tx = _log_with_extremes(frame)
    lines = _saved(tmp_path, tx)
    got = extremes.log_caveats(lines, lang="zh", currency="GBP")
    assert len(got) == 1 and got == extremes.log_caveats(tx, lang="zh", currency="GBP")
    clv = pd.Series(1.0, index=tx["customer_id"].astype(str).unique())
    clv[str(tx["customer_id"].iloc[-1])] = 1e9
    got = extremes.extreme_caveats(lines, END, clv=clv, lang="en", currency="GBP")
    assert len(got) == 2  # this year's revenue and the CLV
    assert got == extremes.extreme_caveats(tx, END, clv=clv, lang="en", currency="GBP")
    assert ["is_extreme"] in lines.reads  # the flag first
    # without a flagged line nothing more than the flag is read
    lines = _saved(tmp_path, frame.assign(is_extreme=False))
    assert extremes.log_caveats(lines) == extremes.extreme_caveats(lines, END) == []
    assert lines.reads == [["is_extreme"], ["is_extreme"]]


def test_filled_columns_from_disk_are_the_frames(tmp_path):
    """Columns with a value: NaN and missing are empty alike, on disk as in the frame,
    renamed values included."""
    tx = pd.DataFrame({
        "customer_id": ["a", "b", None],
        "amount": [np.nan, np.nan, np.nan],
        "quantity": [np.nan, 2.0, np.nan],
        "channel": pd.array([None, None, None], dtype="str"),
        "category": ["toys", None, "food"],
        "when": pd.to_datetime([None, None, None]),
    })
    path = tmp_path / "lines.parquet"
    tx.to_parquet(path, index=False)
    lines = SavedLines(path, read=lambda cols: pd.read_parquet(path, columns=cols),
                       columns=list(tx.columns))
    want = frozenset({"customer_id", "quantity", "category"})
    assert filled_columns(tx) == filled_columns(lines) == want
    assert lines.relabelled({"toys": "玩具"}, ["category", "channel"]).filled_columns() == want
    assert frame_of(tx, ["amount"]) is tx
    assert list(frame_of(lines, ["amount"], optional=["quantity", "nope"]).columns) == \
        ["amount", "quantity"]
    with pytest.raises(KeyError, match="nope"):
        frame_of(lines, ["nope"])


def test_priorities_group_saved_lines_in_duckdb(run, segments):
    """With CLV, the rhythm of saved lines is grouped by DuckDB: no line comes into pandas.

    Without an observation end the last purchase day of the lines stands in for it, as
    from the frame; customers of one purchase day have no usual gap, the others one.
    """
    clean, frame = run
    _, table = segments
    data = table.assign(clv=table["total_revenue"] * 0.3)
    lines = _recorded(clean.lines)
    got = segment_priorities(data, "segment", transactions=lines)
    assert lines.reads == []
    want = segment_priorities(data, "segment", transactions=frame)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    from custlib.report.priorities import _rhythm

    rhythm = _rhythm(lines, None)
    mine = _rhythm(frame, None)
    pd.testing.assert_frame_equal(rhythm.sort_index(), mine.sort_index(), check_exact=True,
                                  check_index_type=False, check_names=False)
    assert rhythm["usual_gap"].isna().any() and rhythm["usual_gap"].notna().any()
    assert (rhythm["silent_days"] >= 0).all() and rhythm["silent_days"].eq(0).any()
