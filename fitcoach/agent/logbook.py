"""The durable logbook: a confirmed set is on local disk before the agent says "Logged", and a
background writer moves it to the main database whenever that database is reachable.

    voice turn --append()--> journal (SQLite file, WAL)  --writer--> workout_logs (main DB)

The journal is a local SQLite file, so a set survives a database outage, SIGTERM and kill -9
of the worker alike: what is in the journal is delivered on the next start. Each set carries
the UUID it was confirmed with and the main database skips ids it already has, so delivering
a set twice (say, a crash between the insert and the journal delete) stores it once. The
voice path only ever touches the journal; the main database is the writer's business.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import shutil
import sqlite3
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from fitcoach.errors import FitcoachError
from fitcoach.stats import percentile
from fitcoach.store import Database, WorkoutSet, insert_workout_sets
from fitcoach.store.refusals import refusal_reason, refused_for_good

logger = logging.getLogger(__name__)

JOURNAL_FILE = "logbook.db"
BATCH_SIZE = 500
# Exponential backoff between failed deliveries: 0.2 s doubling to 30 s, with jitter.
BACKOFF_START_S = 0.2
BACKOFF_MAX_S = 30.0
# The writer also looks for work this often, to pick up sets a crashed process left behind.
IDLE_POLL_S = 1.0
# After this many failed attempts in a row, deliver one set at a time (a bad set is then set
# aside instead of holding up everything behind it; an outage just fails the smaller batch).
SUSPECT_AFTER_FAILURES = 3
BATCH_SIZE_WHEN_SUSPECT = 20

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending_sets (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    exercise TEXT NOT NULL,
    reps INTEGER NOT NULL,
    weight_kg REAL NOT NULL,
    logged_at TEXT NOT NULL,
    session_id TEXT,
    confirmed_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS rejected_sets (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    exercise TEXT NOT NULL,
    reps INTEGER NOT NULL,
    weight_kg REAL NOT NULL,
    logged_at TEXT NOT NULL,
    session_id TEXT,
    rejected_at REAL NOT NULL,
    reason TEXT NOT NULL
);
"""


class JournalUnavailable(FitcoachError):
    """The local journal cannot be written: nothing may be confirmed."""

    exit_code = 3


class JournalFull(JournalUnavailable):
    """The journal holds as much as it may: new sets are refused, none already held is
    dropped, until the main database takes the backlog."""


# A journal bigger than this refuses new sets (FITCOACH_JOURNAL_MAX_MB): a database down for
# days must not fill the disk. At about 250 bytes a set, 256 MB is a million sets.
DEFAULT_JOURNAL_MAX_BYTES = 256 * 1024 * 1024
# And whatever the limit, the journal leaves this much of its disk free.
DISK_RESERVE_BYTES = 64 * 1024 * 1024
# Past this share of its limit the journal warns (and health reports it), before it refuses.
JOURNAL_ALARM_FRACTION = 0.8


@dataclass(frozen=True)
class RejectedSet:
    """A set the main database refused for good, kept with why."""

    id: uuid.UUID
    user_id: uuid.UUID
    exercise: str
    reps: int
    weight_kg: float
    logged_at: datetime
    rejected_at: datetime
    reason: str


@dataclass(frozen=True)
class _Pending:
    workout_set: WorkoutSet
    confirmed_at: float  # wall clock, for the confirmation-to-row latency


# How long a confirmation may wait for the journal before it is refused. SQLite waits this
# long for a lock through its busy handler; preparing a new journal waits as long by retrying.
BUSY_TIMEOUT_S = 10.0
_PREPARE_RETRY_S = (0.005, 0.05)
# One preparation at a time in this process: lanes of several logbooks on one file included.
_preparing = threading.Lock()


def _busy(exc: sqlite3.OperationalError) -> bool:
    # Extended codes (SQLITE_BUSY_RECOVERY, ...) keep the primary code in the low byte.
    return exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def prepare_journal(path: Path, *, within_s: float = BUSY_TIMEOUT_S) -> None:
    """Create the journal file in WAL mode with its tables, from one connection, or check that
    it is so; safe to call from many threads and processes at once.

    Switching a new file to WAL upgrades a read lock to a write lock, and when two connections
    do that together SQLite answers "database is locked" at once instead of waiting out the
    busy timeout (waiting could deadlock). Two lanes, or two processes, opening a new journal
    at the same moment did exactly that, and the first set they confirmed was refused. So the
    switch happens here, before any lane opens, one thread of this process at a time, and a
    busy answer from another process is retried until `within_s` has passed.
    """
    deadline = time.monotonic() + within_s
    with _preparing:
        path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            connection = sqlite3.connect(path, timeout=within_s, isolation_level=None)
            try:
                mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise sqlite3.OperationalError(f"journal mode is {mode}, not WAL")
                connection.executescript(_SCHEMA)
                return
            except sqlite3.OperationalError as exc:
                if not _busy(exc) or time.monotonic() >= deadline:
                    raise
            finally:
                connection.close()
            time.sleep(random.uniform(*_PREPARE_RETRY_S))


