"""`fitcoach token`: a LiveKit access token for one user, to join with LiveKit Meet, the
Agents Playground or the `lk` CLI."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import typer

from fitcoach.cli._run import console, run

if TYPE_CHECKING:
    from fitcoach.config import Settings


def token_command(
    user: str = typer.Option(..., "--user", "-u", help="A user id or name."),
    room: str | None = typer.Option(None, "--room", help="The room (default: a new name)."),
    agent_type: str = typer.Option(
        "general", "--agent-type", help="workout, diet, supplement or general."
    ),
    ttl: str = typer.Option("1h", "--ttl", help="How long the token is valid: 90s, 30m, 1h, 2d."),
    as_json: bool = typer.Option(False, "--json", help="Print token, URL and room as JSON."),
) -> None:
    """Mint an access token that binds USER as the participant and dispatches the coach."""

    async def mint(settings: Settings) -> None:
        from fitcoach.agent.instructions import AGENT_TYPES
        from fitcoach.agent.tokens import mint_token, parse_ttl
        from fitcoach.errors import InvalidInput
        from fitcoach.store import open_migrated_database, resolve_user

        if agent_type not in AGENT_TYPES:
            raise InvalidInput(f"--agent-type must be one of {', '.join(AGENT_TYPES)}")
        lifetime = parse_ttl(ttl)
        database = await open_migrated_database(settings)
        try:
            async with database.session() as session:
                found = await resolve_user(session=session, user_ref=user)
        finally:
            await database.dispose()
        minted = mint_token(
            settings,
            user_id=found.id,
            display_name=found.display_name or found.name,
            agent_type=agent_type,
            room=room,
            ttl=lifetime,
        )
        if as_json:
            payload = {
                "token": minted.token,
                "url": minted.url,
                "room": minted.room,
                "identity": minted.identity,
                "expires_in_s": minted.expires_in_s,
            }
            sys.stdout.write(json.dumps(payload) + "\n")
            return
        console.print(f"room: {minted.room}", markup=False)
        console.print(f"identity: {minted.identity} ({found.name})", markup=False)
        if minted.url:
            console.print(f"url: {minted.url}", markup=False)
        console.print(f"token (valid {ttl}):", markup=False)
        sys.stdout.write(minted.token + "\n")

    run(mint)
