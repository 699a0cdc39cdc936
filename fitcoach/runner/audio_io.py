"""Audio in and out of an AgentSession with no room: a paced microphone fed from clips, and
a speaker that records what the agent says and when its first sound came out."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from livekit import rtc
from livekit.agents.voice import io

from fitcoach.runner.audio_files import FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE, SpeechClip

# The agent's audio counts as sound from this RMS on (full scale 1.0).
AUDIBLE_RMS = 0.005


def _frame(samples: np.ndarray) -> rtc.AudioFrame:
    return rtc.AudioFrame(
        data=samples.astype(np.int16).tobytes(),
        sample_rate=SAMPLE_RATE,
        num_channels=1,
        samples_per_channel=len(samples),
    )


class ReplayMicrophone(io.AudioInput):
    """A live-like microphone: 20 ms frames at real-time pace, silence between clips."""

    def __init__(self) -> None:
        super().__init__(label="fitcoach-replay")
        self._pending: deque[np.ndarray] = deque()
        self._silence = np.zeros(FRAME_SAMPLES, dtype=np.int16)
        self._next_at: float | None = None
        self._marks: dict[int, list[asyncio.Future[float]]] = {}
        self._sent = 0

    def play(self, clip: SpeechClip) -> tuple[asyncio.Future[float], asyncio.Future[float]]:
        """Queue `clip`. Returns futures for the wall-clock times its last voiced frame and its
        last frame have left the microphone."""
        frames = clip.samples.reshape(-1, FRAME_SAMPLES)
        start = self._sent + len(self._pending)
        last_voiced = clip.last_voiced_s
        voiced = round(last_voiced * 1000 / FRAME_MS) if last_voiced else len(frames)
        voiced_done = self._mark(start + max(voiced, 1) - 1)
        clip_done = self._mark(start + len(frames) - 1)
        self._pending.extend(frames)
        return voiced_done, clip_done

    def _mark(self, frame_index: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._marks.setdefault(frame_index, []).append(future)
        return future

    async def __anext__(self) -> rtc.AudioFrame:
        now = time.monotonic()
        if self._next_at is None:
            self._next_at = now
        delay = self._next_at - now
        if delay > 0:
            await asyncio.sleep(delay)
        self._next_at += FRAME_MS / 1000
        samples = self._pending.popleft() if self._pending else self._silence
        index = self._sent
        self._sent += 1
        for mark in self._marks.pop(index, []):
            if not mark.done():
                mark.set_result(time.time() + FRAME_MS / 1000)  # the frame ends 20 ms later
        return _frame(samples)


@dataclass
class CapturedReply:
    pcm: bytearray = field(default_factory=bytearray)
    sample_rate: int | None = None
    first_audible_at: float | None = None  # wall clock


class CapturingSpeaker(io.AudioOutput):
    """Records the agent's audio per reply; reports playback as finished when flushed."""

    def __init__(self) -> None:
        super().__init__(
            label="fitcoach-capture", capabilities=io.AudioOutputCapabilities(pause=False)
        )
        self.current = CapturedReply()
        self._segment_started = False
        self._segment_samples = 0

    def take(self) -> CapturedReply:
        """What was said since the last take()."""
        reply, self.current = self.current, CapturedReply()
        return reply

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        if not self._segment_started:
            self._segment_started = True
            self._segment_samples = 0
            self.on_playback_started(created_at=time.time())
        reply = self.current
        reply.sample_rate = frame.sample_rate
        data = bytes(frame.data)
        reply.pcm.extend(data)
        self._segment_samples += frame.samples_per_channel
        if reply.first_audible_at is None:
            samples = np.frombuffer(data, dtype=np.int16).astype(np.float32) / 32768.0
            if samples.size and float(np.sqrt((samples**2).mean())) > AUDIBLE_RMS:
                reply.first_audible_at = time.time()

    def flush(self) -> None:
        super().flush()
        if self._segment_started:
            rate = self.current.sample_rate or SAMPLE_RATE
            self._segment_started = False
            self.on_playback_finished(
                playback_position=self._segment_samples / rate, interrupted=False
            )

    def clear_buffer(self) -> None:
        if self._segment_started:
            rate = self.current.sample_rate or SAMPLE_RATE
            self._segment_started = False
            self.on_playback_finished(
                playback_position=self._segment_samples / rate, interrupted=True
            )
