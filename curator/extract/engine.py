"""`suggest(text)`: run every rule over one text and return the suggestions in text order."""

from __future__ import annotations

import logging

from curator.extract import cohort, comparisons, doses, entities, events, medians, proportions, rates, spans, toxicity
from curator.extract.context import Doc
from curator.extract.model import Suggestion

log = logging.getLogger(__name__)

RULES = (comparisons.find, rates.find, medians.find, cohort.find, entities.find, toxicity.find, doses.find,
         events.find, proportions.find)


def suggest(text: str) -> list[Suggestion]:
    """Explainable suggestions (comparisons, rates, medians, n, design, age group, products, drugs,
    toxicities, doses, timeline events) found in `text`, each with exact offsets into `text`.

    A rule that fails on an unusual text is logged and skipped: the others still answer."""
    if not text or not text.strip():
        return []
    doc = Doc(text)
    out: list[Suggestion] = []
    for rule in RULES:
        try:
            out.extend(rule(doc))
        except Exception:  # pragma: no cover - a defect in one rule must not cost the curator the rest
            log.exception("extract rule %s failed", getattr(rule, "__module__", rule))
    out = [s for s in out if s.end > s.start and text[s.start:s.end] == s.text]
    out = _drop_explained_proportions(out)
    for s in out:
        if s.kind == "rate" and s.fields.get("unit", "%") == "%" and "percent" not in s.fields:
            s.fields["percent"] = s.fields.get("value")
    spans.fill(text, out)
    out.sort(key=lambda s: (s.start, s.end, s.kind))
    return out


def _drop_explained_proportions(out: list[Suggestion]) -> list[Suggestion]:
    """A percentage another rule already explains (a rate, a toxicity's incidence, a value of a comparison,
    a median or a dose) is not suggested a second time as a bare proportion."""
    others = [s for s in out if s.kind in ("rate", "toxicity", "comparison", "median", "dose")]
    keep = []
    for s in out:
        if s.kind == "proportion":
            v = s.fields.get("percent")
            if any(o.start < s.anchor <= o.end and (
                    o.kind in ("comparison", "median", "dose")
                    or v in (o.fields.get("percent"), o.fields.get("value"))) for o in others):
                continue
        keep.append(s)
    return keep
