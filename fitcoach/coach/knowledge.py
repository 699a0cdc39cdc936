"""The curated knowledge base: short, cited answers to everyday coaching questions.

Entries live in data/knowledge.json. A question is matched to the entry whose phrasings are
closest in embedding space; below a floor the knowledge base says it has no answer rather
than answering a different question. Questions that speak of pain, a warning sign or
disordered eating are answered from the safety entries first, and advice to eat less or to
take a supplement gives way to a careful answer for someone under 18, pregnant or
breastfeeding, or on a medicine it could interact with (see safety.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator

from fitcoach.coach.embeddings import SentenceEmbedder, Vectors, shared_embedder
from fitcoach.coach.prototype_cache import embedded
from fitcoach.coach.safety import (
    mentions_disordered_eating,
    mentions_medication,
    needs_safety_answer,
    says_pregnant_or_breastfeeding,
    says_under_18,
)
from fitcoach.once import Once

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


class Guard(BaseModel):
    """Who gets a careful answer instead of advice to eat less or to take a supplement, and
    which safety entry that answer is."""

    caution: str  # spoken after every answer that restricts eating
    eating_disorder_entry: str  # for anyone who speaks of disordered eating
    medication_entry: str  # for anyone on a medicine a supplement or a diet could affect
    under_18_diet_entry: str
    under_18_supplement_entry: str
    pregnancy_diet_entry: str  # pregnancy or breastfeeding
    pregnancy_supplement_entry: str

    def entry_ids(self) -> tuple[str, ...]:
        return (
            self.eating_disorder_entry,
            self.medication_entry,
            self.under_18_diet_entry,
            self.under_18_supplement_entry,
            self.pregnancy_diet_entry,
            self.pregnancy_supplement_entry,
        )


class KnowledgeFile(BaseModel):
    version: int
    guard: Guard
    entries: list[KnowledgeEntry]

    @model_validator(mode="after")
    def _guard_entries_are_safety_answers(self) -> KnowledgeFile:
        by_id = {entry.id: entry for entry in self.entries}
        for entry_id in self.guard.entry_ids():
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
        self.guard = knowledge.guard
        self._guard_ids = set(self.guard.entry_ids())
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
        self._vectors: Vectors = embedded(self._embedder, phrasings, kind="knowledge")
        # The careful answers written for a listener under 18, pregnant or on a medicine are
        # for them alone: embeddings barely weigh "for a teenager", so "can a teenager use
        # protein powder" and "can I take protein powder" sit side by side, and an adult must
        # not get the first.
        index_of = {entry.id: index for index, entry in enumerate(self.entries)}
        self._for_minors = {
            index_of[self.guard.under_18_diet_entry],
            index_of[self.guard.under_18_supplement_entry],
        }
        self._for_pregnancy = {
            index_of[self.guard.pregnancy_diet_entry],
            index_of[self.guard.pregnancy_supplement_entry],
        }
        self._for_medication = {index_of[self.guard.medication_entry]}

    def spoken(self, entry: KnowledgeEntry) -> str:
        if entry.restricts_eating:
            return f"{entry.answer} {self.guard.caution}"
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
        self,
        similarities: Vectors,
        *,
        topics: set[str] | None,
        limit: int,
        excluded: set[int] | frozenset[int] = frozenset(),
    ) -> list[KnowledgeMatch]:
        best_by_entry: dict[int, float] = {}
        for position in np.argsort(-similarities):
            owner = int(self._owners[position])
            if topics is not None and self.entries[owner].topic not in topics:
                continue
            if owner in excluded:
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
        elsewhere only when it is nearly as close. Talk of disordered eating gets the eating
        disorder answer. An answer that restricts eating or is about a supplement gives way to
        the careful answer written for a listener who is under 18 (`minor`: their profile
        says so; or the question does), pregnant or breastfeeding, or on a medicine, unless
        the entry was itself written for that listener ("how much caffeine is safe when
        pregnant"). Otherwise questions about pain or a warning sign are answered from the
        safety entries first, so "my knee hurts when I squat" gets see-a-professional
        guidance, not squat tips, unless the closest phrasing is one written for that very
        situation ("is the tingling from beta alanine dangerous").
        """
        similarities = self._similarities(query)
        closest_phrasing = int(np.argmax(similarities))
        written_for_the_risk = bool(self._written_for_the_risk[closest_phrasing])
        excluded: set[int] = set()
        if not (minor or says_under_18(query)):
            excluded |= self._for_minors
        if not says_pregnant_or_breastfeeding(query):
            excluded |= self._for_pregnancy
        if not mentions_medication(query):
            excluded |= self._for_medication
        ranked = self._ranked(similarities, topics=None, limit=1, excluded=excluded)
        if not ranked:
            return None
        best = ranked[0]
        if topics is not None:
            in_topic = self._ranked(similarities, topics=topics, limit=1, excluded=excluded)
            if in_topic and in_topic[0].score >= best.score - TOPIC_PREFERENCE_MARGIN:
                best = in_topic[0]
        if mentions_disordered_eating(query) and not written_for_the_risk:
            # Whatever else the question asks, a diet tip is the wrong answer to it.
            return self._match(self._by_id[self.guard.eating_disorder_entry], best.score)
        instead = self._answer_instead(best.entry, query, minor=minor)
        # The careful answer fits any eating-less or supplement question alike, so a looser
        # match will do.
        if instead is not None and best.score >= self._floor - SAFETY_FLOOR_MARGIN:
            return self._match(instead, best.score)
        if needs_safety_answer(query) and not written_for_the_risk:
            safety = self._ranked(similarities, topics={"safety"}, limit=1, excluded=excluded)
            if safety and safety[0].score >= self._floor - SAFETY_FLOOR_MARGIN:
                return safety[0]
        return best if best.score >= self._floor else None

    def guarded(self, query: str, *, minor: bool = False) -> KnowledgeMatch | None:
        """The careful answer `query` gets when the listener is someone advice to eat less
        or to take a supplement could harm, else None. A cloud model is not asked these
        questions: its own advice could be the harmful kind."""
        if not (
            minor
            or says_under_18(query)
            or says_pregnant_or_breastfeeding(query)
            or mentions_medication(query)
            or mentions_disordered_eating(query)
        ):
            return None  # most questions: no embedding spent
        match = self.answer(query, minor=minor)
        if match is not None and match.entry.id in self._guard_ids:
            return match
        return None

    def careful_diet_entry(self, query: str) -> KnowledgeEntry | None:
        """The safety entry that replaces advice to eat less for someone whose question says
        they are pregnant or breastfeeding, or on a medicine."""
        if says_pregnant_or_breastfeeding(query):
            return self._by_id[self.guard.pregnancy_diet_entry]
        if mentions_medication(query):
            return self._by_id[self.guard.medication_entry]
        return None

    def _answer_instead(
        self, entry: KnowledgeEntry, query: str, *, minor: bool
    ) -> KnowledgeEntry | None:
        """The safety entry that replaces `entry` for this listener, if any."""
        if entry.topic == "supplement":
            under_18 = self.guard.under_18_supplement_entry
            pregnancy = self.guard.pregnancy_supplement_entry
        elif entry.restricts_eating:
            under_18 = self.guard.under_18_diet_entry
            pregnancy = self.guard.pregnancy_diet_entry
        else:
            return None
        if (minor or says_under_18(query)) and not _written_for(entry, says_under_18):
            return self._by_id[under_18]
        if says_pregnant_or_breastfeeding(query) and not _written_for(
            entry, says_pregnant_or_breastfeeding
        ):
            return self._by_id[pregnancy]
        if mentions_medication(query) and not _written_for(entry, mentions_medication):
            return self._by_id[self.guard.medication_entry]
        return None


def _written_for(entry: KnowledgeEntry, says: Callable[[str], bool]) -> bool:
    """Whether one of the entry's own questions speaks of the listener's situation."""
    return any(says(question) for question in entry.questions)


# The process-wide knowledge base, its questions embedded once.
shared_knowledge_base = Once(KnowledgeBase)
