"""The before → after plot of one paper, without Qt: one panel per unit, flags, group labels, hover text."""

from __future__ import annotations

import pytest

from curator.domain.outcomes import (
    Comparison,
    Record,
)
from curator.plotting.comparisons import comparison_panels
from curator.plotting.tooltips import comparison_tooltip


def test_no_comparison_no_panel():
    assert comparison_panels(Record(paper_id=1)) == []
    assert comparison_panels(None) == []


def test_comparison_panels_one_per_unit_with_flags():
    rec = Record(paper_id=3, comparisons=[
        Comparison(analyte="IL-2", value_a=32.35, value_b=11.94, unit="pg/ml", p_text="P < 0.001",
                   label_a="before emapalumab", label_b="after emapalumab"),
        Comparison(analyte="IFN-gamma", value_a=400, value_b=0, unit="pg/mL", p_text="P = 0.02"),
        Comparison(analyte="temperature", value_a=39.61, value_b=38.38, unit="°C"),
        Comparison(analyte="ferritin", value_a=100.0, value_b=None, unit="ng/mL"),  # incomplete: not drawn
    ])
    panels = comparison_panels(rec)
    assert [(p.unit, p.log) for p in panels] == [("pg/mL", True), ("°C", False)]
    pg = panels[0]
    assert [(s.row, s.analyte, s.value_a, s.value_b) for s in pg.series] == [
        (0, "IL-2", 32.35, 11.94), (1, "IFN-γ", 400.0, 0.0)]
    assert pg.series[1].y_b == pytest.approx(pg.floor) and pg.flagged == [(pg.series[1], "b")]
    assert "1 value ≤ 0" in pg.note
    assert pg.labels == ("before / A", "after / B")  # the two rows name their groups differently
    assert panels[1].labels == ("before", "after")
    tip = comparison_tooltip(pg.series[0], "a")
    assert "IL-2: 32.35 → 11.94 pg/mL, P < 0.001" in tip and "before emapalumab: 32.35 pg/mL" in tip


def test_tick_labels_move_the_shared_words_to_the_axis_title():
    from curator.plotting.comparisons import tick_labels

    assert tick_labels("before emapalumab", "after emapalumab") == ("before", "after", "emapalumab")
    assert tick_labels("before", "after") == ("before", "after", "")
    assert tick_labels("CR patients", "PR patients") == ("CR", "PR", "patients")
    assert tick_labels("responders", "responders") == ("responders", "responders", "")  # a word stays on each
