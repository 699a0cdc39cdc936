"""Log lines that keep their context: which job, room, user and session a line is about.

fitcoach attaches that context to records (a job's fields through the framework's job log
filter, `extra=` elsewhere); `logging.basicConfig`'s format drops every such field, so an
operator could not tell whose session a line was about. The text format prints them after
the message as `key=value`; secrets in them are never possible, since only ids, names and
figures are attached.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

# Attributes every LogRecord has; anything else on a record is context someone attached.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def context_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields attached to `record` beyond the standard ones, in a stable order."""
    return {
        key: value
        for key, value in sorted(vars(record).items())
        if key not in _STANDARD and not key.startswith("_")
    }


def _shown(value: Any) -> str:
    text = str(value)
    if not text or any(ch.isspace() or ch in '"=' for ch in text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


class ContextTextFormatter(logging.Formatter):
    """`time LEVEL logger: message key=value ...`, one line per record."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = context_fields(record)
        if fields:
            head, newline, rest = line.partition("\n")  # a traceback stays below the line
            extra = " ".join(f"{key}={_shown(value)}" for key, value in fields.items())
            line = f"{head} {extra}{newline}{rest}"
        return line


def configure_logging(level: str) -> None:
    """fitcoach and the framework at `level`, other libraries only when they warn, to
    stderr, each line with its context fields."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ContextTextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    for name in ("fitcoach", "livekit"):
        logging.getLogger(name).setLevel(level)
