"""`fitcoach talk`: a live conversation on this computer, no LiveKit server needed.

The same agent, tools, engines and providers as the worker. With a microphone, audio goes
through the full voice pipeline (VAD, STT, LLM, TTS); with `--text`, typed lines go straight
to the agent's LLM and its replies are printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
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
from livekit.agents.utils import http_context
from livekit.agents.voice import io

from fitcoach.agent.apology import attach_apology
from fitcoach.agent.session_builder import (
    LocalEngines,
    build_llm,
    build_session,
    load_vad,
    register_plugins,
)
from fitcoach.agent.voice_agent import AgentServices, FitnessVoiceAgent
from fitcoach.config import Settings
from fitcoach.runner.audio_files import write_wav
from fitcoach.runner.devices import MIC_RATE, AudioDevice
from fitcoach.store import open_migrated_database, resolve_user

Say = Callable[[str, str], None]  # (who, text): "agent", "user", "tool" or "info"
PRE_ROLL_S = 0.5  # recorded turns keep this much audio from before the VAD fired


@dataclass
class TalkLog:
    """What was said, for --record's report."""

    turns: list[dict[str, Any]] = field(default_factory=list)

    def add(self, role: str, text: str, **extra: Any) -> None:
        self.turns.append({"role": role, "text": text, "at": time.time(), **extra})


async def _prepare(
    settings: Settings, user_ref: str, agent_type: str
) -> tuple[AgentServices, FitnessVoiceAgent]:
    database = await open_migrated_database(settings)
    try:
        async with database.session() as session:
            user = await resolve_user(session=session, user_ref=user_ref)
    except BaseException:
        await database.dispose()
        raise
    services = AgentServices.around(settings, database)
    agent = FitnessVoiceAgent(user.id, agent_type, services=services)
    try:
        await agent.initialize_orchestrator()
    except BaseException:
        await agent.logbook.close()
        await services.close()
        raise
    await agent.start_log_worker()
    return services, agent


def _attach_log(session: AgentSession[Any], say: Say, log: TalkLog) -> asyncio.Event:
    """Print and keep what is said; the returned event is set once the agent has spoken."""
    spoke = asyncio.Event()

    @session.on("conversation_item_added")
    def _item(event: Any) -> None:
        item = event.item
        if getattr(item, "type", None) != "message" or not item.text_content:
            return
        role = "agent" if item.role == "assistant" else "user"
        say(role, item.text_content)
        log.add(role, item.text_content)
        if role == "agent":
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

    return spoke


async def talk_text(
    settings: Settings, *, user_ref: str, agent_type: str, lines: AsyncIterator[str], say: Say
) -> TalkLog:
    """Typed conversation: each line is a user turn; replies go to `say`."""
    register_plugins(settings)
    services, agent = await _prepare(settings, user_ref, agent_type)
    log = TalkLog()
    session: AgentSession[Any] | None = None
    try:
        # Typed turns need no speech engines: load only the language model.
        engines = await asyncio.to_thread(
            functools.partial(LocalEngines.load, settings, kinds=frozenset({"llm"}))
        )
        session = AgentSession(llm=build_llm(settings, local=LocalEngines(llm=engines.llm)))
        attach_apology(session)
        greeted = _attach_log(session, say, log)
        await session.start(agent)
        with contextlib.suppress(TimeoutError):  # the greeting first, then the prompt
            await asyncio.wait_for(greeted.wait(), 10)
        async for line in lines:
            text = line.strip()
            if not text:
                continue
            if text.lower() in ("quit", "exit", "bye!"):
                break
            await session.run(user_input=text)
    finally:
        if session is not None:
            await session.aclose()
        await agent.cleanup()
        await services.close()
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
        device.start(self._captured)

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
) -> TalkLog:
    """Spoken conversation through `device` until `stop` is set (or the session closes)."""
    register_plugins(settings)
    services, agent = await _prepare(settings, user_ref, agent_type)
    log = TalkLog()
    session: AgentSession[Any] | None = None
    microphone: Microphone | None = None
    finished = stop or asyncio.Event()
    # Outside a worker job no HTTP session exists, and the Deepgram and Cartesia plugins
    # (and their fallback) fail on every turn without one.
    async with http_context.open():
        try:
            engines, vad = await asyncio.gather(
                asyncio.to_thread(LocalEngines.load, settings), asyncio.to_thread(load_vad)
            )
            session = build_session(settings, vad=vad, local=engines)
            attach_apology(session)
            recorder = TurnRecorder(record_dir) if record_dir is not None else None
            microphone = Microphone(device, tap=recorder.feed if recorder else None)
            session.input.audio = microphone
            session.output.audio = Speaker(device)
            _attach_log(session, say, log)
            if recorder is not None:
                session.on("user_state_changed", lambda event: recorder.user_state(event.new_state))
            session.on("close", lambda _: finished.set())
            await session.start(agent)
            say("info", "listening: talk to your coach (Ctrl-C to stop)")
            await finished.wait()
        finally:
            if microphone is not None:
                microphone.close()
            device.stop()
            if session is not None:
                await session.aclose()
            await agent.cleanup()
            await services.close()
            if record_dir is not None:
                await asyncio.to_thread(_write_report, record_dir, log)
    return log
