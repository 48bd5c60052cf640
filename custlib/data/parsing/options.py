"""How values are read, what a parser decided, and the pieces every parser shares.

:class:`ParseOptions` holds the conventions given; :class:`ParseInfo` what a parser
decided for one column, said in the cleaning log by :meth:`ParseInfo.describe`.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from custlib.errors import ParameterError, format_list
from custlib.i18n import labels, t

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
        """Options from ``base``, overridden by the ``given`` values that are set.

        ``base`` is e.g. a frame's ``attrs['parse_options']``; a given value of None or
        '' leaves the base's.

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
            ``"<column>: <what was decided>"`` in ``lang`` (catalog ``data.parse``).
        """
        how = t("data.parse.inferred" if self.inferred else "data.parse.given", lang)
        if self.kind == "datetime":
            parts = self._date_parts(lang, how)
        elif self.kind == "number":
            parts = self._number_parts(lang, how)
        elif self.kind == "id":
            parts = self._id_parts(lang)
        else:
            parts = []
        if not parts:
            return ""
        return t("data.parse.column", lang, column=self.column,
                 parts=t("data.parse.parts_separator", lang).join(parts))

    def _date_parts(self, lang: str, how: str) -> list[str]:
        parts: list[str] = []
        if self.date_format and self.date_format not in ("ISO", "%Y%m%d", "Excel serial"):
            if self.dayfirst is None:
                parts.append(t("data.parse.format", lang, format=self.date_format))
            else:
                key = "data.parse.day_first" if self.dayfirst else "data.parse.month_first"
                parts.append(t(key, lang, format=self.date_format, how=how))
        if self.timezone:
            parts.append(t("data.parse.offsets", lang, offsets=", ".join(self.offsets),
                           timezone=self.timezone))
            if len(self.offsets) > 1 and self.timezone.startswith("UTC"):
                parts.append(t("data.parse.offsets_differ", lang))
        if self.excel_serial:
            parts.append(t("data.parse.excel_serial", lang, n=f"{self.excel_serial:,}"))
        return parts

    def _number_parts(self, lang: str, how: str) -> list[str]:
        if not (self.decimal == "," or self.thousands not in (None, ",")):
            return []
        marks = labels("data.parse.mark", lang)
        names = {",": marks["comma"], ".": marks["point"]}
        separators = {",": "','", ".": "'.'", " ": marks["space"], "'": "\"'\"",
                      "none": marks["none"]}
        decimal = names.get(self.decimal or ".", self.decimal or ".")
        thousands = t("data.parse.thousands", lang, separator=separators.get(
            self.thousands, self.thousands)) if self.thousands else ""
        return [t("data.parse.number", lang, decimal=decimal, thousands=thousands, how=how)]

    def _id_parts(self, lang: str) -> list[str]:
        parts: list[str] = []
        if self.normalised:
            parts.append(t("data.parse.normalised", lang, n=f"{self.normalised:,}"))
        if self.placeholders:
            parts.append(t("data.parse.placeholders", lang, n=f"{self.placeholders:,}",
                           forms=", ".join(self.placeholder_values)))
        return parts


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


