"""The plot widgets, driven like a curator would: assertions on what pyqtgraph items hold (data, markers,
labels, regions, lines, axes, log mode), on clicks and selection, and on exported files — not on pixels.

Log axes: `curve.getOriginalDataset()` is the raw data; `curve.getData()` is what is drawn, which on a
log panel is log10 of the values (pyqtgraph's log mode). Both are asserted explicitly below."""

from __future__ import annotations

import csv
import math
import xml.etree.ElementTree as ET

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage

from curator.domain.outcomes import (
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
from curator.ui.plot_panel import PlotPanel

TEXT = "IL-6 peaked at 2150 pg/mL on day 5. IL-10 was below 5 pg/mL by day 21. EFS was 76.9% at 6 months."


def _span(q: str) -> Span:
    i = TEXT.index(q)
    return Span(i, i + len(q), q)


def make_record() -> Record:
    rec = Record(paper_id=1)
    for d, v in ((0, 20.0), (3, 900.0), (5, 2150.0), (9, 60.0)):
        rec.measurements.append(Measurement(analyte="IL-6", day=d, value=v, unit="pg/mL", timepoint="peak" if d == 5
                                            else None, sources={"value": _span("2150 pg/mL")} if d == 5 else {}))
    rec.measurements += [
        Measurement(analyte="IL-10", day=3, value=80.0, unit="pg/mL"),
        Measurement(analyte="IL-10", day=21, operator="<", value=5.0, unit="pg/mL",
                    sources={"value": _span("below 5 pg/mL")}),
        Measurement(analyte="ferritin", day=3, value=12000.0, unit="ng/mL"),
        Measurement(analyte="ferritin", day=9, value=40000.0, unit="ng/mL"),
        Measurement(analyte="CAR-T cells", day=0, value=0.0, unit="cells/µL"),
        Measurement(analyte="CAR-T cells", day=7, value=300.0, unit="cells/µL"),
        Measurement(analyte="CAR-T cells", day=14, value=40.0, unit="cells/µL", row_status=ROW_SUGGESTED),
    ]
    rec.exposures = [Exposure(agent="tocilizumab", start_day=3),
                     Exposure(agent="emapalumab", start_day=11, end_day=18)]
    rec.toxicities = [Toxicity(syndrome="CRS", grade=3, onset_day=2, resolution_day=9),
                      Toxicity(syndrome="ICANS", grade=4, onset_day=6, resolution_day=20)]
    rec.events = [TimelineEvent(day=21, event="full neurological recovery")]
    rec.comparisons = [
        Comparison(analyte="IFN-γ", value_a=412.5, value_b=18.2, unit="pg/mL", p_text="P < 0.001",
                   label_a="before emapalumab", label_b="after emapalumab"),
        Comparison(analyte="IL-2", value_a=32.35, value_b=11.94, unit="pg/mL", p_text="P = 0.02",
                   label_a="before emapalumab", label_b="after emapalumab", row_status=ROW_SUGGESTED),
        Comparison(analyte="temperature", value_a=39.61, value_b=38.38, unit="°C", p_text="P < 0.001"),
    ]
    rec.time_to_event = [
        TimeToEvent(endpoint="EFS", horizon="6 months", rate=76.9, ci_level=95, ci_low=63.8, ci_high=92.6,
                    sources={"rate": _span("EFS was 76.9% at 6 months")}),
        TimeToEvent(endpoint="EFS", horizon="1 year", rate=61.0, ci_low=45.0, ci_high=82.0),
        TimeToEvent(endpoint="OS", horizon="6 months", rate=88.0, ci_low=78.0, ci_high=99.0),
    ]
    return rec


@pytest.fixture
def panel(qtbot):
    w = PlotPanel()
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def drawn(panel, qtbot):
    rec = make_record()
    panel.redraw(rec, paper_title="A case report", paper_text=TEXT)
    qtbot.wait(10)
    return panel, rec


def _items(plot: pg.PlotItem, cls) -> list:
    return [i for i in plot.items if isinstance(i, cls)]


def _click_scene(qtbot, view: pg.GraphicsLayoutWidget, scene_pt: QPointF) -> None:
    pos = view.mapFromScene(scene_pt)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def _click_point(qtbot, view, plot: pg.PlotItem, x: float, y_view: float) -> None:
    _click_scene(qtbot, view, plot.getViewBox().mapViewToScene(QPointF(x, y_view)))


# --------------------------------------------------------------------------- kinetics

def test_kinetics_panels_axes_and_log_mode(drawn):
    panel, _rec = drawn
    k = panel.kinetics_plot
    assert panel.tabText(0) == "Kinetics" and panel.current_key() == "kinetics"
    assert [p.getAxis("left").labelText for p in k.panels] == ["pg/mL (log scale)", "ng/mL (log scale)",
                                                               "cells/µL (log scale)"]
    assert all(p.ctrl.logYCheck.isChecked() for p in k.panels)
    assert k.panels[-1].getAxis("bottom").labelText == "Day relative to CAR-T infusion"
    assert "IL-6, IL-10 (pg/mL)" in k.panels[0].titleLabel.text
    assert k.track is not None and k.track.getAxis("left").labelText == "Course"
    # one x axis for every panel
    k.panels[0].setXRange(2, 8, padding=0)
    assert k.panels[-1].getViewBox().viewRange()[0] == pytest.approx([2, 8])


def test_kinetics_curves_hold_raw_values_and_draw_log10(drawn):
    k = drawn[0].kinetics_plot
    il6 = k.curves["IL-6|||pg/mL"]
    x, y = il6.getOriginalDataset()
    assert list(x) == [0, 3, 5, 9] and list(y) == [20.0, 900.0, 2150.0, 60.0]
    xd, yd = il6.getData()  # drawn: log10 on a log panel
    assert list(xd) == [0, 3, 5, 9] and list(yd) == pytest.approx([math.log10(v) for v in y])


def test_kinetics_markers_detection_limit_and_flagged_zero(drawn):
    k = drawn[0].kinetics_plot
    il10 = k.curves["IL-10|||pg/mL"]
    pts = il10.scatter.points()
    assert [p.symbol() for p in pts] == ["o", "t"]  # ▽ for '<5'
    assert pts[1].data().label == "<5" and pts[1].data().flag == "below_limit"
    assert "<5" in [t.toPlainText() for t in k.texts]
    cart = k.curves["CAR-T cell count|||cells/µL"]
    sym = [p.symbol() for p in cart.scatter.points()]
    assert sym[0] == "x"  # the zero: shown at the floor, flagged
    _xo, yo = cart.getOriginalDataset()
    assert yo[0] > 0 and cart.scatter.points()[0].data().value == 0.0
    assert "1 value ≤ 0" in k.panels[-1].titleLabel.text
    # the suggested point is hollow, its line dashed
    assert cart.scatter.points()[2].brush().color().name() == "#ffffff"
    assert cart.opts["pen"].style() == Qt.PenStyle.DashLine


def test_kinetics_course_regions_lines_and_labels(drawn):
    k = drawn[0].kinetics_plot
    regions = k.regions
    assert sorted({tuple(r.getRegion()) for r in regions}) == [(2.0, 9.0), (6.0, 20.0)]
    assert len(regions) == 2 * len(k.panels)  # every data panel is shaded
    assert sorted({ln.value() for ln in k.lines}) == [3.0, 11.0]
    assert any("emapalumab d+11–18" in ln.toolTip() for ln in k.lines)
    texts = [t.toPlainText() for t in k.texts]
    for label in ("CRS grade 3", "ICANS grade 4", "tocilizumab d+3", "emapalumab d+11–18", "full neurological recovery"):
        assert label in texts


def test_kinetics_hover_tooltip_has_value_unit_timepoint_paper_and_sentence(drawn):
    k = drawn[0].kinetics_plot
    il6 = k.curves["IL-6|||pg/mL"]
    sc = il6.scatter
    assert sc.opts["hoverable"]
    pt = sc.points()[2]
    tip = sc.opts["tip"](x=pt.pos().x(), y=pt.pos().y(), data=pt.data())
    for part in ("IL-6: 2150 pg/mL", "day +5", "timepoint “peak”", "paper: A case report",
                 "IL-6 peaked at 2150 pg/mL on day 5."):
        assert part in tip


def test_kinetics_anchor_combo_shifts_x(drawn):
    k = drawn[0].kinetics_plot
    combo = k.anchor_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "infusion (day 0)", "tocilizumab (d+3)", "emapalumab (d+11)"]
    combo.setCurrentIndex(2)
    x, _y = k.curves["IL-6|||pg/mL"].getOriginalDataset()
    assert list(x) == [-11, -8, -6, -2]
    assert k.panels[-1].getAxis("bottom").labelText == "Day relative to emapalumab start (d+11)"
    assert sorted({ln.value() for ln in k.lines}) == [-8.0, 0.0]


