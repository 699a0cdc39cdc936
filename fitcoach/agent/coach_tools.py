"""What the agent's four tools do, without the LiveKit plumbing (so it is testable alone).

The quick tools read the pre-loaded AgentContext and never touch the database; logging goes
to the durable logbook's journal; questions go to the orchestrator. Every call is logged
with the user id, tool and duration, and its latency is kept for the benchmarks.
"""

from __future__ import annotations

import logging
import math
import time
import unicodedata
import uuid
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta

from fitcoach.agent.logbook import JournalUnavailable, Logbook
from fitcoach.coach import AgentContext, AgentOrchestrator
from fitcoach.coach.context import unit_to_kg
from fitcoach.coach.exercises import exercise_for_log
from fitcoach.coach.speech import spoken_weight
from fitcoach.store import WorkoutSet

logger = logging.getLogger("fitcoach.agent.tools")

MAX_REPS = 1000
MAX_WEIGHT_KG = 1000.0
MAX_EXERCISE_CHARS = 255
MAX_SETS = 20
SPECIALIST_TROUBLE = "I'm having trouble with that, could you rephrase?"
_UNIT_WORDS = {
    "kg": "kg", "kgs": "kg", "kilo": "kg", "kilos": "kg", "kilogram": "kg", "kilograms": "kg",
    "lb": "lb", "lbs": "lb", "pound": "lb", "pounds": "lb",
}  # fmt: skip


class ToolTimings:
    """Recent durations of each tool, in seconds."""

    def __init__(self, keep: int = 1000) -> None:
        self._durations: dict[str, deque[float]] = defaultdict(lambda: deque(maxlen=keep))

    def record(self, tool: str, seconds: float) -> None:
        self._durations[tool].append(seconds)

    def durations(self, tool: str) -> list[float]:
        return list(self._durations[tool])


def _number(value: object) -> float | None:
    """A number as an LLM may send one: an int, a float or a numeric string, never a bool."""
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:  # an int beyond any float
        return math.inf


