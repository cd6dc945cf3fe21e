"""What a hover shows (pure): the value as reported with its unit, day, flags and conversion, then the
paper and the source sentence the number was quoted from."""

from __future__ import annotations

import textwrap

from curator.plotting.comparisons import PairSeries
from curator.plotting.kinetics import EventMark, ExposureMark, KPoint, ToxBand
from curator.plotting.library import LIB_KIND_NAMES, LibraryPanel
from curator.plotting.sources import Ref
from curator.plotting.survival import SurvPoint
from curator.plotting.values import (
    FLAG_NONPOSITIVE,
    FLAG_TEXT,
    flag_operator,
    fmt_day,
    fmt_value,
)


def wrap(text: str, width: int = 90) -> str:
    return "\n".join(textwrap.wrap(text, width)) if text else ""


def _with_source(lines: list[str], ref: Ref) -> str:
    if ref.paper:
        lines.append(wrap(f"paper: {ref.paper}"))
    lines.append(wrap(f"“{ref.quote}”") if ref.quote else "(no source sentence linked)")
    return "\n".join(lines)


def kinetics_tooltip(p: KPoint) -> str:
    head = f"{p.analyte}: {p.label} {p.unit}"
    if p.flag:
        head += f"  ({FLAG_TEXT[p.flag]})"
    when = f"day {fmt_day(p.day)[1:] if p.day else '0'}"
    bits = [when]
    if p.timepoint:
        bits.append(f"timepoint “{p.timepoint}”")
    if p.statistic:
        bits.append(p.statistic)
    if p.arm:
        bits.append(p.arm)
    lines = [head, " · ".join(bits)]
    if p.low is not None or p.high is not None:
        lines.append(f"{p.dispersion or 'dispersion'}: {fmt_value(p.low)} – {fmt_value(p.high)} {p.unit}")
    if p.suggested:
        lines.append("suggestion (not yet accepted)")
    return _with_source(lines, p.ref)


def exposure_tooltip(e: ExposureMark) -> str:
    lines = [e.label + (f" · {e.dose}" if e.dose else "") + (f" · {e.role}" if e.role else "")]
    return _with_source(lines, e.ref)


def band_tooltip(b: ToxBand) -> str:
    end = "unresolved / not reported" if b.open_ended else fmt_day(b.resolution)
    return _with_source([f"{b.label}: onset {fmt_day(b.onset)}, resolution {end}"], b.ref)


def event_tooltip(e: EventMark) -> str:
    return _with_source([f"{fmt_day(e.day)}: {e.text}"], e.ref)



def comparison_tooltip(s: PairSeries, which: str | None = None) -> str:
    stat = f" ({s.statistic})" if s.statistic else ""
    lines = [f"{s.analyte}{stat}: {fmt_value(s.value_a)} → {fmt_value(s.value_b)} {s.unit}"
             + (f", {s.p_text}" if s.p_text else "")]
    if which == "a":
        lines.append(f"{s.label_a}: {fmt_value(s.value_a)} {s.unit}")
    elif which == "b":
        lines.append(f"{s.label_b}: {fmt_value(s.value_b)} {s.unit}")
    else:
        lines.append(f"{s.label_a} → {s.label_b}")
    if s.n:
        lines.append(f"n = {s.n}")
    if (which == "a" and s.value_a <= 0) or (which == "b" and s.value_b <= 0):
        lines.append("⚠ " + FLAG_TEXT[FLAG_NONPOSITIVE])
    if s.suggested:
        lines.append("suggestion (not yet accepted)")
    return _with_source(lines, s.ref)



def survival_tooltip(p: SurvPoint) -> str:
    lvl = f"{fmt_value(p.ci_level)}% " if p.ci_level else ""
    ci = (f", {lvl}CI {fmt_value(p.ci_low)}–{fmt_value(p.ci_high)}%"
          if p.ci_low is not None or p.ci_high is not None else ", no CI")
    lines = [f"{p.endpoint}{' · ' + p.arm if p.arm else ''} at {p.horizon}: {fmt_value(p.rate)}%{ci}"]
    if p.flag:
        lines.append("⚠ " + p.flag)
    if p.suggested:
        lines.append("suggestion (not yet accepted)")
    return _with_source(lines, p.ref)



def library_tooltip(p: LibraryPanel, i: int, analyte: str = "") -> str:
    ref = p.refs[i]
    lines = [f"{analyte + ': ' if analyte else ''}{flag_operator(p.flag[i])}{fmt_value(float(p.value[i]))} {p.unit}"]
    if p.conversion[i] not in ("same unit", "not converted"):
        lines.append(f"as reported {p.reported(i)} → {p.conversion[i]}")
    elif p.conversion[i] == "not converted" and p.reason:
        lines.append(f"as reported (not converted: {p.reason})")
    if p.layout == "time":
        when = f"day {fmt_day(float(p.x[i]))[1:]}" + (f" · {p.label[i]}" if p.label[i] else "")
    else:
        when = p.label[i] or "no timepoint"
    lines.append(f"{LIB_KIND_NAMES[int(p.kind[i])]}: {when}")
    if p.flag[i]:
        lines.append("⚠ " + FLAG_TEXT[p.flag[i]])
    lines.append("click to open the paper")
    return _with_source(lines, ref)
