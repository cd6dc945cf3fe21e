"""The `curator` command: the GUI when called bare, and import / papers / suggest / export / snapshot.

The CLI calls the same services as the GUI: one code path, two faces.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from curator import __version__


def _open(args: argparse.Namespace, seed: bool | None = None, write: bool = True):
    """The library, opened the one way (services.library.open_locked: its lock, then any migration).
    Writing commands refuse a library another Curator window holds; reading ones open it read-only."""
    from curator.services.library import open_locked

    return open_locked(args.library, seed=seed, if_locked=None if write else (lambda _holder: True),
                       ask_password=_ask_password if sys.stdin.isatty() else None)


def _ask_password(why) -> str | None:
    """A team library's server wants a password libpq found nowhere: ask in the terminal (not echoed;
    used for this run only). Empty or Ctrl-D gives up (services.library.open_locked says why)."""
    import getpass

    if why.refused:
        print(f"curator: {why}", file=sys.stderr)
    try:
        return getpass.getpass(f"Password of user {why.user} on {why.where}: ") or None
    except (EOFError, KeyboardInterrupt):
        print(file=sys.stderr)
        return None


def cmd_import(args: argparse.Namespace) -> int:
    from curator.services.importing import import_files

    opened = _open(args, seed=False)
    try:
        report = import_files(opened.lib, args.paths)
    finally:
        opened.close()
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for f in report.files:
            if f.error:
                print(f"{f.path}: ERROR {f.error}")
                continue
            print(f"{f.path}: {f.format}: {f.added} added, {f.merged} merged, {f.skipped} skipped, "
                  f"{len(f.failed)} failed" + (f", {f.deleted} deleted" if f.deleted else ""))
            for e in f.failed + f.warnings:
                where = f"record {e.record}" + (f", line {e.line}" if e.line else "")
                print(f"  {'warning' if e.warning else 'error'}: {where}: {e.message}")
        print(report.summary_text())
    return 2 if any(f.error and not f.error.startswith("cancelled") for f in report.files) else 0


def cmd_papers(args: argparse.Namespace) -> int:
    opened = _open(args, write=False)
    try:
        rows = opened.lib.list_papers(search=args.search, status=args.status)
    finally:
        opened.close()
    if args.json:
        print(json.dumps([{"id": r.id, "pmid": r.pmid, "doi": r.doi, "title": r.title, "status": r.status,
                           "year": r.year, "first_author": r.first_author} for r in rows],
                         ensure_ascii=False, indent=2))
    else:
        for r in rows:
            print(f"{r.id:>6}  {r.status:<10}  {r.pmid or '-':>9}  {r.doi or '-':<32}  {r.title[:90]}")
        print(f"{len(rows)} paper(s)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from curator.services.export import export_dataset

    if args.extractions or args.agreement:  # issue 19: on request, beside the consensus
        return _export_dual(args)
    opened = _open(args, write=False)
    try:
        report = export_dataset(opened.lib, args.format, Path(args.out), include_drafts=args.include_drafts,
                                analyte=args.analyte)
    finally:
        opened.close()
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print(report.summary_text())
    return 0


def cmd_suggest(args: argparse.Namespace) -> int:
    from curator.services.suggest import suggest_cli

    # reading suggestions only needs the library; importing FILEs or saving drafts writes to it
    opened = _open(args, seed=args.library is None, write=bool(args.files or args.save_drafts))
    try:
        out, errors = suggest_cli(opened.lib, files=args.files, paper_ids=args.paper, save_drafts=args.save_drafts)
    finally:
        opened.close()
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for paper in out:
            print(f"paper {paper['paper_id']}: {paper['title'][:80]}")
            for s in paper["suggestions"]:
                fields = ", ".join(f"{k}={v}" for k, v in s["fields"].items() if v is not None)
                print(f"  {s['kind']:<13} {fields}  [{s['start']}:{s['end']}]")
    for e in errors:
        print(e, file=sys.stderr)
    return 2 if errors else 0


def cmd_tables(args: argparse.Namespace) -> int:
    from curator.services import fulltext

    opened = _open(args, write=False)
    try:
        if opened.lib.get_paper(args.paper) is None:
            print(f"curator tables: no paper with id {args.paper} in the library", file=sys.stderr)
            return 2
        out = fulltext.tables_json(opened.lib, args.paper)
    finally:
        opened.close()
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for t in out["tables"]:
            print(f"page {t['page']}: {t['caption']}")
            for row in t["rows"]:
                print("  " + " | ".join(row))
        print(f"{len(out['tables'])} table(s)")
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    from curator.app import snapshot

    if args.size.lower() == "screen":
        size = None
    else:
        try:
            w, h = (int(x) for x in args.size.lower().split("x"))
        except ValueError:
            print(f"curator snapshot: --size {args.size!r}: give WIDTHxHEIGHT (e.g. 1280x800) or 'screen'",
                  file=sys.stderr)
            return 2
        size = (w, h)
    return snapshot(Path(args.out), library=args.library, paper_id=args.paper, size=size, tab=args.tab)


# --- screen (issue 20): kept in one block ---------------------------------------------------------------
def cmd_screen(args: argparse.Namespace) -> int:
    from curator.services import screening

    opened = _open(args, seed=False, write=args.screen_command in ("decide", "undo"))
    lib = opened.lib
    try:
        if args.screen_command == "next":
            out: object = screening.next_records(lib, args.n)
            text = "\n".join(f"{r['id']:>7}  {'-' if r['score'] is None else format(r['score'], '.3f'):>6}  "
                             f"{r['title'][:100]}" for r in out)  # type: ignore[union-attr]
        elif args.screen_command == "decide":
            done = screening.decide(lib, args.paper, args.decision, reason=args.reason or "", note=args.note or "",
                                    curator=args.curator, stage=args.stage)
            out = {"paper_ids": done.paper_ids, "decision": args.decision, "stage": args.stage,
                   "action": done.action}
            text = f"{args.decision}: {len(done.paper_ids)} paper(s) ({args.stage})"
        elif args.screen_command == "undo":
            done = screening.undo(lib, stage=args.stage, curator=args.curator)
            out = {"paper_ids": done.paper_ids, "stage": args.stage}
            text = f"undone: {len(done.paper_ids)} paper(s)" if done.paper_ids else "nothing to undo"
        elif args.screen_command == "prisma":
            from curator.app import save_prisma_diagram  # PNG rendering needs Qt: through the composition root

            path = save_prisma_diagram(screening.prisma_counts(lib), Path(args.out))
            out, text = {"written": str(path)}, f"wrote {path}"
        else:  # stats
            out = screening.prisma_counts(lib)
            text = "\n".join(f"{k}: {v}" for k, v in out.items() if not isinstance(v, list | dict))  # type: ignore[union-attr]
    except ValueError as exc:
        print(f"curator screen: {exc}", file=sys.stderr)
        return 2
    finally:
        opened.close()
    print(json.dumps(out, ensure_ascii=False, indent=2) if args.json else text)
    return 0


# --- library (issue 18): kept in one block -----------------------------------------------------------
def cmd_library(args: argparse.Namespace) -> int:
    from curator.services.library import copy_library

    def progress(table: str, n: int) -> None:
        if not args.json:
            print(f"  {table}: {n} row(s) copied", file=sys.stderr)

    report = copy_library(args.source, args.target, progress)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for t in report.tables:
            print(f"{t.table:<22} {t.rows:>9} row(s)  {'same' if t.ok else 'DIFFERENT'}  sha256 {t.source_hash[:16]}…")
        print(f"copied {report.source} → {report.target}: " + ("checked, identical" if report.ok else "CHECK FAILED"))
    return 0 if report.ok else 1


def add_library_parser(sub) -> None:
    sp = sub.add_parser("library", help="manage libraries: copy one between SQLite and PostgreSQL")
    lsub = sp.add_subparsers(dest="library_command", required=True)
    c = lsub.add_parser("copy", help="copy a whole library (a file or postgresql://user@host:port/dbname) into "
                                     "a new file or an empty server library, then check the copy")
    c.add_argument("source", metavar="SRC")
    c.add_argument("target", metavar="DST")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_library)


def add_screen_parser(add) -> None:
    sp = add("screen", "screen titles and abstracts: next records by the ranking, decide, undo, PRISMA counts")
    ssub = sp.add_subparsers(dest="screen_command", required=True)
    for name, help in (("next", "the next unscreened records, most likely includes first"),
                       ("decide", "record one decision for one or more papers"),
                       ("undo", "take back the latest decision"),
                       ("stats", "PRISMA 2020 counts"),
                       ("prisma", "write the PRISMA 2020 flow diagram (.svg, .png) or its counts (.csv, .json)")):
        s = ssub.add_parser(name, help=help)
        s.add_argument("--library", default=argparse.SUPPRESS, help="library file or postgresql:// URL")
        s.add_argument("--json", action="store_true")
        if name == "next":
            s.add_argument("--n", type=int, default=10, help="how many records (default 10)")
        if name in ("decide", "undo"):
            s.add_argument("--stage", default="title_abstract", choices=["title_abstract", "full_text"])
            s.add_argument("--curator", help="who decides")
        if name == "prisma":
            s.add_argument("--out", required=True, help="FILE.svg, FILE.png, FILE.csv or FILE.json")
        if name == "decide":
            s.add_argument("--paper", type=int, action="append", required=True, help="paper id (repeatable)")
            s.add_argument("--decision", required=True, choices=["include", "exclude", "maybe"])
            s.add_argument("--reason", help="exclusion reason")
            s.add_argument("--note")
    sp.set_defaults(func=cmd_screen)


# --- record / compare (issue 19): kept in one block ---------------------------------------------------------
def _export_dual(args: argparse.Namespace) -> int:
    from curator.services import dual_export

    opened = _open(args, write=False)
    try:
        if args.extractions:
            report = dual_export.export_extractions(opened.lib, args.format, Path(args.out), curator=args.curator)
        else:
            report = dual_export.export_agreement(opened.lib, args.format, Path(args.out), other=args.other)
    except (ValueError, RuntimeError) as exc:  # ExportError, CompareError: named
        print(f"curator export: {exc}", file=sys.stderr)
        return 2
    finally:
        opened.close()
    print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str) if args.json
          else report.summary_text())
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    from curator.services import record_files

    try:
        if args.record_command == "export":
            opened = _open(args, seed=False, write=False)
            try:
                path = record_files.export_record(opened.lib, args.paper, Path(args.out), curator=args.curator)
            finally:
                opened.close()
            print(f"wrote {path}")
        elif args.record_command == "import":
            opened = _open(args, seed=False)
            try:
                pid, done = record_files.import_record(Path(args.file), opened.lib, args.curator)
            finally:
                opened.close()
            print(f"{args.file}: {done} {args.curator}'s extraction of paper {pid}")
        else:
            from curator.services import extractions

            opened = _open(args, seed=False)
            try:
                if args.record_command == "submit":
                    extractions.submit_extraction(opened.lib, args.paper, args.curator)
                    print(f"{args.curator}'s extraction of paper {args.paper} is submitted")
                else:
                    extractions.set_blind(opened.lib, {"on": True, "off": False}.get(args.mode))
                    on = extractions.blind_mode(opened.lib)
                    print(f"blind mode is {'on' if on else 'off'}" + (" (the default)" if args.mode == "default" else ""))
            finally:
                opened.close()
    except ValueError as exc:  # RecordFileError, CurationError: the message names the file
        print(f"curator record {args.record_command}: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from curator.services import compare

    try:
        tol = compare.Tolerance(args.tolerance, args.relative_tolerance)
    except ValueError as exc:
        print(f"curator compare: {exc}", file=sys.stderr)
        return 2
    opened = _open(args, write=False)
    try:
        report = compare.compare_with_library(opened.lib, args.other, tol, curator=args.curator,
                                              other_curator=args.other_curator)
    except ValueError as exc:  # CompareError: nothing matches, another schema version
        print(f"curator compare: {exc}", file=sys.stderr)
        return 2
    finally:
        opened.close()
    print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if args.json else report.summary_text())
    return 0


def add_record_parsers(add) -> None:
    sp = add("record", "one paper's extraction as a JSON file: export it, or import one (e.g. sent by mail)")
    rsub = sp.add_subparsers(dest="record_command", required=True)
    s = rsub.add_parser("export", help="write a paper's extraction (or its consensus record) to a file")
    s.add_argument("--library", default=argparse.SUPPRESS, help="library file")
    s.add_argument("--paper", type=int, required=True, help="paper id")
    s.add_argument("--curator", help="whose extraction (default: the consensus record)")
    s.add_argument("--out", required=True, help="FILE.json")
    s = rsub.add_parser("import", help="store a record file as a curator's extraction of the same paper")
    s.add_argument("file", metavar="FILE.json")
    s.add_argument("--library", default=argparse.SUPPRESS, help="library file")
    s.add_argument("--curator", required=True, help="whose extraction it is")
    s = rsub.add_parser("submit", help="a curator is done with a paper: their extraction becomes submitted")
    s.add_argument("--library", default=argparse.SUPPRESS, help="library file")
    s.add_argument("--paper", type=int, required=True, help="paper id")
    s.add_argument("--curator", required=True, help="whose extraction")
    s = rsub.add_parser("blind", help="blind mode: others' extractions hidden until one's own is submitted")
    s.add_argument("mode", choices=["on", "off", "default"], help="default: on when the library has more than one curator")
    s.add_argument("--library", default=argparse.SUPPRESS, help="library file")
    sp.set_defaults(func=cmd_record)

    sp = add("compare", "compare the extractions of two libraries: agreement, Cohen's kappa, disagreements")
    sp.add_argument("--other", required=True, help="the other library file")
    sp.add_argument("--curator", help="compare this curator's extractions in --library (default: the latest record)")
    sp.add_argument("--other-curator", help="... and this one's in --other")
    sp.add_argument("--tolerance", type=float, default=0.0, help="numbers agree within this absolute difference")
    sp.add_argument("--relative-tolerance", type=float, default=0.0,
                    help="... or within this fraction of the larger value (0.01 = 1%%)")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_compare)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="curator", description="Curate CAR-T toxicity outcomes from papers.")
    p.add_argument("--version", action="version", version=f"curator {__version__}")
    p.add_argument("--library", help="library file, or a team library on a PostgreSQL server: "
                                     "postgresql://user@host:port/dbname (default: the library in your data directory)")
    sub = p.add_subparsers(dest="command")

    def add(name: str, help: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help)
        sp.add_argument("--library", default=argparse.SUPPRESS, help="library file or postgresql:// URL")
        return sp

    sp = add("import", "import files or folders of papers")
    sp.add_argument("paths", nargs="+", metavar="PATH")
    sp.add_argument("--json", action="store_true", help="print the summary as JSON")
    sp.set_defaults(func=cmd_import)

    sp = add("papers", "list the papers in the library")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--search", help="full-text search (title, abstract, authors, keywords, MeSH)")
    sp.add_argument("--status", choices=["unreviewed", "draft", "verified", "rejected", "excluded"])
    sp.set_defaults(func=cmd_papers)

    sp = add("export", "export verified records")
    sp.add_argument("--format", required=True, choices=["csv", "xlsx", "json", "parquet", "sqlite"])
    sp.add_argument("--out", required=True, help="folder (csv) or file")
    sp.add_argument("--include-drafts", action="store_true", help="also export draft records")
    sp.add_argument("--analyte", help="only rows about this analyte")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--extractions", action="store_true",
                    help="each curator's extraction instead (csv or xlsx; the curator in every row)")
    sp.add_argument("--curator", help="with --extractions: only this curator's")
    sp.add_argument("--agreement", action="store_true",
                    help="the agreement table instead (csv or xlsx): of the curators' extractions, or with --other")
    sp.add_argument("--other", help="with --agreement: compare with this library file")
    sp.set_defaults(func=cmd_export)

    sp = add("suggest", "suggest structured values from papers' text")
    sp.add_argument("files", nargs="*", metavar="FILE")
    sp.add_argument("--paper", type=int, action="append", help="paper id (repeatable)")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--save-drafts", action="store_true", help="store suggestions as draft records")
    sp.set_defaults(func=cmd_suggest)

    sp = add("tables", "the tables of a paper's PDF full text, cells as printed")
    sp.add_argument("--paper", type=int, required=True, help="paper id")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_tables)

    sp = add("snapshot", "render the main window to a PNG and exit")
    sp.add_argument("--out", required=True)
    sp.add_argument("--paper", type=int)
    sp.add_argument("--size", default="1280x800",
                    help="WIDTHxHEIGHT, or 'screen': the size a first run takes on this screen")
    sp.add_argument("--tab", default=None,
                    help="tab to show, by its visible name: Study, Treatments, Toxicities, Labs, Survival table, "
                         "Timeline, Notes; or a plot: Kinetics, Before / after, Survival, Across library")
    sp.set_defaults(func=cmd_snapshot)

    add_screen_parser(add)
    add_record_parsers(add)
    add_library_parser(sub)

    sp = add("gui", "start the application (the default)")
    sp.set_defaults(func=None)
    return p


def _opened_files(argv: list[str]) -> list[Path] | None:
    """`argv` when it is only paths of existing files (not a subcommand), else None."""
    if not argv or any(a.startswith("-") for a in argv) or argv[0] in COMMANDS:
        return None
    files = [Path(a) for a in argv]
    return files if all(f.is_file() for f in files) else None


COMMANDS = ("import", "papers", "export", "suggest", "tables", "snapshot", "screen", "record", "compare",
            "library", "gui")


def main(argv: list[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # bulk imports parse in worker processes, also when frozen
    raw = sys.argv[1:] if argv is None else argv
    files = _opened_files(raw)
    if files:  # `curator FILE...`: what a desktop runs when the curator opens files with Curator
        from curator.app import main as gui_main

        return gui_main([str(f) for f in files])
    args = build_parser().parse_args(raw)
    if not hasattr(args, "library"):
        args.library = None
    if args.command in (None, "gui") or getattr(args, "func", None) is None:
        from curator.app import main as gui_main

        return gui_main(["--library", args.library] if args.library else [])
    if args.command == "suggest" and not args.files and not args.paper:
        build_parser().error("suggest needs FILE... or --paper ID")
    from curator.services.library import LIBRARY_ERRORS, CannotOpen

    try:
        return args.func(args)
    except (CannotOpen, *LIBRARY_ERRORS) as exc:  # in use, not a library, newer, read-only, disk full
        print(f"curator {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
