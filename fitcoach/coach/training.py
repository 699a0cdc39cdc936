"""Training maths: estimated one-rep max, weekly volume, progression and rest-day advice."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

from fitcoach.coach.exercises import muscles_for


class PerformedSet(Protocol):
    @property
    def exercise(self) -> str: ...
    @property
    def reps(self) -> int: ...
    @property
    def weight_kg(self) -> float: ...
    @property
    def logged_at(self) -> datetime: ...


def epley_1rm(weight_kg: float, reps: int) -> float:
    """Epley (1985): w * (1 + r / 30)."""
    if reps <= 1:
        return weight_kg
    return weight_kg * (1 + reps / 30)


def brzycki_1rm(weight_kg: float, reps: int) -> float:
    """Brzycki (1993): w * 36 / (37 - r); undefined from 37 reps, so capped there."""
    if reps <= 1:
        return weight_kg
    return weight_kg * 36 / (37 - min(reps, 36))


def estimated_1rm(weight_kg: float, reps: int) -> float:
    """The mean of Epley and Brzycki up to 10 reps, where both are validated; Epley beyond."""
    if reps <= 10:
        return (epley_1rm(weight_kg, reps) + brzycki_1rm(weight_kg, reps)) / 2
    return epley_1rm(weight_kg, reps)


def weekly_sets_per_muscle(sets: Iterable[PerformedSet]) -> dict[str, int]:
    """Hard sets per muscle group (each set counts once for every primary muscle)."""
    volume: dict[str, int] = defaultdict(int)
    for performed in sets:
        for muscle in muscles_for(performed.exercise):
            volume[muscle] += 1
    return dict(sorted(volume.items(), key=lambda item: -item[1]))


# Landmarks from Schoenfeld, Ogborn & Krieger 2017: about 10 or more weekly sets per muscle
# for hypertrophy; fewer than 4 maintains at best.
LOW_WEEKLY_SETS = 4
GOOD_WEEKLY_SETS = 10

_LOWER_BODY_MUSCLES = {"quads", "glutes", "hamstrings"}


def load_increment_kg(exercise: str) -> float:
    """Lower-body lifts progress in 5 kg steps, everything else in 2.5 kg."""
    return 5.0 if set(muscles_for(exercise)) & _LOWER_BODY_MUSCLES else 2.5


@dataclass(frozen=True)
class Progression:
    action: Literal["increase", "repeat", "deload", "start"]
    next_weight_kg: float | None
    reason: str


def _sessions(history: Sequence[PerformedSet]) -> list[tuple[date, list[PerformedSet]]]:
    by_day: dict[date, list[PerformedSet]] = defaultdict(list)
    for performed in history:
        by_day[performed.logged_at.date()].append(performed)
    return sorted(by_day.items())


def suggest_progression(
    exercise: str, history: Sequence[PerformedSet], *, target_reps: int
) -> Progression:
    """Progressive overload with a deload when stalled.

    All working sets of the last session at the top weight reached the target reps: add
    one increment. Three sessions without a heavier top set or the target reached: take
    10 % off and build back. Otherwise: repeat the weight and beat the reps.
    """
    relevant = [s for s in history if s.exercise == exercise]
    sessions = _sessions(relevant)
    if not sessions:
        return Progression("start", None, f"no {exercise} logged yet: start light and log it")
    increment = load_increment_kg(exercise)
    _, last = sessions[-1]
    top = max(s.weight_kg for s in last)
    top_sets = [s for s in last if s.weight_kg == top]
    if all(s.reps >= target_reps for s in top_sets):
        return Progression(
            "increase",
            top + increment,
            f"every set reached {target_reps} reps last time",
        )
    recent = sessions[-3:]
    if len(recent) == 3:
        tops = [max(s.weight_kg for s in sets) for _, sets in recent]
        best_reps = [
            max(s.reps for s in sets if s.weight_kg == t)
            for (_, sets), t in zip(recent, tops, strict=True)
        ]
        stalled = tops[-1] <= tops[0] and best_reps[-1] <= best_reps[0]
        if stalled:
            deload = round(top * 0.9 / 2.5) * 2.5
            return Progression(
                "deload", deload, f"{exercise} has not moved in three sessions: deload and rebuild"
            )
    return Progression(
        "repeat", top, f"stay at {top:g} kg until every set reaches {target_reps} reps"
    )


def consecutive_training_days(trained_days: Iterable[date], today: date) -> int:
    """How many days in a row, ending yesterday or today, had logged training."""
    days = set(trained_days)
    streak = 0
    cursor = today if today in days else date.fromordinal(today.toordinal() - 1)
    while cursor in days:
        streak += 1
        cursor = date.fromordinal(cursor.toordinal() - 1)
    return streak


def rest_day_advice(*, planned_today: bool, streak: int, training_days_per_week: int) -> str:
    """Whether to train or rest today, in one or two spoken sentences."""
    if streak >= 6:
        return (
            f"You've trained {streak} days in a row. Take a full rest day today: muscles grow "
            "while you recover, not while you train."
        )
    if not planned_today:
        return (
            "Today is a rest day on your plan. A walk or some light mobility is great, "
            "but save the hard training for tomorrow."
        )
    if streak >= 3:
        return (
            f"Today is a training day, and it's day {streak + 1} in a row, so keep an eye on "
            "fatigue: if your warm-up sets feel heavy, drop the weight ten per cent."
        )
    return f"Today is a training day. You're on a {training_days_per_week}-day plan, so go for it."
