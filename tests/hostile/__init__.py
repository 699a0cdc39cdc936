"""Hostile and malformed inputs, as tables of cases that the tests run and that
bench/hostile_inputs.py counts: room metadata, log_workout_set arguments, audio files for
replay, and bad command lines.

Each category module has `cases()` (the table) and `run()` (feeds every case to the real
code and says what became of it). A case is handled when it got the handling its table
asks for; a crash is any exception the code let escape.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Case:
    name: str
    payload: Any
    # The handling the case must get, in its category's words ("refused", "stored", ...);
    # "either" for fuzz: any handling the category allows, as long as nothing escapes.
    expect: str
    # What else the handling must show: a phrase in the reply, the row that is stored.
    detail: Any = None


@dataclass(frozen=True)
class Outcome:
    case: Case
    got: str  # what happened, in the category's words, or "crash"
    handled: bool
    note: str = ""

    @property
    def crashed(self) -> bool:
        return self.got == "crash"


def judged(case: Case, got: str, allowed: Iterable[str], note: str = "") -> Outcome:
    """The outcome of `case`, handled when `got` is what it expects ("either": any of
    `allowed`)."""
    wanted = set(allowed) if case.expect == "either" else {case.expect}
    return Outcome(case, got, got in wanted, note)


def crashed(case: Case, exc: BaseException) -> Outcome:
    return Outcome(case, "crash", False, f"{type(exc).__name__}: {str(exc)[:200]!r}")


def problems(outcomes: Iterable[Outcome]) -> list[str]:
    """One line per case that was not handled, for an assertion message."""
    return [
        f"{o.case.name}: expected {o.case.expect}, got {o.got} {o.note}".strip()
        for o in outcomes
        if not o.handled
    ]
