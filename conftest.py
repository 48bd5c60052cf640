"""pytest set-up for the whole suite (tests/, the notebooks under nbval, the doctests).

Tests never write into the project's ``reports/`` folder, where a user's ``make report``
output lives: the notebooks that nbval runs write their run folder (``run_name`` "demo")
wherever ``CUSTLIB_REPORTS_DIR`` says, and for a test session that is a throw-away folder.
``tests/conftest.py`` points each test at its own temporary folder as well.
"""

from __future__ import annotations

import os
import shutil
import tempfile

_SESSION_REPORTS: list[str] = []


def pytest_configure(config):
    folder = tempfile.mkdtemp(prefix="custlib-test-reports-")
    _SESSION_REPORTS.append(folder)
    os.environ["CUSTLIB_REPORTS_DIR"] = folder


def pytest_unconfigure(config):
    for folder in _SESSION_REPORTS:
        shutil.rmtree(folder, ignore_errors=True)
