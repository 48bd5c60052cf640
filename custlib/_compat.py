"""Insulation from lifetimes (archived in 2020) on today's stack.

The kit's models do not use lifetimes: the CDNOW presets read their files from its
package, and the tests compare the models with it. Importing ``lifetimes`` calls
``warnings.simplefilter("ignore", FutureWarning)`` for the whole session and touches a
pandas option that pandas 3 deprecates, so custlib imports it (or any such module) only
through :func:`quiet_import` or :func:`import_lifetimes`, which restore the caller's
warning filters.
"""

from __future__ import annotations

import importlib
import warnings
from types import ModuleType

__all__ = ["import_lifetimes", "quiet_import"]


def quiet_import(module: str) -> ModuleType:
    """Import ``module`` without letting it change the session's warning filters.

    Parameters
    ----------
    module : str
        Dotted module name.

    Returns
    -------
    module
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its import-time deprecation noise
        return importlib.import_module(module)


def import_lifetimes() -> ModuleType:
    """Import ``lifetimes`` with the caller's warning filters left as they were."""
    return quiet_import("lifetimes")
