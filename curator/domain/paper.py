"""The bibliographic record every importer produces (pure, no I/O)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

_YEAR = re.compile(r"(\d{4})")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def normalize_doi(doi: str | None) -> str | None:
    """Lower-case a DOI and strip URL/`doi:` prefixes and trailing punctuation."""
    if not doi:
        return None
    d = _DOI_PREFIX.sub("", doi.strip()).strip().rstrip(".;,")
    return d.lower() or None


@dataclass
class MeshTerm:
    """A MeSH heading; `major` is the star, qualifiers keep their own stars."""

    descriptor: str
    major: bool = False
    qualifiers: list[dict[str, Any]] = field(default_factory=list)  # {"name": str, "major": bool}


@dataclass
class Entity:
    """A linked entity (gene, disease, chemical, species...) with its identifiers."""

    kind: str  # e.g. "Genes", "Diseases", "Proteins"
    name: str
    label: str | None = None  # long name in parentheses
    identifier: str | None = None  # "NCBI Gene 7124", "MESH:C502936", "MONDO:0600008"
    aliases: list[str] = field(default_factory=list)
    scope: str = "linked"  # "linked" (abstract) or "full_text"


@dataclass
class Section:
    """A labelled part of the paper's text (structured abstract part or body section)."""

    label: str
    text: str


@dataclass
class Paper:
    """One bibliographic record as imported.

    `abstract` is the plain text the extractor and provenance offsets refer to:
    paragraphs are separated by a blank line ("\\n\\n").
    """

    title: str = ""
    authors: list[str] = field(default_factory=list)
    journal: str | None = None
    journal_abbrev: str | None = None
    pub_date: str | None = None  # as precise as known: "2026-03-04", "2025-04", "2025"
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    abstract: str = ""
    abstract_sections: list[Section] = field(default_factory=list)
    body_sections: list[Section] = field(default_factory=list)  # JATS full text
    keywords: list[str] = field(default_factory=list)
    mesh_terms: list[MeshTerm] = field(default_factory=list)
    publication_types: list[str] = field(default_factory=list)
    substances: list[str] = field(default_factory=list)
    grants: list[str] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    tldr: str | None = None
    contribution: str | None = None
    key_findings: list[str] = field(default_factory=list)
    source_url: str | None = None
    language: str | None = None
    citation: str | None = None  # the citation line as written
    extra: dict[str, Any] = field(default_factory=dict)  # format-specific leftovers

    def __post_init__(self) -> None:
        self.doi = normalize_doi(self.doi)
        if self.year is None and self.pub_date:
            y = self.pub_date[:4]
            if y.isascii() and y.isdigit() and len(y) == 4:  # "2024-05-01": the usual case, no regex
                self.year = int(y)
            else:
                m = _YEAR.match(self.pub_date)
                if m:
                    self.year = int(m.group(1))

    @property
    def first_author(self) -> str | None:
        return self.authors[0] if self.authors else None

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.abstract.split("\n\n") if p.strip()]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Paper:
        d = dict(d)
        d["mesh_terms"] = [MeshTerm(**m) for m in d.get("mesh_terms") or []]
        d["entities"] = [Entity(**e) for e in d.get("entities") or []]
        d["abstract_sections"] = [Section(**s) for s in d.get("abstract_sections") or []]
        d["body_sections"] = [Section(**s) for s in d.get("body_sections") or []]
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})
