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

from custlib.teaching.check_data import (
    direction,
    extreme_lines,
    kept_rows,
    pareto_share,
    revenue_share,
    rfm_score,
    top_rule,
)
from custlib.teaching.check_value import (
    median_lifetime,
    model_choice,
    nps,
    p_alive_direction,
    repeat_buyers,
    stage_count,
    stage_of,
    swot_item,
    top_priority,
    top_share,
)
from custlib.teaching.feedback import SHARE_TOLERANCE, Feedback

__all__ = [
    "SHARE_TOLERANCE", "Feedback", "direction", "extreme_lines", "kept_rows", "median_lifetime",
    "model_choice", "nps", "p_alive_direction", "pareto_share", "repeat_buyers",
    "revenue_share", "rfm_score", "stage_count", "stage_of", "swot_item", "top_priority",
    "top_rule", "top_share",
]
