"""The LiveKit worker: per-process prewarm, the job entrypoint, and running the server.

LiveKit dispatches a room to the worker; the entrypoint reads who the session is for from
the room's metadata, loads their context and starts the logbook before joining, then runs
the AgentSession until the room or the session ends. SIGTERM drains: running sessions
finish, and each one's logbook delivers before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import signal
import uuid
from typing import Any

from livekit.agents import AgentServer, JobContext, JobExecutorType, JobProcess
from livekit.agents.voice import room_io

from fitcoach.agent.admission import SessionLoad, session_capacity
from fitcoach.agent.coach_session import CoachSession, JobRoom, SessionFactory
from fitcoach.agent.engines.heap import limit_malloc_arenas
from fitcoach.agent.identity import IdentityRefused, bound_participant, printable, verified_claim
from fitcoach.agent.metadata import InvalidRoomMetadata, parse_room_metadata
from fitcoach.agent.providers import register_plugins
from fitcoach.agent.session_builder import Engines, build_session
from fitcoach.config import Settings, load_settings
from fitcoach.errors import ConfigError, FitcoachError

logger = logging.getLogger(__name__)


def _settings_if_valid() -> Settings | None:
    try:
        return load_settings()
    except FitcoachError:
        return None  # run_worker reports the problem; until then, register every plugin


limit_malloc_arenas()
register_plugins(_settings_if_valid())


def prewarm(proc: JobProcess) -> None:
    """Load every model once per process, before it takes a job."""
    from fitcoach.coach import shared_knowledge_base

    shared_knowledge_base()
    proc.userdata["engines"] = Engines.load(load_settings())


async def entrypoint(
    ctx: JobContext,
    *,
    session_factory: SessionFactory = build_session,
    room_options: room_io.RoomOptions | None = None,
) -> None:
    """One room: the person the token proves, then their coach session, which the job's
    shutdown stops. Nothing about any user is read before that person is known."""
    settings = load_settings()
    # Every log line of this job carries these, through the framework's job log filter.
    ctx.log_context_fields = {"job_id": ctx.job.id, "room": ctx.job.room.name}
    try:
        user_id, identity, agent_type = await _whom_to_serve(ctx, settings)
    except (InvalidRoomMetadata, IdentityRefused) as exc:
        logger.error("job refused: %s", exc)
        ctx.shutdown(reason=f"job refused: {exc}")
        return
    ctx.log_context_fields = {
        **ctx.log_context_fields,
        "user_id": str(user_id),
        "participant": printable(identity),
    }
    logger.info("session starting", extra={"agent_type": agent_type})
    prewarmed = ctx.proc.userdata.get("engines")
    # Bound to that one participant: anyone else in the room is not heard, and the same
    # identity reconnecting after a drop is served again.
    options = dataclasses.replace(
        room_options or room_io.RoomOptions(), participant_identity=identity
    )
    running = CoachSession(
        settings,
        user=user_id,
        agent_type=agent_type,
        engines=prewarmed if isinstance(prewarmed, Engines) else lambda: Engines.load(settings),
        io=JobRoom(ctx, options),
        session_factory=session_factory,
        check_schema=False,
    )
    try:
        await running.start()
    except Exception as exc:
        # One line for the operator, whatever the kind; what had started is stopped already.
        reason = str(exc) if isinstance(exc, FitcoachError) else _kind_and_line(exc)
        logger.error("session not started: %s", reason)
        logger.debug("session start failure", exc_info=True)
        ctx.shutdown(reason=f"session not started: {reason}")
        return

    async def on_shutdown(reason: str) -> None:
        await running.aclose()
        logger.info("session ended: %s", reason)

    ctx.add_shutdown_callback(on_shutdown)


async def _whom_to_serve(ctx: JobContext, settings: Settings) -> tuple[uuid.UUID, str, str]:
    """(user, participant identity, agent type) for this room, or IdentityRefused /
    InvalidRoomMetadata with the reason."""
    # The room's metadata says which coach; a dispatch's own is used when the room has none.
    metadata = parse_room_metadata(ctx.job.room.metadata or ctx.job.metadata)
    claimed = None
    if metadata.user_id is not None:
        secret = settings.metadata_secret
        claimed = verified_claim(
            user_id=metadata.user_id,
            room=ctx.job.room.name,
            expires_at=metadata.user_claim_expires_at,
            signature=metadata.user_claim_signature,
            secret=secret.get_secret_value() if secret else None,
        ).user_id
    if not ctx.room.isconnected():
        await ctx.connect()
    identity, user_id = await bound_participant(
        ctx.room, expected_user=claimed, within_s=settings.participant_timeout
    )
    return user_id, identity, metadata.agent_type


def _kind_and_line(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text.splitlines()[0][:200]}" if text else type(exc).__name__


def build_server(
    settings: Settings,
    *,
    num_idle_processes: int | None = None,
    executor: JobExecutorType = JobExecutorType.PROCESS,
    port: int | None = None,
    session_factory: SessionFactory = build_session,
    room_options: room_io.RoomOptions | None = None,
) -> AgentServer:
    """The AgentServer for ROOM jobs, with fitcoach's prewarm and entrypoint. Each job's
    AgentSession comes from `session_factory` (a voice session by default) and joins its
    room with `room_options`."""
    options: dict[str, Any] = {
        "setup_fnc": prewarm,
        # A full worker declines rooms, so LiveKit sends them to another replica.
        "load_fnc": SessionLoad(session_capacity(settings)),
        "load_threshold": settings.load_threshold,
        "job_executor_type": executor,
        "port": settings.health_port if port is None else port,
        "drain_timeout": settings.drain_timeout,
        # Prewarm loads whisper, piper and the embedding model: more than the default 10 s.
        "initialize_process_timeout": 90.0,
    }
    if num_idle_processes is not None:
        options["num_idle_processes"] = num_idle_processes
    if settings.livekit_url:
        options["ws_url"] = settings.livekit_url
    if settings.livekit_api_key and settings.livekit_api_secret:
        options["api_key"] = settings.livekit_api_key.get_secret_value()
        options["api_secret"] = settings.livekit_api_secret.get_secret_value()
    server = AgentServer(**options)
    server.rtc_session(
        functools.partial(entrypoint, session_factory=session_factory, room_options=room_options),
        # Explicit dispatch: LiveKit sends only the rooms a backend dispatched to this name.
        agent_name="" if settings.auto_dispatch else settings.agent_name,
    )
    return server


async def serve(
    server: AgentServer, *, drain_timeout: int, devmode: bool = False, unregistered: bool = False
) -> None:
    """Run until SIGTERM or SIGINT, then drain running sessions and close."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    runner = loop.create_task(server.run(devmode=devmode, unregistered=unregistered))
    stopper = loop.create_task(stop.wait())
    try:
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner.done():
            try:
                runner.result()  # the server stopped on its own: say why
            except OSError as exc:
                raise ConfigError(
                    f"the worker could not start its health endpoint ({exc.strerror or exc}); "
                    "choose another FITCOACH_HEALTH_PORT"
                ) from None
            return
        logger.info("stop requested: draining running sessions")
        with contextlib.suppress(TimeoutError):
            await server.drain(timeout=drain_timeout)
        await server.aclose()
        await runner
    finally:
        stopper.cancel()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)


def run_worker(settings: Settings, *, num_idle_processes: int | None = None) -> None:
    """`fitcoach worker start`: validate the environment, then serve LiveKit jobs."""
    from fitcoach.agent.preflight import check_livekit_settings
    from fitcoach.agent.providers import check_providers

    check_livekit_settings(settings)
    check_providers(settings)
    server = build_server(settings, num_idle_processes=num_idle_processes)
    asyncio.run(serve(server, drain_timeout=settings.drain_timeout))
