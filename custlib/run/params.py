"""The allowed values of every notebook parameter, checked before any notebook runs.

:func:`custlib.run.runner.run` reads a parameter file, then calls :func:`validate`: an unknown
key (with "did you mean" suggestions), a value of the wrong type or outside its allowed
values, or two values that contradict each other (``observation_end`` before
``observation_start``) stop the run with a :class:`~custlib.errors.ParameterError` that
names the file and the parameter, in the YAML form the user writes, e.g.::

    params/my.yaml: parameter 'lang' is 'fr'; expected 'en' or 'zh'

``custlib run`` exits with code 2 on such an error, before anything is written.

:data:`SPEC` is declarative: one :class:`Check` per parameter name. A name in the spec
that no notebook declares is simply never checked, so the spec may run ahead of the
notebooks; a parameter the notebooks declare and the spec does not know is checked for
its type only (its declared type in the ``parameters`` cell).
"""

from __future__ import annotations

import codecs
import datetime as _dt
import difflib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from custlib.errors import ParameterError

__all__ = ["SPEC", "Check", "choice", "codec", "date", "did_you_mean", "number",
           "timezone", "validate", "yaml_form"]


def yaml_form(value: Any) -> str:
    """Show a value as it is written in a YAML parameter file.

    Parameters
    ----------
    value : object

    Returns
    -------
    str

    Examples
    --------
    >>> yaml_form("fr"), yaml_form(True), yaml_form(None), yaml_form(0.5)
    ("'fr'", 'true', 'null', '0.5')
    >>> yaml_form({"quantity": "Qty"})
    '{quantity: Qty}'
    """
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    try:
        text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True,
                              width=10_000).strip()
    except yaml.YAMLError:
        return repr(value)
    return text[:-4].strip() if text.endswith("\n...") else text.removesuffix("...").strip()


def _or_list(values: Iterable[Any]) -> str:
    shown = [yaml_form(v) for v in values]
    if len(shown) <= 2:
        return " or ".join(shown)
    return ", ".join(shown[:-1]) + " or " + shown[-1]


@dataclass(frozen=True)
class Check:
    """The allowed values of one parameter.

    Attributes
    ----------
    expected : str
        What is allowed, for the message (``'en' or 'zh'``).
    test : callable
        ``test(value) -> bool``; True when the value is allowed.
    hint : str
        Optional advice appended to the message.
    """

    expected: str
    test: Callable[[Any], bool]
    hint: str = ""
    choices: tuple[str, ...] = ()


def choice(*values: Any, hint: str = "") -> Check:
    """A parameter that takes one of ``values``."""
    return Check(_or_list(values), lambda v: isinstance(v, str) and v in values, hint,
                 tuple(str(v) for v in values))


def number(low: float | None = None, high: float | None = None, *, low_open: bool = False,
           high_open: bool = False, integer: bool = False, expected: str = "",
           hint: str = "") -> Check:
    """A number in a range; ``low_open``/``high_open`` exclude the bound itself."""

    def test(v: Any) -> bool:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return False
        if integer and not isinstance(v, int):
            return False
        if not math.isfinite(v):
            return False
        if low is not None and (v <= low if low_open else v < low):
            return False
        return not (high is not None and (v >= high if high_open else v > high))

    if not expected:
        kind = "a whole number" if integer else "a number"
        if low is not None and high is not None:
            expected = (f"{kind} between {low:g} and {high:g}"
                        + (", exclusive" if low_open and high_open else
                           f" ({'>' if low_open else '>='} {low:g}, "
                           f"{'<' if high_open else '<='} {high:g})"))
        elif low is not None:
            expected = f"{kind} {'>' if low_open else '>='} {low:g}"
        elif high is not None:
            expected = f"{kind} {'<' if high_open else '<='} {high:g}"
        else:
            expected = kind
    return Check(expected, test, hint)


