"""One LiveKit job, in its own process: prewarm loads the models once per process; the
entrypoint finds whom the room is for and runs their coach session until the job shuts down.

Only job processes import this module (through the thin wrappers in worker.py), so the
worker's main process, which only talks to LiveKit and supervises, never loads the models,
the database layer or the session stack.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid

from livekit.agents import JobContext, JobProcess
from livekit.agents.voice import room_io

from fitcoach.agent.coach_session import CoachSession, JobRoom, SessionFactory
from fitcoach.agent.engines.heap import limit_malloc_arenas
from fitcoach.agent.identity import IdentityRefused, bound_participant, printable, verified_claim
from fitcoach.agent.metadata import InvalidRoomMetadata, parse_room_metadata
from fitcoach.agent.providers import register_plugins
from fitcoach.agent.session_builder import Engines, build_session
from fitcoach.config import Settings, load_settings
from fitcoach.errors import FitcoachError

logger = logging.getLogger("fitcoach.agent.worker")


def _settings_if_valid() -> Settings | None:
    try:
        return load_settings()
    except FitcoachError:
        return None  # the worker reports the problem; until then, register every plugin


# A job process imports this on its main thread, where the framework lets plugins register.
limit_malloc_arenas()
register_plugins(_settings_if_valid())


def prewarm_process(proc: JobProcess) -> None:
    """Load every model once per process, before it takes a job."""
    from fitcoach.coach import shared_knowledge_base

    shared_knowledge_base()
    proc.userdata["engines"] = Engines.load(load_settings())


async def serve_room(
    ctx: JobContext,
    *,
    session_factory: SessionFactory | None = None,
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
        session_factory=session_factory or build_session,
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
