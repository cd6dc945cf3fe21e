"""Dual-extraction exports as datasets the CSV and Excel writers write (pure; issue 19 item 6).

* `extractions_dataset`: every curator's extraction, one table per record table, the curator in every row
  (with the extraction's status), beside the paper's identifiers;
* `agreement_dataset`: the agreement figures of a comparison — by field, table and paper, overall — and
  every disagreement, with both curators named in every row.

The consensus itself is exported as before (services.export.export_dataset: the verified records).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from curator.domain.agreement import KINDS, PaperComparison, Stats, summarize
from curator.domain.outcomes import LIST_ATTR, ROW_TYPES, FieldSpec, Record, Study
from curator.export.dataset import Dataset, ExportInfo, typed_frame
from curator.export.dictionary import Column

_TYPES = {"int": "integer", "float": "number", "bool": "boolean"}


@dataclass
class ExtractionEntry:
    """One curator's extraction of one paper, with the paper's identifiers."""

    paper_id: int
    pmid: str | None
    doi: str | None
    title: str
    curator: str
    status: str  # draft | submitted
    revision: int
    updated_at: str
    record: Record


def _col(table: str, name: str, typ: str, desc: str, label: str | None = None,
         allowed: tuple[str, ...] = ()) -> Column:
    return Column(table, name, label or name.replace("_", " ").capitalize(), typ, None, allowed, desc)


def _key_columns(table: str) -> list[Column]:
    return [_col(table, "paper_id", "integer", "The paper's id in the library"),
            _col(table, "pmid", "string", "PubMed id"),
            _col(table, "doi", "string", "DOI (lower case, no URL prefix)"),
            _col(table, "curator", "string", "Whose extraction the row is"),
            _col(table, "extraction_status", "string", "draft, or submitted (the curator is done)",
                 allowed=("draft", "submitted"))]


def _value_column(table: str, spec: FieldSpec) -> Column:
    return Column(table, spec.name, spec.label, _TYPES.get(spec.kind, "string"), spec.unit, tuple(spec.choices),
                  spec.description or spec.label)


def extractions_dataset(entries: Iterable[ExtractionEntry], info: ExportInfo) -> Dataset:
    entries = list(entries)
    tables: dict[str, pd.DataFrame] = {}
    columns: dict[str, list[Column]] = {}
    cols = [*_key_columns("extractions"), _col("extractions", "title", "string", "The paper's title"),
            _col("extractions", "revision", "integer", "How many times the extraction was saved"),
            _col("extractions", "updated_at", "datetime", "When it was last saved (UTC)"),
            _col("extractions", "notes", "string", "The curator's notes")]
    rows = [{"paper_id": e.paper_id, "pmid": e.pmid, "doi": e.doi, "curator": e.curator, "extraction_status": e.status,
             "title": e.title, "revision": e.revision, "updated_at": e.updated_at, "notes": e.record.notes}
            for e in entries]
    tables["extractions"], columns["extractions"] = typed_frame(pd.DataFrame(rows), cols, info.warnings), cols
    for row_type in (Study, *ROW_TYPES):
        t = row_type.TABLE
        cols = [*_key_columns(t), _col(t, "row_uid", "string", "The row's id within the extraction"),
                _col(t, "position", "integer", "The row's place in its table (0 = first)"),
                _col(t, "row_status", "string", "accepted, or suggested (not yet reviewed)"),
                *[_value_column(t, s) for s in row_type.SPECS]]
        rows = []
        for e in entries:
            recs = [e.record.study] if row_type is Study else getattr(e.record, LIST_ATTR[row_type])
            for pos, r in enumerate(recs):
                if row_type is Study and r.is_empty():
                    continue
                rows.append({"paper_id": e.paper_id, "pmid": e.pmid, "doi": e.doi, "curator": e.curator,
                             "extraction_status": e.status, "row_uid": r.uid, "position": pos,
                             "row_status": r.row_status, **r.values()})
        tables[t], columns[t] = typed_frame(pd.DataFrame(rows), cols, info.warnings), cols
    info.counts = {t: len(df) for t, df in tables.items()}
    return Dataset(tables, columns, info)


_STATS = (("compared", "integer", "Values compared (given by at least one curator)"),
          ("agreements", "integer", "Values both curators gave alike (numbers within the tolerance)"),
          ("agreement", "number", "agreements / compared"),
          ("kappa", "number", "Cohen's kappa over the categorical values (empty: undefined or none)"),
          ("categorical_items", "integer", "Values kappa was computed over"),
          *((k.replace(" ", "_"), "integer", f"Disagreements: {k}") for k in KINDS))


def _stats_row(s: Stats) -> dict[str, Any]:
    d = {"compared": s.compared, "agreements": s.agreements, "agreement": s.proportion, "kappa": s.kappa,
         "categorical_items": s.categorical}
    d.update({k.replace(" ", "_"): n for k, n in s.by_kind.items()})
    return d


def _stats_columns(table: str) -> list[Column]:
    return [_col(table, n, t, d) for n, t, d in _STATS]


def agreement_dataset(comparisons: Sequence[PaperComparison], titles: dict[int, str], info: ExportInfo) -> Dataset:
    """`comparisons` of papers (titles by paper id) as agreement tables; curators in every row."""
    s = summarize(comparisons)
    pair = sorted({(c.a_name, c.b_name) for c in comparisons})
    a_names = " | ".join(dict.fromkeys(a for a, _ in pair))
    b_names = " | ".join(dict.fromkeys(b for _, b in pair))
    who = [_col("", "curator_a", "string", "Extraction A's curator"),
           _col("", "curator_b", "string", "Extraction B's curator")]

    def cols(table: str, first: list[Column]) -> list[Column]:
        return [Column(table, c.name, c.label, c.type, c.unit, c.allowed, c.description)
                for c in (*first, *who, *_stats_columns(table))]

    tables: dict[str, pd.DataFrame] = {}
    columns: dict[str, list[Column]] = {}

    def put(table: str, first: list[Column], rows: list[dict[str, Any]]) -> None:
        c = cols(table, first)
        tables[table], columns[table] = typed_frame(pd.DataFrame(rows), c, info.warnings), c

    put("agreement_overall", [_col("agreement_overall", "papers", "integer", "Papers compared")],
        [{"papers": len(comparisons), "curator_a": a_names, "curator_b": b_names, **_stats_row(s.overall)}])
    put("agreement_by_table", [_col("agreement_by_table", "table", "string", "Record table")],
        [{"table": t, "curator_a": a_names, "curator_b": b_names, **_stats_row(st)} for t, st in s.by_table.items()])
    put("agreement_by_field", [_col("agreement_by_field", "table", "string", "Record table"),
                               _col("agreement_by_field", "field", "string", "Column of that table")],
        [{"table": k.split(".")[0], "field": k.split(".", 1)[1], "curator_a": a_names, "curator_b": b_names,
          **_stats_row(st)} for k, st in s.by_field.items()])
    by_paper = {c.paper_id: c for c in comparisons}
    put("agreement_by_paper", [_col("agreement_by_paper", "paper_id", "integer", "The paper's id in the library"),
                               _col("agreement_by_paper", "title", "string", "The paper's title")],
        [{"paper_id": pid, "title": titles.get(pid, ""), "curator_a": by_paper[pid].a_name,
          "curator_b": by_paper[pid].b_name, **_stats_row(st)} for pid, st in s.by_paper.items()])
    dis_cols = [Column("disagreements", c.name, c.label, c.type, c.unit, c.allowed, c.description) for c in (
        _col("", "paper_id", "integer", "The paper's id in the library"),
        _col("", "table", "string", "Record table"), _col("", "field", "string", "Column of that table"),
        _col("", "row", "string", "The row, by the values it is matched on"),
        _col("", "kind", "string", "What differs", allowed=KINDS), *who,
        _col("", "a", "string", "Curator A's value (as text)"), _col("", "b", "string", "Curator B's value (as text)"))]
    rows = [{"paper_id": it.paper_id, "table": it.table, "field": it.field, "row": it.row, "kind": it.outcome,
             "curator_a": c.a_name, "curator_b": c.b_name, "a": None if it.a is None else str(it.a),
             "b": None if it.b is None else str(it.b)} for c in comparisons for it in c.disagreements]
    tables["disagreements"], columns["disagreements"] = typed_frame(pd.DataFrame(rows), dis_cols, info.warnings), dis_cols
    info.counts = {t: len(df) for t, df in tables.items()}
    return Dataset(tables, columns, info)
