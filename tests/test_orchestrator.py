"""The specialist orchestrator: routing, the offline specialists, cloud specialists behind a
scripted chat model, retries and failures, provider construction, and `fitcoach ask`."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from typer.testing import CliRunner

from fitcoach.cli import app
from fitcoach.coach import (
    SPECIALISTS,
    AgentContext,
    AgentOrchestrator,
    SpecialistUnavailable,
    load_agent_context,
    shared_intent_engine,
)
from fitcoach.coach import orchestrator as orchestrator_module
from fitcoach.coach.orchestrator import route
from fitcoach.coach.providers import build_chat_model
from fitcoach.config import load_settings
from fitcoach.errors import ConfigError, InvalidInput
from fitcoach.store import open_database, seed, upgrade, user_id_for
from tests.fakes import ScriptedChatModel, echo_last_question

GENERIC_QUESTIONS = [
    "how long should I rest between sets",
    "is creatine safe",
    "how much protein do I need",
    "should I stretch before lifting",
    "is coffee okay before training",
    "what should I eat before a morning session",
    "what's a good beginner program",
    "do I need fish oil",
]
FRIENDLY = re.compile(r"^[^*#`]+$")


@pytest.fixture(scope="module")
def demo_context() -> Iterator[AgentContext]:
    """The seeded demo user's context, loaded once from a throwaway SQLite file."""
    import tempfile
    from pathlib import Path

    async def load(url: str) -> AgentContext:
        database = open_database(load_settings(database_url=url))
        await upgrade(database)
        await seed(database)
        context = await load_agent_context(database, user_id_for("demo"))
        await database.dispose()
        return context

    with tempfile.TemporaryDirectory() as folder:
        yield asyncio.run(load(f"sqlite:///{Path(folder) / 'ctx.db'}"))


@pytest.fixture
def no_retry_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orchestrator_module, "RETRY_DELAY_S", 0.0)


async def test_offline_specialists_answer_from_context_and_knowledge(
    demo_context: AgentContext,
) -> None:
    orchestrator = AgentOrchestrator(demo_context)
    await orchestrator.warm_up()

    protein = await orchestrator.route_query("how much protein do I need", "diet")
    assert protein.specialist == "diet" and "grams of protein" in protein.content
    creatine = await orchestrator.route_query(
        "should I take creatine before or after training", "supplement"
    )
    assert "3 to 5 grams" in creatine.content
    knee = await orchestrator.route_query("my knee hurts when I squat", "workout")
    assert re.search(r"physio|doctor", knee.content)
    last = await orchestrator.route_query("what did I do last session", "workout")
    assert last.specialist == "tracker" and "Your last session" in last.content
    week = await orchestrator.route_query("what's my schedule this week")
    assert week.specialist == "scheduler" and "Push" in week.content
    best = await orchestrator.route_query("what's my best bench press")
    assert best.specialist == "tracker" and "one-rep max" in best.content


async def test_misheard_creatine_still_finds_the_creatine_answer(
    demo_context: AgentContext,
) -> None:
    orchestrator = AgentOrchestrator(demo_context)
    answer = await orchestrator.route_query("um is creating safe", "supplement")
    assert "creatine" in answer.content.lower() and "kidney" in answer.content.lower()


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.text(
        alphabet=st.characters(categories=["L", "Nd"]) | st.just(" "), min_size=3, max_size=80
    ).filter(lambda q: re.search(r"\w{2}", q) is not None),
    specialist=st.sampled_from(["workout", "diet", "supplement"]),
)
async def test_property_7_specialist_delegation_flow(
    demo_context: AgentContext, query: str, specialist: str
) -> None:
    """Feature: livekit-voice-agent, Property 7: Specialist delegation flow.

    For any query and specialist type, the query reaches the orchestrator's specialist and
    the specialist's answer is what comes back.
    """
    model = ScriptedChatModel(respond=echo_last_question, calls=[])
    orchestrator = AgentOrchestrator(demo_context, chat_model=model)
    response = await orchestrator.route_query(query, specialist)
    sent = " ".join(query.split())
    assert any(m.content == sent.lower() or m.content == sent for call in model.calls for m in call)
    assert response.content.startswith("Specialist answer to:")
    assert response.specialist == route(sent.lower(), specialist, shared_intent_engine())  # type: ignore[arg-type]


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(specialist=st.sampled_from(SPECIALISTS), question=st.sampled_from(GENERIC_QUESTIONS))
async def test_property_8_all_specialist_types_supported(
    demo_context: AgentContext, specialist: str, question: str
) -> None:
    """Feature: livekit-voice-agent, Property 8: All specialist types supported.

    Every specialist type answers when asked for by name, offline.
    """
    orchestrator = AgentOrchestrator(demo_context)
    response = await orchestrator.route_query(question, specialist)
    assert response.specialist == specialist
    assert response.content and FRIENDLY.match(response.content)
    assert len(response.content.split()) <= 75


