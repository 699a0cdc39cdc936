"""The curated knowledge base: short, cited answers to everyday coaching questions.

Entries live in data/knowledge.json. A question is matched to the entry whose phrasings are
closest in embedding space; below a floor the knowledge base says it has no answer rather
than answering a different question. Questions that speak of pain, a warning sign or
disordered eating are answered from the safety entries first, and advice to eat less is never
given to someone under 18, pregnant or breastfeeding (see safety.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator

from fitcoach.coach._once import Once
from fitcoach.coach.embeddings import SentenceEmbedder, Vectors, shared_embedder
from fitcoach.coach.safety import (
    needs_safety_answer,
    says_pregnant_or_breastfeeding,
    says_under_18,
)

Topic = Literal["workout", "diet", "supplement", "recovery", "safety"]
Evidence = Literal["strong", "moderate", "limited", "expert-opinion"]

# Measured on the shipped entries: paraphrases of an entry's questions score 0.6 and up,
# unrelated fitness questions 0.3 to 0.45.
DEFAULT_MATCH_FLOOR = 0.5
# A question that speaks of pain or disordered eating takes a safety answer a little further
# from its wording than an ordinary answer would be taken.
SAFETY_FLOOR_MARGIN = 0.1
# How much closer an answer outside a specialist's topics must be to win over one inside
# them. Strict topic filtering answered 576 of 2,085 (specialist, entry question) pairs with
# the wrong entry: the diet specialist asked "how much creatine should I take" gave the
# protein answer. With this margin every pair gets its own entry (0.05 to 0.15 alike).
TOPIC_PREFERENCE_MARGIN = 0.05


class KnowledgeEntry(BaseModel):
    id: str
    topic: Topic
    questions: list[str] = Field(min_length=1)
    answer: str
    evidence: Evidence
    # Expert opinion may stand on no paper; every other answer names the sources it rests on.
    citations: list[str] = Field(default_factory=list)
    # The answer tells someone to eat less, fast, or watch their weight closely.
    restricts_eating: bool = False

    @model_validator(mode="after")
    def _sourced(self) -> KnowledgeEntry:
        if not self.citations and self.evidence != "expert-opinion":
            raise ValueError(f"{self.id}: a {self.evidence!r} answer needs a citation")
        return self


class EatingRestriction(BaseModel):
    """What keeps advice to eat less away from the people it could harm."""

    caution: str  # spoken after every answer that restricts eating
    under_18_entry: str  # answered instead to someone under 18
    pregnancy_entry: str  # answered instead during pregnancy or breastfeeding


class KnowledgeFile(BaseModel):
    version: int
    restriction: EatingRestriction
    entries: list[KnowledgeEntry]

    @model_validator(mode="after")
    def _guard_entries_are_safety_answers(self) -> KnowledgeFile:
        by_id = {entry.id: entry for entry in self.entries}
        for entry_id in (self.restriction.under_18_entry, self.restriction.pregnancy_entry):
            entry = by_id.get(entry_id)
            if entry is None or entry.topic != "safety" or entry.restricts_eating:
                raise ValueError(f"{entry_id!r} must be a safety entry that restricts no eating")
        return self


@dataclass(frozen=True)
class KnowledgeMatch:
    entry: KnowledgeEntry
    score: float
    spoken: str  # what to say: the answer, with the eating caution when it applies


def load_knowledge() -> KnowledgeFile:
    raw = resources.files("fitcoach.coach").joinpath("data/knowledge.json").read_text()
    return KnowledgeFile.model_validate_json(raw)


def load_entries() -> list[KnowledgeEntry]:
    return load_knowledge().entries


class KnowledgeBase:
    def __init__(
        self,
        *,
        knowledge: KnowledgeFile | None = None,
        embedder: SentenceEmbedder | None = None,
        floor: float = DEFAULT_MATCH_FLOOR,
    ) -> None:
        knowledge = knowledge if knowledge is not None else load_knowledge()
        self.entries = knowledge.entries
        self.restriction = knowledge.restriction
        self._by_id = {entry.id: entry for entry in self.entries}
        self._embedder = embedder or shared_embedder()
        self._floor = floor
        owners: list[int] = []
        phrasings: list[str] = []
        for index, entry in enumerate(self.entries):
            for question in entry.questions:
                owners.append(index)
                phrasings.append(question.lower())
        self._owners = np.array(owners)
        # Phrasings of ordinary entries that themselves speak of pain, a warning sign,
        # pregnancy or disordered eating: an entry reached through one was written for that
        # situation.
        self._written_for_the_risk = np.array(
            [
                needs_safety_answer(phrasing) and self.entries[owner].topic != "safety"
                for owner, phrasing in zip(owners, phrasings, strict=True)
            ]
        )
        self._vectors: Vectors = self._embedder.embed(phrasings)

    def spoken(self, entry: KnowledgeEntry) -> str:
        if entry.restricts_eating:
            return f"{entry.answer} {self.restriction.caution}"
        return entry.answer

    def _match(self, entry: KnowledgeEntry, score: float) -> KnowledgeMatch:
        return KnowledgeMatch(entry, score, self.spoken(entry))

    def search(
        self, query: str, *, topics: set[str] | None = None, limit: int = 3
    ) -> list[KnowledgeMatch]:
        """The best entries for `query`, best first, each entry once."""
        return self._ranked(self._similarities(query), topics=topics, limit=limit)

    def _similarities(self, query: str) -> Vectors:
        return self._vectors @ self._embedder.embed_one(query.lower())

    def _ranked(
        self, similarities: Vectors, *, topics: set[str] | None, limit: int
    ) -> list[KnowledgeMatch]:
        best_by_entry: dict[int, float] = {}
        for position in np.argsort(-similarities):
            owner = int(self._owners[position])
            if topics is not None and self.entries[owner].topic not in topics:
                continue
            if owner not in best_by_entry:
                best_by_entry[owner] = float(similarities[position])
                if len(best_by_entry) >= limit:
                    break
        return [self._match(self.entries[i], score) for i, score in best_by_entry.items()]

    def answer(
        self, query: str, *, topics: set[str] | None = None, minor: bool = False
    ) -> KnowledgeMatch | None:
        """The one entry that answers `query`, or None when nothing is close enough.

        `topics` are preferred, not required: an entry in them wins over a closer one
        elsewhere only when it is nearly as close. Questions about pain, a warning sign or
        disordered eating are answered from the safety entries first, so "my knee hurts when I
        squat" gets see-a-professional guidance, not squat tips, unless the closest phrasing
        is one written for that very situation ("is the tingling from beta alanine
        dangerous", "how much caffeine is safe when pregnant"). `minor` says the listener
        is under 18 (their profile says so); a question can say it too. Either way, or in
        pregnancy, an answer that restricts eating gives way to the safety entry written for
        that listener.
        """
        similarities = self._similarities(query)
        closest_phrasing = int(np.argmax(similarities))
        if needs_safety_answer(query) and not self._written_for_the_risk[closest_phrasing]:
            safety = self._ranked(similarities, topics={"safety"}, limit=1)
            if safety and safety[0].score >= self._floor - SAFETY_FLOOR_MARGIN:
                return safety[0]
        ranked = self._ranked(similarities, topics=None, limit=1)
        if not ranked:
            return None
        best = ranked[0]
        if topics is not None:
            in_topic = self._ranked(similarities, topics=topics, limit=1)
            if in_topic and in_topic[0].score >= best.score - TOPIC_PREFERENCE_MARGIN:
                best = in_topic[0]
        instead = self._answer_instead(best.entry, query, minor=minor)
        if instead is None:
            return best if best.score >= self._floor else None
        # The redirect answers any eating-less question alike, so a looser match will do.
        if best.score >= self._floor - SAFETY_FLOOR_MARGIN:
            return self._match(instead, best.score)
        return None

    def _answer_instead(
        self, entry: KnowledgeEntry, query: str, *, minor: bool
    ) -> KnowledgeEntry | None:
        """The safety entry that replaces `entry` for this listener, if any."""
        if not entry.restricts_eating:
            return None
        if minor or says_under_18(query):
            return self._by_id[self.restriction.under_18_entry]
        if says_pregnant_or_breastfeeding(query):
            return self._by_id[self.restriction.pregnancy_entry]
        return None


# The process-wide knowledge base, its questions embedded once.
shared_knowledge_base = Once(KnowledgeBase)
