"""The library: migrations, pragmas, transactions, papers, search, records. Tests taking
`library_target` run on both engines (SQLite file, PostgreSQL database: tests/conftest.py)."""

from __future__ import annotations

import sqlite3

import pytest

from curator.domain.outcomes import Comparison, Record, Span
from curator.domain.paper import MeshTerm, Paper
from curator.store import migrations
from curator.store.library import Library
from tests.conftest import ENGINE_ERRORS


def _paper(i: int = 1, **kw) -> Paper:
    base = dict(title=f"Tocilizumab for cytokine release syndrome number {i}", authors=["Doe J", "Roe R"],
                pmid=str(1000 + i), doi=f"10.1000/x{i}", year=2020 + i % 5,
                abstract="IFN-γ rose to 12 µg/L after CAR-T.", keywords=["CRS"],
                mesh_terms=[MeshTerm("Cytokine Release Syndrome", True)])
    base.update(kw)
    return Paper(**base)


def test_new_library_is_migrated_with_wal_and_foreign_keys(library_path):
    lib = Library.open(library_path)
    assert lib.schema_version == migrations.latest_version() >= 1
    assert lib.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert lib.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    applied = lib.conn.execute("SELECT version, name FROM schema_migrations").fetchall()
    assert [tuple(r) for r in applied][0] == (1, "initial")
    lib.close()
    # reopening applies nothing and keeps the version
    lib = Library.open(library_path)
    assert lib.schema_version == migrations.latest_version()
    lib.close()


def test_failed_migration_leaves_library_untouched(library_path, tmp_path, monkeypatch):
    lib = Library.open(library_path)
    with lib.transaction():
        lib.insert_papers([_paper()])
    lib.close()
    bad = tmp_path / "migs"
    bad.mkdir()
    for m in migrations.available():
        (bad / m.path.name).write_text(m.sql())
    nxt = migrations.latest_version() + 1
    (bad / f"{nxt:03d}_broken.sql").write_text("CREATE TABLE fine (x);\nTHIS IS NOT SQL;")
    monkeypatch.setattr("curator.paths.migrations", lambda: bad)
    with pytest.raises(migrations.MigrationError, match="left at version"):
        Library.open(library_path)
    conn = sqlite3.connect(library_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == nxt - 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'fine'").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM papers").fetchone()[0] == 1
    conn.close()
    backups = list(library_path.parent.glob("library.v*.bak.sqlite"))
    assert backups, "a backup is taken before migrating"


def test_transaction_rolls_back_on_error(library_target):
    lib = Library.open(library_target)
    with pytest.raises(RuntimeError):
        with lib.transaction():
            lib.insert_papers([_paper(1), _paper(2)])
            raise RuntimeError("boom")
    assert lib.paper_count() == 0
    assert lib.list_papers(search="tocilizumab") == []


def test_papers_round_trip_and_search(library_target):
    lib = Library.open(library_target)
    with lib.transaction():
        ids = lib.insert_papers([_paper(i) for i in range(1, 6)], "f.xml", "pubmed_xml")
    p = lib.get_paper(ids[0])
    assert p.title.startswith("Tocilizumab") and p.authors == ["Doe J", "Roe R"]
    assert p.abstract == "IFN-γ rose to 12 µg/L after CAR-T."
    assert p.mesh_terms[0].descriptor == "Cytokine Release Syndrome" and p.mesh_terms[0].major
    assert lib.count_papers(search="tocili") == 5  # prefix search
    assert lib.count_papers(search="cytokine release syndrome") == 5
    assert lib.count_papers(search="Doe") == 5  # authors
    assert lib.count_papers(search="IFN-γ") == 5  # Greek kept searchable
    assert lib.count_papers(search='"unbalanced') == 0  # curator typing never breaks FTS syntax
    assert lib.get_paper(ids[2]).pmid == "1003"
    assert lib.get_paper(ids[3]).doi == "10.1000/x4"
    assert [s.id for s in lib.list_papers(order_by="pmid", descending=True)] == list(reversed(ids))
    assert lib.list_ids(year_from=2022, year_to=2023) == [ids[1], ids[2]]


def test_record_round_trip_with_provenance(library_target):
    lib = Library.open(library_target)
    with lib.transaction():
        (pid,) = lib.insert_papers([_paper()])
    rec = Record(paper_id=pid)
    rec.study.n_enrolled = 38
    c = Comparison(analyte="IL-2", value_a=32.35, value_b=11.94, unit="pg/ml", p_text="P < 0.001")
    c.sources["value_a"] = Span(3, 8, "xx yy")
    rec.comparisons.append(c)
    lib.save_record(rec, [{"table": "comparisons", "uid": c.uid, "field": "value_a", "old": None, "new": 32.35}],
                    "tester")
    back = lib.load_record(pid)
    assert back.study.n_enrolled == 38
    assert back.comparisons[0].value_a == 32.35 and back.comparisons[0].uid == c.uid
    assert back.comparisons[0].sources["value_a"].quote == "xx yy"
    row = lib.conn.execute("SELECT p_operator, p_value FROM comparisons").fetchone()
    assert tuple(row) == ("<", 0.001)
    assert lib.history(pid)[0]["field"] == "value_a"
    with pytest.raises(ENGINE_ERRORS, match="append-only"):
        lib.conn.execute("UPDATE history SET who = 'someone else'")
    assert lib.history(pid)[0]["who"] == "tester"


