"""The stamp of the report and the index page: now, or the time SOURCE_DATE_EPOCH fixes."""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import pytest

from custlib.errors import ParameterError
from custlib.report.document import Report
from custlib.run.clock import STAMP_ENV, stamp


def test_without_the_variable_the_stamp_is_this_minute(monkeypatch):
    monkeypatch.delenv(STAMP_ENV, raising=False)
    before = dt.datetime.now().replace(second=0, microsecond=0)
    got = dt.datetime.strptime(stamp(), "%Y-%m-%d %H:%M")
    assert before <= got <= dt.datetime.now()


@pytest.mark.parametrize(("seconds", "shown"), [("0", "1970-01-01 00:00"),
                                                ("1767225659", "2026-01-01 00:00"),
                                                (" 1767225660 ", "2026-01-01 00:01")])
def test_the_variable_fixes_the_stamp_in_utc(monkeypatch, seconds, shown):
    monkeypatch.setenv(STAMP_ENV, seconds)
    monkeypatch.setenv("TZ", "Asia/Shanghai")  # a local time 8 hours ahead is not shown
    time.tzset()
    try:
        assert stamp() == shown
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize("value", ["2026-01-01", "-5", "1.5", "99999999999999999999", "١٢"])
def test_a_value_that_is_not_whole_seconds_stops_and_names_the_variable(monkeypatch, value):
    monkeypatch.setenv(STAMP_ENV, value)
    with pytest.raises(ParameterError, match=r"SOURCE_DATE_EPOCH is .*whole seconds since"):
        stamp()


def test_two_reports_of_the_same_content_are_the_same_bytes(monkeypatch):
    monkeypatch.setenv(STAMP_ENV, "1767225600")
    pages = []
    for _ in range(2):
        rep = Report("Kunden", lang="en", currency="EUR")
        rep.section("a", "A").table(pd.DataFrame({"x": [1.5, 2.25]}), caption="numbers")
        pages.append(rep.html())
    assert pages[0] == pages[1]
    assert "custlib · 2026-01-01 00:00" in pages[0]