class _Lane:
    """One connection to a prepared journal, used only from its own thread, one call at a
    time."""

    def __init__(self, path: Path, name: str, *, checkpoints: bool) -> None:
        self.path = path
        self._checkpoints = checkpoints
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._connection: sqlite3.Connection | None = None

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            # The journal is WAL with its tables once this returns, so this lane's own
            # connection only reads the file's mode: it never takes part in the switch.
            prepare_journal(self.path)
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            # NORMAL in WAL mode: a committed append survives the process being killed.
            connection.execute("PRAGMA synchronous=NORMAL")
            if not self._checkpoints:
                connection.execute("PRAGMA wal_autocheckpoint=0")
            # Every write transaction here begins IMMEDIATE: with two connections writing, a
            # deferred one could find its read snapshot stale when it came to write, and
            # SQLite then fails at once ("database is locked") instead of waiting its turn.
            self._connection = connection
        return self._connection

    async def run(self, fn: Callable[[sqlite3.Connection], object]) -> object:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, lambda: fn(self._open()))
        # OSError: the folder cannot be made; RuntimeError: the journal was closed;
        # UnicodeError: text SQLite cannot store. None of these may turn into "Logged".
        except (sqlite3.Error, OSError, RuntimeError, UnicodeError) as exc:
            raise JournalUnavailable(
                f"cannot write the logbook journal at {self.path}: {exc}"
            ) from exc

    async def close(self) -> None:
        def close(_: sqlite3.Connection) -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

        if self._connection is not None:
            await self.run(close)
        self._executor.shutdown(wait=True)


