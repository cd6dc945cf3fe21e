"""Every suggested value has a home in the forms (issue 16, item 3), and every link between a value and
its words says who made it: the extractor (and who accepted it) or the curator by hand (item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curator.domain.outcomes import (
    ROW_ACCEPTED,
    ROW_SUGGESTED,
    ROW_TYPES,
    Exposure,
    Record,
    Span,
    Study,
    TimeToEvent,
)
from curator.domain.paper import Paper
from curator.extract import suggest
from curator.services import curation
from curator.services.export import export_dataset
from curator.services.suggest import apply_suggestions, suggestions_to_rows
from curator.store.library import Library

GOLD = Path(__file__).parent / "data" / "extract_gold.json"

COHORT = ("Sixty patients with large B-cell lymphoma were treated with axicabtagene ciloleucel. "
          "CRS occurred in 45 (75%) patients. 36 (60%) received corticosteroids and 24 (40%) received tocilizumab. "
          "The ORR was 82% (95% CI, 70-90). MRD-negative remission was achieved in 20 of 25 patients (80%). "
          "Six patients (10%) required ICU admission. The median age was 58 years (range, 20-75). "
          "The median PFS was 12.3 months.")


def _homes(study, rows) -> list[Span]:
    return [sp for _, sp in study.values() if sp is not None] + [
        sp for rs in rows.values() for r in rs for sp in r.sources.values()]


def _repeat(s, study, rows) -> bool:
    """A value a row already holds: the study's design/product/age group stated again, a dose given again."""
    if s.kind in ("design", "age_group", "car_t_product", "sample_size"):
        return bool(study)
    if s.kind == "dose":
        return any(e.agent == s.fields.get("drug") and e.dose == s.fields.get("dose")
                   for e in rows.get(Exposure, []))
    return False


def test_every_suggestion_of_the_labelled_abstracts_lands_in_a_row():
    """Each suggestion of every kind is cited by a row (or a study field) the curator can accept, unless it
    repeats a value already held."""
    kinds: set[str] = set()
    for a in json.loads(GOLD.read_text(encoding="utf-8"))["abstracts"]:
        sugg = suggest(a["text"])
        study, rows = suggestions_to_rows(sugg)
        homes = _homes(study, rows)
        for s in sugg:
            kinds.add(s.kind)
            assert any(s.start <= sp.start and sp.end <= s.end for sp in homes) or _repeat(s, study, rows), \
                f"{a['id']}: {s.kind} {s.fields} ({s.rule}) has no row"
    assert {"comparison", "rate", "proportion", "median", "toxicity", "dose", "event", "drug",
            "sample_size"} <= kinds


def test_treatment_use_response_and_other_rates_land_in_their_rows():
    rec = Record(paper_id=1)
    apply_suggestions(Paper(title="t", abstract=COHORT), rec)
    by_agent = {e.agent: e for e in rec.exposures}
    cs, toc = by_agent["corticosteroids"], by_agent["tocilizumab"]
    assert (cs.n_patients, cs.percent, toc.n_patients, toc.percent) == (36, 60.0, 24, 40.0)
    assert cs.sources["n_patients"].quote == "36" and cs.sources["percent"].quote == "60"
    rates = {(r.endpoint, r.what): r for r in rec.time_to_event}
    orr = rates[("ORR", None)]
    assert (orr.rate, orr.ci_level, orr.ci_low, orr.ci_high) == (82.0, 95, 70.0, 90.0)
    mrd = next(r for (ep, what), r in rates.items() if ep == "other" and what and "MRD" in what)
    assert (mrd.rate, mrd.n_patients, mrd.denominator) == (80.0, 20, 25)
    icu = next(r for (ep, what), r in rates.items() if what and "ICU" in what)
    assert (icu.rate, icu.n_patients) == (10.0, 6) and icu.sources["rate"].quote == "10"
    pfs = next(r for r in rec.time_to_event if r.endpoint == "PFS")
    assert pfs.median == 12.3
    assert any(a.age and a.age.startswith("median 58 (range 20–75)") for a in rec.arms)
    crs = [t for t in rec.toxicities if t.syndrome == "CRS"]
    assert crs and crs[0].percent == 75.0 and crs[0].n_patients == 45
    # a toxicity's incidence lives in Toxicities only, not again as a rate
    assert not any(r.rate == 75.0 for r in rec.time_to_event)
    assert all(r.row_status == ROW_SUGGESTED for t in ROW_TYPES for r in rec.rows(t))


@pytest.fixture
def lib(tmp_path):
    lib = Library.open(tmp_path / "lib.sqlite")
    with lib.transaction():
        lib.ids = lib.insert_papers([Paper(title="Cohort", pmid="1", abstract=COHORT)])  # type: ignore[attr-defined]
    yield lib
    lib.close()


def _provenance(lib) -> dict[tuple[str, str], tuple]:
    return {(r[0], r[1]): (r[2], r[3], r[4]) for r in lib.conn.execute(
        "SELECT row_uid, field, made_by, accepted_by, quote FROM provenance")}


