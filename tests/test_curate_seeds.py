"""Both seeds fully curatable through the window: every value entered, linked to its sentence, verified."""

from __future__ import annotations

from curator.domain.outcomes import Arm, Comparison, Exposure, TimelineEvent, TimeToEvent, Toxicity
from tests.ui_helpers import enter_row, enter_study, make_window, select_paper_titled

PEDIATRIC_COMPARISONS = [
    # analyte, before, after, unit, p as written, quote
    ("temperature", "39.61", "38.38", "°C", "P < 0.001", "mean temperature (39.61 vs. 38.38°C, P < 0.001)"),
    ("IL-2", "32.35", "11.94", "pg/ml", "P < 0.001", "IL-2 (32.35 vs. 11.94 pg/ml, P < 0.001)"),
    ("IL-10", "222.29", "86.09", "pg/ml", "P = 0.018", "IL-10 (222.29 vs. 86.09 pg/ml, P = 0.018)"),
    ("TNF-α", "4.17", "2.94", "pg/ml", "P = 0.032", "TNF-α (4.17 vs. 2.94 pg/ml, P = 0.032)"),
    ("IFN-γ", "21984.11", "674.87", "pg/ml", "P < 0.001", "IFN-γ (21984.11 vs. 674.87 pg/ml, P < 0.001)"),
    ("CAR-T cells", "549.95", "8.16", "cell/μl", "P < 0.001",
     "mean CAR-T cell counts (549.95 vs. 8.16 cell/μl, P < 0.001)"),
    ("CAR-T % of CD3+", "11.3", "36.54", "%", "P < 0.001", "the ratio of CAR-T to CD3+ (11.3% vs. 36.54%, P < 0.001)"),
]


