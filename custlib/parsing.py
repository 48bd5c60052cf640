"""One parser per kind of value: dates, money and quantities, ids, yes/no, text.

Every table the kit reads (transactions, customers, survey) is typed by these functions,
through :func:`parse_table`, so a convention learnt here (a decimal comma, day-first
dates, ids exported as ``13085.0``) holds for every table alike. Each parser returns the
parsed values and a :class:`ParseInfo` saying what it decided, so the cleaning log can say
it too.

Conventions are inferred *per column*, from the values themselves, and never value by
value: a column whose values prove a reading (``13/01/2021`` is day first, ``8,50`` has a
decimal comma) is read that way as a whole; a column that nothing decides stops with a
:class:`~custlib.errors.DataError` naming the column, example rows and the parameter that
settles it (``dayfirst``/``date_format``, ``decimal``/``thousands``).

Dates
    ISO dates (``2021-01-13``, with or without a time) are never ambiguous. Dates with UTC
    offsets after a time (ISO or not) are given as wall-clock time of one zone: the
    ``timezone`` given, else the first value's offset (said in the log, which names the
    ``timezone`` parameter when the offsets differ, as across daylight saving).
    ``dd/mm/yyyy`` or ``mm/dd/yyyy`` (also with ``.``, ``-`` or a space, after an optional
    weekday) are read day first if any value has a first field above 12, month first if
    any has a second field above 12; with a two-digit year they need ``date_format``.
    Eight digits are ``%Y%m%d`` (CDNOW); numbers between 20,000 and 80,000 are Excel
    serial dates (days since 1899-12-30) when the whole column holds them. Other numeric
    layouts are never guessed.
Money and quantities
    Currency signs and codes, and the spaces around them, are removed. ``8,50``,
    ``1.234,56`` and ``1.234.567`` prove a decimal comma; ``12.5``, ``1,234.56`` and
    ``1,234,567`` a decimal point; ``1,234`` or ``1.234`` alone decide nothing. A
    thousands separator (also a space or ``'``) must group digits by three, so ``8,50``
    is never read as 850 and ``12 50`` is not a number; neither is ``1e400``.
Ids
    Text, spaces stripped. Integer-valued floats (``13085.0``, as spreadsheets export
    them) become ``13085`` unless the column holds a non-integer number such as ``1.5``;
    floats of 2**53 and more stop (their digits are lost). Leading zeros and text ids
    (``00123``, ``C-17``) stay as they are; placeholders (``#N/A``, ``N/A``, ``-``,
    ``?``) are missing.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from custlib.errors import DataError, ParameterError, format_list

__all__ = [
    "DECIMAL_CHOICES",
    "THOUSANDS_CHOICES",
    "ParseInfo",
    "ParseOptions",
    "ParsedTable",
    "parse_bool",
    "parse_dates",
    "parse_ids",
    "parse_numbers",
    "parse_table",
    "parse_text",
]

DECIMAL_CHOICES: tuple[str, ...] = ("", ".", ",")
THOUSANDS_CHOICES: tuple[str, ...] = ("", ",", ".", " ", "'", "none")

#: Excel's day 0 (it counts 1900 as a leap year, hence not 1899-12-31).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
EXCEL_SERIAL_RANGE: tuple[float, float] = (20000.0, 80000.0)  # 1954-10-03 .. 2119-01-10

#: Written for "no id" (compared ignoring case); empty ids are anonymous sales.
_MISSING_IDS = frozenset({"", "nan", "none", "<na>", "null", "nat", "#n/a", "#na", "n/a",
                          "na", "n.a.", "-", "--", "?"})
#: Ids exported as floats are exact only below 2**53.
_EXACT_FLOAT = 2.0 ** 53
_TRUE = {"1", "true", "yes", "y", "t", "是"}
_FALSE = {"0", "false", "no", "n", "f", "否"}

_CURRENCY = re.compile(
    r"[$€£¥₹₩₽]|^(?:USD|EUR|GBP|CNY|RMB|JPY|CHF|AUD|CAD|HKD|SEK|NOK|DKK|PLN|INR)"
    r"|(?:USD|EUR|GBP|CNY|RMB|JPY|CHF|AUD|CAD|HKD|SEK|NOK|DKK|PLN|INR)$")
_SHAPE = re.compile(r"[+-]?(?:\d[\d.,]*|[.,]\d[\d.,]*)")
_SCIENTIFIC = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+")
_INT = re.compile(r"[+-]?\d+")
#: Space-like thousands separators: space, no-break space, narrow no-break space, "'".
_GROUP_CHARS = r"[ \u00a0\u202f']"
#: A number whose integer part groups digits by three with a space or an apostrophe.
_GROUPED = {" ": r"[+-]?\d{1,3}(?: \d{3})+(?:[.,]\d+)?",
            "'": r"[+-]?\d{1,3}(?:'\d{3})+(?:[.,]\d+)?"}

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


def _yaml_hint(param: str, value: str, python: str) -> str:
    """``set `x: v` in your parameter file (or x=v in Python)``."""
    return f"set `{param}: {value}` in your parameter file (or {python} in Python)"


_FORMAT_HINT = _yaml_hint("date_format", "'%d/%m/%Y %H:%M'", "date_format='%d/%m/%Y %H:%M'")
_DECIMAL_HINT = _yaml_hint("decimal", "','", "decimal=','")


@dataclass(frozen=True)
class ParseOptions:
    """How to read values whose convention the data may not settle.

    Attributes
    ----------
    date_format : str or None
        An explicit ``strftime`` format for dates (``'%d/%m/%Y %H:%M'``).
    dayfirst : bool or None
        ``True``: ``01/02/2021`` is 1 February; ``False``: 2 January; ``None``: inferred
        per column from the values.
    timezone : str
        IANA zone (``'Europe/London'``) dates with UTC offsets are converted to; empty:
        the first value's offset (said in the log when the offsets differ).
    decimal : {'', '.', ','}
        The decimal mark of money and quantities; empty: inferred per column.
    thousands : {'', ',', '.', ' ', "'", 'none'}
        The thousands separator; empty: inferred (the mark that is not the decimal one).
    """

    date_format: str | None = None
    dayfirst: bool | None = None
    timezone: str = ""
    decimal: str = ""
    thousands: str = ""

    def __post_init__(self) -> None:
        if self.date_format is not None and not isinstance(self.date_format, str):
            raise ParameterError(f"parameter 'date_format' is {self.date_format!r}; expected "
                                 "a strftime format such as '%d/%m/%Y'")
        if self.dayfirst is not None and not isinstance(self.dayfirst, (bool, np.bool_)):
            raise ParameterError(f"parameter 'dayfirst' is {self.dayfirst!r}; expected true "
                                 "or false (or empty to infer it from the dates)")
        if self.decimal not in DECIMAL_CHOICES:
            raise ParameterError(f"parameter 'decimal' is {self.decimal!r}; expected '.' or "
                                 "',' (or '' to infer it from the values)")
        if self.thousands not in THOUSANDS_CHOICES:
            raise ParameterError(f"parameter 'thousands' is {self.thousands!r}; expected one "
                                 f"of {format_list(THOUSANDS_CHOICES)} ('' infers it)")
        if self.decimal and self.thousands == self.decimal:
            raise ParameterError(f"parameters 'decimal' and 'thousands' are both "
                                 f"{self.decimal!r}; they must differ")
        if self.timezone:
            if not isinstance(self.timezone, str):
                raise ParameterError(f"parameter 'timezone' is {self.timezone!r}; expected "
                                     "an IANA zone name such as 'Europe/London'")
            try:
                zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ParameterError(
                    f"parameter 'timezone' is {self.timezone!r}, which is not a known time "
                    "zone; expected an IANA name such as 'Europe/London', 'Asia/Shanghai' "
                    "or 'UTC'") from None

    @classmethod
    def build(cls, base: Mapping[str, Any] | None = None, **given: Any) -> ParseOptions:
        """Options from ``base`` (e.g. a frame's ``attrs['parse_options']``), overridden by
        the ``given`` values that are set (not None or '').

        Parameters
        ----------
        base : mapping, optional
        **given
            Any of the attributes.

        Returns
        -------
        ParseOptions
        """
        values = {k: v for k, v in dict(base or {}).items() if k in cls.__dataclass_fields__}
        values.update({k: v for k, v in given.items() if v is not None and v != ""})
        if values.get("date_format") == "":
            values["date_format"] = None
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """The options as a plain dict (for ``attrs`` and JSON)."""
        return asdict(self)


@dataclass
class ParseInfo:
    """What a parser decided for one column.

    Attributes
    ----------
    column : str
    kind : {'id', 'datetime', 'number', 'bool', 'category', 'text'}
    inferred : bool
        Whether the convention was inferred from the values (not given).
    date_format : str or None
        ``'ISO'``, ``'%Y%m%d'``, ``'%d/%m/%Y'``, ``'%m/%d/%Y'`` (with the separator
        seen), or the explicit format.
    dayfirst : bool or None
        The day/month order used for ``dd/mm`` dates (None: no such dates).
    timezone : str or None
        The zone dates with offsets were converted to.
    offsets : list of str
        The distinct UTC offsets seen (up to 5).
    excel_serial : int
        Values read as Excel serial dates.
    decimal, thousands : str or None
        The decimal mark and thousands separator used (None: none seen).
    normalised : int
        Ids written as integer-valued floats (``13085.0``) turned into ``13085``.
    placeholders : int
        Ids written as a placeholder for "none" (``N/A``, ``-``, ``?``, ``null``) read as
        missing.
    placeholder_values : list of str
        The placeholders seen, as written (up to 5).
    invalid : int
        Non-empty values that did not parse.
    """

    column: str
    kind: str
    inferred: bool = False
    date_format: str | None = None
    dayfirst: bool | None = None
    timezone: str | None = None
    offsets: list[str] = field(default_factory=list)
    excel_serial: int = 0
    decimal: str | None = None
    thousands: str | None = None
    normalised: int = 0
    placeholders: int = 0
    placeholder_values: list[str] = field(default_factory=list)
    invalid: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Only what was decided, as plain values (for settings and JSON)."""
        out = {k: v for k, v in asdict(self).items()
               if v not in (None, 0, [], False) or k in ("column", "kind")}
        return out

    def describe(self, lang: str = "en") -> str:
        """One short clause for the cleaning log; empty when nothing is worth saying.

        Parameters
        ----------
        lang : {'en', 'zh'}

        Returns
        -------
        str
        """
        zh = lang == "zh"
        how = ("推断" if zh else "inferred") if self.inferred else ("指定" if zh else "given")
        parts: list[str] = []
        if self.kind == "datetime":
            if self.date_format and self.date_format not in ("ISO", "%Y%m%d", "Excel serial"):
                if self.dayfirst is None:
                    parts.append(f"{'格式' if zh else 'format'} {self.date_format}")
                elif zh:
                    parts.append(f"{'日在前' if self.dayfirst else '月在前'}"
                                 f"({self.date_format},{how})")
                else:
                    parts.append(f"{'day' if self.dayfirst else 'month'} first "
                                 f"({self.date_format}, {how})")
            if self.timezone:
                seen = ", ".join(self.offsets)
                parts.append(f"UTC 偏移({seen})统一换算为 {self.timezone} 当地时间" if zh else
                             f"UTC offsets ({seen}) converted to {self.timezone} local time")
                if len(self.offsets) > 1 and self.timezone.startswith("UTC"):
                    parts.append("偏移不一致(夏令时?),按第一条记录的偏移换算;设置 `timezone`"
                                 "(如 Europe/London)可得到该时区的当地时间" if zh else
                                 "the offsets differ (daylight saving?), so the first value's "
                                 "offset was used; set `timezone` (e.g. Europe/London) for "
                                 "local time in a named zone")
            if self.excel_serial:
                parts.append(f"{self.excel_serial:,} 个 Excel 序列日期(自 1899-12-30 起的天数)"
                             if zh else f"{self.excel_serial:,} Excel serial dates "
                             "(days since 1899-12-30)")
        elif self.kind == "number":
            if self.decimal == "," or self.thousands not in (None, ","):
                mark = {",": "逗号" if zh else "comma", ".": "点" if zh else "point"}
                sep = {",": "','", ".": "'.'", " ": "空格" if zh else "space",
                       "'": "\"'\"", "none": "无" if zh else "none"}
                dec = mark.get(self.decimal or ".", self.decimal or ".")
                if zh:
                    text = f"小数点为{dec}"
                    if self.thousands:
                        text += f",千位分隔符 {sep.get(self.thousands, self.thousands)}"
                    parts.append(f"{text}({how})")
                else:
                    text = f"decimal {dec}"
                    if self.thousands:
                        text += f", thousands {sep.get(self.thousands, self.thousands)}"
                    parts.append(f"{text} ({how})")
        elif self.kind == "id":
            if self.normalised:
                parts.append(f"{self.normalised:,} 个形如 13085.0 的编号改写为 13085" if zh
                             else f"{self.normalised:,} ids written like 13085.0 read as "
                             "13085")
            if self.placeholders:
                forms = ", ".join(self.placeholder_values)
                parts.append(f"{self.placeholders:,} 个占位编号({forms})视为缺失" if zh else
                             f"{self.placeholders:,} ids written as a placeholder ({forms}) "
                             "read as missing")
        if not parts:
            return ""
        return f"{self.column}:{';'.join(parts)}" if zh else \
            f"{self.column}: {'; '.join(parts)}"


def _examples(values: pd.Series, mask: pd.Series, row_labels: pd.Series | None,
              limit: int = 5) -> str:
    idx = mask[mask].index[:limit]
    labels = row_labels.loc[idx] if row_labels is not None else idx
    shown = [values.loc[i] for i in idx]
    shown = [v.item() if isinstance(v, np.generic) else v for v in shown]
    return ", ".join(f"row {lab}: {v!r}" for lab, v in zip(labels, shown))


def _text(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Stripped text (missing where blank) and the blank mask."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        vals = s.astype("float64")
        whole = vals.notna() & np.isfinite(vals) & (vals == np.round(vals))
        text = vals.astype(str)
        text[whole] = vals[whole].astype("int64").astype(str)
        blank = vals.isna()
        return text.where(~blank), blank
    text = s.astype("str").str.strip()
    blank = s.isna() | text.eq("")
    return text.where(~blank), blank


# --------------------------------------------------------------------------- dates


_NS_RANGE = (pd.Timestamp("1677-09-22"), pd.Timestamp("2262-04-11"))
_PLAUSIBLE = re.compile(r"[A-Za-z]{3}|\d+\D+\d+\D+\d+")  # a month name, or three numbers


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


# --------------------------------------------------------------------------- numbers


def parse_numbers(s: pd.Series, column: str, *, options: ParseOptions | None = None,
                  errors: str = "raise", row_labels: pd.Series | None = None
                  ) -> tuple[pd.Series, ParseInfo]:
    """Parse a column of money or counts to ``float64`` with one decimal mark.

    Parameters
    ----------
    s : pandas.Series
        Numbers, or text such as ``'£1,234.50'``, ``'8,50'``, ``'1 234,56 EUR'``.
    column : str
        The column's name, for messages.
    options : ParseOptions, optional
        ``decimal`` and ``thousands``; default: infer both from the column.
    errors : {'raise', 'coerce'}, default 'raise'
        Raise :class:`DataError` on values that are not numbers, or give NaN there. A
        column whose decimal mark nothing decides raises either way with 'raise', and
        gives NaN for the undecided values with 'coerce'.
    row_labels : pandas.Series, optional
        Labels for rows in messages (source line numbers).

    Returns
    -------
    values : pandas.Series
        ``float64``; empty values are NaN.
    info : ParseInfo
        The decimal mark and thousands separator used.

    Raises
    ------
    DataError
        Values that are not numbers, values that prove both marks, or a column that
        nothing decides (names the column, example rows and ``decimal``/``thousands``).

    Examples
    --------
    >>> values, info = parse_numbers(pd.Series(["8,50", "1.234,56"]), "price")
    >>> values.tolist(), info.decimal
    ([8.5, 1234.56], ',')
    """
    opts = options or ParseOptions()
    info = ParseInfo(column=column, kind="number")
    if pd.api.types.is_bool_dtype(s):
        raise DataError(f"column {column!r} holds true/false values; expected numbers")
    if pd.api.types.is_numeric_dtype(s):
        out = s.astype("float64")
        infinite = out.notna() & ~np.isfinite(out)
        info.invalid = int(infinite.sum())
        if infinite.any() and errors == "raise":
            raise DataError(
                f"column {column!r}: {info.invalid} of {len(s)} value(s) are not finite "
                f"numbers ({_examples(s, infinite, row_labels)}); correct these rows, or set "
                "`drop_invalid: true` to remove and count them")
        return out.where(~infinite), info
    text, blank = _text(s)
    core = text.copy()
    junk = text.str.contains(r"[^0-9.,+\-]", regex=True).fillna(False).astype(bool)
    grouped_by = ""
    if junk.any():
        stripped = text[junk].str.replace(_CURRENCY, "", regex=True).str.strip() \
            .str.replace(r"^([+-])\s+", r"\1", regex=True)
        core[junk] = stripped
        spaced = stripped.str.contains(_GROUP_CHARS, regex=True).fillna(False).astype(bool)
        if spaced.any():
            grouped_by = _ungroup(stripped[spaced], opts, core)
    out = pd.Series(np.nan, index=s.index, dtype="float64")
    present = ~blank
    ints = core.str.fullmatch(_INT.pattern).fillna(False).astype(bool) & present
    out[ints] = pd.to_numeric(core[ints], errors="coerce")
    sci = core.str.fullmatch(_SCIENTIFIC.pattern).fillna(False).astype(bool) & present
    out[sci] = pd.to_numeric(core[sci], errors="coerce")
    shaped = core.str.fullmatch(_SHAPE.pattern).fillna(False).astype(bool) & present \
        & ~ints & ~sci
    undecided = pd.Series(False, index=s.index)
    if shaped.any():
        c = core[shaped]
        decimal, thousands, undecided_c = _decide_marks(c, opts, info, column, errors,
                                                        row_labels, s)
        undecided[undecided_c[undecided_c].index] = True
        if decimal is not None:
            d, t = re.escape(decimal), re.escape(thousands) if thousands != "none" else None
            group = rf"\d{{1,3}}(?:{t}\d{{3}})+|\d+" if t else r"\d+"
            pattern = rf"[+-]?(?:(?:{group})(?:{d}\d*)?|{d}\d+)"
            use = c[~undecided_c]
            valid = use.str.fullmatch(pattern)
            plain = use[valid]
            if t:
                plain = plain.str.replace(thousands, "", regex=False)
            plain = plain.str.replace(decimal, ".", regex=False)
            out[plain.index] = pd.to_numeric(plain, errors="coerce")
            info.decimal = decimal if use.str.contains(d, regex=True).any() else \
                (decimal if opts.decimal else None)
            used_t = bool(t) and bool(use[valid].str.contains(t, regex=True).any())
            info.thousands = thousands if (used_t or opts.thousands) else None
    if grouped_by:
        info.thousands = info.thousands or grouped_by
        info.inferred = info.inferred or not opts.thousands
    out = out.where(np.isfinite(out))  # 1e400 is not an amount
    bad = out.isna() & present
    info.invalid = int(bad.sum())
    if bad.any() and errors == "raise":
        mark = f" with decimal {info.decimal!r}" if info.decimal else ""
        spaced = bool(text[bad].str.contains(_GROUP_CHARS, regex=True).fillna(False).any())
        group = (" (a space or an apostrophe may only separate thousands, in groups of "
                 "three: 1 234,50 or 1'234.50)") if spaced else ""
        raise DataError(
            f"column {column!r}: {int(bad.sum())} of {len(s)} value(s) are not numbers"
            f"{mark} ({_examples(s, bad, row_labels)}). Expected numbers such as 12.5 or "
            f"1,234.50{group} (a currency sign is accepted); if yours use another decimal "
            "mark, "
            f"{_DECIMAL_HINT}; or set `drop_invalid: true` to remove "
            "and count these rows")
    return out, info


def _ungroup(spaced: pd.Series, opts: ParseOptions, core: pd.Series) -> str:
    """Remove space or apostrophe thousands separators from ``core`` where they group
    digits by three (``1 234,50``, ``1'234.50``); the others stay and do not parse.

    Returns the separator(s) removed (``' '``, ``"'"``, both, or ``''``).
    """
    text = spaced.str.replace(r"[\u00a0\u202f]", " ", regex=True)
    if opts.thousands in (" ", "'"):
        allowed: tuple[str, ...] = (opts.thousands,)
    elif opts.thousands:  # ',', '.' or 'none': a space cannot group thousands
        allowed = ()
    else:
        allowed = (" ", "'")
    used = []
    for char in allowed:
        ok = text.str.fullmatch(_GROUPED[char]).fillna(False).astype(bool)
        if ok.any():
            core[ok[ok].index] = text[ok].str.replace(char, "", regex=False)
            used.append(char)
    return "".join(used) if len(used) < 2 else "' '"


def _decide_marks(c: pd.Series, opts: ParseOptions, info: ParseInfo, column: str,
                  errors: str, row_labels: pd.Series | None, raw: pd.Series
                  ) -> tuple[str | None, str, pd.Series]:
    """(decimal, thousands, mask of values left undecided) for shaped values ``c``."""
    no_undecided = pd.Series(False, index=c.index)
    if opts.decimal:
        info.inferred = False
        thousands = opts.thousands or ("." if opts.decimal == "," else ",")
        return opts.decimal, thousands, no_undecided
    if opts.thousands in (",", "."):
        info.inferred = False
        return ("." if opts.thousands == "," else ","), opts.thousands, no_undecided
    info.inferred = True
    body = c.str.lstrip("+-")
    n_comma = body.str.count(",")
    n_dot = body.str.count(r"\.")
    both = (n_comma > 0) & (n_dot > 0)
    last_comma = body.str.rfind(",")
    last_dot = body.str.rfind(".")
    if opts.thousands:  # ' ', "'" or 'none': a comma or a point can only be decimal
        comma_proof = (n_comma > 0) & ~both
        dot_proof = (n_dot > 0) & ~both
        ambiguous = no_undecided
    else:
        def single(sep_count: pd.Series, sep: str) -> tuple[pd.Series, pd.Series]:
            one = (sep_count == 1) & ~both
            split = body.str.partition(sep)
            before, after = split[0], split[2]
            decimal_only = one & ((after.str.len() != 3) | before.isin(["", "0"])
                                  | (before.str.len() > 3) | before.str.startswith("0"))
            return decimal_only, one & ~decimal_only

        comma_dec, comma_amb = single(n_comma, ",")
        dot_dec, dot_amb = single(n_dot, ".")
        comma_proof = (both & (last_comma > last_dot)) | comma_dec | ((n_dot > 1) & ~both)
        dot_proof = (both & (last_dot > last_comma)) | dot_dec | ((n_comma > 1) & ~both)
        ambiguous = comma_amb | dot_amb
    hint = (_yaml_hint("decimal", "','", "decimal=','") + " for a decimal comma, or "
            "`decimal: '.'` for a decimal point (`thousands:` names the separator of "
            "thousands, 'none' if there is none)")

    def rows(mask: pd.Series) -> str:
        full = pd.Series(False, index=raw.index)
        full[mask[mask].index] = True
        return _examples(raw, full, row_labels, limit=3)

    if comma_proof.any() and dot_proof.any():
        if errors == "raise":
            raise DataError(
                f"column {column!r} mixes decimal marks: a decimal comma in {rows(comma_proof)}"
                f"; a decimal point in {rows(dot_proof)}. One column must use one mark; "
                f"correct the file, or {hint}")
        # coerce: the mark most values prove wins; the others do not parse
        if int(comma_proof.sum()) > int(dot_proof.sum()):
            return ",", (opts.thousands or "."), dot_proof
        return ".", (opts.thousands or ","), comma_proof
    if comma_proof.any():
        return ",", (opts.thousands or "."), no_undecided
    if dot_proof.any():
        return ".", (opts.thousands or ","), no_undecided
    if ambiguous.any():
        if errors == "raise":
            raise DataError(
                f"column {column!r}: {int(ambiguous.sum()):,} value(s) such as "
                f"{rows(ambiguous)} could have a thousands separator or a decimal mark, and "
                f"no value in the column decides which; {hint}")
        return ".", ",", ambiguous
    return ".", (opts.thousands or ","), no_undecided


# --------------------------------------------------------------------------- ids, bool, text


def parse_ids(s: pd.Series, column: str = "id", *, row_labels: pd.Series | None = None
              ) -> tuple[pd.Series, ParseInfo]:
    """Normalise identifiers to text; empty values and placeholders become missing.

    Integer-valued floats (``13085.0``, also as text next to ``13085``) become
    ``13085``, unless the column holds a non-integer number such as ``1.5`` (then its
    ids are text and stay as written). Spaces around ids are stripped; leading zeros
    and text ids stay. Placeholders for "no id" (``#N/A``, ``N/A``, ``NA``, ``-``,
    ``?``, ``null``, ``none``, any case) are missing, and counted.

    Parameters
    ----------
    s : pandas.Series
    column : str, default 'id'
        The column's name, for the info and messages.
    row_labels : pandas.Series, optional
        Labels for rows in messages (source line numbers).

    Returns
    -------
    values : pandas.Series
        dtype ``str`` with NaN for missing.
    info : ParseInfo
        ``normalised`` counts the ids written as ``n.0``, ``placeholders`` those read
        as missing.

    Raises
    ------
    DataError
        Ids stored as floats that are infinite or too large to be exact (2**53 and
        above): the digits are already lost, so the ids must be exported as text.

    Examples
    --------
    >>> values, info = parse_ids(pd.Series(["10013", "10013.0", "00123"]), "customer_id")
    >>> values.tolist(), info.normalised
    (['10013', '10013', '00123'], 1)
    """
    info = ParseInfo(column=column, kind="id")
    if pd.api.types.is_float_dtype(s):
        vals = s.astype("float64")
        inexact = vals.notna() & ~(vals.abs() < _EXACT_FLOAT)
        if inexact.any():
            raise DataError(
                f"column {column!r}: {int(inexact.sum()):,} id(s) are stored as numbers "
                f"that are infinite or too large to be exact ({_examples(s, inexact, row_labels)}"
                "); a number of 2**53 (9,007,199,254,740,992) or more loses its last digits, "
                "so these ids may stand for other customers. Export the ids as text (in a "
                "spreadsheet, format the column as Text) and read the file again")
        whole = vals.dropna()
        if (whole == np.floor(whole)).all():
            info.normalised = int(len(whole))
            s = vals.astype("Int64")
    out = s.astype("str").str.strip()
    lowered = out.str.lower()
    missing = s.isna() | lowered.isin(_MISSING_IDS)
    placeholder = missing & s.notna() & out.ne("")
    if placeholder.any():
        info.placeholders = int(placeholder.sum())
        info.placeholder_values = list(dict.fromkeys(out[placeholder]))[:5]
    out = out.where(~missing)
    present = out.dropna()
    int_float = present.str.fullmatch(r"[+-]?\d+\.0+")
    if int_float.any():
        fraction = present.str.fullmatch(r"[+-]?\d*\.\d+") & ~int_float
        if not fraction.any():
            idx = int_float[int_float].index
            out[idx] = present[idx].str.replace(r"\.0+$", "", regex=True)
            info.normalised += int(len(idx))
    return out.astype("str"), info


def parse_bool(s: pd.Series, column: str, *, errors: str = "raise"
               ) -> tuple[pd.Series, ParseInfo]:
    """Parse yes/no values (1/0, true/false, yes/no, y/n, t/f, 是/否).

    Parameters
    ----------
    s : pandas.Series
    column : str
        The column's name, for messages.
    errors : {'raise', 'coerce'}, default 'raise'

    Returns
    -------
    values : pandas.Series
        dtype ``boolean`` with NA for missing.
    info : ParseInfo

    Raises
    ------
    DataError
        Values that are none of these (named, with examples).
    """
    info = ParseInfo(column=column, kind="bool")
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean"), info
    text = s.astype(str).str.strip().str.lower()
    text = text.str.replace(r"\.0+$", "", regex=True)
    parsed = pd.Series(pd.NA, index=s.index, dtype="boolean")
    parsed[text.isin(_TRUE)] = True
    parsed[text.isin(_FALSE)] = False
    unknown = parsed.isna() & s.notna() & text.ne("") & text.ne("nan")
    info.invalid = int(unknown.sum())
    if unknown.any() and errors == "raise":
        examples = ", ".join(repr(v) for v in s[unknown].unique()[:5])
        raise DataError(f"{column}: {int(unknown.sum())} value(s) are not yes/no "
                        f"({examples}); expected 1/0, true/false or yes/no")
    return parsed, info


def parse_text(s: pd.Series, column: str = "text", kind: str = "text"
               ) -> tuple[pd.Series, ParseInfo]:
    """Text or category values, spaces stripped, blanks missing.

    Parameters
    ----------
    s : pandas.Series
    column : str
    kind : {'text', 'category'}

    Returns
    -------
    values : pandas.Series
        dtype ``str`` with NaN for missing.
    info : ParseInfo
    """
    text = s.astype("str").str.strip()
    return text.where(s.notna() & text.ne("")).astype("str"), ParseInfo(column, kind)


# --------------------------------------------------------------------------- tables


@dataclass
class ParsedTable:
    """What :func:`parse_table` returns.

    Attributes
    ----------
    frame : pandas.DataFrame
        A copy of the input with every contract column typed.
    info : dict of str to ParseInfo
        What each parser decided, by contract column.
    invalid : dict of str to pandas.Series
        For date and number columns, the mask of non-empty values that did not parse
        (all False unless ``errors='coerce'``).
    options : ParseOptions
        The options used.
    """

    frame: pd.DataFrame
    info: dict[str, ParseInfo]
    invalid: dict[str, pd.Series]
    options: ParseOptions

    def describe(self, lang: str = "en") -> str:
        """What was inferred, one clause per column, for a log (empty if nothing)."""
        parts = [i.describe(lang) for i in self.info.values()]
        return ("；" if lang == "zh" else "; ").join(p for p in parts if p)

    def settings(self) -> dict[str, dict[str, Any]]:
        """The decisions as plain dicts (for JSON), only columns with something to say."""
        return {k: i.as_dict() for k, i in self.info.items() if len(i.as_dict()) > 2}


def parse_table(raw: pd.DataFrame, spec: Any, *, options: ParseOptions | None = None,
                errors: str = "raise", prefix: str = "") -> ParsedTable:
    """Type every contract column of a table, each with its kind's parser.

    Parameters
    ----------
    raw : pandas.DataFrame
        Contract columns as loaded (text or typed), with ``source_row`` if available
        (used to name rows in messages). Never modified.
    spec : sequence of custlib.contract.Field
        The table's contract (``TRANSACTIONS``, ``CUSTOMERS``, ``SURVEY``).
    options : ParseOptions, optional
        Default: ``raw.attrs['parse_options']`` (set by the loaders), else infer.
    errors : {'raise', 'coerce'}, default 'raise'
    prefix : str, default ''
        Put before column names in messages (``'customers.'``).

    Returns
    -------
    ParsedTable
    """
    if errors not in ("raise", "coerce"):
        raise ParameterError(f"parameter 'errors' is {errors!r}; expected 'raise' or 'coerce'")
    opts = options or ParseOptions.build(raw.attrs.get("parse_options"))
    labels = raw["source_row"] if "source_row" in raw.columns else None
    out = raw.copy()
    infos: dict[str, ParseInfo] = {}
    invalid: dict[str, pd.Series] = {}
    for f in spec:
        if f.name not in out.columns:
            continue
        col = raw[f.name]
        name = f"{prefix}{f.name}"
        if f.kind == "id":
            values, info = parse_ids(col, name, row_labels=labels)
        elif f.kind == "datetime":
            values, info = parse_dates(col, name, options=opts, errors=errors,
                                       row_labels=labels)
        elif f.kind == "number":
            values, info = parse_numbers(col, name, options=opts, errors=errors,
                                         row_labels=labels)
        elif f.kind == "bool":
            values, info = parse_bool(col, name, errors=errors)
        else:
            values, info = parse_text(col, name, f.kind)
        if f.kind in ("datetime", "number", "bool"):
            blank = col.isna() | col.astype(str).str.strip().eq("")
            invalid[f.name] = values.isna() & ~blank
        out[f.name] = values
        infos[f.name] = info
    return ParsedTable(out, infos, invalid, opts)


def with_options(df: pd.DataFrame, options: ParseOptions | Mapping[str, Any]) -> pd.DataFrame:
    """Record parse options on a frame (``attrs['parse_options']``) and return it.

    Parameters
    ----------
    df : pandas.DataFrame
    options : ParseOptions or mapping

    Returns
    -------
    pandas.DataFrame
        ``df`` itself.
    """
    opts = options if isinstance(options, ParseOptions) else ParseOptions.build(options)
    df.attrs["parse_options"] = opts.as_dict()
    return df

