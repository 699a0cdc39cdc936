"""The durable logbook against real SQLite and Postgres: nothing confirmed is lost or doubled,
through writer errors, a database outage and kill -9 of the process that confirmed."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlmodel import col

from fitcoach.agent import logbook as logbook_module
from fitcoach.agent.logbook import Logbook
from fitcoach.config import load_settings
from fitcoach.store import Database, WorkoutLog, WorkoutSet, open_database, seed, user_id_for
from tests.child_process import next_line
from tests.tcp_proxy import TcpProxy

HYPOTHESIS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
exercises = st.text(min_size=1, max_size=255).filter(lambda s: s.strip() and "\x00" not in s)


def a_set(user: str = "demo", **values: object) -> WorkoutSet:
    fields: dict[str, object] = {
        "id": uuid.uuid4(),
        "user_id": user_id_for(user),
        "exercise": "squat",
        "reps": 5,
        "weight_kg": 100.0,
        "logged_at": datetime.now(UTC),
    }
    fields.update(values)
    return WorkoutSet(**fields)  # type: ignore[arg-type]


async def stored_counts(database: Database, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    async with database.session() as session:
        rows = await session.execute(
            select(WorkoutLog.id, func.count())
            .where(col(WorkoutLog.id).in_(ids))
            .group_by(col(WorkoutLog.id))
        )
        found = {row[0]: row[1] for row in rows.all()}
    return {i: found.get(i, 0) for i in ids}


@pytest.fixture
async def seeded(database: Database) -> Database:
    await seed(database)
    return database


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logbook_module, "BACKOFF_START_S", 0.01)
    monkeypatch.setattr(logbook_module, "BACKOFF_MAX_S", 0.05)


@HYPOTHESIS
@given(exercise=exercises, reps=st.integers(1, 1000), weight=st.floats(0, 1000))
async def test_property_3_and_4_a_set_is_queued_and_confirmed_without_the_database(
    tmp_path: Path, exercise: str, reps: int, weight: float
) -> None:
    """Feature: livekit-voice-agent, Property 3: Workout logging queues immediately.
    Feature: livekit-voice-agent, Property 4: Workout logging returns immediately.

    Appending needs only the local journal: with the main database unreachable it still
    returns, and the set is queued.
    """
    unreachable = open_database(load_settings(database_url="postgresql://nobody@127.0.0.1:1/none"))
    logbook = Logbook(unreachable, tmp_path / f"{uuid.uuid4().hex}.db")
    workout_set = a_set(exercise=exercise, reps=reps, weight_kg=weight)
    await asyncio.wait_for(logbook.append(workout_set), 5)
    queued = await logbook._journal.oldest(10)
    assert [p.workout_set for p in queued] == [workout_set]
    assert (await logbook.stats()).queue_depth == 1
    await logbook.close()
    await unreachable.dispose()


@HYPOTHESIS
@given(
    batch=st.lists(
        st.tuples(exercises, st.integers(1, 1000), st.floats(0, 1000)), min_size=1, max_size=20
    )
)
async def test_property_5_queued_sets_are_persisted(
    seeded: Database, tmp_path: Path, batch: list
) -> None:  # type: ignore[type-arg]
    """Feature: livekit-voice-agent, Property 5: Queued logs are persisted.

    Every appended set reaches workout_logs, exactly once, with its values intact.
    """
    logbook = Logbook(seeded, tmp_path / f"{uuid.uuid4().hex}.db")
    sets = [a_set(exercise=e, reps=r, weight_kg=w) for e, r, w in batch]
    for workout_set in sets:
        await logbook.append(workout_set)
    assert await logbook.drain(timeout=30)
    counts = await stored_counts(seeded, [s.id for s in sets])
    assert set(counts.values()) == {1}
    async with seeded.session() as session:
        stored = await session.get(WorkoutLog, sets[0].id)
    assert (
        stored is not None and stored.exercise == sets[0].exercise and stored.reps == sets[0].reps
    )
    await logbook.close()


@HYPOTHESIS
@given(
    failures=st.integers(1, 4),
    error=st.sampled_from([ConnectionError, TimeoutError, RuntimeError, OSError]),
)
async def test_property_6_the_writer_logs_errors_and_keeps_going(
    seeded: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fast_backoff: None,
    caplog: pytest.LogCaptureFixture,
    failures: int,
    error: type[Exception],
) -> None:
    """Feature: livekit-voice-agent, Property 6: Log worker handles errors gracefully.

    Whatever the database throws, the writer logs it, backs off and delivers afterwards.
    """
    real_insert = logbook_module.insert_workout_sets
    remaining = [failures]

    async def flaky_insert(**kwargs: object) -> int:
        if remaining[0] > 0:
            remaining[0] -= 1
            raise error("database hiccup")
        return await real_insert(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(logbook_module, "insert_workout_sets", flaky_insert)
    caplog.clear()
    logbook = Logbook(seeded, tmp_path / f"{uuid.uuid4().hex}.db")
    sets = [a_set(), a_set()]
    for workout_set in sets:
        await logbook.append(workout_set)
    assert await logbook.drain(timeout=30)
    stats = await logbook.stats()
    assert stats.failed_attempts == failures and stats.delivered == 2
    assert error.__name__ in (stats.last_error or "")
    failures_logged = [
        r
        for r in caplog.records
        if r.levelno == logging.ERROR and "logbook delivery failed" in r.message
    ]
    assert len(failures_logged) == failures
    assert set((await stored_counts(seeded, [s.id for s in sets])).values()) == {1}
    await logbook.close()


async def test_a_set_the_database_refuses_is_set_aside_and_the_rest_delivered(
    seeded: Database, tmp_path: Path
) -> None:
    logbook = Logbook(seeded, tmp_path / "journal.db")
    orphan = a_set()
    orphan = WorkoutSet(**{**orphan.__dict__, "user_id": uuid.uuid4()})  # no such user
    good = [a_set(), a_set(user="maria")]
    for workout_set in (good[0], orphan, good[1]):
        await logbook.append(workout_set)
    assert await logbook.drain(timeout=30)
    assert set((await stored_counts(seeded, [s.id for s in good])).values()) == {1}
    rejected = await logbook._journal.rejected()
    assert [r[0] for r in rejected] == [str(orphan.id)]
    assert (await logbook.stats()).rejected == 1
    await logbook.close()


async def test_stats_report_depth_and_confirmation_to_row_latency(
    seeded: Database, tmp_path: Path
) -> None:
    logbook = Logbook(seeded, tmp_path / "journal.db")
    for _ in range(5):
        await logbook.append(a_set())
    before = await logbook.stats()
    assert before.queue_depth == 5 and before.delivered == 0 and before.write_latency_p50_s is None
    assert await logbook.drain(timeout=30)
    after = await logbook.stats()
    assert after.queue_depth == 0 and after.delivered == 5
    assert after.write_latency_p50_s is not None and after.write_latency_p95_s is not None
    await logbook.close()


_CONFIRMER = """
import asyncio, sys, uuid
from datetime import UTC, datetime
from pathlib import Path
from fitcoach.agent.logbook import Logbook
from fitcoach.config import load_settings
from fitcoach.store import WorkoutSet, open_database, user_id_for

