"""How values are read (:class:`ParseOptions`), what a parser decided (:class:`ParseInfo`),
and the pieces every parser shares.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from custlib.errors import ParameterError, format_list

DECIMAL_CHOICES: tuple[str, ...] = ("", ".", ",")
THOUSANDS_CHOICES: tuple[str, ...] = ("", ",", ".", " ", "'", "none")

EXCEL_SERIAL_RANGE: tuple[float, float] = (20000.0, 80000.0)  # 1954-10-03 .. 2119-01-10


def _yaml_hint(param: str, value: str, python: str) -> str:
    """``set `x: v` in your parameter file (or x=v in Python)``."""
    return f"set `{param}: {value}` in your parameter file (or {python} in Python)"


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


