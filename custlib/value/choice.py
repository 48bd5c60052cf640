"""Which purchase model to use: holdout errors and the comparison of the three models.

A model that fits the past can still forecast badly, so the models are fitted on a
calibration period and scored on the holdout period after it (:func:`holdout_errors`,
:func:`calibration_vs_holdout`); :class:`ModelComparison` fits BG/NBD, Pareto/NBD and
MBG/NBD side by side and chooses one by a stated rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from custlib.data.contract import require_columns
from custlib.errors import CustlibError, check_choice
from custlib.i18n import t
from custlib.value.fitting import require_fitted
from custlib.value.purchase import MODELS, BTYDModel

__all__ = ["ModelComparison", "calibration_vs_holdout", "compare_models", "holdout_errors",
           "rule_scores"]


def holdout_errors(model: BTYDModel, cal_holdout: pd.DataFrame) -> dict[str, float]:
    """How well a model fitted on the calibration period predicts the holdout period.

    Parameters
    ----------
    model : BTYDModel
        Fitted on the calibration columns of ``cal_holdout``.
    cal_holdout : pandas.DataFrame
        From :func:`calibration_holdout`.

    Returns
    -------
    dict
        ``actual`` and ``predicted`` total holdout repeat purchases, ``error_pct`` (total
        predicted minus actual, in % of actual), per-customer ``mae`` and ``rmse``.
    """
    require_columns(cal_holdout, ["frequency_holdout", "duration_holdout"], "holdout_errors")
    pred = model.expected_purchases(cal_holdout, cal_holdout["duration_holdout"].to_numpy())
    actual = cal_holdout["frequency_holdout"].to_numpy(dtype=float)
    diff = pred.to_numpy() - actual
    total = float(actual.sum())
    return {"actual": total, "predicted": float(pred.sum()),
            "error_pct": float(100 * diff.sum() / total) if total else float("nan"),
            "mae": float(np.abs(diff).mean()), "rmse": float(np.sqrt((diff ** 2).mean()))}


def calibration_vs_holdout(model: BTYDModel, cal_holdout: pd.DataFrame, *,
                           max_frequency: int = 7) -> pd.DataFrame:
    """Mean actual and predicted holdout purchases by calibration frequency.

    The classic check of Fader, Hardie & Lee (2005, figure 3): customers are grouped by
    their repeat purchases in the calibration period (the last group is "that many or
    more"); a good model's predictions follow the actual means across the groups.

    Returns
    -------
    pandas.DataFrame
        Index ``frequency_calibration``; columns ``customers``, ``actual``, ``predicted``.
    """
    require_columns(cal_holdout, ["frequency_holdout", "duration_holdout"],
                    "calibration_vs_holdout")
    pred = model.expected_purchases(cal_holdout, cal_holdout["duration_holdout"].to_numpy())
    group = np.minimum(cal_holdout["frequency"].to_numpy(dtype=int), max_frequency)
    frame = pd.DataFrame({"frequency_calibration": group,
                          "actual": cal_holdout["frequency_holdout"].to_numpy(dtype=float),
                          "predicted": pred.to_numpy()})
    g = frame.groupby("frequency_calibration")
    return pd.DataFrame({"customers": g.size(), "actual": g["actual"].mean(),
                         "predicted": g["predicted"].mean()})


class ModelComparison(BaseEstimator):
    """BG/NBD, Pareto/NBD and MBG/NBD fitted on one calibration period and compared.

    Parameters
    ----------
    models : sequence of str, default all three
    rule : {'holdout_balanced', 'holdout_mae', 'bic', 'aic', 'holdout_error'}
        Default 'holdout_balanced'. How the model used downstream is chosen.
        ``holdout_balanced``: among the models whose per-customer mean absolute error (MAE)
        in the holdout period is within :attr:`MAE_TOLERANCE` (5 %) of the best, the one
        closest on the total holdout purchases. Per-customer MAE alone is dominated by the
        many customers who buy nothing in the holdout, so on a base of mostly one-time
        buyers it can prefer a model that misses the total by 40 % over one that is as good
        per customer and 20 points closer on the total, and the total is what CLV figures
        add up. ``holdout_mae``: the lowest MAE; ``bic`` / ``aic``: the lowest BIC or AIC
        (fit penalised for parameters, no holdout needed); ``holdout_error``: the smallest
        absolute error of the total.
    choice : str, default 'auto'
        A model key overrides the rule.
    penalizer : float, default 0.0
    random_state : int, default 0
        Seed of every model's alternative starting points.
    max_seconds : float, default 60
        Wall-time limit of each model's fit (see :class:`BTYDModel`).
    max_iterations : int, default 2000

    Attributes
    ----------
    models_ : dict of str to BTYDModel
        The models that were fitted; a model stopped at ``max_seconds`` is kept with
        ``converged`` False in ``table_`` and its reason in ``stopped_``.
    table_ : pandas.DataFrame
        One row per model: parameters, log-likelihood, AIC, BIC, holdout errors, chosen.
    selected_ : str
    ranked_first_ : str
        The model the rule ranks first (``selected_`` unless ``choice`` overrides it).
    score_ : float
        Its score under the rule.
    reason_ : str
        Why it was chosen, in a sentence (in English; :meth:`reason` in other languages).
    failed_ : dict of str to str
        Models that did not converge, with the reason.
    stopped_ : dict of str to str
        Models stopped early at the time limit, with the reason.
    """

    RULES = ("holdout_balanced", "holdout_mae", "bic", "aic", "holdout_error")
    #: relative MAE margin within which ``holdout_balanced`` compares holdout totals
    MAE_TOLERANCE = 0.05

    def __init__(self, models: tuple[str, ...] = ("bgnbd", "pareto", "mbgnbd"),
                 rule: str = "holdout_balanced", choice: str = "auto", penalizer: float = 0.0,
                 random_state: int = 0, max_seconds: float = 60.0,
                 max_iterations: int = 2000) -> None:
        self.models = models
        self.rule = rule
        self.choice = choice
        self.penalizer = penalizer
        self.random_state = random_state
        self.max_seconds = max_seconds
        self.max_iterations = max_iterations

    def fit(self, cal_holdout: pd.DataFrame, y: object = None) -> ModelComparison:
        """Fit every model on the calibration columns and score it on the holdout.

        Parameters
        ----------
        cal_holdout : pandas.DataFrame
            From :func:`custlib.value.split.calibration_holdout`.
        y : ignored

        Returns
        -------
        ModelComparison
            self

        Raises
        ------
        CustlibError
            No model converged, or the model asked for by ``choice`` did not.
        """
        check_choice("rule", self.rule, self.RULES)
        check_choice("model", self.choice, ("auto",) + tuple(MODELS))
        for m in self.models:
            check_choice("models", m, tuple(MODELS))
        self.models_: dict[str, BTYDModel] = {}
        self.failed_: dict[str, str] = {}
        self.stopped_: dict[str, str] = {}
        rows = []
        for key in self.models:
            try:
                fitted = BTYDModel(key, penalizer=self.penalizer,
                                   random_state=self.random_state,
                                   max_seconds=self.max_seconds,
                                   max_iterations=self.max_iterations).fit(cal_holdout)
            except CustlibError as exc:
                self.failed_[key] = str(exc).splitlines()[0]
                continue
            self.models_[key] = fitted
            if not fitted.converged_:
                self.stopped_[key] = fitted.stop_reason_
            rows.append({"key": key, **_scores(fitted, cal_holdout)})
        if not rows:
            raise CustlibError("no model converged: " + "; ".join(
                f"{k}: {v}" for k, v in self.failed_.items()))
        table = pd.DataFrame(rows).set_index("key")
        score = rule_scores(table, self.rule, tolerance=self.MAE_TOLERANCE)
        self.ranked_first_ = str(score.idxmin())
        self.score_ = float(score[self.ranked_first_])
        if self.choice != "auto" and self.choice not in self.models_:
            raise CustlibError(f"model {self.choice!r} was asked for but did not "
                               f"converge: {self.failed_.get(self.choice, 'not fitted')}")
        self.selected_ = self.ranked_first_ if self.choice == "auto" else self.choice
        table["chosen"] = table.index == self.selected_
        self.table_ = table
        self.reason_ = self.reason("en")
        return self

    def reason(self, lang: str = "en") -> str:
        """Why the model was chosen, in a sentence in ``lang``.

        Parameters
        ----------
        lang : {'en', 'zh'}

        Returns
        -------
        str
        """
        require_fitted(self, "selected_")
        chosen, first = MODELS[self.selected_][2], MODELS[self.ranked_first_][2]
        if self.choice != "auto":
            return t("value.choice.forced", lang, model=chosen, rule=self.rule, best=first)
        if self.rule == "holdout_balanced":
            row = self.table_.loc[self.selected_]
            if np.isfinite(self.score_) and pd.notna(row["holdout_error_pct"]) \
                    and self.selected_ == self.ranked_first_:
                return t("value.choice.balanced", lang, model=chosen,
                         error=f"{row['holdout_error_pct']:+.1f}%",
                         tolerance=f"{100 * self.MAE_TOLERANCE:.0f}%",
                         mae=f"{row['holdout_mae']:.4g}")
            return t("value.choice.by_rule", lang, model=chosen,
                     what=t("value.choice.rule.holdout_mae", lang), score=f"{self.score_:.4g}")
        return t("value.choice.by_rule", lang, model=chosen,
                 what=t(f"value.choice.rule.{self.rule}", lang), score=f"{self.score_:.4g}")

    @property
    def best_(self) -> BTYDModel:
        """The chosen model."""
        require_fitted(self, "selected_")
        return self.models_[self.selected_]


def rule_scores(table: pd.DataFrame, rule: str = "holdout_balanced", *,
                tolerance: float = 0.05) -> pd.Series:
    """Each model's score under a selection rule: the lowest is chosen (ties: the first).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per model with ``holdout_mae``, ``holdout_error_pct``, ``aic``, ``bic``
        (:attr:`ModelComparison.table_`).
    rule : str, default 'holdout_balanced'
        See :class:`ModelComparison`.
    tolerance : float, default 0.05
        For ``holdout_balanced``: the relative margin over the best MAE within which models
        are compared on the absolute total error; the others score ``inf``. Without any holdout
        purchase (every total error undefined) the MAE decides.

    Returns
    -------
    pandas.Series
        Scores by model.

    Examples
    --------
    >>> t = pd.DataFrame({"holdout_mae": [0.1090, 0.1119], "holdout_error_pct": [-42.0, -24.0],
    ...                   "aic": [1.0, 2.0], "bic": [1.0, 2.0]}, index=["pareto", "bgnbd"])
    >>> rule_scores(t, "holdout_balanced").idxmin(), rule_scores(t, "holdout_mae").idxmin()
    ('bgnbd', 'pareto')
    """
    check_choice("rule", rule, ModelComparison.RULES)
    if rule == "holdout_balanced":
        mae, err = table["holdout_mae"], table["holdout_error_pct"].abs()
        if err.isna().all():
            return mae
        close = mae <= mae.min() * (1 + tolerance) + 1e-12
        return err.where(close & err.notna(), np.inf)
    return {"holdout_mae": table["holdout_mae"], "bic": table["bic"],
            "aic": table["aic"], "holdout_error": table["holdout_error_pct"].abs()}[rule]


def _scores(fitted: BTYDModel, cal_holdout: pd.DataFrame) -> dict[str, Any]:
    """One row of :attr:`ModelComparison.table_`: the fit and its holdout errors."""
    err = holdout_errors(fitted, cal_holdout)
    return {"model": fitted.name,
            "parameters": ", ".join(f"{k} {v:.3f}" for k, v in fitted.params_.items()),
            "log_likelihood": fitted.log_likelihood_, "aic": fitted.aic_,
            "bic": fitted.bic_, "holdout_actual": err["actual"],
            "holdout_predicted": err["predicted"],
            "holdout_error_pct": err["error_pct"], "holdout_mae": err["mae"],
            "holdout_rmse": err["rmse"],
            "attempts": len(fitted.attempts_),
            "converged": fitted.converged_}


def compare_models(cal_holdout: pd.DataFrame, **kwargs: Any) -> ModelComparison:
    """Shortcut for ``ModelComparison(**kwargs).fit(cal_holdout)``."""
    return ModelComparison(**kwargs).fit(cal_holdout)
