"""Expected outcomes per replayed file, and checking a replay against them.

03_log_squats.wav:
  expect:
    action: log_workout_set      # none | get_todays_workout | get_todays_meals |
    exercise: squat              #   log_workout_set | ask_specialist_agent
    sets: 3
    reps: 10
    weight_kg: 80
    weight_tolerance_kg: 0.5     # default 0.5
    specialist: supplement       # for ask_specialist_agent
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fitcoach.errors import InvalidInput
from fitcoach.runner.replay import ReplayReport, TurnRecord

ACTIONS = {
    "none",
    "get_todays_workout",
    "get_todays_meals",
    "log_workout_set",
    "ask_specialist_agent",
}


@dataclass(frozen=True)
class Verdict:
    file: str
    passed: bool
    problems: list[str]
    # Set when the expectation documents a known limitation (say, a synthetic voice whisper
    # mishears): such a turn is reported, and does not fail the replay.
    known_miss: str | None = None

    @property
    def failed(self) -> bool:
        return not self.passed and self.known_miss is None


def load_expectations(path: Path) -> dict[str, dict[str, Any]]:
    """File name -> its `expect` block, from YAML or JSON."""
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"expectations file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(f"cannot read expectations file {path}: {type(exc).__name__}") from None
    if not isinstance(raw, dict):
        raise InvalidInput(f"{path} must map file names to expectations")
    expectations: dict[str, dict[str, Any]] = {}
    for name, entry in raw.items():
        expect = entry.get("expect") if isinstance(entry, dict) else None
        if not isinstance(expect, dict) or expect.get("action") not in ACTIONS:
            raise InvalidInput(
                f"{path}: entry {str(name)[:60]!r} needs expect.action, one of {sorted(ACTIONS)}"
            )
        expectations[Path(str(name)).name] = expect
    return expectations


def check_turn(turn: TurnRecord, expect: dict[str, Any] | None) -> Verdict:
    name = Path(turn.file).name
    if expect is None:
        return Verdict(name, False, ["no expectation for this file"])
    problems: list[str] = []
    if turn.error:
        problems.append(turn.error)
    action = expect["action"]
    if action != turn.action:
        problems.append(f"expected {action}, got {turn.action}")
    if action == "ask_specialist_agent" and "specialist" in expect and turn.tool_calls:
        got = turn.tool_calls[0].arguments.get("specialist")
        if got != expect["specialist"]:
            problems.append(f"expected the {expect['specialist']} specialist, got {got}")
    if action == "log_workout_set":
        logged = turn.logged
        want_sets = int(expect.get("sets", 1))
        if len(logged) != want_sets:
            problems.append(f"expected {want_sets} sets written, got {len(logged)}")
        tolerance = float(expect.get("weight_tolerance_kg", 0.5))
        for row in logged:
            if "exercise" in expect and row["exercise"] != expect["exercise"]:
                problems.append(f"exercise {row['exercise']!r}, expected {expect['exercise']!r}")
            if "reps" in expect and row["reps"] != int(expect["reps"]):
                problems.append(f"reps {row['reps']}, expected {expect['reps']}")
            if (
                "weight_kg" in expect
                and abs(row["weight_kg"] - float(expect["weight_kg"])) > tolerance
            ):
                problems.append(f"weight {row['weight_kg']} kg, expected {expect['weight_kg']} kg")
            if problems:
                break
    elif turn.logged:
        problems.append(f"wrote {len(turn.logged)} sets, expected none")
    known = expect.get("known_miss")
    return Verdict(name, not problems, problems, str(known) if known else None)


@dataclass(frozen=True)
class ReplayJudgement:
    """A replay held against its expectations and latency budget: what to report, and the
    exit status (1 when a turn failed or the budget was missed)."""

    verdicts: dict[str, Verdict]
    e2e_p95: float | None
    budget_p95: float | None

    @property
    def failed(self) -> list[Verdict]:
        return [v for v in self.verdicts.values() if v.failed]

    @property
    def known_misses(self) -> list[Verdict]:
        return [v for v in self.verdicts.values() if v.known_miss and not v.passed]

    @property
    def passed(self) -> int:
        return sum(v.passed for v in self.verdicts.values())

    @property
    def over_budget(self) -> bool:
        if self.budget_p95 is None:
            return False
        return self.e2e_p95 is None or self.e2e_p95 > self.budget_p95

    @property
    def status(self) -> int:
        return 1 if self.failed or self.over_budget else 0


def judge_replay(
    report: ReplayReport,
    expectations: dict[str, dict[str, Any]] | None,
    *,
    budget_p95: float | None = None,
) -> ReplayJudgement:
    verdicts = (
        {
            verdict.file: verdict
            for verdict in (
                check_turn(turn, expectations.get(Path(turn.file).name)) for turn in report.turns
            )
        }
        if expectations is not None
        else {}
    )
    return ReplayJudgement(verdicts, report.summary()["e2e_p95"], budget_p95)
