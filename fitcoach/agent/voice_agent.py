"""FitnessVoiceAgent: the LiveKit Agent with fitcoach's four tools, as the seed designs it.

agent = FitnessVoiceAgent(user_id, agent_type, services=services)
await agent.initialize_orchestrator()   # context + orchestrator, before joining the room
await agent.start_log_worker()          # the durable logbook's writer
...
await agent.cleanup()                   # drain the logbook if it was writing, close it

`fitcoach.agent.coach_session` runs these steps, and their reverse, for every entry point.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterable
from typing import Annotated, Any

from livekit.agents import Agent, ModelSettings, RunContext, function_tool
from livekit.agents.llm import ChatChunk, ChatContext, ChatMessage, Tool
from livekit.agents.types import FlushSentinel
from pydantic import Field, WithJsonSchema

from fitcoach.agent.coach_tools import CoachTools
from fitcoach.agent.instructions import AGENT_TYPES, AgentType, greeting_for, instructions_for
from fitcoach.agent.logbook import Logbook, journal_path_for
from fitcoach.coach import (
    AgentContext,
    AgentOrchestrator,
    ContextLoader,
    LoggedSet,
    context_cache_from_settings,
    with_logged_sets,
)
from fitcoach.config import Settings
from fitcoach.errors import InvalidInput
from fitcoach.store import Database, WorkoutSet, open_database

# A turn longer than this is not read: typed or pasted text could be a megabyte, which the
# offline parser takes minutes over and a cloud LLM is billed for on every later request.
# Spoken turns are far shorter (60 s of speech is about 900 characters, and the STT cuts
# speech at 30 s).
MAX_TURN_CHARS = 1000
TOO_LONG = "That's more than I can take in at once. Could you say it in a sentence or two?"
# What a turn that was too long is replaced by in what the LLM sees afterwards.
_TOO_LONG_MARK = "[a message too long to read]"

# The specialists the voice LLM may name (the orchestrator also has tracker, scheduler and
# general, which its router picks by itself).
ASKABLE_SPECIALISTS = ("workout", "diet", "supplement")

logger = logging.getLogger(__name__)

# How long cleanup waits for the logbook to reach the database; what is left stays in the
# journal and is delivered by the next worker to start.
DRAIN_TIMEOUT_S = 10.0
CONTEXT_RELOAD_SETTLE_S = 0.5
RELOAD_FINISH_TIMEOUT_S = 5.0


class AgentServices:
    """What a session needs besides its models: the database, the context cache, settings."""

    def __init__(self, settings: Settings, database: Database, contexts: ContextLoader) -> None:
        self.settings = settings
        self.database = database
        self.contexts = contexts

    @classmethod
    def open(cls, settings: Settings) -> AgentServices:
        # No connection is made here: a context already in the cache needs no database.
        return cls.around(settings, open_database(settings))

    @classmethod
    def around(cls, settings: Settings, database: Database) -> AgentServices:
        """Services for an already open database, with the configured context cache."""
        return cls(
            settings, database, ContextLoader(database, context_cache_from_settings(settings))
        )

    async def close(self) -> None:
        await self.contexts.cache.close()
        await self.database.dispose()


class FitnessVoiceAgent(Agent):
    def __init__(
        self,
        user_id: str | uuid.UUID,
        agent_type: str = "general",
        *,
        services: AgentServices,
        session_id: uuid.UUID | None = None,
    ) -> None:
        if agent_type not in AGENT_TYPES:
            raise InvalidInput(
                f"unknown agent type {agent_type[:40]!r}: one of {', '.join(AGENT_TYPES)}"
            )
        self.agent_type: AgentType = agent_type
        super().__init__(instructions=instructions_for(self.agent_type))
        self.user_id = uuid.UUID(str(user_id))
        self.services = services
        self.session_id = session_id or uuid.uuid4()
        self.user_context: AgentContext | None = None
        self.orchestrator: AgentOrchestrator | None = None
        self.logbook = Logbook(
            services.database,
            journal_path_for(services.settings.data_dir),
            max_journal_bytes=services.settings.journal_max_mb * 1024 * 1024,
        )
        self.coach_tools: CoachTools | None = None
        self._reloads: set[asyncio.Task[None]] = set()
        self._stale = False
        self._closing = asyncio.Event()

    # -- lifecycle ------------------------------------------------------------------------

    async def initialize_orchestrator(self) -> None:
        """Load the user's context and warm the orchestrator, so the first turn is fast."""
        started = time.perf_counter()
        context = await self.services.contexts.load(self.user_id)
        orchestrator = AgentOrchestrator.from_settings(context, self.services.settings)
        await orchestrator.warm_up()
        self.user_context = context
        self.orchestrator = orchestrator
        self.coach_tools = CoachTools(
            context=context,
            logbook=self.logbook,
            orchestrator=orchestrator,
            session_id=self.session_id,
            user_id=self.user_id,
        )
        await self.update_instructions(instructions_for(self.agent_type, context))
        self.logbook.add_delivered_listener(self._sets_delivered)
        self.services.contexts.cache.add_listener(
            self._context_invalidated, ignore_origin=self._origin
        )
        logger.info(
            "agent ready in %.0f ms",
            (time.perf_counter() - started) * 1000,
            extra={
                "user_id": str(self.user_id),
                "agent_type": self.agent_type,
                "provider": orchestrator.provider,
            },
        )

    async def start_log_worker(self) -> None:
        self.logbook.start()

    async def cleanup(self) -> None:
        """Release what the agent started, whatever it got to: deliver what the logbook holds
        (a bounded wait) if its writer runs, close the journal, let a context reload end."""
        if self.logbook.writing:
            delivered = await self.logbook.drain(timeout=DRAIN_TIMEOUT_S)
            stats = await self.logbook.stats()
            logger.info(
                "logbook drained"
                if delivered
                else "logbook left sets in the journal for the next start",
                extra={"queue_depth": stats.queue_depth, "delivered": stats.delivered},
            )
        await self.logbook.close()
        # A reload still settling returns at once; one that is reading finishes its query
        # (cancelling it mid-query would leave the connection to be reset by the pool).
        self._closing.set()
        if self._reloads:
            _, stuck = await asyncio.wait(self._reloads, timeout=RELOAD_FINISH_TIMEOUT_S)
            for task in stuck:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def llm_node(
        self, chat_ctx: ChatContext, tools: list[Tool], model_settings: ModelSettings
    ) -> AsyncIterable[ChatChunk | str | FlushSentinel]:
        """The LLM's turn, unless the user's message is too long to read: then the agent says
        so, and no model (local or cloud) ever sees that message, now or later."""
        last = chat_ctx.items[-1] if chat_ctx.items else None
        if last is not None and _too_long(last):
            logger.warning("a turn too long to read was not answered")
            yield TOO_LONG
            return
        answers_ahead = getattr(self.session.llm, "speaks_tool_output_verbatim", False)
        async for chunk in Agent.default.llm_node(
            self, _without_long_turns(chat_ctx), tools, model_settings
        ):
            ahead = self._answer_ahead(chunk) if answers_ahead else None
            if ahead:
                # The reply of a tool that only reads the loaded context is known now: said
                # first, it is synthesised while the framework still waits to confirm the
                # turn (its preemptive generation), and plays the moment it is confirmed.
                # The call itself still runs then, as every call does.
                yield ahead
            yield chunk

    def _answer_ahead(self, chunk: object) -> str | None:
        calls = chunk.delta.tool_calls if isinstance(chunk, ChatChunk) and chunk.delta else []
        if not calls or self.coach_tools is None:
            return None
        answers = [self.coach_tools.answer_ahead(call.name) for call in calls]
        if any(answer is None for answer in answers):
            return None
        return " ".join(a for a in answers if a)

    async def on_enter(self) -> None:
        if self.user_context is not None:
            self.session.say(greeting_for(self.agent_type, self.user_context))

    # -- keeping the context fresh ----------------------------------------------------------

    @property
    def _origin(self) -> str:
        return f"session:{self.session_id}"

    async def _sets_delivered(self, sets: list[WorkoutSet]) -> None:
        # This session knows what it delivered: its context takes the sets in memory, rather
        # than reloading from the database on the event loop while the user goes on logging.
        own = [
            LoggedSet(
                exercise=s.exercise, reps=s.reps, weight_kg=s.weight_kg, logged_at=s.logged_at
            )
            for s in sets
            if s.user_id == self.user_id
        ]
        if own and self.user_context is not None:
            if self._reloads:
                # A reload may already have read these rows: let it read again, not add twice.
                self._stale = True
            else:
                self._use_context(with_logged_sets(self.user_context, own))
        # The journal is shared by the worker's processes, so this writer may have delivered
        # other users' sets: invalidate each, so their own sessions (through Redis) reload too.
        for user_id in {s.user_id for s in sets}:
            await self.services.contexts.invalidate(user_id, origin=self._origin)

    def _context_invalidated(self, user_id: uuid.UUID) -> None:
        if user_id != self.user_id:
            return
        self._stale = True
        if self._reloads:
            return  # the running reload goes round again: reloads never finish out of order
        task = asyncio.get_running_loop().create_task(self._reload_context())
        self._reloads.add(task)
        task.add_done_callback(self._reloads.discard)

    async def _reload_context(self) -> None:
        # Sets arrive in bursts ("three sets of ten"); reload once the burst has landed,
        # rather than competing with the conversation's audio once per delivered batch.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), CONTEXT_RELOAD_SETTLE_S)
        context = None
        while self._stale and not self._closing.is_set():
            self._stale = False
            try:
                context = await self.services.contexts.load(self.user_id)
            except Exception as exc:  # keep serving from the context we have
                logger.warning(
                    "context reload failed: %s",
                    type(exc).__name__,
                    extra={"user_id": str(self.user_id)},
                )
                return
        if context is not None:
            self._use_context(context)

    def _use_context(self, context: AgentContext) -> None:
        self.user_context = context
        if self.coach_tools is not None:
            self.coach_tools.context = context
        if self.orchestrator is not None:
            self.orchestrator.update_context(context)

    def _require_tools(self) -> CoachTools:
        if self.coach_tools is None:
            raise RuntimeError(
                "initialize_orchestrator() was not called before the session started"
            )
        return self.coach_tools

    # -- the tools the LLM can call -----------------------------------------------------------

    @function_tool
    async def get_todays_workout(self, context: RunContext[Any]) -> str:
        """Get the user's planned workout for today: the session name and each exercise with
        sets, reps and target weight, or that today is a rest day."""
        return self._require_tools().todays_workout()

    @function_tool
    async def get_todays_meals(self, context: RunContext[Any]) -> str:
        """Get the user's planned meals for today with their foods, calories and protein."""
        return self._require_tools().todays_meals()

    # The LLM is shown these types, but any value is accepted and checked by the tool itself:
    # a wrong one ("ten", 2.5, true, null) gets a spoken correction, not a validation dump.
    @function_tool
    async def log_workout_set(
        self,
        context: RunContext[Any],
        exercise: Annotated[
            Any,
            WithJsonSchema({"type": "string"}),
            Field(description="The exercise, e.g. 'squat' or 'bench press'."),
        ],
        reps: Annotated[
            Any, WithJsonSchema({"type": "integer"}), Field(description="Repetitions in each set.")
        ],
        weight: Annotated[
            Any,
            WithJsonSchema({"type": "number"}),
            Field(description="The load lifted; 0 for body weight."),
        ],
        unit: Annotated[
            Any,
            WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "null"}]}),
            Field(description="'kg' or 'lb' as the user said it; omit for their preferred unit."),
        ] = None,
        sets: Annotated[
            Any,
            WithJsonSchema({"type": "integer"}),
            Field(description="How many identical sets to log (default 1)."),
        ] = 1,
    ) -> str:
        """Log sets the user has just performed, once they have said what they did. Returns
        a confirmation to read back, or a question when something needs correcting."""
        return await self._require_tools().log_set(exercise, reps, weight, unit, sets)

    @function_tool
    async def ask_specialist_agent(
        self,
        context: RunContext[Any],
        query: Annotated[str, Field(description="The user's question, in their words.")],
        specialist: Annotated[
            str, Field(description="Which specialist: 'workout', 'diet' or 'supplement'.")
        ],
    ) -> str:
        """Ask a coaching specialist a question that needs expertise: training and technique
        (workout), nutrition (diet) or supplements (supplement)."""
        # Anything else: let the orchestrator's router pick, rather than fail the question.
        chosen = specialist if specialist in ASKABLE_SPECIALISTS else None
        return await self._require_tools().ask_specialist(query, chosen)


def _too_long(item: object) -> bool:
    return (
        isinstance(item, ChatMessage)
        and item.role == "user"
        and len(item.text_content or "") > MAX_TURN_CHARS
    )


def _without_long_turns(chat_ctx: ChatContext) -> ChatContext:
    """`chat_ctx` with every user message over MAX_TURN_CHARS replaced by a short mark."""
    if not any(_too_long(item) for item in chat_ctx.items):
        return chat_ctx
    bounded = chat_ctx.copy()
    bounded.items = [
        ChatMessage(role="user", content=[_TOO_LONG_MARK], id=item.id) if _too_long(item) else item
        for item in bounded.items
    ]
    return bounded
