"""Dates: one day/month order per column, UTC offsets, Excel serials.

See :mod:`custlib.data.parsing` for the conventions.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from custlib.data.parsing.options import (
    EXCEL_SERIAL_RANGE,
    ParseInfo,
    ParseOptions,
    _examples,
    _text,
    _yaml_hint,
)
from custlib.errors import DataError

_NS_RANGE = (pd.Timestamp("1677-09-22"), pd.Timestamp("2262-04-11"))
_PLAUSIBLE = re.compile(r"[A-Za-z]{3}|\d+\D+\d+\D+\d+")  # a month name, or three numbers

#: Excel's day 0 (it counts 1900 as a leap year, hence not 1899-12-31).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_YMD_SLASH = re.compile(r"(\d{4})[/. ](\d{1,2})[/. ](\d{1,2})(?:[T ,]+(.*))?")
_OFFSET = re.compile(r"(?:Z|[+-](?:0\d|1[0-4]):?[0-5]\d|[ \t]?(?:UTC|GMT))$")
#: An offset right after a time (``10:00+01:00``, ``10:00:00 +0100``, ``10:00 PM UTC``).
_TIME_OFFSET = re.compile(r"\d:\d\d(?::\d\d)?(?:[.,]\d+)? ?(?:[AaPp]\.?[Mm]\.? ?)?"
                          r"(?:Z|[+-](?:0\d|1[0-4]):?[0-5]\d|UTC|GMT)$")
_WEEKDAY = re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE)
_MONTH_NAME = r"(?i)(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
_ISO_TIME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}")
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
_YYYYMMDD = re.compile(r"\d{8}")
_FORMAT_HINT = _yaml_hint("date_format", "'%d/%m/%Y %H:%M'", "date_format='%d/%m/%Y %H:%M'")


def _ns(parsed: pd.Series) -> pd.Series:
    """Naive ``datetime64[ns]``; dates outside its range (years 1677-2262) are NaT."""
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    lo, hi = _NS_RANGE
    ok = parsed.isna() | ((parsed >= lo) & (parsed <= hi))
    return parsed.where(ok).astype("datetime64[ns]")


def _iso_to_datetime(text: pd.Series) -> pd.Series:
    """Parse naive ISO-like strings; values that fail are NaT.

    Values the ISO parser rejects are tried once more by the flexible parser only if
    they name a month, or hold three numbers of which the first is a four-digit year:
    ``'5'`` or ``'01'`` never become a date, and a day/month order the column rules did
    not settle (``'01 / 02 / 2021'``) is never guessed value by value.
    """
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if text.empty:
        return out
    try:
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        out[:] = _ns(parsed)
    except (ValueError, TypeError, OverflowError):
        pass
    miss = out.isna() & text.str.contains(_PLAUSIBLE.pattern, regex=True).fillna(False)
    if miss.any():
        m = text[miss]
        safe = m.str.contains(_MONTH_NAME, regex=True).fillna(False) \
            | m.str.match(r"\s*\d{4}\D").fillna(False)
        miss[m[~safe].index] = False
    if not miss.any():
        return out
    try:  # one call for the lot; value by value only if that fails (mixed zones)
        out[miss] = _ns(pd.to_datetime(text[miss], format="mixed", errors="coerce"))
        return out
    except (ValueError, TypeError, OverflowError):
        pass
    for i, v in text[miss].items():
        try:
            ts = pd.to_datetime(v, format="mixed", errors="coerce")
            if ts is pd.NaT or pd.isna(ts):
                continue
            ts = ts.tz_localize(None) if ts.tzinfo is not None else ts
            if _NS_RANGE[0] <= ts <= _NS_RANGE[1]:
                out[i] = ts.as_unit("ns")
        except (ValueError, TypeError, OverflowError):
            continue
    return out


def _offset_names(text: pd.Series) -> pd.Series:
    """The UTC offset at the end of each value as ``'+01:00'`` (missing where none)."""
    arr = pa.array(text.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    got = pc.extract_regex(arr, pattern=f"(?P<off>{_OFFSET.pattern})").field("off")
    got = pc.utf8_trim_whitespace(got)
    got = pc.replace_substring_regex(got, pattern=r"^(?:Z|UTC|GMT)$", replacement="+00:00")
    got = pc.replace_substring_regex(got, pattern=r"^([+-]\d\d)(\d\d)$",
                                     replacement=r"\1:\2")
    out = pd.Series(got.to_numpy(zero_copy_only=False), index=text.index, dtype="str")
    return out.where(out.ne(""))


def _rows(raw: pd.Series, mask: pd.Series, row_labels: pd.Series | None,
          limit: int = 3) -> str:
    """``row 5: '08/01/2021', ...`` for a mask over a subset of ``raw``'s index."""
    full = pd.Series(False, index=raw.index)
    full[mask[mask].index] = True
    return _examples(raw, full, row_labels, limit=limit)


