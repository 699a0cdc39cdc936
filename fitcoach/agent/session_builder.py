"""The engines a process loads once, and the AgentSession built from them and the settings.

The embedded engines and the VAD are loaded once per process (a worker's prewarm, or the
start of a replay or a conversation) and shared by every session in it. Cloud engines are
LiveKit plugins built per session from the provider table; a chosen provider without its
plugin or key is a ConfigError when the worker starts, not at the first utterance. With
VOICE_PROVIDER_FALLBACK a cloud engine is wrapped in the framework's FallbackAdapter with
the embedded engine last.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fitcoach.agent.providers import (
    LocalEngineUnavailable,
    build_cloud_engine,
    local_engine_kinds,
)
from fitcoach.agent.turn_profile import TUNED, TurnProfile
from fitcoach.providers import KIND_LABELS, LOCAL, Kind, chosen_providers, find_provider

if TYPE_CHECKING:
    from livekit.agents import AgentSession
    from livekit.agents.llm import LLM
    from livekit.agents.stt import STT
    from livekit.agents.tts import TTS
    from livekit.agents.vad import VAD

    from fitcoach.config import Settings

logger = logging.getLogger(__name__)

# How long a cloud speech-to-text attempt may take before the local engine is used instead.
STT_ATTEMPT_TIMEOUT_S = 3.0
ALL_KINDS: frozenset[Kind] = frozenset({"stt", "tts", "llm"})


def load_vad(profile: TurnProfile = TUNED) -> VAD:
    """Silero VAD: its ONNX model ships inside the plugin, so this works offline."""
    from livekit.plugins import silero

    if profile.vad_min_silence_s is None:
        return silero.VAD.load()
    return silero.VAD.load(min_silence_duration=profile.vad_min_silence_s)


@dataclass
class Engines:
    """What every session of a process shares: the VAD (loaded for `profile`) and the
    embedded STT, TTS and LLM the settings use, as the chosen provider or as the fallback
    behind a cloud one. A missing one is simply not available to a session."""

    vad: VAD | None = None
    stt: STT[Any] | None = None
    tts: TTS[Any] | None = None
    llm: LLM[Any] | None = None
    profile: TurnProfile = TUNED

    @classmethod
    def load(
        cls,
        settings: Settings,
        *,
        profile: TurnProfile = TUNED,
        kinds: frozenset[Kind] = ALL_KINDS,
        with_vad: bool = True,
    ) -> Engines:
        """Load and warm what these settings use (blocking: seconds on a cold process)."""
        engines = cls(profile=profile, vad=load_vad(profile) if with_vad else None)
        stt_provider, tts_provider, llm_provider = chosen_providers(settings)
        wanted = {
            p.kind
            for p in (stt_provider, tts_provider, llm_provider)
            if p.name == LOCAL or settings.voice_provider_fallback
        }
        wanted &= kinds & local_engine_kinds()
        if "stt" in wanted:
            from fitcoach.agent.engines.whisper_stt import WhisperSTT

            engines.stt = WhisperSTT.load()
        if "tts" in wanted:
            from fitcoach.agent.engines.piper_tts import PiperTTS

            engines.tts = PiperTTS.load()
        if "llm" in wanted:
            from fitcoach.agent.engines.intent_llm import IntentLLM

            engines.llm = IntentLLM.load()
        return engines

    def local(self, kind: Kind) -> Any:
        """The embedded engine of `kind`; LocalEngineUnavailable when it is not loaded."""
        engine = {"stt": self.stt, "tts": self.tts, "llm": self.llm}[kind]
        if engine is None:
            raise LocalEngineUnavailable(
                f"no local {KIND_LABELS[kind]} engine is available in this installation; "
                f"choose a cloud provider for {KIND_LABELS[kind]} (see `fitcoach config`)"
            )
        return engine

    def require_vad(self) -> VAD:
        if self.vad is None:
            self.vad = load_vad(self.profile)
        return self.vad


def build_stt(settings: Settings, engines: Engines) -> STT[Any]:
    from livekit.agents import stt as lk_stt

    provider = find_provider("stt", settings.voice_stt_provider)
    vad = engines.require_vad()
    if provider.name == LOCAL:
        return _wrap_streaming(engines.local("stt"), vad, engines.profile)
    cloud = build_cloud_engine(settings, provider)
    if settings.voice_provider_fallback and engines.stt is not None:
        # No retries of a failed cloud stream before whisper takes over: in livekit-agents
        # 1.8.9 an attempt that times out resets its retry budget, so a provider that
        # accepts the connection and then hangs would be retried for ever.
        return lk_stt.FallbackAdapter(
            [cloud, engines.stt],
            vad=vad,
            max_retry_per_stt=0,
            attempt_timeout=STT_ATTEMPT_TIMEOUT_S,
        )
    return cloud  # type: ignore[no-any-return]


def _wrap_streaming(engine: STT[Any], vad: VAD, profile: TurnProfile) -> STT[Any]:
    """A non-streaming STT transcribes what the VAD cuts out."""
    from livekit.agents import stt as lk_stt

    from fitcoach.agent.engines.speculative_stt import SpeculativeStreamAdapter

    if engine.capabilities.streaming:
        return engine
    if profile.speculate_after_s is None:
        return lk_stt.StreamAdapter(stt=engine, vad=vad)
    return SpeculativeStreamAdapter(
        recognizer=engine, vad=vad, speculate_after_s=profile.speculate_after_s
    )


def build_tts(settings: Settings, engines: Engines) -> TTS[Any]:
    from livekit.agents import tts as lk_tts

    provider = find_provider("tts", settings.voice_tts_provider)
    if provider.name == LOCAL:
        return engines.local("tts")  # type: ignore[no-any-return]
    cloud = build_cloud_engine(settings, provider)
    if settings.voice_provider_fallback and engines.tts is not None:
        return lk_tts.FallbackAdapter([cloud, engines.tts])
    return cloud  # type: ignore[no-any-return]


def build_llm(settings: Settings, engines: Engines) -> LLM[Any]:
    from livekit.agents import llm as lk_llm

    provider = find_provider("llm", settings.voice_llm_provider)
    if provider.name == LOCAL:
        return engines.local("llm")  # type: ignore[no-any-return]
    cloud = build_cloud_engine(settings, provider)
    if settings.voice_provider_fallback and engines.llm is not None:
        return lk_llm.FallbackAdapter([cloud, engines.llm])
    return cloud  # type: ignore[no-any-return]


def build_session(settings: Settings, engines: Engines) -> AgentSession[Any]:
    """A voice session (VAD, STT, LLM, TTS) for these settings; ConfigError for a provider
    it cannot build. Turn handling follows the profile the VAD was loaded for."""
    from livekit.agents import AgentSession

    return AgentSession(
        vad=engines.require_vad(),
        stt=build_stt(settings, engines),
        llm=build_llm(settings, engines),
        tts=build_tts(settings, engines),
        turn_handling=engines.profile.turn_handling(),  # type: ignore[arg-type]
    )


def build_text_session(settings: Settings, engines: Engines) -> AgentSession[Any]:
    """A typed session: the language model alone, no audio engines."""
    from livekit.agents import AgentSession

    return AgentSession(llm=build_llm(settings, engines))
