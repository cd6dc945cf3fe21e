"""Three-way merge of a record saved over a newer one (pure).

A curator edits the record as it was when the paper was opened (`base`); meanwhile another save
(another window, a batch of suggestions) stored `theirs`. Each value — a record field, a row's
field, its status, the evidence linked to a field, a row added or removed — is merged on its own:
changed on one side only, that side wins; changed on both sides to the same value, fine; changed on
both sides to different values, a conflict. Conflicts are never settled silently: `merge_records`
raises `MergeConflict` carrying every one as a `Conflict` (where, as the form labels it; base, mine,
theirs), and nothing is saved. Once the curator has decided, `merge_records(..., choices=...)` merges
again with each decided value in place of its conflict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from curator.domain import validation
from curator.domain.numbers import format_number
from curator.domain.outcomes import LIST_ATTR, ROW_TYPES, Record, Row, Span, Study

# the curated content of a record; status, revision, curator and times are the save's own bookkeeping
RECORD_FIELDS = ("notes", "contradicts", "contradiction_comment", "exclusion_reason")
# as the Notes tab (and the reject/exclude question) names them
RECORD_LABELS = {"notes": "Notes", "contradicts": "The paper contradicts itself",
                 "contradiction_comment": "Contradiction comment", "exclusion_reason": "Reason rejected or excluded"}
RECORD_KINDS = {"contradicts": "bool"}

_MISSING = object()
REMOVED = _MISSING  # a value (a row, an evidence link) the other side removed: a choice meaning "removed"


@dataclass(frozen=True)
class Conflict:
    """One value changed differently on both sides. `key` names it for a choice: ("record", field),
    (table, row uid, value key) or, for a row edited on one side and removed on the other, (table, row
    uid). `mine` / `theirs` are the values (REMOVED when that side removed it; a Row for a row)."""

    key: tuple[str, ...]
    label: str  # as the form shows it: "Comparisons row 2, After / B", "Study, N enrolled", "Notes"
    base: Any
    mine: Any
    theirs: Any
    kind: str = "text"  # the field's kind (text | int | float | choice | vocab | bool), "status", "evidence", "row"
    row_type: type[Row] | None = None  # the row's type (None: a record field)
    field: str | None = None  # the value's field name, when it is a field

    @property
    def editable(self) -> bool:
        """A third value may be typed (a plain field); a row, an evidence link, a status or a yes/no is
        either side's."""
        return self.kind not in ("row", "evidence", "status", "bool")

    def parse(self, typed: str) -> tuple[Any, str | None]:
        """A third value as typed by the curator, in the field's type: (value, None) or (typed, the
        reason it is refused, naming the field)."""
        if not self.editable:
            return typed, f"{self.label}: choose theirs or yours"
        if self.row_type is None or self.field is None:  # a record's text field
            return typed, None
        value, err = validation.coerce(self.row_type, self.field, typed)
        return value, (f"{self.label}: {err}" if err else None)

    def text(self) -> str:
        if self.kind == "row":
            if self.theirs is _MISSING:
                return f"{self.label} (you edited it, the other save removed it)"
            return f"{self.label} (removed by you, edited by the other save)"
        return f"{self.label} (yours: {show(self.mine)}, saved meanwhile: {show(self.theirs)})"


@dataclass
class MergeResult:
    record: Record  # `mine` with the other save's changes taken in
    taken: list[str]  # what came from the other save, as "Comparisons row 2, After / B" (the form's labels)


class MergeConflict(ValueError):
    def __init__(self, conflicts: list[Conflict]):
        self.conflicts = conflicts
        super().__init__("; ".join(c.text() for c in conflicts))


class _Merge:
    """One merge's bookkeeping: what came from the other save, the conflicts, the curator's choices."""

    def __init__(self, choices: Mapping[tuple[str, ...], Any] | None):
        self.taken: list[str] = []
        self.conflicts: list[Conflict] = []
        self.choices = choices or {}

    def pick(self, conflict: Conflict) -> Any:
        """A value: `mine` unless only the other side changed it; a conflict takes the curator's choice
        when there is one, else is noted (and `mine` stands in until the curator decides)."""
        base, mine, theirs = conflict.base, conflict.mine, conflict.theirs
        if mine == theirs or theirs == base:
            return mine
        if mine == base:
            self.taken.append(conflict.label)
            return theirs
        if conflict.key in self.choices:
            return self.choices[conflict.key]
        self.conflicts.append(conflict)
        return mine


