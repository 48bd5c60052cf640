"""Can the purchase and spend models be estimated on this customer base? Checked before fitting.

The buy-till-you-die models learn how often customers come back, and when they leave, from
the customers who came back: a customer with one purchase day says only that they have not
returned yet. The Gamma-Gamma spend model is fitted on repeat buyers only (Fader & Hardie
2013). On a log where (almost) every customer bought once, the maximum-likelihood fit still
returns numbers (``r`` near 0, a drop-out rate anywhere), and those numbers would be CLV
figures nobody could defend. :func:`purchase_models` says, before any fit, whether there are
enough repeat buyers, and in words why not and what data would allow it.

The threshold, :data:`MIN_REPEAT_BUYERS` = 10, is a floor, not a target: the purchase models
have four parameters and the spend model three; with fewer than ten repeat buyers the spread
of buying rates (and of spends) across customers rests on a handful of people and the fits
stop converging or land on a boundary. Neither lifetimes, CLVTools nor pymc-marketing sets a
number (they fit whatever they are given); the holdout comparison of notebook 03 then says
how far to trust a fit that passes the floor.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from custlib.data.contract import require_columns
from custlib.errors import ParameterError
from custlib.i18n import check_lang, t

if TYPE_CHECKING:
    from custlib.value.spend import GammaGammaModel

__all__ = ["MIN_REPEAT_BUYERS", "Estimability", "purchase_models", "spend_model"]

#: Fewest repeat buyers (customers with a purchase on a second day) the models are fitted on.
MIN_REPEAT_BUYERS = 10


@dataclass(frozen=True)
class Estimability:
    """Whether notebook 03's models can be estimated, and why not.

    Attributes
    ----------
    ok : bool
        Enough repeat buyers in every period the models are fitted on.
    customers : int
        Customers of the period that decided (the first that failed, else the whole log).
    repeat_buyers : int
        Of them, customers with at least one repeat purchase (``frequency`` > 0).
    minimum : int
        The floor applied.
    period : {'calibration', 'whole'}
        Which period decided: the calibration period or the whole log.
    calibration_end : str
        Last day of the calibration period ('' when not known).
    cause : {'repeat_buyers', 'spend_tail'}
        What failed: too few repeat buyers, or a spend model whose mean spend is infinite
        (:class:`custlib.value.spend.SpendTailError`).
    q, largest, median
        With ``spend_tail``: the fitted q, the three largest average spends (customer id,
        amount) and the median one.
    """

    ok: bool
    customers: int
    repeat_buyers: int
    minimum: int
    period: str
    calibration_end: str = ""
    cause: str = "repeat_buyers"
    q: float = 0.0
    largest: tuple[tuple[str, float], ...] = ()
    median: float = 0.0

    def reason(self, lang: str = "en") -> str:
        """Why the models are not estimated and what data would allow them ('' when ok).

        Parameters
        ----------
        lang : {'en', 'zh'}

        Returns
        -------
        str
            Markdown: the counts, the floor, what is not computed and what data would allow it.
        """
        check_lang(lang)
        if self.ok:
            return ""
        if self.cause == "spend_tail":
            return t("value.feasibility.spend_tail", lang, q=f"{self.q:.3f}",
                     repeat=f"{self.repeat_buyers:,}", median=f"{self.median:,.2f}",
                     largest=t("value.feasibility.separator", lang).join(
                         f"{c} ({m:,.0f})" for c, m in self.largest))
        share = self.repeat_buyers / self.customers if self.customers else 0.0
        return t("value.feasibility.not_estimated", lang, repeat=f"{self.repeat_buyers:,}",
                 customers=f"{self.customers:,}", share=f"{share:.1%}", period=self._period(lang),
                 minimum=self.minimum)

    def summary(self, lang: str = "en") -> str:
        """The counts in one sentence, whether or not they are enough.

        Parameters
        ----------
        lang : {'en', 'zh'}

        Returns
        -------
        str
        """
        if not self.ok:
            return self.reason(lang)
        share = self.repeat_buyers / self.customers if self.customers else 0.0
        return t("value.feasibility.ok", lang, repeat=f"{self.repeat_buyers:,}",
                 customers=f"{self.customers:,}", share=f"{share:.1%}",
                 period=self._period(lang), minimum=self.minimum)

    def _period(self, lang: str) -> str:
        if self.period == "calibration":
            return t("value.feasibility.period.calibration", lang, date=self.calibration_end)
        return t("value.feasibility.period.whole", lang)

    def lifecycle_note(self, lang: str = "en") -> str:
        """What notebook 04 does without P(alive) and CLV, and why ('' when ok).

        Parameters
        ----------
        lang : {'en', 'zh'}

        Returns
        -------
        str
            Markdown, in italics.
        """
        check_lang(lang)
        if self.ok:
            return ""
        if self.cause == "spend_tail":
            return t("value.feasibility.lifecycle_spend", lang)
        return t("value.feasibility.lifecycle", lang, repeat=f"{self.repeat_buyers:,}",
                 customers=f"{self.customers:,}", minimum=self.minimum)

    def to_dict(self) -> dict[str, Any]:
        """The record saved in ``btyd_params.json`` under ``not_estimated``."""
        return asdict(self)

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Estimability:
        """Rebuild from :meth:`to_dict`'s record.

        Parameters
        ----------
        record : dict

        Returns
        -------
        Estimability
        """
        fields = {k: record[k] for k in ("ok", "customers", "repeat_buyers", "minimum", "period",
                                         "calibration_end", "cause", "q", "median")
                  if k in record}
        largest = tuple((str(c), float(m)) for c, m in record.get("largest", ()))
        return cls(**fields, largest=largest)


def _count(summary: pd.DataFrame, name: str) -> tuple[int, int]:
    require_columns(summary, ["frequency"], f"purchase_models ({name})")
    return int(len(summary)), int((summary["frequency"] > 0).sum())


def purchase_models(full: pd.DataFrame, calibration: pd.DataFrame | None = None, *,
                    calibration_end: str = "",
                    min_repeat_buyers: int = MIN_REPEAT_BUYERS) -> Estimability:
    """Check, before fitting, that both periods have enough repeat buyers.

    The models are compared on the calibration period and refitted on the whole log; the
    Gamma-Gamma model is fitted on the whole log's repeat buyers. Each needs at least
    ``min_repeat_buyers`` of them. Notebook 03 checks the whole log first (before it
    splits it: a log of one day cannot be split), then the calibration period.

    Parameters
    ----------
    full : pandas.DataFrame
        The whole log's summary (``frequency`` per customer), from
        :func:`custlib.value.split.model_summary`.
    calibration : pandas.DataFrame, optional
        The calibration summary, from :func:`custlib.value.split.calibration_holdout`;
        None checks the whole log only.
    calibration_end : str, default ''
        Named in the reason when the calibration period decides.
    min_repeat_buyers : int, default MIN_REPEAT_BUYERS

    Returns
    -------
    Estimability
        ``ok`` False names the period that has too few repeat buyers: the whole log when
        it has, else the calibration period.

    Examples
    --------
    >>> once = pd.DataFrame({"frequency": [0.0] * 5 + [2.0]})
    >>> purchase_models(once).repeat_buyers
    1
    """
    if isinstance(min_repeat_buyers, bool) or not (isinstance(min_repeat_buyers, int)
                                                   and min_repeat_buyers >= 1):
        raise ParameterError(f"min_repeat_buyers is {min_repeat_buyers!r}; expected a whole "
                             "number of customers, 1 or more")
    n_full, rep_full = _count(full, "whole log")
    n_cal, rep_cal = _count(calibration, "calibration") if calibration is not None else (0, 0)
    if calibration is not None and rep_full >= min_repeat_buyers and rep_cal < min_repeat_buyers:
        return Estimability(False, n_cal, rep_cal, min_repeat_buyers, "calibration",
                            str(calibration_end))
    return Estimability(rep_full >= min_repeat_buyers, n_full, rep_full, min_repeat_buyers,
                        "whole", str(calibration_end))


def spend_model(full: pd.DataFrame, checked: Estimability) -> tuple[GammaGammaModel | None,
                                                                   Estimability]:
    """Fit the Gamma-Gamma spend model, or say why its fit cannot value customers.

    Parameters
    ----------
    full : pandas.DataFrame
        The whole log's summary (``frequency``, ``monetary_value``).
    checked : Estimability
        :func:`purchase_models`'s result (passed on when the fit is usable).

    Returns
    -------
    (GammaGammaModel or None, Estimability)
        The fitted model and ``checked``; or None and a failed check with cause
        ``spend_tail`` when the spends have no finite mean (q <= 1), usually a mistyped
        price: then CLV is not estimated and the reason names the largest spenders.
    """
    from custlib.value.spend import GammaGammaModel, SpendTailError

    try:
        return GammaGammaModel().fit(full), checked
    except SpendTailError as exc:
        return None, replace(checked, ok=False, cause="spend_tail", q=exc.q,
                             repeat_buyers=exc.repeat_buyers, largest=tuple(exc.largest),
                             median=exc.median)
