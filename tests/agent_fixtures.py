"""Hypothesis strategies and builders for AgentContexts, with no database behind them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st

from fitcoach.coach.context import (
    AgentContext,
    Meal,
    MealPlanView,
    PlannedLift,
    Preferences,
    Profile,
    WorkoutPlanView,
)
from fitcoach.coach.exercises import known_exercise_names

names = st.text(alphabet=st.characters(categories=["L", "Zs"]), min_size=1, max_size=30).filter(
    lambda s: s.strip()
)

lifts = st.builds(
    PlannedLift,
    exercise=st.sampled_from(known_exercise_names()),
    sets=st.integers(1, 10),
    reps=st.integers(1, 30),
    target_weight_kg=st.none() | st.floats(1, 400).map(lambda w: round(w, 1)),
    rest_seconds=st.integers(0, 300),
)
workouts = st.builds(
    WorkoutPlanView,
    name=names,
    notes=st.none() | names,
    exercises=st.lists(lifts, min_size=1, max_size=8),
)
meals = st.builds(
    Meal,
    name=st.sampled_from(["Breakfast", "Lunch", "Snack", "Dinner"]),
    items=st.lists(names, min_size=1, max_size=5),
    calories=st.integers(50, 2000),
    protein_g=st.floats(0, 150).map(lambda g: round(g, 1)),
    carbs_g=st.floats(0, 300).map(lambda g: round(g, 1)),
    fat_g=st.floats(0, 100).map(lambda g: round(g, 1)),
)


@st.composite
def contexts(draw: st.DrawFn) -> AgentContext:
    today = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 1, 1)))
    unit = draw(st.sampled_from(["kg", "lb"]))
    week = {today + timedelta(days=i): draw(workouts) for i in range(7) if draw(st.booleans())}
    return AgentContext(
        user_id=uuid.uuid4(),
        user_name="someone",
        display_name=draw(names),
        profile=Profile(
            goal="strength",
            experience_level="beginner",
            body_weight_kg=80,
            height_cm=180,
            age=30,
            sex="male",
        ),
        preferences=Preferences(
            preferred_unit=unit,
            dietary_preferences=[],
            dietary_restrictions=[],
            training_days=[],
            timezone="UTC",
        ),
        today=today,
        current_workout_plan=week.get(today),
        current_meal_plan=draw(
            st.none() | st.builds(MealPlanView, meals=st.lists(meals, min_size=1, max_size=6))
        ),
        upcoming_workouts=week,
        recent_sets=[],
        records={},
        loaded_at=datetime.now(UTC),
    )
