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
  ``-m unit`` (under a minute), ``make notebooks`` the rest.
- **Scheduling.** ``make test`` distributes with ``--dist loadgroup``, and
  ``--no-loadscope-reorder`` so that xdist keeps the order set here instead of putting the
  groups with most tests first. The users of a kit run are one group; the tests of a file
  that share a module-scoped fixture are one group, so one worker builds it; any other
  test goes to whichever worker is free. The kit runs go first, then the other notebook
  tests, then the groups, then the rest: the two workers start on the long runs and share
  the short tests at the end.
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


def _shares_a_fixture(item: pytest.Item) -> bool:
    """Whether the item uses a fixture built once for several tests of its file."""
    info = getattr(item, "_fixtureinfo", None)
    defs = getattr(info, "name2fixturedefs", {}) if info is not None else {}
    return any(d.scope in ("module", "class", "package") for ds in defs.values() for d in ds)


def _group(item: pytest.Item) -> tuple[str | None, int]:
    """The xdist group of an item (None: scheduled alone) and how early it goes (0 first).

    0: a kit run (the users of a kit-run fixture are one group); 1: a test that executes
    small notebooks; 2: the tests of a file that share a module fixture (one group); 3: any
    other test.
    """
    file = item.nodeid.split("::")[0]
    mark = item.get_closest_marker("xdist_group")
    if mark is not None:
        return (mark.args[0] if mark.args else mark.kwargs.get("name", "default")), 2
    run = _kit_run(item)
    if run is not None:
        return f"{file}::{run}", 0
    if item.get_closest_marker("notebooks"):  # small notebooks, or a kit run marked by hand
        small = any(name in getattr(item, "fixturenames", ()) for name in NOTEBOOK_FIXTURES)
        return None, 1 if small else 0
    if _shares_a_fixture(item):
        return file, 2
    return None, 3


@pytest.hookimpl(tryfirst=True)  # before -m deselects and before xdist names the groups
def pytest_collection_modifyitems(config, items):
    """Mark every item ``unit`` or ``notebooks``; group and order them for xdist."""
    grouping = getattr(config.option, "loadgroup", False) or \
        getattr(config.option, "dist", "no") == "loadgroup"  # an xdist worker; or -n 0
    rank: dict[str, int] = {}  # nodeid -> when it goes
    for item in items:
        if _runs_notebooks(item):
            item.add_marker(pytest.mark.notebooks)
        if not item.get_closest_marker("notebooks"):
            item.add_marker(pytest.mark.unit)
        group, rank[item.nodeid] = _group(item)
        if grouping and group is not None and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: rank[item.nodeid])  # stable: the order within a rank is kept
