"""Precision / recall of the extractor per kind on every labelled set.

    /work/main/.venv/bin/python benchmarks/extract_accuracy.py [--misses] [--gold PATH] [--dev DIR] [--only NAME]

Sets:
  gold          tests/data/extract_gold.json — the project's own labels (kinds and key fields in
                curator/extract/scoring.py: every key field equal)
  dev           ../shared/extract_dev/ (30 hand-labelled abstracts; matching rules in
                curator/extract/dev_scoring.py: numbers equal and the span overlapping the gold quote)
  dev-odd       d01, d03, ... (the half whose misses were read while writing rules)
  dev-even      d02, d04, ... (the held-out half: its figures are the honest estimate on unseen papers)
  synth         tests/data/extract_synth/ — abstracts written for this measure by three independent writers who
                never saw the rules, labelled in extract_dev's schema (sa = registry cohorts, sb = trials,
                sc = case reports and series); same matching rules as dev
  synth-odd     sa01, sa03, ... sb01, ... (the half whose misses were read while writing rules)
  synth-even    sa02, sa04, ... (held out: never read)

--misses lists every miss (gold item not found) and false alarm (suggestion matching no gold item).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from curator.extract.dev_scoring import evaluate_papers, format_dev_table, load_papers
from curator.extract.scoring import evaluate, format_table, load_gold


def _dev_dir(explicit: str | None) -> Path | None:
    for c in ([Path(explicit)] if explicit else []) + [REPO.parent / "shared" / "extract_dev",
                                                         Path("/work/shared/extract_dev")]:
        if (c / "papers").is_dir():
            return c
    return None


def _misses(table, width: int = 16) -> None:
    for kind, c in table.items():
        for doc_id, g in c.misses:
            g = {k: v for k, v in g.items() if k not in ("note", "as_written")}
            print(f"  MISS  {kind:<{width}} {doc_id:<8} {json.dumps(g, ensure_ascii=False)[:300]}")
        for doc_id, p in c.false_alarms:
            f = {k: v for k, v in p["fields"].items() if v is not None and not k.startswith("_")}
            print(f"  FALSE {kind:<{width}} {doc_id:<8} {json.dumps(f, ensure_ascii=False)[:200]}"
                  f"  «{(p.get('text') or '')[:120]}»")


def _number(paper_id: str) -> int:
    """'d07' → 7, 'sb12' → 12: a paper's number decides its half."""
    return int(re.search(r"\d+", paper_id).group())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(REPO / "tests" / "data" / "extract_gold.json"))
    ap.add_argument("--dev", help="extract_dev folder (default ../shared/extract_dev)")
    ap.add_argument("--only", choices=("gold", "dev", "dev-odd", "dev-even", "synth", "synth-odd", "synth-even"),
                    help="print one set only")
    ap.add_argument("--synth", default=str(REPO / "tests" / "data" / "extract_synth"))
    ap.add_argument("--misses", "-v", action="store_true", help="list misses and false alarms")
    args = ap.parse_args()

    if args.only in (None, "gold"):
        docs = load_gold(args.gold)
        table = evaluate(docs)
        print(f"== gold: {args.gold}  ({len(docs)} abstracts, {sum(len(d['expected']) for d in docs)} expected items)")
        print(format_table(table))
        if args.misses:
            _misses(table, 13)
        print()

    halves: dict[str, tuple[Path, list]] = {}
    for name, folder in (("dev", _dev_dir(args.dev)), ("synth", Path(args.synth))):
        if folder is None or not folder.is_dir():
            print(f"{name}: labelled set not found (pass --{name})")
            continue
        papers = load_papers(folder)
        halves[name] = (folder, papers)
        halves[f"{name}-odd"] = (folder, [p for p in papers if _number(p["id"]) % 2 == 1])
        halves[f"{name}-even"] = (folder, [p for p in papers if _number(p["id"]) % 2 == 0])
    for name, (dev, ps) in halves.items():
        if args.only not in (None, name):
            continue
        table = evaluate_papers(ps)
        print(f"== {name}: {dev}  ({len(ps)} abstracts)")
        print(format_dev_table(table))
        if args.misses:
            _misses(table)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
