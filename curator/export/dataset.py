"""The export dataset: the store's rows turned into tidy, typed, documented tables (pure).

Input: the frames `curator.store.export_queries` reads (one per table) and the SQL schema.
Output: a `Dataset` of typed DataFrames in a fixed table order, with a data dictionary entry for
every column and the export's metadata (date, library, filters, counts, warnings).

Design (see also README lines below, written into every export):
* every row starts with paper_id, pmid, doi, status, curator, verified_at; record rows then have
  row_uid, position, row_status, then the table's value columns in schema order;
* measurements and comparisons add the standardized values (`*_std`, unit_std, conversion);
* each value column that has a source in the export gets `<col>__quote`, `<col>__start` and
  `<col>__end` (and `<col>__text_field` if a source is not in the abstract); `provenance` holds
  every source, one row per (row, column), with the value it supports;
* days are kept exactly as the paper states them (day 0 = CAR-T infusion).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from curator.export import dictionary as dd
from curator.export.dictionary import Column
from curator.export.safety import NEUTRALISATION_NOTE
from curator.export.standardize import Standardizer, standardize_frame

ROW_TABLES = ("studies", "arms", "exposures", "toxicities", "measurements", "comparisons", "time_to_event",
              "timeline_events")
TABLES = ("papers", *ROW_TABLES, "provenance")
STANDARDIZED = {
    "measurements": (("value", "dispersion_low", "dispersion_high"),
                     ("value_std", "dispersion_low_std", "dispersion_high_std")),
    "comparisons": (("value_a", "value_b"), ("value_a_std", "value_b_std")),
}
TEXT_TYPES = ("string", "datetime")


@dataclass
class ExportInfo:
    created_at: str
    library: str
    schema_version: int
    app_version: str
    format: str
    filters: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    standardization: str = "curator.domain.units.standardize"

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Dataset:
    tables: dict[str, pd.DataFrame]
    columns: dict[str, list[Column]]
    info: ExportInfo
    cache: dict[str, Any] = field(default_factory=dict, repr=False)  # writers' conversions, e.g. Arrow tables

    def dictionary(self) -> pd.DataFrame:
        if "dictionary" not in self.cache:
            cols = [c for t in self.tables for c in self.columns[t]]
            self.cache["dictionary"] = dd.dictionary_frame([*cols, *dd.DICTIONARY_SELF])
        return self.cache["dictionary"]

    def all_columns(self) -> dict[str, list[Column]]:
        """Columns of every table written, the dictionary included."""
        return {**self.columns, "dictionary": list(dd.DICTIONARY_SELF)}

    def text_columns(self, table: str) -> list[str]:
        return [c.name for c in self.all_columns()[table] if c.type in TEXT_TYPES]

    def formula_guarded_columns(self, table: str) -> set[str]:
        """The text columns a spreadsheet export guards against formulas: every one but a categorical
        column whose values are all documented values (a comparison operator '=' from the closed list
        is data that analysts filter on, not a formula); a draft's free value keeps the guard."""
        df = self.frame(table)
        guarded = set()
        for c in self.all_columns()[table]:
            if c.type not in TEXT_TYPES:
                continue
            if c.allowed and c.name in df.columns and set(df[c.name].dropna().unique().tolist()) <= set(c.allowed):
                continue
            guarded.add(c.name)
        return guarded

    def frame(self, table: str) -> pd.DataFrame:
        return self.dictionary() if table == "dictionary" else self.tables[table]


# --- typing --------------------------------------------------------------------------------------

def _bad(warnings: list[str], table: str, col: str, n: int, typ: str) -> None:
    warnings.append(f"{table}.{col}: {n} value(s) that are not valid {typ} values (only drafts can hold them) "
                    "were left empty")


