"""A user's weekly template: workouts and meals by weekday, replaced as a whole, read back.

A plan for a date (`plan_date`) overrides its weekday; the weekly template is what plan
files import and export, so only weekday rows are replaced here.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from fitcoach.errors import UserNotFound
from fitcoach.store.models import (
    MealPlan,
    PlannedExercise,
    PlannedMeal,
    User,
    UserPreferences,
    WorkoutPlan,
)


@dataclass(frozen=True)
class LiftSpec:
    exercise: str
    sets: int
    reps: int
    weight_kg: float | None  # None: body weight, or effort given as RPE only
    rpe: float | None
    rest_seconds: int


@dataclass(frozen=True)
class SessionSpec:
    name: str
    lifts: tuple[LiftSpec, ...]
    notes: str | None = None


@dataclass(frozen=True)
class MealSpec:
    name: str
    items: tuple[str, ...]
    calories: int
    protein_g: float
    carbs_g: float
    fat_g: float


@dataclass(frozen=True)
class WeeklyPlan:
    """Monday = 0. A section that is None is not part of the plan (an import leaves it as
    it is); an empty one means nothing planned."""

    workouts: dict[int, SessionSpec] | None = None
    meals: dict[int, tuple[MealSpec, ...]] | None = None


@dataclass(frozen=True)
class DayPlan:
    day: date
    session: SessionSpec | None
    meals: tuple[MealSpec, ...] = field(default_factory=tuple)


async def replace_weekly_plan(
    *, session: AsyncSession, user_id: uuid.UUID, plan: WeeklyPlan
) -> None:
    """Replace the user's weekday workouts and/or meals in one transaction: a failure
    anywhere leaves the old plan exactly as it was."""
    if await session.get(User, user_id) is None:
        raise UserNotFound(f"no user with id {user_id}")
    if plan.workouts is not None:
        # Bulk deletes, so ON DELETE CASCADE removes the planned exercises with them.
        await session.execute(
            delete(WorkoutPlan).where(
                col(WorkoutPlan.user_id) == user_id, col(WorkoutPlan.weekday).is_not(None)
            )
        )
        workouts = {
            weekday: WorkoutPlan(user_id=user_id, weekday=weekday, name=day.name, notes=day.notes)
            for weekday, day in plan.workouts.items()
        }
        session.add_all(workouts.values())
        # The tables have no ORM relationship, so the unit of work would not know to insert
        # the plans before the exercises that refer to them.
        await session.flush()
        for weekday, day in sorted(plan.workouts.items()):
            workout = workouts[weekday]
            session.add_all(
                PlannedExercise(
                    plan_id=workout.id,
                    position=position,
                    exercise=lift.exercise,
                    sets=lift.sets,
                    reps=lift.reps,
                    target_weight_kg=lift.weight_kg,
                    target_rpe=lift.rpe,
                    rest_seconds=lift.rest_seconds,
                )
                for position, lift in enumerate(day.lifts)
            )
        preferences = await session.get(UserPreferences, user_id)
        if preferences is not None:
            preferences.training_days = sorted(plan.workouts)
    if plan.meals is not None:
        await session.execute(
            delete(MealPlan).where(
                col(MealPlan.user_id) == user_id, col(MealPlan.weekday).is_not(None)
            )
        )
        meal_plans = {weekday: MealPlan(user_id=user_id, weekday=weekday) for weekday in plan.meals}
        session.add_all(meal_plans.values())
        await session.flush()
        for weekday, meals in sorted(plan.meals.items()):
            meal_plan = meal_plans[weekday]
            session.add_all(
                PlannedMeal(
                    plan_id=meal_plan.id,
                    position=position,
                    name=meal.name,
                    items=list(meal.items),
                    calories=meal.calories,
                    protein_g=meal.protein_g,
                    carbs_g=meal.carbs_g,
                    fat_g=meal.fat_g,
                )
                for position, meal in enumerate(meals)
            )
    await session.commit()


def _lift(row: PlannedExercise) -> LiftSpec:
    return LiftSpec(
        exercise=row.exercise,
        sets=row.sets,
        reps=row.reps,
        weight_kg=row.target_weight_kg,
        rpe=row.target_rpe,
        rest_seconds=row.rest_seconds,
    )


def _meal(row: PlannedMeal) -> MealSpec:
    return MealSpec(
        name=row.name,
        items=tuple(row.items),
        calories=row.calories,
        protein_g=row.protein_g,
        carbs_g=row.carbs_g,
        fat_g=row.fat_g,
    )


async def _workouts(
    session: AsyncSession, user_id: uuid.UUID, dates: list[date]
) -> tuple[dict[int, SessionSpec], dict[date, SessionSpec]]:
    rows = (
        await session.execute(
            select(WorkoutPlan, PlannedExercise)
            .outerjoin(PlannedExercise, col(PlannedExercise.plan_id) == col(WorkoutPlan.id))
            .where(
                col(WorkoutPlan.user_id) == user_id,
                or_(col(WorkoutPlan.weekday).is_not(None), col(WorkoutPlan.plan_date).in_(dates)),
            )
            .order_by(col(WorkoutPlan.id), col(PlannedExercise.position))
        )
    ).all()
    plans: dict[uuid.UUID, WorkoutPlan] = {}
    lifts: dict[uuid.UUID, list[LiftSpec]] = defaultdict(list)
    for plan, exercise in rows:
        plans[plan.id] = plan
        if exercise is not None:
            lifts[plan.id].append(_lift(exercise))
    by_weekday: dict[int, SessionSpec] = {}
    by_date: dict[date, SessionSpec] = {}
    for plan_id, plan in plans.items():
        spec = SessionSpec(name=plan.name, notes=plan.notes, lifts=tuple(lifts[plan_id]))
        if plan.plan_date is not None:
            by_date[plan.plan_date] = spec
        elif plan.weekday is not None:
            by_weekday[plan.weekday] = spec
    return by_weekday, by_date


async def _meals(
    session: AsyncSession, user_id: uuid.UUID, dates: list[date]
) -> tuple[dict[int, tuple[MealSpec, ...]], dict[date, tuple[MealSpec, ...]]]:
    rows = (
        await session.execute(
            select(MealPlan, PlannedMeal)
            .outerjoin(PlannedMeal, col(PlannedMeal.plan_id) == col(MealPlan.id))
            .where(
                col(MealPlan.user_id) == user_id,
                or_(col(MealPlan.weekday).is_not(None), col(MealPlan.plan_date).in_(dates)),
            )
            .order_by(col(MealPlan.id), col(PlannedMeal.position))
        )
    ).all()
    plans: dict[uuid.UUID, MealPlan] = {}
    meals: dict[uuid.UUID, list[MealSpec]] = defaultdict(list)
    for plan, meal in rows:
        plans[plan.id] = plan
        if meal is not None:
            meals[plan.id].append(_meal(meal))
    by_weekday: dict[int, tuple[MealSpec, ...]] = {}
    by_date: dict[date, tuple[MealSpec, ...]] = {}
    for plan_id, plan in plans.items():
        if plan.plan_date is not None:
            by_date[plan.plan_date] = tuple(meals[plan_id])
        elif plan.weekday is not None:
            by_weekday[plan.weekday] = tuple(meals[plan_id])
    return by_weekday, by_date


async def weekly_plan(*, session: AsyncSession, user_id: uuid.UUID) -> WeeklyPlan:
    """The weekday template, as a plan file exports it."""
    workouts, _ = await _workouts(session, user_id, [])
    meals, _ = await _meals(session, user_id, [])
    return WeeklyPlan(workouts=workouts, meals=meals)


async def day_plans(
    *, session: AsyncSession, user_id: uuid.UUID, days: list[date]
) -> list[DayPlan]:
    """What is planned on each of `days`: a plan for the date, else its weekday's."""
    workouts, dated_workouts = await _workouts(session, user_id, days)
    meals, dated_meals = await _meals(session, user_id, days)
    return [
        DayPlan(
            day=day,
            session=dated_workouts.get(day, workouts.get(day.weekday())),
            meals=dated_meals.get(day, meals.get(day.weekday(), ())),
        )
        for day in days
    ]
