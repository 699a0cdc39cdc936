"""`fitcoach talk`: typed conversation in a pseudo-terminal, and the audio path with an
injected device."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pexpect
from typer.testing import CliRunner

from fitcoach.cli import app
from fitcoach.config import load_settings
from fitcoach.runner.audio_files import FRAME_SAMPLES, load_clip
from fitcoach.runner.talk import talk_audio

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_text_conversation_in_a_terminal_logs_sets_and_ends_on_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, "FITCOACH_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "160"}
    assert (
        CliRunner()
        .invoke(app, ["seed"], env={"FITCOACH_DATA_DIR": env["FITCOACH_DATA_DIR"]})
        .exit_code
        == 0
    )
    child = pexpect.spawn(
        sys.executable,
        ["-m", "fitcoach", "talk", "--text", "--user", "demo"],
        env=env,
        encoding="utf-8",
        timeout=90,
    )
    try:
        child.expect("coach: Hi Alex")
        child.expect("you>")
        child.sendline("log two sets of eight squats at a hundred kilos")
        child.expect("Logged 2 sets of squat, 8 reps at 100 kilograms")
        child.expect("you>")
        child.sendline("should I take creatine")
        child.expect("ask_specialist_agent")
        child.expect("you>")
        child.sendintr()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    listed = CliRunner().invoke(
        app,
        ["logs", "list", "--user", "demo", "--json", "-n", "2"],
        env={"FITCOACH_DATA_DIR": env["FITCOACH_DATA_DIR"]},
    )
    rows = json.loads(listed.stdout)
    assert [(r["exercise"], r["reps"], r["weight_kg"]) for r in rows] == [("squat", 8, 100.0)] * 2


class FakeDevice:
    """An AudioDevice whose microphone hears silence until the agent's greeting has played
    (or, when nothing can be played, `patience_s` has passed), then a clip in real time, then
    silence again, as a person answers; it keeps what the agent plays."""

    def __init__(self, clip_path: Path, *, patience_s: float = 8.0) -> None:
        self._clip = load_clip(clip_path).samples
        self.played = bytearray()
        self._greeted = threading.Event()
        self._patience_s = patience_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, on_frames: Callable[[np.ndarray], None]) -> None:
        def feed() -> None:
            frames = list(self._clip.reshape(-1, FRAME_SAMPLES))
            silence = np.zeros(FRAME_SAMPLES, dtype=np.int16)
            listening_since = time.monotonic()
            while not self._stop.is_set():
                waited = time.monotonic() - listening_since
                speaking = frames and (self._greeted.is_set() or waited > self._patience_s)
                on_frames(frames.pop(0) if speaking else silence)
                time.sleep(0.02)

        self._thread = threading.Thread(target=feed, daemon=True)
        self._thread.start()

    def write(self, pcm: bytes, sample_rate: int) -> None:
        self.played.extend(pcm)

    async def wait_played(self) -> None:
        self._greeted.set()

    def stop(self) -> None:
        self._stop.set()


async def test_spoken_conversation_through_an_injected_device(
    sqlite_url: str, tmp_path: Path
) -> None:
    from fitcoach.store import open_database, seed, upgrade

    settings = load_settings(database_url=sqlite_url)
    database = open_database(settings)
    await upgrade(database)
    await seed(database)
    await database.dispose()
    device = FakeDevice(FIXTURES / "03_conv_log_squats.wav")
    said: list[tuple[str, str]] = []
    done = asyncio.Event()

    def say(who: str, text: str) -> None:
        said.append((who, text))
        if who == "agent" and text.startswith("Logged"):
            done.set()

    record = tmp_path / "turns"
    task = asyncio.get_running_loop().create_task(
        talk_audio(
            settings,
            user_ref="demo",
            agent_type="workout",
            device=device,
            say=say,
            record_dir=record,
            stop=done,
        )
    )
    await asyncio.wait_for(task, 120)
    assert ("agent", "Logged 3 sets of squat, 10 reps at 80 kilograms.") in said
    assert any(who == "user" and "squat" in text.lower() for who, text in said)
    assert len(device.played) > 22050  # the greeting and the reply were spoken
    turns = sorted(record.glob("turn-*.wav"))
    assert turns and load_clip(turns[0]).duration_s > 1.0  # usable as a replay fixture
    assert json.loads((record / "report.json").read_text())


def test_without_portaudio_or_devices_talk_says_how_to_fix_it() -> None:
    result = CliRunner().invoke(app, ["talk", "--user", "demo"])
    if result.exit_code == 0:  # a machine with a working microphone would start talking
        return
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "\n" not in line and "--text" in line and "Traceback" not in result.output
