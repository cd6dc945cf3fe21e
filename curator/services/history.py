"""A record's history as the curator reads it: every stored change named by the form's labels
(`curator.domain.history.history_entries`), for the history table of the window and the CLI."""

from __future__ import annotations

from curator.domain.history import HistoryEntry, history_entries
from curator.domain.outcomes import Record
from curator.store.library import Library


def record_history(lib: Library, paper_id: int, rec: Record | None = None) -> list[HistoryEntry]:
    """The changes saved for `paper_id`, oldest first. Rows are numbered as they stand in `rec` (the
    record open in the form, unsaved edits included), else as stored."""
    if rec is None:
        rec = lib.load_record(paper_id)
    return history_entries(lib.history(paper_id), rec)
