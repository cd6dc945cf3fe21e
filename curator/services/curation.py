"""Curation use cases: open a paper's record, save a draft, verify, reject/exclude, autosave.

Statuses: rows are `suggested` until the curator accepts them; a record is `draft` → `verified`
(or `rejected` / `excluded` with a reason). Editing a verified record returns it to draft with a
new revision. Every save appends what changed to the paper's history.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from curator.domain import validation
from curator.domain.history import diff_records
from curator.domain.outcomes import (
    RECORD_DRAFT,
    RECORD_EXCLUDED,
    RECORD_REJECTED,
    RECORD_VERIFIED,
    ROW_SUGGESTED,
    Record,
    record_from_dict,
    record_to_dict,
)
from curator.store.library import Library, utcnow


class CurationError(ValueError):
    pass


@dataclass
class Changes:
    """What a service call changed, so views refresh only what they show."""

    paper_ids: list[int] = field(default_factory=list)
    status: str | None = None
    messages: list[validation.Message] = field(default_factory=list)
    history_rows: int = 0


def load(lib: Library, paper_id: int) -> Record:
    """The paper's record, or a fresh empty draft when it has none yet."""
    rec = lib.load_record(paper_id)
    return rec if rec is not None else Record(paper_id=paper_id)


def _content_equal(a: Record, b: Record) -> bool:
    da, db = record_to_dict(a), record_to_dict(b)
    for d in (da, db):
        for k in ("status", "revision", "curator", "verified_at", "updated_at"):
            d.pop(k, None)
    return da == db


def save_draft(lib: Library, rec: Record, who: str | None) -> Changes:
    """Store the record as a draft (invalid values allowed). Editing a verified record makes it a draft
    again with a new revision; saving an unchanged verified record keeps it verified."""
    if lib.read_only:
        raise CurationError(f"{lib.path} is open read-only: nothing was saved")
    old = lib.load_record(rec.paper_id)
    new = rec.copy()
    if old is not None and old.status == RECORD_VERIFIED and _content_equal(old, new):
        return Changes([rec.paper_id], old.status)
    new.revision = (old.revision if old else 0) + (0 if old and old.status == RECORD_DRAFT else 1)
    new.status = RECORD_DRAFT
    new.verified_at = None
    new.updated_at = utcnow()
    changes = diff_records(old, new)
    lib.save_record(new, changes, who)
    rec.status, rec.revision, rec.verified_at, rec.updated_at = new.status, new.revision, None, new.updated_at
    return Changes([rec.paper_id], new.status, validation.validate(new), len(changes))


def verify(lib: Library, rec: Record, curator: str) -> Changes:
    """Mark the record verified by `curator`, now. Refused (nothing saved) while it has errors or
    unreviewed suggestions."""
    if not curator or not curator.strip():
        raise CurationError("a record is verified by a named curator: set your name first")
    if lib.read_only:
        raise CurationError(f"{lib.path} is open read-only: nothing was verified")
    errs = validation.errors(rec)
    if errs:
        raise CurationError("cannot verify while the record has errors:\n" + "\n".join(m.text for m in errs))
    pending = [r for r in rec.all_rows() if r.row_status == ROW_SUGGESTED]
    if pending:
        raise CurationError(f"cannot verify: {len(pending)} suggestion(s) are neither accepted nor rejected")
    old = lib.load_record(rec.paper_id)
    new = rec.copy()
    new.status = RECORD_VERIFIED
    new.curator = curator.strip()
    new.verified_at = utcnow()
    new.updated_at = new.verified_at
    new.revision = (old.revision if old else 0) + (0 if old and old.status == RECORD_DRAFT else 1)
    changes = diff_records(old, new)
    lib.save_record(new, changes, curator)
    rec.status, rec.curator, rec.verified_at, rec.revision = new.status, new.curator, new.verified_at, new.revision
    rec.updated_at = new.updated_at
    return Changes([rec.paper_id], new.status, validation.validate(new), len(changes))


def set_paper_status(lib: Library, rec: Record, status: str, reason: str, who: str | None) -> Changes:
    """Reject the record or exclude the paper, with a reason."""
    if status not in (RECORD_REJECTED, RECORD_EXCLUDED):
        raise CurationError(f"unknown status {status!r}")
    if not reason.strip():
        raise CurationError(f"say why the paper is {status}")
    old = lib.load_record(rec.paper_id)
    new = rec.copy()
    new.status = status
    new.exclusion_reason = reason.strip()
    new.verified_at = None
    new.updated_at = utcnow()
    new.revision = (old.revision if old else 0) + 1
    changes = diff_records(old, new)
    lib.save_record(new, changes, who)
    rec.status, rec.exclusion_reason, rec.revision = new.status, new.exclusion_reason, new.revision
    return Changes([rec.paper_id], status, [], len(changes))


def autosave(lib: Library, rec: Record) -> None:
    """Keep the form as typed, so a crash loses nothing; cleared by the next save."""
    if not lib.read_only:
        lib.autosave(rec.paper_id, record_to_dict(rec))


def recover(lib: Library, paper_id: int) -> tuple[Record, str] | None:
    """An autosaved form newer than the stored record, with its time, if there is one."""
    got = lib.load_autosave(paper_id)
    if got is None:
        return None
    payload, saved_at = got
    rec = record_from_dict(payload)
    stored = lib.load_record(paper_id)
    if stored is not None and _content_equal(stored, rec):
        return None
    return rec, saved_at
