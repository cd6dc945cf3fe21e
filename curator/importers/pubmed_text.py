"""PubMed "Abstract (text)" export: numbered records ("1. Front Immunol. 2025 Apr 4;16:...")
with title, authors, "Author information:", abstract, "DOI:/PMCID:/PMID:" lines; also the
un-numbered single record copied from the PubMed web page (title first, then the citation,
"Abstract", "Keywords:", and bulleted "Publication types" / "MeSH terms" / "Substances" /
"Grants and funding" sections)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from curator.domain.paper import MeshTerm, Paper, Section
from curator.importers import register
from curator.importers.base import ParseResult, RecordError, to_int

# --------------------------------------------------------------------------------------------
# The citation line, shared with the Summary (text) importer
# --------------------------------------------------------------------------------------------

MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}

DATE_TEXT = r"\d{4}(?:\s+[A-Za-z]{3,9}\.?(?:\s*-\s*[A-Za-z]{3,9})?)?(?:\s+\d{1,2}(?:\s*-\s*\d{1,2})?)?"
_CITATION = re.compile(
    r"^(?P<journal>[^\s.].*?)\.\s+(?P<date>" + DATE_TEXT + r")(?=[;:.\s]|$)(?P<rest>.*)$", re.DOTALL
)
_VOLUME = re.compile(
    r"^\s*[;:]\s*(?P<vol>[^():;\s]*)\s*(?:\((?P<iss>[^)]*)\))?\s*(?::\s*(?P<pages>\S*?))?\.?(?=\s|$)"
)
_DOI_IN_TEXT = re.compile(r"\bdoi:\s*(10\.\S+?)\.?(?=\s|$)", re.IGNORECASE)
_EPUB = re.compile(r"\bEpub\s+(" + DATE_TEXT + r")\.")
_PII = re.compile(r"\bpii:\s*(\S+?)\.?(?=\s|$)")


def date_from_text(text: str) -> str | None:
    """'2025 Apr 4' -> '2025-04-04'; '2020 Apr' -> '2020-04'; '2019 Jul-Aug' -> '2019-07';
    '2020 Spring' -> '2020'."""
    m = re.match(r"\s*(\d{4})(?:\s+([A-Za-z]{3,9})\.?(?:\s*-\s*[A-Za-z]+)?)?(?:\s+(\d{1,2}))?", text or "")
    if not m:
        return None
    year, mon, day = m.group(1), m.group(2), m.group(3)
    month = MONTHS.get(mon[:3].lower()) if mon else None
    if not month:
        return year
    d = to_int(day, 1, 31)
    if d:
        return f"{year}-{month:02d}-{d:02d}"
    return f"{year}-{month:02d}"


@dataclass
class Citation:
    journal: str | None = None
    date_text: str | None = None
    pub_date: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pii: str | None = None
    epub: str | None = None


def parse_citation(text: str) -> Citation | None:
    """Parse 'Acad Radiol. 2020 Apr;27(4):463-467. doi: 10.1016/j.x. Epub 2020 Feb 26.'"""
    text = " ".join(text.split())
    m = _CITATION.match(text)
    if not m:
        return None
    c = Citation(journal=m.group("journal").strip(), date_text=m.group("date"))
    c.pub_date = date_from_text(c.date_text)
    rest = m.group("rest")
    v = _VOLUME.match(rest)
    if v:
        c.volume = v.group("vol") or None
        c.issue = (v.group("iss") or "").strip() or None
        c.pages = (v.group("pages") or "").strip() or None
    d = _DOI_IN_TEXT.search(rest)
    if d:
        c.doi = d.group(1)
    p = _PII.search(rest)
    if p:
        c.pii = p.group(1)
    e = _EPUB.search(rest)
    if e:
        c.epub = date_from_text(e.group(1))
    return c


def apply_citation(paper: Paper, cit: Citation) -> None:
    paper.journal = cit.journal
    paper.journal_abbrev = cit.journal
    if cit.pub_date:
        paper.pub_date = cit.pub_date
        paper.year = int(cit.pub_date[:4])
    paper.volume = cit.volume
    paper.issue = cit.issue
    paper.pages = cit.pages
    if cit.doi and not paper.doi:
        paper.doi = cit.doi
    if cit.pii:
        paper.extra["pii"] = cit.pii
    if cit.epub:
        paper.extra["epub_date"] = cit.epub


# --------------------------------------------------------------------------------------------
# Shared small helpers
# --------------------------------------------------------------------------------------------

LANGUAGES = {
    "english": "eng", "german": "ger", "french": "fre", "spanish": "spa", "italian": "ita",
    "portuguese": "por", "dutch": "dut", "russian": "rus", "polish": "pol", "czech": "cze",
    "japanese": "jpn", "chinese": "chi", "korean": "kor", "hebrew": "heb", "hungarian": "hun",
    "turkish": "tur", "danish": "dan", "swedish": "swe", "norwegian": "nor", "finnish": "fin",
    "greek, modern": "gre", "greek": "gre", "croatian": "hrv", "serbian": "srp", "slovak": "slo",
    "slovenian": "slv", "romanian": "rum", "bulgarian": "bul", "ukrainian": "ukr", "persian": "per",
    "arabic": "ara", "lithuanian": "lit", "estonian": "est", "latvian": "lav", "icelandic": "ice",
    "afrikaans": "afr", "thai": "tha", "vietnamese": "vie", "indonesian": "ind", "malay": "may",
    "catalan": "cat", "bosnian": "bos", "macedonian": "mac", "georgian": "geo", "albanian": "alb",
}

_AFFIL_MARK = re.compile(r"\(\d+\)")
_WS = re.compile(r"\s+")


def join_lines(lines: list[str]) -> str:
    return _WS.sub(" ", " ".join(line.strip() for line in lines)).strip()


def split_pubmed_authors(text: str) -> list[str]:
    """'Zhang HW(1), Yu J(1)(2); PIPARI Study Group.' -> ['Zhang HW', 'Yu J', 'PIPARI Study Group']"""
    text = _AFFIL_MARK.sub("", " ".join(text.split())).strip()
    text = text.removesuffix(".")
    out = []
    for part in re.split(r"(?:(?<!\s)|(?=[,;]))\s*[,;]\s+", text):  # not restarted inside a blank run
        part = part.strip(" ,;")
        if part:
            out.append(part)
    return out


NAME_ITEM = re.compile(r"^[^\W\d_][\w'’.\- ]*\s[A-Z\u00C0-\u00DE]{1,5}(?:\s(?:Jr|Sr|\d(?:st|nd|rd|th)|I{1,3}|IV))?$")
_GROUP_WORDS = re.compile(
    r"\b(?:group|consortium|collaborat\w*|committee|network|investigators?|team|society|"
    r"association|council|working|panel|study|task force|centers?|organi[sz]ation)\b",
    re.IGNORECASE,
)


def looks_like_authors(text: str) -> bool:
    """True for 'Zhang HW(1), Yu J(2).' style author lines (and collective names after ';')."""
    text = " ".join(text.split())
    if not text or len(text) > 20000:
        return False
    items = split_pubmed_authors(text)
    if not items:
        return False
    good = 0
    for it in items:
        if NAME_ITEM.match(it) or (len(it.split()) <= 8 and _GROUP_WORDS.search(it)):
            good += 1
    return good >= max(1, int(len(items) * 0.8 + 0.5))


def parse_mesh_lines(lines: list[str]) -> list[MeshTerm]:
    """'Neoplasms* / drug therapy' bullets -> MeshTerms, merging repeated descriptors."""
    terms: dict[str, MeshTerm] = {}
    for raw in lines:
        parts = [p.strip() for p in raw.split("/")]
        desc = parts[0]
        major = False
        if desc.endswith("*") or desc.startswith("*"):
            major = True
            desc = desc.strip("*").strip()
        if not desc:
            continue
        term = terms.get(desc)
        if term is None:
            term = terms[desc] = MeshTerm(descriptor=desc, major=major)
        term.major = term.major or major
        for q in parts[1:]:
            qmajor = q.startswith("*") or q.endswith("*")
            q = q.strip("*").strip()
            if not q:
                continue
            for existing in term.qualifiers:
                if existing["name"] == q:
                    existing["major"] = existing["major"] or qmajor
                    break
            else:
                term.qualifiers.append({"name": q, "major": qmajor})
    return list(terms.values())


_SECTION_LABEL = re.compile(r"^([A-Z][A-Za-z0-9 ,&/()'\-]{0,60}?):\s+(?=\S)")


def abstract_sections(paragraphs: list[str]) -> list[Section]:
    """Structured-abstract labels ('BACKGROUND: ...') when most paragraphs carry one."""
    secs = []
    for p in paragraphs:
        m = _SECTION_LABEL.match(p)
        if not m or len(m.group(1).split()) > 6:
            return []
        secs.append(Section(label=m.group(1), text=p[m.end():].strip()))
    return secs if len(secs) >= 2 else []


# --------------------------------------------------------------------------------------------
# The Abstract (text) format
# --------------------------------------------------------------------------------------------

_RECORD_HEAD = re.compile(r"^(\d{1,6})\.(?:\s+(\S.*))?\s*$")
_PMID_LINE = re.compile(r"^PMID:\s*(\d+)\s*(.*)$")
_PMCID_LINE = re.compile(r"^PMCID:\s*(PMC\d+)\s*(.*)$")
_DOI_LINE = re.compile(r"^DOI:\s*(\S+)")
_PII_LINE = re.compile(r"^PII:\s*(\S+)")
_ID_LINE = re.compile(r"^(?:PMID|PMCID|DOI|PII):")
_LANG = re.compile(r"^\[Article in ([^;\]]+)(?:;\s*+([^\]]*))?\]$")  # \s*+: blanks not re-tried
_RELATION = re.compile(
    r"^(?:Comment|Erratum|Corrected and republished|Republished|Retraction|Retracted|Update|Updated|"
    r"Expression of concern|Summary for patients|Original report|Reprint|Cites|Partial retraction|"
    r"Dataset|Companion|Correction|Reprinted|Translation)\b[\w ]{0,30}\s(?:in|on|for|of|from|to|by)$"
)
_COPYRIGHT = re.compile(r"^(?:Copyright\b|©|\(c\)\s|\(C\)\s|Crown Copyright)")
_BULLET = re.compile(r"^\s*[•·*\-]\s+(.*)$")
_LIST_SECTIONS = {
    "publication types": "publication_types",
    "mesh terms": "mesh",
    "substances": "substances",
    "supplementary concepts": "supplementary_concepts",
    "grants and funding": "grants",
    "related information": "related_information",
    "linkout - more resources": "linkout",
    "associated data": "associated_data",
    "full text links": "full_text_links",
    "similar articles": "similar_articles",
    "cited by": "cited_by",
    "references": "references",
    "figures": "figures",
    "conflict of interest statement": "conflict_of_interest",
    "comment in": "relation",
    "comment on": "relation",
    "erratum in": "relation",
    "erratum for": "relation",
    "update of": "relation",
    "update in": "relation",
    "retraction in": "relation",
    "retraction of": "relation",
}

_CITATION_SNIFF = re.compile(
    r"^\d{1,6}\.\s+[^\n]{2,120}?\.\s+\d{4}(?:\s+[A-Za-z]{3,9})?(?:\s+\d{1,2})?[;:.]", re.MULTILINE
)
_SEED_CITATION_SNIFF = re.compile(r"^[A-Z][^\n]{1,120}?\.\s+\d{4}\s+[A-Z][a-z]{2}\b[^\n]*[;:]", re.MULTILINE)


def _blocks(lines: list[tuple[int, str]]) -> list[tuple[int, list[str]]]:
    """Group (line_no, text) pairs into blank-line separated blocks."""
    out: list[tuple[int, list[str]]] = []
    cur: list[str] = []
    start = 0
    for no, line in lines:
        if line.strip():
            if not cur:
                start = no
            cur.append(line.rstrip())
        elif cur:
            out.append((start, cur))
            cur = []
    if cur:
        out.append((start, cur))
    # identifier lines ("DOI:", "PMID:") sometimes follow text without a blank line: cut there
    fixed: list[tuple[int, list[str]]] = []
    for start, block in out:
        piece: list[str] = []
        kind = None
        for k, line in enumerate(block):
            is_id = bool(_ID_LINE.match(line.strip()))
            if piece and is_id != kind:
                fixed.append((start, piece))
                piece, start = [], start + k
            piece.append(line)
            kind = is_id
        fixed.append((start, piece))
    return fixed


def split_records(text: str) -> list[tuple[int, list[tuple[int, str]]]]:
    """Cut at '1. ', '2. ', ... header lines that continue the count.

    A header normally follows a blank line. One that does not -- pages of an export pasted together,
    the next record's '12. Blood. 2021 ...' straight under the last one's 'PMID:' line (or under the
    'Conflict of interest statement' that can follow it) -- still starts a record when a citation
    follows its number, the number continues the count, and the record before it has had its 'PMID:'
    line. A line inside an abstract that merely starts with a number ('2. Patients were ...') comes
    before its record's PMID line, so it never cuts a record."""
    lines = text.split("\n")
    starts: list[int] = []
    expected: int | None = None
    pmid_seen = False  # the current record has reached its 'PMID:' line
    for i, line in enumerate(lines):
        m = _RECORD_HEAD.match(line)
        if not m:
            if not pmid_seen and line.startswith("PMID:") and _PMID_LINE.match(line.strip()):
                pmid_seen = True
            continue
        n = int(m.group(1))
        after_blank = i == 0 or not lines[i - 1].strip()
        if not after_blank and not pmid_seen:
            continue
        head = " ".join([m.group(2) or ""] + ([lines[i + 1]] if i + 1 < len(lines) else []))
        citation = bool(m.group(2)) and _CITATION.match(head) is not None
        if after_blank:
            # the next number, or a gap in the numbering before a real citation line
            ok = (expected is None and citation) or n == expected or (
                expected is not None and expected < n < expected + 50 and citation)
        else:  # glued under the previous, finished record
            ok = expected is not None and citation and expected <= n < expected + 50
        if ok:
            starts.append(i)
            expected = n + 1
            pmid_seen = False
    if not starts:
        body = [(i + 1, line) for i, line in enumerate(lines)]
        first = next((no for no, ln in body if ln.strip()), 1)
        return [(first, body)] if text.strip() else []
    out = []
    for k, s in enumerate(starts):
        e = starts[k + 1] if k + 1 < len(starts) else len(lines)
        out.append((s + 1, [(i + 1, lines[i]) for i in range(s, e)]))
    return out


