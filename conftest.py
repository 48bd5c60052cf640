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
- **Markers.** ``notebooks`` for every test that executes notebooks: the kit end to end
  (the tests using one of :data:`KIT_RUN_FIXTURES`, and the CDNOW run, marked on the
  test), the small notebooks that the runner's tests write (:data:`NOTEBOOK_FIXTURES`)
  and nbval's cells; ``unit`` for every other test and doctest. ``make unit`` runs
  ``-m unit`` (under a minute), ``make notebooks`` the rest. ``fullrun`` (``make
  test-full``) and ``corpus`` (``make corpus``: the kit on every shape of the variety
  corpus, tests/test_corpus.py) mark the long runs ``make test`` leaves out; such a test
  is marked ``notebooks`` too, on the test.
- **Scheduling.** ``make test`` distributes whole files (``--dist loadfile``: a file's
  module-scoped fixtures are built once, by one worker) with ``--no-loadscope-reorder``,
  so xdist keeps the order set here instead of putting the files with most tests first:
  the file of the demo run (``tests/test_kit_runs.py``) goes first, then the files of the
  other notebook tests, then the rest, the files with most tests first, so one worker
  starts on the long run while the other works through the rest, and both end on short
  files. (``--dist loadgroup`` with ``xdist_group`` marks would be
  finer, but xdist 3.8 on pytest 9 does not keep a group on one worker: the demo ran twice.)
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
#: using one is marked ``notebooks`` and its file goes first.
KIT_RUN_FIXTURES = ("demo_run", "payload_run")
#: Fixtures that write small notebooks for the runner to execute (tests/conftest.py,
#: tests/test_runner.py): a test using one is marked ``notebooks``.
NOTEBOOK_FIXTURES = ("make_notebook", "tiny_kit")

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


def _runs_notebooks(item: pytest.Item) -> bool:
    """Whether the item executes notebooks (a kit run, small notebooks, an nbval cell)."""
    used = getattr(item, "fixturenames", ())
    return any(name in used for name in KIT_RUN_FIXTURES + NOTEBOOK_FIXTURES) or \
        item.nodeid.split("::")[0].endswith(".ipynb")


def _rank(item: pytest.Item) -> int:
    """How early an item's file goes: 0 a kit run, 1 small notebooks and the linters, 2
    anything else.

    A ``fullrun`` or ``corpus`` test does not pull its file forward: ``make test``
    deselects it, and ``make test-full`` and ``make corpus`` run nothing else. The linters
    (mypy: 17 s on a fresh clone's cold cache) are few tests but long: early, so that they
    do not leave one worker running alone at the end.
    """
    if item.get_closest_marker("fullrun") or item.get_closest_marker("corpus"):
        return 3
    if _kit_run(item) is not None:
        return 0
    if item.nodeid.startswith("tests/test_lint.py"):
        return 1
    return 1 if item.get_closest_marker("notebooks") else 2


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(config, items):
    """Mark every item ``unit`` or ``notebooks``; put the files with kit runs first."""
    for item in items:
        if _runs_notebooks(item):
            item.add_marker(pytest.mark.notebooks)
        if not item.get_closest_marker("notebooks"):
            item.add_marker(pytest.mark.unit)
    first: dict[str, int] = {}  # file -> the earliest rank of its items
    size: dict[str, int] = {}  # file -> how many items
    for item in items:
        file = item.nodeid.split("::")[0]
        first[file] = min(first.get(file, 3), _rank(item))
        size[file] = size.get(file, 0) + 1
    # a file's tests stay together; within a rank the bigger files go first, so the last
    # files a worker takes are short and both workers finish at about the same time
    items.sort(key=lambda item: (first[f := item.nodeid.split("::")[0]],
                                 -size[f] if first[f] else 0, f))
