"""Documentation that must stay true: the data contract and the README's commands."""

from __future__ import annotations

from pathlib import Path

from custlib.data.contract import TABLES

ROOT = Path(__file__).resolve().parents[1]


def test_every_contract_field_is_documented():
    text = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for table, spec in TABLES.items():
        assert f"### {table}" in text
        for f in spec:
            assert f"| `{f.name}` | {f.kind} |" in text, (table, f.name)


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme and "make report" in readme
    assert "\nmake test\n" in ci