def test_upgrade_keeps_papers_searchable_and_backs_up(library_path, tmp_path, monkeypatch):
    old = tmp_path / "old_migs"
    old.mkdir()
    for m in migrations.available()[:2]:
        (old / m.path.name).write_text(m.sql())
    real = migrations.paths.migrations
    monkeypatch.setattr("curator.paths.migrations", lambda: old)
    lib = Library.open(library_path)
    assert lib.schema_version == 2
    with lib.transaction():
        lib.insert_papers([_paper(1, authors=["Smith J"], keywords=["tocilizumab"])])
    lib.close()
    monkeypatch.setattr("curator.paths.migrations", real)
    lib = Library.open(library_path)
    assert lib.schema_version == migrations.latest_version()
    assert lib.count_papers(search="smith") == 1  # authors re-indexed from their JSON
    assert lib.count_papers(search="tocilizumab") == 1
    assert list(library_path.parent.glob("library.v2.*.bak.sqlite"))
    assert lib.integrity_check() == "ok"
    lib.close()


def test_search_index_keeps_no_copy_and_follows_updates_and_deletes(library_target):
    """The index reads a paper's old words from `papers_fts_source` when it changes: the view must
    give exactly what the store indexed (FTS5's integrity-check re-reads every row to compare).
    PostgreSQL: the tsvector column is generated from the row, so it follows every change too."""
    lib = Library.open(library_target)
    odd = [_paper(1, authors=[], keywords=[], mesh_terms=[]),
           _paper(2, authors=["Ünal Ö", "O'Brien; K", "李 华"], keywords=["IL-6 → CRS", "γδ T cells"],
                  mesh_terms=[MeshTerm("Receptors, Chimeric Antigen", False, [{"name": "therapeutic use", "major": True}]),
                              MeshTerm("Interleukin-6")], title="", abstract=""),
           *[_paper(i) for i in range(3, 30)]]
    with lib.transaction():
        ids = lib.insert_papers(odd, "f.xml", "pubmed_xml")
    if lib.engine == "sqlite":
        cols = {r[1] for r in lib.conn.execute("PRAGMA table_info(papers_fts_content)")}
        assert not cols  # no shadow table holding a second copy of the text
        assert dict(map(tuple, lib.conn.execute("SELECT k, v FROM papers_fts_config")))["hashsize"] == 16 << 20
    assert lib.integrity_check() == "ok"
    assert lib.count_papers(search="Ünal") == 1 and lib.count_papers(search="interleukin") == 1
    assert lib.count_papers(search="unal") == 1 and lib.count_papers(search="γδ") == 1  # diacritics, Greek
    with lib.transaction():
        lib.update_paper(ids[1], _paper(2, authors=["Nguyen T"], keywords=["anakinra"]))
        lib.update_paper(ids[5], _paper(6, abstract="Siltuximab was given on day +11."))
        assert lib.delete_papers_by_pmid(["1010", "1011", "9999"]) == 2
    assert lib.integrity_check() == "ok"
    assert lib.count_papers(search="Ünal") == 0 and lib.count_papers(search="interleukin") == 0
    assert lib.count_papers(search="anakinra") == 1 and lib.count_papers(search="siltuximab") == 1
    assert lib.count_papers(search="tocilizumab") == 27  # every paper but the two deleted
    lib.close()


def test_integrity_check_finds_a_search_index_out_of_step(library_path):
    lib = Library.open(library_path)
    with lib.transaction():
        (pid,) = lib.insert_papers([_paper(1)])
        lib.conn.execute("UPDATE papers SET abstract = 'changed behind the index' WHERE id = ?", (pid,))
    assert lib.integrity_check().startswith("search index:")
    lib.close()


def test_change_listener_hears_other_connections(library_target):
    """lib.change_listener(): what the window's live refresh polls. SQLite: the file's data version
    (kind "unknown"); PostgreSQL: LISTEN/NOTIFY with the kind and the paper ids."""
    a = Library.open(library_target)
    b = Library.open(getattr(a, "url", a.path))
    listener = a.change_listener()
    try:
        assert listener.poll(0.05) == []
        with b.transaction():
            (pid,) = b.insert_papers([_paper(1)])
        got = listener.poll(2.0)
        assert got and not any(n.own for n in got)
        if a.engine == "postgresql":
            assert [(n.kind, n.paper_ids) for n in got] == [("papers", [pid])]
        else:
            assert [n.kind for n in got] == ["unknown"]
        assert listener.poll(0.05) == []  # told once
    finally:
        listener.close()
        a.close()
        b.close()


def test_close_skips_the_optimize_hint_when_another_connection_holds_the_lock(library_path):
    """`snapshot` and quitting close the library while a background connection of the same window may be
    writing (presence, change feed): PRAGMA optimize is a hint, so a busy database must not fail the close."""
    lib = Library.open(library_path)
    real = lib.conn

    class Busy:
        closed = False

        def execute(self, sql, *args):
            if sql.strip().upper().startswith("PRAGMA OPTIMIZE"):
                raise sqlite3.OperationalError("database is locked")
            return real.execute(sql, *args)

        def close(self):
            Busy.closed = True
            real.close()

    lib.conn = Busy()
    lib.close()  # no error
    assert Busy.closed

    class Broken(Busy):
        def execute(self, sql, *args):
            raise sqlite3.OperationalError("disk I/O error")

    lib = Library.open(library_path)
    real = lib.conn
    lib.conn = Broken()
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        lib.close()  # any other failure is still reported
