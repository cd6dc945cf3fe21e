"""Export: drafts, round trips through pandas for every format, formula neutralisation, the data
dictionary / datapackage.json, atomic output, cancel, filters, standardized values."""

from __future__ import annotations

import io
import json
import math
import re
import sqlite3
import threading
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from curator.domain.outcomes import (
    LIST_ATTR,
    ROW_TYPES,
    Arm,
    Comparison,
    Exposure,
    Measurement,
    Record,
    Span,
    Study,
    TimelineEvent,
    TimeToEvent,
    Toxicity,
)
from curator.domain.paper import Paper
from curator.export import restore_formula_text, restore_series, writers, xlsx
from curator.export import standardize as std_mod
from curator.services import curation
from curator.services import export as export_service
from curator.services.export import ExportCancelled, ExportError, export_dataset, preview_counts
from curator.store.library import Library

DATA_TABLES = ("papers", "studies", "arms", "exposures", "toxicities", "measurements", "comparisons",
               "time_to_event", "timeline_events", "provenance")

ABSTRACT_A = ("Serum IFN-γ fell from 120.5 pg/mL before emapalumab to 12 ng/mL after it (P < 0.001). "
              "CAR-T cells peaked at 35 cells/µL on day 7. Grade 2 CRS began on day 1.")
ABSTRACT_B = "=HYPERLINK(\"http://x\") IL-6 was 3.5 pg/mL. ICANS grade 1."
FORMULAS = ("=1+2", "+SUM(A1)", "-cmd", "@x", "'=kept")


def _span(text: str, quote: str) -> Span:
    i = text.index(quote)
    return Span(i, i + len(quote), quote)


def _record_a(pid: int) -> Record:
    r = Record(paper_id=pid, notes="IFN-γ blocked; µ kept")
    r.study = Study(design="case report", n_enrolled=1, disease="B-ALL", car_t_product="tisagenlecleucel",
                    target="CD19", follow_up="6 months")
    r.arms.append(Arm(label="Patient 1", kind="patient", n=1, age="7", sex="F"))
    r.exposures.append(Exposure(agent="emapalumab", role="toxicity treatment", indication="IEC-HS", dose=1.0,
                                dose_unit="mg/kg", route="IV", n_doses=2, start_day=-1, end_day=3, arm="Patient 1"))
    r.toxicities.append(Toxicity(syndrome="CRS", grading_system="ASTCT_2019", grade=2, onset_day=1,
                                 resolution_day=5, arm="Patient 1"))
    m1 = Measurement(analyte="IFN-γ", specimen="serum", day=-3, timepoint="before emapalumab", statistic="value",
                     operator="=", value=120.5, unit="pg/mL", arm=FORMULAS[0])
    m1.sources = {"value": _span(ABSTRACT_A, "120.5 pg/mL"), "analyte": _span(ABSTRACT_A, "IFN-γ")}
    m2 = Measurement(analyte="IFN-γ", specimen="serum", day=5, timepoint="after emapalumab", value=12.0,
                     unit="ng/mL", arm="Patient 1")
    m2.sources = {"value": _span(ABSTRACT_A, "12 ng/mL")}
    m3 = Measurement(analyte="CAR-T cell count", specimen="blood", day=7, statistic="peak", value=35.0,
                     unit="cells/µL", timepoint=FORMULAS[2])
    m3.sources = {"unit": _span(ABSTRACT_A, "cells/µL")}
    m4 = Measurement(analyte="temperature", day=1, value=101.3, unit="°F")
    m5 = Measurement(analyte="sCD25", day=2, value=2500.0, unit="pg/mL")  # refused: mass ↔ activity
    r.measurements += [m1, m2, m3, m4, m5]
    c = Comparison(analyte="IFN-γ", value_a=120.5, value_b=-3.2, unit="ng/mL", p_text="P < 0.001",
                   label_a="before emapalumab", label_b=FORMULAS[1], test="paired t-test", n=1)
    c.sources = {"p_text": _span(ABSTRACT_A, "P < 0.001")}
    r.comparisons.append(c)
    r.time_to_event.append(TimeToEvent(endpoint="OS", horizon="6 months", rate=80.0, ci_level=95.0, ci_low=60.0,
                                       ci_high=90.0, median_text="not reached", arm="all"))
    r.events += [TimelineEvent(day=0, event='CAR-T "infusion" \\ day\nzero\tIFN-γ', arm="Patient 1"),
                 TimelineEvent(day=-5, event=FORMULAS[3], arm="Patient 1")]
    return r


