"""When to stop screening: progress statistics and a stated stopping rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class ScreeningProgress:
    """Where screening stands, from the decisions in the order they were made."""

    screened: int = 0
    included: int = 0
    excluded: int = 0
    maybe: int = 0
    since_last_include: int = 0  # decisions made since the last include (all of them if none yet)
    curve: list[tuple[int, int]] = field(default_factory=list)  # (records screened, includes found)

    def to_dict(self) -> dict:
        return {"screened": self.screened, "included": self.included, "excluded": self.excluded,
                "maybe": self.maybe, "since_last_include": self.since_last_include}


def progress_of(decisions: Sequence[str]) -> ScreeningProgress:
    """`decisions`: the current decision of each screened record, oldest first ('include',
    'exclude' or 'maybe')."""
    p = ScreeningProgress()
    p.curve.append((0, 0))
    for d in decisions:
        p.screened += 1
        if d == "include":
            p.included += 1
            p.since_last_include = 0
        else:
            p.since_last_include += 1
            if d == "exclude":
                p.excluded += 1
            elif d == "maybe":
                p.maybe += 1
            else:
                raise ValueError(f"unknown decision {d!r}")
        p.curve.append((p.screened, p.included))
    return p


@dataclass(frozen=True)
class ConsecutiveExcludes:
    """Stop after N records in a row that were not included (the 'N consecutive irrelevant' rule
    of ASReview's stoppers). Only counts once the first include has been found."""

    n: int = 100

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"the stopping rule needs N ≥ 1, not {self.n}")

    def reached(self, progress: ScreeningProgress) -> bool:
        return progress.included > 0 and progress.since_last_include >= self.n

    def remaining(self, progress: ScreeningProgress) -> int:
        """Records still to screen before the rule is met (if no include turns up)."""
        return max(0, self.n - progress.since_last_include)

    def describe(self) -> str:
        return f"stop after {self.n} consecutive records not included"
