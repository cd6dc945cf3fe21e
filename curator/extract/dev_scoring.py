"""Scoring the extractor against extract_dev-style papers (one JSON per paper with a `gold` block).

That schema (see extract_dev's README) differs from the project's own gold set: items carry an exact
`text` quote and the numbers as written. A suggestion matches a gold item when

  * its kind corresponds (table below),
  * every numeric field the gold item states is equal (a percentage to 0.05, other numbers exactly),
  * and its evidence span [start, end) overlaps the gold item's `text` in the abstract (any occurrence).

Names, labels and as-written grades are free text in that schema and are not compared, with two exceptions
that are cheap to state and that a curator would check: a toxicity's syndrome class (CRS, ICANS, IEC-HS,
HLH, other) and, when the gold grade writes a digit, the grade's lower bound.

  dev kind        suggestions scored                               numbers that must be equal
  rates           every suggestion with a `percent` field           value (+ CI when gold has one)
  toxicities      kind toxicity                                    syndrome class, percent, n_patients, grade
  comparisons     kind comparison                                  the two values (either order), p-value
  medians         kind median                                      value (+ range/IQR/CI bounds when given)
  events_by_day   kind event                                       day
  doses           kind dose                                        the leading number (2 × 10^7 → 2; 5–10 → 5)
  n_patients      the study's sample size (fields.study is true)   n  (paper-level: one answer per paper)
  design          the study design mapped to the closed list       value (paper-level)
  car_t_products  kind car_t_product                               span overlaps a gold name, same entry,
                                                                   or (unnamed product) the same target
  drugs           kind drug (not lymphodepletion, not background-only) same vocabulary entry, or span overlaps

Each gold item is matched once; suggestions with the same numbers and overlapping spans count once (a value
stated once and suggested by two rules); a suggestion that matches no gold item is a
false alarm.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from curator.domain import vocabulary
from curator.domain.numbers import parse_number
from curator.domain.pvalues import parse_p
from curator.domain.vocabulary import normalize_key
from curator.extract.scoring import Counts

DEV_KINDS = ("rates", "toxicities", "comparisons", "medians", "events_by_day", "doses", "n_patients", "design",
             "car_t_products", "drugs")
DEV_DESIGNS = ("retrospective_cohort", "prospective_cohort", "case_report", "case_series", "clinical_trial", "review",
               "other")
_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10}


def load_papers(folder: str | Path) -> list[dict[str, Any]]:
    folder = Path(folder)
    files = sorted((folder / "papers").glob("*.json")) if (folder / "papers").is_dir() else sorted(folder.glob("*.json"))
    out = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            d = json.load(fh)
        if "gold" in d and "abstract" in d:
            out.append(d)
    return out


def _numbers(s: Any) -> list[float]:
    """Numbers written in a gold string: '95% CI, 3.7-18.8' → [95, 3.7, 18.8]; '2 × 10^7' → [2, 10, 7]."""
    if s is None:
        return []
    if isinstance(s, (int, float)):
        return [float(s)]
    out = []
    for m in re.finditer(r"\d+(?:[.·]\d+)?", str(s)):
        v = parse_number(m.group())
        if v is not None:
            out.append(v)
    return out


def _eq(a: Any, b: Any, tol: float = 1e-9) -> bool:
    if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
        return False
    try:
        return abs(float(a) - float(b)) <= tol
    except (TypeError, ValueError):
        return False


def _spans(abstract: str, quote: str) -> list[tuple[int, int]]:
    out, i = [], abstract.find(quote)
    while i >= 0 and quote:
        out.append((i, i + len(quote)))
        i = abstract.find(quote, i + 1)
    return out


def _overlaps(p: dict[str, Any], spans: list[tuple[int, int]]) -> bool:
    return any(p["start"] < e and s < p["end"] for s, e in spans)


def _outside_schema(p: dict[str, Any]) -> bool:
    """A drug suggestion the schema's `drugs` list leaves out by definition, and that says so itself: lymphodepleting
    chemotherapy (role 'lymphodepletion'; the schema: 'lymphodepleting chemotherapy is not included') and a drug
    flagged as named only in background sentences (not given to the studied patients)."""
    f = p["fields"]
    return p["kind"] == "drug" and (f.get("role") == "lymphodepletion" or bool(f.get("background_only")))


def syndrome_class(name: str | None) -> str:
    """CRS / ICANS / IEC-HS / HLH / other, as the dev schema groups syndromes."""
    if not name:
        return "other"
    k = re.sub(r"[^0-9a-z]", "", normalize_key(name))  # 'HLH/MAS' → hlhmas (normalize_key keeps the slash)
    for cls, keys in (("CRS", ("crs",)), ("ICANS", ("icans",)), ("IEC-HS", ("iechs",)), ("HLH", ("hlhmas", "hlh"))):
        if k in keys:
            return cls
    return "other"


def _grade_low(g: str | None) -> int | None:
    if not g:
        return None
    m = re.search(r"(?:grades?|gr)\s*(?:≥|>=|>|≤|<)?\s*(\d|IV|III|II|I)\b|≥\s*(?:gr(?:ade)?\s*)?(\d)", g, re.IGNORECASE)
    if not m:
        return None
    v = m.group(1) or m.group(2)
    return int(v) if v.isdigit() else {"I": 1, "II": 2, "III": 3, "IV": 4}[v.upper()]


# --------------------------------------------------------------------------- per-kind matching

def _percent_of(p: dict[str, Any]) -> float | None:
    f = p["fields"]
    if f.get("percent") is not None:
        return f["percent"]
    if p["kind"] == "rate" and f.get("unit", "%") == "%":
        return f.get("value")
    return None


def _m_rate(g: dict[str, Any], p: dict[str, Any]) -> bool:
    f = p["fields"]
    if not _eq(g.get("value"), _percent_of(p), 0.05):
        return False
    if g.get("ci_low") is not None and not (_eq(g["ci_low"], f.get("ci_low"), 0.05)
                                            and _eq(g.get("ci_high"), f.get("ci_high"), 0.05)):
        return False
    return True


def _m_tox(g: dict[str, Any], p: dict[str, Any]) -> bool:
    f = p["fields"]
    if syndrome_class(f.get("syndrome")) != g["syndrome"]:
        return False
    if g.get("percent") is not None and not _eq(g["percent"], f.get("percent"), 0.05):
        return False
    if g.get("n_patients") not in (None, 1) and (f.get("count") is not None or g.get("percent") is None) \
            and not _eq(g["n_patients"], f.get("count")):
        return False  # a count stated alone must be found; next to a percent it must agree when given (a
        # case series' "1" is the case itself, not a count the text states)
    gl = _grade_low(g.get("grade"))
    return gl is None or f.get("grade") == gl


def _m_comp(g: dict[str, Any], p: dict[str, Any]) -> bool:
    f = p["fields"]
    gv = [v for v in (g.get("group_a_value"), g.get("group_b_value")) if v is not None]
    pv = [v for v in (f.get("value_a"), f.get("value_b")) if v is not None]
    for v in gv:
        if not any(_eq(v, w, 1e-6) for w in pv):
            return False
    if g.get("p_value") is not None:
        _, gp = parse_p("p " + str(g["p_value"]) if re.match(r"\s*[<>=≤≥]", str(g["p_value"])) else
                        "p = " + str(g["p_value"]))
        if gp is not None and not _eq(gp, f.get("p_value"), 1e-12):
            return False
    return True


def _m_median(g: dict[str, Any], p: dict[str, Any]) -> bool:
    f = p["fields"]
    if g.get("value") is None:
        return f.get("value") is None
    if not _eq(g["value"], f.get("value"), 1e-6):
        return False
    nums = _numbers(g.get("range_or_iqr"))
    if re.search(r"(?:not\s+reached|\bNR|not\s+estimable|\bNE)\W*$", str(g.get("range_or_iqr") or ""), re.IGNORECASE):
        # an open upper bound ('95% CI, 14.7-not reached'): the lower bound is stated, the upper is not
        return bool(nums) and _eq(nums[-1], f.get("low"), 1e-6) and f.get("high") is None
    if len(nums) >= 2:
        lo, hi = nums[-2], nums[-1]
        return _eq(lo, f.get("low"), 1e-6) and _eq(hi, f.get("high"), 1e-6)
    return True


def _m_event(g: dict[str, Any], p: dict[str, Any]) -> bool:
    return _eq(g.get("day"), p["fields"].get("day"))


def _m_dose(g: dict[str, Any], p: dict[str, Any]) -> bool:
    nums = _numbers(g.get("dose"))
    return bool(nums) and _eq(nums[0], p["fields"].get("dose"), 1e-6)


ITEM_KINDS: dict[str, tuple[tuple[str, ...], Callable[[dict[str, Any], dict[str, Any]], bool]]] = {
    "rates": ((), _m_rate),  # any kind carrying a percent
    "toxicities": (("toxicity",), _m_tox),
    "comparisons": (("comparison",), _m_comp),
    "medians": (("median",), _m_median),
    "events_by_day": (("event",), _m_event),
    "doses": (("dose",), _m_dose),
}


def _pred_key(kind: str, p: dict[str, Any]) -> tuple[Any, ...]:
    f = p["fields"]
    if kind == "rates":
        return (round(float(_percent_of(p)), 3),)
    if kind == "toxicities":
        return (syndrome_class(f.get("syndrome")), f.get("grade"), f.get("percent"), f.get("count"))
    if kind == "comparisons":
        return (f.get("value_a"), f.get("value_b"), f.get("p_value"))
    if kind == "medians":
        return (f.get("value"), f.get("low"), f.get("high"))
    if kind == "events_by_day":
        return (f.get("day"),)
    return (f.get("dose"),)


_FALLBACK_DESIGN = {"retrospective": "retrospective_cohort", "retrospective cohort": "retrospective_cohort",
                    "prospective": "prospective_cohort", "prospective cohort": "prospective_cohort",
                    "case report": "case_report", "case series": "case_series", "review": "review",
                    "randomized controlled trial": "clinical_trial", "registry": "retrospective_cohort"}


def study_design(preds: list[dict[str, Any]]) -> str | None:
    """The study's one closed-list design: the design suggestion marked `study`, else (an extractor that
    marks none) the first design suggestion mapped to the closed list."""
    designs = [p for p in preds if p["kind"] == "design"]
    for p in designs:
        if p["fields"].get("study") and p["fields"].get("design_class"):
            return p["fields"]["design_class"]
    for p in designs:
        v = str(p["fields"].get("value", "")).lower()
        c = "clinical_trial" if v.startswith("phase") else _FALLBACK_DESIGN.get(v)
        if c:
            return c
    return None


def study_n(preds: list[dict[str, Any]]) -> int | None:
    """The study's one sample size: the suggestion marked `study`, else the first sample size suggested."""
    sizes = [p for p in preds if p["kind"] == "sample_size"]
    for p in sizes:
        if p["fields"].get("study"):
            return p["fields"].get("n")
    return sizes[0]["fields"].get("n") if sizes else None


