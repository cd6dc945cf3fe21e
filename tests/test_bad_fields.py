"""A record is never dropped for one bad field (issue 15, item 2): a superscript digit as the month
('²': str.isdigit() accepts it, int() refuses it) costs the month, with a warning naming the record
and the field; the rest of the record imports."""

from __future__ import annotations

import pytest

from curator.importers import parse_bytes
from curator.importers.base import to_int
from curator.importers.medline import make_date, month_number, parse_medline_date
from curator.importers.ris import parse_loose_date

BAD_DIGITS = ["²", "¹²", "⁰⁵", "①", "٣", "1.5", "-3", "+4", " ", "", "1" * 5000, "12a"]


def test_to_int_reads_ascii_digits_only_and_never_raises():
    assert to_int("07") == 7 and to_int(" 12 ") == 12 and to_int(2020) == 2020
    assert to_int("12", 1, 12) == 12 and to_int("13", 1, 12) is None and to_int("0", 1, 12) is None
    for bad in BAD_DIGITS + [None, "²".strip()]:
        assert to_int(bad) is None, repr(bad)


@pytest.mark.parametrize("bad", BAD_DIGITS)
def test_shared_date_helpers_never_raise(bad):
    assert month_number(bad) is None
    assert make_date("2020", bad) == "2020"
    assert make_date("2020", "3", bad) == "2020-03"
    assert make_date(bad, "3") is None
    assert parse_medline_date(f"2020 {bad}").startswith("2020")
    assert parse_loose_date(f"2020/{bad}/{bad}") == (2020, None, None)
    assert parse_loose_date(f"Mar {bad} 2020")[0:2] == (2020, 3)


BIB = """@article{good1, title={First}, author={Doe, Jane}, year={2020}, month={3}}
@article{sup, title={Superscript month}, author={Roe, Rick and Poe, Pat}, journal={J Test},
  year={2021}, month={²}, volume={7}, doi={10.1000/xyz}}
@article{good2, title={Third}, author={Moe, Max}, year={2019}, month=dec}
"""


def test_bibtex_superscript_month_keeps_the_record():
    result = parse_bytes(BIB.encode(), "months.bib")
    assert [p.title for p in result.papers] == ["First", "Superscript month", "Third"]
    sup = result.papers[1]
    assert (sup.year, sup.pub_date, sup.volume, sup.doi) == (2021, "2021", "7", "10.1000/xyz")
    assert sup.authors == ["Roe R", "Poe P"]
    assert [p.pub_date for p in (result.papers[0], result.papers[2])] == ["2020-03", "2019-12"]
    assert len(result.errors) == 1
    err = result.errors[0]
    assert err.warning and err.record == 2
    assert "sup" in err.message and "month" in err.message and "²" in err.message


JATS = """<?xml version="1.0"?>
<pmc-articleset>
<article><front><article-meta><article-id pub-id-type="pmid">111</article-id>
 <title-group><article-title>Good</article-title></title-group>
 <pub-date pub-type="epub"><day>5</day><month>12</month><year>2019</year></pub-date>
</article-meta></front></article>
<article><front><article-meta><article-id pub-id-type="pmid">222</article-id>
 <title-group><article-title>Superscript month</article-title></title-group>
 <contrib-group><contrib contrib-type="author"><name><surname>Zhang</surname><given-names>Jing</given-names></name></contrib></contrib-group>
 <pub-date pub-type="epub"><day>⁵</day><month>²</month><year>2021</year></pub-date>
 <volume>9</volume>
</article-meta></front></article>
<article><front><article-meta><article-id pub-id-type="pmid">333</article-id>
 <title-group><article-title>Superscript day</article-title></title-group>
 <pub-date pub-type="epub"><day>³</day><month>4</month><year>2022</year></pub-date>
</article-meta></front></article>
</pmc-articleset>
"""


def test_jats_superscript_month_keeps_the_article():
    result = parse_bytes(JATS.encode(), "set.xml")
    assert result.format == "jats"
    assert [(p.pmid, p.pub_date) for p in result.papers] == [
        ("111", "2019-12-05"), ("222", "2021"), ("333", "2022-04")]
    sup = result.papers[1]
    assert (sup.title, sup.volume, sup.year) == ("Superscript month", "9", 2021)
    assert sup.authors == ["Zhang J"]
    assert [(e.record, e.warning) for e in result.errors] == [(2, True), (3, True)]
    assert "month" in result.errors[0].message and "²" in result.errors[0].message
    assert "day" in result.errors[1].message and "³" in result.errors[1].message
