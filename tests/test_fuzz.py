"""Fuzzing the loaders and the cleaning with Hypothesis.

Whatever a log holds, the kit either gives an answer that adds up or stops with a
:class:`~custlib.errors.CustlibError` that says what is wrong: never a pandas traceback,
never a silently unbalanced book.
"""

from __future__ import annotations

import string

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="pip install -e '.[dev]' for hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from custlib.data.cleaning import clean_transactions  # noqa: E402
from custlib.data.loading import load_transactions  # noqa: E402
from custlib.errors import CustlibError  # noqa: E402

#: random logs are full of repeated lines: the duplicates warning is expected, not news
pytestmark = pytest.mark.filterwarnings("ignore:.*exact duplicates of an earlier line")

SETTINGS = settings(deadline=None,  # examples: the Hypothesis profile (conftest.py)
                    suppress_health_check=[HealthCheck.too_slow])

customer_ids = st.sampled_from(["1001", "1002", "1003", "00017", "C-9", "", " 1001 "])
products = st.sampled_from(["A1", "B2", "C3", "POST", "M", ""])
dates = st.dates(min_value=pd.Timestamp("2019-01-01").date(),
                 max_value=pd.Timestamp("2024-12-31").date())
quantities = st.integers(min_value=-5, max_value=50)
prices = st.sampled_from(["0", "-1.5", "2.5", "10", "99.99", "1000"])


@st.composite
def raw_logs(draw) -> pd.DataFrame:
    """A transaction log as text, the way a CSV file is read: awkward but parseable."""
    n = draw(st.integers(min_value=1, max_value=40))
    rows = []
    for i in range(n):
        qty = draw(quantities)
        order = f"{'C' if qty < 0 and draw(st.booleans()) else ''}{5000 + i // 2}"
        rows.append({
            "customer_id": draw(customer_ids), "order_id": order,
            "order_date": f"{draw(dates):%Y-%m-%d} {draw(st.integers(0, 23)):02d}:00",
            "quantity": str(qty), "unit_price": draw(prices),
            "product_id": draw(products),
        })
    if draw(st.booleans()):  # exact duplicates, as export glitches make them
        rows += rows[: draw(st.integers(0, len(rows)))]
    raw = pd.DataFrame(rows)
    raw["source_row"] = np.arange(len(raw), dtype="int64")
    return raw


@SETTINGS
@given(raw=raw_logs(), drop=st.booleans())
def test_cleaning_accounts_for_every_row_and_unit_of_revenue(raw, drop):
    try:
        result = clean_transactions(raw, drop_invalid=drop, min_date="2018-01-01",
                                    max_date="2030-01-01",
                                    unmatched_cancellations="drop" if drop else "keep")
    except CustlibError:
        return  # e.g. nothing left to analyse: said in words, never a traceback
    summary = result.reconcile()
    assert summary["raw_rows"] == len(raw)
    placed = pd.concat([result.transactions["source_row"], result.anonymous["source_row"],
                        result.removed["source_row"]])
    assert sorted(placed.tolist()) == list(range(len(raw)))  # each row in exactly one place
    kept = result.transactions
    assert np.isfinite(kept["amount"]).all() and np.isfinite(kept["quantity"]).all()
    assert kept["customer_id"].notna().all()
    assert (kept["order_date"] >= pd.Timestamp("2019-01-01")).all()
    if "product_id" in kept:
        assert not kept["product_id"].isin(["POST", "M"]).any()
    raw_money = (raw["quantity"].astype(float) * raw["unit_price"].astype(float)).sum()
    assert summary["raw_revenue"] == pytest.approx(raw_money, abs=1e-6)


cells = st.text(alphabet=string.printable.strip() + " £€¥中文", max_size=12)  # no line breaks


@SETTINGS
@given(table=st.lists(st.lists(cells, min_size=1, max_size=6), min_size=0, max_size=8),
       sep=st.sampled_from([",", ";", "\t", "|"]))
