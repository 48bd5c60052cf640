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


CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
CJK_FONT_NAME = "Noto Sans CJK SC"


def cjk_font_path() -> str | None:
    """Return the path of the bundled CJK font (from the ``mplfonts`` package), if any.

    Returns
    -------
    str or None
        None when ``mplfonts`` is not installed.
    """
    import importlib.resources

    try:
        res = importlib.resources.files("mplfonts").joinpath("fonts", CJK_FONT_FILE)
    except ModuleNotFoundError:
        return None
    return str(res) if res.is_file() else None


def setup_matplotlib(lang: str = "en") -> None:
    """Set matplotlib up for readable figures in ``lang``, with real CJK glyphs for zh.

    Registers Noto Sans CJK SC (shipped by the ``mplfonts`` package, so no system font
    is needed) and puts it behind DejaVu Sans in the font fallback list: Latin text
    keeps its usual look and Chinese text gets real glyphs instead of empty boxes.

    Parameters
    ----------
    lang : {'en', 'zh'}, default 'en'

    Raises
    ------
    ParameterError
        For an unknown language.
    """
    import matplotlib as mpl
    from matplotlib import font_manager

    check_lang(lang)
    families = ["DejaVu Sans"]
    path = cjk_font_path()
    if path is not None:
        if CJK_FONT_NAME not in {f.name for f in font_manager.fontManager.ttflist}:
            font_manager.fontManager.addfont(path)
        families.append(CJK_FONT_NAME)
    elif lang == "zh":
        import warnings

        warnings.warn("no CJK font found (install the 'mplfonts' package); Chinese "
                      "labels will show as boxes", RuntimeWarning, stacklevel=2)
    # a list of families turns on matplotlib's per-glyph font fallback
    mpl.rcParams["font.family"] = families
    mpl.rcParams["axes.unicode_minus"] = False
    # labels come from data ("from $5 to $10"): show them as written, never as TeX math
    mpl.rcParams["text.parse_math"] = False
    mpl.rcParams["figure.dpi"] = max(mpl.rcParams["figure.dpi"], 100)
    mpl.rcParams["axes.spines.top"] = False
    mpl.rcParams["axes.spines.right"] = False
