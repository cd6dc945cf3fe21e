"""Whether a record says enough to be verified (pure; the one place of this rule).

- An **empty** record (no study value, no row with a value) cannot be verified at all.
- **Gaps** — no accepted outcome row, the study's Design empty, its N empty — are allowed only once the
  curator has confirmed them.
- **Pending** suggestions (rows still suggested) are named: they are accepted or rejected first.

Every text names what is missing with the form's own labels (tab, table and field as the curator sees them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from curator.domain.outcomes import (
    ROW_ACCEPTED,
    ROW_SUGGESTED,
    ROW_TYPES,
    Comparison,
    Measurement,
    Record,
    Row,
    Study,
    TimelineEvent,
    TimeToEvent,
    Toxicity,
)

# the parts of a record that report an outcome (arms and treatments describe the study, not what happened)
OUTCOME_TYPES: tuple[type[Row], ...] = (Toxicity, Comparison, Measurement, TimeToEvent, TimelineEvent)


@dataclass
class Readiness:
    empty: bool = False
    gaps: list[str] = field(default_factory=list)  # what is missing, in the form's words
    pending: list[str] = field(default_factory=list)  # suggestions not yet accepted or rejected, named

    @property
    def complete(self) -> bool:
        return not self.empty and not self.gaps and not self.pending


def pending_count(rec: Record) -> int:
    """THE count of suggestions awaiting review (the status bar, Suggest's message and verify say this)."""
    return sum(1 for r in rec.all_rows() if r.row_status == ROW_SUGGESTED)


def _row_name(row_type: type[Row], index: int, row: Row) -> str:
    shown = [str(v) for v in row.values().values() if v not in (None, "")][:3]
    where = row_type.TITLE if row_type is Study else f"{row_type.TITLE} row {index + 1}"
    return where + (f" ({', '.join(shown)})" if shown else "")


def _label(name: str) -> str:
    return Study.spec(name).label


def readiness(rec: Record) -> Readiness:
    out = Readiness()
    rows = [(t, i, r) for t in ROW_TYPES for i, r in enumerate(rec.rows(t))]
    if rec.study.is_empty() and all(r.is_empty() for _t, _i, r in rows):
        out.empty = True
        return out
    if rec.study.row_status == ROW_SUGGESTED:
        out.pending.append(_row_name(Study, 0, rec.study))
    out.pending += [_row_name(t, i, r) for t, i, r in rows if r.row_status == ROW_SUGGESTED]
    if not any(r.row_status == ROW_ACCEPTED and not r.is_empty() for t, _i, r in rows if t in OUTCOME_TYPES):
        out.gaps.append("an accepted outcome row (in " + ", ".join(t.TITLE for t in OUTCOME_TYPES) + ")")
    if rec.study.design in (None, ""):
        out.gaps.append(f"Study ▸ {_label('design')}")
    if rec.study.n_enrolled is None and rec.study.n_analysed is None:
        out.gaps.append(f"Study ▸ {_label('n_enrolled')} (or {_label('n_analysed')})")
    return out


EMPTY_TEXT = ("the record is empty — no study value and no row with a value: there is nothing to verify. "
              "Fill the form (or Suggest values from the text), or exclude the paper.")


def pending_text(r: Readiness, limit: int = 8) -> str:
    names = r.pending[:limit] + ([f"… and {len(r.pending) - limit} more"] if len(r.pending) > limit else [])
    return (f"{len(r.pending)} suggestion(s) are neither accepted nor rejected — accept (Enter) or reject (Del) "
            "each first:\n• " + "\n• ".join(names))


def gaps_text(r: Readiness) -> str:
    return "the record says nothing about:\n• " + "\n• ".join(r.gaps)
