"""The curated knowledge base: short, cited answers to everyday coaching questions.

Entries live in data/knowledge.json. A question is matched to the entry whose phrasings are
closest in embedding space; below a floor the knowledge base says it has no answer rather
than answering a different question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from fitcoach.coach._once import Once
from fitcoach.coach.embeddings import SentenceEmbedder, Vectors, shared_embedder
from fitcoach.coach.prototype_cache import embedded

Topic = Literal["workout", "diet", "supplement", "recovery", "safety"]

# Measured on the shipped entries: paraphrases of an entry's questions score 0.6 and up,
# unrelated fitness questions 0.3 to 0.45.
DEFAULT_MATCH_FLOOR = 0.5

_PAIN = re.compile(
    r"\b(?:pain|painful|hurts?|hurting|ache|aching|injur(?:y|ed|ies)|sprain(?:ed)?|strain(?:ed)?|"
    r"swollen|swelling|numb(?:ness)?|tingl(?:e|ing)|dizzy|dizziness|faint(?:ed)?|chest tight|"
    r"pulled a muscle|tweaked|popped|clicks?|clicking|pregnan(?:t|cy)|sick|fever)\b"
)


class KnowledgeEntry(BaseModel):
    id: str
    topic: Topic
    questions: list[str] = Field(min_length=1)
    answer: str
    evidence: Literal["strong", "moderate", "limited", "expert-opinion"]
    citation: str


class KnowledgeFile(BaseModel):
    version: int
    entries: list[KnowledgeEntry]


@dataclass(frozen=True)
class KnowledgeMatch:
    entry: KnowledgeEntry
    score: float


def load_entries() -> list[KnowledgeEntry]:
    raw = resources.files("fitcoach.coach").joinpath("data/knowledge.json").read_text()
    return KnowledgeFile.model_validate_json(raw).entries


def mentions_pain_or_injury(text: str) -> bool:
    return bool(_PAIN.search(text.lower()))


class KnowledgeBase:
    def __init__(
        self,
        *,
        entries: list[KnowledgeEntry] | None = None,
        embedder: SentenceEmbedder | None = None,
        floor: float = DEFAULT_MATCH_FLOOR,
    ) -> None:
        self.entries = entries if entries is not None else load_entries()
        self._embedder = embedder or shared_embedder()
        self._floor = floor
        owners: list[int] = []
        phrasings: list[str] = []
        for index, entry in enumerate(self.entries):
            for question in entry.questions:
                owners.append(index)
                phrasings.append(question.lower())
        self._owners = np.array(owners)
        self._vectors: Vectors = embedded(self._embedder, phrasings, kind="knowledge")

    def search(
        self, query: str, *, topics: set[str] | None = None, limit: int = 3
    ) -> list[KnowledgeMatch]:
        """The best entries for `query`, best first, each entry once."""
        similarities = self._vectors @ self._embedder.embed_one(query.lower())
        best_by_entry: dict[int, float] = {}
        for position in np.argsort(-similarities):
            owner = int(self._owners[position])
            if topics is not None and self.entries[owner].topic not in topics:
                continue
            if owner not in best_by_entry:
                best_by_entry[owner] = float(similarities[position])
                if len(best_by_entry) >= limit:
                    break
        return [KnowledgeMatch(self.entries[i], score) for i, score in best_by_entry.items()]

    def answer(self, query: str, *, topics: set[str] | None = None) -> KnowledgeMatch | None:
        """The one entry that answers `query`, or None when nothing is close enough.

        Pain and injury questions are answered from the safety entries first, so a question
        like "my knee hurts when I squat" gets see-a-professional guidance, not squat tips.
        """
        if mentions_pain_or_injury(query):
            safety = self.search(query, topics={"safety"}, limit=1)
            if safety and safety[0].score >= self._floor - 0.1:
                return safety[0]
        matches = self.search(query, topics=topics, limit=1)
        if matches and matches[0].score >= self._floor:
            return matches[0]
        return None


# The process-wide knowledge base, its questions embedded once.
shared_knowledge_base = Once(KnowledgeBase)
