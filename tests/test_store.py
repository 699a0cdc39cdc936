"""The store against real SQLite and real Postgres: idempotent logging, seeding, lookups."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from fitcoach.errors import AmbiguousUser, UserNotFound
from fitcoach.store import (
    Database,
    LogFollower,
    MealPlan,
    PlannedExercise,
    PlannedMeal,
    User,
    UserPreferences,
    UserProfile,
    WorkoutLog,
    WorkoutPlan,
    WorkoutSet,
    insert_workout_sets,
    list_logs,
    resolve_user,
    seed,
    user_id_for,
)

ALL_TABLES = (
    User,
    UserProfile,
    UserPreferences,
    WorkoutPlan,
    PlannedExercise,
    MealPlan,
    PlannedMeal,
    WorkoutLog,
)


async def _counts(database: Database) -> dict[str, int]:
    async with database.session() as session:
        return {
            model.__tablename__: (
                await session.execute(select(func.count()).select_from(model))
            ).scalar_one()
            for model in ALL_TABLES
        }


def _set(user_id: uuid.UUID, **overrides: object) -> WorkoutSet:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "user_id": user_id,
        "exercise": "squat",
        "reps": 5,
        "weight_kg": 100.0,
        "logged_at": datetime.now(UTC),
    }
    values.update(overrides)
    return WorkoutSet(**values)  # type: ignore[arg-type]


async def test_seed_twice_gives_the_same_rows(database: Database) -> None:
    first = await seed(database, synthetic=3)
    after_first = await _counts(database)
    second = await seed(database, synthetic=3)
    assert await _counts(database) == after_first
    assert set(first.created) == {
        "demo",
        "maria",
        "kenji",
        "sam",
        "loadtest-0001",
        "loadtest-0002",
        "loadtest-0003",
    }
    assert second.created == [] and len(second.existing) == 7
    assert after_first["users"] == 7
    # A week of plans: every user has a meal plan for each of the seven weekdays.
    assert after_first["meal_plans"] == 7 * 7


async def test_seed_users_flag_adds_synthetic_users_on_top(database: Database) -> None:
    await seed(database)
    report = await seed(database, synthetic=5)
    assert sorted(report.created) == [f"loadtest-000{i}" for i in range(1, 6)]
    assert (await _counts(database))["users"] == 9


async def test_seeded_plans_are_complete_and_consistent(database: Database) -> None:
    await seed(database)
    demo_id = user_id_for("demo")
    async with database.session() as session:
        prefs = await session.get(UserPreferences, demo_id)
        profile = await session.get(UserProfile, demo_id)
        plans = (
            (await session.execute(select(WorkoutPlan).where(col(WorkoutPlan.user_id) == demo_id)))
            .scalars()
            .all()
        )
        exercises = (
            (
                await session.execute(
                    select(PlannedExercise)
                    .join(WorkoutPlan)
                    .where(col(WorkoutPlan.user_id) == demo_id)
                )
            )
            .scalars()
            .all()
        )
        meals = (
            (
                await session.execute(
                    select(PlannedMeal).join(MealPlan).where(col(MealPlan.user_id) == demo_id)
                )
            )
            .scalars()
            .all()
        )
    assert prefs is not None and profile is not None
    ZoneInfo(prefs.timezone)  # a real IANA zone
    assert sorted(plan.weekday for plan in plans) == prefs.training_days  # type: ignore[type-var]
    assert all(e.sets > 0 and e.reps > 0 and e.rest_seconds >= 0 for e in exercises)
    assert any(e.exercise == "bench press" and e.target_weight_kg for e in exercises)
    assert len(meals) == 7 * 4
    for meal in meals:
        energy = 4 * meal.protein_g + 4 * meal.carbs_g + 9 * meal.fat_g
        assert abs(meal.calories - energy) <= 1
        assert meal.items
    daily = sum(m.calories for m in meals) / 7
    assert 1800 < daily < 3500  # a plausible day for an 80 kg lifter gaining muscle


async def test_seed_leaves_an_existing_users_edits_alone(database: Database) -> None:
    await seed(database)
    async with database.session() as session:
        plan = (
            await session.execute(
                select(WorkoutPlan).where(
                    col(WorkoutPlan.user_id) == user_id_for("demo"), col(WorkoutPlan.weekday) == 0
                )
            )
        ).scalar_one()
        plan.name = "My own push day"
        await session.commit()
    await seed(database)
    async with database.session() as session:
        renamed = await session.get(WorkoutPlan, plan.id)
    assert renamed is not None and renamed.name == "My own push day"


async def test_a_redelivered_set_is_stored_once(database: Database) -> None:
    await seed(database)
    demo_id = user_id_for("demo")
    workout_set = _set(demo_id)
    async with database.session() as session:
        assert await insert_workout_sets(session=session, sets=[workout_set]) == 1
    async with database.session() as session:
        assert await insert_workout_sets(session=session, sets=[workout_set, _set(demo_id)]) == 1
        count = (
            await session.execute(select(func.count()).where(col(WorkoutLog.id) == workout_set.id))
        ).scalar_one()
    assert count == 1


async def test_sets_round_trip_with_aware_timestamps_and_server_created_at(
    database: Database,
) -> None:
    await seed(database)
    performed = datetime(2026, 3, 1, 18, 30, 15, tzinfo=ZoneInfo("America/New_York"))
    workout_set = _set(
        user_id_for("maria"), exercise="goblet squat", reps=12, weight_kg=20.5, logged_at=performed
    )
    async with database.session() as session:
        await insert_workout_sets(session=session, sets=[workout_set])
        stored = await session.get(WorkoutLog, workout_set.id)
    assert stored is not None
    assert stored.logged_at == performed and stored.logged_at.tzinfo is not None
    assert stored.created_at is not None
    assert abs(stored.created_at - datetime.now(UTC)) < timedelta(minutes=5)


async def test_hostile_strings_are_stored_verbatim(database: Database) -> None:
    await seed(database)
    hostile = "squat'); DROP TABLE workout_logs; -- 🏋️ ‮סקוואט"
    workout_set = _set(user_id_for("demo"), exercise=hostile)
    async with database.session() as session:
        await insert_workout_sets(session=session, sets=[workout_set])
        entries = await list_logs(session=session, user_id=user_id_for("demo"), limit=1000)
    assert hostile in {entry.exercise for entry in entries}


async def test_a_set_for_an_unknown_user_is_rejected(database: Database) -> None:
    await database.ping()
    with pytest.raises(IntegrityError):
        async with database.sessions() as session:
            await insert_workout_sets(session=session, sets=[_set(uuid.uuid4())])


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    from fitcoach.config import load_settings
    from fitcoach.store import open_database

    database = open_database(load_settings(database_url=sqlite_url))
    try:
        async with database.engine.connect() as connection:
            assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await database.dispose()


async def test_users_resolve_by_id_or_unique_name(database: Database) -> None:
    await seed(database)
    async with database.session() as session:
        by_name = await resolve_user(session=session, user_ref="Demo")
        by_id = await resolve_user(session=session, user_ref=str(user_id_for("demo")))
        assert by_name.id == by_id.id == user_id_for("demo")
        with pytest.raises(UserNotFound):
            await resolve_user(session=session, user_ref="nobody")
        with pytest.raises(UserNotFound):
            await resolve_user(session=session, user_ref=str(uuid.uuid4()))
        session.add(User(name="twin", display_name="A"))
        session.add(User(name="twin", display_name="B"))
        await session.commit()
        with pytest.raises(AmbiguousUser, match="more than one user"):
            await resolve_user(session=session, user_ref="twin")


async def test_list_logs_filters_by_user_date_and_limit(database: Database) -> None:
    await seed(database)
    demo_id = user_id_for("demo")
    async with database.session() as session:
        newest = await list_logs(session=session, user_id=demo_id, limit=3)
        since = newest[-1].logged_at
        recent = await list_logs(session=session, user_id=demo_id, since=since, limit=1000)
        everyone = await list_logs(session=session, limit=10_000)
    assert len(newest) == 3
    assert [e.logged_at for e in newest] == sorted((e.logged_at for e in newest), reverse=True)
    assert all(e.user_id == demo_id and e.logged_at >= since for e in recent)
    assert {e.user_name for e in everyone} == {"demo", "maria", "kenji", "sam"}


async def test_follower_sees_each_new_row_once(database: Database) -> None:
    await seed(database)
    demo_id = user_id_for("demo")
    follower = LogFollower(database, user_id=demo_id)
    backlog = await follower.start(backlog=2)
    assert len(backlog) == 2
    assert await follower.poll() == []
    first, second = _set(demo_id), _set(demo_id)
    other_user = _set(user_id_for("maria"))
    async with database.session() as session:
        await insert_workout_sets(session=session, sets=[first, other_user])
    assert [e.id for e in await follower.poll()] == [first.id]
    async with database.session() as session:
        await insert_workout_sets(session=session, sets=[second])
    assert [e.id for e in await follower.poll()] == [second.id]
    assert await follower.poll() == []


async def test_follower_reads_a_burst_larger_than_one_page(database: Database) -> None:
    await seed(database)
    demo_id = user_id_for("demo")
    follower = LogFollower(database, batch_limit=10)
    await follower.start(backlog=0)
    burst = [_set(demo_id) for _ in range(35)]
    async with database.session() as session:
        await insert_workout_sets(session=session, sets=burst)
    assert {e.id for e in await follower.poll()} == {s.id for s in burst}
    assert await follower.poll() == []
