"""What the plots draw, tested without Qt: panels per unit, log-safety, detection limits, the course,
survival horizons, the across-library conversion (SQL included) and the CSV behind each plot."""

from __future__ import annotations

import csv
import io
import math

import pytest

from curator.domain.outcomes import (
    RECORD_DRAFT,
    RECORD_VERIFIED,
    ROW_SUGGESTED,
    Comparison,
    Exposure,
    Measurement,
    Record,
    Span,
    TimelineEvent,
    TimeToEvent,
    Toxicity,
)
from curator.domain.paper import Paper
from curator.services import plot_data as pd

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
    k = pd.kinetics(record(), paper_title="A case", paper_text=TEXT)
    assert [p.unit for p in k.panels] == ["pg/mL", "ng/mL", "cells/µL"]
    assert [p.group for p in k.panels] == ["cytokine", "lab", "expansion"]
    assert k.panels[-1].title == "CAR-T expansion (cells/µL)"
    cyto = k.panels[0]
    # 'interleukin 6' and 'pg/ml' are the same series as 'IL-6' in 'pg/mL'
    assert [s.name for s in cyto.series] == ["IL-6", "IL-10", "IL-2"]
    il6 = cyto.series[0]
    assert (il6.xs, il6.ys) == ([0.0, 5.0], [20.0, 2150.0])
    assert il6.rows == [0, 1]
    assert cyto.series[2].xs == [10.0]  # 'day 10' read from the timepoint
    assert k.x_label == "Day relative to CAR-T infusion"


def test_kinetics_undated_measurement_is_listed_not_drawn():
    k = pd.kinetics(record())
    assert [r.row for r in k.undated] == [8]
    assert all(8 not in s.rows for p in k.panels for s in p.series)


def test_detection_limit_and_nonpositive_values_are_flagged_not_dropped():
    k = pd.kinetics(record())
    il10 = k.panels[0].series[1]
    below = [q for q in il10.points if q.flag == pd.FLAG_BELOW]
    assert len(below) == 1 and below[0].value == 5.0 and below[0].y == 5.0 and below[0].label == "<5"
    exp = k.panels[-1]
    assert exp.log
    zero = exp.flagged
    assert len(zero) == 1 and zero[0].value == 0.0 and zero[0].ref.row == 5
    assert zero[0].y == pytest.approx(exp.floor) and 0 < exp.floor < 40
    assert "1 value ≤ 0" in exp.note
    # linear: the zero sits at zero, nothing is flagged
    lin = pd.kinetics(record(), log=False).panels[-1]
    assert not lin.log and not lin.flagged and lin.series[0].ys[0] == 0.0


def test_log_suits_not_temperature_nor_narrow_ranges():
    assert pd.log_suits("pg/mL", [5, 2000])
    assert not pd.log_suits("°C", [36.5, 40.1])
    assert not pd.log_suits("g/dL", [8.0, 12.0])
    assert not pd.log_suits("pg/mL", [])


def test_suggested_points_and_source_sentence():
    k = pd.kinetics(record(), paper_title="A case", paper_text=TEXT)
    exp = k.panels[-1].series[0]
    assert [q.suggested for q in exp.points] == [False, False, True] and exp.suggested
    peak = k.panels[0].series[0].points[1]
    assert (peak.ref.table, peak.ref.row, peak.ref.paper_id, peak.ref.paper, peak.ref.quote) == (
        "measurements", 1, 7, "A case", "IL-6 peaked at 2150 pg/mL on day 5 while IFN-γ rose.")
    tip = pd.kinetics_tooltip(peak)
    for part in ("IL-6: 2150 pg/mL", "day +5", "paper: A case", "IL-6 peaked at 2150 pg/mL on day 5"):
        assert part in tip
    below = k.panels[0].series[1].points[-1]
    assert "<5 pg/mL" in pd.kinetics_tooltip(below) and "below the detection limit" in pd.kinetics_tooltip(below)


