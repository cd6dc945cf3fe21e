"""The data dictionary: one entry per exported column, generated from the SQL schema (types) and the
row types' FieldSpecs (labels, units, allowed values, descriptions), plus the export's own columns.

Types are Frictionless Data Package types: integer, number, string, boolean, datetime.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from curator.domain.outcomes import (
    MADE_BY,
    OPERATORS,
    RECORD_STATUSES,
    ROW_ACCEPTED,
    ROW_SUGGESTED,
    TABLE_TYPES,
    FieldSpec,
)

DAY_UNIT = "day (day 0 = CAR-T infusion)"
OFFSET_UNIT = "characters"

TABLE_TITLES = {
    "papers": "One row per exported paper: bibliographic fields and the state of its curated record",
    "studies": "Study design and population: one row per paper",
    "arms": "Arms, cohorts and individual patients",
    "exposures": "Treatments: CAR-T product, lymphodepletion, toxicity treatment and prophylaxis",
    "toxicities": "Toxicities (CRS, ICANS, IEC-HS...) with grade, grading system and timing",
    "measurements": "Laboratory and vital-sign values: as reported and standardized",
    "comparisons": "Two values compared by the paper (before/after or group A/B) with the p-value",
    "time_to_event": "Survival and time-to-event outcomes (OS, EFS, PFS...)",
    "timeline_events": "Dated events of a case (day 0 = CAR-T infusion)",
    "provenance": "Where each value came from: one row per (row, column) with the quoted words and offsets",
    "dictionary": "This data dictionary",
}

# columns every table starts with
COMMON_COLUMNS: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    ("paper_id", "Paper id", "integer", (), "Curator's id of the paper; joins every table to papers.paper_id"),
    ("pmid", "PMID", "string", (), "PubMed id"),
    ("doi", "DOI", "string", (), "DOI, lower case, without a URL prefix"),
    ("status", "Record status", "string", RECORD_STATUSES,
     "Status of the paper's curated record: 'verified' unless drafts (or other statuses) were included"),
    ("curator", "Curator", "string", (), "Curator who verified the record"),
    ("verified_at", "Verified at", "datetime", (),
     "When the record was verified: ISO 8601, UTC (empty for a record that is not verified)"),
)
ROW_ID_COLUMNS: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    ("row_uid", "Row id", "string", (), "Stable id of the row; provenance.row_uid refers to it"),
    ("position", "Position", "integer", (), "Order of the row in the paper's table as curated (0 = first)"),
    ("row_status", "Row status", "string", (ROW_ACCEPTED, ROW_SUGGESTED),
     ("accepted = entered or accepted by the curator; suggested = proposed by the extractor and not yet "
     "reviewed (only in drafts)")),
)

PAPER_COLUMNS: dict[str, tuple[str, str, str]] = {  # name -> (label, type, description)
    "revision": ("Revision", "integer", "Revision of the record; it grows each time a verified record is edited"),
    "updated_at": ("Updated at", "datetime", "When the record was last saved: ISO 8601, UTC"),
    "pmcid": ("PMCID", "string", "PubMed Central id"),
    "title": ("Title", "string", "Title of the paper"),
    "first_author": ("First author", "string", "First author"),
    "authors": ("Authors", "string", "Authors in order, separated by '; '"),
    "journal": ("Journal", "string", "Journal"),
    "year": ("Year", "integer", "Year of publication"),
    "pub_date": ("Publication date", "string", "Publication date as precise as known: 2026-03-04, 2025-04 or 2025"),
    "volume": ("Volume", "string", "Journal volume"),
    "issue": ("Issue", "string", "Journal issue"),
    "pages": ("Pages", "string", "Pages or article number"),
    "abstract": ("Abstract", "string",
                 ("The paper's text that the quote offsets index into (text_field 'abstract'); paragraphs are "
                 "separated by a blank line")),
    "notes": ("Notes", "string", "Curator's notes on the record"),
    "contradicts": ("Contradicts itself", "boolean",
                    "True when the curator flagged that the paper contradicts itself"),
    "contradiction_comment": ("Contradiction", "string", "What the contradiction is"),
    "exclusion_reason": ("Exclusion reason", "string", "Why the paper was rejected or excluded"),
}

PROVENANCE_COLUMNS: dict[str, tuple[str, str, str]] = {
    "row_table": ("Table", "string", "Table of the row the source belongs to"),
    "row_uid": ("Row id", "string", "row_uid of that row in its table"),
    "field": ("Column", "string", "Column whose value the quote supports"),
    "value": ("Value", "string", "That column's value, as text, to check against the quote"),
    "text_field": ("Text", "string", "Which text of the paper the offsets index into ('abstract' = papers.abstract)"),
    "page": ("Page", "integer", "1-based page of the PDF the quote is on (text_field 'fulltext': the PDF's text, "
             "pages joined by a form feed); empty for other texts"),
    "start": ("Start", "integer",
              ("Offset of the quote's first character in that text (0-based, in Unicode characters): "
              "text[start:end] == quote")),
    "end": ("End", "integer", "Offset just after the quote's last character (exclusive)"),
    "quote": ("Quote", "string", "The words quoted from the paper"),
    "made_by": ("Made by", "string", "Who linked the value to these words: 'extractor' (a suggestion) or 'curator' "
                "(by hand); empty for links saved before Curator recorded it"),
    "accepted_by": ("Accepted by", "string", "Who accepted the extractor's link (empty for a link made by hand)"),
    "entered_by": ("Entered by", "string", "Who saved the source last"),
    "created_at": ("Saved at", "datetime", "When the source was saved: ISO 8601, UTC"),
    # a consensus value's two sources (issue 19): empty for a value of a record made by one curator
    "extracted_by": ("Extracted by", "string", "The two extractions a consensus value was settled from, 'A+B'"),
    "settled": ("Settled", "string", "How: 'agreed' (both gave it), the curator whose value was taken, or 'edited' "
                "(by the adjudicator, who is entered_by)"),
}

# columns the export derives (standardized values); name -> (label, type, unit, description)
_ANALYTE_STD = ("Analyte (vocabulary)", "string", None,
                "The analyte's canonical name in Curator's vocabulary (IFN-gamma, interferon gamma and IFN-γ all "
                "give IFN-γ); empty when the vocabulary does not know it. `analyte` keeps what was written")

DERIVED_COLUMNS: dict[str, dict[str, tuple[str, str, str | None, str]]] = {
    "measurements": {
        "analyte_std": _ANALYTE_STD,
        "value_std": ("Value (standard unit)", "number", "as in column unit_std",
                      ("value converted to unit_std, the analyte's standard unit; empty when no safe conversion "
                      "exists (conversion says why)")),
        "dispersion_low_std": ("Low (standard unit)", "number", "as in column unit_std", "dispersion_low converted to unit_std"),
        "dispersion_high_std": ("High (standard unit)", "number", "as in column unit_std", "dispersion_high converted to unit_std"),
        "unit_std": ("Standard unit", "string", None,
                     "The analyte's standard unit (UCUM-like code, e.g. pg/mL, 10*9/L, Cel) the *_std values are in"),
        "conversion": ("Conversion", "string", None,
                       ("The conversion applied to go from unit to unit_std ('same unit', '× 1000 (...)'), or why "
                       "the value was not converted")),
    },
    "comparisons": {
        "analyte_std": _ANALYTE_STD,
        "value_a_std": ("A (standard unit)", "number", "as in column unit_std", "value_a converted to unit_std"),
        "value_b_std": ("B (standard unit)", "number", "as in column unit_std", "value_b converted to unit_std"),
        "unit_std": ("Standard unit", "string", None,
                     "The analyte's standard unit (UCUM-like code) value_a_std and value_b_std are in"),
        "conversion": ("Conversion", "string", None,
                       "The conversion applied to go from unit to unit_std, or why the values were not converted"),
    },
}

# columns computed on save that have no FieldSpec
SCHEMA_EXTRAS: dict[tuple[str, str], tuple[str, str, tuple[str, ...], str]] = {
    ("comparisons", "p_operator"): ("P operator", "string", OPERATORS,
                                    "Operator of the p-value read from p_text ('P < 0.001' → <)"),
    ("comparisons", "p_value"): ("P value", "number", (), "Number of the p-value read from p_text ('P < 0.001' → 0.001)"),
}

# units the FieldSpecs leave implicit
UNIT_OVERRIDES: dict[tuple[str, str], str] = {
    ("measurements", "value"): "as in column unit",
    ("measurements", "dispersion_low"): "as in column unit",
    ("measurements", "dispersion_high"): "as in column unit",
    ("comparisons", "value_a"): "as in column unit",
    ("comparisons", "value_b"): "as in column unit",
    ("exposures", "dose"): "as in column dose_unit",
    ("time_to_event", "median"): "months",
}


@dataclass(frozen=True)
class Column:
    table: str
    name: str
    label: str
    type: str  # Frictionless type
    unit: str | None = None
    allowed: tuple[str, ...] = ()
    description: str = ""

    @property
    def allowed_text(self) -> str | None:
        return " | ".join(self.allowed) if self.allowed else None


DICTIONARY_COLUMNS = ("table", "column", "label", "type", "unit", "allowed_values", "description")
DICTIONARY_SELF: tuple[Column, ...] = tuple(
    Column("dictionary", n, n.replace("_", " ").capitalize(), "string", None, (), d) for n, d in (
        ("table", "Table (file, sheet) the column is in"),
        ("column", "Column name"),
        ("label", "The column's label in Curator's forms"),
        ("type", "integer, number, string, boolean or datetime (ISO 8601 text)"),
        ("unit", "Unit of the values, when fixed or given by another column"),
        ("allowed_values", "The values the column may hold, ' | '-separated"),
        ("description", "What the column holds"),
    ))


def sql_to_type(sql_type: str) -> str:
    t = (sql_type or "").upper()
    if "INT" in t:
        return "integer"
    if any(k in t for k in ("REAL", "FLOA", "DOUB", "NUM")):
        return "number"
    return "string"


def _kind_type(spec: FieldSpec, sql_type: str) -> str:
    if spec.kind == "bool":
        return "boolean"
    return sql_to_type(sql_type)


def _unit(table: str, name: str, spec: FieldSpec | None) -> str | None:
    if (table, name) in UNIT_OVERRIDES:
        return UNIT_OVERRIDES[(table, name)]
    if spec is not None and spec.unit:
        return spec.unit
    if name == "day" or name.endswith("_day"):
        return DAY_UNIT
    return None


def _spec_description(spec: FieldSpec) -> str:
    text = spec.description or spec.label
    if spec.vocabulary:
        text += f" (normalised through the '{spec.vocabulary}' vocabulary)"
    return text


def common_columns(table: str, with_row_ids: bool = True) -> list[Column]:
    cols = [Column(table, n, lab, typ, None, allowed, desc) for n, lab, typ, allowed, desc in COMMON_COLUMNS]
    if with_row_ids:
        cols += [Column(table, n, lab, typ, None, allowed, desc) for n, lab, typ, allowed, desc in ROW_ID_COLUMNS]
    return cols


def paper_columns(names: Sequence[str]) -> list[Column]:
    out = common_columns("papers", with_row_ids=False)
    have = {c.name for c in out}
    for n in names:
        if n in have:
            continue
        lab, typ, desc = PAPER_COLUMNS.get(n, (n, "string", n))
        out.append(Column("papers", n, lab, typ, None, (), desc))
    return out


def value_columns(table: str, schema: Sequence[tuple[str, str]]) -> list[Column]:
    """The value columns of a record table, from its SQL schema and its row type's FieldSpecs."""
    row_type = TABLE_TYPES[table]
    specs = {s.name: s for s in row_type.SPECS}
    out = []
    for name, sql_type in schema:
        spec = specs.get(name)
        if spec is not None:
            out.append(Column(table, name, spec.label, _kind_type(spec, sql_type), _unit(table, name, spec),
                              tuple(spec.choices), _spec_description(spec)))
        elif (table, name) in SCHEMA_EXTRAS:
            lab, typ, allowed, desc = SCHEMA_EXTRAS[(table, name)]
            out.append(Column(table, name, lab, typ, None, allowed, desc))
        else:  # a column a later migration added without a FieldSpec
            out.append(Column(table, name, name, sql_to_type(sql_type), _unit(table, name, None), (), name))
    return out