class PubMedTextImporter:
    name = "pubmed_text"
    label = "PubMed Abstract (text)"
    extensions = (".txt",)

    def sniff(self, text: str) -> float:
        head = text.lstrip("\ufeff \n")[:20000]
        if not head or head.startswith(("# ", "<", "{", "@", "%")):
            return 0.0
        if re.search(r"^(?:PMID|TI  |AU  |TY  )- ", head, re.MULTILINE):  # MEDLINE / RIS
            return 0.0
        if re.search(r"^\*\*[A-Za-z ]+:\*\*", head, re.MULTILINE):  # Markdown summary
            return 0.0
        if re.match(r"\d{1,7}: \S", head):  # PubMed Summary (text): '1: Author A. Title...'
            return 0.05
        score = 0.0
        if _CITATION_SNIFF.search(head[:3000]):
            score += 0.45
        elif _SEED_CITATION_SNIFF.search(head[:3000]):
            score += 0.3
        if re.search(r"^PMID:\s*\d+", head, re.MULTILINE):
            score += 0.3
        if re.search(r"^Author information:", head, re.MULTILINE):
            score += 0.15
        if re.search(r"^(?:DOI: 10\.|PMCID: PMC\d)", head, re.MULTILINE):
            score += 0.1
        if re.search(r"^(?:Abstract|MeSH terms|Publication types|Substances)\s*$", head, re.MULTILINE):
            score += 0.25
        if re.search(r"^[^\S\n]+• ", head, re.MULTILINE):  # an indented bullet line
            score += 0.1
        if re.search(r"^Keywords: ", head, re.MULTILINE):
            score += 0.05
        return max(0.0, min(score, 0.95))

    def parse(self, text: str) -> ParseResult:
        text = text.lstrip("\ufeff")
        result = ParseResult(format=self.name)
        for k, (start, lines) in enumerate(split_records(text), 1):
            try:
                paper = _parse_record(lines)
            except Exception as exc:  # noqa: BLE001 -- one bad record must not stop the file
                result.errors.append(RecordError(k, start, f"cannot read this record: {exc}"))
                continue
            if paper is None:
                result.errors.append(RecordError(k, start, "no title or citation found in this record"))
                continue
            result.papers.append(paper)
        return result