def test_kinetics_linear_scale_shows_the_zero_where_it_is(drawn):
    k = drawn[0].kinetics_plot
    k.log_check.setChecked(False)
    assert not any(p.ctrl.logYCheck.isChecked() for p in k.panels)
    _x, y = k.curves["CAR-T cell count|||cells/µL"].getData()
    assert y[0] == 0.0
    assert k.panels[0].getAxis("left").labelText == "pg/mL"


def test_plot_follows_edits_and_reuses_items(drawn, qtbot):
    panel, rec = drawn
    k = panel.kinetics_plot
    curve = k.curves["IL-6|||pg/mL"]
    rec.measurements[2].value = 3000.0
    panel.redraw(rec, paper_title="A case report", paper_text=TEXT)
    assert k.curves["IL-6|||pg/mL"] is curve  # updated in place, not rebuilt
    assert list(curve.getOriginalDataset()[1]) == [20.0, 900.0, 3000.0, 60.0]
    rec.measurements.append(Measurement(analyte="IL-18", day=4, value=70.0, unit="pg/mL"))
    panel.redraw(rec)
    assert "IL-18|||pg/mL" in k.curves and k.curves["IL-6|||pg/mL"] is curve
    rec.measurements.append(Measurement(analyte="CRP", day=4, value=120.0, unit="mg/L"))
    panel.redraw(rec)
    # a new unit, a new panel (one value: nothing to spread over decades, so a linear axis)
    assert [p.getAxis("left").labelText for p in k.panels][1] == "mg/L"


