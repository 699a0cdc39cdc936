"""`fitcoach plan`: your weekly plan, shown, imported from a YAML file, exported to one."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from fitcoach.cli._run import console, run

if TYPE_CHECKING:
    from fitcoach.coach.plans import PlanView
    from fitcoach.config import Settings
    from fitcoach.store.plans import DayPlan

app = typer.Typer(help="Show, import or export your weekly plan.", no_args_is_help=True)

_USER_HELP = "A user id or name (default: the only user there is)."


def _load(weight_kg: float | None, rpe: float | None, unit: str) -> str:
    from fitcoach.coach.units import format_weight

    parts = [format_weight(weight_kg, unit)] if weight_kg else []
    if rpe is not None:
        parts.append(f"RPE {rpe:g}")
    return ", ".join(parts) or "body weight"


def _day_json(plan: DayPlan, unit: str) -> dict[str, Any]:
    from fitcoach.coach.units import weight_number

    session = plan.session
    return {
        "date": plan.day.isoformat(),
        "weekday": plan.day.strftime("%A"),
        "workout": None
        if session is None
        else {
            "name": session.name,
            "notes": session.notes,
            "exercises": [
                {
                    "exercise": lift.exercise,
                    "sets": lift.sets,
                    "reps": lift.reps,
                    "load": weight_number(lift.weight_kg, unit) if lift.weight_kg else None,
                    "unit": unit,
                    "rpe": lift.rpe,
                    "rest_seconds": lift.rest_seconds,
                }
                for lift in session.lifts
            ],
        },
        "meals": [
            {
                "name": meal.name,
                "items": list(meal.items),
                "calories": meal.calories,
                "protein_g": meal.protein_g,
                "carbs_g": meal.carbs_g,
                "fat_g": meal.fat_g,
            }
            for meal in plan.meals
        ],
    }


def _print_day(plan: DayPlan, view: PlanView) -> None:
    from rich.table import Table
    from rich.text import Text

    label = "today" if plan.day == view.today else plan.day.strftime("%A")
    heading = f"{plan.day:%A %Y-%m-%d} ({label})" if label == "today" else f"{plan.day:%A %Y-%m-%d}"
    if plan.session is None:
        console.print(Text(f"{heading}: rest day", style="bold"))
    else:
        table = Table(title=Text(f"{heading}: {plan.session.name}"), title_justify="left")
        for column in ("exercise", "sets x reps", "load", "rest"):
            table.add_column(column, justify="left" if column == "exercise" else "right")
        for lift in plan.session.lifts:
            table.add_row(
                Text(lift.exercise),
                f"{lift.sets} x {lift.reps}",
                _load(lift.weight_kg, lift.rpe, view.unit),
                f"{lift.rest_seconds} s",
            )
        console.print(table)
        if plan.session.notes:
            console.print(Text(plan.session.notes, style="dim"))
    if plan.meals:
        meals = Table(title="meals", title_justify="left")
        for column in ("meal", "items", "kcal", "protein", "carbs", "fat"):
            meals.add_column(column, justify="left" if column in ("meal", "items") else "right")
        for meal in plan.meals:
            meals.add_row(
                Text(meal.name),
                Text(", ".join(meal.items)),
                str(meal.calories),
                f"{meal.protein_g:g} g",
                f"{meal.carbs_g:g} g",
                f"{meal.fat_g:g} g",
            )
        meals.add_row(
            "total",
            "",
            str(sum(m.calories for m in plan.meals)),
            f"{round(sum(m.protein_g for m in plan.meals)):g} g",
            f"{round(sum(m.carbs_g for m in plan.meals)):g} g",
            f"{round(sum(m.fat_g for m in plan.meals)):g} g",
            style="bold",
        )
        console.print(meals)


@app.command("show")
def show_command(
    user: str | None = typer.Option(None, "--user", "-u", help=_USER_HELP),
    day: str | None = typer.Option(None, "--date", help="The day to show (default: today)."),
    week: bool = typer.Option(False, "--week", help="The whole week, Monday to Sunday."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show what is planned today, on a date, or for the week."""

    async def show(settings: Settings) -> None:
        from fitcoach.coach.plans import show_plan
        from fitcoach.coach.units import parse_day

        chosen = parse_day(day) if day is not None else None
        view = await show_plan(settings, user, day=chosen, week=week)
        if as_json:
            payload = {
                "user": view.user.user.name,
                "unit": view.unit,
                "days": [_day_json(plan, view.unit) for plan in view.days],
            }
            sys.stdout.write(json.dumps(payload, indent=2) + "\n")
            return
        for plan in view.days:
            _print_day(plan, view)

    run(show)


@app.command("import")
def import_command(
    path: Path = typer.Argument(..., help="A plan file (YAML); see examples/."),
    user: str | None = typer.Option(None, "--user", "-u", help=_USER_HELP),
) -> None:
    """Replace your weekly workouts and/or meals with the plan in FILE, all or nothing."""

    async def load(settings: Settings) -> None:
        from fitcoach.coach.plans import import_plan

        imported = await import_plan(settings, path, user)
        parts = []
        if "workouts" in imported.replaced:
            parts.append(f"{imported.training_days} training days, {imported.exercises} exercises")
        if "meals" in imported.replaced:
            parts.append(f"meals on {imported.meal_days} days")
        console.print(
            f"imported {path.name} for {imported.user.name}: {'; '.join(parts)}", markup=False
        )

    run(load)


@app.command("export")
def export_command(
    user: str | None = typer.Option(None, "--user", "-u", help=_USER_HELP),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here instead of stdout."),
) -> None:
    """Print your weekly plan as a plan file (YAML) that `plan import` reads back."""

    async def export(settings: Settings) -> None:
        from fitcoach.coach.plans import export_plan
        from fitcoach.errors import InvalidInput

        text = await export_plan(settings, user)
        if out is None:
            sys.stdout.write(text)
            return
        try:
            await asyncio.to_thread(out.write_text, text, encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(
                f"cannot write {out}: {exc.strerror or type(exc).__name__}"
            ) from None
        console.print(f"written to {out}", markup=False)

    run(export)
