"""The one duplicate rule (curator/domain/duplicates.py): identifiers first, titles only between records
whose identifiers cannot conflict, the fuzzy threshold, and its speed at 100,000 papers."""

from __future__ import annotations

import random
import time

from rapidfuzz import fuzz

from curator.domain import duplicates
from curator.domain.duplicates import DuplicateIndex, Keys, title_key
from curator.domain.paper import Paper

TITLE = "Tocilizumab timing and cytokine release syndrome grade after CAR T cells"
# One letter off: fuzz.ratio ~99, above the threshold of 95 (a threshold of 101 must miss it).
NEAR = "Tocilizumab timing and cytokine release syndrome grades after CAR T cells"
# A different paper on the same subject: fuzz.ratio ~88, below 95 (a threshold of 80 would merge it).
OTHER = "Tocilizumab timing and neurotoxicity syndrome grade after CAR NK cells"


def _keys(title=TITLE, pmid=None, doi=None, year=2023) -> Keys:
    return Keys(pmid, doi, title_key(title), year)


def _index(*papers: Keys) -> DuplicateIndex:
    index = DuplicateIndex()
    for pid, keys in enumerate(papers, 1):
        index.add(pid, keys)
    return index


def _found(index: DuplicateIndex, keys: Keys) -> int | None:
    hit = index.find(keys)
    return None if hit is None else hit.paper_id


def test_the_test_titles_sit_where_the_threshold_tests_need_them():
    near = fuzz.ratio(title_key(TITLE), title_key(NEAR))
    other = fuzz.ratio(title_key(TITLE), title_key(OTHER))
    assert 95 <= near < 100
    assert 80 <= other < 95


def test_title_key_normalises():
    assert title_key("Émapalumab:  a CASE-report.") == "emapalumab a case report"
    assert title_key("IL-6\t(CRS)\x1f grade 3+ ") == "il 6 crs grade 3"


def test_title_key_ascii_fast_path_matches_the_general_rule():
    rng = random.Random(3)
    for _ in range(20_000):
        s = "".join(chr(rng.randrange(128)) for _ in range(rng.randrange(40)))
        assert title_key(s) == duplicates._NON_KEY.sub(" ", s.lower()).strip(), repr(s)


def test_keys_of_a_paper():
    p = Paper(title=TITLE, pmid="111", doi="https://doi.org/10.1/ABC", pub_date="2023-05")
    assert Keys.of(p) == Keys("111", "10.1/abc", title_key(TITLE), 2023)


def test_same_pmid_is_the_same_paper_whatever_the_title():
    index = _index(_keys(pmid="111"))
    assert _found(index, _keys("Something else entirely, with a long title", pmid="111")) == 1


def test_different_pmids_are_two_papers_even_with_one_title():
    index = _index(_keys(pmid="111"))
    assert _found(index, _keys(pmid="222")) is None
    assert _found(index, _keys(NEAR, pmid="333")) is None


def test_different_dois_are_two_papers_even_with_one_title():
    index = _index(_keys(doi="10.1/a"))
    assert _found(index, _keys(doi="10.1/b")) is None
    assert _found(index, _keys(NEAR, doi="10.1/b")) is None
    assert _found(index, _keys("A wholly different title of some length", doi="10.1/a")) == 1


def test_same_doi_with_different_pmids_is_two_papers():
    index = _index(_keys(pmid="111", doi="10.1/a"), _keys("Second copy without any PMID here", doi="10.1/a"))
    assert _found(index, _keys(pmid="222", doi="10.1/a")) == 2  # the copy that has no PMID
    assert _found(index, _keys(doi="10.1/a")) == 1  # no PMID to conflict: the first with the DOI
    assert _found(_index(_keys(pmid="111", doi="10.1/a")), _keys(pmid="222", doi="10.1/a")) is None


def test_a_record_without_identifiers_joins_a_titled_paper():
    index = _index(_keys(pmid="111", doi="10.1/a"))
    assert _found(index, _keys()) == 1
    assert _found(index, _keys(NEAR)) == 1  # near-identical title
    assert _found(index, _keys(year=None)) == 1  # an unknown year agrees with any year
    assert _found(index, _keys(year=2019)) is None  # another year: another paper
    assert _found(index, _keys(NEAR, year=None)) is None  # a fuzzy match needs the year


def test_a_record_with_identifiers_joins_a_paper_that_has_none():
    index = _index(_keys())
    assert _found(index, _keys(pmid="111")) == 1
    assert _found(index, _keys(NEAR, doi="10.1/a")) == 1