def score_paper(paper: dict[str, Any], preds: list[dict[str, Any]], table: dict[str, Counts]) -> None:
    abstract, gold, pid = paper["abstract"], paper["gold"], paper["id"]
    for kind, (pkinds, match) in ITEM_KINDS.items():
        c = table.setdefault(kind, Counts())
        items = gold.get(kind) or []
        spans = [_spans(abstract, g.get("text") or "") for g in items]
        if kind == "rates":
            cand = [p for p in preds if _percent_of(p) is not None]
        else:
            cand = [p for p in preds if p["kind"] in pkinds]
        # one value suggested by two rules (a toxicity's incidence and a rate) counts once: same numbers,
        # overlapping spans
        groups: list[tuple[tuple[Any, ...], list[dict[str, Any]]]] = []
        for p in sorted(cand, key=lambda p: p["start"]):
            key = _pred_key(kind, p)
            for gk, members in groups:
                if gk == key and any(p["start"] < q["end"] and q["start"] < p["end"] for q in members):
                    members.append(p)
                    break
            else:
                groups.append((key, [p]))
        unique = {i: members for i, (_, members) in enumerate(groups)}
        used = [False] * len(items)
        for group in unique.values():
            hit = False
            for i, g in enumerate(items):
                if not used[i] and any(match(g, p) and _overlaps(p, spans[i]) for p in group):
                    used[i] = hit = True
                    break
            if hit:
                c.tp += 1
            else:
                c.fp += 1
                p = group[0]
                c.false_alarms.append((pid, {"kind": p["kind"], "fields": p["fields"], "text": p["text"]}))
        for i, g in enumerate(items):
            if not used[i]:
                c.fn += 1
                c.misses.append((pid, g))

    # paper-level answers
    for kind, gv, pv in (("n_patients", gold.get("n_patients"), study_n(preds)),
                         ("design", gold.get("design"), study_design(preds))):
        c = table.setdefault(kind, Counts())
        if pv is not None and gv is not None and str(pv) == str(gv):
            c.tp += 1
            continue
        if pv is not None:
            c.fp += 1
            c.false_alarms.append((pid, {"kind": kind, "fields": {"value": pv}, "text": None}))
        if gv is not None:
            c.fn += 1
            c.misses.append((pid, {kind: gv}))

    # named entities
    for kind, pkind in (("car_t_products", "car_t_product"), ("drugs", "drug")):
        c = table.setdefault(kind, Counts())
        names = gold.get(kind) or []
        used = [False] * len(names)
        for p in (p for p in preds if p["kind"] == pkind and not _outside_schema(p)):
            hit = False
            for i, name in enumerate(names):
                if not used[i] and _entity_match(kind, name, p, abstract):
                    used[i] = hit = True
                    break
            if hit:
                c.tp += 1
            elif any(_entity_match(kind, name, p, abstract) for name in names):
                continue  # a second suggestion for a name already found: neither right nor wrong twice
            else:
                c.fp += 1
                c.false_alarms.append((pid, {"kind": p["kind"], "fields": p["fields"], "text": p["text"]}))
        for i, name in enumerate(names):
            if not used[i]:
                c.fn += 1
                c.misses.append((pid, {kind: name}))


