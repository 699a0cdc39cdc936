"""Fault injection for the durable logbook: kill -9 mid-stream, and a database outage.

    python -m bench.chaos [--trials N] [--database-url URL] [--outage-s S]

Kill trials: a child process confirms sets as the voice agent does (journal first, then
"Logged"), with its writer delivering to the database; it is killed with SIGKILL at a random
moment. After all trials a fresh logbook on the same journal drains it, and every confirmed
set is looked up: it must be in workout_logs exactly once.

Fresh-start trials: several processes start at the same moment on one new journal, as the
job processes of a worker do on its data directory, each with several logbooks (sessions);
every logbook confirms a set at once while its writer opens the journal, with --hogs
processes keeping the CPUs busy (races show under load). No confirmation may be refused; the
sets are then looked up like the others.

Load trial: several processes, each with several sessions, confirm bursts of sets on one
journal while --hogs processes keep the CPUs busy; no confirmation may be refused.

Outage trial (Postgres only): sets are confirmed through a TCP proxy on 127.0.0.1 that is cut
for --outage-s seconds; confirmation latency during the outage is measured, and every set
must be stored once the proxy is back.

The last line printed is one JSON object: trials, confirmed, lost, duplicated, children that
died by themselves, the fresh-start figures and the outage figures. Exit status 1 when
anything was lost, duplicated or refused, or a child died.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlmodel import col

from fitcoach.agent.logbook import Logbook
from fitcoach.config import load_settings
from fitcoach.store import (
    Database,
    WorkoutLog,
    WorkoutSet,
    open_database,
    seed,
    upgrade,
    user_id_for,
)
from tests.tcp_proxy import TcpProxy

REPO = Path(__file__).resolve().parents[1]

CONFIRMER = """
import asyncio, sys, uuid
from collections.abc import AsyncIterator
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


LOAD_CONFIRMER = """
import asyncio, sys, uuid
from datetime import UTC, datetime
from pathlib import Path
from fitcoach.agent.logbook import JournalUnavailable, Logbook
from fitcoach.config import load_settings
from fitcoach.store import WorkoutSet, open_database, user_id_for

async def session(logbook, bursts, per_burst):
    logbook.start()
    for _ in range(bursts):
        # "three sets of ten": a burst of confirmations, as fast as the journal takes them
        for _ in range(per_burst):
            workout_set = WorkoutSet(id=uuid.uuid4(), user_id=user_id_for("demo"),
                                     exercise="bench press", reps=10, weight_kg=60.0,
                                     logged_at=datetime.now(UTC))
            try:
                await logbook.append(workout_set)
            except JournalUnavailable as exc:
                print(f"Refused {exc}", flush=True)
                continue
            print(f"Logged {workout_set.id}", flush=True)
        await asyncio.sleep(0.2)

async def main():
    database = open_database(load_settings(database_url=sys.argv[1]))
    sessions, bursts, per_burst = (int(a) for a in sys.argv[3:6])
    logbooks = [Logbook(database, Path(sys.argv[2])) for _ in range(sessions)]
    await asyncio.gather(*(session(lb, bursts, per_burst) for lb in logbooks))
    for logbook in logbooks:
        await logbook.close()

asyncio.run(main())
"""


