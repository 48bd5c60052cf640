"""What an exercise check says: :class:`Feedback`, and how an answer is judged.

The verdicts (right, wrong with a hint, not answered yet, does not apply), reading an
answer as a number, a count or a share within a tolerance, and the names a check accepts.
The checks themselves are in :mod:`custlib.teaching.check`.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from custlib.i18n import LANGS, labels, t
from custlib.safety import escape_markdown

__all__ = ["SHARE_TOLERANCE", "Feedback"]

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
