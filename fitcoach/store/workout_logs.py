"""Writing and reading `workout_logs`: idempotent inserts, listings, and following new rows."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from fitcoach.errors import DatabaseUnavailable
from fitcoach.store.database import Database
from fitcoach.store.models import User, WorkoutLog


@dataclass(frozen=True)
class WorkoutSet:
    """A confirmed set on its way to the database; `id` was generated when it was confirmed."""

    id: uuid.UUID
    user_id: uuid.UUID
    exercise: str
    reps: int
    weight_kg: float
    logged_at: datetime
    session_id: uuid.UUID | None = None


async def insert_workout_sets(*, session: AsyncSession, sets: Sequence[WorkoutSet]) -> int:
    """Insert `sets`, skipping any whose id is already stored; returns how many were new.

    This is what makes redelivery safe: a set written before a crash and sent again after
    the restart is a no-op.
    """
    if not sets:
        return 0
    rows = [asdict(workout_set) for workout_set in sets]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(WorkoutLog)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(col(WorkoutLog.id))
    )
    result = await session.execute(statement)
    inserted = len(result.all())
    await session.commit()
    return inserted


@dataclass(frozen=True)
class LogEntry:
    """A stored set with its user's name, as listings show it."""

    id: uuid.UUID
    user_id: uuid.UUID
    user_name: str
    exercise: str
    reps: int
    weight_kg: float
    logged_at: datetime
    created_at: datetime
    session_id: uuid.UUID | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "user_id": str(self.user_id),
            "user": self.user_name,
            "exercise": self.exercise,
            "reps": self.reps,
            "weight_kg": self.weight_kg,
            "logged_at": self.logged_at.isoformat(),
            "created_at": self.created_at.isoformat(),
            "session_id": str(self.session_id) if self.session_id else None,
        }


def _entries_query() -> Any:
    return select(WorkoutLog, col(User.name)).join(User, col(User.id) == col(WorkoutLog.user_id))


def _to_entry(log: WorkoutLog, user_name: str) -> LogEntry:
    assert log.created_at is not None
    return LogEntry(
        id=log.id,
        user_id=log.user_id,
        user_name=user_name,
        exercise=log.exercise,
        reps=log.reps,
        weight_kg=log.weight_kg,
        logged_at=log.logged_at,
        created_at=log.created_at,
        session_id=log.session_id,
    )


async def list_logs(
    *,
    session: AsyncSession,
    user_id: uuid.UUID | None = None,
    since: datetime | None = None,
    limit: int = 50,
) -> list[LogEntry]:
    """The newest `limit` sets (by when they were performed), newest first."""
    statement = _entries_query()
    if user_id is not None:
        statement = statement.where(col(WorkoutLog.user_id) == user_id)
    if since is not None:
        statement = statement.where(col(WorkoutLog.logged_at) >= since)
    statement = statement.order_by(col(WorkoutLog.logged_at).desc(), col(WorkoutLog.id)).limit(
        limit
    )
    result = await session.execute(statement)
    return [_to_entry(log, name) for log, name in result.all()]


async def list_session_sets(*, session: AsyncSession, session_id: uuid.UUID) -> list[WorkoutLog]:
    """Every set one voice session logged, in the order it was performed."""
    result = await session.execute(
        select(WorkoutLog)
        .where(col(WorkoutLog.session_id) == session_id)
        .order_by(col(WorkoutLog.logged_at), col(WorkoutLog.id))
    )
    return list(result.scalars().all())


