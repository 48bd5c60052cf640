"""custlib: the helper package behind the customer-analysis notebooks.

Importing custlib is cheap and side-effect free: it does not import lifetimes, change
warning filters or touch matplotlib's global state.
"""

from __future__ import annotations

__version__ = "0.1.0"

from custlib.errors import (
    ColumnError,
    CustlibError,
    DataError,
    EmptyResultError,
    ParameterError,
    SourceError,
)
from custlib.run.config import resolve_path, run_folder

__all__ = [
    "__version__",
    "ColumnError",
    "CustlibError",
    "DataError",
    "EmptyResultError",
    "ParameterError",
    "SourceError",
    "resolve_path",
    "run_folder",
]
