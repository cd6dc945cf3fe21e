"""Scoring the extractor against hand-labelled gold abstracts: precision / recall per kind.

A prediction matches a gold item when the kind and every key field match exactly: numbers equal, strings
equal after `normalize_key` (case, hyphens, spaces, Greek letters). A gold string field may list several
acceptable spellings (["VC% pred", "vital capacity percent predicted"]) — the as-written name of an analyte
is free text, its value is not. Predictions with the same key count once; each gold item is matched once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curator.domain.vocabulary import normalize_key

KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "comparison": ("analyte", "value_a", "value_b", "p_value"),
    "rate": ("endpoint", "value", "ci_low", "ci_high", "horizon"),
    "proportion": ("percent", "count"),
    "median": ("value", "low", "high", "quantity"),  # quantity only counts for 'not reached' (value None)
    "sample_size": ("n",),
    "design": ("value",),
    "age_group": ("value",),
    "car_t_product": ("product",),
    "drug": ("drug",),
    "toxicity": ("syndrome", "grade", "grade_operator", "percent"),
    "dose": ("drug", "dose", "unit_code"),
    "event": ("day",),
}


def _keys(kind: str, fields: dict[str, Any]) -> tuple[str, ...]:
    keys = KEY_FIELDS[kind]
    if kind == "median" and fields.get("value") is not None:
        keys = tuple(k for k in keys if k != "quantity")
    return keys


def _same(gold: Any, pred: Any) -> bool:
    if isinstance(gold, list):
        return any(_same(g, pred) for g in gold)
    if gold is None or pred is None:
        return gold is None and pred is None
    if isinstance(gold, (int, float)) and not isinstance(gold, bool):
        return isinstance(pred, (int, float)) and not isinstance(pred, bool) and abs(float(gold) - float(pred)) < 1e-9
    return normalize_key(str(gold)) == normalize_key(str(pred))


def matches(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    """Does a predicted suggestion (dict with kind/fields) match a gold item (kind/fields)?"""
    if gold["kind"] != pred["kind"]:
        return False
    gf, pf = gold.get("fields", {}), pred.get("fields", {})
    return all(_same(gf.get(k), pf.get(k)) for k in _keys(gold["kind"], gf))


def pred_key(pred: dict[str, Any]) -> tuple[Any, ...]:
    f = pred.get("fields", {})
    out: list[Any] = [pred["kind"]]
    for k in _keys(pred["kind"], f):
        v = f.get(k)
        out.append(normalize_key(v) if isinstance(v, str) else v)
    return tuple(out)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    false_alarms: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


# what this gold set's labelling rules do not cover (measured on extract_dev instead): bare percentages of
# patients, a design the paper does not name (inferred from 'we analyzed N patients'; this set labels
# "the design words the paper uses about itself") and effect sizes (HR/OR with a CI: one value, while this
# set's comparisons are "two values of one quantity explicitly paired")
UNLABELLED = {"proportion"}


def _unlabelled(p: dict[str, Any]) -> bool:
    return (p["kind"] in UNLABELLED or (p["kind"] == "design" and p.get("rule") == "design.not_named")
            or (p["kind"] == "comparison" and str(p.get("rule", "")).startswith("comparison.effect")))


def score_one(doc_id: str, gold: list[dict[str, Any]], preds: list[dict[str, Any]],
              table: dict[str, Counts]) -> None:
    unique: dict[tuple[Any, ...], dict[str, Any]] = {}
    for p in preds:
        if _unlabelled(p):
            continue
        unique.setdefault(pred_key(p), p)
    used = [False] * len(gold)
    for p in unique.values():
        c = table.setdefault(p["kind"], Counts())
        for i, g in enumerate(gold):
            if not used[i] and matches(g, p):
                used[i] = True
                c.tp += 1
                break
        else:
            c.fp += 1
            c.false_alarms.append((doc_id, {"kind": p["kind"], "fields": p.get("fields", {}), "text": p.get("text")}))
    for i, g in enumerate(gold):
        if not used[i]:
            c = table.setdefault(g["kind"], Counts())
            c.fn += 1
            c.misses.append((doc_id, g))


def evaluate(gold_docs: Iterable[dict[str, Any]], extract=None) -> dict[str, Counts]:
    """Run the extractor over every gold abstract; {kind: Counts}."""
    if extract is None:
        from curator.extract import suggest as extract
    table: dict[str, Counts] = {}
    for doc in gold_docs:
        preds = [s.to_dict() for s in extract(doc["text"])]
        score_one(doc["id"], doc["expected"], preds, table)
    return table


def load_gold(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return data["abstracts"] if isinstance(data, dict) else data


def format_table(table: dict[str, Counts]) -> str:
    from curator.extract.model import KINDS

    rows = [f"{'kind':<14}{'gold':>6}{'pred':>6}{'TP':>6}{'precision':>11}{'recall':>8}{'F1':>7}"]
    tot = Counts()
    for kind in KINDS:
        c = table.get(kind)
        if c is None:
            continue
        tot.tp += c.tp
        tot.fp += c.fp
        tot.fn += c.fn
        rows.append(f"{kind:<14}{c.tp + c.fn:>6}{c.tp + c.fp:>6}{c.tp:>6}{c.precision:>11.3f}{c.recall:>8.3f}"
                    f"{c.f1:>7.3f}")
    rows.append(f"{'all':<14}{tot.tp + tot.fn:>6}{tot.tp + tot.fp:>6}{tot.tp:>6}{tot.precision:>11.3f}"
                f"{tot.recall:>8.3f}{tot.f1:>7.3f}")
    return "\n".join(rows)