class LogFollower:
    """Yields rows as other processes commit them, like `tail -f`.

    The cursor is `created_at` (indexed), re-read with a look-back window and de-duplicated
    by id: `created_at` comes from the database clock at insert time, and a row can commit
    slightly after a row with a later `created_at` (Postgres' now() is the transaction's
    start; SQLite's CURRENT_TIMESTAMP has one-second resolution), so a strict
    "created_at > last seen" cursor would skip it. Each poll reads only the window.
    """

    def __init__(
        self,
        database: Database,
        *,
        user_id: uuid.UUID | None = None,
        lookback: timedelta = timedelta(seconds=30),
        batch_limit: int = 1000,
    ) -> None:
        self._database = database
        self._user_id = user_id
        self._lookback = lookback
        self._batch_limit = batch_limit
        self._high_water: datetime | None = None
        self._seen: dict[uuid.UUID, datetime] = {}

    def _filtered(self, statement: Any) -> Any:
        if self._user_id is not None:
            statement = statement.where(col(WorkoutLog.user_id) == self._user_id)
        return statement

    async def start(self, backlog: int = 10) -> list[LogEntry]:
        """The last `backlog` rows (oldest first); later polls return only newer ones."""
        async with self._database.session() as session:
            newest = await session.execute(
                self._filtered(select(func.max(col(WorkoutLog.created_at))))
            )
            high_water = newest.scalar_one_or_none()
            if high_water is None:
                # Start from the database's own clock, not ours, so no skew can hide rows.
                high_water = (await session.execute(select(func.now()))).scalar_one()
            floor = _as_utc(high_water) - self._lookback
            # Everything in the look-back window counts as seen, or the first poll would
            # replay it.
            window = await self._read_window(session, floor)
            older: list[LogEntry] = []
            if len(window) < backlog:
                statement = self._filtered(_entries_query()).where(
                    col(WorkoutLog.created_at) < floor
                )
                statement = statement.order_by(
                    col(WorkoutLog.created_at).desc(), col(WorkoutLog.id).desc()
                ).limit(backlog - len(window))
                result = await session.execute(statement)
                older = [_to_entry(log, name) for log, name in reversed(result.all())]
        self._high_water = _as_utc(high_water)
        for entry in window:
            self._remember(entry)
        return (older + window)[-backlog:] if backlog > 0 else []

    def _remember(self, entry: LogEntry) -> None:
        self._seen[entry.id] = entry.created_at
        if self._high_water is None or entry.created_at > self._high_water:
            self._high_water = entry.created_at

    async def _read_window(self, session: AsyncSession, floor: datetime | None) -> list[LogEntry]:
        statement = self._filtered(_entries_query())
        if floor is not None:
            statement = statement.where(col(WorkoutLog.created_at) >= floor)
        statement = statement.order_by(col(WorkoutLog.created_at), col(WorkoutLog.id))
        limit = self._batch_limit
        while True:
            result = await session.execute(statement.limit(limit))
            window = [_to_entry(log, name) for log, name in result.all()]
            # The window is bounded by the look-back, so a full page only means a burst:
            # read it whole rather than page on a (created_at, id) key, whose text form
            # differs between SQLite's server default and bound parameters.
            if len(window) < limit:
                return window
            limit *= 4

    async def poll(self) -> list[LogEntry]:
        """Rows committed since the last poll, oldest first."""
        floor = None if self._high_water is None else self._high_water - self._lookback
        async with self._database.session() as session:
            window = await self._read_window(session, floor)
        fresh = [entry for entry in window if entry.id not in self._seen]
        for entry in fresh:
            self._remember(entry)
        if floor is not None:
            self._seen = {key: at for key, at in self._seen.items() if at >= floor}
        return fresh

    async def follow(
        self,
        *,
        interval: float,
        on_outage: Callable[[DatabaseUnavailable | None], None] = lambda _: None,
    ) -> AsyncIterator[list[LogEntry]]:
        """Poll every `interval` seconds for ever, yielding each poll's new rows. A follower
        outlives a database restart, as `tail -F` outlives a rotated file: `on_outage` hears
        the error when the database goes away and None when it is back."""
        outage = False
        while True:
            await asyncio.sleep(interval)
            try:
                fresh = await self.poll()
            except DatabaseUnavailable as exc:
                if not outage:
                    on_outage(exc)
                    outage = True
                await asyncio.sleep(min(5.0, interval * 4))
                continue
            if outage:
                on_outage(None)
                outage = False
            yield fresh


def _as_utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def stream_logs(
    *,
    session: AsyncSession,
    user_id: uuid.UUID,
    since: datetime | None = None,
    chunk: int = 1000,
) -> AsyncIterator[LogEntry]:
    """Every set of a user, oldest first, read in chunks of `chunk` rows: Postgres through a
    server-side cursor, SQLite row by row, so a long log never sits in memory whole."""
    statement = _entries_query().where(col(WorkoutLog.user_id) == user_id)
    if since is not None:
        statement = statement.where(col(WorkoutLog.logged_at) >= since)
    statement = statement.order_by(col(WorkoutLog.logged_at), col(WorkoutLog.id))
    result = await session.stream(statement.execution_options(yield_per=chunk))
    async for log, name in result:
        yield _to_entry(log, name)
