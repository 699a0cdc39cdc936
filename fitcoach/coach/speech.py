"""Making text fit for a voice: no markdown, short lists, under about thirty seconds."""

from __future__ import annotations

import re

# About 150 spoken words a minute: 75 words is thirty seconds.
MAX_SPOKEN_WORDS = 75
_WORDS_PER_TOKEN = 0.75

_MARKDOWN = re.compile(r"[*_`#>|]+")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.MULTILINE)
_URL = re.compile(r"https?://\S+")


def speakable(text: str, *, max_tokens: int | None = None) -> str:
    """`text` as plain sentences, cut at a sentence boundary to fit the spoken-length budget.

    A list keeps its first three items: a listener cannot hold more.
    """
    sentences: list[str] = []
    list_items = 0
    for raw in text.splitlines():
        line = raw.strip()
        if _BULLET.match(line):
            list_items += 1
            if list_items > 3:
                continue
            line = _BULLET.sub("", line)
        line = _MARKDOWN.sub("", _URL.sub("", line)).strip()
        if not line:
            continue
        if line[-1] not in ".!?":
            line += "."
        sentences.append(line)
    flat = " ".join(" ".join(sentences).split())
    budget = MAX_SPOKEN_WORDS
    if max_tokens is not None:
        budget = min(budget, max(12, int(max_tokens * _WORDS_PER_TOKEN)))
    return _truncate(flat, budget)


def _truncate(text: str, max_words: int) -> str:
    words = text.split()
    if len(words) <= max_words:
        return text
    pieces = re.split(r"(?<=[.!?])\s+", text)
    kept: list[str] = []
    count = 0
    for piece in pieces:
        size = len(piece.split())
        if count + size > max_words:
            break
        kept.append(piece)
        count += size
    if kept:
        return " ".join(kept)
    return " ".join(words[:max_words]).rstrip(",;:") + "."


def spoken_weight(weight_kg: float, unit: str) -> str:
    """A weight as a coach says it, in the user's unit: "82.5 kilograms", "185 pounds"."""
    if weight_kg == 0:
        return "body weight"
    if unit == "lb":
        pounds = round(weight_kg / 0.45359237)
        return f"{pounds} pounds"
    rounded = round(weight_kg * 2) / 2
    return f"{rounded:g} kilograms"
