"""Questions about your own log, answered by voice with the right numbers: the offline
tracker, the voice engine's routing, and the read-only tools of cloud specialists. Every
expected number is computed here from the rows in the database."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from livekit.agents import llm as lk_llm
from sqlalchemy import select
from sqlmodel import col

from fitcoach.agent.engines.intent_llm import plan_reply
from fitcoach.coach import (
    AgentContext,
    AgentOrchestrator,
    ContextLoader,
    MemoryContextCache,
    shared_intent_engine,
)
from fitcoach.config import load_settings
from fitcoach.store import (
    Database,
    WorkoutLog,
    WorkoutSet,
    insert_workout_sets,
    open_database,
    upgrade,
)
from fitcoach.store.models import ExperienceLevel, Goal, WeightUnit
from fitcoach.store.profiles import NewUser, create_user
from tests.fakes import ScriptedChatModel

KG_PER_LB = 0.45359237
ZONE = ZoneInfo("America/New_York")
QUESTIONS = [
    "how's my squat going?",
    "what did I do last Monday?",
    "how many sets of chest this week?",
    "did I beat my bench record?",
]


def e1rm(kg: float, reps: int) -> float:
    epley = kg * (1 + reps / 30)
    return (epley + kg * 36 / (37 - reps)) / 2 if reps <= 10 else epley


def pounds(kg: float) -> str:
    return f"{round(kg / KG_PER_LB)} pounds" if kg else "body weight"


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE).astimezone(UTC)


@pytest.fixture
async def logbook(database_url: str) -> AsyncIterator[tuple[Database, AgentContext]]:
    """A user in pounds in New York with ten weeks of squat and bench, and chest work this
    week; the context is loaded the way a session loads it."""
    database = open_database(load_settings(database_url=database_url))
    await upgrade(database)
    async with database.session() as session:
        summary = await create_user(
            session=session,
            new_user=NewUser("maria", "Maria", Goal.STRENGTH, ExperienceLevel.INTERMEDIATE,
                             WeightUnit.LB, "America/New_York"),
        )  # fmt: skip
    user_id = summary.user.id
    today = datetime.now(UTC).astimezone(ZONE).date()
    monday = today - timedelta(days=today.weekday())
    sets: list[WorkoutSet] = []

    def add(at: datetime, exercise: str, reps: int, lb: float, count: int = 1) -> None:
        for i in range(count):
            sets.append(WorkoutSet(uuid.uuid4(), user_id, exercise, reps, round(lb * KG_PER_LB, 3),
                                   at + timedelta(minutes=3 * i)))  # fmt: skip

    for week in range(10, 0, -1):  # squat every week's Tuesday, 5 lb more each week
        add(
            local(monday - timedelta(weeks=week, days=-1), 18), "squat", 5, 200 + 5 * (10 - week), 3
        )
    last_monday = monday - timedelta(weeks=1)
    add(local(last_monday, 7), "bench press", 8, 135, 3)
    add(local(last_monday, 7, 20), "incline dumbbell press", 10, 50, 2)
    # This week, bench on the user's Monday: a heavier triple (a new best).
    add(local(monday, 6, 30), "bench press", 3, 165, 4)
    add(local(monday, 6, 50), "push-up", 15, 0, 2)
    async with database.session() as session:
        await insert_workout_sets(session=session, sets=sets)
    context = await ContextLoader(database, MemoryContextCache(0)).load(user_id)
    try:
        yield database, context
    finally:
        await database.dispose()


async def rows(database: Database, user_id: uuid.UUID) -> list[WorkoutLog]:
    async with database.session() as session:
        result = await session.execute(
            select(WorkoutLog)
            .where(col(WorkoutLog.user_id) == user_id)
            .order_by(col(WorkoutLog.logged_at))
        )
        return list(result.scalars().all())


async def ask(context: AgentContext, question: str) -> tuple[str, str]:
    orchestrator = AgentOrchestrator(context)
    response = await orchestrator.route_query(question, "workout")  # what the voice path asks
    return response.specialist, response.content


def day_of(log: WorkoutLog) -> date:
    return log.logged_at.astimezone(ZONE).date()


async def test_hows_my_squat_going(logbook: tuple[Database, AgentContext]) -> None:
    database, context = logbook
    squats = [r for r in await rows(database, context.user_id) if r.exercise == "squat"]
    days = sorted({day_of(r) for r in squats})
    first, last = (
        max((r for r in squats if day_of(r) == d), key=lambda r: e1rm(r.weight_kg, r.reps))
        for d in (days[0], days[-1])
    )
    specialist, answer = await ask(context, "how's my squat going?")
    assert specialist == "tracker"
    assert (
        f"went from {pounds(e1rm(first.weight_kg, 5))} to {pounds(e1rm(last.weight_kg, 5))}"
        in answer
    )
    assert f"last top set was {pounds(last.weight_kg)} for 5" in answer
    assert "is up" in answer and "kilograms" not in answer


async def test_what_did_i_do_last_monday(logbook: tuple[Database, AgentContext]) -> None:
    database, context = logbook
    today = context.today
    last_monday = today - timedelta(days=today.weekday() or 7)
    that_day = [r for r in await rows(database, context.user_id) if day_of(r) == last_monday]
    specialist, answer = await ask(context, "what did I do last Monday?")
    assert specialist == "tracker"
    assert f"you did {len(that_day)} sets" in answer
    for exercise in {r.exercise for r in that_day}:
        of_it = [r for r in that_day if r.exercise == exercise]
        assert (
            f"{len(of_it)} sets of {exercise}, {of_it[0].reps} reps at {pounds(of_it[0].weight_kg)}"
            in answer
        )


async def test_how_many_sets_of_chest_this_week(logbook: tuple[Database, AgentContext]) -> None:
    database, context = logbook
    monday = context.today - timedelta(days=context.today.weekday())
    chest = {"bench press", "incline dumbbell press", "push-up"}  # the catalogue's chest work
    expected = sum(
        1
        for r in await rows(database, context.user_id)
        if day_of(r) >= monday and r.exercise in chest
    )
    specialist, answer = await ask(context, "how many sets of chest this week?")
    assert specialist == "tracker"
    assert f"You've done {expected} sets for chest this week" in answer


async def test_did_i_beat_my_bench_record(logbook: tuple[Database, AgentContext]) -> None:
    database, context = logbook
    bench = [r for r in await rows(database, context.user_id) if r.exercise == "bench press"]
    latest_day = max(day_of(r) for r in bench)
    new = max(
        (r for r in bench if day_of(r) == latest_day), key=lambda r: e1rm(r.weight_kg, r.reps)
    )
    old = max((r for r in bench if day_of(r) < latest_day), key=lambda r: e1rm(r.weight_kg, r.reps))
    assert e1rm(new.weight_kg, new.reps) > e1rm(old.weight_kg, old.reps)
    specialist, answer = await ask(context, "did I beat my bench record?")
    assert specialist == "tracker"
    assert answer.startswith("Yes!")
    assert (
        f"{pounds(new.weight_kg)} for {new.reps}, an estimated max of {pounds(e1rm(new.weight_kg, new.reps))}"
        in answer
    )
    assert f"previous best of {pounds(e1rm(old.weight_kg, old.reps))}" in answer


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_voice_engine_sends_log_questions_to_the_specialist(question: str) -> None:
    result = shared_intent_engine().classify(question)
    reply = plan_reply(result, lk_llm.ChatContext.empty())
    assert isinstance(reply, list) and reply[0].name == "ask_specialist_agent"


async def test_cloud_specialists_read_the_same_numbers(
    logbook: tuple[Database, AgentContext],
) -> None:
    database, context = logbook

    def respond(messages: list[BaseMessage]) -> AIMessage:
        results = [m for m in messages if isinstance(m, ToolMessage)]
        if not results:
            return AIMessage(content="", tool_calls=[
                {"name": "exercise_progress", "args": {"exercise": "squats"}, "id": "c1"},
                {"name": "sets_this_week", "args": {"muscle_or_exercise": "chest"}, "id": "c2"},
            ])  # fmt: skip
        return AIMessage(content=" | ".join(str(m.content) for m in results))

    orchestrator = AgentOrchestrator(
        context, chat_model=ScriptedChatModel(respond=respond, calls=[])
    )
    response = await orchestrator.route_query("how's my squat going?", "workout", voice_mode=False)
    assert response.specialist == "tracker"
    progress = json.loads(response.content.split(" | ")[0])
    squats = [r for r in await rows(database, context.user_id) if r.exercise == "squat"]
    by_day: dict[date, list[WorkoutLog]] = {}
    for r in squats:
        by_day.setdefault(day_of(r), []).append(r)
    assert [d["date"] for d in progress["days"]] == [d.isoformat() for d in sorted(by_day)]
    for entry in progress["days"]:
        top = by_day[date.fromisoformat(entry["date"])][0]
        assert entry["top_set"] == f"{pounds(top.weight_kg)} x 5"
        assert entry["sets"] == len(by_day[date.fromisoformat(entry["date"])])
    assert re.search(r"You've done \d+ sets for chest this week", response.content)
