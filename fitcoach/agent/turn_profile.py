"""How a session decides the user has finished, and when the work for a reply starts.

Two named profiles: `TUNED`, fitcoach's own, and `FRAMEWORK_DEFAULT`, livekit-agents out of
the box with the same engines, which the benchmarks compare against
(`fitcoach replay --turn-profile default`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TurnProfile:
    name: str
    # When the VAD closes an utterance (None: silero's default, 0.55 s).
    vad_min_silence_s: float | None
    # Transcribe after this much silence, before the VAD closes the utterance (None: after).
    speculate_after_s: float | None
    # Judge from the words whether the user sounds finished (else: silence alone decides).
    judge_completeness: bool
    # Synthesise the reply's first audio while the turn is still being confirmed.
    preemptive_tts: bool
    # Silence that ends a finished-sounding turn, and the longest wait for an unfinished one.
    min_delay_s: float = 0.5
    max_delay_s: float = 3.0

    def turn_handling(self) -> dict[str, Any]:
        from fitcoach.agent.engines.turn_detector import UtteranceCompleteness

        return {
            "turn_detection": UtteranceCompleteness() if self.judge_completeness else "vad",
            "endpointing": {"min_delay": self.min_delay_s, "max_delay": self.max_delay_s},
            "preemptive_generation": {"enabled": True, "preemptive_tts": self.preemptive_tts},
        }


# Offline both profiles end a turn on silence. Tuned keeps the framework's 0.5 s (shorter
# splits natural pauses) but stops doing the work in series: the VAD closes an utterance
# after 0.45 s, whisper has started on it after 0.15 s, and the reply's text and first audio
# are made while the 0.5 s run out. A turn that sounds unfinished ("three sets of", "barbell
# rows are done") waits up to 1.5 s for the rest.
TUNED = TurnProfile(
    name="tuned",
    vad_min_silence_s=0.45,
    speculate_after_s=0.15,
    judge_completeness=True,
    preemptive_tts=True,
    max_delay_s=1.5,
)
FRAMEWORK_DEFAULT = TurnProfile(
    name="default",
    vad_min_silence_s=None,
    speculate_after_s=None,
    judge_completeness=False,
    preemptive_tts=False,
)
PROFILES = {profile.name: profile for profile in (TUNED, FRAMEWORK_DEFAULT)}