def _record_b(pid: int) -> Record:
    r = Record(paper_id=pid)
    r.study = Study(design="retrospective cohort", n_enrolled=20, car_t_product_as_reported=FORMULAS[4])
    m = Measurement(analyte="IL-6", specimen="serum", day=3, value=3.5, unit="pg/mL", arm="cohort")
    m.sources = {"value": _span(ABSTRACT_B, "3.5 pg/mL")}
    r.measurements.append(m)
    r.toxicities.append(Toxicity(syndrome="ICANS", grading_system="ASTCT_2019", grade=1, n_patients=3,
                                 percent=15.0))
    return r


def _record_c(pid: int) -> Record:
    r = Record(paper_id=pid)
    r.measurements.append(Measurement(analyte="IL-6", value=50.0, unit="pg/mL", day=2))
    return r


@pytest.fixture
def lib(new_target, tmp_path):
    lib = Library.open(new_target("lib"))
    with lib.transaction():
        ids = lib.insert_papers([
            Paper(title="Emapalumab for IEC-HS after CAR-T: IFN-γ", authors=["Ana Ruiz", "Jörg Müller"],
                  journal="Front Immunol", pub_date="2026-03-04", pmid="41000001", doi="10.3389/fimmu.2026.1",
                  abstract=ABSTRACT_A),
            Paper(title="ICANS cohort", authors=["B Bo"], pmid="41000002", doi="10.1/b", year=2025,
                  abstract=ABSTRACT_B),
            Paper(title="A draft only", pmid="41000003", abstract="IL-6 50 pg/mL"),
            Paper(title="Not curated", pmid="41000004"),
        ])
    a, b, c = _record_a(ids[0]), _record_b(ids[1]), _record_c(ids[2])
    for rec, who in ((a, "Ana"), (b, "Bo")):
        curation.save_draft(lib, rec, who)
        curation.verify(lib, rec, who)
    curation.save_draft(lib, c, "Cy")
    lib.ids = ids  # type: ignore[attr-defined]
    yield lib
    lib.close()


# --- reading exports back with pandas ----------------------------------------------------------------

_PD_TYPES = {"string": "str", "datetime": "str", "integer": "Int64", "number": "float64", "boolean": "boolean"}


def _read_csv_package(open_member) -> dict[str, pd.DataFrame]:
    dp = json.loads(open_member("datapackage.json").read().decode("utf-8"))
    out = {}
    for res in dp["resources"]:
        fields = res["schema"]["fields"]
        dtype = {f["name"]: _PD_TYPES[f["type"]] for f in fields}
        df = pd.read_csv(open_member(res["path"]), dtype=dtype, keep_default_na=False, na_values=[""],
                         encoding="utf-8")
        for f in fields:
            if f["type"] in ("string", "datetime"):
                df[f["name"]] = restore_series(df[f["name"]])
        out[res["name"]] = df
    return out


def read_back(fmt: str, path: Path) -> dict[str, pd.DataFrame]:
    if fmt == "csv":
        return _read_csv_package(lambda n: open(path / n, "rb"))
    if fmt == "csv.zip":
        zf = zipfile.ZipFile(path)
        return _read_csv_package(lambda n: io.BytesIO(zf.read(n)))
    if fmt == "xlsx":  # text columns read as text, as the dictionary sheet says
        d = pd.read_excel(path, sheet_name="dictionary", dtype=str)
        sheets = {}
        for name in pd.ExcelFile(path).sheet_names:
            dd = d[d["table"] == name]
            text = {c: str for c, t in zip(dd["column"], dd["type"]) if t in ("string", "datetime")}
            df = pd.read_excel(path, sheet_name=name, dtype=text if name != "dictionary" else str)
            for c in text:
                df[c] = df[c].map(restore_formula_text)
            sheets[name] = df
        return sheets
    if fmt == "json":
        data = json.loads(path.read_text(encoding="utf-8"))
        return {**{t: pd.DataFrame(rows) for t, rows in data["tables"].items()},
                "dictionary": pd.DataFrame(data["dictionary"])}
    if fmt == "parquet":
        return {p.stem: pd.read_parquet(p) for p in path.glob("*.parquet")}
    if fmt == "parquet.zip":
        zf = zipfile.ZipFile(path)
        return {Path(n).stem: pd.read_parquet(io.BytesIO(zf.read(n))) for n in zf.namelist() if n.endswith(".parquet")}
    if fmt == "sqlite":
        conn = sqlite3.connect(path)
        try:
            names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {n: pd.read_sql_query(f'SELECT * FROM "{n}"', conn) for n in names}
        finally:
            conn.close()
    raise AssertionError(fmt)


