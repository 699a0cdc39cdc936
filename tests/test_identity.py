"""Who a job serves: the user the participant's LiveKit token proves, and nobody else.

Tokens are real ones from livekit-api (as `fitcoach token` mints them); the framework's
simulated jobs run the real entrypoint in its mock room, and the harness lets in only the
participants whose tokens LiveKit itself would accept (signature and expiry checked).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from livekit import api
from livekit.agents import AgentSession
from livekit.protocol.models import ParticipantPermission

from fitcoach.agent.identity import (
    USER_ATTRIBUTE,
    IdentityRefused,
    UserClaim,
    sign_user_claim,
    token_user,
    verified_claim,
)
from fitcoach.agent.session_builder import Engines
from fitcoach.config import Settings
from fitcoach.store import user_id_for
from tests.fakes import ScriptedLLM
from tests.test_worker import (
    TEST_KEYS,
    ScriptedSessions,
    job_env,  # noqa: F401  (fixture)
    joined,
    meta,
    run_jobs,
    token_for,
)

DEMO, MARIA = user_id_for("demo"), user_id_for("maria")
SECRET = "shared-with-the-backend-" + "s" * 16


class Person:
    def __init__(self, identity: str, attributes: dict[str, str], may_rewrite: bool) -> None:
        self.identity = identity
        self.attributes = attributes
        self.permissions = ParticipantPermission(can_update_metadata=may_rewrite)


@pytest.mark.parametrize(
    ("person", "user"),
    [
        (Person(str(DEMO), {USER_ATTRIBUTE: str(DEMO)}, False), DEMO),
        (Person(str(DEMO), {}, False), DEMO),
        (Person("alex@example.com", {USER_ATTRIBUTE: str(DEMO)}, False), DEMO),
        # An attribute the participant may rewrite proves nothing.
        (Person("alex@example.com", {USER_ATTRIBUTE: str(DEMO)}, True), None),
        (Person("alex@example.com", {}, False), None),
        (Person(str(DEMO), {USER_ATTRIBUTE: str(MARIA)}, False), None),  # says two things
        (Person("not-a-uuid", {USER_ATTRIBUTE: "also not"}, False), None),
    ],
)
def test_a_token_binds_a_user_by_identity_or_an_attribute_it_cannot_rewrite(
    person: Person, user: uuid.UUID | None
) -> None:
    assert token_user(person) == user


def test_a_signed_claim_holds_only_for_its_room_its_time_and_its_secret() -> None:
    fields = sign_user_claim(DEMO, "gym", secret=SECRET, ttl_s=60)
    good = dict(
        user_id=DEMO,
        room="gym",
        expires_at=fields["user_claim_expires_at"],
        signature=fields["user_claim_signature"],
        secret=SECRET,
    )
    assert verified_claim(**good) == UserClaim(DEMO, "gym", fields["user_claim_expires_at"])  # type: ignore[arg-type]
    for change, reason in [
        ({"room": "another-room"}, "does not match"),
        ({"user_id": MARIA}, "does not match"),
        ({"secret": "another-secret"}, "does not match"),
        ({"signature": None}, "without a signature"),
        ({"secret": None}, "FITCOACH_METADATA_SECRET"),
        ({"now": time.time() + 120}, "expired"),
    ]:
        with pytest.raises(IdentityRefused, match=reason):
            verified_claim(**{**good, **change})  # type: ignore[arg-type]


# -- through the worker ------------------------------------------------------------------------


async def serve(
    caplog: pytest.LogCaptureFixture,
    participants: list[Any],
    metadata: str | None = None,
) -> tuple[ScriptedSessions, list[str]]:
    """Run one simulated job in a room with `participants`; what was built and logged."""
    caplog.set_level(logging.INFO, logger="fitcoach")
    sessions = ScriptedSessions([])
    await run_jobs(
        sessions, [metadata or meta()], leave(sessions, caplog), participants=participants
    )
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("fitcoach")]
    return sessions, messages


def leave(sessions: ScriptedSessions, caplog: pytest.LogCaptureFixture) -> Any:
    """The person leaves once they are served; a refused job ends by itself."""

    async def after() -> None:
        for _ in range(300):
            if sessions.created:
                await sessions.in_job(0, sessions.created[0][0].aclose())
                return
            ended = ("job refused", "session not started")
            if any(r.getMessage().startswith(ended) for r in caplog.records):
                return
            await asyncio.sleep(0.05)

    return after


def served_user(messages: list[str], caplog: pytest.LogCaptureFixture) -> str | None:
    started = [r for r in caplog.records if r.getMessage() == "session started"]
    return getattr(started[0], "user_id", None) if started else None


@pytest.fixture
def short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FITCOACH_PARTICIPANT_TIMEOUT", "1")


async def test_the_participant_the_token_names_is_served(
    job_env: str,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    sessions, messages = await serve(caplog, [joined(token_for("maria"))])
    assert served_user(messages, caplog) == str(MARIA)
    assert len(sessions.created) == 1


class RecordedStart(AgentSession[Any]):
    room_options: Any = None

    async def start(self, *args: Any, **kwargs: Any) -> Any:
        self.room_options = kwargs.get("room_options")
        return await super().start(*args, **kwargs)


class RecordingSessions(ScriptedSessions):
    def __call__(self, settings: Settings, engines: Engines) -> AgentSession[Any]:
        session = RecordedStart(llm=ScriptedLLM([]))
        self.created.append((session, asyncio.get_running_loop(), contextvars.copy_context()))
        return session


async def test_a_second_participant_in_the_room_is_not_heard(
    job_env: str,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="fitcoach")
    sessions = RecordingSessions([])
    people = [joined(token_for("demo")), joined(token_for("maria"))]
    await run_jobs(sessions, [meta()], leave(sessions, caplog), participants=people)
    assert served_user([], caplog) == str(DEMO)
    session = sessions.created[0][0]
    assert isinstance(session, RecordedStart)
    # The room's audio and text are bound to that one identity: the framework's RoomIO then
    # hears nobody else, and relinks that identity alone after a network drop.
    assert session.room_options.participant_identity == str(DEMO)


@pytest.mark.parametrize(
    ("case", "participant", "reason"),
    [
        (
            "a token whose identity is no user",
            lambda: joined(api.AccessToken(**_keys()).with_identity("guest-42").to_jwt()),
            "names no user",
        ),
        (
            "an expired token",
            lambda: joined(
                api.AccessToken(**_keys())
                .with_identity(str(DEMO))
                .with_ttl(timedelta(seconds=-120))
                .with_grants(api.VideoGrants(room_join=True, room="room-0"))
                .to_jwt()
            ),
            "no participant",
        ),
        (
            "a token signed with another secret",
            lambda: joined(token_for("demo", livekit_api_secret="x" * 40)),
            "no participant",
        ),
    ],
)
async def test_a_participant_whose_token_proves_no_user_is_not_served(
    job_env: str,  # noqa: F811
    short_wait: None,
    caplog: pytest.LogCaptureFixture,
    case: str,
    participant: Any,
    reason: str,
) -> None:
    sessions, messages = await serve(caplog, [participant()])
    assert sessions.created == [] and served_user(messages, caplog) is None
    assert not any(m.startswith("agent ready") for m in messages)  # no user's data was read
    refusals = [m for m in messages if m.startswith(("job refused", "participant "))]
    assert refusals and any(reason in m for m in refusals), (case, messages)


async def test_metadata_that_names_a_user_is_refused_unless_the_backend_signed_it(
    job_env: str,  # noqa: F811
    short_wait: None,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    demo_in_the_room = [joined(token_for("demo"))]
    forged = json.dumps({"agent_type": "workout", "user_id": str(MARIA)})
    sessions, messages = await serve(caplog, demo_in_the_room, forged)
    assert sessions.created == [] and any("signature" in m for m in messages)

    monkeypatch.setenv("FITCOACH_METADATA_SECRET", SECRET)
    caplog.clear()
    wrongly_signed = json.dumps(
        {"agent_type": "workout", **sign_user_claim(MARIA, "room-0", secret="x" * 40, ttl_s=60)}
    )
    sessions, messages = await serve(caplog, demo_in_the_room, wrongly_signed)
    assert sessions.created == [] and any("does not match" in m for m in messages)

    caplog.clear()
    # Signed for Maria, but the person in the room is the demo user: not served.
    for_maria = json.dumps(
        {"agent_type": "workout", **sign_user_claim(MARIA, "room-0", secret=SECRET, ttl_s=60)}
    )
    sessions, messages = await serve(caplog, demo_in_the_room, for_maria)
    assert sessions.created == []
    assert any("another user than the room's signed claim" in m for m in messages)

    caplog.clear()
    sessions, messages = await serve(caplog, [joined(token_for("maria"))], for_maria)
    assert served_user(messages, caplog) == str(MARIA)


def _keys() -> dict[str, str]:
    return {
        "api_key": TEST_KEYS["livekit_api_key"],
        "api_secret": TEST_KEYS["livekit_api_secret"],
    }


def test_token_command_binds_the_user_and_dispatches_the_agent(sqlite_url: str) -> None:
    from typer.testing import CliRunner

    from fitcoach.cli import app

    env = {
        "DATABASE_URL": sqlite_url,
        "LIVEKIT_URL": "ws://127.0.0.1:7880",
        "LIVEKIT_API_KEY": TEST_KEYS["livekit_api_key"],
        "LIVEKIT_API_SECRET": TEST_KEYS["livekit_api_secret"],
        "FITCOACH_AGENT_NAME": "coach-eu",
    }
    runner = CliRunner()
    assert runner.invoke(app, ["seed"], env=env).exit_code == 0
    result = runner.invoke(
        app,
        ["token", "--user", "kenji", "--room", "gym-7", "--agent-type", "diet", "--json"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    minted = json.loads(result.stdout)
    claims = api.TokenVerifier(**_keys()).verify(minted["token"])
    kenji = str(user_id_for("kenji"))
    assert claims.identity == kenji and claims.attributes[USER_ATTRIBUTE] == kenji
    assert claims.video.room == "gym-7" and claims.video.can_update_own_metadata is False
    dispatch = claims.room_config.agents[0]
    assert dispatch.agent_name == "coach-eu"
    assert json.loads(dispatch.metadata) == {"agent_type": "diet"}
    assert minted["url"] == "ws://127.0.0.1:7880" and minted["room"] == "gym-7"

    unknown = runner.invoke(app, ["token", "--user", "nobody"], env=env)
    assert unknown.exit_code == 4 and "\n" not in unknown.stderr.strip()
    no_keys = runner.invoke(app, ["token", "--user", "kenji"], env={"DATABASE_URL": sqlite_url})
    assert no_keys.exit_code == 2 and "LIVEKIT_API_KEY" in no_keys.stderr
    for bad in (["--ttl", "forever"], ["--ttl", "0s"], ["--room", "a room/with spaces"]):
        refused = runner.invoke(app, ["token", "--user", "kenji", *bad], env=env)
        assert refused.exit_code == 2, (bad, refused.output)


def test_the_worker_refuses_livekits_public_development_keys() -> None:
    from fitcoach.agent.preflight import check_livekit_settings
    from fitcoach.config import load_settings
    from fitcoach.errors import ConfigError

    dev = {"livekit_url": "ws://127.0.0.1:7880", "livekit_api_key": "devkey"}
    with pytest.raises(ConfigError, match="public development pair"):
        check_livekit_settings(load_settings(**dev, livekit_api_secret="secret"))
    check_livekit_settings(load_settings(**dev, livekit_api_secret="secret", dev_mode=True))


def test_the_worker_registers_for_explicit_dispatch_by_name() -> None:
    from fitcoach.agent.worker import build_server
    from fitcoach.config import load_settings

    named = build_server(load_settings(agent_name="coach-eu"), port=0)
    assert named._agent_name == "coach-eu"
    anywhere = build_server(load_settings(auto_dispatch=True), port=0)
    assert anywhere._agent_name == ""
