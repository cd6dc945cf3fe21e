"""The extractor's output: one explainable suggestion with exact character offsets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("comparison", "rate", "proportion", "median", "sample_size", "design", "age_group", "car_t_product", "drug",
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
    # per field, the [start, end) of the words that state it (filled by the engine; see spans.py)
    spans: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False)
    # where the value the rule keyed on ends (a proportion's number): used to drop duplicates, not shown
    anchor: int = field(default=-1, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "fields": dict(self.fields), "start": self.start, "end": self.end,
                "text": self.text, "confidence": self.confidence, "rule": self.rule,
                "spans": {k: {"start": s, "end": e, "text": self.text[s - self.start:e - self.start]}
                          for k, (s, e) in self.spans.items()}}


def make(kind: str, fields: dict[str, Any], source: str, start: int, end: int, confidence: float,
         rule: str) -> Suggestion:
    # trim whitespace at the edges so the evidence reads cleanly
    while start < end and source[start].isspace():
        start += 1
    while end > start and source[end - 1].isspace():
        end -= 1
    return Suggestion(kind, fields, start, end, source[start:end], round(confidence, 2), rule)
