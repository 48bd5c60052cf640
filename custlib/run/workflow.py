"""The steps of a run as functions, so a later notebook can stand on its own.

Notebook 01 walks through cleaning one step at a time, for people. :func:`run_cleaning`
performs the same steps in one call with the same parameters. Later notebooks call
:func:`clean_tables`, which reads the clean tables from the run folder and, when a
notebook is opened on its own before notebook 01 ran for that run, first cleans the data
with the run's parameters (``params.yaml`` in the run folder, written by the runner) or
notebook 01's defaults.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from custlib.data import cleaning, tables
from custlib.data import loading as io
from custlib.errors import ParameterError, check_choice, format_list
from custlib.i18n import check_lang
from custlib.run import artefacts
from custlib.run.config import RunFolder

__all__ = ["CLEANING_DEFAULTS", "CleanTables", "clean_tables", "run_cleaning"]

#: Notebook 01's parameter defaults (tests/test_workflow.py keeps them in step).
CLEANING_DEFAULTS: dict[str, Any] = {
    "lang": "en",
    "transactions": "demo",
    "columns": {},
    "customers": "demo",
    "survey": "demo",
    "context": "demo",
    "separator": "",
    "encoding": "",
    "decimal": "",
    "thousands": "",
    "currency": "",
    "date_format": "",
    "dayfirst": False,
    "timezone": "",
    "drop_invalid": False,
    "observation_start": "",
    "observation_end": "",
    "non_product_codes": list(cleaning.DEFAULT_NON_PRODUCT_CODES),
    "cancel_prefix": "C",
    "unmatched_cancellations": "drop",
    "extreme_factor": 3.0,
    "rules": {},
}


class CleanTables:
    """The clean tables of a run, as later notebooks use them.

    Attributes
    ----------
    transactions : pandas.DataFrame
        Clean lines of identified customers.
    customers, survey : pandas.DataFrame or None
    summary : dict
        The cleaning summary (rows, revenue, dates, currency, settings).
    """

    def __init__(self, transactions: pd.DataFrame, customers: pd.DataFrame | None,
                 survey: pd.DataFrame | None, summary: dict[str, Any]) -> None:
        self.transactions = transactions
        self.customers = customers
        self.survey = survey
        self.summary = summary

    @property
    def currency(self) -> str:
        """The currency recorded by the cleaning step ('' if unknown)."""
        return str(self.summary.get("currency") or "")

    @property
    def observation_end(self) -> str:
        """The last day observed: the window's end, else the last clean order date."""
        end = (self.summary.get("settings") or {}).get("observation_end")
        if end:
            return str(end)
        return str(pd.Timestamp(self.transactions["order_date"].max()).date())


