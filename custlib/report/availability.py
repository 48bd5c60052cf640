"""What data this run has: computed once, read by every section of the report.

A section that skips a part says why, and two sections must never disagree about it. A
run once printed "this run has no survey" in section 4 (its survey had no needs question,
so the needs ranking came back empty and the note blamed the whole survey) while section
5 showed that survey's NPS. Every such decision now goes through one :class:`RunData`:
whether a part is drawn (:meth:`RunData.has`) and, when it is not, the note saying why
(:meth:`RunData.skipped`), precise about what is missing: the table, or one question of
it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from custlib.data.engines.table import LineTable, filled_columns
from custlib.errors import ParameterError
from custlib.i18n import check_lang, labels, t

__all__ = ["PARTS", "RunData"]

#: The report's optional parts: the table each needs and, within it, the columns (any
#: one of them, with at least one answer).
PARTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "customers": ("customers", ()),
    "survey": ("survey", ()),
    "needs": ("survey", ("top_need",)),
    "nps": ("survey", ("recommend",)),
    "attitudes": ("survey", ("satisfaction", "repurchase_intention", "complaint")),
    "satisfaction": ("survey", ("satisfaction",)),
    "context": ("context", ()),
    "competitors": ("context", ("competitors",)),
    "customer_clv": ("customer_clv", ()),
    "categories": ("transactions", ("category",)),
    "channels": ("transactions", ("channel",)),
}


def _filled(frame: pd.DataFrame | LineTable | None) -> frozenset[str]:
    if frame is None:
        return frozenset()
    return filled_columns(frame)


@dataclass(frozen=True)
class RunData:
    """Which tables this run has, and which of their columns hold answers.

    Build it with :meth:`of`; the fields hold, per table (``transactions``,
    ``customers``, ``survey``, ``context``, ``customer_clv``), the columns (or context
    keys) with at least one value, or None when the run has no such table.
    """

    tables: dict[str, frozenset[str] | None] = field(default_factory=dict)

    @classmethod
    def of(cls, *, transactions: pd.DataFrame | LineTable | None = None,
           customers: pd.DataFrame | None = None, survey: pd.DataFrame | None = None,
           business: dict[str, Any] | None = None,
           clv: pd.DataFrame | None = None) -> RunData:
        """What the run has, from its tables.

        Parameters
        ----------
        transactions, customers, survey, clv : pandas.DataFrame, optional
            The clean tables (None, or an empty survey, when the run has none); the
            transactions may be lines on disk
            (:class:`~custlib.data.engines.saved.SavedLines`), asked in one pass.
        business : dict, optional
            The business-context file (:func:`custlib.data.loading.load_context`).

        Examples
        --------
        >>> have = RunData.of(survey=pd.DataFrame({"recommend": [9, 3]}))
        >>> have.has("survey"), have.has("nps"), have.has("needs")
        (True, True, False)
        """
        return cls({
            "transactions": _filled(transactions) if transactions is not None else None,
            "customers": _filled(customers) if customers is not None else None,
            "survey": _filled(survey) if survey is not None and len(survey) else None,
            "context": (frozenset(k for k, v in business.items() if v)
                        if business else None),
            "customer_clv": _filled(clv) if clv is not None else None,
        })

    def has(self, part: str) -> bool:
        """Whether the run has what ``part`` (a key of :data:`PARTS`) needs."""
        table, columns = self._part(part)
        present = self.tables.get(table)
        return present is not None and (not columns or any(c in present for c in columns))

    def skipped(self, part: str, lang: str = "en") -> str:
        """The note for a part the run cannot show, in italics ('' when it can).

        No table: "This run has no survey". The table without the columns: "The survey has
        no answers to the needs question (top_need)"; never a note that contradicts a
        section showing that table.

        Examples
        --------
        >>> have = RunData.of(survey=pd.DataFrame({"recommend": [9, 3]}))
        >>> print(have.skipped("needs"))
        *The survey has no answers to the needs question (top_need): this part is skipped.*
        >>> print(RunData.of().skipped("nps"))
        *This run has no survey: this section is skipped.*
        """
        check_lang(lang)
        if self.has(part):
            return ""
        table, columns = self._part(part)
        if self.tables.get(table) is None:
            name = labels("report.narrative.skipped_table", lang).get(table, table)
            return t("report.narrative.skipped", lang, table=name)
        name = labels("report.narrative.skipped_table", lang).get(table, table)
        what = labels("report.narrative.skipped_part", lang).get(part, part)
        return t("report.narrative.skipped_columns", lang, table=name, part=what,
                 columns=", ".join(columns))

    def _part(self, part: str) -> tuple[str, tuple[str, ...]]:
        if part not in PARTS:
            raise ParameterError(f"RunData: unknown part {part!r}; expected one of "
                                 f"{sorted(PARTS)}")
        return PARTS[part]