def derived_columns(table: str) -> list[Column]:
    return [Column(table, n, lab, typ, unit, (), desc)
            for n, (lab, typ, unit, desc) in DERIVED_COLUMNS.get(table, {}).items()]


def source_columns(table: str, field: str, label: str, with_text_field: bool) -> list[Column]:
    where = f"{field}__text_field" if with_text_field else "papers.abstract"
    cols = [
        Column(table, f"{field}__quote", f"{label}: quote", "string", None, (),
               f"The words of the paper {field} was read from"),
        Column(table, f"{field}__start", f"{label}: start", "integer", OFFSET_UNIT, (),
               f"Offset of the first character of {field}__quote in {where} (0-based, Unicode characters)"),
        Column(table, f"{field}__end", f"{label}: end", "integer", OFFSET_UNIT, (),
               f"Offset just after the last character of {field}__quote (exclusive): "
               f"text[{field}__start:{field}__end] == {field}__quote"),
    ]
    if with_text_field:
        cols.append(Column(table, f"{field}__text_field", f"{label}: text", "string", None, (),
                           f"Which text of the paper {field}__start/{field}__end index into "
                           "('abstract' = papers.abstract)"))
    return cols


def provenance_columns(tables: Sequence[str]) -> list[Column]:
    out = common_columns("provenance", with_row_ids=False)
    for n, (lab, typ, desc) in PROVENANCE_COLUMNS.items():
        allowed = tuple(tables) if n == "row_table" else MADE_BY if n == "made_by" else ()
        unit = OFFSET_UNIT if n in ("start", "end") else None
        out.append(Column("provenance", n, lab, typ, unit, allowed, desc))
    return out


def dictionary_frame(columns: Sequence[Column]) -> pd.DataFrame:
    """The dictionary as a table: table, column, label, type, unit, allowed_values, description."""
    rows = [(c.table, c.name, c.label, c.type, c.unit, c.allowed_text, c.description) for c in columns]
    return pd.DataFrame(rows, columns=list(DICTIONARY_COLUMNS), dtype="str")
