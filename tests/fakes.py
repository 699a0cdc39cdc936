"""Test doubles that implement LangChain's chat-model interface (no network)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult


class ScriptedChatModel(BaseChatModel):
    """Answers with `respond(messages)`; records every call.

    LangChain's own fake chat models raise on `bind_tools`, which `create_agent` calls, so
    this one accepts tools and ignores them (the script decides whether to call one).
    """

    respond: Callable[[list[BaseMessage]], AIMessage]
    calls: list[list[BaseMessage]] = []

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:  # type: ignore[override]
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.calls.append(list(messages))
        return ChatResult(generations=[ChatGeneration(message=self.respond(messages))])


def echo_last_question(messages: list[BaseMessage]) -> AIMessage:
    question = next(m for m in reversed(messages) if isinstance(m, HumanMessage))
    return AIMessage(content=f"Specialist answer to: {question.content}")