class _Boom(Exception):
    pass


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    error=st.sampled_from([_Boom, TimeoutError, ConnectionError, RuntimeError, ValueError]),
    detail=st.text(max_size=200),
)
async def test_property_9_orchestrator_errors_become_a_typed_failure(
    demo_context: AgentContext, no_retry_delay: None, error: type[Exception], detail: str
) -> None:
    """Feature: livekit-voice-agent, Property 9: Orchestrator errors return friendly messages.

    Any provider failure is retried twice, then surfaces as SpecialistUnavailable: one
    line, no provider detail, which the voice layer turns into "could you rephrase".
    """

    secret_detail = f"provider-detail-{detail}"

    def fail(messages: list[BaseMessage]) -> AIMessage:
        raise error(secret_detail)

    model = ScriptedChatModel(respond=fail, calls=[])
    orchestrator = AgentOrchestrator(demo_context, chat_model=model)
    with pytest.raises(SpecialistUnavailable) as caught:
        await orchestrator.route_query("how long should I rest", "workout")
    assert len(model.calls) == orchestrator_module.RETRIES + 1
    message = str(caught.value)
    assert "\n" not in message and secret_detail not in message


async def test_a_provider_that_recovers_within_the_retries_answers(
    demo_context: AgentContext, no_retry_delay: None
) -> None:
    failures = iter([ConnectionError("reset"), None])

    def flaky(messages: list[BaseMessage]) -> AIMessage:
        failure = next(failures)
        if failure is not None:
            raise failure
        return AIMessage(content="Rest two to three minutes on big lifts.")

    orchestrator = AgentOrchestrator(
        demo_context, chat_model=ScriptedChatModel(respond=flaky, calls=[])
    )
    response = await orchestrator.route_query("how long should I rest", "workout")
    assert response.content == "Rest two to three minutes on big lifts."


async def test_cloud_specialist_calls_tools_over_the_users_data(demo_context: AgentContext) -> None:
    def script(messages: list[BaseMessage]) -> AIMessage:
        results = [m for m in messages if isinstance(m, ToolMessage)]
        if not results:
            return AIMessage(
                content="", tool_calls=[{"name": "recent_training_log", "args": {}, "id": "call-1"}]
            )
        assert "bench press" in str(results[0].content)
        return AIMessage(content="**You benched** 75 kilograms for 6 last week.")

    model = ScriptedChatModel(respond=script, calls=[])
    orchestrator = AgentOrchestrator(demo_context, chat_model=model)
    response = await orchestrator.route_query("how did my bench go", "tracker")
    assert response.content == "You benched 75 kilograms for 6 last week."  # markdown gone
    assert len(model.calls) == 2


async def test_cloud_specialists_are_told_and_given_the_guard_for_a_user_under_18(
    demo_context: AgentContext,
) -> None:
    assert demo_context.profile is not None
    teenager = demo_context.model_copy(
        update={"profile": demo_context.profile.model_copy(update={"age": 16})}
    )
    tool_outputs: list[str] = []

    def script(messages: list[BaseMessage]) -> AIMessage:
        results = [m for m in messages if isinstance(m, ToolMessage)]
        if not results:
            calls = [
                {
                    "name": "coaching_knowledge",
                    "args": {"question": "how big a deficit"},
                    "id": "1",
                },
                {"name": "nutrition_targets", "args": {}, "id": "2"},
            ]
            return AIMessage(content="", tool_calls=calls)
        tool_outputs.extend(str(result.content) for result in results)
        return AIMessage(content="Let's not diet while you're growing.")

    model = ScriptedChatModel(respond=script, calls=[])
    orchestrator = AgentOrchestrator(teenager, chat_model=model)
    # Asked outright, the question never reaches the model: the careful answer is given.
    careful = await orchestrator.route_query("how big should my calorie deficit be", "diet")
    assert "still growing" in careful.content and model.calls == []
    # A question the model does answer: its prompt and its tools carry the same guard.
    await orchestrator.route_query("what should I eat for dinner tonight", "diet")
    system_prompt = str(model.calls[0][0].content)
    assert "under 18" in system_prompt and "coaching_knowledge" in system_prompt
    knowledge, targets = tool_outputs
    assert "still growing" in knowledge and "300 to 600" not in knowledge
    assert "under-18s" in targets and not re.search(r"aim for about [\d,]+ calories", targets)


