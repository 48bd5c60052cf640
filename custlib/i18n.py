"""Languages: English (``en``) and Chinese (``zh``) labels for tables and figures.

Each module keeps its own labels as ``{key: {"en": ..., "zh": ...}}`` and looks them up
with :func:`label`, so adding a language means adding a column, not editing code.
"""

from __future__ import annotations

from collections.abc import Mapping

from custlib.errors import ParameterError, format_list

__all__ = ["LANGS", "check_lang", "label", "COMMON"]

LANGS: tuple[str, ...] = ("en", "zh")

COMMON: dict[str, dict[str, str]] = {
    "rows": {"en": "rows", "zh": "行数"},
    "revenue": {"en": "revenue", "zh": "收入"},
    "customers": {"en": "customers", "zh": "客户数"},
    "orders": {"en": "orders", "zh": "订单数"},
    "month": {"en": "month", "zh": "月份"},
    "country": {"en": "country", "zh": "国家"},
    "count": {"en": "count", "zh": "数量"},
    "share": {"en": "share", "zh": "占比"},
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported, else raise :class:`ParameterError`.

    Parameters
    ----------
    lang : str
        ``'en'`` or ``'zh'``.
    """
    if lang not in LANGS:
        raise ParameterError(f"parameter 'lang' is {lang!r}; expected one of "
                             f"{format_list(LANGS)}")
    return lang


def label(labels: Mapping[str, Mapping[str, str]], key: str, lang: str = "en") -> str:
    """Look up ``key`` in ``labels`` (falling back to :data:`COMMON`) for ``lang``.

    Parameters
    ----------
    labels : mapping
        ``{key: {lang: text}}``.
    key : str
        What to look up; returned unchanged if unknown, so data values pass through.
    lang : {'en', 'zh'}, default 'en'

    Returns
    -------
    str
    """
    check_lang(lang)
    entry = labels.get(key) or COMMON.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry.get("en") or key
