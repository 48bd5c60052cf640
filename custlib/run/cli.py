"""Command line: ``custlib run``, ``params``, ``presets``, ``demo`` and ``student``.

Exit codes: 0 success, 1 a notebook failed, 2 bad input (parameters, files, columns),
130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from custlib.errors import CustlibError
from custlib.run.config import NOTEBOOKS_DIR

__all__ = ["main"]


def _guarded(label: str, call: Callable[[], int]) -> int:
    """Run ``call``; a failed run is exit 1 and an interrupted one exit 130, in one message."""
    from custlib.run.runner import RunError, RunInterrupted

    try:
        return call()
    except RunError as exc:
        print(f"{label}: FAILED\n{exc}", file=sys.stderr)
        return 1
    except RunInterrupted as exc:
        print(f"{label}: interrupted: {exc}", file=sys.stderr)
        return 130


def _cmd_run(args: argparse.Namespace) -> int:
    only = [t for item in (args.only or []) for t in item.split(",") if t]
    if args.each:
        return _guarded("custlib run --each", lambda: _run_each(args, only))
    return _guarded("custlib run", lambda: _run(args, only))


def _run(args: argparse.Namespace, only: list[str]) -> int:
    from custlib.run.runner import run

    result = run(args.params, only=only or None, run_name=args.run_name,
                 reports_dir=args.reports_dir, html_output=not args.no_html,
                 progress=not args.quiet, notebooks_dir=args.notebooks_dir)
    for nb in result.notebooks:
        print(f"  {nb.name:<32} {nb.status:<6} {nb.seconds:6.1f} s")
    print(f"run folder: {result.folder.root}")
    print(f"report: {result.report}")
    return 0


def _run_each(args: argparse.Namespace, only: list[str]) -> int:
    from custlib.run.batch import run_each

    result = run_each(args.params, args.each, run_name=args.run_name,
                      reports_dir=args.reports_dir, only=only or None,
                      workers=args.workers, html_output=not args.no_html,
                      min_rows=args.min_rows, notebooks_dir=args.notebooks_dir)
    for g in result.failed:
        print(f"custlib run --each: group {g.value!r} FAILED: {g.error}", file=sys.stderr)
    print(f"batch folder: {result.folder}")
    print(f"index: {result.index}")
    return 1 if result.failed else 0


def _cmd_params(args: argparse.Namespace) -> int:
    from custlib.run.params import discover_notebooks, notebook_parameters

    for nb in discover_notebooks():
        if args.notebook and args.notebook not in (nb.name, nb.stem, nb.name[:2]):
            continue
        print(nb.name)
        for name, p in notebook_parameters(nb).items():
            print(f"  {name}: {p['type']} = {p['default']}  # {p['help']}")
    return 0


def _cmd_presets(args: argparse.Namespace) -> int:
    from custlib.data.loading import PRESETS

    for name, preset in PRESETS.items():
        print(f"{name:<14} {preset.description}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from custlib.data.demo import write_demo

    paths = write_demo(args.out, seed=args.seed)
    for name, path in paths.items():
        print(f"{name:<13} {path}")
    return 0


def _cmd_student(args: argparse.Namespace) -> int:
    from custlib.teaching.copies import write_copies

    folders = write_copies(args.out, notebooks_dir=args.notebooks_dir)
    for kind, folder in folders.items():
        print(f"{kind:<8} {folder}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``custlib`` command."""
    parser = argparse.ArgumentParser(
        prog="custlib", description="Customer-analysis notebook kit.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run the numbered notebooks into a run folder")
    p.add_argument("--params", "-p", default="params/demo.yaml",
                   help="parameter file (YAML); relative paths from the project root")
    p.add_argument("--only", action="append", metavar="NN",
                   help="run only these notebooks: numbers or names, comma separated")
    p.add_argument("--run-name", help="name of the run folder (overrides the file)")
    p.add_argument("--reports-dir", help="folder that holds run folders")
    p.add_argument("--notebooks-dir", default=str(NOTEBOOKS_DIR),
                   help="folder of the numbered notebooks (default: the project's notebooks/)")
    p.add_argument("--no-html", action="store_true", help="skip the HTML renderings")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument("--each", metavar="COLUMN",
                   help="one run and report per value of this transactions column "
                        "(country, channel, ...), in parallel, with an index page")
    p.add_argument("--workers", type=int, help="parallel groups with --each (default: cores)")
    p.add_argument("--min-rows", type=int, default=1,
                   help="with --each, leave out groups with fewer transaction lines")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("params", help="list the parameters each notebook takes")
    p.add_argument("notebook", nargs="?", help="one notebook (number or name)")
    p.set_defaults(func=_cmd_params)

    p = sub.add_parser("presets", help="list the bundled data presets")
    p.set_defaults(func=_cmd_presets)

    p = sub.add_parser("demo", help="regenerate the bundled demo data")
    p.add_argument("--out", help="folder to write (default data/raw/demo)")
    p.add_argument("--seed", type=int, default=20240601, help="random seed")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("student", help="write the notebooks for a class: student copies "
                                       "(no solutions) and teacher copies")
    p.add_argument("--out", default="build",
                   help="folder for student/ and teacher/ (default build)")
    p.add_argument("--notebooks-dir", default=str(NOTEBOOKS_DIR),
                   help="folder of the numbered notebooks (default: the project's notebooks/)")
    p.set_defaults(func=_cmd_student)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``custlib`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CustlibError as exc:
        print(f"custlib: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # before or after a run folder existed: nothing to mark
        print(f"custlib {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
