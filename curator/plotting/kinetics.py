"""The kinetics plot of one paper (pure): every measurement series over time, one panel per unit
(cytokines first, CAR-T expansion last), with the treatments, toxicity episodes and events of the
clinical course on the same x.

Days are as the paper states them (CAR-T infusion = day 0); `x` is the day relative to the chosen anchor
(the infusion, or the start of a treatment): `x = day - anchor.day`. `value` is the value as reported,
`y` where it is drawn: they differ only for a value that cannot sit on a log axis (zero or negative),
drawn at the panel's `floor` and flagged. Kinetics never converts units: one panel per unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from curator.domain.outcomes import ROW_SUGGESTED, Measurement, Record, TimelineEvent
from curator.plotting.sources import Ref, paper_label, row_ref
from curator.plotting.values import (
    FLAG_NONPOSITIVE,
    analyte_info,
    as_number,
    day_in_text,
    floor_note,
    fmt_day,
    fmt_value,
    limit_flag,
    log_floor,
    log_suits,
    unit_display,
)


@dataclass(frozen=True)
class Anchor:
    """What x = 0 is: the CAR-T infusion (day 0) or the start of one treatment."""

    key: str  # 'infusion' or the exposure's uid
    label: str  # "infusion (day 0)", "emapalumab (d+11)"
    day: float
    agent: str = "CAR-T infusion"


INFUSION = Anchor("infusion", "infusion (day 0)", 0.0)


@dataclass
class KPoint:
    day: float
    x: float
    value: float  # as reported
    y: float  # where it is drawn
    operator: str = "="
    flag: str = ""  # '' | FLAG_BELOW | FLAG_ABOVE | FLAG_NONPOSITIVE
    low: float | None = None  # dispersion bounds, as values (not offsets)
    high: float | None = None
    dispersion: str | None = None
    timepoint: str | None = None
    statistic: str | None = None
    unit: str = ""
    analyte: str = ""
    arm: str | None = None
    suggested: bool = False
    ref: Ref = field(default_factory=lambda: Ref("measurements", -1))

    @property
    def label(self) -> str:
        """How the value reads: '<5', '>5000', '120'."""
        op = self.operator if self.operator in ("<", ">", "≤", "≥") else ""
        return f"{op}{fmt_value(self.value)}"


@dataclass
class KSeries:
    key: str
    name: str  # legend text
    analyte: str
    arm: str | None
    unit: str
    statistic: str | None
    category: str
    points: list[KPoint] = field(default_factory=list)

    @property
    def suggested(self) -> bool:
        return any(p.suggested for p in self.points)

    @property
    def xs(self) -> list[float]:
        return [p.x for p in self.points]

    @property
    def ys(self) -> list[float]:
        return [p.y for p in self.points]


@dataclass
class KPanel:
    key: str
    unit: str
    group: str  # 'cytokine' | 'lab' | 'expansion'
    title: str
    series: list[KSeries] = field(default_factory=list)
    log: bool = True
    floor: float = 1.0  # y of flagged non-positive values on a log axis

    @property
    def points(self) -> list[KPoint]:
        return [p for s in self.series for p in s.points]

    @property
    def flagged(self) -> list[KPoint]:
        return [p for p in self.points if p.flag == FLAG_NONPOSITIVE]

    @property
    def note(self) -> str:
        """What the panel must say about its values (shown under its title)."""
        bits = [floor_note(len(self.flagged))] if self.flagged else []
        if not self.log and any(p.value <= 0 for p in self.points):
            bits.append("linear scale: no positive value to put on a log axis")
        return " · ".join(bits)

    @property
    def y_label(self) -> str:
        return self.unit + (" (log scale)" if self.log else "")


@dataclass
class ExposureMark:
    label: str  # "emapalumab d+11–18"
    agent: str
    start: float
    end: float | None
    x_start: float
    x_end: float | None
    role: str | None
    dose: str
    suggested: bool
    ref: Ref

    @property
    def is_span(self) -> bool:
        return self.x_end is not None and self.x_end > self.x_start


@dataclass
class ToxBand:
    label: str  # "CRS grade 3"
    syndrome: str
    grade: int | None
    onset: float
    resolution: float | None
    x0: float
    x1: float
    open_ended: bool  # no resolution day: drawn to the end of the data
    suggested: bool
    ref: Ref


@dataclass
class EventMark:
    day: float
    x: float
    text: str
    suggested: bool
    ref: Ref


@dataclass
class KineticsData:
    panels: list[KPanel]
    anchor: Anchor
    anchors: list[Anchor]
    exposures: list[ExposureMark]
    bands: list[ToxBand]
    events: list[EventMark]
    undated: list[Ref]  # measurements with a value but no day: not on this plot
    paper: str = ""
    message: str = ""  # set when there is nothing to draw

    @property
    def x_label(self) -> str:
        if self.anchor.key == "infusion":
            return "Day relative to CAR-T infusion"
        return f"Day relative to {self.anchor.agent} start ({fmt_day(self.anchor.day)})"

    @property
    def has_course(self) -> bool:
        return bool(self.exposures or self.bands or self.events)

    @property
    def course_rows(self) -> list[tuple[str, Any]]:
        """Rows of the course track, top to bottom: toxicity bands, then exposures, then events."""
        rows: list[tuple[str, Any]] = [("band", b) for b in self.bands]
        rows += [("exposure", e) for e in self.exposures]
        if self.events:
            rows.append(("events", self.events))
        return rows

    def x_extent(self) -> tuple[float, float] | None:
        xs = [p.x for pan in self.panels for p in pan.points]
        xs += [e.x_start for e in self.exposures] + [e.x_end for e in self.exposures if e.x_end is not None]
        xs += [b.x0 for b in self.bands] + [b.x1 for b in self.bands if not b.open_ended]
        xs += [e.x for e in self.events]
        if not xs:
            return None
        return min(xs), max(xs)


def day_of(m: Measurement) -> float | None:
    """The measurement's day, or a day written in its timepoint ('day 7', 'D+14')."""
    d = as_number(m.day)
    return d if d is not None else day_in_text(m.timepoint)


