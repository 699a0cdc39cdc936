"""Tool latency: the agent's four tools as the LLM calls them, on the demo user.

get_todays_workout and get_todays_meals answer from the context loaded at job start;
log_workout_set is timed to its confirmation, which includes writing the local journal
(the durability step) while the background writer delivers to the database;
ask_specialist_agent goes through the orchestrator with the local provider.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench._figures import summary

QUESTIONS = [
    ("How many sets per week should I do for hypertrophy?", "workout"),
    ("How long should I rest between heavy sets?", "workout"),
    ("When should I take a deload week?", "workout"),
    ("My knee hurts when I squat, what should I do?", "workout"),
    ("How much protein do I need per day?", "diet"),
    ("How many calories should I eat to cut?", "diet"),
    ("What should I eat after a workout?", "diet"),
    ("Is it fine to eat carbs at night?", "diet"),
    ("Should I take creatine before or after training?", "supplement"),
    ("How much caffeine before a workout?", "supplement"),
    ("Is fish oil worth taking?", "supplement"),
    ("Do I need BCAAs if I eat enough protein?", "supplement"),
]
EXERCISES = ["squat", "bench press", "deadlift", "barbell row", "overhead press", "pull-up"]


async def _time_async(calls: int, make_call: Any, *, pause_s: float = 0.0) -> list[float]:
    seconds = []
    for index in range(calls):
        started = time.perf_counter()
        await make_call(index)
        seconds.append(time.perf_counter() - started)
        if pause_s:
            await asyncio.sleep(pause_s)
    return seconds


def _ms(seconds: list[float]) -> dict[str, Any]:
    return summary([s * 1000 for s in seconds], digits=3)


async def measure(settings: Any, *, quick: bool) -> dict[str, Any]:
    from fitcoach.agent.voice_agent import AgentServices, FitnessVoiceAgent
    from fitcoach.store import open_migrated_database, seed, user_id_for

    database = await open_migrated_database(settings)
    await seed(database)
    services = AgentServices.around(settings, database)
    agent = FitnessVoiceAgent(user_id_for("demo"), "general", services=services)
    try:
        await agent.initialize_orchestrator()
        await agent.start_log_worker()
        tools = agent.coach_tools
        assert tools is not None
        repeats = 200 if quick else 2000

        def timed(call: Any) -> list[float]:
            seconds = []
            for _ in range(repeats):
                started = time.perf_counter()
                call()
                seconds.append(time.perf_counter() - started)
            return seconds

        workout = timed(tools.todays_workout)
        meals = timed(tools.todays_meals)
        # Twenty sets a second, far more than a room of lifters says, with the writer
        # delivering them to the database as they come.
        logs = await _time_async(
            50 if quick else 1000,
            lambda i: tools.log_set(EXERCISES[i % len(EXERCISES)], 5 + i % 6, 60 + i % 40),
            pause_s=0.05,
        )
        specialist = await _time_async(
            len(QUESTIONS) * (1 if quick else 10),
            lambda i: tools.ask_specialist(*QUESTIONS[i % len(QUESTIONS)]),
        )
        await agent.logbook.wait_until_delivered(within_s=30)
    finally:
        await agent.cleanup()
        await services.close()
    quick_tools = workout + meals
    return {
        "get_todays_workout_ms": _ms(workout),
        "get_todays_meals_ms": _ms(meals),
        "quick_p99_ms": _ms(quick_tools)["p99"],
        "log_workout_set_ms": _ms(logs),
        "log_p99_ms": _ms(logs)["p99"],
        "ask_specialist_local_ms": _ms(specialist),
        "specialist_local_p95_ms": _ms(specialist)["p95"],
    }
