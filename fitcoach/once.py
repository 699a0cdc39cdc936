"""Process-wide things built once, on first use, even when several threads ask at once.

The one idiom for every model and table fitcoach loads per process (the embedding model,
the intent engine, the knowledge base, whisper, piper, libc's heap trim): a worker's prewarm
and a job's thread may both ask first, and only one of them pays for the loading.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Once(Generic[T]):
    """Calling it returns the one instance `factory` built."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._value: T | None = None
        self._built = False
        self._lock = threading.Lock()

    def __call__(self) -> T:
        if not self._built:
            with self._lock:
                if not self._built:
                    self._value = self._factory()
                    self._built = True
        return self._value  # type: ignore[return-value]  # set above, under the lock