def test_legend_click_toggles_a_series_and_it_stays_hidden(drawn, qtbot):
    panel, rec = drawn
    k = panel.kinetics_plot
    legend = k.legends[0]
    sample, label = legend.items[1]  # IL-10
    assert label.text == "IL-10"
    _click_scene(qtbot, k.glw, sample.mapToScene(sample.boundingRect().center()))
    assert not k.curves["IL-10|||pg/mL"].isVisible()
    below = next(t for t in k.texts if t.toPlainText() == "<5")  # IL-10's detection-limit label goes with it
    assert not below.isVisible()
    rec.measurements[0].value = 25.0
    panel.redraw(rec)
    assert not k.curves["IL-10|||pg/mL"].isVisible() and k.curves["IL-6|||pg/mL"].isVisible()
    assert not below.isVisible()
    _click_scene(qtbot, k.glw, sample.mapToScene(sample.boundingRect().center()))
    assert k.curves["IL-10|||pg/mL"].isVisible() and below.isVisible()


def test_clicking_a_point_emits_its_row_and_selecting_a_row_rings_the_point(drawn, qtbot):
    panel, _rec = drawn
    k = panel.kinetics_plot
    with qtbot.waitSignal(panel.row_clicked, timeout=1000) as sig:
        _click_point(qtbot, k.glw, k.panels[0], 5, math.log10(2150.0))
    assert sig.args == ["measurements", 2]
    assert panel.select_row("measurements", 7)  # ferritin d+9
    ring = k.canvas.panels[k.canvas.order[1]].ring
    assert list(ring.getOriginalDataset()[0]) == [9] and list(ring.getOriginalDataset()[1]) == [40000.0]
    assert panel.select_row("toxicities", 1)
    assert [r.brush.color().alpha() for r in k.regions[:2]] == [34, 90]
    assert not panel.select_row("measurements", 99)


