"""Handing freed memory back to the operating system after a burst of inference.

Whisper and piper allocate tens of megabytes per call and free them when it returns; glibc
keeps the freed pages for the next allocation, so every engine's largest call stays resident
for the life of the process, and their sum sets a job's peak. `malloc_trim` returns the free
pages (a few milliseconds), after a call's result has been handed on.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import sys
from typing import Any

from fitcoach.once import Once


def _find_glibc() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None  # musl has none
    except OSError:
        return None


_glibc = Once(_find_glibc)


def give_back_free_memory() -> None:
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


_M_ARENA_MAX = -8


def limit_malloc_arenas() -> None:
    """glibc gives each thread that allocates its own malloc arena; with the engines' and the
    framework's thread pools a job process held ~85 MB more at its peak than with two
    (MALLOC_ARENA_MAX=2, which deployments can also set). Best effort: not every libc has it."""
    libc = _glibc()
    if libc is not None and not os.environ.get("MALLOC_ARENA_MAX"):
        with contextlib.suppress(AttributeError):
            libc.mallopt(_M_ARENA_MAX, 2)
