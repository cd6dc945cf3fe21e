"""The PRISMA 2020 flow diagram (new systematic review, databases and registers only) from a
library's screening counts (`services.screening.prisma_counts`): SVG text, CSV rows and JSON (pure).

PNG is the SVG rendered by Qt (curator/ui/prisma_view.py).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any


@dataclass
class Box:
    key: str
    stage: str  # Identification | Screening | Included
    lines: list[str]
    n: int | None


def _n(v: int) -> str:
    return f"{v:,}"


def boxes(c: dict[str, Any]) -> tuple[list[Box], list[Box]]:
    """(main column, side column) of the diagram, each box with its lines of text."""
    files = c.get("identified_per_file", [])
    src = [f"  {Path(f['file']).name} (n = {_n(f['records'])})" for f in files[:6]]
    if len(files) > 6:
        src.append(f"  … and {len(files) - 6} more file(s) (n = {_n(sum(f['records'] for f in files[6:]))})")
    not_screened = c["records_in_library"] - c["screened"]
    exc_reasons = [f"  {r} (n = {_n(n)})" for r, n in sorted(c["full_text_excluded_reasons"].items(),
                                                              key=lambda kv: -kv[1])]
    not_assessed = max(0, c["sought_for_retrieval"] - c["full_text_assessed"])
    main = [
        Box("identified", "Identification", [f"Records identified from {len(files)} file(s) (n = {_n(c['identified'])}):",
                                              *src], c["identified"]),
        Box("screened", "Screening", [f"Records screened (n = {_n(c['screened'])})",
                                      f"of {_n(c['records_in_library'])} in the library"], c["screened"]),
        Box("sought", "Screening", [f"Reports sought for retrieval (n = {_n(c['sought_for_retrieval'])})"],
            c["sought_for_retrieval"]),
        Box("assessed", "Screening", [f"Reports assessed for eligibility (n = {_n(c['full_text_assessed'])})"],
            c["full_text_assessed"]),
        Box("included", "Included", [f"Studies included in review (n = {_n(c['included'])})"], c["included"]),
    ]
    side = [
        Box("removed", "Identification", ["Records removed before screening:",
                                          f"  Duplicate records removed (n = {_n(c['duplicates_removed'])})",
                                          f"  Records removed for other reasons (n = {_n(c['removed_other'])})"],
            c["duplicates_removed"] + c["removed_other"]),
        Box("excluded", "Screening", [f"Records excluded (n = {_n(c['excluded'])})",
                                      f"Records not screened (n = {_n(not_screened)})",
                                      f"Marked maybe (n = {_n(c['maybe'])})"], c["excluded"]),
        Box("not_retrieved", "Screening", [f"Reports not yet assessed (n = {_n(not_assessed)})"], not_assessed),
        Box("ft_excluded", "Screening", [f"Reports excluded (n = {_n(c['full_text_excluded'])}):", *exc_reasons],
            c["full_text_excluded"]),
    ]
    return main, side


LINE = 17
PAD = 10


def svg(c: dict[str, Any], title: str = "PRISMA 2020 flow diagram") -> str:
    main, side = boxes(c)
    x_main, w_main, x_side, w_side = 70, 380, 510, 380
    out: list[str] = []
    y = 50
    rows: list[tuple[Box, Box | None, float, float]] = []
    for i, b in enumerate(main):
        s = side[i] if i < len(side) else None
        h = max(len(b.lines), len(s.lines) if s else 0) * LINE + 2 * PAD
        if b.stage == "Included":
            h = max(h, 90)  # room for the stage's label beside it
        rows.append((b, s, y, h))
        y += h + 40
    height = y
    out.append(f'<svg xmlns="http://www.w3.org/2000/svg" width="{x_side + w_side + 20}" height="{height}" '
               f'viewBox="0 0 {x_side + w_side + 20} {height}" font-family="DejaVu Sans, Arial, sans-serif" '
               'font-size="13">')
    out.append('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
               'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>')
    out.append(f'<rect width="100%" height="100%" fill="white"/><text x="{x_main}" y="28" font-size="16" '
               f'font-weight="bold">{escape(title)}</text>')

    def box(x: float, y: float, w: float, h: float, lines: list[str], fill: str) -> None:
        out.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}" stroke="#333" rx="4"/>')
        for k, line in enumerate(lines):
            out.append(f'<text x="{x + PAD}" y="{y + PAD + 13 + k * LINE}" xml:space="preserve">{escape(line)}</text>')

    stages: dict[str, list[float]] = {}
    for k, (b, s, y0, h) in enumerate(rows):
        box(x_main, y0, w_main, h, b.lines, "#ffffff")
        stages.setdefault(b.stage, []).extend([y0, y0 + h])
        if s is not None:
            box(x_side, y0, w_side, h, s.lines, "#f4f4f4")
            out.append(f'<line x1="{x_main + w_main}" y1="{y0 + h / 2}" x2="{x_side}" y2="{y0 + h / 2}" '
                       'stroke="#333" marker-end="url(#arrow)"/>')
        if k + 1 < len(rows):
            out.append(f'<line x1="{x_main + w_main / 2}" y1="{y0 + h}" x2="{x_main + w_main / 2}" '
                       f'y2="{rows[k + 1][2]}" stroke="#333" marker-end="url(#arrow)"/>')
    for stage, ys in stages.items():
        y0, y1 = min(ys), max(ys)
        out.append(f'<rect x="10" y="{y0}" width="40" height="{y1 - y0}" fill="#a9c8ec" rx="4"/>')
        out.append(f'<text x="30" y="{(y0 + y1) / 2}" text-anchor="middle" font-weight="bold" '
                   f'transform="rotate(-90 30 {(y0 + y1) / 2})" dominant-baseline="middle">{stage}</text>')
    out.append("</svg>")
    return "\n".join(out)


def rows(c: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per count: (stage, box, label, n) — the diagram's numbers as a table."""
    out = [{"stage": "Identification", "box": "identified", "label": f"file: {f['file']}", "n": f["records"]}
           for f in c.get("identified_per_file", [])]
    plain = [("Identification", "identified", "records identified", "identified"),
             ("Identification", "removed", "duplicate records removed", "duplicates_removed"),
             ("Identification", "removed", "records removed for other reasons", "removed_other"),
             ("Screening", "screened", "records screened", "screened"),
             ("Screening", "screened", "records not screened", "not_screened"),
             ("Screening", "excluded", "records excluded", "excluded"),
             ("Screening", "excluded", "records marked maybe", "maybe"),
             ("Screening", "sought", "reports sought for retrieval", "sought_for_retrieval"),
             ("Screening", "assessed", "reports assessed for eligibility", "full_text_assessed"),
             ("Screening", "ft_excluded", "reports excluded", "full_text_excluded"),
             ("Included", "included", "studies included in review", "included")]
    out += [{"stage": s, "box": b, "label": label, "n": c[k]} for s, b, label, k in plain]
    out += [{"stage": "Screening", "box": "excluded", "label": f"excluded: {r}", "n": n}
            for r, n in c["excluded_reasons"].items()]
    out += [{"stage": "Screening", "box": "ft_excluded", "label": f"reports excluded: {r}", "n": n}
            for r, n in c["full_text_excluded_reasons"].items()]
    return out


def csv_text(c: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=["stage", "box", "label", "n"], lineterminator="\n")
    w.writeheader()
    w.writerows(rows(c))
    return buf.getvalue()


def write(c: dict[str, Any], path: Path) -> Path:
    """Write the diagram as .svg, or its counts as .csv or .json (PNG: curator.ui.prisma_view)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        text = svg(c)
    elif suffix == ".csv":
        text = csv_text(c)
    elif suffix == ".json":
        text = json.dumps(c, ensure_ascii=False, indent=2)
    else:
        raise ValueError(f"{path}: the PRISMA diagram is written as .svg, .png, .csv or .json")
    path.write_text(text, encoding="utf-8")
    return path