def _parse_date(v: Any) -> Any:
    import pandas as pd

    if isinstance(v, (_dt.date, _dt.datetime)):
        return pd.Timestamp(v)
    if not isinstance(v, str):
        return None
    try:
        out = pd.Timestamp(v)
    except (ValueError, TypeError, OverflowError):
        return None
    return None if pd.isna(out) else out


def date(*, empty: bool = True) -> Check:
    """A date such as ``2024-12-31`` (or empty, meaning "from the data")."""
    return Check("a date such as '2024-12-31'" + (" or '' (from the data)" if empty else ""),
                 lambda v: (empty and v == "") or _parse_date(v) is not None,
                 "write dates as YYYY-MM-DD")


def _empty_or_accepted_by(load: Callable[[str], Any],
                          errors: type[Exception] | tuple[type[Exception], ...]
                          ) -> Callable[[Any], bool]:
    """A test: empty text, or text that ``load`` accepts without raising ``errors``."""
    def test(v: Any) -> bool:
        if not isinstance(v, str):
            return False
        if v == "":
            return True
        try:
            load(v)
        except errors:
            return False
        return True

    return test


def codec() -> Check:
    """A text encoding known to Python (``utf-8``, ``latin-1``, ``cp1252``, ...)."""
    return Check("'' (detected) or an encoding such as 'utf-8', 'latin-1' or 'cp1252'",
                 _empty_or_accepted_by(codecs.lookup, LookupError))


def _zone(v: str) -> Any:
    from custlib.data.parsing import ParseOptions  # the parsers' own check of the zone

    return ParseOptions(timezone=v)


def timezone() -> Check:
    """An IANA time zone (``Europe/London``, ``UTC``), or empty."""
    return Check("'' or an IANA time zone such as 'UTC', 'Europe/London' or "
                 "'Asia/Shanghai'", _empty_or_accepted_by(_zone, ParameterError))


def _parse_choices(name: str) -> tuple[str, ...]:
    """The parsers' own list of allowed decimal marks or thousands separators."""
    from custlib.data import parsing

    return tuple(getattr(parsing, name))


def _columns_ok(v: Any) -> bool:
    return isinstance(v, dict) and all(isinstance(k, str) and k in _transaction_fields()
                                       for k in v) \
        and all(c is None or isinstance(c, (str, int)) for c in v.values())


def _transaction_fields() -> tuple[str, ...]:
    from custlib.data.contract import TABLES

    return tuple(f.name for f in TABLES["transactions"])


def _freqs() -> tuple[str, ...]:
    from custlib.value.summary import FREQS

    return tuple(FREQS)


def _rule_names() -> tuple[str, ...]:
    from custlib.data.cleaning import RULES

    return RULES


def _models() -> tuple[str, ...]:
    from custlib.value.btyd import MODELS

    return ("auto", *MODELS)


def _selection_rules() -> tuple[str, ...]:
    from custlib.value.btyd import ModelComparison

    return tuple(ModelComparison.RULES)


class _Lazy:
    """A check whose allowed values come from another module, imported when used."""

    def __init__(self, values: Callable[[], tuple[str, ...]], hint: str = "") -> None:
        self.values, self.hint = values, hint

    def build(self) -> Check:
        return choice(*self.values(), hint=self.hint)


_SHARE = number(0, 1, low_open=True, high_open=True)
_DAYS = number(0, expected="a number of days >= 0 (0: from the data)")
_COUNT0 = number(0, integer=True, expected="a whole number >= 0 (0: automatic)")
_COUNT1 = number(1, integer=True)

