"""Lines a DuckDB run leaves on disk give the tables the lines in memory give.

With ``engine: duckdb`` notebook 04 hands :func:`custlib.lifecycle.stages.purchase_days`
and the action lists the run's lines in their Parquet file
(:class:`custlib.data.engines.saved.SavedLines`): DuckDB groups them into a row per
customer and day (or per customer) instead of pandas holding the lines. Each test compares
with the pandas path on the same lines, written as the kit writes them. The purchase days
and the customer tables are equal to the last bit: both engines sum money by Kahan in the
lines' order (custlib.data.sums).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("duckdb", reason="pip install duckdb (custlib[fast]) for the DuckDB engine")

from custlib.data.contract import ColumnError  # noqa: E402
from custlib.data.engines.saved import SavedLines  # noqa: E402
from custlib.errors import DataError, EmptyResultError  # noqa: E402
from custlib.lifecycle import actions, stages  # noqa: E402
from custlib.run import artefacts, config, workflow  # noqa: E402


@pytest.fixture(scope="module")
def demo():
    from custlib.data.cleaning import clean_transactions
    from custlib.data.loading import load_transactions

    return clean_transactions(load_transactions("demo")).transactions


@pytest.fixture(scope="module")
def cdnow():
    from custlib.data.cleaning import clean_transactions
    from custlib.data.loading import load_transactions

    return clean_transactions(load_transactions("cdnow_sample")).transactions


IDS = ["10", "9", "100", "a b", "客户7", "x", "2", "Z", "09", "b", "é", "e"]


def _log(seed: int = 0, n: int = 600) -> pd.DataFrame:
    """Lines of a few customers, shuffled, with the odd cases of a real log."""
    rng = np.random.default_rng(seed)
    when = pd.Timestamp("2022-01-03") + pd.to_timedelta(rng.integers(0, 700, n), unit="D") \
        + pd.to_timedelta(rng.integers(0, 86_400_000_000, n), unit="us")
    tx = pd.DataFrame({
        "customer_id": pd.array(rng.choice(IDS, size=n), dtype="str"),
        "order_id": pd.array([f"o{i // 3}" for i in range(n)], dtype="str"),
        "order_date": when,
        # amounts whose sums round differently in another order
        "amount": rng.gamma(2.0, 30.0, n) * rng.choice([1e-3, 1.0, 1e6], size=n),
        "category": pd.array(rng.choice(["toys", "food", "Food", None], size=n), dtype="str"),
    })
    tx.loc[[3, 50, 51], "customer_id"] = None
    tx.loc[[7, 80], "order_date"] = pd.NaT
    tx.loc[[9, 90], "amount"] = np.nan
    tx.loc[[10, 11, 12], "order_date"] = pd.to_datetime(
        ["1969-12-31 23:59:59.999999", "1969-12-31", "1901-05-06 12:00"], format="ISO8601")
    return tx


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Equal tables, to the last bit."""
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def _kahan(values: np.ndarray) -> float:
    """Kahan's compensated sum, in order."""
    total = compensation = 0.0
    for x in values:
        y = x - compensation
        t = total + y
        compensation = (t - total) - y
        total = t
    return total


def _saved(tmp_path, tx: pd.DataFrame, row_group_size: int | None = None, **kw) -> SavedLines:
    path = tmp_path / "lines.parquet"
    tx.to_parquet(path, index=False, row_group_size=row_group_size)
    return SavedLines(path, read=lambda cols: pd.read_parquet(path, columns=cols),
                      columns=list(tx.columns), **kw)


