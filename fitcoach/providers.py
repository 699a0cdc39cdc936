"""Every engine fitcoach can talk through, in one table.

Settings validate provider names against it; the agent layer registers plugins, checks a
worker's environment and builds sessions from it; the orchestrator builds its chat models
from it. Adding a provider is one `Provider` row here plus its builder: a LiveKit one in
`fitcoach/agent/providers.py` and, for a language model the specialists may use, a LangChain
one in `fitcoach/coach/providers.py`. Tests check that every row has its builders, its pip
extra and its key setting.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from fitcoach.errors import ConfigError

if TYPE_CHECKING:
    from fitcoach.config import Settings

Kind = Literal["stt", "tts", "llm"]
LOCAL = "local"
# Every language model, voice or specialist, answers at this temperature.
TEMPERATURE = 0.7
KIND_LABELS: dict[Kind, str] = {
    "stt": "speech-to-text",
    "tts": "text-to-speech",
    "llm": "language model",
}


@dataclass(frozen=True)
class Provider:
    kind: Kind
    name: str
    # The LiveKit plugin module the voice session uses (None for the embedded engines).
    plugin: str | None = None
    # The pip extra that installs the plugin and the LangChain integration.
    extra: str | None = None
    # The Settings field holding the API key; None when no key is needed.
    key_setting: str | None = None
    key_required: bool = True
    default_model: str | None = None
    # For language models: the LangChain integration module behind the specialists.
    langchain_module: str | None = None

    @property
    def key_variable(self) -> str | None:
        return self.key_setting.upper() if self.key_setting else None


PROVIDERS: tuple[Provider, ...] = (
    Provider("stt", LOCAL),
    Provider("stt", "deepgram", "livekit.plugins.deepgram", "deepgram", "deepgram_api_key"),
    Provider("tts", LOCAL),
    Provider("tts", "cartesia", "livekit.plugins.cartesia", "cartesia", "cartesia_api_key"),
    Provider("llm", LOCAL),
    Provider(
        "llm",
        "openai",
        "livekit.plugins.openai",
        "openai",
        "openai_api_key",
        default_model="gpt-4o",
        langchain_module="langchain_openai",
    ),
    Provider(
        "llm",
        "anthropic",
        "livekit.plugins.anthropic",
        "anthropic",
        "anthropic_api_key",
        default_model="claude-sonnet-4-5",
        langchain_module="langchain_anthropic",
    ),
    Provider(
        "llm",
        "google",
        "livekit.plugins.google",
        "google",
        "google_api_key",
        default_model="gemini-2.5-flash",
        langchain_module="langchain_google_genai",
    ),
    # Any server speaking OpenAI's API (Ollama, llama.cpp, vLLM): its own key, so an OpenAI
    # key is never sent to another host; most local servers need none.
    Provider(
        "llm",
        "openai_compatible",
        "livekit.plugins.openai",
        "openai",
        "voice_llm_api_key",
        key_required=False,
        langchain_module="langchain_openai",
    ),
)


def provider_names(kind: Kind) -> tuple[str, ...]:
    return tuple(p.name for p in PROVIDERS if p.kind == kind)


def find_provider(kind: Kind, name: str) -> Provider:
    for candidate in PROVIDERS:
        if candidate.kind == kind and candidate.name == name:
            return candidate
    raise ConfigError(
        f"unknown {KIND_LABELS[kind]} provider {name[:40]!r}: "
        f"one of {', '.join(provider_names(kind))}"
    )


def chosen_providers(settings: Settings) -> tuple[Provider, Provider, Provider]:
    """The (stt, tts, llm) providers the voice session of these settings uses."""
    return (
        find_provider("stt", settings.voice_stt_provider),
        find_provider("tts", settings.voice_tts_provider),
        find_provider("llm", settings.voice_llm_provider),
    )


def require_plugin(provider: Provider) -> None:
    """ConfigError with the install command when the provider's LiveKit plugin is missing."""
    if provider.plugin is not None and importlib.util.find_spec(provider.plugin) is None:
        raise ConfigError(
            f"the {provider.name} provider needs its LiveKit plugin: "
            f"pip install 'fitcoach[{provider.extra}]'"
        )


def require_langchain(provider: Provider) -> None:
    """ConfigError with the install command when the LangChain integration is missing."""
    module = provider.langchain_module
    if module is not None and importlib.util.find_spec(module) is None:
        raise ConfigError(
            f"the {provider.name} provider needs its LangChain integration: "
            f"pip install 'fitcoach[{provider.extra}]'"
        )


def optional_key(settings: Settings, provider: Provider) -> str | None:
    """The provider's key, or None when it is unset; ConfigError naming the variable when
    the provider cannot work without it."""
    secret = getattr(settings, provider.key_setting) if provider.key_setting else None
    if secret is None:
        if provider.key_setting is not None and provider.key_required:
            raise ConfigError(
                f"the {provider.name} provider needs {provider.key_variable}; set it or "
                "choose the local engine"
            )
        return None
    value: str = secret.get_secret_value()
    return value


def required_key(settings: Settings, provider: Provider) -> str:
    key = optional_key(settings, provider)
    if key is None:
        raise ConfigError(f"the {provider.name} provider has no key setting")
    return key


def chosen_model(model: str | None, provider: Provider) -> str:
    """`model` as set, or the provider's default; ConfigError when there is neither."""
    chosen = model or provider.default_model
    if not chosen:
        raise ConfigError(f"the {provider.name} provider needs a model name: set VOICE_LLM_MODEL")
    return chosen
