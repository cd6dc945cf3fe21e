"""A team on one library, below the GUI (issue 18 items 3, 4 and 7): two connections to one SQLite file
behave as two curators. The change feed, presence, merge naming who saved meanwhile, conflicts carried
as data and settled by the curator's choices, and a library that cannot be reached."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from curator.domain.outcomes import Comparison
from curator.services import curation, offline, team
from curator.services.importing import import_files
from curator.services.library import open_library
from curator.store import team_queries
from curator.store.library import Library
from tests.conftest import CASE_REPORT_SEED


@pytest.fixture
def two(library_target, tmp_path, monkeypatch):
    """Ana's and Ben's connections to one library (each its own session), on each engine: one SQLite
    file, or one PostgreSQL database."""
    monkeypatch.setenv("CURATOR_DATA_DIR", str(tmp_path / "data"))
    ana, _ = open_library(library_target, seed=True)
    ben = Library.open(library_target)
    team.join(ana, "Ana")
    team.join(ben, "Ben")
    yield ana, ben
    ben.close()
    ana.close()


def _pid(lib) -> int:
    return lib.list_ids()[0]


def _both_open(ana, ben, pid):
    """A record stored with one comparison; both curators open it. Returns (base, ana's, ben's)."""
    first = curation.load(ana, pid)
    first.comparisons.append(Comparison(analyte="IL-6", value_a=10.0, value_b=20.0, unit="pg/ml"))
    curation.save_draft(ana, first, "Ana")
    base = curation.stored(ana, pid)
    return base, base.copy(), curation.stored(ben, pid)


def test_the_feed_tells_each_curator_the_others_writes_and_not_their_own(two, tmp_path):
    ana, ben = two
    pid = _pid(ana)
    start = team.latest(ana)
    rec = curation.load(ben, pid)
    rec.notes = "Ben read it"
    curation.save_draft(ben, rec, "Ben", base=None)
    curation.set_paper_status(ben, rec, "rejected", "not CAR-T", "Ben", base=curation.stored(ben, pid))
    last, seen = team.changes_since(ana, start)
    assert [(r.who, r.paper_id, r.kind) for r in seen] == [("Ben", pid, "save"), ("Ben", pid, "status")]
    assert team.changes_since(ben, start)[1] == []  # Ben's own writes are not news to Ben
    assert team.changes_since(ana, last) == (last, [])  # read once
    ch = team.as_changes(seen)
    assert ch.paper_ids == [pid] and ch.records and not ch.papers and ch.remote == seen

    report = import_files(ben, [CASE_REPORT_SEED])  # an import is in the feed too, with the importer's name
    assert report.totals["merged"] == 1
    last2, seen = team.changes_since(ana, last)
    assert [(r.who, r.paper_id, r.kind) for r in seen] == [("Ben", None, "import")]
    assert team.as_changes(seen).papers and last2 > last


def test_a_refused_write_leaves_no_line_in_the_feed(two, monkeypatch):
    """The feed's row is written in the save's own transaction: a save that is rolled back is not news."""
    ana, ben = two
    pid = _pid(ana)
    start = team.latest(ana)
    rec = curation.load(ben, pid)
    rec.notes = "never stored"
    real = team_queries.append_change

    def then_fail(*args, **kw):  # the feed's row written, then the save fails before its commit
        real(*args, **kw)
        raise RuntimeError("the write failed after its feed row")

    monkeypatch.setattr("curator.store.library.append_change", then_fail)
    with pytest.raises(RuntimeError, match="after its feed row"):
        curation.save_draft(ben, rec, "Ben", base=None)
    assert team.changes_since(ana, start)[1] == [] and ana.load_record(pid) is None


def test_presence_shows_who_has_a_paper_open_and_forgets_a_window_that_died(two, monkeypatch):
    ana, ben = two
    pid = _pid(ana)
    team.beat(ben, pid, dirty=False)
    (ed,) = team.editors(ana)[pid]
    assert (ed.curator, ed.dirty) == ("Ben", False) and team.editing_text([ed]) == "Ben has this paper open"
    team.beat(ben, pid, dirty=True)
    assert team.editing_text(team.editors(ana)[pid]) == "Ben is editing this paper"
    assert team.editors(ben) == {}  # one's own window is not "someone else"
    team.beat(ana, pid, dirty=True)
    assert team.editing_text(team.editors(ben)[pid]) == "Ana is editing this paper"
    both = [team.Editor(pid, "Dana", "s1", True, ""), team.Editor(pid, "Ben", "s2", False, ""),
            team.Editor(pid, "Eve", "s3", False, "")]
    assert team.editing_text(both) == "Dana is editing this paper; Ben and Eve have it open"
    # a window whose heartbeat stopped a minute ago is gone
    later = team._now() + timedelta(seconds=team.STALE_AFTER_S + 1)
    monkeypatch.setattr(team, "_now", lambda: later)
    assert team.editors(ana) == {}
    monkeypatch.undo()
    team.leave(ben)  # a window closing leaves at once
    assert team.editors(ana) == {}
    poll = team.poll(ben, team.latest(ben), pid, True, heartbeat=True)  # one poll says it again
    assert poll.beat_error is None and pid in team.editors(ana) and poll.editors[pid][0].curator == "Ana"
    # a window that died long ago is not shown, and the next heartbeat clears its row away
    team_queries.heartbeat(ana, "dead-window", "Zoe", pid, True, "2000-01-01T00:00:00+00:00")
    assert [e.curator for e in team.editors(ben)[pid]] == ["Ana"]
    assert "dead-window" in [r[2] for r in team_queries.editors(ana, "1999")]
    team.beat(ben, pid, dirty=False)
    assert "dead-window" not in [r[2] for r in team_queries.editors(ana, "1999")]


def test_different_values_are_merged_and_the_merge_names_who_saved_meanwhile(two):
    ana, ben = two
    pid = _pid(ana)
    base, mine, theirs = _both_open(ana, ben, pid)
    theirs.comparisons[0].value_b = 25.0  # Ben: field X
    curation.save_draft(ben, theirs, "Ben", base=base)
    mine.study.n_enrolled = 38  # Ana, meanwhile: field Y
    ch = curation.save_draft(ana, mine, "Ana", base=base)
    stored = ben.load_record(pid)
    assert stored.comparisons[0].value_b == 25.0 and stored.study.n_enrolled == 38  # both kept
    assert ch.merged == ["Comparisons row 1, After / B"] and ch.merged_from == ["Ben"]


def test_the_same_value_is_a_conflict_settled_by_the_curators_choice(two):
    ana, ben = two
    pid = _pid(ana)
    base, mine, theirs = _both_open(ana, ben, pid)
    theirs.comparisons[0].value_b = 25.0
    theirs.notes = "Ben's note"
    curation.save_draft(ben, theirs, "Ben", base=base)
    mine.comparisons[0].value_b = 21.0
    mine.study.n_enrolled = 38
    with pytest.raises(curation.StaleRecord) as exc:
        curation.save_draft(ana, mine, "Ana", base=base)
    stale = exc.value
    (c,) = stale.conflicts
    assert (c.label, c.base, c.mine, c.theirs, c.kind) == ("Comparisons row 1, After / B", 20.0, 21.0, 25.0, "float")
    assert stale.by == ["Ben"] and stale.theirs.comparisons[0].value_b == 25.0
    assert ben.load_record(pid).study.n_enrolled is None  # nothing written
    assert c.parse("2x") == ("2x", "Comparisons row 1, After / B: '2x' is not a number")
    value, err = c.parse("23.5")
    assert err is None
    decided = curation.resolve(mine, stale, {c.key: value})
    assert decided.comparisons[0].value_b == 23.5 and decided.notes == "Ben's note" and decided.study.n_enrolled == 38
    curation.save_draft(ana, decided, "Ana", base=stale.theirs)
    stored = ben.load_record(pid)
    assert (stored.comparisons[0].value_b, stored.notes, stored.study.n_enrolled) == (23.5, "Ben's note", 38)
    hist = [(h["who"], h["old"], h["new"]) for h in ana.history(pid) if h["field"] == "value_b"]
    assert hist == [("Ben", "20.0", "25.0"), ("Ana", "25.0", "23.5")]  # both saves are in the history


def test_a_row_removed_by_one_and_edited_by_the_other_is_decided_too(two):
    ana, ben = two
    pid = _pid(ana)
    base, mine, theirs = _both_open(ana, ben, pid)
    theirs.comparisons.clear()
    curation.save_draft(ben, theirs, "Ben", base=base)
    mine.comparisons[0].unit = "ng/ml"
    with pytest.raises(curation.StaleRecord) as exc:
        curation.save_draft(ana, mine, "Ana", base=base)
    (c,) = exc.value.conflicts
    assert c.kind == "row" and not c.editable and c.theirs is curation.REMOVED and c.mine.unit == "ng/ml"
    assert curation.resolve(mine, exc.value, {c.key: curation.REMOVED}).comparisons == []
    kept = curation.resolve(mine, exc.value, {c.key: c.mine})
    assert [r.unit for r in kept.comparisons] == ["ng/ml"]


def test_a_library_that_cannot_be_reached_keeps_the_edits_here_until_it_is_back(two, tmp_path, engine):
    if engine != "sqlite":
        pytest.skip("SQLite's busy file; the server's case is test_a_server_gone_mid_save_keeps_the_edits_here")
    ana, ben = two
    pid = _pid(ana)
    rec = curation.load(ana, pid)
    rec.notes = "typed while the library was away"
    blocker = sqlite3.connect(ana.path, isolation_level=None)  # another process holds the library
    blocker.execute("BEGIN IMMEDIATE")
    ana.conn.execute("PRAGMA busy_timeout = 50")
    try:
        with pytest.raises(curation.Unreachable, match="cannot be reached.*nothing was saved"):
            curation.save_draft(ana, rec, "Ana", base=None)
        kept = curation.autosave(ana, rec)  # the library's own autosave cannot be written: kept here
        assert kept is not None and kept.is_relative_to(tmp_path / "data") and kept.exists()
        got = curation.recover(ana, pid)
        assert got is not None and got[0].notes == "typed while the library was away"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    curation.save_draft(ana, rec, "Ana", base=None)  # back: the same save goes through
    assert ben.load_record(pid).notes == "typed while the library was away"
    assert not kept.exists() and offline.load(ana, pid) is None  # the local copy went with the save


def test_a_server_gone_mid_save_keeps_the_edits_here_until_it_is_back(tmp_path, pg_url, monkeypatch):
    """PostgreSQL: the server drops Ana's connection as she saves. Nothing is written, the save says the
    library cannot be reached (not a failure), her typing is kept on this computer, and the same save
    goes through once the connection is back."""
    import psycopg

    monkeypatch.setenv("CURATOR_DATA_DIR", str(tmp_path / "data"))
    ana, _ = open_library(pg_url, seed=True)
    team.join(ana, "Ana")
    pid = _pid(ana)
    rec = curation.load(ana, pid)
    rec.notes = "typed while the server restarted"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (ana.conn.raw.info.backend_pid,))
    real = Library.write_record

    def dropped(self, *args, **kw):
        with psycopg.connect(pg_url, autocommit=True) as admin:  # the server goes away mid-save
            admin.execute("SELECT pg_terminate_backend(%s)", (self.conn.raw.info.backend_pid,))
        return real(self, *args, **kw)

    monkeypatch.setattr(Library, "write_record", dropped)
    with pytest.raises(curation.Unreachable, match="(?s)cannot be reached.*nothing was saved"):
        curation.save_draft(ana, rec, "Ana", base=None)
    kept = curation.autosave(ana, rec)
    assert kept is None or kept.exists()  # the library's own autosave (reconnected) or the local file
    assert curation.recover(ana, pid)[0].notes == "typed while the server restarted"
    monkeypatch.setattr(Library, "write_record", real)
    curation.save_draft(ana, rec, "Ana", base=None)
    assert Library.open(pg_url).load_record(pid).notes == "typed while the server restarted"
    ana.close()


def test_the_server_wakes_a_window_when_another_curator_saves(pg_url, tmp_path, monkeypatch):
    """PostgreSQL's LISTEN/NOTIFY (services.team.listen): Ben's save wakes Ana's window at once (her
    own saves do not), and the feed then holds it."""
    import threading

    monkeypatch.setenv("CURATOR_DATA_DIR", str(tmp_path / "data"))
    ana, _ = open_library(pg_url, seed=True)
    ben = Library.open(pg_url)
    team.join(ana, "Ana")
    team.join(ben, "Ben")
    start = team.latest(ana)
    woken = threading.Event()
    stop = team.listen(ana, woken.set)
    assert stop is not None
    try:
        pid = _pid(ana)
        mine = curation.load(ana, pid)
        mine.notes = "Ana's own"
        curation.save_draft(ana, mine, "Ana", base=None)
        assert not woken.wait(1.0)  # her own write is no news
        rec = curation.load(ben, pid)
        rec.notes = "Ben read it"
        curation.save_draft(ben, rec, "Ben", base=curation.stored(ben, pid))
        assert woken.wait(2.0)
    finally:
        stop()
    _, seen = team.changes_since(ana, start)
    assert [(r.who, r.kind) for r in seen] == [("Ben", "save")]  # her own save is not news either
    ben.close()
    ana.close()
