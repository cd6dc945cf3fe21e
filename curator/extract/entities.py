"""CAR-T products and management drugs named in the text (vocabularies), one suggestion per entry.

Rules
  car_t_product.vocabulary     tisagenlecleucel, Kymriah, tisa-cel, CTL019, KTE-X19, "investigational CAR-T products"
  car_t_product.investigational  "novel CD19 CAR-T", "in-house CAR T cells", "CD19/CD22 CAR-T" (dual target: not an
                               approved product); target and costimulatory domain when written nearby
  drug.vocabulary              tocilizumab, Actemra, glucocorticoids → corticosteroids, ... with the entry's role
The suggestion points at the first mention; `mentions` counts them all.
"""

from __future__ import annotations

import re
from typing import Any

from curator.extract.context import OWN_ACT, Doc
from curator.extract.model import Suggestion, make

TARGET = (r"(?:anti-?)?(?:CD\d{1,3}[a-z]?|BCMA|GPRC5D|CLL-?1|GD2|B7-H3|HER2|GPC3|mesothelin|EGFR|MUC1|PSMA|CS1|SLAMF7|"
          r"NKG2D|ROR1|Claudin\s?18\.2|FcRH5|Lewis\s?Y)")
_CAR = (r"(?:CAR[- ]?T(?:[- ]?cells?)?(?:\s+(?:products?|therapy|therapies|cells?|infusions?))?|"
        r"CAR\+?\s?T[- ]cells?|chimeric\s+antigen\s+receptor(?:[- ]modified)?\s+T[- ]cells?)")
INVESTIGATIONAL = re.compile(
    rf"\b(?P<mod>investigational|in[- ]house|academic|novel|locally\s+(?:manufactured|produced)|point[- ]of[- ]care|"
    rf"humani[sz]ed|fully[- ]human|second[- ]generation|third[- ]generation|fourth[- ]generation|bispecific|tandem|"
    rf"dual[- ]target(?:ed|ing)?|home[- ]made|non-?commercial)\s+(?:(?P<tgt>{TARGET}(?:\s?(?:/|and|-|\+)\s?{TARGET})*)"
    rf"[- ](?:(?:directed|targeted|targeting|specific|redirected|bispecific|tandem|dual[- ]targeting)\s+)?)?"
    # a bispecific or tandem receptor may be named without its T cells: 'tandem CD19/CD22 bispecific CAR (TanCAR19/22)'
    rf"(?:{_CAR}|(?<=bispecific\s)CARs?(?![\w-])|(?<=tandem\s)CARs?(?![\w-]))", re.IGNORECASE)
DUAL = re.compile(rf"\b(?P<tgt>{TARGET}(?:\s?(?:/|-|\+)\s?{TARGET}){{1,4}})[- ](?:directed\s+|targeted\s+|bispecific\s+|"
                  rf"dual[- ]targeting\s+|tandem\s+)?{_CAR}", re.IGNORECASE)
_TGT1 = (r"(?:CD\d{1,3}[a-z]?|BCMA|B[- ]cell\s+maturation\s+antigen|GPRC5D|CLL-?1|GD2|B7-H3|HER2|GPC3|mesothelin|EGFR|"
         r"MUC1|PSMA|CS1|SLAMF7|NKG2D|ROR1|Claudin\s?18\.2|FcRH5|Lewis\s?Y)")
_CAR2 = (r"(?:CAR[- ]?T(?![a-z])(?:[- ]?cells?)?(?:\s+(?:products?|therapy|therapies|cells?|infusions?))?|"
         r"CAR\+?\s?T[- ]cells?|CAR[- ](?:modified|engineered|transduced)\s+T[- ]cells?|"
         r"chimeric\s+antigen\s+receptor(?:\s*\(CARs?\))?(?:[- ](?:modified|engineered|transduced))?\s+T[- ]cells?)")
# 'CD19 CAR-T cells', 'anti-BCMA CAR T cells', 'CD19-targeted CART', 'CD19-directed CAR T-cell therapy',
# 'CD19 and/or CD22 CAR T cells', 'BCMA-targeting CAR T cells': an (academic or unnamed) product by its target
TARGETED = re.compile(
    # (a target list may leave its first item's hyphen dangling: 'CD19- and BCMA-directed' names two products; at most
    # six targets, read possessively: a search restarting at each item of a long list stays linear)
    rf"(?<![/+-])\b(?:anti-?\s?)?(?P<tgt>{_TGT1}(?:(?:\s?(?:/|and/or|and|or|-|\+)\s?|-\s++(?:and|or)\s++)(?:anti-?)?{_TGT1}){{0,5}}+)"
    rf"(?:[-–‐ ]?(?:28|BB|41BB|4[-–‐]1BB|CD28)(?:z|ζ))?"
    rf"(?:[- ](?:targeted|directed|specific|redirected|based|targeting|positive))?[- ]{_CAR2}", re.IGNORECASE)
