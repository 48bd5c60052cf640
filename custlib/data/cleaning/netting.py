"""Cancellations and returns, netted against the lines they reverse.

A negative line (a cancellation if its order id starts with ``cancel_prefix``, else a
return) is matched to positive lines of the same customer and product (same customer and
unit price when there is no product id) dated at or before it, most recent first (LIFO:
what is returned is usually what was bought last), possibly across several lines. A line
reversed in full leaves the clean table; a line reversed in part stays with a smaller
quantity, and the revenue taken off it is listed as an adjustment. What is left of the
negative lines reverses nothing in the data (orders from before it starts):
:class:`UnmatchedCancellations` removes it, or keeps it as negative revenue.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from custlib.data.cleaning.result import Note
from custlib.data.cleaning.rules import CleaningContext, Rule, RuleOutcome

__all__ = ["Cancellations", "UnmatchedCancellations", "net", "netted"]


def net(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Match negative lines to earlier positive lines; return matched quantity per row.

    Parameters
    ----------
    df : pandas.DataFrame
        Typed lines with ``customer_id``, ``order_date``, ``quantity`` and ``product_id``
        (else ``unit_price``), in a default index.

    Returns
    -------
    matched : ndarray of float
        Units of each row consumed by netting (positive numbers, for both sides).
    negative : ndarray of bool
        Rows that are negative lines.
    """
    n = len(df)
    matched = np.zeros(n)
    qty = df["quantity"].to_numpy(dtype="float64")
    neg = qty < 0
    if not neg.any():
        return matched, neg
    key_cols = ["customer_id", "product_id" if "product_id" in df.columns else "unit_price"]
    codes = _key_codes(df, key_cols)
    neg_codes = np.unique(codes[neg])
    pos = (qty > 0) & np.isin(codes, neg_codes)
    times = df["order_date"].to_numpy(dtype="datetime64[ns]").astype("int64")
    # positive lines per key, sorted by time (ties by position)
    pos_idx = np.flatnonzero(pos)
    order = np.lexsort((pos_idx, times[pos_idx], codes[pos_idx]))
    pos_idx = pos_idx[order]
    pos_codes = codes[pos_idx]
    splits = np.flatnonzero(np.diff(pos_codes)) + 1
    groups = {int(pos_codes[g[0]]): g for g in np.split(np.arange(len(pos_idx)), splits)
              if len(g)}
    remaining = qty.copy()
    neg_idx = np.flatnonzero(neg)
    neg_idx = neg_idx[np.lexsort((neg_idx, times[neg_idx]))]
    for i in neg_idx:
        g = groups.get(int(codes[i]))
        if g is None:
            continue
        rows = pos_idx[g]
        # most recent positive line at or before the cancellation
        k = bisect.bisect_right(times[rows].tolist(), times[i]) - 1
        need = -remaining[i]
        while need > 0 and k >= 0:
            j = rows[k]
            take = min(need, remaining[j])
            if take > 0:
                remaining[j] -= take
                need -= take
                matched[j] += take
                matched[i] += take
            k -= 1
        remaining[i] = -need
    return matched, neg


