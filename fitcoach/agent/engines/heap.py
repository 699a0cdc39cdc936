"""Handing freed memory back to the operating system after a burst of inference.

Whisper and piper allocate tens of megabytes per call and free them when it returns; glibc
keeps the freed pages for the next allocation, so every engine's largest call stays resident
for the life of the process, and their sum sets a job's peak. `malloc_trim` returns the free
pages (a few milliseconds), after a call's result has been handed on.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from typing import Any


@functools.cache
def _glibc() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None  # musl has none
    except OSError:
        return None


def give_back_free_memory() -> None:
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