def _convert_offsets(values: pd.Series, opts: ParseOptions, info: ParseInfo,
                     out: pd.Series, column: str, errors: str,
                     row_labels: pd.Series | None, raw: pd.Series) -> None:
    """Dates with UTC offsets (after a time) into ``out``, as wall-clock time of one zone.

    The zone is ``timezone`` if given, else the first value's offset (the log says so when
    the offsets differ).
    """
    names = _offset_names(values)
    seen = [str(v) for v in names.dropna().unique()]
    info.offsets = seen[:5]
    if opts.timezone:
        zone = opts.timezone
        info.timezone = zone
    else:
        # one offset: its local time. Offsets that differ (daylight saving) and no zone
        # named: the first value's offset, as wall-clock time of that offset, and the log
        # says so and names the parameter that gives local time in a real zone
        zone = str(names.dropna().iloc[0])
        info.timezone = f"UTC{zone}"
    norm = values
    named_utc = values.str.endswith(("UTC", "GMT")).fillna(False).astype(bool)
    if named_utc.any():
        norm = values.copy()
        norm[named_utc] = values[named_utc].str.slice(0, -3).str.rstrip() + "+00:00"
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    iso = norm.str.match(_ISO_TIME.pattern).fillna(False).astype(bool)
    # ISO first; then, by the flexible parser, only year-first values or month names
    # ('2021-01-05 10:00 PM UTC', 'Mon, 01 Feb 2021 10:00:00 +0000')
    for fmt in ("ISO8601", "mixed"):
        if fmt == "mixed":
            left = norm[parsed.isna()]
            safe = left.str.contains(_MONTH_NAME, regex=True).fillna(False) \
                | left.str.match(r"\d{4}\D").fillna(False)
            iso = pd.Series(False, index=norm.index)
            iso[left[safe].index] = True
        if iso.any():
            try:
                got = pd.to_datetime(norm[iso], format=fmt, utc=True, errors="coerce")
                parsed[iso] = got.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
            except (ValueError, TypeError, OverflowError):
                pass
    out[values.index] = _ns(parsed.dt.tz_convert(_zone(zone)))


_DMY_GROUPS = (r"^(?P<a>\d{1,2})(?P<sep>[/.\- ])(?P<b>\d{1,2})(?P<sep2>[/.\- ])"
               r"(?P<year>\d{4}|\d{2})(?:[T ,]+(?P<rest>.*))?$")


def _dmy_parts(text: pd.Series) -> pd.DataFrame:
    """Columns a, sep, b, year, rest of ``dd/mm/yyyy``-like values (missing elsewhere)."""
    parts = pd.DataFrame(index=text.index, columns=["a", "sep", "b", "year", "rest"],
                         dtype="object")
    maybe = text.str.match(r"\d{1,2}[/.\- ]\d{1,2}[/.\- ]\d{2,4}").fillna(False).astype(bool)
    if not maybe.any():
        return parts
    found = pc.extract_regex(pa.array(text[maybe].to_numpy(dtype=object), type=pa.string()),
                             pattern=_DMY_GROUPS)
    got = pd.DataFrame({k: found.field(k).to_pylist()
                        for k in ("a", "sep", "b", "sep2", "year", "rest")},
                       index=text.index[maybe])
    unmatched = got["a"].isna() | got["a"].eq("") | (got["sep"] != got["sep2"])
    got.loc[unmatched, ["a", "sep", "b", "year", "rest"]] = None
    got["rest"] = got["rest"].replace("", None)
    parts.loc[got.index] = got[["a", "sep", "b", "year", "rest"]].to_numpy()
    return parts


