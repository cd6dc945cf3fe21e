"""The across-library plot read from a real library: verified records only, every spelling of the
analyte, the whole source sentence; the SQL itself lives in the store."""

from __future__ import annotations

import pytest

from curator.domain.outcomes import (
    RECORD_DRAFT,
    RECORD_VERIFIED,
    Comparison,
    Measurement,
    Record,
    Span,
)
from curator.domain.paper import Paper
from curator.services.plots import library_analytes, load_library_plot, matching_spellings


@pytest.fixture
def lib(new_target, tmp_path):
    from curator.store.library import Library

    lib = Library.open(new_target("lib"))
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
    ld = load_library_plot(lib, "IFN-γ")
    assert ld.n_papers == 2  # the draft is not shown
    p = ld.panels[0]
    assert [float(v) for v in p.value] == [400.0, 20.0, 401.0, 20.0]
    assert {p.refs[i].paper for i in range(len(p))} == {"Paper 0", "Paper 1"}
    assert p.refs[0].quote == "After it, IFN-gamma fell to 20 pg/mL (P < 0.001)."  # the whole sentence
    assert sorted(matching_spellings(lib, "interferon-γ")) == ["IFN-gamma", "IFN-γ", "interferon gamma"]
    assert dict(library_analytes(lib)) == {"IFN-γ": 2, "IL-6": 2}


def test_library_queries_live_in_the_store(lib):
    from curator.store import plot_queries

    papers = plot_queries.record_papers(lib)
    assert sorted(m["title"] for m in papers.values()) == ["Paper 0", "Paper 1"]
    cols = plot_queries.analyte_columns(lib, ["IFN-gamma"], papers=papers)["comparisons"]
    assert cols["value_a"] == [400.0] and cols["table"] == "comparisons" and cols["quote"][0].startswith("IFN")
    assert plot_queries.analyte_columns(lib, [], papers=papers)["measurements"]["value"] == []
