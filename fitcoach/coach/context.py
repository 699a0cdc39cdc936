"""AgentContext: everything a voice turn needs about a user, loaded once, read without I/O.

It is a pydantic model so it can be cached in Redis as JSON and shared between processes.
"today" is the user's today, in their time zone.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict

from fitcoach.coach.history import TrainingHistory
from fitcoach.coach.training import estimated_1rm
from fitcoach.errors import UserNotFound
from fitcoach.store import Database, WorkoutPlan
from fitcoach.store.context import (
    read_meal_plans,
    read_person,
    read_sets_since,
    read_workout_plans,
)

HISTORY_DAYS = 14
_KG_PER_LB = 0.45359237


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Profile(_Frozen):
    goal: str
    experience_level: str
    # None until the user gives them (`fitcoach users edit`).
    body_weight_kg: float | None
    height_cm: float | None
    age: int | None
    sex: str


class Preferences(_Frozen):
    preferred_unit: str  # "kg" or "lb"
    dietary_preferences: list[str]
    dietary_restrictions: list[str]
    training_days: list[int]  # Monday = 0
    timezone: str


class PlannedLift(_Frozen):
    exercise: str
    sets: int
    reps: int
    target_weight_kg: float | None
    rest_seconds: int
    target_rpe: float | None = None


class WorkoutPlanView(_Frozen):
    name: str
    notes: str | None
    exercises: list[PlannedLift]


class Meal(_Frozen):
    name: str
    items: list[str]
    calories: int
    protein_g: float
    carbs_g: float
    fat_g: float


class MealPlanView(_Frozen):
    meals: list[Meal]

    @property
    def calories(self) -> int:
        return sum(meal.calories for meal in self.meals)

    @property
    def protein_g(self) -> float:
        return round(sum(meal.protein_g for meal in self.meals), 1)


class LoggedSet(_Frozen):
    exercise: str
    reps: int
    weight_kg: float
    logged_at: datetime


class ExerciseRecord(_Frozen):
    """The last set and the best set (by estimated one-rep max) of one exercise."""

    exercise: str
    last: LoggedSet
    best: LoggedSet
    best_estimated_1rm_kg: float


class AgentContext(_Frozen):
    user_id: uuid.UUID
    user_name: str
    display_name: str
    profile: Profile | None
    preferences: Preferences | None
    today: date
    # None: a rest day (no plan for today).
    current_workout_plan: WorkoutPlanView | None
    current_meal_plan: MealPlanView | None
    # The next seven days from today, by date; days without a plan are absent.
    upcoming_workouts: dict[date, WorkoutPlanView]
    recent_sets: list[LoggedSet]  # the last HISTORY_DAYS days, oldest first
    records: dict[str, ExerciseRecord]
    loaded_at: datetime
    # The weeks before recent_sets (per-day bests), when the loader read them.
    training_history: TrainingHistory | None = None

    @property
    def preferred_unit(self) -> str:
        return self.preferences.preferred_unit if self.preferences else "kg"

    @property
    def zone(self) -> ZoneInfo:
        return user_zone(self.preferences.timezone if self.preferences else "UTC")

    def local_now(self) -> datetime:
        return datetime.now(UTC).astimezone(self.zone)

    def is_current(self, now: datetime | None = None) -> bool:
        """False once the user's day has moved on from the day this was loaded for."""
        moment = (now or datetime.now(UTC)).astimezone(self.zone)
        return moment.date() == self.today


def user_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def unit_to_kg(weight: float, unit: str) -> float:
    return weight * _KG_PER_LB if unit == "lb" else weight


def _records(sets: Sequence[LoggedSet]) -> dict[str, ExerciseRecord]:
    by_exercise: dict[str, list[LoggedSet]] = defaultdict(list)
    for logged in sets:
        by_exercise[logged.exercise].append(logged)
    records = {}
    for exercise, performed in by_exercise.items():
        best = max(performed, key=lambda s: (estimated_1rm(s.weight_kg, s.reps), s.logged_at))
        records[exercise] = ExerciseRecord(
            exercise=exercise,
            last=max(performed, key=lambda s: s.logged_at),
            best=best,
            best_estimated_1rm_kg=round(estimated_1rm(best.weight_kg, best.reps), 1),
        )
    return records


