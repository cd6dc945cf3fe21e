"""What changed between two versions of a record, field by field (pure)."""

from __future__ import annotations

from typing import Any

from curator.domain.outcomes import ROW_TYPES, Record, Study

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
