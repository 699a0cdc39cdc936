"""The knowledge base as a listener hears it: openings that mean the same whichever way the
question was put, and replies from the user's plan that do the same."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

from fitcoach.coach.context import AgentContext, PlannedLift, Preferences, Profile, WorkoutPlanView
from fitcoach.coach.knowledge import load_entries, shared_knowledge_base
from fitcoach.coach.specialists import LocalSpecialists

# "Yes", "No", "Most likely yes", "Probably not": a reply whose meaning hangs on how the
# question was worded.
BARE_POLARITY = re.compile(
    r"^(?:(?:most |very )?likely |probably |definitely |absolutely |certainly )?"
    r"(?:yes|no|yeah|yep|nope|not really|not at all)\b",
    re.IGNORECASE,
)
TODAY = date(2026, 3, 2)


def context(*, age: int = 30, tomorrow_trains: bool = False) -> AgentContext:
    push = WorkoutPlanView(
        name="Push",
        notes=None,
        exercises=[
            PlannedLift(
                exercise="bench press", sets=3, reps=8, target_weight_kg=60, rest_seconds=120
            )
        ],
    )
    week = {TODAY + timedelta(days=1): push} if tomorrow_trains else {}
    return AgentContext(
        user_id=uuid.uuid4(),
        user_name="sam",
        display_name="Sam",
        profile=Profile(
            goal="lose_fat",
            experience_level="beginner",
            body_weight_kg=70,
            height_cm=170,
            age=age,
            sex="female",
        ),
        preferences=Preferences(
            preferred_unit="kg",
            dietary_preferences=[],
            dietary_restrictions=[],
            training_days=[1],
            timezone="UTC",
        ),
        today=TODAY,
        current_workout_plan=None,
        current_meal_plan=None,
        upcoming_workouts=week,
        recent_sets=[],
        records={},
        loaded_at=datetime.now(UTC),
    )


def test_no_answer_opens_with_a_bare_yes_or_no() -> None:
    """An entry answers every paraphrase near its questions, and sentence embeddings barely
    register negation: "do I need protein powder" and "can I build muscle without protein
    powder" reach the same entry. A leading yes or no is right for one and wrong for the
    other, and a listener who hears it first may stop there."""
    knowledge = shared_knowledge_base()
    plain = knowledge.answer("do I need protein powder")
    negated = knowledge.answer("can I build muscle without protein powder")
    assert plain is not None and negated is not None and plain.entry.id == negated.entry.id
    opening_with_polarity = [e.id for e in load_entries() if BARE_POLARITY.match(e.answer)]
    assert opening_with_polarity == []


def test_a_training_day_tomorrow_is_said_the_same_way_whichever_way_it_is_asked() -> None:
    specialists = LocalSpecialists(context(tomorrow_trains=True), shared_knowledge_base())
    for question in ("is tomorrow a rest day", "do I rest or train tomorrow"):
        reply = specialists.answer("scheduler", question)
        assert not BARE_POLARITY.match(reply), reply
        assert reply.startswith("Tomorrow is a training day") and "Push" in reply
