"""Invariants of a finished run: what must hold in a run folder whatever the data was.

:func:`check_run` reads a run folder written by ``custlib run`` and returns the problems
it finds, each a sentence naming the file and what is wrong (an empty list when the run
is sound):

* **the books balance**: the cleaning summary's kept + set aside + removed rows equal
  the raw rows, and with the netted revenue the revenue; the files agree with it (the
  clean and anonymous tables, the removed rows) and so does the cleaning log table;
* **customer tables are finite**: no NaN or infinity in a numeric column of the
  customer-level tables of notebooks 02 and 03 (summary, segments, CLV, value); in
  notebook 04's lifecycle table no infinity, and NaN only where it is defined to be
  (no purchase, or a gap of a customer with one purchase day);
* **figures are drawn and readable**: every PNG is an image of some size and not one
  flat colour, the axes of its SVG twin hold something besides the axes themselves, and
  no axis has more than :data:`MAX_AXIS_LABELS` labels;
* **the report reads clean**: the visible text of ``report.html`` (and
  ``report_segments.html``) has no ``nan``, ``None``, ``NaT`` or ``inf``, no raw column
  key of the run's tables (``rfm_segment``, ``p_alive``, ``customer_id``, ...), no table
  without data cells, and no "this run has no survey" beside a survey the run has.

Used by the corpus tests (``make corpus``) on every shape of
:mod:`custlib.data.demo.corpus`.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["check_cleaning", "check_customer_tables", "check_figures", "check_report",
           "check_run"]

#: Customer-level tables of notebooks 02 and 03 whose numbers must all be finite.
FINITE_TABLES = ("customer_summary", "customer_segments", "customer_clv", "customer_value")
#: Lifecycle columns undefined for a customer with no purchase, and gap columns
#: undefined for a customer with one purchase day.
_NO_PURCHASE = ("purchase_days", "revenue", "days_since_last")
_ONE_DAY = ("mean_gap", "previous_gap", "overdue_ratio")
#: Words that say a missing value reached the page.
_MISSING = re.compile(r"(?<![A-Za-z])(nan|NaN|NaT|-?inf|None(?! of))(?![A-Za-z])")
#: SVG ids of matplotlib artists that draw data.
_DATA_ARTIST = re.compile(r"^(line2d|PathCollection|QuadMesh|image|\w*PolyCollection"
                          r"|LineCollection)")
MIN_PNG_BYTES = 2000
#: More labels than this on one axis cannot be read (a category per tick, 70 categories).
MAX_AXIS_LABELS = 30


def check_run(folder: str | Path) -> list[str]:
    """Check a finished run folder against the kit's invariants.

    Parameters
    ----------
    folder : path-like
        ``<reports>/<run name>``, as ``custlib run`` leaves it.

    Returns
    -------
    list of str
        One sentence per problem, naming the file; empty when every invariant holds.
    """
    root = Path(folder)
    if not (root / "manifest.json").is_file():
        return [f"{root}: no manifest.json; not a finished run folder"]
    return [*check_cleaning(root), *check_customer_tables(root), *check_figures(root),
            *check_report(root)]


def _close(a: float, b: float, scale: float, tol: float = 1e-6) -> bool:
    return abs(a - b) <= tol * max(abs(scale), 1.0)


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, encoding="utf-8-sig", low_memory=False)


def check_cleaning(root: Path) -> list[str]:
    """The cleaning summary, its files and the cleaning log reconcile rows and revenue.

    Parameters
    ----------
    root : pathlib.Path
        The run folder.

    Returns
    -------
    list of str
        The problems found.
    """
    path = root / "data" / "cleaning_summary.json"
    if not path.is_file():
        return [f"{path.name}: missing; notebook 01 writes it"]
    s = json.loads(path.read_text(encoding="utf-8"))
    raw_rows, raw_rev = int(s["raw_rows"]), float(s["raw_revenue"])
    problems = []
    rows = s["kept_rows"] + s["set_aside_rows"] + s["removed_rows"]
    if rows != raw_rows:
        problems.append(f"cleaning_summary.json: kept {s['kept_rows']} + set aside "
                        f"{s['set_aside_rows']} + removed {s['removed_rows']} rows = {rows}, "
                        f"not the {raw_rows} raw rows")
    revenue = (s["kept_revenue"] + s["set_aside_revenue"] + s["removed_revenue"]
               + s["adjusted_revenue"])
    if not _close(revenue, raw_rev, raw_rev):
        problems.append(f"cleaning_summary.json: kept + set aside + removed + netted revenue "
                        f"= {revenue:,.2f}, not the raw {raw_rev:,.2f}")
    files = {"transactions_clean.parquet": ("kept_rows", "kept_revenue", "amount"),
             "transactions_anonymous.parquet": ("set_aside_rows", "set_aside_revenue", "amount")}
    for name, (n_key, rev_key, col) in files.items():
        if (root / "data" / name).is_file():
            table = pd.read_parquet(root / "data" / name)
            if len(table) != s[n_key] or not _close(float(table[col].sum()), s[rev_key],
                                                     s[rev_key]):
                problems.append(f"data/{name}: {len(table)} rows, revenue "
                                f"{float(table[col].sum()):,.2f}; the summary says "
                                f"{s[n_key]} rows, {s[rev_key]:,.2f}")
    removed = root / "tables" / "removed_rows.csv"
    if removed.is_file() and len(_read(removed)) != s["removed_rows"]:
        problems.append(f"tables/removed_rows.csv: {len(_read(removed))} rows; the summary "
                        f"says {s['removed_rows']} removed")
    return problems + _check_log(root, s)


def _check_log(root: Path, s: dict) -> list[str]:
    """The cleaning log table agrees with the summary.

    Its last two rows are the kept and the raw totals, and its rules (flagged lines
    aside) account for every row and unit of revenue not kept.
    """
    path = root / "tables" / "cleaning_log.csv"
    if not path.is_file():
        return ["tables/cleaning_log.csv: missing; notebook 01 writes it"]
    log = _read(path)
    rows, revenue = log.iloc[:, 2].astype(float), log.iloc[:, 3].astype(float)
    problems = []
    if int(rows.iloc[-1]) != s["raw_rows"] or not _close(revenue.iloc[-1], s["raw_revenue"],
                                                         s["raw_revenue"], 1e-4):
        problems.append(f"tables/cleaning_log.csv: the last row says {int(rows.iloc[-1])} rows, "
                        f"{revenue.iloc[-1]:,.2f}; the raw input is {s['raw_rows']} rows, "
                        f"{s['raw_revenue']:,.2f}")
    if int(rows.iloc[-2]) != s["kept_rows"]:
        problems.append(f"tables/cleaning_log.csv: the kept row says {int(rows.iloc[-2])} rows;"
                        f" {s['kept_rows']} were kept")
    flagged = log.iloc[:-2, 1].isin(_flag_words())
    out_rows = int(rows.iloc[:-2][~flagged].sum())
    if out_rows != s["raw_rows"] - s["kept_rows"]:
        problems.append(f"tables/cleaning_log.csv: its rules account for {out_rows} rows; "
                        f"raw - kept is {s['raw_rows'] - s['kept_rows']}")
    out_rev = float(revenue.iloc[:-2][~flagged].sum())
    if abs(out_rev - (s["raw_revenue"] - s["kept_revenue"])) > 0.01 * len(log) + 1e-6 * abs(
            s["raw_revenue"]):
        problems.append(f"tables/cleaning_log.csv: its rules account for {out_rev:,.2f} of "
                        f"revenue; raw - kept is {s['raw_revenue'] - s['kept_revenue']:,.2f}")
    return problems


def _flag_words() -> set[str]:
    """The log's word for a flagged (not removed) line, in every language."""
    from custlib.i18n import LANGS, labels

    return {labels("data.cleaning.action", lang).get("flagged", "flagged") for lang in LANGS}


