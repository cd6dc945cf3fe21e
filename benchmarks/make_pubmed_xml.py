"""Build a large PubMed XML file from the corpus records, with identifiers and titles varied.

    python benchmarks/make_pubmed_xml.py OUT.xml [N=100000] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from lxml import etree


def corpus_dir(given: str | None) -> Path:
    for c in [given, os.environ.get("CURATOR_CORPUS"), Path(__file__).resolve().parents[2] / "shared" / "corpus",
              "/work/shared/corpus"]:
        if c and (Path(c) / "SOURCES.md").exists():
            return Path(c)
    sys.exit("corpus not found: pass --corpus DIR")


def templates(corpus: Path) -> list[bytes]:
    out = []
    for f in sorted((corpus / "pubmed_xml").rglob("*.xml")):
        try:
            tree = etree.parse(str(f), etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
        except etree.XMLSyntaxError:
            continue
        for el in tree.getroot().iter("PubmedArticle"):
            out.append(etree.tostring(el, encoding="utf-8"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("n", nargs="?", type=int, default=100_000)
    ap.add_argument("--corpus")
    a = ap.parse_args()
    recs = templates(corpus_dir(a.corpus))
    pmid_re = re.compile(rb"<PMID( [^>]*)?>\d+</PMID>")
    doi_re = re.compile(rb'(<ArticleId IdType="doi">|<ELocationID EIdType="doi"[^>]*>)([^<]+)<')
    title_re = re.compile(rb"<ArticleTitle>")
    with open(a.out, "wb") as fh:
        fh.write(b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE PubmedArticleSet>\n<PubmedArticleSet>\n')
        for i in range(a.n):
            r = recs[i % len(recs)]
            pmid = 90_000_000 + i
            r = pmid_re.sub(b"<PMID Version=\"1\">%d</PMID>" % pmid, r, count=1)
            r = doi_re.sub(lambda m: m.group(1) + m.group(2) + b".v%d<" % i, r)  # noqa: B023 (used at once)
            r = title_re.sub(b"<ArticleTitle>[%d] " % i, r, count=1)
            fh.write(r)
            fh.write(b"\n")
        fh.write(b"</PubmedArticleSet>\n")
    size = Path(a.out).stat().st_size
    print(f"wrote {a.n} records from {len(recs)} templates to {a.out} ({size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
