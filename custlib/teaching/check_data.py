"""Exercise checks of notebooks 01 (cleaning) and 02 (segments).

See :mod:`custlib.teaching.check` for what a check says and the tolerances.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from custlib.i18n import check_lang
from custlib.teaching.feedback import (
    SHARE_TOLERANCE,
    Feedback,
    _judge_count,
    _judge_share,
    _name,
    _names_of,
    _not_applicable,
    _pending,
    _right,
    _total,
    _unanswered,
    _wrong,
)

__all__ = ["direction", "extreme_lines", "kept_rows", "pareto_share", "revenue_share",
           "rfm_score", "top_rule"]


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
