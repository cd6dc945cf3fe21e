"""Writers: a `Dataset` in, files out. Each writes into the path it is given (the caller makes that
path a temporary beside the real output, see `safety.atomic_output`) and reports progress in rows
through a `Ticker`, which also raises `ExportCancelled` between chunks.

* CSV: one `<table>.csv` per table + `dictionary.csv`, `datapackage.json` (Frictionless Tabular Data
  Package) and `README.txt`, in a folder or a .zip; UTF-8, comma, "\\n", empty = missing; text cells
  neutralised against formulas.
* JSON: one file {"export": metadata, "readme": [...], "dictionary": [...], "tables": {table: [rows]}}.
* Parquet: one `<table>.parquet` per table + `dictionary.parquet`, `curator_export.json`, `README.txt`
  in a folder or a .zip; column descriptions and units are in each file's field metadata.
* SQLite: `sqlite_tables` prepares the tables; `curator.export.sqlite_file` writes the file.
* Excel: see `curator.export.xlsx`.
"""

from __future__ import annotations

import json
import re
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from curator.export.dataset import Dataset, readme_rows, readme_text
from curator.export.dictionary import Column
from curator.export.safety import NEUTRALISATION_NOTE, Ticker, neutralise_arrow

CHUNK = 25_000
ZIP_LEVEL = 1  # deflate level of .zip exports: level 6 is ~3x slower for files ~30 % smaller


# --- where files go: a folder or a zip ------------------------------------------------------------

class _Sink:
    def __init__(self, path: Path, as_zip: bool):
        self.path = path
        self.zip = (zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True,
                                    compresslevel=ZIP_LEVEL) if as_zip else None)
        self.files: list[str] = []

    @contextmanager
    def open(self, name: str, compress: bool = True) -> Iterator[IO[bytes]]:
        self.files.append(name)
        if self.zip is not None:
            if compress:  # the zip's own compression and level
                member: str | zipfile.ZipInfo = name
            else:
                member = zipfile.ZipInfo(name, date_time=_zip_time())
                member.compress_type = zipfile.ZIP_STORED
                member.external_attr = 0o644 << 16
            with self.zip.open(member, "w", force_zip64=True) as f:
                yield f
        else:
            with open(self.path / name, "wb") as f:
                yield f

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _zip_time() -> tuple[int, int, int, int, int, int]:
    t = time.localtime()
    return (max(1980, t.tm_year), t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


@contextmanager
def _sink(path: Path, as_zip: bool) -> Iterator[_Sink]:
    s = _Sink(path, as_zip)
    try:
        yield s
    finally:
        s.close()


def _write_text(sink: _Sink, name: str, text: str) -> None:
    with sink.open(name) as f:
        f.write(text.encode("utf-8"))


def output_tables(ds: Dataset) -> list[str]:
    return [*ds.tables, "dictionary"]


# --- Arrow: one typed table per output table, shared by the writers -----------------------------

_ARROW = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(), "string": pa.large_string(),
          "datetime": pa.large_string()}


def arrow_schema(columns: list[Column], meta: dict[str, str] | None = None) -> pa.Schema:
    """The Arrow schema of a table; each field carries its dictionary entry as metadata."""
    fields = []
    for c in columns:
        m = {"description": c.description, "label": c.label, "type": c.type}
        if c.unit:
            m["unit"] = c.unit
        if c.allowed:
            m["allowed_values"] = c.allowed_text or ""
        fields.append(pa.field(c.name, _ARROW[c.type], nullable=True, metadata=m))
    return pa.schema(fields, metadata=meta)


def arrow_table(ds: Dataset, table: str) -> pa.Table:
    """A table as Arrow, typed by the dictionary (text columns are shared with pandas, not copied)."""
    schema = arrow_schema(ds.all_columns()[table], {"table": table})
    return pa.Table.from_pandas(ds.frame(table), schema=schema, preserve_index=False)


def neutralised_table(ds: Dataset, table: str) -> pa.Table:
    """The Arrow table with its text cells neutralised for spreadsheets (numbers untouched)."""
    at = arrow_table(ds, table)
    for name in ds.formula_guarded_columns(table):
        i = at.schema.get_field_index(name)
        col = at.column(i)
        new = neutralise_arrow(col)
        if new is not col:
            at = at.set_column(i, at.schema.field(i), new)
    return at


# --- CSV + datapackage.json ---------------------------------------------------------------------

CSV_OPTIONS = pa_csv.WriteOptions(include_header=True, delimiter=",", eol="\n", quoting_style="needed")


