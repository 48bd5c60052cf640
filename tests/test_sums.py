"""Sums of money per group: Kahan's, in the lines' order, the same in every engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from custlib.data.sums import kahan_sums
from custlib.lifecycle import stages


def _kahan(values: list[float]) -> float:
    total = compensation = 0.0
    for x in values:
        y = x - compensation
        t = total + y
        compensation = (t - total) - y
        total = t
    return total


amounts = st.one_of(st.floats(min_value=-1e9, max_value=1e9), st.just(float("nan")))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 6), amounts), max_size=80), st.integers(1, 8))
def test_kahan_sums_are_kahans_sum_of_each_group_in_order(rows, n_groups):
    groups = np.array([min(g, n_groups - 1) for g, _ in rows], dtype=np.int64)
    values = np.array([x for _, x in rows], dtype=np.float64)
    got = kahan_sums(groups, values, n_groups)
    want = [_kahan([x for g, x in zip(groups, values, strict=True)
                    if g == i and not np.isnan(x)]) for i in range(n_groups)]
    assert got.tolist() == want


def test_a_days_revenue_does_not_depend_on_the_order_of_the_customers():
    """pandas sums a sorted log's groups another way than an unsorted one's; the kit's
    purchase days give a day the same revenue whichever order the customers come in."""
    rng = np.random.default_rng(3)
    n = 5000
    tx = pd.DataFrame({"customer_id": pd.array(rng.choice(list("abcdefgh"), n), dtype="str"),
                       "order_date": pd.Timestamp("2024-01-01")
                       + pd.to_timedelta(rng.integers(0, 30, n), unit="D"),
                       "amount": rng.choice([0.1, 0.2, 0.3, 14.37, 13.97, 15.36], n)})
    # sorted by customer and day (the order a sorted export has), each day's lines in order
    ordered = tx.sort_values(["customer_id", "order_date"], kind="stable")
    pd.testing.assert_frame_equal(stages.purchase_days(ordered), stages.purchase_days(tx),
                                  check_exact=True)
