"""The rule-based extractor: every rule, the number-writing quirks, both seed papers, the gold set."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from conftest import CASE_REPORT_SEED, CORPUS, PEDIATRIC_SEED

from curator.domain.numbers import parse_number
from curator.extract import KINDS, Suggestion, suggest
from curator.extract.scoring import KEY_FIELDS, evaluate, format_table, load_gold, matches

GOLD = Path(__file__).parent / "data" / "extract_gold.json"


def pediatric_abstract() -> str:
    md = PEDIATRIC_SEED.read_text(encoding="utf-8")
    section = md.split("## Abstract", 1)[1].split("\n## ", 1)[0]
    return "\n\n".join(p.strip() for p in section.split("\n\n") if p.strip())


def case_report_abstract() -> str:
    paras = [p.strip() for p in CASE_REPORT_SEED.read_text(encoding="utf-8").split("\n\n")]
    return paras[paras.index("Abstract") + 1]


def of(kind: str, text: str) -> list[Suggestion]:
    return [s for s in suggest(text) if s.kind == kind]


def one(kind: str, text: str) -> Suggestion:
    found = of(kind, text)
    assert len(found) == 1, [s.to_dict() for s in suggest(text)]
    return found[0]


def check_offsets(text: str, found: list[Suggestion]) -> None:
    for s in found:
        assert 0 <= s.start < s.end <= len(text)
        assert text[s.start:s.end] == s.text
        assert s.kind in KINDS and s.rule and 0 < s.confidence <= 1
        for k, v in s.fields.items():
            if not k.endswith(("as_written", "_text")):  # numbers are numbers; only 'as written' keeps text
                assert not (isinstance(v, str) and re.fullmatch(r"[-−+]?\d+(?:[.·]\d+)?", v)), s


# a number as a paper writes it: '413 467', '.006', '21,984.11', '14·8'
_WRITTEN_NUMBER = re.compile(r"\d{1,3}(?:[ \u2009\u202f]\d{3})+(?![\d.,·])|(?<![\w.·])[.·]\d+|\d+(?:[.,·]\d+)*")


def check_evidence(text: str, s: Suggestion) -> None:
    """The offsets point at the evidence itself: every number the suggestion keys on is written inside
    text[start:end], and so is every 'as written' name (a dose's drug name may stand outside the dose)."""
    span = text[s.start:s.end]
    written = [abs(v) for m in _WRITTEN_NUMBER.finditer(span) if (v := parse_number(m.group())) is not None]
    if any(c.isdigit() for c in span):  # 'Thirty-one patients' writes its number in words
        for k in KEY_FIELDS[s.kind]:
            v = s.fields.get(k)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                assert any(abs(abs(v) - w) < 1e-9 for w in written), (s.kind, k, v, span)
    for k, v in s.fields.items():
        if k.endswith("as_written") and isinstance(v, str) and s.kind != "dose":
            assert v in span, (s.kind, k, v, span)


# ------------------------------------------------------------------ API

def test_suggestion_api():
    text = "IL-2 (32.35 vs. 11.94 pg/ml, P < 0.001)"
    s = one("comparison", text)
    d = s.to_dict()
    assert set(d) >= {"kind", "fields", "start", "end", "text", "confidence", "rule"}
    assert d["text"] == text and (d["start"], d["end"]) == (0, len(text))
    assert s.rule.startswith("comparison.paren")
    assert suggest("") == [] and suggest("   ") == []


# ------------------------------------------------------------------ the pediatric seed

@pytest.fixture(scope="module")
def pediatric():
    text = pediatric_abstract()
    return text, suggest(text)


def test_pediatric_offsets(pediatric):
    text, found = pediatric
    check_offsets(text, found)
    spans = {(s.kind, s.start, s.end) for s in found}
    expected = [("comparison", c[-1]) for c in PEDIATRIC_COMPARISONS] + [
        ("sample_size", "38 pediatric patients"), ("car_t_product", "investigational CAR-T products")]
    for kind, evidence in expected:
        assert text.count(evidence) == 1, evidence
        start = text.index(evidence)
        assert (kind, start, start + len(evidence)) in spans, (kind, evidence)
    for s in found:
        check_evidence(text, s)


def test_pediatric_study(pediatric):
    _, found = pediatric
    by = lambda k: [s for s in found if s.kind == k]
    assert [s.fields["value"] for s in by("design")] == ["retrospective"]
    assert [s.fields["n"] for s in by("sample_size")] == [38]
    assert by("sample_size")[0].text == "38 pediatric patients"
    assert [s.fields["value"] for s in by("age_group")] == ["pediatric"]
    prods = by("car_t_product")
    assert [(p.fields["product"], p.fields["as_written"]) for p in prods] == [
        ("investigational", "investigational CAR-T products")]
    drugs = {s.fields["drug"]: s.fields["as_written"] for s in by("drug")}
    assert drugs["tocilizumab"] == "tocilizumab"
    assert drugs["corticosteroids"] == "low-dose glucocorticoids"
    assert "emapalumab" in drugs


PEDIATRIC_COMPARISONS = [
    # analyte, as written, a, b, unit, op, p, evidence
    ("temperature", "temperature", 39.61, 38.38, "°C", "<", 0.001, "temperature (39.61 vs. 38.38°C, P < 0.001)"),
    ("IL-2", "IL-2", 32.35, 11.94, "pg/ml", "<", 0.001, "IL-2 (32.35 vs. 11.94 pg/ml, P < 0.001)"),
    ("IL-10", "IL-10", 222.29, 86.09, "pg/ml", "=", 0.018, "IL-10 (222.29 vs. 86.09 pg/ml, P = 0.018)"),
    ("TNF-α", "TNF-α", 4.17, 2.94, "pg/ml", "=", 0.032, "TNF-α (4.17 vs. 2.94 pg/ml, P = 0.032)"),
    ("IFN-γ", "IFN-γ", 21984.11, 674.87, "pg/ml", "<", 0.001, "IFN-γ (21984.11 vs. 674.87 pg/ml, P < 0.001)"),
    ("CAR-T cell count", "CAR-T cell counts", 549.95, 8.16, "cell/μl", "<", 0.001,
     "CAR-T cell counts (549.95 vs. 8.16 cell/μl, P < 0.001)"),
    ("CAR-T/CD3+ ratio", "ratio of CAR-T to CD3+", 11.3, 36.54, "%", "<", 0.001,
     "ratio of CAR-T to CD3+ (11.3% vs. 36.54%, P < 0.001)"),
]


def test_pediatric_comparisons(pediatric):
    text, found = pediatric
    comps = [s for s in found if s.kind == "comparison"]
    got = [(c.fields["analyte"], c.fields["analyte_as_written"], c.fields["value_a"], c.fields["value_b"],
            c.fields["unit"], c.fields["p_operator"], c.fields["p_value"], c.text) for c in comps]
    assert got == PEDIATRIC_COMPARISONS
    for c in comps:
        assert isinstance(c.fields["value_a"], float) and isinstance(c.fields["p_value"], float)
        assert text[c.start:c.end] == c.text
    temp = comps[0]
    assert temp.fields["statistic"] == "mean" and temp.fields["p_text"] == "P < 0.001"
    assert comps[5].fields["statistic"] == "mean"


def test_pediatric_rates(pediatric):
    _, found = pediatric
    rates = [(s.fields["endpoint"], s.fields["value"], s.fields["ci_low"], s.fields["ci_high"], s.fields["ci_level"],
              s.fields["horizon"], s.fields["unit"], s.text) for s in found if s.kind == "rate"]
    assert rates == [
        ("EFS", 76.9, 63.8, 92.6, 95, "6 months", "%", "EFS rate of 76.9% (95%CI, 63.8-92.6)"),
        ("OS", 80.1, 67.7, 94.6, 95, "6 months", "%", "OS rate of 80.1% (95% CI, 67.7-94.6)"),
    ]


def test_pediatric_medians_not_reached_and_toxicity(pediatric):
    _, found = pediatric
    nr = [s.fields["quantity"] for s in found if s.kind == "median" and s.fields.get("not_reached")]
    assert nr == ["EFS", "OS"]
    tox = [s for s in found if s.kind == "toxicity"]
    assert [(t.fields["syndrome"], t.fields["grade"], t.fields["grade_as_reported"]) for t in tox] == [
        ("CRS", None, "high-grade")]


# ------------------------------------------------------------------ the case report seed

@pytest.fixture(scope="module")
def case_report():
    text = case_report_abstract()
    return text, suggest(text)


def test_case_report(case_report):
    text, found = case_report
    check_offsets(text, found)
    by = lambda k: [s for s in found if s.kind == k]
    assert [s.fields["value"] for s in by("design")] == ["case report"]
    assert [s.fields["value"] for s in by("age_group")] == ["adult"]
    assert [(s.fields["product"], s.fields["as_written"], s.fields["target"]) for s in by("car_t_product")] == [
        ("brexucabtagene autoleucel", "brexucabtagene autoleucel", "CD19")]
    assert {s.fields["syndrome"] for s in by("toxicity")} == {"CRS", "ICANS", "IEC-HS"}
    assert {s.fields["drug"] for s in by("drug")} == {"tocilizumab", "corticosteroids", "anakinra", "siltuximab",
                                                      "ruxolitinib", "emapalumab"}
    # the patient's treatments are cited from the sentence about the patient, not the background list (issue 16)
    assert {s.fields["drug"]: s.fields["as_written"] for s in by("drug")}["corticosteroids"] == \
        "high-dose corticosteroids"
    patient = text.index("Treatment included")
    assert all(s.start >= patient for s in by("drug") if s.fields["drug"] != "emapalumab")
    events = [(e.fields["event"], e.fields["day"], e.text) for e in by("event")]
    assert events == [("emapalumab initiated", 11, "Emapalumab was initiated on day +11"),
                      ("full neurological recovery", 21, "full neurological recovery by day +21")]
    assert not by("comparison") and not by("rate")


# ------------------------------------------------------------------ comparisons

def test_comparison_lists_give_one_per_analyte():
    text = ("levels of inflammatory markers including IL-2 (32.35 vs. 11.94 pg/ml, P < 0.001), IL-10 (222.29 vs. "
            "86.09 pg/ml, P = 0.018), TNF-α (4.17 vs. 2.94 pg/ml, P = 0.032)")
    assert [c.fields["analyte"] for c in of("comparison", text)] == ["IL-2", "IL-10", "TNF-α"]


def test_comparison_unit_on_both_values_or_only_the_second():
    c = one("comparison", "the ratio of CAR-T to CD3+ (11.3% vs. 36.54%, P < 0.001)")
    assert (c.fields["unit"], c.fields["value_a"], c.fields["value_b"]) == ("%", 11.3, 36.54)
    c = one("comparison", "mean temperature (39.61 vs. 38.38°C, P < 0.001)")
    assert c.fields["unit"] == "°C" and c.text == "temperature (39.61 vs. 38.38°C, P < 0.001)"
    c = one("comparison", "IL-6 (1,200 pg/mL vs 150 pg/mL; P=.02)")
    assert (c.fields["value_a"], c.fields["value_b"], c.fields["p_value"]) == (1200, 150, 0.02)


def test_comparison_statistic_and_subject():
    c = one("comparison", "Peak IL-6 levels were higher in patients with grade ≥3 CRS after CAR-T "
                          "(median 1,200 vs 150 pg/mL; P < .001).")
    f = c.fields
    assert (f["analyte"], f["statistic"], f["value_a"], f["value_b"], f["unit"], f["p_value"]) == (
        "IL-6", "peak", 1200, 150, "pg/mL", 0.001)


def test_comparison_in_running_text_and_from_to():
    c = one("comparison", "Febrile neutropenia occurred in 16.2% of DC patients versus 8.8% of VC patients (P = .03).")
    assert (c.fields["analyte"], c.fields["value_a"], c.fields["value_b"], c.fields["p_value"]) == (
        "Febrile neutropenia", 16.2, 8.8, 0.03)
    c = one("comparison", "Ferritin increased from 1,250 to 21 984 ng/mL (P = .02).")
    assert (c.fields["analyte"], c.fields["value_a"], c.fields["value_b"], c.fields["unit"]) == (
        "ferritin", 1250, 21984, "ng/mL")
    c = one("comparison", "Temperature decreased from 39.8 ℃ to 37.2 ℃ within 24 hours (P<0.05).")
    assert (c.fields["analyte"], c.fields["unit"], c.fields["p_operator"], c.fields["p_value"]) == (
        "temperature", "℃", "<", 0.05)


def test_comparison_p_value_alone_for_a_named_outcome():
    c = one("comparison", "Peak ferritin was significantly higher in patients with IEC-HS after CAR-T (P < 0.001).")
    f = c.fields
    assert (f["analyte"], f["value_a"], f["value_b"], f["p_operator"], f["p_value"]) == ("ferritin", None, None, "<",
                                                                                         0.001)
    assert c.rule.startswith("comparison.p_only")


@pytest.mark.parametrize("text", [
    "the overall survival at 1 and 4 years was 93% and 56% vs 89% and 61%, respectively (p=0.43).",
    "admission to intensive care unit: 0/10 vs 3/10.",
    "IL-6 (12 pg/mL vs 3 ng/mL, P = 0.01)",  # units disagree: not clearly the pair
    "IL-6 (12 vs 30 vs 45 pg/mL, P = 0.01)",  # three-way
    "between 2005 vs 2018 the cohort grew",
    "Patients (n = 503) vs (n = 514) were compared.",
])
def test_comparison_says_nothing_when_the_pair_is_unclear(text):
    assert of("comparison", text) == []


# ------------------------------------------------------------------ rates

def test_rate_with_ci_and_trailing_horizon():
    text = ("The median EFS and OS were both not reached, with an EFS rate of 76.9% (95%CI, 63.8-92.6) and with an OS "
            "rate of 80.1% (95% CI, 67.7-94.6) at 6 months.")
    rates = of("rate", text)
    assert [(r.fields["endpoint"], r.fields["horizon"]) for r in rates] == [("EFS", "6 months"), ("OS", "6 months")]


@pytest.mark.parametrize(("text", "endpoint", "value", "lo", "hi", "horizon"), [
    ("ORR 82% (95% CI, 72–89)", "ORR", 82.0, 72.0, 89.0, None),
    ("The CR rate was 54% (95% CI 44-64).", "CR", 54.0, 44.0, 64.0, None),
    ("the 12-month PFS was 44% (95% CI, 33–54).", "PFS", 44.0, 33.0, 54.0, "12 months"),
    ("EFS at 12 months was 50·3% (95% CI 40·1–60·5).", "EFS", 50.3, 40.1, 60.5, "12 months"),
    ("1-year OS was 60% (95% confidence interval [CI]: 50 to 70).", "OS", 60.0, 50.0, 70.0, "1 year"),
    ("ICU mortality was 26%.", "mortality", 26.0, None, None, None),
])
def test_rates(text, endpoint, value, lo, hi, horizon):
    r = one("rate", text)
    assert (r.fields["endpoint"], r.fields["value"], r.fields["ci_low"], r.fields["ci_high"], r.fields["horizon"]) == (
        endpoint, value, lo, hi, horizon)


def test_rate_fraction_forms():
    r = one("rate", "14/38 (36.8%)")
    assert (r.fields["numerator"], r.fields["denominator"], r.fields["value"]) == (14, 38, 36.8)
    r = one("rate", "Complete remission was achieved in 14 of 38 patients (36.8%).")
    assert (r.fields["endpoint"], r.fields["numerator"], r.fields["denominator"]) == ("CR", 14, 38)
    r = one("rate", "CR was achieved in 30 patients (79%) after CAR-T therapy.")
    assert (r.fields["endpoint"], r.fields["numerator"], r.fields["value"]) == ("CR", 30, 79.0)
    assert of("rate", "14/38 (52.0%)") == []  # the numbers disagree: say nothing


def test_rates_respectively_and_inherited_endpoint():
    rates = of("rate", "The 1-year OS and PFS were 76% and 58%, respectively.")
    assert [(r.fields["endpoint"], r.fields["value"], r.fields["horizon"]) for r in rates] == [
        ("OS", 76.0, "1 year"), ("PFS", 58.0, "1 year")]
    rates = of("rate", "Response rate was 22.6% (95% CI: 11.4-39.8%) for combination therapy and 10.0% "
                       "(95% CI: 3.5-25.6%) for monotherapy.")
    assert [(r.fields["endpoint"], r.fields["value"], r.fields.get("arm")) for r in rates] == [
        ("ORR", 22.6, "combination therapy"), ("ORR", 10.0, "monotherapy")]


def test_rate_not_a_difference_or_a_ratio():
    assert of("rate", "difference, 21% [95% CI, 17%-26%]") == []
    assert of("rate", "(OR = 4.72, 95% CI 1.15-19.5)") == []


# ------------------------------------------------------------------ medians, sample size, design, age group

@pytest.mark.parametrize(("text", "quantity", "value", "disp", "lo", "hi", "unit"), [
    ("With a median follow-up of 15.4 months (IQR 12.0–20.1),", "follow-up", 15.4, "IQR", 12.0, 20.1, "months"),
    ("the median (IQR) age was 63 (56-70) years", "age", 63, "IQR", 56.0, 70.0, "years"),
    ("Median time to CRS onset was 2 days (range, 1–12).", "time to CRS onset", 2, "range", 1.0, 12.0, "days"),
    ("The median age was 58 years (range, 21 to 80).", "age", 58, "range", 21.0, 80.0, "years"),
    ("Median PFS was 3.9 months (95% CI: 0.5-8.5 months).", "PFS", 3.9, "CI", 0.5, 8.5, "months"),
    ("Time to first relapse was median 31.5 months (range 7-89mo).", "Time to first relapse", 31.5, "range", 7.0,
     89.0, "months"),
])
def test_medians(text, quantity, value, disp, lo, hi, unit):
    m = one("median", text)
    f = m.fields
    assert (f["quantity"], f["value"], f["dispersion"], f["low"], f["high"], f["unit"]) == (quantity, value, disp, lo,
                                                                                           hi, unit)


def test_median_leaves_comparisons_and_odd_forms_alone():
    assert of("median", "median 1,200 vs 150 pg/mL") == []
    assert of("median", "median age at onset 9y 10mo, range 1y 2mo-18y") == []


@pytest.mark.parametrize(("text", "n"), [
    ("in 38 pediatric patients who failed", 38), ("(n = 21)", 21), ("N=120", 120), ("a total of 2,182 Chinese subjects",
                                                                                  2182),
    ("Thirty-one patients were randomly assigned", 31), ("Sixty two children with sickle cell anemia", 62),
    ("413 467 confirmed cases", 413467),
])
def test_sample_size(text, n):
    assert [s.fields["n"] for s in of("sample_size", text)] == [n]


@pytest.mark.parametrize("text", [
    "920 patients (58% [95% CI, 56%-61%]) were still in the ICU",  # an outcome count
    "12 patients developed CRS after CAR-T",  # an outcome count
    "in 5 of 38 patients",  # a denominator
    "CRS (n = 5, 13%)",  # a count with its percentage
    "A 45-year-old patient",
])
def test_sample_size_not_outcome_counts(text):
    assert [s for s in of("sample_size", text) if s.fields["n"] in (920, 12, 38, 5, 45)] == []


@pytest.mark.parametrize(("text", "value"), [
    ("In this retrospective study,", "retrospective"), ("a prospective, multicenter trial", "prospective"),
    ("Case Report: Successful use of emapalumab", "case report"),
    ("We report an adult B-ALL patient treated with brexu-cel.", "case report"), ("a case series of 5", "case series"),
    ("In this phase 1/2 study", "phase 1/2"), ("a phase II trial", "phase 2"), ("a phase-I study", "phase 1"),
    ("patients were randomly assigned to", "randomized controlled trial"), ("data from the CIBMTR registry", "registry"),
    ("a systematic review and meta-analysis", "meta-analysis"), ("In this review, we summarize", "review"),
])
def test_design(text, value):
    assert value in [s.fields["value"] for s in of("design", text)]


@pytest.mark.parametrize("text", [
    "These data provide rationale for future prospective studies.",
    "A randomized control clinical trial is needed to assess the efficacy.",
    "Clinical Trials Registry of India CTRI/2013/06/003753.",
    "In this case series of critically ill patients",
])
def test_design_not_from_future_work_or_registrations(text):
    values = [s.fields["value"] for s in of("design", text)]
    assert not set(values) & {"prospective", "randomized controlled trial", "registry", "case report"}


@pytest.mark.parametrize(("text", "value"), [
    ("We treated 38 pediatric patients", "pediatric"), ("We report an adult patient", "adult"),
    ("We enrolled 40 adolescents and young adults", "AYA"), ("We included children and adults with B-ALL", "mixed"),
    ("A 12-year-old boy received CAR-T cells", "pediatric"), ("A 41-year-old woman presented", "adult"),
    ("elderly patients (aged ≥76 years) were treated", "adult"),
])
def test_age_group(text, value):
    assert [s.fields["value"] for s in of("age_group", text)] == [value]


# ------------------------------------------------------------------ products, drugs, toxicity, doses, events

def test_products():
    text = ("Among 120 patients treated with axicabtagene ciloleucel (axi-cel) or Kymriah, and 12 with KTE-X19, "
            "toxicity was common; investigators also used novel CD19/CD22 CAR-T cells with a 4-1BB domain.")
    got = {s.fields["product"]: s.fields for s in of("car_t_product", text)}
    assert got["axicabtagene ciloleucel"]["mentions"] == 2 and got["axicabtagene ciloleucel"]["target"] == "CD19"
    assert got["tisagenlecleucel"]["as_written"] == "Kymriah"
    assert got["brexucabtagene autoleucel"]["as_written"] == "KTE-X19"
    inv = one("car_t_product", "A 12-year-old boy received CD19/CD22 CAR-T cells (4-1BB costimulation).")
    assert (inv.fields["product"], inv.fields["target"], inv.fields["costimulatory_domain"]) == (
        "investigational", "CD19/CD22", "4-1BB")
    assert of("car_t_product", "CAR-T cell therapy improves outcomes in B-ALL.") == []  # generic, not a product


def test_drugs_and_roles():
    text = "Lymphodepletion with fludarabine and cyclophosphamide; CRS was treated with Actemra and high-dose steroids."
    got = {s.fields["drug"]: (s.fields["as_written"], s.fields["role"]) for s in of("drug", text)}
    assert got == {"fludarabine": ("fludarabine", "lymphodepletion"), "cyclophosphamide": ("cyclophosphamide",
                                                                                          "lymphodepletion"),
                   "tocilizumab": ("Actemra", "toxicity treatment"),
                   "corticosteroids": ("high-dose steroids", "toxicity treatment")}


@pytest.mark.parametrize(("text", "syndrome", "grade", "op", "as_reported", "percent", "count"), [
    ("After CAR-T, grade ≥3 CRS in 12% of patients.", "CRS", 3, "≥", "grade ≥3", 12.0, None),
    ("After CAR-T, grade 3-4 ICANS occurred.", "ICANS", 3, "range", "grade 3-4", None, None),
    ("After CAR-T, grade 3 or higher CRS in 12%.", "CRS", 3, "≥", "grade 3 or higher", 12.0, None),
    ("After CAR-T, Grade ≥ 3 neurotoxicity occurred in 28%.", "ICANS", 3, "≥", "Grade ≥ 3", 28.0, None),
    ("After CAR-T, CRS occurred in 30 (79%) patients.", "CRS", None, None, None, 79.0, 30),
    ("After CAR-T, high-grade CRS was treated with emapalumab.", "CRS", None, None, "high-grade", None, None),
    ("After CAR-T, grade III CRS developed.", "CRS", 3, "=", "grade III", None, None),
    ("After CAR-T, CRS of grade 2 or higher developed in 40%.", "CRS", 2, "≥", "grade 2 or higher", 40.0, None),
])
def test_toxicity(text, syndrome, grade, op, as_reported, percent, count):
    t = [s for s in of("toxicity", text) if s.fields["syndrome"] == syndrome]
    assert len(t) == 1, [s.to_dict() for s in suggest(text)]
    f = t[0].fields
    assert (f["grade"], f["grade_operator"], f["grade_as_reported"], f["percent"], f["count"]) == (
        grade, op, as_reported, percent, count)


def test_toxicity_lists_respectively_and_parenthesised_grades():
    tox = of("toxicity", "Grade ≥3 CRS and ICANS occurred in 12% and 18% of patients, respectively, after CAR-T.")
    assert [(t.fields["syndrome"], t.fields["grade"], t.fields["percent"]) for t in tox] == [
        ("CRS", 3, 12.0), ("ICANS", 3, 18.0)]
    tox = of("toxicity", "After axi-cel, CRS occurred in 93% (grade ≥3, 11%) and ICANS in 64% (grade ≥3, 31%).")
    assert sorted((t.fields["syndrome"], t.fields["grade"] or 0, t.fields["percent"]) for t in tox) == [
        ("CRS", 0, 93.0), ("CRS", 3, 11.0), ("ICANS", 0, 64.0), ("ICANS", 3, 31.0)]
    # no 'respectively': one list of as many percentages as syndromes right after the verb is read in order
    tox = of("toxicity", "CRS and ICANS occurred in 12% and 18% of CAR-T recipients.")
    assert [(t.fields["syndrome"], t.fields["percent"]) for t in tox] == [("CRS", 12.0), ("ICANS", 18.0)]
    # ... but not when the counts disagree or other numbers share the clause
    tox = of("toxicity", "CRS and ICANS occurred in 12%, 18% and 30% of CAR-T recipients.")
    assert all(t.fields["percent"] is None for t in tox)


def test_toxicity_negation_and_context():
    t = one("toxicity", "No grade ≥3 CRS was observed after tisa-cel.")
    assert t.fields["count"] == 0 and t.fields["negated"] is True
    assert of("toxicity", "Patients with chronic rhinosinusitis (CRS) had nasal polyps.") == []  # no CAR-T context
    assert of("toxicity", "Grade 3 to 4 neurotoxicity was infrequent with docetaxel.") == []
    # a context-free name counts without a CAR-T context when the sentence says it occurred
    assert [t.fields["syndrome"] for t in of("toxicity", "Cytokine release syndrome developed in COVID-19.")] == ["CRS"]
    # a background sentence is never the evidence (issue 16 item 2)
    assert of("toxicity", "After CAR-T, cytokine release syndrome is a common and potentially fatal toxicity.") == []


def test_toxicity_reference_mentions_are_not_toxicities():
    text = ("After CAR-T, toxicities resembling hemophagocytic lymphohistiocytosis (HLH) syndrome are recognized; "
            "treatments are adapted from primary HLH.")
    assert of("toxicity", text) == []


@pytest.mark.parametrize(("text", "drug", "dose", "unit", "unit_code"), [
    ("tocilizumab 8 mg/kg was given", "tocilizumab", 8, "mg/kg", "mg/kg"),
    ("8 mg/kg tocilizumab", "tocilizumab", 8, "mg/kg", "mg/kg"),
    ("tocilizumab (8 mg/kg)", "tocilizumab", 8, "mg/kg", "mg/kg"),
    ("patients received 6 mg/kg every 4 weeks", None, 6, "mg/kg", "mg/kg"),
    ("dexamethasone 10 mg every 6 h", "dexamethasone", 10, "mg", "mg"),
    ("fludarabine 30 mg/m2/day", "fludarabine", 30, "mg/m2/day", "mg/m2/d"),
    ("docetaxel 75 mg/m(2)", "docetaxel", 75, "mg/m(2)", "mg/m2"),
    ("2 × 10^6 CAR-T cells/kg", None, 2, "× 10^6 CAR-T cells/kg", "10*6/kg"),
    ("a dose of 2.0 × 10⁶ CAR-T cells/kg", None, 2.0, "× 10⁶ CAR-T cells/kg", "10*6/kg"),
    ("a dose of 2.0 × 106 CAR-T cells/kg", None, 2.0, "× 106 CAR-T cells/kg", "10*6/kg"),  # superscript lost
])
def test_doses(text, drug, dose, unit, unit_code):
    d = one("dose", text)
    assert (d.fields["drug"], d.fields["dose"], d.fields["unit"], d.fields["unit_code"]) == (drug, dose, unit, unit_code)


def test_dose_frequency_and_lab_units_are_not_doses():
    assert one("dose", "anakinra 100 mg every 6 h").fields["frequency"] == "every 6 h"
    assert of("dose", "CRP was 12 mg/dL and fibrinogen 1.2 g/L") == []
    assert of("dose", "the tumour measured 12 mg") == []  # a bare mass with no drug


@pytest.mark.parametrize(("text", "event", "day"), [
    ("Emapalumab was initiated on day +11.", "emapalumab initiated", 11),
    ("Dasatinib was started on day +5.", "dasatinib started", 5),
    ("CRS developed on day 7.", "CRS developed", 7),
    ("Fludarabine was given on day −5.", "fludarabine given", -5),
    ("The patient recovered, with full neurological recovery by day +21.", "full neurological recovery", 21),
    ("On hospital day 5, the patient developed ARDS.", "patient developed ARDS", 5),
])
def test_events(text, event, day):
    e = one("event", text)
    assert (e.fields["event"], e.fields["day"]) == (event, day)


def test_schedules_are_not_events():
    assert of("event", "vinorelbine 25 mg/m(2) on days 1 and 8 plus cisplatin 100 mg/m(2) on day 1") == []


# ------------------------------------------------------------------ number writing

@pytest.mark.parametrize(("text", "a", "b", "op", "p"), [
    ("IL-6 (14·8 vs. 3·2 pg/mL, P-value = < 0·0001)", 14.8, 3.2, "<", 0.0001),
    ("IFN-γ (21,984.11 vs. 674.87 pg/ml, P=.02)", 21984.11, 674.87, "=", 0.02),
    ("IFN-γ (21 984 vs. 674 pg/ml, p<0.05)", 21984, 674, "<", 0.05),
    ("IL-10 (2 000 vs 150 pg/mL; p ≤ 0.01)", 2000, 150, "≤", 0.01),
    ("IL-6 (120 vs 30 pg/ml, P < .001)", 120, 30, "<", 0.001),
    ("CAR-T cells (549.95 vs. 8.16 cells/µL, P=0.01)", 549.95, 8.16, "=", 0.01),  # micro sign
    ("CAR-T cells (549.95 vs. 8.16 cell/μl, P=0.01)", 549.95, 8.16, "=", 0.01),  # Greek mu
    ("temperature (39.6 vs. 38.4 ℃, P = 0.003)", 39.6, 38.4, "=", 0.003),
    ("IL-6 (−1.2 vs. −8.0 pg/mL, p=0.04)", -1.2, -8.0, "=", 0.04),
    ("chest tightness (60.5% vs.20.6%, p < 0.01)", 60.5, 20.6, "<", 0.01),
    ("IL-6 (86.6+/-24.0 vs. 72.8+/-19.4 pg/mL, p=0.018)", 86.6, 72.8, "=", 0.018),
])
def test_number_writing(text, a, b, op, p):
    c = one("comparison", text)
    assert (c.fields["value_a"], c.fields["value_b"], c.fields["p_operator"], c.fields["p_value"]) == (a, b, op, p)
    assert c.text == text[c.start:c.end]


@pytest.mark.parametrize(("text", "lo", "hi"), [
    ("ORR 82% (95% CI, 72–89)", 72.0, 89.0), ("ORR 82% (95% CI, 72—89)", 72.0, 89.0),
    ("ORR 82% (95% CI 72 to 89)", 72.0, 89.0), ("ORR 82% (95% CI: 72%-89%)", 72.0, 89.0),
    ("ORR 82% [95% CI, 72; 89]", 72.0, 89.0), ("ORR 82·4% (95% CI 72·1−89·0)", 72.1, 89.0),
])
def test_ci_writing(text, lo, hi):
    r = one("rate", text)
    assert (r.fields["ci_low"], r.fields["ci_high"]) == (lo, hi)


# ------------------------------------------------------------------ the gold set

@pytest.fixture(scope="module")
def gold_table():
    return evaluate(load_gold(GOLD))


def test_gold_set_is_well_formed():
    docs = load_gold(GOLD)
    assert len(docs) >= 27
    assert sum(1 for d in docs if d["id"].startswith("pmid:")) >= 25
    assert {d["id"] for d in docs} >= {"seed:pediatric", "seed:case_report"}
    for d in docs:
        assert d["text"].strip() and d["expected"]
        for item in d["expected"]:
            assert item["kind"] in KINDS
    seeds = {d["id"]: d["text"] for d in docs if d["id"].startswith("seed:")}
    assert seeds["seed:pediatric"] == pediatric_abstract()
    assert seeds["seed:case_report"] == case_report_abstract()


def test_gold_comparisons_and_rates(gold_table):
    print("\n" + format_table(gold_table))
    for kind in ("comparison", "rate"):
        c = gold_table[kind]
        assert c.recall >= 0.90, (kind, c.recall, c.misses)
        assert c.precision >= 0.95, (kind, c.precision, c.false_alarms)


def test_gold_other_kinds_stay_useful(gold_table):
    for kind, c in gold_table.items():
        assert c.precision >= 0.8, (kind, c.false_alarms)
        assert c.recall >= 0.8, (kind, c.misses)


def test_gold_offsets_exact():
    """Every gold abstract yields expected values, and each one's offsets point at its own evidence."""
    n_gold = n_found = 0
    for d in load_gold(GOLD):
        found = suggest(d["text"])
        check_offsets(d["text"], found)
        hits = [s for s in found if any(matches(g, s.to_dict()) for g in d["expected"])]
        assert hits, f"{d['id']}: none of its {len(d['expected'])} expected values was extracted"
        for s in hits:
            check_evidence(d["text"], s)
        n_gold += len(d["expected"])
        n_found += sum(any(matches(g, s.to_dict()) for s in hits) for g in d["expected"])
    assert n_found >= 0.8 * n_gold, (n_found, n_gold)


# ------------------------------------------------------------------ the whole corpus: no crash, exact offsets

@pytest.mark.skipif(CORPUS is None, reason="the shared corpus is not present")
def test_corpus_abstracts_offsets_and_speed():
    lxml = pytest.importorskip("lxml.etree")
    texts = []
    for f in sorted((CORPUS / "pubmed_xml").rglob("*.xml")):
        try:
            tree = lxml.parse(str(f))
        except lxml.XMLSyntaxError:  # the corpus holds one malformed file on purpose
            continue
        for at in tree.iter("AbstractText"):
            t = "".join(at.itertext()).strip()
            if t:
                texts.append(t)
    assert len(texts) > 100
    t0 = time.perf_counter()
    for t in texts:
        check_offsets(t, suggest(t))
    rate = len(texts) / (time.perf_counter() - t0)
    assert rate > 50  # the benchmark asks ≥ 200/s on one idle core; this only catches a pathological slowdown


def test_horizon_leading_the_clause():
    from curator.extract import suggest

    text = "After CAR-T infusion. At 12 months, the progression-free survival rate was 44·2% (95% CI 35·1–52·9)."
    (r,) = [s for s in suggest(text) if s.kind == "rate"]
    assert (r.fields["endpoint"], r.fields["value"], r.fields["horizon"]) == ("PFS", 44.2, "12 months")
    assert (r.fields["ci_low"], r.fields["ci_high"]) == (35.1, 52.9)


def test_respectively_pairs_with_two_named_groups_and_a_p_value():
    from curator.extract import suggest

    text = ("IFN-γ concentrations before and after emapalumab were 1520 ± 340 and 210 ± 95 pg/mL, "
            "respectively (P = 0.004).")
    (c,) = [s for s in suggest(text) if s.kind == "comparison"]
    f = c.fields
    assert (f["analyte"], f["value_a"], f["value_b"], f["unit"], f["p_operator"], f["p_value"]) == (
        "IFN-γ", 1520, 210, "pg/mL", "=", 0.004)
    assert (f["label_a"], f["label_b"]) == ("before emapalumab", "after emapalumab")
    assert text[c.start:c.end] == c.text and c.text.endswith("(P = 0.004)")
    # no p-value, or lists of rates: left to the curator
    assert not [s for s in suggest("Ferritin before and after tocilizumab were 5000 and 2000 ng/mL, respectively.")
                if s.kind == "comparison"]
    assert not [s for s in suggest("The CR rates were 60% and 40%, respectively.") if s.kind == "comparison"]


def test_from_to_inside_the_parenthesis():
    from curator.extract import suggest

    text = "After CAR-T cell therapy, CRP dropped significantly (from 120 mg/L to 25 mg/L, P-value = < 0·0001)."
    (c,) = [s for s in suggest(text) if s.kind == "comparison"]
    assert (c.fields["analyte"], c.fields["value_a"], c.fields["value_b"], c.fields["unit"]) == ("CRP", 120, 25, "mg/L")
    assert (c.fields["p_operator"], c.fields["p_value"]) == ("<", 0.0001)
    assert not [s for s in suggest("Enrollment ran (from 2010 to 2015, P = 0.3).") if s.kind == "comparison"]