def write_csv(ds: Dataset, path: Path, ticker: Ticker, as_zip: bool = False) -> list[str]:
    """Arrow's CSV writer: RFC 4180, header and text quoted, numbers not, missing = empty, LF line ends."""
    with _sink(path, as_zip) as sink:
        for table in output_tables(ds):
            at = neutralised_table(ds, table)
            with sink.open(f"{table}.csv") as f, pa_csv.CSVWriter(f, at.schema, write_options=CSV_OPTIONS) as w:
                if at.num_rows == 0:
                    w.write_table(at)
                for start in range(0, at.num_rows, CHUNK):
                    ticker.check()
                    part = at.slice(start, CHUNK)
                    w.write_table(part)
                    ticker.advance(part.num_rows, f"{table}.csv")
        _write_text(sink, "datapackage.json",
                    json.dumps(datapackage(ds), ensure_ascii=False, indent=2, default=str) + "\n")
        _write_text(sink, "README.txt", readme_text(ds))
        return list(sink.files)


_NAME_OK = re.compile(r"[^a-z0-9._-]+")


def _field(col: Column, values: pd.Series | None) -> dict[str, Any]:
    """A Frictionless field. `constraints.enum` lists the allowed values, written in the CSV as they
    are (no formula guard on a categorical column), when every value present is one of them."""
    f: dict[str, Any] = {"name": col.name, "title": col.label, "type": col.type, "description": col.description}
    if col.type == "datetime":
        f["format"] = "any"
    if col.unit:
        f["unit"] = col.unit
    if col.allowed:
        f["allowedValues"] = list(col.allowed)
        present = set() if values is None else set(values.dropna().unique().tolist())
        if present <= set(col.allowed):  # a draft may hold something else: then no constraint
            f["constraints"] = {"enum": list(col.allowed)}
    return f


PRIMARY_KEYS = {"papers": "paper_id", "provenance": ["row_uid", "field"], "dictionary": ["table", "column"]}


def datapackage(ds: Dataset, fmt: str = "csv") -> dict[str, Any]:
    """A Frictionless Tabular Data Package describing the CSV files (every column of every file)."""
    cols = ds.all_columns()
    resources = []
    for table in output_tables(ds):
        df = ds.frame(table)
        schema: dict[str, Any] = {
            "fields": [_field(c, df[c.name] if c.allowed and c.name in df.columns else None) for c in cols[table]],
            "missingValues": [""],
            "primaryKey": PRIMARY_KEYS.get(table, "row_uid"),
        }
        if table not in ("papers", "dictionary"):
            schema["foreignKeys"] = [{"fields": "paper_id", "reference": {"resource": "papers", "fields": "paper_id"}}]
        resources.append({
            "name": table,
            "path": f"{table}.{fmt}",
            "profile": "tabular-data-resource",
            "title": table,
            "description": _title(table),
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {"delimiter": ",", "lineTerminator": "\n", "quoteChar": '"', "doubleQuote": True,
                        "header": True},
            "schema": schema,
        })
    stamp = _NAME_OK.sub("-", ds.info.created_at.lower()).strip("-")
    return {
        "profile": "tabular-data-package",
        "name": f"curator-export-{stamp}",
        "title": "Curator export: CAR-T toxicity outcomes curated from papers",
        "description": readme_text(ds),
        "created": ds.info.created_at,
        "resources": resources,
        "curator": {**ds.info.to_dict(), "formula_protection": NEUTRALISATION_NOTE},
    }


def _title(table: str) -> str:
    from curator.export.dictionary import TABLE_TITLES
    return TABLE_TITLES.get(table, table)


# --- JSON ---------------------------------------------------------------------------------------

def _records(df: pd.DataFrame, chunk: int = 5_000) -> Iterator[list[tuple[Any, ...]]]:
    """Rows as tuples of plain Python values (None for missing, also NaN), a chunk at a time."""
    for start in range(0, len(df), chunk):
        part = df.iloc[start:start + chunk]
        cols = [part[c].to_numpy(dtype=object, na_value=None).tolist() for c in part.columns]
        yield list(zip(*cols)) if cols else [() for _ in range(len(part))]


def _lit(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


_JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"),
                 ("\b", "\\b"), ("\f", "\\f"))
_JSON_CONTROL = r"[\x00-\x07\x0b\x0e-\x1f]"


def json_values(col: pa.Array, kind: str) -> pa.Array:
    """Each value of a column as JSON text ('null' when missing), vectorised. Numbers keep their
    shortest exact form (a float always shows a '.' or an exponent); text keeps its Unicode."""
    if pa.types.is_null(col.type):
        out = pa.nulls(len(col), pa.large_string())
    elif kind in ("string", "datetime"):
        col = col.cast(pa.large_string())
        if pc.any(pc.match_substring_regex(col, _JSON_CONTROL)).as_py():  # rare: let json escape them
            dumps = json.JSONEncoder(ensure_ascii=False).encode
            out = pa.array([None if v is None else dumps(v) for v in col.to_pylist()], pa.large_string())
        else:
            for a, b in _JSON_ESCAPES:
                if pc.any(pc.match_substring(col, a)).as_py():
                    col = pc.replace_substring(col, a, b)
            out = pc.binary_join_element_wise(_lit('"'), col, _lit('"'), _lit(""))
    elif kind == "boolean":
        out = pc.if_else(col, _lit("true"), _lit("false"))
    else:
        if pa.types.is_floating(col.type):
            col = pc.if_else(pc.is_finite(col), col, pa.scalar(None, col.type))
            text = pc.cast(col, pa.large_string())
            whole = pc.match_substring_regex(text, "^-?[0-9]+$")
            out = pc.if_else(whole, pc.binary_join_element_wise(text, _lit(".0"), _lit("")), text)
        else:
            out = pc.cast(col, pa.large_string())
    return pc.fill_null(out, _lit("null"))


