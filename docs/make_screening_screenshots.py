"""Render the README's screening pictures: the screening mode at 1280×800 and the PRISMA 2020 diagram.

    python docs/make_screening_screenshots.py   # writes docs/screenshot-screening.png, docs/prisma-flow.png

The library: the shared corpus's PubMed XML, MEDLINE and RIS files, the two bundled sample papers and
the 30 CAR-T toxicity abstracts of ../shared/extract_dev (written to a RIS file and imported, so the
diagram counts them as identified). A scripted curator starts from one known relevant paper, includes
the CAR-T toxicity papers and excludes the rest (reasons 1-3 in turn) for 60 decisions, the model
ranking as it goes; then assesses the first includes in full text. Needs ../shared (or /work/shared).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def shared() -> Path:
    for c in (REPO.parent / "shared", Path("/work/shared")):
        if (c / "corpus" / "SOURCES.md").exists():
            return c
    sys.exit("../shared not found")


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(REPO))
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from curator.services import screening
    from curator.services.importing import import_files
    from curator.store.library import Library
    from curator.ui.prisma_view import save
    from curator.ui.screening_view import ScreeningView

    app = QApplication.instance() or QApplication([])
    work = Path(tempfile.mkdtemp(prefix="curator-screening-shots-"))
    sh = shared()
    ris = work / "extract_dev.ris"
    with ris.open("w", encoding="utf-8") as fh:
        for f in sorted((sh / "extract_dev" / "papers").glob("*.json")):
            d = json.loads(f.read_text(encoding="utf-8"))
            fh.write(f"TY  - JOUR\nTI  - {d['title'] or ''}\nAB  - {' '.join(d['abstract'].split())}\n"
                     f"JO  - {d.get('journal') or ''}\nPY  - {d.get('year') or ''}\n"
                     + (f"DO  - {d['doi']}\n" if d.get("doi") else "") + "ER  - \n\n")
    lib = Library.open(work / "library.sqlite")
    c = sh / "corpus"
    import_files(lib, [c / "pubmed_xml", c / "medline_nbib", c / "ris", REPO / "resources" / "samples", ris])
    relevant = {pid for pid in lib.list_ids()
                if any(k in (lib.paper_meta(pid)["source_file"] or "") for k in ("extract_dev.ris", "samples"))}
    # prior knowledge, as in ASReview: the curator starts from one paper known to be relevant
    screening.decide(lib, [min(relevant)], "include", curator="Demo Curator")
    v = ScreeningView(lib, lambda: "Demo Curator", QSettings(str(work / "c.ini"), QSettings.Format.IniFormat))
    v.rule_n.setValue(50)
    v.resize(1280, 800)
    v.show()
    v.wait_for_model()
    for n in range(60):
        if n == 24:  # the picture: mid-way, the model's next pick on screen
            v.wait_for_model()
            v.refresh_counts()
            app.processEvents()
            v.grab().save(str(HERE / "screenshot-screening.png"))
        if v.paper_id is None:
            break
        if v.paper_id in relevant:
            v.decide("include")
        else:
            v.exclude_with_reason(1 + n % 3)
        if n % 5 == 4:
            v.wait_for_model()
    v.wait_for_model()
    v.set_stage(screening.FULL_TEXT)
    for n in range(12):
        if v.paper_id is None:
            break
        if n % 4:
            v.decide("include")
        else:
            v.exclude_with_reason(2 + n % 3)
    save(screening.prisma_counts(lib), HERE / "prisma-flow.png")
    print(f"wrote {HERE / 'screenshot-screening.png'} and {HERE / 'prisma-flow.png'}")
    v.shutdown()
    lib.close()


if __name__ == "__main__":
    main()
