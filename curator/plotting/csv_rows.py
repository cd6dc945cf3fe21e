"""The data behind each plot as CSV rows (pure): one row per drawn point, band or mark, with what was
drawn (`plotted_y`), the value as reported and where it came from (table, row, paper, source sentence)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from curator.plotting.comparisons import Panel
from curator.plotting.kinetics import KineticsData
from curator.plotting.library import LIB_KIND_NAMES, LibraryPlotData
from curator.plotting.sources import Ref
from curator.plotting.survival import SurvivalData
from curator.plotting.values import FLAG_NONPOSITIVE

KINETICS_COLUMNS = ("layer", "panel", "series", "analyte", "arm", "statistic", "unit", "day", "x", "x_end",
                    "operator", "value", "plotted_y", "flag", "dispersion", "low", "high", "timepoint", "label",
                    "table", "row", "uid", "paper_id", "paper", "source")


def kinetics_rows(k: KineticsData) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def ref_cols(r: Ref) -> dict[str, Any]:
        return {"table": r.table, "row": r.row, "uid": r.uid, "paper_id": r.paper_id, "paper": r.paper,
                "source": r.quote}

    for p in k.panels:
        for s in p.series:
            for q in s.points:
                out.append({"layer": "measurement", "panel": p.title, "series": s.name, "analyte": s.analyte,
                            "arm": s.arm, "statistic": q.statistic, "unit": q.unit, "day": q.day, "x": q.x,
                            "operator": q.operator, "value": q.value, "plotted_y": q.y, "flag": q.flag,
                            "dispersion": q.dispersion, "low": q.low, "high": q.high, "timepoint": q.timepoint,
                            "label": q.label, **ref_cols(q.ref)})
    for e in k.exposures:
        out.append({"layer": "exposure", "series": e.agent, "day": e.start, "x": e.x_start, "x_end": e.x_end,
                    "label": e.label, **ref_cols(e.ref)})
    for b in k.bands:
        out.append({"layer": "toxicity", "series": b.syndrome, "day": b.onset, "x": b.x0, "x_end": b.x1,
                    "value": b.grade, "label": b.label, "flag": "open-ended" if b.open_ended else "",
                    **ref_cols(b.ref)})
    for ev in k.events:
        out.append({"layer": "event", "day": ev.day, "x": ev.x, "label": ev.text, **ref_cols(ev.ref)})
    return out


COMPARISON_COLUMNS = ("panel", "analyte", "unit", "statistic", "label_a", "value_a", "plotted_a", "label_b",
                      "value_b", "plotted_b", "p_text", "n", "flag", "table", "row", "uid", "paper_id", "paper",
                      "source")


def comparison_rows(panels: Sequence[Panel]) -> list[dict[str, Any]]:
    out = []
    for p in panels:
        for s in p.series:
            flag = FLAG_NONPOSITIVE if p.log and s.nonpositive else ""
            out.append({"panel": p.title, "analyte": s.analyte, "unit": s.unit, "statistic": s.statistic,
                        "label_a": s.label_a, "value_a": s.value_a, "plotted_a": s.y_a, "label_b": s.label_b,
                        "value_b": s.value_b, "plotted_b": s.y_b, "p_text": s.p_text, "n": s.n, "flag": flag,
                        "table": s.ref.table, "row": s.ref.row, "uid": s.ref.uid, "paper_id": s.ref.paper_id,
                        "paper": s.ref.paper, "source": s.ref.quote})
    return out


SURVIVAL_COLUMNS = ("endpoint", "arm", "horizon", "months", "rate", "ci_level", "ci_low", "ci_high", "flag",
                    "table", "row", "uid", "paper_id", "paper", "source")


def survival_rows(sd: SurvivalData) -> list[dict[str, Any]]:
    return [{"endpoint": p.endpoint, "arm": p.arm, "horizon": p.horizon, "months": p.months, "rate": p.rate,
             "ci_level": p.ci_level, "ci_low": p.ci_low, "ci_high": p.ci_high, "flag": p.flag,
             "table": p.ref.table, "row": p.ref.row, "uid": p.ref.uid, "paper_id": p.ref.paper_id,
             "paper": p.ref.paper, "source": p.ref.quote} for p in sd.points]


LIBRARY_COLUMNS = ("analyte", "panel", "unit", "kind", "x", "label", "value", "plotted_y", "reported",
                   "conversion", "flag", "table", "row", "uid", "paper_id", "paper", "source")


def library_rows(ld: LibraryPlotData) -> list[dict[str, Any]]:
    out = []
    for p in ld.panels:
        for i in range(len(p)):
            r = p.refs[i]
            out.append({"analyte": ld.analyte, "panel": p.title, "unit": p.unit,
                        "kind": LIB_KIND_NAMES[int(p.kind[i])], "x": float(p.x[i]), "label": p.label[i],
                        "value": float(p.value[i]), "plotted_y": float(p.y[i]), "reported": p.reported(i),
                        "conversion": p.conversion[i],
                        "flag": p.flag[i], "table": r.table, "row": r.row, "uid": r.uid, "paper_id": r.paper_id,
                        "paper": r.paper, "source": r.quote})
    return out


def csv_text(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """CSV with a header; numbers written in full (repr), empty cells for None."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in columns})
    return buf.getvalue()
