"""Benchmark: the offline intent engine's per-query latency, and its accuracy per labelled set.

    python -m bench.intent_engine [--quick] [--out PATH]

Runs every labelled utterance in tests/data through `IntentEngine.classify` (after a warm-up)
and prints load time, median / p95 / p99 latency per query, the exercise matcher's own
latency, and intent and slot accuracy for each set separately: dev (the development set),
holdout (never used for tuning) and whisper_style (typed as the local speech-to-text writes).
Writes the figures as JSON (default bench/results/intent_engine.json). Target on a 2-core
machine: p99 <= 20 ms. It measures and reports; it asserts nothing. tests/test_intents.py
gates on the same `score_set` figures for dev and whisper_style.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from fitcoach.stats import percentile

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
SETS = {
    "dev": "intent_utterances.jsonl",
    "holdout": "intent_utterances_holdout.jsonl",
    "whisper_style": "intent_utterances_whisper_style.jsonl",
}
# Rows whose slots are scored: the values of a set logged, or of a correction.
SLOTTED_INTENTS = ("log_set", "correct_set")


def load_set(name: str) -> list[dict[str, Any]]:
    lines = (DATA / SETS[name]).read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def slots_match(slots: object, expected: dict[str, Any]) -> bool:
    """Whether every slot the row names has the labelled value (numbers to 1e-6)."""
    for key, want in expected.items():
        have = getattr(slots, key)
        if isinstance(want, int | float) and isinstance(have, int | float):
            if abs(have - want) > 1e-6:
                return False
        elif have != want:
            return False
    return True


@dataclass
class SetScore:
    n: int = 0
    intent_right: int = 0
    slot_n: int = 0
    slot_right: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    @property
    def intent_accuracy(self) -> float:
        return self.intent_right / self.n if self.n else 0.0

    @property
    def slot_accuracy(self) -> float:
        return self.slot_right / self.slot_n if self.slot_n else 0.0


def score_set(engine: Any, rows: list[dict[str, Any]]) -> SetScore:
    """Intent accuracy over all rows; slot accuracy over rows labelled log_set/correct_set."""
    score = SetScore()
    for row in rows:
        result = engine.classify(row["text"])
        score.n += 1
        if result.intent == row["intent"]:
            score.intent_right += 1
        else:
            score.confusions[(row["intent"], result.intent)] += 1
            score.misses.append(f"{row['text']!r}: {row['intent']} -> {result.intent}")
        if row["intent"] in SLOTTED_INTENTS:
            score.slot_n += 1
            if slots_match(result.slots, row["slots"]):
                score.slot_right += 1
            else:
                score.misses.append(f"{row['text']!r}: slots {result.slots}")
    return score


def _latency(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 3),
        "p95": round(percentile(values, 95) or 0.0, 3),
        "p99": round(percentile(values, 99) or 0.0, 3),
        "max": round(max(values), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one pass over every 12th utterance")
    parser.add_argument(
        "--out", type=Path, default=REPO / "bench" / "results" / "intent_engine.json"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    from fitcoach.coach import IntentEngine
    from fitcoach.coach.exercises import match_exercise

    engine = IntentEngine()
    load_s = time.perf_counter() - started

    sets = {name: load_set(name) for name in SETS}
    if args.quick:
        sets = {name: rows[::12] for name, rows in sets.items()}
    rows = [row for set_rows in sets.values() for row in set_rows]
    passes = 1 if args.quick else 3

    scores = {name: score_set(engine, set_rows) for name, set_rows in sets.items()}
    latencies_ms: list[float] = []
    match_ms: list[float] = []
    for _ in range(passes):
        for row in rows:
            begin = time.perf_counter()
            engine.classify(row["text"])
            latencies_ms.append((time.perf_counter() - begin) * 1000)
            begin = time.perf_counter()
            match_exercise(row["text"])
            match_ms.append((time.perf_counter() - begin) * 1000)

    right = sum(score.intent_right for score in scores.values())
    classify_latency, match_latency = _latency(latencies_ms), _latency(match_ms)
    figures = {
        "benchmark": "intent_engine",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "quick": args.quick,
        "load_s": round(load_s, 3),
        "n": len(latencies_ms),
        "latency_ms": classify_latency,
        "exercise_match_latency_ms": match_latency,
        "intent_accuracy": round(right / len(rows), 4),
        "sets": {
            name: {
                "file": SETS[name],
                "n": score.n,
                "intent_accuracy": round(score.intent_accuracy, 4),
                "slot_n": score.slot_n,
                "slot_accuracy": round(score.slot_accuracy, 4),
                "confusions": {
                    f"{want}->{got}": count for (want, got), count in score.confusions.most_common()
                },
                "misses": score.misses,
            }
            for name, score in scores.items()
        },
    }
    console = Console()
    accuracy = Table(title="offline intent engine: accuracy per labelled set")
    for column in ("set", "utterances", "intent", "slots", "scored for slots"):
        accuracy.add_column(column, justify="right")
    for name, score in scores.items():
        accuracy.add_row(
            name,
            str(score.n),
            f"{score.intent_accuracy:.1%}",
            f"{score.slot_accuracy:.1%}",
            str(score.slot_n),
        )
    console.print(accuracy)
    latency = Table(title="offline intent engine: latency")
    for column in ("queries", "load s", "median ms", "p95 ms", "p99 ms", "match median ms"):
        latency.add_column(column, justify="right")
    latency.add_row(
        str(len(latencies_ms)),
        f"{load_s:.2f}",
        f"{classify_latency['median']:.1f}",
        f"{classify_latency['p95']:.1f}",
        f"{classify_latency['p99']:.1f}",
        f"{match_latency['median']:.2f}",
    )
    console.print(latency)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
