"""Exercise checks of notebooks 03 (value), 04 (lifecycle) and 05 (report).

See :mod:`custlib.teaching.check` for what a check says and the tolerances.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from custlib.i18n import check_lang
from custlib.teaching.check_data import direction
from custlib.teaching.feedback import (
    Feedback,
    _as_number,
    _judge,
    _judge_count,
    _judge_share,
    _name,
    _names_of,
    _not_applicable,
    _pending,
    _right,
    _unanswered,
    _wrong,
)

__all__ = ["median_lifetime", "model_choice", "nps", "p_alive_direction", "repeat_buyers",
           "stage_count", "stage_of", "swot_item", "top_priority", "top_share"]


# --- notebook 03: value -------------------------------------------------------------------


def repeat_buyers(answer: Any, calibration: pd.DataFrame | None, *,
                  lang: str = "en") -> Feedback:
    """How many customers bought again (``frequency`` > 0) in the calibration period.

    Parameters
    ----------
    answer : int
        Exact.
    calibration : pandas.DataFrame or None
        Notebook 03's calibration/holdout table (``frequency``); None when the notebook
        could not estimate its models (the exercise does not apply).
    lang : {'en', 'zh'}

    Returns
    -------
    Feedback
    """
    check_lang(lang)
    if calibration is None:
        return _not_applicable(lang, "no_clv")
    if _unanswered(answer):
        return _pending(lang)
    return _judge_count(answer, int((calibration["frequency"] > 0).sum()), lang,
                        "repeat_buyers")


def model_choice(answer: Any, comparison: Any, *, lang: str = "en") -> Feedback:
    """The purchase model to trust: the one the comparison's selection rule chooses.

    Parameters
    ----------
    answer : str
        A model key (``bgnbd``, ``pareto``, ``mbgnbd``) or name (``BG/NBD`` ...).
    comparison : custlib.value.choice.ModelComparison or None
        Fitted; None when notebook 03 could not estimate its models.
    lang : {'en', 'zh'}

    Returns
    -------
    Feedback
    """
    from custlib.value.purchase import MODELS

    check_lang(lang)
    if comparison is None:
        return _not_applicable(lang, "no_clv")
    if _unanswered(answer):
        return _pending(lang)
    text = _name(answer).replace(" ", "")
    said = next((key for key, (_, _, name) in MODELS.items()
                 if text in (key, _name(name).replace(" ", ""))), None)
    if said is None:
        return _wrong(lang, "unknown_model")
    if said == comparison.ranked_first_:
        return _right(lang)
    return _wrong(lang, "model_choice")


def p_alive_direction(answer: Any, model: Any, summary: pd.DataFrame | None,
                      customer_id: Any, later: float, *, lang: str = "en") -> Feedback:
    """Whether a customer's P(alive) goes up, down or stays if they stay silent longer.

    The customer's ``frequency`` and ``recency`` are kept, ``T`` grows by ``later`` model
    time units, and the fitted model says P(alive) before and after.

    Parameters
    ----------
    answer : str
        ``'up'``, ``'down'`` or ``'same'`` (see :func:`direction`).
    model : custlib.value.purchase.BTYDModel or None
        Fitted; None when notebook 03 could not estimate its models.
    summary : pandas.DataFrame or None
        ``frequency``, ``recency``, ``T`` per customer, in the model's time unit.
    customer_id : object
    later : float
        Extra model time units of silence.
    lang : {'en', 'zh'}

    Returns
    -------
    Feedback
    """
    check_lang(lang)
    if model is None or summary is None:
        return _not_applicable(lang, "no_clv")
    if _unanswered(answer):
        return _pending(lang)
    row = summary.loc[[customer_id], ["frequency", "recency", "T"]]
    before = float(model.p_alive(row).iloc[0])
    after = float(model.p_alive(row.assign(T=row["T"] + float(later))).iloc[0])
    if abs(after - before) < 1e-9:  # BG/NBD: one-time buyers are alive for sure
        after = before
    return direction(answer, before, after, lang=lang)


def top_share(answer: Any, values: pd.Series | None, top: float = 0.1, *, lang: str = "en",
              tolerance: float = 0.01) -> Feedback:
    """The share of the total held by the top ``top`` of customers (CLV or revenue).

    The top group is the ``ceil(top x customers)`` largest values, as the report's
    ``top10_share`` measure counts them.

    Parameters
    ----------
    answer : float
        A fraction, right within ``tolerance`` (one percentage point).
    values : pandas.Series or None
        Value per customer; None when there is none (the exercise does not apply).
    top : float, default 0.1
    lang : {'en', 'zh'}
    tolerance : float, default 0.01

    Returns
    -------
    Feedback
    """
    check_lang(lang)
    if values is None:
        return _not_applicable(lang, "no_clv")
    if _unanswered(answer):
        return _pending(lang)
    v = values.astype(float).dropna().sort_values(ascending=False)
    if not len(v) or not v.sum():
        return _not_applicable(lang, "no_revenue")
    n = max(1, int(np.ceil(len(v) * top)))
    return _judge_share(answer, float(v.iloc[:n].sum() / v.sum()), tolerance, lang,
                        "top_share", top=f"{top:.0%}")


# --- notebook 04: lifecycle ---------------------------------------------------------------


def _stage(answer: Any) -> str | None:
    from custlib.lifecycle.stages import STAGES

    return next((s for s in STAGES if _name(answer) in _names_of("lifecycle.stage", s)), None)


def stage_count(answer: Any, state: pd.DataFrame, stage: str, *, lang: str = "en") -> Feedback:
    """How many customers are in ``stage`` at the end of observation.

    Parameters
    ----------
    answer : int
        Exact.
    state : pandas.DataFrame
        Notebook 04's ``state`` (column ``stage``).
    stage : str
        A stage code (``dormant``).
    lang : {'en', 'zh'}

    Returns
    -------
    Feedback
    """
    check_lang(lang)
    if _unanswered(answer):
        return _pending(lang)
    expected = int((state["stage"].astype(str) == stage).sum())
    return _judge_count(answer, expected, lang, "stage_count")


def stage_of(answer: Any, customer_id: Any, state: pd.DataFrame, *,
             lang: str = "en") -> Feedback:
    """One customer's lifecycle stage at the end of observation.

    Parameters
    ----------
    answer : str
        A stage code (``at_risk``) or its name in any language (``At risk``, ``风险客户``).
    customer_id : object
    state : pandas.DataFrame
    lang : {'en', 'zh'}

    Returns
    -------
    Feedback
    """
    check_lang(lang)
    if _unanswered(answer):
        return _pending(lang)
    said = _stage(answer)
    if said is None:
        return _wrong(lang, "unknown_stage")
    if said == str(state.loc[customer_id, "stage"]):
        return _right(lang)
    return _wrong(lang, "stage_of")


def median_lifetime(answer: Any, curve: pd.DataFrame, *, lang: str = "en",
                    tolerance: float = 0.10) -> Feedback:
    """The median customer lifetime in days, read off a Kaplan-Meier curve.

    Parameters
    ----------
    answer : float
        Days, right within ``tolerance`` (relative, 10%).
    curve : pandas.DataFrame
        :func:`custlib.lifecycle.cohorts.kaplan_meier` (column ``survival``).
    lang : {'en', 'zh'}
    tolerance : float, default 0.10

    Returns
    -------
    Feedback
        Does not apply when survival never falls to one half.
    """
    from custlib.lifecycle.cohorts import median_survival

    check_lang(lang)
    expected = median_survival(curve)
    if not math.isfinite(expected):
        return _not_applicable(lang, "no_median")
    if _unanswered(answer):
        return _pending(lang)
    return _judge(answer, expected, tolerance * max(expected, 1.0), lang, "median_lifetime")


# --- notebook 05: report ------------------------------------------------------------------


def nps(answer: Any, survey: pd.DataFrame | None, *, lang: str = "en",
        tolerance: float = 1.0) -> Feedback:
    """The Net Promoter Score of all respondents (-100 ... 100).

    Parameters
    ----------
    answer : float
        Points, right within ``tolerance`` (1 point).
    survey : pandas.DataFrame or None
        With ``recommend`` (0-10); None or no answers: the exercise does not apply.
    lang : {'en', 'zh'}
    tolerance : float, default 1.0

    Returns
    -------
    Feedback
    """
    from custlib.report.needs import nps as nps_table

    check_lang(lang)
    scores = nps_table(survey)
    if scores is None:
        return _not_applicable(lang, "no_survey")
    if _unanswered(answer):
        return _pending(lang)
    value = _as_number(answer)
    if value is not None and -1 < value < 1 and value != 0:
        return _wrong(lang, "nps_points")
    return _judge(answer, float(scores.loc["all", "nps"]), tolerance, lang, "nps")


def top_priority(answer: Any, priorities: pd.DataFrame, *, lang: str = "en") -> Feedback:
    """The segment the report puts first (:func:`custlib.report.priorities.segment_priorities`).

    Parameters
    ----------
    answer : str
        A segment's name as the priorities table shows it.
    priorities : pandas.DataFrame
        Indexed by segment, in priority order.
    lang : {'en', 'zh'}

    Returns
    -------
    Feedback
    """
    check_lang(lang)
    if _unanswered(answer):
        return _pending(lang)
    names = [str(s) for s in priorities.index]
    if _name(answer) not in {_name(s) for s in names}:
        return _wrong(lang, "unknown_segment")
    if _name(answer) == _name(names[0]):
        return _right(lang)
    return _wrong(lang, "top_priority")


_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?\s*%?")


def _cited(text: str) -> list[tuple[float, bool]]:
    """The numbers in ``text``: (value, written as a percentage)."""
    out = []
    for m in _NUMBER.finditer(text):
        raw = m.group(0).replace(" ", "")
        pct = raw.endswith("%")
        out.append((float(raw.rstrip("%").replace(",", ".")), pct))
    return out


def _cites(value: float, fmt: str, numbers: Iterable[tuple[float, bool]]) -> bool:
    """Whether one of ``numbers`` is ``value`` as the report writes it (or to one more digit)."""
    for n, pct in numbers:
        if fmt == "%":
            shown = abs(value) * 100
            if (pct or n > 1) and abs(n - shown) <= 0.5 + 1e-9:
                return True
            if not pct and n <= 1 and abs(n - abs(value)) <= 0.005:
                return True
        elif abs(n - value) <= (0.05 if abs(value) < 10 else 0.5) + 1e-9:
            return True
    return False


def _quadrant(answer: Any) -> str | None:
    from custlib.report.strategy import QUADRANTS

    text = _name(answer)
    for q in QUADRANTS:
        names = _names_of("report.swot.quadrant", q) | _names_of("report.summary.quadrant", q)
        names |= {n.rstrip(" sowt") for n in names} | {q.rstrip("s")}
        if text in names or text.rstrip("s") in names:
            return q
    return None


def swot_item(answer: Any, measured: Mapping[str, Any], *, lang: str = "en",
              rules: tuple[Any, ...] | None = None) -> Feedback:
    """A SWOT item the data supports: a number of the analysis in the quadrant its rule says.

    Parameters
    ----------
    answer : tuple of (str, str)
        ``(quadrant, item)``: the quadrant (strengths, weaknesses, opportunities, threats,
        in any language, singular or plural) and the item in words, citing a number as
        the report writes it (a share as a percentage, 27%, or a fraction, 0.27).
    measured : mapping
        :func:`custlib.report.strategy.measures` of this run.
    lang : {'en', 'zh'}
    rules : tuple of Rule, optional
        Default :data:`custlib.report.strategy.RULES`.

    Returns
    -------
    Feedback
        Right when the item cites the value of a measurement whose rule fires for it and
        puts it in that rule's quadrant. Does not apply when no rule fires on this data.
    """
    from custlib.report.strategy import RULES

    check_lang(lang)
    rules = RULES if rules is None else rules
    if not any(r.fires(float(v[0] if isinstance(v, tuple) else v))
               for r in rules if (v := measured.get(r.key)) is not None):
        return _not_applicable(lang, "no_fact")
    if _unanswered(answer):
        return _pending(lang)
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return _wrong(lang, "swot_format")
    quadrant = _quadrant(answer[0])
    if quadrant is None:
        return _wrong(lang, "swot_quadrant_name")
    numbers = _cited(str(answer[1]))
    if not numbers:
        return _wrong(lang, "swot_no_number")
    cited = False
    for rule in rules:
        m = measured.get(rule.key)
        value = m[0] if isinstance(m, tuple) else m
        if value is None or not _cites(float(value), rule.fmt, numbers):
            continue
        cited = True
        if rule.fires(float(value)) and rule.quadrant == quadrant:
            return _right(lang)
    fired = any(r.fires(float(v[0] if isinstance(v, tuple) else v))
                for r in rules if (v := measured.get(r.key)) is not None
                and _cites(float(v[0] if isinstance(v, tuple) else v), r.fmt, numbers))
    if not cited:
        return _wrong(lang, "swot_not_in_analysis")
    return _wrong(lang, "swot_quadrant" if fired else "swot_no_rule")
