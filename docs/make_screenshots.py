"""Render the README's screenshots: the pediatric seed curated from its suggestions, then verified.

    python docs/make_screenshots.py        # writes docs/screenshot.png and docs/screenshot-labs.png
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="curator-shots-"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CURATOR_DATA_DIR=str(work / "data"),
               CURATOR_CONFIG_DIR=str(work / "config"), CURATOR_LOG_DIR=str(work / "log"))
    os.environ.update(env)
    from curator.domain.outcomes import ROW_ACCEPTED
    from curator.services import curation
    from curator.services.library import open_library
    from curator.services.suggest import apply_suggestions

    lib, _ = open_library()  # the default library: seeded with the two sample papers
    pid = lib.list_papers(search="pediatric emapalumab")[0].id
    rec = curation.load(lib, pid)
    apply_suggestions(lib.get_paper(pid), rec)
    for row in rec.all_rows():
        row.row_status = ROW_ACCEPTED
    curation.save_draft(lib, rec, "Demo Curator")
    curation.verify(lib, rec, "Demo Curator")
    lib.close()
    for tab, name in (("before_after", "screenshot.png"), ("measurements", "screenshot-labs.png")):
        subprocess.run([sys.executable, "-m", "curator", "snapshot", "--paper", str(pid), "--tab", tab,
                        "--out", str(HERE / name)], env=env, check=True)


if __name__ == "__main__":
    main()
