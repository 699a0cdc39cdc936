"""The offline intent engine: what a user wants, from one transcribed utterance.

Nearest-prototype classification over sentence embeddings (the mean similarity of the three
closest prototypes of each intent), plus cues embeddings miss: a statement that carries an
exercise and numbers is a set to log; a question is never a set, a correction or an undo;
"no, it was 80 kilos" or "make that 8 reps" corrects the set just logged (correct_set, with
the new values as slots) and "undo that" takes it back (undo_set); talk of pain, a warning
sign or disordered eating is for a specialist. Below a similarity floor the engine admits it
did not understand, so the coach asks to rephrase instead of guessing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal, get_args

import numpy as np

from fitcoach.coach.embeddings import SentenceEmbedder, Vectors, shared_embedder
from fitcoach.coach.prototype_cache import embedded
from fitcoach.coach.safety import needs_safety_answer
from fitcoach.coach.slots import SetSlots, parse_set_slots
from fitcoach.once import Once

Intent = Literal[
    "get_workout",
    "get_meals",
    "log_set",
    "correct_set",
    "undo_set",
    "ask_workout",
    "ask_diet",
    "ask_supplement",
    "other",
]
INTENTS: tuple[Intent, ...] = get_args(Intent)

# Below this best similarity nothing is close enough to act on (measured on the shipped
# utterance set: real requests score above 0.45, noise and off-topic fragments below 0.35).
DEFAULT_FLOOR = 0.35
_TOP_K = 3

_FILLERS = re.compile(
    r"^(?:(?:um+|uh+|erm|er|ah|oh|okay|ok|so|hey|hi|yo|right|alright|well|and|coach|"
    r"fitcoach|please|now|like)\b[\s,.]*)+"
)
# A number as a transcript may start it, in digits or in words.
_NUMBER_START = (
    r"(?:\d|(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundred)\b)"
)
# Whisper often hears a leading "log" as "long", "lug" or "plug"; only before what a log
# command takes (a number, "my last set", "that") is it one: "long day" and "plug in the
# charger" stay as they are.
_MISHEARD_LOG = re.compile(
    rf"^(?:long|lug|plug|lock|lodge|blog)\b(?=[\s,]+(?:{_NUMBER_START}|"
    r"(?:my|that|this|it|another|last|the last|sets?)\b))"
)
_MISHEARD_CREATINE = re.compile(
    r"\b(?:creat(?:ing|in|ene|eine)|create (?:in|each|teen))\b(?! (?:a|an|the|my|your|some)\b)"
)
# Without context tiny.en hears "three sets" as "free sets"; nobody logs free sets.
_MISHEARD_THREE = re.compile(r"\bfree (?=sets?\b)")
# A request phrased as a question ("can you log 3 sets of 10?") is still a request.
_REQUEST = re.compile(
    r"^(?:(?:can|could|would|will) you|please)(?: please)? (?=(?:log|record|add|track|note|"
    r"save|put|write|mark|enter|undo|delete|remove|erase|cancel|scratch|change|correct|fix|"
    r"make)\b)"
)
_QUESTION_START = re.compile(
    r"^(?:how|what|what's|whats|which|when|why|who|where|should|shall|can|could|is|are|am|do|"
    r"does|did i need|will|would|tell me (?:how|what|why|if|whether)|any tips)\b"
)
_LOG_START = re.compile(
    r"^(?:log|logged|record|add|track|note|save|put (?:down|in)|write (?:down|that)|mark|"
    r"enter|i (?:just )?(?:did|did another|finished|got|hit|managed|completed)|"
    r"just (?:did|finished)|did|finished|done with|that was|got|hit)\b"
)


# Naming a supplement is the strongest sign of a supplement question; embeddings of rare
# names (HMB, ZMA, citrulline) sit too close to diet questions to tell them apart alone.
_SUPPLEMENT_TERMS = re.compile(
    r"\b(?:supplements?|creatine|caffeine|pre ?-?workouts?|whey|casein|protein (?:powder|shakes?)|"
    r"fish oil|omega ?3s?|omega threes?|vitamins?|multivitamins?|magnesium|zinc|iron pills?|bcaas?|"
    r"eaas?|beta ?alanine|citrulline|arginine|nitric oxide|ashwagandha|collagen|melatonin|"
    r"glutamine|hmb|carnitine|l carnitine|turmeric|curcumin|electrolytes?|fat burners?|"
    r"testosterone boosters?|probiotics?|zma|beetroot juice|nootropics?)\b"
)
_SUPPLEMENT_BONUS = 0.12
_COACHING_INTENTS: tuple[Intent, ...] = ("ask_workout", "ask_diet", "ask_supplement")


def clean_transcript(text: str) -> str:
    """Lower-cased text with leading fillers dropped and domain mishearings repaired."""
    text = " ".join(text.lower().replace("’", "'").split())
    text = text.strip(" .,!?;:")
    text = _FILLERS.sub("", text)
    text = _MISHEARD_LOG.sub("log", text)
    text = _MISHEARD_CREATINE.sub("creatine", text)
    text = _MISHEARD_THREE.sub("three ", text)
    return text


# Taking back the set just logged, said without new values.
_UNDO = re.compile(
    r"^(?:(?:oops|whoops|sorry|no|nope|actually)\W+)*(?:please )?(?:undo\b|"
    r"(?:delete|remove|erase|cancel|scratch|don't log|do not log)\b"
    r"(?=.*\b(?:that|this|it|last|set|entry)\b)|"
    r"take\b(?=.*\b(?:that|this|it|last|set|entry)\b)(?=.*\b(?:back|off|out)\b))"
)
# Correcting the set just logged: the cue, then the right values ("no, it was 80 kilos").
_CORRECTION = re.compile(
    rf"^(?:(?:no|nope|nah|actually|sorry|oops|correction|wrong)\b|not (?={_NUMBER_START})|"
    r"i (?:meant|mean|said)\b|(?:make|change|fix) (?:that|it|the)\b|"
    r"(?:that|it) should (?:be|have been)\b|should (?:be|have been)\b|"
    r"(?:you got it|that's|that was) wrong\b)"
)
_CUES = re.compile(r"^(?:(?:no|nope|nah|actually|sorry|oops|whoops|correction)\W+)+")
_APOLOGIES = re.compile(r"^(?:(?:sorry|oops|whoops)\W+)+")
_LOG_COMMAND = re.compile(r"^(?:log|record|add|track|note|save|put (?:down|in)|write down|enter)\b")


def is_question(text: str) -> bool:
    """Whether `text` asks something, judged on the transcript as written.

    Whisper's "?" is the best sign, so this must see the text before any cleaning. A
    question can also follow a statement in its own clause ("Bench 80 kilos for 5 reps,
    should I go up"), and a request phrased as a question is a request.
    """
    cleaned = clean_transcript(text)
    if _REQUEST.match(cleaned):
        return False
    if "?" in text:
        return True
    clauses = (_FILLERS.sub("", part.strip()) for part in re.split(r"[,.;:!]+", cleaned))
    return any(
        _QUESTION_START.match(clause) and not clause.startswith("what a ") for clause in clauses
    )


@dataclass(frozen=True)
class IntentResult:
    """What the engine made of one utterance."""

    text: str
    intent: Intent
    confidence: float
    slots: SetSlots = field(default_factory=SetSlots)
    understood: bool = True
    scores: dict[str, float] = field(default_factory=dict)


def _load_prototypes() -> dict[str, list[str]]:
    raw = resources.files("fitcoach.coach").joinpath("data/intent_prototypes.json").read_text()
    prototypes: dict[str, list[str]] = json.loads(raw)
    unknown = set(prototypes) - set(INTENTS)
    assert not unknown, f"prototype file names unknown intents {unknown}"
    return prototypes


class IntentEngine:
    """Classifies utterances; build once per process (it embeds its prototypes)."""

    def __init__(
        self,
        *,
        embedder: SentenceEmbedder | None = None,
        prototypes: dict[str, list[str]] | None = None,
        floor: float = DEFAULT_FLOOR,
    ) -> None:
        self._embedder = embedder or shared_embedder()
        self._floor = floor
        phrases = prototypes or _load_prototypes()
        labels: list[str] = []
        texts: list[str] = []
        for intent, examples in phrases.items():
            for example in examples:
                labels.append(intent)
                texts.append(clean_transcript(example))
        self._labels = np.array(labels)
        self._intents = [intent for intent in INTENTS if intent in phrases]
        self._vectors: Vectors = embedded(self._embedder, texts, kind="intents")

    def _scores(self, text: str) -> dict[str, float]:
        similarities = self._vectors @ self._embedder.embed_one(text)
        scores: dict[str, float] = {}
        for intent in self._intents:
            own = np.sort(similarities[self._labels == intent])[-_TOP_K:]
            scores[intent] = float(own.mean())
        return scores

    def classify(self, text: str) -> IntentResult:
        # The slot parser's number reading grows faster than the text (100 kB took 0.9 s,
        # 1 MB 111 s): an utterance longer than any sentence is read only to its start.
        text = text[:MAX_CLASSIFIED_CHARS]
        cleaned = clean_transcript(text)
        if not re.search(r"[a-z0-9]", cleaned):
            return IntentResult(text=text, intent="other", confidence=0.0, understood=False)
        slots = parse_set_slots(cleaned)
        scores = self._scores(cleaned)
        if _SUPPLEMENT_TERMS.search(cleaned):
            scores["ask_supplement"] += _SUPPLEMENT_BONUS
        if needs_safety_answer(cleaned):
            # Pain, warning signs and disordered eating go to a specialist, whose safety
            # answers come first, whatever the embeddings say: "I think I have an eating
            # disorder" sits closest to get_meals, "my urine is dark brown after a hard
            # workout" to get_workout, "I think I pulled a muscle" to log_set, "I feel dizzy"
            # to nothing.
            coaching = max(_COACHING_INTENTS, key=lambda intent: scores[intent])
            return IntentResult(
                text=text, intent=coaching, confidence=scores[coaching], scores=scores
            )
        best = max(scores, key=lambda intent: scores[intent])
        question = is_question(text)
        if not question and (action := _action(cleaned, slots, best)):
            return IntentResult(
                text=text,
                intent=action,
                confidence=max(scores.get(action, 0.0), 0.9),
                slots=slots,
                scores=scores,
            )
        if question and slots.exercise is not None and slots.has_set_numbers:
            # "Bench 80 kilos for 5 reps, should I go up?": advice on a set just done.
            if not best.startswith("ask_"):
                best = "ask_workout"
        elif (best in _ACTIONS and question) or best == "undo_set":
            # A question about sets ("should I do 3 sets of 10?") is coaching, not logging.
            # Taking a set back destroys data, so it needs its words ("undo", "delete that"),
            # not a sentence that merely resembles them ("forget it").
            excluded = _ACTIONS if question else {"undo_set"}
            ranked = sorted((s, i) for i, s in scores.items() if i not in excluded)
            best = ranked[-1][1]
        confidence = scores[best]
        if confidence < self._floor:
            return IntentResult(
                text=text, intent="other", confidence=confidence, understood=False, scores=scores
            )
        return IntentResult(
            text=text,
            intent=best,  # type: ignore[arg-type]
            confidence=confidence,
            slots=slots if best in _ACTIONS else SetSlots(),
            scores=scores,
        )


# Far longer than anything said in one breath; the agent refuses longer turns before here.
MAX_CLASSIFIED_CHARS = 2000

# Intents that change the log: a question is never one of them.
_ACTIONS = frozenset({"log_set", "correct_set", "undo_set"})


def _action(cleaned: str, slots: SetSlots, best: str) -> Intent | None:
    """The log action a statement asks for by its words and numbers, if it plainly asks one."""
    request = _REQUEST.sub("", cleaned)
    has_numbers = slots.reps is not None or slots.weight is not None or slots.sets is not None
    if _UNDO.match(request):
        # "Scratch that, 8 reps" takes the set back and says what it should have been.
        new_values = slots.reps is not None or slots.weight is not None
        return "correct_set" if new_values else "undo_set"
    if _CORRECTION.match(request) and (has_numbers or slots.exercise is not None):
        # A log command after the cue ("actually, log bench...") or a set said after an
        # apology ("sorry, I did 3 sets of squats") is a new set; "no, I did 10 reps" is not.
        rest = _CUES.sub("", request)
        apology = _APOLOGIES.sub("", request)
        if not (_LOG_COMMAND.match(rest) or (apology != request and _LOG_START.match(apology))):
            return "correct_set"
    # A guessed name ("skull crushes") is only a set to log with a set's numbers around it:
    # ordinary words that happen to sound like an exercise come with other numbers.
    certain = slots.exercise is not None and not slots.exercise_is_guess
    if (
        (certain and has_numbers)
        or (slots.exercise_is_guess and (slots.has_set_numbers or best == "log_set"))
        or (_LOG_START.match(request) and (has_numbers or slots.exercise is not None))
        or (request.startswith("log") and best != "get_workout")
    ):
        return "log_set"
    return None


# The process-wide engine, built (and its model warmed) on first use.
shared_intent_engine = Once(IntentEngine)
