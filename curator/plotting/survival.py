"""The survival plot of one paper (pure): each time-to-event rate at its horizon (in months) with its CI,
one series per endpoint and arm; medians listed, rates without a readable horizon listed as not drawn."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from curator.domain.outcomes import ROW_SUGGESTED, Record, TimeToEvent
from curator.plotting.sources import Ref, paper_label, row_ref
from curator.plotting.values import as_number, fmt_value

_HORIZON = re.compile(
    r"(\d+(?:[.,·]\d+)?)\s*[-‐–\s]?\s*(days?|d|weeks?|wks?|w|months?|mos?|mo|m|years?|yrs?|y)\b", re.IGNORECASE)
_HORIZON_DAY_FIRST = re.compile(r"\bday\s*\+?(\d+)\b", re.IGNORECASE)


def horizon_months(text: str | None) -> float | None:
    """'6 months', '6-month', '1 year', '2-yr', '100 days', 'day 100', '12 wk' → months."""
    if not text:
        return None
    t = text.strip()
    m = _HORIZON_DAY_FIRST.search(t)
    if m:
        return round(float(m.group(1)) / 30.4375, 3)
    m = _HORIZON.search(t)
    if not m:
        return None
    n = float(m.group(1).replace(",", ".").replace("·", "."))
    u = m.group(2).lower()
    if u.startswith("d"):
        return round(n / 30.4375, 3)
    if u.startswith("w"):
        return round(n * 7 / 30.4375, 3)
    if u.startswith("y"):
        return n * 12
    return n


@dataclass
class SurvPoint:
    endpoint: str
    arm: str | None
    horizon: str
    months: float
    rate: float
    ci_low: float | None
    ci_high: float | None
    ci_level: float | None
    suggested: bool
    ref: Ref

    @property
    def flag(self) -> str:
        """'' or what is wrong with the interval (a CI that does not hold its rate)."""
        if self.ci_low is not None and self.ci_high is not None and not (self.ci_low <= self.rate <= self.ci_high):
            return "the rate lies outside its CI"
        return ""


@dataclass
class SurvSeries:
    key: str
    name: str
    points: list[SurvPoint] = field(default_factory=list)

    @property
    def suggested(self) -> bool:
        return any(p.suggested for p in self.points)


@dataclass
class SurvivalData:
    series: list[SurvSeries]
    undrawn: list[tuple[Ref, str]]  # rows with a rate that cannot be placed, and why
    medians: list[str]  # "OS median 14.2 months", "EFS median not reached"
    message: str = ""

    @property
    def points(self) -> list[SurvPoint]:
        return [p for s in self.series for p in s.points]


def survival(rec: Record | None, paper_title: str | None = None, paper_text: str | None = None) -> SurvivalData:
    if rec is None:
        return SurvivalData([], [], [], "No paper selected.")
    paper = paper_label(rec, paper_title)
    series: dict[str, SurvSeries] = {}
    undrawn: list[tuple[Ref, str]] = []
    medians: list[str] = []
    for i, t in enumerate(rec.time_to_event):
        if not isinstance(t, TimeToEvent):
            continue
        ref = row_ref(rec, "time_to_event", i, t, ("rate", "horizon", "ci_low", "endpoint"), paper, paper_text)
        ep = t.endpoint or "endpoint"
        arm = (t.arm or "").strip() or None
        if as_number(t.median) is not None or t.median_text:
            med = f"{fmt_value(as_number(t.median))} months" if as_number(t.median) is not None else t.median_text
            medians.append(f"{ep}{' · ' + arm if arm else ''} median {med}")
        rate = as_number(t.rate)
        if rate is None:
            continue
        months = horizon_months(t.horizon)
        if months is None:
            undrawn.append((ref, f"{ep} {fmt_value(rate)}%: horizon '{t.horizon or ''}' is not a time"))
            continue
        key = f"{ep}|{arm or ''}"
        s = series.setdefault(key, SurvSeries(key, ep + (f" · {arm}" if arm else "")))
        s.points.append(SurvPoint(ep, arm, t.horizon or "", months, rate, as_number(t.ci_low), as_number(t.ci_high),
                                  as_number(t.ci_level), t.row_status == ROW_SUGGESTED, ref))
    for s in series.values():
        s.points.sort(key=lambda p: p.months)
    message = ""
    if not series:
        message = ("No survival rate with a horizon in this paper yet." if not undrawn else
                   f"{len(undrawn)} rate(s) have no readable horizon (e.g. '6 months').")
        if medians:
            message += "\n" + "; ".join(medians)
    return SurvivalData(list(series.values()), undrawn, medians, message)
