"""`fitcoach logs`: the training log, listed or followed live."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import typer

from fitcoach.cli._run import console, error_console, run

if TYPE_CHECKING:
    from uuid import UUID

    from rich.table import Table

    from fitcoach.coach.log_view import SetGroup
    from fitcoach.config import Settings
    from fitcoach.store import Database, LogEntry
    from fitcoach.store.profiles import DisplayPreferences

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


def _table(groups: list[SetGroup], title: str | None = None) -> Table:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title)
    table.add_column("logged at (local)")
    table.add_column("user")
    table.add_column("exercise", overflow="fold")
    table.add_column("sets", justify="right")
    for group in groups:
        table.add_row(
            f"{group.local_time} {group.zone_name}",
            Text(group.user_name),
            Text(group.exercise),
            group.sets_text,
        )
    return table


def _json_line(entry: LogEntry, preferences: Mapping[UUID, DisplayPreferences]) -> None:
    from fitcoach.coach.log_view import entry_json

    sys.stdout.write(json.dumps(entry_json(entry, preferences.get(entry.user_id))) + "\n")
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
        from fitcoach.coach.log_view import entry_json, group_sets, preferences_for

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
            shown = await preferences_for(database, {entry.user_id for entry in entries})
        finally:
            await database.dispose()
        if as_json:
            rows = [entry_json(entry, shown.get(entry.user_id)) for entry in entries]
            sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        elif not entries:
            console.print("no sets logged yet", markup=False)
        else:
            groups = group_sets(entries, shown)
            console.print(_table(groups, title=f"{len(entries)} sets, newest first"))

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
            emit = _Emitter(
                as_json=as_json, keep=max(lines, 20), preferences=await _preferences(database)
            )
            emit.start(await follower.start(backlog=lines))
            try:
                async for fresh in follower.follow(interval=interval, on_outage=outage):
                    emit.add(fresh)
            finally:
                emit.stop()
        finally:
            await database.dispose()

    run(follow, ctrl_c_ends_normally=True)


async def _preferences(database: Database) -> dict[UUID, DisplayPreferences]:
    from fitcoach.coach.log_view import preferences_for

    return await preferences_for(database, None)


class _Emitter:
    """JSON lines, a live Rich table on a terminal, or plain lines when piped; each set in
    its user's unit and time zone."""

    def __init__(
        self, *, as_json: bool, keep: int, preferences: dict[UUID, DisplayPreferences]
    ) -> None:
        self._as_json = as_json
        self._keep = keep
        self._preferences = preferences
        self._shown: list[SetGroup] = []
        self._live = None
        if not as_json and console.is_terminal:
            from rich.live import Live

            self._live = Live(console=console, auto_refresh=False)

    def start(self, entries: list[LogEntry]) -> None:
        if self._live is not None:
            self._live.start()
        self.add(entries, force=True)

    def add(self, entries: list[LogEntry], force: bool = False) -> None:
        from fitcoach.coach.log_view import group_sets

        if self._as_json:
            for entry in entries:
                _json_line(entry, self._preferences)
        elif self._live is not None:
            if entries or force:
                # A set that repeats the last one joins its row: "3 x 5 @ 100 kg".
                self._shown = group_sets(entries, self._preferences, self._shown)[-self._keep :]
                self._live.update(
                    _table(self._shown, title="following workout logs (Ctrl-C to stop)")
                )
                self._live.refresh()
        else:
            for group in group_sets(entries, self._preferences):
                console.print(
                    f"{group.local_time} {group.zone_name}  {group.user_name}  "
                    f"{group.exercise}  {group.sets_text}",
                    markup=False,
                    soft_wrap=True,
                )

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()


class _ReaderGone(Exception):
    """stdout's reader has gone; not an OSError, so it is not taken for a database failure."""


