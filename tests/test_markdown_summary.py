"""The Markdown paper summary seed imports completely: every field asserted."""

from __future__ import annotations

import random
import re
import time

import pytest

from curator import importers
from curator.importers.base import ImportFormatError
from curator.importers.markdown_summary import _entity_parts
from tests.conftest import PEDIATRIC_SEED


@pytest.fixture(scope="module")
def paper():
    result = importers.parse_file(PEDIATRIC_SEED)
    assert result.format == "markdown_summary"
    assert result.errors == []
    assert len(result.papers) == 1
    return result.papers[0]


def test_bibliographic_fields(paper):
    assert paper.title == ("Emapalumab in pediatric patients with high-grade cytokine release syndrome "
                           "associated with CAR T-cell therapy")
    assert paper.authors == ["Jing Zhang", "Wenhua Shi", "Jing Yang", "Juan Qian", "Meng Su", "Kang An",
                             "Tianyi Wang", "Rujun Jia", "Chengming Fei", "Yanjing Tang", "Benshang Li"]
    assert paper.doi == "10.3389/fimmu.2026.1679175"
    assert paper.pmcid == "PMC12996094"
    assert paper.journal == "Frontiers in Immunology"
    assert paper.pub_date == "2026-03-04"
    assert paper.year == 2026
    assert paper.source_url == "https://tomesphere.com/paper/PMC12996094"


def test_summary_sections(paper):
    assert paper.tldr == ("Emapalumab effectively treats severe cytokine release syndrome in children after "
                          "CAR-T therapy, improving symptoms and safety.")
    assert paper.contribution.startswith("Demonstrates emapalumab's efficacy in high-grade CRS")
    assert len(paper.key_findings) == 3
    assert paper.key_findings[0].startswith("Emapalumab reduced fever and inflammatory markers like IL-2")
    assert "TNF-α, and IFN-γ" in paper.key_findings[0]
    assert paper.key_findings[2] == ("6-month EFS and OS rates were 76.9% and 80.1%, respectively, with no "
                                     "observed safety risks from emapalumab.")


def test_abstract_paragraphs(paper):
    paras = paper.paragraphs
    assert len(paras) == 4
    assert paras[0].startswith("Chimeric antigen receptor T (CAR-T) cell therapy significantly improves")
    assert paras[1].startswith("In this retrospective study")
    assert "IL-2 (32.35 vs. 11.94 pg/ml, P < 0.001)" in paras[2]
    assert "(549.95 vs. 8.16 cell/μl, P < 0.001)" in paras[2]  # Greek mu kept exactly
    assert paras[3].endswith("provide rationale for future prospective studies.")
    assert paper.abstract == "\n\n".join(paras)


def test_entities_with_identifiers(paper):
    linked = [e for e in paper.entities if e.scope == "linked"]
    full = [e for e in paper.entities if e.scope == "full_text"]
    assert [(e.kind, e.name, e.label) for e in linked[:4]] == [
        ("Proteins", "IFNG", "interferon gamma"), ("Proteins", "IL2", "interleukin 2"),
        ("Proteins", "IL10", "interleukin 10"), ("Proteins", "TNF", "tumor necrosis factor")]
    crs = linked[4]
    assert (crs.kind, crs.name, crs.identifier) == ("Diseases", "cytokine release syndrome", "MONDO:0600008")
    genes = {e.name: e for e in full if e.kind == "Genes"}
    assert genes["TNF"].identifier == "NCBI Gene 7124"
    assert genes["TNF"].aliases == ["DIF", "IMD127", "TNF-alpha", "TNFA", "TNFSF2", "TNLG1F"]
    assert genes["IL2"].identifier == "NCBI Gene 3558"
    assert genes["IFNG"].identifier == "NCBI Gene 3458"
    assert genes["IL10"].identifier == "NCBI Gene 3586"
    chems = {e.name: e.identifier for e in full if e.kind == "Chemicals"}
    assert chems == {"tocilizumab": "MESH:C502936", "Emapalumab": "MESH:C000644327"}
    diseases = {e.name: e.identifier for e in full if e.kind == "Diseases"}
    assert diseases == {"hematological malignancies": "MESH:D019337", "inflammatory": "MESH:D007249"}
    species = [e for e in full if e.kind == "Species"][0]
    assert (species.name, species.identifier) == ("Homo sapiens", "taxon 9606")