def with_logged_sets(context: AgentContext, logged: Iterable[LoggedSet]) -> AgentContext:
    """The context as a reload would see it once `logged` is in the database.

    A session that has just delivered its own sets uses this instead of a database reload."""
    since = datetime.combine(
        context.today - timedelta(days=HISTORY_DAYS), datetime.min.time(), context.zone
    )
    recent = sorted(
        [*context.recent_sets, *(s for s in logged if s.logged_at >= since)],
        key=lambda s: s.logged_at,
    )
    return context.model_copy(update={"recent_sets": recent, "records": _records(recent)})


async def load_agent_context(
    database: Database, user_id: uuid.UUID, *, now: datetime | None = None
) -> AgentContext:
    """Read a user's context in four queries: person, workout plans, meal plans, history."""
    now = now or datetime.now(UTC)
    async with database.session() as session:
        person = await read_person(session=session, user_id=user_id)
        if person is None:
            raise UserNotFound(f"no user with id {user_id}")
        user, profile, preferences = person
        zone = user_zone(preferences.timezone if preferences else "UTC")
        today = now.astimezone(zone).date()
        week = [today + timedelta(days=offset) for offset in range(7)]
        plan_rows = await read_workout_plans(session=session, user_id=user_id, days=week)
        meal_rows = await read_meal_plans(session=session, user_id=user_id, day=today)
        since = datetime.combine(today - timedelta(days=HISTORY_DAYS), datetime.min.time(), zone)
        log_rows = await read_sets_since(session=session, user_id=user_id, since=since)

    workouts_by_day: dict[int | date, WorkoutPlanView] = {}
    lifts: dict[uuid.UUID, list[PlannedLift]] = defaultdict(list)
    plans: dict[uuid.UUID, WorkoutPlan] = {}
    for plan, exercise in plan_rows:
        plans[plan.id] = plan
        if exercise is not None:
            lifts[plan.id].append(
                PlannedLift(
                    exercise=exercise.exercise,
                    sets=exercise.sets,
                    reps=exercise.reps,
                    target_weight_kg=exercise.target_weight_kg,
                    rest_seconds=exercise.rest_seconds,
                    target_rpe=exercise.target_rpe,
                )
            )
    for plan_id, plan in plans.items():
        # The schema guarantees exactly one of the two is set.
        key: int | date = plan.plan_date if plan.plan_date is not None else plan.weekday or 0
        workouts_by_day[key] = WorkoutPlanView(
            name=plan.name, notes=plan.notes, exercises=lifts[plan_id]
        )
    # A plan for a date overrides the weekday's.
    upcoming = {
        day: view
        for day in week
        if (view := workouts_by_day.get(day) or workouts_by_day.get(day.weekday())) is not None
    }

    dated_meals: list[Meal] = []
    weekday_meals: list[Meal] = []
    has_dated_plan = False
    for meal_plan, meal in meal_rows:
        target = dated_meals if meal_plan.plan_date is not None else weekday_meals
        has_dated_plan = has_dated_plan or meal_plan.plan_date is not None
        if meal is not None:
            target.append(
                Meal(
                    name=meal.name,
                    items=list(meal.items),
                    calories=meal.calories,
                    protein_g=meal.protein_g,
                    carbs_g=meal.carbs_g,
                    fat_g=meal.fat_g,
                )
            )
    meals = dated_meals if has_dated_plan else weekday_meals
    recent = [
        LoggedSet(
            exercise=log.exercise, reps=log.reps, weight_kg=log.weight_kg, logged_at=log.logged_at
        )
        for log in log_rows
    ]
    return AgentContext(
        user_id=user.id,
        user_name=user.name,
        display_name=user.display_name,
        profile=Profile.model_validate(profile, from_attributes=True) if profile else None,
        preferences=Preferences.model_validate(preferences, from_attributes=True)
        if preferences
        else None,
        today=today,
        current_workout_plan=upcoming.get(today),
        current_meal_plan=MealPlanView(meals=meals) if meal_rows else None,
        upcoming_workouts=upcoming,
        recent_sets=recent,
        records=_records(recent),
        loaded_at=now,
    )
