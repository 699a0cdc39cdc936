"""`fitcoach ask`: the coaching brain without audio."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import typer

from fitcoach.cli._progress import Loading, loading
from fitcoach.cli._run import console, run

if TYPE_CHECKING:
    from fitcoach.config import Settings


def ask_command(
    question: str = typer.Argument(..., help="The question, in quotes."),
    user: str = typer.Option("demo", "--user", "-u", help="A user id or name."),
    specialist: str | None = typer.Option(
        None,
        "--specialist",
        "-s",
        help="workout, diet, supplement, tracker, scheduler or general (default: routed).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object."),
) -> None:
    """Ask the coach a question and see which specialist answered."""

    async def ask(settings: Settings) -> None:
        with loading("loading the coach...") as spinner:
            await answer(settings, spinner)

    async def answer(settings: Settings, spinner: Loading) -> None:
        from fitcoach import store
        from fitcoach.coach import AgentOrchestrator, ContextLoader, context_cache_from_settings
        from fitcoach.coach.orchestrator import parse_specialist

        parse_specialist(specialist)  # reject a bad name before any loading
        database = await store.open_migrated_database(settings)
        cache = context_cache_from_settings(settings)
        try:
            async with database.session() as session:
                found = await store.resolve_user(session=session, user_ref=user)
            context = await ContextLoader(database, cache).load(found.id)
            orchestrator = AgentOrchestrator.from_settings(context, settings)
            await orchestrator.warm_up()
            response = await orchestrator.route_query(question, specialist, voice_mode=True)
        finally:
            await cache.close()
            await database.dispose()
        spinner.stop()
        if as_json:
            payload = {
                "user": found.name,
                "specialist": response.specialist,
                "answer": response.content,
                "seconds": round(response.seconds, 4),
            }
            sys.stdout.write(json.dumps(payload) + "\n")
        else:
            console.print(f"[bold]{response.specialist}[/bold]: ", end="")
            console.print(response.content, markup=False)

    run(ask)
