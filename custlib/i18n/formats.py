"""Numbers, money, percentages, points and dates as the report's reader writes them.

One formatting layer for tables, KPI cards and sentences alike, on Babel (CLDR): the
same amount reads the same wherever the report shows it ("£769,684" in the text, the
tiles and the tables). The locale follows the report's language (:data:`LOCALES`: ``en``
-> CLDR's English, ``zh`` -> ``zh_Hans_CN``); a Babel locale name (``"de_DE"``) is
accepted wherever a language is. A missing value (None, NaN) is ``""``: the caller
decides whether to show a dash.

Money is shown in whole units from 100 up (or when whole) and with cents below it
(``£23.45`` spend per order, ``£769,684`` revenue), the symbol in front as both English
and Chinese readers write it (``£``, ``$``, ``€``; ``¥`` for CNY in Chinese); a currency
code Babel does not know is written after the number (``1,234 pts``).

Examples
--------
>>> money(769684.3, "GBP", "en"), money(769684.3, "GBP", "zh"), money(23.456, "GBP")
('£769,684', '£769,684', '£23.46')
>>> percent(0.5634, "zh"), points(0.0123, "en"), points(-0.0123, "zh")
('56%', '+1.2 pt', '-1.2 个百分点')
"""

from __future__ import annotations

import datetime as _dt
import math
from functools import cache
from typing import Any

from custlib.errors import ParameterError

__all__ = ["LOCALES", "check_locale", "date", "locale_for", "money", "money_digits", "number",
           "percent", "points", "signed_percent", "use_locale"]

#: The Babel locale of each report language (numbers, currency symbols, dates).
LOCALES: dict[str, str] = {"en": "en", "zh": "zh_Hans_CN"}

#: Locales chosen for a language in this process (:func:`use_locale`), over :data:`LOCALES`.
_CHOSEN: dict[str, str] = {}

#: Currency symbols people type instead of a code, written in front of the amount.
SYMBOLS: tuple[str, ...] = ("£", "$", "€", "¥", "₹", "₩", "₽", "₺", "₫", "₱")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


@cache
def check_locale(locale: str) -> str:
    """Return ``locale`` if Babel knows it, else raise :class:`ParameterError`.

    Parameters
    ----------
    locale : str
        A Babel (CLDR) locale name such as ``'en_GB'`` or ``'zh_Hans_CN'``.

    Returns
    -------
    str
        ``locale`` unchanged.

    Examples
    --------
    >>> check_locale("en_GB")
    'en_GB'
    """
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError, TypeError) as err:
        raise ParameterError(
            f"locale {locale!r} is not a locale Babel knows ({err}); expected a name such as "
            "'en_GB', 'en_US' or 'zh_Hans_CN', or empty for the report language's "
            f"({LOCALES})") from None
    return locale


def use_locale(lang: str, locale: str = "") -> str:
    """Write the numbers of report language ``lang`` as ``locale`` from now on.

    Notebook 05's ``locale`` parameter: a report in English for a German reader keeps its
    words and writes "1.234.568 €". ``""`` goes back to :data:`LOCALES`. The choice holds
    for this process (a notebook's kernel).

    Parameters
    ----------
    lang : str
        A report language.
    locale : str, default ''
        A Babel locale name, or ``""``.

    Returns
    -------
    str
        The locale now used for ``lang``.

    Examples
    --------
    >>> use_locale("en", "de_DE"), money(1234.6, "EUR"), use_locale("en"), money(1234.6, "EUR")
    ('de_DE', '1.235\xa0€', 'en', '€1,235')
    """
    if locale:
        _CHOSEN[lang] = check_locale(locale)
    else:
        _CHOSEN.pop(lang, None)
    return locale_for(lang)


def locale_for(lang: str) -> str:
    """The Babel locale of a report language, or ``lang`` itself when it is a locale.

    A locale chosen with :func:`use_locale` comes first.

    Parameters
    ----------
    lang : str
        ``'en'``, ``'zh'`` (:data:`LOCALES`) or a Babel locale name.

    Returns
    -------
    str

    Examples
    --------
    >>> locale_for("zh"), locale_for("en_GB")
    ('zh_Hans_CN', 'en_GB')
    """
    return _CHOSEN.get(lang) or LOCALES.get(lang) or check_locale(lang)


@cache
def _pattern(locale: str, kind: str, digits: int) -> str:
    """The locale's own pattern of ``kind``, with exactly ``digits`` decimals.

    Its grouping and where the sign and the symbol go: "¤#,##0.00", "#,##0.00 ¤", "#,##,##0%".
    """
    import re

    from babel import Locale

    loc = Locale.parse(locale)
    pattern = (loc.currency_formats["standard"] if kind == "currency" else
               loc.percent_formats[None] if kind == "percent" else loc.decimal_formats[None]
               ).pattern
    fraction = "." + "0" * digits if digits > 0 else ""
    return re.sub(r"([#,]*0)(\.[0#]+)?", lambda m: m.group(1) + fraction, pattern)


def _unsigned_zero(value: float, digits: int) -> float:
    """``value``, with a value that rounds to zero made +0 (never "-0" or "-0.0")."""
    return 0.0 if round(value, max(digits, 0)) == 0 else value


def number(value: Any, lang: str = "en", digits: int = 0) -> str:
    """A number with the locale's separators and ``digits`` decimals.

    Parameters
    ----------
    value : float
    lang : str, default 'en'
        A report language or a Babel locale (:func:`locale_for`).
    digits : int, default 0

    Returns
    -------
    str
        ``""`` for a missing value.

    Examples
    --------
    >>> number(-1234567.891, "en", 1), number(-0.2), number(float("nan"))
    ('-1,234,567.9', '0', '')
    """
    from babel.numbers import format_decimal

    if _missing(value):
        return ""
    v = _unsigned_zero(float(value), digits)
    locale = locale_for(lang)
    return str(format_decimal(v, format=_pattern(locale, "decimal", digits), locale=locale,
                              decimal_quantization=True))


