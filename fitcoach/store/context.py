"""The queries behind a user's AgentContext: the person, their plans and their recent sets.

Four queries, each taking the caller's session, so that loading a context (coach/context.py)
reads everything in one session and one consistent view.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from fitcoach.store.models import (
    MealPlan,
    PlannedExercise,
    PlannedMeal,
    User,
    UserPreferences,
    UserProfile,
    WorkoutLog,
    WorkoutPlan,
)


async def read_person(
    *, session: AsyncSession, user_id: uuid.UUID
) -> tuple[User, UserProfile | None, UserPreferences | None] | None:
    """The user with their profile and preferences (either may be missing), or None."""
    row = (
        await session.execute(
            select(User, UserProfile, UserPreferences)
            .outerjoin(UserProfile, col(UserProfile.user_id) == col(User.id))
            .outerjoin(UserPreferences, col(UserPreferences.user_id) == col(User.id))
            .where(col(User.id) == user_id)
        )
    ).first()
    if row is None:
        return None
    user, profile, preferences = row
    return user, profile, preferences


async def read_workout_plans(
    *, session: AsyncSession, user_id: uuid.UUID, days: Sequence[date]
) -> list[tuple[WorkoutPlan, PlannedExercise | None]]:
    """Every weekday plan of the user, and their plans dated on `days`, with their
    exercises in order (a plan without exercises comes with None)."""
    rows = await session.execute(
        select(WorkoutPlan, PlannedExercise)
        .outerjoin(PlannedExercise, col(PlannedExercise.plan_id) == col(WorkoutPlan.id))
        .where(
            col(WorkoutPlan.user_id) == user_id,
            or_(col(WorkoutPlan.weekday).is_not(None), col(WorkoutPlan.plan_date).in_(days)),
        )
        .order_by(col(WorkoutPlan.id), col(PlannedExercise.position))
    )
    return [(plan, exercise) for plan, exercise in rows.all()]


async def read_meal_plans(
    *, session: AsyncSession, user_id: uuid.UUID, day: date
) -> list[tuple[MealPlan, PlannedMeal | None]]:
    """The user's meal plans for `day`: its weekday's and any dated on it, meals in order."""
    rows = await session.execute(
        select(MealPlan, PlannedMeal)
        .outerjoin(PlannedMeal, col(PlannedMeal.plan_id) == col(MealPlan.id))
        .where(
            col(MealPlan.user_id) == user_id,
            or_(col(MealPlan.weekday) == day.weekday(), col(MealPlan.plan_date) == day),
        )
        .order_by(col(MealPlan.id), col(PlannedMeal.position))
    )
    return [(plan, meal) for plan, meal in rows.all()]


async def read_sets_since(
    *, session: AsyncSession, user_id: uuid.UUID, since: datetime
) -> Sequence[WorkoutLog]:
    """The user's sets performed from `since` on, oldest first."""
    rows = await session.execute(
        select(WorkoutLog)
        .where(col(WorkoutLog.user_id) == user_id, col(WorkoutLog.logged_at) >= since)
        .order_by(col(WorkoutLog.logged_at))
    )
    return rows.scalars().all()
