"""Real-world dirt, injected into the demo log on purpose, each kind counted.

:class:`Dirt` adds anonymous sales, then numbers invoices, then collects extra lines
(cancellations, unmatched cancellations, returns, fee lines, zero and negative prices,
extreme quantities, impossible dates) and finally inserts exact duplicates. Each method
draws from the one random generator in a fixed order, so the same seed gives the same
log; :attr:`Dirt.counts` says how many lines of each kind were made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from custlib.data.demo.world import product_table

__all__ = ["Dirt"]


def _new_line(base: pd.Series, **changes: Any) -> dict[str, Any]:
    row = base.to_dict()
    row.update(changes)
    return row


class Dirt:
    """The demo log's lines, with dirt added step by step.

    Parameters
    ----------
    rng : numpy.random.Generator
    lines : pandas.DataFrame
        Clean order lines with ``ts``, ``customer_id``, ``StockCode``, ``Quantity``,
        ``Price``, ``Country``, ``Channel``.
    start, end : pandas.Timestamp
        The trading period.
    """

    def __init__(self, rng: np.random.Generator, lines: pd.DataFrame, start: pd.Timestamp,
                 end: pd.Timestamp) -> None:
        self.rng = rng
        self.lines = lines
        self.start, self.end = start, end
        self.counts: dict[str, int] = {}
        self.extra: list[dict[str, Any]] = []
        self.next_invoice = 0
        self.identified = np.array([], dtype="int64")

    def add_anonymous(self) -> None:
        """Store walk-ins with no customer id (2% of lines)."""
        rng, lines = self.rng, self.lines
        n_anon = int(0.02 * len(lines))
        anon = lines.sample(n=n_anon, random_state=rng.integers(1 << 31)).copy()
        anon["customer_id"] = ""
        anon["Channel"] = "store"
        anon["Country"] = "United Kingdom"
        anon["ts"] = anon["ts"] + pd.to_timedelta(rng.integers(1, 240, n_anon), unit="min")
        anon["anon"] = True
        lines["anon"] = False
        self.lines = pd.concat([lines, anon], ignore_index=True)
        self.counts["anonymous"] = n_anon

    def number_invoices(self) -> None:
        """One invoice per (customer, timestamp), in time order, from 500000."""
        lines = self.lines.sort_values(["ts", "customer_id", "StockCode"], kind="stable")
        lines = lines.reset_index(drop=True)
        order_key = lines["customer_id"] + "|" + lines["ts"].astype(str)
        codes, _ = pd.factorize(order_key)
        lines["Invoice"] = (500000 + codes).astype(str)
        self.next_invoice = 500000 + int(codes.max()) + 1
        self.identified = lines.index[~lines["anon"]].to_numpy()
        self.lines = lines

    def _invoice(self, prefix: str = "") -> str:
        number = f"{prefix}{self.next_invoice}"
        self.next_invoice += 1
        return number

    def add_cancellations(self) -> None:
        """C-invoices reversing all or part of an earlier line (1.5% of lines)."""
        rng, lines = self.rng, self.lines
        n_cancel = int(0.015 * len(self.identified))
        for i in rng.choice(self.identified, size=n_cancel, replace=False):
            base = lines.loc[i]
            q = int(base["Quantity"])
            cq = q if (rng.random() < 0.6 or q == 1) else int(rng.integers(1, q))
            ts = base["ts"] + pd.Timedelta(hours=int(rng.integers(1, 24 * 20)))
            if ts > self.end:
                ts = base["ts"] + pd.Timedelta(minutes=30)
            self.extra.append(_new_line(base, Quantity=-cq, ts=ts, Invoice=self._invoice("C")))
        self.counts["cancellations"] = n_cancel

    def add_unmatched_cancellations(self, n_unmatched: int = 12) -> None:
        """Cancellations of orders from before the data starts (they match nothing)."""
        rng, lines = self.rng, self.lines
        for i in rng.choice(self.identified, size=n_unmatched, replace=False):
            base = lines.loc[i]
            other = "GD05" if base["StockCode"] != "GD05" else "OF04"
            prod = product_table().set_index("StockCode").loc[other]
            self.extra.append(_new_line(
                base, StockCode=other, Description=prod["Description"],
                Category=prod["Category"], Price=prod["Price"], Quantity=-1,
                ts=self.start + pd.Timedelta(days=int(rng.integers(0, 20)), hours=10),
                Invoice=self._invoice("C")))
        self.counts["unmatched_cancellations"] = n_unmatched

    def add_returns(self) -> None:
        """Negative lines on ordinary invoices (0.5% of lines)."""
        rng, lines = self.rng, self.lines
        n_returns = int(0.005 * len(self.identified))
        for i in rng.choice(self.identified, size=n_returns, replace=False):
            base = lines.loc[i]
            q = int(base["Quantity"])
            ts = base["ts"] + pd.Timedelta(days=int(rng.integers(3, 30)))
            if ts > self.end:
                ts = base["ts"] + pd.Timedelta(hours=2)
            self.extra.append(_new_line(
                base, Quantity=-(q if rng.random() < 0.7 else max(1, q // 2)), ts=ts,
                Invoice=self._invoice()))
        self.counts["returns"] = n_returns

    def _fee_lines(self, code: str, desc: str, count: int,
                   price: float | Callable[[], float], pool: np.ndarray) -> None:
        for i in self.rng.choice(pool, size=count, replace=False):
            base = self.lines.loc[i]
            p = float(price()) if callable(price) else float(price)
            self.extra.append(_new_line(base, StockCode=code, Description=desc, Category="",
                                        Price=p, Quantity=1))
        self.counts[f"non_product_{code}"] = count

    def add_fees(self) -> None:
        """Non-product lines on existing invoices: postage, manual, bank charges, fees."""
        rng, lines, identified = self.rng, self.lines, self.identified
        intl = identified[lines.loc[identified, "Country"].ne("United Kingdom").to_numpy()]
        web = identified[lines.loc[identified, "Channel"].eq("web").to_numpy()]
        self._fee_lines("POST", "POSTAGE", int(0.08 * len(intl)),
                        lambda: float(rng.choice([15.0, 18.0, 40.0])), intl)
        self._fee_lines("DOT", "DOTCOM POSTAGE", min(len(web), 120),
                        lambda: round(rng.uniform(3, 9), 2), web)
        self._fee_lines("M", "Manual", 15, lambda: round(rng.uniform(1, 60), 2), identified)
        self._fee_lines("BANK CHARGES", "Bank Charges", 8, 15.0, identified)
        self._fee_lines("FEE", "Payment processing fee", 10, 2.5, identified)

    def add_bad_prices(self) -> None:
        """Free samples (price 0) and bad-debt adjustments (negative prices)."""
        rng, lines = self.rng, self.lines
        for i in rng.choice(self.identified, size=15, replace=False):
            self.extra.append(_new_line(
                lines.loc[i], Price=0.0,
                Description=lines.loc[i, "Description"] + " (FREE SAMPLE)"))
        self.counts["zero_prices"] = 15
        for i in rng.choice(self.identified, size=3, replace=False):
            self.extra.append(_new_line(
                lines.loc[i], StockCode="ADJUST", Description="Adjust bad debt", Category="",
                Price=-round(float(rng.uniform(50, 500)), 2), Quantity=1))
        self.counts["negative_prices"] = 3

    def add_extreme_quantities(self) -> None:
        """Typos: 1,000 to 5,000 units of a cheap product."""
        rng, lines, identified = self.rng, self.lines, self.identified
        cheap = identified[lines.loc[identified, "Price"].lt(10).to_numpy()]
        for i in rng.choice(cheap, size=4, replace=False):
            self.extra.append(_new_line(lines.loc[i],
                                        Quantity=int(rng.choice([1000, 2000, 5000])),
                                        Invoice=self._invoice()))
        self.counts["extreme_quantities"] = 4

    def add_impossible_dates(self) -> None:
        """Lines dated 1970-01-01 (an "empty" date) and in 2099."""
        when = ["1970-01-01 00:00"] * 3 + ["2099-12-31 00:00", "2099-01-01 00:00",
                                           "2099-06-15 12:00"]
        for i, day in zip(self.rng.choice(self.identified, size=6, replace=False), when):
            self.extra.append(_new_line(self.lines.loc[i], ts=pd.Timestamp(day),
                                        Invoice=self._invoice()))
        self.counts["impossible_dates"] = 6

    def merge_extra(self) -> None:
        """Put the extra lines among the others, in time order."""
        lines = pd.concat([self.lines, pd.DataFrame(self.extra)], ignore_index=True)
        self.lines = lines.sort_values(["ts", "Invoice", "StockCode"],
                                       kind="stable").reset_index(drop=True)
        self.extra = []

    def add_duplicates(self) -> None:
        """Exact duplicates (0.5% of lines), each right after its original."""
        lines = self.lines
        n_dup = int(0.005 * len(lines))
        dup_idx = np.sort(self.rng.choice(len(lines), size=n_dup, replace=False))
        order = np.concatenate([np.arange(len(lines)), dup_idx])
        position = np.concatenate([np.arange(len(lines)) * 2.0, dup_idx * 2.0 + 1])
        self.lines = lines.iloc[order[np.argsort(position, kind="stable")]] \
            .reset_index(drop=True)
        self.counts["duplicates"] = n_dup
