"""The knowledge base: what it holds (spoken-length, sourced answers), how its answers sound
whichever way the question was put, and the guard that keeps advice to eat less or to take a
supplement from the people it could harm. What the answers claim (polarity, numbers,
evidence) is checked in test_knowledge_claims.py."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from fitcoach.coach.context import AgentContext, PlannedLift, Preferences, Profile, WorkoutPlanView
from fitcoach.coach.knowledge import KnowledgeEntry, load_entries, shared_knowledge_base
from fitcoach.coach.safety import (
    mentions_medication,
    mentions_pain_or_injury,
    needs_safety_answer,
    says_pregnant_or_breastfeeding,
    says_under_18,
)
from fitcoach.coach.specialists import KNOWLEDGE_TOPICS, LocalSpecialists
from fitcoach.coach.speech import MAX_SPOKEN_WORDS, speakable

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


def test_every_knowledge_entry_is_found_by_its_own_questions_whichever_specialist_asks() -> None:
    """A specialist prefers its own topics, but the diet specialist asked "how much creatine
    should I take" must still give the creatine answer (strict topic filtering gave the
    protein one, for 599 of these 2,151 pairs)."""
    knowledge = shared_knowledge_base()
    specialist_topics = [*KNOWLEDGE_TOPICS.values(), None]
    misses = []
    for entry in knowledge.entries:
        for question in entry.questions:
            for topics in specialist_topics:
                match = knowledge.answer(question, topics=topics)
                if match is None or match.entry.id != entry.id:
                    misses.append((question, topics, match and match.entry.id))
    total = sum(len(e.questions) for e in knowledge.entries) * len(specialist_topics)
    assert len(misses) / total <= 0.01, misses[:10]


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


def test_dehydration_advice_sends_brown_urine_to_a_doctor_not_to_the_tap() -> None:
    """Dark urine after a hard session can be muscle breakdown, where drinking more and
    waiting is the wrong advice; whichever entry a dehydration question reaches must say so."""
    knowledge = shared_knowledge_base()
    for question in ("how do I know if I'm dehydrated", "my pee is dark brown after leg day"):
        match = knowledge.answer(question)
        assert match is not None, question
        assert re.search(r"brown|cola", match.spoken) and "medical help" in match.spoken


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


# Phrasings written before the safety entries' own questions, and kept apart from them: how
# people say it, not how the entries ask it.
GUARDED = {
    "disordered-eating": [
        "I've been starving myself to lose weight",
        "I make myself throw up after I eat",
        "I only eat 600 calories a day",
        "I keep bingeing at night and then fasting the next day",
        "I take laxatives to stay thin",
        "I skip meals so I don't gain weight",
        "I have to burn off every calorie I eat at the gym",
        "could I be anorexic",
        "my friend says I'm too thin but I still feel fat",
        "I feel so guilty after eating",
    ],
    "weight-loss-under-18": [
        "I'm 15 how do I lose weight",
        "I'm 16 and want to cut",
        "I'm 14 what should my calorie deficit be",
        "I'm 17 is intermittent fasting ok for me",
        "how many calories should a 15 year old eat to lose weight",
    ],
    "dieting-pregnancy-breastfeeding": [
        "I'm pregnant should I cut calories",
        "can I do intermittent fasting while breastfeeding",
        "I'm expecting a baby and want to keep my weight down",
        "how fast can I lose the baby weight while breastfeeding",
        "is keto safe during pregnancy",
    ],
    "supplements-under-18": [
        "I'm 16 how much creatine should I take",
        "I'm 15 is pre-workout ok",
        "I'm 14 should I drink protein shakes",
        "what fat burner is best for a 16 year old",
    ],
    "supplements-pregnancy-breastfeeding": [
        "I'm pregnant can I take creatine",
        "is creatine safe while breastfeeding",
        "I'm expecting a baby can I still use my whey",
        "can I take beta alanine while pregnant",
    ],
    "medicines-diet-and-supplements": [
        "I'm on warfarin can I take fish oil",
        "I take blood pressure tablets is citrulline ok",
        "I'm on metformin should I try intermittent fasting",
        "I take insulin can I train fasted",
        "I'm on sertraline is ashwagandha ok",
        "I have kidney disease can I take creatine",
        "I'm on levothyroxine can I take ashwagandha",
        "I take an MAOI can I use pre-workout",
        "I take antibiotics can I keep taking magnesium",
    ],
}
# Questions near the guard's words that must keep their ordinary answer.
NOT_GUARDED = {
    "how big should my calorie deficit be": "calorie-deficit-size",
    "I'm not eating enough protein": "protein-per-kg",
    "is intermittent fasting good for fat loss": "intermittent-fasting",
    "I'm 16 is lifting weights safe for me": "youth-lifting",
    "I'm 16 weeks pregnant can I still lift": "exercise-in-pregnancy",
    "I overate at a party is my diet ruined": "cheat-meals",
    "I barely eat vegetables how do I get more fibre": "fibre",
    # Kidneys, blood pressure, insulin and pregnancy, not said of the listener's own medicine.
    "is creatine bad for your kidneys": "creatine-safety",
    "does too much protein hurt your kidneys": "high-protein-safety",
    "can I take protein powder": "protein-powder-needed",
    "is beetroot juice worth taking": "beetroot-nitrate",
    "how much caffeine is safe when pregnant": "caffeine-pregnancy",
    "can I take pre-workout while pregnant": "caffeine-pregnancy",
}
# Advice to eat less, in the words the answers use for it.
RESTRICTION_ADVICE = re.compile(
    r"\bdeficit\b|\bfast(?:ing|ed)\b|below maintenance|weigh yourself|\bcut (?:about )?\d+|"
    r"eating window|\bdiets? under\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize(
    ("question", "safety_entry"),
    [(question, entry) for entry, questions in GUARDED.items() for question in questions],
)
def test_people_that_advice_to_eat_less_or_a_supplement_could_harm_get_the_safety_answer(
    question: str, safety_entry: str
) -> None:
    match = shared_knowledge_base().answer(question)
    assert match is not None and match.entry.id == safety_entry, (question, match)


@pytest.mark.parametrize(("question", "entry_id"), sorted(NOT_GUARDED.items()))
def test_ordinary_questions_near_the_guard_keep_their_answer(question: str, entry_id: str) -> None:
    match = shared_knowledge_base().answer(question)
    assert match is not None and match.entry.id == entry_id, (question, match)


def test_every_answer_that_restricts_eating_carries_the_caution_within_the_spoken_budget() -> None:
    knowledge = shared_knowledge_base()
    caution = knowledge.guard.caution
    restricting = [e for e in knowledge.entries if e.restricts_eating]
    assert len(restricting) >= 10
    for entry in knowledge.entries:
        if entry.topic != "safety" and RESTRICTION_ADVICE.search(entry.answer):
            assert entry.restricts_eating, entry.id
    for entry in restricting:
        spoken = knowledge.spoken(entry)
        assert spoken == f"{entry.answer} {caution}"
        # The caution comes last, so a reply cut to the voice budget would lose it first.
        assert speakable(spoken, max_tokens=150) == spoken, entry.id
    for question in ("how fast should I lose weight", "is 16 8 fasting good"):
        match = knowledge.answer(question)
        assert match is not None and match.spoken.endswith(caution)


def test_a_listener_under_18_never_hears_advice_to_eat_less() -> None:
    knowledge = shared_knowledge_base()
    careful = {
        e.answer
        for e in knowledge.entries
        if e.id in (knowledge.guard.under_18_diet_entry, knowledge.guard.under_18_supplement_entry)
    }
    under_18 = LocalSpecialists(context(age=16), knowledge)
    adult = LocalSpecialists(context(age=30), knowledge)
    restricting = [e for e in knowledge.entries if e.restricts_eating]
    for entry in restricting:
        for question in entry.questions:
            reply = under_18.answer("diet", question)
            assert reply in careful or "under-18s" in reply, (question, reply)
    assert adult.answer("diet", "how big should my calorie deficit be").endswith(
        knowledge.guard.caution
    )
    # The diet maths sets a deficit for an adult losing fat, and no target for a minor.
    assert re.search(r"aim for about [\d,]+ calories", adult.answer("diet", "my calorie target"))
    assert adult.answer("diet", "my calorie target").endswith(knowledge.guard.caution)
    assert "under-18s" in under_18.answer("diet", "my calorie target")


def test_pain_and_disordered_eating_come_before_the_log_and_the_plan() -> None:
    specialists = LocalSpecialists(context(tomorrow_trains=True), shared_knowledge_base())
    shoulder = specialists.answer("tracker", "my shoulder hurt during my last workout")
    assert re.search(r"doctor|physio", shoulder), shoulder
    starving = specialists.answer("scheduler", "I've been starving myself this week")
    assert "eating disorder" in starving, starving


@pytest.mark.parametrize(
    ("said", "under_18"),
    [
        ("I'm 15 how do I lose weight", True),
        ("i am sixteen and want to get lean", True),
        ("what should a 14 year old eat", True),
        ("I'm a teenager", True),
        ("I'm 16 weeks pregnant", False),
        ("I'm 15 kilos overweight", False),
        ("I'm 17 percent body fat", False),
        ("I'm 12.5 stone", False),
        ("I did 15 reps", False),
    ],
)
def test_an_age_under_18_is_told_apart_from_other_numbers(said: str, under_18: bool) -> None:
    assert says_under_18(said) is under_18


@pytest.mark.parametrize(
    ("said", "safety_first"),
    [
        ("I nearly passed out at the gym", True),
        ("my pee is cola coloured", True),
        ("I make myself sick after meals", True),
        ("I only eat 700 calories a day", True),
        ("I'm starving after training", False),
        ("I threw up after a hard set of squats", False),
        ("should I eat 500 calories a day less", False),
        ("I eat nothing but chicken and rice", False),
        ("I binge watched tv instead of training", False),
    ],
)
def test_warning_signs_and_disordered_eating_are_told_apart_from_everyday_words(
    said: str, safety_first: bool
) -> None:
    assert needs_safety_answer(said) is safety_first


def test_pregnancy_and_breastfeeding_are_heard_in_their_everyday_words() -> None:
    for said in ("I'm expecting a baby", "since having my son", "I'm breastfeeding"):
        assert says_pregnant_or_breastfeeding(said), said
    for said in ("I'm expecting to hit a PR", "since having a bad week I want to cut"):
        assert not says_pregnant_or_breastfeeding(said), said


def test_the_careful_answers_send_the_listener_to_a_professional() -> None:
    knowledge = shared_knowledge_base()
    careful = [e for e in knowledge.entries if e.id in knowledge.guard.entry_ids()]
    assert {e.id for e in careful} == set(GUARDED)
    for entry in careful:
        assert re.search(r"doctor|pharmacist|midwife", entry.answer), entry.id
    medicines = next(e for e in careful if e.id == knowledge.guard.medication_entry)
    assert "doctor or pharmacist" in medicines.answer


def test_a_listener_under_18_gets_the_careful_answer_to_every_supplement_question() -> None:
    knowledge = shared_knowledge_base()
    careful = next(e for e in knowledge.entries if e.id == "supplements-under-18").answer
    under_18 = LocalSpecialists(context(age=16), knowledge)
    adult = LocalSpecialists(context(age=30), knowledge)
    supplements = [e for e in knowledge.entries if e.topic == "supplement"]
    assert len(supplements) >= 30
    for entry in supplements:
        for question in entry.questions:
            reply = under_18.answer("supplement", question)
            assert reply == careful, (question, reply)
    assert adult.answer("supplement", "how much creatine should I take") != careful


def test_a_calorie_target_is_not_set_for_someone_who_says_it_could_harm_them() -> None:
    knowledge = shared_knowledge_base()
    adult = LocalSpecialists(context(age=30), knowledge)
    by_id = {e.id: e for e in knowledge.entries}
    for said, entry_id in (
        ("I'm on insulin what's my calorie target", "medicines-diet-and-supplements"),
        ("I take metformin, what should my calories be", "medicines-diet-and-supplements"),
        ("I'm breastfeeding, what's my calorie target", "dieting-pregnancy-breastfeeding"),
    ):
        assert adult.answer("diet", said) == knowledge.spoken(by_id[entry_id]), said
    assert "under-18s" in adult.answer("diet", "I'm 16 what's my calorie target")
    assert re.search(r"aim for about [\d,]+ calories", adult.answer("diet", "my calorie target"))


@pytest.mark.parametrize(
    ("said", "named"),
    [
        ("I'm on warfarin", True),
        ("I take blood pressure tablets", True),
        ("I'm on blood thinners", True),
        ("I use an insulin pump", True),
        ("I take insulin before meals", True),
        ("I'm on ozempic", True),
        ("I'm on antidepressants", True),
        ("my doctor put me on statins", True),
        ("I take daily aspirin", True),
        ("I have chronic kidney disease", True),
        ("I'm on meds for my thyroid", True),
        ("I take thyroid medication", True),
        ("does caffeine raise blood pressure", False),
        ("is creatine bad for your kidneys", False),
        ("does creatine cause kidney disease", False),
        ("does whey spike insulin", False),
        ("is insulin sensitivity better after training", False),
        ("does ashwagandha affect your thyroid", False),
        ("is beetroot nitrate worth it", False),
        ("I take fish oil pills", False),
        ("I take my pre-workout with water", False),
        ("do I need electrolyte tablets", False),
        ("can supplements make me fail a drug test", False),
    ],
)
def test_a_named_medicine_is_told_apart_from_everyday_words(said: str, named: bool) -> None:
    assert mentions_medication(said) is named
