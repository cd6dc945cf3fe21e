"""What only the PostgreSQL engine has: connecting (URL, passwords, errors naming the host), its
migrations, concurrent saves from several connections, change notices (LISTEN/NOTIFY), a server
restart, a connection killed mid-save, history that cannot be deleted. The shared behaviour runs on
both engines in test_store.py and the service tests (the `library_target` fixture)."""

from __future__ import annotations

import threading
import time

import pytest

from curator.__main__ import main
from curator.domain.outcomes import Measurement, Record
from curator.domain.paper import Paper
from curator.services import curation
from curator.services.library import CannotOpen, open_locked
from curator.store import postgres
from curator.store.library import Library, LibraryError
from tests.conftest import ENGINE_ERRORS, PEDIATRIC_SEED, SAMPLES

psycopg = pytest.importorskip("psycopg")


def _papers(lib: Library, n: int = 2) -> list[int]:
    with lib.transaction():
        return lib.insert_papers([Paper(title=f"CAR-T paper {i}", pmid=str(500 + i), abstract="CRS grade 2.")
                                  for i in range(n)])


def test_a_server_library_opens_everywhere_a_file_does(pg_url, capsys):
    """The CLI takes the URL wherever it takes a file (import, papers, export); no lock file is made."""
    assert main(["--library", pg_url, "import", str(PEDIATRIC_SEED)]) == 0
    capsys.readouterr()
    assert main(["--library", pg_url, "papers", "--search", "emapalumab", "--json"]) == 0
    import json

    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1 and "emapalumab" in rows[0]["title"].lower()
    opened = open_locked(pg_url)
    try:
        assert opened.lock is None and not opened.read_only and opened.lib.engine == "postgresql"
        assert opened.lib.path.name.endswith("on local socket")
    finally:
        opened.close()


def test_an_unreachable_server_is_named(capsys):
    url = "postgresql://curator@127.0.0.1:1/nowhere"
    with pytest.raises(LibraryError, match=r"cannot reach the PostgreSQL server at 127\.0\.0\.1 \(port 1"):
        Library.open(url)
    with pytest.raises(CannotOpen, match="127.0.0.1"):
        open_locked(url)
    assert main(["--library", url, "papers"]) == 2
    assert "127.0.0.1" in capsys.readouterr().err


def test_passwords_come_from_libpq_and_a_wrong_one_is_named(pg_cluster, monkeypatch):
    if "pw_ana" not in {r[0] for r in psycopg.connect(pg_cluster.url("postgres")).execute(
            "SELECT rolname FROM pg_roles").fetchall()}:
        pg_cluster.add_password_user("pw_ana", "s3cret")
    url = f"postgresql://pw_ana@/postgres?host={pg_cluster.dir}&port={postgres_port(pg_cluster)}"
    monkeypatch.setenv("PGPASSWORD", "wrong")
    with pytest.raises(LibraryError, match=r"refused the password of user pw_ana.*never stores one"):
        Library.open(url)
    monkeypatch.setenv("PGPASSWORD", "s3cret")  # libpq's own source: the app is given no password
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == "pw_ana"
    # a password written in the URL is used to connect but never kept in what the app shows or stores
    shown = postgres.redact(url.replace("pw_ana@", "pw_ana:s3cret@"))
    assert "s3cret" not in shown and "pw_ana@" in shown


def postgres_port(cluster) -> int:
    from tests.pg_cluster import PORT

    return PORT


def test_migrations_run_in_one_transaction_and_a_failure_leaves_the_version(pg_cluster, tmp_path, monkeypatch):
    url = pg_cluster.create_db("migr_fail")
    try:
        lib = Library.open(url)
        top = postgres.latest_version()
        assert lib.schema_version == top >= 6
        applied = [tuple(r) for r in lib.conn.execute("SELECT version, name FROM schema_migrations ORDER BY 1")]
        assert applied[0] == (1, "initial") and [v for v, _ in applied] == list(range(1, top + 1))
        _papers(lib, 1)
        lib.close()
        bad = tmp_path / "postgresql"
        bad.mkdir()
        for m in postgres.available():
            (bad / m.path.name).write_text(m.sql())
        (bad / f"{top + 1:03d}_broken.sql").write_text("CREATE TABLE fine (x int);\nTHIS IS NOT SQL;")
        monkeypatch.setattr(postgres, "migrations_folder", lambda: bad)
        with pytest.raises(Exception, match=f"left at version {top}"):
            Library.open(url)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT to_regclass('fine')").fetchone()[0] is None
            assert conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == top
            assert conn.execute("SELECT count(*) FROM papers").fetchone()[0] == 1
    finally:
        pg_cluster.drop_db("migr_fail")


