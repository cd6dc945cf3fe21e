"""Dual extraction of the pediatric seed (issue 19): rows matched by what they are about, the exact
disagreement list, Cohen's κ, and a consensus whose every value keeps both sources — through the store."""

from __future__ import annotations

from fractions import Fraction

import pytest
from sklearn.metrics import cohen_kappa_score

from curator.domain import agreement as ag
from curator.domain.agreement import ROW, Pick, Tolerance
from curator.domain.outcomes import Comparison, Exposure, Span, Toxicity
from curator.services import compare, curation, extractions
from curator.services.library import open_library
from tests.dual_helpers import curator_a, curator_b


@pytest.fixture
def seeded(library_path):
    lib, _ = open_library(library_path, seed=True)
    pid = lib.list_papers(search="pediatric emapalumab")[0].id
    abstract = lib.get_paper(pid).abstract
    yield lib, pid, abstract
    lib.close()


def _span(abstract: str, quote: str, extracted_by: str | None = None, settled: str | None = None) -> Span:
    i = abstract.index(quote)
    return Span(i, i + len(quote), quote, "abstract", "curator", None, extracted_by, settled)


OS_QUOTE = "an OS rate of 80.1% (95% CI, 67.7-94.6)"
EXPECTED = [  # (table, field, a, b, kind, row)
    ("studies", "design", "retrospective", "retrospective cohort", "value differs", "study"),
    ("studies", "n_enrolled", 38, 36, "value differs", "study"),
    ("exposures", "indication", "CRS", None, "value only in A", "corticosteroids"),
    ("toxicities", "syndrome", None, "CRS", "row only in B", "CRS, Grade 4"),
    ("toxicities", "grade", None, 4, "row only in B", "CRS, Grade 4"),
    ("comparisons", "value_b", 86.09, 86.9, "value differs", "IL-10, before emapalumab, after emapalumab"),
    *[("time_to_event", f, v, None, "row only in A", "OS, 6 months")
      for f, v in (("endpoint", "OS"), ("horizon", "6 months"), ("rate", 80.1), ("ci_level", 95.0),
                   ("ci_low", 67.7), ("ci_high", 94.6), ("median_text", "not reached"))],
]


def _two_extractions(lib, pid, abstract):
    extractions.save_extraction(lib, curator_a(pid, abstract), "ana")
    extractions.save_extraction(lib, curator_b(pid, abstract), "ben")
    return compare.compare_paper(lib, pid, "ana", "ben")


def test_planted_differences_are_found_exactly(seeded):
    lib, pid, abstract = seeded
    cmp = _two_extractions(lib, pid, abstract)
    got = [(d.table, d.field, d.a, d.b, d.outcome, d.row) for d in cmp.disagreements]
    assert got == EXPECTED
    assert all(d.paper_id == pid for d in cmp.disagreements)
    # B's treatments came in reverse order: matched by agent, not by position
    assert [(p.a.agent, p.b.agent) for p in cmp.pairs["exposures"]] == [
        ("tocilizumab", "tocilizumab"), ("corticosteroids", "corticosteroids"), ("emapalumab", "emapalumab")]

    s = ag.summarize([cmp])
    o = s.overall
    # 4 study values + 3x3 treatment values + 2 toxicity + 7x7 comparisons + 7+7 survival = 79
    assert (o.compared, o.agreements, o.disagreements) == (79, 66, 13)
    assert o.by_kind == {"value differs": 3, "value only in A": 1, "value only in B": 0, "row only in A": 7,
                         "row only in B": 2}
    # κ over the 29 categorical items (design, age group, product, 3 agents, 3 roles, 3 indications, the
    # toxicity's syndrome, 7 analytes, 7 units, 2 endpoints): 25 agree, so p_o = 25/29; chance agreement
    # p_e = (1 age + 1 product + 3 agents + 9 roles + 6 indications + 7 analytes + 19 units + 1 EFS) / 29² = 47/841
    po, pe = Fraction(25, 29), Fraction(47, 841)
    assert o.categorical == 29
    assert o.kappa == pytest.approx(float((po - pe) / (1 - pe)), abs=1e-12)  # = 339/397
    assert o.kappa == pytest.approx(339 / 397, abs=1e-12)
    # per field: indications (CRS,CRS),(CRS,CRS),(CRS,∅): p_o = 2/3 = p_e -> κ 0; endpoints (EFS,EFS),(OS,∅) -> 1/3
    assert s.by_field["exposures.indication"].kappa == pytest.approx(0.0, abs=1e-12)
    assert s.by_field["time_to_event.endpoint"].kappa == pytest.approx(1 / 3, abs=1e-12)
    assert s.by_field["comparisons.analyte"].kappa == 1.0
    assert s.by_field["exposures.role"].kappa is None  # one category throughout: κ undefined
    assert s.by_field["comparisons.value_b"].proportion == pytest.approx(6 / 7)
    assert s.by_field["comparisons.value_b"].kappa is None and s.by_field["comparisons.value_b"].categorical == 0
    assert s.by_table["time_to_event"].compared == 14 and s.by_table["time_to_event"].agreements == 7
    assert s.by_paper[pid].compared == 79


