"""One analyte across the library, without Qt or a store: conversion where safe, panels per unit, pairs,
the hover text and the CSV rows."""

from __future__ import annotations

import pytest

from curator.plotting.csv_rows import library_rows
from curator.plotting.library import (
    analyte_counts,
    library_plot_columns,
    papers_needing_text,
    quote_sentences,
    same_analyte,
)
from curator.plotting.tooltips import library_tooltip
from curator.plotting.values import FLAG_NONPOSITIVE

_ROW_KEYS = {  # the columns `curator.store.plot_queries.analyte_columns` hands over
    "comparisons": ("paper_id", "position", "uid", "unit", "value_a", "value_b", "label_a", "label_b", "p_text",
                    "statistic", "quote"),
    "measurements": ("paper_id", "position", "uid", "unit", "value", "operator", "day", "timepoint", "statistic",
                     "arm", "quote"),
}


def library_plot(analyte: str, rows: list[dict]):
    """`library_plot_columns` for rows written as dicts (one per stored row, paper metadata inline)."""
    tables = {t: {"table": t, **{k: [] for k in keys}} for t, keys in _ROW_KEYS.items()}
    papers: dict[int, dict] = {}
    for r in rows:
        for k in _ROW_KEYS[r["table"]]:
            tables[r["table"]][k].append(r.get(k))
        papers.setdefault(r["paper_id"], {k: r.get(k) for k in ("title", "pmid", "year", "first_author")})
    return library_plot_columns(analyte, tables, papers)


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
    ld = library_plot("IFN-gamma", _rows())
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
    assert time.flag[1] == FLAG_NONPOSITIVE and time.y[1] == pytest.approx(time.floor)  # '<0' at the floor
    tip = library_tooltip(by_paper, 2, ld.analyte)
    assert "500 pg/mL" in tip and "as reported 0.5 ng/mL" in tip and "paper: Second" in tip
    assert ld.conversions == {"same unit": 4, "× 1000 (1 ng/mL = 1000 pg/mL)": 3, "not converted": 2}
    rows = library_rows(ld)
    assert rows[2]["value"] == 500.0 and rows[2]["reported"] == "0.5 ng/mL" and rows[2]["paper_id"] == 2


def test_library_plot_empty():
    ld = library_plot("IL-6", [])
    assert not ld.panels and "No verified paper reports IL-6" in ld.message


def test_same_analyte_matches_every_spelling_through_the_vocabulary():
    spellings = ["IFN-gamma", "IL-6", "interferon gamma", "IFN-γ", "my marker", "MY MARKER"]
    assert same_analyte("interferon-γ", spellings) == ["IFN-gamma", "interferon gamma", "IFN-γ"]
    assert same_analyte("My Marker", spellings) == ["my marker", "MY MARKER"]  # unknown: its own spelling


def test_analyte_counts_add_up_spellings_most_frequent_first():
    assert analyte_counts([("IFN-gamma", 2), ("IL-6", 3), ("IFN-γ", 2), ("ferritin", 1)]) == [
        ("IFN-γ", 4), ("IL-6", 3), ("ferritin", 1)]


def test_quotes_from_an_abstract_become_their_sentence():
    text = "Before it IFN-gamma was 400 pg/mL. After it, IFN-gamma fell to 20 pg/mL (P < 0.001)."
    q = "fell to 20 pg/mL"
    i = text.index(q)
    tables = {"comparisons": {"paper_id": [1, 2], "text_field": ["abstract", "full_text"], "quote": [q, "as is"],
                              "span_start": [i, 0], "span_end": [i + len(q), 5]}}
    assert papers_needing_text(tables) == {1}
    quote_sentences(tables, {1: text})
    assert tables["comparisons"]["quote"] == ["After it, IFN-gamma fell to 20 pg/mL (P < 0.001).", "as is"]
