"""One lifecycle for every entry point: a worker's job, replay, typed and spoken talk.

Each is started with its start-up failing at each step in turn (the database down, an
unknown user, the engines failing to load, the session failing to start). Whatever had
started must be stopped: no task, no logbook thread and no open journal is left behind, and
the error is one line.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from livekit.agents import AgentSession

from fitcoach.agent.coach_session import CoachSession, TypedText
from fitcoach.agent.session_builder import Engines
from fitcoach.config import Settings, load_settings
from fitcoach.errors import DatabaseUnavailable, FitcoachError, UserNotFound
from fitcoach.providers import KIND_LABELS
from fitcoach.runner.replay import replay
from fitcoach.runner.talk import talk_audio, talk_text
from fitcoach.store import open_database, seed, upgrade
from tests.fakes import ScriptedLLM

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEAD_DATABASE = "postgresql://nobody@127.0.0.1:1/nothing"


class EnginesFailed(FitcoachError):
    """What a failing model load looks like to the lifecycle."""


class RefusingSession(AgentSession[Any]):
    """A session whose start fails, as when its room or audio device goes away."""

    async def start(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the audio device went away")


def refusing_factory(settings: Settings, engines: Engines) -> AgentSession[Any]:
    return RefusingSession(llm=ScriptedLLM([]))


def failing_engines() -> Engines:
    raise EnginesFailed(f"the local {KIND_LABELS['stt']} model could not be loaded")


def no_engines() -> Engines:
    return Engines()


@dataclass
class Failure:
    name: str
    database_url: str | None  # None: the test's seeded SQLite
    user: str
    engines: Callable[[], Engines]
    session_factory: Any
    error: type[BaseException]


FAILURES = [
    Failure("database down", DEAD_DATABASE, "demo", no_engines, None, DatabaseUnavailable),
    Failure("unknown user", None, "nobody-by-this-name", no_engines, None, UserNotFound),
    Failure("engines fail to load", None, "demo", failing_engines, None, EnginesFailed),
    Failure("session fails to start", None, "demo", no_engines, refusing_factory, RuntimeError),
]


@dataclass(frozen=True)
class Running:
    tasks: set[asyncio.Task[Any]]
    threads: set[threading.Thread]


def what_runs() -> Running:
    return Running(set(asyncio.all_tasks()), set(threading.enumerate()))


def open_journal_files(under: Path) -> list[str]:
    """This process's open files of a logbook journal below `under`."""
    paths = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(under)) and "logbook.db" in target:
            paths.append(target)
    return paths


async def left_behind(
    before: Running, data_dir: Path, *, not_ours: tuple[str, ...] = ()
) -> list[str]:
    """Tasks, threads and journal files that were not there before the start (threads named
    in `not_ours` belong to the framework or a library, and end on their own schedule)."""
    await asyncio.sleep(0.1)  # cancelled tasks finish on the next turns of the loop
    tasks = [
        task.get_name()
        for task in asyncio.all_tasks()
        if task not in before.tasks and task is not asyncio.current_task() and not task.done()
    ]
    threads = [
        thread.name
        for thread in threading.enumerate()
        # The loop's default executor keeps idle workers for later calls, by design.
        if thread not in before.threads and not thread.name.startswith(("asyncio_", *not_ours))
    ]
    return tasks + threads + open_journal_files(data_dir)


@pytest.fixture
async def seeded_sqlite(sqlite_url: str) -> AsyncIterator[str]:
    database = open_database(load_settings(database_url=sqlite_url))
    await upgrade(database)
    await seed(database)
    await database.dispose()
    yield sqlite_url


class SilentDevice:
    """An AudioDevice whose microphone hears silence."""

    def __init__(self) -> None:
        self._stop = threading.Event()

    def start(self, on_frames: Callable[[np.ndarray], None]) -> None:
        def feed() -> None:
            while not self._stop.wait(0.02):
                on_frames(np.zeros(320, dtype=np.int16))

        threading.Thread(target=feed, name="silent-device", daemon=True).start()

    def write(self, pcm: bytes, sample_rate: int) -> None:
        pass

    async def wait_played(self) -> None:
        return None

    def stop(self) -> None:
        self._stop.set()


