"""Creating, changing and deleting a user with their profile and preferences.

Values arrive checked and in storage units (kilograms, centimetres, an IANA zone name); what
a user types is parsed above this layer. A user's plans and logged sets go with them: the
foreign keys cascade on delete.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from fitcoach.errors import UserNotFound
from fitcoach.store.models import (
    ExperienceLevel,
    Goal,
    Sex,
    User,
    UserPreferences,
    UserProfile,
    WeightUnit,
    WorkoutLog,
)
from fitcoach.store.users import UserSummary


@dataclass(frozen=True)
class NewUser:
    name: str
    display_name: str
    goal: Goal
    experience_level: ExperienceLevel
    preferred_unit: WeightUnit
    timezone: str
    body_weight_kg: float | None = None
    height_cm: float | None = None
    birth_year: int | None = None
    sex: Sex = Sex.UNSPECIFIED


@dataclass(frozen=True)
class ProfileChanges:
    """Only the fields that are not None change."""

    name: str | None = None
    display_name: str | None = None
    goal: Goal | None = None
    experience_level: ExperienceLevel | None = None
    preferred_unit: WeightUnit | None = None
    timezone: str | None = None
    body_weight_kg: float | None = None
    height_cm: float | None = None
    birth_year: int | None = None
    sex: Sex | None = None

    def given(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }


_USER_FIELDS = {"name", "display_name"}
_PROFILE_FIELDS = {"goal", "experience_level", "body_weight_kg", "height_cm", "birth_year", "sex"}
_PREFERENCE_FIELDS = {"preferred_unit", "timezone"}


async def create_user(*, session: AsyncSession, new_user: NewUser) -> UserSummary:
    """Insert the user, their profile and their preferences in one transaction."""
    user = User(name=new_user.name, display_name=new_user.display_name)
    session.add(user)
    await session.flush()  # the user row first: the other two refer to it
    profile = UserProfile(
        user_id=user.id,
        goal=new_user.goal,
        experience_level=new_user.experience_level,
        body_weight_kg=new_user.body_weight_kg,
        height_cm=new_user.height_cm,
        birth_year=new_user.birth_year,
        sex=new_user.sex,
    )
    preferences = UserPreferences(
        user_id=user.id,
        preferred_unit=new_user.preferred_unit,
        dietary_preferences=[],
        dietary_restrictions=[],
        training_days=[],
        timezone=new_user.timezone,
    )
    session.add_all([profile, preferences])
    await session.commit()
    return UserSummary(user, profile, preferences)


async def user_summary(*, session: AsyncSession, user_id: uuid.UUID) -> UserSummary:
    row = (
        await session.execute(
            select(User, UserProfile, UserPreferences)
            .outerjoin(UserProfile, col(UserProfile.user_id) == col(User.id))
            .outerjoin(UserPreferences, col(UserPreferences.user_id) == col(User.id))
            .where(col(User.id) == user_id)
        )
    ).first()
    if row is None:
        raise UserNotFound(f"no user with id {user_id}")
    user, profile, preferences = row
    return UserSummary(user, profile, preferences)


async def update_user(
    *, session: AsyncSession, user_id: uuid.UUID, changes: ProfileChanges
) -> UserSummary:
    """Apply `changes` in one transaction. A user made before profiles existed (no profile
    or preferences row) gets one, as long as the changes name what the row requires."""
    current = await user_summary(session=session, user_id=user_id)
    given = changes.given()
    for key in _USER_FIELDS & given.keys():
        setattr(current.user, key, given[key])
    profile, preferences = current.profile, current.preferences
    profile_changes = {k: v for k, v in given.items() if k in _PROFILE_FIELDS}
    if profile is None and profile_changes:
        profile = UserProfile(
            user_id=user_id,
            goal=profile_changes.pop("goal", Goal.GENERAL_FITNESS),
            experience_level=profile_changes.pop("experience_level", ExperienceLevel.BEGINNER),
            sex=profile_changes.pop("sex", Sex.UNSPECIFIED),
        )
        session.add(profile)
    for key, value in profile_changes.items():
        setattr(profile, key, value)
    preference_changes = {k: v for k, v in given.items() if k in _PREFERENCE_FIELDS}
    if preferences is None and preference_changes:
        preferences = UserPreferences(
            user_id=user_id,
            preferred_unit=preference_changes.pop("preferred_unit", WeightUnit.KG),
            dietary_preferences=[],
            dietary_restrictions=[],
            training_days=[],
            timezone=preference_changes.pop("timezone", "UTC"),
        )
        session.add(preferences)
    for key, value in preference_changes.items():
        setattr(preferences, key, value)
    await session.commit()
    return UserSummary(current.user, profile, preferences)


@dataclass(frozen=True)
class DeletedUser:
    id: uuid.UUID
    name: str
    logged_sets: int


async def delete_user(*, session: AsyncSession, user_id: uuid.UUID) -> DeletedUser:
    """Delete the user; their profile, preferences, plans and logged sets go with them."""
    user = await session.get(User, user_id)
    if user is None:
        raise UserNotFound(f"no user with id {user_id}")
    logged = (
        await session.execute(
            select(func.count()).select_from(WorkoutLog).where(col(WorkoutLog.user_id) == user_id)
        )
    ).scalar_one()
    # A bulk DELETE, so the database's ON DELETE CASCADE removes the rest in the same
    # statement rather than the ORM loading every child row first.
    await session.execute(delete(User).where(col(User.id) == user_id))
    await session.commit()
    return DeletedUser(id=user_id, name=user.name, logged_sets=int(logged))


async def resolve_user_or_only(*, session: AsyncSession, user_ref: str | None) -> User:
    """The user `user_ref` names; with no reference, the only user there is (a person who
    keeps just their own profile never has to type their name)."""
    from fitcoach.store.users import resolve_user

    if user_ref is not None:
        return await resolve_user(session=session, user_ref=user_ref)
    users = (await session.execute(select(User).limit(2))).scalars().all()
    if not users:
        raise UserNotFound("no users yet: add yourself with `fitcoach users add`")
    if len(users) > 1:
        raise UserNotFound("there is more than one user: say which with --user")
    return users[0]


@dataclass(frozen=True)
class DisplayPreferences:
    unit: str
    timezone: str


async def display_preferences(
    *, session: AsyncSession, user_ids: set[uuid.UUID] | None
) -> dict[uuid.UUID, DisplayPreferences]:
    """Each user's unit and time zone (kg and UTC for a user without preferences); with
    `user_ids` None, every user's."""
    statement = select(
        col(UserPreferences.user_id),
        col(UserPreferences.preferred_unit),
        col(UserPreferences.timezone),
    )
    if user_ids is not None:
        if not user_ids:
            return {}
        statement = statement.where(col(UserPreferences.user_id).in_(user_ids))
    rows = (await session.execute(statement)).all()
    found = {
        user_id: DisplayPreferences(unit=WeightUnit(unit).value, timezone=zone)
        for user_id, unit, zone in rows
    }
    if user_ids is None:
        return found
    return {user_id: found.get(user_id, DisplayPreferences("kg", "UTC")) for user_id in user_ids}