def test_clicking_a_course_bar_selects_the_toxicity_row(drawn, qtbot):
    panel, _rec = drawn
    k = panel.kinetics_plot
    bar = next(i for i in k.track_items if getattr(i, "band", None) and i.band.label == "ICANS grade 4")
    x, y = bar.getOriginalDataset()
    with qtbot.waitSignal(panel.row_clicked, timeout=1000) as sig:
        _click_point(qtbot, k.glw, k.track, float(np.mean(x)), float(y[0]))
    assert sig.args == ["toxicities", 1]


def test_empty_paper_says_so(panel):
    panel.redraw(Record(paper_id=5))
    k = panel.kinetics_plot
    assert not k.has_plot() and "No measurements in this paper yet" in k.empty.text()
    assert "No comparisons" in panel.comparison_plot.empty.text()
    assert "No survival rate" in panel.survival_plot.empty.text()


# --------------------------------------------------------------------------- before / after

def test_before_after_panels_curves_p_values(drawn, qtbot):
    panel, _rec = drawn
    c = panel.comparison_plot
    panel.show_tab("before_after")
    qtbot.wait(20)  # laid out
    assert panel.tabText(panel.currentIndex()) == "Before / after"
    assert [p.unit for p in c.panels] == ["pg/mL", "°C"]
    xs, ys = c.curves[0].getData()
    assert list(xs) == [0, 1]
    assert c.plot_items[0].ctrl.logYCheck.isChecked()
    assert list(ys) == pytest.approx([math.log10(412.5), math.log10(18.2)])  # drawn: log10
    assert list(c.curves[0].getOriginalDataset()[1]) == [412.5, 18.2]  # raw
    assert not c.plot_items[1].ctrl.logYCheck.isChecked()  # a temperature stays linear
    assert list(c.curves[2].getData()[1]) == [39.61, 38.38]
    assert [c.p_texts[r].toPlainText() for r in (0, 1, 2)] == ["P < 0.001", "P = 0.02", "P < 0.001"]
    # both group labels shown: the words they share go to the axis title, so the ticks fit a narrow panel
    assert c.plot_items[0].getAxis("bottom")._tickLevels[0] == [(0, "before"), (1, "after")]
    assert c.plot_items[0].getAxis("bottom").labelText == "emapalumab"
    assert c.curves[1].opts["pen"].style() == Qt.PenStyle.DashLine  # suggestion
    assert c.plot_items[0].getAxis("left").labelText == "pg/mL (log scale)"
    with qtbot.waitSignals([c.point_clicked, panel.row_clicked], timeout=1000):
        _click_point(qtbot, c.glw, c.plot_items[0], 0.5, (math.log10(412.5) + math.log10(18.2)) / 2)
    assert panel.select_row("comparisons", 1)
    assert list(c.rings[0].getOriginalDataset()[1]) == [32.35, 11.94]


def test_before_after_edit_moves_the_points(drawn):
    panel, rec = drawn
    c = panel.comparison_plot
    curve = c.curves[0]
    rec.comparisons[0].value_b = 30.0
    panel.redraw(rec, paper_title="A case report", paper_text=TEXT)
    assert c.curves[0] is curve and list(curve.getOriginalDataset()[1]) == [412.5, 30.0]


# --------------------------------------------------------------------------- survival

