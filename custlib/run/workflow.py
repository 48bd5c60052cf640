"""What a notebook reads from its run, computing what an earlier notebook has not written.

Notebook 01 walks through cleaning one step at a time, for people; :func:`run_cleaning`
performs the same steps in one call with the same parameters. Later notebooks read the
run through this module: :func:`clean_tables`, :func:`customer_labels`,
:func:`report_inputs`, :func:`lifecycle_thresholds`. When a notebook is opened on its own
before the notebook that makes a step ran for that run, the step is computed here through
:func:`custlib.run.standalone.provide`, with the missing notebook's own parameters (its
defaults, read from its ``parameters`` cell, and the run's ``params.yaml``), and the kit
says so (a warning, and a note in the run folder).

The writers of notebooks 02-04 (:mod:`custlib.run.results`) and the customer columns
(:mod:`custlib.run.customers`) are re-exported here, where the notebooks use them.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from custlib.data.engines.saved import SavedLines, is_saved_lines
from custlib.errors import ParameterError, format_list
from custlib.run import artefacts
from custlib.run.config import RunFolder
from custlib.run.customers import customer_column, signup_dates, signup_note
from custlib.run.results import save_clv, save_clv_not_estimated, save_lifecycle, save_segmentation
from custlib.run.standalone import PLACE, provide
from custlib.value import split
from custlib.value.feasibility import Estimability

__all__ = ["NOT_READ", "CleanTables", "ReportInputs", "btyd_params", "clean_tables",
           "clv_intervals",
           "clv_not_estimated", "customer_clv", "customer_column", "customer_labels",
           "default_calibration_end", "lifecycle_thresholds", "purchase_days", "report_inputs",
           "run_cleaning",
           "save_clv", "save_clv_not_estimated", "save_lifecycle", "save_segmentation",
           "saved_lines", "signup_dates", "signup_note"]


class CleanTables:
    """The clean tables of a run, as later notebooks use them.

    Attributes
    ----------
    transactions : pandas.DataFrame
        Clean lines of identified customers, without the columns of
        :data:`NOT_READ` (``transactions_clean.parquet`` in the run's data folder has them).
        In a run of the DuckDB engine they are read on first use.
    lines : pandas.DataFrame or SavedLines
        The same lines for the steps that can take them on disk: in a run of the DuckDB
        engine (``engine: duckdb``, a log that may not fit in memory) a
        :class:`~custlib.data.engines.saved.SavedLines`, which DuckDB groups into a table
        per customer or per day without holding the lines in memory; else
        :attr:`transactions`.
    customers, survey : pandas.DataFrame or None
    summary : dict
        The cleaning summary (rows, revenue, dates, currency, settings, engine).
    """

    def __init__(self, transactions: pd.DataFrame | SavedLines, customers: pd.DataFrame | None,
                 survey: pd.DataFrame | None, summary: dict[str, Any]) -> None:
        self._saved = transactions if is_saved_lines(transactions) else None
        self._frame = None if self._saved is not None else transactions
        self.customers = customers
        self.survey = survey
        self.summary = summary

    @property
    def transactions(self) -> pd.DataFrame:
        """The clean lines as a pandas frame (read from the run's file on first use)."""
        if self._frame is None:
            assert self._saved is not None
            self._frame = self._saved.to_pandas()
        return self._frame

    @transactions.setter
    def transactions(self, frame: pd.DataFrame) -> None:
        self._frame, self._saved = frame, None

    @property
    def lines(self) -> pd.DataFrame | SavedLines:
        """The lines on disk in a run of the DuckDB engine, else the frame (see above)."""
        return self._saved if self._saved is not None else self.transactions

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
        return str(pd.Timestamp(_extreme(self.lines, "order_date", "max")).date())

    @property
    def first_date(self) -> pd.Timestamp:
        """The first clean order date (of the lines on disk without reading them)."""
        return pd.Timestamp(_extreme(self.lines, "order_date", "min"))

    def data_labels(self, lang: str) -> dict[str, str]:
        """The names of the data's values in ``lang``, as notebook 01 recorded them.

        From the business context's ``labels`` (:func:`custlib.data.context.data_labels`);
        empty when it has none for ``lang``.
        """
        from custlib.data.context import data_labels

        return data_labels({"labels": self.summary.get("labels")}, lang)

    def relabelled(self, names: dict[str, str]) -> CleanTables:
        """The tables with the data's values named for the report (the context's ``labels``).

        Renamed: the transactions' category, channel and country, the customers' text
        columns (customer type, region, acquisition channel, a segment column...), the
        survey's ``top_need``. Ids, dates and amounts are left alone.

        Parameters
        ----------
        names : dict of str to str
            :func:`custlib.data.context.data_labels` for the report's language.

        Returns
        -------
        CleanTables
            Itself when ``names`` is empty.
        """
        from custlib.data.context import relabel

        if not names:
            return self
        survey = relabel(self.survey, names, ("top_need",))
        if self._saved is not None:
            return CleanTables(self._saved.relabelled(names, LABELLED_TRANSACTION_COLUMNS),
                               relabel(self.customers, names), survey, self.summary)
        tx = relabel(self.transactions, names, LABELLED_TRANSACTION_COLUMNS)
        assert tx is not None
        return CleanTables(tx, relabel(self.customers, names), survey, self.summary)



#: The transactions' columns whose values the context's ``labels`` rename in a report.
LABELLED_TRANSACTION_COLUMNS = ("category", "channel", "country")


def run_cleaning(run: RunFolder, **params: Any) -> list[Any]:
    """Load, clean and save, as notebook 01 does, with its parameters.

    Parameters
    ----------
    run : RunFolder
    **params
        Any parameter of notebook 01 but ``run_name`` and ``reports_dir``; the others
        take the defaults of its ``parameters`` cell. Unknown names raise.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from custlib.data import cleaning, tables
    from custlib.data import loading as io
    from custlib.run.params import notebook_defaults

    defaults = {k: v for k, v in notebook_defaults("01").items() if k not in PLACE}
    unknown = [k for k in params if k not in defaults]
    if unknown:
        raise ParameterError(f"run_cleaning got unknown parameter(s) {format_list(unknown)}; "
                             f"expected {format_list(defaults, 30)}")
    p = {**defaults, **params}
    business = io.load_context(p["context"])
    currency = p["currency"] or business.get("company", {}).get("currency", "")
    read = io.read_options(**{k: p[k] for k in ("separator", "encoding", "decimal",
                                                "thousands", "dayfirst", "timezone",
                                                "database")})
    raw = io.load_transactions(p["transactions"], p["columns"], engine=p["engine"], **read)
    result = cleaning.clean_transactions(
        raw, rules=p["rules"], observation_start=p["observation_start"] or None,
        observation_end=p["observation_end"] or None,
        non_product_codes=p["non_product_codes"], cancel_prefix=p["cancel_prefix"],
        unmatched_cancellations=p["unmatched_cancellations"],
        extreme_factor=p["extreme_factor"], date_format=p["date_format"] or None,
        dayfirst=p["dayfirst"] or None, decimal=p["decimal"], thousands=p["thousands"],
        timezone=p["timezone"], drop_invalid=p["drop_invalid"], engine=p["engine"])
    customers, _ = tables.prepare_customers(io.load_table("customers", p["customers"], **read),
                                            p["lang"])
    survey, _ = tables.prepare_survey(io.load_table("survey", p["survey"], **read), p["lang"])
    return cleaning.save_cleaning(result, run, customers=customers, survey=survey,
                                  lang=p["lang"], currency=currency,
                                  labels=business.get("labels"))


#: Columns of the clean lines that notebook 01 shows and no later step uses: the product's
#: description, the line's place in the source and why a line is extreme. Later notebooks
#: read the lines without them (a third of the memory of a log's text: 0.3 GiB at 7.6M
#: lines).
NOT_READ: tuple[str, ...] = ("description", "source_row", "extreme_reason")


#: Text columns of the clean lines with few distinct values (products, their categories,
#: channels, countries), which later notebooks hold as categories: a code of one or two
#: bytes per line instead of a text of 10-20 (a third of the lines' memory at 10M lines).
CODED: tuple[str, ...] = ("product_id", "category", "channel", "country")


#: Columns of notebook 04's snapshots that the report does not use (it counts stages per
#: snapshot): two thirds of their memory, 64M rows at 100M lines.
SNAPSHOTS_NOT_READ: tuple[str, ...] = ("customer_id", "revenue")


def _read_clean(run: RunFolder) -> CleanTables:
    manifest = artefacts.read_manifest(run)
    summary = json.loads((run.data / "cleaning_summary.json").read_text(encoding="utf-8"))
    tx: pd.DataFrame | SavedLines
    if summary.get("engine") == "duckdb":  # a log that may not fit in memory: left on disk
        tx = saved_lines(run)
    else:
        tx = artefacts.load_table(run, "transactions_clean", exclude=NOT_READ, categories=CODED)
    customers = artefacts.load_table(run, "customers") if "customers" in manifest else None
    survey = artefacts.load_table(run, "survey") if "survey" in manifest else None
    return CleanTables(tx, customers, survey, summary)


def saved_lines(run: RunFolder) -> SavedLines:
    """The run's clean lines in their Parquet file (:class:`CleanTables` ``lines``).

    Read as pandas, they are what the run's other steps read: without :data:`NOT_READ`,
    with :data:`CODED` as categories.

    Parameters
    ----------
    run : RunFolder

    Returns
    -------
    SavedLines
    """
    import pyarrow.parquet as pq

    path = artefacts.table_path(run, "transactions_clean")
    schema = pq.read_schema(path)
    stored = {c for c in (schema.pandas_metadata or {}).get("index_columns", [])
              if isinstance(c, str)}
    columns = [c for c in schema.names if c not in NOT_READ and c not in stored]

    def read(cols: list[str]) -> pd.DataFrame:
        return artefacts.load_table(run, "transactions_clean", categories=CODED,
                                    exclude=tuple(c for c in columns if c not in cols)
                                    + NOT_READ)[cols]

    return SavedLines(path, read=read, columns=columns)


def clean_tables(run: RunFolder, lang: str | None = None) -> CleanTables:
    """The run's clean tables, cleaning first if notebook 01 has not run for it.

    Parameters
    ----------
    run : RunFolder
    lang : str, optional
        Name the data's values (channels, categories, customer attributes, needs) in this
        language, by the business context's ``labels`` that notebook 01 recorded
        (:meth:`CleanTables.relabelled`); default as the data writes them.

    Returns
    -------
    CleanTables
        When notebook 01 has not run, the data are cleaned and saved here with its
        parameters (:func:`custlib.run.standalone.provide` says so).
    """
    def clean(params: dict[str, Any]) -> CleanTables:
        run_cleaning(run, **params)
        return _read_clean(run)

    tables = provide(run, "cleaning", lambda: _read_clean(run), clean)
    return tables.relabelled(tables.data_labels(lang)) if lang else tables


def purchase_days(run: RunFolder, clean: CleanTables) -> pd.DataFrame:
    """One row per customer and purchase day of the run's clean lines, with its revenue.

    The table notebook 04 saved (``purchase_days``), read back; when notebook 04 has not
    saved it (it has not run for this run, or ran before it saved them), grouped here from
    the clean lines (:func:`custlib.lifecycle.stages.purchase_days`), the same table: it
    takes no parameter. At 100M lines the grouping took 84-94 s in each notebook.

    Parameters
    ----------
    run : RunFolder
    clean : CleanTables
        The run's clean tables (:func:`clean_tables`).

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``day``, ``revenue``.
    """
    from custlib.lifecycle.stages import purchase_days as group

    if "purchase_days" in artefacts.read_manifest(run) and \
            run.path("data", "purchase_days.parquet").exists():
        return artefacts.load_table(run, "purchase_days")
    return group(clean.lines)


def default_calibration_end(transactions: pd.DataFrame, observation_end: str, *,
                            holdout_share: float = 0.0,
                            datetime_col: str = "order_date") -> str:
    """The calibration end the kit uses when none is given, from a transaction log.

    :func:`custlib.value.split.default_calibration_end` from the log's first purchase:
    with ``holdout_share`` 0, the last 12 months of a log of 30 months or more, else the
    last third; a share strictly between 0 and 1 holds out that share of the days.

    Parameters
    ----------
    transactions : pandas.DataFrame or SavedLines
    observation_end : str
        Last day observed.
    holdout_share : float, default 0.0
        0 (automatic) or strictly between 0 and 1.
    datetime_col : str, default 'order_date'

    Returns
    -------
    str
        ISO date.
    """
    if transactions.empty:
        raise ParameterError("default_calibration_end: there are no transactions")
    return split.default_calibration_end(_extreme(transactions, datetime_col, "min"),
                                         observation_end, holdout_share=holdout_share)


def _extreme(lines: pd.DataFrame | SavedLines, column: str, how: str) -> Any:
    """The min or max of a column of a frame, or of lines on disk (without reading them)."""
    if is_saved_lines(lines):
        return lines.min(column) if how == "min" else lines.max(column)
    return lines[column].min() if how == "min" else lines[column].max()



def _read_segments(run: RunFolder) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (artefacts.load_table(run, "customer_summary"),
            artefacts.load_table(run, "customer_segments"))


def _compute_segments(clean: CleanTables, params: dict[str, Any],
                      lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Notebook 02's customer summary and RFM segments, with its parameters."""
    from custlib.segments import rfm
    from custlib.segments import schemes as segments
    from custlib.value import summary

    cust = summary.customer_summary(clean.lines, observation_end=clean.observation_end,
                                    freq=params["time_unit"])
    scores = rfm.RFMScorer(monetary=params["rfm_monetary"]).fit(cust).transform(cust)
    labels = scores.assign(rfm_segment=segments.rfm11_segments(scores, lang))
    labels["rfm_segment"] = labels["rfm_segment"].astype(str)
    return cust, labels


def _segments(run: RunFolder, clean: CleanTables,
              lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Notebook 02's customer summary and labels, computed when 02 has not run."""
    return provide(run, "segments", lambda: _read_segments(run),
                   lambda params: _compute_segments(clean, params, lang), lang=lang)


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
    cust, labels = _segments(run, clean, lang)
    return labels.join(cust[["n_orders", "total_revenue"]])


def customer_clv(run: RunFolder) -> pd.DataFrame | None:
    """Notebook 03's customer CLV table of the run, or None when 03 has not run or not estimated.

    Returns
    -------
    pandas.DataFrame or None
        Index ``customer_id`` (text); ``p_alive``, ``expected_purchases``,
        ``expected_spend``, ``clv``, ``clv_decile``.
    """
    if "customer_clv" not in artefacts.read_manifest(run) or clv_not_estimated(run) is not None:
        return None  # not run, or run without estimating (a table left by an earlier run is stale)
    table = artefacts.load_table(run, "customer_clv")
    table.index = table.index.astype(str)
    return table



def btyd_params(run: RunFolder) -> dict[str, Any] | None:
    """Notebook 03's ``btyd_params.json`` (models, choice, holdout error), or None.

    Returns
    -------
    dict or None
        None when notebook 03 has not run.
    """
    path = run.path("data", "btyd_params.json")
    if "btyd_params" not in artefacts.read_manifest(run) or not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def clv_intervals(run: RunFolder, params: dict[str, Any] | None = None) -> pd.DataFrame | None:
    """Notebook 03's bootstrap intervals of the value (``clv_intervals``), or None.

    Parameters
    ----------
    run : RunFolder
    params : dict, optional
        :func:`btyd_params` when already read.

    Returns
    -------
    pandas.DataFrame or None
        :attr:`custlib.value.bootstrap.ValueBootstrap.intervals_`; None when notebook 03
        ran without the bootstrap (``bootstrap_refits: 0``) or did not estimate CLV (a table
        left by an earlier run is then stale).
    """
    params = params if params is not None else btyd_params(run) or {}
    if not params.get("bootstrap") or "clv_intervals" not in artefacts.read_manifest(run):
        return None
    return artefacts.load_table(run, "clv_intervals")


def clv_not_estimated(run: RunFolder, params: dict[str, Any] | None = None) -> Estimability | None:
    """Why notebook 03 did not estimate its models, or None (estimated, or 03 not run).

    Parameters
    ----------
    run : RunFolder
    params : dict, optional
        :func:`btyd_params` when already read.

    Returns
    -------
    custlib.value.feasibility.Estimability or None
        Read from ``btyd_params.json`` (``not_estimated``); its ``reason`` and
        ``lifecycle_note`` say it in words.
    """
    record = (params if params is not None else btyd_params(run) or {}).get("not_estimated")
    return Estimability.from_dict(record) if record else None


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
    state : pandas.DataFrame or None
        Notebook 04's stages now.
    snapshots : pandas.DataFrame or None
        Notebook 04's stages at every snapshot, as the report counts them: the ``snapshot``
        and ``stage`` columns of ``lifecycle_snapshots`` (the stage a category), one row
        per customer and snapshot (``artefacts.load_table(run, "lifecycle_snapshots")``
        has the customer ids and revenue: a row per customer and month takes memory on a
        big log).
    btyd : dict or None
        Notebook 03's ``btyd_params.json``: the models, the chosen one and its holdout error.
    not_estimated : custlib.value.feasibility.Estimability or None
        Why notebook 03 ran but did not estimate CLV (``clv`` is then None).
    """

    def __init__(self, summary: pd.DataFrame, labels: pd.DataFrame, clv: pd.DataFrame | None,
                 state: pd.DataFrame | None, snapshots: pd.DataFrame | None,
                 btyd: dict[str, Any] | None = None,
                 not_estimated: Estimability | None = None) -> None:
        self.btyd = btyd
        self.summary = summary
        self.labels = labels
        self.clv = clv
        self.state = state
        self.snapshots = snapshots
        self.not_estimated = not_estimated

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
        return [nb for nb, v in (("03_clv", self.clv if self.not_estimated is None else True),
                                 ("04_lifecycle", self.state)) if v is None]



def report_inputs(run: RunFolder, clean: CleanTables, *, lang: str = "en") -> ReportInputs:
    """Load what notebooks 02-04 wrote for the report (computing 02's part when missing).

    Parameters
    ----------
    run : RunFolder
    clean : CleanTables
    lang : {'en', 'zh'}

    Returns
    -------
    ReportInputs
    """
    summ, labels = _segments(run, clean, lang)
    labels = labels.join(summ[["n_orders", "total_revenue"]])
    summ.index = summ.index.astype(str)
    state = snaps = None
    if "customer_lifecycle" in artefacts.read_manifest(run):
        state = artefacts.load_table(run, "customer_lifecycle")
        state.index = state.index.astype(str)
        snaps = artefacts.load_table(run, "lifecycle_snapshots", exclude=SNAPSHOTS_NOT_READ,
                                     categories=("stage",))
    btyd = btyd_params(run)
    return ReportInputs(summ, labels, customer_clv(run), state, snaps, btyd,
                        clv_not_estimated(run, btyd or {}))


def lifecycle_thresholds(run: RunFolder, days: pd.DataFrame) -> dict[str, float]:
    """The lifecycle thresholds notebook 04 used, or learnt here from ``days``.

    Parameters
    ----------
    run : RunFolder
    days : pandas.DataFrame
        :func:`custlib.lifecycle.stages.purchase_days` (used when 04 has not run: the
        thresholds are learnt with notebook 04's parameters).

    Returns
    -------
    dict
        ``active_days``, ``churn_days``, ``new_days``, ``loyal_purchases`` and
        ``risk_factor``.
    """
    def read() -> dict[str, float]:
        return json.loads((run.data / "lifecycle_thresholds.json").read_text(encoding="utf-8"))

    def learn(p: dict[str, Any]) -> dict[str, float]:
        from custlib.lifecycle.stages import LifecycleStager

        st = LifecycleStager(active_days=p["active_days"] or None,
                             churn_days=p["churn_days"] or None,
                             new_days=p["new_days"] or None,
                             loyal_purchases=p["loyal_purchases"] or None,
                             risk_factor=p["risk_factor"],
                             p_alive_risk=p["p_alive_risk"]).fit(days)
        return {"active_days": st.active_days_, "churn_days": st.churn_days_,
                "new_days": st.new_days_, "loyal_purchases": st.loyal_purchases_,
                "risk_factor": st.risk_factor}

    return provide(run, "lifecycle", read, learn)
