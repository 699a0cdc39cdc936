"""The real worker machinery (AgentServer, simulated jobs against a mock room) running
fitcoach's entrypoint end to end, and `fitcoach worker start`'s checks."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import json
import logging
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from livekit.agents import AgentServer, AgentSession, JobExecutorType
from livekit.agents.voice import room_io
from livekit.protocol import models
from sqlalchemy import func, select
from typer.testing import CliRunner

from fitcoach.agent.session_builder import Engines
from fitcoach.agent.worker import build_server
from fitcoach.cli import app
from fitcoach.coach import shared_intent_engine, shared_knowledge_base
from fitcoach.config import Settings, load_settings
from fitcoach.store import WorkoutLog, open_database, seed, upgrade, user_id_for
from tests.fakes import ScriptedLLM, last_tool_output, tool_call

T = TypeVar("T")


# Scripted sessions speak and hear nothing in the room: turns are driven by the test.
NO_ROOM_AUDIO = room_io.RoomOptions(audio_input=False, audio_output=False, text_input=False)


class ScriptedSessions:
    """A session factory for thread-mode jobs: a scripted LLM, no audio, and a handle on
    each session, its event loop and its job's context so the test can drive turns."""

    def __init__(self, steps: list[Any]) -> None:
        self.steps = steps
        self.created: list[
            tuple[AgentSession[Any], asyncio.AbstractEventLoop, contextvars.Context]
        ] = []

    def __call__(self, settings: Settings, engines: Engines) -> AgentSession[Any]:
        session: AgentSession[Any] = AgentSession(llm=ScriptedLLM(list(self.steps)))
        # Called inside the job: its context carries the job (and the job's log fields).
        self.created.append((session, asyncio.get_running_loop(), contextvars.copy_context()))
        return session

    async def in_job(self, index: int, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` on the job's loop, in the job's context, as the room's own tasks run."""
        _, loop, context = self.created[index]
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def start() -> None:
            task = loop.create_task(work)
            task.add_done_callback(
                lambda t: (
                    done.set_exception(t.exception())  # type: ignore[arg-type]
                    if t.exception()
                    else done.set_result(t.result())
                )
            )

        loop.call_soon_threadsafe(start, context=context)
        return await asyncio.wrap_future(done)


@pytest.fixture
async def job_env(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """A seeded database the entrypoint finds through the environment, as in production."""
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("FITCOACH_DATA_DIR", str(tmp_path / "data"))
    database = open_database(load_settings())
    await upgrade(database)
    await seed(database)
    await database.dispose()
    # Thread-mode jobs share this process: warm the models once, outside the 10 s prewarm limit.
    await asyncio.to_thread(shared_intent_engine)
    await asyncio.to_thread(shared_knowledge_base)
    yield sqlite_url


# The LiveKit server checks a participant's token when they join; these tests stand in for it
# with a key pair of their own.
TEST_KEYS = {"livekit_api_key": "fitcoach-test-key", "livekit_api_secret": "t" * 40}


def token_for(user: str | uuid.UUID, **overrides: Any) -> str:
    """The token `fitcoach token` mints for `user` (a seeded name or any id)."""
    from fitcoach.agent.tokens import mint_token

    user_id = user if isinstance(user, uuid.UUID) else user_id_for(user)
    settings = load_settings(**{**TEST_KEYS, **overrides})
    return mint_token(settings, user_id=user_id, display_name="someone", agent_type="workout").token


def joined(token: str) -> Any:
    """The participant LiveKit lets in with `token`, or None when it refuses the token (a
    wrong signature, an expiry past)."""
    from unittest.mock import create_autospec

    from livekit import api, rtc
    from livekit.protocol.models import ParticipantPermission

    try:
        claims = api.TokenVerifier(
            TEST_KEYS["livekit_api_key"], TEST_KEYS["livekit_api_secret"], leeway=timedelta(0)
        ).verify(token)
    except Exception:
        return None
    participant = create_autospec(rtc.RemoteParticipant, instance=True)
    participant.identity = claims.identity
    participant.attributes = dict(claims.attributes or {})
    participant.kind = rtc.ParticipantKind.PARTICIPANT_KIND_STANDARD
    participant.permissions = ParticipantPermission(
        can_update_metadata=bool(claims.video and claims.video.can_update_own_metadata)
    )
    return participant


@contextlib.contextmanager
def room_with(participants: list[Any]) -> Iterator[None]:
    """Simulated jobs run in the framework's mock room: these are the people in it."""
    from livekit.agents.ipc.mock_room import create_mock_room

    room = create_mock_room()
    present = room.remote_participants
    room.remote_participants = {
        f"PA_{index}": p for index, p in enumerate(participants) if p is not None
    }
    try:
        yield
    finally:
        room.remote_participants = present


async def run_jobs(
    sessions: ScriptedSessions,
    metadata: list[str],
    during: Any = None,
    *,
    participants: list[Any] | None = None,
) -> None:
    """Start a thread-mode server, run one simulated job per metadata string in a room with
    `participants` (by default the demo user, with the token `fitcoach token` mints), and
    wait for all."""
    people = [joined(token_for("demo"))] if participants is None else participants
    with room_with(people):
        await _run_jobs(sessions, metadata, during)


@contextlib.asynccontextmanager
async def running_server(sessions: ScriptedSessions, **settings: Any) -> AsyncIterator[AgentServer]:
    """A thread-mode server, started, with fitcoach's entrypoint and `sessions`."""
    server = build_server(
        load_settings(**settings),
        num_idle_processes=0,
        executor=JobExecutorType.THREAD,
        port=0,
        session_factory=sessions,
        room_options=NO_ROOM_AUDIO,
    )
    started = asyncio.Event()
    server.on("worker_started", started.set)
    runner = asyncio.get_running_loop().create_task(server.run(devmode=True, unregistered=True))
    await asyncio.wait_for(started.wait(), 30)
    try:
        yield server
    finally:
        await server.aclose()
        await runner


async def dispatch(server: AgentServer, metadata: list[str]) -> None:
    for index, raw in enumerate(metadata):
        room = models.Room(sid=f"RM_{index}", name=f"room-{index}", metadata=raw)
        await server.simulate_job(f"room-{index}", fake_job=True, room_info=room)


async def _run_jobs(sessions: ScriptedSessions, metadata: list[str], during: Any) -> None:
    async with running_server(sessions) as server:
        await dispatch(server, metadata)
        if during is not None:
            await during()
        await server.drain(timeout=60)


def meta(agent_type: str = "workout") -> str:
    """Room metadata as a backend sets it: the coach asked for, never who the user is."""
    return json.dumps({"agent_type": agent_type, "session_type": "voice"})


async def test_a_job_runs_a_session_logs_a_set_and_drains_on_shutdown(
    job_env: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Feature: livekit-voice-agent, Property 15: Comprehensive logging.

    A session's start and end, each tool call (user, tool, duration) and the logbook's drain
    are logged with the job's context.
    """
    caplog.set_level(logging.INFO, logger="fitcoach")
    sessions = ScriptedSessions(
        [
            tool_call("log_workout_set", exercise="bench press", reps=8, weight=75),
            lambda ctx: last_tool_output(ctx),
        ]
    )

    async def converse() -> None:
        def greeting() -> list[Any]:
            if not sessions.created:
                return []
            items = sessions.created[0][0].history.items
            return [item for item in items if getattr(item, "role", None) == "assistant"]

        for _ in range(300):  # the session starts in the job's own thread
            if greeting():
                break
            await asyncio.sleep(0.05)
        session = sessions.created[0][0]
        assert "Alex" in greeting()[0].text_content

        async def turn() -> Any:  # session.run must be called on the job's own loop
            return await session.run(user_input="log eight reps of bench at seventy five")

        result = await sessions.in_job(0, turn())
        result.expect.next_event().is_function_call(name="log_workout_set")
        result.expect.next_event().is_function_call_output(
            output="Logged bench press, 8 reps at 75 kilograms."
        )
        await sessions.in_job(0, session.aclose())  # the user leaves: the job shuts down

    await run_jobs(sessions, [meta()], during=converse)

    database = open_database(load_settings())
    async with database.session() as db:
        count = (
            await db.execute(select(func.count()).where(WorkoutLog.session_id.is_not(None)))
        ).scalar_one()  # type: ignore[union-attr]
    await database.dispose()
    assert count == 1
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("fitcoach")]
    for expected in (
        "session starting",
        "agent ready",
        "session started",
        "tool log_workout_set took",
        "logbook drained",
        "session ended",
    ):
        assert any(m.startswith(expected) for m in messages), (expected, messages)
    started = next(r for r in caplog.records if r.getMessage() == "session started")
    assert started.user_id == str(user_id_for("demo"))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('{"user_id": "12345"}', "user_id"),
        ('{"agent_type": "chef"}', "agent_type"),
        (json.dumps({"agent_type": "😀" * 40_000}), "larger than"),
        # A user named in metadata, unsigned: a client may have chosen it.
        (json.dumps({"user_id": str(user_id_for("maria"))}), "signature"),
    ],
)
async def test_bad_metadata_ends_the_job_without_joining(
    job_env: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    raw: str,
    reason: str,
) -> None:
    caplog.set_level(logging.INFO, logger="fitcoach")
    sessions = ScriptedSessions([])
    await run_jobs(sessions, [raw])
    refusals = [r.getMessage() for r in caplog.records if r.getMessage().startswith("job refused")]
    assert len(refusals) == 1 and reason in refusals[0]
    assert sessions.created == []  # no session was built, the room was never joined


async def test_an_unknown_user_ends_the_job_with_a_reason(
    job_env: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="fitcoach")
    stranger = uuid.uuid4()
    await run_jobs(ScriptedSessions([]), [meta()], participants=[joined(token_for(stranger))])
    assert any(
        r.getMessage() == f"session not started: no user with id {stranger}" for r in caplog.records
    )


_SIGTERM_WORKER = """
import asyncio, json, logging, os, sys
from livekit.agents import AgentServer, AgentSession, JobExecutorType
from livekit.agents.voice import room_io
from livekit.protocol import models
from fitcoach.agent import worker
from fitcoach.config import load_settings
from fitcoach.store import user_id_for
sys.path.insert(0, os.getcwd())
from tests.fakes import ScriptedLLM, last_tool_output, tool_call
from tests.test_worker import joined, meta, room_with, token_for

def session_factory(settings, engines):
    llm = ScriptedLLM([tool_call("log_workout_set", exercise="squat", reps=5, weight=100), last_tool_output])
    session = AgentSession(llm=llm)
    async def speak_once():
        while not session.history.items:
            await asyncio.sleep(0.05)
        result = await session.run(user_input="five squats at a hundred")
        print("CONFIRMED", result.events[1].item.output, flush=True)
    asyncio.get_running_loop().create_task(speak_once())
    return session

from fitcoach.log_setup import configure_logging
configure_logging("INFO")

async def main():
    server = worker.build_server(
        load_settings(), num_idle_processes=0, executor=JobExecutorType.THREAD, port=0,
        session_factory=session_factory,
        room_options=room_io.RoomOptions(audio_input=False, audio_output=False, text_input=False),
    )
    started = asyncio.Event()
    server.on("worker_started", started.set)
    async def dispatch():
        await started.wait()
        await server.simulate_job("gym", fake_job=True, room_info=models.Room(sid="RM_1", name="gym", metadata=meta()))
        print("DISPATCHED", flush=True)
    task = asyncio.get_running_loop().create_task(dispatch())
    with room_with([joined(token_for("demo"))]):
        await worker.serve(server, drain_timeout=2, devmode=True, unregistered=True)
    print("EXITED CLEANLY", flush=True)

asyncio.run(main())
"""


async def test_sigterm_drains_the_session_and_its_logbook(job_env: str, tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[1]
    log = tmp_path / "worker.log"  # a file, not a pipe nobody reads: a full pipe would block it
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _SIGTERM_WORKER,
            cwd=repo,
            env={**os.environ, "FITCOACH_LOG_LEVEL": "INFO"},
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    assert process.stdout is not None
    lines: list[str] = []
    while not any(line.startswith("CONFIRMED") for line in lines):
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        assert line, (lines, log.read_text()[-3000:])
        lines.append(line)
    assert "Logged squat" in lines[-1]
    process.send_signal(signal.SIGTERM)
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    err = log.read_bytes()
    assert process.returncode == 0, err.decode()[-3000:]
    assert "EXITED CLEANLY" in out.decode()
    assert b"logbook drained" in err and b"session ended: parent process shutdown" in err
    # The job's fields are set once per job and reach every formatted line of it.
    started = next(line for line in err.decode().splitlines() if ": session started" in line)
    user = user_id_for("demo")
    for field in (
        "job_id=",
        "room=gym",
        f"user_id={user}",
        f"participant={user}",
        "session_id=",
        "agent_type=workout",
    ):
        assert field in started, (field, started)
    database = open_database(load_settings())
    async with database.session() as db:
        count = (
            await db.execute(
                select(func.count()).where(
                    WorkoutLog.exercise == "squat",
                    WorkoutLog.weight_kg == 100,
                    WorkoutLog.reps == 5,
                )
            )
        ).scalar_one()  # type: ignore[arg-type]
    await database.dispose()
    assert count == 1
    from fitcoach.agent.logbook import Journal, journal_path_for

    journal = Journal(journal_path_for(load_settings().data_dir))
    assert await journal.count() == 0
    await journal.close()


def test_worker_start_without_livekit_settings_is_one_line_and_non_zero() -> None:
    result = CliRunner().invoke(app, ["worker", "start"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: fitcoach worker start needs LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET (see .env.example)"
    )


def test_worker_start_with_a_cloud_llm_but_no_key_names_the_key() -> None:
    env = {
        "LIVEKIT_URL": "ws://127.0.0.1:7880",
        "LIVEKIT_API_KEY": "devkey",
        "LIVEKIT_API_SECRET": "lk-secret-do-not-print-1234",
        "VOICE_STT_PROVIDER": "deepgram",
        "DEEPGRAM_API_KEY": "dg-secret-do-not-print-5678",
        "VOICE_TTS_PROVIDER": "cartesia",
        "VOICE_LLM_PROVIDER": "openai",
    }
    result = CliRunner().invoke(app, ["worker", "start", "--log-level", "DEBUG"], env=env)
    assert result.exit_code == 2
    assert "CARTESIA_API_KEY" in result.stderr
    assert "do-not-print" not in result.output + result.stderr


async def test_a_worker_at_its_session_capacity_reports_itself_full(job_env: str) -> None:
    """LiveKit sends a full worker no more rooms: two sessions fill a worker with room for
    two, and it is available again once they end."""
    from fitcoach.agent.admission import SessionLoad

    sessions = ScriptedSessions([])
    with room_with([joined(token_for("demo"))]):
        async with running_server(sessions, max_sessions=2, load_threshold=0.95) as server:
            load = server.load_fnc
            assert isinstance(load, SessionLoad) and load.capacity == 2
            # The CPU of this shared test machine is not what is tested here.
            server.load_fnc = SessionLoad(2, cpu=lambda: 0.1)
            assert server.load_fnc(server) == pytest.approx(0.1)
            await dispatch(server, [meta(), meta()])
            for _ in range(300):
                if len(sessions.created) == 2:
                    break
                await asyncio.sleep(0.05)
            assert server.load_fnc(server) == 1.0
            # The framework's own decision (livekit-agents 1.8.9), from that load.
            await server._refresh_worker_load()
            assert not server._is_available()
            for index in range(2):
                await sessions.in_job(index, sessions.created[index][0].aclose())
            for _ in range(300):
                if not server.active_jobs:
                    break
                await asyncio.sleep(0.05)
            await server._refresh_worker_load()
            assert server._is_available()


async def test_worker_start_registers_under_its_agent_name_with_a_livekit_server(
    job_env: str,
) -> None:
    """A real `fitcoach worker start` process against a stand-in LiveKit server: it registers
    for explicit dispatch under its agent name, reports its status, and exits 0 on SIGTERM."""
    from tests.fake_livekit import FakeLiveKit

    livekit = await FakeLiveKit().start()
    env = {
        **os.environ,
        "LIVEKIT_URL": livekit.url,
        **{name.upper(): value for name, value in TEST_KEYS.items()},
        "FITCOACH_AGENT_NAME": "coach-eu",
        "FITCOACH_HEALTH_PORT": "0",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fitcoach",
        "worker",
        "start",
        "--num-idle-processes",
        "0",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await asyncio.wait_for(livekit.registered.wait(), 120)
        registration = livekit.registrations[0]
        assert registration.agent_name == "coach-eu"
        for _ in range(100):  # the worker reports its status every few seconds
            if livekit.statuses:
                break
            await asyncio.sleep(0.1)
        assert livekit.statuses and livekit.statuses[-1].load < 1.0
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 60) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await livekit.stop()