def test_survival_points_and_ci_bars_at_horizon(drawn, qtbot):
    panel, _rec = drawn
    s = panel.survival_plot
    panel.show_tab("survival")
    efs = s.curves["EFS|"]
    x, y = efs.getOriginalDataset()
    assert list(y) == [76.9, 61.0] and list(np.round(x)) == [6, 12]
    err = s.error_bars["EFS|"]
    assert list(err.opts["top"]) == pytest.approx([92.6 - 76.9, 82.0 - 61.0])
    assert list(err.opts["bottom"]) == pytest.approx([76.9 - 63.8, 61.0 - 45.0])
    assert "76.9%" in [t.toPlainText() for t in s.rate_texts]
    assert s.plot_items[0].getAxis("bottom")._tickLevels[0] == [(6.0, "6 mo"), (12.0, "1 year")]
    assert "95% CI" in s.plot_items[0].titleLabel.text
    pt = efs.scatter.points()[0]
    tip = efs.scatter.opts["tip"](x=0, y=0, data=pt.data())
    assert "EFS at 6 months: 76.9%, 95% CI 63.8–92.6%" in tip and "EFS was 76.9% at 6 months." in tip
    with qtbot.waitSignal(panel.row_clicked, timeout=1000) as sig:
        _click_point(qtbot, s.glw, s.plot_items[0], float(x[1]), 61.0)
    assert sig.args == ["time_to_event", 1]


# --------------------------------------------------------------------------- across the library

@pytest.fixture
def lib(tmp_path):
    from curator.store.library import Library

    lib = Library.open(tmp_path / "lib.sqlite")
    with lib.transaction():
        ids = lib.insert_papers([Paper(title=f"Study {i}", year=2020 + i, authors=[f"Author{i} A"],
                                       abstract="IFN-gamma fell.") for i in range(3)])
    for pid, (spelling, unit, a, b) in zip(ids, [("IFN-gamma", "pg/mL", 400.0, 20.0),
                                                  ("interferon gamma", "ng/mL", 0.3, 0.01),
                                                  ("IFN-γ", "pg/mL", 250.0, 0.0)]):
        lib.save_record(Record(paper_id=pid, status=RECORD_VERIFIED, comparisons=[
            Comparison(analyte=spelling, value_a=a, value_b=b, unit=unit, label_a="before emapalumab",
                       label_b="after emapalumab")]))
    yield lib, ids
    lib.close()


def test_across_library_converts_links_and_opens_papers(panel, lib, qtbot):
    library, ids = lib
    panel.redraw(Record(paper_id=99, comparisons=[Comparison(analyte="IFN-γ", value_a=1, value_b=2)]))
    panel.set_library(library)
    panel.show_tab("library")
    qtbot.wait(20)
    lp = panel.library_plot
    assert lp.analyte_combo.currentText() == "IFN-γ"  # the current record's analyte, found in the library
    assert lp.data.n_papers == 3
    items = lp.items["paper|pg/mL"]
    bx, by = items["before / A"].getOriginalDataset()
    assert list(by) == [400.0, 300.0, 250.0]  # 0.3 ng/mL → 300 pg/mL
    _ax, ay = items["after / B"].getOriginalDataset()
    assert list(ay) == [20.0, 10.0]
    zero = items["≤ 0 (at the axis floor)"].getOriginalDataset()[1]
    assert len(zero) == 1 and zero[0] > 0  # the 0 is shown at the floor, flagged
    assert "1 value(s) ≤ 0" in lp.plot_items[0].titleLabel.text
    assert "converted to pg/mL" in lp.summary.text()
    pt = items["before / A"].scatter.points()[1]
    tip = items["before / A"].scatter.opts["tip"](x=0, y=0, data=pt.data())
    assert "as reported 0.3 ng/mL → × 1000 (1 ng/mL = 1000 pg/mL)" in tip and "paper: Study 1" in tip
    plot = lp.plot_items[0]
    with qtbot.waitSignal(panel.paper_clicked, timeout=1000) as sig:
        _click_point(qtbot, lp.glw, plot, float(bx[1]), math.log10(300.0))
    assert sig.args == [ids[1]]


def test_across_library_any_spelling(panel, lib):
    library, _ids = lib
    panel.set_library(library)
    panel.show_tab("library")
    panel.library_plot.set_analyte("interferon-γ")
    assert panel.library_plot.data.analyte == "IFN-γ" and panel.library_plot.data.n_points == 6