def cast_series(s: pd.Series, col: Column, warnings: list[str]) -> pd.Series:
    """A column in its dictionary type: Int64, float64, boolean or str (missing = NA/NaN)."""
    if col.type == "integer":
        if pd.api.types.is_integer_dtype(s.dtype):
            return s.astype("Int64")
        num = pd.to_numeric(s, errors="coerce")
        bad = s.notna() & (num.isna() | (num.fillna(0) % 1 != 0))
        if bad.any():
            _bad(warnings, col.table, col.name, int(bad.sum()), "whole-number")
            num = num.mask(bad)
        return num.astype("Int64")
    if col.type == "number":
        if pd.api.types.is_float_dtype(s.dtype):
            return s.astype("float64")
        num = pd.to_numeric(s, errors="coerce")
        bad = s.notna() & num.isna()
        if bad.any():
            _bad(warnings, col.table, col.name, int(bad.sum()), "number")
        return num.astype("float64")
    if col.type == "boolean":
        num = pd.to_numeric(s, errors="coerce")
        return num.map(lambda v: None if pd.isna(v) else bool(v)).astype("boolean")
    if s.dtype == "str":
        return s
    return s.astype("str")


def typed_frame(df: pd.DataFrame, columns: Sequence[Column], warnings: list[str]) -> pd.DataFrame:
    n = len(df)
    data = {}
    for c in columns:
        s = df[c.name].reset_index(drop=True) if c.name in df.columns else pd.Series([None] * n, dtype=object)
        data[c.name] = cast_series(s, c, warnings)
    return pd.DataFrame(data, index=pd.RangeIndex(n))


# --- building ------------------------------------------------------------------------------------

def _authors(v: Any) -> Any:
    if not isinstance(v, str):
        return v
    try:
        names = json.loads(v)
    except ValueError:
        return v
    return "; ".join(str(n) for n in names) if isinstance(names, list) else v


def _value_text(s: pd.Series, pos: np.ndarray) -> pa.Array:
    """Values at `pos` of a column as text (numbers in their shortest exact form), for provenance.value."""
    arr = pa.array(s.take(pos), from_pandas=True)
    return arr if pa.types.is_large_string(arr.type) else pc.cast(arr, pa.large_string())


def _scatter(values: pd.Series, pos: np.ndarray, n: int) -> pa.Array:
    """An array of length n holding values[i] at pos[i] and nulls elsewhere."""
    idx = np.full(n, -1, dtype=np.int64)
    idx[pos] = np.arange(len(pos))
    arr = pa.array(values, from_pandas=True)
    return arr.take(pa.array(idx, mask=idx < 0))


def _to_pandas(arr: pa.Array) -> Any:
    if pa.types.is_large_string(arr.type) or pa.types.is_string(arr.type):
        return arr.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow", na_value=np.nan)).array
    if pa.types.is_integer(arr.type):
        return arr.to_pandas(types_mapper=lambda t: pd.Int64Dtype()).array
    return arr.to_pandas().array


def _groups(prov: pd.DataFrame) -> dict[tuple[str, str], np.ndarray]:
    """Positions of the provenance rows of each (table, field)."""
    if prov.empty:
        return {}
    return {(str(t), str(f)): idx for (t, f), idx in
            prov.groupby(["row_table", "field"], sort=False, dropna=False).indices.items()}


def _source_columns(table: str, df: pd.DataFrame, value_cols: Sequence[Column], prov: pd.DataFrame,
                    groups: Mapping[tuple[str, str], np.ndarray]) -> tuple[dict[str, Any], list[Column]]:
    """`<col>__quote/__start/__end` for every value column that has a source among these rows."""
    data: dict[str, Any] = {}
    cols: list[Column] = []
    if df.empty:
        return data, cols
    index = pd.Index(df["row_uid"])
    n = len(df)
    for vc in value_cols:
        rows = groups.get((table, vc.name))
        if rows is None:
            continue
        sub = prov.iloc[rows]
        pos = index.get_indexer(sub["row_uid"])
        keep = pos >= 0
        pos = pos[keep]
        sub = sub[keep]
        with_tf = bool((sub["text_field"].fillna("abstract") != "abstract").any())
        extra = dd.source_columns(table, vc.name, vc.label, with_tf)
        data[f"{vc.name}__quote"] = _to_pandas(_scatter(sub["quote"].astype("str"), pos, n))
        for k in ("start", "end"):
            data[f"{vc.name}__{k}"] = _to_pandas(_scatter(pd.to_numeric(sub[k]).astype("Int64"), pos, n))
        if with_tf:
            data[f"{vc.name}__text_field"] = _to_pandas(_scatter(sub["text_field"].astype("str"), pos, n))
        cols.extend(extra)
    return data, cols


