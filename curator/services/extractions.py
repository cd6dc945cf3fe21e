"""One extraction per curator (issue 19): each curator's own record of a paper, beside the consensus.

    save_extraction(lib, rec, "ana")        # ana's draft (refused once she has submitted it)
    submit_extraction(lib, paper_id, "ana") # done: from now on she may see the others' extractions
    visible_extractions(lib, paper_id, "ana")  # {curator: Record}, the blind rule applied

Blind mode (on by default when the library has more than one curator; `set_blind` overrides it) hides
every other curator's extraction of a paper from a curator until their own is submitted. A submitted
extraction is not edited again: differences are settled in the consensus (services.compare), which is
written through the record write gate (services.curation) like every record.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from curator.domain import readiness
from curator.domain.outcomes import Record, link_accepted_by, record_from_dict, record_to_dict
from curator.services.changes import Changes
from curator.services.curation import UNCHECKED, Consensus, CurationError, NotSaved, ReadOnlyLibrary, save_draft
from curator.store import extraction_queries as q
from curator.store.library import Library, LibraryError, utcnow

DRAFT, SUBMITTED = q.DRAFT, q.SUBMITTED
BLIND = "blind"

CONSENSUS, OWN = "consensus", "extraction"  # what a window's forms open and save (`form_target`)

__all__ = ["CONSENSUS", "DRAFT", "OWN", "SUBMITTED", "Extraction", "blind_mode", "curators", "dual_extraction",
           "extraction", "extractions", "form_target", "open_own", "progress_text", "put", "save_extraction",
           "set_blind", "submit_extraction", "visible_extractions"]


@dataclass
class Extraction:
    curator: str
    record: Record
    status: str
    revision: int
    updated_at: str
    schema_version: int

    @property
    def submitted(self) -> bool:
        return self.status == SUBMITTED


def _of(s: q.StoredExtraction) -> Extraction:
    return Extraction(s.curator, record_from_dict(s.payload), s.status, s.revision, s.updated_at, s.schema_version)


def _name(curator: str | None) -> str:
    if not curator or not curator.strip():
        raise CurationError("an extraction belongs to a named curator: set your name first")
    return curator.strip()


def extraction(lib: Library, paper_id: int, curator: str) -> Extraction | None:
    got = q.get_extraction(lib, paper_id, _name(curator))
    return _of(got) if got else None


def extractions(lib: Library, paper_id: int) -> dict[str, Extraction]:
    """Every curator's extraction of the paper (no blind rule: for the adjudicator and exports)."""
    return {s.curator: _of(s) for s in q.extractions_of(lib, paper_id)}


def curators(lib: Library) -> list[str]:
    return q.curators(lib)


def blind_mode(lib: Library) -> bool:
    """Whether curators see the others' extractions only after submitting their own."""
    value = q.get_setting(lib, BLIND)
    if value is not None:
        return value == "on"
    return len(q.curators(lib)) > 1


def set_blind(lib: Library, on: bool | None) -> None:
    """Blind mode on, off, or (None) back to the default."""
    if lib.read_only:
        raise ReadOnlyLibrary(f"{lib.path} is open read-only: blind mode was not changed")
    q.set_setting(lib, BLIND, None if on is None else ("on" if on else "off"))


def dual_extraction(lib: Library) -> bool:
    """Whether the library's papers are extracted by each curator on their own (blind mode on, or more
    than one curator has extractions)."""
    return blind_mode(lib) or len(q.curators(lib)) > 1


def form_target(lib: Library, paper_id: int, curator: str | None) -> str:
    """THE rule of what a curator's forms open and save for a paper: `OWN` (their own extraction, a
    draft) in a library with dual extraction on, until they have submitted it; `CONSENSUS` (the paper's
    record) otherwise — a library without dual extraction works exactly as before. A curator with no
    name yet still never gets the consensus there (they are asked for a name when they save)."""
    if not dual_extraction(lib):
        return CONSENSUS
    if not curator or not curator.strip():
        return OWN
    own = q.get_extraction(lib, paper_id, curator.strip())
    return CONSENSUS if own is not None and own.status == SUBMITTED else OWN


def open_own(lib: Library, paper_id: int, curator: str | None) -> Extraction | None:
    """The curator's own extraction of the paper to edit (None: not begun — the form starts empty, never
    from the consensus or another curator's extraction)."""
    if not curator or not curator.strip():
        return None
    return extraction(lib, paper_id, curator)


