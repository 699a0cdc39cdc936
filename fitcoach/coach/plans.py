"""A user's plan from and to a file, and what is planned on a day or in a week.

An import replaces the weekly template in one transaction and then invalidates the user's
cached context everywhere, so a session that is running reads the new plan at its next turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fitcoach.coach.plan_file import export_yaml, read_plan_file, to_weekly_plan
from fitcoach.coach.profiles import announce_change
from fitcoach.coach.units import parse_zone
from fitcoach.config import Settings
from fitcoach.store import User, UserSummary, open_migrated_database
from fitcoach.store.plans import DayPlan, day_plans, replace_weekly_plan, weekly_plan
from fitcoach.store.profiles import resolve_user_or_only, user_summary


@dataclass(frozen=True)
class ImportedPlan:
    user: User
    training_days: int
    exercises: int
    meal_days: int
    replaced: tuple[str, ...]  # "workouts", "meals"


def _unit(summary: UserSummary) -> str:
    return summary.preferences.preferred_unit.value if summary.preferences else "kg"


def _zone_name(summary: UserSummary) -> str:
    return summary.preferences.timezone if summary.preferences else "UTC"


async def import_plan(settings: Settings, path: Path, user_ref: str | None) -> ImportedPlan:
    plan_file = read_plan_file(path)  # every mistake is found before the database is touched
    database = await open_migrated_database(settings)
    try:
        async with database.session() as session:
            user = await resolve_user_or_only(session=session, user_ref=user_ref)
            summary = await user_summary(session=session, user_id=user.id)
            plan = to_weekly_plan(plan_file, _unit(summary))
            await replace_weekly_plan(session=session, user_id=user.id, plan=plan)
    finally:
        await database.dispose()
    await announce_change(settings, user.id, origin="plan-import")
    return ImportedPlan(
        user=user,
        training_days=len(plan.workouts or {}),
        exercises=sum(len(day.lifts) for day in (plan.workouts or {}).values()),
        meal_days=len(plan.meals or {}),
        replaced=tuple(
            section
            for section, value in (("workouts", plan.workouts), ("meals", plan.meals))
            if value is not None
        ),
    )


async def export_plan(settings: Settings, user_ref: str | None) -> str:
    database = await open_migrated_database(settings)
    try:
        async with database.session() as session:
            user = await resolve_user_or_only(session=session, user_ref=user_ref)
            summary = await user_summary(session=session, user_id=user.id)
            plan = await weekly_plan(session=session, user_id=user.id)
    finally:
        await database.dispose()
    return export_yaml(plan, unit=_unit(summary), name=f"{summary.user.display_name}'s plan")


@dataclass(frozen=True)
class PlanView:
    user: UserSummary
    unit: str
    today: date
    days: list[DayPlan]


def user_today(zone_name: str, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(parse_zone(zone_name)).date()


async def show_plan(
    settings: Settings, user_ref: str | None, *, day: date | None = None, week: bool = False
) -> PlanView:
    """The plan for `day` (default: the user's today), or for the week (Monday to Sunday)
    that holds it."""
    database = await open_migrated_database(settings)
    try:
        async with database.session() as session:
            user = await resolve_user_or_only(session=session, user_ref=user_ref)
            summary = await user_summary(session=session, user_id=user.id)
            today = user_today(_zone_name(summary))
            chosen = day or today
            days = (
                [chosen - timedelta(days=chosen.weekday()) + timedelta(days=i) for i in range(7)]
                if week
                else [chosen]
            )
            plans = await day_plans(session=session, user_id=user.id, days=days)
    finally:
        await database.dispose()
    return PlanView(user=summary, unit=_unit(summary), today=today, days=plans)
