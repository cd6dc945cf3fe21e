"""Controlled vocabularies: normalisation, matching, loaders, grading and unit helpers."""

from __future__ import annotations

import json

import pytest

from curator import paths
from curator.domain import units, vocabulary
from curator.domain.vocabulary import normalize_key

# ------------------------------------------------------------------ normalisation

@pytest.mark.parametrize(("a", "b"), [
    ("IFN-γ", "IFN gamma"), ("IFN-γ", "ifn.Gamma"), ("TNF-α", "TNF alpha"), ("IL-1β", "IL 1 beta"),
    ("µL", "μL"), ("cells/µL", "cells/uL"), ("CAR-T", "CAR T"), ("CAR-T", "car.t"), ("tisa-cel", "tisacel"),
    ("KTE–X19", "KTE-X19"),  # en dash
])
def test_normalize_key_equivalences(a, b):
    assert normalize_key(a) == normalize_key(b)


def test_normalize_key_keeps_what_matters():
    assert normalize_key("IL-2") != normalize_key("IL-20")
    assert normalize_key("CD3+") == "cd3+"
    assert normalize_key("TNF-α") == "tnfalpha"


# ------------------------------------------------------------------ analytes

@pytest.mark.parametrize("written", ["IFN-γ", "IFN-gamma", "IFNg", "interferon gamma", "Interferon-γ", "IFNγ",
                                     "IFN gamma", "interferon-γ"])
def test_ifn_gamma_spellings(written):
    m = vocabulary.analytes().match(written)
    assert m is not None and m.canonical == "IFN-γ" and m.as_written == written


@pytest.mark.parametrize("written", ["TNF-α", "TNF-alpha", "tumor necrosis factor", "TNFα", "tumour necrosis factor"])
def test_tnf_alpha_spellings(written):
    assert vocabulary.analytes().canonical(written) == "TNF-α"


def test_analyte_entries_carry_ids_units_and_categories():
    a = vocabulary.analytes()
    assert a.match("IL-2").entry["ncbi_gene"] == 3558
    assert a.match("IL-10").entry["ncbi_gene"] == 3586
    assert a.match("IFN-γ").entry["ncbi_gene"] == 3458
    assert a.match("TNF-α").entry["ncbi_gene"] == 7124
    assert a.match("IL-6").entry["ncbi_gene"] == 3569
    assert a.match("sIL-2R").canonical == "sCD25"
    assert a.match("soluble CD25").entry["ncbi_gene"] == 3559
    assert a.match("CAR-T cell counts").canonical == "CAR-T cell count"
    assert a.match("ratio of CAR-T to CD3+").canonical == "CAR-T/CD3+ ratio"
    assert a.match("C-reactive protein").canonical == "CRP"
    assert a.match("absolute neutrophil count").canonical == "ANC"
    assert a.match("temperature").entry["category"] == "vital sign"
    cats = {e["category"] for e in a}
    assert cats == {"cytokine", "acute phase", "liver", "coagulation", "CAR-T kinetics", "blood count", "vital sign"}


def test_fuzzy_matching_is_conservative():
    a = vocabulary.analytes()
    m = a.match("interleukn-6")  # typo
    assert m is not None and m.canonical == "IL-6" and m.method == "fuzzy"
    assert a.match("ferritn").canonical == "ferritin"
    assert a.match("interleukin 8") is None  # digits must agree
    assert a.match("IL-7") is None  # short codes are never matched fuzzily
    assert a.match("TNF-β") is None  # Greek letters must agree
    assert a.match("IL-6", fuzzy=False).method == "exact"
    assert vocabulary.syndromes().match("CRX") is None


def test_short_codes_are_case_sensitive_in_running_text():
    hits = vocabulary.analytes().find_all("We got the AST and GOT values; the ast was high.")
    assert [h.as_written for h in hits] == ["AST", "GOT"]
    assert vocabulary.analytes().match("got").canonical == "AST"  # a single field may be typed in lower case


def test_find_all_offsets_and_longest_match():
    text = "IFN-γ, IFN gamma and γ-interferon; IL-2 (not IL-20 or IL-2R); the ratio of CAR-T to CD3+ rose."
    hits = vocabulary.analytes().find_all(text)
    assert [(h.canonical, text[h.start:h.end]) for h in hits] == [
        ("IFN-γ", "IFN-γ"), ("IFN-γ", "IFN gamma"), ("IFN-γ", "γ-interferon"), ("IL-2", "IL-2"),
        ("CAR-T/CD3+ ratio", "ratio of CAR-T to CD3+"),
    ]
    for h in hits:
        assert text[h.start:h.end] == h.as_written