def test_course_exposures_bands_events_and_anchor():
    rec = record()
    k = pd.kinetics(rec)
    assert [e.label for e in k.exposures] == ["tocilizumab d+3", "emapalumab d+11–18"]
    assert k.exposures[1].is_span and (k.exposures[1].x_start, k.exposures[1].x_end) == (11, 18)
    assert [(b.label, b.x0, b.x1, b.open_ended) for b in k.bands] == [
        ("CRS grade 3", 2, 9, False), ("ICANS grade 4", 6, 21, True)]  # open band runs to the last day
    assert [(e.x, e.text) for e in k.events] == [(21, "full neurological recovery")]
    assert [a.label for a in k.anchors] == ["infusion (day 0)", "tocilizumab (d+3)", "emapalumab (d+11)"]
    ema = k.anchors[2]
    k2 = pd.kinetics(rec, anchor_key=ema.key)
    assert k2.x_label == "Day relative to emapalumab start (d+11)"
    assert k2.panels[0].series[0].xs == [-11.0, -6.0]
    assert k2.exposures[1].x_start == 0 and k2.bands[0].x0 == -9
    assert k2.panels[0].series[0].points[1].day == 5  # the day as the paper states it is kept


def test_empty_paper_says_so():
    k = pd.kinetics(Record(paper_id=1))
    assert not k.panels and "No measurements in this paper yet" in k.message
    only_named = Record(paper_id=1, measurements=[Measurement(analyte="IL-6", timepoint="peak", value=3.0)])
    assert "named" in pd.kinetics(only_named).message
    assert pd.comparison_panels(Record(paper_id=1)) == []
    assert "No survival rate" in pd.survival(Record(paper_id=1)).message


def test_comparison_panels_one_per_unit_with_flags():
    rec = Record(paper_id=3, comparisons=[
        Comparison(analyte="IL-2", value_a=32.35, value_b=11.94, unit="pg/ml", p_text="P < 0.001",
                   label_a="before emapalumab", label_b="after emapalumab"),
        Comparison(analyte="IFN-gamma", value_a=400, value_b=0, unit="pg/mL", p_text="P = 0.02"),
        Comparison(analyte="temperature", value_a=39.61, value_b=38.38, unit="°C"),
        Comparison(analyte="ferritin", value_a=100.0, value_b=None, unit="ng/mL"),  # incomplete: not drawn
    ])
    panels = pd.comparison_panels(rec)
    assert [(p.unit, p.log) for p in panels] == [("pg/mL", True), ("°C", False)]
    pg = panels[0]
    assert [(s.row, s.analyte, s.value_a, s.value_b) for s in pg.series] == [
        (0, "IL-2", 32.35, 11.94), (1, "IFN-γ", 400.0, 0.0)]
    assert pg.series[1].y_b == pytest.approx(pg.floor) and pg.flagged == [(pg.series[1], "b")]
    assert "1 value ≤ 0" in pg.note
    assert pg.labels == ("before / A", "after / B")  # the two rows name their groups differently
    assert panels[1].labels == ("before", "after")
    tip = pd.comparison_tooltip(pg.series[0], "a")
    assert "IL-2: 32.35 → 11.94 pg/mL, P < 0.001" in tip and "before emapalumab: 32.35 pg/mL" in tip


@pytest.mark.parametrize("text, months", [
    ("6 months", 6), ("6-month", 6), ("1 year", 12), ("2-yr", 24), ("12 mo", 12), ("100 days", 3.285),
    ("day 100", 3.285), ("at 12 weeks", 2.76), ("not a time", None), (None, None)])
def test_horizon_months(text, months):
    got = pd.horizon_months(text)
    assert (got is None and months is None) or got == pytest.approx(months, abs=0.01)


