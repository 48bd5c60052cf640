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