def parse_dates(s: pd.Series, column: str, *, options: ParseOptions | None = None,
                errors: str = "raise", row_labels: pd.Series | None = None
                ) -> tuple[pd.Series, ParseInfo]:
    """Parse a column of dates with one convention for the whole column.

    Parameters
    ----------
    s : pandas.Series
        Text, numbers (``19970101``, Excel serials such as ``44927.5``) or datetimes.
    column : str
        The column's name, for messages.
    options : ParseOptions, optional
        ``date_format``, ``dayfirst`` and ``timezone``; default: infer everything.
    errors : {'raise', 'coerce'}, default 'raise'
        Raise :class:`DataError` on unparsable values, or return ``NaT`` there. A column
        that nothing decides (day/month order, two-digit years,
        Excel serials next to text dates) raises with 'raise'; with 'coerce' the
        undecided values are ``NaT``.
    row_labels : pandas.Series, optional
        Labels for rows in messages (source line numbers).

    Returns
    -------
    values : pandas.Series
        ``datetime64[ns]``, time-zone naive; blank values are ``NaT``.
    info : ParseInfo
        The format, day/month order, time zone and Excel serials used.

    Raises
    ------
    DataError
        Values that are not dates, values that contradict the column's (or the given)
        day/month order, or a column that nothing decides.

    Examples
    --------
    >>> values, info = parse_dates(pd.Series(["08/01/2021", "13/01/2021"]), "d")
    >>> values.dt.strftime("%Y-%m-%d").tolist(), info.date_format
    (['2021-01-08', '2021-01-13'], '%d/%m/%Y')
    """
    opts = options or ParseOptions()
    info = ParseInfo(column=column, kind="datetime")
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s
        tz = getattr(s.dt, "tz", None)
        if tz is not None:
            if opts.timezone:
                out = out.dt.tz_convert(opts.timezone)
                info.timezone = opts.timezone
            out = out.dt.tz_localize(None)
        return out.astype("datetime64[ns]"), info
    text, blank = _text(s)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    todo = ~blank
    if opts.date_format:
        info.date_format = opts.date_format
        _parse_with_format(text[todo], opts, info, out, column, errors, row_labels, s)
    else:
        _parse_inferred(text[todo], opts, info, out, column, errors, row_labels, s)
    bad = out.isna() & ~blank
    info.invalid = int(bad.sum())
    if bad.any() and errors == "raise":
        fmt = f" in format {opts.date_format!r}" if opts.date_format else ""
        raise DataError(
            f"column {column!r}: {int(bad.sum())} of {len(s)} value(s) are not dates "
            f"({_examples(s, bad, row_labels)}). Expected dates such as 2011-12-09 or "
            f"2011-12-09 14:30{fmt}; {_FORMAT_HINT} "
            "to say how yours are written, or set `drop_invalid: true` to remove and count "
            "these rows")
    return out, info


def _parse_with_format(t: pd.Series, opts: ParseOptions, info: ParseInfo, out: pd.Series,
                       column: str, errors: str, row_labels: pd.Series | None,
                       raw: pd.Series) -> None:
    fmt = opts.date_format
    assert fmt is not None
    try:
        parsed = pd.to_datetime(t, format=fmt, errors="coerce")
    except ValueError:  # offsets that change: read them in UTC, then convert
        names = _offset_names(t)
        info.offsets = [str(v) for v in names.dropna().unique()][:5]
        parsed = pd.to_datetime(t, format=fmt, errors="coerce", utc=True)
        if not opts.timezone and names.notna().any():  # the first value's offset, said
            zone = f"UTC{names.dropna().iloc[0]}"
            info.timezone = zone
            parsed = parsed.dt.tz_convert(_zone(zone)).dt.tz_localize(None)
    if getattr(parsed.dt, "tz", None) is not None:
        first = parsed.dropna()
        zone = opts.timezone or (str(first.iloc[0].tzinfo) if len(first) else "UTC")
        info.timezone = zone
        parsed = parsed.dt.tz_convert(_zone(zone)).dt.tz_localize(None)
    out[t.index] = _ns(parsed)


def _zone(name: str) -> Any:
    """A zone for pandas from an IANA name or an offset such as '+01:00'."""
    m = re.fullmatch(r"(?:UTC)?([+-])(\d{2}):?(\d{2})", name)
    if m:
        sign = 1 if m.group(1) == "+" else -1
        import datetime as _dt

        delta = _dt.timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return _dt.timezone(sign * delta)
    return name


