"""Two extractions of one paper side by side: rows matched, fields compared, agreement reported, a
consensus built (pure; the one place of these rules).

- **Rows are matched by what they are about**, never by position: each table has key levels
  (`KEY_LEVELS`), tried in turn — a toxicity is first matched on syndrome, grade and arm, what is
  left over on syndrome alone (so a grade 3 against a grade 4 CRS shows as a grade that differs, not as
  two missing rows). Within one key, rows pair up by the most fields they share.
- **Fields are compared by kind**: numbers equal within a `Tolerance` (exact by default), text and
  categories after normalisation (Unicode NFC, case, runs of white space). A field empty on both sides
  is not compared.
- **Every compared field is one item**: it agrees, or it is a disagreement of one `KINDS` kind (a value
  that differs, a value only one side gave, a row only one side has: each of its values).
- **Agreement** (`summarize`): per field, table, paper and overall, the share of items that agree, the
  disagreements counted by kind, and Cohen's κ over the categorical fields (choice and vocabulary
  fields; an empty value is a category of its own). κ is None where it is undefined (both curators
  used one and the same category throughout: chance agreement is 1).
- **The consensus** (`build_consensus`): what both gave is filled in; each disagreement is settled by
  a `Pick` (A's value, B's value, or an edit) or stays empty. Every consensus value's provenance keeps
  both sources: `Span.extracted_by` = "A+B" and `Span.settled` = "agreed", the curator whose value was
  taken, or "edited"; the quote is the chosen side's (else the other's).
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from curator.domain.outcomes import (
    LIST_ATTR,
    RECORD_DRAFT,
    ROW_ACCEPTED,
    ROW_SUGGESTED,
    ROW_TYPES,
    Arm,
    Comparison,
    Exposure,
    FieldSpec,
    Measurement,
    Record,
    Row,
    Span,
    Study,
    TimelineEvent,
    TimeToEvent,
    Toxicity,
    new_uid,
)

# what each table's rows are matched by, most specific first (a later level only sees rows left over)
KEY_LEVELS: dict[type[Row], tuple[tuple[str, ...], ...]] = {
    Arm: (("label", "kind"), ("label",), ("kind",)),
    Exposure: (("agent", "arm", "start_day"), ("agent", "arm"), ("agent",)),
    Toxicity: (("syndrome", "grading_system", "grade", "arm"), ("syndrome", "grade", "arm"), ("syndrome",)),
    Measurement: (("analyte", "day", "timepoint", "statistic", "arm"), ("analyte", "day", "arm"), ("analyte",)),
    Comparison: (("analyte", "label_a", "label_b"), ("analyte",)),
    TimeToEvent: (("endpoint", "what", "horizon", "arm"), ("endpoint", "horizon"), ("endpoint",)),
    TimelineEvent: (("day", "arm"), ("day",)),
}

AGREE = "agree"
VALUE_DIFFERS = "value differs"
ONLY_A = "value only in A"
ONLY_B = "value only in B"
ROW_ONLY_A = "row only in A"
ROW_ONLY_B = "row only in B"
KINDS = (VALUE_DIFFERS, ONLY_A, ONLY_B, ROW_ONLY_A, ROW_ONLY_B)  # disagreements, counted by kind
ROW = "*"  # a Pick on a whole row that only one side has: Pick("a") keeps A's row, Pick("b") B's (none)
EMPTY = "∅"  # the category of an empty value in κ

CATEGORICAL, NUMERIC, TEXT = "categorical", "numeric", "text"


def field_kind(spec: FieldSpec) -> str:
    if spec.kind in ("int", "float"):
        return NUMERIC
    if spec.kind in ("choice", "vocab", "bool"):
        return CATEGORICAL
    return TEXT


@dataclass(frozen=True)
class Tolerance:
    """Two numbers agree when |a - b| ≤ max(absolute, relative × max(|a|, |b|)); exact by default."""

    absolute: float = 0.0
    relative: float = 0.0

    def __post_init__(self) -> None:
        for name in ("absolute", "relative"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise ValueError(f"tolerance {name} must be a number ≥ 0, not {v!r}")

    def to_dict(self) -> dict[str, float]:
        return {"absolute": self.absolute, "relative": self.relative}


EXACT = Tolerance()


def is_empty(v: Any) -> bool:
    return v is None or (v.__class__ is str and not v.strip())


def _fields(row_type: type[Row]) -> list[tuple[str, FieldSpec, str]]:
    """(name, spec, comparison kind) of the table's fields, worked out once per table."""
    got = _FIELDS.get(row_type)
    if got is None:
        got = _FIELDS[row_type] = [(s.name, s, field_kind(s)) for s in row_type.SPECS]
    return got


