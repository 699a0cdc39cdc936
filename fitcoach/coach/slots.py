"""Pulls exercise, sets, reps, weight, unit and the set's position out of a transcript.

Input comes as digits or words, with or without punctuation: "log three sets of ten squats
at eighty kilos", "Benched 225 for 5.", "Bench press, set 2, 10 reps, 60 kilos.", "sixty two
and a half kilos". Spoken numbers go through text2num first; the patterns below then read
the digits in the order a lifter says them.

Three readings decide most of what can go wrong, and each has a rule of its own below:
- which number is the set's *position* ("set 2", "second set"): never reps or weight;
- when two numbers are one weight that speech-to-text wrote apart ("2 25 for 5" is 225,
  "3, 15 pounds" is 315), and when they are two numbers ("set 4, 15 reps", "8, 15 kilos");
- "N and M": one number ("100 and 80 kilos" is 180) or a weight and reps ("100 and 8 reps").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from text_to_num import alpha2digit

from fitcoach.coach.exercises import ExerciseMatch, is_bodyweight_movement, match_exercise


@dataclass(frozen=True)
class SetSlots:
    """What a user said about a set. `weight` is in `unit` (None: the user's preferred unit).

    `sets` counts the sets being logged; `set_number` is which set this was ("set 2",
    "my third set"), said or not. `match` tells how the exercise name was recognised: a
    guess from a misspelt or misheard name is worth confirming before it is logged. It is
    left out of equality, which compares what was said, not how it was recognised.
    """

    exercise: str | None = None
    sets: int | None = None
    reps: int | None = None
    weight: float | None = None
    unit: str | None = None  # "kg" or "lb"
    set_number: int | None = None
    match: ExerciseMatch | None = field(default=None, compare=False)

    @property
    def is_empty(self) -> bool:
        return self == SetSlots()

    @property
    def has_set_numbers(self) -> bool:
        """Reps with a weight or a set count: the numbers of a set done, not any numbers."""
        return self.reps is not None and (self.weight is not None or self.sets is not None)

    @property
    def exercise_is_guess(self) -> bool:
        """True when the exercise came from a name that was not said as such."""
        return self.match is not None and not self.match.certain


_KG = r"kg|kgs|kilo|kilos|kilogram|kilograms|keelos|kilo's|kg's"
_LB = r"lb|lbs|pound|pounds|lb's"
_UNIT = rf"(?:{_KG}|{_LB})\b"
_NUMBER = r"\d+(?:\.\d+)?"
# Words that say the number in front of them counts something other than a weight.
_COUNTED = r"(?:reps?|repetitions?|times|sets?|x|by|of)\b"
# A clause boundary: whisper's commas and full stops, kept as their own token.
_BREAK = " , "

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
    (
        r"\b(?:that|this|the|last|next|other|another|heavy|light|hard|easy|wrong|right|same|"
        r"first|second) ones?\b",
        " it ",
    ),
    # Lifting slang for reps.
    (r"\b(?:for )?a single\b", " for 1 reps "),
    (r"\b(?:for )?a double\b", " for 2 reps "),
    (r"\b(?:for )?a triple\b", " for 3 reps "),
    (r"\bkilogrammes?\b", "kilograms"),
)

_RE_REWRITES = tuple((re.compile(pattern), repl) for pattern, repl in _REWRITES)

# "set 2", "set number 2": the position of a set, unless a count stands before "set" ("1 set
# 10 reps" is one set of ten) or the number is itself counted ("set 12 reps").
_SET_POSITION = re.compile(
    r"(?<!\d )\bset (?:number |no |#)?(\d+)\b(?: of \d+\b)?"
    rf"(?! ?(?:reps?|repetitions?|times|sets?|x|by)\b| ?{_UNIT})"
)
# "2nd set", "my 3rd set": text2num writes ordinals this way.
_ORDINAL_SET = re.compile(r"\b(\d+)(?:st|nd|rd|th) set\b")
# Any other ordinal ("for the 3rd time", "wait a 2nd") is never a count or a weight.
_ORDINAL = re.compile(r"\b\d+(?:st|nd|rd|th)\b")
# "100 and 80 kilos" is whisper writing "one hundred and eighty" in two pieces.
_HUNDRED_AND = re.compile(rf"\b([1-9]00) and (\d\d?)\b(?= ?{_UNIT})")
_AT_HUNDRED_AND = re.compile(rf"\b(at|with|using) ([1-9]00) and ([1-9]\d)\b(?! ?{_COUNTED})")
# Plate-maths shorthand: "two twenty five" comes out of text2num as "2 25".
_SHORTHAND = re.compile(r"\b([1-9]) ([1-9][05])\b")
_SHORTHAND_AFTER = re.compile(rf"^ ?(?:{_UNIT}|(?:for|on) |,|$)")
_REPS_SAID = re.compile(r"\bfor \d+\b|\b\d+ (?:reps?|repetitions?|times)\b|\bsets? of \d+\b")
_NOT_A_WEIGHT_BEFORE = re.compile(r"\b(?:sets?|x|by|of|rpe|rir)$")


def _spoken(text: str) -> str:
    """The transcript in lower case with numbers as digits and clause breaks kept."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,000
    text = re.sub(r"(?<=\d)x(?=\d)", " x ", text)  # 3x10
    text = re.sub(r"[,;:!?]|\.(?!\d)", _BREAK, text)  # full stops, not decimal points
    text = re.sub(r"[\"()]", " ", text)
    text = " ".join(text.split())  # the patterns below expect single spaces
    for pattern, repl in _RE_REWRITES:
        text = pattern.sub(repl, text)
    # threshold 0: "two sets" must become "2 sets" too (text2num leaves lone small numbers).
    text = alpha2digit(text, "en", threshold=0)
    text = re.sub(r"\b(\d+) and a half\b", r"\1.5", text)
    text = re.sub(r"\b(\d+) point (\d+)\b", r"\1.\2", text)
    text = re.sub(r"\ba (\d+)\b", r"\1", text)  # "a 100 kilos"
    # "one oh five" is 105, "four oh five" 405.
    text = re.sub(r"\b([1-9]) oh ([1-9])\b", lambda m: str(int(m[1]) * 100 + int(m[2])), text)
    return " ".join(text.split())


def _set_position(text: str) -> tuple[str, int | None]:
    """The set's position, and the text with its number taken out (the word "set" stays)."""
    position: int | None = None

    def take(match: re.Match[str]) -> str:
        nonlocal position
        position = position or int(match[1])
        return "set"

    text = _ORDINAL_SET.sub(take, text)
    text = _SET_POSITION.sub(take, text)
    return _ORDINAL.sub(" ", text), position


def _join_split_numbers(text: str) -> str:
    """Numbers that speech-to-text wrote in two pieces, put back together.

    Only where the pieces cannot be two numbers: "100 and 80 kilos" (a unit follows) is 180,
    but "100 and 8 reps" is a weight and a rep count. "2 25 for 5" is 225, but "3 15 reps"
    or "3 10 at 80" are counts. A comma between the pieces ("3, 15 pounds") is bridged only
    before pounds, the unit this plate-maths shorthand is spoken in: "8, 15 kilos" is eight
    reps with fifteen kilos; and only when the reps are said elsewhere, for "Curls, 8, 15
    pounds" is eight reps too.
    """
    text = _HUNDRED_AND.sub(lambda m: str(int(m[1]) + int(m[2])), text)
    text = _AT_HUNDRED_AND.sub(lambda m: f"{m[1]} {int(m[2]) + int(m[3])}", text)
    if _REPS_SAID.search(text):
        text = re.sub(
            rf"\b([1-9]) , ([1-9][05]) (?=(?:{_LB})\b)",
            lambda m: f"{int(m[1]) * 100 + int(m[2])} ",
            text,
        )

    def shorthand(match: re.Match[str]) -> str:
        before, after = text[: match.start()].rstrip(), text[match.end() :]
        weight_follows = _SHORTHAND_AFTER.match(after) is not None
        weight_precedes = re.search(r"\b(?:at|with|using)$", before) is not None
        if _NOT_A_WEIGHT_BEFORE.search(before) or re.match(rf" ?{_COUNTED}", after):
            return match[0]
        if weight_follows or weight_precedes:
            return str(int(match[1]) * 100 + int(match[2]))
        return match[0]

    return _SHORTHAND.sub(shorthand, text)


def _number(text: str) -> float:
    return float(text)


def parse_set_slots(text: str) -> SetSlots:
    """Exercise, sets, reps, weight, unit and set position from one utterance (None: not said)."""
    spoken = _spoken(text)
    spoken, set_number = _set_position(spoken)
    spoken = " ".join(_join_split_numbers(spoken).split())
    match = match_exercise(spoken)
    # From here on clause breaks only separate numbers, which single spaces do as well.
    spoken = " ".join(spoken.replace(",", " ").split())
    sets = reps = None
    weight: float | None = None
    unit: str | None = None
    consumed: list[tuple[int, int]] = []

    def take(found: re.Match[str]) -> None:
        consumed.append(found.span())

    # Effort and the value being corrected are numbers, but never reps or a weight.
    effort = r"\b(?:rpe|rir|not) \d+(?:\.\d+)?\b|\b\d+(?:\.\d+)? ?(?:%|percent|rpe\b|rir\b)"
    for found_effort in re.finditer(effort, spoken):
        take(found_effort)
    if found := _first(rf"({_NUMBER}) ?(?:{_KG})\b", spoken, consumed):
        weight, unit = _number(found[1]), "kg"
        take(found)
    elif found := _first(rf"({_NUMBER}) ?(?:{_LB})\b", spoken, consumed):
        weight, unit = _number(found[1]), "lb"
        take(found)
    elif "bodyweight" in spoken.split():
        weight = 0.0

    if found := re.search(r"\b(\d+) ?(?:x|by|times) ?(\d+)\b", spoken):
        sets, reps = int(found[1]), int(found[2])
        take(found)
    if found := re.search(r"\b(\d+) (?:more |working |hard )?sets? of (\d+)\b", spoken):
        sets, reps = int(found[1]), int(found[2])
        take(found)
    elif found := re.search(r"\b(\d+) (?:more |working |hard )?sets?\b", spoken):
        sets = int(found[1])
        take(found)
    if sets is None and re.search(r"\bset\b", spoken):
        sets = 1  # "a set of 8", "my last set", "set 2"
    if reps is None and (
        found := _first(r"\b(\d+) (?:reps?|repetitions?|times)\b", spoken, consumed)
    ):
        reps = int(found[1])
        take(found)
    found = re.search(r"\b(?:set of|for) (\d+)\b", spoken)
    if reps is None and found and not _inside(found.span(1), consumed):
        reps = int(found[1])
        take(found)
    found = re.search(rf"\b(?:at|with|using) ({_NUMBER})\b", spoken)
    if weight is None and found and not _inside(found.span(1), consumed):
        weight = _number(found[1])
        take(found)

    # Bare numbers left over, in the order people say them: "squat 100 5" is 100 for 5,
    # but "twenty pull ups" is twenty reps of a body-weight movement.
    leftovers = [
        _number(m[0]) for m in re.finditer(_NUMBER, spoken) if not _inside(m.span(), consumed)
    ]
    exercise = match.name if match else None
    counts_reps_first = exercise is not None and is_bodyweight_movement(exercise)
    for value in leftovers:
        if counts_reps_first and reps is None and value == int(value) and value <= 200:
            reps = int(value)
        elif weight is None and (value >= 20 or reps is not None):
            weight = value
        elif reps is None and value == int(value) and 0 < value <= 100:
            reps = int(value)
    return SetSlots(
        exercise=exercise,
        sets=sets,
        reps=reps,
        weight=weight,
        unit=unit,
        set_number=set_number,
        match=match,
    )


def _first(pattern: str, text: str, consumed: list[tuple[int, int]]) -> re.Match[str] | None:
    """The first match whose number was not already read as something else."""
    for found in re.finditer(pattern, text):
        if not _inside(found.span(1), consumed):
            return found
    return None


def _inside(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    start, end = span
    return any(s <= start and end <= e for s, e in spans)
