"""A fast seeded subset of benchmarks/fuzz_import.py: mutated real files (bit flips, truncation,
inserted/deleted bytes, duplicated/removed chunks, splices) through curator.importers.parse_bytes in
worker processes -- 0 crashes and 0 hangs (issue 15). The full run: benchmarks/fuzz_import.py."""

from __future__ import annotations

import importlib.util
import random
import sys

import pytest
from conftest import CORPUS, REPO

_spec = importlib.util.spec_from_file_location("fuzz_import", REPO / "benchmarks" / "fuzz_import.py")
fuzz = importlib.util.module_from_spec(_spec)
sys.modules["fuzz_import"] = fuzz
_spec.loader.exec_module(fuzz)

CASES_PER_FORMAT = 30


@pytest.fixture(scope="module")
def groups():
    return fuzz.group_by_format(fuzz.source_files(CORPUS))


def test_mutations_change_the_file_and_are_reproducible(groups):
    data = groups["pubmed_xml" if "pubmed_xml" in groups else next(iter(groups))][0][1]
    a = [fuzz.mutate(random.Random(7), data, b"other")[0] for _ in range(2)]
    assert a[0] == a[1]
    seen = set()
    rng = random.Random(3)
    for _ in range(200):
        out, kinds = fuzz.mutate(rng, data, b"<other/>")
        seen.update(kinds)
        assert out != data or not kinds
    assert seen >= {"flip", "truncate", "insert", "insert_sig", "delete", "duplicate", "remove", "splice"}


def test_the_fuzzer_counts_a_crash_and_a_hang(monkeypatch):
    """Its own check: an importer that raises is a crash, one that loops is a hang, a refusal is clean."""
    cases = [fuzz.Case("x", 0, "a.ris", [], b"TY  - JOUR\nTI  - crash\nER  - \n"),
             fuzz.Case("x", 1, "b.ris", [], b"TY  - JOUR\nTI  - hang\nER  - \n"),
             fuzz.Case("x", 2, "c.ris", [], b"\x00\x01binary"),
             fuzz.Case("x", 3, "d.ris", [], b"TY  - JOUR\nTI  - fine\nER  - \n")]
    from curator.importers import ris

    original = ris.ris_record_to_paper

    def broken(rec):
        title = next((v for t, v, _ in rec.tags if t == "TI"), "")
        if title == "hang":
            while True:
                pass
        if title == "crash":
            raise ValueError("boom")  # caught per record by the importer: a record error, not a crash
        return original(rec)

    monkeypatch.setattr(ris, "ris_record_to_paper", broken)
    monkeypatch.setattr(fuzz, "MIN_LIMIT", 1.0)
    monkeypatch.setattr(ris.RisImporter, "sniff", lambda self, text: (_ for _ in ()).throw(KeyError("sniff"))
                        if "crash" in text else 0.95)
    tallies = fuzz.run(cases, workers=2)  # forked workers inherit the patches
    t = tallies["x"]
    assert (t.cases, t.crashes, t.hangs, t.clean_errors, t.parsed) == (4, 1, 1, 1, 1)
    kinds = {case.index: (kind, detail) for case, kind, detail in t.failures}
    assert kinds[0][0] == "crash" and "KeyError" in kinds[0][1]
    assert kinds[1][0] == "hang"


def test_seeded_fuzz_subset_has_no_crash_and_no_hang(groups):
    cases = fuzz.make_cases(groups, CASES_PER_FORMAT, seed=20261207)
    assert len({c.fmt for c in cases}) >= (6 if CORPUS else 2)  # the bundled samples alone: 2 formats
    tallies = fuzz.run(cases, workers=2)
    report = fuzz.format_table(tallies)
    failures = [f"{kind} {case.fmt} #{case.index} {case.source} {'+'.join(case.mutations)}: {detail}"
                for t in tallies.values() for case, kind, detail in t.failures]
    assert not failures, report + "\n" + "\n".join(failures)
    assert sum(t.cases for t in tallies.values()) == len(cases)