def test_survival_points_with_ci_at_their_horizon():
    rec = Record(paper_id=2, time_to_event=[
        TimeToEvent(endpoint="EFS", horizon="6 months", rate=76.9, ci_level=95, ci_low=63.8, ci_high=92.6),
        TimeToEvent(endpoint="EFS", horizon="1 year", rate=61.0, ci_low=45.0, ci_high=82.0),
        TimeToEvent(endpoint="OS", horizon="6 months", rate=90.0, ci_low=91.0, ci_high=99.0),  # CI misses rate
        TimeToEvent(endpoint="OS", horizon="median", rate=50.0),
        TimeToEvent(endpoint="OS", median_text="not reached"),
    ])
    sd = pd.survival(rec)
    assert [(s.name, [(p.months, p.rate, p.ci_low, p.ci_high) for p in s.points]) for s in sd.series] == [
        ("EFS", [(6, 76.9, 63.8, 92.6), (12, 61.0, 45.0, 82.0)]), ("OS", [(6, 90.0, 91.0, 99.0)])]
    assert sd.series[1].points[0].flag == "the rate lies outside its CI"
    assert len(sd.undrawn) == 1 and "not a time" in sd.undrawn[0][1]
    assert sd.medians == ["OS median not reached"]
    assert "95% CI 63.8–92.6%" in pd.survival_tooltip(sd.series[0].points[0])


def test_kinetics_csv_has_the_numbers():
    k = pd.kinetics(record(), paper_title="A case", paper_text=TEXT)
    rows = list(csv.DictReader(io.StringIO(pd.csv_text(pd.kinetics_rows(k), pd.KINETICS_COLUMNS))))
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


# --------------------------------------------------------------------------- across the library

def _rows():
    base = {"title": "Paper", "pmid": None, "year": 2024, "first_author": "Smith J"}
    return [
        {**base, "table": "comparisons", "paper_id": 1, "position": 0, "uid": "a", "unit": "pg/mL",
         "value_a": 400.0, "value_b": 20.0, "label_a": "before emapalumab", "label_b": "after emapalumab",
         "quote": "IFN-γ fell"},
        {**base, "table": "comparisons", "paper_id": 2, "position": 0, "uid": "b", "unit": "ng/mL",
         "value_a": 0.5, "value_b": 0.05, "title": "Second", "first_author": "Li X", "year": 2023},
        {**base, "table": "comparisons", "paper_id": 3, "position": 1, "uid": "c", "unit": "U/mL",
         "value_a": 9.0, "value_b": 3.0, "title": "Third"},
        {**base, "table": "measurements", "paper_id": 1, "position": 3, "uid": "m1", "unit": "pg/mL", "value": 8.0,
         "day": 7, "arm": None, "statistic": None, "operator": None, "timepoint": None},
        {**base, "table": "measurements", "paper_id": 1, "position": 2, "uid": "m0", "unit": "pg/mL", "value": 0.0,
         "day": 0, "arm": None, "statistic": None, "operator": "<", "timepoint": None},
        {**base, "table": "measurements", "paper_id": 2, "position": 0, "uid": "m2", "unit": "ng/mL", "value": 0.1,
         "day": None, "timepoint": "after emapalumab", "arm": None, "statistic": None, "operator": None},
    ]


def test_library_plot_converts_where_safe_and_keeps_the_rest_apart():
    ld = pd.library_plot("IFN-gamma", _rows())
    assert ld.analyte == "IFN-γ" and ld.unit == "pg/mL" and ld.n_papers == 3
    assert [(p.title, len(p)) for p in ld.panels] == [
        ("Before → after, by paper (pg/mL)", 5), ("Over time (pg/mL)", 2), ("Before → after, by paper (U/mL)", 2)]
    by_paper = ld.panels[0]
    assert [float(v) for v in by_paper.value] == [400.0, 20.0, 500.0, 50.0, 100.0]  # ng/mL × 1000
    assert [float(x) for x in by_paper.x] == [-0.15, 0.15, 0.85, 1.15, 1.15]  # paper 2 is column 1
    assert by_paper.paper_labels == ["Smith 2024", "Li 2023"]
    assert by_paper.conversion[2] == "× 1000 (1 ng/mL = 1000 pg/mL)" and by_paper.reported(2) == "0.5 ng/mL"
    assert [tuple(p) for p in by_paper.pairs] == [(0, 1), (2, 3)]
    assert by_paper.refs[1].paper_id == 1 and by_paper.refs[1].quote == "IFN-γ fell"
    odd = ld.panels[2]
    assert not odd.converted and "never converted" in odd.reason and [float(v) for v in odd.value] == [9.0, 3.0]
    time = ld.panels[1]
    assert [float(x) for x in time.x] == [7.0, 0.0] and [tuple(p) for p in time.pairs] == [(1, 0)]  # by day
    assert time.flag[1] == pd.FLAG_NONPOSITIVE and time.y[1] == pytest.approx(time.floor)  # '<0' at the floor
    tip = pd.library_tooltip(by_paper, 2, ld.analyte)
    assert "500 pg/mL" in tip and "as reported 0.5 ng/mL" in tip and "paper: Second" in tip
    assert ld.conversions == {"same unit": 4, "× 1000 (1 ng/mL = 1000 pg/mL)": 3, "not converted": 2}
    rows = pd.library_rows(ld)
    assert rows[2]["value"] == 500.0 and rows[2]["reported"] == "0.5 ng/mL" and rows[2]["paper_id"] == 2


