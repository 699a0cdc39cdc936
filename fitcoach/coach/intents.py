"""The offline intent engine: what a user wants, from one transcribed utterance.

Nearest-prototype classification over sentence embeddings (the mean similarity of the three
closest prototypes of each intent), plus two cues embeddings miss: a statement that carries
an exercise and numbers is a set to log, and a question is never one. Below a similarity
floor the engine admits it did not understand, so the coach asks to rephrase instead of
guessing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

import numpy as np

from fitcoach.coach._once import Once
from fitcoach.coach.embeddings import SentenceEmbedder, Vectors, shared_embedder
from fitcoach.coach.prototype_cache import embedded
from fitcoach.coach.slots import SetSlots, parse_set_slots

Intent = Literal[
    "get_workout", "get_meals", "log_set", "ask_workout", "ask_diet", "ask_supplement", "other"
]
INTENTS: tuple[Intent, ...] = (
    "get_workout",
    "get_meals",
    "log_set",
    "ask_workout",
    "ask_diet",
    "ask_supplement",
    "other",
)

# Below this best similarity nothing is close enough to act on (measured on the shipped
# utterance set: real requests score above 0.45, noise and off-topic fragments below 0.35).
DEFAULT_FLOOR = 0.35
_TOP_K = 3

_FILLERS = re.compile(
    r"^(?:(?:um+|uh+|erm|er|ah|oh|okay|ok|so|hey|hi|yo|right|alright|well|and|coach|"
    r"fitcoach|please|now|like)\b[\s,.]*)+"
)
# Whisper often hears a leading "log" as "long", "lug" or "plug".
_MISHEARD_LOG = re.compile(r"^(?:long|lug|plug|lock|lodge|blog)\b")
_MISHEARD_CREATINE = re.compile(
    r"\b(?:creat(?:ing|in|ene|eine)|create (?:in|each|teen))\b(?! (?:a|an|the|my|your|some)\b)"
)
# Without context tiny.en hears "three sets" as "free sets"; nobody logs free sets.
_MISHEARD_THREE = re.compile(r"\bfree (?=sets?\b)")
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


def clean_transcript(text: str) -> str:
    """Lower-cased text with leading fillers dropped and domain mishearings repaired."""
    text = " ".join(text.lower().replace("’", "'").split())
    text = text.strip(" .,!?;:")
    text = _FILLERS.sub("", text)
    text = _MISHEARD_LOG.sub("log", text)
    text = _MISHEARD_CREATINE.sub("creatine", text)
    text = _MISHEARD_THREE.sub("three ", text)
    return text


def is_question(text: str) -> bool:
    return "?" in text or bool(_QUESTION_START.match(clean_transcript(text)))


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
        cleaned = clean_transcript(text)
        if not re.search(r"[a-z0-9]", cleaned):
            return IntentResult(text=text, intent="other", confidence=0.0, understood=False)
        slots = parse_set_slots(cleaned)
        scores = self._scores(cleaned)
        if _SUPPLEMENT_TERMS.search(cleaned):
            scores["ask_supplement"] += _SUPPLEMENT_BONUS
        best = max(scores, key=lambda intent: scores[intent])
        question = is_question(cleaned)
        has_numbers = slots.reps is not None or slots.weight is not None or slots.sets is not None
        if not question and (
            (slots.exercise is not None and has_numbers)
            or (_LOG_START.match(cleaned) and (has_numbers or slots.exercise is not None))
            or (cleaned.startswith("log") and best != "get_workout")
        ):
            return IntentResult(
                text=text,
                intent="log_set",
                confidence=max(scores["log_set"], 0.9),
                slots=slots,
                scores=scores,
            )
        if best == "log_set" and question:
            # A question about sets ("should I do 3 sets of 10?") is coaching, not logging.
            ranked = sorted((s, i) for i, s in scores.items() if i != "log_set")
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
            slots=slots if best == "log_set" else SetSlots(),
            scores=scores,
        )


# The process-wide engine, built (and its model warmed) on first use.
shared_intent_engine = Once(IntentEngine)