async def _no_lines() -> AsyncIterator[str]:
    for line in ():
        yield line


EntryPoint = Callable[[Settings, Failure], Awaitable[object]]


async def start_replay(settings: Settings, failure: Failure) -> object:
    return await replay(
        [FIXTURES / "03_conv_log_squats.wav"],
        settings=settings,
        user_ref=failure.user,
        engines=failure.engines,
        session_factory=failure.session_factory,
    )


async def start_talk_text(settings: Settings, failure: Failure) -> object:
    return await talk_text(
        settings,
        user_ref=failure.user,
        agent_type="general",
        lines=_no_lines(),
        say=lambda who, text: None,
        engines=failure.engines,
        session_factory=failure.session_factory,
    )


async def start_talk_audio(settings: Settings, failure: Failure) -> object:
    return await talk_audio(
        settings,
        user_ref=failure.user,
        agent_type="general",
        device=SilentDevice(),
        say=lambda who, text: None,
        engines=failure.engines,
        session_factory=failure.session_factory,
    )


@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: f.name)
@pytest.mark.parametrize(
    "start", [start_replay, start_talk_text, start_talk_audio], ids=lambda f: f.__name__
)
async def test_a_failed_start_stops_everything_it_started(
    seeded_sqlite: str, tmp_path: Path, start: EntryPoint, failure: Failure
) -> None:
    settings = load_settings(
        database_url=failure.database_url or seeded_sqlite, data_dir=tmp_path / "data"
    )
    before = what_runs()
    with pytest.raises(failure.error) as raised:
        await start(settings, failure)
    assert "\n" not in str(raised.value) and str(raised.value)
    assert await left_behind(before, tmp_path) == []


async def test_a_started_session_stops_everything_on_close(
    seeded_sqlite: str, tmp_path: Path
) -> None:
    settings = load_settings(database_url=seeded_sqlite, data_dir=tmp_path / "data")
    before = what_runs()
    running = CoachSession(
        settings, user="demo", engines=Engines(llm=ScriptedLLM([])), io=TypedText()
    )
    await running.start()
    try:
        assert running.agent is not None and running.agent.logbook.writing
        await running.agent.logbook.stats()  # the journal opens on first use
        assert open_journal_files(tmp_path)
    finally:
        await running.aclose()
    await running.aclose()  # twice is harmless
    assert await left_behind(before, tmp_path) == []


# -- a worker's job ------------------------------------------------------------------------


@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: f.name)
async def test_a_job_whose_start_fails_stops_everything_and_logs_one_line(
    job_env: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    failure: Failure,
) -> None:
    from fitcoach.agent import worker
    from tests.test_worker import ScriptedSessions, joined, meta, run_jobs, token_for

    if failure.database_url is not None:
        monkeypatch.setenv("DATABASE_URL", failure.database_url)
    if failure.engines is failing_engines:
        # The process's prewarm loaded nothing, and the job's own load fails.
        monkeypatch.setattr(worker, "prewarm", lambda proc: None)
        monkeypatch.setattr(Engines, "load", classmethod(lambda cls, *a, **k: failing_engines()))
    user = uuid.uuid4() if failure.error is UserNotFound else "demo"
    sessions = failure.session_factory or ScriptedSessions([])
    caplog.set_level(logging.INFO, logger="fitcoach")
    before = what_runs()
    await run_jobs(sessions, [meta()], participants=[joined(token_for(user))])
    refusals = [
        record.getMessage()
        for record in caplog.records
        if record.getMessage().startswith("session not started")
    ]
    assert len(refusals) == 1 and "\n" not in refusals[0], refusals
    # The server's load monitor and the model loaders' progress monitor are not the job's.
    not_ours = ("worker_cpu_load_monitor", "tqdm_monitor")
    assert await left_behind(before, tmp_path, not_ours=not_ours) == []


from tests.test_worker import job_env  # noqa: E402, F401  (fixture)
