"""Batch runs: the whole kit once per value of a column (``custlib run --each country``).

The transaction log is split by the column; each group gets its own run folder under
``reports/<run_name>/<group>/`` with its own input files (transactions, and the customers
and survey of its customers), and the notebooks run on every group in parallel, one
process per group up to the number of cores. A failing group does not stop the others:
it is reported at the end, and the exit code says that something failed. An index page
links every group's report.
"""

from __future__ import annotations

import datetime as _dt
import multiprocessing
import os
import re
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from custlib.data import loading as io
from custlib.errors import EmptyResultError, ParameterError, SourceError, format_list
from custlib.i18n import t
from custlib.run import artefacts, index
from custlib.run.config import NOTEBOOKS_DIR, RunFolder, run_folder
from custlib.run.folders import (
    RunError,
    keep_unsuccessful,
    mark_previous,
    remove,
    sibling,
    swap_in,
)
from custlib.run.outcome import RunInterrupted
from custlib.run.params import (
    discover_notebooks,
    load_params,
    notebook_defaults,
    notebook_parameters,
    validate,
)

__all__ = ["BatchResult", "GroupRun", "run_each"]

#: What the manifest of a group says wrote its input files.
WRITTEN_BY = "custlib run --each"
#: The progress lines are for the terminal, in English like the command line.
PROGRESS_LANG = "en"


@dataclass
class GroupRun:
    """One group of a batch run."""

    value: str
    slug: str
    rows: int
    customers: int
    status: str = "pending"
    seconds: float = 0.0
    report: Path | None = None
    error: str = ""


@dataclass
class BatchResult:
    """What a batch run did: every group, and the index page."""

    folder: Path
    column: str
    groups: list[GroupRun] = field(default_factory=list)
    index: Path | None = None

    @property
    def failed(self) -> list[GroupRun]:
        """The groups that failed."""
        return [g for g in self.groups if g.status != "ok"]


def _slug(value: str, i: int, taken: set[str]) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", value).strip("._-")[:40] or f"group_{i:02d}"
    while slug in taken:
        slug = f"{slug}_{i:02d}"
    taken.add(slug)
    return slug


def _run_group(params: dict[str, Any], slug: str, root: str, only: Sequence[str] | None,
               notebooks_dir: str, html_output: bool,
               threads: int | None = None) -> tuple[str, str, float, str]:
    """Run the kit for one group (in a worker process); never raises.

    ``threads``: the group's share of the cores, for its kernels' threaded steps (the
    groups run side by side; :data:`custlib.value.pareto.THREADS_ENV`).
    """
    from custlib.run.runner import run
    from custlib.value.pareto import THREADS_ENV

    if threads and not os.environ.get(THREADS_ENV):  # the kernels inherit it; a user's own
        os.environ[THREADS_ENV] = str(threads)
    start = time.perf_counter()
    try:  # the batch folder is fresh: each group writes into its own folder directly
        result = run(params, only=only, run_name=slug, reports_dir=root,
                     notebooks_dir=notebooks_dir, html_output=html_output, progress=False,
                     fresh_folder=False)
        return slug, "ok", time.perf_counter() - start, str(result.report)
    except KeyboardInterrupt:
        return slug, "interrupted", time.perf_counter() - start, "interrupted (Ctrl-C)"
    except Exception as exc:  # a failing group is reported, the others go on
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return slug, "failed", time.perf_counter() - start, f"{type(exc).__name__}: {first}"


