"""Precision / recall of the extractor per kind on the hand-labelled gold set (tests/data/extract_gold.json).

    /work/main/.venv/bin/python benchmarks/extract_accuracy.py [-v] [--gold PATH]

-v lists every miss (gold item not found) and false alarm (suggestion not in the gold set).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from curator.extract.scoring import evaluate, format_table, load_gold


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(REPO / "tests" / "data" / "extract_gold.json"))
    ap.add_argument("-v", "--verbose", action="store_true", help="list misses and false alarms")
    args = ap.parse_args()
    docs = load_gold(args.gold)
    table = evaluate(docs)
    print(f"gold set: {args.gold}  ({len(docs)} abstracts, {sum(len(d['expected']) for d in docs)} expected items)")
    print(format_table(table))
    if args.verbose:
        for kind, c in table.items():
            for doc_id, g in c.misses:
                print(f"MISS  {kind:<13} {doc_id:<18} {g['fields']}")
            for doc_id, p in c.false_alarms:
                print(f"FALSE {kind:<13} {doc_id:<18} {p['fields']}  «{p.get('text')}»")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