@app.command("export")
def export_command(
    user: str | None = typer.Option(
        None, "--user", "-u", help="A user id or name (default: the only user there is)."
    ),
    output_format: str = typer.Option("csv", "--format", "-f", help="csv or json."),
    since: str | None = typer.Option(None, "--since", help="Only sets logged on or after this."),
) -> None:
    """Write a user's whole log to stdout, oldest first, in their unit and time zone."""

    async def export(settings: Settings) -> None:
        import csv

        from fitcoach.coach.log_view import EXPORT_COLUMNS, export_log
        from fitcoach.errors import InvalidInput

        if output_format not in ("csv", "json"):
            raise InvalidInput(f"--format must be csv or json, not {output_format[:20]!r}")
        since_at = parse_since(since) if since is not None else None
        out = sys.stdout
        first = True

        def emit(row: dict[str, object]) -> None:
            nonlocal first
            try:
                if output_format == "csv":
                    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
                    if first:
                        writer.writeheader()
                    writer.writerow(row)
                else:
                    # A JSON array written element by element: valid JSON, never held whole.
                    out.write(("[\n" if first else ",\n") + json.dumps(row))
            except BrokenPipeError:
                raise _ReaderGone from None
            first = False

        try:
            await export_log(settings, user, since=since_at, emit=emit)
            if output_format == "json":
                out.write("[]\n" if first else "\n]\n")
            elif first:
                out.write(",".join(EXPORT_COLUMNS) + "\n")
        except (_ReaderGone, BrokenPipeError):
            # The reader stopped early (`| head`): stop quietly, as other Unix tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    run(export)


@app.command("rejected")
def rejected_command(
    retry: list[str] = typer.Option(
        [], "--retry", help="Queue this set (id) for delivery again; repeat for more."
    ),
    retry_all: bool = typer.Option(False, "--retry-all", help="Queue every refused set again."),
    discard: list[str] = typer.Option(
        [], "--discard", help="Forget this set (id) for good; repeat for more."
    ),
    discard_all: bool = typer.Option(False, "--discard-all", help="Forget every refused set."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """Sets this machine's logbook confirmed but the database refused for good (say, their
    user was deleted), with the reasons; retry or discard them."""

    async def manage(settings: Settings) -> None:
        from fitcoach.agent.logbook import Journal, journal_path_for
        from fitcoach.errors import InvalidInput

        def ids(values: list[str], option: str) -> list[UUID]:
            import uuid

            try:
                return [uuid.UUID(value) for value in values]
            except ValueError:
                raise InvalidInput(
                    f"{option} takes set ids, as `logs rejected` lists them"
                ) from None

        retrying, discarding = ids(retry, "--retry"), ids(discard, "--discard")
        journal = Journal(journal_path_for(settings.data_dir))
        try:
            if retry_all or retrying:
                moved = await journal.retry_rejected(None if retry_all else retrying)
                console.print(f"{moved} sets queued for delivery again", markup=False)
            if discard_all or discarding:
                removed = await journal.discard_rejected(None if discard_all else discarding)
                console.print(f"{removed} sets discarded", markup=False)
            if retry_all or retrying or discard_all or discarding:
                return
            refused = await journal.rejected_sets()
        finally:
            await journal.close()
        if as_json:
            rows = [
                {
                    "id": str(r.id),
                    "user_id": str(r.user_id),
                    "exercise": r.exercise,
                    "reps": r.reps,
                    "weight_kg": r.weight_kg,
                    "logged_at": r.logged_at.isoformat(),
                    "rejected_at": r.rejected_at.isoformat(),
                    "reason": r.reason,
                }
                for r in refused
            ]
            sys.stdout.write(json.dumps(rows, indent=2) + "\n")
            return
        if not refused:
            console.print("no refused sets in this machine's journal", markup=False)
            return
        from rich.table import Table
        from rich.text import Text

        table = Table(title=f"{len(refused)} sets the database refused")
        for column in ("id", "user", "set", "logged at (UTC)", "reason"):
            table.add_column(column, overflow="fold")
        for r in refused:
            table.add_row(
                str(r.id),
                str(r.user_id),
                Text(f"{r.exercise} {r.reps} x {r.weight_kg:g} kg"),
                f"{r.logged_at.astimezone(UTC):%Y-%m-%d %H:%M}",
                Text(r.reason),
            )
        console.print(table)

    run(manage)
