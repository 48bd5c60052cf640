"""The business context: company, competitors, SWOT, TOWS and canvas, from a YAML file.

Any key may have a twin in another language, named with the language's suffix
(``purpose`` and ``purpose_zh``): :func:`load_context` keeps the text of one language.
"""

from __future__ import annotations

import os
from typing import Any

import yaml

from custlib.data.presets import PRESETS
from custlib.errors import DataError, format_list
from custlib.i18n import LANGS, check_lang
from custlib.run.config import resolve_path

__all__ = ["CONTEXT_KEYS", "load_context", "localise_context", "read_yaml_mapping"]

PathLike = str | os.PathLike[str]


def read_yaml_mapping(path: PathLike, error: type[Exception], expected: str) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping (an empty file gives ``{}``).

    Loaded safely: no anchors or aliases (a "billion laughs" bomb stops at its first
    alias), no Python tags, and at most ``custlib.run.params.MAX_YAML_BYTES`` (1 MiB).

    Parameters
    ----------
    path : path-like
        Relative paths are read from the project root.
    error : exception class
        Raised, with the file's name, for invalid YAML or a non-mapping.
    expected : str
        What the mapping should hold, for the message.

    Returns
    -------
    dict
    """
    from custlib.run.params import MAX_YAML_BYTES, safe_yaml_load

    p = resolve_path(path, must_exist=True)
    if not p.is_file():
        raise error(f"{p} is not a file; expected a YAML file holding {expected}")
    size = p.stat().st_size
    if size > MAX_YAML_BYTES:
        raise error(f"{p} is {size:,} bytes; expected a YAML file of at most "
                    f"{MAX_YAML_BYTES:,} bytes (1 MiB) holding {expected}")
    try:
        data = safe_yaml_load(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise error(f"{p} is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                    "expected a YAML file saved as UTF-8") from None
    except yaml.YAMLError as exc:
        raise error(f"{p} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"{p}: expected {expected}; found a {type(data).__name__}")
    return data


CONTEXT_KEYS = ("company", "analysis", "competitors", "swot", "tows", "canvas")


def localise_context(data: Any, lang: str = "en") -> Any:
    """Pick the text of one language from a bilingual business context.

    Any key may have a twin in another language with the language's suffix: ``purpose``
    and ``purpose_zh``, ``strengths`` and ``strengths_zh``. For ``lang='zh'`` the twin
    replaces the key; for ``'en'`` (the language of plain keys) the twins are dropped. A
    key with only a twin form is kept under its plain name in every language, so nothing
    written is lost.

    Parameters
    ----------
    data : dict, list or scalar
        The parsed YAML (nested mappings and lists).
    lang : {'en', 'zh'}

    Returns
    -------
    The same structure with plain keys only.

    Examples
    --------
    >>> localise_context({"purpose": "Know them", "purpose_zh": "了解客户"}, "zh")
    {'purpose': '了解客户'}
    """
    check_lang(lang)
    if isinstance(data, list):
        return [localise_context(v, lang) for v in data]
    if not isinstance(data, dict):
        return data
    mine = f"_{lang}" if lang != LANGS[0] else ""  # plain keys are in the first language
    out: dict[Any, Any] = {}
    for key, value in data.items():
        base, suffix = _twin_of(key)
        if base is None:
            if not mine or f"{key}{mine}" not in data:
                out[key] = localise_context(value, lang)
        elif (mine and suffix == mine) or (base not in data and
                                           (not mine or f"{base}{mine}" not in data)):
            out[base] = localise_context(value, lang)
    return out


def _twin_of(key: Any) -> tuple[Any, str]:
    """``('purpose', '_zh')`` for ``'purpose_zh'``; ``(None, '')`` for a plain key."""
    if isinstance(key, str):
        for code in LANGS[1:]:
            if key.endswith(f"_{code}"):
                return key[:-len(code) - 1], f"_{code}"
    return None, ""


def load_context(source: PathLike | None = "demo", lang: str = "en") -> dict[str, Any]:
    """Load the business-context YAML (company, competitors, SWOT, canvas).

    Parameters
    ----------
    source : path-like, preset name or None
        A YAML file, a preset with a context, or empty for none (returns ``{}``).
    lang : {'en', 'zh'}, default 'en'
        The language of the text: a key's ``_zh`` twin is used for ``'zh'`` (see
        :func:`localise_context`).

    Returns
    -------
    dict
        The parsed YAML in ``lang``. Unknown top-level keys raise, so a typo is not
        ignored.
    """
    if not source:
        return {}
    text = str(source)
    if text in PRESETS:
        path = PRESETS[text].context
        if path is None:
            return {}
    else:
        path = text
    data = read_yaml_mapping(path, DataError,
                             f"a mapping with keys such as {format_list(CONTEXT_KEYS)}")
    p = resolve_path(path)
    unknown = [k for k in data if (_twin_of(k)[0] or k) not in CONTEXT_KEYS]
    if unknown:
        raise DataError(f"{p}: unknown top-level key(s) {format_list(unknown)}; expected "
                        f"{format_list(CONTEXT_KEYS)}")
    return localise_context(data, lang)
