"""End-of-turn from what the user said so far: does it sound finished?

The framework asks a turn detector for the probability that the user's turn is over once a
transcript exists; below the detector's threshold it waits the longer `max_delay` before
answering. Its own learned detector (the local v1-mini model) holds about 244 MB in every
process; this one judges the words with the intent engine a session has loaded anyway. A
turn sounds unfinished when it trails off on a word that needs more
("three sets of", "and", "um"), is only a filler ("okay so"), names a set without its
numbers ("barbell rows are done": the reps are usually next), or is nothing the coach could
act on ("last one."), where answering would only mean asking to hear it again. Everything
else is taken as finished, so ordinary requests keep the short delay and only the rest wait.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from fitcoach.agent.engines.intent_llm import last_user_text
from fitcoach.coach import shared_intent_engine

if TYPE_CHECKING:
    from livekit.agents import llm
    from livekit.agents.language import LanguageCode

FINISHED = 0.95
UNFINISHED = 0.05
THRESHOLD = 0.5

# Words after which an English sentence cannot end.
_NEEDS_MORE = frozenset(
    {
        *("a", "an", "the", "my", "your", "his", "her", "our", "their"),
        *("and", "or", "but", "plus", "because", "if", "than"),
        *("with", "without", "for", "to", "of", "at", "by", "from", "into"),
        *("um", "uh", "er", "erm"),
    }
)
_FILLERS = frozenset(
    {"okay", "ok", "so", "well", "right", "um", "uh", "er", "erm", "hmm", "yeah", "alright"}
    | {"and", "then", "also"}
)
_WORD = re.compile(r"[a-z']+|\d+(?:\.\d+)?")


def sounds_finished(text: str) -> bool:
    """Whether `text` reads as a complete request or statement."""
    stripped = text.strip()
    if not stripped:
        return True
    if stripped.endswith(("...", "…", ",", "-", "—")):
        return False
    words = _WORD.findall(stripped.lower())
    if not words:
        return True
    if all(word in _FILLERS for word in words):
        return False
    # A question mark is whisper hearing a question's intonation close ("who's it for?").
    if words[-1] in _NEEDS_MORE and not stripped.endswith("?"):
        return False
    result = shared_intent_engine().classify(stripped)
    if not result.understood and not stripped.endswith("?"):
        # The reply would only ask them to say it again: better to let them go on.
        return False
    return not (
        result.intent == "log_set"
        and result.slots.exercise is not None
        and result.slots.reps is None
        and result.slots.weight is None
    )


class UtteranceCompleteness:
    """A turn detector for AgentSession(turn_handling={"turn_detection": ...})."""

    @property
    def model(self) -> str:
        return "utterance-completeness"

    @property
    def provider(self) -> str:
        return "fitcoach"

    async def unlikely_threshold(self, language: LanguageCode | None) -> float | None:
        return THRESHOLD

    async def supports_language(self, language: LanguageCode | None) -> bool:
        return language is None or str(language).lower().startswith("en")

    async def predict_end_of_turn(
        self,
        chat_ctx: llm.ChatContext,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 (the framework's protocol names it)
    ) -> float:
        text = last_user_text(chat_ctx) or ""
        finished = await asyncio.to_thread(sounds_finished, text)
        return FINISHED if finished else UNFINISHED