def _parse_inferred(t: pd.Series, opts: ParseOptions, info: ParseInfo, out: pd.Series,
                    column: str, errors: str, row_labels: pd.Series | None,
                    raw: pd.Series) -> None:
    info.inferred = opts.dayfirst is None
    if t.empty:
        return
    letter = t.str.match(r"[A-Za-z]").fillna(False).astype(bool)
    if letter.any():  # 'Mon 01/02/2021', 'Tuesday, 2 Feb 2021': the weekday decides nothing
        t = t.copy()
        t[letter] = t[letter].str.replace(_WEEKDAY, "", regex=True)
    # Eight digits: %Y%m%d (CDNOW); five digits (and a fraction): Excel serial dates.
    ymd = t.str.fullmatch(_YYYYMMDD.pattern).fillna(False).astype(bool)
    if ymd.any():
        out[ymd[ymd].index] = _ns(pd.to_datetime(t[ymd], format="%Y%m%d", errors="coerce"))
        if ymd.all():
            info.date_format = "%Y%m%d"
    serial = t.str.fullmatch(_SERIAL.pattern).fillna(False).astype(bool)
    if serial.any():
        _parse_serials(t, serial, info, out, column, errors, row_labels, raw)
    rest = t[~ymd & ~serial]
    if rest.empty:
        return
    # day/month or month/day, and year first with / . or a space: to ISO text
    dmy = _dmy_parts(rest)
    is_dmy = dmy["a"].notna()
    if is_dmy.any():
        iso = _day_month_to_iso(rest[is_dmy], dmy[is_dmy], opts, info, column, errors,
                                row_labels, raw)
        rest = rest.copy()
        rest[iso.index] = iso
        rest = rest.drop(index=iso[iso.isna()].index)
    slash = ~is_dmy.reindex(rest.index, fill_value=False) \
        & rest.str.match(r"\d{4}[/. ]").fillna(False).astype(bool)
    if slash.any():  # 2021/01/13: year first, never ambiguous
        ymd_slash = rest[slash].str.extract(f"^{_YMD_SLASH.pattern}$")
        ymd_slash = ymd_slash[ymd_slash[0].notna()]
        rest = rest.copy()
        rest[ymd_slash.index] = (
            ymd_slash[0] + "-" + ymd_slash[1] + "-" + ymd_slash[2] + " "
            + ymd_slash[3].fillna("")).str.strip()
    # UTC offsets after a time, whatever the date's layout
    offset = rest.str.contains(_OFFSET.pattern, regex=True).fillna(False).astype(bool)
    if offset.any():  # the cheap look first; then only offsets that follow a time
        offset[offset] = rest[offset].str.contains(_TIME_OFFSET.pattern, regex=True) \
            .fillna(False).astype(bool)
    if offset.any():
        _convert_offsets(rest[offset], opts, info, out, column, errors, row_labels, raw)
        rest = rest[~offset]
    if rest.empty:
        return
    parsed = _iso_to_datetime(rest)
    out[rest.index] = parsed
    if info.date_format is None and not is_dmy.any() and parsed.notna().any():
        info.date_format = "ISO"


def _parse_serials(t: pd.Series, serial: pd.Series, info: ParseInfo, out: pd.Series,
                   column: str, errors: str, row_labels: pd.Series | None,
                   raw: pd.Series) -> None:
    """Excel serial dates, only in a column that holds nothing else (else stop or NaT)."""
    num = pd.to_numeric(t[serial], errors="coerce")
    lo, hi = EXCEL_SERIAL_RANGE
    ok = num.between(lo, hi)
    if not ok.any():
        return
    others = ~serial
    if others.any():
        if errors == "raise":
            in_range = pd.Series(False, index=t.index)
            in_range[ok[ok].index] = True
            raise DataError(
                f"column {column!r} mixes Excel serial day numbers "
                f"({_rows(raw, in_range, row_labels)}) with dates written as text "
                f"({_rows(raw, others, row_labels)}); a number such as 44927 is read as a "
                "date (days since 1899-12-30) only when the whole column holds such "
                "numbers, since it could as well be a postcode or an amount. Correct the "
                f"file, or {_FORMAT_HINT} for the dates written as text and set "
                "`drop_invalid: true` to remove the rows that do not match")
        return
    idx = num[ok].index
    seconds = (num[ok] * 86400).round().astype("int64")
    out[idx] = EXCEL_EPOCH + pd.to_timedelta(seconds, unit="s")
    info.excel_serial = int(ok.sum())
    if len(idx) == len(t):
        info.date_format = "Excel serial"