def test_links_say_who_made_them_and_who_accepted_them(lib, tmp_path):
    pid = lib.ids[0]
    rec = Record(paper_id=pid)
    assert apply_suggestions(lib.get_paper(pid), rec)
    # a value the curator links by hand
    hand = Span(COHORT.index("Sixty"), COHORT.index("Sixty") + 5, "Sixty")
    rec.study.n_analysed = 60
    rec.study.sources["n_analysed"] = hand
    curation.save_draft(lib, rec, "suggest", base=None)
    prov = _provenance(lib)
    assert prov[(rec.study.uid, "n_analysed")][:2] == ("curator", None)
    toc = next(e for e in rec.exposures if e.agent == "tocilizumab")
    assert prov[(toc.uid, "percent")] == ("extractor", None, "40")  # suggested: nobody accepted it yet
    # the study's values the batch suggester filled are not accepted by it
    assert prov[(rec.study.uid, "n_enrolled")][:2] == ("extractor", None)

    rec = lib.load_record(pid)
    assert rec.exposures[0].sources["agent"].made_by == "extractor"
    toc = next(e for e in rec.exposures if e.agent == "tocilizumab")
    toc.row_status = ROW_ACCEPTED
    assert rec.study.row_status != ROW_ACCEPTED  # study values Suggest filled wait for review (issue 17)
    rec.study.row_status = ROW_ACCEPTED
    curation.save_draft(lib, rec, "alice")
    prov = _provenance(lib)
    assert prov[(toc.uid, "percent")][:2] == ("extractor", "alice")
    assert prov[(rec.study.uid, "n_enrolled")][:2] == ("extractor", "alice")  # accepted by a curator
    other = next(r for r in rec.exposures if r.agent == "corticosteroids")
    assert prov[(other.uid, "percent")][:2] == ("extractor", None)  # still pending
    assert prov[(rec.study.uid, "n_analysed")][:2] == ("curator", None)

    # who accepted stays with the link when someone else saves later
    rec = lib.load_record(pid)
    curation.save_draft(lib, rec, "bob")
    assert _provenance(lib)[(toc.uid, "percent")][:2] == ("extractor", "alice")

    # the export's provenance says which
    export_dataset(lib, "json", tmp_path / "out.json", include_drafts=True)
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    prov_rows = {(r["row_uid"], r["field"]): r for r in data["tables"]["provenance"]}
    assert prov_rows[(toc.uid, "percent")]["made_by"] == "extractor"
    assert prov_rows[(toc.uid, "percent")]["accepted_by"] == "alice"
    assert prov_rows[(rec.study.uid, "n_analysed")]["made_by"] == "curator"
    cols = {(r["table"], r["column"]): r for r in data["dictionary"]}
    assert cols[("provenance", "made_by")]["allowed_values"] == "extractor | curator"
    exp_cols = {c for (t, c) in cols if t == "exposures"}
    assert {"n_patients", "percent"} <= exp_cols
    assert {"what", "n_patients", "denominator"} <= {c for (t, c) in cols if t == "time_to_event"}


def test_new_homes_round_trip_through_the_store(lib):
    pid = lib.ids[0]
    rec = Record(paper_id=pid)
    apply_suggestions(lib.get_paper(pid), rec)
    curation.save_draft(lib, rec, "suggest", base=None)
    back = lib.load_record(pid)
    for t in (Study, Exposure, TimeToEvent):
        assert [r.values() for r in back.rows(t)] == [r.values() for r in rec.rows(t)]
    assert any(e.percent is not None for e in back.exposures)
    assert any(r.what for r in back.time_to_event)


def test_links_saved_before_migration_006_say_the_extractor_made_them_where_it_did(tmp_path, monkeypatch):
    """Upgrading a library: links of rows still suggested, or saved by the batch suggester, are the extractor's;
    the others are unknown (NULL), never claimed for the curator."""
    from curator.store import migrations

    older = tmp_path / "migrations"
    older.mkdir()
    for m in migrations.available():
        if m.version < 6:
            (older / m.path.name).write_text(m.sql())
    path = tmp_path / "old.sqlite"
    with monkeypatch.context() as mp:
        mp.setattr("curator.paths.migrations", lambda: older)
        lib = Library.open(path)
        assert lib.schema_version == 5
        with lib.transaction():
            pid = lib.insert_papers([Paper(title="Cohort", pmid="1", abstract=COHORT)])[0]
        rec = Record(paper_id=pid)
        apply_suggestions(lib.get_paper(pid), rec)
        toc = next(e for e in rec.exposures if e.agent == "tocilizumab")
        rec.study.sources["n_enrolled"] = Span(0, 5, "Sixty")
        with lib.transaction() as c:  # what Curator 5 wrote: no made_by / accepted_by columns
            c.execute("INSERT INTO records (paper_id, status, revision, updated_at) VALUES (?, 'draft', 1, 'x')",
                      (pid,))
            c.execute("INSERT INTO studies (uid, paper_id, row_status) VALUES (?, ?, 'accepted')", (rec.study.uid, pid))
            c.execute("INSERT INTO exposures (uid, paper_id, row_status, agent) VALUES (?, ?, 'suggested', ?)",
                      (toc.uid, pid, toc.agent))
            for uid, field, who in ((toc.uid, "agent", "alice"), (rec.study.uid, "n_enrolled", "alice"),
                                    (rec.study.uid, "design", "suggest")):
                c.execute("INSERT INTO provenance (paper_id, row_table, row_uid, field, start, end, quote, entered_by,"
                          " created_at) VALUES (?, 't', ?, ?, 0, 5, 'Sixty', ?, 'x')", (pid, uid, field, who))
        lib.close()
    lib = Library.open(path)
    try:
        assert lib.schema_version == migrations.latest_version()
        prov = _provenance(lib)
        assert prov[(toc.uid, "agent")][0] == "extractor"  # on a row still suggested
        assert prov[(rec.study.uid, "design")][0] == "extractor"  # saved by the batch suggester
        assert prov[(rec.study.uid, "n_enrolled")][0] is None  # unknown
    finally:
        lib.close()
