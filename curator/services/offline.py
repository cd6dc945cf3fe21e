"""Edits kept on this computer while the library cannot be reached (a team server down, a network
share gone, the file busy beyond the wait).

The form's autosave normally goes into the library itself (`autosave` table). When the library cannot
be reached, that autosave cannot be written either: the form is then kept in a JSON file in the user's
data folder, one per library and paper, until a save reaches the library (or the curator discards the
edits). Opening the paper again offers it like any autosave.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from curator.store.library import Library, utcnow


def folder(lib: Library) -> Path:
    """This library's folder of edits kept locally (named by a hash of where the library is)."""
    from curator.services.library import data_dir  # services.library imports the importers: only when needed

    where = str(lib.path)
    try:
        where = str(Path(where).resolve())
    except (OSError, ValueError):  # a server address, not a file
        pass
    return data_dir() / "unsaved" / hashlib.sha256(where.encode("utf-8")).hexdigest()[:16]


def _file(lib: Library, paper_id: int) -> Path:
    return folder(lib) / f"paper-{int(paper_id)}.json"


def keep(lib: Library, paper_id: int, payload: dict[str, Any]) -> Path:
    """Write the form (a record as a dict) to this computer, atomically; returns the file."""
    path = _file(lib, paper_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"library": str(lib.path), "paper_id": paper_id, "saved_at": utcnow(),
                               "record": payload}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return path


def load(lib: Library, paper_id: int) -> tuple[dict[str, Any], str] | None:
    """The form kept locally for the paper and when, if any (a damaged file is left alone: None)."""
    path = _file(lib, paper_id)
    try:
        got = json.loads(path.read_text(encoding="utf-8"))
        return got["record"], got["saved_at"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def forget(lib: Library, paper_id: int) -> None:
    """The edits reached the library (or were discarded): the local copy goes."""
    try:
        _file(lib, paper_id).unlink()
    except FileNotFoundError:
        pass
