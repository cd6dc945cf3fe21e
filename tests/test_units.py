"""Units as written → UCUM-like codes; only the conversions that are safe."""

from __future__ import annotations

import pytest

from curator.domain.units import convert, parse_unit, standardize


@pytest.mark.parametrize(("written", "code", "display"), [
    ("pg/ml", "pg/mL", "pg/mL"), ("pg/mL", "pg/mL", "pg/mL"), ("pg mL-1", "pg/mL", "pg/mL"), ("pg mL−1", "pg/mL", "pg/mL"),
    ("ng/L", "ng/L", "ng/L"), ("μl", "uL", "µL"), ("µl", "uL", "µL"), ("℃", "Cel", "°C"), ("°C", "Cel", "°C"),
    ("° C", "Cel", "°C"), ("°F", "[degF]", "°F"), ("cell/μl", "/uL", "cells/µL"), ("cells/µL", "/uL", "cells/µL"),
    ("copies/µg", "{copies}/ug", "copies/µg DNA"), ("copies/μg DNA", "{copies}/ug", "copies/µg DNA"),
    ("×10^9/L", "10*9/L", "×10⁹/L"), ("10^9/L", "10*9/L", "×10⁹/L"), ("× 10⁹/L", "10*9/L", "×10⁹/L"),
    ("x10^9/L", "10*9/L", "×10⁹/L"), ("10^3/µL", "10*3/uL", "×10³/µL"), ("%", "%", "%"), ("mg/dL", "mg/dL", "mg/dL"),
    ("mg/L", "mg/L", "mg/L"), ("g/L", "g/L", "g/L"), ("mmol/L", "mmol/L", "mmol/L"), ("U/L", "U/L", "U/L"),
    ("IU/mL", "IU/mL", "IU/mL"), ("mcg/mL", "ug/mL", "µg/mL"), ("cells/mm³", "/mm3", "cells/mm³"),
    ("mg/kg", "mg/kg", "mg/kg"), ("mg/m2", "mg/m2", "mg/m²"), ("mg/m(2)", "mg/m2", "mg/m²"),
    ("10^6 cells/kg", "10*6/kg", "×10⁶/kg"), ("× 10^6 CAR-T cells/kg", "10*6/kg", "×10⁶/kg"),
    ("months", "mo", "months"), ("days", "d", "days"),
])
def test_parse_unit(written, code, display):
    u = parse_unit(written)
    assert u is not None, written
    assert (u.code, u.display, u.as_written) == (code, display, written)


def test_parse_unit_keeps_the_d_dimer_basis():
    assert parse_unit("mg/L FEU").basis == "FEU"
    assert parse_unit("ng/mL (DDU)").basis == "DDU"
    assert parse_unit("mg/L FEU").code == "mg/L"


@pytest.mark.parametrize("junk", [None, "", "   ", "banana", "pg/banana", "vs"])
def test_parse_unit_rejects(junk):
    assert parse_unit(junk) is None


@pytest.mark.parametrize(("value", "a", "b", "analyte", "expected"), [
    (32.35, "pg/ml", "ng/L", None, 32.35),
    (5.0, "ng/mL", "µg/L", "ferritin", 5.0),
    (2.0, "mg/dL", "mg/L", "CRP", 20.0),
    (20.0, "mg/L", "mg/dL", "CRP", 2.0),
    (3.5, "g/L", "mg/dL", "fibrinogen", 350.0),
    (3.0, "mmol/L", "mg/dL", "triglycerides", 265.71),
    (1.5, "10^9/L", "10^3/µL", "ANC", 1.5),
    (500.0, "cells/µL", "10^9/L", None, 0.5),
    (102.2, "°F", "°C", "temperature", 39.0),
    (40.0, "U/L", "IU/L", "ALT", 40.0),
])
def test_safe_conversions(value, a, b, analyte, expected):
    v, desc = convert(value, a, b, analyte)
    assert v == pytest.approx(expected, rel=1e-6)
    assert desc


def test_triglycerides_mg_dl_to_mmol_l():
    v, desc = convert(265.0, "mg/dL", "mmol/L", "triglycerides")
    assert v == pytest.approx(265 / 88.57, rel=1e-6)
    assert "88.57" in desc


@pytest.mark.parametrize(("a", "b", "analyte", "reason"), [
    ("mg/L FEU", "ng/mL DDU", "D-dimer", "FEU"),
    ("U/mL", "pg/mL", "sCD25", "assay"),
    ("copies/µg", "cells/µL", None, "copies"),
    ("mg/dL", "mmol/L", "bilirubin", "molar"),
    ("%", "cells/µL", None, "percentage"),
    ("U/mL", "IU/mL", None, "international"),
    ("pg/mL", "banana", None, "unknown"),
])
def test_unsafe_conversions_are_refused(a, b, analyte, reason):
    v, why = convert(10.0, a, b, analyte)
    assert v is None
    assert reason.lower() in why.lower()


def test_same_unit_is_not_a_conversion():
    assert convert(3.0, "pg/ml", "pg/mL") == (3.0, "same unit")


def test_standardize():
    assert standardize(2.1, "mg/dL", "CRP")[:2] == (21.0, "mg/L")
    assert standardize(39.0, "℃", "temperature")[:2] == (39.0, "Cel")
    assert standardize(1200.0, "pg/ml", "IL-6")[:2] == (1200.0, "pg/mL")
    assert standardize(3.5, "g/L", "fibrinogen")[:2] == (350.0, "mg/dL")
    assert standardize(102.2, "°F", "temperature")[0] == pytest.approx(39.0)
    v, u, why = standardize(1000.0, "pg/mL", "sCD25")  # default unit is U/mL: refused
    assert (v, u) == (None, None) and "assay" in why
    assert standardize(5.0, "mg", "no such analyte")[2].startswith("unknown analyte")
