"""What a command shows while it loads models: a spinner on a terminal, nothing otherwise.

Loading the embedding model, the knowledge base and (for `talk`) the speech engines takes
seconds; a blank terminal for that long looks like a hang. Piped output stays clean, so a
`--json` consumer never reads a spinner.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from fitcoach.cli._run import console

if TYPE_CHECKING:
    from rich.status import Status


class Loading:
    """A spinner that can be stopped early (when the first real output arrives)."""

    def __init__(self, status: Status | None) -> None:
        self._status = status

    def update(self, message: str) -> None:
        if self._status is not None:
            self._status.update(message)

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


@contextmanager
def loading(message: str) -> Iterator[Loading]:
    if not console.is_terminal:
        yield Loading(None)
        return
    status = console.status(message, spinner="dots")
    status.start()
    spinner = Loading(status)
    try:
        yield spinner
    finally:
        spinner.stop()
