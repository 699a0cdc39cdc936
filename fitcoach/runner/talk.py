"""`fitcoach talk`: a live conversation on this computer, no LiveKit server needed.

The same agent, tools, engines and providers as the worker. With a microphone, audio goes
through the full voice pipeline (VAD, STT, LLM, TTS); with `--text`, typed lines go straight
to the agent's LLM and its replies are printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from livekit import rtc
from livekit.agents import AgentSession
from livekit.agents.voice import io

from fitcoach.agent.coach_session import LocalAudio, SessionFactory, TypedText, coach_session
from fitcoach.agent.session_builder import Engines
from fitcoach.config import Settings
from fitcoach.runner.audio_files import write_wav
from fitcoach.runner.devices import MIC_RATE, AudioDevice

Say = Callable[[str, str], None]  # (who, text): "agent", "user", "tool" or "info"
PRE_ROLL_S = 0.5  # recorded turns keep this much audio from before the VAD fired


@dataclass
class TalkLog:
    """What was said, for --record's report."""

    turns: list[dict[str, Any]] = field(default_factory=list)

    def add(self, role: str, text: str, **extra: Any) -> None:
        self.turns.append({"role": role, "text": text, "at": time.time(), **extra})


def _attach_log(
    session: AgentSession[Any], say: Say, log: TalkLog, spoke: asyncio.Event | None = None
) -> None:
    """Print and keep what is said; `spoke` is set once the agent has said something."""

    @session.on("conversation_item_added")
    def _item(event: Any) -> None:
        item = event.item
        if getattr(item, "type", None) != "message" or not item.text_content:
            return
        role = "agent" if item.role == "assistant" else "user"
        say(role, item.text_content)
        log.add(role, item.text_content)
        if role == "agent" and spoke is not None:
            spoke.set()

    @session.on("function_tools_executed")
    def _tools(event: Any) -> None:
        for call, output in event.zipped():
            say("tool", f"{call.name}({call.arguments})")
            log.add(
                "tool",
                call.name,
                arguments=call.arguments,
                output=output.output if output else None,
            )


EngineSource = Engines | Callable[[], Engines]


async def talk_text(
    settings: Settings,
    *,
    user_ref: str,
    agent_type: str,
    lines: AsyncIterator[str],
    say: Say,
    engines: EngineSource | None = None,
    session_factory: SessionFactory | None = None,
) -> TalkLog:
    """Typed conversation: each line is a user turn; replies go to `say`. `engines` and
    `session_factory` default to the settings' own (see `coach_session`)."""
    log = TalkLog()
    if engines is None:

        def engines() -> Engines:
            # Typed turns need no speech engines: load only the language model.
            return Engines.load(settings, kinds=frozenset({"llm"}), with_vad=False)

    greeted = asyncio.Event()
    async with coach_session(
        settings,
        user=user_ref,
        agent_type=agent_type,
        engines=engines,
        io=TypedText(),
        session_factory=session_factory,
        observe=lambda session: _attach_log(session, say, log, greeted),
    ) as running:
        session = running.session
        assert session is not None
        with contextlib.suppress(TimeoutError):  # the greeting first, then the prompt
            await asyncio.wait_for(greeted.wait(), 10)
        async for line in lines:
            text = line.strip()
            if not text:
                continue
            if text.lower() in ("quit", "exit", "bye!"):
                break
            await session.run(user_input=text)
    return log


class Microphone(io.AudioInput):
    """Frames from an AudioDevice, handed over from its thread to the event loop."""

    def __init__(
        self, device: AudioDevice, tap: Callable[[np.ndarray], None] | None = None
    ) -> None:
        super().__init__(label="fitcoach-microphone")
        self._frames: asyncio.Queue[rtc.AudioFrame | None] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        self._tap = tap
        self._device = device
        self._listening = False

    def _captured(self, samples: np.ndarray) -> None:
        frame = rtc.AudioFrame(
            data=samples.astype(np.int16).tobytes(),
            sample_rate=MIC_RATE,
            num_channels=1,
            samples_per_channel=len(samples),
        )
        self._loop.call_soon_threadsafe(self._frames.put_nowait, frame)
        if self._tap is not None:
            self._loop.call_soon_threadsafe(self._tap, samples)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._frames.put_nowait, None)

    async def __anext__(self) -> rtc.AudioFrame:
        if not self._listening:
            # Capture starts when the session first listens, not while models load: the
            # VAD would otherwise wade through seconds of stale audio first.
            self._listening = True
            self._device.start(self._captured)
        frame = await self._frames.get()
        if frame is None:
            raise StopAsyncIteration
        return frame


