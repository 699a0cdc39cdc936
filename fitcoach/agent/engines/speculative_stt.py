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


class _Segment:
    """One VAD speech segment: its audio so far, and a transcription started early."""

    def __init__(self, frames: list[rtc.AudioFrame]) -> None:
        self.frames = list(frames)
        self.guess: asyncio.Task[stt.SpeechEvent] | None = None
        self.silence_s = 0.0
        self.closed = False  # the VAD ended it: the final transcript follows at once

    def drop_guess(self) -> None:
        if self.guess is not None:
            self.guess.cancel()
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

    def _transcribe(self, frames: list[rtc.AudioFrame]) -> asyncio.Task[stt.SpeechEvent]:
        return asyncio.create_task(
            self._recognizer.recognize(
                buffer=utils.merge_frames(frames),
                language=self._language,
                conn_options=self._recognizer_options,
            ),
            name="speculative_stt.transcribe",
        )

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
                        segment.frames.extend(event.frames)
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
            await vad_stream.aclose()

    def _consider_guess(self, segment: _Segment, silence_s: float) -> None:
        if silence_s < segment.silence_s:
            # The silence counter went back: the user spoke again, so the guess is stale.
            segment.drop_guess()
        segment.silence_s = silence_s
        if segment.guess is None and silence_s >= self._speculate_after_s:
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
        # whole segment would; otherwise transcribe the segment the VAD kept.
        result = await (segment.guess or self._transcribe(list(event.frames)))
        if result.alternatives and result.alternatives[0].text:
            self._event_ch.send_nowait(
                stt.SpeechEvent(
                    type=stt.SpeechEventType.FINAL_TRANSCRIPT,
                    alternatives=[result.alternatives[0]],
                    speech_end_time=speech_end_time,
                )
            )
