"""The LiveKit worker: per-process prewarm, the job entrypoint, and running the server.

LiveKit dispatches a room to the worker; the entrypoint reads who the session is for from
the room's metadata, loads their context and starts the logbook before joining, then runs
the AgentSession until the room or the session ends. SIGTERM drains: running sessions
finish, and each one's logbook delivers before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from livekit.agents import AgentServer, AgentSession, JobContext, JobExecutorType, JobProcess
from livekit.agents.voice import room_io

from fitcoach.agent.apology import attach_apology
from fitcoach.agent.metadata import InvalidRoomMetadata, parse_room_metadata
from fitcoach.agent.session_builder import (
    LocalEngines,
    build_session,
    load_vad,
    register_plugins,
)
from fitcoach.agent.voice_agent import AgentServices, FitnessVoiceAgent
from fitcoach.config import Settings, load_settings
from fitcoach.errors import ConfigError, FitcoachError

logger = logging.getLogger(__name__)


def _limit_malloc_arenas() -> None:
    """glibc gives each thread that allocates its own malloc arena; with the engines' and the
    framework's thread pools a job process held ~85 MB more at its peak than with two
    (MALLOC_ARENA_MAX=2, which deployments can also set). Best effort: not every libc has it."""
    if os.environ.get("MALLOC_ARENA_MAX") or not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, 2)


_M_ARENA_MAX = -8


def _settings_if_valid() -> Settings | None:
    try:
        return load_settings()
    except FitcoachError:
        return None  # run_worker reports the problem; until then, register every plugin


_limit_malloc_arenas()
register_plugins(_settings_if_valid())

SessionFactory = Callable[
    [Settings, JobProcess], tuple[AgentSession[Any], room_io.RoomOptions | None]
]


def prewarm(proc: JobProcess) -> None:
    """Load every model once per process, before it takes a job."""
    from fitcoach.coach import shared_intent_engine, shared_knowledge_base

    proc.userdata["vad"] = load_vad()
    shared_intent_engine()
    shared_knowledge_base()
    proc.userdata["local_engines"] = LocalEngines.load(load_settings())


def default_session(settings: Settings, proc: JobProcess) -> tuple[AgentSession[Any], None]:
    engines = proc.userdata.get("local_engines") or LocalEngines()
    return build_session(settings, vad=proc.userdata.get("vad"), local=engines), None


# Tests running jobs in thread mode swap this for a session with a scripted LLM.
session_factory: SessionFactory = default_session


def _job_log(ctx: JobContext, **more: object) -> dict[str, object]:
    return {"job_id": ctx.job.id, "room": ctx.job.room.name, **more}


async def entrypoint(ctx: JobContext) -> None:
    settings = load_settings()
    # Room metadata names the user; a dispatch's own metadata is accepted when the room has none.
    raw = ctx.job.room.metadata or ctx.job.metadata
    try:
        metadata = parse_room_metadata(raw)
    except InvalidRoomMetadata as exc:
        logger.error("job refused: %s", exc, extra=_job_log(ctx))
        ctx.shutdown(reason=f"invalid room metadata: {exc}")
        return
    user = str(metadata.user_id)
    logger.info(
        "session starting", extra=_job_log(ctx, user_id=user, agent_type=metadata.agent_type)
    )
    services = AgentServices.open(settings)
    agent = FitnessVoiceAgent(metadata.user_id, metadata.agent_type, services=services)
    try:
        # Context and orchestrator before joining the room: the first reply must not wait.
        await agent.initialize_orchestrator()
        await agent.start_log_worker()
        session, room_options = session_factory(settings, ctx.proc)
    except BaseException as exc:
        await agent.logbook.close()
        await services.close()
        if not isinstance(exc, FitcoachError):
            raise
        logger.error("session not started: %s", exc, extra=_job_log(ctx, user_id=user))
        ctx.shutdown(reason=f"session not started: {exc}")
        return

    async def on_shutdown(reason: str) -> None:
        await agent.cleanup()
        await services.close()
        logger.info("session ended: %s", reason, extra=_job_log(ctx, user_id=user))

    ctx.add_shutdown_callback(on_shutdown)
    attach_apology(session, log_extra=_job_log(ctx, user_id=user))

    @session.on("function_tools_executed")
    def _tools_executed(event: Any) -> None:
        for call, output in event.zipped():
            if output is not None and output.is_error:
                logger.error(
                    "tool %s failed: %s",
                    call.name,
                    output.output,
                    extra=_job_log(ctx, user_id=user),
                )

    @session.on("error")
    def _session_error(event: Any) -> None:
        error = getattr(event, "error", None)
        logger.error(
            "session error from %s: %s",
            type(getattr(event, "source", None)).__name__,
            type(getattr(error, "error", error)).__name__,
            extra=_job_log(ctx, user_id=user, recoverable=getattr(error, "recoverable", None)),
        )

    @session.on("close")
    def _closed(event: Any) -> None:
        ctx.shutdown(reason=f"session closed ({getattr(event, 'reason', 'unknown')})")

    await ctx.connect()
    if room_options is None:
        await session.start(agent, room=ctx.room)
    else:
        await session.start(agent, room=ctx.room, room_options=room_options)
    logger.info(
        "session started", extra=_job_log(ctx, user_id=user, session_id=str(agent.session_id))
    )


def build_server(
    settings: Settings,
    *,
    num_idle_processes: int | None = None,
    executor: JobExecutorType = JobExecutorType.PROCESS,
    port: int | None = None,
) -> AgentServer:
    """The AgentServer for ROOM jobs, with fitcoach's prewarm and entrypoint."""
    options: dict[str, Any] = {
        "setup_fnc": prewarm,
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
    server.rtc_session(entrypoint)
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
    from fitcoach.agent.session_builder import check_providers

    check_livekit_settings(settings)
    check_providers(settings)
    server = build_server(settings, num_idle_processes=num_idle_processes)
    asyncio.run(serve(server, drain_timeout=settings.drain_timeout))
