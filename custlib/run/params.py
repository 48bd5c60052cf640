"""The notebooks' parameters: what each declares, its defaults, and a run's values checked.

The one source of every parameter's default is the notebook's cell tagged ``parameters``
(the numbered notebooks in ``notebooks/``). :func:`notebook_parameters` reads a cell with
Papermill's inspection (name, type, default as source text, help from the trailing
comment) and :func:`notebook_defaults` turns the defaults into values (they are Python
literals): code that needs a notebook's default asks for it here instead of copying it.

:func:`custlib.run.runner.run` reads a parameter file, then calls :func:`validate`: an unknown
key (with "did you mean" suggestions), a value of the wrong type or outside its allowed
values (:data:`~custlib.run.checks.SPEC`), or two values that contradict each other
(``observation_end`` before ``observation_start``) stop the run with a
:class:`~custlib.errors.ParameterError` that names the file and the parameter, in the YAML
form the user writes, e.g.::

    params/my.yaml: parameter 'lang' is 'fr'; expected 'en' or 'zh'

``custlib run`` exits with code 2 on such an error, before anything is written.
"""

from __future__ import annotations

import ast
import copy
import datetime as _dt
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from custlib.errors import CustlibError, ParameterError, SourceError, format_list
from custlib.run.checks import (
    SPEC,
    Check,
    check_of,
    choice,
    codec,
    database_problem,
    date,
    did_you_mean,
    number,
    parse_date,
    rule_names,
    timezone,
    transaction_fields,
    yaml_form,
)
from custlib.run.config import NOTEBOOKS_DIR, resolve_path
from custlib.run.yamlsafe import MAX_YAML_BYTES, NoAliasSafeLoader, safe_yaml_load

__all__ = ["MAX_YAML_BYTES", "SPEC", "Check", "NoAliasSafeLoader", "choice", "codec", "date",
           "did_you_mean", "discover_notebooks", "find_notebook", "load_params",
           "notebook_defaults", "notebook_parameters", "number", "safe_yaml_load", "timezone",
           "validate", "yaml_form"]

_NOTEBOOK = re.compile(r"^(\d{2})_[\w-]+\.ipynb$")


def discover_notebooks(folder: str | os.PathLike[str] = NOTEBOOKS_DIR) -> list[Path]:
    """Return the numbered notebooks (``NN_name.ipynb``) in number order.

    Parameters
    ----------
    folder : path-like
        Where the notebooks are (default: the project's ``notebooks/``).

    Returns
    -------
    list of pathlib.Path

    Raises
    ------
    SourceError
        The folder has no numbered notebook.
    """
    root = resolve_path(folder, must_exist=True)
    found = sorted(p for p in root.glob("*.ipynb") if _NOTEBOOK.match(p.name))
    if not found:
        raise SourceError(f"no numbered notebooks (NN_name.ipynb) in {root}")
    return found


def find_notebook(token: str, notebooks: Sequence[Path]) -> list[Path]:
    """The notebooks ``token`` names: a number (``'01'`` or ``'1'``), a name or a stem.

    Parameters
    ----------
    token : str
    notebooks : sequence of pathlib.Path
        From :func:`discover_notebooks`.

    Returns
    -------
    list of pathlib.Path
        Empty when none matches.
    """
    token = str(token).strip()
    if token.isdigit() and len(token) < 2:
        token = token.zfill(2)  # --only 3 is notebook 03
    return [p for p in notebooks
            if token in (p.stem, p.name, p.name[:2]) or p.name.startswith(token)]


def load_params(source: str | os.PathLike[str] | Mapping[str, Any] | None) -> dict[str, Any]:
    """Read a parameter file (YAML mapping) or pass a mapping through.

    Parameters
    ----------
    source : path-like, mapping or None
        A YAML file such as ``params/demo.yaml``; relative paths are read from the
        project root.

    Returns
    -------
    dict
    """
    if source is None:
        return {}
    if isinstance(source, Mapping):
        return dict(source)
    from custlib.data.loading import read_yaml_mapping

    return read_yaml_mapping(source, ParameterError,
                             "a mapping of parameter names to values")


@lru_cache(maxsize=64)
def _inspect(path: str, mtime_ns: int) -> dict[str, dict[str, Any]]:
    import papermill  # imported when first needed: custlib stays quick to import

    params = papermill.inspect_notebook(path)
    return {name: {"default": p["default"], "type": p["inferred_type_name"],
                   "help": p["help"]} for name, p in params.items()}


