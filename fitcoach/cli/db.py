"""`fitcoach db`: schema migrations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from fitcoach.cli._run import console, run

if TYPE_CHECKING:
    from fitcoach.config import Settings
    from fitcoach.store import Database, SchemaState

app = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)


def _report(database: Database, state: SchemaState) -> None:
    status = "up to date" if state.up_to_date else f"head is {state.head}"
    console.print(
        f"{database.description}: revision {state.current or 'none (empty)'} ({status})",
        markup=False,
    )


async def _with_database(settings: Settings, action: str, revision: str) -> None:
    from fitcoach import store

    database = store.open_database(settings)
    try:
        if action == "current":
            state = await store.schema_state(database)
        elif action == "upgrade":
            state = await store.upgrade(database, revision)
        else:
            state = await store.downgrade(database, revision)
        _report(database, state)
    finally:
        await database.dispose()


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    run(lambda settings: _with_database(settings, "upgrade", revision))


@app.command("current")
def current() -> None:
    """Show the database's schema revision."""
    run(lambda settings: _with_database(settings, "current", "head"))


@app.command("downgrade")
def downgrade(
    revision: str = typer.Argument(..., help="Target revision ('base' removes every table)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Revert migrations down to REVISION. This can delete data."""
    if not yes:
        typer.confirm(
            f"Downgrade the database to {revision}? Data in dropped tables is lost", abort=True
        )
    run(lambda settings: _with_database(settings, "downgrade", revision))
