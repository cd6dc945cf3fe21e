"""PubMed "Summary (text)" export: one paragraph per record,
'1: Barras C. Ancient worm fossil ... Nature. 2019 Sep;573(7772):15. doi: 10.1038/x. PubMed PMID: 31485070.'
Records without authors start directly with the title."""

from __future__ import annotations

import re

from curator.domain.paper import Paper
from curator.importers import register
from curator.importers.base import ParseResult, RecordError
from curator.importers.pubmed_text import (
    DATE_TEXT,
    NAME_ITEM,
    apply_citation,
    parse_citation,
    split_pubmed_authors,
)

_HEAD = re.compile(r"^(\d{1,7}):\s+(\S.*)$")
_PMID = re.compile(r"\bPubMed PMID:\s*(\d+)")
_PMCID = re.compile(r"\bPubMed Central PMCID:\s*(PMC\d+)")
# '<sentence end> Journal. 2019 Sep;...' -- the journal has no '. ' inside
_JOURNAL_AT = re.compile(
    r"""(?:^|(?<=[.?!\]"'”]) )([^\s.?!][^.?!]{0,150}?)\.\s(""" + DATE_TEXT + r")(?=[;:.])"
)


class PubMedSummaryImporter:
    name = "pubmed_summary"
    label = "PubMed Summary (text)"
    extensions = (".txt",)

    def sniff(self, text: str) -> float:
        head = text.lstrip("\ufeff \n")[:20000]
        if not _HEAD.match(head.split("\n", 1)[0]):
            return 0.0
        flat = " ".join(head[:6000].split())
        score = 0.4
        if re.search(r"PubMed PMID:\s*\d+", flat):
            score += 0.5
        return min(score, 0.95)

    def parse(self, text: str) -> ParseResult:
        result = ParseResult(format=self.name)
        lines = text.lstrip("\ufeff").split("\n")
        starts = []
        expected = None
        for i, line in enumerate(lines):
            m = _HEAD.match(line)
            if not m or (i > 0 and lines[i - 1].strip()):
                continue
            n = int(m.group(1))
            if expected is None or n == expected:
                starts.append(i)
                expected = n + 1
        for k, s in enumerate(starts, 1):
            e = starts[k] if k < len(starts) else len(lines)
            body = " ".join(" ".join(lines[s:e]).split())
            try:
                paper = parse_summary_record(body)
            except Exception as exc:  # noqa: BLE001 -- one bad record must not stop the file
                result.errors.append(RecordError(k, s + 1, f"cannot read this record: {exc}"))
                continue
            if paper is None:
                result.errors.append(RecordError(k, s + 1, "no journal citation found in this record"))
                continue
            result.papers.append(paper)
        return result


def parse_summary_record(body: str) -> Paper | None:
    m = _HEAD.match(body)
    if not m:
        return None
    number, text = int(m.group(1)), m.group(2)
    paper = Paper(extra={"record_number": number})
    pm = _PMID.search(text)
    if pm:
        paper.pmid = pm.group(1)
    pmc = _PMCID.search(text)
    if pmc:
        paper.pmcid = pmc.group(1)
    end = pm.start() if pm else len(text)
    # the citation is the first 'Journal. YYYY ...' whose date is followed by ';' ':' or '.'
    cit_at = None
    for j in _JOURNAL_AT.finditer(text, 0, end):
        cit_at = j
        break
    if cit_at is None:
        return None
    cit_text = text[cit_at.start():end].strip()
    cit = parse_citation(cit_text)
    if cit is None:
        return None
    apply_citation(paper, cit)
    paper.citation = cit_text
    front = text[: cit_at.start()].strip()
    # authors: 'Kaiser J, Wadman M.' before the title (initials never carry periods)
    am = re.match(r"^(.+?)\.\s+(?=\S)", front)
    if am and _all_names(am.group(1)):
        paper.authors = split_pubmed_authors(am.group(1))
        front = front[am.end():]
    paper.title = front.strip()
    if not paper.title and not paper.authors:
        return None
    return paper


_MONONYM = re.compile(r"^[A-Z][^\W\d_]+(?:[-'][^\W\d_]+)*$")


def _all_names(text: str) -> bool:
    """'Kaiser J, Wadman M; GFBI consortium, Peay KG' (mononyms such as 'Arvind' allowed; a collective
    name may open each ';' segment after the first)."""
    full = 0
    for k, segment in enumerate(text.split(";")):
        items = [a.strip() for a in segment.split(",")]
        for i, it in enumerate(items):
            if NAME_ITEM.match(it):
                full += 1
            elif _MONONYM.match(it) or it == "et al" or k > 0 and i == 0 and it and len(it.split()) <= 10:
                continue
            else:
                return False
    return full > 0


register(PubMedSummaryImporter())
