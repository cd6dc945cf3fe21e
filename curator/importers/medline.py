"""MEDLINE / PubMed ``.nbib`` tagged format ("PMID- 123", "TI  - ...") -> Paper records (pure).

One field per tag line; continuation lines are indented (normally 6 spaces). Records are
separated by blank lines, and a second ``PMID-`` tag inside one block also starts a new record.
Old-style MEDLINE (``UI  -`` before ``PMID-``, ``CY`` instead of ``PL``) is read as well.

Public API:
    IMPORTER.parse(text) -> ParseResult
    iter_records(text)   -> iterator of (record_number, line, Paper | RecordError)
    parse_medline_date("2018 Jan 5") -> "2018-01-05"   (shared with the PubMed XML importer)
    parse_mesh_heading("Neoplasms/*drug therapy") -> MeshTerm
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from curator.domain.paper import MeshTerm, Paper, Section
from curator.importers import register
from curator.importers.base import ParseResult, RecordError, to_int

# ---------------------------------------------------------------- dates (shared helpers)

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_DATE_TOKENS = re.compile(r"[A-Za-z]+|\d+")


def month_number(token: str | None) -> int | None:
    """'Jan' / 'January' / '01' / '1' -> 1; seasons and junk -> None."""
    if not token:
        return None
    t = token.strip()
    if t.isdigit():  # '²' too: isdigit() accepts it, to_int refuses it
        return to_int(t, 1, 12)
    return MONTHS.get(t[:3].lower()) if len(t) >= 3 else None


def make_date(year: str | int | None, month: str | int | None = None,
              day: str | int | None = None) -> str | None:
    """'YYYY-MM-DD', 'YYYY-MM' or 'YYYY' from parts, as precise as the parts allow."""
    if year is None:
        return None
    y = str(year).strip()
    if not (len(y) == 4 and to_int(y) is not None):
        return None
    m = to_int(month, 1, 12) if isinstance(month, int) else month_number(month)
    if not m:
        return y
    d = to_int(day, 1, 31)
    return f"{y}-{m:02d}-{d:02d}" if d else f"{y}-{m:02d}"


def parse_medline_date(text: str | None) -> str | None:
    """A MEDLINE DP / XML MedlineDate value to 'YYYY-MM-DD' / 'YYYY-MM' / 'YYYY'.

    '2018 Jan 5' -> '2018-01-05'; '2003 Feb' -> '2003-02'; '2013 06 10' -> '2013-06-10';
    '1998 Dec-1999 Jan' -> '1998-12' (start of a range); '2000 Spring' -> '2000'.
    """
    if not text:
        return None
    tokens = _DATE_TOKENS.findall(text)
    for i, tok in enumerate(tokens):
        if len(tok) == 4 and to_int(tok, 1000, 2999):
            rest = tokens[i + 1:i + 3]
            month = month_number(rest[0]) if rest else None
            if month is None:
                return tok
            day = None
            if len(rest) > 1 and len(rest[1]) <= 2 and to_int(rest[1]) is not None:
                # "2001 Nov 15-Dec 1" -> day 15; "1998 Dec-1999 Jan": '1999' is not a day.
                day = rest[1]
            return make_date(tok, month, day)
    return None


# ---------------------------------------------------------------- MeSH / substances


def parse_mesh_heading(value: str) -> MeshTerm | None:
    """'Neoplasms/*drug therapy' -> MeshTerm('Neoplasms', qualifiers=[drug therapy, major]);
    '*Software' -> MeshTerm('Software', major=True)."""
    parts = [p.strip() for p in value.split("/")]
    if not parts or not parts[0].strip("* "):
        return None
    desc = parts[0]
    major = desc.startswith("*")
    desc = desc.lstrip("*").strip()
    quals = []
    for q in parts[1:]:
        if not q.strip("* "):
            continue
        quals.append({"name": q.lstrip("*").strip(), "major": q.startswith("*")})
    return MeshTerm(descriptor=desc, major=major, qualifiers=quals)


def substance_name(rn_value: str) -> str | None:
    """RN '0 (Antibodies, Monoclonal)' -> 'Antibodies, Monoclonal'; a bare number -> None."""
    v = rn_value.strip()
    _, sep, rest = v.partition(" (")
    if sep and rest.endswith(")"):
        return rest[:-1].strip() or None
    if v.startswith("(") and v.endswith(")"):
        return v[1:-1].strip() or None
    return None


def initials(given: str) -> str:
    """'Marylee J' -> 'MJ'; 'Jean-Pierre' -> 'JP'; 'C.W.' -> 'CW'."""
    return "".join(p[0].upper() for p in re.split(r"[\s.\-]+", given) if p and p[0].isalpha())


def short_author(full: str) -> str:
    """FAU 'Long, Vicky' -> 'Long V' (used only when a record has no AU lines)."""
    last, sep, first = full.partition(",")
    if not sep:
        return full.strip()
    ini = initials(first)
    return f"{last.strip()} {ini}" if ini else last.strip()


# ---------------------------------------------------------------- structured abstracts

# PubMed writes structured-abstract labels in capitals: "BACKGROUND: ... METHODS: ...".
_LABEL = r"[A-Z][A-Z0-9]+(?:[ ,&/'-]+[A-Z0-9]+)*"
_FIRST_LABEL = re.compile(rf"^({_LABEL}): ")
_NEXT_LABEL = re.compile(rf"(?<=[.!?)\]%]) ({_LABEL}): ")


# Words that make up structured-abstract headings, so that "... in 2010. HIV: ..." is not a label.
_HEADING_TEXT = """ABSTRACT ACQUISITION ADDS ADVANCES AFFECT AIM AIMS ALREADY ANALYSES ANALYSIS AND ANIMALS
    APPRAISAL APPROACH AREAS AVAILABILITY BACKGROUND BACKGROUNDS CASE CASES CHARACTERISTICS
    CLINICAL COMMENT COMMENTS CONCLUSION CONCLUSIONS CONTACT CONTEXT CONTRIBUTION COVERED CRITERIA
    DATA DESCRIPTION DESIGN DESIGNS DIAGNOSIS DIRECTIONS DISCUSSION DISSEMINATION DOES ELIGIBILITY
    ETHICS EVIDENCE EXPERIMENTAL EXPERT EXPOSURE EXPOSURES EXTRACTION FACTORS FINDING FINDINGS
    FOR FROM FUNDING FUTURE GOAL GOALS GRAPHICAL HOW HYPOTHESIS IMPACT IMPLICATIONS IMPORTANCE IN
    INFORMATION INTERPRETATION INTERVENTION INTERVENTIONS INTRODUCTION IS KEY KNOWN LANGUAGE
    LEVEL LIMITATIONS MAIN MANAGEMENT MATERIAL MATERIALS MEASUREMENT MEASUREMENTS MEASURES METHOD
    METHODOLOGY METHODS MIGHT NEW NUMBER OBJECTIVE OBJECTIVES OBSERVATION OBSERVATIONS OF ON
    OPINION OR OTHER OUTCOME OUTCOMES OVERVIEW PARTICIPANTS PATIENT PATIENTS PERSPECTIVE
    PERSPECTIVES PLAIN POINTS POLICY POPULATION PRACTICE PRESENTATION PRIMARY PROBLEM PROCEDURE
    PROCEDURES PROTOCOL PURPOSE PURPOSES QUESTION QUESTIONS RATIONALE RECENT RECOMMENDATIONS
    REGISTRATION REGISTRY RELEVANCE REPORT REPORTS RESEARCH RESULT RESULTS REVIEW RISK SAMPLE
    SEARCH SECONDARY SELECTION SETTING SETTINGS SIGNIFICANCE SOURCES STATEMENT STATISTICAL STRATEGY
    STRENGTHS STUDY SUBJECTS SUMMARY SUPPLEMENTARY SYNTHESIS SYSTEMATIC TECHNIQUE THE THIS TO
    TOPIC TRIAL TRIALS TYPE UNLABELLED WHAT WHY"""
_HEADING_WORDS = frozenset(_HEADING_TEXT.split())
_LABEL_WORD = re.compile(r"[A-Z0-9]+")


def _is_heading(label: str) -> bool:
    return all(w in _HEADING_WORDS for w in _LABEL_WORD.findall(label))


def split_structured_abstract(text: str) -> list[Section]:
    """Split 'BACKGROUND: a. METHODS: b.' into labelled sections; [] when not structured.

    Labels are capitalised headings made of usual heading words (BACKGROUND, MATERIALS AND
    METHODS, TRIAL REGISTRATION...), at the start or right after the end of a sentence."""
    m = _FIRST_LABEL.match(text)
    if not m or not _is_heading(m.group(1)):
        return []
    cuts = [(0, m.group(1), m.end())]
    for n in _NEXT_LABEL.finditer(text, m.end()):
        if _is_heading(n.group(1)):
            cuts.append((n.start(), n.group(1), n.end()))
    sections = []
    for i, (_, label, body_start) in enumerate(cuts):
        end = cuts[i + 1][0] if i + 1 < len(cuts) else len(text)
        sections.append(Section(label=label, text=text[body_start:end].strip()))
    return sections


# ---------------------------------------------------------------- tagged-line reader

_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,3}-(?: |$)?(.*)$")
_PMID_VALUE = re.compile(r"^\d+")
_DOI_IN_VALUE = re.compile(r"^(?:doi:\s*)?(10\.\d{2,9}/\S+)", re.IGNORECASE)

KNOWN_TAGS = frozenset(
    [
        "AB", "AD", "AID", "AU", "AUID", "BTI", "CI", "CIN", "CN", "COI", "COIS", "CON", "CP", "CRDT",
        "CRF", "CRI", "CTDT", "CTI", "CY", "DA", "DCOM", "DDIN", "DEP", "DP", "DRIN", "ECF", "ECI",
        "EDAT", "EFR", "EIN", "ED", "EN", "FAU", "FED", "FIR", "FPS", "GN", "GR", "GS", "IP", "IR",
        "IRAD", "IS", "ISBN", "JID", "JT", "LA", "LID", "LR", "MH", "MHDA", "MID", "NM", "NR", "OAB",
        "OABL", "OCI", "OID", "ORI", "OT", "OTO", "OWN", "PB", "PG", "PHST", "PL", "PMC", "PMCR",
        "PMID", "PS", "PST", "PT", "PUBM", "RETN", "RF", "RIN", "RN", "ROF", "RPF", "RPI", "RRF",
        "RRI", "SB", "SFM", "SI", "SO", "SPIN", "STAT", "TA", "TI", "TT", "UI", "UIN", "UOF", "VI",
        "VTI",
    ]
)

# Tags that map to Paper fields; everything else is kept verbatim in extra["medline_tags"].
_MAPPED = frozenset(
    [
        "PMID", "TI", "AU", "FAU", "CN", "TA", "JT", "DP", "VI", "IP", "PG", "AID", "LID", "PMC", "AB",
        "OT", "MH", "PT", "RN", "NM", "GR", "LA", "SO",
    ]
)


def _split_blocks(lines: list[str]) -> Iterator[tuple[int, list[tuple[str, str, int]], list[str]]]:
    """Group lines into records: (start_line, [(tag, value, line)], junk_lines)."""
    fields: list[list] = []  # [tag, [value parts], line]
    junk: list[str] = []
    start = 0
    has_pmid = False
    for lineno, raw in enumerate(lines, 1):
        line = raw.rstrip()
        if not line.strip():
            if fields:
                yield start, [(f[0], " ".join(f[1]).strip(), f[2]) for f in fields], junk
                fields, junk, has_pmid = [], [], False
            continue
        if line[0] in " \t":
            if fields:  # continuation of the previous tag (indented lines between records: junk)
                fields[-1][1].append(line.strip())
            continue
        m = _TAG_LINE.match(line)
        if not m:
            if fields:
                junk.append(line)
            continue  # junk between records
        tag, value = m.group(1), m.group(2).strip()
        if not fields and tag not in KNOWN_TAGS:
            continue  # prose between records ("HIV-1 ...") does not start a record
        if tag == "PMID":
            if has_pmid and fields:
                yield start, [(f[0], " ".join(f[1]).strip(), f[2]) for f in fields], junk
                fields, junk = [], []
            has_pmid = True
        if not fields:
            start = lineno
        fields.append([tag, [value] if value else [], lineno])
    if fields:
        yield start, [(f[0], " ".join(f[1]).strip(), f[2]) for f in fields], junk


def _doi_from(value: str) -> str | None:
    v = value.strip()
    if v.lower().endswith("[doi]"):
        return v[:-5].strip() or None
    if "[" in v:  # "S0140-6736(18)30001-X [pii]" and the like
        return None
    m = _DOI_IN_VALUE.match(v)
    return m.group(1) if m else None


def _record_to_paper(fields: list[tuple[str, str, int]], junk: list[str]) -> Paper:
    p = Paper()
    extra: dict = {}
    other: dict[str, list[str]] = {}
    titles: list[str] = []
    abstracts: list[str] = []
    full_authors: list[str] = []
    aid_doi = lid_doi = None
    languages: list[str] = []
    for tag, value, _line in fields:
        if tag not in _MAPPED:
            if value:
                other.setdefault(tag, []).append(value)
            continue
        if not value:
            continue
        if tag == "PMID":
            m = _PMID_VALUE.match(value)
            if m and not p.pmid:
                p.pmid = m.group(0)
        elif tag == "TI":
            titles.append(value)
        elif tag in ("AU", "CN"):
            p.authors.append(value)
        elif tag == "FAU":
            full_authors.append(value)
        elif tag == "TA":
            p.journal_abbrev = p.journal_abbrev or value
        elif tag == "JT":
            p.journal = p.journal or value
        elif tag == "DP":
            p.pub_date = p.pub_date or parse_medline_date(value)
            extra.setdefault("date_published", value)
        elif tag == "VI":
            p.volume = p.volume or value
        elif tag == "IP":
            p.issue = p.issue or value
        elif tag == "PG":
            p.pages = p.pages or value
        elif tag == "AID":
            aid_doi = aid_doi or _doi_from(value)
            other.setdefault("AID", []).append(value)
        elif tag == "LID":
            lid_doi = lid_doi or _doi_from(value)
            other.setdefault("LID", []).append(value)
        elif tag == "PMC":
            v = value.split()[0]
            p.pmcid = p.pmcid or (v if v.upper().startswith("PMC") else f"PMC{v}")
        elif tag == "AB":
            abstracts.append(value)
        elif tag == "OT":
            if value not in p.keywords:
                p.keywords.append(value)
        elif tag == "MH":
            mt = parse_mesh_heading(value)
            if mt:
                p.mesh_terms.append(mt)
        elif tag == "PT":
            p.publication_types.append(value)
        elif tag == "RN":
            name = substance_name(value)
            if name:
                if name not in p.substances:
                    p.substances.append(name)
            else:
                extra.setdefault("registry_numbers", []).append(value)
        elif tag == "NM":
            extra.setdefault("supplementary_concepts", []).append(value)
        elif tag == "GR":
            p.grants.append(value)
        elif tag == "LA":
            languages.append(value.lower())
        elif tag == "SO":
            p.citation = p.citation or value
    # Repeated TI lines (seen in hand-made files) are one title written in pieces.
    p.title = " ".join(titles)
    if not p.authors and full_authors:
        p.authors = [short_author(a) for a in full_authors]
    if full_authors:
        extra["full_authors"] = full_authors
    if not p.journal and p.journal_abbrev:
        p.journal = p.journal_abbrev
    p.doi = aid_doi or lid_doi
    if abstracts:
        paras: list[str] = []
        for ab in abstracts:
            secs = split_structured_abstract(ab)
            if secs:
                p.abstract_sections.extend(secs)
                paras.extend(f"{s.label}: {s.text}" for s in secs)
            else:
                paras.append(ab)
        p.abstract = "\n\n".join(paras)
    if languages:
        p.language = languages[0]
        if len(languages) > 1:
            extra["languages"] = languages
    for tag, key in (("TT", "vernacular_title"), ("BTI", "book_title"), ("CTI", "collection_title"),
                     ("VTI", "volume_title"), ("UI", "medline_ui")):
        if tag in other:
            extra[key] = other[tag][0]
    if not p.title and "TT" in other:  # only the original-language title is known
        p.title = other["TT"][0]
        extra["title_source"] = "TT"
    if not p.journal and "BTI" in other:
        p.journal = other["BTI"][0]
    country = other.get("PL") or other.get("CY")
    if country:
        extra["country"] = country[0]
    if other:
        extra["medline_tags"] = other
    if junk:
        extra["unparsed_lines"] = junk
    if p.pmid:
        p.source_url = f"https://pubmed.ncbi.nlm.nih.gov/{p.pmid}/"
    p.extra = extra
    p.__post_init__()  # normalise the DOI and derive the year now that the fields are set
    return p


def iter_records(text: str) -> Iterator[tuple[int, int, Paper | RecordError]]:
    """Yield (record_number, start_line, Paper or RecordError) for each tagged block."""
    n = 0
    for start, fields, junk in _split_blocks(text.split("\n")):
        n += 1
        try:
            paper = _record_to_paper(fields, junk)
        except Exception as exc:  # noqa: BLE001 -- one bad record must not stop the file
            yield n, start, RecordError(n, start, f"record {n} (line {start}) could not be read: {exc}")
            continue
        if not (paper.title or paper.pmid or paper.pmcid or paper.doi):
            tags = ", ".join(sorted({f[0] for f in fields})) or "none"
            yield n, start, RecordError(
                n, start, f"record {n} (line {start}) has no title and no PMID/PMCID/DOI (tags: {tags})"
            )
            continue
        yield n, start, paper
        if not paper.title:
            yield n, start, RecordError(n, start, f"record {n} (line {start}) has no title", warning=True)
        for bad in paper.extra.get("unparsed_lines", []):
            yield n, start, RecordError(
                n, start, f"record {n} (line {start}): ignored a line that is not a MEDLINE tag: {bad!r}",
                warning=True,
            )


# ---------------------------------------------------------------- importer

_SNIFF_TAG = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,3}-(?: |$)", re.MULTILINE)
_PMID_TAG = re.compile(r"^PMID- ?\d", re.MULTILINE)
_RIS_TY = re.compile(r"^(?:TY|ER)  -", re.MULTILINE)  # RIS record start / end; MEDLINE has neither
_WOS = re.compile(r"^(?:FN |VR |PT [A-Z]$)", re.MULTILINE)


class MedlineImporter:
    name = "medline"
    label = "MEDLINE / PubMed (.nbib)"
    extensions = (".nbib", ".medline", ".med", ".txt")

    def sniff(self, text: str) -> float:
        head = text[:20000].lstrip("\ufeff")
        if head.lstrip().startswith("<"):
            return 0.0
        if _RIS_TY.search(head):
            return 0.0  # RIS ("TY  - ... ER  -")
        tags = _SNIFF_TAG.findall(head)
        if not tags:
            return 0.0
        known = sum(1 for t in tags if t in KNOWN_TAGS)
        share = known / len(tags)
        if _WOS.search(head) and not _PMID_TAG.search(head):
            return 0.0  # Web of Science tagged ("FN ", "PT J") with no MEDLINE PMID tag
        if _PMID_TAG.search(head) and share >= 0.6:
            return 0.95
        medline_only = {"FAU", "PMCR", "OWN", "STAT", "DP", "JT", "TA", "PG", "PMC", "SO", "MH", "UI"}
        if share >= 0.8 and (len(tags) >= 3 or any(t in medline_only for t in tags)):
            return 0.6
        return 0.2 * share

    def parse(self, text: str) -> ParseResult:
        result = ParseResult(format=self.name)
        for _n, _line, item in iter_records(text):
            if isinstance(item, RecordError):
                result.errors.append(item)
            else:
                result.papers.append(item)
        return result


IMPORTER = register(MedlineImporter())
