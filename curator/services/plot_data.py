"""What the plots draw, computed from a record without Qt: panels per unit, series, flags (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field

from curator.domain.outcomes import ROW_SUGGESTED, Comparison, Record


@dataclass
class PairSeries:
    """One comparison drawn as before → after."""

    row: int  # index in the record's comparisons
    analyte: str
    unit: str
    value_a: float
    value_b: float
    p_text: str | None
    label_a: str
    label_b: str
    suggested: bool = False

    @property
    def nonpositive(self) -> bool:
        return self.value_a <= 0 or self.value_b <= 0


@dataclass
class Panel:
    unit: str
    series: list[PairSeries] = field(default_factory=list)

    @property
    def log_ok(self) -> bool:
        return all(not s.nonpositive for s in self.series)


def _unit_key(unit: str | None) -> str:
    if not unit:
        return "(no unit)"
    try:
        from curator.domain.units import parse_unit

        parsed = parse_unit(unit)
        if parsed is not None:
            return parsed.display
    except Exception:
        pass
    return unit.strip()


def comparison_panels(rec: Record | None) -> list[Panel]:
    """Comparisons with both values, grouped by unit (one panel per unit: no misleading shared axis)."""
    panels: dict[str, Panel] = {}
    if rec is None:
        return []
    for i, c in enumerate(rec.comparisons):
        if not isinstance(c, Comparison):
            continue
        if not isinstance(c.value_a, (int, float)) or not isinstance(c.value_b, (int, float)):
            continue
        unit = _unit_key(c.unit)
        panel = panels.setdefault(unit, Panel(unit))
        panel.series.append(PairSeries(
            row=i, analyte=c.analyte or f"row {i + 1}", unit=unit, value_a=float(c.value_a),
            value_b=float(c.value_b), p_text=c.p_text, label_a=c.label_a or "before",
            label_b=c.label_b or "after", suggested=c.row_status == ROW_SUGGESTED))
    return list(panels.values())
