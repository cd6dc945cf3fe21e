"""Formula neutralisation (issue 15, item 8): cells that start with white space or a line break and
then =, +, - or @ are neutralised too -- some spreadsheets and CSV importers trim leading blanks before
deciding a cell is a formula -- while other symbols, categorical values and numbers are unchanged."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pytest

from curator.export.safety import (
    neutralise_arrow,
    neutralise_series,
    neutralise_text,
    restore_formula_text,
    restore_series,
)

HIDDEN_FORMULAS = [" =1+2", "  +SUM(A1:A9)", "\n=HYPERLINK(\"http://x\")", "\r\n-2+3", " \t@cmd", "\u00a0=1",
                   "\u2003+1", "\ufeff=1", "\n\n@x", " -1"]
PLAIN = ["<", "≥", "≤", ">", "<0.05", " <0.05", "=", "-", "+", "@", "a = b", "x-y", " x", "\n", "  ",
         " 5", "'", "''", "' x", "ok -", "≥ 3"]
QUOTED = ["' =1", "'\n@x", "'=", "''"]


@pytest.mark.parametrize("value", HIDDEN_FORMULAS)
def test_blank_then_formula_start_is_neutralised(value):
    out = neutralise_text(value)
    assert out == "'" + value
    assert restore_formula_text(out) == value


@pytest.mark.parametrize("value", PLAIN + QUOTED + HIDDEN_FORMULAS)
def test_text_and_arrow_rules_agree_and_round_trip(value):
    expected = neutralise_text(value)
    assert neutralise_arrow(pa.array([value, "plain"])).to_pylist() == [expected, "plain"]
    assert restore_formula_text(expected) == value


def test_other_symbols_and_categories_are_written_as_they_are():
    # '<', '≥' and friends, a leading blank before a digit or a letter: never a formula start
    for value in ["<", "≥", "≤", ">", "<0.05", " <0.05", "a = b", " x", " 5", "≥ 3", "\n", "  "]:
        assert neutralise_text(value) == value, value
    # the triggers themselves keep today's rule
    for value in ["=", "-", "+", "@", "-3"]:
        assert neutralise_text(value) == "'" + value
    # a text that begins with a quote then a hidden formula start gets one more quote (reversible)
    for value in QUOTED:
        assert neutralise_text(value) == "'" + value


def test_series_and_csv_round_trip_keep_numbers_numeric():
    df = pd.DataFrame({"text": ["ok", " =1+2", "\n@SUM(A1)", "<", "≥", None],
                       "value": [-3.2, 1.0, 2.5, -1.0, 0.0, 4.0]})
    out = df.copy()
    out["text"] = neutralise_series(df["text"])
    assert out["text"].tolist()[:5] == ["ok", "' =1+2", "'\n@SUM(A1)", "<", "≥"]
    assert pd.isna(out["text"].iloc[5])
    buf = io.StringIO()
    out.to_csv(buf, index=False)
    back = pd.read_csv(io.StringIO(buf.getvalue()))
    assert back["value"].tolist() == [-3.2, 1.0, 2.5, -1.0, 0.0, 4.0]  # numbers stay numbers
    assert "-3.2" in buf.getvalue() and "'-3.2" not in buf.getvalue()
    restored = restore_series(back["text"])
    assert restored.tolist()[:5] == ["ok", " =1+2", "\n@SUM(A1)", "<", "≥"]
