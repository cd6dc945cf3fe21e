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
# one entity: NAME (long name) [identifier] {aka a, b}, or NAME (MESH:D000) -- identifiers in parentheses;
# entities are separated by commas outside those brackets. Read by _entity_parts (one pass, no regex:
# a pattern searched from every position re-read a long unclosed '(' once per start, quadratic).
_NAME_STOP = ",([{"
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
        for raw_name, raw_paren, raw_ident, raw_aka in _entity_parts(rest):
            name = raw_name.strip()
            if not name:
                continue
            paren = (raw_paren or "").strip() or None
            ident = (raw_ident or "").strip() or None
            label = paren
            if paren and _ID_IN_PARENS.match(paren) and not ident:
                ident, label = paren, None
            elif paren and "," in paren and not ident:
                # "Homo sapiens (human, species)"
                label = paren
            aliases = [x.strip() for x in (raw_aka or "").split(",") if x.strip()]
            out.append(Entity(kind=kind, name=name, label=label, identifier=ident, aliases=aliases,
                              scope=scope))
    return out


class _Finder:
    """str.find for increasing start positions, linear in total: the last answer is reused while the
    start has not passed it (a character that is absent is looked for once)."""

    def __init__(self, text: str, char: str):
        self.text, self.char = text, char
        self.start, self.found = 0, -2  # -2: nothing asked yet

    def __call__(self, start: int) -> int:
        if self.found == -2 or start < self.start or (self.found != -1 and start > self.found):
            self.start, self.found = start, self.text.find(self.char, start)
        return self.found


def _entity_parts(text: str):
    """(name, paren, ident, aka) of each 'NAME (paren) [ident] {aka a, b}' item, comma-separated.

    One left-to-right pass, linear in len(text). What it reads is what the former pattern
    NAME=[^,([{]+? \\s* (\\([^()]*\\))? \\s* (\\[[^\\]]*\\])? \\s* (\\{aka [^}]*\\})? \\s* (,|$) found with
    finditer (tests/test_markdown_summary.py compares the two): an item that does not close (an
    unclosed '(' or '[') is skipped up to the next ',', '(', '[' or '{' and reading resumes after it."""
    n = len(text)
    finders = {c: _Finder(text, c) for c in "()]},([{"}
    stops = [finders[c] for c in _NAME_STOP]

    def next_stop(i: int) -> int:
        hits = [h for h in (f(i) for f in stops) if h != -1]
        return min(hits) if hits else n

    def skip_ws(i: int) -> int:
        while i < n and text[i].isspace():
            i += 1
        return i

    def at_end(i: int) -> bool:  # the pattern's '$': the end, or a final newline
        return i == n or (i == n - 1 and text[i] == "\n")

    p = 0
    while p < n:
        if text[p] in _NAME_STOP:
            p += 1
            continue
        s = next_stop(p)
        name_end = len(text[p:s].rstrip()) + p
        if name_end == p:  # only whitespace before the stop: a one-character name
            name_end = p + 1
        paren = ident = aka = None
        i = skip_ws(name_end)
        if i < n and text[i] == "(":
            close, reopen = finders[")"](i + 1), finders["("](i + 1)
            if close != -1 and (reopen == -1 or close < reopen):
                paren, i = text[i + 1:close], skip_ws(close + 1)
        if i < n and text[i] == "[":
            close = finders["]"](i + 1)
            if close != -1:
                ident, i = text[i + 1:close], skip_ws(close + 1)
        if text.startswith("{aka ", i):
            close = finders["}"](i + 5)
            if close != -1:
                aka, i = text[i + 5:close], skip_ws(close + 1)
        if i < n and text[i] == ",":
            yield text[p:name_end], paren, ident, aka
            p = i + 1
        elif at_end(i):
            yield text[p:name_end], paren, ident, aka
            return
        else:  # no item starts anywhere before the stop character: resume after it
            p = s + 1


register(MarkdownSummaryImporter())