@pytest.mark.parametrize("seed", [0, 1])
def test_purchase_days_on_disk_equal_those_in_memory(tmp_path, seed):
    tx = _log(seed)
    lines = _saved(tmp_path, tx)
    got = stages.purchase_days(lines)
    want = stages.purchase_days(tx)
    assert len(want) > 300 and want["day"].min() == pd.Timestamp("1901-05-06")
    _same(got, want)
    sorted_log = tx.sort_values(["customer_id", "order_date"], kind="stable")  # pandas' other sum
    _same(stages.purchase_days(_saved(tmp_path, sorted_log)), stages.purchase_days(sorted_log))
    pd.testing.assert_frame_equal(stages.purchase_days(lines, monetary_col=None),
                                  stages.purchase_days(tx, monetary_col=None), check_exact=True)
    # microseconds, and a time zone (the pandas path: local midnights)
    micro = tx.assign(order_date=tx["order_date"].astype("datetime64[us]"))
    got = stages.purchase_days(_saved(tmp_path, micro))
    assert got["day"].dtype == "datetime64[us]"
    _same(got, stages.purchase_days(micro))
    zoned = tx.assign(order_date=tx["order_date"].dt.tz_localize("Asia/Shanghai"))
    pd.testing.assert_frame_equal(stages.purchase_days(_saved(tmp_path, zoned)),
                                  stages.purchase_days(zoned), check_exact=True)


def test_a_days_sum_is_kahans_in_the_lines_order_whatever_duckdbs_threads(tmp_path):
    """Thousands of lines a day: DuckDB's plain sum adds them in the order its threads
    meet them; the kit's sum is Kahan's, in the lines' order, so a day's revenue is the
    same number from run to run."""
    rng = np.random.default_rng(7)
    n = 60_000
    tx = pd.DataFrame({"customer_id": pd.array(rng.choice(["a", "b", "c"], size=n), dtype="str"),
                       "order_date": pd.Timestamp("2023-01-01")
                       + pd.to_timedelta(rng.integers(0, 5, n), unit="D"),
                       "amount": rng.gamma(2.0, 30.0, n) * rng.choice([1e-4, 1.0, 1e7], size=n)})
    lines = _saved(tmp_path, tx, row_group_size=1000)  # read by several threads at once
    day = tx["order_date"].dt.normalize()
    want = [_kahan(tx.loc[(tx["customer_id"] == c) & (day == d), "amount"].to_numpy())
            for c in ("a", "b", "c") for d in sorted(day.unique())]
    for threads in (1, 4):
        lines._connection().execute(f"SET threads = {threads}")
        got = stages.purchase_days(lines)
        assert len(got) == 15 and got["revenue"].tolist() == want
    _same(got, stages.purchase_days(tx))


def test_purchase_days_on_disk_say_what_is_missing(tmp_path):
    tx = _log()
    with pytest.raises(ColumnError, match="'amount'"):
        stages.purchase_days(_saved(tmp_path, tx.drop(columns="amount")))
    nobody = tx.assign(customer_id=pd.Series([None] * len(tx), dtype="str"))
    with pytest.raises(EmptyResultError, match="empty"):
        stages.purchase_days(_saved(tmp_path, nobody))
    with pytest.raises(Exception, match="must hold dates"):
        stages.purchase_days(_saved(tmp_path, tx.assign(order_date="2023-01-01")))


def test_breadth_on_disk_equals_breadth_in_memory(tmp_path):
    tx = _log(3)
    for frame in (tx, tx.drop(columns="order_id"), tx.drop(columns="category")):
        got = actions._breadth(_saved(tmp_path, frame), customer_id_col="customer_id",
                               category_col="category", order_id_col="order_id")
        want = actions._breadth(frame, customer_id_col="customer_id",
                                category_col="category", order_id_col="order_id")
        assert len(want) == len(IDS)
        pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_renamed_values_are_counted_as_renamed(tmp_path):
    """Two categories given one name are one category, on disk as in memory."""
    from custlib.data.context import relabel

    tx = _log(4)
    names = {"food": "食品", "Food": "食品", "toys": "玩具"}
    lines = _saved(tmp_path, tx).relabelled(names, ("category",))
    frame = relabel(tx, names, ("category",))
    assert set(lines.to_pandas(["category"])["category"].dropna()) == {"食品", "玩具"}
    pd.testing.assert_frame_equal(lines.to_pandas(), frame)
    got = actions._breadth(lines, customer_id_col="customer_id", category_col="category",
                           order_id_col="order_id")
    want = actions._breadth(frame, customer_id_col="customer_id", category_col="category",
                            order_id_col="order_id")
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert want["categories"].max() == 2
    # renamed again: the names shown are renamed, as a renamed frame's are
    again = {"食品": "food & drink"}
    pd.testing.assert_frame_equal(lines.relabelled(again, ("category",)).to_pandas(),
                                  relabel(frame, again, ("category",)))


