"""Exercise names as people type them and as speech-to-text mishears them.

`match_exercise` says which exercise a transcript names and how sure it is: a name or alias
as said is certain; a misspelling or a sound-alike is a guess with a score, so the coach can
ask before logging it. Ordinary speech must not turn into an exercise.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fitcoach.coach.exercises import (
    canonical_exercise,
    exercise_for_log,
    find_exercise,
    match_exercise,
)

DATA = Path(__file__).parent / "data"
PROTOTYPES = Path(__file__).parents[1] / "fitcoach" / "coach" / "data" / "intent_prototypes.json"


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("Bench press, 3 sets of 8 at 80 kilos.", "bench press"),
        ("RDLs, 3 sets of 8.", "romanian deadlift"),
        # Spacing and hyphens are not spelling: typed or written together, still exact.
        ("Benchpress 8 at 80.", "bench press"),
        ("Facepulls 15 at 20.", "face pull"),
        ("Legpress, 15 reps at 180.", "leg press"),
        ("Hipthrusts, 10 reps.", "hip thrust"),
        ("Hammer curl's, 10 reps.", "hammer curl"),
        # The longest name said wins.
        ("Romanian deadlifts, 100 kilos.", "romanian deadlift"),
        # A known word inside unknown ones is enough: "row" is the barbell row.
        ("Parmel row, 8 reps at 60 kilos.", "barbell row"),
    ],
)
def test_a_name_or_alias_as_said_is_certain(said: str, name: str) -> None:
    match = match_exercise(said)
    assert match is not None
    assert (match.name, match.how, match.score, match.certain) == (name, "exact", 1.0, True)


@pytest.mark.parametrize(
    ("said", "name"),
    [
        # Mishearings of the local speech-to-text, by sound.
        ("Hip for us, 10 reps with 100 kilos.", "hip thrust"),
        ("In pline bench, 3 sets of 10 at 50 kilos.", "incline bench press"),
        ("Garble squats, 2 sets of 15 with a 20 kilo dumbbell.", "goblet squat"),
        ("Caff raises, 20 reps at 60 kilos.", "calf raise"),
        ("Hammer girls, 12 reps at 14 kilos.", "hammer curl"),
        ("Tricep push dance, 12 reps at 35 kilos.", "tricep pushdown"),
        ("Seated cable roe, 12 reps at 55.", "seated cable row"),
        ("Pendlay rose, 5 sets of 5.", "barbell row"),
        ("Leg extenshuns, 15 reps.", "leg extension"),
        ("Lat pull dawn, 10 reps at 60.", "lat pulldown"),
        ("Pull ops, 3 sets of 8.", "pull-up"),
        # Misspellings typed into the text mode.
        ("Romainian deadlift 10 at 80.", "romanian deadlift"),
        ("Skull crushes 12 at 30.", "skull crusher"),
        ("Dedlift, 5 reps at 180.", "deadlift"),
        ("Burpies, 20 reps.", "burpee"),
        ("Calf rases, 15 reps.", "calf raise"),
    ],
)
def test_a_misspelt_or_misheard_name_is_a_scored_guess(said: str, name: str) -> None:
    match = match_exercise(said)
    assert match is not None and match.name == name
    assert not match.certain and match.how in {"spelling", "sound"}
    assert 0.75 <= match.score < 1.0
    assert match.heard and match.heard in said.lower().replace("'", "")


def test_a_close_guess_beats_a_shorter_name_it_contains() -> None:
    # "squats" alone is an exact squat, but "garble squats" sounds like a goblet squat.
    match = match_exercise("Garble squats.")
    assert match is not None and not match.certain
    assert (match.name, match.heard) == ("goblet squat", "garble squats")
    # An ordinary word in front of a name does not make it another exercise.
    for said in ("I do bench on Mondays.", "Heavy squats today.", "The deadlifts went well."):
        match = match_exercise(said)
        assert match is not None and match.certain, said


@pytest.mark.parametrize(
    "said",
    [
        "Long day, what's for dinner?",
        "I'm creating a plan.",
        "What do I have planned today?",
        "Is it leg day today?",
        "I'll cycle to work tomorrow.",
        "Any tips for my first marathon?",
        "My back hurts when I sit.",
        "What do girls eat for breakfast?",
        "We planned a trip to Spain.",
        "Hip hop is my favourite music.",
        "Press the button for me.",
        "I need a lift home after this.",
        "Roses are red.",
        "Hammer time.",
        "Squad goals.",
        "I burnt the toast again.",
        "Face the facts, coach.",
        "That was a close call.",
        "",
    ],
)
def test_ordinary_speech_names_no_exercise(said: str) -> None:
    assert match_exercise(said) is None


def _labelled_lines() -> list[dict[str, str]]:
    rows = [
        json.loads(line)
        for path in sorted(DATA.glob("intent_utterances*.jsonl"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    prototypes = json.loads(PROTOTYPES.read_text())
    rows += [
        {"text": text, "intent": intent} for intent, texts in prototypes.items() for text in texts
    ]
    return rows


def test_no_labelled_line_outside_set_logging_gets_a_guessed_exercise() -> None:
    """False positives, measured on every labelled utterance and prototype we have."""
    rows = _labelled_lines()
    assert len(rows) > 1000
    guessed = [
        (row["intent"], row["text"], match)
        for row in rows
        if row["intent"] not in ("log_set", "correct_set")
        and (match := match_exercise(row["text"])) is not None
        and not match.certain
    ]
    assert guessed == []


def test_find_exercise_never_guesses() -> None:
    # The specialists look names up with it: a guess there would answer about the wrong lift.
    assert find_exercise("Skull crushes 12 at 30.") is None
    assert find_exercise("Skull crushers 12 at 30.") == "skull crusher"
    assert find_exercise("Benchpress") == "bench press"


def test_names_for_the_log_are_exact_or_kept_as_said() -> None:
    assert canonical_exercise("Benchpress") == "bench press"
    assert canonical_exercise("Face-Pulls") == "face pull"
    assert canonical_exercise("skull crushes") is None
    assert exercise_for_log("skull crushes") == "skull crushes"
