"""`fitcoach users`: who is in the database, and your own profile."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import typer

from fitcoach.cli._run import console, fail, run

if TYPE_CHECKING:
    from fitcoach.coach.profiles import ProfileInput
    from fitcoach.config import Settings
    from fitcoach.store import UserSummary

app = typer.Typer(help="List, add, show, edit or delete users.", no_args_is_help=True)

_GOAL_HELP = "lose_fat, build_muscle, strength, endurance or general_fitness."
_LEVEL_HELP = "beginner, intermediate or advanced."
_UNIT_HELP = "kg or lb: how weights are shown to you and what a bare number means."
_TZ_HELP = "Your IANA time zone, e.g. Europe/Berlin: days and times are yours."
_WEIGHT_HELP = "Body weight, in your unit (or with kg / lb after it)."
_HEIGHT_HELP = "Height in cm (or with in after it)."


def _profile_json(summary: UserSummary) -> dict[str, Any]:
    from fitcoach.coach.units import weight_number

    user, profile, prefs = summary.user, summary.profile, summary.preferences
    unit = prefs.preferred_unit.value if prefs else "kg"
    weight = profile.body_weight_kg if profile else None
    return {
        "id": str(user.id),
        "name": user.name,
        "display_name": user.display_name,
        "goal": profile.goal.value if profile else None,
        "experience_level": profile.experience_level.value if profile else None,
        "preferred_unit": prefs.preferred_unit.value if prefs else None,
        "timezone": prefs.timezone if prefs else None,
        "body_weight": weight_number(weight, unit) if weight is not None else None,
        "body_weight_kg": weight,
        "height_cm": profile.height_cm if profile else None,
        "birth_year": profile.birth_year if profile else None,
        "sex": profile.sex.value if profile else None,
        "training_days": prefs.training_days if prefs else [],
    }


def _print_profile(summary: UserSummary, title: str) -> None:
    from rich.table import Table
    from rich.text import Text

    shown = _profile_json(summary)
    unit = shown["preferred_unit"] or "kg"
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    rows = [
        ("name", shown["name"]),
        ("display name", shown["display_name"]),
        ("id", shown["id"]),
        ("goal", shown["goal"]),
        ("level", shown["experience_level"]),
        ("unit", shown["preferred_unit"]),
        ("time zone", shown["timezone"]),
        ("body weight", f"{shown['body_weight']:g} {unit}" if shown["body_weight"] else None),
        ("height", f"{shown['height_cm']:g} cm" if shown["height_cm"] else None),
        ("birth year", shown["birth_year"]),
        ("sex", shown["sex"]),
        ("training days", " ".join(days[d] for d in shown["training_days"]) or None),
    ]
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for field, value in rows:
        table.add_row(field, Text("-" if value is None else str(value)))
    console.print(table)


def _input(
    *,
    display_name: str | None,
    goal: str | None,
    level: str | None,
    unit: str | None,
    tz: str | None,
    body_weight: str | None,
    height: str | None,
    birth_year: int | None,
    sex: str | None,
) -> ProfileInput:
    from fitcoach.coach.profiles import ProfileInput

    return ProfileInput(
        display_name=display_name,
        goal=goal,
        level=level,
        unit=unit,
        timezone=tz,
        body_weight=body_weight,
        height=height,
        birth_year=birth_year,
        sex=sex,
    )


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
            console.print(
                "no users yet: add yourself with `fitcoach users add`, or run `fitcoach seed` "
                "for demo users",
                markup=False,
            )
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


@app.command("add")
def add_command(
    name: str = typer.Argument(..., help="Your name on the command line (`--user NAME`)."),
    goal: str | None = typer.Option(None, "--goal", help=_GOAL_HELP),
    level: str | None = typer.Option(None, "--level", help=_LEVEL_HELP),
    unit: str | None = typer.Option(None, "--unit", help=_UNIT_HELP),
    tz: str | None = typer.Option(None, "--tz", help=_TZ_HELP),
    display_name: str | None = typer.Option(
        None, "--display-name", help="How the coach addresses you (default: the name)."
    ),
    body_weight: str | None = typer.Option(None, "--body-weight", help=_WEIGHT_HELP),
    height: str | None = typer.Option(None, "--height", help=_HEIGHT_HELP),
    birth_year: int | None = typer.Option(None, "--birth-year", help="e.g. 1990."),
    sex: str | None = typer.Option(None, "--sex", help="male, female or unspecified."),
    as_json: bool = typer.Option(False, "--json", help="Print the new profile as JSON."),
) -> None:
    """Add yourself: goal, level, unit and time zone are required, the rest optional."""
    given = _input(
        display_name=display_name,
        goal=goal,
        level=level,
        unit=unit,
        tz=tz,
        body_weight=body_weight,
        height=height,
        birth_year=birth_year,
        sex=sex,
    )

    async def add(settings: Settings) -> None:
        from fitcoach.coach.profiles import add_user

        summary = await add_user(settings, name, given)
        if as_json:
            sys.stdout.write(json.dumps(_profile_json(summary), indent=2) + "\n")
            return
        _print_profile(summary, title=f"added {summary.user.name}")
        console.print(
            "next: give yourself a plan with `fitcoach plan import FILE.yaml --user "
            f"{summary.user.name}` (examples/ has two)",
            markup=False,
        )

    run(add)


@app.command("show")
def show_command(
    user: str = typer.Option(..., "--user", "-u", help="A user id or name."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object."),
) -> None:
    """Show a user's profile and preferences."""

    async def show(settings: Settings) -> None:
        from fitcoach.coach.profiles import show_user

        summary = await show_user(settings, user)
        if as_json:
            sys.stdout.write(json.dumps(_profile_json(summary), indent=2) + "\n")
        else:
            _print_profile(summary, title=summary.user.display_name)

    run(show)


