"""Checks for the notebooks' exercises: right, or wrong with a hint, never the answer.

Each check takes the student's ``answer`` and the data the notebook already has, works the
expected answer out from that data itself, and returns a :class:`Feedback`: ``ok`` and a
message in the notebook's language (``custlib/i18n/catalogs/<lang>/teaching.yaml``). The
message says whether the answer is right and, when it is not, where to look; it never
contains the expected value. An answer left as ``...`` (or None) is *not answered yet*
(``ok`` False, nothing raised), so a student copy runs clean from top to bottom. When the
data cannot support an exercise (no purchase model in notebook 03, no survey) the check
says the exercise does not apply.

Tolerances, stated once: counts must be exact; shares are fractions from 0 to 1 and count
as right within 0.005 (half a percentage point: a share rounded to a whole percent passes)
unless a check says otherwise (:func:`pareto_share` and :func:`top_share`: 0.01); the NPS
within 1 point; a median lifetime read off a curve within 10%.

Examples
--------
>>> direction(..., before=10, after=12).status
'unanswered'
>>> direction("up", before=10, after=12).ok
True
>>> direction("down", before=10, after=12).ok
False
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from custlib.i18n import LANGS, check_lang, labels, t
from custlib.safety import escape_markdown

__all__ = [
    "SHARE_TOLERANCE", "Feedback", "direction", "extreme_lines", "kept_rows", "median_lifetime",
    "model_choice", "nps", "p_alive_direction", "pareto_share", "repeat_buyers",
    "revenue_share", "rfm_score", "stage_count", "stage_of", "swot_item", "top_priority",
    "top_rule", "top_share",
]

#: Largest distance from the expected share (a fraction) that still counts as right.
SHARE_TOLERANCE = 0.005

_MARKS = {"right": "✅", "wrong": "❌", "unanswered": "✏️", "not_applicable": "➖"}


@dataclass(frozen=True)
class Feedback:
    """What a check says about one answer.

    Attributes
    ----------
    ok : bool
        True only for a right answer.
    status : {'right', 'wrong', 'unanswered', 'not_applicable'}
    message : str
        The feedback in words, in the notebook's language: never the expected answer.
    """

    ok: bool
    status: str
    message: str

    def __str__(self) -> str:
        return f"{_MARKS[self.status]} {self.message}"

    def __bool__(self) -> bool:
        return self.ok

    def _repr_markdown_(self) -> str:
        return f"{_MARKS[self.status]} {escape_markdown(self.message)}"

    def _repr_html_(self) -> str:
        return (f'<div class="custlib-check custlib-check-{self.status}">'
                f"{_MARKS[self.status]} {html.escape(self.message)}</div>")


# --- the verdicts -----------------------------------------------------------------------


def _join(lang: str, *parts: str) -> str:
    """Sentences one after the other, as ``lang`` writes them (a space in English)."""
    out = ""
    for part in parts:
        out = t("teaching.check.then", lang, first=out, next=part) if out else part
    return out


def _say(status: str, lang: str, hint: str = "", **fields: Any) -> Feedback:
    head = t(f"teaching.check.{status}", lang)
    text = _join(lang, head, t(f"teaching.hint.{hint}", lang, **fields)) if hint else head
    return Feedback(ok=status == "right", status=status, message=text)


def _right(lang: str, note: str = "", **fields: Any) -> Feedback:
    return _say("right", lang, note, **fields)


def _wrong(lang: str, hint: str, **fields: Any) -> Feedback:
    return _say("wrong", lang, hint, **fields)


def _not_applicable(lang: str, why: str) -> Feedback:
    return Feedback(ok=False, status="not_applicable",
                    message=t("teaching.check.not_applicable", lang,
                              why=t(f"teaching.why.{why}", lang)))


def _unanswered(answer: Any) -> bool:
    if answer is ... or answer is None:
        return True
    if isinstance(answer, str) and not answer.strip():
        return True
    if isinstance(answer, (tuple, list)):
        return any(_unanswered(a) for a in answer)
    return False


def _pending(lang: str) -> Feedback:
    return Feedback(ok=False, status="unanswered", message=t("teaching.check.unanswered", lang))


def _as_number(answer: Any) -> float | None:
    """The answer as a finite number, or None (text, NaN, a bool)."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, str):
        answer = answer.strip().replace(",", "")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _judge(answer: Any, expected: float, tolerance: float, lang: str, hint: str,
           **fields: Any) -> Feedback:
    """A number within ``tolerance`` of ``expected`` is right; else too high or too low."""
    value = _as_number(answer)
    if value is None:
        return _wrong(lang, "number")
    if abs(value - expected) <= tolerance + 1e-9 * max(1.0, abs(expected)):
        return _right(lang)
    side = t("teaching.hint.too_high" if value > expected else "teaching.hint.too_low", lang)
    return Feedback(ok=False, status="wrong", message=_join(
        lang, t("teaching.check.wrong", lang), side, t(f"teaching.hint.{hint}", lang, **fields)))


