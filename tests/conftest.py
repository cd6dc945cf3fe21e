"""Shared fixtures: every test gets a fresh library in a temp dir; Qt runs offscreen."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "resources" / "samples"
PEDIATRIC_SEED = SAMPLES / "pediatric_emapalumab_crs.md"
CASE_REPORT_SEED = SAMPLES / "case_report_emapalumab_iec_hs.txt"


def _corpus_dir() -> Path | None:
    env = os.environ.get("CURATOR_CORPUS")
    candidates = [Path(env)] if env else []
    candidates += [REPO.parent / "shared" / "corpus", Path("/work/shared/corpus")]
    for c in candidates:
        if (c / "SOURCES.md").exists():
            return c
    return None


CORPUS = _corpus_dir()


@pytest.fixture
def corpus() -> Path:
    """The shared real-file corpus (../shared/corpus, or $CURATOR_CORPUS); never copied here."""
    if CORPUS is None:
        pytest.skip("the shared corpus (../shared/corpus or $CURATOR_CORPUS) is not present")
    return CORPUS


@pytest.fixture
def library_path(tmp_path: Path) -> Path:
    return tmp_path / "library.sqlite"
