"""Access tokens that let a person talk to their coach: what a backend mints once it has
authenticated them, and what `fitcoach token` mints for trying it out.

The token's identity and its `fitcoach.user_id` attribute name the user (the worker serves
that participant and nobody else, see identity.py); the participant may not rewrite its own
attributes; the token's room configuration dispatches the agent by name, with the coach the
person asked for as dispatch metadata (and, when a metadata secret is set, the user signed
for that room).
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from fitcoach.agent.identity import USER_ATTRIBUTE, sign_user_claim
from fitcoach.config import Settings
from fitcoach.errors import ConfigError, InvalidInput

MAX_TTL = timedelta(days=30)
_DURATION = re.compile(r"^\s*(\d{1,7})\s*([smhd]?)\s*$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_ROOM_NAME = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


def parse_ttl(text: str) -> timedelta:
    """'90s', '30m', '1h', '2d' or plain seconds; InvalidInput otherwise."""
    match = _DURATION.match(text)
    if match is None:
        raise InvalidInput(f"--ttl {text[:20]!r}: use seconds or a number with s, m, h or d")
    ttl = timedelta(seconds=int(match.group(1)) * _SECONDS[match.group(2)])
    if not timedelta(seconds=1) <= ttl <= MAX_TTL:
        raise InvalidInput("--ttl must be between 1 second and 30 days")
    return ttl


@dataclass(frozen=True)
class MintedToken:
    token: str
    url: str | None
    room: str
    identity: str
    expires_in_s: int


def mint_token(
    settings: Settings,
    *,
    user_id: uuid.UUID,
    display_name: str,
    agent_type: str,
    room: str | None = None,
    ttl: timedelta = timedelta(hours=1),
) -> MintedToken:
    """A LiveKit access token for `user_id` to join `room` (a new room name when None)."""
    from livekit import api

    if settings.livekit_api_key is None or settings.livekit_api_secret is None:
        raise ConfigError("minting a token needs LIVEKIT_API_KEY and LIVEKIT_API_SECRET")
    room = room or f"fitcoach-{secrets.token_hex(6)}"
    if not _ROOM_NAME.match(room):
        raise InvalidInput("--room may hold letters, digits, '.', '_' and '-' (1 to 128)")
    dispatch_metadata: dict[str, object] = {"agent_type": agent_type}
    if settings.metadata_secret is not None:
        dispatch_metadata |= sign_user_claim(
            user_id,
            room,
            secret=settings.metadata_secret.get_secret_value(),
            ttl_s=int(ttl.total_seconds()),
        )
    identity = str(user_id)
    token = (
        api.AccessToken(
            settings.livekit_api_key.get_secret_value(),
            settings.livekit_api_secret.get_secret_value(),
        )
        .with_identity(identity)
        .with_name(display_name[:100])
        .with_attributes({USER_ATTRIBUTE: identity})
        .with_ttl(ttl)
        .with_grants(api.VideoGrants(room_join=True, room=room, can_update_own_metadata=False))
        .with_room_config(
            api.RoomConfiguration(
                agents=[
                    api.RoomAgentDispatch(
                        agent_name=settings.agent_name, metadata=json.dumps(dispatch_metadata)
                    )
                ]
            )
        )
        .to_jwt()
    )
    return MintedToken(token, settings.livekit_url, room, identity, int(ttl.total_seconds()))
