"""When a page says it was made: now, or the time reproducible builds fix.

The report and the run's index page end with a stamp, the minute they were made. Two runs
of the same input then differ in that line only. A scheduler or a test that wants the same
bytes from the same input sets ``SOURCE_DATE_EPOCH`` (the convention of reproducible
builds, which matplotlib's SVG and PDF writers follow too): whole seconds since
1970-01-01 UTC, shown as that UTC minute.
"""

from __future__ import annotations

import datetime as _dt
import os

from custlib.errors import ParameterError

__all__ = ["STAMP_ENV", "stamp"]

#: The environment variable of reproducible builds: the time every stamp shows
STAMP_ENV = "SOURCE_DATE_EPOCH"


def stamp() -> str:
    """The minute a page is made, ``YYYY-MM-DD HH:MM``.

    Local time now; with :data:`STAMP_ENV` set, that instant in UTC.

    Returns
    -------
    str

    Raises
    ------
    ParameterError
        :data:`STAMP_ENV` holds something other than whole seconds since 1970.

    Examples
    --------
    >>> os.environ[STAMP_ENV] = "1767225600"
    >>> stamp()
    '2026-01-01 00:00'
    >>> del os.environ[STAMP_ENV]
    """
    value = os.environ.get(STAMP_ENV, "").strip()
    if not value:
        return _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    try:
        if not (value.isascii() and value.isdigit()):
            raise ValueError(value)
        when = _dt.datetime.fromtimestamp(int(value), _dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise ParameterError(
            f"environment variable {STAMP_ENV} is {value!r}; expected whole seconds since "
            "1970-01-01 UTC, such as 1767225600 (2026-01-01 00:00), or unset it for the "
            "time the page is made") from None
    return when.strftime("%Y-%m-%d %H:%M")
