"""The edges of a log: a sparse tail after the real end, partial first and last months.

Real exports rarely end cleanly. A marketplace log can effectively end on one day and
then hold a few straggler orders (late payments, test orders, a migration) over several
more weeks. Taking the last straggler as the end of observation makes every customer look
weeks older: P(alive), lifecycle stages and KPIs all move. :func:`sparse_tail` finds such
a tail; :func:`partial_months` says whether the first and last calendar months are only
partly observed, so that cohort tables and month-on-month figures do not compare a few
days with a whole month. :func:`detect_edges` does both.

The tail rule, on purchases per day (distinct orders, else customer-days): among the
days ``D`` after which at most ``max_share`` (5 %) of the lines remain, spread over at
least ``min_days`` (14) days, take the day that best splits the recent volume from the
tail (the two-rate Poisson change point, with the ``window_days`` (91) days up to ``D``
as the usual level); it is a sparse tail when the tail's rate is at most
``max_rate_ratio`` (20 %) of the usual rate and so few purchases in so many days would
happen by chance with probability below ``1e-6`` at the usual rate.

Examples
--------
>>> import pandas as pd
>>> days = pd.date_range("2024-01-01", "2024-06-30").repeat(20)
>>> late = pd.to_datetime(["2024-07-20", "2024-08-10", "2024-08-30"])
>>> tail = sparse_tail(pd.DataFrame({"order_date": days.append(late)}))
>>> f"{tail.end:%Y-%m-%d}", tail.lines, tail.days
('2024-06-30', 3, 61)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from custlib.i18n import t

if TYPE_CHECKING:
    from custlib.data.cleaning.result import CleaningResult

__all__ = ["PARTIAL_DAYS", "PARTIAL_MONTH_DAYS", "Edges", "PartialPeriod", "SparseTail",
           "cleaning_edges", "detect_edges", "edges_text", "partial_months", "partial_periods",
           "sparse_tail", "tail_from_counts"]

#: A month missing at least this many days of observation is partial.
PARTIAL_MONTH_DAYS: int = 3


@dataclass(frozen=True)
class SparseTail:
    """A sparse tail after the day a log effectively ends.

    Attributes
    ----------
    end : pandas.Timestamp
        The last day of usual volume: the suggested ``observation_end``.
    last_date : pandas.Timestamp
        The day of the last line.
    lines, share : int, float
        Lines after ``end``, and their share of the log's lines.
    days : int
        Days from ``end`` to the last line.
    rate, usual_rate : float
        Purchases per day after ``end``, and in the ``window_days`` up to it.
    """

    end: pd.Timestamp
    last_date: pd.Timestamp
    lines: int
    share: float
    days: int
    rate: float
    usual_rate: float

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None) -> SparseTail | None:
        """The tail from its plain values (the cleaning settings), None from None."""
        if not values:
            return None
        return cls(end=pd.Timestamp(values["end"]), last_date=pd.Timestamp(values["last_date"]),
                   lines=int(values["lines"]), share=float(values["share"]),
                   days=int(values["days"]), rate=float(values["rate"]),
                   usual_rate=float(values["usual_rate"]))

    def fields(self) -> dict[str, str]:
        """The tail as formatted message fields (``end``, ``lines``, ``share``, ...)."""
        return {"end": f"{self.end:%Y-%m-%d}", "last": f"{self.last_date:%Y-%m-%d}",
                "lines": f"{self.lines:,}", "share": f"{self.share:.2%}",
                "days": f"{self.days:,}", "rate": f"{self.rate:.2g}",
                "usual": f"{self.usual_rate:,.1f}"}


@dataclass(frozen=True)
class PartialPeriod:
    """A calendar period (month, quarter, week) observed only in part.

    Attributes
    ----------
    start : pandas.Timestamp
        The period's first day.
    first, last : pandas.Timestamp
        The first and last observed day in the period.
    missing : int
        Days of the period outside the observation.
    days : int
        Days in the period.
    freq : str
        ``M``, ``Q`` or ``W``.
    """

    start: pd.Timestamp
    first: pd.Timestamp
    last: pd.Timestamp
    missing: int
    days: int
    freq: str = "M"

    @property
    def label(self) -> str:
        """The period as people write it: ``2024-03``, ``2024Q1``, ``2024-03-11/2024-03-17``."""
        return str(self.start.to_period(self.freq))

    def fields(self) -> dict[str, str]:
        """The period as formatted message fields (``month``, ``first``, ``last``, ...)."""
        return {"month": self.label, "first": f"{self.first:%Y-%m-%d}",
                "last": f"{self.last:%Y-%m-%d}", "missing": str(self.missing),
                "days": str(self.days)}


@dataclass(frozen=True)
class Edges:
    """What :func:`detect_edges` found.

    Attributes
    ----------
    first_date, last_date : pandas.Timestamp
        The observed span (the tail included).
    tail : SparseTail or None
    first_month, last_month : PartialPeriod or None
        Partial months of the span that would be analysed (up to the tail's ``end`` when
        there is a tail).
    """

    first_date: pd.Timestamp
    last_date: pd.Timestamp
    tail: SparseTail | None
    first_month: PartialPeriod | None
    last_month: PartialPeriod | None

    def describe(self, lang: str = "en", *, applied: bool = False) -> list[str]:
        """Sentences for people: the tail (suggested or applied) and the partial months.

        Parameters
        ----------
        lang : {'en', 'zh'}
        applied : bool, default False
            The tail was set aside (``observation_end: auto``), not only found.

        Returns
        -------
        list of str
            Empty when the edges are clean.
        """
        out = []
        if self.tail is not None:
            key = "tail_applied" if applied else "tail_found"
            out.append(t(f"data.edges.{key}", lang, **self.tail.fields()))
        for which, month in (("first", self.first_month), ("last", self.last_month)):
            if month is not None:
                out.append(t(f"data.edges.partial_{which}", lang, **month.fields()))
        return out


def _purchases_per_day(tx: pd.DataFrame) -> pd.Series:
    """Distinct orders (else customer-days, else lines) per calendar day, zeros filled."""
    day = pd.to_datetime(tx["order_date"]).dt.normalize()
    key = next((tx[c] for c in ("order_id", "customer_id") if c in tx.columns), None)
    if key is None:
        counts = day.value_counts()
    else:
        codes, _ = pd.factorize(key)
        blank = codes < 0  # a line without an id: a purchase of its own
        codes = np.where(blank, -1 - np.arange(len(codes)), codes)
        pairs = pd.DataFrame({"day": day.to_numpy(), "key": codes}).drop_duplicates()
        counts = pairs["day"].value_counts()
    full = pd.date_range(counts.index.min(), counts.index.max(), freq="D")
    return counts.reindex(full, fill_value=0).astype(float)


def sparse_tail(tx: pd.DataFrame, *, max_share: float = 0.05, min_days: int = 14,
                max_rate_ratio: float = 0.2, window_days: int = 91,
                alpha: float = 1e-6) -> SparseTail | None:
    """The sparse tail of a log, if it has one (see the module's rule).

    Parameters
    ----------
    tx : pandas.DataFrame
        Lines with ``order_date`` (``order_id`` or ``customer_id`` to count purchases).
    max_share : float, default 0.05
        At most this share of the lines in the tail.
    min_days : int, default 14
        The tail spans at least this many days.
    max_rate_ratio : float, default 0.2
        The tail's purchases per day, at most this share of the usual rate.
    window_days : int, default 91
        Days up to the candidate end whose volume is the usual rate.
    alpha : float, default 1e-6
        So few purchases over the tail's days must be this unlikely at the usual rate.

    Returns
    -------
    SparseTail or None
    """
    dates = pd.to_datetime(tx["order_date"]).dropna()
    if dates.empty:
        return None
    lines_per_day = dates.dt.normalize().value_counts().sort_index()
    per_day = _purchases_per_day(tx.loc[dates.index])
    return tail_from_counts(lines_per_day, per_day, max_share=max_share, min_days=min_days,
                            max_rate_ratio=max_rate_ratio, window_days=window_days,
                            alpha=alpha)


def tail_from_counts(lines_per_day: pd.Series, per_day: pd.Series, *, max_share: float = 0.05,
                     min_days: int = 14, max_rate_ratio: float = 0.2, window_days: int = 91,
                     alpha: float = 1e-6) -> SparseTail | None:
    """:func:`sparse_tail` from counts per day (an engine that counts them elsewhere).

    Parameters
    ----------
    lines_per_day : pandas.Series
        Lines per calendar day (days with lines only), indexed by day, sorted.
    per_day : pandas.Series
        Purchases per calendar day (distinct orders, a line without an order id counting
        as one), indexed by day; days without purchases may be missing.
    max_share, min_days, max_rate_ratio, window_days, alpha
        As for :func:`sparse_tail`.

    Returns
    -------
    SparseTail or None
    """
    if lines_per_day.empty:
        return None
    full = pd.date_range(per_day.index.min(), per_day.index.max(), freq="D")
    per_day = per_day.reindex(full, fill_value=0).astype(float)
    last = per_day.index[-1]
    n_lines = int(lines_per_day.sum())
    after = n_lines - lines_per_day.cumsum()  # lines after each day with lines
    candidates = after[(after <= max_share * n_lines) & (after > 0)
                       & ((last - after.index).days >= min_days)]
    if candidates.empty:
        return None
    cum = np.concatenate([[0.0], per_day.cumsum().to_numpy()])  # cum[i]: days before i
    pos = per_day.index.get_indexer(candidates.index)
    total = cum[-1]
    # the change point over one stretch of data: from window_days before the first
    # candidate to the last day, split after each candidate
    lo = max(int(pos.min()) - window_days + 1, 0)
    k1, n1 = cum[pos + 1] - cum[lo], (pos + 1 - lo).astype(float)
    k2, n2 = total - cum[pos + 1], (len(per_day) - 1 - pos).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = (np.where(k1 > 0, k1 * np.log(k1 / n1), 0.0)
              + np.where(k2 > 0, k2 * np.log(k2 / n2), 0.0))
    drop = (k2 / n2) < (k1 / n1)
    if not drop.any():
        return None
    best = int(np.argmax(np.where(drop, ll, -np.inf)))
    at = int(pos[best])
    recent = max(at - window_days + 1, 0)
    usual = float((cum[at + 1] - cum[recent]) / (at + 1 - recent))  # the days up to the end
    rate = float(k2[best] / n2[best])
    chance = float(stats.poisson.cdf(k2[best], usual * n2[best]))
    if rate > max_rate_ratio * usual or chance >= alpha:
        return None
    end = candidates.index[best]
    lines = int(candidates.iloc[best])
    return SparseTail(end=end, last_date=last, lines=lines, share=lines / n_lines,
                      days=int((last - end).days), rate=rate, usual_rate=usual)


#: Per period length (pandas frequency), the days missing that make a period partial.
PARTIAL_DAYS: dict[str, int] = {"M": PARTIAL_MONTH_DAYS, "Q": 9, "W": 1}


def _period(first: pd.Timestamp, last: pd.Timestamp, which: str, freq: str,
            min_missing: int) -> PartialPeriod | None:
    period = (first if which == "first" else last).to_period(freq)
    start = period.start_time.normalize()
    stop = period.end_time.normalize()
    days = int((stop - start).days) + 1
    lo, hi = max(first, start), min(last, stop)
    missing = days - int((hi - lo).days) - 1
    if missing < min_missing:
        return None
    return PartialPeriod(start=start, first=lo, last=hi, missing=missing, days=days,
                         freq=freq)


def partial_periods(start: str | pd.Timestamp, end: str | pd.Timestamp, freq: str = "M", *,
                    min_missing: int | None = None
                    ) -> tuple[PartialPeriod | None, PartialPeriod | None]:
    """The first and last calendar periods of ``[start, end]`` that are observed in part.

    Parameters
    ----------
    start, end : str or pandas.Timestamp
        The first and last observed days (times are dropped).
    freq : {'M', 'Q', 'W'}, default 'M'
        Months, quarters or weeks.
    min_missing : int, optional
        A period missing fewer days is whole enough; default :data:`PARTIAL_DAYS`
        (3 days of a month, 9 of a quarter, 1 of a week).

    Returns
    -------
    first, last : PartialPeriod or None
        None for a period observed (nearly) whole.

    Examples
    --------
    >>> first, last = partial_periods("2023-03-18", "2024-06-30")
    >>> first.missing, last is None
    (17, True)
    >>> partial_periods("2023-01-01", "2024-06-30", "Q")
    (None, None)
    """
    first, last = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    need = PARTIAL_DAYS.get(freq, PARTIAL_MONTH_DAYS) if min_missing is None else min_missing
    return (_period(first, last, "first", freq, need),
            _period(first, last, "last", freq, need))


def partial_months(start: str | pd.Timestamp, end: str | pd.Timestamp, *,
                   min_missing: int = PARTIAL_MONTH_DAYS
                   ) -> tuple[PartialPeriod | None, PartialPeriod | None]:
    """The first and last calendar months observed in part (:func:`partial_periods`).

    Parameters
    ----------
    start, end : str or pandas.Timestamp
    min_missing : int, default :data:`PARTIAL_MONTH_DAYS`

    Returns
    -------
    first, last : PartialPeriod or None
    """
    return partial_periods(start, end, "M", min_missing=min_missing)


def detect_edges(tx: pd.DataFrame, *, observation_start: str | pd.Timestamp | None = None,
                 observation_end: str | pd.Timestamp | None = None,
                 **tail_options: float) -> Edges:
    """The sparse tail and the partial first and last months of a log.

    Parameters
    ----------
    tx : pandas.DataFrame
        Lines with ``order_date``.
    observation_start, observation_end : str or pandas.Timestamp, optional
        The window, when given; else the first and last lines (before the tail).
    **tail_options
        Passed to :func:`sparse_tail`.

    Returns
    -------
    Edges
    """
    dates = pd.to_datetime(tx["order_date"]).dropna()
    first, last = dates.min().normalize(), dates.max().normalize()
    tail = sparse_tail(tx, **tail_options)  # type: ignore[arg-type]
    start = pd.Timestamp(observation_start) if observation_start else first
    end = (pd.Timestamp(observation_end) if observation_end else
           tail.end if tail is not None else last)
    first_month, last_month = partial_months(start, end)
    return Edges(first_date=first, last_date=last, tail=tail, first_month=first_month,
                 last_month=last_month)


def cleaning_edges(result: CleaningResult) -> tuple[Edges, bool]:
    """The edges a cleaning found: the sparse tail the window rule saw, partial months.

    Parameters
    ----------
    result : CleaningResult

    Returns
    -------
    edges : Edges
        Partial months of the span analysed: the first clean order to the observation end
        used (the window's end, the end ``auto`` chose, else the last clean order).
    applied : bool
        The tail was removed (``observation_end: auto``).
    """
    settings = result.settings
    tail = SparseTail.from_dict(settings.get("sparse_tail"))
    from custlib.data.cleaning.result import date_span  # the rules import this module

    first, last = (d.normalize() for d in date_span(result.transactions))
    end = pd.Timestamp(settings.get("observation_end") or last)
    first_month, last_month = partial_months(first, end)
    applied = bool(settings.get("observation_end_auto")) and tail is not None
    return Edges(first_date=first, last_date=tail.last_date if tail else last, tail=tail,
                 first_month=first_month, last_month=last_month), applied


def edges_text(edges: Edges, lang: str = "en", *, applied: bool = False) -> str:
    """What the edges mean, as Markdown bullets (one sentence when they are clean).

    Parameters
    ----------
    edges : Edges
    lang : {'en', 'zh'}
    applied : bool, default False
        The tail was removed (``observation_end: auto``).

    Returns
    -------
    str
    """
    said = edges.describe(lang, applied=applied)
    if not said:
        return t("data.edges.clean", lang)
    return "\n".join(f"* {line}" for line in said)
