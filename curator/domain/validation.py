"""Validation rules: plain functions returning messages that name the table, row and field (pure).

Errors block verification; warnings do not. A record can always be saved as a draft.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from curator.domain import units as unit_mod
from curator.domain import vocabulary
from curator.domain.numbers import parse_number
from curator.domain.outcomes import (
    ROW_SUGGESTED,
    ROW_TYPES,
    Comparison,
    Measurement,
    Record,
    Row,
    Study,
    TimeToEvent,
    Toxicity,
)
from curator.domain.pvalues import parse_p

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Message:
    level: str
    table: str
    row: int  # 0-based row index within its table
    uid: str
    field: str
    text: str

    def __str__(self) -> str:
        return self.text


def _msg(level: str, row_type: type[Row], index: int, row: Row, field: str, text: str) -> Message:
    label = row_type.spec(field).label if field in row_type.value_fields() else field
    where = row_type.TITLE if row_type is Study else f"{row_type.TITLE} row {index + 1}"
    return Message(level, row_type.TABLE, index, row.uid, field, f"{where}, {label}: {text}")


def coerce(row_type: type[Row], field: str, raw: Any) -> tuple[Any, str | None]:
    """Turn what was typed into the field's type; (value, None) or (raw, error text)."""
    spec = row_type.spec(field)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if spec.kind in ("int", "float"):
        if isinstance(raw, bool):
            return raw, "expected a number"
        v = raw if isinstance(raw, (int, float)) else parse_number(str(raw).lstrip("+"))
        if v is None:
            return raw, f"'{raw}' is not a number"
        if spec.kind == "int":
            if float(v) != int(v):
                return raw, f"{raw} must be a whole number"
            return int(v), None
        return float(v), None
    if spec.kind == "choice" and spec.choices:
        s = str(raw).strip()
        for c in spec.choices:
            if c.casefold() == s.casefold():
                return c, None
        return s, f"'{s}' is not one of: {', '.join(spec.choices)}"
    return str(raw).strip(), None


def validate(rec: Record) -> list[Message]:
    return list(_validate(rec))


def errors(rec: Record) -> list[Message]:
    return [m for m in validate(rec) if m.level == ERROR]


def _rows(rec: Record) -> Iterator[tuple[type[Row], int, Row]]:
    yield Study, 0, rec.study
    for t in ROW_TYPES:
        for i, r in enumerate(rec.rows(t)):
            if r.row_status != ROW_SUGGESTED:  # suggestions are checked once accepted
                yield t, i, r


def _validate(rec: Record) -> Iterator[Message]:
    for row_type, i, row in _rows(rec):
        # types: letters in a number field, a day that is not whole, a value outside its choices
        for spec in row_type.SPECS:
            v = getattr(row, spec.name)
            if v is None:
                continue
            _, err = coerce(row_type, spec.name, v)
            if err:
                yield _msg(ERROR, row_type, i, row, spec.name, err)
            elif spec.kind in ("int", "float") and spec.name in ("n", "n_enrolled", "n_analysed", "n_patients",
                                                                   "n_doses") and v < 0:
                yield _msg(ERROR, row_type, i, row, spec.name, f"{v} cannot be negative")
        if isinstance(row, Comparison):
            yield from _comparison(i, row)
        elif isinstance(row, TimeToEvent):
            yield from _tte(i, row)
        elif isinstance(row, Toxicity):
            yield from _toxicity(i, row)
        elif isinstance(row, Measurement):
            yield from _measurement(i, row)
    yield from _subgroups(rec)


def _num(v: Any) -> float | None:
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _comparison(i: int, row: Comparison) -> Iterator[Message]:
    if row.p_text:
        op, p = parse_p(row.p_text)
        if p is None:
            yield _msg(ERROR, Comparison, i, row, "p_text", f"cannot read a p-value in '{row.p_text}'")
        elif not (0 < p <= 1):
            yield _msg(ERROR, Comparison, i, row, "p_text", f"p-value {p:g} is outside (0, 1]")
    yield from _unit_check(Comparison, i, row, row.analyte, row.unit)
    for f in ("value_a", "value_b"):
        yield from _temperature(Comparison, i, row, f, row.analyte, row.unit)
    a, b = _num(row.value_a), _num(row.value_b)
    if row.direction and a is not None and b is not None:
        if (row.direction == "increased" and b < a) or (row.direction == "decreased" and b > a):
            yield _msg(WARNING, Comparison, i, row, "direction",
                       f"the paper says '{row.direction}' but the values go from {a:g} to {b:g}")


