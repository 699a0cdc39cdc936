"""The offline engines for real: whisper on rendered speech, piper sentence streaming, and the
intent engine driving the agent's tools through AgentSession as an LLM."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from livekit.agents import AgentSession

from fitcoach.agent.engines.intent_llm import NOT_UNDERSTOOD, IntentLLM
from fitcoach.agent.engines.piper_tts import PiperTTS
from fitcoach.agent.engines.whisper_stt import WhisperSTT, transcribe_pcm
from fitcoach.runner.audio_files import load_clip
from tests.test_voice_agent import ready_agent, services  # noqa: F401  (fixture)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _pcm(name: str) -> np.ndarray:
    samples = load_clip(FIXTURES / name).samples
    return samples.astype(np.float32) / 32768.0


def test_whisper_transcribes_a_spoken_set(whisper: WhisperSTT) -> None:
    text = transcribe_pcm(whisper._model, _pcm("03_conv_log_squats.wav"), whisper._options).lower()
    assert "squat" in text and ("80" in text or "eighty" in text)


def test_silence_and_noise_transcribe_to_nothing(whisper: WhisperSTT) -> None:
    for name in ("56_silence.wav", "57_noise_only.wav"):
        assert transcribe_pcm(whisper._model, _pcm(name), whisper._options) == ""


async def test_piper_streams_sentence_by_sentence(piper: PiperTTS) -> None:
    text = "Logged three sets of squat. Nice work. Rest two minutes before the next one."
    chunks = [pcm for pcm in piper.sentences(text)]
    assert len(chunks) == 3 and all(len(c) > 1000 for c in chunks)
    frames = []
    async with piper.synthesize(text) as stream:
        async for audio in stream:
            frames.append(audio.frame)
    assert frames[0].sample_rate == 22050
    total = sum(f.samples_per_channel for f in frames) / 22050
    # Piper's voice draws its phoneme durations with noise, so two renderings of the same
    # text differ by a few percent (6 % seen); a lost sentence would be a third of it.
    assert total == pytest.approx(sum(len(c) for c in chunks) / 2 / 22050, rel=0.15)


async def _run_turns(services: Any, lines: list[str]) -> list[Any]:  # noqa: F811
    agent = await ready_agent(services)
    results = []
    async with AgentSession(llm=IntentLLM()) as session:
        await session.start(agent)
        for line in lines:
            results.append(await session.run(user_input=line))
    await agent.cleanup()
    return results


async def test_the_intent_llm_calls_the_tools_and_speaks_their_output(services: Any) -> None:  # noqa: F811
    log, workout, question, meals = await _run_turns(
        services,
        [
            "log three sets of ten squats at eighty kilos",
            "what's my workout today",
            "should I take creatine before or after training",
            "what's for dinner",
        ],
    )
    log.expect.next_event().is_function_call(
        name="log_workout_set",
        arguments={"exercise": "squat", "reps": 10, "weight": 80.0, "sets": 3, "unit": "kg"},
    )
    output = log.expect.next_event().is_function_call_output().event().item.output
    reply = log.expect.next_event().is_message(role="assistant").event().item
    assert reply.text_content == output == "Logged 3 sets of squat, 10 reps at 80 kilograms."
    # A tool that only reads the loaded context is answered ahead of its call (so the answer
    # can be synthesised before the turn is confirmed), once, and the call still runs.
    for turn, tool in ((workout, "get_todays_workout"), (meals, "get_todays_meals")):
        said = turn.expect.next_event().is_message(role="assistant").event().item.text_content
        turn.expect.next_event().is_function_call(name=tool)
        assert turn.expect.next_event().is_function_call_output().event().item.output == said
        turn.expect.no_more_events()
    question.expect.next_event().is_function_call(
        name="ask_specialist_agent", arguments={"specialist": "supplement"}
    )


async def test_another_set_reuses_the_exercise_and_weight(services: Any) -> None:  # noqa: F811
    first, another = await _run_turns(
        services, ["I just did eight reps of bench at seventy five kilos", "add another set of six"]
    )
    another.expect.next_event().is_function_call(
        name="log_workout_set", arguments={"exercise": "bench press", "reps": 6, "weight": 75.0}
    )


async def test_missing_details_are_asked_for_not_guessed(services: Any) -> None:  # noqa: F811
    no_weight, _, unnamed, gibberish, thanks = await _run_turns(
        services,
        [
            "log ten reps of deadlift",
            "log five reps of deadlift at a hundred and forty kilos",
            "twenty reps at sixty kilos",  # an exercise the STT lost: ask, never reuse deadlift
            "zxqv blorf",
            "thanks coach",
        ],
    )
    unnamed.expect.next_event().is_message(role="assistant")
    assert unnamed.events[0].item.text_content == "Which exercise was that?"
    message = no_weight.expect.next_event().is_message(role="assistant").event().item
    assert "weight" in message.text_content and "deadlift" in message.text_content
    gibberish.expect.next_event().is_message(role="assistant")
    assert gibberish.events[0].item.text_content == NOT_UNDERSTOOD
    thanks.expect.next_event().is_message(role="assistant")
    assert "welcome" in thanks.events[0].item.text_content


def test_bodyweight_movements_need_no_weight() -> None:
    from livekit.agents.llm import ChatContext

    from fitcoach.agent.engines.intent_llm import plan_reply
    from fitcoach.coach import shared_intent_engine

    decision = plan_reply(shared_intent_engine().classify("log twelve pull ups"), ChatContext())
    assert not isinstance(decision, str)
    assert decision[0].name == "log_workout_set" and '"weight": 0.0' in decision[0].arguments


def test_engines_load_once_per_process() -> None:
    from fitcoach.agent.engines.piper_tts import load_piper_voice
    from fitcoach.agent.engines.whisper_stt import load_whisper_model

    assert load_whisper_model() is load_whisper_model()
    assert load_piper_voice() is load_piper_voice()


async def test_stt_runs_off_the_event_loop(whisper: WhisperSTT) -> None:
    """A tick on the loop keeps running while whisper works on a clip."""
    from livekit import rtc

    samples = load_clip(FIXTURES / "03_conv_log_squats.wav").samples
    frame = rtc.AudioFrame(
        data=samples.tobytes(), sample_rate=16000, num_channels=1, samples_per_channel=len(samples)
    )
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.get_running_loop().create_task(tick())
    event = await whisper.recognize([frame])
    ticker.cancel()
    assert "squat" in event.alternatives[0].text.lower()
    assert ticks >= 5