def _parse_record(lines: list[tuple[int, str]]) -> Paper | None:
    blocks = [b for _, b in _blocks(lines)]
    if not blocks:
        return None
    paper = Paper()
    m = _RECORD_HEAD.match(blocks[0][0])
    numbered = False
    if m:
        head = join_lines([m.group(2) or ""] + blocks[0][1:])
        cit = parse_citation(head)
        if cit:
            numbered = True
            paper.extra["record_number"] = int(m.group(1))
            paper.citation = head
            apply_citation(paper, cit)
            blocks = blocks[1:]
            if blocks:
                paper.title = join_lines(blocks[0])
                blocks = blocks[1:]
        else:  # a numbered record whose citation line is unreadable
            blocks = ([[head]] if head else []) + blocks[1:]
            if not blocks:
                return None
    if not numbered:
        # web-page layout: title, then the citation (either order tolerated)
        for i in range(min(3, len(blocks))):
            cand = join_lines(blocks[i])
            if _is_special(blocks[i]):
                break
            cit = parse_citation(cand)
            if cit and cit.journal and len(cit.journal) <= 120 and len(cand) < 600:
                paper.citation = cand
                apply_citation(paper, cit)
                before = blocks[:i]
                blocks = blocks[i + 1:]
                if before:
                    paper.title = join_lines(before[0])
                elif blocks and not _is_special(blocks[0]):
                    paper.title = join_lines(blocks[0])
                    blocks = blocks[1:]
                break
        else:
            if blocks and not _is_special(blocks[0]):
                paper.title = join_lines(blocks[0])
                blocks = blocks[1:]
    if not paper.title and not paper.citation:
        return None

    abstract: list[str] = []
    state = "header"  # header -> abstract -> trailer
    section: str | None = None  # a web-layout list section being read
    relation: str | None = None
    for block in blocks:
        first = block[0].strip()
        low = first.lower().rstrip(":")
        # ---- web-layout section headers ("MeSH terms", "Grants and funding", ...)
        if first.rstrip(":") and low in _LIST_SECTIONS and (len(block) == 1 or _BULLET.match(block[1])):
            section = _LIST_SECTIONS[low]
            relation = first.rstrip(":") if section == "relation" else None
            if section != "relation":
                state = "trailer"
            rest = block[1:]
            if rest:
                _section_content(paper, section, rest, relation)
            continue
        if first == "Abstract" and len(block) == 1:
            state, section = "abstract", None
            continue
        if section is not None and (_BULLET.match(first) or section in ("grants", "conflict_of_interest")):
            _section_content(paper, section, block, relation)
            continue
        section = None
        # ---- blocks recognised anywhere
        if first.startswith("Keywords:"):
            kw = join_lines(block)[len("Keywords:"):].strip()
            kw = kw.removesuffix(".")
            paper.keywords += [k.strip() for k in kw.split(";") if k.strip()]
            state = "trailer"
            continue
        if all(_ID_LINE.match(ln.strip()) for ln in block):
            _id_lines(paper, block)
            state = "trailer"
            continue
        if first.startswith("Conflict of interest statement:"):
            paper.extra["conflict_of_interest"] = join_lines(block)[len("Conflict of interest statement:"):].strip()
            state = "trailer"
            continue
        if first.startswith("Author information:"):
            paper.extra["author_information"] = _affiliations(block)
            continue
        if first.startswith("Collaborators:"):
            paper.extra["collaborators"] = split_pubmed_authors(join_lines(block)[len("Collaborators:"):])
            continue
        if _RELATION.match(first) and all(ln.startswith((" ", "\t")) for ln in block[1:]):
            items = [ln.strip() for ln in block[1:] if ln.strip()]
            paper.extra.setdefault("relations", {}).setdefault(first, []).extend(items)
            continue
        lang = _LANG.match(join_lines(block))
        if lang:
            name = lang.group(1).strip()
            first_lang = name.split(",")[0].strip()
            paper.language = LANGUAGES.get(first_lang.lower(), first_lang)
            paper.extra["language_name"] = name
            if lang.group(2):
                paper.extra["language_note"] = lang.group(2).strip()
            continue
        joined = join_lines(block)
        if _COPYRIGHT.match(first):
            paper.extra.setdefault("copyright", []).append(joined)
            state = "trailer" if state == "abstract" else state
            continue
        if first.startswith("Publisher:"):
            paper.extra.setdefault("other_abstract", []).append(joined[len("Publisher:"):].strip())
            continue
        if state == "header":
            if joined == "[No authors listed]":
                state = "authors_done"
                continue
            if not paper.authors and (looks_like_authors(joined) or _next_is_author_info(blocks, block)):
                paper.authors = split_pubmed_authors(joined)
                state = "authors_done"
                continue
            state = "abstract"
        if state == "authors_done":
            state = "abstract"
        if state == "abstract":
            abstract.extend(_split_labelled(block))
        else:  # text after the trailer (e.g. a legacy 'Comment in' note): keep it
            paper.extra.setdefault("notes", []).append(joined)
    paper.abstract = "\n\n".join(abstract)
    if "_mesh_lines" in paper.extra:
        paper.mesh_terms = parse_mesh_lines(paper.extra.pop("_mesh_lines"))
    paper.abstract_sections = abstract_sections(abstract)
    return paper


