"""One coach session, wherever it runs: a LiveKit job, an offline replay, a conversation on
this computer by voice or typed. The four differ only in their I/O.

    async with coach_session(settings, user="demo", agent_type="workout", engines=engines,
                             io=LocalAudio(microphone, speaker)) as running:
        ...  # running.session, running.agent, running.user_id

Start-up, in order: the database, the user, the engines, the agent with the user's context
and orchestrator, the logbook's writer, the AgentSession and its apology for failing
providers, and the session started on its I/O. Shutdown is the reverse, and there is one
failure policy for both: whatever was started is stopped, in reverse order, whatever failed
on the way, and the error that stopped the start is the one raised. A worker's job cannot
hold an `async with` open for the life of its room, so it calls `start()` and registers
`aclose()` as the job's shutdown callback; both are the same steps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from fitcoach.agent.apology import attach_apology
from fitcoach.agent.providers import register_plugins
from fitcoach.agent.session_builder import Engines, build_session, build_text_session
from fitcoach.agent.voice_agent import AgentServices, FitnessVoiceAgent
from fitcoach.errors import UserNotFound
from fitcoach.store import Database, open_database, open_migrated_database, resolve_user, seed

if TYPE_CHECKING:
    from types import TracebackType

    from livekit.agents import AgentSession, JobContext
    from livekit.agents.voice import io, room_io

    from fitcoach.config import Settings

logger = logging.getLogger(__name__)

SessionFactory = Callable[["Settings", Engines], "AgentSession[Any]"]
SessionObserver = Callable[["AgentSession[Any]"], object]
EngineSource = Engines | Callable[[], Engines]


class SessionIO(Protocol):
    """Where the session hears the user and speaks: a room, local audio, or typed text."""

    # Typed text needs no speech engines: the session is built with the language model alone.
    text_only: bool

    async def start(self, session: AgentSession[Any], agent: FitnessVoiceAgent) -> None: ...


@dataclass
class JobRoom:
    """A LiveKit job's room: the session joins once everything else is ready, and the job
    ends when the session closes."""

    ctx: JobContext
    options: room_io.RoomOptions | None = None
    text_only: bool = False

    async def start(self, session: AgentSession[Any], agent: FitnessVoiceAgent) -> None:
        ctx = self.ctx
        session.on(
            "close",
            lambda event: ctx.shutdown(
                reason=f"session closed ({getattr(event, 'reason', 'unknown')})"
            ),
        )
        if not ctx.room.isconnected():
            await ctx.connect()
        if self.options is None:
            await session.start(agent, room=ctx.room)
        else:
            await session.start(agent, room=ctx.room, room_options=self.options)


@dataclass
class LocalAudio:
    """Audio frames from this computer (a microphone, or a replayed file) and back."""

    input: io.AudioInput
    output: io.AudioOutput
    text_only: bool = False

    async def start(self, session: AgentSession[Any], agent: FitnessVoiceAgent) -> None:
        session.input.audio = self.input
        session.output.audio = self.output
        await session.start(agent)


@dataclass
class TypedText:
    """Typed turns, given with `session.run(user_input=...)`; replies come back as text."""

    text_only: bool = True

    async def start(self, session: AgentSession[Any], agent: FitnessVoiceAgent) -> None:
        await session.start(agent)


class CoachSession:
    """A running coach session and everything it started.

    Args:
        settings: providers, database and the rest.
        user: a user id, or a name or id as typed (`--user`). An id is checked by loading
            the user's context, which a shared cache may already hold: a worker then
            starts even while the database is down.
        agent_type: workout, diet, supplement or general.
        engines: the engines loaded for this process, or a function that loads them (run in
            a thread once the user is known, so a wrong user fails before seconds of loading).
        io: where the session hears and speaks.
        session_factory: builds the AgentSession from the settings and the engines; by
            default a voice session, or a text one for typed I/O.
        observe: called with the AgentSession once it is built and before it starts, to
            attach listeners that must hear everything, the greeting included.
        check_schema: open the database as a local command does (SQLite migrated on the
            spot, a server checked to be at the current schema); a worker leaves migrations
            to `fitcoach db upgrade`.
        create_demo_user: a fresh machine's replay may create the demo user by itself.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        user: str | uuid.UUID,
        agent_type: str = "general",
        engines: EngineSource,
        io: SessionIO,
        session_factory: SessionFactory | None = None,
        observe: SessionObserver | None = None,
        check_schema: bool = True,
        create_demo_user: bool = False,
    ) -> None:
        self.settings = settings
        self._observe = observe
        self.agent_type = agent_type
        self.io = io
        self._user_ref = user
        self._engine_source = engines
        self._factory = session_factory or (build_text_session if io.text_only else build_session)
        self._check_schema = check_schema
        self._create_demo_user = create_demo_user
        self._stack = contextlib.AsyncExitStack()
        self._started = False
        self._closing = False
        self._ended = asyncio.Event()
        self.engines: Engines | None = None
        self.services: AgentServices | None = None
        self.agent: FitnessVoiceAgent | None = None
        self.session: AgentSession[Any] | None = None

    # -- the parts, once started ---------------------------------------------------------

    @property
    def user_id(self) -> uuid.UUID:
        return self._running_agent().user_id

    @property
    def user_name(self) -> str:
        context = self._running_agent().user_context
        return context.user_name if context is not None else str(self.user_id)

    @property
    def database(self) -> Database:
        if self.services is None:
            raise RuntimeError("the coach session has not started")
        return self.services.database

    def _running_agent(self) -> FitnessVoiceAgent:
        if self.agent is None:
            raise RuntimeError("the coach session has not started")
        return self.agent

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> CoachSession:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def start(self) -> None:
        """Start every part in order; on any failure, stop what had started and re-raise."""
        if self._started:
            raise RuntimeError("a coach session starts once")
        self._started = True
        try:
            await self._start_parts()
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        """Stop what was started, in reverse order; safe to call more than once, and every
        step runs whatever the others do."""
        if self._closing:
            return
        self._closing = True
        self._ended.set()
        await self._stack.aclose()

    async def wait_ended(self) -> None:
        """Until the session has ended: it closed (the user left, a fatal error) or `aclose()`
        was called. What it started is stopped by `aclose()`, not here."""
        await self._ended.wait()

    async def _start_parts(self) -> None:
        settings = self.settings
        register_plugins(settings)
        if not _in_job():
            # Outside a worker job no HTTP session exists, and the cloud plugins (and their
            # fallback) fail on every turn without one.
            from livekit.agents.utils import http_context

            await self._stack.enter_async_context(http_context.open())

        database = await (
            open_migrated_database(settings) if self._check_schema else _opened(settings)
        )
        self.services = services = AgentServices.around(settings, database)
        self._on_stop("closing the database and context cache", services.close)

        user_id = await self._resolve_user(database)
        self.engines = await self._load_engines()

        self.agent = agent = FitnessVoiceAgent(user_id, self.agent_type, services=services)
        self._on_stop("cleaning up the agent", agent.cleanup)
        # Context and orchestrator first: the first reply must not wait for them.
        await agent.initialize_orchestrator()
        await agent.start_log_worker()

        self.session = session = self._factory(settings, self.engines)
        self._on_stop("closing the session", session.aclose)
        attach_apology(session)
        _log_failures(session)
        session.on("close", lambda _: self._ended.set())
        if self._observe is not None:
            self._observe(session)
        await self.io.start(session, agent)
        logger.info(
            "session started",
            extra={"session_id": str(agent.session_id), "agent_type": self.agent_type},
        )

    def _on_stop(self, what: str, stop: Callable[[], Awaitable[Any]]) -> None:
        async def stop_and_report() -> None:
            try:
                await stop()
            except Exception as exc:  # the other steps must still run
                logger.error("while %s: %s: %s", what, type(exc).__name__, _first_line(exc))

        self._stack.push_async_callback(stop_and_report)

    async def _resolve_user(self, database: Database) -> uuid.UUID:
        ref = self._user_ref
        if isinstance(ref, uuid.UUID):
            return ref  # the context load finds the user, or says there is none
        try:
            async with database.session() as session:
                return (await resolve_user(session=session, user_ref=ref)).id
        except UserNotFound:
            if not (self._create_demo_user and ref.strip().lower() == "demo"):
                raise
        # A fresh machine: the demo users are the one thing a replay may create by itself.
        await seed(database)
        async with database.session() as session:
            return (await resolve_user(session=session, user_ref=ref)).id

    async def _load_engines(self) -> Engines:
        source = self._engine_source
        if isinstance(source, Engines):
            return source
        return await asyncio.to_thread(source)


