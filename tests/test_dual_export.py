"""Exports of dual extraction (issue 19 item 6): the consensus by default; each curator's extraction and the
agreement table on request, as CSV and Excel, with the curator in every row."""

from __future__ import annotations

import pandas as pd
import pytest

from curator.__main__ import main
from curator.services import extractions
from curator.services.library import open_library
from tests.dual_helpers import curator_a, curator_b


@pytest.fixture
def two(library_path):
    lib, _ = open_library(library_path, seed=True)
    pid = lib.list_papers(search="pediatric emapalumab")[0].id
    abstract = lib.get_paper(pid).abstract
    extractions.save_extraction(lib, curator_a(pid, abstract), "ana")
    extractions.save_extraction(lib, curator_b(pid, abstract), "ben")
    extractions.submit_extraction(lib, pid, "ben")
    lib.close()
    return library_path, pid


def test_each_curators_extraction_csv_and_xlsx(two, tmp_path, capsys):
    path, pid = two
    out = tmp_path / "ex"
    assert main(["export", "--library", str(path), "--format", "csv", "--out", str(out), "--extractions"]) == 0
    comp = pd.read_csv(out / "comparisons.csv")
    assert len(comp) == 14 and comp["curator"].notna().all()
    assert comp.groupby("curator").size().to_dict() == {"ana": 7, "ben": 7}
    il10 = comp[comp["analyte"] == "IL-10"].set_index("curator")
    assert il10.loc["ana", "value_b"] == 86.09 and il10.loc["ben", "value_b"] == 86.9
    assert set(comp["extraction_status"]) == {"draft", "submitted"}
    tox = pd.read_csv(out / "toxicities.csv")
    assert list(tox["curator"]) == ["ben"] and list(tox["grade"]) == [4]  # only ben entered it
    studies = pd.read_csv(out / "studies.csv").set_index("curator")
    assert studies.loc["ana", "n_enrolled"] == 38 and studies.loc["ben", "n_enrolled"] == 36
    every = pd.read_csv(out / "extractions.csv")
    assert list(every["curator"]) == ["ana", "ben"] and (every["paper_id"] == pid).all()
    dictionary = pd.read_csv(out / "dictionary.csv")
    assert ((dictionary["table"] == "comparisons") & (dictionary["column"] == "curator")).any()

    xl = tmp_path / "ex.xlsx"
    assert main(["export", "--library", str(path), "--format", "xlsx", "--out", str(xl), "--extractions",
                 "--curator", "ben"]) == 0
    sheet = pd.read_excel(xl, sheet_name="time_to_event")
    assert list(sheet["curator"]) == ["ben"] and list(sheet["endpoint"]) == ["EFS"]
    assert "Exported 1 paper(s)" in capsys.readouterr().out


def test_agreement_table(two, tmp_path):
    path, pid = two
    out = tmp_path / "ag"
    assert main(["export", "--library", str(path), "--format", "csv", "--out", str(out), "--agreement"]) == 0
    overall = pd.read_csv(out / "agreement_overall.csv").iloc[0]
    assert (overall["compared"], overall["agreements"], overall["papers"]) == (79, 66, 1)
    assert overall["kappa"] == pytest.approx(339 / 397)
    assert (overall["curator_a"], overall["curator_b"]) == ("ana", "ben")
    by_field = pd.read_csv(out / "agreement_by_field.csv").set_index(["table", "field"])
    assert by_field.loc[("exposures", "indication"), "kappa"] == 0.0
    assert by_field.loc[("exposures", "indication"), "value_only_in_A"] == 1
    assert pd.isna(by_field.loc[("exposures", "role"), "kappa"])  # undefined
    dis = pd.read_csv(out / "disagreements.csv")
    assert len(dis) == 13 and set(dis["curator_a"]) == {"ana"} and set(dis["curator_b"]) == {"ben"}
    n = dis[(dis["table"] == "studies") & (dis["field"] == "n_enrolled")].iloc[0]
    assert (str(n["a"]), str(n["b"]), n["kind"], n["paper_id"]) == ("38", "36", "value differs", pid)
    assert dis.groupby("kind").size().to_dict() == {"row only in A": 7, "row only in B": 2, "value differs": 3,
                                                    "value only in A": 1}
    by_paper = pd.read_csv(out / "agreement_by_paper.csv")
    assert list(by_paper["paper_id"]) == [pid] and by_paper["title"][0].startswith("Emapalumab in pediatric")

    xl = tmp_path / "ag.xlsx"
    assert main(["export", "--library", str(path), "--format", "xlsx", "--out", str(xl), "--agreement"]) == 0
    assert len(pd.read_excel(xl, sheet_name="disagreements")) == 13


def test_consensus_stays_the_default_and_bad_requests_are_named(two, tmp_path, capsys):
    path, _pid = two
    out = tmp_path / "consensus"
    assert main(["export", "--library", str(path), "--format", "csv", "--out", str(out)]) == 0
    assert len(pd.read_csv(out / "papers.csv")) == 0  # no verified consensus yet: extractions are not it
    assert main(["export", "--library", str(path), "--format", "json", "--out", str(tmp_path / "x.json"),
                 "--agreement"]) == 2
    assert "unknown format 'json' for this export" in capsys.readouterr().err
    lib, _ = open_library(tmp_path / "empty.sqlite", seed=True)
    lib.close()
    assert main(["export", "--library", str(tmp_path / "empty.sqlite"), "--format", "csv",
                 "--out", str(tmp_path / "none"), "--agreement"]) == 2
    assert "has two extractions" in capsys.readouterr().err and not (tmp_path / "none").exists()
