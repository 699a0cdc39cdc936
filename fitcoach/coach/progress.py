"""Progress you can see: estimated one-rep-max trends, records and a week's summary.

The numbers come from the coaching maths (`estimated_1rm`, `weekly_sets_per_muscle`) over
the user's log; days are the user's days (their time zone), weights are stored in kg and
turned into the user's unit only when shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fitcoach.coach.context import HISTORY_DAYS, AgentContext
from fitcoach.coach.exercises import canonical_exercise, muscles_for
from fitcoach.coach.history import DayBest, TrainingHistory
from fitcoach.coach.training import PerformedSet, estimated_1rm, weekly_sets_per_muscle
from fitcoach.coach.units import parse_zone
from fitcoach.config import Settings
from fitcoach.errors import InvalidInput
from fitcoach.store import Database, UserSummary, open_migrated_database
from fitcoach.store.plans import day_plans
from fitcoach.store.profiles import resolve_user_or_only, user_summary
from fitcoach.store.progress import HeaviestSet, heaviest_by_reps, sets_between

MAIN_LIFTS = ("squat", "bench press", "deadlift", "overhead press")
# How far back the voice coach can see a trend (the context holds two weeks in full).
HISTORY_WEEKS = 12
MAX_WEEKS = 520
# A new best must beat the old one by more than rounding.
_RECORD_MARGIN_KG = 0.05


def _e1rm(weight_kg: float, reps: int) -> float:
    # Rounded when shown, in the user's unit: rounding kilograms here would put pounds off.
    return round(estimated_1rm(weight_kg, reps), 3)


def day_bests(sets: Iterable[PerformedSet], zone: ZoneInfo) -> list[DayBest]:
    """Each exercise's best set (by estimated one-rep max) on each of the user's days."""
    by_day: dict[tuple[str, date], list[PerformedSet]] = defaultdict(list)
    for performed in sets:
        if performed.weight_kg > 0:
            by_day[(performed.exercise, performed.logged_at.astimezone(zone).date())].append(
                performed
            )
    bests = []
    for (exercise, day), that_day in by_day.items():
        top = max(that_day, key=lambda s: (estimated_1rm(s.weight_kg, s.reps), s.weight_kg))
        bests.append(
            DayBest(
                exercise=exercise,
                day=day,
                weight_kg=top.weight_kg,
                reps=top.reps,
                estimated_1rm_kg=_e1rm(top.weight_kg, top.reps),
                sets=len(that_day),
            )
        )
    return sorted(bests, key=lambda best: (best.day, best.exercise))


def best_sets(heaviest: Iterable[HeaviestSet], zone: ZoneInfo) -> dict[str, DayBest]:
    """Each exercise's best set ever, from its heaviest weight at every rep count."""
    best: dict[str, DayBest] = {}
    for row in heaviest:
        candidate = DayBest(
            exercise=row.exercise,
            day=row.logged_at.astimezone(zone).date(),
            weight_kg=row.weight_kg,
            reps=row.reps,
            estimated_1rm_kg=_e1rm(row.weight_kg, row.reps),
            sets=1,
        )
        current = best.get(row.exercise)
        if current is None or candidate.estimated_1rm_kg > current.estimated_1rm_kg:
            best[row.exercise] = candidate
    return best


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, zone)


# -- the voice coach's longer view -------------------------------------------------------


async def with_training_history(database: Database, context: AgentContext) -> AgentContext:
    """`context` with the weeks before its two-week window: per-day best sets, and each
    exercise's best before them. The recent window itself stays in `recent_sets`, so sets a
    session adds in memory count without a reload."""
    zone = context.zone
    window = context.today - timedelta(days=HISTORY_DAYS)
    since = window - timedelta(weeks=HISTORY_WEEKS)
    async with database.session() as session:
        older = await sets_between(
            session=session,
            user_id=context.user_id,
            since=_day_start(since, zone),
            until=_day_start(window, zone),
        )
        earliest = await heaviest_by_reps(
            session=session, user_id=context.user_id, before=_day_start(since, zone)
        )
    history = TrainingHistory(
        since=since, days=day_bests(older, zone), earlier_bests=best_sets(earliest, zone)
    )
    return context.model_copy(update={"training_history": history})


