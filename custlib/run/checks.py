"""The allowed values of every notebook parameter (:data:`SPEC`), and how to say them.

:data:`SPEC` is declarative: one :class:`Check` per parameter name. A name in the spec
that no notebook declares is simply never checked, so the spec may run ahead of the
notebooks; a parameter the notebooks declare and the spec does not know is checked for
its type only (its declared type in the ``parameters`` cell). :func:`custlib.run.params.validate`
applies it. Values are shown in messages as they are written in a YAML parameter file
(:func:`yaml_form`).
"""

from __future__ import annotations

import codecs
import datetime as _dt
import difflib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from custlib.errors import ParameterError
from custlib.i18n import LANGS

__all__ = ["SPEC", "Check", "babel_locale", "check_of", "choice", "codec", "database_problem",
           "database_url", "date", "did_you_mean", "number", "parse_date", "rule_names",
           "timezone", "transaction_fields", "yaml_form"]


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


def _has_duckdb() -> bool:
    """Whether the DuckDB engine can run here."""
    import importlib.util

    return importlib.util.find_spec("duckdb") is not None


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


def parse_date(v: Any) -> Any:
    """A date given as text or a date as a Timestamp; None when it is not a date."""
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


def date(*, empty: bool = True, auto: bool = False) -> Check:
    """A date such as ``2024-12-31`` (or empty, meaning "from the data"; or ``auto``)."""
    return Check("a date such as '2024-12-31'" + (" or '' (from the data)" if empty else "")
                 + (" or 'auto' (where the log's usual volume ends)" if auto else ""),
                 lambda v: (empty and v == "") or (auto and v == "auto")
                 or parse_date(v) is not None, "write dates as YYYY-MM-DD")


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


def database_problem(v: Any) -> str:
    """What is wrong with a ``database`` parameter ('' when nothing is).

    It must parse as a URL of a dialect the kit reads, hold no password, and every
    ``${NAME}`` in it must be set (environment or ``.env``). The message never shows a
    password.
    """
    from custlib.data import database as db

    if not isinstance(v, str):
        return f"parameter 'database' is not text; expected {_DATABASE}"
    if v == "":
        return ""
    try:
        db.check_url(v)
        for name in db.placeholders(v):
            db.fill_placeholders(f"${{{name}}}")
    except ParameterError as exc:
        return str(exc)
    return ""


_DATABASE = ("'' (files and presets) or a SQLAlchemy URL such as "
             "'postgresql://ann@db:5432/shop', 'sqlite:///data/shop.db' or "
             "'duckdb:///data/shop.duckdb', with no password in it")


def database_url() -> Check:
    """A SQLAlchemy URL of a dialect the kit reads, without a password, or empty."""
    return Check(_DATABASE, lambda v: database_problem(v) == "",
                 "a password comes from ${NAME}: an environment variable or the .env file")


def _zone(v: str) -> Any:
    from custlib.data.parsing import ParseOptions  # the parsers' own check of the zone

    return ParseOptions(timezone=v)


def timezone() -> Check:
    """An IANA time zone (``Europe/London``, ``UTC``), or empty."""
    return Check("'' or an IANA time zone such as 'UTC', 'Europe/London' or "
                 "'Asia/Shanghai'", _empty_or_accepted_by(_zone, ParameterError))


def _locale(v: str) -> Any:
    from custlib.i18n.formats import check_locale

    return check_locale(v)


def babel_locale() -> Check:
    """A Babel (CLDR) locale name (``en_GB``, ``de_DE``, ``zh_Hans_CN``), or empty."""
    return Check("'' (from lang) or a Babel locale such as 'en_GB', 'en_US', 'de_DE' or "
                 "'zh_Hans_CN'", _empty_or_accepted_by(_locale, ParameterError),
                 "language and territory joined by '_', as Babel and CLDR name them")


def _parse_choices(name: str) -> tuple[str, ...]:
    """The parsers' own list of allowed decimal marks or thousands separators."""
    from custlib.data import parsing

    return tuple(getattr(parsing, name))


def _columns_ok(v: Any) -> bool:
    return isinstance(v, dict) and all(isinstance(k, str) and k in transaction_fields()
                                       for k in v) \
        and all(c is None or isinstance(c, (str, int)) for c in v.values())


def transaction_fields() -> tuple[str, ...]:
    """The contract names of the transaction log's columns."""
    from custlib.data.contract import TABLES

    return tuple(f.name for f in TABLES["transactions"])


def _freqs() -> tuple[str, ...]:
    from custlib.value.summary import FREQS

    return tuple(FREQS)


def rule_names() -> tuple[str, ...]:
    """The cleaning rules, by name."""
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
    "lang": choice(*LANGS),
    # 01 data cleaning
    "columns": Check("a mapping {contract name: your column}", _columns_ok),
    "date_format": Check("'' (inferred) or a strftime format containing %", lambda v:
                         isinstance(v, str) and (v == "" or "%" in v),
                         "for example '%d/%m/%Y %H:%M'"),
    "observation_start": date(),
    "observation_end": date(auto=True),
    "unmatched_cancellations": choice("drop", "keep"),
    "engine": Check("'pandas' or 'duckdb' (with the duckdb package installed)",
                    lambda v: v == "pandas" or (v == "duckdb" and _has_duckdb()),
                    "pip install 'custlib[fast]' for duckdb", ("pandas", "duckdb")),
    "extreme_factor": number(0, low_open=True),
    "rules": Check("a mapping {rule: true/false}", lambda v: isinstance(v, dict)
                   and all(k in rule_names() and isinstance(x, bool) for k, x in v.items())),
    "separator": Check("'' (detected) or one character such as ',', ';', '|' or a tab",
                       lambda v: isinstance(v, str) and (len(v) <= 1 or v in ("\\t", "tab"))),
    "encoding": codec(),
    "decimal": choice(*_parse_choices("DECIMAL_CHOICES")),
    "thousands": choice(*_parse_choices("THOUSANDS_CHOICES")),
    "timezone": timezone(),
    "database": database_url(),
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
    # 02, 04 and 05: the largest categories and one 'other' per chart
    "max_categories": number(2, 200, integer=True),
    # 03 CLV
    "model": _Lazy(_models),
    "selection_rule": _Lazy(_selection_rules),
    "calibration_end": date(),
    "holdout_share": number(0, 1, high_open=True,
                            expected="0 (automatic) or a share strictly between 0 and 1"),
    "model_time_unit": choice("days", "weeks", "months"),
    "horizon_months": number(1, 600, integer=True),
    "margin": number(0, 1, low_open=True,
                     expected="0 < margin <= 1 (0.3 for a 30% margin; 1 values revenue)"),
    "bootstrap_refits": number(0, 10_000, integer=True,
                               expected="a whole number from 0 (off) to 10000, such as 200"),
    "fit_max_seconds": number(0, 86_400, low_open=True,
                              expected="seconds above 0 (at most a day), such as 60"),
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
    "locale": babel_locale(),
}


def check_of(name: str) -> Check | None:
    """The check of the parameter ``name`` (None when :data:`SPEC` has none)."""
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