def _judge_count(answer: Any, expected: int, lang: str, hint: str, **fields: Any) -> Feedback:
    value = _as_number(answer)
    if value is None or value != int(value):
        return _wrong(lang, "whole_number")
    return _judge(value, float(expected), 0.0, lang, hint, **fields)


def _judge_share(answer: Any, expected: float, tolerance: float, lang: str, hint: str,
                 **fields: Any) -> Feedback:
    value = _as_number(answer)
    if value is not None and not -1 <= value <= 1:
        return _wrong(lang, "share_as_fraction")
    return _judge(answer, expected, tolerance, lang, hint, **fields)


def _name(answer: Any) -> str:
    return re.sub(r"[\s_\-/]+", " ", str(answer)).strip().casefold()


def _names_of(prefix: str, key: str) -> set[str]:
    """``key`` and its display names under ``prefix`` in every language, normalised."""
    out = {_name(key)}
    for lang in LANGS:
        name = labels(prefix, lang).get(key)
        if name:
            out.add(_name(name))
    return out


def _total(x: Any) -> float:
    if isinstance(x, (pd.Series, pd.DataFrame, np.ndarray, list, tuple)):
        return float(np.nansum(np.asarray(x, dtype=float)))
    return float(x)


# --- notebook 01: cleaning ----------------------------------------------------------------


def kept_rows(answer: Any, result: Any, *, lang: str = "en") -> Feedback:
    """How many lines of identified customers the cleaning kept.

    Parameters
    ----------
    answer : int
        The student's count (exact).
    result : custlib.data.cleaning.CleaningResult
    lang : {'en', 'zh'}

    Returns
    -------
    Feedback
    """
    check_lang(lang)
    if _unanswered(answer):
        return _pending(lang)
    return _judge_count(answer, len(result.transactions), lang, "kept_rows")


_TAKING = ("removed", "set aside")


def top_rule(answer: Any, result: Any, *, lang: str = "en") -> Feedback:
    """Which cleaning rule took the most rows out of the log (removed or set aside).

    Parameters
    ----------
    answer : str
        A rule's name as code (``duplicates``) or as the log shows it, in any language.
        Rules tied for the most rows all count as right; when no rule took a row, the
        exercise does not apply.
    result : custlib.data.cleaning.CleaningResult
    lang : {'en', 'zh'}

    Returns
    -------
    Feedback
    """
    check_lang(lang)
    log = result.log[result.log["action"].isin(_TAKING)]
    most = log["rows"].max() if len(log) else 0
    if not most > 0:
        return _not_applicable(lang, "nothing_removed")
    if _unanswered(answer):
        return _pending(lang)
    rules = [str(r) for r in result.log["rule"] if r not in ("kept", "reconciliation")]
    named = [r for r in rules if _name(answer) in _names_of("data.cleaning.rule", r)]
    if not named:
        return _wrong(lang, "unknown_rule")
    if named[0] in set(log.loc[log["rows"] == most, "rule"]):
        return _right(lang)
    return _wrong(lang, "top_rule")


def extreme_lines(answer: Any, result: Any, factor: float, *, lang: str = "en") -> Feedback:
    """How many kept lines the extremes rule flags with ``extreme_factor = factor``.

    The rule is run again on the kept lines (it is the last rule, so they are the lines it
    saw) with the new factor.

    Parameters
    ----------
    answer : int
        The predicted count (exact).
    result : custlib.data.cleaning.CleaningResult
    factor : float
        The ``extreme_factor`` the exercise asks about.
    lang : {'en', 'zh'}

    Returns
    -------
    Feedback
    """
    from custlib.data.cleaning.rules import Extremes

    check_lang(lang)
    if _unanswered(answer):
        return _pending(lang)
    flags, _, _ = Extremes(factor=float(factor)).limits(result.transactions)
    return _judge_count(answer, int(flags.sum()), lang, "extreme_lines")


def revenue_share(answer: Any, part: Any, whole: Any, *, lang: str = "en",
                  tolerance: float = SHARE_TOLERANCE) -> Feedback:
    """A share of revenue: ``part`` over ``whole``, as a fraction from 0 to 1.

    Parameters
    ----------
    answer : float
        The student's share (0.25 for 25%), right within ``tolerance``.
    part, whole : float or array-like
        Amounts, summed (NaN left out), or their totals.
    lang : {'en', 'zh'}
    tolerance : float, default :data:`SHARE_TOLERANCE`

    Returns
    -------
    Feedback
    """
    check_lang(lang)
    if _unanswered(answer):
        return _pending(lang)
    total = _total(whole)
    if not total:
        return _not_applicable(lang, "no_revenue")
    return _judge_share(answer, _total(part) / total, tolerance, lang, "revenue_share")


