"""Screening through the store and the services: decisions saved at once, undo, ranking, PRISMA, CLI."""

from __future__ import annotations

import json

import pytest

from curator.__main__ import main
from curator.domain.paper import Paper
from curator.services import screening
from curator.services.importing import import_files
from curator.store import screening_queries as q
from curator.store.library import Library
from tests.conftest import CASE_REPORT_SEED, ENGINE_ERRORS, PEDIATRIC_SEED

CART = "CAR-T cell therapy cytokine release syndrome tocilizumab neurotoxicity ICANS grade {i}"
OTHER = ["pesticide exposure hypothyroidism applicators survey {i}", "lactate threshold cycling exercise {i}",
         "ferrocene synthesis crystal structure {i}"]


@pytest.fixture
def lib(new_target, tmp_path):
    lib = Library.open(new_target("lib"))
    papers = [Paper(title=f"CAR-T toxicity study {i}", abstract=CART.format(i=i), pmid=str(1000 + i))
              for i in range(6)]
    papers += [Paper(title=f"Other study {i}", abstract=OTHER[i % 3].format(i=i), pmid=str(2000 + i))
               for i in range(40)]
    papers.append(Paper(title="CAR-T cytokine release syndrome, no abstract", pmid="3000",
                        mesh_terms=[]))
    with lib.transaction():
        lib.insert_papers(papers, "test.xml", "pubmed_xml")
    yield lib
    lib.close()


def test_decisions_are_saved_at_once_and_undo_walks_back(lib, tmp_path):
    a = screening.decide(lib, [1, 2], "exclude", reason="Other", curator="ana")
    # another connection sees it at once: nothing waits for a later save
    other = Library.open(getattr(lib, "url", lib.path), read_only=True)
    assert other.conn.execute("SELECT count(*) FROM screening_decisions WHERE decision = 'exclude'").fetchone()[0] == 2
    other.close()
    screening.decide(lib, [2], "include", curator="ana")
    assert screening.decision_of(lib, 2)["decision"] == "include"
    assert screening.undo(lib).paper_ids == [2]
    assert screening.decision_of(lib, 2) == {**screening.decision_of(lib, 2), "decision": "exclude",
                                             "reason": "Other"}
    assert sorted(screening.undo(lib).paper_ids) == [1, 2]  # undo again: the first action, both papers
    assert screening.decision_of(lib, 1) is None and screening.decision_of(lib, 2) is None
    assert screening.undo(lib).paper_ids == []
    # the whole history is kept, nothing rewritten
    assert [h["decision"] for h in q.decision_history(lib, 2)] == ["exclude", "include", "exclude", None]
    assert a.action == 1
    with pytest.raises(ENGINE_ERRORS, match="append-only"):
        lib.conn.execute("UPDATE screening_decisions SET decision = 'include'")


def test_unknown_paper_or_decision_is_refused_and_nothing_written(lib):
    with pytest.raises(ValueError, match="no paper with id 999"):
        screening.decide(lib, [1, 999], "include")
    with pytest.raises(ValueError, match="unknown decision"):
        screening.decide(lib, [1], "perhaps")
    assert q.current_decisions(lib, "title_abstract") == []


def test_next_records_random_then_ranked_and_decided_records_leave(lib):
    first = screening.next_records(lib, 5)
    assert len(first) == 5 and all(r["score"] is None for r in first)
    screening.decide(lib, [1], "include")
    screening.decide(lib, [7], "exclude")
    ranked = screening.next_records(lib, 6)
    assert all(r["score"] is not None for r in ranked)
    ids = [r["id"] for r in ranked]
    assert 1 not in ids and 7 not in ids
    assert set(ids[:5]) == {2, 3, 4, 5, 6} and ids[5] == 47  # the CAR-T record with no abstract comes next
    assert screening.model_for(lib).ranking.trained


def test_features_are_cached_next_to_the_library_and_refitted_after_an_import(lib, tmp_path):
    model = screening.model_for(lib)
    model.features = None
    screening.next_records(lib, 1)
    cache = tmp_path / "lib.sqlite.screening.npz" if lib.engine == "sqlite" else screening._cache_path(lib)
    assert cache.exists()
    fresh = screening.ScreeningModel()
    assert fresh.ensure_features(lib).matrix.shape == model.features.matrix.shape  # read from the cache
    import_files(lib, [PEDIATRIC_SEED])
    assert len(fresh.ensure_features(lib)) == 48