def json_rows(at: pa.Table, kinds: list[str]) -> pa.Array:
    """The rows of a table as JSON objects, each followed by ',\n'."""
    enc = json.JSONEncoder(ensure_ascii=False).encode
    pieces: list[Any] = []
    for i, name in enumerate(at.column_names):
        pieces += [_lit(("{" if i == 0 else ", ") + enc(name) + ": "),
                   json_values(at.column(i).combine_chunks(), kinds[i])]
    if not pieces:
        return pa.array(["{},\n"] * at.num_rows, pa.large_string())
    return pc.binary_join_element_wise(*pieces, _lit("},\n"), _lit(""))


def write_json(ds: Dataset, path: Path, ticker: Ticker) -> list[str]:
    """{"export": ..., "readme": [...], "dictionary": [...], "tables": {"papers": [{...}, ...], ...}}"""
    dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=str).encode
    cols = ds.all_columns()
    with open(path, "wb") as f:
        f.write(('{\n"export": ' + dumps(ds.info.to_dict())).encode())
        f.write((',\n"readme": ' + dumps([{"item": k, "text": v} for k, v in readme_rows(ds)])).encode())
        f.write((',\n"dictionary": ' + dumps(_dict_records(ds.dictionary()))).encode())
        f.write(b',\n"tables": {')
        for ti, table in enumerate(ds.tables):
            at = arrow_table(ds, table)
            kinds = [c.type for c in cols[table]]
            f.write(((",\n" if ti else "\n") + dumps(table) + ": [\n").encode())
            for start in range(0, at.num_rows, CHUNK):
                ticker.check()
                part = at.slice(start, CHUNK)
                data = utf8_view(json_rows(part, kinds))
                last = start + part.num_rows >= at.num_rows
                f.write(data[:-2] if last else data)  # no comma after the last row
                ticker.advance(part.num_rows, f"{table} (JSON)")
            f.write(b"]")
        f.write(b"\n}\n}\n")
    return [path.name]


def utf8_view(arr: pa.Array) -> memoryview:
    """The concatenated UTF-8 bytes of a string array without nulls (its data buffer, not copied)."""
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64 if pa.types.is_large_string(arr.type) else np.int32)
    first, last = int(offsets[arr.offset]), int(offsets[arr.offset + len(arr)])
    return memoryview(arr.buffers()[2])[first:last]


def _dict_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    names = list(df.columns)
    return [dict(zip(names, r)) for rows in _records(df) for r in rows]


# --- Parquet ------------------------------------------------------------------------------------

def write_parquet(ds: Dataset, path: Path, ticker: Ticker, as_zip: bool = False) -> list[str]:
    meta = {"curator_export": json.dumps(ds.info.to_dict(), ensure_ascii=False, default=str)}
    with _sink(path, as_zip) as sink:
        for table in output_tables(ds):
            ticker.check()
            at = arrow_table(ds, table)
            at = at.replace_schema_metadata({**(at.schema.metadata or {}), **meta})
            with sink.open(f"{table}.parquet", compress=False) as f:
                pq.write_table(at, f, compression="zstd")
            ticker.advance(at.num_rows, f"{table}.parquet")
        _write_text(sink, "curator_export.json", json.dumps(
            {"export": ds.info.to_dict(), "formula_protection": "none: text is exact in Parquet"},
            ensure_ascii=False, indent=2, default=str) + "\n")
        _write_text(sink, "README.txt", readme_text(ds))
        return list(sink.files)


# --- SQLite (the file itself is written by curator.export.sqlite_file) --------------------------

SQL_TYPES = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER", "string": "TEXT", "datetime": "TEXT"}


def sqlite_tables(ds: Dataset) -> list[tuple[str, list[tuple[str, str]], pd.DataFrame]]:
    """(table, [(column, SQL type)], frame) for every table of the SQLite file: the data tables, the
    dictionary and `export_info` (item, text) with the README lines."""
    out = []
    cols = ds.all_columns()
    for table in output_tables(ds):
        out.append((table, [(c.name, SQL_TYPES[c.type]) for c in cols[table]], ds.frame(table)))
    info = pd.DataFrame(readme_rows(ds), columns=["item", "text"], dtype="str")
    out.append(("export_info", [("item", "TEXT"), ("text", "TEXT")], info))
    return out


def sql_rows(df: pd.DataFrame) -> Iterator[list[tuple[Any, ...]]]:
    """Chunks of rows as tuples of plain Python values (None for missing; sqlite3 stores bool as 0/1)."""
    yield from _records(df, CHUNK)
