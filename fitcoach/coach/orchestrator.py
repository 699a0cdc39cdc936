"""The specialist orchestrator: routes a question to one of six specialists and returns its
answer, as a LangGraph graph (router node, then one specialist node).

Specialists are `create_agent` agents with tools over the user's context and the coaching
maths when a chat model is configured, and the offline specialists (knowledge base and
maths) when the provider is `local`; those run the graph's two nodes directly, without
loading LangGraph. Either way a failure surfaces as `SpecialistUnavailable`,
which the voice layer turns into "could you rephrase".
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from fitcoach.coach.context import AgentContext
from fitcoach.coach.exercises import find_exercise
from fitcoach.coach.intents import IntentEngine, clean_transcript, shared_intent_engine
from fitcoach.coach.knowledge import KnowledgeBase, shared_knowledge_base
from fitcoach.coach.log_answers import is_log_question, log_tools
from fitcoach.coach.safety import is_minor
from fitcoach.coach.specialists import (
    SCHEDULER_QUESTION,
    SPECIALISTS,
    TRACKER_QUESTION,
    LocalSpecialists,
    Specialist,
)
from fitcoach.coach.speech import speakable
from fitcoach.errors import FitcoachError, InvalidInput

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from fitcoach.config import Settings

logger = logging.getLogger(__name__)

# The seed design: two retries, one second apart, on provider errors.
RETRIES = 2
RETRY_DELAY_S = 1.0
# A stalled provider must not keep a voice turn silent: each attempt gets this long.
ATTEMPT_TIMEOUT_S = 8.0
MAX_QUERY_CHARS = 2000

_INTENT_TO_SPECIALIST: dict[str, Specialist] = {
    "ask_workout": "workout",
    "get_workout": "scheduler",
    "log_set": "tracker",
    "ask_diet": "diet",
    "get_meals": "diet",
    "ask_supplement": "supplement",
    "other": "general",
}


class SpecialistUnavailable(FitcoachError):
    """The specialist could not answer (provider down, timeout, bad response)."""


@dataclass(frozen=True)
class SpecialistResponse:
    content: str
    specialist: Specialist
    seconds: float


class _State(TypedDict, total=False):
    query: str
    requested: Specialist | None
    specialist: Specialist
    answer: str


def parse_specialist(name: str | None) -> Specialist | None:
    if name is None or not name.strip():
        return None
    cleaned = name.strip().lower()
    if cleaned not in SPECIALISTS:
        raise InvalidInput(
            f"unknown specialist {name[:40]!r}: choose one of {', '.join(SPECIALISTS)}"
        )
    return cleaned


def route(query: str, requested: Specialist | None, intents: IntentEngine) -> Specialist:
    """Which specialist answers.

    Questions about the user's own log or schedule go to the tracker and scheduler even
    when the caller asked the workout specialist, since only they read that data.
    """
    text = query.lower()
    if requested in (None, "workout", "general"):
        if TRACKER_QUESTION.search(text) or is_log_question(text):
            return "tracker"
        if SCHEDULER_QUESTION.search(text):
            return "scheduler"
    if requested is not None:
        return requested
    return _INTENT_TO_SPECIALIST[intents.classify(query).intent]


_SYSTEM_PROMPTS: dict[Specialist, str] = {
    "workout": "You are a strength and conditioning coach. Answer training, technique and "
    "programming questions for this user.",
    "diet": "You are a sports nutritionist. Answer nutrition questions for this user, using "
    "their targets and meal plan.",
    "supplement": "You are a sports supplement adviser. Be evidence-based and conservative; "
    "say when evidence is weak. No medical advice.",
    "tracker": "You track the user's training. Answer from their logged sets only; never "
    "invent sets that are not in the log.",
    "scheduler": "You plan the user's training week and rest days from their plan.",
    "general": "You are a friendly fitness coach answering a general question.",
}
_VOICE_RULES = (
    " The answer is spoken aloud: two to four short sentences, no markdown, no lists of more "
    "than three items, under thirty seconds. For pain, injury or medical questions, advise "
    "stopping and seeing a professional. Never give calorie-cutting, fasting, weight-loss or "
    "supplement advice of your own to someone under 18, pregnant or breastfeeding, on a "
    "medicine or with kidney disease, or who describes starving, purging or bingeing: pass "
    "their own words about it to coaching_knowledge, which has the careful answer for them, "
    "and tell them to check with their doctor or pharmacist."
)


def _tools(context: AgentContext, knowledge: KnowledgeBase) -> list[Any]:
    """Read-only tools over this user's data and the coaching maths, for cloud specialists."""
    from langchain_core.tools import tool

    local = LocalSpecialists(context, knowledge)
    minor = is_minor(context.profile.age if context.profile else None)

    @tool
    def user_profile() -> str:
        """The user's profile and preferences (goal, level, body weight, unit, diet)."""
        return context.model_dump_json(include={"display_name", "profile", "preferences", "today"})

    @tool
    def workout_plan_this_week() -> str:
        """The user's planned workouts for the next seven days, by date."""
        return context.model_dump_json(include={"today", "upcoming_workouts"})

    @tool
    def todays_meal_plan() -> str:
        """Today's planned meals with calories and macros."""
        return context.model_dump_json(include={"current_meal_plan"})

    @tool
    def recent_training_log() -> str:
        """Sets logged in the last two weeks, and each exercise's last and best set."""
        return context.model_dump_json(include={"recent_sets", "records"})

    @tool
    def nutrition_targets() -> str:
        """Daily calorie and macro targets computed for the user's body and goal."""
        return local.diet("how many calories and how much protein should I eat")

    @tool
    def progression_for(exercise: str) -> str:
        """Suggested next weight for an exercise, from the user's recent sets."""
        found = find_exercise(exercise) or exercise
        return local.workout(f"should I increase the weight on {found}")

    @tool
    def coaching_knowledge(question: str) -> str:
        """A short, cited answer from the curated coaching knowledge base."""
        match = knowledge.answer(question, minor=minor)
        if match is None:
            return "no entry"
        sources = "; ".join(match.entry.citations) or "no published source"
        return f"{match.spoken} (evidence: {match.entry.evidence}; {sources})"

    return [
        user_profile,
        workout_plan_this_week,
        todays_meal_plan,
        recent_training_log,
        nutrition_targets,
        progression_for,
        coaching_knowledge,
        *log_tools(context),
    ]