async def main():
    database = open_database(load_settings(database_url=sys.argv[1]))
    logbook = Logbook(database, Path(sys.argv[2]))
    logbook.start()
    while True:
        workout_set = WorkoutSet(id=uuid.uuid4(), user_id=user_id_for("demo"), exercise="deadlift",
                                 reps=3, weight_kg=150.0, logged_at=datetime.now(UTC))
        await logbook.append(workout_set)
        print(f"Logged {workout_set.id}", flush=True)  # the agent's confirmation
        await asyncio.sleep(0.005)

asyncio.run(main())
"""


async def test_kill_9_loses_no_confirmed_set_and_doubles_none(
    seeded: Database, database_url: str, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.db"
    confirmed: list[uuid.UUID] = []
    for kill in range(4):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _CONFIRMER,
            database_url,
            str(journal),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        wanted = 20 + kill * 15
        while wanted > 0:
            line = await next_line(
                process, within_s=30, waiting_for=f"{wanted} more confirmations (start {kill + 1})"
            )
            if line.startswith(b"Logged "):
                confirmed.append(uuid.UUID(line.split()[1].decode()))
                wanted -= 1
        process.send_signal(signal.SIGKILL)
        await process.wait()
        # Whatever the killed process printed after our last read was confirmed too.
        assert process.stdout is not None
        for line in (await process.stdout.read()).splitlines():
            if line.startswith(b"Logged "):
                confirmed.append(uuid.UUID(line.split()[1].decode()))
    restarted = Logbook(seeded, journal)
    assert await restarted.drain(timeout=60)
    counts = await stored_counts(seeded, confirmed)
    lost = [i for i, n in counts.items() if n == 0]
    doubled = [i for i, n in counts.items() if n > 1]
    assert (len(confirmed), lost, doubled) == (len(set(confirmed)), [], [])
    await restarted.close()


async def test_a_new_journal_confirms_its_first_set_while_its_writer_opens_it(
    tmp_path: Path,
) -> None:
    """Both lanes of a new journal open at once (the writer starts as the first set comes):
    switching the file to WAL from two connections made SQLite refuse one at once ("database
    is locked"), for about one new journal in ten."""
    database = open_database(load_settings(database_url="sqlite://"))
    refused = []
    for attempt in range(100):
        logbook = Logbook(database, tmp_path / f"journal-{attempt}.db")
        outcome = await asyncio.gather(
            logbook.stats(), logbook.append(a_set()), return_exceptions=True
        )
        refused += [repr(o) for o in outcome if isinstance(o, BaseException)]
        await logbook.close()
    await database.dispose()
    assert refused == []


async def test_many_logbooks_starting_at_once_on_one_new_journal_all_confirm(
    tmp_path: Path,
) -> None:
    """As the sessions of a worker's job processes do: each logbook is its own pair of
    connections to the one journal file of the data directory."""
    database = open_database(load_settings(database_url="sqlite://"))
    for attempt in range(30):
        journal = tmp_path / f"shared-{attempt}.db"
        logbooks = [Logbook(database, journal) for _ in range(6)]
        sets = [a_set() for _ in logbooks]
        outcome = await asyncio.gather(
            *(logbook.stats() for logbook in logbooks),
            *(logbook.append(s) for logbook, s in zip(logbooks, sets, strict=True)),
            return_exceptions=True,
        )
        assert [repr(o) for o in outcome if isinstance(o, BaseException)] == []
        assert (await logbooks[0].stats()).queue_depth == len(sets)
        for logbook in logbooks:
            await logbook.close()
    await database.dispose()


async def test_database_outage_mid_stream_delays_rows_not_confirmations(
    postgres_url: str, tmp_path: Path, fast_backoff: None
) -> None:
    from fitcoach.store import upgrade

    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
    database = open_database(load_settings(database_url=through_proxy))
    await upgrade(database)
    await seed(database)
    logbook = Logbook(database, tmp_path / "journal.db")
    logbook.start()
    before = [a_set() for _ in range(5)]
    for workout_set in before:
        await logbook.append(workout_set)
    await proxy.cut()
    during = [a_set() for _ in range(20)]
    for workout_set in during:
        await asyncio.wait_for(logbook.append(workout_set), 5)  # confirmed while the DB is gone
    await asyncio.sleep(0.5)
    assert (await logbook.stats()).queue_depth >= 1
    await proxy.start()
    assert await logbook.drain(timeout=60)
    counts = await stored_counts(database, [s.id for s in before + during])
    assert set(counts.values()) == {1}
    assert (await logbook.stats()).failed_attempts >= 1
    await logbook.close()
    await database.dispose()
    await proxy.cut()


def test_journal_in_an_unwritable_place_refuses_to_confirm(tmp_path: Path) -> None:
    from fitcoach.agent.logbook import JournalUnavailable

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")

    async def attempt() -> None:
        database = open_database(load_settings(database_url="sqlite://"))
        logbook = Logbook(database, blocker / "journal.db")
        try:
            await logbook.append(a_set())
        finally:
            await logbook.close()
            await database.dispose()

    with pytest.raises(JournalUnavailable):
        asyncio.run(attempt())
    assert os.path.isfile(blocker)


async def test_a_closed_logbook_refuses_to_confirm(tmp_path: Path) -> None:
    from fitcoach.agent.logbook import JournalUnavailable

    database = open_database(load_settings(database_url="sqlite://"))
    logbook = Logbook(database, tmp_path / "journal.db")
    await logbook.append(a_set())
    await logbook.close()
    with pytest.raises(JournalUnavailable):
        await logbook.append(a_set())
    await database.dispose()


async def test_sets_confirmed_together_are_stored_together(
    seeded: Database, tmp_path: Path
) -> None:
    logbook = Logbook(seeded, tmp_path / "journal.db")
    three = [a_set(), a_set(), a_set()]
    await logbook.append(*three)
    assert (await logbook.stats()).queue_depth == 3
    assert await logbook.drain(timeout=30)
    assert set((await stored_counts(seeded, [s.id for s in three])).values()) == {1}
    await logbook.close()


async def test_a_value_postgres_cannot_store_is_set_aside_not_retried_forever(
    postgres_url: str, tmp_path: Path, fast_backoff: None
) -> None:
    from fitcoach.store import upgrade

    database = open_database(load_settings(database_url=postgres_url))
    await upgrade(database)
    await seed(database)
    logbook = Logbook(database, tmp_path / "journal.db")
    unstorable = a_set(exercise="squ\x00at")  # Postgres text cannot hold NUL
    good = [a_set(), a_set(user="maria")]
    await logbook.append(good[0], unstorable, good[1])
    assert await logbook.drain(timeout=30)
    assert set((await stored_counts(database, [s.id for s in good])).values()) == {1}
    assert [r[0] for r in await logbook._journal.rejected()] == [str(unstorable.id)]
    await logbook.close()
    await database.dispose()


async def test_a_full_journal_refuses_new_sets_keeps_every_held_one_and_warns_first(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A database down for days must not fill the disk: past its limit the journal refuses to
    confirm (the agent then says it could not save the set), and it warned well before."""
    from fitcoach.agent.logbook import JournalFull

    unreachable = open_database(load_settings(database_url="postgresql://nobody@127.0.0.1:1/none"))
    logbook = Logbook(unreachable, tmp_path / "journal.db", max_journal_bytes=512 * 1024)
    confirmed = []
    with pytest.raises(JournalFull, match="FITCOACH_JOURNAL_MAX_MB"):
        for _ in range(10_000):
            batch = [a_set() for _ in range(10)]
            await logbook.append(*batch)
            confirmed += batch
    assert (await logbook.stats()).queue_depth == len(confirmed) > 100
    warnings = [r.getMessage() for r in caplog.records if "journal is" in r.getMessage()]
    assert len(warnings) == 1 and "% full" in warnings[0]
    await logbook.close()
    await unreachable.dispose()


async def test_logs_rejected_lists_retries_and_discards_refused_sets(
    seeded: Database, database_url: str, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from fitcoach.agent.logbook import journal_path_for
    from fitcoach.cli import app

    data_dir = tmp_path / "data"
    logbook = Logbook(seeded, journal_path_for(data_dir))
    orphans = [WorkoutSet(**{**a_set().__dict__, "user_id": uuid.uuid4()}) for _ in range(3)]
    await logbook.append(*orphans)
    assert await logbook.drain(timeout=30)
    await logbook.close()
    env = {"DATABASE_URL": database_url, "FITCOACH_DATA_DIR": str(data_dir)}

    async def fitcoach(*args: str) -> Any:  # a command runs its own event loop: in a thread
        return await asyncio.to_thread(
            CliRunner().invoke, app, ["logs", "rejected", *args], env=env
        )

    listed = await fitcoach("--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert {row["id"] for row in rows} == {str(s.id) for s in orphans}
    assert all(row["reason"] for row in rows)
    retried = await fitcoach("--retry", str(orphans[0].id))
    assert retried.exit_code == 0 and "1 sets queued" in retried.stdout
    discarded = await fitcoach("--discard-all")
    assert discarded.exit_code == 0 and "2 sets discarded" in discarded.stdout
    assert json.loads((await fitcoach("--json")).stdout) == []
    bad = await fitcoach("--retry", "not-an-id")
    assert bad.exit_code == 2 and "set ids" in bad.stderr
    journal = Logbook(seeded, journal_path_for(data_dir))
    assert (await journal.stats()).queue_depth == 1  # the retried one waits for delivery again
    await journal.close()
