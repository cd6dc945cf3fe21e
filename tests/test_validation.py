"""Validation: what and where, for the bad input curators really type (messages name table, row, field)."""

from __future__ import annotations

import pytest

from curator.domain import validation
from curator.domain.numbers import parse_number
from curator.domain.outcomes import Comparison, Measurement, Record, TimeToEvent, Toxicity
from curator.domain.pvalues import parse_p
from curator.extract import suggest
from curator.extract.patterns import to_float


def _texts(rec: Record, level: str = "error") -> list[str]:
    return [m.text for m in validation.validate(rec) if m.level == level]


def test_each_mistake_is_named():
    rec = Record(paper_id=1)
    rec.study.n_enrolled = 10
    rec.comparisons.append(Comparison(analyte="IL-6", value_a=5.0, value_b=3.0, unit="furlongs", p_text="P = 1.5"))
    rec.time_to_event.append(TimeToEvent(endpoint="OS", rate=80.1, ci_low=94.6, ci_high=67.7))
    rec.time_to_event.append(TimeToEvent(endpoint="EFS", rate=120.0))
    rec.toxicities.append(Toxicity(syndrome="CRS", grading_system="MSKCC", grade=5, n_patients=12))
    rec.measurements.append(Measurement(analyte="temperature", value=50.0, unit="°C", day=3))
    rec.measurements.append(Measurement(analyte="ferritin", value=2.0, unit="pg/mL"))
    errs = _texts(rec)
    assert "Comparisons row 1, P as written: p-value 1.5 is outside (0, 1]" in errs
    assert "Comparisons row 1, Unit: unknown unit 'furlongs'" in errs
    assert "Survival row 1, CI low: CI low 94.6 is above CI high 67.7" in errs
    assert "Survival row 2, Rate %: 120 % is outside 0–100 %" in errs
    assert any(t.startswith("Toxicities row 1, Grade: grade 5 is not allowed by MSKCC for CRS") for t in errs)
    assert "Toxicities row 1, Patients: 12 patients is more than the study's N = 10" in errs
    assert "Measurements row 1, Value: temperature 50 °C is outside 30–45 °C" in errs
    assert any(t.startswith("Measurements row 2, Unit: 'pg/mL' is not a unit for ferritin") for t in errs)


def test_valid_values_pass_and_direction_is_only_a_warning():
    rec = Record(paper_id=1)
    rec.study.n_enrolled = 38
    rec.comparisons.append(Comparison(analyte="CAR-T cells", value_a=549.95, value_b=8.16, unit="cell/μl",
                                      p_text="P < 0.001", direction="increased"))
    rec.time_to_event.append(TimeToEvent(endpoint="EFS", rate=76.9, ci_level=95, ci_low=63.8, ci_high=92.6))
    rec.toxicities.append(Toxicity(syndrome="CRS", grading_system="ASTCT_2019", grade=4, n_patients=12))
    assert _texts(rec) == []
    (warn,) = _texts(rec, "warning")
    assert warn == "Comparisons row 1, Stated direction: the paper says 'increased' but the values go from 549.95 to 8.16"


def test_typed_text_is_coerced_or_refused_by_name():
    assert validation.coerce(Toxicity, "onset_day", "+11") == (11, None)
    assert validation.coerce(Toxicity, "onset_day", "11.5") == ("11.5", "11.5 must be a whole number")
    assert validation.coerce(Comparison, "value_a", "14·8") == (14.8, None)
    assert validation.coerce(Comparison, "value_a", "abc") == ("abc", "'abc' is not a number")
    assert validation.coerce(Toxicity, "syndrome", "crs") == ("CRS", None)


@pytest.mark.parametrize(("written", "expected"), [
    ("P < 0.001", ("<", 0.001)), ("P=.02", ("=", 0.02)), ("P-value = < 0·0001", ("<", 0.0001)),
    ("p ≤ 0.05", ("≤", 0.05)), ("p <= 0.05", ("≤", 0.05)), ("P < = 0.05", ("≤", 0.05)), ("P ⩽ 0.01", ("≤", 0.01)),
    ("P =< 0.05", ("<", 0.05)), ("p for trend = 0.04", ("=", 0.04)), ("p trend\u202f=\u202f0.042", ("=", 0.042)),
    ("P (two-sided) = 0.03", ("=", 0.03)), ("P = 1.2 × 10⁻⁶", ("=", 1.2e-6)), ("P = 1.2 x 10-6", ("=", 1.2e-6)),
    ("P=3e-5", ("=", 3e-5)), ("p = 0,05", ("=", 0.05)), ("< 0.05", ("<", 0.05)), ("NS", (">", 0.05)),
    ("P << 0.01", (None, None)), ("P", (None, None)), ("P = abc", (None, None)), ("", (None, None)),
])
def test_p_values_as_papers_write_them(written, expected):
    op, value = parse_p(written)
    assert op == expected[0]
    assert value == pytest.approx(expected[1]) if expected[1] is not None else value is None


def test_a_p_value_the_extractor_reads_validates():
    """The extractor and the store read p-values with one rule: what the extractor suggests, the form accepts."""
    text = "Fibre density fell (10.0 vs. 7.7 mm3/mm, p trend\u202f=\u202f0.042)."
    (s,) = [s for s in suggest(text) if s.kind == "comparison"]
    assert (s.fields["p_text"], s.fields["p_operator"], s.fields["p_value"]) == ("p trend\u202f=\u202f0.042", "=", 0.042)
    rec = Record(paper_id=1)
    rec.comparisons.append(Comparison(analyte="fibre density", value_a=10.0, value_b=7.7, p_text=s.fields["p_text"]))
    assert not [t for t in _texts(rec) if "P as written" in t]


@pytest.mark.parametrize(("written", "value"), [
    ("14·8", 14.8), ("1∙5", 1.5), ("21,984.11", 21984.11), ("21 984", 21984), ("21\u202f984", 21984),
    ("21\u00a0984", 21984), ("1,234 567", 1234567), ("−3", -3), ("‐2", -2), ("- 3", -3), (".02", 0.02),
    ("0,5", 0.5), ("1.2 × 10^6", 1.2e6), ("1.2 x 10⁶", 1.2e6), ("3e-5", 3e-5),
    ("abc", None), ("", None), ("nan", None), ("inf", None),
])
def test_numbers_as_papers_write_them(written, value):
    """One rule reads a written number for the forms and for the extractor."""
    assert parse_number(written) == (pytest.approx(value) if value is not None else None)
    if value is not None:
        assert to_float(written) == pytest.approx(value)
    else:
        with pytest.raises(ValueError, match="not a number"):
            to_float(written)
