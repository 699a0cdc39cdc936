"""How loaded a worker is, as LiveKit is told: a full worker declines new rooms, and LiveKit
dispatches them to another replica instead of a session that would lose turns.

Measured on 2 cores with the local engines (bench scale): two spoken sessions answer within
0.8 s, four at about 1 s, and at eight the VAD falls behind real time and turns are lost.
So the load is the larger of the share of the worker's session capacity in use and its CPU
use; at FITCOACH_LOAD_THRESHOLD (0.95) the framework marks the worker full.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from fitcoach.providers import LOCAL

if TYPE_CHECKING:
    from livekit.agents import AgentServer

    from fitcoach.config import Settings

# With cloud speech engines a session's CPU is the VAD and the tools: several per core.
_SESSIONS_PER_CORE_WITH_CLOUD_SPEECH = 4


def session_capacity(settings: Settings) -> int:
    """Voice sessions one worker serves at once: the setting, or what its cores carry."""
    if settings.max_sessions is not None:
        return settings.max_sessions
    cores = os.cpu_count() or 1
    local_speech = LOCAL in (settings.voice_stt_provider, settings.voice_tts_provider)
    return cores if local_speech else cores * _SESSIONS_PER_CORE_WITH_CLOUD_SPEECH


class SessionLoad:
    """The framework's load function: max(sessions in use / capacity, CPU use), 0 to 1."""

    def __init__(self, capacity: int, *, cpu: Any = None) -> None:
        self.capacity = capacity
        self._cpu = cpu

    def __call__(self, server: AgentServer) -> float:
        sessions = len(server.active_jobs) / self.capacity
        return min(1.0, max(sessions, self._cpu_use(server)))

    def _cpu_use(self, server: AgentServer) -> float:
        if self._cpu is not None:
            return float(self._cpu())
        # The framework's own CPU average (a sampling thread, 2.5 s window; livekit-agents
        # 1.8.9 keeps it in worker._DefaultLoadCalc, pinned in pyproject).
        from livekit.agents.worker import _DefaultLoadCalc

        return float(_DefaultLoadCalc.get_load(server))
