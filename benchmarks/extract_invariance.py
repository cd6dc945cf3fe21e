"""Does the extractor read a statement the same whatever notation it is typed in?

    /work/main/.venv/bin/python benchmarks/extract_invariance.py [--dev DIR] [--synth DIR] [--only NAME ...]

Each labelled abstract of the read halves (dev-odd, synth-odd: see extract_accuracy.py) is rewritten in one notation
at a time that authors, journals and copy-paste really produce — '45 percent' for '45%', 'pts' for 'patients',
'92 (85%) of 108 patients' for '92 of 108 patients (85%)', a no-break space, a PDF's hard line breaks, '>=' for
'≥' … — and the same rewrite is applied to every gold quote, so the labels still point at their words (a rewrite of one
character for one — blanks, line breaks — keeps the labels and scores the offsets found in the rewritten text; a
sentence added before or after the text keeps them too). The
extractor is then scored as in extract_accuracy.py. A notation whose recall or precision falls below the original's
names a way of writing the rules do not read yet; it says nothing about a particular abstract, so it is measured on
the read halves only (the held-out halves stay unread).

Prints, per notation: how many abstracts it changed, TP, precision, recall and the change in TP against the
original text.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from extract_accuracy import _dev_dir, _number  # noqa: E402

from curator.extract import suggest  # noqa: E402
from curator.extract.dev_scoring import evaluate_papers, load_papers  # noqa: E402


def _wrap(t: str, width: int = 72) -> str:
    """Hard line breaks at the first blank past `width` characters, as a PDF's text layer or a mail gives them."""
    out, col = list(t), 0
    for i, c in enumerate(t):
        col = 0 if c == "\n" else col + 1
        if c == " " and col > width:
            out[i], col = "\n", 0
    return "".join(out)