_CAPS_LABEL = re.compile(r"^[A-Z][A-Z0-9 ,&/()'\-]{1,60}:\s")
_ANY_LABEL = re.compile(r"^[A-Z][A-Za-z0-9 ,&/()'\-]{1,60}:\s")


def _split_labelled(block: list[str]) -> list[str]:
    """A structured abstract puts each 'LABEL: text' on a new line inside one block."""
    titled = bool(_ANY_LABEL.match(block[0]))
    paras: list[list[str]] = []
    for line in block:
        m = _CAPS_LABEL.match(line) or (titled and _ANY_LABEL.match(line))
        if m and len(m.group(0).split()) <= 6 and paras and paras[-1][-1].rstrip().endswith((".", "?", "!", ")")):
            paras.append([line])
        elif paras:
            paras[-1].append(line)
        else:
            paras.append([line])
    return [join_lines(p) for p in paras]


def _next_is_author_info(blocks: list[list[str]], block: list[str]) -> bool:
    for i, b in enumerate(blocks):
        if b is block:
            return i + 1 < len(blocks) and blocks[i + 1][0].startswith("Author information:")
    return False


def _is_special(block: list[str]) -> bool:
    first = block[0].strip()
    return (
        first in ("Abstract",)
        or first.lower().rstrip(":") in _LIST_SECTIONS
        or first.startswith(("Keywords:", "Author information:", "PMID:", "DOI:", "PMCID:"))
    )


