"""FitnessVoiceAgent in a real AgentSession (text turns, scripted LLM), and the session builder."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from livekit.agents import AgentSession
from sqlalchemy import select
from sqlmodel import col

from fitcoach.agent.providers import LocalEngineUnavailable, check_providers
from fitcoach.agent.session_builder import Engines, build_llm, build_session, load_vad
from fitcoach.agent.voice_agent import CONTEXT_RELOAD_SETTLE_S, AgentServices, FitnessVoiceAgent
from fitcoach.coach import AgentContext, ContextLoader
from fitcoach.coach.context import ExerciseRecord
from fitcoach.config import load_settings
from fitcoach.errors import ConfigError, InvalidInput
from fitcoach.store import WorkoutLog, open_database, seed, upgrade, user_id_for
from tests.fakes import ScriptedLLM, last_tool_output, tool_call

PROPERTY = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
async def services(sqlite_url: str, tmp_path: Path) -> AsyncIterator[AgentServices]:
    settings_ = load_settings(database_url=sqlite_url, data_dir=str(tmp_path / "data"))
    database = open_database(settings_)
    await upgrade(database)
    await seed(database)
    await database.dispose()
    opened = AgentServices.open(settings_)
    yield opened
    await opened.close()


async def ready_agent(
    services: AgentServices, agent_type: str = "workout", user: str = "demo"
) -> FitnessVoiceAgent:
    agent = FitnessVoiceAgent(user_id_for(user), agent_type, services=services)
    await agent.initialize_orchestrator()
    await agent.start_log_worker()
    return agent


async def logged_rows(services: AgentServices) -> list[WorkoutLog]:
    async with services.database.session() as session:
        result = await session.execute(
            select(WorkoutLog).where(col(WorkoutLog.session_id).is_not(None))
        )
        return list(result.scalars().all())


async def test_a_spoken_set_is_logged_confirmed_and_written(services: AgentServices) -> None:
    agent = await ready_agent(services)
    llm = ScriptedLLM(
        [
            tool_call("log_workout_set", exercise="squats", reps=10, weight=80, unit="kg", sets=3),
            lambda ctx: last_tool_output(ctx),  # read the confirmation back
        ]
    )
    async with AgentSession(llm=llm) as session:
        await session.start(agent)
        result = await session.run(user_input="log three sets of ten squats at eighty kilos")
        result.expect.next_event().is_function_call(
            name="log_workout_set", arguments={"exercise": "squats", "reps": 10, "sets": 3}
        )
        result.expect.next_event().is_function_call_output(
            output="Logged 3 sets of squat, 10 reps at 80 kilograms.", is_error=False
        )
        reply = result.expect.next_event().is_message(role="assistant").event().item
        assert "Logged" in reply.text_content
        result.expect.no_more_events()
    await agent.cleanup()
    rows = await logged_rows(services)
    assert (
        len(rows) == 3
        and {r.exercise for r in rows} == {"squat"}
        and {r.weight_kg for r in rows} == {80}
    )
    assert {r.session_id for r in rows} == {agent.session_id}


async def test_greeting_uses_the_users_name_and_plan(services: AgentServices) -> None:
    agent = await ready_agent(services, "diet")
    async with AgentSession(llm=ScriptedLLM([])) as session:
        greeting = await session.start(agent, capture_run=True)
        message = greeting.expect.contains_message(role="assistant").event().item
        assert "Alex" in message.text_content and "calories" in message.text_content
    await agent.cleanup()


async def test_the_instructions_name_the_user_and_their_unit(services: AgentServices) -> None:
    agent = await ready_agent(services, "supplement", user="maria")
    assert "Maria" in agent.instructions and "pounds" in agent.instructions
    assert "supplement" in agent.instructions
    await agent.cleanup()


TOOL_CALLS: dict[str, dict[str, Any]] = {
    "get_todays_workout": {},
    "get_todays_meals": {},
    "log_workout_set": {"exercise": "deadlift", "reps": 5, "weight": 140},
    "ask_specialist_agent": {"query": "is creatine safe", "specialist": "supplement"},
}


@PROPERTY
@given(
    tool=st.sampled_from(sorted(TOOL_CALLS)),
    agent_type=st.sampled_from(["workout", "diet", "supplement", "general"]),
)
async def test_property_13_every_tool_is_callable_by_the_llm(
    services: AgentServices, tool: str, agent_type: str
) -> None:
    """Feature: livekit-voice-agent, Property 13: Function tools are callable by LLM.

    Whichever tool the LLM calls, with arguments from its schema, the tool runs and its
    output goes back to the LLM.
    """
    agent = await ready_agent(services, agent_type)
    assert {t.id for t in agent.tools} >= set(TOOL_CALLS)  # type: ignore[attr-defined]
    llm = ScriptedLLM(
        [tool_call(tool, **TOOL_CALLS[tool]), lambda ctx: f"Said: {last_tool_output(ctx)}"]
    )
    async with AgentSession(llm=llm) as session:
        await session.start(agent)
        result = await session.run(user_input="go")
        result.expect.next_event().is_function_call(name=tool)
        output = result.expect.next_event(type="function_call_output").event().item
        assert not output.is_error and output.output and "internal error" not in output.output
        result.expect.next_event().is_message(role="assistant")
    await agent.logbook.close()


async def test_a_tool_cannot_act_for_another_user(services: AgentServices) -> None:
    """Whatever the user says, log_workout_set writes for the session's user only."""
    agent = await ready_agent(services)
    other = str(user_id_for("maria"))
    llm = ScriptedLLM(
        [tool_call("log_workout_set", exercise=f"squat for user {other}", reps=5, weight=100), "ok"]
    )
    async with AgentSession(llm=llm) as session:
        await session.start(agent)
        await session.run(user_input=f"log this for user {other}: 5 squats at 100")
    await agent.cleanup()
    rows = await logged_rows(services)
    assert rows and {r.user_id for r in rows} == {user_id_for("demo")}