def test_any_csv_loads_or_says_why(tmp_path_factory, table, sep):
    """Random bytes shaped like a CSV: a frame, or a CustlibError (never a pandas error)."""
    path = tmp_path_factory.mktemp("fuzz") / "log.csv"
    header = sep.join(["customer_id", "order_date", "quantity", "unit_price"])
    body = "\n".join(sep.join(row) for row in table)
    path.write_text(header + "\n" + body, encoding="utf-8")
    try:
        raw = load_transactions(path)
    except CustlibError:
        return
    assert list(raw.columns[:4]) == ["customer_id", "order_date", "quantity", "unit_price"]
    assert len(raw) <= len(table)
    try:
        clean_transactions(raw, max_date="2100-01-01")
    except CustlibError as exc:
        assert str(exc)  # a message for people


def _positive_money(raw: pd.DataFrame) -> pd.Series:
    """Each raw line's revenue when it is a purchase (quantity and price above zero), else 0."""
    money = raw["quantity"].astype(float) * raw["unit_price"].astype(float)
    return money.where((raw["quantity"].astype(float) > 0)
                       & (raw["unit_price"].astype(float) > 0), 0.0)


def _by_customer(result) -> pd.Series:
    return result.transactions.groupby("customer_id")["amount"].sum()


@SETTINGS
@given(raw=raw_logs(), keep=st.booleans())
def test_netting_never_creates_revenue(raw, keep):
    """Kept revenue is at most the raw purchases' revenue, and a cancellation or return
    never raises a customer's revenue: each customer's kept revenue with the log's
    negative lines is at most what it is without them."""
    unmatched = "keep" if keep else "drop"
    try:
        result = clean_transactions(raw, min_date="2018-01-01", max_date="2030-01-01",
                                    unmatched_cancellations=unmatched)
    except CustlibError:
        return
    kept = result.transactions
    assert kept["amount"].sum() <= _positive_money(raw).sum() + 1e-9
    assert (kept.loc[kept["quantity"] > 0, "amount"] > 0).all()
    raw_by_row = _positive_money(raw).set_axis(raw["source_row"])
    positive = kept[kept["quantity"] > 0]
    # netting only shrinks a purchase: no kept line is worth more than it was
    assert (positive["amount"].to_numpy()
            <= raw_by_row.loc[positive["source_row"]].to_numpy() + 1e-9).all()
    purchases = raw[raw["quantity"].astype(float) >= 0].copy()
    if len(purchases) == len(raw):
        return
    try:
        without = clean_transactions(purchases, min_date="2018-01-01", max_date="2030-01-01",
                                     unmatched_cancellations=unmatched)
    except CustlibError:
        without = None
    with_neg = _by_customer(result)
    base = _by_customer(without) if without is not None else pd.Series(dtype=float)
    base = base.reindex(with_neg.index, fill_value=0.0)
    assert (with_neg <= base + 1e-9).all(), pd.DataFrame({"with": with_neg, "without": base})


@SETTINGS
@given(raw=raw_logs(), seed=st.integers(0, 2**32 - 1), drop=st.booleans())
def test_cleaning_does_not_depend_on_row_order(raw, seed, drop):
    """The same lines in another order (each keeping its source_row) clean to the same
    table, the same set-aside and removed lines and the same log."""
    shuffled = raw.iloc[np.random.default_rng(seed).permutation(len(raw))].reset_index(drop=True)
    options = dict(drop_invalid=drop, min_date="2018-01-01", max_date="2030-01-01",
                   unmatched_cancellations="drop" if drop else "keep")
    outcomes = []
    for log in (raw, shuffled):
        try:
            outcomes.append(clean_transactions(log, **options))
        except CustlibError as exc:
            outcomes.append(str(exc))
    a, b = outcomes
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return

    def table(df: pd.DataFrame) -> pd.DataFrame:
        return df.sort_values("source_row").reset_index(drop=True)

    for part in ("transactions", "anonymous", "removed", "adjustments"):
        pd.testing.assert_frame_equal(table(getattr(a, part)), table(getattr(b, part)),
                                      check_exact=False, rtol=1e-12, obj=part)
    cols = ["rule", "action", "rows", "describe"]
    pd.testing.assert_frame_equal(a.log[cols], b.log[cols])
    np.testing.assert_allclose(a.log["revenue"], b.log["revenue"], rtol=1e-12, atol=1e-9)
