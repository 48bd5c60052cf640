"""Which lines belong to a segment in the segment report: a code per line, looked up once.

:func:`custlib.report.segment_report._line_segment_codes` replaced a test of every line's
id against each segment's members; these tests hold it to that rule (ids compared as
text, lines without an id or a segmented customer in no segment) on generated tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="pip install -e '.[dev]' for hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from custlib.report.segment_report import _line_segment_codes  # noqa: E402


def _members_rule(ids: pd.Series, table_index: pd.Index, seg: pd.Series, name: str) -> np.ndarray:
    """The earlier rule: a line is in the segment when its id, as text, is a member's."""
    members = set(table_index[(seg == name).to_numpy(dtype=bool)].astype(str))
    return ids.astype(str).isin(members).to_numpy() & ids.notna().to_numpy()


def test_lines_take_their_customers_segment():
    ids = pd.Series(["a", "b", None, "c", "a", "z", "b"], dtype="str")
    seg = pd.Series(["gold", "silver", np.nan], index=["a", "b", "c"], dtype=object)
    codes, names = _line_segment_codes(ids, seg)
    assert set(names) == {"gold", "silver"}
    assert codes.dtype == np.int16
    assert list(codes) == [names["gold"], names["silver"], -1, -1, names["gold"], -1,
                           names["silver"]]


def test_numbers_as_ids_match_as_text():
    """A customer table indexed by numbers still finds its lines (ids as text on both sides)."""
    ids = pd.Series(["1", "2", "1", "3"], dtype="str")
    seg = pd.Series(["x", "y"], index=[1, 2])
    codes, names = _line_segment_codes(ids, seg)
    assert list(codes) == [names["x"], names["y"], names["x"], -1]


def test_no_segment_column_puts_no_line_in_a_segment():
    codes, names = _line_segment_codes(pd.Series(["a", "b"], dtype="str"), None)
    assert names == {} and (codes == -1).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "d", "e", None]), max_size=40),
       st.dictionaries(st.sampled_from(["a", "b", "c", "x"]),
                       st.sampled_from(["gold", "silver", "(not segmented)", None]),
                       max_size=4))
def test_codes_pick_the_lines_the_members_rule_picks(line_ids, segment_of):
    ids = pd.Series(line_ids, dtype="str")
    seg = pd.Series(list(segment_of.values()), index=list(segment_of.keys()), dtype=object)
    codes, names = _line_segment_codes(ids, seg)
    assert len(codes) == len(ids)
    for name in {v for v in segment_of.values() if v is not None} | {"nobody"}:
        mine = codes == names.get(name, -2)
        want = _members_rule(ids, seg.index, seg.astype(object), name)
        assert (mine == want).all(), name
