"""The across-library plot, read from the library: the store's columns (`curator.store.plot_queries`)
turned into `curator.plotting.library` data. The plots of one record need no service: the window passes
the record it holds to `curator.plotting` directly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from curator.plotting.library import (
    LibraryPlotData,
    analyte_counts,
    library_plot_columns,
    papers_needing_text,
    quote_sentences,
    same_analyte,
)
from curator.store import plot_queries


def load_library_plot(lib: Any, analyte: str, statuses: Sequence[str] = ("verified",)) -> LibraryPlotData:
    """Read `analyte`'s rows from the verified papers of `lib` and build the across-library plot; each
    point's source is the whole sentence its value was quoted from."""
    papers = plot_queries.record_papers(lib, statuses)
    tables = plot_queries.analyte_columns(lib, matching_spellings(lib, analyte), statuses, papers)
    need = papers_needing_text(tables)
    if need:
        quote_sentences(tables, plot_queries.paper_texts(lib, sorted(need)))
    return library_plot_columns(analyte, tables, papers)


def matching_spellings(lib: Any, analyte: str) -> list[str]:
    """Every stored spelling of `analyte` ('IFN-gamma', 'IFN-γ', 'interferon gamma')."""
    return same_analyte(analyte, plot_queries.analyte_spellings(lib))


def library_analytes(lib: Any, statuses: Sequence[str] = ("verified",)) -> list[tuple[str, int]]:
    """(canonical analyte, number of rows) present in those records, most frequent first."""
    return analyte_counts(plot_queries.analyte_spelling_counts(lib, statuses))
