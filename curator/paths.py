"""Where Curator's bundled files live: the source tree, an installed tree, or a PyInstaller bundle."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path


@cache
def root() -> Path:
    """The folder holding `resources/` and `db/`."""
    env = os.environ.get("CURATOR_HOME")
    if env:
        return Path(env)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parents[1]


def resources() -> Path:
    return root() / "resources"


def migrations() -> Path:
    return root() / "db" / "migrations"


def vocabularies() -> Path:
    return resources() / "vocabularies"


def samples() -> Path:
    return resources() / "samples"
