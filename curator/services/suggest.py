"""Suggest use case: the extractor's suggestions → suggested rows of a record, each with its source.

Nothing suggested becomes verified without the curator: rows arrive with status `suggested`; the
curator accepts (→ draft row) or rejects (removed) each one; verification refuses pending ones.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from curator.domain import vocabulary
from curator.domain.outcomes import (
    DESIGNS,
    ENDPOINTS,
    ROW_SUGGESTED,
    SYNDROMES,
    Arm,
    Comparison,
    Exposure,
    Measurement,
    Record,
    Row,
    Span,
    Study,
    TimelineEvent,
    TimeToEvent,
    Toxicity,
)
from curator.domain.paper import Paper
from curator.extract import suggest as extract
from curator.extract.model import Suggestion

StudySuggestions = dict[str, tuple[Any, Span | None]]

_DESIGN_MAP = {"randomized controlled trial": "randomized controlled trial", "rct": "randomized controlled trial",
               "phase 1": "phase 1", "phase 1/2": "phase 1/2", "phase 2": "phase 2", "phase 3": "phase 3",
               "prospective": "prospective cohort", "prospective cohort": "prospective cohort",
               "retrospective": "retrospective", "retrospective cohort": "retrospective cohort",
               "case series": "case series", "case report": "case report", "registry": "registry",
               "meta-analysis": "meta-analysis", "systematic review": "review", "review": "review"}


def _span(s: Suggestion) -> Span:
    return Span(s.start, s.end, s.text, made_by="extractor")


def _field_span(s: Suggestion, key: str) -> Span:
    """The words that state one field (the extractor's per-field span), else the whole evidence."""
    sp = s.spans.get(key)
    if sp is None:
        return _span(s)
    a, b = sp
    return Span(a, b, s.text[a - s.start:b - s.start], made_by="extractor")


def _sourced(row: Row, s: Suggestion, fields: list[str], names: dict[str, str] | None = None) -> Row:
    """Mark `row` suggested; each field cites its own words (`names`: row field → suggestion field)."""
    names = names or {}
    row.row_status = ROW_SUGGESTED
    row.sources = {f: _field_span(s, names.get(f, f)) for f in fields if getattr(row, f) not in (None, "")}
    return row


_ENDPOINT_KEYS = {e.upper(): e for e in ENDPOINTS}
# a share of patients who received an agent ('60 (60%) received corticosteroids') is the treatment's use
_TREATED = ("received", "required", "were treated with", "treated with", "underwent", "had")


def _endpoint(name: str | None) -> tuple[str, str | None]:
    """(endpoint, what): a survival endpoint or response in the closed list, else 'other' with the words."""
    key = (name or "").strip()
    ep = _ENDPOINT_KEYS.get(key.upper())
    return (ep, None) if ep else ("other", key or None)


def _treated_agent(s: Suggestion) -> str | None:
    """The agent (vocabulary name) a proportion of patients received, when its words say so."""
    what = s.fields.get("what") or ""
    if not what.lower().startswith(_TREATED):
        return None
    hits = vocabulary.drugs().find_all(what)
    return hits[0].canonical if len(hits) == 1 else None


def suggestions_to_rows(suggestions: list[Suggestion]) -> tuple[StudySuggestions, dict[type[Row], list[Row]]]:
    """Map the extractor's output onto the outcome model (first study-level value of each kind wins)."""
    study: StudySuggestions = {}
    rows: dict[type[Row], list[Row]] = {}
    exposures: dict[str, Exposure] = {}
    survival_medians: list[tuple[str, Suggestion]] = []

    def add(row: Row) -> None:
        rows.setdefault(type(row), []).append(row)

    def study_value(field: str, value: Any, s: Suggestion) -> None:
        if value not in (None, "") and field not in study:
            study[field] = (value, _span(s))

    for s in suggestions:  # the study's own design and sample size (marked by the extractor) come first
        if s.fields.get("study") and s.kind == "sample_size":
            study_value("n_enrolled", s.fields.get("n"), s)
        elif s.fields.get("study") and s.kind == "design":
            v = str(s.fields.get("value", "")).lower()
            study_value("design", _DESIGN_MAP.get(v, v if v in DESIGNS else None), s)
    for s in suggestions:
        f = s.fields
        if s.kind == "comparison":
            c = Comparison(analyte=f.get("analyte"), value_a=f.get("value_a"), value_b=f.get("value_b"),
                           unit=f.get("unit"), p_text=f.get("p_text"), label_a=f.get("label_a"),
                           label_b=f.get("label_b"), direction=f.get("direction"),
                           statistic=f.get("statistic") if f.get("statistic") in ("mean", "median") else None)
            add(_sourced(c, s, ["analyte", "value_a", "value_b", "unit", "p_text", "label_a", "label_b", "direction"]))
        elif s.kind == "rate":
            if any(o.kind == "toxicity" and o.start < s.end and s.start < o.end
                   and o.fields.get("percent") == f.get("value") for o in suggestions):
                continue  # a toxicity's incidence: the Toxicities row holds it
            ep, what = _endpoint(f.get("endpoint"))
            t = TimeToEvent(endpoint=ep, what=f.get("what") or what, horizon=f.get("horizon"), rate=f.get("value"),
                            ci_level=f.get("ci_level"), ci_low=f.get("ci_low"), ci_high=f.get("ci_high"),
                            n_patients=f.get("numerator", f.get("count")), denominator=f.get("denominator"))
            add(_sourced(t, s, ["endpoint", "what", "horizon", "rate", "ci_level", "ci_low", "ci_high", "n_patients",
                                "denominator"],
                         {"rate": "value", "what": "what" if f.get("what") else "endpoint",
                          "n_patients": "numerator" if "numerator" in f else "count"}))
        elif s.kind == "proportion":
            if _treated_agent(s) is not None:
                continue  # the treatment's use: read once the agents are known (below)
            t = TimeToEvent(endpoint="other", what=f.get("what"), rate=f.get("percent"), n_patients=f.get("count"),
                            denominator=f.get("denominator"))
            add(_sourced(t, s, ["what", "rate", "n_patients", "denominator"], {"rate": "percent", "n_patients": "count"}))
        elif s.kind == "median":
            q = (f.get("quantity") or "").strip()
            v, u = f.get("value"), f.get("unit") or ""
            ep = _ENDPOINT_KEYS.get(q.upper())
            if "follow" in q.lower():
                study_value("follow_up", f"{v:g} {u}".strip() if isinstance(v, (int, float)) else None, s)
            elif ep is not None:  # 'median PFS 12.3 months', 'median OS not reached': after the rates (below)
                survival_medians.append((ep, s))
            elif re.search(r"\bage\b", q, re.IGNORECASE) and isinstance(v, (int, float)):  # the cohort's age
                lo, hi = f.get("low"), f.get("high")
                age = f"median {v:g}" + (f" ({f.get('dispersion') or 'range'} {lo:g}–{hi:g})"
                                         if lo is not None and hi is not None else "") + (f" {u}" if u else "")
                add(_sourced(Arm(label="all patients", kind="cohort", age=age), s, ["age"], {"age": "value"}))
            elif q:  # a lab value, or any other median the paper states ('a median of 5 prior regimens')
                m = vocabulary.analytes().match(q)
                meas = Measurement(analyte=m.canonical if m is not None else q, statistic="median", value=v,
                                   unit=f.get("unit"))
                if f.get("low") is not None and f.get("dispersion") in ("range", "IQR", "CI", None):
                    meas.dispersion = f.get("dispersion") or "range"
                    meas.dispersion_low, meas.dispersion_high = f.get("low"), f.get("high")
                add(_sourced(meas, s, ["analyte", "value", "unit", "dispersion_low", "dispersion_high"],
                             {"analyte": "quantity", "dispersion_low": "low", "dispersion_high": "high"}))
        elif s.kind == "sample_size":
            if f.get("study") or "n_enrolled" not in study:
                study_value("n_enrolled", f.get("n"), s)
            elif f.get("n") != study["n_enrolled"][0]:  # a group's size ('older patients (n = 514)'): an arm
                add(_sourced(Arm(label=f.get("population"), kind="cohort", n=f.get("n")), s, ["label", "n"],
                             {"label": "population"}))
        elif s.kind == "design":
            study_value("design", _DESIGN_MAP.get(str(f.get("value", "")).lower(), None)
                        if str(f.get("value", "")).lower() in _DESIGN_MAP else
                        (f.get("value") if f.get("value") in DESIGNS else None), s)
        elif s.kind == "age_group":
            study_value("age_group", f.get("value"), s)
        elif s.kind == "car_t_product":
            study_value("car_t_product", f.get("product"), s)
            study_value("car_t_product_as_reported", f.get("as_written"), s)
            study_value("target", f.get("target"), s)
        elif s.kind == "drug":
            name = f.get("drug")
            role = f.get("role")
            role = role if role in ("CAR-T", "lymphodepletion", "toxicity treatment", "prophylaxis") \
                else "toxicity treatment"
            if not name or (name in exposures and exposures[name].role == role):
                continue  # one row per agent and role ('cyclophosphamide' for lymphodepletion, later for ICANS)
            e = Exposure(agent=name, agent_as_reported=f.get("as_written"), role=role)
            exposures[name] = e
            add(_sourced(e, s, ["agent", "agent_as_reported"]))
        elif s.kind == "dose":
            name = f.get("drug")
            e = exposures.get(name) if name else None
            if e is None:
                if not name:
                    continue
                e = Exposure(agent=name, role="toxicity treatment")
                exposures[name] = e
                add(_sourced(e, s, ["agent"]))
            if e.dose is not None and (e.dose, e.dose_unit) != (f.get("dose"), f.get("unit")):
                # another dose of the same agent (a second dose level, a later course): a row of its own
                e = Exposure(agent=e.agent, agent_as_reported=f.get("as_written"), role=e.role)
                add(_sourced(e, s, ["agent", "agent_as_reported"], {"agent": "drug"}))
            if e.dose is None:
                e.dose, e.dose_unit = f.get("dose"), f.get("unit")
                e.sources.update({k: _field_span(s, n) for k, n in (("dose", "dose"), ("dose_unit", "unit"))
                                  if getattr(e, k) is not None})
        elif s.kind == "toxicity":
            syn = f.get("syndrome")
            t = Toxicity(syndrome=syn if syn in SYNDROMES else ("other" if syn else None), grade=f.get("grade"),
                         grade_as_reported=f.get("grade_as_reported"), percent=f.get("percent"),
                         n_patients=f.get("count"))
            add(_sourced(t, s, ["syndrome", "grade", "grade_as_reported", "percent", "n_patients"],
                         {"n_patients": "count"}))
        elif s.kind == "event":
            ev = TimelineEvent(day=f.get("day"), event=f.get("event"))
            add(_sourced(ev, s, ["day", "event"]))
            # "emapalumab was initiated on day +11" also dates the treatment
            text = (f.get("event") or "").lower()
            for name, e in exposures.items():
                if name.lower() in text and e.start_day is None and any(
                        w in text for w in ("initiat", "start", "began", "given", "administ", "received")):
                    e.start_day = f.get("day")
                    e.sources["start_day"] = _span(s)
    for ep, s in survival_medians:  # the endpoint's row holds its median beside its rate
        f = s.fields
        v, u = f.get("value"), f.get("unit") or ""
        median = v if u.lower().startswith("mo") else None
        median_text = "not reached" if f.get("not_reached") else (f"{v:g} {u}".strip()
                                                                  if isinstance(v, (int, float)) else None)
        t = next((r for r in rows.get(TimeToEvent, []) if r.endpoint == ep and r.median is None  # type: ignore[attr-defined]
                  and r.median_text is None), None)  # type: ignore[attr-defined]
        if t is None:
            t = TimeToEvent(endpoint=ep)
            add(_sourced(t, s, ["endpoint"], {"endpoint": "quantity"}))
        t.median, t.median_text = median, median_text
        t.sources.update({k: _field_span(s, "value") for k in ("median", "median_text") if getattr(t, k) is not None})
    for s in suggestions:  # how many patients received each agent
        name = _treated_agent(s) if s.kind == "proportion" else None
        if name is None:
            continue
        e = exposures.get(name)
        if e is None:
            e = Exposure(agent=name, role="toxicity treatment")
            exposures[name] = e
            add(_sourced(e, s, ["agent"], {"agent": "what"}))
        if e.percent is None and e.n_patients is None:
            e.n_patients, e.percent = s.fields.get("count"), s.fields.get("percent")
            e.sources.update({k: _field_span(s, n) for k, n in (("n_patients", "count"), ("percent", "percent"))
                              if getattr(e, k) is not None})
    return study, rows


def _on_pages(ft, study: StudySuggestions, rows: dict[type[Row], list[Row]]) -> None:
    """Spans of suggestions read from a PDF's full text: into that text, each with its page."""
    from curator.domain.fulltext import FULLTEXT

    spans = [sp for _v, sp in study.values() if sp is not None]
    spans += [sp for rs in rows.values() for r in rs for sp in r.sources.values()]
    for sp in spans:
        sp.text_field, sp.page = FULLTEXT, ft.page_of(sp.start)


def suggestion_rows(paper: Paper | None, rec: Record, ft=None) -> dict[type[Row], Any]:
    """What Suggest adds to the open record: study fields not yet filled, and suggested rows that do
    not repeat a row the record already has. With the paper's PDF full text (`ft`, having a text layer)
    the suggestions read its abstract and results (never its references) and cite words on its pages."""
    if ft is not None and ft.has_text:
        from curator.services import fulltext

        study, rows = suggestions_to_rows([s for s, _label, _page in fulltext.suggestions(ft)])
        _on_pages(ft, study, rows)
    elif paper is None or not paper.abstract:
        return {}
    else:
        study, rows = suggestions_to_rows(extract(paper.abstract))
    out: dict[type[Row], Any] = {Study: {k: v for k, v in study.items() if getattr(rec.study, k) in (None, "")}}
    for t, new in rows.items():
        have = {tuple(r.values().values()) for r in rec.rows(t)}
        fresh = [r for r in new if tuple(r.values().values()) not in have]
        if fresh:
            out[t] = fresh
    return out


def study_status_after(rec: Record, study_values: dict) -> str:
    """The study's status once Suggest has filled `study_values` in: a study filled in from nothing is
    itself a suggestion, reviewed (accepted or rejected) as a whole like a row; one the curator had begun
    stays theirs. Called before filling, by the window and by `apply_suggestions`."""
    return ROW_SUGGESTED if study_values and rec.study.is_empty() else rec.study.row_status


def apply_suggestions(paper: Paper, rec: Record, ft=None) -> int:
    """Add the suggestions to `rec` in place (no Qt, for the CLI and batch jobs); returns how many."""
    added = suggestion_rows(paper, rec, ft)
    rec.study.row_status = study_status_after(rec, added.get(Study) or {})
    n = 0
    for t, value in added.items():
        if t is Study:
            for field, (v, span) in value.items():
                setattr(rec.study, field, v)
                if span is not None:
                    rec.study.sources[field] = span
                n += 1
        else:
            rec.rows(t).extend(value)
            n += len(value)
    return n


def suggest_library(lib, paper_ids: list[int], who: str | None = "suggest",
                    progress: Callable[[int, int, str], None] | None = None,
                    cancel: threading.Event | None = None) -> dict[str, int]:
    """Pre-fill many papers: suggestions saved as draft records with provenance (a background job).

    Papers that already have a record are left alone (a curator's work is never overwritten)."""
    from curator.services import curation

    done = {"papers": 0, "suggestions": 0, "skipped": 0}
    for i, pid in enumerate(paper_ids):
        if cancel is not None and cancel.is_set():
            break
        if progress and i % 50 == 0:
            progress(i, len(paper_ids), f"Suggesting values for paper {i + 1} of {len(paper_ids)}")
        if lib.load_record(pid) is not None:
            done["skipped"] += 1
            continue
        paper = lib.get_paper(pid)
        rec = Record(paper_id=pid)
        from curator.services import fulltext

        n = apply_suggestions(paper, rec, fulltext.load(lib, pid, with_pdf=False))
        if n:
            try:  # based on "no record yet": a record a curator saved since is merged with, never overwritten
                curation.save_draft(lib, rec, who, base=None)
            except curation.StaleRecord:
                done["skipped"] += 1
                continue
            done["papers"] += 1
            done["suggestions"] += n
    if progress:
        progress(len(paper_ids), len(paper_ids), f"Suggested {done['suggestions']} values in {done['papers']} papers")
    return done


def suggest_cli(lib, files: list[str] | None = None, paper_ids: list[int] | None = None,
                save_drafts: bool = False) -> tuple[list[dict[str, Any]], list[str]]:
    """`curator suggest`: FILEs are imported (merged if already there) first; returns JSON-ready output."""
    from curator.services.importing import import_files

    errors: list[str] = []
    ids: list[int] = list(paper_ids or [])
    if files:
        report = import_files(lib, files)
        for f in report.files:
            if f.error:
                errors.append(f.error)
            for e in f.failed:
                errors.append(f"{f.path}: record {e.record}" + (f" (line {e.line})" if e.line else "")
                              + f": {e.message}")
            ids += [pid for pid in f.paper_ids if pid not in ids]
    out = []
    for pid in ids:
        paper = lib.get_paper(pid)
        if paper is None:
            errors.append(f"no paper with id {pid} in {lib.path}")
            continue
        from curator.services import fulltext

        ft = fulltext.load(lib, pid, with_pdf=False)
        if ft is not None and ft.has_text:  # a PDF: its abstract and results, each suggestion with its page
            found = fulltext.suggestions_json(ft)
        else:
            found = [s.to_dict() for s in (extract(paper.abstract) if paper.abstract else [])]
        entry: dict[str, Any] = {"paper_id": pid, "pmid": paper.pmid, "doi": paper.doi, "title": paper.title,
                                 "suggestions": found}
        if save_drafts:
            if lib.load_record(pid) is None:
                rec = Record(paper_id=pid)
                entry["saved_rows"] = apply_suggestions(paper, rec, ft)
                if entry["saved_rows"]:
                    from curator.services import curation

                    try:  # based on "no record yet": one saved meanwhile is merged with, never written over
                        curation.save_draft(lib, rec, "suggest", base=None)
                    except curation.StaleRecord as exc:
                        entry["saved_rows"] = 0
                        entry["note"] = str(exc)
            else:
                entry["saved_rows"] = 0
                entry["note"] = "the paper already has a record: suggestions were not saved over it"
        out.append(entry)
    return out, errors
