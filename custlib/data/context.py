"""The business context: company, competitors, SWOT, TOWS and canvas, from a YAML file.

Any key may have a twin in another language, named with the language's suffix
(``purpose`` and ``purpose_zh``): :func:`load_context` keeps the text of one language.

The optional ``labels`` key names the data's own values (channels, categories, survey
needs, customer attributes) in a report language, one mapping per language::

    labels:
      zh: {web: 网店, store: 门店, Kitchen: 厨具, price: 价格}

:func:`data_labels` gives the mapping of one language and :func:`relabel` applies it to
columns of a table; a value the mapping does not list is shown as it is in the data.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import yaml

from custlib.data.presets import PRESETS
from custlib.errors import DataError, format_list
from custlib.i18n import LANGS, check_lang
from custlib.run.config import resolve_path

__all__ = ["CONTEXT_KEYS", "check_labels", "data_labels", "load_context", "localise_context",
           "read_yaml_mapping", "relabel"]

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


CONTEXT_KEYS = ("company", "analysis", "competitors", "swot", "tows", "canvas", "labels")


def check_labels(labels: Any, where: str = "context") -> dict[str, dict[str, str]]:
    """Check the ``labels`` of a business context: ``{lang: {data value: shown name}}``.

    Parameters
    ----------
    labels : object
        The parsed ``labels`` value (None for none).
    where : str, default 'context'
        The file, for the message.

    Returns
    -------
    dict
        The mapping with every data value as text (``2024`` and ``"2024"`` alike).

    Raises
    ------
    custlib.errors.DataError
        Naming the key that is wrong (``labels.zh.web``), what was found and what was
        expected.

    Examples
    --------
    >>> check_labels({"zh": {"web": "网店", 7: "七号店"}})
    {'zh': {'web': '网店', '7': '七号店'}}
    """
    if labels is None:
        return {}
    example = "for example labels: {zh: {web: 网店, store: 门店}}"
    if not isinstance(labels, Mapping):
        raise DataError(f"{where}: 'labels' is a {type(labels).__name__}; expected a mapping "
                        f"of report languages to mappings of data values to names, {example}")
    out: dict[str, dict[str, str]] = {}
    for lang, names in labels.items():
        if lang not in LANGS:
            raise DataError(f"{where}: 'labels.{lang}' is not a report language; expected "
                            f"{format_list(LANGS)} ({example})")
        if names is None:
            continue
        if not isinstance(names, Mapping):
            raise DataError(f"{where}: 'labels.{lang}' is a {type(names).__name__}; expected a "
                            f"mapping of data values to the names shown in a {lang!r} report, "
                            f"{example}")
        out[lang] = {}
        for value, name in names.items():
            if isinstance(name, bool) or not isinstance(name, (str, int, float)) or \
                    not str(name).strip():
                raise DataError(f"{where}: 'labels.{lang}.{value}' is {name!r}; expected the "
                                f"text shown for the data value {value!r} in a {lang!r} report")
            out[lang][str(value)] = str(name).strip()
    return out


def data_labels(context: Mapping[str, Any] | None, lang: str = "en") -> dict[str, str]:
    """The names of the data's values in a ``lang`` report, from a context's ``labels``.

    Parameters
    ----------
    context : mapping or None
        :func:`load_context`'s result.
    lang : {'en', 'zh'}, default 'en'

    Returns
    -------
    dict of str to str
        Data value -> shown name; empty when the context names none in ``lang``.

    Examples
    --------
    >>> data_labels({"labels": {"zh": {"web": "网店"}}}, "zh"), data_labels({}, "zh")
    ({'web': '网店'}, {})
    """
    check_lang(lang)
    return dict(check_labels((context or {}).get("labels")).get(lang, {}))


def relabel(frame: pd.DataFrame | None, names: Mapping[str, str],
            columns: Iterable[str] | None = None) -> pd.DataFrame | None:
    """A copy of ``frame`` with the values of text columns shown by their names.

    Parameters
    ----------
    frame : pandas.DataFrame or None
    names : mapping of str to str
        :func:`data_labels`. Values are matched as text, exactly.
    columns : iterable of str, optional
        The columns to rename values in (those absent are passed over); default every
        text or categorical column but ``customer_id``.

    Returns
    -------
    pandas.DataFrame or None
        ``frame`` itself when there is nothing to rename. Two values given one name
        become one value (the analyst merged them).

    Examples
    --------
    >>> relabel(pd.DataFrame({"channel": ["web", "fax"]}), {"web": "网店"})["channel"].tolist()
    ['网店', 'fax']
    """
    if frame is None or not names:
        return frame
    if columns is None:
        columns = [c for c in frame.columns if c != "customer_id" and
                   (isinstance(frame[c].dtype, pd.CategoricalDtype) or
                    pd.api.types.is_string_dtype(frame[c]) or frame[c].dtype == object)]
    out = frame
    for col in columns:
        if col not in frame:
            continue
        values = frame[col]
        lookup = {v: names[str(v)] for v in values.dropna().unique() if str(v) in names}
        if lookup:
            if out is frame:
                out = frame.copy()
            out[col] = values.astype(object).map(lambda v, m=lookup: m.get(v, v))
    return out


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
        ignored. ``labels``, when given, is checked (:func:`check_labels`) and kept for
        every language: :func:`data_labels` picks one.
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
    names = check_labels(data.pop("labels", None), str(p))  # keyed by language already
    out: dict[str, Any] = localise_context(data, lang)
    if names:
        out["labels"] = names
    return out
