"""The cleaning rules as SQL over a typed staged log (table ``t``), in the pipeline's order.

Each function does what its rule in :mod:`custlib.data.cleaning` does and writes the same
row of the log; :class:`_Books` keeps the log and takes lines out (``_out`` names the rule).
Netting runs the pipeline's own :func:`~custlib.data.cleaning.netting.netted` on the
customers with a negative line, a batch of customers at a time.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from custlib.data.cleaning.netting import netted
from custlib.data.cleaning.pipeline import PipelineRun, _result
from custlib.data.cleaning.result import CleaningResult, LogRow, Note, OrElse
from custlib.data.cleaning.rules import (
    Decided,
    Rule,
    Window,
    _tail_dict,
    duplicates_note,
    tail_note,
)
from custlib.data.cleaning.settings import CleaningSettings
from custlib.data.engines.lines import StagedLines
from custlib.data.engines.staging import _as_raw, _q
from custlib.data.engines.workspace import arrow_batches, checkpoint
from custlib.data.parsing import ParseOptions
from custlib.data.parsing.options import ParseInfo
from custlib.data.window import SparseTail, tail_from_counts

__all__: list[str] = []


#: Customers whose lines are netted together in one pandas batch.
NETTING_BATCH_LINES: int = 2_000_000


class _Books:
    """The log and the tables of a run of the rules in DuckDB (table ``t``)."""

    def __init__(self, con: Any, columns: list[str], dtypes: dict[str, Any]) -> None:
        self.con = con
        self.columns = columns  # typed columns, source_row last
        self.dtypes = dtypes
        self.log: list[LogRow] = []
        self.removed_rules: list[str] = []
        self.decided: dict[str, Any] = {}
        self.adjustments: list[pd.DataFrame] = []
        self.reasons: dict[str, str] = {}  # each removing rule's reason, as SQL of a line

    def sql(self, query: str, *args: Any) -> Any:
        result = self.con.execute(query, *args)
        if query.startswith("UPDATE"):  # its values are held in memory until a checkpoint
            checkpoint(self.con)
        return result

    def count(self, where: str) -> int:
        return int(self.sql(f"SELECT count(*) FROM t WHERE _out IS NULL AND ({where})"
                            ).fetchall()[0][0])

    def amounts(self, where: str, column: str = "amount") -> pd.Series:
        """A column of the lines still in that match ``where``, in file order."""
        arr = self.sql(f"SELECT {column} AS x FROM t WHERE _out IS NULL AND ({where}) "
                       "ORDER BY _ord").fetchnumpy()["x"]
        return pd.Series(np.asarray(arr, dtype="float64"))

    def remove(self, rule: Rule, where: str, reason_sql: str, note: Note) -> None:
        """Take the lines out; one row of the log.

        Only ``_out`` is written: each line's reason (``reason_sql``, of columns no later
        rule changes) is computed when the removed lines are read (:func:`_finish`). An
        update of a second text column tripled the update's time (100M lines: 6.5 against
        17-30 s to take out 1M lines).
        """
        revenue = float(self.amounts(where).fillna(0.0).sum())
        rows = self.count(where)
        self.sql(f"UPDATE t SET _out = ? WHERE _out IS NULL AND ({where})", [rule.name])
        self.reasons[rule.name] = reason_sql
        self.removed_rules.append(rule.name)
        self.log.append(rule.row(rows, revenue, note))

    def frame(self, where: str, columns: Sequence[str], reason: str = "") -> pd.DataFrame:
        """Lines as a pandas frame in the pandas pipeline's dtypes, in file order.

        ``reason``: SQL of a line, its value as the column ``_reason``.
        """
        cols = ", ".join(_q(c) for c in columns) + (f", {reason} AS _reason" if reason else "")
        table = _fetch_arrow(self.con, f"SELECT {cols} FROM t WHERE {where} ORDER BY _ord")
        return self.to_frame(table)

    def to_frame(self, table: Any) -> pd.DataFrame:
        """An Arrow table of lines as a pandas frame in the pandas pipeline's dtypes."""
        df = table.to_pandas(self_destruct=True, split_blocks=True)  # one copy at a time
        del table
        for c in df.columns:
            if c in self.dtypes:
                df[c] = _as_raw(df[c], self.dtypes[c])
        return df