@pytest.mark.parametrize(
    ("question", "careful"),
    [
        ("I'm on warfarin can I take fish oil", "doctor or pharmacist"),
        ("I'm on metformin should I try intermittent fasting", "doctor or pharmacist"),
        ("I'm pregnant can I take creatine", "midwife"),
        ("I'm 15 how much creatine should I take", "still growing"),
        ("I had anorexia is intermittent fasting ok for me", "eating disorder"),
    ],
)
async def test_a_cloud_model_is_not_asked_what_could_harm_the_person_asking(
    demo_context: AgentContext, question: str, careful: str
) -> None:
    model = ScriptedChatModel(respond=echo_last_question, calls=[])
    orchestrator = AgentOrchestrator(demo_context, chat_model=model)
    response = await orchestrator.route_query(question, "supplement")
    assert careful in response.content and model.calls == []
    # The same question without the medicine, the pregnancy or the age is the model's.
    await orchestrator.route_query("is fish oil worth taking", "supplement")
    assert len(model.calls) == 1


async def test_bad_specialist_and_empty_question_are_input_errors(
    demo_context: AgentContext,
) -> None:
    orchestrator = AgentOrchestrator(demo_context)
    with pytest.raises(InvalidInput, match="unknown specialist"):
        await orchestrator.route_query("hi", "astrologer")
    with pytest.raises(InvalidInput, match="empty"):
        await orchestrator.route_query("   ?! ", None)


@pytest.mark.parametrize(
    ("provider", "key", "expected_class"),
    [
        ("openai", "openai_api_key", "ChatOpenAI"),
        ("anthropic", "anthropic_api_key", "ChatAnthropic"),
        ("google", "google_api_key", "ChatGoogleGenerativeAI"),
    ],
)
def test_each_cloud_provider_builds_from_settings_without_network(
    provider: str, key: str, expected_class: str
) -> None:
    model = build_chat_model(
        load_settings(voice_llm_provider=provider, **{key: "test-key-not-real"})
    )
    assert type(model).__name__ == expected_class
    with pytest.raises(ConfigError, match=key.upper()):
        build_chat_model(load_settings(voice_llm_provider=provider))


def test_openai_compatible_needs_a_base_url_and_model() -> None:
    with pytest.raises(ConfigError, match="VOICE_LLM_BASE_URL"):
        build_chat_model(
            load_settings(voice_llm_provider="openai_compatible", voice_llm_model="llama3.2")
        )
    model = build_chat_model(
        load_settings(
            voice_llm_provider="openai_compatible",
            voice_llm_base_url="http://127.0.0.1:11434/v1",
            voice_llm_model="llama3.2",
        )
    )
    assert model is not None and "127.0.0.1:11434" in str(model.openai_api_base)  # type: ignore[attr-defined]
    assert build_chat_model(load_settings()) is None  # local: knowledge-base specialists


def test_orchestrator_provider_can_differ_from_the_voice_provider() -> None:
    settings = load_settings(
        voice_llm_provider="openai", openai_api_key="k", orchestrator_llm_provider="local"
    )
    assert build_chat_model(settings) is None


def test_fitcoach_ask_prints_the_specialist_and_answer(sqlite_url: str) -> None:
    runner = CliRunner()
    env = {"DATABASE_URL": sqlite_url}
    assert runner.invoke(app, ["seed"], env=env).exit_code == 0
    result = runner.invoke(app, ["ask", "--user", "maria", "how much protein do I need"], env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("diet: ") and "grams of protein" in result.stdout
    as_json = runner.invoke(
        app, ["ask", "-u", "demo", "-s", "supplement", "is creatine safe", "--json"], env=env
    )
    import json

    payload = json.loads(as_json.stdout)
    assert payload["specialist"] == "supplement" and payload["user"] == "demo"
    bad = runner.invoke(app, ["ask", "-s", "astrologer", "hi"], env=env)
    assert bad.exit_code == 2 and "unknown specialist" in bad.stderr
    unknown = runner.invoke(app, ["ask", "-u", "nobody", "hi"], env=env)
    assert unknown.exit_code == 4


def test_a_missing_provider_package_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec

    def without_anthropic(name: str, *args: object) -> object:
        return None if name == "langchain_anthropic" else real_find_spec(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", without_anthropic)
    with pytest.raises(ConfigError, match=r"pip install 'fitcoach\[anthropic\]'"):
        build_chat_model(load_settings(voice_llm_provider="anthropic", anthropic_api_key="k"))
