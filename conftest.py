"""pytest set-up for the whole suite (tests/, the doctests, and the notebooks under nbval).

What it does, in the order a test session meets it:

- **Threads.** Each pytest worker, notebook kernel and ``custlib run`` subprocess uses one
  BLAS/OpenMP thread (``OMP_NUM_THREADS=1`` and friends, unless already set): the suite
  runs two workers on two cores, and two-thread pools in each of them spin against each
  other (k-means on CDNOW took 18 s instead of 2). The numbers do not depend on it: the
  demo run equals ``tests/golden`` either way.
- **Reports.** Tests never write into the project's ``reports/`` folder, where a user's
  ``make report`` output lives: the notebooks that nbval runs (``make nbval``) write their
  run folder wherever ``CUSTLIB_REPORTS_DIR`` says, and for a test session that is a
  throw-away folder. ``tests/conftest.py`` points each test at its own temporary folder.
- **Hypothesis profiles.** ``ci`` (the default): 25 examples a property, derandomised,
  so every run tries the same examples and a failure reproduces; ``deep``: 1,000 random
  examples a property, for ``make test-deep`` (``HYPOTHESIS_PROFILE=deep`` or
  ``--hypothesis-profile=deep``).
- **Markers.** ``notebooks`` for the tests that run the kit's notebooks end to end (given
  here to every test using one of :data:`KIT_RUN_FIXTURES` and to nbval's notebook cells,
  or written on the test),
  ``slow`` for other tests of several seconds (written on the test), and ``unit`` for
  every other test and doctest: ``make unit`` runs ``-m unit``, ``make notebooks`` the rest.
- **Scheduling.** ``make test`` distributes with ``--dist loadgroup``: each test file is
  one group (as ``loadfile`` would do, so a module's fixtures are built once), except that
  each kit run is a group of its own; the groups with a kit run come first, so the two
  workers start on the long runs and share the short tests at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from hypothesis import settings  # noqa: E402  (after the thread settings)

settings.register_profile("ci", max_examples=25, derandomize=True, deadline=None,
                          database=None, print_blob=True)
settings.register_profile("deep", max_examples=1000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: Fixtures that run the kit's notebooks end to end (a module-scoped run each): a test
#: using one is marked ``notebooks`` and scheduled with the other users of that run.
KIT_RUN_FIXTURES = ("demo_run", "payload_run")
#: Markers that take a test out of ``make unit``.
NOT_UNIT = ("notebooks", "slow")

_SESSION_REPORTS: list[str] = []


def pytest_configure(config):
    folder = tempfile.mkdtemp(prefix="custlib-test-reports-")
    _SESSION_REPORTS.append(folder)
    os.environ["CUSTLIB_REPORTS_DIR"] = folder


def pytest_unconfigure(config):
    for folder in _SESSION_REPORTS:
        shutil.rmtree(folder, ignore_errors=True)


def _kit_run(item: pytest.Item) -> str | None:
    """The kit-run fixture an item uses, if any."""
    used = getattr(item, "fixturenames", ())
    return next((name for name in KIT_RUN_FIXTURES if name in used), None)


@pytest.hookimpl(tryfirst=True)  # before -m deselects and before xdist names the groups
def pytest_collection_modifyitems(config, items):
    """Mark every item ``unit``, ``notebooks`` or ``slow``; group and order them for xdist."""
    grouping = getattr(config.option, "loadgroup", False) or \
        getattr(config.option, "dist", "no") == "loadgroup"  # an xdist worker; or -n 0
    groups: dict[str, str] = {}  # nodeid -> group
    rank: dict[str, int] = {}  # group -> 0 with a kit run, 1 with a slow test, 2 else
    for item in items:
        run = _kit_run(item)
        if run or item.nodeid.split("::")[0].endswith(".ipynb"):  # or a cell under nbval
            item.add_marker(pytest.mark.notebooks)
        if not any(item.get_closest_marker(name) for name in NOT_UNIT):
            item.add_marker(pytest.mark.unit)
        heavy = item.get_closest_marker("notebooks") is not None
        mark = item.get_closest_marker("xdist_group")
        if mark is not None:
            group = mark.args[0] if mark.args else mark.kwargs.get("name", "default")
        else:
            group = item.nodeid.split("::")[0]
            if heavy:  # each kit run on its own, next to its file's other tests
                group = f"{group}::{run or item.name}"
            if grouping:
                item.add_marker(pytest.mark.xdist_group(group))
        groups[item.nodeid] = group
        cost = 0 if heavy else 1 if item.get_closest_marker("slow") else 2
        rank[group] = min(rank.get(group, cost), cost)
    items.sort(key=lambda item: rank[groups[item.nodeid]])  # stable: file order kept