@dataclass(frozen=True)
class ExerciseTrend:
    exercise: str
    points: list[DayBest]  # oldest first
    earlier_best: DayBest | None  # the best from before `points` begin

    @property
    def first(self) -> DayBest:
        return self.points[0]

    @property
    def last(self) -> DayBest:
        return self.points[-1]

    @property
    def best(self) -> DayBest:
        candidates = [*self.points, *([self.earlier_best] if self.earlier_best else [])]
        return max(candidates, key=lambda p: (p.estimated_1rm_kg, p.day))

    @property
    def change_kg(self) -> float:
        return round(self.last.estimated_1rm_kg - self.first.estimated_1rm_kg, 1)

    def best_before(self, day: date) -> DayBest | None:
        earlier = [p for p in self.points if p.day < day]
        if self.earlier_best is not None:
            earlier.append(self.earlier_best)
        return max(earlier, key=lambda p: p.estimated_1rm_kg, default=None)


def trend_from_context(context: AgentContext, exercise: str) -> ExerciseTrend | None:
    """The exercise's trend over everything the context holds (history and recent sets)."""
    history = context.training_history
    points = [p for p in (history.days if history else []) if p.exercise == exercise]
    points += [p for p in day_bests(context.recent_sets, context.zone) if p.exercise == exercise]
    earlier = history.earlier_bests.get(exercise) if history else None
    if not points:
        return None
    return ExerciseTrend(exercise=exercise, points=points, earlier_best=earlier)


# -- `fitcoach progress` ---------------------------------------------------------------


@dataclass(frozen=True)
class ProgressReport:
    user: UserSummary
    unit: str
    zone: ZoneInfo
    weeks: int
    since: date
    today: date
    trends: list[ExerciseTrend]


def _unit_and_zone(summary: UserSummary) -> tuple[str, ZoneInfo]:
    prefs = summary.preferences
    unit = prefs.preferred_unit.value if prefs else "kg"
    return unit, parse_zone(prefs.timezone if prefs else "UTC")


def exercise_named(text: str) -> str:
    """The canonical name of `text`, or the text as the log stores unknown movements."""
    name = " ".join(text.split())
    if not name:
        raise InvalidInput("the exercise is empty")
    return canonical_exercise(name) or name.lower()


def _chosen_exercises(exercise: str | None, bests: Sequence[DayBest]) -> list[str]:
    if exercise is not None:
        return [exercise_named(exercise)]
    logged = {best.exercise for best in bests}
    main = [lift for lift in MAIN_LIFTS if lift in logged]
    if main:
        return main
    by_sets: dict[str, int] = defaultdict(int)
    for best in bests:
        by_sets[best.exercise] += best.sets
    return sorted(by_sets, key=lambda name: -by_sets[name])[:4]


