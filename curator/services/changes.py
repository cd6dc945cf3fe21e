"""What an operation changed in the library, so every view refreshes itself (Qt-free).

Every service call that writes, in the foreground (save, verify, reject) or in the background
(import, suggestions for many papers), is described by one `Changes`; the window hands it to the
views through one "changes applied" signal, and each view decides what to re-read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from curator.domain import validation


@dataclass(frozen=True)
class Remote:
    """A write another curator (another window) made, as the library's change feed tells it."""

    id: int
    at: str
    who: str  # the curator's name ("someone" when the writer gave none)
    paper_id: int | None  # None: an import (papers added or merged)
    kind: str  # save | verify | status | import

    def text(self) -> str:
        what = {"save": "saved", "verify": "verified", "status": "changed the status of",
                "import": "imported papers"}.get(self.kind, self.kind)
        return f"{self.who} {what}" + (f" paper {self.paper_id}" if self.paper_id is not None else "")


@dataclass
class Changes:
    paper_ids: list[int] = field(default_factory=list)  # papers whose list row or record changed
    papers: bool = False  # papers were added or removed: lists and counts are re-read whole
    records: bool = False  # curated records changed: views over the whole library redraw
    status: str | None = None  # the record's status after a record change
    messages: list[validation.Message] = field(default_factory=list)  # validation of the saved record
    history_rows: int = 0  # history lines the save wrote
    merged: list[str] = field(default_factory=list)  # values taken in from a save made meanwhile
    merged_from: list[str] = field(default_factory=list)  # who made the save(s) merged in
    remote: list[Remote] = field(default_factory=list)  # others' writes (the change feed): not this window's

    @property
    def empty(self) -> bool:
        return not (self.paper_ids or self.papers or self.records)


def of_import(report) -> Changes:
    """An import (services.importing.ImportReport) adds and merges papers: lists are re-read whole."""
    return Changes(paper_ids=list(report.paper_ids), papers=True)


def of_records(paper_ids: list[int]) -> Changes:
    """Records of these papers were written (suggestions saved as drafts, a batch of saves)."""
    return Changes(paper_ids=list(paper_ids), records=True)
