"""Exercise names: the canonical vocabulary, what people call each one, and what it trains.

Speech-to-text writes "benched", "pull ups", "RDLs", "skull crushers"; the log stores one
canonical name per movement so history, progression and volume add up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


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
    _e("step-up", "quads glutes", "step up", "step ups", "stepups", "box step ups"),
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
    _e("pull-up", "back biceps", "pull up", "pull ups", "pullup", "pullups", "pulled up"),
    _e(
        "weighted pull-up",
        "back biceps",
        "weighted pull up",
        "weighted pull ups",
        "weighted pullups",
    ),
    _e("chin-up", "back biceps", "chin up", "chin ups", "chinup", "chinups", "chins"),
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
    _e("t-bar row", "back biceps", "t bar row", "t bar rows", "tbar row"),
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
    _e("skull crusher", "triceps", "skull crushers", "skullcrushers", "lying tricep extension"),
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
        "pushup",
        "pushups",
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
    _e("crunch", "core", "crunches", "sit up", "sit ups", "situps"),
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


# Gym compounds that speech-to-text writes as two words ("over head press", "dumb bells").
# Only pairs that are not ordinary English: "push up", "sit up" or "pull down" in a sentence
# are usually not exercises, and their exercise forms have aliases of their own.
_COMPOUNDS = ("overhead", "deadlift", "dumbbell", "barbell", "kettlebell", "hamstring")


@lru_cache(maxsize=1)
def _split_compound() -> re.Pattern[str]:
    halves = [
        rf"{word[:cut]} {word[cut:]}" for word in _COMPOUNDS for cut in range(2, len(word) - 1)
    ]
    return re.compile(r"\b(" + "|".join(halves) + r")(?=s?\b)")


def normalize(text: str) -> str:
    """Lower case, hyphens and punctuation as spaces, single-spaced, compounds joined."""
    spaced = " ".join(_WORD.findall(text.lower().replace("-", " ").replace("’", "'")))
    return _split_compound().sub(lambda match: match.group(1).replace(" ", ""), spaced)


@lru_cache(maxsize=1)
def _phrase_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for exercise in EXERCISES:
        for phrase in (exercise.name, *exercise.aliases):
            index.setdefault(normalize(phrase), exercise.name)
    return index


@lru_cache(maxsize=1)
def _phrase_pattern() -> re.Pattern[str]:
    # Longest phrase first, so "romanian deadlift" wins over "deadlift".
    phrases = sorted(_phrase_index(), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(p) for p in phrases) + r")\b")


def find_exercise(text: str) -> str | None:
    """The canonical exercise mentioned in free text, or None.

    When several are mentioned, the longest phrase wins ("romanian deadlift" over "deadlift").
    """
    matches = _phrase_pattern().findall(normalize(text))
    if not matches:
        return None
    best = max(matches, key=len)
    name = _phrase_index()[best]
    return None if name in _NOT_LOGGABLE else name


def canonical_exercise(name: str) -> str | None:
    """The canonical name when `name` as a whole is a known exercise or alias, else None."""
    found = _phrase_index().get(normalize(name))
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