def coach_session(
    settings: Settings,
    *,
    user: str | uuid.UUID,
    agent_type: str = "general",
    engines: EngineSource,
    io: SessionIO,
    session_factory: SessionFactory | None = None,
    observe: SessionObserver | None = None,
    check_schema: bool = True,
    create_demo_user: bool = False,
) -> CoachSession:
    """A coach session to run with `async with` (see `CoachSession` for the arguments)."""
    return CoachSession(
        settings,
        user=user,
        agent_type=agent_type,
        engines=engines,
        io=io,
        session_factory=session_factory,
        observe=observe,
        check_schema=check_schema,
        create_demo_user=create_demo_user,
    )


async def _opened(settings: Settings) -> Database:
    # No connection is made here: a context already in the shared cache needs no database.
    return open_database(settings)


def _in_job() -> bool:
    from livekit.agents import get_job_context

    return get_job_context(required=False) is not None


def _log_failures(session: AgentSession[Any]) -> None:
    """Tool failures and engine errors, by kind (never a provider's message)."""

    @session.on("function_tools_executed")
    def _tools_executed(event: Any) -> None:
        for call, output in event.zipped():
            if output is not None and output.is_error:
                logger.error("tool %s failed: %s", call.name, output.output)

    @session.on("error")
    def _session_error(event: Any) -> None:
        error = getattr(event, "error", None)
        logger.error(
            "session error from %s: %s",
            type(getattr(event, "source", None)).__name__,
            type(getattr(error, "error", error)).__name__,
            extra={"recoverable": getattr(error, "recoverable", None)},
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0][:200] if text else ""
