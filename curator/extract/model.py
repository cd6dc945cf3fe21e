"""The extractor's output: one explainable suggestion with exact character offsets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS = ("comparison", "rate", "median", "sample_size", "design", "age_group", "car_t_product", "drug",
         "toxicity", "dose", "event")


@dataclass
class Suggestion:
    """A value the extractor proposes to the curator.

    `text == source[start:end]` is the evidence; `rule` names the rule that fired; `fields` holds typed
    values (numbers are int/float, never strings)."""

    kind: str
    fields: dict[str, Any]
    start: int
    end: int
    text: str
    confidence: float = 0.8
    rule: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "fields": dict(self.fields), "start": self.start, "end": self.end,
                "text": self.text, "confidence": self.confidence, "rule": self.rule}


def make(kind: str, fields: dict[str, Any], source: str, start: int, end: int, confidence: float,
         rule: str) -> Suggestion:
    # trim whitespace at the edges so the evidence reads cleanly
    while start < end and source[start].isspace():
        start += 1
    while end > start and source[end - 1].isspace():
        end -= 1
    return Suggestion(kind, fields, start, end, source[start:end], round(confidence, 2), rule)