class Speaker(io.AudioOutput):
    """Plays the agent's audio on an AudioDevice; a segment ends when it has been heard."""

    def __init__(self, device: AudioDevice) -> None:
        super().__init__(
            label="fitcoach-speaker", capabilities=io.AudioOutputCapabilities(pause=False)
        )
        self._device = device
        self._samples = 0
        self._rate = 0
        self._started = False
        self._pending: set[asyncio.Task[None]] = set()

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        if not self._started:
            self._started = True
            self._samples = 0
            self.on_playback_started(created_at=time.time())
        self._rate = frame.sample_rate
        self._samples += frame.samples_per_channel
        self._device.write(bytes(frame.data), frame.sample_rate)

    def flush(self) -> None:
        super().flush()
        if not self._started:
            return
        self._started = False
        played = self._samples / max(self._rate, 1)

        async def finished() -> None:
            await self._device.wait_played()
            self.on_playback_finished(playback_position=played, interrupted=False)

        task = asyncio.get_running_loop().create_task(finished())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def clear_buffer(self) -> None:
        if self._started:
            self._started = False
            self.on_playback_finished(
                playback_position=self._samples / max(self._rate, 1), interrupted=True
            )


class TurnRecorder:
    """Keeps each user turn's audio (from just before the VAD fired) as a WAV in a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._recent: deque[np.ndarray] = deque(maxlen=int(PRE_ROLL_S * 1000 / 20))
        self._turn: list[np.ndarray] | None = None
        self.saved: list[Path] = []

    def feed(self, samples: np.ndarray) -> None:
        if self._turn is not None:
            self._turn.append(samples)
        else:
            self._recent.append(samples)

    def user_state(self, state: str) -> None:
        if state == "speaking" and self._turn is None:
            self._turn = list(self._recent)
        elif state != "speaking" and self._turn is not None:
            audio = np.concatenate(self._turn) if self._turn else np.zeros(0, dtype=np.int16)
            self._turn = None
            path = self.folder / f"turn-{len(self.saved) + 1:03d}.wav"
            write_wav(path, audio.astype(np.int16).tobytes(), MIC_RATE)
            self.saved.append(path)


def _write_report(folder: Path, log: TalkLog) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(log.turns, indent=2) + "\n", encoding="utf-8")


async def talk_audio(
    settings: Settings,
    *,
    user_ref: str,
    agent_type: str,
    device: AudioDevice,
    say: Say,
    record_dir: Path | None = None,
    stop: asyncio.Event | None = None,
    engines: EngineSource | None = None,
    session_factory: SessionFactory | None = None,
) -> TalkLog:
    """Spoken conversation through `device` until `stop` is set (or the session closes).
    `engines` and `session_factory` default to the settings' own (see `coach_session`)."""
    log = TalkLog()
    finished = stop or asyncio.Event()
    recorder = TurnRecorder(record_dir) if record_dir is not None else None
    if engines is None:

        def engines() -> Engines:
            return Engines.load(settings)

    def observe(session: AgentSession[Any]) -> None:
        _attach_log(session, say, log)
        if recorder is not None:
            session.on("user_state_changed", lambda event: recorder.user_state(event.new_state))

    microphone = Microphone(device, tap=recorder.feed if recorder else None)
    try:
        async with coach_session(
            settings,
            user=user_ref,
            agent_type=agent_type,
            engines=engines,
            io=LocalAudio(microphone, Speaker(device)),
            session_factory=session_factory,
            observe=observe,
        ) as running:
            say("info", "listening: talk to your coach (Ctrl-C to stop)")
            ended = asyncio.ensure_future(running.wait_ended())
            stopped = asyncio.ensure_future(finished.wait())
            try:
                await asyncio.wait({ended, stopped}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                ended.cancel()
                stopped.cancel()
    finally:
        microphone.close()
        device.stop()
        if record_dir is not None:
            await asyncio.to_thread(_write_report, record_dir, log)
    return log
