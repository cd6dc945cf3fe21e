"""Medians, round six: general shapes the field writes medians in (own sentences, own numbers)."""

from __future__ import annotations

import time

import pytest

from curator.extract.engine import suggest


def _medians(text: str) -> list[tuple]:
    return [(s.fields["quantity"], s.fields["value"], s.fields.get("unit"), s.fields["low"], s.fields["high"])
            for s in suggest(text) if s.kind == "median"]


@pytest.mark.parametrize(("text", "want"), [
    # 'at/after a median of N UNIT', the range after words that say from when
    ("Seizures began at a median of 7 days after infusion (range, 3-16).",
     [("time from infusion to seizures onset", 7, "days", 3.0, 16.0)]),
    ("IL-10 peaked a median of 5 days after infusion (range 2-11), and IL-6 a median of 3 days after infusion "
     "(range 1-8).",
     [("time from infusion to IL-10 peak", 5, "days", 2.0, 11.0), ("time from infusion to IL-6 peak", 3, "days", 1.0, 8.0)]),
    ("Thirty-one patients (52%) received siltuximab, a median of 2.5 days (IQR, 2-4) after infusion.",
     [("time from infusion to siltuximab", 2.5, "days", 2.0, 4.0)]),
    ("Platelet recovery occurred after a median of 41 days from the first dose.",
     [("time from first dose to platelet recovery", 41, "days", None, None)]),
    ("Grade 3 thrombocytopenia persisted for a median of 9 days (range, 4-30).",
     [("duration of grade 3 thrombocytopenia", 9, "days", 4.0, 30.0)]),
    ("Patients were followed for a median of 22 months (range, 6-40).", [("follow-up", 22, "months", 6.0, 40.0)]),
    ("Nine of 12 patients improved, at a median of 6 weeks (range, 2-20).", [(None, 6, "weeks", 2.0, 20.0)]),
    # the counted thing, its range after words
    ("Bridging consisted of a median of 3 cycles of chemotherapy (range, 1-5).",
     [("cycles", 3, None, 1.0, 5.0)]),
    ("Anakinra was given for a median of 6 doses (range, 3-12).", [("doses", 6, None, 3.0, 12.0)]),
    # a bracket defining the quantity, numbers and all, before 'was'; the value after 'median age,'
    ("The median duration of lymphopenia (ALC < 0.2 × 10⁹/L) was 19 days (IQR, 11-27).",
     [("duration of lymphopenia (ALC < 0.2 × 10⁹/L)", 19, "days", 11.0, 27.0)]),
    ("Forty patients were treated (median age, 47 years; range, 19-70).", [("age", 47, "years", 19.0, 70.0)]),
    # medians by subgroup after the first: one each, its IQR and its subgroup in the quantity
    ("The median time to ICANS was 5 days (IQR, 3-7) with axi-cel and 7 days (IQR, 5-9) with brexu-cel.",
     [("time to ICANS, axi-cel", 5, "days", 3.0, 7.0), ("time to ICANS, brexu-cel", 7, "days", 5.0, 9.0)]),
    ("The median length of stay was 11 days (IQR, 9-14) overall, 16 days (IQR, 12-21) in the ICU group and "
     "9 days (IQR, 8-12) in the ward group.",
     [("length of stay, overall", 11, "days", 9.0, 14.0), ("length of stay, ICU group", 16, "days", 12.0, 21.0),
      ("length of stay, ward group", 9, "days", 8.0, 12.0)]),
    # two medians named together, their values in the same order, 'respectively'
    ("The median times to CRS and ICANS onset were 3 (range, 1-8) and 7 days (range, 4-15), respectively.",
     [("time to CRS", 3, "days", 1.0, 8.0), ("time to ICANS onset", 7, "days", 4.0, 15.0)]),
    ("Median EFS and OS were 10.4 and 27.9 months, respectively.",
     [("EFS", 10.4, "months", None, None), ("OS", 27.9, "months", None, None)]),
    # a later number of another kind is not a median of the list
    ("The median follow-up was 20 months (range, 4-38), and 12 in the control arm relapsed.",
     [("follow-up", 20, "months", 4.0, 38.0)]),
])
def test_medians_written_in_general_shapes(text, want):
    assert _medians(text) == want


@pytest.mark.parametrize("text", [
    # one side of a comparison that shares the median word
    "The median time to discharge was 4 days for day-hospital patients (IQR, 2-6) compared with 9 days for "
    "inpatients (IQR, 7-13; P < .001).",
    "Median peak ferritin was 2,310 ng/mL in patients with IEC-HS compared with 610 ng/mL in those without (P = .01).",
    # one side of a from-to change
    "The CAR-HEMATOTOX score fell from a median of 3 (IQR, 2-4) before bridging to 1 (IQR, 0-2) at infusion.",
    "IL-6 rose from a median of 22 pg/mL at baseline to 310 pg/mL at peak.",
])
def test_a_side_of_a_comparison_or_of_a_change_is_not_a_median(text):
    assert _medians(text) == []


def test_both_sides_written_as_medians_are_medians():
    text = "Disability was lower at relapse (median score 2, range 1-3, vs median score 4, range 2-5)."
    assert [(v, lo, hi) for _, v, _, lo, hi in _medians(text)] == [(2, 1.0, 3.0), (4, 2.0, 5.0)]


def test_an_unnamed_median_is_offered_with_lower_confidence():
    named = [s for s in suggest("ICANS began at a median of 7 days after infusion.") if s.kind == "median"]
    unnamed = [s for s in suggest("Nine of 12 patients improved, at a median of 6 weeks.") if s.kind == "median"]
    assert [s.fields["quantity"] for s in unnamed] == [None] and unnamed[0].rule == "median.unnamed"
    assert unnamed[0].confidence < named[0].confidence


def test_the_evidence_quotes_the_median_and_its_late_range_but_no_share_of_the_clause():
    text = ("Facial palsy developed in 20 patients after CAR-T cell infusion. Seventy percent (14/20) recovered "
            "completely, at a median of 12 days (range, 5-33) after onset.")
    m = [s for s in suggest(text) if s.kind == "median"]
    assert [(s.text, s.fields["quantity"]) for s in m] == [
        ("at a median of 12 days (range, 5-33) after onset", "time from onset to recovery")]
    # the share stays a suggestion of its own (a median's evidence hides the shares inside it)
    assert any(s.fields.get("percent") == 70.0 for s in suggest(text) if s.kind != "median")


def test_the_whole_rule_stays_bounded_on_backtracking_inputs():
    # (each pattern of medians.py alone is run on such inputs by tests/test_regex_bounds.py)
    inputs = ["1 " * 5000, "1" * 10000, "1, " * 3300, "(" * 10000, "a " * 5000, "in a and " * 1100, "a" * 10000,
              "median (a 1) " * 800, "median of 1 days after a (" * 400, " with a and 1 days (IQR, 1-" * 300,
              "from a " * 1500]
    for text in inputs:  # and the whole rule on them
        t0 = time.perf_counter()
        suggest(text)
        assert time.perf_counter() - t0 < 2.0, text[:20]
