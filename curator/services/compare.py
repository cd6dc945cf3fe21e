"""Comparing two extractions, two libraries or two record files, and writing the consensus (issue 19).

    report = compare_libraries(lib_a, lib_b, Tolerance())   # papers matched by PMID, DOI or title
    report.to_dict()   # matched_papers, fields_compared, agreements, kappa, disagreements, ...
    cmp = compare_paper(lib, paper_id, "ana", "ben")        # two curators' extractions of one paper
    save_consensus(lib, build_consensus(cmp, decisions), "carol", base=stored(lib, paper_id))

Each side of an offline comparison is its latest extraction of the paper: the autosaved form when it is
newer than the stored record, else the record (draft or verified); or, asked for by name, one curator's
extraction. The comparison itself is domain.agreement; the consensus is written through the one record
write gate (services.curation.save_draft): revision, history, merge of a save made meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curator.domain import agreement
from curator.domain.agreement import EXACT, Decisions, PaperComparison, Pick, Tolerance, build_consensus
from curator.domain.duplicates import DuplicateIndex, Keys
from curator.domain.outcomes import Record, record_from_dict
from curator.services import curation, extractions, record_files
from curator.services.changes import Changes
from curator.services.curation import CurationError
from curator.store import extraction_queries as q
from curator.store.library import Library

__all__ = ["CompareError", "CompareReport", "Decisions", "EXACT", "PaperComparison", "Pick", "Tolerance",
           "build_consensus", "compare_files", "compare_libraries", "compare_with_library", "compare_paper", "latest_record",
           "save_consensus"]


class CompareError(CurationError):
    """Nothing to compare (no paper matches, another schema version, no extraction): the message says why."""


def latest_record(lib: Library, paper_id: int, curator: str | None = None,
                  times: tuple[str | None, str | None] | None = None) -> Record | None:
    """The paper's latest extraction: `curator`'s, or the autosaved form if newer than the record, else the
    record; None when there is none. `times` = (record's updated_at, autosave's saved_at) when the caller
    has read them already (a comparison of whole libraries reads them all at once)."""
    if curator:
        ex = extractions.extraction(lib, paper_id, curator)
        return ex.record if ex else None
    if times is None:
        stored = lib.load_record(paper_id)
        saved = lib.load_autosave(paper_id)
        rec_time, auto_time = (stored.updated_at if stored else None), (saved[1] if saved else None)
    else:
        stored, saved = None, None
        rec_time, auto_time = times
    if auto_time is not None and (rec_time is None or auto_time > rec_time):
        saved = saved or lib.load_autosave(paper_id)
        if saved is not None:
            rec = record_from_dict(saved[0])
            rec.paper_id = paper_id
            return rec
    return stored if times is None else lib.load_record(paper_id)


def _names(a: str | None, b: str | None, fallback_a: str, fallback_b: str) -> tuple[str, str]:
    a, b = (a or fallback_a).strip(), (b or fallback_b).strip()
    if a == b:
        a, b = (f"{a}@{fallback_a}", f"{b}@{fallback_b}") if fallback_a != fallback_b else (f"{a} (A)", f"{b} (B)")
    return a, b


def compare_paper(lib: Library, paper_id: int, curator_a: str, curator_b: str,
                  tolerance: Tolerance = EXACT) -> PaperComparison:
    """Two curators' extractions of one paper in this library."""
    got = extractions.extractions(lib, paper_id)
    missing = [c for c in (curator_a, curator_b) if c not in got]
    if missing:
        raise CompareError(f"paper {paper_id} has no extraction by {' or '.join(missing)} in {lib.path}")
    a, b = got[curator_a], got[curator_b]
    if a.schema_version != b.schema_version:
        raise CompareError(f"paper {paper_id}: {curator_a}'s extraction is of schema version {a.schema_version}, "
                           f"{curator_b}'s of {b.schema_version}: save both again before comparing them")
    return agreement.compare_records(a.record, b.record, curator_a, curator_b, tolerance, paper_id)