def test_saved_lines_read_as_frames_and_name_what_they_cannot_do(tmp_path):
    tx = _log(5)
    lines = _saved(tmp_path, tx)
    assert len(lines) == len(tx) and lines.shape == (len(tx), 5) and not lines.empty
    assert "amount" in lines and "description" not in lines
    pd.testing.assert_series_equal(lines["amount"], tx["amount"])
    pd.testing.assert_frame_equal(lines[["customer_id", "amount"]], tx[["customer_id", "amount"]])
    assert lines.head(3)["order_id"].tolist() == ["o0", "o0", "o0"]
    with pytest.raises(KeyError, match="description"):
        lines.to_pandas(["description"])
    with pytest.raises(AttributeError, match=r"\.to_pandas\(\[\.\.\.\]\).*engine: pandas"):
        lines.groupby("customer_id")
    assert "read by DuckDB" in repr(lines)


def test_a_duckdb_run_leaves_its_lines_on_disk(tmp_path):
    """The run's engine decides: a DuckDB run's lines are read when first used, and are
    then the frame a pandas run reads."""
    from custlib.data.cleaning import clean_transactions, save_cleaning
    from custlib.data.loading import load_transactions

    raw = load_transactions("cdnow_sample")
    frames = {}
    for engine in ("pandas", "duckdb"):
        run = config.run_folder(engine, tmp_path)
        result = clean_transactions(raw, engine=engine)
        save_cleaning(result, run, lang="en", currency="USD")
        clean = workflow.clean_tables(run)
        assert clean.summary["engine"] == engine
        assert isinstance(clean.lines, SavedLines) == (engine == "duckdb")
        if engine == "duckdb":
            assert clean._frame is None  # not read until used
            days = stages.purchase_days(clean.lines)
        assert clean.first_date == pd.Timestamp("1997-01-01")
        clean.summary["settings"]["observation_end"] = None  # then the last date
        assert clean.observation_end == "1998-06-30"
        frames[engine] = clean.transactions
        assert clean.lines is not None
    pd.testing.assert_frame_equal(frames["duckdb"], frames["pandas"], check_exact=True)
    _same(days, stages.purchase_days(frames["pandas"]))
    run = config.run_folder("duckdb", tmp_path)
    assert artefacts.table_path(run, "transactions_clean").name == "transactions_clean.parquet"


