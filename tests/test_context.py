"""AgentContext loading on SQLite and Postgres, and its cache (in-process and Redis)."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fitcoach.coach import (
    ContextLoader,
    LoggedSet,
    MemoryContextCache,
    RedisContextCache,
    load_agent_context,
    with_logged_sets,
)
from fitcoach.coach.context_cache import context_cache_from_settings
from fitcoach.config import load_settings
from fitcoach.errors import ConfigError, UserNotFound
from fitcoach.store import (
    Database,
    MealPlan,
    PlannedExercise,
    PlannedMeal,
    User,
    UserPreferences,
    UserProfile,
    WorkoutLog,
    WorkoutPlan,
    seed,
    user_id_for,
)

REDIS_URL = os.environ.get("FITCOACH_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Kiritimati",
]


async def _add_user(
    database: Database,
    *,
    zone: str,
    training_days: list[int],
    meals_per_day: int,
    dated: date | None = None,
) -> uuid.UUID:
    user = User(name=f"u-{uuid.uuid4().hex[:8]}", display_name="Pat")
    async with database.session() as session:
        session.add(user)
        await session.flush()
        session.add(
            UserProfile(
                user_id=user.id,
                goal="strength",
                experience_level="beginner",
                body_weight_kg=70,
                height_cm=175,
                age=30,
                sex="female",
            )
        )
        session.add(
            UserPreferences(
                user_id=user.id,
                preferred_unit="kg",
                dietary_preferences=[],
                dietary_restrictions=[],
                training_days=training_days,
                timezone=zone,
            )
        )
        for weekday in training_days:
            plan = WorkoutPlan(user_id=user.id, weekday=weekday, name=f"Day {weekday}")
            session.add(plan)
            await session.flush()
            session.add(
                PlannedExercise(
                    plan_id=plan.id,
                    position=0,
                    exercise="squat",
                    sets=3,
                    reps=5,
                    target_weight_kg=60,
                    rest_seconds=120,
                )
            )
        if dated is not None:
            plan = WorkoutPlan(user_id=user.id, plan_date=dated, name="Test day")
            session.add(plan)
        for weekday in range(7):
            meal_plan = MealPlan(user_id=user.id, weekday=weekday)
            session.add(meal_plan)
            await session.flush()
            for position in range(meals_per_day):
                session.add(
                    PlannedMeal(
                        plan_id=meal_plan.id,
                        position=position,
                        name=f"Meal {position}",
                        items=["rice"],
                        calories=500,
                        protein_g=30,
                        carbs_g=60,
                        fat_g=15,
                    )
                )
        await session.commit()
    return user.id


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    zone=st.sampled_from(ZONES),
    training_days=st.lists(st.integers(0, 6), unique=True, max_size=7),
    meals_per_day=st.integers(1, 6),
    moment=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
)
async def test_property_1_context_loading_completeness(
    database: Database, zone: str, training_days: list[int], meals_per_day: int, moment: datetime
) -> None:
    """Feature: livekit-voice-agent, Property 1: Context loading completeness.

    For any user with a profile, the loaded context includes their workout plan (or a rest
    day), meal plan and preferences, for today in their own time zone.
    """
    user_id = await _add_user(
        database, zone=zone, training_days=training_days, meals_per_day=meals_per_day
    )
    context = await load_agent_context(database, user_id, now=moment)
    from zoneinfo import ZoneInfo

    today = moment.astimezone(ZoneInfo(zone)).date()
    assert context.today == today
    assert context.preferences is not None and context.preferences.timezone == zone
    assert context.profile is not None and context.profile.goal == "strength"
    if today.weekday() in training_days:
        assert context.current_workout_plan is not None
        assert context.current_workout_plan.name == f"Day {today.weekday()}"
        assert context.current_workout_plan.exercises[0].exercise == "squat"
    else:
        assert context.current_workout_plan is None  # a rest day
    assert context.current_meal_plan is not None
    assert len(context.current_meal_plan.meals) == meals_per_day
    assert context.current_meal_plan.calories == 500 * meals_per_day
    assert len(context.upcoming_workouts) == sum(
        (today + timedelta(days=i)).weekday() in training_days for i in range(7)
    )


async def test_a_dated_plan_overrides_the_weekday(database: Database) -> None:
    moment = datetime(2026, 3, 4, 12, tzinfo=UTC)  # a Wednesday
    user_id = await _add_user(
        database, zone="UTC", training_days=[2], meals_per_day=3, dated=moment.date()
    )
    context = await load_agent_context(database, user_id, now=moment)
    assert context.current_workout_plan is not None
    assert context.current_workout_plan.name == "Test day"


async def test_seeded_history_becomes_records(database: Database) -> None:
    await seed(database)
    context = await load_agent_context(database, user_id_for("demo"))
    assert context.recent_sets and "bench press" in context.records
    record = context.records["bench press"]
    assert record.best_estimated_1rm_kg >= record.best.weight_kg
    assert context.display_name == "Alex" and context.preferred_unit == "kg"
    # JSON round trip: what the Redis cache stores.
    assert type(context).model_validate_json(context.model_dump_json()) == context


async def test_a_sessions_own_sets_give_the_context_a_reload_would(database: Database) -> None:
    await seed(database)
    now = datetime.now(UTC)
    before = await load_agent_context(database, user_id_for("demo"), now=now)
    performed = [
        LoggedSet(exercise="deadlift", reps=3, weight_kg=250, logged_at=now - timedelta(minutes=5)),
        LoggedSet(exercise="deadlift", reps=8, weight_kg=60, logged_at=now - timedelta(minutes=4)),
        LoggedSet(
            exercise="pistol squat", reps=6, weight_kg=0, logged_at=now - timedelta(minutes=3)
        ),
        # Confirmed long ago and delivered only now (a journal left by a crashed worker).
        LoggedSet(exercise="lunge", reps=10, weight_kg=20, logged_at=now - timedelta(days=40)),
    ]
    async with database.session() as session:
        session.add_all(
            WorkoutLog(user_id=user_id_for("demo"), **logged.model_dump()) for logged in performed
        )
        await session.commit()

    updated = with_logged_sets(before, performed)
    reloaded = await load_agent_context(database, user_id_for("demo"), now=now)
    assert updated.recent_sets == reloaded.recent_sets
    assert updated.records == reloaded.records
    assert updated.records["deadlift"].best.weight_kg == 250 and "lunge" not in updated.records
    assert before.records != updated.records  # the original is left as it was


async def test_unknown_user_is_a_typed_error(database: Database) -> None:
    with pytest.raises(UserNotFound):
        await load_agent_context(database, uuid.uuid4())


async def test_memory_cache_serves_until_ttl_or_invalidation(database: Database) -> None:
    await seed(database)
    cache = MemoryContextCache(ttl_seconds=3600)
    loader = ContextLoader(database, cache)
    heard: list[uuid.UUID] = []
    cache.add_listener(heard.append)
    first = await loader.load(user_id_for("demo"))
    assert await loader.load(user_id_for("demo")) is first
    await loader.invalidate(user_id_for("demo"))
    assert heard == [user_id_for("demo")]
    assert await loader.load(user_id_for("demo")) is not first

    short = MemoryContextCache(ttl_seconds=0.05)
    await short.put(first)
    assert await short.get(first.user_id) is first
    await asyncio.sleep(0.1)
    assert await short.get(first.user_id) is None


async def test_a_listener_does_not_hear_invalidations_it_caused(database: Database) -> None:
    await seed(database)
    cache = MemoryContextCache(ttl_seconds=3600)
    mine: list[uuid.UUID] = []
    everyone: list[uuid.UUID] = []
    cache.add_listener(mine.append, ignore_origin="session:a")
    cache.add_listener(everyone.append)
    user = user_id_for("demo")
    await cache.invalidate(user, origin="session:a")
    await cache.invalidate(user, origin="session:b")
    await cache.invalidate(user)
    assert mine == [user, user] and everyone == [user, user, user]


async def _redis_or_skip() -> None:
    import redis.asyncio as redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await client.ping()
    except Exception as exc:
        if os.environ.get("FITCOACH_REQUIRE_REDIS") == "1":
            pytest.fail(f"no Redis at {REDIS_URL}: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL} ({type(exc).__name__}); set FITCOACH_TEST_REDIS_URL")
    finally:
        await client.aclose()


_LISTENER = """
import asyncio, sys, uuid
from fitcoach.coach import RedisContextCache

