"""`fitcoach logs`: the training log, listed or followed live."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import typer

from fitcoach.cli._run import console, error_console, run

if TYPE_CHECKING:
    from uuid import UUID

    from rich.table import Table

    from fitcoach.config import Settings
    from fitcoach.store import Database, LogEntry

app = typer.Typer(help="List or follow logged workout sets.", no_args_is_help=True)

_USER_HELP = "A user id or name (see `fitcoach users list`)."


def parse_since(text: str) -> datetime:
    """A date (YYYY-MM-DD, midnight UTC) or ISO date-time; naive times are UTC."""
    from fitcoach.errors import InvalidInput

    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"--since wants a date like 2026-11-01 or 2026-11-01T18:30, not {text[:40]!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _user_id(database: Database, user_ref: str | None) -> UUID | None:
    if user_ref is None:
        return None
    from fitcoach import store

    async with database.session() as session:
        return (await store.resolve_user(session=session, user_ref=user_ref)).id


def _table(entries: list[LogEntry], title: str | None = None) -> Table:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title)
    table.add_column("logged at (UTC)")
    table.add_column("user")
    table.add_column("exercise", overflow="fold")
    table.add_column("reps", justify="right")
    table.add_column("weight", justify="right")
    for entry in entries:
        table.add_row(
            entry.logged_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
            Text(entry.user_name),
            Text(entry.exercise),
            str(entry.reps),
            f"{entry.weight_kg:g} kg" if entry.weight_kg else "body weight",
        )
    return table


def _json_line(entry: LogEntry) -> None:
    sys.stdout.write(json.dumps(entry.to_json()) + "\n")
    sys.stdout.flush()


@app.command("list")
def list_command(
    user: str | None = typer.Option(None, "--user", "-u", help=_USER_HELP),
    since: str | None = typer.Option(
        None, "--since", help="Only sets logged on or after this date."
    ),
    limit: int = typer.Option(50, "--limit", "-n", min=1, max=10_000, help="At most this many."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array instead of a table."),
) -> None:
    """List logged sets, newest first."""

    async def show(settings: Settings) -> None:
        from fitcoach import store

        since_at = parse_since(since) if since is not None else None
        database = await store.open_migrated_database(settings)
        try:
            user_id = await _user_id(database, user)
            async with database.session() as session:
                entries = await store.list_logs(
                    session=session,
                    user_id=user_id,
                    since=since_at,
                    limit=limit,
                )
        finally:
            await database.dispose()
        if as_json:
            sys.stdout.write(json.dumps([entry.to_json() for entry in entries], indent=2) + "\n")
        elif not entries:
            console.print("no sets logged yet", markup=False)
        else:
            console.print(_table(entries, title=f"{len(entries)} sets, newest first"))

    run(show)


@app.command("tail")
def tail_command(
    user: str | None = typer.Option(None, "--user", "-u", help=_USER_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per line."),
    lines: int = typer.Option(10, "--lines", "-n", min=0, max=1000, help="Show this many first."),
    interval: float = typer.Option(
        0.5, "--interval", min=0.05, max=60, help="Seconds between polls."
    ),
) -> None:
    """Follow sets as they are logged (by any process). Ctrl-C to stop."""

    async def follow(settings: Settings) -> None:
        from fitcoach import store

        def outage(problem: Exception | None) -> None:
            if problem is None:
                error_console.print("database reachable again", markup=False)
            else:
                error_console.print(f"warning: {problem}; retrying", markup=False)

        database = await store.open_migrated_database(settings)
        try:
            follower = store.LogFollower(database, user_id=await _user_id(database, user))
            emit = _Emitter(as_json=as_json, keep=max(lines, 20))
            emit.start(await follower.start(backlog=lines))
            try:
                async for fresh in follower.follow(interval=interval, on_outage=outage):
                    emit.add(fresh)
            finally:
                emit.stop()
        finally:
            await database.dispose()

    run(follow, ctrl_c_ends_normally=True)


class _Emitter:
    """JSON lines, a live Rich table on a terminal, or plain lines when piped."""

    def __init__(self, *, as_json: bool, keep: int) -> None:
        self._as_json = as_json
        self._keep = keep
        self._shown: list[LogEntry] = []
        self._live = None
        if not as_json and console.is_terminal:
            from rich.live import Live

            self._live = Live(console=console, auto_refresh=False)

    def start(self, entries: list[LogEntry]) -> None:
        if self._live is not None:
            self._live.start()
        self.add(entries, force=True)

    def add(self, entries: list[LogEntry], force: bool = False) -> None:
        if self._as_json:
            for entry in entries:
                _json_line(entry)
        elif self._live is not None:
            if entries or force:
                self._shown = (self._shown + entries)[-self._keep :]
                self._live.update(
                    _table(self._shown, title="following workout logs (Ctrl-C to stop)")
                )
                self._live.refresh()
        else:
            for entry in entries:
                console.print(
                    f"{entry.logged_at.astimezone(UTC):%Y-%m-%d %H:%M}  {entry.user_name}  "
                    f"{entry.exercise}  {entry.reps} x {entry.weight_kg:g} kg",
                    markup=False,
                    soft_wrap=True,
                )

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