def show(v: Any, plain: bool = False) -> str:
    """A value as the curator reads it: in messages (text quoted, evidence cut to 40 characters) or,
    `plain`, in the conflict dialog (as the form shows it, the whole quote)."""
    if v is _MISSING:
        return "removed"
    if v is None or v == "":
        return "empty"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return format_number(v)
    if isinstance(v, Span):
        return f"evidence “{v.quote if plain else v.quote[:40]}”"
    if isinstance(v, Row):
        vals = [show(x, plain=True) for x in v.values().values() if x not in (None, "")]
        return ", ".join(vals) if vals else "an empty row"
    return repr(v) if isinstance(v, str) and not plain else str(v)


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


def _kind(row_type: type[Row], key: str) -> str:
    if key == "row_status":
        return "status"
    if key.startswith("source:"):
        return "evidence"
    return row_type.spec(key).kind


def _merge_row(where: str, table: str, base: Row | None, mine: Row, theirs: Row, merge: _Merge) -> Row:
    b, m, t = _row_state(base), _row_state(mine), _row_state(theirs)
    out = mine.copy()
    rt = type(mine)
    for key in dict.fromkeys([*m, *t]):
        mv, tv, bv = m.get(key, _MISSING), t.get(key, _MISSING), b.get(key, _MISSING)
        v = merge.pick(Conflict((table, mine.uid, key), f"{where}, {field_label(rt, key)}", bv, mv, tv,
                                _kind(rt, key), rt, None if key.startswith("source:") else key))
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


def _row_conflict(merge: _Merge, t: type[Row], uid: str, label: str, base: Row, mine: Any, theirs: Any) -> Any:
    """A row edited on one side and removed on the other: the curator's choice (the row, or REMOVED),
    else a conflict noted and the edited row kept until they decide."""
    c = Conflict((t.TABLE, uid), label, base, mine, theirs, "row", t)
    if c.key in merge.choices:
        return merge.choices[c.key]
    merge.conflicts.append(c)
    return mine if mine is not _MISSING else theirs


def merge_records(base: Record | None, mine: Record, theirs: Record,
                  choices: Mapping[tuple[str, ...], Any] | None = None) -> MergeResult:
    """`mine` (edited from `base`, None when the paper had no record) merged with `theirs` (stored
    since). Raises MergeConflict when one value was changed differently on both sides, unless
    `choices` holds the curator's decision for it (keyed by `Conflict.key`: the value; for a row, the
    Row or REMOVED)."""
    if base is None:
        base = Record(paper_id=mine.paper_id, study=Study(uid=mine.study.uid))
    merge = _Merge(choices)
    out = mine.copy()
    for f in RECORD_FIELDS:
        setattr(out, f, merge.pick(Conflict(("record", f), RECORD_LABELS[f], getattr(base, f), getattr(mine, f),
                                            getattr(theirs, f), RECORD_KINDS.get(f, "text"), None, f)))
    # one study per record: merged as one row whatever the uid each side gave it
    out.study = _merge_row("Study", Study.TABLE, base.study, mine.study, theirs.study, merge)  # type: ignore[assignment]
    for t in ROW_TYPES:
        b = {r.uid: r for r in base.rows(t)}
        m = {r.uid: r for r in mine.rows(t)}
        th = {r.uid: r for r in theirs.rows(t)}
        rows: list[Row] = []
        for pos, (uid, row) in enumerate(m.items(), 1):
            where = f"{t.TITLE} row {pos}"
            if uid in th:
                rows.append(_merge_row(where, t.TABLE, b.get(uid), row, th[uid], merge))
            elif uid in b:  # removed by the other save
                if _row_state(row) == _row_state(b[uid]):
                    merge.taken.append(f"{where} removed")
                else:
                    kept = _row_conflict(merge, t, uid, where, b[uid], row, _MISSING)
                    if kept is not _MISSING:
                        rows.append(kept.copy())
            else:  # added here
                rows.append(row.copy())
        for uid, row in th.items():
            if uid in m:
                continue
            if uid in b:  # removed here
                if _row_state(row) != _row_state(b[uid]):
                    kept = _row_conflict(merge, t, uid, f"{t.TITLE} row “{show(b[uid])}”", b[uid], _MISSING, row)
                    if kept is not _MISSING:
                        rows.append(kept.copy())
            else:  # added by the other save
                merge.taken.append(f"{t.TITLE} row added ({show(row)})")
                rows.append(row.copy())
        setattr(out, LIST_ATTR[t], rows)
    if merge.conflicts:
        raise MergeConflict(merge.conflicts)
    return MergeResult(out, merge.taken)
