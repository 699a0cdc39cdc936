"""`fitcoach logs tail` in its own process shows rows that this process commits."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from fitcoach.cli import app
from fitcoach.config import load_settings
from fitcoach.store import WorkoutSet, insert_workout_sets, open_database, user_id_for


def _insert(database_url: str, user: str, exercise: str) -> uuid.UUID:
    async def write() -> uuid.UUID:
        database = open_database(load_settings(database_url=database_url))
        workout_set = WorkoutSet(
            id=uuid.uuid4(),
            user_id=user_id_for(user),
            exercise=exercise,
            reps=8,
            weight_kg=82.5,
            logged_at=datetime.now(UTC),
        )
        async with database.session() as session:
            await insert_workout_sets(session=session, sets=[workout_set])
        await database.dispose()
        return workout_set.id

    return asyncio.run(write())


class _Lines:
    """Lines from a pipe, read on a thread so the test can wait with a timeout."""

    def __init__(self, stream) -> None:
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self._queue.put(line)

    def next(self, timeout: float = 20.0) -> str:
        return self._queue.get(timeout=timeout)


def test_tail_shows_a_row_inserted_by_another_process(database_url: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": database_url}
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    assert runner.invoke(app, ["seed"], env=env).exit_code == 0

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fitcoach",
            "logs",
            "tail",
            "--user",
            "demo",
            "--json",
            "--lines",
            "1",
            "--interval",
            "0.1",
        ],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = _Lines(process.stdout)
        backlog = json.loads(lines.next())  # the tail is running once the backlog is out
        assert backlog["user"] == "demo"

        _insert(database_url, "maria", "step-up")  # another user's set: filtered out
        logged = _insert(database_url, "demo", "incline bench press")
        row = json.loads(lines.next())
        assert row["id"] == str(logged)
        assert row["exercise"] == "incline bench press" and row["weight_kg"] == 82.5

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        assert "Traceback" not in process.stderr.read()  # type: ignore[union-attr]
    finally:
        if process.poll() is None:
            process.kill()


def _read_until(fd: int, needle: str, timeout: float = 20.0) -> str:
    import select
    import time

    seen = ""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"{needle!r} never appeared in:\n{seen}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                seen += os.read(fd, 65536).decode(errors="replace")
            except OSError:  # the child closed the terminal
                break
    return seen


def test_tail_on_a_terminal_is_a_live_table_and_ctrl_c_exits_0(sqlite_url: str) -> None:
    import pty

    env = {"DATABASE_URL": sqlite_url}
    runner = CliRunner()
    assert runner.invoke(app, ["seed"], env=env).exit_code == 0
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "fitcoach", "logs", "tail", "--interval", "0.1"],
        env={**os.environ, **env, "COLUMNS": "120", "TERM": "xterm"},
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    try:
        _read_until(controller, "following workout logs")
        _insert(sqlite_url, "kenji", "zercher squat")
        _read_until(controller, "zercher squat")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