def test_library_plot_empty():
    ld = pd.library_plot("IL-6", [])
    assert not ld.panels and "No verified paper reports IL-6" in ld.message


@pytest.fixture
def lib(tmp_path):
    from curator.store.library import Library

    lib = Library.open(tmp_path / "lib.sqlite")
    abstract = "Before emapalumab IFN-gamma was 400 pg/mL. After it, IFN-gamma fell to 20 pg/mL (P < 0.001)."
    with lib.transaction():
        ids = lib.insert_papers([Paper(title=f"Paper {i}", pmid=str(100 + i), year=2020 + i, abstract=abstract)
                                 for i in range(3)])
    q = "IFN-gamma fell to 20 pg/mL"
    i = abstract.index(q)
    for n, (pid, spelling, status) in enumerate(zip(ids, ["IFN-gamma", "interferon gamma", "IFN-γ"],
                                                     [RECORD_VERIFIED, RECORD_VERIFIED, RECORD_DRAFT])):
        rec = Record(paper_id=pid, status=status, comparisons=[
            Comparison(analyte=spelling, value_a=400.0 + n, value_b=20.0, unit="pg/mL",
                       sources={"value_b": Span(i, i + len(q), q)})])
        rec.measurements = [Measurement(analyte="IL-6", day=1, value=5.0, unit="pg/mL")]
        lib.save_record(rec)
    yield lib
    lib.close()


def test_library_sql_verified_only_any_spelling_with_source_sentence(lib):
    ld = pd.load_library_plot(lib, "IFN-γ")
    assert ld.n_papers == 2  # the draft is not shown
    p = ld.panels[0]
    assert [float(v) for v in p.value] == [400.0, 20.0, 401.0, 20.0]
    assert {p.refs[i].paper for i in range(len(p))} == {"Paper 0", "Paper 1"}
    assert p.refs[0].quote == "After it, IFN-gamma fell to 20 pg/mL (P < 0.001)."  # the whole sentence
    assert sorted(pd.matching_spellings(lib, "interferon-γ")) == ["IFN-gamma", "IFN-γ", "interferon gamma"]
    assert dict(pd.library_analytes(lib)) == {"IFN-γ": 2, "IL-6": 2}


def test_library_queries_live_in_the_store(lib):
    from curator.store import plot_queries

    papers = plot_queries.record_papers(lib)
    assert sorted(m["title"] for m in papers.values()) == ["Paper 0", "Paper 1"]
    cols = plot_queries.analyte_columns(lib, ["IFN-gamma"], papers=papers)["comparisons"]
    assert cols["value_a"] == [400.0] and cols["table"] == "comparisons" and cols["quote"][0].startswith("IFN")
    assert plot_queries.analyte_columns(lib, [], papers=papers)["measurements"]["value"] == []


def test_fmt_helpers():
    assert pd.fmt_day(0) == "d0" and pd.fmt_day(11) == "d+11" and pd.fmt_day(-3) == "d-3"
    assert pd.fmt_value(2150.0) == "2150" and pd.fmt_value(32.35) == "32.35" and pd.fmt_value(0.05) == "0.05" and pd.fmt_value(None) == "—"
    assert pd.unit_display("cell/μl") == "cells/µL" and pd.unit_display(None) == "(no unit)"
    assert not math.isnan(pd._log_floor([3.0, 30.0]))
