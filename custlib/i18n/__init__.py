"""Languages: every label, caption and sentence the kit shows, from message catalogs.

The words live in catalogs, not in code: ``custlib/i18n/catalogs/<lang>/<domain>.yaml``,
one folder per language and one file per part of the kit (``common``, ``data``,
``segments``, ``value``, ``lifecycle``, ``report``, ``run``). A file maps keys to text;
nested mappings make dotted keys, and the file's name is the first part::

    # catalogs/zh/value.yaml
    model:
      bgnbd: BG/NBD 模型
    summary: "{n} 位客户的预期价值合计 {total}。"

so ``t("value.model.bgnbd", "zh")`` is ``"BG/NBD 模型"`` and ``t("value.summary", "zh",
n="1,200", total="$5,000")`` fills the ``{fields}`` (numbers arrive formatted). Code asks
for a key; it never tests which language it is in.

Adding a language is adding a folder of catalogs with the same keys (``tests/test_i18n.py``
fails on a key or a ``{field}`` missing from any catalog). :data:`LANGS` lists the
folders found.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from custlib.errors import CustlibError, ParameterError, format_list

__all__ = ["LANGS", "CATALOG_DIR", "catalog", "check_lang", "has", "label", "labels", "t",
           "fields_of", "needs_cjk", "setup_matplotlib", "cjk_font_path", "currency_unit",
           "register_cjk_font"]

#: where the catalogs live: one folder per language, one YAML file per domain
CATALOG_DIR: Path = Path(__file__).resolve().parent / "catalogs"


def _languages(folder: Path) -> tuple[str, ...]:
    langs = sorted(p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("*.yaml")))
    # English first: it is the language of the code, the fallback of nothing
    return tuple(sorted(langs, key=lambda code: (code != "en", code)))


LANGS: tuple[str, ...] = _languages(CATALOG_DIR)


def check_lang(lang: str) -> str:
    """Return ``lang`` if a catalog exists for it, else raise :class:`ParameterError`.

    Parameters
    ----------
    lang : str
        A language code with a folder in :data:`CATALOG_DIR` (``'en'``, ``'zh'``).

    Returns
    -------
    str
        ``lang`` unchanged.
    """
    if lang not in LANGS:
        raise ParameterError(f"parameter 'lang' is {lang!r}; expected one of "
                             f"{format_list(LANGS)}")
    return lang


def _flatten(prefix: str, value: Any, out: dict[str, str], source: Path) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}", inner, out, source)
    elif isinstance(value, str):
        out[prefix] = value
    else:
        raise CustlibError(f"catalog {source}: {prefix!r} is {type(value).__name__}; "
                           "expected text or a mapping of keys to text")


@cache
def catalog(lang: str) -> Mapping[str, str]:
    """Every message of ``lang``, as ``{"domain.key": text}``.

    Parameters
    ----------
    lang : str
        A language of :data:`LANGS`.

    Returns
    -------
    Mapping[str, str]
        Read once per process from ``catalogs/<lang>/*.yaml``.
    """
    import yaml

    check_lang(lang)
    out: dict[str, str] = {}
    for path in sorted((CATALOG_DIR / lang).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        _flatten(path.stem, data, out, path)
    return out


def has(key: str, lang: str = "en") -> bool:
    """Whether the catalog of ``lang`` has ``key``."""
    return key in catalog(lang)


def t(key: str, lang: str = "en", /, **fields: Any) -> str:
    """The message ``key`` in ``lang``, with its ``{fields}`` filled.

    Parameters
    ----------
    key : str
        ``"<domain>.<key>"``, e.g. ``"value.model.bgnbd"``.
    lang : str, default 'en'
        A language of :data:`LANGS`.
    **fields
        Values for the message's ``{name}`` fields, already formatted for people.

    Returns
    -------
    str

    Raises
    ------
    CustlibError
        The key is in no catalog of ``lang`` (a defect of the kit: the catalog test
        catches it), or a field is missing.

    Examples
    --------
    >>> t("common.customers", "zh")
    '客户数'
    """
    text = catalog(lang).get(key)
    if text is None:
        raise CustlibError(f"no message {key!r} in the {lang!r} catalogs "
                           f"({CATALOG_DIR / lang})")
    if not fields:
        return text
    try:
        return text.format_map(fields)
    except (KeyError, IndexError) as err:
        raise CustlibError(f"message {key!r} ({lang}) needs the field {err}") from None


def label(domain: str, key: Any, lang: str = "en") -> str:
    """The display name of ``key`` in ``domain``, else in ``common``, else ``key`` itself.

    For names that may come from the data (a segment, a channel, a column): a value the
    catalogs do not know is shown as it is.

    Parameters
    ----------
    domain : str
        A catalog file name (``"segments"``), or a dotted prefix (``"lifecycle.stage"``).
    key : object
        What to name; turned into text.
    lang : str, default 'en'

    Returns
    -------
    str

    Examples
    --------
    >>> label("report", "customers", "zh"), label("report", "Kenya", "zh")
    ('客户数', 'Kenya')
    """
    messages = catalog(lang)
    name = str(key)
    for candidate in (f"{domain}.{name}", f"common.{name}"):
        if candidate in messages:
            return messages[candidate]
    return name


def labels(prefix: str, lang: str = "en") -> dict[str, str]:
    """Every message under ``prefix`` (``"lifecycle.stage"``), keyed by the rest of its key.

    Parameters
    ----------
    prefix : str
    lang : str, default 'en'

    Returns
    -------
    dict of str to str
        E.g. for renaming the columns of a table at once.
    """
    head = prefix.rstrip(".") + "."
    return {k[len(head):]: v for k, v in catalog(lang).items() if k.startswith(head)}


#: The currency's name instead of its ISO code for a unit in these languages (Babel's
#: locale): "收入(英镑)" reads as Chinese, "收入 (GBP)" does not.
CURRENCY_NAME_LOCALES = {"zh": "zh_Hans_CN"}


def currency_unit(code: str, lang: str = "en") -> str:
    """A currency as the unit of an axis or a column, in ``lang``.

    The ISO code in English (``GBP``); in Chinese the currency's Chinese name from Babel
    (CLDR), ``英镑``. A code Babel does not know (or no Babel) is shown as given.

    Parameters
    ----------
    code : str
        An ISO 4217 code (``"GBP"``), or any text the run was given as currency.
    lang : str, default 'en'

    Returns
    -------
    str

    Examples
    --------
    >>> currency_unit("GBP"), currency_unit("GBP", "zh"), currency_unit("pts", "zh")
    ('GBP', '英镑', 'pts')
    """
    locale = CURRENCY_NAME_LOCALES.get(check_lang(lang))
    if not locale or not code:
        return code
    try:
        from babel.numbers import get_currency_name, is_currency
    except ImportError:
        return code
    upper = code.strip().upper()
    return str(get_currency_name(upper, locale=locale)) if is_currency(upper) else code


def fields_of(text: str) -> set[str]:
    """The ``{field}`` names of a message (for the catalog test)."""
    return {name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(text) if name}


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


def needs_cjk(lang: str) -> bool:
    """Whether the catalogs of ``lang`` are written in CJK characters (so need a CJK font).

    Examples
    --------
    >>> needs_cjk("zh"), needs_cjk("en")
    (True, False)
    """
    return any("\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"
               for text in catalog(lang).values() for ch in text)


def register_cjk_font() -> bool:
    """Make the bundled CJK font (:func:`cjk_font_path`) known to matplotlib, once.

    Returns
    -------
    bool
        Whether matplotlib can use it (False without ``mplfonts``).
    """
    from matplotlib import font_manager

    path = cjk_font_path()
    if path is None:
        return False
    if CJK_FONT_NAME not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(path)
    return True


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

    check_lang(lang)
    families = ["DejaVu Sans"]
    if register_cjk_font():
        families.append(CJK_FONT_NAME)
    elif needs_cjk(lang):
        import warnings

        warnings.warn("no CJK font found (install the 'mplfonts' package); Chinese "
                      "labels will show as boxes", RuntimeWarning, stacklevel=2)
    # a list of families turns on matplotlib's per-glyph font fallback
    mpl.rcParams["font.family"] = families
    mpl.rcParams["axes.unicode_minus"] = False
    # labels come from data ("from $5 to $10"): show them as written, never as TeX math
    mpl.rcParams["text.parse_math"] = False
    mpl.rcParams["figure.dpi"] = max(mpl.rcParams["figure.dpi"], 100)
    from custlib.plots.theme import apply_theme

    apply_theme()  # the kit's palette and font sizes (custlib.plots.theme)