_FIELDS: dict[type[Row], list[tuple[str, FieldSpec, str]]] = {}


@lru_cache(maxsize=1 << 16)
def normal_text(v: Any) -> str:
    """A text as compared: Unicode NFC, case-folded, white space collapsed."""
    return " ".join(unicodedata.normalize("NFC", str(v)).casefold().split())


def same_value(spec: FieldSpec, a: Any, b: Any, tol: Tolerance = EXACT) -> bool:
    """Whether two values of a field agree (both empty: they do)."""
    return _same(field_kind(spec), a, b, tol)


def _same(kind: str, a: Any, b: Any, tol: Tolerance) -> bool:
    if is_empty(a) or is_empty(b):
        return is_empty(a) and is_empty(b)
    if a == b:
        return True
    if kind == NUMERIC:
        try:
            x, y = float(a), float(b)
        except (TypeError, ValueError):
            return normal_text(a) == normal_text(b)
        return abs(x - y) <= max(tol.absolute, tol.relative * max(abs(x), abs(y)))
    return normal_text(a) == normal_text(b)


def _key_part(spec: FieldSpec, v: Any) -> Any:
    if is_empty(v):
        return None
    if field_kind(spec) == NUMERIC:
        try:
            return float(v)
        except (TypeError, ValueError):
            pass
    return normal_text(v)


def row_key(row: Row, names: Sequence[str]) -> tuple | None:
    """The row's key on these fields, or None when all of them are empty (such a row is not matched by them)."""
    parts = tuple(_key_part(row.spec(n), getattr(row, n)) for n in names)
    return None if all(p is None for p in parts) else parts


def key_text(row: Row) -> str:
    """The row as a curator recognises it: the values of its most specific key."""
    if isinstance(row, Study):
        return "study"
    names = KEY_LEVELS[type(row)][0]
    shown = [f"{row.spec(n).label} {getattr(row, n)}" if row.spec(n).kind in ("int", "float") else str(getattr(row, n))
             for n in names if not is_empty(getattr(row, n))]
    return ", ".join(shown) if shown else "(no key values)"


def _shared(a: Row, b: Row, tol: Tolerance) -> int:
    da, db = a.__dict__, b.__dict__
    return sum(1 for name, _s, kind in _fields(type(a))
               if not is_empty(da[name]) and _same(kind, da[name], db[name], tol))


def match_rows(row_type: type[Row], rows_a: Sequence[Row], rows_b: Sequence[Row],
               tol: Tolerance = EXACT) -> list[tuple[Row | None, Row | None]]:
    """Pairs (a, b) of rows about the same thing; (a, None) and (None, b) for rows one side lacks.
    Ordered by A's rows, then B's unmatched ones in their order."""
    if row_type is Study:
        return [(rows_a[0] if rows_a else None, rows_b[0] if rows_b else None)]
    free_a, free_b = set(range(len(rows_a))), set(range(len(rows_b)))
    partner: dict[int, int] = {}
    for names in KEY_LEVELS[row_type]:
        groups_a: dict[tuple, list[int]] = defaultdict(list)
        groups_b: dict[tuple, list[int]] = defaultdict(list)
        for i in sorted(free_a):
            k = row_key(rows_a[i], names)
            if k is not None:
                groups_a[k].append(i)
        for j in sorted(free_b):
            k = row_key(rows_b[j], names)
            if k is not None:
                groups_b[k].append(j)
        for k, ia in groups_a.items():
            jb = groups_b.get(k)
            if not jb:
                continue
            cands = sorted((-_shared(rows_a[i], rows_b[j], tol), i, j) for i in ia for j in jb)
            for _score, i, j in cands:
                if i in free_a and j in free_b:
                    partner[i] = j
                    free_a.discard(i)
                    free_b.discard(j)
    pairs: list[tuple[Row | None, Row | None]] = [
        (rows_a[i], rows_b[partner[i]] if i in partner else None) for i in range(len(rows_a))]
    pairs += [(None, rows_b[j]) for j in sorted(free_b)]
    return pairs


