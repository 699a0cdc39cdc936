"""What progress is computed from: a user's sets over a span, and their heaviest weights.

The maths (estimated one-rep max, volume) lives in the coach; these queries only read.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from fitcoach.store.models import WorkoutLog
from fitcoach.store.types import UTCDateTime


@dataclass(frozen=True)
class PerformedSet:
    exercise: str
    reps: int
    weight_kg: float
    logged_at: datetime


async def sets_between(
    *,
    session: AsyncSession,
    user_id: uuid.UUID,
    since: datetime,
    until: datetime | None = None,
    exercises: Sequence[str] | None = None,
) -> list[PerformedSet]:
    """The user's sets from `since` (inclusive) to `until` (exclusive), oldest first."""
    statement = select(
        col(WorkoutLog.exercise),
        col(WorkoutLog.reps),
        col(WorkoutLog.weight_kg),
        col(WorkoutLog.logged_at),
    ).where(col(WorkoutLog.user_id) == user_id, col(WorkoutLog.logged_at) >= since)
    if until is not None:
        statement = statement.where(col(WorkoutLog.logged_at) < until)
    if exercises is not None:
        statement = statement.where(col(WorkoutLog.exercise).in_(list(exercises)))
    rows = await session.execute(statement.order_by(col(WorkoutLog.logged_at)))
    return [PerformedSet(*row) for row in rows.all()]


@dataclass(frozen=True)
class HeaviestSet:
    exercise: str
    reps: int
    weight_kg: float
    logged_at: datetime


async def heaviest_by_reps(
    *, session: AsyncSession, user_id: uuid.UUID, before: datetime | None = None
) -> list[HeaviestSet]:
    """For each exercise and rep count, the heaviest weight the user lifted (before
    `before`), with when they first lifted it.

    Whatever formula estimates a one-rep max from weight and reps, the best set of an
    exercise is one of these rows: a handful per exercise, so all-time records need no
    scan of the whole log outside the database.
    """
    heaviest: Any = (
        select(
            col(WorkoutLog.exercise).label("exercise"),
            col(WorkoutLog.reps).label("reps"),
            func.max(col(WorkoutLog.weight_kg)).label("weight_kg"),
        )
        .where(col(WorkoutLog.user_id) == user_id, col(WorkoutLog.weight_kg) > 0)
        .group_by(col(WorkoutLog.exercise), col(WorkoutLog.reps))
    )
    if before is not None:
        heaviest = heaviest.where(col(WorkoutLog.logged_at) < before)
    best = heaviest.subquery()
    statement = (
        select(
            best.c.exercise,
            best.c.reps,
            best.c.weight_kg,
            func.min(col(WorkoutLog.logged_at), type_=UTCDateTime()),
        )
        .join(
            WorkoutLog,
            (col(WorkoutLog.user_id) == user_id)
            & (col(WorkoutLog.exercise) == best.c.exercise)
            & (col(WorkoutLog.reps) == best.c.reps)
            & (col(WorkoutLog.weight_kg) == best.c.weight_kg),
        )
        .group_by(best.c.exercise, best.c.reps, best.c.weight_kg)
    )
    rows = await session.execute(statement)
    return [HeaviestSet(*row) for row in rows.all()]