class Journal:
    """The on-disk queue.

    Confirmations have a connection and a thread of their own, so a set being confirmed
    never waits behind the writer reading or deleting delivered sets (WAL lets them run
    side by side), and they leave the WAL checkpoints to the writer's connection.
    """

    def __init__(self, path: Path, *, max_bytes: int = DEFAULT_JOURNAL_MAX_BYTES) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._confirming = _Lane(path, "logbook-confirm", checkpoints=False)
        self._delivering = _Lane(path, "logbook-deliver", checkpoints=True)
        self._alarmed = False
        self.fill = 0.0  # the share of max_bytes in use, as of the last confirmation

    def _check_room(self, db: sqlite3.Connection, adding: int) -> None:
        """JournalFull when `adding` more sets would take the journal past its limit or the
        disk below its reserve. Runs in the confirming lane, before the insert."""
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        used_pages = (
            db.execute("PRAGMA page_count").fetchone()[0]
            - db.execute("PRAGMA freelist_count").fetchone()[0]
        )
        wal = self.path.with_name(self.path.name + "-wal")
        used = used_pages * page_size + (wal.stat().st_size if wal.exists() else 0)
        self.fill = used / self.max_bytes
        if used + adding * 1024 > self.max_bytes:
            raise JournalFull(
                f"the logbook journal at {self.path} is full ({used // 1_048_576} MB, the "
                "FITCOACH_JOURNAL_MAX_MB limit): the database has not taken sets for a while"
            )
        if shutil.disk_usage(self.path.parent).free < DISK_RESERVE_BYTES + adding * 1024:
            raise JournalFull(
                f"the disk holding the logbook journal at {self.path} has less than "
                f"{DISK_RESERVE_BYTES // 1_048_576} MB free"
            )
        if self.fill >= JOURNAL_ALARM_FRACTION and not self._alarmed:
            self._alarmed = True
            logger.warning(
                "the logbook journal is %.0f%% full (%d MB of %d MB): is the database down?",
                self.fill * 100,
                used // 1_048_576,
                self.max_bytes // 1_048_576,
            )
        elif self.fill < JOURNAL_ALARM_FRACTION / 2:
            self._alarmed = False

    async def append(self, workout_sets: Sequence[WorkoutSet]) -> None:
        """Store `workout_sets` in one transaction: all of them are durable, or none is
        (JournalFull when the journal may hold no more)."""
        now = time.time()
        rows = [
            (
                str(s.id),
                str(s.user_id),
                s.exercise,
                s.reps,
                s.weight_kg,
                s.logged_at.astimezone(UTC).isoformat(),
                str(s.session_id) if s.session_id else None,
                now,
            )
            for s in workout_sets
        ]

        def insert(db: sqlite3.Connection) -> None:
            self._check_room(db, len(rows))
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany(
                    "INSERT OR IGNORE INTO pending_sets (id, user_id, exercise, reps, weight_kg, "
                    "logged_at, session_id, confirmed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )

        await self._confirming.run(insert)

    async def oldest(self, limit: int) -> list[_Pending]:
        rows = await self._delivering.run(
            lambda db: db.execute(
                "SELECT id, user_id, exercise, reps, weight_kg, logged_at, session_id, "
                "confirmed_at FROM pending_sets ORDER BY confirmed_at, id LIMIT ?",
                (limit,),
            ).fetchall()
        )
        assert isinstance(rows, list)
        return [
            _Pending(
                WorkoutSet(
                    id=uuid.UUID(row[0]),
                    user_id=uuid.UUID(row[1]),
                    exercise=row[2],
                    reps=row[3],
                    weight_kg=row[4],
                    logged_at=datetime.fromisoformat(row[5]),
                    session_id=uuid.UUID(row[6]) if row[6] else None,
                ),
                row[7],
            )
            for row in rows
        ]

    async def remove(self, ids: Sequence[uuid.UUID]) -> None:
        keys = [(str(i),) for i in ids]

        def delete(db: sqlite3.Connection) -> None:
            with db:  # one transaction
                db.execute("BEGIN IMMEDIATE")
                db.executemany("DELETE FROM pending_sets WHERE id = ?", keys)

        await self._delivering.run(delete)

    async def reject(self, pending: _Pending, reason: str) -> None:
        s = pending.workout_set

        def move(db: sqlite3.Connection) -> None:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.execute(
                    "INSERT OR REPLACE INTO rejected_sets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        str(s.id),
                        str(s.user_id),
                        s.exercise,
                        s.reps,
                        s.weight_kg,
                        s.logged_at.isoformat(),
                        str(s.session_id) if s.session_id else None,
                        time.time(),
                        reason,
                    ),
                )
                db.execute("DELETE FROM pending_sets WHERE id = ?", (str(s.id),))

        await self._delivering.run(move)

    async def set_aside_user(self, user_id: uuid.UUID, reason: str) -> int:
        """Move every set still waiting for `user_id` to rejected_sets with `reason`, in one
        transaction, so the writer stops retrying them; returns how many were moved."""
        key = str(user_id)

        def move(db: sqlite3.Connection) -> int:
            with db:
                db.execute("BEGIN IMMEDIATE")
                moved = db.execute(
                    "INSERT OR REPLACE INTO rejected_sets (id, user_id, exercise, reps, "
                    "weight_kg, logged_at, session_id, rejected_at, reason) SELECT id, user_id, "
                    "exercise, reps, weight_kg, logged_at, session_id, ?, ? FROM pending_sets "
                    "WHERE user_id = ?",
                    (time.time(), reason, key),
                ).rowcount
                db.execute("DELETE FROM pending_sets WHERE user_id = ?", (key,))
            return int(moved)

        moved = await self._delivering.run(move)
        assert isinstance(moved, int)
        return moved

    async def count(self) -> int:
        """Sets waiting for the main database."""
        value = await self._delivering.run(
            lambda db: db.execute("SELECT count(*) FROM pending_sets").fetchone()[0]
        )
        assert isinstance(value, int)
        return value

    async def rejected(self) -> list[tuple[str, str]]:
        """(set id, reason) of the sets the main database refused for good."""
        return [(str(r.id), r.reason) for r in await self.rejected_sets()]

    async def rejected_sets(self) -> list[RejectedSet]:
        """The sets the main database refused for good, oldest refusal first."""
        rows = await self._delivering.run(
            lambda db: db.execute(
                "SELECT id, user_id, exercise, reps, weight_kg, logged_at, rejected_at, reason "
                "FROM rejected_sets ORDER BY rejected_at, id"
            ).fetchall()
        )
        assert isinstance(rows, list)
        return [
            RejectedSet(
                id=uuid.UUID(row[0]),
                user_id=uuid.UUID(row[1]),
                exercise=row[2],
                reps=row[3],
                weight_kg=row[4],
                logged_at=datetime.fromisoformat(row[5]),
                rejected_at=datetime.fromtimestamp(row[6], UTC),
                reason=row[7],
            )
            for row in rows
        ]

    async def retry_rejected(self, ids: Sequence[uuid.UUID] | None = None) -> int:
        """Queue refused sets for delivery again (all of them when `ids` is None), say after
        their user was restored; returns how many."""
        chosen = _rejected_ids(ids)

        def requeue(db: sqlite3.Connection) -> int:
            with db:
                db.execute("BEGIN IMMEDIATE")
                keys = chosen(db)
                db.executemany(
                    "INSERT OR IGNORE INTO pending_sets (id, user_id, exercise, reps, weight_kg, "
                    "logged_at, session_id, confirmed_at) SELECT id, user_id, exercise, reps, "
                    "weight_kg, logged_at, session_id, ? FROM rejected_sets WHERE id = ?",
                    [(time.time(), key) for key in keys],
                )
                db.executemany("DELETE FROM rejected_sets WHERE id = ?", [(k,) for k in keys])
            return len(keys)

        moved = await self._delivering.run(requeue)
        assert isinstance(moved, int)
        return moved

    async def discard_rejected(self, ids: Sequence[uuid.UUID] | None = None) -> int:
        """Forget refused sets for good (all of them when `ids` is None); returns how many."""
        chosen = _rejected_ids(ids)

        def delete(db: sqlite3.Connection) -> int:
            with db:
                db.execute("BEGIN IMMEDIATE")
                keys = chosen(db)
                db.executemany("DELETE FROM rejected_sets WHERE id = ?", [(k,) for k in keys])
            return len(keys)

        removed = await self._delivering.run(delete)
        assert isinstance(removed, int)
        return removed

    async def close(self) -> None:
        await self._confirming.close()
        await self._delivering.close()


