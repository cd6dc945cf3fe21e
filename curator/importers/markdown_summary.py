"""The Markdown paper summary (one paper per file): '# Title', '**Authors:**', an identifier line,
'## TL;DR', '## Contribution', '## Key findings', '## Abstract', '## Linked entities',
'## Full-text entities', and a closing 'Source: URL'."""

from __future__ import annotations

import re

from curator.domain.paper import Entity, Paper
from curator.importers import register
from curator.importers.base import ImportFormatError, ParseResult

_H1 = re.compile(r"^# (?!#)(.+)$", re.MULTILINE)
_H2 = re.compile(r"^## (.+)$", re.MULTILINE)
_AUTHORS = re.compile(r"^\*\*Authors?:\*\*\s*(.+)$", re.MULTILINE)
_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_DOI = re.compile(r"^DOI:\s*(\S+)$", re.IGNORECASE)
_PMC_URL = re.compile(r"/(PMC\d+)(?:/|$)")
_SOURCE = re.compile(r"^Source:\s*(\S+)\s*$", re.MULTILINE)
_BULLET = re.compile(r"^\s*[-*]\s+(.*)$")
_ENTITY_GROUP = re.compile(r"^\*\*(.+?):\*\*\s*(.*)$")
# one entity: NAME (long name) [identifier] {aka a, b}, or NAME (MESH:D000) -- identifiers in parentheses
_ENTITY = re.compile(
    r"(?P<name>[^,(\[{]+?)\s*"
    r"(?:\((?P<paren>[^()]*)\))?\s*"
    r"(?:\[(?P<ident>[^\]]*)\])?\s*"
    r"(?:\{aka (?P<aka>[^}]*)\})?\s*(?:,|$)"
)
_ID_IN_PARENS = re.compile(r"^(?:[A-Z][A-Za-z]*:[A-Za-z0-9_.]+)$")


class MarkdownSummaryImporter:
    name = "markdown_summary"
    label = "Markdown paper summary"
    extensions = (".md", ".markdown", ".txt")

    def sniff(self, text: str) -> float:
        head = text.lstrip()[:4000]
        if not head.startswith("# "):
            return 0.0
        score = 0.5
        if _AUTHORS.search(head):
            score += 0.3
        if _H2.search(head):
            score += 0.15
        return min(score, 1.0)

    def parse(self, text: str) -> ParseResult:
        m = _H1.search(text)
        if not m:
            raise ImportFormatError("no '# Title' line: not a Markdown paper summary")
        paper = Paper(title=m.group(1).strip())
        preamble, sections = _split_sections(text[m.end():])
        _parse_preamble(preamble, paper)
        for heading, body in sections:
            key = heading.strip().lower()
            if key in ("tl;dr", "tldr"):
                paper.tldr = _paragraphs(body) or None
            elif key == "contribution":
                paper.contribution = _paragraphs(body) or None
            elif key == "key findings":
                paper.key_findings = [b for b in _bullets(body)]
            elif key == "abstract":
                paper.abstract = _paragraphs(body)
            elif key == "linked entities":
                paper.entities += _entities(body, scope="linked")
            elif key == "full-text entities":
                paper.entities += _entities(body, scope="full_text")
            elif body.strip():
                paper.extra.setdefault("sections", {})[heading.strip()] = _paragraphs(body)
        src = _SOURCE.search(text)
        if src:
            paper.source_url = src.group(1)
            pmc = _PMC_URL.search(paper.source_url + "/")
            if pmc and not paper.pmcid:
                paper.pmcid = pmc.group(1)
        if not paper.title:
            raise ImportFormatError("the '# Title' line is empty")
        return ParseResult(format=self.name, papers=[paper])


def _split_sections(text: str) -> tuple[str, list[tuple[str, str]]]:
    parts = _H2.split(text)
    preamble = parts[0]
    sections = [(parts[i], parts[i + 1] if i + 1 < len(parts) else "") for i in range(1, len(parts), 2)]
    # the closing '---' rule and Source line belong to no section body
    sections = [(h, re.split(r"^---\s*$", b, flags=re.MULTILINE)[0]) for h, b in sections]
    return preamble, sections


def _parse_preamble(preamble: str, paper: Paper) -> None:
    a = _AUTHORS.search(preamble)
    if a:
        paper.authors = [x.strip() for x in a.group(1).split(",") if x.strip()]
    for line in preamble.splitlines():
        line = line.strip()
        if "·" not in line:
            continue
        for token in (t.strip() for t in line.split("·")):
            if not token:
                continue
            d = _DOI.match(token)
            if d:
                paper.doi = d.group(1)
                continue
            if _DATE.match(token):
                paper.pub_date = token
                paper.year = int(token[:4])
                continue
            if re.fullmatch(r"PMC\d*", token):
                if len(token) > 3:
                    paper.pmcid = token
                else:
                    paper.extra["repository"] = token
                continue
            if re.fullmatch(r"PMID:?\s*\d+", token, flags=re.IGNORECASE):
                paper.pmid = re.sub(r"\D", "", token)
                continue
            if paper.journal is None:
                paper.journal = token
    # __post_init__ normalised nothing yet for values set after construction
    from curator.domain.paper import normalize_doi

    paper.doi = normalize_doi(paper.doi)


def _paragraphs(body: str) -> str:
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body.strip())]
    return "\n\n".join(p for p in paras if p)


def _bullets(body: str) -> list[str]:
    out: list[str] = []
    for line in body.splitlines():
        m = _BULLET.match(line)
        if m:
            out.append(m.group(1).strip())
        elif line.strip() and out:
            out[-1] += " " + line.strip()
    return out


def _entities(body: str, scope: str) -> list[Entity]:
    out: list[Entity] = []
    for item in _bullets(body):
        g = _ENTITY_GROUP.match(item)
        if not g:
            continue
        kind, rest = g.group(1).strip(), g.group(2)
        for em in _ENTITY.finditer(rest):
            name = (em.group("name") or "").strip()
            if not name:
                continue
            paren = (em.group("paren") or "").strip() or None
            ident = (em.group("ident") or "").strip() or None
            label = paren
            if paren and _ID_IN_PARENS.match(paren) and not ident:
                ident, label = paren, None
            elif paren and "," in paren and not ident:
                # "Homo sapiens (human, species)"
                label = paren
            aliases = [x.strip() for x in (em.group("aka") or "").split(",") if x.strip()]
            out.append(Entity(kind=kind, name=name, label=label, identifier=ident, aliases=aliases,
                              scope=scope))
    return out


register(MarkdownSummaryImporter())