def _affiliations(block: list[str]) -> list[str]:
    text = join_lines(block)[len("Author information:"):].strip()
    parts = re.split(r"(?:^|\s)(?=\(\d+\))", text)
    return [p.strip() for p in parts if p.strip()]


def _id_lines(paper: Paper, block: list[str]) -> None:
    for ln in block:
        ln = ln.strip()
        m = _PMID_LINE.match(ln)
        if m:
            paper.pmid = m.group(1)
            status = m.group(2).strip().strip("[]").strip()
            if status:
                paper.extra["pubmed_status"] = status
            continue
        m = _PMCID_LINE.match(ln)
        if m:
            paper.pmcid = m.group(1)
            if m.group(2).strip():
                paper.extra["pmcid_note"] = m.group(2).strip().strip("[]")
            continue
        m = _DOI_LINE.match(ln)
        if m:
            paper.doi = m.group(1)
            continue
        m = _PII_LINE.match(ln)
        if m:
            paper.extra["pii"] = m.group(1)


def _section_content(paper: Paper, section: str, block: list[str], relation: str | None) -> None:
    bullets: list[str] = []
    for ln in block:
        b = _BULLET.match(ln)
        if b:
            bullets.append(b.group(1).strip())
        elif bullets and ln.startswith((" ", "\t")):
            bullets[-1] += " " + ln.strip()
        else:
            bullets.append(ln.strip())
    if section == "publication_types":
        paper.publication_types += bullets
    elif section == "mesh":
        paper.extra.setdefault("_mesh_lines", []).extend(bullets)
    elif section == "substances":
        paper.substances += bullets
    elif section == "grants":
        if any(_BULLET.match(ln) for ln in block):
            paper.grants += bullets
        else:
            paper.grants.append(join_lines(block))
    elif section == "conflict_of_interest":
        paper.extra["conflict_of_interest"] = join_lines(block)
    elif section == "relation":
        paper.extra.setdefault("relations", {}).setdefault(relation or "related", []).extend(bullets)
    else:
        paper.extra.setdefault(section, []).extend(bullets)


register(PubMedTextImporter())
