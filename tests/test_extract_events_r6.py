"""Timeline events, round six (issue 16): the shapes of a case's timeline the extractor now reads, and the shapes
of a cohort's schedules and horizons it leaves alone. Every sentence is written here, with its own numbers (none
is copied from a labelled set)."""

from __future__ import annotations

import pytest

from curator.extract import cohort, suggest
from curator.extract.context import Doc

CASE = "We report a 47-year-old woman with refractory mantle cell lymphoma who received brexu-cel. "
SERIES = "We describe three patients with myeloma who developed late toxicity after cilta-cel. "
COHORT = "We retrospectively analyzed 163 patients treated with CD19 CAR T cells at two centers. "
TRIAL = "In this phase 2 trial, 58 patients received an academic CD19 CAR T-cell product. "


def days(text: str) -> list[int]:
    return sorted(s.fields["day"] for s in suggest(text) if s.kind == "event")


def evs(text: str) -> list:
    return sorted((s for s in suggest(text) if s.kind == "event"), key=lambda s: (s.fields["day"], s.start))


# ------------------------------------------------------------------ the design decision is the project's one rule

def test_events_ask_the_cohort_rule_for_the_design_and_it_is_read_once():
    doc = Doc(CASE + "A bone marrow biopsy on day 30 showed no residual disease.")
    assert cohort.study_design(doc) == "case_report"
    assert doc._design_class == "case_report"  # decided once per text, kept with the text
    assert cohort.study_design(Doc(SERIES)) == "case_series"
    assert cohort.study_design(Doc(COHORT)) == "retrospective_cohort"
    assert cohort.study_design(Doc("Ferritin rose on day 5.")) is None


# ------------------------------------------------------------------ signed days are points of a timeline

def test_a_signed_day_after_a_dose_is_the_day_it_was_given():
    # (a dose before a signed day: not a schedule, in any design)
    assert days(CASE + "Bendamustine 70 mg/m2 on day +47 was followed by a second infusion.") == [47]
    assert days(TRIAL + "One patient received siltuximab 11 mg/kg on day +9 for refractory CRS.") == [9]


def test_two_signed_days_joined_by_and_are_two_points():
    ev = evs(CASE + "Siltuximab 11 mg/kg was given on days +21 and +22 for persistent fever.")
    assert [e.fields["day"] for e in ev] == [21, 22]
    assert all("window" not in e.fields and e.rule == "event.days" for e in ev)
    assert ev[0].fields["event"] == "siltuximab given"


def test_days_joined_by_and_in_a_case_report_and_a_window_heading_its_sentence():
    # unsigned, but in a case report: the days the patient was given the drug
    assert [(e.fields["day"], e.rule) for e in evs(CASE + "She received siltuximab 11 mg/kg on days 5 and 6.")] == [
        (5, "event.days"), (6, "event.days")]
    ev = evs(CASE + "On days +3 and +4 she received anakinra 100 mg for fever.")
    assert [e.fields["day"] for e in ev] == [3, 4] and ev[0].fields["event"].startswith("she received anakinra")
    ev = evs(CASE + "From day +6 to day +11 she had recurrent fever.")
    assert [(e.fields["day"], e.fields["window"]) for e in ev] == [(6, "start"), (11, "end")]
    # a window heading an observing clause in a trial is the study's observation window
    assert days(TRIAL + "From day 1 to day 14, patients were monitored daily.") == []


def test_unsigned_days_after_a_dose_in_a_trial_stay_a_schedule():
    assert days(TRIAL + "Rituximab 375 mg/m2 was given on days 1 and 15 of each cycle.") == []
    assert days(TRIAL + "Patients received etoposide 100 mg/m2 on day 2.") == []


# ------------------------------------------------------------------ values read on a day of a case

def test_lab_values_read_on_days_of_a_case_are_events():
    ev = evs(CASE + "Her CRP rose from 41 mg/L on day +2 to 288 mg/L on day +6, and fibrinogen fell.")
    assert [e.fields["day"] for e in ev] == [2, 6]
    assert ev[1].fields["event"].startswith("CRP 288 mg/L") and ev[1].text == "288 mg/L on day +6"
    # unsigned days and a thousands group written with a space, in a case report
    assert days(CASE + "Ferritin climbed from 1450 ng/mL on day 3 to 27 300 ng/mL on day 8 despite anakinra.") == [3, 8]
    assert days(SERIES + "In the second patient the transgene level was 2700 copies/µg DNA on day 10.") == [10]


def test_a_value_on_a_day_in_a_cohort_is_a_measure_not_an_event():
    assert days(COHORT + "An IL-6 above 450 pg/mL on day 3 predicted grade 3 or higher ICANS.") == []


