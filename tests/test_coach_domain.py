"""Coaching maths, exercise names, slot parsing and speech shaping, on their own."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fitcoach.coach.exercises import (
    canonical_exercise,
    exercise_for_log,
    find_exercise,
    known_exercise_names,
    muscles_for,
)
from fitcoach.coach.nutrition import (
    meals_still_ahead,
    nutrition_targets,
    resting_energy_kcal,
)
from fitcoach.coach.slots import SetSlots, parse_set_slots
from fitcoach.coach.speech import MAX_SPOKEN_WORDS, speakable, spoken_weight
from fitcoach.coach.training import (
    brzycki_1rm,
    consecutive_training_days,
    epley_1rm,
    estimated_1rm,
    rest_day_advice,
    suggest_progression,
    weekly_sets_per_muscle,
)


def performed(exercise: str, reps: int, weight: float, day: date) -> SimpleNamespace:
    moment = datetime.combine(day, time(18), UTC)
    return SimpleNamespace(exercise=exercise, reps=reps, weight_kg=weight, logged_at=moment)


# -- nutrition ---------------------------------------------------------------------------


def test_mifflin_st_jeor_reference_values() -> None:
    assert resting_energy_kcal(weight_kg=80, height_cm=180, age=30, sex="male") == 1780
    assert resting_energy_kcal(weight_kg=60, height_cm=165, age=40, sex="female") == 1270.25


@given(
    weight=st.floats(40, 160),
    height=st.floats(145, 210),
    age=st.integers(16, 80),
    sex=st.sampled_from(["male", "female", "unspecified"]),
    days=st.integers(0, 7),
)
@settings(max_examples=150)
def test_targets_add_up_and_follow_the_goal(
    weight: float, height: float, age: int, sex: str, days: int
) -> None:
    person = {"weight_kg": weight, "height_cm": height, "age": age, "sex": sex}
    cut = nutrition_targets(**person, goal="lose_fat", training_days_per_week=days)
    bulk = nutrition_targets(**person, goal="build_muscle", training_days_per_week=days)
    assert cut.energy_kcal < cut.maintenance_kcal < bulk.energy_kcal
    assert cut.protein_g >= bulk.protein_g  # more protein in a deficit keeps muscle
    for targets in (cut, bulk):
        from_macros = 4 * targets.protein_g + 4 * targets.carbs_g + 9 * targets.fat_g
        assert from_macros == pytest.approx(targets.energy_kcal, abs=25) or targets.carbs_g == 0


def test_meals_still_ahead_by_time_of_day() -> None:
    names = ["Breakfast", "Lunch", "Snack", "Dinner"]
    assert meals_still_ahead(names, time(7, 0)) == [0, 1, 2, 3]
    assert meals_still_ahead(names, time(15, 0)) == [2, 3]
    assert meals_still_ahead(names, time(21, 0)) == []


# -- training ----------------------------------------------------------------------------


def test_one_rep_max_formulas() -> None:
    assert epley_1rm(100, 10) == pytest.approx(133.33, abs=0.01)
    assert brzycki_1rm(100, 10) == pytest.approx(133.33, abs=0.01)
    assert estimated_1rm(140, 1) == 140


@given(weight=st.floats(1, 400), reps=st.integers(1, 30))
@settings(max_examples=150)
def test_estimated_max_is_at_least_the_weight_and_grows_with_reps(weight: float, reps: int) -> None:
    assert estimated_1rm(weight, reps) >= weight
    assert estimated_1rm(weight, reps + 1) >= estimated_1rm(weight, reps)


def test_weekly_volume_counts_each_primary_muscle() -> None:
    today = date(2026, 3, 2)
    sets = [performed("bench press", 8, 80, today)] * 3 + [performed("squat", 5, 100, today)] * 2
    volume = weekly_sets_per_muscle(sets)
    assert volume["chest"] == 3 and volume["triceps"] == 3 and volume["quads"] == 2


def test_progression_increases_repeats_deloads_and_starts() -> None:
    day = date(2026, 3, 2)
    hit = [performed("squat", 8, 100, day)] * 3
    assert suggest_progression("squat", hit, target_reps=8).next_weight_kg == 105  # lower body: +5
    bench_hit = [performed("bench press", 8, 80, day)] * 3
    assert suggest_progression("bench press", bench_hit, target_reps=8).next_weight_kg == 82.5
    missed = [performed("bench press", 8, 80, day), performed("bench press", 6, 80, day)]
    assert suggest_progression("bench press", missed, target_reps=8).action == "repeat"
    stalled = [performed("bench press", 6, 80, day + timedelta(days=7 * i)) for i in range(3)]
    deload = suggest_progression("bench press", stalled, target_reps=8)
    assert deload.action == "deload" and deload.next_weight_kg == 72.5
    assert suggest_progression("deadlift", hit, target_reps=5).action == "start"


def test_rest_day_guidance() -> None:
    today = date(2026, 3, 10)
    streak_days = [today - timedelta(days=i) for i in range(1, 7)]
    assert consecutive_training_days(streak_days, today) == 6
    assert "rest day" in rest_day_advice(planned_today=True, streak=6, training_days_per_week=6)
    assert "rest day on your plan" in rest_day_advice(
        planned_today=False, streak=0, training_days_per_week=3
    )
    assert "training day" in rest_day_advice(planned_today=True, streak=1, training_days_per_week=4)


# -- exercise names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "canonical"),
    [
        ("benched 100", "bench press"),
        ("squatted", "squat"),
        ("RDLs", "romanian deadlift"),
        ("some pull ups", "pull-up"),
        ("Skull-Crushers", "skull crusher"),
        ("hex bar deadlift", "trap bar deadlift"),
        ("farmers walk", "farmer's carry"),
        # Compounds speech-to-text splits in two.
        ("over head press, three sets of six", "overhead press"),
        ("dumb bell bench", "dumbbell bench press"),
        ("kettle bell swings", "kettlebell swing"),
        ("what's the weather", None),
        ("I was over here", None),
    ],
)
def test_find_exercise(said: str, canonical: str | None) -> None:
    assert find_exercise(said) == canonical


def test_every_canonical_name_maps_to_itself_and_trains_something() -> None:
    for name in known_exercise_names():
        assert canonical_exercise(name) == name
        assert muscles_for(name)


def test_log_names_keep_unknown_movements_as_said() -> None:
    assert exercise_for_log("Pull-Ups") == "pull-up"
    assert exercise_for_log("  Zercher   squat ") == "Zercher squat"


# -- slot parsing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("log three sets of ten squats at eighty kilos", SetSlots("squat", 3, 10, 80, "kg")),
        ("Benched 225 for 5.", SetSlots("bench press", None, 5, 225, None)),
        ("two twenty five for five on bench", SetSlots("bench press", None, 5, 225, None)),
        (
            "sixty two and a half kilos, eight reps, romanian deadlift",
            SetSlots("romanian deadlift", None, 8, 62.5, "kg"),
        ),
        ("3x5 deadlift 140 kg", SetSlots("deadlift", 3, 5, 140, "kg")),
        ("one set of twelve push ups body weight", SetSlots("push-up", 1, 12, 0, None)),
        ("did twenty pull ups", SetSlots("pull-up", None, 20, None, None)),
        ("four oh five deadlift for a double", SetSlots("deadlift", None, 2, 405, None)),
        ("log 10 wraps of leg press at 200 pounds", SetSlots("leg press", None, 10, 200, "lb")),
        (
            "a hundred and two point five kilograms squat for three",
            SetSlots("squat", None, 3, 102.5, "kg"),
        ),
        ("what's the weather like", SetSlots()),
    ],
)
def test_parse_set_slots(said: str, expected: SetSlots) -> None:
    assert parse_set_slots(said) == expected


_ONES = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_TENS = ("_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def words(number: int) -> str:
    """English words for 1..999, as a speaker says them."""
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(number, 100)
    return f"{_ONES[hundreds]} hundred" + (f" and {words(rest)}" if rest else "")


@given(
    exercise=st.sampled_from(
        ["squat", "bench press", "deadlift", "overhead press", "leg press", "barbell row"]
    ),
    sets=st.integers(2, 10),
    reps=st.integers(1, 30),
    weight=st.integers(20, 400),
    unit=st.sampled_from(
        [("kilos", "kg"), ("kilograms", "kg"), ("pounds", "lb"), ("kg", "kg"), ("lbs", "lb")]
    ),
    spelled=st.booleans(),
)
@settings(max_examples=200)
def test_spoken_sets_round_trip(
    exercise: str, sets: int, reps: int, weight: int, unit: tuple[str, str], spelled: bool
) -> None:
    say = words if spelled else str
    text = f"log {say(sets)} sets of {say(reps)} {exercise} at {say(weight)} {unit[0]}"
    assert parse_set_slots(text) == SetSlots(exercise, sets, reps, float(weight), unit[1])


# -- speech --------------------------------------------------------------------------------


def test_speakable_strips_markdown_and_long_lists() -> None:
    text = "## Creatine\n**Yes**, it works:\n- one\n- two\n- three\n- four\nSee https://example.org"
    spoken = speakable(text)
    assert not set(spoken) & set("*#`|")
    assert "four" not in spoken and "three" in spoken and "http" not in spoken


@given(st.text(max_size=3000))
@settings(max_examples=150)
def test_speakable_always_fits_thirty_seconds(text: str) -> None:
    spoken = speakable(text, max_tokens=150)
    assert len(spoken.split()) <= MAX_SPOKEN_WORDS
    assert not set(spoken) & set("*#`|")


def test_spoken_weight_uses_the_users_unit() -> None:
    assert spoken_weight(82.5, "kg") == "82.5 kilograms"
    assert spoken_weight(102.058, "lb") == "225 pounds"
    assert spoken_weight(0, "kg") == "body weight"
