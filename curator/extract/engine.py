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
    out = _cite_results_once(doc, out)
    for s in out:
        if s.kind == "rate" and s.fields.get("unit", "%") == "%" and "percent" not in s.fields:
            s.fields["percent"] = s.fields.get("value")
    spans.fill(text, out)
    out.sort(key=lambda s: (s.start, s.end, s.kind))
    return out


_MAIN = {"proportion": ("percent",), "toxicity": ("syndrome", "grade", "percent"), "rate": ("value",),
         "comparison": ("value_a", "value_b"), "median": ("value", "low", "high")}


def _cite_results_once(doc: Doc, out: list[Suggestion]) -> list[Suggestion]:
    """A value stated twice (results, then again in a conclusion or a background sentence) is suggested once,
    citing the better sentence (Doc.evidence_rank: results / own-study sentences first)."""
    groups: dict[tuple, list[Suggestion]] = {}
    for s in out:
        keys = _MAIN.get(s.kind)
        if keys and any(isinstance(s.fields.get(k), (int, float)) for k in keys):
            groups.setdefault((s.kind, *(s.fields.get(k) for k in keys)), []).append(s)
    drop: set[int] = set()
    for ss in groups.values():
        if len(ss) < 2:
            continue
        ranks = [doc.evidence_rank(s.start) for s in ss]
        best = min(ranks)
        drop.update(id(s) for s, r in zip(ss, ranks) if r > best)
    return [s for s in out if id(s) not in drop]


def _drop_explained_proportions(out: list[Suggestion]) -> list[Suggestion]:
    """A percentage another rule already explains (a rate, a toxicity's incidence, a value of a comparison,
    a median or a dose) is not suggested a second time as a bare proportion; a rate that is one side of a
    comparison is the comparison's."""
    others = [s for s in out if s.kind in ("rate", "toxicity", "comparison", "median", "dose")]
    keep = []
    comparisons = [o for o in others if o.kind == "comparison"]
    for s in out:
        if s.kind == "rate" and any(o.start < s.end and s.start < o.end and s.fields.get("value") is not None
                                    and s.fields.get("value") in (o.fields.get("value_a"), o.fields.get("value_b"))
                                    for o in comparisons):
            continue  # 'PFS was 47% (95% CI ...) versus 34% (...)': the comparison holds both values
        if s.kind == "proportion" or (s.kind == "rate" and s.anchor >= 0):
            v = s.fields.get("percent")
            if any(o is not s and o.start < s.anchor <= o.end and (
                    o.kind in ("comparison", "median", "dose")
                    or v in (o.fields.get("percent"), o.fields.get("value"))) for o in others):
                continue
        keep.append(s)
    return keep
