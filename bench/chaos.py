"""Fault injection for the durable logbook: kill -9 mid-stream, and a database outage.

    python bench/chaos.py [--trials N] [--database-url URL] [--outage-s S]

Kill trials: a child process confirms sets as the voice agent does (journal first, then
"Logged"), with its writer delivering to the database; it is killed with SIGKILL at a random
moment. After all trials a fresh logbook on the same journal drains it, and every confirmed
set is looked up: it must be in workout_logs exactly once.

Outage trial (Postgres only): sets are confirmed through a TCP proxy on 127.0.0.1 that is cut
for --outage-s seconds; confirmation latency during the outage is measured, and every set
must be stored once the proxy is back.

The last line printed is one JSON object: trials, confirmed, lost, duplicated, and the
outage figures. Exit status 1 when anything was lost or duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import col  # noqa: E402

from fitcoach.agent.logbook import Logbook  # noqa: E402
from fitcoach.config import load_settings  # noqa: E402
from fitcoach.store import (  # noqa: E402
    Database,
    WorkoutLog,
    WorkoutSet,
    open_database,
    seed,
    upgrade,
    user_id_for,
)
from tests.tcp_proxy import TcpProxy  # noqa: E402

CONFIRMER = """
import asyncio, sys, uuid
from datetime import UTC, datetime
from pathlib import Path
from fitcoach.agent.logbook import Logbook
from fitcoach.config import load_settings
from fitcoach.store import WorkoutSet, open_database, user_id_for

async def main():
    logbook = Logbook(open_database(load_settings(database_url=sys.argv[1])), Path(sys.argv[2]))
    logbook.start()
    while True:
        workout_set = WorkoutSet(id=uuid.uuid4(), user_id=user_id_for("demo"), exercise="deadlift",
                                 reps=3, weight_kg=150.0, logged_at=datetime.now(UTC))
        await logbook.append(workout_set)
        print(f"Logged {workout_set.id}", flush=True)
        await asyncio.sleep(0.002)

asyncio.run(main())
"""


async def count_stored(database: Database, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    found: dict[uuid.UUID, int] = {}
    async with database.session() as session:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = await session.execute(
                select(WorkoutLog.id, func.count())
                .where(col(WorkoutLog.id).in_(chunk))
                .group_by(col(WorkoutLog.id))
            )
            found.update({row[0]: row[1] for row in rows.all()})
    return {i: found.get(i, 0) for i in ids}


async def kill_trials(
    database_url: str, journal: Path, trials: int, rng: random.Random
) -> list[uuid.UUID]:
    confirmed: list[uuid.UUID] = []
    for _ in range(trials):
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CONFIRMER,
            database_url,
            str(journal),
            stdout=asyncio.subprocess.PIPE,
            cwd=REPO,
        )
        assert child.stdout is not None
        kill_at = time.monotonic() + rng.uniform(0.5, 3.0)  # includes start-up: kills land anywhere
        while time.monotonic() < kill_at:
            try:
                line = await asyncio.wait_for(
                    child.stdout.readline(), max(0.01, kill_at - time.monotonic())
                )
            except TimeoutError:
                break
            if line.startswith(b"Logged "):
                confirmed.append(uuid.UUID(line.split()[1].decode()))
        child.send_signal(signal.SIGKILL)
        await child.wait()
        for line in (await child.stdout.read()).splitlines():  # printed before it died
            if line.startswith(b"Logged "):
                confirmed.append(uuid.UUID(line.split()[1].decode()))
    return confirmed


async def outage_trial(database_url: str, journal: Path, outage_s: float) -> dict[str, object]:
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    database = open_database(
        load_settings(database_url=url.set(port=proxy.port).render_as_string(hide_password=False))
    )
    logbook = Logbook(database, journal)
    logbook.start()
    confirm_ms: list[float] = []
    sets: list[WorkoutSet] = []

    async def confirm_for(seconds: float) -> None:
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            workout_set = WorkoutSet(
                id=uuid.uuid4(),
                user_id=user_id_for("demo"),
                exercise="squat",
                reps=5,
                weight_kg=100.0,
                logged_at=datetime.now(UTC),
            )
            started = time.perf_counter()
            await logbook.append(workout_set)
            confirm_ms.append((time.perf_counter() - started) * 1000)
            sets.append(workout_set)
            await asyncio.sleep(0.05)

    await confirm_for(2)
    await proxy.cut()
    cut_at = len(confirm_ms)
    await confirm_for(outage_s)
    during = confirm_ms[cut_at:]
    await proxy.start()
    delivered = await logbook.drain(timeout=120)
    counts = await count_stored(database, [s.id for s in sets])
    await logbook.close()
    await database.dispose()
    await proxy.cut()
    return {
        "outage_s": outage_s,
        "outage_confirmed": len(sets),
        "outage_lost": sum(1 for n in counts.values() if n == 0),
        "outage_duplicated": sum(1 for n in counts.values() if n > 1),
        "outage_drained": delivered,
        "confirm_ms_during_outage_p50": round(statistics.median(during), 3) if during else None,
        "confirm_ms_during_outage_max": round(max(during), 3) if during else None,
    }


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument(
        "--database-url",
        default=None,
        help="default: a scratch database on FITCOACH_BENCH_POSTGRES_URL's server, dropped after",
    )
    parser.add_argument("--outage-s", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.database_url is not None:
        return await run_trials(args)
    from postgres_scratch import scratch_database

    async with scratch_database() as url:
        args.database_url = url
        return await run_trials(args)


async def run_trials(args: argparse.Namespace) -> int:
    database = open_database(load_settings(database_url=args.database_url))
    await upgrade(database)
    await seed(database)
    with tempfile.TemporaryDirectory() as folder:
        journal = Path(folder) / "journal.db"
        confirmed = await kill_trials(
            args.database_url, journal, args.trials, random.Random(args.seed)
        )
        restarted = Logbook(database, journal)
        drained = await restarted.drain(timeout=120)
        await restarted.close()
        counts = await count_stored(database, confirmed)
        result: dict[str, object] = {
            "trials": args.trials,
            "confirmed": len(confirmed),
            "lost": sum(1 for n in counts.values() if n == 0),
            "duplicated": sum(1 for n in counts.values() if n > 1),
            "drained_after_restart": drained,
        }
        print(f"kill -9: {args.trials} trials, {len(confirmed)} sets confirmed", file=sys.stderr)
        if make_url(args.database_url).get_backend_name() == "postgresql" and args.outage_s > 0:
            result.update(
                await outage_trial(args.database_url, Path(folder) / "outage.db", args.outage_s)
            )
    await database.dispose()
    print(json.dumps(result))
    bad = (
        result["lost"]
        or result["duplicated"]
        or result.get("outage_lost")
        or result.get("outage_duplicated")
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
