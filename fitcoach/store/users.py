"""Looking users up by id or name."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from fitcoach.errors import AmbiguousUser, UserNotFound
from fitcoach.store.models import User, UserPreferences, UserProfile

# Longest input echoed back in an error: a hostile 10 kB "name" stays a short line.
_MAX_ECHO = 60


def _echo(text: str) -> str:
    shown = text if len(text) <= _MAX_ECHO else text[:_MAX_ECHO] + "..."
    return repr(shown)


def parse_user_id(text: str) -> uuid.UUID | None:
    """The UUID in `text`, or None when `text` is not a UUID (then it is a name)."""
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        return None


async def resolve_user(*, session: AsyncSession, user_ref: str) -> User:
    """The user whose id is `user_ref`, or whose name matches it (case-insensitively)."""
    user_id = parse_user_id(user_ref)
    if user_id is not None:
        user = await session.get(User, user_id)
        if user is None:
            raise UserNotFound(f"no user with id {user_id}")
        return user
    name = user_ref.strip()
    if not name:
        raise UserNotFound("no user given: pass a user id or name")
    result = await session.execute(
        select(User)
        .where(func.lower(User.name) == name.lower())
        .order_by(col(User.created_at))
        .limit(5)
    )
    matches = result.scalars().all()
    if not matches:
        raise UserNotFound(f"no user named {_echo(name)} (see `fitcoach users list`)")
    if len(matches) > 1:
        ids = ", ".join(str(user.id) for user in matches)
        raise AmbiguousUser(f"more than one user is named {_echo(name)}: use an id ({ids})")
    return matches[0]


@dataclass(frozen=True)
class UserSummary:
    user: User
    profile: UserProfile | None
    preferences: UserPreferences | None


async def list_users(*, session: AsyncSession, limit: int | None = None) -> Sequence[UserSummary]:
    statement = (
        select(User, UserProfile, UserPreferences)
        .outerjoin(UserProfile, col(UserProfile.user_id) == col(User.id))
        .outerjoin(UserPreferences, col(UserPreferences.user_id) == col(User.id))
        .order_by(col(User.name), col(User.id))
    )
    if limit is not None:
        statement = statement.limit(limit)
    result = await session.execute(statement)
    return [UserSummary(user, profile, prefs) for user, profile, prefs in result.all()]
