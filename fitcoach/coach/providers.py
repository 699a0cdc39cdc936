"""Chat models for the orchestrator's specialists, from the provider table.

Cloud providers go through LangChain's `init_chat_model("provider:model")`; each provider's
integration is an optional extra, and a missing one (or a missing key) is a ConfigError
that says exactly what to install or set, raised when the orchestrator is built, not at
the first question.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fitcoach.errors import ConfigError
from fitcoach.providers import (
    LOCAL,
    TEMPERATURE,
    Provider,
    chosen_model,
    find_provider,
    optional_key,
    require_langchain,
    required_key,
)

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from fitcoach.config import Settings

# The orchestrator retries a failed specialist itself; an SDK retrying inside each of its
# attempts would multiply the calls (OpenAI's and Anthropic's clients retry twice).
_SDK_RETRIES = 0


def orchestrator_provider(settings: Settings) -> str:
    return settings.orchestrator_llm_provider or settings.voice_llm_provider


def _model_name(settings: Settings) -> str | None:
    return settings.orchestrator_llm_model or settings.voice_llm_model


def _init_chat_model(prefix: str) -> Callable[[Settings, Provider], BaseChatModel]:
    def build(settings: Settings, provider: Provider) -> BaseChatModel:
        from langchain.chat_models import init_chat_model

        model: BaseChatModel = init_chat_model(
            f"{prefix}:{chosen_model(_model_name(settings), provider)}",
            api_key=required_key(settings, provider),
            temperature=TEMPERATURE,
            max_tokens=settings.voice_max_response_tokens,
            max_retries=_SDK_RETRIES,
        )
        return model

    return build


def _openai_compatible(settings: Settings, provider: Provider) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    if not settings.voice_llm_base_url:
        raise ConfigError(
            "openai_compatible needs VOICE_LLM_BASE_URL (e.g. http://localhost:11434/v1)"
        )
    model = _model_name(settings)
    if not model:
        raise ConfigError(
            "openai_compatible needs a model: set ORCHESTRATOR_LLM_MODEL or VOICE_LLM_MODEL"
        )
    return ChatOpenAI(
        model=model,
        base_url=settings.voice_llm_base_url,
        # The client insists on some key; local servers ignore it.
        api_key=optional_key(settings, provider) or "not-needed",
        temperature=TEMPERATURE,
        max_completion_tokens=settings.voice_max_response_tokens,
        max_retries=_SDK_RETRIES,
    )


# One builder per cloud language model of the provider table (a test checks none is missing).
CHAT_MODEL_BUILDERS: dict[str, Callable[[Settings, Provider], BaseChatModel]] = {
    "openai": _init_chat_model("openai"),
    "anthropic": _init_chat_model("anthropic"),
    "google": _init_chat_model("google_genai"),
    "openai_compatible": _openai_compatible,
}


def build_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat model, or None for the local (knowledge-base) specialists."""
    provider = find_provider("llm", orchestrator_provider(settings))
    if provider.name == LOCAL:
        return None
    require_langchain(provider)
    return CHAT_MODEL_BUILDERS[provider.name](settings, provider)
