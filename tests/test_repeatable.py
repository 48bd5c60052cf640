"""Same input, same numbers: two runs of the demo give byte-identical tables.

Every random choice of the kit (k-means, the starting values of the BTYD fits, the
simulations behind the period-transactions check) takes the run's ``random_state``, so a
scheduled report rerun on the same log tells a manager the same thing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from custlib.runner import run

#: Files whose content records *when* they were written, not what was computed.
STAMPED = {"manifest.json", "run.json", "index.html"}


def _digests(root: Path) -> dict[str, str]:
    out = {}
    for sub in ("data", "tables"):
        for path in sorted((root / sub).rglob("*")):
            if path.is_file() and path.name not in STAMPED:
                out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_two_demo_runs_write_identical_tables(tmp_path):
    params = {"transactions": "demo", "customers": "demo", "survey": "demo",
              "context": "demo", "observation_start": "2022-01-01",
              "observation_end": "2024-12-31", "pdf": False}
    first = run({**params, "run_name": "first"}, reports_dir=tmp_path, progress=False,
                html_output=False, only=["01", "02", "03", "04", "05"])
    second = run({**params, "run_name": "second"}, reports_dir=tmp_path, progress=False,
                 html_output=False)
    a, b = _digests(first.folder.root), _digests(second.folder.root)
    assert len(a) > 30  # every table of the five notebooks
    assert set(a) == set(b)
    differ = sorted(name for name in a if a[name] != b[name])
    assert not differ, f"tables that differ between identical runs: {differ}"
    fitted = json.loads((first.folder.data / "btyd_params.json").read_text())
    assert set(fitted["calibration_models"]) == {"bgnbd", "pareto", "mbgnbd"}
