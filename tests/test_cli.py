"""The command line: import / papers / export / suggest / snapshot, sharing the GUI's services."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from curator.__main__ import main
from tests.conftest import CASE_REPORT_SEED, PEDIATRIC_SEED


@pytest.fixture(autouse=True)
def _dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("CURATOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CURATOR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("CURATOR_LOG_DIR", str(tmp_path / "log"))


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_json_summary_and_exit_codes(capsys, tmp_path):
    db = str(tmp_path / "lib.sqlite")
    code, out, _ = run(capsys, "import", str(PEDIATRIC_SEED), str(CASE_REPORT_SEED), "--library", db, "--json")
    assert code == 0
    rep = json.loads(out)
    assert [(f["format"], f["added"], f["merged"]) for f in rep["files"]] == [
        ("markdown_summary", 1, 0), ("pubmed_text", 1, 0)]
    assert rep["totals"]["added"] == 2
    # again: merged, not added
    code, out, _ = run(capsys, "import", str(PEDIATRIC_SEED), "--library", db, "--json")
    assert json.loads(out)["totals"] == {"added": 0, "merged": 1, "skipped": 0, "deleted": 0, "failed": 0,
                                         "unreadable_files": 0}
    # a file that cannot be read at all: exit 2, named in the summary, library unchanged
    bad = tmp_path / "photo.ris"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    code, out, _ = run(capsys, "import", str(bad), "--library", db, "--json")
    assert code == 2
    f = json.loads(out)["files"][0]
    assert "photo.ris" in f["error"] and f["added"] == 0
    code, out, _ = run(capsys, "papers", "--library", db, "--json")
    assert len(json.loads(out)) == 2


def test_bad_records_are_reported_with_number_and_line(capsys, tmp_path):
    db = str(tmp_path / "lib.sqlite")
    ris = tmp_path / "mixed.ris"
    ris.write_text("TY  - JOUR\nTI  - A good record about tocilizumab\nPY  - 2020\nER  - \n\n"
                   "TY  - JOUR\nTI  - Another good one\nER  - \n", encoding="utf-8")
    xml = tmp_path / "broken.xml"
    xml.write_text('<?xml version="1.0"?>\n<PubmedArticleSet>\n<PubmedArticle><MedlineCitation><PMID>1</PMID>'
                   "<Article><ArticleTitle>Fine record</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n"
                   "<PubmedArticle><MedlineCitation><PMID>2</PMID><Article><ArticleTitle>Broken <b>record"
                   "</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n</PubmedArticleSet>\n")
    code, out, _ = run(capsys, "import", str(ris), str(xml), "--library", db, "--json")
    assert code == 0  # every file was read; bad records are reported, not fatal
    files = json.loads(out)["files"]
    assert files[0]["added"] == 2
    assert files[1]["added"] == 1
    (err,) = files[1]["failed"]
    assert err["record"] == 2 and err["line"] == 4 and "XML" in err["message"]


def test_folder_import_and_text_output(capsys, tmp_path):
    db = str(tmp_path / "lib.sqlite")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.md").write_text(PEDIATRIC_SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "b.txt").write_text(CASE_REPORT_SEED.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = run(capsys, "import", str(folder), "--library", db)
    assert code == 0
    assert "2 added, 0 merged, 0 skipped, 0 failed from 2 file(s)" in out


def test_export_writes_only_verified(capsys, tmp_path):
    from curator.domain.outcomes import Comparison
    from curator.services import curation
    from curator.services.library import open_library

    db = tmp_path / "lib.sqlite"
    lib, _ = open_library(db, seed=True)
    a, b = [s.id for s in lib.list_papers()]
    rec = curation.load(lib, a)
    rec.comparisons.append(Comparison(analyte="IL-6", value_a=10.0, value_b=5.0, unit="pg/mL", p_text="P = 0.02"))
    curation.save_draft(lib, rec, "x")
    curation.verify(lib, rec, "Ana", allow_gaps=True)  # no design or N: confirmed
    draft = curation.load(lib, b)
    draft.comparisons.append(Comparison(analyte="IL-2", value_a=1.0, value_b=2.0, unit="pg/mL"))
    curation.save_draft(lib, draft, "x")
    lib.close()
    out_dir = tmp_path / "out"
    code, out, _ = run(capsys, "export", "--format", "csv", "--out", str(out_dir), "--library", str(db))
    assert code == 0
    import pandas as pd

    comps = pd.read_csv(out_dir / "comparisons.csv")
    assert comps["analyte"].tolist() == ["IL-6"]
    assert (out_dir / "datapackage.json").exists()


def test_snapshot_renders_a_png(tmp_path):
    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CURATOR_DATA_DIR=str(tmp_path / "d"),
               CURATOR_CONFIG_DIR=str(tmp_path / "c"), CURATOR_LOG_DIR=str(tmp_path / "l"))
    r = subprocess.run([sys.executable, "-m", "curator", "snapshot", "--out", str(out), "--size", "1280x800"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    from PySide6.QtGui import QImage

    img = QImage(str(out))
    assert (img.width(), img.height()) == (1280, 800)
    # not blank: text pixels (dark) and many colours
    dark = sum(1 for x in range(0, 1280, 8) for y in range(0, 800, 8) if img.pixelColor(x, y).lightness() < 80)
    assert dark > 50
    r = subprocess.run([sys.executable, "-m", "curator", "snapshot", "--out", str(out), "--paper", "999"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "no paper with id 999" in r.stderr


def test_suggest_json_for_files_and_papers(capsys, tmp_path):
    db = str(tmp_path / "lib.sqlite")
    code, out, _ = run(capsys, "suggest", str(PEDIATRIC_SEED), "--library", db, "--json")
    assert code == 0
    (paper,) = json.loads(out)
    kinds = {s["kind"] for s in paper["suggestions"]}
    assert {"comparison", "rate", "sample_size", "design", "age_group"} <= kinds
    from curator.store.library import Library

    lib = Library.open(db)
    abstract = lib.get_paper(paper["paper_id"]).abstract
    lib.close()
    for s in paper["suggestions"]:
        assert abstract[s["start"]:s["end"]] == s["text"]
        assert set(s) >= {"kind", "fields", "start", "end", "text"}
    il2 = [s for s in paper["suggestions"] if s["kind"] == "comparison" and s["fields"]["analyte"] == "IL-2"][0]
    assert il2["fields"]["value_a"] == 32.35 and il2["fields"]["value_b"] == 11.94
    assert il2["fields"]["p_operator"] == "<" and il2["fields"]["p_value"] == 0.001
    efs = [s for s in paper["suggestions"] if s["kind"] == "rate" and s["fields"]["endpoint"] == "EFS"][0]
    assert (efs["fields"]["value"], efs["fields"]["ci_low"], efs["fields"]["ci_high"]) == (76.9, 63.8, 92.6)
    assert efs["fields"]["horizon"] == "6 months"

    # the same file again is merged (one paper), and --paper works; --save-drafts pre-fills a draft
    code, out, _ = run(capsys, "suggest", "--paper", str(paper["paper_id"]), "--library", db, "--json",
                       "--save-drafts")
    assert code == 0 and json.loads(out)[0]["saved_rows"] > 5
    lib = Library.open(db)
    rec = lib.load_record(paper["paper_id"])
    assert lib.paper_count() == 1
    assert rec.status == "draft" and rec.has_suggestions()
    assert any(c.analyte == "IL-2" and c.sources for c in rec.comparisons)
    lib.close()


def test_writing_commands_refuse_a_library_open_in_a_window_reading_ones_open_it_read_only(capsys, tmp_path):
    from curator.services.library import open_locked

    db = tmp_path / "lib.sqlite"
    window = open_locked(db, seed=True)  # a Curator window holds the library
    try:
        code, _out, err = run(capsys, "import", str(PEDIATRIC_SEED), "--library", str(db))
        assert code == 2 and "is open in another Curator window" in err and str(os.getpid()) in err
        code, _out, err = run(capsys, "suggest", "--paper", "1", "--save-drafts", "--library", str(db))
        assert code == 2 and "is open in another Curator window" in err
        assert window.lib.load_record(1) is None
        code, out, _ = run(capsys, "papers", "--library", str(db), "--json")  # reading: read-only
        assert code == 0 and len(json.loads(out)) == 2
    finally:
        window.close()
    code, out, _ = run(capsys, "import", str(PEDIATRIC_SEED), "--library", str(db), "--json")
    assert code == 0 and json.loads(out)["totals"]["merged"] == 1  # free again: the import runs


def test_a_file_that_is_not_a_library_is_named(capsys, tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_bytes(b"not a database " * 200)
    code, _out, err = run(capsys, "papers", "--library", str(bad))
    assert code == 2 and "notes.db" in err and "not a Curator library" in err


def test_the_default_library_is_created_with_the_sample_papers(capsys, tmp_path, monkeypatch):
    """No --library: the default library is made on first use with the two bundled samples (the lock
    creates the file empty before the store opens it: still a new library)."""
    monkeypatch.setenv("CURATOR_DATA_DIR", str(tmp_path / "data"))
    assert main(["papers", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert (tmp_path / "data" / "library.sqlite").exists()
