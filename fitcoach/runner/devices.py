"""The computer's microphone and speaker through sounddevice (PortAudio), behind a small
interface so tests and other hosts can inject their own audio stream."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from fitcoach.errors import FitcoachError

MIC_RATE = 16_000
BLOCK_MS = 20


class AudioUnavailable(FitcoachError):
    """No usable audio device (or no PortAudio library): say how to fix it, or use --text."""

    exit_code = 2


class AudioDevice(Protocol):
    """Microphone frames in (16 kHz mono int16, via a callback from any thread), PCM out."""

    def start(self, on_frames: Callable[[np.ndarray], None]) -> None: ...
    def write(self, pcm: bytes, sample_rate: int) -> None: ...
    async def wait_played(self) -> None: ...
    def stop(self) -> None: ...


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError:  # the module imports, but the PortAudio shared library is missing
        raise AudioUnavailable(
            "no audio: the PortAudio library is missing (Debian/Ubuntu: sudo apt-get install "
            "libportaudio2; macOS: brew install portaudio), or use --text"
        ) from None
    return sounddevice


def list_devices() -> str:
    return str(_sounddevice().query_devices())


def _device_index(sd: Any, spec: str | None, kind: str) -> int | str | None:
    if spec is None:
        return None
    return int(spec) if spec.isdigit() else spec


class SoundDevice:
    """The default (or chosen) input and output devices."""

    def __init__(
        self, *, input_device: str | None = None, output_device: str | None = None
    ) -> None:
        sd = _sounddevice()
        self._sd = sd
        try:
            devices = sd.query_devices()
            wanted_in = _device_index(sd, input_device, "input")
            wanted_out = _device_index(sd, output_device, "output")
            sd.check_input_settings(
                device=wanted_in, channels=1, samplerate=MIC_RATE, dtype="int16"
            )
        except Exception as exc:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise AudioUnavailable(
                f"no usable microphone ({detail}); see --list-devices, choose one with "
                "--input-device, or use --text"
            ) from None
        if not len(devices):
            raise AudioUnavailable("no audio devices found; use --text")
        self._input_device = wanted_in
        self._output_device = wanted_out
        self._input: Any = None
        self._output: Any = None
        self._pending = bytearray()
        self._lock = threading.Lock()
        self._output_rate: int | None = None

    def start(self, on_frames: Callable[[np.ndarray], None]) -> None:
        def captured(indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
            on_frames(indata[:, 0].copy())

        self._input = self._sd.InputStream(
            device=self._input_device,
            channels=1,
            samplerate=MIC_RATE,
            dtype="int16",
            blocksize=MIC_RATE * BLOCK_MS // 1000,
            callback=captured,
        )
        self._input.start()

    def _ensure_output(self, sample_rate: int) -> None:
        if self._output is not None and self._output_rate == sample_rate:
            return
        if self._output is not None:
            self._output.close()

        def play(outdata: Any, frames: int, time_info: Any, status: Any) -> None:
            wanted = frames * 2
            with self._lock:
                chunk = bytes(self._pending[:wanted])
                del self._pending[:wanted]
            outdata[: len(chunk)] = chunk
            outdata[len(chunk) :] = b"\x00" * (wanted - len(chunk))

        self._output = self._sd.RawOutputStream(
            device=self._output_device,
            channels=1,
            samplerate=sample_rate,
            dtype="int16",
            callback=play,
        )
        self._output_rate = sample_rate
        self._output.start()

    def write(self, pcm: bytes, sample_rate: int) -> None:
        self._ensure_output(sample_rate)
        with self._lock:
            self._pending.extend(pcm)

    async def wait_played(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    return
            await asyncio.sleep(0.02)

    def stop(self) -> None:
        for stream in (self._input, self._output):
            if stream is not None:
                stream.stop()
                stream.close()
        self._input = self._output = None
