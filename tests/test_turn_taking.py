"""How a turn ends: transcription that starts during the user's silence, the judgement of
whether what they said sounds finished, and the reply's first audio coming early."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from livekit import rtc
from livekit.agents import APIConnectOptions, llm, stt
from livekit.agents.language import LanguageCode
from livekit.agents.types import NOT_GIVEN, NotGivenOr
from livekit.agents.utils import AudioBuffer

from fitcoach.agent.engines.piper_tts import speaking_pieces
from fitcoach.agent.engines.speculative_stt import SpeculativeStreamAdapter
from fitcoach.agent.engines.turn_detector import THRESHOLD, UtteranceCompleteness, sounds_finished
from fitcoach.agent.session_builder import Engines, build_session, load_vad
from fitcoach.agent.turn_profile import FRAMEWORK_DEFAULT, TUNED
from fitcoach.config import Settings
from fitcoach.runner.audio_files import SAMPLE_RATE, load_clip

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"


class SecondsRecognizer(stt.STT):  # type: ignore[type-arg]
    """A recogniser that 'hears' how many seconds of audio it was given, and notes when."""

    def __init__(self) -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=False, interim_results=False))
        self.calls: list[float] = []
        self.audio: list[np.ndarray] = []

    async def _recognize_impl(
        self,
        buffer: AudioBuffer,
        *,
        language: NotGivenOr[str | list[str]] = NOT_GIVEN,
        conn_options: APIConnectOptions,
    ) -> stt.SpeechEvent:
        frame = rtc.combine_audio_frames(buffer)
        seconds = frame.samples_per_channel / frame.sample_rate
        self.calls.append(seconds)
        self.audio.append(np.frombuffer(frame.data, dtype=np.int16).copy())
        await asyncio.sleep(0.05)
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            alternatives=[stt.SpeechData(text=f"{seconds:.2f}", language=LanguageCode("en"))],
        )


def _voiced(name: str) -> np.ndarray:
    clip = load_clip(FIXTURES / name)
    samples = clip.samples
    voiced = np.flatnonzero(np.abs(samples) > 300)
    return samples[voiced[0] : voiced[-1] + 1]


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.int16)


async def _events_for(samples: np.ndarray, recognizer: SecondsRecognizer) -> list[stt.SpeechEvent]:
    adapter = SpeculativeStreamAdapter(
        recognizer=recognizer,
        vad=load_vad(TUNED),
        speculate_after_s=TUNED.speculate_after_s or 0.15,
    )
    stream = adapter.stream()

    async def speak() -> None:
        # In real time, 20 ms a frame, as a microphone delivers it: when a guess is ready
        # relative to the VAD closing the segment is part of what is tested.
        started = asyncio.get_running_loop().time()
        for index, start in enumerate(range(0, len(samples), 320)):
            chunk = samples[start : start + 320]
            stream.push_frame(
                rtc.AudioFrame(
                    data=chunk.tobytes(),
                    sample_rate=SAMPLE_RATE,
                    num_channels=1,
                    samples_per_channel=len(chunk),
                )
            )
            await asyncio.sleep(
                max(0.0, started + (index + 1) * 0.02 - asyncio.get_running_loop().time())
            )
        stream.end_input()

    speaking = asyncio.create_task(speak())
    events = [event async for event in stream]
    await speaking
    await stream.aclose()
    return events


async def test_an_utterance_is_transcribed_once_from_the_guess_made_during_the_silence() -> None:
    speech = _voiced("02_conv_workout_today.wav")
    recognizer = SecondsRecognizer()
    events = await _events_for(np.concatenate([_silence(0.5), speech, _silence(1.5)]), recognizer)
    kinds = [event.type for event in events]
    assert kinds == [
        stt.SpeechEventType.START_OF_SPEECH,
        # The guess, ready while the VAD still waits out the silence: the reply starts now.
        stt.SpeechEventType.PREFLIGHT_TRANSCRIPT,
        stt.SpeechEventType.END_OF_SPEECH,
        stt.SpeechEventType.FINAL_TRANSCRIPT,
    ]
    assert events[1].alternatives[0].text == events[-1].alternatives[0].text
    # One recognition only: the guess started after a short silence was the transcript, and
    # it held the whole utterance (plus the VAD's padding), not the silence that followed.
    assert len(recognizer.calls) == 1
    heard = float(events[-1].alternatives[0].text)
    assert len(speech) / SAMPLE_RATE <= heard < len(speech) / SAMPLE_RATE + 1.0
    # Sample for sample, what it heard is a stretch of the input holding the whole utterance.
    played = np.concatenate([_silence(0.5), speech, _silence(1.5)])
    audio = recognizer.audio[0]
    # Where the recognised audio begins in what was played, lined up on the first sound.
    start = int(np.flatnonzero(played)[0]) - int(np.flatnonzero(audio)[0])
    assert 0 <= start <= len(_silence(0.5))
    assert np.array_equal(played[start : start + len(audio)], audio)
    assert start + len(audio) >= len(_silence(0.5)) + len(speech)


async def test_speech_after_a_short_pause_replaces_the_guess_with_the_whole_utterance() -> None:
    first, second = _voiced("13_workout_training_today.wav"), _voiced("16_meals_lunch.wav")
    recognizer = SecondsRecognizer()
    events = await _events_for(
        np.concatenate([_silence(0.5), first, _silence(0.3), second, _silence(1.5)]),
        recognizer,
    )
    finals = [e for e in events if e.type == stt.SpeechEventType.FINAL_TRANSCRIPT]
    preflights = [e for e in events if e.type == stt.SpeechEventType.PREFLIGHT_TRANSCRIPT]
    # A guess was made in the pause and dropped when the user went on; the one transcript
    # covers both phrases.
    assert len(recognizer.calls) == 2 and recognizer.calls[0] < recognizer.calls[1]
    assert len(finals) == 1
    # The pause's guess was offered as a preflight, then the whole utterance's: the final
    # transcript matches the last one, which is the reply the framework keeps.
    assert [e.alternatives[0].text for e in preflights] == [
        f"{seconds:.2f}" for seconds in recognizer.calls
    ]
    assert finals[0].alternatives[0].text == preflights[-1].alternatives[0].text
    both = (len(first) + len(second)) / SAMPLE_RATE
    assert float(finals[0].alternatives[0].text) >= both


@pytest.mark.parametrize(
    ("text", "finished"),
    [
        ("Log 3 sets of 10 squats at 80 kilos.", True),
        ("What should I do?", True),
        ("What's my workout today?", True),
        ("Who is it for?", True),
        ("Thanks coach, that was a great session.", True),
        ("Another set.", True),
        ("Bench 80 kilos.", True),
        ("Three sets of", False),
        ("Squats, three sets of ten at", False),
        ("I did bench press and", False),
        ("Okay so", False),
        ("Um.", False),
        ("I was thinking...", False),
        ("Okay, barbell rows are done.", False),
        # Not understood, not a question: the user may go on (far below the engine's floor,
        # so the row tests this rule rather than where the floor falls).
        ("The blue one.", False),
    ],
)
def test_a_turn_sounds_finished_unless_it_trails_off(text: str, finished: bool) -> None:
    assert sounds_finished(text) is finished


async def test_the_detector_reads_the_latest_user_message() -> None:
    detector = UtteranceCompleteness()
    context = llm.ChatContext.empty()
    context.add_message(role="user", content="What's my workout today?")
    context.add_message(role="assistant", content="Upper body.")
    context.add_message(role="user", content="Okay, and then three sets of")
    probability = await detector.predict_end_of_turn(context)
    assert probability < (await detector.unlikely_threshold(None) or THRESHOLD)
    context.add_message(role="user", content="ten at sixty kilos on the bench press.")
    assert await detector.predict_end_of_turn(context) > THRESHOLD


async def test_the_tuned_session_judges_completeness_and_the_default_one_does_not() -> None:
    # async: an AgentSession takes the running loop when it is built.
    from fitcoach.agent.engines.intent_llm import IntentLLM
    from fitcoach.agent.engines.piper_tts import PiperTTS

    engines = dict(stt=SecondsRecognizer(), tts=PiperTTS(), llm=IntentLLM())
    tuned = build_session(Settings(), Engines(vad=load_vad(TUNED), profile=TUNED, **engines))
    default = build_session(
        Settings(),
        Engines(vad=load_vad(FRAMEWORK_DEFAULT), profile=FRAMEWORK_DEFAULT, **engines),
    )
    assert isinstance(tuned.turn_detection, UtteranceCompleteness)
    assert default.turn_detection == "vad"
    assert isinstance(tuned.stt, SpeculativeStreamAdapter)
    assert not isinstance(default.stt, SpeculativeStreamAdapter)
    assert tuned.options.preemptive_generation["preemptive_tts"] is True
    assert default.options.preemptive_generation["preemptive_tts"] is False
    # Tuned ends a finished-sounding turn after the same silence as the framework does.
    assert tuned.options.endpointing["min_delay"] == default.options.endpointing["min_delay"]


@pytest.mark.parametrize(
    ("sentence", "pieces"),
    [
        ("Got it.", ["Got it."]),
        ("Hi, Maria, ready?", ["Hi, Maria, ready?"]),
        (
            "Logged 3 sets of squat, 10 reps at 80 kilograms.",
            ["Logged 3 sets of squat,", "10 reps at 80 kilograms."],
        ),
        (
            "Rest two minutes before the next set of squats.",
            ["Rest two minutes before the next set of squats."],
        ),
    ],
)
def test_a_long_sentence_is_spoken_from_its_first_clause(sentence: str, pieces: list[str]) -> None:
    assert speaking_pieces(sentence) == pieces


def test_a_local_session_imports_no_cloud_plugin(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from fitcoach.agent.providers import register_plugins\n"
        "from fitcoach.config import Settings\n"
        "register_plugins(Settings())\n"
        "print(sorted(m for m in sys.modules if m.startswith('livekit.plugins.')"
        " and m.count('.') == 2))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert json.loads(result.stdout.strip().replace("'", '"')) == ["livekit.plugins.silero"]


class BusyRecognizer(SecondsRecognizer):
    """Takes a while per call, as whisper does, and notes how many calls ran at once."""

    def __init__(self) -> None:
        super().__init__()
        self.running = 0
        self.most_at_once = 0

    async def _recognize_impl(self, buffer: AudioBuffer, **kwargs: Any) -> stt.SpeechEvent:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await asyncio.sleep(0.3)
            return await super()._recognize_impl(buffer, **kwargs)
        finally:
            self.running -= 1


async def test_endless_speech_with_short_pauses_is_bounded_in_audio_and_in_work() -> None:
    """Speech, a 0.25 s pause, speech... for a minute: the VAD never closes the segment, and
    each pause used to start a transcription of everything so far while stale ones ran on."""
    from fitcoach.agent.engines.speculative_stt import MAX_SEGMENT_S

    speech = _voiced("02_conv_workout_today.wav")
    pieces = []
    while sum(len(p) for p in pieces) < 60 * SAMPLE_RATE:
        pieces += [speech, _silence(0.25)]
    samples = np.concatenate([*pieces, _silence(1.5)])
    recognizer = BusyRecognizer()
    adapter = SpeculativeStreamAdapter(
        recognizer=recognizer,
        vad=load_vad(TUNED),
        speculate_after_s=TUNED.speculate_after_s or 0.15,
    )
    stream = adapter.stream()
    for start in range(0, len(samples), 320):
        chunk = samples[start : start + 320]
        stream.push_frame(
            rtc.AudioFrame(
                data=chunk.tobytes(),
                sample_rate=SAMPLE_RATE,
                num_channels=1,
                samples_per_channel=len(chunk),
            )
        )
        if start % (320 * 50) == 0:
            await asyncio.sleep(0)  # let the VAD and the guesses run as the audio comes
    stream.end_input()
    events = [event async for event in stream]
    await stream.aclose()
    finals = [e for e in events if e.type == stt.SpeechEventType.FINAL_TRANSCRIPT]
    assert finals, [e.type for e in events]
    assert recognizer.calls and max(recognizer.calls) <= MAX_SEGMENT_S + 1.0
    assert recognizer.most_at_once == 1
