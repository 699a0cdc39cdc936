"""Room (or dispatch) metadata: which coach the person asked for, and, when the backend
signed it, which user the room is for.

    {"agent_type": "workout|diet|supplement|general",
     "session_type": "voice", "created_at": "2026-02-02T10:30:00Z",
     "user_id": "<uuid>", "user_claim_expires_at": 1767225600,
     "user_claim_signature": "<hex HMAC-SHA256>"}

Every field is optional: the user normally comes from the participant's token (see
identity.py), and a `user_id` here is believed only with a valid signature. Anything
malformed is refused with a reason that can be logged as it is (the raw metadata is never
echoed in full: it is client-controlled and can be huge).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fitcoach.agent.instructions import AgentType
from fitcoach.errors import FitcoachError

MAX_METADATA_BYTES = 64 * 1024


class InvalidRoomMetadata(FitcoachError):
    """The room's metadata is not something fitcoach can read."""


class RoomMetadata(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    agent_type: AgentType = "general"
    session_type: str | None = Field(default=None, max_length=50)
    created_at: datetime | None = None
    # A user named here is a claim to check, never the identity itself.
    user_id: uuid.UUID | None = None
    user_claim_expires_at: int | None = Field(default=None, ge=0, le=2**40)
    user_claim_signature: str | None = Field(default=None, max_length=128)


def parse_room_metadata(raw: str | None) -> RoomMetadata:
    if raw is None or not raw.strip():
        return RoomMetadata()  # nothing asked for: the general coach
    if len(raw.encode("utf-8", errors="replace")) > MAX_METADATA_BYTES:
        raise InvalidRoomMetadata(f"room metadata is larger than {MAX_METADATA_BYTES} bytes")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        raise InvalidRoomMetadata("room metadata is not valid JSON") from None
    if not isinstance(data, dict):
        raise InvalidRoomMetadata("room metadata must be a JSON object")
    if data.get("agent_type") is None:
        data.pop("agent_type", None)  # null or absent: the general coach
    try:
        return RoomMetadata.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_input=False, include_url=False):
            field = ".".join(str(part) for part in error["loc"]) or "metadata"
            problems.append(f"{field}: {_printable(error['msg'])}")
        raise InvalidRoomMetadata("room metadata rejected (" + "; ".join(problems) + ")") from None


def _printable(text: str) -> str:
    """Validation messages quote the offending character: a newline, an escape sequence or a
    lone surrogate from the metadata must not reach a log line as it is."""
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)
