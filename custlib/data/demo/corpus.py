"""A variety corpus: small seeded logs of distinct shapes, to run the kit on data it never saw.

The demo business (:mod:`custlib.data.demo`) is one well-behaved shop. Real exports are
not: a wholesale log full of cancellations and anonymous orders, a marketplace where
almost nobody buys twice, a panel of one cohort, a log that starts long after the
business did, a tail of straggler orders, seventy product categories, customers tables
with only some attributes, monthly subscription bills, two currencies in one column,
bases too thin to estimate anything. Each *shape* here is such a log, small (a few
hundred customers, at most about 5,000 lines) and drawn from one seed, with the
parameters an analyst would write for it (their column names mapped by ``columns``).

``docs/corpus.md`` has the table of shapes: what each tests and what the kit should say.
``tests/test_corpus.py`` (``make corpus``) runs the five notebooks on every shape and
checks the run with :func:`custlib.run.invariants.check_run`.

Examples
--------
>>> shape = make_shape("two_customers")
>>> shape.transactions["customer_id"].nunique()
2
>>> sorted(SHAPES)[:3]
['cdnow_panel', 'extreme_price', 'left_censored']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from custlib.data.demo import degenerate, shapes
from custlib.data.demo.shapes import Shape
from custlib.errors import ParameterError, format_list
from custlib.i18n import check_lang

__all__ = ["SHAPES", "ShapeSpec", "make_shape", "write_shape"]


@dataclass(frozen=True)
class ShapeSpec:
    """How to build one shape, and what it is for.

    Attributes
    ----------
    build : callable
        ``build(rng) -> Shape``.
    tests : str
        What about real data the shape tests (a sentence, for ``docs/corpus.md``).
    kit_should : str
        What the kit should do and say on it.
    """

    build: Callable[[np.random.Generator], Shape]
    tests: str
    kit_should: str


#: Every shape of the corpus by name.
SHAPES: dict[str, ShapeSpec] = {
    "wholesale": ShapeSpec(
        shapes.wholesale,
        "UCI-like wholesale export: C-prefixed cancellations, 6 % anonymous orders, "
        "float-looking ids (12346.0), POST/DOT/M/BANK CHARGES lines, month-first dates, "
        "columns mapped (InvoiceNo, CustomerID, ...); the PDF report",
        "net the cancellations, set anonymous lines aside, read 12346.0 as 12346, remove "
        "fee lines; every notebook runs and the cleaning log balances"),
    "marketplace": ShapeSpec(
        shapes.marketplace,
        "Olist-like marketplace: 96 % one-time buyers, several item rows per order, ~9 % "
        "of lines repeated once per unit, price as line amount, hex ids, customers "
        "table with only region and city",
        "warn that the log may repeat a line per unit (rules: {duplicates: false}); "
        "segment and model a base with almost no repeat purchase; chart customers by "
        "region and city and say which attributes are missing"),
    "cdnow_panel": ShapeSpec(
        shapes.cdnow_panel,
        "CDNOW-like panel: one cohort (every first purchase in the first 12 weeks), 18 "
        "months, no order ids or products, YYYYMMDD dates, zero-padded ids",
        "derive orders from customer and date; fit the purchase models on one cohort; "
        "skip customer, survey and context sections in words"),
    "left_censored": ShapeSpec(
        shapes.left_censored,
        "an old business whose log starts mid-life (July), strong December peaks; "
        "demographics-only customers table (age, gender, income), survey with only "
        "satisfaction and recommend, a minimal context giving the currency",
        "take the currency from the context; treat first purchases in the log as first "
        "seen, not as acquisitions; chart demographics only"),
    "sparse_tail": ShapeSpec(
        shapes.sparse_tail,
        "a log that starts on the 20th of a month and effectively ends on one day, then "
        "20 straggler orders over 7 weeks; day-first dates; firmographics-only customers "
        "(industry, company size); survey with satisfaction and complaints only",
        "detect the partial first month and the sparse tail, say so in the cleaning log "
        "and suggest an observation end"),
    "many_categories": ShapeSpec(
        shapes.many_categories,
        "75 product categories; geography-only customers table (country, region, city); "
        "survey with recommend and top need only",
        "keep categorical charts readable: the top categories and an 'other' bucket"),
    "subscription": ShapeSpec(
        shapes.subscription,
        "monthly billing: one row per subscriber per month, always the same amount, "
        "plans as products, amount only, no order ids; the currency from the context",
        "run end to end on perfectly regular purchases (no spread of spend per customer)"),
    "two_currencies": ShapeSpec(
        shapes.two_currencies,
        "pounds and euros in one price column, told apart by a currency column",
        "stop with a message naming the currencies and what to do (split the log or "
        "convert); never add pounds to euros"),
    "one_time_buyers": ShapeSpec(
        degenerate.one_time_buyers,
        "degenerate: every customer buys exactly once",
        "not fit repeat-purchase models on zero repeat purchases; say why in notebook 03 "
        "and the report; write the rest of the report"),
    "two_customers": ShapeSpec(
        degenerate.two_customers,
        "degenerate: two customers only, a dozen orders each",
        "skip clustering and the models that need a base, say why; write the report"),
    "extreme_price": ShapeSpec(
        degenerate.extreme_price,
        "one line priced at 10^12 among ordinary lines",
        "flag the line as extreme and name it beside every figure it dominates (KPIs, "
        "CLV); no non-finite CLV"),
}


def make_shape(name: str, random_state: int = 0) -> Shape:
    """Build one shape of the corpus.

    Parameters
    ----------
    name : str
        A key of :data:`SHAPES`.
    random_state : int, default 0
        Seed of the only random generator used: the same seed gives the same frames.

    Returns
    -------
    Shape

    Raises
    ------
    ParameterError
        An unknown shape.
    """
    if name not in SHAPES:
        raise ParameterError(f"shape {name!r} is unknown; expected one of "
                             f"{format_list(SHAPES, 20)}")
    return SHAPES[name].build(np.random.default_rng(random_state))


def write_shape(name: str, folder: str | Path, lang: str = "en", random_state: int = 0,
                **overrides: Any) -> Path:
    """Write a shape's files and a parameter file for ``custlib run``.

    Parameters
    ----------
    name : str
        A key of :data:`SHAPES`.
    folder : path-like
        Where to write ``transactions.csv``, the optional ``customers.csv``,
        ``survey.csv`` and ``context.yaml``, and ``params.yaml``.
    lang : {'en', 'zh'}, default 'en'
        The run's language; the run is named ``<name>`` (``<name>_zh`` in Chinese).
    random_state : int, default 0
        As for :func:`make_shape`.
    **overrides
        Parameters written over the shape's own (``pdf=True``, ``holdout_share=0.25``).

    Returns
    -------
    pathlib.Path
        The parameter file: ``custlib run --params <it>`` runs the kit on the shape.
        Tables the shape has not are given as ``""``, so no preset is used; the PDF is
        off unless the shape or ``overrides`` ask for it.
    """
    check_lang(lang)
    shape = make_shape(name, random_state)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    params: dict[str, Any] = {"run_name": name if lang == "en" else f"{name}_{lang}",
                              "lang": lang}
    for table in ("transactions", "customers", "survey"):
        frame = getattr(shape, table)
        params[table] = ""
        if frame is not None:
            path = out / f"{table}.csv"
            frame.to_csv(path, index=False, lineterminator="\n")
            params[table] = str(path.resolve())
    params["context"] = ""
    if shape.context is not None:
        path = out / "context.yaml"
        path.write_text(yaml.safe_dump(shape.context, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
        params["context"] = str(path.resolve())
    params.update({"pdf": False, **shape.params, **overrides})
    target = out / "params.yaml"
    header = (f"# corpus shape {name!r} (custlib.data.demo.corpus, seed {random_state}): "
              f"{SHAPES[name].tests}\n")
    target.write_text(header + yaml.safe_dump(params, allow_unicode=True, sort_keys=False,
                                              width=100), encoding="utf-8")
    return target
