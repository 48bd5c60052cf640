"""Teaching with the kit: exercises, their checks, student copies and the glossary.

* :mod:`custlib.teaching.check` (also ``from custlib import check``): functions that judge
  a student's answer from the data the notebook has and return a
  :class:`~custlib.teaching.check.Feedback` (right, or wrong with a hint; never the answer;
  "not answered yet" for ``...``);
* :mod:`custlib.teaching.copies`: ``custlib student``, the notebooks for a class, without
  their solutions (``build/student/``) and with them (``build/teacher/``);
* :mod:`custlib.teaching.glossary` reads ``glossary.yaml`` (every term the notebooks use,
  with its Chinese name, a short definition in each language, where the notebooks use it
  and related terms) and writes ``docs/glossary.md`` and ``docs/glossary.zh.md`` from it.

Each notebook ends with a ``## Exercises`` section: a question (markdown), a code cell
tagged ``exercise`` (the student's answer and the check) and a code cell tagged
``solution`` (the answer computed, and the same check).
"""

from __future__ import annotations