# ------------------------------------------------------------------ a day heading its sentence or clause

def test_a_day_heading_the_sentence_with_an_aside_then_the_event():
    ev = evs(CASE + "On day +6, although still febrile, she developed a generalized seizure.")
    assert [(e.fields["day"], e.fields["event"]) for e in ev] == [(6, "she developed a generalized seizure")]


def test_a_day_heading_a_clause_after_a_semicolon_names_what_follows():
    ev = evs(CASE + "On day +17 she reported tremor; by day +29 she had marked rigidity and a slow gait.")
    assert [(e.fields["day"], e.fields["event"]) for e in ev] == [(17, "she reported tremor"),
                                                                 (29, "she had marked rigidity")]


def test_a_long_clause_after_the_day_is_named_up_to_its_qualifier():
    ev = evs(CASE + "On day +4 she developed grade 3 cytokine release syndrome with hypoxia requiring high-flow oxygen.")
    assert [(e.fields["day"], e.fields["event"]) for e in ev] == [(4, "she developed grade 3 cytokine release syndrome")]


def test_a_day_that_is_the_subject_is_not_a_heading():
    assert days(COHORT + "Day 90 was the landmark of the response analysis.") == []
    assert days(COHORT + "Day 14 was uneventful for most of them.") == []
    # an observation after a heading day in a cohort is a horizon
    assert days(TRIAL + "At day 28, patients were evaluated for response by PET-CT.") == []


# ------------------------------------------------------------------ more than one event on one day

def test_a_treatment_when_clause_is_a_second_event_of_that_day():
    ev = evs(CASE + "Fever progressed to grade 2 CRS on day +4, when she received tocilizumab 8 mg/kg.")
    assert [e.fields["day"] for e in ev] == [4, 4]
    assert ev[1].fields["event"] == "she received tocilizumab 8 mg/kg"
    assert ev[0].end <= ev[1].start  # two separate spans: two events, not one said twice


def test_a_coordinated_passive_clause_of_a_day_headed_sentence_happened_that_day():
    ev = evs(CASE + "On day +7 he developed dysgraphia, consistent with grade 2 ICANS, and methylprednisolone 1 g "
                    "daily was started.")
    assert [e.fields["day"] for e in ev] == [7, 7]
    assert ev[1].fields["event"].startswith("methylprednisolone")
    # ... unless the clause states its own time
    assert days(CASE + "On day +7 he developed dysgraphia, and methylprednisolone was started two days later.") == [7]


# ------------------------------------------------------------------ examinations: a case's event, a cohort's horizon

def test_an_examination_on_a_day_is_an_event_in_a_case_and_a_horizon_in_a_cohort():
    sentence = "A bone marrow examination on day 56 showed an MRD-negative complete remission."
    assert days(CASE + sentence) == [56]
    assert days(SERIES + sentence) == [56]
    assert days(COHORT + sentence) == []
    assert days(CASE + "Response was evaluated on day +30 and showed a complete metabolic response.") == [30]
    assert days(COHORT + "Response was evaluated on day 30 by PET-CT.") == []


# ------------------------------------------------------------------ schedules and horizons that are not events

@pytest.mark.parametrize("text", [
    COHORT + "CRP and ferritin were measured at baseline and daily through day 21.",          # a sampling schedule
    COHORT + "Dexamethasone 8 mg every 12 hours until day 5 was given as prophylaxis.",         # a dosing schedule
    COHORT + "Prophylactic levetiracetam was given twice daily through day 30.",
    COHORT + "A day-5 ferritin above 4000 ng/mL predicted IEC-HS.",                             # the day modifies a noun
    COHORT + "The day 28 assessment showed a complete response in 61 patients.",
    COHORT + "Late neutropenia was found in 34% of the 140 patients alive and evaluable at day 60.",
])
def test_schedules_modifiers_and_horizons_are_not_events(text):
    assert days(text) == [], [e.fields for e in evs(text)]


def test_a_day_modifier_does_not_swallow_a_verb_before_an_outcome_word():
    # 'on day +45 revealed a complete response': the day something was found, not a 'day-45 response'
    assert days(CASE + "A PET-CT scan on day +45 revealed a complete response.") == [45]


# (every pattern of events.py is also run on backtracking inputs by tests/test_regex_bounds.py)

def test_a_lymphodepletion_window_followed_by_the_infusion_is_a_timeline_in_a_trial_too():
    from curator.extract import suggest
    text = ("We report a phase 1 trial of CD22 CAR T cells in 31 children. Patients received fludarabine and "
            "cyclophosphamide on days -4 to -2, followed by CAR T cells.")
    assert sorted(s.fields["day"] for s in suggest(text) if s.kind == "event") == [-4, -2]