def test_another_applications_database_is_left_alone(pg_cluster):
    url = pg_cluster.create_db("foreign_app")
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE invoices (id int)")
        with pytest.raises(LibraryError, match=r"not a Curator library.*invoices"):
            Library.open(url)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT to_regclass('papers')").fetchone()[0] is None
    finally:
        pg_cluster.drop_db("foreign_app")


def test_history_is_append_only_but_goes_with_its_paper(pg_url):
    lib = Library.open(pg_url)
    (pid, other) = _papers(lib, 2)
    rec = Record(paper_id=pid)
    rec.notes = "x"
    lib.save_record(rec, [{"field": "notes", "old": "", "new": "x"}], "ana")
    with pytest.raises(ENGINE_ERRORS, match="append-only"):
        lib.conn.execute("DELETE FROM history")
    with pytest.raises(ENGINE_ERRORS, match="append-only"):
        lib.conn.execute("UPDATE history SET who = 'eve'")
    assert len(lib.history(pid)) == 1
    with lib.transaction():
        assert lib.delete_papers_by_pmid(["500"]) == 1  # the paper goes, and its history with it
    assert lib.conn.execute("SELECT count(*) FROM history").fetchone()[0] == 0
    lib.close()


def test_a_draft_keeps_what_a_number_field_cannot_hold(pg_url):
    lib = Library.open(pg_url)
    (pid,) = _papers(lib, 1)
    rec = Record(paper_id=pid)
    rec.measurements.append(Measurement(analyte="IL-6", value="12 mg", day=3.5, n=4))
    rec.study.n_enrolled = "about forty"
    curation.save_draft(lib, rec, "ana")
    back = lib.load_record(pid)
    assert back.measurements[0].value == "12 mg" and back.measurements[0].day == 3.5
    assert back.measurements[0].n == 4 and back.study.n_enrolled == "about forty"
    raw = lib.conn.execute("SELECT value, raw_values FROM measurements").fetchone()
    assert raw[0] is None and '"value": "12 mg"' in raw[1]
    lib.close()


def test_two_concurrent_saves_of_one_field_never_both_pass(pg_url):
    """Curator A is mid-save (its transaction holds the record); B saves the same field from the same
    base. B must wait for A, then see A's revision and be refused: never overwrite A's value."""
    a, b = Library.open(pg_url), Library.open(pg_url)
    (pid,) = _papers(a, 1)
    base = curation.load(a, pid)
    curation.save_draft(a, base, "ana")
    base = curation.stored(a, pid)
    mine, theirs = base.copy(), base.copy()
    mine.notes, theirs.notes = "A's notes", "B's notes"
    outcome: dict[str, object] = {}

    def b_saves():
        try:
            curation.save_draft(b, theirs, "bob", base=base)
            outcome["b"] = "saved"
        except curation.StaleRecord as exc:
            outcome["b"] = exc

    # A's save, held open before its commit while B tries
    real_write = Library.write_record
    started = threading.Event()

    def slow_write(self, rec, changes=(), who=None, **feed):
        real_write(self, rec, changes, who, **feed)
        if who == "ana":
            started.set()
            t = threading.Thread(target=b_saves)
            t.start()
            time.sleep(0.6)  # B is now waiting for the paper's row (it must not have read the old record)
            outcome["b_done_before_a_commit"] = not t.is_alive()
            outcome["thread"] = t

    Library.write_record = slow_write  # type: ignore[method-assign]
    try:
        curation.save_draft(a, mine, "ana", base=base)
    finally:
        Library.write_record = real_write  # type: ignore[method-assign]
    outcome["thread"].join(10)  # type: ignore[union-attr]
    assert started.is_set() and outcome["b_done_before_a_commit"] is False
    assert isinstance(outcome["b"], curation.StaleRecord), outcome["b"]
    assert curation.stored(a, pid).notes == "A's notes"
    a.close()
    b.close()


