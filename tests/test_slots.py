"""The slot parser, one table per rule, in the way whisper writes: capitals, digits, commas
and full stops. Each table has rows a rule must read and rows it must leave alone.
"""

from __future__ import annotations

import pytest

from fitcoach.coach.slots import SetSlots, parse_set_slots


def _check(said: str, expected: SetSlots) -> None:
    assert parse_set_slots(said) == expected


# -- which set it was: "set 2", "second set" ---------------------------------------------


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (
            "Bench press, set 2, 10 reps, 60 kilos.",
            SetSlots("bench press", 1, 10, 60, "kg", set_number=2),
        ),
        (
            "Leg press set 4, 15 reps at 60 kilos.",
            SetSlots("leg press", 1, 15, 60, "kg", set_number=4),
        ),
        (
            "Second set of deadlifts, 140 for 5.",
            SetSlots("deadlift", 1, 5, 140, None, set_number=2),
        ),
        (
            "Third set. Squats, 8 reps at 100 kilos.",
            SetSlots("squat", 1, 8, 100, "kg", set_number=3),
        ),
        (
            "Set number 2 on the leg press, 12 reps at 120 kilos.",
            SetSlots("leg press", 1, 12, 120, "kg", set_number=2),
        ),
        (
            "My 4th set of curls, 10 reps with 12 kilos.",
            SetSlots("dumbbell curl", 1, 10, 12, "kg", set_number=4),
        ),
        # "of 4" is how many sets were planned, not reps.
        ("Set 3 of 4, bench, 6 reps at 90.", SetSlots("bench press", 1, 6, 90, None, set_number=3)),
        ("Fifth set of squats, 120 for 3.", SetSlots("squat", 1, 3, 120, None, set_number=5)),
        # Not a position: a count before "set", or the number is the reps.
        ("1 set, 10 reps at 60 kilos on bench.", SetSlots("bench press", 1, 10, 60, "kg")),
        ("One more set of 10 at 60 on bench.", SetSlots("bench press", 1, 10, 60, None)),
        ("A set of 12 squats at 80 kilos.", SetSlots("squat", 1, 12, 80, "kg")),
        ("Set 12 reps at 60 kilos on bench.", SetSlots("bench press", 1, 12, 60, "kg")),
        ("3 sets of 10, 60 kilos, squats.", SetSlots("squat", 3, 10, 60, "kg")),
        ("Last set of deadlifts, 3 reps at 190.", SetSlots("deadlift", 1, 3, 190, None)),
    ],
)
def test_the_position_of_a_set_is_never_reps_or_weight(said: str, expected: SetSlots) -> None:
    _check(said, expected)


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # An ordinal that is no set position is not a number of anything either.
        ("For the 3rd time, 5 reps of deadlift at 150.", SetSlots("deadlift", None, 5, 150, None)),
        ("Give me a second. Bench, 8 reps at 70.", SetSlots("bench press", None, 8, 70, None)),
        ("First exercise done, squats, 5 at 100 kilos.", SetSlots("squat", None, 5, 100, "kg")),
    ],
)
def test_other_ordinals_are_not_counts(said: str, expected: SetSlots) -> None:
    _check(said, expected)


# -- one number written in two pieces, or two numbers? ------------------------------------


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # Plate-maths shorthand: "two twenty-five", "one thirty-five".
        ("Two twenty-five for five on bench.", SetSlots("bench press", None, 5, 225, None)),
        ("Bench, 1 35 pounds for 10.", SetSlots("bench press", None, 10, 135, "lb")),
        ("Squat at 2 25, 5 reps.", SetSlots("squat", None, 5, 225, None)),
        ("Two twenty-five on squat for 3.", SetSlots("squat", None, 3, 225, None)),
        ("Squat 2 25.", SetSlots("squat", None, None, 225, None)),
        # Whisper puts a comma into "three fifteen pounds" when the reps are said as well.
        (
            "Pulled 3, 15 pounds for 3 reps on deadlift.",
            SetSlots("deadlift", None, 3, 315, "lb"),
        ),
        # "one hundred and eighty" written as "100 and 80".
        (
            "Leg press, 15 reps at 100 and 80 kilos.",
            SetSlots("leg press", None, 15, 180, "kg"),
        ),
        ("Deadlift at 200 and 20 for 3.", SetSlots("deadlift", None, 3, 220, None)),
        ("Calf raises, 20 reps at 100 and 5 kilos.", SetSlots("calf raise", None, 20, 105, "kg")),
        ("Deadlift, 4 oh 5 for a single.", SetSlots("deadlift", None, 1, 405, None)),
        ("Leg press, 1,000 pounds for 5.", SetSlots("leg press", None, 5, 1000, "lb")),
    ],
)
def test_a_weight_written_in_two_pieces_is_one_number(said: str, expected: SetSlots) -> None:
    _check(said, expected)


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # "N and M": a weight and reps, unless a unit makes it one weight.
        ("Bench 100 and 8 reps.", SetSlots("bench press", None, 8, 100, None)),
        ("Bench 100 and 8.", SetSlots("bench press", None, 8, 100, None)),
        ("Squat 140 and 5.", SetSlots("squat", None, 5, 140, None)),
        ("Bench at 100 and 5 reps.", SetSlots("bench press", None, 5, 100, None)),
        # A comma between a rep count and a weight in kilos.
        ("Curls, 8, 15 kilos.", SetSlots("dumbbell curl", None, 8, 15, "kg")),
        # ... and in pounds when no other rep count is said.
        ("Curls, 8, 15 pounds.", SetSlots("dumbbell curl", None, 8, 15, "lb")),
        # A count before the pieces: "2 sets, 25 pounds".
        (
            "Lateral raises, 3 sets, 15 pounds, 10 reps.",
            SetSlots("lateral raise", 3, 10, 15, "lb"),
        ),
        (
            "Set 2, 25 pounds for 8 reps, curls.",
            SetSlots("dumbbell curl", 1, 8, 25, "lb", set_number=2),
        ),
        # Counted numbers stay counts.
        ("Squat 3 15 reps at 60 kilos.", SetSlots("squat", None, 15, 60, "kg")),
    ],
)
def test_two_numbers_are_not_joined(said: str, expected: SetSlots) -> None:
    _check(said, expected)


