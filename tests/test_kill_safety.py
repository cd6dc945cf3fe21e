"""Kill -9 during save and during import, a few times each at random moments (issue 15's target; the
full count runs in benchmarks/kill_test.py, whose runs these are): the library's integrity check is
ok, nothing the child reported saved is lost, no file is there in part, the lock is free again and no
process of the killed one is left running."""

from __future__ import annotations

import importlib.util
import random
import sys

import pytest

from tests.conftest import CORPUS, REPO

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for leftover processes")


def _kill_test():
    spec = importlib.util.spec_from_file_location("kill_test", REPO / "benchmarks" / "kill_test.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["kill_test"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


kill_test = _kill_test()


def _problems(tally) -> str:
    return "\n".join(f"killed after {r.killed_after:.2f} s: integrity {r.integrity}, lost {r.lost}, "
                     f"partial {r.partial}, left {r.leftovers}, lock held {r.lock_held}" for r in tally.runs)


def test_kill_during_save_loses_nothing_reported(tmp_path):
    tally = kill_test.save_runs(tmp_path, runs=8, rng=random.Random(15), window=0.4, grace=2.0)
    assert sum(len(r.reported) for r in tally.runs) > 0, "no save was ever reported: nothing was tested"
    assert tally.integrity_failures == 0, _problems(tally)
    assert tally.lost_saves == 0, _problems(tally)
    assert not any(r.lock_held for r in tally.runs), _problems(tally)
    assert tally.leftover_processes == 0, _problems(tally)


@pytest.fixture(scope="module")
def killed_imports(tmp_path_factory):
    if CORPUS is None:
        pytest.skip("the corpus (for benchmarks/make_pubmed_xml.py) is not here")
    # 300 records a file (~3 MB): above the streaming size, and parsed in worker processes as a
    # 40 MB file is (the child lowers that size), so kills land among workers too
    return kill_test.import_runs(tmp_path_factory.mktemp("kill-import"), runs=3, rng=random.Random(15),
                                 records=300, files=2, parallel_bytes=1_000_000, grace=2.0)


def test_kill_during_import_keeps_every_whole_file_and_only_whole_files(killed_imports):
    tally = killed_imports
    assert tally.integrity_failures == 0, _problems(tally)  # integrity_check ok, and no file in part
    assert tally.lost_saves == 0, _problems(tally)
    assert not any(r.lock_held for r in tally.runs), _problems(tally)


def test_kill_during_import_leaves_no_process_behind(killed_imports):
    assert killed_imports.leftover_processes == 0, _problems(killed_imports)
