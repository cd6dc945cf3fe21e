"""Web of Science / ISI tagged plain text ("FN Clarivate Analytics Web of Science", "VR 1.0",
"PT J", "AU ...", ..., "ER", "EF"); continuation lines are indented by three spaces."""

from __future__ import annotations

import re

from curator.domain.paper import Paper, normalize_doi
from curator.importers import register
from curator.importers.base import ParseResult, RecordError, to_int
from curator.importers.ris import find_doi, format_date, page_range, parse_loose_date, split_comma_name

_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")
_CONT = re.compile(r"^ {2,3}(\S.*)$")
# fields whose continuation lines are separate items (one author / reference / address per line)
_LINE_ITEMS = {"AU", "AF", "BA", "BF", "CA", "GP", "CR", "C1", "C3", "ED", "RP"}
_HEADER = {"FN", "VR"}


def split_wos(text: str) -> list[tuple[int, dict[str, list[str]], bool]]:
    """Records as (start line, {tag: [values]}, ended_with_ER)."""
    records: list[tuple[int, dict[str, list[str]], bool]] = []
    cur: dict[str, list[str]] | None = None
    start = 0
    last: str | None = None
    for no, raw in enumerate(text.split("\n"), 1):
        line = raw.replace("\ufeff", "").rstrip()
        if not line.strip():
            continue
        cm = _CONT.match(line)
        if cm and cur is not None and last is not None:
            vals = cur[last]
            if last in _LINE_ITEMS or not vals:
                vals.append(cm.group(1).strip())
            else:
                vals[-1] = f"{vals[-1]} {cm.group(1).strip()}"
            continue
        tm = _TAG.match(line)
        if not tm:
            continue  # junk between records
        tag, value = tm.group(1), (tm.group(2) or "").strip()
        if tag in _HEADER and cur is None:
            continue
        if tag == "EF":
            if cur is not None:
                records.append((start, cur, False))
                cur = None
            continue
        if tag == "ER":
            if cur is not None:
                records.append((start, cur, True))
                cur = None
            last = None
            continue
        if cur is None or (tag == "PT" and "PT" in cur):
            if cur is not None:
                records.append((start, cur, False))
            cur, start = {}, no
        cur.setdefault(tag, []).append(value)
        last = tag
    if cur is not None:
        records.append((start, cur, False))
    return records


class WosImporter:
    name = "wos"
    label = "Web of Science (tagged text)"
    extensions = (".txt", ".ciw", ".isi", ".ris")

    def sniff(self, text: str) -> float:
        head = text[:20000].replace("\ufeff", "").lstrip()
        score = 0.0
        if re.match(r"FN (?:Clarivate|Thomson|ISI|Web of)", head):
            score += 0.6
        if re.search(r"^VR 1\.0\s*$", head[:500], re.MULTILINE):
            score += 0.15
        if re.match(r"PT [A-Z]\s*\n", head):  # an export without the FN/VR header
            score += 0.35
        elif re.search(r"^PT [A-Z]\s*$", head, re.MULTILINE):
            score += 0.15
        if re.search(r"^AU [^\s-]", head, re.MULTILINE) and re.search(r"^(?:TI|SO|UT) ", head, re.MULTILINE):
            score += 0.1
        if re.search(r"^ER\s*$", head, re.MULTILINE):
            score += 0.1
        if re.search(r"^[A-Z][A-Z0-9]  - ", head, re.MULTILINE):  # RIS
            score -= 0.5
        return max(0.0, min(score, 0.95))

    def parse(self, text: str) -> ParseResult:
        result = ParseResult(format=self.name)
        for k, (start, tags, ended) in enumerate(split_wos(text), 1):
            try:
                paper = wos_record_to_paper(tags)
            except Exception as exc:  # noqa: BLE001 -- a broken record must not stop the others
                result.errors.append(RecordError(k, start, f"cannot read this record: {exc}"))
                continue
            result.papers.append(paper)
            if not ended:
                paper.extra.setdefault("warnings", []).append("no ER line at the end of the record")
                result.errors.append(RecordError(
                    k, start, "record has no ER line: the file may be cut short (imported anyway; check it)",
                    warning=True))
        return result


def wos_record_to_paper(tags: dict[str, list[str]]) -> Paper:
    def first(*names: str) -> str | None:
        for n in names:
            for v in tags.get(n, []):
                if v:
                    return " ".join(v.split())
        return None

    def items(n: str) -> list[str]:
        return [v for v in tags.get(n, []) if v]

    def semis(n: str) -> list[str]:
        out: list[str] = []
        for v in tags.get(n, []):
            out += [x.strip() for x in " ".join(v.split()).split(";") if x.strip()]
        return out

    paper = Paper()
    paper.title = first("TI") or ""
    paper.authors = [split_comma_name(a) for a in items("AU") or items("BA")]
    groups = items("CA") + items("GP")
    if groups:
        paper.authors += groups
    if items("AF"):
        paper.extra["authors_full"] = items("AF")
    paper.journal = first("SO")
    paper.journal_abbrev = first("JI", "J9")
    year = None
    py = first("PY")
    if py and len(py) == 4:
        year = to_int(py)
    pd = first("PD")
    _, month, day = parse_loose_date(pd or "")
    if year:
        paper.year = year
        paper.pub_date = format_date(year, month, day if month else None)
    elif pd:
        y, m, d = parse_loose_date(pd)
        paper.pub_date = format_date(y, m, d)
        paper.year = y
    paper.volume = first("VL")
    paper.issue = first("IS")
    paper.pages = page_range(first("BP"), first("EP")) or first("AR")
    di = first("DI") or ""
    paper.doi = (normalize_doi(di) if di.startswith("10.") else find_doi(di)) or find_doi(first("DL") or "")
    pm = first("PM")
    if pm and re.fullmatch(r"\d{1,9}", pm):
        paper.pmid = pm
    paper.abstract = first("AB") or ""
    paper.keywords = semis("DE")
    if items("ID"):
        paper.extra["keywords_plus"] = semis("ID")
        for k in paper.extra["keywords_plus"]:
            if k.lower() not in {x.lower() for x in paper.keywords}:
                paper.keywords.append(k)
    paper.language = first("LA")
    paper.grants = semis("FU")
    if first("DT"):
        paper.publication_types = semis("DT")
    for tag, key in (("UT", "accession"), ("PT", "wos_type"), ("PU", "publisher"), ("SN", "issn"),
                     ("EI", "eissn"), ("FX", "funding_text"), ("EM", "emails"), ("TC", "times_cited")):
        v = first(tag)
        if v:
            paper.extra[key] = v
    if items("C1"):
        paper.extra["affiliations"] = items("C1")
    if items("CR"):
        paper.extra["cited_references"] = items("CR")
    return paper


register(WosImporter())
