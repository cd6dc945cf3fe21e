"""An abstract saved as plain text imports as a paper (and only when nothing else claims the file)."""

from __future__ import annotations

import pytest

from curator import importers
from curator.importers.base import ImportFormatError
from tests.conftest import PEDIATRIC_SEED

ABSTRACT = PEDIATRIC_SEED.read_text(encoding="utf-8").split("## Abstract")[1].split("## Linked")[0].strip()


def test_abstract_only_file(tmp_path):
    f = tmp_path / "abstract.txt"
    f.write_text(ABSTRACT + "\n", encoding="utf-8")
    r = importers.parse_file(f)
    assert r.format == "plain_text"
    (p,) = r.papers
    assert p.abstract.split("\n\n")[2].startswith("Emapalumab significantly improved")
    assert "IL-2 (32.35 vs. 11.94 pg/ml, P < 0.001)" in p.abstract
    assert p.title.startswith("Chimeric antigen receptor T (CAR-T) cell therapy significantly improves")


def test_title_line_then_abstract(tmp_path):
    f = tmp_path / "paper.txt"
    f.write_text("Emapalumab in pediatric CRS\n\n" + ABSTRACT.replace("\n\n", "\n\n  "), encoding="utf-8")
    (p,) = importers.parse_file(f).papers
    assert p.title == "Emapalumab in pediatric CRS"
    assert p.abstract.startswith("Chimeric antigen receptor")


def test_structured_formats_still_win_and_junk_is_refused(tmp_path, corpus):
    for sub in ("ris/rispy/example_full.ris", "medline_nbib/biopython/pubmed_result2.txt",
                "pubmed_abstract_txt/bkchem/pubmed_result.txt", "bibtex/bibtexparser-v1.4.4/traps.bib"):
        assert importers.parse_file(corpus / sub).format != "plain_text", sub
    junk = tmp_path / "list.txt"
    junk.write_text("milk\neggs\nbread\n")
    with pytest.raises(ImportFormatError):
        importers.parse_file(junk)
