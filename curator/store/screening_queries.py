"""The SQL of screening (migration 005): decisions with their history and undo, exclusion reasons,
stop records, the texts the ranking model reads, and the import log behind the PRISMA counts.

Decisions are append-only: a record's decision at a stage is its latest row there (decision NULL =
no decision). Every write is its own transaction, committed before the call returns, so a crash
loses nothing. Functions take the Library (or a bare connection), like plot_queries/export_queries.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from curator.store.dialect import dialect_of
from curator.store.library import utcnow

STAGES = ("title_abstract", "full_text")
DECISIONS = ("include", "exclude", "maybe")


def _conn(lib: Any) -> sqlite3.Connection:
    return getattr(lib, "conn", lib)


def _check(stage: str, decision: str | None = None) -> None:
    if stage not in STAGES:
        raise ValueError(f"unknown screening stage {stage!r}: one of {', '.join(STAGES)}")
    if decision is not None and decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}: one of {', '.join(DECISIONS)}")


_INSERT = ("INSERT INTO screening_decisions (paper_id, stage, decision, reason, note, curator, decided_at, "
           "action, undoes) VALUES (?,?,?,?,?,?,?,?,?)")


def _next_action(c: sqlite3.Connection, lib: Any = None) -> int:
    """The next action number, inside the caller's transaction. On a server library two curators
    deciding at once take turns here (`serialise`), so no two actions share a number."""
    serialise = getattr(lib, "serialise", None)
    if serialise is not None:
        serialise("screening_actions")
    return (c.execute("SELECT max(action) FROM screening_decisions").fetchone()[0] or 0) + 1


def record_decisions(lib: Any, paper_ids: Sequence[int], stage: str, decision: str, reason: str = "",
                     note: str = "", curator: str | None = None) -> int:
    """One decision for several papers, as one action (undone together); returns the action id.
    Unknown paper ids are refused with their ids named, and nothing is written."""
    _check(stage, decision)
    ids = list(dict.fromkeys(int(p) for p in paper_ids))
    if not ids:
        raise ValueError("no paper to decide on")
    with lib.transaction() as c:
        d = dialect_of(lib)
        found = {r[0] for r in c.execute(f"SELECT id FROM papers WHERE id {d.in_ids}", (d.list_param(ids),))}
        missing = [i for i in ids if i not in found]
        if missing:
            raise ValueError(f"no paper with id {', '.join(map(str, missing))} in the library")
        action = _next_action(c, lib)
        now = utcnow()
        c.executemany(_INSERT, [(pid, stage, decision, reason or "", note or "", curator, now, action, None)
                                for pid in ids])
        _notify(lib, ids, curator)
    return action


def _notify(lib: Any, paper_ids: Sequence[int], who: str | None) -> None:
    """Tell other curators' windows (PostgreSQL: NOTIFY at commit; a bare connection: nothing)."""
    notify = getattr(lib, "_notify", None)
    if notify is not None:
        notify("screening", list(paper_ids), who)


def undo_last(lib: Any, stage: str, curator: str | None = None) -> list[int]:
    """Put back the state before the latest action at `stage` not yet undone (by `curator`, when
    given); undoing again goes further back. Returns the paper ids changed ([] if nothing to undo)."""
    _check(stage)
    with lib.transaction() as c:
        args: list[Any] = [stage]
        who = ""
        if curator is not None:
            who = " AND curator IS NOT DISTINCT FROM ?"
            args.append(curator)
        row = c.execute(
            "SELECT max(action) FROM screening_decisions WHERE stage = ? AND undoes IS NULL" + who +
            " AND action NOT IN (SELECT undoes FROM screening_decisions WHERE undoes IS NOT NULL)",
            args).fetchone()
        target = row[0]
        if target is None:
            return []
        rows = c.execute("SELECT id, paper_id FROM screening_decisions WHERE action = ? ORDER BY id",
                         (target,)).fetchall()
        first = rows[0][0]
        action = _next_action(c, lib)
        now = utcnow()
        out = []
        for _id, pid in rows:
            before = c.execute("SELECT decision, reason, note FROM screening_decisions WHERE stage = ? AND "
                               "paper_id = ? AND id < ? ORDER BY id DESC LIMIT 1", (stage, pid, first)).fetchone()
            dec, reason, note = before if before else (None, "", "")
            c.execute(_INSERT, (pid, stage, dec, reason, note, curator, now, action, target))
            out.append(pid)
        _notify(lib, out, curator)
    return out