def anchors(rec: Record | None) -> list[Anchor]:
    """Infusion plus every treatment with a start day, in time order, for the 'x relative to' control."""
    out = [INFUSION]
    if rec is None:
        return out
    seen: set[str] = set()
    for e in sorted((e for e in rec.exposures if as_number(e.start_day) is not None),
                    key=lambda e: as_number(e.start_day) or 0.0):
        if (e.role or "").lower() == "car-t" and as_number(e.start_day) == 0:
            continue  # the infusion itself
        agent = e.agent or e.agent_as_reported or "treatment"
        label = f"{agent} ({fmt_day(as_number(e.start_day))})"
        if label in seen:
            continue
        seen.add(label)
        out.append(Anchor(e.uid, label, float(e.start_day), agent))
    return out


def _panel_group(category: str) -> str:
    if category == "CAR-T kinetics":
        return "expansion"
    if category == "cytokine":
        return "cytokine"
    return "lab"


_GROUP_ORDER = {"cytokine": 0, "lab": 1, "expansion": 2}


def _panel_title(group: str, unit: str, analytes: list[str]) -> str:
    if group == "expansion":
        return f"CAR-T expansion ({unit})"
    names = ", ".join(analytes[:4]) + (f" +{len(analytes) - 4}" if len(analytes) > 4 else "")
    return f"{names} ({unit})"


