"""The buy-till-you-die toolkit in one namespace: ``from custlib.value import btyd``.

Notebook 03 walks the method in this order, each step in its own module:

1. :mod:`~custlib.value.split`: the customer summary in a model time unit
   (:func:`model_summary`) and the calibration/holdout split by date
   (:func:`calibration_holdout`);
2. :mod:`~custlib.value.purchase`: the purchase models, BG/NBD, Pareto/NBD and MBG/NBD
   (:class:`BTYDModel`, :data:`MODELS`), fitted and predicting with the formulas of
   :mod:`~custlib.value.formulas`;
3. :mod:`~custlib.value.choice`: their holdout errors and the choice between them
   (:class:`ModelComparison`);
4. :mod:`~custlib.value.diagnostics`: tracking, period transactions, simulation, one
   customer's P(alive) history and the frequency/recency matrices;
5. :mod:`~custlib.value.spend`: spend per purchase (:class:`GammaGammaModel`).

:mod:`custlib.value.clv` turns the two models into money.
"""

from __future__ import annotations

from custlib.value.choice import (
    ModelComparison,
    calibration_vs_holdout,
    compare_models,
    holdout_errors,
)
from custlib.value.diagnostics import (  # noqa: F401 (benchmarks/bench_fit.py draws paths)
    _simulate_paths,
    matrix,
    p_alive_history,
    period_transactions,
    simulate,
    tracking,
)
from custlib.value.fitting import FitWarning
from custlib.value.purchase import MODELS, BTYDModel
from custlib.value.spend import GammaGammaModel
from custlib.value.split import (
    TIME_UNITS,
    calibration_holdout,
    default_calibration_end,
    describe_split,
    model_summary,
    time_unit,
)

__all__ = [
    "MODELS", "TIME_UNITS", "BTYDModel", "FitWarning", "GammaGammaModel", "ModelComparison",
    "calibration_holdout", "calibration_vs_holdout", "compare_models", "default_calibration_end",
    "describe_split", "holdout_errors",
    "matrix", "model_summary", "p_alive_history",
    "period_transactions", "simulate", "time_unit", "tracking",
]
