"""Per-text precomputation shared by all rules: sentences and vocabulary hits (each scanned once)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from curator.domain import vocabulary
from curator.domain.vocabulary import Match
from curator.extract.patterns import SentenceIndex

_CAR_T_CONTEXT = re.compile(
    r"\bCAR[-\s]?T\b|\bCAR\s?T[- ]cells?|\bCARTs?\b|chimeric antigen receptor|immune effector cell|"
    r"\bIEC\b|cytokine[- ]release|T[- ]cell engager|bispecific|blinatumomab|teclistamab|talquetamab|"
    r"glofitamab|epcoritamab|mosunetuzumab|elranatamab",
    re.IGNORECASE,
)


# A heading opens the text, a line, or follows a sentence's end, after blanks, and ends with ':' or '.' or with its
# line. Of several line breaks in one blank run only the last is tried (every start in the run reaches the same
# heading, read once: possessive), so a long run of line breaks is not re-read from each (issue 15 item 1).
SECTION = re.compile(r"(?:^|\n(?![^\S\n]*+\n)|(?<=[.!?])\s)\s*+(?P<h>BACKGROUND|INTRODUCTION|OBJECTIVES?|AIMS?|PURPOSE|METHODS?|"
                     r"(?:PATIENTS|MATERIALS)\s+AND\s+METHODS|DESIGN|RESULTS|FINDINGS|CASES?(?=\s*:)|Cases?(?=\s*:)|CASE\s+(?:REPORT|PRESENTATION|"
                     r"DESCRIPTION)|CONCLUSIONS?|INTERPRETATION|DISCUSSION|Background|Introduction|Objectives?|Aims?|"
                     r"Purpose|(?:Patients|Materials)\s+and\s+[Mm]ethods|Methods?|Results|Findings|Case\s+(?:report|presentation|description)|Conclusions?|"
                     r"Interpretation|Discussion"
                     # the headings of the other journal formats (JAMA, Clinical Cancer Research, ...), any case after a
                     # capital: 'Importance', 'Design, Setting, and Participants', 'Experimental Design', 'Main Outcomes
                     # and Measures', 'Observations', 'Conclusions and Relevance'
                     r"|(?=[A-Z])(?i:case\s+(?:report|presentation|description|summary)|importance|rationale|experimental\s+design|study\s+design|design(?:\s*,\s*setting)?"
                     r"(?:\s*,?\s*and\s+participants)?|setting(?:\s+and\s+participants)?|participants|patients|interventions?|"
                     r"exposures?|main\s+outcomes?(?:\s+and\s+measures?)?|measurements|observations|"
                     r"conclusions?\s+and\s+relevance))(?:\s*[:.]\s|[^\S\n]*+\n)")  # or alone on its line
_PARAGRAPH_END = re.compile(r"\S[^\S\n]*+\n[^\S\n]*+\n")  # text, then a blank line
_SECTION_KIND = {"background": "background", "introduction": "background", "objective": "background",
                 "objectives": "background", "aim": "background", "aims": "background", "purpose": "background",
                 "method": "methods", "methods": "methods", "design": "methods", "results": "results",
                 "findings": "results", "conclusion": "conclusion", "conclusions": "conclusion",
                 "interpretation": "conclusion", "discussion": "conclusion", "importance": "background",
                 "rationale": "background", "experimental": "methods", "study": "methods", "setting": "methods",
                 "participants": "methods", "intervention": "methods", "interventions": "methods",
                 "exposure": "methods", "exposures": "methods", "main": "methods", "measurements": "methods",
                 "observations": "results"}
# a sentence about the study's own patients or the case ('the patient received', 'we treated', 'treatment included')
OWN = re.compile(r"\b(?:the\s+patient|our\s+patient|the\s+child|he|she|his|her|we|our|(?:was|were)\s+(?:treated|given|"
                 r"administered|started|initiated|managed)|received|receiving|treatment\s+included|underwent|required)\b",
                 re.IGNORECASE)
# what was done to the study's patients, in the past tense: such a sentence is the study's own whatever modal it
# also holds ('cyclophosphamide was given on day 33 ...; he could walk by day 75')
OWN_ACT = re.compile(r"\b(?:(?:was|were)\s+(?:treated|given|administered|started|initiated)|received|underwent)\b",
                     re.IGNORECASE)
GENERAL = re.compile(r"\b(?:are|is)\s+(?:adapted|used|recommended|commonly|often|usually|standard|approved|proposed)\b|"
                     r"\b(?:can|may|might|could)\b|\bsuch\s+as\b|\bguidelines?\b", re.IGNORECASE)


# a statement about other studies ('has been reported', 'in prior studies', 'the low rate (2%) of grade 4 CRS in
# other series'): what it quotes is not the study's own
LITERATURE = re.compile(r"\b(?:(?:has|have)\s+been\s+(?:reported|described|observed|documented)|previously\s+(?:reported|"
                        r"published|described)|(?:prior|previous|earlier|other|published|historical)\s+(?:studies|reports|"
                        r"trials|series)|pivotal\s+(?:trials?|studies)|registration(?:al)?\s+(?:trials?|studies)|"
                        r"in\s+the\s+literature|literature\s+review|reported\s+rates?)\b", re.IGNORECASE)


def _vocabs() -> tuple[vocabulary.Vocabulary, ...]:
    return (vocabulary.analytes(), vocabulary.drugs(), vocabulary.products(), vocabulary.syndromes(),
            vocabulary.endpoints())


@dataclass
class Doc:
    text: str
    sents: SentenceIndex = field(init=False)

    def __post_init__(self) -> None:
        self.sents = SentenceIndex(self.text)
        self.lower = self.text.lower()

    def has(self, *words: str) -> bool:
        """Cheap prefilter: does the lower-cased text contain any of these substrings?"""
        return any(w in self.lower for w in words)

    @cached_property
    def _hits(self) -> list[list[Match]]:
        return vocabulary.find_all_many(self.text, _vocabs())

    @property
    def analytes(self) -> list[Match]:
        return self._hits[0]

    @property
    def drugs(self) -> list[Match]:
        return self._hits[1]

    @property
    def products(self) -> list[Match]:
        return self._hits[2]

    @property
    def syndromes(self) -> list[Match]:
        return self._hits[3]

    @property
    def endpoints(self) -> list[Match]:
        return self._hits[4]

    @cached_property
    def car_t(self) -> bool:
        """The text is about CAR-T / immune-effector therapy (gates ambiguous words like 'neurotoxicity')."""
        if self.has("car", "chimeric", "immune effector", "iec", "cytokine", "engager", "bispecific", "mab"):
            if _CAR_T_CONTEXT.search(self.text):
                return True
        return bool(self.products)

    def sentence(self, pos: int) -> tuple[int, int]:
        return self.sents.at(pos)

    @cached_property
    def _sections(self) -> list[tuple[int, str | None]]:
        out: list[tuple[int, str | None]] = []
        body: dict[int, int] = {}  # where each heading's text begins
        for m in SECTION.finditer(self.text):
            h = re.match(r"[a-z]+", m.group("h").lower()).group() if not m.group("h").lower().startswith("case") \
                else "results"  # (the heading's first word: 'design, setting, and participants' → design)
            k = _SECTION_KIND.get(h, "results" if h in ("case", "patients", "materials") else None)
            if h in ("patients", "materials"):
                k = "methods"
            if k:
                out.append((m.start("h"), k))
                body[m.start("h")] = m.end()
        # a background section ends with its paragraph ('Background⏎⏎...⏎⏎<a heading not known>⏎⏎...'), and one no
        # other heading follows ('Objective: To ...' opening an otherwise unstructured text) with its own sentence
        ends = []
        for i, (start, k) in enumerate(out):
            if k != "background":
                continue
            nxt = out[i + 1][0] if i + 1 < len(out) else len(self.text)
            para = _PARAGRAPH_END.search(self.text, body[start], nxt)
            if para is not None:
                ends.append((para.start() + 1, None))
            elif i + 1 == len(out):
                ends.append((self.sentence(start)[1], None))
        return sorted(out + ends, key=lambda e: e[0])

    def section_start(self, pos: int) -> int:
        """Where the heading of the section holding `pos` starts (-10 when there is none)."""
        start = -10
        for s, _k in self._sections:
            if s > pos:
                break
            start = s
        return start

    def section(self, pos: int) -> str | None:
        """'background' / 'methods' / 'results' / 'conclusion' for a structured abstract, else None."""
        kind = None
        for start, k in self._sections:
            if start > pos:
                break
            kind = k
        return kind

    def general(self, pos: int, upto: int | None = None) -> bool:
        """The sentence at `pos` states what is generally so ('X is commonly used', 'may develop', 'such as'), not
        what was done to the study's patients; with `upto`, only words before it count ('can cause CRS in up to 90%'
        is general, 'CRS occurred in 45%, which may reflect ...' is not)."""
        s, e = self.sentence(pos)
        return bool(GENERAL.search(self.text, s, e if upto is None else upto)) and not OWN_ACT.search(self.text, s, e)

    def evidence_rank(self, pos: int) -> int:
        """How good the sentence at `pos` is as evidence of the study's own values (lower is better):
        0 results / the patient's or the study's own sentences, 1 other, 2 background or conclusion sections
        and general statements ('X is commonly used', 'such as')."""
        s, e = self.sentence(pos)
        cache = self.__dict__.setdefault("_rank_cache", {})
        if s not in cache:
            sec = self.section(s)
            if sec in ("background", "conclusion") or self.general(pos):
                cache[s] = 2
            else:
                cache[s] = 0 if sec == "results" or OWN.search(self.text, s, e) else 1
        return cache[s]