# ... or the target after the cells: 'CAR T cells targeting CD19', 'CAR-T cells directed against BCMA'
TARGET_AFTER = re.compile(rf"{_CAR2}\s++(?:that\s++)?(?:targeting|targeted\s++(?:to|at|against)|directed\s++(?:against|at|to)|"
                          rf"specific\s++for|against|recogni[sz]ing)\s++(?:the\s++)?(?P<tgt>{_TGT1}(?:\s?(?:/|and)\s?{_TGT1})?)",
                          re.IGNORECASE)
# ... or a construct's code naming its target: 'huCART19-IL18', 'CART-BCMA'
CART_CODE = re.compile(r"\b(?:hu|m)?CART[- ]?(?P<tgt>\d{1,3}|BCMA)(?!\d)")
CAR_ANCHOR = re.compile(r"CAR(?![a-z])|[Cc]himeric")
# a CAR-T product's international nonproprietary name not (yet) in the vocabulary: the INN stem '-cabtagene' and a
# cell suffix ('-leucel')
INN = re.compile(r"\b[a-z]{2,12}cabtagene\s++[a-z]{2,12}leucel\b", re.IGNORECASE)
COSTIM = re.compile(r"\b(4[-–‐]1BB|41BB|CD28|ICOS|OX40|CD27)(?:\b|(?=[zζ]\b))")  # 'CD19-41BBζ': the domain and its zeta


def _costim(text: str, start: int, end: int) -> str | None:
    """The costimulatory domain named in text[start:end], its dash written as a hyphen ('4–1BB' → '4-1BB')."""
    cm = COSTIM.search(text, start, end)
    return re.sub("[–‐]", "-", cm.group(1)) if cm else None
LYMPHODEPLETION = re.compile(r"lymphodeplet|lympho-deplet|conditioning", re.IGNORECASE)


def products(doc: Doc) -> list[Suggestion]:
    text = doc.text
    out: list[Suggestion] = []
    by_id: dict[str, list[Any]] = {}
    for h in doc.products:
        by_id.setdefault(h.entry_id, []).append(h)
    for eid, hs in by_id.items():
        h = hs[0]
        fields: dict[str, Any] = {"product": h.canonical, "as_written": h.as_written, "target": h.entry.get("target"),
                                  "mentions": len(hs)}
        if eid == "investigational":
            s, e = doc.sentence(h.start)
            tm = re.search(rf"(?:targeting|directed\s+(?:against|at)|against|anti-)\s*({TARGET})", text[s:e])
            fields["target"] = tm.group(1) if tm else None
            fields["costimulatory_domain"] = _costim(text, s, e)
        else:
            fields["costimulatory_domain"] = h.entry.get("costimulatory_domain")
        out.append(make("car_t_product", fields, text, h.start, h.end, 0.9, "car_t_product.vocabulary"))
    vocab_spans = [(h.start, h.end) for h in doc.products]
    if doc.has("cabtagene"):
        named: dict[str, list[re.Match[str]]] = {}
        for m in INN.finditer(text):
            if re.search(r"\b(?:compared\s+(?:to|with)|versus|vs\.?|than|unlike|similar\s+to)\s++$",
                         text[max(0, m.start() - 20):m.start()], re.IGNORECASE):
                continue  # 'Compared to orvacabtagene autoleucel (same construct), ...': a point of reference
            if not any(a < m.end() and m.start() < b for a, b in vocab_spans):
                named.setdefault(m.group(0).lower(), []).append(m)
        for ms in named.values():
            fields = {"product": "investigational", "as_written": ms[0].group(0), "target": None,
                      "costimulatory_domain": None, "mentions": len(ms)}
            out.append(make("car_t_product", fields, text, ms[0].start(), ms[0].end(), 0.7, "car_t_product.inn"))
    if doc.has("car", "chimeric"):
        cands = []
        for c in CAR_ANCHOR.finditer(text):
            lo = max(0, c.start() - 70)
            for rx, reach in ((TARGETED, 40), (INVESTIGATIONAL, 40), (DUAL, 40), (TARGET_AFTER, 120), (CART_CODE, 10)):
                cands.extend(m for m in rx.finditer(text, lo, min(len(text), c.end() + reach))
                             if m.start() <= c.start() < m.end())
        cands.sort(key=lambda m: (m.start(), -m.end()))
        by_target: dict[str, list[re.Match[str]]] = {}
        last_end = -1
        for m in cands:
            if m.start() < last_end or any(a < m.end() and m.start() < b for a, b in vocab_spans):
                continue  # inside a longer candidate, or a named product already read from the vocabulary
            last_end = m.end()
            raw = m.groupdict().get("tgt")
            raw = f"CD{raw}" if raw and raw.isdigit() else raw  # 'CART19' targets CD19
            # 'CD19- and BCMA-directed CAR T cells': a product per target; 'CD19/CD22 CAR T cells': one, dual-targeted
            for part in (re.split(r"-\s++(?:and|or)\s++", raw) if raw else [raw]):
                by_target.setdefault(target_key(part), []).append(m)
        if "investigational" in by_id:
            by_target.pop("", None)  # 'investigational CAR-T products' already suggested
        # 'CD19-directed CAR T cells' in a paper that names its CD19 products (axi-cel, tisa-cel): the class those
        # products belong to, not a further product
        named_targets = {target_key(h.entry.get("target")) for h in doc.products if h.entry_id != "investigational"}
        for tgt in named_targets & set(by_target):
            by_target.pop(tgt)
        for tgt, ms in by_target.items():
            m = ms[0]
            s, e = doc.sentence(m.start())
            fields = {"product": "investigational", "as_written": m.group(0),
                      "target": tgt or None, "costimulatory_domain": _costim(text, s, e),
                      "mentions": len(ms)}
            out.append(make("car_t_product", fields, text, m.start(), m.end(), 0.7,
                            "car_t_product.targeted" if tgt else "car_t_product.investigational"))
    return out


