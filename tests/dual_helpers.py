"""Two curators' extractions of the pediatric seed that differ in planted fields (issue 19's test data).

`curator_a` is the record test_curate_seeds enters through the window (every value linked to its words);
`curator_b` is the same paper extracted by a second curator, with these planted differences:

1. Study ▸ N enrolled 36 (A: 38)                                   value differs (numeric)
2. Study ▸ Design "retrospective cohort" (A: "retrospective")      value differs (categorical)
3. Comparisons ▸ IL-10 after 86.9 (A: 86.09)                       value differs (numeric)
4. Treatments ▸ corticosteroids: no indication (A: CRS)            value only in A (categorical)
5. Survival ▸ the OS row left out (7 values)                       row only in A
6. Toxicities ▸ a CRS row (syndrome CRS, grade 4) A does not have  row only in B
and these that must NOT count as disagreements: B's treatments in another order, B's "Before  Emapalumab"
(case and spacing), B's study age group typed "Pediatric".
"""

from __future__ import annotations

from curator.domain.outcomes import Comparison, Exposure, Record, Span, TimeToEvent, Toxicity

COMPARISONS = [
    ("temperature", 39.61, 38.38, "°C", "P < 0.001", "mean temperature (39.61 vs. 38.38°C, P < 0.001)"),
    ("IL-2", 32.35, 11.94, "pg/ml", "P < 0.001", "IL-2 (32.35 vs. 11.94 pg/ml, P < 0.001)"),
    ("IL-10", 222.29, 86.09, "pg/ml", "P = 0.018", "IL-10 (222.29 vs. 86.09 pg/ml, P = 0.018)"),
    ("TNF-α", 4.17, 2.94, "pg/ml", "P = 0.032", "TNF-α (4.17 vs. 2.94 pg/ml, P = 0.032)"),
    ("IFN-γ", 21984.11, 674.87, "pg/ml", "P < 0.001", "IFN-γ (21984.11 vs. 674.87 pg/ml, P < 0.001)"),
    ("CAR-T cells", 549.95, 8.16, "cell/μl", "P < 0.001", "mean CAR-T cell counts (549.95 vs. 8.16 cell/μl, P < 0.001)"),
    ("CAR-T % of CD3+", 11.3, 36.54, "%", "P < 0.001", "the ratio of CAR-T to CD3+ (11.3% vs. 36.54%, P < 0.001)"),
]


def _span(abstract: str, quote: str) -> Span:
    i = abstract.index(quote)
    return Span(i, i + len(quote), quote)


def curator_a(paper_id: int, abstract: str) -> Record:
    rec = Record(paper_id=paper_id, curator="ana")
    s = rec.study
    s.design, s.n_enrolled, s.age_group = "retrospective", 38, "pediatric"
    s.car_t_product, s.car_t_product_as_reported = "investigational", "investigational CAR-T products"
    s.sources = {"design": _span(abstract, "retrospective study"), "n_enrolled": _span(abstract, "38 pediatric patients"),
                 "age_group": _span(abstract, "38 pediatric patients"),
                 "car_t_product": _span(abstract, "investigational CAR-T products")}
    for agent, quote in (("tocilizumab", "tocilizumab monotherapy"),
                         ("corticosteroids", "low-dose glucocorticoids monotherapy"),
                         ("emapalumab", "Emapalumab significantly improved both clinical symptoms")):
        e = Exposure(agent=agent, role="toxicity treatment", indication="CRS")
        e.sources = {"agent": _span(abstract, quote)}
        rec.exposures.append(e)
    for analyte, a, b, unit, p, quote in COMPARISONS:
        c = Comparison(analyte=analyte, value_a=a, value_b=b, unit=unit, p_text=p, label_a="before emapalumab",
                       label_b="after emapalumab")
        c.sources = {f: _span(abstract, quote) for f in ("analyte", "value_a", "value_b", "unit", "p_text")}
        rec.comparisons.append(c)
    for ep, rate, lo, hi, quote in (("EFS", 76.9, 63.8, 92.6, "an EFS rate of 76.9% (95%CI, 63.8-92.6)"),
                                    ("OS", 80.1, 67.7, 94.6, "an OS rate of 80.1% (95% CI, 67.7-94.6)")):
        t = TimeToEvent(endpoint=ep, horizon="6 months", rate=rate, ci_level=95.0, ci_low=lo, ci_high=hi,
                        median_text="not reached")
        t.sources = {"rate": _span(abstract, quote)}
        rec.time_to_event.append(t)
    return rec


def curator_b(paper_id: int, abstract: str) -> Record:
    rec = curator_a(paper_id, abstract).copy()
    rec.curator = "ben"
    for r in rec.all_rows():  # another curator's rows: other uids
        r.uid = __import__("uuid").uuid4().hex
    rec.study.n_enrolled = 36  # 1
    rec.study.design = "retrospective cohort"  # 2
    rec.study.age_group = "Pediatric"  # same, other case
    rec.comparisons[2].value_b = 86.9  # 3
    rec.comparisons[0].label_a = "Before  Emapalumab"  # same, other case and spacing
    rec.exposures[1].indication = None  # 4
    rec.exposures.reverse()  # same rows, another order
    rec.time_to_event = [rec.time_to_event[0]]  # 5: no OS row
    tox = Toxicity(syndrome="CRS", grade=4)  # 6
    tox.sources = {"syndrome": _span(abstract, "high-grade CRS")}
    rec.toxicities.append(tox)
    return rec