def _fetch_arrow(con: Any, sql: str) -> Any:
    """The result of ``sql`` as an Arrow table, streamed out of DuckDB in batches.

    A result fetched whole is first collected inside DuckDB, within its memory limit, and a
    big log's clean lines do not fit there (10M lines in 1 GB: out of memory); streamed,
    DuckDB holds one batch at a time (the sort behind ``ORDER BY`` spills to disk).
    """
    import pyarrow as pa

    rel = con.sql(sql)
    reader = arrow_batches(rel, _FETCH_ROWS)
    return pa.Table.from_batches(list(reader), schema=reader.schema)


#: rows per batch streamed out of DuckDB
_FETCH_ROWS = 100_000


def _run_rules(books: _Books, settings: CleaningSettings, infos: dict[str, ParseInfo],
               drop_invalid: bool) -> None:
    off = settings.switched_off()
    for rule in settings.rules():
        if rule.switch in off:
            _switched_off(books, rule)
            continue
        _APPLY[rule.name](books, rule, infos)


def _switched_off(books: _Books, rule: Rule) -> None:
    if rule.name == "missing_customer":
        books.log.append(rule.row(0, 0.0, Note("data.cleaning.note.missing_customer_off"),
                                  "off"))
        return
    if rule.name == "cancellations":
        books.log.append(rule.row(0, 0.0, Note("data.cleaning.note.cancellations_off"),
                                  "off"))
        return
    if rule.name == "cancellations_unmatched":  # the cancellations row says it is off
        return
    if rule.name == "extremes":
        books.sql("ALTER TABLE t ADD COLUMN is_extreme BOOLEAN DEFAULT false")
        books.sql("ALTER TABLE t ADD COLUMN extreme_reason VARCHAR DEFAULT ''")
    books.log.append(rule.row(0, 0.0, Note("data.cleaning.note.off"), "off"))


