"""House rules, checked by import-linter with the contracts in pyproject.toml: the layers
(ui → services → importers | extract | export | plotting → store → domain), the GUI reaching the
store only through services, Qt only in curator/ui (and the composition root), SQLite only in
curator/store (the SQLite export file being the one listed exception)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO

LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess:
    if not LINT.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "200"}  # one line per contract
    return subprocess.run([str(LINT), "--no-cache", "--no-logo", str(REPO / "pyproject.toml")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def test_import_contracts_are_kept():
    r = _lint(REPO)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "0 broken" in r.stdout and "5 kept" in r.stdout  # every contract ran


@pytest.mark.parametrize("module, line, contract", [
    ("ui/paper_list_model.py", "from curator.store.library import Library  # noqa", "only through"),
    ("ui/main_window.py", "import sqlite3  # noqa", "SQLite is opened only by curator.store"),
    ("services/library.py", "import psycopg  # noqa", "SQLite is opened only by curator.store"),
    ("services/curation.py", "from PySide6.QtCore import QObject  # noqa", "PySide6 and pyqtgraph only"),
    ("store/library.py", "from curator.services import changes  # noqa", "ui -> services"),
    ("export/writers.py", "from curator.importers import base  # noqa", "ui -> services"),
])
def test_contracts_catch_a_forbidden_import(tmp_path, module, line, contract):
    """The contracts can fail: one forbidden import added to a copy of the package breaks them."""
    shutil.copytree(REPO / "curator", tmp_path / "curator",
                    ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.c"))
    target = tmp_path / "curator" / module
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("\nfrom __future__ import annotations\n",
                                   f"\nfrom __future__ import annotations\n\n{line}\n", 1), encoding="utf-8")
    assert line in target.read_text(encoding="utf-8")
    r = _lint(tmp_path)
    assert r.returncode != 0, r.stdout[-3000:]
    broken = [ln for ln in r.stdout.splitlines() if " BROKEN" in ln]
    assert len(broken) == 1 and contract in broken[0], r.stdout[-3000:]


SQL = re.compile(r"\.execute(many|script)?\(|sqlite3\.connect|sqlite_utils\.Database")


def _sql_exceptions() -> set[str]:
    """Modules outside curator/store allowed to speak SQL: the ones the "sql-only-in-store" contract in
    pyproject.toml lists (so each exception is written down once, with its reason)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "sql-only-in-store"]
    return {line.split("->")[0].strip() for line in contract.get("ignore_imports", [])}


def test_sql_statements_only_in_store():
    """Imports aside, no SQL runs outside curator/store (a connection handed out by the store included)."""
    pkg = REPO / "curator"
    allowed = _sql_exceptions()
    assert allowed == {"curator.export.sqlite_file"}
    offenders = []
    for p in pkg.rglob("*.py"):
        module = ".".join(p.relative_to(REPO).with_suffix("").parts)
        if module.startswith("curator.store") or module in allowed:
            continue
        if SQL.search(p.read_text(encoding="utf-8")):
            offenders.append(module)
    assert offenders == []
    assert SQL.search("conn.execute('SELECT 1')")  # the pattern does find SQL