def kinetics(rec: Record | None, anchor_key: str = "infusion", paper_title: str | None = None,
             paper_text: str | None = None, log: bool | dict[str, bool] = True) -> KineticsData:
    """Every measurement series of one paper over time, one panel per unit (cytokines first, CAR-T
    expansion last), treatment exposures and toxicity episodes on the same x.

    `log`: True = log y axes where they suit the data (`log_suits`: not temperatures, not data spanning
    less than ×3), False = linear everywhere, or {panel key: bool} to force single panels (missing = as
    True). A panel with no positive value is linear whatever is asked."""
    paper = paper_label(rec, paper_title)
    opts = anchors(rec)
    anchor = next((a for a in opts if a.key == anchor_key), INFUSION)
    if rec is None:
        return KineticsData([], anchor, opts, [], [], [], [], paper, "No paper selected.")
    a0 = anchor.day

    panels: dict[tuple[str, str], KPanel] = {}
    series: dict[str, KSeries] = {}
    undated: list[Ref] = []
    arms = {(m.arm or "").strip() for m in rec.measurements if as_number(m.value) is not None}
    name_arms = len(arms) > 1  # one patient / one group: the arm adds nothing to the legend
    for i, m in enumerate(rec.measurements):
        v = as_number(m.value)
        if v is None:
            continue
        d = day_of(m)
        if d is None:
            undated.append(row_ref(rec, "measurements", i, m, ("value",), paper, paper_text))
            continue
        name, _eid, category = analyte_info(m.analyte)
        unit = unit_display(m.unit)
        group = _panel_group(category)
        pkey = (group, unit)
        if pkey not in panels:
            panels[pkey] = KPanel(f"{group}|{unit}", unit, group, "")
        stat = m.statistic if m.statistic not in (None, "", "value") else None
        arm = (m.arm or "").strip() or None
        skey = f"{name}|{arm or ''}|{stat or ''}|{unit}"
        s = series.get(skey)
        if s is None:
            label = name + (f" · {arm}" if arm and name_arms else "") + (f" ({stat})" if stat else "")
            s = series[skey] = KSeries(skey, label, name, arm, unit, stat, category)
            panels[pkey].series.append(s)
        op = (m.operator or "=").strip() or "="
        flag = limit_flag(op)
        low, high = as_number(m.dispersion_low), as_number(m.dispersion_high)
        if m.dispersion in ("SD", "SE") and low is not None and high is None:
            low, high = v - low, v + low
        s.points.append(KPoint(
            day=d, x=d - a0, value=v, y=v, operator=op, flag=flag, low=low, high=high,
            dispersion=m.dispersion, timepoint=m.timepoint, statistic=m.statistic, unit=unit, analyte=name,
            arm=arm, suggested=m.row_status == ROW_SUGGESTED,
            ref=row_ref(rec, "measurements", i, m, ("value", "analyte", "day", "timepoint"), paper, paper_text)))

    out_panels = sorted(panels.values(), key=lambda p: (_GROUP_ORDER[p.group], p.unit))
    for p in out_panels:
        for s in p.series:
            s.points.sort(key=lambda q: q.x)
        positives = [q.value for q in p.points if q.value > 0]
        want = log.get(p.key) if isinstance(log, dict) else (None if log else False)
        p.log = bool(positives) and (log_suits(p.unit, positives) if want is None else want)
        p.floor = log_floor(positives)
        if p.log:
            for q in p.points:
                if q.value <= 0:
                    q.flag = FLAG_NONPOSITIVE
                    q.y = p.floor
        names = list(dict.fromkeys(s.analyte for s in p.series))
        p.title = _panel_title(p.group, p.unit, names)

    exposures = []
    for i, e in enumerate(rec.exposures):
        s0 = as_number(e.start_day)
        if s0 is None:
            continue
        s1 = as_number(e.end_day)
        agent = e.agent or e.agent_as_reported or "treatment"
        when = fmt_day(s0) + (f"–{int(s1) if s1.is_integer() else s1}" if s1 is not None and s1 > s0 else "")
        dose = ""
        if as_number(e.dose) is not None:
            dose = f"{fmt_value(as_number(e.dose))} {e.dose_unit or ''}".strip()
        exposures.append(ExposureMark(
            f"{agent} {when}", agent, s0, s1, s0 - a0, None if s1 is None else s1 - a0, e.role, dose,
            e.row_status == ROW_SUGGESTED,
            row_ref(rec, "exposures", i, e, ("agent", "start_day", "end_day"), paper, paper_text)))

    bands = []
    tox_days = [d for t in rec.toxicities for d in (as_number(t.onset_day), as_number(t.resolution_day)) if d is not None]
    exp_days = [d for e in exposures for d in (e.start, e.end) if d is not None]
    last_day = max([*(q.day for p in out_panels for q in p.points), *tox_days, *exp_days], default=0.0)
    for i, t in enumerate(rec.toxicities):
        onset = as_number(t.onset_day)
        if onset is None:
            continue  # cohort-level counts have no episode to draw
        res = as_number(t.resolution_day)
        syndrome = t.syndrome or "toxicity"
        grade = t.grade if isinstance(t.grade, int) and not isinstance(t.grade, bool) else None
        gtext = f"grade {grade}" if grade is not None else (t.grade_as_reported or "")
        open_ended = res is None or res < onset
        end = max(last_day, onset + 1) if open_ended else res
        if not open_ended and end == onset:
            end = onset + 1  # a one-day episode still needs a visible band
        label = f"{syndrome} {gtext}".strip() + ("" if not t.arm else f" · {t.arm}")
        bands.append(ToxBand(label, syndrome, grade, onset, None if open_ended else res, onset - a0, end - a0,
                             open_ended, t.row_status == ROW_SUGGESTED,
                             row_ref(rec, "toxicities", i, t, ("syndrome", "grade", "onset_day"), paper,
                                  paper_text)))

    events = []
    for i, ev in enumerate(rec.events):
        d = as_number(ev.day)
        if d is None or not isinstance(ev, TimelineEvent):
            continue
        events.append(EventMark(d, d - a0, ev.event or "", ev.row_status == ROW_SUGGESTED,
                                row_ref(rec, "timeline_events", i, ev, ("event", "day"), paper, paper_text)))

    message = ""
    if not out_panels:
        if rec.measurements and undated:
            message = (f"No measurement has a day to plot: {len(undated)} measurement(s) have only a named "
                       "timepoint (e.g. 'before emapalumab'). Give them a day, or see Before / after.")
        elif rec.measurements:
            message = "No measurement has a value yet."
        else:
            message = "No measurements in this paper yet: add rows under Measurements, or press Suggest."
    return KineticsData(out_panels, anchor, opts, exposures, bands, events, undated, paper, message)
