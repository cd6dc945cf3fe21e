"""The kinetics plot of one paper, without Qt: panels per unit, log-safety, detection limits, the course,
the anchor, the hover text and the CSV behind it."""

from __future__ import annotations

import csv
import io

import pytest

from curator.domain.outcomes import (
    ROW_SUGGESTED,
    Exposure,
    Measurement,
    Record,
    Span,
    TimelineEvent,
    Toxicity,
)
from curator.plotting.csv_rows import KINETICS_COLUMNS, csv_text, kinetics_rows
from curator.plotting.kinetics import kinetics
from curator.plotting.tooltips import kinetics_tooltip
from curator.plotting.values import FLAG_BELOW

TEXT = ("CRS began on day 2. IL-6 peaked at 2150 pg/mL on day 5 while IFN-γ rose. "
        "IL-10 was below 5 pg/mL by day 21.")


def _span(quote: str) -> Span:
    i = TEXT.index(quote)
    return Span(i, i + len(quote), quote)


def record() -> Record:
    rec = Record(paper_id=7)
    rec.measurements = [
        Measurement(analyte="IL-6", day=0, value=20.0, unit="pg/mL"),
        Measurement(analyte="interleukin 6", day=5, value=2150.0, unit="pg/ml",
                    sources={"value": _span("2150 pg/mL")}),
        Measurement(analyte="IL-10", day=21, operator="<", value=5.0, unit="pg/mL",
                    sources={"value": _span("below 5 pg/mL")}),
        Measurement(analyte="IL-10", day=3, value=80.0, unit="pg/mL"),
        Measurement(analyte="ferritin", day=3, value=12000.0, unit="ng/mL"),
        Measurement(analyte="CAR-T cells", day=0, value=0.0, unit="cells/µL"),
        Measurement(analyte="CAR-T cells", day=7, value=300.0, unit="cell/μl"),
        Measurement(analyte="CAR-T cells", day=14, value=40.0, unit="cells/uL", row_status=ROW_SUGGESTED),
        Measurement(analyte="IL-6", timepoint="before emapalumab", value=50.0, unit="pg/mL"),  # no day
        Measurement(analyte="IL-2", timepoint="day 10", value=9.0, unit="pg/mL"),  # day in the timepoint
    ]
    rec.exposures = [Exposure(agent="tocilizumab", start_day=3),
                     Exposure(agent="emapalumab", start_day=11, end_day=18, dose=1, dose_unit="mg/kg")]
    rec.toxicities = [Toxicity(syndrome="CRS", grade=3, onset_day=2, resolution_day=9),
                      Toxicity(syndrome="ICANS", grade=4, onset_day=6),  # not resolved
                      Toxicity(syndrome="CRS", grade=2, n_patients=12)]  # cohort count: no episode
    rec.events = [TimelineEvent(day=21, event="full neurological recovery")]
    return rec


def test_kinetics_panels_per_unit_cytokines_first_expansion_last():
    k = kinetics(record(), paper_title="A case", paper_text=TEXT)
    assert [p.unit for p in k.panels] == ["pg/mL", "ng/mL", "cells/µL"]
    assert [p.group for p in k.panels] == ["cytokine", "lab", "expansion"]
    assert k.panels[-1].title == "CAR-T expansion (cells/µL)"
    cyto = k.panels[0]
    # 'interleukin 6' and 'pg/ml' are the same series as 'IL-6' in 'pg/mL'
    assert [s.name for s in cyto.series] == ["IL-6", "IL-10", "IL-2"]
    il6 = cyto.series[0]
    assert (il6.xs, il6.ys) == ([0.0, 5.0], [20.0, 2150.0])
    assert [q.ref.row for q in il6.points] == [0, 1]
    assert cyto.series[2].xs == [10.0]  # 'day 10' read from the timepoint
    assert k.x_label == "Day relative to CAR-T infusion"


def test_kinetics_undated_measurement_is_listed_not_drawn():
    k = kinetics(record())
    assert [r.row for r in k.undated] == [8]
    assert all(q.ref.row != 8 for p in k.panels for q in p.points)


