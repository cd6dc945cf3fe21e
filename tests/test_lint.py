"""ruff stays clean (the rules are in pyproject.toml), so the README's test command also lints."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO


def test_ruff_is_clean():
    ruff = shutil.which("ruff") or str(__import__("pathlib").Path(sys.executable).with_name("ruff"))
    if not __import__("pathlib").Path(ruff).exists():
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    r = subprocess.run([ruff, "check", "curator", "tests", "benchmarks", "docs", "packaging"], cwd=REPO,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:]