def _rejected_ids(
    ids: Sequence[uuid.UUID] | None,
) -> Callable[[sqlite3.Connection], list[str]]:
    """What to act on, read inside the transaction: `ids` that are in rejected_sets, or all."""

    def read(db: sqlite3.Connection) -> list[str]:
        stored = {row[0] for row in db.execute("SELECT id FROM rejected_sets")}
        wanted = stored if ids is None else {str(i) for i in ids}
        return sorted(stored & wanted)

    return read


@dataclass
class LogbookStats:
    """What an operator watches: backlog, throughput, failures and latency."""

    queue_depth: int
    delivered: int
    failed_attempts: int
    rejected: int
    last_error: str | None
    # Seconds from confirmation to the row committed in the main database (recent sets).
    write_latency_p50_s: float | None
    write_latency_p95_s: float | None
    recent_latencies: list[float] = field(default_factory=list, repr=False)


DeliveredListener = Callable[[list[WorkoutSet]], Awaitable[None] | None]


class Logbook:
    """Confirm sets durably now; write them to the main database in the background."""

    def __init__(
        self,
        database: Database,
        journal_path: Path,
        *,
        max_journal_bytes: int = DEFAULT_JOURNAL_MAX_BYTES,
    ) -> None:
        self._database = database
        self._journal = Journal(journal_path, max_bytes=max_journal_bytes)
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._stopping = False
        self._delivered = 0
        self._failed_attempts = 0
        self._rejected = 0
        self._last_error: str | None = None
        self._latencies: deque[float] = deque(maxlen=1000)
        self._listeners: list[DeliveredListener] = []

    @property
    def journal_path(self) -> Path:
        return self._journal.path

    @property
    def journal(self) -> Journal:
        return self._journal

    @property
    def writing(self) -> bool:
        """Whether the background writer runs (between `start()` and `stop()`)."""
        return self._writer is not None

    def add_delivered_listener(self, listener: DeliveredListener) -> None:
        """Called with each batch once it is in the main database (e.g. to refresh context)."""
        self._listeners.append(listener)

    async def append(self, *workout_sets: WorkoutSet) -> None:
        """Make the sets durable, together; returns once they are on disk (or raises
        JournalUnavailable and none is). Never touches the main database."""
        if workout_sets:
            await self._journal.append(workout_sets)
            self._wake.set()

    def start(self) -> None:
        """Start the background writer (it first delivers anything left from before)."""
        if self._writer is None:
            self._stopping = False
            self._writer = asyncio.get_running_loop().create_task(
                self._write_forever(), name="logbook-writer"
            )

    async def wait_until_delivered(self, *, within_s: float) -> bool:
        """Until the journal is empty (True) or `within_s` passes (False); the writer runs on."""
        deadline = time.monotonic() + within_s
        while await self._journal.count() > 0:
            if time.monotonic() >= deadline:
                return False
            self._wake.set()
            await asyncio.sleep(0.02)
        return True

    async def drain(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        """Deliver everything queued, then stop the writer. True when the journal is empty.

        Sets still queued when the timeout passes (the database is down) stay in the journal
        and are delivered by the next process that starts a logbook on it.
        """
        self.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        while await self._journal.count() > 0:
            if deadline is not None and time.monotonic() >= deadline:
                break
            self._wake.set()
            await asyncio.sleep(0.05)
        empty = await self._journal.count() == 0
        await self.stop()
        return empty

    async def stop(self) -> None:
        """Stop the writer without waiting for the queue (the journal keeps what is left)."""
        self._stopping = True
        self._wake.set()
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            self._writer = None

    async def close(self) -> None:
        await self.stop()
        await self._journal.close()

    async def stats(self) -> LogbookStats:
        latencies = list(self._latencies)
        return LogbookStats(
            queue_depth=await self._journal.count(),
            delivered=self._delivered,
            failed_attempts=self._failed_attempts,
            rejected=self._rejected,
            last_error=self._last_error,
            write_latency_p50_s=percentile(latencies, 50),
            write_latency_p95_s=percentile(latencies, 95),
            recent_latencies=list(self._latencies),
        )

    async def _write_forever(self) -> None:
        backoff = BACKOFF_START_S
        failures = 0
        while not self._stopping:
            try:
                batch = await self._journal.oldest(BATCH_SIZE)
                if not batch:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), IDLE_POLL_S)
                    continue
                if failures >= SUSPECT_AFTER_FAILURES:
                    # The same batch keeps failing: maybe one set the database will never take
                    # (and reports in a way we did not foresee). Find it, one set at a time.
                    await self._deliver_one_by_one(batch[:BATCH_SIZE_WHEN_SUSPECT])
                else:
                    await self._deliver(batch)
                backoff = BACKOFF_START_S
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Keep going whatever happens: the sets are safe in the journal.
                failures += 1
                self._failed_attempts += 1
                self._last_error = (
                    f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
                )
                logger.error(
                    "logbook delivery failed, retrying in %.1f s: %s",
                    backoff,
                    self._last_error,
                    extra={"queue": str(self._journal.path)},
                )
                await asyncio.sleep(backoff * (0.5 + random.random()))
                backoff = min(BACKOFF_MAX_S, backoff * 2)

    async def _deliver(self, batch: list[_Pending]) -> None:
        sets = [pending.workout_set for pending in batch]
        try:
            async with self._database.sessions() as session:
                await insert_workout_sets(session=session, sets=sets)
        except Exception as exc:
            if not refused_for_good(exc):
                raise
            # One bad set (say, its user was deleted) must not hold up the rest: deliver one
            # by one and set aside the ones the database refuses for good.
            await self._deliver_one_by_one(batch)
            return
        await self._done(batch)

    async def _deliver_one_by_one(self, batch: list[_Pending]) -> None:
        delivered = []
        for pending in batch:
            try:
                async with self._database.sessions() as session:
                    await insert_workout_sets(session=session, sets=[pending.workout_set])
                delivered.append(pending)
            except Exception as exc:
                if not refused_for_good(exc):
                    raise
                reason = refusal_reason(exc)
                await self._journal.reject(pending, reason)
                self._rejected += 1
                logger.error(
                    "logbook rejected a set the database refuses: %s",
                    reason,
                    extra={
                        "set_id": str(pending.workout_set.id),
                        "user_id": str(pending.workout_set.user_id),
                    },
                )
        await self._done(delivered)

    async def _done(self, delivered: list[_Pending]) -> None:
        if not delivered:
            return
        await self._journal.remove([pending.workout_set.id for pending in delivered])
        now = time.time()
        self._latencies.extend(max(0.0, now - pending.confirmed_at) for pending in delivered)
        self._delivered += len(delivered)
        sets = [pending.workout_set for pending in delivered]
        for listener in self._listeners:
            try:
                result = listener(sets)
                if result is not None:
                    await result
            except Exception:
                logger.exception("logbook delivery listener failed")


def journal_path_for(data_dir: Path) -> Path:
    return data_dir / JOURNAL_FILE
