"""Who a session is for: the user the participant's access token proves, never a claim a
client could make.

A backend that has authenticated a person mints their LiveKit token (`fitcoach token` does
it) with the user's id as the participant identity and as the `fitcoach.user_id` attribute.
LiveKit checks the token's signature and expiry when the participant joins, and a
participant cannot change its identity, nor its attributes unless the token allows it; so
those are what the agent trusts. Room and dispatch metadata can be chosen by a client
wherever a token endpoint passes the client's room configuration through, so metadata may
say which coach (agent type) the person wants, and may name a user only when the backend
signed that claim with a secret the agent shares (HMAC-SHA256 over the user, the room and an
expiry). A user id alone is no credential: ids are logged, and the seeded ones are derived
from names.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from fitcoach.errors import FitcoachError

logger = logging.getLogger(__name__)

USER_ATTRIBUTE = "fitcoach.user_id"
_CLAIM_VERSION = "fitcoach-user-claim:v1"


class IdentityRefused(FitcoachError):
    """The room does not prove who the session would be for: the job serves nobody."""


class Participant(Protocol):
    """What the agent reads of a room participant (livekit.rtc.RemoteParticipant)."""

    @property
    def identity(self) -> str: ...
    @property
    def attributes(self) -> dict[str, str]: ...
    @property
    def permissions(self) -> Any: ...


def token_user(participant: Participant) -> uuid.UUID | None:
    """The user the participant's token binds, or None when it binds none.

    The attribute counts only when the participant may not rewrite its own attributes
    (`canUpdateOwnMetadata` is off, as in every token fitcoach mints); an identity counts
    when it is a user id."""
    permissions = participant.permissions
    attribute = (participant.attributes or {}).get(USER_ATTRIBUTE)
    may_rewrite = bool(getattr(permissions, "can_update_metadata", True))
    from_attribute = _as_uuid(attribute) if attribute and not may_rewrite else None
    from_identity = _as_uuid(participant.identity)
    if from_attribute and from_identity and from_attribute != from_identity:
        return None  # a token that says two things proves neither
    return from_attribute or from_identity


def _as_uuid(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(text).strip()) if text else None
    except ValueError:
        return None


@dataclass(frozen=True)
class UserClaim:
    """A backend's signed statement that `room` is for `user_id`, valid until `expires_at`."""

    user_id: uuid.UUID
    room: str
    expires_at: int

    def message(self) -> bytes:
        return f"{_CLAIM_VERSION}|{self.user_id}|{self.room}|{self.expires_at}".encode()

    def signature(self, secret: str) -> str:
        return hmac.new(secret.encode(), self.message(), hashlib.sha256).hexdigest()


def sign_user_claim(user_id: uuid.UUID, room: str, *, secret: str, ttl_s: int) -> dict[str, Any]:
    """Room or dispatch metadata fields that name `user_id` for `room`, signed."""
    claim = UserClaim(user_id, room, int(time.time()) + ttl_s)
    return {
        "user_id": str(user_id),
        "user_claim_expires_at": claim.expires_at,
        "user_claim_signature": claim.signature(secret),
    }


def verified_claim(
    *,
    user_id: uuid.UUID,
    room: str,
    expires_at: int | None,
    signature: str | None,
    secret: str | None,
    now: float | None = None,
) -> UserClaim:
    """The claim when it is signed by `secret` for this room and not expired; IdentityRefused
    with the reason otherwise."""
    if secret is None:
        raise IdentityRefused(
            "room metadata names a user, but no FITCOACH_METADATA_SECRET is set to check "
            "its signature; the user must come from the participant's token"
        )
    if signature is None or expires_at is None:
        raise IdentityRefused("room metadata names a user without a signature")
    claim = UserClaim(user_id, room, expires_at)
    if not hmac.compare_digest(claim.signature(secret), signature):
        raise IdentityRefused("room metadata names a user with a signature that does not match")
    if expires_at < (time.time() if now is None else now):
        raise IdentityRefused("room metadata names a user with an expired signature")
    return claim


async def bound_participant(
    room: Any, *, expected_user: uuid.UUID | None, within_s: float
) -> tuple[str, uuid.UUID]:
    """(identity, user) of the first person in `room` whose token names a user (the signed
    claim's user, when the metadata carried one). Others are logged and not served.
    IdentityRefused when nobody such joins within `within_s` seconds."""
    from livekit import rtc

    loop = asyncio.get_running_loop()
    arrivals: asyncio.Queue[Participant] = asyncio.Queue()
    room.on("participant_connected", arrivals.put_nowait)
    try:
        for present in list(room.remote_participants.values()):
            arrivals.put_nowait(present)
        refused: set[str] = set()
        deadline = loop.time() + within_s
        while (remaining := deadline - loop.time()) > 0:
            try:
                participant = await asyncio.wait_for(arrivals.get(), remaining)
            except TimeoutError:
                break
            if getattr(participant, "kind", None) != rtc.ParticipantKind.PARTICIPANT_KIND_STANDARD:
                continue  # another agent, a recorder, a SIP bridge: not a person to coach
            identity = participant.identity
            user = token_user(participant)
            reason = None
            if user is None:
                reason = "its token names no user"
            elif expected_user is not None and user != expected_user:
                reason = "its token names another user than the room's signed claim"
            if reason is None and user is not None:
                return identity, user
            if identity not in refused:
                refused.add(identity)
                logger.warning("participant %s not served: %s", printable(identity), reason)
    finally:
        room.off("participant_connected", arrivals.put_nowait)
    wanted = "the user the room's signed claim names" if expected_user else "a user"
    raise IdentityRefused(
        f"no participant whose token names {wanted} joined within {within_s:.0f} s"
    )


def printable(text: str, limit: int = 80) -> str:
    """`text` safe for one log line: control and format characters escaped, length capped."""
    shown = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text[:limit])
    return shown + ("..." if len(text) > limit else "")
