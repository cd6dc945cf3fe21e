"""The before → after plot of one paper (pure): each comparison with both values as a line from its
first group to its second, one panel per unit (no misleading shared axis)."""

from __future__ import annotations

from dataclasses import dataclass, field

from curator.domain.outcomes import ROW_SUGGESTED, Comparison, Record
from curator.plotting.sources import Ref, paper_label, row_ref
from curator.plotting.values import analyte_name, as_number, floor_note, log_floor, log_suits, unit_display


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
    statistic: str | None = None
    n: int | None = None
    ref: Ref = field(default_factory=lambda: Ref("comparisons", -1))
    y_a: float = 0.0  # where drawn (the floor for a non-positive value on a log axis)
    y_b: float = 0.0

    @property
    def nonpositive(self) -> bool:
        return self.value_a <= 0 or self.value_b <= 0

    @property
    def name(self) -> str:
        return self.analyte + (f"  ({self.p_text})" if self.p_text else "")


@dataclass
class Panel:
    unit: str
    series: list[PairSeries] = field(default_factory=list)
    log: bool = True
    floor: float = 1.0

    @property
    def labels(self) -> tuple[str, str]:
        a = {s.label_a for s in self.series}
        b = {s.label_b for s in self.series}
        return (a.pop() if len(a) == 1 else "before / A", b.pop() if len(b) == 1 else "after / B")

    @property
    def flagged(self) -> list[tuple[PairSeries, str]]:
        out = []
        for s in self.series:
            if self.log and s.value_a <= 0:
                out.append((s, "a"))
            if self.log and s.value_b <= 0:
                out.append((s, "b"))
        return out

    @property
    def note(self) -> str:
        return floor_note(len(self.flagged))

    @property
    def title(self) -> str:
        return f"Before → after ({self.unit})"


def tick_labels(label_a: str, label_b: str) -> tuple[str, str, str]:
    """The two group labels as ticks under a narrow panel, and the words they share at their end as
    the axis title: ('before emapalumab', 'after emapalumab') → ('before', 'after', 'emapalumab').
    Two long labels side by side overlap, and the axis then draws only one of them."""
    a, b = label_a.split(), label_b.split()
    k = 0
    while k < min(len(a), len(b)) - 1 and a[-1 - k] == b[-1 - k]:
        k += 1
    if k == 0:
        return label_a, label_b, ""
    return " ".join(a[:-k]), " ".join(b[:-k]), " ".join(a[-k:])


def comparison_panels(rec: Record | None, paper_title: str | None = None,
                      paper_text: str | None = None, log: bool = True) -> list[Panel]:
    """Comparisons with both values, grouped by unit (one panel per unit: no misleading shared axis)."""
    panels: dict[str, Panel] = {}
    if rec is None:
        return []
    paper = paper_label(rec, paper_title)
    for i, c in enumerate(rec.comparisons):
        if not isinstance(c, Comparison):
            continue
        va, vb = as_number(c.value_a), as_number(c.value_b)
        if va is None or vb is None:
            continue
        unit = unit_display(c.unit)
        panel = panels.setdefault(unit, Panel(unit))
        panel.series.append(PairSeries(
            row=i, analyte=analyte_name(c.analyte) if c.analyte else f"row {i + 1}", unit=unit, value_a=va,
            value_b=vb, p_text=c.p_text, label_a=c.label_a or "before", label_b=c.label_b or "after",
            suggested=c.row_status == ROW_SUGGESTED, statistic=c.statistic, n=c.n,
            ref=row_ref(rec, "comparisons", i, c, ("value_a", "value_b", "p_text", "analyte"), paper, paper_text),
            y_a=va, y_b=vb))
    for p in panels.values():
        positives = [v for s in p.series for v in (s.value_a, s.value_b) if v > 0]
        p.log = log and log_suits(p.unit, positives)
        p.floor = log_floor(positives)
        if p.log:
            for s in p.series:
                s.y_a = s.value_a if s.value_a > 0 else p.floor
                s.y_b = s.value_b if s.value_b > 0 else p.floor
    return list(panels.values())