async def load_progress(
    settings: Settings, user_ref: str | None, *, exercise: str | None, weeks: int
) -> ProgressReport:
    """The trend of one exercise, or of the main lifts the user does, over `weeks`."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise InvalidInput(f"--weeks must be between 1 and {MAX_WEEKS}")
    database = await open_migrated_database(settings)
    try:
        async with database.session() as session:
            user = await resolve_user_or_only(session=session, user_ref=user_ref)
            summary = await user_summary(session=session, user_id=user.id)
            unit, zone = _unit_and_zone(summary)
            today = datetime.now(UTC).astimezone(zone).date()
            since = today - timedelta(weeks=weeks) + timedelta(days=1)
            start = _day_start(since, zone)
            wanted = [exercise_named(exercise)] if exercise is not None else None
            performed = await sets_between(
                session=session, user_id=user.id, since=start, exercises=wanted
            )
            earlier = best_sets(
                await heaviest_by_reps(session=session, user_id=user.id, before=start), zone
            )
    finally:
        await database.dispose()
    bests = day_bests(performed, zone)
    trends = []
    for name in _chosen_exercises(exercise, bests):
        points = [best for best in bests if best.exercise == name]
        if points:
            trends.append(ExerciseTrend(name, points, earlier.get(name)))
    return ProgressReport(summary, unit, zone, weeks, since, today, trends)


# -- `fitcoach week` -------------------------------------------------------------------


@dataclass(frozen=True)
class MuscleVolume:
    muscle: str
    done: int
    planned: int


@dataclass(frozen=True)
class NewRecord:
    exercise: str
    set: DayBest
    previous: DayBest


@dataclass(frozen=True)
class WeekSummary:
    user: UserSummary
    unit: str
    zone: ZoneInfo
    monday: date
    today: date
    total_sets: int
    muscles: list[MuscleVolume]
    records: list[NewRecord]
    sessions_done: list[date]
    sessions_planned: list[tuple[date, str]]


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def new_records(
    performed: Sequence[PerformedSet], earlier: dict[str, DayBest], zone: ZoneInfo
) -> list[NewRecord]:
    """The week's best set of each exercise that beat every set before it."""
    running = dict(earlier)
    found: dict[str, NewRecord] = {}
    for day_best in day_bests(performed, zone):
        previous = running.get(day_best.exercise)
        if previous is None:
            running[day_best.exercise] = day_best  # a first time sets the bar, beats nothing
            continue
        if day_best.estimated_1rm_kg > previous.estimated_1rm_kg + _RECORD_MARGIN_KG:
            record = found.get(day_best.exercise)
            base = record.previous if record else previous
            found[day_best.exercise] = NewRecord(day_best.exercise, day_best, base)
            running[day_best.exercise] = day_best
    return sorted(found.values(), key=lambda r: r.set.day)


async def load_week(settings: Settings, user_ref: str | None, *, day: date | None) -> WeekSummary:
    """The week (Monday to Sunday, the user's days) that holds `day`, default this week."""
    database = await open_migrated_database(settings)
    try:
        async with database.session() as session:
            user = await resolve_user_or_only(session=session, user_ref=user_ref)
            summary = await user_summary(session=session, user_id=user.id)
            unit, zone = _unit_and_zone(summary)
            today = datetime.now(UTC).astimezone(zone).date()
            monday = week_of(day or today)
            days = [monday + timedelta(days=offset) for offset in range(7)]
            performed = await sets_between(
                session=session,
                user_id=user.id,
                since=_day_start(monday, zone),
                until=_day_start(monday + timedelta(days=7), zone),
            )
            earlier = best_sets(
                await heaviest_by_reps(
                    session=session, user_id=user.id, before=_day_start(monday, zone)
                ),
                zone,
            )
            plans = await day_plans(session=session, user_id=user.id, days=days)
    finally:
        await database.dispose()
    done = weekly_sets_per_muscle(performed)
    planned: dict[str, int] = defaultdict(int)
    for plan in plans:
        for lift in plan.session.lifts if plan.session else ():
            for muscle in muscles_for(lift.exercise):
                planned[muscle] += lift.sets
    muscles = [
        MuscleVolume(muscle, done.get(muscle, 0), planned.get(muscle, 0))
        for muscle in sorted(set(done) | set(planned), key=lambda m: (-done.get(m, 0), m))
    ]
    return WeekSummary(
        user=summary,
        unit=unit,
        zone=zone,
        monday=monday,
        today=today,
        total_sets=len(performed),
        muscles=muscles,
        records=new_records(performed, earlier, zone),
        sessions_done=sorted({s.logged_at.astimezone(zone).date() for s in performed}),
        sessions_planned=[(plan.day, plan.session.name) for plan in plans if plan.session],
    )