def build_dataset(raw: Mapping[str, pd.DataFrame], schema: Mapping[str, Sequence[tuple[str, str]]],
                  info: ExportInfo, standardizer: Standardizer | None = None) -> Dataset:
    """Typed, documented tables from the store's frames. `schema[table]` is the table's value columns
    as (name, SQL type); `standardizer` is `curator.domain.units.standardize` or None (as reported)."""
    warnings = info.warnings
    tables: dict[str, pd.DataFrame] = {}
    columns: dict[str, list[Column]] = {}

    papers_raw = raw["papers"].copy()
    if "authors" in papers_raw:
        papers_raw["authors"] = papers_raw["authors"].map(_authors)
    pcols = dd.paper_columns(list(papers_raw.columns))
    tables["papers"] = typed_frame(papers_raw, pcols, warnings)
    columns["papers"] = pcols

    meta = tables["papers"][[c[0] for c in dd.COMMON_COLUMNS]]
    prov_raw = raw["provenance"].reset_index(drop=True)
    groups = _groups(prov_raw)
    value_cols: dict[str, list[Column]] = {}
    for t in ROW_TABLES:
        vcols = dd.value_columns(t, schema[t])
        value_cols[t] = vcols
        base = [*dd.common_columns(t), *vcols]
        df = typed_frame(with_meta(raw[t], meta), base, warnings)
        cols = list(base)
        if t in STANDARDIZED:
            src, dst = STANDARDIZED[t]
            std = standardize_frame(df, src, dst, fn=standardizer)
            for c in std.columns:
                df[c] = std[c].to_numpy() if c not in ("unit_std", "conversion", "analyte_std") else std[c].array
            cols += dd.derived_columns(t)
            df = df[[c.name for c in cols]]
        sdata, scols = _source_columns(t, df, vcols, prov_raw, groups)
        if sdata:
            df = pd.concat([df, pd.DataFrame(sdata, index=df.index)], axis=1)
            cols += scols
        tables[t] = df
        columns[t] = cols

    tables["provenance"], columns["provenance"] = _provenance(prov_raw, groups, tables, value_cols, meta, warnings)
    info.counts = {t: len(df) for t, df in tables.items()}
    return Dataset(tables, columns, info)