class AgentOrchestrator:
    """One user's orchestrator: build it per session, call `warm_up()` before the first turn."""

    def __init__(
        self,
        context: AgentContext,
        *,
        chat_model: BaseChatModel | None = None,
        max_tokens: int = 150,
        knowledge: KnowledgeBase | None = None,
        intents: IntentEngine | None = None,
    ) -> None:
        self.context = context
        self._chat_model = chat_model
        self._max_tokens = max_tokens
        self._knowledge = knowledge
        self._intents = intents
        self._graph: Any = None
        self._agents: dict[Specialist, Any] = {}

    @classmethod
    def from_settings(cls, context: AgentContext, settings: Settings) -> AgentOrchestrator:
        from fitcoach.coach.providers import build_chat_model

        return cls(
            context,
            chat_model=build_chat_model(settings),
            max_tokens=settings.voice_max_response_tokens,
        )

    @property
    def provider(self) -> str:
        return "local" if self._chat_model is None else type(self._chat_model).__name__

    def update_context(self, context: AgentContext) -> None:
        """Use a reloaded context (after a plan change or a logged set)."""
        self.context = context
        self._agents.clear()

    async def warm_up(self) -> None:
        """Load the embedding model, knowledge base and intents, and compile the graph, so the
        first question costs no more than any other."""

        def load() -> None:
            self._knowledge = self._knowledge or shared_knowledge_base()
            self._intents = self._intents or shared_intent_engine()
            self._knowledge.answer("warm up")

        await asyncio.to_thread(load)
        self._graph = self._build_graph() if self._chat_model is not None else self._run_local

    def _build_graph(self) -> Any:
        # Imported here: LangGraph and LangChain cost about a second of start-up, which the
        # offline specialists do not need.
        from langgraph.graph import END, START, StateGraph

        graph = StateGraph(_State)
        graph.add_node("route", self._route_node)
        for specialist in SPECIALISTS:
            graph.add_node(specialist, self._specialist_node(specialist))
            graph.add_edge(specialist, END)
        graph.add_edge(START, "route")
        graph.add_conditional_edges("route", lambda state: state["specialist"], list(SPECIALISTS))
        return graph.compile()

    async def _run_local(self, state: _State) -> _State:
        """The graph's two steps for the offline specialists, run directly: the same route
        node, then the chosen specialist's node."""
        routed: _State = {**state, **await self._route_node(state)}
        return {**routed, **await self._specialist_node(routed["specialist"])(routed)}

    async def _route_node(self, state: _State) -> _State:
        assert self._intents is not None
        intents = self._intents
        chosen = await asyncio.to_thread(route, state["query"], state.get("requested"), intents)
        return {"specialist": chosen}

    def _specialist_node(self, specialist: Specialist) -> Any:
        async def answer(state: _State) -> _State:
            assert self._knowledge is not None
            if self._chat_model is None:
                local = LocalSpecialists(self.context, self._knowledge)
                text = await asyncio.to_thread(local.answer, specialist, state["query"])
                return {"answer": text}
            # Someone under 18, pregnant, on a medicine or speaking of disordered eating who
            # asks about eating less or a supplement gets the curated careful answer; a
            # model's own diet or supplement advice is what could harm them.
            minor = is_minor(self.context.profile.age if self.context.profile else None)
            careful = await asyncio.to_thread(self._knowledge.guarded, state["query"], minor=minor)
            if careful is not None:
                return {"answer": careful.spoken}
            text = await self._ask_agent(specialist, state["query"])
            return {"answer": text}

        return answer

    async def _ask_agent(self, specialist: Specialist, query: str) -> str:
        from langchain.agents import create_agent

        assert self._chat_model is not None and self._knowledge is not None
        agent = self._agents.get(specialist)
        if agent is None:
            agent = create_agent(
                self._chat_model,
                tools=_tools(self.context, self._knowledge),
                system_prompt=(
                    f"{_SYSTEM_PROMPTS[specialist]} The user is {self.context.display_name}; "
                    f"today is {self.context.today:%A %d %B}.{_VOICE_RULES}"
                ),
                name=f"{specialist}_specialist",
            )
            self._agents[specialist] = agent
        result = await agent.ainvoke({"messages": [{"role": "user", "content": query}]})
        message = result["messages"][-1]
        content = message.content
        if isinstance(content, list):  # content blocks (Anthropic, Gemini)
            content = " ".join(
                block.get("text", "") if isinstance(block, dict) else str(block)
                for block in content
            )
        if not str(content).strip():
            raise SpecialistUnavailable(f"the {specialist} specialist returned an empty answer")
        return str(content)

    async def route_query(
        self, query: str, specialist: str | None = None, voice_mode: bool = True
    ) -> SpecialistResponse:
        """Answer `query` with the requested (or best) specialist."""
        requested = parse_specialist(specialist)
        # The same repairs the intent engine applies: "creating" -> "creatine", fillers.
        cleaned = clean_transcript(query[: MAX_QUERY_CHARS * 2])[:MAX_QUERY_CHARS]
        if not re.search(r"\w", cleaned):
            raise InvalidInput("the question is empty")
        if self._graph is None:
            await self.warm_up()
        started = time.perf_counter()
        last_error: Exception | None = None
        for attempt in range(RETRIES + 1):
            try:
                async with asyncio.timeout(ATTEMPT_TIMEOUT_S):
                    question: _State = {"query": cleaned, "requested": requested}
                    state = await (
                        self._graph(question)
                        if self._chat_model is None
                        else self._graph.ainvoke(question)
                    )
                break
            except FitcoachError:
                raise
            except Exception as exc:
                last_error = exc
                logger.warning(
                    "specialist attempt %d failed: %s",
                    attempt + 1,
                    type(exc).__name__,
                    extra={"user_id": str(self.context.user_id)},
                )
                if attempt < RETRIES:
                    await asyncio.sleep(RETRY_DELAY_S)
        else:
            raise SpecialistUnavailable(
                f"the specialist failed {RETRIES + 1} times ({type(last_error).__name__})"
            ) from last_error
        answer = state["answer"]
        if voice_mode:
            answer = speakable(answer, max_tokens=self._max_tokens)
        return SpecialistResponse(
            content=answer,
            specialist=state["specialist"],
            seconds=time.perf_counter() - started,
        )