def target_key(t: str | None) -> str:
    """'anti-CD19' → 'CD19'; 'CD19 and/or CD22' → 'CD19/CD22'; 'B-cell maturation antigen' → 'BCMA'."""
    if not t:
        return ""
    parts = re.split(r"\s?(?:/|and/or|and|or|\+)\s?|(?<=\d)-(?=[A-Za-z])", t, flags=re.IGNORECASE)
    out = []
    for p in parts:
        p = re.sub(r"^anti-?\s?", "", p.strip(), flags=re.IGNORECASE)
        if re.fullmatch(r"B[- ]cell\s+maturation\s+antigen", p, re.IGNORECASE):
            p = "BCMA"
        if p:
            out.append(p.upper() if len(p) <= 6 else p)
    return "/".join(dict.fromkeys(out))


NOT_THE_DRUG_AFTER = re.compile(r"[\s-]*+(?:transporters?|receptors?|ergic|uptake|pathways?|levels?|synthesis|"
                                r"(?:-?sparing))\b", re.IGNORECASE)


def drugs(doc: Doc) -> list[Suggestion]:
    text = doc.text
    out: list[Suggestion] = []
    by_id: dict[str, list[Any]] = {}
    for h in doc.drugs:
        if NOT_THE_DRUG_AFTER.match(text, h.end):
            continue  # 'dopamine transporter imaging', 'steroid receptor': the word names something else
        by_id.setdefault(h.entry_id, []).append(h)
    for eid, hs in by_id.items():
        # cite the study's own sentence ('Treatment included tocilizumab, ...'), not a background list
        h = min(hs, key=lambda x: (doc.evidence_rank(x.start), x.start))
        role = h.entry.get("role")
        if role != "lymphodepletion" and any(LYMPHODEPLETION.search(text, *doc.sentence(x.start)) for x in hs) and \
                eid in ("cyclophosphamide", "fludarabine", "bendamustine", "etoposide"):
            role = "lymphodepletion"
        fields = {"drug": h.canonical, "as_written": h.as_written, "role": role, "target": h.entry.get("target"),
                  "mentions": len(hs)}
        conf = 0.9
        if doc.evidence_rank(h.start) == 2:
            # named only in background, conclusion or general sentences ('X is usually treated with ...'): not
            # evidence that the study's patients received it — still named, flagged, and weaker
            fields["background_only"] = True
            conf = 0.5
        out.append(make("drug", fields, text, h.start, h.end, conf, "drug.vocabulary"))
        if role == "lymphodepletion":
            # a lymphodepleting agent given again later for a toxicity ('cyclophosphamide 1 g/m2 was given on day 33
            # to ablate the CAR T cells'): a second use, in a sentence naming no lymphodepletion and no partner agent
            ld_ids = {x.entry_id for x in doc.drugs if x.entry.get("role") == "lymphodepletion"}
            other = [x for x in hs if not LYMPHODEPLETION.search(text, *doc.sentence(x.start))
                     and not any(y.entry_id in ld_ids and y.entry_id != eid
                                 and doc.sentence(y.start) == doc.sentence(x.start) for y in doc.drugs)
                     and doc.evidence_rank(x.start) < 2
                     and (OWN_ACT.search(text, *doc.sentence(x.start)) or GIVEN.search(text, *doc.sentence(x.start)))]
            if other and other[0] is not h:
                x = other[0]
                out.append(make("drug", {**fields, "as_written": x.as_written, "role": "toxicity treatment"}, text,
                                x.start, x.end, 0.7, "drug.vocabulary/second_use"))
    return out


# given, beyond what context.OWN_ACT reads as done to the patients: added, used, after 'despite' or 'followed by', or
# with its dose
GIVEN = re.compile(r"\b(?:(?:was|were)\s+(?:added|used)|followed\s+by|despite)\b|"
                   r"(?<![\d.])\d++(?:\.\d++)?\s?(?:g|mg)(?:/m2|/m²|/kg)?\b", re.IGNORECASE)


def find(doc: Doc) -> list[Suggestion]:
    return products(doc) + drugs(doc)
