"""Terms the form's completers offer for each vocabulary column (pure)."""

from __future__ import annotations

from functools import cache

from curator.domain import units, vocabulary

DOSE_UNITS = ("mg/kg", "mg", "mg/m²", "g", "µg/kg", "IU", "10^6 cells/kg", "10^6 cells", "10^8 cells")


@cache
def completion_terms(name: str) -> list[str]:
    """Canonical names first, then every other spelling, without duplicates."""
    if name == "units":
        out: list[str] = []
        for e in vocabulary.analytes():
            for code in [e.get("default_unit"), *e.get("allowed_units", [])]:
                shown = units.display(code) if code else None
                if shown and shown not in out:
                    out.append(shown)
        return out + [u for u in DOSE_UNITS if u not in out]
    vocab = vocabulary.by_name(name)
    names = [e.get("name") or eid for eid, e in vocab.entries.items()]
    others = [t for eid in vocab.ids() for t in vocab.terms(eid) if t not in names]
    seen: set[str] = set()
    return [t for t in names + others if not (t in seen or seen.add(t))]
