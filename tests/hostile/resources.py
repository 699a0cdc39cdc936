"""Inputs that would take unbounded time, memory or disk: huge typed turns, speech that never
stops, a shared cache that hands back another user's context, a journal that cannot grow.

"refused": the coach says it will not take that in (a turn too long to read, a set the full
journal cannot hold) and nothing of it is kept; "answered": the turn is handled as usual;
"bounded": the work done stays within its limit (audio transcribed per turn, transcriptions at
once, whose data is read).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from fitcoach.agent.coach_session import TypedText, coach_session
from fitcoach.agent.logbook import Journal, JournalFull
from fitcoach.agent.session_builder import Engines
from fitcoach.agent.voice_agent import MAX_TURN_CHARS, TOO_LONG
from fitcoach.coach import ContextLoader, MemoryContextCache, load_agent_context
from fitcoach.config import Settings
from fitcoach.store import Database, WorkoutSet, open_database, user_id_for
from tests.hostile import Case, Outcome, crashed, judged

OUTCOMES = ("refused", "answered", "bounded")


def _typed() -> list[Case]:
    sentence = "log three sets of ten squats at eighty kilos and "
    cases = [
        Case("a turn just under the limit", "what's my workout today? " * 36, "answered"),
        Case("a turn just over the limit", "x" * (MAX_TURN_CHARS + 1), "refused"),
    ]
    for size in (10_000, 100_000, 1_000_000):
        text = (sentence * (size // len(sentence) + 1))[:size]
        cases.append(Case(f"a typed turn of {size:,} characters", text, "refused"))
    cases += [
        Case("a 5,000-digit weight", "log squats 5 reps at " + "9" * 5000, "refused"),
        Case("a 400-digit weight", "log squats 5 reps at " + "9" * 400, "answered"),
        Case("a megabyte of emoji", "🏋️" * 300_000, "refused"),
        Case("a long line of RTL text", "\u202e" + "סקוואט " * 500, "refused"),
    ]
    return [Case(c.name, c.payload, c.expect, "typed") for c in cases]


def cases() -> list[Case]:
    return [
        *_typed(),
        Case("speech that never pauses long enough to end", 60.0, "bounded", "speech"),
        Case("speech for 45 s without a pause", 45.0, "bounded", "speech"),
        Case("a shared cache holding another user's context", "maria", "bounded", "cache"),
        Case("a set when the journal is at its limit", 4096, "refused", "journal"),
    ]


async def run(table: list[Case], settings: Settings, folder: Path) -> list[Outcome]:
    outcomes: list[Outcome] = []
    typed = [case for case in table if case.detail == "typed"]
    try:
        outcomes += await _run_typed(typed, settings)
    except Exception as exc:
        outcomes += [crashed(case, exc) for case in typed]
    database = open_database(settings)
    try:
        for case in table:
            if case.detail == "typed":
                continue
            try:
                outcomes.append(await _one(case, database, folder))
            except Exception as exc:
                outcomes.append(crashed(case, exc))
    finally:
        await database.dispose()
    return outcomes


async def _run_typed(table: list[Case], settings: Settings) -> list[Outcome]:
    from fitcoach.agent.engines.intent_llm import IntentLLM

    outcomes = []
    engines = Engines(llm=await asyncio.to_thread(IntentLLM.load))
    async with coach_session(settings, user="demo", engines=engines, io=TypedText()) as running:
        session = running.session
        assert session is not None
        for case in table:
            try:
                result = await session.run(user_input=case.payload)
                replies = [
                    e.item.text_content
                    for e in result.events
                    if e.type == "message" and e.item.role == "assistant"
                ]
                got = "refused" if replies == [TOO_LONG] else "answered"
                outcomes.append(judged(case, got, OUTCOMES, (replies or [""])[0][:80]))
            except Exception as exc:
                outcomes.append(crashed(case, exc))
    return outcomes


async def _one(case: Case, database: Database, folder: Path) -> Outcome:
    if case.detail == "speech":
        return await _speech(case)
    if case.detail == "cache":
        return await _poisoned_cache(case, database)
    return await _full_journal(case, folder)


async def _speech(case: Case) -> Outcome:
    """Speech with short pauses (or none) for `payload` seconds, pushed faster than real time
    through the speculative STT with a recogniser that takes a while per call."""
    from livekit import rtc
    from livekit.agents import stt

    from fitcoach.agent.engines.speculative_stt import MAX_SEGMENT_S, SpeculativeStreamAdapter
    from fitcoach.agent.session_builder import load_vad
    from fitcoach.agent.turn_profile import TUNED
    from fitcoach.runner.audio_files import SAMPLE_RATE
    from tests.test_turn_taking import BusyRecognizer, _silence, _voiced

    speech = _voiced("02_conv_workout_today.wav")
    pause = 0.25 if case.payload >= 60 else 0.0
    pieces: list[np.ndarray] = []
    while sum(len(p) for p in pieces) < case.payload * SAMPLE_RATE:
        pieces += [speech, _silence(pause)]
    samples = np.concatenate([*pieces, _silence(1.5)])
    recognizer = BusyRecognizer()
    adapter = SpeculativeStreamAdapter(
        recognizer=recognizer, vad=load_vad(TUNED), speculate_after_s=0.15
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
            await asyncio.sleep(0)
    stream.end_input()
    events = [event async for event in stream]
    await stream.aclose()
    finals = [e for e in events if e.type == stt.SpeechEventType.FINAL_TRANSCRIPT]
    longest = max(recognizer.calls, default=0.0)
    bounded = bool(finals) and longest <= MAX_SEGMENT_S + 1.0 and recognizer.most_at_once == 1
    note = f"longest {longest:.1f} s, {recognizer.most_at_once} at once"
    return judged(case, "bounded" if bounded else "answered", OUTCOMES, note)


async def _poisoned_cache(case: Case, database: Database) -> Outcome:
    """Someone wrote another user's context under the demo user's key."""
    demo, other = user_id_for("demo"), user_id_for(case.payload)
    poisoned = await load_agent_context(database, other)

    class PoisonedCache(MemoryContextCache):
        async def get(self, user_id: uuid.UUID) -> Any:
            return poisoned  # whatever was asked for

    loaded = await ContextLoader(database, PoisonedCache(60)).load(demo)
    bounded = loaded.user_id == demo
    return judged(case, "bounded" if bounded else "answered", OUTCOMES, str(loaded.user_id))


async def _full_journal(case: Case, folder: Path) -> Outcome:
    """A journal already at its limit (the database down for long) takes no more, and keeps
    every set it held."""
    journal = Journal(folder / f"full-{uuid.uuid4().hex}.db", max_bytes=case.payload * 1024)
    held: list[WorkoutSet] = []
    try:
        while True:
            batch = [_a_set() for _ in range(20)]
            try:
                await journal.append(batch)
            except JournalFull:
                break
            held += batch
            if len(held) > 100_000:
                return judged(case, "answered", OUTCOMES, "the limit never came")
        kept = await journal.count()
        got = "refused" if kept == len(held) else "answered"
        return judged(case, got, OUTCOMES, f"{kept} of {len(held)} kept")
    finally:
        await journal.close()


def _a_set() -> WorkoutSet:
    return WorkoutSet(
        id=uuid.uuid4(),
        user_id=user_id_for("demo"),
        exercise="squat",
        reps=5,
        weight_kg=100.0,
        logged_at=datetime.now(UTC),
    )
