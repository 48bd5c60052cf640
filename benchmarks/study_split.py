"""How far each purchase model misses the holdout total, by split and selection rule.

A study, run by hand (not a benchmark of speed): for the demo log, CDNOW and every corpus
shape with repeat buyers, the log is cleaned with its own parameters, split by date with
several holdout policies, the three models are fitted on the calibration period, and the
table prints each model's error on the holdout total and the model each rule picks. The
baseline of each line is the 'half' split (Fader, Hardie & Lee 2005) with the 'holdout_mae'
rule, the kit's defaults until issue 14.

    .venv/bin/python benchmarks/study_split.py              # demo, cdnow, corpus shapes
    .venv/bin/python benchmarks/study_split.py marketplace  # some of them
"""

from __future__ import annotations

import sys
import tempfile
import warnings

import pandas as pd
import yaml

from custlib.data import loading
from custlib.data.cleaning import clean_transactions
from custlib.data.demo.corpus import SHAPES, write_shape
from custlib.value import choice, split

POLICIES = {"half": 0.5, "third": 1 / 3, "quarter": 0.25, "auto": 0.0}
RULES = ("holdout_mae", "holdout_balanced")
SKIP = {"two_currencies", "one_time_buyers", "two_customers"}  # nothing to fit


def _clean(params: dict) -> pd.DataFrame:
    raw = loading.load_transactions(params["transactions"], params.get("columns") or {})
    keep = ("rules", "non_product_codes", "cancel_prefix", "observation_start",
            "observation_end")
    kwargs = {k: params[k] for k in keep if params.get(k) not in (None, "")}
    return clean_transactions(raw, **kwargs).transactions


def logs(names: list[str]):
    """(name, clean transactions) for each log asked for."""
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            if name in ("demo", "cdnow"):
                with open(f"params/{name}.yaml", encoding="utf-8") as f:
                    yield name, _clean(yaml.safe_load(f))
            else:
                path = write_shape(name, f"{tmp}/{name}")
                yield name, _clean(yaml.safe_load(path.read_text(encoding="utf-8")))


def main(names: list[str]) -> None:
    warnings.simplefilter("ignore")
    print(f"{'log':16s} {'split':8s} {'cal. end':10s}  " +
          "  ".join(f"{r:>22s}" for r in RULES) + "   every model's error")
    for name, tx in logs(names):
        tx = tx.dropna(subset=["customer_id"])
        first = tx["order_date"].min().normalize()
        end = tx["order_date"].max().normalize()
        for policy, share in POLICIES.items():
            cal_end = split.default_calibration_end(first, end, share)
            try:
                ch = split.calibration_holdout(tx, cal_end, end, unit="weeks")
                table = choice.ModelComparison(random_state=0).fit(ch).table_
            except Exception as exc:  # noqa: BLE001 - a study reports and goes on
                print(f"{name:16s} {policy:8s} {cal_end}  failed: {str(exc)[:80]}")
                continue
            picks = []
            for rule in RULES:
                key = choice.rule_scores(table, rule).idxmin()
                picks.append(f"{key:>7s} {table.loc[key, 'holdout_error_pct']:+6.0f}%")
            every = ", ".join(f"{k} {r.holdout_error_pct:+.0f}%" for k, r in table.iterrows())
            print(f"{name:16s} {policy:8s} {cal_end}  " +
                  "  ".join(f"{p:>22s}" for p in picks) + f"   {every}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["demo", "cdnow"] + [s for s in SHAPES if s not in SKIP])