def _bad_numbers(table: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Numeric columns with NaN or infinite values: ``{column: (nan, inf)}``."""
    found = {}
    for name in table.select_dtypes("number").columns:
        values = table[name].to_numpy(dtype=float)
        nan, inf = int(np.isnan(values).sum()), int(np.isinf(values).sum())
        if nan or inf:
            found[str(name)] = (nan, inf)
    return found


def check_customer_tables(root: Path) -> list[str]:
    """No NaN or infinity in customer-level numbers (notebook 04's gaps excepted).

    Parameters
    ----------
    root : pathlib.Path
        The run folder.

    Returns
    -------
    list of str
        The problems found.
    """
    problems = []
    for name in FINITE_TABLES:
        for path in sorted((root / "data").glob(f"{name}.*")):
            if path.suffix not in (".csv", ".parquet"):
                continue
            for col, (nan, inf) in _bad_numbers(_read(path)).items():
                problems.append(f"data/{path.name}: column {col} has {nan} NaN and {inf} "
                                "infinite values")
    path = root / "data" / "customer_lifecycle.parquet"
    if path.is_file():
        life = pd.read_parquet(path)
        bought = life["purchase_days"].notna() if "purchase_days" in life else True
        repeat = life["purchase_days"].gt(1) if "purchase_days" in life else True
        for col, (_, inf) in _bad_numbers(life).items():
            allowed = ~bought if col in _NO_PURCHASE else ~repeat if col in _ONE_DAY else False
            unexplained = int((life[col].isna() & ~allowed).sum())
            if inf or unexplained:
                problems.append(f"data/{path.name}: column {col} has {unexplained} NaN where "
                                f"it is defined and {inf} infinite values")
    return problems + _check_intervals(root)


def _check_intervals(root: Path) -> list[str]:
    """Notebook 03's value ranges hold their estimate and add up to the whole base.

    Every row's ``low <= mid <= high`` (finite), the segments' customers add up to the
    total's, and their estimates to the total estimate.
    """
    path = root / "tables" / "clv_intervals.csv"
    if not path.is_file():
        return []
    table = _read(path)
    problems = []
    values = table[["low", "mid", "high"]].to_numpy(dtype=float)
    bad = ~(np.isfinite(values).all(axis=1) & (values[:, 0] <= values[:, 1])
            & (values[:, 1] <= values[:, 2]))
    if bad.any():
        problems.append(f"tables/clv_intervals.csv: rows {np.flatnonzero(bad).tolist()} do "
                        "not hold low <= mid <= high")
    total, parts = table[table["scope"] == "total"], table[table["scope"] == "segment"]
    if len(total) != 1:
        return [*problems, f"tables/clv_intervals.csv: {len(total)} total rows, expected 1"]
    if len(parts) and (int(parts["customers"].sum()) != int(total["customers"].iloc[0])
                       or not _close(float(parts["mid"].sum()), float(total["mid"].iloc[0]),
                                     float(total["mid"].iloc[0]))):
        problems.append("tables/clv_intervals.csv: the segments' customers or estimates do "
                        "not add up to the total row")
    return problems


def _svg_draws_data(path: Path) -> bool:
    """Whether an SVG made by matplotlib has axes with data in them (or no axes at all)."""
    try:
        tree = ET.parse(path)
    except ET.ParseError:
        return False
    axes = patches = drawn = 0
    stack = [(tree.getroot(), False)]
    while stack:
        element, in_ticks = stack.pop()
        key = element.get("id", "")
        in_ticks = in_ticks or key.startswith(("xtick", "ytick", "legend"))
        if key.startswith("axes_"):
            axes += 1
        elif not in_ticks and key.startswith("patch_") and _filled(element):
            patches += 1
        elif not in_ticks and _DATA_ARTIST.match(key):
            drawn += 1
        stack.extend((child, in_ticks) for child in element)
    # a filled patch beyond the figure's and each axes' background is a bar, a wedge or a box
    return axes == 0 or drawn > 0 or patches > 1 + axes


def _most_axis_labels(path: Path) -> int:
    """The most labelled ticks on one axis of an SVG made by matplotlib."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return 0
    counts = [0]
    for axis in root.iter():
        if not (axis.get("id") or "").startswith("matplotlib.axis"):
            continue
        counts.append(sum(1 for tick in axis
                          if re.match(r"[xy]tick_\d+$", tick.get("id") or "")
                          and any((e.get("id") or "").startswith("text_") for e in tick.iter())))
    return max(counts)


def _filled(group: ET.Element) -> bool:
    """Whether a patch's group draws a filled shape (spines are strokes with no fill)."""
    return any("fill: none" not in (el.get("style") or "fill: none") for el in group.iter()
               if el.tag.endswith("path"))


def check_figures(root: Path) -> list[str]:
    """Every figure is an image with something drawn in it, and its axes can be read.

    Parameters
    ----------
    root : pathlib.Path
        The run folder.

    Returns
    -------
    list of str
        The problems found.
    """
    from PIL import Image, UnidentifiedImageError

    problems = []
    for path in sorted((root / "figures").glob("*.png")):
        size = path.stat().st_size
        if size < MIN_PNG_BYTES:
            problems.append(f"figures/{path.name}: {size} bytes; not a drawn figure")
            continue
        try:
            with Image.open(path) as image:
                pixels = np.asarray(image.convert("L"))
        except (OSError, UnidentifiedImageError):
            problems.append(f"figures/{path.name}: not a readable PNG")
            continue
        if pixels.size == 0 or np.ptp(pixels) == 0:
            problems.append(f"figures/{path.name}: one flat colour; nothing is drawn")
        svg = path.with_suffix(".svg")
        if svg.is_file() and not _svg_draws_data(svg):
            problems.append(f"figures/{path.name}: its axes are empty (no line, bar, point "
                            "or image in the SVG)")
        labels = _most_axis_labels(svg) if svg.is_file() else 0
        if labels > MAX_AXIS_LABELS:
            problems.append(f"figures/{path.name}: {labels} labels on one axis, more than "
                            f"{MAX_AXIS_LABELS} can be read (keep the top ones and an 'other')")
    return problems


class _Visible(HTMLParser):
    """The visible text of a page, and its tables' data cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tables: list[dict[str, int | str]] = []
        self._hidden = 0
        self._open: list[dict[str, int | str]] = []
        self._caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self._hidden += 1
        elif tag == "table":
            self._open.append({"cells": 0, "filled": 0, "caption": ""})
        elif tag == "td" and self._open:
            self._open[-1]["cells"] = int(self._open[-1]["cells"]) + 1
        self._caption = self._caption or tag == "caption"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self._hidden = max(self._hidden - 1, 0)
        elif tag == "table" and self._open:
            self.tables.append(self._open.pop())
        elif tag == "caption":
            self._caption = False

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        self.text.append(data)
        if self._open and self._caption:
            self._open[-1]["caption"] = str(self._open[-1]["caption"]) + data.strip()
        elif self._open and data.strip():
            self._open[-1]["filled"] = int(self._open[-1]["filled"]) + 1


def _raw_keys(root: Path) -> set[str]:
    """Column keys of the run's tables that a reader should never see.

    The snake_case column names of the manifest, less the notebooks' parameter names
    (a hint may name a parameter).
    """
    from custlib.run.params import discover_notebooks, notebook_parameters

    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    keys = {str(c) for entry in manifest.values() if isinstance(entry, dict)
            for c in entry.get("columns", []) if "_" in str(c)}
    keys |= {"rfm_segment", "p_alive", "customer_id"}
    params = {n for nb in discover_notebooks() for n in notebook_parameters(nb)}
    return keys - params


def check_report(root: Path) -> list[str]:
    """The report reads clean: no missing values, raw keys, empty tables or contradictions.

    In the visible text of ``report.html`` and ``report_segments.html``; a contradiction
    is a sentence saying the run has no survey or customers table when it has one.

    Parameters
    ----------
    root : pathlib.Path
        The run folder.

    Returns
    -------
    list of str
        The problems found.
    """
    report = root / "report.html"
    if not report.is_file():
        return ["report.html: missing; notebook 05 writes it"]
    keys = _raw_keys(root)
    problems = []
    for page in (report, root / "report_segments.html"):
        if not page.is_file():
            continue
        parser = _Visible()
        parser.feed(page.read_text(encoding="utf-8"))
        text = re.sub(r"\s+", " ", " ".join(parser.text))
        for word in sorted({m.group(1) for m in _MISSING.finditer(text)}):
            problems.append(f"{page.name}: shows {word!r}: {_around(text, word)}")
        for key in sorted(keys):
            if re.search(rf"(?<![\w.]){re.escape(key)}(?!\w)", text):
                problems.append(f"{page.name}: shows the raw column key {key!r}: "
                                f"{_around(text, key)}")
        for table in parser.tables:
            if not table["cells"] or not table["filled"]:
                problems.append(f"{page.name}: the table {table['caption'] or '(no caption)'!r}"
                                " has no data")
        problems += _contradictions(root, page.name, text)
    return problems


def _around(text: str, word: str, width: int = 50) -> str:
    at = text.find(word)
    return "..." + text[max(at - width, 0):at + len(word) + width] + "..."


def _contradictions(root: Path, page: str, text: str) -> list[str]:
    """Sentences saying the run lacks a table it has."""
    from custlib.report.narrative import skipped

    lang = _run_lang(root)
    problems = []
    for table in ("customers", "survey"):
        path = root / "data" / f"{table}.parquet"
        if not path.is_file() or not len(pd.read_parquet(path)):
            continue
        sentence = re.split(r"[:：,，]", skipped(table, lang).strip("*"))[0]
        if sentence in text:
            problems.append(f"{page}: says {sentence!r}, but the run has a {table} table of "
                            f"{len(pd.read_parquet(path))} rows")
    return problems


def _run_lang(root: Path) -> str:
    """The run's language, from its params.yaml (English when it does not say)."""
    import yaml

    path = root / "params.yaml"
    if not path.is_file():
        return "en"
    params = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    lang = params.get("lang", "en") if isinstance(params, dict) else "en"
    return lang if isinstance(lang, str) and lang else "en"