async def main():
    cache = RedisContextCache(sys.argv[1], 60)
    heard = asyncio.Event()
    def on_invalidate(user_id):
        print(f"invalidated {user_id}", flush=True)
        heard.set()
    cache.add_listener(on_invalidate)
    await cache.wait_subscribed()
    entry = await cache.get(uuid.UUID(sys.argv[2]))
    print(f"shared entry for {entry.display_name}", flush=True)
    await asyncio.wait_for(heard.wait(), 20)
    await cache.close()

asyncio.run(main())
"""


async def test_redis_cache_is_shared_and_invalidation_reaches_another_process(
    sqlite_url: str,
) -> None:
    await _redis_or_skip()
    from fitcoach.store import open_database, upgrade

    database = open_database(load_settings(database_url=sqlite_url))
    await upgrade(database)
    await seed(database)
    cache = RedisContextCache(REDIS_URL, 60)
    try:
        context = await ContextLoader(database, cache).load(user_id_for("maria"))
        listener = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _LISTENER,
            REDIS_URL,
            str(context.user_id),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert listener.stdout is not None
        line = await asyncio.wait_for(listener.stdout.readline(), 30)
        assert line.decode().strip() == "shared entry for Maria"
        await cache.invalidate(context.user_id)
        line = await asyncio.wait_for(listener.stdout.readline(), 30)
        assert line.decode().strip() == f"invalidated {context.user_id}"
        assert await asyncio.wait_for(listener.wait(), 30) == 0
        assert await cache.get(context.user_id) is None
    finally:
        await cache.close()
        await database.dispose()


async def test_redis_invalidation_carries_its_origin() -> None:
    await _redis_or_skip()
    cache = RedisContextCache(REDIS_URL, 60)
    mine: asyncio.Queue[uuid.UUID] = asyncio.Queue()
    everyone: asyncio.Queue[uuid.UUID] = asyncio.Queue()
    try:
        cache.add_listener(mine.put_nowait, ignore_origin="session:a")
        cache.add_listener(everyone.put_nowait)
        await cache.wait_subscribed()
        caused_here, caused_elsewhere = uuid.uuid4(), uuid.uuid4()
        await cache.invalidate(caused_here, origin="session:a")
        await cache.invalidate(caused_elsewhere, origin="session:b")
        assert await asyncio.wait_for(everyone.get(), 10) == caused_here
        assert await asyncio.wait_for(everyone.get(), 10) == caused_elsewhere
        # Published in order on one connection: had the first reached `mine`, it would be first.
        assert await asyncio.wait_for(mine.get(), 10) == caused_elsewhere
    finally:
        await cache.close()


async def test_an_unreadable_redis_entry_is_a_miss(sqlite_url: str) -> None:
    await _redis_or_skip()
    import redis.asyncio as redis

    from fitcoach.coach.context_cache import _KEY_PREFIX

    user_id = uuid.uuid4()
    client = redis.Redis.from_url(REDIS_URL)
    await client.set(_KEY_PREFIX + str(user_id), b'{"written by": "another version"}', ex=60)
    cache = RedisContextCache(REDIS_URL, 60)
    try:
        assert await cache.get(user_id) is None
        assert await client.get(_KEY_PREFIX + str(user_id)) is None  # removed, not re-read
    finally:
        await cache.close()
        await client.aclose()


def test_cache_choice_follows_settings() -> None:
    assert isinstance(context_cache_from_settings(load_settings()), MemoryContextCache)
    with pytest.raises(ConfigError):
        context_cache_from_settings(load_settings(redis_url="http://not-redis"))
