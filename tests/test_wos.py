"""Web of Science / ISI tagged plain text (FN/VR/PT/AU ... ER/EF, indented continuation lines)."""

from __future__ import annotations

import pytest

from curator.importers import detect, get
from curator.importers.base import decode_bytes

WOS_FILE = "ris/rispy/example_wos.ris"  # WoS tagged text saved with a .ris extension


@pytest.fixture(scope="module")
def wos_result():
    from conftest import CORPUS

    if CORPUS is None:
        pytest.skip("the shared corpus is not present")
    path = CORPUS / WOS_FILE
    text = decode_bytes(path.read_bytes())
    imp = detect(text, path.name)
    assert imp is not None and imp.name == "wos"  # despite the .ris extension
    return imp.parse(text)


def test_two_records(wos_result):
    assert len(wos_result.papers) == 2 and wos_result.errors == []


def test_first_record_fields(wos_result):
    p = wos_result.papers[0]
    assert p.title == (
        "Interactions stabilizing the structure of the core light-harvesting complex (LHl) of "
        "photosynthetic bacteria and its subunit (B820)"
    )  # continuation line joined
    assert p.authors == ["Parkes-Loach PS", "Majeed AP", "Law CJ", "Loach PA"]
    assert (p.journal, p.journal_abbrev) == ("BIOCHEMISTRY", "Biochemistry")
    assert (p.year, p.pub_date, p.volume, p.issue, p.pages) == (2004, "2004-06-08", "43", "22", "7003-7016")
    assert (p.doi, p.pmid) == ("10.1021/bi049798f", "15170338")
    assert p.abstract.startswith("Reconstitution experiments with a chemically synthesized core light-harvesting")
    assert p.keywords[0] == "CHEMICALLY SYNTHESIZED POLYPEPTIDES"
    assert "AMINO-ACID-SEQUENCE" in p.keywords and p.keywords[-1] == "ANTENNA COMPLEX"
    assert len(p.keywords) == 10  # ID keywords spread over four lines
    assert p.language == "English" and p.publication_types == ["Article"]
    assert p.extra["accession"] == "WOS:000221807500019"
    assert len(p.extra["cited_references"]) == 59  # NR 59


def test_second_record_grants_and_affiliations(wos_result):
    p = wos_result.papers[1]
    assert p.authors[0] == "Cao WX" and len(p.authors) == 9
    assert p.pages == "7017-7027" and p.pmid == "15170339"
    assert p.grants == ["NIGMS NIH HHS [GM-52002]", "NIDDK NIH HHS [DK035090]"]
    assert p.extra["affiliations"] == [
        "Northeastern Univ, Dept Phys, Boston, MA 02115 USA.",
        "Northeastern Univ, Ctr Interdisciplinary Res Complex Syst, Boston, MA 02115 USA.",
    ]


def test_truncated_file_reports_the_open_record():
    text = (
        "FN Clarivate Analytics Web of Science\nVR 1.0\n"
        "PT J\nAU Doe, J\nTI A title\n   on two lines\nSO SOME JOURNAL\nPY 2001\nDI 10.1000/ABC.1\nER\n\n"
        "PT J\nAU Roe, RR\nTI Cut short\n"
    )
    imp = get("wos")
    assert imp.sniff(text) >= 0.8 and get("ris").sniff(text) == 0
    r = imp.parse(text)
    assert [p.title for p in r.papers] == ["A title on two lines", "Cut short"]
    assert r.papers[0].doi == "10.1000/abc.1" and r.papers[1].authors == ["Roe RR"]
    assert [(e.record, e.line) for e in r.errors] == [(2, 12)]


def test_wos_sniff_ignores_ris():
    ris = "TY  - JOUR\nAU  - Doe, J\nTI  - T\nPY  - 2001\nER  - \n"
    assert get("wos").sniff(ris) == 0