# -- numbers that are neither reps nor weight ---------------------------------------------


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("Squat, 5 reps at 100 kilos, RPE 8.", SetSlots("squat", None, 5, 100, "kg")),
        ("Squat, 5 at RPE 8.", SetSlots("squat", None, 5, None, None)),
        ("Bench at 80%, 5 reps.", SetSlots("bench press", None, 5, None, None)),
        ("Deadlift 5 reps, 2 RIR, 160 kilos.", SetSlots("deadlift", None, 5, 160, "kg")),
        ("Squat 5 at 8 RPE.", SetSlots("squat", None, 5, None, None)),
        # The value a correction replaces.
        ("No, 85 kilos, not 80.", SetSlots(None, None, None, 85, "kg")),
        ("Not 100 kilos, 110 kilos.", SetSlots(None, None, None, 110, "kg")),
        ("Actually it was 7 reps, not 8.", SetSlots(None, None, 7, None, None)),
    ],
)
def test_effort_and_replaced_values_are_not_reps_or_weight(said: str, expected: SetSlots) -> None:
    _check(said, expected)


# -- the rules that were there before, in whisper's style ---------------------------------


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("Bench, 80 kilos for 8 wraps.", SetSlots("bench press", None, 8, 80, "kg")),
        ("Squats, 5 repss at 100.", SetSlots("squat", None, 5, 100, None)),
        ("Three sits of 10 squats at 60 kilos.", SetSlots("squat", 3, 10, 60, "kg")),
        ("Tree sets of 8 on bench at 70.", SetSlots("bench press", 3, 8, 70, None)),
        ("Log for sets of 6 deadlifts at 150.", SetSlots("deadlift", 4, 6, 150, None)),
        ("To sets of 12 curls at 14 kilos.", SetSlots("dumbbell curl", 2, 12, 14, "kg")),
        ("Another set of 8 on bench, 75 kilos.", SetSlots("bench press", 1, 8, 75, "kg")),
        ("Dips, 12 reps, body weight.", SetSlots("dip", None, 12, 0, None)),
        ("Pull-ups, 10 reps, no weight.", SetSlots("pull-up", None, 10, 0, None)),
        ("Squat, 3 reps at 102.5 kilo grams.", SetSlots("squat", None, 3, 102.5, "kg")),
        ("Leg press, 12 reps at 150 kilogrammes.", SetSlots("leg press", None, 12, 150, "kg")),
        ("That last one was 5 reps of deadlift at 180.", SetSlots("deadlift", None, 5, 180, None)),
        ("Squat, 180 for a double.", SetSlots("squat", None, 2, 180, None)),
        ("Deadlift, 200 kilos for a triple.", SetSlots("deadlift", None, 3, 200, "kg")),
        ("Bench, 140 for a single.", SetSlots("bench press", None, 1, 140, None)),
        ("Front squat, 62 and a half kilos, 6 reps.", SetSlots("front squat", None, 6, 62.5, "kg")),
        ("Squat, 3 reps at 102 point 5 kilos.", SetSlots("squat", None, 3, 102.5, "kg")),
        ("Deadlift, a 140 kilos for 3.", SetSlots("deadlift", None, 3, 140, "kg")),
        ("Squats, 3x10 at 60 kilos.", SetSlots("squat", 3, 10, 60, "kg")),
        ("Bench, 4 by 6, 85 kilos.", SetSlots("bench press", 4, 6, 85, "kg")),
        # Bare numbers in the order people say them.
        ("Squat, 100, 5.", SetSlots("squat", None, 5, 100, None)),
        ("Did 20 push-ups.", SetSlots("push-up", None, 20, None, None)),
        ("Curls, 12, 10.", SetSlots("dumbbell curl", None, 12, 10, None)),
    ],
)
def test_earlier_rules_in_whisper_style(said: str, expected: SetSlots) -> None:
    _check(said, expected)


def test_a_guessed_exercise_is_flagged_and_an_exact_one_is_not() -> None:
    guessed = parse_set_slots("Skull crushes, 12 at 30.")
    assert guessed == SetSlots("skull crusher", None, 12, 30, None)
    assert guessed.exercise_is_guess and guessed.match is not None
    assert guessed.match.how == "spelling" and guessed.match.score < 1
    exact = parse_set_slots("Skull crushers, 12 at 30.")
    assert not exact.exercise_is_guess and exact.match is not None and exact.match.certain
    assert not parse_set_slots("12 at 30.").exercise_is_guess


def test_set_numbers_are_reps_with_a_weight_or_a_count() -> None:
    assert parse_set_slots("Bench, 8 reps at 80.").has_set_numbers
    assert parse_set_slots("3 sets of 10 squats.").has_set_numbers
    assert not parse_set_slots("My friend is 25 today.").has_set_numbers
    assert not parse_set_slots("Bench at 80 kilos.").has_set_numbers