def test_a_short_title_identifies_nothing():
    index = _index(_keys("Correction."), _keys("Editorial comment"))
    assert _found(index, _keys("Correction.")) is None
    assert _found(index, _keys("Editorial comment")) is None


def test_fuzzy_threshold(monkeypatch):
    assert _found(_index(_keys()), _keys(NEAR)) == 1
    assert _found(_index(_keys()), _keys(OTHER)) is None
    monkeypatch.setattr(duplicates, "FUZZY_TITLE_THRESHOLD", 101)
    assert _found(_index(_keys()), _keys(NEAR)) is None
    assert _found(_index(_keys()), _keys()) == 1  # an exact title does not need the fuzzy search
    monkeypatch.setattr(duplicates, "FUZZY_TITLE_THRESHOLD", 80)
    assert _found(_index(_keys()), _keys(OTHER)) == 1


def test_the_best_fuzzy_match_wins():
    index = _index(_keys(OTHER), _keys(NEAR))
    assert _found(index, _keys()) == 2


def test_a_merged_paper_carries_the_identifiers_it_gained():
    index = _index(_keys())
    index.merged(1, _keys(pmid="111"))
    assert _found(index, _keys(pmid="111")) == 1
    assert _found(index, _keys(pmid="222")) is None  # it has a PMID now: another PMID is another paper
    assert _found(index, _keys(NEAR, pmid="222")) is None
    assert _found(index, _keys()) == 1


def test_fingerprints_are_told_back_until_the_paper_changes():
    index = DuplicateIndex()
    index.add(7, _keys(pmid="1"), "abc")
    assert index.find(_keys(pmid="1")) == (7, "abc")
    index.merged(7, _keys(pmid="1", doi="10.1/x"))
    assert index.find(_keys(pmid="1")) == (7, None)
    assert index.find(_keys(doi="10.1/x")) == (7, None)


_WORDS = ("cytokine release syndrome neurotoxicity tocilizumab anakinra lymphoma leukemia myeloma "
          "outcomes cohort trial phase patients treated with after before cell cells therapy chimeric "
          "antigen receptor car t nk cd19 bcma relapsed refractory large b grade fever ferritin interleukin "
          "six dose response survival toxicity management early late onset adults children real world").split()


def _titles(n: int, rng: random.Random) -> list[str]:
    return [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 22))) for _ in range(n)]


def _brute_force(papers: list[tuple[int, Keys]], keys: Keys, threshold: float) -> set[int]:
    """Every paper the rule allows `keys` to join by a fuzzy title: same year, no conflicting identifier."""
    out = set()
    for pid, k in papers:
        if k.year != keys.year or (keys.pmid and k.pmid) or (keys.doi and k.doi):
            continue
        if len(k.title_key) >= duplicates.MIN_TITLE_KEY and fuzz.ratio(keys.title_key, k.title_key) >= threshold:
            out.add(pid)
    return out


def test_fuzzy_search_finds_what_a_full_scan_finds():
    """The index looks only at some buckets: on random data it must find a match exactly when a scan of
    every paper does (threshold 80 here, so that near matches are common)."""
    rng = random.Random(5)
    titles = _titles(3000, rng)
    papers = [(i + 1, Keys(rng.choice([None, f"p{i}"]), rng.choice([None, f"d{i}"]), title_key(t),
                           rng.choice([2020, 2021])))
              for i, t in enumerate(titles)]
    index = DuplicateIndex(threshold=80)
    for pid, k in papers:
        index.add(pid, k)
    checked = matched = 0
    for t in titles[:400]:
        mutated = list(t)
        for _ in range(rng.randint(0, 8)):
            mutated.insert(rng.randrange(len(mutated) + 1), rng.choice("abc "))
        keys = Keys(rng.choice([None, "new"]), rng.choice([None, "10.9/new"]), title_key("".join(mutated)),
                    rng.choice([2020, 2021]))
        if len(keys.title_key) < duplicates.MIN_TITLE_KEY:
            continue
        want = _brute_force(papers, keys, 80)
        exact = [pid for pid, k in papers if k.title_key == keys.title_key and
                 not (keys.pmid and k.pmid) and not (keys.doi and k.doi) and k.year == keys.year]
        hit = index.find(keys)
        assert (hit is not None) == bool(want or exact), keys
        if hit is not None:
            assert hit.paper_id in want or hit.paper_id in exact
            matched += 1
        checked += 1
    assert matched > 50 and checked - matched > 50


