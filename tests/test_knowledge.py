"""The knowledge base: what it holds (spoken-length, sourced answers), how it is matched, and
how its answers sound to a listener, whichever way the question was put."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from fitcoach.coach.context import AgentContext, PlannedLift, Preferences, Profile, WorkoutPlanView
from fitcoach.coach.knowledge import (
    KnowledgeEntry,
    load_entries,
    mentions_pain_or_injury,
    shared_knowledge_base,
)
from fitcoach.coach.nutrition import nutrition_targets
from fitcoach.coach.specialists import LocalSpecialists
from fitcoach.coach.speech import MAX_SPOKEN_WORDS

# "Yes", "No", "Most likely yes", "Probably not": a reply whose meaning hangs on how the
# question was worded.
BARE_POLARITY = re.compile(
    r"^(?:(?:most |very )?likely |probably |definitely |absolutely |certainly )?"
    r"(?:yes|no|yeah|yep|nope|not really|not at all)\b",
    re.IGNORECASE,
)
TODAY = date(2026, 3, 2)
# The energy in a kilogram of body fat lost, the usual planning figure.
KCAL_PER_KG_LOST = 7700
SPOKEN_FRACTIONS = {"a quarter": 0.25, "half": 0.5, "three quarters": 0.75, "one": 1.0}


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


def test_knowledge_base_is_large_and_speakable() -> None:
    entries = load_entries()
    assert len(entries) >= 140
    assert {e.topic for e in entries} == {"workout", "diet", "supplement", "recovery", "safety"}
    assert len({e.id for e in entries}) == len(entries)
    for entry in entries:
        # Voice replies are cut at a sentence boundary after MAX_SPOKEN_WORDS; an answer longer
        # than that would lose its last sentence, which is often its caution.
        assert 20 <= len(entry.answer.split()) <= MAX_SPOKEN_WORDS, entry.id
        assert not set(entry.answer) & set("*#()")
    medical = [
        e for e in entries if e.topic == "safety" and any(map(mentions_pain_or_injury, e.questions))
    ]
    assert len(medical) >= 10
    for entry in medical:
        assert re.search(
            r"doctor|physio|medical|professional|emergency|midwife", entry.answer, re.I
        ), entry.id


def test_every_answer_but_expert_opinion_names_its_sources() -> None:
    for entry in load_entries():
        if entry.evidence != "expert-opinion":
            assert entry.citations, entry.id
        assert len(set(entry.citations)) == len(entry.citations), entry.id
        for citation in entry.citations:
            # Authors, title, source and a year, as a reference list prints them.
            assert re.search(r"\b(?:19|20)\d\d\b", citation) and citation.endswith("."), citation
    uncited = {"id": "x", "topic": "diet", "questions": ["q"], "answer": "a", "citations": []}
    with pytest.raises(ValidationError, match="needs a citation"):
        KnowledgeEntry.model_validate({**uncited, "evidence": "strong"})
    assert KnowledgeEntry.model_validate({**uncited, "evidence": "expert-opinion"}).citations == []


def test_every_knowledge_entry_is_found_by_its_own_questions() -> None:
    knowledge = shared_knowledge_base()
    misses = []
    for entry in knowledge.entries:
        for question in entry.questions:
            match = knowledge.answer(question)
            if match is None or match.entry.id != entry.id:
                misses.append(question)
    total = sum(len(e.questions) for e in knowledge.entries)
    assert len(misses) / total <= 0.05, misses[:10]


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


def answer_of(entry_id: str) -> str:
    return next(e.answer for e in load_entries() if e.id == entry_id)


def test_the_deficit_the_knowledge_base_gives_is_the_one_the_diet_maths_sets() -> None:
    """The diet specialist tells a fat-loss user their own calorie target; the knowledge base
    must not recommend a different deficit, nor promise a loss its deficit cannot give."""
    answer = answer_of("calorie-deficit-size")
    kcal = re.search(r"(\d+) to (\d+) calories a day", answer)
    share = re.search(r"a (fifth|quarter|sixth) below maintenance", answer)
    loss = re.search(r"lose about ([a-z ]+?) to ([a-z ]+?) a kilo a week", answer)
    assert kcal and share and loss, answer
    low_kcal, high_kcal = int(kcal.group(1)), int(kcal.group(2))
    fraction = {"fifth": 1 / 5, "quarter": 1 / 4, "sixth": 1 / 6}[share.group(1)]
    low_kg, high_kg = (SPOKEN_FRACTIONS[part] for part in loss.groups())
    assert low_kg <= low_kcal * 7 / KCAL_PER_KG_LOST <= low_kg * 1.1  # "about"
    assert high_kg * 0.9 <= high_kcal * 7 / KCAL_PER_KG_LOST <= high_kg * 1.1

    deficits = []
    for weight, height, age, sex, days in itertools.product(
        (50, 65, 80, 100), (155, 170, 185), (20, 40, 60), ("female", "male"), range(7)
    ):
        targets = nutrition_targets(
            weight_kg=weight,
            height_cm=height,
            age=age,
            sex=sex,
            goal="lose_fat",
            training_days_per_week=days,
        )
        deficit = targets.maintenance_kcal - targets.energy_kcal
        assert abs(deficit - fraction * targets.maintenance_kcal) <= 1
        deficits.append(deficit)
    # "suits most people": the range holds the deficit the maths sets for most adult bodies.
    inside = sum(low_kcal <= deficit <= high_kcal for deficit in deficits)
    assert inside / len(deficits) >= 0.8, (inside, len(deficits))


def test_protein_per_meal_adds_up_to_the_daily_protein_target() -> None:
    per_meal = re.search(
        r"([\d.]+) grams per kilogram of body weight per meal", answer_of("protein-per-meal")
    )
    meals = re.search(r"over at least (\d+) meals", answer_of("protein-per-meal"))
    daily = re.search(r"about ([\d.]+) grams of protein per kilogram", answer_of("protein-per-kg"))
    assert per_meal and meals and daily
    assert float(per_meal.group(1)) * int(meals.group(1)) >= float(daily.group(1))


def test_dehydration_advice_sends_brown_urine_to_a_doctor_not_to_the_tap() -> None:
    """Dark urine after a hard session can be muscle breakdown, where drinking more and
    waiting is the wrong advice; whichever entry a dehydration question reaches must say so."""
    knowledge = shared_knowledge_base()
    for question in ("how do I know if I'm dehydrated", "my pee is dark brown after leg day"):
        match = knowledge.answer(question)
        assert match is not None, question
        assert re.search(r"brown|cola", match.entry.answer) and "medical help" in match.entry.answer


@pytest.mark.parametrize(
    ("entry_id", "who_should_ask_first"),
    [
        ("sodium-bicarbonate", r"high blood pressure or kidney disease"),
        ("citrulline", r"blood pressure medicine, nitrates"),
        ("fish-oil", r"blood thinners"),
        ("magnesium", r"kidney disease"),
        ("sauna", r"pregnant"),
        ("caffeine-dose", r"under-18s"),
        ("pre-workout", r"under 18"),
    ],
)
def test_supplements_with_known_interactions_say_who_should_not_take_them_unasked(
    entry_id: str, who_should_ask_first: str
) -> None:
    assert re.search(who_should_ask_first, answer_of(entry_id))
