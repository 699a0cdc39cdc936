"""A person's own profile: what `fitcoach users add/show/edit` type, checked and stored.

Every value a user types is checked here and refused with one line that says what is
expected; weights are typed in the user's unit and stored in kilograms. A change is
announced to the context cache, so a running session sees it at its next turn.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from fitcoach.coach.context_cache import context_cache_from_settings
from fitcoach.coach.units import parse_body_weight, parse_height, parse_unit, parse_zone
from fitcoach.config import Settings
from fitcoach.errors import InvalidInput, UserNotFound
from fitcoach.store import (
    ExperienceLevel,
    Goal,
    Sex,
    UserSummary,
    WeightUnit,
    open_migrated_database,
    resolve_user,
)
from fitcoach.store.profiles import (
    NewUser,
    ProfileChanges,
    create_user,
    update_user,
    user_summary,
)
from fitcoach.store.users import parse_user_id

if TYPE_CHECKING:
    from fitcoach.store import DatabaseSession

_MAX_NAME = 100
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class ProfileInput:
    """What the user typed; None means "not given" (on edit: "leave as it is")."""

    display_name: str | None = None
    goal: str | None = None
    level: str | None = None
    unit: str | None = None
    timezone: str | None = None
    body_weight: str | None = None
    height: str | None = None
    birth_year: int | None = None
    sex: str | None = None


def _choice(enum: type[E], text: str, what: str) -> E:
    key = "_".join(text.strip().lower().replace("-", " ").split())
    for member in enum:
        if member.value == key:
            return member
    allowed = ", ".join(member.value for member in enum)
    raise InvalidInput(f"{what} must be one of {allowed}, not {text[:30]!r}")


def check_name(text: str, what: str = "name") -> str:
    name = " ".join(text.split())
    if not name:
        raise InvalidInput(f"the {what} is empty")
    if len(name) > _MAX_NAME:
        raise InvalidInput(f"the {what} is longer than {_MAX_NAME} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in name):
        raise InvalidInput(f"the {what} has control characters in it")
    return name


def _birth_year(year: int) -> int:
    this_year = datetime.now(UTC).year
    if not 1900 <= year <= this_year - 5:
        raise InvalidInput(f"birth year must be between 1900 and {this_year - 5}")
    return year


def _checked(given: ProfileInput, unit_for_weight: str) -> ProfileChanges:
    unit = parse_unit(given.unit) if given.unit is not None else None
    weight_unit = unit or unit_for_weight
    if given.timezone is not None:
        parse_zone(given.timezone)
    return ProfileChanges(
        display_name=check_name(given.display_name, "display name")
        if given.display_name is not None
        else None,
        goal=_choice(Goal, given.goal, "goal") if given.goal is not None else None,
        experience_level=_choice(ExperienceLevel, given.level, "level")
        if given.level is not None
        else None,
        preferred_unit=WeightUnit(unit) if unit is not None else None,
        timezone=given.timezone.strip() if given.timezone is not None else None,
        body_weight_kg=parse_body_weight(given.body_weight, weight_unit)
        if given.body_weight is not None
        else None,
        height_cm=parse_height(given.height) if given.height is not None else None,
        birth_year=_birth_year(given.birth_year) if given.birth_year is not None else None,
        sex=_choice(Sex, given.sex, "sex") if given.sex is not None else None,
    )


async def announce_change(settings: Settings, user_id: uuid.UUID, *, origin: str) -> None:
    """Drop the user's cached context everywhere (through Redis when it is configured), so
    a session that is running reloads it before its next answer."""
    cache = context_cache_from_settings(settings)
    try:
        await cache.invalidate(user_id, origin=origin)
    finally:
        await cache.close()


async def add_user(settings: Settings, name: str, given: ProfileInput) -> UserSummary:
    """Create a user with their profile; goal, level, unit and time zone are required."""
    name = check_name(name)
    if parse_user_id(name) is not None:
        raise InvalidInput("a name cannot be a user id (UUID): pick another name")
    missing = [
        option
        for option, value in (
            ("--goal", given.goal),
            ("--level", given.level),
            ("--unit", given.unit),
            ("--tz", given.timezone),
        )
        if value is None
    ]
    if missing:
        raise InvalidInput(f"a new user needs {', '.join(missing)}")
    assert given.unit is not None
    changes = _checked(given, parse_unit(given.unit))
    database = await open_migrated_database(settings)
    try:
        async with database.session() as session:
            await _refuse_taken_name(session, name)
            assert changes.goal and changes.experience_level and changes.preferred_unit
            assert changes.timezone is not None
            return await create_user(
                session=session,
                new_user=NewUser(
                    name=name,
                    display_name=changes.display_name or name,
                    goal=changes.goal,
                    experience_level=changes.experience_level,
                    preferred_unit=changes.preferred_unit,
                    timezone=changes.timezone,
                    body_weight_kg=changes.body_weight_kg,
                    height_cm=changes.height_cm,
                    birth_year=changes.birth_year,
                    sex=changes.sex or Sex.UNSPECIFIED,
                ),
            )
    finally:
        await database.dispose()


async def _refuse_taken_name(session: DatabaseSession, name: str) -> None:
    try:
        existing = await resolve_user(session=session, user_ref=name)
    except UserNotFound:
        return
    # Two users with one name would make `--user NAME` ambiguous for both.
    raise InvalidInput(f"a user named {name[:40]!r} already exists (id {existing.id})")


async def show_user(settings: Settings, user_ref: str) -> UserSummary:
    database = await open_migrated_database(settings)
    try:
        async with database.session() as session:
            user = await resolve_user(session=session, user_ref=user_ref)
            return await user_summary(session=session, user_id=user.id)
    finally:
        await database.dispose()


async def edit_user(
    settings: Settings, user_ref: str, given: ProfileInput, *, new_name: str | None = None
) -> UserSummary:
    """Change what `given` names; everything else stays as it is."""
    database = await open_migrated_database(settings)
    try:
        async with database.session() as session:
            user = await resolve_user(session=session, user_ref=user_ref)
            current = await user_summary(session=session, user_id=user.id)
            current_unit = (
                current.preferences.preferred_unit if current.preferences is not None else "kg"
            )
            changes = _checked(given, current_unit)
            if new_name is not None:
                name = check_name(new_name)
                if parse_user_id(name) is not None:
                    raise InvalidInput("a name cannot be a user id (UUID): pick another name")
                if name.lower() != user.name.lower():
                    await _refuse_taken_name(session, name)
                changes = ProfileChanges(**{**changes.given(), "name": name})
            if not changes.given():
                raise InvalidInput("nothing to change: give at least one option (see --help)")
            summary = await update_user(session=session, user_id=user.id, changes=changes)
    finally:
        await database.dispose()
    await announce_change(settings, summary.user.id, origin="profile-edit")
    return summary
