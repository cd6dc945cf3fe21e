"""Entry point of the frozen app: the same `curator` command as `pip install` gives (CLI subcommands and,
when called bare, the GUI).

One shim on top: desktops start `curator FILE...` when the user opens files with Curator (`Exec=curator %F`
in the .desktop entry, the file associations of the Windows installer, Finder on macOS). The CLI itself has
no such form, so here a library file (.sqlite/.db) opens in the GUI, and other files (RIS, MEDLINE, BibTeX,
PubMed XML, text) are imported into the default library, which then opens.

`CURATOR_BUNDLE_SELFCHECK=1 curator` checks that the bundle holds what the app imports only lazily (the
importers, the export engines: pyarrow for Parquet, openpyxl for Excel; sqlite_utils; QtSvg), prints one JSON
object and exits; tests/test_packaging.py runs it against the built bundle.

`CURATOR_BENCH_FIRST_PAINT=1 curator` starts the GUI as usual, prints `first-paint <unix time>` when the main
window paints for the first time and `painted <unix time>` once that paint is done, then leaves the event loop;
benchmarks/bench_startup.py measures cold start with it (the same hook in the venv and in the bundle).
"""

from __future__ import annotations

import sys
from pathlib import Path

LIBRARY_SUFFIXES = {".sqlite", ".sqlite3", ".db", ".curator"}


def _opened_files(argv: list[str]) -> list[Path] | None:
    """`argv` if it is only paths of existing files (what a desktop passes), else None."""
    if not argv or any(a.startswith("-") for a in argv):
        return None
    from curator.__main__ import build_parser

    commands: set[str] = set()
    for action in build_parser()._subparsers._group_actions:
        commands.update(getattr(action, "choices", None) or {})
    if argv[0] in commands:
        return None
    files = [Path(a) for a in argv]
    return files if all(f.is_file() for f in files) else None


def self_check() -> int:
    import importlib
    import json
    import tempfile

    report: dict[str, str] = {}
    modules = ["curator.importers", "curator.services.importing", "curator.ui.main_window", "sqlite_utils",
               "pandas", "pyarrow.parquet", "openpyxl", "lxml.etree", "bibtexparser", "rapidfuzz",
               "platformdirs", "pyqtgraph", "PySide6.QtSvg", "curator.store.postgres", "pypdfium2"]
    for name in modules:
        try:
            importlib.import_module(name)
            report[name] = "ok"
        except Exception as e:  # noqa: BLE001 - reported, not raised
            report[name] = f"{type(e).__name__}: {e}"
    try:
        from curator.importers import importers

        report["importers"] = ",".join(sorted(i.name for i in importers()))
    except Exception as e:  # noqa: BLE001
        report["importers"] = f"ERROR {type(e).__name__}: {e}"
    try:
        import pandas as pd

        df = pd.DataFrame({"paper": [1, 2], "value": [0.5, None], "unit": ["pg/mL", "ng/mL"]})
        with tempfile.TemporaryDirectory() as tmp:
            df.to_parquet(f"{tmp}/t.parquet")
            df.to_excel(f"{tmp}/t.xlsx", index=False)
            back = pd.read_parquet(f"{tmp}/t.parquet")
            ok = back.shape == df.shape and pd.read_excel(f"{tmp}/t.xlsx").shape == df.shape
        report["roundtrip"] = "ok" if ok else "ERROR shapes differ"
    except Exception as e:  # noqa: BLE001
        report["roundtrip"] = f"ERROR {type(e).__name__}: {e}"
    try:  # the screening model: TF-IDF and both classifiers, as the screening mode trains them
        from curator.screening.features import Features
        from curator.screening.model import CLASSIFIERS, rank

        texts = ["CAR-T cytokine release syndrome tocilizumab", "CAR-T neurotoxicity ICANS steroids",
                 "soil bacteria in wheat fields", "wheat yield and soil nitrogen", "CAR-T CRS grade 3 anakinra",
                 "nitrogen in soil samples"]
        feats = Features.fit(list(range(6)), texts)
        orders = [rank(feats, {0: 1, 2: 0, 1: 1, 3: 0}, [4, 5], classifier=c) for c in CLASSIFIERS]
        ok = all(r.trained and r.ids.tolist() == [4, 5] for r in orders)
        report["screening"] = "ok" if ok else f"ERROR {[r.message for r in orders]}"
    except Exception as e:  # noqa: BLE001
        report["screening"] = f"ERROR {type(e).__name__}: {e}"
    try:  # a team library's driver with its bundled libpq, and PDFium reading and rendering a page
        import psycopg
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument.new()
        doc.new_page(200, 100)
        page = doc[0]
        bitmap = page.render(scale=1)
        ok = (psycopg.pq.__impl__ in ("binary", "c") and psycopg.pq.version() > 0
              and (bitmap.width, bitmap.height) == (200, 100) and page.get_textpage().get_text_range() == "")
        report["team+pdf"] = "ok" if ok else f"ERROR libpq {psycopg.pq.__impl__}, page {bitmap.width}x{bitmap.height}"
    except Exception as e:  # noqa: BLE001
        report["team+pdf"] = f"ERROR {type(e).__name__}: {e}"
    print(json.dumps(report, indent=2))
    return 0 if all(v == "ok" or (k == "importers" and not v.startswith("ERROR")) for k, v in report.items()) else 1


def install_first_paint_probe() -> None:
    import time

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

    import curator.app as app_module

    class Probe(QObject):
        seen = False

        def eventFilter(self, obj, event):
            if (not self.seen and event.type() == QEvent.Type.Paint and isinstance(obj, QWidget)
                    and isinstance(obj.window(), QMainWindow)):
                self.seen = True
                print(f"first-paint {time.time():.6f}", flush=True)
                QTimer.singleShot(0, self.done)
            return False

        def done(self):
            print(f"painted {time.time():.6f}", flush=True)
            QApplication.instance().exit(0)

    probe = Probe()
    make_app = app_module.make_app

    def make_app_with_probe(argv=None):
        app = make_app(argv)
        app.installEventFilter(probe)
        app._curator_probe = probe  # keep it alive
        return app

    app_module.make_app = make_app_with_probe


def run(argv: list[str]) -> int:
    import os

    if os.environ.get("CURATOR_BUNDLE_SELFCHECK"):
        return self_check()
    if os.environ.get("CURATOR_BENCH_FIRST_PAINT"):
        install_first_paint_probe()
    from curator.__main__ import main

    files = _opened_files(argv)
    if files is None:
        return main(argv)
    libraries = [f for f in files if f.suffix.lower() in LIBRARY_SUFFIXES]
    if libraries:
        return main(["gui", "--library", str(libraries[0])])
    from curator.services.library import open_library

    lib, _ = open_library(None)  # create (and seed) the default library before the first import
    lib.close()
    main(["import", *map(str, files)])
    return main(["gui"])


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
