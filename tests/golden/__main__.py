"""Regenerate a stored fingerprint: ``python -m tests.golden demo|cdnow`` (see __init__)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from tests.golden import cdnow_fingerprint, demo_params, fingerprint, save


def main(argv: list[str]) -> int:
    if argv not in (["demo"], ["cdnow"]):
        print("usage: python -m tests.golden demo|cdnow", file=sys.stderr)
        return 2
    if argv == ["cdnow"]:
        print(save("cdnow", cdnow_fingerprint()))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "custlib", "run", "--params",
                        str(demo_params(Path(tmp))),
                        "--reports-dir", tmp, "--quiet"], check=True)
        print(save("demo", fingerprint(Path(tmp) / "demo")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
