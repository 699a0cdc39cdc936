"""The offline specialists: answers from the user's context, the coaching maths and the
knowledge base, with no generative model. Each returns plain spoken text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from typing import Literal, get_args

from fitcoach.coach.context import AgentContext, LoggedSet
from fitcoach.coach.exercises import find_exercise
from fitcoach.coach.knowledge import KnowledgeBase
from fitcoach.coach.nutrition import meals_still_ahead, nutrition_targets
from fitcoach.coach.safety import is_minor, needs_safety_answer, says_under_18
from fitcoach.coach.speech import spoken_weight
from fitcoach.coach.training import (
    GOOD_WEEKLY_SETS,
    LOW_WEEKLY_SETS,
    consecutive_training_days,
    rest_day_advice,
    suggest_progression,
    weekly_sets_per_muscle,
)

Specialist = Literal["workout", "diet", "supplement", "tracker", "scheduler", "general"]
SPECIALISTS: tuple[Specialist, ...] = get_args(Specialist)
# The knowledge-base topics each specialist answers from first.
KNOWLEDGE_TOPICS: dict[Specialist, set[str]] = {
    "workout": {"workout", "recovery", "safety"},
    "diet": {"diet", "safety"},
    "supplement": {"supplement", "safety"},
}

_GOAL_WORDS = {
    "lose_fat": "losing fat",
    "build_muscle": "building muscle",
    "strength": "getting stronger",
    "endurance": "endurance",
    "general_fitness": "general fitness",
}

TRACKER_QUESTION = re.compile(
    r"\b(?:what did i|did i (?:train|do|lift)|last (?:time|session|workout|week)|"
    r"how (?:many|much) (?:sets|reps|volume|weight) (?:did|have) i|my (?:best|pr|prs|record|"
    r"records|progress|history|max)|personal (?:best|record)|one rep max|1 ?rm|"
    r"how (?:am i|have i been) (?:doing|progressing)|volume this week|sets this week|"
    r"how strong am i|estimated max)\b"
)
SCHEDULER_QUESTION = re.compile(
    r"\b(?:rest day|day off|tomorrow|next (?:workout|session|training|leg day|rest)|this week|"
    r"my (?:schedule|week|split)|which days|what days|when (?:do|should|am) i (?:train|work out|"
    r"lift|rest)|should i (?:train|rest|work out) today|train today)\b"
)
_PROGRESSION_QUESTION = re.compile(
    r"\b(?:go up|increase|add (?:weight|more)|next time|how much should i (?:lift|use|put)|"
    r"what weight should|progress(?:ion)? on|move up|deload|stuck|plateau(?:ed)?)\b"
)
_TARGETS_QUESTION = re.compile(
    r"\b(?:how (?:much|many) (?:protein|calories|carbs|fat|kcal)|my (?:macros|calories|"
    r"calorie target|protein target)|maintenance calories|calorie (?:target|goal)|"
    r"how much should i eat|what should my (?:macros|calories))\b"
)
_REMAINING_QUESTION = re.compile(
    r"\b(?:left (?:today|to eat)|remaining|still (?:to eat|have)|rest of (?:the|my) day|"
    r"what else (?:do|should) i eat)\b"
)


class LocalSpecialists:
    """Answers as the six specialists would, offline."""

    def __init__(self, context: AgentContext, knowledge: KnowledgeBase) -> None:
        self.context = context
        self.knowledge = knowledge

    @property
    def _minor(self) -> bool:
        return is_minor(self.context.profile.age if self.context.profile else None)

    def answer(self, specialist: Specialist, query: str) -> str:
        if needs_safety_answer(query):
            # Pain, injury or disordered eating come before the log, the plan or the
            # targets: "my shoulder hurt in my last session" is not a question about the log.
            match = self.knowledge.answer(query, minor=self._minor)
            if match is not None and match.entry.topic == "safety":
                return match.spoken
        handler = {
            "workout": self.workout,
            "diet": self.diet,
            "supplement": self.supplement,
            "tracker": self.tracker,
            "scheduler": self.scheduler,
            "general": self.general,
        }[specialist]
        return handler(query)

    # -- the specialists ------------------------------------------------------------

    def workout(self, query: str) -> str:
        exercise = find_exercise(query)
        text = query.lower()
        if exercise and _PROGRESSION_QUESTION.search(text):
            return self._progression(exercise)
        if exercise and re.search(r"\b(?:one rep max|1 ?rm|max)\b", text):
            return self._best(exercise)
        return self._from_knowledge(query, KNOWLEDGE_TOPICS["workout"])

    def diet(self, query: str) -> str:
        text = query.lower()
        if _REMAINING_QUESTION.search(text):
            return self._meals_remaining()
        if _TARGETS_QUESTION.search(text) and self.context.profile is not None:
            return self._targets(query)
        return self._from_knowledge(query, KNOWLEDGE_TOPICS["diet"])

    def supplement(self, query: str) -> str:
        return self._from_knowledge(query, KNOWLEDGE_TOPICS["supplement"])

    def tracker(self, query: str) -> str:
        from fitcoach.coach.log_answers import answer_from_log

        if (from_log := answer_from_log(self.context, query)) is not None:
            return from_log
        text = query.lower()
        exercise = find_exercise(text)
        if exercise:
            return self._best(exercise)
        if re.search(r"\b(?:volume|sets this week|how many sets)\b", text):
            return self._weekly_volume()
        return self._last_session()

    def scheduler(self, query: str) -> str:
        text = query.lower()
        if "tomorrow" in text:
            tomorrow = self.context.today + timedelta(days=1)
            if "rest" in text and tomorrow in self.context.upcoming_workouts:
                # A bare "No" answers "is tomorrow a rest day" but contradicts "do I rest
                # or train tomorrow"; the statement is right for both.
                return (
                    f"Tomorrow is a training day, not a rest day. {self._day_plan(tomorrow, 'It')}"
                )
            return self._day_plan(tomorrow, "Tomorrow")
        if re.search(r"\b(?:this week|schedule|my week|which days|what days|split)\b", text):
            return self._week()
        if re.search(r"\bnext (?:workout|session|training)\b", text):
            return self._next_workout()
        return self._rest_day()

    def general(self, query: str) -> str:
        match = self.knowledge.answer(query, minor=self._minor)
        if match is not None:
            return match.spoken
        return (
            "I can read you today's workout and meals, log your sets, and answer questions "
            "about training, nutrition, supplements and recovery. What would you like?"
        )

    # -- helpers --------------------------------------------------------------------

    def _from_knowledge(self, query: str, topics: set[str]) -> str:
        match = self.knowledge.answer(query, topics=topics, minor=self._minor)
        if match is None:
            return (
                "I don't have a reliable answer to that one. Could you ask it another way, "
                "or a bit more specifically?"
            )
        return match.spoken

    def _weight(self, weight_kg: float) -> str:
        return spoken_weight(weight_kg, self.context.preferred_unit)

    def _target_reps(self, exercise: str) -> int:
        for plan in self.context.upcoming_workouts.values():
            for lift in plan.exercises:
                if lift.exercise == exercise:
                    return lift.reps
        return 8

    def _progression(self, exercise: str) -> str:
        suggestion = suggest_progression(
            exercise, self.context.recent_sets, target_reps=self._target_reps(exercise)
        )
        if suggestion.next_weight_kg is None:
            return (
                f"I have no {exercise} in your recent log. Start with a weight you can lift "
                "for clean reps, and log it."
            )
        weight = self._weight(suggestion.next_weight_kg)
        if suggestion.action == "increase":
            return f"Go up to {weight} on {exercise} next time: {suggestion.reason}."
        if suggestion.action == "deload":
            return (
                f"Drop to {weight} on {exercise} for a week, then build back up: "
                "it hasn't moved in three sessions."
            )
        reps = self._target_reps(exercise)
        return f"Stay at {weight} on {exercise} until every set hits {reps} reps, then add weight."

    def _best(self, exercise: str) -> str:
        record = self.context.records.get(exercise)
        if record is None:
            return f"You haven't logged any {exercise} in the last two weeks."
        best = record.best
        return (
            f"Your best {exercise} lately was {self._weight(best.weight_kg)} for {best.reps} "
            f"reps, which puts your estimated one-rep max around "
            f"{self._weight(record.best_estimated_1rm_kg)}."
        )

    def _sessions(self) -> dict[date, list[LoggedSet]]:
        days: dict[date, list[LoggedSet]] = defaultdict(list)
        zone = self.context.zone
        for logged in self.context.recent_sets:
            days[logged.logged_at.astimezone(zone).date()].append(logged)
        return days

    def _last_session(self) -> str:
        sessions = self._sessions()
        if not sessions:
            return "There's nothing in your log for the last two weeks yet."
        day = max(sessions)
        by_exercise: dict[str, list[LoggedSet]] = defaultdict(list)
        for logged in sessions[day]:
            by_exercise[logged.exercise].append(logged)
        parts = []
        for exercise, sets in list(by_exercise.items())[:3]:
            top = max(s.weight_kg for s in sets)
            parts.append(f"{len(sets)} sets of {exercise} up to {self._weight(top)}")
        more = len(by_exercise) - len(parts)
        tail = f", and {more} more exercises" if more > 0 else ""
        return f"Your last session was on {day.strftime('%A')}: {', '.join(parts)}{tail}."

    def _weekly_volume(self) -> str:
        since = self.context.today - timedelta(days=6)
        zone = self.context.zone
        week = [s for s in self.context.recent_sets if s.logged_at.astimezone(zone).date() >= since]
        if not week:
            return "You haven't logged any sets in the last seven days."
        volume = weekly_sets_per_muscle(week)
        top = list(volume.items())[:3]
        described = ", ".join(f"{sets} sets for {muscle}" for muscle, sets in top)
        low = [m for m, sets in volume.items() if sets < LOW_WEEKLY_SETS]
        advice = (
            f" {low[0].capitalize()} is low at under {LOW_WEEKLY_SETS} sets."
            if low
            else f" Around {GOOD_WEEKLY_SETS} or more hard sets per muscle a week is a good "
            "target for growth."
        )
        return f"In the last seven days you did {len(week)} sets: {described}.{advice}"

    def _day_plan(self, day: date, label: str) -> str:
        plan = self.context.upcoming_workouts.get(day)
        if plan is None:
            return f"{label} is a rest day."
        names = ", ".join(lift.exercise for lift in plan.exercises[:4])
        return f"{label} is {plan.name}: {names}."

    def _week(self) -> str:
        parts = []
        for offset in range(7):
            day = self.context.today + timedelta(days=offset)
            plan = self.context.upcoming_workouts.get(day)
            if plan is not None:
                parts.append(f"{day.strftime('%A')} {plan.name}")
        if not parts:
            return "You have no training planned in the next seven days."
        return f"Over the next seven days you train {len(parts)} times: {', '.join(parts)}."

    def _next_workout(self) -> str:
        for offset in range(1, 8):
            day = self.context.today + timedelta(days=offset)
            if day in self.context.upcoming_workouts:
                label = (
                    "Tomorrow" if offset == 1 else f"Your next session, on {day.strftime('%A')},"
                )
                return self._day_plan(day, label)
        return "You have no training planned in the next seven days."

    def _rest_day(self) -> str:
        trained = self._sessions().keys()
        days = self.context.preferences.training_days if self.context.preferences else []
        advice = rest_day_advice(
            planned_today=self.context.current_workout_plan is not None,
            streak=consecutive_training_days(trained, self.context.today),
            training_days_per_week=len(days),
        )
        return advice

    def _targets(self, query: str) -> str:
        profile = self.context.profile
        assert profile is not None
        if self._minor or says_under_18(query):
            # Mifflin-St Jeor and the goal factors are adult formulas; a growing body is not
            # put on a deficit by arithmetic.
            return (
                "I don't set calorie or macro targets for under-18s, because the formulas are "
                "made for adults and a growing body needs enough food. Eat regular meals with "
                "some protein in each, and ask your doctor or school nurse if you want advice "
                "on how much to eat."
            )
        careful = self.knowledge.careful_diet_entry(query)
        if careful is not None:
            # Targets from an adult formula, said to someone pregnant or on a medicine a
            # deficit could affect, are advice to eat less without the check it needs.
            return self.knowledge.spoken(careful)
        if profile.body_weight_kg is None or profile.height_cm is None or profile.age is None:
            return (
                "To work out your calories I need your body weight, height and birth year. "
                "Add them with fitcoach users edit, and ask me again."
            )
        days = self.context.preferences.training_days if self.context.preferences else []
        targets = nutrition_targets(
            weight_kg=profile.body_weight_kg,
            height_cm=profile.height_cm,
            age=profile.age,
            sex=profile.sex,
            goal=profile.goal,
            training_days_per_week=len(days),
        )
        goal = _GOAL_WORDS.get(profile.goal, profile.goal)
        advice = (
            f"For {goal}, aim for about {targets.energy_kcal:,} calories a day, with "
            f"{targets.protein_g} grams of protein, {targets.carbs_g} grams of carbs and "
            f"{targets.fat_g} grams of fat. Your maintenance is around "
            f"{targets.maintenance_kcal:,} calories."
        )
        if targets.energy_kcal < targets.maintenance_kcal:
            # A target below maintenance is advice to eat less, with the same caution.
            advice = f"{advice} {self.knowledge.guard.caution}"
        return advice

    def _meals_remaining(self) -> str:
        plan = self.context.current_meal_plan
        if plan is None or not plan.meals:
            return "You don't have a meal plan for today."
        now = self.context.local_now().time()
        ahead = [plan.meals[i] for i in meals_still_ahead([m.name for m in plan.meals], now)]
        if not ahead:
            return "That's all your planned meals for today done."
        calories = sum(m.calories for m in ahead)
        protein = round(sum(m.protein_g for m in ahead))
        names = ", ".join(m.name.lower() for m in ahead)
        return (
            f"Still to come today: {names}, about {calories} calories "
            f"and {protein} grams of protein."
        )