def test_kappa_is_cohens(seeded):
    """The κ of the comparison is sklearn's cohen_kappa_score over the same labels."""
    lib, pid, abstract = seeded
    cmp = _two_extractions(lib, pid, abstract)
    items = [i for i in cmp.items if i.kind == ag.CATEGORICAL]
    a = [f"{i.table}.{i.field}={ag.EMPTY if ag.is_empty(i.a) else ag.normal_text(i.a)}" for i in items]
    b = [f"{i.table}.{i.field}={ag.EMPTY if ag.is_empty(i.b) else ag.normal_text(i.b)}" for i in items]
    assert ag.summarize([cmp]).overall.kappa == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    assert ag.cohen_kappa([("x", "x"), ("y", "y")]) == 1.0
    assert ag.cohen_kappa([("x", "y"), ("y", "x")]) == -1.0
    assert ag.cohen_kappa([]) is None


def test_tolerance_for_numbers(seeded):
    lib, pid, abstract = seeded
    extractions.save_extraction(lib, curator_a(pid, abstract), "ana")
    extractions.save_extraction(lib, curator_b(pid, abstract), "ben")
    loose = compare.compare_paper(lib, pid, "ana", "ben", Tolerance(absolute=1.0))
    assert ("comparisons", "value_b") not in {(d.table, d.field) for d in loose.disagreements}
    assert ("studies", "n_enrolled") in {(d.table, d.field) for d in loose.disagreements}  # 38 vs 36: off by 2
    rel = compare.compare_paper(lib, pid, "ana", "ben", Tolerance(relative=0.06))
    assert ("studies", "n_enrolled") not in {(d.table, d.field) for d in rel.disagreements}  # 2/38 < 6 %
    with pytest.raises(ValueError, match="tolerance absolute"):
        Tolerance(absolute=-1)


def test_rows_are_matched_by_their_key_not_their_position():
    a = [Toxicity(syndrome="ICANS", grade=2), Toxicity(syndrome="CRS", grade=3), Toxicity(syndrome="CRS", grade=1)]
    b = [Toxicity(syndrome="crs", grade=1), Toxicity(syndrome="CRS", grade=4), Toxicity(syndrome="ICANS", grade=2)]
    pairs = ag.match_rows(Toxicity, a, b)
    assert [(x.syndrome, x.grade, y.syndrome, y.grade) for x, y in pairs] == [
        ("ICANS", 2, "ICANS", 2), ("CRS", 3, "CRS", 4), ("CRS", 1, "crs", 1)]  # grade 3 vs 4: one row, grade differs
    m = ag.match_rows(Exposure, [Exposure(agent="tocilizumab")], [Exposure(agent="anakinra")])
    assert [(x and x.agent, y and y.agent) for x, y in m] == [("tocilizumab", None), (None, "anakinra")]
    assert ag.same_value(Comparison.spec("label_a"), "Before  Emapalumab", "before emapalumab")
    assert not ag.same_value(Comparison.spec("value_a"), 1.0, 1.0001)