def _entity_match(kind: str, name: str, p: dict[str, Any], abstract: str) -> bool:
    spans = _spans(abstract, name)
    if not spans:  # the gold spelling differs from the abstract (case, a parenthesis): search case-insensitively
        low = abstract.lower()
        i = low.find(name.lower())
        spans = [(i, i + len(name))] if i >= 0 else []
    if _overlaps(p, spans):
        return True
    f = p["fields"]
    if kind == "car_t_products" and f.get("target"):
        from curator.extract.entities import TARGETED, target_key

        tm = TARGETED.search(name)
        if tm and target_key(tm.group("tgt")) == f["target"]:
            return True  # the same unnamed product by its target, cited at another mention
    voc = vocabulary.drugs() if kind == "drugs" else vocabulary.products()
    key = "drug" if kind == "drugs" else "product"
    # the name, its parts, and the name without / with its parenthesised abbreviation ('thrombopoietin (TPO)
    # agonists' → 'thrombopoietin agonists', 'TPO agonists')
    variants = re.split(r"\s*[()]\s*", name)
    am = re.search(r"(\S+)\s*\(([^()]+)\)\s*(.*)$", name)
    if am:
        variants += [f"{am.group(1)} {am.group(3)}".strip(), f"{am.group(2)} {am.group(3)}".strip()]
    for part in variants:
        if not part:
            continue
        m = voc.match(part, fuzzy=False)
        if m is not None and f.get(key) and normalize_key(m.canonical) == normalize_key(str(f.get(key))) \
                and m.canonical != "investigational":
            return True
    return False


def evaluate_papers(papers: Iterable[dict[str, Any]], extract=None) -> dict[str, Counts]:
    if extract is None:
        from curator.extract import suggest as extract
    table: dict[str, Counts] = {}
    for paper in papers:
        preds = [s.to_dict() for s in extract(paper["abstract"])]
        score_paper(paper, preds, table)
    return {k: table.get(k, Counts()) for k in DEV_KINDS}


def format_dev_table(table: dict[str, Counts]) -> str:
    rows = [f"{'kind':<16}{'gold':>6}{'pred':>6}{'TP':>6}{'precision':>11}{'recall':>8}"]
    tot = Counts()
    for kind in DEV_KINDS:
        c = table[kind]
        tot.tp += c.tp
        tot.fp += c.fp
        tot.fn += c.fn
        rows.append(f"{kind:<16}{c.tp + c.fn:>6}{c.tp + c.fp:>6}{c.tp:>6}{c.precision:>11.3f}{c.recall:>8.3f}")
    rows.append(f"{'all':<16}{tot.tp + tot.fn:>6}{tot.tp + tot.fp:>6}{tot.tp:>6}{tot.precision:>11.3f}"
                f"{tot.recall:>8.3f}")
    return "\n".join(rows)
