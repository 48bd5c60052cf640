"""The CDNOW figures a refactoring must not move: the calibration/holdout summary and the
parameters of every BTYD model and of Gamma-Gamma, against tests/golden/cdnow.json (the
demo run is checked the same way in test_runner.test_same_input_same_numbers)."""

from __future__ import annotations

from tests import golden


def test_cdnow_fits_equal_the_stored_fingerprint():
    differ = golden.differences(golden.load("cdnow"), golden.cdnow_fingerprint())
    assert not differ, "CDNOW outputs that moved:\n" + "\n".join(differ)


def test_fingerprint_moves_with_any_value():
    import pandas as pd

    frame = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    base = golden.table_summary(frame)
    assert golden.table_summary(frame.iloc[::-1]) == base  # row order does not matter
    assert golden.table_summary(frame.assign(a=[1.0, 2.001])) != base
    assert golden.table_summary(frame.assign(b=["x", "z"])) != base
    assert golden.differences({"t": base}, {"t": golden.table_summary(frame.assign(a=[1, 3]))})