def run_cleaning(run: RunFolder, **params: Any) -> list[Any]:
    """Load, clean and save, as notebook 01 does, with its parameters.

    Parameters
    ----------
    run : RunFolder
    **params
        Any of :data:`CLEANING_DEFAULTS`; unknown names raise.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    unknown = [k for k in params if k not in CLEANING_DEFAULTS]
    if unknown:
        raise ParameterError(f"run_cleaning got unknown parameter(s) {format_list(unknown)}; "
                             f"expected {format_list(CLEANING_DEFAULTS, 30)}")
    p = {**CLEANING_DEFAULTS, **params}
    business = io.load_context(p["context"])
    currency = p["currency"] or business.get("company", {}).get("currency", "")
    read = io.read_options(**{k: p[k] for k in ("separator", "encoding", "decimal",
                                                "thousands", "dayfirst", "timezone")})
    raw = io.load_transactions(p["transactions"], p["columns"], **read)
    result = cleaning.clean_transactions(
        raw, rules=p["rules"], observation_start=p["observation_start"] or None,
        observation_end=p["observation_end"] or None,
        non_product_codes=p["non_product_codes"], cancel_prefix=p["cancel_prefix"],
        unmatched_cancellations=p["unmatched_cancellations"],
        extreme_factor=p["extreme_factor"], date_format=p["date_format"] or None,
        drop_invalid=p["drop_invalid"])
    customers, _ = tables.prepare_customers(io.load_customers(p["customers"], **read), p["lang"])
    survey, _ = tables.prepare_survey(io.load_survey(p["survey"], **read), p["lang"])
    return cleaning.save_cleaning(result, run, customers=customers, survey=survey,
                                  lang=p["lang"], currency=currency)


def clean_tables(run: RunFolder) -> CleanTables:
    """The run's clean tables, cleaning first if notebook 01 has not run for it.

    Parameters
    ----------
    run : RunFolder

    Returns
    -------
    CleanTables
    """
    manifest = artefacts.read_manifest(run)
    if "transactions_clean" not in manifest:
        params_file = run.root / "params.yaml"
        given = io.read_yaml_mapping(params_file, ParameterError, "a mapping") \
            if params_file.exists() else {}
        run_cleaning(run, **{k: v for k, v in given.items() if k in CLEANING_DEFAULTS})
        manifest = artefacts.read_manifest(run)
    tx = artefacts.load_table(run, "transactions_clean")
    customers = artefacts.load_table(run, "customers") if "customers" in manifest else None
    survey = artefacts.load_table(run, "survey") if "survey" in manifest else None
    summary = json.loads((run.data / "cleaning_summary.json").read_text(encoding="utf-8"))
    return CleanTables(tx, customers, survey, summary)


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
    cards_path = run.path("tables", "profile_cards.csv")
    cards.to_csv(cards_path, encoding="utf-8-sig")
    guide = pd.concat({s: segments.segment_guide(s, lang) for s in segments.SCHEMES})
    guide_path = run.path("tables", "segment_guide.csv")
    guide.to_csv(guide_path, encoding="utf-8-sig")
    return paths + [cards_path, guide_path]


def default_calibration_end(transactions: pd.DataFrame, observation_end: str, *,
                            holdout_share: float = 0.5,
                            datetime_col: str = "order_date") -> str:
    """The calibration end that holds out the last ``holdout_share`` of the observed days.

    Fader, Hardie & Lee (2005) hold out half of CDNOW's 78 weeks. The period starts at
    the first purchase and ends at ``observation_end``.

    Parameters
    ----------
    transactions : pandas.DataFrame
    observation_end : str
        Last day observed.
    holdout_share : float, default 0.5
        Strictly between 0 and 1.

    Returns
    -------
    str
        ISO date.
    """
    if isinstance(holdout_share, bool) or not (isinstance(holdout_share, (int, float))
                                               and 0 < holdout_share < 1):
        raise ParameterError(f"parameter 'holdout_share' is {holdout_share!r}; expected a share "
                             "strictly between 0 and 1, such as 0.5 for half of the period")
    if transactions.empty:
        raise ParameterError("default_calibration_end: there are no transactions")
    start = pd.Timestamp(transactions[datetime_col].min()).normalize()
    end = pd.Timestamp(observation_end).normalize()
    days = (end - start).days
    return str((start + pd.Timedelta(days=int(round(days * (1 - holdout_share))))).date())


def customer_labels(run: RunFolder, clean: CleanTables, *, lang: str = "en") -> pd.DataFrame:
    """Notebook 02's customer-level table, or its RFM segments when 02 has not run.

    Parameters
    ----------
    run : RunFolder
    clean : CleanTables
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id``; the segment labels, ``n_orders`` and ``total_revenue``.
    """
    from custlib.segments import rfm
    from custlib.segments import schemes as segments
    from custlib.value import summary

    manifest = artefacts.read_manifest(run)
    if "customer_segments" in manifest and "customer_summary" in manifest:
        labels = artefacts.load_table(run, "customer_segments")
        cust = artefacts.load_table(run, "customer_summary")
    else:
        cust = summary.customer_summary(clean.transactions,
                                        observation_end=clean.observation_end)
        scores = rfm.RFMScorer().fit(cust).transform(cust)
        labels = scores.assign(rfm_segment=segments.rfm11_segments(scores, lang))
        labels["rfm_segment"] = labels["rfm_segment"].astype(str)
    return labels.join(cust[["n_orders", "total_revenue"]])


def save_clv(run: RunFolder, comparison: Any, model: Any, spend: Any,
             values: pd.DataFrame, labels: pd.DataFrame, *,
             settings: dict[str, Any]) -> list[Any]:
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
        From :func:`customer_labels`.
    settings : dict
        The notebook's parameters worth recording (calibration end, unit, margin, ...).

    Returns
    -------
    list of pathlib.Path
        ``customer_clv`` (values), ``customer_value`` (labels + values, also CSV),
        ``model_comparison`` (CSV table) and ``btyd_params.json``.
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
                  "converged": bool(m.converged_)}
            for key, m in comparison.models_.items()},
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
    return [artefacts.save_table(values, run, "customer_clv", written_by=by),
            artefacts.save_table(table, run, "customer_value", written_by=by, csv=True),
            artefacts.save_table(comparison.table_, run, "model_comparison", written_by=by,
                                 csv=True, kind="tables"),
            artefacts.save_json(params, run, "btyd_params", written_by=by)]


def customer_clv(run: RunFolder) -> pd.DataFrame | None:
    """Notebook 03's customer CLV table of the run, or None when 03 has not run.

    Returns
    -------
    pandas.DataFrame or None
        Index ``customer_id`` (text); ``p_alive``, ``expected_purchases``,
        ``expected_spend``, ``clv``, ``clv_decile``.
    """
    if "customer_clv" not in artefacts.read_manifest(run):
        return None
    table = artefacts.load_table(run, "customer_clv")
    table.index = table.index.astype(str)
    return table


def save_lifecycle(run: RunFolder, state: pd.DataFrame, snapshots: pd.DataFrame,
                   transitions: pd.DataFrame, stages: pd.DataFrame,
                   actions: dict[str, pd.DataFrame], *, pseudonymise: bool = False,
                   salt: str = "", stager: Any = None) -> list[Any]:
    """Write notebook 04's results to the run folder.

    Parameters
    ----------
    run : RunFolder
    state : pandas.DataFrame
        Every customer's state and stage at the end of observation.
    snapshots : pandas.DataFrame
        Stages at every snapshot (long).
    transitions : pandas.DataFrame
        Transition counts.
    stages : pandas.DataFrame
        The stage-by-stage table for people.
    actions : dict of str to pandas.DataFrame
        From :func:`custlib.lifecycle.stages.action_lists`.
    pseudonymise : bool, default False
        Replace customer ids in the action lists by pseudonyms
        (:func:`custlib.lifecycle.stages.pseudonymise` with ``salt``).
    salt : str
    stager : custlib.lifecycle.stages.LifecycleStager, optional
        Fitted; its thresholds are written to ``lifecycle_thresholds.json``.

    Returns
    -------
    list of pathlib.Path
        ``customer_lifecycle`` (data, for notebook 05), ``lifecycle_snapshots``, and in
        ``tables/``: ``lifecycle_transitions.csv``, ``lifecycle_stages.csv`` and one
        ``actions_<list>.csv`` per action list.
    """
    from custlib.lifecycle.stages import pseudonymise as pseudonyms

    if pseudonymise:
        pseudonyms(pd.Index([]), salt)  # an empty salt fails here, before anything is written
    by = "04_lifecycle"
    current = state.copy()
    current["stage"] = current["stage"].astype(str)
    snaps = snapshots.copy()
    snaps["stage"] = snaps["stage"].astype(str)
    paths = [artefacts.save_table(current, run, "customer_lifecycle", written_by=by),
             artefacts.save_table(snaps, run, "lifecycle_snapshots", written_by=by)]
    if stager is not None:
        paths.append(artefacts.save_json(
            {k: getattr(stager, f"{k}_") for k in ("active_days", "churn_days", "new_days",
                                                   "loyal_purchases")}
            | {"risk_factor": stager.risk_factor}, run, "lifecycle_thresholds", written_by=by))
    for name, table in (("lifecycle_transitions", transitions), ("lifecycle_stages", stages)):
        path = run.path("tables", f"{name}.csv")
        table.to_csv(path, encoding="utf-8-sig")
        paths.append(path)
    for name, table in actions.items():
        out = table.copy()
        if pseudonymise:
            out.index = pd.Index(pseudonyms(out.index, salt).to_numpy(), name="customer")
        path = run.path("tables", f"actions_{name}.csv")
        out.to_csv(path, encoding="utf-8-sig")
        paths.append(path)
    return paths


def customer_column(clean: CleanTables, labels: pd.DataFrame | None, name: str, *,
                    missing: str = "raise") -> pd.Series | None:
    """A customer-level column by name, from notebook 02's labels or the customers table.

    Parameters
    ----------
    clean : CleanTables
    labels : pandas.DataFrame or None
        From :func:`customer_labels`.
    name : str
        A column such as ``rfm_segment`` or ``acquisition_channel``; '' for none.
    missing : {'raise', 'none'}, default 'raise'
        When ``name`` is in neither table: raise, or return None (for an optional
        comparison such as the survival curves, which then say in words what they skip).

    Returns
    -------
    pandas.Series or None
        Indexed by customer id (text); None when ``name`` is '', or when the run has no
        customers table and ``name`` is not a label of notebook 02 (the section that
        needs it is skipped).

    Raises
    ------
    ParameterError
        The run has a customers table and ``name`` is in neither table (the error lists
        what is there).
    """
    check_choice("missing", missing, ("raise", "none"))
    if not name or (clean.customers is None and (labels is None or name not in labels)):
        return None
    if missing == "none" and (labels is None or name not in labels.columns) and \
            (clean.customers is None or name not in clean.customers.columns):
        return None
    if labels is not None and name in labels.columns:
        out = labels[name]
    elif clean.customers is not None and name in clean.customers.columns:
        out = clean.customers.set_index("customer_id")[name]
    else:
        there = list(labels.columns if labels is not None else []) + \
            list(clean.customers.columns if clean.customers is not None else [])
        raise ParameterError(f"column {name!r} is not in the customer tables of this run; "
                             f"expected one of {format_list(there, 30)} or '' for none")
    out = out.copy()
    out.index = out.index.astype(str)
    return out.astype(str)


def signup_dates(clean: CleanTables) -> pd.Series | None:
    """Sign-up date by customer id, for the 'potential' lifecycle stage.

    Parameters
    ----------
    clean : CleanTables

    Returns
    -------
    pandas.Series or None
        None when the run has no customers table or the table has no ``signup_date``
        (registered customers who never bought then cannot be dated and are left out).
    """
    if clean.customers is None or "signup_date" not in clean.customers.columns:
        return None
    return clean.customers.set_index("customer_id")["signup_date"]


def signup_note(clean: CleanTables, lang: str = "en") -> str:
    """In words, when the customers table cannot date sign-ups ('' otherwise).

    Parameters
    ----------
    clean : CleanTables
    lang : {'en', 'zh'}

    Returns
    -------
    str
        An italic sentence when the run has a customers table without ``signup_date``:
        its customers who never bought are not counted in the 'potential' stage.
    """
    check_lang(lang)
    if clean.customers is None or "signup_date" in clean.customers.columns:
        return ""
    if lang == "zh":
        return "*客户属性表没有注册日期(signup_date),从未购买的注册客户无法计入“潜在客户”阶段。*"
    return ("*The customers table has no signup_date: registered customers who never bought "
            "cannot be dated and are not counted in the Potential stage.*")


class ReportInputs:
    """What notebooks 01-04 left in the run folder, as notebook 05 uses it.

    Attributes
    ----------
    summary : pandas.DataFrame
        Customer summary (notebook 02's, or computed).
    labels : pandas.DataFrame
        Segment labels with ``n_orders`` and ``total_revenue``.
    clv : pandas.DataFrame or None
        Notebook 03's CLV table.
    state, snapshots : pandas.DataFrame or None
        Notebook 04's stages now and at every snapshot.
    """

    def __init__(self, summary: pd.DataFrame, labels: pd.DataFrame, clv: pd.DataFrame | None,
                 state: pd.DataFrame | None, snapshots: pd.DataFrame | None) -> None:
        self.summary = summary
        self.labels = labels
        self.clv = clv
        self.state = state
        self.snapshots = snapshots

    def customer_table(self) -> pd.DataFrame:
        """One row per customer: labels, CLV columns and lifecycle stage where known."""
        table = self.labels.copy()
        table.index = table.index.astype(str)
        if self.clv is not None:
            table = table.join(self.clv)
        if self.state is not None:
            table = table.join(self.state["stage"])
        return table

    def missing(self) -> list[str]:
        """The notebooks whose results are missing (their report parts are skipped)."""
        return [nb for nb, v in (("03_clv", self.clv), ("04_lifecycle", self.state))
                if v is None]


def report_inputs(run: RunFolder, clean: CleanTables, *, lang: str = "en") -> ReportInputs:
    """Load what notebooks 02-04 wrote for the report (computing 02's part when missing).

    Parameters
    ----------
    run : RunFolder
    clean : CleanTables
    lang : {'en', 'zh'}
    """
    from custlib.value import summary as summary_mod

    manifest = artefacts.read_manifest(run)
    summ = artefacts.load_table(run, "customer_summary") if "customer_summary" in manifest \
        else summary_mod.customer_summary(clean.transactions,
                                          observation_end=clean.observation_end)
    summ.index = summ.index.astype(str)
    labels = customer_labels(run, clean, lang=lang)
    state = snaps = None
    if "customer_lifecycle" in manifest:
        state = artefacts.load_table(run, "customer_lifecycle")
        state.index = state.index.astype(str)
        snaps = artefacts.load_table(run, "lifecycle_snapshots")
    return ReportInputs(summ, labels, customer_clv(run), state, snaps)


def lifecycle_thresholds(run: RunFolder, days: pd.DataFrame) -> dict[str, float]:
    """The lifecycle thresholds notebook 04 used, or the defaults learnt from ``days``.

    Parameters
    ----------
    run : RunFolder
    days : pandas.DataFrame
        :func:`custlib.lifecycle.stages.purchase_days` (used when 04 has not run).
    """
    from custlib.lifecycle.stages import LifecycleStager

    path = run.data / "lifecycle_thresholds.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    st = LifecycleStager().fit(days)
    return {"active_days": st.active_days_, "churn_days": st.churn_days_,
            "new_days": st.new_days_, "loyal_purchases": st.loyal_purchases_,
            "risk_factor": st.risk_factor}