def test_pediatric_seed_fully_curated(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    pid = select_paper_titled(win, "Emapalumab in pediatric")
    enter_study(qtbot, win, {"design": "retrospective", "n_enrolled": "38", "age_group": "pediatric",
                             "car_t_product": "investigational",
                             "car_t_product_as_reported": "investigational CAR-T products"},
                {"design": "retrospective study", "n_enrolled": "38 pediatric patients",
                 "age_group": "38 pediatric patients", "car_t_product": "investigational CAR-T products",
                 "car_t_product_as_reported": "investigational CAR-T products"})
    for agent, quote in (("tocilizumab", "tocilizumab monotherapy"),
                         ("corticosteroids", "low-dose glucocorticoids monotherapy")):
        enter_row(qtbot, win, Exposure, {"agent": agent, "role": "toxicity treatment", "indication": "CRS"}, quote)
    enter_row(qtbot, win, Exposure, {"agent": "emapalumab", "role": "toxicity treatment", "indication": "CRS"},
              "Emapalumab significantly improved both clinical symptoms")
    for analyte, a, b, unit, p, quote in PEDIATRIC_COMPARISONS:
        enter_row(qtbot, win, Comparison, {"analyte": analyte, "value_a": a, "value_b": b, "unit": unit,
                                           "p_text": p, "label_a": "before emapalumab",
                                           "label_b": "after emapalumab"}, quote)
    for ep, rate, lo, hi, quote in (("EFS", "76.9", "63.8", "92.6", "an EFS rate of 76.9% (95%CI, 63.8-92.6)"),
                                    ("OS", "80.1", "67.7", "94.6", "an OS rate of 80.1% (95% CI, 67.7-94.6)")):
        enter_row(qtbot, win, TimeToEvent, {"endpoint": ep, "horizon": "6 months", "rate": rate, "ci_level": "95",
                                            "ci_low": lo, "ci_high": hi, "median_text": "not reached"}, quote)
    # the paper says CAR-T counts "increased" while its numbers fall: record it and flag it
    cars = win.forms.models[Comparison]
    cars.set_value(5, "direction", "increased")
    assert any(m.level == "warning" and "increased" in m.text for m in cars.messages.values())
    win.forms.notes.contradicts.setChecked(True)
    win.forms.notes.comment.setText("CAR-T counts 'increased significantly' but 549.95 → 8.16 cell/μl")

    assert win.save_draft()
    assert win.verify(), win.statusBar().currentMessage()

    rec = win.lib.load_record(pid)
    assert rec.status == "verified" and rec.curator == "Test Curator"
    assert (rec.study.design, rec.study.n_enrolled, rec.study.age_group, rec.study.car_t_product) == (
        "retrospective", 38, "pediatric", "investigational")
    assert rec.study.sources["n_enrolled"].quote == "38 pediatric patients"
    assert [e.agent for e in rec.exposures] == ["tocilizumab", "corticosteroids", "emapalumab"]
    got = [(c.analyte, c.value_a, c.value_b, c.unit, c.p_text) for c in rec.comparisons]
    assert got == [(a, float(x), float(y), u, p) for a, x, y, u, p, _q in PEDIATRIC_COMPARISONS]
    abstract = win.lib.get_paper(pid).abstract
    for c, (*_v, quote) in zip(rec.comparisons, PEDIATRIC_COMPARISONS):
        for field in ("analyte", "value_a", "value_b", "unit", "p_text"):
            span = c.sources[field]
            assert span.quote == quote and abstract[span.start:span.end] == quote
    efs, os_ = rec.time_to_event
    assert (efs.endpoint, efs.rate, efs.ci_low, efs.ci_high, efs.horizon) == ("EFS", 76.9, 63.8, 92.6, "6 months")
    assert (os_.endpoint, os_.rate, os_.ci_low, os_.ci_high) == ("OS", 80.1, 67.7, 94.6)
    assert rec.contradicts and "549.95" in rec.contradiction_comment
    # selecting a value highlights its source; clicking the source selects the values citing it
    win.forms.select_cell(Comparison, 1, "value_a")
    assert [s.quote for s in win.reader.active_spans()] == [PEDIATRIC_COMPARISONS[1][5]]
    start = abstract.index("IL-2 (32.35")
    win.reader.click_offset(start + 3)
    table = win.forms.tables[Comparison]
    assert {i.row() for i in table.selectionModel().selectedIndexes()} == {1}


def test_case_report_fully_curated(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    pid = select_paper_titled(win, "Case Report: Successful use")
    enter_study(qtbot, win, {"design": "case report", "n_enrolled": "1", "age_group": "adult", "disease": "B-ALL",
                             "car_t_product": "brexucabtagene autoleucel",
                             "car_t_product_as_reported": "brexucabtagene autoleucel (brexu-cel)", "target": "CD19"},
                {"design": "We report an adult B-cell acute lymphoblastic leukemia (B-ALL) patient",
                 "age_group": "an adult B-cell acute lymphoblastic leukemia (B-ALL) patient",
                 "disease": "B-cell acute lymphoblastic leukemia (B-ALL)",
                 "car_t_product": "brexucabtagene autoleucel (brexu-cel)",
                 "car_t_product_as_reported": "brexucabtagene autoleucel (brexu-cel)"})
    enter_row(qtbot, win, Arm, {"label": "patient", "kind": "patient", "n": "1", "disease": "B-ALL",
                                "product": "brexucabtagene autoleucel"},
              "adult B-cell acute lymphoblastic leukemia (B-ALL) patient")
    for syndrome in ("CRS", "ICANS", "IEC-HS"):
        enter_row(qtbot, win, Toxicity, {"syndrome": syndrome, "grade_as_reported": "not graded in abstract",
                                         "arm": "patient"},
                  "The patient developed CRS, refractory neurotoxicity, and IEC-HS")
    for agent, written in (("tocilizumab", "tocilizumab"), ("corticosteroids", "high-dose corticosteroids"),
                           ("anakinra", "anakinra"), ("siltuximab", "siltuximab"), ("ruxolitinib", "ruxolitinib")):
        enter_row(qtbot, win, Exposure, {"agent": agent, "agent_as_reported": written, "role": "toxicity treatment",
                                         "arm": "patient"},
                  "Treatment included tocilizumab, high-dose corticosteroids, anakinra, siltuximab, and ruxolitinib")
    enter_row(qtbot, win, Exposure, {"agent": "emapalumab", "role": "toxicity treatment", "indication": "IEC-HS",
                                     "start_day": "+11", "arm": "patient"}, "Emapalumab was initiated on day +11")
    enter_row(qtbot, win, TimelineEvent, {"day": "11", "event": "emapalumab initiated", "arm": "patient"},
              "Emapalumab was initiated on day +11")
    enter_row(qtbot, win, TimelineEvent, {"day": "21", "event": "full neurological recovery", "arm": "patient"},
              "full neurological recovery by day +21")
    assert win.verify(), win.statusBar().currentMessage()

    rec = win.lib.load_record(pid)
    assert rec.status == "verified"
    assert (rec.study.design, rec.study.n_enrolled, rec.study.age_group, rec.study.disease,
            rec.study.car_t_product, rec.study.target) == (
        "case report", 1, "adult", "B-ALL", "brexucabtagene autoleucel", "CD19")
    assert [t.syndrome for t in rec.toxicities] == ["CRS", "ICANS", "IEC-HS"]
    assert [e.agent for e in rec.exposures] == ["tocilizumab", "corticosteroids", "anakinra", "siltuximab",
                                                "ruxolitinib", "emapalumab"]
    assert rec.exposures[-1].start_day == 11
    assert rec.exposures[-1].sources["start_day"].quote == "Emapalumab was initiated on day +11"
    assert [(e.day, e.event) for e in rec.events] == [(11, "emapalumab initiated"),
                                                      (21, "full neurological recovery")]
    assert rec.events[1].sources["day"].quote == "full neurological recovery by day +21"
    assert rec.arms[0].kind == "patient"
