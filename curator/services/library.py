"""Opening libraries: the default one in the user's data directory, seeded with the sample papers."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from curator import paths
from curator.services.importing import ImportReport, import_files
from curator.store.library import Library, LibraryError
from curator.store.migrations import MigrationError

# What opening or writing a library raises with a message for the curator, naming the file (not a
# library, newer than this Curator, cannot be written, disk full): shown as it is, never a traceback.
LIBRARY_ERRORS = (LibraryError, MigrationError)

APP_NAME = "Curator"
APP_AUTHOR = "Curator"


def data_dir() -> Path:
    return Path(os.environ.get("CURATOR_DATA_DIR") or platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def log_dir() -> Path:
    return Path(os.environ.get("CURATOR_LOG_DIR") or platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))


def default_library_path() -> Path:
    return data_dir() / "library.sqlite"


def sample_files() -> list[Path]:
    return sorted(p for p in paths.samples().iterdir() if p.is_file() and not p.name.startswith("."))


def open_library(path: str | Path | None = None, seed: bool | None = None,
                 read_only: bool = False) -> tuple[Library, ImportReport | None]:
    """Open (creating on first use) a library. A new default library gets the bundled sample papers;
    `seed=True` seeds any new library. Returns the library and the seeding report, if it seeded."""
    p = Path(path).expanduser() if path else default_library_path()
    is_new = not p.exists() or p.stat().st_size == 0
    lib = Library.open(p, read_only=read_only)
    if seed is None:
        seed = path is None
    report = None
    if is_new and seed and not read_only:
        report = import_files(lib, sample_files())
    return lib, report