def test_saves_to_different_fields_merge_across_connections(pg_url):
    a, b = Library.open(pg_url), Library.open(pg_url)
    (pid,) = _papers(a, 1)
    curation.save_draft(a, curation.load(a, pid), "ana")
    base = curation.stored(a, pid)
    mine, theirs = base.copy(), base.copy()
    mine.notes = "A's notes"
    theirs.contradiction_comment = "B's comment"
    curation.save_draft(a, mine, "ana", base=base)
    changes = curation.save_draft(b, theirs, "bob", base=base)
    assert changes.merged
    final = curation.stored(a, pid)
    assert final.notes == "A's notes" and final.contradiction_comment == "B's comment"
    a.close()
    b.close()


def test_change_notices_reach_other_connections(pg_url):
    a, b = Library.open(pg_url), Library.open(pg_url)
    listener = b.change_listener()
    try:
        assert listener.poll(0.05) == []
        (pid,) = _papers(a, 1)
        got = listener.poll(2.0)
        assert [(n.kind, n.paper_ids, n.own) for n in got] == [("papers", [pid], False)]
        rec = curation.load(a, pid)
        rec.notes = "seen by others"
        t0 = time.monotonic()
        curation.save_draft(a, rec, "ana")
        got = listener.poll(2.0)
        assert time.monotonic() - t0 < 2.0
        assert [(n.kind, n.paper_ids, n.who) for n in got] == [("record", [pid], "ana")]
        # b's own saves are marked as its own
        curation.save_draft(b, curation.load(b, pid), "bob")
        assert [n.own for n in listener.poll(2.0)] == [True]
        # a rolled-back write sends nothing
        with pytest.raises(RuntimeError), a.transaction():
            a.insert_papers([Paper(title="never", pmid="999")])
            raise RuntimeError("rolled back")
        assert listener.poll(0.3) == []
    finally:
        listener.close()
        a.close()
        b.close()


def test_a_connection_killed_mid_save_leaves_nothing_and_the_next_call_reconnects(pg_url):
    lib = Library.open(pg_url)
    (pid,) = _papers(lib, 1)
    rec = curation.load(lib, pid)
    rec.notes = "half a save"
    rec.measurements.append(Measurement(analyte="IL-6", value=12.0))
    real_write = Library.write_record

    def killed(self, r, changes=(), who=None, **feed):
        real_write(self, r, changes, who, **feed)  # everything written, not yet committed
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (self.conn.raw.info.backend_pid,))

    Library.write_record = killed  # type: ignore[method-assign]
    try:
        with pytest.raises(curation.Unreachable, match="lost"):  # kept, to be saved when the server is back
            curation.save_draft(lib, rec, "ana")
    finally:
        Library.write_record = real_write  # type: ignore[method-assign]
    assert lib.load_record(pid) is None  # nothing half-written; and this call reconnected
    assert any("open again" in e for e in lib.events)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM measurements").fetchone()[0] == 0
    lib.close()


def test_a_server_restart_is_survived_and_said(pg_cluster, pg_url):
    lib = Library.open(pg_url)
    _papers(lib, 2)
    pg_cluster.restart()
    assert lib.paper_count() == 2  # reconnected on this call
    assert lib.events and "open again" in lib.events[-1]
    with lib.transaction():
        lib.insert_papers([Paper(title="after the restart", pmid="77")])
    assert lib.paper_count() == 3
    lib.close()


def test_samples_import_search_and_sort_like_sqlite(pg_url, tmp_path):
    """The same files give the same list, search and sort on both engines."""
    from curator.services.importing import import_files

    files = sorted(p for p in SAMPLES.iterdir() if p.is_file() and not p.name.startswith("."))
    pg = Library.open(pg_url)
    lite = Library.open(tmp_path / "same.sqlite")
    for lib in (pg, lite):
        import_files(lib, files)
    for kw in ({}, {"search": "emapalumab"}, {"search": "cytokine rel"}, {"order_by": "title"},
               {"order_by": "year", "descending": True}, {"order_by": "pmid"}):
        assert [s.title for s in pg.list_papers(**kw)] == [s.title for s in lite.list_papers(**kw)], kw
    pg.close()
    lite.close()