def test_across_library_without_verified_papers(panel, tmp_path):
    from curator.store.library import Library

    empty = Library.open(tmp_path / "empty.sqlite")
    panel.set_library(empty)
    panel.show_tab("library")
    assert "No verified paper" in panel.library_plot.empty.text()
    empty.close()


# --------------------------------------------------------------------------- export

def test_export_png_svg_csv(drawn, tmp_path):
    panel, _rec = drawn
    png = panel.export_png(tmp_path / "k.png")
    img = QImage(str(png))
    assert (img.width(), img.height()) == (2400, 1600)
    small = panel.export_png(tmp_path / "s.png", size=(900, 600))
    assert QImage(str(small)).width() == 900
    svg = panel.export_svg(tmp_path / "k.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "Kinetics — A case report" in svg  # the title, as text
    assert "Day relative to CAR-T infusion" in svg and "pg/mL (log scale)" in svg
    rows = list(csv.DictReader(panel.export_csv(tmp_path / "k.csv").open(encoding="utf-8")))
    il6 = [r for r in rows if r["layer"] == "measurement" and r["analyte"] == "IL-6"]
    assert [float(r["value"]) for r in il6] == [20.0, 900.0, 2150.0, 60.0]
    assert [float(r["day"]) for r in il6] == [0, 3, 5, 9]
    assert il6[2]["source"] == "IL-6 peaked at 2150 pg/mL on day 5."
    panel.show_tab("before_after")
    rows = list(csv.DictReader(panel.export_csv(tmp_path / "c.csv").open(encoding="utf-8")))
    assert next((r["analyte"], float(r["value_a"]), float(r["value_b"]), r["p_text"]) for r in rows) == (
        "IFN-γ", 412.5, 18.2, "P < 0.001")
    assert "Before → after — A case report" in panel.export_svg(tmp_path / "c.svg").read_text(encoding="utf-8")
    panel.show_tab("survival")
    rows = list(csv.DictReader(panel.export_csv(tmp_path / "s.csv").open(encoding="utf-8")))
    assert next((r["endpoint"], float(r["months"]), float(r["rate"]), float(r["ci_low"])) for r in rows) == (
        "EFS", 6.0, 76.9, 63.8)


def _series_strokes(svg: str, colour: str) -> int:
    """Lines and markers (not text, not translucent bands) stroked in `colour` in an SVG export."""
    n = 0
    for g in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}g"):
        if (g.get("stroke") or "").lower() == colour and g.get("stroke-opacity") == "1" \
                and any(ch.tag.rsplit("}", 1)[-1] in ("path", "polyline", "polygon") for ch in g):
            n += 1
    return n


def test_export_keeps_hidden_series_hidden(drawn, tmp_path):
    panel, _rec = drawn
    k = panel.kinetics_plot
    il10, il6 = k.curves["IL-10|||pg/mL"], k.curves["IL-6|||pg/mL"]
    c10, c6 = il10.opts["pen"].color().name(), il6.opts["pen"].color().name()
    shown = panel.export_svg(tmp_path / "shown.svg").read_text(encoding="utf-8")
    assert _series_strokes(shown, c10) >= 3 and "&lt;5" in shown  # line, points, legend sample, '<5' label
    il10.setVisible(False)  # what a click on its legend entry does
    assert "IL-10|||pg/mL" in k.hidden
    hidden = panel.export_svg(tmp_path / "hidden.svg").read_text(encoding="utf-8")
    assert _series_strokes(hidden, c10) == 0  # no line, marker or error bar of IL-10 in the file
    assert "&lt;5" not in hidden  # nor its detection-limit label
    assert _series_strokes(hidden, c6) == _series_strokes(shown, c6) >= 3  # IL-6 is drawn as before


def test_export_button_offers_png_svg_csv(drawn, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QFileDialog

    panel, _rec = drawn
    target = tmp_path / "via_dialog"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "CSV data (*.csv)")))
    panel.kinetics_plot.export_button.click()
    assert (tmp_path / "via_dialog.csv").read_text(encoding="utf-8").startswith("layer,panel,series")