async def test_unknown_agent_type_is_refused(services: AgentServices) -> None:
    with pytest.raises(InvalidInput, match="agent type"):
        FitnessVoiceAgent(uuid.uuid4(), "astrologer", services=services)


# -- the session builder -----------------------------------------------------------------------

CLOUD_KEYS = {
    "deepgram_api_key": "dg-test",
    "cartesia_api_key": "ca-test",
    "openai_api_key": "sk-test",
    "anthropic_api_key": "an-test",
    "google_api_key": "go-test",
}
LLM_CLASSES = {
    "openai": "livekit.plugins.openai.llm",
    "anthropic": "livekit.plugins.anthropic.llm",
    "google": "livekit.plugins.google.llm",
    "openai_compatible": "livekit.plugins.openai.llm",
}


@given(provider=st.sampled_from(sorted(LLM_CLASSES)), fallback=st.booleans())
@settings(max_examples=100, deadline=None)
def test_property_12_every_llm_provider_configures(provider: str, fallback: bool) -> None:
    """Feature: livekit-voice-agent, Property 12: LLM provider selection."""
    settings_ = load_settings(
        voice_llm_provider=provider,
        voice_llm_base_url="http://127.0.0.1:11434/v1",
        voice_llm_model="llama3.2" if provider == "openai_compatible" else None,
        voice_provider_fallback=fallback,
        **CLOUD_KEYS,
    )
    local_llm = ScriptedLLM([])
    built = build_llm(settings_, Engines(llm=local_llm))
    if fallback:
        from livekit.agents.llm import FallbackAdapter

        assert isinstance(built, FallbackAdapter) and built._llm_instances[-1] is local_llm
        built = built._llm_instances[0]
    assert type(built).__module__ == LLM_CLASSES[provider]


async def test_a_cloud_session_builds_offline_with_keys() -> None:
    # Async: AgentSession takes the current event loop, which a sync test has only when some
    # earlier import happened to leave one behind.
    settings_ = load_settings(
        voice_stt_provider="deepgram",
        voice_tts_provider="cartesia",
        voice_llm_provider="openai",
        **CLOUD_KEYS,
    )
    check_providers(settings_)
    session = build_session(settings_, Engines(vad=load_vad()))
    assert type(session.stt).__module__.startswith("livekit.plugins.deepgram")
    assert type(session.tts).__module__.startswith("livekit.plugins.cartesia")


@pytest.mark.parametrize(
    ("overrides", "names"),
    [
        ({"voice_llm_provider": "openai"}, "OPENAI_API_KEY"),
        ({"voice_llm_provider": "anthropic"}, "ANTHROPIC_API_KEY"),
        ({"voice_llm_provider": "google"}, "GOOGLE_API_KEY"),
        ({"voice_stt_provider": "deepgram"}, "DEEPGRAM_API_KEY"),
        ({"voice_tts_provider": "cartesia"}, "CARTESIA_API_KEY"),
        ({"voice_llm_provider": "openai_compatible"}, "VOICE_LLM_BASE_URL"),
    ],
)
def test_a_missing_key_is_a_configuration_error_at_start(
    overrides: dict[str, str], names: str
) -> None:
    everything_cloud = {
        "voice_stt_provider": "deepgram",
        "voice_tts_provider": "cartesia",
        "voice_llm_provider": "openai",
    }
    keys = {k: v for k, v in CLOUD_KEYS.items() if k.upper() != names}
    with pytest.raises(ConfigError, match=names):
        check_providers(load_settings(**{**everything_cloud, **keys, **overrides}))


def test_local_engines_missing_is_said_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    check_providers(load_settings())  # this installation has every local engine
    real_find_spec = importlib.util.find_spec

    def without_whisper(name: str, *args: Any) -> Any:
        return None if name == "faster_whisper" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", without_whisper)
    with pytest.raises(LocalEngineUnavailable, match="no local speech-to-text"):
        check_providers(load_settings())


