"""Warming a local engine from the framework's `prewarm()` hook without blocking the loop.

An AgentSession calls `prewarm()` on its engines from its event loop when it starts. The
local engines' models are loaded once per process (in the worker's prewarm, or by `load()`),
but the first inference in a process is slow; that first call runs in a pool thread here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)


def warm_in_background(warm_up: Callable[[], object], *, engine: str) -> None:
    """Run `warm_up` in a pool thread when an event loop is running. A failure is logged
    here and shows again, as the engine's own error, on its first real use."""

    def run() -> None:
        try:
            warm_up()
        except Exception as exc:
            logger.warning("%s warm-up failed: %s", engine, type(exc).__name__)

    with contextlib.suppress(RuntimeError):  # no running loop: nothing to warm on
        asyncio.get_running_loop().run_in_executor(None, run)
