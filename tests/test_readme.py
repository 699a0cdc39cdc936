"""The README's two set-up commands stay true: CI runs the test one verbatim."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    return re.findall(r"```bash\n(python3\.11 .+?)\n```", (REPO / "README.md").read_text())


def test_readme_has_a_run_command_and_a_test_command() -> None:
    run, test = _commands()[:2]
    assert "fitcoach" in run and "pytest" not in run
    assert "pytest" in test


def test_ci_runs_the_readme_test_command() -> None:
    test = _commands()[1]
    assert test in (REPO / ".ci" / "run").read_text().splitlines()
