"""A notebook opened alone: what it lacks is computed through :func:`provide`, which says so.

Each notebook reads what the earlier ones left in the run folder. When one of them has not
run for this run (a notebook opened on its own in JupyterLab, or ``custlib run --only 04``),
the later notebook computes the missing step itself, always the same way:

- through :func:`provide`, with the missing notebook's own parameters: its defaults, read
  from its ``parameters`` cell (:func:`custlib.run.params.notebook_defaults`), overridden
  by the run's ``params.yaml`` where the runner wrote one (:func:`step_parameters`);
- and it says so: a :class:`UserWarning` in the notebook, naming the notebook that did not
  run and the parameters used, and the same sentence recorded in the run folder
  (``notes.json``, listed on the run's index page, :func:`custlib.run.artefacts.add_note`).

The steps are :data:`STEPS`: cleaning (notebook 01), the customer summary and RFM segments
(notebook 02) and the lifecycle thresholds (notebook 04).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from custlib.errors import ParameterError
from custlib.i18n import t
from custlib.run import artefacts
from custlib.run.config import RunFolder

__all__ = ["STEPS", "Step", "provide", "step_parameters"]

T = TypeVar("T")

#: Parameters that place a notebook's run folder: never a step's computing parameter.
PLACE = ("run_name", "reports_dir")


@dataclass(frozen=True)
class Step:
    """A step a later notebook may compute when its notebook has not run.

    Attributes
    ----------
    notebook : str
        The notebook that makes it (``'02_segmentation'``).
    needs : tuple of str
        The artefacts that show it ran (all of them in the run's manifest).
    """

    notebook: str
    needs: tuple[str, ...]


#: The steps :func:`provide` knows, by name (the key of their sentence in the catalog).
STEPS: dict[str, Step] = {
    "cleaning": Step("01_data_cleaning", ("transactions_clean",)),
    "segments": Step("02_segmentation", ("customer_summary", "customer_segments")),
    "lifecycle": Step("04_lifecycle", ("lifecycle_thresholds",)),
}


def step_parameters(run: RunFolder, notebook: str) -> tuple[dict[str, Any], list[str]]:
    """The parameters ``notebook`` would have run with in ``run``.

    Parameters
    ----------
    run : RunFolder
    notebook : str
        A notebook by number or name (``'01'``, ``'02_segmentation'``).

    Returns
    -------
    params : dict
        The notebook's defaults (its ``parameters`` cell), with the values of the run's
        ``params.yaml`` for the parameters it declares; without ``run_name`` and
        ``reports_dir``.
    given : list of str
        The names taken from ``params.yaml``.
    """
    from custlib.data.loading import read_yaml_mapping
    from custlib.run.params import notebook_defaults

    defaults = {k: v for k, v in notebook_defaults(notebook).items() if k not in PLACE}
    path = run.root / "params.yaml"
    recorded = read_yaml_mapping(path, ParameterError, "a mapping") if path.exists() else {}
    given = [k for k in recorded if k in defaults]
    return {**defaults, **{k: recorded[k] for k in given}}, given


def provide(run: RunFolder, step: str, read: Callable[[], T],
            compute: Callable[[dict[str, Any]], T], *, lang: str | None = None) -> T:
    """What ``step`` left in the run, else computed here with its notebook's parameters.

    The one way a notebook computes what an earlier notebook should have written. When
    the step's artefacts are in the run's manifest, ``read()`` is returned. Otherwise
    ``compute(params)`` runs with :func:`step_parameters`, and the kit says so: a
    :class:`UserWarning` naming the notebook that has not run and the parameters used,
    and the same sentence in the run's ``notes.json``.

    Parameters
    ----------
    run : RunFolder
    step : {'cleaning', 'segments', 'lifecycle'}
        A key of :data:`STEPS`.
    read : callable
        ``read()``: the step's results from the run folder.
    compute : callable
        ``compute(params)``: the step's results computed here.
    lang : str, optional
        Language of the sentence; default the run's ``lang`` parameter.

    Returns
    -------
    object
        What ``read`` or ``compute`` returned.

    Examples
    --------
    >>> from custlib.run.config import run_folder
    >>> import tempfile, warnings
    >>> run = run_folder("alone", tempfile.mkdtemp())
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     provide(run, "segments", read=lambda: "read",
    ...             compute=lambda p: p["rfm_monetary"])
    'total'
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    Notebook 02_segmentation has not run for run alone: the customer summary and ...
    """
    if step not in STEPS:
        raise ParameterError(f"step {step!r} is unknown; expected one of "
                             f"{', '.join(repr(s) for s in STEPS)}")
    spec = STEPS[step]
    manifest = artefacts.read_manifest(run)
    if all(name in manifest for name in spec.needs):
        return read()
    params, given = step_parameters(run, spec.notebook)
    out = compute(params)
    lang = lang or str(params.get("lang") or "en")
    shown = f"params.yaml: {', '.join(given)}" if given else t("run.fallback.given_none", lang)
    text = t(f"run.fallback.{step}", lang, notebook=spec.notebook, run=run.name, given=shown)
    artefacts.add_note(run, step, text, notebook=spec.notebook, parameters=params,
                       from_params_yaml=given)
    warnings.warn(text, UserWarning, stacklevel=3)
    return out
