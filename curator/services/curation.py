"""Curation use cases: open a paper's record, save a draft, verify, reject/exclude, autosave.

Statuses: rows are `suggested` until the curator accepts them; a record is `draft` → `verified`
(or `rejected` / `excluded` with a reason). Editing a verified record returns it to draft with a
new revision. Every save appends what changed to the paper's history.

Every change to a record goes through one gate, `_write`: the read-only check, the check against
the record the edit was based on (a save made meanwhile is merged value by value, or the save is
refused naming each value both changed), the new revision, the history and the save itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields as dc_fields
from pathlib import Path
from typing import Any

from curator.domain import readiness, validation
from curator.domain.history import diff_records
from curator.domain.outcomes import (
    RECORD_DRAFT,
    RECORD_EXCLUDED,
    RECORD_REJECTED,
    RECORD_VERIFIED,
    Record,
    record_from_dict,
    record_to_dict,
)
from curator.domain.record_merge import RECORD_FIELDS, REMOVED, Conflict, MergeConflict, merge_records
from curator.services import offline, team
from curator.services.changes import Changes
from curator.store.library import Library, LibraryError, utcnow

__all__ = ["CONSENSUS", "Changes", "Conflict", "Consensus", "CurationError", "NeedsConfirmation", "NotSaved", "ReadOnlyLibrary", "REMOVED",
           "check_verifiable", "StaleRecord", "UNCHECKED", "Unreachable", "autosave", "discard_autosave", "load",
           "resolve", "same_version", "unchanged", "recover", "save_draft", "set_paper_status", "stored", "verify"]


class CurationError(ValueError):
    pass


class ReadOnlyLibrary(CurationError):
    pass


class StaleRecord(CurationError):
    """Another save changed the same values since the edit began: nothing was saved. `conflicts` names
    each value (the form's label, base, mine, theirs) for the curator to decide; `theirs` is the record
    stored now, `by` who saved it. `resolve(rec, exc, choices)` then gives the record to save with
    `base=exc.theirs`."""

    def __init__(self, message: str, conflicts: list[Conflict], base: Record | None, theirs: Record,
                 by: list[str]):
        super().__init__(message)
        self.conflicts, self.base, self.theirs, self.by = conflicts, base, theirs, by


class NeedsConfirmation(CurationError):
    """The record can be verified only once the curator confirms what it lacks (`gaps`, in the form's
    words): ask, then verify again with `allow_gaps=True`. Nothing was saved."""

    def __init__(self, message: str, gaps: list[str]):
        super().__init__(message)
        self.gaps = gaps


class NotSaved(CurationError):
    """The library refused the write (a full disk, media gone read-only): nothing was saved, and the
    record in memory is as the curator left it."""


class Unreachable(NotSaved):
    """The library cannot be reached for now (busy beyond the wait, the server or the share gone):
    nothing was saved; the same save can be tried again once it is back."""


def _unreachable(lib: Library, exc: BaseException, action: str) -> Unreachable:
    return Unreachable(f"{lib.path}: the library cannot be reached ({exc}): nothing was {action}, "
                       "your edits are kept")


class _Unchecked:
    def __repr__(self) -> str:
        return "UNCHECKED"


# `base=UNCHECKED`: the caller does not know which stored record its edit began from (a batch job that
# only writes papers without a record, a script); the save then goes over whatever is stored.
UNCHECKED: Any = _Unchecked()
_BOOKKEEPING = ("status", "revision", "curator", "verified_at", "updated_at", *RECORD_FIELDS)


def load(lib: Library, paper_id: int) -> Record:
    """The paper's record, or a fresh empty draft when it has none yet."""
    rec = lib.load_record(paper_id)
    return rec if rec is not None else Record(paper_id=paper_id)


def stored(lib: Library, paper_id: int) -> Record | None:
    """The record as stored now (None when the paper has none): what an edit is based on."""
    return lib.load_record(paper_id)


def _content_equal(a: Record, b: Record) -> bool:
    da, db = record_to_dict(a), record_to_dict(b)
    for d in (da, db):
        for k in ("status", "revision", "curator", "verified_at", "updated_at"):
            d.pop(k, None)
    return da == db


def unchanged(rec: Record, base: Record | None) -> bool:
    """Whether `rec` holds what is stored (`base`; None: nothing stored, so an empty record) — bookkeeping
    aside: an edit undone back to here leaves nothing to save."""
    if base is None:
        base = Record(paper_id=rec.paper_id)
        base.study.uid = rec.study.uid  # a fresh record's study row: its uid is no content
    return _content_equal(rec, base)


def same_version(old: Record | None, base: Record | None) -> bool:
    """The very same stored version (bookkeeping included): nothing was saved since `base` was read."""
    return _same_version(old, base)


def _same_version(old: Record | None, base: Record | None) -> bool:
    if old is None or base is None:
        return old is None and base is None
    return record_to_dict(old) == record_to_dict(base)


def _next_revision(old: Record | None, status: str) -> int:
    """A record's revision grows when it leaves verified, rejected or excluded, and at each reject or
    exclude; saving a draft again (or verifying it) keeps its revision."""
    if old is None:
        return 1
    keep = old.status == RECORD_DRAFT and status in (RECORD_DRAFT, RECORD_VERIFIED)
    return old.revision + (0 if keep else 1)


class Consensus:
    """Where a write through the gate goes: the paper's record, the consensus (the default). Another target
    (services.extractions: one curator's own extraction) gives the same four steps for its own storage."""

    @contextmanager
    def for_update(self, lib: Library, paper_id: int) -> Iterator[Record | None]:
        """The stored record, held by this writer alone until the block ends (one transaction)."""
        with lib.record_for_update(paper_id) as old:
            yield old

    def writers_since(self, lib: Library, paper_id: int, since: str | None, old: Record) -> list[str]:
        return team.writers_since(lib, paper_id, since) or ([old.curator] if old.curator else [])

    def write(self, lib: Library, new: Record, changes: list, who: str | None, kind: str) -> None:
        """Inside `for_update`: the record, its history and provenance, its line in the change feed."""
        lib.write_record(new, changes, who, kind=kind, session=team.session_of(lib))

    def written(self, lib: Library, paper_id: int) -> None:
        offline.forget(lib, paper_id)  # the library has the edits now (its own autosave went with the save)


CONSENSUS = Consensus()


def _write(lib: Library, rec: Record, who: str | None, action: str, base: Record | None,
           apply: Callable[[Record, Record | None, str], bool], target: Consensus = CONSENSUS) -> Changes:
    """THE write gate for a record. `apply(new, old, now)` sets the new status and its fields on a
    copy of `rec` (after any merge) and may refuse by raising CurationError, or return False to keep
    the stored record as it is. `rec` then holds what was saved (its bookkeeping; and, when a save
    made meanwhile was merged in, its content too: `Changes.merged` lists what came in)."""
    if lib.read_only:
        raise ReadOnlyLibrary(f"{lib.path} is open read-only: nothing was {action}")
    new = rec.copy()
    merged: list[str] = []
    merged_from: list[str] = []
    kind = {"saved": "save", "verified": "verify"}.get(action, "status")
    try:
        # the stored record is read, checked and written in ONE transaction that holds the record: a
        # concurrent save (another curator, another window) waits, then sees this one's revision
        with target.for_update(lib, rec.paper_id) as old:
            if base is not UNCHECKED and old is not None and not _same_version(old, base):
                since = base.updated_at if base is not None else None
                by = target.writers_since(lib, rec.paper_id, since, old)
                try:
                    result = merge_records(base, new, old)
                except MergeConflict as exc:
                    who_when = f"by {' and '.join(by)} " if by else ""
                    raise StaleRecord(
                        f"paper {rec.paper_id}: the record was saved meanwhile ({old.status}, revision "
                        f"{old.revision}, {who_when}at {old.updated_at}) and these values were changed both "
                        "there and here:\n• " + "\n• ".join(c.text() for c in exc.conflicts)
                        + f"\nNothing was {action}; your edits are kept as they are.",
                        exc.conflicts, base, old, by) from exc
                new, merged, merged_from = result.record, result.taken, by
            now = utcnow()
            if not apply(new, old, now):
                assert old is not None
                return Changes([rec.paper_id], status=old.status, merged=merged)
            new.revision = _next_revision(old, new.status)
            new.updated_at = now
            changes = diff_records(old, new)
            target.write(lib, new, changes, who, kind)
    except LibraryError as exc:  # rolled back whole; `rec` is not touched below
        if team.unavailable(exc):  # a team library's server gone: kept here, saved when it is back
            raise _unreachable(lib, exc, action) from exc
        raise NotSaved(str(exc)) from exc
    except Exception as exc:
        if team.unavailable(exc):
            raise _unreachable(lib, exc, action) from exc
        raise
    target.written(lib, rec.paper_id)
    if merged:  # the curator's record takes in what the other save brought (the window reloads it)
        for f in dc_fields(Record):
            setattr(rec, f.name, getattr(new, f.name))
    else:  # only the bookkeeping: the forms keep editing the very same rows
        for k in _BOOKKEEPING:
            setattr(rec, k, getattr(new, k))
    return Changes([rec.paper_id], records=True, status=new.status, messages=validation.validate(new),
                   history_rows=len(changes), merged=merged, merged_from=merged_from if merged else [])


def resolve(rec: Record, stale: StaleRecord, choices: dict[tuple[str, ...], Any]) -> Record:
    """The record to save once the curator decided each conflict `stale` named (`choices`: a
    Conflict.key -> the value kept; for a row, the Row or REMOVED): `rec` merged with the record
    stored now, the decisions in place. Save it with `base=stale.theirs`; a save made since merges
    again (or names its own conflicts). Raises MergeConflict if a conflict is left undecided."""
    return merge_records(stale.base, rec, stale.theirs, choices).record


def save_draft(lib: Library, rec: Record, who: str | None, base: Record | None = UNCHECKED,
               target: Consensus = CONSENSUS) -> Changes:
    """Store the record as a draft (invalid values allowed). Editing a verified record makes it a draft
    again with a new revision; saving an unchanged verified record keeps it verified. `base` is the
    stored record the edit began from (see `_write`); `target` where it goes (see `Consensus`)."""

    def apply(new: Record, old: Record | None, _now: str) -> bool:
        if old is not None and old.status == RECORD_VERIFIED and _content_equal(old, new):
            return False
        new.status = RECORD_DRAFT
        new.verified_at = None
        return True

    return _write(lib, rec, who, "saved", base, apply, target)


def check_verifiable(rec: Record, allow_gaps: bool = False) -> None:
    """THE rule of what a verified record says (domain.readiness): raises CurationError for an empty
    record, errors or pending suggestions (each named), NeedsConfirmation for gaps not yet confirmed."""
    ready = readiness.readiness(rec)
    if ready.empty:
        raise CurationError("cannot verify: " + readiness.EMPTY_TEXT)
    errs = validation.errors(rec)
    if errs:
        raise CurationError("cannot verify while the record has errors:\n" + "\n".join(m.text for m in errs))
    if ready.pending:
        raise CurationError("cannot verify: " + readiness.pending_text(ready))
    if ready.gaps and not allow_gaps:
        raise NeedsConfirmation("verify anyway? " + readiness.gaps_text(ready), ready.gaps)


def verify(lib: Library, rec: Record, curator: str, base: Record | None = UNCHECKED,
           allow_gaps: bool = False) -> Changes:
    """Mark the record verified by `curator`, now. Refused (nothing saved) for an empty record, while it
    has errors or unreviewed suggestions, and — unless `allow_gaps` (the curator confirmed them) — while
    it lacks an accepted outcome row, the study's design or its N (see `check_verifiable`)."""
    if not curator or not curator.strip():
        raise CurationError("a record is verified by a named curator: set your name first")

    def apply(new: Record, _old: Record | None, now: str) -> bool:
        check_verifiable(new, allow_gaps)
        new.status = RECORD_VERIFIED
        new.curator = curator.strip()
        new.verified_at = now
        return True

    return _write(lib, rec, curator, "verified", base, apply)


def set_paper_status(lib: Library, rec: Record, status: str, reason: str, who: str | None,
                     base: Record | None = UNCHECKED) -> Changes:
    """Reject the record or exclude the paper, with a reason."""
    if status not in (RECORD_REJECTED, RECORD_EXCLUDED):
        raise CurationError(f"unknown status {status!r}")
    if not reason.strip():
        raise CurationError(f"say why the paper is {status}")

    def apply(new: Record, _old: Record | None, _now: str) -> bool:
        new.status = status
        new.exclusion_reason = reason.strip()
        new.verified_at = None
        return True

    return _write(lib, rec, who, status, base, apply)


def autosave(lib: Library, rec: Record) -> Path | None:
    """Keep the form as typed, so a crash loses nothing; cleared by the next save. When the library
    cannot be reached, the form is kept on this computer instead (services.offline): returns that file
    (None when the library took it)."""
    if lib.read_only:
        return None
    payload = record_to_dict(rec)
    try:
        lib.autosave(rec.paper_id, payload)
    except LibraryError as exc:  # a full disk: the previous autosave stays
        raise NotSaved(str(exc)) from exc
    except Exception as exc:
        if not team.unavailable(exc):
            raise
        try:
            return offline.keep(lib, rec.paper_id, payload)
        except OSError as err:
            raise NotSaved(f"the library cannot be reached ({exc}) and the edits could not be kept on this "
                           f"computer either ({err})") from err
    return None


def discard_autosave(lib: Library, paper_id: int) -> None:
    """The curator chose to drop unsaved edits: forget their autosave, here and on this computer
    (nothing to do read-only: a read-only window never autosaves)."""
    if not lib.read_only:
        offline.forget(lib, paper_id)
        lib.discard_autosave(paper_id)


def recover(lib: Library, paper_id: int) -> tuple[Record, str] | None:
    """An autosaved form newer than the stored record, with its time, if there is one: the one kept on
    this computer while the library could not be reached first, else the library's own."""
    got = offline.load(lib, paper_id) or lib.load_autosave(paper_id)
    if got is None:
        return None
    payload, saved_at = got
    rec = record_from_dict(payload)
    current = lib.load_record(paper_id)
    if current is not None and _content_equal(current, rec):
        offline.forget(lib, paper_id)
        return None
    return rec, saved_at