def test_find_all_many_shares_one_pass():
    text = "Tocilizumab for CRS after tisa-cel; IL-6 rose."
    a, d, p = vocabulary.find_all_many(text, (vocabulary.analytes(), vocabulary.drugs(), vocabulary.products()))
    assert [h.canonical for h in a] == ["IL-6"]
    assert [h.canonical for h in d] == ["tocilizumab"]
    assert [h.canonical for h in p] == ["tisagenlecleucel"]


# ------------------------------------------------------------------ products and drugs

@pytest.mark.parametrize(("written", "canonical"), [
    ("tisagenlecleucel", "tisagenlecleucel"), ("Kymriah", "tisagenlecleucel"), ("tisa-cel", "tisagenlecleucel"),
    ("CTL019", "tisagenlecleucel"), ("axi-cel", "axicabtagene ciloleucel"), ("Yescarta", "axicabtagene ciloleucel"),
    ("KTE-X19", "brexucabtagene autoleucel"), ("brexu-cel", "brexucabtagene autoleucel"),
    ("Breyanzi", "lisocabtagene maraleucel"), ("obe-cel", "obecabtagene autoleucel"), ("bb2121", "idecabtagene vicleucel"),
    ("Carvykti", "ciltacabtagene autoleucel"), ("relma-cel", "relmacabtagene autoleucel"),
    ("Fucaso", "equecabtagene autoleucel"), ("investigational CAR-T products", "investigational"),
])
def test_products(written, canonical):
    assert vocabulary.products().canonical(written) == canonical


def test_products_have_targets_and_codes_match_exactly_only():
    p = vocabulary.products()
    assert len(p) == 17
    assert p.match("ide-cel").entry["target"] == "BCMA"
    assert p.match("zevor-cel").entry["target"] == "BCMA" and p.match("CNCT19").entry["target"] == "CD19"
    assert p.match("Kymriah").entry["target"] == "CD19"
    assert p.match("CTL018") is None  # a code is never fuzzy-matched
    assert p.match("Kymria").canonical == "tisagenlecleucel"  # a brand may carry a typo


@pytest.mark.parametrize(("written", "canonical", "role"), [
    ("tocilizumab", "tocilizumab", "toxicity treatment"), ("Actemra", "tocilizumab", "toxicity treatment"),
    ("glucocorticoids", "corticosteroids", "toxicity treatment"), ("steroids", "corticosteroids", "toxicity treatment"),
    ("high-dose corticosteroids", "corticosteroids", "toxicity treatment"), ("Jakafi", "ruxolitinib", "toxicity treatment"),
    ("Gamifant", "emapalumab", "toxicity treatment"), ("Kineret", "anakinra", "toxicity treatment"),
    ("Sylvant", "siltuximab", "toxicity treatment"), ("fludarabine", "fludarabine", "lymphodepletion"),
    ("cyclophosphamide", "cyclophosphamide", "lymphodepletion"), ("IVIg", "IVIG", "toxicity treatment"),
    ("norepinephrine", "vasopressors", "toxicity treatment"), ("dasatinib", "dasatinib", "toxicity treatment"),
    ("etoposide", "etoposide", "toxicity treatment"), ("methylprednisolone", "methylprednisolone", "toxicity treatment"),
])
def test_drugs(written, canonical, role):
    m = vocabulary.drugs().match(written)
    assert m is not None and m.canonical == canonical and m.entry["role"] == role


def test_drug_identifiers_from_domain():
    d = vocabulary.drugs()
    assert d.match("tocilizumab").entry["drugbank"] == "DB06273"
    assert d.match("tocilizumab").entry["mesh"] == "C502936"
    assert d.match("emapalumab").entry["mesh"] == "C000644327"
    assert d.match("anakinra").entry["drugbank"] == "DB00026"
    assert d.match("siltuximab").entry["drugbank"] == "DB09036"
    assert d.match("ruxolitinib").entry["drugbank"] == "DB08877"
    assert d.match("dexamethasone").entry["drugbank"] == "DB01234"
    assert "IFN" in d.match("emapalumab").entry["target"]


