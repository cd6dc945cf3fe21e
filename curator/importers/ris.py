"""RIS ("TY  - JOUR" ... "ER  -"): PubMed/EndNote, Zotero, Embase, Scopus, Ovid, ProQuest,
Web of Science, Rayyan and Reference Manager flavours.

Hand-parsed rather than through rispy: rispy drops or mangles records without TY, with several TY
lines, with junk between records and with untagged continuation lines, and it cannot say on which
line a record starts. The tag-line grammar is simple enough to read directly and robustly."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from curator.domain.paper import Paper, normalize_doi
from curator.importers import register
from curator.importers.base import ParseResult, RecordError, to_int

# --------------------------------------------------------------------------------------------
# Shared helpers (also used by the BibTeX and Web of Science importers)
# --------------------------------------------------------------------------------------------

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du", "la",
              "le", "ten", "ter", "zu", "af", "al", "el", "bin", "ibn", "y"}
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "2nd", "3rd", "4th"}
_DOI_ANY = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)


def initials(given: str) -> str:
    """'Claude E.' -> 'CE'; 'J. J.' -> 'JJ'; 'Jean-Pierre' -> 'JP'; 'PS' (already initials) -> 'PS'."""
    out = []
    for tok in re.split(r"[\s.]+", given.strip()):
        if not tok:
            continue
        if tok in _PARTICLES:  # lower-case 'van', 'de'... (but 'Y.' is an initial)
            continue
        letters = [c for c in tok if c.isalpha()]
        if not letters:
            continue
        if len(tok) <= 3 and tok.isupper() and tok.isalpha():  # WoS/PubMed style initials
            out.append(tok)
            continue
        for part in tok.split("-"):
            for c in part:
                if c.isalpha() and unicodedata.category(c) != "Lm":
                    out.append(c.upper())
                    break
    return "".join(out)


def pubmed_style_name(last: str, given: str = "", suffix: str = "") -> str:
    """('Harrison', 'Warren') -> 'Harrison W' (PubMed 'Last FM' style, used by every importer)."""
    last = " ".join(last.split())
    ini = initials(given) if given else ""
    name = f"{last} {ini}".strip()
    if suffix:
        name = f"{name} {suffix.strip().rstrip('.')}"
    return name


def split_comma_name(name: str) -> str:
    """'Harrison, Warren' / 'Valle-Delgado,J. J.' / 'Smith, John, Jr.' -> PubMed style; a name
    without a comma is kept as written (it may be a collective name)."""
    name = " ".join(name.split()).strip(" ;")
    if "," not in name:
        return plain_name(name)
    parts = [p.strip() for p in name.split(",")]
    last = parts[0]
    if len(parts) >= 3 and parts[1].lower() in _SUFFIXES:
        return pubmed_style_name(last, parts[2], parts[1])
    given = " ".join(parts[1:])
    suffix = ""
    toks = given.split()
    if len(toks) > 1 and toks[-1].lower() in _SUFFIXES:
        suffix = toks[-1]
        given = " ".join(toks[:-1])
    if not given:
        return last
    return pubmed_style_name(last, given, suffix)


_CORPORATE = re.compile(
    r"\b(?:group|consortium|collaborat\w*|committee|network|investigators?|team|society|association|"
    r"council|working|panel|study|force|cent(?:er|re)s?|organi[sz]ation|institute|university|"
    r"department|ministry|agency|foundation|office|board|national|world|international|of|and|for)\b",
    re.IGNORECASE,
)
_INITIALS_TOKEN = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")


def plain_name(name: str) -> str:
    """A name without a comma: 'Fanning E.' -> 'Fanning E'; 'Catarina Barata' -> 'Barata C';
    collective or non-Latin names stay as written."""
    toks = name.split()
    if len(toks) < 2 or _CORPORATE.search(name) or any(c.isdigit() for c in name):
        return name
    if _INITIALS_TOKEN.match(toks[-1]) and len(toks) <= 4:
        return pubmed_style_name(" ".join(toks[:-1]), toks[-1])
    if len(toks) > 4 or not all(t[0].isupper() or t.lower() in _PARTICLES for t in toks):
        return name
    if re.search(r"[^A-Za-z\u00C0-\u024F\s.'’-]", name):  # non-Latin script or odd characters
        return name
    k = len(toks) - 1
    while k > 1 and toks[k - 1].lower() in _PARTICLES:
        k -= 1
    return pubmed_style_name(" ".join(toks[k:]), " ".join(toks[:k]))


def parse_loose_date(text: str) -> tuple[int | None, int | None, int | None]:
    """Year, month, day from '2001/09/01/', '2019//', '1948/07//', 'SEP 10', 'Jun', '2015/october',
    '2020-04-03', '10 15' (-> nothing). Never raises."""
    if not text:
        return None, None, None
    t = text.strip()
    year = month = day = None
    parts = [p.strip() for p in re.split(r"[/\-]", t)]
    if len(parts) >= 2 and len(parts[0]) == 4 and to_int(parts[0]) is not None:
        year = to_int(parts[0])
        if len(parts[1]) <= 2 and to_int(parts[1], 1, 12):
            month = to_int(parts[1])
        elif parts[1][:3].lower() in MONTHS:
            month = MONTHS[parts[1][:3].lower()]
        if month and len(parts) >= 3 and len(parts[2]) <= 2:
            day = to_int(parts[2], 1, 31)
        return year, month, day
    m = re.search(r"\b(1[5-9][0-9]{2}|2[01][0-9]{2})\b", t)
    if m:
        year = to_int(m.group(1))
    mm = re.search(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?:\s+(\d{1,2})\b)?", t, re.IGNORECASE)
    if mm:
        month = MONTHS[mm.group(1).lower()]
        day = to_int(mm.group(2), 1, 31)
    return year, month, day


def format_date(year: int | None, month: int | None = None, day: int | None = None) -> str | None:
    if not year:
        return None
    if month and day:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if month:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}"


def find_doi(text: str | None) -> str | None:
    """A DOI inside free text or a URL ('https://doi.org/10.1/x', 'doi: 10.1/x')."""
    if not text:
        return None
    m = _DOI_ANY.search(text)
    if not m:
        return None
    doi = m.group(1).rstrip(".,;")
    while doi.endswith((")", "]")) and doi.count(doi[-1]) > doi.count("(" if doi[-1] == ")" else "["):
        doi = doi[:-1].rstrip(".,;")
    return normalize_doi(doi.replace("%2F", "/").replace("%2f", "/"))


def page_range(first: str | None, last: str | None) -> str | None:
    """SP/EP (or BP/EP) -> '463-467'; '349-69' stays; Ovid 'No'/'Specified' -> None."""
    first = (first or "").strip()
    last = (last or "").strip()
    if first and not re.search(r"\d", first) and (not last or not re.search(r"\d", last)):
        return None
    if first and last and last != first and "-" not in first:
        return f"{first}-{last}"
    return first or (last if re.search(r"\d", last) else None) or None


# --------------------------------------------------------------------------------------------
# RIS
# --------------------------------------------------------------------------------------------

_TAG = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: (.*)|\s*)$")
_LIST_TAGS = {"AU", "A1", "A2", "A3", "A4", "KW", "AD", "UR", "L1", "L2", "L3", "L4", "SN", "C3"}
_TITLE_TAGS = {"TI", "T1", "CT"}
_PMID_TEXT = re.compile(r"(?:\bPMID:?\s*(\d{1,9})\b|\b(\d{1,9})\s*\[pmid\])", re.IGNORECASE)
_PUBMED_URL = re.compile(r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/|[?&]pmid=)(\d{1,9})\b", re.IGNORECASE)
_PMC = re.compile(r"\b(PMC\d{4,9})\b")
_MAPPED = {
    "TY", "ER", "TI", "T1", "CT", "ST", "BT", "AU", "A1", "A2", "JF", "JO", "T2", "JA", "J2", "J1", "JI",
    "J9", "PY", "Y1", "DA", "VL", "IS", "SP", "EP", "DO", "AN", "AB", "N2", "KW", "LA", "UR",
}


@dataclass
class _Rec:
    line: int
    tags: list[list] = field(default_factory=list)  # [tag, value, line]
    has_ty: bool = False
    ended: bool = False
    ty_lines: int = 0

    def add(self, tag: str, value: str, line: int) -> None:
        self.tags.append([tag, value, line])


def _tag_line(line: str) -> tuple[str, str] | None:
    m = _TAG.match(line)
    if not m:
        return None
    return m.group(1), (m.group(2) or "").strip()


def split_ris(text: str) -> list[_Rec]:
    """Group tag lines into records: TY opens (or continues) a record, ER closes it; a record may
    lack TY (its first tag opens it when an ER follows); untagged lines continue the previous tag.
    A TY inside a record that already has a title, followed by another title before the next
    ER, means the ER was lost: the open record is closed there."""
    lines = [raw.replace("\ufeff", "").rstrip() for raw in text.split("\n")]
    parsed = [_tag_line(line) for line in lines]
    title_ahead = [False] * (len(lines) + 1)
    seen = False
    for i in range(len(lines) - 1, -1, -1):
        tl = parsed[i]
        if tl is not None:
            if tl[0] in ("ER", "TY"):
                title_ahead[i] = seen
                seen = False
                continue
            if tl[0] in _TITLE_TAGS and tl[1]:
                seen = True
        title_ahead[i] = seen
    records: list[_Rec] = []
    cur: _Rec | None = None
    pending: _Rec | None = None  # tags seen outside a record
    for i, line in enumerate(lines):
        no = i + 1
        tl = parsed[i]
        if tl is None:
            target = cur or pending
            if line.strip() and target is not None and target.tags:
                tag, value, _ = target.tags[-1]
                cont = line.strip()
                if tag in _LIST_TAGS:
                    target.add(tag, cont, no)
                elif tag in ("N1",):
                    target.tags[-1][1] = f"{value}\n{cont}" if value else cont
                else:
                    target.tags[-1][1] = f"{value} {cont}" if value else cont
            continue
        tag, value = tl
        if tag == "TY":
            if cur is not None and title_ahead[i] and any(t[0] in _TITLE_TAGS and t[1] for t in cur.tags):
                records.append(cur)  # its ER is missing
                cur = None
            if cur is None:
                if pending is not None and records:  # stray tags after an ER (e.g. Ovid 'NL')
                    records[-1].tags.extend(pending.tags)
                pending = None
                cur = _Rec(line=no, has_ty=True)
            cur.ty_lines += 1
            cur.add(tag, value, no)
        elif tag == "ER":
            if cur is None and pending is not None:
                cur, pending = pending, None
            if cur is not None:
                cur.ended = True
                records.append(cur)
                cur = None
        elif cur is not None:
            cur.add(tag, value, no)
        else:
            if pending is None:
                pending = _Rec(line=no)
            pending.add(tag, value, no)
    if cur is not None:
        records.append(cur)
    if pending is not None and records:
        records[-1].tags.extend(pending.tags)
    return records


class RisImporter:
    name = "ris"
    label = "RIS"
    extensions = (".ris", ".txt", ".nbib")

    def sniff(self, text: str) -> float:
        head = text[:20000].replace("\ufeff", "")
        ty = len(re.findall(r"^TY {1,2}- ", head, re.MULTILINE))
        er = len(re.findall(r"^ER {1,2}-", head, re.MULTILINE))
        tags = len(re.findall(r"^[A-Z][A-Z0-9]  - ", head, re.MULTILINE))
        if re.search(r"^(?:PMID|OWN|STAT|FAU)- ", head, re.MULTILINE):  # MEDLINE
            return 0.05 if ty == 0 else 0.3
        if ty == 0 and er == 0:
            return 0.0
        if ty and er:
            return 0.95
        if (ty or er) and tags >= 3:
            return 0.8
        return 0.4

    def parse(self, text: str) -> ParseResult:
        result = ParseResult(format=self.name)
        for k, rec in enumerate(split_ris(text), 1):
            try:
                paper = ris_record_to_paper(rec)
            except Exception as exc:  # noqa: BLE001 -- a broken record must not stop the others
                result.errors.append(RecordError(k, rec.line, f"cannot read this RIS record: {exc}"))
                continue
            result.papers.append(paper)
            if not rec.has_ty:
                result.errors.append(RecordError(
                    k, rec.line, "record has no TY line (imported anyway as a generic reference)",
                    warning=True))
            if not rec.ended:
                result.errors.append(RecordError(
                    k, rec.line, "record has no ER line: the file may be cut short or a record end lost "
                    "(imported anyway; check it)", warning=True))
        return result


def ris_record_to_paper(rec: _Rec) -> Paper:
    tags: dict[str, list[str]] = {}
    for tag, value, _ in rec.tags:
        tags.setdefault(tag, []).append(value.strip())

    def first(*names: str) -> str | None:
        for n in names:
            for v in tags.get(n, []):
                if v:
                    return v
        return None

    def all_of(*names: str) -> list[str]:
        return [v for n in names for v in tags.get(n, []) if v]

    paper = Paper()
    warnings = []
    if not rec.has_ty:
        warnings.append("no TY line")
    if rec.ty_lines > 1:
        warnings.append(f"{rec.ty_lines} TY lines")
    if not rec.ended:
        warnings.append("no ER line at the end of the record")
    ris_type = first("TY")
    paper.title = " ".join((first("TI", "T1", "CT") or first("BT", "ST") or "").split())
    authors = all_of("AU", "A1") or all_of("A2")
    paper.authors = [split_comma_name(a) for a in authors]
    paper.journal = first("JF", "JO", "T2", "JA", "J2", "J1", "JI")
    abbrev = first("J2", "JA", "JI", "J1") or (first("JO") if first("JF") and first("JO") != first("JF") else None)
    paper.journal_abbrev = abbrev
    _ris_dates(paper, tags)
    paper.volume = first("VL")
    paper.issue = first("IS", "CP")
    vm = re.fullmatch(r"(\S+?)\s*\(([^()]+)\)", paper.volume or "")
    if vm and not paper.issue:
        paper.volume, paper.issue = vm.group(1), vm.group(2)
    paper.pages = page_range(first("SP"), first("EP"))
    if first("SP") and not paper.pages:
        paper.extra["pages_raw"] = " ".join(x for x in (first("SP"), first("EP")) if x)
    # DOI: DO (or DI), else a DOI in a URL or note
    for cand in all_of("DO", "DI") + all_of("UR", "L1", "L2", "L3", "M3", "N1", "AN", "LK", "C7"):
        doi = find_doi(cand)
        if doi:
            paper.doi = doi
            break
    _ris_ids(paper, tags)
    paper.abstract = " ".join((first("AB") or first("N2") or "").split("\n")).strip()
    other_abs = first("N2") if first("AB") else None
    if other_abs and other_abs != paper.abstract:
        paper.extra["n2"] = other_abs
    kws: list[str] = []
    for v in all_of("KW"):
        for k in (v.split(";") if ";" in v else [v]):
            k = k.strip()
            if k and k not in kws:
                kws.append(k)
    paper.keywords = kws
    paper.language = first("LA")
    urls = []
    for v in all_of("UR"):
        urls += [u for u in re.split(r"[\s;]+", v) if u]
    if urls:
        paper.source_url = urls[0]
        if len(urls) > 1:
            paper.extra["urls"] = urls
    if ris_type:
        paper.extra["ris_type"] = ris_type
    if all_of("A2") and all_of("AU", "A1"):
        paper.extra["secondary_authors"] = all_of("A2")
    for n in ("PB", "SN", "CY", "N1", "AD", "ID"):
        vals = all_of(n)
        if vals:
            paper.extra[{"PB": "publisher", "SN": "issn", "CY": "place", "N1": "notes", "AD": "affiliations",
                         "ID": "ris_id"}[n]] = vals if len(vals) > 1 or n in ("N1", "AD", "SN") else vals[0]
    rest = {t: v for t, v in tags.items() if t not in _MAPPED and t not in ("PB", "SN", "CY", "N1", "AD", "ID")}
    rest = {t: [x for x in v if x] for t, v in rest.items()}
    rest = {t: v for t, v in rest.items() if v}
    if rest:
        paper.extra["ris"] = rest
    if warnings:
        paper.extra["warnings"] = warnings
    return paper


def _ris_dates(paper: Paper, tags: dict[str, list[str]]) -> None:
    cands = []
    for n in ("PY", "Y1", "DA"):
        for v in tags.get(n, []):
            if v and not re.search(r"/(?:received|accepted|revised)\b", v, re.IGNORECASE):
                cands.append((n, v))
    year = None
    for _, v in cands:
        y, _, _ = parse_loose_date(v)
        if y:
            year = y
            break
    if year is None:
        raw = [v for _, v in cands]
        if raw:
            paper.extra["date_raw"] = raw[0]
        return
    best = (year, None, None)
    for _, v in cands:
        y, m, d = parse_loose_date(v)
        if y not in (None, year) or not m:
            continue
        if best[1] is None or (d and best[2] is None):
            best = (year, m, d)
    paper.pub_date = format_date(*best)
    paper.year = year


def _ris_ids(paper: Paper, tags: dict[str, list[str]]) -> None:
    source = " ".join(tags.get("DP", []) + tags.get("DB", [])).lower()
    from_pubmed = any(s in source for s in ("nlm", "pubmed", "medline"))
    for v in tags.get("AN", []):
        v = v.strip()
        if re.fullmatch(r"\d{1,8}", v) and from_pubmed:
            paper.pmid = v
        elif _PMC.fullmatch(v):
            paper.pmcid = v
        elif v:
            paper.extra["accession"] = v
    if not paper.pmid and "scopus" in source:  # Scopus writes the PubMed ID, bare, in C2
        for v in tags.get("C2", []):
            if re.fullmatch(r"\d{1,9}", v.strip()):
                paper.pmid = v.strip()
                break
    if not paper.pmid:
        for n in ("AN", "U1", "U2", "U3", "U4", "U5", "N1", "M1", "M2", "C1", "C2", "C5", "C6", "LB"):
            for v in tags.get(n, []):
                m = _PMID_TEXT.search(v)
                if m:
                    paper.pmid = m.group(1) or m.group(2)
                    break
            if paper.pmid:
                break
    if not paper.pmid:
        for n in ("UR", "L1", "L2", "LK"):
            for v in tags.get(n, []):
                m = _PUBMED_URL.search(v)
                if m:
                    paper.pmid = m.group(1)
                    break
            if paper.pmid:
                break
    if not paper.pmcid:
        for n in ("UR", "L1", "L2", "N1", "C2", "AN"):
            for v in tags.get(n, []):
                m = _PMC.search(v)
                if m:
                    paper.pmcid = m.group(1)
                    break
            if paper.pmcid:
                break


register(RisImporter())
