"""Voice-to-voice latency: fixture speech through the real agent, tuned against default.

Both profiles run in one process on the same engines, interleaved in blocks of turns (which
one goes first alternates), so a busy moment on the machine lands on both. Per turn it keeps
the framework's e2e (the VAD's end of speech to the first agent audio frame), mouth-to-ear
measured from the audio itself (last voiced input sample to first audible output sample),
and the framework's breakdown: end_of_turn, transcription, llm_ttft, tts_ttfb.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bench._figures import REPO, summary

FIXTURES = REPO / "fixtures"
# Clean speech of every kind the coach hears: requests, logs, questions, small talk. The
# degraded variants (noise, 8 kHz, fast) are in the replay; they would measure whisper's
# bad days, not the pipeline.
TURNS = [
    "01_conv_greeting.wav",
    "02_conv_workout_today.wav",
    "03_conv_log_squats.wav",
    "04_conv_log_bench.wav",
    "06_conv_rest_question.wav",
    "07_conv_log_rows.wav",
    "09_conv_dinner.wav",
    "10_conv_creatine_timing.wav",
    "13_workout_training_today.wav",
    "16_meals_lunch.wav",
    "17_meals_plan_today.wav",
    "19_log_deadlift.wav",
    "20_log_pullups_bodyweight.wav",
    "24_log_overhead_press.wav",
    "27_log_lat_pulldown.wav",
    "29_log_front_squat_half_kilo.wav",
    "30_log_squat_three_by_five.wav",
    "33_log_kettlebell_swings.wav",
    "38_q_hypertrophy_sets.wav",
    "40_q_protein_per_day.wav",
    "41_q_calories_cut.wav",
    "43_q_fish_oil.wav",
    "45_smalltalk_hello.wav",
    "46_smalltalk_thanks.wav",
]
QUICK_TURNS = ["02_conv_workout_today.wav", "03_conv_log_squats.wav"]
BREAKDOWN = ("end_of_turn", "transcription", "llm_ttft", "tts_ttfb")


async def measure(settings: Any, *, quick: bool) -> dict[str, Any]:
    import dataclasses

    from fitcoach.agent.providers import register_plugins
    from fitcoach.agent.session_builder import Engines, load_vad
    from fitcoach.agent.turn_profile import FRAMEWORK_DEFAULT, TUNED
    from fitcoach.runner.expectations import check_turn, load_expectations
    from fitcoach.runner.replay import replay

    register_plugins(settings)  # on this (main) thread, before any loading thread
    # Loaded once, as a worker's prewarm loads them: each block's session is built on them,
    # with the VAD loaded for its profile.
    engines = await asyncio.to_thread(Engines.load, settings, with_vad=False)
    loaded = {
        profile.name: dataclasses.replace(
            engines, vad=await asyncio.to_thread(load_vad, profile), profile=profile
        )
        for profile in (TUNED, FRAMEWORK_DEFAULT)
    }

    names = QUICK_TURNS if quick else TURNS
    block = len(names) if quick else 6
    expectations = load_expectations(FIXTURES / "expectations.yaml")
    turns: dict[str, list[Any]] = {"tuned": [], "default": []}
    for number, start in enumerate(range(0, len(names), block)):
        paths = [FIXTURES / name for name in names[start : start + block]]
        order = (TUNED, FRAMEWORK_DEFAULT) if number % 2 == 0 else (FRAMEWORK_DEFAULT, TUNED)
        for profile in order:
            report = await replay(
                paths, settings=settings, profile=profile, engines=loaded[profile.name]
            )
            turns[profile.name].extend(report.turns)

    results: dict[str, Any] = {"turns": len(names)}
    for name, records in turns.items():
        figures: dict[str, Any] = {}
        for key in ("e2e", "mouth_to_ear", *BREAKDOWN):
            figures[key] = summary([t.latency[key] for t in records if t.latency[key] is not None])
        verdicts = [check_turn(t, expectations.get(Path(t.file).name)) for t in records]
        figures["expectations_passed"] = sum(v.passed for v in verdicts)
        figures["expectations_known_misses"] = sum(
            bool(v.known_miss) and not v.passed for v in verdicts
        )
        figures["errors"] = sum(1 for t in records if t.error)
        results[name] = figures
    tuned, default = results["tuned"]["e2e"]["p50"], results["default"]["e2e"]["p50"]
    results["ratio_p50"] = round(default / tuned, 3) if tuned and default else None
    return results
