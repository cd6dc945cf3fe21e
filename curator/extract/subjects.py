"""Finding what a number is about: the analyte or outcome named before a value or a parenthesis.

Strategies, most reliable first (each named in the suggestion's `rule`):
  vocab   a vocabulary analyte/endpoint right before the anchor, only filler words between ("IL-6 levels (")
  label   a label inside the parenthesis ("(median [IQR] age, 66 vs 62)")
  np      the noun phrase right before the anchor ("prevalence of insomnia (" → "insomnia")
  subject the clause subject before its verb ("Grade 3 to 4 neutropenia was more frequent in the DC arm (")
  than    a comparative ("had higher mortality than younger patients (" → "mortality")
A candidate naming a group ("patients", "arm", "cohort") is rejected: the pair is about *them*, not a quantity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from curator.domain import vocabulary
from curator.extract.context import Doc

FILLER = {
    "level", "levels", "concentration", "concentrations", "count", "counts", "value", "values", "titer", "titers",
    "titre", "titres", "in", "peripheral", "blood", "serum", "plasma", "the", "of", "mean", "median", "average",
    "peak", "maximum", "maximal", "max", "both", "respectively", "were", "was", "measured", "cell", "cells",
    "expression", "percentage", "proportion", "number", "absolute", "circulating", "PB", "CSF",
}
STATISTICS = {"mean": "mean", "median": "median", "average": "mean", "peak": "peak", "maximum": "peak",
              "maximal": "peak", "max": "peak", "nadir": "nadir", "minimum": "nadir", "geometric": "geometric mean"}
STOP = {
    "the", "a", "an", "of", "in", "on", "at", "for", "with", "without", "to", "from", "by", "than", "between",
    "among", "and", "or", "but", "vs", "vs.", "versus", "v", "was", "were", "is", "are", "be", "been", "had", "has",
    "have", "did", "does", "do", "showed", "show", "including", "include", "included", "such", "as", "all",
    "respectively", "significantly", "which", "that", "who", "while", "whereas", "after", "before", "during",
    "within", "per", "not", "no", "nor", "more", "less", "higher", "lower", "greater", "increased", "decreased",
    "reduced", "elevated", "improved", "rapid", "significant", "also", "older", "younger", "longer", "shorter",
    "better", "worse", "larger", "smaller", "likely", "frequent", "common", "required", "received", "exhibited", "demonstrated", "displayed", "presented", "experienced", "achieved", "developed", "both", "its", "their", "this", "these",
    "those", "each", "either", "neither", "into", "over", "under", "via", "similar", "comparable", "different",
    "differ", "differed", "remained", "became", "like", "only", "when", "where", "there", "however", "moreover",
    "additionally", "furthermore", "overall,", "namely", "i.e.", "e.g.", "especially", "particularly",
}
GROUP_NOUNS = {
    "patient", "patients", "pts", "group", "groups", "arm", "arms", "cohort", "cohorts", "subject", "subjects",
    "control", "controls", "child", "children", "adult", "adults", "participant", "participants", "individual",
    "individuals", "case", "cases", "those", "them", "period", "periods", "worker", "workers", "men", "women",
    "recipient", "recipients", "survivor", "survivors", "responder", "responders", "nonresponders",
    "non-responders", "infant", "infants", "user", "users", "counterparts", "population", "populations", "one",
    "ones", "others", "other", "subgroup", "subgroups", "study", "studies", "trial", "trials", "setting",
    "centers", "centres", "hospitals", "sites", "boys", "girls", "males", "females", "volunteers",
    "respectively", "baseline", "day", "days", "timepoint", "timepoints",
}
PRONOUNS = {"there", "it", "this", "these", "they", "we", "our", "which", "that", "those", "he", "she", "its",
            "their", "them", "us", "one", "all", "both", "none", "each", "most", "many", "some", "half"}
LEADING_DROP = {"the", "a", "an", "and", "but", "both", "also", "however", "moreover", "additionally",
                "furthermore", "whereas", "while", "in", "addition", "notably", "importantly", "thus",
                "then", "finally", "similarly", "likewise", "conversely", "interestingly", "accordingly"}

VERB = re.compile(
    r"\b(?:was|were|is|are|remained|became|did|had|has|have|showed|occurred|developed|differed|decreased|"
    r"declined|dropped|fell|increased|rose|improved|reduced|normali[sz]ed|changed|went|reached|tended|trended|"
    r"correlated|associated)\b")
COMPARATIVE = re.compile(
    r"\b(?:higher|lower|greater|more|less|fewer|increased|decreased|reduced|elevated|longer|shorter|better|worse|"
    r"superior|inferior|larger|smaller|similar|comparable)\s+(?P<np>(?:[\w\-+/'’αβγκ≥≤<>]+\s+){0,5}?[\w\-+/'’αβγκ]+)(?:\s+"
    r"(?:than|in|among|for|between|compared|versus|vs\.?|with|at|during|after|before)\b|\s*$)")
CLAUSE_JOIN = re.compile(r",\s+(?:and|but|whereas|while|with|although|though)\s+|;\s*")
GROUP_QUALIFIERS = {"with", "who", "in", "on", "receiving", "treated", "undergoing", "without", "from", "aged", "that",
                    "whose", "having", "after", "before"}
SECTION_HEADER = re.compile(r"\s*(?:[A-Z][A-Z ]{2,40}|Results?|Methods?|Conclusions?|Background|Findings)\s*[:\-–]\s+")
UNIT_WORDS = {"years", "year", "months", "month", "days", "day", "weeks", "hours", "%", "mg", "kg", "points", "score",
              "pg/ml", "ng/ml", "mg/l", "mg/dl", "u/l", "units", "percent", "y", "mo", "d", "h"}
AGE_COMPARATIVE = re.compile(r"\b(?:was|were|are|is)\s+(?:significantly\s+|slightly\s+|much\s+)?(older|younger)\b")
TOKEN = re.compile(r"[^\s,;:()\[\]]+|[,;:()\[\]]")


LOOKBACK = 300  # characters: what a value is about is named within this distance before it (bounds the work)


@dataclass
class Subject:
    analyte: str | None  # canonical (vocabulary) or cleaned as written; None: not named (comparisons.unnamed)
    as_written: str
    start: int
    end: int
    statistic: str | None
    how: str  # vocab | label | np | subject | than
    in_vocabulary: bool


def clause_start(text: str, pos: int, floor: int) -> int:
    """Start of the clause holding `pos`: back to ';' or an enclosing '(' at depth 0, not past `floor` (nor
    further back than 2 × LOOKBACK characters: a longer clause is not read whole)."""
    floor = max(floor, pos - 2 * LOOKBACK)
    last = max(text.rfind(";", floor, pos), text.rfind("(", floor, pos), text.rfind("[", floor, pos))
    if max(text.rfind(")", floor, pos), text.rfind("]", floor, pos)) < last:
        return last + 1  # no bracket closes after the last opener or ';': no need to walk back
    if last < 0 and text.find(")", floor, pos) < 0 and text.find("]", floor, pos) < 0:
        return floor
    depth = 0
    i = pos - 1
    while i >= floor:
        c = text[i]
        if c in ")]":
            depth += 1
        elif c in "([":
            if depth == 0:
                return i + 1
            depth -= 1
        elif c == ";" and depth == 0:
            return i + 1
        i -= 1
    return floor


def depth0(text: str, start: int, end: int) -> str:
    """text[start:end] with bracketed parts blanked out (same length, offsets preserved)."""
    out = []
    depth = 0
    for c in text[start:end]:
        if c in "([":
            depth += 1
            out.append(" ")
        elif c in ")]":
            depth = max(0, depth - 1)
            out.append(" ")
        else:
            out.append(c if depth == 0 else " ")
    return "".join(out)


def statistic_before(text: str, start: int) -> str | None:
    """'mean' in 'both mean CAR-T cell counts': a statistic word among the two words before `start`."""
    words = text[max(0, start - 25): start].lower().split()[-2:]
    for w in reversed(words):
        if w in STATISTICS:
            return STATISTICS[w]
    return None


def _vocab_name(doc: Doc, start: int, end: int) -> tuple[str, int, int] | None:
    """A vocabulary analyte/endpoint covering the core of text[start:end] (filler words aside)."""
    for hits in (doc.analytes, doc.endpoints):
        for h in hits:
            if h.start >= start and h.end <= end:
                rest = (doc.text[start:h.start] + " " + doc.text[h.end:end]).lower().split()
                if all(w.strip(".,") in FILLER or w in STATISTICS for w in rest):
                    return h.canonical, h.start, h.end
    return None


def _clean_phrase(text: str, start: int, end: int) -> tuple[int, int, str | None]:
    """Trim leading determiners/intro words and statistic words; returns new (start, end, statistic)."""
    stat = None
    hm = SECTION_HEADER.match(text, start, end)
    if hm:
        start = hm.end()  # 'RESULTS: The level of pain ...'
    while True:
        m = re.match(r"\s*([^\s,]+),?\s*", text[start:end])
        if not m:
            break
        w = m.group(1).lower()
        if w in LEADING_DROP:
            start += m.end()
            continue
        if w in STATISTICS:
            stat = STATISTICS[w]
            start += m.end()
            if w == "geometric" and text[start:end].lower().startswith("mean"):
                start += 4
            continue
        if re.fullmatch(r"\[?(?:iqr|range|sd|se)\]?|\((?:iqr|range|sd)\)", w):
            start += m.end()
            continue
        break
    while end > start and text[end - 1] in " ,:;":
        end -= 1
    while start < end and text[start] == " ":
        start += 1
    return start, end, stat


def _valid(phrase: str, max_words: int = 10) -> bool:
    phrase = re.sub(r"\([^()]*\)|\[[^\[\]]*\]", " ", phrase)  # judge the phrase without its parentheticals
    words = [w.strip(".,:;").lower() for w in phrase.split()]
    words = [w for w in words if w]
    if not words or len(words) > max_words:
        return False
    if words[0] in PRONOUNS or words[-1] in GROUP_NOUNS or words[-1] in STOP:
        return False
    if len(words) > 1 and words[0] in GROUP_NOUNS and words[1] in GROUP_QUALIFIERS:
        return False  # 'Patients with UIP', 'patients who died': a group, not a quantity
    if not re.search(r"[A-Za-zαβγκ]", phrase):
        return False
    if re.match(r"\d+(?:[.,]\d+)?\s", phrase) or all(w in FILLER for w in words):
        return False  # '1 year post final restoration', 'level': not a named quantity
    if re.fullmatch(r"[\d.,%\s]+", phrase):
        return False
    # '(mean, years, 52.8 vs. 45.3)': a unit is not what is measured
    return not (len(words) == 1 and words[0] in UNIT_WORDS)


TRAILING_GROUP = re.compile(
    # (a blank run is entered at its first blank only and read once: a search does not restart inside it)
    r"(?<!\s)\s++(?:in|among|for|of|from)\s++(?:the\s++|all\s++|those\s++)?(?:(?!(?:of|in|for|from|with)\b)[\w\-+/]++\s++){0,3}?"
    r"(?:patients?|pts|groups?|arms?|"
    r"cohorts?|subjects|children|adults|participants|cases|recipients|responders|non-?responders|survivors)\s*$",
    re.IGNORECASE)
ABBREVIATION = re.compile(r"\(\s*([A-Za-z][\w%/().+ -]{0,14}?)\s*\)\s*$")


def make_subject(doc: Doc, start: int, end: int, how: str, stat: str | None = None, max_words: int = 10) -> Subject | None:
    text = doc.text
    start, end, stat2 = _clean_phrase(text, start, end)
    stat = stat or stat2
    if end <= start:
        return None
    g = TRAILING_GROUP.search(text, start, end)
    if g and g.start() > start:
        end = g.start()  # 'VC% pred in CPFE patients was greater': the quantity, not the group
    phrase = text[start:end]
    ab = ABBREVIATION.search(phrase)
    if ab and re.search(r"[A-Z]", ab.group(1)) and ab.start() > 0:
        # 'diffusing capacity percent predicted (DLco% pred)': name the quantity by its abbreviation
        if not _valid(phrase, 16):
            return None
        written = phrase
        v = vocabulary.analytes().match(ab.group(1), fuzzy=False) or vocabulary.endpoints().match(ab.group(1),
                                                                                                    fuzzy=False)
        name = v.canonical if v else ab.group(1)
        return Subject(name, written, start, end, stat, how, v is not None)
    if not _valid(phrase, max_words):
        return None
    v = _vocab_name(doc, start, end)
    if v is not None:
        return Subject(v[0], phrase, start, end, stat or statistic_before(text, start), how, True)
    m = vocabulary.analytes().match(phrase, fuzzy=False) or vocabulary.endpoints().match(phrase, fuzzy=False)
    if m is not None:
        return Subject(m.canonical, phrase, start, end, stat, how, True)
    return Subject(re.sub(r"\s+", " ", phrase), phrase, start, end, stat, how, False)


def vocab_adjacent(doc: Doc, anchor: int, floor: int) -> Subject | None:
    best = None
    for hits in (doc.analytes, doc.endpoints):
        for h in hits:
            if floor <= h.start and h.end <= anchor and anchor - h.end <= 45:
                gap = doc.text[h.end:anchor]
                if re.search(r"[,;()\[\]:]|\d", gap):
                    continue
                if all(w in FILLER for w in gap.lower().split()) and (best is None or h.end > best.end):
                    best = h
    if best is None:
        return None
    return Subject(best.canonical, best.as_written, best.start, best.end,
                   statistic_before(doc.text, best.start), "vocab", True)


GRADED_NP = re.compile(  # blank runs and words read once (possessive: what follows never opens with one)
    r"\b[Gg]rades?\s*+(?:(?:≥|>=|>|≤|<)\s*+)?[0-5IV]{1,3}(?:\s*+(?:-|–|to|or|and)\s*+[0-5IV]{1,3})?\+?"
    r"(?:\s++(?:or|and)\s++(?:higher|above|greater))?\s++(?:[\w\-]++\s++){0,3}[\w\-]++\s*$")
QUANTITY_OF = re.compile(r"\b(?:(?:proportion|percentage|rate|rates|number|prevalence|incidence|use|duration|"
                         r"frequency|risk|odds|levels?|concentrations?|counts?|ratio|time|length)\s+of"
                         r"|(?:admission|time|progression|transfer|response|exposure|referral|return)\s+to)"
                         r"\s+(?:the\s+)?$", re.IGNORECASE)
DIFFERENCE_IN = re.compile(  # the phrase opens with a non-blank; blank runs read once (possessive)
    r"\bdifferences?\s++(?:in|of)\s++(?:the\s++)?(?P<np>[^,;:()\s][^,;:()]{0,59}?)\s++"
    r"(?:(?:was|were|is|are)\s++(?:\w++\s++)?(?:observed|found|seen|noted|detected)\s++)?"
                           r"(?:between|among|across|in|for)\b", re.IGNORECASE)
OBJECT_PREPOSITIONS = {"for", "in", "than", "with", "among", "between", "versus", "vs", "vs.", "to", "from", "by", "at",
                       "on", "after", "before", "during", "within", "without"}


def np_before(doc: Doc, anchor: int, floor: int) -> Subject | None:
    text = doc.text
    floor = max(floor, anchor - LOOKBACK)
    g = GRADED_NP.search(text, max(floor, anchor - 60), anchor)
    if g and not re.search(r"\b(?:with|without|in|for|among|by|than)\s+$", text[max(floor, g.start() - 12):g.start()]):
        return make_subject(doc, g.start(), g.end(), "np")
    toks = list(TOKEN.finditer(text, floor, anchor))
    if toks and toks[-1].group() == ":":
        toks.pop()  # 'fatty: 10.0 vs. 7.7 mm3/mm': the label before the colon names the quantity
    kept: list[re.Match[str]] = []
    stopped_by = None
    for t in reversed(toks):
        w = t.group()
        lw = w.lower()
        if len(w) == 1 and w in ",;:()[]":
            break
        if lw in STOP:
            stopped_by = lw
            break
        kept.append(t)
        if len(kept) >= 5:
            break
    if not kept or stopped_by in OBJECT_PREPOSITIONS:
        return None  # 'longer for DC than for VC (': the phrase names a group, not the quantity
    if stopped_by in ("the", "a", "an", "those", "these"):
        i = toks.index(kept[-1]) - 1  # the token that stopped the scan (kept is still in reverse order)
        if i >= 1 and toks[i - 1].group().lower() in OBJECT_PREPOSITIONS and \
                not QUANTITY_OF.search(text, max(floor, kept[-1].start() - 40), kept[-1].start()):
            return None  # 'lower with the Omicron variant (': a group after a preposition
    kept.reverse()
    if stopped_by in ("of", "to", "the"):
        # 'proportion of people achieving SBP targets (', 'admission to the intensive care unit (':
        # keep the quantity noun before 'of' / 'to'
        qm = QUANTITY_OF.search(text, max(floor, kept[0].start() - 40), kept[0].start())
        if qm:
            return make_subject(doc, qm.start(), kept[-1].end(), "np")
    # drop leading filler words ("levels of" handled by STOP), keep the phrase
    return make_subject(doc, kept[0].start(), kept[-1].end(), "np")


def clause_subject(doc: Doc, anchor: int, floor: int) -> Subject | None:
    text = doc.text
    floor = max(floor, anchor - LOOKBACK)
    cs = clause_start(text, anchor, floor)
    flat = depth0(text, cs, anchor)
    # the last coordinated clause: '..., and median Pao2/Fio2 was higher in younger patients: 163.5 vs 156'
    last = None
    for last in CLAUSE_JOIN.finditer(flat):  # noqa: B007 (keeps the last match)
        pass
    if last is not None:
        cs += last.end()
        flat = flat[last.end():]
    # the last comma-separated segment that has a verb of its own holds the subject
    # ("In the DC arm, ORR was ...", "..., while X was seen in most, worsening of Y was more common (")
    seg_starts = [0] + [i + 1 for i, c in enumerate(flat) if c == ","]
    m = None
    for s0 in reversed(seg_starts):
        seg_end = min([i for i in seg_starts if i > s0] + [len(flat) + 1]) - 1
        m = VERB.search(flat, s0, max(s0, seg_end))
        if m:
            break
    if not m:
        return None
    subj_start, subj_end = cs + s0, cs + m.start()
    # a subordinate clause: 'Compared with X, Y had' handled by the comma; 'that/which' clauses: after them
    return make_subject(doc, subj_start, subj_end, "subject")


def than_phrase(doc: Doc, anchor: int, floor: int) -> Subject | None:
    text = doc.text
    floor = max(floor, anchor - LOOKBACK)
    cs = clause_start(text, anchor, floor)
    flat = depth0(text, cs, anchor)
    am = AGE_COMPARATIVE.search(flat)
    if am and not COMPARATIVE.search(flat, am.end()):
        # 'severely ill patients were older (mean, 52.8 vs. 45.3)': the quantity is age
        return Subject("age", am.group(1), cs + am.start(1), cs + am.end(1), None, "than", False)
    best = None
    for m in COMPARATIVE.finditer(flat):
        best = m
    if best is None:
        return None
    return make_subject(doc, cs + best.start("np"), cs + best.end("np"), "than")


# an aside between a name and its verb: ', a surrogate of IFN-γ activity, ' (the words read once: possessive)
APPOSITIVE = re.compile(r",\s*+(?:a|an|the|its|their)\s++[^,;:()\d]{1,60}+(?<=\S),\s*+$", re.IGNORECASE)


def find_subject(doc: Doc, anchor: int, floor: int, label: tuple[int, int] | None = None,
                 allow_np: bool = True) -> Subject | None:
    """The analyte a value/parenthesis at `anchor` is about, or None when unclear."""
    floor = max(floor, anchor - LOOKBACK)
    s = vocab_adjacent(doc, anchor, floor)
    if s:
        return s
    if label is not None:
        s = make_subject(doc, label[0], label[1], "label")
        if s:
            return s
    if allow_np:
        s = np_before(doc, anchor, floor)
        if s:
            return s
        am = APPOSITIVE.search(doc.text, floor, anchor)
        if am is not None:  # 'Serum CXCL9, a surrogate of IFN-γ activity, fell from ...': the name before the aside
            s = np_before(doc, am.start(), floor)
            if s:
                return s
    cs = clause_start(doc.text, anchor, floor)
    dm = None
    for dm in DIFFERENCE_IN.finditer(depth0(doc.text, cs, anchor)):  # noqa: B007 (keeps the last match)
        pass
    if dm is not None:
        s = make_subject(doc, cs + dm.start("np"), cs + dm.end("np"), "difference")
        if s:
            return s
    s = clause_subject(doc, anchor, floor)
    if s:
        return s
    return than_phrase(doc, anchor, floor)
