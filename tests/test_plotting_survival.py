"""The survival plot of one paper, without Qt: horizons read as months, rates with their CI, medians."""

from __future__ import annotations

import pytest

from curator.domain.outcomes import (
    Record,
    TimeToEvent,
)
from curator.plotting.survival import horizon_months, survival
from curator.plotting.tooltips import survival_tooltip


def test_no_rate_says_so():
    assert "No survival rate" in survival(Record(paper_id=1)).message


@pytest.mark.parametrize("text, months", [
    ("6 months", 6), ("6-month", 6), ("1 year", 12), ("2-yr", 24), ("12 mo", 12), ("100 days", 3.285),
    ("day 100", 3.285), ("at 12 weeks", 2.76), ("not a time", None), (None, None)])
def test_horizon_months(text, months):
    got = horizon_months(text)
    assert (got is None and months is None) or got == pytest.approx(months, abs=0.01)


def test_survival_points_with_ci_at_their_horizon():
    rec = Record(paper_id=2, time_to_event=[
        TimeToEvent(endpoint="EFS", horizon="6 months", rate=76.9, ci_level=95, ci_low=63.8, ci_high=92.6),
        TimeToEvent(endpoint="EFS", horizon="1 year", rate=61.0, ci_low=45.0, ci_high=82.0),
        TimeToEvent(endpoint="OS", horizon="6 months", rate=90.0, ci_low=91.0, ci_high=99.0),  # CI misses rate
        TimeToEvent(endpoint="OS", horizon="median", rate=50.0),
        TimeToEvent(endpoint="OS", median_text="not reached"),
    ])
    sd = survival(rec)
    assert [(s.name, [(p.months, p.rate, p.ci_low, p.ci_high) for p in s.points]) for s in sd.series] == [
        ("EFS", [(6, 76.9, 63.8, 92.6), (12, 61.0, 45.0, 82.0)]), ("OS", [(6, 90.0, 91.0, 99.0)])]
    assert sd.series[1].points[0].flag == "the rate lies outside its CI"
    assert len(sd.undrawn) == 1 and "not a time" in sd.undrawn[0][1]
    assert sd.medians == ["OS median not reached"]
    assert "95% CI 63.8–92.6%" in survival_tooltip(sd.series[0].points[0])