FRESH_STARTER = """
import asyncio, sys, uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from fitcoach.agent.logbook import JournalUnavailable, Logbook
from fitcoach.config import load_settings
from fitcoach.store import WorkoutSet, open_database, user_id_for

async def confirm_first(logbook):
    workout_set = WorkoutSet(id=uuid.uuid4(), user_id=user_id_for("demo"), exercise="row",
                             reps=8, weight_kg=60.0, logged_at=datetime.now(UTC))
    logbook.start()  # the writer opens the journal as the first set comes, as in a session
    try:
        await logbook.append(workout_set)
    except JournalUnavailable as exc:
        return f"Refused {exc}"
    return f"Logged {workout_set.id}"

async def main():
    database = open_database(load_settings(database_url=sys.argv[1]))
    logbooks = [Logbook(database, Path(sys.argv[2])) for _ in range(int(sys.argv[3]))]
    print("READY", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for line in await asyncio.gather(*(confirm_first(logbook) for logbook in logbooks)):
        print(line, flush=True)
    for logbook in logbooks:
        await logbook.close()

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
) -> tuple[list[uuid.UUID], list[str]]:
    """(sets confirmed, why each child that died before its kill died)."""
    confirmed: list[uuid.UUID] = []
    died: list[str] = []
    for _ in range(trials):
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CONFIRMER,
            database_url,
            str(journal),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=REPO,
        )
        assert child.stdout is not None and child.stderr is not None
        kill_at = time.monotonic() + rng.uniform(0.5, 3.0)  # includes start-up: kills land anywhere
        while time.monotonic() < kill_at:
            try:
                line = await asyncio.wait_for(
                    child.stdout.readline(), max(0.01, kill_at - time.monotonic())
                )
            except TimeoutError:
                break
            if not line:  # end of file: the child died by itself, before its kill
                code = await child.wait()
                tail = (await child.stderr.read()).decode(errors="replace").strip()
                died.append(f"exit code {code}: {tail.splitlines()[-1] if tail else ''}")
                break
            if line.startswith(b"Logged "):
                confirmed.append(uuid.UUID(line.split()[1].decode()))
        if child.returncode is None:
            child.send_signal(signal.SIGKILL)
            await child.wait()
        for line in (await child.stdout.read()).splitlines():  # printed before it died
            if line.startswith(b"Logged "):
                confirmed.append(uuid.UUID(line.split()[1].decode()))
    return confirmed, died


async def load_trial(
    database_url: str, journal: Path, processes: int, sessions: int, hogs: int
) -> tuple[list[uuid.UUID], list[str]]:
    """`processes` worker processes with `sessions` sessions each confirm bursts of sets on one
    journal while `hogs` processes keep the CPUs busy: (sets confirmed, refusals and deaths)."""
    confirmed: list[uuid.UUID] = []
    problems: list[str] = []
    async with cpu_hogs(hogs):
        children = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                LOAD_CONFIRMER,
                database_url,
                str(journal),
                str(sessions),
                "5",  # bursts
                "20",  # sets a burst
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=REPO,
            )
            for _ in range(processes)
        ]
        for child in children:
            out, err = await asyncio.wait_for(child.communicate(), 600)
            lines = out.decode().splitlines()
            confirmed += [
                uuid.UUID(line.split()[1]) for line in lines if line.startswith("Logged ")
            ]
            problems += [line for line in lines if line.startswith("Refused ")]
            if child.returncode != 0:
                tail = err.decode(errors="replace").strip().splitlines()
                problems.append(f"exit code {child.returncode}: {tail[-1] if tail else ''}")
    return confirmed, problems


async def fresh_start_trials(
    database_url: str, folder: Path, rounds: int, processes: int, logbooks: int, hogs: int
) -> tuple[list[uuid.UUID], list[str]]:
    """(sets confirmed, refusals and deaths) over `rounds` new journals."""
    confirmed: list[uuid.UUID] = []
    problems: list[str] = []
    async with cpu_hogs(hogs):
        for round_number in range(rounds):
            await _fresh_start_round(
                database_url,
                folder / f"fresh-{round_number}.db",
                processes,
                logbooks,
                confirmed,
                problems,
            )
    return confirmed, problems


@contextlib.asynccontextmanager
async def cpu_hogs(count: int) -> AsyncIterator[None]:
    """`count` processes spinning on a CPU each, for as long as the block runs."""
    hogs = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", "while True: pass")
        for _ in range(count)
    ]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            await hog.wait()


async def _fresh_start_round(
    database_url: str,
    journal: Path,
    processes: int,
    logbooks: int,
    confirmed: list[uuid.UUID],
    problems: list[str],
) -> None:
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            FRESH_STARTER,
            database_url,
            str(journal),
            str(logbooks),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=REPO,
        )
        for _ in range(processes)
    ]
    # Imports take a second or more: start them all together once every one is ready.
    for child in children:
        assert child.stdout is not None
        await asyncio.wait_for(child.stdout.readline(), 120)
    for child in children:
        assert child.stdin is not None
        child.stdin.write(b"go\n")
        await child.stdin.drain()
    for child in children:
        out, err = await asyncio.wait_for(child.communicate(), 120)
        lines = out.decode().splitlines()
        confirmed += [uuid.UUID(line.split()[1]) for line in lines if line.startswith("Logged ")]
        problems += [line for line in lines if line.startswith("Refused ")]
        if child.returncode != 0:
            tail = err.decode(errors="replace").strip().splitlines()
            problems.append(f"exit code {child.returncode}: {tail[-1] if tail else ''}")


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
    parser.add_argument("--fresh-rounds", type=int, default=10, help="new journals to start on")
    parser.add_argument("--fresh-processes", type=int, default=4, help="processes per journal")
    parser.add_argument("--fresh-logbooks", type=int, default=4, help="logbooks per process")
    parser.add_argument(
        "--load-processes", type=int, default=3, help="load trial: confirming processes"
    )
    parser.add_argument(
        "--load-sessions", type=int, default=4, help="load trial: sessions per process"
    )
    parser.add_argument(
        "--hogs", type=int, default=os.cpu_count() or 2, help="busy processes in fresh starts"
    )
    args = parser.parse_args()
    if args.database_url is not None:
        return await run_trials(args)
    from bench.postgres_scratch import scratch_database

    async with scratch_database() as url:
        args.database_url = url
        return await run_trials(args)


async def run_trials(args: argparse.Namespace) -> int:
    database = open_database(load_settings(database_url=args.database_url))
    await upgrade(database)
    await seed(database)
    with tempfile.TemporaryDirectory() as folder:
        journal = Path(folder) / "journal.db"
        confirmed, died = await kill_trials(
            args.database_url, journal, args.trials, random.Random(args.seed)
        )
        fresh, fresh_problems = await fresh_start_trials(
            args.database_url,
            Path(folder),
            args.fresh_rounds,
            args.fresh_processes,
            args.fresh_logbooks,
            args.hogs,
        )
        loaded, load_problems = await load_trial(
            args.database_url,
            Path(folder) / "load.db",
            args.load_processes,
            args.load_sessions,
            args.hogs,
        )
        for problem in died + fresh_problems + load_problems:
            print(f"problem: {problem}", file=sys.stderr)
        # Every journal of the trials is drained, then every confirmed set is looked up.
        drained = True
        fresh_journals = [Path(folder) / f"fresh-{n}.db" for n in range(args.fresh_rounds)]
        for path in [journal, *fresh_journals, Path(folder) / "load.db"]:
            restarted = Logbook(database, path)
            drained = await restarted.drain(timeout=120) and drained
            await restarted.close()
        counts = await count_stored(database, confirmed + fresh + loaded)
        result: dict[str, object] = {
            "trials": args.trials,
            "confirmed": len(confirmed),
            "lost": sum(1 for n in counts.values() if n == 0),
            "duplicated": sum(1 for n in counts.values() if n > 1),
            "died_before_kill": len(died),
            "drained_after_restart": drained,
            "fresh_starts": args.fresh_rounds * args.fresh_processes * args.fresh_logbooks,
            "fresh_confirmed": len(fresh),
            "fresh_refused": sum(1 for p in fresh_problems if p.startswith("Refused ")),
            "fresh_died": sum(1 for p in fresh_problems if p.startswith("exit code")),
            "load_sessions": args.load_processes * args.load_sessions,
            "load_confirmed": len(loaded),
            "load_refused": sum(1 for p in load_problems if p.startswith("Refused ")),
            "load_died": sum(1 for p in load_problems if p.startswith("exit code")),
        }
        print(f"kill -9: {args.trials} trials, {len(confirmed)} sets confirmed", file=sys.stderr)
        print(
            f"fresh starts: {result['fresh_starts']} logbooks, {len(fresh)} first sets confirmed",
            file=sys.stderr,
        )
        if make_url(args.database_url).get_backend_name() == "postgresql" and args.outage_s > 0:
            result.update(
                await outage_trial(args.database_url, Path(folder) / "outage.db", args.outage_s)
            )
    await database.dispose()
    print(json.dumps(result))
    bad = (
        result["lost"]
        or result["duplicated"]
        or result["died_before_kill"]
        or result["fresh_refused"]
        or result["fresh_died"]
        or result["load_refused"]
        or result["load_died"]
        or result.get("outage_lost")
        or result.get("outage_duplicated")
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
