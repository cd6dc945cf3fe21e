"""A window on a library other curators use too: their writes shown live, who has which paper open,
a save that meets theirs, a library that cannot be reached.

`TeamSync` belongs to the main window. About once a second (or at once, when the engine sends a change
notice) it asks services.team, off the GUI thread with the one background helper on a connection of its
own, what others wrote since the last poll and who has which paper open, and says again what this window
has open. Others' writes go out on the window's "changes applied" hub like any other: the list re-reads
its rows, and the open paper is reloaded when it has no unsaved edits here, else the curator is told
their edits will be merged on save. Every write of the open record goes through `through_gate`: values
both curators changed open the side-by-side dialog (nothing written until decided), a library that
cannot be reached keeps the edits on this computer and the save is tried again until it is back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from curator.domain.outcomes import Record
from curator.services import curation, team
from curator.services.changes import Changes
from curator.services.library import Library, second_connection
from curator.ui.worker import LibraryOp

if TYPE_CHECKING:
    from curator.ui.main_window import MainWindow

log = logging.getLogger("curator.ui")


class TeamSync(QObject):
    POLL_MS = 1000  # others' saves reach this window within about a second (the issue asks for 2)
    RETRY_MS = 5000  # a save the library could not take is tried again this often

    # the library's change notice (services.team.listen), emitted from its listener's thread: poll now
    woken = Signal()

    def __init__(self, win: MainWindow):
        super().__init__(win)
        self.win = win
        self.newer_by: list[str] = []  # who saved the open paper since it was opened here, while edited here
        self.pending_save = False  # a save the library could not take, tried again by retry_timer
        self.library_lost = False  # the last poll could not reach the library
        self.others: dict[int, list[team.Editor]] = {}  # other windows' open papers
        self.last_id = 0  # the change feed's id seen last
        self._poll_op: LibraryOp | None = None
        self._poll_lib: Library | None = None  # the poll's own connection, kept open between polls
        self._poll_again = False
        self._reconnect = False
        self._beat: tuple[int | None, bool] | None = None  # what the last heartbeat said
        self._beat_at = 0.0
        self._retrying = False
        self._stop_listening: Callable[[], None] | None = None
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(self.POLL_MS)
        self.poll_timer.timeout.connect(self.poll)
        self.retry_timer = QTimer(self)
        self.retry_timer.setInterval(self.RETRY_MS)
        self.retry_timer.timeout.connect(self.retry_save)
        self.woken.connect(self.poll)  # queued across threads

    # --- following a library ---------------------------------------------------------------------
    def start(self) -> None:
        """Join the window's library as its curator and follow the library's change feed from now on."""
        w = self.win
        self.newer_by, self.pending_save, self.library_lost, self.others = [], False, False, {}
        self._beat = None
        team.join(w.lib, w.curator_name())
        try:
            self.last_id = team.latest(w.lib)
        except Exception as exc:  # noqa: BLE001 — the feed is read again at the next poll
            log.warning("change feed not read: %s", exc)
            self.last_id = 0
        self.poll_timer.start()
        try:
            self._stop_listening = team.listen(w.lib, self.woken.emit)
        except Exception as exc:  # noqa: BLE001 — no notices: the poll alone follows the feed
            log.warning("change notices not available: %s", exc)
            self._stop_listening = None
        self.update_banner()

    def stop(self) -> None:
        """Stop following the library (closing, switching): the last poll finishes, this window's
        presence goes, the poll's connection closes."""
        self.poll_timer.stop()
        self.retry_timer.stop()
        if self._stop_listening is not None:
            try:
                self._stop_listening()
            except Exception as exc:  # noqa: BLE001
                log.info("change notices not stopped: %s", exc)
            self._stop_listening = None
        if self._poll_op is not None:
            self._poll_op.wait(10000)
        try:
            team.leave(self.win.lib)
        except Exception as exc:  # noqa: BLE001 — an unreachable library forgets the window after a minute
            log.info("presence not withdrawn: %s", exc)
        self._drop_connection()

    def poll(self) -> LibraryOp | None:
        """Ask the library what others wrote since the last poll and who has which paper open; say again
        what this window has open when that changed, or every few seconds."""
        w = self.win
        if self._poll_op is not None or w._stopping:
            self._poll_again = self._poll_op is not None  # woken meanwhile: once more when this one ends
            return None
        self._poll_again = False
        if self._poll_lib is None:
            try:
                self._poll_lib = second_connection(w.lib)
            except Exception as exc:  # noqa: BLE001 — the library is gone for now: said, tried next second
                self._unreachable(str(exc))
                return None
        state = (w.paper_id, bool(w.dirty))
        due = state != self._beat or time.monotonic() - self._beat_at >= team.HEARTBEAT_EVERY_S
        last = self.last_id
        op = LibraryOp(w, w.lib, lambda lib, _p, _c: team.poll(lib, last, state[0], state[1], heartbeat=due),
                       changes=lambda result: result.changes, hub=w.hub, connection=self._poll_lib)
        self._poll_op = op
        op.success(lambda result: self._polled(result, state if due else None)).failure(self._unreachable)
        op.finished.connect(lambda: self._poll_finished(op))
        return op.run_in_background()

    def _poll_finished(self, op: LibraryOp) -> None:
        if self._poll_op is op:
            self._poll_op = None
        if op.error is not None or self._reconnect:  # a broken connection: a fresh one next time
            self._reconnect = False
            self._drop_connection()
        op.deleteLater()
        if self._poll_again and self.poll_timer.isActive():
            QTimer.singleShot(0, self.poll)

    def _polled(self, result: team.Poll, beat: tuple[int | None, bool] | None) -> None:
        w = self.win
        if result.unreachable is not None:
            self._unreachable(result.unreachable)
            self._reconnect = True
            return
        self.last_id = max(self.last_id, result.last_id)
        if beat is not None and result.beat_error is None:
            self._beat, self._beat_at = beat, time.monotonic()
        self.others = result.editors
        w.extraction.update()  # dual extraction: how many extractions of the open paper are in, submitted
        w.paper_model.set_editors({pid: (", ".join(dict.fromkeys(e.curator for e in eds)), any(e.dirty for e in eds))
                                   for pid, eds in result.editors.items()})
        if self.library_lost:
            self.library_lost = False
            w.statusBar().showMessage("The library is back", 5000)
            if self.pending_save:
                QTimer.singleShot(0, self.retry_save)
        self.update_banner()

    def _drop_connection(self) -> None:
        """Close the poll's connection (no poll running): the next poll opens a fresh one."""
        lib, self._poll_lib = self._poll_lib, None
        if lib is not None:
            try:
                lib.close()
            except Exception:  # noqa: BLE001 — it is broken already
                pass

    def _unreachable(self, message: str) -> None:
        first = message.strip().splitlines()[0] if message.strip() else "unknown error"
        if not self.library_lost:
            log.warning("library poll failed: %s", first)
        self.library_lost = True
        self.win.statusBar().showMessage(f"The library cannot be reached: others' changes are not shown until it is "
                                         f"back ({first})", 0)

    # --- others' writes ------------------------------------------------------------------------------
    def remote_changes(self, changes: Changes) -> None:
        """Others' writes (the hub): the list re-read its rows itself; the open paper follows — reloaded
        when it has no unsaved edits here, else the curator is told their edits will be merged on save."""
        w = self.win
        if changes.papers and w.paper_id is not None:  # the list was re-read whole: the open paper stays selected
            row = w.paper_model.row_of(w.paper_id)
            if row >= 0:
                sm = w.paper_view.selectionModel()
                sm.blockSignals(True)
                w.paper_view.selectRow(row)
                sm.blockSignals(False)
        mine = [r for r in changes.remote if r.paper_id is not None and r.paper_id == w.paper_id]
        if not mine or w.record is None or w.paper_id is None:
            return
        if w.extraction.on:  # the forms hold one's own extraction: others' saves of the consensus stay out of it
            w.extraction.update()
            return
        stored = curation.stored(w.lib, w.paper_id)
        if curation.same_version(stored, w.base):
            return  # already what this window shows
        who = list(dict.fromkeys(r.who for r in mine))
        names = " and ".join(who)
        w.forms.commit_pending()
        if not w.dirty:
            self._show_stored(stored)
            w.statusBar().showMessage(f"{names} saved this paper: the form shows their version", 10000)
        else:
            self.newer_by = list(dict.fromkeys([*self.newer_by, *who]))
            w.statusBar().showMessage(f"{names} saved a newer version of this paper — your edits will be merged "
                                      "on save", 10000)
        self.update_banner()

    def _show_stored(self, stored: Record | None) -> None:
        """The open paper's form shows the record as stored now (it has no unsaved edits here)."""
        w = self.win
        assert w.paper_id is not None
        w.base = stored
        w.record = stored.copy() if stored is not None else curation.load(w.lib, w.paper_id)
        self.newer_by = []
        w.forms.load(w.record)
        w._after_change()
        w._update_title()
        self.update_banner()

    def edits_undone(self) -> None:
        """The curator undid their edits back to the version opened: if others saved a newer one
        meanwhile, the form shows it now."""
        if self.newer_by:
            QTimer.singleShot(0, self._catch_up)

    def _catch_up(self) -> None:
        w = self.win
        if w.dirty or w.paper_id is None or not self.newer_by or w.extraction.on:
            return
        names = " and ".join(self.newer_by)
        self._show_stored(curation.stored(w.lib, w.paper_id))
        w.statusBar().showMessage(f"{names} saved this paper: the form shows their version", 10000)

    def paper_opened(self) -> None:
        self.newer_by = []
        self.update_banner()

    # --- the banner over the forms ----------------------------------------------------------------------
    def banner_text(self) -> str:
        w = self.win
        parts = []
        if w.paper_id is not None:
            text = team.editing_text(self.others.get(w.paper_id, []))
            if text:
                parts.append(text)
        if self.newer_by:
            parts.append(f"{' and '.join(self.newer_by)} saved a newer version — your edits will be merged on save")
        if self.pending_save:
            parts.append("Not saved yet: the library cannot be reached — your edits are kept on this computer and "
                         "will be saved when it is back")
        return " · ".join(parts)

    def update_banner(self) -> None:
        banner = self.win.team_banner
        text = self.banner_text()
        if text != banner.text():
            banner.setText(text)
        banner.setVisible(bool(text))

    # --- writing the open record ------------------------------------------------------------------------
    def through_gate(self, call: Callable[[Record, Record | None], Changes], action: str) -> Changes | None:
        """Run a write of the open record through the services' gate (`call(record, base)`). Values
        another curator changed too go to the curator (the window's `ask_conflicts`: the side-by-side
        dialog): nothing is written until they decide, then the decided record is saved against what is
        stored now (merged again if yet another save came meanwhile). A library that cannot be reached
        keeps the edits on this computer and the save is tried again. None: nothing was written."""
        w = self.win
        assert w.record is not None
        while True:
            try:
                return call(w.record, w.base)
            except curation.StaleRecord as exc:
                choices = w.ask_conflicts(exc)
                if choices is None:
                    w.statusBar().showMessage(
                        f"Not {action}: {' and '.join(exc.by) or 'another curator'} changed "
                        f"{len(exc.conflicts)} of the same value(s) — nothing was saved; your edits are kept", 15000)
                    return None
                w.record = curation.resolve(w.record, exc, choices)
                w.base = exc.theirs
                self.newer_by = []
                w.forms.load(w.record)  # the decided values, and theirs merged in
                w._after_change()
            except curation.Unreachable as exc:
                self._keep_for_retry(str(exc))
                return None

    def saved(self) -> None:
        """A write of the open record went through: whatever others saved is in it; nothing waits."""
        self.newer_by = []
        if self.pending_save:
            self.pending_save = False
            self.retry_timer.stop()
        self.update_banner()

    def _keep_for_retry(self, reason: str) -> None:
        """The library could not take the save: the edits stay (autosaved on this computer) and are saved
        as a draft when it is back."""
        w = self.win
        assert w.record is not None
        w.forms.notes.store(w.record)
        try:
            kept = curation.autosave(w.lib, w.record)
            where = f" (kept in {kept})" if kept is not None else ""
        except curation.CurationError as exc:
            where = f" (not autosaved: {exc})"
        self.pending_save = True
        self.retry_timer.start()
        w.statusBar().showMessage("Not saved: the library cannot be reached — your edits are kept on this computer"
                                  f"{where} and will be saved when it is back", 0)
        log.warning("save deferred: %s", reason)
        self.update_banner()

    def retry_save(self) -> None:
        """Try the deferred save again (as a draft, through the same gate)."""
        w = self.win
        if not self.pending_save or w.record is None or self._retrying:
            if not self.pending_save:
                self.retry_timer.stop()
            return
        self._retrying = True
        try:
            name = w.curator_name()
            changes = self.through_gate(lambda rec, base: curation.save_draft(w.lib, rec, name, base=base), "saved")
        except curation.CurationError as exc:
            w.statusBar().showMessage("Not saved: " + str(exc).replace("\n", " "), 15000)
            return
        finally:
            self._retrying = False
        if changes is not None:
            w._record_saved(changes)
            w.statusBar().showMessage("The library is back: your edits are saved as a draft" + w._merged_note(changes),
                                      10000)
