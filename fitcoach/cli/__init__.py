"""The `fitcoach` command: a thin Typer app over the store, coach, agent and runner layers.

Only typer and rich are imported at module level, so `fitcoach --help` stays instant; each
command imports what it needs when it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from fitcoach import __version__
from fitcoach.cli import ask, db, logs, plan, progress, replay, talk, token, users, worker
from fitcoach.cli._run import console, run

if TYPE_CHECKING:
    from fitcoach.config import Settings

app = typer.Typer(
    name="fitcoach",
    help="A voice fitness coach: talk to it, replay recorded speech, follow your training log.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(logs.app, name="logs")
app.add_typer(plan.app, name="plan")
app.add_typer(worker.app, name="worker")
app.command("ask")(ask.ask_command)
app.command("replay")(replay.replay_command)
app.command("talk")(talk.talk_command)
app.command("progress")(progress.progress_command)
app.command("week")(progress.week_command)
app.command("token")(token.token_command)


def _version(value: bool) -> None:
    if value:
        console.print(f"fitcoach {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """fitcoach: local-first voice fitness coach."""


@app.command("config")
def config_command() -> None:
    """Show the effective settings (secrets are never printed) and where data lives."""
    from rich.table import Table

    async def show(settings: Settings) -> None:
        from fitcoach.config import describe_settings
        from fitcoach.store import describe_url, resolve_database_url

        rows = describe_settings(settings)
        if console.is_terminal:
            table = Table(title="fitcoach settings", show_lines=False)
            table.add_column("variable", style="bold")
            table.add_column("value", overflow="fold")
            for name, value in rows:
                table.add_row(name, value)
            console.print(table)
        else:  # piped: one VARIABLE=value line each, for grep and scripts
            for name, value in rows:
                console.print(f"{name}={value}", markup=False)
        where = describe_url(resolve_database_url(settings))
        origin = "default" if settings.database_url is None else "from DATABASE_URL"
        console.print(f"database: {where} ({origin})", markup=False)

    run(show)


@app.command("seed")
def seed_command(
    synthetic: int = typer.Option(
        0,
        "--users",
        min=0,
        max=100_000,
        help="Also make sure this many synthetic load-test users (loadtest-0001, ...) exist.",
    ),
) -> None:
    """Create the demo users (demo, maria, kenji, sam) with a week of plans. Safe to re-run."""

    async def seed(settings: Settings) -> None:
        from fitcoach.store import open_migrated_database
        from fitcoach.store import seed as seed_users

        database = await open_migrated_database(settings)
        try:
            report = await seed_users(database, synthetic=synthetic)
        finally:
            await database.dispose()
        demo_created = [name for name in report.created if not name.startswith("loadtest-")]
        synthetic_created = len(report.created) - len(demo_created)
        console.print(f"database: {database.description}", markup=False)
        if report.created:
            parts = [", ".join(demo_created)] if demo_created else []
            if synthetic_created:
                parts.append(f"{synthetic_created} synthetic users")
            console.print(f"created: {'; '.join(parts)}", markup=False)
            total = sum(report.rows.values())
            console.print(f"rows written: {total:,}", markup=False)
        if report.existing:
            console.print(f"already present, left as they are: {len(report.existing)} users")

    run(seed)


def main() -> None:
    app()
