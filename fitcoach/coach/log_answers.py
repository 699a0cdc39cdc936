"""Spoken answers about the user's own log: "how's my squat going?", "what did I do last
Monday?", "how many sets of chest this week?", "did I beat my bench record?".

Every number comes from the logged sets in the AgentContext (two weeks in full, and the
weeks before as each day's best set), in the user's unit; days are the user's days. The
offline tracker speaks these; cloud specialists get the same facts as read-only tools.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from fitcoach.coach.context import AgentContext, LoggedSet
from fitcoach.coach.exercises import find_exercise, muscles_for
from fitcoach.coach.progress import ExerciseTrend, trend_from_context
from fitcoach.coach.speech import spoken_weight
from fitcoach.coach.training import GOOD_WEEKLY_SETS

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_TREND = re.compile(
    r"\bhow(?:'s| is| are|s)? (?:my|the) (?P<what>[a-z' -]{2,40}?) "
    r"(?:going|coming along|progressing|doing|looking|trending)\b"
)
_RECORD = re.compile(
    r"\b(?:did i|have i|i) (?:beat|break|broke|set|hit|get|got) (?:my|a|new) .{0,40}?"
    r"\b(?:record|pr|personal best|personal record|best|max)\b"
)
_DAY_QUESTION = re.compile(
    rf"\b(?:what|which exercises) did i (?:do|train|lift|log)\b.*?"
    rf"\b(?P<when>yesterday|today|(?:last |on |this )?{_DAY})\b"
)
_VOLUME = re.compile(
    r"\bhow many (?:hard |working )?sets (?:of|for|did i do (?:of|for)?|have i done (?:of|for)?)"
    r" ?(?P<what>[a-z' -]{2,30}?) ?(?:have i done |did i do )?(?:this week|so far this week)\b"
)
# What people call a muscle group, as weekly_sets_per_muscle names it.
_MUSCLE_WORDS = {
    "chest": ("chest",),
    "pecs": ("chest",),
    "back": ("back",),
    "lats": ("back",),
    "shoulders": ("shoulders",),
    "delts": ("shoulders",),
    "biceps": ("biceps",),
    "triceps": ("triceps",),
    "arms": ("biceps", "triceps"),
    "quads": ("quads",),
    "hamstrings": ("hamstrings",),
    "glutes": ("glutes",),
    "legs": ("quads", "hamstrings", "glutes"),
    "calves": ("calves",),
    "core": ("core",),
    "abs": ("core",),
}


def is_log_question(text: str) -> bool:
    """True for a question only the user's own log can answer (a tracker question)."""
    cleaned = " ".join(text.lower().replace("’", "'").split())
    return any(
        pattern.search(cleaned) for pattern in (_TREND, _RECORD, _DAY_QUESTION, _VOLUME)
    ) and not re.search(r"\bhow (?:do|should|can) i\b", cleaned)


def answer_from_log(context: AgentContext, query: str) -> str | None:
    """The spoken answer, or None when the question is not one of these."""
    text = " ".join(query.lower().replace("’", "'").split())
    if (match := _VOLUME.search(text)) is not None:
        return _volume(context, match.group("what"))
    if _RECORD.search(text):
        exercise = find_exercise(text)
        return _record(context, exercise) if exercise else None
    if (match := _DAY_QUESTION.search(text)) is not None:
        return _day(context, _resolve_day(context.today, match.group("when")))
    if (match := _TREND.search(text)) is not None:
        exercise = find_exercise(match.group("what"))
        return _trend(context, exercise) if exercise else None
    return None


def _weight(context: AgentContext, weight_kg: float) -> str:
    return spoken_weight(weight_kg, context.preferred_unit)