def money_digits(value: Any) -> int:
    """Decimals an amount is shown with: none from 100 up or when whole, else cents.

    Examples
    --------
    >>> money_digits(105.2), money_digits(23.4), money_digits(13.0)
    (0, 2, 0)
    """
    if _missing(value):
        return 0
    v = float(value)
    return 0 if abs(v) >= 100 or v.is_integer() else 2


def money(value: Any, currency: str = "", lang: str = "en", digits: int | None = None) -> str:
    """An amount of money with its currency, as the locale writes it.

    Parameters
    ----------
    value : float
    currency : str, default ''
        An ISO 4217 code (``'GBP'``), a symbol (``'£'``), another name (written after
        the number) or ``''`` (the bare number).
    lang : str, default 'en'
        A report language or a Babel locale (:func:`locale_for`).
    digits : int, optional
        Decimals; default :func:`money_digits` (whole units from 100 up or when whole).

    Returns
    -------
    str
        ``""`` for a missing value.

    Examples
    --------
    >>> money(-105, "GBP"), money(1234, "CNY", "zh"), money(1234, "CNY", "en")
    ('-£105', '¥1,234', 'CN¥1,234')
    >>> money(1234, "€"), money(1234, "pts"), money(1234), money(None, "GBP")
    ('€1,234', '1,234 pts', '1,234', '')
    """
    from babel.numbers import format_currency, is_currency

    if _missing(value):
        return ""
    places = money_digits(value) if digits is None else digits
    v = _unsigned_zero(float(value), places)
    code = currency.strip()
    if is_currency(code.upper()):
        locale = locale_for(lang)
        return str(format_currency(v, code.upper(), format=_pattern(locale, "currency", places),
                                   locale=locale, currency_digits=False))
    text = number(abs(v), lang, places)
    sign = "-" if v < 0 else ""
    if code in SYMBOLS or len(code) == 1:
        return f"{sign}{code}{text}"
    return f"{sign}{text} {code}".strip()


def percent(value: Any, lang: str = "en", digits: int = 0) -> str:
    """A share as a percentage (0.563 -> "56%").

    Parameters
    ----------
    value : float
        A share (1 = 100%).
    lang : str, default 'en'
    digits : int, default 0

    Returns
    -------
    str
        ``""`` for a missing value.

    Examples
    --------
    >>> percent(0.563), percent(-0.05, "zh", 1), percent(-0.001)
    ('56%', '-5.0%', '0%')
    """
    from babel.numbers import format_percent

    if _missing(value):
        return ""
    v = _unsigned_zero(float(value) * 100, digits) / 100
    locale = locale_for(lang)
    return str(format_percent(v, format=_pattern(locale, "percent", digits), locale=locale,
                              decimal_quantization=True))


def signed_percent(value: Any, lang: str = "en", digits: int = 0) -> str:
    """A relative change as a signed percentage (0.3 -> "+30%", 0 -> "0%").

    Examples
    --------
    >>> signed_percent(0.3), signed_percent(-0.057, "zh", 1), signed_percent(0.0)
    ('+30%', '-5.7%', '0%')
    """
    text = percent(value, lang, digits)
    return "+" + text if text and not text.startswith("-") and text.strip("0.,%") else text


def points(value: Any, lang: str = "en", digits: int = 1) -> str:
    """A change of a share in percentage points, signed (0.012 -> "+1.2 pt").

    Parameters
    ----------
    value : float
        The difference of two shares (0.012 = 1.2 points).
    lang : str, default 'en'
        A report language (the unit is ``common.points`` in the catalogs).
    digits : int, default 1

    Returns
    -------
    str
        ``""`` for a missing value.

    Examples
    --------
    >>> points(-0.057), points(0.0), points(0.012, "zh")
    ('-5.7 pt', '0.0 pt', '+1.2 个百分点')
    """
    from custlib.i18n import LANGS, t

    if _missing(value):
        return ""
    v = _unsigned_zero(float(value) * 100, digits)
    text = number(v, lang, digits)
    if v > 0:
        text = "+" + text
    words = lang if lang in LANGS else lang.split("_")[0] if lang.split("_")[0] in LANGS else "en"
    return t("common.points", words, value=text)


def date(value: Any, lang: str = "en", style: str = "iso") -> str:
    """A date: ISO ``2024-12-31``, or the locale's short, medium or long form.

    ISO is the report's default: it reads the same in every language.

    Parameters
    ----------
    value : date, datetime, pandas.Timestamp or str
    lang : str, default 'en'
    style : {'iso', 'short', 'medium', 'long'}

    Returns
    -------
    str
        ``""`` for a missing value.

    Examples
    --------
    >>> date("2024-12-31"), date("2024-12-31", "zh", "long"), date("2024-12-31", "en_GB", "medium")
    ('2024-12-31', '2024年12月31日', '31 Dec 2024')
    """
    from babel.dates import format_date

    if value is None or (not isinstance(value, (str, _dt.date)) and _missing(value)):
        return ""
    import pandas as pd

    stamp = pd.Timestamp(value)
    if stamp is pd.NaT:
        return ""
    if style == "iso":
        return f"{stamp:%Y-%m-%d}"
    if style not in ("short", "medium", "long"):
        raise ParameterError(f"date style {style!r}; expected 'iso', 'short', 'medium' or 'long'")
    return str(format_date(stamp.date(), style, locale=locale_for(lang)))