def test_not_a_paper_file_is_refused(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("shopping list\n- milk\n- eggs\n")
    with pytest.raises(ImportFormatError) as exc:
        importers.parse_file(bad)
    assert "notes.txt" in str(exc.value)
    assert "not a format Curator reads" in str(exc.value)


def test_empty_and_binary_files_are_refused(tmp_path):
    empty = tmp_path / "empty.ris"
    empty.write_bytes(b"")
    with pytest.raises(ImportFormatError, match="empty.ris: the file is empty"):
        importers.parse_file(empty)
    binary = tmp_path / "scan.bin"
    binary.write_bytes(b"\x89PNG\x00\x01\x02\x00binary")
    with pytest.raises(ImportFormatError, match="scan.bin: this is a binary file"):
        importers.parse_file(binary)
    # a PDF goes to the PDF reader (importers.pdf), which names what is wrong with this one
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.4\x00\x01\x02\x00binary")
    with pytest.raises(ImportFormatError, match="scan.pdf: the PDF is truncated"):
        importers.parse_file(pdf)


# ---------------------------------------------------------------- entity lists: linear, same reading

# The entity pattern the importer used before its one-pass reader: the reference for what the reader
# must find (on short strings it is fast; on a long line ending in "(" it took 12 s for 8 KB).
_OLD_ENTITY = re.compile(
    r"(?P<name>[^,(\[{]+?)\s*"
    r"(?:\((?P<paren>[^()]*)\))?\s*"
    r"(?:\[(?P<ident>[^\]]*)\])?\s*"
    r"(?:\{aka (?P<aka>[^}]*)\})?\s*(?:,|$)"
)


def test_entity_reader_reads_what_the_former_pattern_read():
    rng = random.Random(15)
    tokens = ["IL2", "b", " ", ",", "(", ")", "[", "]", "{", "}", "{aka ", "\n", "MESH:D1", "  "]
    for _ in range(30000):
        s = "".join(rng.choice(tokens) for _ in range(rng.randint(0, 16)))
        old = [(m.group("name"), m.group("paren"), m.group("ident"), m.group("aka")) for m in _OLD_ENTITY.finditer(s)]
        assert list(_entity_parts(s)) == old, repr(s)


def _summary_with_entities(line: str) -> str:
    return f"# A title\n\n**Authors:** A B\n\n## Linked entities\n\n- **Genes:** {line}\n"


@pytest.mark.parametrize("tail", ["(", "[", "{aka ", " ("])
def test_a_long_entity_line_imports_in_linear_time(tail):
    """A 200 KB entity bullet ending in an unclosed bracket (the shape that backtracked) imports
    in well under a second; the entities before it are kept."""
    line = "TNF (tumor necrosis factor) [NCBI Gene 7124], " + "interleukin " * 16000 + tail
    t0 = time.perf_counter()
    result = importers.parse_bytes(_summary_with_entities(line).encode(), "long.md")
    elapsed = time.perf_counter() - t0
    assert elapsed < 1.0, f"{elapsed:.2f} s for a {len(line)}-character entity line"
    names = [e.name for e in result.papers[0].entities]
    assert names[0] == "TNF" and result.papers[0].entities[0].identifier == "NCBI Gene 7124"
    # the same shape repeated: many unclosed brackets, each followed by text, stays linear too
    t0 = time.perf_counter()
    importers.parse_bytes(_summary_with_entities(("x" + tail) * 40000).encode(), "many.md")
    assert time.perf_counter() - t0 < 2.0