def current_decisions(lib: Any, stage: str) -> list[tuple[int, str, str, str]]:
    """(paper id, decision, reason, note) of every record with a decision at `stage`, in the order
    those decisions were made (oldest first)."""
    _check(stage)
    # each paper's latest row at the stage (the index on (stage, paper_id, id) finds it)
    cur = _conn(lib).execute(
        "SELECT d.paper_id, d.decision, d.reason, d.note FROM screening_decisions d WHERE d.stage = ? "
        "AND d.id = (SELECT max(x.id) FROM screening_decisions x WHERE x.stage = d.stage AND x.paper_id = d.paper_id) "
        "AND d.decision IS NOT NULL ORDER BY d.id", (stage,))
    cur.row_factory = None
    return cur.fetchall()


def decision_of(lib: Any, paper_id: int, stage: str) -> dict[str, Any] | None:
    _check(stage)
    r = _conn(lib).execute("SELECT decision, reason, note, curator, decided_at FROM screening_decisions "
                           "WHERE paper_id = ? AND stage = ? ORDER BY id DESC LIMIT 1", (paper_id, stage)).fetchone()
    if r is None or r[0] is None:
        return None
    return {"decision": r[0], "reason": r[1], "note": r[2], "curator": r[3], "decided_at": r[4]}


def decision_history(lib: Any, paper_id: int) -> list[dict[str, Any]]:
    cur = _conn(lib).execute("SELECT stage, decision, reason, note, curator, decided_at, action, undoes "
                             "FROM screening_decisions WHERE paper_id = ? ORDER BY id", (paper_id,))
    return [dict(zip(("stage", "decision", "reason", "note", "curator", "decided_at", "action", "undoes"), r))
            for r in cur.fetchall()]


# --- exclusion reasons ------------------------------------------------------------------------------
def reasons(lib: Any, stage: str) -> list[str]:
    _check(stage)
    return [r[0] for r in _conn(lib).execute(
        "SELECT label FROM screening_reasons WHERE stage = ? ORDER BY position, id", (stage,))]


def set_reasons(lib: Any, stage: str, labels: Sequence[str]) -> list[str]:
    """Replace the reasons offered at `stage` (blank and repeated labels dropped); returns them."""
    _check(stage)
    clean = list(dict.fromkeys(label.strip() for label in labels if label and label.strip()))
    with lib.transaction() as c:
        c.execute("DELETE FROM screening_reasons WHERE stage = ?", (stage,))
        c.executemany("INSERT INTO screening_reasons (stage, position, label) VALUES (?,?,?)",
                      [(stage, n, label) for n, label in enumerate(clean, 1)])
    return clean


# --- stops ------------------------------------------------------------------------------------------
def record_stop(lib: Any, stage: str, rule: str, reason: str, screened: int, included: int,
                curator: str | None = None) -> None:
    _check(stage)
    with lib.transaction() as c:
        c.execute("INSERT INTO screening_stops (stage, stopped_at, curator, rule, reason, screened, included) "
                  "VALUES (?,?,?,?,?,?,?)", (stage, utcnow(), curator, rule, reason, screened, included))