def _same_summary(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.attrs == want.attrs


@pytest.mark.parametrize("freq", ["D", "W", "M"])
@pytest.mark.parametrize("end", [None, "2023-06-15"])
def test_customer_summary_on_disk_equals_the_summary_in_memory(tmp_path, demo, freq, end):
    """Notebook 02's table from the lines on disk: to the last bit or so, for every unit,
    the whole log or a window cut inside it."""
    from custlib.value.summary import customer_summary

    tx = demo[["customer_id", "order_id", "order_date", "amount"]]
    lines = _saved(tmp_path, tx)
    want = customer_summary(tx, observation_end=end, freq=freq)
    assert len(want) > 500
    _same_summary(customer_summary(lines, observation_end=end, freq=freq), want)


def test_customer_summary_on_disk_without_order_ids_or_money(tmp_path, cdnow):
    from custlib.value.summary import customer_summary

    tx = cdnow[["customer_id", "order_date", "amount"]]
    lines = _saved(tmp_path, tx)
    for kw in ({"order_id_col": None}, {"order_id_col": None, "monetary_col": None},
               {"order_id_col": None, "freq_multiplier": 7}):
        want = customer_summary(tx, observation_end="1997-09-30", freq="W", **kw)
        _same_summary(customer_summary(lines, observation_end="1997-09-30", freq="W", **kw),
                      want)


def test_customer_summary_on_disk_says_what_is_wrong(tmp_path, demo):
    from custlib.errors import ParameterError
    from custlib.value.summary import customer_summary

    tx = demo[["customer_id", "order_id", "order_date", "amount"]]
    with pytest.raises(ColumnError, match="'order_id'"):
        customer_summary(_saved(tmp_path, tx.drop(columns="order_id")))
    with pytest.raises(ParameterError, match="missing ids"):
        customer_summary(_saved(tmp_path, tx.assign(customer_id=tx["customer_id"].where(
            tx.index != 5))))
    with pytest.raises(ParameterError, match="observation_end"):
        customer_summary(_saved(tmp_path, tx), observation_end="soon")
    with pytest.raises(EmptyResultError, match="on or before"):
        customer_summary(_saved(tmp_path, tx), observation_end="1990-01-01")
    with pytest.raises(ParameterError, match="freq_multiplier"):
        customer_summary(_saved(tmp_path, tx), freq_multiplier=0)


def test_profile_cards_from_lines_on_disk_equal_those_from_the_frame(tmp_path, demo):
    """The top categories and channels of each segment: the same text, from the revenue
    DuckDB sums per segment and value; a segment whose lines have no category says ""."""
    from custlib.segments.profiles import profile_cards
    from custlib.value.summary import customer_summary

    tx = demo.copy()
    cust = customer_summary(tx)
    seg = pd.Series(np.select([cust["n_orders"] > 8, cust["n_orders"] > 3], ["很多", "some"],
                              "few"), index=cust.index)
    table = cust.assign(seg=pd.Categorical(seg))
    table.loc[table.index[:5], "seg"] = np.nan  # customers of no segment
    few = table.index[table["seg"] == "few"]
    tx.loc[tx["customer_id"].isin(few), "category"] = None  # a segment without categories
    want = profile_cards(table, "seg", transactions=tx)
    got = profile_cards(table, "seg", transactions=_saved(tmp_path, tx))
    pd.testing.assert_frame_equal(got, want)
    assert (want.iloc[:, -2:] != "").sum().sum() >= 4 and "" in set(want.iloc[:, -2])


def test_notebook_03s_steps_on_disk_equal_those_in_memory(tmp_path, cdnow):
    """The calibration/holdout split, the tracking of repeat purchases, a customer's P(alive)
    history and the default calibration end, from the lines on disk: equal to the last bit
    (the tracking's expectations, sums over first-purchase days, to 1e-12)."""
    from custlib.value import btyd
    from custlib.value.diagnostics import p_alive_history, tracking

    tx = cdnow[["customer_id", "order_id", "order_date", "amount"]]
    lines = _saved(tmp_path, tx)
    for unit, obs_end in (("weeks", "1998-06-30"), ("days", ""), ("months", "1998-03-31")):
        want = btyd.calibration_holdout(tx, "1997-09-30", obs_end, unit=unit)
        got = btyd.calibration_holdout(lines, "1997-09-30", obs_end, unit=unit)
        assert want["frequency_holdout"].sum() > 100
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert got.attrs == want.attrs
    ch = btyd.calibration_holdout(tx, "1997-09-30", "1998-06-30")
    model = btyd.BTYDModel("bgnbd").fit(ch)
    for obs_end in ("1998-06-30", None):
        want = tracking(model, tx, "1997-09-30", obs_end)
        got = tracking(model, lines, "1997-09-30", obs_end)
        assert want["actual"].sum() > 100 and want.attrs == got.attrs
        pd.testing.assert_frame_equal(got.drop(columns=["expected", "cumulative_expected"]),
                                      want.drop(columns=["expected", "cumulative_expected"]),
                                      check_exact=True)
        pd.testing.assert_frame_equal(got, want, rtol=1e-12)
    with pytest.raises(EmptyResultError, match="no customer bought by 1990-01-01"):
        tracking(model, lines, "1990-01-01", "1998-06-30")
    who = ch["frequency"].idxmax()
    for obs_end in ("1998-06-30", None):
        pd.testing.assert_frame_equal(
            p_alive_history(model, lines, who, observation_end=obs_end),
            p_alive_history(model, tx, who, observation_end=obs_end), check_exact=True)
    with pytest.raises(DataError, match="'nobody' has no transaction"):
        p_alive_history(model, lines, "nobody")
    assert workflow.default_calibration_end(lines, "1998-06-30") == \
        workflow.default_calibration_end(tx, "1998-06-30")
