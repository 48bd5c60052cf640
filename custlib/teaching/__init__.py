"""Teaching: the notebooks' exercises, their checks and the student and teacher copies.

* :mod:`custlib.teaching.check` (also ``from custlib import check``): functions that judge
  a student's answer from the data the notebook has and return a
  :class:`~custlib.teaching.check.Feedback` (right, or wrong with a hint; never the answer;
  "not answered yet" for ``...``);
* :mod:`custlib.teaching.copies`: ``custlib student``, the notebooks for a class, without
  their solutions (``build/student/``) and with them (``build/teacher/``).

Each notebook ends with a ``## Exercises`` section: a question (markdown), a code cell
tagged ``exercise`` (the student's answer and the check) and a code cell tagged
``solution`` (the answer computed, and the same check).
"""

from __future__ import annotations
