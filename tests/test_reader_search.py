"""The reader follows the search filter (issue 17 item 8): the paper list's search words are highlighted in
the reader by the same rule the search uses, and when the open paper drops out of the list the first
match opens (unless the open paper has unsaved edits)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from curator.domain.search import search_hits, search_words
from curator.store.library import Library
from tests.ui_helpers import make_window, select_paper_titled


def test_search_words_and_hits_follow_the_full_text_query():
    assert search_words("IFN-γ storm") == ["IFN", "γ", "storm"]
    assert Library.fts_query("IFN-γ storm") == '"IFN" "γ" "storm"*'  # one rule for the query and the highlight
    text = "Emapalumab lowered IFN-γ; interferon storms subsided. Storm over."
    assert [text[a:b] for a, b in search_hits(text, "ifn-γ storm")] == ["IFN", "γ", "storms", "Storm"]
    assert [text[a:b] for a, b in search_hits(text, "emap")] == ["Emapalumab"]  # the last word is a prefix
    assert search_hits(text, "  ") == []
    assert [text[a:b] for a, b in search_hits(text, "lower subs")] == ["subsided"]  # only the last is a prefix


def _type_search(qtbot, win, text: str) -> None:
    win.search.setFocus()
    win.search.selectAll()
    if text:
        qtbot.keyClicks(win.search, text)
    else:
        qtbot.keyClick(win.search, Qt.Key.Key_Delete)
    QApplication.processEvents()


def test_reader_highlights_the_search_and_follows_it_to_the_first_match(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    case = select_paper_titled(win, "Case Report")
    pediatric = next(pid for pid in win.paper_model.ids if pid != case)
    # a search the open paper matches: it stays open, the words are highlighted
    _type_search(qtbot, win, "emapalumab")
    assert win.paper_id == case
    hits = win.reader.search_hit_texts()
    assert hits and all(h.casefold().startswith("emapalumab") for h in hits)
    assert win.reader.search_hit_texts()[0] in win.reader.paper.title  # the title's too
    # a search it does not match: the first match opens once typing pauses
    _type_search(qtbot, win, "pediatric")
    assert win.paper_model.ids == [pediatric]
    qtbot.waitUntil(lambda: win.paper_id == pediatric, timeout=3000)
    assert win.reader.paper.title == win.lib.get_paper(pediatric).title
    assert win.paper_view.currentIndex().row() == 0
    assert [h.casefold() for h in win.reader.search_hit_texts()][:1] == ["pediatric"]
    assert len(win.reader.search_hit_texts()) >= 2  # title and abstract
    # cleared: the paper stays, nothing highlighted
    _type_search(qtbot, win, "")
    assert win.paper_id == pediatric and win.reader.search_hit_texts() == []


def test_unsaved_edits_keep_the_paper_open(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    case = select_paper_titled(win, "Case Report")
    win.forms.study_form.set_value("n_enrolled", "1")
    assert win.dirty
    _type_search(qtbot, win, "pediatric")
    qtbot.wait(600)
    assert win.paper_id == case
    assert "stays open" in win.statusBar().currentMessage()
