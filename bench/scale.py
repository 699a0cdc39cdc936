"""Scale: 1, 2, 4 and 8 concurrent sessions in one process, as in one worker.

Text turns go through AgentSession with the local language model and the real tools, and
time each `session.run()` to its reply. Audio turns play fixture speech in real time into
each session through the local whisper, piper and VAD, and take the framework's e2e per
turn. Turns per second is the turns answered divided by the wall time of the level.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from typing import Any

from bench._figures import REPO, summary

TEXT_LINES = [
    "what's my workout today",
    "log three sets of eight bench press at seventy kilos",
    "what should I eat tonight",
    "how long should I rest between sets",
    "another set of eight",
    "how much protein do I need",
]
AUDIO_TURNS = [
    "02_conv_workout_today.wav",
    "03_conv_log_squats.wav",
    "09_conv_dinner.wav",
    "40_q_protein_per_day.wav",
]


async def _text_session(settings: Any, engines: Any, turns: int) -> list[float]:
    from fitcoach.agent.coach_session import TypedText, coach_session

    seconds = []
    async with coach_session(settings, user="demo", engines=engines, io=TypedText()) as running:
        assert running.session is not None
        for index in range(turns):
            started = time.perf_counter()
            await running.session.run(user_input=TEXT_LINES[index % len(TEXT_LINES)])
            seconds.append(time.perf_counter() - started)
    return seconds


async def _text_level(settings: Any, sessions: int, turns: int) -> dict[str, Any]:
    from fitcoach.agent.session_builder import Engines
    from fitcoach.store import open_migrated_database, seed

    engines = await asyncio.to_thread(
        Engines.load, settings, kinds=frozenset({"llm"}), with_vad=False
    )
    database = await open_migrated_database(settings)
    try:
        await seed(database)
    finally:
        await database.dispose()
    started = time.perf_counter()
    results = await asyncio.gather(
        *(_text_session(settings, engines, turns) for _ in range(sessions))
    )
    wall = time.perf_counter() - started
    seconds = [s for one in results for s in one]
    return _level("text", sessions, seconds, wall)


class _VadFallingBehind(logging.Handler):
    """Counts the VAD's own warnings that it cannot keep up with real time: saturation."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "slower than realtime" in record.getMessage():
            self.count += 1


async def _audio_level(settings: Any, sessions: int, turns: int, engines: Any) -> dict[str, Any]:
    """`sessions` rooms offered at once to one worker: it admits as many as its session
    capacity (FITCOACH_MAX_SESSIONS, by default one per core), as its load function tells
    LiveKit, and the rest are refused (LiveKit would send them to another replica)."""
    from fitcoach.agent.admission import session_capacity
    from fitcoach.runner.replay import replay

    offered = sessions
    sessions = min(offered, session_capacity(settings))
    paths = [REPO / "fixtures" / name for name in AUDIO_TURNS[:turns]]
    vad_logger = logging.getLogger("livekit.plugins.silero")
    behind = _VadFallingBehind()
    vad_logger.addHandler(behind)
    vad_logger.propagate = False
    started = time.perf_counter()
    cpu_before = _cpu_seconds()
    try:
        reports = await asyncio.gather(
            *(replay(paths, settings=settings, engines=engines) for _ in range(sessions))
        )
    finally:
        vad_logger.removeHandler(behind)
        vad_logger.propagate = True
    wall = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    e2e = [t.latency["e2e"] for r in reports for t in r.turns if t.latency["e2e"] is not None]
    level = _level("audio", sessions, e2e, wall)
    level["sessions_offered"] = offered
    level["sessions_refused"] = offered - sessions
    level["turns_without_reply"] = sum(
        1 for r in reports for t in r.turns if t.latency["e2e"] is None
    )
    level["vad_behind_real_time_warnings"] = behind.count
    spoken = sum(len(r.turns) for r in reports)
    # Everything the sessions cost this process (VAD, whisper, the brain, piper, the event
    # loop), per turn a user spoke: what decides how many sessions a core carries.
    level["cpu_s_per_turn"] = round(cpu / spoken, 3) if spoken else None
    return level


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _level(kind: str, sessions: int, seconds: list[float], wall: float) -> dict[str, Any]:
    figures = summary(seconds)
    return {
        "kind": kind,
        "sessions": sessions,
        "turns": len(seconds),
        "turns_per_s": round(len(seconds) / wall, 3) if wall else None,
        "e2e_p50": figures["p50"],
        "e2e_p95": figures["p95"],
    }


async def measure(settings: Any, *, quick: bool) -> list[dict[str, Any]]:
    levels = (1, 2) if quick else (1, 2, 4, 8)
    results = []
    for sessions in levels:
        results.append(await _text_level(settings, sessions, 2 if quick else 12))
    from fitcoach.agent.providers import register_plugins
    from fitcoach.agent.session_builder import Engines

    register_plugins(settings)  # on this (main) thread, before any loading thread
    # One process's engines, shared by its sessions, as in a worker.
    engines = await asyncio.to_thread(Engines.load, settings)
    for sessions in levels:
        turns = 1 if quick else len(AUDIO_TURNS)
        results.append(await _audio_level(settings, sessions, turns, engines))
    return results