def test_fuzzy_search_stays_fast_at_100000_papers():
    """The worst case: 100,000 papers with titles and years but no identifiers, then 5,000 lookups that
    need the fuzzy search (a scan of the library for each would take minutes). CPU seconds, with room
    for a loaded VM: this catches a lookup that scans the library, not a slow day (the speed itself is
    measured by benchmarks/bench_import.py)."""
    rng = random.Random(9)
    titles = _titles(100_000, rng)
    index = DuplicateIndex()
    t0 = time.process_time()
    for i, t in enumerate(titles):
        index.add(i + 1, Keys(None, None, title_key(t), 2000 + i % 25))
    built = time.process_time() - t0
    t0 = time.process_time()
    found = 0
    for i in range(5000):
        t = titles[i * 20]
        found += index.find(Keys(None, None, title_key(t[:-1] + "q"), 2000 + (i * 20) % 25)) is not None
    looked = time.process_time() - t0
    assert found > 2500  # most one-letter changes stay above the threshold
    assert built < 10.0, built
    assert looked < 30.0, looked  # about 1 ms a lookup; a scan of 100,000 titles per lookup takes minutes


# ---------------------------------------------------------------- untitled records keyed by their abstract

ABSTRACT = "CRS grade 3 in 4 of 20 patients; ICANS in 2. Tocilizumab was given to all with grade 2 or more."


def test_an_untitled_record_is_keyed_by_its_abstract():
    def keys(abstract, title=duplicates.UNTITLED, year=2022):
        return Keys.of(Paper(title=title, abstract=abstract, pub_date=str(year) if year else None))

    a = keys(ABSTRACT)
    assert a.title_key.startswith(duplicates.ABSTRACT_KEY) and ABSTRACT.lower()[:10] not in a.title_key
    # whitespace, case and accents do not change it; the title may be missing or the placeholder
    assert keys("  " + ABSTRACT.upper().replace(" ", "\n ") + " ").title_key == a.title_key
    assert keys(ABSTRACT, title="").title_key == a.title_key
    assert keys(ABSTRACT.replace("grade 3", "grade 4")).title_key != a.title_key
    index = _index(a)
    assert _found(index, keys(" " + ABSTRACT)) == 1
    assert _found(index, keys(ABSTRACT.replace("4 of 20", "5 of 20"))) is None  # never fuzzily
    assert _found(index, keys(ABSTRACT, year=2019)) is None  # years must agree, as for titles
    # a titled record keeps its title's key, and never meets an abstract's
    assert Keys.of(Paper(title=TITLE, abstract=ABSTRACT)).title_key == title_key(TITLE)
    assert _found(index, _keys(TITLE, year=2022)) is None


def test_reimporting_a_file_with_untitled_records_merges_them(tmp_path):
    from curator.services.importing import import_files
    from curator.store.library import Library

    ris = tmp_path / "untitled.ris"
    ris.write_text(f"TY  - JOUR\nAB  - {ABSTRACT}\nPY  - 2022\nER  - \n"
                   "TY  - JOUR\nAB  - Another abstract, with no title either.\nER  - \n"
                   f"TY  - JOUR\nTI  - {TITLE}\nER  - \n", encoding="utf-8")
    xml = tmp_path / "untitled.xml"
    xml.write_text('<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation><Article>'
                   "<Abstract><AbstractText>A PubMed record with an abstract only.</AbstractText></Abstract>"
                   "</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>\n", encoding="utf-8")
    lib = Library.open(tmp_path / "lib.sqlite")
    try:
        first = import_files(lib, [ris, xml])
        assert [f.added for f in first.files] == [3, 1], [f.to_dict() for f in first.files]
        assert "imported as [untitled]" in first.files[1].warnings[0].message
    finally:
        lib.close()
    lib = Library.open(tmp_path / "lib.sqlite")  # a new session: the keys come back from the store
    try:
        again = import_files(lib, [ris, xml, ris])
        assert [(f.added, f.merged) for f in again.files] == [(0, 3), (0, 1), (0, 3)]
        assert lib.paper_count() == 4
    finally:
        lib.close()


def test_merging_long_lists_takes_linear_time():
    from curator.domain.merge import merge_papers

    old = Paper(title=TITLE, keywords=[f"kw {i}" for i in range(60_000)])
    new = Paper(title=TITLE, keywords=[f"KW {i}" for i in range(30_000, 90_000)] + ["kw 89999", "kw 5"],
                substances=[f"s {i % 50_000}" for i in range(100_000)])
    start = time.perf_counter()
    merged, changed = merge_papers(old, new)
    assert time.perf_counter() - start < 3.0
    assert merged.keywords == [f"kw {i}" for i in range(60_000)] + [f"KW {i}" for i in range(60_000, 90_000)]
    assert merged.substances == [f"s {i}" for i in range(50_000)]  # each once, in order
    assert changed == ["keywords", "substances"]
