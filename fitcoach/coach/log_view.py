"""The training log as its owner reads it: their unit, their clock, repeated sets together.

Sets are stored one row each, in kilograms and UTC. A person who trains in pounds in New
York logs "three sets of five at 135" and expects to read back `3 x 5 @ 135 lb` at 18:03,
not three rows of 61.235 kg at 23:03.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fitcoach.coach.units import format_weight, parse_zone, weight_number
from fitcoach.config import Settings
from fitcoach.errors import InvalidInput
from fitcoach.store import Database, LogEntry, open_migrated_database
from fitcoach.store.profiles import DisplayPreferences, display_preferences, resolve_user_or_only
from fitcoach.store.workout_logs import stream_logs

_DEFAULT = DisplayPreferences(unit="kg", timezone="UTC")


def _zone(preferences: DisplayPreferences) -> ZoneInfo:
    try:
        return parse_zone(preferences.timezone)
    except InvalidInput:  # a zone this machine's tz database lacks: UTC, labelled as such
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class SetGroup:
    """Consecutive identical sets of one user: same exercise, reps and weight."""

    user_id: uuid.UUID
    user_name: str
    exercise: str
    reps: int
    weight_kg: float
    count: int
    first_at: datetime
    last_at: datetime
    unit: str
    zone: ZoneInfo

    @property
    def sets_text(self) -> str:
        """'3 x 5 @ 135 lb', '5 @ 100 kg', '3 x 10 @ body weight'."""
        load = format_weight(self.weight_kg, self.unit)
        reps = f"{self.count} x {self.reps}" if self.count > 1 else f"{self.reps}"
        return f"{reps} @ {load}"

    @property
    def local_time(self) -> str:
        return self.last_at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    @property
    def zone_name(self) -> str:
        return self.last_at.astimezone(self.zone).strftime("%Z")

    def takes(self, entry: LogEntry) -> bool:
        return (
            entry.user_id == self.user_id
            and entry.exercise == self.exercise
            and entry.reps == self.reps
            and abs(entry.weight_kg - self.weight_kg) < 1e-6
        )


def group_sets(
    entries: Iterable[LogEntry],
    preferences: Mapping[uuid.UUID, DisplayPreferences],
    groups: list[SetGroup] | None = None,
) -> list[SetGroup]:
    """`entries` in their order, runs of identical sets merged; appends to `groups` (a live
    view's groups so far) when given, so a set that repeats the last one joins it."""
    grouped = list(groups or [])
    for entry in entries:
        if grouped and grouped[-1].takes(entry):
            last = grouped[-1]
            grouped[-1] = replace(
                last,
                count=last.count + 1,
                first_at=min(last.first_at, entry.logged_at),
                last_at=max(last.last_at, entry.logged_at),
            )
            continue
        shown = preferences.get(entry.user_id, _DEFAULT)
        grouped.append(
            SetGroup(
                user_id=entry.user_id,
                user_name=entry.user_name,
                exercise=entry.exercise,
                reps=entry.reps,
                weight_kg=entry.weight_kg,
                count=1,
                first_at=entry.logged_at,
                last_at=entry.logged_at,
                unit=shown.unit,
                zone=_zone(shown),
            )
        )
    return grouped


def entry_json(entry: LogEntry, preferences: DisplayPreferences | None) -> dict[str, Any]:
    """The stored row (kg, UTC) plus the same set in the user's unit and time zone."""
    shown = preferences or _DEFAULT
    return {
        **entry.to_json(),
        "weight": weight_number(entry.weight_kg, shown.unit),
        "unit": shown.unit,
        "logged_at_local": entry.logged_at.astimezone(_zone(shown)).isoformat(),
        "timezone": shown.timezone,
    }


EXPORT_COLUMNS = (
    "logged_at",
    "date",
    "exercise",
    "reps",
    "weight",
    "unit",
    "weight_kg",
    "id",
    "session_id",
)


def export_row(entry: LogEntry, preferences: DisplayPreferences) -> dict[str, Any]:
    """One set for an export: local time with its offset, the user's unit, and the stored
    kilograms next to it, so nothing is lost to rounding."""
    local = entry.logged_at.astimezone(_zone(preferences))
    return {
        "logged_at": local.isoformat(),
        "date": local.date().isoformat(),
        "exercise": entry.exercise,
        "reps": entry.reps,
        "weight": weight_number(entry.weight_kg, preferences.unit),
        "unit": preferences.unit,
        "weight_kg": entry.weight_kg,
        "id": str(entry.id),
        "session_id": str(entry.session_id) if entry.session_id else None,
    }


async def export_log(
    settings: Settings,
    user_ref: str | None,
    *,
    since: datetime | None,
    emit: Callable[[dict[str, Any]], None],
) -> int:
    """Every set of the user, oldest first, handed to `emit` one at a time as it is read
    from the database; returns how many there were."""
    database = await open_migrated_database(settings)
    count = 0
    try:
        async with database.session() as session:
            user = await resolve_user_or_only(session=session, user_ref=user_ref)
            shown = (await display_preferences(session=session, user_ids={user.id}))[user.id]
            async for entry in stream_logs(session=session, user_id=user.id, since=since):
                emit(export_row(entry, shown))
                count += 1
    finally:
        await database.dispose()
    return count


async def preferences_for(
    database: Database, user_ids: set[uuid.UUID] | None
) -> dict[uuid.UUID, DisplayPreferences]:
    """The units and zones of `user_ids` (None: of every user)."""
    async with database.session() as session:
        return await display_preferences(session=session, user_ids=user_ids)