# rewrites one character for one (blanks, line breaks): the labels are kept as they are and the extractor's offsets
# into the rewritten text are scored against the original
IN_PLACE = {"nbsp", "thin", "wrap", "crlf"}
# sentences added around the text (no label changes): the labels are kept and only the abstract is rewritten
ADDED = {"background_first", "objective_first", "other_series_last", "heading_lines"}
ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V"}
NOTATIONS: dict[str, tuple[str, Callable[[str], str]]] = {
    "original": ("the text as labelled", lambda t: t),
    "nbsp": ("every space a no-break space (web pages)", lambda t: t.replace(" ", "\u00a0")),
    "thin": ("a thin space before each number", lambda t: re.sub(r" (?=\d)", "\u2009", t)),
    "wrap": ("hard line breaks every ~72 characters (PDF text)", _wrap),
    "crlf": ("line breaks as carriage returns", lambda t: t.replace("\n", "\r")),
    "endash": ("ranges with an en dash ('1–9')", lambda t: re.sub(r"(?<=\d)-(?=\d)", "–", t)),
    "hyphen": ("ranges with a hyphen ('1-9')", lambda t: re.sub(r"(?<=\d)[–—](?=\d)", "-", t)),
    "minus": ("negative days with a minus sign ('−5')", lambda t: re.sub(r"(?<=[\s(])-(?=\d)", "−", t)),
    "ops_tight": ("no blanks around = < > ('P<0.001', 'n=12')",
                  lambda t: re.sub(r"(?<=[A-Za-z)])\s*([=<>≤≥])\s*(?=[\d.])", r"\1", t)),
    "ops_loose": ("blanks around = < > ('P < 0.001')",
                  lambda t: re.sub(r"(?<=[A-Za-z])([=<>≤≥])(?=[\d.])", r" \1 ", t)),
    "ascii_bounds": ("bounds typed in ASCII ('>=3', '<=')", lambda t: t.replace("≥", ">=").replace("≤", "<=")),
    "pct_blank": ("a blank before % ('45 %')", lambda t: re.sub(r"(?<=\d)%", " %", t)),
    "pct_word": ("'percent' for % ('45 percent')",
                 lambda t: re.sub(r"(?<=\d)\s?%(?!\s*(?:CI|confidence))", " percent", t)),
    "p_lower": ("a lower-case p ('p = .02')", lambda t: re.sub(r"\bP(?=\s*[=<>≤≥])", "p", t)),
    "p_zero": ("a leading zero on p ('P < 0.001')", lambda t: re.sub(r"(?<=[<=>]\s)\.(?=\d)", "0.", t)),
    "p_nozero": ("no leading zero on p ('P < .001')", lambda t: re.sub(r"(?<=[<=>]\s)0\.(?=\d)", ".", t)),
    "p_semicolon": ("a semicolon before p", lambda t: re.sub(r",\s*(?=[Pp]\s*[=<>])", "; ", t)),
    "vs_dot": ("'vs.'", lambda t: re.sub(r"\bvs\b\.?", "vs.", t)),
    "versus": ("'versus'", lambda t: re.sub(r"\bvs\b\.?", "versus", t)),
    "times_x": ("'x' for × ('2 x 10^6')", lambda t: t.replace("×", "x")),
    "superscript": ("powers of ten in superscript ('10⁶')",
                    lambda t: re.sub(r"10\^(\d)", lambda m: "10" + "⁰¹²³⁴⁵⁶⁷⁸⁹"[int(m.group(1))], t)),
    "middot": ("Lancet's mid-dot decimals ('45·5%')", lambda t: re.sub(r"(?<=\d)\.(?=\d)", "·", t)),
    "no_thousands": ("no thousands separator ('2345')", lambda t: re.sub(r"(?<=\d),(?=\d{3}\b)", "", t)),
    "roman": ("grades in Roman numerals ('grade III')",
              lambda t: re.sub(r"\b([Gg]rade\s*(?:[≥≤]\s*)?)([1-5])\b", lambda m: m.group(1) + ROMAN[m.group(2)], t)),
    "grade_words": ("'grade 3 or higher' for 'grade ≥3'", lambda t: re.sub(r"grade\s*≥\s*([1-4])", r"grade \1 or higher", t)),
    "n_upper": ("'N =' for 'n ='", lambda t: re.sub(r"\bn(?=\s*=)", "N", t)),
    "pts": ("'pts' for 'patients' (meeting abstracts)", lambda t: re.sub(r"\bpatients\b", "pts", t)),
    "subjects": ("'subjects' for 'patients'", lambda t: re.sub(r"\bpatients\b", "subjects", t)),
    "share_first": ("the share before its denominator ('12 (40%) of 30 patients')",
                    lambda t: re.sub(r"\b(\d+) of (\d+) (patients|children|adults) \((\d+(?:\.\d+)?%)\)",
                                     r"\1 (\4) of \2 \3", t)),
    "ci_words": ("'95% confidence interval' for '95% CI'", lambda t: re.sub(r"95%\s*CI", "95% confidence interval", t)),
    "ci_tight": ("'95%CI'", lambda t: t.replace("95% CI", "95%CI")),
    "range_colon": ("'range: 1-9'", lambda t: re.sub(r"\b(range|IQR),\s", r"\1: ", t)),
    "iqr_words": ("'interquartile range' for 'IQR'", lambda t: re.sub(r"\bIQR\b", "interquartile range", t)),
    "micro_u": ("'u' for µ", lambda t: t.replace("µ", "u").replace("μ", "u")),
    "litre_l": ("'/ml', '/dl'", lambda t: t.replace("/mL", "/ml").replace("/dL", "/dl")),
    "british": ("British spellings (anaemia, haematologic, tumour, oedema)",
                lambda t: re.sub(r"(?i)\b(h|an|leuk|lymphop|neutrop|bacter|sept|thrombocytop)(?:a?)emi",
                                 lambda m: m.group(1) + "aemi", t).replace("hemato", "haemato")
                .replace("tumor", "tumour").replace("edema", "oedema")),
    "crs_words": ("'cytokine release syndrome' for 'CRS'",
                  lambda t: re.sub(r"\bCRS\b", "cytokine release syndrome",
                                   re.sub(r"(?:^|(?<=[.:!?]\s))CRS\b", "Cytokine release syndrome", t))),
    "icans_words": ("'neurotoxicity' for 'ICANS'", lambda t: re.sub(r"\bICANS\b", "neurotoxicity", t)),
    "car_t": ("'CAR-T' for 'CAR T'", lambda t: re.sub(r"\bCAR[- ]T\b", "CAR-T", t)),
    "stop_tight": ("no blank after a sentence's full stop ('of patients.Tocilizumab')",
                   lambda t: re.sub(r"(?<=[a-z])\.\s(?=[A-Z])", ".", t)),
    "markup": ("a web page's italic markup ('_P_ = .02', '_n_ = 12')",
               lambda t: re.sub(r"\b([Pp]|[nN])(?=\s*[=<>≤≥])", r"_\1_", t)),
}
_HEADING = (r"(?:^|(?<=\s))(BACKGROUND|Background|METHODS|Methods|RESULTS|Results|CONCLUSIONS?|Conclusions?|"
            r"OBJECTIVES?|Objectives?|CASE PRESENTATION|Case presentation)\s*:\s*")
