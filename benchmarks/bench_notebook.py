"""Benchmark: one notebook of a finished run, cell by cell: seconds and kernel memory.

Re-executes a notebook of a run folder (one ``custlib run`` has filled it, e.g. a run of
``bench_kit.py --reports-dir``) in a fresh kernel, a cell at a time, and samples the
resident memory of the kernel and its children every 50 ms. Prints each cell's seconds,
its peak and the memory it leaves behind, largest peak (or, ``--by seconds``, the longest)
first, and the notebook's totals.

The code is the project's notebook (``notebooks/``), its parameters those the run gave it
(the executed notebook's injected cell), pointed at the run folder where it is now: so a
change to a notebook or to ``custlib`` is measured on the data of an earlier run, without
running notebook 01 again. The kernel imports ``custlib`` as the interpreter running this
script does (``PYTHONPATH`` picks another checkout). The notebook writes its tables and
figures into the run folder again, as a run would.

Usage::

    .venv/bin/python benchmarks/bench_notebook.py /tmp/b100r/bench_100000000_csv_duckdb 04
    .venv/bin/python benchmarks/bench_notebook.py RUN 05 --top 8 --json cells.json

Run by hand, never in the test suite.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GIB = 2**30


class KernelSampler(threading.Thread):
    """Resident memory of the kernels this process started, with their children."""

    def __init__(self, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self.stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            self.samples.append((time.perf_counter(), total))
            self.stop.wait(self.interval)

    def between(self, start: float, stop: float) -> tuple[int, int]:
        """The peak within [start, stop] and the last sample before ``stop``."""
        inside = [rss for t, rss in self.samples if start <= t <= stop]
        before = [rss for t, rss in self.samples if t <= stop]
        return max(inside, default=0), before[-1] if before else 0


def build(run: Path, number: str) -> Any:
    """The project's notebook ``number`` with the parameters the run gave it, for ``run``."""
    import nbformat

    sources = sorted((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
    executed = sorted((run / "notebooks").glob(f"{number}_*.ipynb"))
    if not sources or not executed:
        raise SystemExit(f"no notebook {number} in {ROOT / 'notebooks'} and {run / 'notebooks'}"
                         " (give a run folder that custlib run has filled)")
    nb = nbformat.read(sources[0], as_version=4)
    ran = nbformat.read(executed[0], as_version=4)
    injected = [c for c in ran.cells if "injected-parameters" in c.metadata.get("tags", [])]
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    here = nbformat.v4.new_code_cell(
        f"run_name = {run.name!r}  # the run folder where it is now\n"
        f"reports_dir = {str(run.parent)!r}")
    nb.cells[at + 1:at + 1] = [*injected, here]
    return nb


def profile(run: Path, number: str) -> list[dict[str, Any]]:
    """Execute the notebook cell by cell; a record per code cell."""
    from nbclient import NotebookClient

    nb = build(run, number)
    client = NotebookClient(nb, timeout=None, kernel_name="python3",
                            resources={"metadata": {"path": str(run)}})
    sampler = KernelSampler()
    sampler.start()
    rows = []
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                start = time.perf_counter()
                client.execute_cell(cell, index)
                stop = time.perf_counter()
                time.sleep(0.1)  # a sample after the cell
                peak, after = sampler.between(start, time.perf_counter())
                lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
                # the first line that says what the cell does, past its guard
                first = next((line for line in lines
                              if not (line.startswith("if ") and line.endswith(":"))),
                             lines[0] if lines else "")
                rows.append({"cell": index, "seconds": stop - start, "peak_gib": peak / GIB,
                             "after_gib": after / GIB, "code": first[:70]})
    finally:
        sampler.stop.set()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a run folder custlib run has filled")
    parser.add_argument("notebook", help="its number: 02, 03, 04 or 05 (01 cleans again)")
    parser.add_argument("--top", type=int, default=12, help="cells shown, largest first")
    parser.add_argument("--by", choices=["peak", "seconds"], default="peak",
                        help="order the cells by their memory peak (default) or their seconds")
    parser.add_argument("--json", type=Path, default=None, help="also write the cells here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = profile(args.run.resolve(), args.notebook)
    total = time.perf_counter() - started
    print(f"notebook {args.notebook} on {args.run}: {total:.1f} s, kernel peak "
          f"{max(r['peak_gib'] for r in rows):.2f} GiB ({len(rows)} code cells)")
    print(f"{'cell':>5} {'seconds':>8} {'peak GiB':>9} {'after':>7}  code")
    key = "peak_gib" if args.by == "peak" else "seconds"
    for r in sorted(rows, key=lambda r: -r[key])[:args.top]:
        print(f"{r['cell']:>5} {r['seconds']:>8.1f} {r['peak_gib']:>9.2f} "
              f"{r['after_gib']:>7.2f}  {r['code']}")
    if args.json:
        args.json.write_text(json.dumps({"seconds": total, "cells": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
