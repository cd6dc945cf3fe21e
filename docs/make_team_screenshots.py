"""Render the README's team pictures: two curators on one library, at 1280×800.

    python docs/make_team_screenshots.py   # writes docs/screenshot-conflict.png, docs/screenshot-presence.png

Ana and Ben open the pediatric sample paper in two windows (two connections to one library file, as two
Curator processes on a team library). Ben edits it (Ana's window shows "Ben is editing this paper" and
the list's Editing column), saves N enrolled, the disease and a note; Ana, meanwhile, changed N enrolled
and the note too, and the analysed N: her save opens the side-by-side dialog (field | theirs | mine |
value saved) over her window.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(REPO))
    from PySide6.QtCore import QPoint, QSettings, QTimer
    from PySide6.QtGui import QColor, QPainter
    from PySide6.QtWidgets import QApplication

    from curator.services.library import open_library
    from curator.store.library import Library
    from curator.ui.conflict_dialog import THEIRS, ConflictDialog
    from curator.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    work = Path(tempfile.mkdtemp(prefix="curator-team-shots-"))
    os.environ["CURATOR_DATA_DIR"] = str(work / "data")
    lib, _ = open_library(work / "team.sqlite", seed=True)

    def window(name: str, library) -> MainWindow:
        s = QSettings(str(work / f"{name}.ini"), QSettings.Format.IniFormat)
        s.setValue("curator_name", name)
        w = MainWindow(library, s)
        w.keep_on_screen = False
        w.ask_unsaved = lambda: "discard"
        w.resize(1280, 800)
        w.show()
        return w

    ana, ben = window("Ana", lib), window("Ben", Library.open(lib.path))

    def pick(win: MainWindow) -> int:
        for row, pid in enumerate(win.paper_model.ids):
            if win.paper_model.summary(row).title.startswith("Emapalumab in pediatric"):
                win.paper_view.selectRow(row)
                return pid
        raise SystemExit("sample paper not found")

    def settle(ms: int) -> None:
        end = QTimer()
        end.setSingleShot(True)
        end.start(ms)
        while end.isActive():
            app.processEvents()

    pick(ana)
    ana.save_draft()
    pick(ben)
    ana.forms.show_tab("study")
    ben.forms.show_tab("study")
    ben.forms.study_form.set_value("n_enrolled", "38")
    settle(2500)  # both windows poll: Ana's shows Ben editing
    ana.grab().save(str(HERE / "screenshot-presence.png"))
    print("wrote", HERE / "screenshot-presence.png", "banner:", ana.team_banner.text())

    ben.forms.study_form.set_value("disease", "B-ALL")
    ben.forms.notes.notes.setPlainText("N from the methods section; 2 patients not evaluable")
    ben.save_draft()
    ana.forms.study_form.set_value("n_enrolled", "40")
    ana.forms.study_form.set_value("n_analysed", "36")
    ana.forms.notes.notes.setPlainText("N from table 1")
    settle(1500)  # Ana's window hears of Ben's save: the notice

    def shoot() -> None:
        dlg = QApplication.activeModalWidget()
        assert isinstance(dlg, ConflictDialog)
        dlg.lines[0].decide(THEIRS)
        settle(200)
        base = ana.grab()
        shade = QPainter(base)
        shade.fillRect(base.rect(), QColor(0, 0, 0, 70))
        pic = dlg.grab()
        at = QPoint((base.width() - pic.width()) // 2, (base.height() - pic.height()) // 2)
        shade.drawPixmap(at, pic)
        shade.setPen(QColor(90, 90, 90))
        shade.drawRect(at.x() - 1, at.y() - 1, pic.width() + 1, pic.height() + 1)  # the dialog's edge
        shade.end()
        base.save(str(HERE / "screenshot-conflict.png"))
        print("wrote", HERE / "screenshot-conflict.png")
        dlg.reject()

    QTimer.singleShot(300, shoot)
    ana.save_draft()
    for w in (ana, ben):
        w.close()


if __name__ == "__main__":
    main()