# ------------------------------------------------------------------ syndromes and grades

def test_syndromes_and_synonyms():
    s = vocabulary.syndromes()
    assert s.canonical("cytokine release syndrome") == "CRS"
    assert s.canonical("immune effector cell-associated neurotoxicity syndrome") == "ICANS"
    assert s.canonical("Immune effector cell-associated HLH-like syndrome") == "IEC-HS"
    assert s.canonical("carHLH") == "IEC-HS"
    assert s.canonical("macrophage activation syndrome") == "HLH/MAS"
    assert s.canonical("ICAHT") == "ICAHT"
    assert s.canonical("other") == "other"
    assert s.match("CRS").entry["mondo"] == "MONDO:0600008"


def test_grades_for():
    assert vocabulary.grades_for("CRS", "ASTCT_2019") == [1, 2, 3, 4, 5]
    assert vocabulary.grades_for("cytokine release syndrome", "astct_2019") == [1, 2, 3, 4, 5]
    for system in ("CTCAE_V5", "LEE_2014", "PENN"):
        assert vocabulary.grades_for("CRS", system) == [1, 2, 3, 4, 5]
    assert vocabulary.grades_for("IEC-HS", "HINES_2023") == [1, 2, 3, 4, 5]
    assert vocabulary.grades_for("IEC-HS", "HLH_2004") == []  # criteria, no grades
    assert vocabulary.grades_for("HLH/MAS", "HSCORE") == []  # a score, no grades
    assert vocabulary.grades_for("CRS", "HINES_2023") == []  # does not apply to CRS
    assert vocabulary.grades_for("CRS", None) is None
    assert vocabulary.grades_for("CRS", "no such system") is None
    assert vocabulary.grades_for("not a syndrome", "ASTCT_2019") is None
    assert vocabulary.grades_for("CRS", "MSKCC") == [1, 2, 3, 4]
    assert vocabulary.grades_for("ICANS", "CARTOX") == [1, 2, 3, 4]
    assert set(vocabulary.grading_systems()) >= {"ASTCT_2019", "CTCAE_V5", "LEE_2014", "PENN", "MSKCC", "CARTOX",
                                                 "HINES_2023", "HLH_2004", "HSCORE", "author_defined"}


def test_allowed_units():
    assert vocabulary.allowed_units("IL-6") == {"pg/mL", "ng/L", "ng/mL"}
    assert "Cel" in vocabulary.allowed_units("temperature")
    assert vocabulary.allowed_units("CAR-T/CD3+ ratio") == {"%"}
    assert vocabulary.allowed_units("no such analyte") is None
    assert vocabulary.default_unit("IFN-gamma") == "pg/mL"


# ------------------------------------------------------------------ files

def test_vocabulary_files_are_consistent():
    for name in ("car_t_products.json", "management_drugs.json", "analytes.json", "syndromes.json", "endpoints.json"):
        data = json.loads((paths.vocabularies() / name).read_text(encoding="utf-8"))
        ids = [e["id"] for e in data["entries"]]
        assert len(ids) == len(set(ids)), name
        assert all(e.get("name") for e in data["entries"]), name
    for e in vocabulary.analytes():
        assert units.parse_unit(e["default_unit"]) is not None, e["id"]
        assert e["default_unit"] in e["allowed_units"], e["id"]
        for u in e["allowed_units"]:
            parsed = units.parse_unit(u)
            assert parsed is not None and parsed.code == u, (e["id"], u)


def test_no_term_names_two_entries():
    for v in (vocabulary.products(), vocabulary.drugs(), vocabulary.analytes(), vocabulary.syndromes()):
        seen: dict[str, str] = {}
        for e in v:
            for t in v.terms(e["id"]):
                k = normalize_key(t)
                assert seen.setdefault(k, e["id"]) == e["id"], (v.name, t)


def test_form_choices_are_the_vocabulary_lists():
    """The Syndrome and Grading system choices the forms offer are the ones the vocabulary grades against."""
    from curator.domain.outcomes import GRADING_SYSTEMS, SYNDROMES

    assert GRADING_SYSTEMS == tuple(vocabulary.grading_systems())
    assert SYNDROMES == tuple(vocabulary.syndromes().ids())