def stops(lib: Any, stage: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT stage, stopped_at, curator, rule, reason, screened, included FROM screening_stops"
    args: tuple = ()
    if stage is not None:
        _check(stage)
        sql += " WHERE stage = ?"
        args = (stage,)
    cur = _conn(lib).execute(sql + " ORDER BY id", args)
    return [dict(zip(("stage", "stopped_at", "curator", "rule", "reason", "screened", "included"), r))
            for r in cur.fetchall()]


# --- what the model reads ---------------------------------------------------------------------------
def library_signature(lib: Any) -> tuple[int, int, int]:
    """(papers, highest id, imports logged): changes whenever papers are added, removed or re-imported
    (curating a record leaves the texts the model reads, and so the signature, as they were)."""
    c = _conn(lib)
    n, top = c.execute("SELECT count(*), coalesce(max(id), 0) FROM papers").fetchone()
    logged = c.execute("SELECT count(*) FROM import_log").fetchone()[0]
    return int(n), int(top), int(logged)


def screening_rows(lib: Any, after_id: int = 0) -> Iterator[tuple[int, str, str, list[str], list[str]]]:
    """(id, title, abstract, keywords, MeSH descriptors) of every paper with id > after_id, by id."""
    cur = _conn(lib).execute("SELECT id, title, abstract, keywords, mesh_terms FROM papers WHERE id > ? ORDER BY id",
                             (after_id,))
    cur.row_factory = None
    for pid, title, abstract, kw, mesh in cur:
        yield (pid, title or "", abstract or "", json.loads(kw or "[]"),
               [m["descriptor"] for m in json.loads(mesh or "[]")])


def paper_ids(lib: Any) -> list[int]:
    cur = _conn(lib).cursor()
    cur.row_factory = lambda _c, row: row[0]
    return cur.execute("SELECT id FROM papers ORDER BY id").fetchall()


def screening_card(lib: Any, paper_id: int) -> dict[str, Any] | None:
    """What the screener shows of a record: title, journal, year, abstract, keywords, MeSH."""
    r = _conn(lib).execute("SELECT id, title, journal, year, abstract, keywords, mesh_terms, pmid FROM papers "
                           "WHERE id = ?", (paper_id,)).fetchone()
    if r is None:
        return None
    return {"id": r[0], "title": r[1] or "", "journal": r[2] or "", "year": r[3], "abstract": r[4] or "",
            "keywords": json.loads(r[5] or "[]"), "mesh": [m["descriptor"] for m in json.loads(r[6] or "[]")],
            "pmid": r[7]}


def titles(lib: Any, ids: Sequence[int]) -> dict[int, str]:
    d = dialect_of(lib)
    cur = _conn(lib).execute(f"SELECT id, title FROM papers WHERE id {d.in_ids}",
                             (d.list_param(int(i) for i in ids),))
    cur.row_factory = None
    return {r[0]: r[1] or "" for r in cur}


def verified_paper_ids(lib: Any) -> list[int]:
    """Papers whose curated record is verified: includes the model may start from."""
    return [r[0] for r in _conn(lib).execute("SELECT paper_id FROM records WHERE status = 'verified'")]


# --- import log (PRISMA: identification) ------------------------------------------------------------
def log_imports(lib: Any, files: Sequence[dict[str, Any]]) -> None:
    """One row per imported file: {file, format, added, merged, skipped, failed}."""
    if not files:
        return
    now = utcnow()
    with lib.transaction() as c:
        c.executemany(
            "INSERT INTO import_log (file, format, identified, added, merged, skipped, failed, imported_at) "
            "VALUES (?,?,?,?,?,?,?,?)",
            [(f["file"], f.get("format"), f["added"] + f["merged"] + f["skipped"] + f["failed"], f["added"],
              f["merged"], f["skipped"], f["failed"], now) for f in files])


def import_log(lib: Any) -> list[dict[str, Any]]:
    cur = _conn(lib).execute("SELECT file, format, identified, added, merged, skipped, failed, imported_at "
                             "FROM import_log ORDER BY id")
    return [dict(zip(("file", "format", "identified", "added", "merged", "skipped", "failed", "imported_at"), r))
            for r in cur.fetchall()]


def count_papers(lib: Any) -> int:
    return _conn(lib).execute("SELECT count(*) FROM papers").fetchone()[0]