def with_meta(df: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """`df` with its paper's ids and verification (the columns of `meta`) in front."""
    pos = pd.Index(meta["paper_id"]).get_indexer(df["paper_id"])
    if (pos < 0).any():  # a row of a paper that is not exported: never kept
        df = df[pos >= 0]
        pos = pos[pos >= 0]
    front = {c: meta[c].take(pos).reset_index(drop=True) for c in meta.columns}
    rest = {c: df[c].reset_index(drop=True) for c in df.columns if c not in front}
    return pd.DataFrame({**front, **rest}, index=pd.RangeIndex(len(pos)))


def _provenance(prov: pd.DataFrame, groups: Mapping[tuple[str, str], np.ndarray], tables: Mapping[str, pd.DataFrame],
                value_cols: Mapping[str, list[Column]], meta: pd.DataFrame, warnings: list[str]
                ) -> tuple[pd.DataFrame, list[Column]]:
    """Sources of the exported rows (a row left out by a filter takes its sources with it), in paper,
    table, row and column order, each with the value it supports."""
    cols = dd.provenance_columns(ROW_TABLES)
    n = len(prov)
    value = np.full(n, -1, dtype=np.int64)  # index into the concatenated `texts`
    texts: list[pa.Array] = []
    offset = 0
    keep = np.zeros(n, dtype=bool)
    pos_rank = np.zeros(n, dtype=np.int64)
    table_rank = np.zeros(n, dtype=np.int64)
    field_rank = np.zeros(n, dtype=np.int64)
    uids: dict[str, pd.Index] = {}
    for (t, f), rows in groups.items():
        if t not in tables or t not in value_cols:
            continue
        df = tables[t]
        if t not in uids:
            uids[t] = pd.Index(df["row_uid"])
        pos = uids[t].get_indexer(prov["row_uid"].take(rows))
        found = pos >= 0
        r, p = rows[found], pos[found]
        if not len(r):
            continue
        order = [c.name for c in value_cols[t]]
        keep[r] = True
        table_rank[r] = ROW_TABLES.index(t)
        pos_rank[r] = df["position"].to_numpy(dtype=np.int64, na_value=0)[p]
        field_rank[r] = order.index(f) if f in order else len(order)
        if f in order:
            texts.append(_value_text(df[f], p))
            value[r] = np.arange(offset, offset + len(r))
            offset += len(r)
    all_texts = pa.concat_arrays(texts) if texts else pa.array([], type=pa.large_string())
    value_col = _to_pandas(all_texts.take(pa.array(value, mask=value < 0)))
    prov = prov.assign(value=value_col, _t=table_rank, _p=pos_rank, _f=field_rank)[keep]
    prov = prov.sort_values(["paper_id", "_t", "_p", "_f"], kind="stable")
    return typed_frame(with_meta(prov, meta), cols, warnings), cols


# --- README --------------------------------------------------------------------------------------

def _filters_text(f: Mapping[str, Any]) -> list[tuple[str, str]]:
    ids = f.get("paper_ids")
    analytes = f.get("analytes")
    vf, vt = f.get("verified_from"), f.get("verified_to")
    if vf or vt:
        dates = f"verified from {vf or 'the start'} to {vt or 'today'} (inclusive, UTC dates)"
    else:
        dates = "any date"
    return [
        ("Records", ", ".join(f.get("statuses") or []) + (" (drafts included)" if f.get("include_drafts") else "")),
        ("Papers", "all papers with a matching record" if ids is None
         else f"{len(ids)} selected: " + ", ".join(str(i) for i in ids)),
        ("Date verified", dates),
        ("Analyte", "any" if not f.get("analyte_requested") else
         " | ".join(f["analyte_requested"]) + " (stored as: " + (" | ".join(analytes or []) or "none") + "); "
         "the papers reporting it, with only its measurements and comparisons"),
    ]


def readme_rows(ds: Dataset) -> list[tuple[str, str]]:
    """(item, text) lines describing the export: the Excel README sheet and README.txt."""
    i = ds.info
    rows: list[tuple[str, str]] = [
        ("Curator export", "CAR-T toxicity outcomes curated from papers"),
        ("Exported at", f"{i.created_at} (UTC)"),
        ("Curator version", i.app_version),
        ("Library", f"{i.library} (schema version {i.schema_version})"),
        ("Format", i.format),
    ]
    rows += [(f"Filter: {k}", v) for k, v in _filters_text(i.filters)]
    rows += [(f"Rows: {t}", str(n)) for t, n in i.counts.items()]
    rows += [(f"Table: {t}", dd.TABLE_TITLES.get(t, t)) for t in (*ds.tables, "dictionary")]
    rows += [
        ("Keys", ("Every row carries paper_id, pmid, doi, status, curator and verified_at; join tables on paper_id. "
                 "Rows of record tables have a stable row_uid; provenance refers to it (row_table, row_uid, field).")),
        ("Days", "Days are kept exactly as the paper states them: day 0 = CAR-T infusion; nothing is shifted."),
        ("Values", ("value and unit are as reported. value_std (and the other *_std columns) hold the value in "
                   "unit_std, the analyte's standard unit, and conversion says which conversion was used, or why "
                   "none was (unsafe conversions such as D-dimer FEU/DDU are refused and left empty).")),
        ("Sources", ("Beside each value that has a source: <column>__quote (the words of the paper), "
                    "<column>__start and <column>__end (offsets into papers.abstract, in Unicode characters, end "
                    "exclusive: abstract[start:end] == quote). Every source is also a row of provenance.")),
        ("Comparisons", "p_text is the p-value as written; p_operator and p_value are read from it."),
        ("Missing values", "An empty cell is a missing value."),
        ("Text", "Text is kept exactly (IFN-γ, µ, ≥). CSV files are UTF-8 without a byte-order mark."),
        ("Formula protection", NEUTRALISATION_NOTE),
        ("Dictionary", "Every column of every table is described in the dictionary: type, unit, allowed values."),
    ]
    rows += [("Warning", w) for w in i.warnings]
    return rows


def readme_text(ds: Dataset) -> str:
    width = max(len(k) for k, _ in readme_rows(ds))
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in readme_rows(ds)) + "\n"