def _key_codes(df: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One integer per distinct combination of ``columns`` (as text; missing is a value).

    Each column factorised on its own and the codes combined arithmetically: the same
    groups as factorising tuples of the values, without a Python tuple per line.
    """
    codes = np.zeros(len(df), dtype=np.int64)
    for col in columns:
        c, uniques = pd.factorize(df[col].astype(str), use_na_sentinel=False)
        codes = codes * (len(uniques) + 1) + c
    return codes


def netted(df: pd.DataFrame, cancel_prefix: str) -> tuple[np.ndarray, ...]:
    """:func:`net`, and what it means for each line.

    Parameters
    ----------
    df : pandas.DataFrame
        As for :func:`net`, with ``order_id`` and ``unit_price``.
    cancel_prefix : str

    Returns
    -------
    tuple of ndarray
        ``matched``, ``negative``, ``is_cancel`` (negative lines whose order id starts with
        the prefix), ``full`` and ``partial`` (lines reversed wholly or in part), ``sign``
        (-1 for negative lines) and ``delta_rev``: the revenue netting removes from each
        line (a positive line loses matched x price; a negative line "loses" -matched x
        price, it was negative revenue).
    """
    matched, neg = net(df)
    is_cancel = neg & df["order_id"].fillna("").str.startswith(cancel_prefix).to_numpy() \
        if cancel_prefix else np.zeros(len(df), bool)
    full = (matched > 0) & np.isclose(matched, np.abs(df["quantity"].to_numpy()))
    partial = (matched > 0) & ~full
    sign = np.where(neg, -1.0, 1.0)
    delta_rev = matched * df["unit_price"].to_numpy() * sign
    return matched, neg, is_cancel, full, partial, sign, delta_rev


@dataclass(frozen=True)
class Cancellations(Rule):
    """Negative lines netted against the lines they reverse (see the module docstring).

    Parameters
    ----------
    cancel_prefix : str, default 'C'
        Order ids starting with it are cancellations; other negative lines are returns.
    """

    name: ClassVar[str] = "cancellations"
    action: ClassVar[str] = "netted"
    cancel_prefix: str = "C"

    def apply(self, frame: pd.DataFrame, context: CleaningContext) -> RuleOutcome:
        """Net; remove lines reversed in full, shrink lines reversed in part."""
        df = frame.reset_index(drop=True)
        matched, neg, is_cancel, full, partial, sign, delta_rev = netted(df, self.cancel_prefix)
        qty = df["quantity"].to_numpy()
        netted_rev = float(df.loc[full, "amount"].sum()) + float(delta_rev[partial].sum())
        removed = df[full].assign(
            rule=self.name, revenue=df.loc[full, "amount"],
            reason=np.where(neg[full], "negative line fully netted",
                            "line fully reversed by a later cancellation or return"))
        note = Note("data.cleaning.note.cancellations", {
            "cancellations": f"{int((neg & is_cancel).sum()):,}",
            "returns": f"{int((neg & ~is_cancel).sum()):,}",
            "full": f"{int(full.sum()):,}", "partial": f"{int(partial.sum()):,}"})
        adjustments = None
        if partial.any():
            adjustments = pd.DataFrame({
                "source_row": df.loc[partial, "source_row"].to_numpy(),
                "rule": self.name,
                "quantity_removed": matched[partial] * sign[partial],
                "revenue": delta_rev[partial],
            })
        df["quantity"] = qty - matched * sign
        df["amount"] = np.where(partial, df["amount"].to_numpy() - delta_rev,
                                df["amount"].to_numpy())
        return RuleOutcome(df[~full], [self.row(int(full.sum()), netted_rev, note)],
                           removed=[removed], adjustments=adjustments)

    def switched_off(self, frame: pd.DataFrame, context: CleaningContext) -> RuleOutcome:
        """Negative lines stay as they are."""
        return RuleOutcome(frame, [self.row(0, 0.0, Note("data.cleaning.note.cancellations_off"),
                                            "off")])


@dataclass(frozen=True)
class UnmatchedCancellations(Rule):
    """Negative lines (or what is left of them) that reverse nothing in the data.

    Switched with ``cancellations``; runs after it.

    Parameters
    ----------
    keep : bool, default False
        Keep them as negative revenue instead of removing them.
    """

    name: ClassVar[str] = "cancellations_unmatched"
    keep: bool = False

    @property
    def switch(self) -> str:
        """Part of the ``cancellations`` rule."""
        return "cancellations"

    def apply(self, frame: pd.DataFrame, context: CleaningContext) -> RuleOutcome:
        """Remove (or keep and count) the negative lines left after netting."""
        left = frame["quantity"] < 0
        if self.keep:
            note = Note("data.cleaning.note.unmatched_kept", {"n": f"{int(left.sum()):,}"})
            return RuleOutcome(frame, [self.row(0, 0.0, note, "kept")])
        return self.remove(frame, left, "reverses no earlier line in the data",
                           Note("data.cleaning.note.unmatched_removed"))

    def switched_off(self, frame: pd.DataFrame, context: CleaningContext) -> RuleOutcome:
        """Nothing to say: the ``cancellations`` row says the rule is off."""
        return RuleOutcome(frame, [])