def test_prisma_counts_from_imports_and_decisions(new_target, tmp_path):
    lib = Library.open(new_target("p"))
    try:
        import_files(lib, [PEDIATRIC_SEED, CASE_REPORT_SEED])
        import_files(lib, [PEDIATRIC_SEED])  # the same record again: a duplicate removed
        screening.decide(lib, [1], "include")
        screening.decide(lib, [2], "exclude", reason="Not CAR-T cell therapy")
        screening.decide(lib, [1], "exclude", reason="No extractable toxicity data", stage="full_text")
        c = screening.prisma_counts(lib)
    finally:
        lib.close()
    assert c["identified"] == 3 and c["duplicates_removed"] == 1 and c["records_in_library"] == 2
    assert [f["records"] for f in c["identified_per_file"]] == [1, 1, 1]
    assert (c["screened"], c["excluded"], c["sought_for_retrieval"]) == (2, 1, 1)
    assert c["excluded_reasons"] == {"Not CAR-T cell therapy": 1}
    assert (c["full_text_assessed"], c["full_text_excluded"], c["included"]) == (1, 1, 0)
    assert c["full_text_excluded_reasons"] == {"No extractable toxicity data": 1}


def test_reasons_are_editable_and_stops_are_recorded(lib):
    assert screening.reasons(lib)[0] == "Not CAR-T cell therapy"
    assert screening.set_reasons(lib, ["Animal study", " ", "Review", "Review"]) == ["Animal study", "Review"]
    assert screening.reasons(lib) == ["Animal study", "Review"]
    screening.decide(lib, [1], "include")
    screening.decide(lib, [8, 9], "exclude")
    stop = screening.record_stop(lib, screening.ConsecutiveExcludes(2), "rule met", curator="ana")
    assert stop["screened"] == 3 and stop["included"] == 1 and "2 consecutive" in stop["rule"]
    assert screening.prisma_counts(lib)["stops"][0]["reason"] == "rule met"


def test_cli_next_decide_undo_stats(lib, capsys):
    db = str(lib.path)

    def run(*args):
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("screen", "next", "--library", db, "--n", "3", "--json")
    assert code == 0 and [set(r) for r in json.loads(out)] == [{"id", "title", "score"}] * 3
    code, out, _ = run("screen", "decide", "--library", db, "--paper", "1", "--paper", "2", "--decision", "include",
                       "--curator", "ana", "--json")
    assert code == 0 and json.loads(out)["paper_ids"] == [1, 2]
    run("screen", "decide", "--library", db, "--paper", "10", "--decision", "exclude", "--reason", "Other")
    code, out, _ = run("screen", "next", "--library", db, "--n", "4", "--json")
    assert {r["id"] for r in json.loads(out)} < {3, 4, 5, 6, 47}  # the CAR-T records first
    code, out, _ = run("screen", "stats", "--library", db, "--json")
    stats = json.loads(out)
    assert (stats["screened"], stats["excluded"]) == (3, 1)
    code, out, _ = run("screen", "undo", "--library", db)
    assert code == 0 and "1 paper" in out
    code, _, err = run("screen", "decide", "--library", db, "--paper", "12345", "--decision", "exclude")
    assert code == 2 and "12345" in err


def test_prisma_diagram_svg_csv_json_png_from_the_counts(tmp_path, capsys):
    import csv

    from curator.export import prisma

    db = tmp_path / "p.sqlite"
    lib = Library.open(db)
    try:
        import_files(lib, [PEDIATRIC_SEED, CASE_REPORT_SEED])
        import_files(lib, [PEDIATRIC_SEED])
        screening.decide(lib, [1, 2], "include")
        screening.decide(lib, [1], "include", stage="full_text")
        screening.decide(lib, [2], "exclude", reason="Overlapping cohort", stage="full_text")
        c = screening.prisma_counts(lib)
    finally:
        lib.close()
    svg = prisma.svg(c)
    assert "Records identified from 3 file(s) (n = 3)" in svg and "Duplicate records removed (n = 1)" in svg
    assert "Studies included in review (n = 1)" in svg and "Overlapping cohort (n = 1)" in svg
    for ext in ("svg", "csv", "json", "png"):
        code = main(["screen", "prisma", "--library", str(db), "--out", str(tmp_path / f"flow.{ext}")])
        assert code == 0
    capsys.readouterr()
    got = {(r["label"]): int(r["n"]) for r in csv.DictReader(open(tmp_path / "flow.csv", encoding="utf-8"))}
    assert got["studies included in review"] == 1 and got["reports excluded: Overlapping cohort"] == 1
    assert got["duplicate records removed"] == 1 and got["records screened"] == 2
    assert json.loads((tmp_path / "flow.json").read_text())["included"] == 1
    assert (tmp_path / "flow.png").read_bytes()[:4] == b"\x89PNG" and (tmp_path / "flow.png").stat().st_size > 10_000
    with pytest.raises(ValueError, match="svg, .png, .csv or .json"):
        prisma.write(c, tmp_path / "flow.pdf")
