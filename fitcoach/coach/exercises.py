"""Exercise names: the canonical vocabulary, what people call each one, and what it trains.

Speech-to-text writes "benched", "pull ups", "RDLs", "skull crushers"; the log stores one
canonical name per movement so history, progression and volume add up. It also mishears
names ("hip for us", "in pline bench") and people misspell them when they type: those are
matched by spelling and by sound, and reported as guesses, never as certain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import jellyfish
from rapidfuzz import process
from rapidfuzz.distance import Indel


@dataclass(frozen=True)
class Exercise:
    name: str
    muscles: tuple[str, ...]  # primary muscle groups, for weekly volume
    aliases: tuple[str, ...] = ()


def _e(name: str, muscles: str, *aliases: str) -> Exercise:
    return Exercise(name, tuple(muscles.split()), aliases)


EXERCISES: tuple[Exercise, ...] = (
    _e(
        "bench press",
        "chest triceps shoulders",
        "bench",
        "benched",
        "benching",
        "barbell bench",
        "flat bench",
        "bench pressed",
        "barbell bench press",
        "flat bench press",
    ),
    _e(
        "incline bench press",
        "chest shoulders triceps",
        "incline bench",
        "incline barbell press",
        "incline press",
        "incline",
    ),
    _e(
        "incline dumbbell press",
        "chest shoulders triceps",
        "incline dumbbell bench",
        "incline db press",
        "incline dumbbell bench press",
    ),
    _e(
        "dumbbell bench press",
        "chest triceps shoulders",
        "dumbbell bench",
        "db bench",
        "dumbbell press",
        "flat dumbbell press",
    ),
    _e(
        "close-grip bench press",
        "triceps chest",
        "close grip bench",
        "close grip bench press",
        "close grip",
    ),
    _e(
        "overhead press",
        "shoulders triceps",
        "ohp",
        "military press",
        "shoulder press",
        "barbell overhead press",
        "standing press",
        "press overhead",
        "strict press",
    ),
    _e(
        "dumbbell shoulder press",
        "shoulders triceps",
        "dumbbell overhead press",
        "seated dumbbell press",
        "db shoulder press",
        "arnold press",
    ),
    _e("push press", "shoulders triceps quads"),
    _e(
        "squat",
        "quads glutes",
        "squats",
        "squatted",
        "squatting",
        "back squat",
        "back squats",
        "barbell squat",
        "high bar squat",
        "low bar squat",
    ),
    _e("front squat", "quads glutes", "front squats", "front squatted"),
    _e("goblet squat", "quads glutes", "goblet squats", "goblets"),
    _e(
        "bulgarian split squat",
        "quads glutes",
        "bulgarian split squats",
        "split squat",
        "split squats",
        "bulgarians",
        "rear foot elevated split squat",
    ),
    _e("leg press", "quads glutes", "leg pressed", "leg pressing"),
    _e(
        "lunge",
        "quads glutes",
        "lunges",
        "lunged",
        "reverse lunge",
        "reverse lunges",
        "dumbbell lunges",
    ),
    _e("walking lunge", "quads glutes", "walking lunges"),
    _e("step-up", "quads glutes", "step up", "step ups", "box step ups"),
    _e(
        "deadlift",
        "hamstrings glutes back",
        "deadlifts",
        "deadlifted",
        "deadlifting",
        "dead lift",
        "dead lifts",
        "conventional deadlift",
    ),
    _e(
        "romanian deadlift",
        "hamstrings glutes",
        "rdl",
        "rdls",
        "romanian deadlifts",
        "romanian dead lift",
        "stiff leg deadlift",
        "stiff legged deadlift",
    ),
    _e("sumo deadlift", "glutes hamstrings back", "sumo deadlifts", "sumo"),
    _e("trap bar deadlift", "quads glutes back", "trap bar", "hex bar deadlift", "hex bar"),
    _e("hip thrust", "glutes", "hip thrusts", "barbell hip thrust", "hip thrusted"),
    _e("glute bridge", "glutes", "glute bridges", "bridges"),
    _e(
        "leg curl",
        "hamstrings",
        "leg curls",
        "hamstring curl",
        "hamstring curls",
        "lying leg curl",
        "seated leg curl",
    ),
    _e("leg extension", "quads", "leg extensions", "quad extension", "quad extensions"),
    _e("calf raise", "calves", "calf raises", "calves raises", "standing calf raise"),
    _e("pull-up", "back biceps", "pull up", "pull ups", "pulled up"),
    _e(
        "weighted pull-up",
        "back biceps",
        "weighted pull up",
        "weighted pull ups",
        "weighted pullups",
    ),
    _e("chin-up", "back biceps", "chin up", "chin ups", "chins"),
    _e(
        "lat pulldown",
        "back biceps",
        "lat pulldowns",
        "lat pull down",
        "lat pull downs",
        "pulldown",
        "pulldowns",
        "pull down",
        "pull downs",
    ),
    _e(
        "barbell row",
        "back biceps",
        "barbell rows",
        "bent over row",
        "bent over rows",
        "row",
        "rows",
        "rowed",
        "pendlay row",
        "pendlay rows",
        "bent-over row",
    ),
    _e(
        "dumbbell row",
        "back biceps",
        "dumbbell rows",
        "db row",
        "db rows",
        "one arm row",
        "one arm rows",
        "single arm row",
    ),
    _e(
        "seated cable row",
        "back biceps",
        "cable row",
        "cable rows",
        "seated row",
        "seated rows",
        "seated cable rows",
    ),
    _e("chest-supported row", "back biceps", "chest supported row", "chest supported rows"),
    _e("t-bar row", "back biceps", "t bar row", "t bar rows"),
    _e("face pull", "shoulders back", "face pulls"),
    _e(
        "lateral raise",
        "shoulders",
        "lateral raises",
        "side raise",
        "side raises",
        "side lateral raises",
        "laterals",
        "lat raises",
    ),
    _e(
        "rear delt fly",
        "shoulders back",
        "rear delt flys",
        "rear delt flies",
        "reverse fly",
        "reverse flys",
        "reverse flies",
        "rear delt raises",
    ),
    _e(
        "dumbbell curl",
        "biceps",
        "curl",
        "curls",
        "curled",
        "bicep curl",
        "bicep curls",
        "biceps curls",
        "dumbbell curls",
        "db curls",
    ),
    _e("barbell curl", "biceps", "barbell curls", "ez bar curl", "ez bar curls"),
    _e("hammer curl", "biceps forearms", "hammer curls"),
    _e("preacher curl", "biceps", "preacher curls"),
    _e(
        "tricep pushdown",
        "triceps",
        "tricep pushdowns",
        "triceps pushdown",
        "triceps pushdowns",
        "pushdown",
        "pushdowns",
        "push down",
        "push downs",
        "cable pushdown",
        "rope pushdown",
    ),
    _e("skull crusher", "triceps", "skull crushers", "lying tricep extension"),
    _e(
        "overhead tricep extension",
        "triceps",
        "overhead tricep extensions",
        "overhead extension",
        "overhead extensions",
        "overhead triceps extension",
        "tricep extension",
        "tricep extensions",
    ),
    _e("dip", "triceps chest", "dips", "dipped", "parallel bar dips"),
    _e(
        "push-up",
        "chest triceps",
        "push up",
        "push ups",
        "press up",
        "press ups",
    ),
    _e(
        "chest fly",
        "chest",
        "chest flys",
        "chest flies",
        "flys",
        "flies",
        "pec fly",
        "cable fly",
        "cable flys",
        "dumbbell fly",
        "dumbbell flys",
        "cable crossover",
        "cable crossovers",
    ),
    _e("shrug", "traps", "shrugs", "shrugged"),
    _e("plank", "core", "planks", "planked"),
    _e("side plank", "core", "side planks"),
    _e("hanging leg raise", "core", "hanging leg raises", "leg raise", "leg raises"),
    _e("ab wheel rollout", "core", "ab wheel", "ab rollout", "ab rollouts", "rollouts"),
    _e("crunch", "core", "crunches", "sit up", "sit ups"),
    _e("dead bug", "core", "dead bugs"),
    _e("bird dog", "core", "bird dogs"),
    _e("russian twist", "core", "russian twists"),
    _e("kettlebell swing", "glutes hamstrings", "kettlebell swings", "kb swings", "swings"),
    _e(
        "farmer's carry",
        "forearms traps core",
        "farmers carry",
        "farmer carry",
        "farmers walk",
        "farmer's walk",
        "farmers carries",
    ),
    _e("box jump", "quads glutes", "box jumps"),
    _e("power clean", "back glutes quads", "power cleans", "cleans", "hang clean"),
    _e("snatch", "back glutes quads shoulders", "snatches", "power snatch"),
    _e("thruster", "quads shoulders", "thrusters"),
    _e("burpee", "conditioning", "burpees"),
    _e("rowing machine", "conditioning", "rower", "erg", "rowing", "row erg"),
    _e("running", "conditioning", "ran", "jogging", "treadmill"),
    _e("cycling", "conditioning", "bike", "cycled", "spin bike", "exercise bike"),
    _e("leg day", "quads glutes"),  # never logged: blocks "leg" matching leg press etc.
)

# Canonical names that describe a session, not a loggable movement.
_NOT_LOGGABLE = {"leg day"}

_WORD = re.compile(r"[a-z0-9']+")


def normalize(text: str) -> str:
    """Lower case, hyphens and punctuation as spaces, single-spaced.

    Words written apart or together ("over head press", "benchpress") need no rule here:
    names are looked up with their spaces taken out.
    """
    return " ".join(_WORD.findall(text.lower().replace("-", " ").replace("’", "'")))


@lru_cache(maxsize=1)
def _phrase_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for exercise in EXERCISES:
        for phrase in (exercise.name, *exercise.aliases):
            index.setdefault(normalize(phrase), exercise.name)
    return index


# -- recognising a name in a transcript ----------------------------------------------------

MatchKind = Literal["exact", "spelling", "sound"]


@dataclass(frozen=True)
class ExerciseMatch:
    """An exercise recognised in a transcript, and how sure the recognition is.

    `how` is "exact" when a name or alias was said (spacing aside: "benchpress"), "spelling"
    when the words are a close misspelling of one ("romainian deadlift"), and "sound" when
    they only sound like one ("hip for us" for hip thrusts). `score` is 1.0 for an exact
    match, else the similarity of letters and sounds, from the acceptance floor (0.75) to 1.
    `heard` is the words of the transcript that matched.
    """

    name: str
    score: float
    how: MatchKind
    heard: str

    @property
    def certain(self) -> bool:
        """Only a name as said is certain; anything else is worth confirming first."""
        return self.how == "exact"


# Closed-class English words: they carry no name, but a mishearing can absorb them
# ("incline" heard as "in pline", "thrusts" as "for us").
_FUNCTION_WORDS = frozenset(
    {
        *("a", "an", "the", "my", "your", "his", "her", "our", "their", "its", "some", "any"),
        *("this", "that", "these", "those", "all", "more", "most", "very", "too", "also"),
        *("of", "at", "for", "with", "on", "in", "to", "into", "onto", "from", "by", "as"),
        *("up", "down", "over", "out", "off", "and", "or", "but", "so", "then", "than"),
        *("i", "i'm", "im", "me", "us", "we", "you", "it", "is", "was", "are", "be", "been", "am"),
        *("do", "did", "does", "done", "have", "has", "had", "just", "no", "not", "one"),
        *("what", "whats", "how", "when", "why", "which", "who", "there", "here"),
    }
)
# Words around a name in a set log that are never part of one.
_NEVER_IN_A_NAME = frozenset(
    {
        *("set", "sets", "rep", "reps", "times", "x", "bodyweight"),
        *("kilo", "kilos", "kg", "kgs", "kilogram", "kilograms", "pound", "pounds", "lb", "lbs"),
    }
)
# Calibrated on the labelled utterances in tests/data: below these, ordinary speech ("what
# do I have planned" and plank, "is it leg day") starts to pass for exercise names.
_GUESS_FLOOR = 0.75  # a phrase sharing a word with the name: "garble squats"
_REST_FLOOR = 0.65  # ... and what differs must sound alike too: "garble" and "goblet"
_ALONE_FLOOR = 0.9  # a phrase sharing no word with the name it is like
_ONE_WORD_FLOOR = 0.9  # a single unknown word ("dedlift"): English is full of near misses
_OVERRIDE_FLOOR = 0.8  # a guess that replaces a shorter exact name ("in pline bench")
_SPELLING = 0.85  # letter similarity from which a guess counts as a misspelling


@dataclass(frozen=True)
class _Target:
    phrase: str  # normalised alias
    name: str  # canonical exercise
    words: tuple[str, ...]


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _compact(words: tuple[str, ...] | list[str]) -> str:
    return "".join(words).replace("'", "")


def _sound(words: tuple[str, ...] | list[str]) -> str:
    """A phonetic key: Metaphone per word, as the words run together in speech.

    Metaphone keeps a vowel only at the start of a word; inside a phrase nobody hears where
    a word starts, so only the phrase's first vowel stays ("for us" sounds like "FRS", as in
    "thrust"). Two confusions speech-to-text makes often are folded in: "th" sounds like "f"
    (whisper writes "free sets" for "three sets"), and b is p spoken with the voice on.
    """
    codes = [jellyfish.metaphone(word.replace("'", "")) for word in words]
    code = "".join([codes[0], *(part.lstrip("AEIOU") for part in codes[1:])]) if codes else ""
    return code.replace("0", "F").replace("B", "P")


@lru_cache(maxsize=1)
def _compact_index() -> dict[str, str]:
    return {phrase.replace(" ", ""): name for phrase, name in _phrase_index().items()}


@lru_cache(maxsize=1)
def _targets() -> tuple[tuple[_Target, ...], list[str], list[str], frozenset[str]]:
    """Aliases a guess may land on, their spellings and sounds, and every word in a name."""
    targets: list[_Target] = []
    vocabulary: set[str] = set()
    for phrase, name in _phrase_index().items():
        words = tuple(phrase.split())
        vocabulary.update(words)
        vocabulary.update(_singular(word) for word in words)
        # Abbreviations (db, kb, ez, t bar, rdl) are spelt out, never misheard into words.
        if all(len(word) >= 3 and re.search(r"[aeiouy]", word) for word in words):
            targets.append(_Target(phrase, name, words))
    spellings = [_compact(target.words) for target in targets]
    sounds = [_sound(target.words) for target in targets]
    return tuple(targets), spellings, sounds, frozenset(vocabulary)


def _similarity(words: list[str], other: tuple[str, ...] | list[str]) -> tuple[float, float]:
    spelling = Indel.normalized_similarity(_compact(words), _compact(other))
    sound = Indel.normalized_similarity(_sound(words), _sound(other))
    return spelling, sound


def _rest_similarity(words: list[str], target: _Target) -> float | None:
    """How alike the words that differ are, once the words both phrases share are set aside.

    None when they share no word, or when one phrase holds all of the other's words, which
    makes it an exact name or a part of one, not a mishearing.
    """
    shared = {_singular(word) for word in words} & {_singular(word) for word in target.words}
    shared -= _FUNCTION_WORDS
    if not shared:
        return None
    heard_rest = [word for word in words if _singular(word) not in shared]
    name_rest = [word for word in target.words if _singular(word) not in shared]
    if not heard_rest or not name_rest:
        return None
    spelling, sound = _similarity(heard_rest, name_rest)
    return (spelling + sound) / 2


def _clauses(text: str) -> list[list[str]]:
    """Normalised words per clause: a name never runs across a comma or a full stop."""
    return [normalize(part).split() for part in re.split(r"[,.;:!?]+(?!\d)", text)]


@dataclass(frozen=True)
class _Found:
    clause: int
    start: int
    end: int
    name: str
    score: float
    how: MatchKind
    heard: str

    def covers(self, other: _Found) -> bool:
        return (
            self.clause == other.clause
            and self.start <= other.start
            and other.end <= self.end
            and (self.start, self.end) != (other.start, other.end)
        )


def _exact(clauses: list[list[str]]) -> list[_Found]:
    found: list[_Found] = []
    index = _compact_index()
    for number, words in enumerate(clauses):
        for start in range(len(words)):
            for end in range(start + 1, min(start + 6, len(words)) + 1):
                name = index.get(_compact(words[start:end]))
                if name is not None:
                    heard = " ".join(words[start:end])
                    found.append(_Found(number, start, end, name, 1.0, "exact", heard))
    return found


def _guesses(clauses: list[list[str]]) -> list[_Found]:
    targets, spellings, sounds, vocabulary = _targets()
    spans: list[tuple[int, int, int]] = []
    for number, words in enumerate(clauses):
        for start in range(len(words)):
            for end in range(start + 1, min(start + 4, len(words)) + 1):
                span = words[start:end]
                if any(word in _NEVER_IN_A_NAME or any(c.isdigit() for c in word) for word in span):
                    break
                if len(_compact(span)) < 5 or all(word in _FUNCTION_WORDS for word in span):
                    continue
                # Words that all belong to names are a name (found exactly) or part of one.
                if all(word in vocabulary or _singular(word) in vocabulary for word in span):
                    continue
                spans.append((number, start, end))
    if not spans:
        return []
    spans_words = [clauses[number][start:end] for number, start, end in spans]
    spelling = process.cdist(
        [_compact(words) for words in spans_words], spellings, scorer=Indel.normalized_similarity
    )
    sound = process.cdist(
        [_sound(words) for words in spans_words], sounds, scorer=Indel.normalized_similarity
    )
    combined = (spelling + sound) / 2
    found: list[_Found] = []
    for row, (number, start, end) in enumerate(spans):
        best = int(combined[row].argmax())
        score = float(combined[row, best])
        words = spans_words[row]
        target = targets[best]
        if len(words) == 1:
            accepted = score >= _ONE_WORD_FLOOR and len(_compact(words)) >= 6
        else:
            rest = _rest_similarity(words, target)
            if rest is None:
                accepted = score >= _ALONE_FLOOR and not _shares_word(words, target)
            else:
                accepted = score >= _GUESS_FLOOR and rest >= _REST_FLOOR
        if accepted:
            how: MatchKind = "spelling" if spelling[row, best] >= _SPELLING else "sound"
            heard = " ".join(words)
            found.append(_Found(number, start, end, target.name, round(score, 3), how, heard))
    return found


def _shares_word(words: list[str], target: _Target) -> bool:
    return bool({_singular(word) for word in words} & {_singular(word) for word in target.words})


def match_exercise(text: str) -> ExerciseMatch | None:
    """The exercise named in free text, with how sure the recognition is, or None.

    A name or alias as said wins, the longest when several are ("romanian deadlift" over
    "deadlift"). Otherwise the closest name by spelling and by sound, if it is close
    enough: "skull crushes" is skull crusher, "in pline bench" incline bench press. A
    close guess also beats an exact name it contains ("garble squats" is a goblet squat,
    not a squat). Words that only describe a session ("leg day") give None.
    """
    clauses = _clauses(text)
    exact = _exact(clauses)
    guesses = _guesses(clauses)
    chosen: _Found | None = None
    if exact:
        chosen = max(exact, key=lambda found: len(found.heard))
        longer = [
            guess
            for guess in guesses
            if guess.covers(chosen) and guess.name != chosen.name and guess.score >= _OVERRIDE_FLOOR
        ]
        if longer:
            chosen = max(longer, key=lambda found: found.score)
    elif guesses:
        chosen = max(guesses, key=lambda found: (found.score, found.end - found.start))
    if chosen is None or chosen.name in _NOT_LOGGABLE:
        return None
    return ExerciseMatch(chosen.name, chosen.score, chosen.how, chosen.heard)


def find_exercise(text: str) -> str | None:
    """The canonical exercise named as such in free text, or None; never a guess.

    When several are mentioned, the longest phrase wins ("romanian deadlift" over "deadlift").
    """
    clauses = _clauses(text)
    exact = _exact(clauses)
    if not exact:
        return None
    name = max(exact, key=lambda found: len(found.heard)).name
    return None if name in _NOT_LOGGABLE else name


def canonical_exercise(name: str) -> str | None:
    """The canonical name when `name` as a whole is a known exercise or alias, else None."""
    found = _compact_index().get(normalize(name).replace(" ", "").replace("'", ""))
    return None if found in _NOT_LOGGABLE else found


def exercise_for_log(name: str) -> str:
    """What the log stores: the canonical name when known, else the user's words tidied.

    An unknown movement ("zercher squat") is kept as said rather than forced onto a
    near neighbour, so the log never claims a different exercise.
    """
    canonical = canonical_exercise(name)
    if canonical is not None:
        return canonical
    return " ".join(name.split())


@lru_cache(maxsize=1)
def _muscles() -> dict[str, tuple[str, ...]]:
    return {exercise.name: exercise.muscles for exercise in EXERCISES}


def muscles_for(exercise: str) -> tuple[str, ...]:
    """Primary muscle groups an exercise trains (empty when unknown)."""
    return _muscles().get(canonical_exercise(exercise) or exercise, ())


# Movements done with body weight unless a load is named: a lone number is their reps.
_BODYWEIGHT = frozenset(
    {
        "pull-up",
        "chin-up",
        "push-up",
        "dip",
        "plank",
        "side plank",
        "hanging leg raise",
        "ab wheel rollout",
        "crunch",
        "dead bug",
        "bird dog",
        "russian twist",
        "box jump",
        "burpee",
        "glute bridge",
        "lunge",
        "walking lunge",
        "step-up",
    }
)


def is_bodyweight_movement(exercise: str) -> bool:
    return exercise in _BODYWEIGHT


def known_exercise_names() -> list[str]:
    return [e.name for e in EXERCISES if e.name not in _NOT_LOGGABLE]
