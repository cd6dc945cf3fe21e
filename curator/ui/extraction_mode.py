"""A window's forms on the curator's own extraction (issue 19, blind dual extraction).

In a library with dual extraction on, the forms open and save the current curator's own extraction — a
draft only they see — never the consensus (the rule: services.extractions.form_target). A banner over the
forms says so ("Your extraction (blind) — Ana · 2 extractions, 1 submitted"). Record ▸ Submit my extraction
hands it in; the forms then show the consensus, and Record ▸ Compare extractions… (ui.compare_view) settles
the differences into it. Everywhere else (one curator, blind mode off) the window works as before: this
module only answers `on` = False. The main window calls in at a few places (open, save, autosave, verify,
reject/exclude); the rules stay in services.extractions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMenu

from curator.domain.outcomes import Record
from curator.services import curation, extractions

if TYPE_CHECKING:
    from curator.ui.main_window import MainWindow

BANNER_STYLE = ("QLabel#extraction_banner { background: #e3f0ff; color: #0b3a6e; border: 1px solid #8fb8e8; "
                "border-radius: 3px; padding: 4px 8px; font-weight: bold; }")


class ExtractionMode(QObject):
    def __init__(self, win: MainWindow):
        super().__init__(win)
        self.win = win
        self.on = False  # the open paper's forms hold the curator's own extraction
        self.curator: str | None = None
        self.banner = QLabel()
        self.banner.setObjectName("extraction_banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.setAccessibleName("Extracting as")
        self.banner.hide()
        self.act_submit = QAction("Su&bmit my extraction", win)
        self.act_submit.setObjectName("act_submit_extraction")
        self.act_submit.setStatusTip("Hand in your extraction of this paper: then compare it with the others")
        self.act_submit.triggered.connect(lambda: self.submit())
        self.act_blind = QAction("&Blind dual extraction", win)
        self.act_blind.setObjectName("act_blind")
        self.act_blind.setCheckable(True)
        self.act_blind.setStatusTip("Each curator extracts each paper on their own; the others' work is hidden "
                                    "until one's own is submitted")
        self.act_blind.triggered.connect(self.set_blind)

    def add_actions(self, menu: QMenu) -> list[QAction]:
        """Record menu: Submit my extraction, Blind dual extraction (both write)."""
        menu.addAction(self.act_submit)
        menu.addAction(self.act_blind)
        self.update()
        return [self.act_submit, self.act_blind]

    # --- opening ------------------------------------------------------------------------------------
    def load(self, paper_id: int) -> Record | None:
        """What the forms open for the paper: the curator's own extraction (a copy; `win.base` set to the
        stored one), or None — the consensus, opened as before."""
        w = self.win
        name = w.curator_name()
        if extractions.form_target(w.lib, paper_id, name) == extractions.CONSENSUS:
            self.on, self.curator = False, None
            self.update(paper_id)
            return None
        self.on, self.curator = True, name
        own = extractions.open_own(w.lib, paper_id, name)
        w.base = own.record.copy() if own is not None else None
        self.update(paper_id)
        return own.record.copy() if own is not None else Record(paper_id=paper_id)

    def reset(self) -> None:
        """Another library: nothing open."""
        self.on, self.curator = False, None
        self.update()

    # --- writing ------------------------------------------------------------------------------------
    def save(self, quiet: bool = False) -> bool:
        """Save the form as the curator's extraction (a draft). `quiet`: an autosave — no dialog."""
        w = self.win
        assert w.record is not None
        w.forms.commit_pending()
        name = w.curator_name(ask=not quiet)
        if not name:
            if not quiet:
                w.statusBar().showMessage("Not saved: an extraction belongs to a named curator", 10000)
            return False
        w.forms.notes.store(w.record)
        try:
            changes = extractions.save_extraction(w.lib, w.record, name, base=w.base)
        except curation.CurationError as exc:
            w.statusBar().showMessage("Not saved: " + str(exc).replace("\n", " "), 10000)
            if not quiet:
                w.warn("Not saved", str(exc))
            return False
        self.curator = name
        w._record_saved(changes)
        self.update(w.record.paper_id)
        w.statusBar().showMessage(f"Your extraction {'autosaved' if quiet else 'saved'} (draft, revision "
                                  f"{w.record.revision}) — only you see it until you submit it", 10000)
        return True

    def submit(self) -> bool:
        """Record ▸ Submit my extraction: save the form, then hand it in (refused when empty, see
        services.extractions.submit_extraction); the forms then show the consensus."""
        w = self.win
        if w.record is None or w.paper_id is None:
            return False
        if not self.on:
            w.statusBar().showMessage("Nothing to submit: the forms show the consensus record", 8000)
            return False
        if (w.dirty or w.base is None) and not self.save():
            return False
        pid = w.paper_id
        try:
            extractions.submit_extraction(w.lib, pid, self.curator or "")
        except curation.CurationError as exc:
            w.statusBar().showMessage("Not submitted: " + str(exc).replace("\n", " "), 15000)
            w.warn("Not submitted", str(exc))
            return False
        w.open_paper(pid)  # the rule now gives the consensus
        w.statusBar().showMessage(f"Your extraction of paper {pid} is submitted ({extractions.progress_text(w.lib, pid)})"
                                  " — Record ▸ Compare extractions… once another is submitted", 15000)
        return True

    def refuse(self, what: str) -> bool:
        """Verify, reject, exclude, the history: the consensus's — not from (or beside) one's own extraction."""
        self.win.warn(f"Not {what}", f"The form holds your own extraction (dual extraction), not the paper's "
                      f"record: the record is not {what} from here. Submit your extraction (Record ▸ Submit my "
                      "extraction); the consensus made from the extractions is then verified, rejected or excluded, "
                      "and its history shown.")
        self.win.statusBar().showMessage(f"Not {what}: submit your extraction instead", 10000)
        return False

    def set_blind(self, on: bool) -> None:
        """Record ▸ Blind dual extraction: the library's setting; the open paper is opened again."""
        w = self.win
        if not w.maybe_keep_edits():
            self.update()
            return
        try:
            extractions.set_blind(w.lib, bool(on))
        except curation.CurationError as exc:
            w.warn("Not changed", str(exc))
        if w.paper_id is not None:
            w.open_paper(w.paper_id)
        self.update()

    # --- showing -------------------------------------------------------------------------------------
    def update(self, paper_id: int | None = None) -> None:
        w = self.win
        self.act_blind.setChecked(extractions.blind_mode(w.lib))
        self.act_blind.setEnabled(not w.lib.read_only)
        self.act_submit.setEnabled(self.on and not w.lib.read_only)
        pid = paper_id if paper_id is not None else w.paper_id
        if not self.on or pid is None:
            if pid is not None and extractions.dual_extraction(w.lib):
                self.banner.setText(f"Consensus record — {extractions.progress_text(w.lib, pid)}; "
                                    "Record ▸ Compare extractions… settles the differences")
                self.banner.show()
            else:
                self.banner.hide()
            return
        blind = " (blind)" if extractions.blind_mode(w.lib) else ""
        who = self.curator or "set your name to save it"
        hidden = "others' extractions and the consensus are hidden until you submit" if blind else \
            "the consensus is made once the extractions are submitted"
        self.banner.setText(f"Your extraction{blind} — {who} · {extractions.progress_text(w.lib, pid)} · "
                            f"{hidden} (Record ▸ Submit my extraction)")
        self.banner.show()