def run_each(params: str | os.PathLike[str] | Mapping[str, Any] | None, column: str, *,
             run_name: str | None = None, reports_dir: str | os.PathLike[str] | None = None,
             only: Sequence[str] | None = None, workers: int | None = None,
             notebooks_dir: str | os.PathLike[str] = NOTEBOOKS_DIR, html_output: bool = True,
             min_rows: int = 1, stream: Any = None) -> BatchResult:
    """Run the notebooks once per value of ``column`` of the transaction log.

    Parameters
    ----------
    params : path-like or mapping
        As for :func:`custlib.run.runner.run`.
    column : str
        A transactions column under its contract name (``country``, ``channel``, ...).
    run_name, reports_dir : optional
        The batch folder is ``<reports_dir>/<run_name>``; groups are folders in it.
    only : sequence of str, optional
        Notebooks to run for each group.
    workers : int, optional
        Parallel groups; default the number of cores (at most the number of groups).
    notebooks_dir : path-like
    html_output : bool, default True
    min_rows : int, default 1
        Groups with fewer transaction lines are left out (and listed on the index).
    stream : file-like, optional
        Where progress lines go (default ``sys.stderr``).

    Returns
    -------
    BatchResult

    Notes
    -----
    The batch is built in a fresh folder ``<reports>/<run_name>.partial-<pid>`` and
    renamed to ``<reports>/<run_name>`` once every group has run (failed groups are
    listed on its index), replacing the previous batch; the previous batch stays until
    then. So a group that failed replaces that group's previous good report by its failed
    run (listed as failed on the index). Ctrl-C keeps what has run as
    ``<run_name>.failed`` and marks the previous batch's index as not current.

    Raises
    ------
    ParameterError
        A parameter is unknown or out of range (:func:`custlib.run.params.validate`), or
        ``column`` is not a column of the log (the columns are listed).
    EmptyResultError
        The column has no non-empty value.
    RunError
        The finished batch could not be renamed into place (the previous batch is put
        back; the message says where the new one is).
    RunInterrupted
        Ctrl-C.
    """
    import sys

    stream = stream or sys.stderr
    values = _checked(params, notebooks_dir)
    name = run_name or values.get("run_name") or "demo"
    final = run_folder(str(name), reports_dir or values.get("reports_dir") or None,
                       create=False)
    # the whole batch is built in a fresh folder and swapped in when every group has run
    # (failed groups included: they are listed); the previous batch stays until then
    base = run_folder(sibling(final.root, f".partial-{os.getpid()}").name,
                      final.root.parent, create=False)
    remove(base.root)
    base.root.mkdir(parents=True)
    started = _dt.datetime.now().isoformat(timespec="seconds")
    try:
        result = _run_groups(values, column, base.root, final.root, only, workers,
                             notebooks_dir, html_output, min_rows, stream)
    except KeyboardInterrupt:
        kept = keep_unsuccessful(base.root, final.root)
        mark_previous(final.root, "interrupted", started, kept)
        raise RunInterrupted(f"stopped during the --each {column} batch; the groups run "
                             f"so far are kept in {kept}", kept) from None
    except BaseException:
        remove(base.root)
        raise
    return _put_in_place(result, base.root, final.root)


