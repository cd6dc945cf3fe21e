"""The shared rules of every plot: number and day formats, unit names, log-axis choice and floor, days
written in a timepoint, and the source sentence of a quoted value."""

from __future__ import annotations

import math

import pytest

from curator.plotting.sources import source_sentence
from curator.plotting.values import (
    FLAG_ABOVE,
    FLAG_BELOW,
    FLAG_NONPOSITIVE,
    day_in_text,
    flag_operator,
    floor_note,
    fmt_day,
    fmt_value,
    limit_flag,
    log_floor,
    log_suits,
    unit_display,
)


def test_log_suits_not_temperature_nor_narrow_ranges():
    assert log_suits("pg/mL", [5, 2000])
    assert not log_suits("°C", [36.5, 40.1])
    assert not log_suits("g/dL", [8.0, 12.0])
    assert not log_suits("pg/mL", [])


def test_fmt_helpers():
    assert fmt_day(0) == "d0" and fmt_day(11) == "d+11" and fmt_day(-3) == "d-3"
    assert fmt_value(2150.0) == "2150" and fmt_value(32.35) == "32.35" and fmt_value(0.05) == "0.05"
    assert fmt_value(None) == "—"
    assert unit_display("cell/μl") == "cells/µL" and unit_display(None) == "(no unit)"


def test_log_floor_is_half_a_decade_under_the_smallest_positive():
    assert log_floor([3.0, 30.0, 0.0, -1.0]) == pytest.approx(3.0 / math.sqrt(10))
    assert log_floor([0.0]) == 1.0


@pytest.mark.parametrize("text, day", [("day 7", 7.0), ("D+14", 14.0), ("d -2", -2.0), ("day −3", -3.0),
                                       ("peak", None), ("", None), (None, None)])
def test_day_in_text(text, day):
    assert day_in_text(text) == day


def test_source_sentence_is_the_sentence_that_holds_the_span():
    text = "CRS began on day 2. IL-6 peaked at 2150 pg/mL on day 5. It fell."
    q = "2150 pg/mL"
    i = text.index(q)
    assert source_sentence(i, i + len(q), q, text) == "IL-6 peaked at 2150 pg/mL on day 5."
    assert source_sentence(i, i + len(q), "other words", text) == "other words"  # offsets of another text
    assert source_sentence(i, i + len(q), q, None) == q


def test_limit_flags_and_the_floor_note():
    assert [limit_flag(op) for op in ("<", "≤", ">", "≥", "=", None)] == [
        FLAG_BELOW, FLAG_BELOW, FLAG_ABOVE, FLAG_ABOVE, "", ""]
    assert [flag_operator(f) for f in (FLAG_BELOW, FLAG_ABOVE, FLAG_NONPOSITIVE, "")] == ["<", ">", "", ""]
    assert floor_note(0) == "" and floor_note(1) == "⚠ 1 value ≤ 0 drawn at the axis floor (✕)"
    assert floor_note(3).startswith("⚠ 3 values ≤ 0")
