"""Fingerprints of a run's tables, to check that a refactoring changes no number.

``fingerprint(folder)`` reads every table a run wrote (``data/*.parquet``, ``data/*.csv``,
``tables/*.csv``) and keeps, per table, its shape, its column names and, per column, a
summary that any change of value moves: the sum and the sum of squares of a numeric column
(rounded to 9 significant digits, so the last bits of floating point do not matter) and a
hash of the sorted text of any other column. The summaries of the demo run and of the BTYD
fits on CDNOW live next to this file as JSON; the tests compare a fresh run with them.

Regenerate them only when a change of numbers is intended, and say why in the commit::

    python -m tests.golden demo      # runs the demo kit, writes tests/golden/demo.json
    python -m tests.golden cdnow     # fits the CDNOW models, writes tests/golden/cdnow.json
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
#: tables whose content depends on the clock or the machine, not on the data
VOLATILE = {"manifest.json", "run.json"}


#: The demo as the tests run it: 20 bootstrap refits instead of 200, to keep make test short.
DEMO_TEST_PARAMS = "\nbootstrap_refits: 20\n"


def demo_params(folder: Path) -> Path:
    """params/demo.yaml with :data:`DEMO_TEST_PARAMS`, written into ``folder``."""
    demo = Path(__file__).resolve().parents[2] / "params" / "demo.yaml"
    path = folder / "demo.yaml"
    path.write_text(demo.read_text(encoding="utf-8") + DEMO_TEST_PARAMS, encoding="utf-8")
    return path


def _round(value: float, digits: int = 9) -> float | None:
    if value is None or not np.isfinite(value):
        return None if value is None or np.isnan(value) else float(value)
    return float(f"{value:.{digits}g}")


def column_summary(series: pd.Series) -> dict:
    """Sum and sum of squares of a numeric column, else a hash of its sorted text."""
    if pd.api.types.is_bool_dtype(series):
        series = series.astype("Int64")
    if pd.api.types.is_numeric_dtype(series):
        values = pd.to_numeric(series, errors="coerce").astype("float64")
        finite = values[np.isfinite(values)]
        return {"missing": int(values.isna().sum()),
                "sum": _round(float(finite.sum())),
                "sum_sq": _round(float((finite ** 2).sum()))}
    text = sorted(series.astype("string").fillna("<NA>").tolist())
    return {"missing": int(series.isna().sum()),
            "text_sha": hashlib.sha256("\x1f".join(text).encode()).hexdigest()[:16]}


def table_summary(frame: pd.DataFrame) -> dict:
    """Shape, columns and per-column summaries of one table."""
    return {"shape": list(frame.shape),
            "columns": {str(c): column_summary(frame[c]) for c in frame.columns}}


def fingerprint(root: Path) -> dict[str, dict]:
    """Summaries of every table in the run folder ``root``, keyed by relative path."""
    out: dict[str, dict] = {}
    for sub in ("data", "tables"):
        for path in sorted((root / sub).glob("*")):
            if path.suffix == ".parquet":
                frame = pd.read_parquet(path)
            elif path.suffix == ".csv":
                frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
            else:
                continue
            out[f"{sub}/{path.name}"] = table_summary(frame.reset_index(drop=True))
    return out


def differences(expected: dict, actual: dict, path: str = "") -> list[str]:
    """Every place where two fingerprints differ, as readable lines."""
    lines: list[str] = []
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            where = f"{path}/{key}" if path else str(key)
            if key not in actual:
                lines.append(f"{where}: missing from this run")
            elif key not in expected:
                lines.append(f"{where}: new in this run")
            else:
                lines.extend(differences(expected[key], actual[key], where))
    elif expected != actual:
        lines.append(f"{path}: expected {expected!r}, got {actual!r}")
    return lines


def cdnow_fingerprint() -> dict:
    """The CDNOW sample as ``params/cdnow.yaml`` cleans it, split 39/39 weeks, and the
    parameters of every BTYD model and of Gamma-Gamma fitted on it."""
    from custlib.data.cleaning import clean_transactions
    from custlib.data.loading import load_transactions
    from custlib.value import btyd

    raw = load_transactions("cdnow_sample")
    clean = clean_transactions(raw, rules={"duplicates": False, "invalid_prices": False},
                               non_product_codes=[]).transactions
    ch = btyd.calibration_holdout(clean, "1997-09-30", "1998-06-30", unit="weeks")
    out: dict = {"calibration_holdout": table_summary(ch.reset_index())}
    for name in btyd.MODELS:
        model = btyd.BTYDModel(name).fit(ch)
        out[f"params/{name}"] = {k: _round(float(v), 6) for k, v in model.params_.items()}
    gg = btyd.GammaGammaModel().fit(ch)
    out["params/gamma_gamma"] = {k: _round(float(v), 6) for k, v in gg.params_.items()}
    return out


def load(name: str) -> dict:
    """The stored fingerprint ``tests/golden/<name>.json``."""
    return json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))


def save(name: str, data: dict) -> Path:
    path = HERE / f"{name}.json"
    path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path
