"""Render the README's PDF reader screenshot: a case report's PDF beside the forms, its Table 1 mapped to
measurements, the selected value's cell highlighted on page 2.

    python docs/make_pdf_screenshot.py     # writes docs/screenshot-pdf.png (needs ../shared/corpus/pdf)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
PDF = HERE.parent.parent / "shared" / "corpus" / "pdf" / "ami" / "PMC4737013.pdf"
if not PDF.exists():
    PDF = Path("/work/shared/corpus/pdf/ami/PMC4737013.pdf")


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="curator-pdf-shot-"))
    os.environ.update(QT_QPA_PLATFORM="offscreen", CURATOR_DATA_DIR=str(work / "data"),
                      CURATOR_CONFIG_DIR=str(work / "config"), CURATOR_LOG_DIR=str(work / "log"))
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from curator.app import make_app
    from curator.domain.outcomes import Measurement
    from curator.services import curation, fulltext
    from curator.services.importing import import_files
    from curator.services.library import open_library
    from curator.ui.main_window import MainWindow
    from curator.ui.pdf_view import wait_rendered

    app = make_app()
    lib, _ = open_library(work / "library.sqlite", seed=True)
    (pid,) = import_files(lib, [PDF]).paper_ids
    ft = fulltext.load(lib, pid)
    rec = curation.load(lib, pid)
    rec.measurements = fulltext.measurements_from_table(ft, ft.tables[0])
    curation.save_draft(lib, rec, "Demo Curator")
    win = MainWindow(lib, QSettings(str(work / "curator.ini"), QSettings.Format.IniFormat))
    win.keep_on_screen = False
    win.resize(1280, 800)
    win.show()
    app.processEvents()
    win.select_paper(pid)
    row = next(i for i, m in enumerate(win.record.measurements)
               if m.analyte == "Free T4" and m.timepoint == "1 month after ipilimumab")
    win.forms.select_cell(Measurement, row, "value")
    app.processEvents()
    win.pdf_view.set_zoom(win.pdf_view.scale() * 1.7)  # the table readable
    win.forms.select_cell(Measurement, row, "value")  # scrolls to its cell again
    app.processEvents()
    wait_rendered(win.pdf_view)
    for _ in range(5):
        app.processEvents()
    out = HERE / "screenshot-pdf.png"
    win.grab().save(str(out))
    win.pdf_view.close_document()
    win.dirty = False
    print(out)
    QApplication.processEvents()


if __name__ == "__main__":
    main()