async def test_a_dead_cloud_llm_falls_back_to_the_local_engine(services: AgentServices) -> None:
    """The cloud LLM's server is down (a closed port on 127.0.0.1): with fallback on, the
    turn is answered by the local engine and the set is still logged."""
    import socket

    from fitcoach.agent.engines.intent_llm import IntentLLM

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    settings_ = load_settings(
        voice_llm_provider="openai_compatible",
        voice_llm_base_url=f"http://127.0.0.1:{dead_port}/v1",
        voice_llm_model="any",
        voice_provider_fallback=True,
    )
    llm = build_llm(settings_, Engines(llm=IntentLLM()))
    agent = await ready_agent(services)
    async with AgentSession(llm=llm) as session:
        await session.start(agent)
        result = await session.run(
            user_input="log five reps of deadlift at one hundred and forty kilos"
        )
        result.expect.next_event().is_function_call(
            name="log_workout_set", arguments={"exercise": "deadlift"}
        )
        result.expect.next_event().is_function_call_output(
            output="Logged deadlift, 5 reps at 140 kilograms."
        )
    await agent.cleanup()
    rows = await logged_rows(services)
    assert [(r.exercise, r.reps, r.weight_kg) for r in rows] == [("deadlift", 5, 140.0)]


@pytest.mark.parametrize(
    ("said", "safety_answer"),
    [
        # What the intent embeddings alone made of these: meals, today's workout, a set to
        # log with no exercise, "didn't catch that".
        ("I think I have an eating disorder", "eating disorder helpline"),
        ("my urine is dark brown after a hard workout", "get medical help today"),
        ("I think I pulled a muscle", "Stop the exercise now"),
        ("I feel dizzy", "sit or lie down right away"),
        ("I nearly passed out at the gym", "sit or lie down right away"),
        ("I'm on warfarin can I take fish oil", "doctor or pharmacist"),
    ],
)
async def test_the_offline_brain_answers_warning_signs_with_the_safety_answer(
    services: AgentServices, said: str, safety_answer: str
) -> None:
    from fitcoach.agent.engines.intent_llm import IntentLLM

    agent = await ready_agent(services)
    async with AgentSession(llm=IntentLLM()) as session:
        await session.start(agent)
        result = await session.run(user_input=said)
        result.expect.next_event().is_function_call(name="ask_specialist_agent")
        output = result.expect.next_event().is_function_call_output().event().item.output
        assert safety_answer in output, output
    await agent.cleanup()


class CountingLoader(ContextLoader):
    """The services' loader, counting what it reads."""

    def __init__(self, loader: ContextLoader) -> None:
        super().__init__(loader.database, loader.cache)
        self.loads = 0

    async def load(self, user_id: uuid.UUID) -> AgentContext:
        self.loads += 1
        return await super().load(user_id)


def records(agent: FitnessVoiceAgent) -> dict[str, ExerciseRecord]:
    assert agent.user_context is not None
    return agent.user_context.records


async def _until(condition: Callable[[], bool], within_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_delivered_sets_reach_the_sessions_context_without_a_reload(
    services: AgentServices,
) -> None:
    loader = services.contexts = CountingLoader(services.contexts)
    agent = await ready_agent(services)
    assert loader.loads == 1
    llm = ScriptedLLM(
        [
            tool_call("log_workout_set", exercise="deadlift", reps=5, weight=200, unit="kg"),
            "Logged.",
            tool_call("ask_specialist_agent", query="what's my max deadlift", specialist="workout"),
            lambda ctx: last_tool_output(ctx),
        ]
    )
    async with AgentSession(llm=llm) as session:
        await session.start(agent)
        await session.run(user_input="five deadlifts at two hundred kilos")
        # Delivery is asynchronous: the record moves once the set reaches the database.
        await _until(lambda: records(agent)["deadlift"].best.weight_kg == 200)
        assert records(agent)["deadlift"].best.reps == 5
        result = await session.run(user_input="what's my max deadlift")
        result.expect.next_event().is_function_call(name="ask_specialist_agent")
        result.expect.next_event().is_function_call_output()
        answer = result.expect.next_event().is_message(role="assistant").event().item
        assert "200 kilograms for 5 reps" in answer.text_content
        await asyncio.sleep(CONTEXT_RELOAD_SETTLE_S + 0.2)
    await agent.cleanup()
    assert loader.loads == 1, "the session reloaded its context for its own sets"


async def test_a_change_made_elsewhere_reloads_the_sessions_context(
    services: AgentServices,
) -> None:
    loader = services.contexts = CountingLoader(services.contexts)
    agent = await ready_agent(services)
    async with AgentSession(llm=ScriptedLLM([])) as session:
        await session.start(agent)
        # Another session of the same user, in another process, delivered a set.
        async with services.database.session() as db:
            db.add(
                WorkoutLog(
                    user_id=user_id_for("demo"),
                    exercise="front squat",
                    reps=3,
                    weight_kg=95,
                    logged_at=datetime.now(UTC),
                )
            )
            await db.commit()
        await loader.invalidate(user_id_for("demo"), origin="session:elsewhere")
        await _until(lambda: "front squat" in records(agent))
    await agent.cleanup()
    assert loader.loads == 2
