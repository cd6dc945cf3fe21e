"""The README's two set-up commands stay true: CI runs exactly the README's test command."""

from __future__ import annotations

import re

from tests.conftest import REPO


def _commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    head = text.split("\n## ", 1)[0]
    return re.findall(r"```(?:sh|bash)\n(.+?)\n```", head, flags=re.DOTALL)


def test_readme_opens_with_exactly_two_commands():
    cmds = _commands()
    assert len(cmds) == 2, cmds
    assert "curator" in cmds[0] and "pip install" in cmds[0]
    assert "pytest" in cmds[1] and "QT_QPA_PLATFORM=offscreen" in cmds[1]


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert _commands()[1].strip() in ci
