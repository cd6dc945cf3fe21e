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


SLOW_SKIP_REASON = "marked slow (e.g. the PyInstaller bundle build): run it with --run-slow, as CI does"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="also run the tests marked slow (CI does: .ci/run passes --run-slow)")


def run_slow(config: pytest.Config) -> bool:
    """Slow tests run with --run-slow, or when CI is set (to anything but '', '0' or 'false')."""
    return bool(config.getoption("--run-slow")) or os.environ.get("CI", "").lower() not in ("", "0", "false")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if run_slow(config):
        return
    skip = pytest.mark.skip(reason=SLOW_SKIP_REASON)
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)


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