# --- comparing ------------------------------------------------------------------------------------

@dataclass
class Item:
    """One compared field of one pair of rows."""

    paper_id: int
    table: str
    pair: int  # index of the row pair in its table (PaperComparison.pairs[table])
    field: str
    kind: str  # categorical | numeric | text
    a: Any
    b: Any
    outcome: str  # AGREE or one of KINDS
    row: str  # the row's key as a curator reads it
    labels: tuple[Any, Any] | None = None  # (A's, B's) category for κ: categorical fields only

    @property
    def agrees(self) -> bool:
        return self.outcome == AGREE

    def to_dict(self) -> dict[str, Any]:
        return {"paper_id": self.paper_id, "table": self.table, "field": self.field, "a": self.a, "b": self.b,
                "kind": self.outcome, "row": self.row}


@dataclass
class RowPair:
    table: str
    index: int
    a: Row | None
    b: Row | None
    items: list[Item] = field(default_factory=list)

    @property
    def row_type(self) -> type[Row]:
        return type(self.a if self.a is not None else self.b)


@dataclass
class PaperComparison:
    paper_id: int
    a_name: str
    b_name: str
    a: Record
    b: Record
    tolerance: Tolerance
    pairs: dict[str, list[RowPair]]  # table -> row pairs (tables in the form's order)

    @property
    def items(self) -> list[Item]:
        return [it for ps in self.pairs.values() for p in ps for it in p.items]

    @property
    def disagreements(self) -> list[Item]:
        return [it for it in self.items if not it.agrees]


def compare_records(a: Record, b: Record, a_name: str = "A", b_name: str = "B", tolerance: Tolerance = EXACT,
                    paper_id: int | None = None) -> PaperComparison:
    """Two extractions of one paper compared field by field (`paper_id`: the one to report; A's by default)."""
    pid = a.paper_id if paper_id is None else paper_id
    out: dict[str, list[RowPair]] = {}
    for row_type in (Study, *ROW_TYPES):
        pairs = []
        for idx, (ra, rb) in enumerate(match_rows(row_type, a.rows(row_type), b.rows(row_type), tolerance)):
            pair = RowPair(row_type.TABLE, idx, ra, rb)
            label = key_text(ra if ra is not None else rb)  # type: ignore[arg-type]
            da = ra.__dict__ if ra is not None else {}
            db = rb.__dict__ if rb is not None else {}
            for name, _spec, kind in _fields(row_type):
                va, vb = da.get(name), db.get(name)
                ea, eb = is_empty(va), is_empty(vb)
                if ea and eb:
                    continue
                if ra is None:
                    outcome = ROW_ONLY_B
                elif rb is None:
                    outcome = ROW_ONLY_A
                elif ea:
                    outcome = ONLY_B
                elif eb:
                    outcome = ONLY_A
                else:
                    outcome = AGREE if _same(kind, va, vb, tolerance) else VALUE_DIFFERS
                labels = ((EMPTY if ea else normal_text(va), EMPTY if eb else normal_text(vb))
                          if kind == CATEGORICAL else None)
                pair.items.append(Item(pid, row_type.TABLE, idx, name, kind, va, vb, outcome, label, labels))
            pairs.append(pair)
        out[row_type.TABLE] = pairs
    return PaperComparison(pid, a_name, b_name, a, b, tolerance, out)


# --- agreement figures ----------------------------------------------------------------------------

