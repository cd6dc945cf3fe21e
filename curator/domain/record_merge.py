"""Three-way merge of a record saved over a newer one (pure).

A curator edits the record as it was when the paper was opened (`base`); meanwhile another save
(another window, a batch of suggestions) stored `theirs`. Each value — a record field, a row's
field, its status, the evidence linked to a field, a row added or removed — is merged on its own:
changed on one side only, that side wins; changed on both sides to the same value, fine; changed on
both sides to different values, a conflict. Conflicts are never settled silently: `merge_records`
raises `MergeConflict` naming every one, and nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from curator.domain.outcomes import LIST_ATTR, ROW_TYPES, Record, Row, Span, Study

# the curated content of a record; status, revision, curator and times are the save's own bookkeeping
RECORD_FIELDS = ("notes", "contradicts", "contradiction_comment", "exclusion_reason")

_MISSING = object()


@dataclass
class MergeResult:
    record: Record  # `mine` with the other save's changes taken in
    taken: list[str]  # what came from the other save, as "Comparisons row 2, After / B" (the form's labels)


class MergeConflict(ValueError):
    def __init__(self, conflicts: list[str]):
        self.conflicts = conflicts
        super().__init__("; ".join(conflicts))


def _pick(where: str, base: Any, mine: Any, theirs: Any, taken: list[str], conflicts: list[str]) -> Any:
    if mine == theirs or theirs == base:
        return mine
    if mine == base:
        taken.append(where)
        return theirs
    conflicts.append(f"{where} (yours: {_show(mine)}, saved meanwhile: {_show(theirs)})")
    return mine


def _show(v: Any) -> str:
    if v is _MISSING:
        return "removed"
    if v is None or v == "":
        return "empty"
    if isinstance(v, Span):
        return f"evidence “{v.quote[:40]}”"
    return repr(v) if isinstance(v, str) else str(v)


def _row_state(row: Row | None) -> dict[str, Any]:
    if row is None:
        return {}
    out: dict[str, Any] = dict(row.values())
    out["row_status"] = row.row_status
    for k, s in row.sources.items():
        out[f"source:{k}"] = s
    return out


def field_label(row_type: type[Row], key: str) -> str:
    """A value as the form names it: 'Before / A', 'evidence of After / B', 'status'."""
    names = {s.name: s.label for s in row_type.SPECS}
    if key == "row_status":
        return "status"
    if key.startswith("source:"):
        return "evidence of " + names.get(key[len("source:"):], key[len("source:"):])
    return names.get(key, key)


def _merge_row(where: str, base: Row | None, mine: Row, theirs: Row, taken: list[str],
               conflicts: list[str]) -> Row:
    b, m, t = _row_state(base), _row_state(mine), _row_state(theirs)
    out = mine.copy()
    for key in dict.fromkeys([*m, *t]):
        mv, tv, bv = m.get(key, _MISSING), t.get(key, _MISSING), b.get(key, _MISSING)
        v = _pick(f"{where}, {field_label(type(mine), key)}", bv, mv, tv, taken, conflicts)
        if key == "row_status":
            out.row_status = v
        elif key.startswith("source:"):
            name = key[len("source:"):]
            if v is _MISSING:
                out.sources.pop(name, None)
            else:
                out.sources[name] = v
        else:
            setattr(out, key, v)
    return out


def merge_records(base: Record | None, mine: Record, theirs: Record) -> MergeResult:
    """`mine` (edited from `base`, None when the paper had no record) merged with `theirs` (stored
    since). Raises MergeConflict when one value was changed differently on both sides."""
    if base is None:
        base = Record(paper_id=mine.paper_id, study=Study(uid=mine.study.uid))
    taken: list[str] = []
    conflicts: list[str] = []
    out = mine.copy()
    for f in RECORD_FIELDS:
        setattr(out, f, _pick(f"record {f.replace('_', ' ')}", getattr(base, f), getattr(mine, f),
                              getattr(theirs, f), taken, conflicts))
    # one study per record: merged as one row whatever the uid each side gave it
    out.study = _merge_row("Study", base.study, mine.study, theirs.study, taken, conflicts)  # type: ignore[assignment]
    for t in ROW_TYPES:
        b = {r.uid: r for r in base.rows(t)}
        m = {r.uid: r for r in mine.rows(t)}
        th = {r.uid: r for r in theirs.rows(t)}
        rows: list[Row] = []
        for pos, (uid, row) in enumerate(m.items(), 1):
            where = f"{t.TITLE} row {pos}"
            if uid in th:
                rows.append(_merge_row(where, b.get(uid), row, th[uid], taken, conflicts))
            elif uid in b:  # removed by the other save
                if _row_state(row) == _row_state(b[uid]):
                    taken.append(f"{where} removed")
                else:
                    conflicts.append(f"{where} (you edited it, the other save removed it)")
                    rows.append(row.copy())
            else:  # added here
                rows.append(row.copy())
        for uid, row in th.items():
            if uid in m:
                continue
            if uid in b:  # removed here
                if _row_state(row) != _row_state(b[uid]):
                    conflicts.append(f"{t.TITLE} row removed by you was edited by the other save")
                    rows.append(row.copy())
            else:  # added by the other save
                taken.append(f"{t.TITLE} row added ({', '.join(str(v) for v in row.values().values() if v not in (None, ''))})")
                rows.append(row.copy())
        setattr(out, LIST_ATTR[t], rows)
    if conflicts:
        raise MergeConflict(conflicts)
    return MergeResult(out, taken)
