"""Pulls exercise, sets, reps, weight and unit out of what a speech-to-text engine wrote.

Input comes as digits or words, with or without punctuation: "log three sets of ten squats
at eighty kilos", "benched 225 for 5", "two twenty five for five on bench", "sixty two and a
half kilos". Spoken numbers go through text2num first; the patterns below then read the
digits in the order a lifter says them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from text_to_num import alpha2digit

from fitcoach.coach.exercises import find_exercise, is_bodyweight_movement


@dataclass(frozen=True)
class SetSlots:
    """What a user said about a set. `weight` is in `unit` (None: the user's preferred unit)."""

    exercise: str | None = None
    sets: int | None = None
    reps: int | None = None
    weight: float | None = None
    unit: str | None = None  # "kg" or "lb"

    @property
    def is_empty(self) -> bool:
        return self == SetSlots()


_KG = r"kg|kgs|kilo|kilos|kilogram|kilograms|keelos|kilo's|kg's"
_LB = r"lb|lbs|pound|pounds|lb's"
_NUMBER = r"\d+(?:\.\d+)?"

# Mishearings seen from whisper in this domain, and words for "one set".
_REWRITES: tuple[tuple[str, str], ...] = (
    (r"\bwraps\b", "reps"),
    (r"\breps?s\b", "reps"),
    (r"\bsits of\b", "sets of"),
    (r"\btree sets\b", "three sets"),
    (r"\bfor sets\b", "four sets"),
    (r"\bto sets\b", "two sets"),
    (r"\b(?:a|an|one|another|single|one more) sets? of\b", "1 set of"),
    (r"\b(?:one|another|single|one more) set\b", "1 set"),
    (r"\bbody ?weight\b|\bno weight\b|\bunweighted\b|\bno load\b", " bodyweight "),
    (r"\bkilo grams?\b", "kilograms"),
    # "one" as a pronoun is not a number.
    (r"\b(?:that|this|the|last|next|other|another|heavy|light|hard|easy) ones?\b", " it "),
    # Lifting slang for reps.
    (r"\b(?:for )?a single\b", " for 1 reps "),
    (r"\b(?:for )?a double\b", " for 2 reps "),
    (r"\b(?:for )?a triple\b", " for 3 reps "),
    (r"\bkilogrammes?\b", "kilograms"),
)

_RE_REWRITES = tuple((re.compile(pattern), repl) for pattern, repl in _REWRITES)


def _digits(text: str) -> str:
    text = text.lower().replace(",", " ").replace("’", "'")
    text = re.sub(r"(?<=\d)x(?=\d)", " x ", text)  # 3x10
    text = re.sub(r"[!?;:\"()]", " ", text)
    text = re.sub(r"\.(?!\d)", " ", text)  # full stops, not decimal points
    text = " ".join(text.split())  # the patterns below expect single spaces
    for pattern, repl in _RE_REWRITES:
        text = pattern.sub(repl, text)
    # threshold 0: "two sets" must become "2 sets" too (text2num leaves lone small numbers).
    text = alpha2digit(text, "en", threshold=0)
    text = re.sub(r"\b(\d+) and a half\b", r"\1.5", text)
    # "one hundred and eighty" sometimes comes out as "100 and 80".
    text = re.sub(r"\b([1-9]00) and ([1-9]\d?)\b", lambda m: str(int(m[1]) + int(m[2])), text)
    text = re.sub(r"\b(\d+) point (\d+)\b", r"\1.\2", text)
    text = re.sub(r"\ba (\d+)\b", r"\1", text)  # "a 100 kilos"
    # "one oh five" is 105, "four oh five" 405.
    text = re.sub(r"\b([1-9]) oh ([1-9])\b", lambda m: str(int(m[1]) * 100 + int(m[2])), text)
    # Gym shorthand: "2 25" is two twenty-five, i.e. 225; "1 35" is 135.
    text = re.sub(r"\b([1-9]) ([1-9][05])\b", lambda m: str(int(m[1]) * 100 + int(m[2])), text)
    return " ".join(text.split())


def _number(text: str) -> float:
    return float(text)


def parse_set_slots(text: str) -> SetSlots:
    """Exercise, sets, reps, weight and unit from one utterance; absent ones are None."""
    spoken = _digits(text)
    exercise = find_exercise(spoken)
    sets = reps = None
    weight: float | None = None
    unit: str | None = None
    consumed: list[tuple[int, int]] = []

    def take(match: re.Match[str]) -> None:
        consumed.append(match.span())

    if match := re.search(rf"({_NUMBER}) ?({_KG})\b", spoken):
        weight, unit = _number(match[1]), "kg"
        take(match)
    elif match := re.search(rf"({_NUMBER}) ?({_LB})\b", spoken):
        weight, unit = _number(match[1]), "lb"
        take(match)
    elif "bodyweight" in spoken.split():
        weight = 0.0

    if match := re.search(r"\b(\d+) ?(?:x|by|times) ?(\d+)\b", spoken):
        sets, reps = int(match[1]), int(match[2])
        take(match)
    if match := re.search(r"\b(\d+) (?:more |working |hard )?sets? of (\d+)\b", spoken):
        sets, reps = int(match[1]), int(match[2])
        take(match)
    elif match := re.search(r"\b(\d+) (?:more |working |hard )?sets?\b", spoken):
        sets = int(match[1])
        take(match)
    if sets is None and re.search(r"\bset\b", spoken):
        sets = 1  # "a set of 8", "my last set", "save that set"
    if reps is None and (match := re.search(r"\b(\d+) (?:reps?|repetitions?|times)\b", spoken)):
        reps = int(match[1])
        take(match)
    match = re.search(r"\b(?:set of|for) (\d+)\b", spoken)
    if reps is None and match and not _inside(match.span(1), consumed):
        reps = int(match[1])
        take(match)
    match = re.search(rf"\b(?:at|with|using) ({_NUMBER})\b", spoken)
    if weight is None and match and not _inside(match.span(1), consumed):
        weight = _number(match[1])
        take(match)

    # Bare numbers left over, in the order people say them: "squat 100 5" is 100 for 5,
    # but "twenty pull ups" is twenty reps of a body-weight movement.
    leftovers = [
        _number(m[0]) for m in re.finditer(_NUMBER, spoken) if not _inside(m.span(), consumed)
    ]
    counts_reps_first = exercise is not None and is_bodyweight_movement(exercise)
    for value in leftovers:
        if counts_reps_first and reps is None and value == int(value) and value <= 200:
            reps = int(value)
        elif weight is None and (value >= 20 or reps is not None):
            weight = value
        elif reps is None and value == int(value) and 0 < value <= 100:
            reps = int(value)
    return SetSlots(exercise=exercise, sets=sets, reps=reps, weight=weight, unit=unit)


def _inside(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    start, end = span
    return any(s <= start and end <= e for s, e in spans)