def compare_files(path_a: str | Path, path_b: str | Path, tolerance: Tolerance = EXACT) -> PaperComparison:
    """Two record files of the same paper (each curator's, e.g. sent by mail)."""
    fa, fb = record_files.read_record(path_a), record_files.read_record(path_b)
    if fa.schema_version != fb.schema_version:
        raise CompareError(f"{fa.path} was written under schema version {fa.schema_version}, {fb.path} under "
                           f"{fb.schema_version}: export both from libraries of the same version")
    index = DuplicateIndex()
    index.add(1, fa.keys())
    if index.find(fb.keys()) is None:
        raise CompareError(f"{fa.path} and {fb.path} are about different papers (“{fa.paper.get('title')}” and "
                           f"“{fb.paper.get('title')}”): nothing to compare")
    a_name, b_name = _names(fa.curator or fa.record.curator, fb.curator or fb.record.curator,
                            fa.path.stem, fb.path.stem)
    return agreement.compare_records(fa.record, fb.record, a_name, b_name, tolerance)


@dataclass
class MatchedPaper:
    paper_id: int  # in the library
    other_id: int  # in the other library
    title: str
    matched_by: str  # pmid | doi | title
    comparison: PaperComparison


@dataclass
class CompareReport:
    library: str
    other: str
    tolerance: Tolerance
    papers: list[MatchedPaper] = field(default_factory=list)
    only_library: int = 0  # papers with an extraction in the library and no match in the other
    only_other: int = 0
    summary: agreement.Summary | None = None

    def to_dict(self) -> dict[str, Any]:
        s = self.summary or agreement.summarize([])
        return {
            "library": self.library, "other": self.other, "tolerance": self.tolerance.to_dict(),
            "matched_papers": len(self.papers),
            "unmatched": {"library": self.only_library, "other": self.only_other},
            "fields_compared": s.overall.compared, "agreements": s.overall.agreements,
            "agreement": s.overall.to_dict()["agreement"],
            "kappa": {"overall": s.overall.to_dict()["kappa"],
                      "by_field": {k: v.to_dict()["kappa"] for k, v in s.by_field.items() if v.categorical}},
            "disagreement_counts": dict(s.overall.by_kind),
            "by_field": {k: v.to_dict() for k, v in s.by_field.items()},
            "by_table": {k: v.to_dict() for k, v in s.by_table.items()},
            "papers": [{"paper_id": m.paper_id, "other_paper_id": m.other_id, "title": m.title,
                        "matched_by": m.matched_by, "a": m.comparison.a_name, "b": m.comparison.b_name,
                        **s.by_paper[m.paper_id].to_dict()} if m.paper_id in s.by_paper else
                       {"paper_id": m.paper_id, "other_paper_id": m.other_id, "title": m.title,
                        "matched_by": m.matched_by, "a": m.comparison.a_name, "b": m.comparison.b_name,
                        "compared": 0} for m in self.papers],
            "disagreements": [it.to_dict() for m in self.papers for it in m.comparison.disagreements],
        }

    def summary_text(self) -> str:
        s = self.summary or agreement.summarize([])
        o = s.overall
        lines = [f"{len(self.papers)} paper(s) matched ({self.only_library} only in {Path(self.library).name}, "
                 f"{self.only_other} only in {Path(self.other).name})",
                 f"{o.compared} field(s) compared: {o.agreements} agree ({_pct(o.proportion)}), "
                 f"{o.disagreements} disagree; Cohen's κ (categorical fields) {_k(o.kappa)}"]
        kinds = ", ".join(f"{k} {n}" for k, n in o.by_kind.items() if n)
        if kinds:
            lines.append(f"disagreements: {kinds}")
        lines.append("by table:")
        for t, st in s.by_table.items():
            lines.append(f"  {t:<16} {st.agreements:>6}/{st.compared:<6} {_pct(st.proportion):>7}  κ {_k(st.kappa)}")
        return "\n".join(lines)


def _pct(p: float | None) -> str:
    return "–" if p is None else f"{100 * p:.1f} %"


def _k(k: float | None) -> str:
    return "undefined" if k is None else f"{k:.3f}"