@app.command("edit")
def edit_command(
    user: str = typer.Option(..., "--user", "-u", help="A user id or name."),
    name: str | None = typer.Option(None, "--name", help="A new name."),
    display_name: str | None = typer.Option(None, "--display-name", help="A new display name."),
    goal: str | None = typer.Option(None, "--goal", help=_GOAL_HELP),
    level: str | None = typer.Option(None, "--level", help=_LEVEL_HELP),
    unit: str | None = typer.Option(None, "--unit", help=_UNIT_HELP),
    tz: str | None = typer.Option(None, "--tz", help=_TZ_HELP),
    body_weight: str | None = typer.Option(None, "--body-weight", help=_WEIGHT_HELP),
    height: str | None = typer.Option(None, "--height", help=_HEIGHT_HELP),
    birth_year: int | None = typer.Option(None, "--birth-year", help="e.g. 1990."),
    sex: str | None = typer.Option(None, "--sex", help="male, female or unspecified."),
) -> None:
    """Change some of a user's profile; what is not given stays as it is."""
    given = _input(
        display_name=display_name,
        goal=goal,
        level=level,
        unit=unit,
        tz=tz,
        body_weight=body_weight,
        height=height,
        birth_year=birth_year,
        sex=sex,
    )

    async def edit(settings: Settings) -> None:
        from fitcoach.coach.profiles import edit_user

        summary = await edit_user(settings, user, given, new_name=name)
        _print_profile(summary, title=f"updated {summary.user.name}")

    run(edit)


@app.command("delete")
def delete_command(
    user: str = typer.Option(..., "--user", "-u", help="A user id or name."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask (for scripts)."),
) -> None:
    """Delete a user with their plans and every set they logged. Asks first."""
    if not yes:
        try:
            confirmed = typer.confirm(
                f"Delete {user!r} with their profile, plans and every logged set?",
                default=False,
            )
        except typer.Abort:  # end of input: no answer is a no
            confirmed = False
        if not confirmed:
            raise fail("nothing deleted (pass --yes to delete without being asked)", 1)

    async def delete(settings: Settings) -> None:
        from fitcoach.agent.accounts import delete_user

        deleted = await delete_user(settings, user)
        aside = (
            f"; {deleted.set_aside} sets still waiting in the journal were set aside"
            if deleted.set_aside
            else ""
        )
        console.print(
            f"deleted {deleted.name} and {deleted.logged_sets} logged sets{aside}",
            markup=False,
        )

    run(delete)
