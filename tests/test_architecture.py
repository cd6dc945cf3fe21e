"""House rules: Qt only in curator/ui (and the composition root); SQL only in curator/store."""

from __future__ import annotations

import re
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "curator"
QT = re.compile(r"^\s*(from|import)\s+(PySide6|pyqtgraph)\b", re.MULTILINE)
SQL = re.compile(r"\.execute(many|script)?\(|sqlite3\.connect|sqlite_utils\.Database")


def _py(excluding: tuple[str, ...]) -> list[Path]:
    return [p for p in PKG.rglob("*.py") if not any(str(p.relative_to(PKG)).startswith(e) for e in excluding)]


def test_core_is_qt_free():
    offenders = [str(p.relative_to(PKG)) for p in _py(("ui/", "app.py", "__main__.py")) if QT.search(p.read_text())]
    assert offenders == []


def test_sql_only_in_store():
    offenders = [str(p.relative_to(PKG)) for p in _py(("store/",)) if SQL.search(p.read_text())]
    assert offenders == []


def test_rules_are_live():
    """The patterns above do catch what they look for (so the tests above can fail)."""
    assert QT.search("from PySide6.QtWidgets import QWidget")
    assert SQL.search("conn.execute('SELECT 1')")
