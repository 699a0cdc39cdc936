"""The LiveKit worker: the server that registers with LiveKit, supervises job processes and
drains on SIGTERM (running sessions finish, and each one's logbook delivers before exit).

LiveKit dispatches a room to the worker, which runs it in a job process (fitcoach.agent.job:
whom the room is for, then their coach session). This module is what the main process
imports, so it stays light: the models and the session stack load in job processes only.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
from typing import TYPE_CHECKING, Any

from livekit.agents import AgentServer, JobContext, JobExecutorType, JobProcess

from fitcoach.agent.admission import SessionLoad, session_capacity
from fitcoach.config import Settings
from fitcoach.errors import ConfigError

if TYPE_CHECKING:
    from livekit.agents.voice import room_io

    from fitcoach.agent.coach_session import SessionFactory

logger = logging.getLogger(__name__)

# The framework preloads its own local VAD and end-of-turn model into every job process
# (through its forkserver: about 244 MB); fitcoach uses neither, so it switches that off.
_PRELOAD_LOCAL_INFERENCE = "LIVEKIT_AGENTS_PRELOAD_LOCAL_INFERENCE"


def prewarm(proc: JobProcess) -> None:
    """Load every model once per job process, before it takes a job."""
    from fitcoach.agent.job import prewarm_process

    prewarm_process(proc)


async def entrypoint(
    ctx: JobContext,
    *,
    session_factory: SessionFactory | None = None,
    room_options: room_io.RoomOptions | None = None,
) -> None:
    """A job's room: see fitcoach.agent.job.serve_room (imported in the job process only)."""
    from fitcoach.agent.job import serve_room

    await serve_room(ctx, session_factory=session_factory, room_options=room_options)


def build_server(
    settings: Settings,
    *,
    num_idle_processes: int | None = None,
    executor: JobExecutorType = JobExecutorType.PROCESS,
    port: int | None = None,
    session_factory: SessionFactory | None = None,
    room_options: room_io.RoomOptions | None = None,
) -> AgentServer:
    """The AgentServer for ROOM jobs, with fitcoach's prewarm and entrypoint. Each job's
    AgentSession comes from `session_factory` (a voice session by default) and joins its
    room with `room_options`."""
    if executor == JobExecutorType.THREAD:
        # Jobs share this process and run on other threads, where plugins cannot register.
        from fitcoach.agent.providers import register_plugins

        register_plugins(settings)
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
    os.environ.setdefault(_PRELOAD_LOCAL_INFERENCE, "0")
    server = build_server(settings, num_idle_processes=num_idle_processes)
    asyncio.run(serve(server, drain_timeout=settings.drain_timeout))