def _checked(params: str | os.PathLike[str] | Mapping[str, Any] | None,
             notebooks_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The batch's parameters, checked against the notebooks before anything is split."""
    from custlib.run.runner import RUNNER_KEYS

    values = load_params(params)
    source = "" if params is None or isinstance(params, Mapping) else str(params)
    try:
        found = discover_notebooks(notebooks_dir)
    except SourceError:  # said after the column is checked, as before
        found = []
    if found:  # every parameter checked before anything is split or run
        declared = {nb.name: notebook_parameters(nb) for nb in found}
        values = validate(values, declared, source=source, runner_keys=RUNNER_KEYS)
    return values


def _put_in_place(result: BatchResult, partial: Path, final: Path) -> BatchResult:
    """Swap the finished batch in place of the previous one; paths follow it."""
    try:
        swap_in(partial, final)
    except RunError as exc:
        raise RunError(f"the --each {result.column} batch ran but could not be moved into "
                       f"place: {exc}; the new batch is in {partial}") from exc
    try:
        remove(sibling(final, ".failed"))
    except OSError:  # the new batch is in place; a stale failure is only clutter
        pass
    for g in result.groups:  # paths recorded while building point at the partial folder
        _relocate_group(final / g.slug, str(partial), str(final))
        if g.report is not None:
            g.report = final / g.report.relative_to(partial)
    result.folder = final
    result.index = final / "index.html"
    return result


def _relocate_group(folder: Path, old: str, new: str) -> None:
    """Rewrite the partial batch folder's path to the final one in a group's records."""
    for name in ("params.yaml", "run.json"):
        path = folder / name
        if path.exists():
            text = path.read_text(encoding="utf-8")
            if old in text:
                artefacts.write_text(path, text.replace(old, new))


def _defaults(notebooks_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Every parameter's default, from the notebooks' parameters cells (first one wins)."""
    try:
        found = discover_notebooks(notebooks_dir)
    except SourceError:
        return {}
    out: dict[str, Any] = {}
    for nb in found:
        for key, value in notebook_defaults(nb).items():
            out.setdefault(key, value)
    return out


def _load_inputs(values: dict[str, Any], column: str, notebooks_dir: str | os.PathLike[str]
                 ) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """The transactions (checked for ``column``), customers and survey the batch splits.

    A parameter the file does not give takes the notebooks' default (notebook 01: the
    demo customers and survey); an empty one means the run has none.
    """
    given = {**_defaults(notebooks_dir), **values}
    if not given.get("transactions"):
        raise ParameterError("--each needs a transaction log: the parameters give no "
                             "'transactions' and no notebook declares one")
    read = {"database": given["database"]} if given.get("database") else {}
    tx = io.load_transactions(given["transactions"], given.get("columns") or {}, **read)
    if column not in tx.columns:
        raise ParameterError(f"--each {column!r}: not a column of the transactions; expected "
                             f"one of {format_list([c for c in tx.columns if c != 'source_row'])}")
    customers = io.load_table("customers", given["customers"], **read) \
        if given.get("customers") else None
    survey = io.load_table("survey", given["survey"], **read) if given.get("survey") else None
    return tx, customers, survey


def _split(values: dict[str, Any], column: str, base: Path, notebooks_dir: str | os.PathLike[str],
           min_rows: int) -> tuple[BatchResult, list[dict[str, Any]], pd.Series]:
    """Write every group's input files; return the groups, their parameters and the counts."""
    tx, customers, survey = _load_inputs(values, column, notebooks_dir)
    key = tx[column].astype("string").str.strip()
    counts = key[key.notna() & (key != "")].value_counts()
    if counts.empty:
        raise EmptyResultError(f"--each {column!r}: the column has no values")
    result = BatchResult(folder=base, column=column)
    taken: set[str] = set()
    plans = []
    for i, (value, n) in enumerate(counts.items()):
        if n < min_rows:
            continue
        slug = _slug(str(value), i, taken)
        group = RunFolder(base / slug)
        part = tx[key == value].drop(columns="source_row")
        ids = set(part["customer_id"].astype(str))
        group_params = {**values, "transactions": str(_save_input(part, group, "transactions")),
                        "columns": {}, "report_scope": f"{column}: {value}"}
        if "database" in values:  # each group reads the files written here
            group_params["database"] = ""
        if customers is not None:
            c = customers.drop(columns="source_row")
            mine = c[c[column].astype("string").str.strip() == value] if column in c else \
                c[c["customer_id"].astype(str).isin(ids)]
            group_params["customers"] = str(_save_input(mine, group, "customers"))
            ids |= set(mine["customer_id"].astype(str))
        if survey is not None:
            s = survey.drop(columns="source_row")
            group_params["survey"] = str(_save_input(s[s["customer_id"].astype(str).isin(ids)],
                                                     group, "survey"))
        group_params.pop("run_name", None)
        group_params.pop("reports_dir", None)
        result.groups.append(GroupRun(str(value), slug, int(n), len(ids)))
        plans.append(group_params)
    return result, plans, counts


def _save_input(table: pd.DataFrame, group: RunFolder, name: str) -> Path:
    """A group's input table, ``<group>/input/<name>.parquet``, listed in its manifest."""
    return artefacts.save_table(table, group, f"input_{name}", stem=name, kind="input",
                                index=False, written_by=WRITTEN_BY)


def _run_groups(values: dict[str, Any], column: str, root: Path, final: Path,
                only: Sequence[str] | None, workers: int | None,
                notebooks_dir: str | os.PathLike[str], html_output: bool, min_rows: int,
                stream: Any) -> BatchResult:
    """Split the log, run every group into ``root`` and write the index there."""
    from custlib.run.runner import RUNNER_KEYS
    from custlib.value.pareto import usable_cores

    result, plans, counts = _split(values, column, root, notebooks_dir, min_rows)
    known = set(RUNNER_KEYS).union(*[set(notebook_parameters(nb))
                                     for nb in discover_notebooks(notebooks_dir)])
    plans = [{k: v for k, v in p.items() if k in known} for p in plans]
    n_workers = max(1, min(workers or os.cpu_count() or 1, len(plans)))
    print(t("run.batch.start", PROGRESS_LANG, column=column, groups=len(plans), workers=n_workers),
          file=stream)
    by_slug = {g.slug: g for g in result.groups}
    # fresh interpreters, not forks: a fork copies jupyter's background event-loop thread
    # as "running" without the thread itself, and the group's notebooks then wait forever
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=spawn) as pool:
        share = max(1, usable_cores() // n_workers)
        futures = [pool.submit(_run_group, p, g.slug, str(root),
                               list(only) if only else None, str(notebooks_dir), html_output,
                               share)
                   for p, g in zip(plans, result.groups, strict=True)]
        for fut in as_completed(futures):
            slug, status, seconds, detail = fut.result()
            g = by_slug[slug]
            g.status, g.seconds = status, seconds
            if status == "ok":
                g.report = Path(detail)
            else:
                g.error = detail
            print(t("run.batch.group_line", PROGRESS_LANG, value=f"{g.value:<28}",
                    status=f"{status:<6}", seconds=f"{seconds:6.1f}"), file=stream)
    page = index.batch_page(root, column, result.groups, counts[counts < min_rows],
                            name=final.name)
    result.index = index.write_page(root / "index.html", page)
    return result