def _when(context: AgentContext, day: date) -> str:
    if day == context.today:
        return "today"
    if day == context.today - timedelta(days=1):
        return "yesterday"
    if context.today - day < timedelta(days=7):
        return f"on {day:%A}"
    return f"on {day:%A} {day.day} {day:%B}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _resolve_day(today: date, when: str) -> date:
    if when == "today":
        return today
    if when == "yesterday":
        return today - timedelta(days=1)
    weekday = _WEEKDAYS.index(when.split()[-1])
    back = (today.weekday() - weekday) % 7
    if when.startswith("this "):
        return today - timedelta(days=back)
    # "last Monday" and "on Monday" asked on a Monday mean the one a week ago.
    return today - timedelta(days=back or 7)


def _trend(context: AgentContext, exercise: str) -> str:
    trend = trend_from_context(context, exercise)
    if trend is None:
        return f"You haven't logged any {exercise} in the last few months."
    last = trend.last
    top = f"Your last top set was {_weight(context, last.weight_kg)} for {last.reps}, " + (
        _when(context, last.day) + "."
    )
    if len(trend.points) == 1:
        return (
            f"{top} That puts your estimated max around "
            f"{_weight(context, last.estimated_1rm_kg)}. Log a few more sessions and I can "
            "tell you the trend."
        )
    first = trend.first
    change = trend.change_kg
    direction = "up" if change > 0.5 else "down" if change < -0.5 else "steady"
    since = f"{first.day:%d %B}".lstrip("0")
    return (
        f"Your {exercise} is {direction}: your estimated max went from "
        f"{_weight(context, first.estimated_1rm_kg)} to "
        f"{_weight(context, last.estimated_1rm_kg)} since {since}. {top}"
    )


def _record(context: AgentContext, exercise: str) -> str:
    trend = trend_from_context(context, exercise)
    if trend is None:
        return f"You haven't logged any {exercise} in the last few months."
    last = trend.last
    before = trend.best_before(last.day)
    done = (
        f"{_sentence(_when(context, last.day))} your best {exercise} set was "
        f"{_weight(context, last.weight_kg)} for {last.reps}, an estimated max of "
        f"{_weight(context, last.estimated_1rm_kg)}."
    )
    if before is None:
        return f"{done} That's your first {exercise} in the log, so it's your record for now."
    previous = _weight(context, before.estimated_1rm_kg)
    if last.estimated_1rm_kg > before.estimated_1rm_kg + 0.05:
        return f"Yes! {done} That beats your previous best of {previous}."
    return (
        f"Not this time. {done} Your record is still {previous}, set {_when(context, before.day)}."
    )


def _sets_by_day(context: AgentContext) -> dict[date, list[LoggedSet]]:
    days: dict[date, list[LoggedSet]] = defaultdict(list)
    for logged in context.recent_sets:
        days[logged.logged_at.astimezone(context.zone).date()].append(logged)
    return days


def _groups(sets: list[LoggedSet]) -> list[tuple[str, int, int, float]]:
    """(exercise, count, reps, kg) for each run of identical sets, in the order done."""
    runs: list[tuple[str, int, int, float]] = []
    for logged in sorted(sets, key=lambda s: s.logged_at):
        if (
            runs
            and runs[-1][0] == logged.exercise
            and runs[-1][2:]
            == (
                logged.reps,
                logged.weight_kg,
            )
        ):
            exercise, count, reps, kg = runs[-1]
            runs[-1] = (exercise, count + 1, reps, kg)
        else:
            runs.append((logged.exercise, 1, logged.reps, logged.weight_kg))
    return runs


def _day(context: AgentContext, day: date) -> str:
    when = _when(context, day)
    sets = _sets_by_day(context).get(day)
    if sets:
        runs = _groups(sets)
        said = [
            f"{count} {'set' if count == 1 else 'sets'} of {exercise}, {reps} reps at "
            f"{_weight(context, kg)}"
            for exercise, count, reps, kg in runs[:4]
        ]
        more = len(runs) - len(said)
        tail = f", and {more} more" if more > 0 else ""
        return f"{_sentence(when)} you did {len(sets)} sets: {'; '.join(said)}{tail}."
    history = context.training_history
    older = [best for best in (history.days if history else []) if best.day == day]
    if older:
        said = [
            f"{best.exercise}, {best.sets} sets, best {_weight(context, best.weight_kg)} "
            f"for {best.reps}"
            for best in older[:4]
        ]
        return f"{_sentence(when)} you trained {'; '.join(said)}."
    return f"There's nothing in your log for {when.removeprefix('on ')}."


