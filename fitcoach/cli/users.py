"""`fitcoach users`: who is in the database."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import typer

from fitcoach.cli._run import console, run

if TYPE_CHECKING:
    from fitcoach.config import Settings

app = typer.Typer(help="List users.", no_args_is_help=True)


@app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array instead of a table."),
) -> None:
    """List every user with their goal, level, unit and time zone."""
    from rich.table import Table
    from rich.text import Text

    async def show(settings: Settings) -> None:
        from fitcoach import store

        database = await store.open_migrated_database(settings)
        try:
            async with database.session() as session:
                summaries = await store.list_users(session=session)
        finally:
            await database.dispose()
        if as_json:
            payload = [
                {
                    "id": str(s.user.id),
                    "name": s.user.name,
                    "display_name": s.user.display_name,
                    "goal": s.profile.goal if s.profile else None,
                    "experience_level": s.profile.experience_level if s.profile else None,
                    "preferred_unit": s.preferences.preferred_unit if s.preferences else None,
                    "timezone": s.preferences.timezone if s.preferences else None,
                }
                for s in summaries
            ]
            sys.stdout.write(json.dumps(payload, indent=2) + "\n")
            return
        if not summaries:
            console.print("no users yet: run `fitcoach seed`", markup=False)
            return
        table = Table(title=f"{len(summaries)} users")
        for column in ("name", "display name", "id", "goal", "level", "unit", "time zone"):
            # Ids are copied into other commands: never wrap them.
            table.add_column(column, no_wrap=column == "id", overflow="fold")
        for s in summaries:
            profile, prefs = s.profile, s.preferences
            table.add_row(
                Text(s.user.name),
                Text(s.user.display_name),
                str(s.user.id),
                profile.goal if profile else "-",
                profile.experience_level if profile else "-",
                prefs.preferred_unit if prefs else "-",
                Text(prefs.timezone) if prefs else "-",
            )
        console.print(table)

    run(show)
