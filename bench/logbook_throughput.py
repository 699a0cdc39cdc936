"""Logbook: how fast the background writer moves confirmed sets into the main database,
and how long a set confirmed at a steady pace takes to become a row there.

Throughput: a backlog of sets is confirmed into the journal with the writer stopped, then
the writer is started and timed until the journal is empty. Visibility: sets are confirmed
at a steady rate with the writer running; each one's time from confirmation to committed row
is what the logbook itself records.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._figures import summary


def _sets(user_id: uuid.UUID, count: int) -> list[Any]:
    from fitcoach.store import WorkoutSet

    now = datetime.now(UTC)
    return [
        WorkoutSet(
            id=uuid.uuid4(),
            user_id=user_id,
            exercise="squat",
            reps=5,
            weight_kg=100.0 + index % 10,
            logged_at=now,
        )
        for index in range(count)
    ]


async def _throughput(database: Any, journal: Path, user_id: uuid.UUID, count: int) -> float:
    from fitcoach.agent.logbook import Logbook

    logbook = Logbook(database, journal)
    batch = _sets(user_id, count)
    for start in range(0, count, 100):
        await logbook.append(*batch[start : start + 100])
    started = time.perf_counter()
    logbook.start()
    delivered = await logbook.wait_until_delivered(within_s=300)
    elapsed = time.perf_counter() - started
    await logbook.close()
    if not delivered:
        raise RuntimeError("the backlog was not delivered within 300 s")
    return count / elapsed


async def _visibility(
    database: Any, journal: Path, user_id: uuid.UUID, *, rate: int, seconds: float
) -> list[float]:
    from fitcoach.agent.logbook import Logbook

    logbook = Logbook(database, journal)
    logbook.start()
    interval = 1 / rate
    next_at = time.perf_counter()
    deadline = next_at + seconds
    while next_at < deadline:
        await logbook.append(*_sets(user_id, 1))
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    await logbook.wait_until_delivered(within_s=60)
    latencies = (await logbook.stats()).recent_latencies
    await logbook.close()
    return latencies


async def measure_one(settings: Any, workdir: Path, *, quick: bool, label: str) -> dict[str, Any]:
    from fitcoach.store import open_migrated_database, seed, user_id_for

    database = await open_migrated_database(settings)
    try:
        await seed(database)
        user_id = user_id_for("demo")
        rate = await _throughput(
            database, workdir / f"{label}-backlog.db", user_id, 1000 if quick else 20000
        )
        latencies = await _visibility(
            database,
            workdir / f"{label}-steady.db",
            user_id,
            rate=50,
            seconds=2 if quick else 15,
        )
    finally:
        await database.dispose()
    return {"sets_per_s": round(rate), "visible_s": summary(latencies)}