def _with_work(lib: Library, curator: str | None) -> tuple[list[int], dict[int, str], dict[int, str]]:
    """Papers with something to compare (a record, an autosave, or `curator`'s extraction) and the times."""
    if curator:
        ids = [e.paper_id for e in q.extraction_infos(lib) if e.curator == curator]
        return ids, {}, {}
    rec_t, auto_t = q.record_times(lib), q.autosave_times(lib)
    return sorted(set(rec_t) | set(auto_t)), rec_t, auto_t


def _matched_by(a: tuple, b: tuple) -> str:
    if a[1] and a[1] == b[1]:
        return "pmid"
    if a[2] and a[2] == b[2]:
        return "doi"
    return "title"


def compare_libraries(lib: Library, other: Library, tolerance: Tolerance = EXACT, curator: str | None = None,
                      other_curator: str | None = None) -> CompareReport:
    """Every paper with an extraction on both sides, matched by PMID, DOI or title, compared."""
    if lib.schema_version != other.schema_version:
        raise CompareError(f"{lib.path} is at schema version {lib.schema_version}, {other.path} at "
                           f"{other.schema_version}: open both with this Curator first (it upgrades them)")
    ids_a, rec_a, auto_a = _with_work(lib, curator)
    ids_b, rec_b, auto_b = _with_work(other, other_curator)
    keys_b = {r[0]: r for r in q.paper_keys(other, ids_b)}
    index = DuplicateIndex()
    for pid, r in keys_b.items():
        index.add(pid, Keys(r[1], r[2], r[3], r[4]))
    report = CompareReport(str(lib.path), str(other.path), tolerance)
    used_b: set[int] = set()
    comparisons = []
    fallback_a, fallback_b = Path(lib.path).stem, Path(other.path).stem
    for r in q.paper_keys(lib, ids_a):
        found = index.find(Keys(r[1], r[2], r[3], r[4]))
        if found is None or found.paper_id in used_b:
            report.only_library += 1
            continue
        used_b.add(found.paper_id)
        a = latest_record(lib, r[0], curator, (rec_a.get(r[0]), auto_a.get(r[0])))
        b = latest_record(other, found.paper_id, other_curator,
                          (rec_b.get(found.paper_id), auto_b.get(found.paper_id)))
        if a is None or b is None:
            report.only_library += 1
            continue
        a_name, b_name = _names(curator or a.curator, other_curator or b.curator, fallback_a, fallback_b)
        cmp = agreement.compare_records(a, b, a_name, b_name, tolerance, r[0])
        comparisons.append(cmp)
        report.papers.append(MatchedPaper(r[0], found.paper_id, r[5], _matched_by(r, keys_b[found.paper_id]), cmp))
    report.only_other = len(ids_b) - len(used_b)
    if not report.papers:
        raise CompareError(f"no paper with an extraction in {lib.path} matches one in {other.path} by PMID, DOI or "
                           f"title ({len(ids_a)} and {len(ids_b)} paper(s) with extractions): nothing to compare")
    report.summary = agreement.summarize(comparisons)
    return report


def compare_with_library(lib: Library, other_path: str | Path, tolerance: Tolerance = EXACT,
                         curator: str | None = None, other_curator: str | None = None) -> CompareReport:
    """`compare_libraries` against the library file at `other_path`, opened the one way (its lock, then any
    upgrade; read-only when another Curator holds it) and closed again (File ▸ Compare with another library…
    and `curator compare`)."""
    from curator.services.library import open_locked

    other = open_locked(other_path, seed=False, if_locked=lambda _holder: True)
    try:
        return compare_libraries(lib, other.lib, tolerance, curator, other_curator)
    finally:
        other.close()


def save_consensus(lib: Library, consensus: Record, who: str, base: Record | None = curation.UNCHECKED) -> Changes:
    """Write a consensus record into the library through the record write gate, as a draft: verifying it
    follows the usual rules (services.curation.verify)."""
    if not who or not who.strip():
        raise CurationError("a consensus is saved by a named adjudicator: set your name first")
    return curation.save_draft(lib, consensus, who.strip(), base)