#: The allowed values of every notebook parameter, by name.
SPEC: dict[str, Check | _Lazy] = {
    # every notebook
    "lang": choice("en", "zh"),
    # 01 data cleaning
    "columns": Check("a mapping {contract name: your column}", _columns_ok),
    "date_format": Check("'' (inferred) or a strftime format containing %", lambda v:
                         isinstance(v, str) and (v == "" or "%" in v),
                         "for example '%d/%m/%Y %H:%M'"),
    "observation_start": date(),
    "observation_end": date(),
    "unmatched_cancellations": choice("drop", "keep"),
    "extreme_factor": number(0, low_open=True),
    "rules": Check("a mapping {rule: true/false}", lambda v: isinstance(v, dict)
                   and all(k in _rule_names() and isinstance(x, bool) for k, x in v.items())),
    "separator": Check("'' (detected) or one character such as ',', ';', '|' or a tab",
                       lambda v: isinstance(v, str) and (len(v) <= 1 or v in ("\\t", "tab"))),
    "encoding": codec(),
    "decimal": choice(*_parse_choices("DECIMAL_CHOICES")),
    "thousands": choice(*_parse_choices("THOUSANDS_CHOICES")),
    "timezone": timezone(),
    # 02 segmentation
    "time_unit": Check("'D', 'W' or 'M' (days, weeks, months)", lambda v: isinstance(v, str)
                       and v in _freqs(), choices=("D", "W", "M")),
    "rfm_monetary": choice("total", "average"),
    "rfm8_threshold": choice("mean", "median"),
    "high_value_share": _SHARE,
    "medium_value_share": number(0, 1, low_open=True),
    "lost_after_days": _DAYS,
    "n_clusters": number(0, 50, integer=True,
                         expected="a whole number from 2 to 50, or 0 (chosen by silhouette)"),
    "k_max": number(2, 50, integer=True),
    "random_state": number(0, 2**32 - 1, integer=True),
    # 03 CLV
    "model": _Lazy(_models),
    "selection_rule": _Lazy(_selection_rules),
    "calibration_end": date(),
    "holdout_share": _SHARE,
    "model_time_unit": choice("days", "weeks", "months"),
    "horizon_months": number(1, 600, integer=True),
    "margin": number(0, 1, low_open=True,
                     expected="0 < margin <= 1 (0.3 for a 30% margin; 1 values revenue)"),
    "annual_discount_rate": number(0, 1, high_open=True,
                                   expected="a yearly rate from 0 up to (not including) 1, "
                                            "such as 0.10 for 10% a year"),
    # 04 lifecycle
    "snapshot_freq": choice("M", "Q", "W"),
    "active_days": _DAYS,
    "churn_days": _DAYS,
    "new_days": _DAYS,
    "loyal_purchases": _COUNT0,
    "risk_factor": number(0, low_open=True),
    "p_alive_risk": number(0, 1),
    # 03 and 04 (top customers; 04: 0 keeps all)
    "top_n": number(0, integer=True, expected="a whole number >= 0"),
    # 05 report
    "top_segments": _COUNT1,
    "kpi_months": number(1, 120, integer=True),
}


