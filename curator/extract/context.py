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
        return bool(_CAR_T_CONTEXT.search(self.text)) or bool(self.products)

    def sentence(self, pos: int) -> tuple[int, int]:
        return self.sents.at(pos)