def cohen_kappa(pairs: Sequence[tuple[Any, Any]]) -> float | None:
    """Cohen's κ of two raters' labels on the same items; None when undefined (no items, or chance
    agreement 1: both used one and the same label throughout)."""
    n = len(pairs)
    if n == 0:
        return None
    po = sum(1 for x, y in pairs if x == y) / n
    ca = Counter(x for x, _ in pairs)
    cb = Counter(y for _, y in pairs)
    pe = sum(ca[k] * cb.get(k, 0) for k in ca) / (n * n)
    if pe >= 1.0:
        return None
    return (po - pe) / (1.0 - pe)


@dataclass
class Stats:
    compared: int = 0
    agreements: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    kappa: float | None = None
    categorical: int = 0  # items κ was computed over

    @property
    def disagreements(self) -> int:
        return self.compared - self.agreements

    @property
    def proportion(self) -> float | None:
        return self.agreements / self.compared if self.compared else None

    def to_dict(self) -> dict[str, Any]:
        return {"compared": self.compared, "agreements": self.agreements, "disagreements": self.disagreements,
                "agreement": None if self.proportion is None else round(self.proportion, 6),
                "kappa": None if self.kappa is None else round(self.kappa, 6), "categorical_items": self.categorical,
                "by_kind": dict(self.by_kind)}


def stats(items: Iterable[Item], pooled: bool = False) -> Stats:
    """Agreement over `items`; κ over their categorical ones (`pooled`: items of several fields, whose
    labels are then kept apart by field)."""
    s = Stats()
    labels = []
    for it in items:
        s.compared += 1
        if it.agrees:
            s.agreements += 1
        else:
            s.by_kind[it.outcome] += 1
        if it.labels is not None:
            la, lb = it.labels
            labels.append(((it.table, it.field, la), (it.table, it.field, lb)) if pooled else (la, lb))
    s.categorical = len(labels)
    s.kappa = cohen_kappa(labels)
    return s


@dataclass
class Summary:
    overall: Stats
    by_field: dict[str, Stats]  # "table.field"
    by_table: dict[str, Stats]
    by_paper: dict[int, Stats]

    def to_dict(self) -> dict[str, Any]:
        return {"overall": self.overall.to_dict(),
                "by_field": {k: v.to_dict() for k, v in self.by_field.items()},
                "by_table": {k: v.to_dict() for k, v in self.by_table.items()},
                "by_paper": {str(k): v.to_dict() for k, v in self.by_paper.items()}}


def summarize(comparisons: Iterable[PaperComparison]) -> Summary:
    items: list[Item] = []
    per_field: dict[str, list[Item]] = defaultdict(list)
    per_table: dict[str, list[Item]] = defaultdict(list)
    per_paper: dict[int, list[Item]] = defaultdict(list)
    for c in comparisons:
        for it in c.items:
            items.append(it)
            per_field[f"{it.table}.{it.field}"].append(it)
            per_table[it.table].append(it)
            per_paper[it.paper_id].append(it)
    return Summary(stats(items, pooled=True), {k: stats(v) for k, v in per_field.items()},
                   {k: stats(v, pooled=True) for k, v in per_table.items()},
                   {k: stats(v, pooled=True) for k, v in per_paper.items()})


# --- consensus ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pick:
    """How the adjudicator settled one disagreement: A's value ("a"), B's ("b"), or an edit ("edit", value).
    On a whole row only one side has (field ROW): "a" or "b" keeps that side's row or its absence."""

    side: str
    value: Any = None

    def __post_init__(self) -> None:
        if self.side not in ("a", "b", "edit"):
            raise ValueError(f"a pick is 'a', 'b' or 'edit', not {self.side!r}")


Decisions = dict[tuple[str, int, str], Pick]  # (table, pair index, field or ROW) -> Pick


def unresolved(cmp: PaperComparison, decisions: Decisions) -> list[Item]:
    """The disagreements no decision settles yet."""
    out = []
    for it in cmp.disagreements:
        if (it.table, it.pair, it.field) in decisions:
            continue
        if it.outcome in (ROW_ONLY_A, ROW_ONLY_B) and (it.table, it.pair, ROW) in decisions:
            continue
        out.append(it)
    return out