# --- notebook 02: segments ----------------------------------------------------------------


def _code(answer: Any) -> str | None:
    if isinstance(answer, (tuple, list)):
        answer = "".join(str(a) for a in answer)
    if isinstance(answer, (int, np.integer)) and not isinstance(answer, bool):
        answer = str(answer)
    text = re.sub(r"[\s,\-/]", "", str(answer)) if isinstance(answer, str) else ""
    return text if re.fullmatch(r"\d{3}", text) else None


def rfm_score(answer: Any, customer_id: Any, scorer: Any, summary: pd.DataFrame, *,
              lang: str = "en") -> Feedback:
    """One customer's RFM code (R, F and M scores), as worked out from the scorer's edges.

    Parameters
    ----------
    answer : str, int or tuple
        ``'545'``, ``545`` or ``(5, 4, 5)``.
    customer_id : object
        The customer (an index value of ``summary``).
    scorer : custlib.segments.rfm.RFMScorer
        Fitted: the expected code is ``scorer.transform`` of that customer's row.
    summary : pandas.DataFrame
        The customer summary the scorer was fitted on.
    lang : {'en', 'zh'}

    Returns
    -------
    Feedback
        When wrong, says which of R, F and M are off (not what they should be).
    """
    check_lang(lang)
    if _unanswered(answer):
        return _pending(lang)
    code = _code(answer)
    if code is None:
        return _wrong(lang, "rfm_format")
    expected = str(scorer.transform(summary.loc[[customer_id]])["rfm_code"].iloc[0])
    off = [letter for letter, a, e in zip("RFM", code, expected) if a != e]
    if not off:
        return _right(lang)
    return _wrong(lang, "rfm_off", letters=", ".join(off))


def pareto_share(answer: Any, revenue: pd.Series, share: float = 0.8, *, lang: str = "en",
                 tolerance: float = 0.01) -> Feedback:
    """The smallest share of customers (the top spenders) making ``share`` of revenue.

    Parameters
    ----------
    answer : float
        A fraction of customers, right within ``tolerance`` (one percentage point).
    revenue : pandas.Series
        Revenue per customer.
    share : float, default 0.8
    lang : {'en', 'zh'}
    tolerance : float, default 0.01

    Returns
    -------
    Feedback
    """
    check_lang(lang)
    if _unanswered(answer):
        return _pending(lang)
    r = np.sort(revenue.astype(float).clip(lower=0).to_numpy())[::-1]
    if not len(r) or not r.sum():
        return _not_applicable(lang, "no_revenue")
    k = int(np.searchsorted(np.cumsum(r) / r.sum(), share - 1e-12)) + 1
    return _judge_share(answer, min(k, len(r)) / len(r), tolerance, lang, "pareto_share",
                        share=f"{share:.0%}")


_WORDS = {
    "up": ("up", "more", "higher", "increase", "increases", "rise", "rises", "grow", "grows",
           "上升", "增加", "变多", "更多", "提高", "升高", "上涨"),
    "down": ("down", "fewer", "less", "lower", "decrease", "decreases", "fall", "falls",
             "drop", "drops", "下降", "减少", "变少", "更少", "降低"),
    "same": ("same", "unchanged", "equal", "no change", "stays", "stay the same",
             "不变", "相同", "一样", "持平"),
}


def _direction_of(answer: Any) -> str | None:
    text = _name(answer)
    for key, words in _WORDS.items():
        if text in words:
            return key
    return None


def direction(answer: Any, before: float, after: float, *, lang: str = "en") -> Feedback:
    """A predicted direction of change: ``'up'``, ``'down'`` or ``'same'``.

    Parameters
    ----------
    answer : str
        ``'up'`` / ``'down'`` / ``'same'`` (also more, fewer, higher, lower, unchanged; in
        Chinese 上升, 下降, 不变 ...).
    before, after : float
        The measure before and after the change (the re-run), compared exactly.
    lang : {'en', 'zh'}

    Returns
    -------
    Feedback
    """
    check_lang(lang)
    if _unanswered(answer):
        return _pending(lang)
    said = _direction_of(answer)
    if said is None:
        return _wrong(lang, "direction_words")
    b, a = float(before), float(after)
    actual = "same" if a == b else ("up" if a > b else "down")
    return _right(lang) if said == actual else _wrong(lang, "direction")


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
