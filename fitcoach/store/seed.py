"""`fitcoach seed`: demo users with profiles, a week of workout and meal plans, and two weeks
of training history; optionally N synthetic users for load tests.

Every row id is derived from the user's name (uuid5), and users that already exist are left
untouched, so seeding twice gives the same rows and never overwrites a plan a user changed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlmodel import col

from fitcoach.store.database import Database
from fitcoach.store.models import (
    ExperienceLevel,
    Goal,
    MealPlan,
    PlannedExercise,
    PlannedMeal,
    Sex,
    User,
    UserPreferences,
    UserProfile,
    WeightUnit,
    WorkoutLog,
    WorkoutPlan,
)
from fitcoach.store.seed_data import (
    DEMO_USERS,
    MENUS,
    PROGRAMS,
    SYNTHETIC_TIMEZONES,
    DemoLift,
    DemoUser,
)

SEED_NAMESPACE = uuid.UUID("6f1c2a52-8d0e-4d55-9d0f-3f3b8f6d2a10")
HISTORY_DAYS = 14
_USERS_PER_BATCH = 100

_LEVEL_LOAD = {
    ExperienceLevel.BEGINNER: 0.55,
    ExperienceLevel.INTERMEDIATE: 1.0,
    ExperienceLevel.ADVANCED: 1.3,
}
_SEX_LOAD = {Sex.MALE: 1.0, Sex.FEMALE: 0.65, Sex.UNSPECIFIED: 0.8}
_GOAL_PORTIONS = {
    Goal.LOSE_FAT: 0.85,
    Goal.BUILD_MUSCLE: 1.1,
    Goal.STRENGTH: 1.1,
    Goal.ENDURANCE: 1.05,
    Goal.GENERAL_FITNESS: 1.0,
}
_SEX_PORTIONS = {Sex.MALE: 1.0, Sex.FEMALE: 0.85, Sex.UNSPECIFIED: 0.92}
_REFERENCE_BODY_WEIGHT_KG = 80.0


def seed_id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(SEED_NAMESPACE, ":".join(str(part) for part in parts))


def user_id_for(name: str) -> uuid.UUID:
    """The id `fitcoach seed` gives the user called `name`."""
    return seed_id("user", name)


def synthetic_users(count: int) -> list[DemoUser]:
    """`count` load-test users, cycling through the demo archetypes with varied bodies."""
    users = []
    for index in range(1, count + 1):
        template = DEMO_USERS[(index - 1) % len(DEMO_USERS)]
        users.append(
            DemoUser(
                name=f"loadtest-{index:04d}",
                display_name=f"Load Test {index}",
                goal=template.goal,
                experience_level=template.experience_level,
                body_weight_kg=template.body_weight_kg + (index * 7) % 21 - 10,
                height_cm=template.height_cm + (index * 5) % 15 - 7,
                age=20 + (index * 11) % 45,
                sex=template.sex,
                preferred_unit=WeightUnit.LB if index % 3 == 0 else WeightUnit.KG,
                dietary_preferences=template.dietary_preferences,
                dietary_restrictions=template.dietary_restrictions,
                timezone=SYNTHETIC_TIMEZONES[index % len(SYNTHETIC_TIMEZONES)],
                program=template.program,
                menu=template.menu,
            )
        )
    return users


def _working_load(person: DemoUser, lift: DemoLift) -> float | None:
    if lift.reference_kg is None:
        return None
    scale = (
        (person.body_weight_kg / _REFERENCE_BODY_WEIGHT_KG) ** 0.67
        * _LEVEL_LOAD[person.experience_level]
        * _SEX_LOAD[person.sex]
    )
    # Dumbbells go up in 1 kg steps, bars in 2.5 kg.
    step = 1.0 if lift.reference_kg < 30 else 2.5
    load: float = max(step, round(lift.reference_kg * scale / step) * step)
    return load


def _portion_scale(person: DemoUser) -> float:
    scale: float = (
        (person.body_weight_kg / _REFERENCE_BODY_WEIGHT_KG) ** 0.75
        * _GOAL_PORTIONS[person.goal]
        * _SEX_PORTIONS[person.sex]
    )
    return scale


@dataclass
class _Rows:
    by_model: dict[type[Any], list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, model: type[Any], **values: Any) -> None:
        self.by_model.setdefault(model, []).append(values)


def _person_rows(person: DemoUser, rows: _Rows, today: date) -> None:
    user_id = user_id_for(person.name)
    rows.add(User, id=user_id, name=person.name, display_name=person.display_name)
    rows.add(
        UserProfile,
        user_id=user_id,
        goal=person.goal,
        experience_level=person.experience_level,
        body_weight_kg=person.body_weight_kg,
        height_cm=person.height_cm,
        birth_year=today.year - person.age,
        sex=person.sex,
    )
    rows.add(
        UserPreferences,
        user_id=user_id,
        preferred_unit=person.preferred_unit,
        dietary_preferences=list(person.dietary_preferences),
        dietary_restrictions=list(person.dietary_restrictions),
        training_days=person.training_days,
        timezone=person.timezone,
    )
    program = PROGRAMS[person.program]
    for weekday, session in program.items():
        plan_id = seed_id("workout", person.name, weekday)
        rows.add(
            WorkoutPlan,
            id=plan_id,
            user_id=user_id,
            weekday=weekday,
            plan_date=None,
            name=session.name,
            notes=session.notes,
        )
        for position, lift in enumerate(session.lifts):
            rows.add(
                PlannedExercise,
                id=seed_id("exercise", person.name, weekday, position),
                plan_id=plan_id,
                position=position,
                exercise=lift.exercise,
                sets=lift.sets,
                reps=lift.reps,
                target_weight_kg=_working_load(person, lift),
                rest_seconds=lift.rest_seconds,
            )
    menu = MENUS[person.menu]
    scale = _portion_scale(person)
    for weekday in range(7):
        plan_id = seed_id("meals", person.name, weekday)
        rows.add(MealPlan, id=plan_id, user_id=user_id, weekday=weekday, plan_date=None)
        for position, (slot, options) in enumerate(menu.items()):
            meal = options[weekday % len(options)]
            protein, carbs, fat = (
                round(v * scale, 1) for v in (meal.protein_g, meal.carbs_g, meal.fat_g)
            )
            rows.add(
                PlannedMeal,
                id=seed_id("meal", person.name, weekday, position),
                plan_id=plan_id,
                position=position,
                name=slot,
                items=[portion.scaled(scale) for portion in meal.portions],
                calories=round(4 * protein + 4 * carbs + 9 * fat),
                protein_g=protein,
                carbs_g=carbs,
                fat_g=fat,
            )
    _history_rows(person, user_id, rows, today)


def _history_rows(person: DemoUser, user_id: uuid.UUID, rows: _Rows, today: date) -> None:
    """Two weeks of the program as performed: last week at plan, the week before lighter."""
    zone = ZoneInfo(person.timezone)
    program = PROGRAMS[person.program]
    for days_ago in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=days_ago)
        session = program.get(day.weekday())
        if session is None:
            continue
        progression = 1.0 if days_ago <= 7 else 0.975
        started = datetime.combine(day, time(18, 0), tzinfo=zone)
        set_number = 0
        for position, lift in enumerate(session.lifts):
            load = _working_load(person, lift)
            weight = 0.0 if load is None else round(load * progression / 0.5) * 0.5
            for set_index in range(lift.sets):
                set_number += 1
                rows.add(
                    WorkoutLog,
                    id=seed_id("log", person.name, day.isoformat(), position, set_index),
                    user_id=user_id,
                    exercise=lift.exercise,
                    reps=lift.reps,
                    weight_kg=weight,
                    logged_at=(started + timedelta(minutes=3 * set_number)).astimezone(UTC),
                )


@dataclass(frozen=True)
class SeedReport:
    created: list[str]
    existing: list[str]
    rows: dict[str, int]


# Parents before children, so foreign keys hold at every insert.
_INSERT_ORDER = (
    User,
    UserProfile,
    UserPreferences,
    WorkoutPlan,
    PlannedExercise,
    MealPlan,
    PlannedMeal,
    WorkoutLog,
)


def _batches(people: Sequence[DemoUser], size: int) -> Iterator[Sequence[DemoUser]]:
    for start in range(0, len(people), size):
        yield people[start : start + size]


async def seed(database: Database, *, synthetic: int = 0, today: date | None = None) -> SeedReport:
    """Create the demo users (and `synthetic` load-test users) that do not exist yet."""
    people = [*DEMO_USERS, *synthetic_users(synthetic)]
    today = today or datetime.now(UTC).date()
    async with database.session() as session:
        wanted = [user_id_for(person.name) for person in people]
        existing_ids: set[uuid.UUID] = set()
        for start in range(0, len(wanted), 500):
            result = await session.execute(
                select(col(User.id)).where(col(User.id).in_(wanted[start : start + 500]))
            )
            existing_ids.update(result.scalars().all())
    missing = [person for person in people if user_id_for(person.name) not in existing_ids]
    counts = {model.__tablename__: 0 for model in _INSERT_ORDER}
    for batch in _batches(missing, _USERS_PER_BATCH):
        rows = _Rows()
        for person in batch:
            _person_rows(person, rows, today)
        async with database.session() as session:
            for model in _INSERT_ORDER:
                values = rows.by_model.get(model, [])
                if values:
                    await session.execute(insert(model), values)
                    counts[model.__tablename__] += len(values)
            await session.commit()
    return SeedReport(
        created=[person.name for person in missing],
        existing=[person.name for person in people if person not in missing],
        rows=counts,
    )
