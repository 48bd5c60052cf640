"""The one place that resolves paths.

Every path the kit reads or writes is resolved here, from the location of this file,
never from the kernel's working directory: a notebook opened in JupyterLab, run by
Papermill from another folder or collected by nbval finds the same files.

Layout (cookiecutter-data-science style)::

    <project>/
        data/raw/         bundled input data, read and never modified
        data/external/    business context files (YAML)
        notebooks/        the numbered notebooks
        params/           parameter files for scheduled runs
        reports/<run>/    one folder per run: executed notebooks, artefacts, figures

Two environment variables move things for deployments and tests:
``CUSTLIB_HOME`` (the project root) and ``CUSTLIB_REPORTS_DIR`` (the folder that holds
the run folders).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from custlib.errors import ParameterError, SourceError

__all__ = [
    "PROJECT_ROOT",
    "DATA_DIR",
    "RAW_DATA_DIR",
    "DEMO_DATA_DIR",
    "EXTERNAL_DATA_DIR",
    "NOTEBOOKS_DIR",
    "PARAMS_DIR",
    "RunFolder",
    "project_root",
    "reports_dir",
    "resolve_path",
    "run_folder",
]

PROJECT_ROOT: Path = Path(__file__).resolve().parents[2]


def project_root() -> Path:
    """Return the project root: ``$CUSTLIB_HOME`` if set, else the folder above custlib."""
    home = os.environ.get("CUSTLIB_HOME")
    return Path(home).expanduser().resolve() if home else PROJECT_ROOT


DATA_DIR: Path = PROJECT_ROOT / "data"
RAW_DATA_DIR: Path = DATA_DIR / "raw"
DEMO_DATA_DIR: Path = RAW_DATA_DIR / "demo"
EXTERNAL_DATA_DIR: Path = DATA_DIR / "external"
NOTEBOOKS_DIR: Path = PROJECT_ROOT / "notebooks"
PARAMS_DIR: Path = PROJECT_ROOT / "params"

_RUN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def reports_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder that holds the run folders.

    Parameters
    ----------
    override : path-like, optional
        An explicit folder (a notebook's ``reports_dir`` parameter). Empty or None
        falls back to ``$CUSTLIB_REPORTS_DIR``, then to ``<project>/reports``.

    Returns
    -------
    pathlib.Path
        An absolute path (not created).
    """
    if override:
        return resolve_path(override)
    env = os.environ.get("CUSTLIB_REPORTS_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return project_root() / "reports"


def resolve_path(path: str | os.PathLike[str], *, must_exist: bool = False) -> Path:
    """Resolve a user-given path against the project root, not the working directory.

    Parameters
    ----------
    path : path-like
        Absolute, ``~``-prefixed, or relative to the project root
        (``data/raw/demo/transactions.csv``).
    must_exist : bool, default False
        Raise :class:`~custlib.errors.SourceError` if nothing is there.

    Returns
    -------
    pathlib.Path
        The absolute path.
    """
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = project_root() / p
    p = p.resolve()
    if must_exist and not p.exists():
        raise SourceError(f"file not found: {p} (given as {str(path)!r}; relative paths "
                          f"are read from the project root {project_root()})")
    return p


@dataclass(frozen=True)
class RunFolder:
    """The folder of one run, where notebooks hand results to each other.

    Attributes
    ----------
    root : pathlib.Path
        ``reports/<run name>``.
    """

    root: Path

    @property
    def name(self) -> str:
        """The run's name."""
        return self.root.name

    @property
    def data(self) -> Path:
        """Tables handed between notebooks (Parquet, CSV)."""
        return self.root / "data"

    @property
    def figures(self) -> Path:
        """Figures saved as PNG and SVG."""
        return self.root / "figures"

    @property
    def tables(self) -> Path:
        """Human-readable tables (CSV) such as the cleaning log."""
        return self.root / "tables"

    @property
    def notebooks(self) -> Path:
        """Executed notebooks written by the runner."""
        return self.root / "notebooks"

    @property
    def input(self) -> Path:
        """The run's own input files, when a batch run splits the data per group."""
        return self.root / "input"

    @property
    def html(self) -> Path:
        """HTML renderings of the executed notebooks."""
        return self.root / "html"

    def path(self, kind: str, filename: str) -> Path:
        """Return ``<run>/<kind>/<filename>``, creating the folder.

        Parameters
        ----------
        kind : {'data', 'figures', 'tables', 'notebooks', 'html', 'input', ''}
            The sub-folder ('' for the run folder itself).
        filename : str
            The file's name.
        """
        allowed = ("data", "figures", "tables", "notebooks", "html", "input", "")
        if kind not in allowed:
            raise ParameterError(f"run folder kind {kind!r} is unknown; expected one of "
                                 f"{', '.join(repr(a) for a in allowed)}")
        folder = self.root / kind if kind else self.root
        folder.mkdir(parents=True, exist_ok=True)
        return folder / filename

    def create(self) -> RunFolder:
        """Create the folder and its sub-folders; return self."""
        for sub in (self.root, self.data, self.figures, self.tables):
            sub.mkdir(parents=True, exist_ok=True)
        return self


def run_folder(run_name: str, reports: str | os.PathLike[str] | None = None,
               *, create: bool = True) -> RunFolder:
    """Return the run folder ``<reports>/<run_name>``.

    Parameters
    ----------
    run_name : str
        Letters, digits, ``.``, ``_`` and ``-``; at most 100 characters.
    reports : path-like, optional
        The folder holding run folders (see :func:`reports_dir`).
    create : bool, default True
        Create the folder and its standard sub-folders.

    Returns
    -------
    RunFolder
    """
    if not isinstance(run_name, str) or not _RUN_NAME.match(run_name):
        raise ParameterError(
            f"parameter 'run_name' is {run_name!r}; expected letters, digits, '.', '_' or "
            "'-' (starting with a letter or digit, at most 100 characters)"
        )
    rf = RunFolder(reports_dir(reports) / run_name)
    return rf.create() if create else rf
