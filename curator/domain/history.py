"""What changed between two versions of a record, field by field (pure)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from curator.domain.outcomes import ROW_TYPES, SUGGESTER, TABLE_TYPES, Record, Row, Study
from curator.domain.record_merge import field_label

RECORD_FIELDS = ("status", "notes", "contradicts", "contradiction_comment", "exclusion_reason", "curator",
                 "verified_at")


def diff_records(old: Record | None, new: Record) -> list[dict[str, Any]]:
    """Changes as dicts {table, uid, field, old, new}; a removed or added row is one change."""
    changes: list[dict[str, Any]] = []
    if old is None:
        old = Record(paper_id=new.paper_id, status="")
    for f in RECORD_FIELDS:
        a, b = getattr(old, f), getattr(new, f)
        if a != b and not (a in (None, "", False) and b in (None, "", False)):
            changes.append({"table": "records", "uid": None, "field": f, "old": a, "new": b})
    for row_type in (Study, *ROW_TYPES):
        before = {r.uid: r for r in old.rows(row_type)}
        after = {r.uid: r for r in new.rows(row_type)}
        for uid, row in after.items():
            prev = before.get(uid)
            if prev is None:
                if row_type is Study and row.is_empty():
                    continue
                changes.append({"table": row_type.TABLE, "uid": uid, "field": "(row added)", "old": None,
                                "new": {k: v for k, v in row.values().items() if v not in (None, "")}})
                continue
            for k, v in row.values().items():
                pv = getattr(prev, k)
                if pv != v:
                    changes.append({"table": row_type.TABLE, "uid": uid, "field": k, "old": pv, "new": v})
            if prev.row_status != row.row_status:
                changes.append({"table": row_type.TABLE, "uid": uid, "field": "row_status",
                                "old": prev.row_status, "new": row.row_status})
            ps = {k: (s.start, s.end) for k, s in prev.sources.items()}
            ns = {k: (s.start, s.end) for k, s in row.sources.items()}
            for k in set(ps) | set(ns):
                if ps.get(k) != ns.get(k):
                    changes.append({"table": row_type.TABLE, "uid": uid, "field": f"source:{k}",
                                    "old": ps.get(k), "new": ns.get(k)})
        for uid, row in before.items():
            if uid not in after:
                changes.append({"table": row_type.TABLE, "uid": uid, "field": "(row removed)",
                                "old": {k: v for k, v in row.values().items() if v not in (None, "")},
                                "new": None})
    return changes


# --- the history as a curator reads it ----------------------------------------------------------------

RECORD_FIELD_LABELS = {"status": "Status", "notes": "Notes", "contradicts": "The paper contradicts itself",
                       "contradiction_comment": "What contradicts what", "exclusion_reason": "Exclusion reason",
                       "curator": "Curator", "verified_at": "Verified at"}
EXTRACTOR = "extractor"
CURATOR = "curator"


@dataclass(frozen=True)
class HistoryEntry:
    """One stored change, named as the form names it: 'Comparisons row 2 (IL-6)', 'Before / A'."""

    at: str
    who: str
    by: str  # EXTRACTOR (saved by the batch suggester) or CURATOR
    revision: int
    table: str
    uid: str | None
    field: str  # the stored name ('value_a', 'source:value_a', '(row added)')
    what: str
    field_label: str
    old: str | None
    new: str | None
    restorable: bool  # a value of a row the record still has: its old value can be put back

    @property
    def row_type(self) -> type[Row] | None:
        return TABLE_TYPES.get(self.table)


def _readable(row_type: type[Row] | None, text: str | None) -> str | None:
    """A whole added or removed row (stored as JSON) as 'Analyte IL-6 · Before / A 412.5'."""
    if text is None or row_type is None or not text.startswith("{"):
        return text
    try:
        values = json.loads(text)
    except ValueError:
        return text
    if not isinstance(values, dict):
        return text
    return " · ".join(f"{field_label(row_type, k)} {v}" for k, v in values.items())


def _first_value(row: Row | dict[str, Any] | None) -> str:
    values = row.values() if isinstance(row, Row) else (row or {})
    return next((str(v) for v in values.values() if v not in (None, "")), "")


def history_entries(changes: list[dict[str, Any]], rec: Record | None) -> list[HistoryEntry]:
    """The stored changes of a record (oldest first, as `Library.history` gives them), each named by
    where it is now in `rec`: its table, row number and first value, and the field's label."""
    where: dict[str, tuple[int, Row]] = {}
    if rec is not None:
        for row_type in (Study, *ROW_TYPES):
            for pos, row in enumerate(rec.rows(row_type)):
                where[row.uid] = (pos, row)
    out = []
    for ch in changes:
        table, uid, name = ch.get("table") or ch.get("row_table") or "", ch.get("uid") or ch.get("row_uid"), \
            ch.get("field") or ""
        row_type = TABLE_TYPES.get(table)
        here = where.get(uid) if uid else None
        if row_type is None:
            what, label = "Record", RECORD_FIELD_LABELS.get(name, name)
        else:
            label = {"(row added)": "row added", "(row removed)": "row removed"}.get(name) or \
                field_label(row_type, name)
            if row_type is Study:
                what = "Study"
            elif here is not None:
                first = _first_value(here[1])
                what = f"{row_type.TITLE} row {here[0] + 1}" + (f" ({first})" if first else "")
            else:
                old = ch.get("old")
                first = _first_value(json.loads(old)) if isinstance(old, str) and old.startswith("{") else ""
                what = f"{row_type.TITLE}, a removed row" + (f" ({first})" if first else "")
        who = ch.get("who") or ""
        out.append(HistoryEntry(
            at=ch.get("at") or "", who=who, by=EXTRACTOR if who == SUGGESTER else CURATOR,
            revision=int(ch.get("revision") or 0), table=table, uid=uid, field=name, what=what, field_label=label,
            old=_readable(row_type, ch.get("old")), new=_readable(row_type, ch.get("new")),
            restorable=row_type is not None and here is not None and name in row_type.value_fields()))
    return out