NOTATIONS["heading_lines"] = ("headings alone on their lines ('Results⏎')",
                              lambda t: re.sub(_HEADING, lambda m: ("\n" if m.start() else "") + m.group(1) + "\n", t))
NOTATIONS.update({
    "background_first": ("a background sentence first ('CAR T-cell therapy can cause CRS in up to 90% ...')",
                         lambda t: "Chimeric antigen receptor T-cell therapy can cause cytokine release syndrome (CRS) in "
                                   "up to 90% of patients and neurotoxicity in up to 60%, and both may be fatal. " + t),
    "objective_first": ("an 'Objective:' heading first, no other heading after it",
                        lambda t: "Objective: To describe the incidence and management of CRS and ICANS after CAR T-cell "
                                  "therapy in routine practice. " + t),
    "other_series_last": ("a last sentence quoting other studies' share",
                          lambda t: t + " These findings support outpatient administration, given the low rate (2%) of "
                                        "grade 4 CRS in other series."),
})
# the verb an occurrence is told with, in place of 'occurred in', 'was observed in' ...
_OCCURRED_IN = (r"(?<!\bwas\s)(?<!\bwere\s)\b(?:occurred|developed|was observed|were observed|was seen|were seen|was reported|were reported|"
                r"was noted|was documented) in\b")
for _verb in ("was documented in", "was diagnosed in", "was identified in", "was present in", "was found in",
              "was experienced by", "affected"):
    NOTATIONS["verb_" + _verb.split()[-2 if " " in _verb else 0]] = (
        f"'{_verb}' for 'occurred in' …", lambda t, v=_verb: re.sub(_OCCURRED_IN, v, t))


def rewrite(paper: dict, f: Callable[[str], str]) -> dict:
    """The paper with `f` applied to its abstract and to every gold quote."""
    p = copy.deepcopy(paper)
    p["abstract"] = f(p["abstract"])
    for items in p["gold"].values():
        for it in items if isinstance(items, list) else ():
            if isinstance(it, dict) and isinstance(it.get("text"), str):
                it["text"] = f(it["text"])
    return p


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", help="extract_dev folder (default ../shared/extract_dev)")
    ap.add_argument("--synth", default=str(REPO / "tests" / "data" / "extract_synth"))
    ap.add_argument("--only", nargs="*", choices=sorted(NOTATIONS), help="these notations only")
    args = ap.parse_args()
    papers = []
    for folder in (_dev_dir(args.dev), Path(args.synth)):
        if folder is not None and folder.is_dir():
            papers += [p for p in load_papers(folder) if _number(p["id"]) % 2 == 1]
    print(f"read halves: {len(papers)} abstracts")
    print(f"{'notation':<17}{'changed':>8}{'TP':>7}{'precision':>11}{'recall':>8}{'ΔTP':>6}  rewrite")
    base = None
    for name in ["original"] + [n for n in NOTATIONS if n != "original" and (not args.only or n in args.only)]:
        what, f = NOTATIONS[name]
        changed = sum(f(p["abstract"]) != p["abstract"] for p in papers)
        if name in IN_PLACE:
            table = evaluate_papers(papers, extract=lambda t, f=f: suggest(f(t)))
        elif name in ADDED:
            table = evaluate_papers([{**p, "abstract": f(p["abstract"])} for p in papers])
        else:
            table = evaluate_papers([rewrite(p, f) for p in papers])
        tp = sum(c.tp for c in table.values())
        fp = sum(c.fp for c in table.values())
        fn = sum(c.fn for c in table.values())
        base = tp if base is None else base
        print(f"{name:<17}{changed:>8}{tp:>7}{tp / max(1, tp + fp):>11.3f}{tp / max(1, tp + fn):>8.3f}"
              f"{tp - base:>+6}  {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