def _span_of(row: Row | None, name: str) -> Span | None:
    return row.sources.get(name) if row is not None else None


def _consensus_span(first: Span | None, second: Span | None, extracted_by: str, settled: str) -> Span:
    base = first or second
    if base is None:  # the value was never linked to words: the provenance still says where it came from
        return Span(0, 0, "", made_by="curator", extracted_by=extracted_by, settled=settled)
    return Span(base.start, base.end, base.quote, base.text_field, base.made_by, base.accepted_by,
                extracted_by=extracted_by, settled=settled)


def _join_text(a: str, b: str, a_name: str, b_name: str) -> str:
    a, b = (a or "").strip(), (b or "").strip()
    if normal_text(a) == normal_text(b):
        return a
    if not a or not b:
        return a or b
    return f"[{a_name}] {a}\n[{b_name}] {b}"


def build_consensus(cmp: PaperComparison, decisions: Decisions | None = None,
                    paper_id: int | None = None) -> Record:
    """The consensus record: agreements filled in, disagreements settled by `decisions` or left empty
    (a row only one side has is left out until picked). Provenance of every value: see the module doc."""
    decisions = decisions or {}
    both = f"{cmp.a_name}+{cmp.b_name}"
    rec = Record(paper_id=cmp.paper_id if paper_id is None else paper_id, status=RECORD_DRAFT)
    rec.notes = _join_text(cmp.a.notes, cmp.b.notes, cmp.a_name, cmp.b_name)
    rec.contradicts = bool(cmp.a.contradicts or cmp.b.contradicts)
    rec.contradiction_comment = _join_text(cmp.a.contradiction_comment, cmp.b.contradiction_comment,
                                           cmp.a_name, cmp.b_name)
    for row_type in (Study, *ROW_TYPES):
        rows: list[Row] = []
        for pair in cmp.pairs[row_type.TABLE]:
            ra, rb = pair.a, pair.b
            if ra is None or rb is None:  # a row one side lacks: kept only when picked
                pick = decisions.get((pair.table, pair.index, ROW))
                keep = pick is not None and ((pick.side == "a") == (ra is not None)) and pick.side != "edit"
                if not keep and row_type is not Study:
                    continue
            row = row_type(uid=new_uid())
            present = [r for r in (ra, rb) if r is not None]
            row.row_status = (ROW_SUGGESTED if present and all(r.row_status == ROW_SUGGESTED for r in present)
                              else ROW_ACCEPTED)
            for spec in row_type.SPECS:
                name = spec.name
                va = getattr(ra, name) if ra is not None else None
                vb = getattr(rb, name) if rb is not None else None
                if is_empty(va) and is_empty(vb):
                    continue
                pick = decisions.get((pair.table, pair.index, name))
                sa, sb = _span_of(ra, name), _span_of(rb, name)
                if pick is None and ra is not None and rb is not None and same_value(spec, va, vb, cmp.tolerance):
                    value, span = va, _consensus_span(sa, sb, both, "agreed")
                elif pick is None and (ra is None or rb is None):  # the row was picked whole
                    value = va if ra is not None else vb
                    span = _consensus_span(sa or sb, None, both, cmp.a_name if ra is not None else cmp.b_name)
                elif pick is None:
                    continue  # unresolved: left empty
                elif pick.side == "a":
                    if is_empty(va):
                        continue
                    value, span = va, _consensus_span(sa, sb, both, cmp.a_name)
                elif pick.side == "b":
                    if is_empty(vb):
                        continue
                    value, span = vb, _consensus_span(sb, sa, both, cmp.b_name)
                else:
                    if is_empty(pick.value):
                        continue
                    value, span = pick.value, _consensus_span(sa, sb, both, "edited")
                setattr(row, name, value)
                row.sources[name] = span
            if row_type is Study:
                rec.study = row  # type: ignore[assignment]
            else:
                rows.append(row)
        if row_type is not Study:
            setattr(rec, LIST_ATTR[row_type], rows)
    return rec


# --- adjudication: the state a compare view shows and edits --------------------------------------

