"""`fitcoach progress` and `fitcoach week`: how your training is going, in your unit."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from fitcoach.cli._run import console, run

if TYPE_CHECKING:
    from fitcoach.coach.progress import ProgressReport, WeekSummary
    from fitcoach.config import Settings

_USER_HELP = "A user id or name (default: the only user there is)."


def _write_html(path: Path, text: str) -> None:
    from fitcoach.errors import InvalidInput

    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror or type(exc).__name__}") from None


def _progress_json(report: ProgressReport) -> dict[str, Any]:
    from fitcoach.coach.units import weight_number

    def point(p: Any) -> dict[str, Any]:
        return {
            "date": p.day.isoformat(),
            "weight": weight_number(p.weight_kg, report.unit),
            "reps": p.reps,
            "estimated_1rm": weight_number(p.estimated_1rm_kg, report.unit),
            "sets": p.sets,
        }

    return {
        "user": report.user.user.name,
        "unit": report.unit,
        "timezone": report.zone.key,
        "weeks": report.weeks,
        "since": report.since.isoformat(),
        "today": report.today.isoformat(),
        "exercises": [
            {
                "exercise": trend.exercise,
                "change": weight_number(trend.change_kg, report.unit),
                "best": point(trend.best),
                "points": [point(p) for p in trend.points],
            }
            for trend in report.trends
        ],
    }


def _chart(report: ProgressReport) -> str:
    import plotext as plt

    from fitcoach.coach.units import weight_number

    plt.clear_figure()
    plt.date_form("Y-m-d")
    for trend in report.trends:
        plt.plot(
            [p.day.isoformat() for p in trend.points],
            [weight_number(p.estimated_1rm_kg, report.unit) for p in trend.points],
            label=trend.exercise,
            marker="braille",
        )
    plt.title(f"estimated one-rep max ({report.unit}), last {report.weeks} weeks")
    plt.plotsize(min(console.width, 100), 18)
    text: str = plt.build()
    # No colour codes in a file or a pipe.
    return text if console.is_terminal else str(plt.uncolorize(text))


def _print_progress(report: ProgressReport) -> None:
    from rich.table import Table
    from rich.text import Text

    from fitcoach.coach.units import format_weight, weight_number

    if not report.trends:
        console.print(f"no sets logged in the last {report.weeks} weeks", markup=False)
        return
    sys.stdout.write(_chart(report) + "\n")
    sys.stdout.flush()
    for trend in report.trends:
        change = weight_number(trend.change_kg, report.unit)
        table = Table(
            title=Text(
                f"{trend.exercise}: estimated 1RM "
                f"{format_weight(trend.first.estimated_1rm_kg, report.unit)} -> "
                f"{format_weight(trend.last.estimated_1rm_kg, report.unit)} "
                f"({change:+g} {report.unit})"
            ),
            title_justify="left",
        )
        for column in ("day", "top set", "est. 1RM", "sets"):
            table.add_column(column, justify="left" if column == "day" else "right")
        for point in list(reversed(trend.points))[:8]:
            table.add_row(
                point.day.strftime("%a %Y-%m-%d"),
                f"{format_weight(point.weight_kg, report.unit)} x {point.reps}",
                format_weight(point.estimated_1rm_kg, report.unit),
                str(point.sets),
            )
        console.print(table)


def progress_command(
    exercise: str | None = typer.Argument(None, help="An exercise (default: your main lifts)."),
    user: str | None = typer.Option(None, "--user", "-u", help=_USER_HELP),
    weeks: int = typer.Option(12, "--weeks", "-w", help="How many weeks back (1 to 520)."),
    as_json: bool = typer.Option(False, "--json", help="Print the numbers as JSON."),
    html_out: Path | None = typer.Option(
        None, "--html", help="Also write a self-contained HTML report with charts here."
    ),
) -> None:
    """Estimated one-rep-max trend and top sets for an exercise, or for your main lifts."""

    async def show(settings: Settings) -> None:
        import asyncio

        from fitcoach.coach.progress import load_progress

        report = await load_progress(settings, user, exercise=exercise, weeks=weeks)
        if html_out is not None:
            from fitcoach.coach.report_html import progress_html

            await asyncio.to_thread(_write_html, html_out, progress_html(report))
        if as_json:
            sys.stdout.write(json.dumps(_progress_json(report), indent=2) + "\n")
            return
        _print_progress(report)
        if html_out is not None:
            console.print(f"report written to {html_out}", markup=False)

    run(show)


def _week_json(week: WeekSummary) -> dict[str, Any]:
    from fitcoach.coach.units import weight_number

    def best(p: Any) -> dict[str, Any]:
        return {
            "date": p.day.isoformat(),
            "weight": weight_number(p.weight_kg, week.unit),
            "reps": p.reps,
            "estimated_1rm": weight_number(p.estimated_1rm_kg, week.unit),
        }

    return {
        "user": week.user.user.name,
        "unit": week.unit,
        "timezone": week.zone.key,
        "monday": week.monday.isoformat(),
        "total_sets": week.total_sets,
        "sets_per_muscle": [
            {"muscle": m.muscle, "done": m.done, "planned": m.planned} for m in week.muscles
        ],
        "records": [
            {"exercise": r.exercise, "set": best(r.set), "previous": best(r.previous)}
            for r in week.records
        ],
        "sessions_done": [day.isoformat() for day in week.sessions_done],
        "sessions_planned": [
            {"date": day.isoformat(), "name": name} for day, name in week.sessions_planned
        ],
    }


def _print_week(week: WeekSummary) -> None:
    from datetime import timedelta

    from rich.table import Table
    from rich.text import Text

    from fitcoach.coach.training import GOOD_WEEKLY_SETS
    from fitcoach.coach.units import format_weight

    sunday = week.monday + timedelta(days=6)
    console.print(
        Text(f"week of {week.monday:%a %Y-%m-%d} to {sunday:%a %Y-%m-%d}", style="bold"),
    )
    console.print(
        f"sessions: {len(week.sessions_done)} done of {len(week.sessions_planned)} planned; "
        f"{week.total_sets} sets",
        markup=False,
    )
    if week.muscles:
        table = Table(title="sets per muscle", title_justify="left")
        for column in ("muscle", "done", "planned", ""):
            table.add_column(column, justify="left" if column == "muscle" else "right")
        for volume in week.muscles:
            target = volume.planned or GOOD_WEEKLY_SETS
            mark = "on target" if volume.done >= target else f"{target - volume.done} to go"
            table.add_row(volume.muscle, str(volume.done), str(volume.planned or "-"), mark)
        console.print(table)
    if week.records:
        records = Table(title="personal records", title_justify="left")
        for column in ("exercise", "day", "set", "est. 1RM", "before"):
            records.add_column(column, justify="left" if column == "exercise" else "right")
        for record in week.records:
            records.add_row(
                Text(record.exercise),
                record.set.day.strftime("%a"),
                f"{format_weight(record.set.weight_kg, week.unit)} x {record.set.reps}",
                format_weight(record.set.estimated_1rm_kg, week.unit),
                format_weight(record.previous.estimated_1rm_kg, week.unit),
            )
        console.print(records)
    else:
        console.print("no personal records this week", markup=False)


def week_command(
    user: str | None = typer.Option(None, "--user", "-u", help=_USER_HELP),
    day: str | None = typer.Option(None, "--date", help="Any day of the week (default: today)."),
    as_json: bool = typer.Option(False, "--json", help="Print the numbers as JSON."),
    html_out: Path | None = typer.Option(None, "--html", help="Also write an HTML report."),
) -> None:
    """A week's summary: sets per muscle against the plan, records, sessions done."""

    async def show(settings: Settings) -> None:
        import asyncio

        from fitcoach.coach.progress import load_week
        from fitcoach.coach.units import parse_day

        chosen = parse_day(day) if day is not None else None
        week = await load_week(settings, user, day=chosen)
        if html_out is not None:
            from fitcoach.coach.report_html import week_html

            await asyncio.to_thread(_write_html, html_out, week_html(week))
        if as_json:
            sys.stdout.write(json.dumps(_week_json(week), indent=2) + "\n")
            return
        _print_week(week)
        if html_out is not None:
            console.print(f"report written to {html_out}", markup=False)

    run(show)
