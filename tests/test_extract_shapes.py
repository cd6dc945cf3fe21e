"""The extractor reads the field's general shapes (issue 16): one short synthetic sentence per shape, written
here (not copied from any labelled set); per-field spans; the study-level design and sample size; the
pediatric seed's before/after labels and stated direction; bounded time on bad input; a handful of general
patterns checked on ../shared/extract_dev (which stays a measuring set)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from test_extract import pediatric_abstract

from curator.domain.outcomes import ROW_ACCEPTED, Comparison, Record
from curator.domain.validation import validate
from curator.extract import suggest
from curator.extract.dev_scoring import evaluate_papers, load_papers
from curator.services.suggest import suggestions_to_rows

DEV = Path(__file__).resolve().parents[2] / "shared" / "extract_dev"
if not (DEV / "papers").is_dir():
    DEV = Path("/work/shared/extract_dev")


def kinds(text: str, *wanted: str) -> list:
    return [s for s in suggest(text) if s.kind in wanted]


def percents(text: str) -> list[float]:
    """Every percentage of patients suggested, whatever its kind (the `percent` field)."""
    return sorted(s.fields["percent"] for s in suggest(text) if s.fields.get("percent") is not None)


# ------------------------------------------------------------------ percentages of patients

@pytest.mark.parametrize(("text", "pct", "count", "den"), [
    ("After infusion, 14 patients (35%) received tocilizumab.", 35.0, 14, None),            # n (x%)
    ("Relapse was seen in 9/40 (22.5%) of the treated adults.", 22.5, 9, 40),                # n/N (x%)
    ("Eleven of 44 patients (25%) needed intensive care.", 25.0, 11, 44),                    # words, n of N
    ("Twelve patients (30%) were admitted to intensive care.", 30.0, 12, None),              # number in words
    ("Overall, 61% of patients were given dexamethasone.", 61.0, None, None),                # x% of patients
    ("Of the cohort, 48% had received a prior transplant.", 48.0, None, None),               # x% had ...
    ("Seventy-two per cent of the patients needed oxygen.", 72.0, None, None),              # % in words
    ("Overall, 45 percent of patients received anakinra.", 45.0, None, None),                # 'percent'
])
def test_percentage_of_patients_shapes(text, pct, count, den):
    found = [s for s in suggest(text) if s.fields.get("percent") == pct]
    assert found, [s.to_dict() for s in suggest(text)]
    s = found[0]
    assert s.fields.get("count", s.fields.get("numerator")) == count
    if den is not None:
        assert den in (s.fields.get("denominator"), s.fields.get("denominator"))


def test_a_response_share_is_a_rate_with_its_endpoint():
    r = kinds("Of the 40 treated patients, 55% achieved complete remission.", "rate")
    assert [(x.fields["endpoint"], x.fields["value"], x.fields["percent"]) for x in r] == [("CR", 55.0, 55.0)]


def test_a_list_sharing_one_percent_sign_respectively():
    text = "In our patients, fever, hypotension and hypoxia were common (71, 40, and 22%, respectively)."
    assert percents(text) == [22.0, 40.0, 71.0]
    # a percentage of patients needs patients: a chemistry yield or a fungicide's isolates are not
    assert percents("The ligand gave compounds 4a and 4b (yields 46 and 52%, respectively).") == []
    assert percents("Of all isolates, 81% were resistant; the sensitivity of the assay was low (14.3%).") == []


def test_not_a_percentage_of_patients():
    text = ("The CAR-T cell dose was reduced by 30%; the 95% CI was wide; marrow blasts were ≥ 5% at entry; "
            "the response rate fell from 60% to 40% (P = .02).")
    assert [s for s in suggest(text) if s.kind == "proportion"] == []


# ------------------------------------------------------------------ toxicity incidences

def test_toxicity_per_grade_breakdown_and_elided_grade():
    t = kinds("After tisa-cel, CRS (grade 1, 31%; grade 2, 18%; grade 3, 4%) was common.", "toxicity")
    assert sorted((s.fields["grade"], s.fields["percent"]) for s in t) == [(1, 31.0), (2, 18.0), (3, 4.0)]
    t = kinds("After CAR-T, ICANS occurred in 52% of patients, grade ≥3 in 17%.", "toxicity")
    assert sorted((s.fields["grade"] or 0, s.fields["percent"]) for s in t) == [(0, 52.0), (3, 17.0)]


def test_toxicity_grade_list_respectively_and_defined_abbreviation():
    text = ("After CAR-T, neurologic events (NEs) were monitored daily. Any grade and grade 3 or higher NEs "
            "occurred in 47% and 9% of patients, respectively.")
    t = kinds(text, "toxicity")
    got = sorted((s.fields["syndrome"], s.fields["grade"] or 0, s.fields["percent"]) for s in t
                 if s.fields["percent"] is not None)
    assert got == [("ICANS", 0, 47.0), ("ICANS", 3, 9.0)]


def test_toxicity_list_with_one_trailing_percent():
    t = kinds("After CAR-T, leukopenia, lymphopenia, and anaemia were seen (88, 75, and 33%, respectively).",
              "toxicity")
    assert [(s.fields["as_written"].lower(), s.fields["percent"]) for s in t] == [
        ("leukopenia", 88.0), ("lymphopenia", 75.0), ("anaemia", 33.0)]


@pytest.mark.parametrize(("text", "syndrome", "grade", "pct", "n"), [
    ("After CAR-T, infections (n = 19, 38%) were frequent.", "other", None, 38.0, 19),
    ("After CAR-T, severe ICANS (grade ≥3) occurred in 6 patients (12%).", "ICANS", 3, 12.0, 6),
    ("After CAR-T, the most common toxicity was neutropenia (83%).", "other", None, 83.0, None),
])
def test_toxicity_frequency_shapes(text, syndrome, grade, pct, n):
    t = kinds(text, "toxicity")
    assert [(s.fields["syndrome"], s.fields["grade"], s.fields["percent"], s.fields["count"]) for s in t] == [
        (syndrome, grade, pct, n)]


def test_other_toxicities_with_counts_in_words():
    t = kinds("After CAR-T cell therapy, seven patients (11%) developed bacterial infections.", "toxicity")
    assert [(s.fields["syndrome"], s.fields["count"], s.fields["percent"]) for s in t] == [("other", 7, 11.0)]


def test_background_sentence_is_not_the_study_toxicity_evidence():
    text = ("CAR-T therapy can cause cytokine release syndrome and neurotoxicity. "
            "In our cohort, the patient developed ICANS on day 6.")
    t = kinds(text, "toxicity")
    assert [s.fields["syndrome"] for s in t] == ["ICANS"]
    assert t[0].start > text.index("In our cohort")


def test_a_value_stated_twice_cites_the_results_sentence():
    text = ("BACKGROUND: After CAR-T, CRS is frequent. RESULTS: After axi-cel, 24 patients (40%) needed tocilizumab; "
            "the 1-year OS was 61%. CONCLUSIONS: Tocilizumab was needed in 40% of patients and the 1-year OS was 61%.")
    results, conclusions = text.index("RESULTS"), text.index("CONCLUSIONS")
    for pct in (40.0, 61.0):
        found = [s for s in suggest(text) if s.fields.get("percent") == pct]
        assert len(found) == 1 and results < found[0].start < conclusions, [s.to_dict() for s in found]


# ------------------------------------------------------------------ comparisons

@pytest.mark.parametrize(("text", "analyte", "a", "b", "p"), [
    ("Infection-related death was rarer with prophylaxis (4% vs 19% [P = .03]).", "Infection-related death", 4, 19,
     0.03),
    ("The intervention lowered ICU transfer from 41% to 12% (P = .004).", "ICU transfer", 41, 12, 0.004),
    ("After CAR-T, the incidence of seizures was 12.5% versus 0%, P=0.031.", "incidence of seizures", 12.5, 0, 0.031),
    ("Early-steroid patients had similar ORR compared to the others (81% vs. 77%, P = .64).", "ORR", 81, 77, 0.64),
    ("Infection rates were 38% and 21% in the ALL and NHL cohorts, respectively (P = .03).", "Infection rates", 38, 21,
     0.03),
])
def test_comparison_shapes(text, analyte, a, b, p):
    c = kinds(text, "comparison")
    assert [(x.fields["analyte"], x.fields["value_a"], x.fields["value_b"], x.fields["p_value"]) for x in c] == [
        (analyte, a, b, p)]


def test_p_value_named_by_its_test_and_effect_size_with_ci():
    c = kinds("Overall survival did not differ between the two arms (log-rank P = 0.41).", "comparison")
    assert [(x.fields["analyte"], x.fields["p_value"]) for x in c] == [("OS", 0.41)]
    c = kinds("Bridging therapy was linked to worse PFS (HR, 1.8; 95% CI, 1.1–2.9; P = .02).", "comparison")
    assert [(x.fields["analyte"], x.fields["value_a"], x.fields["unit"], x.fields["ci_low"], x.fields["ci_high"],
             x.fields["p_value"]) for x in c] == [("PFS", 1.8, "HR", 1.1, 2.9, 0.02)]


def test_median_against_not_reached():
    c = kinds("Median OS was 14.2 months vs. not reached (P = .01).", "comparison")
    assert [(x.fields["value_a"], x.fields["value_b"], x.fields["value_b_text"], x.fields["p_value"]) for x in c] == [
        (14.2, None, "not reached", 0.01)]


def test_before_after_labels_and_stated_direction():
    text = ("Anakinra was started for refractory ICANS and improved the laboratory picture.\n\n"
            "Anakinra rapidly improved inflammation. Ferritin (8200 vs. 1900 ng/mL, P = .01) decreased markedly.")
    c = kinds(text, "comparison")
    assert [(x.fields["label_a"], x.fields["label_b"], x.fields["direction"]) for x in c] == [
        ("before anakinra", "after anakinra", "decreased")]
    # two groups named: A vs B, no before/after and no direction
    c = kinds("Ferritin was higher in responders than in non-responders (900 vs. 400 ng/mL, P = .01).", "comparison")
    assert all(x.fields.get("direction") is None for x in c)


@pytest.mark.parametrize(("text", "a", "b"), [
    ("Ferritin was higher in responders than in non-responders (900 vs. 400 ng/mL, P = .01).", "responders",
     "non-responders"),
    ("No significant difference in OS was observed between early and late groups (log-rank P = 0.35).", "early",
     "late"),
])
def test_the_two_group_labels(text, a, b):
    c = kinds(text, "comparison")
    assert [(x.fields["label_a"], x.fields["label_b"]) for x in c] == [(a, b)]


def test_two_contrasts_of_one_outcome_in_one_sentence():
    text = ("After CAR-T, no difference in OS was seen between early and late groups (log-rank P = 0.35) or between "
            "young and old groups (log-rank P = 0.69).")
    c = kinds(text, "comparison")
    assert [(x.fields["analyte"], x.fields["p_value"], x.fields["label_a"], x.fields["label_b"]) for x in c] == [
        ("OS", 0.35, "early", "late"), ("OS", 0.69, "young", "old")]


def test_pediatric_seed_labels_direction_and_warning_without_typing():
    study, rows = suggestions_to_rows(suggest(pediatric_abstract()))
    comps = rows[Comparison]
    assert all((c.label_a, c.label_b) == ("before emapalumab", "after emapalumab") for c in comps)
    car = next(c for c in comps if c.value_a == 549.95)
    assert car.direction == "increased" and car.value_b == 8.16
    rec = Record(paper_id=1)
    rec.comparisons.extend(comps)
    assert [m for m in validate(rec) if m.field == "direction"] == []  # suggestions are checked once accepted
    for c in comps:
        c.row_status = ROW_ACCEPTED  # what the curator's Enter does
    warnings = [m for m in validate(rec) if m.level == "warning" and m.field == "direction"]
    assert len(warnings) == 1 and "increased" in warnings[0].text and "549.95" in warnings[0].text
    assert study["n_enrolled"][0] == 38


# ------------------------------------------------------------------ medians, events, doses

def test_median_of_counted_things_with_range():
    m = kinds("Patients had received a median of 4 (range 2–11) prior lines of therapy.", "median")
    assert [(x.fields["quantity"], x.fields["value"], x.fields["low"], x.fields["high"]) for x in m] == [
        ("prior lines", 4, 2.0, 11.0)]


@pytest.mark.parametrize(("text", "day"), [
    ("She developed seizures 9 days after CAR-T cell infusion.", 9),
    ("He developed aphasia on the 6th day after infusion.", 6),
    ("Tocilizumab was given on day +3.", 3),
])
def test_event_days(text, day):
    assert [e.fields["day"] for e in kinds(text, "event")] == [day]


@pytest.mark.parametrize(("text", "days"), [
    ("Bendamustine was given on days −4 through −2.", [-4, -2]),
    ("Samples were drawn from day 0 (before infusion) through day 3.", [0, 3]),
    ("Fever mainly occurred during day 2 and day 9.", [2, 9]),
])
def test_event_windows_give_their_first_and_last_day(text, days):
    ev = kinds(text, "event")
    assert [e.fields["day"] for e in ev] == days and [e.fields["window"] for e in ev] == ["start", "end"]


def test_dose_levels_listed_before_one_unit():
    d = kinds("Dose levels were 50 (n = 3), 150 (n = 6) and 450 (n = 9) × 10^6 CAR+ T cells.", "dose")
    assert [(x.fields["dose"], x.fields["unit_code"]) for x in d] == [(50, "10*6"), (150, "10*6"), (450, "10*6")]


def test_windows_and_median_times_are_not_events():
    text = ("Infections within 30 days after infusion were counted. ICANS began a median of 5 days after "
            "CAR-T infusion. We assessed infections occurring between days 0 and 90. The infection density was 0.5 "
            "between days 31 and 100.")
    assert kinds(text, "event") == []


# ------------------------------------------------------------------ study level

@pytest.mark.parametrize(("text", "design_class", "n"), [
    ("We report a 61-year-old man who developed ICANS after axi-cel.", "case_report", 1),
    ("We reported three patients with late CRS after CAR-T.", "case_series", 3),
    ("We analyzed 74 patients treated with CD19 CAR-T cells at one center. Of them, 12 patients relapsed.",
     "retrospective_cohort", 74),
    ("In this phase 2 trial, 90 patients received cilta-cel; 20 patients (22%) had ICANS.", "clinical_trial", 90),
])
def test_one_design_on_the_closed_list_and_one_sample_size(text, design_class, n):
    found = suggest(text)
    designs = [s for s in found if s.kind == "design" and s.fields.get("study")]
    sizes = [s for s in found if s.kind == "sample_size" and s.fields.get("study")]
    assert [d.fields["design_class"] for d in designs] == [design_class]
    assert [s.fields["n"] for s in sizes] == [n]


def test_design_words_about_other_studies_do_not_count_and_a_registration_is_weak():
    text = "The pivotal trials that led to approval excluded such patients."
    assert [s for s in suggest(text) if s.kind == "design" and s.fields.get("study")] == []
    registered = "This trial was registered at www.clinicaltrials.gov."
    assert [s.fields["design_class"] for s in suggest(registered) if s.kind == "design" and s.fields.get("study")] \
        == ["clinical_trial"]
    text = "We retrospectively analyzed 120 patients treated on protocol. " + registered
    assert [s.fields["design_class"] for s in suggest(text) if s.kind == "design" and s.fields.get("study")] == [
        "retrospective_cohort"]


@pytest.mark.parametrize(("text", "target"), [
    ("Patients received CD19 CAR-T cells after lymphodepletion.", "CD19"),
    ("All were treated with anti-BCMA CAR T cells.", "BCMA"),
    ("We infused CD22-directed CAR T-cell therapy.", "CD22"),
    ("They received CD19 and/or CD22 CAR T cells.", "CD19/CD22"),
])
def test_academic_products_with_their_target(text, target):
    p = kinds(text, "car_t_product")
    assert [x.fields["target"] for x in p] == [target]


# ------------------------------------------------------------------ one span per field

def test_each_field_cites_its_own_words():
    text = "IL-6 (412.5 vs. 37.2 pg/mL, P < 0.001)"
    d = kinds(text, "comparison")[0].to_dict()
    assert set(d) >= {"kind", "fields", "start", "end", "text", "confidence", "rule", "spans"}
    assert {k: v["text"] for k, v in d["spans"].items() if k in ("analyte", "value_a", "value_b", "unit", "p_text")} == {
        "analyte": "IL-6", "value_a": "412.5", "value_b": "37.2", "unit": "pg/mL", "p_text": "P < 0.001"}
    for v in d["spans"].values():
        assert text[v["start"]:v["end"]] == v["text"]
    r = kinds("The 1-year OS rate was 64% (95% CI, 51-77).", "rate")[0].to_dict()
    assert r["fields"]["percent"] == r["fields"]["value"] == 64.0  # a rate is kind rate, with value and percent
    assert {k: r["spans"][k]["text"] for k in ("value", "ci_low", "ci_high")} == {
        "value": "64", "ci_low": "51", "ci_high": "77"}


# ------------------------------------------------------------------ bad input: bounded time, no crash

def _adversarial() -> dict[str, str]:
    units = ["1 vs ", "1%", "(", "1 (1%) ", "grade ", "day 1/", "1, ", "median 1 (range 1-", "HR 1; 95% CI 1-2 ",
             "n = 1; ", "from 1 to ", "Sixty-eight ", "CD19/", "aaaa (AA) ", "1 days after infusion "]
    out = {f"repeat {u!r}": u * (10_000 // len(u) + 1) for u in units}
    out["mixed"] = ("1 vs ≥3 " * 700 + "1% , " * 700)
    out["dose levels"] = ("1, " * 30 + "2 × 10^6 cells. ") * 100
    out["windows"] = "days −5 through −3 " * 500
    out["100k"] = ("After CAR-T, CRS occurred in 12 (40%) patients; IL-6 (12 vs 3 pg/mL, P = .01) on day +3. "
                   * 1100)[:100_000]
    return out


def test_bad_input_gives_suggestions_or_none_in_bounded_time():
    assert suggest("") == [] and suggest(" \n\t ") == []
    assert suggest("细胞因子释放综合征的发生率为百分之四十。") == []
    assert isinstance(suggest("Le syndrome de libération des cytokines est survenu chez 12 patients (40 %)."), list)
    suggest("warm-up: CRS in 12 (40%); IL-6 (12 vs 3 pg/mL, P = .01); day +3; median 5 (range 1-9).")
    for name, text in _adversarial().items():
        best = min(_timed(text) for _ in range(2))
        assert best <= max(1.0, len(text) / 10_000), (name, len(text), best)


def test_the_patterns_this_issue_added_cannot_backtrack():
    """Each pattern written for issue 16, fed 10,000-character inputs built to make a regex backtrack."""
    import re

    from curator.extract import cohort, comparisons, doses, entities, events, medians, proportions, rates, toxicity
    from curator.extract.patterns import _WORD_BEFORE

    patterns = [proportions.BEFORE, proportions.ONLY_NUMBERS_LIST, proportions.PCT_WORDS, proportions.ACCURACY_BEFORE,
                toxicity.SHARED_PCT, toxicity.PER_GRADE, toxicity.GRADE_LIST_BEFORE, toxicity.OTHER_TOX,
                toxicity.ABBR_DEF, entities.TARGETED, comparisons.EFFECT, comparisons.NOT_REACHED,
                comparisons.RESPECTIVELY_AFTER, *comparisons.GROUP_PAIRS, events.WINDOW, events.DAYS_AFTER,
                events.ORDINAL_DAY, doses.LEVELS_BEFORE, cohort.COHORT_CUE, cohort.ANY_COUNT, medians.COUNTED_AFTER,
                comparisons.LIST_BEFORE, rates.HORIZON_PREFIX, entities.DUAL, _WORD_BEFORE, toxicity.FREQ_BRACKET,
                comparisons.PAREN_RESPECTIVELY, comparisons.AND_PAIR, toxicity.PER_GRADE_COUNT, cohort.ENUM_BEFORE,
                cohort.ENUM_AFTER]
    inputs = ["1 " * 5000, "1" * 10000, "1, " * 3300, "CD19/" * 2000, "(" * 10000, "a " * 5000, "1 (n = 1), " * 900,
              "grade 1, 1%; " * 700, "days 1 through " * 600, "in a and " * 1100, "HR 1; " * 1600, "1 vs " * 2000,
              "a" * 10000, "CD19-" * 2000]
    for pat in patterns:
        assert isinstance(pat, re.Pattern)
        for text in inputs:
            t0 = time.perf_counter()
            for _ in pat.finditer(text):
                pass
            assert time.perf_counter() - t0 < 1.0, (pat.pattern[:80], text[:20])


def _timed(text: str) -> float:
    t0 = time.perf_counter()
    found = suggest(text)
    dt = time.perf_counter() - t0
    assert all(text[s.start:s.end] == s.text for s in found)
    return dt


# ------------------------------------------------------------------ a handful of general patterns on extract_dev

@pytest.mark.skipif(not (DEV / "papers").is_dir(), reason="../shared/extract_dev is not present")
def test_extract_dev_general_patterns_and_floor():
    papers = {p["id"]: p for p in load_papers(DEV)}

    def found(pid: str) -> list:
        return suggest(papers[pid]["abstract"])

    # a list sharing one '%' with 'respectively' (d17)
    assert sorted(s.fields["percent"] for s in found("d17") if s.kind == "toxicity" and s.fields["percent"]) >= [
        51.0, 80.0, 94.0]
    # a percent-first graded parenthesis '(2% grade ≥3)' (d19)
    assert any(s.kind == "toxicity" and s.fields["grade"] == 3 and s.fields["percent"] == 2.0 for s in found("d19"))
    # a number written as a word: 'Six patients (5%)' (d03)
    assert any(s.fields.get("count") == 6 and s.fields.get("percent") == 5.0 for s in found("d03"))
    # p-value in brackets after a pair: '(7% vs 58% [P = .012])' (d25)
    assert any(s.kind == "comparison" and (s.fields["value_a"], s.fields["value_b"]) == (7, 58) for s in found("d25"))
    # the whole set stays at least where this branch left it (per kind figures: benchmarks/extract_accuracy.py)
    table = evaluate_papers(papers.values())
    tp = sum(c.tp for c in table.values())
    fn = sum(c.fn for c in table.values())
    fp = sum(c.fp for c in table.values())
    assert tp / (tp + fn) >= 0.65 and tp / (tp + fp) >= 0.85, json.dumps(
        {k: (c.tp, c.fp, c.fn) for k, c in table.items()})


# ------------------------------------------------------------------ toxicity shapes (issue 16, round 2)

def _tox(text: str) -> list[dict]:
    return [s.fields for s in suggest(text) if s.kind == "toxicity"]


@pytest.mark.parametrize(("text", "want"), [
    # the syndrome's own bracket holds its count and percent, whatever verb follows
    ("After CD19 CAR-T cell infusion, nonresponders experiencing CRS (n = 17; 37.8%) had the most adverse events.",
     ("CRS", None, 17, 37.8)),
    ("After CAR-T cell therapy, ICANS (12/60, 20%) resolved in all patients.", ("ICANS", None, 12, 20.0)),
    # the grade's abbreviation in brackets, and 'at least one'
    ("After CAR T-cell infusion, 133 patients (99.3%) experienced at least 1 grade ≥3 (≥Gr3) AE.",
     ("other", 3, 133, 99.3)),
    # a percent-first graded bracket after 'of participants'
    ("After CAR-T cells, infections occurred in 32% of participants (5% grade ≥ 3).", ("other", 3, None, 5.0)),
])
def test_toxicity_shapes_of_round_two(text, want):
    got = [(f["syndrome"], f["grade"], f["count"], f["percent"]) for f in _tox(text)]
    assert want in got, got


def test_toxicity_bracket_that_does_not_close_after_the_count_is_not_the_syndromes():
    """'CRS (grade 2) in 12 (40%)' keeps its own reading; a bracket with more than a count and percent is left."""
    got = [(f["syndrome"], f["count"], f["percent"]) for f in _tox(
        "After CAR-T cell infusion, patients with CRS (n = 17; median age 60, 37.8% male) were older.")]
    assert ("CRS", 17, 37.8) not in got


def test_dev_scoring_reads_hlh_mas_as_hlh():
    from curator.extract.dev_scoring import syndrome_class

    assert [syndrome_class(s) for s in ("HLH/MAS", "IEC-HS", "CRS", "ICANS", "infections")] == [
        "HLH", "IEC-HS", "CRS", "ICANS", "other"]


# ------------------------------------------------------------------ comparison shapes (issue 16, round 2)

@pytest.mark.parametrize(("text", "want"), [
    # two values 'and ..., respectively' in one bracket with the p-value that tests them; groups named before
    ("After CAR-T therapy, the rate of infections did not differ between axi-cel and tisa-cel recipients "
     "(32% and 28%, respectively; P = .6).", (32, 28, "P = .6", "axi-cel", "tisa-cel recipients")),
    # each share with its own 'of patients treated with' group, then the p-value
    ("After CAR-T cell therapy, CRS of any grade occurred in 85% of patients treated with axi-cel and 60% of those "
     "treated with tisa-cel (P = .002).", (85, 60, "P = .002", "axi-cel", "tisa-cel")),
    # 'with and without X, respectively'
    ("After CAR-T cell therapy, grade ≥3 ICANS occurred in 30% and 10% of patients with and without CRS, "
     "respectively (P = .03).", (30, 10, "P = .03", "with CRS", "without CRS")),
    # a frequency contrast stated in words, with only its p-value
    ("After CAR-T therapy, ICU admission was more frequent among older patients (P = .01).",
     (None, None, "P = .01", None, None)),
])
def test_comparison_shapes_of_round_two(text, want):
    got = [(s.fields["value_a"], s.fields["value_b"], s.fields["p_text"], s.fields.get("label_a"),
            s.fields.get("label_b")) for s in suggest(text) if s.kind == "comparison"]
    assert want in got, got


def test_a_respectively_pair_without_its_p_value_is_not_a_comparison():
    text = "After CAR-T therapy, CRS and ICANS occurred in patients (32% and 28%, respectively)."
    assert not [s for s in suggest(text) if s.kind == "comparison"]


@pytest.mark.parametrize(("text", "want"), [
    ("After CAR-T cell infusion, CRS incidence was 75% and ICANS incidence was 30%.", [("CRS", None, None, 75.0),
                                                                                      ("ICANS", None, None, 30.0)]),
    ("After CAR-T cell infusion, CRS (any grade) occurred in 75% of patients.", [("CRS", None, None, 75.0)]),
    ("After CAR-T cell infusion, Forty-five patients (75%) experienced CRS of any grade.", [("CRS", None, 45, 75.0)]),
    ("After CAR-T cell infusion, HLH was diagnosed in 3.5% of patients.", [("HLH/MAS", None, None, 3.5)]),
    ("After CAR-T cell infusion, CRS occurred in all 12 patients.", [("CRS", None, 12, None)]),
    # a parallel list without 'respectively'
    ("After CAR-T cell infusion, grade ≥ 3 CRS and ICANS were reported in 3% and 10% of patients.",
     [("CRS", 3, None, 3.0), ("ICANS", 3, None, 10.0)]),
])
def test_toxicity_incidence_shapes(text, want):
    got = [(f["syndrome"], f["grade"], f["count"], f["percent"]) for f in _tox(text)]
    assert all(w in got for w in want), got


def test_a_parallel_list_with_other_numbers_in_the_clause_is_left_alone():
    got = _tox("After CAR-T cell infusion, CRS and ICANS were seen in 30% and 10% within 14 days.")
    assert not any(f["percent"] for f in got), got


@pytest.mark.parametrize("text", [
    "After CAR-T cells, the most common adverse events reported are CRS, neurotoxicity, and hematologic toxicity.",
    "Here, we focus on early and late cytopenia occurring after CD19 CAR-T cells in 38 patients.",
    "Early tocilizumab after CAR-T did not increase the proportion of subjects who experience neurotoxicity.",
])
def test_a_general_statement_aim_or_effect_on_risk_is_not_an_occurrence(text):
    assert not _tox(text)


def test_the_patients_own_bare_toxicity_is_still_read():
    assert [f["syndrome"] for f in _tox("After CAR-T cell infusion, the patient developed ICANS on day 5.")] == ["ICANS"]


@pytest.mark.parametrize(("text", "want"), [
    ("After CAR-T therapy, bulky disease was associated with ICANS (OR, 2.5; P = .02).", (2.5, None, "OR", "P = .02")),
    ("After CAR-T therapy, prophylaxis reduced severe CRS (HR 0.5, P = .01).", (0.5, None, "HR", "P = .01")),
    ("After CAR-T therapy, CRS occurred in 80% of axi-cel and 50% of tisa-cel patients (p<0.01).",
     (80, 50, "%", "p<0.01")),
])
def test_effect_sizes_with_only_a_p_value_and_shares_of_named_groups(text, want):
    got = [(s.fields["value_a"], s.fields["value_b"], s.fields["unit"], s.fields["p_text"])
           for s in suggest(text) if s.kind == "comparison"]
    assert want in got, got


def test_an_effect_size_without_ci_or_p_value_is_not_read():
    assert not [s for s in suggest("After CAR-T therapy, the HR 0.5 was computed.") if s.kind == "comparison"]


@pytest.mark.parametrize(("text", "want"), [
    ("After CAR-T cell infusion, 45 patients (75%) had CRS, including 5 (8%) with grade ≥3.", ("CRS", 3, "≥", 5, 8.0)),
    ("After CAR-T cell infusion, 20 patients (33%) developed ICANS; 5 (8%) were grade 3 or higher.",
     ("ICANS", 3, "≥", 5, 8.0)),
    ("After CAR-T cell infusion, CRS occurred in 45 patients (75%), of whom 5 (8%) had grade 3 CRS.",
     ("CRS", 3, "=", 5, 8.0)),
])
def test_a_grade_given_after_its_count(text, want):
    got = [(f["syndrome"], f["grade"], f["grade_operator"], f["count"], f["percent"]) for f in _tox(text)]
    assert want in got, got


def test_a_count_after_the_syndrome_that_is_not_a_grade_is_left_alone():
    got = _tox("After CAR-T cell infusion, CRS occurred in 45 patients (75%); 5 (8%) had fever.")
    assert [(f["count"], f["percent"]) for f in got] == [(45, 75.0)]


def test_a_similarity_stated_with_its_p_value_is_a_comparison():
    got = [s.fields for s in suggest("After CAR-T therapy, CRS rates were similar in both cohorts (P = .45).")
           if s.kind == "comparison"]
    assert [(f["analyte"], f["p_text"]) for f in got] == [("CRS rates", "P = .45")]


@pytest.mark.parametrize(("text", "n"), [
    ("In this study, we reported the management of a patient with recurrent multiple myeloma and three patients with "
     "acute lymphocytic leukemia who suffered CRS during CAR-T treatment.", 4),
    ("We describe three patients with ALL and two patients with DLBCL treated with CAR-T cells.", 5),
    ("We treated 20 patients with lymphoma and followed them for a year.", 20),
])
def test_the_study_size_sums_the_groups_it_enumerates(text, n):
    study = [s.fields["n"] for s in suggest(text) if s.kind == "sample_size" and s.fields.get("study")]
    assert study == [n]


# ------------------------------------------------------------------ round three (issue 16): synthetic shapes

@pytest.mark.parametrize("text", [
    "After CAR-T cell infusion, the CR rate at day 28 was 80%.",                         # outcome at a horizon
    "After CAR-T cell infusion, Day-90 complete response rate was 45%.",                  # day modifying an outcome
    "After CAR-T cell infusion, non-relapse mortality at day 100 was 5%.",
    "After CAR-T cell infusion, response was evaluated on day 28.",                       # an act of observation
    "After CAR-T cell infusion, patients were followed up until day 90.",
    "After CAR-T cell infusion, infections occurred in 30% of patients by day 180.",      # a cohort's share
    "After CAR-T cell infusion, median onset of CRS was day 3 (range, 1-10).",            # a median, not an event
])
def test_assessment_horizons_and_observation_windows_are_not_events(text):
    assert kinds(text, "event") == [], [e.fields for e in kinds(text, "event")]


@pytest.mark.parametrize(("text", "day"), [
    ("After CAR-T infusion, the patient developed ICANS on day +5.", 5),
    ("After CAR-T infusion, ferritin peaked on day 7.", 7),
    ("After CAR-T infusion, he was discharged on day 21.", 21),
])
def test_case_timeline_days_are_still_events(text, day):
    assert [e.fields["day"] for e in kinds(text, "event")] == [day]


@pytest.mark.parametrize(("text", "want"), [
    # a grade word with its grade in brackets before the syndrome, the sentence opening with it
    ("After CAR-T cell infusion, Severe (grade ≥ 3) CRS occurred in 5% of patients.", ("CRS", 3, None, 5.0)),
    ("After CAR-T cell infusion, Severe (G3+) ICANS was seen in 4 patients (8%).", ("ICANS", 3, 4, 8.0)),
    # a share alone, then its grade, after the syndrome's frequency
    ("After CAR-T cell infusion, CRS of any grade occurred in 56 patients (93%); 13% were grade 3-4.",
     ("CRS", 3, None, 13.0)),
    ("After CAR-T cell infusion, CRS occurred in 70% of patients, with 10% grade 3 or higher.", ("CRS", 3, None, 10.0)),
    # the measure named before the syndrome, its value after a short qualifier
    ("The overall incidence of CRS after CAR-T was 70%.", ("CRS", None, None, 70.0)),
    # a percentage in words
    ("Forty-five percent of patients developed neurotoxicity after CAR-T.", ("ICANS", None, None, 45.0)),
    # shares listed each with its grade in brackets
    ("CRS developed in 90% (any grade) and 12% (grade ≥3) of CAR-T recipients.", ("CRS", 3, None, 12.0)),
])
def test_toxicity_shapes_of_round_three(text, want):
    got = [(syndrome_class_of(f), f["grade"], f["count"], f["percent"]) for f in _tox(text)]
    assert want in got, got


def syndrome_class_of(f: dict) -> str:
    from curator.extract.dev_scoring import syndrome_class

    return syndrome_class(f["syndrome"])


@pytest.mark.parametrize(("text", "want"), [
    # counts with their shares on both sides of 'vs': the shares are compared, the p-value after the noun
    ("After CAR-T therapy, CRS occurred in 20 (80%) vs 10 (40%) patients (P = .003).", (80, 40, "P = .003")),
    # an association stated with its p-value only
    ("After CAR-T therapy, early ICANS was associated with higher peak ferritin (P = .01).", (None, None, "P = .01")),
    # two phrases, each with its own p-value
    ("After CAR-T therapy, older age (P = .03) and high tumor burden (P = .01) were associated with ICANS.",
     (None, None, "P = .01")),
])
def test_comparison_shapes_of_round_three(text, want):
    got = [(s.fields["value_a"], s.fields["value_b"], s.fields["p_text"]) for s in suggest(text)
           if s.kind == "comparison"]
    assert want in got, got


def test_a_significance_threshold_is_not_a_comparison():
    text = "After CAR-T therapy, outcomes were compared by Fisher's exact test; P < .05 was considered significant."
    assert not [s for s in suggest(text) if s.kind == "comparison"]


@pytest.mark.parametrize(("text", "want"), [
    # a list's head names the grade and the class, each item its share
    ("After CAR-T cell therapy, grade ≥3 adverse events included neutropenia (60%), thrombocytopenia (40%) and "
     "anemia (35%).", [("neutropenia", 3, 60.0), ("thrombocytopenia", 3, 40.0), ("anemia", 3, 35.0)]),
    # further general classes of 'other' toxicities
    ("After CAR-T cell therapy, infectious complications occurred in 12 patients (24%).",
     [("infectious complications", None, 24.0)]),
    ("After CAR-T cell therapy, grade ≥ 3 ICAHT developed in 20 patients (33%).", [("ICAHT", 3, 33.0)]),
    ("After CAR-T cell therapy, CMV reactivation was seen in 9 patients (15%).", [("CMV reactivation", None, 15.0)]),
])
def test_other_toxicity_classes_and_a_list_heads_grade(text, want):
    got = [(f["as_written"], f["grade"], f["percent"]) for f in _tox(text)]
    assert all(w in got for w in want), got


def test_a_syndrome_naming_a_compared_group_is_not_an_occurrence():
    text = "After CAR-T cell therapy, patients with severe CRS had higher peak IL-6 levels (P < .001)."
    assert _tox(text) == []


CASE = ("Cytokine release syndrome is usually treated with tocilizumab and corticosteroids, and anakinra may be used in "
        "refractory cases. We report a 54-year-old man with lymphoma treated with axi-cel. On day 2 he developed grade 3 "
        "CRS. Treatment included tocilizumab, dexamethasone and anakinra, and CRS resolved by day 9. Tocilizumab is "
        "commonly recommended as first-line therapy.")


def test_a_case_reports_treatments_are_cited_from_the_sentences_about_the_patient():
    drugs = {s.fields["drug"]: s for s in suggest(CASE) if s.kind == "drug"}
    patient = CASE.index("Treatment included")
    for name in ("tocilizumab", "anakinra", "dexamethasone"):
        assert patient <= drugs[name].start < CASE.index(" CRS resolved"), (name, drugs[name].text)
        assert not drugs[name].fields.get("background_only")
    # named only in the background sentence: flagged, never cited as the patient's treatment
    assert drugs["corticosteroids"].fields.get("background_only") is True
    assert drugs["corticosteroids"].confidence < drugs["tocilizumab"].confidence
    tox = [s for s in suggest(CASE) if s.kind == "toxicity" and s.fields["syndrome"] == "CRS"]
    assert tox and all(s.start > CASE.index("We report") for s in tox)


@pytest.mark.parametrize(("text", "want"), [
    # a short qualifier between the syndrome and its frequency (a time phrase, a bracket without a share)
    ("After CAR-T cell therapy, grade ≥ 3 cytopenias at day 30 were present in 40% of patients.",
     [("cytopenias", 3, None, 40.0)]),
    ("After CAR-T cell therapy, hypogammaglobulinemia (IgG < 400 mg/dL) was present in 70% of patients.",
     [("hypogammaglobulinemia", None, None, 70.0)]),
    # 'X were the most common adverse event (n%)': the share is X's
    ("After CAR-T cell therapy, infections were the most common adverse event (45%).", [("infections", None, None, 45.0)]),
    # a grade written after the list's last item is the list's
    ("After CAR-T cell therapy, neutropenia and thrombocytopenia of grade ≥3 were observed in 80% and 50% of "
     "patients, respectively.", [("neutropenia", 3, None, 80.0), ("thrombocytopenia", 3, None, 50.0)]),
    # a grade word inside a list is its item's alone
    ("After CAR-T cell therapy, the cumulative incidences of neutropenia, thrombocytopenia, severe anemia, and "
     "infection were 60%, 50%, 20%, and 30%, respectively.",
     [("neutropenia", None, None, 60.0), ("anemia", None, None, 20.0), ("infection", None, None, 30.0)]),
    # the count and share of the graded subset after '(n%) patients;'
    ("After CAR-T cell therapy, CRS occurred in 27 (54%) patients; 6 (12%) had grade ≥3.", [("crs", 3, 6, 12.0)]),
    # an adverse-event term in its CTCAE shape
    ("After CAR-T cell therapy, grade ≥3 neutrophil count decreased occurred in 30 patients (60%).",
     [("neutrophil count decreased", 3, 30, 60.0)]),
])
def test_toxicity_shapes_of_round_four(text, want):
    got = [(f["as_written"].lower(), f["grade"], f["count"], f["percent"]) for f in _tox(text)]
    assert all(w in got for w in want), got


@pytest.mark.parametrize(("text", "want"), [
    # a grade as the pair's label inside the bracket; the outcome named before it
    ("After CAR-T therapy, severe ICANS was comparable (grade 3-4, 6.5% vs 11.2%, P = .42).",
     (6.5, 11.2, "P = .42", None, None)),
    # the p-value between the values and the groups of a 'respectively' list
    ("After CAR-T therapy, grade 2 or higher CRS occurred in 21.4% and 48.6% (P = .004) of patients in the "
     "prophylaxis and control cohorts, respectively.", (21.4, 48.6, "P = .004", "prophylaxis", "control cohorts")),
    # 'a versus b in the A and B cohorts, respectively (P)': both groups from one phrase, the p-value after it
    ("After CAR-T therapy, the ORR was 80% versus 60% in the axi-cel and tisa-cel cohorts, respectively (P = .04).",
     (80, 60, "P = .04", "axi-cel cohorts", "tisa-cel cohorts")),
])
def test_comparison_shapes_of_round_four(text, want):
    got = [(s.fields["value_a"], s.fields["value_b"], s.fields["p_text"], s.fields.get("label_a"),
            s.fields.get("label_b")) for s in suggest(text) if s.kind == "comparison"]
    assert want in got, got


@pytest.mark.parametrize(("text", "want"), [
    # 'n/N (x%) vs n/N (y%)' inside one bracket: the shares are compared, the counts kept
    ("After CAR-T therapy, CRS was more frequent with axi-cel (12/30 (40%) vs 5/30 (17%), P = .04).",
     (40, 17, "P = .04", 12, 5)),
])
def test_fractions_with_their_shares_compare_the_shares(text, want):
    got = [(s.fields["value_a"], s.fields["value_b"], s.fields["p_text"], s.fields.get("count_a"),
            s.fields.get("count_b")) for s in suggest(text) if s.kind == "comparison"]
    assert got == [want], got


def test_fractions_without_shares_are_left_alone():
    assert not [s for s in suggest("After CAR-T therapy, ICANS occurred in 0/10 vs 3/10 patients.")
                if s.kind == "comparison"]


@pytest.mark.parametrize(("text", "want"), [
    # modifiers sharing one head noun in a 'respectively' list (the issue's own example shape)
    ("After CAR-T therapy, objective and complete response rates were 95% and 80%, respectively.",
     [("ORR", 95.0), ("CR", 80.0)]),
    ("After CAR-T therapy, event-free and overall survival were 60% and 75%, respectively.",
     [("EFS", 60.0), ("OS", 75.0)]),
])
def test_elided_endpoints_in_a_respectively_list(text, want):
    got = [(s.fields["endpoint"], s.fields["value"]) for s in suggest(text) if s.kind == "rate"]
    assert got == want, got


def test_the_word_or_is_not_an_odds_ratio():
    text = "After CAR-T therapy in 40 patients, VGPR or better was seen in 70% of patients."
    assert 70.0 in percents(text)


def test_a_thousands_comma_is_not_a_clause_boundary_of_an_event():
    ev = kinds("After CAR-T infusion, ferritin rose to 50,000 ng/mL on day 9.", "event")
    assert [(e.fields["event"], e.fields["day"]) for e in ev] == [("ferritin rose to 50,000 ng/mL", 9)]


# ------------------------------------------------------------------ toxicity shapes (issue 16, round 5)
# synthetic sentences in the shapes ASCO/ASH-style abstracts use; every number is made up here

def _rows(text: str) -> list[tuple]:
    return [(f["syndrome"], f["grade"], f["count"], f["percent"]) for f in _tox(text)]


@pytest.mark.parametrize(("text", "want"), [
    # further grades of the same syndrome, the syndrome not repeated: after 'which was', 'and was', ', of'
    ("After CAR-T cell infusion, 35 patients (58%) developed CRS, which was grade 3 or higher in 4 (7%).",
     [("CRS", None, 35, 58.0), ("CRS", 3, 4, 7.0)]),
    ("After CAR-T cell infusion, CRS occurred in 57 (95%) patients and was grade ≥3 in 3 (5%).",
     [("CRS", None, 57, 95.0), ("CRS", 3, 3, 5.0)]),
    ("After CAR-T cell infusion, CRS of any grade occurred in 92%, of grade 3 or higher in 4%.",
     [("CRS", None, None, 92.0), ("CRS", 3, None, 4.0)]),
    # a label list with the share after a blank ('CRS: any grade 90%, grade ≥3 7%')
    ("After CAR-T cell infusion, CRS: any grade 90%, grade ≥3 7%.", [("CRS", None, None, 90.0), ("CRS", 3, None, 7.0)]),
    # a breakdown by grade in counts only, in the syndrome's bracket or after its count
    ("After CAR-T cell infusion, 40 patients (80%) had CRS (grade 1-2, 36; grade 3, 4).",
     [("CRS", None, 40, 80.0), ("CRS", 1, 36, None), ("CRS", 3, 4, None)]),
    ("After CAR-T cell infusion, ICANS developed in 10 patients (grade 3-4 in 4).",
     [("ICANS", None, 10, None), ("ICANS", 3, 4, None)]),
    ("After CAR-T cell infusion, neurotoxicity was observed in 6 patients (20%), of whom 2 had grade 3 or higher.",
     [("ICANS", None, 6, 20.0), ("ICANS", 3, 2, None)]),
    ("After CAR-T cell infusion, 11 (18%) patients had neurotoxicity, which was severe in 3 (5%).",
     [("ICANS", None, 11, 18.0), ("ICANS", None, 3, 5.0)]),
    # a second list after 'respectively' at one grade
    ("After CAR-T cell infusion, CRS and ICANS occurred in 78% and 31%, respectively; grade ≥3 in 5% and 12%.",
     [("CRS", None, None, 78.0), ("CRS", 3, None, 5.0), ("ICANS", None, None, 31.0), ("ICANS", 3, None, 12.0)]),
    # the measure named before a list of syndromes, its values after 'were' (no 'respectively')
    ("After CAR-T cell infusion, rates of CRS and ICANS were 80% and 25%.",
     [("CRS", None, None, 80.0), ("ICANS", None, None, 25.0)]),
    # the count after the share: '(n=12)', '(5/60)', each share's '(n=…)' in a respectively list
    ("After CAR-T cell infusion, ICANS occurred in 21.4% (n=12).", [("ICANS", None, 12, 21.4)]),
    ("After CAR-T cell infusion, ICANS was observed in 8.3% of patients (5/60).", [("ICANS", None, 5, 8.3)]),
    ("After CAR-T cell infusion, the incidence rates of CRS and ICANS were 45.5% (n=25) and 12.7% (n=7), respectively.",
     [("CRS", None, 25, 45.5), ("ICANS", None, 7, 12.7)]),
    # counts in words after the verb, 'all patients (100%)', a grade range written with a slash
    ("After CAR-T cell infusion, CRS occurred in twenty patients (67%).", [("CRS", None, 20, 67.0)]),
    ("After CAR-T cell infusion, grade 3 CRS occurred in one patient.", [("CRS", 3, 1, None)]),
    ("After CAR-T cell infusion, CRS developed in all patients (100%).", [("CRS", None, None, 100.0)]),
    ("After CAR-T cell infusion, CRS grade 1/2 occurred in 65%.", [("CRS", 1, None, 65.0)]),
])
def test_toxicity_shapes_of_round_five(text, want):
    assert _rows(text) == want, _rows(text)


@pytest.mark.parametrize("text", [
    # a syndrome that a treatment is for: the count is the treatment's
    "After CAR-T cell infusion, tocilizumab was given for grade ≥2 CRS in 30 patients (50%).",
    "After CAR-T cell infusion, corticosteroids were used to treat ICANS in 12 patients (20%).",
    "Prophylactic tocilizumab was given to prevent CRS in all 20 patients after CAR-T infusion.",
    # a group named by the absence of a syndrome, a negation in an eligibility criterion
    "After CAR-T cell infusion, patients without CRS had longer survival (P = .02).",
    "Eligible patients had no active infection and ECOG 0–1 before CAR-T.",
    # an effect on a toxicity's risk is not an occurrence
    "After CAR-T cell infusion, early intervention reduced the rate of grade ≥3 CRS.",
    # a contrast group written as a list ('patients with X or any Y')
    "After CAR-T cell infusion, patients with grade ≥2 CRS or any ICANS had higher ferritin (P = .03).",
])
def test_syndromes_that_are_no_incidence_of_the_cohort(text):
    assert _tox(text) == [], _tox(text)


@pytest.mark.parametrize(("text", "want"), [
    # the syndrome is the outcome two groups are compared on: an item without a share (the shares are the
    # comparison's), the group named by another syndrome is none
    ("After CAR-T cell infusion, ICANS was more frequent in patients with CRS (45% vs 12%; P = .01).",
     [("ICANS", None, None, None)]),
    ("After CAR-T cell infusion, CRS was more frequent with axi-cel than with tisa-cel (85% vs 50%; P < .001).",
     [("CRS", None, None, None)]),
    ("After CAR-T cell infusion, CRS grade ≥2 rates were 12% with prophylaxis and 35% without (P = .02).",
     [("CRS", 2, None, None)]),
    ("After CAR-T cell infusion, grade ≥3 ICANS occurred in 20% of older and 8% of younger patients (P = .04).",
     [("ICANS", 3, None, None)]),
    # not a contrast of the syndrome: a risk factor, a measure in the groups it defines, a density of events,
    # medians of counts
    ("After CAR-T cell infusion, high tumor burden was a risk factor for severe CRS (OR 3.1, 95% CI 1.2–8.0; P = .02).",
     []),
    ("After CAR-T cell infusion, IL-6 was higher in patients who developed severe CRS (1,200 vs 300 pg/mL; P < .001).",
     []),
    ("After CAR-T cell infusion, infection density fell from 1.5 to 0.6 per 100 days (P = .01).", []),
    ("After CAR-T cell infusion, responders had more grade ≥3 AEs than nonresponders (median, 5 vs 2).", []),
])
def test_a_syndrome_compared_between_groups(text, want):
    assert _rows(text) == want, _rows(text)


@pytest.mark.parametrize(("text", "want"), [
    # one syndrome, a list of grades, 'respectively'
    ("After CAR-T cell infusion, grade 1, 2, 3, and 4 CRS occurred in 20%, 30%, 10% and 2%, respectively.",
     [("CRS", 1, None, 20.0), ("CRS", 2, None, 30.0), ("CRS", 3, None, 10.0), ("CRS", 4, None, 2.0)]),
    # two syndromes joined by a slash, their shares joined by a slash
    ("After CAR-T cell infusion, grade ≥3 CRS/ICANS occurred in 5%/10%.", [("CRS", 3, None, 5.0), ("ICANS", 3, None, 10.0)]),
    # the measure named after the list ('CRS and ICANS rates were ...'), after the syndrome with a colon
    ("After CAR-T cell infusion, CRS and ICANS rates were 90% and 38%.", [("CRS", None, None, 90.0),
                                                                         ("ICANS", None, None, 38.0)]),
    ("After CAR-T cell infusion, CRS incidence: 80%.", [("CRS", None, None, 80.0)]),
    ("After CAR-T cell infusion, CRS occurred at a rate of 80%.", [("CRS", None, None, 80.0)]),
    # the abbreviation and the share in one bracket
    ("After CAR-T cell infusion, cytokine release syndrome (CRS; 73%) and neurotoxicity (NT; 28%) were common.",
     [("CRS", None, None, 73.0), ("ICANS", None, None, 28.0)]),
    # the group in words with its count and share in brackets, 'n of the N', 'some grade of'
    ("After CAR-T cell infusion, CRS was observed in the majority of patients (n = 40, 80%).", [("CRS", None, 40, 80.0)]),
    ("After CAR-T cell infusion, CRS occurred in 40 of the 50 patients (80%).", [("CRS", None, 40, 80.0)]),
    ("After CAR-T cell infusion, forty patients (80%) experienced some grade of CRS.", [("CRS", None, 40, 80.0)]),
    # a count-only breakdown ending the sentence; a bracket 'grade ≥3 in 6 [10%]' is a row, not the grade
    ("After CAR-T cell infusion, CRS occurred in 32 patients (64%): grade 1 in 20, grade 2 in 9, and grade 3 in 3.",
     [("CRS", None, 32, 64.0), ("CRS", 1, 20, None), ("CRS", 2, 9, None), ("CRS", 3, 3, None)]),
    ("After CAR-T cell infusion, seventeen patients (28%) developed ICANS (grade ≥3 in 6 [10%]).",
     [("ICANS", None, 17, 28.0), ("ICANS", 3, 6, 10.0)]),
    # the next syndrome's own row is not a further grade of the first
    ("After CAR-T cell infusion, grade ≥3 CRS occurred in 1 (2%) and grade ≥3 ICANS in 4 (8%).",
     [("CRS", 3, 1, 2.0), ("ICANS", 3, 4, 8.0)]),
    # vocabulary: neurotoxic events / neurological complications (ICANS), cranial neuropathy, Bell's palsy (other)
    ("After CAR-T cell infusion, neurotoxic events occurred in 12 patients (24%).", [("ICANS", None, 12, 24.0)]),
    ("After CAR-T cell infusion, neurological complications were seen in 9 patients (18%).", [("ICANS", None, 9, 18.0)]),
    ("After CAR-T cell infusion, cranial neuropathy occurred in 4 patients (5%).", [("other", None, 4, 5.0)]),
    ("After CAR-T cell infusion, Bell's palsy occurred in 2 patients (3%).", [("other", None, 2, 3.0)]),
])
def test_toxicity_shapes_of_round_six(text, want):
    assert _rows(text) == want, _rows(text)


def _cmp(text: str) -> list[tuple]:
    return [(s.fields["value_a"], s.fields.get("value_b"), s.fields.get("p_text"), s.fields.get("ci_low"),
             s.fields.get("ci_high")) for s in suggest(text) if s.kind == "comparison"]


@pytest.mark.parametrize(("text", "want"), [
    # the second group's name between the pair and its p-value ('... versus 15% without (P = 0.04)')
    ("After CAR-T cell infusion, grade ≥3 CRS was 4% with dexamethasone prophylaxis versus 17% without (P = 0.03).",
     (4, 17, "P = 0.03", None, None)),
    # 'and' as the separator inside one bracket, with the p-value that tests it
    ("After CAR-T cell infusion, the incidence of ICANS was similar in both groups (24% and 29%, P = 0.6).",
     (24, 29, "P = 0.6", None, None)),
    # group labels holding a grade threshold
    ("After CAR-T cell infusion, ICU admission was needed in 31% of patients with CRS grade ≥3 and 6% of those with "
     "grade <3 (p = 0.004).", (31, 6, "p = 0.004", None, None)),
    # an effect size with its interval in brackets, unnamed
    ("After CAR-T cell infusion, prior bridging was associated with ICANS (HR = 2.6 (1.3–5.2), P = .01).",
     (2.6, None, "P = .01", 1.3, 5.2)),
    ("After CAR-T cell infusion, prior bridging was associated with ICANS (OR 3.3 [1.5-7.4]).", (3.3, None, None, 1.5, 7.4)),
    # 'from a median of a at X to b at Y', a time phrase before the p-value
    ("After CAR-T cell infusion, IL-6 increased from a median of 16 pg/mL at baseline to 260 pg/mL at peak (P < .001).",
     (16, 260, "P < .001", None, None)),
    ("After CAR-T cell infusion, the incidence of severe CRS decreased from 23% to 9% after protocol changes (P = .03).",
     (23, 9, "P = .03", None, None)),
    # counts with their shares in square brackets: the shares are compared
    ("After CAR-T cell infusion, ICANS was more frequent in the axi-cel cohort (8 [40%] vs 3 [15%]; P = .03).",
     (40, 15, "P = .03", None, None)),
    # the values, then the two groups in one phrase, then the p-value
    ("After CAR-T cell infusion, ICANS rates were 44% and 21% for axi-cel and tisa-cel (P = .03).",
     (44, 21, "P = .03", None, None)),
])
def test_comparison_shapes_of_round_five(text, want):
    assert want in _cmp(text), _cmp(text)


def test_values_then_groups_without_a_p_value_are_subgroup_values():
    assert _cmp("After CAR-T cell infusion, ICANS rates were 44% and 21% for axi-cel and tisa-cel.") == []


@pytest.mark.parametrize(("text", "want"), [
    # the day opens the sentence as an ordinal or a count in words; the event follows it
    ("On the fifth day after infusion, she developed aphasia.", ("she developed aphasia", 5)),
    ("Twelve days after CAR-T cell infusion, the patient developed encephalopathy.",
     ("patient developed encephalopathy", 12)),
])
def test_a_day_counted_from_the_infusion_before_its_event(text, want):
    got = [(e.fields["event"], e.fields["day"]) for e in kinds(text, "event")]
    assert got == [want], got


def test_an_objective_is_no_occurrence_and_a_cohort_defined_by_a_syndrome_counts_it():
    assert _tox("To evaluate the incidence of ICANS after CAR-T cell therapy, we reviewed 80 records.") == []
    assert _rows("We retrospectively analyzed 80 patients who developed CRS after CAR-T cell therapy.") == [
        ("CRS", None, 80, None)]


@pytest.mark.parametrize(("text", "want"), [
    # a fatal toxicity: the mortality a syndrome caused, deaths due to it, patients who died of it
    ("After CAR-T cell infusion, the overall mortality caused by COVID-19 was 27%.", ("other", "fatal", None, 27.0)),
    ("After CAR-T cell infusion, 3 patients (5%) died of infections.", ("other", "fatal", 3, 5.0)),
    ("After CAR-T cell infusion, deaths due to infection occurred in 4% of patients.", ("other", "fatal", None, 4.0)),
    ("After CAR-T cell infusion, two patients died from ICANS.", ("ICANS", "fatal", 2, None)),
])
def test_a_fatal_toxicity(text, want):
    got = [(f["syndrome"], f["grade_as_reported"], f["count"], f["percent"]) for f in _tox(text)]
    assert got == [want], got


@pytest.mark.parametrize(("text", "want"), [
    # other studies' values are no toxicity of the study; a comparison with them after the value is
    ("In the pivotal trials, CRS occurred in 42%–93% of patients treated with CAR-T cells.", []),
    ("In the pivotal trials, grade ≥3 CRS occurred in 13% of patients treated with CAR-T cells.", []),
    ("CRS has been reported in 50% to 90% of CAR-T recipients.", []),
    ("After CAR-T cell infusion, ICANS occurred in 20% of patients, lower than previously reported rates.",
     [("ICANS", None, None, 20.0)]),
])
def test_other_studies_values_are_not_the_studys_toxicities(text, want):
    assert _rows(text) == want, _rows(text)


# ------------------------------------------------------------------ round seven (issue 16, third session)

@pytest.mark.parametrize(("text", "want"), [
    # a tested pair whose quantity the words before it do not name: suggested, the analyte left to the curator
    ("After CAR-T therapy, this held in both cohorts (23% versus 31%; p = 0.44).", (23, 31, "p = 0.44")),
    # a threshold sign inside the outcome's name ('rate of grade ≥2 CRS compared with ...')
    ("After CAR-T therapy, patients had a lower rate of grade ≥2 CRS compared with the control cohort "
     "(14% versus 39%; p = 0.01).", (14, 39, "p = 0.01")),
    # group labels with digits that belong to a name ('the CD19/CD22 arm', 'aged 70 or older')
    ("After CAR-T therapy, the CR rate was 71% in the CD19/CD22 arm and 52% in the CD19 arm (P = 0.03).",
     (71, 52, "P = 0.03")),
    ("After CAR-T therapy, NRM at 1 year was 8.2% for patients aged 70 or older and 3.9% for younger patients "
     "(P = .19).", (8.2, 3.9, "P = .19")),
    # 'from a before X to b' — the time point named between the two values
    ("After CAR-T therapy, CRP fell from a median of 151 mg/L before tocilizumab to 42 mg/L two days later "
     "(P < 0.001).", (151, 42, "P < 0.001")),
    # 'n/N [x%] vs n/N [y%]': square brackets hold the shares
    ("After CAR-T therapy, severe ICANS was rarer with the low dose (4/36 [11.1%] vs 12/38 [31.6%]; P = .04).",
     (11.1, 31.6, "P = .04")),
])
def test_comparison_shapes_of_round_seven(text, want):
    got = [(s.fields["value_a"], s.fields["value_b"], s.fields["p_text"]) for s in suggest(text)
           if s.kind == "comparison"]
    assert want in got, got


def test_an_unnamed_pair_is_offered_with_low_confidence_and_no_analyte():
    c = [s for s in suggest("After CAR-T therapy, this held in both cohorts (23% versus 31%; p = 0.44).")
         if s.kind == "comparison"]
    assert [(x.fields["analyte"], x.confidence <= 0.6) for x in c] == [(None, True)]
    # an unnamed pair without its test is not offered
    assert not [s for s in suggest("After CAR-T therapy, this held in both cohorts (23% versus 31%).")
                if s.kind == "comparison"]


@pytest.mark.parametrize(("text", "want"), [
    # a case report's complications, named as clinicians name them, from the sentences about the patient
    ("A 7-year-old boy received tisagenlecleucel for relapsed B-ALL. He later developed prolonged pancytopenia "
     "and invasive aspergillosis.", ["pancytopenia", "invasive aspergillosis"]),
    ("After CAR-T cell therapy, the patient developed progressive multifocal leukoencephalopathy and pneumonitis.",
     ["progressive multifocal leukoencephalopathy", "pneumonitis"]),
])
def test_other_toxicities_of_a_case(text, want):
    got = [f["as_written"].lower() for f in _tox(text) if f["syndrome"] == "other"]
    assert all(any(w in g for g in got) for w in want), got


def test_a_crs_sign_is_no_toxicity_of_its_own():
    assert [f["syndrome"] for f in _tox("After CAR-T cell infusion, the patient developed grade 2 CRS with "
                                        "hypotension and hypoxia.")] == ["CRS"]


@pytest.mark.parametrize(("text", "want"), [
    # one syndrome, its shares in two subgroups, then an elliptical graded clause: one row per share
    ("We reviewed 300 CAR T-cell recipients. Any-grade CRS occurred in 77% and 58% of axi-cel and liso-cel recipients, "
     "respectively, and grade ≥3 CRS in 8% and 2%.",
     [("CRS", None, None, 77.0), ("CRS", None, None, 58.0), ("CRS", 3, None, 8.0), ("CRS", 3, None, 2.0)]),
    # 'n of N' in words, and 'only n of the N'
    ("We treated seven patients with CD19 CAR T cells. Five of seven patients developed CRS.",
     [("CRS", None, 5, None)]),
    ("We reviewed 90 patients after CAR T cells. Only 3 of the 9 had experienced ICANS.", [("ICANS", None, 3, None)]),
    # a cytopenia stated by its adjective
    ("We reviewed 200 patients after CAR T cells. At day 60, 23% of patients remained neutropenic.",
     [("other", None, None, 23.0)]),
    # a case's course: 'progressed to', 'consistent with', 'classified as'
    ("After CAR-T infusion, the patient's fever progressed to grade 2 CRS on day +3.", [("CRS", 2, None, None)]),
    ("After CAR-T infusion, her fever was classified as grade 1 CRS.", [("CRS", 1, None, None)]),
    # '(grade III/IV)' after 'severe'; 'all grade 1' after a count
    ("We treated 40 children with CAR T cells. Severe (grade III/IV) CRS was observed in six children (15%).",
     [("CRS", 3, 6, 15.0)]),
    ("We treated nine patients with CD19 CAR T cells. Seven of nine patients developed CRS, all grade 1.",
     [("CRS", 1, 7, None)]),
    # a further grade after a slash range: ', with grade 3/4 in n (x%)'
    ("We treated 50 patients with cilta-cel. CRS occurred in 44 patients (88%), with grade 3/4 in 3 (6%).",
     [("CRS", None, 44, 88.0), ("CRS", 3, 3, 6.0)]),
    # a gapped second count: the first count's verb carries over
    ("We reviewed 150 patients after CAR T cells. Overall, 120 (80.0%) developed CRS and 45 (30.0%) ICANS.",
     [("CRS", None, 120, 80.0), ("ICANS", None, 45, 30.0)]),
])
def test_toxicity_shapes_of_round_seven(text, want):
    got = [(f["syndrome"] if f["syndrome"] in ("CRS", "ICANS") else "other", f["grade"], f["count"], f["percent"])
           for f in _tox(text)]
    assert all(w in got for w in want), got


@pytest.mark.parametrize("text", [
    # a protocol's plan and a conclusion's summary are not the study's toxicities
    "This phase 2 trial of CAR T cells will enroll 60 patients; the primary endpoint is the incidence of severe CRS.",
    "After CAR T cells, these data support outpatient use, with a low incidence of severe CRS.",
    # 'more than five times the upper limit of normal' is neither a contrast nor a limitation
])
def test_a_plan_or_a_summary_is_no_occurrence(text):
    assert _tox(text) == [], _tox(text)


def test_a_case_reports_absences_are_no_toxicities():
    case = ("CASE PRESENTATION: A 58-year-old man with lymphoma received axicabtagene ciloleucel. Grade 1 CRS began on "
            "day +1, and there was no ICANS. He had a Klebsiella bacteraemia, treated on day 20. Transaminases rose to "
            "more than five times the upper limit of normal, fulfilling criteria for IEC-HS.")
    got = {(f["syndrome"], f["as_written"]) for f in _tox(case)}
    assert ("ICANS", "ICANS") not in got, got
    assert ("other", "bacteraemia") in got and ("IEC-HS", "IEC-HS") in got, got
    # in a cohort, a stated absence is an incidence of 0
    cohort = "We reviewed 80 patients treated with CAR T cells. No patient developed grade ≥3 ICANS."
    assert [(f["syndrome"], f["count"]) for f in _tox(cohort)] == [("ICANS", 0)]


@pytest.mark.parametrize(("text", "want"), [
    # the shares of two groups compared in running text: 'n of N (x%) A compared with m of M (y%) B (P)'
    ("We compared two cohorts after CAR T cells. Grade 4 CRS occurred in 3 of 40 (7.5%) patients on the new protocol "
     "compared with 9 of 45 (20%) historical controls (P = .04).", (7.5, 20, "P = .04")),
    # each value after its own group's name, inside one bracket
    ("After CAR T cells, anakinra use did not differ (academic 14% vs community 19%, P = .51).", (14, 19, "P = .51")),
    # a group's grade after its label does not hide the p-value
    ("After CAR T cells, peak ferritin was 5200 ng/mL in patients with grade III/IV CRS compared with 980 ng/mL in "
     "those with grade 0-II CRS (P = .003).", (5200, 980, "P = .003")),
    # a label, then its spread, then the other group's value with its spread and the p-value in one bracket
    ("After CAR T cells, the median stay was 4 days for outpatients (IQR, 1-6) compared with 11 days for inpatients "
     "(IQR, 9-15; P < .001).", (4, 11, "P < .001")),
    # a from-to change whose values are a peak and a later day
    ("After CAR T cells, ferritin declined from a peak of 45100 ng/mL on day +12 to 7300 ng/mL by day +19.",
     (45100, 7300, None)),
])
def test_comparison_shapes_of_round_seven_running_text(text, want):
    got = [(s.fields["value_a"], s.fields["value_b"], s.fields["p_text"]) for s in suggest(text)
           if s.kind == "comparison"]
    assert want in got, got


def test_an_effect_size_named_by_what_it_is_for():
    c = [s.fields for s in suggest("We compared products. Axi-cel shortened PFS (HR for progression or death, 0.64; "
                                   "95% CI, 0.48-0.85; P = .002).") if s.kind == "comparison"]
    assert [(f["analyte"], f["value_a"], f["ci_low"], f["ci_high"], f["p_text"]) for f in c] == [
        ("progression or death", 0.64, 0.48, 0.85, "P = .002")]


def test_a_rate_with_its_fraction_and_ci_in_one_bracket():
    r = [s.fields for s in suggest("We treated 52 patients with cilta-cel. The overall response rate was 92.3% "
                                   "(48/52; 95% CI, 81.5-97.9).") if s.kind == "rate"]
    assert [(f["value"], f["ci_low"], f["ci_high"]) for f in r] == [(92.3, 81.5, 97.9)]


def test_a_product_class_is_no_further_product_when_its_products_are_named():
    got = [s.fields["product"] for s in suggest(
        "We studied CD19-directed CAR T cells in practice: 210 patients received axicabtagene ciloleucel and 95 "
        "tisagenlecleucel.") if s.kind == "car_t_product"]
    assert sorted(got) == ["axicabtagene ciloleucel", "tisagenlecleucel"], got
    # without a named product of that target, the class is the product
    got = [s.fields["target"] for s in suggest("We treated 20 patients with CD19-directed CAR T cells.")
           if s.kind == "car_t_product"]
    assert got == ["CD19"], got


@pytest.mark.parametrize(("text", "n"), [
    ("In this phase 2 trial, of 58 patients enrolled, 51 were infused with the CAR T cells.", 51),
    ("Adults treated with axi-cel at 12 centres were included (n = 402). Late ICAHT was observed in 30% of the "
     "350 patients alive at day 30.", 402),
    ("We describe five children with IEC-HS after tisagenlecleucel; three received emapalumab.", 5),
])
def test_the_study_size_is_the_treated_cohort(text, n):
    got = [s.fields["n"] for s in suggest(text) if s.kind == "sample_size" and s.fields.get("study")]
    assert got == [n], got


def test_a_lab_measure_is_no_share_of_patients_and_a_drug_given_to_a_share_is():
    assert percents("We describe a 7-year-old boy with relapsed B-ALL (marrow blasts 71%) treated with CAR T cells.") == []
    assert percents("In both cohorts, dexamethasone was given to 44% and 12%, respectively.") == [12.0, 44.0]


def test_a_rate_that_is_one_side_of_a_comparison_is_the_comparisons():
    got = [(s.kind, s.fields.get("value"), s.fields.get("value_a")) for s in suggest(
        "We compared axi-cel and tisa-cel. The 12-month OS was 71% (95% CI, 64-77) versus 58% (95% CI, 49-66) "
        "(P = .01).") if s.kind in ("rate", "comparison")]
    assert got == [("comparison", None, 71)], got


def test_per_grade_counts_in_words():
    got = [(f["syndrome"], f["grade"], f["count"]) for f in _tox(
        "We describe five children with IEC-HS after tisagenlecleucel. All had preceding CRS (maximum grade 1 in two, "
        "grade 2 in three).")]
    assert ("CRS", 1, 2) in got and ("CRS", 2, 3) in got, got


@pytest.mark.parametrize(("text", "doses"), [
    # the cells named by their target between the count and the unit; 'per kg'; the power of ten as written
    ("We treated 30 patients. Patients received 2 × 10^6 CD19 CAR T cells/kg.", [2]),
    ("We treated 30 patients. They received 3 × 10^5 anti-BCMA CAR T cells per kg.", [3]),
    ("We treated 30 patients. Cells were infused at 1.5 x 10e6 cells/kg.", [1.5]),
    ("We treated 30 patients. Cells were infused at 2 × 10(6)/kg.", [2]),
    ("We treated 30 patients. Each received 1 million CAR T cells/kg.", [1]),
    # a cap after the weight-based dose; levels each with their own power of ten
    ("We treated 30 patients. Tocilizumab (8 mg/kg; maximum 800 mg) was given for grade 2 CRS.", [8, 800]),
    ("We treated 30 patients. Dose levels were 5 × 10^5, 1 × 10^6 and 3 × 10^6 cells/kg.", [5, 1, 3]),
])
def test_dose_shapes_of_round_seven(text, doses):
    got = [s.fields["dose"] for s in suggest(text) if s.kind == "dose"]
    assert all(d in got for d in doses), got


@pytest.mark.parametrize(("text", "want"), [
    # a syndrome, then its grades, then their shares with 'respectively'
    ("We treated 150 adults with CAR-T. ICANS of any grade and grade ≥3 developed in 41% and 11% of patients, "
     "respectively.", [("ICANS", None, None, 41.0), ("ICANS", 3, None, 11.0)]),
    # a per-grade list in terse notation, an empty grade skipped
    ("We treated 60 pts with CAR T cells. CRS: G1 0, G2 9 (15%), G3 4 (7%).",
     [("CRS", 2, 9, 15.0), ("CRS", 3, 4, 7.0)]),
    # 'appeared in x% (n/N)', then 'being severe (grade 3-4) in y%'
    ("We treated 60 adults with CAR T cells. ICANS appeared in 35.0% of patients (21/60), being severe (grade 3-4) "
     "in 10.0% (6/60).", [("ICANS", None, 21, 35.0), ("ICANS", 3, None, 10.0)]),
])
def test_toxicity_shapes_of_round_seven_grades(text, want):
    got = [(f["syndrome"], f["grade"], f["count"], f["percent"]) for f in _tox(text)]
    assert all(w in got for w in want), got


def test_an_absence_without_a_grade_is_no_toxicity_row():
    assert _tox("We treated 40 patients with CAR T cells. No infection occurred during the first month.") == []


@pytest.mark.parametrize(("text", "want"), [
    ("We surveyed 100 survivors of CAR T cells. Fatigue was reported by 44%, compared with 12% of those without "
     "ICANS (p=.01).", (44, 12, "p=.01")),
    ("We analysed 150 patients after CAR T cells. CRS occurred in 30 of 60 patients (50%) in the prophylaxis cohort "
     "and in 63 of 90 (70%) in the control cohort (P = .02).", (50, 70, "P = .02")),
    ("We analysed 40 patients after CAR T cells. Ferritin fell after anakinra (median 9800 to 2100 ng/mL; p = 0.01).",
     (9800, 2100, "p = 0.01")),
    ("We analysed 30 children after CAR T cells. Trough IgG rose from 310 mg/dL before to 690 mg/dL after two months "
     "of IVIG replacement (p<0.001).", (310, 690, "p<0.001")),
])
def test_comparison_shapes_of_round_seven_more(text, want):
    got = [(s.fields["value_a"], s.fields["value_b"], s.fields["p_text"]) for s in suggest(text)
           if s.kind == "comparison"]
    assert want in got, got


def test_shares_joined_by_and_are_a_comparison_only_with_their_test():
    assert [s for s in suggest("We analysed 150 patients after CAR T cells. CRS occurred in 30 of 60 patients (50%) in "
                               "the prophylaxis cohort and in 63 of 90 (70%) in the control cohort.")
            if s.kind == "comparison"] == []


@pytest.mark.parametrize(("text", "want"), [
    ("We treated 60 pts with CAR T cells. Max CRS grade: G1 20 (33%); G2 9 (15%).",
     [("CRS", 1, 20, 33.0), ("CRS", 2, 9, 15.0)]),
    ("We analysed 200 patients after CAR-T. Grade ≥3 late ICAHT occurred in 30/200 (15%).", [("other", 3, 30, 15.0)]),
    ("We followed 70 pts after CAR-T. Hypogammaglobulinemia (IgG <400 mg/dL) was present in 30 of 50 tested pts "
     "(60%).", [("other", None, 30, 60.0)]),
    ("We followed 70 pts after CAR-T. Subsequent malignancies were diagnosed in 8 pts (11%).", [("other", None, 8, 11.0)]),
    ("We followed 40 children after CAR-T. At 1 year, 20 of 30 evaluable pts (67%) had ongoing B-cell aplasia.",
     [("other", None, 20, 67.0)]),
    ("We treated 40 children with tisagenlecleucel. Thirty-one patients (78%) developed CRS, grade 3 or 4 in 6 (15%).",
     [("CRS", None, 31, 78.0), ("CRS", 3, 6, 15.0)]),
])
def test_toxicity_shapes_of_round_seven_terse_and_defined(text, want):
    got = [(f["syndrome"] if f["syndrome"] in ("CRS", "ICANS") else "other", f["grade"], f["count"], f["percent"])
           for f in _tox(text)]
    assert all(w in got for w in want), got


def test_an_effect_size_in_the_bracket_a_pair_took_its_p_value_from_is_still_read():
    got = [(s.fields["value_a"], s.fields["value_b"], s.fields.get("effect")) for s in suggest(
        "We compared axi-cel and tisa-cel. The 12-month PFS was 51% (95% CI, 44-58) versus 38% (95% CI, 30-46) "
        "(HR for progression or death, 0.69; 95% CI, 0.52-0.91; P = .008).") if s.kind == "comparison"]
    assert (51, 38, None) in got and (0.69, None, "HR") in got, got


@pytest.mark.parametrize("text", [
    "METHODS: We reviewed all adults with lymphoma who received axi-cel at our institution between 2018 and 2023.",
    "Methods: Using a commercial claims database, we identified adults who received CAR T cells.",
])
def test_a_retrospective_design_named_by_its_method(text):
    got = [s.fields["design_class"] for s in suggest(text) if s.kind == "design" and s.fields.get("study")]
    assert got == ["retrospective_cohort"], got


def test_a_contrast_item_only_when_the_incidence_is_not_given_otherwise():
    text = ("We analysed 200 patients treated with CAR T cells. ICANS occurred in 70 patients (35%). ICANS was more "
            "frequent after axi-cel than after tisa-cel (48% vs 19%, P < .001).")
    assert [(f["syndrome"], f["percent"]) for f in _tox(text)] == [("ICANS", 35.0)]
    only = ("We analysed 200 patients treated with CAR T cells. ICANS was more frequent after axi-cel than after "
            "tisa-cel (48% vs 19%, P < .001).")
    assert [(f["syndrome"], f["percent"]) for f in _tox(only)] == [("ICANS", None)]


def test_how_a_syndrome_was_graded_is_no_contrast():
    assert _tox("We treated 40 children with CAR T cells. ICANS was graded by ASTCT criteria, using the CAPD for "
                "children younger than 12 years (n = 21).") == []


def test_percent_in_words_with_its_fraction_and_graded_counts_in_words():
    got = [(f["syndrome"], f["grade"], f["count"], f["percent"]) for f in _tox(
        "We enrolled 150 patients treated with CAR T cells. Seventy percent of the patients (105/150) developed CRS "
        "and only six (4.0%) were grade 3 or above; ICANS occurred in 30 patients (20.0%), and grade 3 or above in "
        "eight (5.3%).")]
    assert got == [("CRS", None, 105, 70.0), ("CRS", 3, 6, 4.0), ("ICANS", None, 30, 20.0), ("ICANS", 3, 8, 5.3)], got


def test_a_case_timeline_states_its_crs_grades_in_passing():
    case = ("Case: A 19-year-old woman with lymphoma received axicabtagene ciloleucel. Grade 1 CRS began on day +1; on "
            "day +3 she became hypotensive despite fluids (grade 2 CRS).")
    assert sorted(f["grade"] for f in _tox(case) if f["syndrome"] == "CRS") == [1, 2]
    assert [s.fields["n"] for s in suggest(case) if s.kind == "sample_size" and s.fields.get("study")] == [1]


def test_the_evaluable_cohort_after_the_infused_one():
    got = [s.fields["n"] for s in suggest("We retrospectively analysed CAR-T recipients. Of 180 patients infused, 171 "
                                          "were evaluable.") if s.kind == "sample_size" and s.fields.get("study")]
    assert got == [171], got


@pytest.mark.parametrize(("text", "want"), [
    # per-grade counts written 'n = N', and between dashes
    ("We treated 20 patients with CAR T cells. CRS occurred in 15 of 20 patients (75%) and was graded as follows: "
     "grade 1, n = 9; grade 2, n = 6.", [("CRS", 1, 9, None), ("CRS", 2, 6, None)]),
    ("We treated 30 children with CAR T cells. CRS developed in 21 patients (70%) — grade 1, 15 patients; grade 2, 6 — "
     "and resolved.", [("CRS", 1, 15, None), ("CRS", 2, 6, None)]),
    # every case at one grade, after the count
    ("We treated 20 patients with CAR T cells. ICANS was seen in three patients (15%), all grade 1.",
     [("ICANS", 1, 3, 15.0)]),
    ("We treated 25 patients with CAR T cells. CRS was infrequent, 8% (2/25), and both events were grade 2.",
     [("CRS", 2, 2, 8.0)]),
    # the grade after the events' name, for a list of them
    ("We treated 15 patients with CAR T cells. The most frequent adverse events of grade 3 or higher were neutropenia "
     "(60%) and anaemia (20%).", [("other", 3, None, 60.0), ("other", 3, None, 20.0)]),
    # a list of events whatever their names
    ("We treated 20 patients with CAR T cells. On-target, off-tumour events were mostly mild: nail dystrophy in 6 "
     "patients (30%) and taste disturbance in 4 (20%).", [("other", None, 6, 30.0), ("other", None, 4, 20.0)]),
])
def test_toxicity_shapes_of_round_seven_lists(text, want):
    got = [(f["syndrome"] if f["syndrome"] in ("CRS", "ICANS") else "other", f["grade"], f["count"], f["percent"])
           for f in _tox(text)]
    assert all(w in got for w in want), got


@pytest.mark.parametrize(("text", "doses"), [
    ("We treated 30 children. They received 1 × 10^5 (dose level 1), 5 × 10^5 (dose level 2) or 1 × 10^6 "
     "(dose level 3) cells/kg.", [(1, "× 10^5 cells/kg"), (5, "× 10^5 cells/kg"), (1, "× 10^6 cells/kg")]),
    ("We treated 12 patients at 1 × 10^6 (n = 3), 3 × 10^6 (n = 4) and 6 × 10^6 (n = 5) CAR+ cells/kg.",
     [(1, "× 10^6 CAR+ cells/kg"), (3, "× 10^6 CAR+ cells/kg"), (6, "× 10^6 CAR+ cells/kg")]),
    ("We treated 20 patients. Doses ranged from 1 × 10^5 to 3 × 10^7 CAR T cells/kg.",
     [(1, "× 10^5 CAR T cells/kg"), (3, "× 10^7 CAR T cells/kg")]),
])
def test_dose_levels_named_or_counted_between_value_and_unit(text, doses):
    got = [(s.fields["dose"], s.fields["unit"]) for s in suggest(text) if s.kind == "dose"]
    assert got == doses, got


@pytest.mark.parametrize(("text", "want"), [
    # a p-value named by what it tests
    ("We pooled 15 studies of CAR T cells. Severe infections were more common after prior transplantation (31% vs "
     "18%; P for subgroup difference = .02).", (31, 18, "P for subgroup difference = .02")),
    # a second change whose verb the first gave; a time point after the second value
    ("We treated 12 patients with CAR T cells. Treatment reduced the ADL score from 9 (range 6-14) at baseline to 4 "
     "(range 1-7) at week 12 (P < .001), and the median QMG score from 15 to 9 (P = .002).", (15, 9, "P = .002")),
    ("We treated 12 patients with CAR T cells. Treatment reduced the ADL score from 9 (range 6-14) at baseline to 4 "
     "(range 1-7) at week 12 (P < .001).", (9, 4, "P < .001")),
    # a value with its baseline in brackets
    ("We describe a boy treated with CAR T cells. On day +2 creatinine was 2.1 mg/dL (baseline, 0.5 mg/dL).",
     (0.5, 2.1, None)),
    # the objects of a change, up to five words
    ("We describe a woman treated with CAR T cells. She had a rise in troponin and NT-proBNP from 120 to 7400 pg/mL.",
     (120, 7400, None)),
    # a grade inside the first group's words
    ("We treated 40 children with a second infusion. 10 of 40 patients (25%) had CRS, all grade 1-2, compared with "
     "28 of 40 (70%) after the first infusion (P < .001).", (25, 70, "P < .001")),
])
def test_comparison_shapes_of_round_seven_changes(text, want):
    got = [(s.fields["value_a"], s.fields["value_b"], s.fields["p_text"]) for s in suggest(text)
           if s.kind == "comparison"]
    assert want in got, got


def test_a_p_value_named_by_what_it_tests_is_read_by_the_one_p_rule():
    from curator.domain.pvalues import parse_p
    assert parse_p("P for interaction < .01") == ("<", 0.01)
    assert parse_p("P for subgroup difference = .03") == ("=", 0.03)


def test_a_case_headed_case_is_the_patients_and_its_drugs_are_not_background():
    text = ("Introduction: Cardiac events after CAR T-cell therapy are rare. Case: A 20-year-old woman received "
            "axicabtagene ciloleucel. On day +3 she received tocilizumab, and on day +5 levodopa was started.")
    got = {s.fields["drug"]: s.fields.get("background_only") for s in suggest(text) if s.kind == "drug"}
    assert got == {"tocilizumab": None, "levodopa": None}, got


def test_supportive_agents_and_a_word_that_names_something_else():
    got = {s.fields["drug"] for s in suggest(
        "We treated 40 patients with CAR T cells. Rasburicase, TMP-SMX prophylaxis and prednisone were given; "
        "dopamine transporter imaging was normal.") if s.kind == "drug"}
    assert got == {"rasburicase", "antibacterials", "corticosteroids"}, got


@pytest.mark.parametrize(("text", "design_class"), [
    ("We performed a systematic review and meta-analysis of prospective trials of BCMA CAR T cells.", "review"),
    ("Methods: We searched MEDLINE and Embase for studies of CAR T cells and pooled proportions with random-effects "
     "models.", "review"),
    ("Few older patients were included in the pivotal trial. We pooled the data of 120 patients treated with "
     "brexucabtagene autoleucel in two countries.", "retrospective_cohort"),
])
def test_a_review_named_by_its_method_and_other_studies_design_words(text, design_class):
    got = [s.fields["design_class"] for s in suggest(text) if s.kind == "design" and s.fields.get("study")]
    assert got == [design_class], got


def test_a_list_of_events_takes_its_heads_grade():
    got = [(f["as_written"], f["grade"], f["count"], f["percent"]) for f in _tox(
        "We treated 20 patients with GPRC5D CAR T cells. Grade 3 or higher on-target events were: nail dystrophy in "
        "2 patients (10%) and taste disturbance in 1 (5%).")]
    assert ("nail dystrophy", 3, 2, 10.0) in got and ("taste disturbance", 3, 1, 5.0) in got, got


def _row_set(text: str) -> set:
    return {(f["syndrome"], f["grade"], f["count"], f["percent"]) for f in _tox(text)}


def test_a_syndrome_its_appositive_then_the_clause_share():
    # words without numbers between the syndrome and the verb of occurrence ('..., graded by the ASTCT scale, was
    # recorded in'), then the clause's one share, and its grade breakdown after the colon
    rows = _row_set("We infused 80 adults with axi-cel. Neurotoxicity, graded by the ASTCT scale, was recorded in 30 of 80 "
                 "treated patients (37.5%): grade 1, 20%; grade 2, 10%; grade 3, 7.5%.")
    assert ("ICANS", None, 30, 37.5) in rows and ("ICANS", 3, None, 7.5) in rows, rows
    assert _row_set("We infused 50 adults with CAR T cells. CRS was rare and mild, occurring in 3 of 50 patients (6%), "
                 "all grade 1.") >= {("CRS", 1, 3, 6.0)}
    # a comparison in the clause is the contrast's, not an incidence
    assert not any(f["percent"] == 40.0 for f in _tox(
        "We infused 50 adults with CAR T cells. CRS, by the Lee scale, was observed in 40% versus 20% of controls."))


def test_a_syndrome_list_with_shares_given_grade_by_grade_respectively():
    rows = _row_set("We treated 120 patients with tisa-cel. Rates of CRS and ICANS did not change with longer follow-up "
                 "(any grade, 70% and 25%; grade 3 or higher, 9% and 4%, respectively).")
    assert {("CRS", None, None, 70.0), ("ICANS", None, None, 25.0), ("CRS", 3, None, 9.0),
            ("ICANS", 3, None, 4.0)} <= rows, rows


def test_a_grade_list_after_a_colon_and_counts_in_words():
    rows = _row_set("We infused 44 adults with cilta-cel. ICANS was more frequent than expected: any grade in "
                 "41%, grade ≥3 in 16%.")
    assert ("ICANS", 3, None, 16.0) in rows and any(r[0] == "ICANS" and r[3] == 41.0 for r in rows), rows
    rows = _row_set("We describe five patients with IEC-HS after CAR T cells. All five had earlier CRS (grade 1 in two, "
                 "grade 2 in three).")
    assert {("CRS", 1, 2, None), ("CRS", 2, 3, None)} <= rows, rows


def test_a_clause_opening_with_the_name_and_a_comma_then_the_pair():
    c = kinds("Outcomes with and without prophylaxis were similar. Infections, 21% vs 25% (P = .61).", "comparison")
    assert [(s.fields["analyte_as_written"], s.fields["value_a"], s.fields["value_b"]) for s in c] == \
        [("Infections", 21.0, 25.0)], c


@pytest.mark.parametrize(("text", "want"), [
    # a CI whose upper bound is open
    ("We treated 60 patients. Median overall survival was 19.2 months (95% CI, 11.5-not reached).",
     (19.2, "CI", 11.5, None, True)),
    ("We treated 60 patients. Median PFS 8.4 mo (95% CI 5.0–NR).", (8.4, "CI", 5.0, None, True)),
    # a day after infusion with its sign and its word inside the range
    ("We treated 60 patients. Tocilizumab started median day +3 (range +1 to +9) after infusion.",
     (3, "range", 1.0, 9.0, None)),
    ("We treated 60 patients. Ferritin reached its peak at a median of day 6 (range, day 2–15).",
     (6, "range", 2.0, 15.0, None)),
])
def test_median_with_an_open_bound_or_a_signed_day(text, want):
    got = [(s.fields["value"], s.fields["dispersion"], s.fields["low"], s.fields["high"],
            s.fields.get("high_not_reached")) for s in kinds(text, "median")]
    assert got == [want], got


def test_dev_scoring_matches_a_median_with_an_open_upper_bound():
    from curator.extract.dev_scoring import _m_median
    gold = {"value": 19.2, "range_or_iqr": "95% CI, 11.5-not reached"}
    assert _m_median(gold, {"fields": {"value": 19.2, "low": 11.5, "high": None}})
    assert not _m_median(gold, {"fields": {"value": 19.2, "low": 95, "high": 11.5}})


def test_a_lymphodepleting_agent_given_again_for_a_toxicity_is_a_second_row():
    text = ("A 60-year-old man received cilta-cel after lymphodepletion with fludarabine and cyclophosphamide on "
            "days -5 to -3. Parkinsonism developed on day 25; cyclophosphamide 1 g/m2 was given on day 33.")
    roles = sorted(s.fields["role"] for s in suggest(text) if s.kind == "drug" and s.fields["drug"] == "cyclophosphamide")
    assert roles == ["lymphodepletion", "toxicity treatment"], roles
    from curator.domain.outcomes import Exposure
    rows = [r for r in suggestions_to_rows(suggest(text))[1].get(Exposure, []) if r.agent == "cyclophosphamide"]
    assert sorted(r.role for r in rows) == ["lymphodepletion", "toxicity treatment"], rows
    # the partner agent in the sentence says lymphodepletion without the word
    assert [s.fields["role"] for s in suggest("Patients received fludarabine and cyclophosphamide before axi-cel.")
            if s.kind == "drug" and s.fields["drug"] == "cyclophosphamide"] == ["lymphodepletion"]


def test_a_past_tense_action_sentence_is_the_studys_own_whatever_modal_it_holds():
    text = ("A 58-year-old man was treated with cilta-cel. Parkinsonism progressed despite dexamethasone, so anakinra "
            "was given on day 33; he could walk without aid by day 75.")
    assert [s.fields.get("background_only") for s in suggest(text) if s.kind == "drug" and s.fields["drug"] == "anakinra"] \
        == [None]
    # a mixed-case 'Patients and methods' heading opens the methods, not the background
    text = ("Background: Steroids are often used for CRS. Patients and methods: We reviewed 80 adults treated with "
            "axi-cel, stratified by the cumulative dexamethasone dose.")
    assert [s.fields.get("background_only") for s in suggest(text) if s.kind == "drug" and s.fields["drug"] == "dexamethasone"] \
        == [None]


def _events(text: str) -> list[tuple]:
    return [(s.fields["event"], s.fields["day"]) for s in suggest(text) if s.kind == "event"]


def test_events_told_with_irregular_verbs_relative_clauses_and_the_infusion_dose():
    got = _events("A 50-year-old man received axi-cel. On day +3 his peripheral blast count fell.")
    assert ("peripheral blast count fell", 3) in got, got
    got = _events("A 61-year-old woman received cilta-cel. Two events were dose limiting: grade 4 neutropenia lasting "
                  "more than 28 days and grade 3 ataxia that began on day 19.")
    assert any(day == 19 and "ataxia" in ev and "neutropenia" not in ev for ev, day in got), got
    got = _events("In this phase 1 trial, adults received fludarabine and cyclophosphamide on days −5 to −3, followed "
                  "by a single infusion of 2 × 10^6 CAR-T cells/kg on day 0.")
    assert any(day == 0 and "infusion" in ev for ev, day in got), got
    # a cohort's reading of a measure on a day stays no event
    assert _events("In this cohort of 80 patients, IL-6 above 500 pg/mL on day 3 predicted ICANS.") == []


def test_a_change_named_before_an_aside_and_a_unit_written_out():
    c = kinds("Four children received emapalumab. Serum CXCL9, a marker of interferon activity, fell from a median "
              "of 38000 pg/mL before the first dose to 2100 pg/mL one week later.", "comparison")
    assert [(s.fields["analyte_as_written"], s.fields["value_a"], s.fields["value_b"]) for s in c] == \
        [("Serum CXCL9", 38000, 2100)], c
    c = kinds("We treated 40 patients with CAR T cells. Peak expansion was greater in responders than in "
              "nonresponders (median, 51.0 vs. 7.5 cells per microliter; P=0.01).", "comparison")
    assert [(s.fields["value_a"], s.fields["value_b"], s.fields["p_value"]) for s in c] == [(51.0, 7.5, 0.01)], c


def test_a_unit_with_a_volume_written_out_is_the_units_symbol():
    from curator.domain.units import parse_unit
    assert parse_unit("cells per microliter").code == parse_unit("cells/µL").code
    assert parse_unit("pg per milliliter").code == "pg/mL"


@pytest.mark.parametrize(("text", "want"), [
    ("We infused 50 patients with axi-cel. Most patients (n = 45, 90%) developed CRS.", {("CRS", None, 45, 90.0)}),
    ("We infused 50 patients with axi-cel. CRS and ICANS occurred in 74% and 45%, and grade ≥3 in 7% and 15%, "
     "respectively.", {("CRS", None, None, 74.0), ("ICANS", None, None, 45.0), ("CRS", 3, None, 7.0),
                       ("ICANS", 3, None, 15.0)}),
    ("We infused 50 patients with axi-cel. The incidence of CRS was 92%, with grade ≥3 events in 8%.",
     {("CRS", None, None, 92.0), ("CRS", 3, None, 8.0)}),
])
def test_toxicity_shapes_of_round_eight(text, want):
    assert want <= _row_set(text), _row_set(text)


def test_an_agent_named_before_the_count_it_was_given_to_is_a_treatment_use():
    from curator.domain.outcomes import Exposure
    text = ("We treated 60 patients with axi-cel. Tocilizumab was given to 38 patients (63%) and corticosteroids to "
            "21 (35%).")
    rows = suggestions_to_rows(suggest(text))[1].get(Exposure, [])
    assert {(e.agent, e.n_patients, e.percent) for e in rows} >= {("tocilizumab", 38, 63.0),
                                                                   ("corticosteroids", 21, 35.0)}, rows
    # without a first 'given to' in the sentence, 'and X in N (x%)' names no agent
    text = "We treated 60 patients with axi-cel. CRS developed in 40 patients (67%) and ICANS in 12 (20%)."
    assert not [s for s in suggest(text) if s.kind == "proportion" and (s.fields.get("what") or "").startswith("received")]


def test_a_change_in_brackets_without_its_test_and_not_reached_first():
    c = kinds("We treated 60 patients with axi-cel. CRP levels decreased after tocilizumab (from 145 to 32 mg/L).",
              "comparison")
    assert [(s.fields["value_a"], s.fields["value_b"], s.fields["unit"]) for s in c] == [(145, 32, "mg/L")], c
    assert kinds("The cohort was enrolled over four years (from 2015 to 2019).", "comparison") == []
    c = kinds("We treated 60 patients with axi-cel. Median OS was not reached vs 12.3 months in the control group.",
              "comparison")
    assert [(s.fields["value_a"], s.fields["value_b"], s.fields["value_a_text"]) for s in c] == \
        [(None, 12.3, "not reached")], c


def _study_n(text: str):
    return [s.fields["n"] for s in suggest(text) if s.kind == "sample_size" and s.fields.get("study")]


@pytest.mark.parametrize(("text", "n"), [
    ("Three hundred sixty patients were randomized to axi-cel or standard care.", 360),
    ("One hundred and five adults were treated with tisa-cel in this cohort.", 105),
    # counts of groups enumerated in one bracket are not the cohort
    ("Methods: Retrospective, 6 centres (US n=4, Spain n=2); adults treated with anakinra for ICANS. Results: n=58 "
     "pts; median age 63.", 58),
    # 'of the N' names a subgroup; the trial's own count comes first
    ("We report a phase 1 trial of a CD22 CAR T-cell product in 31 children and young adults. HLH-like toxicity "
     "developed in 10. Anakinra was given to 8 of the 10 affected patients.", 31),
])
def test_the_study_sample_size_of_round_eight(text, n):
    assert _study_n(text) == [n], _study_n(text)


def _products(text: str) -> list[tuple]:
    return [(s.fields["target"], s.fields.get("costimulatory_domain")) for s in suggest(text) if s.kind == "car_t_product"]


def test_products_by_target_of_round_eight():
    # a dangling hyphen coordinates two products; a slash names one dual-targeted product
    assert sorted(_products("Registries report toxicities of commercially available CD19- and BCMA-directed CAR "
                            "T-cell products.")) == [("BCMA", None), ("CD19", None)]
    assert _products("We treated 30 adults with CD19/CD22 CAR T cells.") == [("CD19/CD22", None)]
    # a tandem or bispecific receptor named without its T cells; a domain written with its zeta
    assert _products("We treated 20 children with a tandem CD19/CD22 bispecific CAR (TanCAR19/22).") == \
        [("CD19/CD22", None)]
    assert _products("Patients joined a phase 2 trial of an academic CD19-41BBζ CAR T-cell product.") == [("CD19", "41BB")]


def test_supportive_agents_of_round_eight():
    got = {s.fields["drug"] for s in suggest(
        "A 45-year-old man received axi-cel. He was given enoxaparin for a catheter thrombosis, amiodarone for atrial "
        "fibrillation, morphine for pain and rimiducid for grade 4 ICANS; IgG replacement followed.") if s.kind == "drug"}
    assert {"anticoagulants", "antiarrhythmics", "opioids", "safety switch activators", "IVIG"} <= got, got


def test_a_rate_with_its_count_and_ci_in_one_bracket():
    r = kinds("We treated 27 patients with CAR T cells. The overall response rate was 63% (17 of 27 patients; 95% CI, "
              "42 to 81).", "rate")
    assert [(s.fields["endpoint"], s.fields["value"], s.fields["ci_low"], s.fields["ci_high"], s.fields["numerator"],
             s.fields["denominator"]) for s in r] == [("ORR", 63.0, 42.0, 81.0, 17, 27)], r


def test_two_outcomes_compared_in_two_groups_as_parallel_lists():
    c = kinds("We compared 40 patients given prophylaxis with 45 controls after cilta-cel. Any-grade and grade ≥3 CRS "
              "occurred in 70.0% and 5.0% of treated patients vs 91.1% and 20.0% of controls (P = .01 and P = .04, "
              "respectively).", "comparison")
    got = [(s.fields["analyte"], s.fields["value_a"], s.fields["value_b"], s.fields["p_value"], s.fields.get("label_b"))
           for s in c]
    assert got == [("Any-grade CRS", 70.0, 91.1, 0.01, "controls"), ("grade ≥3 CRS", 5.0, 20.0, 0.04, "controls")], got
    # each value with its CI, one test for both
    c = kinds("In this pooled analysis of CAR T cells, any-grade and grade ≥3 ICANS were 40% (95% CI, 35–45) and 10% "
              "(95% CI, 8–13) with CD19 products, compared with 15% (95% CI, 10–20) and 2% (95% CI, 1–4) with BCMA "
              "products (P < .001 for both).", "comparison")
    assert [(s.fields["value_a"], s.fields["value_b"], s.fields["p_value"]) for s in c] == [(40, 15, 0.001), (10, 2, 0.001)], c
    # without the tests that pair them, the lists are left alone
    assert kinds("We treated 90 patients. CRS and ICANS occurred in 70% and 5% of group A vs 91% and 20% of group B.",
                 "comparison") == []


@pytest.mark.parametrize(("text", "want"), [
    ("We treated 31 patients with CD22 CAR T cells. Neurotoxicity was mild and infrequent, affecting 4 patients (13%).",
     ("ICANS", None, 4, 13.0)),
    ("We treated 31 patients with CD22 CAR T cells. Neurotoxicity was limited to one patient (4%).", ("ICANS", None, 1, 4.0)),
    ("We treated 31 patients with CD22 CAR T cells. Maculopapular rash in 6 pts (33%), self-limiting.",
     ("other", None, 6, 33.0)),
    ("We treated 230 adults with liso-cel. Cytokine release syndrome occurred in 55 (48%) of 115 liso-cel recipients "
     "(grade 3 in one [1%]; no grade 4 or 5 events).", ("CRS", 3, 1, 1.0)),
])
def test_toxicity_verbs_and_breakdowns_of_round_eight(text, want):
    assert want in _row_set(text), _row_set(text)


def test_a_list_of_days_on_a_cases_timeline():
    assert _events("A 50-year-old man received axi-cel. He received tocilizumab on days +2, +3 and +4.") == \
        [("he received tocilizumab", 2), ("he received tocilizumab", 3), ("he received tocilizumab", 4)]
    # a trial's schedule is no timeline
    assert _events("In this phase 2 trial of 60 patients, bortezomib was given on days 1, 8 and 15.") == []


def test_a_cohorts_sampling_days_are_no_events():
    assert _events("In this cohort of 60 patients treated with axi-cel, CAR transgene copies were quantified on days "
                   "+3, +7, +14 and +28.") == []


@pytest.mark.parametrize(("text", "want"), [
    # a bracket after the syndrome listing grades with 'n =' is a breakdown, not the syndrome's grade
    ("We treated 24 patients with CD19 CAR T cells. Eight patients (33.3%) experienced ICANS (grade 1-2, n = 6; "
     "grade 3-4, n = 2).", {("ICANS", None, 8, 33.3), ("ICANS", 1, 6, None), ("ICANS", 3, 2, None)}),
    # a list's head with a grade written with a slash carries it to every item
    ("We treated 30 patients with CD19 CAR T cells. Grade 3/4 hematologic toxicities included neutropenia in 18 (60%) "
     "and thrombocytopenia in 12 (40%) patients.", {("other", 3, 18, 60.0), ("other", 3, 12, 40.0)}),
    # a duration between the syndrome and its verb ('lasting more than 28 days')
    ("We treated 66 patients with CD19 CAR T cells. Neutropenia (grade ≥3) lasting more than 28 days was observed in "
     "12 patients (18%).", {("other", 3, 12, 18.0)}),
    # 'N (x%) cases of' counts the occurrences
    ("We treated 75 patients with CD19 CAR T cells. There were 3 (4%) cases of grade 5 CRS.", {("CRS", 5, 3, 4.0)}),
])
def test_toxicity_breakdowns_and_heads_of_round_nine(text, want):
    assert want <= _row_set(text), _row_set(text)


def test_days_written_with_a_capital_d_and_a_sign():
    assert _events("A 54-year-old man received axi-cel. He developed CRS on D+2. Siltuximab was given on D+6.") == \
        [("he developed CRS", 2), ("siltuximab given", 6)]
    # a window in that notation gives its start and its end
    got = _events("A 54-year-old man received axi-cel. Lymphodepletion was given from D-5 to D-3.")
    assert [d for _, d in got] == [-5, -3], got


def _numbers_of(text: str) -> list[tuple]:
    return [(s.kind, s.start, s.end, tuple(sorted((k, v) for k, v in s.fields.items()
                                                  if isinstance(v, (int, float)) and not isinstance(v, bool))))
            for s in suggest(text)]


ABSTRACT = ("We treated 64 patients with axicabtagene ciloleucel at 2 × 10^6 CAR T cells/kg. Cytokine release syndrome "
            "occurred in 58 patients (90.6%), grade ≥3 in 6 (9.4%). ICANS developed in 29 of 64 patients (45%) in the "
            "prophylaxis cohort and in 58 of 96 (60%) in the control cohort (P = .06). Median peak ferritin was 2,345 "
            "ng/mL (IQR, 1,010-5,600).")


def test_blanks_other_than_the_space_read_as_spaces_and_quotes_keep_them():
    for blank in ("\u00a0", "\u2009", "\u202f"):
        odd = ABSTRACT.replace(" ", blank)
        assert _numbers_of(odd) == _numbers_of(ABSTRACT), blank
        s = suggest(odd)
        assert all(x.text == odd[x.start:x.end] for x in s)  # the evidence quotes the text as given
        assert any(blank in x.text for x in s)


def test_a_line_broken_inside_a_sentence_reads_as_one_line():
    words = ABSTRACT.split(" ")
    wrapped = "".join(w + ("\n" if i % 6 == 5 else " ") for i, w in enumerate(words)).rstrip()
    assert len(wrapped) == len(ABSTRACT)
    assert _numbers_of(wrapped) == _numbers_of(ABSTRACT)
    # a blank line and a heading after a break still part the text
    from curator.extract.engine import _unwrap
    assert _unwrap("first line\nRESULTS: CRS occurred") == "first line\nRESULTS: CRS occurred"
    assert _unwrap("first.\n\nSecond") == "first.\n\nSecond"
    assert _unwrap("2 × 10^6 CAR\nT cells/kg") == "2 × 10^6 CAR T cells/kg"


def test_patients_abbreviated_pts_read_as_patients():
    short = ABSTRACT.replace("patients", "pts")
    got = {k for k in _numbers_of(short)}
    want = {k for k in _numbers_of(ABSTRACT)}
    assert {(k[0], k[3]) for k in got} == {(k[0], k[3]) for k in want}


def test_a_costimulatory_domain_written_with_an_en_dash():
    got = [s.fields.get("costimulatory_domain") for s in suggest(
        "We treated 20 children with CD22 CAR T cells carrying a 4–1BB domain.") if s.kind == "car_t_product"]
    assert got == ["4-1BB"], got


def test_a_mean_age_with_decimals_is_no_childs_age():
    got = [s.fields for s in suggest("Of 145 hospitalized patients, the average age was 47.5 years old.")
           if s.kind == "age_group"]
    assert all(f["value"] != "pediatric" for f in got), got


def test_a_share_before_its_denominator_lancet_style():
    text = ("We treated 162 patients with axi-cel. Cytokine release syndrome occurred in 92 (85%) of 108 evaluable "
            "patients and was grade 3 in 8 (7%). Bridging therapy was used in 135 (83%) of 162 patients. ICANS "
            "occurred in 29 (45%) of 64 patients in the prophylaxis cohort and in 58 (60%) of 96 patients in the "
            "control cohort (P = .06).")
    tox = {(f["syndrome"], f["grade"], f["count"], f.get("denominator"), f["percent"]) for f in _tox(text)}
    assert ("CRS", None, 92, 108, 85.0) in tox and ("CRS", 3, 8, None, 7.0) in tox, tox
    rates = [(s.fields.get("numerator"), s.fields.get("denominator"), s.fields["value"]) for s in suggest(text)
             if s.kind == "rate"]
    assert (135, 162, 83.0) in rates, rates
    assert [(s.fields["value_a"], s.fields["value_b"], s.fields["p_value"]) for s in suggest(text)
            if s.kind == "comparison"] == [(45, 60, 0.06)]
    # a share's denominator is no sample size of its own
    assert {s.fields["n"] for s in suggest(text) if s.kind == "sample_size"} <= {162}


def test_a_share_written_percent_in_words_after_its_digits():
    text = ("We treated 50 patients with CD19 CAR T cells. CRS occurred in 45 percent of patients and grade 3 or higher "
            "CRS in 6 per cent; the overall response rate was 82 percent (95 percent confidence interval, 70 to 90).")
    symbols = text.replace(" percent", "%").replace(" per cent", "%")
    assert [k[0::3] for k in _numbers_of(text)] == [k[0::3] for k in _numbers_of(symbols)]
    got = {(s.kind, s.fields.get("grade"), s.fields.get("percent"), s.fields.get("ci_low")) for s in suggest(text)}
    assert {("toxicity", None, 45.0, None), ("toxicity", 3, 6.0, None), ("rate", None, 82.0, 70.0)} <= got, got
    for s in suggest(text):  # offsets into the text as given; each field's words are its own
        assert text[s.start:s.end] == s.text
        for k, (a, b) in s.spans.items():
            assert text[a:b] == text[a:b].strip(), (k, text[a:b])
    rate = next(s for s in suggest(text) if s.kind == "rate")
    assert rate.text.endswith("82 percent (95 percent confidence interval, 70 to 90)") and rate.fields["unit"] == "%"
    assert text[slice(*rate.spans["value"])] == "82"


@pytest.mark.parametrize(("variant", "plain"), [
    # a bound typed in ASCII or as old PubMed exports spell it
    ("CRS of any grade and grade >=3 developed in 90% and 8% of patients, respectively.",
     "CRS of any grade and grade ≥3 developed in 90% and 8% of patients, respectively."),
    ("CRS of any grade and grade >or=3 developed in 90% and 8% of patients, respectively.",
     "CRS of any grade and grade ≥3 developed in 90% and 8% of patients, respectively."),
    # a count written 'N ='
    ("Cytokine release syndrome was graded as follows: grade 1, N = 10; grade 2, N = 5.",
     "Cytokine release syndrome was graded as follows: grade 1, n = 10; grade 2, n = 5."),
    # the study's subjects
    ("ICANS appeared in 40.4% of subjects (21/52), being severe (grade 3-4) in 17.3%.",
     "ICANS appeared in 40.4% of patients (21/52), being severe (grade 3-4) in 17.3%."),
])
def test_notations_read_as_the_symbol_the_rules_know(variant, plain):
    lead = "We treated 60 adults with CD19 CAR T cells. "
    got, want = _numbers_of(lead + variant), _numbers_of(lead + plain)
    assert want and [(k[0], k[3]) for k in got] == [(k[0], k[3]) for k in want], (got, want)
    for s in suggest(lead + variant):
        assert (lead + variant)[s.start:s.end] == s.text


def test_a_groups_grade_then_the_syndrome_in_words_before_the_test():
    c = kinds("We treated 45 children with CD19 CAR T cells. IL-6 was 412 pg/mL in patients with grade III/IV cytokine "
              "release syndrome compared with 46 pg/mL in those with grade 0-II cytokine release syndrome (P = .002).",
              "comparison")
    assert [(s.fields["value_a"], s.fields["value_b"], s.fields["p_value"]) for s in c] == [(412, 46, 0.002)], c


@pytest.mark.parametrize("verb", ["occurred in", "was documented in", "was diagnosed in", "was identified in",
                                  "was present in", "was found in", "emerged in", "was experienced by", "affected"])
def test_any_verb_of_occurrence_reads_the_same(verb):
    lead = "We treated 115 adults with CD19 CAR T cells. "
    got = _row_set(lead + f"Cytokine release syndrome {verb} 45 patients (39%), and grade ≥3 in 5 (4%).")
    assert {("CRS", None, 45, 39.0), ("CRS", 3, 5, 4.0)} <= got, got
    got = _row_set(lead + f"CRS and ICANS {verb} 80% and 20% of patients, respectively.")
    assert {("CRS", None, None, 80.0), ("ICANS", None, None, 20.0)} <= got, got
    got = _row_set(lead + f"CRS of any grade and grade ≥3 {verb} 90% and 8% of patients, respectively.")
    assert {("CRS", None, None, 90.0), ("CRS", 3, None, 8.0)} <= got, got


def test_a_share_then_its_count_in_brackets():
    text = ("We treated 48 patients with CD19 CAR T cells. Grade 3 or 4 cytopenias persisting beyond day 30 were "
            "recorded in 27.1% of patients (n = 13). Tocilizumab was administered in 79.0% of patients (n = 38).")
    assert ("other", 3, 13, 27.1) in _row_set(text), _row_set(text)
    props = [(s.fields["count"], s.fields["percent"]) for s in suggest(text) if s.kind == "proportion"]
    assert (38, 79.0) in props, props
    # the count behind a share is no sample size of its own
    assert {s.fields["n"] for s in suggest(text) if s.kind == "sample_size"} == {48}


def test_a_change_whose_first_value_is_dated_post_infusion():
    c = kinds("A 58-year-old man received axi-cel. His ferritin rose from 2140 ng/mL on day +4 post-infusion to 48900 "
              "ng/mL on day +9.", "comparison")
    assert [(s.fields["value_a"], s.fields["value_b"], s.fields["direction"]) for s in c] == [(2140, 48900, "increased")], c


def test_the_headings_of_other_journal_formats_part_the_abstract():
    from curator.extract.context import Doc
    jama = ("Importance: Cytokine release syndrome is common. Objective: To describe its management. Design, Setting, "
            "and Participants: A cohort of 60 adults treated with axi-cel. Main Outcomes and Measures: CRS grade. "
            "Results: CRS occurred in 50 patients (83%). Conclusions and Relevance: CRS was common.")
    d = Doc(jama)
    assert [d.section(jama.index(w)) for w in ("Cytokine", "To describe", "A cohort", "CRS grade", "CRS occurred",
                                                "CRS was")] == \
        ["background", "background", "methods", "methods", "results", "conclusion"]
    ccr = "Purpose: To test a CAR. Experimental Design: Patients received tocilizumab prophylaxis. Results: None."
    assert Doc(ccr).section(ccr.index("Patients received")) == "methods"


def test_a_background_heading_no_other_heading_follows_covers_its_own_sentence():
    text = ("Objective: To describe the management of CRS after CAR T-cell therapy. We treated 40 adults with axi-cel. "
            "CRS was treated with tocilizumab in 30 patients (75%) and with dexamethasone in 12 (30%).")
    drugs = {s.fields["drug"]: s.fields.get("background_only", False) for s in suggest(text) if s.kind == "drug"}
    assert drugs == {"tocilizumab": False, "dexamethasone": False}, drugs  # given to the patients, not background


def test_a_share_quoted_from_other_studies_is_not_the_studys():
    text = ("A 61-year-old man received axi-cel and developed cytokine release syndrome on day 2. He recovered. "
            "Outpatient care seems safe, given the low rate (2%) of grade 4 CRS in other series.")
    assert all(s.fields.get("percent") != 2.0 for s in suggest(text)), [s.to_dict() for s in suggest(text)]
    # ... and the patient's own mention stays a toxicity of its own
    assert any(s.kind == "toxicity" and s.text == "cytokine release syndrome" for s in suggest(text))
    # a share followed by its comparison with other studies is the study's
    props = [s.fields["percent"] for s in suggest("We treated 60 adults with axi-cel. ICU transfer was needed in 9 "
                                                  "(15%), lower than in prior studies.") if "percent" in s.fields]
    assert 15.0 in props, props


def test_a_heading_alone_on_its_line_parts_the_abstract():
    from curator.extract.context import Doc
    from curator.extract.engine import _unwrap
    text = ("Background\nTumour lysis syndrome is rare after CAR T-cell therapy.\n\nCase presentation\nA 16-year-old boy "
            "with relapsed B-ALL received tisagenlecleucel and developed\ngrade 2 CRS on day +2.\nConclusions\nTLS "
            "can occur.")
    read = _unwrap(text)
    assert "developed grade 2" in read  # a break inside a sentence is a blank
    d = Doc(read)
    assert [d.section(read.index(w)) for w in ("Tumour", "A 16-year-old", "TLS can")] == \
        ["background", "results", "conclusion"]
    assert [s.fields["value"] for s in suggest(text) if s.kind == "design"] == ["case report"]


@pytest.mark.parametrize("heading", ["Case Presentation", "Our Patient"])
def test_a_background_section_ends_with_its_paragraph(heading):
    text = (f"Background\n\nCytokine release syndrome is common after CAR T-cell therapy.\n\n{heading}\n\nA 45-year-old "
            "man received axicabtagene ciloleucel. He developed grade 3 CRS and was treated with tocilizumab and "
            "dexamethasone.\n\nConclusion\n\nSevere CRS responded to treatment.")
    drugs = {s.fields["drug"]: s.fields.get("background_only", False) for s in suggest(text) if s.kind == "drug"}
    assert drugs == {"tocilizumab": False, "dexamethasone": False}, drugs


def test_a_case_heading_in_title_case_is_the_case():
    from curator.extract.context import Doc
    text = "Background\n\nCRS is common.\n\nCase Presentation\n\nA man received axi-cel.\n\nConclusion\n\nIt worked."
    assert Doc(text).section(text.index("A man")) == "results"


def test_statements_that_are_not_the_studys_own_results():
    lead = "We treated 40 adults with axi-cel. A 61-year-old man developed cytokine release syndrome on day 2. "
    # a protocol's recommendation states a grade, not an occurrence: the patient's own mention stays a row
    text = lead + "Institutional guidelines recommended tocilizumab 8 mg/kg for grade 2 or higher CRS."
    assert any(s.kind == "toxicity" and s.text == "cytokine release syndrome" for s in suggest(text))
    # a study's power is no share of patients
    text = lead + "The sample size provided 80% power to detect a 20% reduction in severe CRS."
    assert all(s.fields.get("percent") != 80.0 for s in suggest(text))
    # a design named in a general statement is not this study's
    text = ("We treated 40 adults with axi-cel in our centre. Up to 30% of patients treated with CAR T cells may develop "
            "ICANS, according to registry data.")
    assert [s.fields["value"] for s in suggest(text) if s.kind == "design"] == []
    # ... but a study that calls itself a review in a modal sentence is one
    text = "In this review we summarise how CAR-T-associated coagulopathy might be recognised earlier."
    assert [s.fields["value"] for s in suggest(text) if s.kind == "design"] == ["review"]


@pytest.mark.parametrize(("name", "syndrome"), [
    ("Seizures", "ICANS"), ("Encephalopathy", "ICANS"), ("CAR-T-related encephalopathy syndrome", "ICANS"),
    ("Cytokine storm", "CRS"), ("Movement and neurocognitive treatment-emergent adverse events", "other"),
    ("Transaminase elevation", "other"),
])
def test_the_fields_names_for_a_toxicity_and_its_signs(name, syndrome):
    got = _row_set(f"We treated 40 adults with cilta-cel. {name} occurred in 3 patients (7.5%).")
    assert (syndrome, None, 3, 7.5) in got, got


@pytest.mark.parametrize(("text", "design", "n"), [
    ("Twenty-eight patients were enrolled; 25 received CAR T cells.", None, 25),
    ("We report three patients who developed parkinsonism after cilta-cel.", "case_series", 3),
    ("A total of 215 adults with relapsed LBCL were included in this real-world study.", "retrospective_cohort", 215),
])
def test_the_study_of_round_nine(text, design, n):
    from curator.extract.dev_scoring import study_design, study_n
    preds = [s.to_dict() for s in suggest("CAR T-cell therapy causes CRS. " + text)]
    assert (study_design(preds) if design else None, study_n(preds)) == (design, n)


@pytest.mark.parametrize(("text", "want"), [
    ("Patients received CAR T cells targeting CD19.", ("investigational", "CD19")),
    ("Patients received chimeric antigen receptor T cells directed against B-cell maturation antigen.",
     ("investigational", "BCMA")),
    ("Patients received huCART19-IL18.", ("investigational", "CD19")),
    ("Patients received zevorcabtagene autoleucel.", ("zevorcabtagene autoleucel", "BCMA")),
    ("Patients received arlo-cel.", ("arlocabtagene autoleucel", "GPRC5D")),
    ("Patients received durcabtagene autoleucel.", ("investigational", None)),  # an INN not in the vocabulary
])
def test_products_of_round_nine(text, want):
    got = [(s.fields["product"], s.fields["target"]) for s in suggest("We report outcomes after CAR-T therapy. " + text)
           if s.kind == "car_t_product"]
    assert want in got, got


def test_an_inn_named_as_a_point_of_reference_is_no_product():
    text = ("We treated 40 patients with BMS-986354. Compared to orvacabtagene autoleucel (same CAR construct), it had "
            "more central memory cells.")
    assert [s.fields["as_written"] for s in suggest(text) if s.kind == "car_t_product"] == []


@pytest.mark.parametrize(("text", "want"), [
    ("The hazard ratio for death was 0.62 (95% CI, 0.45-0.85; P = .003).", ("death", 0.62, 0.003, "HR")),
    ("Steroid exposure was associated with inferior PFS (HR = 1.42 [95% CI 1.05-1.93], p = 0.02).",
     ("PFS", 1.42, 0.02, "HR")),
    ("Progression did not differ (HR for progression 1.08, 95% CI 0.54–2.16).", ("progression", 1.08, None, "HR")),
])
def test_an_effect_size_named_in_words_or_its_test_after_the_interval(text, want):
    got = [(s.fields["analyte"], s.fields["value_a"], s.fields["p_value"], s.fields["unit"]) for s in suggest(
        "We analysed 120 patients treated with CD19 CAR T-cell therapy. " + text) if s.kind == "comparison"]
    assert got == [want], got


@pytest.mark.parametrize(("text", "want"), [
    ("Median times to CRS and ICANS onset were 2 (range, 1-9) and 6 (range, 2-14) days, respectively.",
     [("time to CRS", 2, "days", 1.0, 9.0), ("time to ICANS onset", 6, "days", 2.0, 14.0)]),
    ("Median follow-up: 14.2 months (95% CI, 12.0-17.5).", [("follow-up", 14.2, "months", 12.0, 17.5)]),
])
def test_medians_of_round_nine(text, want):
    got = [(s.fields["quantity"], s.fields["value"], s.fields["unit"], s.fields["low"], s.fields["high"])
           for s in suggest("We analysed 120 patients treated with CD19 CAR T-cell therapy. " + text) if s.kind == "median"]
    assert got == want, got


@pytest.mark.parametrize(("text", "what", "pct"), [
    ("Tocilizumab was required in 58% of patients.", "received Tocilizumab", 58.0),
    ("Prophylactic dexamethasone was given to all patients (100%).", "received Prophylactic dexamethasone", 100.0),
    ("Use of tocilizumab: 72 patients (60%).", "received tocilizumab", 60.0),
    ("The proportion of patients receiving dexamethasone was 45%.", "received dexamethasone", 45.0),
    ("Corticosteroid use (n = 48, 40%) did not affect outcomes.", "received Corticosteroid", 40.0),
    ("60 (50%) received corticosteroids and 72 (60%) tocilizumab.", "received tocilizumab", 60.0),
    ("CRS occurred in 90 patients (75%) and tocilizumab was given in 40 (33%).", "received tocilizumab", 33.0),
])
def test_the_agent_a_share_of_patients_received(text, what, pct):
    got = [(s.fields["what"], s.fields["percent"]) for s in suggest(
        "We analysed 120 patients treated with CD19 CAR T-cell therapy. " + text) if s.kind == "proportion"]
    assert (what, pct) in got, got
    # a share of an outcome among the agent's recipients is not its use
    assert [s.fields["what"] for s in suggest("We analysed 120 patients treated with CD19 CAR T-cell therapy. Among "
                                              "tocilizumab-treated patients, 45% developed ICANS.")
            if s.kind == "proportion" and s.fields["what"] and "tocilizumab" in s.fields["what"]] == []


def test_days_counted_after_a_hyphenated_infusion():
    assert _events("A 45-year-old man received axi-cel. Five days post-infusion, he developed aphasia.") == \
        [("he developed aphasia", 5)]


def test_or_in_words_is_no_odds_ratio():
    text = ("We did a meta-analysis of CAR T-cell studies. Infections developed in 52% (95% CI, 43–61) and were grade 3 "
            "or higher in 21% (95% CI, 16–27).")
    assert (21.0, 16.0, 27.0) in [(s.fields["value"], s.fields["ci_low"], s.fields["ci_high"]) for s in suggest(text)
                                  if s.kind == "rate"]


def test_fields_copied_from_the_text_quote_it_as_given():
    got = [s.fields["population"] for s in suggest("We treated 40 subjects with axi-cel.") if s.kind == "sample_size"]
    assert got == ["subjects"], got  # read as patients, quoted as written


def test_a_case_reports_dated_sentence_is_about_the_patient():
    text = ("A 58-year-old man with DLBCL received axi-cel. Grade 2 CRS resolved by day 5. Neutropenia persisted until "
            "day 34 despite filgrastim. Thrombocytopenia is a known complication of CAR T-cell therapy.")
    got = [s.fields["as_written"] for s in suggest(text) if s.kind == "toxicity" and s.fields["syndrome"] == "other"]
    assert got == ["Neutropenia"], got
    # in a cohort, a dated sentence is no one patient's
    text = ("We treated 60 adults with axi-cel. Neutropenia persisted until day 34 in most patients despite "
            "filgrastim.")
    assert [s for s in suggest(text) if s.kind == "toxicity" and s.fields["syndrome"] == "other"] == []


def test_the_causes_in_a_list_of_deaths_are_fatal_toxicities():
    lead = "We treated 48 patients with BCMA CAR T cells. "
    got = [(s.fields["as_written"], s.fields["count"], s.fields["grade_as_reported"]) for s in suggest(
        lead + "Four patients died during follow-up: two from disease progression, one from COVID-19 pneumonia and "
               "one from sepsis on day 71.") if s.kind == "toxicity"]
    assert got == [("COVID-19 pneumonia", 1, "fatal"), ("sepsis", 1, "fatal")], got
    got = [(s.fields["as_written"], s.fields["count"]) for s in suggest(
        lead + "Eight patients died of adverse events, six of them from infections.") if s.kind == "toxicity"]
    assert ("infections", 6) in got, got
    # outside a sentence about deaths, 'two from' counts nothing
    got = [s.fields["count"] for s in suggest(lead + "Two from the high-dose group developed CRS.") if s.kind == "toxicity"]
    assert got == [None], got


def test_a_web_pages_italic_markup_reads_as_its_letters():
    text = ("We enrolled 43 patients in cohorts receiving 20 (_N_ = 7), 40 (_N_ = 24) or 80 (_N_ = 12) × 10^6 CAR+ T cells "
            "of a BCMA CAR T. ICANS was more frequent at 80 than at 20 × 10^6 cells (31% vs 0%, _P_ = .04).")
    got = suggest(text)
    assert all(text[s.start:s.end] == s.text for s in got)
    assert [s.fields["n"] for s in got if s.kind == "sample_size"] == [43]  # arm sizes behind a dose are no sample
    c = [s for s in got if s.kind == "comparison"]
    assert [(s.fields["value_a"], s.fields["value_b"], s.fields["p_value"]) for s in c] == [(31, 0, 0.04)], c
    assert text[slice(*c[0].spans["p_value"])] == "_P_ = .04"


def test_a_full_stop_without_its_blank_still_ends_the_sentence():
    text = ("BACKGROUND: CRS is common after CAR T-cell therapy.METHODS: We treated 40 adults with axi-cel.RESULTS: CRS "
            "occurred in 30 patients (75%).Tocilizumab was given to 20 (50%).")
    got = suggest(text)
    assert all(text[s.start:s.end] == s.text for s in got)
    assert ("CRS", None, 30, 75.0) in _row_set(text)
    drugs = {s.fields["drug"]: s.fields.get("background_only", False) for s in got if s.kind == "drug"}
    assert drugs == {"tocilizumab": False}, drugs


def test_ligatures_and_invisible_characters_inside_words():
    text = ("A 50-year-old man received axi-cel. He developed grade 3 CRS on day 2 and received tocili\u00adzumab 8 mg/kg. "
            "Ferritin rose signi\ufb01cantly from 2140 ng/mL to 48900 ng/mL (P = .01).")
    got = suggest(text)
    assert all(text[s.start:s.end] == s.text for s in got)
    assert [(s.fields["drug"], s.fields["dose"]) for s in got if s.kind == "dose"] == [("tocilizumab", 8)]
    assert [(s.fields["direction"], s.fields["value_a"]) for s in got if s.kind == "comparison"] == [("increased", 2140)]
    assert any(s.kind == "dose" and s.text == "tocili\u00adzumab 8 mg/kg" for s in got)


def test_shares_compared_in_the_bracket_after_their_name():
    c = kinds("We compared 115 liso-cel with 112 standard-care patients. Grade 3 or higher neutropenia (83 [72%] of 115 "
              "vs 56 [50%] of 112) was more common.", "comparison")
    assert [(s.fields["analyte"], s.fields["value_a"], s.fields["value_b"]) for s in c] == \
        [("Grade 3 or higher neutropenia", 72, 50)], c
    assert c[0].text.endswith("of 112)")


def test_a_general_statement_with_shares_is_not_the_studys():
    lead = ("Chimeric antigen receptor T-cell therapy can cause cytokine release syndrome (CRS) in up to 90% of patients "
            "and neurotoxicity in up to 60%, and both may be fatal. ")
    got = _row_set(lead + "We treated 40 adults with axi-cel. CRS occurred in 30 (75%), and was grade 3 in 4 (10%).")
    assert {s for s in got if s[3] in (90.0, 60.0)} == set() and ("CRS", None, 30, 75.0) in got, got
    # ... and does not hide a contrast the study reports
    got = [s.fields for s in suggest(lead + "We compared 60 axi-cel with 60 tisa-cel recipients. ICANS of any grade was "
                                            "more frequent after axi-cel than after tisa-cel (52% vs 17%, P < .001).")
           if s.kind == "toxicity" and s.fields["syndrome"] == "ICANS"]
    assert any(f.get("percent") is None and f.get("grade_as_reported") == "any-grade" for f in got), got
