"""Cloud providers failing for real: the Deepgram, Cartesia and OpenAI plugins talk to a local
server that refuses, fails mid-stream or never answers (tests/fake_providers.py).

With VOICE_PROVIDER_FALLBACK the local engines take over; without it the user hears an
apology and the session goes on (fitcoach/agent/apology.py).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from livekit import rtc
from livekit.agents import Agent, AgentSession, APIConnectionError, APIConnectOptions, utils
from livekit.agents import stt as lk_stt
from livekit.agents.voice import io
from livekit.plugins import cartesia, deepgram

from fitcoach.agent.apology import LLM_APOLOGY, STT_APOLOGY, attach_apology
from fitcoach.agent.engines.piper_tts import PiperTTS
from fitcoach.agent.engines.whisper_stt import WhisperSTT
from fitcoach.agent.session_builder import Engines, build_stt, build_tts, load_vad
from fitcoach.config import Settings, load_settings
from fitcoach.runner.audio_files import FRAME_SAMPLES, load_clip
from fitcoach.runner.talk import talk_audio, talk_text
from fitcoach.store import open_database, seed, upgrade
from tests.fake_providers import FakeProviders, Mode
from tests.fakes import ScriptedLLM, last_tool_output, tool_call
from tests.test_talk import FakeDevice
from tests.test_voice_agent import logged_rows, ready_agent, services  # noqa: F401  (fixture)
from tests.test_worker import job_env  # noqa: F401  (fixture)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SQUATS = FIXTURES / "03_conv_log_squats.wav"
KEYS = {"deepgram_api_key": "dg-key-not-real-1234", "cartesia_api_key": "ca-key-not-real-5678"}


@pytest.fixture
async def providers() -> AsyncIterator[Callable[[Mode], Any]]:
    """Starts fake provider servers, and points the Deepgram and Cartesia plugins at them
    through their own `base_url` option; the session builder is left as it is."""
    started: list[FakeProviders] = []
    real_stt, real_tts = deepgram.STT, cartesia.TTS

    async def start(mode: Mode) -> FakeProviders:
        fake = await FakeProviders(mode).start()
        started.append(fake)
        deepgram.STT = functools.partial(real_stt, base_url=fake.deepgram_url)  # type: ignore[misc]
        cartesia.TTS = functools.partial(real_tts, base_url=fake.cartesia_url)  # type: ignore[misc]
        return fake

    try:
        yield start
    finally:
        deepgram.STT, cartesia.TTS = real_stt, real_tts  # type: ignore[misc]
        for fake in started:
            await fake.stop()


async def seeded(database_url: str, **overrides: Any) -> Settings:
    settings = load_settings(database_url=database_url, **overrides)
    database = open_database(settings)
    await upgrade(database)
    await seed(database)
    await database.dispose()
    return settings


async def converse(
    settings: Settings, until: Callable[[str, str], bool], linger_s: float = 0.0
) -> tuple[list[tuple[str, str]], float]:
    """`fitcoach talk` with the squats clip spoken into an injected device, stopped `linger_s`
    after `until` holds (or when the session closes): what was said, and how many seconds
    of the agent's audio were played."""
    device = FakeDevice(SQUATS)
    said: list[tuple[str, str]] = []
    done = asyncio.Event()
    loop = asyncio.get_running_loop()

    def say(who: str, text: str) -> None:
        said.append((who, text))
        if until(who, text):
            loop.call_later(linger_s, done.set)

    await asyncio.wait_for(
        talk_audio(
            settings, user_ref="demo", agent_type="workout", device=device, say=say, stop=done
        ),
        60,
    )
    return said, len(device.played) / 2 / 24_000  # 16-bit samples at the adapter's rate


# -- fallback on: the local engines take over ------------------------------------------------


async def test_failing_cloud_stt_and_tts_fall_back_to_the_local_engines_in_a_spoken_session(
    providers: Any, sqlite_url: str
) -> None:
    """Deepgram drops the stream with 1011 and Cartesia answers every request with an error
    message: whisper hears the set, it is logged, and piper speaks the confirmation."""
    fake = await providers("error")
    settings = await seeded(
        sqlite_url,
        voice_stt_provider="deepgram",
        voice_tts_provider="cartesia",
        voice_provider_fallback=True,
        **KEYS,
    )
    said, played_s = await converse(settings, lambda who, text: text.startswith("Logged"))
    assert ("agent", "Logged 3 sets of squat, 10 reps at 80 kilograms.") in said
    assert not any(text in (LLM_APOLOGY, STT_APOLOGY) for _, text in said)
    assert played_s > 1.0
    assert fake.tried("deepgram") >= 1 and fake.tried("cartesia") >= 1


