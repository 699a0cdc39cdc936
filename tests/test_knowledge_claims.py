"""What the knowledge base's answers claim, checked: an answer that opens with "yes" or "no"
agrees with every question it answers; every number that can be recomputed is the coaching
maths' number; expert opinion is never spoken as a study's finding.

Each check is a function over answer texts. The tests run it on the shipped entries, and on
the answers the fact-check found wrong, kept below as they were, which it must reject.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pytest

from fitcoach.coach.knowledge import KnowledgeEntry, load_entries
from fitcoach.coach.nutrition import (
    CAFFEINE_DAILY_MG,
    CAFFEINE_PREGNANCY_DAILY_MG,
    CAFFEINE_SINGLE_DOSE_MG,
    caffeine_daily_limit_mg,
    nutrition_targets,
    weekly_weight_change_kg,
)
from fitcoach.coach.training import GOOD_WEEKLY_SETS, load_increment_kg

ENTRIES = {entry.id: entry for entry in load_entries()}
ANSWERS = {entry_id: entry.answer for entry_id, entry in ENTRIES.items()}

# The fact-check's wrong answers as they were before it (the polarity ones to their first
# sentence, all that check reads).
ORIGINAL_OPENINGS = {
    "creatine-with-caffeine": "Most likely yes.",
    "protein-powder-needed": "No, protein powder is just convenient food.",
    "stress-and-recovery": "Yes, high mental stress can slow recovery from hard training.",
    "recomposition": (
        "Yes, building muscle while losing fat is realistic, especially for beginners, people "
        "returning after a break, and those with more body fat."
    ),
    "vegan-protein": "Yes, you can build muscle on a vegetarian or vegan diet.",
    "home-workouts": "Yes.",
}
ORIGINAL_NUMBERS = {
    "calorie-deficit-size": (
        "A moderate deficit of roughly 300 to 500 calories below maintenance suits most "
        "people. That usually gives a loss of about half to one per cent of body weight a "
        "week. Bigger deficits feel harder and make it more likely you lose muscle and "
        "strength, especially if you are already lean."
    ),
    "protein-per-meal": (
        "Your body absorbs all the protein you eat. The question is how much goes to muscle "
        "building. A practical target is about 0.4 grams per kilogram of body weight per "
        "meal, roughly 25 to 40 grams, over 3 to 5 meals. A bigger serving is not wasted, "
        "but spreading your intake makes sense."
    ),
    "caffeine-dose": (
        "Research supports about 3 to 6 milligrams per kilogram of body weight, and many "
        "people do well on less, around 2 to 3 milligrams per kilogram. For a 70 kilogram "
        "person, about 200 milligrams, roughly two mugs of coffee, is a sensible start. "
        "Healthy adults should stay under about 400 milligrams a day in total."
    ),
    "pre-workout": (
        "Most of the boost from a pre-workout comes from caffeine, and many products add "
        "other ingredients at doses too low to matter. Some contain very high caffeine or "
        "poorly tested stimulants, so read the label and start with half a scoop. A cup of "
        "coffee gives a similar effect for far less money."
    ),
}


# -- polarity -----------------------------------------------------------------------------

_FILLERS = {"so", "ok", "okay", "hey", "coach", "please", "and", "but", "also", "um", "well"}
_AUXILIARIES = {
    "do", "does", "did", "is", "are", "was", "were", "am", "can", "could", "should", "would",
    "will", "may", "might", "must", "has", "have", "had", "shall",
}  # fmt: skip
_NEGATED_AUXILIARIES = {
    "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "can't", "cannot",
    "couldn't", "shouldn't", "wouldn't", "won't", "mustn't", "hasn't", "haven't", "hadn't",
}  # fmt: skip
_WH_WORDS = {
    "what", "what's", "whats", "how", "how's", "when", "which", "why", "where", "who",
    "whose", "whom",
}  # fmt: skip
# After a statement ("I'm stressed should I still train hard"), a question starts where an
# auxiliary meets its subject.
_SUBJECTS = {
    "i", "you", "we", "they", "he", "she", "it", "this", "that", "these", "those", "there",
    "my", "your",
}  # fmt: skip
_NEGATION = re.compile(r"\b(?:not|never|without|no)\b|n't\b")


@dataclass(frozen=True)
class QuestionKind:
    kind: Literal["yes-no", "open"]
    negated: bool = False  # "can I build muscle without protein powder"
    # "don't I need protein powder": a bare yes or no to it could mean either.
    negated_auxiliary: bool = False


def classify(question: str) -> QuestionKind:
    """Whether `question` can be answered yes or no, and whether it is negated.

    An open question (what, how, when...), a statement or a topic ("creatine and caffeine
    together") and a choice ("do I rest or train tomorrow") cannot.
    """
    words = re.sub(r"[?!.,]", " ", question.lower()).split()
    while words and words[0] in _FILLERS:
        words = words[1:]
    start = None
    for index, word in enumerate(words):
        if word in _WH_WORDS:
            return QuestionKind("open")
        auxiliary = word in _AUXILIARIES or word in _NEGATED_AUXILIARIES
        next_word = words[index + 1] if index + 1 < len(words) else ""
        if auxiliary and (index == 0 or next_word in _SUBJECTS):
            start = index
            break
    if start is None:
        return QuestionKind("open")
    rest = " ".join(words[start:])
    if re.search(r"\bor\b(?! not\b)", rest):
        return QuestionKind("open")
    return QuestionKind(
        "yes-no",
        negated=bool(_NEGATION.search(rest)),
        negated_auxiliary=words[start] in _NEGATED_AUXILIARIES,
    )


_OPENING = re.compile(
    r"^(?:(?:most |very )?likely |probably |definitely |absolutely |certainly |of course,? )?"
    r"(?P<word>yes|yeah|yep|sure|no|nope|not really|not at all)\b",
    re.IGNORECASE,
)


def opening_polarity(answer: str) -> Literal["yes", "no"] | None:
    opening = _OPENING.match(answer)
    if opening is None:
        return None
    return "yes" if opening["word"].lower() in {"yes", "yeah", "yep", "sure"} else "no"


# What each yes-or-no question of an entry that ever opened with "yes" or "no" is answered
# with, negated questions included. An entry that opens with "yes" or "no" needs all of its
# yes-or-no questions here.
EXPECTED_ANSWER: dict[str, Literal["yes", "no"]] = {
    # creatine-with-caffeine
    "can I take creatine with coffee": "yes",
    "does caffeine cancel out creatine": "no",
    "is it ok to mix creatine and pre-workout": "yes",
    # protein-powder-needed
    "do I need protein shakes": "no",
    "is protein powder necessary to build muscle": "no",
    "do I have to drink a shake after the gym": "no",
    "are protein shakes worth it": "no",
    "can I build muscle without protein powder": "yes",
    "do I need whey protein to build muscle": "no",
    # stress-and-recovery
    "does stress affect my recovery": "yes",
    "can life stress slow my gains": "yes",
    "I'm stressed should I still train hard": "no",
    "does work stress affect training": "yes",
    # recomposition
    "can I lose fat and build muscle at the same time": "yes",
    "can I build muscle in a calorie deficit": "yes",
    # vegan-protein
    "can I build muscle as a vegan": "yes",
    "is plant based protein enough for gains": "yes",
    "can I build muscle without eating meat": "yes",
    # home-workouts
    "can I build muscle at home without weights": "yes",
    "are bodyweight exercises enough": "yes",
}


def polarity_errors(
    entries: Mapping[str, KnowledgeEntry], answers: Mapping[str, str]
) -> set[tuple[str, str, str]]:
    """(entry, question, what is wrong) for every question an opening yes or no gets wrong."""
    errors = set()
    for entry_id, answer in answers.items():
        said = opening_polarity(answer)
        if said is None:
            continue
        for question in entries[entry_id].questions:
            kind = classify(question)
            expected = EXPECTED_ANSWER.get(question)
            if kind.kind == "open":
                errors.add((entry_id, question, f"an open question answered {said!r}"))
            elif kind.negated_auxiliary:
                errors.add((entry_id, question, f"{said!r} to a negated question is ambiguous"))
            elif expected is None:
                errors.add((entry_id, question, "no expected answer: add it to EXPECTED_ANSWER"))
            elif expected != said:
                errors.add((entry_id, question, f"answered {said!r}, means {expected!r}"))
    return errors


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("does caffeine cancel out creatine", QuestionKind("yes-no")),
        ("is it ok to mix creatine and pre-workout", QuestionKind("yes-no")),
        ("can I build muscle without protein powder", QuestionKind("yes-no", negated=True)),
        ("can I build muscle at home without weights", QuestionKind("yes-no", negated=True)),
        ("is it bad not to eat after training", QuestionKind("yes-no", negated=True)),
        ("don't I need protein powder", QuestionKind("yes-no", True, negated_auxiliary=True)),
        ("isn't creatine a steroid", QuestionKind("yes-no", True, negated_auxiliary=True)),
        ("I'm stressed should I still train hard", QuestionKind("yes-no")),
        ("I'm 16 weeks pregnant can I still lift", QuestionKind("yes-no")),
        ("I overate today is my diet ruined", QuestionKind("yes-no")),
        ("so should I train or not", QuestionKind("yes-no", negated=True)),
        ("what is body recomposition", QuestionKind("open")),
        ("how do I work out at home", QuestionKind("open")),
        ("what's the best home workout with no equipment", QuestionKind("open")),
        ("I haven't trained in months how should I start again", QuestionKind("open")),
        ("do I rest or train tomorrow", QuestionKind("open")),
        ("mass gainer or protein powder", QuestionKind("open")),
        ("creatine and caffeine together", QuestionKind("open")),
        ("my weight loss has stalled", QuestionKind("open")),
        ("I have to burn off every calorie I eat", QuestionKind("open")),
    ],
)
def test_a_question_is_told_yes_or_no_from_open_and_its_negation_is_heard(
    question: str, kind: QuestionKind
) -> None:
    assert classify(question) == kind


def test_an_answer_opening_with_yes_or_no_agrees_with_every_question_it_answers() -> None:
    assert polarity_errors(ENTRIES, ANSWERS) == set()
    # Every expected answer belongs to a question still in the knowledge base, asked yes or no.
    questions = {question for entry in ENTRIES.values() for question in entry.questions}
    for question in EXPECTED_ANSWER:
        assert question in questions and classify(question).kind == "yes-no", question


def test_the_polarity_check_rejects_the_answers_the_fact_check_found_reversed() -> None:
    errors = polarity_errors(ENTRIES, ORIGINAL_OPENINGS)
    reversed_ = {(entry, question) for entry, question, what in errors if "means" in what}
    assert reversed_ == {
        ("creatine-with-caffeine", "does caffeine cancel out creatine"),
        ("protein-powder-needed", "can I build muscle without protein powder"),
        ("stress-and-recovery", "I'm stressed should I still train hard"),
    }
    open_answered = {(entry, question) for entry, question, what in errors if "open" in what}
    assert open_answered == {
        ("creatine-with-caffeine", "creatine and caffeine together"),
        ("recomposition", "what is body recomposition"),
        ("recomposition", "how do I recomp"),
        ("vegan-protein", "how do vegetarians get enough protein"),
        ("vegan-protein", "what are the best plant protein sources"),
        ("home-workouts", "what's the best home workout with no equipment"),
        ("home-workouts", "how do I work out at home"),
    }
    assert len(errors) == len(reversed_) + len(open_answered)


def test_a_new_entry_opening_with_yes_is_checked_against_its_questions() -> None:
    entry = KnowledgeEntry(
        id="new",
        topic="diet",
        questions=["can I eat carbs at night", "won't carbs at night make me fat"],
        answer="Yes, carbs at night are fine.",
        evidence="expert-opinion",
    )
    assert polarity_errors({"new": entry}, {"new": entry.answer}) == {
        ("new", "can I eat carbs at night", "no expected answer: add it to EXPECTED_ANSWER"),
        ("new", "won't carbs at night make me fat", "'yes' to a negated question is ambiguous"),
    }


# -- numbers ------------------------------------------------------------------------------

# Body masses of the adults the answers speak to, in kilograms.
ADULT_MASS_KG = (50, 120)
# "About": how far a spoken round number may sit from the exact one.
ABOUT = 0.1
# Caffeine in a cup or mug of brewed coffee, and in a typical pre-workout scoop (Jagim,
# Harty and Camic 2019, the mean of the 100 best-selling products: 254 mg).
COFFEE_CUP_MG = (80, 140)
PRE_WORKOUT_SCOOP_MG = 254

_SPOKEN = {
    "a quarter": 0.25, "quarter": 0.25, "a third": 1 / 3, "half": 0.5, "a half": 0.5,
    "two thirds": 2 / 3, "three quarters": 0.75, "a": 1.0, "one": 1.0, "two": 2.0,
    "three": 3.0, "four": 4.0,
}  # fmt: skip


def number(said: str) -> float:
    said = said.strip()
    return float(said) if re.fullmatch(r"\d+(?:\.\d+)?", said) else _SPOKEN[said]


def sentences(answer: str) -> list[str]:
    return re.split(r"(?<=[.!?])\s+", answer)


def about(value: float, spoken: float) -> bool:
    return abs(value - spoken) <= ABOUT * spoken


@dataclass
class Findings:
    checked: set[str] = field(default_factory=set)  # entries with a claim the check read
    problems: list[str] = field(default_factory=list)


_DEFICIT = re.compile(r"deficit of (?:about |roughly |around )?(\d+) to (\d+) calories")
_LOSS_KG = re.compile(r"lose about ([a-z\d. ]+?) to ([a-z\d. ]+?) (?:a )?kilos? a week")
_LOSS_PERCENT = re.compile(
    r"about ([a-z\d. ]+?) to ([a-z\d. ]+?) per ?cent of (?:your )?body weight (?:a|per) week"
)


def deficit_findings(answers: Mapping[str, str]) -> Findings:
    """A daily deficit and the weekly loss said to follow from it, at 7700 kcal a kilo.

    A loss in per cent of body weight holds for one body mass only; the claim stands if both
    ends of the range hold for the same adult (within "about").
    """
    found = Findings()
    for entry_id, answer in answers.items():
        deficit = _DEFICIT.search(answer)
        if deficit is None:
            continue
        low_kg, high_kg = (weekly_weight_change_kg(int(kcal)) for kcal in deficit.groups())
        for loss in _LOSS_KG.finditer(answer):
            found.checked.add(entry_id)
            said_low, said_high = (number(part) for part in loss.groups())
            if not (about(low_kg, said_low) and about(high_kg, said_high)):
                found.problems.append(
                    f"{entry_id}: {deficit[0]} loses {low_kg:.2f} to {high_kg:.2f} kg a week, "
                    f"not {said_low:g} to {said_high:g}"
                )
        for loss in _LOSS_PERCENT.finditer(answer):
            found.checked.add(entry_id)
            low_pct, high_pct = (number(part) for part in loss.groups())
            mass_low, mass_high = low_kg / low_pct * 100, high_kg / high_pct * 100
            adult = all(
                ADULT_MASS_KG[0] <= mass <= ADULT_MASS_KG[1] for mass in (mass_low, mass_high)
            )
            if not (adult and about(mass_low, mass_high)):
                at = ", ".join(
                    f"{low_kg / m * 100:.2f} to {high_kg / m * 100:.2f} % at {m} kg"
                    for m in (60, 75, 90)
                )
                found.problems.append(f"{entry_id}: {deficit[0]} loses {at}, not {loss[0]!r}")
    return found


_PER_KG_SENTENCE = re.compile(r"per kilogram")
_EXAMPLE = re.compile(r"for an? (\d+) kilogram person", re.IGNORECASE)
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)(?: to (\d+(?:\.\d+)?))? (?:grams|milligrams)\b")


def per_kg_example_findings(answers: Mapping[str, str]) -> Findings:
    """Each amount said for an example person ("for a 75 kilogram person, that is 120 to
    165 grams") is a per-kilogram figure of the same answer times that body mass."""
    found = Findings()
    for entry_id, answer in answers.items():
        figures: list[float] = []
        ranges: list[tuple[float, float]] = []
        examples = []
        for sentence in sentences(answer):
            if _EXAMPLE.search(sentence):
                examples.append(sentence)
            elif _PER_KG_SENTENCE.search(sentence):
                for low, high in re.findall(r"(\d+(?:\.\d+)?)(?: to (\d+(?:\.\d+)?))?", sentence):
                    figures.append(float(low))
                    if high:
                        figures.append(float(high))
                        ranges.append((float(low), float(high)))
        for sentence in examples:
            found.checked.add(entry_id)
            example = _EXAMPLE.search(sentence)
            assert example is not None
            mass = int(example[1])
            for amount in _AMOUNT.finditer(sentence):
                for value in filter(None, amount.groups()):
                    per_kg = float(value) / mass
                    if not (
                        any(about(per_kg, figure) for figure in figures)
                        or any(low <= per_kg <= high for low, high in ranges)
                    ):
                        found.problems.append(
                            f"{entry_id}: {value} for {mass} kg is {per_kg:.2f} per kg, none "
                            f"of {figures}"
                        )
    return found


_PER_MEAL = re.compile(r"([\d.]+) grams per kilogram of body weight per meal")
_MEALS = re.compile(r"over (?:at least )?(\d+)(?: to \d+)? meals")
_SERVING = re.compile(r"roughly (\d+) to (\d+) grams")
_DAILY_PROTEIN = re.compile(r"about ([\d.]+) grams of protein per kilogram")


def protein_per_meal_findings(answers: Mapping[str, str]) -> Findings:
    """Protein per meal, over the fewest meals said, reaches the daily target, and the
    serving in grams is that per-kilogram figure for an adult."""
    found = Findings()
    daily = _DAILY_PROTEIN.search(answers["protein-per-kg"])
    assert daily is not None, "the daily protein target is no longer said the way it was"
    for entry_id, answer in answers.items():
        per_meal, meals = _PER_MEAL.search(answer), _MEALS.search(answer)
        if per_meal is None or meals is None:
            continue
        found.checked.add(entry_id)
        grams_per_kg = float(per_meal[1])
        if grams_per_kg * int(meals[1]) < float(daily[1]):
            found.problems.append(
                f"{entry_id}: {grams_per_kg} g/kg over {meals[1]} meals is "
                f"{grams_per_kg * int(meals[1]):.1f} g/kg a day, below {daily[1]}"
            )
        serving = _SERVING.search(answer)
        for grams in serving.groups() if serving else ():
            mass = int(grams) / grams_per_kg
            if not ADULT_MASS_KG[0] <= mass <= ADULT_MASS_KG[1]:
                found.problems.append(f"{entry_id}: {grams} g is {grams_per_kg} g/kg at {mass} kg")
    return found


_CAFFEINE_PER_KG = re.compile(r"(\d+) to (\d+) milligrams per kilogram")
_SINGLE_DOSE = re.compile(
    r"single doses? (?:above|over|of more than) about (\d+) milligrams", re.IGNORECASE
)
_DAILY_CAP = re.compile(r"under about (\d+) milligrams a day")
_UNDER_18 = re.compile(r"under-18s|under 18|teenagers|teens\b")


def caffeine_dose_findings(answers: Mapping[str, str]) -> Findings:
    """A dose in mg/kg, times the body mass of any adult, against the single-dose and daily
    limits, which the answer must then give, as the maths has them; and for a teenager."""
    found = Findings()
    for entry_id, answer in answers.items():
        per_kg = _CAFFEINE_PER_KG.search(answer)
        if per_kg is None or not re.search(r"caffeine|coffee", answer, re.IGNORECASE):
            continue
        found.checked.add(entry_id)
        highest = int(per_kg[2]) * ADULT_MASS_KG[1]
        single, daily = _SINGLE_DOSE.search(answer), _DAILY_CAP.search(answer)
        if highest > CAFFEINE_SINGLE_DOSE_MG and (
            single is None or int(single[1]) != CAFFEINE_SINGLE_DOSE_MG
        ):
            found.problems.append(
                f"{entry_id}: {per_kg[2]} mg/kg is up to {highest} mg in one dose, and the "
                f"answer does not give the {CAFFEINE_SINGLE_DOSE_MG} mg single-dose limit"
            )
        if highest > CAFFEINE_DAILY_MG and (daily is None or int(daily[1]) != CAFFEINE_DAILY_MG):
            found.problems.append(
                f"{entry_id}: {per_kg[2]} mg/kg is up to {highest} mg, and the answer does "
                f"not give the {CAFFEINE_DAILY_MG} mg daily limit"
            )
        # A 15-year-old of 50 kg at the low end of the adult dose.
        teen_limit = caffeine_daily_limit_mg(weight_kg=50, age=15)
        if int(per_kg[1]) * 50 > teen_limit * (1 - ABOUT) and not _UNDER_18.search(answer):
            found.problems.append(
                f"{entry_id}: {per_kg[1]} mg/kg is {int(per_kg[1]) * 50} mg for a 50 kg "
                f"teenager, whose limit is {teen_limit:.0f} mg a day, and no under-18 caution"
            )
    return found


def pregnancy_caffeine_findings(answers: Mapping[str, str]) -> Findings:
    found = Findings()
    for entry_id, answer in answers.items():
        if "pregnan" not in answer.lower() or "caffeine" not in answer.lower():
            continue
        for limit in re.finditer(r"under (?:about )?(\d+) milligrams a day", answer):
            found.checked.add(entry_id)
            if int(limit[1]) != CAFFEINE_PREGNANCY_DAILY_MG:
                found.problems.append(f"{entry_id}: {limit[0]} in pregnancy")
    return found


_CUPS = re.compile(r"\b(a|one|two|three|four|\d+) (?:cups?|mugs?) of coffee", re.IGNORECASE)


def coffee_findings(answers: Mapping[str, str]) -> Findings:
    """ "Two mugs of coffee" stands for the caffeine it is likened to: the milligrams in the
    same sentence, or else a pre-workout scoop."""
    found = Findings()
    for entry_id, answer in answers.items():
        scoop = re.search(r"scoop holds about (\d+) milligrams", answer)
        if scoop and not about(int(scoop[1]), PRE_WORKOUT_SCOOP_MG):
            found.problems.append(f"{entry_id}: {scoop[0]}, typically {PRE_WORKOUT_SCOOP_MG}")
        for sentence in sentences(answer):
            cups = _CUPS.search(sentence)
            if cups is None:
                continue
            found.checked.add(entry_id)
            stated = re.search(r"(\d+) milligrams", sentence)
            if stated:
                likened = int(stated[1])
            elif "pre-workout" in answer.lower():
                likened = PRE_WORKOUT_SCOOP_MG
            else:
                found.problems.append(f"{entry_id}: {cups[0]!r} likened to nothing recomputable")
                continue
            per_cup = likened / number(cups[1].lower())
            if not COFFEE_CUP_MG[0] <= per_cup <= COFFEE_CUP_MG[1]:
                found.problems.append(
                    f"{entry_id}: {cups[0]!r} for {likened} mg is {per_cup:.0f} mg a cup, "
                    f"not {COFFEE_CUP_MG[0]} to {COFFEE_CUP_MG[1]}"
                )
    return found


NUMBER_CHECKS = {
    "deficit": (deficit_findings, {"calorie-deficit-size"}),
    "per-kg example": (per_kg_example_findings, {"protein-per-kg", "caffeine-dose"}),
    "protein per meal": (protein_per_meal_findings, {"protein-per-meal"}),
    "caffeine dose": (caffeine_dose_findings, {"caffeine-dose"}),
    "caffeine in pregnancy": (
        pregnancy_caffeine_findings,
        {"caffeine-pregnancy", "supplements-pregnancy-breastfeeding"},
    ),
    "coffee": (coffee_findings, {"caffeine-dose", "pre-workout"}),
}


@pytest.mark.parametrize("check", sorted(NUMBER_CHECKS))
def test_every_number_the_maths_can_recompute_is_the_maths_number(check: str) -> None:
    findings, expected = NUMBER_CHECKS[check]
    found = findings(ANSWERS)
    assert found.problems == []
    # A reworded answer the check can no longer read would escape it: say so instead.
    assert expected <= found.checked, expected - found.checked


@pytest.mark.parametrize("entry_id", sorted(ORIGINAL_NUMBERS))
def test_the_number_checks_reject_the_answers_the_fact_check_found_wrong(entry_id: str) -> None:
    answers = {**ANSWERS, entry_id: ORIGINAL_NUMBERS[entry_id]}
    problems = [
        problem for findings, _ in NUMBER_CHECKS.values() for problem in findings(answers).problems
    ]
    assert problems and all(problem.startswith(f"{entry_id}:") for problem in problems), problems


def _spoken_range(pattern: str, answer: str) -> tuple[float, float]:
    found = re.search(pattern, answer)
    assert found is not None, (pattern, answer)
    return number(found[1]), number(found[2])


# Adults losing fat, as the diet maths sees them: (body mass, targets).
ADULTS_LOSING_FAT = [
    (
        weight,
        nutrition_targets(
            weight_kg=weight,
            height_cm=height,
            age=age,
            sex=sex,
            goal="lose_fat",
            training_days_per_week=days,
        ),
    )
    for weight, height, age, sex, days in itertools.product(
        (55, 65, 75, 85, 100), (160, 170, 180), (20, 30, 40, 50), ("female", "male"), range(1, 7)
    )
]


def test_the_deficit_the_knowledge_base_gives_is_the_one_the_diet_maths_sets() -> None:
    """The diet specialist tells a fat-loss user their own calorie target: the knowledge base
    must recommend the deficit it sets, and the rate of loss it gives."""
    answer = ANSWERS["calorie-deficit-size"]
    low_kcal, high_kcal = _spoken_range(_DEFICIT.pattern, answer)
    share = re.search(r"a (fifth|quarter|sixth) below maintenance", answer)
    assert share is not None
    fraction = {"fifth": 1 / 5, "quarter": 1 / 4, "sixth": 1 / 6}[share[1]]
    deficits = []
    for _, targets in ADULTS_LOSING_FAT:
        deficit = targets.maintenance_kcal - targets.energy_kcal
        assert abs(deficit - fraction * targets.maintenance_kcal) <= 1
        deficits.append(deficit)
    # "suits most people": the range holds the deficit the maths sets for most adults.
    inside = sum(low_kcal <= deficit <= high_kcal for deficit in deficits)
    assert inside / len(deficits) >= 0.8, (inside, len(deficits))

    # The maths' deficit never loses weight faster than the rate the knowledge base advises,
    # and loses it at that rate for the typical adult.
    low_pct, high_pct = _spoken_range(
        r"about ([a-z]+) to ([a-z]+) per cent of your body weight", ANSWERS["rate-of-weight-loss"]
    )
    weekly_pct = [
        weekly_weight_change_kg(deficit) / weight * 100
        for (weight, _), deficit in zip(ADULTS_LOSING_FAT, deficits, strict=True)
    ]
    assert max(weekly_pct) <= high_pct
    assert low_pct <= statistics.median(weekly_pct) <= high_pct


def test_the_protein_fat_and_volume_the_maths_sets_are_within_what_the_answers_advise() -> None:
    aim, up_to = _spoken_range(
        r"about ([\d.]+) grams of protein per kilogram.*?up to about ([\d.]+) grams",
        ANSWERS["protein-per-kg"],
    )
    guidelines = _spoken_range(r"range of ([\d.]+) to ([\d.]+) grams", ANSWERS["protein-per-kg"])
    cutting = re.search(r"at least ([\d.]+) grams per kilogram", ANSWERS["protein-when-cutting"])
    fat = _spoken_range(r"about (\d+) to (\d+) per cent of your calories", ANSWERS["dietary-fat"])
    assert cutting is not None
    for goal in ("lose_fat", "build_muscle", "strength", "endurance", "general_fitness"):
        targets = nutrition_targets(
            weight_kg=100, height_cm=180, age=30, sex="male", goal=goal, training_days_per_week=4
        )
        per_kg = targets.protein_g / 100
        assert guidelines[0] <= per_kg <= up_to, goal
        if goal in ("build_muscle", "strength"):
            assert aim <= per_kg, goal
        if goal == "lose_fat":
            assert per_kg >= float(cutting[1])
        assert fat[0] <= targets.fat_g * 9 / targets.energy_kcal * 100 <= fat[1], goal

    sets = re.search(r"about (\d+) or more hard sets", ANSWERS["sets-per-week"])
    assert sets is not None and int(sets[1]) == GOOD_WEEKLY_SETS

    # "A jump of about 2 to 10 per cent": the maths' fixed steps, at the working weights of
    # the people who use them.
    low, high = _spoken_range(r"about (\d+) to (\d+) per cent", ANSWERS["weight-increments"])
    for exercise, working_kg in (("bench press", (30, 120)), ("squat", (50, 200))):
        for weight in working_kg:
            assert low <= load_increment_kg(exercise) / weight * 100 <= high, (exercise, weight)


# -- evidence -----------------------------------------------------------------------------

# Words that tell a listener a study found it.
FINDING = re.compile(
    r"\b(?:stud(?:y|ies)|research\w*|trials?|meta-?analys[ie]s|experiments?|scientists|"
    r"researchers)\b|\bevidence (?:shows?|suggests?|supports?)\b|\b(?<!not )(?:proven|shown) to\b",
    re.IGNORECASE,
)


def opinion_spoken_as_finding(entries: Mapping[str, KnowledgeEntry]) -> list[str]:
    return [
        entry_id
        for entry_id, entry in entries.items()
        if FINDING.search(entry.answer)
        and (entry.evidence == "expert-opinion" or not entry.citations)
    ]


def test_expert_opinion_is_never_spoken_as_a_studys_finding() -> None:
    levels = {entry.evidence for entry in ENTRIES.values()}
    assert "expert-opinion" in levels and levels - {"expert-opinion"}
    assert opinion_spoken_as_finding(ENTRIES) == []
    # Entries that do say a study found something, and cite it.
    assert sum(bool(FINDING.search(answer)) for answer in ANSWERS.values()) >= 10
    opinion = ENTRIES["workout-length"]
    as_finding = opinion.model_copy(update={"answer": f"Studies show {opinion.answer}"})
    assert opinion_spoken_as_finding({opinion.id: as_finding}) == [opinion.id]
