"""A streaming STT made from a non-streaming one that transcribes while the user is silent.

The framework's StreamAdapter waits for the VAD to declare the end of speech and only then
starts the recogniser, so the turn costs the silence window plus the whole transcription.
Here the utterance is sent to the recogniser as soon as the user has been quiet for a short
while; if they stay quiet until the VAD closes the segment, that result is the transcript,
and if they speak again it is thrown away and the segment carries on. The transcript
therefore arrives about when the silence window ends, not a whole transcription later.

A guess that is ready while the user is still quiet is also offered to the framework as a
preflight transcript, so the reply and its first audio are prepared during the rest of the
silence; the framework keeps that reply when the final transcript says the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from livekit import rtc
from livekit.agents import stt, utils, vad
from livekit.agents.types import (
    DEFAULT_API_CONNECT_OPTIONS,
    NOT_GIVEN,
    APIConnectOptions,
    NotGivenOr,
)

# The recogniser already retries inside recognize(); the stream must not retry it again.
_NO_STREAM_RETRY = APIConnectOptions(max_retry=0, timeout=DEFAULT_API_CONNECT_OPTIONS.timeout)
# The longest stretch of speech transcribed as one turn. Nobody asks a coach anything that
# long; without a bound, continuous noise or a hostile stream grew one segment for ever
# (about 170 MB an hour) and each pause started a transcription of all of it.
MAX_SEGMENT_S = 30.0

logger = logging.getLogger(__name__)


class SpeculativeStreamAdapter(stt.STT):  # type: ignore[type-arg]
    """Wraps a non-streaming `recognizer`; `vad` cuts the segments (its min_silence_duration
    is when a segment ends), and transcription starts after `speculate_after_s` of silence."""

    def __init__(self, *, recognizer: stt.STT, vad: vad.VAD, speculate_after_s: float) -> None:  # type: ignore[type-arg]
        super().__init__(capabilities=stt.STTCapabilities(streaming=True, interim_results=False))
        self._recognizer = recognizer
        self._vad = vad
        self._speculate_after_s = speculate_after_s
        recognizer.on("metrics_collected", self._forward_metrics)

    @property
    def wrapped_stt(self) -> stt.STT:  # type: ignore[type-arg]
        return self._recognizer

    @property
    def model(self) -> str:
        return self._recognizer.model

    @property
    def provider(self) -> str:
        return self._recognizer.provider

    def prewarm(self) -> None:
        self._recognizer.prewarm()

    def _forward_metrics(self, *args: Any, **kwargs: Any) -> None:
        self.emit("metrics_collected", *args, **kwargs)

    async def _recognize_impl(
        self,
        buffer: utils.AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
    ) -> stt.SpeechEvent:
        return await self._recognizer.recognize(
            buffer=buffer, language=language, conn_options=conn_options
        )

    def stream(
        self,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
    ) -> stt.RecognizeStream:
        return _SpeculativeStream(
            self,
            recognizer=self._recognizer,
            vad=self._vad,
            speculate_after_s=self._speculate_after_s,
            language=language,
            conn_options=conn_options,
        )

    async def aclose(self) -> None:
        self._recognizer.off("metrics_collected", self._forward_metrics)


def _first_seconds(
    frames: list[rtc.AudioFrame], limit_s: float = MAX_SEGMENT_S
) -> list[rtc.AudioFrame]:
    """The first `limit_s` seconds of `frames` (the VAD hands a segment over as one frame)."""
    if not frames:
        return []
    whole = rtc.combine_audio_frames(frames)
    keep = min(whole.samples_per_channel, int(limit_s * whole.sample_rate))
    if keep == whole.samples_per_channel:
        return list(frames)
    width = whole.num_channels * 2  # 16-bit samples
    return [
        rtc.AudioFrame(
            data=bytes(whole.data.cast("B")[: keep * width]),
            sample_rate=whole.sample_rate,
            num_channels=whole.num_channels,
            samples_per_channel=keep,
        )
    ]


class _Segment:
    """One VAD speech segment: its audio so far (up to MAX_SEGMENT_S), and a transcription
    started early."""

    def __init__(self, frames: list[rtc.AudioFrame]) -> None:
        self.frames: list[rtc.AudioFrame] = []
        self.seconds = 0.0
        self.cut = False
        self.guess: asyncio.Task[stt.SpeechEvent] | None = None
        self.silence_s = 0.0
        self.closed = False  # the VAD ended it: the final transcript follows at once
        self.extend(frames)

    def extend(self, frames: list[rtc.AudioFrame]) -> None:
        for frame in frames:
            if self.seconds >= MAX_SEGMENT_S:
                if not self.cut:
                    self.cut = True
                    logger.warning(
                        "speech went on past %.0f s: only its first %.0f s are transcribed",
                        MAX_SEGMENT_S,
                        MAX_SEGMENT_S,
                    )
                return
            self.frames.append(frame)
            self.seconds += frame.samples_per_channel / frame.sample_rate

    def drop_guess(self) -> None:
        # Its transcription goes on in its thread (a thread cannot be stopped); the stream
        # waits for it before starting another, and its result is not used.
        self.guess = None


class _SpeculativeStream(stt.RecognizeStream):
    def __init__(
        self,
        adapter: SpeculativeStreamAdapter,
        *,
        recognizer: stt.STT,  # type: ignore[type-arg]
        vad: vad.VAD,
        speculate_after_s: float,
        language: NotGivenOr[str],
        conn_options: APIConnectOptions,
    ) -> None:
        super().__init__(stt=adapter, conn_options=_NO_STREAM_RETRY)
        self._recognizer = recognizer
        self._vad = vad
        self._speculate_after_s = speculate_after_s
        self._language = language
        self._recognizer_options = conn_options
        # The one transcription this stream has running (at most one at a time: each holds
        # the CPU, and a stale one cannot be stopped, so another would only queue behind it).
        self._transcribing: asyncio.Task[stt.SpeechEvent] | None = None

    def _busy(self) -> bool:
        return self._transcribing is not None and not self._transcribing.done()

    def _transcribe(self, frames: list[rtc.AudioFrame]) -> asyncio.Task[stt.SpeechEvent]:
        task = asyncio.create_task(
            self._recognizer.recognize(
                buffer=utils.merge_frames(frames),
                language=self._language,
                conn_options=self._recognizer_options,
            ),
            name="speculative_stt.transcribe",
        )
        self._transcribing = task
        return task

    async def _run(self) -> None:
        vad_stream = self._vad.stream()

        async def forward_audio() -> None:
            async for item in self._input_ch:
                if isinstance(item, self._FlushSentinel):
                    vad_stream.flush()
                else:
                    vad_stream.push_frame(item)
            vad_stream.end_input()

        async def follow_speech() -> None:
            segment: _Segment | None = None
            try:
                async for event in vad_stream:
                    if event.type == vad.VADEventType.START_OF_SPEECH:
                        segment = _Segment(event.frames)
                        self._event_ch.send_nowait(
                            stt.SpeechEvent(type=stt.SpeechEventType.START_OF_SPEECH)
                        )
                    elif event.type == vad.VADEventType.INFERENCE_DONE and segment is not None:
                        segment.extend(event.frames)
                        self._consider_guess(segment, event.raw_accumulated_silence)
                    elif event.type == vad.VADEventType.END_OF_SPEECH and segment is not None:
                        finished, segment = segment, None
                        await self._finish(finished, event)
            finally:
                if segment is not None:
                    segment.drop_guess()

        tasks = [
            asyncio.create_task(forward_audio(), name="speculative_stt.forward_audio"),
            asyncio.create_task(follow_speech(), name="speculative_stt.follow_speech"),
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            await utils.aio.cancel_and_wait(*tasks)
            if self._transcribing is not None:
                await utils.aio.cancel_and_wait(self._transcribing)
            await vad_stream.aclose()

    def _consider_guess(self, segment: _Segment, silence_s: float) -> None:
        if silence_s < segment.silence_s:
            # The silence counter went back: the user spoke again, so the guess is stale.
            segment.drop_guess()
        segment.silence_s = silence_s
        if segment.guess is None and silence_s >= self._speculate_after_s and not self._busy():
            guess = segment.guess = self._transcribe(segment.frames)
            guess.add_done_callback(lambda task: self._offer_preflight(segment, task))

    def _offer_preflight(self, segment: _Segment, task: asyncio.Task[stt.SpeechEvent]) -> None:
        if segment.guess is not task or segment.closed or task.cancelled() or task.exception():
            return  # stale, superseded by the final transcript, or failed (the final says so)
        heard = task.result().alternatives
        if heard and heard[0].text:
            with contextlib.suppress(utils.aio.ChanClosed):
                self._event_ch.send_nowait(
                    stt.SpeechEvent(
                        type=stt.SpeechEventType.PREFLIGHT_TRANSCRIPT, alternatives=[heard[0]]
                    )
                )

    async def _finish(self, segment: _Segment, event: vad.VADEvent) -> None:
        segment.closed = True
        speech_end_time = time.time() - event.silence_duration - event.inference_duration
        self._event_ch.send_nowait(
            stt.SpeechEvent(type=stt.SpeechEventType.END_OF_SPEECH, speech_end_time=speech_end_time)
        )
        # Nothing but silence came after the guess, so it heard the same words as the
        # whole segment would; otherwise transcribe the segment, once a stale guess is done.
        if segment.guess is None and self._transcribing is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._transcribing
        result = await (segment.guess or self._transcribe(_first_seconds(event.frames)))
        if result.alternatives and result.alternatives[0].text:
            self._event_ch.send_nowait(
                stt.SpeechEvent(
                    type=stt.SpeechEventType.FINAL_TRANSCRIPT,
                    alternatives=[result.alternatives[0]],
                    speech_end_time=speech_end_time,
                )
            )
