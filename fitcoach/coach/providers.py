"""Chat models for the orchestrator's specialists, chosen by settings.

Cloud providers go through LangChain's `init_chat_model("provider:model")`; each provider's
integration is an optional extra, and a missing one (or a missing key) is a ConfigError
that says exactly what to install or set, raised when the orchestrator is built, not at
the first question.
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

from fitcoach.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from fitcoach.config import Settings

DEFAULT_MODELS = {
    "openai": "gpt-4o",
    "anthropic": "claude-sonnet-4-5",
    "google": "gemini-2.5-flash",
}
_LANGCHAIN_PROVIDER = {"openai": "openai", "anthropic": "anthropic", "google": "google_genai"}
_INTEGRATION = {
    "openai": ("langchain_openai", "openai"),
    "openai_compatible": ("langchain_openai", "openai"),
    "anthropic": ("langchain_anthropic", "anthropic"),
    "google": ("langchain_google_genai", "google"),
}
_KEY_SETTING = {
    "openai": "openai_api_key",
    "anthropic": "anthropic_api_key",
    "google": "google_api_key",
}
TEMPERATURE = 0.7


def orchestrator_provider(settings: Settings) -> str:
    return settings.orchestrator_llm_provider or settings.voice_llm_provider


def _require_integration(provider: str) -> None:
    module, extra = _INTEGRATION[provider]
    if importlib.util.find_spec(module) is None:
        raise ConfigError(
            f"the {provider} provider needs its LangChain integration: "
            f"pip install 'fitcoach[{extra}]'"
        )


def build_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat model, or None for the local (knowledge-base) specialists."""
    provider = orchestrator_provider(settings)
    if provider == "local":
        return None
    _require_integration(provider)
    model = settings.orchestrator_llm_model or settings.voice_llm_model
    if provider == "openai_compatible":
        from langchain_openai import ChatOpenAI

        if not settings.voice_llm_base_url:
            raise ConfigError(
                "openai_compatible needs VOICE_LLM_BASE_URL (e.g. http://localhost:11434/v1)"
            )
        if not model:
            raise ConfigError(
                "openai_compatible needs a model: set ORCHESTRATOR_LLM_MODEL or VOICE_LLM_MODEL"
            )
        key = (
            settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
        )
        chat: BaseChatModel = ChatOpenAI(
            model=model,
            base_url=settings.voice_llm_base_url,
            api_key=key,
            temperature=TEMPERATURE,
            max_completion_tokens=settings.voice_max_response_tokens,
        )
        return chat
    secret = getattr(settings, _KEY_SETTING[provider])
    if secret is None:
        raise ConfigError(
            f"the {provider} provider needs {_KEY_SETTING[provider].upper()}; "
            "set it or use VOICE_LLM_PROVIDER=local"
        )
    from langchain.chat_models import init_chat_model

    built: BaseChatModel = init_chat_model(
        f"{_LANGCHAIN_PROVIDER[provider]}:{model or DEFAULT_MODELS[provider]}",
        api_key=secret.get_secret_value(),
        temperature=TEMPERATURE,
        max_tokens=settings.voice_max_response_tokens,
    )
    return built