@dataclass
class Line:
    """One compared field as the adjudicator sees it."""

    item: Item
    title: str  # the table as the form names it
    label: str  # the field as the form names it

    @property
    def disagrees(self) -> bool:
        return not self.item.agrees

    @property
    def row_only(self) -> bool:
        return self.item.outcome in (ROW_ONLY_A, ROW_ONLY_B)


class Adjudication:
    """A paper's comparison, the adjudicator's picks and the consensus they make (pure: the compare view
    only shows it and forwards keys). Lines run table by table, row by row, field by field."""

    def __init__(self, cmp: PaperComparison):
        self.cmp = cmp
        self.decisions: Decisions = {}
        types = {t.TABLE: t for t in (Study, *ROW_TYPES)}
        self.lines = [Line(it, types[it.table].TITLE, types[it.table].spec(it.field).label) for it in cmp.items]

    def _key(self, line: Line) -> tuple[str, int, str]:
        return line.item.table, line.item.pair, line.item.field

    def pick(self, index: int, side: str) -> None:
        """Take A's ("a") or B's ("b") value for line `index`; on a row only one side has, keep or drop the row."""
        line = self.lines[index]
        if not line.disagrees:
            return
        it = line.item
        if line.row_only:
            self.decisions[(it.table, it.pair, ROW)] = Pick(side)
            for k in [k for k in self.decisions if k[:2] == (it.table, it.pair) and k[2] != ROW]:
                del self.decisions[k]  # a pick on the row replaces edits of its fields
        else:
            self.decisions[self._key(line)] = Pick(side)

    def edit(self, index: int, value: Any) -> None:
        """The adjudicator's own value for line `index` (already of the field's type; None: empty)."""
        line = self.lines[index]
        it = line.item
        if line.row_only:  # editing a value of a one-sided row keeps the row
            self.decisions[(it.table, it.pair, ROW)] = Pick("a" if it.outcome == ROW_ONLY_A else "b")
        self.decisions[self._key(line)] = Pick("edit", value)

    def undecide(self, index: int) -> None:
        line = self.lines[index]
        it = line.item
        self.decisions.pop(self._key(line), None)
        if line.row_only:
            self.decisions.pop((it.table, it.pair, ROW), None)

    def consensus_value(self, index: int) -> tuple[Any, str | None]:
        """(value, how it was settled) the consensus holds for line `index`; (None, None) while unsettled."""
        line = self.lines[index]
        it = line.item
        a_name, b_name = self.cmp.a_name, self.cmp.b_name
        if it.agrees:
            return it.a, "agreed"
        pick = self.decisions.get(self._key(line))
        if line.row_only:
            row_pick = self.decisions.get((it.table, it.pair, ROW))
            if row_pick is None:
                return None, None
            present = "a" if it.outcome == ROW_ONLY_A else "b"
            if row_pick.side != present:
                return None, a_name if row_pick.side == "a" else b_name  # the row is left out
            if pick is not None and pick.side == "edit":
                return pick.value, "edited"
            return (it.a if present == "a" else it.b), (a_name if present == "a" else b_name)
        if pick is None:
            return None, None
        if pick.side == "a":
            return it.a, a_name
        if pick.side == "b":
            return it.b, b_name
        return pick.value, "edited"

    def settled(self, index: int) -> bool:
        return self.consensus_value(index)[1] is not None

    def unresolved(self) -> list[int]:
        return [i for i in range(len(self.lines)) if not self.settled(i)]

    def step(self, current: int, forward: bool = True) -> int | None:
        """The next (or previous) disagreement after `current` (-1: from the start), wrapping; None: none."""
        n = len(self.lines)
        order = [(current + k) % n for k in range(1, n + 1)] if forward else \
                [(current - k) % n for k in range(1, n + 1)]
        if current < 0 and not forward:
            order = list(range(n - 1, -1, -1))
        return next((i for i in order if self.lines[i].disagrees), None)

    def consensus(self, paper_id: int | None = None) -> Record:
        return build_consensus(self.cmp, self.decisions, paper_id)
