"""pyproject.toml and environment.yml install the same things; pins exist."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    assert m, req
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["dev"]
    return dict(_split(r) for r in reqs)


def _environment() -> tuple[dict[str, str], list[str], dict]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda, pip = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip.extend(dep["pip"])
        else:
            name, spec = _split(dep.replace("=", "==", 1) if re.match(r"^python=", dep) else dep)
            conda[name] = spec
    return conda, pip, env


def test_environment_and_pyproject_list_the_same_packages_and_versions():
    py = _pyproject()
    conda, pip, _ = _environment()
    from_env = {k: v for k, v in conda.items() if k not in ("python", "pip")}
    from_env.update(dict(_split(p) for p in pip if not p.startswith("-e")))
    assert from_env == py


def test_environment_is_conda_forge_python_311_and_installs_custlib_editable():
    conda, pip, env = _environment()
    assert env["channels"] == ["conda-forge"]
    assert conda["python"] == "==3.11"
    assert "-e ." in pip


def test_python_floor_is_311():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["requires-python"] == ">=3.11"


def test_constraints_pin_every_dependency_exactly():
    pins = {}
    for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[name.lower().replace("_", "-")] = version
    for name in _pyproject():
        assert name in pins, f"{name} has no exact pin in requirements/constraints.txt"
    assert all(re.match(r"^\d", v) for v in pins.values())