def _volume(context: AgentContext, what: str) -> str:
    monday = context.today - timedelta(days=context.today.weekday())
    week = [s for s in context.recent_sets if s.logged_at.astimezone(context.zone).date() >= monday]
    word = what.strip().removesuffix(" sets")
    muscles = _MUSCLE_WORDS.get(word)
    exercise = None if muscles else find_exercise(word)
    if muscles is None and exercise is None:
        return (
            f"I don't know {word} as a muscle group or an exercise. Try chest, back, legs, "
            "or an exercise like squat."
        )
    if exercise is not None:
        count = sum(1 for s in week if s.exercise == exercise)
        return f"You've done {count} sets of {exercise} this week, since Monday."
    assert muscles is not None
    count = sum(1 for s in week if set(muscles_for(s.exercise)) & set(muscles))
    advice = (
        " That's a solid week for growth."
        if count >= GOOD_WEEKLY_SETS
        else f" Around {GOOD_WEEKLY_SETS} or more hard sets a week is a good target for growth."
    )
    return f"You've done {count} sets for {word} this week, since Monday.{advice}"


# -- the same facts for cloud specialists ----------------------------------------------


def _trend_facts(context: AgentContext, trend: ExerciseTrend) -> dict[str, Any]:
    unit = context.preferred_unit

    def point(p: Any) -> dict[str, Any]:
        return {
            "date": p.day.isoformat(),
            "top_set": f"{_weight(context, p.weight_kg)} x {p.reps}",
            "estimated_1rm": _weight(context, p.estimated_1rm_kg),
            "sets": p.sets,
        }

    return {
        "exercise": trend.exercise,
        "unit": unit,
        "days": [point(p) for p in trend.points],
        "best_ever": point(trend.best),
    }


def log_tools(context: AgentContext) -> list[Any]:
    """Read-only tools over the user's log for cloud specialists, in the user's unit."""
    from langchain_core.tools import tool

    @tool
    def exercise_progress(exercise: str) -> str:
        """An exercise's best set on each day it was trained (the last few months), with
        estimated one-rep maxes, in the user's unit, and the best set ever."""
        name = find_exercise(exercise) or exercise
        trend = trend_from_context(context, name)
        if trend is None:
            return json.dumps({"exercise": name, "days": []})
        return json.dumps(_trend_facts(context, trend))

    @tool
    def training_on(day: str) -> str:
        """What the user did on a day: 'today', 'yesterday', a weekday ('last monday') or
        a date (YYYY-MM-DD)."""
        cleaned = day.strip().lower()
        try:
            chosen = date.fromisoformat(cleaned)
        except ValueError:
            match = re.search(rf"yesterday|today|(?:last |on |this )?{_DAY}", cleaned)
            if match is None:
                return "unknown day: say today, yesterday, a weekday or a date"
            chosen = _resolve_day(context.today, match.group(0))
        return _day(context, chosen)

    @tool
    def sets_this_week(muscle_or_exercise: str) -> str:
        """How many sets the user did this week (since Monday) for a muscle group (chest,
        back, legs, ...) or an exercise."""
        return _volume(context, muscle_or_exercise.lower())

    @tool
    def personal_record(exercise: str) -> str:
        """Whether the latest session of an exercise beat the user's best before it."""
        return _record(context, find_exercise(exercise) or exercise)

    return [exercise_progress, training_on, sets_this_week, personal_record]
