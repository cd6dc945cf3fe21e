"""Records as files (issue 19 item 5): one extraction of one paper as a JSON file, for scripts and for
curators who exchange work by mail.

    export_record(lib, paper_id, "F.json", curator="ana")   # ana's extraction (no curator: the consensus)
    import_record("F.json", lib, curator="ana")             # becomes ana's extraction in this library

The file carries the record exactly (rows, uids, statuses, every value's provenance), who extracted it,
its status and revision, the schema version it was written under, and the paper's identifiers: a paper is
found in the importing library by PMID, DOI or title (domain.duplicates, the one rule), never by its id.
A file that is not such a record, of another schema version, for a paper the library lacks or for another
curator is refused with a message naming the file; nothing is changed then.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curator.domain.duplicates import DuplicateIndex, Keys, record_key
from curator.domain.outcomes import Record, record_from_dict, record_to_dict
from curator.services import extractions
from curator.services.curation import CurationError
from curator.store.library import Library

FORMAT = "curator-record"
FORMAT_VERSION = 1

__all__ = ["FORMAT", "RecordFile", "RecordFileError", "export_record", "find_paper", "import_record", "read_record"]


class RecordFileError(CurationError):
    """A record file that cannot be used (its name in the message); nothing was changed."""


@dataclass
class RecordFile:
    path: Path
    record: Record
    curator: str | None  # None: the consensus record
    status: str
    revision: int
    updated_at: str | None
    schema_version: int
    paper: dict[str, Any]  # pmid, doi, title, year of the paper it is about

    def keys(self) -> Keys:
        p = self.paper
        return Keys(p.get("pmid") or None, p.get("doi") or None, record_key(p.get("title"), p.get("abstract")),
                    p.get("year"))


def _paper_ids(lib: Library, paper_id: int) -> dict[str, Any]:
    paper = lib.get_paper(paper_id)
    if paper is None:
        raise RecordFileError(f"{lib.path}: no paper with id {paper_id}")
    return {"pmid": paper.pmid, "doi": paper.doi, "title": paper.title, "year": paper.year}


def export_record(lib: Library, paper_id: int, out: str | Path, curator: str | None = None) -> Path:
    """Write the paper's extraction by `curator` (None: its consensus record) to `out` (atomically)."""
    paper = _paper_ids(lib, paper_id)
    if curator:
        ex = extractions.extraction(lib, paper_id, curator)
        if ex is None:
            raise RecordFileError(f"paper {paper_id} has no extraction by {curator} in {lib.path}")
        rec, status, revision, updated = ex.record, ex.status, ex.revision, ex.updated_at
    else:
        got = lib.load_record(paper_id)
        if got is None:
            raise RecordFileError(f"paper {paper_id} has no record in {lib.path}")
        rec, status, revision, updated = got, got.status, got.revision, got.updated_at
    doc = {"format": FORMAT, "format_version": FORMAT_VERSION, "schema_version": lib.schema_version,
           "curator": curator or None, "status": status, "revision": revision, "updated_at": updated,
           "paper": paper, "record": record_to_dict(rec)}
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, out)
    return out


def read_record(path: str | Path, schema_version: int | None = None) -> RecordFile:
    """A record file, checked (and, given `schema_version`, of that version); RecordFileError names what is wrong."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecordFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordFileError(f"{path}: cannot read the file ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise RecordFileError(f"{path} is not a Curator record file: not JSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise RecordFileError(f"{path} is not a Curator record file (no \"format\": \"{FORMAT}\")")
    if doc.get("format_version") != FORMAT_VERSION:
        raise RecordFileError(f"{path}: record file format {doc.get('format_version')!r}; this Curator reads "
                              f"format {FORMAT_VERSION}")
    version = doc.get("schema_version")
    if schema_version is not None and version != schema_version:
        raise RecordFileError(f"{path} was written under schema version {version}; this library is at "
                              f"{schema_version}: nothing was imported (export it again from a library "
                              "of the same version)")
    try:
        rec = record_from_dict(doc["record"])
        paper = dict(doc["paper"])
        return RecordFile(path, rec, doc.get("curator"), str(doc["status"]), int(doc["revision"]),
                          doc.get("updated_at"), int(version), paper)
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordFileError(f"{path}: the record file is damaged ({type(exc).__name__}: {exc})") from exc


def find_paper(lib: Library, keys: Keys) -> int | None:
    """The library's paper with these identifiers (PMID, DOI or title: domain.duplicates), or None."""
    index = DuplicateIndex()
    for pid, pmid, doi, title_key, year, _hash in lib.duplicate_keys():
        index.add(pid, Keys(pmid, doi, title_key, year))
    found = index.find(keys)
    return found.paper_id if found else None


def import_record(path: str | Path, lib: Library, curator: str) -> tuple[int, str]:
    """Store the file's extraction as `curator`'s extraction of the same paper in `lib`, exactly as it
    is; returns (paper id, what was done). Refused, nothing changed, for a bad file (see module doc)."""
    f = read_record(path, lib.schema_version)
    name = (curator or "").strip()
    if not name:
        raise RecordFileError(f"{f.path}: say whose extraction it is (--curator NAME)")
    if f.curator and f.curator != name:
        raise RecordFileError(f"{f.path} holds {f.curator}'s extraction, not {name}'s: nothing was imported")
    # a consensus record (exported without --curator) becomes an extraction: a draft stays one, a
    # verified, rejected or excluded record was submitted
    status = f.status if f.status in (extractions.DRAFT, extractions.SUBMITTED) else extractions.SUBMITTED
    pid = find_paper(lib, f.keys())
    if pid is None:
        p = f.paper
        ids = ", ".join(x for x in (f"PMID {p['pmid']}" if p.get("pmid") else "",
                                    f"DOI {p['doi']}" if p.get("doi") else "") if x)
        raise RecordFileError(f"{f.path}: the paper “{(p.get('title') or '')[:80]}”" + (f" ({ids})" if ids else "")
                              + f" is not in {lib.path}: nothing was imported (import the paper first)")
    rec = f.record
    rec.paper_id = pid
    old = extractions.extraction(lib, pid, name)
    extractions.put(lib, rec, name, status, f.revision, f.updated_at)
    return pid, ("replaced" if old is not None else "added")