async def _transcribe(recognizer: lk_stt.STT[Any], lead_in_s: float = 0.0) -> list[str]:
    """Streams `lead_in_s` of silence in real time, then the squats clip five times faster
    (and a second of silence); returns the final transcripts."""
    clip = load_clip(SQUATS).samples
    lead_in = np.zeros(int(lead_in_s * 16_000) // FRAME_SAMPLES * FRAME_SAMPLES, np.int16)
    rest = np.concatenate([clip, np.zeros(16_000, np.int16)])
    stream = recognizer.stream()

    async def speak() -> None:
        for samples, pace_s in ((lead_in, 0.02), (rest, 0.004)):
            for chunk in samples[: len(samples) // FRAME_SAMPLES * FRAME_SAMPLES].reshape(
                -1, FRAME_SAMPLES
            ):
                stream.push_frame(rtc.AudioFrame(chunk.tobytes(), 16_000, 1, FRAME_SAMPLES))
                await asyncio.sleep(pace_s)
        stream.end_input()

    speaker = asyncio.get_running_loop().create_task(speak())
    finals = []
    async with stream:
        async for event in stream:
            if event.type == lk_stt.SpeechEventType.FINAL_TRANSCRIPT and event.alternatives:
                finals.append(event.alternatives[0].text)
    await speaker
    return finals


async def test_a_refused_cloud_stt_hands_the_utterance_to_whisper(
    providers: Any, whisper: WhisperSTT
) -> None:
    """Deepgram answers 401 (a revoked key): the builder's FallbackAdapter passes the audio
    to whisper at once."""
    fake = await providers("refuse")
    settings = load_settings(voice_stt_provider="deepgram", voice_provider_fallback=True, **KEYS)
    async with utils.http_context.open():
        recognizer = build_stt(settings, Engines(vad=load_vad(), stt=whisper))
        finals = await _transcribe(recognizer)
        await recognizer.aclose()
    assert fake.tried("deepgram") >= 1
    assert any("squat" in text.lower() for text in finals), finals


async def test_a_hanging_cloud_stt_hands_over_to_whisper_within_seconds(
    providers: Any, whisper: WhisperSTT
) -> None:
    """Deepgram accepts the connection and never answers: the user is heard by whisper once
    the connect times out (what is said while it waits is lost, so the test waits first)."""
    fake = await providers("hang")
    settings = load_settings(voice_stt_provider="deepgram", voice_provider_fallback=True, **KEYS)
    async with utils.http_context.open():
        recognizer = build_stt(settings, Engines(vad=load_vad(), stt=whisper))
        try:
            finals = await asyncio.wait_for(_transcribe(recognizer, lead_in_s=4.0), 7)
        finally:
            await recognizer.aclose()
    assert fake.tried("deepgram") >= 1
    assert any("squat" in text.lower() for text in finals), finals


@pytest.mark.parametrize("mode", ["refuse", "hang"])
async def test_a_failing_cloud_tts_falls_back_to_piper(
    providers: Any, piper: PiperTTS, mode: Mode
) -> None:
    """Cartesia refuses the websocket, or never answers it: piper speaks the sentence. The
    connect options are the ones a session passes, with a half-second timeout."""
    fake = await providers(mode)
    settings = load_settings(voice_tts_provider="cartesia", voice_provider_fallback=True, **KEYS)
    started = time.perf_counter()
    async with utils.http_context.open():
        voice = build_tts(settings, Engines(tts=piper))
        stream = voice.stream(conn_options=APIConnectOptions(timeout=0.5, retry_interval=0.1))
        stream.push_text("Logged three sets of squat. Nice work.")
        stream.end_input()
        samples, rate = 0, 1
        async with stream:
            async for audio in stream:
                samples += audio.frame.samples_per_channel
                rate = audio.frame.sample_rate
        await voice.aclose()
    assert samples / rate > 1.0  # the whole sentence, not a blip
    assert fake.tried("cartesia") >= 1
    assert time.perf_counter() - started < 8


# -- fallback off: an apology, and the session goes on ----------------------------------------


async def test_without_fallback_a_failing_llm_is_apologised_for_and_the_session_survives(
    services: Any,  # noqa: F811
) -> None:
    """More failed turns in a row than the framework tolerates (3): each is answered with
    the apology, the session stays up, and once the LLM is back a set is logged."""
    down = APIConnectionError("connection refused", retryable=False)
    llm = ScriptedLLM(
        [down] * 5
        + [tool_call("log_workout_set", exercise="squat", reps=5, weight=100), last_tool_output]
    )
    agent = await ready_agent(services)
    async with AgentSession(llm=llm) as session:
        apology = attach_apology(session)
        await session.start(agent)
        for _ in range(5):
            result = await session.run(user_input="log five squats at a hundred")
            reply = result.expect.next_event().is_message(role="assistant").event().item
            assert reply.text_content == LLM_APOLOGY
            result.expect.no_more_events()
        result = await session.run(user_input="log five squats at a hundred")
        result.expect.next_event().is_function_call(name="log_workout_set")
        result.expect.next_event().is_function_call_output(
            output="Logged squat, 5 reps at 100 kilograms."
        )
        assert apology.apologies == 5
    await agent.cleanup()
    assert [(r.exercise, r.reps) for r in await logged_rows(services)] == [("squat", 5)]


async def test_a_worker_job_apologises_when_its_llm_fails(
    job_env: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from fitcoach.store import user_id_for
    from tests.test_worker import ScriptedSessions, meta, run_jobs

    caplog.set_level(logging.INFO, logger="fitcoach")
    sessions = ScriptedSessions([APIConnectionError("down", retryable=False)])
    replies: list[str] = []

    async def turn() -> None:
        for _ in range(300):
            if sessions.created and sessions.created[0][0].history.items:
                break
            await asyncio.sleep(0.05)
        session = sessions.created[0][0]

        async def ask() -> Any:
            return await session.run(user_input="what's my workout today")

        result = await sessions.in_job(0, ask())
        replies.append(result.expect.next_event().is_message(role="assistant").event().item)
        await sessions.in_job(0, session.aclose())

    await run_jobs(sessions, [meta()], during=turn)
    assert replies[0].text_content == LLM_APOLOGY
    logged = next(r for r in caplog.records if r.getMessage().endswith("apologised to the user"))
    assert logged.getMessage().startswith("language model failed (APIConnectionError)")
    assert logged.user_id == str(user_id_for("demo"))  # type: ignore[attr-defined]


async def test_talk_text_with_a_refused_cloud_llm_apologises_for_each_line(
    providers: Any, sqlite_url: str
) -> None:
    """`fitcoach talk --text` with an OpenAI-compatible server that answers 401."""
    fake = await providers("refuse")
    settings = await seeded(
        sqlite_url,
        voice_llm_provider="openai_compatible",
        voice_llm_base_url=fake.openai_url,
        voice_llm_model="any",
        voice_provider_fallback=False,
    )
    said: list[tuple[str, str]] = []

    async def lines() -> AsyncIterator[str]:
        for line in ("what's my workout today", "log five squats at a hundred", "hello?"):
            yield line

    await talk_text(
        settings,
        user_ref="demo",
        agent_type="workout",
        lines=lines(),
        say=lambda who, text: said.append((who, text)),
    )
    assert [text for who, text in said if who == "agent"][1:] == [LLM_APOLOGY] * 3
    assert fake.tried("openai") == 3


async def test_without_fallback_a_refused_cloud_stt_is_apologised_for_once(
    providers: Any, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Deepgram refuses every stream and the framework recreates it twice a second: the user
    hears one apology from the local voice, not one per retry, and talk ends cleanly (the
    framework closes a session whose STT keeps failing)."""
    caplog.set_level(logging.INFO, logger="fitcoach")
    fake = await providers("refuse")
    settings = await seeded(
        sqlite_url, voice_stt_provider="deepgram", voice_provider_fallback=False, **KEYS
    )
    said, _ = await converse(settings, lambda who, text: text == STT_APOLOGY, linger_s=2.0)
    assert [text for who, text in said if who == "agent"].count(STT_APOLOGY) == 1
    assert fake.tried("deepgram") >= 2
    failures = [r.getMessage() for r in caplog.records if r.name == "fitcoach.agent.apology"]
    assert failures[0] == "speech-to-text failed (APIStatusError 401): apologised to the user"
    assert not any("apologised" in message for message in failures[1:])


class CapturedSpeech(io.AudioOutput):
    """An audio output that keeps count of what it was given to play."""

    def __init__(self) -> None:
        super().__init__(
            label="captured", capabilities=io.AudioOutputCapabilities(pause=False), sample_rate=None
        )
        self.seconds = 0.0
        self._playing = False

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        if not self._playing:
            self._playing = True
            self.on_playback_started(created_at=time.time())
        self.seconds += frame.samples_per_channel / frame.sample_rate

    def flush(self) -> None:
        super().flush()
        self._playing = False
        self.on_playback_finished(playback_position=0.0, interrupted=False)

    def clear_buffer(self) -> None:
        self._playing = False


async def test_without_fallback_a_failing_tts_is_logged_and_the_session_goes_on(
    providers: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Cartesia refuses: nothing can be spoken, not even an apology. The failure is logged
    (kind and status only, never the key), the session keeps taking turns, and once Cartesia
    is back the reply is heard."""
    caplog.set_level(logging.INFO, logger="fitcoach")
    fake = await providers("refuse")
    async with utils.http_context.open():
        voice = cartesia.TTS(api_key=KEYS["cartesia_api_key"])
        session: AgentSession[Any] = AgentSession(
            llm=ScriptedLLM(["First answer.", "Second answer.", "Third answer."]), tts=voice
        )
        speaker = CapturedSpeech()
        session.output.audio = speaker
        apology = attach_apology(session)
        await session.start(Agent(instructions="coach"))
        for _ in range(2):
            await session.run(user_input="hello")
        assert speaker.seconds == 0 and apology.apologies == 0
        fake.mode = "serve"
        result = await session.run(user_input="hello")
        reply = result.expect.next_event().is_message(role="assistant").event().item
        assert reply.text_content == "Third answer."
        assert speaker.seconds > 0.1
        await session.aclose()
    failures = [r.getMessage() for r in caplog.records if r.name == "fitcoach.agent.apology"]
    assert (
        failures
        == [
            "text-to-speech failed (APIStatusError 401): this reply could not be spoken, "
            "and neither can an apology"
        ]
        * 2
    )
    assert KEYS["cartesia_api_key"] not in caplog.text + json.dumps(
        [str(r.__dict__) for r in caplog.records]
    )