def _parse_types(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    decided = Decided(tuple(infos.values()))
    bad = books.count("_failed IS NOT NULL")
    if not bad:
        books.log.append(rule.row(0, 0.0, Note("data.cleaning.note.parse_ok",
                                               {"decided": decided})))
        return
    failures = books.failures  # type: ignore[attr-defined]
    columns = ", ".join(c for c in failures if books.count(f"{_q(c)} IS NULL"))
    books.remove(rule, "_failed IS NOT NULL", "'unparsable ' || _failed",
                 Note("data.cleaning.note.parse_failed", {"columns": columns,
                                                          "decided": decided}))


def _duplicates(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    cols = ", ".join(_q(c) for c in books.columns if c != "source_row")
    # lines whose hash repeats, then the exact comparison among those only
    books.sql(f"CREATE OR REPLACE TEMP TABLE repeats AS SELECT hash({cols}) AS h FROM t "
              "WHERE _out IS NULL GROUP BY h HAVING count(*) > 1")
    books.sql("CREATE OR REPLACE TEMP TABLE dup AS SELECT _ord FROM ("
              f"SELECT _ord, row_number() OVER (PARTITION BY {cols} "
              "ORDER BY _ord) AS k FROM t WHERE _out IS NULL AND hash("
              f"{cols}) IN (SELECT h FROM repeats)) WHERE k > 1")
    n_dup = int(books.sql("SELECT count(*) FROM dup").fetchall()[0][0])
    note = duplicates_note(n_dup, books.count("true"), stacklevel=6)
    books.remove(rule, "_ord IN (SELECT _ord FROM dup)",
                 "'exact duplicate of an earlier line'", note)


def _impossible_dates(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    lo, hi = rule.min_date, rule.max_date  # type: ignore[attr-defined]
    where = f"order_date < TIMESTAMP '{lo}' OR order_date >= TIMESTAMP '{hi}'"
    books.remove(rule, where, "'date ' || strftime(order_date, '%Y-%m-%d')",
                 Note("data.cleaning.note.impossible_dates", {"min_date": f"{lo:%Y-%m-%d}"}))


def _tail(books: _Books, where: str) -> SparseTail | None:
    """:func:`custlib.data.window.sparse_tail` of the lines still in that match ``where``."""
    base = f"_out IS NULL AND order_date IS NOT NULL AND ({where})"
    lines = books.sql(f"SELECT date_trunc('day', order_date) AS d, count(*) AS n FROM t "
                      f"WHERE {base} GROUP BY d ORDER BY d").df()
    if lines.empty:
        return None
    purchases = books.sql(
        "SELECT d, count(DISTINCT order_id) + count(*) FILTER (WHERE order_id IS NULL) AS n "
        f"FROM (SELECT date_trunc('day', order_date) AS d, order_id FROM t WHERE {base}) "
        "GROUP BY d ORDER BY d").df()
    lines_per_day = pd.Series(lines["n"].to_numpy(), index=pd.DatetimeIndex(lines["d"]))
    per_day = pd.Series(purchases["n"].to_numpy(), index=pd.DatetimeIndex(purchases["d"]))
    return tail_from_counts(lines_per_day, per_day)


def _window(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    assert isinstance(rule, Window)
    start, end = rule.start, rule.end
    start_sql = "true" if start is None else f"order_date >= TIMESTAMP '{start}'"
    found = _tail(books, start_sql)
    decided: dict[str, Any] = {"sparse_tail": _tail_dict(found)}
    if rule.auto:
        end = found.end if found is not None else None
        decided |= {"observation_end": f"{end:%Y-%m-%d}" if end is not None else "",
                    "observation_end_auto": True}
    outside, late = [], "false"
    if start is not None:
        outside.append(f"order_date < TIMESTAMP '{start}'")
    if end is not None:
        stop = end + pd.Timedelta(days=1) if end == end.normalize() else end
        late = f"order_date >= TIMESTAMP '{stop}'"
        outside.append(late)
    where = " OR ".join(outside) or "false"
    reason = "'outside the observation window'"
    if rule.auto and end is not None:
        reason = (f"CASE WHEN {late} THEN 'sparse tail after {end:%Y-%m-%d} "
                  "(observation_end: auto)' ELSE 'outside the observation window' END")
    left = found if end is None else _tail(books, f"NOT coalesce({where}, false)")
    tail = tail_note(left, found, auto=rule.auto, stacklevel=6)
    if start is None and end is None:
        books.log.append(rule.row(0, 0.0, Note("data.cleaning.note.window_unset",
                                               {"tail": tail})))
    elif rule.auto and found is not None:
        books.remove(rule, where, reason, Note(
            "data.cleaning.note.window_auto",
            {"span": lambda lang: rule._span(lang, end), **found.fields()}))
    else:
        books.remove(rule, where, reason, Note(
            "data.cleaning.note.window", {"span": lambda lang: rule._span(lang, end),
                                          "tail": tail}))
    books.decided.update(decided)


def _non_product(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    codes = sorted({str(c).strip() for c in rule.codes})  # type: ignore[attr-defined]
    if "product_id" not in books.columns or not codes:
        key = ("data.cleaning.note.no_product_column" if "product_id" not in books.columns
               else "data.cleaning.note.no_codes")
        books.log.append(rule.row(0, 0.0, Note(key)))
        return
    books.con.register("_codes", pd.DataFrame({"code": codes}))
    where = "coalesce(product_id, '') IN (SELECT code FROM _codes)"
    found = books.sql(f"SELECT DISTINCT product_id FROM t WHERE _out IS NULL AND ({where})"
                      ).df()["product_id"].tolist()
    codes_found = OrElse(", ".join(sorted(found)), "data.cleaning.note.none_found")
    books.remove(rule, where, "'code ' || product_id",
                 Note("data.cleaning.note.non_product", {"codes": codes_found}))
    books.con.unregister("_codes")


def _invalid_prices(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    books.remove(rule, "unit_price <= 0 OR quantity = 0", "'unit price' ",
                 Note("data.cleaning.note.invalid_prices"))


def _missing_customer(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    where = "customer_id IS NULL"
    revenue = float(books.amounts(where).sum())
    rows = books.count(where)
    books.sql(f"UPDATE t SET _out = '_anonymous' WHERE _out IS NULL AND {where}")
    books.log.append(rule.row(rows, revenue, Note("data.cleaning.note.missing_customer")))


def _cancellations(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    """Net, customers with a negative line a batch at a time, with the pipeline's ``net``."""
    prefix = rule.cancel_prefix  # type: ignore[attr-defined]
    key = "product_id" if "product_id" in books.columns else "unit_price"
    books.sql("CREATE OR REPLACE TEMP TABLE netted_customers AS "
              "SELECT customer_id, sum(n) OVER (ORDER BY first_row) AS upto FROM ("
              "SELECT customer_id, min(_ord) AS first_row, count(*) AS n FROM t "
              "WHERE _out IS NULL AND customer_id IN (SELECT DISTINCT customer_id FROM t "
              "WHERE _out IS NULL AND quantity < 0) GROUP BY customer_id)")
    null_negative = books.count("customer_id IS NULL AND quantity < 0") > 0
    n_cancel = n_return = n_full = n_partial = 0
    netted_rev = 0.0
    removed_rows: list[pd.DataFrame] = []
    # what each batch changes, written to the table once at the end: a batch's customers
    # are netted on their own lines only, and an UPDATE of every line (and the checkpoint
    # after it) per batch cost half an hour at 100M lines
    updates: list[pd.DataFrame] = []
    gone_ords: list[np.ndarray] = []
    batches = books.sql("SELECT coalesce(max(upto), 0) FROM netted_customers").fetchall()[0][0]
    n_batches = int(batches // NETTING_BATCH_LINES) + 1
    for df in _netting_frames(books, n_batches, null_negative):
        if df.empty:
            continue
        order = df.pop("_ord").to_numpy()
        matched, neg, is_cancel, full, partial, sign, delta_rev = netted(df, prefix)
        qty = df["quantity"].to_numpy()
        n_cancel += int((neg & is_cancel).sum())
        n_return += int((neg & ~is_cancel).sum())
        n_full += int(full.sum())
        n_partial += int(partial.sum())
        netted_rev += float(df.loc[full, "amount"].sum()) + float(delta_rev[partial].sum())
        removed_rows.append(df[full].assign(
            rule=rule.name, revenue=df.loc[full, "amount"],
            reason=np.where(neg[full], "negative line fully netted",
                            "line fully reversed by a later cancellation or return"),
            _ord=order[full]))
        if partial.any():
            books.adjustments.append(pd.DataFrame({
                "source_row": df.loc[partial, "source_row"].to_numpy(), "rule": rule.name,
                "quantity_removed": matched[partial] * sign[partial],
                "revenue": delta_rev[partial], "_ord": order[partial]}))
        updates.append(pd.DataFrame({
            "_ord": order[partial], "quantity": (qty - matched * sign)[partial],
            "amount": (df["amount"].to_numpy() - delta_rev)[partial]}))
        gone_ords.append(order[full])
    _apply_netting(books, updates, gone_ords)
    note = Note("data.cleaning.note.cancellations", {
        "cancellations": f"{n_cancel:,}", "returns": f"{n_return:,}",
        "full": f"{n_full:,}", "partial": f"{n_partial:,}"})
    books.log.append(rule.row(n_full, netted_rev, note))
    gone = pd.concat(removed_rows, ignore_index=True) if removed_rows else \
        books.frame("false", books.columns).assign(rule=rule.name, revenue=0.0, reason="",
                                                   _ord=0)
    gone = gone.sort_values("_ord", kind="stable").drop(columns="_ord")
    books.netted_removed = [gone.reset_index(drop=True)]  # type: ignore[attr-defined]
    books.removed_rules.append(rule.name)
    del key


def _netting_frames(books: _Books, n_batches: int,
                    null_negative: bool) -> Iterator[pd.DataFrame]:
    """The lines to net, a batch of customers at a time (``netted_customers``), in order.

    One batch is one query. Several are read from one scan of ``t``: a query per batch
    scanned every line once per batch (25 scans of 100M lines, 80 s), so the time grew with
    the square of the log. The scan's lines go to Arrow files on disk, a file per group of
    batches (at most :data:`_NETTING_FILES`), and each batch is read back from its file:
    memory holds one batch, as before. Last come the lines without a customer id, when a
    negative one is among them.
    """
    columns = books.columns + ["_ord"]
    if n_batches == 1:
        yield books.frame("_out IS NULL AND customer_id IN "
                          "(SELECT customer_id FROM netted_customers)", columns)
    else:
        yield from _spilled_batches(books, n_batches, columns)
    if null_negative:
        yield books.frame("_out IS NULL AND customer_id IS NULL", columns)


#: Most files the netting's batches are spilled to (each holds a run of batches).
_NETTING_FILES = 64


def _spilled_batches(books: _Books, n_batches: int,
                     columns: list[str]) -> Iterator[pd.DataFrame]:
    """:func:`_netting_frames` of several batches: one scan, spilled to Arrow files."""
    import pyarrow as pa

    per = -(-n_batches // _NETTING_FILES)  # batches per file
    spill = Path(str(books.sql("SELECT current_setting('temp_directory')").fetchall()[0][0]))
    spill.mkdir(parents=True, exist_ok=True)
    cols = ", ".join(f"t.{_q(c)}" for c in columns)
    rel = books.con.sql(
        f"SELECT {cols}, CAST((n.upto - 1) // {NETTING_BATCH_LINES} AS BIGINT) AS _b "
        "FROM t JOIN netted_customers AS n ON t.customer_id = n.customer_id "
        "WHERE t._out IS NULL")
    reader = arrow_batches(rel, _SPILL_ROWS)
    with tempfile.TemporaryDirectory(prefix="netting-", dir=spill) as folder:
        writers: dict[int, Any] = {}
        try:
            for chunk in reader:
                part = chunk.column("_b").to_numpy() // per
                order = np.argsort(part, kind="stable")  # each file's lines keep their order
                part = part[order]
                chunk = chunk.take(pa.array(order))
                starts = np.r_[0, np.flatnonzero(np.diff(part)) + 1, len(part)]
                for lo, hi in zip(starts[:-1], starts[1:]):
                    p = int(part[lo])
                    if p not in writers:
                        writers[p] = pa.ipc.new_file(f"{folder}/{p}.arrow", chunk.schema)
                    writers[p].write_batch(chunk.slice(lo, hi - lo))
        finally:
            for writer in writers.values():
                writer.close()
        del reader, rel
        for p in range(-(-n_batches // per)):
            if p not in writers:
                continue
            path = f"{folder}/{p}.arrow"
            with pa.memory_map(path) as source:
                table = pa.ipc.open_file(source).read_all()
                which = table.column("_b").to_numpy()
                for b in range(p * per, min((p + 1) * per, n_batches)):
                    rows = np.flatnonzero(which == b)
                    if not len(rows):
                        continue
                    lines = table.take(pa.array(rows)).drop_columns(["_b"])
                    ords = lines.column("_ord").to_numpy()
                    if len(ords) > 1 and not (np.diff(ords) > 0).all():  # a join moved them
                        lines = lines.take(pa.array(np.argsort(ords, kind="stable")))
                    yield books.to_frame(lines)
                del table, which
            os.remove(path)


#: rows per batch read from the scan of the lines to net
_SPILL_ROWS = 1_000_000


def _apply_netting(books: _Books, updates: list[pd.DataFrame],
                   gone_ords: list[np.ndarray]) -> None:
    """Write the netting's changes: reduced lines' quantity and amount, netted lines out."""
    if updates:
        books.con.register("_upd", pd.concat(updates, ignore_index=True))
        try:
            books.sql("UPDATE t SET quantity = _upd.quantity, amount = _upd.amount FROM _upd "
                      "WHERE t._ord = _upd._ord")
        finally:
            books.con.unregister("_upd")
    if gone_ords:
        books.con.register("_gone", pd.DataFrame({"_ord": np.concatenate(gone_ords)}))
        try:
            books.sql("UPDATE t SET _out = 'cancellations' "
                      "WHERE _ord IN (SELECT _ord FROM _gone)")
        finally:
            books.con.unregister("_gone")


def _unmatched(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    if rule.keep:  # type: ignore[attr-defined]
        n = books.count("quantity < 0")
        books.log.append(rule.row(0, 0.0, Note("data.cleaning.note.unmatched_kept",
                                               {"n": f"{n:,}"}), "kept"))
        return
    books.remove(rule, "quantity < 0", "'reverses no earlier line in the data'",
                 Note("data.cleaning.note.unmatched_removed"))


def _extremes(books: _Books, rule: Rule, infos: dict[str, ParseInfo]) -> None:
    method, factor = rule.method, rule.factor  # type: ignore[attr-defined]
    alive = "_out IS NULL"
    limits: dict[str, float] = {}
    for col in ("quantity", "amount"):
        arr = books.sql(f"SELECT {col} AS x FROM t WHERE ({alive}) AND {col} > 0"
                        ).fetchnumpy()["x"]
        positive = np.asarray(arr, dtype="float64")
        if len(positive) < 20:
            continue
        if method == "iqr":
            q1, q3 = np.quantile(np.log10(positive), [0.25, 0.75])
            limits[col] = float(10 ** (q3 + factor * (q3 - q1)))
        else:
            limits[col] = float(np.quantile(positive, factor))
    books.sql("ALTER TABLE t ADD COLUMN is_extreme BOOLEAN DEFAULT false")
    books.sql("ALTER TABLE t ADD COLUMN extreme_reason VARCHAR DEFAULT ''")
    parts = [f"CASE WHEN {col} > ? THEN '{col} above {limit:,.2f}' END"
             for col, limit in limits.items()]
    if parts:
        reason = "concat_ws('; ', " + ", ".join(parts) + ")"
        flagged = " OR ".join(f"{col} > ?" for col in limits)
        books.sql(f"UPDATE t SET is_extreme = true, extreme_reason = {reason} "
                  f"WHERE ({alive}) AND ({flagged})", [*limits.values(), *limits.values()])
    where = f"({alive}) AND is_extreme"
    arr = books.sql(f"SELECT amount AS x FROM t WHERE {where} ORDER BY _ord"
                    ).fetchnumpy()["x"]
    revenue = float(pd.Series(np.asarray(arr, dtype="float64")).sum())
    rows = len(arr)
    lim = OrElse(", ".join(f"{k} > {v:,.2f}" for k, v in limits.items()),
                 "data.cleaning.note.too_few_lines")
    books.log.append(rule.row(rows, revenue, Note("data.cleaning.note.extremes",
                                                  {"limits": lim})))


_APPLY = {"parse_types": _parse_types, "duplicates": _duplicates,
          "impossible_dates": _impossible_dates, "window": _window,
          "non_product": _non_product, "invalid_prices": _invalid_prices,
          "missing_customer": _missing_customer, "cancellations": _cancellations,
          "cancellations_unmatched": _unmatched, "extremes": _extremes}


def _finish(books: _Books, owner: Any, settings: CleaningSettings, given: dict[str, Any],
            non_product_codes: Sequence[str], options: ParseOptions,
            infos: dict[str, ParseInfo], raw_rows: int, raw_revenue: float) -> CleaningResult:
    """The result as the pandas pipeline builds it.

    The kept and set-aside lines stay in the database
    (:class:`~custlib.data.engines.lines.StagedLines`, which hold ``owner`` open); the
    removed lines come to pandas.
    """
    dtypes = {c: books.dtypes.get(c) for c in books.columns}  # None: as DuckDB gives it
    text = pd.Series([], dtype="str").dtype
    kept = StagedLines.create(owner, books.con, "t", "_out IS NULL",
                              {**dtypes, "is_extreme": np.dtype(bool), "extreme_reason": text})
    anonymous = StagedLines.create(owner, books.con, "t", "_out = '_anonymous'", dtypes)
    removed: list[pd.DataFrame] = []
    for name in books.removed_rules:
        if name == "cancellations":
            removed.extend(books.netted_removed)  # type: ignore[attr-defined]
            continue
        part = books.frame(f"_out = '{name}'", books.columns, reason=books.reasons[name])
        part["rule"] = name
        part["revenue"] = part["amount"].fillna(0.0)
        part["reason"] = part.pop("_reason").astype("str")
        if name == "invalid_prices":  # Python's :g, as the pandas rule writes it
            part["reason"] = [f"unit price {v:g}" for v in part["unit_price"]]
            part["reason"] = part["reason"].astype("str")
        removed.append(part)
    adjustments = (pd.concat(books.adjustments, ignore_index=True)
                   .sort_values("_ord", kind="stable").drop(columns="_ord")
                   if books.adjustments else None)
    run = PipelineRun(kept=kept, anonymous=anonymous, removed=removed,
                      log=books.log, decided=books.decided)
    if adjustments is not None:
        run.adjustments = adjustments.reset_index(drop=True)
    parsing = {"options": options.as_dict(),
               "columns": {k: i.as_dict() for k, i in infos.items() if len(i.as_dict()) > 2}}
    return _result(run, raw_rows, raw_revenue, {
        "rules": dict(settings.on), **given, "non_product_codes": list(non_product_codes),
        "parsing": parsing})
