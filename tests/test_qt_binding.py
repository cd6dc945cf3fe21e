"""Guard against a Qt binding that corrupts the interpreter (PySide6 6.12.0 on Python 3.11 decrements
None's reference count on every void method call, so a long session aborts with 'none_dealloc')."""

from __future__ import annotations

import sys

from PySide6.QtGui import QTextCursor, QTextDocument


def test_void_calls_do_not_leak_references_to_none():
    doc = QTextDocument()
    doc.setPlainText("hello world " * 20)
    cursor = QTextCursor(doc)
    before = sys.getrefcount(None)
    for _ in range(2000):
        cursor.setPosition(3)
    assert sys.getrefcount(None) - before > -100
