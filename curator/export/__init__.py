"""Export layer (pure): typed tables and their dictionary from the store's rows, and the writers for
CSV (+ Frictionless datapackage.json), Excel, JSON, Parquet and SQLite, with formula neutralisation
and atomic output. The use case that ties it to a library is `curator.services.export`."""

from curator.export.dataset import TABLES, Dataset, ExportInfo, build_dataset, readme_rows, readme_text
from curator.export.dictionary import Column, dictionary_frame
from curator.export.safety import (
    NEUTRALISATION_NOTE,
    ExportCancelled,
    ExportError,
    Ticker,
    atomic_output,
    neutralise_series,
    neutralise_text,
    restore_formula_text,
    restore_series,
)

__all__ = [
    "NEUTRALISATION_NOTE",
    "TABLES",
    "Column",
    "Dataset",
    "ExportCancelled",
    "ExportError",
    "ExportInfo",
    "Ticker",
    "atomic_output",
    "build_dataset",
    "dictionary_frame",
    "neutralise_series",
    "neutralise_text",
    "readme_rows",
    "readme_text",
    "restore_formula_text",
    "restore_series",
]
