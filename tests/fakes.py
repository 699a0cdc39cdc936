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


# -- a scripted LiveKit LLM ------------------------------------------------------------------

from livekit.agents import llm as lk_llm  # noqa: E402
from livekit.agents.llm import ChatChunk, ChoiceDelta, FunctionToolCall  # noqa: E402
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS, NOT_GIVEN  # noqa: E402

Step = (
    str
    | list[FunctionToolCall]
    | Callable[[lk_llm.ChatContext], "str | list[FunctionToolCall]"]
    | BaseException
)


def tool_call(name: str, call_id: str = "call-1", **arguments: object) -> list[FunctionToolCall]:
    import json

    return [FunctionToolCall(name=name, arguments=json.dumps(arguments), call_id=call_id)]


def last_tool_output(chat_ctx: lk_llm.ChatContext) -> str:
    outputs = [item for item in chat_ctx.items if item.type == "function_call_output"]
    return str(outputs[-1].output) if outputs else ""


class ScriptedLLM(lk_llm.LLM):  # type: ignore[type-arg]
    """A LiveKit LLM that plays a script: each chat() takes the next step, which is text to
    say, tool calls to make, a function of the chat context returning either, or an
    exception to fail that request with (a provider outage)."""

    def __init__(self, steps: list[Step]) -> None:
        super().__init__()
        self.steps = list(steps)
        self.contexts: list[lk_llm.ChatContext] = []

    def chat(
        self,
        *,
        chat_ctx: lk_llm.ChatContext,
        tools: Any = None,
        conn_options: Any = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: Any = NOT_GIVEN,
        tool_choice: Any = NOT_GIVEN,
        extra_kwargs: Any = NOT_GIVEN,
    ) -> lk_llm.LLMStream:
        self.contexts.append(chat_ctx.copy())
        step = self.steps.pop(0) if self.steps else ""
        return _ScriptedStream(
            self, step, chat_ctx=chat_ctx, tools=tools or [], conn_options=conn_options
        )


class _ScriptedStream(lk_llm.LLMStream):
    def __init__(self, owner: ScriptedLLM, step: Step, **kwargs: Any) -> None:
        super().__init__(owner, **kwargs)
        self._step = step

    async def _run(self) -> None:
        if isinstance(self._step, BaseException):
            raise self._step
        step = self._step(self.chat_ctx) if callable(self._step) else self._step
        if isinstance(step, str):
            delta = ChoiceDelta(role="assistant", content=step)
        else:
            delta = ChoiceDelta(role="assistant", tool_calls=step)
        self._event_ch.send_nowait(ChatChunk(id="scripted", delta=delta))