def _check_of(name: str) -> Check | None:
    entry = SPEC.get(name)
    if isinstance(entry, _Lazy):
        return entry.build()
    return entry


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest candidates, or ``""``.

    Examples
    --------
    >>> did_you_mean("hoizon_months", ["horizon_months", "margin"])
    " (did you mean 'horizon_months'?)"
    """
    close = difflib.get_close_matches(str(word), list(candidates), n=3, cutoff=0.6)
    if not close:
        return ""
    return f" (did you mean {_or_list(close)}?)"


_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,), "int": (int,), "float": (int, float), "bool": (bool,),
    "dict": (dict,), "list": (list, tuple),
}
_TYPE_WORDS = {"str": "text", "int": "a whole number", "float": "a number",
               "bool": "true or false", "dict": "a mapping", "list": "a list"}


def _type_ok(value: Any, type_name: str) -> tuple[bool, str]:
    base = type_name.replace("typing.", "").split("[")[0]
    expected = _TYPES.get(base)
    if expected is None or value is None:
        return True, ""
    ok = isinstance(value, expected) and not (base in ("int", "float")
                                              and isinstance(value, bool))
    return ok, _TYPE_WORDS.get(base, base)


def validate(values: Mapping[str, Any], declared: Mapping[str, Mapping[str, Mapping[str, Any]]],
             *, source: str = "", runner_keys: Iterable[str] = ()) -> dict[str, Any]:
    """Check a run's parameters against the notebooks and :data:`SPEC`.

    Parameters
    ----------
    values : mapping
        The parameters given (a parameter file's content).
    declared : mapping
        ``{notebook name: {parameter: {'type': ..., ...}}}`` as returned by
        :func:`custlib.run.runner.notebook_parameters` for every notebook.
    source : str
        Where the values come from (``params/my.yaml``), shown first in messages.
    runner_keys : iterable of str
        Keys that steer the runner and that no notebook needs to declare.

    Returns
    -------
    dict
        The values, with YAML dates (``observation_end: 2024-12-31`` unquoted) turned
        into ``'2024-12-31'`` text as the notebooks expect.

    Raises
    ------
    ParameterError
        The first problem found, naming the file, the parameter, the value (as YAML) and
        what is expected; unknown keys with "did you mean" suggestions.
    """
    where = f"{source}: " if source else ""
    types: dict[str, tuple[str, str]] = {}
    for nb, params in declared.items():
        for key, p in params.items():
            types.setdefault(key, (str(p.get("type", "")), nb))
    known = set(runner_keys) | set(types)
    unknown = [k for k in values if k not in known]
    if unknown:
        parts = [f"{yaml_form(str(k))}{did_you_mean(str(k), sorted(known))}" for k in unknown]
        raise ParameterError(
            f"{where}unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(parts)}; "
            f"custlib params lists the {len(known)} parameters the notebooks take")
    out = dict(values)
    for key, value in values.items():
        if isinstance(value, (_dt.date, _dt.datetime)) and types.get(key, ("",))[0] == "str":
            value = out[key] = value.isoformat() if not isinstance(value, _dt.datetime) \
                else value.isoformat(sep=" ")
        type_name, nb = types.get(key, ("", ""))
        ok, word = _type_ok(value, type_name)
        if not ok:
            raise ParameterError(f"{where}parameter {yaml_form(key)} is {yaml_form(value)}; "
                                 f"expected {word} (notebook {nb} declares {key}: "
                                 f"{type_name})")
        check = _check_of(key)
        if check is None or key not in types or check.test(value):
            continue
        raise ParameterError(_message(where, key, value, check))
    _check_together(out, where, types)
    return out


def _message(where: str, key: str, value: Any, check: Check) -> str:
    msg = f"{where}parameter {yaml_form(key)} is {yaml_form(value)}; expected {check.expected}"
    extra = ""
    if key == "columns" and isinstance(value, dict):
        fields = _transaction_fields()
        bad = [k for k in value if k not in fields]
        if bad:
            extra = "; " + ", ".join(f"{yaml_form(str(k))} is not a contract name"
                                     f"{did_you_mean(str(k), fields)}" for k in bad) + \
                f"; contract names: {', '.join(fields)} (data/README.md)"
    elif key == "rules" and isinstance(value, dict):
        rules = _rule_names()
        bad = [k for k in value if k not in rules]
        if bad:
            extra = "; " + ", ".join(f"{yaml_form(str(k))} is not a rule"
                                     f"{did_you_mean(str(k), rules)}" for k in bad) + \
                f"; rules: {', '.join(rules)}"
        else:
            extra = "; write for example 'rules: {duplicates: false}'"
    elif isinstance(value, str) and check.choices:
        extra = did_you_mean(value, check.choices)
    if check.hint:
        extra += f" ({check.hint})"
    return msg + extra


def _check_together(values: Mapping[str, Any], where: str,
                    types: Mapping[str, tuple[str, str]]) -> None:
    def given(key: str) -> Any:
        v = values.get(key)
        return v if key in types and v not in (None, "") else None

    start, end, cal = (_parse_date(given(k)) for k in
                       ("observation_start", "observation_end", "calibration_end"))
    if start is not None and end is not None and end < start:
        raise ParameterError(f"{where}parameter 'observation_end' ({values['observation_end']}) "
                             f"is before 'observation_start' ({values['observation_start']}); "
                             "expected observation_start <= observation_end")
    if cal is not None and end is not None and cal >= end:
        raise ParameterError(f"{where}parameter 'calibration_end' ({values['calibration_end']}) "
                             f"is not before 'observation_end' ({values['observation_end']}); "
                             "expected a calibration period that ends before the observation "
                             "window, leaving a holdout")
    if cal is not None and start is not None and cal <= start:
        raise ParameterError(f"{where}parameter 'calibration_end' ({values['calibration_end']}) "
                             f"is not after 'observation_start' "
                             f"({values['observation_start']})")
    hi, med = given("high_value_share"), given("medium_value_share")
    if isinstance(hi, (int, float)) and isinstance(med, (int, float)) and med <= hi:
        raise ParameterError(f"{where}parameter 'medium_value_share' ({med:g}) is not above "
                             f"'high_value_share' ({hi:g}); expected high_value_share < "
                             "medium_value_share <= 1")
    active, churn = given("active_days"), given("churn_days")
    if isinstance(active, (int, float)) and isinstance(churn, (int, float)) \
            and active > 0 and churn > 0 and churn <= active:
        raise ParameterError(f"{where}parameter 'churn_days' ({churn:g}) is not longer than "
                             f"'active_days' ({active:g}); expected churn_days > active_days "
                             "(or 0 for both: from the data)")
    n, k = given("n_clusters"), given("k_max")
    if n == 1:
        raise ParameterError(f"{where}parameter 'n_clusters' is 1; expected 0 (chosen by the "
                             "silhouette score) or a whole number from 2 to 50")
    if isinstance(n, int) and isinstance(k, int) and n > k:
        raise ParameterError(f"{where}parameter 'n_clusters' ({n}) is above 'k_max' ({k}); "
                             "expected n_clusters <= k_max")


#: Largest parameter or context YAML file read (bytes).
MAX_YAML_BYTES = 1024 * 1024


class NoAliasSafeLoader(yaml.SafeLoader):
    """A :class:`yaml.SafeLoader` that refuses anchors and aliases (``&a`` / ``*a``).

    Aliases let a few hundred bytes expand into billions of nodes (the "billion laughs"
    bomb); parameter and context files never need them, so the first one stops the load.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"found the alias '*{event.anchor}'; aliases and anchors "
                "(&name / *name) are not allowed in custlib YAML files: write the values "
                "out", event.start_mark)
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise yaml.composer.ComposerError(
                None, None, f"found the anchor '&{anchor}'; aliases and anchors "
                "(&name / *name) are not allowed in custlib YAML files: write the values "
                "out", event.start_mark)
        return super().compose_node(parent, index)


def _timestamp_or_text(loader: NoAliasSafeLoader, node: Any) -> Any:
    """A YAML date such as ``2024-12-31``; an impossible one (``2024-13-45``) stays text,
    so that the parameter check names it instead of a bare ``month must be in 1..12``.
    """
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


NoAliasSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def safe_yaml_load(text: str | bytes) -> Any:
    """Parse YAML with :class:`NoAliasSafeLoader` (no aliases, no anchors, no tags).

    Parameters
    ----------
    text : str or bytes

    Returns
    -------
    The parsed document.

    Raises
    ------
    yaml.YAMLError
        Invalid YAML, or an anchor or alias.

    Examples
    --------
    >>> safe_yaml_load("lang: zh\\nmargin: 0.25")
    {'lang': 'zh', 'margin': 0.25}
    """
    return yaml.load(text, Loader=NoAliasSafeLoader)  # noqa: S506 (a SafeLoader)