def _day_month_to_iso(t: pd.Series, parts: pd.DataFrame, opts: ParseOptions,
                      info: ParseInfo, column: str, errors: str,
                      row_labels: pd.Series | None, raw: pd.Series) -> pd.Series:
    """``dd/mm/yyyy``-like values as ISO text (``yyyy-mm-dd rest``), one order for all.

    Values left undecided (``errors='coerce'``) are missing in the result.
    """
    sep = parts["sep"].mode().iloc[0]
    label = {True: f"%d{sep}%m{sep}%Y", False: f"%m{sep}%d{sep}%Y"}
    result = pd.Series(None, index=t.index, dtype="object")
    short = parts["year"].str.len() == 2
    if short.any():
        if errors == "raise":
            fmt = f"%d{sep}%m{sep}%y"
            raise DataError(
                f"column {column!r}: {int(short.sum()):,} date(s) such as "
                f"{_rows(raw, short, row_labels)} have a two-digit year, so which field is "
                "the year, the month and the day is not certain ('21/01/05' may be 21 "
                "January 2005 or 5 January 2021), and neither is the century; "
                + _yaml_hint("date_format", repr(fmt), f"date_format={fmt!r}")
                + f" for day-first dates, or `date_format: '%m{sep}%d{sep}%y'` or "
                f"`date_format: '%y{sep}%m{sep}%d'` as your file writes them")
        parts, t = parts[~short], t[~short]
        if t.empty:
            return result
    a = parts["a"].astype("int64")
    b = parts["b"].astype("int64")
    proves_day = (a > 12) & (b <= 12)
    proves_month = (b > 12) & (a <= 12)
    undecided = (a <= 12) & (b <= 12) & (a != b)
    rows = lambda mask: _rows(raw, mask, row_labels)  # noqa: E731
    hint_day = _yaml_hint("dayfirst", "true", "dayfirst=True")
    hint_fmt = _yaml_hint("date_format", repr(label[True]), f"date_format={label[True]!r}")
    keep = pd.Series(True, index=t.index)
    if opts.dayfirst is not None:
        dayfirst = bool(opts.dayfirst)
        against = proves_month if dayfirst else proves_day
        if against.any() and errors == "raise":
            raise DataError(
                f"column {column!r}: dayfirst is {str(dayfirst).lower()}, but "
                f"{int(against.sum())} date(s) are written "
                f"{'month' if dayfirst else 'day'} first ({rows(against)}); set "
                f"`dayfirst: {str(not dayfirst).lower()}` in your parameter file (or "
                f"dayfirst={not dayfirst} in Python), or correct these rows")
    elif proves_day.any() and proves_month.any() and errors != "raise":
        dayfirst = int(proves_day.sum()) >= int(proves_month.sum())  # the others: NaT
    elif proves_day.any() and proves_month.any():
        raise DataError(
            f"column {column!r} mixes day-first and month-first dates: day first in "
            f"{rows(proves_day)}; month first in {rows(proves_month)}. One column must use "
            f"one order; correct the file, or {hint_fmt} and set `drop_invalid: true` to "
            "remove the rows that do not match")
    elif proves_day.any():
        dayfirst = True
    elif proves_month.any():
        dayfirst = False
    elif undecided.any():
        if errors == "raise":
            raise DataError(
                f"column {column!r}: {int(undecided.sum()):,} date(s) such as "
                f"{rows(undecided)} could be day/month or month/day, and no value decides "
                "(none has a first or second field above 12); " + hint_day + " for "
                "day-first dates, or give the format: " + hint_fmt + " (month first: "
                f"`date_format: {label[False]!r}`)")
        dayfirst = True
        keep &= ~undecided
    else:
        dayfirst = True  # every value has day == month: either order gives the same date
    info.dayfirst = dayfirst
    info.date_format = label[dayfirst]
    day, month = (a, b) if dayfirst else (b, a)
    keep &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    year = parts["year"].astype("int64")
    iso = (year.astype(str).str.zfill(4) + "-" + month.astype(str).str.zfill(2) + "-"
           + day.astype(str).str.zfill(2) + " " + parts["rest"].fillna("")).str.strip()
    result[iso[keep].index] = iso[keep].astype(object)
    return result


