"""Every tool call the LLM makes is logged with the user, the tool and how long it took."""

from __future__ import annotations

import logging
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from livekit.agents import AgentSession

from fitcoach.agent.voice_agent import AgentServices, FitnessVoiceAgent
from fitcoach.store import user_id_for
from tests.fakes import ScriptedLLM, tool_call
from tests.test_voice_agent import ready_agent, services  # noqa: F401  (fixture)

ARGUMENTS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "get_todays_workout": st.just({}),
    "get_todays_meals": st.just({}),
    # Accepted and refused sets alike: a refusal is a tool call too.
    "log_workout_set": st.fixed_dictionaries(
        {
            "exercise": st.sampled_from(["squat", "deadlift", "", "x" * 300, "zercher squat"]),
            "reps": st.integers(-5, 1005),
            "weight": st.floats(-10, 1100) | st.just(math.nan),
        }
    ),
    # A specialist the orchestrator cannot route to fails, and is logged all the same.
    "ask_specialist_agent": st.fixed_dictionaries(
        {
            "query": st.sampled_from(["how much protein do I need", "is creatine safe", "?"]),
            "specialist": st.sampled_from(["diet", "supplement", "workout", "astrologer"]),
        }
    ),
}
calls = st.lists(
    st.sampled_from(sorted(ARGUMENTS)).flatmap(
        lambda tool: ARGUMENTS[tool].map(lambda arguments: (tool, arguments))
    ),
    min_size=1,
    max_size=4,
)


@pytest.fixture
async def agents(services: AgentServices) -> Any:  # noqa: F811
    """One ready agent per user, reused by every example (each in a new session)."""
    ready: dict[str, FitnessVoiceAgent] = {}

    async def agent_for(user: str) -> FitnessVoiceAgent:
        if user not in ready:
            ready[user] = await ready_agent(services, "workout", user=user)
        return ready[user]

    yield agent_for
    for agent in ready.values():
        await agent.cleanup()


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(turn=calls, user=st.sampled_from(["demo", "maria"]))
async def test_property_15_every_tool_call_is_logged_with_user_tool_and_duration(
    agents: Any,
    caplog: pytest.LogCaptureFixture,
    turn: list[tuple[str, dict[str, Any]]],
    user: str,
) -> None:
    """Feature: livekit-voice-agent, Property 15: Comprehensive logging.

    However many tools the LLM calls in a turn, for whichever user, with whatever arguments
    (valid, refused or failing), each call leaves one log record naming the session's user,
    the tool, and a duration.
    """
    caplog.clear()
    caplog.set_level(logging.INFO, logger="fitcoach.agent.tools")
    agent = await agents(user)
    step = [
        tool_call(name, call_id=f"call-{index}", **arguments)[0]
        for index, (name, arguments) in enumerate(turn)
    ]
    async with AgentSession(llm=ScriptedLLM([step, "Done."])) as session:
        await session.start(agent)
        result = await session.run(user_input="do these")
        executed = [e.item.name for e in result.events if e.type == "function_call"]
    assert sorted(executed) == sorted(name for name, _ in turn)
    records = [r for r in caplog.records if hasattr(r, "tool") and hasattr(r, "duration_ms")]
    assert sorted(r.tool for r in records) == sorted(executed)  # type: ignore[attr-defined]
    for record in records:
        assert record.user_id == str(user_id_for(user))  # type: ignore[attr-defined]
        assert math.isfinite(record.duration_ms) and record.duration_ms >= 0  # type: ignore[attr-defined]
        assert record.getMessage().startswith(f"tool {record.tool} took")  # type: ignore[attr-defined]
