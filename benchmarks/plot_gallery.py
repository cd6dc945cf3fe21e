"""Render every plot tab of a realistic record to PNG (offscreen), to look at them and for the README.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/plot_gallery.py [OUT_DIR]

The record is the shape of the case-report seed: cytokines peaking in the first week, ferritin, CAR-T
expansion, tocilizumab on day +3, emapalumab days +11..+18, CRS grade 3 (d+2..d+9), ICANS grade 4
(d+6..d+20), a value below the detection limit, EFS/OS rates with CIs, and before/after comparisons.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from curator.domain.outcomes import (
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

ABSTRACT = (
    "A 9-year-old boy with relapsed B-ALL received tisagenlecleucel. CRS grade 3 began on day +2 and "
    "resolved by day +9 after tocilizumab on day +3. IL-6 peaked at 2150 pg/mL on day 5. ICANS grade 4 "
    "developed on day +6. Emapalumab was started on day +11 and continued to day +18. IFN-γ fell from "
    "412.5 to 18.2 pg/mL (P < 0.001) and IL-10 was below 5 pg/mL by day 21. EFS rate was 76.9% "
    "(95% CI, 63.8-92.6) at 6 months."
)


def _span(text: str) -> Span:
    i = ABSTRACT.find(text)
    return Span(i, i + len(text), text) if i >= 0 else Span(0, 0, text)


def _curve(peak_day: float, peak: float, base: float, width: float, day: float) -> float:
    return base + peak * math.exp(-((day - peak_day) ** 2) / (2 * width ** 2))


def demo_record(paper_id: int = 1) -> Record:
    rec = Record(paper_id=paper_id)
    days = [0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 14, 18, 21, 28]
    cyto = {  # analyte: (peak day, peak, baseline, width)
        "IL-6": (5, 2100, 12, 1.6),
        "IFN-γ": (7, 400, 6, 3.0),
        "IL-10": (6, 180, 4, 2.2),
    }
    for name, (pd_, pk, base, w) in cyto.items():
        for d in days:
            v = round(_curve(pd_, pk, base, w, d), 1)
            m = Measurement(analyte=name, specimen="serum", day=d, statistic="value", value=v, unit="pg/mL",
                            arm="patient 1")
            if name == "IL-10" and d >= 21:
                m.operator, m.value = "<", 5.0
                m.sources = {"value": _span("IL-10 was below 5 pg/mL by day 21")}
            if name == "IL-6" and d == 5:
                m.value = 2150.0
                m.sources = {"value": _span("IL-6 peaked at 2150 pg/mL on day 5")}
            rec.measurements.append(m)
    for d in (0, 3, 7, 11, 14, 21, 28):
        rec.measurements.append(Measurement(analyte="ferritin", specimen="serum", day=d, value=round(
            _curve(10, 48000, 900, 4.0, d)), unit="ng/mL", arm="patient 1"))
    for d in (0, 4, 7, 10, 14, 21, 28):
        rec.measurements.append(Measurement(analyte="CAR-T cells", specimen="blood", day=d, value=round(
            _curve(10, 550, 0.5, 3.5, d), 1), unit="cells/µL", arm="patient 1"))
    rec.measurements[-7].value = 0.0  # day 0: none detected yet (a zero on a log axis)
    rec.exposures = [
        Exposure(agent="tocilizumab", role="toxicity treatment", indication="CRS", dose=8, dose_unit="mg/kg",
                 start_day=3, sources={"start_day": _span("tocilizumab on day +3")}),
        Exposure(agent="emapalumab", role="toxicity treatment", indication="IEC-HS", dose=1, dose_unit="mg/kg",
                 start_day=11, end_day=18,
                 sources={"start_day": _span("Emapalumab was started on day +11 and continued to day +18")}),
    ]
    rec.toxicities = [
        Toxicity(syndrome="CRS", grading_system="ASTCT_2019", grade=3, onset_day=2, resolution_day=9,
                 sources={"grade": _span("CRS grade 3 began on day +2")}),
        Toxicity(syndrome="ICANS", grading_system="ASTCT_2019", grade=4, onset_day=6, resolution_day=20,
                 sources={"grade": _span("ICANS grade 4 developed on day +6")}),
    ]
    rec.events = [TimelineEvent(day=21, event="full neurological recovery")]
    rec.comparisons = [
        Comparison(analyte="IFN-γ", value_a=412.5, value_b=18.2, unit="pg/mL", p_text="P < 0.001",
                   label_a="before emapalumab", label_b="after emapalumab",
                   sources={"value_a": _span("IFN-γ fell from 412.5 to 18.2 pg/mL (P < 0.001)")}),
        Comparison(analyte="IL-2", value_a=32.35, value_b=11.94, unit="pg/mL", p_text="P < 0.001",
                   label_a="before emapalumab", label_b="after emapalumab"),
        Comparison(analyte="IL-10", value_a=95.0, value_b=21.0, unit="pg/mL", p_text="P = 0.02",
                   label_a="before emapalumab", label_b="after emapalumab", row_status=ROW_SUGGESTED),
        Comparison(analyte="ferritin", value_a=48210, value_b=9150, unit="ng/mL", p_text="P = 0.004",
                   label_a="before emapalumab", label_b="after emapalumab"),
        Comparison(analyte="temperature", value_a=39.61, value_b=38.38, unit="°C", p_text="P < 0.001",
                   label_a="before emapalumab", label_b="after emapalumab"),
    ]
    rec.time_to_event = [
        TimeToEvent(endpoint="EFS", horizon="6 months", rate=76.9, ci_level=95, ci_low=63.8, ci_high=92.6,
                    sources={"rate": _span("EFS rate was 76.9% (95% CI, 63.8-92.6) at 6 months")}),
        TimeToEvent(endpoint="EFS", horizon="12 months", rate=61.0, ci_level=95, ci_low=45.2, ci_high=82.3),
        TimeToEvent(endpoint="OS", horizon="6 months", rate=88.5, ci_level=95, ci_low=78.0, ci_high=99.0),
        TimeToEvent(endpoint="OS", horizon="1 year", rate=79.3, ci_level=95, ci_low=66.1, ci_high=95.1),
        TimeToEvent(endpoint="OS", horizon="2 years", rate=70.2, ci_level=95, ci_low=55.0, ci_high=89.6,
                    row_status=ROW_SUGGESTED),
    ]
    return rec


def main(out_dir: str = "/tmp/curator_plots") -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from curator.ui.plot_panel import PlotPanel

    app = QApplication.instance() or QApplication([])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    panel = PlotPanel()
    panel.resize(1000, 700)
    panel.show()
    rec = demo_record()
    panel.redraw(rec, paper_title="Emapalumab for IEC-HS after CAR-T: a case report", paper_text=ABSTRACT)
    if len(sys.argv) > 2:
        from curator.store.library import Library

        panel.set_library(Library.open(sys.argv[2], read_only=True))
    for key in ("kinetics", "before_after", "survival", "library"):
        panel.show_tab(key)
        for _ in range(3):
            app.processEvents()
        panel.grab().save(str(out / f"{key}.png"))
        print(out / f"{key}.png")
    panel.show_tab("kinetics")
    panel.export_png(str(out / "kinetics_export.png"))
    panel.export_svg(str(out / "kinetics_export.svg"))
    panel.export_csv(str(out / "kinetics.csv"))


if __name__ == "__main__":
    main(*sys.argv[1:2])