def test_consensus_keeps_both_sources_through_the_store(seeded):
    lib, pid, abstract = seeded
    cmp = _two_extractions(lib, pid, abstract)
    where = {(d.table, d.field): d.pair for d in cmp.disagreements}
    decisions = {
        ("studies", where["studies", "design"], "design"): Pick("a"),
        ("studies", where["studies", "n_enrolled"], "n_enrolled"): Pick("edit", 38),
        ("exposures", where["exposures", "indication"], "indication"): Pick("b"),
        ("comparisons", where["comparisons", "value_b"], "value_b"): Pick("a"),
        ("time_to_event", where["time_to_event", "rate"], ROW): Pick("a"),  # keep ana's OS row
    }
    # the toxicity only ben entered is left unsettled
    assert [(d.table, d.field) for d in ag.unresolved(cmp, decisions)] == [("toxicities", "syndrome"),
                                                                         ("toxicities", "grade")]
    consensus = ag.build_consensus(cmp, decisions)
    compare.save_consensus(lib, consensus, "carol", base=curation.stored(lib, pid))
    rec = lib.load_record(pid)  # as stored
    assert rec.status == "draft" and rec.revision == 1
    st = rec.study
    assert (st.design, st.n_enrolled, st.age_group) == ("retrospective", 38, "pediatric")
    assert st.sources["design"] == _span(abstract, "retrospective study", "ana+ben", "ana")
    assert st.sources["n_enrolled"] == _span(abstract, "38 pediatric patients", "ana+ben", "edited")
    assert st.sources["age_group"] == _span(abstract, "38 pediatric patients", "ana+ben", "agreed")
    assert [(e.agent, e.indication) for e in rec.exposures] == [
        ("tocilizumab", "CRS"), ("corticosteroids", None), ("emapalumab", "CRS")]  # ben's (empty) indication taken
    assert "indication" not in rec.exposures[1].sources
    assert rec.exposures[0].sources["indication"] == Span(0, 0, "", "abstract", "curator", None, "ana+ben", "agreed")
    il10 = rec.comparisons[2]
    assert (il10.analyte, il10.value_b) == ("IL-10", 86.09)
    q = "IL-10 (222.29 vs. 86.09 pg/ml, P = 0.018)"
    assert il10.sources["value_b"] == _span(abstract, q, "ana+ben", "ana")
    assert il10.sources["value_a"] == _span(abstract, q, "ana+ben", "agreed")
    assert rec.comparisons[0].label_a == "before emapalumab"  # agreed (B wrote "Before  Emapalumab"): A's text
    assert [(t.endpoint, t.rate) for t in rec.time_to_event] == [("EFS", 76.9), ("OS", 80.1)]
    assert rec.time_to_event[1].sources["rate"] == _span(abstract, OS_QUOTE, "ana+ben", "ana")
    assert rec.time_to_event[1].sources["horizon"] == Span(0, 0, "", "abstract", "curator", None, "ana+ben", "ana")
    assert rec.toxicities == []  # unsettled: left out
    # every value of the consensus says where it came from
    for row in rec.all_rows():
        for name, value in row.values().items():
            if value not in (None, ""):
                assert row.sources[name].extracted_by == "ana+ben", (row, name)
    # verifying the consensus follows the usual rules
    curation.verify(lib, rec, "carol")
    assert lib.load_record(pid).status == "verified"
    # the extractions themselves are untouched
    assert extractions.extraction(lib, pid, "ben").record.study.n_enrolled == 36
    # the consensus export carries both sources of every value
    import pandas as pd

    from curator.services.export import export_dataset

    export_dataset(lib, "csv", lib.path.parent / "out")
    prov = pd.read_csv(lib.path.parent / "out" / "provenance.csv").set_index(["row_table", "field"])
    assert tuple(prov.loc[("studies", "design"), ["extracted_by", "settled", "entered_by"]]) == ("ana+ben", "ana", "carol")
    assert set(prov["extracted_by"]) == {"ana+ben"}
