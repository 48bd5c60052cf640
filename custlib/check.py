"""Exercise checks for the notebooks: ``from custlib import check``.

The functions live in :mod:`custlib.teaching.check`; this module is their short name in the
notebooks' exercise cells (``check.rfm_score(answer, ...)``).
"""

from __future__ import annotations

from custlib.teaching.check import *  # noqa: F403
from custlib.teaching.check import __all__  # noqa: F401
