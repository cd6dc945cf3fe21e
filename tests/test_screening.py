"""curator/screening: features, ranking (random until both classes, model after), fallback, stopping."""

from __future__ import annotations

import numpy as np
import pytest

from curator.screening import ConsecutiveExcludes, Features, progress_of, rank, screening_text
from curator.screening.model import Ranking

CART = ["CAR-T cell therapy cytokine release syndrome tocilizumab grade r{i}",
        "chimeric antigen receptor CAR-T cells neurotoxicity ICANS dexamethasone case r{i}",
        "axicabtagene ciloleucel CAR-T CRS ferritin IL-6 tocilizumab cohort r{i}"]
OTHER = ["pesticide exposure hypothyroidism applicators survey o{i}",
         "lactate threshold cycling exercise physiology o{i}",
         "ferrocene phosphadicarbaborane synthesis crystal structure o{i}",
         "hippocampus alcohol exposure neonatal rats behaviour o{i}"]


def library(n_rel: int = 12, n_other: int = 200) -> tuple[list[int], list[str], set[int]]:
    ids, texts, rel = [], [], set()
    for i in range(n_rel):
        ids.append(len(ids) + 1)
        texts.append(CART[i % len(CART)].format(i=i))
        rel.add(ids[-1])
    for i in range(n_other):
        ids.append(len(ids) + 1)
        texts.append(OTHER[i % len(OTHER)].format(i=i))
    return ids, texts, rel


def test_screening_text_keeps_records_without_abstract():
    t = screening_text("CAR-T and CRS", None, ["tocilizumab"], ["Cytokine Release Syndrome"])
    assert "CAR-T and CRS" in t and "tocilizumab" in t and "Cytokine Release Syndrome" in t
    f = Features.fit([1, 2, 3], [t, "", "CAR-T CRS"])
    assert f.matrix.shape[0] == 3 and f.matrix[0].nnz > 0


def test_random_order_until_one_include_and_one_exclude_and_seeded():
    ids, texts, rel = library()
    f = Features.fit(ids, texts)
    r1 = rank(f, {}, ids, seed=7)
    r2 = rank(f, {}, ids, seed=7)
    assert not r1.trained and "random order" in r1.message
    assert r1.ids.tolist() == r2.ids.tolist() and sorted(r1.ids.tolist()) == ids
    assert r1.ids.tolist() != ids  # shuffled, not the library order
    assert rank(f, {}, ids, seed=8).ids.tolist() != r1.ids.tolist()
    # deciding records does not reshuffle the rest: the order of the others stays as it was
    later = rank(f, {r1.ids[0]: 0, r1.ids[5]: 0}, [i for i in ids if i not in (r1.ids[0], r1.ids[5])], seed=7)
    assert later.ids.tolist() == [i for i in r1.ids.tolist() if i not in (r1.ids[0], r1.ids[5])]
    only_inc = rank(f, {1: 1}, ids[1:], seed=7)
    assert not only_inc.trained and "an exclude" in only_inc.message
    assert all(s is None for _, s in only_inc.head(5))


@pytest.mark.parametrize("classifier", ["nb", "logistic"])
def test_model_ranks_relevant_records_first(classifier):
    ids, texts, rel = library()
    f = Features.fit(ids, texts)
    first_rel, first_other = min(rel), max(ids)
    labels = {first_rel: 1, first_other: 0}
    cand = [i for i in ids if i not in labels]
    r = rank(f, labels, cand, classifier=classifier)
    assert r.trained and classifier in r.message
    top = r.ids[:len(rel) - 1].tolist()
    assert set(top) == rel - {first_rel}  # every other CAR-T record ranks above every other record
    assert np.all(np.diff(r.scores) <= 0)


def test_failed_training_keeps_the_last_ranking_and_says_why():
    ids, texts, rel = library()
    f = Features.fit(ids, texts)
    good = rank(f, {1: 1, ids[-1]: 0}, ids[1:-1])
    bad = rank(f, {1: 1, ids[-1]: 0, 2: 1}, [i for i in ids[1:-1] if i != 2], classifier="no-such", previous=good)
    assert not bad.trained and "did not train" in bad.message and "no-such" in bad.message
    assert "last ranking" in bad.message
    assert bad.ids.tolist() == [i for i in good.ids.tolist() if i != 2]
    alone = rank(f, {1: 1, ids[-1]: 0}, ids[1:-1], classifier="no-such")
    assert not alone.trained and "random order" in alone.message and len(alone) == len(ids) - 2


def test_everything_excluded_or_everything_included_still_orders():
    ids, texts, _ = library(3, 20)
    f = Features.fit(ids, texts)
    assert len(rank(f, dict.fromkeys(ids[:10], 0), ids[10:])) == len(ids) - 10
    assert len(rank(f, dict.fromkeys(ids[:10], 1), ids[10:])) == len(ids) - 10
    assert len(rank(f, dict.fromkeys(ids, 0), [])) == 0


def test_extend_adds_rows_with_the_fitted_vocabulary():
    ids, texts, _ = library(6, 30)
    f = Features.fit(ids, texts)
    f.extend([999], ["CAR-T cytokine release syndrome tocilizumab"])
    assert len(f) == len(ids) + 1 and f.rows([999]).tolist() == [len(ids)]
    r = rank(f, {1: 1, ids[-1]: 0}, [999, ids[-2]])
    assert r.ids[0] == 999


def test_progress_and_consecutive_excludes_rule():
    p = progress_of(["exclude", "include", "maybe", "exclude", "exclude"])
    assert (p.screened, p.included, p.excluded, p.maybe, p.since_last_include) == (5, 1, 3, 1, 3)
    assert p.curve == [(0, 0), (1, 0), (2, 1), (3, 1), (4, 1), (5, 1)]
    rule = ConsecutiveExcludes(3)
    assert rule.reached(p) and rule.remaining(p) == 0 and "3 consecutive" in rule.describe()
    assert not ConsecutiveExcludes(4).reached(p) and ConsecutiveExcludes(4).remaining(p) == 1
    assert not rule.reached(progress_of(["exclude"] * 10))  # no include found yet: never stop
    with pytest.raises(ValueError):
        ConsecutiveExcludes(0)
    with pytest.raises(ValueError):
        progress_of(["perhaps"])


def test_ranking_head_skips_records_decided_since():
    r = Ranking(np.array([5, 3, 9, 1]), np.array([0.9, 0.8, 0.5, 0.1]), True)
    assert r.head(2, {3}) == [(5, 0.9), (9, 0.5)]


def test_term_spans_whole_words_longest_first_two_kinds():
    from curator.screening.highlight import EXCLUDE, INCLUDE, parse_terms, term_spans

    text = "CAR-T cells caused CRS in mice; the CRS-like murine model (crsx) used CAR T"
    spans = term_spans(text, parse_terms("CAR-T, CRS; CAR"), parse_terms("mice,murine model"))
    got = [(text[a:b], k) for a, b, k in spans]
    assert got == [("CAR-T", INCLUDE), ("CRS", INCLUDE), ("mice", EXCLUDE), ("CRS", INCLUDE),
                   ("murine model", EXCLUDE), ("CAR", INCLUDE)]
    assert term_spans("nothing here", [], ["  "]) == []