def _whole_number(value: object) -> int | None:
    number = _number(value)
    if number is None or not math.isfinite(number) or number != int(number):
        return None
    return int(number)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class CoachTools:
    def __init__(
        self,
        *,
        context: AgentContext,
        logbook: Logbook,
        orchestrator: AgentOrchestrator | None,
        session_id: uuid.UUID | None = None,
        user_id: uuid.UUID | None = None,
    ) -> None:
        self.context = context
        self.logbook = logbook
        self.orchestrator = orchestrator
        self.session_id = session_id or uuid.uuid4()
        # Whose sets these are comes from the session (its participant's token), never from
        # a context that a shared cache handed back.
        self.user_id = user_id or context.user_id
        self.timings = ToolTimings()

    def _log(self, tool: str, started: float, **details: object) -> None:
        seconds = time.perf_counter() - started
        self.timings.record(tool, seconds)
        logger.info(
            "tool %s took %.1f ms",
            tool,
            seconds * 1000,
            extra={
                "user_id": str(self.user_id),
                "tool": tool,
                "duration_ms": seconds * 1000,
                **details,
            },
        )

    # -- get_todays_workout -----------------------------------------------------------

    def todays_workout(self) -> str:
        started = time.perf_counter()
        try:
            return self._describe_workout()
        finally:
            self._log("get_todays_workout", started)

    def _describe_workout(self) -> str:
        plan = self.context.current_workout_plan
        unit = self.context.preferred_unit
        if plan is None:
            upcoming = sorted(d for d in self.context.upcoming_workouts if d > self.context.today)
            if not upcoming:
                return "Today is a rest day, and there's no training planned this week."
            nxt = upcoming[0]
            when = (
                "tomorrow" if nxt == self.context.today + timedelta(days=1) else nxt.strftime("%A")
            )
            name = self.context.upcoming_workouts[nxt].name
            return f"Today is a rest day. Your next session is {when}: {name}."
        if not plan.exercises:
            return f"Today's session is {plan.name}." + (f" {plan.notes}" if plan.notes else "")
        lifts = []
        for lift in plan.exercises:
            if lift.target_weight_kg is not None:
                load = spoken_weight(lift.target_weight_kg, unit)
                if lift.target_rpe is not None:
                    load += f", RPE {lift.target_rpe:g}"
            elif lift.target_rpe is not None:
                load = f"RPE {lift.target_rpe:g}"
            else:
                load = "body weight"
            lifts.append(f"{lift.exercise}, {lift.sets} sets of {lift.reps} at {load}")
        text = f"Today is {plan.name}: " + "; ".join(lifts) + "."
        if plan.notes:
            text += f" {plan.notes}"
        return text

    # -- get_todays_meals ---------------------------------------------------------------

    def todays_meals(self) -> str:
        started = time.perf_counter()
        try:
            return self._describe_meals()
        finally:
            self._log("get_todays_meals", started)

    def _describe_meals(self) -> str:
        plan = self.context.current_meal_plan
        if plan is None or not plan.meals:
            return "There's no meal plan for today."
        meals = [
            f"{meal.name.lower()}: {', '.join(meal.items)}, {meal.calories} calories and "
            f"{round(meal.protein_g)} grams of protein"
            for meal in plan.meals
        ]
        return (
            "Today's meals. " + ". ".join(m[0].upper() + m[1:] for m in meals) + ". "
            f"In total about {plan.calories} calories "
            f"and {round(plan.protein_g)} grams of protein."
        )

    def answer_ahead(self, tool: str) -> str | None:
        """What a tool that only reads the loaded context would answer, computed without
        calling it (nothing is logged as a call): for speaking before the turn is confirmed.
        None for any tool that writes or leaves this process."""
        if tool == "get_todays_workout":
            return self._describe_workout()
        if tool == "get_todays_meals":
            return self._describe_meals()
        return None

    # -- log_workout_set ------------------------------------------------------------------

    async def log_set(
        self, exercise: object, reps: object, weight: object, unit: object = None, sets: object = 1
    ) -> str:
        """Validate, make durable, confirm. A refusal names what to correct.

        The arguments are what the LLM sent, of any type: checking them here, not in the
        tool's signature, turns every mistake into a spoken correction."""
        started = time.perf_counter()
        try:
            problem, workout_sets = self._validated(exercise, reps, weight, unit, sets)
            if problem is not None:
                logger.info(
                    "log_workout_set refused: %s", problem, extra={"user_id": str(self.user_id)}
                )
                return problem
            try:
                await self.logbook.append(*workout_sets)  # all the sets, or none
            except JournalUnavailable:
                logger.exception(
                    "log_workout_set could not write the journal",
                    extra={"user_id": str(self.user_id)},
                )
                return "Sorry, I couldn't save that set just now. Please tell me again in a moment."
            first = workout_sets[0]
            said_unit = self._unit(unit) or self.context.preferred_unit
            load = spoken_weight(first.weight_kg, said_unit)
            count = f"{_plural(len(workout_sets), 'set')} of " if len(workout_sets) > 1 else ""
            return f"Logged {count}{first.exercise}, {_plural(first.reps, 'rep')} at {load}."
        finally:
            self._log("log_workout_set", started)

    def _unit(self, unit: object) -> str | None:
        if unit is None or (isinstance(unit, str) and not unit.strip()):
            return None
        if not isinstance(unit, str):
            return "invalid"
        return _UNIT_WORDS.get(unit.strip().lower(), "invalid")

    def _validated(
        self, exercise: object, reps: object, weight: object, unit: object, sets: object
    ) -> tuple[str | None, list[WorkoutSet]]:
        name = " ".join(exercise.split()) if isinstance(exercise, str) else ""
        if not name:
            return "Which exercise was that?", []
        if len(name) > MAX_EXERCISE_CHARS:
            return "That exercise name is too long for me. What's the exercise called, briefly?", []
        if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in name):
            # Control characters and lone surrogates: no database should be asked to store them.
            return "I couldn't read that exercise name. What's the exercise called?", []
        rep_count = _whole_number(reps)
        if rep_count is None:
            return "How many reps did you do? Give me a whole number.", []
        if not 1 <= rep_count <= MAX_REPS:
            return f"Reps need to be between 1 and {MAX_REPS}. How many reps did you do?", []
        set_count = _whole_number(sets)
        if set_count is None or not 1 <= set_count <= MAX_SETS:
            return f"How many sets was that? I can log 1 to {MAX_SETS} at a time.", []
        load = _number(weight)
        if load is None or not math.isfinite(load):
            return "What weight did you use? Say a number, or body weight.", []
        resolved_unit = self._unit(unit)
        if resolved_unit == "invalid":
            return "Was that in kilograms or pounds?", []
        weight_kg = unit_to_kg(load, resolved_unit or self.context.preferred_unit)
        if not 0 <= weight_kg <= MAX_WEIGHT_KG:
            return (
                "That weight doesn't look right: it should be between 0 and 1000 kilograms. "
                "What did you lift?",
                [],
            )
        logged_at = datetime.now(UTC)
        canonical = exercise_for_log(name)
        return None, [
            WorkoutSet(
                id=uuid.uuid4(),
                user_id=self.user_id,
                exercise=canonical,
                reps=rep_count,
                weight_kg=round(weight_kg, 3),
                logged_at=logged_at,
                session_id=self.session_id,
            )
            for _ in range(set_count)
        ]

    # -- ask_specialist_agent -------------------------------------------------------------

    async def ask_specialist(self, query: str, specialist: str | None) -> str:
        started = time.perf_counter()
        try:
            if self.orchestrator is None:
                raise RuntimeError("the orchestrator was not initialised")
            response = await self.orchestrator.route_query(query, specialist, voice_mode=True)
            return response.content
        except Exception as exc:
            logger.error(
                "ask_specialist_agent failed: %s",
                type(exc).__name__,
                extra={"user_id": str(self.user_id), "specialist": str(specialist)[:40]},
            )
            return SPECIALIST_TROUBLE
        finally:
            self._log("ask_specialist_agent", started, specialist=str(specialist)[:40])