def _tte(i: int, row: TimeToEvent) -> Iterator[Message]:
    rate, lo, hi = _num(row.rate), _num(row.ci_low), _num(row.ci_high)
    for f, v in (("rate", rate), ("ci_low", lo), ("ci_high", hi)):
        if v is not None and not (0 <= v <= 100):
            yield _msg(ERROR, TimeToEvent, i, row, f, f"{v:g} % is outside 0–100 %")
    if lo is not None and hi is not None and lo > hi:
        yield _msg(ERROR, TimeToEvent, i, row, "ci_low", f"CI low {lo:g} is above CI high {hi:g}")
    elif rate is not None and ((lo is not None and lo > rate) or (hi is not None and hi < rate)):
        yield _msg(ERROR, TimeToEvent, i, row, "rate",
                   f"estimate {rate:g} lies outside its CI {lo if lo is not None else ''}–{hi if hi is not None else ''}")
    if row.ci_level is not None and _num(row.ci_level) is not None and not (50 <= row.ci_level < 100):
        yield _msg(ERROR, TimeToEvent, i, row, "ci_level", f"a {row.ci_level:g} % CI is not a confidence level")
    if _num(row.hr) is not None and row.hr <= 0:
        yield _msg(ERROR, TimeToEvent, i, row, "hr", "a hazard ratio must be above 0")


def _toxicity(i: int, row: Toxicity) -> Iterator[Message]:
    if _num(row.percent) is not None and not (0 <= row.percent <= 100):
        yield _msg(ERROR, Toxicity, i, row, "percent", f"{row.percent:g} % is outside 0–100 %")
    if row.grade is not None and _num(row.grade) is not None:
        allowed = vocabulary.grades_for(row.syndrome, row.grading_system) if row.syndrome else None
        if allowed is not None and row.grade not in allowed:
            system = row.grading_system or "its grading system"
            yield _msg(ERROR, Toxicity, i, row, "grade",
                       f"grade {row.grade} is not allowed by {system} for {row.syndrome} "
                       f"(allowed: {', '.join(str(g) for g in allowed) or 'none'})")
        elif not (0 <= row.grade <= 5):
            yield _msg(ERROR, Toxicity, i, row, "grade", f"grade {row.grade} is outside 0–5")
    if (_num(row.onset_day) is not None and _num(row.resolution_day) is not None
            and row.resolution_day < row.onset_day):
        yield _msg(ERROR, Toxicity, i, row, "resolution_day",
                   f"resolution day {row.resolution_day} is before onset day {row.onset_day}")


def _measurement(i: int, row: Measurement) -> Iterator[Message]:
    yield from _unit_check(Measurement, i, row, row.analyte, row.unit)
    yield from _temperature(Measurement, i, row, "value", row.analyte, row.unit)
    v, lo, hi = _num(row.value), _num(row.dispersion_low), _num(row.dispersion_high)
    if lo is not None and hi is not None and lo > hi:
        yield _msg(ERROR, Measurement, i, row, "dispersion_low", f"low {lo:g} is above high {hi:g}")
    elif (row.dispersion in ("CI", "range", "IQR") and v is not None
          and ((lo is not None and lo > v) or (hi is not None and hi < v))):
        yield _msg(ERROR, Measurement, i, row, "value", f"{v:g} lies outside its {row.dispersion}")


def _unit_check(row_type: type[Row], i: int, row: Row, analyte: str | None, unit: str | None) -> Iterator[Message]:
    if not unit:
        return
    parsed = unit_mod.parse_unit(unit)
    if parsed is None:
        yield _msg(ERROR, row_type, i, row, "unit", f"unknown unit '{unit}'")
        return
    if analyte:
        allowed = vocabulary.allowed_units(analyte)
        if allowed and parsed.code not in allowed:
            yield _msg(ERROR, row_type, i, row, "unit",
                       f"'{unit}' is not a unit for {analyte} (allowed: {', '.join(sorted(allowed))})")


def _temperature(row_type: type[Row], i: int, row: Row, field: str, analyte: str | None,
                 unit: str | None) -> Iterator[Message]:
    v = _num(getattr(row, field))
    if v is None or not analyte:
        return
    m = vocabulary.analytes().match(analyte)
    if m is None or m.canonical.casefold() != "temperature":
        return
    parsed = unit_mod.parse_unit(unit) if unit else None
    if parsed is not None and parsed.code not in ("Cel",):
        return
    if not (30 <= v <= 45):
        yield _msg(ERROR, row_type, i, row, field, f"temperature {v:g} °C is outside 30–45 °C")


def _subgroups(rec: Record) -> Iterator[Message]:
    n = _num(rec.study.n_enrolled) if rec.study.n_enrolled is not None else None
    if n is None:
        return
    a = _num(rec.study.n_analysed)
    if a is not None and a > n:
        yield _msg(ERROR, Study, 0, rec.study, "n_analysed", f"{a:g} analysed is more than the {n:g} enrolled")
    for row_type, i, row in _rows(rec):
        for f in ("n", "n_patients"):
            if f in row_type.value_fields():
                v = _num(getattr(row, f))
                if v is not None and v > n:
                    yield _msg(ERROR, row_type, i, row, f,
                               f"{v:g} patients is more than the study's N = {n:g}")
