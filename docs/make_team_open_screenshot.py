"""Render docs/screenshot-team-open.png: File ▸ Open team library… (a server that could not be reached,
said in the dialog) above the password field asked for after the server refused a password.

    QT_QPA_PLATFORM=offscreen python docs/make_team_open_screenshot.py [out.png]
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QLineEdit

OUT = Path(__file__).with_name("screenshot-team-open.png")
WHERE = "db.lab.example.org (port 5432, database cart_tox)"


def main(out: Path) -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    font = app.font()
    font.setPointSize(11)
    app.setFont(font)
    from curator.services.library import NeedsPassword
    from curator.store.library import PasswordRefused
    from curator.ui import team_open_dialog as t

    dlg = t.TeamOpenDialog(lambda url, show_error: False)
    dlg.host.setText("db.lab.example.org")
    dlg.dbname.setText("cart_tox")
    dlg.user.setText("ana")
    dlg.show()
    dlg.show_error(f"cannot reach the PostgreSQL server at {WHERE} (connection timeout expired)")
    app.processEvents()
    top = dlg.grab().toImage()
    why = NeedsPassword(PasswordRefused(
        f"the PostgreSQL server at {WHERE} refused the password of user ana. Curator takes passwords from "
        "~/.pgpass, PGPASSFILE, PGPASSWORD or a prompt and never stores one (FATAL: password authentication "
        'failed for user "ana")', WHERE, "ana", True))
    grabbed: list[QImage] = []

    def grab() -> None:
        w = QApplication.activeModalWidget()
        w.findChild(QLineEdit, "password_field").setText("hunter2")
        app.processEvents()
        grabbed.append(w.grab().toImage())
        w.reject()

    QTimer.singleShot(300, grab)
    t.ask_password_dialog(why)
    bottom = grabbed[0]
    img = QImage(max(top.width(), bottom.width()) + 24, top.height() + bottom.height() + 36, QImage.Format.Format_RGB32)
    img.fill(QColor("#d8d8d8"))
    p = QPainter(img)
    p.drawImage(12, 12, top)
    p.drawImage(12, top.height() + 24, bottom)
    p.end()
    img.save(str(out))
    print(f"{out} ({img.width()}×{img.height()})")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
