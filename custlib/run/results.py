"""What notebooks 02-04 write to the run folder, through :mod:`custlib.run.artefacts`.

Each ``save_*`` function writes one notebook's results under the names later notebooks
read (and lists them in the run's manifest): :func:`save_segmentation` (02),
:func:`save_clv` (03) and :func:`save_lifecycle` (04). Notebook 01 writes its own
through :func:`custlib.data.cleaning.save_cleaning`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custlib.run import artefacts
from custlib.run.config import RunFolder

__all__ = ["save_clv", "save_clv_not_estimated", "save_lifecycle", "save_segmentation"]


def save_segmentation(run: RunFolder, summary: pd.DataFrame, table: pd.DataFrame,
                      cards: pd.DataFrame, *, lang: str = "en") -> list[Any]:
    """Write notebook 02's results to the run folder.

    Parameters
    ----------
    run : RunFolder
    summary : pandas.DataFrame
        The customer summary (index customer_id).
    table : pandas.DataFrame
        Summary joined with attributes and every scheme's labels.
    cards : pandas.DataFrame
        Profile cards.
    lang : {'en', 'zh'}
        Language of the guide written for people.

    Returns
    -------
    list of pathlib.Path
    """
    from custlib.segments import schemes as segments

    by = "02_segmentation"
    labels = [c for c in ("R", "F", "M", "rfm_code", "rfm_score", "rfm_segment",
                          "rfm8_segment", "value_tier", "importance", "relationship",
                          "cluster") if c in table.columns]
    seg = table[labels].copy()
    for c in seg.columns:
        if isinstance(seg[c].dtype, pd.CategoricalDtype):
            seg[c] = seg[c].astype(str)
    paths = [artefacts.save_table(summary, run, "customer_summary", written_by=by),
             artefacts.save_table(seg, run, "customer_segments", written_by=by, csv=True)]
    guide = pd.concat({s: segments.segment_guide(s, lang) for s in segments.SCHEMES})
    return paths + [
        artefacts.save_csv(cards, run, "profile_cards", written_by=by, index=True),
        artefacts.save_csv(guide, run, "segment_guide", written_by=by, index=True)]



def save_clv(run: RunFolder, comparison: Any, model: Any, spend: Any,
             values: pd.DataFrame, labels: pd.DataFrame, *,
             settings: dict[str, Any], bootstrap: Any = None) -> list[Any]:
    """Write notebook 03's results to the run folder.

    Parameters
    ----------
    run : RunFolder
    comparison : custlib.value.btyd.ModelComparison
        The models compared on the calibration/holdout split.
    model : custlib.value.btyd.BTYDModel
        The chosen model refitted on the whole period (used for CLV).
    spend : custlib.value.btyd.GammaGammaModel
    values : pandas.DataFrame
        From :func:`custlib.value.clv.clv`, one row per customer.
    labels : pandas.DataFrame
        From :func:`custlib.run.workflow.customer_labels`.
    settings : dict
        The notebook's parameters worth recording (calibration end, unit, margin, ...).
    bootstrap : custlib.value.bootstrap.ValueBootstrap, optional
        Fitted: its intervals are written as ``clv_intervals`` (``tables/``, Parquet and
        CSV) and its refits, failures and level under ``bootstrap`` in ``btyd_params.json``
        (which says the table is this run's; without it the report shows no ranges).

    Returns
    -------
    list of pathlib.Path
        ``customer_clv`` (values), ``customer_value`` (labels + values, also CSV),
        ``model_comparison`` (CSV table), ``clv_intervals`` (with ``bootstrap``) and
        ``btyd_params.json``.
    """
    by = "03_clv"
    table = labels.join(values, how="right")
    params = {
        "settings": settings,
        "selected_model": comparison.selected_,
        "selection_rule": comparison.rule,
        "selection_reason": comparison.reason_,
        "calibration_models": {
            key: {"model": m.name, "params": m.params_.to_dict(),
                  "log_likelihood": m.log_likelihood_, "aic": m.aic_, "bic": m.bic_,
                  "customers": m.n_customers_, "attempts": len(m.attempts_),
                  "converged": bool(m.converged_),
                  **_holdout(comparison.table_.loc[key])}
            for key, m in comparison.models_.items()},
        "holdout": {"model": comparison.table_.loc[comparison.selected_, "model"],
                    "calibration_end": settings.get("calibration_end"),
                    "observation_end": settings.get("observation_end"),
                    **{k.removeprefix("holdout_"): v for k, v in
                       _holdout(comparison.table_.loc[comparison.selected_]).items()}},
        "failed_models": comparison.failed_,
        "stopped_early": getattr(comparison, "stopped_", {}),
        "final_model": {"model": model.name, "params": model.params_.to_dict(),
                        "log_likelihood": model.log_likelihood_,
                        "customers": model.n_customers_, "penalizer": model.penalizer_used_,
                        "converged": bool(model.converged_)},
        "gamma_gamma": {"params": spend.params_.to_dict(), "repeat_customers":
                        spend.n_customers_, "frequency_spend_correlation": spend.correlation_,
                        "population_mean_spend": spend.population_mean_,
                        "penalizer": spend.penalizer_used_},
    }
    written = []
    if bootstrap is not None:
        params["bootstrap"] = {"refits": int(len(bootstrap.replicates_)),
                               "failed": int(bootstrap.failed_),
                               "failures": bootstrap.failures_[:5],
                               "level": float(bootstrap.level),
                               "random_state": bootstrap.random_state,
                               "estimate_converged": bool(bootstrap.estimate_converged_)}
        written.append(artefacts.save_table(bootstrap.intervals_, run, "clv_intervals",
                                            written_by=by, csv=True, kind="tables"))
    return written + [artefacts.save_table(values, run, "customer_clv", written_by=by),
            artefacts.save_table(table, run, "customer_value", written_by=by, csv=True),
            artefacts.save_table(comparison.table_, run, "model_comparison", written_by=by,
                                 csv=True, kind="tables"),
            artefacts.save_json(params, run, "btyd_params", written_by=by)]



def _holdout(row: pd.Series) -> dict[str, float | None]:
    """A model's holdout figures from a row of ``ModelComparison.table_``, JSON-safe."""
    out: dict[str, float | None] = {}
    for key in ("holdout_actual", "holdout_predicted", "holdout_error_pct", "holdout_mae"):
        value = float(row[key])
        out[key] = value if np.isfinite(value) else None
    return out


def save_clv_not_estimated(run: RunFolder, estimability: Any, labels: pd.DataFrame, *,
                           settings: dict[str, Any]) -> list[Any]:
    """Write notebook 03's results when its models could not be estimated.

    No ``customer_clv`` table is written (no made-up P(alive) or CLV); ``customer_value`` is
    notebook 02's customer table as it is, and ``btyd_params.json`` records why under
    ``not_estimated``, which notebooks 04 and 05 read
    (:func:`custlib.run.workflow.clv_not_estimated`).

    Parameters
    ----------
    run : RunFolder
    estimability : custlib.value.feasibility.Estimability
        The failed check.
    labels : pandas.DataFrame
        From :func:`custlib.run.workflow.customer_labels`.
    settings : dict
        The notebook's parameters worth recording.

    Returns
    -------
    list of pathlib.Path
        ``customer_value`` (also CSV) and ``btyd_params.json``.
    """
    by = "03_clv"
    return [artefacts.save_table(labels, run, "customer_value", written_by=by, csv=True),
            artefacts.save_json({"settings": settings, "not_estimated": estimability.to_dict()},
                                run, "btyd_params", written_by=by)]


def save_lifecycle(run: RunFolder, state: pd.DataFrame, snapshots: pd.DataFrame,
                   transitions: pd.DataFrame | None, stages: pd.DataFrame,
                   actions: dict[str, pd.DataFrame], *, pseudonymise: bool = False,
                   salt: str = "", stager: Any = None,
                   days: pd.DataFrame | None = None) -> list[Any]:
    """Write notebook 04's results to the run folder.

    Parameters
    ----------
    run : RunFolder
    state : pandas.DataFrame
        Every customer's state and stage at the end of observation.
    snapshots : pandas.DataFrame
        Stages at every snapshot (long).
    transitions : pandas.DataFrame or None
        (None: a log of one snapshot has no moves; nothing is written)
        Transition counts.
    stages : pandas.DataFrame
        The stage-by-stage table for people.
    actions : dict of str to pandas.DataFrame
        From :func:`custlib.lifecycle.actions.action_lists`.
    pseudonymise : bool, default False
        Replace customer ids in the action lists by pseudonyms
        (:func:`custlib.lifecycle.actions.pseudonymise` with ``salt``).
    salt : str
    stager : custlib.lifecycle.stages.LifecycleStager, optional
        Fitted; its thresholds are written to ``lifecycle_thresholds.json``.
    days : pandas.DataFrame, optional
        :func:`custlib.lifecycle.stages.purchase_days` of the run's clean lines, saved as
        ``purchase_days`` for notebook 05 (:func:`custlib.run.workflow.purchase_days`),
        which would otherwise group the lines again (94 s of notebook 05 at 100M lines).

    Returns
    -------
    list of pathlib.Path
        ``customer_lifecycle`` (data, for notebook 05), ``lifecycle_snapshots``, and in
        ``tables/``: ``lifecycle_transitions.csv``, ``lifecycle_stages.csv`` and one
        ``actions_<list>.csv`` per action list.
    """
    from custlib.lifecycle.actions import pseudonymise as pseudonyms

    if pseudonymise:
        pseudonyms(pd.Index([]), salt)  # an empty salt fails here, before anything is written
    by = "04_lifecycle"
    current = state.assign(stage=state["stage"].astype(str))
    paths = [artefacts.save_table(current, run, "customer_lifecycle", written_by=by),
             # ids and stages as text, a batch at a time: 64M rows at 100M lines
             artefacts.save_table(snapshots, run, "lifecycle_snapshots", written_by=by,
                                  text=("customer_id", "stage"))]
    if days is not None:
        paths.append(artefacts.save_table(days, run, "purchase_days", written_by=by))
    if stager is not None:
        paths.append(artefacts.save_json(
            {k: getattr(stager, f"{k}_") for k in ("active_days", "churn_days", "new_days",
                                                   "loyal_purchases")}
            | {"risk_factor": stager.risk_factor}, run, "lifecycle_thresholds", written_by=by))
    for name, table in (("lifecycle_transitions", transitions), ("lifecycle_stages", stages)):
        if table is None:  # no transitions: a log of one snapshot
            continue
        paths.append(artefacts.save_csv(table, run, name, written_by=by, index=True))
    for name, table in actions.items():
        out = table.copy()
        if pseudonymise:
            out.index = pd.Index(pseudonyms(out.index, salt).to_numpy(), name="customer")
        paths.append(artefacts.save_csv(out, run, f"actions_{name}", written_by=by,
                                        index=True))
    return paths