def progress_text(lib: Library, paper_id: int) -> str:
    """'2 extractions, 1 submitted': how far a paper's extraction is, without saying what anyone entered."""
    infos = q.extraction_infos(lib, paper_id)
    done = sum(1 for i in infos if i.status == SUBMITTED)
    return f"{len(infos)} extraction{'' if len(infos) == 1 else 's'}, {done} submitted"


def visible_extractions(lib: Library, paper_id: int, viewer: str) -> dict[str, Extraction]:
    """The extractions of the paper `viewer` may see. Blind mode off, or `viewer`'s own submitted: all.
    Otherwise a curator still extracting sees only their own draft, and someone with no extraction of the
    paper (an adjudicator) only the submitted ones."""
    viewer = _name(viewer)
    every = extractions(lib, paper_id)
    own = every.get(viewer)
    if not blind_mode(lib) or (own is not None and own.submitted):
        return every
    if own is not None:
        return {viewer: own}
    return {k: v for k, v in every.items() if v.submitted}


def put(lib: Library, rec: Record, curator: str, status: str, revision: int,
        updated_at: str | None = None) -> Changes:
    """Write an extraction as it is (record files import this way: nothing renumbered)."""
    if lib.read_only:
        raise ReadOnlyLibrary(f"{lib.path} is open read-only: nothing was saved")
    try:
        q.put_extraction(lib, rec.paper_id, _name(curator), record_to_dict(rec), status, revision,
                         lib.schema_version, updated_at)
    except LibraryError as exc:
        raise NotSaved(str(exc)) from exc
    return Changes([rec.paper_id])


class _Own(Consensus):
    """The write gate's target for one curator's own extraction (services.curation._write): the paper held
    as for its record, the extraction read and written in that one transaction. No line in the record's
    history or the team's change feed: those are the consensus's, and others may read them (blind mode)."""

    def __init__(self, curator: str):
        self.curator = curator
        self.old: q.StoredExtraction | None = None

    @contextmanager
    def for_update(self, lib: Library, paper_id: int) -> Iterator[Record | None]:
        with lib.record_for_update(paper_id):  # one writer at a time, as for the paper's record
            self.old = q.get_extraction(lib, paper_id, self.curator)
            if self.old is not None and self.old.status == SUBMITTED:
                raise CurationError(f"{self.curator}'s extraction of paper {paper_id} was submitted: it is not "
                                    "edited again (settle differences in the consensus)")
            yield record_from_dict(self.old.payload) if self.old is not None else None

    def writers_since(self, lib: Library, paper_id: int, since: str | None, old: Record) -> list[str]:
        return [self.curator]  # only its curator writes an extraction (in another window)

    def write(self, lib: Library, new: Record, changes: list, who: str | None, kind: str) -> None:
        new.revision = 1 if self.old is None else self.old.revision + 1  # every save of an extraction counts
        q.write_extraction(lib, new.paper_id, self.curator, record_to_dict(new), DRAFT, new.revision,
                           lib.schema_version, new.updated_at or utcnow())

    def written(self, lib: Library, paper_id: int) -> None:
        pass  # an extraction has no autosave of its own: the window autosaves it as its draft


def save_extraction(lib: Library, rec: Record, curator: str, base: Record | None = UNCHECKED) -> Changes:
    """Save `curator`'s extraction of the paper as a draft, through the record write gate
    (services.curation.save_draft: read-only check, `base` checked and a save made meanwhile merged, the
    new revision). Refused once submitted."""
    name = _name(curator)
    rec.curator = name
    # provenance as the consensus records it (store.library writes it so): an extractor's link on a row the
    # curator accepted says who accepted it
    for row in rec.all_rows():
        for span in row.sources.values():
            span.accepted_by = link_accepted_by(row, span, name)
    return save_draft(lib, rec, name, base, target=_Own(name))


def submit_extraction(lib: Library, paper_id: int, curator: str) -> Changes:
    """`curator` is done with the paper: the extraction becomes submitted (it must say something)."""
    name = _name(curator)
    old = q.get_extraction(lib, paper_id, name)
    if old is None:
        raise CurationError(f"{name} has no extraction of paper {paper_id} to submit")
    if old.status == SUBMITTED:
        return Changes()
    rec = record_from_dict(old.payload)
    if readiness.readiness(rec).empty:
        raise CurationError(f"{name}'s extraction of paper {paper_id}: " + readiness.EMPTY_TEXT)
    return put(lib, rec, name, SUBMITTED, old.revision + 1)
