"""A user's training beyond the two weeks an AgentContext holds: each exercise's best set per
day, and the best set ever before that. Plain models (cached with the context as JSON)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict


class DayBest(BaseModel):
    """The set with the highest estimated one-rep max of one exercise on one day (the
    user's day), and how many sets of it were done that day."""

    model_config = ConfigDict(frozen=True)

    exercise: str
    day: date
    weight_kg: float
    reps: int
    estimated_1rm_kg: float
    sets: int


class TrainingHistory(BaseModel):
    model_config = ConfigDict(frozen=True)

    # Days from `since` up to the AgentContext's recent window, oldest first.
    since: date
    days: list[DayBest] = []
    # Each exercise's best set from before `since`.
    earlier_bests: dict[str, DayBest] = {}