FORMAT_CASES = [("csv", "csv", "out_csv"), ("csv.zip", "csv", "out.zip"), ("xlsx", "xlsx", "out.xlsx"),
                ("json", "json", "out.json"), ("parquet", "parquet", "out_parquet"),
                ("parquet.zip", "parquet", "out_pq.zip"), ("sqlite", "sqlite", "out.sqlite")]


def _norm(v):
    """Missing values (None, NaN, NA, '') as None; numbers as float; text as is."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or v == "":
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)) or hasattr(v, "dtype"):
        return float(v)
    return v


def _expected(lib: Library, paper_ids) -> dict[str, dict[str, dict]]:
    """What the store holds, by table and row uid (through Library.load_record)."""
    out: dict[str, dict[str, dict]] = {t.TABLE: {} for t in (Study, *ROW_TYPES)}
    for pid in paper_ids:
        rec = lib.load_record(pid)
        for t in (Study, *ROW_TYPES):
            rows = [rec.study] if t is Study else getattr(rec, LIST_ATTR[t])
            for row in rows:
                out[t.TABLE][row.uid] = {"paper_id": pid, "status": rec.status, "curator": rec.curator,
                                         "verified_at": rec.verified_at, "values": row.values(),
                                         "sources": row.sources}
    return out


def _assert_matches_store(lib: Library, tables: dict[str, pd.DataFrame], paper_ids) -> None:
    expected = _expected(lib, paper_ids)
    papers = tables["papers"].set_index(tables["papers"]["paper_id"].astype(int))
    assert sorted(papers.index) == sorted(paper_ids)
    for pid in paper_ids:
        p = lib.get_paper(pid)
        assert _norm(papers.loc[pid, "pmid"]) == _norm(p.pmid) or float(papers.loc[pid, "pmid"]) == float(p.pmid)
        assert _norm(papers.loc[pid, "doi"]) == _norm(p.doi)
        assert papers.loc[pid, "abstract"] == p.abstract  # Unicode exact
        assert papers.loc[pid, "title"] == p.title
    n_sources = 0
    for table, rows in expected.items():
        df = tables[table]
        assert len(df) == len(rows), table
        got = {r["row_uid"]: r for r in df.to_dict("records")}
        assert set(got) == set(rows), table
        for uid, exp in rows.items():
            g = got[uid]
            assert int(g["paper_id"]) == exp["paper_id"]
            assert g["status"] == exp["status"]
            assert _norm(g["curator"]) == _norm(exp["curator"])
            assert _norm(g["verified_at"]) == _norm(exp["verified_at"])
            for f, v in exp["values"].items():
                assert _norm(g[f]) == _norm(v), (table, f, g[f], v)
            for f, span in exp["sources"].items():
                n_sources += 1
                assert g[f"{f}__quote"] == span.quote
                assert int(g[f"{f}__start"]) == span.start and int(g[f"{f}__end"]) == span.end
                abstract = papers.loc[exp["paper_id"], "abstract"]
                assert abstract[int(g[f"{f}__start"]):int(g[f"{f}__end"])] == span.quote
    prov = tables["provenance"]
    assert len(prov) == n_sources
    for r in prov.to_dict("records"):
        span = expected[r["row_table"]][r["row_uid"]]["sources"][r["field"]]
        assert (r["quote"], int(r["start"]), int(r["end"])) == (span.quote, span.start, span.end)


# --- tests ---------------------------------------------------------------------------------------------

def test_drafts_excluded_by_default_included_with_their_status(lib, tmp_path):
    a, b, c, _ = lib.ids
    rep = export_dataset(lib, "json", tmp_path / "v.json")
    t = read_back("json", tmp_path / "v.json")
    assert sorted(t["papers"]["paper_id"]) == [a, b]
    assert set(t["measurements"]["status"]) == {"verified"}
    assert c not in set(t["measurements"]["paper_id"])
    assert rep.counts["papers"] == 2 and rep.counts["measurements"] == 6

    rep = export_dataset(lib, "json", tmp_path / "d.json", include_drafts=True)
    t = read_back("json", tmp_path / "d.json")
    assert sorted(t["papers"]["paper_id"]) == [a, b, c]
    status = dict(zip(t["papers"]["paper_id"], t["papers"]["status"]))
    assert status == {a: "verified", b: "verified", c: "draft"}
    drafts = t["measurements"][t["measurements"]["status"] == "draft"]
    assert list(drafts["paper_id"]) == [c] and list(drafts["value"]) == [50.0]
    assert rep.counts["measurements"] == 7
    assert t["papers"].loc[t["papers"]["paper_id"] == c, "verified_at"].isna().all()

    rep = export_dataset(lib, "json", tmp_path / "s.json", statuses=["draft"])
    assert rep.counts["papers"] == 1 and rep.filters["statuses"] == ["draft"]
    with pytest.raises(ExportError, match="unknown record status"):
        export_dataset(lib, "json", tmp_path / "x.json", statuses=["maybe"])


@pytest.mark.parametrize(("kind", "fmt", "name"), FORMAT_CASES, ids=[c[0] for c in FORMAT_CASES])
def test_every_format_round_trips_through_pandas(lib, tmp_path, kind, fmt, name):
    out = tmp_path / name
    rep = export_dataset(lib, fmt, out, include_drafts=True)
    assert rep.path == out and out.exists()
    tables = read_back(kind, out)
    assert set(DATA_TABLES) <= set(tables) and "dictionary" in tables
    a, b, c, _ = lib.ids
    _assert_matches_store(lib, tables, [a, b, c])
    assert {t: len(tables[t]) for t in DATA_TABLES} == rep.counts

    m = tables["measurements"]
    assert pd.api.types.is_numeric_dtype(m["value"]) and pd.api.types.is_numeric_dtype(m["day"])
    assert -3 in set(m["day"].dropna().astype(int))  # days as the paper states them
    cmp_ = tables["comparisons"].iloc[0]
    assert float(cmp_["value_b"]) == -3.2 and pd.api.types.is_numeric_dtype(tables["comparisons"]["value_b"])
    assert (cmp_["p_operator"], float(cmp_["p_value"]), cmp_["p_text"]) == ("<", 0.001, "P < 0.001")
    assert "IFN-γ" in set(m["analyte"]) and "cells/µL" in set(m["unit"])
    notes = tables["papers"].set_index(tables["papers"]["paper_id"].astype(int)).loc[a, "notes"]
    assert notes == "IFN-γ blocked; µ kept"
    authors = tables["papers"].set_index(tables["papers"]["paper_id"].astype(int)).loc[a, "authors"]
    assert authors == "Ana Ruiz; Jörg Müller"
    # every column is in the dictionary
    d = tables["dictionary"]
    described = set(zip(d["table"], d["column"]))
    for t in DATA_TABLES:
        assert {(t, c) for c in tables[t].columns} <= described, t


def test_standardized_values_beside_the_reported_ones(lib, tmp_path):
    export_dataset(lib, "parquet", tmp_path / "pq")
    m = pd.read_parquet(tmp_path / "pq" / "measurements.parquet").set_index("unit")
    assert (m.loc["pg/mL"].query("analyte == 'IFN-γ'")[["value", "value_std"]].iloc[0] == [120.5, 120.5]).all()
    ng = m.loc["ng/mL"]
    assert (ng["value"], ng["value_std"], ng["unit_std"]) == (12.0, 12000.0, "pg/mL")
    assert "1000" in ng["conversion"]
    f = m.loc["°F"]
    assert f["unit_std"] == "Cel" and f["value_std"] == pytest.approx((101.3 - 32) * 5 / 9, abs=1e-9)
    assert "°F" in f["conversion"]
    cells = m.loc["cells/µL"]
    assert (cells["value_std"], cells["unit_std"]) == (35.0, "/uL")
    refused = m[m["analyte"] == "sCD25"].iloc[0]
    assert pd.isna(refused["value_std"]) and pd.isna(refused["unit_std"]) and "never converted" in refused["conversion"]
    c = pd.read_parquet(tmp_path / "pq" / "comparisons.parquet").iloc[0]
    assert (c["value_a_std"], c["value_b_std"], c["unit_std"]) == (120500.0, -3200.0, "pg/mL")
    assert "1000" in c["conversion"]


def test_without_the_units_module_values_are_kept_as_reported(lib, tmp_path, monkeypatch):
    monkeypatch.setattr(export_service, "default_standardizer", lambda: None)
    rep = export_dataset(lib, "json", tmp_path / "x.json")
    m = read_back("json", tmp_path / "x.json")["measurements"]
    assert (m["value_std"] == m["value"]).all() and (m["unit_std"] == m["unit"]).all()
    assert set(m["conversion"]) == {std_mod.AS_REPORTED}
    assert any("units module" in w for w in rep.warnings)


def test_formula_neutralisation_in_csv_and_xlsx_only(lib, tmp_path):
    export_dataset(lib, "csv", tmp_path / "c")
    export_dataset(lib, "xlsx", tmp_path / "x.xlsx")
    export_dataset(lib, "json", tmp_path / "j.json")
    raw = {t: pd.read_csv(tmp_path / "c" / f"{t}.csv", dtype=str, keep_default_na=False) for t in DATA_TABLES}
    cells = {v for df in raw.values() for col in df.columns for v in df[col]}
    for f in FORMULAS:
        assert "'" + f in cells, f
        assert f not in cells, f
    # negative numbers stay numbers: not quoted, not prefixed
    assert "-3.2" in set(raw["comparisons"]["value_b"]) and "-3" in set(raw["measurements"]["day"])
    categorical = ("operator", "p_operator", "ci_operator")  # closed lists: their values are data
    assert not any(v.startswith(("=", "+", "-", "@")) for df in raw.values()
                   for col in df.columns if col not in ("value_b", "day", "start_day", "value_b_std", *categorical)
                   for v in df[col])
    # a documented operator is written as documented, so analysts' filters find it (CSV and Excel)
    assert raw["measurements"]["operator"].iloc[0] == "="
    xl = pd.read_excel(tmp_path / "x.xlsx", sheet_name="measurements", dtype=str)
    assert (xl["operator"] == "=").sum() == (raw["measurements"]["operator"] == "=").sum() >= 1

    wb = openpyxl.load_workbook(tmp_path / "x.xlsx")
    assert wb.sheetnames[0] == "README" and wb.sheetnames[-1] == "dictionary"
    texts, formulas = set(), []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas.append(cell.value)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    assert formulas == []
    for f in FORMULAS:
        assert "'" + f in texts and f not in texts
    ws = wb["comparisons"]
    header = [c.value for c in ws[1]]
    vb = ws.cell(row=2, column=header.index("value_b") + 1)
    assert vb.value == -3.2 and vb.data_type == "n"
    # the rule is written down where analysts read
    readme = {r[0]: r[1] for r in wb["README"].iter_rows(values_only=True)}
    assert "single quote" in readme["Formula protection"]
    # JSON keeps the text exactly
    j = read_back("json", tmp_path / "j.json")
    assert FORMULAS[0] in set(j["measurements"]["arm"]) and FORMULAS[4] in set(j["studies"]["car_t_product_as_reported"])
    assert restore_formula_text("''=kept") == "'=kept" and restore_formula_text("'x") == "'x"


def test_excel_readme_and_dictionary_sheets(lib, tmp_path):
    a, b, _, _ = lib.ids
    export_dataset(lib, "xlsx", tmp_path / "x.xlsx", paper_ids=[a, b], analyte="IFN-γ")
    sheets = pd.read_excel(tmp_path / "x.xlsx", sheet_name=None)
    readme = dict(zip(sheets["README"]["item"], sheets["README"]["text"]))
    assert re.match(r"\d{4}-\d\d-\d\dT", readme["Exported at"])
    assert str(lib.path) in readme["Library"]  # the file, or the server URL (no password)
    assert "IFN-γ" in readme["Filter: Analyte"] and "2 selected" in readme["Filter: Papers"]
    assert str(readme["Rows: measurements"]) == "2" and str(readme["Rows: papers"]) == "1"
    d = sheets["dictionary"]
    assert list(d.columns) == ["table", "column", "label", "type", "unit", "allowed_values", "description"]
    row = d[(d["table"] == "toxicities") & (d["column"] == "syndrome")].iloc[0]
    assert "CRS" in row["allowed_values"] and row["type"] == "string"
    day = d[(d["table"] == "measurements") & (d["column"] == "day")].iloc[0]
    assert day["type"] == "integer" and "day 0" in day["unit"]
    pct = d[(d["table"] == "toxicities") & (d["column"] == "percent")].iloc[0]
    assert (pct["type"], pct["unit"]) == ("number", "%")


def test_datapackage_json_describes_every_csv_column(lib, tmp_path):
    rep = export_dataset(lib, "csv", tmp_path / "c", include_drafts=True)
    dp = json.loads((tmp_path / "c" / "datapackage.json").read_text(encoding="utf-8"))
    assert dp["profile"] == "tabular-data-package"
    assert re.fullmatch(r"[a-z0-9._-]+", dp["name"])
    assert dp["created"] == rep.created_at
    names = [r["name"] for r in dp["resources"]]
    assert names == [*DATA_TABLES, "dictionary"]
    assert len(set(names)) == len(names)
    on_disk = sorted(p.name for p in (tmp_path / "c").glob("*.csv"))
    assert sorted(r["path"] for r in dp["resources"]) == on_disk
    for res in dp["resources"]:
        assert res["profile"] == "tabular-data-resource" and res["format"] == "csv"
        assert res["encoding"] == "utf-8" and res["mediatype"] == "text/csv"
        fields = res["schema"]["fields"]
        header = pd.read_csv(tmp_path / "c" / res["path"], nrows=0).columns.tolist()
        assert [f["name"] for f in fields] == header, res["name"]
        for f in fields:
            assert f["type"] in ("string", "integer", "number", "boolean", "datetime")
            assert f["description"]
            if "constraints" in f:
                values = pd.read_csv(tmp_path / "c" / res["path"], dtype=str, keep_default_na=False)[f["name"]]
                assert set(values) - {""} <= set(f["constraints"]["enum"])
        pk = res["schema"]["primaryKey"]
        assert set([pk] if isinstance(pk, str) else pk) <= set(header)
        for fk in res["schema"].get("foreignKeys", []):
            assert fk["reference"]["resource"] in names
    assert (tmp_path / "c" / "README.txt").read_text(encoding="utf-8").startswith("Curator export")


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize(("fmt", "name", "target"), [
    ("csv", "out_csv", "curator.export.writers.datapackage"),
    ("csv", "out.zip", "curator.export.writers.readme_text"),
    ("xlsx", "out.xlsx", "curator.export.xlsx._workbook"),
    ("json", "out.json", "curator.export.writers._dict_records"),
    ("parquet", "out_pq", "curator.export.writers.readme_text"),
    ("sqlite", "out.sqlite", "curator.export.writers.sql_rows"),
])
def test_failure_mid_export_leaves_nothing_and_keeps_the_previous_output(lib, tmp_path, monkeypatch, fmt, name,
                                                                           target):
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    out = out_dir / name
    export_dataset(lib, fmt, out)  # a previous export at the same place
    before = {p: p.read_bytes() for p in ([out] if out.is_file() else sorted(out.rglob("*")))}
    listing = _listing(out_dir)

    def boom(*a, **kw):
        raise OSError("disk full")

    monkeypatch.setattr(target, boom)
    with pytest.raises(OSError, match="disk full"):
        export_dataset(lib, fmt, out, include_drafts=True)
    assert _listing(out_dir) == listing  # no temporary left beside it
    assert {p: p.read_bytes() for p in before} == before

    fresh = out_dir / ("new_" + name)
    with pytest.raises(OSError, match="disk full"):
        export_dataset(lib, fmt, fresh)
    assert not fresh.exists() and _listing(out_dir) == listing


def test_failure_inside_a_new_folder_removes_the_folders_it_made(lib, tmp_path, monkeypatch):
    monkeypatch.setattr(writers, "readme_text", lambda ds: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        export_dataset(lib, "csv", tmp_path / "a" / "b" / "out")
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize(("fmt", "name"), [("csv", "out_csv"), ("xlsx", "out.xlsx"), ("json", "out.json"),
                                           ("parquet", "out.zip"), ("sqlite", "out.sqlite")])
def test_cancel_leaves_nothing(lib, tmp_path, fmt, name):
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    cancel = threading.Event()
    seen = []

    def progress(done, total, msg):
        seen.append((done, total, msg))
        if "measurements" in msg:  # cancelled while writing
            cancel.set()

    with pytest.raises(ExportCancelled):
        export_dataset(lib, fmt, out_dir / name, progress=progress, cancel=cancel)
    assert list(out_dir.iterdir()) == []
    assert seen and all(0 <= d <= t for d, t, _ in seen)

    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ExportCancelled):
        export_dataset(lib, fmt, out_dir / name, cancel=cancel)
    assert list(out_dir.iterdir()) == []


def test_progress_reaches_the_end(lib, tmp_path):
    seen = []
    export_dataset(lib, "csv", tmp_path / "c", progress=lambda d, t, m: seen.append((d, t)))
    dones = [d for d, _ in seen]
    assert dones == sorted(dones) and seen[-1][0] == seen[-1][1]


def test_filters_paper_ids_analyte_and_date(lib, tmp_path, monkeypatch):
    a, b, c, d = lib.ids
    rep = export_dataset(lib, "json", tmp_path / "one.json", paper_ids=[b, c, d])
    t = read_back("json", tmp_path / "one.json")
    assert list(t["papers"]["paper_id"]) == [b] and set(t["measurements"]["paper_id"]) == {b}
    assert rep.counts == preview_counts(lib, paper_ids=[b, c, d])

    # analyte in another spelling: that analyte's rows only, the paper's other tables kept
    rep = export_dataset(lib, "json", tmp_path / "ifn.json", analyte="IFN-gamma")
    t = read_back("json", tmp_path / "ifn.json")
    assert list(t["papers"]["paper_id"]) == [a]
    assert set(t["measurements"]["analyte"]) == {"IFN-γ"} and len(t["measurements"]) == 2
    assert len(t["toxicities"]) == 1 and len(t["comparisons"]) == 1
    assert set(t["provenance"]["row_table"]) == {"measurements", "comparisons"}
    assert len(t["provenance"]) == 4  # the CAR-T count's unit source went with its row
    assert rep.counts == preview_counts(lib, analyte="IFN-gamma")
    assert preview_counts(lib, analyte="IL-6")["papers"] == 1
    assert preview_counts(lib, analyte="IL-6", include_drafts=True)["papers"] == 2
    assert preview_counts(lib, analyte="nothing like it")["papers"] == 0

    # date verified: move one verification into the past
    monkeypatch.setattr(curation, "utcnow", lambda: "2025-01-15T10:00:00+00:00")
    rec = lib.load_record(b)
    rec.notes = "re-checked"
    curation.save_draft(lib, rec, "Bo")
    curation.verify(lib, rec, "Bo")
    assert preview_counts(lib, verified_from="2025-01-01", verified_to="2025-01-15")["papers"] == 1
    assert preview_counts(lib, verified_to="2025-01-14")["papers"] == 0
    assert preview_counts(lib, verified_from="2025-01-16")["papers"] == 1  # paper a, verified today
    export_dataset(lib, "json", tmp_path / "old.json", verified_to="2025-06-30")
    t = read_back("json", tmp_path / "old.json")
    assert list(t["papers"]["paper_id"]) == [b] and list(t["papers"]["verified_at"]) == ["2025-01-15T10:00:00+00:00"]
    with pytest.raises(ExportError, match="not a date"):
        preview_counts(lib, verified_from="last week")


def test_empty_export_still_has_every_table_and_column(lib, tmp_path):
    rep = export_dataset(lib, "csv", tmp_path / "c", paper_ids=[])
    assert all(n == 0 for n in rep.counts.values())
    dp = json.loads((tmp_path / "c" / "datapackage.json").read_text(encoding="utf-8"))
    for res in dp["resources"][:-1]:
        header = pd.read_csv(tmp_path / "c" / res["path"]).columns.tolist()
        assert header == [f["name"] for f in res["schema"]["fields"]]
    export_dataset(lib, "xlsx", tmp_path / "x.xlsx", paper_ids=[])
    assert len(pd.read_excel(tmp_path / "x.xlsx", sheet_name="measurements")) == 0


def test_output_that_is_not_an_export_is_never_replaced(lib, tmp_path):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "thesis.docx").write_text("precious")
    with pytest.raises(ExportError, match="other files"):
        export_dataset(lib, "csv", folder)
    assert (folder / "thesis.docx").read_text() == "precious"
    with pytest.raises(ExportError, match="is a folder"):
        export_dataset(lib, "xlsx", folder)
    with pytest.raises(ExportError, match="unknown export format"):
        export_dataset(lib, "pdf", tmp_path / "x.pdf")


def test_sqlite_export_is_self_contained(lib, tmp_path):
    export_dataset(lib, "sqlite", tmp_path / "x.sqlite")
    conn = sqlite3.connect(tmp_path / "x.sqlite")
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {*DATA_TABLES, "dictionary", "export_info"} <= tables
        decl = {r[1]: r[2] for r in conn.execute("PRAGMA table_info(measurements)")}
        assert (decl["value"], decl["day"], decl["analyte"]) == ("REAL", "INTEGER", "TEXT")
        n = conn.execute("SELECT count(*) FROM measurements m JOIN papers p USING (paper_id) "
                         "WHERE p.pmid = '41000001'").fetchone()[0]
        assert n == 5
    finally:
        conn.close()


def test_xlsx_writer_handles_characters_excel_cannot_hold(tmp_path):
    s = pa.array(["ok", "bell\x07", "x" * (xlsx.MAX_CELL + 5), None], type=pa.large_string())
    warnings: list[str] = []
    out = xlsx.excel_safe(s, "t.c", warnings).to_pylist()
    assert out[0] == "ok" and out[1] == "bell\ufffd" and len(out[2]) == xlsx.MAX_CELL and out[3] is None
    assert len(warnings) == 2
    assert [xlsx.col_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_report_and_read_only_library(lib, tmp_path):
    ro = Library.open(lib.path, read_only=True)  # what the dialog's worker thread opens
    try:
        rep = export_dataset(ro, "excel", tmp_path / "x.xlsx", include_drafts=True)
    finally:
        ro.close()
    d = rep.to_dict()
    assert d["format"] == "xlsx" and d["path"] == str(tmp_path / "x.xlsx") and d["total_rows"] == rep.total_rows
    assert json.loads(json.dumps(d))["counts"]["measurements"] == 7
    text = rep.summary_text()
    assert "3 paper(s)" in text and "measurements" in text


def test_analyte_spellings_share_one_canonical_name(tmp_path):
    """Typed text keeps what was written; the export adds the vocabulary's name for it."""
    from curator.domain.outcomes import Comparison, Measurement
    from curator.services import curation
    from curator.services.export import export_dataset
    from curator.services.library import open_library

    lib, _ = open_library(tmp_path / "lib.sqlite", seed=True)
    pid = lib.list_papers()[0].id
    rec = curation.load(lib, pid)
    rec.comparisons.append(Comparison(analyte="IFN-gamma", value_a=2.0, value_b=1.0, unit="pg/mL"))
    rec.measurements.append(Measurement(analyte="interferon gamma", day=7, value=3.0, unit="ng/L"))
    curation.save_draft(lib, rec, "x")
    curation.verify(lib, rec, "Ana", allow_gaps=True)  # no design or N: confirmed
    out = tmp_path / "out"
    export_dataset(lib, "csv", out)
    comps = pd.read_csv(out / "comparisons.csv")
    meas = pd.read_csv(out / "measurements.csv")
    assert (comps.loc[0, "analyte"], comps.loc[0, "analyte_std"]) == ("IFN-gamma", "IFN-γ")
    assert (meas.loc[0, "analyte"], meas.loc[0, "analyte_std"]) == ("interferon gamma", "IFN-γ")
    assert meas.loc[0, "value_std"] == 3.0 and meas.loc[0, "unit_std"] == "pg/mL"  # ng/L = pg/mL