def test_detection_limit_and_nonpositive_values_are_flagged_not_dropped():
    k = kinetics(record())
    il10 = k.panels[0].series[1]
    below = [q for q in il10.points if q.flag == FLAG_BELOW]
    assert len(below) == 1 and below[0].value == 5.0 and below[0].y == 5.0 and below[0].label == "<5"
    exp = k.panels[-1]
    assert exp.log
    zero = exp.flagged
    assert len(zero) == 1 and zero[0].value == 0.0 and zero[0].ref.row == 5
    assert zero[0].y == pytest.approx(exp.floor) and 0 < exp.floor < 40
    assert "1 value ≤ 0" in exp.note
    # linear: the zero sits at zero, nothing is flagged
    lin = kinetics(record(), log=False).panels[-1]
    assert not lin.log and not lin.flagged and lin.series[0].ys[0] == 0.0



def test_suggested_points_and_source_sentence():
    k = kinetics(record(), paper_title="A case", paper_text=TEXT)
    exp = k.panels[-1].series[0]
    assert [q.suggested for q in exp.points] == [False, False, True] and exp.suggested
    peak = k.panels[0].series[0].points[1]
    assert (peak.ref.table, peak.ref.row, peak.ref.paper_id, peak.ref.paper, peak.ref.quote) == (
        "measurements", 1, 7, "A case", "IL-6 peaked at 2150 pg/mL on day 5 while IFN-γ rose.")
    tip = kinetics_tooltip(peak)
    for part in ("IL-6: 2150 pg/mL", "day +5", "paper: A case", "IL-6 peaked at 2150 pg/mL on day 5"):
        assert part in tip
    below = k.panels[0].series[1].points[-1]
    assert "<5 pg/mL" in kinetics_tooltip(below) and "below the detection limit" in kinetics_tooltip(below)


def test_course_exposures_bands_events_and_anchor():
    rec = record()
    k = kinetics(rec)
    assert [e.label for e in k.exposures] == ["tocilizumab d+3", "emapalumab d+11–18"]
    assert k.exposures[1].is_span and (k.exposures[1].x_start, k.exposures[1].x_end) == (11, 18)
    assert [(b.label, b.x0, b.x1, b.open_ended) for b in k.bands] == [
        ("CRS grade 3", 2, 9, False), ("ICANS grade 4", 6, 21, True)]  # open band runs to the last day
    assert [(e.x, e.text) for e in k.events] == [(21, "full neurological recovery")]
    assert [a.label for a in k.anchors] == ["infusion (day 0)", "tocilizumab (d+3)", "emapalumab (d+11)"]
    ema = k.anchors[2]
    k2 = kinetics(rec, anchor_key=ema.key)
    assert k2.x_label == "Day relative to emapalumab start (d+11)"
    assert k2.panels[0].series[0].xs == [-11.0, -6.0]
    assert k2.exposures[1].x_start == 0 and k2.bands[0].x0 == -9
    assert k2.panels[0].series[0].points[1].day == 5  # the day as the paper states it is kept


def test_empty_paper_says_so():
    k = kinetics(Record(paper_id=1))
    assert not k.panels and "No measurements in this paper yet" in k.message
    only_named = Record(paper_id=1, measurements=[Measurement(analyte="IL-6", timepoint="peak", value=3.0)])
    assert "named" in kinetics(only_named).message


def test_kinetics_csv_has_the_numbers():
    k = kinetics(record(), paper_title="A case", paper_text=TEXT)
    rows = list(csv.DictReader(io.StringIO(csv_text(kinetics_rows(k), KINETICS_COLUMNS))))
    meas = [r for r in rows if r["layer"] == "measurement"]
    assert len(meas) == 9
    peak = next(r for r in meas if r["row"] == "1")
    assert (peak["analyte"], float(peak["day"]), float(peak["value"]), peak["unit"]) == ("IL-6", 5.0, 2150.0, "pg/mL")
    assert "IL-6 peaked" in peak["source"]
    zero = next(r for r in meas if r["row"] == "5")
    assert zero["flag"] == "nonpositive" and float(zero["value"]) == 0 and float(zero["plotted_y"]) > 0
    assert next(r for r in meas if r["row"] == "2")["operator"] == "<"
    assert [r["label"] for r in rows if r["layer"] == "exposure"] == ["tocilizumab d+3", "emapalumab d+11–18"]
    assert [r["label"] for r in rows if r["layer"] == "toxicity"] == ["CRS grade 3", "ICANS grade 4"]
