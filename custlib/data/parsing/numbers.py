"""Money and quantities: one decimal mark and thousands separator per column.

See :mod:`custlib.data.parsing` for the conventions.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from custlib.data.parsing.options import (
    ParseInfo,
    ParseOptions,
    _examples,
    _text,
    _yaml_hint,
)
from custlib.errors import DataError

_CURRENCY = re.compile(
    r"[$€£¥₹₩₽]|^(?:USD|EUR|GBP|CNY|RMB|JPY|CHF|AUD|CAD|HKD|SEK|NOK|DKK|PLN|INR)"
    r"|(?:USD|EUR|GBP|CNY|RMB|JPY|CHF|AUD|CAD|HKD|SEK|NOK|DKK|PLN|INR)$")
_SHAPE = re.compile(r"[+-]?(?:\d[\d.,]*|[.,]\d[\d.,]*)")
_SCIENTIFIC = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+")
_INT = re.compile(r"[+-]?\d+")
#: Space-like thousands separators: space, no-break space, narrow no-break space, "'".
_GROUP_CHARS = r"[ \u00a0\u202f']"
#: A number whose integer part groups digits by three with a space or an apostrophe.
_GROUPED = {" ": r"[+-]?\d{1,3}(?: \d{3})+(?:[.,]\d+)?",
            "'": r"[+-]?\d{1,3}(?:'\d{3})+(?:[.,]\d+)?"}
_DECIMAL_HINT = _yaml_hint("decimal", "','", "decimal=','")


def parse_numbers(s: pd.Series, column: str, *, options: ParseOptions | None = None,
                  errors: str = "raise", row_labels: pd.Series | None = None
                  ) -> tuple[pd.Series, ParseInfo]:
    """Parse a column of money or counts to ``float64`` with one decimal mark.

    Parameters
    ----------
    s : pandas.Series
        Numbers, or text such as ``'£1,234.50'``, ``'8,50'``, ``'1 234,56 EUR'``.
    column : str
        The column's name, for messages.
    options : ParseOptions, optional
        ``decimal`` and ``thousands``; default: infer both from the column.
    errors : {'raise', 'coerce'}, default 'raise'
        Raise :class:`DataError` on values that are not numbers, or give NaN there. A
        column whose decimal mark nothing decides raises either way with 'raise', and
        gives NaN for the undecided values with 'coerce'.
    row_labels : pandas.Series, optional
        Labels for rows in messages (source line numbers).

    Returns
    -------
    values : pandas.Series
        ``float64``; empty values are NaN.
    info : ParseInfo
        The decimal mark and thousands separator used.

    Raises
    ------
    DataError
        Values that are not numbers, values that prove both marks, or a column that
        nothing decides (names the column, example rows and ``decimal``/``thousands``).

    Examples
    --------
    >>> values, info = parse_numbers(pd.Series(["8,50", "1.234,56"]), "price")
    >>> values.tolist(), info.decimal
    ([8.5, 1234.56], ',')
    """
    opts = options or ParseOptions()
    info = ParseInfo(column=column, kind="number")
    if pd.api.types.is_bool_dtype(s):
        raise DataError(f"column {column!r} holds true/false values; expected numbers")
    if pd.api.types.is_numeric_dtype(s):
        return _finite(s, info, column, errors, row_labels)
    text, blank = _text(s)
    core, grouped_by = _strip(text, opts)
    out = pd.Series(np.nan, index=s.index, dtype="float64")
    present = ~blank
    ints = core.str.fullmatch(_INT.pattern).fillna(False).astype(bool) & present
    out[ints] = pd.to_numeric(core[ints], errors="coerce")
    sci = core.str.fullmatch(_SCIENTIFIC.pattern).fillna(False).astype(bool) & present
    out[sci] = pd.to_numeric(core[sci], errors="coerce")
    shaped = core.str.fullmatch(_SHAPE.pattern).fillna(False).astype(bool) & present \
        & ~ints & ~sci
    if shaped.any():
        _read_marks(core[shaped], out, opts, info, errors, row_labels, s)
    if grouped_by:
        info.thousands = info.thousands or grouped_by
        info.inferred = info.inferred or not opts.thousands
    out = out.where(np.isfinite(out))  # 1e400 is not an amount
    bad = out.isna() & present
    info.invalid = int(bad.sum())
    if bad.any() and errors == "raise":
        _not_numbers(s, text, bad, info, row_labels)
    return out, info


def _finite(s: pd.Series, info: ParseInfo, column: str, errors: str,
            row_labels: pd.Series | None) -> tuple[pd.Series, ParseInfo]:
    """A numeric column as float64, infinities invalid."""
    out = s.astype("float64")
    infinite = out.notna() & ~np.isfinite(out)
    info.invalid = int(infinite.sum())
    if infinite.any() and errors == "raise":
        raise DataError(
            f"column {column!r}: {info.invalid} of {len(s)} value(s) are not finite "
            f"numbers ({_examples(s, infinite, row_labels)}); correct these rows, or set "
            "`drop_invalid: true` to remove and count them")
    return out.where(~infinite), info


def _strip(text: pd.Series, opts: ParseOptions) -> tuple[pd.Series, str]:
    """Text without currency signs and codes, and the space-like separator(s) removed.

    A space or ``'`` goes only where it groups digits by three (:func:`_ungroup`).
    """
    core = text.copy()
    junk = text.str.contains(r"[^0-9.,+\-]", regex=True).fillna(False).astype(bool)
    grouped_by = ""
    if junk.any():
        stripped = text[junk].str.replace(_CURRENCY, "", regex=True).str.strip() \
            .str.replace(r"^([+-])\s+", r"\1", regex=True)
        core[junk] = stripped
        spaced = stripped.str.contains(_GROUP_CHARS, regex=True).fillna(False).astype(bool)
        if spaced.any():
            grouped_by = _ungroup(stripped[spaced], opts, core)
    return core, grouped_by


def _read_marks(c: pd.Series, out: pd.Series, opts: ParseOptions, info: ParseInfo,
                errors: str, row_labels: pd.Series | None, raw: pd.Series) -> None:
    """Parse values with a decimal mark or thousands separator into ``out``."""
    decimal, thousands, undecided = _decide_marks(c, opts, info, info.column, errors,
                                                  row_labels, raw)
    if decimal is None:
        return
    d, t = re.escape(decimal), re.escape(thousands) if thousands != "none" else None
    group = rf"\d{{1,3}}(?:{t}\d{{3}})+|\d+" if t else r"\d+"
    pattern = rf"[+-]?(?:(?:{group})(?:{d}\d*)?|{d}\d+)"
    use = c[~undecided]
    valid = use.str.fullmatch(pattern)
    plain = use[valid]
    if t:
        plain = plain.str.replace(thousands, "", regex=False)
    plain = plain.str.replace(decimal, ".", regex=False)
    out[plain.index] = pd.to_numeric(plain, errors="coerce")
    info.decimal = decimal if use.str.contains(d, regex=True).any() else \
        (decimal if opts.decimal else None)
    used_t = bool(t) and bool(use[valid].str.contains(t, regex=True).any())
    info.thousands = thousands if (used_t or opts.thousands) else None


def _not_numbers(s: pd.Series, text: pd.Series, bad: pd.Series, info: ParseInfo,
                 row_labels: pd.Series | None) -> None:
    """Raise :class:`DataError` for the values of ``bad``, with examples and hints."""
    mark = f" with decimal {info.decimal!r}" if info.decimal else ""
    spaced = bool(text[bad].str.contains(_GROUP_CHARS, regex=True).fillna(False).any())
    group = (" (a space or an apostrophe may only separate thousands, in groups of "
             "three: 1 234,50 or 1'234.50)") if spaced else ""
    raise DataError(
        f"column {info.column!r}: {int(bad.sum())} of {len(s)} value(s) are not numbers"
        f"{mark} ({_examples(s, bad, row_labels)}). Expected numbers such as 12.5 or "
        f"1,234.50{group} (a currency sign is accepted); if yours use another decimal "
        "mark, "
        f"{_DECIMAL_HINT}; or set `drop_invalid: true` to remove "
        "and count these rows")


def _ungroup(spaced: pd.Series, opts: ParseOptions, core: pd.Series) -> str:
    """Remove space or apostrophe thousands separators that group digits by three.

    Only values of ``core`` like ``1 234,50`` or ``1'234.50`` change; the others stay and
    do not parse. Returns the separator(s) removed (``' '``, ``"'"``, both, or ``''``).
    """
    text = spaced.str.replace(r"[\u00a0\u202f]", " ", regex=True)
    if opts.thousands in (" ", "'"):
        allowed: tuple[str, ...] = (opts.thousands,)
    elif opts.thousands:  # ',', '.' or 'none': a space cannot group thousands
        allowed = ()
    else:
        allowed = (" ", "'")
    used = []
    for char in allowed:
        ok = text.str.fullmatch(_GROUPED[char]).fillna(False).astype(bool)
        if ok.any():
            core[ok[ok].index] = text[ok].str.replace(char, "", regex=False)
            used.append(char)
    return "".join(used) if len(used) < 2 else "' '"


def _decide_marks(c: pd.Series, opts: ParseOptions, info: ParseInfo, column: str,
                  errors: str, row_labels: pd.Series | None, raw: pd.Series
                  ) -> tuple[str | None, str, pd.Series]:
    """(decimal, thousands, mask of values left undecided) for shaped values ``c``."""
    no_undecided = pd.Series(False, index=c.index)
    if opts.decimal:
        info.inferred = False
        thousands = opts.thousands or ("." if opts.decimal == "," else ",")
        return opts.decimal, thousands, no_undecided
    if opts.thousands in (",", "."):
        info.inferred = False
        return ("." if opts.thousands == "," else ","), opts.thousands, no_undecided
    info.inferred = True
    body = c.str.lstrip("+-")
    n_comma = body.str.count(",")
    n_dot = body.str.count(r"\.")
    both = (n_comma > 0) & (n_dot > 0)
    last_comma = body.str.rfind(",")
    last_dot = body.str.rfind(".")
    if opts.thousands:  # ' ', "'" or 'none': a comma or a point can only be decimal
        comma_proof = (n_comma > 0) & ~both
        dot_proof = (n_dot > 0) & ~both
        ambiguous = no_undecided
    else:
        def single(sep_count: pd.Series, sep: str) -> tuple[pd.Series, pd.Series]:
            one = (sep_count == 1) & ~both
            split = body.str.partition(sep)
            before, after = split[0], split[2]
            decimal_only = one & ((after.str.len() != 3) | before.isin(["", "0"])
                                  | (before.str.len() > 3) | before.str.startswith("0"))
            return decimal_only, one & ~decimal_only

        comma_dec, comma_amb = single(n_comma, ",")
        dot_dec, dot_amb = single(n_dot, ".")
        comma_proof = (both & (last_comma > last_dot)) | comma_dec | ((n_dot > 1) & ~both)
        dot_proof = (both & (last_dot > last_comma)) | dot_dec | ((n_comma > 1) & ~both)
        ambiguous = comma_amb | dot_amb
    hint = (_yaml_hint("decimal", "','", "decimal=','") + " for a decimal comma, or "
            "`decimal: '.'` for a decimal point (`thousands:` names the separator of "
            "thousands, 'none' if there is none)")

    def rows(mask: pd.Series) -> str:
        full = pd.Series(False, index=raw.index)
        full[mask[mask].index] = True
        return _examples(raw, full, row_labels, limit=3)

    if comma_proof.any() and dot_proof.any():
        if errors == "raise":
            raise DataError(
                f"column {column!r} mixes decimal marks: a decimal comma in {rows(comma_proof)}"
                f"; a decimal point in {rows(dot_proof)}. One column must use one mark; "
                f"correct the file, or {hint}")
        # coerce: the mark most values prove wins; the others do not parse
        if int(comma_proof.sum()) > int(dot_proof.sum()):
            return ",", (opts.thousands or "."), dot_proof
        return ".", (opts.thousands or ","), comma_proof
    if comma_proof.any():
        return ",", (opts.thousands or "."), no_undecided
    if dot_proof.any():
        return ".", (opts.thousands or ","), no_undecided
    if ambiguous.any():
        if errors == "raise":
            raise DataError(
                f"column {column!r}: {int(ambiguous.sum()):,} value(s) such as "
                f"{rows(ambiguous)} could have a thousands separator or a decimal mark, and "
                f"no value in the column decides which; {hint}")
        return ".", ",", ambiguous
    return ".", (opts.thousands or ","), no_undecided


