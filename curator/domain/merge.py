"""Merging two copies of the same paper without throwing away what only one copy had (pure)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from curator.domain.paper import Paper


def _key(item: Any) -> Any:
    if hasattr(item, "__dataclass_fields__"):
        return tuple(sorted((k, repr(v)) for k, v in item.__dict__.items()))
    return item.casefold() if isinstance(item, str) else repr(item)


def merge_papers(old: Paper, new: Paper) -> tuple[Paper, list[str]]:
    """`old` enriched by `new`: empty fields filled, lists united in order, extra dicts merged.

    A non-empty field of `old` is kept (its abstract carries provenance offsets), so merging
    never loses data. Returns the merged paper and the names of the fields that changed."""
    merged = Paper.from_dict(old.to_dict())
    changed: list[str] = []
    for f in fields(Paper):
        a, b = getattr(merged, f.name), getattr(new, f.name)
        if f.name == "extra":
            added = {k: v for k, v in b.items() if k not in a}
            if added:
                a.update(added)
                changed.append("extra")
            continue
        if isinstance(a, list):
            seen = {_key(x) for x in a}  # a set: linear in the lists' lengths, order kept
            extra = []
            for x in b:
                k = _key(x)
                if k not in seen:
                    seen.add(k)
                    extra.append(x)
            if extra and (f.name != "authors" or not a):
                a.extend(extra)
                changed.append(f.name)
            continue
        if (a is None or a == "") and b not in (None, ""):
            setattr(merged, f.name, b)
            changed.append(f.name)
    return merged, changed