def notebook_parameters(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Return the parameters a notebook declares in its cell tagged ``parameters``.

    Read once per notebook file (again when the file changes).

    Parameters
    ----------
    path : path-like
        The notebook.

    Returns
    -------
    dict
        ``{name: {'default': str, 'type': str, 'help': str}}`` as read by Papermill; the
        default is the source text of the value.
    """
    p = Path(path)
    return copy.deepcopy(_inspect(str(p), p.stat().st_mtime_ns))


def notebook_defaults(notebook: str | os.PathLike[str],
                      folder: str | os.PathLike[str] = NOTEBOOKS_DIR) -> dict[str, Any]:
    """The default value of every parameter of a notebook, read from its parameters cell.

    Parameters
    ----------
    notebook : str or path-like
        A notebook of ``folder`` by number or name (``'01'``, ``'02_segmentation'``), or
        the path of a notebook file.
    folder : path-like
        Where the numbered notebooks are (default: the project's ``notebooks/``).

    Returns
    -------
    dict
        ``{name: value}`` in the cell's order; a fresh copy on every call.

    Raises
    ------
    ParameterError
        ``notebook`` names no notebook, or more than one.
    CustlibError
        A default is not a Python literal (a defect of the notebook).

    Examples
    --------
    >>> notebook_defaults("02")["rfm_monetary"]
    'total'
    """
    path = Path(notebook)
    if path.suffix != ".ipynb":
        notebooks = discover_notebooks(folder)
        hits = find_notebook(str(notebook), notebooks)
        if len(hits) != 1:
            raise ParameterError(f"notebook {str(notebook)!r} names "
                                 f"{'no notebook' if not hits else 'several notebooks'}; "
                                 f"expected one of {format_list(p.name for p in notebooks)}")
        path = hits[0]
    out: dict[str, Any] = {}
    for name, p in notebook_parameters(path).items():
        try:
            out[name] = ast.literal_eval(p["default"])
        except (ValueError, SyntaxError):
            raise CustlibError(f"notebook {path.name}: the default of parameter {name!r} is "
                               f"{p['default']!r}; expected a Python literal such as "
                               "'text', 3, 0.5, True, [] or {}") from None
    return out


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
        :func:`notebook_parameters` for every notebook.
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
        check = check_of(key)
        if check is None or key not in types or check.test(value):
            continue
        raise ParameterError(_message(where, key, value, check))
    _check_together(out, where, types)
    _check_database_sources(out, where, declared)
    return out


def _message(where: str, key: str, value: Any, check: Check) -> str:
    if key == "database":  # its own message: the value is never shown with a password
        return where + database_problem(value)
    msg = f"{where}parameter {yaml_form(key)} is {yaml_form(value)}; expected {check.expected}"
    extra = ""
    if key == "columns" and isinstance(value, dict):
        fields = transaction_fields()
        bad = [k for k in value if k not in fields]
        if bad:
            extra = "; " + ", ".join(f"{yaml_form(str(k))} is not a contract name"
                                     f"{did_you_mean(str(k), fields)}" for k in bad) + \
                f"; contract names: {', '.join(fields)} (data/README.md)"
    elif key == "rules" and isinstance(value, dict):
        rules = rule_names()
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


def _check_database_sources(values: Mapping[str, Any], where: str,
                            declared: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> None:
    """With ``database`` set, the sources name tables or hold queries, never presets."""
    if not values.get("database"):
        return
    from custlib.data.database import check_source_name
    from custlib.data.presets import PRESETS

    defaults = {k: p.get("default") for params in declared.values() for k, p in params.items()}
    for key in ("transactions", "customers", "survey"):
        if key not in values and key not in defaults:
            continue
        value = values[key] if key in values else _literal(defaults[key])
        if not isinstance(value, str) or value == "":
            continue
        if value in PRESETS:
            given = "is" if key in values else "is, by default,"
            raise ParameterError(
                f"{where}parameter {yaml_form(key)} {given} {yaml_form(value)}, a preset; with "
                f"'database' set it names a table or holds a query: write {key}: '' "
                f"(no {key} table) or the table's name, e.g. {key}: public.{key}")
        try:
            check_source_name(value, key)
        except ParameterError as exc:
            raise ParameterError(f"{where}{exc}") from None


def _literal(text: Any) -> Any:
    try:
        return ast.literal_eval(text) if isinstance(text, str) else text
    except (ValueError, SyntaxError):
        return None


def _check_together(values: Mapping[str, Any], where: str,
                    types: Mapping[str, tuple[str, str]]) -> None:
    def given(key: str) -> Any:
        v = values.get(key)
        return v if key in types and v not in (None, "") else None

    start, end, cal = (parse_date(given(k)) for k in
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
